//! What `csctl call` prints: tables that fit, chosen fields in every format,
//! one entity as field/value, borderless columns, and server text made safe.

use serde_json::Value;

use crate::support::sim::TestSim;
use crate::support::{against, success, Test};

/// Columns a line takes on a terminal (box-drawing characters count one).
fn columns(line: &str) -> usize {
    line.chars().count()
}

fn deploy_vms(sim: &TestSim, count: usize) {
    for n in 1..=count {
        let name = format!("web-{n:02}");
        sim.deploy(&[("name", &name)]);
    }
}

#[test]
fn thirteen_vms_fit_80_columns_one_line_each() {
    let sim = TestSim::start();
    let home = tempfile::tempdir().unwrap();
    deploy_vms(&sim, 13);
    let output = against(&sim, home.path())
        .env("COLUMNS", "80")
        .args(["call", "listVirtualMachines", "-o", "table"])
        .output()
        .unwrap();
    let table = success(&output);
    let lines: Vec<&str> = table.lines().collect();
    for line in &lines {
        assert!(
            columns(line) <= 80,
            "{} columns: {line}\n{table}",
            columns(line)
        );
    }
    let vm_lines = lines.iter().filter(|line| line.contains("web-")).count();
    assert_eq!(vm_lines, 13, "{table}");
    // The header, the 13 rows, and the three rules of the box.
    assert_eq!(lines.len(), 1 + 13 + 3, "{table}");
    let header = lines[1];
    for column in ["name", "state", "id"] {
        assert!(header.contains(column), "{header}");
    }
    // Ids are whole: 36 characters between the separators.
    let listed: Value = serde_json::from_slice(
        &against(&sim, home.path())
            .args(["call", "listVirtualMachines"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    for vm in listed["virtualmachine"].as_array().unwrap() {
        let id = vm["id"].as_str().unwrap();
        assert!(table.contains(id), "{id} cut in\n{table}");
    }
}

#[test]
fn a_wide_terminal_shows_every_default_column() {
    let sim = TestSim::start();
    let home = tempfile::tempdir().unwrap();
    deploy_vms(&sim, 2);
    let table = success(
        &against(&sim, home.path())
            .env("COLUMNS", "200")
            .args(["call", "listVirtualMachines", "-o", "table"])
            .output()
            .unwrap(),
    );
    let header = table.lines().nth(1).unwrap();
    let names: Vec<&str> = header
        .split(['│', '┆'])
        .map(str::trim)
        .filter(|cell| !cell.is_empty())
        .collect();
    assert_eq!(
        names,
        ["name", "state", "zone", "ip", "offering", "template", "id"],
        "{table}"
    );
    assert!(
        table.contains("m1.small") && table.contains("Running"),
        "{table}"
    );
}

#[test]
fn fields_name_state_as_csv_prints_exactly_those_columns() {
    let sim = TestSim::start();
    let home = tempfile::tempdir().unwrap();
    deploy_vms(&sim, 3);
    let csv = Test::new()
        .sim(&sim)
        .args([
            "call",
            "listVirtualMachines",
            "--fields",
            "name,state",
            "-o",
            "csv",
        ])
        .stdout("name,state\nweb-01,Running\nweb-02,Running\nweb-03,Running\n")
        .run()
        .stdout;
    // cmk's filter= does the same and is not sent to the server.
    let output = against(&sim, home.path())
        .args([
            "-v",
            "call",
            "listVirtualMachines",
            "filter=name,state",
            "-o",
            "csv",
        ])
        .output()
        .unwrap();
    assert_eq!(success(&output), csv);
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(log.contains("listVirtualMachines"), "{log}");
    assert!(
        !log.to_ascii_lowercase().contains("filter"),
        "filter= was sent: {log}"
    );
}

#[test]
fn fields_apply_to_json_and_json_lines() {
    let sim = TestSim::start();
    let home = tempfile::tempdir().unwrap();
    deploy_vms(&sim, 2);
    let json: Value = serde_json::from_str(&success(
        &against(&sim, home.path())
            .args(["call", "listVirtualMachines", "--fields", "name,ip"])
            .output()
            .unwrap(),
    ))
    .unwrap();
    assert_eq!(json["count"], 2);
    let first = json["virtualmachine"][0].as_object().unwrap();
    assert_eq!(first.keys().collect::<Vec<_>>(), ["name", "ip"], "{json}");
    Test::new()
        .sim(&sim)
        .args(["call", "listVirtualMachines", "filter=state", "-o", "jsonl"])
        .stdout("{\"state\":\"Running\"}\n{\"state\":\"Running\"}\n")
        .run();
}

#[test]
fn star_shows_every_column_and_column_output_has_no_borders() {
    let sim = TestSim::start();
    let home = tempfile::tempdir().unwrap();
    deploy_vms(&sim, 2);
    let all = success(
        &against(&sim, home.path())
            .env("COLUMNS", "80")
            .args([
                "call",
                "listVirtualMachines",
                "--fields",
                "*",
                "-o",
                "table",
            ])
            .output()
            .unwrap(),
    );
    assert!(
        all.contains("serviceofferingid") || all.contains("serviceoff…"),
        "{all}"
    );
    assert_eq!(all.lines().count(), 2 + 4, "one line per VM: {all}");
    Test::new()
        .sim(&sim)
        .args([
            "call",
            "listVirtualMachines",
            "-o",
            "column",
            "--fields",
            "name,state",
        ])
        .stdout("name    state\nweb-01  Running\nweb-02  Running\n")
        .run();
}

#[test]
fn one_entity_is_shown_as_field_and_value() {
    let sim = TestSim::start();
    let home = tempfile::tempdir().unwrap();
    let output = against(&sim, home.path())
        .env("COLUMNS", "100")
        .args([
            "call",
            "deployVirtualMachine",
            &format!("zoneid={}", csctl::sim::demo::ZONE1),
            &format!("serviceofferingid={}", csctl::sim::demo::M1_SMALL),
            &format!("templateid={}", csctl::sim::demo::DEBIAN7),
            "name=solo",
            "-o",
            "table",
        ])
        .output()
        .unwrap();
    let table = success(&output);
    let header = table.lines().nth(1).unwrap();
    assert!(
        header.contains("field") && header.contains("value"),
        "{table}"
    );
    assert!(
        table
            .lines()
            .any(|line| line.contains("name") && line.contains("solo")),
        "{table}"
    );
    for line in table.lines() {
        assert!(columns(line) <= 100, "{table}");
    }
}

#[test]
fn control_characters_from_the_server_never_reach_the_table() {
    let sim = TestSim::start();
    let home = tempfile::tempdir().unwrap();
    sim.deploy(&[
        ("name", "evil"),
        ("displayname", "evil\u{1b}]0;owned\u{7}\u{1b}[2J"),
    ]);
    let table = success(
        &against(&sim, home.path())
            .args([
                "call",
                "listVirtualMachines",
                "--fields",
                "name,displayname",
                "-o",
                "table",
            ])
            .output()
            .unwrap(),
    );
    assert!(
        !table.contains('\u{1b}') && !table.contains('\u{7}'),
        "{table:?}"
    );
    assert!(table.contains("evil␛]0;owned␇␛[2J"), "{table}");
    // JSON stays exact JSON: the same text, escaped.
    let json: Value = serde_json::from_slice(
        &against(&sim, home.path())
            .args(["call", "listVirtualMachines", "filter=displayname"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert_eq!(
        json["virtualmachine"][0]["displayname"],
        "evil\u{1b}]0;owned\u{7}\u{1b}[2J"
    );
}

#[test]
fn the_repl_shows_tables_without_control_characters() {
    use std::io::Write as _;
    let sim = TestSim::start();
    let home = tempfile::tempdir().unwrap();
    sim.deploy(&[("name", "evil"), ("displayname", "x\u{1b}[2Jy")]);
    let mut child = crate::support::csctl_process(home.path())
        .args(crate::support::sim_flags(&sim))
        .args(["repl"])
        .env("COLUMNS", "80")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b":set output table\nlistVirtualMachines filter=name,displayname\n")
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!stdout.contains('\u{1b}'), "{stdout:?}");
    assert!(stdout.contains("x␛[2Jy"), "{stdout}");
}

/// `csctl call … -o table` on a pseudo-terminal `columns` wide, COLUMNS unset.
#[cfg(unix)]
fn table_on_a_terminal(columns: u16) -> String {
    use rexpect::session::{spawn_with_options, Options};
    let home = tempfile::tempdir().unwrap();
    let mut command = std::process::Command::new("sh");
    command
        .arg("-c")
        .arg(format!("stty cols {columns} rows 50 && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_csctl"));
    crate::support::scrub_environment(&mut command, home.path());
    command
        .args(["call", "listZones", "--sim", "-o", "table"])
        .env("TERM", "xterm")
        .env_remove("COLUMNS");
    let options = Options::new()
        .timeout_ms(Some(15_000))
        .strip_ansi_escape_codes(true);
    let mut session = spawn_with_options(command, options).unwrap();
    let text = session.exp_eof().unwrap().replace('\r', "");
    // rexpect reads bytes as Latin-1: back to the UTF-8 csctl wrote.
    let bytes: Vec<u8> = text.chars().map(|c| c as u32 as u8).collect();
    String::from_utf8(bytes).unwrap()
}

#[cfg(unix)]
#[test]
fn the_width_comes_from_the_terminal() {
    let narrow = table_on_a_terminal(60);
    assert!(narrow.contains("SimZone1"), "{narrow}");
    for line in narrow.lines() {
        assert!(columns(line) <= 60, "{narrow}");
    }
    assert!(!narrow.contains("networktype"), "{narrow}");
    let wide = table_on_a_terminal(120);
    assert!(
        wide.contains("networktype") && wide.contains("allocationstate"),
        "{wide}"
    );
}

/// `--all` in table and column format goes through the same row writer,
/// page by page: the same text as the whole list in one page, with the
/// list's own default columns (learnt from the pages).
#[test]
fn all_pages_as_table_or_columns_print_as_one_page_does() {
    let sim = TestSim::start();
    let home = tempfile::tempdir().unwrap();
    deploy_vms(&sim, 5);
    let print = |extra: &[&str]| {
        let output = against(&sim, home.path())
            .env("COLUMNS", "100")
            .args(["call", "listVirtualMachines"])
            .args(extra)
            .output()
            .unwrap();
        success(&output)
    };
    for format in ["table", "column"] {
        let whole = print(&["-o", format]);
        assert!(whole.contains("web-05"), "{whole}");
        let paged = print(&["-o", format, "--all", "pagesize=2"]);
        assert_eq!(paged, whole, "{format}");
        let fields = print(&["-o", format, "--fields", "name,state"]);
        let paged = print(&[
            "-o",
            format,
            "--fields",
            "name,state",
            "--all",
            "pagesize=2",
        ]);
        assert_eq!(paged, fields, "{format} --fields");
    }
    // One row in all: the field/value table, as without --all.
    let one = print(&["-o", "table", "name=web-03"]);
    assert!(one.contains("field"), "{one}");
    assert_eq!(print(&["-o", "table", "name=web-03", "--all"]), one);
    // Nothing listed: `(no rows)`, as without --all.
    let none = print(&["-o", "table", "name=nothing-here"]);
    assert_eq!(none, "(no rows)\n");
    assert_eq!(print(&["-o", "table", "name=nothing-here", "--all"]), none);
}

//! Host tests that need no cloud: arguments, output, errors, imports,
//! sessions and interruption. The cloud functions are tested end to end
//! against the simulator in `tests/integration/script_*.rs`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::*;
use crate::client::{ClientConfig, Credentials};

struct Fixture {
    host: ScriptHost,
    output: Arc<Mutex<Vec<(Stream, String)>>>,
    _runtime: tokio::runtime::Runtime,
}

impl Fixture {
    fn stdout(&self) -> Vec<String> {
        let output = self.output.lock().unwrap();
        output
            .iter()
            .filter(|(stream, _)| *stream == Stream::Stdout)
            .map(|(_, text)| text.clone())
            .collect()
    }
}

/// A host whose client points at a closed port.
fn fixture() -> Fixture {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let mut config = ClientConfig::new(
        "http://127.0.0.1:1/client/api",
        Credentials::ApiKey {
            api_key: "KEY".into(),
            secret_key: "SECRET".into(),
        },
    );
    config.connect_timeout = Duration::from_secs(2);
    let client = Client::new(config).unwrap();
    let host = ScriptHost::new(client, runtime.handle().clone());
    let output = Arc::new(Mutex::new(Vec::new()));
    let sink = output.clone();
    host.set_output(move |stream, text| sink.lock().unwrap().push((stream, text.to_string())));
    host.set_progress(false);
    Fixture {
        host,
        output,
        _runtime: runtime,
    }
}

fn args(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect()
}

fn error_text(fixture: &Fixture, name: &str, script: &str, arguments: &[(&str, &str)]) -> String {
    fixture
        .host
        .run_source(name, script, &args(arguments))
        .unwrap_err()
        .to_string()
}

#[test]
fn args_are_a_constant_map_and_arg_reads_them() {
    let f = fixture();
    let script = r#"
        print(ARGS.name);
        print(type_of(ARGS.missing));
        print(arg("name"));
        print(arg("count", 3) + 1);
        print(arg("absent", 3) + 1);
        print(arg("flag", false));
        print(arg("ratio", 0.5) * 2.0);
    "#;
    f.host
        .run_source(
            "t.rhai",
            script,
            &args(&[
                ("name", "web"),
                ("count", "20"),
                ("flag", "yes"),
                ("ratio", "2"),
            ]),
        )
        .map(drop)
        .unwrap();
    assert_eq!(f.stdout(), ["web", "()", "web", "21", "4", "true", "4.0"]);
}

#[test]
fn a_missing_argument_says_how_to_give_it() {
    let f = fixture();
    let text = error_text(
        &f,
        "t.rhai",
        "let a = 1;\nlet name = arg(\"hostname\");\n",
        &[],
    );
    assert_eq!(
        text,
        "t.rhai:2:12: missing script argument `hostname`: run with hostname=VALUE"
    );
    let text = error_text(&f, "t.rhai", "arg(\"count\", 1)", &[("count", "many")]);
    assert!(
        text.contains("script argument `count` must be a whole number, not `many`"),
        "{text}"
    );
}

#[test]
fn arguments_cannot_be_assigned() {
    let f = fixture();
    let text = error_text(&f, "t.rhai", "ARGS = #{};", &[]);
    assert!(text.starts_with("t.rhai:1:1: "), "{text}");
    // A property of the map can be set (on the script's copy) without a crash.
    f.host
        .run_source(
            "t.rhai",
            "const M = #{}; M.x = 1; ARGS.y = 2; print(ARGS.y);",
            &[],
        )
        .map(drop)
        .unwrap();
    assert_eq!(f.stdout(), ["2"]);
}

#[test]
fn syntax_errors_show_the_line_and_a_caret() {
    let f = fixture();
    let text = error_text(&f, "bad.rhai", "let x = 1;\nlet y = (x + ;\n", &[]);
    assert!(text.starts_with("bad.rhai:2:"), "{text}");
    assert!(text.contains("\n 2 | let y = (x + ;\n"), "{text}");
    assert!(text.ends_with('^'), "{text}");
    assert!(matches!(
        f.host.run_source("bad.rhai", "let y = (", &[]),
        Err(ScriptError::Parse(_))
    ));
}

#[test]
fn undefined_variables_are_found_before_running() {
    let f = fixture();
    let text = error_text(&f, "t.rhai", "print(\"start\");\nprint(hostnme);\n", &[]);
    assert!(text.starts_with("t.rhai:2:7: "), "{text}");
    assert!(f.stdout().is_empty(), "nothing ran");
}

#[test]
fn thrown_maps_show_their_message_and_keep_their_value() {
    let f = fixture();
    let error = f
        .host
        .run_source("t.rhai", "throw #{message: \"it broke\", code: 7};", &[])
        .unwrap_err();
    assert_eq!(error.to_string(), "t.rhai:1:1: it broke");
    let thrown = error.diagnostic().unwrap().thrown.clone().unwrap();
    assert_eq!(thrown.cast::<rhai::Map>()["code"].as_int(), Ok(7));
}

#[test]
fn errors_in_functions_show_where_they_were_called() {
    let f = fixture();
    let script = "fn check(n) {\n    if n > 1 { throw \"too many\"; }\n}\ncheck(2);\n";
    let text = error_text(&f, "t.rhai", script, &[]);
    assert_eq!(
        text,
        "t.rhai:2:16: too many\n  in function `check`, called at t.rhai:4:1"
    );
}

#[test]
fn imports_resolve_relative_to_the_script_and_errors_name_the_module() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("lib")).unwrap();
    std::fs::write(
        dir.path().join("lib/util.rhai"),
        "import \"helper\" as helper;\nfn twice(x) { helper::add(x, x) }\nfn fail() {\n    throw \"broken in util\";\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("lib/helper.rhai"),
        "fn add(a, b) { a + b }\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("lib/bad.rhai"), "fn oops( {\n").unwrap();
    let main = dir.path().join("main.rhai");
    std::fs::write(
        &main,
        "import \"lib/util\" as util;\nprint(util::twice(21));\nutil::fail();\n",
    )
    .unwrap();

    let error = f.host.run_file(&main, &[]).unwrap_err().to_string();
    assert_eq!(f.stdout(), ["42"]);
    let util = dir.path().join("lib/util.rhai");
    let expected_start = format!("{}:4:5: broken in util\n", util.display());
    assert!(error.starts_with(&expected_start), "{error}");
    assert!(
        error.ends_with(&format!(
            "in function `fail`, called at {}:3:7",
            main.display()
        )),
        "{error}"
    );

    std::fs::write(&main, "\nimport \"lib/bad\" as bad;\n").unwrap();
    let error = f.host.run_file(&main, &[]).unwrap_err().to_string();
    let bad = dir.path().join("lib/bad.rhai");
    assert!(
        error.starts_with(&format!("{}:1:", bad.display())),
        "{error}"
    );
    assert!(error.contains("imported at"), "{error}");

    std::fs::write(&main, "import \"lib/nothing\" as n;\n").unwrap();
    let error = f.host.run_file(&main, &[]).unwrap_err().to_string();
    assert!(error.contains("cannot import `lib/nothing`"), "{error}");
    assert!(error.contains("nothing.rhai: no such file"), "{error}");
}

#[test]
fn api_errors_can_be_caught_as_maps() {
    let f = fixture();
    let script = r#"
        try {
            api("listZones");
        } catch (e) {
            print(e.error);
            print(e.command);
            print(e.message.contains("listZones"));
        }
    "#;
    f.host.run_source("t.rhai", script, &[]).map(drop).unwrap();
    assert_eq!(f.stdout(), ["transport", "listZones", "true"]);
}

#[test]
fn parameters_that_cannot_be_sent_are_refused_before_calling() {
    let f = fixture();
    let text = error_text(
        &f,
        "t.rhai",
        "api(\"listZones\", #{details: #{a: [1]}})",
        &[],
    );
    assert!(
        text.contains("api: parameter `details[0].a` cannot be sent"),
        "{text}"
    );
    let text = error_text(
        &f,
        "t.rhai",
        "wait_jobs([\"a\"], #{timeout: \"soon\"})",
        &[],
    );
    assert!(
        text.contains("option `timeout` must be a number of seconds"),
        "{text}"
    );
    let text = error_text(&f, "t.rhai", "wait_jobs([#{id: \"x\"}])", &[]);
    assert!(text.contains("has no `jobid`"), "{text}");
}

#[test]
fn json_and_tables() {
    let f = fixture();
    let script = r#"
        let v = parse_json("{\"count\": 2, \"ok\": true, \"none\": null, \"ratio\": 0.5, \"big\": 12345678901}");
        print(v.count + 1);
        print(type_of(v.none));
        print(to_json(#{a: [1, "x", ()], b: false}));
        print_table([#{id: "a", n: 1}, #{id: "b", extra: true}], ["id", "extra"]);
    "#;
    f.host.run_source("t.rhai", script, &[]).map(drop).unwrap();
    let out = f.stdout();
    assert_eq!(out[..3], ["3", "()", r#"{"a":[1,"x",null],"b":false}"#]);
    assert!(
        out[3].contains("id") && out[3].contains("extra") && !out[3].contains(" n "),
        "{}",
        out[3]
    );
}

#[test]
fn signing_uses_the_current_secret() {
    let f = fixture();
    // Vector A of the wire contract (secret `bar`) with this fixture's secret:
    // compare with the library's own signing.
    let expected = crate::client::sign::sign(
        &[
            ("apiKey", "KEY"),
            ("command", "listZones"),
            ("response", "json"),
        ],
        "SECRET",
        crate::client::sign::SignatureAlgorithm::Sha1,
    );
    f.host
        .run_source(
            "t.rhai",
            "print(sign(#{command: \"listZones\", apiKey: \"KEY\", response: \"json\"}));",
            &[],
        )
        .map(drop)
        .unwrap();
    assert_eq!(f.stdout(), [expected]);
    f.host
        .run_source(
            "t.rhai",
            "print(signed_url(\"listZones\", #{name: \"a b\"}));",
            &[],
        )
        .map(drop)
        .unwrap();
    let url = f.stdout().pop().unwrap();
    assert!(
        url.starts_with("http://127.0.0.1:1/client/api?command=listZones&name=a%20b&"),
        "{url}"
    );
    assert!(url.contains("&signature="), "{url}");
}

#[test]
fn a_session_keeps_variables_and_functions() {
    let f = fixture();
    let mut session = f.host.session(&[]);
    f.host
        .eval_in(&mut session, "let x = 20; fn double(n) { n * 2 }")
        .map(drop)
        .unwrap();
    let value = f.host.eval_in(&mut session, "double(x) + 2").unwrap();
    assert_eq!(value.as_int(), Ok(42));
    let error = f
        .host
        .eval_in(&mut session, "double(")
        .unwrap_err()
        .to_string();
    assert!(error.starts_with("<input 3>:1:"), "{error}");
    assert_eq!(f.host.eval_in(&mut session, "x").unwrap().as_int(), Ok(20));
}

#[test]
fn an_interrupted_host_stops_loops_and_waits() {
    let f = fixture();
    f.host.interrupt();
    assert!(f
        .host
        .run_source("t.rhai", "loop { }", &[])
        .unwrap_err()
        .is_interrupted());
    f.host.reset_interrupt();
    assert_eq!(
        f.host.run_source("t.rhai", "1 + 1", &[]).unwrap().as_int(),
        Ok(2)
    );

    // A pause is cut short from another thread, and `catch` does not stop it.
    let interrupter = f.host.interrupter();
    let stopper = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(30));
        interrupter.interrupt();
    });
    let error = f
        .host
        .run_source(
            "t.rhai",
            "try { sleep(600); } catch { print(\"caught\"); }",
            &[],
        )
        .unwrap_err();
    stopper.join().unwrap();
    assert!(error.is_interrupted());
    assert_eq!(error.to_string(), "interrupted");
    assert!(f.stdout().is_empty());
}

#[test]
fn debug_goes_to_stderr_with_its_line() {
    let f = fixture();
    f.host
        .run_source("t.rhai", "\ndebug(\"here\");", &[])
        .map(drop)
        .unwrap();
    let output = f.output.lock().unwrap();
    assert_eq!(
        output.as_slice(),
        [(Stream::Stderr, "t.rhai:2: \"here\"".to_string())]
    );
}

#[test]
fn script_arguments_are_parsed_strictly() {
    assert_eq!(
        parse_args(&["a=1", "b=x=y", "c="]).unwrap(),
        args(&[("a", "1"), ("b", "x=y"), ("c", "")])
    );
    assert!(parse_args(&["novalue"])
        .unwrap_err()
        .contains("not name=value"));
    assert!(parse_args(&["a=1", "a=2"])
        .unwrap_err()
        .contains("more than once"));
    assert!(parse_args(&["1a=1"]).is_err());
    assert!(parse_args(&["a-b=1"]).is_err());
}

#[test]
fn the_bundled_scripts_compile() {
    let f = fixture();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts");
    let mut checked = 0;
    for folder in [dir.clone(), dir.join("lib")] {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|ext| ext == "rhai") {
                let text = std::fs::read_to_string(&path).unwrap();
                let mut scope = rhai::Scope::new();
                scope.push_constant(ARGS, rhai::Map::new());
                if let Err(error) = f.host.engine().compile_with_scope(&scope, &text) {
                    panic!("{}: {error}", path.display());
                }
                checked += 1;
            }
        }
    }
    assert!(checked >= 5, "found {checked} scripts");
}

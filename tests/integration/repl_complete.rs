//! TAB completion in `csctl repl`, against the simulator's catalogue and
//! data. Each test completes a word and then runs the line: the call's
//! result shows that the completed text is right (the uncompleted line
//! would fail). After TAB the editor redraws the line with its prompt, so
//! the tests wait for results, not prompts.

use crate::repl_pty::Repl;

use csctl::sim::demo::{ZONE1, ZONE2};

#[test]
fn tab_completes_an_api_name_ignoring_case() {
    let mut repl = Repl::sim();
    repl.prompt();
    // `listzo` completes to the common prefix of listZones and
    // listZonesMetrics, in the catalogue's case.
    repl.typed("listzo");
    repl.tab();
    repl.expect("listZones");
    repl.line("");
    repl.expect("\"SimZone1\"");
    repl.prompt();
    repl.quit_with_ctrl_d();
}

#[test]
fn tab_completes_a_parameter_name_then_an_id_value() {
    let mut repl = Repl::sim();
    repl.prompt();
    repl.typed("listNetworks zon");
    repl.tab();
    repl.expect("zoneid=");
    // Two zones, two different first characters: `a` picks zone 1.
    repl.typed("a");
    repl.tab();
    repl.expect(ZONE1);
    repl.line("");
    let output = repl.expect("csctl(sim)> ");
    assert!(output.contains("\"default-isolated\""), "{output}");
    repl.quit_with_ctrl_d();
}

#[test]
fn id_values_are_listed_with_their_names_and_complete_from_a_name() {
    let mut repl = Repl::sim();
    repl.prompt();
    repl.typed("listNetworks zoneid=");
    repl.tab();
    // Ambiguous: the second TAB lists the ids with their names.
    repl.tab();
    repl.expect("(SimZone1)");
    repl.expect(&format!("{ZONE2}  (SimZone2)"));
    // Typing a zone's name completes its id.
    repl.typed("SimZone2");
    repl.tab();
    repl.expect(ZONE2);
    repl.line("");
    // Zone 2 has no network: the answer is empty, not an error.
    let output = repl.expect("csctl(sim)> ");
    assert!(
        output.contains("{}") && !output.contains("error"),
        "{output}"
    );
    repl.quit_with_ctrl_d();
}

#[test]
fn tab_completes_rhai_variables_and_functions() {
    let mut repl = Repl::sim();
    repl.prompt();
    repl.run("let answer_to_everything = 42;");
    repl.typed("answer_to_ev");
    repl.tab();
    repl.expect("answer_to_everything");
    repl.line(" + 0");
    repl.expect("42");
    repl.prompt();
    repl.quit_with_ctrl_d();
}

#[test]
fn cmk_words_complete_nouns_parameters_and_ids() {
    let mut repl = Repl::sim();
    repl.prompt();
    // `list netw` is ambiguous (networkacls, networks…); `list networks`
    // then completes its parameters and their ids like `listNetworks`.
    repl.typed("list networks zon");
    repl.tab();
    repl.expect("zoneid=");
    repl.typed("a");
    repl.tab();
    repl.expect(ZONE1);
    repl.line("");
    let output = repl.expect("csctl(sim)> ");
    assert!(output.contains("\"default-isolated\""), "{output}");
    repl.typed("list zo");
    repl.tab();
    repl.expect("zones");
    repl.line("");
    repl.expect("\"SimZone2\"");
    repl.prompt();
    repl.quit_with_ctrl_d();
}

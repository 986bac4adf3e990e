//! Templates made by `createTemplate` (from a volume or a snapshot) are
//! templates like any other: every command that takes a template takes
//! their id, and the OS type is checked as the server checks it.

use serde_json::Value;

use crate::support::sim::TestSim;

use csctl::sim::demo::{M1_SMALL, ZONE1, ZONE2};

fn done(sim: &TestSim, started: &Value) -> Value {
    let job = sim.wait_job(started["jobid"].as_str().expect("a jobid"));
    assert_eq!(job["jobstatus"], 1, "{job}");
    job["jobresult"].clone()
}

/// The ids of `listTemplates templatefilter=self id=…` rows, with their zones.
fn listed(sim: &TestSim, id: &str) -> Vec<String> {
    let answer = sim.api("listTemplates", &[("templatefilter", "self"), ("id", id)]);
    answer["template"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .map(|t| {
                    format!(
                        "{}@{}",
                        t["id"].as_str().unwrap(),
                        t["zoneid"].as_str().unwrap()
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A stopped VM's root volume, and an OS type of `listOsTypes`.
fn root_volume_and_os(sim: &TestSim) -> (String, Value) {
    let vm = sim.deploy(&[("name", "source")])["jobresult"]["virtualmachine"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    done(sim, &sim.api("stopVirtualMachine", &[("id", &vm)]));
    let volume = sim.api(
        "listVolumes",
        &[("virtualmachineid", &vm), ("type", "ROOT")],
    )["volume"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let os = sim.api("listOsTypes", &[])["ostype"][1].clone();
    (volume, os)
}

#[test]
fn a_template_from_a_volume_or_snapshot_is_taken_by_every_template_command() {
    let sim = TestSim::start();
    let (volume, os) = root_volume_and_os(&sim);
    let os_id = os["id"].as_str().unwrap();
    let snapshot = done(&sim, &sim.api("createSnapshot", &[("volumeid", &volume)]))["snapshot"]
        ["id"]
        .as_str()
        .unwrap()
        .to_string();
    for (source, id) in [("volumeid", &volume), ("snapshotid", &snapshot)] {
        let started = sim.api(
            "createTemplate",
            &[
                ("name", "made"),
                ("displaytext", "Made"),
                (source, id),
                ("ostypeid", os_id),
            ],
        );
        let template = done(&sim, &started)["template"].clone();
        let tid = template["id"].as_str().unwrap().to_string();
        assert_eq!(started["id"], tid.as_str());
        assert_eq!(template["ostypeid"], os_id);
        assert_eq!(template["ostypename"], os["description"]);
        assert_eq!(listed(&sim, &tid), [format!("{tid}@{ZONE1}")]);

        // Deployable at once.
        let vm = done(
            &sim,
            &sim.api(
                "deployVirtualMachine",
                &[
                    ("zoneid", ZONE1),
                    ("serviceofferingid", M1_SMALL),
                    ("templateid", &tid),
                ],
            ),
        );
        assert_eq!(vm["virtualmachine"]["templateid"], tid.as_str());

        let updated = sim.api(
            "updateTemplate",
            &[("id", &tid), ("displaytext", "Renamed")],
        );
        assert_eq!(updated["template"]["displaytext"], "Renamed");
        assert_eq!(
            sim.api("listTemplates", &[("templatefilter", "self"), ("id", &tid)])["template"][0]
                ["displaytext"],
            "Renamed"
        );

        let copied = done(
            &sim,
            &sim.api(
                "copyTemplate",
                &[("id", &tid), ("sourcezoneid", ZONE1), ("destzoneid", ZONE2)],
            ),
        );
        assert_eq!(copied["template"]["zoneid"], ZONE2);
        assert_eq!(
            listed(&sim, &tid),
            [format!("{tid}@{ZONE1}"), format!("{tid}@{ZONE2}")]
        );

        // Deleted in one zone, then everywhere: deploys are refused.
        done(
            &sim,
            &sim.api("deleteTemplate", &[("id", &tid), ("zoneid", ZONE2)]),
        );
        assert_eq!(listed(&sim, &tid), [format!("{tid}@{ZONE1}")]);
        assert_eq!(
            done(&sim, &sim.api("deleteTemplate", &[("id", &tid)]))["success"],
            true
        );
        assert!(listed(&sim, &tid).is_empty());
        let (status, _) = sim.signed_get(&[
            ("command", "deployVirtualMachine"),
            ("zoneid", ZONE1),
            ("serviceofferingid", M1_SMALL),
            ("templateid", &tid),
        ]);
        assert_ne!(status, 200, "a deleted template was deployed");
    }
}

#[test]
fn create_template_checks_its_source_and_os_type_as_the_server_does() {
    let sim = TestSim::start();
    let (volume, os) = root_volume_and_os(&sim);
    let os_id = os["id"].as_str().unwrap();
    let refused = |params: &[(&str, &str)]| {
        let mut all = vec![
            ("command", "createTemplate"),
            ("name", "t"),
            ("displaytext", "t"),
        ];
        all.extend_from_slice(params);
        let (status, body) = sim.signed_get(&all);
        let text = body["createtemplateresponse"]["errortext"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        (status, text)
    };
    assert_eq!(
        refused(&[("ostypeid", os_id)]),
        (
            431,
            "Failed to create private template record, need to specify snapshotId or volumeId"
                .to_string()
        )
    );
    let (status, text) = refused(&[
        ("ostypeid", os_id),
        ("volumeid", &volume),
        ("snapshotid", &volume),
    ]);
    assert_eq!(status, 431, "{text}");
    // An OS type listOsTypes does not know: the API layer's entity check.
    let (status, text) = refused(&[
        ("ostypeid", "0f0f0f0f-0000-4000-8000-000000000000"),
        ("volumeid", &volume),
    ]);
    assert_eq!(status, 431, "{text}");
    assert!(text.contains("ostypeid"), "{text}");
    // No refused call made a template.
    let mine = sim.api(
        "listTemplates",
        &[("templatefilter", "self"), ("name", "t")],
    );
    assert_eq!(mine["count"], Value::Null, "{mine}");
}

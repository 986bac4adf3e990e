//! Each command's success and error shapes over HTTP, compared with the
//! captured answers of real servers in `shared/fixtures/` where one exists.

use serde_json::{json, Map, Value};

use crate::support::shared_dir;
use crate::support::sim::TestSim;

use csctl::sim::demo::{DEBIAN7, M1_SMALL, NETWORK, SOURCE_NAT_IP, ZONE1, ZONE2};

fn fixture(path: &str) -> Value {
    let text = std::fs::read_to_string(shared_dir().join("fixtures").join(path)).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn object(value: &Value) -> &Map<String, Value> {
    value
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {value}"))
}

/// Every key of the captured object is in ours, with the same JSON type,
/// except `allowed_missing`; and the keys both have come in the same order
/// (when the capture kept the server's order).
fn same_shape(ours: &Value, captured: &Value, allowed_missing: &[&str]) {
    let (ours, captured) = (object(ours), object(captured));
    for (name, value) in captured {
        match ours.get(name) {
            None => assert!(
                allowed_missing.contains(&name.as_str()),
                "missing `{name}`: ours {ours:?}"
            ),
            Some(mine) => {
                let numeric = |v: &Value| v.is_number();
                // Old captures have integer ids where modern servers have uuids.
                let id_like = name == "id" || name.ends_with("id");
                if !(id_like && numeric(value) && mine.is_string()) {
                    assert_eq!(
                        std::mem::discriminant(mine),
                        std::mem::discriminant(value),
                        "`{name}`: ours {mine}, captured {value}"
                    );
                }
            }
        }
    }
    // Some captures were re-serialized with sorted keys: their order says nothing.
    if captured
        .keys()
        .zip(captured.keys().skip(1))
        .all(|(a, b)| a <= b)
    {
        return;
    }
    let common: Vec<&String> = captured.keys().filter(|k| ours.contains_key(*k)).collect();
    let ours_order: Vec<&String> = ours.keys().filter(|k| captured.contains_key(*k)).collect();
    assert_eq!(ours_order, common, "keys in another order");
}

#[test]
fn list_zones_is_shaped_like_the_capture() {
    let sim = TestSim::start();
    let body = sim.signed_get(&[("command", "listZones")]).1;
    let answer = object(&body["listzonesresponse"]);
    assert_eq!(
        answer.keys().collect::<Vec<_>>(),
        ["count", "zone"],
        "count comes first"
    );
    assert_eq!(answer["count"], 2);
    let captured = fixture("libcloud/listZones_deployip.json");
    same_shape(
        &answer["zone"][0],
        &captured["listzonesresponse"]["zone"][0],
        &[],
    );
    assert_eq!(answer["zone"][0]["id"], ZONE1);
    assert_eq!(answer["zone"][0]["name"], "SimZone1");
    // Filters: name is exact, keyword a substring, id a lookup.
    assert_eq!(sim.api("listZones", &[("name", "SimZone2")])["count"], 1);
    assert_eq!(sim.api("listZones", &[("keyword", "zone")])["count"], 2);
    assert_eq!(
        sim.api("listZones", &[("id", ZONE1)])["zone"][0]["name"],
        "SimZone1"
    );
    assert_eq!(sim.api("listZones", &[("name", "nowhere")]), json!({}));
}

#[test]
fn list_networks_is_shaped_like_the_capture() {
    let sim = TestSim::start();
    let answer = sim.api("listNetworks", &[]);
    assert_eq!(answer["count"], 1);
    let network = &answer["network"][0];
    let captured = fixture("cloudstack-go/NetworkService.json");
    same_shape(
        network,
        &captured["listNetworks"]["listnetworksresponse"]["network"][0],
        &[],
    );
    assert_eq!(network["id"], NETWORK);
    assert_eq!(network["zoneid"], ZONE1);
    assert_eq!(network["type"], "Isolated");
    assert_eq!(network["cidr"], "10.1.0.0/16");
    // The tutorial's look-up: the zone of a network.
    assert_eq!(
        sim.api("listNetworks", &[("id", NETWORK)])["network"][0]["zoneid"],
        ZONE1
    );
    assert_eq!(sim.api("listNetworks", &[("zoneid", ZONE2)]), json!({}));
}

#[test]
fn list_public_ip_addresses_is_shaped_like_the_capture() {
    let sim = TestSim::start();
    // The tutorial's look-up: the public IP of a network.
    let answer = sim.api("listPublicIpAddresses", &[("associatednetworkid", NETWORK)]);
    assert_eq!(answer["count"], 1);
    let ip = &answer["publicipaddress"][0];
    let captured = fixture("libcloud/listPublicIpAddresses_default.json");
    // The capture's first address has a static NAT VM.
    same_shape(
        ip,
        &captured["listpublicipaddressesresponse"]["publicipaddress"][3],
        &[],
    );
    assert_eq!(ip["id"], SOURCE_NAT_IP);
    assert_eq!(ip["issourcenat"], true);
    assert_eq!(ip["ipaddress"], "203.0.113.10");
}

#[test]
fn list_templates_needs_a_filter_and_lists_one_row_per_zone() {
    let sim = TestSim::start();
    let (status, body) = sim.signed_get(&[("command", "listTemplates")]);
    assert_eq!(status, 431);
    assert_eq!(
        body,
        json!({"listtemplatesresponse": {"uuidList": [], "errorcode": 431, "cserrorcode": 9999,
            "errortext": "Unable to execute API command listtemplates due to missing parameter templatefilter"}})
    );
    let (status, body) =
        sim.signed_get(&[("command", "listTemplates"), ("templatefilter", "Featured")]);
    assert_eq!(status, 431, "the filter is an enum constant: case matters");
    assert!(body["listtemplatesresponse"]["errortext"]
        .as_str()
        .unwrap()
        .contains("TemplateFilter.Featured"));

    let featured = sim.api("listTemplates", &[("templatefilter", "featured")]);
    // Debian 7 and CentOS in both zones, Ubuntu in the first.
    assert_eq!(featured["count"], 5);
    let captured = fixture("libcloud/listTemplates_deployip.json");
    same_shape(
        &featured["template"][0],
        &captured["listtemplatesresponse"]["template"][0],
        &[],
    );
    let debian: Vec<&Value> = featured["template"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["id"] == DEBIAN7)
        .collect();
    assert_eq!(debian.len(), 2);
    assert_eq!(debian[0]["name"], "Debian 7 - Minimal - 64bits");
    assert_eq!(debian[0]["zoneid"], ZONE1);

    let zone1 = sim.api(
        "listTemplates",
        &[("templatefilter", "executable"), ("zoneid", ZONE1)],
    );
    assert_eq!(zone1["count"], 5);
    assert_eq!(
        sim.api("listTemplates", &[("templatefilter", "self")])["count"],
        1
    );
    assert_eq!(
        sim.api("listTemplates", &[("templatefilter", "community")])["count"],
        1
    );
    assert_eq!(
        sim.api(
            "listTemplates",
            &[("templatefilter", "all"), ("id", DEBIAN7)]
        )["count"],
        2
    );
    // An empty list is `{}`, as in the capture.
    let (_, body) = sim.signed_get(&[
        ("command", "listTemplates"),
        ("templatefilter", "sharedexecutable"),
    ]);
    assert_eq!(body, fixture("libcloud/listTemplates_notemplates.json"));
}

#[test]
fn list_service_offerings_is_shaped_like_the_capture() {
    let sim = TestSim::start();
    let answer = sim.api("listServiceOfferings", &[]);
    assert_eq!(answer["count"], 4);
    let captured = fixture("libcloud/listServiceOfferings_deployip.json");
    // `networkrate` and host `tags` only appear when an offering sets them.
    same_shape(
        &answer["serviceoffering"][0],
        &captured["listserviceofferingsresponse"]["serviceoffering"][0],
        &["networkrate", "tags"],
    );
    let names: Vec<&str> = answer["serviceoffering"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["m1.small", "m1.medium", "m1.large", "m1.extralarge"]
    );
    assert_eq!(
        sim.api("listServiceOfferings", &[("name", "m1.large")])["serviceoffering"][0]["cpunumber"],
        4
    );
    assert_eq!(
        sim.api("listServiceOfferings", &[("id", M1_SMALL)])["count"],
        1
    );
}

#[test]
fn list_apis_describes_every_command_for_completion() {
    let sim = TestSim::start();
    let answer = sim.api("listApis", &[("listall", "true")]);
    let apis = answer["api"].as_array().unwrap();
    assert_eq!(answer["count"], apis.len());
    let names: Vec<&str> = apis.iter().map(|a| a["name"].as_str().unwrap()).collect();
    for wanted in [
        "listApis",
        "listZones",
        "listNetworks",
        "listPublicIpAddresses",
        "associateIpAddress",
        "disassociateIpAddress",
        "listTemplates",
        "listServiceOfferings",
        "deployVirtualMachine",
        "listVirtualMachines",
        "startVirtualMachine",
        "stopVirtualMachine",
        "rebootVirtualMachine",
        "destroyVirtualMachine",
        "queryAsyncJobResult",
        "listAsyncJobs",
        "createTags",
        "deleteTags",
        "listTags",
        "createPortForwardingRule",
        "listPortForwardingRules",
        "deletePortForwardingRule",
        "login",
        "logout",
    ] {
        assert!(names.contains(&wanted), "{wanted} missing from listApis");
    }
    let captured = fixture("cloudstack-go/ApiDiscoveryService.json");
    let captured_api = &captured["listApis"]["listapisresponse"]["api"][0];
    let deploy = sim.api("listApis", &[("name", "deployVirtualMachine")]);
    assert_eq!(deploy["count"], 1);
    let deploy = &deploy["api"][0];
    let ours_keys: std::collections::BTreeSet<&String> = object(deploy).keys().collect();
    let captured_keys: std::collections::BTreeSet<&String> = object(captured_api).keys().collect();
    assert_eq!(ours_keys, captured_keys);
    assert_eq!(deploy["isasync"], true);
    let params = deploy["params"].as_array().unwrap();
    for param in params {
        let keys: std::collections::BTreeSet<&str> =
            object(param).keys().map(String::as_str).collect();
        assert!(
            keys.is_superset(&["description", "length", "name", "required", "type"].into()),
            "{param}"
        );
    }
    let required: Vec<&str> = params
        .iter()
        .filter(|p| p["required"] == true)
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    // The catalogue (4.22) declares templateid optional: a VM may also
    // start from a volume or a snapshot.
    assert_eq!(required, ["zoneid", "serviceofferingid"]);
    let zoneid = params.iter().find(|p| p["name"] == "zoneid").unwrap();
    assert_eq!(
        (zoneid["type"].as_str(), zoneid["related"].as_str()),
        (Some("uuid"), Some("listZones"))
    );

    let (status, body) = sim.signed_get(&[("command", "listApis"), ("name", "launchRocket")]);
    assert_eq!(status, 530);
    assert_eq!(
        body["listapisresponse"]["errortext"],
        "Api Discovery plugin was unable to find an api by that name or process any apis"
    );
}

#[test]
fn parameter_errors_have_the_server_texts() {
    let sim = TestSim::start();
    let error = |params: &[(&str, &str)]| {
        let (status, body) = sim.signed_get(params);
        let key = format!("{}response", params[0].1.to_ascii_lowercase());
        let error = body[&key].clone();
        assert_eq!(error["errorcode"], status, "{body}");
        assert_eq!(
            object(&error).keys().collect::<Vec<_>>(),
            ["uuidList", "errorcode", "cserrorcode", "errortext"],
            "error keys in the server's order"
        );
        (
            status,
            error["cserrorcode"].as_u64().unwrap(),
            error["errortext"].as_str().unwrap().to_string(),
        )
    };
    // Required parameters in declaration order.
    assert_eq!(
        error(&[("command", "deployVirtualMachine")]),
        (
            431,
            9999,
            "Unable to execute API command deployvirtualmachine due to missing parameter zoneid"
                .into()
        )
    );
    assert_eq!(
        error(&[("command", "deployVirtualMachine"), ("zoneid", ZONE1), ("templateid", DEBIAN7)]).2,
        "Unable to execute API command deployvirtualmachine due to missing parameter serviceofferingid"
    );
    // templateid is optional since 4.21 (a VM may start from a volume or a
    // snapshot), but exactly one of the three is taken (DeployVMCmd.create).
    let offering = sim.api("listServiceOfferings", &[])["serviceoffering"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        error(&[("command", "deployVirtualMachine"), ("zoneid", ZONE1), ("serviceofferingid", &offering)]),
        (
            530,
            4250,
            "Please provide only one of the following parameters - template ID, volume ID or snapshot ID".into()
        )
    );
    // Unknown uuid, and a non-uuid.
    let unknown = "00000000-0000-4000-8000-000000000000";
    assert_eq!(
        error(&[("command", "listVirtualMachines"), ("id", unknown)]),
        (
            431,
            9999,
            format!(
                "Unable to execute API command listvirtualmachines due to invalid value. Invalid parameter id \
                 value={unknown} due to incorrect long value format, or entity does not exist or due to incorrect \
                 parameter annotation for the field in api cmd class."
            )
        )
    );
    assert!(
        error(&[("command", "deployVirtualMachine"), ("zoneid", "abc")])
            .2
            .contains("parameter zoneid value=abc")
    );
    // Integers, paging.
    assert_eq!(
        error(&[("command", "listZones"), ("page", "x"), ("pagesize", "5")]).2,
        "Unable to execute API command listzones due to invalid value x for parameter page"
    );
    assert_eq!(
        error(&[("command", "listZones"), ("pagesize", "5")]),
        (
            431,
            4350,
            "\"page\" parameter is required when \"pagesize\" is specified".into()
        )
    );
    assert_eq!(
        error(&[("command", "listZones"), ("page", "1")]).2,
        "\"pagesize\" parameter is required when \"page\" is specified"
    );
    assert_eq!(
        error(&[("command", "listZones"), ("page", "1"), ("pagesize", "501")]),
        (
            431,
            4350,
            "Page size can't exceed max allowed page size value: 500".into()
        )
    );
    // Maps: bad syntax is 430, a scalar map 431.
    let (status, _, text) = error(&[("command", "listVirtualMachines"), ("tags[x].key", "a")]);
    assert_eq!(status, 430);
    assert!(
        text.starts_with("Unable to decode parameter tags[x].key; if specifying an object array")
    );
    assert_eq!(
        error(&[("command", "listVirtualMachines"), ("tags", "env")]).2,
        "Unable to execute API command listvirtualmachines due to invalid value env for parameter tags"
    );
}

#[test]
fn unknown_parameters_are_ignored_and_names_are_case_insensitive() {
    let sim = TestSim::start();
    let answer = sim.api(
        "listZones",
        &[
            ("Name", "SimZone1"),
            ("noSuchParameter", "1"),
            ("_", "12345"),
        ],
    );
    assert_eq!(answer["count"], 1);
    let answer = sim.api("listNetworks", &[("ZoneId", ZONE1)]);
    assert_eq!(answer["count"], 1);
}

#[test]
fn errors_carry_x_description() {
    let sim = TestSim::start();
    let params = sim.signed_params(&[("command", "listTemplates")]);
    let url = format!("{}?{}", sim.endpoint, crate::support::sim::encode(&params));
    let response = reqwest::blocking::get(url).unwrap();
    assert_eq!(response.status().as_u16(), 431);
    assert_eq!(
        response.headers()["x-description"],
        "Unable to execute API command listtemplates due to missing parameter templatefilter"
    );
}

#[test]
fn error_bodies_look_like_the_captured_error() {
    let sim = TestSim::start();
    let (_, body) = sim.signed_get(&[("command", "listTemplates")]);
    let captured = fixture("libcloud/registerSSHKeyPair_error.json");
    same_shape(
        &body["listtemplatesresponse"],
        &captured["registersshkeypairresponse"],
        &[],
    );
}

#[test]
fn public_ips_are_associated_and_released_by_jobs() {
    let sim = TestSim::start();
    let started = sim.api("associateIpAddress", &[("networkid", NETWORK)]);
    assert_eq!(object(&started).keys().collect::<Vec<_>>(), ["id", "jobid"]);
    let id = started["id"].as_str().unwrap().to_string();
    let job = sim.wait_job(started["jobid"].as_str().unwrap());
    assert_eq!(job["jobstatus"], 1, "{job}");
    assert_eq!(job["jobinstancetype"], "IpAddress");
    let ip = &job["jobresult"]["ipaddress"];
    assert_eq!(ip["id"], id.as_str());
    assert_eq!(ip["state"], "Allocated");
    assert_eq!(ip["associatednetworkid"], NETWORK);
    assert_eq!(ip["ipaddress"], "203.0.113.11");
    assert_eq!(sim.api("listPublicIpAddresses", &[])["count"], 2);

    let released = sim.api("disassociateIpAddress", &[("id", &id)]);
    assert_eq!(object(&released).keys().collect::<Vec<_>>(), ["jobid"]);
    let job = sim.wait_job(released["jobid"].as_str().unwrap());
    assert_eq!(job["jobresult"], json!({"success": true}));
    assert_eq!(sim.api("listPublicIpAddresses", &[])["count"], 1);

    // The source NAT address cannot go: the job fails.
    let released = sim.api("disassociateIpAddress", &[("id", SOURCE_NAT_IP)]);
    let job = sim.wait_job(released["jobid"].as_str().unwrap());
    assert_eq!(
        (job["jobstatus"].clone(), job["jobresultcode"].clone()),
        (json!(2), json!(530))
    );
    assert_eq!(
        job["jobresult"],
        json!({"errorcode": 530, "errortext": "ip address is used for source nat purposes and can not be disassociated."})
    );

    let (status, body) = sim.signed_get(&[("command", "associateIpAddress")]);
    assert_eq!(status, 431, "{body}");
}

#[test]
fn tags_are_created_listed_filtered_and_deleted() {
    let sim = TestSim::start();
    let vm = sim.deploy(&[("name", "tagged")])["jobresult"]["virtualmachine"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    sim.deploy(&[("name", "plain")]);
    let started = sim.api(
        "createTags",
        &[
            ("resourcetype", "UserVm"),
            ("resourceids", &vm),
            ("tags[0].key", "env"),
            ("tags[0].value", "prod"),
            ("tags[1].key", "tier"),
            ("tags[1].value", "web"),
        ],
    );
    let job = sim.wait_job(started["jobid"].as_str().unwrap());
    assert_eq!(job["jobresult"], json!({"success": true}), "{job}");

    let tags = sim.api("listTags", &[("resourceid", &vm)]);
    assert_eq!(tags["count"], 2);
    assert_eq!(
        object(&tags["tag"][0]).keys().collect::<Vec<_>>(),
        [
            "key",
            "value",
            "resourcetype",
            "resourceid",
            "account",
            "domainid",
            "domain"
        ]
    );
    let listed = sim.api(
        "listVirtualMachines",
        &[("tags[0].key", "env"), ("tags[0].value", "prod")],
    );
    assert_eq!(listed["count"], 1);
    assert_eq!(listed["virtualmachine"][0]["tags"][1]["key"], "tier");
    assert_eq!(
        sim.api(
            "listVirtualMachines",
            &[("tags[0].key", "env"), ("tags[0].value", "dev")]
        ),
        json!({})
    );

    // A duplicate key fails the job.
    let again = sim.api(
        "createTags",
        &[
            ("resourcetype", "uservm"),
            ("resourceids", &vm),
            ("tags[0].key", "env"),
            ("tags[0].value", "x"),
        ],
    );
    assert_eq!(
        sim.wait_job(again["jobid"].as_str().unwrap())["jobstatus"],
        2
    );
    // Unknown resource type: the job fails too.
    let bad = sim.api(
        "createTags",
        &[
            ("resourcetype", "Spaceship"),
            ("resourceids", &vm),
            ("tags[0].key", "a"),
            ("tags[0].value", "b"),
        ],
    );
    let job = sim.wait_job(bad["jobid"].as_str().unwrap());
    assert_eq!(
        job["jobresult"]["errortext"],
        "Invalid resource type Spaceship"
    );
    let (status, body) = sim.signed_get(&[
        ("command", "createTags"),
        ("resourcetype", "UserVm"),
        ("resourceids", &vm),
    ]);
    assert_eq!(status, 431);
    assert!(body["createtagsresponse"]["errortext"]
        .as_str()
        .unwrap()
        .ends_with("missing parameter tags"));

    let deleted = sim.api(
        "deleteTags",
        &[
            ("resourcetype", "UserVm"),
            ("resourceids", &vm),
            ("tags[0].key", "env"),
        ],
    );
    assert_eq!(
        sim.wait_job(deleted["jobid"].as_str().unwrap())["jobstatus"],
        1
    );
    assert_eq!(sim.api("listTags", &[("resourceid", &vm)])["count"], 1);
}

#[test]
fn port_forwarding_rules_are_created_listed_and_deleted() {
    let sim = TestSim::start();
    let vm = sim.deploy(&[("name", "web")])["jobresult"]["virtualmachine"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let started = sim.api(
        "createPortForwardingRule",
        &[
            ("ipaddressid", SOURCE_NAT_IP),
            ("privateport", "22"),
            ("publicport", "2222"),
            ("protocol", "TCP"),
            ("virtualmachineid", &vm),
        ],
    );
    assert_eq!(object(&started).keys().collect::<Vec<_>>(), ["id", "jobid"]);
    let job = sim.wait_job(started["jobid"].as_str().unwrap());
    let rule = &job["jobresult"]["portforwardingrule"];
    assert_eq!(rule["state"], "Active", "{job}");
    assert_eq!(
        (rule["publicport"].as_str(), rule["privateport"].as_str()),
        (Some("2222"), Some("22"))
    );
    assert_eq!(rule["protocol"], "tcp");
    assert_eq!(rule["virtualmachinename"], "web");
    assert!(rule["vmguestip"].as_str().unwrap().starts_with("10.1."));

    let listed = sim.api("listPortForwardingRules", &[("ipaddressid", SOURCE_NAT_IP)]);
    assert_eq!(listed["count"], 1);
    assert_eq!(listed["portforwardingrule"][0]["id"], started["id"]);

    let (status, body) = sim.signed_get(&[
        ("command", "createPortForwardingRule"),
        ("ipaddressid", SOURCE_NAT_IP),
        ("privateport", "80"),
        ("publicport", "2222"),
        ("protocol", "tcp"),
        ("virtualmachineid", &vm),
    ]);
    assert_eq!(status, 537, "{body}");
    assert!(body["createportforwardingruleresponse"]["errortext"]
        .as_str()
        .unwrap()
        .starts_with("The range specified, 2222-2222, conflicts with rule"));
    let (status, body) = sim.signed_get(&[
        ("command", "createPortForwardingRule"),
        ("ipaddressid", SOURCE_NAT_IP),
    ]);
    assert_eq!(status, 431);
    assert!(body["createportforwardingruleresponse"]["errortext"]
        .as_str()
        .unwrap()
        .ends_with("missing parameter privateport"));

    let deleted = sim.api(
        "deletePortForwardingRule",
        &[("id", started["id"].as_str().unwrap())],
    );
    assert_eq!(
        sim.wait_job(deleted["jobid"].as_str().unwrap())["jobresult"],
        json!({"success": true})
    );
    assert_eq!(sim.api("listPortForwardingRules", &[]), json!({}));
}

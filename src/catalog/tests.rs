use serde_json::json;

use super::*;

#[test]
fn the_embedded_data_is_read_whole() {
    let catalog = builtin();
    assert_eq!(catalog.len(), 917);
    assert!(!catalog.has_live());
    assert!(source().contains("apache/cloudstack-go"));
    assert!(source().contains("apache/cloudstack "));
    assert!(license().starts_with("Apache-2.0"));
    let names: Vec<&str> = catalog.apis().iter().map(|api| &*api.name).collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted);
}

#[test]
fn names_are_found_exactly_or_in_any_case() {
    let catalog = builtin();
    assert_eq!(catalog.get("listZones").unwrap().name, "listZones");
    assert!(catalog.get("listzones").is_none());
    assert_eq!(catalog.find("LISTZONES").unwrap().name, "listZones");
    assert_eq!(catalog.find("listvpcs").unwrap().name, "listVPCs");
    assert!(catalog.find("listZone").is_none());
}

#[test]
fn apis_have_typed_params_and_answers() {
    let catalog = builtin();
    let deploy = catalog.find("deployVirtualMachine").unwrap();
    assert!(deploy.is_async);
    assert_eq!(deploy.verb(), "deploy");
    assert_eq!(deploy.noun(), "VirtualMachine");
    let zoneid = deploy.param("ZONEID").unwrap();
    assert!(zoneid.required);
    assert_eq!(zoneid.kind, ValueType::Uuid);
    assert_eq!(zoneid.entity.as_deref(), Some("ZoneResponse"));
    assert!(zoneid.is_id());
    assert_eq!(deploy.response.key.as_deref(), Some("virtualmachine"));
    assert!(!deploy.response.list);
    assert!(deploy.response.fields().get("nic").is_some());
    let required: Vec<&str> = deploy.required().map(|p| &*p.name).collect();
    assert!(required.contains(&"zoneid"));

    let zones = catalog.find("listZones").unwrap();
    assert!(zones.response.list);
    assert_eq!(zones.response.key.as_deref(), Some("zone"));
    assert_eq!(
        zones.response.fields().get("name"),
        Some(&FieldType::Value(ValueType::String))
    );
    assert!(matches!(
        zones.response.fields().get("tags"),
        Some(FieldType::Objects(tag)) if tag.get("key").is_some()
    ));
    let tags = zones.param("tags").unwrap();
    assert_eq!(tags.kind, ValueType::Map);
    assert_eq!(
        tags.encoding.as_deref(),
        Some("tags[{i}].key={k}&tags[{i}].value={v}")
    );

    let delete = catalog.find("deleteSSHKeyPair").unwrap();
    assert!(delete.response.direct);

    let instances = catalog.find("listLoadBalancerRuleInstances").unwrap();
    let also = instances.response.also();
    assert_eq!(also.len(), 1);
    assert_eq!(also[0].0, "lbrulevmidip");
    assert!(also[0].1.get("lbvmipaddresses").is_some());
}

#[test]
fn cmk_words_resolve_to_commands() {
    let catalog = builtin();
    let resolve = |verb: &str, noun: &str| catalog.resolve_words(verb, noun).map(|a| &*a.name);
    assert_eq!(resolve("list", "zones"), Some("listZones"));
    assert_eq!(resolve("list", "zone"), Some("listZones"));
    assert_eq!(resolve("LIST", "Zones"), Some("listZones"));
    assert_eq!(
        resolve("list", "virtualmachines"),
        Some("listVirtualMachines")
    );
    assert_eq!(
        resolve("deploy", "virtualmachine"),
        Some("deployVirtualMachine")
    );
    assert_eq!(
        resolve("deploy", "VirtualMachines"),
        Some("deployVirtualMachine")
    );
    assert_eq!(
        resolve("list", "autoscalepolicy"),
        Some("listAutoScalePolicies")
    );
    assert_eq!(
        resolve("list", "publicipaddress"),
        Some("listPublicIpAddresses")
    );
    assert_eq!(resolve("create", "sshkeypair"), Some("createSSHKeyPair"));
    assert_eq!(resolve("list", "nothings"), None);
    assert!(catalog.verbs().contains(&"deploy"));
}

#[test]
fn typos_get_the_closest_names() {
    let catalog = builtin();
    assert_eq!(catalog.suggest("listZone"), ["listZones"]);
    assert!(catalog
        .suggest("deployVirtualMachin")
        .contains(&"deployVirtualMachine"));
    let zones = catalog.find("listZones").unwrap();
    assert!(!zones.takes("nmae"));
    assert_eq!(zones.suggest_param("nmae"), ["name"]);
    assert!(zones.takes("NAME"));
    assert!(zones.takes("tags[0].key"));
    assert!(zones.takes("response"));
}

#[test]
fn id_parameters_name_their_list_command() {
    let catalog = builtin();
    let list = |api: &str, param: &str| {
        let api = catalog.find(api).unwrap();
        catalog
            .list_command_for(api, param)
            .map(|a| a.name.to_string())
    };
    let deploy = "deployVirtualMachine";
    assert_eq!(list(deploy, "zoneid").as_deref(), Some("listZones"));
    assert_eq!(
        list(deploy, "serviceofferingid").as_deref(),
        Some("listServiceOfferings")
    );
    assert_eq!(list(deploy, "templateid").as_deref(), Some("listTemplates"));
    assert_eq!(list(deploy, "networkids").as_deref(), Some("listNetworks"));
    assert_eq!(list(deploy, "name"), None);
    assert_eq!(
        list("startVirtualMachine", "id").as_deref(),
        Some("listVirtualMachines")
    );
    assert_eq!(
        list("associateIpAddress", "zoneid").as_deref(),
        Some("listZones")
    );
    assert_eq!(
        list("enableStaticNat", "ipaddressid").as_deref(),
        Some("listPublicIpAddresses")
    );
    assert_eq!(
        list("attachVolume", "virtualmachineid").as_deref(),
        Some("listVirtualMachines")
    );
    assert_eq!(
        list("deleteNetworkACLList", "id").as_deref(),
        Some("listNetworkACLLists")
    );
}

#[test]
fn every_named_entity_class_has_a_list_command() {
    let catalog = builtin();
    for (class, list) in entity::exceptions() {
        assert!(catalog.get(list).is_some(), "{class} -> {list}");
    }
    let mut missing = Vec::new();
    let mut total = 0;
    for api in catalog.apis() {
        for param in &api.params {
            if let Some(entity) = &param.entity {
                total += 1;
                if catalog.list_command_for_entity(entity).is_none() {
                    missing.push(format!("{}.{} {entity}", api.name, param.name));
                }
            }
        }
    }
    // A handful of classes have no list command at all (template
    // permissions, security group rules, secondary IPs…).
    assert!(
        missing.len() * 100 < total,
        "{} of {total} without a list command: {missing:?}",
        missing.len()
    );
}

#[test]
fn read_only_commands_come_from_the_catalogue() {
    let catalog = builtin();
    for name in [
        "listZones",
        "listzones",
        "queryAsyncJobResult",
        "getUser",
        "findHostsForMigration",
        "quotaSummary",
        "listSomethingFromAPlugin",
    ] {
        assert!(catalog.is_read_only(name), "{name}");
    }
    for name in [
        "deployVirtualMachine",
        "getUploadParamsForTemplate",
        "getDiagnosticsData",
        "createTags",
        "quotaTariffCreate",
        "pluginDoesSomething",
    ] {
        assert!(!catalog.is_read_only(name), "{name}");
    }
}

#[test]
fn a_live_answer_overrides_and_extends() {
    let answer = json!({
        "count": 3,
        "api": [
            {"name": "listZones", "isasync": "false", "description": "Lists zones",
             "params": [
                {"name": "name", "type": "string", "required": false},
                {"name": "id", "type": "uuid", "related": "listZones"},
                {"name": "newfilter", "type": "string"}
             ]},
            {"name": "doPluginThing", "isasync": true, "description": "A plugin",
             "params": [{"name": "widgetid", "type": "uuid", "required": "true", "related": "listWidgets"}],
             "response": [{"name": "id", "type": "string"},
                          {"name": "parts", "type": "list", "response": [{"name": "x", "type": "integer"}]}]},
            {"name": "listWidgets", "params": [], "response": []},
            {"description": "no name: skipped"}
        ]
    });
    let live = from_list_apis(&answer).unwrap();
    assert_eq!(live.len(), 3);
    let catalog = builtin().with_live(live);
    assert!(catalog.has_live());
    assert_eq!(catalog.len(), 919);

    let zones = catalog.find("listzones").unwrap();
    assert_eq!(zones.origin, Origin::Both);
    assert_eq!(zones.description.as_deref(), Some("Lists zones"));
    assert!(zones.param("newfilter").is_some());
    assert!(zones.param("keyword").is_none(), "the live parameters win");
    assert_eq!(
        zones.param("id").unwrap().entity.as_deref(),
        Some("ZoneResponse")
    );
    assert_eq!(zones.response.key.as_deref(), Some("zone"));

    let plugin = catalog.find("DOPLUGINTHING").unwrap();
    assert_eq!(plugin.origin, Origin::Live);
    assert!(plugin.is_async);
    assert!(plugin.param("widgetid").unwrap().required);
    assert!(matches!(
        plugin.response.fields().get("parts"),
        Some(FieldType::Objects(parts)) if parts.get("x").is_some()
    ));
    assert_eq!(
        catalog
            .list_command_for(plugin, "widgetid")
            .map(|a| &*a.name),
        Some("listWidgets")
    );
    assert_eq!(
        catalog.find("deployVirtualMachine").unwrap().origin,
        Origin::Builtin
    );
    assert!(from_list_apis(&json!({})).is_err());
    assert!(from_list_apis(&json!({"count": 1})).is_err());
}

#[test]
fn patterns_select_commands() {
    let catalog = builtin();
    let names: Vec<&str> = catalog.matching("list*sshkey*").map(|a| &*a.name).collect();
    assert_eq!(names, ["listSSHKeyPairs"]);
    assert!(catalog.matching("zone").count() > 5);
    assert_eq!(param_base("tags[0].key"), "tags");
    assert_eq!(param_base("name"), "name");
}

//! Signing: every vector of `shared/vectors/signing.json`, plus properties
//! checked against a reference written here independently of `src/`.

use csctl::client::sign::{canonical_string, sign, SignatureAlgorithm};
use proptest::prelude::*;
use serde_json::Value;

use crate::support::shared_dir;

fn vectors() -> Vec<Value> {
    let path = shared_dir().join("vectors/signing.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("signing.json is JSON")
}

fn pairs_of(case: &Value) -> Vec<(String, String)> {
    case["params"]
        .as_object()
        .expect("params is a map")
        .iter()
        .map(|(name, value)| {
            (
                name.clone(),
                value.as_str().expect("string value").to_string(),
            )
        })
        .collect()
}

#[test]
fn every_shared_vector_signs_exactly() {
    let cases = vectors();
    assert!(
        cases.len() >= 40,
        "expected the full vector set, got {}",
        cases.len()
    );
    for (index, case) in cases.iter().enumerate() {
        let pairs = pairs_of(case);
        let secret = case["secret"].as_str().unwrap();
        assert_eq!(
            canonical_string(&pairs),
            case["canonical"].as_str().unwrap(),
            "canonical of case {index}"
        );
        assert_eq!(
            sign(&pairs, secret, SignatureAlgorithm::Sha1),
            case["signature"].as_str().unwrap(),
            "signature of case {index}"
        );
    }
}

#[test]
fn a_tilde_signed_like_the_peers_does_not_match() {
    // The peers leave `~` raw: their canonical string differs from the server's.
    let case = &vectors()[1];
    let pairs = pairs_of(case);
    let peer_canonical = case["canonical"].as_str().unwrap().replace("%7e", "~");
    assert_ne!(canonical_string(&pairs), peer_canonical);
}

/// `java.net.URLEncoder.encode(v, "UTF-8")` with `+` as `%20`, restated
/// character by character.
fn reference_encode(value: &str) -> String {
    let mut out = String::new();
    for ch in value.chars() {
        if ch.is_ascii_alphanumeric() || ".-*_".contains(ch) {
            out.push(ch);
        } else {
            let mut buffer = [0u8; 4];
            for byte in ch.encode_utf8(&mut buffer).bytes() {
                out.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    out
}

/// `ApiServer.verifyRequest`'s canonical string, restated.
fn reference_canonical(params: &[(String, String)]) -> String {
    let mut names: Vec<&(String, String)> = params
        .iter()
        .filter(|(n, _)| n.to_lowercase() != "signature")
        .collect();
    names.sort_by_key(|(name, _)| name.encode_utf16().collect::<Vec<_>>());
    names
        .iter()
        .map(|(name, value)| format!("{name}={}", reference_encode(value)))
        .collect::<Vec<_>>()
        .join("&")
        .to_lowercase()
}

fn unique_names(params: Vec<(String, String)>) -> Vec<(String, String)> {
    let mut seen = std::collections::HashSet::new();
    params
        .into_iter()
        .filter(|(name, _)| seen.insert(name.clone()))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn canonical_matches_the_reference_for_any_unicode(
        params in proptest::collection::vec((any::<String>(), any::<String>()), 0..8)
    ) {
        let params = unique_names(params);
        prop_assert_eq!(canonical_string(&params), reference_canonical(&params));
    }

    #[test]
    fn canonical_matches_the_reference_for_api_like_names(
        params in proptest::collection::vec(("[a-zA-Z]{1,8}(\\[[0-9]{1,2}\\]\\.[a-zA-Z]{1,6})?", "\\PC*"), 0..10)
    ) {
        let params = unique_names(params);
        prop_assert_eq!(canonical_string(&params), reference_canonical(&params));
    }

    #[test]
    fn the_signature_does_not_depend_on_parameter_order(
        params in proptest::collection::vec(("[a-zA-Z_]{1,10}", any::<String>()), 1..8),
        secret in "[ -~]{1,40}"
    ) {
        let params = unique_names(params);
        let mut reversed = params.clone();
        reversed.reverse();
        for algorithm in [SignatureAlgorithm::Sha1, SignatureAlgorithm::Sha512] {
            let signature = sign(&params, &secret, algorithm);
            prop_assert_eq!(&signature, &sign(&reversed, &secret, algorithm));
            prop_assert!(signature.ends_with('='));
        }
    }

    #[test]
    fn the_canonical_string_is_lowercase_ascii_for_ascii_names(
        params in proptest::collection::vec(("[a-zA-Z0-9_.]{1,10}", any::<String>()), 0..8)
    ) {
        let canonical = canonical_string(&unique_names(params));
        prop_assert!(canonical.is_ascii());
        prop_assert_eq!(canonical.to_ascii_lowercase(), canonical);
    }
}

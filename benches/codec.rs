//! Criterion benchmarks of the per-call CPU work that is not the network:
//! signing (canonical string, HMAC, the whole `signed_pairs`), the form
//! encoding, and decoding answers (JSON to `serde_json::Value`, unwrapping,
//! and conversion to the Rhai values a script sees).
//!
//! ```text
//! cargo bench --bench codec                 # everything
//! cargo bench --bench codec -- sign/        # one group
//! ```
//!
//! The answers decoded are real simulator answers kept in `benches/data/`:
//! `listzones.json` (the call-overhead benchmark's answer, 781 bytes) and
//! `queryasyncjobresult.json` (a finished deploy job with its VM, 2.3 KB:
//! what `wait_jobs` decodes per job).

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use csctl::client::response::{self, RawAnswer};
use csctl::client::sign::{self, SignatureAlgorithm};
use csctl::client::{Client, ClientConfig, Credentials, Params};
use csctl::script::json_to_dynamic;

const SECRET: &str =
    "VDaACYb0LV9eNjTetIOElcVQkvJck_J_QljX_FcHRj87ZKiy0z0ty0ZsYBkoXkY9b7eq1EhwJaw7FF3akA3KBQ";
const API_KEY: &str =
    "N4kLZnCwbhoGk6uU0W2zn8oVAWPjOHbJbYQkDDGtfsS7p8nvYfOJQuLD3OSmCtBkGpxRWQYUC2-cV5OzFS6mRw";

const LIST_ZONES: &[u8] = include_bytes!("data/listzones.json");
const JOB_RESULT: &[u8] = include_bytes!("data/queryasyncjobresult.json");

/// The parameters of a typical signed deploy request, as `signed_pairs`
/// builds them (signature excluded).
fn deploy_pairs() -> Vec<(String, String)> {
    [
        ("command", "deployVirtualMachine"),
        ("zoneid", "a4e9c8f0-4b1e-4c3a-9d2f-6b7e1f0c2d31"),
        ("serviceofferingid", "c6b89fea-1242-4f54-b15e-9d8ec8a0b7e8"),
        ("templateid", "6d5b069b-4268-4c7c-810f-2793c2ac44fb"),
        ("networkids", "3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f"),
        ("name", "web-042"),
        ("displayname", "web-042"),
        ("response", "json"),
        ("apiKey", API_KEY),
        ("signatureVersion", "3"),
        ("expires", "2030-01-01T00:10:00+0000"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

fn deploy_params() -> Params {
    let mut params = Params::new();
    for (name, value) in deploy_pairs().into_iter().filter(|(name, _)| {
        !matches!(
            name.as_str(),
            "command" | "response" | "apiKey" | "signatureVersion" | "expires"
        )
    }) {
        params.insert(name, value).expect("unique names");
    }
    params
}

fn signing(c: &mut Criterion) {
    let pairs = deploy_pairs();
    let canonical = sign::canonical_string(&pairs);
    let mut group = c.benchmark_group("sign");
    group.throughput(Throughput::Elements(1));
    group.bench_function("canonical_string/deploy", |b| {
        b.iter(|| sign::canonical_string(black_box(&pairs)))
    });
    group.bench_function("hmac_sha1/deploy", |b| {
        b.iter(|| sign::sign_canonical(black_box(&canonical), SECRET, SignatureAlgorithm::Sha1))
    });
    group.bench_function("sign_sha1/deploy", |b| {
        b.iter(|| sign::sign(black_box(&pairs), SECRET, SignatureAlgorithm::Sha1))
    });
    group.bench_function("sign_sha512/deploy", |b| {
        b.iter(|| sign::sign(black_box(&pairs), SECRET, SignatureAlgorithm::Sha512))
    });
    // What the client does: the HMAC keyed once, a copy of it per signature.
    let signer = sign::KeyedHmac::new(SECRET, SignatureAlgorithm::Sha1);
    group.bench_function("signer_sha1/deploy", |b| {
        b.iter(|| signer.sign(black_box(&pairs)))
    });
    // Everything a call does before the HTTP layer: the pairs (with a fresh
    // `expires`), the signature and the form body.
    let client = Client::new(ClientConfig::new(
        "http://127.0.0.1:8080/client/api",
        Credentials::ApiKey {
            api_key: API_KEY.into(),
            secret_key: SECRET.into(),
        },
    ))
    .expect("client");
    let params = deploy_params();
    group.bench_function("signed_pairs/deploy", |b| {
        b.iter(|| {
            client
                .signed_pairs("deployVirtualMachine", black_box(&params))
                .expect("signed")
        })
    });
    group.bench_function("signed_pairs+encode_form/deploy", |b| {
        b.iter(|| {
            client
                .signed_query("deployVirtualMachine", black_box(&params))
                .expect("signed")
        })
    });
    group.finish();
}

fn decoding(c: &mut Criterion) {
    let mut group = c.benchmark_group("decode");
    for (name, command, body) in [
        ("listzones", "listZones", LIST_ZONES),
        ("queryasyncjobresult", "queryAsyncJobResult", JOB_RESULT),
    ] {
        let raw = RawAnswer {
            status: 200,
            content_type: Some("application/json; charset=UTF-8"),
            body,
        };
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_function(format!("response_decode/{name}"), |b| {
            b.iter(|| response::decode(command, "e", black_box(raw)).expect("decodes"))
        });
        let value = response::decode(command, "e", raw).expect("decodes");
        group.bench_function(format!("json_to_dynamic/{name}"), |b| {
            b.iter(|| json_to_dynamic(black_box(&value)))
        });
        // Not what csctl does today: JSON straight to Rhai values in one
        // pass (the `direct` module below), to size what skipping
        // `serde_json::Value` would save. It must give the same values.
        group.bench_function(format!("direct_to_dynamic/{name}"), |b| {
            b.iter(|| direct::parse(black_box(body)).expect("parses"))
        });
        let direct_value = direct::parse(body).expect("parses");
        let via_value = json_to_dynamic(&serde_json::from_slice(body).expect("parses"));
        assert_eq!(format!("{direct_value:?}"), format!("{via_value:?}"));
        // What a script's api() call pays in all: decode, convert, drop both.
        group.bench_function(format!("decode+convert/{name}"), |b| {
            b.iter(|| {
                let value = response::decode(command, "e", black_box(raw)).expect("decodes");
                json_to_dynamic(&value)
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = signing, decoding
}
criterion_main!(benches);

/// A one-pass JSON to Rhai decoder following the rules of
/// `csctl::script::convert` (numbers arrive as serde_json's private
/// arbitrary-precision map), for the `direct_to_dynamic` measurement.
mod direct {
    use rhai::{Array, Dynamic, Map, INT};
    use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
    use std::fmt;

    const NUMBER_TOKEN: &str = "$serde_json::private::Number";

    pub struct DynamicSeed;

    impl<'de> DeserializeSeed<'de> for DynamicSeed {
        type Value = Dynamic;
        fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Dynamic, D::Error> {
            deserializer.deserialize_any(DynamicVisitor)
        }
    }

    struct DynamicVisitor;

    fn number_text(text: &str) -> Dynamic {
        if let Ok(integer) = text.parse::<i64>() {
            return Dynamic::from_int(integer as INT);
        }
        match text.parse::<f64>() {
            Ok(float) if float.is_finite() => Dynamic::from_float(float),
            _ => Dynamic::from(text.to_string()),
        }
    }

    impl<'de> Visitor<'de> for DynamicVisitor {
        type Value = Dynamic;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_unit<E>(self) -> Result<Dynamic, E> {
            Ok(Dynamic::UNIT)
        }
        fn visit_none<E>(self) -> Result<Dynamic, E> {
            Ok(Dynamic::UNIT)
        }
        fn visit_bool<E>(self, v: bool) -> Result<Dynamic, E> {
            Ok(Dynamic::from_bool(v))
        }
        fn visit_i64<E>(self, v: i64) -> Result<Dynamic, E> {
            Ok(Dynamic::from_int(v as INT))
        }
        fn visit_u64<E>(self, v: u64) -> Result<Dynamic, E> {
            Ok(match i64::try_from(v) {
                Ok(v) => Dynamic::from_int(v as INT),
                Err(_) => Dynamic::from_float(v as f64),
            })
        }
        fn visit_f64<E>(self, v: f64) -> Result<Dynamic, E> {
            Ok(Dynamic::from_float(v))
        }
        fn visit_str<E>(self, v: &str) -> Result<Dynamic, E> {
            Ok(Dynamic::from(rhai::ImmutableString::from(v)))
        }
        fn visit_string<E>(self, v: String) -> Result<Dynamic, E> {
            Ok(Dynamic::from(v))
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Dynamic, A::Error> {
            let mut items = Array::with_capacity(seq.size_hint().unwrap_or(0));
            while let Some(item) = seq.next_element_seed(DynamicSeed)? {
                items.push(item);
            }
            Ok(Dynamic::from_array(items))
        }
        fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Dynamic, A::Error> {
            let mut map = Map::new();
            let mut first = true;
            while let Some(key) = access.next_key::<std::borrow::Cow<'de, str>>()? {
                if first && key == NUMBER_TOKEN {
                    let text: String = access.next_value()?;
                    return Ok(number_text(&text));
                }
                first = false;
                let value = access.next_value_seed(DynamicSeed)?;
                map.insert(key.as_ref().into(), value);
            }
            Ok(Dynamic::from_map(map))
        }
    }

    pub fn parse(bytes: &[u8]) -> serde_json::Result<Dynamic> {
        let mut de = serde_json::Deserializer::from_slice(bytes);
        let value = DynamicSeed.deserialize(&mut de)?;
        de.end()?;
        Ok(value)
    }
}

//! SSH key pairs: create (a real key pair: the private key is shown once),
//! register (the public key is checked), list, delete by name. The pairs are
//! objects of kind `sshkeypair` in the generic store.

use base64::Engine;
use md5::{Digest, Md5};
use serde_json::{Map, Value};

use super::generic::{self, view};
use super::{Ctx, Handlers};
use crate::sim::api::views::DOMAIN;
use crate::sim::objects::Obj;
use crate::sim::params::Params;
use crate::sim::respond::{envelope, ApiError, Reply};
use crate::sim::state::State;

/// The commands of this group.
pub(crate) const HANDLERS: Handlers = &[
    ("createSSHKeyPair", create),
    ("registerSSHKeyPair", register),
    ("listSSHKeyPairs", list),
    ("deleteSSHKeyPair", delete),
];

const KIND: &str = "sshkeypair";

/// The MD5 fingerprint of a public key blob, as the server shows it
/// (`aa:bb:…`, what `ssh-keygen -E md5 -l` prints).
pub(crate) fn fingerprint(blob: &[u8]) -> String {
    Md5::digest(blob)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// Key types the server accepts (`SSHKeysHelper.getPublicKeyFromKeyMaterial`).
const KEY_TYPES: &[&str] = &[
    "ssh-rsa",
    "ssh-dss",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "ssh-ed25519",
];

/// The public key the server keeps for some key material, exactly as
/// `SSHKeysHelper.getPublicKeyFromKeyMaterial` decides it: material with no
/// space is Base64-decoded first; it must then start with a known key type
/// and hold a space; the key is its first two space-separated parts (the
/// comment dropped). The server looks no deeper: what the parts hold is
/// not checked.
fn public_key_from_material(material: &str) -> Option<String> {
    let material = if material.contains(' ') {
        material.to_string()
    } else {
        String::from_utf8_lossy(&lenient_base64(material)).into_owned()
    };
    if !KEY_TYPES.iter().any(|ty| material.starts_with(ty)) || !material.contains(' ') {
        return None;
    }
    // Java's `split(" ")`: empty parts kept, trailing empty ones dropped.
    let mut parts: Vec<&str> = material.split(' ').collect();
    while parts.last() == Some(&"") {
        parts.pop();
    }
    (parts.len() >= 2).then(|| format!("{} {}", parts[0], parts[1]))
}

/// The server's fingerprint of a kept public key: the MD5 of its second
/// part, Base64-decoded as leniently as commons-codec does.
fn key_fingerprint(public_key: &str) -> String {
    let encoded = public_key.split(' ').nth(1).unwrap_or_default();
    fingerprint(&lenient_base64(encoded))
}

/// Base64 decoded as commons-codec's `Base64.decodeBase64` does: characters
/// outside the alphabet skipped, the URL-safe alphabet accepted, decoding
/// stopped at the first `=`, a last incomplete group dropped. Never fails.
fn lenient_base64(text: &str) -> Vec<u8> {
    let mut clean: Vec<u8> = text
        .bytes()
        .take_while(|&b| b != b'=')
        .filter_map(|b| match b {
            b'-' => Some(b'+'),
            b'_' => Some(b'/'),
            b if b.is_ascii_alphanumeric() || b == b'+' || b == b'/' => Some(b),
            _ => None,
        })
        .collect();
    if clean.len() % 4 == 1 {
        clean.pop();
    }
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::RequireNone)
            .with_decode_allow_trailing_bits(true),
    );
    engine.decode(&clean).unwrap_or_default()
}

fn by_name(st: &State, name: &str) -> Option<usize> {
    st.objects
        .of_kind(KIND)
        .find(|&i| st.objects[i].str("name") == Some(name))
}

fn new_pair(st: &mut State, name: &str, fingerprint: String, public_key: String) -> usize {
    let mut fields = Map::new();
    fields.insert("id".into(), st.uuid().into());
    fields.insert("name".into(), name.into());
    fields.insert("fingerprint".into(), fingerprint.into());
    fields.insert("account".into(), st.account.name.clone().into());
    fields.insert("domainid".into(), st.account.domainid.clone().into());
    fields.insert("domain".into(), DOMAIN.into());
    fields.insert("hasannotations".into(), false.into());
    let mut obj = Obj::new(KIND, fields);
    obj.hidden = Some(public_key);
    st.objects.add(obj)
}

fn exists_error(name: &str) -> ApiError {
    ApiError::invalid(format!("A key pair with name '{name}' already exists."))
}

/// `createSSHKeyPair`: a new Ed25519 key pair from the simulator's RNG.
pub(crate) fn create(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let name = params.get("name").unwrap_or_default();
    if by_name(ctx.st, name).is_some() {
        return Err(exists_error(name));
    }
    let seed: [u8; 32] = ctx.st.random_bytes();
    let private = ssh_key::PrivateKey::from(ssh_key::private::Ed25519Keypair::from_seed(&seed));
    let private_text = private
        .to_openssh(ssh_key::LineEnding::LF)
        .map_err(|e| ApiError::new(530, None, format!("Failed to create a key pair: {e}")))?;
    let public_text = private
        .public_key()
        .to_openssh()
        .map_err(|e| ApiError::new(530, None, format!("Failed to create a key pair: {e}")))?;
    let public_key = public_key_from_material(&public_text).unwrap_or_default();
    let index = new_pair(ctx.st, name, key_fingerprint(&public_key), public_text);
    let mut shown = view(ctx.st, index);
    if let Value::Object(map) = &mut shown {
        map.insert("privatekey".into(), Value::String(private_text.to_string()));
    }
    Ok(Reply::ok(envelope(
        ctx.api.key,
        &serde_json::json!({ "keypair": shown }),
    )))
}

/// `registerSSHKeyPair`: a public key the caller has.
pub(crate) fn register(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let name = params.get("name").unwrap_or_default();
    let material = params.get("publickey").unwrap_or_default();
    if by_name(ctx.st, name).is_some() {
        return Err(exists_error(name));
    }
    let public_key = public_key_from_material(material)
        .ok_or_else(|| ApiError::invalid("Public key is invalid"))?;
    let fingerprint = key_fingerprint(&public_key);
    if ctx
        .st
        .objects
        .find_by(KIND, "fingerprint", &fingerprint)
        .is_some()
    {
        return Err(ApiError::invalid(format!(
            "A key pair with key '{public_key}' already exists."
        )));
    }
    let index = new_pair(ctx.st, name, fingerprint, public_key);
    Ok(Reply::ok(envelope(
        ctx.api.key,
        &serde_json::json!({ "keypair": view(ctx.st, index) }),
    )))
}

/// `listSSHKeyPairs`: filters `name`, `fingerprint`, `id`, `keyword`.
pub(crate) fn list(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    generic::list(ctx, params, KIND)
}

/// `deleteSSHKeyPair`: by name.
pub(crate) fn delete(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let name = params.get("name").unwrap_or_default();
    let index = by_name(ctx.st, name).ok_or_else(|| {
        ApiError::invalid(format!(
            "A key pair with name '{name}' does not exist for account {} in specified domain id",
            ctx.st.account.name
        ))
    })?;
    ctx.st.objects[index].removed = true;
    Ok(Reply::ok(envelope(
        ctx.api.key,
        &serde_json::json!({ "success": true }),
    )))
}

/// Whether a key pair of this name exists (checked by `deployVirtualMachine`).
pub(crate) fn exists(st: &State, name: &str) -> bool {
    by_name(st, name).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The server's own test vector (`SSHKeysHelperTest.dsaKeyTest`).
    const DSS: &str = "ssh-dss AAAAB3NzaC1kc3MAAACBALbaewDnzZ5AcGbZno7VW1m7Si3Q+yEANXZioVupfSwOP0q9aP2iVtyqq575JnUVZXMDR2Gr254F/qCJ0TKAvucN0gcd2XslX4jBcu1Z7s7YZf6d7fC58k0NE6/keokJNKhQOi56iirRzSA/YFrD64mzfq6rEmai0q7GjGGP0RT1AAAAFQDO5++6JonyqnoRkV9Yl1OaEOPjVwAAAIAYAtqtKtU/INlTIuL3wt3nyKzwPUnz3fqxP5Ger3OlRZsOahalTFt2OF5jGGmCunyBTRteOetZObr0QhUIF4bSDr6UiYYYbH1ES0ws/t1mDIeTh3UUHV1QYACN6c07FKyKLMtB9AthiG2FMLKCEedG3NeXItuNzsuQD+n/K1rzMAAAAIBi5SM4pFPiB7BvTZvARV56vrG5QNgWVazSwbwgl/EACiWYbRauHDUQA9f+Rq+ayWcsRos1CD+Q81y9SmlQaZVKkSPZLxXfu5bi3s4o431xjilhZdt4vKbj2pK364IjghJPNBBfmRXzlj9awKxr/UebZcBgNRyeky7VZSbbF2jQSQ==";

    #[test]
    fn keys_are_kept_and_fingerprinted_as_the_server_does() {
        let material = format!("{DSS} test key");
        let kept = public_key_from_material(&material).unwrap();
        assert_eq!(kept, DSS);
        assert_eq!(
            key_fingerprint(&kept),
            "fc:6e:ef:31:93:f8:92:2b:a9:03:c7:06:90:f5:ec:bb"
        );
        // `ssh-keygen -E md5 -lf` prints this fingerprint for this key.
        let ed = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDOC+NzrNysntp41qMGoGYX9SHUoSGtEny894a7mP3nw interop2";
        assert_eq!(
            key_fingerprint(&public_key_from_material(ed).unwrap()),
            "17:9c:a8:89:48:4a:85:83:d6:ee:ed:98:5e:86:40:93"
        );
    }

    #[test]
    fn only_the_type_and_two_parts_are_checked() {
        for ty in KEY_TYPES {
            assert_eq!(
                public_key_from_material(&format!("{ty} AAAA comment")).as_deref(),
                Some(format!("{ty} AAAA").as_str())
            );
        }
        // What the second part holds is not the server's concern.
        assert!(public_key_from_material("ssh-rsa not-base64!").is_some());
        // Material without a space is Base64 of a key line.
        let encoded = base64::engine::general_purpose::STANDARD
            .encode("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAITestKeyData comment");
        assert_eq!(
            public_key_from_material(&encoded).as_deref(),
            Some("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAITestKeyData")
        );
        for bad in [
            "not-a-valid-key",
            "ssh-unknown AAAA",
            "ssh-rsa",
            "ssh-rsa ",
            "",
        ] {
            assert!(public_key_from_material(bad).is_none(), "{bad}");
        }
    }
}

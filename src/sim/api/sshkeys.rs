//! SSH key pairs: create (a real key pair: the private key is shown once),
//! register (the public key is checked), list, delete by name. The pairs are
//! objects of kind `sshkeypair` in the generic store.

use base64::Engine;
use md5::{Digest, Md5};
use serde_json::{Map, Value};

use super::generic::{self, view};
use super::{Ctx, Handlers};
use crate::sim::objects::Obj;
use crate::sim::params::Params;
use crate::sim::respond::{envelope, ApiError, Reply};
use crate::sim::state::State;
use crate::sim::views::DOMAIN;

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

/// The blob of an OpenSSH public key line (`type base64 [comment]`), if it
/// is a key the server accepts.
fn public_key_blob(text: &str) -> Option<Vec<u8>> {
    let key = ssh_key::PublicKey::from_openssh(text.trim()).ok()?;
    let encoded = text.split_whitespace().nth(1)?;
    let blob = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()?;
    (key.algorithm().as_str() == text.split_whitespace().next()?).then_some(blob)
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
    let blob = public_key_blob(&public_text).unwrap_or_default();
    let index = new_pair(ctx.st, name, fingerprint(&blob), public_text);
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
    let public_key = params.get("publickey").unwrap_or_default();
    let blob =
        public_key_blob(public_key).ok_or_else(|| ApiError::invalid("Public key is invalid"))?;
    if by_name(ctx.st, name).is_some() {
        return Err(exists_error(name));
    }
    let fingerprint = fingerprint(&blob);
    if ctx
        .st
        .objects
        .find_by(KIND, "fingerprint", &fingerprint)
        .is_some()
    {
        return Err(ApiError::invalid(format!(
            "A key pair with key '{}' already exists.",
            public_key.trim()
        )));
    }
    let index = new_pair(ctx.st, name, fingerprint, public_key.trim().to_string());
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

    #[test]
    fn fingerprints_are_md5_of_the_blob() {
        // `ssh-keygen -E md5 -lf` prints this fingerprint for this key.
        let key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDOC+NzrNysntp41qMGoGYX9SHUoSGtEny894a7mP3nw interop2";
        let blob = public_key_blob(key).unwrap();
        assert_eq!(
            fingerprint(&blob),
            "17:9c:a8:89:48:4a:85:83:d6:ee:ed:98:5e:86:40:93"
        );
        assert!(public_key_blob("ssh-rsa not-base64!").is_none());
        assert!(public_key_blob("hello").is_none());
        assert!(public_key_blob(&key.replace("ssh-ed25519", "ssh-rsa")).is_none());
    }
}

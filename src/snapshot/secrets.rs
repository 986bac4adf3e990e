//! What a snapshot never holds: passwords, private keys, user data
//! contents, API and secret keys, session keys. They are removed from every
//! answer, at any depth, before anything else sees it.

use serde_json::Value;

/// Field names whose values are secret or private (any case).
const SECRET_FIELDS: &[&str] = &[
    "password",
    "privatekey",
    "userdata",
    "apikey",
    "secretkey",
    "sessionkey",
    "usersecretkey",
    "vncpassword",
];

/// Whether a field of this name is left out of a snapshot.
pub fn is_secret_field(name: &str) -> bool {
    SECRET_FIELDS.iter().any(|s| s.eq_ignore_ascii_case(name))
        || csctl::client::trace::is_secret_name(name)
}

/// Removes every secret field from a value, at any depth.
pub fn strip(value: &mut Value) {
    match value {
        Value::Object(fields) => {
            fields.retain(|name, _| !is_secret_field(name));
            fields.values_mut().for_each(strip);
        }
        Value::Array(items) => items.iter_mut().for_each(strip),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_go_at_any_depth() {
        let mut vm = serde_json::json!({
            "id": "x", "password": "p", "userdata": "c2VjcmV0",
            "keypair": [{"name": "k", "privatekey": "-----BEGIN", "publickey": "ssh-rsa"}],
            "user": [{"apikey": "a", "secretkey": "s"}]
        });
        strip(&mut vm);
        assert_eq!(
            vm,
            serde_json::json!({"id": "x", "keypair": [{"name": "k", "publickey": "ssh-rsa"}], "user": [{}]})
        );
    }
}

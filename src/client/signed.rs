//! Signed requests from credentials alone: the exact parameters, the query
//! string and the GET URL of a signed call. Signing needs no endpoint and
//! no connection (`csctl sign`, a script's `sign()`), so [`Signer`] is built
//! from the credentials; a [`Client`](super::Client) signs its own requests
//! with one.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use super::config::{ClientConfig, Credentials, MAX_DURATION};
use super::error::ClientError;
use super::http::{check_reserved, encode_form};
use super::known;
use super::params::Params;
use super::sign::{self, SignatureAlgorithm};

/// What signing a request takes: the API key and secret key, the HMAC and
/// how far ahead `expires` is set. Its `Debug` shows no key.
#[derive(Clone)]
pub struct Signer {
    api_key: String,
    /// The secret key's HMAC, keyed once (see [`sign::KeyedHmac`]).
    key: sign::KeyedHmac,
    algorithm: SignatureAlgorithm,
    expires: Option<Duration>,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("api_key", &"<redacted>")
            .field("secret_key", &"<redacted>")
            .field("algorithm", &self.algorithm)
            .field("expires", &self.expires)
            .finish()
    }
}

impl Signer {
    /// A signer of `credentials`; `expires` is the validity window of each
    /// signed request (`None`: no `signatureVersion`/`expires`). Password
    /// credentials cannot sign: [`ClientError::NeedsApiKey`].
    pub fn new(
        credentials: &Credentials,
        algorithm: SignatureAlgorithm,
        expires: Option<Duration>,
    ) -> Result<Self, ClientError> {
        let Credentials::ApiKey {
            api_key,
            secret_key,
        } = credentials
        else {
            return Err(ClientError::NeedsApiKey);
        };
        Ok(Self {
            api_key: api_key.clone(),
            key: sign::KeyedHmac::new(secret_key, algorithm),
            algorithm,
            expires,
        })
    }

    /// The signer of a client configuration (its endpoint is not used).
    pub fn from_config(config: &ClientConfig) -> Result<Self, ClientError> {
        Self::new(
            &config.credentials,
            config.signature_algorithm,
            config.expires,
        )
    }

    /// The signature of `pairs` (all of them: `command`, `apiKey`,
    /// `response`…) as the server computes it.
    pub fn signature(&self, pairs: &[(String, String)]) -> String {
        self.key.sign(pairs)
    }

    /// The exact parameters a signed request for `command` carries,
    /// `signature` last. The command's name is sent as the built-in API
    /// catalogue spells it (`listzones` → `listZones`).
    pub fn signed_pairs(
        &self,
        command: &str,
        params: &Params,
    ) -> Result<Vec<(String, String)>, ClientError> {
        self.signed_pairs_in(crate::catalog::builtin(), command, params)
    }

    /// [`Signer::signed_pairs`] with the command's name as `catalog`
    /// spells it (a client's catalogue may be a live `listApis` answer).
    pub(super) fn signed_pairs_in(
        &self,
        catalog: &crate::catalog::Catalog,
        command: &str,
        params: &Params,
    ) -> Result<Vec<(String, String)>, ClientError> {
        check_reserved(params)?;
        let command = known::canonical_name(catalog, command);
        Ok(owned_pairs(self.pairs(&command, params)))
    }

    /// [`Signer::signed_pairs`] form-encoded: the query string of a signed
    /// GET request (or the body of a POST).
    pub fn signed_query(&self, command: &str, params: &Params) -> Result<String, ClientError> {
        Ok(encode_form(&self.signed_pairs(command, params)?))
    }

    /// A signed GET URL for `command` at `endpoint`.
    pub fn signed_url(
        &self,
        endpoint: &str,
        command: &str,
        params: &Params,
    ) -> Result<String, ClientError> {
        Ok(url_with_query(
            endpoint,
            &self.signed_query(command, params)?,
        ))
    }

    /// The signed pairs of parameters already checked, for `command` as
    /// given: a fresh `expires` and signature. Names and values are
    /// borrowed where they can be (from `params`, the signer, constants):
    /// a request allocates only its `expires` and signature here.
    pub(super) fn pairs<'a>(&'a self, command: &'a str, params: &'a Params) -> Vec<Pair<'a>> {
        let mut pairs: Vec<Pair<'a>> = Vec::with_capacity(params.len() + 7);
        pairs.push((Cow::Borrowed("command"), Cow::Borrowed(command)));
        pairs.extend(
            params
                .pairs()
                .iter()
                .map(|(name, value)| (Cow::Borrowed(name.as_str()), Cow::Borrowed(value.as_str()))),
        );
        pairs.push((Cow::Borrowed("response"), Cow::Borrowed("json")));
        pairs.push((
            Cow::Borrowed("apiKey"),
            Cow::Borrowed(self.api_key.as_str()),
        ));
        if let Some(window) = self.expires {
            // Configuration caps durations at a year; a library caller's
            // absurd window is capped the same way rather than overflowing.
            let window = chrono::Duration::from_std(window.min(MAX_DURATION))
                .unwrap_or(chrono::Duration::zero());
            let expires = chrono::Utc::now() + window;
            pairs.push((Cow::Borrowed("signatureVersion"), Cow::Borrowed("3")));
            pairs.push((
                Cow::Borrowed("expires"),
                Cow::Owned(sign::format_expires(expires)),
            ));
        }
        let signature = self.key.sign(&pairs);
        // A server may echo it back in an error: scrubbed from what csctl writes.
        super::trace::remember_signature(&signature);
        pairs.push((Cow::Borrowed("signature"), Cow::Owned(signature)));
        pairs
    }
}

/// One request parameter, `(name, value)`, borrowed where it can be.
pub(super) type Pair<'a> = (Cow<'a, str>, Cow<'a, str>);

/// Pairs made owned, for callers outside the request path.
pub(super) fn owned_pairs(pairs: Vec<Pair<'_>>) -> Vec<(String, String)> {
    pairs
        .into_iter()
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect()
}

/// `endpoint` with `query` appended (after `&` when the endpoint already
/// has a query of its own).
pub(super) fn url_with_query(endpoint: &str, query: &str) -> String {
    let separator = if endpoint.contains('?') { '&' } else { '?' };
    format!("{endpoint}{separator}{query}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer(expires: Option<Duration>) -> Signer {
        Signer::new(
            &Credentials::ApiKey {
                api_key: "KEY".into(),
                secret_key: "SECRET".into(),
            },
            SignatureAlgorithm::Sha1,
            expires,
        )
        .unwrap()
    }

    fn params(pairs: &[(&str, &str)]) -> Params {
        let mut params = Params::new();
        for (name, value) in pairs {
            params.insert(*name, *value).unwrap();
        }
        params
    }

    fn decoded(query: &str) -> Vec<(String, String)> {
        query
            .split('&')
            .map(|pair| {
                let (name, value) = pair.split_once('=').unwrap();
                let decode = |text: &str| {
                    percent_encoding::percent_decode_str(text)
                        .decode_utf8()
                        .unwrap()
                        .into_owned()
                };
                (decode(name), decode(value))
            })
            .collect()
    }

    #[test]
    fn a_signed_query_carries_the_signature_of_its_other_pairs() {
        let query = signer(None)
            .signed_query("listzones", &params(&[("name", "a b~")]))
            .unwrap();
        assert!(
            query
                .starts_with("command=listZones&name=a%20b%7E&response=json&apiKey=KEY&signature="),
            "{query}"
        );
        let mut pairs = decoded(&query);
        let (_, signature) = pairs.pop().unwrap();
        assert_eq!(
            signature,
            sign::sign(&pairs, "SECRET", SignatureAlgorithm::Sha1)
        );
    }

    #[test]
    fn an_expiring_query_says_until_when() {
        let query = signer(Some(Duration::from_secs(600)))
            .signed_query("listZones", &Params::new())
            .unwrap();
        let pairs = decoded(&query);
        let names: Vec<&str> = pairs.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(
            names,
            [
                "command",
                "response",
                "apiKey",
                "signatureVersion",
                "expires",
                "signature"
            ]
        );
        let expires = sign::parse_expires(&pairs[4].1).unwrap();
        let ahead = expires - chrono::Utc::now();
        assert!(ahead > chrono::Duration::seconds(590), "{ahead}");
    }

    #[test]
    fn a_signed_url_joins_the_endpoint_and_the_query() {
        let signer = signer(None);
        let url = signer
            .signed_url("http://h/client/api", "listZones", &Params::new())
            .unwrap();
        assert!(
            url.starts_with("http://h/client/api?command=listZones&"),
            "{url}"
        );
        let url = signer
            .signed_url("http://h/client/api?x=1", "listZones", &Params::new())
            .unwrap();
        assert!(
            url.starts_with("http://h/client/api?x=1&command=listZones&"),
            "{url}"
        );
    }

    #[test]
    fn password_credentials_cannot_sign_and_reserved_names_are_refused() {
        let password = Credentials::Password {
            username: "u".into(),
            password: "p".into(),
            domain: "/".into(),
        };
        assert!(matches!(
            Signer::new(&password, SignatureAlgorithm::Sha1, None),
            Err(ClientError::NeedsApiKey)
        ));
        assert!(matches!(
            signer(None).signed_query("listZones", &params(&[("Expires", "x")])),
            Err(ClientError::Reserved(_))
        ));
        assert!(!format!("{:?}", signer(None)).contains("SECRET"));
    }
}

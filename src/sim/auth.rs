//! The API-key check of `ApiServer.verifyRequest` (contract §2.5), reusing
//! the client's canonicalization, and the per-account rate limit of the
//! `api.throttling` plugin (§7).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use subtle::ConstantTimeEq;

use crate::client::sign::{self, SignatureAlgorithm};

/// The text of every API-key authentication failure.
pub(crate) const BAD_SIGNATURE: &str = "unable to verify user credentials and/or request signature";
/// The text of a session check failure.
pub(crate) const BAD_SESSION: &str = "unable to verify user credentials";

/// Steps 4 to 6 of the server's check: `signature` and `apiKey` present,
/// `expires` valid when `signatureVersion=3`, the key known. Returns the
/// signature to compare once the rate limit has been checked.
pub(crate) fn precheck<'a>(
    params: &'a [(String, String)],
    api_key: &str,
    now: DateTime<Utc>,
) -> Option<&'a str> {
    let mut signature = None;
    let mut key = None;
    let mut version = None;
    let mut expires = None;
    for (name, value) in params {
        let slot = if name.eq_ignore_ascii_case("signature") {
            &mut signature
        } else if name.eq_ignore_ascii_case("apikey") {
            &mut key
        } else if name.eq_ignore_ascii_case("signatureversion") {
            &mut version
        } else if name.eq_ignore_ascii_case("expires") {
            &mut expires
        } else {
            continue;
        };
        slot.get_or_insert(value.as_str());
    }
    let (signature, key) = (signature?, key?);
    if version == Some("3") {
        let expires = sign::parse_expires(expires?)?;
        if expires < now {
            return None;
        }
    }
    bool::from(key.as_bytes().ct_eq(api_key.as_bytes())).then_some(signature)
}

/// Step 11: the HMAC of the canonical string, compared in constant time.
/// A 88-character signature is taken as HmacSHA512, anything else as
/// HmacSHA1, over the same canonical string.
pub(crate) fn signature_matches(
    params: &[(String, String)],
    secret: &str,
    signature: &str,
) -> bool {
    let algorithm = if signature.len() == 88 {
        SignatureAlgorithm::Sha512
    } else {
        SignatureAlgorithm::Sha1
    };
    let expected = sign::sign(params, secret, algorithm);
    expected.as_bytes().ct_eq(signature.as_bytes()).into()
}

/// `api.throttling`: at most `max` requests per account per interval
/// (1 second); every request counts, throttled ones included.
pub(crate) struct RateLimiter {
    max: u32,
    interval: Duration,
    window: Mutex<(Instant, u32)>,
}

impl RateLimiter {
    pub fn new(max: u32) -> Self {
        RateLimiter {
            max,
            interval: Duration::from_secs(1),
            window: Mutex::new((Instant::now(), 0)),
        }
    }

    /// Counts a request; `Err(ms)` when over the limit, with the time left
    /// in the current window.
    pub fn hit(&self, now: Instant) -> Result<(), u64> {
        let mut window = self.window.lock().unwrap_or_else(|e| e.into_inner());
        if now.duration_since(window.0) >= self.interval {
            *window = (now, 0);
        }
        window.1 = window.1.saturating_add(1);
        if window.1 > self.max {
            let left = (window.0 + self.interval).saturating_duration_since(now);
            return Err(left.as_millis().max(1) as u64);
        }
        Ok(())
    }
}

/// The 429 text, as 4.19 words it.
pub(crate) fn throttled_text(retry_ms: u64) -> String {
    format!(
        "The given user has reached his/her account api limit, please retry after [{retry_ms}] ms."
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::params::pairs;

    #[test]
    fn verifies_the_contract_vector() {
        // Vector A of the contract: secret `bar`.
        let params = pairs(&[
            ("apiKey", "foo"),
            ("command", "listVirtualMachines"),
            ("listAll", "true"),
            ("response", "json"),
            ("signature", "B0d6hBsZTcFVCiioSxzwKA9Pke8="),
        ]);
        let signature = precheck(&params, "foo", Utc::now()).unwrap();
        assert!(signature_matches(&params, "bar", signature));
        assert!(!signature_matches(&params, "baz", signature));
        assert!(precheck(&params, "other", Utc::now()).is_none());
    }

    #[test]
    fn version_3_needs_a_future_expires() {
        let base = [
            ("apiKey", "k"),
            ("command", "listZones"),
            ("signature", "x"),
            ("signatureVersion", "3"),
        ];
        let now = Utc::now();
        assert!(
            precheck(&pairs(&base), "k", now).is_none(),
            "missing expires"
        );
        let mut with = base.to_vec();
        with.push(("expires", "tomorrow"));
        assert!(
            precheck(&pairs(&with), "k", now).is_none(),
            "unparsable expires"
        );
        with.pop();
        with.push(("expires", "2001-01-01T00:00:00+0000"));
        assert!(precheck(&pairs(&with), "k", now).is_none(), "past expires");
        with.pop();
        with.push(("expires", "2999-01-01T00:00:00Z"));
        assert!(precheck(&pairs(&with), "k", now).is_some());
        // Without version 3, `expires` is not looked at.
        let old = [
            ("apiKey", "k"),
            ("command", "listZones"),
            ("signature", "x"),
            ("expires", "garbage"),
        ];
        assert!(precheck(&pairs(&old), "k", now).is_some());
    }

    #[test]
    fn rate_limit_counts_per_window() {
        let limiter = RateLimiter::new(2);
        let start = Instant::now();
        assert!(limiter.hit(start).is_ok());
        assert!(limiter.hit(start).is_ok());
        let retry = limiter.hit(start + Duration::from_millis(100)).unwrap_err();
        assert!((1..=1000).contains(&retry));
        assert!(limiter.hit(start + Duration::from_secs(2)).is_ok());
    }
}

//! When a failed call is sent again, and how long to wait first.
//!
//! A call that changes nothing (`list*`, `query*`, `get*`, `find*`) is
//! retried with exponential back-off and jitter on connection errors,
//! timeouts, 502/503/504 and non-JSON answers. A call that changes state is
//! never retried blindly: only when the request certainly never reached the
//! server (connection refused, DNS), or when the server refused it before
//! doing anything (429). Otherwise it fails with
//! [`ClientError::MaybeApplied`](super::ClientError::MaybeApplied).

use std::time::Duration;

use rand::Rng as _;

use super::error::{ClientError, TransportKind};

/// How many times, and how patiently, failed calls are retried.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all for a call that changes nothing (1 = no retry).
    pub max_attempts: u32,
    /// Attempts in all for a call refused with HTTP 429.
    pub max_throttled_attempts: u32,
    /// The first back-off delay; it doubles with each attempt.
    pub base_delay: Duration,
    /// The longest back-off delay.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            max_throttled_attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(5),
        }
    }
}

/// What to do after a failed attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Send again after this delay.
    Retry(Duration),
    /// Send again once the throttle's delay has passed (the pacer waits it).
    RetryThrottled(Duration),
    /// Give up with the error as it is.
    Fail,
    /// Give up: the call changes state and may have been applied.
    MaybeApplied,
    /// Give up: the server throttles and asks for a longer wait than
    /// [`MAX_THROTTLE_WAIT`].
    ThrottledTooLong(Duration),
}

/// The longest wait a 429 answer is obeyed for. A server asking for more
/// (`retry after [99999999999] ms`) is not waited for: the call fails at
/// once, saying so.
pub const MAX_THROTTLE_WAIT: Duration = Duration::from_secs(60);

/// Whether a command only reads: safe to send twice (the catalogue's
/// [`Verb`](crate::catalog::Verb) rule, so `getUploadParamsFor*` and every
/// async command are writes).
pub fn is_read_only(command: &str) -> bool {
    crate::catalog::Verb::of(command).is_read_only()
}

/// The delay a 429 answer asks for: `… please retry after [<ms>] ms.`
pub fn throttle_delay(error: &ClientError) -> Option<Duration> {
    let ClientError::Api(api) = error else {
        return None;
    };
    if api.errorcode != 429 && api.http_status != 429 {
        return None;
    }
    let text = &api.errortext;
    let millis = text
        .find('[')
        .and_then(|start| {
            let rest = &text[start + 1..];
            rest.find(']').map(|end| &rest[..end])
        })
        .and_then(|number| {
            let number = number.trim();
            // More digits than a u64 holds is still "very long".
            number.parse::<u64>().ok().or_else(|| {
                (!number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()))
                    .then_some(u64::MAX)
            })
        })
        .unwrap_or(1000);
    Some(Duration::from_millis(millis.max(1)))
}

impl RetryPolicy {
    /// Decides about attempt number `attempt` (1-based) of `command`, which
    /// failed with `error`.
    pub fn decide(&self, command: &str, error: &ClientError, attempt: u32) -> Decision {
        if let Some(delay) = throttle_delay(error) {
            return if delay > MAX_THROTTLE_WAIT {
                Decision::ThrottledTooLong(delay)
            } else if attempt < self.max_throttled_attempts {
                Decision::RetryThrottled(delay)
            } else {
                Decision::Fail
            };
        }
        let never_sent = matches!(
            error,
            ClientError::Transport {
                kind: TransportKind::Connect | TransportKind::Dns,
                ..
            }
        );
        let transient = never_sent || is_transient(error);
        if !transient {
            return Decision::Fail;
        }
        if is_read_only(command) || never_sent {
            if attempt < self.max_attempts {
                return Decision::Retry(self.backoff(attempt));
            }
            return Decision::Fail;
        }
        Decision::MaybeApplied
    }

    /// Exponential back-off with jitter: between half and all of
    /// `base × 2^(attempt-1)`, capped.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exponent = attempt.saturating_sub(1).min(16);
        let full = self
            .base_delay
            .saturating_mul(1 << exponent)
            .min(self.max_delay);
        let factor = rand::rng().random_range(0.5..=1.0);
        full.mul_f64(factor)
    }
}

/// Failures that may pass: timeouts, dropped connections, gateway errors
/// and proxy pages. (TLS failures and API errors do not pass by themselves.)
fn is_transient(error: &ClientError) -> bool {
    match error {
        ClientError::Transport { kind, .. } => {
            matches!(kind, TransportKind::Timeout | TransportKind::Other)
        }
        ClientError::NotJson { .. } | ClientError::InvalidJson { .. } => true,
        ClientError::Api(api) => matches!(api.http_status, 502..=504),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::ApiError;

    fn api(status: u16, text: &str) -> ClientError {
        ApiError {
            command: "x".into(),
            http_status: status,
            errorcode: i64::from(status),
            cserrorcode: Some(9999),
            errortext: text.into(),
        }
        .into()
    }

    fn proxy_page() -> ClientError {
        ClientError::NotJson {
            command: "x".into(),
            endpoint: "e".into(),
            status: 503,
            content_type: "text/html".into(),
            first_line: "<html>".into(),
        }
    }

    fn transport(kind: TransportKind) -> ClientError {
        ClientError::Transport {
            command: "x".into(),
            kind,
            message: "m".into(),
        }
    }

    #[test]
    fn read_only_commands_are_recognised() {
        for command in [
            "listZones",
            "queryAsyncJobResult",
            "getVMPassword",
            "listApis",
            "findHostsForMigration",
        ] {
            assert!(is_read_only(command), "{command}");
        }
        for command in [
            "deployVirtualMachine",
            "destroyVirtualMachine",
            "login",
            "createTags",
        ] {
            assert!(!is_read_only(command), "{command}");
        }
    }

    #[test]
    fn reads_are_retried_on_transient_failures_only() {
        let policy = RetryPolicy::default();
        for error in [
            proxy_page(),
            transport(TransportKind::Timeout),
            api(502, "bad gateway"),
        ] {
            assert!(
                matches!(policy.decide("listZones", &error, 1), Decision::Retry(_)),
                "{error}"
            );
            assert_eq!(policy.decide("listZones", &error, 5), Decision::Fail);
        }
        assert_eq!(
            policy.decide("listZones", &api(431, "bad"), 1),
            Decision::Fail
        );
        assert_eq!(
            policy.decide("listZones", &transport(TransportKind::Tls), 1),
            Decision::Fail
        );
    }

    #[test]
    fn writes_are_never_retried_blindly() {
        let policy = RetryPolicy::default();
        assert_eq!(
            policy.decide("deployVirtualMachine", &proxy_page(), 1),
            Decision::MaybeApplied
        );
        assert_eq!(
            policy.decide(
                "deployVirtualMachine",
                &transport(TransportKind::Timeout),
                1
            ),
            Decision::MaybeApplied
        );
        // Never sent: safe to send again.
        assert!(matches!(
            policy.decide(
                "deployVirtualMachine",
                &transport(TransportKind::Connect),
                1
            ),
            Decision::Retry(_)
        ));
        assert_eq!(
            policy.decide("deployVirtualMachine", &api(431, "bad"), 1),
            Decision::Fail
        );
    }

    #[test]
    fn throttled_calls_wait_the_delay_the_server_gives() {
        let policy = RetryPolicy::default();
        let error = api(
            429,
            "The given user has reached his/her account api limit, please retry after [250] ms.",
        );
        assert_eq!(
            policy.decide("deployVirtualMachine", &error, 1),
            Decision::RetryThrottled(Duration::from_millis(250))
        );
        assert_eq!(
            policy.decide("deployVirtualMachine", &error, 30),
            Decision::Fail
        );
    }

    #[test]
    fn an_absurd_throttle_wait_is_not_obeyed() {
        let policy = RetryPolicy::default();
        for text in [
            "please retry after [99999999999] ms.",
            "please retry after [999999999999999999999999999] ms.",
        ] {
            assert!(matches!(
                policy.decide("listZones", &api(429, text), 1),
                Decision::ThrottledTooLong(_)
            ));
        }
    }

    #[test]
    fn upload_parameters_are_a_write() {
        for command in [
            "getUploadParamsForVolume",
            "getUploadParamsForTemplate",
            "GETUPLOADPARAMSFORISO",
        ] {
            assert!(!is_read_only(command), "{command}");
        }
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let policy = RetryPolicy::default();
        assert!(policy.backoff(1) <= Duration::from_millis(100));
        assert!(policy.backoff(3) >= Duration::from_millis(200));
        assert!(policy.backoff(30) <= Duration::from_secs(5));
    }
}

//! The field parsers: one per type of value (endpoint URL, duration,
//! timeout, `expires` window, size, boolean, rate), shared by flags, the
//! environment, csctl's TOML file and the INI files of other tools. The
//! TOML adapters at the end call the same parsers, so a value means the same
//! wherever it is written.

use std::fmt;
use std::time::Duration;

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

use super::settings::Secret;
use crate::client::config::DEFAULT_EXPIRES;

/// Parses a proxy setting: an empty value or `none` turns proxying off
/// (`None`); a URL without a scheme is an http proxy, as curl reads it; the
/// scheme must be one reqwest speaks. Messages never show credentials.
pub(crate) fn parse_proxy(text: &str) -> Result<Option<String>, String> {
    let text = text.trim();
    if text.is_empty() || text.eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    let full = if text.contains("://") {
        text.to_string()
    } else {
        format!("http://{text}")
    };
    let shown = crate::client::config::shown_url(&full);
    let url = url::Url::parse(&full).map_err(|_| {
        format!("`{shown}` is not a proxy URL (e.g. http://proxy.example.com:3128)")
    })?;
    if !matches!(
        url.scheme(),
        "http" | "https" | "socks4" | "socks4a" | "socks5" | "socks5h"
    ) || url.host_str().is_none_or(str::is_empty)
    {
        return Err(format!(
            "`{shown}` is not a proxy URL: http://, https://, socks5:// or socks5h:// with a host"
        ));
    }
    Ok(Some(full))
}

/// The value of a `proxy` key: any string (empty or `none`: no proxy).
pub(super) fn de_proxy<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<String>>, D::Error> {
    let text = String::deserialize(d)?;
    parse_proxy(&text).map(Some).map_err(de::Error::custom)
}

/// Checks an endpoint URL: it must be `http://` or `https://` with a host.
pub(crate) fn check_endpoint(text: &str) -> Result<String, String> {
    let text = text.trim();
    let lower = text.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    match rest {
        Some(rest) if !rest.is_empty() && !rest.starts_with('/') => Ok(text.to_string()),
        _ => Err(format!(
            "`{text}` is not an http:// or https:// URL (e.g. https://cloud.example.com/client/api)"
        )),
    }
}

// The size grammar and the longest duration live with the client, which
// bounds what it reads with them (and the script host reads its memory
// budget with the same size parser); the configuration shares them.
pub use crate::client::config::{parse_size, MAX_DURATION};

/// Parses a duration, the one grammar of flags, environment and files: a
/// bare number is seconds (`60`, `1.5`); otherwise a number with units
/// (`90s`, `150ms`, `2m`, `1h 30m`). At most [`MAX_DURATION`].
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let duration = if let Ok(seconds) = text.parse::<f64>() {
        seconds_to_duration(seconds)?
    } else {
        humantime::parse_duration(text).map_err(|_| {
            format!(
                "`{text}` is not a duration (seconds such as `60`, or a text such as `90s`, \
                 `150ms` or `2m`)"
            )
        })?
    };
    check_range(duration, text)
}

fn check_range(duration: Duration, shown: &str) -> Result<Duration, String> {
    if duration > MAX_DURATION {
        return Err(format!(
            "`{shown}` is too long (at most {} days)",
            MAX_DURATION.as_secs() / 86_400
        ));
    }
    Ok(duration)
}

fn seconds_to_duration(seconds: f64) -> Result<Duration, String> {
    if !seconds.is_finite() || seconds < 0.0 {
        return Err(format!("`{seconds}` is not a number of seconds >= 0"));
    }
    let duration = Duration::try_from_secs_f64(seconds)
        .map_err(|_| format!("`{seconds}` seconds is too long"))?;
    check_range(duration, &format!("{seconds}"))
}

/// A duration that must be greater than zero (a timeout, say).
pub fn parse_positive_duration(text: &str) -> Result<Duration, String> {
    let duration = parse_duration(text)?;
    if duration.is_zero() {
        return Err(format!("`{}` must be greater than zero", text.trim()));
    }
    Ok(duration)
}

/// A request or connect timeout: must be greater than zero.
pub(crate) fn parse_timeout(text: &str) -> Result<Duration, String> {
    nonzero(parse_duration(text)?)
}

fn nonzero(duration: Duration) -> Result<Duration, String> {
    if duration.is_zero() {
        Err("a timeout must be greater than zero".to_string())
    } else {
        Ok(duration)
    }
}

/// The `expires` window: a duration, `0`/`false`/`off` (no `expires`), or `true`/`on` (default).
pub(crate) fn parse_expires(text: &str) -> Result<Option<Duration>, String> {
    let text = text.trim();
    match parse_bool(text) {
        Some(false) => return Ok(None),
        Some(true) if !text.chars().all(|c| c.is_ascii_digit()) => {
            return Ok(Some(DEFAULT_EXPIRES))
        }
        _ => {}
    }
    let duration = parse_duration(text)?;
    Ok((!duration.is_zero()).then_some(duration))
}

/// A boolean as INI files and environment variables write it.
pub(crate) fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "1" | "t" | "true" | "y" | "yes" | "on" => Some(true),
        "0" | "f" | "false" | "n" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// A boolean setting: [`parse_bool`], or an error naming the text.
pub(crate) fn parse_boolean(text: &str) -> Result<bool, String> {
    parse_bool(text).ok_or_else(|| format!("`{}` is not true or false", text.trim()))
}

fn check_rate(rate: f64) -> Result<f64, String> {
    if rate.is_finite() && rate > 0.0 {
        Ok(rate)
    } else {
        Err(format!(
            "`{rate}` is not a number of requests per second > 0"
        ))
    }
}

// ---------------------------------------------------------------------------
// Serde helpers for the TOML file. Errors raised here carry the span of the
// value, so the TOML error names its line and column.

pub(super) fn de_nonempty<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let text = String::deserialize(d)?;
    let text = text.trim();
    Ok((!text.is_empty()).then(|| text.to_string()))
}

pub(super) fn de_secret<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Secret>, D::Error> {
    Ok(de_nonempty(d)?.map(Secret))
}

pub(super) fn de_endpoint<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match de_nonempty(d)? {
        None => Ok(None),
        Some(text) => check_endpoint(&text).map(Some).map_err(de::Error::custom),
    }
}

pub(super) fn de_parsed<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: std::str::FromStr<Err = String>,
{
    let text = String::deserialize(d)?;
    text.trim().parse().map(Some).map_err(de::Error::custom)
}

pub(super) fn de_timeout<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    let duration = d.deserialize_any(DurationVisitor { expires: false })?;
    duration
        .ok_or_else(|| de::Error::custom("a timeout must be greater than zero"))
        .and_then(|duration| nonzero(duration).map_err(de::Error::custom))
        .map(Some)
}

pub(super) fn de_expires<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<Duration>>, D::Error> {
    d.deserialize_any(DurationVisitor { expires: true })
        .map(Some)
}

pub(super) fn de_size<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Size {
        Bytes(u64),
        Text(String),
    }
    let text = match Size::deserialize(d)? {
        Size::Bytes(bytes) => bytes.to_string(),
        Size::Text(text) => text,
    };
    parse_size(&text).map(Some).map_err(de::Error::custom)
}

pub(super) fn de_rate<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    let rate = f64::deserialize(d)?;
    check_rate(rate).map(Some).map_err(de::Error::custom)
}

/// Accepts seconds (integer or float), a duration text, and for `expires`
/// also booleans. `None` means "off".
struct DurationVisitor {
    expires: bool,
}

impl<'de> Visitor<'de> for DurationVisitor {
    type Value = Option<Duration>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.expires {
            f.write_str("a number of seconds, a duration such as \"10m\", or false")
        } else {
            f.write_str("a number of seconds or a duration such as \"90s\"")
        }
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Self::Value, E> {
        if !self.expires {
            return Err(E::invalid_type(de::Unexpected::Bool(value), &self));
        }
        Ok(value.then_some(DEFAULT_EXPIRES))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Self::Value, E> {
        if value < 0 {
            return Err(E::custom(format!(
                "`{value}` is not a number of seconds >= 0"
            )));
        }
        self.visit_u64(value as u64)
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Self::Value, E> {
        let duration =
            check_range(Duration::from_secs(value), &value.to_string()).map_err(E::custom)?;
        Ok((!duration.is_zero()).then_some(duration))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Self::Value, E> {
        let duration = seconds_to_duration(value).map_err(E::custom)?;
        Ok((!duration.is_zero()).then_some(duration))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
        if self.expires {
            parse_expires(value).map_err(E::custom)
        } else {
            let duration = parse_duration(value).map_err(E::custom)?;
            Ok((!duration.is_zero()).then_some(duration))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans_as_ini_files_and_environment_write_them() {
        assert_eq!(parse_boolean(" Yes "), Ok(true));
        assert_eq!(parse_boolean("off"), Ok(false));
        assert_eq!(
            parse_boolean("maybe"),
            Err("`maybe` is not true or false".to_string())
        );
    }

    #[test]
    fn one_duration_grammar() {
        assert_eq!(parse_duration("1.5"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("1m 30s"), Ok(Duration::from_secs(90)));
        assert!(parse_duration("366 days").is_err());
        assert_eq!(
            parse_timeout("0").unwrap_err(),
            "a timeout must be greater than zero"
        );
        assert_eq!(parse_expires("off"), Ok(None));
        assert_eq!(parse_expires("1"), Ok(Some(Duration::from_secs(1))));
    }
}

//! Turning an HTTP answer into the unwrapped response object or a typed error.

use serde_json::{Map, Value};

use super::error::{ApiError, ClientError};

/// The parts of an HTTP answer that decoding needs.
#[derive(Clone, Copy, Debug)]
pub struct RawAnswer<'a> {
    /// HTTP status.
    pub status: u16,
    /// `Content-Type` header, if any.
    pub content_type: Option<&'a str>,
    /// The body.
    pub body: &'a [u8],
}

/// Decodes an answer to `command`: the object under `<command>response`
/// (lower-cased), or the error it carries.
///
/// `endpoint` is only used in messages.
pub fn decode(command: &str, endpoint: &str, answer: RawAnswer<'_>) -> Result<Value, ClientError> {
    let document: Value = match serde_json::from_slice(answer.body) {
        Ok(document) => document,
        Err(error) => return Err(not_json(command, endpoint, answer, error)),
    };
    let Value::Object(mut top) = document else {
        return Err(ClientError::MissingResponse {
            command: command.to_string(),
            expected: response_key(command),
            found: "none: the answer is not a JSON object".into(),
        });
    };
    let expected = response_key(command);
    let inner = match top.remove(&expected) {
        Some(inner) => inner,
        // Error answers to unknown commands and a few renamed responses use
        // another key; like cmk and cs, accept the single `…response` key.
        None if top.len() == 1 && top.keys().all(|key| key.ends_with("response")) => top
            .into_iter()
            .next()
            .map(|(_, inner)| inner)
            .unwrap_or_default(),
        None => {
            return Err(ClientError::MissingResponse {
                command: command.to_string(),
                expected,
                found: describe_keys(&top),
            })
        }
    };
    if let Some(error) = api_error(command, answer.status, &inner) {
        return Err(error.into());
    }
    if answer.status >= 400 {
        return Err(ApiError {
            command: command.to_string(),
            http_status: answer.status,
            errorcode: i64::from(answer.status),
            cserrorcode: None,
            errortext: "the server answered with an HTTP error and no errortext".into(),
        }
        .into());
    }
    Ok(inner)
}

/// The key a command's answer sits under: `listzonesresponse` for `listZones`.
pub fn response_key(command: &str) -> String {
    let mut key = command.to_ascii_lowercase();
    key.push_str("response");
    key
}

/// The error an unwrapped response object carries, if it is one.
pub fn api_error(command: &str, status: u16, inner: &Value) -> Option<ApiError> {
    let fields = inner.as_object()?;
    let errorcode = fields.get("errorcode")?;
    let errortext = fields
        .get("errortext")
        .and_then(Value::as_str)
        .unwrap_or("(no errortext)");
    Some(ApiError {
        command: command.to_string(),
        http_status: status,
        errorcode: as_integer(errorcode).unwrap_or(i64::from(status)),
        cserrorcode: fields.get("cserrorcode").and_then(as_integer),
        errortext: errortext.to_string(),
    })
}

/// A JSON number or numeric string as an integer (old servers sent strings).
pub fn as_integer(value: &Value) -> Option<i64> {
    match value {
        Value::Number(number) => number.as_i64(),
        Value::String(text) => text.parse().ok(),
        _ => None,
    }
}

/// Whether an unwrapped response is the immediate answer of an async command:
/// `{jobid}` or `{id, jobid}` and nothing else of substance.
pub fn is_async_answer(inner: &Value) -> bool {
    inner.as_object().is_some_and(|fields| {
        fields.contains_key("jobid")
            && fields
                .keys()
                .all(|key| matches!(key.as_str(), "jobid" | "id" | "jobstatus"))
    })
}

/// The items of a list answer (`{count, <item>: [...]}`), with the array's
/// key; an empty list answer (`{}`) gives no items.
pub fn list_items(inner: &Value) -> (Option<&str>, &[Value]) {
    let Some(fields) = inner.as_object() else {
        return (None, &[]);
    };
    fields
        .iter()
        .find_map(|(key, value)| match value {
            Value::Array(items) => Some((Some(key.as_str()), items.as_slice())),
            _ => None,
        })
        .unwrap_or((None, &[]))
}

fn not_json(
    command: &str,
    endpoint: &str,
    answer: RawAnswer<'_>,
    error: serde_json::Error,
) -> ClientError {
    let claims_json = answer
        .content_type
        .is_some_and(|kind| kind.contains("json"));
    let text = String::from_utf8_lossy(answer.body);
    if claims_json && !text.trim_start().starts_with('<') {
        return ClientError::InvalidJson {
            command: command.to_string(),
            status: answer.status,
            message: error.to_string(),
        };
    }
    let first_line = text
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .unwrap_or("(empty body)");
    ClientError::NotJson {
        command: command.to_string(),
        endpoint: endpoint.to_string(),
        status: answer.status,
        content_type: answer.content_type.unwrap_or("no content type").to_string(),
        first_line: shorten(first_line, 120),
    }
}

fn describe_keys(fields: &Map<String, Value>) -> String {
    if fields.is_empty() {
        return "none".into();
    }
    fields
        .keys()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

fn shorten(text: &str, limit: usize) -> String {
    match text.char_indices().nth(limit) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer<'a>(status: u16, content_type: &'a str, body: &'a str) -> RawAnswer<'a> {
        RawAnswer {
            status,
            content_type: Some(content_type),
            body: body.as_bytes(),
        }
    }

    #[test]
    fn unwraps_the_response_key() {
        let value = decode(
            "listZones",
            "e",
            answer(
                200,
                "application/json",
                r#"{"listzonesresponse":{"count":1,"zone":[{"id":"z"}]}}"#,
            ),
        )
        .unwrap();
        assert_eq!(value["count"], 1);
        assert_eq!(list_items(&value).0, Some("zone"));
    }

    #[test]
    fn turns_error_answers_into_api_errors() {
        let body = r#"{"deployvirtualmachineresponse":{"uuidList":[],"errorcode":431,"cserrorcode":9999,"errortext":"Unable to execute API command deployvirtualmachine due to missing parameter zoneid"}}"#;
        let Err(ClientError::Api(error)) = decode(
            "deployVirtualMachine",
            "e",
            answer(431, "application/json", body),
        ) else {
            panic!("expected an API error");
        };
        assert_eq!(
            (error.http_status, error.errorcode, error.cserrorcode),
            (431, 431, Some(9999))
        );
        assert!(error.to_string().contains("missing parameter zoneid"));
    }

    #[test]
    fn explains_html_and_truncated_answers() {
        let html = decode(
            "listZones",
            "http://x/",
            answer(
                502,
                "text/html",
                "\n<html><head><title>502 Bad Gateway</title>",
            ),
        );
        let message = html.unwrap_err().to_string();
        assert!(message.contains("HTTP 502 with text/html"), "{message}");
        assert!(
            message.contains("<html><head><title>502 Bad Gateway</title>"),
            "{message}"
        );
        let truncated = decode(
            "listZones",
            "e",
            answer(200, "application/json", r#"{"listzonesresponse":{"count":"#),
        );
        assert!(matches!(truncated, Err(ClientError::InvalidJson { .. })));
        let missing = decode(
            "listZones",
            "e",
            answer(200, "application/json", r#"{"foo":1,"bar":2}"#),
        );
        assert!(missing
            .unwrap_err()
            .to_string()
            .contains("no `listzonesresponse` key (keys: foo, bar)"));
    }

    #[test]
    fn recognises_async_answers() {
        assert!(is_async_answer(
            &serde_json::json!({"id": "v", "jobid": "j"})
        ));
        assert!(is_async_answer(&serde_json::json!({"jobid": "j"})));
        assert!(!is_async_answer(
            &serde_json::json!({"jobid": "j", "jobstatus": 1, "jobresult": {}})
        ));
        assert!(!is_async_answer(&serde_json::json!({"count": 1})));
    }
}

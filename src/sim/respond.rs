//! Response bodies shaped like the management server's (contract §4):
//! one `<command>response` key, lists with `count` first and `{}` when
//! empty, errors with `uuidList`, `errorcode`, `cserrorcode`, `errortext`.

use serde::Serialize;

/// `Content-Type` of every JSON answer (the server's default `json.content.type`).
pub(crate) const JSON_CONTENT_TYPE: &str = "application/json; charset=UTF-8";

/// `cserrorcode` of a bare `ServerApiException` (most validation errors).
pub(crate) const CS_SERVER_API: u32 = 9999;
/// `cserrorcode` of `InvalidParameterValueException`.
pub(crate) const CS_INVALID_PARAMETER: u32 = 4350;
/// `CloudRuntimeException`'s cserrorcode.
pub(crate) const CS_CLOUD_RUNTIME: u32 = 4250;

/// An answer ready to be written.
#[derive(Debug)]
pub(crate) struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
    /// Extra headers (`Set-Cookie`, `X-Description`).
    pub headers: Vec<(&'static str, String)>,
}

impl Reply {
    /// A 200 JSON answer.
    pub fn ok(body: Vec<u8>) -> Self {
        Reply {
            status: 200,
            content_type: JSON_CONTENT_TYPE,
            body,
            headers: Vec::new(),
        }
    }

    /// An answer that is not JSON (405 login text, 503 pages).
    pub fn text(status: u16, content_type: &'static str, body: &str) -> Self {
        Reply {
            status,
            content_type,
            body: body.as_bytes().to_vec(),
            headers: Vec::new(),
        }
    }
}

/// A failed API call: HTTP status = `errorcode`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub code: u16,
    pub cs: Option<u32>,
    pub text: String,
}

impl ApiError {
    pub fn new(code: u16, cs: Option<u32>, text: impl Into<String>) -> Self {
        ApiError {
            code,
            cs,
            text: text.into(),
        }
    }

    /// 431 from the parameter layer (`ServerApiException`, cserrorcode 9999).
    pub fn param(text: impl Into<String>) -> Self {
        Self::new(431, Some(CS_SERVER_API), text)
    }

    /// 431 from a service (`InvalidParameterValueException`, cserrorcode 4350).
    pub fn invalid(text: impl Into<String>) -> Self {
        Self::new(431, Some(CS_INVALID_PARAMETER), text)
    }

    /// `Unable to execute API command <cmd> due to missing parameter <p>`.
    pub fn missing(command: &str, param: &str) -> Self {
        Self::param(format!(
            "Unable to execute API command {command} due to missing parameter {param}"
        ))
    }

    /// `… due to invalid value <v> for parameter <p>` (non-numeric integer, scalar map).
    pub fn bad_value(command: &str, value: &str, param: &str) -> Self {
        Self::param(format!("Unable to execute API command {command} due to invalid value {value} for parameter {param}"))
    }

    /// The unknown-uuid text of the parameter layer.
    pub fn no_entity(command: &str, param: &str, value: &str) -> Self {
        Self::param(format!(
            "Unable to execute API command {command} due to invalid value. Invalid parameter {param} value={value} \
             due to incorrect long value format, or entity does not exist or due to incorrect parameter annotation \
             for the field in api cmd class."
        ))
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    #[serde(rename = "uuidList")]
    uuid_list: [(); 0],
    errorcode: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    cserrorcode: Option<u32>,
    errortext: &'a str,
}

/// The longest error text also sent in `X-Description`. The server sets the
/// header to the whole text (`ApiServlet`), but its Jetty sends at most
/// 8 KiB of response headers (`setResponseHeaderSize(8192)` in
/// `ServerDaemon`) and cannot send a longer one at all; the simulator
/// leaves such a header out (the body still carries the text) rather than
/// write headers as large as a parameter echoed in the text (1 MiB of
/// userdata, say).
pub(crate) const MAX_DESCRIPTION_HEADER: usize = 4096;

/// `{"<key>":{"uuidList":[],"errorcode":N,"cserrorcode":M,"errortext":"…"}}`
/// with HTTP status N and the text in `X-Description`, as `ApiServlet` does
/// (when it fits: [`MAX_DESCRIPTION_HEADER`]).
pub(crate) fn error_reply(key: &str, error: &ApiError) -> Reply {
    let body = envelope(
        key,
        &ErrorBody {
            uuid_list: [],
            errorcode: error.code,
            cserrorcode: error.cs,
            errortext: &error.text,
        },
    );
    let mut reply = Reply {
        status: error.code,
        content_type: JSON_CONTENT_TYPE,
        body,
        headers: Vec::new(),
    };
    if error.cs.is_some()
        && error.text.len() <= MAX_DESCRIPTION_HEADER
        && error.text.bytes().all(|b| (0x20..0x7f).contains(&b))
    {
        reply.headers.push(("x-description", error.text.clone()));
    }
    reply
}

/// `{"<key>":<inner>}`.
pub(crate) fn envelope<T: Serialize + ?Sized>(key: &str, inner: &T) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    open(&mut out, key);
    serde_json::to_writer(&mut out, inner).expect("serializing to memory cannot fail");
    out.push(b'}');
    out
}

/// A list answer as `ApiResponseSerializer` writes it: `count` (the total)
/// first when non-zero, then the page's items; `{}` when both are empty.
pub(crate) fn list_reply<I, T>(key: &str, item_key: &str, count: usize, items: I) -> Reply
where
    I: IntoIterator<Item = T>,
    T: Serialize,
{
    let mut out = Vec::with_capacity(512);
    open(&mut out, key);
    out.push(b'{');
    let mut first_field = true;
    if count > 0 {
        out.extend_from_slice(b"\"count\":");
        out.extend_from_slice(count.to_string().as_bytes());
        first_field = false;
    }
    let mut any = false;
    for item in items {
        if !any {
            if !first_field {
                out.push(b',');
            }
            out.push(b'"');
            out.extend_from_slice(item_key.as_bytes());
            out.extend_from_slice(b"\":[");
            any = true;
        } else {
            out.push(b',');
        }
        serde_json::to_writer(&mut out, &item).expect("serializing to memory cannot fail");
    }
    if any {
        out.push(b']');
    }
    out.extend_from_slice(b"}}");
    Reply::ok(out)
}

/// Writes `{"<key>":`; keys are plain ASCII names, never escaped.
fn open(out: &mut Vec<u8>, key: &str) {
    out.extend_from_slice(b"{\"");
    out.extend_from_slice(key.as_bytes());
    out.extend_from_slice(b"\":");
}

/// The page a load balancer in front of a busy server answers (`--fail-rate`).
pub(crate) const UNAVAILABLE_PAGE: &str = "<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n\
<body>\r\n<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

#[cfg(test)]
mod tests {
    use super::*;

    fn text(reply: &Reply) -> &str {
        std::str::from_utf8(&reply.body).unwrap()
    }

    #[test]
    fn lists_put_count_first_and_are_empty_objects_when_empty() {
        let reply = list_reply(
            "listzonesresponse",
            "zone",
            2,
            [serde_json::json!({"id": "a"})],
        );
        assert_eq!(
            text(&reply),
            r#"{"listzonesresponse":{"count":2,"zone":[{"id":"a"}]}}"#
        );
        let reply = list_reply(
            "listzonesresponse",
            "zone",
            0,
            Vec::<serde_json::Value>::new(),
        );
        assert_eq!(text(&reply), r#"{"listzonesresponse":{}}"#);
        let reply = list_reply(
            "listzonesresponse",
            "zone",
            3,
            Vec::<serde_json::Value>::new(),
        );
        assert_eq!(text(&reply), r#"{"listzonesresponse":{"count":3}}"#);
    }

    #[test]
    fn errors_have_the_server_shape() {
        let reply = error_reply(
            "deployvirtualmachineresponse",
            &ApiError::missing("deployvirtualmachine", "zoneid"),
        );
        assert_eq!(reply.status, 431);
        assert_eq!(
            text(&reply),
            r#"{"deployvirtualmachineresponse":{"uuidList":[],"errorcode":431,"cserrorcode":9999,"errortext":"Unable to execute API command deployvirtualmachine due to missing parameter zoneid"}}"#
        );
        let reply = error_reply(
            "errorresponse",
            &ApiError::new(401, None, "unable to verify user credentials"),
        );
        assert_eq!(
            text(&reply),
            r#"{"errorresponse":{"uuidList":[],"errorcode":401,"errortext":"unable to verify user credentials"}}"#
        );
        assert!(reply.headers.is_empty());
    }

    #[test]
    fn the_description_header_is_left_out_when_jetty_could_not_send_it() {
        let header = |text: String| {
            error_reply("listzonesresponse", &ApiError::new(431, Some(9999), text))
                .headers
                .into_iter()
                .find(|(name, _)| *name == "x-description")
                .map(|(_, value)| value.len())
        };
        let echo = |length| format!("Invalid parameter id value={}", "x".repeat(length));
        assert_eq!(header(echo(10)), Some(echo(10).len()));
        let longest = MAX_DESCRIPTION_HEADER - echo(0).len();
        assert_eq!(header(echo(longest)), Some(MAX_DESCRIPTION_HEADER));
        assert_eq!(header(echo(longest + 1)), None);
        // A parameter of 1 MiB echoed in the text: the body carries it all.
        let reply = error_reply(
            "listzonesresponse",
            &ApiError::new(431, Some(9999), echo(1 << 20)),
        );
        assert!(reply.headers.is_empty());
        assert!(reply.body.len() > 1 << 20);
    }
}

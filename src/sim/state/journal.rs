//! The journal: every request for a command that is not read-only per the
//! catalogue, in order, with its parameters and answer. `csctl run --plan`
//! reads it to say what a script would change; tests read it to prove a
//! cloud received no state-changing call.
//!
//! It is bounded, so that a simulator left running (or exposed) keeps a
//! flat memory under any number of writes: the last [`MAX_ENTRIES`]
//! requests are kept, each parameter cut to [`MAX_PARAM_BYTES`] (and all of
//! an entry's parameters together to [`MAX_PARAMS_BYTES`]), and an answer
//! larger than [`MAX_ANSWER_BYTES`] is kept as a note of its size.

use serde_json::Value;

use super::State;

/// One state-changing request the simulator accepted or refused.
#[derive(Clone, Debug, PartialEq)]
pub struct JournalEntry {
    /// The command, as the catalogue spells it.
    pub command: String,
    /// The parameters as received (signature, API key and `command` left out).
    pub params: Vec<(String, String)>,
    /// HTTP status of the answer.
    pub status: u16,
    /// The answer's body (inside `<command>response`).
    pub answer: Value,
    /// The async job's result once it completed (`jobresult`), or its
    /// failure (`{"errorcode":…, "errortext":…}` with `failed` set).
    pub job_result: Option<Value>,
    /// Whether the job failed.
    pub job_failed: bool,
    /// The name of the object the `id` parameter named, before the call.
    pub target_name: Option<String>,
}

/// How many requests the journal keeps (the oldest go first).
pub const MAX_ENTRIES: usize = 10_000;
/// The longest parameter value kept, in bytes (a longer one is cut and
/// ends with `…`).
pub const MAX_PARAM_BYTES: usize = 1024;
/// The most parameter text one entry keeps, in bytes.
pub const MAX_PARAMS_BYTES: usize = 4096;
/// The largest answer kept, in bytes of JSON.
pub const MAX_ANSWER_BYTES: usize = 16 * 1024;

/// `text` cut to at most `max` bytes (on a character boundary), with `…`
/// when something was cut.
fn cut(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max.saturating_sub('…'.len_utf8());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// Parameters that are the request's envelope, not the command's.
const ENVELOPE: &[&str] = &[
    "command",
    "apikey",
    "signature",
    "response",
    "sessionkey",
    "expires",
    "signatureversion",
];

/// What is known before the handler runs: the `id` target's name.
pub(crate) fn before(state: &State, raw: &[(String, String)]) -> Option<String> {
    raw.iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("id"))
        .and_then(|(_, id)| state.name_of(id))
}

/// Records a state-changing request.
pub(crate) fn record(
    state: &mut State,
    command: &str,
    raw: &[(String, String)],
    status: u16,
    body: &[u8],
    target_name: Option<String>,
) {
    let answer = if body.len() > MAX_ANSWER_BYTES {
        Value::String(format!("({} bytes, not kept)", body.len()))
    } else {
        serde_json::from_slice::<Value>(body)
            .ok()
            .and_then(|document| match document {
                Value::Object(map) => map.into_iter().next().map(|(_, inner)| inner),
                _ => None,
            })
            .unwrap_or(Value::Null)
    };
    let mut room = MAX_PARAMS_BYTES;
    let params = raw
        .iter()
        .filter(|(name, _)| !ENVELOPE.iter().any(|e| e.eq_ignore_ascii_case(name)))
        .map(|(name, value)| {
            let name = cut(name, MAX_PARAM_BYTES);
            let value = cut(value, MAX_PARAM_BYTES.min(room));
            room = room.saturating_sub(name.len() + value.len());
            (name, value)
        })
        .collect();
    if state.journal.len() >= MAX_ENTRIES {
        state.journal.pop_front();
    }
    state.journal.push_back(JournalEntry {
        command: command.to_string(),
        params,
        status,
        answer,
        job_result: None,
        job_failed: false,
        target_name,
    });
}

/// The journal with each entry's job result filled in (settle first).
pub(crate) fn read(state: &State) -> Vec<JournalEntry> {
    state
        .journal
        .iter()
        .map(|entry| {
            let mut entry = entry.clone();
            let job = entry
                .answer
                .get("jobid")
                .and_then(Value::as_str)
                .and_then(|id| state.job(id))
                .map(|i| &state.jobs[i]);
            if let Some(job) = job {
                entry.job_failed = job.status == 2;
                entry.job_result = job.result.clone();
            }
            entry
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_are_cut_on_a_character_boundary() {
        assert_eq!(cut("short", 10), "short");
        let cut_text = cut(&"é".repeat(1000), 11);
        assert!(cut_text.len() <= 11, "{cut_text}");
        assert!(cut_text.ends_with('…'));
        assert_eq!(
            cut(&"x".repeat(5000), MAX_PARAM_BYTES).len(),
            MAX_PARAM_BYTES
        );
    }
}

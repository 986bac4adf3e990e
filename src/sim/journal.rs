//! The journal: every request for a command that is not read-only per the
//! catalogue, in order, with its parameters and answer. `csctl run --plan`
//! reads it to say what a script would change; tests read it to prove a
//! cloud received no state-changing call.

use serde_json::Value;

use super::state::State;

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
    let answer = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|document| match document {
            Value::Object(map) => map.into_iter().next().map(|(_, inner)| inner),
            _ => None,
        })
        .unwrap_or(Value::Null);
    state.journal.push(JournalEntry {
        command: command.to_string(),
        params: raw
            .iter()
            .filter(|(name, _)| !ENVELOPE.iter().any(|e| e.eq_ignore_ascii_case(name)))
            .cloned()
            .collect(),
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

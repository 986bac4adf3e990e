//! The job journal: every async job csctl submits (`call`, `run`, the
//! REPL) is written down in the user's state folder, so that a wait cut
//! short by Ctrl-C, SIGTERM or a timeout can be resumed (`csctl jobs wait`)
//! and a script can pick up the jobs of its previous run.
//!
//! The file is `jobs.jsonl` in [`crate::state_dir`]: one JSON record a line,
//! appended with a single write (several csctl processes may share it),
//! private (0600 in a 0700 folder). Secret parameters are never written
//! (`client::trace::is_secret_name`, and `userdata`), long values are cut.
//! Past [`MAX_BYTES`] the file is rewritten with its newest half: the
//! journal keeps recent jobs, not history.

use std::collections::{BTreeMap, HashMap};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use csctl::client::{Client, JobObserver, JobOutcome, Params};

/// The journal's file name in the state folder.
pub const FILE: &str = "jobs.jsonl";
/// The size past which the journal keeps only its newest half.
pub const MAX_BYTES: u64 = 4 << 20;
/// Parameter values longer than this are cut (the journal names a job; it
/// is not a copy of the request).
const MAX_VALUE: usize = 120;
/// Parameters written per job, at most.
const MAX_PARAMS: usize = 40;

/// One line of the journal.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(tag = "event", rename_all = "lowercase")]
pub enum Record {
    /// A command answered with a job.
    Submitted {
        /// Seconds since the Unix epoch.
        time: i64,
        /// The csctl process that submitted it (`<time>-<pid>`).
        run: String,
        /// The script it came from, if any (as given to `csctl run`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        script: Option<String>,
        /// The API endpoint (no credentials, no query).
        endpoint: String,
        /// The command.
        command: String,
        /// Its parameters, secrets redacted.
        params: BTreeMap<String, String>,
        /// The job's id.
        jobid: String,
        /// The object's id when the answer gave it (`deployVirtualMachine`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        objectid: Option<String>,
    },
    /// A wait saw the job end.
    Ended {
        /// Seconds since the Unix epoch.
        time: i64,
        /// The job's id.
        jobid: String,
        /// `succeeded`, `failed`, `timeout` or `unknown`.
        status: String,
        /// The object's id, from the job's result.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        objectid: Option<String>,
        /// What failed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
}

/// A job as the journal knows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Job {
    /// The job's id.
    pub jobid: String,
    /// The command that started it.
    pub command: String,
    /// Its parameters, secrets redacted.
    pub params: BTreeMap<String, String>,
    /// The run that submitted it.
    pub run: String,
    /// The script, if any.
    pub script: Option<String>,
    /// The endpoint.
    pub endpoint: String,
    /// When it was submitted (seconds since the epoch).
    pub time: i64,
    /// How it ended, as last seen (`None`: not seen ending).
    pub status: Option<String>,
    /// The object's id, once known.
    pub objectid: Option<String>,
    /// What failed.
    pub error: Option<String>,
}

/// The journal file, if there is a state folder.
pub fn path() -> Option<PathBuf> {
    crate::state_dir::state_dir().map(|dir| dir.join(FILE))
}

/// `endpoint` without credentials or query: what the journal keeps.
pub fn clean_endpoint(endpoint: &str) -> String {
    match url::Url::parse(endpoint) {
        Ok(mut url) => {
            let _ = url.set_username("");
            let _ = url.set_password(None);
            url.set_query(None);
            url.set_fragment(None);
            url.to_string()
        }
        Err(_) => String::new(),
    }
}

/// Writes the jobs of one csctl process into the journal.
pub struct Journal {
    path: PathBuf,
    run: String,
    script: Option<String>,
    endpoint: String,
    /// One writer at a time within the process.
    state: Mutex<Writer>,
}

/// The open journal file (kept open: a cluster of a thousand VMs writes a
/// thousand lines) and whether a write failed already (warned once).
#[derive(Default)]
struct Writer {
    file: Option<std::fs::File>,
    failed: bool,
}

impl Journal {
    /// A journal writer for this process, in the file at `path`.
    pub fn new(path: PathBuf, endpoint: &str, script: Option<&str>) -> Self {
        let now = chrono::Utc::now();
        Self {
            path,
            run: format!("{}-{}", now.timestamp_millis(), std::process::id()),
            script: script.map(str::to_string),
            endpoint: clean_endpoint(endpoint),
            state: Mutex::new(Writer::default()),
        }
    }

    /// This process's run id.
    pub fn run(&self) -> &str {
        &self.run
    }

    fn append(&self, record: &Record) {
        let mut writer = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let Ok(mut line) = serde_json::to_string(record) else {
            return;
        };
        line.push('\n');
        if let Err(error) = append_line(&mut writer.file, &self.path, &line) {
            writer.file = None;
            if !writer.failed {
                writer.failed = true;
                csctl::client::trace::write_stderr(&format!(
                    "csctl: warning: cannot write the job journal {}: {error}",
                    self.path.display()
                ));
            }
        }
    }
}

/// Appends `line` with one write (O_APPEND: whole lines, even with other
/// csctl processes writing), opening the file (private) when needed; past
/// [`MAX_BYTES`], prunes it and reopens it next time.
fn append_line(file: &mut Option<std::fs::File>, path: &Path, line: &str) -> std::io::Result<()> {
    if file.is_none() {
        if let Some(dir) = path.parent() {
            if !dir.exists() {
                crate::repl::private::private_dir(dir)?;
            }
        }
        let mut options = std::fs::OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            options.mode(0o600);
        }
        *file = Some(options.open(path)?);
        crate::repl::private::private_file(path)?;
    }
    let open = file.as_mut().expect("opened above");
    open.write_all(line.as_bytes())?;
    if open.metadata()?.len() > MAX_BYTES {
        *file = None;
        prune(path, (MAX_BYTES / 2) as usize)?;
    }
    Ok(())
}

/// Keeps the newest lines of the journal that fit in `keep` bytes.
pub fn prune(path: &Path, keep: usize) -> std::io::Result<()> {
    let text = std::fs::read_to_string(path)?;
    let mut start = text.len();
    for (at, _) in text
        .match_indices('\n')
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
    {
        if text.len() - (at + 1) > keep {
            break;
        }
        start = at + 1;
    }
    if start >= text.len() {
        start = text.len();
    }
    let kept = &text[start..];
    let temporary = path.with_extension("jsonl.tmp");
    {
        let mut options = std::fs::OpenOptions::new();
        options.create(true).write(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            options.mode(0o600);
        }
        let mut file = options.open(&temporary)?;
        file.write_all(kept.as_bytes())?;
    }
    std::fs::rename(&temporary, path)
}

/// The parameters as the journal keeps them: secrets and user data
/// redacted, long values cut, at most [`MAX_PARAMS`].
pub fn key_params(params: &Params) -> BTreeMap<String, String> {
    params
        .pairs()
        .iter()
        .take(MAX_PARAMS)
        .map(|(name, value)| {
            let lower = name.to_ascii_lowercase();
            let value = if csctl::client::trace::is_secret_name(name) || lower == "userdata" {
                "<redacted>".to_string()
            } else if value.chars().count() > MAX_VALUE {
                let cut: String = value.chars().take(MAX_VALUE).collect();
                format!("{cut}…")
            } else {
                value.clone()
            };
            (name.clone(), value)
        })
        .collect()
}

/// The id of the object a job's result is about.
fn object_id(job: &Value) -> Option<String> {
    let from_result = job.get("jobresult").and_then(|result| {
        result
            .as_object()?
            .values()
            .find_map(|value| value.get("id").and_then(Value::as_str))
            .map(str::to_string)
    });
    from_result.or_else(|| {
        job.get("jobinstanceid")
            .and_then(Value::as_str)
            .map(str::to_string)
    })
}

/// What the journal writes when a wait saw `outcome`.
pub fn ended_record(outcome: &JobOutcome) -> Record {
    let time = chrono::Utc::now().timestamp();
    let jobid = outcome.jobid().to_string();
    match outcome {
        JobOutcome::Succeeded { job, .. } => Record::Ended {
            time,
            jobid,
            status: "succeeded".into(),
            objectid: object_id(job),
            error: None,
        },
        JobOutcome::Failed { errortext, .. } => Record::Ended {
            time,
            jobid,
            status: "failed".into(),
            objectid: None,
            error: Some(errortext.clone()),
        },
        JobOutcome::TimedOut { .. } => Record::Ended {
            time,
            jobid,
            status: "timeout".into(),
            objectid: None,
            error: None,
        },
        JobOutcome::Unknown { reason, .. } => Record::Ended {
            time,
            jobid,
            status: "unknown".into(),
            objectid: None,
            error: Some(reason.clone()),
        },
    }
}

impl JobObserver for Journal {
    fn submitted(&self, command: &str, params: &Params, jobid: &str, answer: &Value) {
        self.append(&Record::Submitted {
            time: chrono::Utc::now().timestamp(),
            run: self.run.clone(),
            script: self.script.clone(),
            endpoint: self.endpoint.clone(),
            command: command.to_string(),
            params: key_params(params),
            jobid: jobid.to_string(),
            objectid: answer.get("id").and_then(Value::as_str).map(str::to_string),
        });
    }

    fn ended(&self, outcome: &JobOutcome) {
        // A timeout is no end: the job goes on, and a later wait resumes it.
        if matches!(outcome, JobOutcome::TimedOut { .. }) {
            return;
        }
        self.append(&ended_record(outcome));
    }
}

/// Makes `client` write its jobs into the journal (when there is a state
/// folder); `script` names the script of `csctl run`. Returns the run id.
pub fn attach(client: &Client, script: Option<&str>) -> Option<String> {
    let path = path()?;
    let journal = Arc::new(Journal::new(path, &client.config().endpoint, script));
    let run = journal.run().to_string();
    client.set_job_observer(journal);
    Some(run)
}

/// Every job of the journal at `path`, oldest first, each with the last
/// state seen. A missing file is an empty journal; unreadable lines (a
/// newer csctl's, a cut line) are skipped.
pub fn read(path: &Path) -> std::io::Result<Vec<Job>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(error),
    };
    let mut jobs: Vec<Job> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for line in text.lines() {
        let Ok(record) = serde_json::from_str::<Record>(line) else {
            continue;
        };
        match record {
            Record::Submitted {
                time,
                run,
                script,
                endpoint,
                command,
                params,
                jobid,
                objectid,
            } => {
                index.insert(jobid.clone(), jobs.len());
                jobs.push(Job {
                    jobid,
                    command,
                    params,
                    run,
                    script,
                    endpoint,
                    time,
                    status: None,
                    objectid,
                    error: None,
                });
            }
            Record::Ended {
                jobid,
                status,
                objectid,
                error,
                ..
            } => {
                if let Some(&at) = index.get(&jobid) {
                    let job = &mut jobs[at];
                    job.status = Some(status);
                    if objectid.is_some() {
                        job.objectid = objectid;
                    }
                    job.error = error;
                }
            }
        }
    }
    Ok(jobs)
}

/// The jobs of the newest run on `endpoint` (optionally of `script`),
/// leaving out the run `except` (the current process).
pub fn last_run<'a>(
    jobs: &'a [Job],
    endpoint: &str,
    script: Option<&str>,
    except: Option<&str>,
) -> Vec<&'a Job> {
    let endpoint = clean_endpoint(endpoint);
    let Some(run) = jobs
        .iter()
        .rev()
        .find(|job| {
            job.endpoint == endpoint
                && Some(job.run.as_str()) != except
                && script.is_none_or(|script| job.script.as_deref() == Some(script))
        })
        .map(|job| job.run.clone())
    else {
        return Vec::new();
    };
    jobs.iter().filter(|job| job.run == run).collect()
}

/// A job as a script sees it (`previous_jobs()`).
pub fn job_json(job: &Job) -> Value {
    serde_json::to_value(job).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_and_user_data_are_never_written_and_long_values_are_cut() {
        let mut params = Params::new();
        params.insert("name", "web").unwrap();
        params.insert("password", "hunter2").unwrap();
        params.insert("userdata", "c2VjcmV0").unwrap();
        params.insert("displaytext", "x".repeat(500)).unwrap();
        let kept = key_params(&params);
        assert_eq!(kept["name"], "web");
        assert_eq!(kept["password"], "<redacted>");
        assert_eq!(kept["userdata"], "<redacted>");
        assert_eq!(kept["displaytext"].chars().count(), MAX_VALUE + 1);
    }

    #[test]
    fn the_journal_folds_ends_into_jobs_prunes_itself_and_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state").join(FILE);
        let journal = Journal::new(
            path.clone(),
            "http://u:p@h:8080/client/api?x=1",
            Some("s.rhai"),
        );
        let mut params = Params::new();
        params.insert("name", "a").unwrap();
        journal.submitted(
            "deployVirtualMachine",
            &params,
            "j1",
            &serde_json::json!({"id": "vm1", "jobid": "j1"}),
        );
        journal.submitted(
            "deployVirtualMachine",
            &params,
            "j2",
            &serde_json::json!({"jobid": "j2"}),
        );
        journal.ended(&JobOutcome::Failed {
            jobid: "j2".into(),
            errorcode: 530,
            errortext: "no capacity".into(),
            job: Value::Null,
        });
        let jobs = read(&path).unwrap();
        assert_eq!(jobs.len(), 2);
        assert_eq!(jobs[0].objectid.as_deref(), Some("vm1"));
        assert_eq!(jobs[0].endpoint, "http://h:8080/client/api");
        assert_eq!(jobs[1].status.as_deref(), Some("failed"));
        assert_eq!(jobs[1].error.as_deref(), Some("no capacity"));
        let last = last_run(&jobs, "http://h:8080/client/api", Some("s.rhai"), None);
        assert_eq!(last.len(), 2);
        assert!(last_run(&jobs, "http://h:8080/client/api", None, Some(journal.run())).is_empty());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        // Past the limit, only the newest lines stay, whole.
        for i in 0..40_000 {
            journal.submitted(
                "deployVirtualMachine",
                &params,
                &format!("k{i}"),
                &Value::Null,
            );
        }
        let size = std::fs::metadata(&path).unwrap().len();
        assert!(size <= MAX_BYTES, "{size}");
        let jobs = read(&path).unwrap();
        assert_eq!(jobs.last().unwrap().jobid, "k39999");
        assert!(jobs.len() > 1000 && jobs.len() < 40_000, "{}", jobs.len());
    }
}

//! Background jobs: loading, importing and writing files on named threads, one job per key,
//! each reporting back over a channel and asking for a repaint when it is done. A job that
//! panics reports as failed, so that its key is free again.

use std::collections::BTreeMap;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, Sender, channel};

use crate::import::Imported;
use crate::store::{Document, Entry};

/// What a finished job hands back to the app.
pub enum JobResult {
    /// A document was read; a run comes with its verification, made on the worker too.
    Opened {
        path: PathBuf,
        /// The document, and the stamp of the bytes it was read from.
        result: Result<(Document, crate::store::Stamp), String>,
        verification: Option<crate::signoff::Report>,
        /// Whose keys made the run's signatures, by signature index, as the user's own keys and
        /// the team keyring above the file judge them; or why that could not be judged.
        trust: Result<Vec<crate::signoff::Trust>, String>,
    },
    Signoff(SignoffJob),
    /// An audit PDF was signed (what was done, in words) or refused.
    PdfSigned {
        path: PathBuf,
        result: Result<String, String>,
    },
    /// A PDF was rendered and written (its page count and font warnings), or held back because
    /// some characters have no font (which the user is asked about).
    PdfExported {
        path: PathBuf,
        paper: crate::pdf::Paper,
        result: Result<Exported, String>,
    },
    Imported {
        source: PathBuf,
        result: Result<(Imported, PathBuf), String>,
    },
    TemplateSaved {
        path: PathBuf,
        result: Result<(), String>,
    },
    MarkdownExported {
        path: PathBuf,
        result: Result<(), String>,
    },
    Library(Vec<Entry>),
    /// The open run's file was read again after someone changed it, and merged with the open
    /// run as it was when the job started; or why not.
    Reloaded {
        path: PathBuf,
        /// None when the file held what the app last wrote.
        result: Result<Option<super::sharing::Reloaded>, String>,
    },
    /// Where the shared folder stands against its git remote.
    GitStatus {
        dir: PathBuf,
        status: crate::sync::SyncStatus,
    },
    /// A sync of the shared folder ended: what it did, or why it could not.
    Synced {
        dir: PathBuf,
        result: Result<crate::sync::SyncReport, String>,
    },
    /// A copy of the run was written for someone else to sign.
    CopySent {
        path: PathBuf,
        result: Result<(), String>,
    },
}

/// What an export did.
pub enum Exported {
    Written {
        pages: usize,
        warnings: Vec<String>,
    },
    /// Not written: these characters have no font here and would print as `[U+XXXX]`.
    MissingGlyphs(Vec<char>),
}

/// What a sign-off job hands back.
#[allow(clippy::large_enum_variant, reason = "one result per job; boxing buys nothing")]
pub enum SignoffJob {
    SignerKeys(Result<Vec<crate::signoff::PublicKeyInfo>, String>),
    KeyUnlocked { draft: Box<crate::ui::command::SignDraft>, result: Result<crate::signoff::UnlockedKey, String> },
    KeyCreated(Result<crate::signoff::PublicKeyInfo, String>),
}

/// The last thing known of a job of one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobState {
    /// Never started.
    Idle,
    Running,
    /// Finished and handed its result over.
    Done,
    /// Panicked; the message says why.
    Failed(String),
}

/// A job that ended: its result, or why it has none.
#[allow(clippy::large_enum_variant, reason = "one per finished job; boxing buys nothing")]
pub enum Finished {
    Done(JobResult),
    /// The job panicked. `key` names it, so the app can undo what waited for it.
    Failed {
        key: String,
        message: String,
    },
}

pub struct Jobs {
    sender: Sender<(String, Result<JobResult, String>)>,
    receiver: Receiver<(String, Result<JobResult, String>)>,
    states: BTreeMap<String, JobState>,
    ctx: egui::Context,
}

impl Jobs {
    pub fn new(ctx: egui::Context) -> Jobs {
        let (sender, receiver) = channel();
        Jobs { sender, receiver, states: BTreeMap::new(), ctx }
    }

    /// Starts `work` on a thread named after `key`, unless a job with that key is running.
    /// Returns whether it started.
    pub fn spawn(&mut self, key: &str, work: impl FnOnce() -> JobResult + Send + 'static) -> Result<bool, String> {
        if self.is_running(key) {
            return Ok(false);
        }
        let sender = self.sender.clone();
        let ctx = self.ctx.clone();
        let name = key.to_string();
        std::thread::Builder::new()
            .name(format!("job: {key}"))
            .spawn(move || {
                // The work owns what it touches; after a panic nothing of it is used again.
                let result = std::panic::catch_unwind(AssertUnwindSafe(work)).map_err(|panic| panic_message(panic.as_ref()));
                // The app may have closed; then nobody needs the result.
                let _ = sender.send((name, result));
                ctx.request_repaint();
            })
            .map_err(|err| format!("cannot start a background job: {err}"))?;
        self.states.insert(key.to_string(), JobState::Running);
        Ok(true)
    }

    pub fn state(&self, key: &str) -> JobState {
        self.states.get(key).cloned().unwrap_or(JobState::Idle)
    }

    pub fn is_running(&self, key: &str) -> bool {
        self.state(key) == JobState::Running
    }

    pub fn any_running(&self) -> bool {
        self.states.values().any(|state| *state == JobState::Running)
    }

    /// Finished jobs, in the order they finished.
    pub fn poll(&mut self) -> Vec<Finished> {
        let mut finished = Vec::new();
        while let Ok((key, result)) = self.receiver.try_recv() {
            match result {
                Ok(result) => {
                    self.states.insert(key, JobState::Done);
                    finished.push(Finished::Done(result));
                }
                Err(message) => {
                    self.states.insert(key.clone(), JobState::Failed(message.clone()));
                    finished.push(Finished::Failed { key, message });
                }
            }
        }
        finished
    }
}

/// The text a panic was raised with, when it has one.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|text| text.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "it stopped with an unexpected error".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[allow(clippy::disallowed_methods, reason = "a test waits for the worker; the app polls once a frame")]
    fn wait_for(jobs: &mut Jobs) -> Vec<Finished> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let finished = jobs.poll();
            if !finished.is_empty() || std::time::Instant::now() > deadline {
                return finished;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }

    #[test]
    fn a_panicking_job_reports_as_failed_and_frees_its_key() {
        let mut jobs = Jobs::new(egui::Context::default());
        assert_eq!(jobs.state("open"), JobState::Idle);
        assert_eq!(jobs.spawn("open", || panic!("the disk vanished")), Ok(true));
        assert!(jobs.is_running("open"));
        // A second job of the same kind is refused while the first runs.
        assert_eq!(jobs.spawn("open", || JobResult::Library(Vec::new())), Ok(false));

        let finished = wait_for(&mut jobs);
        assert!(matches!(finished.as_slice(), [Finished::Failed { key, message }] if key == "open" && message == "the disk vanished"));
        assert_eq!(jobs.state("open"), JobState::Failed("the disk vanished".into()));
        assert!(!jobs.any_running());

        // The key is free again: another job of that kind starts and reports back.
        assert_eq!(jobs.spawn("open", || JobResult::Library(Vec::new())), Ok(true));
        let finished = wait_for(&mut jobs);
        assert!(matches!(finished.as_slice(), [Finished::Done(JobResult::Library(entries))] if entries.is_empty()));
        assert_eq!(jobs.state("open"), JobState::Done);
    }
}

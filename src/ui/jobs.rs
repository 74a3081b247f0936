//! Background jobs: loading, importing and writing files on named threads, one job per key,
//! each reporting back over a channel and asking for a repaint when it is done.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, Sender, channel};

use crate::import::Imported;
use crate::store::{Document, Entry};

/// What a finished job hands back to the app.
pub enum JobResult {
    /// A document was read; a run comes with its verification, made on the worker too.
    Opened {
        path: PathBuf,
        result: Result<Document, String>,
        verification: Option<crate::signoff::Report>,
    },
    SignerKeys(Result<Vec<crate::signoff::PublicKeyInfo>, String>),
    KeyUnlocked {
        draft: Box<crate::ui::command::SignDraft>,
        result: Result<crate::signoff::UnlockedKey, String>,
    },
    KeyCreated(Result<crate::signoff::PublicKeyInfo, String>),
    /// A PDF was rendered and written: its page count and font warnings.
    PdfExported {
        path: PathBuf,
        result: Result<(usize, Vec<String>), String>,
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
}

pub struct Jobs {
    sender: Sender<(String, JobResult)>,
    receiver: Receiver<(String, JobResult)>,
    running: HashSet<String>,
    ctx: egui::Context,
}

impl Jobs {
    pub fn new(ctx: egui::Context) -> Jobs {
        let (sender, receiver) = channel();
        Jobs { sender, receiver, running: HashSet::new(), ctx }
    }

    /// Starts `work` on a thread named after `key`, unless a job with that key is running.
    /// Returns whether it started.
    pub fn spawn(&mut self, key: &str, work: impl FnOnce() -> JobResult + Send + 'static) -> Result<bool, String> {
        if self.running.contains(key) {
            return Ok(false);
        }
        let sender = self.sender.clone();
        let ctx = self.ctx.clone();
        let name = key.to_string();
        std::thread::Builder::new()
            .name(format!("job: {key}"))
            .spawn(move || {
                let result = work();
                // The app may have closed; then nobody needs the result.
                let _ = sender.send((name, result));
                ctx.request_repaint();
            })
            .map_err(|err| format!("cannot start a background job: {err}"))?;
        self.running.insert(key.to_string());
        Ok(true)
    }

    pub fn any_running(&self) -> bool {
        !self.running.is_empty()
    }

    /// Finished jobs, in the order they finished.
    pub fn poll(&mut self) -> Vec<JobResult> {
        let mut done = Vec::new();
        while let Ok((key, result)) = self.receiver.try_recv() {
            self.running.remove(&key);
            done.push(result);
        }
        done
    }
}

//! Saving runs on a worker thread: every change is written atomically within moments, the UI
//! never waits, and a failed save is reported and retried, never dropped.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::{Duration, Instant};

use crate::model::Run;
use crate::store;

/// How long to wait before retrying a failed save.
const RETRY_AFTER: Duration = Duration::from_secs(2);

/// What the title bar says about the open run's file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveState {
    Saved,
    Saving,
    Failed(String),
}

struct Job {
    path: PathBuf,
    run: Box<Run>,
    generation: u64,
}

struct Done {
    path: PathBuf,
    generation: u64,
    result: Result<(), String>,
}

/// The worker and what the UI knows of it.
pub struct Autosave {
    jobs: Sender<Job>,
    results: Receiver<Done>,
    /// Bumped on every change; a save reports which generation it wrote.
    generation: u64,
    saved_generation: u64,
    pub state: SaveState,
    retry: Option<(Instant, PathBuf, Box<Run>)>,
}

impl Autosave {
    /// Starts the worker. `notify` is called after each save so the UI can repaint.
    pub fn start(notify: impl Fn() + Send + 'static) -> Autosave {
        let (jobs, job_rx) = channel::<Job>();
        let (done_tx, results) = channel::<Done>();
        // The autosave thread, not the UI thread, waits for the next save.
        #[allow(clippy::disallowed_methods, reason = "this is the worker thread, which waits for work")]
        let spawned = std::thread::Builder::new().name("autosave".into()).spawn(move || {
            while let Ok(mut job) = job_rx.recv() {
                // Only the newest state of a run matters: skip the ones already superseded.
                while let Ok(newer) = job_rx.try_recv() {
                    job = newer;
                }
                let result = store::save_run(&job.path, &job.run).map_err(|err| err.to_string());
                if done_tx.send(Done { path: job.path, generation: job.generation, result }).is_err() {
                    break;
                }
                notify();
            }
        });
        if let Err(err) = spawned {
            // Without a thread the app cannot save in the background; say so on every change.
            let (jobs, _) = channel();
            let (_, results) = channel();
            return Autosave {
                jobs,
                results,
                generation: 0,
                saved_generation: 0,
                state: SaveState::Failed(format!("cannot start the autosave thread: {err}")),
                retry: None,
            };
        }
        Autosave { jobs, results, generation: 0, saved_generation: 0, state: SaveState::Saved, retry: None }
    }

    /// Queues a save of the run's current state.
    pub fn save(&mut self, path: PathBuf, run: &Run) {
        self.generation += 1;
        self.state = SaveState::Saving;
        self.retry = None;
        let job = Job { path: path.clone(), run: Box::new(run.clone()), generation: self.generation };
        if self.jobs.send(job).is_err() {
            self.state = SaveState::Failed(format!("{}: the autosave thread stopped; use Save (Ctrl+S)", path.display()));
        }
    }

    /// Takes finished saves; returns a new error message to show, if any, and when to look
    /// again for a pending retry.
    pub fn poll(&mut self, current: Option<(&Path, &Run)>) -> (Option<String>, Option<Duration>) {
        let mut error = None;
        while let Ok(done) = self.results.try_recv() {
            match done.result {
                Ok(()) => {
                    self.saved_generation = self.saved_generation.max(done.generation);
                    if self.saved_generation == self.generation {
                        self.state = SaveState::Saved;
                    }
                }
                Err(message) if done.generation == self.generation => {
                    self.state = SaveState::Failed(message.clone());
                    error = Some(format!("Not saved, retrying: {message}"));
                    if let Some((path, run)) = current.filter(|(p, _)| *p == done.path) {
                        self.retry = Some((Instant::now() + RETRY_AFTER, path.to_path_buf(), Box::new(run.clone())));
                    }
                }
                Err(_) => {}
            }
        }
        let mut wake = None;
        if let Some((at, _, _)) = &self.retry {
            let now = Instant::now();
            if *at <= now {
                if let Some((_, path, run)) = self.retry.take() {
                    let generation = self.generation;
                    self.state = SaveState::Saving;
                    let _ = self.jobs.send(Job { path, run, generation });
                }
            } else {
                wake = Some(*at - now);
            }
        }
        (error, wake)
    }

    pub fn is_idle(&self) -> bool {
        self.state == SaveState::Saved
    }
}

//! Saving runs on a worker thread: every change is written atomically within moments, the UI
//! never waits, and a failed save is reported and retried, never dropped. A save never replaces
//! what someone else wrote to the file since the app last read or wrote it: it merges it in
//! (`store::save_run_merging`) and hands the merge back for the app to show.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::{Duration, Instant};

use std::collections::HashMap;

use crate::model::{Run, describe_incoming};
use crate::store::{self, Stamp};

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

enum Message {
    Save(Job),
    /// The open run holds the file's content of this stamp (the app opened or merged it) from
    /// the save of `generation` on; earlier saves still queued may lack it.
    Seen {
        path: PathBuf,
        stamp: Stamp,
        generation: u64,
    },
}

/// What another writer had put in the file, which a save merged in before writing.
pub struct Incoming {
    pub path: PathBuf,
    /// The merged run, as written.
    pub run: Box<Run>,
    /// What came in, in words, and how many conflicts the merge resolved.
    pub summary: String,
    pub conflicts: usize,
    /// The generation of the save that merged it: the open run may have changed since.
    pub generation: u64,
}

struct Done {
    path: PathBuf,
    generation: u64,
    /// The stamp of what was written, and what another writer's content merged in brought.
    result: Result<(Stamp, Option<Incoming>), String>,
}

/// What [`Autosave::poll`] found.
#[derive(Default)]
pub struct Polled {
    /// A new error message to show.
    pub error: Option<String>,
    /// When to look again for a pending retry.
    pub retry_in: Option<Duration>,
    /// Merges that saves made with what others wrote.
    pub incoming: Vec<Incoming>,
    /// The file last written, and the stamp of what was written to it.
    pub written: Option<(PathBuf, Stamp)>,
}

/// The worker and what the UI knows of it.
pub struct Autosave {
    jobs: Sender<Message>,
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
        let (jobs, job_rx) = channel::<Message>();
        let (done_tx, results) = channel::<Done>();
        // The autosave thread, not the UI thread, waits for the next save.
        #[allow(clippy::disallowed_methods, reason = "this is the worker thread, which waits for work")]
        let spawned = std::thread::Builder::new().name("autosave".into()).spawn(move || {
            // What this thread last wrote to each file, or the app last read from it, and the
            // first generation of save that holds it.
            let mut stamps: HashMap<PathBuf, (Stamp, u64)> = HashMap::new();
            while let Ok(first) = job_rx.recv() {
                // Only the newest state of a run matters: skip the ones already superseded.
                let mut pending = None;
                for message in std::iter::once(first).chain(job_rx.try_iter()) {
                    match message {
                        Message::Save(job) => pending = Some(job),
                        Message::Seen { path, stamp, generation } => drop(stamps.insert(path, (stamp, generation))),
                    }
                }
                let Some(job) = pending else { continue };
                let result = save(&job, &mut stamps);
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
        if self.jobs.send(Message::Save(job)).is_err() {
            self.state = SaveState::Failed(format!("{}: the autosave thread stopped; use Save (Ctrl+S)", path.display()));
        }
    }

    /// Tells the worker that the open run holds the file's content of `stamp`, so that the next
    /// save need not read it back to merge.
    pub fn seen(&mut self, path: PathBuf, stamp: Stamp) {
        let _ = self.jobs.send(Message::Seen { path, stamp, generation: self.generation + 1 });
    }

    /// The generation of the newest change queued for saving.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Takes finished saves: errors, pending retries and what saves merged in.
    pub fn poll(&mut self, current: Option<(&Path, &Run)>) -> Polled {
        let mut polled = Polled::default();
        while let Ok(done) = self.results.try_recv() {
            match done.result {
                Ok((stamp, incoming)) => {
                    polled.written = Some((done.path.clone(), stamp));
                    polled.incoming.extend(incoming);
                    self.saved_generation = self.saved_generation.max(done.generation);
                    if self.saved_generation == self.generation {
                        self.state = SaveState::Saved;
                    }
                }
                Err(message) if done.generation == self.generation => {
                    self.state = SaveState::Failed(message.clone());
                    polled.error = Some(format!("Not saved, retrying: {message}"));
                    if let Some((path, run)) = current.filter(|(p, _)| *p == done.path) {
                        self.retry = Some((Instant::now() + RETRY_AFTER, path.to_path_buf(), Box::new(run.clone())));
                    }
                }
                Err(_) => {}
            }
        }
        if let Some((at, _, _)) = &self.retry {
            let now = Instant::now();
            if *at <= now {
                if let Some((_, path, run)) = self.retry.take() {
                    let generation = self.generation;
                    self.state = SaveState::Saving;
                    let _ = self.jobs.send(Message::Save(Job { path, run, generation }));
                }
            } else {
                polled.retry_in = Some(*at - now);
            }
        }
        polled
    }

    pub fn is_idle(&self) -> bool {
        self.state == SaveState::Saved
    }
}

/// Saves one job, merging what another writer put in the file since this thread last saw it.
/// A stamp counts only for saves of its generation or later: a change queued before the app
/// took in the file's content does not hold it, and must merge.
fn save(job: &Job, stamps: &mut HashMap<PathBuf, (Stamp, u64)>) -> Result<(Stamp, Option<Incoming>), String> {
    let seen = stamps.get(&job.path).filter(|(_, from)| job.generation >= *from).map(|(stamp, _)| stamp);
    let saved = store::save_run_merging(&job.path, &job.run, seen).map_err(|err| err.to_string())?;
    let Some(merged) = saved.merged else {
        stamps.insert(job.path.clone(), (saved.stamp.clone(), job.generation));
        return Ok((saved.stamp, None));
    };
    // The file now holds events the app's later changes, already queued, do not: their saves
    // must merge again, so no stamp is kept.
    stamps.remove(&job.path);
    Ok((
        saved.stamp,
        Some(Incoming {
            path: job.path.clone(),
            summary: describe_incoming(&merged.incoming(&job.run)),
            conflicts: merged.conflicts().len(),
            run: Box::new(merged.run),
            generation: job.generation,
        }),
    ))
}

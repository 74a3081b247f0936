//! Several writers of the open run: what others save to its file is merged in (from the
//! watcher, and by every save), copies go out for signature and come back to be merged, and a
//! merge conflict can be settled the other way.

use std::path::{Path, PathBuf};

use super::app::{App, View};
use super::autosave::Incoming;
use super::command::{Command, RunCommand, ShareCommand};
use super::file_chooser::FileRequest;
use super::jobs::JobResult;
use crate::model::{Change, FieldValue, MergeOutcome, Merged, Run, describe_incoming};
use crate::store::{self, Stamp};

/// The open run's file read again and merged with the open run as it was then.
pub struct Reloaded {
    pub stamp: Stamp,
    pub merged: Merged,
    /// What the merge was made against: the open run's event count and newest event then.
    base: (usize, Option<String>),
    /// Whether the open run held events the file did not, so that it must be saved.
    file_behind: bool,
    /// Where it came from, for the notice: the run's own file, or a returned copy.
    from: PathBuf,
}

impl App {
    /// Watches the open run's file; reads and merges it when it changed.
    pub(super) fn take_disk_changes(&mut self) {
        let path = match &self.view {
            View::Run(doc) => Some(doc.path().to_path_buf()),
            _ => None,
        };
        if let Err(err) = self.watcher.watch(path.as_deref()) {
            self.toasts.error(format!("{err}; changes others save to it are merged when the app saves"));
        }
        let changed = self.watcher.take_changed() || std::mem::take(&mut self.reload_again);
        if changed && let Some(path) = path {
            self.read_and_merge(path, false);
        }
    }

    /// Reads `path` on a worker and merges it with a snapshot of the open run. `copy`: a
    /// returned copy rather than the run's own file.
    fn read_and_merge(&mut self, path: PathBuf, copy: bool) {
        let View::Run(doc) = &self.view else { return };
        let ours = doc.run().clone();
        let base = (ours.events.len(), ours.events.last().map(|event| event.hash.clone()));
        let from = path.clone();
        // The app's own last save, which the watcher also reports, is not read back.
        let known = self.own_stamp.as_ref().filter(|(file, _)| !copy && *file == path).map(|(_, stamp)| stamp.clone());
        let work = move || {
            let result = store::load_run_if_changed(&from, known.as_ref()).map_err(|err| err.to_string()).and_then(|read| {
                let Some((theirs, stamp)) = read else { return Ok(None) };
                let merged = Run::merge(&ours, &theirs).map_err(|err| format!("{}: cannot be merged into the open run: {err}", from.display()))?;
                let file_behind = merged.run.events.len() > theirs.events.len();
                Ok(Some(Reloaded { stamp, merged, base, file_behind, from: from.clone() }))
            });
            JobResult::Reloaded { path: if copy { PathBuf::new() } else { from }, result }
        };
        match self.jobs.spawn("merge", work) {
            Ok(true) => {}
            // Read again when the one under way is done: it may have read the file before this change.
            Ok(false) => self.reload_again = !copy,
            Err(err) => self.toasts.error(err),
        }
    }

    /// A read-and-merge finished. `path` is the open run's file, or empty for a returned copy.
    pub(super) fn reloaded(&mut self, path: &Path, result: Result<Option<Reloaded>, String>) {
        let View::Run(doc) = &self.view else { return };
        let own_file = path == doc.path();
        if !own_file && !path.as_os_str().is_empty() {
            return;
        }
        let reloaded = match result {
            Ok(Some(reloaded)) => reloaded,
            // The file is what the app itself last wrote.
            Ok(None) => return,
            Err(err) => {
                self.toasts.error(err);
                return;
            }
        };
        if own_file {
            self.autosave.seen(path.to_path_buf(), reloaded.stamp.clone());
            self.own_stamp = Some((path.to_path_buf(), reloaded.stamp.clone()));
        }
        let from = reloaded.from.display().to_string();
        let incoming = describe_incoming(&reloaded.merged.incoming(doc.run()));
        let conflicts = reloaded.merged.conflicts().len();
        let changed = reloaded.merged.outcome != MergeOutcome::UpToDate;
        match reloaded.merged.outcome {
            MergeOutcome::UpToDate if !own_file => self.toasts.notice(format!("{from} holds nothing the open run does not")),
            MergeOutcome::UpToDate => {}
            MergeOutcome::FastForward { .. } | MergeOutcome::Joined { .. } => {
                let what = if own_file { format!("Merged what was saved to {from}") } else { format!("Merged {from}") };
                self.take_in(reloaded.merged.run, Some(reloaded.base), format!("{what}: {incoming}"), conflicts);
            }
        }
        // The file lacks the open run's own events, or a returned copy brought new ones.
        if (own_file && reloaded.file_behind) || (!own_file && changed) {
            self.save_open_run();
        }
    }

    /// Saves that found the file changed merged it in; the open run takes the merges.
    pub(super) fn saves_merged(&mut self, incoming: Vec<Incoming>) {
        for incoming in incoming {
            let View::Run(doc) = &self.view else { return };
            if doc.path() != incoming.path {
                continue;
            }
            // Unchanged since that save was queued, the open run is the merge's own side.
            let unchanged = incoming.generation == self.autosave.generation();
            let base = unchanged.then(|| (doc.run().events.len(), doc.run().events.last().map(|event| event.hash.clone())));
            let what = format!("{} changed on disk and was merged: {}", incoming.path.display(), incoming.summary);
            self.take_in(*incoming.run, base, what, incoming.conflicts);
        }
    }

    /// Puts a merged run in place of the open one. `base`: the open run's event count and newest
    /// event when the merge was made; when it has changed since (or is not known), the merge is
    /// merged with it again, which adds only what is new.
    fn take_in(&mut self, merged: Run, base: Option<(usize, Option<String>)>, what: String, conflicts: usize) {
        let View::Run(doc) = &mut self.view else { return };
        let current = (doc.run().events.len(), doc.run().events.last().map(|event| event.hash.clone()));
        let run = if base.as_ref() == Some(&current) {
            merged
        } else {
            match Run::merge(doc.run(), &merged) {
                Ok(again) => again.run,
                Err(err) => {
                    self.toasts.error(format!("{what}, but it cannot be taken into the open run: {err}"));
                    return;
                }
            }
        };
        doc.replace_run(run);
        let settle = match conflicts {
            0 => String::new(),
            1 => " · 1 conflict: the later change was kept; see Merge conflicts to choose the other".into(),
            n => format!(" · {n} conflicts: the later changes were kept; see Merge conflicts to choose the others"),
        };
        self.toasts.notice(format!("{what}{settle}"));
    }

    /// The folder a sync shares: the open run's, or else the library's runs folder.
    pub(super) fn shared_folder(&self) -> Option<PathBuf> {
        match &self.view {
            View::Run(doc) => doc.path().parent().map(Path::to_path_buf),
            _ => Some(self.library.runs_dir()),
        }
    }

    /// Asks git on a worker where the shared folder stands, when it changed or was asked for.
    pub(super) fn refresh_git_status(&mut self) {
        let Some(dir) = self.shared_folder() else { return };
        let moved = self.git_status.as_ref().is_none_or(|(known, _)| *known != dir);
        if !(moved || self.git_status_stale) || self.jobs.is_running("git-status") || self.jobs.is_running("sync") {
            return;
        }
        self.git_status_stale = false;
        let _ = self.jobs.spawn("git-status", move || JobResult::GitStatus { status: crate::sync::status(&dir), dir });
    }

    fn sync(&mut self) {
        let Some(dir) = self.shared_folder() else { return };
        if self.autosave.state == super::autosave::SaveState::Saving {
            // The last change is still being written: sync once it is on disk.
            self.deferred.push(Command::Share(ShareCommand::Sync));
            return;
        }
        let author = crate::sync::Author { name: self.actor() };
        let program = self.program.clone();
        let folder = dir.clone();
        self.start_job("sync", move || JobResult::Synced {
            result: crate::sync::sync(&folder, &author, &program).map_err(|err| err.to_string()),
            dir: folder,
        });
    }

    /// A sync ended. What it pulled into the open run's file comes in through the watcher.
    pub(super) fn synced(&mut self, dir: &Path, result: Result<crate::sync::SyncReport, String>) {
        self.git_status_stale = true;
        self.refresh_git_status();
        self.sync_problem = match &result {
            Ok(report) => report.pushed.clone().err(),
            Err(err) => Some(err.clone()),
        };
        match result {
            Ok(report) if report.pushed.is_ok() => self.toasts.notice(format!("Synced {}: {report}", dir.display())),
            // Offline, rejected or no remote: the commit stays, and goes with the next sync.
            Ok(report) => self.toasts.error(format!("Synced {} only in part: {report}", dir.display())),
            Err(err) => self.toasts.error(err),
        }
    }

    fn save_open_run(&mut self) {
        if let View::Run(doc) = &self.view {
            self.autosave.save(doc.path().to_path_buf(), doc.run());
        }
    }

    pub(super) fn apply_share(&mut self, command: ShareCommand) {
        match command {
            ShareCommand::SendCopy => {
                let View::Run(doc) = &self.view else { return };
                let name = doc.path().file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
                let stem = name.strip_suffix(".run.ron").unwrap_or(&name);
                let request = FileRequest::save("Write a copy for signature", format!("{stem}.to-sign.run.ron"), |path| {
                    Command::Share(ShareCommand::SendCopyTo(path))
                });
                let folder = doc.path().parent().map(Path::to_path_buf);
                self.choose_file(match folder {
                    Some(folder) => request.in_folder(&folder),
                    None => request,
                });
            }
            ShareCommand::SendCopyTo(path) => {
                let View::Run(doc) = &self.view else { return };
                if path == doc.path() {
                    self.toasts.error("Choose another file for the copy: this is where the run itself is saved");
                    return;
                }
                let run = doc.run().clone();
                let target = path.clone();
                self.start_job("copy", move || JobResult::CopySent {
                    result: store::save_run_merging(&target, &run, None).map(drop).map_err(|err| err.to_string()),
                    path: target,
                });
            }
            ShareCommand::PickReturnedCopy => {
                let folder = match &self.view {
                    View::Run(doc) => doc.path().parent().map(Path::to_path_buf),
                    _ => None,
                };
                let request = FileRequest::open("Merge a returned copy of this run", |path| Command::Share(ShareCommand::MergeReturnedCopy(path)))
                    .filter("Runs", &["ron"]);
                self.choose_file(match folder {
                    Some(folder) => request.in_folder(&folder),
                    None => request,
                });
            }
            ShareCommand::MergeReturnedCopy(path) => self.read_and_merge(path, true),
            ShareCommand::Sync => self.sync(),
            ShareCommand::UseOtherValue { event } => {
                let View::Run(doc) = &self.view else { return };
                let Some(found) = doc.run().events.iter().find(|e| e.hash == event) else {
                    self.toasts.error("That conflict's change is not in this run any more");
                    return;
                };
                let command = match &found.change {
                    // Choosing the other value is the decision; it is not asked about again.
                    Change::ItemState { item, new, .. } => RunCommand::ReplaceDecision { item: item.clone(), state: new.clone() },
                    Change::ItemNote { item, new, .. } => RunCommand::SetNote { item: item.clone(), note: new.clone() },
                    Change::Field { field, new, .. } => {
                        RunCommand::SetField { field: field.clone(), value: new.clone().unwrap_or(FieldValue::Text(String::new())) }
                    }
                    _ => return,
                };
                self.commands.push(command.into());
            }
        }
    }
}

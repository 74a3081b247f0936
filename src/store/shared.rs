//! Saving a run that others write too: the app, `preflight probe` in a CI job, a `git pull`.
//! A save never replaces content it has not seen. It compares the file with what the writer last
//! read or wrote (a `Stamp`, the SHA-256 of the bytes) just before the atomic rename, and when
//! the file changed it merges the file's run into its own first (`Run::merge`) and writes the
//! merge. Writers on this machine also take a lock for that moment, so two saves cannot both
//! compare before either renames.

use std::fs::File;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::{StoreError, parse_run, read_text, run_ron, write};
use crate::model::{Merged, Run, to_hex};

/// The SHA-256 of a run file's bytes, as a writer read or wrote them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Stamp(String);

impl Stamp {
    pub fn of(bytes: &[u8]) -> Stamp {
        Stamp(to_hex(&Sha256::digest(bytes)))
    }
}

/// What a save did.
#[derive(Debug)]
pub struct Saved {
    /// The file as written.
    pub stamp: Stamp,
    /// When the file held events the run did not: the merge, whose run is what was written.
    pub merged: Option<Merged>,
}

/// Loads a run with the stamp of the bytes it was read from.
pub fn load_run_stamped(path: &Path) -> Result<(Run, Stamp), StoreError> {
    let text = read_text(path, "a run (*.run.ron)")?;
    let run = parse_run(path, &text)?;
    Ok((run, Stamp::of(text.as_bytes())))
}

/// Loads a run unless its bytes are the ones `known` stamps (the writer's own last save, say):
/// then None, without parsing.
pub fn load_run_if_changed(path: &Path, known: Option<&Stamp>) -> Result<Option<(Run, Stamp)>, StoreError> {
    let text = read_text(path, "a run (*.run.ron)")?;
    let stamp = Stamp::of(text.as_bytes());
    if known == Some(&stamp) {
        return Ok(None);
    }
    Ok(Some((parse_run(path, &text)?, stamp)))
}

/// Loads a template or a run (as [`super::load`] does) with the stamp of the bytes it was read
/// from.
pub fn load_stamped(path: &Path) -> Result<(super::Document, Stamp), StoreError> {
    let text = read_text(path, "a checklist template (*.checklist.ron) or a run (*.run.ron)")?;
    let document = super::parse_document(path, &text)?;
    Ok((document, Stamp::of(text.as_bytes())))
}

/// Saves `run` to `path`. When the file is no longer what `seen` stamps (the writer's last read
/// or write of it), the file's run is merged in first and the merge is saved. When the file
/// cannot be merged (it does not read, or it is another run, or a finalised one that cannot take
/// these events), nothing at `path` changes: `run` is written beside it, to the path the error
/// names, so that nothing is lost.
pub fn save_run_merging(path: &Path, run: &Run, seen: Option<&Stamp>) -> Result<Saved, StoreError> {
    let _lock = WriteLock::take(path);
    let on_disk = match std::fs::read(path) {
        Ok(bytes) => Some(bytes),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
        Err(err) => return Err(StoreError::io(path, "read it before saving", err)),
    };
    let changed = on_disk.as_deref().filter(|bytes| seen.is_none_or(|seen| Stamp::of(bytes) != *seen));
    let Some(bytes) = changed else {
        let text = run_ron(path, run)?;
        write(path, &text)?;
        return Ok(Saved { stamp: Stamp::of(text.as_bytes()), merged: None });
    };
    let theirs = std::str::from_utf8(bytes)
        .map_err(|_| "it is not a text file".to_string())
        .and_then(|text| parse_run(path, text).map_err(|err| err.to_string()));
    let merged = theirs.and_then(|theirs| Run::merge(run, &theirs).map_err(|err| format!("the two cannot be merged: {err}")));
    let merged = match merged {
        Ok(merged) => merged,
        Err(reason) => return Err(keep_beside(path, run, reason)),
    };
    let text = run_ron(path, &merged.run)?;
    write(path, &text)?;
    let came_in = !merged.incoming(run).is_empty();
    Ok(Saved { stamp: Stamp::of(text.as_bytes()), merged: came_in.then_some(merged) })
}

/// Writes `run` beside `path` when it cannot go into `path`, and says where.
fn keep_beside(path: &Path, run: &Run, reason: String) -> StoreError {
    let beside = unmerged_path(path);
    let kept = run_ron(&beside, run).and_then(|text| write(&beside, &text));
    match kept {
        Ok(()) => StoreError::ChangedOnDisk { path: path.into(), reason, kept: Some(beside) },
        Err(_) => StoreError::ChangedOnDisk { path: path.into(), reason, kept: None },
    }
}

/// Where a save that cannot merge keeps its run: `NAME.unmerged.run.ron` beside `NAME.run.ron`.
pub fn unmerged_path(path: &Path) -> PathBuf {
    let name = path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
    let stem = name.strip_suffix(".run.ron").unwrap_or(&name);
    path.with_file_name(format!("{stem}.unmerged.run.ron"))
}

/// An exclusive lock, for one save, on a file named after the run's path in the temporary
/// folder: every writer on this machine takes it between comparing and renaming. It is a lock
/// file apart from the run because the rename replaces the run's file, and outside the run's
/// folder so that a runs folder kept in git holds only runs. Taking it is best effort: where the
/// temporary folder is not writable the save goes on without it, still comparing first.
struct WriteLock(Option<File>);

impl WriteLock {
    fn take(path: &Path) -> WriteLock {
        let canonical = path.parent().and_then(|dir| std::fs::canonicalize(dir).ok()).map(|dir| dir.join(path.file_name().unwrap_or_default()));
        let key = to_hex(&Sha256::digest(canonical.unwrap_or_else(|| path.to_path_buf()).to_string_lossy().as_bytes()));
        let dir = std::env::temp_dir().join("preflight-locks");
        let file = std::fs::create_dir_all(&dir)
            .ok()
            .and_then(|()| File::options().create(true).truncate(false).write(true).open(dir.join(format!("{}.lock", &key[..24]))).ok())
            .filter(|file| file.lock().is_ok());
        WriteLock(file)
    }
}

impl Drop for WriteLock {
    fn drop(&mut self) {
        if let Some(file) = &self.0 {
            let _ = file.unlock();
        }
    }
}

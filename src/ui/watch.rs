//! Watching the open run's file, so that what another writer saves to it (`preflight probe` in
//! a CI job, a `git pull`, another window) is merged into the open run at once instead of being
//! overwritten by the next autosave. The watcher calls back on its own thread; the UI learns of a
//! change on its next frame, which the callback asks for.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use notify::{EventKind, RecursiveMode, Watcher};

pub struct RunWatcher {
    watcher: Option<notify::RecommendedWatcher>,
    /// The file watched and its folder (a save replaces the file by renaming another over it, so
    /// the folder is what is watched).
    watched: Option<(PathBuf, PathBuf)>,
    changed: Arc<AtomicBool>,
    notify: Arc<dyn Fn() + Send + Sync>,
}

impl RunWatcher {
    pub fn new(notify: impl Fn() + Send + Sync + 'static) -> RunWatcher {
        RunWatcher { watcher: None, watched: None, changed: Arc::new(AtomicBool::new(false)), notify: Arc::new(notify) }
    }

    /// Watches `path` from now on, instead of what was watched before (None: nothing). Returns
    /// why the file cannot be watched, if it cannot; the app then still merges before each save.
    pub fn watch(&mut self, path: Option<&Path>) -> Result<(), String> {
        if self.watched.as_ref().map(|(file, _)| file.as_path()) == path {
            return Ok(());
        }
        // A watcher per file: its callback, on the watcher's own thread, matches the name it was
        // made with, so nothing is shared with the UI but the flag.
        self.watcher = None;
        self.watched = None;
        self.changed.store(false, Ordering::SeqCst);
        let Some(path) = path else { return Ok(()) };
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = path.file_name().map(ToOwned::to_owned);
        // Remembered first, so that a file that cannot be watched is not tried every frame.
        self.watched = Some((path.to_path_buf(), dir.clone()));
        let mut watcher = self.make_watcher(name)?;
        watcher.watch(&dir, RecursiveMode::NonRecursive).map_err(|err| format!("{}: cannot watch for changes: {err}", dir.display()))?;
        self.watcher = Some(watcher);
        Ok(())
    }

    /// Whether the watched file changed since the last call.
    pub fn take_changed(&self) -> bool {
        self.changed.swap(false, Ordering::SeqCst)
    }

    fn make_watcher(&self, name: Option<OsString>) -> Result<notify::RecommendedWatcher, String> {
        let (changed, notify) = (self.changed.clone(), self.notify.clone());
        notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
            let Ok(event) = event else { return };
            if !matches!(event.kind, EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_)) {
                return;
            }
            if event.paths.iter().any(|path| path.file_name().is_some_and(|file| Some(file) == name.as_deref())) {
                changed.store(true, Ordering::SeqCst);
                notify();
            }
        })
        .map_err(|err| format!("cannot watch files for changes: {err}"))
    }
}

//! Atomic file writes: a crash at any moment leaves either the old file or the new one.

use std::fs::File;
use std::io::{self, Write};
use std::path::Path;
use std::time::{Duration, SystemTime};

/// Writes `bytes` to `path` through a temporary file in the same folder: write, fsync, rename
/// over the target, then fsync the folder so that the rename itself is durable. A file that is
/// replaced keeps its permissions; a new one gets the usual ones (umask applied). Temporary
/// files an interrupted save left behind for the same file are removed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_through_temp(path, bytes, false)
}

/// Like [`write_atomic`], but the file is owner-only (0600) from its first byte, whatever the
/// file it replaces allowed: for signer keys.
pub fn write_atomic_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_through_temp(path, bytes, true)
}

/// How old a leftover temporary file must be before a save removes it: a save in progress in
/// another window is never that slow between creating its temporary file and renaming it.
const STALE_TEMP_AGE: Duration = Duration::from_secs(120);

fn write_through_temp(path: &Path, bytes: &[u8], private: bool) -> io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        return Err(io::Error::new(io::ErrorKind::NotFound, format!("the folder {} does not exist", dir.display())));
    }
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let (prefix, suffix) = (format!(".{name}."), ".tmp");
    remove_stale_temps(dir, &prefix, suffix);
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(suffix);
    let kept = if private { None } else { std::fs::metadata(path).ok().map(|meta| meta.permissions()) };
    #[cfg(unix)]
    if !private && kept.is_none() {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut temp = builder.tempfile_in(dir)?;
    temp.write_all(bytes)?;
    if let Some(permissions) = kept {
        temp.as_file().set_permissions(permissions)?;
    }
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|err| err.error)?;
    sync_dir(dir)
}

/// Removes `PREFIX…SUFFIX` files in `dir` older than [`STALE_TEMP_AGE`]: what a save killed
/// between creating its temporary file and renaming it leaves. Failures are ignored; the save
/// itself does not depend on them.
fn remove_stale_temps(dir: &Path, prefix: &str, suffix: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let now = SystemTime::now();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !(name.starts_with(prefix) && name.ends_with(suffix)) {
            continue;
        }
        let old = entry.metadata().and_then(|meta| meta.modified()).is_ok_and(|at| now.duration_since(at).unwrap_or_default() > STALE_TEMP_AGE);
        if old {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

/// The largest audit PDF that is read: far above any record Preflight writes (a 5,000-item run
/// makes about 1.5 MB), low enough that a hostile file cannot exhaust memory.
pub const MAX_PDF_BYTES: u64 = 256 * 1024 * 1024;

/// Reads an audit PDF whole, refusing one larger than [`MAX_PDF_BYTES`] before reading it. The
/// error says what happened to which file.
pub fn read_pdf(path: &Path) -> Result<Vec<u8>, String> {
    let size = std::fs::metadata(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?.len();
    if size > MAX_PDF_BYTES {
        return Err(format!("{}: {} MB is too large for an audit record (the limit is {} MB)", path.display(), size >> 20, MAX_PDF_BYTES >> 20));
    }
    std::fs::read(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_and_leaves_no_temp_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.run.ron");
        write_atomic(&path, b"old").unwrap();
        write_atomic(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, [std::ffi::OsString::from("a.run.ron")]);
    }

    #[test]
    fn a_missing_folder_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = write_atomic(&dir.path().join("nope/a.ron"), b"x").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
        assert!(err.to_string().contains("does not exist"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn a_replaced_file_keeps_its_mode_and_a_private_one_is_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("shared.run.ron");
        write_atomic(&path, b"one").unwrap();
        let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_ne!(mode(&path), 0o600, "a new file gets the usual permissions, not a temporary file's");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o664)).unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(mode(&path), 0o664);
        write_atomic_private(&path, b"secret").unwrap();
        assert_eq!(mode(&path), 0o600);
    }

    #[test]
    fn temporary_files_an_interrupted_save_left_are_removed_by_the_next_save() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.run.ron");
        let stale = dir.path().join(".a.run.ron.XyZ123.tmp");
        let fresh = dir.path().join(".a.run.ron.AbC456.tmp");
        let other = dir.path().join(".b.run.ron.XyZ123.tmp");
        for file in [&stale, &fresh, &other] {
            std::fs::write(file, b"partial").unwrap();
        }
        let long_ago = SystemTime::now() - Duration::from_secs(3600);
        for file in [&stale, &other] {
            std::fs::File::options().write(true).open(file).unwrap().set_modified(long_ago).unwrap();
        }
        write_atomic(&path, b"new").unwrap();
        assert!(!stale.exists(), "an old leftover of this file is removed");
        assert!(fresh.exists(), "a recent one may be another window's save in progress");
        assert!(other.exists(), "another file's leftovers are left to its own saves");
    }
}

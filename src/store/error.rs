//! Store errors: each names the file and, where it can, the line and column.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// A problem in a file, located by line and column (both from 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    pub line: usize,
    pub col: usize,
    pub message: String,
}

impl fmt::Display for Located {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.col, self.message)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    // The cause is part of the message and deliberately not a `source`, so that it prints once.
    #[error("{}: cannot {action}: {cause}", path.display())]
    Io { path: PathBuf, action: &'static str, cause: io::Error },
    #[error("{}:1:1: the file is empty; expected {expected}", path.display())]
    Empty { path: PathBuf, expected: &'static str },
    #[error("{}:{line}:{col}: not a text file (invalid UTF-8 or a NUL byte here); expected {expected}", path.display())]
    NotText { path: PathBuf, line: usize, col: usize, expected: &'static str },
    #[error("{}:{}", path.display(), located)]
    Parse { path: PathBuf, located: Located },
    #[error(
        "{}:{line}:{col}: format_version {found} is newer than this Preflight understands (up to {supported}); \
         update Preflight to open it. The file was not changed.",
        path.display()
    )]
    NewerFormat { path: PathBuf, line: usize, col: usize, found: u32, supported: u32 },
    #[error("{}", problems.iter().map(|p| format!("{}:{p}", path.display())).collect::<Vec<_>>().join("\n"))]
    Invalid { path: PathBuf, problems: Vec<Located> },
    /// The document could not be turned into a file that reads back as itself; nothing was
    /// written and any old file is unchanged.
    #[error("{}: cannot write it: {reason}; the file was not changed", path.display())]
    Unwritable { path: PathBuf, reason: String },
    #[error("{}: refusing to overwrite an existing file; choose another name or remove it first", path.display())]
    Exists { path: PathBuf },
    /// Someone else wrote the run's file since it was read, and what they wrote cannot be merged
    /// with this copy; the file is unchanged, and this copy was written to `kept`.
    #[error("{}: the file changed on disk and was not replaced: {reason}; {}", path.display(), match kept {
        Some(kept) => format!("this copy was saved as {}", kept.display()),
        None => "this copy could not be saved beside it either".to_string(),
    })]
    ChangedOnDisk { path: PathBuf, reason: String, kept: Option<PathBuf> },
}

impl StoreError {
    pub(crate) fn io(path: impl Into<PathBuf>, action: &'static str, source: io::Error) -> Self {
        Self::Io { path: path.into(), action, cause: source }
    }
}

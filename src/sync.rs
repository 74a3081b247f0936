//! Sharing a runs folder through git: the system `git` command (so the user's SSH keys,
//! credential helpers and hooks work) pulls with Preflight as the merge driver for `*.run.ron`,
//! commits what changed under the app's user with a message that names each run and what
//! changed in it, and pushes. Nothing here is undone on failure: a commit that could not be
//! pushed stays, and goes with the next sync.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::model::{Run, describe_incoming};
use crate::store;

/// The line `.gitattributes` needs for git to merge runs with Preflight.
pub const ATTRIBUTES_LINE: &str = "*.run.ron merge=preflight";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyncError {
    #[error("git is not installed or not on PATH ({0}); install git to share runs through a repository")]
    NoGit(String),
    #[error("{}: not in a git repository; clone the team's repository (or `git init` one) and keep the runs there", .0.display())]
    NotARepository(PathBuf),
    #[error("{}: git {action} failed: {detail}", dir.display())]
    Git { dir: PathBuf, action: String, detail: String },
    /// A file that is not a run conflicts; git left it for a person.
    #[error("{}: git could not merge {}; resolve {} with git, then sync again", dir.display(), files.join(", "), if files.len() == 1 { "it" } else { "them" })]
    Conflict { dir: PathBuf, files: Vec<String> },
}

/// Where a folder stands against its remote, for the status bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncStatus {
    /// Not a git working copy (or git is missing): nothing to show.
    NotShared,
    /// A working copy without a remote to share with.
    NoRemote,
    /// Runs changed here and not yet committed, commits to send, commits to receive (as of the
    /// last fetch).
    Tracking { changed: usize, ahead: usize, behind: usize },
    /// A merge is under way and waits for a person (a file that is not a run conflicts).
    Conflict,
}

impl fmt::Display for SyncStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotShared => f.write_str("not shared"),
            Self::NoRemote => f.write_str("git: no remote"),
            Self::Conflict => f.write_str("git: conflict to resolve"),
            Self::Tracking { changed: 0, ahead: 0, behind: 0 } => f.write_str("git: in sync"),
            Self::Tracking { changed, ahead, behind } => {
                let mut parts = Vec::new();
                if *changed > 0 {
                    parts.push(format!("{changed} changed"));
                }
                if *ahead > 0 {
                    parts.push(format!("{ahead} to send"));
                }
                if *behind > 0 {
                    parts.push(format!("{behind} to receive"));
                }
                write!(f, "git: {}", parts.join(", "))
            }
        }
    }
}

/// What a sync did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncReport {
    /// The commit made of this folder's changes: its first line.
    pub committed: Option<String>,
    /// Whether a pull brought anything in, and the runs merged with conflicts.
    pub received: bool,
    pub conflicts: Vec<String>,
    /// Pushed, or why not (no remote, offline, rejected): the commits stay for the next sync.
    pub pushed: Result<bool, String>,
    /// The merge driver was registered by this sync.
    pub set_up: bool,
}

impl fmt::Display for SyncReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if self.set_up {
            parts.push("registered the run merge driver".to_string());
        }
        match &self.committed {
            Some(message) => parts.push(format!("committed \"{message}\"")),
            None => parts.push("nothing to commit".into()),
        }
        if self.received {
            parts.push("received changes".into());
        }
        if !self.conflicts.is_empty() {
            parts.push(format!("merged with conflicts: {}", self.conflicts.join("; ")));
        }
        match &self.pushed {
            Ok(true) => parts.push("pushed".into()),
            Ok(false) => parts.push("nothing to push".into()),
            Err(why) => parts.push(format!("not pushed ({why}); the commit goes with the next sync")),
        }
        f.write_str(&parts.join("; "))
    }
}

/// The person a sync commits as: the app's user, with the e-mail git knows, if any.
#[derive(Debug, Clone)]
pub struct Author {
    pub name: String,
}

/// Runs `git -C dir ARGS` without a terminal to prompt on, so that a missing credential fails
/// instead of waiting for an answer nobody can give.
fn git(dir: &Path, args: &[&str]) -> Result<Output, SyncError> {
    Command::new("git").arg("-C").arg(dir).args(args).env("GIT_TERMINAL_PROMPT", "0").output().map_err(|err| SyncError::NoGit(err.to_string()))
}

/// `git` that must succeed; its standard output.
fn git_ok(dir: &Path, args: &[&str]) -> Result<String, SyncError> {
    let output = git(dir, args)?;
    if !output.status.success() {
        return Err(SyncError::Git { dir: dir.into(), action: args.first().copied().unwrap_or("").into(), detail: detail(&output) });
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

fn detail(output: &Output) -> String {
    let text = String::from_utf8_lossy(&output.stderr);
    let text = if text.trim().is_empty() { String::from_utf8_lossy(&output.stdout) } else { text };
    text.lines().filter(|line| !line.trim().is_empty()).collect::<Vec<_>>().join(" / ")
}

/// The top of the working copy `dir` is in.
fn top_level(dir: &Path) -> Result<PathBuf, SyncError> {
    let output = git(dir, &["rev-parse", "--show-toplevel"])?;
    if !output.status.success() {
        return Err(SyncError::NotARepository(dir.into()));
    }
    Ok(PathBuf::from(String::from_utf8_lossy(&output.stdout).trim()))
}

/// Registers Preflight as the merge driver of runs in the repository `dir` is in: the
/// `.gitattributes` line (written at the top of the working copy, to be committed) and the
/// `merge.preflight.*` settings in the repository's own config. `program` is the `preflight`
/// binary git should run. Returns whether anything had to change.
pub fn setup(dir: &Path, program: &Path) -> Result<bool, SyncError> {
    let top = top_level(dir)?;
    let mut changed = false;
    let attributes = top.join(".gitattributes");
    let text = std::fs::read_to_string(&attributes).unwrap_or_default();
    if !text.lines().any(|line| line.trim() == ATTRIBUTES_LINE) {
        let mut text = text;
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(ATTRIBUTES_LINE);
        text.push('\n');
        store::write_atomic(&attributes, text.as_bytes()).map_err(|err| SyncError::Git {
            dir: top.clone(),
            action: "setup".into(),
            detail: format!("cannot write .gitattributes: {err}"),
        })?;
        changed = true;
    }
    let driver = format!("\"{}\" merge %O %A %B", program.display());
    let current = git(&top, &["config", "--get", "merge.preflight.driver"])?;
    if String::from_utf8_lossy(&current.stdout).trim() != driver {
        git_ok(&top, &["config", "merge.preflight.name", "Preflight run merge (keeps every event of both copies)"])?;
        git_ok(&top, &["config", "merge.preflight.driver", &driver])?;
        changed = true;
    }
    Ok(changed)
}

/// Where `dir` stands against its remote, from what git knows locally (no network).
pub fn status(dir: &Path) -> SyncStatus {
    let Ok(top) = top_level(dir) else { return SyncStatus::NotShared };
    let Ok(text) = git_ok(&top, &["status", "--porcelain=v2", "--branch"]) else { return SyncStatus::NotShared };
    let mut upstream = false;
    let (mut ahead, mut behind, mut changed) = (0, 0, 0);
    for line in text.lines() {
        if let Some(counts) = line.strip_prefix("# branch.ab ") {
            upstream = true;
            for part in counts.split_whitespace() {
                if let Some(n) = part.strip_prefix('+') {
                    ahead = n.parse().unwrap_or(0);
                } else if let Some(n) = part.strip_prefix('-') {
                    behind = n.parse().unwrap_or(0);
                }
            }
        } else if line.starts_with("u ") {
            return SyncStatus::Conflict;
        } else if !line.starts_with('#') && line.contains(".run.ron") {
            changed += 1;
        }
    }
    if !upstream && git_ok(&top, &["remote"]).is_ok_and(|remotes| remotes.trim().is_empty()) {
        return SyncStatus::NoRemote;
    }
    SyncStatus::Tracking { changed, ahead, behind }
}

/// Commits the runs that changed in `dir`, pulls (merging runs with Preflight), and pushes.
pub fn sync(dir: &Path, author: &Author, program: &Path) -> Result<SyncReport, SyncError> {
    let top = top_level(dir)?;
    // Git runs in the top folder, so the runs folder is named absolutely.
    let dir = &std::fs::canonicalize(dir).map_err(|err| SyncError::Git { dir: dir.into(), action: "sync".into(), detail: err.to_string() })?;
    let set_up = setup(&top, program)?;
    let mut report = SyncReport { committed: None, received: false, conflicts: Vec::new(), pushed: Ok(false), set_up };
    if unmerged(&top)?.is_empty() {
        report.committed = commit(&top, dir, author)?;
    } else {
        // A merge that waited for a person: its runs are already merged by the driver.
        finish_merge(&top, author, &mut report)?;
    }
    let remote = git_ok(&top, &["remote"])?.lines().next().map(str::to_string);
    let Some(remote) = remote else {
        report.pushed = Err("no remote is set up".into());
        return Ok(report);
    };
    for attempt in 0..2 {
        if let Err(why) = pull(&top, &remote, author, &mut report)? {
            report.pushed = Err(format!("offline: {why}"));
            return Ok(report);
        }
        let has_upstream = git(&top, &["rev-parse", "--abbrev-ref", "@{upstream}"])?.status.success();
        let args: &[&str] = if has_upstream { &["push", "--porcelain"] } else { &["push", "--porcelain", "-u", &remote, "HEAD"] };
        let output = git(&top, args)?;
        if output.status.success() {
            let text = String::from_utf8_lossy(&output.stdout);
            report.pushed = Ok(!text.contains("[up to date]"));
            return Ok(report);
        }
        let why = detail(&output);
        // Someone pushed between our pull and push: pull again, once.
        let rejected = why.contains("rejected") || why.contains("fetch first") || why.contains("non-fast-forward");
        if !rejected || attempt == 1 {
            report.pushed = Err(why);
            return Ok(report);
        }
    }
    Ok(report)
}

/// Fetches and merges (never rebases, which would rewrite commits others have). The inner
/// error is why the remote could not be reached: not a failure of the sync, which keeps its
/// commit for the next one.
fn pull(top: &Path, remote: &str, author: &Author, report: &mut SyncReport) -> Result<Result<(), String>, SyncError> {
    let branch = git_ok(top, &["branch", "--show-current"])?.trim().to_string();
    let upstream = git(top, &["rev-parse", "--abbrev-ref", "@{upstream}"])?;
    let (fetch_remote, fetch_branch) = match String::from_utf8_lossy(&upstream.stdout).trim().split_once('/') {
        Some((remote, branch)) if upstream.status.success() => (remote.to_string(), branch.to_string()),
        _ => (remote.to_string(), branch),
    };
    let fetched = git(top, &["fetch", &fetch_remote, &fetch_branch])?;
    if !fetched.status.success() {
        let why = detail(&fetched);
        // An empty remote has no branch yet: nothing to receive, and the push creates it.
        let empty = why.contains("couldn't find remote ref") || why.contains("could not find remote ref");
        return Ok(if empty { Ok(()) } else { Err(why) });
    }
    let before = git_ok(top, &["rev-parse", "HEAD"]).unwrap_or_default();
    let merged = git_as(top, author, &["merge", "--no-edit", "FETCH_HEAD"])?;
    if !merged.status.success() {
        if unmerged(top)?.is_empty() {
            return Err(SyncError::Git { dir: top.into(), action: "merge".into(), detail: detail(&merged) });
        }
        finish_merge(top, author, report)?;
    }
    report.received |= git_ok(top, &["rev-parse", "HEAD"]).unwrap_or_default() != before;
    Ok(Ok(()))
}

/// Concludes a merge git stopped for: the runs in it are already merged by the driver (which
/// reported conflicts it resolved); any other conflicted file is left for a person.
fn finish_merge(top: &Path, author: &Author, report: &mut SyncReport) -> Result<(), SyncError> {
    let conflicted = unmerged(top)?;
    let (runs, others): (Vec<String>, Vec<String>) = conflicted.into_iter().partition(|file| file.ends_with(".run.ron"));
    if !others.is_empty() {
        return Err(SyncError::Conflict { dir: top.into(), files: others });
    }
    for file in &runs {
        let path = top.join(file);
        // The driver wrote the merge into the file; a file that does not load as a run is not
        // added, so that nothing broken is committed.
        let run = store::load_run(&path).map_err(|err| SyncError::Conflict { dir: top.into(), files: vec![format!("{file} ({err})")] })?;
        for conflict in run.open_conflicts() {
            report.conflicts.push(format!("{file}: {conflict}"));
        }
        git_ok(top, &["add", "--", file])?;
    }
    git_as(top, author, &["commit", "--no-edit"]).and_then(|output| {
        if output.status.success() { Ok(()) } else { Err(SyncError::Git { dir: top.into(), action: "commit".into(), detail: detail(&output) }) }
    })?;
    report.received = true;
    Ok(())
}

/// Files git lists as unmerged.
fn unmerged(top: &Path) -> Result<Vec<String>, SyncError> {
    Ok(git_ok(top, &["diff", "--name-only", "--diff-filter=U"])?.lines().map(str::to_string).collect())
}

/// Commits the changed runs under `dir` (and `.gitattributes`), with a message naming each run
/// and what changed in it since the last commit. None when nothing changed.
fn commit(top: &Path, dir: &Path, author: &Author) -> Result<Option<String>, SyncError> {
    // Runs only (not a copy a failed save kept beside its run), changed, new or removed.
    let listed =
        git_ok(top, &["ls-files", "--modified", "--others", "--deleted", "--exclude-standard", "--full-name", "--", &dir.to_string_lossy()])?;
    let runs: Vec<&str> = listed.lines().filter(|file| file.ends_with(".run.ron") && !file.ends_with(".unmerged.run.ron")).collect();
    if !runs.is_empty() {
        let mut args = vec!["add", "-A", "--"];
        args.extend(runs.iter().map(|file| file.to_owned()));
        git_ok(top, &args)?;
    }
    if top.join(".gitattributes").exists() {
        git_ok(top, &["add", "--", ".gitattributes"])?;
    }
    let staged = git_ok(top, &["diff", "--cached", "--name-only"])?;
    let files: Vec<&str> = staged.lines().filter(|line| !line.trim().is_empty()).collect();
    if files.is_empty() {
        return Ok(None);
    }
    let lines: Vec<String> = files.iter().filter(|file| file.ends_with(".run.ron")).map(|file| describe_file(top, file)).collect();
    let subject = match lines.as_slice() {
        [] => "Preflight: register the run merge driver".to_string(),
        [one] => format!("Preflight: {one}"),
        many => format!("Preflight: {} runs changed", many.len()),
    };
    let message = if lines.len() > 1 {
        format!("{subject}\n\n{}", lines.iter().map(|l| format!("- {l}")).collect::<Vec<_>>().join("\n"))
    } else {
        subject.clone()
    };
    let output = git_as(top, author, &["commit", "-q", "-m", &message])?;
    if !output.status.success() {
        return Err(SyncError::Git { dir: top.into(), action: "commit".into(), detail: detail(&output) });
    }
    Ok(Some(subject))
}

/// "Go-live 2.4.0 (run 1a2b3c4d): 3 item states from riley; a signature by Dana".
fn describe_file(top: &Path, file: &str) -> String {
    let Ok(now) = store::load_run(&top.join(file)) else { return format!("{file} changed") };
    let before = git(top, &["show", &format!("HEAD:{file}")])
        .ok()
        .filter(|output| output.status.success())
        .and_then(|output| String::from_utf8(output.stdout).ok())
        .and_then(|text| store::parse_run(Path::new(file), &text).ok());
    let name = run_name(&now);
    match before {
        None => format!("{name}: started"),
        Some(before) => {
            let known: std::collections::HashSet<&str> = before.events.iter().map(|event| event.hash.as_str()).collect();
            let new: Vec<&crate::model::Event> = now.events.iter().filter(|event| !known.contains(event.hash.as_str())).collect();
            format!("{name}: {}", describe_incoming(&new))
        }
    }
}

fn run_name(run: &Run) -> String {
    let release = run.fields.get("release-version").or_else(|| run.fields.get("version")).map(|value| format!(" {value}")).unwrap_or_default();
    format!("{}{release} (run {})", run.template.title, run.id.chars().take(8).collect::<String>())
}

/// Runs a git command that may make a commit, as `author` (the committer too when git has no
/// name of its own to use).
fn git_as(top: &Path, author: &Author, args: &[&str]) -> Result<Output, SyncError> {
    let email = git(top, &["config", "user.email"]).ok().map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string()).unwrap_or_default();
    let has_name = git(top, &["config", "user.name"]).is_ok_and(|o| o.status.success());
    let mut command = Command::new("git");
    command.arg("-C").arg(top).args(args).env("GIT_TERMINAL_PROMPT", "0");
    command.env("GIT_AUTHOR_NAME", &author.name).env("GIT_AUTHOR_EMAIL", &email);
    if !has_name {
        command.env("GIT_COMMITTER_NAME", &author.name).env("GIT_COMMITTER_EMAIL", &email);
    }
    command.output().map_err(|err| SyncError::NoGit(err.to_string()))
}

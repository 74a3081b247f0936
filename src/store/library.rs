//! The checklist library: the bundled templates plus the user's templates and runs on disk.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::{DocumentKind, RUN_EXTENSION, StoreError, TEMPLATE_EXTENSION, parse_run, parse_template};
use crate::model::{Run, Template};

/// The checklists shipped inside the binary: file name and RON text.
pub const BUNDLED: &[(&str, &str)] = &[
    ("ai-avatar-website.checklist.ron", include_str!("../../checklists/ai-avatar-website.checklist.ron")),
    ("microservices-platform.checklist.ron", include_str!("../../checklists/microservices-platform.checklist.ron")),
    ("persona-chat-service.checklist.ron", include_str!("../../checklists/persona-chat-service.checklist.ron")),
    ("prismai-platform.checklist.ron", include_str!("../../checklists/prismai-platform.checklist.ron")),
    ("realtime-collab-app.checklist.ron", include_str!("../../checklists/realtime-collab-app.checklist.ron")),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntrySource {
    /// Shipped with the app, by file name.
    Bundled(&'static str),
    File(PathBuf),
}

/// One document in the library, as listed before it is opened.
#[derive(Debug, Clone)]
pub struct Entry {
    pub source: EntrySource,
    pub kind: DocumentKind,
    pub title: String,
    /// For a run: its field values worth showing in a list, such as release and environment.
    pub detail: String,
    pub modified: Option<SystemTime>,
    /// Why the file could not be read, when it could not; such entries are still listed.
    pub error: Option<String>,
    /// For a run: where it stands.
    pub status: Option<RunStatus>,
}

/// Where a run stands, for the library's list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunStatus {
    pub go: bool,
    pub blockers: usize,
    pub is_final: bool,
    /// The newest event: when, and by whom.
    pub last_change: Option<(crate::model::Timestamp, String)>,
}

impl RunStatus {
    /// The run as the app would show it now: an open run's probe evidence ages with the clock.
    fn of(run: &Run) -> RunStatus {
        let verdict = run.live_verdict(crate::model::Timestamp::from_datetime(chrono::Utc::now()));
        RunStatus {
            go: verdict.is_go(),
            blockers: verdict.blockers.len(),
            is_final: run.is_final(),
            last_change: run.events.last().map(|event| (event.at, event.actor.clone())),
        }
    }

    /// "NO-GO (3) · final · changed 2026-12-02 18:33 by Rita Release".
    pub fn line(&self) -> String {
        let mut parts = vec![if self.go { "GO".to_string() } else { format!("NO-GO ({})", self.blockers) }];
        if self.is_final {
            parts.push("final".into());
        }
        if let Some((at, by)) = &self.last_change {
            parts.push(format!("changed {} by {by}", at.as_datetime().format("%Y-%m-%d %H:%M UTC")));
        }
        parts.join(" · ")
    }
}

/// The file name a new run gets: its checklist and the time it started,
/// `release-checklist-20261123-100000.run.ron`.
pub fn run_file_name(run: &Run) -> String {
    format!("{}-{}{RUN_EXTENSION}", run.template.id, run.created_at.as_datetime().format("%Y%m%d-%H%M%S"))
}

/// Where the user's own templates and runs live.
#[derive(Debug, Clone)]
pub struct Library {
    root: PathBuf,
}

impl Library {
    /// The user library in the platform's data folder (`$XDG_DATA_HOME/preflight` on Linux), or
    /// in `$PREFLIGHT_HOME` when that is set.
    pub fn from_env() -> Option<Library> {
        if let Some(home) = std::env::var_os("PREFLIGHT_HOME").filter(|h| !h.is_empty()) {
            return Some(Library::at(PathBuf::from(home)));
        }
        let dirs = directories::ProjectDirs::from("", "", "preflight")?;
        Some(Library::at(dirs.data_dir().to_path_buf()))
    }

    pub fn at(root: PathBuf) -> Library {
        Library { root }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn templates_dir(&self) -> PathBuf {
        self.root.join("templates")
    }

    pub fn runs_dir(&self) -> PathBuf {
        self.root.join("runs")
    }

    /// Where a template of this id is saved in the library.
    pub fn template_path(&self, id: &str) -> PathBuf {
        self.templates_dir().join(format!("{id}{TEMPLATE_EXTENSION}"))
    }

    /// [`Library::template_path`], or with `-2`, `-3`… when that file exists already, so that a
    /// new template never replaces one in the library.
    pub fn unused_template_path(&self, id: &str) -> PathBuf {
        let mut path = self.template_path(id);
        let mut n = 2;
        while path.exists() {
            path = self.template_path(&format!("{id}-{n}"));
            n += 1;
        }
        path
    }

    /// Where a new run is saved in the library: [`run_file_name`] in the runs folder.
    pub fn run_path(&self, run: &Run) -> PathBuf {
        self.runs_dir().join(run_file_name(run))
    }

    /// Creates the templates and runs folders if they are missing.
    pub fn ensure_dirs(&self) -> Result<(), StoreError> {
        for dir in [self.templates_dir(), self.runs_dir()] {
            std::fs::create_dir_all(&dir).map_err(|err| StoreError::io(dir, "create the folder", err))?;
        }
        Ok(())
    }

    /// Bundled templates first (by title), then the user's files, most recently changed first.
    /// A file that cannot be read is listed with its error rather than hidden.
    pub fn list(&self) -> Vec<Entry> {
        let mut bundled: Vec<Entry> = BUNDLED
            .iter()
            .map(|(name, text)| {
                let parsed = parse_template(Path::new(name), text);
                Entry {
                    source: EntrySource::Bundled(name),
                    kind: DocumentKind::Template,
                    title: parsed.as_ref().map(|t| t.title.clone()).unwrap_or_else(|_| name.to_string()),
                    detail: String::new(),
                    modified: None,
                    error: parsed.err().map(|err| err.to_string()),
                    status: None,
                }
            })
            .collect();
        bundled.sort_by(|a, b| a.title.cmp(&b.title));
        let mut files: Vec<Entry> = [self.templates_dir(), self.runs_dir()]
            .iter()
            .flat_map(|dir| std::fs::read_dir(dir).into_iter().flatten().flatten())
            .filter_map(|entry| file_entry(&entry.path()))
            .collect();
        files.sort_by_key(|entry| std::cmp::Reverse(entry.modified));
        bundled.extend(files);
        bundled
    }

    /// Parses a bundled template by file name.
    pub fn bundled_template(name: &str) -> Option<Result<Template, StoreError>> {
        BUNDLED.iter().find(|(n, _)| *n == name).map(|(n, text)| parse_template(Path::new(n), text))
    }
}

fn file_entry(path: &Path) -> Option<Entry> {
    let name = path.file_name()?.to_string_lossy().into_owned();
    let kind = if name.ends_with(TEMPLATE_EXTENSION) {
        DocumentKind::Template
    } else if name.ends_with(RUN_EXTENSION) {
        DocumentKind::Run
    } else {
        return None;
    };
    let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok();
    let mut entry = Entry { source: EntrySource::File(path.into()), kind, title: name, detail: String::new(), modified, error: None, status: None };
    let text = match super::read_text(path, "a checklist document") {
        Ok(text) => text,
        Err(err) => {
            entry.error = Some(err.to_string());
            return Some(entry);
        }
    };
    match kind {
        DocumentKind::Template => match parse_template(path, &text) {
            Ok(template) => entry.title = template.title,
            Err(err) => entry.error = Some(err.to_string()),
        },
        DocumentKind::Run => match parse_run(path, &text) {
            Ok(run) => {
                entry.title = run.template.title.clone();
                entry.detail = run
                    .template
                    .fields
                    .iter()
                    .filter(|field| field.required)
                    .filter_map(|field| run.fields.get(&field.id).map(|value| value.to_string()))
                    .collect::<Vec<_>>()
                    .join(" · ");
                entry.status = Some(RunStatus::of(&run));
            }
            Err(err) => entry.error = Some(err.to_string()),
        },
    }
    Some(entry)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_checklist_parses() {
        for (name, _) in BUNDLED {
            let template = Library::bundled_template(name).unwrap().unwrap();
            assert!(!template.title.is_empty(), "{name}");
        }
    }

    #[test]
    fn a_run_is_listed_with_its_release_verdict_and_last_change() {
        let dir = tempfile::tempdir().unwrap();
        let library = Library::at(dir.path().into());
        library.ensure_dirs().unwrap();
        let at = crate::model::Timestamp::parse("2026-12-02T18:33:00Z").unwrap();
        let values = std::collections::BTreeMap::from([("release".to_string(), crate::model::FieldValue::Text("2.4.0".into()))]);
        let mut run = Run::start(crate::model::test_template(), "r".into(), "Riley", at, values).unwrap();
        run.set_state("a", crate::model::ItemState::Done, "Rita Release", at.plus_minutes(5)).unwrap();
        super::super::save_run(&library.runs_dir().join("r.run.ron"), &run).unwrap();
        let entry = library.list().into_iter().find(|e| e.kind == DocumentKind::Run).unwrap();
        assert_eq!((entry.title.as_str(), entry.detail.as_str()), ("T", "2.4.0"));
        let status = entry.status.unwrap();
        assert_eq!(status.line(), "NO-GO (1) · changed 2026-12-02 18:38 UTC by Rita Release");
    }

    #[test]
    fn lists_user_files_and_unreadable_ones_with_their_error() {
        let dir = tempfile::tempdir().unwrap();
        let library = Library::at(dir.path().into());
        library.ensure_dirs().unwrap();
        std::fs::write(library.templates_dir().join("broken.checklist.ron"), "Template(").unwrap();
        std::fs::write(library.templates_dir().join("ignored.txt"), "x").unwrap();
        let entries = library.list();
        assert_eq!(entries.len(), BUNDLED.len() + 1);
        let broken = entries.last().unwrap();
        assert!(broken.error.as_deref().unwrap().contains("broken.checklist.ron:1:"), "{broken:?}");
    }
}

//! Reading and writing templates and runs as RON, atomically, with located errors; the
//! checklist library; the system's fonts for the PDF; what the desktop offers file dialogs.

mod atomic;
mod desktop;
mod error;
mod fonts;
mod library;
mod shared;

use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::model::{Problem, RUN_FORMAT_VERSION, Run, TEMPLATE_FORMAT_VERSION, Template};

pub use atomic::{MAX_PDF_BYTES, read_pdf, write_atomic, write_atomic_private};
pub use desktop::{DesktopFacts, NativeChooser};
pub use error::{Located, StoreError};
pub use fonts::{FontFile, SystemFonts, face_with_glyph};
pub use library::{BUNDLED, Entry, EntrySource, Library, RunStatus, run_file_name};
pub use shared::{Saved, Stamp, load_run_if_changed, load_run_stamped, load_stamped, save_run_merging, unmerged_path};

pub const TEMPLATE_EXTENSION: &str = ".checklist.ron";
pub const RUN_EXTENSION: &str = ".run.ron";

/// What a file is by its name, before it is read: how the app and the command line decide
/// whether to import it or to open it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// `.md` or `.markdown`: a checklist to import.
    Markdown,
    /// `.ron`: a template or a run.
    Document,
    /// `.pdf`: an audit record, to sign.
    Pdf,
    Other,
}

impl FileKind {
    pub fn of(path: &Path) -> FileKind {
        let name = path.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
        if name.ends_with(".md") || name.ends_with(".markdown") {
            FileKind::Markdown
        } else if name.ends_with(".ron") {
            FileKind::Document
        } else if name.ends_with(".pdf") {
            FileKind::Pdf
        } else {
            FileKind::Other
        }
    }
}

/// Who the user is, as the environment says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvUser {
    /// `$PREFLIGHT_USER`: set for Preflight on purpose.
    Chosen(String),
    /// `$USER`: the login name, a guess at the person.
    Login(String),
}

impl EnvUser {
    /// `$PREFLIGHT_USER`, else `$USER`, trimmed; None when neither holds a name.
    pub fn from_env() -> Option<EnvUser> {
        let var = |name| std::env::var(name).ok().map(|value| value.trim().to_string()).filter(|value| !value.is_empty());
        var("PREFLIGHT_USER").map(EnvUser::Chosen).or_else(|| var("USER").map(EnvUser::Login))
    }

    pub fn name(&self) -> &str {
        match self {
            EnvUser::Chosen(name) | EnvUser::Login(name) => name,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    Template,
    Run,
}

impl DocumentKind {
    fn expected(self) -> &'static str {
        match self {
            Self::Template => "a checklist template (Template(...))",
            Self::Run => "a run (Run(...))",
        }
    }

    fn supported_version(self) -> u32 {
        match self {
            Self::Template => TEMPLATE_FORMAT_VERSION,
            Self::Run => RUN_FORMAT_VERSION,
        }
    }
}

/// A template or a run, as loaded from a file whose kind was not known in advance.
#[derive(Debug, Clone)]
pub enum Document {
    Template(Template),
    Run(Box<Run>),
}

/// Reads a file as text, refusing empty and binary files with a located error.
pub fn read_text(path: &Path, expected: &'static str) -> Result<String, StoreError> {
    let bytes = std::fs::read(path).map_err(|err| StoreError::io(path, "read it", err))?;
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(StoreError::Empty { path: path.into(), expected });
    }
    let text = String::from_utf8(bytes).map_err(|err| {
        let valid = &err.as_bytes()[..err.utf8_error().valid_up_to()];
        let (line, col) = line_col(std::str::from_utf8(valid).unwrap_or_default(), valid.len());
        StoreError::NotText { path: path.into(), line, col, expected }
    })?;
    if let Some(at) = text.find('\0') {
        let (line, col) = line_col(&text, at);
        return Err(StoreError::NotText { path: path.into(), line, col, expected });
    }
    Ok(text.strip_prefix('\u{feff}').map(str::to_string).unwrap_or(text))
}

/// Line and column (from 1, column in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |at| at + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// Where the `n`th occurrence (from 0) of `needle` starts, as line and column.
pub fn locate(text: &str, needle: &str, occurrence: usize) -> Option<(usize, usize)> {
    let (offset, _) = text.match_indices(needle).nth(occurrence)?;
    Some(line_col(text, offset))
}

/// Tells templates from runs by file name, then by the leading struct name.
pub fn kind_of(path: &Path, text: &str) -> Option<DocumentKind> {
    let name = path.file_name()?.to_string_lossy();
    if name.ends_with(TEMPLATE_EXTENSION) {
        return Some(DocumentKind::Template);
    }
    if name.ends_with(RUN_EXTENSION) {
        return Some(DocumentKind::Run);
    }
    let start = text.trim_start_matches(|c: char| c.is_whitespace());
    let start = strip_ron_preamble(start);
    if start.starts_with("Template") {
        Some(DocumentKind::Template)
    } else if start.starts_with("Run") {
        Some(DocumentKind::Run)
    } else {
        None
    }
}

/// Skips `#![enable(...)]` attributes and comments before the value.
fn strip_ron_preamble(mut text: &str) -> &str {
    loop {
        let trimmed = text.trim_start();
        if let Some(rest) = trimmed.strip_prefix("//") {
            text = rest.split_once('\n').map_or("", |(_, after)| after);
        } else if trimmed.starts_with("#!") {
            text = trimmed.split_once(']').map_or("", |(_, after)| after);
        } else {
            return trimmed;
        }
    }
}

/// Refuses a `format_version` newer than this build knows, before parsing the rest: a newer
/// format may hold things this build would drop when saving.
fn check_format_version(path: &Path, text: &str, kind: DocumentKind) -> Result<(), StoreError> {
    let Some(at) = text.find("format_version") else { return Ok(()) };
    let rest = text[at + "format_version".len()..].trim_start();
    let Some(rest) = rest.strip_prefix(':') else { return Ok(()) };
    let digits: String = rest.trim_start().chars().take_while(char::is_ascii_digit).collect();
    let supported = kind.supported_version();
    match digits.parse::<u32>() {
        Ok(found) if found > supported => {
            let (line, col) = line_col(text, at);
            Err(StoreError::NewerFormat { path: path.into(), line, col, found, supported })
        }
        Ok(0) => {
            let (line, col) = line_col(text, at);
            let message = "format_version 0 does not exist; this Preflight writes version 1".to_string();
            Err(StoreError::Parse { path: path.into(), located: Located { line, col, message } })
        }
        _ => Ok(()),
    }
}

fn parse<T: DeserializeOwned>(path: &Path, text: &str, kind: DocumentKind) -> Result<T, StoreError> {
    check_format_version(path, text, kind)?;
    ron::from_str(text).map_err(|err| {
        let message = match err.code {
            ron::Error::ExceededRecursionLimit => format!(
                "nested too deeply; items nest at most {} levels and sections {}",
                crate::model::MAX_ITEM_DEPTH,
                crate::model::MAX_SECTION_DEPTH
            ),
            code => format!("{code}; expected {}", kind.expected()),
        };
        let (line, col) = skip_blanks(text, err.span.start.line.max(1), err.span.start.col.max(1));
        StoreError::Parse { path: path.into(), located: Located { line, col, message } }
    })
}

/// Moves a position forward past spaces and tabs, so that an error points at the offending
/// token rather than the blank before it.
fn skip_blanks(text: &str, line: usize, col: usize) -> (usize, usize) {
    let Some(line_text) = text.lines().nth(line - 1) else { return (line, col) };
    let blanks = line_text.chars().skip(col - 1).take_while(|c| *c == ' ' || *c == '\t').count();
    if col - 1 + blanks < line_text.chars().count() { (line, col + blanks) } else { (line, col) }
}

fn locate_problems(path: &Path, text: &str, problems: Vec<Problem>) -> Result<(), StoreError> {
    if problems.is_empty() {
        return Ok(());
    }
    let problems = problems
        .into_iter()
        .map(|problem| {
            let (line, col) =
                problem.anchor.as_ref().and_then(|(needle, nth)| locate(text, needle, *nth).or_else(|| locate(text, needle, 0))).unwrap_or((1, 1));
            Located { line, col, message: problem.message }
        })
        .collect();
    Err(StoreError::Invalid { path: path.into(), problems })
}

/// Parses template text; `path` is only used in errors.
pub fn parse_template(path: &Path, text: &str) -> Result<Template, StoreError> {
    let template: Template = parse(path, text, DocumentKind::Template)?;
    locate_problems(path, text, template.problems())?;
    Ok(template)
}

/// Parses run text; `path` is only used in errors. Tampering is not an error here (see
/// [`Run::integrity_problems`]): a tampered run must still open so that it can be inspected.
pub fn parse_run(path: &Path, text: &str) -> Result<Run, StoreError> {
    let run: Run = parse(path, text, DocumentKind::Run)?;
    locate_problems(path, text, run.problems())?;
    Ok(run)
}

pub fn load_template(path: &Path) -> Result<Template, StoreError> {
    parse_template(path, &read_text(path, DocumentKind::Template.expected())?)
}

pub fn load_run(path: &Path) -> Result<Run, StoreError> {
    parse_run(path, &read_text(path, DocumentKind::Run.expected())?)
}

/// Loads a template or a run, telling which by name or content.
pub fn load(path: &Path) -> Result<Document, StoreError> {
    let text = read_text(path, "a checklist template (*.checklist.ron) or a run (*.run.ron)")?;
    parse_document(path, &text)
}

/// Parses a template or a run, telling which by name or content.
fn parse_document(path: &Path, text: &str) -> Result<Document, StoreError> {
    let expected = "a checklist template (*.checklist.ron) or a run (*.run.ron)";
    match kind_of(path, text) {
        Some(DocumentKind::Template) => Ok(Document::Template(parse_template(path, text)?)),
        Some(DocumentKind::Run) => Ok(Document::Run(Box::new(parse_run(path, text)?))),
        None => {
            let (line, col) = line_col(text, text.len() - text.trim_start().len());
            let message = format!("expected {expected}");
            Err(StoreError::Parse { path: path.into(), located: Located { line, col, message } })
        }
    }
}

/// Pretty RON with struct names, one field a line: stable and easy to review in a diff.
fn to_ron<T: Serialize>(value: &T) -> Result<String, ron::Error> {
    let config = ron::ser::PrettyConfig::new().struct_names(true).indentor("  ".to_string()).escape_strings(false);
    let mut text = ron::ser::to_string_pretty(value, config)?;
    text.push('\n');
    Ok(text)
}

/// The text a document is saved as, checked before anything is written: it must read back as
/// exactly `value`. `path` names the file in the error.
fn checked_ron<T: Stored>(path: &Path, value: &T) -> Result<String, StoreError> {
    let unwritable = |reason: String| StoreError::Unwritable { path: path.into(), reason };
    let text = to_ron(value).map_err(|err| unwritable(format!("it cannot be written as RON ({err})")))?;
    let back: T = T::parse(path, &text).map_err(|err| unwritable(format!("what would be written does not load back ({err})")))?;
    if back != *value {
        return Err(unwritable("what would be written reads back differently".into()));
    }
    Ok(text)
}

/// A template's file text, checked to read back equal.
pub fn template_ron(path: &Path, template: &Template) -> Result<String, StoreError> {
    checked_ron(path, template)
}

/// A run's file text, checked to read back equal.
pub fn run_ron(path: &Path, run: &Run) -> Result<String, StoreError> {
    checked_ron(path, run)
}

fn write(path: &Path, text: &str) -> Result<(), StoreError> {
    write_atomic(path, text.as_bytes()).map_err(|err| StoreError::io(path, "write it", err))
}

pub fn save_template(path: &Path, template: &Template) -> Result<(), StoreError> {
    write(path, &template_ron(path, template)?)
}

pub fn save_run(path: &Path, run: &Run) -> Result<(), StoreError> {
    write(path, &run_ron(path, run)?)
}

/// Like [`save_template`] or [`save_run`], but refuses to replace an existing file.
pub fn save_new<T: Stored>(path: &Path, value: &T) -> Result<(), StoreError> {
    if path.exists() {
        return Err(StoreError::Exists { path: path.into() });
    }
    write(path, &checked_ron(path, value)?)
}

/// A document the store writes: a template or a run.
pub trait Stored: Serialize + PartialEq + Sized {
    /// Reads the document back as loading it does, structural checks included.
    fn parse(path: &Path, text: &str) -> Result<Self, StoreError>;
}

impl Stored for Template {
    fn parse(path: &Path, text: &str) -> Result<Self, StoreError> {
        parse_template(path, text)
    }
}

impl Stored for Run {
    fn parse(path: &Path, text: &str) -> Result<Self, StoreError> {
        parse_run(path, text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters() {
        let text = "ab\ncdé f";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 3), (2, 1));
        assert_eq!(line_col(text, text.find('f').unwrap()), (2, 5));
        assert_eq!(locate(text, "é", 0), Some((2, 3)));
    }

    #[test]
    fn kind_from_name_or_content() {
        assert_eq!(kind_of(Path::new("x.checklist.ron"), ""), Some(DocumentKind::Template));
        assert_eq!(kind_of(Path::new("x.run.ron"), ""), Some(DocumentKind::Run));
        assert_eq!(kind_of(Path::new("x.ron"), "// c\n#![enable(implicit_some)]\nRun(id: 1)"), Some(DocumentKind::Run));
        assert_eq!(kind_of(Path::new("x.ron"), "(a: 1)"), None);
    }
}

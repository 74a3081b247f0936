//! Commands: what panels ask for. Panels draw and push commands; the app applies them after
//! drawing, so no click handler does I/O or changes a document in the middle of a frame.

use std::path::PathBuf;

use crate::model::{Edit, FieldValue, ItemState};
use crate::store::EntrySource;

use super::prefs::ThemeChoice;
use super::run_doc::Filter;

/// Which reason a dialog asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReasonKind {
    NotApplicable,
    Skip,
}

#[derive(Debug, Clone)]
pub enum Command {
    // The library and documents.
    Open(EntrySource),
    OpenPath(PathBuf),
    PickFileToOpen,
    PickMarkdownToImport,
    ImportMarkdown(PathBuf),
    RefreshLibrary,
    CloseDocument,
    /// Opens the start-run dialog for the template on screen.
    BeginStartRun,
    /// Starts the run with these field values; `save_as` asks where to save it.
    StartRun { values: Vec<(String, FieldValue)>, save_as: bool },
    /// Opens the template on screen in the editor.
    EditTemplate,
    NewTemplate,

    // The open run.
    Select(String),
    /// Moves the selection down (`true`) or up among the items shown.
    MoveSelection(bool),
    /// Selects an item and scrolls it into view (from a blocker in the banner).
    Reveal(String),
    SetState { item: String, state: ItemState },
    AskReason { item: String, kind: ReasonKind },
    SetNote { item: String, note: String },
    SetField { field: String, value: FieldValue },
    SetFilter(Filter),
    ToggleSection(String),
    Undo,
    SaveNow,
    /// Runs the probes of these items (all probed items when empty).
    RunProbes(Vec<String>),
    /// Runs them without asking again (a load probe against a remote host was confirmed).
    RunProbesConfirmed(Vec<String>),
    CancelProbes,
    /// The editor's "Test now": runs a probe that is not in any run yet.
    TestProbe { item: String, spec: crate::probe::ProbeSpec },
    /// A person's state that disagrees with the item's probe, with the reason given.
    OverrideProbe { item: String, state: ItemState, reason: String },

    // The editor.
    ApplyEdit(Edit),
    UndoEdit,
    RedoEdit,
    SaveTemplate { save_as: bool },
    ExportMarkdown,

    // The user and the view.
    SetUserName(String),
    SetTheme(ThemeChoice),
}

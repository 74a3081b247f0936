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
    StartRun {
        values: Vec<(String, FieldValue)>,
        save_as: bool,
    },
    /// Opens the template on screen in the editor.
    EditTemplate,
    NewTemplate,

    // The open run.
    Select(String),
    /// Moves the selection down (`true`) or up among the items shown.
    MoveSelection(bool),
    /// Selects an item and scrolls it into view (from a blocker in the banner).
    Reveal(String),
    SetState {
        item: String,
        state: ItemState,
    },
    AskReason {
        item: String,
        kind: ReasonKind,
    },
    SetNote {
        item: String,
        note: String,
    },
    SetField {
        field: String,
        value: FieldValue,
    },
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
    /// `confirmed`: the user agreed to a load test of another host.
    TestProbe {
        item: String,
        spec: crate::model::ProbeSpec,
        confirmed: bool,
    },
    /// A person's state that disagrees with the item's probe, with the reason given.
    OverrideProbe {
        item: String,
        state: ItemState,
        reason: String,
    },

    // Sign-off.
    /// Opens the signing dialog for a role of the open run.
    BeginSign {
        role: String,
    },
    /// Signs the open run; with a key, its passphrase is checked on a worker first.
    Sign(SignDraft),
    BeginKeygen,
    CreateKey {
        name: String,
        passphrase: Passphrase,
    },
    /// Asks for confirmation, then finalises the open run.
    BeginFinalise,
    Finalise,
    /// Opens the start-run dialog for the open run's checklist, with its field values.
    BeginStartRunFromRun,

    // The audit record.
    /// Asks where to save, then exports the open run as a PDF.
    ExportPdf,
    ExportPdfTo {
        path: PathBuf,
        paper: crate::pdf::Paper,
    },
    /// Opens a file in the system's viewer.
    OpenExternally(PathBuf),
    SetPaper(super::prefs::PaperChoice),

    // The editor.
    ApplyEdit(Edit),
    UndoEdit,
    RedoEdit,
    SaveTemplate {
        save_as: bool,
    },
    ExportMarkdown,

    // The user and the view.
    SetUserName(String),
    SetTheme(ThemeChoice),
}

/// A passphrase on its way to the key store; never printed, not even in debug output.
#[derive(Clone)]
pub struct Passphrase(pub String);

impl std::fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Passphrase(…)")
    }
}

/// What the signing dialog hands over: the request (its time is set when it is signed) and,
/// when a key is used, the key's id and passphrase.
#[derive(Debug, Clone)]
pub struct SignDraft {
    pub request: crate::signoff::SignRequest,
    pub key: Option<(String, Passphrase)>,
    /// The run's id and content hash when the signer opened the dialog.
    pub seen: (String, String),
}

//! Commands: what panels ask for. Panels draw and push commands; the app applies them after
//! drawing, so no click handler does I/O or changes a document in the middle of a frame.
//!
//! [`Command`] groups the verbs by area, each area an enum that its handler matches whole, so a
//! command can never fall through to the wrong handler unnoticed. [`UiCommand`] is what a
//! person can ask for by name: its label, tooltip and keyboard shortcut live here once, and the
//! menus, buttons and the keyboard handler all read them from here.

use std::path::PathBuf;

use egui::KeyboardShortcut;

use crate::model::{Edit, FieldValue, ItemState, ProbeSpec};
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
#[allow(clippy::large_enum_variant, reason = "a few commands a frame; boxing the large ones buys nothing")]
pub enum Command {
    Library(LibraryCommand),
    Run(RunCommand),
    Probe(ProbeCommand),
    Signoff(SignoffCommand),
    Export(ExportCommand),
    Editor(EditorCommand),
    Prefs(PrefsCommand),
    Share(ShareCommand),
}

impl Command {
    /// Whether the command acts on what is typed: text still in a focused box is committed
    /// first (the box gives up the keyboard, commits its edit in the next frame, and the
    /// command runs after it), so that "Test now" tests the condition being typed and saving,
    /// exporting or quitting keeps it.
    /// Whether the command changes the open run's content (and so invalidates every signature
    /// that holds): item states, notes, fields, probe results, overrides.
    pub fn changes_run_content(&self) -> bool {
        matches!(
            self,
            Command::Run(
                RunCommand::SetState { .. }
                    | RunCommand::ReplaceDecision { .. }
                    | RunCommand::SetNote { .. }
                    | RunCommand::SetField { .. }
                    | RunCommand::Undo
                    | RunCommand::Redo
            ) | Command::Probe(ProbeCommand::Run(_) | ProbeCommand::RunConfirmed(_) | ProbeCommand::Override { .. })
        )
    }

    pub fn commits_edits_first(&self) -> bool {
        matches!(
            self,
            Command::Editor(EditorCommand::TestProbe { .. } | EditorCommand::Save { .. })
                | Command::Library(LibraryCommand::StartRun { .. } | LibraryCommand::Quit)
                | Command::Export(ExportCommand::Pdf)
                | Command::Run(RunCommand::SaveNow)
        )
    }
}

/// The library and documents: opening, importing, starting runs, closing.
#[derive(Debug, Clone)]
pub enum LibraryCommand {
    Open(EntrySource),
    OpenPath(PathBuf),
    PickFileToOpen,
    PickMarkdownToImport,
    ImportMarkdown(PathBuf),
    Refresh,
    CloseDocument,
    /// Opens the start-run dialog for the template on screen.
    BeginStartRun,
    /// Starts the run with these field values; `save_as` asks where to save it; `in_progress`
    /// marks done the items ticked in the template's Markdown.
    StartRun {
        values: Vec<(String, FieldValue)>,
        save_as: bool,
        in_progress: bool,
    },
    /// Saves a run just started where the user chose, and shows it.
    OpenNewRun {
        run: Box<crate::model::Run>,
        path: PathBuf,
    },
    /// Opens the template on screen in the editor.
    EditTemplate,
    NewTemplate,
    /// Closes the window, asking first about unsaved template edits.
    Quit,
}

/// The open run: selection, item states, notes, fields, the view of its items.
#[derive(Debug, Clone)]
pub enum RunCommand {
    Select(String),
    /// Moves the selection down (`true`) or up among the items shown.
    MoveSelection(bool),
    /// Selects an item and scrolls it into view (from a blocker in the banner).
    Reveal(String),
    SetState {
        item: String,
        state: ItemState,
    },
    /// Sets a state over a decision (N/A, skipped, failed) once the user confirmed it.
    ReplaceDecision {
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
    Redo,
    /// Applies a change the user confirmed will invalidate the run's signatures.
    ChangeSignedRun(Box<Command>),
    SaveNow,
    /// Puts the keyboard in the search box on the next frame.
    FocusSearch,
    /// Puts the keyboard in the selected item's note on the next frame.
    FocusNote,
}

/// Probes of the open run.
#[derive(Debug, Clone)]
pub enum ProbeCommand {
    /// Runs the probes of these items (all probed items when empty).
    Run(Vec<String>),
    /// Runs them without asking again (a load probe against a remote host was confirmed).
    RunConfirmed(Vec<String>),
    Cancel,
    /// A person's state that disagrees with the item's probe, with the reason given.
    Override {
        item: String,
        state: ItemState,
        reason: String,
    },
}

/// Signing, keys and finalising.
#[derive(Debug, Clone)]
pub enum SignoffCommand {
    /// Opens the signing dialog for a role of the open run.
    BeginSign {
        role: String,
    },
    /// Signs the open run; with a key, its passphrase is checked on a worker first.
    Sign(Box<SignDraft>),
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
}

/// The audit record.
#[derive(Debug, Clone)]
pub enum ExportCommand {
    /// Asks where to save, then exports the open run as a PDF.
    Pdf,
    /// Renders and writes the record; `allow_missing_glyphs`: the user agreed to write it with
    /// characters no font has printed as `[U+XXXX]`.
    PdfTo {
        path: PathBuf,
        paper: crate::pdf::Paper,
        allow_missing_glyphs: bool,
    },
    /// Opens a file in the system's viewer.
    OpenExternally(PathBuf),
    SetPaper(crate::pdf::Paper),
    /// Asks which audit PDF to sign, then offers to sign it.
    PickPdfToSign,
    /// Opens the dialog that signs this audit PDF.
    BeginSignPdf(PathBuf),
    /// Signs the PDF with the key on a worker: a certification first, approvals after.
    SignPdf {
        path: PathBuf,
        key: String,
        passphrase: Passphrase,
    },
}

/// The template editor.
#[derive(Debug, Clone)]
pub enum EditorCommand {
    Apply(Edit),
    Undo,
    Redo,
    Save {
        save_as: bool,
    },
    /// Writes the template to `path`; `replace` allows an existing file there.
    SaveTo {
        path: PathBuf,
        replace: bool,
    },
    ExportMarkdown,
    ExportMarkdownTo(PathBuf),
    /// "Test now": runs a probe that is not in any run yet, and shows the result in the editor.
    /// `confirmed`: the user agreed to a load test of another host.
    TestProbe {
        item: String,
        spec: Box<ProbeSpec>,
        confirmed: bool,
    },
}

/// Several people on one run: copies sent for signature and merged back, merge conflicts.
#[derive(Debug, Clone)]
pub enum ShareCommand {
    /// Asks where to write a copy of the open run for someone else to sign.
    SendCopy,
    SendCopyTo(PathBuf),
    /// Asks which returned copy to merge into the open run.
    PickReturnedCopy,
    /// Commits, pulls and pushes the runs folder kept in git.
    Sync,
    MergeReturnedCopy(PathBuf),
    /// Sets what a merge conflict is about to the value the merge did not keep, as a new
    /// change: `event` is the hash of the event that set that value.
    UseOtherValue {
        event: String,
    },
}

/// The user and the look of the app.
#[derive(Debug, Clone)]
pub enum PrefsCommand {
    SetUserName(String),
    SetTheme(ThemeChoice),
}

macro_rules! area {
    ($($area:ident => $variant:ident),* $(,)?) => {
        $(impl From<$area> for Command {
            fn from(command: $area) -> Command {
                Command::$variant(command)
            }
        })*
    };
}

area!(
    LibraryCommand => Library,
    RunCommand => Run,
    ProbeCommand => Probe,
    SignoffCommand => Signoff,
    ExportCommand => Export,
    EditorCommand => Editor,
    PrefsCommand => Prefs,
    ShareCommand => Share,
);

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

/// What a person can ask for by name, from a menu, a button or the keyboard. What each does
/// depends on what is open ([`super::app::App::resolve`]); the item commands act on an item
/// ([`UiCommand::for_item`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UiCommand {
    Open,
    ImportMarkdown,
    NewTemplate,
    ExportPdf,
    SignPdf,
    SendCopy,
    MergeCopy,
    Sync,
    CloseDocument,
    CloseEditor,
    Save,
    SaveAs,
    ExportMarkdown,
    Undo,
    Redo,
    Find,
    StartRun,
    EditTemplate,
    EditCopy,
    NextItem,
    PreviousItem,
    MarkDone,
    MarkFailed,
    MarkNotApplicable,
    Skip,
    ResetToPending,
    EditNote,
    Quit,
}

/// The keyboard shortcuts, named once for [`UiCommand::shortcuts`].
mod keys {
    use egui::{Key, KeyboardShortcut, Modifiers};

    const fn plain(key: Key) -> KeyboardShortcut {
        KeyboardShortcut::new(Modifiers::NONE, key)
    }

    const fn command(key: Key) -> KeyboardShortcut {
        KeyboardShortcut::new(Modifiers::COMMAND, key)
    }

    pub const OPEN: [KeyboardShortcut; 1] = [command(Key::O)];
    pub const EXPORT_PDF: [KeyboardShortcut; 1] = [command(Key::P)];
    pub const SAVE: [KeyboardShortcut; 1] = [command(Key::S)];
    pub const UNDO: [KeyboardShortcut; 1] = [command(Key::Z)];
    pub const REDO: [KeyboardShortcut; 1] = [KeyboardShortcut::new(Modifiers::COMMAND.plus(Modifiers::SHIFT), Key::Z)];
    pub const FIND: [KeyboardShortcut; 1] = [command(Key::F)];
    pub const NEXT: [KeyboardShortcut; 2] = [plain(Key::ArrowDown), plain(Key::J)];
    pub const PREVIOUS: [KeyboardShortcut; 2] = [plain(Key::ArrowUp), plain(Key::K)];
    pub const DONE: [KeyboardShortcut; 1] = [plain(Key::Space)];
    pub const FAILED: [KeyboardShortcut; 1] = [plain(Key::F)];
    pub const NOT_APPLICABLE: [KeyboardShortcut; 1] = [plain(Key::N)];
    pub const SKIP: [KeyboardShortcut; 1] = [plain(Key::S)];
    pub const NOTE: [KeyboardShortcut; 1] = [plain(Key::Enter)];
    pub const QUIT: [KeyboardShortcut; 1] = [command(Key::Q)];
}

impl UiCommand {
    /// Every command, in the order the keyboard handler tries their shortcuts: Redo
    /// (Ctrl+Shift+Z) before Undo (Ctrl+Z), which would otherwise take it.
    pub const ALL: [UiCommand; 28] = [
        UiCommand::Open,
        UiCommand::ImportMarkdown,
        UiCommand::NewTemplate,
        UiCommand::ExportPdf,
        UiCommand::SignPdf,
        UiCommand::SendCopy,
        UiCommand::MergeCopy,
        UiCommand::Sync,
        UiCommand::CloseDocument,
        UiCommand::CloseEditor,
        UiCommand::Save,
        UiCommand::SaveAs,
        UiCommand::ExportMarkdown,
        UiCommand::Redo,
        UiCommand::Undo,
        UiCommand::Find,
        UiCommand::StartRun,
        UiCommand::EditTemplate,
        UiCommand::EditCopy,
        UiCommand::NextItem,
        UiCommand::PreviousItem,
        UiCommand::MarkDone,
        UiCommand::MarkFailed,
        UiCommand::MarkNotApplicable,
        UiCommand::Skip,
        UiCommand::ResetToPending,
        UiCommand::EditNote,
        UiCommand::Quit,
    ];

    pub fn label(self) -> &'static str {
        match self {
            UiCommand::Open => "Open…",
            UiCommand::ImportMarkdown => "Import Markdown…",
            UiCommand::NewTemplate => "New template",
            UiCommand::ExportPdf => "Export PDF…",
            UiCommand::SignPdf => "Sign a PDF record…",
            UiCommand::SendCopy => "Send for signature…",
            UiCommand::MergeCopy => "Merge a returned copy…",
            UiCommand::Sync => "⟳ Sync",
            UiCommand::CloseDocument => "Close document",
            UiCommand::CloseEditor => "Close editor",
            UiCommand::Save => "Save",
            UiCommand::SaveAs => "Save as…",
            UiCommand::ExportMarkdown => "Export Markdown…",
            UiCommand::Undo => "Undo",
            UiCommand::Redo => "Redo",
            UiCommand::Find => "Find",
            UiCommand::StartRun => "▶ Start run…",
            UiCommand::EditTemplate => "Edit",
            UiCommand::EditCopy => "Edit a copy",
            UiCommand::NextItem => "Next item",
            UiCommand::PreviousItem => "Previous item",
            UiCommand::MarkDone => "✔ Done",
            UiCommand::MarkFailed => "✖ Failed",
            UiCommand::MarkNotApplicable => "N/A…",
            UiCommand::Skip => "Skip…",
            UiCommand::ResetToPending => "Reset to pending",
            UiCommand::EditNote => "Edit note",
            UiCommand::Quit => "Quit",
        }
    }

    pub fn tooltip(self) -> &'static str {
        match self {
            UiCommand::Open => "Open a checklist template, a run or a Markdown checklist",
            UiCommand::ImportMarkdown => "Turn a Markdown checklist into a template in the library",
            UiCommand::NewTemplate => "Start an empty checklist template in the editor",
            UiCommand::ExportPdf => "Export the open run as a PDF audit record",
            UiCommand::SignPdf => "Add your PDF signature to an exported audit record: the certification, or your approval",
            UiCommand::SendCopy => "Write a copy of this run for someone to sign on their own machine; merge it back when it returns",
            UiCommand::MergeCopy => "Merge a copy of this run that someone worked on or signed elsewhere: every event of both is kept",
            UiCommand::Sync => "Share the runs folder through its git repository: commit your changes, merge what others pushed, push",
            UiCommand::CloseDocument => "Close what is open and go back to the start page",
            UiCommand::CloseEditor => "Leave the editor; unsaved edits are asked about first",
            UiCommand::Save => "Save the template, or the run now",
            UiCommand::SaveAs => "Save the template under another name",
            UiCommand::ExportMarkdown => "Write the template as a Markdown checklist",
            UiCommand::Undo => "Undo the last change",
            UiCommand::Redo => "Redo the change undone last",
            UiCommand::Find => "Search the run's items",
            UiCommand::StartRun => "Start a run of this checklist for a release",
            UiCommand::EditTemplate => "Open this checklist in the template editor",
            UiCommand::EditCopy => "Edit a copy of this bundled checklist; the bundled one stays as shipped",
            UiCommand::NextItem => "Select the next item",
            UiCommand::PreviousItem => "Select the previous item",
            UiCommand::MarkDone => "Mark done",
            UiCommand::MarkFailed => "Mark failed",
            UiCommand::MarkNotApplicable => "Not applicable, with a reason",
            UiCommand::Skip => "Skip, with a reason",
            UiCommand::ResetToPending => "Set the item back to pending",
            UiCommand::EditNote => "Type a note for the selected item",
            UiCommand::Quit => "Close Preflight; text being typed is kept, and unsaved template edits are asked about",
        }
    }

    /// The keys that ask for the command, the one shown first; none for a command only a
    /// button or menu gives.
    pub fn shortcuts(self) -> &'static [KeyboardShortcut] {
        match self {
            UiCommand::Open => &keys::OPEN,
            UiCommand::ExportPdf => &keys::EXPORT_PDF,
            UiCommand::Save => &keys::SAVE,
            UiCommand::Undo => &keys::UNDO,
            UiCommand::Redo => &keys::REDO,
            UiCommand::Find => &keys::FIND,
            UiCommand::NextItem => &keys::NEXT,
            UiCommand::PreviousItem => &keys::PREVIOUS,
            UiCommand::MarkDone => &keys::DONE,
            UiCommand::MarkFailed => &keys::FAILED,
            UiCommand::MarkNotApplicable => &keys::NOT_APPLICABLE,
            UiCommand::Skip => &keys::SKIP,
            UiCommand::EditNote => &keys::NOTE,
            UiCommand::Quit => &keys::QUIT,
            UiCommand::ImportMarkdown
            | UiCommand::NewTemplate
            | UiCommand::SignPdf
            | UiCommand::SendCopy
            | UiCommand::MergeCopy
            | UiCommand::Sync
            | UiCommand::CloseDocument
            | UiCommand::CloseEditor
            | UiCommand::SaveAs
            | UiCommand::ExportMarkdown
            | UiCommand::StartRun
            | UiCommand::EditTemplate
            | UiCommand::EditCopy
            | UiCommand::ResetToPending => &[],
        }
    }

    /// Whether the shortcut acts while a text box has the keyboard: those with Ctrl do, except
    /// undo and redo, which belong to the text box then; plain keys are typed text.
    pub fn works_while_typing(self) -> bool {
        matches!(self, UiCommand::Open | UiCommand::ExportPdf | UiCommand::Save | UiCommand::Find | UiCommand::Quit)
    }

    /// The tooltip with the first shortcut: "Mark done (Space)".
    pub fn hover_text(self, ctx: &egui::Context) -> String {
        match self.shortcuts().first() {
            Some(shortcut) => format!("{} ({})", self.tooltip(), ctx.format_shortcut(shortcut)),
            None => self.tooltip().to_string(),
        }
    }

    /// What an item command does to `item`; None for the commands that are not about one item.
    pub fn for_item(self, item: &str) -> Option<Command> {
        let item = item.to_string();
        let command = match self {
            UiCommand::MarkDone => RunCommand::SetState { item, state: ItemState::Done },
            UiCommand::MarkFailed => RunCommand::SetState { item, state: ItemState::Failed },
            UiCommand::ResetToPending => RunCommand::SetState { item, state: ItemState::Pending },
            UiCommand::MarkNotApplicable => RunCommand::AskReason { item, kind: ReasonKind::NotApplicable },
            UiCommand::Skip => RunCommand::AskReason { item, kind: ReasonKind::Skip },
            UiCommand::EditNote => RunCommand::FocusNote,
            UiCommand::Open
            | UiCommand::ImportMarkdown
            | UiCommand::NewTemplate
            | UiCommand::ExportPdf
            | UiCommand::SignPdf
            | UiCommand::SendCopy
            | UiCommand::MergeCopy
            | UiCommand::Sync
            | UiCommand::CloseDocument
            | UiCommand::CloseEditor
            | UiCommand::Save
            | UiCommand::SaveAs
            | UiCommand::ExportMarkdown
            | UiCommand::Undo
            | UiCommand::Redo
            | UiCommand::Find
            | UiCommand::StartRun
            | UiCommand::EditTemplate
            | UiCommand::EditCopy
            | UiCommand::NextItem
            | UiCommand::PreviousItem
            | UiCommand::Quit => return None,
        };
        Some(command.into())
    }

    /// A button for the command: its label, its tooltip with the shortcut, disabled when there
    /// is nothing for it to do (`command` is None); a click pushes `command`.
    pub fn button_ui(self, ui: &mut egui::Ui, command: Option<Command>, commands: &mut Vec<Command>) -> egui::Response {
        let hover = self.hover_text(ui.ctx());
        let response = ui.add_enabled(command.is_some(), egui::Button::new(self.label())).on_hover_text(&hover).on_disabled_hover_text(&hover);
        push_on_click(response, command, commands)
    }

    /// A menu entry for the command, with its shortcut beside the label.
    pub fn menu_button_ui(self, ui: &mut egui::Ui, command: Option<Command>, commands: &mut Vec<Command>) -> egui::Response {
        let mut button = egui::Button::new(self.label());
        if let Some(shortcut) = self.shortcuts().first() {
            button = button.shortcut_text(ui.ctx().format_shortcut(shortcut));
        }
        let response = ui.add_enabled(command.is_some(), button).on_hover_text(self.tooltip());
        push_on_click(response, command, commands)
    }
}

fn push_on_click(response: egui::Response, command: Option<Command>, commands: &mut Vec<Command>) -> egui::Response {
    if response.clicked()
        && let Some(command) = command
    {
        commands.push(command);
    }
    response
}

#[cfg(test)]
#[path = "command_tests.rs"]
mod tests;

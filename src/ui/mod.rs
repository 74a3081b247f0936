//! Everything egui: the app window, its panels, dialogs and commands. Nothing outside this
//! module names egui or eframe.

// The UI thread does no file I/O and never waits (clippy.toml lists the calls).
#![warn(clippy::disallowed_methods)]

mod app;
mod apply;
mod autosave;
mod chrome;
mod command;
mod conflicts_panel;
mod detail_panel;
mod dialogs;
mod documents;
mod editor;
mod export;
mod file_chooser;
mod fonts;
mod inline;
mod jobs;
mod library_panel;
mod pdf_signing;
mod prefs;
mod probe_editor;
mod probe_panel;
mod probe_steps;
mod probes;
mod run_doc;
mod run_view;
mod sharing;
mod signature_pad;
mod signing;
mod signoff_panel;
mod style;
mod template_view;
mod toasts;
mod watch;

use std::path::PathBuf;

pub use app::{App, AppConfig, View};
pub use autosave::SaveState;
pub use editor::{EditorDoc, Selection};
pub use prefs::{Prefs, ThemeChoice};
pub use run_doc::{Filter, Row, RunDoc};

/// Opens the window, optionally on a file, and returns when it is closed.
/// The app's icon (`assets/icon/`), for the title bar and the task bar.
fn window_icon() -> egui::IconData {
    // The PNG is part of the source and decodes; an empty icon is the platform's default.
    eframe::icon_data::from_png_bytes(include_bytes!("../../assets/icon/preflight-256.png")).unwrap_or_default()
}

pub fn run(open: Option<PathBuf>) -> anyhow::Result<()> {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Preflight")
            .with_app_id("preflight")
            .with_inner_size([1280.0, 800.0])
            .with_min_inner_size([1024.0, 700.0])
            .with_drag_and_drop(true)
            .with_icon(window_icon()),
        ..Default::default()
    };
    // Read once, before the window opens: what the desktop offers file dialogs.
    let native_chooser = Some(crate::store::DesktopFacts::detect().native_chooser());
    let config = AppConfig { open, native_chooser, ..AppConfig::default() };
    eframe::run_native("Preflight", options, Box::new(|cc| Ok(Box::new(App::new(cc, config)))))
        .map_err(|err| anyhow::anyhow!("cannot open the window: {err}"))
}

//! View preferences kept by eframe between sessions. Documents are never stored here.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// How many recent files the library remembers.
const MAX_RECENT: usize = 10;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ThemeChoice {
    #[default]
    System,
    Light,
    Dark,
}

impl ThemeChoice {
    pub const ALL: [ThemeChoice; 3] = [Self::System, Self::Light, Self::Dark];

    pub fn label(self) -> &'static str {
        match self {
            Self::System => "Follow system",
            Self::Light => "Light",
            Self::Dark => "Dark",
        }
    }

    pub fn preference(self) -> egui::ThemePreference {
        match self {
            Self::System => egui::ThemePreference::System,
            Self::Light => egui::ThemePreference::Light,
            Self::Dark => egui::ThemePreference::Dark,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Prefs {
    /// The actor recorded on every change this user makes.
    pub user_name: String,
    pub theme: ThemeChoice,
    pub paper: crate::pdf::Paper,
    /// Most recent first.
    pub recent: Vec<PathBuf>,
}

impl Prefs {
    pub const STORAGE_KEY: &'static str = "preflight-prefs";

    pub fn remember(&mut self, path: PathBuf) {
        self.recent.retain(|p| p != &path);
        self.recent.insert(0, path);
        self.recent.truncate(MAX_RECENT);
    }
}

//! Colours and symbols for item states and verdicts: they belong to the UI, not the model.

use egui::Color32;

use crate::model::ItemState;

pub fn state_color(state: &ItemState, dark: bool) -> Color32 {
    match (state, dark) {
        (ItemState::Done, false) => Color32::from_rgb(0x1a, 0x7f, 0x37),
        (ItemState::Done, true) => Color32::from_rgb(0x3f, 0xb9, 0x50),
        (ItemState::Failed, false) => Color32::from_rgb(0xcf, 0x22, 0x2e),
        (ItemState::Failed, true) => Color32::from_rgb(0xf8, 0x51, 0x49),
        (ItemState::NotApplicable { .. } | ItemState::Skipped { .. }, false) => Color32::from_rgb(0x9a, 0x67, 0x00),
        (ItemState::NotApplicable { .. } | ItemState::Skipped { .. }, true) => Color32::from_rgb(0xd2, 0x99, 0x22),
        (ItemState::Pending, false) => Color32::from_gray(110),
        (ItemState::Pending, true) => Color32::from_gray(150),
    }
}

/// A short badge shown after an item's text; none for pending and done (the box says it).
pub fn state_badge(state: &ItemState) -> Option<&'static str> {
    match state {
        ItemState::Failed => Some("FAILED"),
        ItemState::NotApplicable { .. } => Some("N/A"),
        ItemState::Skipped { .. } => Some("SKIPPED"),
        ItemState::Pending | ItemState::Done => None,
    }
}

pub fn go_color(go: bool, dark: bool) -> Color32 {
    match (go, dark) {
        (true, false) => Color32::from_rgb(0x1a, 0x7f, 0x37),
        (true, true) => Color32::from_rgb(0x23, 0x86, 0x36),
        (false, false) => Color32::from_rgb(0xcf, 0x22, 0x2e),
        (false, true) => Color32::from_rgb(0xb6, 0x23, 0x24),
    }
}

/// The width a side panel starts at: a share of the window, at most `widest`, so that a
/// 1024-point window keeps a middle column wide enough for the run's controls. Dragging the
/// panel's edge changes it from there.
pub fn side_panel_width(ctx: &egui::Context, share: f32, widest: f32) -> f32 {
    side_panel_max(ctx, share).min(widest)
}

/// The widest a side panel may be: its share of the window, so that when the window narrows
/// the side panels give way and the middle column keeps its controls in view.
pub fn side_panel_max(ctx: &egui::Context, share: f32) -> f32 {
    (ctx.content_rect().width() * share).max(180.0)
}

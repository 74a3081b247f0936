//! Fonts: egui's defaults first, then DejaVu Sans (bundled in `assets/fonts`) for the arrows,
//! symbols, Greek and Cyrillic that the defaults lack.

use std::sync::Arc;

use egui::{FontData, FontDefinitions, FontFamily};

const DEJAVU_SANS: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

pub fn install(ctx: &egui::Context) {
    let mut fonts = FontDefinitions::default();
    fonts.font_data.insert("DejaVuSans".into(), Arc::new(FontData::from_static(DEJAVU_SANS)));
    for family in [FontFamily::Proportional, FontFamily::Monospace] {
        fonts.families.entry(family).or_default().push("DejaVuSans".into());
    }
    ctx.set_fonts(fonts);
}

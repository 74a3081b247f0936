//! The window at 1024×700, the smallest size Preflight supports: every control of the run view
//! lies whole inside its column (nothing cut off at a panel's edge or the window's), the
//! sign-off buttons included, with a signature shown.

use std::path::Path;

use egui_kittest::kittest::NodeT;

use super::signoff::{acknowledge_no_go, draw_stroke, press_sign};
use super::*;

const SMALLEST: egui::Vec2 = egui::vec2(1024.0, 700.0);

fn small_harness(home: &Path, open: std::path::PathBuf) -> Harness<'static, App> {
    let library = Library::at(home.to_path_buf());
    let keys_dir = Some(home.join("keys"));
    let mut harness = Harness::builder().with_size(SMALLEST).with_max_steps(64).build_eframe(move |cc| {
        let native_chooser = Some(preflight::store::NativeChooser::Available);
        App::new(
            cc,
            AppConfig { library: Some(library), open: Some(open), user_name: Some("Test User".into()), keys_dir, native_chooser, program: None },
        )
    });
    settle(&mut harness);
    harness
}

/// Every labelled control or text whose left edge is in the middle column, and which is not in
/// a scrolled list, must end before the detail panel starts; nothing may leave the window.
fn clipped(harness: &Harness<'static, App>, middle: (f32, f32)) -> Vec<String> {
    let mut clipped = Vec::new();
    for node in harness.query_all(egui_kittest::kittest::By::new().predicate(|_| true)) {
        let Some(_) = node.accesskit_node().bounding_box() else { continue };
        let rect = node.rect();
        let label = node.accesskit_node().label().or_else(|| node.accesskit_node().value()).unwrap_or_default();
        if label.is_empty() || label == "Resize panel" || rect.width() <= 0.0 {
            continue;
        }
        let in_window = rect.max.x <= SMALLEST.x + 0.5 && rect.min.x >= -0.5;
        let in_middle = rect.min.x >= middle.0 && rect.min.x < middle.1;
        if !in_window || (in_middle && rect.max.x > middle.1 + 0.5) {
            clipped.push(format!("{label:?} at {:.0}..{:.0} (middle column ends at {:.0})", rect.min.x, rect.max.x, middle.1));
        }
    }
    clipped
}

#[test]
fn at_1024_by_700_nothing_in_the_run_view_is_cut_off() {
    let home = tempfile::tempdir().unwrap();
    let path = super::signoff::settled_run(home.path());
    let mut harness = small_harness(home.path(), path);
    // Sign one role, so that a drawn signature and its lines are shown beside the others.
    harness.query_all_by_label("Sign…").next().unwrap().click();
    settle(&mut harness);
    draw_stroke(&mut harness, &[(0.1, 0.5), (0.5, 0.3), (0.9, 0.6)]);
    acknowledge_no_go(&mut harness);
    press_sign(&mut harness);
    assert!(!harness.state().has_dialog(), "{:?}", harness.state().errors());
    // The middle column runs from the library's edge to the detail panel's.
    let library_end = harness.get_by_label("Search the library").rect().max.x.max(harness.get_by_label("Library").rect().max.x);
    let detail_start = harness.get_by_label("Note (Enter to edit)").rect().min.x - 8.0;
    let middle = (library_end + 8.0, detail_start);
    assert!(middle.1 - middle.0 > 400.0, "the middle column keeps room for its controls: {middle:?}");
    for control in ["Search (Ctrl+F)", "Sign…", "Finalise run…", "✔ Signed by Test User"] {
        let rect = harness.query_all_by_label(control).next().unwrap_or_else(|| panic!("{control} is shown")).rect();
        assert!(rect.max.x <= middle.1, "{control} ends at {} past the middle column's edge {}", rect.max.x, middle.1);
    }
    let clipped = clipped(&harness, middle);
    assert!(clipped.is_empty(), "cut off at 1024×700:\n{}", clipped.join("\n"));
}

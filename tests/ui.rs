//! The app window, driven like a user would: egui_kittest finds widgets by role and label,
//! clicks, types and presses keys, and the tests assert on the app's state and on the files it
//! writes. The harness's accessibility check stays on: every control must have a label.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test or benchmark fails loudly on what it did not expect")]

use std::path::Path;
use std::time::Duration;

use egui::accesskit::Role;
use egui::{Key, Modifiers};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use preflight::model::{Change, ItemKind, ItemState};
use preflight::store::{self, Library};
use preflight::ui::{App, AppConfig, Selection, View};

const PERSONA: &str = "Persona Chat Service — Production Deployment";

fn harness(home: &Path, open: Option<std::path::PathBuf>) -> Harness<'static, App> {
    harness_with(home, open, preflight::store::NativeChooser::Available)
}

/// A harness whose file dialogs are the system's (`Available`; the tests never open one) or,
/// with `Missing`, the app's own.
fn harness_with(home: &Path, open: Option<std::path::PathBuf>, chooser: preflight::store::NativeChooser) -> Harness<'static, App> {
    let library = Library::at(home.to_path_buf());
    let keys_dir = Some(home.join("keys"));
    let program = Some(env!("CARGO_BIN_EXE_preflight").into());
    let config = AppConfig { library: Some(library), open, user_name: Some("Test User".into()), keys_dir, native_chooser: Some(chooser), program };
    // egui_file, the app's own chooser, leaves its path and file name boxes without an
    // accessible name; everything of Preflight's own is still checked in every other test.
    let check_names = matches!(config.native_chooser, Some(preflight::store::NativeChooser::Available));
    let mut harness = Harness::builder()
        .with_size([1280.0, 900.0])
        .with_max_steps(64)
        .with_accessibility_check(check_names)
        .build_eframe(move |cc| App::new(cc, config));
    settle(&mut harness);
    harness
}

/// Runs frames until background work (loading, saving, unlocking a key) is done. While it runs
/// a spinner may repaint every frame, so this steps frame by frame and only lets the harness
/// run to rest once nothing is busy.
fn settle(harness: &mut Harness<'static, App>) {
    for _ in 0..1000 {
        harness.step();
        if !harness.state().is_busy() {
            harness.run();
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("background work did not finish");
}

fn run_doc<'a>(harness: &'a Harness<'static, App>) -> &'a preflight::ui::RunDoc {
    harness.state().run_doc().expect("a run is open")
}

fn state_of(harness: &Harness<'static, App>, item: &str) -> ItemState {
    run_doc(harness).run().items[item].state.clone()
}

fn type_into(harness: &mut Harness<'static, App>, role: Role, label: &str, text: &str) {
    let input = harness.get_by_role_and_label(role, label);
    input.click();
    harness.run();
    harness.get_by_role_and_label(role, label).type_text(text);
    harness.run();
}

/// Opens the persona checklist and starts a run through the start-run dialog.
fn start_persona_run(harness: &mut Harness<'static, App>) {
    click(harness, PERSONA);
    assert!(matches!(harness.state().view(), View::Template(_)));
    click(harness, "▶ Start run…");
    type_into(harness, Role::TextInput, "Release version *", "3.1.0");
    type_into(harness, Role::TextInput, "Environment *", "production");
    harness.get_by_label("Start run").click();
    settle(harness);
    assert!(harness.state().run_doc().is_some(), "the run did not start: {:?}", harness.state().errors());
}

/// Clicks the one widget with this label and draws frames until any work it started is done.
fn click(harness: &mut Harness<'static, App>, label: &str) {
    harness.get_by_label(label).scroll_to_me();
    harness.run();
    harness.get_by_label(label).click();
    settle(harness);
}

fn click_row(harness: &mut Harness<'static, App>, text: &str) {
    harness.get_by_role_and_label(Role::Button, text).click();
    harness.run();
}

#[test]
fn starting_a_run_needs_its_required_fields() {
    let home = tempfile::tempdir().unwrap();
    let mut harness = harness(home.path(), None);
    click(&mut harness, PERSONA);
    click(&mut harness, "▶ Start run…");
    click(&mut harness, "Start run");
    assert!(harness.query_by_label("Release version is required").is_some());
    assert!(harness.query_by_label("Environment is required").is_some());
    assert!(harness.state().run_doc().is_none(), "a run started without its required fields");

    type_into(&mut harness, Role::TextInput, "Release version *", "3.1.0");
    type_into(&mut harness, Role::TextInput, "Environment *", "production");
    // Enter in the last field starts the run, as the button does.
    harness.key_press(Key::Enter);
    settle(&mut harness);
    let doc = run_doc(&harness);
    assert_eq!(doc.run().fields["release-version"].to_string(), "3.1.0");
    assert_eq!(doc.run().created_by, "Test User");
    assert!(doc.path().starts_with(home.path().join("runs")));
    assert_eq!(store::load_run(doc.path()).unwrap(), *doc.run(), "the new run was saved as it is shown");
}

#[test]
fn marking_items_done_failed_and_not_applicable() {
    let home = tempfile::tempdir().unwrap();
    let mut harness = harness(home.path(), None);
    start_persona_run(&mut harness);
    assert!(harness.query_by_label_contains("NO-GO · 141 blockers").is_some(), "138 checks and 3 roles block at first");

    click_row(&mut harness, "Integration tests passing");
    click(&mut harness, "✔ Done");
    assert_eq!(state_of(&harness, "integration-tests-passing"), ItemState::Done);

    click_row(&mut harness, "Code coverage > 80%");
    click(&mut harness, "✖ Failed");
    assert_eq!(state_of(&harness, "code-coverage-80"), ItemState::Failed);
    assert!(harness.query_by_label_contains("NO-GO · 140 blockers").is_some());
    assert!(harness.query_by_label("failed: Code coverage > 80%").is_some(), "failures are listed first in the banner");

    // N/A needs a reason; an empty one is refused and nothing changes.
    click_row(&mut harness, "Security scan completed");
    click(&mut harness, "N/A…");
    click(&mut harness, "Confirm");
    assert!(harness.query_by_label("A reason is required; it goes into the audit record.").is_some());
    assert_eq!(state_of(&harness, "security-scan-completed"), ItemState::Pending);
    type_into(&mut harness, Role::MultilineTextInput, "Reason (required)", "Scanned in the platform pipeline");
    harness.get_by_label("Confirm").click();
    settle(&mut harness);
    assert_eq!(state_of(&harness, "security-scan-completed"), ItemState::NotApplicable { reason: "Scanned in the platform pipeline".into() });
    assert!(!harness.state().has_dialog());

    // Each change is an event with who did it, and the file on disk has them all.
    let doc = run_doc(&harness);
    assert_eq!(doc.run().events.len(), 4);
    assert!(doc.run().events.iter().skip(1).all(|e| e.actor == "Test User"));
    assert_eq!(store::load_run(doc.path()).unwrap(), *doc.run());
}

#[test]
fn keyboard_moves_the_selection_and_marks_items() {
    let home = tempfile::tempdir().unwrap();
    let mut harness = harness(home.path(), None);
    start_persona_run(&mut harness);
    assert_eq!(run_doc(&harness).selected(), Some("all-unit-tests-passing"));
    harness.key_press(Key::Space);
    harness.run();
    assert_eq!(state_of(&harness, "all-unit-tests-passing"), ItemState::Done);
    harness.key_press(Key::J);
    harness.key_press(Key::ArrowDown);
    harness.run();
    assert_eq!(run_doc(&harness).selected(), Some("code-coverage-80"));
    harness.key_press(Key::F);
    harness.run();
    assert_eq!(state_of(&harness, "code-coverage-80"), ItemState::Failed);
    harness.key_press(Key::K);
    harness.run();
    harness.key_press(Key::S);
    harness.run();
    assert!(harness.state().has_dialog(), "S asks for a reason");
    type_into(&mut harness, Role::MultilineTextInput, "Reason (required)", "Flaky suite, tracked in QA-12");
    harness.key_press_modifiers(Modifiers::COMMAND, Key::Enter);
    harness.run();
    assert_eq!(state_of(&harness, "integration-tests-passing"), ItemState::Skipped { reason: "Flaky suite, tracked in QA-12".into() });

    // Undo is itself a recorded change: the audit trail keeps both.
    let events = run_doc(&harness).run().events.len();
    harness.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    harness.run();
    assert_eq!(state_of(&harness, "integration-tests-passing"), ItemState::Pending);
    let doc = run_doc(&harness);
    assert_eq!(doc.run().events.len(), events + 1);
    assert!(matches!(&doc.run().events.last().unwrap().change, Change::ItemState { old: ItemState::Skipped { .. }, new: ItemState::Pending, .. }));
}

#[test]
fn filter_and_search_narrow_the_list() {
    let home = tempfile::tempdir().unwrap();
    let mut harness = harness(home.path(), None);
    start_persona_run(&mut harness);
    click_row(&mut harness, "Code coverage > 80%");
    harness.key_press(Key::F);
    harness.run();

    harness.get_by_role_and_label(Role::Button, "Failed").click();
    harness.run();
    assert!(harness.query_by_role_and_label(Role::Button, "Code coverage > 80%").is_some());
    assert!(harness.query_by_role_and_label(Role::Button, "All unit tests passing").is_none());

    harness.get_by_role_and_label(Role::Button, "All").click();
    harness.run();
    harness.key_press_modifiers(Modifiers::COMMAND, Key::F);
    harness.run();
    harness.get_by_role_and_label(Role::TextInput, "Search (Ctrl+F)").type_text("redis");
    harness.run();
    assert!(harness.query_by_role_and_label(Role::Button, "Redis deployed and accessible").is_some());
    assert!(harness.query_by_role_and_label(Role::Button, "All unit tests passing").is_none());
}

#[test]
fn a_blocker_in_the_banner_reveals_its_item() {
    let home = tempfile::tempdir().unwrap();
    let mut harness = harness(home.path(), None);
    start_persona_run(&mut harness);
    click_row(&mut harness, "Integration tests passing");
    harness.key_press(Key::F);
    harness.run();
    click_row(&mut harness, "All unit tests passing");
    click(&mut harness, "failed: Integration tests passing");
    assert_eq!(run_doc(&harness).selected(), Some("integration-tests-passing"));
}

#[test]
fn a_saved_run_reopens_with_equal_content() {
    let home = tempfile::tempdir().unwrap();
    let (path, run) = {
        let mut harness = harness(home.path(), None);
        start_persona_run(&mut harness);
        harness.key_press(Key::Space);
        harness.key_press(Key::J);
        harness.key_press(Key::F);
        harness.run();
        harness.key_press(Key::Enter);
        harness.run();
        harness.get_by_role_and_label(Role::MultilineTextInput, "Note (Enter to edit)").type_text("CI run 4411 is red");
        harness.run();
        // Moving on saves the note.
        harness.key_press(Key::Escape);
        harness.run();
        click_row(&mut harness, "All unit tests passing");
        settle(&mut harness);
        let doc = run_doc(&harness);
        assert_eq!(doc.run().items["integration-tests-passing"].note, "CI run 4411 is red");
        (doc.path().to_path_buf(), doc.run().clone())
    };
    let harness = harness(home.path(), Some(path.clone()));
    let reopened = run_doc(&harness);
    assert_eq!(*reopened.run(), run);
    assert_eq!(reopened.run().content_sha256(), run.content_sha256());
    assert_eq!(reopened.path(), path);
}

#[test]
fn opening_a_corrupt_run_shows_the_error_and_leaves_the_file_alone() {
    let home = tempfile::tempdir().unwrap();
    let path = home.path().join("broken.run.ron");
    std::fs::write(&path, "Run(\n  format_version: 1,\n  id: 42,\n").unwrap();
    let harness = harness(home.path(), Some(path.clone()));
    assert!(harness.state().run_doc().is_none());
    let errors = harness.state().errors();
    assert!(errors.iter().any(|e| e.starts_with(&format!("{}:3:", path.display()))), "{errors:?}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "Run(\n  format_version: 1,\n  id: 42,\n");
}

#[test]
fn the_editor_adds_moves_renames_deletes_and_undoes() {
    let home = tempfile::tempdir().unwrap();
    let mut harness = harness(home.path(), None);
    click(&mut harness, PERSONA);
    click(&mut harness, "Edit a copy");
    let editor = |h: &Harness<'static, App>| h.state().editor().expect("the editor is open").template.clone();
    let original = editor(&harness);

    // Open the first section and select its second item.
    click(&mut harness, "Pre-Deployment");
    click(&mut harness, "Code Quality");
    assert_eq!(harness.state().editor().unwrap().selected, Selection::Section("code-quality".into()));
    click(&mut harness, "+ Add item");
    let added = editor(&harness);
    let section = added.find_section("code-quality").unwrap();
    assert_eq!(section.items.last().unwrap().text, "New item");
    assert_eq!(harness.state().editor().unwrap().selected, Selection::Item("new-item".into()));

    // Rename it: the id stays.
    let text_box = harness.get_by_role_and_label(Role::MultilineTextInput, "Item text");
    text_box.click();
    harness.run();
    harness.key_press_modifiers(Modifiers::COMMAND, Key::A);
    harness.get_by_role_and_label(Role::MultilineTextInput, "Item text").type_text("Load test signed off by SRE");
    harness.run();
    click(&mut harness, "Move up");
    let renamed = editor(&harness);
    let items = &renamed.find_section("code-quality").unwrap().items;
    let at = items.len() - 2;
    assert_eq!((items[at].id.as_str(), items[at].text.as_str()), ("new-item", "Load test signed off by SRE"), "renamed, then moved up one");
    assert_eq!(items[at].kind, ItemKind::Check);

    click(&mut harness, "Delete");
    assert_eq!(editor(&harness), original, "deleting what was added gives the original back");

    click(&mut harness, "Undo");
    assert_eq!(editor(&harness), renamed);
    click(&mut harness, "Redo");
    assert_eq!(editor(&harness), original);
    click(&mut harness, "Undo");

    // Save: a bundled checklist's copy goes into the user's templates.
    harness.get_by_label("Save").click();
    settle(&mut harness);
    let saved = home.path().join("templates/persona-chat-service.checklist.ron");
    assert_eq!(store::load_template(&saved).unwrap(), renamed);
    assert!(!harness.state().editor().unwrap().dirty);
}

/// A file dropped on the window, as the platform hands it over.
#[derive(Debug)]
struct Dropped(std::path::PathBuf);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &Path {
        &self.0
    }

    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

#[test]
fn a_dropped_markdown_file_is_imported_into_the_library() {
    let home = tempfile::tempdir().unwrap();
    let source = home.path().join("go-live.md");
    std::fs::write(
        &source,
        "# Go-live\n\n## Checks\n\n- [ ] Health endpoint answers 200\n- [ ] TLS valid for 30 days\n\n## Sign-off\n\n- [ ] QA Lead: ____ Date: ____\n",
    )
    .unwrap();
    let mut harness = harness(home.path(), None);
    harness.input_mut().dropped_files.push(std::sync::Arc::new(Dropped(source)));
    settle(&mut harness);
    let View::Template(doc) = harness.state().view() else { panic!("the import did not open: {:?}", harness.state().errors()) };
    assert_eq!(doc.template.title, "Go-live");
    assert_eq!((doc.template.counts().checks, doc.template.counts().roles), (2, 1));
    let saved = home.path().join("templates/go-live.checklist.ron");
    assert_eq!(store::load_template(&saved).unwrap(), doc.template);
    assert!(harness.state().entries().iter().any(|e| e.title == "Go-live"), "the library lists the new template");
}

#[test]
fn leaving_the_editor_with_unsaved_edits_asks_first() {
    let home = tempfile::tempdir().unwrap();
    let mut harness = harness(home.path(), None);
    click(&mut harness, PERSONA);
    click(&mut harness, "Edit a copy");
    click(&mut harness, "+ Add section");
    assert!(harness.state().editor().unwrap().dirty);

    click(&mut harness, "Close editor");
    assert!(harness.query_by_label("Unsaved changes").is_some());
    click(&mut harness, "Cancel");
    assert!(harness.state().editor().is_some(), "cancel keeps the edits");

    click(&mut harness, "Close editor");
    click(&mut harness, "Discard changes");
    assert!(matches!(harness.state().view(), View::Home));
    assert!(!home.path().join("templates/persona-chat-service.checklist.ron").exists(), "nothing was saved");
}

#[test]
fn a_failed_autosave_is_shown_and_retried() {
    let home = tempfile::tempdir().unwrap();
    let mut harness = harness(home.path(), None);
    start_persona_run(&mut harness);
    let runs = home.path().join("runs");
    std::fs::remove_dir_all(&runs).unwrap();
    harness.key_press(Key::Space);
    settle_until(&mut harness, |app| matches!(app.save_state(), preflight::ui::SaveState::Failed(_)));
    assert!(
        harness.state().errors().iter().any(|e| e.starts_with("Not saved, retrying:") && e.contains("does not exist")),
        "{:?}",
        harness.state().errors()
    );

    // Once the folder is back, the retry writes the change that was never dropped.
    std::fs::create_dir_all(&runs).unwrap();
    settle_until(&mut harness, |app| matches!(app.save_state(), preflight::ui::SaveState::Saved));
    let doc = run_doc(&harness);
    assert_eq!(store::load_run(doc.path()).unwrap().items["all-unit-tests-passing"].state, ItemState::Done);
}

/// Runs frames, in real time, until `done` holds (at most ten seconds).
fn settle_until(harness: &mut Harness<'static, App>, done: impl Fn(&App) -> bool) {
    for _ in 0..1000 {
        harness.step();
        if done(harness.state()) {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("the app did not reach the expected state");
}

#[path = "ui/signoff.rs"]
mod signoff;

#[path = "ui/export.rs"]
mod export;

#[path = "ui/identity.rs"]
mod identity;

#[path = "ui/layout.rs"]
mod layout;

#[path = "ui/edits.rs"]
mod edits;

#[path = "ui/sharing.rs"]
mod sharing;

mod probes {
    use std::collections::BTreeMap;

    use preflight::model::{FieldValue, Run, Timestamp};
    use preflight::model::{ProbeKind, ProbeSpec};

    use super::*;

    /// A one-route HTTP server on 127.0.0.1: `/ok` answers 200, anything else 503.
    pub(super) fn server() -> u16 {
        slow_server(Duration::ZERO)
    }

    /// Like `server`, but every answer comes after `delay`: a probe against it stays running.
    fn slow_server(delay: Duration) -> u16 {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                std::thread::spawn(move || {
                    let mut stream = stream;
                    let mut buffer = [0u8; 2048];
                    let n = stream.read(&mut buffer).unwrap_or(0);
                    let ok = String::from_utf8_lossy(&buffer[..n]).starts_with("GET /ok ");
                    std::thread::sleep(delay);
                    let status = if ok { "200 OK" } else { "503 Service Unavailable" };
                    let _ = stream.write_all(format!("HTTP/1.1 {status}\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok").as_bytes());
                });
            }
        });
        port
    }

    pub(super) fn probed_run(home: &Path, port: u16) -> std::path::PathBuf {
        probed_run_named(home, port, "probed", "1")
    }

    /// A run of the persona checklist with probes on its first two items, saved in the library
    /// as `ID.run.ron`, with `release` as its release version (shown in the library's list).
    fn probed_run_named(home: &Path, port: u16, id: &str, release: &str) -> std::path::PathBuf {
        let mut template = Library::bundled_template("persona-chat-service.checklist.ron").unwrap().unwrap();
        let items = &mut template.sections[0].sections[0].items;
        items[0].probe =
            Some(ProbeSpec { expect: vec!["status == 200".into()], ..ProbeSpec::new(ProbeKind::Http, format!("http://127.0.0.1:{port}/ok")) }.into());
        items[1].probe = Some(
            ProbeSpec { expect: vec!["status == 200".into()], ..ProbeSpec::new(ProbeKind::Http, format!("http://127.0.0.1:{port}/down")) }.into(),
        );
        let values = BTreeMap::from([
            ("release-version".to_string(), FieldValue::Text(release.into())),
            ("environment".to_string(), FieldValue::Text("prod".into())),
        ]);
        let run = Run::start(template, id.into(), "Test User", Timestamp::parse("2026-11-23T10:00:00Z").unwrap(), values).unwrap();
        let path = home.join(format!("runs/{id}.run.ron"));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        store::save_run(&path, &run).unwrap();
        path
    }

    #[test]
    fn a_probe_result_older_than_the_limit_blocks_go_until_it_runs_again() {
        let home = tempfile::tempdir().unwrap();
        let port = server();
        let path = probed_run(home.path(), port);
        let mut run = store::load_run(&path).unwrap();
        let item = "all-unit-tests-passing";
        let two_hours_ago = Timestamp::from_datetime(chrono::Utc::now() - chrono::Duration::minutes(125));
        let result = preflight::model::ProbeResult {
            item: item.into(),
            kind: ProbeKind::Http,
            target: format!("http://127.0.0.1:{port}/ok"),
            state: preflight::model::ProbeState::Pass,
            started_at: two_hours_ago,
            duration_ms: 3,
            attempts: 1,
            conditions: vec![preflight::model::ConditionResult {
                condition: "status == 200".into(),
                seen: "200".into(),
                passed: true,
                warning_only: false,
            }],
            measured: BTreeMap::new(),
            details: BTreeMap::new(),
            certificates: Vec::new(),
            steps: Vec::new(),
            error: None,
        };
        run.record_probe(result, two_hours_ago).unwrap();
        store::save_run(&path, &run).unwrap();

        let mut harness = harness(home.path(), Some(path));
        assert_eq!(state_of(&harness, item), ItemState::Done);
        let taken = two_hours_ago.as_datetime().format("%Y-%m-%d %H:%M UTC");
        let blocker = format!("probe result older than the 60-minute limit (taken {taken}): All unit tests passing");
        let blocker = blocker.as_str();
        assert!(harness.query_by_label(blocker).is_some(), "the banner names the stale evidence");
        click(&mut harness, blocker);
        assert_eq!(harness.state().run_doc().unwrap().selected(), Some(item), "the blocker reveals its item");
        assert!(harness.query_by_label("⚠ This result is older than the checklist's 60-minute limit. Run the probe again.").is_some());
        click(&mut harness, "Run probe");
        settle(&mut harness);
        assert!(harness.query_by_label(blocker).is_none(), "a fresh result clears it");
        assert!(harness.query_by_label_contains("This result is older").is_none());
    }

    #[test]
    fn running_a_probe_updates_the_badge_and_the_panel() {
        let home = tempfile::tempdir().unwrap();
        let port = server();
        let path = probed_run(home.path(), port);
        let mut harness = harness(home.path(), Some(path.clone()));
        assert_eq!(harness.query_all_by_label("probe: not run").count(), 2, "both probed rows show a badge");
        harness.get_by_label("Run probe").click();
        settle(&mut harness);
        assert!(harness.query_by_label_contains("probe pass: status (200) == 200").is_some(), "the row's badge shows the result");
        assert!(harness.query_by_label("✔ status (200) == 200").is_some(), "the panel shows the condition resolved");
        assert_eq!(state_of(&harness, "all-unit-tests-passing"), ItemState::Done);
        assert_eq!(run_doc(&harness).run().items["all-unit-tests-passing"].by.as_deref(), Some("probe"));
        let saved = store::load_run(&path).unwrap();
        assert_eq!(saved.probe_results.len(), 1, "the result is saved as evidence");

        // Run again: the panel lists every result, newest first.
        assert!(harness.query_by_label_contains("Probe history (").is_none(), "one result has no history yet");
        click(&mut harness, "Run probe");
        click(&mut harness, "Probe history (2 results)");
        assert_eq!(harness.query_all_by_label("status (200) == 200").count(), 2, "both results are listed");
    }

    #[test]
    fn run_all_then_override_a_failing_probe_with_a_reason() {
        let home = tempfile::tempdir().unwrap();
        let port = server();
        let path = probed_run(home.path(), port);
        let mut harness = harness(home.path(), Some(path));
        harness.get_by_label("▶ Run all probes (2)").click();
        settle(&mut harness);
        assert_eq!(state_of(&harness, "integration-tests-passing"), ItemState::Failed);
        assert!(harness.query_by_label("1 probe(s) failing").is_some());

        click_row(&mut harness, "Integration tests passing");
        click(&mut harness, "✔ Done");
        assert!(harness.query_by_label("Override the probe?").is_some(), "marking done against a failed probe asks why");
        click(&mut harness, "Override");
        assert!(harness.query_by_label("A reason is required to override a probe.").is_some());
        type_into(&mut harness, Role::MultilineTextInput, "Why mark it done anyway? (required)", "Verified by hand on the canary");
        harness.get_by_label("Override").click();
        settle(&mut harness);
        assert_eq!(state_of(&harness, "integration-tests-passing"), ItemState::Done);
        let events = &run_doc(&harness).run().events;
        assert!(events.iter().any(|e| matches!(&e.change, Change::ProbeOverride { reason, .. } if reason == "Verified by hand on the canary")));
    }

    #[test]
    fn leaving_a_run_cancels_its_probes_and_records_nothing_in_the_next_run() {
        let home = tempfile::tempdir().unwrap();
        let port = slow_server(Duration::from_secs(3));
        let first = probed_run_named(home.path(), port, "run-a", "1.0-first");
        probed_run_named(home.path(), port, "run-b", "2.0-second");
        let mut harness = harness(home.path(), Some(first.clone()));
        harness.get_by_label("Run probe").click();
        harness.step();
        assert!(harness.state().is_busy(), "the probe is running");

        // Open the other run of the same checklist while the probe still waits for its server.
        harness.get_by_label_contains("2.0-second").click();
        settle(&mut harness);
        assert_eq!(run_doc(&harness).run().id, "run-b");
        assert!(run_doc(&harness).run().probe_results.is_empty(), "run A's probe is not evidence in run B");
        assert_eq!(state_of(&harness, "all-unit-tests-passing"), ItemState::Pending);
        assert!(harness.query_by_label_contains("Leaving the run cancelled 1 running probe").is_some(), "the user is told");
        assert!(store::load_run(&first).unwrap().probe_results.is_empty(), "a cancelled probe records nothing in its own run either");
    }

    #[test]
    fn cancelled_probes_record_nothing() {
        let home = tempfile::tempdir().unwrap();
        let port = slow_server(Duration::from_secs(3));
        let path = probed_run_named(home.path(), port, "run-c", "3.0");
        let mut harness = harness(home.path(), Some(path.clone()));
        harness.get_by_label("▶ Run all probes (2)").click();
        harness.step();
        harness.step();
        harness.get_by_label("Cancel probes").click();
        settle(&mut harness);
        assert!(run_doc(&harness).run().probe_results.is_empty(), "a cancellation is not evidence");
        assert_eq!(state_of(&harness, "all-unit-tests-passing"), ItemState::Pending);
        assert!(harness.query_by_label_contains("Cancelled 2 probes; nothing is recorded for them.").is_some());

        // Marked done by hand afterwards: no probe verdict to override, so no reason is asked.
        click_row(&mut harness, "All unit tests passing");
        click(&mut harness, "✔ Done");
        assert!(!harness.state().has_dialog());
        assert_eq!(state_of(&harness, "all-unit-tests-passing"), ItemState::Done);
    }

    #[test]
    fn test_now_asks_before_a_load_test_of_another_host() {
        let home = tempfile::tempdir().unwrap();
        let mut template = Library::bundled_template("persona-chat-service.checklist.ron").unwrap().unwrap();
        let item = &mut template.sections[0].sections[0].items[0];
        let text = item.text.clone();
        // Never sent: the test cancels at the question. 192.0.2.0/24 is TEST-NET-1.
        item.probe = Some(ProbeSpec::new(ProbeKind::Load, "http://192.0.2.10/").into());
        let path = home.path().join("templates/load.checklist.ron");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        store::save_template(&path, &template).unwrap();
        let mut harness = harness(home.path(), Some(path));
        click(&mut harness, "Edit");
        click(&mut harness, "Pre-Deployment");
        click(&mut harness, "Code Quality");
        click(&mut harness, &text);
        harness.get_by_label("Test now").click();
        harness.run();
        assert!(harness.query_by_label("Run a load test?").is_some(), "a load test of another host asks first");
        assert!(!harness.state().is_busy(), "nothing runs before the answer");
        harness.get_by_label("Cancel").click();
        harness.run();
        assert!(!harness.state().has_dialog() && !harness.state().is_busy(), "cancelled: nothing was sent");
    }

    #[test]
    fn failing_an_item_against_its_passing_probe_asks_why() {
        let home = tempfile::tempdir().unwrap();
        let port = server();
        let path = probed_run(home.path(), port);
        let mut harness = harness(home.path(), Some(path));
        click(&mut harness, "Run probe");
        assert_eq!(state_of(&harness, "all-unit-tests-passing"), ItemState::Done);
        click(&mut harness, "✖ Failed");
        assert!(harness.query_by_label("Override the probe?").is_some(), "failing an item its probe passed asks why");
        type_into(
            &mut harness,
            Role::MultilineTextInput,
            "Why mark it failed anyway? (required)",
            "The endpoint answers but the release page is blank",
        );
        harness.get_by_label("Override").click();
        settle(&mut harness);
        assert_eq!(state_of(&harness, "all-unit-tests-passing"), ItemState::Failed);
        let events = &run_doc(&harness).run().events;
        assert!(events.iter().any(
            |e| matches!(&e.change, Change::ProbeOverride { new: ItemState::Failed, reason, .. } if reason.starts_with("The endpoint answers"))
        ));
    }

    /// Opens, in the editor, a saved template whose first check has `probe`; returns the item's id.
    pub(super) fn edit_probe(home: &Path, probe: ProbeSpec) -> (Harness<'static, App>, String) {
        let mut template = Library::bundled_template("persona-chat-service.checklist.ron").unwrap().unwrap();
        let item = &mut template.sections[0].sections[0].items[0];
        let (id, text) = (item.id.clone(), item.text.clone());
        item.probe = Some(probe.into());
        let path = home.join("templates/probed.checklist.ron");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        store::save_template(&path, &template).unwrap();
        let mut harness = harness(home, Some(path));
        click(&mut harness, "Edit");
        click(&mut harness, "Pre-Deployment");
        click(&mut harness, "Code Quality");
        click(&mut harness, &text);
        (harness, id)
    }

    pub(super) fn edited_probe(harness: &Harness<'static, App>, id: &str) -> ProbeSpec {
        harness.state().editor().unwrap().template.find_item(id).unwrap().probe.as_deref().cloned().unwrap()
    }

    /// Replaces the text of a multiline field and leaves it, which commits the edit.
    fn replace_text(harness: &mut Harness<'static, App>, label: &str, text: &str) {
        harness.get_by_role_and_label(Role::MultilineTextInput, label).scroll_to_me();
        harness.run();
        harness.get_by_role_and_label(Role::MultilineTextInput, label).click();
        harness.run();
        harness.key_press_modifiers(Modifiers::COMMAND, Key::A);
        harness.get_by_role_and_label(Role::MultilineTextInput, label).type_text(text);
        harness.run();
    }

    #[test]
    fn the_probe_editor_sets_warn_conditions_headers_method_and_body_with_live_checks() {
        let home = tempfile::tempdir().unwrap();
        let (mut harness, id) = edit_probe(home.path(), ProbeSpec::new(ProbeKind::Http, "https://status.example.com/health"));
        const WARN: &str = "Warn conditions, one per line: failing one warns, it does not fail";
        const HEADERS: &str = "Headers, one `Name: value` per line (${env:NAME} for secrets)";

        replace_text(&mut harness, WARN, "status = 200");
        assert!(harness.query_by_label_contains("line 1, ").is_some(), "a bad condition is flagged as it is typed");
        replace_text(&mut harness, WARN, "response_time < 300ms");
        assert!(harness.query_by_label_contains("line 1, ").is_none());
        replace_text(&mut harness, HEADERS, "Authorization Bearer");
        assert!(harness.query_by_label("line 1: expected `Name: value`").is_some());
        replace_text(&mut harness, HEADERS, "Authorization: Bearer ${env:STATUS_TOKEN}");
        harness.get_by_label("Method").click();
        harness.run();
        click(&mut harness, "POST");
        replace_text(&mut harness, "Request body", "{\"ping\": true}");
        // Moving to another field commits the body.
        harness.get_by_role_and_label(Role::TextInput, "Target (URL, host:port or name; ${env:NAME} for secrets)").click();
        settle(&mut harness);

        let probe = edited_probe(&harness, &id);
        assert_eq!(probe.warn, vec!["response_time < 300ms".to_string()]);
        assert_eq!(probe.headers.get("Authorization").map(String::as_str), Some("Bearer ${env:STATUS_TOKEN}"));
        assert_eq!((probe.method.as_str(), probe.body.as_str()), ("POST", "{\"ping\": true}"));
    }

    #[test]
    fn the_probe_editor_builds_a_login_flow_and_flags_an_uncaptured_variable() {
        let home = tempfile::tempdir().unwrap();
        let (mut harness, id) = edit_probe(home.path(), ProbeSpec::new(ProbeKind::Http, "https://api.example.com/me"));
        const CAPTURE: &str = "Capture, one `name = subject` per line (token = json(access_token), session = header(x-session))";
        const HEADERS: &str = "Headers, one `Name: value` per line (${env:NAME} for secrets)";

        replace_text(&mut harness, HEADERS, "Authorization: Bearer ${var:token}");
        harness.get_by_role_and_label(Role::TextInput, "Target (URL, host:port or name; ${env:NAME} for secrets)").click();
        settle(&mut harness);
        assert!(
            harness.query_by_label("header Authorization: ${var:token} is not captured by any step").is_some(),
            "a variable no step captures is flagged"
        );
        click(&mut harness, "Add a step");
        assert_eq!(edited_probe(&harness, &id).steps.len(), 1);
        assert!(harness.query_by_label("header Authorization: ${var:token} is not captured by any step").is_some(), "the new step captures nothing");
        replace_text(&mut harness, CAPTURE, "token json(access_token)");
        assert!(harness.query_by_label("line 1: expected `name = subject`").is_some(), "a bad capture is flagged as it is typed");
        replace_text(&mut harness, CAPTURE, "token = json(access_token)");
        harness.get_by_role_and_label(Role::TextInput, "URL (${env:NAME} and ${var:NAME} allowed)").click();
        settle(&mut harness);
        assert!(harness.query_by_label("header Authorization: ${var:token} is not captured by any step").is_none());

        let probe = edited_probe(&harness, &id);
        assert_eq!(probe.steps[0].name, "step 1");
        assert_eq!(probe.steps[0].capture.get("token").map(String::as_str), Some("json(access_token)"));
        assert_eq!(preflight::probe::runner::check_conditions(&probe), Ok(()));
        harness.get_by_label("Remove step").click_accesskit();
        settle(&mut harness);
        assert!(edited_probe(&harness, &id).steps.is_empty());
    }
}

//! Unit tests of the run view's state: rows, filter and search, selection, undo.

use std::collections::BTreeMap;

use super::*;
use crate::model::FieldValue;
use crate::store::Library;

fn doc() -> RunDoc {
    let template = Library::bundled_template("persona-chat-service.checklist.ron").unwrap().unwrap();
    let values =
        BTreeMap::from([("release-version".to_string(), FieldValue::Text("1".into())), ("environment".to_string(), FieldValue::Text("prod".into()))]);
    let at = Timestamp::parse("2026-11-23T10:00:00Z").unwrap();
    RunDoc::new(Run::start(template, "r".into(), "alice", at, values).unwrap(), PathBuf::from("r.run.ron"))
}

fn at() -> Timestamp {
    Timestamp::parse("2026-11-23T11:00:00Z").unwrap()
}

#[test]
fn rows_list_sections_then_items_and_count_progress() {
    let mut doc = doc();
    let rows = doc.rows().to_vec();
    assert!(matches!(&rows[0], Row::Section { title, depth: 0, .. } if title == "Pre-Deployment"));
    assert!(matches!(&rows[1], Row::Section { title, depth: 1, settled: 0, total: 7, .. } if title == "Code Quality"));
    assert!(matches!(&rows[2], Row::Item { id, depth: 2, .. } if id == "all-unit-tests-passing"));
    assert_eq!(doc.selected.as_deref(), Some("all-unit-tests-passing"));
    doc.set_state("all-unit-tests-passing", ItemState::Done, "bob", at()).unwrap();
    assert!(matches!(&doc.rows()[1], Row::Section { settled: 1, total: 7, .. }));
}

#[test]
fn filter_and_search_hide_rows_and_empty_sections() {
    let mut doc = doc();
    doc.set_state("integration-tests-passing", ItemState::Failed, "bob", at()).unwrap();
    doc.filter = Filter::Failed;
    doc.invalidate();
    let items: Vec<&Row> = doc.rows().iter().filter(|r| matches!(r, Row::Item { .. })).collect();
    assert_eq!(items.len(), 1);
    assert_eq!(doc.rows().len(), 3, "the failed item and the two sections above it");
    doc.filter = Filter::All;
    doc.search = "REDIS".into();
    doc.invalidate();
    let found = doc.rows().iter().filter(|r| matches!(r, Row::Item { .. })).count();
    assert_eq!(found, 6);
}

#[test]
fn selection_moves_over_actionable_items_and_reveal_clears_a_hiding_filter() {
    let mut doc = doc();
    doc.move_selection(true);
    assert_eq!(doc.selected.as_deref(), Some("integration-tests-passing"));
    doc.move_selection(false);
    doc.move_selection(false);
    assert_eq!(doc.selected.as_deref(), Some("all-unit-tests-passing"));
    doc.collapsed.insert("code-quality".into());
    doc.filter = Filter::Failed;
    doc.invalidate();
    doc.select("code-coverage-80");
    assert_eq!(doc.filter, Filter::All);
    assert!(!doc.collapsed.contains("code-quality"));
    let row = doc.row_of("code-coverage-80");
    assert_eq!(doc.scroll_to, row);
}

#[test]
fn moving_the_selection_crosses_sections_and_stops_at_the_ends() {
    let mut doc = doc();
    let actionable: Vec<String> = doc
        .rows()
        .iter()
        .filter_map(|row| match row {
            Row::Item { id, kind, .. } if *kind != ItemKind::Info => Some(id.clone()),
            _ => None,
        })
        .collect();
    for expected in &actionable[1..] {
        doc.move_selection(true);
        assert_eq!(doc.selected.as_ref(), Some(expected), "down over every actionable item, section headers skipped");
    }
    doc.move_selection(true);
    assert_eq!(doc.selected.as_ref(), actionable.last(), "the last item stays selected");
    for expected in actionable[..actionable.len() - 1].iter().rev() {
        doc.move_selection(false);
        assert_eq!(doc.selected.as_ref(), Some(expected));
    }
    doc.move_selection(false);
    assert_eq!(doc.selected.as_ref(), actionable.first());
    // A selection the rows no longer show (a filter hides it) moves to the first item shown.
    doc.set_state(&actionable[5], ItemState::Failed, "bob", at()).unwrap();
    doc.filter = Filter::Failed;
    doc.invalidate();
    doc.move_selection(true);
    assert_eq!(doc.selected.as_ref(), Some(&actionable[5]));
}

#[test]
fn an_items_history_lists_only_its_events_newest_first_and_follows_new_ones() {
    let mut doc = doc();
    doc.set_state("all-unit-tests-passing", ItemState::Done, "bob", at()).unwrap();
    doc.set_state("integration-tests-passing", ItemState::Failed, "bob", at()).unwrap();
    doc.set_note("all-unit-tests-passing", "ran twice", "bob", at()).unwrap();
    let history = doc.history("all-unit-tests-passing").to_vec();
    assert_eq!(history.len(), 2, "{history:?}");
    assert!(history[0].starts_with("#4 ") && history[0].ends_with("note edited"), "{history:?}");
    assert!(history[1].starts_with("#2 ") && history[1].ends_with("pending → done"), "{history:?}");
    assert_eq!(doc.history("integration-tests-passing").len(), 1);
    doc.set_state("all-unit-tests-passing", ItemState::Pending, "bob", at()).unwrap();
    assert_eq!(doc.history("all-unit-tests-passing").len(), 3, "a new event shows without reselecting");
}

#[test]
fn undo_records_a_new_change_and_keeps_both() {
    let mut doc = doc();
    doc.set_state("all-unit-tests-passing", ItemState::Done, "bob", at()).unwrap();
    assert_eq!(doc.undo("bob", at()).unwrap().as_deref(), Some("all-unit-tests-passing"));
    assert_eq!(doc.run.items["all-unit-tests-passing"].state, ItemState::Pending);
    assert_eq!(doc.run.events.len(), 3, "start, done, and the undo");
    assert_eq!(doc.undo("bob", at()).unwrap(), None);
}

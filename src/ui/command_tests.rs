//! Tests of the command table: shortcuts, labels and item addressing.

use super::*;

#[test]
fn no_two_commands_share_a_shortcut_or_a_label() {
    let mut shortcuts = Vec::new();
    let mut labels = std::collections::BTreeSet::new();
    for command in UiCommand::ALL {
        assert!(labels.insert(command.label()), "{command:?}: label used twice");
        assert!(!command.tooltip().is_empty(), "{command:?}: no tooltip");
        for shortcut in command.shortcuts() {
            assert!(!shortcuts.contains(shortcut), "{command:?}: shortcut used twice");
            shortcuts.push(*shortcut);
        }
    }
}

#[test]
fn redo_is_tried_before_undo() {
    let position = |wanted| UiCommand::ALL.iter().position(|c| *c == wanted);
    assert!(position(UiCommand::Redo) < position(UiCommand::Undo));
}

#[test]
fn item_commands_address_the_item_by_id() {
    assert!(matches!(UiCommand::MarkDone.for_item("a"), Some(Command::Run(RunCommand::SetState { item, state: ItemState::Done })) if item == "a"));
    assert!(matches!(UiCommand::Skip.for_item("b"), Some(Command::Run(RunCommand::AskReason { item, kind: ReasonKind::Skip })) if item == "b"));
    assert!(UiCommand::Save.for_item("a").is_none());
}

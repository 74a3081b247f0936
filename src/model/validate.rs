//! Structural checks of templates and runs, beyond what the file format itself enforces.

use std::collections::HashMap;

use super::Item;

use super::{ItemState, Placement, Run, Template};

/// One thing wrong with a document. `anchor` is text to find in the file (with which
/// occurrence, counting from 0) so that the store can report a line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub message: String,
    pub anchor: Option<(String, usize)>,
}

impl Problem {
    fn at(message: String, needle: String, occurrence: usize) -> Self {
        Self { message, anchor: Some((needle, occurrence)) }
    }
}

/// Reports each id used more than once, anchored at its second use.
fn duplicate_ids<'a>(kind: &str, ids: impl Iterator<Item = &'a str>, problems: &mut Vec<Problem>) {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for id in ids {
        let count = seen.entry(id).or_default();
        *count += 1;
        if *count == 2 {
            problems.push(Problem::at(format!("{kind} id `{id}` is used more than once"), format!("\"{id}\""), 1));
        }
    }
}

impl Template {
    /// Problems that make a template unusable: empty title, empty or duplicate ids, empty item
    /// text, fields and roles placed in sections that do not exist.
    pub fn problems(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        if self.title.trim().is_empty() {
            problems.push(Problem::at("the checklist has no title".into(), "title".into(), 0));
        }
        let items = self.all_items();
        let sections = self.all_sections();
        let ids = items.iter().map(|(_, item)| item.id.as_str())
            .chain(sections.iter().map(|(_, s)| s.id.as_str()))
            .chain(self.fields.iter().map(|f| f.id.as_str()))
            .chain(self.roles.iter().map(|r| r.id.as_str()));
        for id in ids.filter(|id| id.trim().is_empty()) {
            problems.push(Problem::at(format!("an id is empty: `{id}`"), "id: \"\"".into(), 0));
        }
        duplicate_ids("item", items.iter().map(|(_, item)| item.id.as_str()), &mut problems);
        duplicate_ids("section", sections.iter().map(|(_, s)| s.id.as_str()), &mut problems);
        duplicate_ids("field", self.fields.iter().map(|f| f.id.as_str()), &mut problems);
        duplicate_ids("role", self.roles.iter().map(|r| r.id.as_str()), &mut problems);
        for (_, item) in &items {
            if item.text.trim().is_empty() {
                problems.push(Problem::at(format!("item `{}` has no text", item.id), format!("\"{}\"", item.id), 0));
            }
        }
        let placements = self.fields.iter().map(|f| (&f.id, &f.placement)).chain(self.roles.iter().map(|r| (&r.id, &r.placement)));
        for (id, placement) in placements {
            if let Placement::Section(section) = placement
                && self.find_section(section).is_none()
            {
                problems.push(Problem::at(format!("`{id}` is placed in section `{section}`, which does not exist"), format!("\"{section}\""), 0));
            }
        }
        problems
    }
}

impl Run {
    /// Problems that make a run unusable: a broken template, item records that do not match the
    /// template's items, N/A or skip without a reason.
    pub fn problems(&self) -> Vec<Problem> {
        let mut problems = self.template.problems();
        let items = self.template.all_items();
        for (_, item) in items.iter().filter(|(_, item)| item.is_actionable()) {
            if !self.items.contains_key(&item.id) {
                problems.push(Problem::at(format!("item `{}` has no record in this run", item.id), format!("\"{}\"", item.id), 0));
            }
        }
        let by_id: HashMap<&str, &Item> = items.iter().map(|(_, item)| (item.id.as_str(), *item)).collect();
        for (id, record) in &self.items {
            match by_id.get(id.as_str()) {
                None => problems.push(Problem::at(format!("record for `{id}`, which is not an item of this checklist"), format!("\"{id}\""), 0)),
                Some(item) if !item.is_actionable() => problems.push(Problem::at(format!("record for `{id}`, which is information only"), format!("\"{id}\""), 0)),
                Some(_) => {}
            }
            if let ItemState::NotApplicable { reason } | ItemState::Skipped { reason } = &record.state
                && reason.trim().is_empty()
            {
                problems.push(Problem::at(format!("item `{id}` is {} without a reason", record.state.label()), "reason: \"".into(), 0));
            }
        }
        problems
    }

    /// Evidence of tampering: a template that no longer matches its recorded hash, or a broken
    /// event chain.
    pub fn integrity_problems(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        if self.template.sha256() != self.template_sha256 {
            problems.push(Problem::at(
                "the frozen template does not match its recorded SHA-256: it was changed after the run started".into(),
                "template_sha256".into(),
                0,
            ));
        }
        if let Err(seq) = self.verify_chain() {
            problems.push(Problem::at(
                format!("the event log is broken at event {seq}: an event was changed, removed or inserted"),
                format!("seq: {seq}"),
                0,
            ));
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{Item, ItemKind};

    #[test]
    fn duplicate_and_empty_ids_are_problems() {
        let mut template = crate::model::run::tests::template();
        template.sections[0].items.push(Item::new("a", "Again", ItemKind::Check));
        template.sections[0].items.push(Item::new("b", "  ", ItemKind::Check));
        let problems = template.problems();
        assert!(problems.iter().any(|p| p.message == "item id `a` is used more than once"), "{problems:?}");
        assert!(problems.iter().any(|p| p.message == "item `b` has no text"), "{problems:?}");
    }

    #[test]
    fn a_clean_template_has_no_problems() {
        assert_eq!(crate::model::run::tests::template().problems(), []);
    }
}

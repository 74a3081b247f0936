//! The rows the run view draws: built from the template, the filter, the search and the
//! collapsed sections, with an item-to-row index; moving and revealing the selection over them.

use super::{Filter, Row, RunDoc};
use crate::model::{ItemKind, ItemState, Section};

fn settled(state: &ItemState) -> bool {
    !matches!(state, ItemState::Pending)
}

impl RunDoc {
    pub fn rows(&mut self) -> &[Row] {
        if self.rows_stale {
            self.rows = self.build_rows();
            self.row_of_item = self
                .rows
                .iter()
                .enumerate()
                .filter_map(|(at, row)| match row {
                    Row::Item { id, .. } => Some((id.clone(), at)),
                    Row::Section { .. } => None,
                })
                .collect();
            self.rows_stale = false;
        }
        &self.rows
    }

    fn shown(&self, id: &str, kind: ItemKind, required: bool) -> bool {
        let state = self.run.items.get(id).map(|r| &r.state);
        let by_filter = match self.filter {
            Filter::All => true,
            Filter::Pending => state == Some(&ItemState::Pending),
            Filter::Failed => state == Some(&ItemState::Failed),
            Filter::Required => required && kind != ItemKind::Info,
        };
        let query = self.search.trim().to_lowercase();
        by_filter && (query.is_empty() || self.text(id).to_lowercase().contains(&query))
    }

    fn build_rows(&self) -> Vec<Row> {
        let mut rows = Vec::new();
        let filtering = self.filter != Filter::All || !self.search.trim().is_empty();
        self.push_items(&mut rows, &self.run.template.items, 0);
        for section in &self.run.template.sections {
            self.push_section(&mut rows, section, 0, filtering);
        }
        rows
    }

    fn push_items(&self, rows: &mut Vec<Row>, items: &[crate::model::Item], depth: usize) {
        let mut number = 0;
        for item in items {
            number = if item.kind == ItemKind::Step { number + 1 } else { 0 };
            if self.shown(&item.id, item.kind, item.required) {
                let number = (item.kind == ItemKind::Step).then_some(number);
                rows.push(Row::Item { id: item.id.clone(), depth, kind: item.kind, number, required: item.required });
            }
            self.push_items(rows, &item.children, depth + 1);
        }
    }

    /// Adds a section's header and contents; while filtering, sections with nothing to show
    /// are left out.
    fn push_section(&self, rows: &mut Vec<Row>, section: &Section, depth: usize, filtering: bool) {
        let (settled_count, total) = self.progress(section);
        let collapsed = self.collapsed.contains(&section.id);
        let header = rows.len();
        rows.push(Row::Section { id: section.id.clone(), title: section.title.clone(), depth, settled: settled_count, total, collapsed });
        if collapsed {
            return;
        }
        let before = rows.len();
        self.push_items(rows, &section.items, depth + 1);
        for child in &section.sections {
            self.push_section(rows, child, depth + 1, filtering);
        }
        if filtering && rows.len() == before {
            rows.truncate(header);
        }
    }

    /// Settled and total actionable items in a section and its subsections.
    fn progress(&self, section: &Section) -> (usize, usize) {
        fn walk(doc: &RunDoc, items: &[crate::model::Item], acc: &mut (usize, usize)) {
            for item in items {
                if let Some(record) = doc.run.items.get(&item.id) {
                    acc.1 += 1;
                    acc.0 += usize::from(settled(&record.state));
                }
                walk(doc, &item.children, acc);
            }
        }
        let mut acc = (0, 0);
        walk(self, &section.items, &mut acc);
        for child in &section.sections {
            let (s, t) = self.progress(child);
            acc.0 += s;
            acc.1 += t;
        }
        acc
    }

    /// Moves the selection to the next (or previous) actionable item shown.
    /// Walks the rows from the selection's, so a move costs the rows it passes, not all of them.
    pub fn move_selection(&mut self, forward: bool) {
        let from = self.selected.clone().and_then(|selected| self.row_of(&selected));
        let rows = self.rows();
        let actionable = |at: &usize| matches!(&rows[*at], Row::Item { kind, .. } if *kind != ItemKind::Info);
        let next = match (from, forward) {
            // Nothing selected, or the selection is not shown: the first actionable item.
            (None, _) => (0..rows.len()).find(actionable),
            (Some(at), true) => (at + 1..rows.len()).find(actionable),
            (Some(at), false) => (0..at).rev().find(actionable),
        };
        let Some(Row::Item { id, .. }) = next.map(|at| &rows[at]) else { return };
        let id = id.clone();
        self.select(&id);
    }

    /// Selects an item and scrolls to it, opening its sections and clearing a filter that hides it.
    pub fn select(&mut self, item: &str) {
        self.selected = Some(item.to_string());
        if self.row_of(item).is_none() {
            self.filter = Filter::All;
            self.search.clear();
            let section = self.run.template.all_items().into_iter().find(|(_, found)| found.id == item).and_then(|(s, _)| s.map(|s| s.id.clone()));
            if let Some(section) = section {
                self.expand_ancestors(&section);
            }
            self.invalidate();
        }
        self.scroll_to = self.row_of(item);
    }

    fn expand_ancestors(&mut self, section: &str) {
        fn path<'a>(sections: &'a [Section], id: &str, out: &mut Vec<&'a str>) -> bool {
            for s in sections {
                out.push(&s.id);
                if s.id == id || path(&s.sections, id, out) {
                    return true;
                }
                out.pop();
            }
            false
        }
        let mut ids = Vec::new();
        path(&self.run.template.sections, section, &mut ids);
        let ids: Vec<String> = ids.into_iter().map(str::to_string).collect();
        for id in ids {
            self.collapsed.remove(&id);
        }
    }

    pub fn row_of(&mut self, item: &str) -> Option<usize> {
        self.rows();
        self.row_of_item.get(item).copied()
    }
}

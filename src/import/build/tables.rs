//! Tables → sign-off roles, checks (a status column), table fields, or text.

use super::{Builder, info};
use crate::import::lines::{default_meaning, is_signature_column, plain_title};
use crate::import::tasks;
use crate::model::{Field, FieldKind, FieldValue, InfoStyle, Item, ItemKind, Role};

impl Builder {
    pub(super) fn table(&mut self, header: &[String], rows: &[Vec<String>], source: &str, line: usize) -> Vec<Item> {
        let lower: Vec<String> = header.iter().map(|h| h.to_lowercase()).collect();
        let signature_table =
            lower.iter().any(|h| h.contains("signature")) || (lower.iter().any(|h| h == "name") && lower.iter().any(|h| h == "date"));
        if self.signoff() && signature_table {
            let title_column = lower.iter().position(|h| ["role", "title", "position"].contains(&h.as_str())).unwrap_or(0);
            // The rows' roles, all or none: a table kept as text names no role of its own.
            let mut roles = Vec::with_capacity(rows.len());
            for (index, row) in rows.iter().enumerate() {
                // A role's title is plain text, as a `**Title:** ____` line gives it: a cell's
                // emphasis (`**QA Lead**`) is left out, and a cell of markup alone has none.
                let title = row
                    .get(title_column)
                    .map(|t| t.trim().trim_matches(['*', '_']).trim())
                    .filter(|t| !t.is_empty() && !t.contains("**") && !is_signature_column(&lower[title_column]));
                let Some(title) = title else {
                    self.warn(line + 2 + index, "sign-off table row without a role; kept in the table text");
                    return vec![info(source.to_string(), InfoStyle::Verbatim)];
                };
                roles.push(Role {
                    id: String::new(),
                    title: title.to_string(),
                    meaning: default_meaning(title),
                    required: true,
                    placement: self.placement(),
                    require_key: false,
                    separate_from: Vec::new(),
                });
            }
            self.roles.extend(roles);
            return Vec::new();
        }
        if let Some(status) = tasks::status_column(header, rows).filter(|_| !self.signoff()) {
            return self.status_table(header, rows, status, line);
        }
        let has_empty_cell = rows.iter().flatten().any(|cell| cell.trim().is_empty());
        let well_formed = rows.iter().all(|row| row.len() == header.len());
        if has_empty_cell && well_formed && !rows.is_empty() {
            let label = self
                .stack
                .last()
                .map(|&at| plain_title(&self.nodes[at].section.title))
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| "Table".to_string());
            self.fields.push(Field {
                id: String::new(),
                label,
                kind: FieldKind::Table { columns: header.to_vec() },
                required: false,
                default: Some(FieldValue::Table(rows.to_vec())),
                hint: String::new(),
                placement: self.placement(),
            });
            return Vec::new();
        }
        self.warn(line, "table kept as text: it has no status column, no blank cells to fill in, and is not a sign-off table");
        vec![info(source.to_string(), InfoStyle::Verbatim)]
    }

    /// A table whose column `status` says whether each row is done: every row a check, its text
    /// the row's first other cell and the rest as `Header: value`.
    fn status_table(&mut self, header: &[String], rows: &[Vec<String>], status: usize, line: usize) -> Vec<Item> {
        let mut items = Vec::new();
        for (index, row) in rows.iter().enumerate() {
            let cells: Vec<(usize, &str)> = row
                .iter()
                .enumerate()
                .filter(|(column, cell)| *column != status && !cell.trim().is_empty())
                .map(|(c, cell)| (c, cell.trim()))
                .collect();
            let Some(((_, first), rest)) = cells.split_first() else {
                self.warn(line + 2 + index, "table row with a status and no text left out");
                continue;
            };
            let mut text = first.to_string();
            let details: Vec<String> =
                rest.iter().map(|(column, cell)| format!("{}: {cell}", header.get(*column).map_or("", |h| h.trim()))).collect();
            if !details.is_empty() {
                text = format!("{text} ({})", details.join("; "));
            }
            let ticked = row.get(status).and_then(|cell| tasks::cell_status(cell)).unwrap_or(false);
            let mut item = Item::new(String::new(), text, ItemKind::Check);
            item.ticked = ticked;
            self.ticked += usize::from(ticked);
            items.push(item);
        }
        items
    }
}

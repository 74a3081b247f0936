//! Template (or run) → Markdown. A template's Markdown imports back to an equal template:
//! anything plain Markdown cannot say (an id that differs from its text, an optional check, a
//! field kind) is written as a trailing `<!-- preflight: … -->` annotation.

use std::collections::{HashMap, HashSet};
use std::fmt::Write;

use super::escape::{blank_line, code_fence, escape_leading_escape, fence_info, heading_text, indent_lines, list_item_text, paragraph_text};
use super::ids::{IdsToWrite, ids_to_write};
use super::lines::{BLANK, annotation, default_meaning, field_kind};
use crate::model::{Field, FieldKind, FieldValue, InfoStyle, Item, ItemKind, ItemRecord, ItemState, Placement, Role, Run, Section, Template};

/// Markdown for a template.
pub fn template_to_markdown(template: &Template) -> String {
    Writer::new(template, None, ids_to_write(template), signoff_places(template)).document()
}

/// Markdown for a run: ticked boxes for done items, states, reasons, notes and field values.
pub fn run_to_markdown(run: &Run) -> String {
    Writer::new(&run.template, Some(run), IdsToWrite::default(), HashSet::new()).document()
}

/// A thematic break, as export writes it: metadata stands between two.
const RULE: &str = "---\n\n";

struct Writer<'a> {
    template: &'a Template,
    run: Option<&'a Run>,
    ids: IdsToWrite,
    /// Where a blank reads back as a sign-off role rather than a field (see [`signoff_places`]).
    signoff: HashSet<Placement>,
    /// Each section's fields and roles, by the section's id, in the template's order: found once,
    /// so that writing a template of many sections is linear in its size.
    placed: HashMap<&'a str, (Vec<&'a Field>, Vec<&'a Role>)>,
    /// The section written last, when nothing is placed in the footer after it.
    last_section: Option<&'a Section>,
    out: String,
}

impl<'a> Writer<'a> {
    fn new(template: &'a Template, run: Option<&'a Run>, ids: IdsToWrite, signoff: HashSet<Placement>) -> Self {
        let mut placed: HashMap<&str, (Vec<&Field>, Vec<&Role>)> = HashMap::new();
        for field in &template.fields {
            if let Placement::Section(id) = &field.placement {
                placed.entry(id.as_str()).or_default().0.push(field);
            }
        }
        for role in &template.roles {
            if let Placement::Section(id) = &role.placement {
                placed.entry(id.as_str()).or_default().1.push(role);
            }
        }
        let footer =
            template.fields.iter().any(|f| f.placement == Placement::Footer) || template.roles.iter().any(|r| r.placement == Placement::Footer);
        let mut last_section = template.sections.last();
        while let Some(child) = last_section.and_then(|s| s.sections.last()) {
            last_section = Some(child);
        }
        Writer { template, run, ids, signoff, placed, last_section: last_section.filter(|_| !footer), out: String::new() }
    }
}

/// The placements whose blanks import as sign-off roles: the sections under a sign-off heading,
/// and the footer when the last section written is one (the importer reads the footer with
/// that section still open).
fn signoff_places(template: &Template) -> HashSet<Placement> {
    fn walk(sections: &[Section], inherited: bool, out: &mut HashSet<Placement>, last: &mut bool) {
        for section in sections {
            let signoff = inherited || super::lines::is_signoff_heading(&section.title);
            if signoff {
                out.insert(Placement::Section(section.id.clone()));
            }
            *last = signoff;
            walk(&section.sections, signoff, out, last);
        }
    }
    let (mut places, mut last) = (HashSet::new(), false);
    walk(&template.sections, false, &mut places, &mut last);
    if last {
        places.insert(Placement::Footer);
    }
    places
}

impl Writer<'_> {
    fn document(&mut self) -> String {
        let template = self.template;
        let mut notes = vec![("id", Some(template.id.as_str()))];
        if !template.version.is_empty() {
            notes.push(("version", Some(template.version.as_str())));
        }
        let max_age = template.max_probe_age_minutes.to_string();
        if template.max_probe_age_minutes != crate::model::DEFAULT_MAX_PROBE_AGE_MINUTES {
            notes.push(("max-probe-age", Some(max_age.as_str())));
        }
        let title_notes = if self.run.is_some() { String::new() } else { annotation(&notes) };
        let _ = writeln!(self.out, "# {}{title_notes}\n", heading_text(&template.title, &title_notes));
        if !template.description.is_empty() {
            // A description that reads as `**Label:** value` lines or has a `Label: ____` blank
            // would import as fields.
            let mark = if super::lines::reads_as_fields(&template.description) { annotation(&[("description", None)]) } else { String::new() };
            let _ = writeln!(self.out, "{}{mark}\n", paragraph_text(&template.description));
        }
        if let Some(run) = self.run {
            let counts = run.counts();
            let verdict = run.verdict();
            let _ = writeln!(self.out, "Run `{}`, started {} by {}.\n", run.id, run.created_at, run.created_by);
            let _ = writeln!(
                self.out,
                "**{}**: {} done, {} failed, {} N/A, {} skipped, {} pending.\n",
                if verdict.is_go() { "GO" } else { "NO-GO" },
                counts.done,
                counts.failed,
                counts.not_applicable,
                counts.skipped,
                counts.pending
            );
        }
        let header: Vec<&Field> = template.fields.iter().filter(|f| f.placement == Placement::Header).collect();
        let header_roles: Vec<&Role> = template.roles.iter().filter(|r| r.placement == Placement::Header).collect();
        if !header.is_empty() || !header_roles.is_empty() {
            self.header_fields(&header, &header_roles);
        } else if !template.items.is_empty() {
            // Keeps a leading paragraph from reading back as the description.
            self.out.push_str(RULE);
        }
        self.items(&template.items, "");
        for section in &template.sections {
            self.section(section, 2);
        }
        let footer: Vec<&Field> = template.fields.iter().filter(|f| f.placement == Placement::Footer).collect();
        let footer_roles: Vec<&Role> = template.roles.iter().filter(|r| r.placement == Placement::Footer).collect();
        if !footer.is_empty() || !footer_roles.is_empty() {
            blank_line(&mut self.out);
            self.out.push_str(RULE);
            self.metadata_block(&footer, &footer_roles, false);
        }
        // Only line breaks: a title's last character may be a vertical tab.
        let trimmed = self.out.trim_end_matches('\n').len();
        self.out.truncate(trimmed);
        self.out.push('\n');
        std::mem::take(&mut self.out)
    }

    fn section(&mut self, section: &Section, level: usize) {
        blank_line(&mut self.out);
        let id_note = if self.ids.sections.contains(&section.id) { annotation(&[("id", Some(&section.id))]) } else { String::new() };
        let _ = writeln!(self.out, "{} {}{id_note}\n", "#".repeat(level.min(6)), heading_text(&section.title, &id_note));
        self.items(&section.items, "");
        let (fields, roles) = self.placed.get(section.id.as_str()).cloned().unwrap_or_default();
        // Nothing after this section's fields: lines of them between rules would read as the footer.
        let ends_document = roles.is_empty() && self.ends_with(section);
        self.section_fields(&fields, ends_document);
        if !roles.is_empty() {
            blank_line(&mut self.out);
            // One paragraph per role: a sign-off line is signed, not ticked. One that ends the
            // document just after a rule would read as the footer's.
            let last = roles.len() - 1;
            for (at, role) in roles.into_iter().enumerate() {
                let after_rule = self.ends_with_rule();
                let line = self.role_line(role, at == last && after_rule && self.ends_with(section));
                let _ = writeln!(self.out, "{line}\n");
            }
        }
        for child in &section.sections {
            self.section(child, level + 1);
        }
    }

    /// Whether `section` is the last thing written: the last section, with no footer after it.
    fn ends_with(&self, section: &Section) -> bool {
        self.last_section.is_some_and(|last| std::ptr::eq(last, section))
    }

    /// Fields in a section, in order: blanks as bullets, tables as tables, pre-filled values in a
    /// block between rules.
    fn section_fields(&mut self, fields: &[&Field], ends_document: bool) {
        let mut at = 0;
        let mut in_bullets = false;
        while at < fields.len() {
            let field = fields[at];
            let bullet = !matches!(field.kind, FieldKind::Table { .. }) && (field.default.is_none() || self.run.is_some());
            if !(bullet && in_bullets) {
                blank_line(&mut self.out);
            }
            in_bullets = bullet;
            if let FieldKind::Table { columns } = &field.kind {
                self.table(field, columns);
                at += 1;
            } else if field.default.is_some() && self.run.is_none() {
                let run_end = fields[at..]
                    .iter()
                    .position(|f| f.default.is_none() || matches!(f.kind, FieldKind::Table { .. }))
                    .map_or(fields.len(), |n| at + n);
                let section_mark = ends_document && run_end == fields.len();
                self.out.push_str(RULE);
                self.metadata_block(&fields[at..run_end], &[], section_mark);
                self.out.push_str(RULE);
                at = run_end;
            } else {
                // `*`, not `-`: a different marker starts a list of its own, so fill-ins never
                // join (and loosen) the task list above them.
                let _ = writeln!(self.out, "* {}", self.field_line(field, false));
                at += 1;
            }
        }
    }

    /// The header's fields in order: `**Label:** value` lines between rules, a table of blanks
    /// as a table (before the first heading, it reads as the header's table field), and a
    /// fill-in too long for such a line as a paragraph. The roles close the last block of lines.
    fn header_fields(&mut self, fields: &[&Field], roles: &[&Role]) {
        // A table, and a line too long to read as metadata (a blank with a long hint), stand
        // alone: a paragraph of a fill-in reads as a field where it stands.
        let alone: Vec<bool> = fields
            .iter()
            .map(|field| matches!(field.kind, FieldKind::Table { .. }) || !super::lines::reads_as_metadata(&self.field_line(field, false)))
            .collect();
        let mut at = 0;
        while at < fields.len() {
            if alone[at] {
                if let FieldKind::Table { columns } = &fields[at].kind {
                    self.table(fields[at], columns);
                } else {
                    // After a rule, so that it is not the description.
                    self.rule_unless_after_one();
                    let line = self.field_line(fields[at], false);
                    let _ = writeln!(self.out, "{line}\n");
                }
                at += 1;
                continue;
            }
            let run_end = alone[at..].iter().position(|alone| *alone).map_or(fields.len(), |n| at + n);
            let last = alone[run_end..].iter().all(|alone| *alone);
            self.rule_unless_after_one();
            self.metadata_block(&fields[at..run_end], if last { roles } else { &[] }, false);
            self.out.push_str(RULE);
            at = run_end;
        }
        if alone.iter().all(|alone| *alone) && !roles.is_empty() {
            // No lines for the roles to close: they stand between rules of their own.
            self.rule_unless_after_one();
            self.metadata_block(&[], roles, false);
            self.out.push_str(RULE);
        }
    }

    /// Whether the text written so far ends with a rule on a line of its own (not a paragraph
    /// whose last line ends in `---`).
    fn ends_with_rule(&self) -> bool {
        self.out.strip_suffix(RULE).is_some_and(|before| before.is_empty() || before.ends_with('\n'))
    }

    /// A rule, where the text written so far does not end with one already.
    fn rule_unless_after_one(&mut self) {
        if !self.ends_with_rule() {
            self.out.push_str(RULE);
        }
    }

    /// `**Label:** value` lines; with `section_mark`, the last says it belongs to its section.
    fn metadata_block(&mut self, fields: &[&Field], roles: &[&Role], section_mark: bool) {
        for (at, field) in fields.iter().enumerate() {
            let mark = section_mark && at + 1 == fields.len();
            let _ = writeln!(self.out, "{}", self.field_line(field, mark));
        }
        for role in roles {
            let _ = writeln!(self.out, "{}", self.role_line(role, false));
        }
        self.out.push('\n');
    }

    fn field_line(&self, field: &Field, section_mark: bool) -> String {
        let value = self.run.and_then(|run| run.fields.get(&field.id)).or(field.default.as_ref());
        let shown = match value {
            Some(value) => value.to_string(),
            None => blank_text(field),
        };
        let mut notes: Vec<(&str, Option<&str>)> = Vec::new();
        if self.run.is_none() {
            if self.ids.fields.contains(&field.id) {
                notes.push(("id", Some(&field.id)));
            }
            if field.required {
                notes.push(("required", None));
            }
            let derived = match &field.default {
                Some(_) => FieldKind::Text,
                None => super::lines::blank_value(&shown).map_or(FieldKind::Text, |blank| field_kind(&field.label, &blank)),
            };
            // A blank that would read back as a role says its kind, which only a field has.
            let reads_as_role = field.default.is_none() && (self.signoff.contains(&field.placement) || super::lines::is_role_label(&field.label));
            // A value too long to read as a pre-filled field says its kind too (front matter
            // has no such limit).
            let long = field.default.is_some() && shown.chars().count() > super::lines::MAX_PREFILLED_CHARS;
            if derived != field.kind || reads_as_role || long {
                notes.push(("kind", Some(kind_name(&field.kind))));
            }
            if section_mark {
                notes.push(("section", None));
            }
        }
        format!("**{}:** {shown}{}", field.label, annotation(&notes))
    }

    fn role_line(&self, role: &Role, section_mark: bool) -> String {
        let mut notes: Vec<(&str, Option<&str>)> = Vec::new();
        if self.run.is_none() {
            if self.ids.roles.contains(&role.id) {
                notes.push(("id", Some(&role.id)));
            }
            if !role.required {
                notes.push(("optional", None));
            }
            // Where neither its place nor its title makes a blank a role, its meaning does.
            let reads_as_field = !self.signoff.contains(&role.placement) && !super::lines::is_role_label(&role.title);
            if role.meaning != default_meaning(&role.title) || reads_as_field {
                notes.push(("meaning", Some(&role.meaning)));
            }
            if section_mark {
                notes.push(("section", None));
            }
        }
        format!("**{}:** {BLANK} Date: {BLANK}{}", role.title, annotation(&notes))
    }

    fn table(&mut self, field: &Field, columns: &[String]) {
        // A cell read from Markdown keeps its escaped pipes (`\|`); a typed one may have bare ones.
        // The importer takes a cell's first backslash for Markdown's escape, as it does a
        // heading's, so a cell that starts with an escape (`\\`, `\#`) gets one more; one that
        // starts with an escaped pipe cannot (`\\|` ends the cell), and reads the same without.
        let escape = |cell: &str| {
            let mut out = String::with_capacity(cell.len());
            for (at, ch) in cell.char_indices() {
                if ch == '|' && !cell[..at].ends_with('\\') {
                    out.push('\\');
                }
                out.push(ch);
            }
            if out.starts_with("\\|") { out } else { escape_leading_escape(&out).into_owned() }
        };
        let rows = match self.run.and_then(|run| run.fields.get(&field.id)).or(field.default.as_ref()) {
            Some(FieldValue::Table(rows)) => rows.clone(),
            _ => vec![vec![String::new(); columns.len()]],
        };
        let _ = writeln!(self.out, "| {} |", columns.iter().map(|c| escape(c)).collect::<Vec<_>>().join(" | "));
        let _ = writeln!(self.out, "|{}|", vec!["---"; columns.len()].join("|"));
        for row in rows {
            let _ = writeln!(self.out, "| {} |", row.iter().map(|c| escape(c)).collect::<Vec<_>>().join(" | "));
        }
        self.out.push('\n');
    }

    fn items(&mut self, items: &[Item], indent: &str) {
        let mut step = 0;
        for (at, item) in items.iter().enumerate() {
            if item.kind != ItemKind::Step {
                step = 0;
            }
            // Text that reads as `**Label:** value` lines, or has a `Label: ____` line, would
            // import as fields (where it stands between rules, or anywhere), and so would a
            // `**Label:**` line before a code block of `[…]` (a placeholder): it is marked `text`.
            let paragraph = item.kind == ItemKind::Info && item.style == InfoStyle::Paragraph;
            let before_placeholder = items.get(at + 1).is_some_and(|next| {
                let code = next.text.trim();
                next.kind == ItemKind::Info && next.style == InfoStyle::Code && code.starts_with('[') && code.ends_with(']')
            }) && super::lines::label_line(&item.text).is_some_and(|(_, value)| value.is_empty());
            // A list item that reads as `Label: ____` would import as a fill-in too (a check
            // from a table's row, or written in the editor).
            let list_item = matches!((item.kind, item.style), (ItemKind::Check | ItemKind::Step, _) | (ItemKind::Info, InfoStyle::Bullet));
            let fill_in = list_item && super::lines::label_line(&item.text).is_some_and(|(_, value)| super::lines::blank_value(&value).is_some());
            let reads_as_fields = fill_in || (paragraph && (before_placeholder || super::lines::reads_as_fields(&item.text)));
            let notes = self.item_notes(item, reads_as_fields);
            let record = self.run.and_then(|run| run.items.get(&item.id));
            // A step's children stand under its text, past `10. ` as past `1. `.
            let marker = format!("{}. ", step + 1);
            let child_indent = match (item.kind, item.style) {
                (ItemKind::Check, _) | (ItemKind::Info, InfoStyle::Bullet) => format!("{indent}  "),
                (ItemKind::Step, _) => format!("{indent}{}", " ".repeat(marker.len())),
                _ => indent.to_string(),
            };
            match (item.kind, item.style) {
                (ItemKind::Check, _) => {
                    // A run's record says; a template keeps the box as it was ticked in its source.
                    let done = if self.run.is_some() { record.is_some_and(|r| r.state == ItemState::Done) } else { item.ticked };
                    let tick = if done { "x" } else { " " };
                    let _ = writeln!(self.out, "{indent}- [{tick}] {}{notes}{}", escape_leading_escape(&item.text), state_suffix(record));
                }
                (ItemKind::Step, _) => {
                    step += 1;
                    let _ = writeln!(self.out, "{indent}{step}. {}{notes}{}", list_item_text(&item.text), state_suffix(record));
                }
                (ItemKind::Info, InfoStyle::Bullet) => {
                    let _ = writeln!(self.out, "{indent}- {}{notes}", list_item_text(&item.text));
                }
                (ItemKind::Info, InfoStyle::Paragraph) => {
                    blank_line(&mut self.out);
                    let _ = writeln!(self.out, "{}{notes}\n", indent_lines(&paragraph_text(&item.text), indent));
                }
                (ItemKind::Info, InfoStyle::Code) => {
                    blank_line(&mut self.out);
                    let fence = code_fence(&item.text, &item.lang);
                    let _ = writeln!(self.out, "{indent}{fence}{}\n{}\n{indent}{fence}\n", fence_info(&item.lang), indent_lines(&item.text, indent));
                }
                (ItemKind::Info, InfoStyle::Verbatim) => {
                    blank_line(&mut self.out);
                    let _ = writeln!(self.out, "{}\n", indent_lines(&item.text, indent));
                }
            }
            if let Some(record) = record.filter(|r| !r.note.is_empty()) {
                let _ = writeln!(self.out, "{child_indent}- Note: {}", record.note.replace('\n', " "));
            }
            if !item.children.is_empty() {
                self.items(&item.children, &child_indent);
            }
        }
    }

    /// The comments written after an item's text: its probe, and an annotation with what the
    /// text cannot say (an id import would not derive, a required flag other than its kind's,
    /// `text` when `mark_text`).
    fn item_notes(&self, item: &Item, mark_text: bool) -> String {
        if self.run.is_some() {
            return String::new();
        }
        let probe = item.probe.as_deref().map(super::lines::probe_comment).unwrap_or_default();
        let mut notes: Vec<(&str, Option<&str>)> = Vec::new();
        if self.ids.items.contains(&item.id) {
            notes.push(("id", Some(&item.id)));
        }
        if item.required != (item.kind == ItemKind::Check) {
            notes.push((if item.required { "required" } else { "optional" }, None));
        }
        if mark_text {
            notes.push(("text", None));
        }
        format!("{probe}{}", annotation(&notes))
    }
}

/// How a blank field is written: `_____`, with its unit and `(hint)`; its hint alone when that
/// holds the blanks (`_____ critical, _____ major`); or `_____ Date: _____ hint`. The first form
/// that reads back with the same hint and unit is taken.
fn blank_text(field: &Field) -> String {
    let unit = match &field.kind {
        FieldKind::Number { unit } => unit.as_str(),
        _ => "",
    };
    let mut plain = BLANK.to_string();
    if !unit.is_empty() {
        let _ = write!(plain, " {unit}");
    }
    if !field.hint.is_empty() {
        let _ = write!(plain, " ({})", field.hint);
    }
    let candidates = [field.hint.clone(), plain.clone(), format!("{BLANK} Date: {BLANK} {}", field.hint)];
    let reads_back =
        |text: &String| super::lines::blank_value(text).is_some_and(|blank| blank.hint == field.hint && (unit.is_empty() || blank.unit == unit));
    candidates.into_iter().find(reads_back).unwrap_or(plain)
}

fn kind_name(kind: &FieldKind) -> &'static str {
    match kind {
        FieldKind::Text => "text",
        FieldKind::MultiLine => "multiline",
        FieldKind::Number { .. } => "number",
        FieldKind::Date => "date",
        FieldKind::Table { .. } => "table",
    }
}

/// ` — failed (by bob, 2026-…)` after an item in a run's Markdown.
fn state_suffix(record: Option<&ItemRecord>) -> String {
    let Some(record) = record else { return String::new() };
    let state = match &record.state {
        ItemState::Pending => return String::new(),
        ItemState::Done => "done".to_string(),
        ItemState::Failed => "**FAILED**".to_string(),
        ItemState::NotApplicable { reason } => format!("N/A: {reason}"),
        ItemState::Skipped { reason } => format!("skipped: {reason}"),
    };
    match (&record.by, &record.at) {
        (Some(by), Some(at)) => format!(" — {state} ({by}, {at})"),
        _ => format!(" — {state}"),
    }
}

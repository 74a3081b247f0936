//! Blocks → template: sections from headings, items from lists and paragraphs, fields and roles
//! from fill-in lines, following the import mapping in DESIGN.md.

use super::blocks::{Block, ListItem};
use super::ids::assign_ids;
use super::lines::{
    Annotation, blank_value, default_meaning, described, field_kind, is_role_label, is_signature_column, is_signoff_heading, label_line,
    reads_as_metadata, split_annotation, split_probe,
};
use super::pieces::Piece;
use super::{Imported, Warning, tasks};
use crate::model::{Field, FieldKind, FieldValue, InfoStyle, Item, ItemKind, Placement, Role, Section, TEMPLATE_FORMAT_VERSION, Template};

struct Node {
    level: u8,
    signoff: bool,
    section: Section,
    children: Vec<usize>,
}

#[derive(Default)]
pub(super) struct Builder {
    title: Option<(String, Annotation)>,
    description: String,
    /// The document's own version, from a `**Version:** 1.0` metadata line.
    version: String,
    preamble: Vec<Item>,
    nodes: Vec<Node>,
    roots: Vec<usize>,
    stack: Vec<usize>,
    fields: Vec<Field>,
    roles: Vec<Role>,
    pub(super) warnings: Vec<Warning>,
    pub(super) ticked: usize,
}

/// Where a metadata block (a paragraph of `**Label:** value` lines between rules) stands.
enum Zone {
    Header,
    Middle,
    Footer,
}

impl Builder {
    fn signoff(&self) -> bool {
        self.stack.last().is_some_and(|&at| self.nodes[at].signoff)
    }

    fn placement(&self) -> Placement {
        match self.stack.last() {
            // The section's index stands in for its id until ids are assigned.
            Some(&at) => Placement::Section(at.to_string()),
            None => Placement::Header,
        }
    }

    fn push_items(&mut self, items: Vec<Item>) {
        match self.stack.last() {
            Some(&at) => self.nodes[at].section.items.extend(items),
            None => self.preamble.extend(items),
        }
    }

    fn warn(&mut self, line: usize, message: impl Into<String>) {
        self.warnings.push(Warning { line, message: message.into() });
    }

    /// Reads one piece's blocks; pieces come in document order.
    pub(super) fn read(&mut self, mut blocks: Vec<Block>, piece: Piece) {
        let mut title_at = None;
        let mut skip = None;
        for at in 0..blocks.len() {
            if skip == Some(at) {
                continue;
            }
            if let Some(field) = self.placeholder_field(&blocks, at) {
                self.fields.push(field);
                skip = Some(at + 1);
                continue;
            }
            let block = &blocks[at];
            match block {
                Block::Heading { level: 1, text, .. } if at == 0 && piece.first && self.title.is_none() => {
                    let (title, annotation) = split_annotation(text);
                    // The version export wrote on the title is the version from the start, so a
                    // later `**Version:**` line is a field, as it was where it was first read.
                    if let Some(version) = &annotation.version {
                        self.version = version.clone();
                    }
                    self.title = Some((title, annotation));
                    title_at = Some(at);
                }
                Block::Heading { level, text, line } => self.open_section(*level, text, *line),
                // The paragraph after the title describes the checklist, unless it is metadata
                // or fill-ins (`Release: ____`), which are fields wherever they stand.
                Block::Paragraph { text, .. }
                    if at > 0 && title_at == Some(at - 1) && self.metadata_zone(&blocks, at, piece).is_none() && !fill_ins(text) =>
                {
                    self.description = described(text);
                }
                Block::Paragraph { text, line } => match self.metadata_zone(&blocks, at, piece) {
                    Some(zone) => self.metadata(text, zone),
                    None => {
                        let items = self.paragraph(text, *line);
                        self.push_items(items);
                    }
                },
                Block::Rule => {}
                _ => {
                    // Taken, not copied: the blocks after it look back at rules and the title
                    // only, and this is neither.
                    let block = std::mem::replace(&mut blocks[at], Block::Verbatim { source: String::new(), line: 0 });
                    let items = self.block_items(block);
                    self.push_items(items);
                }
            }
        }
    }

    /// `**Notes:**` followed by a code block holding only `[To be filled …]` is a multi-line
    /// fill-in, not two pieces of text.
    fn placeholder_field(&self, blocks: &[Block], at: usize) -> Option<Field> {
        let (Block::Paragraph { text, .. }, Some(Block::Code { code, .. })) = (&blocks[at], blocks.get(at + 1)) else { return None };
        let (label, value) = label_line(text).filter(|_| !text.contains('\n') && !split_annotation(text).1.text)?;
        let placeholder = code.trim().strip_prefix('[')?.strip_suffix(']')?;
        if !value.is_empty() || placeholder.contains(['[', ']', '\n']) || self.signoff() {
            return None;
        }
        Some(Field {
            id: String::new(),
            label,
            kind: FieldKind::MultiLine,
            required: false,
            default: None,
            hint: placeholder.trim().to_string(),
            placement: self.placement(),
        })
    }

    fn open_section(&mut self, level: u8, text: &str, line: usize) {
        let (title, annotation) = split_annotation(text);
        if title.trim().is_empty() {
            self.warn(line, "empty heading; its content joins the section before it");
            return;
        }
        // The section items went to until now gets no more: it keeps no spare room.
        match self.stack.last() {
            Some(&at) => self.nodes[at].section.items.shrink_to_fit(),
            None => self.preamble.shrink_to_fit(),
        }
        while self.stack.last().is_some_and(|&at| self.nodes[at].level >= level) {
            self.stack.pop();
        }
        let signoff = self.signoff() || is_signoff_heading(&title);
        let at = self.nodes.len();
        let section = Section { id: annotation.id.unwrap_or_default(), title, items: Vec::new(), sections: Vec::new() };
        self.nodes.push(Node { level, signoff, section, children: Vec::new() });
        match self.stack.last() {
            Some(&parent) => self.nodes[parent].children.push(at),
            None => self.roots.push(at),
        }
        self.stack.push(at);
    }

    /// A paragraph whose every line is `**Label:** value`, standing between rules (or the title
    /// and a rule, or a rule and the end), is metadata: pre-filled fields and blanks.
    fn metadata_zone(&self, blocks: &[Block], at: usize, piece: Piece) -> Option<Zone> {
        let Block::Paragraph { text, .. } = &blocks[at] else { return None };
        let last = text.lines().last().map(|line| split_annotation(line).1).unwrap_or_default();
        if last.description || last.text || !reads_as_metadata(text) {
            return None;
        }
        // A piece after the first starts with a heading, and one before the last is followed by
        // one: only the document's own start and end stand in for a rule.
        let after_title = piece.first && at == 1 && matches!(blocks[0], Block::Heading { level: 1, .. });
        let before_ok = (at == 0 && piece.first) || after_title || (at > 0 && matches!(blocks[at - 1], Block::Rule));
        let rest = &blocks[at + 1..];
        let after_ok = rest.first().map_or(piece.last, |b| matches!(b, Block::Rule));
        if !(before_ok && after_ok) {
            return None;
        }
        Some(if self.nodes.is_empty() {
            Zone::Header
        } else if piece.last && rest.iter().all(|b| matches!(b, Block::Rule)) && !last.section {
            Zone::Footer
        } else {
            Zone::Middle
        })
    }

    fn metadata(&mut self, text: &str, zone: Zone) {
        let placement = match zone {
            Zone::Header => Placement::Header,
            Zone::Footer => Placement::Footer,
            Zone::Middle => self.placement(),
        };
        for line in text.lines() {
            let (line, annotation) = split_annotation(line);
            let Some((label, value)) = label_line(&line) else { continue };
            // `$(date +%F)` is a blank that a script was meant to fill.
            if value.starts_with("$(") && value.ends_with(')') && annotation.kind.is_none() {
                let kind = if value.contains("date") { FieldKind::Date } else { FieldKind::Text };
                self.fields.push(Field {
                    id: String::new(),
                    label,
                    kind,
                    required: false,
                    default: None,
                    hint: String::new(),
                    placement: placement.clone(),
                });
                continue;
            }
            if self.fill_in(&label, &value, &annotation, placement.clone()) {
                continue;
            }
            if label.eq_ignore_ascii_case("version") && self.version.is_empty() && annotation.id.is_none() {
                self.version = value;
                continue;
            }
            if self.fields.iter().any(|f| f.label.eq_ignore_ascii_case(&label)) {
                // A repeat of a field already given (a footer restating the header) is kept as text.
                self.push_items(vec![info(line.clone(), InfoStyle::Paragraph)]);
                continue;
            }
            self.fields.push(Field {
                id: annotation.id.unwrap_or_default(),
                label,
                kind: kind_from_annotation(annotation.kind.as_deref()).unwrap_or(FieldKind::Text),
                required: annotation.required.unwrap_or(false),
                default: Some(FieldValue::Text(value)),
                hint: String::new(),
                placement: placement.clone(),
            });
        }
    }

    /// Turns `label: ____` into a role (sign-off sections, or an approver's label anywhere) or a
    /// field. Returns false when the value is not a blank.
    fn fill_in(&mut self, label: &str, value: &str, annotation: &Annotation, placement: Placement) -> bool {
        let Some(blank) = blank_value(value) else { return false };
        // A `kind` annotation names a field's kind, a `meaning` a role's: neither has the other.
        let field = annotation.kind.is_some();
        let role = annotation.meaning.is_some();
        if !field && (role || is_role_label(label) || (self.signoff() && !is_signature_column(label))) {
            self.roles.push(Role {
                id: annotation.id.clone().unwrap_or_default(),
                title: label.to_string(),
                meaning: annotation.meaning.clone().unwrap_or_else(|| default_meaning(label)),
                required: annotation.required.unwrap_or(true),
                placement,
                require_key: false,
                separate_from: Vec::new(),
            });
        } else {
            self.fields.push(Field {
                id: annotation.id.clone().unwrap_or_default(),
                label: label.to_string(),
                kind: match annotation.kind.as_deref() {
                    Some("number") => FieldKind::Number { unit: blank.unit.clone() },
                    other => kind_from_annotation(other).unwrap_or_else(|| field_kind(label, &blank)),
                },
                required: annotation.required.unwrap_or(false),
                default: None,
                hint: blank.hint,
                placement,
            });
        }
        true
    }

    /// A paragraph outside metadata: fill-in lines become fields or roles, the other lines
    /// (kept together) become information.
    fn paragraph(&mut self, text: &str, line: usize) -> Vec<Item> {
        let mut items = Vec::new();
        let mut other: Vec<String> = Vec::new();
        // What the annotations on the text's lines say of the item they make (export writes
        // them on its last line): its id and whether it is required.
        let mut note = Annotation::default();
        let mut flush = |other: &mut Vec<String>, note: &mut Annotation| {
            if other.is_empty() {
                return;
            }
            let mut item = info(other.join("\n"), InfoStyle::Paragraph);
            let note = std::mem::take(note);
            item.id = note.id.unwrap_or_default();
            if let Some(required) = note.required {
                item.required = required;
            }
            items.push(item);
            other.clear();
        };
        // Export marks text that would read as fill-ins or metadata `text`, on its last line.
        let text_only = text.lines().last().is_some_and(|last| split_annotation(last).1.text);
        for (offset, raw) in text.lines().enumerate() {
            let (clean, annotation) = split_annotation(raw);
            let is_fill_in =
                !text_only && label_line(&clean).is_some_and(|(label, value)| self.fill_in(&label, &value, &annotation, self.placement()));
            if is_fill_in {
                flush(&mut other, &mut note);
            } else if clean.trim_matches([' ', '\t']).is_empty() {
                // Only spaces and tabs: a line of other white space (U+205F, U+3000) is text to
                // Markdown, and kept.
                self.warn(line + offset, "annotation with nothing to annotate; left out");
            } else {
                let text = if annotation == Annotation::default() { raw.to_string() } else { clean };
                note.id = annotation.id.or(note.id.take());
                note.required = annotation.required.or(note.required);
                // A group after a fill-in starts a paragraph of its own.
                other.push(if other.is_empty() && offset > 0 { super::blocks::as_first_line(&text) } else { text });
            }
        }
        flush(&mut other, &mut note);
        items
    }

    /// Items for any block but headings and rules; used at the top level and inside list items.
    fn block_items(&mut self, block: Block) -> Vec<Item> {
        match block {
            Block::Paragraph { text, line } => self.paragraph(&text, line),
            Block::List { ordered, items } => items.into_iter().flat_map(|item| self.list_item(item, ordered)).collect(),
            Block::Code { lang, code, line } => {
                if code.trim().is_empty() {
                    self.warn(line, "empty code block; left out");
                    return Vec::new();
                }
                let mut item = info(code, InfoStyle::Code);
                item.lang = lang;
                vec![item]
            }
            Block::Table { header, rows, source, line } => self.table(&header, &rows, &source, line),
            Block::Heading { text, line, .. } => self.heading_as_text(text, line, "a list item"),
            Block::Quote { callout, blocks, line } => self.quote_items(callout.as_deref(), blocks, line),
            Block::Verbatim { source, line } => {
                let text = super::prepare::strip_tags(&source);
                if text.trim().is_empty() {
                    self.warn(line, "HTML without text left out");
                    return Vec::new();
                }
                self.warn(line, "HTML kept as its text, without the tags");
                vec![info(super::blocks::paragraph_lines(&text), InfoStyle::Paragraph)]
            }
            Block::DeepQuote { source, line } => {
                self.warn(
                    line,
                    format!(
                        "block quotes nest more than {} levels deep here; the deeper ones are kept as their text",
                        super::blocks::MAX_QUOTE_DEPTH
                    ),
                );
                vec![info(source, InfoStyle::Paragraph)]
            }
            Block::Rule => Vec::new(),
        }
    }

    /// A heading where a section cannot start (in a list item or a block quote): its text, or
    /// nothing when it has none.
    fn heading_as_text(&mut self, mut text: String, line: usize, inside: &str) -> Vec<Item> {
        // As a paragraph's text it ends as a paragraph does, without a vertical tab or a form
        // feed, which a heading keeps.
        text.truncate(text.trim_end_matches([' ', '\t', '\u{b}', '\u{c}']).len());
        if text.trim().is_empty() {
            self.warn(line, format!("empty heading inside {inside} left out"));
            return Vec::new();
        }
        self.warn(line, format!("heading inside {inside} kept as text: {text}"));
        vec![info(text, InfoStyle::Paragraph)]
    }

    /// A block quote or callout: what is inside it is read as if it stood outside, so that its
    /// tasks are checks. A callout's kind and title (`> [!warning] Before you start`, or
    /// GitHub's `> [!WARNING]`) lead as information.
    fn quote_items(&mut self, callout: Option<&str>, mut blocks: Vec<Block>, line: usize) -> Vec<Item> {
        let mut kind = callout.map(|kind| kind.to_lowercase());
        let mut title = String::new();
        if let Some(Block::Paragraph { text, .. }) = blocks.first_mut()
            && let Some(rest) = text.strip_prefix("[!")
            && let Some((word, after)) = rest.split_once(']')
        {
            kind = Some(word.to_lowercase());
            // `[!todo]-` and `[!todo]+` fold the callout in Obsidian.
            let after = after.strip_prefix(['+', '-']).unwrap_or(after);
            let (first, more) = after.split_once('\n').unwrap_or((after, ""));
            title = first.trim().to_string();
            *text = more.to_string();
            if text.trim().is_empty() {
                blocks.remove(0);
            }
        }
        let mut items = Vec::new();
        if let Some(kind) = kind {
            let mut name: String = kind.chars().take(1).flat_map(char::to_uppercase).chain(kind.chars().skip(1)).collect();
            if !title.is_empty() {
                name = format!("{name}: {title}");
            }
            items.push(info(format!("**{name}**"), InfoStyle::Paragraph));
        }
        for block in blocks {
            match block {
                Block::Heading { text, line, .. } => items.extend(self.heading_as_text(text, line, "a block quote")),
                other => items.extend(self.block_items(other)),
            }
        }
        if items.is_empty() {
            self.warn(line, "empty block quote left out");
        }
        items
    }

    fn list_item(&mut self, source: ListItem, ordered: bool) -> Vec<Item> {
        let ListItem { mut task, text: source_text, line, blocks } = source;
        let mut written = source_text.as_str();
        if task.is_none() {
            if let Some((box_text, ticked, rest)) = tasks::malformed_box(written) {
                self.warn(
                    line,
                    format!("`{box_text}` read as a task box `[{}]`; write it so for every Markdown reader", if ticked { "x" } else { " " }),
                );
                (task, written) = (Some(ticked), rest);
            } else if let Some((ticked, rest)) = tasks::keyword_task(written) {
                (task, written) = (Some(ticked), rest);
            }
        }
        // Most items carry no annotation: their text is taken as it is, without a copy.
        let (text, annotation, probe) = if written.contains("<!--") {
            let (text, annotation) = split_annotation(written);
            let (text, probe) = split_probe(&text);
            (text, annotation, probe)
        } else if written.len() == source_text.len() {
            (source_text, Annotation::default(), None)
        } else {
            (written.to_string(), Annotation::default(), None)
        };
        let probe = match probe {
            Some(Ok(spec)) => Some(spec),
            Some(Err(err)) => {
                self.warn(line, err);
                None
            }
            None => None,
        };
        let mut children: Vec<Item> = blocks.into_iter().flat_map(|block| self.block_items(block)).collect();
        // A collected list starts with room for four, and most items have one child or none:
        // kept, the spare room would be a fifth of a big template.
        children.shrink_to_fit();
        if text.trim().is_empty() {
            if task.is_some() {
                self.warn(line, "empty task left out");
            }
            return children;
        }
        // Fill-ins written as tasks or bullets (`- [ ] QA Lead: ____ Date: ____`).
        if let Some((label, value)) = label_line(&text).filter(|_| !annotation.text)
            && (task.is_none() || self.signoff() || is_role_label(&label))
            && self.fill_in(&label, &value, &annotation, self.placement())
        {
            return children;
        }
        let kind = match (task, ordered) {
            (Some(_), _) => ItemKind::Check,
            (None, true) => ItemKind::Step,
            (None, false) => ItemKind::Info,
        };
        if task == Some(true) {
            self.ticked += 1;
        }
        let mut item = Item::new(annotation.id.unwrap_or_default(), text, kind);
        item.ticked = task == Some(true);
        if kind == ItemKind::Info {
            item.style = InfoStyle::Bullet;
        }
        if let Some(required) = annotation.required {
            item.required = required;
        }
        item.children = children;
        item.probe = probe.map(Box::new);
        vec![item]
    }

    /// Front matter: `title` (or `name`) is the title unless a level-1 heading opens the
    /// document, `description` (or `about`) the description, `version` the version, and every
    /// other key a pre-filled field of the header (a blank one when it has no value or its
    /// value is a blank, which is read as on a header line: a field, or a role where its label
    /// names one).
    pub(super) fn front_matter(&mut self, matter: &super::prepare::FrontMatter, has_heading: bool) {
        for line in &matter.skipped {
            self.warn(*line, "front matter line that is not `key: value` left out");
        }
        let mut title_taken = has_heading;
        for (key, value, line) in &matter.pairs {
            match key.to_lowercase().as_str() {
                "title" | "name" if !title_taken && !value.is_empty() => {
                    self.title = Some(split_annotation(value));
                    title_taken = true;
                }
                "description" | "about" if self.description.is_empty() && !value.is_empty() => self.description = value.clone(),
                "version" if self.version.is_empty() && !value.is_empty() => self.version = value.clone(),
                _ if self.fields.iter().any(|f| f.label.eq_ignore_ascii_case(key)) => {
                    self.warn(*line, format!("front matter key `{key}` given twice; the first is kept"));
                }
                // A blank (`owner: ____`) is a fill-in, as on a `**Owner:** ____` line.
                _ if self.fill_in(key, value, &Annotation::default(), Placement::Header) => {}
                _ => self.fields.push(Field {
                    id: String::new(),
                    label: key.clone(),
                    kind: FieldKind::Text,
                    required: false,
                    default: (!value.is_empty()).then(|| FieldValue::Text(value.clone())),
                    hint: String::new(),
                    placement: Placement::Header,
                }),
            }
        }
    }

    /// Assembles the template: nests the sections, resolves placements, assigns ids.
    pub(super) fn finish(mut self, id: String, title: Option<String>) -> Imported {
        let (heading, annotation) = self.title.take().unwrap_or_default();
        let title = title.filter(|t| !t.trim().is_empty()).unwrap_or(heading);
        let title = if title.trim().is_empty() { "Untitled checklist".to_string() } else { title };
        fn nest(nodes: &mut [Node], at: usize) -> Section {
            let children = std::mem::take(&mut nodes[at].children);
            let mut section =
                std::mem::replace(&mut nodes[at].section, Section { id: String::new(), title: String::new(), items: vec![], sections: vec![] });
            section.sections = children.into_iter().map(|child| nest(nodes, child)).collect();
            section
        }
        let mut nodes = std::mem::take(&mut self.nodes);
        let sections = self.roots.iter().map(|&at| nest(&mut nodes, at)).collect();
        // Emptied, the nodes' list is still as long as there are sections: it goes before the
        // ids are derived, when the template is at its largest.
        drop(nodes);
        let mut template = Template {
            format_version: TEMPLATE_FORMAT_VERSION,
            id: annotation.id.unwrap_or(id),
            title,
            version: annotation.version.unwrap_or(std::mem::take(&mut self.version)),
            description: std::mem::take(&mut self.description),
            fields: std::mem::take(&mut self.fields),
            items: std::mem::take(&mut self.preamble),
            sections,
            roles: std::mem::take(&mut self.roles),
            max_probe_age_minutes: annotation.max_probe_age.unwrap_or(crate::model::DEFAULT_MAX_PROBE_AGE_MINUTES),
        };
        let section_ids = assign_ids(&mut template);
        // Placements named sections by index while reading; now they get the sections' ids.
        let resolve = |placement: &mut Placement| {
            if let Placement::Section(index) = placement
                && let Some(id) = index.parse::<usize>().ok().and_then(|at| section_ids.get(at))
            {
                *placement = Placement::Section(id.to_string());
            }
        };
        template.fields.iter_mut().for_each(|field| resolve(&mut field.placement));
        template.roles.iter_mut().for_each(|role| resolve(&mut role.placement));
        Imported { template, warnings: self.warnings, ticked: self.ticked, mojibake_repaired: 0, mojibake_dropped: 0, added_fields: Vec::new() }
    }
}

mod tables;

/// Whether a paragraph has a `Label: ____` fill-in and no `description` annotation (which export
/// writes on a description that would read as one).
fn fill_ins(text: &str) -> bool {
    let last = text.rsplit_once('\n').map_or(text, |(_, last)| last);
    text.lines().any(|line| label_line(line).is_some_and(|(_, value)| blank_value(&value).is_some())) && !split_annotation(last).1.description
}

fn info(text: String, style: InfoStyle) -> Item {
    let mut item = Item::new(String::new(), text, ItemKind::Info);
    item.style = style;
    item
}

pub(super) fn kind_from_annotation(kind: Option<&str>) -> Option<FieldKind> {
    Some(match kind? {
        "text" => FieldKind::Text,
        "multiline" => FieldKind::MultiLine,
        "date" => FieldKind::Date,
        "number" => FieldKind::Number { unit: String::new() },
        _ => return None,
    })
}

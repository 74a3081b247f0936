//! The checklist template: sections, items, fill-in fields and sign-off roles.

use serde::{Deserialize, Serialize};

use super::FieldValue;

/// The template format this build writes and the newest it reads.
pub const TEMPLATE_FORMAT_VERSION: u32 = 1;

/// A reusable checklist, as a template author wrote it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    pub format_version: u32,
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub description: String,
    /// Fill-ins for a run: release, environment, metrics, tables.
    #[serde(default)]
    pub fields: Vec<Field>,
    /// Items that stand before the first section.
    #[serde(default)]
    pub items: Vec<Item>,
    #[serde(default)]
    pub sections: Vec<Section>,
    #[serde(default)]
    pub roles: Vec<Role>,
    /// How old a probe result may be, in minutes, when someone signs: older results, and
    /// required probes never run, must be re-run or waived with a reason.
    #[serde(default = "default_max_probe_age", skip_serializing_if = "is_default_max_probe_age")]
    pub max_probe_age_minutes: u32,
}

/// The maximum probe age a template gets unless it says otherwise.
pub const DEFAULT_MAX_PROBE_AGE_MINUTES: u32 = 60;

/// Items nest at most this deep (an item under an item under … counts each level). No real
/// checklist comes near it; the bound keeps a template and a run of it within what the RON
/// reader accepts, and every walk over the tree shallow.
pub const MAX_ITEM_DEPTH: usize = 16;
/// Sections nest at most this deep (Markdown headings give at most six levels).
pub const MAX_SECTION_DEPTH: usize = 8;

fn default_max_probe_age() -> u32 {
    DEFAULT_MAX_PROBE_AGE_MINUTES
}

fn is_default_max_probe_age(minutes: &u32) -> bool {
    *minutes == DEFAULT_MAX_PROBE_AGE_MINUTES
}

/// A titled group of items; sections nest to any depth.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub items: Vec<Item>,
    #[serde(default)]
    pub sections: Vec<Section>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ItemKind {
    /// A task someone must do and tick.
    Check,
    /// A numbered procedure step; optional unless marked required.
    Step,
    /// Read-only text: a note, a link, a code block, a table.
    Info,
}

/// How an `Info` item was written, so that Markdown export gives it back in the same form.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum InfoStyle {
    #[default]
    Paragraph,
    Bullet,
    /// A code block; the item text is the code, `lang` the info string.
    Code,
    /// A table, a block quote or HTML kept as its Markdown source.
    Verbatim,
}

impl InfoStyle {
    fn is_default(&self) -> bool {
        *self == Self::Paragraph
    }
}

/// One line of a checklist. Its `id` is stable: it stays when the text is edited.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    pub id: String,
    /// Markdown inline text (emphasis, code and links kept as written).
    pub text: String,
    pub kind: ItemKind,
    pub required: bool,
    #[serde(default, skip_serializing_if = "InfoStyle::is_default")]
    pub style: InfoStyle,
    /// The info string of a code block (`bash`, `json`); empty otherwise.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub lang: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<Item>,
    /// An automated check of this item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe: Option<Box<crate::model::ProbeSpec>>,
    /// The item's box was ticked in the Markdown it was imported from (`- [x]`, ✅, `DONE`).
    /// A run starts with every item pending; one started "in progress" marks these done.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ticked: bool,
}

impl Item {
    pub fn new(id: impl Into<String>, text: impl Into<String>, kind: ItemKind) -> Self {
        Self {
            id: id.into(),
            text: text.into(),
            kind,
            required: kind == ItemKind::Check,
            style: InfoStyle::Paragraph,
            lang: String::new(),
            children: Vec::new(),
            probe: None,
            ticked: false,
        }
    }

    /// Whether a person acts on this item (ticks it, fails it, marks it N/A).
    pub fn is_actionable(&self) -> bool {
        self.kind != ItemKind::Info
    }
}

/// Where a field or role stood in the source document; Markdown export puts it back there.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Placement {
    /// The metadata block under the title.
    Header,
    /// Inside the section with this id.
    Section(String),
    /// The metadata block at the end of the document.
    Footer,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum FieldKind {
    Text,
    MultiLine,
    Number {
        unit: String,
    },
    /// A calendar date, entered as YYYY-MM-DD.
    Date,
    /// A table to fill in; some cells may come pre-filled in `default`.
    Table {
        columns: Vec<String>,
    },
}

/// A value to fill in when starting or working through a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    pub id: String,
    pub label: String,
    pub kind: FieldKind,
    /// A required field must be filled before a run can start.
    pub required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<FieldValue>,
    /// Extra guidance shown next to the input, such as "if applicable".
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub hint: String,
    pub placement: Placement,
}

/// Someone who must (or may) sign the run off.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Role {
    pub id: String,
    pub title: String,
    /// What signing means, such as "Approved for production"; the signer may edit it.
    pub meaning: String,
    pub required: bool,
    pub placement: Placement,
    /// The role must be signed with a key (a drawn signature alone is refused).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub require_key: bool,
    /// Roles whose signers must be other people than this role's (segregation of duties): the
    /// rule holds both ways, so it is enough to name it on one of the two roles.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub separate_from: Vec<String>,
}

/// How many of each thing a template holds, for summaries and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TemplateCounts {
    pub sections: usize,
    pub checks: usize,
    pub steps: usize,
    pub info: usize,
    pub fields: usize,
    pub roles: usize,
}

impl Template {
    /// A new, empty template, as the editor starts one.
    pub fn blank() -> Template {
        Template {
            format_version: TEMPLATE_FORMAT_VERSION,
            id: "new-checklist".into(),
            title: "New checklist".into(),
            version: "1".into(),
            description: String::new(),
            fields: Vec::new(),
            items: Vec::new(),
            sections: Vec::new(),
            roles: Vec::new(),
            max_probe_age_minutes: DEFAULT_MAX_PROBE_AGE_MINUTES,
        }
    }

    /// Every item, depth first in document order, with the id of its section (None at the top).
    pub fn all_items(&self) -> Vec<(Option<&Section>, &Item)> {
        fn push_items<'a>(out: &mut Vec<(Option<&'a Section>, &'a Item)>, section: Option<&'a Section>, items: &'a [Item]) {
            for item in items {
                out.push((section, item));
                push_items(out, section, &item.children);
            }
        }
        fn push_section<'a>(out: &mut Vec<(Option<&'a Section>, &'a Item)>, section: &'a Section) {
            push_items(out, Some(section), &section.items);
            for child in &section.sections {
                push_section(out, child);
            }
        }
        let mut out = Vec::new();
        push_items(&mut out, None, &self.items);
        for section in &self.sections {
            push_section(&mut out, section);
        }
        out
    }

    /// The first item nested deeper than [`MAX_ITEM_DEPTH`], if any.
    pub fn too_deep_item(&self) -> Option<&Item> {
        fn walk(items: &[Item], depth: usize) -> Option<&Item> {
            items.iter().find_map(|item| if depth > MAX_ITEM_DEPTH { Some(item) } else { walk(&item.children, depth + 1) })
        }
        let sections = self.all_sections();
        walk(&self.items, 1).or_else(|| sections.iter().find_map(|(_, section)| walk(&section.items, 1)))
    }

    /// Every section, depth first, with its depth (0 for top-level sections).
    pub fn all_sections(&self) -> Vec<(usize, &Section)> {
        fn walk<'a>(out: &mut Vec<(usize, &'a Section)>, depth: usize, sections: &'a [Section]) {
            for section in sections {
                out.push((depth, section));
                walk(out, depth + 1, &section.sections);
            }
        }
        let mut out = Vec::new();
        walk(&mut out, 0, &self.sections);
        out
    }

    pub fn find_item(&self, id: &str) -> Option<&Item> {
        self.all_items().into_iter().map(|(_, item)| item).find(|item| item.id == id)
    }

    pub fn find_field(&self, id: &str) -> Option<&Field> {
        self.fields.iter().find(|field| field.id == id)
    }

    /// Finds a section by id, searching nested sections too.
    pub fn find_section(&self, id: &str) -> Option<&Section> {
        self.all_sections().into_iter().map(|(_, s)| s).find(|s| s.id == id)
    }

    pub fn counts(&self) -> TemplateCounts {
        let mut counts =
            TemplateCounts { sections: self.all_sections().len(), fields: self.fields.len(), roles: self.roles.len(), ..TemplateCounts::default() };
        for (_, item) in self.all_items() {
            match item.kind {
                ItemKind::Check => counts.checks += 1,
                ItemKind::Step => counts.steps += 1,
                ItemKind::Info => counts.info += 1,
            }
        }
        counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Template {
        let mut child = Item::new("child", "Child", ItemKind::Check);
        child.required = false;
        let mut parent = Item::new("parent", "Parent", ItemKind::Step);
        parent.children.push(child);
        Template {
            format_version: TEMPLATE_FORMAT_VERSION,
            id: "t".into(),
            title: "T".into(),
            version: String::new(),
            description: String::new(),
            fields: vec![],
            items: vec![Item::new("intro", "Intro", ItemKind::Info)],
            sections: vec![Section {
                id: "a".into(),
                title: "A".into(),
                items: vec![parent],
                sections: vec![Section {
                    id: "b".into(),
                    title: "B".into(),
                    items: vec![Item::new("deep", "Deep", ItemKind::Check)],
                    sections: vec![],
                }],
            }],
            roles: vec![],
            max_probe_age_minutes: DEFAULT_MAX_PROBE_AGE_MINUTES,
        }
    }

    #[test]
    fn walks_items_depth_first_in_document_order() {
        let template = sample();
        let ids: Vec<_> = template.all_items().iter().map(|(_, i)| i.id.as_str()).collect();
        assert_eq!(ids, ["intro", "parent", "child", "deep"]);
        let sections: Vec<_> = template.all_items().iter().map(|(s, _)| s.map(|s| s.id.as_str())).collect();
        assert_eq!(sections, [None, Some("a"), Some("a"), Some("b")]);
    }

    #[test]
    fn counts_each_kind() {
        let counts = sample().counts();
        assert_eq!((counts.sections, counts.checks, counts.steps, counts.info), (2, 2, 1, 1));
        assert!(sample().find_item("deep").is_some());
        assert!(sample().find_section("b").is_some());
    }
}

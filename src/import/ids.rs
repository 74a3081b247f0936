//! Ids for imported templates: slugs of the text in document order, explicit ids kept.
//!
//! The importer and the Markdown export share this so that export can tell which ids the
//! importer would derive by itself and annotate only the others.

use std::collections::HashSet;

use crate::model::{IdAllocator, Item, ItemKind, Section, Template};

/// Derives an id for each entry without one, in order, after reserving the explicit ones.
pub(super) fn derive(entries: &[(&str, Option<&str>)], fallback: &str) -> Vec<String> {
    let mut ids = IdAllocator::with_capacity(entries.len());
    for (_, explicit) in entries {
        if let Some(id) = explicit {
            ids.reserve(id);
        }
    }
    entries
        .iter()
        .map(|(text, explicit)| match explicit {
            Some(id) => id.to_string(),
            None => ids.allocate(text, fallback),
        })
        .collect()
}

fn item_source(item: &Item) -> &str {
    if item.kind == ItemKind::Info && item.text.trim().is_empty() { "info" } else { &item.text }
}

fn visit_items_mut(items: &mut [Item], f: &mut impl FnMut(&mut Item)) {
    for item in items {
        f(item);
        visit_items_mut(&mut item.children, f);
    }
}

fn visit_sections_mut(sections: &mut [Section], f: &mut impl FnMut(&mut Section)) {
    for section in sections {
        f(section);
        visit_sections_mut(&mut section.sections, f);
    }
}

/// Every item in document order, mutably.
fn all_items_mut(template: &mut Template, f: &mut impl FnMut(&mut Item)) {
    visit_items_mut(&mut template.items, f);
    visit_sections_mut(&mut template.sections, &mut |section| visit_items_mut(&mut section.items, f));
}

/// The four id namespaces as (text, id) pairs in document order, borrowed from the template.
struct Namespaces<'a> {
    items: Vec<(&'a str, &'a str)>,
    sections: Vec<(&'a str, &'a str)>,
    fields: Vec<(&'a str, &'a str)>,
    roles: Vec<(&'a str, &'a str)>,
}

fn namespaces(template: &Template) -> Namespaces<'_> {
    Namespaces {
        items: template.all_items().into_iter().map(|(_, i)| (item_source(i), i.id.as_str())).collect(),
        sections: template.all_sections().into_iter().map(|(_, s)| (s.title.as_str(), s.id.as_str())).collect(),
        fields: template.fields.iter().map(|f| (f.label.as_str(), f.id.as_str())).collect(),
        roles: template.roles.iter().map(|r| (r.title.as_str(), r.id.as_str())).collect(),
    }
}

fn derive_missing(entries: &[(&str, &str)], fallback: &str) -> Vec<String> {
    let view: Vec<(&str, Option<&str>)> = entries.iter().map(|(text, id)| (*text, (!id.is_empty()).then_some(*id))).collect();
    derive(&view, fallback)
}

/// Fills every empty id in the template; returns the section ids in document order.
pub(super) fn assign_ids(template: &mut Template) -> Vec<String> {
    // Derived while the template is only read (no text is copied), then set.
    let (item_ids, section_ids, field_ids, role_ids) = {
        let names = namespaces(template);
        (
            derive_missing(&names.items, "item"),
            derive_missing(&names.sections, "section"),
            derive_missing(&names.fields, "field"),
            derive_missing(&names.roles, "role"),
        )
    };
    let mut item_ids = item_ids.into_iter();
    let mut next_section = section_ids.clone().into_iter();
    all_items_mut(template, &mut |item| item.id = item_ids.next().unwrap_or_default());
    visit_sections_mut(&mut template.sections, &mut |section| section.id = next_section.next().unwrap_or_default());
    for (field, id) in template.fields.iter_mut().zip(field_ids) {
        field.id = id;
    }
    for (role, id) in template.roles.iter_mut().zip(role_ids) {
        role.id = id;
    }
    section_ids
}

/// The ids export must write out because import would not derive them from the text: found by
/// growing the set of written ids until every other id derives as it is.
pub(super) fn ids_to_write(template: &Template) -> IdsToWrite {
    let names = namespaces(template);
    IdsToWrite {
        items: written_ids(&names.items, "item"),
        sections: written_ids(&names.sections, "section"),
        fields: written_ids(&names.fields, "field"),
        roles: written_ids(&names.roles, "role"),
    }
}

/// Ids, per namespace, that Markdown export writes as annotations.
#[derive(Debug, Default)]
pub(super) struct IdsToWrite {
    pub items: HashSet<String>,
    pub sections: HashSet<String>,
    pub fields: HashSet<String>,
    pub roles: HashSet<String>,
}

fn written_ids(entries: &[(&str, &str)], fallback: &str) -> HashSet<String> {
    let mut written: HashSet<usize> = HashSet::new();
    loop {
        let view: Vec<(&str, Option<&str>)> =
            entries.iter().enumerate().map(|(at, (text, id))| (*text, written.contains(&at).then_some(*id))).collect();
        let derived = derive(&view, fallback);
        let wrong: Vec<usize> = (0..entries.len()).filter(|at| !written.contains(at) && derived[*at] != entries[*at].1).collect();
        if wrong.is_empty() {
            break;
        }
        written.extend(wrong);
    }
    written.into_iter().map(|at| entries[at].1.to_string()).collect()
}

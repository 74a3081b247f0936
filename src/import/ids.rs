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

/// The four id namespaces as (text, id) pairs in document order.
struct Namespaces {
    items: Vec<(String, String)>,
    sections: Vec<(String, String)>,
    fields: Vec<(String, String)>,
    roles: Vec<(String, String)>,
}

fn namespaces(template: &Template) -> Namespaces {
    Namespaces {
        items: template.all_items().iter().map(|(_, i)| (item_source(i).to_string(), i.id.clone())).collect(),
        sections: template.all_sections().iter().map(|(_, s)| (s.title.clone(), s.id.clone())).collect(),
        fields: template.fields.iter().map(|f| (f.label.clone(), f.id.clone())).collect(),
        roles: template.roles.iter().map(|r| (r.title.clone(), r.id.clone())).collect(),
    }
}

fn derive_missing(entries: &[(String, String)], fallback: &str) -> Vec<String> {
    let view: Vec<(&str, Option<&str>)> = entries.iter().map(|(text, id)| (text.as_str(), (!id.is_empty()).then_some(id.as_str()))).collect();
    derive(&view, fallback)
}

/// Fills every empty id in the template; returns the section ids in document order.
pub(super) fn assign_ids(template: &mut Template) -> Vec<String> {
    let names = namespaces(template);
    let mut item_ids = derive_missing(&names.items, "item").into_iter();
    let section_ids = derive_missing(&names.sections, "section");
    let mut next_section = section_ids.clone().into_iter();
    all_items_mut(template, &mut |item| item.id = item_ids.next().unwrap_or_default());
    visit_sections_mut(&mut template.sections, &mut |section| section.id = next_section.next().unwrap_or_default());
    for (field, id) in template.fields.iter_mut().zip(derive_missing(&names.fields, "field")) {
        field.id = id;
    }
    for (role, id) in template.roles.iter_mut().zip(derive_missing(&names.roles, "role")) {
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

fn written_ids(entries: &[(String, String)], fallback: &str) -> HashSet<String> {
    let mut written: HashSet<usize> = HashSet::new();
    loop {
        let view: Vec<(&str, Option<&str>)> =
            entries.iter().enumerate().map(|(at, (text, id))| (text.as_str(), written.contains(&at).then_some(id.as_str()))).collect();
        let derived = derive(&view, fallback);
        let wrong: Vec<usize> = (0..entries.len()).filter(|at| !written.contains(at) && derived[*at] != entries[*at].1).collect();
        if wrong.is_empty() {
            break;
        }
        written.extend(wrong);
    }
    written.into_iter().map(|at| entries[at].1.clone()).collect()
}

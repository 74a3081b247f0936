//! Ids for imported templates: slugs of the text in document order, explicit ids kept.
//!
//! The importer and the Markdown export share this so that export can tell which ids the
//! importer would derive by itself and annotate only the others.

use std::collections::{HashMap, HashSet};
use std::fmt::Write;

#[cfg(doc)]
use crate::model::IdAllocator;
use crate::model::{Item, ItemKind, Section, Template, slug};

/// Derives an id for each entry without one (`(text, "")`), in order, after reserving the
/// explicit ones (`(text, id)`): the same ids as [`IdAllocator`] hands out one by one, without a
/// second copy of any in the set of ids taken (a big checklist has a million, and a long one
/// made of repeated parts numbers most of them).
pub(super) fn derive(entries: &[(&str, &str)], fallback: &str) -> Vec<String> {
    let mut ids: Vec<String> =
        entries
            .iter()
            .map(|(text, id)| {
                if !id.is_empty() { id.to_string() } else { Some(slug(text)).filter(|base| !base.is_empty()).unwrap_or_else(|| fallback.to_string()) }
            })
            .collect();
    let hasher = ahash::RandomState::new();
    let hash = |text: &str| hasher.hash_one(text);
    // The ids taken, as indices into `ids`: the explicit ones from the start, then each as it is
    // settled.
    let mut taken: hashbrown::HashTable<usize> = hashbrown::HashTable::with_capacity(ids.len());
    let is_taken = |taken: &hashbrown::HashTable<usize>, ids: &[String], text: &str| taken.find(hash(text), |&at| ids[at] == text).is_some();
    for (at, (_, id)) in entries.iter().enumerate() {
        if !id.is_empty() {
            taken.insert_unique(hash(id), at, |&at| hash(&ids[at]));
        }
    }
    // The next number to try, per base that was taken before.
    let mut next_suffix: HashMap<String, usize, ahash::RandomState> = HashMap::default();
    let mut candidate = String::new();
    for at in 0..ids.len() {
        if !entries[at].1.is_empty() {
            continue;
        }
        if is_taken(&taken, &ids, &ids[at]) {
            let base = ids[at].as_str();
            let next = match next_suffix.get_mut(base) {
                Some(next) => next,
                None => next_suffix.entry(base.to_string()).or_insert(2),
            };
            loop {
                candidate.clear();
                let _ = write!(candidate, "{base}-{next}");
                *next += 1;
                if !is_taken(&taken, &ids, &candidate) {
                    break;
                }
            }
            ids[at].clone_from(&candidate);
        }
        taken.insert_unique(hash(&ids[at]), at, |&at| hash(&ids[at]));
    }
    ids
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
    fn push_items<'a>(items: &'a [Item], out: &mut Vec<(&'a str, &'a str)>) {
        for item in items {
            out.push((item_source(item), item.id.as_str()));
            push_items(&item.children, out);
        }
    }
    fn push_sections<'a>(sections: &'a [Section], out: &mut Vec<(&'a str, &'a str)>) {
        for section in sections {
            push_items(&section.items, out);
            push_sections(&section.sections, out);
        }
    }
    // In the order of `Template::all_items`, without its list of every item.
    let mut items = Vec::new();
    push_items(&template.items, &mut items);
    push_sections(&template.sections, &mut items);
    Namespaces {
        items,
        sections: template.all_sections().into_iter().map(|(_, s)| (s.title.as_str(), s.id.as_str())).collect(),
        fields: template.fields.iter().map(|f| (f.label.as_str(), f.id.as_str())).collect(),
        roles: template.roles.iter().map(|r| (r.title.as_str(), r.id.as_str())).collect(),
    }
}

/// Fills every empty id in the template; returns the section ids in document order.
pub(super) fn assign_ids(template: &mut Template) -> Vec<String> {
    // Derived while the template is only read (no text is copied), then set.
    let (item_ids, section_ids, field_ids, role_ids) = {
        let names = namespaces(template);
        (derive(&names.items, "item"), derive(&names.sections, "section"), derive(&names.fields, "field"), derive(&names.roles, "role"))
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
        let view: Vec<(&str, &str)> =
            entries.iter().enumerate().map(|(at, (text, id))| (*text, if written.contains(&at) { *id } else { "" })).collect();
        let derived = derive(&view, fallback);
        let wrong: Vec<usize> = (0..entries.len()).filter(|at| !written.contains(at) && derived[*at] != entries[*at].1).collect();
        if wrong.is_empty() {
            break;
        }
        written.extend(wrong);
    }
    written.into_iter().map(|at| entries[at].1.to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::IdAllocator;

    #[test]
    fn derive_hands_out_the_ids_the_allocator_would() {
        let entries = [
            ("Deploy", ""),
            ("Deploy", ""),
            ("deploy 2", ""),
            ("Deploy", "deploy-3"),
            ("Deploy", ""),
            ("🎉", ""),
            ("", ""),
            ("Rollback", "deploy"),
            ("x", "item"),
        ];
        let mut allocator = IdAllocator::new();
        for (_, id) in entries.iter().filter(|(_, id)| !id.is_empty()) {
            allocator.reserve(id);
        }
        let expected: Vec<String> =
            entries.iter().map(|(text, id)| if id.is_empty() { allocator.allocate(text, "item") } else { id.to_string() }).collect();
        assert_eq!(derive(&entries, "item"), expected);
        assert_eq!(expected, ["deploy-2", "deploy-4", "deploy-2-2", "deploy-3", "deploy-5", "item-2", "item-3", "deploy", "item"]);
    }
}

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
pub(super) fn derive<'a>(entries: impl IntoIterator<Item = (&'a str, &'a str)>, fallback: &str) -> Vec<Box<str>> {
    // Each entry's slug, or its explicit id, and which are explicit: the entries themselves are
    // walked once, not kept (for a big template's items they would be a fifth of its size). An
    // id is boxed: it keeps no spare room (a slug is made with room for its text, often twice
    // what it keeps), and the list of a million is a third smaller than one of strings.
    let (mut ids, explicit): (Vec<Box<str>>, Vec<bool>) = entries
        .into_iter()
        .map(|(text, id)| {
            if id.is_empty() {
                let base = slug(text);
                (if base.is_empty() { fallback.into() } else { base.into_boxed_str() }, false)
            } else {
                (id.into(), true)
            }
        })
        .unzip();
    let hasher = ahash::RandomState::new();
    let hash = |text: &str| hasher.hash_one(text);
    // The ids taken, as indices into `ids` (four bytes each: no template holds four billion
    // items): the explicit ones from the start, then each as it is settled.
    let index = |at: usize| u32::try_from(at).unwrap_or(u32::MAX);
    let mut taken: hashbrown::HashTable<u32> = hashbrown::HashTable::with_capacity(ids.len());
    for at in (0..ids.len()).filter(|&at| explicit[at]) {
        taken.insert_unique(hash(&ids[at]), index(at), |&at| hash(&ids[at as usize]));
    }
    // The next number to try, per base that was taken before.
    let mut next_suffix: HashMap<String, usize, ahash::RandomState> = HashMap::default();
    let mut candidate = String::new();
    for at in 0..ids.len() {
        if explicit[at] {
            continue;
        }
        // Each text is hashed once, for the look-up and the insert both.
        let mut hashed = hash(&ids[at]);
        if taken.find(hashed, |&other| ids[other as usize] == ids[at]).is_some() {
            let base = &*ids[at];
            let next = match next_suffix.get_mut(base) {
                Some(next) => next,
                None => next_suffix.entry(base.to_string()).or_insert(2),
            };
            loop {
                candidate.clear();
                let _ = write!(candidate, "{base}-{next}");
                *next += 1;
                hashed = hash(&candidate);
                if taken.find(hashed, |&other| *ids[other as usize] == *candidate).is_none() {
                    break;
                }
            }
            ids[at] = candidate.as_str().into();
        }
        taken.insert_unique(hashed, index(at), |&other| hash(&ids[other as usize]));
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
    Namespaces {
        items: item_names(template).collect(),
        sections: section_names(template).collect(),
        fields: field_names(template).collect(),
        roles: role_names(template).collect(),
    }
}

/// Each namespace's (text, id) pairs in document order, for [`derive`] or [`Namespaces`].
fn item_names(template: &Template) -> impl Iterator<Item = (&str, &str)> {
    ItemsInOrder::new(template).map(|item| (item_source(item), item.id.as_str()))
}

fn section_names(template: &Template) -> impl Iterator<Item = (&str, &str)> {
    template.all_sections().into_iter().map(|(_, s)| (s.title.as_str(), s.id.as_str()))
}

fn field_names(template: &Template) -> impl Iterator<Item = (&str, &str)> {
    template.fields.iter().map(|f| (f.label.as_str(), f.id.as_str()))
}

fn role_names(template: &Template) -> impl Iterator<Item = (&str, &str)> {
    template.roles.iter().map(|r| (r.title.as_str(), r.id.as_str()))
}

/// Every item of a template in the order of `Template::all_items`, without its list of every
/// item, and knowing from the start how many there are.
struct ItemsInOrder<'a> {
    /// The lists being walked, innermost last.
    items: Vec<std::slice::Iter<'a, Item>>,
    sections: Vec<std::slice::Iter<'a, Section>>,
    left: usize,
}

impl<'a> ItemsInOrder<'a> {
    fn new(template: &'a Template) -> Self {
        fn count_items(items: &[Item]) -> usize {
            items.iter().map(|item| 1 + count_items(&item.children)).sum()
        }
        fn count_in_sections(sections: &[Section]) -> usize {
            sections.iter().map(|section| count_items(&section.items) + count_in_sections(&section.sections)).sum()
        }
        Self {
            items: vec![template.items.iter()],
            sections: vec![template.sections.iter()],
            left: count_items(&template.items) + count_in_sections(&template.sections),
        }
    }
}

impl<'a> Iterator for ItemsInOrder<'a> {
    type Item = &'a Item;

    fn next(&mut self) -> Option<&'a Item> {
        loop {
            if let Some(list) = self.items.last_mut() {
                match list.next() {
                    Some(item) => {
                        self.items.push(item.children.iter());
                        self.left -= 1;
                        return Some(item);
                    }
                    None => {
                        self.items.pop();
                        continue;
                    }
                }
            }
            // A section's items come before the sections under it.
            let sections = self.sections.last_mut()?;
            match sections.next() {
                Some(section) => {
                    self.sections.push(section.sections.iter());
                    self.items.push(section.items.iter());
                }
                None => {
                    self.sections.pop();
                }
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

/// Fills every empty id in the template; returns the section ids in document order.
pub(super) fn assign_ids(template: &mut Template) -> Vec<Box<str>> {
    // Derived while the template is only read (no text is copied), then set.
    let (item_ids, section_ids, field_ids, role_ids) = {
        (
            derive(item_names(template), "item"),
            derive(section_names(template), "section"),
            derive(field_names(template), "field"),
            derive(role_names(template), "role"),
        )
    };
    let mut item_ids = item_ids.into_iter();
    let mut next_section = section_ids.clone().into_iter();
    all_items_mut(template, &mut |item| item.id = item_ids.next().map(String::from).unwrap_or_default());
    visit_sections_mut(&mut template.sections, &mut |section| section.id = next_section.next().map(String::from).unwrap_or_default());
    for (field, id) in template.fields.iter_mut().zip(field_ids) {
        field.id = id.into_string();
    }
    for (role, id) in template.roles.iter_mut().zip(role_ids) {
        role.id = id.into_string();
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
        let derived = derive(view, fallback);
        let wrong: Vec<usize> = (0..entries.len()).filter(|at| !written.contains(at) && *derived[*at] != *entries[*at].1).collect();
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
        assert_eq!(derive(entries, "item").into_iter().map(String::from).collect::<Vec<_>>(), expected);
        assert_eq!(expected, ["deploy-2", "deploy-4", "deploy-2-2", "deploy-3", "deploy-5", "item-2", "item-3", "deploy", "item"]);
    }
}

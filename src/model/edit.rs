//! Structural edits of a template, addressed by stable ids: what the editor's commands do.

use super::{Field, IdAllocator, Item, ItemKind, Role, Section, Template};

/// Which way to move something among its siblings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Up,
    Down,
}

/// One change to a template. Ids name what to change; positions are never indices taken while
/// drawing, so an edit means the same thing whenever it is applied.
#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    SetTitle(String),
    SetDescription(String),
    /// How old a probe result may be when someone signs, in minutes (at least 1).
    SetMaxProbeAge(u32),
    /// Adds a section at the end of `parent` (or of the top level).
    AddSection {
        parent: Option<String>,
        title: String,
    },
    RenameSection {
        id: String,
        title: String,
    },
    DeleteSection {
        id: String,
    },
    MoveSection {
        id: String,
        direction: Direction,
    },
    /// Adds an item at the end of a section (or before the first section).
    AddItem {
        section: Option<String>,
        text: String,
        kind: ItemKind,
    },
    SetItemText {
        id: String,
        text: String,
    },
    SetItemKind {
        id: String,
        kind: ItemKind,
    },
    SetItemRequired {
        id: String,
        required: bool,
    },
    /// Whether the item counts as ticked in the source Markdown (a run started in progress
    /// marks it done).
    SetItemTicked {
        id: String,
        ticked: bool,
    },
    /// Attaches, replaces or (with None) removes an item's probe.
    SetItemProbe {
        id: String,
        probe: Option<Box<crate::model::ProbeSpec>>,
    },
    DeleteItem {
        id: String,
    },
    MoveItem {
        id: String,
        direction: Direction,
    },
    AddField {
        label: String,
    },
    /// Replaces a field; its id stays.
    UpdateField(Field),
    DeleteField {
        id: String,
    },
    AddRole {
        title: String,
    },
    /// Replaces a role; its id stays.
    UpdateRole(Role),
    DeleteRole {
        id: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("no section `{0}`")]
    UnknownSection(String),
    #[error("no item `{0}`")]
    UnknownItem(String),
    #[error("no field `{0}`")]
    UnknownField(String),
    #[error("no role `{0}`")]
    UnknownRole(String),
    #[error("the text may not be empty")]
    EmptyText,
    #[error("sections nest at most {0} levels deep")]
    TooDeep(usize),
}

fn section_mut<'a>(sections: &'a mut [Section], id: &str) -> Option<&'a mut Section> {
    for section in sections {
        if section.id == id {
            return Some(section);
        }
        if let Some(found) = section_mut(&mut section.sections, id) {
            return Some(found);
        }
    }
    None
}

/// The list that holds the section `id`, so that it can be removed or moved.
fn sibling_sections<'a>(sections: &'a mut Vec<Section>, id: &str) -> Option<&'a mut Vec<Section>> {
    if sections.iter().any(|s| s.id == id) {
        return Some(sections);
    }
    sections.iter_mut().find_map(|s| sibling_sections(&mut s.sections, id))
}

/// The list that holds the item `id`, searching nested items and sections.
fn sibling_items<'a>(items: &'a mut Vec<Item>, id: &str) -> Option<&'a mut Vec<Item>> {
    if items.iter().any(|i| i.id == id) {
        return Some(items);
    }
    items.iter_mut().find_map(|i| sibling_items(&mut i.children, id))
}

fn item_lists<'a>(template: &'a mut Template, id: &str) -> Option<&'a mut Vec<Item>> {
    fn in_sections<'a>(sections: &'a mut [Section], id: &str) -> Option<&'a mut Vec<Item>> {
        sections.iter_mut().find_map(|s| {
            // Looking in the section's items first, then in its subsections.
            if s.items.iter().any(|i| i.id == id) || contains_item(&s.items, id) {
                sibling_items(&mut s.items, id)
            } else {
                in_sections(&mut s.sections, id)
            }
        })
    }
    if contains_item(&template.items, id) {
        return sibling_items(&mut template.items, id);
    }
    in_sections(&mut template.sections, id)
}

fn contains_item(items: &[Item], id: &str) -> bool {
    items.iter().any(|i| i.id == id || contains_item(&i.children, id))
}

fn move_within<T>(list: &mut [T], at: usize, direction: Direction) {
    match direction {
        Direction::Up if at > 0 => list.swap(at, at - 1),
        Direction::Down if at + 1 < list.len() => list.swap(at, at + 1),
        _ => {}
    }
}

/// Removes the element with this id; returns whether there was one.
fn remove_by_id<T>(list: &mut Vec<T>, id_of: impl Fn(&T) -> &String, id: &str) -> bool {
    let before = list.len();
    list.retain(|element| id_of(element) != id);
    list.len() != before
}

fn non_empty(text: &str) -> Result<String, EditError> {
    let text = text.trim();
    if text.is_empty() { Err(EditError::EmptyText) } else { Ok(text.to_string()) }
}

impl Template {
    /// An allocator that knows every id already used in one namespace.
    fn allocator(ids: impl Iterator<Item = String>) -> IdAllocator {
        let mut allocator = IdAllocator::new();
        for id in ids {
            allocator.reserve(&id);
        }
        allocator
    }

    /// Applies an edit. Returns the id of what an `Add…` edit created, if anything.
    pub fn apply(&mut self, edit: Edit) -> Result<Option<String>, EditError> {
        match edit {
            Edit::SetTitle(title) => self.title = non_empty(&title)?,
            Edit::SetDescription(text) => self.description = text.trim().to_string(),
            Edit::SetMaxProbeAge(minutes) => self.max_probe_age_minutes = minutes.max(1),
            Edit::AddSection { parent, title } => {
                let title = non_empty(&title)?;
                let mut ids = Self::allocator(self.all_sections().iter().map(|(_, s)| s.id.clone()));
                let section = Section { id: ids.allocate(&title, "section"), title, items: vec![], sections: vec![] };
                let id = section.id.clone();
                let parent_depth =
                    parent.as_deref().and_then(|parent| self.all_sections().into_iter().find(|(_, s)| s.id == parent).map(|(depth, _)| depth));
                if parent_depth.is_some_and(|depth| depth + 1 >= crate::model::MAX_SECTION_DEPTH) {
                    return Err(EditError::TooDeep(crate::model::MAX_SECTION_DEPTH));
                }
                match parent {
                    Some(parent) => section_mut(&mut self.sections, &parent).ok_or(EditError::UnknownSection(parent))?.sections.push(section),
                    None => self.sections.push(section),
                }
                return Ok(Some(id));
            }
            Edit::RenameSection { id, title } => {
                let title = non_empty(&title)?;
                section_mut(&mut self.sections, &id).ok_or(EditError::UnknownSection(id))?.title = title;
            }
            Edit::DeleteSection { id } => self.delete_section(&id)?,
            Edit::MoveSection { id, direction } => {
                let list = sibling_sections(&mut self.sections, &id).ok_or_else(|| EditError::UnknownSection(id.clone()))?;
                let at = list.iter().position(|s| s.id == id).unwrap_or_default();
                move_within(list, at, direction);
            }
            Edit::AddItem { section, text, kind } => {
                let text = non_empty(&text)?;
                let mut ids = Self::allocator(self.all_items().iter().map(|(_, i)| i.id.clone()));
                let item = Item::new(ids.allocate(&text, "item"), text, kind);
                let id = item.id.clone();
                match section {
                    Some(section) => section_mut(&mut self.sections, &section).ok_or(EditError::UnknownSection(section))?.items.push(item),
                    None => self.items.push(item),
                }
                return Ok(Some(id));
            }
            Edit::SetItemText { id, text } => {
                let text = non_empty(&text)?;
                self.item_mut(&id)?.text = text;
            }
            Edit::SetItemKind { id, kind } => {
                let item = self.item_mut(&id)?;
                item.kind = kind;
                item.required = kind == ItemKind::Check;
            }
            Edit::SetItemRequired { id, required } => self.item_mut(&id)?.required = required,
            Edit::SetItemTicked { id, ticked } => self.item_mut(&id)?.ticked = ticked,
            Edit::SetItemProbe { id, probe } => self.item_mut(&id)?.probe = probe,
            Edit::DeleteItem { id } => {
                let list = item_lists(self, &id).ok_or_else(|| EditError::UnknownItem(id.clone()))?;
                list.retain(|i| i.id != id);
            }
            Edit::MoveItem { id, direction } => {
                let list = item_lists(self, &id).ok_or_else(|| EditError::UnknownItem(id.clone()))?;
                let at = list.iter().position(|i| i.id == id).unwrap_or_default();
                move_within(list, at, direction);
            }
            Edit::AddField { label } => return self.add_field(&label).map(Some),
            Edit::UpdateField(field) => {
                non_empty(&field.label)?;
                let slot = self.fields.iter_mut().find(|f| f.id == field.id).ok_or_else(|| EditError::UnknownField(field.id.clone()))?;
                *slot = field;
            }
            Edit::DeleteField { id } => remove_by_id(&mut self.fields, |f| &f.id, &id).then_some(()).ok_or(EditError::UnknownField(id))?,
            Edit::AddRole { title } => return self.add_role(&title).map(Some),
            Edit::UpdateRole(role) => {
                non_empty(&role.title)?;
                let slot = self.roles.iter_mut().find(|r| r.id == role.id).ok_or_else(|| EditError::UnknownRole(role.id.clone()))?;
                *slot = role;
            }
            Edit::DeleteRole { id } => {
                remove_by_id(&mut self.roles, |r| &r.id, &id).then_some(()).ok_or_else(|| EditError::UnknownRole(id.clone()))?;
                // No role may stay kept apart from one that is gone.
                for role in &mut self.roles {
                    role.separate_from.retain(|other| *other != id);
                }
            }
        }
        Ok(None)
    }

    /// Removes a section; fields and roles placed in it move to the header and footer.
    fn delete_section(&mut self, id: &str) -> Result<(), EditError> {
        let list = sibling_sections(&mut self.sections, id).ok_or_else(|| EditError::UnknownSection(id.to_string()))?;
        list.retain(|s| s.id != id);
        let existing: Vec<String> = self.all_sections().iter().map(|(_, s)| s.id.clone()).collect();
        let orphaned = |p: &super::Placement| matches!(p, super::Placement::Section(s) if !existing.contains(s));
        for field in self.fields.iter_mut().filter(|f| orphaned(&f.placement)) {
            field.placement = super::Placement::Header;
        }
        for role in self.roles.iter_mut().filter(|r| orphaned(&r.placement)) {
            role.placement = super::Placement::Footer;
        }
        Ok(())
    }

    /// Adds an optional text field in the header; returns its id.
    fn add_field(&mut self, label: &str) -> Result<String, EditError> {
        let label = non_empty(label)?;
        let mut ids = Self::allocator(self.fields.iter().map(|f| f.id.clone()));
        let id = ids.allocate(&label, "field");
        self.fields.push(Field {
            id: id.clone(),
            label,
            kind: super::FieldKind::Text,
            required: false,
            default: None,
            hint: String::new(),
            placement: super::Placement::Header,
        });
        Ok(id)
    }

    /// Adds a required role, in the last sign-off section when there is one; returns its id.
    fn add_role(&mut self, title: &str) -> Result<String, EditError> {
        let title = non_empty(title)?;
        let mut ids = Self::allocator(self.roles.iter().map(|r| r.id.clone()));
        let id = ids.allocate(&title, "role");
        let signoff = self.all_sections().iter().rev().find(|(_, s)| s.title.to_lowercase().contains("sign")).map(|(_, s)| s.id.clone());
        self.roles.push(Role {
            id: id.clone(),
            meaning: "Approved for production".into(),
            title,
            required: true,
            placement: signoff.map_or(super::Placement::Footer, super::Placement::Section),
            require_key: false,
            separate_from: Vec::new(),
        });
        Ok(id)
    }

    fn item_mut(&mut self, id: &str) -> Result<&mut Item, EditError> {
        let list = item_lists(self, id).ok_or_else(|| EditError::UnknownItem(id.to_string()))?;
        list.iter_mut().find(|i| i.id == id).ok_or_else(|| EditError::UnknownItem(id.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template() -> Template {
        crate::model::run::tests::template()
    }

    #[test]
    fn add_rename_move_delete_round_trip() {
        let mut t = template();
        let id = t.apply(Edit::AddItem { section: Some("s".into()), text: "Check TLS".into(), kind: ItemKind::Check }).unwrap().unwrap();
        assert_eq!(id, "check-tls");
        t.apply(Edit::SetItemText { id: id.clone(), text: "Check TLS expiry > 30 days".into() }).unwrap();
        assert_eq!(t.find_item("check-tls").unwrap().text, "Check TLS expiry > 30 days", "the id stays when the text changes");
        t.apply(Edit::MoveItem { id: id.clone(), direction: Direction::Up }).unwrap();
        let order: Vec<&str> = t.sections[0].items.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(order, ["a", "check-tls", "optional"]);
        t.apply(Edit::DeleteItem { id: "a".into() }).unwrap();
        assert!(t.find_item("a").is_none());
        assert_eq!(t.problems(), []);
    }

    #[test]
    fn sections_nest_move_and_delete() {
        let mut t = template();
        let sub = t.apply(Edit::AddSection { parent: Some("s".into()), title: "Sub".into() }).unwrap().unwrap();
        let top = t.apply(Edit::AddSection { parent: None, title: "S".into() }).unwrap().unwrap();
        assert_eq!((sub.as_str(), top.as_str()), ("sub", "s-2"));
        t.apply(Edit::MoveSection { id: top.clone(), direction: Direction::Up }).unwrap();
        assert_eq!(t.sections[0].id, "s-2");
        t.apply(Edit::RenameSection { id: sub.clone(), title: "Renamed".into() }).unwrap();
        assert_eq!(t.find_section("sub").unwrap().title, "Renamed");
        t.apply(Edit::DeleteSection { id: "s".into() }).unwrap();
        assert!(t.find_section("sub").is_none());
    }

    #[test]
    fn kind_sets_the_default_required_and_empty_text_is_refused() {
        let mut t = template();
        t.apply(Edit::SetItemKind { id: "a".into(), kind: ItemKind::Step }).unwrap();
        assert!(!t.find_item("a").unwrap().required);
        assert_eq!(t.apply(Edit::SetItemText { id: "a".into(), text: "  ".into() }), Err(EditError::EmptyText));
        assert_eq!(t.apply(Edit::DeleteItem { id: "zz".into() }), Err(EditError::UnknownItem("zz".into())));
    }

    #[test]
    fn fields_and_roles() {
        let mut t = template();
        let id = t.apply(Edit::AddField { label: "Change ticket".into() }).unwrap().unwrap();
        let mut field = t.find_field(&id).unwrap().clone();
        field.required = true;
        t.apply(Edit::UpdateField(field)).unwrap();
        assert!(t.find_field("change-ticket").unwrap().required);
        let role = t.apply(Edit::AddRole { title: "QA Lead".into() }).unwrap().unwrap();
        let manager = t.apply(Edit::AddRole { title: "Release manager".into() }).unwrap().unwrap();
        let apart = Role { separate_from: vec![role.clone()], ..t.roles.iter().find(|r| r.id == manager).unwrap().clone() };
        t.apply(Edit::UpdateRole(apart)).unwrap();
        t.apply(Edit::DeleteRole { id: role }).unwrap();
        assert!(t.roles.iter().all(|r| r.separate_from.is_empty()), "a deleted role is not left in separate_from");
        assert!(t.problems().is_empty(), "{:?}", t.problems());
        assert_eq!(t.roles.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), [manager.as_str()]);
        t.apply(Edit::DeleteField { id }).unwrap();
        assert!(t.find_field("change-ticket").is_none());
    }
}

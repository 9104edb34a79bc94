//! The groups checklist: the application's group tree, ticks, a cursor and a filter.

use std::collections::{HashMap, HashSet};

use tui_input::Input;

use crate::store::Group;

#[derive(Debug, Clone)]
pub struct GroupItem {
    pub id: i64,
    pub name: String,
    /// Depth in the tree (0 = top level), for indentation.
    pub depth: usize,
}

#[derive(Debug, Clone, Default)]
pub struct GroupChecklist {
    /// Every group, parents before children.
    pub items: Vec<GroupItem>,
    pub ticked: HashSet<i64>,
    /// Position of the cursor among the items the filter shows.
    pub cursor: usize,
    pub filter: Input,
}

impl GroupChecklist {
    /// `groups` must come parents first (as [`crate::store::Store::groups`] lists them).
    pub fn new(groups: &[Group], ticked_names: &[String]) -> GroupChecklist {
        let mut depth: HashMap<i64, usize> = HashMap::new();
        let items = groups
            .iter()
            .map(|g| {
                let d = g.parent_id.and_then(|p| depth.get(&p)).map_or(0, |d| d + 1);
                depth.insert(g.id, d);
                GroupItem {
                    id: g.id,
                    name: g.name.clone(),
                    depth: d,
                }
            })
            .collect::<Vec<_>>();
        let ticked = items
            .iter()
            .filter(|i| ticked_names.contains(&i.name))
            .map(|i| i.id)
            .collect();
        GroupChecklist {
            items,
            ticked,
            cursor: 0,
            filter: Input::default(),
        }
    }

    /// The items the filter lets through (case-insensitive substring of the name).
    pub fn visible(&self) -> Vec<&GroupItem> {
        let needle = self.filter.value().to_lowercase();
        self.items
            .iter()
            .filter(|i| needle.is_empty() || i.name.to_lowercase().contains(&needle))
            .collect()
    }

    pub fn move_cursor(&mut self, delta: isize) {
        let n = self.visible().len();
        if n > 0 {
            self.cursor = (self.cursor as isize)
                .saturating_add(delta)
                .clamp(0, n as isize - 1) as usize;
        }
    }

    pub fn toggle(&mut self) {
        let id = self.visible().get(self.cursor).map(|i| i.id);
        if let Some(id) = id
            && !self.ticked.remove(&id)
        {
            self.ticked.insert(id);
        }
    }

    /// Shows every group again, keeping the cursor on the group it was on.
    pub fn clear_filter(&mut self) {
        let on = self.visible().get(self.cursor).map(|i| i.id);
        self.filter.reset();
        self.cursor = on
            .and_then(|id| self.items.iter().position(|i| i.id == id))
            .unwrap_or(0);
    }

    /// After the filter changed: keep the cursor within what is shown.
    pub fn clamp_cursor(&mut self) {
        self.cursor = self.cursor.min(self.visible().len().saturating_sub(1));
    }

    /// Ticked group names in tree order.
    pub fn ticked_names(&self) -> Vec<String> {
        self.items
            .iter()
            .filter(|i| self.ticked.contains(&i.id))
            .map(|i| i.name.clone())
            .collect()
    }

    pub fn ticked_ids(&self) -> Vec<i64> {
        self.items
            .iter()
            .filter(|i| self.ticked.contains(&i.id))
            .map(|i| i.id)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups() -> Vec<Group> {
        let g = |id, name: &str, parent| Group {
            id,
            name: name.into(),
            parent_id: parent,
        };
        vec![
            g(1, "Acme", None),
            g(2, "Sales", Some(1)),
            g(3, "EMEA", Some(2)),
            g(4, "Support", None),
        ]
    }

    #[test]
    fn depths_follow_the_tree_and_ticks_come_from_names() {
        let c = GroupChecklist::new(&groups(), &["EMEA".into()]);
        let depths: Vec<usize> = c.items.iter().map(|i| i.depth).collect();
        assert_eq!(depths, [0, 1, 2, 0]);
        assert_eq!(c.ticked_names(), ["EMEA"]);
    }

    #[test]
    fn filter_narrows_and_toggle_acts_on_the_shown_item() {
        let mut c = GroupChecklist::new(&groups(), &[]);
        for ch in "su".chars() {
            c.filter.handle(tui_input::InputRequest::InsertChar(ch));
        }
        c.clamp_cursor();
        let shown: Vec<&str> = c.visible().iter().map(|i| i.name.as_str()).collect();
        assert_eq!(shown, ["Support"]);
        c.move_cursor(5);
        c.toggle();
        assert_eq!(c.ticked_names(), ["Support"]);
        c.toggle();
        assert!(c.ticked_names().is_empty());
    }
}

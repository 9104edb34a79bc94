//! The Groups pane: the group tree with each group's direct members and members
//! including subgroups (both kept counts) and its devices; the selected group's devices beside it; popups to add,
//! edit and delete groups and to link, unlink and add devices. The tree is read by the
//! groups reader, off the UI thread; while a new tree loads the old one stays.

pub mod form;
pub mod picker;
pub mod tree;
pub mod view;

use std::collections::HashSet;

use ratatui::crossterm::event::Event;
use tui_input::Input;
use tui_input::backend::crossterm::to_input_request;

use super::Effect;
use super::dialog::Confirm;
use super::list::KnownCounts;
use crate::domain::FieldError;
use crate::store::{AppId, GroupSummary};
use crate::tui::action::Action;
use crate::tui::groups_reader::GroupsReader;
use crate::tui::keymap::Context;
use crate::tui::pane::Pane;
use crate::tui::session::Session;
use crate::tui::writer::{GroupWrite, Write};
use form::GroupForm;
use picker::{DevicePicker, Picked, Purpose};
use tree::{GroupTree, TreeRow, visible_rows};

/// A popup of the pane, over the tree.
#[derive(Debug, Clone)]
pub enum Popup {
    Form(GroupForm),
    Picker(DevicePicker),
}

#[derive(Debug, Default)]
pub struct GroupsPane {
    pub tree: GroupTree,
    /// Whether a tree has arrived yet.
    pub loaded: bool,
    /// The generation of the tree waited for.
    loading: Option<u64>,
    /// The ids of the open groups.
    expanded: HashSet<i64>,
    /// The selected group's id; a name to select once the next tree arrives (a group
    /// just added).
    selected: Option<i64>,
    select_name: Option<String>,
    /// The selection when the filter was started, for `Esc` to come back to when the
    /// filter left none.
    before_filter: Option<i64>,
    /// The first row on screen.
    pub top: usize,
    pub filter: Input,
    pub filter_focused: bool,
    pub popup: Option<Popup>,
}

impl GroupsPane {
    /// The pane, its tree asked for.
    pub fn open(session: &Session, reader: &mut GroupsReader) -> GroupsPane {
        let mut pane = GroupsPane::default();
        pane.reload(session.application.id, reader);
        pane
    }

    /// Reads the tree afresh; the one on screen stays until it arrives.
    pub fn reload(&mut self, application: AppId, reader: &mut GroupsReader) {
        let generation = reader.request(application);
        self.loading = Some(generation);
    }

    /// Whether the tree on screen waits for a newer one.
    pub fn loading(&self) -> bool {
        self.loading.is_some()
    }

    /// A tree the reader read; only the newest request's is taken.
    pub fn loaded(&mut self, generation: u64, tree: GroupTree) {
        if self.loading != Some(generation) {
            return;
        }
        self.loading = None;
        if !self.loaded {
            // At first the top-level groups show their children.
            self.expanded = tree
                .groups
                .iter()
                .filter(|g| g.depth == 0)
                .map(|g| g.group.id)
                .collect();
        }
        self.loaded = true;
        self.tree = tree;
        if let Some(name) = self.select_name.take()
            && let Some(g) = self.tree.groups.iter().find(|g| g.group.name == name)
        {
            self.selected = Some(g.group.id);
            self.reveal(g.group.id);
            // A filter it does not match would hide the group just made: it goes.
            if self.position(&self.rows()).is_none() {
                self.filter.reset();
            }
        }
        self.fix_selection();
    }

    pub fn failed(&mut self, session: &mut Session, generation: u64, why: String) {
        if self.loading == Some(generation) {
            self.loading = None;
            session.error(format!("Could not read the groups: {why}"));
        }
    }

    pub fn context(&self) -> Context {
        match &self.popup {
            Some(Popup::Form(_)) => Context::GroupForm,
            Some(Popup::Picker(p)) if p.purpose == Purpose::NewDevice => Context::Prompt,
            Some(Popup::Picker(_)) => Context::Picker,
            None if self.filter_focused => Context::Filter,
            None => Context::Groups,
        }
    }

    /// Whether the group form is open with edits not saved (closing it asks first).
    pub fn has_unsaved_edits(&self) -> bool {
        matches!(&self.popup, Some(Popup::Form(form)) if form.is_dirty())
    }

    /// The rows on screen in order.
    pub fn rows(&self) -> Vec<TreeRow> {
        let filter = self.filter.value().trim().to_lowercase();
        visible_rows(&self.tree.groups, &self.expanded, &filter)
    }

    /// The position of the selection among `rows`.
    fn position(&self, rows: &[TreeRow]) -> Option<usize> {
        let id = self.selected?;
        rows.iter()
            .position(|r| self.tree.groups[r.index].group.id == id)
    }

    pub fn selected_index(&self) -> Option<usize> {
        self.position(&self.rows())
    }

    /// What the tree counted of group `id`'s members, while no newer tree is read.
    pub fn known_counts(&self, id: i64) -> KnownCounts {
        let current = self.loaded && self.loading.is_none();
        let group = (self.tree.groups.iter()).find(|g| g.group.id == id);
        let group = group.filter(|_| current);
        KnownCounts {
            direct: group.map(|g| g.members),
            with_subgroups: group.map(|g| g.with_subgroups),
        }
    }

    pub fn selected_group(&self) -> Option<&GroupSummary> {
        let id = self.selected?;
        self.tree.groups.iter().find(|g| g.group.id == id)
    }

    /// The names of the devices tied to `group`.
    pub fn devices_of(&self, group: &str) -> Vec<String> {
        self.tree
            .devices
            .iter()
            .filter(|d| d.groups.iter().any(|g| g == group))
            .map(|d| d.name.clone())
            .collect()
    }

    /// Opens every ancestor of group `id`, so that it shows.
    fn reveal(&mut self, id: i64) {
        let mut at = self.tree.groups.iter().find(|g| g.group.id == id);
        while let Some(parent) = at.and_then(|g| g.group.parent_id) {
            self.expanded.insert(parent);
            at = self.tree.groups.iter().find(|g| g.group.id == parent);
        }
    }

    /// Keeps the selection on a row that shows (the first one when it went).
    fn fix_selection(&mut self) {
        let rows = self.rows();
        if self.position(&rows).is_none() {
            self.selected = rows.first().map(|r| self.tree.groups[r.index].group.id);
            self.top = 0;
        }
    }

    /// The filter changed: the first group it matches is selected.
    fn select_first_match(&mut self, height: usize) {
        self.top = 0;
        let rows = self.rows();
        match rows.iter().position(|r| r.matched) {
            Some(at) => self.select_row(&rows, at, height),
            None => self.fix_selection(),
        }
    }

    fn select_row(&mut self, rows: &[TreeRow], at: usize, height: usize) {
        let Some(row) = rows.get(at) else { return };
        self.selected = Some(self.tree.groups[row.index].group.id);
        let height = height.max(1);
        if at < self.top {
            self.top = at;
        } else if at >= self.top + height {
            self.top = at + 1 - height;
        }
    }

    fn move_by(&mut self, delta: isize, height: usize) {
        let rows = self.rows();
        if rows.is_empty() {
            return;
        }
        let at = self.position(&rows).unwrap_or(0) as isize + delta;
        let at = at.clamp(0, rows.len() as isize - 1) as usize;
        self.select_row(&rows, at, height);
    }

    /// Keeps the selection on screen at `height` rows.
    pub fn scroll_into_view(&mut self, height: usize) {
        let rows = self.rows();
        if let Some(at) = self.position(&rows) {
            self.select_row(&rows, at, height);
        }
    }

    /// `→`: opens the group, or steps into an open one.
    fn expand(&mut self, height: usize) {
        let rows = self.rows();
        let Some(at) = self.position(&rows) else {
            return;
        };
        let row = rows[at];
        if !row.has_children {
            return;
        }
        if row.open {
            self.move_by(1, height);
        } else {
            self.expanded.insert(self.tree.groups[row.index].group.id);
        }
    }

    /// `←`: closes the group, or steps out to its parent.
    fn collapse(&mut self, height: usize) {
        let rows = self.rows();
        let Some(at) = self.position(&rows) else {
            return;
        };
        let group = &self.tree.groups[rows[at].index].group;
        if rows[at].open && self.filter.value().is_empty() {
            self.expanded.remove(&group.id);
        } else if let Some(parent) = group.parent_id
            && let Some(p) = rows
                .iter()
                .position(|r| self.tree.groups[r.index].group.id == parent)
        {
            self.select_row(&rows, p, height);
        }
    }

    pub fn update(
        &mut self,
        session: &mut Session,
        reader: &mut GroupsReader,
        action: Action,
    ) -> Effect {
        let height = view::tree_rows(session.size);
        let application = session.application.id;
        if self.popup.is_some() {
            return self.popup_update(application, action, height);
        }
        match action {
            Action::ShowPane(pane) => return Effect::ShowUsers(pane),
            Action::NextPane | Action::ShowAudit => return Effect::ShowAudit,
            Action::PrevPane => return Effect::ShowUsers(Pane::Ungrouped),
            Action::Up => self.move_by(-1, height),
            Action::Down => self.move_by(1, height),
            Action::ScrollUp => self.move_by(-3, height),
            Action::ScrollDown => self.move_by(3, height),
            Action::PageUp => self.move_by(-(height as isize), height),
            Action::PageDown => self.move_by(height as isize, height),
            Action::Home => self.move_by(isize::MIN / 2, height),
            Action::End => self.move_by(isize::MAX / 2, height),
            Action::Expand => self.expand(height),
            Action::Collapse => self.collapse(height),
            Action::StartFilter => {
                if self.filter.value().is_empty() {
                    self.before_filter = self.selected;
                }
                self.filter_focused = true;
            }
            Action::FilterDone => self.filter_focused = false,
            Action::ClearFilter => {
                self.filter_focused = false;
                self.filter.reset();
                if self.selected.is_none() {
                    self.selected = self.before_filter;
                }
                // The group the filter found stays selected, its parents opened.
                if let Some(id) = self.selected {
                    self.reveal(id);
                }
                self.fix_selection();
                self.scroll_into_view(height);
            }
            Action::FilterKey(key) => {
                if let Some(request) = to_input_request(&Event::Key(key)) {
                    self.filter.handle(request);
                    self.select_first_match(height);
                }
            }
            Action::Paste(text) if self.filter_focused => {
                let clean: String = text.chars().filter(|c| !c.is_control()).collect();
                self.filter = Input::new(format!("{}{clean}", self.filter.value()));
                self.select_first_match(height);
            }
            Action::Reload => {
                self.reload(application, reader);
                session.info("Reloaded");
            }
            Action::Help => return Effect::Help,
            Action::Add => {
                let form = GroupForm::add(&self.tree.groups, self.selected);
                return Effect::GroupPopup(Popup::Form(form));
            }
            Action::Edit => {
                if let Some(group) = self.selected_group() {
                    let form = GroupForm::edit(&self.tree.groups, group);
                    return Effect::GroupPopup(Popup::Form(form));
                }
            }
            Action::Delete => {
                if let Some(group) = self.selected_group() {
                    return Effect::Ask(Confirm::delete_group(group, &self.tree));
                }
            }
            Action::LinkDevice | Action::UnlinkDevice | Action::NewDevice => {
                return self.device_popup(session, action);
            }
            Action::OpenMembers | Action::AddMembers => {
                if let Some(group) = self.selected_group() {
                    let (id, name) = (group.group.id, group.group.name.clone());
                    return match action {
                        Action::OpenMembers => Effect::ShowMembers { id, name },
                        _ => Effect::PickUsers { id, name },
                    };
                }
            }
            _ => {}
        }
        Effect::None
    }

    /// Opens the popup of a device key, for the selected group.
    fn device_popup(&self, session: &mut Session, action: Action) -> Effect {
        let Some(group) = self.selected_group() else {
            return Effect::None;
        };
        let name = &group.group.name;
        let tied = self.devices_of(name);
        let (purpose, devices) = match action {
            Action::LinkDevice => {
                let untied: Vec<String> = (self.tree.devices.iter())
                    .map(|d| d.name.clone())
                    .filter(|d| !tied.contains(d))
                    .collect();
                if untied.is_empty() {
                    session.error(format!(
                        "Every device is linked to {name} already: n adds a new one"
                    ));
                    return Effect::None;
                }
                (Purpose::Link, untied)
            }
            Action::UnlinkDevice => {
                if tied.is_empty() {
                    session.error(format!("No device is linked to {name}"));
                    return Effect::None;
                }
                (Purpose::Unlink, tied)
            }
            _ => (Purpose::NewDevice, Vec::new()),
        };
        let picker = DevicePicker::new(purpose, group.reference(), devices);
        Effect::GroupPopup(Popup::Picker(picker))
    }

    fn popup_update(&mut self, application: AppId, action: Action, height: usize) -> Effect {
        if action == Action::Close {
            if self.has_unsaved_edits() {
                return Effect::Ask(Confirm::discard());
            }
            self.popup = None;
            return Effect::None;
        }
        match &mut self.popup {
            Some(Popup::Form(form)) => match form.update(action, application, height) {
                Some(write) => Effect::Write(write),
                None => Effect::None,
            },
            Some(Popup::Picker(picker)) => {
                let group = picker.group.name.clone();
                match picker.update(action) {
                    Some(Picked::Device(device)) if picker.purpose == Purpose::Unlink => {
                        self.popup = None;
                        Effect::Ask(Confirm::unlink_device(&device, &group))
                    }
                    Some(Picked::Device(device)) => {
                        picker.saving = true;
                        Effect::Write(Write::Group(GroupWrite::LinkDevice {
                            application,
                            device,
                            group,
                            link: true,
                        }))
                    }
                    Some(Picked::NewName(name)) => {
                        picker.saving = true;
                        Effect::Write(Write::Group(GroupWrite::AddDevice {
                            application,
                            name,
                            group,
                        }))
                    }
                    None => Effect::None,
                }
            }
            None => Effect::None,
        }
    }

    /// A group write ended well: the popup closes, and the tree is read afresh (a
    /// group just added is selected when it arrives).
    pub fn written(
        &mut self,
        application: AppId,
        reader: &mut GroupsReader,
        select: Option<String>,
    ) {
        self.popup = None;
        self.select_name = select;
        self.reload(application, reader);
    }

    /// A write the popup asked for was refused or failed: the popup stays, editable.
    pub fn write_refused(&mut self, errors: Vec<FieldError>) {
        match &mut self.popup {
            Some(Popup::Form(form)) => form.refused(errors),
            Some(Popup::Picker(picker)) => {
                picker.saving = false;
                picker.error = errors.into_iter().next().map(|e| e.message);
            }
            None => {}
        }
    }
}

//! The group form: a name, and a parent picked from the tree (or the top). Typing
//! edits the name; `↑↓` `PgUp PgDn` choose the parent. A name that breaks the rules or
//! a parent that would make a cycle is refused at its field, and nothing is written.

use std::collections::HashMap;

use ratatui::crossterm::event::Event;
use tui_input::Input;
use tui_input::backend::crossterm::to_input_request;

use crate::domain::{Field, FieldError, creates_cycle, required_text};
use crate::store::{AppId, GroupRef, GroupSummary, cycle_reason};
use crate::tui::action::Action;
use crate::tui::writer::{GroupWrite, Write};

/// What the form makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupFormMode {
    Add,
    Edit(GroupRef),
}

/// A parent the form offers: `None` for the top of the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParentChoice {
    pub id: Option<i64>,
    pub name: String,
    pub depth: usize,
}

#[derive(Debug, Clone)]
pub struct GroupForm {
    pub mode: GroupFormMode,
    pub name: Input,
    /// The top, then every group in tree order.
    pub choices: Vec<ParentChoice>,
    /// Index into `choices`.
    pub parent: usize,
    /// Every group's parent, for the cycle check.
    parents: HashMap<i64, Option<i64>>,
    pub name_error: Option<String>,
    pub parent_error: Option<String>,
    /// Sent to the writer; the outcome is awaited.
    pub saving: bool,
    /// The name and parent it opened with, to tell unsaved edits.
    initial: (String, usize),
}

impl GroupForm {
    fn new(mode: GroupFormMode, groups: &[GroupSummary], name: &str, parent: Option<i64>) -> Self {
        let mut choices = vec![ParentChoice {
            id: None,
            name: "(top level)".into(),
            depth: 0,
        }];
        choices.extend(groups.iter().map(|g| ParentChoice {
            id: Some(g.group.id),
            name: g.group.name.clone(),
            depth: g.depth,
        }));
        let parent = choices.iter().position(|c| c.id == parent).unwrap_or(0);
        GroupForm {
            mode,
            name: Input::new(name.to_string()),
            choices,
            parent,
            parents: groups
                .iter()
                .map(|g| (g.group.id, g.group.parent_id))
                .collect(),
            name_error: None,
            parent_error: None,
            saving: false,
            initial: (name.to_string(), parent),
        }
    }

    /// Whether the name or the parent differs from what the form opened with.
    pub fn is_dirty(&self) -> bool {
        (self.name.value(), self.parent) != (self.initial.0.as_str(), self.initial.1)
    }

    /// A new group, under `parent` (the selected group) unless changed.
    pub fn add(groups: &[GroupSummary], parent: Option<i64>) -> Self {
        GroupForm::new(GroupFormMode::Add, groups, "", parent)
    }

    /// Renames or moves `group`.
    pub fn edit(groups: &[GroupSummary], group: &GroupSummary) -> Self {
        let mode = GroupFormMode::Edit(group.reference());
        GroupForm::new(mode, groups, &group.group.name, group.group.parent_id)
    }

    pub fn title(&self) -> String {
        match &self.mode {
            GroupFormMode::Add => " Add group ".into(),
            GroupFormMode::Edit(group) => format!(" Edit group {} ", group.name),
        }
    }

    /// Handles a key of the form; returns the write a valid save asks for.
    pub fn update(&mut self, action: Action, application: AppId, page: usize) -> Option<Write> {
        let last = self.choices.len().saturating_sub(1) as isize;
        let by = match action {
            Action::Up => -1,
            Action::Down => 1,
            Action::PageUp => -(page as isize),
            Action::PageDown => page as isize,
            _ => 0,
        };
        if by != 0 {
            self.parent = (self.parent as isize + by).clamp(0, last) as usize;
            self.parent_error = None;
            return None;
        }
        match action {
            Action::FormKey(key) => {
                if let Some(request) = to_input_request(&Event::Key(key)) {
                    self.name.handle(request);
                    self.name_error = None;
                }
                None
            }
            Action::Paste(text) => {
                let clean: String = text.chars().filter(|c| !c.is_control()).collect();
                let value = format!("{}{clean}", self.name.value());
                self.name = Input::new(value);
                self.name_error = None;
                None
            }
            Action::Save if !self.saving => self.save(application),
            _ => None,
        }
    }

    /// The write this form asks for, or its problems shown at their fields.
    fn save(&mut self, application: AppId) -> Option<Write> {
        let name = required_text(self.name.value());
        self.name_error = name.as_ref().err().map(|m| format!("Name {m}"));
        let choice = &self.choices[self.parent];
        self.parent_error = match (&self.mode, choice.id) {
            (GroupFormMode::Edit(group), Some(parent))
                if creates_cycle(&self.parents, group.id, parent) =>
            {
                let name = name.as_deref().unwrap_or(&group.name);
                Some(cycle_reason(name, &choice.name))
            }
            _ => None,
        };
        if self.parent_error.is_some() {
            return None;
        }
        let name = name.ok()?;
        let parent = choice.id.map(|_| choice.name.clone());
        self.saving = true;
        Some(match &self.mode {
            GroupFormMode::Add => Write::Group(GroupWrite::AddGroup {
                application,
                name,
                parent,
            }),
            GroupFormMode::Edit(group) => Write::Group(GroupWrite::EditGroup {
                application,
                group: group.clone(),
                name,
                parent,
            }),
        })
    }

    /// The store refused the save: its reasons go to their fields.
    pub fn refused(&mut self, errors: Vec<FieldError>) {
        self.saving = false;
        for e in errors {
            match e.field {
                Field::GroupParent => self.parent_error = Some(e.message),
                _ => self.name_error = Some(e.message),
            }
        }
    }
}

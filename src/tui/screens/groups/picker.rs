//! The device popups of the Groups pane: pick a device to link or to unlink (typing
//! narrows the list), or name a new one. Each acts on the group selected when it
//! opened.

use ratatui::crossterm::event::Event;
use tui_input::Input;
use tui_input::backend::crossterm::to_input_request;

use crate::store::GroupRef;
use crate::tui::action::Action;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Tie one of the devices not tied to the group.
    Link,
    /// Untie one of the group's devices (after a confirm dialog).
    Unlink,
    /// Add a new device, tied to the group.
    NewDevice,
}

#[derive(Debug, Clone)]
pub struct DevicePicker {
    pub purpose: Purpose,
    pub group: GroupRef,
    /// The filter, or the new device's name.
    pub input: Input,
    /// The devices offered (none for a new device).
    pub devices: Vec<String>,
    /// Index into [`DevicePicker::shown`].
    pub selected: usize,
    /// Why the last Enter did nothing (the store's refusal of a new name).
    pub error: Option<String>,
    pub saving: bool,
}

/// What Enter in the picker asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Picked {
    Device(String),
    NewName(String),
}

impl DevicePicker {
    pub fn new(purpose: Purpose, group: GroupRef, devices: Vec<String>) -> Self {
        DevicePicker {
            purpose,
            group,
            input: Input::default(),
            devices,
            selected: 0,
            error: None,
            saving: false,
        }
    }

    pub fn title(&self) -> String {
        let group = &self.group.name;
        match self.purpose {
            Purpose::Link => format!(" Link a device to {group} "),
            Purpose::Unlink => format!(" Unlink a device from {group} "),
            Purpose::NewDevice => format!(" New device for {group} "),
        }
    }

    /// The devices whose name holds the typed text (any case).
    pub fn shown(&self) -> Vec<&str> {
        if self.purpose == Purpose::NewDevice {
            return Vec::new();
        }
        let text = self.input.value().trim().to_lowercase();
        self.devices
            .iter()
            .filter(|d| d.to_lowercase().contains(&text))
            .map(String::as_str)
            .collect()
    }

    /// Handles a key; returns what Enter picked.
    pub fn update(&mut self, action: Action) -> Option<Picked> {
        let last = self.shown().len().saturating_sub(1);
        match action {
            Action::Up => self.selected = self.selected.saturating_sub(1),
            Action::Down => self.selected = (self.selected + 1).min(last),
            Action::FormKey(key) => {
                if let Some(request) = to_input_request(&Event::Key(key)) {
                    self.input.handle(request);
                    self.selected = 0;
                    self.error = None;
                }
            }
            Action::Paste(text) => {
                let clean: String = text.chars().filter(|c| !c.is_control()).collect();
                self.input = Input::new(format!("{}{clean}", self.input.value()));
                self.selected = 0;
            }
            Action::MenuChoose if !self.saving => {
                if self.purpose == Purpose::NewDevice {
                    return Some(Picked::NewName(self.input.value().to_string()));
                }
                return self
                    .shown()
                    .get(self.selected)
                    .map(|d| Picked::Device(d.to_string()));
            }
            _ => {}
        }
        None
    }
}

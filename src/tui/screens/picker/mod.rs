//! The user picker: adds users to a group. Typing searches users by email and name
//! (the list's query and keyset pages, read by a reader of its own off the UI thread);
//! `Space` picks several; `Enter` adds them in one write. Users already in the group
//! show as such and cannot be picked.

pub mod view;

use ratatui::crossterm::event::Event;
use tui_input::backend::crossterm::to_input_request;
use tui_input::{Input, InputRequest};

use super::Effect;
use super::list::marks::MarksAsk;
use super::list::rows::{Load, Loaded, Pages, UserList};
use crate::store::{UserId, UserQuery, UserRow};
use crate::tui::action::Action;
use crate::tui::reader::ListReader;
use crate::tui::session::Session;

/// Rows the mouse wheel moves.
const WHEEL_STEP: isize = 3;

pub struct UserPicker {
    /// The group users are added to.
    pub group: i64,
    pub name: String,
    pub search: Input,
    pub list: UserList,
    /// Picked users, in the order they were picked.
    pub picked: Vec<(UserId, String)>,
    /// The generation of the new list the picker waits for (its rows are stale
    /// meanwhile), and of the rows asked for beyond the loaded ones.
    loading: Option<u64>,
    extending: Option<u64>,
    reader: ListReader,
}

impl UserPicker {
    /// Opens on every user from the top; rows come from `reader`.
    pub fn open(session: &Session, reader: ListReader, group: i64, name: String) -> UserPicker {
        let mut picker = UserPicker {
            group,
            name,
            search: Input::default(),
            list: UserList::default(),
            picked: Vec::new(),
            loading: None,
            extending: None,
            reader,
        };
        picker.restart(session);
        picker
    }

    /// Gives back the reader (for the next picker).
    pub fn close(self) -> ListReader {
        self.reader
    }

    /// Users matching the search, by email.
    fn query(&self) -> UserQuery {
        UserQuery::default().filter(self.search.value())
    }

    fn pages<'a>(&self, session: &'a Session) -> Pages<'a> {
        Pages {
            store: &session.store,
            helper: None,
            application: session.application.id,
            query: self.query(),
            height: view::rows(session.size),
        }
    }

    fn restart(&mut self, session: &Session) {
        let height = view::rows(session.size);
        let generation = (self.reader).request(
            session.application.id,
            self.query(),
            height,
            Load::First,
            MarksAsk::default(),
        );
        self.loading = Some(generation);
        self.extending = None;
    }

    /// Whether the rows on screen are stale: newer ones are being read.
    pub fn stale(&self) -> bool {
        self.loading.is_some()
    }

    pub fn busy(&self) -> bool {
        self.loading.is_some() || self.extending.is_some()
    }

    /// Whether the user is a direct member of the group already.
    pub fn is_member(&self, row: &UserRow) -> bool {
        row.groups.contains(&self.name)
    }

    pub fn is_picked(&self, id: UserId) -> bool {
        self.picked.iter().any(|(p, _)| *p == id)
    }

    /// Rows the reader read; only those of the newest request are taken.
    pub fn loaded(&mut self, session: &Session, generation: u64, loaded: Loaded) {
        match loaded {
            Loaded::List(list) if self.loading == Some(generation) => {
                self.loading = None;
                self.list = list;
            }
            Loaded::More {
                anchor,
                after,
                rows,
                complete,
            } if self.extending == Some(generation) => {
                self.extending = None;
                self.list.extend(anchor, after, rows, complete);
            }
            _ => return,
        }
        self.read_ahead(session);
    }

    pub fn load_failed(&mut self, session: &mut Session, generation: u64, why: String) {
        if self.loading == Some(generation) || self.extending == Some(generation) {
            self.loading = self.loading.filter(|g| *g != generation);
            self.extending = self.extending.filter(|g| *g != generation);
            session.error(why);
        }
    }

    fn read_ahead(&mut self, session: &Session) {
        if self.loading.is_some() || self.extending.is_some() {
            return;
        }
        if let Some(load) = self.list.wants(&self.pages(session)) {
            let (application, height) = (session.application.id, view::rows(session.size));
            self.extending = Some(self.reader.request(
                application,
                self.query(),
                height,
                load,
                MarksAsk::default(),
            ));
        }
    }

    fn move_by(&mut self, session: &Session, delta: isize) {
        self.list.move_by(delta, view::rows(session.size));
        self.read_ahead(session);
    }

    fn edit_search(&mut self, session: &Session, requests: impl IntoIterator<Item = InputRequest>) {
        let before = self.search.value().to_string();
        for request in requests {
            self.search.handle(request);
        }
        if self.search.value() != before {
            self.restart(session);
        }
    }

    pub fn update(&mut self, session: &mut Session, action: Action) -> Effect {
        let height = view::rows(session.size) as isize;
        match action {
            Action::Up => self.move_by(session, -1),
            Action::Down => self.move_by(session, 1),
            Action::PageUp => self.move_by(session, -height),
            Action::PageDown => self.move_by(session, height),
            Action::ScrollUp => self.move_by(session, -WHEEL_STEP),
            Action::ScrollDown => self.move_by(session, WHEEL_STEP),
            Action::PickerKey(key) => {
                if let Some(request) = to_input_request(&Event::Key(key)) {
                    self.edit_search(session, [request]);
                }
            }
            Action::Paste(text) => {
                let chars = text.chars().map(|c| if c.is_control() { ' ' } else { c });
                self.edit_search(session, chars.map(InputRequest::InsertChar));
            }
            Action::Pick => self.pick(session),
            Action::AddPicked => return self.add(session),
            Action::Close => return Effect::ClosePicker,
            _ => {}
        }
        Effect::None
    }

    /// Picks or unpicks the highlighted user and moves down; a member already is not
    /// picked (but the highlight moves down all the same).
    fn pick(&mut self, session: &mut Session) {
        let Some(row) = self.list.selected_row() else {
            return;
        };
        let id = row.id;
        if self.is_member(row) {
            session.error(format!("{} is in {} already", row.email, self.name));
        } else if self.is_picked(id) {
            self.picked.retain(|(p, _)| *p != id);
        } else {
            self.picked.push((id, row.email.clone()));
        }
        self.move_by(session, 1);
    }

    /// The picked users (or, with none picked, the highlighted one) to add.
    fn add(&mut self, session: &mut Session) -> Effect {
        let users = if self.picked.is_empty() {
            match self.list.selected_row() {
                Some(row) if self.is_member(row) => {
                    session.error(format!("{} is in {} already", row.email, self.name));
                    return Effect::None;
                }
                Some(row) => vec![(row.id, row.email.clone())],
                None => return Effect::None,
            }
        } else {
            self.picked.clone()
        };
        Effect::AddMembers {
            group: self.group,
            name: self.name.clone(),
            users,
        }
    }
}

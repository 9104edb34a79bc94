//! Marks: the users picked for a bulk action. They are kept as a [`Selection`] — the
//! queries of `*` plus single users, minus exceptions — never as a list of every marked
//! id, so marking a million users is as quick as marking one. Which loaded rows show a
//! mark is read off the UI thread with each page (`Store::marked_among`); a change made
//! here shows at once on the rows it touches, and is replayed over marks read before it.

use std::collections::HashSet;
use std::sync::Arc;

use crate::store::{Selection, UserId, UserQuery};

/// A change to the marks, in the order made.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Edit {
    /// One user marked (`true`) or unmarked.
    Set(UserId, bool),
    /// Every user of the list's query marked.
    All,
    Clear,
}

/// The marks a worker reads with a page or a count: the selection (`None` when
/// nothing is marked) and the edit it stands at.
#[derive(Debug, Clone, Default)]
pub struct MarksAsk {
    pub selection: Option<Arc<Selection>>,
    pub version: u64,
}

/// Which of some rows are marked, as read off the UI thread with them, and the edit
/// of the marks it was read at.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MarksRead {
    pub version: u64,
    pub marked: HashSet<UserId>,
}

#[derive(Debug, Default)]
pub struct Marks {
    /// Who is marked. Shared with the workers that read pages and counts, so a request
    /// costs no copy; an edit copies it only while a worker still holds it.
    selection: Arc<Selection>,
    /// Which loaded rows are marked.
    shown: HashSet<UserId>,
    /// How many users are marked, once counted.
    pub count: Option<u64>,
    /// How many edits the marks have had.
    version: u64,
    /// Edits not yet seen by the newest marks read (a read carries its version).
    edits: Vec<(u64, Edit)>,
}

impl Marks {
    /// Whether any user is marked.
    pub fn any(&self) -> bool {
        !self.selection.is_empty()
    }

    pub fn selection(&self) -> &Arc<Selection> {
        &self.selection
    }

    /// The marks as a request to a worker takes them.
    pub fn ask(&self) -> MarksAsk {
        MarksAsk {
            selection: self.any().then(|| self.selection.clone()),
            version: self.version,
        }
    }

    /// Whether the loaded row `id` shows a mark.
    pub fn is_marked(&self, id: UserId) -> bool {
        self.shown.contains(&id)
    }

    /// Marks the loaded row `id`, or unmarks it when it is marked. An unmarked user
    /// that a `*` marked becomes an exception of it.
    pub fn toggle(&mut self, id: UserId) {
        let mark = !self.shown.contains(&id);
        let by_query = !self.selection.queries.is_empty();
        let selection = Arc::make_mut(&mut self.selection);
        if mark {
            selection.except.remove(&id);
            selection.ids.insert(id);
            self.shown.insert(id);
        } else {
            selection.ids.remove(&id);
            if by_query {
                selection.except.insert(id);
            }
            self.shown.remove(&id);
        }
        self.count = self
            .count
            .map(|n| if mark { n + 1 } else { n.saturating_sub(1) });
        self.edit(Edit::Set(id, mark));
    }

    /// Marks every user `query` matches; `loaded` are rows of that query (their marks
    /// show at once), `matching` how many users it matches when known.
    pub fn mark_all(&mut self, query: UserQuery, loaded: &[UserId], matching: Option<u64>) {
        let was_empty = !self.any();
        let selection = Arc::make_mut(&mut self.selection);
        for id in loaded {
            selection.except.remove(id);
            selection.ids.remove(id);
        }
        if !selection.queries.contains(&query) {
            selection.queries.push(query);
        }
        self.shown.extend(loaded.iter().copied());
        // Marked from nothing, the count is the query's own.
        self.count = if was_empty { matching } else { None };
        self.edit(Edit::All);
    }

    pub fn clear(&mut self) {
        self.selection = Arc::default();
        self.shown.clear();
        self.count = None;
        self.edit(Edit::Clear);
    }

    /// Marks of freshly loaded rows `rows` (a whole new list when `replace`), read at
    /// `read.version`; the edits made since are replayed over them.
    pub fn loaded(&mut self, read: MarksRead, rows: &[UserId], replace: bool) {
        if replace {
            self.shown.clear();
        }
        for id in rows {
            self.shown.remove(id);
        }
        self.shown.extend(read.marked);
        let rows: HashSet<UserId> = rows.iter().copied().collect();
        for (_, edit) in self.edits.iter().filter(|(v, _)| *v > read.version) {
            match edit {
                Edit::Set(id, true) if rows.contains(id) => {
                    self.shown.insert(*id);
                }
                Edit::Set(id, false) => {
                    self.shown.remove(id);
                }
                Edit::Set(..) => {}
                Edit::All => self.shown.extend(rows.iter().copied()),
                Edit::Clear => self.shown.retain(|id| !rows.contains(id)),
            }
        }
        // Reads come back in the order asked for: none older than this one will come.
        self.edits.retain(|(v, _)| *v > read.version);
    }

    fn edit(&mut self, edit: Edit) {
        self.version += 1;
        self.edits.push((self.version, edit));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: &[i64]) -> Vec<UserId> {
        n.iter().map(|&i| UserId(i)).collect()
    }

    fn read(version: u64, marked: &[i64]) -> MarksRead {
        MarksRead {
            version,
            marked: ids(marked).into_iter().collect(),
        }
    }

    #[test]
    fn space_on_a_row_marked_by_star_makes_it_an_exception() {
        let mut marks = Marks::default();
        marks.mark_all(UserQuery::default(), &ids(&[1, 2, 3]), Some(60));
        assert_eq!(marks.count, Some(60));
        marks.toggle(UserId(2));
        assert!(!marks.is_marked(UserId(2)));
        assert!(marks.selection.except.contains(&UserId(2)));
        assert!(marks.selection.ids.is_empty());
        assert_eq!(marks.count, Some(59));
        marks.toggle(UserId(2));
        assert!(
            marks.selection.except.is_empty(),
            "marked again: no exception"
        );
        assert!(marks.is_marked(UserId(2)));
        assert_eq!(marks.count, Some(60));
    }

    #[test]
    fn a_read_made_before_an_edit_does_not_undo_it() {
        let mut marks = Marks::default();
        marks.toggle(UserId(1));
        let asked_at = marks.ask().version;
        marks.toggle(UserId(5));
        marks.toggle(UserId(1));
        // Read at `asked_at`: 1 marked, 5 not; since then 5 was marked and 1 unmarked.
        marks.loaded(read(asked_at, &[1]), &ids(&[1, 5, 7]), true);
        assert!(marks.is_marked(UserId(5)));
        assert!(!marks.is_marked(UserId(1)));
        assert!(!marks.is_marked(UserId(7)));
        marks.clear();
        marks.loaded(read(asked_at, &[1]), &ids(&[1, 5, 7]), true);
        assert!(!marks.is_marked(UserId(1)), "cleared since");
        assert!(!marks.any());
    }

    #[test]
    fn rows_read_after_a_star_show_its_marks_even_when_asked_before_it() {
        let mut marks = Marks::default();
        marks.mark_all(UserQuery::default(), &[], None);
        marks.loaded(read(0, &[]), &ids(&[8, 9]), false);
        assert!(marks.is_marked(UserId(8)) && marks.is_marked(UserId(9)));
    }
}

//! Marks: the users picked for a bulk action. They are kept as a [`Selection`] — the
//! queries of `*` plus single users, minus exceptions — never as a list of every marked
//! id, so marking a million users is as quick as marking one. Which loaded rows show a
//! mark is read off the UI thread with each page (`Store::marked_among`); a change made
//! here shows at once on the rows it touches, and is replayed over marks read before it.
//!
//! A `*` marks every user of its query again, those left out before included; the ones
//! left out that are not on screen cannot be told apart without the store, so each
//! worker settles them (one query) before using the marks, and the list takes what the
//! reader settled.

use std::collections::HashSet;
use std::sync::Arc;

use crate::store::{AppId, Result, Selection, Store, UserId, UserQuery};

/// Users left out of the marks before a `*` on `query`, not on screen then: those it
/// matches are marked again (the `*` comes after), the others stay left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsettled {
    seq: u64,
    query: UserQuery,
    ids: Vec<UserId>,
}

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
/// nothing is marked), what a `*` left unsettled, and the edit it stands at.
#[derive(Debug, Clone, Default)]
pub struct MarksAsk {
    pub selection: Option<Arc<Selection>>,
    unsettled: Vec<Unsettled>,
    pub version: u64,
}

/// The marks as a worker uses them: the selection with what was unsettled settled.
pub struct Settled {
    pub selection: Arc<Selection>,
    /// The users left out before a `*` that its query matches: marked again.
    pub lifted: Vec<UserId>,
    /// The last of the unsettled `*`s settled.
    pub through: Option<u64>,
}

impl MarksAsk {
    /// Settles the users a `*` may have marked again (one query per `*`, over those
    /// few ids); `None` when nothing is marked. Off the UI thread only.
    pub fn settle(&self, store: &Store, app: AppId) -> Result<Option<Settled>> {
        let Some(selection) = &self.selection else {
            return Ok(None);
        };
        let mut lifted = Vec::new();
        for star in &self.unsettled {
            let query = Selection::of_query(star.query.clone());
            lifted.extend(store.marked_among(app, &query, &star.ids)?);
        }
        let selection = if lifted.is_empty() {
            selection.clone()
        } else {
            let mut settled = Selection::clone(selection);
            for id in &lifted {
                settled.except.remove(id);
            }
            Arc::new(settled)
        };
        Ok(Some(Settled {
            selection,
            lifted,
            through: self.unsettled.last().map(|star| star.seq),
        }))
    }
}

/// Which of some rows are marked, as read off the UI thread with them, and the edit
/// of the marks it was read at (with what it settled).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MarksRead {
    pub version: u64,
    pub marked: HashSet<UserId>,
    pub lifted: Vec<UserId>,
    pub through: Option<u64>,
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
    /// Users left out before a `*` whose query may match them, not yet settled.
    unsettled: Vec<Unsettled>,
}

impl Marks {
    /// Whether any user is marked: a `*` whose every match was unmarked one by one,
    /// counted at none, marks nobody (the keys act on the selected user again).
    pub fn any(&self) -> bool {
        !self.selection.is_empty() && self.count != Some(0)
    }

    pub fn selection(&self) -> &Arc<Selection> {
        &self.selection
    }

    /// The marks as a request to a worker takes them.
    pub fn ask(&self) -> MarksAsk {
        MarksAsk {
            // Asked even when counted at none: the count says whether that still holds.
            selection: (!self.selection.is_empty()).then(|| self.selection.clone()),
            unsettled: self.unsettled.clone(),
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
        // What the administrator chose for this user outweighs an earlier `*`.
        for star in &mut self.unsettled {
            star.ids.retain(|other| *other != id);
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
        let ids: Vec<UserId> = selection.except.iter().copied().collect();
        if !ids.is_empty() {
            self.unsettled.push(Unsettled {
                seq: self.version + 1,
                query: query.clone(),
                ids,
            });
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
        self.unsettled.clear();
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
        self.shown.extend(read.marked.iter().copied());
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
        self.settled(&read);
        // Reads come back in the order asked for: none older than this one will come.
        self.edits.retain(|(v, _)| *v > read.version);
    }

    /// Takes what a read settled: the users a `*` marked again, unless marked or
    /// unmarked one by one since (or all cleared).
    fn settled(&mut self, read: &MarksRead) {
        let Some(through) = read.through else {
            return;
        };
        self.unsettled.retain(|star| star.seq > through);
        let chosen_since = |id: &UserId| {
            self.edits.iter().any(|(v, edit)| {
                *v > read.version
                    && match edit {
                        Edit::Set(other, _) => other == id,
                        Edit::Clear => true,
                        Edit::All => false,
                    }
            })
        };
        let lifted: Vec<UserId> = read
            .lifted
            .iter()
            .copied()
            .filter(|id| !chosen_since(id))
            .collect();
        if !lifted.is_empty() {
            let selection = Arc::make_mut(&mut self.selection);
            for id in lifted {
                selection.except.remove(&id);
            }
        }
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
            ..MarksRead::default()
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
    fn a_star_marks_again_who_was_left_out_unless_chosen_one_by_one_since() {
        let mut marks = Marks::default();
        marks.mark_all(UserQuery::default(), &ids(&[1, 2]), Some(10));
        marks.toggle(UserId(1));
        marks.toggle(UserId(2));
        // A second `*` with neither on screen: the store must say whether it matches them.
        marks.mark_all(UserQuery::default().filter("x"), &[], None);
        let asked = marks.ask();
        assert_eq!(asked.unsettled.len(), 1);
        assert_eq!(asked.unsettled[0].ids, ids(&[1, 2]));
        marks.toggle(UserId(2));
        marks.toggle(UserId(2));
        // The reader settled both as matching; 2 was chosen one by one since.
        let read = MarksRead {
            version: asked.version,
            lifted: ids(&[1, 2]),
            through: asked.unsettled.last().map(|s| s.seq),
            ..MarksRead::default()
        };
        marks.loaded(read, &ids(&[5]), true);
        assert!(marks.unsettled.is_empty());
        assert!(!marks.selection.except.contains(&UserId(1)), "marked again");
        assert!(
            marks.selection.except.contains(&UserId(2)),
            "left out since"
        );
    }

    #[test]
    fn rows_read_after_a_star_show_its_marks_even_when_asked_before_it() {
        let mut marks = Marks::default();
        marks.mark_all(UserQuery::default(), &[], None);
        marks.loaded(read(0, &[]), &ids(&[8, 9]), false);
        assert!(marks.is_marked(UserId(8)) && marks.is_marked(UserId(9)));
    }
}

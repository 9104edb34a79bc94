//! The buttons on the user table's top border, and where they sit: shared by the view
//! (to draw) and by the list's `update` (to know which button a click hit).

use indicatif::HumanCount;
use ratatui::layout::Rect;
use unicode_width::UnicodeWidthStr;

use super::action::Action;
use super::fit::fit;
use super::keymap::{Context, key_name};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Button {
    Add,
    InvalidateAll,
}

impl Button {
    pub fn action(self) -> Action {
        match self {
            Button::Add => Action::Add,
            Button::InvalidateAll => Action::InvalidateAll,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Button::Add => "Add user",
            Button::InvalidateAll => "Invalidate all tokens",
        }
    }

    /// The key that does the same, from the keymap.
    pub fn key(self) -> String {
        key_name(Context::List, &self.action())
    }

    /// `[ a Add user ]`
    pub fn text(self) -> String {
        format!("[ {} {} ]", self.key(), self.label())
    }
}

/// What the top border shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TitleBar {
    /// The pane's title, at the left.
    pub title: String,
    /// Each shown button and the screen column it starts at, left to right.
    pub buttons: Vec<(Button, u16)>,
    /// Border cells left between the title and the buttons.
    pub room_left: u16,
}

/// A list's title with how many users are `marked`, when some are (`Some(None)`
/// while they are counted).
pub fn with_marks(title: &str, marked: Option<Option<u64>>) -> String {
    match marked {
        None => title.to_string(),
        Some(Some(n)) => format!("{title} · {} marked", HumanCount(n)),
        Some(None) => format!("{title} · … marked"),
    }
}

/// Lays out the border of `table`: the list's title at the left (the first of
/// `titles`, longest first, that fits; the last cut with `…` when none does), the
/// buttons at the right. A button that does not fit is left out, Invalidate all first
/// (shown only when `invalidate_all`).
pub fn title_bar(table: Rect, titles: &[String], invalidate_all: bool) -> TitleBar {
    // Inside the two corners, with one border cell kept between the parts.
    let room = table.width.saturating_sub(2);
    let title = titles
        .iter()
        .map(|t| format!(" {t} "))
        .find(|t| t.width() as u16 <= room)
        .unwrap_or_else(|| {
            let last = titles.last().map_or("", String::as_str);
            format!(" {} ", fit(last, room.saturating_sub(2) as usize))
        });
    let title_width = title.width() as u16;
    let mut buttons = vec![Button::Add];
    if invalidate_all {
        buttons.push(Button::InvalidateAll);
    }
    let width_of =
        |buttons: &[Button]| -> u16 { buttons.iter().map(|b| b.text().width() as u16 + 1).sum() };
    while !buttons.is_empty() && title_width + width_of(&buttons) > room {
        buttons.pop();
    }
    let room_left = room.saturating_sub(title_width + width_of(&buttons));
    let mut x = table.x + 1 + room - width_of(&buttons);
    let buttons = buttons
        .into_iter()
        .map(|b| {
            let at = (b, x + 1);
            x += b.text().width() as u16 + 1;
            at
        })
        .collect();
    TitleBar {
        title,
        buttons,
        room_left,
    }
}

impl TitleBar {
    /// The button at screen column `x` of the border line, if any.
    pub fn button_at(&self, x: u16) -> Option<Button> {
        self.buttons
            .iter()
            .find(|(b, start)| x >= *start && x < start + b.text().width() as u16)
            .map(|(b, _)| *b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::pane::Pane;

    fn all() -> Vec<String> {
        vec![Pane::All.title().to_string()]
    }

    #[test]
    fn both_buttons_end_at_the_right_corner_of_a_wide_table() {
        let bar = title_bar(Rect::new(0, 2, 80, 20), &all(), true);
        assert_eq!(bar.room_left, 78 - 11 - 15 - 28);
        let (last, start) = *bar.buttons.last().unwrap();
        assert_eq!(last, Button::InvalidateAll);
        assert_eq!(start + last.text().width() as u16, 79, "just left of ┐");
        assert_eq!(bar.button_at(start), Some(Button::InvalidateAll));
        assert_eq!(bar.button_at(bar.buttons[0].1 + 3), Some(Button::Add));
        assert_eq!(bar.button_at(start - 1), None, "the border between buttons");
    }

    #[test]
    fn a_narrow_table_drops_invalidate_all_then_add() {
        let bar = title_bar(Rect::new(0, 2, 40, 8), &all(), true);
        assert_eq!(bar.buttons.len(), 1);
        assert_eq!(bar.buttons[0].0, Button::Add);
        let bar = title_bar(Rect::new(0, 2, 20, 8), &all(), true);
        assert!(bar.buttons.is_empty());
    }

    #[test]
    fn a_title_says_how_many_are_marked() {
        assert_eq!(
            with_marks("All users", Some(Some(1234))),
            "All users · 1,234 marked"
        );
        assert_eq!(with_marks("All users", Some(None)), "All users · … marked");
        assert_eq!(with_marks("All users", None), "All users");
        let titles = [with_marks("All users", Some(Some(1234)))];
        let narrow = title_bar(Rect::new(0, 2, 40, 8), &titles, true);
        assert_eq!(narrow.title, " All users · 1,234 marked ");
        assert!(narrow.buttons.is_empty(), "the count stays, the buttons go");
    }

    #[test]
    fn a_long_title_gives_way_to_a_shorter_one_then_is_cut() {
        let titles = [
            "Members of Berlin office and its subgroups",
            "Berlin office + subgroups",
        ]
        .map(String::from);
        let bar = title_bar(Rect::new(0, 2, 60, 8), &titles, false);
        assert_eq!(bar.title, " Members of Berlin office and its subgroups ");
        assert!(bar.buttons.is_empty(), "the title before the button");
        let bar = title_bar(Rect::new(0, 2, 40, 8), &titles, false);
        assert_eq!(bar.title, " Berlin office + subgroups ");
        let bar = title_bar(Rect::new(0, 2, 20, 8), &titles, false);
        assert_eq!(bar.title, " Berlin office +… ");
    }
}

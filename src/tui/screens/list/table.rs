//! The user table: the pane's title and buttons on its border, the sorted column's
//! arrow, the rows that fit (dimmed while newer ones are read), or a line saying why
//! there are none.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, HighlightSpacing, Paragraph, Row, Table, TableState};
use unicode_width::UnicodeWidthStr;

use super::Browse;
use crate::inert::inert;
use crate::store::UserRow;
use crate::tui::action::Action;
use crate::tui::columns::{Column, GAP, layout};
use crate::tui::fit::fit;
use crate::tui::keymap::{Context, key_name};
use crate::tui::pane::Pane;
use crate::tui::session::Session;
use crate::tui::title_bar::Button;

/// The gutter's mark of a marked row.
pub const MARK: &str = "●";

pub fn draw(session: &Session, browse: &Browse, frame: &mut Frame, area: Rect) {
    let t = &session.theme;
    let arrow = if browse.sort.descending { "▼" } else { "▲" };
    let bar = browse.title_bar(area);
    let columns = layout(area.width.saturating_sub(2), browse.sort.field);
    let sorted_shown = columns
        .iter()
        .any(|p| p.column.sort_field() == Some(browse.sort.field));
    let mut block = Block::bordered()
        .border_style(t.border)
        .title(Line::styled(bar.title.clone(), t.title));
    if let Some(note) = sort_note(browse, arrow, sorted_shown, bar.room_left) {
        block = block.title(Line::styled(note, t.dim));
    }
    let inner = block.inner(area);
    frame.render_widget(&block, area);
    for (button, x) in &bar.buttons {
        let style = match button {
            Button::Add => t.title,
            Button::InvalidateAll => t.danger,
        };
        let line = Line::from(vec![
            Span::styled(format!("[ {} ", button.key()), t.key),
            Span::styled(format!("{} ]", button.label()), style),
        ]);
        let at = Rect::new(*x, area.y, button.text().width() as u16, 1).intersection(area);
        frame.render_widget(Paragraph::new(line), at);
    }
    let height = session.visible_rows();
    let rows = browse.list.visible(height);
    let header = Row::new(columns.iter().map(|p| {
        let title = match p.column.sort_field() {
            Some(f) if f == browse.sort.field => format!("{} {arrow}", p.column.title()),
            _ => p.column.title().to_string(),
        };
        Cell::from(fit(&title, p.width as usize).into_owned())
    }))
    .style(t.header_row);
    let selected = browse.list.selected.checked_sub(browse.list.top);
    let body = rows.iter().map(|r| {
        Row::new(
            columns
                .iter()
                .map(|p| fit(&cell_text(session.now, r, p.column), p.width as usize).into_owned()),
        )
    });
    let widths: Vec<Constraint> = columns
        .iter()
        .map(|p| Constraint::Length(p.width))
        .collect();
    let mut table = Table::new(body, widths);
    if browse.stale() {
        table = table.style(t.dim);
    }
    let table = table
        .header(header)
        .column_spacing(GAP)
        .row_highlight_style(t.selected)
        .highlight_symbol("▶ ")
        .highlight_spacing(HighlightSpacing::Always);
    let mut state = TableState::new().with_selected(selected);
    frame.render_stateful_widget(table, inner, &mut state);
    draw_marks(session, browse, rows, frame, inner);
    if rows.is_empty() {
        // Under the column header, which stays to show what the list would hold.
        let message = t.note(empty_message(browse));
        let below = inner.height.saturating_sub(1);
        let middle = Rect {
            y: inner.y + 1 + below.saturating_sub(2) / 2,
            height: 2.min(below),
            ..inner
        };
        frame.render_widget(message, middle);
    }
}

/// The gutter: a mark in the second column of the selection marker (`▶●`), on each
/// marked row shown.
fn draw_marks(
    session: &Session,
    browse: &Browse,
    rows: &[UserRow],
    frame: &mut Frame,
    inner: Rect,
) {
    // Below the column header.
    let first = inner.y + 1;
    for (i, row) in rows.iter().enumerate() {
        let y = first + i as u16;
        if browse.marks.is_marked(row.id) && y < inner.bottom() && inner.width > 1 {
            let style = if i == browse.list.selected.wrapping_sub(browse.list.top) {
                session.theme.selected
            } else {
                session.theme.marked
            };
            frame.buffer_mut().set_string(inner.x + 1, y, MARK, style);
        }
    }
}

/// What the border says about the order: in full when there is room, else in short
/// when the sorted column (and its arrow) is not on screen; `None` when it does not
/// fit or need not show.
fn sort_note(browse: &Browse, arrow: &str, sorted_shown: bool, room: u16) -> Option<String> {
    let name = browse.sort.field.name();
    let full = format!(" sorted by {name} {arrow} ");
    let short = [
        format!(" {name} {arrow} "),
        format!("{name} {arrow}"),
        format!("{name}{arrow}"),
    ];
    let candidates = std::iter::once(full).chain(short.into_iter().filter(|_| !sorted_shown));
    // One border cell stays between the note and the buttons.
    candidates
        .into_iter()
        .find(|note| (note.width() as u16) < room)
}

/// What a cell shows, before it is fitted to its column.
fn cell_text(now: i64, row: &UserRow, column: Column) -> String {
    match column {
        Column::Email => inert(&row.email).into_owned(),
        Column::First => inert(&row.first_name).into_owned(),
        Column::Last => inert(&row.last_name).into_owned(),
        Column::Groups => inert(&row.groups.join(", ")).into_owned(),
        Column::Tags => row.tag_count.to_string(),
        Column::Created => age(now, row.created_at),
        Column::LastLogin => row
            .last_login
            .map_or_else(|| "never".into(), |at| age(now, at)),
    }
}

fn empty_message(browse: &Browse) -> String {
    let filter = browse.filter.value().trim();
    if browse.stale() {
        "Reading users…".into()
    } else if !filter.is_empty() {
        "No users match this filter (Esc clears it)".into()
    } else if let Some(group) = &browse.members {
        let add = key_name(Context::Members, &Action::AddMembers);
        let name = inert(&group.name);
        if group.direct {
            let toggle = key_name(Context::Members, &Action::ToggleDirect);
            format!("No user is in {name} itself — {toggle} shows its subgroups' members too")
        } else {
            format!("No user is in {name} or its subgroups — press {add} to add some")
        }
    } else if browse.counts.all == 0 {
        "No users yet — press a to add one".into()
    } else {
        match browse.pane {
            Pane::Grouped => "No user is in a group yet — press 1 for all users".into(),
            Pane::Ungrouped => "Every user is in a group — press 1 for all users".into(),
            Pane::All => "No users yet — press a to add one".into(),
        }
    }
}

/// "5m ago" style age of a unix time, for the last-login column.
pub fn age(now: i64, then: i64) -> String {
    let s = (now - then).max(0);
    match s {
        0..60 => "just now".into(),
        60..3_600 => format!("{}m ago", s / 60),
        3_600..86_400 => format!("{}h ago", s / 3_600),
        86_400..2_592_000 => format!("{}d ago", s / 86_400),
        // Months of 30 days: twelve of them already read as a year.
        2_592_000..31_104_000 => format!("{}mo ago", s / 2_592_000),
        _ => format!("{}y ago", (s / 31_536_000).max(1)),
    }
}

#[cfg(test)]
mod tests {
    use super::age;

    #[test]
    fn ages_read_naturally() {
        assert_eq!(age(1000, 990), "just now");
        assert_eq!(age(10_000, 10_000 - 125), "2m ago");
        assert_eq!(age(100_000, 100_000 - 7_200), "2h ago");
        assert_eq!(age(10_000_000, 10_000_000 - 3 * 86_400), "3d ago");
        assert_eq!(age(100_000_000, 100_000_000 - 65 * 86_400), "2mo ago");
        assert_eq!(age(100_000_000, 100_000_000 - 800 * 86_400), "2y ago");
        assert_eq!(age(100_000_000, 100_000_000 - 362 * 86_400), "1y ago");
        assert_eq!(age(0, 50), "just now", "clock skew never shows negative");
    }
}

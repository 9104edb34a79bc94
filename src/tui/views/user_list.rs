use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, HighlightSpacing, Paragraph, Row, Table, TableState, Wrap};
use unicode_width::UnicodeWidthStr;

use super::age;
use crate::inert::inert;
use crate::store::UserRow;
use crate::tui::app::{App, Pane};
use crate::tui::columns::{Column, GAP, layout};
use crate::tui::fit::fit;
use crate::tui::title_bar::{Button, title_bar};

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let arrow = if app.sort.descending { "▼" } else { "▲" };
    let bar = title_bar(area, app.pane);
    let note = format!(" sorted by {} {arrow} ", app.sort.field.name());
    let mut block = Block::bordered()
        .border_style(t.border)
        .title(Line::styled(bar.title.clone(), t.title));
    // The note goes first when room is short: the column header shows the arrow too.
    if (note.width() as u16) < bar.room_left {
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
    let height = app.visible_rows();
    let rows = app.list.visible(height);
    if rows.is_empty() {
        let message = Paragraph::new(empty_message(app))
            .style(t.dim)
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true });
        let middle = Rect {
            y: inner.y + inner.height / 2,
            height: 2.min(inner.height),
            ..inner
        };
        frame.render_widget(message, middle);
        return;
    }
    let columns = layout(inner.width, app.sort.field);
    let header = Row::new(columns.iter().map(|p| {
        let title = match p.column.sort_field() {
            Some(f) if f == app.sort.field => format!("{} {arrow}", p.column.title()),
            _ => p.column.title().to_string(),
        };
        Cell::from(fit(&title, p.width as usize).into_owned())
    }))
    .style(t.header_row);
    let selected = app.list.selected.checked_sub(app.list.top);
    let body = rows.iter().map(|r| {
        Row::new(
            columns
                .iter()
                .map(|p| fit(&cell_text(app, r, p.column), p.width as usize).into_owned()),
        )
    });
    let widths: Vec<Constraint> = columns
        .iter()
        .map(|p| Constraint::Length(p.width))
        .collect();
    let table = Table::new(body, widths)
        .header(header)
        .column_spacing(GAP)
        .row_highlight_style(t.selected)
        .highlight_symbol("▶ ")
        .highlight_spacing(HighlightSpacing::Always);
    let mut state = TableState::new().with_selected(selected);
    frame.render_stateful_widget(table, inner, &mut state);
}

/// What a cell shows, before it is fitted to its column.
fn cell_text(app: &App, row: &UserRow, column: Column) -> String {
    match column {
        Column::Email => inert(&row.email).into_owned(),
        Column::First => inert(&row.first_name).into_owned(),
        Column::Last => inert(&row.last_name).into_owned(),
        Column::Groups => inert(&row.groups.join(", ")).into_owned(),
        Column::Tags => row.tag_count.to_string(),
        Column::Created => age(app.now, row.created_at),
        Column::LastLogin => row
            .last_login
            .map_or_else(|| "never".into(), |at| age(app.now, at)),
    }
}

fn empty_message(app: &App) -> String {
    let filter = app.filter.value().trim();
    if !filter.is_empty() {
        format!("No users match '{}' — Esc clears the filter", inert(filter))
    } else if app.counts.all == 0 {
        "No users yet — press a to add one".into()
    } else {
        match app.pane {
            Pane::Grouped => "No user is in a group yet — press 1 for all users".into(),
            Pane::Ungrouped => "Every user is in a group — press 1 for all users".into(),
            Pane::All => "No users yet — press a to add one".into(),
        }
    }
}

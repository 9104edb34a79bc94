use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, HighlightSpacing, Paragraph, Row, Table, TableState, Wrap};

use super::age;
use crate::inert::inert;
use crate::store::SortField;
use crate::tui::app::{App, Pane};

const COLUMNS: [(&str, Option<SortField>); 6] = [
    ("Email", Some(SortField::Email)),
    ("First", Some(SortField::FirstName)),
    ("Last", Some(SortField::LastName)),
    ("Groups", None),
    ("Tags", None),
    ("Last login", Some(SortField::LastLogin)),
];

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let sort = format!(
        " sorted by {} {} ",
        app.sort.field.name(),
        if app.sort.descending { "▼" } else { "▲" }
    );
    let mut block = Block::bordered()
        .border_style(t.border)
        .title(Line::styled(format!(" {} ", app.pane.title()), t.title))
        .title(Line::styled(sort, t.dim));
    if app.pane == Pane::All {
        block = block.title(
            Line::from(vec![
                Span::styled("[ I ", t.key),
                Span::styled("Invalidate all tokens ]", t.danger),
            ])
            .alignment(Alignment::Right),
        );
    }
    let height = app.visible_rows();
    let rows = app.list.visible(height);
    if rows.is_empty() {
        let inner = block.inner(area);
        frame.render_widget(block, area);
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
    let header = Row::new(COLUMNS.iter().map(|(name, field)| {
        let mark = match field {
            Some(f) if *f == app.sort.field && app.sort.descending => " ▼",
            Some(f) if *f == app.sort.field => " ▲",
            _ => "",
        };
        Cell::from(format!("{name}{mark}"))
    }))
    .style(t.header_row);
    let selected = app.list.selected.checked_sub(app.list.top);
    let body = rows.iter().map(|r| {
        let cells = [
            inert(&r.email).into_owned(),
            inert(&r.first_name).into_owned(),
            inert(&r.last_name).into_owned(),
            inert(&r.groups.join(", ")).into_owned(),
            r.tag_count.to_string(),
            r.last_login
                .map_or_else(|| "never".into(), |at| age(app.now, at)),
        ];
        Row::new(cells)
    });
    let widths = [
        Constraint::Fill(3),
        Constraint::Length(10),
        Constraint::Length(10),
        Constraint::Fill(2),
        Constraint::Length(4),
        Constraint::Length(10),
    ];
    let table = Table::new(body, widths)
        .header(header)
        .block(block)
        .row_highlight_style(t.selected)
        .highlight_symbol("▶ ")
        .highlight_spacing(HighlightSpacing::Always);
    let mut state = TableState::new().with_selected(selected);
    frame.render_stateful_widget(table, area, &mut state);
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

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use crate::tui::app::{App, MENU_ITEMS};
use crate::tui::keymap::{Context, key_name};
use crate::tui::layout::Areas;

const WIDTH: u16 = 26;

/// A small popup just under the selected row (above it near the bottom).
pub fn draw(app: &App, selected: usize, frame: &mut Frame, areas: &Areas) {
    let t = &app.theme;
    let height = MENU_ITEMS.len() as u16 + 2;
    // Within the table's rows and borders: never over the filter line or the footer.
    let bounds = areas.table;
    let row_y = bounds.y + 2 + app.list.selected.saturating_sub(app.list.top) as u16;
    let y = if row_y + 1 + height <= bounds.bottom() {
        row_y + 1
    } else {
        row_y.saturating_sub(height).max(bounds.y)
    };
    let area = Rect::new(bounds.x + 2, y, WIDTH, height).intersection(bounds);
    let lines: Vec<Line> = MENU_ITEMS
        .iter()
        .enumerate()
        .map(|(i, (label, action))| {
            let key = key_name(Context::Menu, action);
            let pad = (WIDTH as usize - 4).saturating_sub(label.len() + key.len());
            let style = if i == selected { t.selected } else { t.button };
            Line::from(vec![
                Span::styled(format!(" {label}{}", " ".repeat(pad)), style),
                Span::styled(format!("{key} "), if i == selected { style } else { t.key }),
            ])
        })
        .collect();
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines).block(Block::bordered().border_style(t.title)),
        area,
    );
}

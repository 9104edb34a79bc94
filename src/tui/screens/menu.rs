//! The row menu: the actions on the selected user, chosen with `↑↓` and Enter or by
//! their own keys.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::Effect;
use crate::tui::action::Action;
use crate::tui::keymap::{Context, key_name};
use crate::tui::layout::Areas;
use crate::tui::theme::Theme;

/// The row menu's items, in order.
pub const MENU_ITEMS: [(&str, Action); 3] = [
    ("Edit", Action::Edit),
    ("Invalidate tokens", Action::InvalidateUser),
    ("Delete", Action::Delete),
];

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Menu {
    pub selected: usize,
}

impl Menu {
    pub fn update(&mut self, action: Action) -> Effect {
        let n = MENU_ITEMS.len();
        match action {
            Action::Up => self.selected = (self.selected + n - 1) % n,
            Action::Down => self.selected = (self.selected + 1) % n,
            Action::MenuChoose => return Effect::Choose(MENU_ITEMS[self.selected].1.clone()),
            Action::Edit | Action::InvalidateUser | Action::Delete => {
                return Effect::Choose(action);
            }
            Action::Close => return Effect::ClosePopup,
            _ => {}
        }
        Effect::None
    }
}

const WIDTH: u16 = 26;

/// A small popup just under the selected row, `row` rows below the top of the table
/// (above it near the bottom).
pub fn draw(t: &Theme, menu: &Menu, row: usize, frame: &mut Frame, areas: &Areas) {
    let selected = menu.selected;
    let height = MENU_ITEMS.len() as u16 + 2;
    // Within the table's rows and borders: never over the filter line or the footer.
    let bounds = areas.table;
    let row_y = bounds.y + 2 + row as u16;
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

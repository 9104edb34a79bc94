//! The row menu (the actions on the selected user) and the bulk menu (the actions on
//! the marked users), each chosen with `↑↓` and Enter or by the item's own key.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use unicode_width::UnicodeWidthStr;

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
        choose(&MENU_ITEMS, &mut self.selected, action)
    }
}

/// The bulk menu's items, in order: what can be done to every marked user.
pub const BULK_ITEMS: [(&str, Action); 7] = [
    ("Add to group…", Action::BulkAddToGroup),
    ("Remove from group…", Action::BulkRemoveFromGroup),
    ("Set tag…", Action::BulkSetTag),
    ("Remove tag…", Action::BulkRemoveTag),
    ("Invalidate tokens", Action::InvalidateUser),
    ("Delete", Action::Delete),
    ("Export…", Action::BulkExport),
];

/// The menu `m` opens while users are marked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BulkMenu {
    pub selected: usize,
}

impl BulkMenu {
    pub fn update(&mut self, action: Action) -> Effect {
        choose(&BULK_ITEMS, &mut self.selected, action)
    }
}

/// A menu of `items` with `selected` highlighted answers `action`: moves, or
/// chooses an item (by Enter or by its own key), or closes.
fn choose(items: &[(&str, Action)], selected: &mut usize, action: Action) -> Effect {
    let n = items.len();
    match action {
        Action::Up => *selected = (*selected + n - 1) % n,
        Action::Down => *selected = (*selected + 1) % n,
        Action::MenuChoose => return Effect::Choose(items[*selected].1.clone()),
        Action::Close => return Effect::ClosePopup,
        action if items.iter().any(|(_, a)| *a == action) => return Effect::Choose(action),
        _ => {}
    }
    Effect::None
}

const WIDTH: u16 = 26;

/// A small popup just under the selected row, `row` rows below the top of the table
/// (above it near the bottom).
pub fn draw(t: &Theme, menu: &Menu, row: usize, frame: &mut Frame, areas: &Areas) {
    draw_items(
        t,
        &MENU_ITEMS,
        Context::Menu,
        menu.selected,
        row,
        frame,
        areas,
    );
}

pub fn draw_bulk(t: &Theme, menu: &BulkMenu, row: usize, frame: &mut Frame, areas: &Areas) {
    draw_items(
        t,
        &BULK_ITEMS,
        Context::BulkMenu,
        menu.selected,
        row,
        frame,
        areas,
    );
}

fn draw_items(
    t: &Theme,
    items: &[(&str, Action)],
    context: Context,
    selected: usize,
    row: usize,
    frame: &mut Frame,
    areas: &Areas,
) {
    let height = items.len() as u16 + 2;
    // Within the table's rows and borders: never over the filter line or the footer.
    let bounds = areas.table;
    let row_y = bounds.y + 2 + row as u16;
    let y = if row_y + 1 + height <= bounds.bottom() {
        row_y + 1
    } else {
        row_y.saturating_sub(height).max(bounds.y)
    };
    let area = Rect::new(bounds.x + 2, y, WIDTH, height).intersection(bounds);
    // Short of room, the items scroll to keep the selected one in sight, and the
    // border says how many more there are above and below.
    let shown = (area.height.saturating_sub(2) as usize).max(1);
    let first = selected.saturating_sub(shown - 1);
    let (above, below) = (first, items.len().saturating_sub(first + shown));
    let lines: Vec<Line> = items
        .iter()
        .enumerate()
        .skip(first)
        .take(shown)
        .map(|(i, (label, action))| {
            let key = key_name(context, action);
            let pad = (WIDTH as usize - 4).saturating_sub(label.width() + key.width());
            let style = if i == selected { t.selected } else { t.button };
            Line::from(vec![
                Span::styled(format!(" {label}{}", " ".repeat(pad)), style),
                Span::styled(format!("{key} "), if i == selected { style } else { t.key }),
            ])
        })
        .collect();
    frame.render_widget(Clear, area);
    let mut block = Block::bordered().border_style(t.title);
    if above > 0 {
        block = block.title_top(Line::from(format!(" ↑ {above} more ")).right_aligned());
    }
    if below > 0 {
        block = block.title_bottom(Line::from(format!(" ↓ {below} more ")).right_aligned());
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

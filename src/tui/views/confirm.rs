use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::centered;
use crate::inert::inert;
use crate::tui::app::{App, Confirm};

const WIDTH: u16 = 60;

/// The dialog in the middle of `bounds`.
pub fn draw(app: &App, confirm: &Confirm, frame: &mut Frame, bounds: Rect) {
    let t = &app.theme;
    let inner_width = WIDTH.min(bounds.width).saturating_sub(4);
    let message = Paragraph::new(inert(&confirm.message).into_owned()).wrap(Wrap { trim: true });
    let text_lines = message.line_count(inner_width) as u16;
    // Border, padding, text, padding, buttons, border.
    let area = centered(bounds, WIDTH, text_lines + 5);
    let block = Block::bordered()
        .title(Line::styled(format!(" {} ", confirm.title), t.danger))
        .border_style(t.danger);
    let inner = block.inner(area);
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);
    let body = Rect {
        x: inner.x + 1,
        y: inner.y + 1,
        width: inner.width.saturating_sub(2),
        height: inner.height.saturating_sub(3),
    };
    frame.render_widget(message, body);
    let (cancel, ok) = if confirm.ok_focused {
        (t.button, t.button_focused)
    } else {
        (t.button_focused, t.button)
    };
    let buttons = Line::from(vec![
        Span::styled("[ Cancel ]", cancel),
        Span::raw("   "),
        Span::styled(format!("[ {} ]", confirm.ok_label), ok),
        Span::styled("   y/n", t.dim),
    ])
    .alignment(Alignment::Center);
    let button_row = Rect {
        y: inner.y + inner.height.saturating_sub(1),
        height: 1,
        ..inner
    };
    frame.render_widget(Paragraph::new(buttons), button_row);
}

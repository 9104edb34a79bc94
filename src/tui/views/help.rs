use ratatui::Frame;
use ratatui::layout::Constraint;
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Row, Table};

use super::centered;
use crate::tui::app::App;
use crate::tui::keymap::{Binding, Context, bindings};

/// Every key of the list, straight from the keymap table; in two columns when one
/// would not fit the screen.
pub fn draw(app: &App, frame: &mut Frame) {
    let t = &app.theme;
    let all: Vec<&Binding> = bindings(Context::List).collect();
    let screen = frame.area();
    let columns = if all.len() as u16 + 2 > screen.height {
        2
    } else {
        1
    };
    let per_column = all.len().div_ceil(columns);
    let cell = |b: Option<&&Binding>| match b {
        Some(b) => [Line::styled(b.key_names(), t.key), Line::raw(b.help)],
        None => [Line::raw(""), Line::raw("")],
    };
    let rows: Vec<Row> = (0..per_column)
        .map(|i| {
            let mut cells = cell(all.get(i)).to_vec();
            if columns == 2 {
                cells.extend(cell(all.get(i + per_column)));
            }
            Row::new(cells)
        })
        .collect();
    let widths = [Constraint::Length(10), Constraint::Fill(1)];
    let widths: Vec<Constraint> = widths.iter().cycle().take(columns * 2).copied().collect();
    let area = centered(screen, 48 * columns as u16, per_column as u16 + 2);
    let table = Table::new(rows, widths).column_spacing(2).block(
        Block::bordered()
            .border_style(t.title)
            .title(Line::styled(" Keys — Esc closes ", t.title)),
    );
    frame.render_widget(Clear, area);
    frame.render_widget(table, area);
}

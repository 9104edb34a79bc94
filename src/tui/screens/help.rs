//! The `?` help: every key of the screen under it, straight from the keymap table.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Row, Table};
use unicode_width::UnicodeWidthStr;

use super::Effect;
use crate::tui::action::Action;
use crate::tui::fit::fit;
use crate::tui::keymap::{Binding, Context, offered, offered_over_job};
use crate::tui::layout::centered;
use crate::tui::theme::Theme;

/// The help popup: whose keys it shows, and how far they are scrolled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Help {
    /// The screen under the popup.
    pub context: Context,
    /// A bulk job's keys lie over the screen's.
    pub over_job: bool,
    /// The first row of keys in view.
    pub scroll: usize,
}

/// A popup with nothing in it to choose (a user's history): only closing it.
pub fn close_only(action: Action) -> Effect {
    match action {
        Action::Close => Effect::ClosePopup,
        _ => Effect::None,
    }
}

impl Help {
    pub fn new(context: Context, over_job: bool) -> Help {
        Help {
            context,
            over_job,
            scroll: 0,
        }
    }

    /// `bounds`: where the popup goes, to know how many rows show.
    pub fn update(&mut self, action: Action, bounds: Rect) -> Effect {
        let fit = Fit::new(bounds, self);
        let page = fit.shown_rows.max(1) as isize;
        let delta = match action {
            Action::Close => return Effect::ClosePopup,
            Action::Up => -1,
            Action::Down => 1,
            Action::PageUp => -page,
            Action::PageDown => page,
            _ => return Effect::None,
        };
        let last = fit.per_column.saturating_sub(fit.shown_rows);
        self.scroll = self.scroll.saturating_add_signed(delta).min(last);
        Effect::None
    }
}

const KEY_WIDTH: u16 = 10;
const GAP: u16 = 2;
/// One column of keys and what they do.
const COLUMN_WIDTH: u16 = 48;
/// The narrowest window that shows the keys in two columns.
const MIN_TWO_COLUMNS: u16 = 72;

/// How the keys sit in `bounds`: in two columns when one would not fit (and the
/// window is wide enough), in a popup of `area` showing `shown_rows` of `per_column`.
struct Fit {
    all: Vec<&'static Binding>,
    columns: u16,
    per_column: usize,
    area: Rect,
    shown_rows: usize,
}

impl Fit {
    fn new(bounds: Rect, help: &Help) -> Fit {
        let all: Vec<&Binding> = match help.over_job {
            true => offered_over_job(help.context).collect(),
            false => offered(help.context).collect(),
        };
        // Two columns only where both keep most of their descriptions.
        let two = all.len() as u16 + 2 > bounds.height && bounds.width >= MIN_TWO_COLUMNS;
        let columns: u16 = if two { 2 } else { 1 };
        let per_column = all.len().div_ceil(columns as usize);
        // Each column as wide as its longest description needs, so a wide window shows
        // every description whole; a narrow one cuts them (`centered` keeps it inside).
        let longest = all.iter().map(|b| b.help.width()).max().unwrap_or(0) as u16;
        let column = COLUMN_WIDTH.max(KEY_WIDTH + GAP + longest + GAP);
        let area = centered(bounds, column * columns + 2, per_column as u16 + 2);
        let shown_rows = per_column.min(area.height.saturating_sub(2) as usize);
        Fit {
            all,
            columns,
            per_column,
            area,
            shown_rows,
        }
    }
}

/// Every key of the screen under the popup, straight from the keymap table, in the
/// middle of `bounds`.
/// In a window too small for all of them, the keys scroll and the border says how
/// many more there are.
pub fn draw(t: &Theme, help: &Help, frame: &mut Frame, bounds: Rect) {
    let Fit {
        all,
        columns,
        per_column,
        area,
        shown_rows,
    } = Fit::new(bounds, help);
    let scroll = help.scroll.min(per_column - shown_rows);
    // Inside the borders: each column is its key, a gap, then the description.
    let inner_width = area.width.saturating_sub(2);
    let text_width = (inner_width.saturating_sub(columns * KEY_WIDTH + (2 * columns - 1) * GAP)
        / columns) as usize;
    let cell = |b: Option<&&Binding>| match b {
        Some(b) => [
            Line::styled(fit(&b.key_names(), KEY_WIDTH as usize).into_owned(), t.key),
            Line::raw(fit(b.help, text_width).into_owned()),
        ],
        None => [Line::raw(""), Line::raw("")],
    };
    let rows: Vec<Row> = (scroll..scroll + shown_rows)
        .map(|i| {
            let mut cells = cell(all.get(i)).to_vec();
            if columns == 2 {
                cells.extend(cell(all.get(i + per_column)));
            }
            Row::new(cells)
        })
        .collect();
    let widths = [Constraint::Length(KEY_WIDTH), Constraint::Fill(1)];
    let widths: Vec<Constraint> = widths
        .iter()
        .cycle()
        .take(columns as usize * 2)
        .copied()
        .collect();
    let mut block = Block::bordered()
        .border_style(t.title)
        .title(Line::styled(" Keys — Esc closes ", t.title));
    let keys_in = |rows: std::ops::Range<usize>| {
        rows.map(|i| 1 + usize::from(columns == 2 && i + per_column < all.len()))
            .sum::<usize>()
    };
    let above = keys_in(0..scroll);
    let below = all.len() - (above + keys_in(scroll..scroll + shown_rows)).min(all.len());
    if above + below > 0 {
        block = block.title_bottom(Line::styled(
            format!(" {above} above · {below} below: ↑↓ PgUp PgDn "),
            t.title,
        ));
    }
    let table = Table::new(rows, widths).column_spacing(GAP).block(block);
    frame.render_widget(Clear, area);
    frame.render_widget(table, area);
}

#[cfg(test)]
mod tests {
    use unicode_width::UnicodeWidthStr;

    use super::*;

    /// A window wide enough shows every key's description whole: the columns are as
    /// wide as the longest one, not a fixed width that cut them (the form's were).
    #[test]
    fn a_wide_window_shows_every_description_whole() {
        use ratatui::Terminal;
        use ratatui::backend::TestBackend;
        let contexts = [
            Context::List,
            Context::Members,
            Context::Groups,
            Context::Form,
        ];
        let longest = contexts
            .iter()
            .flat_map(|c| offered(*c))
            .map(|b| b.help.width())
            .max();
        assert!(
            longest > Some(34),
            "some description is longer than a narrow column"
        );
        for context in contexts {
            let mut terminal = Terminal::new(TestBackend::new(200, 60)).unwrap();
            let help = Help::new(context, false);
            terminal
                .draw(|f| draw(&Theme::mono(), &help, f, f.area()))
                .unwrap();
            let text = terminal.backend().to_string();
            for b in offered(context) {
                assert!(text.contains(b.help), "{context:?}: {}\n{text}", b.help);
            }
        }
    }

    /// A description cut with `…` reads as another one ("Remove the selected member
    /// from t…"): the Groups pane's and the members view's keys fit the popup whole.
    #[test]
    fn the_groups_and_members_keys_read_whole() {
        let room = (COLUMN_WIDTH - 2 - KEY_WIDTH - GAP) as usize;
        for context in [Context::Groups, Context::Members] {
            let all: Vec<&Binding> = offered(context).collect();
            assert!(!all.is_empty());
            for b in all {
                assert!(b.help.width() <= room, "{context:?}: {}", b.help);
                let keys = b.key_names();
                assert!(keys.width() <= KEY_WIDTH as usize, "{context:?}: {keys}");
            }
        }
    }
}

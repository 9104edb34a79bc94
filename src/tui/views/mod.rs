//! Pure drawing: each function reads the state and draws; none asks the store.

mod confirm;
mod filter;
mod footer;
mod form_panes;
mod header;
mod help;
mod menu;
pub mod tabs;
mod user_form;
mod user_list;

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};

use super::app::{App, Modal};
use super::layout::Areas;

pub fn view(app: &App, frame: &mut Frame) {
    let areas = Areas::new((frame.area().width, frame.area().height));
    header::draw(app, frame, areas.header);
    tabs::draw(app, frame, areas.tabs);
    // The form covers the list: drawing the list under it would be wasted work.
    if app.form.is_none() {
        user_list::draw(app, frame, areas.table);
        filter::draw(app, frame, areas.filter);
    }
    footer::draw_status(app, frame, areas.status);
    footer::draw_hints(app, frame, areas.footer);
    if let Some(form) = &app.form {
        let screen = frame.area();
        let above_status = Rect {
            height: areas.status.y.saturating_sub(screen.y),
            ..screen
        };
        user_form::draw(app, form, frame, above_status);
    }
    // Popups stay above the filter line, so the filter, status and footer lines are
    // always whole.
    let above_filter = Rect {
        height: areas.filter.y.saturating_sub(frame.area().y),
        ..frame.area()
    };
    match &app.modal {
        Some(Modal::Menu { selected }) => menu::draw(app, *selected, frame, &areas),
        Some(Modal::Confirm(c)) => confirm::draw(app, c, frame, above_filter),
        Some(Modal::Help) => help::draw(app, frame, above_filter),
        None => {}
    }
}

/// A popup of at most `width`×`height` in the middle of `area`.
fn centered(area: Rect, width: u16, height: u16) -> Rect {
    area.centered(
        Constraint::Length(width.min(area.width)),
        Constraint::Length(height.min(area.height)),
    )
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

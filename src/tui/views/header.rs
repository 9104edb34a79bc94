use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::inert::inert;
use crate::store::ReadOnly;
use crate::tui::app::App;

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let mut spans = vec![Span::styled(" xusers ", t.title)];
    if let Some(why) = app.store.read_only() {
        let banner = match why {
            ReadOnly::Asked => " READ-ONLY ".to_string(),
            why => format!(" READ-ONLY: {why} "),
        };
        spans.push(Span::styled(banner, t.error));
        spans.push(Span::raw(" "));
    }
    let left = Line::from(vec![
        Span::styled("app ", t.dim),
        Span::raw(inert(&app.application.name).into_owned()),
        Span::styled("  db ", t.dim),
        Span::raw(inert(&app.db_label).into_owned()),
    ]);
    spans.extend(left.spans);
    let left = Line::from(spans);
    let n = app.counts.all;
    let noun = if n == 1 { "user" } else { "users" };
    let users = match app.application.user_limit {
        Some(limit) => format!("{n} / {limit} {noun} "),
        None => format!("{n} {noun} "),
    };
    frame.render_widget(Paragraph::new(left), area);
    frame.render_widget(
        Paragraph::new(Line::styled(users, t.title)).alignment(Alignment::Right),
        area,
    );
}

use indicatif::HumanCount;
use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use unicode_width::UnicodeWidthStr;

use crate::inert::inert;
use crate::store::ReadOnly;
use crate::tui::fit::fit;
use crate::tui::session::Session;

/// `users` is how many users the application has.
pub fn draw(session: &Session, users: u64, frame: &mut Frame, area: Rect) {
    let t = &session.theme;
    let n = users;
    let noun = if n == 1 { "user" } else { "users" };
    let users = match session.application.user_limit {
        Some(limit) => format!("{} / {} {noun} ", HumanCount(n), HumanCount(limit)),
        None => format!("{} {noun} ", HumanCount(n)),
    };
    let mut spans = vec![Span::styled(" xusers ", t.title)];
    if let Some(why) = session.store.read_only() {
        let banner = match why {
            ReadOnly::Asked => " READ-ONLY ".to_string(),
            why => format!(" READ-ONLY: {why} "),
        };
        spans.push(Span::styled(banner, t.error));
        spans.push(Span::raw(" "));
    }
    spans.push(Span::styled("app ", t.dim));
    spans.push(Span::raw(inert(&session.application.name).into_owned()));
    spans.push(Span::styled("  db ", t.dim));
    spans.push(Span::raw(inert(&session.db_label).into_owned()));
    // The count keeps its place; the left part is cut (with `…`) two columns short of it,
    // so the two never run together.
    let room = (area.width as usize).saturating_sub(users.width() + 2);
    frame.render_widget(Paragraph::new(fit_spans(spans, room)), area);
    frame.render_widget(
        Paragraph::new(Line::styled(users, t.title)).alignment(Alignment::Right),
        area,
    );
}

/// The spans cut to `width` columns, the last one shown ending in `…` when cut.
fn fit_spans(spans: Vec<Span<'_>>, width: usize) -> Line<'_> {
    let mut left = width;
    let mut fitted = Vec::new();
    for span in spans {
        let w = span.content.width();
        if w <= left {
            left -= w;
            fitted.push(span);
        } else {
            if left > 0 {
                fitted.push(Span::styled(
                    fit(&span.content, left).into_owned(),
                    span.style,
                ));
            }
            break;
        }
    }
    Line::from(fitted)
}

use std::time::Duration;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use indicatif::{HumanCount, HumanDuration};

use crate::inert::inert;
use crate::tui::bulk::Running;
use crate::tui::fit::{fit, fit_middle};
use crate::tui::keymap::{Context, Hint, Offer, footer_hints, footer_hints_over_job};
use crate::tui::session::{Session, StatusKind};
use crate::tui::theme::Theme;

pub fn draw_status(session: &Session, frame: &mut Frame, area: Rect) {
    if let Some(status) = &session.status {
        let style = match status.kind {
            StatusKind::Info => session.theme.info,
            StatusKind::Error => session.theme.error,
        };
        let room = (area.width as usize).saturating_sub(2);
        let text = format!(" {} ", fit_status(&inert(&status.text), room));
        frame.render_widget(Paragraph::new(Line::styled(text, style)), area);
    }
}

/// A bulk job's progress on the status line: what it does, how far it is, a bar, its
/// rate and the time left, and how to cancel it; the less important parts go first
/// when the line is short. An error said meanwhile (a change refused) shows instead
/// until it expires.
pub fn draw_job(session: &Session, job: &Running, frame: &mut Frame, area: Rect) {
    if session
        .status
        .as_ref()
        .is_some_and(|s| s.kind == StatusKind::Error)
    {
        return draw_status(session, frame, area);
    }
    let t = &session.theme;
    let room = area.width as usize;
    let line = |text: String| Line::styled(fit(&text, room).into_owned(), t.marked);
    let progress = job.progress;
    if job.cancelling() {
        let text = format!(
            " Cancelling: undoing the {} changes made…",
            HumanCount(progress.done)
        );
        return frame.render_widget(Paragraph::new(line(text)), area);
    }
    if progress.total == 0 {
        let text = format!(" {}… (Esc cancels)", job.job.doing());
        return frame.render_widget(Paragraph::new(line(text)), area);
    }
    let head = format!(
        " {} {}/{} ",
        job.job.doing(),
        HumanCount(progress.done),
        HumanCount(progress.total)
    );
    let percent = progress.done * 100 / progress.total;
    let mut tail = vec![format!(" {percent}%")];
    match job.time_left() {
        Some(left) if left < Duration::from_secs(1) => tail.push(" · under a second left".into()),
        Some(left) => tail.push(format!(" · {} left", HumanDuration(left))),
        None => {}
    }
    if let Some(rate) = job.rate() {
        tail.push(format!(" · {}/s", HumanCount(rate as u64)));
    }
    tail.push(" · Esc cancels".into());
    const BAR: usize = 10;
    let used = |tail: &[String]| head.width() + BAR + tail.iter().map(|p| p.width()).sum::<usize>();
    while tail.len() > 1 && used(&tail) > room {
        tail.pop();
    }
    let bar = room
        .saturating_sub(used(&tail) - BAR)
        .clamp(BAR.min(room), 3 * BAR);
    let filled = (bar as u64 * progress.done / progress.total) as usize;
    let spans = vec![
        Span::styled(head, t.marked),
        Span::styled("█".repeat(filled), t.marked),
        Span::styled("░".repeat(bar - filled), t.dim),
        Span::styled(tail.concat(), t.marked),
    ];
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// A status message in `room` columns: a long word (an email) is cut in its middle
/// first, so what follows it still shows; only then is the end cut. Either way `…`
/// marks the cut.
fn fit_status(text: &str, room: usize) -> String {
    let over = text.width().saturating_sub(room);
    if over == 0 {
        return text.to_string();
    }
    let longest = text
        .split(' ')
        .max_by_key(|w| w.width())
        .unwrap_or_default();
    // A word kept this wide still says whose it is.
    const KEEP: usize = 12;
    let shrunk = match longest.width().checked_sub(over) {
        Some(w) if w >= KEEP => text.replacen(longest, &fit_middle(longest, w), 1),
        _ => text.replacen(longest, &fit_middle(longest, KEEP), 1),
    };
    fit(&shrunk, room).into_owned()
}

/// The hints that fit, each whole: a hint that would be cut is left out, the last
/// ones first, `? help` last of all.
/// `over_job`: a bulk job's keys lie over `context`'s.
pub fn draw_hints(
    t: &Theme,
    (context, over_job): (Context, bool),
    offer: Offer,
    frame: &mut Frame,
    area: Rect,
) {
    let mut hints = match over_job {
        true => footer_hints_over_job(context, offer),
        false => footer_hints(context, offer),
    };
    // A leading space, then each hint and two spaces (which may fall off the edge).
    let width = |hints: &[Hint]| -> usize {
        1 + hints
            .iter()
            .map(|h| h.key.width() + 1 + h.word.width() + 2)
            .sum::<usize>()
    };
    while !hints.is_empty() && width(&hints) - 2 > area.width as usize {
        let drop = hints.iter().rposition(|h| !h.last_to_go);
        hints.remove(drop.unwrap_or(hints.len() - 1));
    }
    let mut spans = vec![Span::raw(" ")];
    for hint in hints {
        spans.push(Span::styled(hint.key, t.key));
        spans.push(Span::styled(format!(" {}  ", hint.word), t.dim));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_email_in_a_status_is_cut_in_its_middle_so_the_rest_shows() {
        let email = format!("{}@example.com", "a".repeat(52));
        let text = format!("no such user: {email} (someone else deleted it)");
        let shown = fit_status(&text, 78);
        assert_eq!(shown.width(), 78);
        assert!(shown.starts_with("no such user: aaa"), "{shown}");
        assert!(
            shown.ends_with("a@example.com (someone else deleted it)"),
            "{shown}"
        );
        assert!(shown.contains('…'), "{shown}");
        assert_eq!(fit_status("Deleted ann@acme.io", 78), "Deleted ann@acme.io");
    }

    #[test]
    fn a_status_too_long_even_so_ends_with_an_ellipsis() {
        let email = format!("{}@example.com", "a".repeat(52));
        let text = format!("no such user: {email} (someone else deleted it)");
        let shown = fit_status(&text, 38);
        assert!(shown.width() <= 38, "{shown}");
        assert!(shown.ends_with('…'), "{shown}");
    }
}

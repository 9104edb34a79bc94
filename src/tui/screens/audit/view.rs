//! Pure drawing of the audit log: the pane's table, one entry whole (every field, each
//! change as before → after) and a user's history for the form. Stored text is inert.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Clear, Paragraph, Row, Table, TableState, Wrap};
use unicode_width::UnicodeWidthStr;

use super::AuditLog;
use crate::domain::rfc3339_ms;
use crate::inert::inert;
use crate::store::{AuditEntry, shown};
use crate::tui::fit::{fit, fit_email};
use crate::tui::layout::{centered, middle_rows};
use crate::tui::screens::list::filter::typed_line;
use crate::tui::theme::Theme;

/// Rows of the table in a pane of `area`: inside the borders, below the header.
pub fn table_rows(area: Rect) -> usize {
    area.height.saturating_sub(3) as usize
}

/// `2026-11-29 17:47:55` (UTC) from milliseconds.
fn when(ms: i64) -> String {
    let text = rfc3339_ms(ms);
    text.get(..19).map_or(text.clone(), |t| t.replace('T', " "))
}

/// The changed fields' names, for a one-line summary.
fn fields(entry: &AuditEntry) -> String {
    entry
        .changes
        .iter()
        .map(|(field, ..)| field)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A column of the pane's table: its header, its width, and its text for an entry cut
/// to that width (inert, ending in `…` where cut).
type Column = (&'static str, u16, fn(&AuditEntry, usize) -> String);

/// Stored text, inert, cut to `width` columns with `…`.
fn cut(text: &str, width: usize) -> String {
    fit(&inert(text), width).into_owned()
}

/// The table's columns for a pane `width` wide. Wide: the time, actor and op keep their
/// width and the target and the changed fields share the rest. Narrow: a short time, the
/// op and the target share it (the actor and the fields are in the entry, `Enter`).
fn columns(width: u16) -> Vec<Column> {
    const GAP: u16 = 2;
    let full = [19u16, 16, 21];
    let time: Column = ("TIME (UTC)", full[0], |e, w| cut(&when(e.time_ms), w));
    let actor: Column = ("ACTOR", full[1], |e, w| cut(&e.actor, w));
    let target = |w: u16| -> Column {
        ("TARGET", w, |e, w| {
            fit_email(&inert(&e.target.label), w).into_owned()
        })
    };
    let op = |w: u16| -> Column { ("OP", w, |e, w| cut(&e.op, w)) };
    let rest = width.saturating_sub(full.iter().sum::<u16>() + 4 * GAP);
    if rest >= 24 {
        let changed: Column = ("CHANGED", rest - rest / 2, |e, w| cut(&fields(e), w));
        return vec![time, actor, op(full[2]), target(rest / 2), changed];
    }
    let short_time: Column = ("TIME (UTC)", 11, |e, w| {
        let when = when(e.time_ms);
        cut(when.get(5..16).unwrap_or(&when), w)
    });
    let actor = (actor.0, 14, actor.2);
    let rest = width.saturating_sub(short_time.1 + actor.1 + full[2] + 3 * GAP);
    if rest >= 16 {
        return vec![short_time, actor, op(full[2]), target(rest)];
    }
    let rest = width.saturating_sub(short_time.1 + 2 * GAP);
    let op_width = (rest / 2).min(full[2]);
    vec![short_time, op(op_width), target(rest - op_width)]
}

/// The pane: a table of entries, newest first, the selection highlighted.
pub fn draw_log(frame: &mut Frame, area: Rect, log: &AuditLog, t: &Theme) {
    let mut title = " Audit log · newest first ".to_string();
    if !log.filter.value().is_empty() {
        title = format!(" Audit log · matching \"{}\" ", inert(log.filter.value()));
    }
    let block = Block::bordered().border_style(t.border).title(Line::styled(
        fit(&title, area.width.saturating_sub(2) as usize).into_owned(),
        t.title,
    ));
    let inner = block.inner(area);
    frame.render_widget(&block, area);
    let (rows, selected) = log.visible(table_rows(area));
    if rows.is_empty() {
        let message = if log.busy() {
            "Reading the audit log…"
        } else if log.filter.value().is_empty() {
            "Nothing has been changed yet."
        } else {
            "No entry matches the filter (actor, target or op). Esc clears it."
        };
        frame.render_widget(t.note(message), middle_rows(inner));
        return;
    }
    let columns = columns(inner.width);
    let widths: Vec<u16> = columns.iter().map(|c| c.1).collect();
    let header = Row::new(
        columns
            .iter()
            .map(|(name, w, _)| Cell::from(fit(name, *w as usize).into_owned())),
    )
    .style(t.header_row);
    let body = rows.iter().map(|e| {
        Row::new(
            columns
                .iter()
                .map(|(_, w, text)| Cell::from(text(e, *w as usize))),
        )
    });
    let table = Table::new(body, widths.into_iter().map(Constraint::Length))
        .header(header)
        .column_spacing(2)
        .row_highlight_style(t.selected);
    let mut state = TableState::default().with_selected(selected);
    frame.render_stateful_widget(table, inner, &mut state);
}

/// One entry whole, over the pane: every field, then each change as before → after.
/// The entry whole, scrolled by `scroll` lines when it is taller than the window.
pub fn draw_entry(frame: &mut Frame, bounds: Rect, entry: &AuditEntry, scroll: u16, t: &Theme) {
    let width = bounds.width.saturating_sub(4).min(96);
    let text_width = width.saturating_sub(2) as usize;
    let label = |name: &str| Span::styled(format!("{name:<9}"), t.dim);
    let value = |text: &str| Span::raw(inert(text).into_owned());
    let target = match entry.target.id {
        Some(id) => format!("{} #{id} · {}", entry.target.kind, entry.target.label),
        None => format!("{} · {}", entry.target.kind, entry.target.label),
    };
    let mut lines = vec![
        Line::from(vec![
            label("Time"),
            value(&format!(
                "{}.{:03} UTC",
                when(entry.time_ms),
                entry.time_ms.rem_euclid(1000)
            )),
        ]),
        Line::from(vec![label("Actor"), value(&entry.actor)]),
        Line::from(vec![label("Source"), value(&entry.source)]),
        Line::from(vec![label("Op"), value(&entry.op)]),
        Line::from(vec![label("Target"), value(&target)]),
        Line::from(vec![
            label("App"),
            value(entry.app.as_deref().unwrap_or("— (the whole database)")),
        ]),
        Line::from(vec![
            label("Batch"),
            value(&entry.batch.map_or("—".into(), |b| format!("#{b}"))),
        ]),
        Line::raw(""),
    ];
    if entry.changes.is_empty() {
        lines.push(Line::styled("No field changed.", t.dim));
    } else {
        lines.push(Line::styled("Changes (before → after)", t.header_row));
        let field_width = entry
            .changes
            .iter()
            .map(|(f, ..)| f.width())
            .max()
            .unwrap_or(0)
            .min(text_width / 3);
        for (field, before, after) in entry.changes.iter() {
            lines.push(Line::from(vec![
                Span::styled(
                    format!("{:<field_width$}  ", fit(&inert(field), field_width)),
                    t.key,
                ),
                value(&shown(before)),
                Span::styled(" → ", t.dim),
                value(&shown(after)),
            ]));
        }
    }
    let paragraph = Paragraph::new(lines).wrap(Wrap { trim: false });
    let total = paragraph.line_count(text_width as u16) as u16;
    let height = (total + 2).min(bounds.height);
    let hidden = total.saturating_sub(height.saturating_sub(2));
    let scroll = scroll.min(hidden);
    let area = Rect {
        x: bounds.x + bounds.width.saturating_sub(width) / 2,
        y: bounds.y + bounds.height.saturating_sub(height) / 2,
        width,
        height,
    };
    let hint = if hidden > 0 {
        let seen = scroll + height.saturating_sub(2);
        format!(" {seen}/{total} · ↑↓ PgUp PgDn scroll ")
    } else {
        " Esc close ".to_string()
    };
    let block = Block::bordered()
        .border_style(t.border)
        .title(Line::styled(
            format!(" Audit entry {} ", entry.seq),
            t.title,
        ))
        .title_bottom(Line::styled(hint, t.dim));
    frame.render_widget(Clear, area);
    frame.render_widget(paragraph.block(block).scroll((scroll, 0)), area);
}

/// A user's recent changes, one line each, newest first, for the form.
pub fn history_lines(entries: &[AuditEntry], width: usize, t: &Theme) -> Vec<Line<'static>> {
    if entries.is_empty() {
        return vec![Line::styled("No recorded change yet.", t.dim)];
    }
    let op_width = entries.iter().map(|e| e.op.width()).max().unwrap_or(0);
    entries
        .iter()
        .map(|e| {
            let minute: String = when(e.time_ms).chars().take(16).collect();
            let head = format!("{minute}  {:<op_width$}  {}  ", e.op, e.actor);
            let rest = width.saturating_sub(head.width());
            Line::from(vec![
                Span::styled(fit(&inert(&head), width).into_owned(), t.dim),
                Span::raw(fit(&inert(&fields(e)), rest).into_owned()),
            ])
        })
        .collect()
}

/// The pane's filter line: the text being typed or kept, else an invitation.
pub fn draw_filter(t: &Theme, log: &AuditLog, frame: &mut Frame, area: Rect) {
    let value = log.filter.value();
    let line = if log.filter_focused {
        typed_line(t, &log.filter, area.width as usize, frame, area)
    } else if !value.is_empty() {
        let kept = format!(" filter: {}  (/ edit · Esc clear)", inert(value));
        Line::styled(fit(&kept, area.width as usize).into_owned(), t.dim)
    } else {
        Line::styled(" / filter by actor, target or op", t.dim)
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// A user's recent changes over the form, newest first.
pub fn draw_history(
    t: &Theme,
    email: &str,
    entries: Option<&[AuditEntry]>,
    frame: &mut Frame,
    bounds: Rect,
) {
    let count = entries.map_or(1, <[AuditEntry]>::len);
    let area = centered(bounds, 96, count.max(1) as u16 + 2);
    let title = format!(" Recent changes of {} ", inert(email));
    let block = Block::bordered()
        .border_style(t.border)
        .title(Line::styled(
            fit(&title, area.width.saturating_sub(2) as usize).into_owned(),
            t.title,
        ))
        .title_bottom(Line::styled(" Esc close ", t.dim));
    let lines = match entries {
        Some(entries) => history_lines(entries, area.width.saturating_sub(2) as usize, t),
        None => vec![Line::styled("Reading…", t.dim)],
    };
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

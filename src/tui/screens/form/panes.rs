//! The form's lower half: the groups tree, the devices it reaches, the tag editor
//! and its suggestion popup.

use indicatif::HumanCount;
use std::collections::BTreeMap;

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget, Wrap};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::field_text::visible_text;
use super::{FormFocus, TagColumn, UserForm};
use crate::domain::Field;
use crate::inert::{inert, inert_char};
use crate::tui::fit::fit;
use crate::tui::theme::Theme;

const KEY_WIDTH: u16 = 14;

/// A form narrower than this (inside its border) stacks the three panes, each the
/// full width, instead of squeezing them side by side.
const STACK_BELOW: u16 = 60;

/// The height the panes get when the form has little room (they then scroll into
/// view with the focus), at most the form's own height.
const PANES_MIN: u16 = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Groups,
    Devices,
    Tags,
}

impl Pane {
    /// The form field that has its focus in this pane, if any.
    pub fn focus(self) -> Option<FormFocus> {
        match self {
            Pane::Groups => Some(FormFocus::Groups),
            Pane::Devices => None,
            Pane::Tags => Some(FormFocus::Tags),
        }
    }
}

/// The panes' rows, top to bottom, with their heights: all three side by side, or
/// one under another on a narrow form. `room` is what the form has left for them,
/// `view` the height of the form's inside.
pub fn rows(
    t: &Theme,
    form: &UserForm,
    width: u16,
    room: u16,
    view: u16,
) -> Vec<(&'static [Pane], u16)> {
    if width >= STACK_BELOW {
        return vec![(
            &[Pane::Groups, Pane::Devices, Pane::Tags],
            room.max(view.min(PANES_MIN)),
        )];
    }
    // Each pane as tall as its content (borders included), within one screen.
    let fit = |lines: usize| (lines as u16 + 2).clamp(3, view.max(3));
    let groups = fit(form.groups.visible().len());
    let devices = fit(devices_text(t, form).line_count(width.saturating_sub(2)));
    let tags = fit(form.tags.rows.len() + tag_problems(form).len());
    let slack = room.saturating_sub(groups + devices + tags);
    vec![
        (&[Pane::Groups], groups + slack),
        (&[Pane::Devices], devices),
        (&[Pane::Tags], tags),
    ]
}

/// Draws one row of panes; returns where the cursor goes when it is in one of them.
pub fn draw_row(
    t: &Theme,
    form: &UserForm,
    panes: &[Pane],
    buf: &mut Buffer,
    area: Rect,
) -> Option<Position> {
    let areas: Vec<Rect> = if panes.len() == 3 {
        Layout::horizontal([
            Constraint::Percentage(32),
            Constraint::Percentage(28),
            Constraint::Percentage(40),
        ])
        .split(area)
        .to_vec()
    } else {
        vec![area; panes.len()]
    };
    let mut cursor = None;
    for (pane, area) in panes.iter().zip(areas) {
        match pane {
            Pane::Groups => draw_groups(t, form, buf, area),
            Pane::Devices => draw_devices(t, form, buf, area),
            Pane::Tags => cursor = draw_tags(t, form, buf, area),
        }
    }
    cursor
}

fn pane<'a>(t: &Theme, title: String, focused: bool) -> Block<'a> {
    let style = if focused { t.title } else { t.border };
    Block::bordered().border_style(style).title(Line::styled(
        title,
        if focused { t.title } else { Style::new() },
    ))
}

fn draw_groups(t: &Theme, form: &UserForm, buf: &mut Buffer, area: Rect) {
    let focused = form.focus == FormFocus::Groups;
    let filter = form.groups.filter.value();
    let title = if filter.is_empty() {
        format!(" Groups ({}) ", form.groups.ticked.len())
    } else {
        format!(" Groups matching '{}' ", inert(filter))
    };
    let title = fit(&title, area.width.saturating_sub(2) as usize).into_owned();
    let block = pane(t, title, focused);
    let inner = block.inner(area);
    block.render(area, buf);
    let visible = form.groups.visible();
    if visible.is_empty() {
        let text = if form.loading.is_some() {
            "Reading…"
        } else if form.groups.items.is_empty() {
            "No groups yet"
        } else {
            "No group matches"
        };
        Paragraph::new(Line::styled(text, t.dim)).render(inner, buf);
        return;
    }
    let height = inner.height as usize;
    let top = form.groups.cursor.saturating_sub(height.saturating_sub(1));
    let lines: Vec<Line> = visible
        .iter()
        .enumerate()
        .skip(top)
        .take(height)
        .map(|(i, item)| {
            let tick = if form.groups.ticked.contains(&item.id) {
                "[x]"
            } else {
                "[ ]"
            };
            let text = format!("{}{tick} {}", "  ".repeat(item.depth), inert(&item.name));
            let text = fit(&text, inner.width as usize).into_owned();
            let style = if focused && i == form.groups.cursor {
                t.selected
            } else {
                Style::new()
            };
            Line::styled(text, style)
        })
        .collect();
    Paragraph::new(lines).render(inner, buf);
}

fn draw_devices(t: &Theme, form: &UserForm, buf: &mut Buffer, area: Rect) {
    let count = match form.loading.or(form.devices_loading) {
        Some(_) => "reading…".to_string(),
        None => form.devices.len().to_string(),
    };
    let block = pane(t, format!(" Devices reached ({count}) "), false);
    let inner = block.inner(area);
    block.render(area, buf);
    devices_text(t, form).render(inner, buf);
}

/// The devices reached, each with the group it comes through.
fn devices_text<'a>(t: &Theme, form: &UserForm) -> Paragraph<'a> {
    let lines: Vec<Line> = if form.devices.is_empty() {
        let why = if form.groups.ticked.is_empty() {
            "None — tick a group"
        } else {
            "No device reaches the ticked groups"
        };
        vec![Line::styled(why, t.dim)]
    } else {
        form.devices
            .iter()
            .map(|d| {
                Line::from(vec![
                    Span::raw(inert(&d.device).into_owned()),
                    Span::styled(format!(" · {}", inert(&d.via_group)), t.dim),
                ])
            })
            .collect()
    };
    // Wrapped rather than cut: a cut name could read as another device.
    Paragraph::new(lines).wrap(Wrap { trim: true })
}

/// Each row's problem: a bad or repeated key (live), or what the last save reported.
fn tag_problems(form: &UserForm) -> BTreeMap<usize, String> {
    let mut problems: BTreeMap<usize, String> = form.tags.key_problems().into_iter().collect();
    for e in &form.errors {
        if let Field::TagKey(i) | Field::TagValue(i) = e.field
            && let Some(row) = form.tag_row(i)
        {
            problems.entry(row).or_insert_with(|| e.message.clone());
        }
    }
    problems
}

fn draw_tags(t: &Theme, form: &UserForm, buf: &mut Buffer, area: Rect) -> Option<Position> {
    let focused = form.focus == FormFocus::Tags;
    let block = pane(t, format!(" Tags ({}) ", form.tags.filled().len()), focused);
    let inner = block.inner(area);
    block.render(area, buf);
    let problems = tag_problems(form);
    // The key column gives way on a narrow pane, so that values keep some room.
    let key_width = KEY_WIDTH.min(inner.width.saturating_sub(5) * 2 / 3);
    let value_width = inner.width.saturating_sub(key_width + 5) as usize;
    let editor = &form.tags;
    // Rows scroll to keep the current one in view.
    let top = (editor.row as u16).saturating_sub(inner.height.saturating_sub(1));
    let mut lines = Vec::new();
    let mut cursor = None;
    for (i, row) in editor.rows.iter().enumerate() {
        let current = focused && i == editor.row;
        let cell_style = |column| {
            if current && editor.column == column {
                t.input
            } else {
                Style::new()
            }
        };
        let editing = |column| current && editor.column == column;
        let (key, key_cursor) =
            visible_text(&row.key, key_width as usize, false, editing(TagColumn::Key));
        let (value, value_cursor) =
            visible_text(&row.value, value_width, false, editing(TagColumn::Value));
        let mark = if problems.contains_key(&i) {
            "✗ "
        } else {
            "  "
        };
        lines.push(Line::from(vec![
            Span::styled(mark, t.invalid),
            Span::styled(key, cell_style(TagColumn::Key)),
            Span::styled(" = ", t.dim),
            Span::styled(value, cell_style(TagColumn::Value)),
        ]));
        if current {
            let x = match editor.column {
                TagColumn::Key => 2 + key_cursor,
                TagColumn::Value => 2 + key_width + 3 + value_cursor,
            };
            cursor = Some(Position::new(inner.x + x, inner.y + i as u16 - top));
        }
    }
    for (row, problem) in &problems {
        lines.push(Line::styled(
            format!("✗ tag {}: {problem}", row + 1),
            t.invalid,
        ));
    }
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .scroll((top, 0))
        .render(inner, buf);
    cursor
}

/// How to take a suggestion: `Enter` keeps the typed key until `↑↓` picks one.
fn suggestions_title(form: &UserForm) -> &'static str {
    if form.tags.picked {
        " Tab/Enter take it "
    } else {
        " Tab takes · Enter keeps typed "
    }
}

/// The fuzzy suggestions, just under the key being typed; matched letters stand out.
/// The suggestions under (or over) the key being typed, within `screen`: the form's
/// area, so the status line and the footer stay whole.
pub fn draw_suggestions(
    t: &Theme,
    form: &UserForm,
    frame: &mut Frame,
    cursor: Position,
    screen: Rect,
) {
    let suggestions = &form.tags.suggestions;
    if suggestions.is_empty() {
        return;
    }
    // Wide enough for the title that says how to take a suggestion.
    let width = 34.min(screen.width);
    // Below the key, or above it when there is more room there; never over it. On a
    // short screen fewer suggestions show, scrolled to keep the chosen one in view.
    let below = screen.bottom().saturating_sub(cursor.y + 1);
    let above = cursor.y.saturating_sub(screen.y);
    let fits_below = below >= suggestions.len() as u16 + 2 || below >= above;
    let room = if fits_below { below } else { above };
    let shown = (suggestions.len() as u16).min(room.saturating_sub(2));
    if shown == 0 {
        return;
    }
    let height = shown + 2;
    let x = cursor
        .x
        .saturating_sub(2)
        .min(screen.width.saturating_sub(width));
    let y = if fits_below {
        cursor.y + 1
    } else {
        cursor.y - height
    };
    let area = Rect::new(x, y, width, height).intersection(screen);
    let first = (form.tags.chosen + 1).saturating_sub(shown as usize);
    let lines: Vec<Line> = suggestions
        .iter()
        .enumerate()
        .skip(first)
        .take(shown as usize)
        .map(|(i, s)| {
            let chosen = i == form.tags.chosen;
            let base = if chosen { t.selected } else { Style::new() };
            let used = match s.users {
                1 => " 1 user".to_string(),
                n => format!(" {} users", HumanCount(n)),
            };
            // A key too long for the room left beside the count is cut with `…`.
            let room = (width as usize - 2).saturating_sub(used.width());
            let key: Vec<(usize, char)> = s
                .key
                .chars()
                .enumerate()
                .filter_map(|(pos, c)| Some((pos, inert_char(c)?)))
                .collect();
            let key_width: usize = key.iter().map(|(_, c)| c.width().unwrap_or(0)).sum();
            let keep = if key_width > room {
                room.saturating_sub(1)
            } else {
                room
            };
            let mut shown_width = 0;
            let mut spans: Vec<Span> = Vec::new();
            for (pos, c) in key {
                let w = c.width().unwrap_or(0);
                if shown_width + w > keep {
                    break;
                }
                shown_width += w;
                let style = if s.matched.contains(&pos) {
                    base.patch(t.matched)
                } else {
                    base
                };
                spans.push(Span::styled(c.to_string(), style));
            }
            if key_width > room {
                spans.push(Span::styled("…", base));
                shown_width += 1;
            }
            spans.push(Span::styled(
                " ".repeat(room.saturating_sub(shown_width)),
                base,
            ));
            spans.push(Span::styled(used, if chosen { base } else { t.dim }));
            Line::from(spans)
        })
        .collect();
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::bordered()
                .border_style(t.title)
                .title(Line::styled(suggestions_title(form), t.dim)),
        ),
        area,
    );
}

//! The add / edit form: fields with inline errors, then groups, devices and tags.
//! When the form is taller than the screen it scrolls to keep the focused field (and
//! the cursor) in view.

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget, Wrap};

use super::field_text::visible_text;
use super::panes::{self, Pane};
use super::{FormFocus, UserForm};
use crate::domain::Field;
use crate::inert::inert;
use crate::tui::theme::Theme;

const LABEL: u16 = 18;

/// One horizontal band of the form, top to bottom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Band {
    Field(FormFocus),
    Gap,
    Panes(&'static [Pane]),
    Message,
    Buttons,
}

impl Band {
    fn holds(self, focus: FormFocus) -> bool {
        match self {
            Band::Field(f) => f == focus,
            Band::Panes(panes) => panes.iter().any(|p| p.focus() == Some(focus)),
            Band::Buttons => focus == FormFocus::Actions,
            Band::Gap | Band::Message => false,
        }
    }
}

pub fn draw(t: &Theme, form: &UserForm, frame: &mut Frame, area: Rect) {
    let block = frame_block(t, form, area.width);
    let inner = block.inner(area);
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);
    if form.reading_user() {
        // Empty fields would read like a user without names: none show until it arrives.
        frame.render_widget(Paragraph::new(Line::styled(" Reading…", t.dim)), inner);
        return;
    }

    let bands = bands(t, form, inner);
    let total: u16 = bands.iter().map(|(_, h)| h).sum();
    let offset = scroll(&bands, form.focus, inner.height);
    // Everything is drawn into a buffer as tall as the form, then the window that is
    // in view is copied to the screen.
    let mut content = Buffer::empty(Rect {
        height: total,
        ..inner
    });
    let mut cursor = None;
    let mut y = inner.y;
    for &(band, height) in &bands {
        let band_area = Rect { y, height, ..inner };
        let at = match band {
            Band::Field(field) => draw_field(t, form, field, &mut content, band_area),
            Band::Panes(panes) => panes::draw_row(t, form, panes, &mut content, band_area),
            Band::Message => {
                if let Some(message) = message(t, form) {
                    message.render(band_area, &mut content);
                }
                None
            }
            Band::Buttons => {
                Paragraph::new(button_lines(t, form, inner.width)).render(band_area, &mut content);
                None
            }
            Band::Gap => None,
        };
        cursor = cursor.or(at);
        y += height;
    }
    copy_window(&content, frame.buffer_mut(), inner, offset);
    draw_scroll_marks(t, frame, area, offset, offset + inner.height < total);

    let cursor = cursor
        .filter(|_| !form.saving)
        .and_then(|c| Some(Position::new(c.x, c.y.checked_sub(offset)?)))
        .filter(|c| c.y >= inner.y && c.y < inner.bottom());
    if let Some(position) = cursor {
        frame.set_cursor_position(position);
        if form.focus == FormFocus::Tags {
            panes::draw_suggestions(t, form, frame, position, area);
        }
    }
}

/// The border with the form's title; the key reminder on the right only when both fit.
fn frame_block<'a>(t: &Theme, form: &UserForm, width: u16) -> Block<'a> {
    let full = match form.is_edit() {
        true => format!(" Edit user {} ", inert(form.email.value())),
        false => " Add user ".to_string(),
    };
    let room = width.saturating_sub(2) as usize;
    // A cut email could read as another address: drop it rather than cut it.
    let title = if Line::raw(full.as_str()).width() <= room {
        full
    } else {
        format!(" {} ", form.title())
    };
    let hint = match form.reading_user() {
        true => " Esc closes ",
        false => " * required · Ctrl-S saves · Esc closes ",
    };
    let hint = Line::styled(hint, t.dim).right_aligned();
    let block = Block::bordered().border_style(t.title);
    let block = if Line::raw(title.as_str()).width() + 1 + hint.width() <= room {
        block.title(hint)
    } else {
        block
    };
    block.title(Line::styled(title, t.title))
}

/// The form's bands with their heights, for the inside of the border `inner`.
fn bands(t: &Theme, form: &UserForm, inner: Rect) -> Vec<(Band, u16)> {
    let fields: Vec<FormFocus> = form
        .focus_order()
        .into_iter()
        .filter(|f| !matches!(f, FormFocus::Groups | FormFocus::Tags | FormFocus::Actions))
        .collect();
    let message_height = message(t, form).map_or(1, |m| m.line_count(inner.width).max(1)) as u16;
    let buttons_height = button_lines(t, form, inner.width).len() as u16;
    let mut bands: Vec<(Band, u16)> = fields
        .into_iter()
        .map(|f| {
            let under = field_error(form, f).map_or(0, |e| error_under(t, e, inner.width).1);
            (Band::Field(f), 1 + under)
        })
        .collect();
    let fixed = bands.iter().map(|(_, h)| h).sum::<u16>() + 1 + message_height + buttons_height;
    let room = inner.height.saturating_sub(fixed);
    bands.push((Band::Gap, 1));
    for (panes, height) in panes::rows(t, form, inner.width, room, inner.height) {
        bands.push((Band::Panes(panes), height));
    }
    bands.extend([
        (Band::Message, message_height),
        (Band::Buttons, buttons_height),
    ]);
    bands
}

/// The first row in view: the least scrolling that shows the whole focused band (its
/// top, if it is taller than the view).
fn scroll(bands: &[(Band, u16)], focus: FormFocus, view: u16) -> u16 {
    let total: u16 = bands.iter().map(|(_, h)| h).sum();
    let mut top = 0;
    for &(band, height) in bands {
        if band.holds(focus) {
            return (top + height)
                .saturating_sub(view)
                .min(top)
                .min(total.saturating_sub(view));
        }
        top += height;
    }
    0
}

/// Copies rows `offset..` of `content` into `area` of the screen.
fn copy_window(content: &Buffer, screen: &mut Buffer, area: Rect, offset: u16) {
    let from = content.area;
    for dy in 0..area.height.min(from.height.saturating_sub(offset)) {
        for x in area.left()..area.right() {
            screen[(x, area.y + dy)] = content[(x, from.y + offset + dy)].clone();
        }
    }
}

/// `▲` / `▼` on the right border when part of the form is above / below the view.
fn draw_scroll_marks(t: &Theme, frame: &mut Frame, area: Rect, above: u16, below: bool) {
    if area.height < 3 || area.width == 0 {
        return; // no room inside the border: nothing scrolls
    }
    let x = area.right() - 1;
    let buf = frame.buffer_mut();
    if above > 0 {
        buf[(x, area.y + 1)].set_symbol("▲").set_style(t.title);
    }
    if below {
        buf[(x, area.bottom().saturating_sub(2))]
            .set_symbol("▼")
            .set_style(t.title);
    }
}

/// Draws one field's line; returns where the cursor goes when the field has focus.
fn draw_field(
    t: &Theme,
    form: &UserForm,
    field: FormFocus,
    buf: &mut Buffer,
    area: Rect,
) -> Option<Position> {
    let focused = form.focus == field;
    let (label, input, masked) = match field {
        FormFocus::Email => ("Email*", &form.email, false),
        FormFocus::Password => ("Password*", &form.password, true),
        FormFocus::FirstName => ("First name", &form.first_name, false),
        FormFocus::LastName => ("Last name", &form.last_name, false),
        _ => {
            let tick = if form.change_password { "[x]" } else { "[ ]" };
            let line = Line::from(vec![
                label_span(t, "Change password?", focused),
                Span::styled(tick, if focused { t.label_focused } else { t.button }),
                Span::styled("  Space ticks", t.dim),
            ]);
            Paragraph::new(line).render(area, buf);
            return None;
        }
    };
    let error = field_error(form, field);
    let beside = error.filter(|e| fits_beside(e, area.width));
    let width = input_width(area.width, beside.is_some());
    let (shown, cursor) = visible_text(input, width as usize, masked, focused);
    let mut spans = vec![label_span(t, label, focused), Span::styled(shown, t.input)];
    if let Some(error) = beside {
        spans.push(Span::styled(format!(" ✗ {error}"), t.invalid));
    }
    Paragraph::new(Line::from(spans)).render(Rect { height: 1, ..area }, buf);
    if let (Some(error), None) = (error, beside) {
        let (indent, _) = error_under(t, error, area.width);
        let under = Rect {
            x: area.x + indent,
            y: area.y + 1,
            width: area.width.saturating_sub(indent),
            height: area.height.saturating_sub(1),
        };
        error_paragraph(t, error).render(under, buf);
    }
    focused.then(|| Position::new(area.x + LABEL + cursor, area.y))
}

/// The error about a text field, if the last save found one.
fn field_error(form: &UserForm, field: FormFocus) -> Option<&str> {
    let field = match field {
        FormFocus::Email => Field::Email,
        FormFocus::Password => Field::Password,
        FormFocus::FirstName => Field::FirstName,
        FormFocus::LastName => Field::LastName,
        _ => return None,
    };
    form.error(field)
}

/// Whether `error` fits whole beside its field's input on a line `width` wide.
fn fits_beside(error: &str, width: u16) -> bool {
    let text = Line::raw(format!(" ✗ {error}"));
    (LABEL + input_width(width, true)) as usize + text.width() <= width as usize
}

fn error_paragraph<'a>(t: &Theme, error: &str) -> Paragraph<'a> {
    Paragraph::new(Line::styled(format!("✗ {error}"), t.invalid)).wrap(Wrap { trim: true })
}

/// An error too long to sit beside its field goes under it, wrapped (never cut):
/// its indent and how many lines it takes (none when it fits beside).
fn error_under(t: &Theme, error: &str, width: u16) -> (u16, u16) {
    if fits_beside(error, width) {
        return (0, 0);
    }
    // Under the input when that leaves room for words, else from the left edge.
    let indent = if width >= LABEL + 24 { LABEL } else { 2 };
    let lines = error_paragraph(t, error).line_count(width.saturating_sub(indent));
    (indent, lines as u16)
}

fn label_span<'a>(t: &Theme, label: &'a str, focused: bool) -> Span<'a> {
    let style = if focused {
        t.label_focused
    } else {
        Style::new()
    };
    Span::styled(format!("{label:<w$}", w = LABEL as usize), style)
}

/// Room for a text field: all there is on a narrow form, but leaving space beside it
/// for an error message when there is one.
fn input_width(total: u16, with_error: bool) -> u16 {
    let room = total.saturating_sub(LABEL);
    if with_error {
        (room * 11 / 20).clamp(12, 44)
    } else {
        room.min(44)
    }
}

/// What the line above the buttons says (saving, a conflict, a record-wide error),
/// wrapped: its band grows to hold all of it.
fn message<'a>(t: &Theme, form: &UserForm) -> Option<Paragraph<'a>> {
    let text = if form.saving {
        Some(("Saving…".to_string(), t.dim))
    } else if form.loading.is_some() {
        Some(("Reading…".to_string(), t.dim))
    } else if form.waiting.is_some() {
        Some(("Checking…".to_string(), t.dim))
    } else if let Some(conflict) = &form.conflict {
        Some((format!("✗ {conflict}"), t.invalid))
    } else {
        [Field::Record, Field::Groups]
            .into_iter()
            .find_map(|f| form.error(f))
            .map(|e| (format!("✗ {e}"), t.invalid))
    };
    text.map(|(text, style)| Paragraph::new(Line::styled(text, style)).wrap(Wrap { trim: true }))
}

/// The buttons, as many to a line as fit `width` (never one cut in two).
fn button_lines<'a>(t: &Theme, form: &UserForm, width: u16) -> Vec<Line<'a>> {
    let mut lines = Vec::new();
    let mut line: Vec<Span> = Vec::new();
    for (i, button) in form.buttons().iter().enumerate() {
        let focused = form.focus == FormFocus::Actions && form.button == i;
        let style = if focused { t.button_focused } else { t.button };
        let span = Span::styled(format!("[ {} ]", button.label()), style);
        let used: usize = line.iter().map(Span::width).sum();
        if !line.is_empty() && used + 2 + span.width() > width as usize {
            lines.push(Line::from(std::mem::take(&mut line)));
        }
        if !line.is_empty() {
            line.push(Span::raw("  "));
        }
        line.push(span);
    }
    lines.push(Line::from(line));
    lines
}

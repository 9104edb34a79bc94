//! The add / edit form: fields with inline errors, then groups, devices and tags.
//! When the form is taller than the screen it scrolls to keep the focused field (and
//! the cursor) in view.

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget, Wrap};
use tui_input::Input;

use super::form_panes::{self, Pane};
use crate::domain::Field;
use crate::inert::{inert, inert_char};
use crate::tui::app::App;
use crate::tui::form::{FormFocus, UserForm};
use crate::tui::theme::Theme;
use unicode_width::UnicodeWidthChar;

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

pub fn draw(app: &App, form: &UserForm, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let block = frame_block(t, form, area.width);
    let inner = block.inner(area);
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);

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
            Band::Panes(panes) => form_panes::draw_row(t, form, panes, &mut content, band_area),
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
            form_panes::draw_suggestions(t, form, frame, position);
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
    let hint = Line::styled(" * required · Ctrl-S saves · Esc closes ", t.dim).right_aligned();
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
    let fixed = fields.len() as u16 + 1 + message_height + buttons_height;
    let room = inner.height.saturating_sub(fixed);
    let mut bands: Vec<(Band, u16)> = fields.into_iter().map(|f| (Band::Field(f), 1)).collect();
    bands.push((Band::Gap, 1));
    for (panes, height) in form_panes::rows(t, form, inner.width, room, inner.height) {
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
    let (label, input, error_field, masked) = match field {
        FormFocus::Email => ("Email*", &form.email, Field::Email, false),
        FormFocus::Password => ("Password*", &form.password, Field::Password, true),
        FormFocus::FirstName => ("First name", &form.first_name, Field::FirstName, false),
        FormFocus::LastName => ("Last name", &form.last_name, Field::LastName, false),
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
    let error = form.error(error_field);
    let width = input_width(area.width, error.is_some());
    let (shown, cursor) = visible_text(input, width as usize, masked, focused);
    let mut spans = vec![label_span(t, label, focused), Span::styled(shown, t.input)];
    if let Some(error) = error {
        spans.push(Span::styled(format!(" ✗ {error}"), t.invalid));
    }
    Paragraph::new(Line::from(spans)).render(area, buf);
    focused.then(|| Position::new(area.x + LABEL + cursor, area.y))
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

/// The part of an input that fits `width` columns, padded to exactly `width` columns
/// (wide characters count twice), and the cursor's column within it. While `editing`,
/// the text scrolls to keep the cursor in view; otherwise it shows from its start.
/// Either way `…` stands for what is cut, so a cut value never reads as another.
/// Text is shown inert; passwords show one `•` per character.
pub fn visible_text(input: &Input, width: usize, masked: bool, editing: bool) -> (String, u16) {
    let glyph = |c| if masked { Some('•') } else { inert_char(c) };
    let columns = |c: &char| c.width().unwrap_or(0);
    let glyphs: Vec<char> = input.value().chars().filter_map(glyph).collect();
    let cursor_column: usize = (input.value().chars().take(input.cursor()))
        .filter_map(glyph)
        .map(|c| columns(&c))
        .sum();
    // Scrolled so that the cursor sits in the last column, after a leading `…`.
    let skip = if editing && cursor_column >= width {
        cursor_column + 2 - width
    } else {
        0
    };
    let (mut skipped, mut first) = (0, 0);
    while skipped < skip && first < glyphs.len() {
        skipped += columns(&glyphs[first]);
        first += 1;
    }
    let rest = &glyphs[first..];
    let lead = usize::from(skipped > 0);
    let budget = width.saturating_sub(lead);
    let trail = rest.iter().map(columns).sum::<usize>() > budget;
    let budget = budget.saturating_sub(usize::from(trail));
    let mut shown = String::from(if lead > 0 { "…" } else { "" });
    let mut used = 0;
    for c in rest {
        let w = columns(c);
        if used + w > budget {
            break;
        }
        shown.push(*c);
        used += w;
    }
    if trail {
        shown.push('…');
    }
    let used = lead + used + usize::from(trail);
    shown.extend(std::iter::repeat_n(' ', width.saturating_sub(used)));
    (shown, (cursor_column + lead).saturating_sub(skipped) as u16)
}

/// What the line above the buttons says (saving, a conflict, a record-wide error),
/// wrapped: its band grows to hold all of it.
fn message<'a>(t: &Theme, form: &UserForm) -> Option<Paragraph<'a>> {
    let text = if form.saving {
        Some(("Saving…".to_string(), t.dim))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str, cursor: usize) -> Input {
        Input::new(text.into()).with_cursor(cursor)
    }

    #[test]
    fn a_cut_value_is_marked_where_it_is_cut() {
        let shown = |input: &Input, editing| visible_text(input, 8, false, editing);
        let long = at("abcdefghij", 10);
        assert_eq!(shown(&long, false).0, "abcdefg…");
        // Editing at the end: scrolled, the cursor in the last column.
        assert_eq!(shown(&long, true), ("…efghij ".into(), 7));
        // Editing in the middle: cut at both ends.
        assert_eq!(
            shown(&at("abcdefghijklmn", 9), true),
            ("…defghi…".into(), 7)
        );
        assert_eq!(shown(&at("abc", 3), true), ("abc     ".into(), 3));
        assert_eq!(shown(&at("abcdefgh", 8), false).0, "abcdefgh");
        // Wide characters count twice and are never split.
        assert_eq!(shown(&at("日本語のテキスト", 0), false).0, "日本語… ");
        assert_eq!(
            visible_text(&at("secret-pass", 11), 6, true, false).0,
            "•••••…"
        );
    }
}

//! The add / edit form: fields with inline errors, then groups, devices and tags.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};
use tui_input::Input;

use super::form_panes;
use crate::domain::Field;
use crate::inert::{inert, inert_char};
use crate::tui::app::App;
use crate::tui::form::{FormFocus, UserForm};
use crate::tui::theme::Theme;
use unicode_width::UnicodeWidthChar;

const LABEL: u16 = 18;

pub fn draw(app: &App, form: &UserForm, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let title = match form.is_edit() {
        true => format!(" Edit user {} ", inert(form.email.value())),
        false => " Add user ".to_string(),
    };
    let block = Block::bordered()
        .border_style(t.title)
        .title(Line::styled(title, t.title))
        .title(Line::styled(" * required · Ctrl-S saves · Esc closes ", t.dim).right_aligned());
    let inner = block.inner(area);
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);

    let fields = field_rows(form);
    let [fields_area, _, panes, message, buttons] = Layout::vertical([
        Constraint::Length(fields.len() as u16),
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(inner);
    for (i, row) in fields.iter().enumerate() {
        let line = Rect {
            y: fields_area.y + i as u16,
            height: 1,
            ..fields_area
        };
        draw_field(t, form, *row, frame, line);
    }
    form_panes::draw(app, form, frame, panes);
    draw_message(t, form, frame, message);
    draw_buttons(t, form, frame, buttons);
}

fn field_rows(form: &UserForm) -> Vec<FormFocus> {
    form.focus_order()
        .into_iter()
        .filter(|f| !matches!(f, FormFocus::Groups | FormFocus::Tags | FormFocus::Actions))
        .collect()
}

fn draw_field(t: &Theme, form: &UserForm, field: FormFocus, frame: &mut Frame, area: Rect) {
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
            frame.render_widget(Paragraph::new(line), area);
            return;
        }
    };
    let width = input_width(area.width);
    let (shown, cursor) = visible_text(input, width as usize, masked);
    let mut spans = vec![label_span(t, label, focused), Span::styled(shown, t.input)];
    if let Some(error) = form.error(error_field) {
        spans.push(Span::styled(format!(" ✗ {error}"), t.invalid));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
    if focused && !form.saving {
        frame.set_cursor_position(Position::new(area.x + LABEL + cursor, area.y));
    }
}

fn label_span<'a>(t: &Theme, label: &'a str, focused: bool) -> Span<'a> {
    let style = if focused {
        t.label_focused
    } else {
        Style::new()
    };
    Span::styled(format!("{label:<w$}", w = LABEL as usize), style)
}

/// Room for a text field, leaving space for its error message beside it.
fn input_width(total: u16) -> u16 {
    (total.saturating_sub(LABEL) * 11 / 20).clamp(12, 44)
}

/// The part of an input that fits `width` columns around the cursor, padded to exactly
/// `width` columns (wide characters count twice), and the cursor's column within it.
/// Text is shown inert; passwords show one `•` per character.
pub fn visible_text(input: &Input, width: usize, masked: bool) -> (String, u16) {
    let glyphs: Vec<Option<char>> = input
        .value()
        .chars()
        .map(|c| if masked { Some('•') } else { inert_char(c) })
        .collect();
    let columns = |c: &char| c.width().unwrap_or(0);
    let cursor_column: usize = glyphs[..input.cursor().min(glyphs.len())]
        .iter()
        .flatten()
        .map(columns)
        .sum();
    let scroll = cursor_column.saturating_sub(width.saturating_sub(1));
    let (mut shown, mut skipped, mut used) = (String::new(), 0, 0);
    for c in glyphs.iter().flatten() {
        let w = columns(c);
        if skipped < scroll {
            skipped += w;
        } else if used + w <= width {
            shown.push(*c);
            used += w;
        } else {
            break;
        }
    }
    shown.extend(std::iter::repeat_n(' ', width.saturating_sub(used)));
    (shown, cursor_column.saturating_sub(skipped) as u16)
}

fn draw_message(t: &Theme, form: &UserForm, frame: &mut Frame, area: Rect) {
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
    if let Some((text, style)) = text {
        frame.render_widget(
            Paragraph::new(Line::styled(text, style)).wrap(Wrap { trim: true }),
            area,
        );
    }
}

fn draw_buttons(t: &Theme, form: &UserForm, frame: &mut Frame, area: Rect) {
    let mut spans = Vec::new();
    for (i, button) in form.buttons().iter().enumerate() {
        let focused = form.focus == FormFocus::Actions && form.button == i;
        let style = if focused { t.button_focused } else { t.button };
        spans.push(Span::styled(format!("[ {} ]", button.label()), style));
        spans.push(Span::raw("  "));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

//! Pure drawing of the Groups pane: the tree with its counts, the selected group's
//! devices beside it (below it in a narrow window), the filter line, and the pane's
//! popups (the group form, the device pickers). Stored text is inert.

use ratatui::Frame;
use ratatui::layout::{Constraint, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Block, Cell, Clear, HighlightSpacing, Paragraph, Row, Table, TableState, Wrap,
};
use unicode_width::UnicodeWidthStr;

use super::form::GroupForm;
use super::picker::{DevicePicker, Purpose};
use super::{GroupsPane, Popup};
use crate::inert::inert;
use crate::tui::fit::fit;
use crate::tui::layout::{Areas, centered, middle_rows};
use crate::tui::screens::form::field_text::visible_text;
use crate::tui::screens::list::filter::typed_line;
use crate::tui::theme::Theme;

/// Below this width the devices go under the tree rather than beside it.
const SIDE_BY_SIDE: u16 = 72;

/// The tree's and the devices' boxes in the pane's `area`.
pub fn split(area: Rect) -> (Rect, Rect) {
    if area.width >= SIDE_BY_SIDE {
        let devices = (area.width / 3).clamp(24, 40);
        let tree = Rect {
            width: area.width - devices,
            ..area
        };
        (
            tree,
            Rect {
                x: area.x + tree.width,
                width: devices,
                ..area
            },
        )
    } else {
        // A short window gives the devices one line without borders.
        let devices = if area.height < 10 {
            1
        } else {
            (area.height / 3).max(3)
        };
        let tree = Rect {
            height: area.height - devices,
            ..area
        };
        (
            tree,
            Rect {
                y: area.y + tree.height,
                height: devices,
                ..area
            },
        )
    }
}

/// How many groups the tree shows at the terminal's `size`.
pub fn tree_rows(size: (u16, u16)) -> usize {
    let (tree, _) = split(Areas::new(size).table);
    tree.height.saturating_sub(3).max(1) as usize
}

/// Count columns, most wanted first: each joins as the width allows.
const COLUMNS: [(&str, u16); 3] = [("Members", 7), ("Incl. sub", 9), ("Devices", 7)];

/// The pane: the tree, and the selected group's devices.
pub fn draw(frame: &mut Frame, area: Rect, pane: &GroupsPane, t: &Theme) {
    let (tree_area, devices_area) = split(area);
    draw_tree(frame, tree_area, pane, t);
    draw_devices(frame, devices_area, pane, t);
}

fn draw_tree(frame: &mut Frame, area: Rect, pane: &GroupsPane, t: &Theme) {
    let filter = pane.filter.value();
    let mut title = format!(" Groups ({}) ", pane.tree.groups.len());
    if !filter.is_empty() {
        title = format!(" Groups · matching \"{}\" ", inert(filter));
    }
    if pane.loaded && pane.loading() {
        title.push_str("· reading… ");
    }
    let block = Block::bordered().border_style(t.border).title(Line::styled(
        fit(&title, area.width.saturating_sub(2) as usize).into_owned(),
        t.title,
    ));
    let inner = block.inner(area);
    frame.render_widget(&block, area);
    let rows = pane.rows();
    if rows.is_empty() {
        let message = if !pane.loaded {
            "Reading the groups…"
        } else if filter.is_empty() {
            "No group yet: a adds one."
        } else {
            "No group name matches the filter. Esc clears it."
        };
        frame.render_widget(t.note(message), middle_rows(inner));
        return;
    }
    // The name keeps at least 16 columns (after the 2 of the selection mark).
    let mut columns: Vec<(&str, u16)> = Vec::new();
    let mut room = inner.width.saturating_sub(2 + 16);
    for (name, width) in COLUMNS {
        if room > width {
            room -= width + 1;
            columns.push((name, width));
        }
    }
    let name_width =
        inner.width.saturating_sub(2) - columns.iter().map(|(_, w)| w + 1).sum::<u16>();
    let right = |text: String, width: u16| {
        Cell::from(Line::from(format!("{text:>w$}", w = width as usize)))
    };
    let mut header = vec![Cell::from("Group")];
    header.extend(columns.iter().map(|(h, w)| right(h.to_string(), *w)));
    let height = tree_rows_in(area);
    let end = (pane.top + height).min(rows.len());
    let shown = &rows[pane.top.min(end)..end];
    let body = shown.iter().map(|row| {
        let g = &pane.tree.groups[row.index];
        let mark = match (row.has_children, row.open) {
            (true, true) => "▾ ",
            (true, false) => "▸ ",
            _ => "  ",
        };
        let label = format!("{}{mark}{}", "  ".repeat(g.depth), inert(&g.group.name));
        let mut name = Span::raw(fit(&label, name_width as usize).into_owned());
        if row.matched {
            name = name.style(t.matched);
        }
        let mut cells = vec![Cell::from(Line::from(name))];
        for (i, (_, w)) in columns.iter().enumerate() {
            let text = match i {
                0 => g.members.to_string(),
                1 => g.with_subgroups.to_string(),
                _ => g.devices.to_string(),
            };
            cells.push(right(text, *w));
        }
        Row::new(cells)
    });
    let mut widths = vec![Constraint::Length(name_width)];
    widths.extend(columns.iter().map(|(_, w)| Constraint::Length(*w)));
    let table = Table::new(body, widths)
        .header(Row::new(header).style(t.header_row))
        .column_spacing(1)
        .row_highlight_style(t.selected)
        .highlight_symbol("▶ ")
        .highlight_spacing(HighlightSpacing::Always);
    let selected = pane
        .selected_index()
        .and_then(|at| at.checked_sub(pane.top))
        .filter(|at| *at < shown.len());
    let mut state = TableState::new().with_selected(selected);
    frame.render_stateful_widget(table, inner, &mut state);
}

/// Groups the tree box `area` holds: inside its borders, below the header.
fn tree_rows_in(area: Rect) -> usize {
    area.height.saturating_sub(3).max(1) as usize
}

fn draw_devices(frame: &mut Frame, area: Rect, pane: &GroupsPane, t: &Theme) {
    let Some(group) = pane.selected_group() else {
        return;
    };
    let name = &group.group.name;
    let devices = pane.devices_of(name);
    if area.height < 3 {
        let list = if devices.is_empty() {
            "none (t links one)".to_string()
        } else {
            devices.join(", ")
        };
        let line = format!(" Devices of {}: {}", inert(name), inert(&list));
        frame.render_widget(
            Paragraph::new(Line::styled(
                fit(&line, area.width as usize).into_owned(),
                t.dim,
            )),
            area,
        );
        return;
    }
    let title = format!(" Devices of {} ({}) ", inert(name), devices.len());
    let block = Block::bordered().border_style(t.border).title(Line::styled(
        fit(&title, area.width.saturating_sub(2) as usize).into_owned(),
        t.title,
    ));
    let inner = block.inner(area);
    frame.render_widget(&block, area);
    let width = inner.width as usize;
    let lines: Vec<Line> = if devices.is_empty() {
        vec![Line::styled("None linked: t links one, n adds one.", t.dim)]
    } else {
        devices
            .iter()
            .map(|d| Line::raw(fit(&inert(d), width).into_owned()))
            .collect()
    };
    let wrap = devices.is_empty();
    let mut paragraph = Paragraph::new(lines);
    if wrap {
        paragraph = paragraph.wrap(Wrap { trim: true });
    }
    frame.render_widget(paragraph, inner);
}

/// The pane's filter line: the text being typed or kept, else an invitation.
pub fn draw_filter(t: &Theme, pane: &GroupsPane, frame: &mut Frame, area: Rect) {
    let value = pane.filter.value();
    let line = if pane.filter_focused {
        typed_line(t, &pane.filter, area.width as usize, frame, area)
    } else if !value.is_empty() {
        let kept = format!(" filter: {}  (/ edit · Esc clear)", inert(value));
        Line::styled(fit(&kept, area.width as usize).into_owned(), t.dim)
    } else {
        Line::styled(" / filter by group name", t.dim)
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// The pane's popup, if one is open, in the middle of `bounds`.
pub fn draw_popup(t: &Theme, pane: &GroupsPane, frame: &mut Frame, bounds: Rect) {
    match &pane.popup {
        Some(Popup::Form(form)) => draw_form(t, form, frame, bounds),
        Some(Popup::Picker(picker)) => draw_picker(t, picker, frame, bounds),
        None => {}
    }
}

/// A labelled text input on one line, with the cursor in it.
fn input_line(
    t: &Theme,
    label: &str,
    input: &tui_input::Input,
    frame: &mut Frame,
    at: Rect,
) -> Line<'static> {
    let room = (at.width as usize).saturating_sub(label.width());
    let (text, cursor) = visible_text(input, room, false, true);
    frame.set_cursor_position(Position::new(at.x + label.width() as u16 + cursor, at.y));
    Line::from(vec![
        Span::styled(label.to_string(), t.label_focused),
        Span::styled(text, t.input),
    ])
}

/// Lines for an error under a field, wrapped to `width`.
fn error_lines(t: &Theme, error: &Option<String>, width: u16) -> Vec<Line<'static>> {
    let Some(error) = error else {
        return Vec::new();
    };
    wrapped(&inert(error), width as usize)
        .into_iter()
        .map(|l| Line::styled(l, t.error))
        .collect()
}

/// `text` cut into lines of at most `width` columns at spaces (a word longer than a
/// line ends with `…`).
fn wrapped(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = vec![String::new()];
    for word in text.split(' ') {
        let last = lines.last_mut().expect("one line");
        if last.is_empty() {
            last.push_str(word);
        } else if last.width() + 1 + word.width() <= width {
            last.push(' ');
            last.push_str(word);
        } else {
            lines.push(word.to_string());
        }
    }
    lines
        .into_iter()
        .map(|l| fit(&l, width).into_owned())
        .collect()
}

fn draw_form(t: &Theme, form: &GroupForm, frame: &mut Frame, bounds: Rect) {
    let width = bounds.width.min(60);
    let inner_width = width.saturating_sub(2);
    let name_errors = error_lines(t, &form.name_error, inner_width);
    let parent_errors = error_lines(t, &form.parent_error, inner_width);
    let fixed = 2 + 2 + name_errors.len() as u16 + parent_errors.len() as u16;
    let list_rows = (bounds.height.saturating_sub(fixed))
        .min(form.choices.len() as u16)
        .max(1);
    let area = centered(bounds, width, fixed + list_rows);
    let hint = if form.saving {
        " Saving… "
    } else {
        " Enter save · Esc cancel "
    };
    let block = Block::bordered()
        .border_style(t.border)
        .title(Line::styled(
            fit(&inert(&form.title()), inner_width as usize).into_owned(),
            t.title,
        ))
        .title_bottom(Line::styled(
            fit(hint, inner_width as usize).into_owned(),
            t.dim,
        ));
    let inner = block.inner(area);
    frame.render_widget(Clear, area);
    frame.render_widget(&block, area);
    let mut lines = vec![input_line(t, "Name   ", &form.name, frame, inner)];
    lines.extend(name_errors);
    let list_rows = list_rows as usize;
    let mut label = "Parent (↑↓ PgUp PgDn)".to_string();
    if form.choices.len() > list_rows {
        label.push_str(&format!(" {}/{}", form.parent + 1, form.choices.len()));
    }
    lines.push(Line::styled(label, t.dim));
    let top = form.parent.saturating_sub(list_rows.saturating_sub(1));
    for (i, choice) in form.choices.iter().enumerate().skip(top).take(list_rows) {
        let indent = if choice.id.is_some() {
            choice.depth + 1
        } else {
            0
        };
        let mark = if i == form.parent { "▶ " } else { "  " };
        let text = format!("{mark}{}{}", "  ".repeat(indent), inert(&choice.name));
        let line = fit(&text, inner_width as usize).into_owned();
        lines.push(if i == form.parent {
            Line::styled(line, t.selected)
        } else {
            Line::raw(line)
        });
    }
    lines.extend(parent_errors);
    frame.render_widget(Paragraph::new(lines), inner);
}

fn draw_picker(t: &Theme, picker: &DevicePicker, frame: &mut Frame, bounds: Rect) {
    let width = bounds.width.min(50);
    let inner_width = width.saturating_sub(2);
    let shown = picker.shown();
    let errors = error_lines(t, &picker.error, inner_width);
    let list = match picker.purpose {
        Purpose::NewDevice => 0,
        _ => shown.len().max(1) as u16,
    };
    let height = (3 + errors.len() as u16 + list).min(bounds.height);
    let area = centered(bounds, width, height);
    // Rows for devices inside the borders, below the input and any error.
    let room = height.saturating_sub(3 + errors.len() as u16) as usize;
    let hint = match picker.purpose {
        Purpose::NewDevice => " Enter add · Esc cancel ".to_string(),
        // When the list does not fit, the hint says where the selection is in it.
        _ if shown.len() > room => format!(
            " {}/{} · Enter choose · Esc cancel ",
            picker.selected + 1,
            shown.len()
        ),
        _ => " Enter choose · Esc cancel ".to_string(),
    };
    let block = Block::bordered()
        .border_style(t.border)
        .title(Line::styled(
            fit(&inert(&picker.title()), inner_width as usize).into_owned(),
            t.title,
        ))
        .title_bottom(Line::styled(
            fit(&hint, inner_width as usize).into_owned(),
            t.dim,
        ));
    let inner = block.inner(area);
    frame.render_widget(Clear, area);
    frame.render_widget(&block, area);
    let label = match picker.purpose {
        Purpose::NewDevice => "Name ",
        _ => "Find ",
    };
    let mut lines = vec![input_line(t, label, &picker.input, frame, inner)];
    lines.extend(errors);
    let rows = (inner.height as usize).saturating_sub(lines.len());
    if picker.purpose != Purpose::NewDevice {
        if shown.is_empty() {
            lines.push(Line::styled("No device matches.", t.dim));
        }
        let top = picker.selected.saturating_sub(rows.saturating_sub(1));
        for (i, device) in shown.iter().enumerate().skip(top).take(rows) {
            let mark = if i == picker.selected { "▶ " } else { "  " };
            let line = fit(&format!("{mark}{}", inert(device)), inner_width as usize).into_owned();
            lines.push(if i == picker.selected {
                Line::styled(line, t.selected)
            } else {
                Line::raw(line)
            });
        }
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

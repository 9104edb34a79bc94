//! Applies an action to the state. The only place (besides start-up) that asks the
//! store for anything.

use ratatui::crossterm::event::Event;
use tui_input::InputRequest;
use tui_input::backend::crossterm::to_input_request;

use super::action::Action;
use super::app::{App, Confirm, MENU_ITEMS, Modal, Pane, Pending};
use super::form::UserForm;
use super::form_update;
use super::layout::Areas;
use super::title_bar::title_bar;
use crate::store::{Result, UserRow};

/// What a refused change says in a read-only console, with the reason.
pub(super) fn refuse_read_only(app: &mut App) {
    if let Some(why) = app.store.read_only() {
        app.error(format!("Read-only: nothing can be changed ({why})"));
    }
}

/// Rows the mouse wheel moves.
const WHEEL_STEP: isize = 3;

pub fn update(app: &mut App, action: Action) {
    if let Err(e) = apply(app, action) {
        app.error(e.to_string());
    }
}

pub(super) fn apply(app: &mut App, action: Action) -> Result<()> {
    let changes = matches!(
        action,
        Action::Add | Action::Delete | Action::InvalidateUser | Action::InvalidateAll
    );
    if app.store.is_read_only() && changes {
        refuse_read_only(app);
        return Ok(());
    }
    if form_update::handles(app, &action) {
        return form_update::apply(app, action);
    }
    let height = app.visible_rows();
    match action {
        Action::Quit => app.quit = true,
        Action::Tick(now) => app.tick(now),
        Action::Resize(w, h) => {
            app.size = (w, h);
            let height = app.visible_rows();
            app.list.scroll_into_view(height);
        }
        Action::ShowPane(pane) => show_pane(app, pane)?,
        Action::NextPane => show_pane(app, app.pane.offset(1))?,
        Action::PrevPane => show_pane(app, app.pane.offset(-1))?,
        Action::Up | Action::Down if matches!(app.modal, Some(Modal::Menu { .. })) => {
            if let Some(Modal::Menu { selected }) = &mut app.modal {
                let step = if action == Action::Up {
                    MENU_ITEMS.len() - 1
                } else {
                    1
                };
                *selected = (*selected + step) % MENU_ITEMS.len();
            }
        }
        Action::Up => move_by(app, -1)?,
        Action::Down => move_by(app, 1)?,
        Action::PageUp => move_by(app, -(height as isize))?,
        Action::PageDown => move_by(app, height as isize)?,
        Action::ScrollUp => move_by(app, -WHEEL_STEP)?,
        Action::ScrollDown => move_by(app, WHEEL_STEP)?,
        Action::Home => {
            let q = app.query();
            app.list
                .load_first(&app.store, app.application.id, &q, height)?;
        }
        Action::End => {
            let q = app.query();
            app.list
                .load_last(&app.store, app.application.id, &q, height)?;
        }
        Action::StartFilter => app.filter_focused = true,
        Action::FilterDone => app.filter_focused = false,
        Action::ClearFilter => {
            app.filter_focused = false;
            if !app.filter.value().is_empty() {
                app.filter.reset();
                filter_changed(app)?;
            }
        }
        Action::FilterKey(key) => {
            if let Some(request) = to_input_request(&Event::Key(key)) {
                edit_filter(app, [request])?;
            }
        }
        Action::Paste(text) => {
            if app.filter_focused {
                // A filter is one line: pasted line breaks become spaces.
                let chars = text.chars().map(|c| if c.is_control() { ' ' } else { c });
                edit_filter(app, chars.map(InputRequest::InsertChar))?;
            }
        }
        Action::NextSort => {
            app.sort.field = app.sort.field.next();
            app.sort.descending = false;
            filter_changed(app)?;
        }
        Action::FlipSort => {
            app.sort.descending = !app.sort.descending;
            filter_changed(app)?;
        }
        Action::Add => {
            app.modal = None;
            app.form = Some(UserForm::add(&app.store, app.application.id)?);
        }
        Action::Edit => {
            app.modal = None;
            if let Some(row) = app.list.selected_row() {
                let id = row.id;
                app.form = Some(UserForm::edit(&app.store, app.application.id, id)?);
            }
        }
        Action::OpenMenu => {
            if app.list.selected_row().is_some() {
                app.modal = Some(Modal::Menu { selected: 0 });
            }
        }
        Action::MenuChoose => {
            if let Some(Modal::Menu { selected }) = app.modal {
                app.modal = None;
                apply(app, MENU_ITEMS[selected].1.clone())?;
            }
        }
        Action::Delete => {
            if let Some(row) = app.list.selected_row().cloned() {
                ask_delete(app, &row);
            }
        }
        Action::InvalidateUser => {
            if let Some(row) = app.list.selected_row().cloned() {
                ask_invalidate(app, &row);
            }
        }
        Action::InvalidateAll => {
            let n = app.counts.all;
            app.modal = Some(Modal::Confirm(Confirm {
                title: "Invalidate all tokens",
                message: format!(
                    "Invalidate the access tokens of all {n} users of '{}'? \
                     Every one of them will have to log in again.",
                    app.application.name
                ),
                ok_label: "Invalidate all",
                pending: Pending::InvalidateAll,
                ok_focused: false,
            }));
        }
        Action::Reload => {
            app.refresh_counts()?;
            reload_list(app)?;
            app.info("Reloaded");
        }
        Action::Help => app.modal = Some(Modal::Help),
        Action::Close => app.modal = None,
        Action::SwitchButton => {
            if let Some(Modal::Confirm(c)) = &mut app.modal {
                c.ok_focused = !c.ok_focused;
            }
        }
        Action::PressButton | Action::Confirm => {
            if let Some(Modal::Confirm(c)) = app.modal.take()
                && (action == Action::Confirm || c.ok_focused)
            {
                run(app, c.pending)?;
            }
        }
        Action::Click(x, y) => click(app, x, y)?,
        Action::Counted(generation, n) => {
            if app.count_pending == Some(generation) {
                app.count_pending = None;
                app.matches = Some(n);
            }
        }
        // Form actions when no form is open (form_update takes them otherwise).
        Action::Save
        | Action::NextField
        | Action::PrevField
        | Action::Toggle
        | Action::FormKey(_)
        | Action::TagEnter
        | Action::AddTag
        | Action::RemoveTag
        | Action::PrevButton
        | Action::NextButton
        | Action::ReloadForm
        | Action::PasswordHashed(_)
        | Action::HashingFailed => {}
    }
    Ok(())
}

fn show_pane(app: &mut App, pane: Pane) -> Result<()> {
    app.pane = pane;
    filter_changed(app)
}

fn move_by(app: &mut App, delta: isize) -> Result<()> {
    let q = app.query();
    let height = app.visible_rows();
    app.list
        .move_by(&app.store, app.application.id, &q, delta, height)
}

pub(super) fn reload_list(app: &mut App) -> Result<()> {
    let q = app.query();
    let height = app.visible_rows();
    app.list.reload(&app.store, app.application.id, &q, height)
}

fn edit_filter(app: &mut App, requests: impl IntoIterator<Item = InputRequest>) -> Result<()> {
    let before = app.filter.value().to_string();
    for request in requests {
        app.filter.handle(request);
    }
    if app.filter.value() != before {
        filter_changed(app)?;
    }
    Ok(())
}

/// The rows or their order changed: start from the top and recount.
pub(super) fn filter_changed(app: &mut App) -> Result<()> {
    let q = app.query();
    let height = app.visible_rows();
    app.list
        .load_first(&app.store, app.application.id, &q, height)?;
    app.refresh_counts()
}

pub(super) fn ask_delete(app: &mut App, row: &UserRow) {
    let leaves = match row.groups.len() {
        0 => "They are in no group.".to_string(),
        1 => "They leave 1 group.".to_string(),
        n => format!("They leave {n} groups."),
    };
    app.modal = Some(Modal::Confirm(Confirm {
        title: "Delete user",
        message: format!(
            "Delete {}? {leaves} Their tags and tokens go too; this cannot be undone.",
            row.email
        ),
        ok_label: "Delete",
        pending: Pending::Delete {
            id: row.id,
            email: row.email.clone(),
        },
        ok_focused: false,
    }));
}

pub(super) fn ask_invalidate(app: &mut App, row: &UserRow) {
    app.modal = Some(Modal::Confirm(Confirm {
        title: "Invalidate tokens",
        message: format!(
            "Invalidate every access token of {}? They will have to log in again; \
             nothing else about them changes.",
            row.email
        ),
        ok_label: "Invalidate",
        pending: Pending::InvalidateUser {
            id: row.id,
            email: row.email.clone(),
        },
        ok_focused: false,
    }));
}

fn run(app: &mut App, pending: Pending) -> Result<()> {
    if app.store.is_read_only() && pending != Pending::Discard {
        refuse_read_only(app);
        return Ok(());
    }
    match pending {
        Pending::Delete { id, email } => {
            app.form = None;
            let result = app.store.delete_user(id);
            app.refresh_counts()?;
            reload_list(app)?;
            result?;
            app.info(format!("Deleted {email}"));
        }
        Pending::InvalidateUser { id, email } => {
            let n = app.store.invalidate_user_tokens(id)?;
            app.info(format!("Invalidated {n} token(s) of {email}"));
        }
        Pending::Discard => app.form = None,
        Pending::InvalidateAll => {
            let n = app.store.invalidate_all_tokens(app.application.id)?;
            app.info(format!(
                "Invalidated every token: all {n} user(s) of '{}' must log in again",
                app.application.name
            ));
        }
    }
    Ok(())
}

fn click(app: &mut App, x: u16, y: u16) -> Result<()> {
    if app.modal.is_some() || app.form.is_some() {
        return Ok(());
    }
    let areas = Areas::new(app.size);
    if let Some(offset) = areas.row_at(y) {
        let height = app.visible_rows();
        app.list.select_visible(offset, height);
        if areas.email_at(x, app.sort.field) && app.list.selected_row().is_some() {
            apply(app, Action::Edit)?;
        }
    } else if y == areas.table.y
        && let Some(button) = title_bar(areas.table, app.pane).button_at(x)
    {
        apply(app, button.action())?;
    } else if let Some(i) = areas.tab_at(x, y, &super::views::tabs::widths(app, areas.tabs.width)) {
        show_pane(app, Pane::ALL[i])?;
    }
    Ok(())
}

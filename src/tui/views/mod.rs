//! Pure drawing: the header and footer every screen shares, then each screen's own
//! view, bottom to top. None asks the store.

mod footer;
mod header;

use ratatui::Frame;
use ratatui::layout::Rect;

use super::app::{App, Modal};
use super::keymap::Offer;
use super::layout::Areas;
use super::screens::audit::view as audit;
use super::screens::form::FormMode;
use super::screens::groups::view as groups;
use super::screens::list::{filter, table, tabs};
use super::screens::picker::view as picker;
use super::screens::{bulk_prompt, dialog, form, group_pick, help, menu};

pub fn view(app: &App, frame: &mut Frame) {
    let (session, browse) = (&app.session, &app.browse);
    let t = &session.theme;
    let areas = Areas::new((frame.area().width, frame.area().height));
    header::draw(session, browse.counts.all, frame, areas.header);
    tabs::draw(t, browse, app.front_tab(), frame, areas.tabs);
    // The form covers the list: drawing the list under it would be wasted work.
    match (&app.form, &app.groups, &app.audit) {
        (Some(_), ..) => {}
        (None, Some(pane), _) => {
            groups::draw(frame, areas.table, pane, t);
            // Over a popup or dialog, `/` types into it: the pane's filter line would
            // offer a key that does something else.
            if pane.popup.is_none() && app.modal.is_none() {
                groups::draw_filter(t, pane, frame, areas.filter);
            }
        }
        (None, None, Some(log)) => {
            audit::draw_log(frame, areas.table, log, t);
            audit::draw_filter(t, log, frame, areas.filter);
        }
        (None, None, None) => {
            table::draw(session, browse, frame, areas.table);
            filter::draw(t, browse, frame, areas.filter);
        }
    }
    match &app.job {
        Some(job) => footer::draw_job(session, job, frame, areas.status),
        None => footer::draw_status(session, frame, areas.status),
    }
    let selected = match &app.groups {
        Some(pane) => pane.selected_group().is_some(),
        None => browse.list.selected_row().is_some(),
    };
    let offer = Offer {
        selected,
        any_user: browse.counts.all > 0,
        direct_member: (browse.members.as_ref())
            .zip(browse.list.selected_row())
            .is_some_and(|(group, row)| row.groups.contains(&group.name)),
        marked: browse.marks.any().then_some(browse.marks.count),
        editing: app
            .form
            .as_ref()
            .is_some_and(|f| matches!(f.mode, FormMode::Edit { .. })),
    };
    let keys = (app.context(), app.job_over());
    footer::draw_hints(t, keys, offer, frame, areas.footer);
    if let Some(user_form) = &app.form {
        let screen = frame.area();
        let above_status = Rect {
            height: areas.status.y.saturating_sub(screen.y),
            ..screen
        };
        form::view::draw(t, user_form, frame, above_status);
    }
    let above_filter = areas.popups();
    if let Some(pane) = &app.groups {
        groups::draw_popup(t, pane, frame, above_filter);
    }
    if let Some(p) = &app.picker {
        picker::draw(t, p, session.size, frame);
    }
    match &app.modal {
        Some(Modal::Menu(m)) => {
            let row = browse.list.selected.saturating_sub(browse.list.top);
            menu::draw(t, m, row, frame, &areas);
        }
        Some(Modal::BulkMenu(m)) => {
            let row = browse.list.selected.saturating_sub(browse.list.top);
            menu::draw_bulk(t, m, row, frame, &areas);
        }
        Some(Modal::GroupPick(p)) => group_pick::draw(t, p, frame, above_filter),
        Some(Modal::BulkPrompt(p)) => bulk_prompt::draw(t, p, frame, above_filter),
        Some(Modal::Confirm(c)) => dialog::draw(t, c, frame, above_filter, frame.area()),
        Some(Modal::Help(h)) => help::draw(t, h, frame, above_filter),
        Some(Modal::History { email, entries, .. }) => {
            audit::draw_history(t, email, entries.as_deref(), frame, above_filter)
        }
        None => {}
    }
    if let Some(log) = &app.audit
        && let Some(entry) = &log.open
    {
        audit::draw_entry(frame, above_filter, entry, log.entry_scroll, t);
    }
}

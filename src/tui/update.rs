//! Applies an action: global ones (quit, resize, time, finished work) here, every other
//! one routed once, to the screen that has focus; then carries out the [`Effect`] the
//! screen returns.

use std::time::Instant;

use super::action::Action;
use super::app::{App, Modal};
use super::events::spawn_worker;
use super::job::{BulkEvent, Job};
use super::looked::Looked;
use super::screens::audit::AuditLog;
use super::screens::bulk_prompt::BulkPrompt;
use super::screens::dialog::{Confirm, Pending};
use super::screens::form::UserForm;
use super::screens::group_pick::GroupPick;
use super::screens::groups::{self, GroupsPane};
use super::screens::help::Help;
use super::screens::menu::{BulkMenu, Menu};
use super::screens::picker::view as picker_view;
use super::screens::{Effect, help};
use super::typeahead::{MOST_WAITING, Typeahead};
use super::writer::{GroupWrite, Write};
use super::written::{GroupOutcome, Written};
use crate::auth::PasswordHash;
use crate::store::{BulkAction, Result};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What the status line says while the marked users are counted for a dialog.
const COUNTING: &str = "Counting the marked users…";

/// How many of a user's changes the form's history shows.
const HISTORY_ENTRIES: usize = 50;

/// The lanes of the form's history lookups, and of the members view's group check.
const HISTORY: &str = "history";
const GROUP: &str = "members group";

pub fn update(app: &mut App, action: Action) {
    if let Err(e) = apply(app, action) {
        app.session.error(e.to_string());
    }
    replay(app);
}

fn apply(app: &mut App, action: Action) -> Result<()> {
    let session = &mut app.session;
    let effect = match action {
        Action::Quit => quit(app),
        Action::Terminate => {
            app.quit = true;
            Effect::None
        }
        Action::Tick(now) => {
            session.tick(now);
            app.tick(Instant::now());
            Effect::None
        }
        Action::Resize(w, h) => {
            session.size = (w, h);
            app.browse.list.scroll_into_view(session.visible_rows());
            if let Some(log) = &mut app.audit {
                log.scroll_into_view(session.visible_rows());
            }
            if let Some(picker) = &mut app.picker {
                picker
                    .list
                    .scroll_into_view(picker_view::rows(session.size));
            }
            if let Some(groups) = &mut app.groups {
                groups.scroll_into_view(groups::view::tree_rows(session.size));
            }
            Effect::None
        }
        Action::GroupsLoaded(generation, tree) => {
            if let Some(groups) = &mut app.groups {
                groups.loaded(generation, tree);
                // A group just added is selected: it shows, even at the bottom.
                groups.scroll_into_view(groups::view::tree_rows(session.size));
            }
            Effect::None
        }
        Action::GroupsFailed(generation, why) => {
            if let Some(groups) = &mut app.groups {
                groups.failed(session, generation, why);
            }
            Effect::None
        }
        Action::Counted(generation, counts, matches, marked) => {
            app.browse.counted(generation, counts, matches, marked);
            app.read_ahead_once_shown();
            Effect::None
        }
        Action::Loaded(generation, loaded, marks) => {
            app.browse.loaded(session, generation, loaded, marks);
            app.read_ahead_once_shown();
            Effect::None
        }
        Action::ReadAhead => {
            app.read_ahead_done();
            Effect::None
        }
        Action::Bulk(event) => bulk_event(app, event),
        Action::CancelJob => {
            if let Some(job) = &app.job {
                job.cancel();
                // The bar says it cancels: a change refused before is beside the point.
                session.withdraw(super::app::JOB_RUNNING);
            }
            Effect::None
        }
        Action::LoadFailed(generation, why) => {
            app.browse.load_failed(session, generation, why);
            Effect::None
        }
        Action::PickerLoaded(generation, loaded) => {
            if let Some(picker) = &mut app.picker {
                picker.loaded(session, generation, loaded);
            }
            Effect::None
        }
        Action::PickerFailed(generation, why) => {
            if let Some(picker) = &mut app.picker {
                picker.load_failed(session, generation, why);
            }
            Effect::None
        }
        Action::Written(written) => written_out(app, written),
        Action::Looked(generation, found) => looked(app, generation, found)?,
        Action::PasswordHashed(hash) => match &mut app.form {
            Some(form) => form.finish_save(session.application.id, Some(hash)),
            None => Effect::None,
        },
        Action::HashingFailed => {
            if let Some(form) = &mut app.form {
                form.hashing_failed(session);
            }
            Effect::None
        }
        action if check_group_first(app, &action) => Effect::None,
        Action::Click(x, y) if let Some(pane) = app.tab_clicked(x, y) => route(app, pane)?,
        action => route(app, action)?,
    };
    follow(app, effect)
}

/// Hands `action` to the screen that has focus: the popup, else the form, else the
/// list.
fn route(app: &mut App, action: Action) -> Result<Effect> {
    Ok(match (&mut app.modal, &mut app.form) {
        (Some(Modal::Help(keys)), _) => keys.update(action, app.session.popup_bounds()),
        (Some(Modal::History { .. }), _) => help::close_only(action),
        (Some(Modal::Confirm(confirm)), _) => confirm.update(action),
        (Some(Modal::Menu(menu)), _) => menu.update(action),
        (Some(Modal::BulkMenu(menu)), _) => menu.update(action),
        (Some(Modal::GroupPick(picker)), _) => picker.update(action),
        (Some(Modal::BulkPrompt(prompt)), _) => prompt.update(action),
        (None, _) if app.picker.is_some() => match &mut app.picker {
            Some(picker) => picker.update(&mut app.session, action),
            None => Effect::None,
        },
        (None, Some(form)) => form.update(&mut app.session, action)?,
        (None, None) => match (&mut app.groups, &mut app.audit) {
            (Some(groups), _) => groups.update(&mut app.session, &mut app.groups_reader, action),
            (None, Some(log)) => log.update(&mut app.session, action)?,
            (None, None) => app.browse.update(&mut app.session, action)?,
        },
    })
}

/// Whether `action` acts on the group of the members view in front (`r`, `+`, `-`):
/// then it waits while a lookup checks that nobody deleted the group meanwhile (one
/// lookup by id, as opening a form reads its user), and goes on when it is found.
fn check_group_first(app: &mut App, action: &Action) -> bool {
    let on_the_group = matches!(
        action,
        Action::Reload | Action::AddMembers | Action::RemoveMember
    );
    let Some(group) = app.browse.members.as_ref() else {
        return false;
    };
    if !on_the_group || !members_in_front(app) {
        return false;
    }
    let (application, id) = (app.session.application.id, group.id);
    let asked = app.session.lookups.ask(GROUP, move |store| {
        Ok(Looked::GroupExists(store.group_exists(application, id)?))
    });
    app.checking_group = Some((asked, id, action.clone()));
    true
}

/// Whether the members view (if any) is in front: no popup, picker or form over it.
fn members_in_front(app: &App) -> bool {
    app.modal.is_none() && app.picker.is_none() && app.form.is_none()
}

/// The check of the members view's group came back: the action waiting for it goes
/// on, or the view goes back to the tree when the group is gone.
fn group_checked(app: &mut App, action: Action, group: i64, found: Looked) -> Result<Effect> {
    let members = app.browse.members.as_ref().filter(|m| m.id == group);
    let Some(members) = members.filter(|_| members_in_front(app)) else {
        return Ok(Effect::None);
    };
    if found != Looked::GroupExists(false) {
        return route(app, action);
    }
    let name = members.name.clone();
    app.session
        .error(format!("Group {name} was deleted (by someone else)"));
    Ok(Effect::BackToGroups)
}

/// Quits at once, unless the form holds unsaved edits: then it asks first, and a
/// second Ctrl-C quits.
fn quit(app: &mut App) -> Effect {
    // A bulk job is cancelled (rolled back) before the console ends.
    if let Some(job) = &app.job {
        job.cancel();
    }
    let asked = matches!(&app.modal, Some(Modal::Confirm(c)) if c.pending == Pending::Quit);
    let unsaved = app.form.as_ref().is_some_and(UserForm::is_dirty)
        || app
            .groups
            .as_ref()
            .is_some_and(GroupsPane::has_unsaved_edits);
    if asked || !unsaved {
        app.quit = true;
        return Effect::None;
    }
    Effect::Ask(Confirm::quit())
}

/// Carries out what a screen asked for. Whatever would write is refused here, in a
/// read-only console, before anything opens.
fn follow(app: &mut App, effect: Effect) -> Result<()> {
    if effect.writes() && (app.session.refuse_if_read_only() || app.refuse_while_job()) {
        return Ok(());
    }
    // Nothing chosen from these could be done until the job ends.
    let leads_to_a_change = matches!(
        effect,
        Effect::Edit { .. } | Effect::OpenMenu | Effect::OpenBulkMenu
    );
    if leads_to_a_change && app.refuse_while_job() {
        return Ok(());
    }
    let session = &mut app.session;
    let application = session.application.id;
    match effect {
        Effect::None => {}
        Effect::Add => {
            // From a group's members view, the new user starts in that group.
            let groups = (app.browse.members.iter())
                .map(|m| m.name.clone())
                .collect();
            app.form = Some(UserForm::add(session, groups))
        }
        Effect::Edit { id, email } => app.form = Some(UserForm::edit(session, id, &email)),
        Effect::OpenMenu => app.modal = Some(Modal::Menu(Menu::default())),
        Effect::OpenBulkMenu => app.modal = Some(Modal::BulkMenu(BulkMenu::default())),
        Effect::OpenBulkPrompt(asking) => {
            app.modal = Some(Modal::BulkPrompt(BulkPrompt::new(asking)))
        }
        Effect::PickGroup { adding } => {
            app.modal = None;
            app.asking = true;
            app.bulk.groups(application, adding);
        }
        Effect::AskBulk(_) if app.job.is_some() => {
            app.session.error(super::app::JOB_RUNNING);
        }
        // The dialog already asked for comes first.
        Effect::AskBulk(_) if app.asking => {}
        Effect::AskBulk(job) => {
            app.modal = None;
            app.asking = true;
            app.bulk.prepare(application, app.browse.marks.ask(), job);
            app.session.info(COUNTING);
        }
        Effect::Help => app.modal = Some(Modal::Help(Help::new(app.context(), app.job_over()))),
        Effect::Ask(confirm) => app.modal = Some(Modal::Confirm(confirm)),
        Effect::ClosePopup => app.modal = None,
        Effect::Choose(action) => {
            app.modal = None;
            let effect = app.browse.update(session, action)?;
            follow(app, effect)?;
        }
        Effect::Run(pending) => {
            app.modal = None;
            run(app, pending);
        }
        Effect::CloseForm => app.form = None,
        Effect::CloseFormGone => {
            app.form = None;
            app.browse.reload(session);
        }
        Effect::Save if app.writing.is_some() => {
            session.error("Still writing the last change: try again when it is done");
        }
        Effect::Save => {
            if let Some(form) = &mut app.form {
                let effect = form.start_save(session)?;
                follow(app, effect)?;
            }
        }
        Effect::Hash(password) => spawn_worker(
            app.outbox(),
            move || Action::PasswordHashed(PasswordHash::new(&password)),
            Action::HashingFailed,
        ),
        Effect::Write(write) => {
            if !app.write(write) {
                if let Some(form) = &mut app.form {
                    form.saving = false;
                }
                if let Some(groups) = &mut app.groups {
                    groups.write_refused(Vec::new());
                }
            }
        }
        Effect::Saved { id, verb, email } => {
            app.form = None;
            app.browse.show(session, id);
            session.info(format!("{verb} {email}"));
        }
        Effect::UserGone => app.browse.reload(session),
        Effect::ShowAudit => {
            leave_groups(app);
            app.audit = Some(AuditLog::open(&mut app.session));
        }
        Effect::ShowGroups => {
            app.audit = None;
            show_groups(app);
        }
        Effect::GroupPopup(popup) => {
            if let Some(groups) = &mut app.groups {
                groups.popup = Some(popup);
            }
        }
        Effect::ShowUsers(pane) => {
            app.audit = None;
            leave_groups(app);
            let effect = app
                .browse
                .update(&mut app.session, Action::ShowPane(pane))?;
            follow(app, effect)?;
        }
        Effect::ShowMembers { id, name } => {
            app.audit = None;
            app.groups_behind = app.groups.take();
            let pane = app.groups_behind.as_ref();
            let subgroups = pane.map(|pane| pane.tree.subgroups(id)).unwrap_or_default();
            let known = pane.map(|pane| pane.known_counts(id)).unwrap_or_default();
            app.browse.show_members(session, id, name, subgroups, known);
        }
        Effect::BackToGroups => back_to_groups(app),
        Effect::PickUsers { id, name } => app.open_picker(id, name),
        Effect::ClosePicker => app.close_picker(),
        Effect::AddMembers { group, name, users } => {
            let write = Write::AddMembers {
                application,
                group,
                name,
                users,
            };
            if app.write(write) {
                app.close_picker();
            }
        }
        Effect::History { id, email } => {
            let reading = session.lookups.ask(HISTORY, move |store| {
                Ok(Looked::History(store.user_history(id, HISTORY_ENTRIES)?))
            });
            app.modal = Some(Modal::History {
                email,
                entries: None,
                reading,
            });
        }
    }
    Ok(())
}

/// A lookup came back: the screen that awaits it takes it; any other is dropped (the
/// screen closed, or asked again since).
fn looked(
    app: &mut App,
    generation: u64,
    found: std::result::Result<Looked, String>,
) -> Result<Effect> {
    if let Some((asked, group, action)) = app.checking_group.take() {
        if asked != generation {
            app.checking_group = Some((asked, group, action));
        } else {
            return match found {
                Ok(found) => group_checked(app, action, group, found),
                Err(why) => {
                    app.session.error(why);
                    Ok(Effect::None)
                }
            };
        }
    }
    let session = &mut app.session;
    if let Some(form) = &mut app.form
        && form.awaits(generation)
    {
        return Ok(form.looked(session, generation, found));
    }
    if let Some(log) = &mut app.audit
        && log.awaits(generation)
    {
        log.looked(session, found);
        return Ok(Effect::None);
    }
    if let Some(Modal::History {
        entries, reading, ..
    }) = &mut app.modal
        && *reading == generation
    {
        match found {
            Ok(Looked::History(read)) => *entries = Some(read),
            Ok(_) => {}
            Err(why) => {
                app.modal = None;
                session.error(why);
            }
        }
    }
    Ok(Effect::None)
}

/// Leaves the members view for the group tree, where it was left.
fn back_to_groups(app: &mut App) {
    app.browse.members = None;
    show_groups(app);
}

/// Puts the group tree away, with its open groups and selection, for when it shows
/// again.
fn leave_groups(app: &mut App) {
    if let Some(pane) = app.groups.take() {
        app.groups_behind = Some(pane);
    }
}

/// Shows the group tree as it was left (or anew), its counts read afresh: members
/// may have come and gone meanwhile.
fn show_groups(app: &mut App) {
    let application = app.session.application.id;
    app.groups = Some(match app.groups_behind.take() {
        Some(mut pane) => {
            pane.reload(application, &mut app.groups_reader);
            pane
        }
        None => GroupsPane::open(&app.session, &mut app.groups_reader),
    });
}

/// A write ended: the form hears how its save went; after any other write the list
/// and its counts catch up, and the status line says what happened.
fn written_out(app: &mut App, written: Written) -> Effect {
    app.writing = None;
    let session = &mut app.session;
    match written {
        Written::Saved(outcome) => match &mut app.form {
            Some(form) => form.saved(session, outcome),
            None => Effect::None,
        },
        Written::Group(outcome) => {
            group_written(app, outcome);
            Effect::None
        }
        Written::Changed { message, failed } => {
            app.browse.reload(session);
            // Members added from the tree (or users deleted) change its counts.
            if let Some(groups) = &mut app.groups {
                groups.reload(session.application.id, &mut app.groups_reader);
            }
            if failed {
                session.error(message);
            } else {
                session.info(message);
            }
            Effect::None
        }
    }
}

/// A change of the group tree ended: the pane hears how, and the lists' counts catch
/// up (a deleted group's members may now be in no group).
fn group_written(app: &mut App, outcome: GroupOutcome) {
    let session = &mut app.session;
    let application = session.application.id;
    app.browse.reload(session);
    // The status line says how it ended even when the pane was left meanwhile.
    match &outcome {
        GroupOutcome::Done { message, .. } => session.info(message.clone()),
        GroupOutcome::Invalid(errors) => {
            let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
            session.error(messages.join("; "));
        }
        GroupOutcome::Stale(message) | GroupOutcome::Failed(message) => {
            session.error(message.clone())
        }
    }
    let Some(groups) = &mut app.groups else {
        return;
    };
    let reader = &mut app.groups_reader;
    match outcome {
        GroupOutcome::Done { select, .. } => groups.written(application, reader, select),
        GroupOutcome::Invalid(errors) => groups.write_refused(errors),
        GroupOutcome::Stale(_) => groups.written(application, reader, None),
        GroupOutcome::Failed(_) => groups.write_refused(Vec::new()),
    }
}

/// Does what a dialog asked about, now that the administrator said yes; a write goes
/// to the writer, off the UI thread.
fn run(app: &mut App, pending: Pending) {
    let application = &app.session.application;
    let write = match pending {
        Pending::Delete { id, email } => {
            // The form of a user being deleted closes; a refused delete keeps it.
            if app.write(Write::Delete { id, email }) {
                app.form = None;
            }
            return;
        }
        Pending::InvalidateUser { id, email } => Write::InvalidateUser { id, email },
        Pending::RemoveMember {
            group,
            name,
            id,
            email,
        } => Write::RemoveMember {
            application: application.id,
            group,
            name,
            id,
            email,
        },
        Pending::DeleteGroup { group } => Write::Group(GroupWrite::DeleteGroup {
            application: application.id,
            group,
        }),
        Pending::UnlinkDevice { device, group } => Write::Group(GroupWrite::LinkDevice {
            application: application.id,
            device,
            group,
            link: false,
        }),
        Pending::Bulk { job, selection } => {
            let application = application.clone();
            if !app.refuse_while_job() {
                app.job = Some(app.bulk.run(application, selection, job));
            }
            return;
        }
        Pending::InvalidateAll => Write::InvalidateAll {
            application: application.id,
            name: application.name.clone(),
        },
        Pending::Discard => {
            // The user form, or else the Groups pane's group form.
            if app.form.take().is_none()
                && let Some(pane) = &mut app.groups
            {
                pane.popup = None;
            }
            return;
        }
        Pending::Quit => {
            app.quit = true;
            return;
        }
    };
    app.write(write);
}

/// The bulk worker counted the marked users for a dialog, loaded the groups to pick
/// from, moved a job on, or ended one.
fn bulk_event(app: &mut App, event: BulkEvent) -> Effect {
    let session = &mut app.session;
    if !matches!(event, BulkEvent::Progress(_)) {
        app.asking = false;
    }
    match event {
        BulkEvent::Ready {
            job,
            selection,
            count,
            sample,
            concerned,
        } => {
            session.withdraw(COUNTING);
            if count == 0 {
                session.error("None of the marked users is left: nothing to do");
                app.browse.reload(session);
                return Effect::None;
            }
            if concerned == Some(0) {
                let none = match &job {
                    Job::Change(BulkAction::RemoveFromGroup(group)) => {
                        format!("None of the marked users is in {group} itself: nothing to remove")
                    }
                    Job::Change(BulkAction::RemoveTag(key)) => format!(
                        "None of the marked users has tag {}: nothing to remove",
                        key.as_str()
                    ),
                    Job::Change(BulkAction::AddToGroup(group)) => {
                        format!("All the marked users are in {group} already: nothing to add")
                    }
                    Job::Change(BulkAction::SetTag { key, value }) => format!(
                        "All the marked users have tag {}={value} already: nothing to set",
                        key.as_str()
                    ),
                    _ => "None of the marked users would change".to_string(),
                };
                session.error(none);
                return Effect::None;
            }
            Effect::Ask(Confirm::bulk(job, selection, (count, concerned), &sample))
        }
        BulkEvent::Groups { groups, .. } if groups.is_empty() => {
            session.error("There are no groups yet");
            Effect::None
        }
        BulkEvent::Groups { adding, groups } => {
            app.modal = Some(Modal::GroupPick(GroupPick {
                adding,
                groups,
                selected: 0,
            }));
            Effect::None
        }
        BulkEvent::Progress(progress) => {
            if let Some(job) = &mut app.job {
                job.progressed(progress);
            }
            Effect::None
        }
        BulkEvent::Finished { message, done } => {
            session.withdraw(COUNTING);
            if done {
                session.info(message);
            } else {
                session.error(message);
            }
            if let Some(ran) = app.job.take() {
                // The changed users are no longer what was marked; an export changed
                // nothing, and its marks stay for what comes next.
                if done && ran.job.writes() {
                    app.browse.marks.clear();
                }
                app.browse.reload(session);
                // Its counts too, when the Groups pane is in front.
                if let Some(groups) = &mut app.groups {
                    groups.reload(session.application.id, &mut app.groups_reader);
                }
            }
            Effect::None
        }
    }
}

/// A key pressed: it acts now, or waits behind the screen that reads.
pub fn press_key(app: &mut App, key: KeyEvent) {
    if key.code == KeyCode::Esc && app.typeahead.take().is_some() {
        // Behind waiting keys, `Esc` takes them back rather than jump ahead of them
        // (to close a screen they would have opened, the wrong one would close).
        return;
    }
    if !acts_at_once(&key) {
        if let Some(waiting) = &mut app.typeahead {
            if waiting.keys.len() < MOST_WAITING {
                waiting.keys.push(key);
            }
            return;
        }
        if let Some(reading) = app.reading()
            && !starts_filter(app, key)
        {
            app.typeahead = Some(Typeahead {
                reading,
                keys: vec![key],
            });
            return;
        }
    }
    if let Some(action) = super::action_for_key(app, key) {
        update(app, action);
    }
}

/// Once the screen they wait for has read, the waiting keys act, in order (one may
/// open another screen that reads: the keys after it wait again).
pub fn replay(app: &mut App) {
    let Some(waiting) = &app.typeahead else {
        return;
    };
    if app.reading() == Some(waiting.reading) {
        return;
    }
    let Some(waiting) = app.typeahead.take() else {
        return;
    };
    if !app.still_open(waiting.reading) {
        return;
    }
    for key in waiting.keys {
        press_key(app, key);
        // A popup (a dialog, a menu, a prompt) takes only keys pressed once it shows:
        // nobody confirms or chooses blind.
        if app
            .modal
            .as_ref()
            .is_some_and(|m| !matches!(m, Modal::History { .. }))
        {
            app.typeahead = None;
            return;
        }
    }
}

/// `/` on a pane that reads focuses its filter at once: what is typed there shows as
/// it is typed.
fn starts_filter(app: &App, key: KeyEvent) -> bool {
    matches!(super::action_for_key(app, key), Some(Action::StartFilter))
}

fn acts_at_once(key: &KeyEvent) -> bool {
    key.code == KeyCode::Esc
        || (key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL))
}

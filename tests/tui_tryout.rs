//! What a new administrator found trying the console, each through keys: `Esc` cancels
//! a bulk job from every screen, the members view of a deleted group, the Groups
//! pane's selection after a filter and an add, `-` on a subgroup's member and with
//! marks, and the user picker's `Space` and narrow rows.

mod common;

use common::console::*;
use ratatui::crossterm::event::{KeyCode, KeyModifiers};
use xusers::tui::app::{App, JOB_RUNNING, Modal};
use xusers::tui::session::StatusKind;

const SIZE: (u16, u16) = (100, 30);

/// The status line's text and kind.
fn status(app: &App) -> (String, StatusKind) {
    let s = app.session.status.as_ref().expect("a status");
    (s.text.clone(), s.kind)
}

fn users(app: &App) -> u64 {
    let application = app.session.application.id;
    app.session.store.scope_counts(application).unwrap().all
}

/// Marks every user and starts deleting them, the job held at the gate.
fn start_delete_all(app: &mut App, gate: &Gate) {
    keys(app, "*d");
    assert!(
        matches!(&app.modal, Some(Modal::Confirm(_))),
        "the dialog asks"
    );
    gate.shut();
    press(app, KeyCode::Char('y'), KeyModifiers::NONE);
    gate.wait_for_stopped(1);
    assert!(app.job.is_some(), "the job runs");
}

/// `Esc` in front of `pane` cancels the job held at the gate; the job's outcome shows
/// there.
fn esc_cancels_the_job_in(pane: char) {
    let (_d, mut app, gate) = gated_console(60, SIZE);
    start_delete_all(&mut app, &gate);
    press(&mut app, KeyCode::Char(pane), KeyModifiers::NONE);
    assert!(app.job_over(), "the job's keys lie over pane {pane}");
    assert!(screen(&app).contains("Esc cancel job"), "{}", screen(&app));
    press(&mut app, KeyCode::Esc, KeyModifiers::NONE);
    assert!(app.job.as_ref().unwrap().cancelling(), "Esc cancelled it");
    gate.open();
    finish_background(&mut app);
    assert!(app.job.is_none());
    assert_eq!(users(&app), 60, "rolled back");
    let outcome = (
        "Cancelled: nothing was changed".to_string(),
        StatusKind::Error,
    );
    assert_eq!(status(&app), outcome);
    assert!(screen(&app).contains("Cancelled: nothing was changed"));
}

#[test]
fn esc_cancels_a_bulk_job_from_the_groups_pane() {
    esc_cancels_the_job_in('4');
}

#[test]
fn esc_cancels_a_bulk_job_from_the_audit_log() {
    esc_cancels_the_job_in('5');
}

#[test]
fn the_groups_pane_shows_a_refusal_during_a_job_and_then_its_outcome() {
    let (_d, mut app, gate) = gated_console(60, SIZE);
    start_delete_all(&mut app, &gate);
    press(&mut app, KeyCode::Char('4'), KeyModifiers::NONE);
    press(&mut app, KeyCode::Char('a'), KeyModifiers::NONE);
    let groups = app.groups.as_ref().expect("the Groups pane");
    assert!(groups.popup.is_none(), "no form opens");
    assert_eq!(status(&app), (JOB_RUNNING.into(), StatusKind::Error));
    assert!(screen(&app).contains("press Esc to cancel it"));
    gate.open();
    finish_background(&mut app);
    assert_eq!(users(&app), 0, "the job ran to its end");
    assert!(app.groups.is_some(), "still in front");
    let (text, kind) = status(&app);
    assert!(text.starts_with("Deleted 60 users"), "{text}");
    assert_eq!(kind, StatusKind::Info);
    assert!(screen(&app).contains("Deleted 60 users"));
    assert!(!app.job_over(), "no job, no job keys");
    key(&mut app, KeyCode::Esc);
    assert!(app.groups.is_some(), "Esc stays in the pane without a job");
}

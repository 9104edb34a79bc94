//! Picking a group for the marked users: the application's groups in a short list,
//! chosen with `↑↓` and Enter.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, List, ListState};

use super::Effect;
use crate::inert::inert;
use crate::store::BulkAction;
use crate::tui::action::Action;
use crate::tui::fit::fit;
use crate::tui::job::Job;
use crate::tui::layout::centered;
use crate::tui::theme::Theme;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupPick {
    /// Adding the marked users to the group picked (else removing them from it).
    pub adding: bool,
    pub groups: Vec<String>,
    pub selected: usize,
}

impl GroupPick {
    pub fn update(&mut self, action: Action) -> Effect {
        let last = self.groups.len().saturating_sub(1);
        match action {
            Action::Up => self.selected = self.selected.saturating_sub(1),
            Action::Down => self.selected = (self.selected + 1).min(last),
            Action::Close => return Effect::ClosePopup,
            Action::MenuChoose => {
                if let Some(group) = self.groups.get(self.selected) {
                    let action = match self.adding {
                        true => BulkAction::AddToGroup(group.clone()),
                        false => BulkAction::RemoveFromGroup(group.clone()),
                    };
                    return Effect::AskBulk(Job::Change(action));
                }
            }
            _ => {}
        }
        Effect::None
    }

    fn title(&self) -> &'static str {
        match self.adding {
            true => " Add the marked users to ",
            false => " Remove the marked users from ",
        }
    }
}

const WIDTH: u16 = 40;

pub fn draw(t: &Theme, picker: &GroupPick, frame: &mut Frame, bounds: Rect) {
    let height = picker.groups.len() as u16 + 2;
    let area = centered(bounds, WIDTH, height);
    let room = area.width.saturating_sub(4) as usize;
    let items: Vec<Line> = picker
        .groups
        .iter()
        .map(|g| Line::raw(fit(&inert(g), room).into_owned()))
        .collect();
    let list = List::new(items)
        .block(
            Block::bordered()
                .title(Line::styled(picker.title(), t.title))
                .border_style(t.title),
        )
        .highlight_style(t.selected)
        .highlight_symbol("▶ ");
    let mut state = ListState::default().with_selected(Some(picker.selected));
    frame.render_widget(Clear, area);
    frame.render_stateful_widget(list, area, &mut state);
}

//! A one-line question over the list, for a bulk action that needs more than a yes: a
//! tag to set (`key=value`), a tag key to remove, a file to export to. What is typed is
//! checked as the form checks it; a problem shows inline and nothing goes on.

use std::path::{Path, PathBuf};

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Paragraph};
use tui_input::backend::crossterm::EventHandler;
use tui_input::{Input, InputRequest};

use super::Effect;
use crate::domain::{TagKey, tag_value};
use crate::export::FileFormat;
use crate::store::BulkAction;
use crate::tui::action::Action;
use crate::tui::job::Job;
use crate::tui::layout::centered;
use crate::tui::screens::form::field_text::visible_text;
use crate::tui::theme::Theme;

/// What the prompt asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asking {
    /// `key=value`, set on every marked user.
    SetTag,
    /// A tag key, removed from every marked user.
    RemoveTag,
    /// A `.csv` or `.json` file the marked users are written to.
    ExportPath,
}

impl Asking {
    fn title(self) -> &'static str {
        match self {
            Asking::SetTag => " Set a tag on the marked users ",
            Asking::RemoveTag => " Remove a tag from the marked users ",
            Asking::ExportPath => " Export the marked users ",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Asking::SetTag => "Tag (key=value):",
            Asking::RemoveTag => "Tag key:",
            Asking::ExportPath => "File (.csv or .json):",
        }
    }
}

#[derive(Debug, Clone)]
pub struct BulkPrompt {
    pub asking: Asking,
    pub input: Input,
    /// Why what was typed cannot be used, shown under it.
    pub error: Option<String>,
}

/// Two prompts are alike when they ask the same and hold the same text.
impl PartialEq for BulkPrompt {
    fn eq(&self, other: &BulkPrompt) -> bool {
        (
            self.asking,
            self.input.value(),
            self.input.cursor(),
            &self.error,
        ) == (
            other.asking,
            other.input.value(),
            other.input.cursor(),
            &other.error,
        )
    }
}

impl Eq for BulkPrompt {}

impl BulkPrompt {
    pub fn new(asking: Asking) -> BulkPrompt {
        BulkPrompt {
            asking,
            input: Input::default(),
            error: None,
        }
    }

    pub fn update(&mut self, action: Action) -> Effect {
        match action {
            Action::Close => return Effect::ClosePopup,
            Action::FormKey(key) => {
                let event = ratatui::crossterm::event::Event::Key(key);
                if self.input.handle_event(&event).is_some() {
                    self.error = None;
                }
            }
            Action::Paste(text) => {
                // One line: pasted line breaks become spaces.
                for c in text.chars() {
                    let c = if c.is_control() { ' ' } else { c };
                    self.input.handle(InputRequest::InsertChar(c));
                }
                self.error = None;
            }
            Action::PressButton => match answer(self.asking, self.input.value()) {
                Ok(job) => return Effect::AskBulk(job),
                Err(why) => self.error = Some(why),
            },
            _ => {}
        }
        Effect::None
    }
}

/// The job `typed` asks for, or why it cannot be done.
pub fn answer(asking: Asking, typed: &str) -> Result<Job, String> {
    match asking {
        Asking::SetTag => {
            let (key, value) = typed
                .split_once('=')
                .ok_or_else(|| "type the tag as key=value".to_string())?;
            let key = TagKey::parse(key.trim()).map_err(|e| format!("tag {e}"))?;
            let value = tag_value(value)?;
            Ok(Job::Change(BulkAction::SetTag { key, value }))
        }
        Asking::RemoveTag => {
            let key = TagKey::parse(typed.trim()).map_err(|e| format!("tag {e}"))?;
            Ok(Job::Change(BulkAction::RemoveTag(key)))
        }
        Asking::ExportPath => export_to(Path::new(typed.trim())),
    }
}

/// Where to export: a file whose name says its format, in a folder that exists.
fn export_to(path: &Path) -> Result<Job, String> {
    if path.as_os_str().is_empty() {
        return Err("type the file to write".into());
    }
    let format = FileFormat::of(path).ok_or("the name must end in .csv or .json")?;
    if path.is_dir() {
        return Err("that is a folder: name a file in it".into());
    }
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() && !dir.is_dir() => {
            return Err(format!("no such folder: {}", dir.display()));
        }
        _ => {}
    }
    Ok(Job::Export {
        path: PathBuf::from(path),
        format,
        replace: path.exists(),
    })
}

const WIDTH: u16 = 56;

/// The prompt in the middle of `bounds`: its question, the line typed, and what is
/// wrong with it.
pub fn draw(t: &Theme, prompt: &BulkPrompt, frame: &mut Frame, bounds: Rect) {
    let area = centered(bounds, WIDTH, 5);
    let block = Block::bordered()
        .title(Line::styled(prompt.asking.title(), t.title))
        .border_style(t.title);
    // One column of padding inside each border.
    let inner = block.inner(area).inner(ratatui::layout::Margin::new(1, 0));
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);
    let line = |y: u16| Rect {
        y: inner.y + y,
        height: 1,
        ..inner
    };
    let label = prompt.asking.label();
    frame.render_widget(Paragraph::new(Line::styled(label, t.dim)), line(0));
    let width = inner.width.saturating_sub(1) as usize;
    let (shown, cursor) = visible_text(&prompt.input, width, false, true);
    let typed = line(1);
    frame.render_widget(Paragraph::new(Line::styled(shown, t.input)), typed);
    frame.set_cursor_position((typed.x + cursor, typed.y));
    if let Some(error) = &prompt.error {
        let text = crate::tui::fit::fit(error, inner.width as usize).into_owned();
        frame.render_widget(Paragraph::new(Line::styled(text, t.invalid)), line(2));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tag_is_checked_as_the_form_checks_it() {
        assert!(matches!(
            answer(Asking::SetTag, "plan=pro"),
            Ok(Job::Change(BulkAction::SetTag { key, value })) if key.as_str() == "plan" && value == "pro"
        ));
        assert_eq!(
            answer(Asking::SetTag, "plan").unwrap_err(),
            "type the tag as key=value"
        );
        let bad_key = answer(Asking::SetTag, "two words=x").unwrap_err();
        assert!(bad_key.starts_with("tag key may only hold"), "{bad_key}");
        assert!(answer(Asking::SetTag, "k=\u{1b}[31m").is_err(), "controls");
        assert!(answer(Asking::RemoveTag, "").is_err());
        assert!(matches!(
            answer(Asking::RemoveTag, "plan"),
            Ok(Job::Change(BulkAction::RemoveTag(_)))
        ));
    }

    #[test]
    fn an_export_names_a_csv_or_json_file_in_a_folder_that_exists() {
        let dir = tempfile::tempdir().unwrap();
        let at = |name: &str| dir.path().join(name).display().to_string();
        assert!(matches!(
            answer(Asking::ExportPath, &at("out.JSON")),
            Ok(Job::Export {
                format: FileFormat::Json,
                replace: false,
                ..
            })
        ));
        std::fs::write(dir.path().join("old.csv"), "x").unwrap();
        assert!(matches!(
            answer(Asking::ExportPath, &at("old.csv")),
            Ok(Job::Export {
                format: FileFormat::Csv,
                replace: true,
                ..
            })
        ));
        assert!(answer(Asking::ExportPath, &at("out.txt")).is_err());
        assert!(answer(Asking::ExportPath, &at("nowhere/out.csv")).is_err());
        assert!(answer(Asking::ExportPath, "").is_err());
    }
}

//! Every colour the console uses, with a monochrome variant for `NO_COLOR`.

use ratatui::layout::Alignment;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Text;
use ratatui::widgets::{Paragraph, Wrap};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theme {
    pub title: Style,
    pub dim: Style,
    pub tab: Style,
    pub tab_active: Style,
    pub border: Style,
    pub header_row: Style,
    pub selected: Style,
    pub key: Style,
    pub button: Style,
    pub button_focused: Style,
    pub danger: Style,
    pub info: Style,
    pub error: Style,
    pub filter: Style,
    pub input: Style,
    pub label_focused: Style,
    /// Inline validation messages.
    pub invalid: Style,
    /// Characters of a suggestion that match what was typed.
    pub matched: Style,
    /// The gutter's mark of a marked user, and the progress bar of a bulk job.
    pub marked: Style,
}

impl Theme {
    /// Colour unless `NO_COLOR` is set to anything non-empty (no-color.org).
    pub fn from_env() -> Theme {
        match std::env::var_os("NO_COLOR") {
            Some(v) if !v.is_empty() => Theme::mono(),
            _ => Theme::color(),
        }
    }

    pub fn color() -> Theme {
        let bold = Modifier::BOLD;
        Theme {
            title: Style::new().fg(Color::Cyan).add_modifier(bold),
            dim: Style::new().fg(Color::DarkGray),
            tab: Style::new().fg(Color::Gray),
            tab_active: Style::new()
                .fg(Color::Black)
                .bg(Color::Cyan)
                .add_modifier(bold),
            border: Style::new().fg(Color::DarkGray),
            header_row: Style::new().fg(Color::Yellow).add_modifier(bold),
            selected: Style::new()
                .fg(Color::Black)
                .bg(Color::LightBlue)
                .add_modifier(bold),
            key: Style::new().fg(Color::Cyan).add_modifier(bold),
            button: Style::new().fg(Color::Gray),
            button_focused: Style::new()
                .fg(Color::Black)
                .bg(Color::White)
                .add_modifier(bold),
            danger: Style::new().fg(Color::LightRed).add_modifier(bold),
            info: Style::new().fg(Color::Green),
            error: Style::new()
                .fg(Color::White)
                .bg(Color::Red)
                .add_modifier(bold),
            filter: Style::new().fg(Color::Yellow),
            input: Style::new().fg(Color::White).bg(Color::Indexed(236)),
            label_focused: Style::new().fg(Color::Cyan).add_modifier(bold),
            invalid: Style::new().fg(Color::LightRed),
            matched: Style::new()
                .fg(Color::Yellow)
                .add_modifier(bold | Modifier::UNDERLINED),
            marked: Style::new().fg(Color::Yellow).add_modifier(bold),
        }
    }

    /// Readable without colour: emphasis by bold, reverse video and underline only.
    pub fn mono() -> Theme {
        let plain = Style::new();
        let bold = Style::new().add_modifier(Modifier::BOLD);
        let reversed = Style::new().add_modifier(Modifier::REVERSED);
        Theme {
            title: bold,
            dim: plain,
            tab: plain,
            tab_active: reversed.add_modifier(Modifier::BOLD),
            border: plain,
            header_row: bold.add_modifier(Modifier::UNDERLINED),
            selected: reversed,
            key: bold,
            button: plain,
            button_focused: reversed,
            danger: bold,
            info: plain,
            error: reversed.add_modifier(Modifier::BOLD),
            filter: plain,
            input: Style::new().add_modifier(Modifier::UNDERLINED),
            label_focused: bold,
            invalid: bold,
            matched: bold.add_modifier(Modifier::UNDERLINED),
            marked: bold,
        }
    }
}

impl Theme {
    /// A dim note, centred and wrapped: what a list with nothing to show says instead.
    pub fn note<'a>(&self, text: impl Into<Text<'a>>) -> Paragraph<'a> {
        Paragraph::new(text)
            .style(self.dim)
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true })
    }
}

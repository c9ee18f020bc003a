//! Colours and text styles. Nothing is told by colour alone: every state also has a symbol or bold.

use ratatui::style::{Color, Modifier, Style};

/// The styles every panel draws with.
#[derive(Debug, Clone)]
pub struct Theme {
    /// Ordinary text.
    pub text: Style,
    /// Secondary text: times, hints.
    pub dim: Style,
    /// The border and title of the focused panel.
    pub focus: Style,
    /// Borders of other panels.
    pub border: Style,
    /// Error lines and down endpoints.
    pub error: Style,
    /// Warnings, degraded and throttled endpoints.
    pub warn: Style,
    /// Up endpoints and ticked steps.
    pub ok: Style,
    /// The selected row.
    pub selected: Style,
    /// The header bar.
    pub header: Style,
    /// The header bar when a status update is overdue.
    pub urgent: Style,
    /// Key names in the footer and help.
    pub key: Style,
}

impl Theme {
    /// The default colours.
    pub fn color() -> Theme {
        Theme {
            text: Style::default(),
            dim: Style::default().fg(Color::DarkGray),
            focus: Style::default()
                .fg(Color::Cyan)
                .add_modifier(Modifier::BOLD),
            border: Style::default().fg(Color::Gray),
            error: Style::default().fg(Color::Red).add_modifier(Modifier::BOLD),
            warn: Style::default().fg(Color::Yellow),
            ok: Style::default().fg(Color::Green),
            selected: Style::default().add_modifier(Modifier::REVERSED),
            header: Style::default().fg(Color::Black).bg(Color::Cyan),
            urgent: Style::default()
                .fg(Color::White)
                .bg(Color::Red)
                .add_modifier(Modifier::BOLD),
            key: Style::default()
                .fg(Color::Cyan)
                .add_modifier(Modifier::BOLD),
        }
    }

    /// No colour at all (`NO_COLOR`): bold, reverse and symbols carry the meaning.
    pub fn monochrome() -> Theme {
        let plain = Style::default();
        let bold = plain.add_modifier(Modifier::BOLD);
        Theme {
            text: plain,
            dim: plain,
            focus: bold,
            border: plain,
            error: bold,
            warn: plain,
            ok: plain,
            selected: plain.add_modifier(Modifier::REVERSED),
            header: plain.add_modifier(Modifier::REVERSED),
            urgent: bold.add_modifier(Modifier::REVERSED),
            key: bold,
        }
    }

    /// `NO_COLOR` set to anything non-empty turns colour off (no-color.org).
    pub fn from_env() -> Theme {
        match std::env::var_os("NO_COLOR") {
            Some(v) if !v.is_empty() => Theme::monochrome(),
            _ => Theme::color(),
        }
    }
}

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
    /// Text a filter or the search matched.
    pub found: Style,
    /// Source tags in a merged logs view, by source (the tag's text tells them apart too).
    pub tags: [Style; 6],
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
            found: Style::default()
                .fg(Color::Black)
                .bg(Color::Yellow)
                .add_modifier(Modifier::BOLD),
            tags: [
                Color::Cyan,
                Color::Magenta,
                Color::Green,
                Color::Blue,
                Color::Yellow,
                Color::LightRed,
            ]
            .map(|c| Style::default().fg(c)),
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
            found: bold.add_modifier(Modifier::UNDERLINED),
            tags: [plain; 6],
        }
    }

    /// This theme, or no colour at all when `NO_COLOR` is set: it wins over any `[theme]`.
    pub fn unless_no_color(self) -> Theme {
        self.or_monochrome(std::env::var_os("NO_COLOR").as_deref())
    }

    /// This theme, or monochrome when `no_color` (the value of `NO_COLOR`) is set and not empty.
    pub fn or_monochrome(self, no_color: Option<&std::ffi::OsStr>) -> Theme {
        match no_color {
            Some(v) if !v.is_empty() => Theme::monochrome(),
            _ => self,
        }
    }

    /// The names `[theme]` knows the styles by.
    pub const NAMES: [&'static str; 12] = [
        "text", "dim", "focus", "border", "error", "warn", "ok", "selected", "header", "urgent",
        "key", "found",
    ];

    /// The style named `name`, to be replaced.
    pub fn style_mut(&mut self, name: &str) -> Option<&mut Style> {
        Some(match name {
            "text" => &mut self.text,
            "dim" => &mut self.dim,
            "focus" => &mut self.focus,
            "border" => &mut self.border,
            "error" => &mut self.error,
            "warn" => &mut self.warn,
            "ok" => &mut self.ok,
            "selected" => &mut self.selected,
            "header" => &mut self.header,
            "urgent" => &mut self.urgent,
            "key" => &mut self.key,
            "found" => &mut self.found,
            _ => return None,
        })
    }

    /// Replaces the style `name` with what `spec` says (`"bold white on red"`).
    pub fn set(&mut self, name: &str, spec: &str) -> Result<(), StyleError> {
        if self.style_mut(name).is_none() {
            return Err(StyleError::UnknownStyle(
                name.to_string(),
                crate::core::diag::closest(name, Theme::NAMES),
            ));
        }
        let style = parse_style(spec)?;
        // The selected row and found text have no symbol of their own: not told by colour alone.
        if matches!(name, "selected" | "found") && style.add_modifier.is_empty() {
            let what = if name == "found" {
                "found text"
            } else {
                "the selected row"
            };
            return Err(StyleError::ColourAlone(spec.trim().to_string(), what));
        }
        if let Some(slot) = self.style_mut(name) {
            *slot = style;
        }
        Ok(())
    }
}

const COLOURS: [(&str, Color); 17] = [
    ("black", Color::Black),
    ("red", Color::Red),
    ("green", Color::Green),
    ("yellow", Color::Yellow),
    ("blue", Color::Blue),
    ("magenta", Color::Magenta),
    ("cyan", Color::Cyan),
    ("gray", Color::Gray),
    ("dark-gray", Color::DarkGray),
    ("light-red", Color::LightRed),
    ("light-green", Color::LightGreen),
    ("light-yellow", Color::LightYellow),
    ("light-blue", Color::LightBlue),
    ("light-magenta", Color::LightMagenta),
    ("light-cyan", Color::LightCyan),
    ("white", Color::White),
    ("default", Color::Reset),
];

const MODIFIERS: [(&str, Modifier); 6] = [
    ("bold", Modifier::BOLD),
    ("dim", Modifier::DIM),
    ("italic", Modifier::ITALIC),
    ("underlined", Modifier::UNDERLINED),
    ("reversed", Modifier::REVERSED),
    ("crossed-out", Modifier::CROSSED_OUT),
];

/// A `[theme]` entry that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StyleError {
    /// Not a style name of the theme.
    #[error("unknown style `{0}` in [theme]; {hint}", hint = style_hint(*.1))]
    UnknownStyle(String, Option<&'static str>),
    /// A word that is neither a modifier nor a colour.
    #[error("`{0}` is not a colour{hint}", hint = colour_hint(*.1))]
    NotAColour(String, Option<&'static str>),
    /// Two foreground (or two background) colours.
    #[error(
        "`{0}` names two colours for one place: write \"<modifiers> <colour> on <background>\", like \"bold white on red\""
    )]
    TwoColours(String),
    /// `on` with nothing after it, or nothing at all.
    #[error(
        "`{0}` is not a style: write modifiers (bold, dim, italic, underlined, reversed, crossed-out), a colour, and `on <colour>` for the background, like \"bold white on red\""
    )]
    Empty(String),
    /// A selected row that only a colour would tell apart.
    #[error(
        "`{0}` would show {1} by colour alone; add a modifier, like \"reversed {0}\" or \"bold {0}\""
    )]
    ColourAlone(String, &'static str),
}

fn style_hint(suggestion: Option<&str>) -> String {
    match suggestion {
        Some(s) => format!("did you mean `{s}`?"),
        None => format!("the styles are: {}", Theme::NAMES.join(", ")),
    }
}

fn colour_hint(suggestion: Option<&str>) -> String {
    match suggestion {
        Some(s) => format!("; did you mean `{s}`?"),
        None => format!(
            ": use a name ({}), #rrggbb or a number 0-255",
            COLOURS.map(|(n, _)| n).join(", ")
        ),
    }
}

/// Reads a style: modifiers, a colour, and `on <colour>` for the background, in any order
/// (`"bold red"`, `"black on cyan"`, `"#ff8800"`, `"208 on 236"`).
pub fn parse_style(spec: &str) -> Result<Style, StyleError> {
    let mut style = Style::default();
    let mut words = spec.split_whitespace().peekable();
    if words.peek().is_none() {
        return Err(StyleError::Empty(spec.to_string()));
    }
    let (mut fg, mut bg) = (false, false);
    while let Some(word) = words.next() {
        let lower = word.to_ascii_lowercase();
        if let Some((_, m)) = MODIFIERS.iter().find(|(n, _)| *n == lower) {
            style = style.add_modifier(*m);
        } else if lower == "on" {
            let Some(colour) = words.next() else {
                return Err(StyleError::Empty(spec.to_string()));
            };
            if std::mem::replace(&mut bg, true) {
                return Err(StyleError::TwoColours(spec.to_string()));
            }
            style = style.bg(parse_colour(colour)?);
        } else {
            if std::mem::replace(&mut fg, true) {
                return Err(StyleError::TwoColours(spec.to_string()));
            }
            style = style.fg(parse_colour(word)?);
        }
    }
    Ok(style)
}

/// A colour by name, `#rrggbb`, or 0-255 (the 256-colour palette).
pub fn parse_colour(word: &str) -> Result<Color, StyleError> {
    let lower = word.to_ascii_lowercase().replace('_', "-");
    if let Some((_, c)) = COLOURS.iter().find(|(n, _)| *n == lower) {
        return Ok(*c);
    }
    if let Some(hex) = lower.strip_prefix('#')
        && hex.len() == 6
        && let Ok(rgb) = u32::from_str_radix(hex, 16)
    {
        return Ok(Color::Rgb((rgb >> 16) as u8, (rgb >> 8) as u8, rgb as u8));
    }
    if let Ok(n) = lower.parse::<u8>() {
        return Ok(Color::Indexed(n));
    }
    let near = if lower.starts_with('#') || lower.starts_with(|c: char| c.is_ascii_digit()) {
        None
    } else {
        crate::core::diag::closest(
            &lower,
            COLOURS
                .iter()
                .map(|(n, _)| *n)
                .chain(MODIFIERS.iter().map(|(n, _)| *n)),
        )
    };
    Err(StyleError::NotAColour(word.to_string(), near))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn styles_read_modifiers_colours_and_backgrounds() {
        assert_eq!(
            parse_style("bold red"),
            Ok(Style::default().fg(Color::Red).add_modifier(Modifier::BOLD))
        );
        assert_eq!(
            parse_style("white on #1e1e2e"),
            Ok(Style::default()
                .fg(Color::White)
                .bg(Color::Rgb(0x1e, 0x1e, 0x2e)))
        );
        assert_eq!(
            parse_style("208"),
            Ok(Style::default().fg(Color::Indexed(208)))
        );
        assert_eq!(
            parse_style("Light-Cyan"),
            Ok(Style::default().fg(Color::LightCyan))
        );
    }

    #[test]
    fn a_wrong_style_says_what_would_be_right() {
        let err = |s: &str| parse_style(s).unwrap_err().to_string();
        assert_eq!(
            err("bold rde"),
            "`rde` is not a colour; did you mean `red`?"
        );
        assert!(err("256").starts_with("`256` is not a colour: use a name"));
        assert!(err("#12345").starts_with("`#12345` is not a colour: use a name"));
        assert!(err("red blue").starts_with("`red blue` names two colours"));
        assert!(err("white on").starts_with("`white on` is not a style"));
    }

    #[test]
    fn the_selected_row_keeps_a_sign_that_is_not_a_colour() {
        let mut theme = Theme::color();
        assert_eq!(
            theme.set("selected", "blue").unwrap_err().to_string(),
            "`blue` would show the selected row by colour alone; add a modifier, like \"reversed blue\" or \"bold blue\""
        );
        assert_eq!(theme.set("selected", "underlined blue"), Ok(()));
        assert_eq!(
            theme.set("focsu", "red").unwrap_err().to_string(),
            "unknown style `focsu` in [theme]; did you mean `focus`?"
        );
    }

    #[test]
    fn no_color_wins_over_any_theme() {
        let mut theme = Theme::color();
        theme.set("text", "bold magenta").unwrap();
        let chosen = theme.clone().or_monochrome(Some(std::ffi::OsStr::new("1")));
        assert_eq!(chosen.text, Theme::monochrome().text);
        let kept = theme.or_monochrome(Some(std::ffi::OsStr::new("")));
        assert_eq!(kept.text.fg, Some(Color::Magenta));
    }
}

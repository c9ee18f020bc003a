//! `[keys]`, `[theme]` and `[ui]` in sitrep.toml as a user meets them: the exact message a broken
//! entry gets, rebound keys in the help and the footer, and NO_COLOR winning over any theme.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Color;
use sitrep::app::{App, Input, Mode, Msg, update};
use sitrep::config::{self, Config};
use sitrep::core::diag::SourceError;
use sitrep::ui::{self, Theme};

const HEAD: &str = "[incident]\ntitle = \"Payments\"\n";

fn parse(rest: &str) -> Result<Config, SourceError> {
    config::parse(
        "sitrep.toml",
        &format!("{HEAD}{rest}"),
        Path::new("/b"),
        &|_| None,
    )
}

/// Each broken entry, and the one line `sitrep check` prints for it.
const BROKEN: &[(&str, &str, &str)] = &[
    (
        "a misspelt action",
        "[keys]\ntik = \"x\"\n",
        "sitrep.toml:4:1: unknown action `tik` in [keys]; did you mean `tick`?",
    ),
    (
        "an action that is not one",
        "[keys]\nlaunch-missiles = \"L\"\n",
        "sitrep.toml:4:1: unknown action `launch-missiles` in [keys]; the actions are: quit, help, focus-next, focus-prev, focus-logs, focus-health, focus-runbook, focus-timeline, up, down, top, bottom, page-up, page-down, tick, next-runbook, prev-runbook, note, mark-detected, mark-mitigated, mark-resolved, severity, utc, retry, palette, filter, invert, follow, prev-error, next-error, patterns, zoom, run, output, update, open, wrap, scroll-left, scroll-right, search, next-match, prev-match, same-request, copy, pin, show-in-logs, retract, acknowledge, approvals",
    ),
    (
        "a misspelt key name",
        "[keys]\ntick = [\"spcae\"]\n",
        "sitrep.toml:4:9: `spcae` is not a key; did you mean `space`?",
    ),
    (
        "a key string that is no key",
        "[keys]\nnote = \"ctrl-\"\n",
        "sitrep.toml:4:8: `ctrl-` is not a key: write a character (x, N, ?), a name (space, enter, tab, shift-tab, esc, up, down, left, right, home, end, pgup, pgdn, f1 to f12), or ctrl- or alt- before one (ctrl-x)",
    ),
    (
        "a function key past f12",
        "[keys]\nhelp = \"f13\"\n",
        "sitrep.toml:4:8: `f13` is not a key: function keys go from f1 to f12",
    ),
    (
        "a key that two actions of one panel would share",
        "[keys]\ntick = [\"space\", \"x\"]\n",
        "sitrep.toml:4:18: key `x` is bound to both `tick` and `run` in the runbook panel; give one of them another key",
    ),
    (
        "a global key that a panel's key would hide",
        "[keys]\nnote = \"f\"\n",
        "sitrep.toml:4:8: key `f` is bound to both `note` and `follow` in the logs panel; give one of them another key",
    ),
    (
        "two rebound actions on one key",
        "[keys]\nnote = \"N\"\nquit = [\"ctrl-q\", \"N\"]\n",
        "sitrep.toml:5:19: key `N` is bound to both `quit` and `note` everywhere; give one of them another key",
    ),
    (
        "Esc, which always gets out",
        "[keys]\nhelp = \"esc\"\n",
        "sitrep.toml:4:8: `esc` cannot be bound: it is kept to close pop-ups and leave zoom",
    ),
    (
        "an action left without keys",
        "[keys]\nnote = []\n",
        "sitrep.toml:4:8: `note` needs at least one key; leave it out of [keys] to keep `n`",
    ),
    (
        "a misspelt colour",
        "[theme]\nerror = \"bold rde\"\n",
        "sitrep.toml:4:9: `rde` is not a colour; did you mean `red`?",
    ),
    (
        "a colour that is none",
        "[theme]\nok = \"#12g456\"\n",
        "sitrep.toml:4:6: `#12g456` is not a colour: use a name (black, red, green, yellow, blue, magenta, cyan, gray, dark-gray, light-red, light-green, light-yellow, light-blue, light-magenta, light-cyan, white, default), #rrggbb or a number 0-255",
    ),
    (
        "a misspelt style name",
        "[theme]\nfocsu = \"magenta\"\n",
        "sitrep.toml:4:1: unknown style `focsu` in [theme]; did you mean `focus`?",
    ),
    (
        "a selected row told by colour alone",
        "[theme]\nselected = \"blue\"\n",
        "sitrep.toml:4:12: `blue` would show the selected row by colour alone; add a modifier, like \"reversed blue\" or \"bold blue\"",
    ),
    (
        "a misspelt [ui] key",
        "[ui]\nmosue = true\n",
        "sitrep.toml:4:1: unknown field `mosue`, expected `mouse`; did you mean `mouse`?",
    ),
];

#[test]
fn each_broken_entry_gets_the_exact_message_a_user_sees() {
    for (what, text, expected) in BROKEN {
        match parse(text) {
            Ok(_) => panic!("{what}: accepted\n{text}"),
            Err(e) => assert_eq!(e.to_string(), *expected, "{what}"),
        }
    }
}

#[test]
fn check_prints_the_message_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let (_, text, expected) = BROKEN[5];
    std::fs::write(dir.path().join("sitrep.toml"), format!("{HEAD}{text}")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_sitrep"))
        .args(["check", "-c", "sitrep.toml"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("{expected}\n")
    );
}

#[test]
fn check_accepts_rebound_keys_a_theme_and_the_mouse_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{HEAD}[keys]\ntick = [\"space\", \"x\"]\nrun = \"X\"\nnote = \"N\"\n[theme]\nheader = \"bold white on #1e1e2e\"\n[ui]\nmouse = true\n"
    );
    std::fs::write(dir.path().join("sitrep.toml"), text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_sitrep"))
        .args(["check"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("note: keys rebound: tick = space x, note = N, run = X\n"),
        "{stdout}"
    );
    assert!(stdout.contains("note: mouse on:"), "{stdout}");
    assert!(stdout.contains("ok: sitrep.toml"), "{stdout}");
}

fn app_with(cfg: &Config) -> App {
    let mut app = App::new(
        Vec::new(),
        "t.jsonl".into(),
        sitrep::runbook::shipped(),
        "alice".into(),
        chrono::Utc::now(),
    );
    app.keymap = cfg.keymap.clone();
    app
}

fn draw(app: &App, theme: &Theme) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    terminal.draw(|f| ui::draw(f, app, theme)).unwrap();
    terminal.backend().buffer().clone()
}

fn text(buffer: &Buffer) -> String {
    let area = buffer.area;
    let mut out = String::new();
    for y in 0..area.height {
        for x in 0..area.width {
            out.push_str(buffer[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

fn press(app: &mut App, ch: char) {
    update(
        app,
        Msg::Key(KeyEvent::new(KeyCode::Char(ch), KeyModifiers::NONE)),
    );
}

#[test]
fn rebound_keys_show_in_the_help_and_the_footer_and_work() {
    let cfg =
        parse("[keys]\ntick = [\"space\", \"x\"]\nrun = \"X\"\nnote = \"N\"\nhelp = \"f1\"\n")
            .unwrap();
    let mut app = app_with(&cfg);
    let footer = text(&draw(&app, &Theme::monochrome()));
    assert!(footer.contains("F1 help"), "{footer}");
    assert!(footer.contains("N note"), "{footer}");
    assert!(!footer.contains("n note"), "{footer}");

    update(&mut app, Msg::Key(KeyEvent::from(KeyCode::F(1))));
    assert_eq!(app.mode, Mode::Help);
    let help = text(&draw(&app, &Theme::monochrome()));
    for row in [
        "  N           add a note to the timeline",
        "  F1          show this help",
        "  Space x     tick / untick the selected step",
        "  X           run the step's command (asks first)",
    ] {
        assert!(help.contains(row), "help lacks `{row}`:\n{help}");
    }
    update(&mut app, Msg::Key(KeyEvent::from(KeyCode::Esc)));

    press(&mut app, 'n');
    assert_eq!(app.mode, Mode::Normal, "n no longer writes a note");
    press(&mut app, 'N');
    assert_eq!(app.mode, Mode::Input(Input::Note, String::new()));
}

fn colours(buffer: &Buffer) -> Vec<Color> {
    buffer
        .content()
        .iter()
        .flat_map(|cell| [cell.fg, cell.bg])
        .filter(|c| *c != Color::Reset)
        .collect()
}

#[test]
fn the_theme_colours_the_screen_unless_no_color_is_set() {
    let cfg = parse("[theme]\nheader = \"bold white on #1e1e2e\"\nkey = \"208\"\n").unwrap();
    let app = app_with(&cfg);

    let coloured = draw(&app, &cfg.theme.clone().or_monochrome(None));
    assert_eq!(
        coloured[(2, 0)].bg,
        Color::Rgb(0x1e, 0x1e, 0x2e),
        "the header"
    );
    assert!(
        colours(&coloured).contains(&Color::Indexed(208)),
        "the footer keys"
    );

    for no_color in ["1", "true"] {
        let plain = draw(
            &app,
            &cfg.theme.clone().or_monochrome(Some(OsStr::new(no_color))),
        );
        assert_eq!(colours(&plain), Vec::<Color>::new(), "NO_COLOR={no_color}");
        assert_eq!(text(&plain), text(&coloured), "the same text either way");
    }
    let empty = draw(&app, &cfg.theme.clone().or_monochrome(Some(OsStr::new(""))));
    assert!(
        !colours(&empty).is_empty(),
        "an empty NO_COLOR is no request"
    );
}

#[test]
fn the_commented_examples_of_the_template_are_a_valid_config() {
    // `sitrep init` writes them commented out; uncommented, they must work as written.
    let mut text = String::new();
    let mut in_example = false;
    for line in config::TEMPLATE.lines() {
        if ["# [keys]", "# [theme]", "# [ui]"].contains(&line.trim_end()) {
            in_example = true;
        } else if !line.starts_with("# ") {
            in_example = false;
        }
        match line.strip_prefix("# ") {
            Some(rest) if in_example => text.push_str(rest),
            _ => text.push_str(line),
        }
        text.push('\n');
    }
    assert!(text.contains("\n[keys]\n"), "{text}");
    let cfg = config::parse("sitrep.toml", &text, Path::new("/b"), &|_| Some("x".into()))
        .unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert!(cfg.ui.mouse);
    assert_ne!(cfg.keymap.len(), 0);
}

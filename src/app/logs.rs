//! What the keys do in the logs panel: the cursor, filters that stack, the search, wrapping and
//! sideways scrolling, the detail view of one line, copying it. The view itself is `logview`.

use crossterm::event::{KeyCode, KeyEvent};

use super::keys::{self, Action};
use super::logview::{LogFilter, Shape};
use super::patterns::PatternsMode;
use super::{App, Command, Input, Mode, Panel, complain, say};
use crate::tail::LogLine;
use crate::tail::fields::{self, Followed, Parsed};

/// One log line opened whole: kept here, so it stays readable after it ages out of the buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineDetail {
    /// Its number in the buffer.
    pub number: u64,
    /// The line.
    pub line: LogLine,
    /// Its source's name.
    pub source: String,
    /// The template of the pattern it belongs to.
    pub pattern: Option<String>,
    /// Its fields, as `tail::fields` reads them.
    pub parsed: Parsed,
    /// The selected field (the follow key follows it).
    pub field: usize,
    /// Rows scrolled down.
    pub scroll: usize,
    /// The whole event the line is part of, in order, when it has more lines than this one (a
    /// stack trace under the line that threw), and where this line is among them.
    pub event: Vec<LogLine>,
    /// This line's place in `event`.
    pub at: usize,
}

impl App {
    /// The logs panel's shape as last drawn.
    pub fn log_shape(&self) -> Shape {
        self.log_shape_in(self.viewport.logs, self.viewport.logs_width)
    }

    /// The logs panel's shape for a panel of `rows` rows of `width` columns.
    pub fn log_shape_in(&self, rows: usize, width: usize) -> Shape {
        let merged = self.sources.len() > 1 && self.logview.source().is_none();
        let tag = if merged {
            self.source_tags()
                .iter()
                .map(|t| t.chars().count())
                .max()
                .unwrap_or(0)
                + 1
        } else {
            0
        };
        let utc = self.utc;
        Shape {
            rows: rows.max(1),
            width,
            tag,
            utc,
            today: if utc {
                self.now.date_naive()
            } else {
                self.now.with_timezone(&chrono::Local).date_naive()
            },
        }
    }

    /// A short, stable tag for each source, for merged views.
    pub fn source_tags(&self) -> Vec<String> {
        let names: Vec<&str> = self.sources.iter().map(|s| s.name.as_str()).collect();
        super::logview::source_tags(&names)
    }

    /// The line under the logs cursor and its number.
    pub fn selected_line(&self) -> Option<(u64, &LogLine)> {
        let n = self.logview.cursor(&self.logs)?;
        Some((n, self.logs.get_by_number(n)?))
    }

    /// The name of source `i`.
    pub fn source_name(&self, i: usize) -> String {
        self.sources
            .get(i)
            .map_or_else(|| format!("source {}", i + 1), |s| s.name.clone())
    }
}

/// Moves the logs cursor `delta` lines.
pub(super) fn scroll(app: &mut App, delta: isize) {
    let shape = app.log_shape();
    if delta <= isize::MIN / 4 {
        app.logview.top(&app.logs, &shape);
    } else if delta >= isize::MAX / 4 {
        app.logview.follow();
    } else {
        app.logview.move_cursor(&app.logs, delta, &shape);
    }
}

/// Adds a filter typed by the user (`invert`: it hides what matches).
pub(super) fn add_filter(app: &mut App, text: &str, invert: bool) {
    if text.is_empty() {
        say(
            app,
            format!(
                "no filter added · Esc in the logs drops the newest · :unfilter drops them all ({} now)",
                app.logview.filters().len()
            ),
        );
        return;
    }
    let filter = match LogFilter::new(text, invert) {
        Ok(f) => f,
        Err(e) => {
            complain(app, e);
            app.mode = Mode::Input(Input::Filter, text.to_string());
            return;
        }
    };
    push_filter(app, filter);
}

fn push_filter(app: &mut App, filter: LogFilter) {
    let label = filter.label();
    let patterns = &app.patterns;
    let added = app
        .logview
        .add_filter(filter, &app.logs, &|n| (patterns.of(n), patterns.part(n)));
    app.focus = Panel::Logs;
    app.patterns.mode = PatternsMode::Off;
    match added {
        Ok(()) => {
            let shown = app.logview.matching(&app.logs);
            say(
                app,
                format!("filter {label}: {shown} lines · Esc drops the newest filter"),
            );
        }
        Err(e) => complain(app, e),
    }
}

/// `:unfilter N` drops the Nth filter as the title numbers them; `:unfilter` drops them all.
pub(super) fn unfilter(app: &mut App, which: Option<usize>) {
    let patterns = &app.patterns;
    match which {
        None => {
            app.logview.clear_filters(&app.logs, &|n| (patterns.of(n), patterns.part(n)));
            say(app, "every filter dropped".into());
        }
        Some(n) => match app.logview.remove_filter(n.wrapping_sub(1), &app.logs, &|x| {
            (patterns.of(x), patterns.part(x))
        }) {
            Some(f) => say(app, format!("filter {} dropped", f.label())),
            None => complain(
                app,
                format!(
                    "no filter {n}: there are {} (numbered in the logs title)",
                    app.logview.filters().len()
                ),
            ),
        },
    }
}

/// Esc in the logs panel goes back: from the pattern list or the compare view to the raw log;
/// else it undoes the newest narrowing: the followed request, else the newest filter (a pattern's
/// lines go back to the pattern list), else the search. Returns whether it did anything.
pub(super) fn escape(app: &mut App) -> bool {
    if app.focus != Panel::Logs {
        return false;
    }
    if app.patterns.mode != PatternsMode::Off {
        app.patterns.mode = PatternsMode::Off;
        return true;
    }
    if app.logview.followed().is_some() {
        follow(app, None);
        return true;
    }
    let patterns = &app.patterns;
    let last = app.logview.filters().len().checked_sub(1);
    if let Some(i) = last
        && let Some(f) = app.logview.remove_filter(i, &app.logs, &|n| (patterns.of(n), patterns.part(n)))
    {
        if f.is_pattern() {
            app.patterns.mode = PatternsMode::List;
        }
        say(app, format!("filter {} dropped", f.label()));
        return true;
    }
    if app.logview.search().is_some() {
        app.logview.set_search(None);
        say(app, "search cleared".into());
        return true;
    }
    false
}

/// Turns the newest filter from keeping into hiding, or back.
pub(super) fn invert(app: &mut App) {
    let patterns = &app.patterns;
    if !app.logview.invert_newest(&app.logs, &|n| (patterns.of(n), patterns.part(n))) {
        let key = keys::label_of(&app.keymap, Action::Filter);
        say(app, format!("no filter to invert: {key} adds one"));
    }
}

/// Sets the search: matches are highlighted and the match keys jump; nothing is hidden.
pub(super) fn search(app: &mut App, text: &str) {
    app.focus = Panel::Logs;
    if text.is_empty() {
        app.logview.set_search(None);
        say(app, "search cleared".into());
        return;
    }
    match regex::Regex::new(text) {
        Ok(re) => {
            app.logview.set_search(Some((text.to_string(), re)));
            let shape = app.log_shape();
            let found = app.logview.jump_to_search(&app.logs, true, &shape);
            let next = keys::label_in(&app.keymap, Action::NextMatch, Panel::Logs);
            let prev = keys::label_in(&app.keymap, Action::PrevMatch, Panel::Logs);
            if found == Some(true) {
                say(app, format!("search /{text}/ · {prev} older · {next} newer"));
            } else {
                say(app, format!("search /{text}/: no match before the cursor · {next} looks newer"));
            }
        }
        Err(e) => {
            complain(app, format!("invalid regex: {e}"));
            app.mode = Mode::Input(Input::Search, text.to_string());
        }
    }
}

/// Jumps to the search's next match that way.
pub(super) fn jump_match(app: &mut App, back: bool) {
    let shape = app.log_shape();
    match app.logview.jump_to_search(&app.logs, back, &shape) {
        None => {
            let key = keys::label_in(&app.keymap, Action::Search, Panel::Logs);
            say(app, format!("no search: {key} searches the logs"));
        }
        Some(false) => say(app, "no more matches that way".into()),
        Some(true) => {}
    }
}

/// Jumps to the next error line that way.
pub(super) fn jump_error(app: &mut App, back: bool) {
    let shape = app.log_shape();
    if !app.logview.jump_to_error(&app.logs, back, &shape) {
        say(app, "no more error lines that way".into());
    }
}

/// Freezes the view where it is, or follows again.
pub(super) fn toggle_follow(app: &mut App) {
    let shape = app.log_shape();
    app.logview.toggle_follow(&app.logs, &shape);
    let text = if app.logview.following() {
        "following new lines"
    } else {
        "frozen: new lines keep arriving below"
    };
    say(app, text.into());
}

/// Wraps long lines, or cuts them again.
pub(super) fn toggle_wrap(app: &mut App) {
    app.logview.wrap = !app.logview.wrap;
    app.logview.hscroll = 0;
    let text = if app.logview.wrap {
        "long lines wrap"
    } else {
        "long lines are cut: ←/→ scroll sideways"
    };
    say(app, text.into());
}

/// Scrolls sideways by a quarter of the panel.
pub(super) fn sideways(app: &mut App, right: bool) {
    if app.logview.wrap {
        let key = keys::label_in(&app.keymap, Action::Wrap, Panel::Logs);
        say(app, format!("lines wrap, nothing to scroll: {key} cuts them"));
        return;
    }
    let step = (app.viewport.logs_width / 4).max(8) as isize;
    app.logview
        .scroll_sideways(if right { step } else { -step });
}

/// Opens the selected line whole.
pub(super) fn open_detail(app: &mut App) {
    let Some((number, line)) = app.selected_line() else {
        say(app, "no log line to open yet".into());
        return;
    };
    let line = line.clone();
    let pattern = app
        .patterns
        .of(number)
        .and_then(|id| app.patterns.miner.template(id))
        .map(str::to_string);
    let source = app.source_name(line.source);
    let parsed = fields::parse(&line.text);
    // The request's field is selected first: following it is the usual next step.
    let field = fields::request_field(&parsed)
        .and_then(|(k, v)| parsed.fields.iter().position(|(pk, pv)| pk == k && pv == v))
        .unwrap_or(0);
    let numbers = app.event_lines(number);
    let at = numbers.iter().position(|&n| n == number).unwrap_or(0);
    let event = if numbers.len() > 1 {
        numbers
            .iter()
            .filter_map(|&n| app.logs.get_by_number(n).cloned())
            .collect()
    } else {
        Vec::new()
    };
    app.mode = Mode::Detail(Box::new(LineDetail {
        number,
        line,
        source,
        pattern,
        parsed,
        field,
        scroll: 0,
        event,
        at,
    }));
}

/// The most lines of one event a detail shows (a stack trace's frames).
const EVENT_LINES: usize = 500;
/// How far from a line the lines of its source are looked for, in buffer lines (other sources
/// write between them in a merged buffer).
const EVENT_REACH: u64 = 5_000;

impl App {
    /// The numbers of the lines of the event line `number` is part of, in order: the line that
    /// begins it and the lines its source wrote after it that continue it, as the miner read them
    /// (a stack trace's frames, `Caused by:`; for an uncaught Python traceback, its frames and the
    /// line naming the exception). Just `number` for a line that is an event alone.
    pub fn event_lines(&self, number: u64) -> Vec<u64> {
        use crate::patterns::EventPart;
        let Some(source) = self.logs.get_by_number(number).map(|l| l.source) else {
            return vec![number];
        };
        let part = |n: u64| self.patterns.part(n);
        let step = |from: u64, back: bool| -> Option<u64> {
            (1..=EVENT_REACH)
                .map_while(|d| if back { from.checked_sub(d) } else { from.checked_add(d) })
                .map_while(|n| self.logs.get_by_number(n).map(|l| (n, l.source)))
                .find(|&(_, s)| s == source)
                .map(|(n, _)| n)
        };
        let mut head = number;
        if part(head) == EventPart::Ends
            && let Some(before) = step(head, true).filter(|&n| part(n) != EventPart::Ends)
        {
            head = before;
        }
        let mut walked = 0;
        while part(head) == EventPart::Continues && walked < EVENT_LINES {
            match step(head, true) {
                Some(before) => head = before,
                None => break,
            }
            walked += 1;
        }
        let mut out = vec![head];
        let mut at = head;
        while out.len() < EVENT_LINES {
            let Some(next) = step(at, false) else { break };
            match part(next) {
                EventPart::Continues => out.push(next),
                EventPart::Ends if part(head) != EventPart::Ends => {
                    out.push(next);
                    break;
                }
                _ => break,
            }
            at = next;
        }
        if !out.contains(&number) {
            // Beyond the reach or the cap: the line alone rather than an event without it.
            return vec![number];
        }
        out
    }
}

/// Follows one request across every source (`None` ends it).
pub(super) fn follow(app: &mut App, followed: Option<Followed>) {
    let ended = app.logview.followed().map(|f| f.to_string());
    let text = followed.as_ref().map(|f| f.to_string());
    let patterns = &app.patterns;
    app.logview
        .set_follow(followed, &app.logs, &|n| (patterns.of(n), patterns.part(n)));
    app.focus = Panel::Logs;
    app.patterns.mode = PatternsMode::Off;
    match (text, ended) {
        (Some(text), _) => {
            let shown = app.logview.matching(&app.logs);
            say(
                app,
                format!("following {text}: {shown} buffered lines from every source · Esc ends it"),
            );
        }
        (None, Some(ended)) => say(app, format!("stopped following {ended}")),
        (None, None) => say(app, "no request is followed".into()),
    }
}

/// Follows the request of the selected line: its request-id field (`req_id`, `trace_id`…).
pub(super) fn same_request(app: &mut App) {
    let Some((_, line)) = app.selected_line() else {
        say(app, "no log line selected yet".into());
        return;
    };
    let parsed = fields::parse(&line.text);
    match fields::request_field(&parsed) {
        Some((k, v)) => {
            let followed = Followed::new(k, v);
            follow(app, Some(followed));
        }
        None => {
            let open = keys::label_in(&app.keymap, Action::Open, Panel::Logs);
            say(
                app,
                format!(
                    "no request id on this line: {open} opens it, pick a field there and press = to follow it"
                ),
            );
        }
    }
}

/// `:follow-field KEY=VALUE`, or nothing to end following.
pub(super) fn follow_field(app: &mut App, arg: &str) {
    let arg = arg.trim();
    if arg.is_empty() {
        follow(app, None);
        return;
    }
    match arg.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() && !v.trim().is_empty() => {
            follow(app, Some(Followed::new(k.trim(), v.trim())));
        }
        _ => complain(
            app,
            format!("`{arg}` is not KEY=VALUE: write it like :follow-field req_id=cff91303"),
        ),
    }
}

/// Keys in the detail view: scrolling, copying; anything else closes it.
pub(super) fn on_detail_key(app: &mut App, key: KeyEvent, mut detail: LineDetail) -> Vec<Command> {
    let action = keys::lookup(&app.keymap, &key, Panel::Logs);
    let fields = detail.parsed.fields.len();
    match (key.code, action) {
        // With fields, the arrows pick one (the view keeps it on screen); without, they scroll.
        (KeyCode::Down, _) | (_, Some(Action::Down)) if fields > 0 => {
            detail.field = (detail.field + 1).min(fields - 1);
        }
        (KeyCode::Up, _) | (_, Some(Action::Up)) if fields > 0 => {
            detail.field = detail.field.saturating_sub(1);
        }
        (KeyCode::Down, _) | (_, Some(Action::Down)) => detail.scroll += 1,
        (KeyCode::Up, _) | (_, Some(Action::Up)) => detail.scroll = detail.scroll.saturating_sub(1),
        // Home and End go to either end of a long line, as they do in the panels.
        (KeyCode::Home, _) | (_, Some(Action::Top)) => {
            detail.scroll = 0;
            detail.field = 0;
        }
        (KeyCode::End, _) | (_, Some(Action::Bottom)) => {
            detail.scroll = app.viewport.detail;
            detail.field = fields.saturating_sub(1);
        }
        (_, Some(Action::SameRequest)) => {
            match detail.parsed.fields.get(detail.field) {
                Some((k, v)) => {
                    let followed = Followed::new(k, v);
                    app.mode = Mode::Normal;
                    follow(app, Some(followed));
                    return Vec::new();
                }
                None => say(
                    app,
                    "this line has no fields to follow: :follow-field KEY=VALUE names one".into(),
                ),
            }
        }
        (_, Some(Action::PageDown)) => detail.scroll += 10,
        (_, Some(Action::PageUp)) => detail.scroll = detail.scroll.saturating_sub(10),
        (_, Some(Action::Copy)) => {
            let text = detail.line.text.clone();
            app.mode = Mode::Detail(Box::new(detail));
            return copy_text(app, text);
        }
        (_, Some(Action::Pin)) => {
            let event = pinned(app, &detail.line);
            app.mode = Mode::Detail(Box::new(detail));
            return vec![app.request(app.actor.clone(), event)];
        }
        _ => {
            app.mode = Mode::Normal;
            return Vec::new();
        }
    }
    // Never past the end: a key back up then moves at once.
    detail.scroll = detail.scroll.min(app.viewport.detail);
    app.mode = Mode::Detail(Box::new(detail));
    Vec::new()
}

/// The evidence event for `line`: it cites the timeline event the view was moved to, if any.
fn pinned(app: &App, line: &LogLine) -> crate::timeline::Event {
    crate::timeline::Event::pinned(
        app.source_name(line.source),
        line.received,
        None,
        line.text.clone(),
        app.logview.moment,
    )
}

/// Records the selected line in the timeline as evidence.
pub(super) fn pin(app: &mut App) -> Vec<Command> {
    let Some((_, line)) = app.selected_line() else {
        say(app, "no log line to pin yet".into());
        return Vec::new();
    };
    let event = pinned(app, line);
    vec![app.request(app.actor.clone(), event)]
}

/// Copies the selected line through the terminal.
pub(super) fn copy(app: &mut App) -> Vec<Command> {
    match app.selected_line() {
        Some((_, line)) => {
            let text = line.text.clone();
            copy_text(app, text)
        }
        None => {
            say(app, "no log line to copy yet".into());
            Vec::new()
        }
    }
}

fn copy_text(app: &mut App, text: String) -> Vec<Command> {
    say(
        app,
        format!(
            "copied {} characters (OSC 52; in tmux: set -g set-clipboard on)",
            text.chars().count()
        ),
    );
    vec![Command::Copy { text }]
}

/// Enter on a pattern: the raw log, filtered to that pattern's lines.
pub(super) fn show_pattern_lines(app: &mut App) {
    let Some(row) = app.patterns.selected_row() else {
        return;
    };
    let filter = LogFilter::pattern(row.id, &row.template);
    push_filter(app, filter);
}

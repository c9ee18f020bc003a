//! The logs panel: followed lines, newest at the bottom, errors marked with colour and a symbol; or,
//! with `p`, the mined patterns (new and spiking first), or the comparison of working vs failing.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use ratatui::style::Style;

use super::health::sparkline_counts;
use super::{Theme, clock, panel_block};
use crate::app::logview::{Row, Shape, line_time, placement_mark, shown_text, time_label};
use crate::core::text;
use crate::tail::LogLine;
use crate::app::keys::label_in;
use crate::app::patterns::change_label;
use crate::app::{Action, App, Panel, PatternsMode};
use crate::core::level::Level;

/// The symbol and style of a line's level: fatal is marked as error, notice as info.
pub fn level_mark(level: Option<Level>, theme: &Theme) -> (&'static str, ratatui::style::Style) {
    match level {
        Some(l) if l.is_error() => ("✖", theme.error),
        Some(l) if l.is_warning() => ("▲", theme.warn),
        Some(l) if l.is_detail() => ("·", theme.dim),
        _ => (" ", theme.text),
    }
}

pub(super) fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    match app.patterns.mode {
        PatternsMode::Off => draw_lines(frame, area, app, theme),
        PatternsMode::List => draw_patterns(frame, area, app, theme),
        PatternsMode::Compare => draw_compare(frame, area, app, theme),
    }
}

fn title(app: &App) -> String {
    // What the user set (filters, search, freeze, tab) first: it matters more than where lines come from.
    let view = &app.logview;
    let mut title = String::from("Logs");
    if let Some(f) = view.followed() {
        title.push_str(&format!(" · following {f}"));
    }
    let filters = view.filters();
    for (i, f) in filters.iter().enumerate() {
        title.push_str(&format!(" {}{}", if i == 0 { "· " } else { "" }, f.label()));
        if filters.len() > 1 {
            title.push_str(&format!("₍{}₎", i + 1));
        }
    }
    if !filters.is_empty() || view.source().is_some() || view.followed().is_some() {
        let matching = view.matching(&app.logs) as u64;
        title.push_str(&format!(
            " · {}",
            crate::core::text::counted(matching, "line", "lines")
        ));
    }
    if !filters.is_empty() && view.context() > 0 {
        title.push_str(&format!(" ±{}", view.context()));
    }
    if let Some((text, _)) = view.search() {
        title.push_str(&format!(" · search /{text}/"));
    }
    if !view.following() {
        title.push_str(&format!(
            " · FROZEN ({} follows)",
            label_in(&app.keymap, Action::Follow, Panel::Logs)
        ));
    }
    if view.wrap {
        title.push_str(" · wrap");
    } else if view.hscroll > 0 {
        title.push_str(&format!(" · →{}", view.hscroll));
    }
    let tab = view.source();
    if let Some(i) = tab {
        title.push_str(&format!(" · tab {}/{} (:source)", i + 1, app.sources.len()));
    }
    for (i, s) in app.sources.iter().enumerate() {
        if tab.is_none() || tab == Some(i) {
            title.push_str(&format!(" · {}: {}", s.name, s.state(app.now)));
        }
    }
    title
}

fn draw_lines(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let block = panel_block(app, Panel::Logs, title(app), theme);
    let mut inner = block.inner(area);
    frame.render_widget(block, area);
    // The bottom row: errors a second, per source, over the last minute.
    if !app.sources.is_empty() && inner.height > 3 {
        inner.height -= 1;
        let row = Rect {
            y: inner.y + inner.height,
            height: 1,
            ..inner
        };
        frame.render_widget(super::rows::Rows(vec![error_rates(app, theme)]), row);
    }
    let shape = app.log_shape_in(inner.height as usize, inner.width as usize);
    let rows = app.logview.window(&app.logs, &shape);
    let mut lines = Vec::with_capacity(inner.height as usize);
    if app.logs.is_empty() {
        lines.push(Line::from(Span::styled(
            "waiting for log lines…",
            theme.dim,
        )));
    } else if rows.is_empty() {
        // Why the view is empty: the filters, a followed request, or a tab whose source has
        // given no line yet (with what it is doing).
        let view = &app.logview;
        let why = if !view.filters().is_empty() {
            "no line matches the filters · Esc drops the newest".to_string()
        } else if view.followed().is_some() {
            "no line of this request · Esc ends following it".to_string()
        } else if let Some(src) = view.source().and_then(|i| app.sources.get(i)) {
            format!("no line from {} yet: {}", src.name, src.status)
        } else {
            "no line to show".to_string()
        };
        lines.push(Line::from(Span::styled(why, theme.dim)));
    }
    let painter = Painter::new(app, &shape, theme);
    for row in rows {
        if let Some(line) = app.logs.get_by_number(row.number) {
            painter.row(&mut lines, &row, line);
        }
    }
    lines.truncate(inner.height as usize);
    frame.render_widget(super::rows::Rows(lines), inner);
}

/// Draws log rows: time column, level mark, source tag, the text with what was found highlighted.
struct Painter<'a> {
    app: &'a App,
    shape: &'a Shape,
    theme: &'a Theme,
    tags: Vec<String>,
    finders: Vec<&'a regex::Regex>,
    /// The followed request's value, found as a word.
    followed: Option<regex::Regex>,
}

impl<'a> Painter<'a> {
    fn new(app: &'a App, shape: &'a Shape, theme: &'a Theme) -> Self {
        let view = &app.logview;
        let mut finders: Vec<&regex::Regex> =
            view.filters().iter().filter_map(|f| f.highlight()).collect();
        if let Some((_, re)) = view.search() {
            finders.push(re);
        }
        let followed = view
            .followed()
            .and_then(|f| regex::Regex::new(&regex::escape(f.value())).ok());
        Painter {
            app,
            shape,
            theme,
            tags: if shape.tag > 0 { app.source_tags() } else { Vec::new() },
            finders,
            followed,
        }
    }

    fn row(&self, out: &mut Vec<Line<'a>>, row: &Row, line: &'a LogLine) {
        let theme = self.theme;
        let (mark, level_style) = level_mark(line.level, theme);
        let style = if row.context { theme.dim } else { level_style };
        let mut prefix = vec![
            Span::styled(
                format!("{} ", time_label(line_time(line), row.date, self.shape.utc)),
                theme.dim,
            ),
            Span::styled(format!("{mark} "), style),
        ];
        if self.shape.tag > 0 {
            let tag = self.tags.get(line.source).map_or("?", String::as_str);
            let tag_style = theme.tags[line.source % theme.tags.len()];
            prefix.push(Span::styled(
                format!("{tag:<w$}", w = self.shape.tag),
                tag_style,
            ));
        }
        let columns = self.shape.width.saturating_sub(self.shape.prefix(row.date)).max(1);
        let text = shown_text(line);
        let mark = placement_mark(line).map_or(0, str::len);
        let found = found_ranges(
            &text,
            self.finders.iter().copied().chain(self.followed.as_ref()),
        );
        let cursor = row.cursor && self.app.focus == Panel::Logs;
        let finish = |spans: Vec<Span<'a>>| {
            let line = Line::from(spans);
            if cursor { line.style(theme.selected) } else { line }
        };
        if self.app.logview.wrap {
            let pieces = text::wrap(&text, columns);
            let blank = " ".repeat(self.shape.prefix(row.date));
            for (i, piece) in pieces.iter().enumerate().skip(row.skip) {
                let start = piece.as_ptr() as usize - text.as_ptr() as usize;
                let mut spans = if i == 0 {
                    prefix.clone()
                } else {
                    vec![Span::raw(blank.clone())]
                };
                spans.extend(paint_row(piece, start, &found, (style, theme.found), mark, theme.warn));
                out.push(finish(spans));
            }
            return;
        }
        // Cut: scrolled sideways, and further on a row whose first filter or search match would be
        // off screen (a followed request's id is in every row, and the title says it: not that).
        let mut offset = self.app.logview.hscroll;
        let first_match = self
            .finders
            .iter()
            .filter_map(|re| re.find(&text))
            .map(|m| (m.start(), m.end()))
            .filter(|(s, e)| e > s)
            .min();
        if let Some((s, e)) = first_match {
            let (sc, ec) = (text::width(&text[..s]), text::width(&text[..e]));
            if sc < offset || ec > offset + columns {
                offset = sc.saturating_sub(columns / 4);
            }
        }
        let from = text::byte_at_column(&text, offset);
        let visible = text::wrap(&text[from..], columns)[0];
        let mut spans = prefix;
        let more_left = from > 0;
        let more_right = from + visible.len() < text.len();
        if more_left {
            spans.push(Span::styled("…", theme.dim));
        }
        let skip_first = usize::from(more_left);
        let skip_last = usize::from(more_right);
        let shown: String = visible
            .chars()
            .skip(skip_first)
            .take(visible.chars().count().saturating_sub(skip_first + skip_last))
            .collect();
        let start = from + visible.chars().take(skip_first).map(char::len_utf8).sum::<usize>();
        let piece = &text[start..start + shown.len()];
        spans.extend(paint_row(piece, start, &found, (style, theme.found), mark, theme.warn));
        if more_right {
            spans.push(Span::styled("…", theme.dim));
        }
        out.push(finish(spans));
    }
}

/// Byte ranges of `text` that any finder matches, in order, merged where they overlap.
fn found_ranges<'r>(
    text: &str,
    finders: impl Iterator<Item = &'r regex::Regex>,
) -> Vec<(usize, usize)> {
    let mut ranges: Vec<(usize, usize)> = finders
        .flat_map(|re| re.find_iter(text).take(64).map(|m| (m.start(), m.end())))
        .filter(|(s, e)| e > s)
        .collect();
    ranges.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(ranges.len());
    for (s, e) in ranges {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    merged
}

/// Like [`paint`], with the text's first `mark` bytes (a placement mark) in `mark_style`.
fn paint_row<'a>(
    piece: &str,
    start: usize,
    ranges: &[(usize, usize)],
    (style, found): (Style, Style),
    mark: usize,
    mark_style: Style,
) -> Vec<Span<'a>> {
    if start >= mark {
        return paint(piece, start, ranges, style, found);
    }
    // The mark is ASCII: any byte of it is a char boundary.
    let cut = (mark - start).min(piece.len());
    let mut spans = vec![Span::styled(piece[..cut].to_string(), mark_style)];
    if cut < piece.len() {
        spans.extend(paint(&piece[cut..], start + cut, ranges, style, found));
    }
    spans
}

/// `piece` (which starts at byte `start` of the whole text) in `style`, the found ranges in `found`.
fn paint<'a>(
    piece: &str,
    start: usize,
    ranges: &[(usize, usize)],
    style: Style,
    found: Style,
) -> Vec<Span<'a>> {
    let end = start + piece.len();
    let mut spans = Vec::new();
    let mut at = start;
    for &(s, e) in ranges {
        let (s, e) = (s.max(start), e.min(end));
        if s >= e {
            continue;
        }
        // Ranges come from whole-text matches: a boundary inside a piece is a char boundary.
        if s > at {
            spans.push(Span::styled(piece[at - start..s - start].to_string(), style));
        }
        spans.push(Span::styled(piece[s - start..e - start].to_string(), found));
        at = e;
    }
    if at < end {
        spans.push(Span::styled(piece[at - start..].to_string(), style));
    }
    spans
}

fn error_rates<'a>(app: &'a App, theme: &Theme) -> Line<'a> {
    let now = app.now.timestamp();
    let mut spans = vec![Span::styled("errors/s ", theme.dim)];
    for s in &app.sources {
        let series = s.errors.last(now, 30);
        let last_10: u32 = series.iter().rev().take(10).sum();
        let style = if last_10 > 0 { theme.error } else { theme.dim };
        spans.push(Span::styled(format!("{} ", s.name), theme.dim));
        spans.push(Span::styled(sparkline_counts(&series, 30), style));
        spans.push(Span::styled(
            format!(" {:.1}  ", last_10 as f64 / 10.0),
            style,
        ));
    }
    Line::from(spans)
}

fn at(app: &App, ms: u64) -> String {
    match crate::core::clock::from_epoch_ms(ms) {
        Some(t) => clock(app, t),
        None => "--".into(),
    }
}

/// The template gets at least this many columns before any number is shown beside it.
const TEMPLATE_MIN: usize = 40;

/// The numeric columns of the patterns view, most telling first: they drop right to left when the
/// panel is narrow. (header, width including its leading space)
const PATTERN_COLUMNS: [(&str, usize); 5] = [
    ("count", 8),
    ("first", 10),
    ("last", 10),
    ("rate/s", 8),
    ("trend", 13),
];

/// How many of [`PATTERN_COLUMNS`] fit beside the template in `width` columns (after the mark).
fn pattern_columns(width: usize) -> usize {
    let mut used = 0;
    PATTERN_COLUMNS
        .iter()
        .take_while(|(_, w)| {
            used += w;
            width >= TEMPLATE_MIN + used
        })
        .count()
}

/// `text` cut to `columns` display columns, ending in `…` when cut, padded to exactly `columns`.
fn fit(text: &str, columns: usize) -> String {
    let cut = text::cut(text, columns);
    let pad = columns.saturating_sub(text::width(&cut));
    format!("{cut}{}", " ".repeat(pad))
}

fn draw_patterns(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let p = &app.patterns;
    let title = format!(
        "Patterns · {} from {} lines · {}: its lines · {}: raw log",
        p.rows.len(),
        p.miner.lines_seen(),
        label_in(&app.keymap, Action::Open, Panel::Logs),
        label_in(&app.keymap, Action::Patterns, Panel::Logs)
    );
    let block = panel_block(app, Panel::Logs, title, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let height = inner.height as usize;
    // The template first (it is the point), then the numbers that fit, most telling first.
    let width = (inner.width as usize).saturating_sub(MARK_WIDTH);
    let shown = pattern_columns(width);
    let numbers: usize = PATTERN_COLUMNS[..shown].iter().map(|(_, w)| w).sum();
    let template_width = width.saturating_sub(numbers);
    let mut header = format!("{:<MARK_WIDTH$}{}", "", fit("template", template_width));
    for (name, w) in &PATTERN_COLUMNS[..shown] {
        if *name == "first" || *name == "last" || *name == "trend" {
            header.push_str(&format!(" {name:<w$}", w = w - 1));
        } else {
            header.push_str(&format!(" {name:>w$}", w = w - 1));
        }
    }
    let mut lines = vec![Line::from(Span::styled(header, theme.dim))];
    // The selected template in full under the list when its row had to cut it (at most three
    // rows of it, the list keeping one): a narrow terminal still shows what the pattern says.
    let full: Vec<String> = p
        .selected_row()
        .filter(|row| text::width(&row.template) > template_width)
        .map(|row| {
            let room = height.saturating_sub(1 + 2 + 1).min(FULL_TEMPLATE_ROWS);
            let columns = (inner.width as usize).saturating_sub(2);
            let mut rows = text::word_wrap(&row.template, columns);
            if rows.len() > room {
                rows.truncate(room);
                if let Some(last) = rows.last_mut() {
                    *last = text::cut(&format!("{last} …"), columns).into_owned();
                }
            }
            rows
        })
        .unwrap_or_default();
    let rows_room = height.saturating_sub(1 + 2 + full.len());
    let first = p.selected.saturating_sub(rows_room.saturating_sub(1));
    for (i, row) in p.rows.iter().enumerate().skip(first).take(rows_room) {
        let flag = match (row.new, row.spike) {
            (_, Some(_)) => "SPIKE",
            (true, _) => "NEW",
            _ => "",
        };
        let style = match row.level {
            Some(l) if l.is_error() => theme.error,
            Some(l) if l.is_warning() => theme.warn,
            _ => theme.text,
        };
        let selected = i == p.selected && app.focus == Panel::Logs;
        let line_style = if selected { theme.selected } else { style };
        let mark = match row.level {
            Some(l) if l.is_error() => "✖",
            Some(l) if l.is_warning() => "▲",
            _ => " ",
        };
        let mut spans = vec![
            Span::styled(format!("{mark}{flag:<5} "), style),
            Span::styled(fit(&row.template, template_width), line_style),
        ];
        for (name, w) in &PATTERN_COLUMNS[..shown] {
            let w = w - 1;
            let (cell, cell_style) = match *name {
                "count" => (format!(" {:>w$}", row.count), line_style),
                "first" => (format!(" {:<w$}", at(app, row.first_ms)), theme.dim),
                "last" => (format!(" {:<w$}", at(app, row.last_ms)), theme.dim),
                "rate/s" => (format!(" {:>w$.1}", row.rate), line_style),
                _ => (format!(" {:<w$}", sparkline_counts(&row.spark, w)), style),
            };
            spans.push(Span::styled(cell, cell_style));
        }
        lines.push(Line::from(spans));
    }
    for piece in full {
        lines.push(Line::from(Span::styled(format!("  {piece}"), theme.text)));
    }
    if let Some(row) = p.selected_row() {
        for v in row.values.iter().take(2) {
            lines.push(Line::from(Span::styled(format!("  {v}"), theme.dim)));
        }
    }
    frame.render_widget(super::rows::Rows(lines), inner);
}

/// The mark and NEW/SPIKE flag in front of a pattern row.
const MARK_WIDTH: usize = 7;

/// At most this many rows show the selected template in full when its row cuts it.
const FULL_TEMPLATE_ROWS: usize = 3;

fn draw_compare(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let p = &app.patterns;
    let title = match p.ranges {
        Some((good, bad)) => format!(
            "Compare · working {}–{} vs failing {}–{} · {}: raw log",
            at(app, good.from_ms),
            at(app, good.to_ms),
            at(app, bad.from_ms),
            at(app, bad.to_ms),
            label_in(&app.keymap, Action::Patterns, Panel::Logs)
        ),
        None => "Compare".into(),
    };
    let block = panel_block(app, Panel::Logs, title, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut lines = Vec::new();
    if let Some(why) = &p.why {
        // Whole, over as many rows as it takes: it says what the numbers below mean.
        let why = format!("windows: {why}");
        for piece in text::word_wrap(&why, inner.width as usize) {
            lines.push(Line::from(Span::styled(piece, theme.dim)));
        }
    }
    if p.diffs.is_empty() {
        lines.push(Line::from(Span::styled(
            "no pattern appeared, vanished or changed rate",
            theme.dim,
        )));
    }
    // The template first, as in the patterns view; the rates, then the word, when there is room.
    let width = inner.width as usize;
    const RATES: usize = 20;
    const WORD: usize = 12;
    let (rates, word) = match width.saturating_sub(2) {
        w if w >= TEMPLATE_MIN + RATES + WORD => (true, true),
        w if w >= TEMPLATE_MIN + RATES => (true, false),
        _ => (false, false),
    };
    let template_width = width
        .saturating_sub(2)
        .saturating_sub(if rates { RATES } else { 0 })
        .saturating_sub(if word { WORD } else { 0 });
    for d in &p.diffs {
        let style = match d.change {
            crate::patterns::Change::Appeared | crate::patterns::Change::Increased => theme.error,
            _ => theme.ok,
        };
        let label = change_label(d.change);
        let (mark, name) = label.split_once(' ').unwrap_or((label, ""));
        let mut spans = vec![
            Span::styled(format!("{mark} "), style),
            Span::raw(fit(&d.template, template_width)),
        ];
        if rates {
            spans.push(Span::styled(
                format!(
                    " {:>8} → {:<8}",
                    rate_text(d.good_rate, d.good_count),
                    rate_text(d.bad_rate, d.bad_count)
                ),
                theme.dim,
            ));
        }
        if word {
            spans.push(Span::styled(format!(" {name:<11}"), style));
        }
        lines.push(Line::from(spans));
    }
    frame.render_widget(super::rows::Rows(lines), inner);
}

/// A rate in a unit that shows it (`2.40/s`, `0.44/min`, `0.18/h`), or `none` when no line was
/// seen: `0.00/s → 0.00/s appeared` said nothing.
fn rate_text(per_second: f64, count: f64) -> String {
    if count <= 0.0 {
        "none".to_string()
    } else if per_second >= 0.01 {
        format!("{per_second:.2}/s")
    } else if per_second * 60.0 >= 0.01 {
        format!("{:.2}/min", per_second * 60.0)
    } else {
        format!("{:.2}/h", per_second * 3600.0)
    }
}

#[cfg(test)]
mod tests {
    use super::{fit, pattern_columns, rate_text};

    #[test]
    fn a_rate_is_written_in_a_unit_that_shows_it_and_no_line_as_none() {
        assert_eq!(rate_text(2.4, 330.0), "2.40/s");
        assert_eq!(rate_text(1.0 / 137.0, 1.0), "0.44/min");
        assert_eq!(rate_text(1.0 / 19_800.0, 1.0), "0.18/h");
        assert_eq!(rate_text(0.0, 0.0), "none");
    }

    #[test]
    fn the_template_keeps_40_columns_and_the_numbers_drop_right_to_left() {
        // A half-width panel at 80 columns: the template alone.
        assert_eq!(pattern_columns(37), 0);
        assert_eq!(pattern_columns(48), 1, "count");
        assert_eq!(pattern_columns(61), 2, "count, first");
        assert_eq!(pattern_columns(71), 3, "… last");
        assert_eq!(pattern_columns(113), 5, "everything");
    }

    #[test]
    fn a_long_template_is_cut_with_an_ellipsis_and_a_short_one_padded() {
        assert_eq!(fit("provider timeout after <*>", 10), "provider …");
        assert_eq!(fit("ok", 4), "ok  ");
        assert_eq!(fit("café crème", 6), "café …");
    }
}

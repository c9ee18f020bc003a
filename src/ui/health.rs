//! The health panel: one block of rows an endpoint (state with a symbol, last status and latency,
//! percentiles, success rate, quota, a latency sparkline), and for the selected endpoint the last good
//! and last bad responses compared.

use std::time::Duration;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::{Theme, clock, panel_block};
use crate::app::episodes::LiveEpisode;
use crate::app::{App, EndpointView, Panel};
use crate::health::{Health, Outcome, fmt_latency};

fn glance(d: chrono::TimeDelta) -> String {
    crate::core::duration::glance(d.to_std().unwrap_or_default())
}

fn health_style(h: Health, theme: &Theme) -> Style {
    match h {
        Health::Up => theme.ok,
        Health::Degraded | Health::Throttled => theme.warn,
        Health::Down => theme.error,
        Health::Unknown => theme.dim,
    }
}

/// Block characters, lowest to highest, for a text sparkline.
const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// A sparkline of latencies: taller is slower; `×` where no answer came.
pub fn sparkline(series: &[Option<Duration>], width: usize) -> String {
    let tail = &series[series.len().saturating_sub(width)..];
    let max = tail
        .iter()
        .flatten()
        .max()
        .copied()
        .unwrap_or_default()
        .max(Duration::from_millis(1));
    tail.iter()
        .map(|s| match s {
            None => '×',
            Some(d) => {
                let i = (d.as_secs_f64() / max.as_secs_f64() * (BARS.len() - 1) as f64).round()
                    as usize;
                BARS[i.min(BARS.len() - 1)]
            }
        })
        .collect()
}

/// A sparkline of counts, the last `width` of them.
pub fn sparkline_counts(counts: &[u32], width: usize) -> String {
    let tail = &counts[counts.len().saturating_sub(width)..];
    let max = tail.iter().copied().max().unwrap_or(0).max(1);
    tail.iter()
        .map(|&c| {
            if c == 0 {
                ' '
            } else {
                BARS[((c as f64 / max as f64) * (BARS.len() - 1) as f64).round() as usize]
            }
        })
        .collect()
}

fn endpoint_lines<'a>(
    app: &App,
    e: &'a EndpointView,
    selected: bool,
    width: usize,
    theme: &Theme,
) -> Vec<Line<'a>> {
    let h = &e.health;
    let state = h.state();
    let style = health_style(state, theme);
    let name_style = if selected { theme.selected } else { theme.text };
    // A long name is cut and, in a narrow panel, the state is not padded: the reason why it is
    // not up keeps its room (`✖ payments-provi… DOWN HTTP 503`, not `✖ payments-provider-api DOWN`).
    let name = crate::core::text::cut(&e.name, 14);
    let label = state.label().to_uppercase();
    let label = if width >= 40 {
        format!(" {label:<9}")
    } else {
        format!(" {label}")
    };
    let mut first = vec![
        Span::styled(format!("{} ", state.symbol()), style),
        Span::styled(format!("{:<14}", name), name_style),
        Span::styled(label, style),
    ];
    // Why it is in its state: the last probe's reason, never a bare status that says otherwise.
    match (h.last_outcome(), h.last_status()) {
        // A good probe while the state is not up yet (confirming the recovery): said as the
        // last probe, so `DOWN HTTP 200` never reads as a contradiction.
        (Some(Outcome::Ok) | None, Some(status)) if matches!(state, Health::Up | Health::Unknown) => {
            first.push(Span::raw(format!(" HTTP {status}")));
        }
        (Some(Outcome::Ok) | None, Some(status)) => first.push(Span::styled(
            format!(" last probe HTTP {status}"),
            theme.ok,
        )),
        (Some(outcome), status) if state == Health::Up => first.push(Span::styled(
            format!(" last probe {}", reason(outcome, status)),
            theme.warn,
        )),
        (Some(outcome), status) => first.push(Span::styled(
            format!(" {}", reason(outcome, status)),
            theme.error,
        )),
        (None, None) => {}
    }
    if let Some(l) = h.last_latency() {
        first.push(Span::raw(format!(" {}", fmt_latency(l))));
    }
    if e.insecure_tls {
        first.push(Span::styled(" ⚠ TLS unverified", theme.warn));
    }
    if let Some(rate) = h.success_rate() {
        first.push(Span::styled(format!(" ok {:.0}%", rate * 100.0), theme.dim));
    }
    if let Some((to, n)) = h.pending() {
        first.push(Span::styled(
            format!(" →{}? {n}/{}", to.label(), h.threshold()),
            theme.warn,
        ));
    }
    let mut second = vec![Span::raw("  ")];
    if let Some(p) = h.percentiles() {
        second.push(Span::styled(
            format!(
                "p50 {} p95 {} p99 {} ",
                fmt_latency(p.p50),
                fmt_latency(p.p95),
                fmt_latency(p.p99)
            ),
            theme.dim,
        ));
    }
    if h.last_outcome().is_none() && h.last_status().is_none() {
        // No probe has answered yet: the first is on its way (a hanging endpoint keeps it there
        // until its timeout), not a blank row.
        second.push(Span::styled("first probe on its way…", theme.dim));
    }
    let series: Vec<Option<Duration>> = h.latency_series().collect();
    let used: usize = second.iter().map(|s| s.content.chars().count()).sum();
    let room = width.saturating_sub(used + 1).min(40);
    second.push(Span::styled(sparkline(&series, room), style));
    let mut lines = vec![Line::from(first), Line::from(second)];
    let mut third = Vec::new();
    if let Some(q) = h
        .quota()
        .filter(|q| q.remaining.is_some() || q.limit.is_some())
    {
        let remaining = q.remaining.map_or("?".into(), |r| r.to_string());
        let limit = q.limit.map_or("?".into(), |l| l.to_string());
        third.push(Span::styled(
            format!("  quota {remaining}/{limit}"),
            theme.warn,
        ));
        if let Some(reset) = q.reset_at {
            third.push(Span::styled(
                format!(" reset {}", clock(app, reset)),
                theme.dim,
            ));
        }
    }
    if let Some(until) = h.throttled_until().filter(|u| *u > app.now) {
        third.push(Span::styled(
            format!("  ⏸ backing off until {}", clock(app, until)),
            theme.warn,
        ));
    }
    if !third.is_empty() {
        lines.push(Line::from(third));
    }
    if let Some(episode) = &e.episode {
        lines.push(episode_line(app, episode, theme));
    }
    lines
}

/// Why one probe failed, in a few words (`timeout`, `HTTP 503`, `slow (HTTP 200)`).
fn reason(outcome: &Outcome, status: Option<u16>) -> String {
    let why = match outcome {
        Outcome::Ok => "ok",
        Outcome::UnexpectedStatus(s) => return format!("HTTP {s}"),
        Outcome::Throttled => return "HTTP 429".into(),
        Outcome::Slow => "slow",
        Outcome::ConditionFailed(_) => "check failed",
        Outcome::Timeout => "timeout",
        Outcome::ConnectTimeout => "connect timeout",
        Outcome::ConnectionRefused => "refused",
        Outcome::Dns => "DNS failed",
        Outcome::Tls(_) => "TLS failed",
        Outcome::TooManyRedirects | Outcome::RedirectLoop => "redirects",
        Outcome::BodyTooLarge => "body too large",
        Outcome::InvalidJson(_) => "invalid JSON",
        Outcome::InvalidResponse(_) => "bad response",
        Outcome::Other(_) => "failed",
    };
    match status {
        Some(s) => format!("{why} (HTTP {s})"),
        None => why.to_string(),
    }
}

/// The open episode: since when, how bad, what failed; or that it is recovering.
fn episode_line<'a>(app: &App, episode: &LiveEpisode, theme: &Theme) -> Line<'a> {
    let since = clock(app, episode.start);
    let text = match episode.up_since {
        Some(up) => format!(
            "  ↺ recovering: up since {} ({} of {}) · episode since {since}",
            clock(app, up),
            glance(app.now - up),
            glance(app.episode_hold),
        ),
        None => format!(
            "  ● episode since {since} ({}) · {}",
            glance(app.now - episode.start),
            episode.summary.describe()
        ),
    };
    let style = if episode.up_since.is_some() {
        theme.warn
    } else {
        theme.error
    };
    Line::from(Span::styled(text, style))
}

fn compare_lines<'a>(app: &App, e: &EndpointView, theme: &Theme) -> Vec<Line<'a>> {
    let h = &e.health;
    let mut lines = vec![Line::from(Span::styled(
        format!("─ {}: last good vs last bad", e.name),
        theme.focus,
    ))];
    let describe = |label: &str, s: Option<&crate::health::Snapshot>| match s {
        Some(s) => format!(
            "{label} {} {} {} {}",
            clock(app, s.at),
            s.status.map_or("—".into(), |c| c.to_string()),
            fmt_latency(s.latency),
            // In words (`unexpected status`), not the stable identifier filters use.
            s.outcome.name().replace('_', " ")
        ),
        None => format!("{label} none yet"),
    };
    lines.push(Line::from(Span::styled(
        describe("✔ good", h.last_good()),
        theme.ok,
    )));
    lines.push(Line::from(Span::styled(
        describe("✖ bad ", h.last_bad()),
        theme.error,
    )));
    for d in h.differences() {
        lines.push(Line::from(vec![
            Span::styled(format!("  {}: ", d.what), theme.dim),
            Span::styled(d.good.unwrap_or_else(|| "—".into()), theme.ok),
            Span::raw(" ≠ "),
            Span::styled(d.bad.unwrap_or_else(|| "—".into()), theme.error),
        ]));
    }
    lines
}

pub(super) fn draw<'a>(frame: &mut Frame, area: Rect, app: &'a App, theme: &Theme) {
    let (up, all) = (
        app.endpoints
            .iter()
            .filter(|e| e.health.state() == Health::Up)
            .count(),
        app.endpoints.len(),
    );
    let block = panel_block(app, Panel::Health, format!("Health {up}/{all} up"), theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = inner.width as usize;
    let mut lines = Vec::new();
    if app.endpoints.is_empty() {
        lines.push(Line::from(Span::styled(
            "no endpoints configured",
            theme.dim,
        )));
    }
    let block_of = |i: usize, e: &'a EndpointView| {
        let selected = i == app.endpoint && app.focus == Panel::Health;
        endpoint_lines(app, e, selected, width, theme)
    };
    // The selected endpoint stays in view: the first ones go when it would fall below the panel.
    let rows = inner.height as usize;
    let selected = app.endpoint.min(app.endpoints.len().saturating_sub(1));
    let mut blocks: Vec<Vec<Line>> = app
        .endpoints
        .iter()
        .enumerate()
        .take(selected + 1)
        .map(|(i, e)| block_of(i, e))
        .collect();
    let mut first = 0;
    while first < selected && blocks[first..=selected].iter().map(Vec::len).sum::<usize>() > rows {
        first += 1;
    }
    for block in blocks.drain(..).skip(first) {
        lines.extend(block);
    }
    // Those below are made only while they can show.
    for (i, e) in app.endpoints.iter().enumerate().skip(selected + 1) {
        if lines.len() >= rows {
            break;
        }
        lines.extend(block_of(i, e));
    }
    if let Some(e) = app.endpoints.get(app.compared_endpoint()) {
        let compare = compare_lines(app, e, theme);
        if lines.len() + compare.len() <= inner.height as usize {
            lines.extend(compare);
        }
    }
    frame.render_widget(super::rows::Rows(lines), inner);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sparkline_is_tallest_where_latency_is_highest_and_marks_missing_answers() {
        let ms = |m| Some(Duration::from_millis(m));
        let s = sparkline(&[ms(10), ms(80), None, ms(40)], 10);
        assert_eq!(s.chars().count(), 4);
        assert_eq!(s.chars().nth(1), Some('█'));
        assert_eq!(s.chars().nth(2), Some('×'));
    }
}

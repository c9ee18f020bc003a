//! The HTML export's chart of the incident over time, as inline SVG: one lane a health endpoint (state
//! bands), the log error rate (a bar a minute from the error-rate summaries, a mark a pattern spike),
//! the actions, and the milestones.
//!
//! ```text
//!            detected        mitigated                resolved
//!   payments |■■ up ■■|▨▨▨▨ down ▨▨▨▨|▤ degraded ▤|■■■ up ■■■■|
//!   rate     |      ╷   ╻                                     |
//!   actions  |   ●      ■  ▲     ◆                            |
//!            14:00     14:10     14:20     14:30     14:40
//! ```
//! State is told by colour, by fill pattern and by a text label, never by colour alone; every mark has
//! a `<title>` tooltip.

use std::fmt::Write as _;

use chrono::{DateTime, TimeDelta, Utc};

mod guides;

use guides::{axis, legend, marker};

use super::model::Prepared;
use super::text::{html, utc};
use crate::core::duration::precise as duration;
use crate::core::level::Level;
use crate::core::health::Health;
use crate::timeline::episode::Episode;
use crate::timeline::{Event, EventKind, Record};

const WIDTH: f64 = 960.0;
const LEFT: f64 = 170.0;
const RIGHT: f64 = 20.0;
/// Room above the lanes for milestone labels: three rows, so labels close together never overprint.
const TOP: f64 = 48.0;
/// Height of one row of milestone labels.
const LABEL_ROW: f64 = 11.0;
/// Width of a label character, roughly, at the chart's font size.
const LABEL_CHAR: f64 = 7.0;
const LANE: f64 = 24.0;
const GAP: f64 = 8.0;
const RATE: f64 = 70.0;

/// How a health state is drawn: pattern id and the word shown.
fn state_style(state: &str) -> (&'static str, &'static str) {
    match state.to_ascii_lowercase().as_str() {
        "up" | "ok" | "healthy" => ("hp-up", "up"),
        "degraded" | "slow" => ("hp-degraded", "degraded"),
        "throttled" => ("hp-throttled", "throttled"),
        "down" | "failing" | "error" => ("hp-down", "down"),
        _ => ("hp-unknown", "unknown"),
    }
}

/// Pattern definitions: each state has a colour and a distinct texture.
const DEFS: &str = r##"<defs>
<pattern id="hp-up" width="8" height="8" patternUnits="userSpaceOnUse"><rect width="8" height="8" fill="#2e7d32"/></pattern>
<pattern id="hp-degraded" width="8" height="8" patternUnits="userSpaceOnUse"><rect width="8" height="8" fill="#f9a825"/><path d="M0 8L8 0" stroke="#6d4c00" stroke-width="1.5"/></pattern>
<pattern id="hp-throttled" width="8" height="8" patternUnits="userSpaceOnUse"><rect width="8" height="8" fill="#5e6ad2"/><circle cx="4" cy="4" r="1.5" fill="#1a1f5c"/></pattern>
<pattern id="hp-down" width="8" height="8" patternUnits="userSpaceOnUse"><rect width="8" height="8" fill="#c62828"/><path d="M0 0L8 8M8 0L0 8" stroke="#4a0000" stroke-width="1.2"/></pattern>
<pattern id="hp-unknown" width="8" height="8" patternUnits="userSpaceOnUse"><rect width="8" height="8" fill="#9e9e9e"/><path d="M0 4H8" stroke="#424242" stroke-width="1"/></pattern>
</defs>"##;

/// Maps times to x positions.
struct Scale {
    t0: DateTime<Utc>,
    span_ms: f64,
}

impl Scale {
    fn x(&self, ts: DateTime<Utc>) -> f64 {
        let ms = (ts - self.t0).num_milliseconds() as f64;
        LEFT + (ms / self.span_ms).clamp(0.0, 1.0) * (WIDTH - LEFT - RIGHT)
    }
}

/// The chart, or a sentence saying there is nothing to chart.
pub(crate) fn svg(p: &Prepared<'_>) -> String {
    // From the first record, or the first minute of errors summed when that is earlier (a
    // backlog's hour before the incident opened).
    let first_minute = p.records.iter().filter_map(|r| match &r.event {
        Event::ErrorMinute { minute, .. } => Some(*minute),
        _ => None,
    });
    let (Some(t0), Some(last)) = (
        p.records.iter().map(|r| r.ts).chain(first_minute).min(),
        p.records.iter().map(|r| r.ts).max(),
    ) else {
        return "<p>No events to chart.</p>".into();
    };
    let t1 = if last > t0 {
        last
    } else {
        t0 + TimeDelta::minutes(1)
    };
    let scale = Scale {
        t0,
        span_ms: (t1 - t0).num_milliseconds().max(1) as f64,
    };
    let endpoints = p.health_by_endpoint();
    let episodes = crate::timeline::episode::episodes(
        &p.records,
        crate::timeline::episode::DEFAULT_HOLD,
        t1,
    );
    let mut body = String::new();
    let mut y = TOP;
    for (name, changes) in &endpoints {
        lane_label(&mut body, y, name);
        let own: Vec<&Episode> = episodes.iter().filter(|e| e.endpoint == *name).collect();
        health_lane(&mut body, &scale, y, name, (changes, &own), t1);
        y += LANE + GAP;
    }
    if endpoints.is_empty() {
        lane_label(&mut body, y, "health");
        note(&mut body, y + LANE / 2.0, "No health transitions recorded.");
        y += LANE + GAP;
    }
    lane_label(
        &mut body,
        y + RATE / 2.0 - LANE / 2.0,
        "errors a second",
    );
    rate_lane(&mut body, &scale, y, p);
    y += RATE + GAP;
    lane_label(&mut body, y, "actions");
    actions_lane(&mut body, &scale, y, p);
    y += LANE + GAP;
    let bottom = y;
    milestones(&mut body, &scale, bottom, p);
    axis(&mut body, &scale, bottom, t1);
    let height = bottom + 54.0;
    legend(&mut body, bottom + 40.0);
    let mut out = String::with_capacity(body.len() + 2048);
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 {WIDTH} {height}\" \
         role=\"img\" aria-labelledby=\"chart-title chart-desc\">\
         <title id=\"chart-title\">Incident over time</title>\
         <desc id=\"chart-desc\">Health of each endpoint over time, log error rate, actions and \
         milestones, from {} to {} UTC. The same facts are listed in the tables below.</desc>{DEFS}",
        utc(t0),
        utc(t1)
    );
    out.push_str(&body);
    out.push_str("</svg>");
    out
}

fn lane_label(out: &mut String, y: f64, name: &str) {
    let _ = write!(
        out,
        "<text class=\"lane\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
        LEFT - 8.0,
        y + LANE / 2.0 + 4.0,
        html(name)
    );
}

fn note(out: &mut String, y: f64, text: &str) {
    let _ = write!(
        out,
        "<text class=\"note\" x=\"{:.1}\" y=\"{:.1}\">{}</text>",
        LEFT + 6.0,
        y + 4.0,
        html(text)
    );
}

/// An endpoint's lane: up between its episodes, each episode one band in its worst state (an
/// outage that flapped is one band, as in the health table), unknown before its first record and
/// after it stopped being watched.
fn health_lane(
    out: &mut String,
    scale: &Scale,
    y: f64,
    name: &str,
    (changes, episodes): (&[&Record], &[&Episode]),
    t1: DateTime<Utc>,
) {
    let mut bands: Vec<(DateTime<Utc>, DateTime<Utc>, &str)> = Vec::new();
    let Some(Event::HealthChanged { from, to, since, .. }) = changes.first().map(|r| &r.event)
    else {
        return;
    };
    let first = since.unwrap_or(changes[0].ts);
    if first > scale.t0 {
        bands.push((scale.t0, first, from.label()));
    }
    // Outside an episode an endpoint is as its first record left it (up, or unknown).
    let calm = if episodes.first().is_some_and(|e| e.start == first) {
        Health::Up.label()
    } else {
        to.label()
    };
    let mut cursor = first;
    for e in episodes {
        if e.start > cursor {
            bands.push((cursor, e.start, calm));
        }
        let end = e.end.or(e.watched_until).unwrap_or(t1);
        bands.push((e.start, end, e.worst.label()));
        cursor = end;
        if e.end.is_none() && end < t1 {
            bands.push((end, t1, Health::Unknown.label()));
            cursor = t1;
        }
    }
    if cursor < t1 {
        bands.push((cursor, t1, calm));
    }
    for (start, end, state) in bands {
        let (pattern, word) = state_style(state);
        let x0 = scale.x(start);
        let w = (scale.x(end) - x0).max(1.0);
        let tip = format!(
            "{name}: {state} from {} to {} UTC ({})",
            utc(start),
            utc(end),
            duration(end - start)
        );
        let _ = write!(
            out,
            "<rect class=\"band\" x=\"{x0:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{LANE}\" \
             fill=\"url(#{pattern})\"><title>{}</title></rect>",
            html(&tip)
        );
        // A label only where it fits; the pattern and the tooltip still tell narrow bands apart.
        if w > word.len() as f64 * 7.0 + 10.0 {
            let _ = write!(
                out,
                "<text class=\"band-label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{word}</text>",
                x0 + w / 2.0,
                y + LANE / 2.0 + 4.0
            );
        }
    }
}

fn rate_lane(out: &mut String, scale: &Scale, y: f64, p: &Prepared<'_>) {
    // Each minute's errors a second, summed over the sources, at the minute its lines name.
    let mut minutes: Vec<(DateTime<Utc>, f64, String)> = Vec::new();
    for r in p.error_minutes() {
        let Event::ErrorMinute {
            source,
            minute,
            errors,
            peak_per_s,
            busiest,
            ..
        } = &r.event
        else {
            continue;
        };
        let rate = *errors as f64 / 60.0;
        let busiest = if busiest.is_empty() {
            String::new()
        } else {
            format!(", mostly {busiest}")
        };
        let what = format!("{source} {errors} errors ({rate:.1}/s, {peak_per_s}/s at peak{busiest})");
        match minutes.iter_mut().find(|(at, ..)| at == minute) {
            Some(m) => {
                m.1 += rate;
                m.2.push_str("; ");
                m.2.push_str(&what);
            }
            None => minutes.push((*minute, rate, what)),
        }
    }
    // Pattern spikes, each at the time its lines name, where the record has it.
    let points: Vec<(DateTime<Utc>, f64, &str, &str)> = p.standing()
        .filter_map(|r| match &r.event {
            Event::Pattern {
                template,
                level,
                rate: Some(rate),
                seen_at,
                ..
            } if rate.is_finite() && *rate >= 0.0 => Some((
                seen_at.unwrap_or(r.ts),
                *rate,
                template.as_str(),
                level.map_or("", Level::name),
            )),
            _ => None,
        })
        .collect();
    let base = y + RATE;
    let _ = write!(
        out,
        "<line class=\"baseline\" x1=\"{LEFT}\" y1=\"{base:.1}\" x2=\"{:.1}\" y2=\"{base:.1}\"/>",
        WIDTH - RIGHT
    );
    if points.is_empty() && minutes.is_empty() {
        note(
            out,
            y + RATE / 2.0,
            "No error rate recorded: no minute with errors and no pattern spike in the timeline.",
        );
        return;
    }
    let max = points
        .iter()
        .map(|p| p.1)
        .chain(minutes.iter().map(|m| m.1))
        .fold(0.0_f64, f64::max)
        .max(f64::MIN_POSITIVE);
    let _ = write!(
        out,
        "<text class=\"axis\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{max:.1}/s</text>",
        LEFT - 8.0,
        y + 10.0
    );
    for (at, rate, what) in &minutes {
        let x0 = scale.x(*at);
        let x1 = scale.x(*at + TimeDelta::minutes(1)).max(x0 + 1.5);
        let top = base - rate / max * (RATE - 8.0);
        let tip = format!("{} UTC, the minute: {what}", utc(*at));
        let _ = write!(
            out,
            "<rect class=\"errmin\" x=\"{x0:.1}\" y=\"{top:.1}\" width=\"{:.1}\" height=\"{:.1}\"><title>{}</title></rect>",
            x1 - x0,
            base - top,
            html(&tip)
        );
    }
    for (at, rate, template, level) in points {
        let x = scale.x(at);
        let top = base - rate / max * (RATE - 8.0);
        let level = if level.is_empty() {
            String::new()
        } else {
            format!(" [{level}]")
        };
        let tip = format!("{} UTC: {rate:.1} lines/s{level} {template}", utc(at));
        let _ = write!(
            out,
            "<g class=\"rate\"><title>{}</title><line x1=\"{x:.1}\" y1=\"{base:.1}\" x2=\"{x:.1}\" \
             y2=\"{top:.1}\"/><circle cx=\"{x:.1}\" cy=\"{top:.1}\" r=\"3.5\"/></g>",
            html(&tip)
        );
    }
}

fn is_action(e: &Event) -> bool {
    matches!(
        e,
        Event::IncidentOpened { .. }
            | Event::StepChecked { .. }
            | Event::StepUnchecked { .. }
            | Event::Note { .. }
            | Event::Severity { .. }
            | Event::CommandStarted { .. }
            | Event::CommandFinished { .. }
            | Event::UpdateSent { .. }
            | Event::LinePinned { .. }
    )
}

fn actions_lane(out: &mut String, scale: &Scale, y: f64, p: &Prepared<'_>) {
    let mid = y + LANE / 2.0;
    let mut any = false;
    for r in p.records.iter().filter(|r| is_action(&r.event)) {
        any = true;
        let tip = format!("{} UTC {}: {}", utc(r.ts), r.actor, r.event.summary());
        let _ = write!(
            out,
            "<g class=\"mark k-{}\"><title>{}</title>{}</g>",
            r.event.kind().replace('.', "-"),
            html(&tip),
            marker(EventKind::from(&r.event), scale.x(r.ts), mid)
        );
    }
    if !any {
        note(out, mid, "No actions recorded.");
    }
}

fn milestones(out: &mut String, scale: &Scale, bottom: f64, p: &Prepared<'_>) {
    let mut marks: Vec<(f64, crate::timeline::Milestone, DateTime<Utc>)> = p
        .incident
        .milestones
        .iter()
        .map(|(m, ts)| (scale.x(*ts), *m, *ts))
        .collect();
    marks.sort_by(|a, b| a.0.total_cmp(&b.0));
    // Spans taken on each label row: a label goes on the lowest row where it overlaps none.
    let mut rows: Vec<Vec<(f64, f64)>> = vec![Vec::new(); 3];
    for (x, m, ts) in marks {
        let width = m.name().len() as f64 * LABEL_CHAR;
        // Keep the label inside the chart at either end.
        let (anchor, from) = if x > WIDTH - RIGHT - 40.0 {
            ("end", x - width)
        } else if x < LEFT + 40.0 {
            ("start", x)
        } else {
            ("middle", x - width / 2.0)
        };
        let span = (from - 2.0, from + width + 2.0);
        let row = rows
            .iter()
            .position(|taken| taken.iter().all(|(a, b)| span.1 <= *a || span.0 >= *b))
            .unwrap_or(rows.len() - 1);
        rows[row].push(span);
        let y = TOP - 6.0 - LABEL_ROW * row as f64;
        let tip = format!("{}: {} UTC", m.name(), utc(ts));
        let _ = write!(
            out,
            "<g class=\"milestone\"><title>{}</title><line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" \
             y2=\"{bottom:.1}\"/><text x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"{anchor}\">{}</text></g>",
            html(&tip),
            y + 2.0,
            m.name()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_states_are_drawn_as_unknown_not_as_up() {
        assert_eq!(state_style("Down"), ("hp-down", "down"));
        assert_eq!(state_style("weird"), ("hp-unknown", "unknown"));
    }
}

//! The chart's guides: the time axis, the legend, and the marker shapes they share with the lanes.

use std::fmt::Write as _;

use chrono::{DateTime, TimeDelta, Utc};

use super::{LEFT, RIGHT, Scale, TOP, WIDTH};
use crate::timeline::EventKind;

/// The marker shape of an action, so kinds differ by shape as well as colour.
pub(super) fn marker(kind: EventKind, x: f64, y: f64) -> String {
    match kind {
        EventKind::StepChecked | EventKind::StepUnchecked => {
            format!("<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"5\"/>")
        }
        EventKind::Note => format!(
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"9\" height=\"9\"/>",
            x - 4.5,
            y - 4.5
        ),
        EventKind::CommandStarted | EventKind::CommandFinished => format!(
            "<path d=\"M{x:.1} {:.1}L{:.1} {:.1}L{:.1} {:.1}Z\"/>",
            y - 6.0,
            x + 5.5,
            y + 4.0,
            x - 5.5,
            y + 4.0
        ),
        EventKind::UpdateSent => format!(
            "<path d=\"M{x:.1} {:.1}L{:.1} {y:.1}L{x:.1} {:.1}L{:.1} {y:.1}Z\"/>",
            y - 6.0,
            x + 6.0,
            y + 6.0,
            x - 6.0
        ),
        _ => format!(
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"3\" height=\"14\"/>",
            x - 1.5,
            y - 7.0
        ),
    }
}

/// Tick spacing: the smallest "round" step that gives at most eight ticks.
fn tick_step(span: TimeDelta) -> TimeDelta {
    const STEPS: [i64; 20] = [
        1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400,
        172_800, 604_800,
    ];
    let secs = span.num_seconds().max(1);
    let step = STEPS
        .iter()
        .copied()
        .find(|s| secs / s <= 8)
        .unwrap_or(((secs / 8) / 86400 + 1) * 86400);
    TimeDelta::seconds(step)
}

pub(super) fn axis(out: &mut String, scale: &Scale, bottom: f64, t1: DateTime<Utc>) {
    let step = tick_step(t1 - scale.t0);
    let step_s = step.num_seconds().max(1);
    let first = (scale.t0.timestamp() + step_s - 1).div_euclid(step_s) * step_s;
    let fmt = if step_s < 60 {
        "%H:%M:%S"
    } else if (t1 - scale.t0) >= TimeDelta::days(1) {
        "%m-%d %H:%M"
    } else {
        "%H:%M"
    };
    let _ = write!(
        out,
        "<line class=\"baseline\" x1=\"{LEFT}\" y1=\"{bottom:.1}\" x2=\"{:.1}\" y2=\"{bottom:.1}\"/>",
        WIDTH - RIGHT
    );
    let mut secs = first;
    while let Some(ts) = DateTime::<Utc>::from_timestamp(secs, 0).filter(|ts| *ts <= t1) {
        let x = scale.x(ts);
        let _ = write!(
            out,
            "<line class=\"grid\" x1=\"{x:.1}\" y1=\"{TOP:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\"/>\
             <text class=\"axis\" x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            bottom + 4.0,
            bottom + 18.0,
            ts.format(fmt)
        );
        secs += step_s;
    }
    let _ = write!(
        out,
        "<text class=\"axis\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">UTC</text>",
        LEFT - 22.0,
        bottom + 18.0
    );
}

pub(super) fn legend(out: &mut String, y: f64) {
    let mut x = LEFT;
    for (pattern, word) in [
        ("hp-up", "up"),
        ("hp-degraded", "degraded"),
        ("hp-throttled", "throttled"),
        ("hp-down", "down"),
        ("hp-unknown", "unknown"),
    ] {
        let _ = write!(
            out,
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"22\" height=\"12\" fill=\"url(#{pattern})\"/>\
             <text class=\"legend\" x=\"{:.1}\" y=\"{y:.1}\">{word}</text>",
            y - 10.0,
            x + 27.0
        );
        x += 34.0 + word.len() as f64 * 7.0;
    }
    for (kind, word) in [
        (EventKind::StepChecked, "step"),
        (EventKind::Note, "note"),
        (EventKind::CommandStarted, "command"),
        (EventKind::UpdateSent, "update"),
        (EventKind::Severity, "other"),
    ] {
        let _ = write!(
            out,
            "<g class=\"mark k-{}\">{}</g><text class=\"legend\" x=\"{:.1}\" y=\"{y:.1}\">{word}</text>",
            <&str>::from(kind).replace('.', "-"),
            marker(kind, x + 6.0, y - 4.0),
            x + 15.0
        );
        x += 26.0 + word.len() as f64 * 7.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_few() {
        assert_eq!(tick_step(TimeDelta::minutes(40)), TimeDelta::minutes(5));
        assert_eq!(tick_step(TimeDelta::seconds(30)), TimeDelta::seconds(5));
        assert_eq!(tick_step(TimeDelta::hours(5)), TimeDelta::hours(1));
    }
}

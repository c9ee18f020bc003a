//! Per-pattern rate history in bounded memory, and the pure judgements made from it: the rate
//! now, a sparkline, whether a pattern is new or spiking, and what changed between two ranges.
//!
//! Each pattern keeps two sparse series of time buckets (`crate::core::series`): fine (1 s by default, last 5 minutes) for
//! the live view, and coarse (1 min, last 6 hours) for comparing ranges. Only buckets that saw a
//! line are stored, so a quiet pattern costs a few bytes and a busy one at most the window.

use serde::Serialize;

use super::{Miner, PatternId};
use crate::core::series::Series;

/// Bucket sizes and how many buckets of history each pattern keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateConfig {
    /// Width of a fine bucket, in milliseconds.
    pub bucket_ms: u64,
    /// How many fine buckets are kept.
    pub fine_buckets: u64,
    /// Width of a coarse bucket, in milliseconds.
    pub coarse_bucket_ms: u64,
    /// How many coarse buckets are kept.
    pub coarse_buckets: u64,
}

impl Default for RateConfig {
    fn default() -> Self {
        Self {
            bucket_ms: 1_000,
            fine_buckets: 300,
            coarse_bucket_ms: 60_000,
            coarse_buckets: 360,
        }
    }
}

/// Counting and coverage over the one bucket series.
trait Spread {
    /// Count in `[from_ms, to_ms)`, spreading each bucket evenly over its width.
    fn count(&self, width: u64, from_ms: u64, to_ms: u64) -> f64;
    /// The earliest time from which this series holds every line it was given.
    fn horizon(&self, width: u64, keep: u64) -> u64;
}

impl Spread for Series {
    fn count(&self, width: u64, from_ms: u64, to_ms: u64) -> f64 {
        let mut total = 0.0;
        for (b, c) in self.buckets() {
            let (s, e) = (b * width, (b + 1) * width);
            let overlap = e.min(to_ms).saturating_sub(s.max(from_ms));
            if overlap > 0 {
                total += f64::from(c) * overlap as f64 / width as f64;
            }
        }
        total
    }

    fn horizon(&self, width: u64, keep: u64) -> u64 {
        self.newest()
            .map_or(0, |b| (b + 1).saturating_sub(keep) * width)
    }
}

/// Line counts of one pattern over time.
#[derive(Clone, Debug)]
pub struct RateHistory {
    config: RateConfig,
    fine: Series,
    coarse: Series,
}

impl RateHistory {
    pub(crate) fn new(config: RateConfig) -> Self {
        Self {
            config,
            fine: Series::default(),
            coarse: Series::default(),
        }
    }

    pub(crate) fn record(&mut self, now_ms: u64) {
        let c = &self.config;
        self.fine
            .record(now_ms / c.bucket_ms.max(1), c.fine_buckets.max(1));
        self.coarse
            .record(now_ms / c.coarse_bucket_ms.max(1), c.coarse_buckets.max(1));
    }

    /// Adds the history of a pattern merged into this one.
    pub(crate) fn absorb(&mut self, other: &RateHistory) {
        let c = &self.config;
        self.fine.absorb(&other.fine, c.fine_buckets.max(1));
        self.coarse.absorb(&other.coarse, c.coarse_buckets.max(1));
    }

    /// Estimated number of lines in `[from_ms, to_ms)`, from the finest history that covers it.
    /// Time older than the coarse history counts as zero.
    pub fn count_between(&self, from_ms: u64, to_ms: u64) -> f64 {
        if to_ms <= from_ms {
            return 0.0;
        }
        let c = &self.config;
        let (fw, cw) = (c.bucket_ms.max(1), c.coarse_bucket_ms.max(1));
        let split = self
            .fine
            .horizon(fw, c.fine_buckets.max(1))
            .clamp(from_ms, to_ms);
        self.fine.count(fw, split, to_ms) + self.coarse.count(cw, from_ms, split)
    }

    /// Counts of the last `n` fine buckets, oldest first; the last one holds `now_ms`.
    pub fn sparkline(&self, now_ms: u64, n: usize) -> Vec<u32> {
        self.fine.last(now_ms / self.config.bucket_ms.max(1), n)
    }
}

/// Thresholds for flagging new and spiking patterns.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TrendConfig {
    /// A pattern first seen after this time (ms) is new; set it to the end of the baseline.
    pub new_after_ms: u64,
    /// The span (ms) that "now" covers.
    pub recent_ms: u64,
    /// The span (ms) before "now" that a pattern's own baseline rate is taken over.
    pub baseline_ms: u64,
    /// A spike is a recent rate at least this many times the baseline rate.
    pub spike_ratio: f64,
    /// ... and at least this many lines in the recent span.
    pub min_spike_lines: f64,
    /// ... and at least this long (ms) of the pattern's own baseline: from its first line, or
    /// `baseline_ms` before the recent span if that is later.
    pub min_baseline_ms: u64,
}

impl Default for TrendConfig {
    fn default() -> Self {
        Self {
            new_after_ms: 0,
            recent_ms: 10_000,
            baseline_ms: 300_000,
            spike_ratio: 5.0,
            min_spike_lines: 5.0,
            min_baseline_ms: 30_000,
        }
    }
}

/// What the live view says about one pattern at one moment.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Trend {
    /// First seen after the baseline.
    pub new: bool,
    /// Recent rate divided by baseline rate, when that is a spike.
    pub spike: Option<f64>,
    /// Lines per second over the recent span.
    pub rate_now: f64,
    /// Lines per second over the baseline span.
    pub baseline_rate: f64,
}

/// Judges one pattern at `now_ms`.
pub fn trend(pattern: &super::Pattern, now_ms: u64, cfg: &TrendConfig) -> Trend {
    let h = pattern.history();
    let recent_from = now_ms.saturating_sub(cfg.recent_ms);
    let recent = h.count_between(recent_from, now_ms);
    // A pattern's baseline starts no earlier than its first line: before it, its source may not
    // have been read at all (a log begun as sitrep opened, beside one read back ten minutes), and
    // that says nothing of its rate.
    let baseline_from = recent_from
        .saturating_sub(cfg.baseline_ms)
        .max(pattern.first_seen().ms);
    let baseline_span = recent_from.saturating_sub(baseline_from);
    let baseline = h.count_between(baseline_from, recent_from);
    let rate_now = per_sec(recent, cfg.recent_ms);
    let baseline_rate = per_sec(baseline, baseline_span);
    // A pattern silent over its baseline still needs a floor, or one line would be a spike.
    let floor = per_sec(1.0, baseline_span.max(1));
    let ratio = rate_now / baseline_rate.max(floor);
    let new = pattern.first_seen().ms > cfg.new_after_ms;
    let spike = (!new
        && baseline_span >= cfg.min_baseline_ms
        && recent >= cfg.min_spike_lines
        && ratio >= cfg.spike_ratio)
        .then_some(ratio);
    Trend {
        new,
        spike,
        rate_now,
        baseline_rate,
    }
}

fn per_sec(count: f64, span_ms: u64) -> f64 {
    if span_ms == 0 {
        0.0
    } else {
        count * 1000.0 / span_ms as f64
    }
}

/// A span of time, `[from_ms, to_ms)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct TimeRange {
    /// Start, inclusive, in ms.
    pub from_ms: u64,
    /// End, exclusive, in ms.
    pub to_ms: u64,
}

impl TimeRange {
    fn secs(&self) -> f64 {
        self.to_ms.saturating_sub(self.from_ms) as f64 / 1000.0
    }
}

/// How a pattern differs between a good and a bad range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Change {
    /// Absent in the good range, present in the bad one.
    Appeared,
    /// Clearly more frequent in the bad range.
    Increased,
    /// Present in the good range, absent in the bad one.
    Vanished,
    /// Clearly less frequent in the bad range.
    Decreased,
}

/// One pattern that changed between two ranges.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RangeDiff {
    /// The pattern.
    pub id: PatternId,
    /// Its template now.
    pub template: String,
    /// What changed.
    pub change: Change,
    /// Lines in the good range (estimated from buckets).
    pub good_count: f64,
    /// Lines in the bad range.
    pub bad_count: f64,
    /// Lines per second in the good range.
    pub good_rate: f64,
    /// Lines per second in the bad range.
    pub bad_rate: f64,
}

/// Thresholds for [`compare`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CompareConfig {
    /// A rate change counts when one rate is at least this many times the other.
    pub ratio: f64,
    /// ... and the busier range holds at least this many lines.
    pub min_lines: f64,
}

impl Default for CompareConfig {
    fn default() -> Self {
        Self {
            ratio: 2.0,
            min_lines: 5.0,
        }
    }
}

/// Patterns that appear, vanish or change rate between `good` and `bad`, most telling first.
/// Rates are per second so ranges of different lengths compare fairly. A count under half a
/// line (bucket spreading) counts as absent.
pub fn compare(
    miner: &Miner,
    good: TimeRange,
    bad: TimeRange,
    cfg: &CompareConfig,
) -> Vec<RangeDiff> {
    let mut out = Vec::new();
    for p in miner.patterns() {
        let h = p.history();
        let g = h.count_between(good.from_ms, good.to_ms);
        let b = h.count_between(bad.from_ms, bad.to_ms);
        let (gr, br) = (g / good.secs().max(1e-3), b / bad.secs().max(1e-3));
        let change = match (g >= 0.5, b >= 0.5) {
            (false, true) => Change::Appeared,
            (true, false) => Change::Vanished,
            (true, true) if g.max(b) >= cfg.min_lines && br >= gr * cfg.ratio => Change::Increased,
            (true, true) if g.max(b) >= cfg.min_lines && gr >= br * cfg.ratio => Change::Decreased,
            _ => continue,
        };
        out.push(RangeDiff {
            id: p.id(),
            template: p.template().to_owned(),
            change,
            good_count: g,
            bad_count: b,
            good_rate: gr,
            bad_rate: br,
        });
    }
    out.sort_by(|x, y| {
        let weight = |d: &RangeDiff| (d.bad_count - d.good_count).abs();
        x.change
            .cmp(&y.change)
            .then_with(|| weight(y).total_cmp(&weight(x)))
            .then_with(|| x.id.cmp(&y.id))
    });
    out
}

//! Log patterns in the cockpit: every followed line is mined as it arrives; on each tick the patterns
//! are judged (new since the baseline? spiking over their own baseline?) into a sorted list for the
//! panel, and the first sighting of a new error pattern, and each spike, is recorded once.

use std::collections::{HashMap, HashSet, VecDeque};

use crate::core::level::Level;
use crate::patterns::{
    Change, CompareConfig, EventPart, Miner, PatternId, RangeDiff, TimeRange, TrendConfig, compare,
    trend,
};
use crate::timeline::{Event, PatternChange, Record};

/// One row of the patterns view.
#[derive(Debug, Clone, PartialEq)]
pub struct PatternRow {
    /// The pattern.
    pub id: PatternId,
    /// Its template now.
    pub template: String,
    /// Lines so far.
    pub count: u64,
    /// Lines a second over the recent span.
    pub rate: f64,
    /// First seen after the baseline.
    pub new: bool,
    /// Recent rate over its own baseline, when spiking.
    pub spike: Option<f64>,
    /// The level its lines show.
    pub level: Option<Level>,
    /// First and last seen (ms since the epoch).
    pub first_ms: u64,
    /// Last seen (ms since the epoch).
    pub last_ms: u64,
    /// Lines per second-bucket, oldest first, for a sparkline.
    pub spark: Vec<u32>,
    /// Top values behind each `<*>`, as text.
    pub values: Vec<String>,
}

/// Which patterns view the logs panel shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatternsMode {
    /// Raw lines.
    Off,
    /// The pattern list.
    List,
    /// Patterns that appeared, vanished or changed rate between a good and a bad range.
    Compare,
}

/// The cockpit's pattern state.
pub struct PatternState {
    /// The miner.
    pub miner: Miner,
    /// Pattern of each buffered line, and how it stands in its event, by line number from `first`.
    lines: VecDeque<(PatternId, EventPart)>,
    first: u64,
    /// Judgement settings; `new_after_ms` is the end of the baseline.
    pub trend: TrendConfig,
    /// The view.
    pub mode: PatternsMode,
    /// Selected row.
    pub selected: usize,
    /// Rows, most telling first (refreshed on ticks).
    pub rows: Vec<PatternRow>,
    /// The last comparison.
    pub diffs: Vec<RangeDiff>,
    /// The ranges compared, for the title.
    pub ranges: Option<(TimeRange, TimeRange)>,
    /// Why those ranges, for the view.
    pub why: Option<String>,
    announced: HashSet<(PatternId, bool)>,
    /// Templates the timeline already holds as new patterns (this session's or an earlier one's),
    /// with the record's seq and summary.
    recorded_new: HashMap<String, (u64, String)>,
    /// The template each pattern was announced new under.
    announced_as: HashMap<PatternId, String>,
    /// New patterns that merged into an older one, whose record is not back yet: (template, reason,
    /// ticks waited).
    to_retract: Vec<(String, String, u32)>,
    /// Pattern events recorded in the current minute: log content must not flood the timeline.
    budget: (u64, usize),
}

/// At most this many pattern events a minute go to the timeline; the rest wait for the next minute.
const EVENTS_PER_MINUTE: usize = 10;
/// Judgements a retraction waits for its record to come back before it is given up.
const RETRACT_WAIT_TICKS: u32 = 600;

impl std::fmt::Debug for PatternState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PatternState")
            .field("patterns", &self.miner.len())
            .field("mode", &self.mode)
            .field("selected", &self.selected)
            .finish_non_exhaustive()
    }
}

impl PatternState {
    /// A fresh state whose baseline ends at `baseline_end_ms`.
    pub fn new(baseline_end_ms: u64) -> PatternState {
        PatternState {
            miner: Miner::default(),
            lines: VecDeque::new(),
            first: 0,
            trend: TrendConfig {
                new_after_ms: baseline_end_ms,
                ..TrendConfig::default()
            },
            mode: PatternsMode::Off,
            selected: 0,
            rows: Vec::new(),
            diffs: Vec::new(),
            ranges: None,
            why: None,
            announced: HashSet::new(),
            recorded_new: HashMap::new(),
            announced_as: HashMap::new(),
            to_retract: Vec::new(),
            budget: (0, 0),
        }
    }

    /// Takes note of a timeline record: a new pattern already recorded is not announced again.
    pub fn recorded(&mut self, record: &Record) {
        // A shared incident's event not numbered yet cannot be retracted: wait for its seq.
        if record.seq == 0 {
            return;
        }
        if let Event::Pattern {
            change: PatternChange::New,
            template,
            ..
        } = &record.event
        {
            self.recorded_new
                .insert(template.clone(), (record.seq, record.event.summary()));
        }
    }

    /// Corrections for patterns announced new that turned out to be an older pattern with another
    /// value where a word was: the record of the false alarm is retracted by the tool.
    fn retract_merged(&mut self) -> Vec<Event> {
        for m in self.miner.take_merges() {
            if let Some(template) = self.announced_as.remove(&m.from) {
                let reason = format!(
                    "not a new pattern: merged into the older pattern #{} `{}` (what told them apart is a value)",
                    m.into, m.template
                );
                self.to_retract.push((template, reason, 0));
            }
        }
        let mut events = Vec::new();
        self.to_retract.retain_mut(|(template, reason, waited)| {
            if let Some((seq, was)) = self.recorded_new.get(template) {
                events.push(Event::Correction {
                    retracts: *seq,
                    was: was.clone(),
                    reason: std::mem::take(reason),
                });
                return false;
            }
            // The record may still be on its way to the file; a request that failed never comes.
            *waited += 1;
            *waited < RETRACT_WAIT_TICKS
        });
        events
    }

    /// Mines a line of source `source` that became line `number` of the buffer.
    pub fn observe(&mut self, number: u64, source: usize, text: &str, ms: u64) {
        let id = self.miner.observe_in(source as u64, text, ms);
        if self.lines.is_empty() {
            self.first = number;
        }
        self.lines.push_back((id, self.miner.last_part()));
    }

    /// Mines what the miner holds for a line that may finish it (an error's exception), on the
    /// clock's tick: whether there was any (lines whose pattern was not known have one now).
    pub fn settle(&mut self) -> bool {
        self.miner.settle_held()
    }

    /// Forgets the patterns of lines the buffer evicted.
    pub fn evicted_before(&mut self, first_kept: u64) {
        while self.first < first_kept && self.lines.pop_front().is_some() {
            self.first += 1;
        }
    }

    /// The pattern of a buffered line (the one it was merged into, if it was).
    pub fn of(&self, number: u64) -> Option<PatternId> {
        let i = number.checked_sub(self.first)?;
        let (id, _) = self.lines.get(usize::try_from(i).ok()?).copied()?;
        Some(self.miner.resolve(id))
    }

    /// How a buffered line stands in its event (a line not mined begins one).
    pub fn part(&self, number: u64) -> EventPart {
        number
            .checked_sub(self.first)
            .and_then(|i| self.lines.get(usize::try_from(i).ok()?))
            .map_or(EventPart::Begins, |&(_, part)| part)
    }

    /// Re-judges every pattern at `now_ms`; returns the events the tool should record.
    ///
    /// A pattern's own baseline is what was seen of it before the recent span, but never before
    /// `since_ms` (when sitrep started watching): before then nothing was seen, which says nothing.
    /// Until there are 30 s of baseline, nothing counts as a spike.
    pub fn refresh(&mut self, now_ms: u64, since_ms: u64) -> Vec<Event> {
        self.judge(now_ms, since_ms, true)
    }

    /// Like `refresh`, but only judges what to record, without building the rows (the view is
    /// closed: no need to pay for sparklines and sorting every tick).
    pub fn announce(&mut self, now_ms: u64, since_ms: u64) -> Vec<Event> {
        self.judge(now_ms, since_ms, false)
    }

    fn judge(&mut self, now_ms: u64, since_ms: u64, build_rows: bool) -> Vec<Event> {
        let minute = now_ms / 60_000;
        if self.budget.0 != minute {
            self.budget = (minute, 0);
        }
        // A line held for what finishes it (an error's exception) has had what came with it.
        self.miner.settle_held();
        // Merges first: the prune below keeps live ids only, and a merged id is no longer live.
        let mut events = self.retract_merged();
        if self.announced.len() > 4 * self.miner.config().max_patterns {
            let live: HashSet<PatternId> = self.miner.patterns().map(|p| p.id()).collect();
            self.announced.retain(|(id, _)| live.contains(id));
            self.announced_as.retain(|id, _| live.contains(id));
        }
        let mut rows = Vec::with_capacity(self.miner.len());
        let mut cfg = self.trend;
        let watched = now_ms
            .saturating_sub(since_ms)
            .saturating_sub(cfg.recent_ms);
        cfg.baseline_ms = cfg.baseline_ms.min(watched).max(1);
        if watched < 30_000 {
            cfg.spike_ratio = f64::INFINITY;
        }
        for p in self.miner.patterns() {
            let t = trend(p, now_ms, &cfg);
            let level = p.level();
            let is_error = level.is_some_and(Level::is_error);
            let room = self.budget.1 + events.len() < EVENTS_PER_MINUTE;
            if room
                && t.new
                && is_error
                && !self.recorded_new.contains_key(p.template())
                && self.announced.insert((p.id(), true))
            {
                self.announced_as.insert(p.id(), p.template().to_string());
                events.push(Event::Pattern {
                    change: PatternChange::New,
                    template: p.template().to_string(),
                    level: Some(Level::Error),
                    rate: None,
                    seen_at: crate::core::clock::from_epoch_ms(p.first_seen().ms),
                    observer: String::new(),
                });
            }
            let room = self.budget.1 + events.len() < EVENTS_PER_MINUTE;
            if let Some(ratio) = t.spike
                && room
                && self.announced.insert((p.id(), false))
            {
                events.push(Event::Pattern {
                    change: PatternChange::Spike,
                    template: p.template().to_string(),
                    level,
                    rate: Some((t.rate_now * 10.0).round() / 10.0),
                    seen_at: crate::core::clock::from_epoch_ms(p.last_seen().ms),
                    observer: String::new(),
                });
                let _ = ratio;
            }
            if !build_rows {
                continue;
            }
            let values = p
                .variables()
                .iter()
                .map(|v| {
                    let top: Vec<String> = v
                        .values
                        .iter()
                        .map(|vc| format!("{} ×{}", vc.value, vc.count))
                        .collect();
                    format!(
                        "<*>{}: {}{}",
                        v.index,
                        top.join(", "),
                        if v.more { ", …" } else { "" }
                    )
                })
                .collect();
            rows.push(PatternRow {
                id: p.id(),
                template: p.template().to_string(),
                count: p.count(),
                rate: t.rate_now,
                new: t.new,
                spike: t.spike,
                level,
                first_ms: p.first_seen().ms,
                last_ms: p.last_seen().ms,
                spark: p.history().sparkline(now_ms, 30),
                values,
            });
        }
        self.budget.1 += events.len();
        if !build_rows {
            return events;
        }
        // New and spiking first, then the busiest now, then the most frequent.
        rows.sort_by(|a, b| {
            let rank = |r: &PatternRow| (r.spike.is_some() || r.new) as u8;
            rank(b)
                .cmp(&rank(a))
                .then(b.rate.total_cmp(&a.rate))
                .then(b.count.cmp(&a.count))
        });
        self.rows = rows;
        self.selected = self.selected.min(self.rows.len().saturating_sub(1));
        events
    }

    /// Compares a good and a bad range.
    pub fn compare(&mut self, good: TimeRange, bad: TimeRange) {
        self.diffs = compare(&self.miner, good, bad, &CompareConfig::default());
        self.ranges = Some((good, bad));
    }

    /// The selected row of the list.
    pub fn selected_row(&self) -> Option<&PatternRow> {
        self.rows.get(self.selected)
    }
}

/// A short label for a change between ranges.
pub fn change_label(c: Change) -> &'static str {
    match c {
        Change::Appeared => "+ appeared",
        Change::Increased => "↑ increased",
        Change::Vanished => "- vanished",
        Change::Decreased => "↓ decreased",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_error_pattern_is_announced_once_and_a_baseline_one_never() {
        let mut s = PatternState::new(10_000);
        for i in 0..5 {
            s.observe(i, 0, &format!("INFO request {i} ok"), 1_000 + i);
        }
        for i in 5..10 {
            s.observe(
                i,
                0,
                &format!("ERROR provider timeout after {i}ms"),
                20_000 + i,
            );
        }
        let events = s.refresh(21_000, 0);
        assert_eq!(events.len(), 1, "{events:?}");
        assert!(
            matches!(&events[0], Event::Pattern { change, template, .. } if *change == PatternChange::New && template.contains("provider timeout"))
        );
        assert!(s.refresh(22_000, 0).is_empty(), "announced once");
        assert!(s.rows[0].new, "new patterns sort first");
    }

    #[test]
    fn nothing_spikes_before_there_is_a_baseline_and_a_real_surge_does_after() {
        let mut s = PatternState::new(5_000);
        let mut n = 0;
        let mut line = |s: &mut PatternState, ms: u64| {
            s.observe(n, 0, "WARN retrying provider call attempt 2", ms);
            n += 1;
        };
        // At start: a burst, but sitrep has only just begun watching.
        for i in 0..20 {
            line(&mut s, 1_000 + i * 100);
        }
        assert!(s.refresh(5_000, 0).iter().all(
            |e| !matches!(e, Event::Pattern { change, .. } if *change == PatternChange::Spike)
        ));
        // A quiet minute: one line every 10 s.
        for i in 0..6 {
            line(&mut s, 10_000 + i * 10_000);
        }
        // Then a surge.
        for i in 0..50 {
            line(&mut s, 75_000 + i * 100);
        }
        let events = s.refresh(80_000, 0);
        assert!(
            events.iter().any(
                |e| matches!(e, Event::Pattern { change, .. } if *change == PatternChange::Spike)
            ),
            "{events:?}"
        );
    }

    #[test]
    fn a_flood_of_new_error_patterns_is_recorded_at_a_bounded_rate() {
        let mut s = PatternState::new(0);
        for i in 0..100u64 {
            let word: String = (0..6)
                .map(|k| (b'a' + ((i * 7 + k * 3) % 26) as u8) as char)
                .collect();
            s.observe(
                i,
                0,
                &format!("ERROR unknown tenant {word} rejected by gateway {word}"),
                1_000 + i,
            );
        }
        let first = s.refresh(2_000, 0);
        assert_eq!(first.len(), EVENTS_PER_MINUTE);
        assert!(
            s.refresh(3_000, 0).is_empty(),
            "the minute's budget is spent"
        );
        assert_eq!(
            s.refresh(61_000, 0).len(),
            EVENTS_PER_MINUTE,
            "the next minute records more"
        );
    }

    #[test]
    fn line_numbers_map_to_patterns_and_evicted_lines_are_forgotten() {
        let mut s = PatternState::new(0);
        s.observe(7, 0, "user 1 logged in", 1);
        s.observe(8, 0, "disk full on /var", 2);
        s.observe(9, 0, "user 2 logged in", 3);
        assert_eq!(s.of(7), s.of(9));
        assert_ne!(s.of(7), s.of(8));
        s.evicted_before(9);
        assert_eq!(s.of(7), None);
        assert!(s.of(9).is_some());
    }

    fn record(seq: u64, event: Event) -> Record {
        Record {
            seq,
            ts: crate::core::clock::from_epoch_ms(30_000).unwrap_or_default(),
            actor: crate::timeline::TOOL_ACTOR.to_string(),
            id: None,
            written: None,
            event,
            prev: String::new(),
            hash: String::new(),
        }
    }

    #[test]
    fn a_new_pattern_that_merges_into_an_older_one_is_retracted_by_the_tool() {
        let mut s = PatternState::new(10_000);
        let users = ["root", "admin", "test", "guest", "oracle"];
        for i in 0..20 {
            s.observe(i, 0, &format!("INFO account root locked after failed logins at 10.0.0.{i} port 22"), 1_000 + i);
        }
        // After the baseline an error with another account name: it looks new.
        s.observe(20, 0, "ERROR account admin locked after failed logins at 10.0.0.9 port 22", 20_000);
        let events = s.refresh(21_000, 0);
        assert_eq!(events.len(), 1, "{events:?}");
        s.recorded(&record(7, events[0].clone()));
        // More account names: the name is a value and both lines are one older pattern.
        for (i, user) in users.iter().enumerate().skip(2) {
            s.observe(21 + i as u64, 0, &format!("ERROR account {user} locked after failed logins at 10.0.0.9 port 22"), 22_000);
        }
        let events = s.refresh(23_000, 0);
        assert_eq!(s.of(20), s.of(0), "the line now belongs to the older pattern");
        let corrections: Vec<_> = events
            .iter()
            .filter_map(|e| match e {
                Event::Correction { retracts, reason, .. } => Some((*retracts, reason.clone())),
                _ => None,
            })
            .collect();
        assert_eq!(corrections.len(), 1, "{events:?}");
        assert_eq!(corrections[0].0, 7);
        assert!(corrections[0].1.contains("account <*> locked"), "{}", corrections[0].1);
        assert!(
            !events.iter().any(|e| matches!(e, Event::Pattern { change: PatternChange::New, .. })),
            "the merged pattern is not announced new again: {events:?}"
        );
        assert!(s.refresh(24_000, 0).is_empty(), "retracted once");
    }

    #[test]
    fn a_new_exception_under_a_known_error_is_announced_with_what_failed() {
        let mut s = PatternState::new(10_000);
        let mut n = 0;
        let lines = |s: &mut PatternState, n: &mut u64, ms: u64, texts: &[String]| {
            for text in texts {
                s.observe(*n, 0, text, ms);
                *n += 1;
            }
        };
        let record = |order: u64, exception: &str| {
            vec![
                format!("2026-12-07 10:00:00 ERROR Charge failed for order {order}"),
                exception.to_string(),
                "\tat com.acme.Pay.charge(Pay.java:10)".to_string(),
            ]
        };
        for i in 0..5 {
            lines(&mut s, &mut n, 1_000 + i, &record(i, "java.net.ConnectException: Connection refused"));
        }
        assert!(s.refresh(2_000, 0).is_empty(), "the baseline's errors are not new");
        lines(&mut s, &mut n, 20_000, &record(9, "java.net.SocketTimeoutException: Read timed out"));
        let events = s.refresh(20_500, 0);
        let new: Vec<&String> = events
            .iter()
            .filter_map(|e| match e {
                Event::Pattern { change: PatternChange::New, template, .. } => Some(template),
                _ => None,
            })
            .collect();
        assert_eq!(new, ["Charge failed for order <*> java.net.SocketTimeoutException: Read timed out"], "{events:?}");
        assert_eq!(s.of(n - 1), s.of(n - 3), "the frame is the record's");
        // An error line last in what was read waits for what may come under it only until the
        // clock ticks: it is announced then, not when another line comes.
        lines(&mut s, &mut n, 21_000, &["2026-12-07 10:00:21 ERROR Webhook rejected by provider".to_string()]);
        let events = s.refresh(21_500, 0);
        assert!(
            events.iter().any(|e| matches!(e, Event::Pattern { change: PatternChange::New, template, .. } if template == "Webhook rejected by provider")),
            "{events:?}"
        );
        assert!(s.of(n - 1).and_then(|id| s.miner.template(id)).is_some());
    }
}

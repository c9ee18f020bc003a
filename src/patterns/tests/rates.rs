//! Rate history, sparklines, new and spiking patterns, comparing two ranges.

use crate::patterns::*;

fn rate_miner() -> Miner {
    Miner::new(MinerConfig {
        rate: RateConfig {
            bucket_ms: 1_000,
            fine_buckets: 10,
            coarse_bucket_ms: 10_000,
            coarse_buckets: 5,
        },
        ..MinerConfig::default()
    })
}

#[test]
fn the_sparkline_shows_lines_per_bucket_ending_now() {
    let mut miner = Miner::default();
    let id = miner.observe_at("tick 1", 0);
    for (i, t) in [500, 1_500, 2_500].into_iter().enumerate() {
        miner.observe_at(&format!("tick {i}"), t);
    }
    let h = miner.get(id).expect("pattern kept").history();
    assert_eq!(h.sparkline(2_500, 4), [0, 2, 1, 1]);
    assert_eq!(h.sparkline(4_000, 3), [1, 0, 0]);
    assert!((h.count_between(0, 3_000) - 4.0).abs() < 1e-9);
}

#[test]
fn rate_history_forgets_what_is_older_than_its_window() {
    let mut miner = rate_miner();
    let mut id = PatternId(0);
    for s in 0..=200u64 {
        id = miner.observe_at(&format!("tick {s}"), s * 1_000);
    }
    let h = miner.get(id).expect("pattern kept").history();
    assert_eq!(h.count_between(0, 140_000), 0.0);
    assert!((h.count_between(190_000, 201_000) - 11.0).abs() < 1e-9);
    // Older than the fine window: from the coarse buckets.
    assert!((h.count_between(160_000, 190_000) - 30.0).abs() < 1e-9);
}

#[test]
fn a_late_line_counts_in_its_own_bucket() {
    let mut miner = Miner::default();
    let id = miner.observe_at("tick 1", 5_000);
    miner.observe_at("tick 2", 1_000);
    let h = miner.get(id).expect("pattern kept").history();
    assert_eq!(h.sparkline(5_000, 5), [1, 0, 0, 0, 1]);
    assert!((h.count_between(1_000, 2_000) - 1.0).abs() < 1e-9);
}

#[test]
fn a_spike_is_a_recent_rate_far_above_the_patterns_own_baseline() {
    let mut miner = Miner::default();
    let mut spiky = PatternId(0);
    let mut steady = PatternId(0);
    for s in 0..300u64 {
        steady = miner.observe_at(&format!("heartbeat {s}"), s * 1_000);
        if s % 10 == 0 {
            spiky = miner.observe_at(&format!("timeout talking to db {s}"), s * 1_000);
        }
    }
    for i in 0..50u64 {
        miner.observe_at(&format!("timeout talking to db {i}"), 300_000 + i * 200);
        if i % 5 == 0 {
            miner.observe_at(&format!("heartbeat {i}"), 300_000 + i * 200);
        }
    }
    let now = 310_000;
    let cfg = TrendConfig {
        new_after_ms: 30_000,
        ..TrendConfig::default()
    };
    let spike = trend(miner.get(spiky).expect("kept"), now, &cfg);
    assert!(spike.spike.is_some_and(|r| r >= 5.0), "{spike:?}");
    assert!(!spike.new);
    let calm = trend(miner.get(steady).expect("kept"), now, &cfg);
    assert_eq!(calm.spike, None, "{calm:?}");
}

#[test]
fn steady_lines_of_a_log_begun_lately_are_no_spike_beside_a_log_read_back_far() {
    // One log read back ten minutes, another begun as sitrep opened at 600 s, steady at 2 lines
    // a second: the minutes before its first line say nothing of its rate.
    let mut miner = Miner::default();
    miner.observe_in(1, "2026-12-07 09:00:00 INFO cache warmed", 0);
    let mut steady = None;
    for i in 0..200u64 {
        let at = 598_000 + i * 500;
        steady = Some(miner.observe_in(2, &format!("INFO request status=200 seq={i}"), at));
    }
    let steady = miner.get(steady.expect("mined")).expect("kept");
    let cfg = TrendConfig {
        new_after_ms: 600_000,
        ..TrendConfig::default()
    };
    for now in [604_000, 620_000, 650_000, 697_000] {
        let t = trend(steady, now, &cfg);
        assert_eq!(t.spike, None, "at {now}: {t:?}");
    }
    // Ten times its own rate, once it has a baseline of its own, is a spike.
    let mut miner = Miner::default();
    let mut id = None;
    for i in 0..60u64 {
        id = Some(miner.observe_in(2, &format!("INFO request status=200 seq={i}"), 598_000 + i * 1_000));
    }
    for i in 0..100u64 {
        miner.observe_in(2, &format!("INFO request status=200 seq={i}"), 658_000 + i * 100);
    }
    let t = trend(miner.get(id.expect("mined")).expect("kept"), 668_000, &cfg);
    assert!(t.spike.is_some(), "{t:?}");
}

#[test]
fn a_pattern_first_seen_after_the_baseline_is_new() {
    let mut miner = Miner::default();
    let old = miner.observe_at("service started", 1_000);
    let new = miner.observe_at("connection refused by 10.0.0.1", 60_000);
    let cfg = TrendConfig {
        new_after_ms: 30_000,
        ..TrendConfig::default()
    };
    assert!(!trend(miner.get(old).expect("kept"), 61_000, &cfg).new);
    let t = trend(miner.get(new).expect("kept"), 61_000, &cfg);
    assert!(t.new);
    assert_eq!(t.spike, None, "a new pattern is new, not a spike");
}

#[test]
fn compare_finds_patterns_that_appear_vanish_or_change_rate() {
    let mut miner = Miner::default();
    let mut ids = std::collections::HashMap::new();
    let mut emit = |miner: &mut Miner, name: &str, from_s: u64, n: u64| {
        for i in 0..n {
            let id = miner.observe_at(&format!("{name} {i}"), from_s * 1_000 + i * 60_000 / n);
            ids.insert(name.to_owned(), id);
        }
    };
    emit(&mut miner, "steady request", 0, 60);
    emit(&mut miner, "cache warmed", 0, 10);
    emit(&mut miner, "retrying upstream", 0, 30);
    emit(&mut miner, "steady request", 60, 60);
    emit(&mut miner, "retrying upstream", 60, 300);
    emit(&mut miner, "payment declined", 60, 20);
    let good = TimeRange {
        from_ms: 0,
        to_ms: 60_000,
    };
    let bad = TimeRange {
        from_ms: 60_000,
        to_ms: 120_000,
    };
    let diffs = compare(&miner, good, bad, &CompareConfig::default());
    let got: Vec<(Change, PatternId)> = diffs.iter().map(|d| (d.change, d.id)).collect();
    assert_eq!(
        got,
        [
            (Change::Appeared, ids["payment declined"]),
            (Change::Increased, ids["retrying upstream"]),
            (Change::Vanished, ids["cache warmed"]),
        ]
    );
    assert!((diffs[1].good_count - 30.0).abs() < 1e-9 && (diffs[1].bad_count - 300.0).abs() < 1e-9);
}

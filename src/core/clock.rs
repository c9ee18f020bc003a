//! The millisecond clock the live parts count in (rates, baselines, buckets).

use chrono::{DateTime, TimeZone, Utc};

/// Milliseconds since the epoch; times before it (never seen in practice) count as 0.
pub fn epoch_ms(t: DateTime<Utc>) -> u64 {
    u64::try_from(t.timestamp_millis()).unwrap_or(0)
}

/// The time at `ms` milliseconds since the epoch, if it is one chrono can hold.
pub fn from_epoch_ms(ms: u64) -> Option<DateTime<Utc>> {
    Utc.timestamp_millis_opt(i64::try_from(ms).ok()?).single()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn milliseconds_round_trip_and_the_time_before_the_epoch_is_zero() {
        let t = Utc.with_ymd_and_hms(2026, 11, 28, 19, 42, 57).unwrap();
        assert_eq!(from_epoch_ms(epoch_ms(t)), Some(t));
        let before = Utc.with_ymd_and_hms(1960, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(epoch_ms(before), 0);
        assert_eq!(from_epoch_ms(u64::MAX), None);
    }
}

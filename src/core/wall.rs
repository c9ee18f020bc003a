//! A moment as the screen shows it: the local time of day, or UTC when the user asked (`t`). The
//! panels and the messages built below the screen (`app`) share it, so a time in the status line
//! reads exactly as the same time in a panel.

use chrono::{DateTime, Local, Utc};

/// `14:03:10` in local time, or `14:03:10Z` in UTC.
pub fn hms(ts: DateTime<Utc>, utc: bool) -> String {
    if utc {
        ts.format("%H:%M:%SZ").to_string()
    } else {
        ts.with_timezone(&Local).format("%H:%M:%S").to_string()
    }
}

/// `14:03` in local time, or `14:03Z` in UTC: where a header has no room for seconds.
pub fn hm(ts: DateTime<Utc>, utc: bool) -> String {
    if utc {
        ts.format("%H:%MZ").to_string()
    } else {
        ts.with_timezone(&Local).format("%H:%M").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn utc_times_carry_a_z_and_local_ones_do_not() {
        let t = Utc.with_ymd_and_hms(2026, 11, 24, 14, 3, 10).unwrap();
        assert_eq!(hms(t, true), "14:03:10Z");
        let local = hms(t, false);
        assert_eq!(local.len(), 8, "{local}");
        assert!(local.ends_with(":03:10") || local.ends_with(":33:10") || local.ends_with(":48:10"), "{local}");
    }
}

//! The cockpit opened mid-outage on a log whose lines are most of an hour old: the real binary in a
//! pseudo-terminal backfills the hour before from the file, says how far back it read, shows each
//! pattern's first and last seen at the times its lines name, and sees no error spike at the moment
//! of opening (the backfill is not "now").
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod pty;

use std::fmt::Write as _;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use pty::Tty;

const WAIT: Duration = Duration::from_secs(30);

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[test]
fn an_hour_old_backlog_keeps_its_times_and_is_no_spike_now() {
    let dir = tempfile::tempdir().unwrap();
    // Ten minutes of traffic that ended 40 minutes ago, inside the hour before the incident is
    // opened; its last minute failed, 5 errors a second.
    let base = Utc::now()
        .with_timezone(&Utc)
        .checked_sub_signed(TimeDelta::minutes(50))
        .unwrap();
    let base = DateTime::from_timestamp(base.timestamp(), 0).unwrap();
    let mut log = String::new();
    for i in 0..600 {
        let at = base + TimeDelta::seconds(i);
        writeln!(log, "{} INFO charge ok status=200 req_id=r{i}", stamp(at)).unwrap();
        if i >= 540 {
            for k in 0..5 {
                let at = at + TimeDelta::milliseconds(100 * k);
                writeln!(
                    log,
                    "{} ERROR provider timeout after 3000ms req_id=e{i}x{k}",
                    stamp(at)
                )
                .unwrap();
            }
        }
    }
    std::fs::write(dir.path().join("app.log"), log).unwrap();
    std::fs::write(
        dir.path().join("sitrep.toml"),
        "[incident]\ntitle = \"Payments\"\n[[log]]\nname = \"api\"\npath = \"app.log\"\n",
    )
    .unwrap();
    let mut tty = Tty::spawn(&["open"], dir.path(), 120, 40);
    // The whole backlog is in: its last line is on screen.
    tty.wait_for("the backlog's last line", WAIT, |s| {
        s.contains("req_id=r599")
    });
    // How far back it read is said in the timeline panel: all 900 lines, to the log's start.
    let screen = tty.wait_for("the backfill's report", WAIT, |s| {
        s.contains("log api: backfilled 900 lines back to")
    });
    // The error rate is of now: the backlog's 300 errors are 40 minutes ago, not a spike.
    let row = screen
        .lines()
        .find(|l| l.contains("errors/s"))
        .expect("the error-rate row");
    // In its panel: from the label to the panel's border.
    let rates = row[row.find("errors/s").unwrap()..]
        .split('│')
        .next()
        .unwrap();
    assert!(
        rates
            .trim_end()
            .ends_with("api                                0.0")
            || rates.split_whitespace().collect::<Vec<_>>() == ["errors/s", "api", "0.0"],
        "{screen}"
    );
    // The patterns view: first and last seen are the times the lines name.
    tty.send("1");
    tty.send("p");
    // Zoomed, the panel has room for first and last seen beside the template.
    tty.send("z");
    let first = (base + TimeDelta::seconds(540))
        .format("%H:%M:%S")
        .to_string();
    let last = (base + TimeDelta::seconds(599))
        .format("%H:%M:%S")
        .to_string();
    let screen = tty.wait_for("the patterns view", WAIT, |s| {
        s.contains("count first     last") && s.contains("provider timeout after <*>")
    });
    let row = screen
        .lines()
        .find(|l| l.contains("provider timeout after <*>"))
        .unwrap();
    assert!(
        row.contains(&format!("{first}  {last}")),
        "first seen {first}, last seen {last}:\n{screen}"
    );
    assert!(!row.contains("SPIKE") && !row.contains("NEW"), "{row}");
    tty.send("q");
    assert_eq!(tty.wait_exit(WAIT), Some(0));
    // Nothing about the backlog's lines went to the record: they are from before the incident
    // was opened. What the backfill read is recorded, once.
    let timeline = sitrep::timeline::newest_in(&dir.path().join("incidents")).unwrap();
    let text = std::fs::read_to_string(timeline).unwrap();
    assert!(!text.contains("\"pattern"), "{text}");
    let reached = base.with_timezone(&chrono::Local).format("%H:%M:%S");
    // (With the date in front when the log's start is not today's.)
    let said = format!("{reached} (everything the log holds)");
    assert_eq!(
        text.matches("backfilled 900 lines back to ").count(),
        1,
        "{text}"
    );
    assert_eq!(text.matches(&said).count(), 1, "{said}: {text}");
}

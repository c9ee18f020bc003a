//! Pattern mining over real log files, as `sitrep patterns FILE` and `--assign` use it.

use std::error::Error;
use std::fs::{self, File};
use std::io::BufReader;

use sitrep::patterns::{Miner, MinerConfig, assign_stream, mine, render_json, render_table};

const LOG: &str = "\
2024-05-01T12:00:00.001Z INFO [main] api.Server: listening on 0.0.0.0:8080\r
2024-05-01T12:00:01.120Z INFO [http-1] api.Handler: user alice logged in from 10.0.0.7\r
2024-05-01T12:00:02.450Z WARN [http-2] api.Handler: slow query took 350ms table=orders\r
2024-05-01T12:00:03.002Z INFO [http-1] api.Handler: user bob logged in from 10.0.0.9\r
2024-05-01T12:00:04.777Z WARN [http-3] api.Handler: slow query took 1.2 s table=users\r
2024-05-01T12:00:05.010Z ERROR [http-2] api.Handler: payment 8812 failed: card declined\r
2024-05-01T12:00:06.300Z INFO [http-4] api.Handler: user carol logged in from 10.0.1.12\r
";

#[test]
fn assigning_a_log_file_writes_one_pattern_per_line_in_order() -> Result<(), Box<dyn Error>> {
    let dir = tempfile::tempdir()?;
    let log = dir.path().join("api.log");
    let out = dir.path().join("assign.tsv");
    fs::write(&log, LOG)?;

    let mut miner = Miner::default();
    let n = assign_stream(
        &mut miner,
        BufReader::new(File::open(&log)?),
        File::create(&out)?,
    )?;

    assert_eq!(n, 7);
    let written = fs::read_to_string(&out)?;
    let rows: Vec<(&str, &str)> = written.lines().filter_map(|l| l.split_once('\t')).collect();
    assert_eq!(rows.len(), 7);
    let ids: Vec<&str> = rows.iter().map(|r| r.0).collect();
    assert_eq!(ids, ["1", "2", "3", "2", "3", "4", "2"]);
    // Each line is written with its pattern's template as it stands once the input is read.
    assert_eq!(rows[1].1, "api.Handler: user <*> logged in from <*>");
    assert_eq!(rows[6].1, "api.Handler: user <*> logged in from <*>");
    assert_eq!(rows[4].1, "api.Handler: slow query took <*> table=<*>");
    Ok(())
}

/// A stream that hands over its first part, then pauses (as `tail -f` does between writes).
struct Pausing {
    parts: Vec<&'static [u8]>,
    next: usize,
}

impl std::io::Read for Pausing {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let Some(part) = self.parts.get(self.next) else {
            return Ok(0);
        };
        if self.next > 0 {
            std::thread::sleep(std::time::Duration::from_millis(400));
        }
        self.next += 1;
        buf[..part.len()].copy_from_slice(part);
        Ok(part.len())
    }
}

#[test]
fn an_error_last_before_a_pause_is_written_with_its_pattern() -> Result<(), Box<dyn Error>> {
    // The miner holds an error for the exception that may follow it; when the input pauses, the
    // ids so far are written, the error's with the pattern it has alone.
    let input = Pausing {
        parts: vec![
            b"2026-12-07 10:00:00 ERROR Charge failed for order 1\n",
            b"2026-12-07 10:00:01 INFO Charge accepted for order 2\n",
        ],
        next: 0,
    };
    let dir = tempfile::tempdir()?;
    let out = dir.path().join("assign.tsv");
    let mut miner = Miner::default();
    assign_stream(&mut miner, BufReader::new(input), File::create(&out)?)?;
    let written = fs::read_to_string(&out)?;
    assert_eq!(
        written,
        "1\tCharge failed for order <*>\n2\tCharge accepted for order <*>\n"
    );
    Ok(())
}

#[test]
fn at_the_pattern_cap_an_error_is_still_written_with_its_exception() -> Result<(), Box<dyn Error>> {
    // With the patterns at their cap, ids are written as lines come (an older pattern may be
    // evicted); a line held for the exception under it waits for it all the same.
    let mut log = String::new();
    // Forty events of forty lengths: forty patterns.
    let words = ["alpha", "beta", "gamma", "delta"];
    for k in 1..=40 {
        let text: Vec<String> = (0..k)
            .map(|j| format!("{}-{}", words[j % 4], (b'a' + (j % 10) as u8) as char))
            .collect();
        log.push_str(&format!("2026-12-07 10:00:00 INFO {}\n", text.join(" ")));
    }
    for i in 0..3 {
        log.push_str(&format!(
            "2026-12-07 10:00:01 ERROR Charge failed for order {i}\n"
        ));
        log.push_str("java.net.ConnectException: Connection refused\n");
        log.push_str("\tat com.acme.Pay.charge(Pay.java:10)\n");
    }
    let mut miner = Miner::new(MinerConfig {
        max_patterns: 8,
        ..MinerConfig::default()
    });
    let mut out = Vec::new();
    assign_stream(&mut miner, log.as_bytes(), &mut out)?;
    let written = String::from_utf8(out)?;
    let errors: Vec<&str> = written.lines().skip(40).collect();
    assert_eq!(errors.len(), 9);
    assert!(
        errors.iter().all(|l| l.ends_with(
            "\tCharge failed for order <*> java.net.ConnectException: Connection refused"
        )),
        "{errors:?}"
    );
    Ok(())
}

#[test]
fn the_pattern_list_of_a_file_is_most_frequent_first_with_values() -> Result<(), Box<dyn Error>> {
    let dir = tempfile::tempdir()?;
    let log = dir.path().join("api.log");
    fs::write(&log, LOG)?;

    let mut miner = Miner::default();
    mine(&mut miner, BufReader::new(File::open(&log)?))?;

    let json: serde_json::Value = serde_json::from_str(&render_json(&miner)?)?;
    assert_eq!(json["lines"], 7);
    let first = &json["patterns"][0];
    assert_eq!(first["count"], 3);
    assert_eq!(first["level"], "info");
    assert_eq!(
        first["template"],
        "api.Handler: user <*> logged in from <*>"
    );
    let users: Vec<&str> = first["variables"][0]["values"]
        .as_array()
        .map(|vs| vs.iter().filter_map(|v| v["value"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(users, ["alice", "bob", "carol"]);

    let table = render_table(&miner, None);
    assert!(
        table
            .lines()
            .nth(1)
            .is_some_and(|row| row.contains("42.9%")),
        "{table}"
    );
    assert!(table.ends_with("7 lines, 4 patterns\n"), "{table}");
    Ok(())
}

#[test]
fn a_file_with_invalid_utf8_and_no_final_newline_is_read_whole() -> Result<(), Box<dyn Error>> {
    let dir = tempfile::tempdir()?;
    let log = dir.path().join("odd.log");
    fs::write(&log, b"disk 1 full\n\xc3\x28 garbage 2\ndisk 3 full")?;

    let mut miner = Miner::default();
    let mut out = Vec::new();
    assign_stream(&mut miner, BufReader::new(File::open(&log)?), &mut out)?;

    let text = String::from_utf8(out)?;
    assert_eq!(
        text,
        "1\tdisk <*> full\n2\t\u{fffd}( garbage <*>\n1\tdisk <*> full\n"
    );
    Ok(())
}

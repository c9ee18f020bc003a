//! How fast a line's own time is read: lines per second for each format, and for lines with none.
//!
//! Run: `cargo bench --bench timestamp` (TIMESTAMP_BENCH_LINES=N to change the count per format,
//! TIMESTAMP_BENCH_SHAPE=name to run only the shapes whose name starts with it).

use std::hint::black_box;
use std::time::Instant;

use chrono::Utc;
use sitrep::tail::timestamp::{Hint, TimeRule, Zone, parse_hinted};

/// (name, a line of that shape; `{i}` varies the seconds so lines differ).
const SHAPES: &[(&str, &str)] = &[
    (
        "rfc3339",
        "2026-11-28T23:27:{s}.474Z INFO api.handler request_id=0000002a path=/v1/pay",
    ),
    (
        "iso, offset",
        "2026-11-28T23:27:{s}+01:00 INFO api.handler request_id=0000002a path=/v1/pay",
    ),
    (
        "log4j (local)",
        "2026-11-28 23:27:{s},474 ERROR [main] c.e.PaymentService - charge failed",
    ),
    (
        "syslog",
        "Nov 28 19:42:{s} web-1 sshd[4242]: Accepted publickey for deploy from 10.0.0.7",
    ),
    (
        "clf",
        "10.0.0.7 - - [28/Nov/2026:19:42:{s} +0000] \"GET /v1/pay HTTP/1.1\" 200 2326",
    ),
    (
        "python",
        "127.0.0.1 - - [28/Nov/2026 19:42:{s}] \"GET /health HTTP/1.1\" 200 -",
    ),
    (
        "nginx/go",
        "2026/11/28 19:42:{s} [error] 31#31: *1 connect() failed (111: Connection refused)",
    ),
    (
        "json ts epoch",
        "{\"level\":\"info\",\"ts\":17958949{s}.474,\"caller\":\"pay/charge.go:42\",\"msg\":\"ok\"}",
    ),
    (
        "json @timestamp",
        "{\"@timestamp\":\"2026-11-28T19:42:{s}.474Z\",\"level\":\"WARN\",\"message\":\"slow\"}",
    ),
    (
        "no timestamp",
        "\tat com.example.payments.PaymentService.charge(PaymentService.java:{s})",
    ),
    (
        "no timestamp, digits",
        "GET /v1/pay/12345 200 12ms bytes=2326 user=4242 trace=0af7651916cd43dd{s}",
    ),
];

fn main() {
    let n: usize = std::env::var("TIMESTAMP_BENCH_LINES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let now = Utc::now();
    let utc = TimeRule::auto(Zone::utc());
    let local = TimeRule::default();
    println!("timestamp bench: {n} lines per shape");
    let only = std::env::var("TIMESTAMP_BENCH_SHAPE").unwrap_or_default();
    for (name, shape) in SHAPES.iter().filter(|(name, _)| name.starts_with(&only)) {
        let lines: Vec<String> = (0..60)
            .map(|s| shape.replace("{s}", &format!("{s:02}")))
            .collect();
        for (zone, rule) in [("utc", &utc), ("local", &local)] {
            let start = Instant::now();
            let mut found = 0usize;
            // As a source reads them: each line tried first where the previous one's time was.
            let mut hint = Hint::default();
            for i in 0..n {
                let line = black_box(&lines[i % 60]);
                found += usize::from(parse_hinted(line, rule, now, &mut hint).is_some());
            }
            let secs = start.elapsed().as_secs_f64();
            println!(
                "{name:<22} {zone:<5} {:>7.2} M lines/s ({:>5.0} ns/line), found {found}",
                n as f64 / secs / 1e6,
                secs * 1e9 / n as f64
            );
        }
    }
}

//! Reading a line's fields, and finding one request's lines in a full buffer.
//!
//! Run: `cargo bench --bench fields`. Measures `tail::fields::parse` on a demo-style logfmt line, a
//! JSON line and a combined-log line, and `same_value` over 100,000 mixed lines (the most the logs
//! view scans when a request is followed), where 1 line in 100 belongs to the followed request,
//! and the same scan with a `Followed` built once.
//! Each figure is the best of several rounds, to keep a busy machine's noise out.

use std::hint::black_box;
use std::time::{Duration, Instant};

use sitrep::tail::fields::{Followed, parse, same_value};

const LOGFMT: &str = "2026-11-28T23:27:19.474Z ERROR request method=POST path=/v1/charge status=502 duration_ms=3004 req_id=cff91303 customer=cus_1234";
const JSON: &str = r#"2026-11-28T23:27:19.474Z stdout F {"time":"2026-11-28T23:27:19.474Z","level":"error","msg":"request failed","http":{"method":"POST","path":"/v1/charge","status":502},"duration_ms":3004,"req_id":"cff91303","customer":"cus_1234"}"#;
const COMBINED: &str = r#"10.0.0.7 - - [28/Nov/2026:23:27:19 +0000] "POST /v1/charge HTTP/1.1" 502 157 "https://shop.example/cart" "Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/121.0""#;

const ROUNDS: usize = 7;

/// The best time of `ROUNDS` runs of `f`.
fn best(mut f: impl FnMut()) -> Duration {
    (0..ROUNDS)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn bench_parse(name: &str, line: &str) {
    const N: u32 = 100_000;
    let fields = parse(line).fields.len();
    let took = best(|| {
        for _ in 0..N {
            black_box(parse(black_box(line)));
        }
    });
    println!(
        "parse {name:<9} {fields:>2} fields: {:>6.0} ns a line",
        took.as_nanos() as f64 / f64::from(N)
    );
}

/// 100,000 lines like a busy incident's: demo requests and provider errors for many ids, JSON and
/// access-log lines, plain text; `cff91303` is the id of every hundredth line.
fn mixed_lines() -> Vec<String> {
    (0..100_000u32)
        .map(|i| {
            let id = if i % 100 == 0 {
                "cff91303".to_string()
            } else {
                format!("{:08x}", i.wrapping_mul(2_654_435_761))
            };
            match i % 5 {
                0 => LOGFMT.replace("cff91303", &id),
                1 => format!(
                    "2026-11-28T23:27:19.474Z ERROR provider call failed: upstream timeout after 3000ms req_id={id} attempt=1/3"
                ),
                2 => JSON.replace("cff91303", &id),
                3 => format!("{COMBINED} req_id={id}"),
                _ => format!("2026-11-28T23:27:19.474Z INFO  cache warm for {id}, 3 entries"),
            }
        })
        .collect()
}

fn main() {
    println!("fields bench: best of {ROUNDS} rounds");
    bench_parse("logfmt", LOGFMT);
    bench_parse("JSON", JSON);
    bench_parse("combined", COMBINED);

    let lines = mixed_lines();
    let mut matched = 0;
    let took = best(|| {
        matched = lines
            .iter()
            .filter(|l| same_value(black_box(l), "req_id", "cff91303"))
            .count();
    });
    println!(
        "same_value req_id=cff91303 over {} mixed lines: {matched} match, {:.2} ms ({:.0} ns a line)",
        lines.len(),
        took.as_secs_f64() * 1e3,
        took.as_nanos() as f64 / lines.len() as f64
    );
    let followed = Followed::new("req_id", "cff91303");
    let took = best(|| {
        matched = lines
            .iter()
            .filter(|l| followed.holds(black_box(l)))
            .count();
    });
    println!(
        "Followed::holds, built once, same lines:    {matched} match, {:.2} ms ({:.0} ns a line)",
        took.as_secs_f64() * 1e3,
        took.as_nanos() as f64 / lines.len() as f64
    );
    let absent = Followed::new("req_id", "ffffffff");
    let took = best(|| {
        matched = lines.iter().filter(|l| absent.holds(black_box(l))).count();
    });
    println!(
        "Followed::holds, an id no line holds:       {matched} match, {:.2} ms",
        took.as_secs_f64() * 1e3
    );
}

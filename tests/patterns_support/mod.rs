//! Labelled synthetic logs of the kinds that trip template miners on logs they have never seen, and
//! a synthetic incident, shared by `tests/patterns_unseen.rs` and `benches/patterns.rs`.
//!
//! Nothing here is taken from a dataset: the lines are written from the kinds of mistake the
//! pattern-mining issue lists (a value written as a word, values of variable length, constants with
//! few values, stack traces, whole lines with headers, access logs). Each line carries the label of
//! the event it is an instance of, so grouping accuracy can be scored as Loghub's evaluator does.

#![allow(dead_code)]

use std::collections::HashMap;

#[path = "../csv_support/mod.rs"]
mod csv_support;

use sitrep::app::PatternState;
use sitrep::patterns::{Miner, PatternId};
use sitrep::timeline::{Event, PatternChange};

/// A small deterministic generator (xorshift64*), so runs are comparable.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

/// Account names: ordinary words and names, as brute-force attempts use them.
const ACCOUNTS: [&str; 24] = [
    "root", "admin", "test", "user", "guest", "oracle", "ubuntu", "postgres", "pi", "git",
    "deploy", "support", "info", "mysql", "ftpuser", "backup", "web", "jenkins", "nagios", "dev",
    "alice", "bob", "operator", "service",
];
const SERVICES: [&str; 10] = [
    "syslogd", "klogd", "crond", "sshd", "ntpd", "cupsd", "xinetd", "named", "httpd", "smartd",
];
const PATHS: [&str; 6] = [
    "/",
    "/index.html",
    "/api/orders",
    "/login",
    "/static/app.js",
    "/health",
];
const AGENTS: [&str; 4] = [
    "curl/8.1.2",
    "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0 Safari/537.36",
    "kube-probe/1.28",
];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const REASONS: [&str; 5] = [
    "timeout",
    "connection refused by peer",
    "upstream closed the stream before headers",
    "TLS handshake failed: certificate expired",
    "no route to host",
];

fn ip(rng: &mut Rng) -> String {
    format!(
        "10.{}.{}.{}",
        rng.below(256),
        rng.below(256),
        rng.below(256)
    )
}

fn syslog_header(rng: &mut Rng, i: usize, prog: &str) -> String {
    format!(
        "{} {:2} {:02}:{:02}:{:02} host{} {prog}[{}]:",
        MONTHS[(i / 5000) % 12],
        1 + (i / 200) % 28,
        (i / 3600) % 24,
        (i / 60) % 60,
        i % 60,
        rng.below(3),
        100 + rng.below(30_000)
    )
}

/// An sshd and init log: account names written as words, constants with two values
/// (`opened`/`closed`, `startup`/`shutdown`), `user=` and `ruser=`.
pub fn auth_log(n: usize, seed: u64) -> Vec<(String, &'static str)> {
    let mut rng = Rng(seed);
    (0..n)
        .map(|i| {
            let user = ACCOUNTS[rng.below(ACCOUNTS.len() as u64) as usize];
            let head = syslog_header(&mut rng, i, "sshd");
            let (line, label) = match rng.below(10) {
                0..=2 => (
                    format!("{head} Failed password for {user} from {} port {} ssh2", ip(&mut rng), 1024 + rng.below(60_000)),
                    "failed-password",
                ),
                3 => (
                    format!("{head} Failed password for invalid user {user} from {} port {} ssh2", ip(&mut rng), 1024 + rng.below(60_000)),
                    "failed-invalid",
                ),
                4 => (
                    format!("{head} Invalid user {user} from {}", ip(&mut rng)),
                    "invalid-user",
                ),
                5 => (
                    format!("{head} pam_unix(sshd:session): session opened for user {user} by (uid=0)"),
                    "session-opened",
                ),
                6 => (
                    format!("{head} pam_unix(sshd:session): session closed for user {user}"),
                    "session-closed",
                ),
                7 => (
                    format!(
                        "{head} pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost={} user={user}",
                        ip(&mut rng)
                    ),
                    "auth-failure-user",
                ),
                8 => (
                    format!(
                        "{head} pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost={} ruser={user}",
                        ip(&mut rng)
                    ),
                    "auth-failure-ruser",
                ),
                _ => {
                    let svc = SERVICES[rng.below(SERVICES.len() as u64) as usize];
                    let head = syslog_header(&mut rng, i, "rc");
                    if rng.below(2) == 0 {
                        (format!("{head} {svc} startup succeeded"), "startup")
                    } else {
                        (format!("{head} {svc} shutdown succeeded"), "shutdown")
                    }
                }
            };
            (line, label)
        })
        .collect()
}

/// Combined-format access log and Python `http.server` lines: `-` placeholders, month names in
/// dates, statuses whose class tells events apart (an event: method and status class).
pub fn access_log(n: usize, seed: u64) -> Vec<(String, &'static str)> {
    let mut rng = Rng(seed);
    (0..n)
        .map(|i| {
            let (status, class) = match rng.below(20) {
                0..=14 => (200 + 4 * rng.below(2), "2xx"),
                15..=17 => (404, "4xx"),
                18 => (401, "4xx"),
                _ => (500 + rng.below(4), "5xx"),
            };
            let post = rng.below(4) == 0;
            let method = if post { "POST" } else { "GET" };
            let label = match (post, class) {
                (false, "2xx") => "get-2xx",
                (false, "4xx") => "get-4xx",
                (false, _) => "get-5xx",
                (true, "2xx") => "post-2xx",
                (true, "4xx") => "post-4xx",
                (true, _) => "post-5xx",
            };
            let path = rng.pick(&PATHS);
            let date = format!(
                "{:02}/{}/2026:{:02}:{:02}:{:02} +0000",
                1 + i % 28,
                MONTHS[(i / 300) % 12],
                (i / 3600) % 24,
                (i / 60) % 60,
                i % 60
            );
            let size = if rng.below(5) == 0 {
                "-".to_string()
            } else {
                (100 + rng.below(90_000)).to_string()
            };
            let user = if rng.below(6) == 0 { "frank" } else { "-" };
            let line = match rng.below(3) {
                0 => format!(
                    "{} - {user} [{date}] \"{method} {path} HTTP/1.1\" {status} {size} \"-\" \"{}\"",
                    ip(&mut rng),
                    rng.pick(&AGENTS)
                ),
                1 => format!(
                    "{} - {user} [{date}] \"{method} {path}?page={} HTTP/1.1\" {status} {size} \"https://example.org{}\" \"{}\"",
                    ip(&mut rng),
                    rng.below(40),
                    rng.pick(&PATHS),
                    rng.pick(&AGENTS)
                ),
                _ => format!(
                    "{} - - [{:02}/{}/2026 {:02}:{:02}:{:02}] \"{method} {path} HTTP/1.1\" {status} -",
                    ip(&mut rng),
                    1 + i % 28,
                    MONTHS[(i / 300) % 12],
                    (i / 3600) % 24,
                    (i / 60) % 60,
                    i % 60
                ),
            };
            (line, label)
        })
        .collect()
}

/// A proxy and client log: sizes written two ways, quoted messages with spaces, lists of items.
pub fn proxy_log(n: usize, seed: u64) -> Vec<(String, &'static str)> {
    let mut rng = Rng(seed);
    (0..n)
        .map(|i| {
            let ts = format!(
                "2026-12-04 10:{:02}:{:02}.{:03}",
                (i / 60) % 60,
                i % 60,
                rng.below(1000)
            );
            let conn = rng.below(100_000);
            let size = |rng: &mut Rng| -> String {
                let b = rng.below(5_000_000);
                if b >= 1024 {
                    format!("{:.1} KB ({b} bytes)", b as f64 / 1024.0)
                } else {
                    format!("{b} bytes")
                }
            };
            match rng.below(5) {
                0 | 1 => (
                    format!(
                        "{ts} INFO conn {conn} close, {} sent, {} received, lifetime 00:{:02}",
                        size(&mut rng),
                        size(&mut rng),
                        rng.below(60)
                    ),
                    "close",
                ),
                2 => (
                    format!(
                        "{ts} INFO conn {conn} open through proxy {}:{} HTTPS",
                        ip(&mut rng),
                        1000 + rng.below(9000)
                    ),
                    "open",
                ),
                3 => (
                    format!(
                        "{ts} WARN error sending \"{}\" to upstream {}",
                        rng.pick(&REASONS),
                        ip(&mut rng)
                    ),
                    "send-error",
                ),
                _ => {
                    let k = 1 + rng.below(4) as usize;
                    let items: Vec<String> =
                        (0..k).map(|_| format!("sku-{}", rng.below(900))).collect();
                    (
                        format!(
                            "{ts} INFO cart updated with items [{}] for order {}",
                            items.join(", "),
                            rng.below(1_000_000)
                        ),
                        "cart",
                    )
                }
            }
        })
        .collect()
}

/// A Java service with stack traces: each trace's lines carry the label of the line that began it.
pub fn java_log(n: usize, seed: u64) -> Vec<(String, &'static str)> {
    let mut rng = Rng(seed);
    let mut out = Vec::with_capacity(n + 64);
    let mut i = 0;
    while out.len() < n {
        i += 1;
        let ts = format!(
            "2026-12-04 10:{:02}:{:02},{:03}",
            (i / 60) % 60,
            i % 60,
            rng.below(1000)
        );
        match rng.below(8) {
            0 => {
                out.push((format!("{ts} ERROR [http-nio-8080-exec-{}] c.e.pay.Charger - Failed to charge order {}", rng.below(20), rng.below(1_000_000)), "charge-failed"));
                out.push((
                    "java.lang.IllegalStateException: gateway said no".into(),
                    "charge-failed",
                ));
                for f in 0..(5 + rng.below(25)) {
                    out.push((
                        format!(
                            "\tat com.example.pay.Layer{f}.call(Layer{f}.java:{})",
                            10 + rng.below(400)
                        ),
                        "charge-failed",
                    ));
                }
                out.push((
                    "Caused by: java.net.SocketTimeoutException: Read timed out".into(),
                    "charge-failed",
                ));
                out.push((format!("\t... {} more", 3 + rng.below(20)), "charge-failed"));
            }
            1 => out.push((
                format!(
                    "{ts} WARN  [scheduler-1] c.e.pay.Retry - retrying call {} after {} ms",
                    rng.below(1000),
                    rng.below(5000)
                ),
                "retry",
            )),
            _ => out.push((
                format!(
                    "{ts} INFO  [http-nio-8080-exec-{}] c.e.pay.Api - request {} served in {} ms",
                    rng.below(20),
                    rng.below(1_000_000),
                    rng.below(900)
                ),
                "served",
            )),
        }
    }
    out.truncate(n);
    out
}

/// Every synthetic kind, by name.
pub fn corpora() -> Vec<(&'static str, Vec<(String, &'static str)>)> {
    vec![
        ("auth (syslog)", auth_log(4000, 0x5eed_0001)),
        ("access (combined)", access_log(4000, 0x5eed_0002)),
        ("proxy (sizes, quotes)", proxy_log(4000, 0x5eed_0003)),
        ("java (stack traces)", java_log(4000, 0x5eed_0004)),
    ]
}

/// Grouping accuracy as Loghub's evaluator has it: a line counts when the group it was put in
/// holds exactly the lines of its true group. Lines are mined as one stream, ids read at the end.
/// Returns the accuracy and how many groups the miner made.
pub fn grouping_accuracy<L: AsRef<str>>(lines: &[(String, L)]) -> (f64, usize) {
    let mut miner = Miner::default();
    let ids: Vec<PatternId> = lines
        .iter()
        .map(|(l, _)| miner.observe_in(0, l, 0))
        .collect();
    miner.settle_held();
    let pred: Vec<String> = ids
        .iter()
        .map(|&id| miner.resolve(id).to_string())
        .collect();
    let groups = pred.iter().collect::<std::collections::HashSet<_>>().len();
    (ga_of(lines, &pred), groups)
}

/// Grouping accuracy of predicted group names `pred` against the labels of `lines`.
pub fn ga_of<L: AsRef<str>>(lines: &[(String, L)], pred: &[String]) -> f64 {
    if pred.len() != lines.len() {
        return 0.0;
    }
    let mut by_truth: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut by_pred: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, ((_, t), p)) in lines.iter().zip(pred).enumerate() {
        by_truth.entry(t.as_ref()).or_default().push(i);
        by_pred.entry(p).or_default().push(i);
    }
    let ok: usize = by_pred
        .values()
        .filter(|members| by_truth[lines[members[0]].1.as_ref()] == **members)
        .map(Vec::len)
        .sum();
    ok as f64 / lines.len().max(1) as f64
}

/// The `(Content, EventId)` rows of a Loghub `_structured.csv` file (quoted fields allowed).
pub fn structured_rows(text: &str) -> Vec<(String, String)> {
    let mut rows = Vec::new();
    let mut header: Vec<String> = Vec::new();
    for record in csv_support::parse(text) {
        if header.is_empty() {
            header = record;
            continue;
        }
        let col = |name: &str| {
            header
                .iter()
                .position(|h| h == name)
                .and_then(|i| record.get(i))
        };
        if let (Some(content), Some(id)) = (col("Content"), col("EventId")) {
            rows.push((content.replace('\n', " "), id.clone()));
        }
    }
    rows
}

/// One event the incident's judge recorded, and when (simulated ms).
#[derive(Debug)]
pub struct Recorded {
    pub at_ms: u64,
    pub change: PatternChange,
    pub template: String,
}

/// What came of the synthetic incident.
#[derive(Debug)]
pub struct IncidentOutcome {
    pub recorded: Vec<Recorded>,
    pub false_new: usize,
    pub false_spike: usize,
    /// From the first line of the new error to its NEW record; None when never recorded.
    pub new_after_ms: Option<u64>,
    /// From the first line of the surge to its SPIKE record; None when never recorded.
    pub spike_after_ms: Option<u64>,
}

/// Ten minutes of steady traffic (account names as words among it, new names arriving all along),
/// then at 5:00 a new error kind with a 30-frame stack trace every 5 s, then at 7:00 a surge of an
/// old warning (20 a second for 30 s). The cockpit's pattern judge runs every 500 ms of the lines'
/// own time, the baseline ending at 2:00. True: one NEW (the new error) and one SPIKE (the surge).
pub fn incident() -> IncidentOutcome {
    const NEW_AT: u64 = 300_000;
    const SURGE_AT: u64 = 420_000;
    let mut rng = Rng(0x1ac1_d3e7);
    let mut lines: Vec<(u64, String)> = Vec::new();
    let mut ms = 0;
    let mut n = 0usize;
    while ms < 600_000 {
        ms += 50 + rng.below(50);
        n += 1;
        let ts = |ms: u64| {
            format!(
                "2026-12-04T10:{:02}:{:02}.{:03}Z",
                ms / 60_000,
                (ms / 1000) % 60,
                ms % 1000
            )
        };
        let line = match rng.below(6) {
            0 => {
                // Names keep arriving: after the first dozen, one the miner has not seen now and then.
                let user = if rng.below(10) == 0 {
                    format!("u{}x", rng.below(100_000)).replace(|c: char| c.is_ascii_digit(), "q")
                } else {
                    ACCOUNTS[rng.below(ACCOUNTS.len() as u64) as usize].to_string()
                };
                format!(
                    "{} ERROR sshd: Failed password for {user} from {} port {} ssh2",
                    ts(ms),
                    ip(&mut rng),
                    1024 + rng.below(60_000)
                )
            }
            1 => format!(
                "{} INFO api: request {} served in {} ms",
                ts(ms),
                rng.below(1_000_000),
                rng.below(900)
            ),
            2 => format!(
                "{} INFO proxy: conn {} close, {} bytes sent, {} received",
                ts(ms),
                rng.below(100_000),
                rng.below(1000),
                if rng.below(2) == 0 {
                    format!("{:.1} KB ({} bytes)", 2.5, 2560)
                } else {
                    format!("{} bytes", rng.below(1000))
                }
            ),
            3 => format!(
                "{} ERROR client: error sending \"{}\" to upstream {}",
                ts(ms),
                rng.pick(&REASONS),
                ip(&mut rng)
            ),
            4 => format!(
                "{} INFO rc: {} startup succeeded",
                ts(ms),
                rng.pick(&SERVICES)
            ),
            _ => format!(
                "{} INFO api: {} - - \"GET {} HTTP/1.1\" {} {}",
                ts(ms),
                ip(&mut rng),
                rng.pick(&PATHS),
                if rng.below(30) == 0 { 404 } else { 200 },
                rng.below(9000)
            ),
        };
        lines.push((ms, line));
        let timeout = |rng: &mut Rng| {
            format!(
                "{} WARN pool: upstream timeout after {} ms",
                ts(ms),
                1000 + rng.below(9000)
            )
        };
        if n.is_multiple_of(200) {
            lines.push((ms, timeout(&mut rng)));
        }
        if ms >= NEW_AT && (ms / 5000) != ((ms - 100) / 5000) {
            lines.push((
                ms,
                format!(
                    "{} ERROR pay: Failed to charge order {}",
                    ts(ms),
                    rng.below(1_000_000)
                ),
            ));
            lines.push((
                ms,
                "java.lang.IllegalStateException: gateway said no".into(),
            ));
            for f in 0..30 {
                lines.push((
                    ms,
                    format!(
                        "\tat com.example.pay.Layer{f}.call(Layer{f}.java:{})",
                        10 + f
                    ),
                ));
            }
            lines.push((
                ms,
                "Caused by: java.net.SocketTimeoutException: Read timed out".into(),
            ));
        }
        if (SURGE_AT..SURGE_AT + 30_000).contains(&ms) {
            for _ in 0..2 {
                lines.push((ms, timeout(&mut rng)));
            }
        }
    }
    let first_new = lines
        .iter()
        .find(|(_, l)| l.contains("Failed to charge"))
        .map(|&(ms, _)| ms);
    let mut state = PatternState::new(120_000);
    let mut recorded = Vec::new();
    let mut next_tick = 500;
    for (number, (ms, line)) in lines.iter().enumerate() {
        while *ms >= next_tick {
            for e in state.refresh(next_tick, 0) {
                if let Event::Pattern {
                    change, template, ..
                } = e
                {
                    recorded.push(Recorded {
                        at_ms: next_tick,
                        change,
                        template,
                    });
                }
            }
            next_tick += 500;
        }
        state.observe(number as u64, 0, line, *ms);
    }
    let is_true_new = |r: &Recorded| {
        r.change == PatternChange::New && r.template.contains("Failed to charge order")
    };
    let is_true_spike =
        |r: &Recorded| r.change == PatternChange::Spike && r.template.contains("upstream timeout");
    let false_new = recorded
        .iter()
        .filter(|r| r.change == PatternChange::New && !is_true_new(r))
        .count()
        + recorded
            .iter()
            .filter(|r| is_true_new(r))
            .count()
            .saturating_sub(1);
    let false_spike = recorded
        .iter()
        .filter(|r| r.change == PatternChange::Spike && !is_true_spike(r))
        .count();
    let new_after_ms = recorded
        .iter()
        .find(|r| is_true_new(r))
        .and_then(|r| Some(r.at_ms - first_new?));
    let spike_after_ms = recorded
        .iter()
        .find(|r| is_true_spike(r))
        .map(|r| r.at_ms.saturating_sub(SURGE_AT));
    IncidentOutcome {
        recorded,
        false_new,
        false_spike,
        new_after_ms,
        spike_after_ms,
    }
}

//! Throughput of online template mining on typical log lines.
//!
//! Run: `cargo bench --bench patterns` (optionally `-- FILE...` to also time real log files).
//! Prints lines/s and MB/s for `Miner::observe_at` on one core over a synthetic mix of service,
//! syslog and JSON lines with the usual variables (ids, IPs, durations, paths, hex, user names).

use std::hint::black_box;
use std::time::{Duration, Instant};

use sitrep::patterns::{Miner, MinerConfig};

/// A small deterministic generator (xorshift64*), so runs are comparable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const USERS: [&str; 6] = ["alice", "bob", "carol", "dave", "erin", "mallory"];
const LEVELS: [&str; 4] = ["INFO", "INFO", "WARN", "ERROR"];

fn message(rng: &mut Rng, kind: u64) -> String {
    let ip = format!(
        "10.{}.{}.{}",
        rng.below(256),
        rng.below(256),
        rng.below(256)
    );
    let id = rng.next();
    let n = rng.below(10_000);
    let ms = rng.below(5_000);
    let user = USERS[rng.below(USERS.len() as u64) as usize];
    match kind {
        0 => format!("user {user} logged in from {ip} session={id:016x}"),
        1 => format!(
            "GET /api/v1/orders/{n} completed in {ms}ms status=200 bytes={}",
            n * 7
        ),
        2 => format!(
            "Connection reset by peer while reading response from upstream {ip}:{}",
            1024 + n
        ),
        3 => format!("Processed batch {n} with {} records in {ms} ms", n % 500),
        4 => format!("cache miss for key order:{id:x} falling back to database"),
        5 => format!(
            "Retrying request {id:x} attempt {} of 5 after {ms}ms",
            n % 5 + 1
        ),
        6 => format!(
            "Block blk_{id} stored as bytes in memory (estimated size {}.{} KB, free {} MB)",
            n % 100,
            n % 10,
            n
        ),
        7 => format!(
            "Failed to open file /var/lib/app/data/{n}/segment-{id:x}.log: No such file or directory"
        ),
        8 => format!(
            "payment {id:x} for user {user} declined: insufficient funds (code {})",
            n % 40
        ),
        9 => format!(
            "Worker worker-{} finished job {id:x} in {}.{:03}s",
            n % 16,
            ms / 1000,
            ms % 1000
        ),
        10 => format!("health check passed for service payments-api on {ip}"),
        11 => format!("Scheduled snapshot period at {} second(s).", n % 60),
        12 => format!(
            "Accepted publickey for {user} from {ip} port {} ssh2",
            1024 + n
        ),
        13 => format!("Transaction {id:x} committed: {} rows affected", n % 100),
        _ => format!(
            "Starting task {n}.{} in stage {}.0 (TID {n}, localhost, partition {}, PROCESS_LOCAL, 2021 bytes)",
            n % 4,
            n % 7,
            n % 12
        ),
    }
}

fn line(rng: &mut Rng, i: u64) -> String {
    let kind = rng.below(15);
    let msg = message(rng, kind);
    let level = LEVELS[rng.below(LEVELS.len() as u64) as usize];
    let (s, ms) = (i / 1000, i % 1000);
    match rng.below(3) {
        0 => format!(
            "2024-05-01T12:{:02}:{:02}.{ms:03}Z {level} [worker-{}] com.acme.svc.Handler: {msg}",
            (s / 60) % 60,
            s % 60,
            rng.below(8)
        ),
        1 => format!(
            "May  1 12:{:02}:{:02} web{:02} app[{}]: {msg}",
            (s / 60) % 60,
            s % 60,
            rng.below(20),
            1000 + rng.below(9000)
        ),
        _ => format!(
            "{{\"ts\":\"2024-05-01T12:{:02}:{:02}.{ms:03}Z\",\"level\":\"{}\",\"msg\":\"{msg}\",\"svc\":\"payments\"}}",
            (s / 60) % 60,
            s % 60,
            level.to_lowercase()
        ),
    }
}

/// Times `observe_at` over `lines`, best of `rounds` runs (each with a fresh miner).
fn time(lines: &[String], rounds: usize) -> (Duration, usize) {
    let mut best = Duration::MAX;
    let mut patterns = 0;
    for _ in 0..rounds {
        let mut miner = Miner::new(MinerConfig::default());
        let start = Instant::now();
        for (i, l) in lines.iter().enumerate() {
            black_box(miner.observe_at(black_box(l), i as u64));
        }
        best = best.min(start.elapsed());
        patterns = miner.len();
    }
    (best, patterns)
}

fn report(name: &str, lines: &[String], rounds: usize) {
    let bytes: usize = lines.iter().map(|l| l.len() + 1).sum();
    let (took, patterns) = time(lines, rounds);
    let secs = took.as_secs_f64();
    println!(
        "{name:<28} {:>9} lines  {:>6.1} MB  {:>12.0} lines/s  {:>7.1} MB/s  {patterns} patterns",
        lines.len(),
        bytes as f64 / 1e6,
        lines.len() as f64 / secs,
        bytes as f64 / 1e6 / secs,
    );
}

fn main() {
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let lines: Vec<String> = (0..1_000_000).map(|i| line(&mut rng, i)).collect();
    report("synthetic mix (1M lines)", &lines, 3);

    let mut rng = Rng(0x5eed_1234_abcd_0002);
    let plain: Vec<String> = (0..1_000_000)
        .map(|_| {
            let kind = rng.below(15);
            message(&mut rng, kind)
        })
        .collect();
    report("messages without header", &plain, 3);

    // Real files, if given: `cargo bench --bench patterns -- /path/to/a.log`.
    for path in std::env::args().skip(1).filter(|a| !a.starts_with('-')) {
        match std::fs::read(&path) {
            Ok(data) => {
                let text = String::from_utf8_lossy(&data);
                let lines: Vec<String> = text.lines().map(str::to_owned).collect();
                let reps = (1_000_000 / lines.len().max(1)).max(1);
                let many: Vec<String> = lines
                    .iter()
                    .cycle()
                    .take(lines.len() * reps)
                    .cloned()
                    .collect();
                report(&path, &many, 3);
            }
            Err(e) => eprintln!("{path}: {e}"),
        }
    }
}

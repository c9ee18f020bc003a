//! Throughput and accuracy of online template mining.
//!
//! Run: `cargo bench --bench patterns` (optionally `-- FILE...` to also time real log files;
//! `PATTERNS_BENCH_DUMP=DIR` writes the two synthetic inputs there as `mix.log` and `messages.log`
//! and stops, for a profiler).
//! Prints lines/s and MB/s for `Miner::observe_at` on one core over a synthetic mix of service,
//! syslog and JSON lines with the usual variables (ids, IPs, durations, paths, hex, user names),
//! and over the worst lines there are (16 KB of values each);
//! grouping accuracy on labelled synthetic logs of the kinds that trip miners on unseen logs
//! (`tests/patterns_support`, written with the miner, so a check and not a measure of the unseen); the synthetic incident's false alarms and delays; and, where
//! `python3` and the `drain3` package are installed (`pip install drain3`), Drain3 with its
//! default settings on the same lines in the same run, for speed and accuracy side by side (it
//! says so when it cannot run Drain3). Set `LOGHUB2K=DIR` (default `../shared/loghub2k`) to add
//! the labelled Loghub-2k messages to the comparison.

use std::hint::black_box;
use std::time::{Duration, Instant};

use sitrep::patterns::{Miner, MinerConfig};

#[path = "../tests/patterns_support/mod.rs"]
mod patterns_support;

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

    let mut rng = Rng(0x5eed_1234_abcd_0002);
    let plain: Vec<String> = (0..1_000_000)
        .map(|_| {
            let kind = rng.below(15);
            message(&mut rng, kind)
        })
        .collect();
    if let Ok(dir) = std::env::var("PATTERNS_BENCH_DUMP") {
        // For a profiler: the two inputs as files, to run `sitrep patterns --assign` over.
        let dump = |name: &str, lines: &[String]| {
            let path = std::path::Path::new(&dir).join(name);
            if let Err(e) = std::fs::write(&path, lines.join("\n") + "\n") {
                eprintln!("{}: {e}", path.display());
            }
        };
        dump("mix.log", &lines);
        dump("messages.log", &plain);
        return;
    }
    report("synthetic mix (1M lines)", &lines, 3);
    report("messages without header", &plain, 3);
    // The worst a line can be: 16 KB (the follower's cap) of values, one run to fold.
    let mut rng = Rng(0x5eed_1234_abcd_0003);
    let long: Vec<String> = (0..1_000)
        .map(|_| {
            let mut line = String::from("ERROR values");
            while line.len() < 16_000 {
                line.push_str(&format!(" {}", rng.below(100_000)));
            }
            line
        })
        .collect();
    report("16 KB lines of values", &long, 3);

    accuracy();
    incident();
    drain3(&lines[..200_000]);

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

/// Grouping accuracy on the labelled synthetic kinds, beside Drain3's when it can run.
fn accuracy() {
    // The synthetic kinds were written with the miner (they show the mistakes it must not make);
    // they are no stand-in for logs it has never seen.
    println!(
        "\ngrouping accuracy (GA) on labelled logs (synthetic kinds, then Loghub-2k messages):"
    );
    let mut sets: Vec<(String, Vec<(String, String)>)> = patterns_support::corpora()
        .into_iter()
        .map(|(name, lines)| {
            let lines = lines.into_iter().map(|(l, t)| (l, t.to_string())).collect();
            (name.to_string(), lines)
        })
        .collect();
    let root = std::env::var("LOGHUB2K").unwrap_or_else(|_| "../shared/loghub2k".into());
    sets.extend(loghub(&root));
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for (name, lines) in &sets {
        let (ga, _) = patterns_support::grouping_accuracy(lines);
        ours.push(ga);
        let drain = drain3_ids(lines.iter().map(|(l, _)| l.as_str()))
            .map(|ids| patterns_support::ga_of(lines, &ids));
        let drain_text = match &drain {
            Ok(ga) => {
                theirs.push(*ga);
                format!("{ga:.3}")
            }
            Err(why) => why.clone(),
        };
        println!("  {name:<28} sitrep {ga:.3}   Drain3 {drain_text}");
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    println!(
        "  {:<28} sitrep {:.3}   Drain3 {}",
        "average",
        mean(&ours),
        if theirs.len() == ours.len() {
            format!("{:.3}", mean(&theirs))
        } else {
            "not run".into()
        }
    );
}

/// The labelled messages of Loghub-2k datasets under `root`, if there.
fn loghub(root: &str) -> Vec<(String, Vec<(String, String)>)> {
    let Ok(dirs) = std::fs::read_dir(root) else {
        println!("  (no Loghub-2k at {root}: set LOGHUB2K=DIR to add it)");
        return Vec::new();
    };
    let mut names: Vec<String> = dirs
        .flatten()
        .filter(|d| d.path().is_dir())
        .map(|d| d.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
        .into_iter()
        .filter_map(|name| {
            let path = format!("{root}/{name}/{name}_2k.log_structured.csv");
            let text = std::fs::read_to_string(path).ok()?;
            let lines = patterns_support::structured_rows(&text);
            Some((format!("Loghub {name} (messages)"), lines))
        })
        .collect()
}

/// The synthetic incident: false NEW and SPIKE records, and how soon the true ones came.
fn incident() {
    let o = patterns_support::incident();
    let ms = |v: Option<u64>| v.map_or("never".to_string(), |v| format!("{v} ms"));
    println!(
        "\nsynthetic incident: {} records, false NEW {}, false SPIKE {}, NEW {} after its first line, SPIKE {} after the surge began",
        o.recorded.len(),
        o.false_new,
        o.false_spike,
        ms(o.new_after_ms),
        ms(o.spike_after_ms),
    );
}

/// A Python program that reads lines from the file named first, feeds them to Drain3 with its
/// default settings, prints each line's cluster id, and the time taken on stderr.
const DRAIN3: &str = r#"
import sys, time, logging
logging.disable(logging.CRITICAL)
from drain3 import TemplateMiner
tm = TemplateMiner()
lines = open(sys.argv[1], encoding="utf-8", errors="replace").read().split("\n")[:-1]
t0 = time.perf_counter()
ids = [tm.add_log_message(l)["cluster_id"] for l in lines]
dt = time.perf_counter() - t0
sys.stdout.write("\n".join(map(str, ids)) + "\n")
sys.stderr.write(f"{dt}\n")
"#;

/// Drain3's cluster id for each line, and the seconds it took; or why it could not run.
fn drain3_run<'a>(lines: impl Iterator<Item = &'a str>) -> Result<(Vec<String>, f64), String> {
    use std::io::Write;
    let mut file = tempfile::NamedTempFile::new().map_err(|e| e.to_string())?;
    for l in lines {
        writeln!(file, "{}", l.replace('\n', " ")).map_err(|e| e.to_string())?;
    }
    file.flush().map_err(|e| e.to_string())?;
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(DRAIN3)
        .arg(file.path())
        .stderr(std::process::Stdio::piped())
        .output()
        .map_err(|e| format!("not run (python3: {e})"))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        return Err(if stderr.contains("No module named 'drain3'") {
            "not run (drain3 is not installed: pip install drain3)".into()
        } else {
            format!(
                "not run ({})",
                stderr.lines().last().unwrap_or("python3 failed")
            )
        });
    }
    let secs: f64 = stderr
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or(f64::NAN);
    let ids = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    Ok((ids, secs))
}

fn drain3_ids<'a>(lines: impl Iterator<Item = &'a str>) -> Result<Vec<String>, String> {
    drain3_run(lines).map(|(ids, _)| ids)
}

/// Drain3 and sitrep on the same lines, one after the other in this run.
fn drain3(lines: &[String]) {
    let start = Instant::now();
    let mut miner = Miner::default();
    for (i, l) in lines.iter().enumerate() {
        black_box(miner.observe_at(black_box(l), i as u64));
    }
    let ours = start.elapsed().as_secs_f64();
    println!("\nsame {} lines of the synthetic mix:", lines.len());
    println!("  sitrep  {:>12.0} lines/s", lines.len() as f64 / ours);
    match drain3_run(lines.iter().map(String::as_str)) {
        Ok((_, secs)) => println!(
            "  Drain3  {:>12.0} lines/s (python3, drain3 default settings)",
            lines.len() as f64 / secs
        ),
        Err(why) => println!("  Drain3  {why}"),
    }
}

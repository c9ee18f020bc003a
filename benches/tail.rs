//! Follower throughput: a writer appends 100-byte lines as fast as it can into a followed file.
//!
//! Run: `cargo bench --bench tail` (TAIL_BENCH_LINES=N to change the size; TAIL_BENCH_ONLY=catch-up
//! runs sitrep's plain catch-up alone, for a profiler). Measures, in one run:
//! 1. live: writer and sitrep's follower (into a 100k-line LogBuffer, as the UI does) together;
//! 2. catch-up: the follower reading an already written file from its start;
//! 3. the same two with `tail -F > /dev/null`, timed by watching its read offset in /proc;
//! 4. how well each keeps up with its writer: the writer's time over the follower's, same race.
//!
//! Each file is synced to disk before the next run, so no run pays for the writeback of another.
//! Also reports the follower thread's CPU time and the process's peak memory.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sitrep::tail::{LogBuffer, SourceSpec, TailEvent, TailOptions, spawn_source};

const LINE: usize = 100;

/// 1000 distinct 100-byte lines; `coloured` wraps the level in SGR escapes (the sanitizer's slow path).
fn sample_lines(coloured: bool) -> Vec<u8> {
    let levels = [
        "INFO", "DEBUG", "WARN", "ERROR", "INFO", "INFO", "TRACE", "INFO",
    ];
    let mut block = Vec::new();
    for i in 0..1000 {
        let level = levels[i % levels.len()];
        let level = if coloured {
            format!("\x1b[1;3{}m{level:<5}\x1b[0m", i % 8)
        } else {
            format!("{level:<5}")
        };
        let mut line = format!(
            "2026-11-24T14:03:{:02}.{:03}Z {level} api.handler request_id={i:08x} path=/v1/pay status=ok",
            i % 60,
            i % 1000
        );
        line.truncate(LINE - 1);
        while line.len() < LINE - 1 {
            line.push('.');
        }
        line.push('\n');
        block.extend_from_slice(line.as_bytes());
    }
    block
}

/// Appends `lines` lines as fast as possible; returns how long writing took.
fn write_lines(path: &Path, lines: usize, block: &[u8]) -> std::io::Result<Duration> {
    let start = Instant::now();
    let file = OpenOptions::new().create(true).append(true).open(path)?;
    let mut out = BufWriter::with_capacity(64 * 1024, file);
    let per_block = block.len() / LINE;
    let mut left = lines;
    while left > 0 {
        let n = left.min(per_block);
        out.write_all(&block[..n * LINE])?;
        left -= n;
    }
    out.flush()?;
    Ok(start.elapsed())
}

/// Writes `path`'s dirty pages to disk, so the kernel's writeback of what one run wrote does not
/// take the CPU from the next run (on two cores it halved the catch-up that followed the live run).
fn settle(path: &Path) -> std::io::Result<()> {
    File::open(path)?.sync_all()
}

fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

/// utime + stime of a /proc stat file, in seconds.
fn cpu_seconds(stat_path: &Path) -> Option<f64> {
    let stat = std::fs::read_to_string(stat_path).ok()?;
    let after = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / clock_ticks())
}

fn follower_thread_stat() -> Option<PathBuf> {
    for task in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if comm.trim() == "sitrep-tail-0" {
            return Some(task.path().join("stat"));
        }
    }
    None
}

fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

struct Run {
    seconds: f64,
    cpu: Option<f64>,
}

/// Follows `path` with sitrep until `lines` lines arrived; `write` runs once the follower is up.
fn sitrep_run(path: &Path, lines: usize, write: impl FnOnce() + Send) -> Run {
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let opts = TailOptions {
        from_start: true,
        ..TailOptions::default()
    };
    let start = Instant::now();
    let handle = spawn_source(0, SourceSpec::File(path.to_path_buf()), tx, opts);
    let mut cpu_path = None;
    std::thread::scope(|scope| {
        scope.spawn(write);
        let mut buffer = LogBuffer::new();
        while (buffer.total() as usize) < lines {
            match rx.blocking_recv() {
                Some(TailEvent::Lines { lines, .. }) => buffer.extend(lines),
                Some(TailEvent::Status { .. }) => {}
                None => break,
            }
            if cpu_path.is_none() {
                cpu_path = follower_thread_stat();
            }
        }
    });
    let seconds = start.elapsed().as_secs_f64();
    let cpu = cpu_path.as_deref().and_then(cpu_seconds);
    drop(handle);
    drop(rx);
    // The next run finds its follower thread by name: wait for this one to end.
    let deadline = Instant::now() + Duration::from_secs(10);
    while follower_thread_stat().is_some() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    Run { seconds, cpu }
}

/// The offset `tail`'s descriptor for `path` has reached, from /proc.
fn tail_offset(child: &Child, path: &Path) -> Option<u64> {
    let fds = format!("/proc/{}/fd", child.id());
    for fd in std::fs::read_dir(&fds).ok()?.flatten() {
        if std::fs::read_link(fd.path()).ok()?.as_path() == path {
            let info = format!(
                "/proc/{}/fdinfo/{}",
                child.id(),
                fd.file_name().to_string_lossy()
            );
            let info = std::fs::read_to_string(info).ok()?;
            let pos = info.lines().find_map(|l| l.strip_prefix("pos:"))?;
            return pos.trim().parse().ok();
        }
    }
    None
}

/// Runs `tail -F -n +1 path > /dev/null` until it has read `size` bytes.
fn tail_run(path: &Path, size: u64, write: impl FnOnce() + Send) -> std::io::Result<Run> {
    if !path.exists() {
        File::create(path)?;
    }
    let start = Instant::now();
    let mut child = Command::new("tail")
        .args(["-F", "-n", "+1"])
        .arg(path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let seconds = std::thread::scope(|scope| {
        scope.spawn(write);
        while tail_offset(&child, path).is_none_or(|pos| pos < size) {
            if start.elapsed() > Duration::from_secs(300) {
                break;
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        start.elapsed().as_secs_f64()
    });
    let cpu = cpu_seconds(Path::new(&format!("/proc/{}/stat", child.id())));
    child.kill()?;
    child.wait()?;
    Ok(Run { seconds, cpu })
}

fn report(name: &str, lines: usize, run: &Run) {
    let rate = lines as f64 / run.seconds;
    let cpu = run
        .cpu
        .map(|c| {
            format!(
                ", {c:.2} s CPU ({:.2} M lines per CPU-second)",
                lines as f64 / c / 1e6
            )
        })
        .unwrap_or_default();
    println!(
        "{name:<28} {lines} lines in {:.3} s = {:.2} M lines/s ({:.0} MB/s){cpu}",
        run.seconds,
        rate / 1e6,
        rate * LINE as f64 / 1e6
    );
}

fn main() -> std::io::Result<()> {
    let lines: usize = std::env::var("TAIL_BENCH_LINES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3_000_000);
    let size = (lines * LINE) as u64;
    let block = sample_lines(false);
    let dir = tempfile::tempdir()?;
    println!(
        "tail bench: {lines} lines of {LINE} bytes ({} MB)",
        size / 1_000_000
    );
    let rss_start = status_kib("VmRSS:");

    let alone = dir.path().join("alone.log");
    let writer_alone = write_lines(&alone, lines, &block)?;
    settle(&alone)?;
    report(
        "writer alone",
        lines,
        &Run {
            seconds: writer_alone.as_secs_f64(),
            cpu: None,
        },
    );

    if std::env::var("TAIL_BENCH_ONLY").is_ok_and(|only| only == "catch-up") {
        report("sitrep catch-up", lines, &sitrep_run(&alone, lines, || {}));
        return Ok(());
    }

    let live = dir.path().join("live.log");
    let mut sitrep_writer = Duration::ZERO;
    let run_live = sitrep_run(&live, lines, || {
        sitrep_writer = write_lines(&live, lines, &block).unwrap_or_default();
    });
    report("sitrep live (writer racing)", lines, &run_live);
    settle(&live)?;
    let run_catchup = sitrep_run(&alone, lines, || {});
    report("sitrep catch-up", lines, &run_catchup);

    let coloured = dir.path().join("coloured.log");
    write_lines(&coloured, lines, &sample_lines(true))?;
    settle(&coloured)?;
    let run_coloured = sitrep_run(&coloured, lines, || {});
    report("sitrep catch-up, coloured", lines, &run_coloured);
    std::fs::remove_file(&coloured)?;

    let tail_live_path = dir.path().join("tail-live.log");
    let mut tail_writer = Duration::ZERO;
    let tail_live = tail_run(&tail_live_path, size, || {
        tail_writer = write_lines(&tail_live_path, lines, &block).unwrap_or_default();
    })?;
    report("tail -F live (writer racing)", lines, &tail_live);
    settle(&tail_live_path)?;
    let tail_catchup = tail_run(&alone, size, || {})?;
    report("tail -F catch-up", lines, &tail_catchup);

    println!(
        "ratio sitrep/tail (speed): live {:.2}, catch-up {:.2}",
        tail_live.seconds / run_live.seconds,
        tail_catchup.seconds / run_catchup.seconds
    );
    // Keeping up: the follower's rate over the writer's, in the same race (1.00: it took no
    // longer than the writer did to write).
    let keep_up = |writer: Duration, run: &Run| (writer.as_secs_f64() / run.seconds).min(1.0);
    println!(
        "keeping up with the writer (writer {:.2} / {:.2} M lines/s): sitrep {:.2}, tail -F {:.2}",
        lines as f64 / sitrep_writer.as_secs_f64().max(1e-9) / 1e6,
        lines as f64 / tail_writer.as_secs_f64().max(1e-9) / 1e6,
        keep_up(sitrep_writer, &run_live),
        keep_up(tail_writer, &tail_live),
    );
    println!(
        "memory: RSS at start {} MiB, peak {} MiB, now {} MiB",
        rss_start / 1024,
        status_kib("VmHWM:") / 1024,
        status_kib("VmRSS:") / 1024
    );
    Ok(())
}

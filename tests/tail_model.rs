//! Model-based test: random sequences of writes, rotations, truncations, deletions and re-creations
//! against a followed file; every line written must arrive exactly once, in order within its file.
//!
//! Lines that are destroyed before anyone could read them are lost by any follower, so before a
//! truncation the test waits until the follower has caught up, and before a rename or delete until
//! it has at least opened the file. Everything else (late writes into a rotated file, writes racing
//! a rotation, lines split across writes) is left to the follower.

mod tail_support;

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use proptest::prelude::*;
use sitrep::tail::{SourceSpec, TailOptions};
use tail_support::{Follower, counts, options};

#[derive(Debug, Clone)]
enum Op {
    Write(usize),
    /// Lines written in two parts, the first ending mid-line.
    WriteSplit(usize, usize),
    Rotate,
    /// Lines written through the old handle after a rotation, as a slow writer would.
    LateWrite(usize),
    Truncate,
    /// Truncated and refilled in one go, possibly past the old size.
    TruncateRegrow(usize),
    Delete,
    Recreate,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (1usize..40).prop_map(Op::Write),
        2 => (1usize..10, 1usize..60).prop_map(|(n, cut)| Op::WriteSplit(n, cut)),
        2 => Just(Op::Rotate),
        1 => (1usize..5).prop_map(Op::LateWrite),
        1 => Just(Op::Truncate),
        1 => (1usize..40).prop_map(Op::TruncateRegrow),
        1 => Just(Op::Delete),
        1 => Just(Op::Recreate),
    ]
}

/// The files on disk and every line written to them.
struct World {
    dir: PathBuf,
    path: PathBuf,
    current: Option<File>,
    /// Lines in the current file (cleared by truncation), to know what the follower must have seen.
    current_lines: Vec<String>,
    rotated: Option<File>,
    generation: usize,
    rotations: usize,
    next_id: usize,
    written: Vec<String>,
}

impl World {
    fn new(dir: &Path) -> Self {
        Self {
            dir: dir.to_path_buf(),
            path: dir.join("app.log"),
            current: None,
            current_lines: Vec::new(),
            rotated: None,
            generation: 0,
            rotations: 0,
            next_id: 0,
            written: Vec::new(),
        }
    }

    fn lines(&mut self, n: usize) -> Vec<String> {
        (0..n)
            .map(|_| {
                self.next_id += 1;
                format!(
                    "gen {:03} line {:06} payload",
                    self.generation, self.next_id
                )
            })
            .collect()
    }

    fn open_current(&mut self) -> std::io::Result<()> {
        if self.current.is_none() {
            self.generation += 1;
            let file = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.path)?;
            self.current = Some(file);
            self.current_lines.clear();
        }
        Ok(())
    }

    fn write(&mut self, n: usize, split: Option<usize>) -> std::io::Result<()> {
        self.open_current()?;
        let lines = self.lines(n);
        let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
        if let Some(file) = &mut self.current {
            match split {
                Some(cut) => {
                    let cut = cut.min(text.len() - 1);
                    file.write_all(&text.as_bytes()[..cut])?;
                    std::thread::sleep(Duration::from_millis(30));
                    file.write_all(&text.as_bytes()[cut..])?;
                }
                None => file.write_all(text.as_bytes())?,
            }
        }
        self.current_lines.extend(lines.iter().cloned());
        self.written.extend(lines);
        Ok(())
    }

    fn apply(&mut self, op: &Op, follower: &mut Follower) -> Result<(), String> {
        let io = |e: std::io::Error| e.to_string();
        match *op {
            Op::Write(n) => self.write(n, None).map_err(io)?,
            Op::WriteSplit(n, cut) => self.write(n, Some(cut)).map_err(io)?,
            Op::Rotate => {
                if self.current.is_some() {
                    self.wait_opened(follower)?;
                    self.rotations += 1;
                    let to = self.dir.join(format!("app.log.{}", self.rotations));
                    fs::rename(&self.path, &to).map_err(io)?;
                    let old = self.current.take();
                    // Late writes are only guaranteed to be seen in a file the follower opened.
                    self.rotated = if self.current_lines.is_empty() {
                        None
                    } else {
                        old
                    };
                    self.open_current().map_err(io)?;
                }
            }
            Op::LateWrite(n) => {
                if let Some(mut file) = self.rotated.take() {
                    let lines = self.lines(n);
                    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
                    file.write_all(text.as_bytes()).map_err(io)?;
                    self.written.extend(lines);
                    self.rotated = Some(file);
                }
            }
            Op::Truncate | Op::TruncateRegrow(_) => {
                if let Some(file) = &self.current {
                    let everything = self.written.clone();
                    let caught_up = follower.wait_until(|f| {
                        let seen = counts(&f.lines);
                        everything.iter().all(|l| seen.contains_key(l.as_str()))
                    });
                    if !caught_up {
                        return Err("follower did not catch up before a truncation".into());
                    }
                    file.set_len(0).map_err(io)?;
                    self.current_lines.clear();
                    if let Op::TruncateRegrow(n) = *op {
                        self.write(n, None).map_err(io)?;
                    }
                }
            }
            Op::Delete => {
                if self.current.is_some() {
                    self.wait_opened(follower)?;
                    fs::remove_file(&self.path).map_err(io)?;
                    self.current = None;
                }
            }
            Op::Recreate => self.open_current().map_err(io)?,
        }
        Ok(())
    }

    /// Waits until the follower has read the current file's first line, proving it has it open.
    fn wait_opened(&self, follower: &mut Follower) -> Result<(), String> {
        let Some(first) = self.current_lines.first().cloned() else {
            return Ok(());
        };
        if follower.wait_until(|f| f.lines.contains(&first)) {
            Ok(())
        } else {
            Err(format!("follower never read {first:?}"))
        }
    }
}

fn run_model(
    ops: &[Op],
    spec: impl Fn(&Path) -> SourceSpec,
    opts: TailOptions,
) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let mut world = World::new(dir.path());
    let mut follower = Follower::start(spec(dir.path()), opts);
    for op in ops {
        world.apply(op, &mut follower)?;
        std::thread::sleep(Duration::from_millis(200));
    }
    let written = world.written.clone();
    follower.wait_until(|f| f.lines.len() >= written.len());
    std::thread::sleep(Duration::from_millis(300));
    follower.drain();
    let seen = counts(&follower.lines);
    let lost: Vec<_> = written
        .iter()
        .filter(|l| !seen.contains_key(l.as_str()))
        .collect();
    let doubled: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    let unknown: Vec<_> = seen
        .keys()
        .filter(|l| !written.iter().any(|w| w == *l))
        .collect();
    if !lost.is_empty() || !doubled.is_empty() || !unknown.is_empty() {
        return Err(format!(
            "lost {lost:?}\nduplicated {doubled:?}\nunexpected {unknown:?}\nstatuses {:?}",
            follower.statuses
        ));
    }
    // Within one file generation, lines arrive in the order written.
    let mut last_id = std::collections::HashMap::new();
    for line in &follower.lines {
        let generation = &line[4..7];
        let id: usize = line[13..19]
            .parse()
            .map_err(|_| format!("bad line {line:?}"))?;
        if let Some(previous) = last_id.insert(generation.to_string(), id)
            && previous > id
        {
            return Err(format!("{line:?} arrived after line {previous}"));
        }
    }
    Ok(())
}

/// Few cases by default to keep the suite quick; `TAIL_MODEL_CASES=200` for a deep run.
fn config() -> ProptestConfig {
    let cases = std::env::var("TAIL_MODEL_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4);
    ProptestConfig {
        cases,
        max_shrink_iters: 16,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn file_spec(dir: &Path) -> SourceSpec {
    SourceSpec::File(dir.join("app.log"))
}

fn glob_spec(dir: &Path) -> SourceSpec {
    SourceSpec::path(format!("{}/app.log*", dir.display()))
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn file_with_notify_loses_and_repeats_nothing(ops in prop::collection::vec(op(), 1..10)) {
        run_model(&ops, file_spec, options(true)).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn file_by_polling_loses_and_repeats_nothing(ops in prop::collection::vec(op(), 1..10)) {
        run_model(&ops, file_spec, options(false)).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn glob_over_rotated_names_loses_and_repeats_nothing(ops in prop::collection::vec(op(), 1..10)) {
        run_model(&ops, glob_spec, options(true)).map_err(TestCaseError::fail)?;
    }
}

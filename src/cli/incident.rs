//! The incident commands that work without the cockpit: `new`, `note`, `mark`, `severity`,
//! `retract`, `export`, `verify`.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use super::TimelineArgs;
use super::cockpit::{actor_name, actor_note, given_actor, load_runbooks, open_timeline};
use crate::config;
use crate::core::severity::Severity;
use crate::runbook;
use crate::timeline::{self, Event, Milestone};

/// `sitrep note TEXT…` (or `-` for stdin).
pub(super) fn note(
    text: &[String],
    attach: Option<&Path>,
    target: &TimelineArgs,
    actor: Option<String>,
) -> anyhow::Result<u8> {
    let mut text = if text.len() == 1 && text[0] == "-" {
        let mut s = String::new();
        std::io::stdin()
            .take(TEXT_CAP as u64 + 1)
            .read_to_string(&mut s)
            .context("reading the note from stdin")?;
        s.trim_end().to_string()
    } else {
        text.join(" ")
    };
    if let Some(file) = attach {
        let attached = attachment(file)?;
        text = if text.trim().is_empty() {
            attached
        } else {
            format!("{text}\n{attached}")
        };
    }
    if text.trim().is_empty() {
        bail!(
            "the note is empty: give the text as arguments, `-` to read it from stdin, or --attach FILE"
        );
    }
    if text.len() > TEXT_CAP {
        bail!(
            "the note is over {} KiB: a timeline line is for what people read; keep the text short and record the file with --attach FILE (its path, size and SHA-256)",
            TEXT_CAP / 1024
        );
    }
    append_one(target, actor, Event::Note { text })
}

/// The most text one note may hold.
pub(super) const TEXT_CAP: usize = crate::timeline::TEXT_CAP;

/// `attached PATH (N bytes, sha256:HEX)` for a file, read once to hash it.
fn attachment(file: &Path) -> anyhow::Result<String> {
    use sha2::Digest as _;
    let mut f = std::fs::File::open(file).with_context(|| format!("--attach {}", file.display()))?;
    let mut hasher = sha2::Sha256::new();
    let size = std::io::copy(&mut f, &mut hasher)
        .with_context(|| format!("reading --attach {}", file.display()))?;
    let path = std::fs::canonicalize(file).unwrap_or_else(|_| file.to_path_buf());
    let shown = crate::core::sanitize::sanitize(path.as_os_str().as_encoded_bytes());
    Ok(format!(
        "attached {shown} ({size} bytes, sha256:{:x})",
        hasher.finalize()
    ))
}

/// `sitrep mark detected|mitigated|resolved`.
pub(super) fn mark(
    milestone: &str,
    target: &TimelineArgs,
    actor: Option<String>,
) -> anyhow::Result<u8> {
    let Some(name) = Milestone::parse(milestone) else {
        bail!("`{milestone}` is not a milestone: use detected, mitigated or resolved");
    };
    append_one(target, actor, Event::Milestone { name })
}

/// `sitrep severity SEV1..SEV4`.
pub(super) fn severity(
    level: &str,
    target: &TimelineArgs,
    actor: Option<String>,
) -> anyhow::Result<u8> {
    let level: Severity = level.parse()?;
    append_one(target, actor, Event::Severity { level })
}

/// `sitrep retract SEQ [--reason TEXT]`.
pub(super) fn retract(
    seq: u64,
    reason: Option<String>,
    target: &TimelineArgs,
    actor: Option<String>,
) -> anyhow::Result<u8> {
    let path = existing_timeline(target)?;
    let report = timeline::read(&path).with_context(|| format!("reading {}", path.display()))?;
    let incident = timeline::Incident::replay(&report.records);
    let Some(record) = report.records.iter().find(|r| r.seq == seq) else {
        bail!(
            "{} has no event #{seq} (its events are #1 to #{}): the timeline panel and the export show each event's #",
            path.display(),
            incident.last_seq
        );
    };
    if let Some(by) = incident.retracted.get(&seq) {
        bail!(
            "#{seq} was already retracted by {} (#{}); nothing to do",
            by.actor,
            by.seq
        );
    }
    if !incident.retractable(seq) {
        bail!(
            "#{seq} is a {} event: only a milestone, a severity or a pattern the tool saw can be retracted (a note stays; write another one to correct it)",
            record.event.kind()
        );
    }
    let event = Event::Correction {
        retracts: seq,
        was: record.event.summary(),
        reason: reason.unwrap_or_default(),
    };
    append_one(target, actor, event)
}

/// Finds the timeline a command-line action is about: `--timeline`, else the newest incident in the
/// config's folder (for `open_only` actions, only if it is not resolved).
fn resolve_timeline(target: &TimelineArgs, open_only: bool) -> anyhow::Result<PathBuf> {
    if let Some(p) = &target.timeline {
        return Ok(p.clone());
    }
    let cfg = config::load_for_records(&target.config).map_err(|e| {
        anyhow::anyhow!(
            "{e}\n(no --timeline given, so the incident is looked up through the config)"
        )
    })?;
    let dir = &cfg.incident.dir;
    let Some(newest) = timeline::newest_in(dir) else {
        bail!(
            "no open incident in {}: start one with sitrep new \"TITLE\", or pass --timeline FILE",
            dir.display()
        );
    };
    if open_only && timeline::resolved(&newest) == Some(true) {
        bail!(
                "no open incident in {}: the newest, {}, is resolved; start one with sitrep new \"TITLE\", or pass --timeline {} to add to it",
                dir.display(),
                newest.display(),
                newest.display()
            );
    }
    Ok(newest)
}

/// `sitrep new TITLE [--severity SEVn]`: starts an incident without the cockpit and prints its file
/// (stdout) and id (stderr).
pub(super) fn new(args: super::NewArgs) -> anyhow::Result<(u8, PathBuf)> {
    let super::NewArgs {
        title,
        severity,
        dir,
        config: config_path,
        actor,
    } = args;
    let title = title.join(" ");
    if title.trim().is_empty() {
        bail!("the incident needs a title: sitrep new \"payments API errors\"");
    }
    let severity = severity.as_deref().map(str::parse::<Severity>).transpose()?;
    let dir = match dir {
        Some(d) => d,
        None if config_path.exists() => config::load_for_records(&config_path)?.incident.dir,
        None => bail!(
            "{} does not exist: pass --dir DIR for the incidents folder, or run where sitrep.toml is (sitrep init writes one)",
            config_path.display()
        ),
    };
    let still_open = timeline::newest_in(&dir).filter(|p| timeline::resolved(p) == Some(false));
    let me = config::load_for_records(&config_path).ok().and_then(|c| c.me);
    let actor = given_actor(actor, me)?;
    if let Some(note) = actor_note(actor.as_deref()) {
        eprintln!("note: {note}");
    }
    let name = timeline::new_file_name(&title, chrono::Utc::now());
    let opening = Event::IncidentOpened { title, severity };
    let actor = actor_name(actor);
    // Two incidents started in the same second with the same title: the later gets `.002`, `.003`…
    // after the time, which sorts after the first, so "the newest" stays the one started last.
    let (time, rest) = name.split_at(name.find('-').map_or(0, |_| "2026-01-01T000000".len()));
    let mut n = 1;
    let (path, writer) = loop {
        let path = match n {
            1 => dir.join(&name),
            _ => dir.join(format!("{time}.{n:03}{rest}")),
        };
        match timeline::TimelineWriter::create(&path, &actor, opening.clone()) {
            Ok((writer, _)) => break (path, writer),
            Err(timeline::writer::TimelineError::Open { cause, .. })
                if cause.kind() == std::io::ErrorKind::AlreadyExists && n < 100 =>
            {
                n += 1;
            }
            Err(e) => {
                return Err(anyhow::Error::new(e)
                    .context(format!("starting the incident in {}", dir.display())));
            }
        }
    };
    let shown = crate::core::sanitize::sanitize(writer.path().as_os_str().as_encoded_bytes());
    outln!("{shown}");
    let id = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    eprintln!("started incident {id}: note, mark and open now go to it");
    if let Some(old) = still_open {
        eprintln!(
            "({} is still open; pass --timeline to write to it)",
            old.display()
        );
    }
    Ok((0, path))
}

/// The timeline a command-line action is about, which must exist.
pub(super) fn existing_timeline(target: &TimelineArgs) -> anyhow::Result<PathBuf> {
    let path = resolve_timeline(target, true)?;
    if !path.exists() {
        bail!(
            "{} does not exist: start the incident with `sitrep open` first, or check the path",
            path.display()
        );
    }
    Ok(path)
}

fn append_one(target: &TimelineArgs, actor: Option<String>, event: Event) -> anyhow::Result<u8> {
    let path = existing_timeline(target)?;
    let me = config::load_for_records(&target.config).ok().and_then(|c| c.me);
    let actor = given_actor(actor, me)?;
    if let Some(note) = actor_note(actor.as_deref()) {
        eprintln!("note: {note}");
    }
    // A command line waits for another process's lock only so long, and says who holds it.
    let patience = crate::timeline::writer::Patience {
        timeout: Some(target.lock_timeout),
        say: Some(|what| eprintln!("{what}…")),
    };
    // A shared incident's copy holds only what the store took: the event is queued, then shared.
    if crate::share::replica::link_of(&path)
        .map_err(anyhow::Error::msg)?
        .is_some()
    {
        let who = actor_name(actor);
        return super::share::record(&path, &target.config, (&who, patience), event);
    }
    let (mut writer, _, _) = open_timeline(
        &path,
        ("incident", None),
        &actor_name(actor.clone()),
        patience,
    )?;
    let appended = writer.append(&actor_name(actor), event)?;
    outln!(
        "recorded #{} in {}: {}",
        appended.record.seq,
        crate::core::sanitize::sanitize(path.as_os_str().as_encoded_bytes()),
        crate::core::sanitize::sanitize(appended.record.event.summary().as_bytes())
    );
    Ok(0)
}

pub(super) fn export(
    format: &str,
    output: Option<&Path>,
    target: &TimelineArgs,
) -> anyhow::Result<u8> {
    let format: crate::export::Format = format.parse()?;
    let path = resolve_timeline(target, false)?;
    let report = timeline::read(&path).with_context(|| format!("reading {}", path.display()))?;
    for p in &report.problems {
        eprintln!("warning: {}: {p}", path.display());
    }
    // Secrets are redacted from exports by value, so the config that names them must load: an export
    // without redaction is not something to do by accident.
    let cfg = if target.config.exists() {
        Some(config::load_all(&target.config).map_err(|errors| {
            let all: Vec<String> = errors.iter().map(ToString::to_string).collect();
            anyhow::anyhow!("{}\nThe export needs the config to know which secret values to redact; fix it (or export the variables it names) and try again.", all.join("\n"))
        })?)
    } else {
        None
    };
    let runbooks = match &cfg {
        Some(c) => load_runbooks(c).unwrap_or_else(|_| runbook::shipped()),
        None => runbook::shipped(),
    };
    let secrets = cfg.as_ref().map(|c| c.secrets.clone()).unwrap_or_default();
    let checked = timeline::verify_against(&path, &[])
        .with_context(|| format!("reading {}", path.display()))?;
    let input = crate::export::ExportInput {
        records: &report.records,
        runbooks: &runbooks,
        secrets: &secrets,
        timeline_path: &path.display().to_string(),
        damage: &checked.problems,
        notes: &checked.notes,
    };
    let text = crate::export::render(format, &input);
    match output {
        Some(out) => {
            crate::export::write_atomic(out, &text)
                .with_context(|| format!("writing {}", out.display()))?;
            eprintln!("wrote {} ({} events)", out.display(), report.records.len());
        }
        None => out!("{text}"),
    }
    Ok(0)
}

pub(super) async fn verify(
    timeline_arg: Option<PathBuf>,
    config: &Path,
    heads: &[String],
    heads_from: &[PathBuf],
    against: Option<&str>,
) -> anyhow::Result<u8> {
    let mut witnesses = Vec::new();
    for h in heads {
        let head = timeline::head::Head::parse(h).map_err(|e| anyhow::anyhow!("--head: {e}"))?;
        witnesses.push((head, "--head".to_string()));
    }
    for file in heads_from {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("reading --head-from {}", file.display()))?;
        let found = timeline::head::all_in(&text);
        if found.is_empty() {
            bail!(
                "{} holds no `head #N sha256:…`: give a status update as it was sent, or an export",
                file.display()
            );
        }
        witnesses.extend(found.into_iter().map(|h| (h, file.display().to_string())));
    }
    let path = resolve_timeline(
        &TimelineArgs {
            timeline: timeline_arg,
            config: config.to_path_buf(),
            lock_timeout: std::time::Duration::ZERO,
        },
        false,
    )?;
    let mut v = timeline::verify_against(&path, &witnesses)
        .with_context(|| format!("reading {}", path.display()))?;
    if let Some(url) = against {
        let found = super::share::verify_against(&path, url, config).await?;
        if found.problems.is_empty() {
            v.notes.push(format!(
                "matches the {} event(s) in {url}, whose chain is whole",
                found.shared
            ));
        }
        v.problems.extend(found.problems.into_iter().map(|p| format!("{url}: {p}")));
        v.notes.extend(found.notes);
    }
    for n in &v.notes {
        outln!("{}: {n}", path.display());
    }
    let head = v
        .head
        .as_ref()
        .map_or_else(|| "no events".into(), ToString::to_string);
    if v.problems.is_empty() {
        let proves = if against.is_some() {
            "the store is the witness"
        } else if witnesses.is_empty() {
            "no witness head given, so a cut tail or a rewritten chain would not show"
        } else {
            "every witness head reached"
        };
        outln!(
            "ok: {} events, chain intact, {head} ({}; {proves})",
            v.events,
            path.display()
        );
        Ok(0)
    } else {
        for p in &v.problems {
            outln!("{}: {p}", path.display());
        }
        outln!(
            "FAILED: {} problem(s) in {} ({} good events, {head})",
            v.problems.len(),
            path.display(),
            v.events
        );
        Ok(1)
    }
}

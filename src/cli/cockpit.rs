//! The cockpit commands: `demo` and `open`, and what both need (who is acting, which timeline, the
//! runbooks).

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::app::App;
use crate::config::{self, Config};
use crate::core::severity::Severity;
use crate::health::EndpointSpec;
use crate::runbook::{self, Runbook};
use crate::runtime::{self, Session};
use crate::tail::{SourceSpec, TailOptions, Timing};
use crate::timeline::{self, Event, OpenReport, TimelineWriter};
use crate::ui::Theme;

/// `--actor`, else `$USER`, else `responder`.
pub(super) fn actor_name(actor: Option<String>) -> String {
    actor
        .filter(|a| !a.trim().is_empty())
        .or_else(|| std::env::var("USER").ok().filter(|u| !u.is_empty()))
        .unwrap_or_else(|| "responder".into())
}

/// Who the responder says they are: `--actor`, else `SITREP_ACTOR`, else the config's `[me] name`
/// (`$USER` comes after, in [`actor_name`]: on a shared jump host it names everyone alike). A name
/// that cannot stand for a responder is refused with what is wrong.
pub(super) fn given_actor(actor: Option<String>, me: Option<String>) -> anyhow::Result<Option<String>> {
    let (name, from) = match actor.filter(|a| !a.trim().is_empty()) {
        Some(a) => (Some(a), "--actor"),
        None => match std::env::var("SITREP_ACTOR").ok().filter(|a| !a.trim().is_empty()) {
            Some(a) => (Some(a), "SITREP_ACTOR"),
            None => (me, "[me] name"),
        },
    };
    name.map(|n| crate::timeline::check_actor(&n).map_err(|why| anyhow::anyhow!("{from}: {why}")))
        .transpose()
}

/// What to tell the user when nothing names them, so that the timeline's `responder` is no
/// surprise.
pub(super) fn actor_note(actor: Option<&str>) -> Option<String> {
    let named = actor.is_some_and(|a| !a.trim().is_empty())
        || std::env::var("USER").is_ok_and(|u| !u.is_empty());
    (!named).then(|| {
        "$USER is empty: recording you as `responder`; pass --actor NAME, set SITREP_ACTOR, or put name = \"…\" under [me] in sitrep.toml"
            .to_string()
    })
}

/// A name already present in another cockpit is refused: on a jump host everyone is `$USER`, and
/// the team could not tell two responders apart in the record.
async fn refuse_a_name_here(cfg: &Config, path: &std::path::Path, actor: &str) -> anyhow::Result<()> {
    if !path.exists() {
        return Ok(());
    }
    let shared = super::share::cockpit_share(cfg, path)?;
    let store = shared.as_ref().map(|(store, _)| store);
    let place = crate::runtime::presence::Place::of(path, store);
    let Some(there) = crate::runtime::presence::name_taken(&place, actor).await else {
        return Ok(());
    };
    let host = if there.host.is_empty() {
        String::new()
    } else {
        format!(" on {}", crate::core::sanitize::sanitize_line(&there.host))
    };
    anyhow::bail!(
        "`{actor}` already has this incident open in another cockpit{host} (heard from {} s ago). \
         Choose your own name: --actor NAME, SITREP_ACTOR=NAME, or name = \"…\" under [me] in sitrep.toml \
         (names are not authenticated: they tell the team who did what). \
         If that was you and sitrep was killed, it counts as gone 30 s after its last heartbeat.",
        (chrono::Utc::now() - there.at).num_seconds().max(0)
    )
}

pub(super) fn load_runbooks(cfg: &Config) -> anyhow::Result<Vec<Runbook>> {
    match &cfg.incident.runbooks {
        None => Ok(runbook::shipped()),
        Some(dir) => runbook::load_dir(dir).map_err(|errors| {
            let lines: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
            anyhow::anyhow!("{}", lines.join("\n"))
        }),
    }
}

/// Opens a timeline for writing, telling the user about any damage found (and recording it once),
/// and writes the opening line of a new incident. Returns what was found wrong, for the cockpit's
/// banner.
pub(super) fn open_timeline(
    path: &Path,
    (title, severity): (&str, Option<Severity>),
    actor: &str,
    patience: crate::timeline::writer::Patience,
) -> anyhow::Result<(TimelineWriter, OpenReport, Vec<String>)> {
    let opening = || Event::IncidentOpened {
        title: title.to_string(),
        severity,
    };
    // Read before the file: a writer appends, then replaces the sidecar, so a file read after it
    // reaches its head unless lines were really removed.
    let side = crate::timeline::head::read_sidecar(path);
    // A new incident's file appears whole, with its first line, or not at all.
    let created = if path.exists() {
        None
    } else {
        match TimelineWriter::create(path, actor, opening()) {
            Ok(opened) => Some(opened),
            Err(crate::timeline::writer::TimelineError::Open { cause, .. })
                if cause.kind() == std::io::ErrorKind::AlreadyExists =>
            {
                None
            }
            Err(e) => return Err(e.into()),
        }
    };
    // A sidecar left by a file that was deleted says nothing of the one just started.
    let side = if created.is_some() { None } else { side };
    let (mut writer, mut report) = match created {
        Some(opened) => opened,
        None => TimelineWriter::open_with(path, patience)?,
    };
    // A shared incident's copy is empty only until the store's events come in.
    if report.records.is_empty() && !writer.is_replica() {
        // An empty file (left by an older version, or made by hand): its first line goes in now.
        let appended = writer.append(actor, opening())?;
        report.records.push(appended.record);
    }
    let damage = damage_found(path, &report, side);
    for d in &damage {
        eprintln!("warning: {}: {d}", path.display());
    }
    // Said in the record itself, once for the same findings however often the file is opened.
    let said = report.records.iter().rev().find_map(|r| match &r.event {
        Event::TimelineDamaged { problems } => Some(problems),
        _ => None,
    });
    // A shared incident's copy tells the team only what the store took; damage found in the copy
    // (which catching up repairs) is said here and on the banner.
    if !damage.is_empty() && said != Some(&damage) && !writer.is_replica() {
        let event = Event::TimelineDamaged {
            problems: damage.clone(),
        };
        let appended = writer.append(crate::timeline::TOOL_ACTOR, event)?;
        report.records.extend(appended.foreign);
        report.records.push(appended.record);
    }
    Ok((writer, report, damage))
}

/// What opening found wrong: bad lines, a torn tail set aside, a file cut shorter than its sidecar.
fn damage_found(
    path: &Path,
    report: &OpenReport,
    side: Option<crate::timeline::head::Head>,
) -> Vec<String> {
    let mut damage: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
    if let Some((torn, aside)) = &report.torn {
        damage.push(format!(
            "the last line was torn at byte {} ({} bytes, a crash mid-write); moved aside to {}",
            torn.offset,
            torn.bytes.len(),
            aside.display()
        ));
    }
    damage.extend(crate::timeline::head::sidecar_problem(
        path,
        side.as_ref(),
        &report.records,
    ));
    damage
}

/// The cockpit draws on a terminal and reads keys from it: without one, say so before anything is
/// started or written, and what works without one.
fn need_a_terminal(command: &str) -> anyhow::Result<()> {
    use std::io::IsTerminal as _;
    if std::io::stdin().is_terminal() && std::io::stdout().is_terminal() {
        return Ok(());
    }
    anyhow::bail!(
        "sitrep {command} needs a terminal (its input and output are not one, so it cannot draw or read keys). \
         Without one: `sitrep new`, `note`, `mark`, `severity`, `export` and `verify` work on the incident's file."
    )
}

/// Runs the cockpit with `theme`, unless `NO_COLOR` asks for none.
pub(super) async fn run_session(session: Session, theme: Theme) -> anyhow::Result<u8> {
    let exit = runtime::run(session, theme.unless_no_color()).await?;
    Ok(match exit {
        runtime::Exit::Quit => 0,
        runtime::Exit::Signal => 130,
    })
}

pub(super) fn new_app(
    writer: &TimelineWriter,
    records: Vec<timeline::Record>,
    runbooks: Vec<Runbook>,
    actor: String,
    note: Option<String>,
) -> App {
    let mut app = App::new(
        records,
        writer.path().display().to_string(),
        runbooks,
        actor,
        chrono::Utc::now(),
    );
    app.flash = note.map(|text| crate::app::Flash { text, error: false });
    if let Some(flash) = app.flash.clone() {
        app.remember(flash);
    }
    app
}

pub(super) async fn demo(
    dir: Option<PathBuf>,
    fail_after: std::time::Duration,
    actor: Option<String>,
    dry_run: bool,
    mouse: bool,
) -> anyhow::Result<u8> {
    need_a_terminal("demo")?;
    let actor = given_actor(actor, None)?;
    let dir = match dir {
        Some(d) => d,
        None => tempfile::Builder::new()
            .prefix("sitrep-demo-")
            .tempdir()
            .context("creating a temporary folder for the demo")?
            .keep(),
    };
    let script = crate::demo::Script { fail_after };
    let demo = crate::demo::start(&dir, script)
        .await
        .context("starting the demo API on 127.0.0.1")?;
    let note = actor_note(actor.as_deref());
    let actor = actor_name(actor);
    let path = timeline::newest_in(&dir)
        .unwrap_or_else(|| dir.join(timeline::new_file_name("demo payments", chrono::Utc::now())));
    let (writer, report, damage) = open_timeline(
        &path,
        ("Demo: payments provider integration failing", Some(Severity::Sev2)),
        &actor,
        crate::timeline::writer::Patience::default(),
    )?;
    let mut payments = EndpointSpec::new("payments-api", demo.payments_url());
    payments.interval = std::time::Duration::from_secs(1);
    payments.timeout = std::time::Duration::from_secs(2);
    payments.max_latency = Some(std::time::Duration::from_millis(800));
    let mut ledger = EndpointSpec::new("ledger", demo.ledger_url());
    ledger.interval = std::time::Duration::from_secs(2);
    let logs = vec![(
        "payments-api".to_string(),
        SourceSpec::File(demo.log_path.clone()),
        Timing::default(),
    )];
    let options = TailOptions {
        from_start: true,
        ..TailOptions::default()
    };
    let runbooks = crate::demo::runbooks(&demo, &path);
    let mut app = new_app(&writer, report.records, runbooks, actor, note);
    app.damage = damage;
    // The demo is healthy for `fail_after`: most of that is the baseline, so what its failure
    // brings shows as new.
    app.set_baseline((fail_after * 3 / 4).min(std::time::Duration::from_secs(120)));
    app.dry_run = dry_run;
    // The shipped runbooks' commands name these; in the demo they are harmless stand-ins.
    app.params = crate::demo::params();
    let updates = crate::act::Destination::File(dir.join("status-updates.md"));
    app.destinations = vec![updates.label()];
    app.set_update_every(std::time::Duration::from_secs(15 * 60));
    let code = run_session(
        Session {
            app,
            writer,
            logs,
            tail_options: options,
            endpoints: vec![payments, ledger],
            secrets: Vec::new(),
            destinations: vec![updates],
            mouse,
            share: None,
        },
        Theme::color(),
    )
    .await?;
    eprintln!(
        "demo files kept in {} — export with: sitrep export --timeline {}",
        demo.dir.display(),
        path.display()
    );
    Ok(code)
}

pub(super) async fn open(
    config_path: &Path,
    new: bool,
    timeline: Option<PathBuf>,
    actor: Option<String>,
    dry_run: bool,
    mouse: bool,
) -> anyhow::Result<u8> {
    let cfg = config::load(config_path)?;
    let runbooks = load_runbooks(&cfg)?;
    need_a_terminal("open")?;
    let actor = given_actor(actor, cfg.me.clone())?;
    let note = actor_note(actor.as_deref());
    let actor = actor_name(actor);
    let path = match timeline {
        Some(p) => p,
        None => {
            let newest = timeline::newest_in(&cfg.incident.dir);
            let resolved = newest.as_deref().and_then(timeline::resolved) == Some(true);
            match newest {
                Some(p) if !new && !resolved => {
                    eprintln!(
                        "reopening {} (use --new to start another incident)",
                        p.display()
                    );
                    p
                }
                _ => cfg.incident.dir.join(timeline::new_file_name(
                    &cfg.incident.title,
                    chrono::Utc::now(),
                )),
            }
        }
    };
    // Before the file is touched: a refused cockpit leaves no trace.
    refuse_a_name_here(&cfg, &path, &actor).await?;
    let created = !path.exists();
    let (mut writer, mut report, damage) = open_timeline(
        &path,
        (&cfg.incident.title, cfg.incident.severity),
        &actor,
        crate::timeline::writer::Patience::default(),
    )?;
    if created && cfg.share.is_some() {
        super::share::publish_new(&path, config_path).await;
        // Shared now: appends go to the outbox.
        (writer, report) = TimelineWriter::open(&path)?;
    }
    let share = super::share::cockpit_share(&cfg, &path)?;
    let logs = cfg
        .logs
        .iter()
        .map(|l| (l.name.clone(), l.source.clone(), l.timing.clone()))
        .collect();
    let endpoints: Vec<EndpointSpec> = cfg.endpoints.clone();
    let mut app = new_app(&writer, report.records, runbooks, actor, note);
    app.damage = damage;
    if let Some((store, _)) = &share {
        super::share::show_waiting(&mut app, &path, &store.url);
    }
    app.dry_run = dry_run;
    app.params = cfg.incident.params.clone();
    app.destinations = cfg.destinations.iter().map(|d| d.label()).collect();
    app.set_update_every(cfg.incident.update_every);
    app.episode_hold = chrono::TimeDelta::from_std(cfg.incident.episode_hold)
        .unwrap_or(chrono::TimeDelta::seconds(30));
    app.keymap = cfg.keymap.clone();
    let code = run_session(
        Session {
            app,
            writer,
            logs,
            tail_options: TailOptions::default(),
            endpoints,
            secrets: cfg.secrets.clone(),
            destinations: cfg.destinations.clone(),
            mouse: mouse || cfg.ui.mouse,
            share,
        },
        cfg.theme.clone(),
    )
    .await?;
    // Shared before or during the session (`sitrep share` from another shell): say what waits.
    if crate::timeline::outbox::is_replica(&path) {
        super::share::say_waiting(&path);
    }
    Ok(code)
}

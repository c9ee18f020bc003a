//! What each subcommand does: thin wrappers over the library that the TUI uses too.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::CommandFactory as _;

use crate::app::App;
use crate::cli::{Cli, Cmd, TimelineArgs};
use crate::config::{self, Config};
use crate::core::severity::Severity;
use crate::health::EndpointSpec;
use crate::runbook::{self, Runbook};
use crate::tail::{SourceSpec, TailOptions};
use crate::timeline::{self, Event, Milestone, OpenReport, TimelineWriter};
use crate::tui::{self, Session};
use crate::ui::Theme;

/// Runs a parsed command line; returns the process exit code.
pub async fn run(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Cmd::Demo {
            dir,
            fail_after,
            actor,
            dry_run,
            mouse,
        } => demo(dir, fail_after, actor, dry_run, mouse).await,
        Cmd::Open {
            config,
            new,
            timeline,
            actor,
            dry_run,
            mouse,
        } => open(&config, new, timeline, actor, dry_run, mouse).await,
        Cmd::Init { dir } => init(&dir),
        Cmd::Check { config } => Ok(check(&config)),
        Cmd::Note {
            text,
            target,
            actor,
        } => {
            let text = if text.len() == 1 && text[0] == "-" {
                let mut s = String::new();
                std::io::stdin()
                    .read_to_string(&mut s)
                    .context("reading the note from stdin")?;
                s.trim_end().to_string()
            } else {
                text.join(" ")
            };
            if text.trim().is_empty() {
                bail!(
                    "the note is empty: give the text as arguments, or `-` to read it from stdin"
                );
            }
            append_one(&target, actor, Event::Note { text })
        }
        Cmd::Mark {
            milestone,
            target,
            actor,
        } => {
            let Some(name) = Milestone::parse(&milestone) else {
                bail!("`{milestone}` is not a milestone: use detected, mitigated or resolved");
            };
            append_one(&target, actor, Event::Milestone { name })
        }
        Cmd::Severity {
            level,
            target,
            actor,
        } => {
            let level: Severity = level.parse()?;
            append_one(&target, actor, Event::Severity { level })
        }
        Cmd::Export {
            format,
            output,
            target,
        } => export(&format, output.as_deref(), &target),
        Cmd::Verify {
            file,
            timeline,
            config,
        } => verify(file.or(timeline), &config),
        Cmd::Tail { filter, files } => tail(&files, filter.as_deref()).await,
        Cmd::Probe {
            url,
            count,
            headers,
            interval,
            timeout,
        } => probe(&url, count, &headers, interval, timeout).await,
        Cmd::Patterns {
            input,
            format,
            assign,
        } => patterns(&input, &format, assign),
        Cmd::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "sitrep", &mut script);
            print_bytes(&script)
        }
        Cmd::Man => {
            let mut page = Vec::new();
            clap_mangen::Man::new(Cli::command())
                .render(&mut page)
                .context("rendering the man page")?;
            print_bytes(&page)
        }
    }
}

/// Writes generated text to stdout; generated into memory first, as the generators panic on a
/// write error and `sitrep man | head` closes the pipe early.
fn print_bytes(bytes: &[u8]) -> anyhow::Result<u8> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => Ok(0),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(0),
        Err(e) => Err(e).context("writing to stdout"),
    }
}

/// `--actor`, else `$USER`, else `responder`.
pub fn actor_name(actor: Option<String>) -> String {
    actor
        .filter(|a| !a.trim().is_empty())
        .or_else(|| std::env::var("USER").ok().filter(|u| !u.is_empty()))
        .unwrap_or_else(|| "responder".into())
}

/// What to tell the user when neither `--actor` nor `$USER` names them, so that the timeline's
/// `responder` is no surprise.
pub fn actor_note(actor: Option<&str>) -> Option<String> {
    let named = actor.is_some_and(|a| !a.trim().is_empty())
        || std::env::var("USER").is_ok_and(|u| !u.is_empty());
    (!named).then(|| {
        "$USER is empty: recording you as `responder`; pass --actor NAME to name yourself"
            .to_string()
    })
}

fn load_runbooks(cfg: &Config) -> anyhow::Result<Vec<Runbook>> {
    match &cfg.incident.runbooks {
        None => Ok(runbook::shipped()),
        Some(dir) => runbook::load_dir(dir).map_err(|errors| {
            let lines: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
            anyhow::anyhow!("{}", lines.join("\n"))
        }),
    }
}

/// Opens a timeline for writing, telling the user about any damage found, and writes the opening line
/// of a new incident.
fn open_timeline(
    path: &Path,
    title: &str,
    severity: Option<Severity>,
    actor: &str,
) -> anyhow::Result<(TimelineWriter, OpenReport)> {
    let (mut writer, mut report) = TimelineWriter::open(path)?;
    for p in &report.problems {
        eprintln!("warning: {}: {p}", path.display());
    }
    if let Some((torn, aside)) = &report.torn {
        eprintln!(
            "warning: {}: the last line was torn at byte {} ({} bytes, a crash mid-write); moved aside to {}",
            path.display(),
            torn.offset,
            torn.bytes.len(),
            aside.display()
        );
    }
    if report.records.is_empty() {
        let appended = writer.append(
            actor,
            Event::IncidentOpened {
                title: title.to_string(),
                severity,
            },
        )?;
        report.records.push(appended.record);
    }
    Ok((writer, report))
}

/// Runs the cockpit with `theme`, unless `NO_COLOR` asks for none.
async fn run_session(session: Session, theme: Theme) -> anyhow::Result<u8> {
    let exit = tui::run(session, theme.unless_no_color()).await?;
    Ok(match exit {
        tui::Exit::Quit => 0,
        tui::Exit::Signal => 130,
    })
}

fn new_app(
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
    app
}

async fn demo(
    dir: Option<PathBuf>,
    fail_after: std::time::Duration,
    actor: Option<String>,
    dry_run: bool,
    mouse: bool,
) -> anyhow::Result<u8> {
    let dir = match dir {
        Some(d) => d,
        None => tempfile::Builder::new()
            .prefix("sitrep-demo-")
            .tempdir()
            .context("creating a temporary folder for the demo")?
            .keep(),
    };
    let script = crate::demo::Script {
        fail_after,
        ..Default::default()
    };
    let demo = crate::demo::start(&dir, script)
        .await
        .context("starting the demo API on 127.0.0.1")?;
    let note = actor_note(actor.as_deref());
    let actor = actor_name(actor);
    let path = timeline::newest_in(&dir)
        .unwrap_or_else(|| dir.join(timeline::new_file_name("demo payments", chrono::Utc::now())));
    let (writer, report) = open_timeline(
        &path,
        "Demo: payments provider integration failing",
        Some(Severity::Sev2),
        &actor,
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
    )];
    let options = TailOptions {
        from_start: true,
        ..TailOptions::default()
    };
    let runbooks = crate::demo::runbooks(&demo, &path);
    let mut app = new_app(&writer, report.records, runbooks, actor, note);
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

async fn open(
    config_path: &Path,
    new: bool,
    timeline: Option<PathBuf>,
    actor: Option<String>,
    dry_run: bool,
    mouse: bool,
) -> anyhow::Result<u8> {
    let cfg = config::load(config_path)?;
    let runbooks = load_runbooks(&cfg)?;
    let note = actor_note(actor.as_deref());
    let actor = actor_name(actor);
    let path = match timeline {
        Some(p) => p,
        None => {
            let newest = timeline::newest_in(&cfg.incident.dir);
            let resolved = newest
                .as_deref()
                .and_then(|p| timeline::read(p).ok())
                .map(|r| timeline::Incident::replay(&r.records).is_resolved())
                .unwrap_or(false);
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
    let (writer, report) =
        open_timeline(&path, &cfg.incident.title, cfg.incident.severity, &actor)?;
    let logs = cfg
        .logs
        .iter()
        .map(|l| (l.name.clone(), l.source.clone()))
        .collect();
    let endpoints: Vec<EndpointSpec> = cfg.endpoints.clone();
    let mut app = new_app(&writer, report.records, runbooks, actor, note);
    app.dry_run = dry_run;
    app.params = cfg.incident.params.clone();
    app.destinations = cfg.destinations.iter().map(|d| d.label()).collect();
    app.set_update_every(cfg.incident.update_every);
    app.keymap = cfg.keymap.clone();
    run_session(
        Session {
            app,
            writer,
            logs,
            tail_options: TailOptions::default(),
            endpoints,
            secrets: cfg.secrets.clone(),
            destinations: cfg.destinations.clone(),
            mouse: mouse || cfg.ui.mouse,
        },
        cfg.theme.clone(),
    )
    .await
}

fn init(dir: &Path) -> anyhow::Result<u8> {
    std::fs::create_dir_all(dir.join("runbooks"))
        .with_context(|| format!("creating {}", dir.join("runbooks").display()))?;
    let mut files = vec![(dir.join("sitrep.toml"), config::TEMPLATE)];
    for (name, text) in runbook::SHIPPED {
        files.push((dir.join("runbooks").join(name), text));
    }
    for (path, text) in files {
        if path.exists() {
            println!("kept     {} (exists; not overwritten)", path.display());
            continue;
        }
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
        println!("wrote    {}", path.display());
    }
    println!("next: edit sitrep.toml (logs and endpoints), then `sitrep check` and `sitrep open`");
    Ok(0)
}

/// Validates a config and its runbooks; prints each problem as `file:line:col: message`.
pub fn check(config_path: &Path) -> u8 {
    let cfg = match config::load(config_path) {
        Ok(c) => c,
        Err(e) => {
            println!("{e}");
            return 1;
        }
    };
    let runbooks = match &cfg.incident.runbooks {
        None => runbook::shipped(),
        Some(dir) => match runbook::load_dir(dir) {
            Ok(r) => r,
            Err(errors) => {
                for e in errors {
                    println!("{e}");
                }
                return 1;
            }
        },
    };
    for l in &cfg.logs {
        if let SourceSpec::File(p) = &l.source
            && !p.exists()
        {
            {
                println!(
                    "note: log `{}`: {} does not exist yet; sitrep will wait for it to appear",
                    l.name,
                    p.display()
                );
            }
        }
    }
    let rebound = rebound_keys(&cfg.keymap);
    if !rebound.is_empty() {
        println!("note: keys rebound: {}", rebound.join(", "));
    }
    if cfg.ui.mouse {
        println!(
            "note: mouse on: a click focuses a panel, the wheel scrolls it; hold Shift to select text"
        );
    }
    let steps: usize = runbooks.iter().map(|r| r.steps.len()).sum();
    println!(
        "ok: {} — {} log source(s), {} endpoint(s), {} runbook(s) with {} steps",
        cfg.origin,
        cfg.logs.len(),
        cfg.endpoints.len(),
        runbooks.len(),
        steps
    );
    0
}

/// `tick = space x` for every action whose keys differ from the defaults.
fn rebound_keys(keymap: &[crate::app::Binding]) -> Vec<String> {
    use crate::app::keys::{Action, Key, default_keymap};
    let keys_of = |map: &[crate::app::Binding], a: Action| -> Vec<String> {
        map.iter()
            .filter(|b| b.action == a)
            .flat_map(|b| b.keys.iter().map(|k| Key(*k).to_string()))
            .collect()
    };
    let defaults = default_keymap();
    Action::ALL
        .iter()
        .copied()
        .filter(|a| keys_of(keymap, *a) != keys_of(&defaults, *a))
        .map(|a| {
            let mut keys: Vec<String> = Vec::new();
            for k in keys_of(keymap, a) {
                if !keys.contains(&k) {
                    keys.push(k);
                }
            }
            format!("{a} = {}", keys.join(" "))
        })
        .collect()
}

/// Finds the timeline a command-line action is about.
fn resolve_timeline(target: &TimelineArgs) -> anyhow::Result<PathBuf> {
    if let Some(p) = &target.timeline {
        return Ok(p.clone());
    }
    let cfg = config::load(&target.config).map_err(|e| {
        anyhow::anyhow!(
            "{e}\n(no --timeline given, so the incident is looked up through the config)"
        )
    })?;
    timeline::newest_in(&cfg.incident.dir).ok_or_else(|| {
        anyhow::anyhow!(
            "no incident in {}: start one with `sitrep open`, or pass --timeline FILE",
            cfg.incident.dir.display()
        )
    })
}

fn append_one(target: &TimelineArgs, actor: Option<String>, event: Event) -> anyhow::Result<u8> {
    let path = resolve_timeline(target)?;
    if !path.exists() {
        bail!(
            "{} does not exist: start the incident with `sitrep open` first, or check the path",
            path.display()
        );
    }
    if let Some(note) = actor_note(actor.as_deref()) {
        eprintln!("note: {note}");
    }
    let (mut writer, _) = open_timeline(&path, "incident", None, &actor_name(actor.clone()))?;
    let appended = writer.append(&actor_name(actor), event)?;
    println!(
        "recorded #{} in {}: {}",
        appended.record.seq,
        crate::core::sanitize::sanitize(path.as_os_str().as_encoded_bytes()),
        crate::core::sanitize::sanitize(appended.record.event.summary().as_bytes())
    );
    Ok(0)
}

fn export(format: &str, output: Option<&Path>, target: &TimelineArgs) -> anyhow::Result<u8> {
    let format: crate::export::Format = format.parse()?;
    let path = resolve_timeline(target)?;
    let report = timeline::read(&path).with_context(|| format!("reading {}", path.display()))?;
    for p in &report.problems {
        eprintln!("warning: {}: {p}", path.display());
    }
    // Secrets are redacted from exports by value, so the config that names them must load: an export
    // without redaction is not something to do by accident.
    let cfg = if target.config.exists() {
        Some(config::load(&target.config).map_err(|e| {
            anyhow::anyhow!("{e}\nThe export needs the config to know which secret values to redact; fix it (or export the variables it names) and try again.")
        })?)
    } else {
        None
    };
    let runbooks = match &cfg {
        Some(c) => load_runbooks(c).unwrap_or_else(|_| runbook::shipped()),
        None => runbook::shipped(),
    };
    let secrets = cfg.as_ref().map(|c| c.secrets.clone()).unwrap_or_default();
    let input = crate::export::ExportInput {
        records: &report.records,
        runbooks: &runbooks,
        secrets: &secrets,
        timeline_path: &path.display().to_string(),
    };
    let text = crate::export::render(format, &input);
    match output {
        Some(out) => {
            crate::export::write_atomic(out, &text)
                .with_context(|| format!("writing {}", out.display()))?;
            eprintln!("wrote {} ({} events)", out.display(), report.records.len());
        }
        None => print!("{text}"),
    }
    Ok(0)
}

fn verify(timeline_arg: Option<PathBuf>, config: &Path) -> anyhow::Result<u8> {
    let path = resolve_timeline(&TimelineArgs {
        timeline: timeline_arg,
        config: config.to_path_buf(),
    })?;
    let v = timeline::verify(&path).with_context(|| format!("reading {}", path.display()))?;
    if v.problems.is_empty() {
        println!("ok: {} events, chain intact ({})", v.events, path.display());
        Ok(0)
    } else {
        for p in &v.problems {
            println!("{}: {p}", path.display());
        }
        println!(
            "FAILED: {} problem(s) in {} ({} good events)",
            v.problems.len(),
            path.display(),
            v.events
        );
        Ok(1)
    }
}

async fn probe(
    url: &str,
    count: u32,
    headers: &[String],
    interval: std::time::Duration,
    timeout: std::time::Duration,
) -> anyhow::Result<u8> {
    let mut spec = EndpointSpec::new("probe", url);
    spec.interval = interval;
    spec.timeout = timeout;
    spec.connect_timeout = timeout.min(spec.connect_timeout.max(std::time::Duration::from_secs(1)));
    for h in headers {
        spec.headers.push(crate::health::parse_header_arg(h)?);
    }
    spec.validate()?;
    let prober = crate::health::Prober::new();
    let mut out = std::io::stdout();
    let summary = crate::health::run_probe_command(&prober, &spec, count, &mut out).await?;
    Ok(if summary.all_up() { 0 } else { 1 })
}

async fn tail(files: &[PathBuf], filter: Option<&str>) -> anyhow::Result<u8> {
    let filter = match filter {
        Some(f) => Some(
            regex::Regex::new(f)
                .map_err(|e| anyhow::anyhow!("--filter `{f}` is not a valid regex: {e}"))?,
        ),
        None => None,
    };
    let specs: Vec<SourceSpec> = files.iter().map(SourceSpec::path).collect();
    let cancel = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let mut out = std::io::stdout();
    let mut diag = std::io::stderr();
    crate::tail::follow_to_writer(
        specs,
        filter.as_ref(),
        TailOptions::default(),
        &mut out,
        &mut diag,
        cancel,
    )
    .await?;
    Ok(0)
}

fn patterns(input: &Path, format: &str, assign: bool) -> anyhow::Result<u8> {
    use crate::patterns::{Miner, PatternsError};
    if !matches!(format, "table" | "json") {
        bail!("unknown format `{format}`: use table or json");
    }
    let reader: Box<dyn std::io::BufRead> = if input == Path::new("-") {
        Box::new(std::io::stdin().lock())
    } else {
        let file = std::fs::File::open(input)
            .with_context(|| format!("cannot open {}", input.display()))?;
        Box::new(std::io::BufReader::with_capacity(1 << 20, file))
    };
    let mut miner = Miner::default();
    let stdout = std::io::stdout();
    let result = if assign {
        let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
        crate::patterns::assign_stream(&mut miner, reader, &mut out).map(|_| ())
    } else {
        crate::patterns::mine(&mut miner, reader).and_then(|_| {
            let text = if format == "json" {
                crate::patterns::render_json(&miner)?
            } else {
                crate::patterns::render_table(&miner, None)
            };
            let mut out = stdout.lock();
            out.write_all(text.as_bytes()).map_err(PatternsError::Write)
        })
    };
    match result {
        // A reader that stopped listening (`| head`) is not an error.
        Err(PatternsError::Write(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(0),
        Err(e) => Err(e.into()),
        Ok(()) => Ok(0),
    }
}

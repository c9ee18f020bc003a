//! The command line: every subcommand and its options.

// The shell stays thin: no function here grows past 80 lines (clippy.toml sets the threshold).
#![warn(clippy::too_many_lines)]

/// `println!` for a command's output, through [`write_out`].
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::cli::write_out(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `print!` for a command's output, through [`write_out`].
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::write_out(format_args!($($arg)*))
    };
}

mod cockpit;
mod incident;
mod setup;
mod share;
mod tools;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Writes a command's output to stdout. When its reader has gone (`sitrep verify | head -1`), the
/// command ends there, quietly, with the status of a Unix tool that SIGPIPE ended (141), rather
/// than panicking; any other failure to write is said on stderr and ends it with status 2.
pub(crate) fn write_out(args: std::fmt::Arguments) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout.write_fmt(args).and_then(|()| stdout.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(141);
        }
        eprintln!("error: writing the output: {e}");
        std::process::exit(2);
    }
}

/// sitrep: an incident cockpit for the terminal.
#[derive(Debug, Parser)]
#[command(name = "sitrep", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Cmd,
}

/// Options that find the incident's timeline file.
#[derive(Debug, Clone, clap::Args)]
pub struct TimelineArgs {
    /// The timeline file (default: the newest incident in the config's folder).
    #[arg(long, short = 't', value_name = "FILE")]
    pub timeline: Option<PathBuf>,
    /// The config file that names the incidents folder.
    #[arg(long, short = 'c', value_name = "FILE", default_value = "sitrep.toml")]
    pub config: PathBuf,
    /// How long to wait for another process holding the timeline's lock before giving up.
    #[arg(long, default_value = "10s", value_parser = parse_duration, value_name = "DURATION")]
    pub lock_timeout: std::time::Duration,
}

/// `sitrep new`'s arguments.
#[derive(Debug, Clone, clap::Args)]
pub struct NewArgs {
    /// The incident's title.
    #[arg(required = true)]
    pub title: Vec<String>,
    /// SEV1 | SEV2 | SEV3 | SEV4
    #[arg(long)]
    pub severity: Option<String>,
    /// The incidents folder (default: the config's `[incident] dir`).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// The config file that names the incidents folder.
    #[arg(long, short = 'c', value_name = "FILE", default_value = "sitrep.toml")]
    pub config: PathBuf,
    /// Who starts it (default: $USER).
    #[arg(long)]
    pub actor: Option<String>,
}

/// `sitrep probe`'s arguments: the conditions a `[[endpoint]]` takes, on the command line.
#[derive(Debug, Clone, clap::Args)]
pub struct ProbeArgs {
    /// The URL.
    pub url: String,
    /// How many probes.
    #[arg(long, short = 'n', default_value_t = 5)]
    pub count: u32,
    /// A header to send, `Name: value` (repeatable).
    #[arg(long = "header", short = 'H', value_name = "K:V")]
    pub headers: Vec<String>,
    /// Time between probes.
    #[arg(long, default_value = "1s", value_parser = parse_duration)]
    pub interval: std::time::Duration,
    /// Total time a probe may take.
    #[arg(long, default_value = "5s", value_parser = parse_duration)]
    pub timeout: std::time::Duration,
    /// Statuses that count as up, e.g. `200,204` (default: any 2xx).
    #[arg(long, value_delimiter = ',', value_name = "CODE")]
    pub expect_status: Vec<u16>,
    /// Slower than this is degraded, e.g. `500ms`.
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub max_latency: Option<std::time::Duration>,
    /// The body must contain this text (repeatable).
    #[arg(long, value_name = "TEXT")]
    pub body_contains: Vec<String>,
    /// The JSON body at this pointer must equal this value, e.g. `/status=ok` (repeatable; the value
    /// is read as JSON when it parses: `/count=3`, `/ok=true`).
    #[arg(long, value_name = "POINTER=VALUE")]
    pub json_pointer: Vec<String>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Open the cockpit on the embedded demo: a local API that starts failing, and its log.
    Demo {
        /// Folder for the demo's log and timeline (default: a new temporary folder, kept).
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        /// How long the demo API stays healthy before it starts failing.
        #[arg(long, value_name = "DURATION", default_value = "20s", value_parser = parse_duration)]
        fail_after: std::time::Duration,
        /// Your name in the timeline (default: $USER).
        #[arg(long)]
        actor: Option<String>,
        /// A rehearsal: runbook commands are shown but never run and status updates are never sent (ticks and notes are recorded).
        #[arg(long, alias = "read-only")]
        dry_run: bool,
        /// Clicks focus a panel and the wheel scrolls (takes the terminal's text selection; most
        /// terminals give it back while Shift is held).
        #[arg(long)]
        mouse: bool,
    },
    /// Open the cockpit on the incident described by a config file.
    Open {
        /// The config file (as `-c FILE` too).
        #[arg(value_name = "CONFIG", conflicts_with = "config")]
        config_file: Option<PathBuf>,
        /// The config file.
        #[arg(long, short = 'c', value_name = "FILE", default_value = "sitrep.toml")]
        config: PathBuf,
        /// Start a new incident even if the newest one is not resolved.
        #[arg(long)]
        new: bool,
        /// Open this timeline file.
        #[arg(long, short = 't', value_name = "FILE", conflicts_with = "new")]
        timeline: Option<PathBuf>,
        /// Open a shared incident by its id (`sitrep incidents` lists them), fetching it first.
        #[arg(long, value_name = "ID", conflicts_with_all = ["new", "timeline"])]
        incident: Option<String>,
        /// Your name in the timeline (default: $USER).
        #[arg(long)]
        actor: Option<String>,
        /// A rehearsal: runbook commands are shown but never run and status updates are never sent (ticks and notes are recorded).
        #[arg(long, alias = "read-only")]
        dry_run: bool,
        /// Clicks focus a panel and the wheel scrolls (takes the terminal's text selection; most
        /// terminals give it back while Shift is held).
        #[arg(long)]
        mouse: bool,
    },
    /// Write a commented sitrep.toml and the shipped runbooks into a folder (never overwriting).
    Init {
        /// Where to write them.
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
    /// Validate a config and its runbooks; print `file:line:col: problem` for each error.
    Check {
        /// The config file (as `-c FILE` too).
        #[arg(value_name = "CONFIG", conflicts_with = "config")]
        config_file: Option<PathBuf>,
        /// The config file.
        #[arg(long, short = 'c', value_name = "FILE", default_value = "sitrep.toml")]
        config: PathBuf,
    },
    /// Start an incident without the cockpit (for alerting hooks and scripts); prints its file.
    New(NewArgs),
    /// Append a note to the incident's timeline (TEXT, or `-` to read it from stdin).
    Note {
        /// The note, or `-` for stdin.
        text: Vec<String>,
        /// Record a file as evidence: its path, size and SHA-256 (the file itself stays where it is).
        #[arg(long, value_name = "FILE")]
        attach: Option<PathBuf>,
        /// Which timeline.
        #[command(flatten)]
        target: TimelineArgs,
        /// Who writes it (default: $USER).
        #[arg(long)]
        actor: Option<String>,
    },
    /// Record a milestone: detected, mitigated or resolved.
    Mark {
        /// detected | mitigated | resolved
        milestone: String,
        /// Which timeline.
        #[command(flatten)]
        target: TimelineArgs,
        /// Who records it (default: $USER).
        #[arg(long)]
        actor: Option<String>,
    },
    /// Set the incident's severity: SEV1..SEV4.
    Severity {
        /// SEV1 | SEV2 | SEV3 | SEV4
        level: String,
        /// Which timeline.
        #[command(flatten)]
        target: TimelineArgs,
        /// Who changes it (default: $USER).
        #[arg(long)]
        actor: Option<String>,
    },
    /// Retract a milestone or severity recorded by mistake (the line stays; replay and the
    /// export leave it out, and the export shows it struck through).
    Retract {
        /// The `#` of the milestone or severity event (an event's detail in the timeline panel, Enter, and the export show it).
        seq: u64,
        /// Why it was wrong.
        #[arg(long)]
        reason: Option<String>,
        /// Which timeline.
        #[command(flatten)]
        target: TimelineArgs,
        /// Who retracts it (default: $USER).
        #[arg(long)]
        actor: Option<String>,
    },
    /// Export the timeline as a postmortem.
    Export {
        /// md | json | csv | html
        #[arg(long, short = 'f', default_value = "md")]
        format: String,
        /// Write to this file (atomically) instead of stdout.
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
        /// Which timeline.
        #[command(flatten)]
        target: TimelineArgs,
    },
    /// Check a timeline's hash chain; exit non-zero if anything is wrong.
    Verify {
        /// The timeline file (default: the newest incident in the config's folder).
        #[arg(value_name = "TIMELINE")]
        file: Option<PathBuf>,
        /// The timeline file, as the other commands take it.
        #[arg(long, short = 't', value_name = "FILE", conflicts_with = "file")]
        timeline: Option<PathBuf>,
        /// The config file that names the incidents folder.
        #[arg(long, short = 'c', value_name = "FILE", default_value = "sitrep.toml")]
        config: PathBuf,
        /// A head the file must still reach: N:HASH (the event's # and 16+ hex digits of its sha256).
        #[arg(long, value_name = "N:HASH")]
        head: Vec<String>,
        /// Every `head #N sha256:…` in FILE (a status update as sent, an earlier export) must be reached.
        #[arg(long, value_name = "FILE")]
        head_from: Vec<PathBuf>,
        /// A shared incident's copy must match the store's chain, and the store's chain must be
        /// whole: s3://bucket/prefix or file:///folder.
        #[arg(long, value_name = "URL")]
        against: Option<String>,
    },
    /// Share a local incident through the config's `[share]` store (the newest, or --timeline).
    Share {
        /// Which timeline.
        #[command(flatten)]
        target: TimelineArgs,
    },
    /// Push this laptop's events and pull teammates' once, for every shared incident (or one);
    /// exits 0 when this laptop and the store agree.
    Sync {
        /// Only this incident (its id, as `sitrep incidents` lists it).
        #[arg(long, value_name = "ID")]
        incident: Option<String>,
        /// The config file that names the store and the incidents folder.
        #[arg(long, short = 'c', value_name = "FILE", default_value = "sitrep.toml")]
        config: PathBuf,
    },
    /// List incidents: this laptop's and the shared store's.
    Incidents {
        /// The config file that names the store and the incidents folder.
        #[arg(long, short = 'c', value_name = "FILE", default_value = "sitrep.toml")]
        config: PathBuf,
    },
    /// Follow log sources like `tail -F` (files, globs, the journal, Kubernetes, Loki, commands), printing sanitized lines.
    Tail {
        /// Only lines matching this regex.
        #[arg(long)]
        filter: Option<String>,
        /// Only the lines of one request, e.g. `--follow-field req_id=cff91303`.
        ///
        /// A line is printed when its parsed field KEY is exactly VALUE (`req_id=cff91303` matches
        /// that id, not `cff913031`); a line with no fields, when it holds VALUE as a whole word.
        /// Fields are read from JSON, key=value, and access-log lines. Combines with --filter (a
        /// line must pass both).
        #[arg(long, value_name = "KEY=VALUE", value_parser = parse_field_value)]
        follow_field: Option<(String, String)>,
        /// Say on stderr when a source that averaged more than a line a minute has printed
        /// nothing for this long (and when it speaks again).
        #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_duration)]
        silent_after: std::time::Duration,
        /// What to follow: files or globs (`/var/log/app/*.log`), or sources by kind:
        /// `journal:payments.service` (units and FIELD=value matches, comma-separated; add
        /// `@/var/log/journal/remote` for a folder or file of journal files, `@ssh:HOST` for
        /// another host's journal), `k8s:app=payments@prod` (every container of the pods a label
        /// selector matches, in a namespace, through kubectl), `loki:{app="payments"}@http://127.0.0.1:3100` (a LogQL query,
        /// followed through its websocket tail, polled every 2 s where that is refused), `command:kubectl logs -f deploy/api`, `file:PATH`, `glob:PATTERN`.
        #[arg(required = true, value_name = "SOURCE")]
        sources: Vec<String>,
    },
    /// Probe a URL like the health panel does and print a summary.
    Probe(ProbeArgs),
    /// Mine log patterns from a file or stdin (`-`).
    Patterns {
        /// The file, or `-` for stdin.
        input: PathBuf,
        /// table | json
        #[arg(long, default_value = "table")]
        format: String,
        /// Print `<pattern id>\t<template>` for every input line, in order.
        #[arg(long)]
        assign: bool,
    },
    /// Print a shell completion script, e.g. `sitrep completions bash > ~/.local/share/bash-completion/completions/sitrep`.
    Completions {
        /// bash | zsh | fish | elvish | powershell
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), e.g. `sitrep man > ~/.local/share/man/man1/sitrep.1`.
    Man,
}

fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    crate::core::duration::parse_or_explain(s, "5s or 800ms")
}

/// `KEY=VALUE`, split at the first `=` (the value may hold more).
fn parse_field_value(s: &str) -> Result<(String, String), String> {
    const FORM: &str = "expected KEY=VALUE, for example req_id=cff91303";
    match s.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() && !value.is_empty() => {
            Ok((key.trim().to_string(), value.to_string()))
        }
        Some((key, _)) if key.trim().is_empty() => Err(format!("the key before `=` is missing; {FORM}")),
        Some(_) => Err(format!("the value after `=` is missing; {FORM}")),
        None => Err(format!("there is no `=`; {FORM}")),
    }
}

/// Runs a parsed command line; returns the process exit code.
pub async fn run(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Cmd::Demo {
            dir,
            fail_after,
            actor,
            dry_run,
            mouse,
        } => cockpit::demo(dir, fail_after, actor, dry_run, mouse).await,
        Cmd::Open {
            config_file,
            config,
            new,
            timeline,
            incident,
            actor,
            dry_run,
            mouse,
        } => {
            let config = config_file.unwrap_or(config);
            let timeline = match incident {
                Some(id) => Some(share::open_incident(&id, &config).await?),
                None => timeline,
            };
            cockpit::open(&config, new, timeline, actor, dry_run, mouse).await
        }
        Cmd::Init { dir } => setup::init(&dir),
        Cmd::Check {
            config_file,
            config,
        } => Ok(setup::check(&config_file.unwrap_or(config)).await),
        Cmd::Tail {
            filter,
            follow_field,
            silent_after,
            sources,
        } => {
            let field = follow_field.as_ref().map(|(k, v)| (k.as_str(), v.as_str()));
            tools::tail(&sources, filter.as_deref(), field, silent_after).await
        }
        Cmd::Probe(args) => tools::probe(args).await,
        Cmd::Patterns {
            input,
            format,
            assign,
        } => tools::patterns(&input, &format, assign),
        Cmd::Completions { shell } => tools::completions(shell),
        Cmd::Man => tools::man(),
        incident_cmd => run_incident(incident_cmd).await,
    }
}

/// The commands about one incident's timeline, and the shared ones.
async fn run_incident(cmd: Cmd) -> anyhow::Result<u8> {
    match cmd {
        Cmd::New(args) => {
            let config = args.config.clone();
            let (code, path) = incident::new(args)?;
            share::publish_new(&path, &config).await;
            Ok(code)
        }
        Cmd::Note {
            text,
            attach,
            target,
            actor,
        } => incident::note(&text, attach.as_deref(), &target, actor),
        Cmd::Mark {
            milestone,
            target,
            actor,
        } => incident::mark(&milestone, &target, actor),
        Cmd::Severity {
            level,
            target,
            actor,
        } => incident::severity(&level, &target, actor),
        Cmd::Retract {
            seq,
            reason,
            target,
            actor,
        } => incident::retract(seq, reason, &target, actor),
        Cmd::Export {
            format,
            output,
            target,
        } => incident::export(&format, output.as_deref(), &target),
        Cmd::Verify {
            file,
            timeline,
            config,
            head,
            head_from,
            against,
        } => incident::verify(file.or(timeline), &config, &head, &head_from, against.as_deref()).await,
        Cmd::Share { target } => {
            let path = incident::existing_timeline(&target)?;
            share::share(path, &target.config).await
        }
        Cmd::Sync { incident, config } => share::sync(incident.as_deref(), &config).await,
        Cmd::Incidents { config } => share::incidents(&config).await,
        other => unreachable!("not an incident command: {other:?}"),
    }
}

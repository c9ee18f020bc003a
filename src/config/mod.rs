//! `sitrep.toml`: the incident's log sources, endpoints and folders, read into the domain's own types
//! and validated with `file:line:col` errors.
//!
//! `raw` is the file as serde reads it; `reader` holds what every part needs (places, folders, the
//! one environment lookup for secrets); `endpoint`, `destination` and `keys` turn each table into
//! what the prober, the update sender, the keymap and the theme use.

// The shell stays thin: no function here grows past 80 lines (clippy.toml sets the threshold).
#![warn(clippy::too_many_lines)]

mod destination;
mod endpoint;
mod keys;
mod raw;
mod reader;

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::core::diag::SourceError;
use crate::core::severity::Severity;
use crate::health::EndpointSpec;
use crate::tail::{SourceSpec, TimeRule, Timing, Zone};
use raw::{RawConfig, RawIncident, RawJournal, RawLog, RawTimestamp};
use reader::Reader;

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the config was read from (`(demo)` for the embedded one).
    pub origin: String,
    /// Incident settings.
    pub incident: IncidentConfig,
    /// Log sources.
    pub logs: Vec<LogConfig>,
    /// Endpoints to probe, validated.
    pub endpoints: Vec<EndpointSpec>,
    /// Where status updates go.
    pub destinations: Vec<crate::act::Destination>,
    /// Secret values the config reads from the environment, to be kept out of every export.
    pub secrets: Vec<String>,
    /// The default keymap with `[keys]` applied.
    pub keymap: Vec<crate::app::Binding>,
    /// The colour theme with `[theme]` applied (`NO_COLOR` still wins when the cockpit starts).
    pub theme: crate::ui::Theme,
    /// `[ui]`.
    pub ui: UiConfig,
    /// `[share]`: where the team's incidents are shared, when they are.
    pub share: Option<ShareConfig>,
    /// `[me] name`: this responder's name in the timeline (`--actor` and `SITREP_ACTOR` win).
    pub me: Option<String>,
}

/// `[share]`: the store the team's incidents are shared through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareConfig {
    /// `s3://bucket/prefix`, `file:///folder`, `gs://…`, `az://…`.
    pub url: crate::share::store::ShareUrl,
    /// An S3-compatible endpoint, a region, an AWS profile.
    pub reach: crate::share::store::Reach,
    /// How often a cockpit reads the store for teammates' events.
    pub poll: std::time::Duration,
}

/// `[ui]`: how the cockpit behaves in the terminal.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct UiConfig {
    /// Clicks focus a panel and the wheel scrolls. Off by default: it takes the terminal's text
    /// selection away (most terminals give it back while Shift is held).
    #[serde(default)]
    pub mouse: bool,
}

/// `[incident]`.
#[derive(Debug, Clone)]
pub struct IncidentConfig {
    /// Title for new incidents.
    pub title: String,
    /// Folder of timeline files.
    pub dir: PathBuf,
    /// Folder of runbooks; `None` means the shipped ones.
    pub runbooks: Option<PathBuf>,
    /// Severity for new incidents.
    pub severity: Option<Severity>,
    /// Values for `{placeholders}` in runbook commands.
    pub params: BTreeMap<String, String>,
    /// Time between status updates.
    pub update_every: Duration,
    /// How long an endpoint must be up again for its episode to end (`episode-hold`).
    pub episode_hold: Duration,
}

/// `[[log]]`: a named source to follow.
#[derive(Debug, Clone, PartialEq)]
pub struct LogConfig {
    /// Short name shown in the panel.
    pub name: String,
    /// What to follow.
    pub source: SourceSpec,
    /// How its lines' own times are read (`timestamp = { format, zone }`) and how long a merged
    /// view may hold them back to order them (`reorder`).
    pub timing: Timing,
}

/// Reads and validates a config file. Secrets named by `{ env = ... }` are read from `env`.
pub fn load(path: &Path) -> Result<Config, SourceError> {
    load_all(path).map_err(first)
}

/// Like [`load`] for a command that keeps the record and sends nothing (`note`, `mark`, `new`,
/// `verify`, `incidents`): a secret whose variable is not set reads as empty rather than stopping
/// it. Probes and updates never run on what it loads; a store reached with an empty credential
/// refuses, and the event waits in the outbox as it does for any store that cannot be reached.
pub fn load_for_records(path: &Path) -> Result<Config, SourceError> {
    read_then(path, |origin, text, base| {
        parse_with(origin, text, base, &|k| std::env::var(k).ok(), true)
    })
    .map_err(first)
}

/// Like [`load`], with every error found (`sitrep check` prints them all), in file order.
pub fn load_all(path: &Path) -> Result<Config, Vec<SourceError>> {
    read_then(path, |origin, text, base| {
        parse_all(origin, text, base, &|k| std::env::var(k).ok())
    })
}

/// Reads the config file at `path` and parses it with `parse`.
fn read_then(
    path: &Path,
    parse: impl FnOnce(&str, &str, &Path) -> Result<Config, Vec<SourceError>>,
) -> Result<Config, Vec<SourceError>> {
    let origin = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        vec![SourceError::plain(
            &origin,
            format!(
                "cannot read the config: {e}. Run `sitrep init` to write one, or pass -c PATH."
            ),
        )]
    })?;
    let base = path.parent().unwrap_or(Path::new("."));
    parse(&origin, &text, base)
}

/// Parses config text; relative folders are taken from `base`, secrets from `env`.
#[cfg(any(test, feature = "test-support"))]
pub fn parse(
    origin: &str,
    text: &str,
    base: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Config, SourceError> {
    parse_all(origin, text, base, env).map_err(first)
}

/// The value, or `None` with its error kept.
fn keep<T>(errors: &mut Vec<SourceError>, result: Result<T, SourceError>) -> Option<T> {
    result.map_err(|e| errors.push(e)).ok()
}

fn first(mut errors: Vec<SourceError>) -> SourceError {
    errors.swap_remove(0)
}

/// Like [`parse`], with every error found: each entry is checked even when one before it failed
/// (a TOML syntax error stops at once: nothing after it can be read).
pub fn parse_all(
    origin: &str,
    text: &str,
    base: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Config, Vec<SourceError>> {
    parse_with(origin, text, base, env, false)
}

/// [`parse_all`], reading a secret whose variable is not set as empty when `optional_secrets`.
fn parse_with(
    origin: &str,
    text: &str,
    base: &Path,
    env: &dyn Fn(&str) -> Option<String>,
    optional_secrets: bool,
) -> Result<Config, Vec<SourceError>> {
    // Misspelt keys are read as meant and the rest is checked too, so one run names both.
    let (raw, mut errors) = crate::core::diag::from_toml_read_on::<RawConfig>(origin, text);
    let Some(raw) = raw else {
        return Err(errors);
    };
    let mut r = Reader::new(origin, text, base, env);
    r.optional_secrets = optional_secrets;
    let incident = keep(&mut errors, incident(&r, raw.incident));
    let mut destinations = Vec::new();
    for d in raw.destination {
        destinations.extend(keep(&mut errors, destination::destination(&mut r, d)));
    }
    let mut names = HashSet::new();
    let mut logs = Vec::new();
    for l in raw.log {
        if !names.insert(format!("log:{}", l.name.get_ref())) {
            keep(&mut errors, Err::<(), _>(duplicate(&r, "logs", &l.name)));
            continue;
        }
        logs.extend(keep(&mut errors, log(&mut r, l)));
    }
    let mut endpoints = Vec::new();
    for e in raw.endpoint {
        if !names.insert(format!("endpoint:{}", e.name.get_ref())) {
            keep(&mut errors, Err::<(), _>(duplicate(&r, "endpoints", &e.name)));
            continue;
        }
        endpoints.extend(keep(&mut errors, endpoint::endpoint(&mut r, e)));
    }
    let keymap = keep(&mut errors, keys::keymap(&r, raw.keys));
    let theme = keep(&mut errors, keys::theme(&r, raw.theme));
    let me = match raw.me {
        Some(me) => keep(&mut errors, actor_name(&r, &me.name)).map(Some),
        None => Some(None),
    };
    let share = match raw.share {
        Some(raw) => keep(&mut errors, share(&r, raw)).map(Some),
        None => Some(None),
    };
    match (incident, keymap, theme, share, me) {
        (Some(incident), Some(keymap), Some(theme), Some(share), Some(me)) if errors.is_empty() => Ok(Config {
            origin: origin.to_string(),
            incident,
            logs,
            endpoints,
            destinations,
            secrets: r.secrets,
            keymap,
            theme,
            ui: raw.ui,
            share,
            me,
        }),
        _ => {
            // In file order, as `sitrep check` prints them (each entry was checked in turn).
            errors.sort_by_key(|e| e.position);
            Err(errors)
        }
    }
}

/// `[me] name`: a name people read in the timeline, not the tool's own.
fn actor_name(r: &Reader<'_>, name: &toml::Spanned<String>) -> Result<String, SourceError> {
    let at = name.span().start;
    crate::timeline::check_actor(name.get_ref())
        .map_err(|why| r.at(at, format!("[me] name: {why}")))
}

/// The default time between a cockpit's reads of the store.
pub const SHARE_POLL: std::time::Duration = std::time::Duration::from_secs(1);

fn share(r: &Reader<'_>, raw: raw::RawShare) -> Result<ShareConfig, SourceError> {
    let url = raw
        .url
        .get_ref()
        .parse()
        .map_err(|e: String| r.at(raw.url.span().start, e))?;
    let endpoint = match raw.endpoint {
        Some(e) if !(e.get_ref().starts_with("http://") || e.get_ref().starts_with("https://")) => {
            return Err(r.at(
                e.span().start,
                format!("endpoint `{}` is not an http:// or https:// URL", e.get_ref()),
            ));
        }
        Some(e) if e.get_ref().contains('@') => {
            return Err(r.at(
                e.span().start,
                "the endpoint holds `user@`: credentials come from the environment or an AWS profile, never from the config".into(),
            ));
        }
        other => other.map(toml::Spanned::into_inner),
    };
    let poll = match raw.poll {
        Some(p) => {
            let d = crate::core::duration::parse_or_explain(p.get_ref(), "1s or 500ms")
                .map_err(|e| r.at(p.span().start, e))?;
            if d < std::time::Duration::from_millis(100) || d > std::time::Duration::from_secs(60) {
                return Err(r.at(
                    p.span().start,
                    format!("poll = \"{}\": between 100ms and 60s", p.get_ref()),
                ));
            }
            d
        }
        None => SHARE_POLL,
    };
    Ok(ShareConfig {
        url,
        reach: crate::share::store::Reach {
            endpoint,
            region: raw.region,
            profile: raw.profile,
        },
        poll,
    })
}

fn duplicate(r: &Reader<'_>, what: &str, name: &toml::Spanned<String>) -> SourceError {
    r.at(
        name.span().start,
        format!(
            "two {what} are named `{}`; names must be unique",
            name.get_ref()
        ),
    )
}

fn incident(r: &Reader<'_>, raw: RawIncident) -> Result<IncidentConfig, SourceError> {
    let severity = match raw.severity {
        Some(s) => {
            let Ok(level) = s.get_ref().parse::<Severity>() else {
                return Err(r.at(
                    s.span().start,
                    format!(
                        "severity `{}` is not one of SEV1, SEV2, SEV3, SEV4",
                        s.get_ref()
                    ),
                ));
            };
            Some(level)
        }
        None => None,
    };
    let update_every = r.duration(
        raw.update_every.as_ref(),
        crate::act::DEFAULT_CADENCE,
        "\"30m\"",
    )?;
    if let Some(every) = raw.update_every.as_ref().filter(|_| update_every.is_zero()) {
        return Err(r.at(
            every.span().start,
            "`update-every` must be more than 0s: it is how long after one status update the next is due, like \"30m\"".into(),
        ));
    }
    let episode_hold = r.duration(
        raw.episode_hold.as_ref(),
        crate::timeline::episode::DEFAULT_HOLD,
        "\"30s\" (how long an endpoint must be up again for its outage to be over)",
    )?;
    let dir = r.path(raw.dir.get_ref());
    if dir.exists() && !dir.is_dir() {
        return Err(r.at(
            raw.dir.span().start,
            format!(
                "incident dir `{}` is a file, not a folder: timelines go in a folder; name one that is not taken (it is created if missing)",
                raw.dir.get_ref()
            ),
        ));
    }
    let runbooks = match &raw.runbooks {
        Some(p) if p.get_ref().trim().is_empty() => {
            return Err(r.at(
                p.span().start,
                "`runbooks` is empty: name the folder of runbook files (`sitrep init` writes `runbooks`), or leave it out for the shipped ones".into(),
            ));
        }
        Some(p) => {
            let path = r.path(p.get_ref());
            if path.is_file() {
                return Err(r.at(
                    p.span().start,
                    format!(
                        "`runbooks` names the file `{}`: name the folder that holds the runbook files",
                        p.get_ref()
                    ),
                ));
            }
            Some(path)
        }
        None => None,
    };
    Ok(IncidentConfig {
        title: raw.title,
        dir,
        runbooks,
        severity,
        params: raw.params,
        update_every,
        episode_hold,
    })
}

/// The longest `reorder` a log may set.
const MAX_REORDER: Duration = Duration::from_secs(60);

fn log(r: &mut Reader<'_>, l: RawLog) -> Result<LogConfig, SourceError> {
    let name = l.name.get_ref().clone();
    let here = l.name.span().start;
    let kinds = [
        l.path.is_some(),
        l.command.is_some(),
        l.source.is_some(),
        l.journal.is_some(),
        l.loki.is_some(),
        l.kubernetes.is_some(),
    ];
    if kinds.iter().filter(|k| **k).count() > 1 {
        return Err(r.at(
            here,
            format!("log `{name}` names more than one of `path`, `command`, `source`, `journal`, `loki` and `kubernetes`; keep one"),
        ));
    }
    let source = match (l.loki, l.kubernetes) {
        (Some(loki), _) => loki_spec(r, &name, loki)?,
        (_, Some(kube)) => kube_spec(r, &name, kube)?,
        _ => log_source(r, &name, here, l.path, l.command, l.source, l.journal)?,
    };
    let times = match l.timestamp {
        Some(t) => times(r, &name, t)?,
        None => TimeRule::default(),
    };
    let reorder = r.duration(
        l.reorder.as_ref(),
        source.default_reorder(),
        "\"1s\" or \"250ms\" (\"0s\" never holds a line back)",
    )?;
    if reorder > MAX_REORDER {
        let at = l.reorder.as_ref().map_or(here, |s| s.span().start);
        return Err(r.at(
            at,
            format!(
                "log `{name}`: reorder is at most {}: a longer wait would hold every line back that long",
                crate::core::duration::precise_ms(MAX_REORDER.as_millis() as u64)
            ),
        ));
    }
    let backfill = r.duration(
        l.backfill.as_ref(),
        crate::tail::DEFAULT_BACKFILL,
        "\"60m\" or \"2h\" (\"0s\" reads nothing from before the incident)",
    )?;
    let silent_after = r.duration(
        l.silent_after.as_ref(),
        crate::tail::vitals::DEFAULT_SILENT_AFTER,
        "\"60s\" or \"5m\"",
    )?;
    if silent_after.is_zero() {
        let at = l.silent_after.as_ref().map_or(here, |s| s.span().start);
        return Err(r.at(
            at,
            format!("log `{name}`: silent-after must be longer than 0s, like \"60s\""),
        ));
    }
    Ok(LogConfig {
        name,
        source,
        timing: Timing {
            times,
            reorder,
            backfill,
            silent_after,
        },
    })
}

/// What a `[[log]]` follows: exactly one of `path`, `command`, `source` (an address) and `journal`.
fn log_source(
    r: &Reader<'_>,
    name: &str,
    here: usize,
    path: Option<String>,
    command: Option<Vec<String>>,
    source: Option<toml::Spanned<String>>,
    journal: Option<toml::Spanned<RawJournal>>,
) -> Result<SourceSpec, SourceError> {
    let given = [
        path.is_some(),
        command.is_some(),
        source.is_some(),
        journal.is_some(),
    ];
    if given.iter().filter(|g| **g).count() > 1 {
        return Err(r.at(
            here,
            format!("log `{name}` names more than one of `path`, `command`, `source` and `journal`; keep one"),
        ));
    }
    let source = if let Some(p) = path {
        SourceSpec::path(r.path(&p))
    } else if let Some(c) = command {
        if c.is_empty() {
            return Err(r.at(
                here,
                format!(
                    "log `{name}`: `command` is empty; give the program and its arguments, like [\"kubectl\", \"logs\", \"-f\", \"deploy/api\"]"
                ),
            ));
        }
        SourceSpec::Command(c)
    } else if let Some(address) = source {
        let at = address.span().start;
        match SourceSpec::parse(address.get_ref()).map_err(|why| r.at(at, format!("log `{name}`: {why}")))? {
            // Paths in the config are read from the config's folder.
            SourceSpec::File(p) => SourceSpec::path(r.path(&p.to_string_lossy())),
            SourceSpec::Glob(g) => SourceSpec::path(r.path(&g)),
            SourceSpec::Journal(mut spec) => {
                use crate::tail::journal::JournalFrom;
                if let JournalFrom::Files(files) = &spec.from {
                    let path = r.path(&files[0].to_string_lossy());
                    spec.from = if path.is_dir() {
                        JournalFrom::Directory(path)
                    } else {
                        JournalFrom::Files(vec![path])
                    };
                } else if let JournalFrom::Directory(dir) = &spec.from {
                    spec.from = JournalFrom::Directory(r.path(&dir.to_string_lossy()));
                }
                SourceSpec::Journal(spec)
            }
            SourceSpec::Loki(spec) if !spec.headers.is_empty() => {
                return Err(r.at(at, loki_credentials(name)));
            }
            other => other,
        }
    } else if let Some(journal) = journal {
        let at = journal.span().start;
        journal_spec(r, name, at, journal.into_inner())?
    } else {
        return Err(r.at(
            here,
            format!(
                "log `{name}` needs `path = \"/var/log/app.log\"`, `command = [\"kubectl\", \"logs\", \"-f\", \"deploy/api\"]`, `source = \"journal:payments.service\"` or a `journal` table"
            ),
        ));
    };
    Ok(source)
}

/// A log's `loki` table: where, the query, the tenant, the labels shown, and headers (auth) by
/// reference to the environment.
fn loki_spec(
    r: &mut Reader<'_>,
    name: &str,
    raw: toml::Spanned<raw::RawLoki>,
) -> Result<SourceSpec, SourceError> {
    let at = raw.span().start;
    let raw = raw.into_inner();
    let address = format!("{}@{}", raw.query, raw.url);
    let mut spec = crate::tail::loki::LokiSpec::parse(&address)
        .map_err(|why| r.at(at, format!("log `{name}`: {why}")))?;
    if !spec.headers.is_empty() {
        return Err(r.at(at, loki_credentials(name)));
    }
    spec.tenant = raw.tenant;
    spec.labels = raw.labels;
    for (key, value) in raw.headers {
        let (value, _) = r.secret(value, &format!("header `{key}` of log `{name}`"))?;
        spec.headers.push((key, crate::core::secret::Secret::new(value)));
    }
    Ok(SourceSpec::Loki(spec))
}

/// Why a Loki URL with `user:pass@` is refused, and what to write instead.
fn loki_credentials(name: &str) -> String {
    format!(
        "log `{name}`: the Loki url carries a user and password (`user:pass@`); secrets are by reference only: remove them from the url and send them as a header, loki = {{ …, headers = {{ Authorization = {{ env = \"LOKI_BASIC_AUTH\", prefix = \"Basic \" }} }} }}"
    )
}

/// A log's `kubernetes` table: the selector, namespace, context, kubeconfig, one container, and
/// which kubectl.
fn kube_spec(
    r: &mut Reader<'_>,
    name: &str,
    raw: toml::Spanned<raw::RawKube>,
) -> Result<SourceSpec, SourceError> {
    let at = raw.span().start;
    let raw = raw.into_inner();
    let address = match &raw.namespace {
        Some(ns) => format!("{}@{ns}", raw.selector),
        None => raw.selector.clone(),
    };
    let mut spec = crate::tail::kube::KubeSpec::parse(&address)
        .map_err(|why| r.at(at, format!("log `{name}`: {why}")))?;
    spec.context = raw.context;
    // `~/` as a shell would read it: kubectl is not started through one.
    spec.kubeconfig = raw.kubeconfig.map(|p| match p.strip_prefix("~/") {
        Some(rest) => std::env::var_os("HOME").map_or_else(
            || std::path::PathBuf::from(&p),
            |home| std::path::PathBuf::from(home).join(rest),
        ),
        None => std::path::PathBuf::from(p),
    });
    spec.container = raw.container;
    if let Some(kubectl) = raw.kubectl {
        spec.kubectl = kubectl;
    }
    if let Some(max) = raw.max_containers {
        let at = max.span().start;
        let max = max.into_inner();
        if !(1..=500).contains(&max) {
            return Err(r.at(
                at,
                format!("log `{name}`: max-containers is 1 to 500 (each is a kubectl process of about 12 MiB)"),
            ));
        }
        spec.max_containers = max;
    }
    Ok(SourceSpec::Kube(spec))
}

/// A log's `journal` table: units, matches, and where from (a folder or files, or a command
/// prefix such as `via = ["ssh", "db1"]`).
fn journal_spec(
    r: &Reader<'_>,
    name: &str,
    at: usize,
    raw: RawJournal,
) -> Result<SourceSpec, SourceError> {
    use crate::tail::journal::{JournalFrom, JournalSpec};
    let mut spec = JournalSpec {
        units: raw.units,
        via: raw.via,
        ..JournalSpec::default()
    };
    for m in raw.matches {
        // The same check as an address's `FIELD=value`.
        let parsed = JournalSpec::parse(&m).map_err(|why| r.at(at, format!("log `{name}`: {why}")))?;
        if parsed.matches.len() != 1 || !parsed.units.is_empty() {
            return Err(r.at(
                at,
                format!("log `{name}`: match `{m}` is not FIELD=value, like _SYSTEMD_UNIT=payments.service"),
            ));
        }
        spec.matches.extend(parsed.matches);
    }
    spec.from = match (raw.directory, raw.files.is_empty()) {
        (Some(_), false) => {
            return Err(r.at(
                at,
                format!("log `{name}`: the journal has both `directory` and `files`; keep one"),
            ));
        }
        (Some(dir), true) => JournalFrom::Directory(r.path(&dir)),
        (None, false) => JournalFrom::Files(raw.files.iter().map(|f| r.path(f)).collect()),
        (None, true) => JournalFrom::Local,
    };
    Ok(SourceSpec::Journal(spec))
}

/// A log's `timestamp` table; a bad zone or format points at its value and says what to write.
fn times(r: &Reader<'_>, name: &str, raw: RawTimestamp) -> Result<TimeRule, SourceError> {
    let zone = match &raw.zone {
        Some(z) => Zone::parse(z.get_ref())
            .map_err(|why| r.at(z.span().start, format!("log `{name}`: {why}")))?,
        None => Zone::Local,
    };
    match &raw.format {
        Some(f) => TimeRule::with_format(f.get_ref(), zone).map_err(|why| {
            r.at(
                f.span().start,
                format!("log `{name}`: {why} (see https://docs.rs/chrono/latest/chrono/format/strftime/)"),
            )
        }),
        None => Ok(TimeRule::auto(zone)),
    }
}

/// The commented config `sitrep init` writes.
pub const TEMPLATE: &str = include_str!("../../docs/sitrep.example.toml");

#[cfg(test)]
mod tests;

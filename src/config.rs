//! `sitrep.toml`: the incident's log sources, endpoints and folders, validated with `file:line:col` errors.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use crate::core::severity::Severity;

/// An error in a file a user wrote, pointing at the place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceError {
    /// The file (or `(built in) x.toml`).
    pub origin: String,
    /// 1-based line and column, when known.
    pub position: Option<(usize, usize)>,
    /// What is wrong and what to do.
    pub message: String,
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some((line, col)) => write!(f, "{}:{line}:{col}: {}", self.origin, self.message),
            None => write!(f, "{}: {}", self.origin, self.message),
        }
    }
}

impl std::error::Error for SourceError {}

impl SourceError {
    /// An error at a byte offset of `text`.
    pub fn at(origin: &str, text: &str, offset: usize, message: String) -> SourceError {
        SourceError {
            origin: origin.to_string(),
            position: Some(line_col(text, offset)),
            message,
        }
    }

    /// An error about a whole file.
    pub fn plain(origin: &str, message: String) -> SourceError {
        SourceError {
            origin: origin.to_string(),
            position: None,
            message,
        }
    }

    /// Turns a TOML parse error into one that says where, and suggests the key that was meant.
    pub fn from_toml(origin: &str, text: &str, err: &toml::de::Error) -> SourceError {
        let mut message = err.message().trim().to_string();
        if let Some(hint) = suggest_field(&message) {
            message.push_str(&format!("; did you mean `{hint}`?"));
        }
        match err.span() {
            Some(span) => SourceError::at(origin, text, span.start, message),
            None => SourceError::plain(origin, message),
        }
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text.as_bytes()[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let col = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line, col)
}

/// From serde's "unknown field `x`, expected one of `a`, `b`" picks the closest expected name.
fn suggest_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let (unknown, expected) = rest.split_once('`')?;
    closest(unknown, expected.split('`').skip(1).step_by(2)).map(str::to_string)
}

/// The candidate nearest to a misspelt `word`, if one is near enough to be what was meant.
pub(crate) fn closest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|cand| (edit_distance(word, cand), cand))
        .filter(|(d, cand)| *d <= 2.max(cand.len() / 3))
        .min()
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// Parses a duration as people write it (`5s`, `800ms`, `30m`). Nothing sitrep waits for is longer than
/// a week; a bigger value is a typo, and would overflow the clocks it is added to.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(text.trim()).map_err(|e| e.to_string())?;
    if d > Duration::from_secs(7 * 86_400) {
        return Err("longer than a week".into());
    }
    Ok(d)
}

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the config was read from (`(demo)` for the embedded one).
    pub origin: String,
    /// Incident settings.
    pub incident: IncidentConfig,
    /// Log sources.
    pub logs: Vec<LogConfig>,
    /// Endpoints to probe.
    pub endpoints: Vec<EndpointConfig>,
    /// Where status updates go.
    pub destinations: Vec<crate::act::Destination>,
    /// The default keymap with `[keys]` applied.
    pub keymap: Vec<crate::app::Binding>,
    /// The colour theme with `[theme]` applied (`NO_COLOR` still wins when the cockpit starts).
    pub theme: crate::ui::Theme,
    /// `[ui]`.
    pub ui: UiConfig,
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
}

/// `[[log]]`.
#[derive(Debug, Clone, PartialEq)]
pub struct LogConfig {
    /// Short name shown in the panel.
    pub name: String,
    /// What to follow.
    pub source: LogSource,
}

/// A followed file (or glob) or a command whose output is followed.
#[derive(Debug, Clone, PartialEq)]
pub enum LogSource {
    /// A file path or glob.
    Path(PathBuf),
    /// A program and its arguments.
    Command(Vec<String>),
}

/// `[[endpoint]]`, with durations parsed and secrets resolved.
#[derive(Debug, Clone)]
pub struct EndpointConfig {
    /// Short name.
    pub name: String,
    /// URL to probe.
    pub url: String,
    /// Time between probes.
    pub interval: Duration,
    /// Total time a probe may take.
    pub timeout: Duration,
    /// Time to connect.
    pub connect_timeout: Duration,
    /// Status codes that count as up (empty: any 2xx).
    pub expect_status: Vec<u16>,
    /// Slower than this is degraded.
    pub max_latency: Option<Duration>,
    /// The body must contain each of these.
    pub body_contains: Vec<String>,
    /// The body must contain none of these.
    pub body_not_contains: Vec<String>,
    /// JSON pointer → expected value.
    pub json: Vec<(String, serde_json::Value)>,
    /// Headers that must be present in the answer.
    pub header_present: Vec<String>,
    /// Headers to send: name, value, whether the value is a secret.
    pub headers: Vec<(String, String, bool)>,
    /// Consecutive results needed for a state change.
    pub threshold: u32,
    /// Skip TLS verification (shown with a warning).
    pub insecure_tls: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    incident: RawIncident,
    #[serde(default)]
    log: Vec<RawLog>,
    #[serde(default)]
    endpoint: Vec<RawEndpoint>,
    #[serde(default)]
    destination: Vec<RawDestination>,
    #[serde(default)]
    keys: BTreeMap<Spanned<String>, Spanned<KeyList>>,
    #[serde(default)]
    theme: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    ui: UiConfig,
}

/// `"x"` or `["space", "x"]`, each string with its place in the file.
enum KeyList {
    One(String),
    Many(Vec<Spanned<String>>),
}

impl<'de> Deserialize<'de> for KeyList {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<KeyList, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = KeyList;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key like \"x\" or a list of keys like [\"space\", \"x\"]")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<KeyList, E> {
                Ok(KeyList::One(v.to_string()))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<KeyList, A::Error> {
                let mut keys = Vec::new();
                while let Some(k) = seq.next_element()? {
                    keys.push(k);
                }
                Ok(KeyList::Many(keys))
            }
        }
        d.deserialize_any(Visitor)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawDestination {
    kind: Spanned<String>,
    path: Option<String>,
    url: Option<Spanned<HeaderValue>>,
    #[serde(default)]
    headers: BTreeMap<String, Spanned<HeaderValue>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawIncident {
    title: String,
    #[serde(default = "default_dir")]
    dir: String,
    runbooks: Option<String>,
    severity: Option<Spanned<String>>,
    #[serde(default)]
    params: BTreeMap<String, String>,
    update_every: Option<Spanned<String>>,
}

fn default_dir() -> String {
    "incidents".into()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawLog {
    name: Spanned<String>,
    path: Option<String>,
    command: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawEndpoint {
    name: Spanned<String>,
    url: Spanned<String>,
    interval: Option<Spanned<String>>,
    timeout: Option<Spanned<String>>,
    connect_timeout: Option<Spanned<String>>,
    #[serde(default)]
    expect_status: Vec<u16>,
    max_latency: Option<Spanned<String>>,
    #[serde(default)]
    body_contains: Vec<String>,
    #[serde(default)]
    body_not_contains: Vec<String>,
    #[serde(default)]
    json: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    header_present: Vec<String>,
    #[serde(default)]
    headers: BTreeMap<String, Spanned<HeaderValue>>,
    threshold: Option<u32>,
    #[serde(default)]
    insecure_tls: bool,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum HeaderValue {
    Plain(String),
    Env {
        env: String,
        #[serde(default)]
        prefix: String,
    },
}

/// Reads and validates a config file. Secrets named by `{ env = ... }` are read from `env`.
pub fn load(path: &Path) -> Result<Config, SourceError> {
    let origin = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        SourceError::plain(
            &origin,
            format!(
                "cannot read the config: {e}. Run `sitrep init` to write one, or pass -c PATH."
            ),
        )
    })?;
    let base = path.parent().unwrap_or(Path::new("."));
    parse(&origin, &text, base, &|k| std::env::var(k).ok())
}

/// Parses config text; relative folders are taken from `base`.
pub fn parse(
    origin: &str,
    text: &str,
    base: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Config, SourceError> {
    let raw: RawConfig =
        toml::from_str(text).map_err(|e| SourceError::from_toml(origin, text, &e))?;
    let at = |offset: usize, message: String| SourceError::at(origin, text, offset, message);
    let severity = match raw.incident.severity {
        Some(s) => {
            let Ok(level) = s.get_ref().parse::<Severity>() else {
                return Err(at(
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
    let resolve = |p: &str| {
        let p = PathBuf::from(p);
        if p.is_absolute() { p } else { base.join(p) }
    };
    let update_every = match &raw.incident.update_every {
        None => crate::act::DEFAULT_CADENCE,
        Some(s) => parse_duration(s.get_ref()).map_err(|err| {
            at(
                s.span().start,
                format!(
                    "`{}` is not a duration ({err}); write it like \"30m\"",
                    s.get_ref()
                ),
            )
        })?,
    };
    let incident = IncidentConfig {
        title: raw.incident.title,
        dir: resolve(&raw.incident.dir),
        runbooks: raw.incident.runbooks.as_deref().map(resolve),
        severity,
        params: raw.incident.params,
        update_every,
    };
    // A secret by reference: `{ env = "NAME" }` read now, so a missing one stops the start, not the send.
    let secret = |value: Spanned<HeaderValue>, what: &str| -> Result<(String, bool), SourceError> {
        let span = value.span();
        match value.into_inner() {
            HeaderValue::Plain(v) => Ok((v, false)),
            HeaderValue::Env { env: var, prefix } => match env(&var) {
                Some(v) if !v.is_empty() => Ok((format!("{prefix}{v}"), true)),
                _ => Err(at(
                    span.start,
                    format!(
                        "{what} reads the environment variable `{var}`, which is not set. Export it before starting sitrep (secrets live in the environment, never in this file)."
                    ),
                )),
            },
        }
    };
    let mut destinations = Vec::new();
    for d in raw.destination {
        use crate::act::Destination;
        let kind = d.kind.get_ref().trim().to_ascii_lowercase();
        let here = d.kind.span().start;
        let dest = match kind.as_str() {
            "file" => match &d.path {
                Some(p) => Destination::File(resolve(p)),
                None => {
                    return Err(at(
                        here,
                        "a file destination needs `path = \"status-updates.md\"`".into(),
                    ));
                }
            },
            "clipboard" => Destination::Clipboard,
            "slack" | "webhook" => {
                let Some(url) = d.url else {
                    return Err(at(
                        here,
                        format!(
                            "a {kind} destination needs `url = {{ env = \"SLACK_WEBHOOK_URL\" }}` (the URL is a secret: keep it in the environment)"
                        ),
                    ));
                };
                let (url, is_secret) = secret(url, &format!("the {kind} url"))?;
                if !is_secret {
                    return Err(at(
                        here,
                        format!(
                            "the {kind} url is written in the file; webhook URLs are secrets: use `url = {{ env = \"NAME\" }}`"
                        ),
                    ));
                }
                let url = crate::health::Secret::new(url);
                if kind == "slack" {
                    Destination::Slack { url }
                } else {
                    let mut headers = Vec::new();
                    for (k, v) in d.headers {
                        let (v, _) = secret(v, &format!("header `{k}`"))?;
                        headers.push((k, crate::health::Secret::new(v)));
                    }
                    Destination::Webhook { url, headers }
                }
            }
            other => {
                return Err(at(
                    here,
                    format!(
                        "unknown destination kind `{other}`: use file, clipboard, slack or webhook"
                    ),
                ));
            }
        };
        dest.validate().map_err(|e| at(here, e.to_string()))?;
        destinations.push(dest);
    }
    let mut names = HashSet::new();
    let mut logs = Vec::new();
    for l in raw.log {
        let name = l.name.get_ref().clone();
        if !names.insert(format!("log:{name}")) {
            return Err(at(
                l.name.span().start,
                format!("two logs are named `{name}`; names must be unique"),
            ));
        }
        let source = match (l.path, l.command) {
            (Some(p), None) => LogSource::Path(resolve(&p)),
            (None, Some(c)) if !c.is_empty() => LogSource::Command(c),
            (None, Some(_)) => {
                return Err(at(
                    l.name.span().start,
                    format!(
                        "log `{name}`: `command` is empty; give the program and its arguments, like [\"kubectl\", \"logs\", \"-f\", \"deploy/api\"]"
                    ),
                ));
            }
            (Some(_), Some(_)) => {
                return Err(at(
                    l.name.span().start,
                    format!("log `{name}` has both `path` and `command`; keep one"),
                ));
            }
            (None, None) => {
                return Err(at(
                    l.name.span().start,
                    format!(
                        "log `{name}` needs `path = \"/var/log/app.log\"` or `command = [\"kubectl\", \"logs\", \"-f\", \"deploy/api\"]`"
                    ),
                ));
            }
        };
        logs.push(LogConfig { name, source });
    }
    let mut endpoints = Vec::new();
    for e in raw.endpoint {
        let name = e.name.get_ref().clone();
        if !names.insert(format!("endpoint:{name}")) {
            return Err(at(
                e.name.span().start,
                format!("two endpoints are named `{name}`; names must be unique"),
            ));
        }
        let url = e.url.get_ref().trim().to_string();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(at(
                e.url.span().start,
                format!("endpoint `{name}`: url `{url}` must start with http:// or https://"),
            ));
        }
        let duration = |d: &Option<Spanned<String>>,
                        default: Duration|
         -> Result<Duration, SourceError> {
            match d {
                None => Ok(default),
                Some(s) => parse_duration(s.get_ref()).map_err(|err| {
                    at(s.span().start, format!("`{}` is not a duration ({err}); write it like \"5s\", \"800ms\" or \"2m\"", s.get_ref()))
                }),
            }
        };
        let interval = duration(&e.interval, Duration::from_secs(5))?;
        if interval < Duration::from_millis(100) {
            return Err(at(
                e.name.span().start,
                format!(
                    "endpoint `{name}`: interval must be at least 100ms, so the probe does not hammer the API"
                ),
            ));
        }
        let timeout = duration(&e.timeout, Duration::from_secs(2))?;
        let connect_timeout = duration(&e.connect_timeout, Duration::from_secs(1).min(timeout))?;
        let max_latency = match &e.max_latency {
            Some(_) => Some(duration(&e.max_latency, Duration::ZERO)?),
            None => None,
        };
        let mut headers = Vec::new();
        for (key, value) in e.headers {
            let span = value.span();
            match value.into_inner() {
                HeaderValue::Plain(v) => headers.push((key, v, false)),
                HeaderValue::Env { env: var, prefix } => match env(&var) {
                    Some(v) if !v.is_empty() => headers.push((key, format!("{prefix}{v}"), true)),
                    _ => {
                        return Err(at(
                            span.start,
                            format!(
                                "header `{key}` of endpoint `{name}` reads the environment variable `{var}`, which is not set. Export it before starting sitrep (secrets live in the environment, never in this file)."
                            ),
                        ));
                    }
                },
            }
        }
        endpoints.push(EndpointConfig {
            name,
            url,
            interval,
            timeout,
            connect_timeout,
            expect_status: e.expect_status,
            max_latency,
            body_contains: e.body_contains,
            body_not_contains: e.body_not_contains,
            json: e.json.into_iter().collect(),
            header_present: e.header_present,
            headers,
            threshold: e.threshold.unwrap_or(2).max(1),
            insecure_tls: e.insecure_tls,
        });
    }
    let keymap = keymap(raw.keys, &at)?;
    let mut theme = crate::ui::Theme::color();
    for (name, spec) in raw.theme {
        theme.set(name.get_ref(), spec.get_ref()).map_err(|e| {
            let place = match e {
                crate::ui::theme::StyleError::UnknownStyle(..) => name.span().start,
                _ => spec.span().start,
            };
            at(place, e.to_string())
        })?;
    }
    Ok(Config {
        origin: origin.to_string(),
        incident,
        logs,
        endpoints,
        destinations,
        keymap,
        theme,
        ui: raw.ui,
    })
}

/// The default keymap with `[keys]` applied; errors point at the name or the key string at fault.
fn keymap(
    raw: BTreeMap<Spanned<String>, Spanned<KeyList>>,
    at: &dyn Fn(usize, String) -> SourceError,
) -> Result<Vec<crate::app::Binding>, SourceError> {
    use crate::app::keys::{self, Action, Key, Rebinding};
    // In the order written, so a clash between two entries is reported at the later one.
    let mut entries: Vec<_> = raw.into_iter().collect();
    entries.sort_by_key(|(name, _)| name.span().start);
    let mut changes = Vec::new();
    let mut places = Vec::new();
    for (name, list) in entries {
        let action: Action = name
            .get_ref()
            .parse()
            .map_err(|e: keys::UnknownAction| at(name.span().start, e.to_string()))?;
        let value_at = list.span().start;
        let written: Vec<(String, usize)> = match list.into_inner() {
            KeyList::One(k) => vec![(k, value_at)],
            KeyList::Many(ks) => ks
                .into_iter()
                .map(|k| {
                    let start = k.span().start;
                    (k.into_inner(), start)
                })
                .collect(),
        };
        let mut parsed = Vec::new();
        for (text, start) in &written {
            let key: Key = text
                .parse()
                .map_err(|e: keys::KeyError| at(*start, e.to_string()))?;
            parsed.push(key.0);
        }
        changes.push(Rebinding {
            action,
            keys: parsed,
        });
        places.push((
            value_at,
            written.into_iter().map(|(_, s)| s).collect::<Vec<_>>(),
        ));
    }
    keys::rebind(keys::default_keymap(), &changes).map_err(|e| {
        let place = e.place();
        let offset = places.get(place.entry).map_or(0, |(value_at, key_starts)| {
            place
                .key
                .and_then(|i| key_starts.get(i).copied())
                .unwrap_or(*value_at)
        });
        at(offset, e.to_string())
    })
}

/// The commented config `sitrep init` writes.
pub const TEMPLATE: &str = include_str!("../docs/sitrep.example.toml");

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<Config, SourceError> {
        parse("sitrep.toml", text, Path::new("/base"), &|k| {
            (k == "TOKEN").then(|| "s3cret".to_string())
        })
    }

    #[test]
    fn the_init_template_is_a_valid_config() {
        let cfg = parse("sitrep.toml", TEMPLATE, Path::new("/b"), &|_| {
            Some("x".into())
        })
        .unwrap();
        assert!(!cfg.endpoints.is_empty());
        assert!(!cfg.logs.is_empty());
    }

    #[test]
    fn a_full_endpoint_parses_with_durations_and_a_secret_header() {
        let cfg = parse_str(
            r#"
[incident]
title = "Payments"
[[endpoint]]
name = "payments"
url = "http://127.0.0.1:9/health"
interval = "1s"
max-latency = "800ms"
headers = { Authorization = { env = "TOKEN", prefix = "Bearer " } }
"#,
        )
        .unwrap();
        let ep = &cfg.endpoints[0];
        assert_eq!(ep.interval, Duration::from_secs(1));
        assert_eq!(ep.max_latency, Some(Duration::from_millis(800)));
        assert_eq!(
            ep.headers,
            vec![("Authorization".into(), "Bearer s3cret".into(), true)]
        );
        assert_eq!(cfg.incident.dir, PathBuf::from("/base/incidents"));
    }

    #[test]
    fn a_bad_duration_points_at_its_value() {
        let err = parse_str("[incident]\ntitle = \"x\"\n[[endpoint]]\nname = \"a\"\nurl = \"http://h/\"\ninterval = \"5 parsecs\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("sitrep.toml:6:12: `5 parsecs` is not a duration"),
            "{err}"
        );
    }

    #[test]
    fn a_missing_secret_variable_is_a_clear_error() {
        let err = parse_str("[incident]\ntitle = \"x\"\n[[endpoint]]\nname = \"a\"\nurl = \"http://h/\"\nheaders = { X-Key = { env = \"NOPE\" } }\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("environment variable `NOPE`, which is not set"),
            "{err}"
        );
        assert!(err.starts_with("sitrep.toml:6:"), "{err}");
    }

    #[test]
    fn a_misspelt_key_gets_a_suggestion() {
        let err = parse_str("[incident]\ntitle = \"x\"\n[[endpoint]]\nname = \"a\"\nurl = \"http://h/\"\nintervall = \"5s\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("sitrep.toml:6:1: unknown field `intervall`"),
            "{err}"
        );
        assert!(err.ends_with("did you mean `interval`?"), "{err}");
    }

    #[test]
    fn a_webhook_url_must_come_from_the_environment() {
        let text = "[incident]\ntitle = \"x\"\n[[destination]]\nkind = \"slack\"\nurl = \"https://hooks.example/T0/B0/xyz\"\n";
        let err = parse_str(text).unwrap_err().to_string();
        assert!(
            err.starts_with("sitrep.toml:4:8: the slack url is written in the file"),
            "{err}"
        );
        let ok =
            parse_str(&text.replace("\"https://hooks.example/T0/B0/xyz\"", "{ env = \"TOKEN\" }"));
        assert!(ok.is_err(), "s3cret is not a URL");
    }

    #[test]
    fn a_file_destination_and_params_parse() {
        let cfg = parse_str("[incident]\ntitle = \"x\"\nparams = { service = \"api\" }\nupdate-every = \"15m\"\n[[destination]]\nkind = \"file\"\npath = \"updates.md\"\n").unwrap();
        assert_eq!(
            cfg.incident.params.get("service").map(String::as_str),
            Some("api")
        );
        assert_eq!(cfg.incident.update_every, Duration::from_secs(900));
        assert_eq!(cfg.destinations.len(), 1);
    }

    #[test]
    fn a_log_needs_a_path_or_a_command() {
        let err = parse_str("[incident]\ntitle = \"x\"\n[[log]]\nname = \"api\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("needs `path"), "{err}");
    }
}

//! Following every container of the pods matching a label selector, the way `stern` does, through
//! `kubectl` (so every kubeconfig, context and auth plugin works as in the user's shell).
//!
//! ```text
//!  kubectl get pods -l SEL -o json            ──> the pods now (and which went away meanwhile)
//!  kubectl get pods -l SEL -w -o json
//!          --output-watch-events              ──> pods appearing, changing, restarting, going away
//!  per container, while it has logs:
//!  kubectl logs -f --timestamps
//!          --since-time=T -c C POD            ──> "2026-12-05T01:02:03.123456789Z line"
//! ```
//! Not `kubectl logs -f -l SEL`: that never picks up pods created later and stops at 5 streams.
//!
//! Each line keeps the kubelet's timestamp as its own time and is tagged `pod/container`. A
//! container's stream is resumed from its last line's time whenever it ends (the container
//! restarted, the kubelet closed it) or stays silent for `silent-after` while the container runs
//! (a follow stream can stall silently once the kubelet rotates the log file). `--since-time` has
//! one-second precision, so a stream is resumed a second early: lines older than the last one
//! delivered are dropped, and lines at its time or in the second before are dropped by (container,
//! timestamp, line) against the ones delivered recently.
//!
//! A container that restarts is recorded once, with its reason (`OOMKilled`, the exit code), and
//! its previous run's last 200 lines (`--previous`) are fetched: a crash loop is often the incident.
//! The hour before reaches only as far as the kubelet keeps (the current log file and the previous
//! run), and the backfill's report says how far back that was. Pods that appear later are followed
//! from their first line; pods that go away are said to be gone.
//!
//! kubectl runs one process per container: at most `max_containers` ([`MAX_STREAMS`] unless the log
//! says otherwise) are followed, and the
//! status says when more match.

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use serde::Deserialize;
use tokio::sync::{mpsc::Sender, watch};

use super::handle::HandleKind;
use super::{
    BackfillReport, Bound, LogLine, SourceStatus, TailEvent, TailOptions, level::detect_level,
    lines::sanitize_line,
};
use super::program::{Closed, cannot_start, send, split, stderr_text};
use crate::core::child::{Child, Event, Stream, Survivors};

/// Containers followed at most (one `kubectl logs` each, about 12 MiB of private memory apiece
/// measured with kubectl 1.20 and 1.32; stern's default is the same 50).
pub const MAX_STREAMS: usize = 50;
/// Lines of a restarted container's previous run fetched (`--previous --tail`).
pub const PREVIOUS_LINES: usize = 200;
/// Lines a reader of `sitrep tail` starts with from each container running at start (no backfill).
const HISTORY: usize = 200;
/// The longest a listing (pods, a backfill's lines) may take.
const LISTING_TIMEOUT: Duration = Duration::from_secs(60);
/// Lines remembered per container to drop the ones a resumed stream repeats.
const RECENT: usize = 8192;
/// The longest piece of `kubectl get -w` output kept while it is not yet a whole JSON object.
const MAX_OBJECT_BYTES: usize = 16 << 20;
/// How a pod replaced under its name is said to be gone.
const REPLACED: &str = "replaced";
/// How long a gone pod's streams may still deliver their last lines.
const GONE_GRACE: Duration = Duration::from_secs(5);

/// Which pods, in which namespace, through which kubectl and kubeconfig.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KubeSpec {
    /// The label selector (`app=payments`, `app in (api,worker),tier!=canary`).
    pub selector: String,
    /// The namespace; none: the context's own.
    pub namespace: Option<String>,
    /// The kubeconfig context; none: the current one.
    pub context: Option<String>,
    /// The kubeconfig file; none: kubectl's own choice (`KUBECONFIG`, `~/.kube/config`).
    pub kubeconfig: Option<PathBuf>,
    /// Only this container of each pod; none: all of them (init containers too).
    pub container: Option<String>,
    /// The program (`kubectl`, a path to a given version, `oc`).
    pub kubectl: String,
    /// Containers followed at most (one kubectl each).
    pub max_containers: usize,
}

impl Default for KubeSpec {
    fn default() -> Self {
        KubeSpec {
            selector: String::new(),
            namespace: None,
            context: None,
            kubeconfig: None,
            container: None,
            kubectl: "kubectl".into(),
            max_containers: MAX_STREAMS,
        }
    }
}

impl KubeSpec {
    /// Reads the part of a source address after `k8s:`: a label selector, then optionally `@` and
    /// the namespace (`app=payments@prod`).
    pub fn parse(text: &str) -> Result<Self, String> {
        let (selector, namespace) = match text.rsplit_once('@') {
            Some((selector, namespace)) => (selector.trim(), Some(namespace.trim())),
            None => (text.trim(), None),
        };
        if selector.is_empty() {
            return Err(
                "give a label selector, like k8s:app=payments or k8s:app=payments@prod (with the namespace)"
                    .into(),
            );
        }
        if selector.starts_with('-') || selector.chars().any(char::is_control) {
            return Err(format!("`{selector}` is not a label selector, like app=payments"));
        }
        let namespace = match namespace {
            Some(ns) if !is_name(ns) => {
                return Err(format!(
                    "`{ns}` is not a namespace: lowercase letters, digits and `-`, like prod"
                ));
            }
            ns => ns.map(String::from),
        };
        Ok(KubeSpec {
            selector: selector.to_string(),
            namespace,
            ..KubeSpec::default()
        })
    }

    /// A short human name: `kubernetes pods app=payments in prod`.
    pub fn describe(&self) -> String {
        let mut text = format!("kubernetes pods {}", self.selector);
        if let Some(ns) = &self.namespace {
            text.push_str(&format!(" in {ns}"));
        }
        if let Some(context) = &self.context {
            text.push_str(&format!(" (context {context})"));
        }
        text
    }

    /// The address that names it, after `k8s `: `k8s app=payments@prod`.
    pub fn address(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("k8s {}@{ns}", self.selector),
            None => format!("k8s {}", self.selector),
        }
    }

    /// kubectl and its global options.
    fn base(&self) -> Vec<String> {
        let mut argv = vec![self.kubectl.clone()];
        if let Some(config) = &self.kubeconfig {
            argv.push(format!("--kubeconfig={}", config.display()));
        }
        if let Some(context) = &self.context {
            argv.push(format!("--context={context}"));
        }
        if let Some(ns) = &self.namespace {
            argv.push(format!("--namespace={ns}"));
        }
        argv
    }

    fn list_argv(&self) -> Vec<String> {
        let mut argv = self.base();
        argv.extend(["get", "pods", "-o", "json", "-l"].map(String::from));
        argv.push(self.selector.clone());
        argv.push(format!("--request-timeout={}s", LISTING_TIMEOUT.as_secs()));
        argv
    }

    fn watch_argv(&self) -> Vec<String> {
        let mut argv = self.base();
        argv.extend(
            ["get", "pods", "--watch", "--output-watch-events", "-o", "json", "-l"]
                .map(String::from),
        );
        argv.push(self.selector.clone());
        argv
    }

    fn logs_argv(&self, pod: &str, container: &str, from: &From, follow: bool) -> Vec<String> {
        let mut argv = self.base();
        argv.extend(["logs", "--timestamps"].map(String::from));
        if follow {
            argv.push("--follow".into());
        } else {
            argv.push(format!("--request-timeout={}s", LISTING_TIMEOUT.as_secs()));
        }
        match from {
            From::All => {}
            From::Tail(n) => argv.push(format!("--tail={n}")),
            From::Since(t) => argv.push(format!("--since-time={}", since_time(*t))),
            From::Window(t, cap) => {
                argv.push(format!("--since-time={}", since_time(*t)));
                argv.push(format!("--tail={cap}"));
            }
            From::Previous(n) => {
                argv.push("--previous".into());
                argv.push(format!("--tail={n}"));
            }
            From::PreviousWindow(t, cap) => {
                argv.push("--previous".into());
                argv.push(format!("--since-time={}", since_time(*t)));
                argv.push(format!("--tail={cap}"));
            }
        }
        argv.push(format!("--container={container}"));
        argv.push(pod.to_string());
        argv
    }
}

/// A DNS label (a namespace's name).
fn is_name(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 63
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !text.starts_with('-')
}

/// `--since-time` for lines from `t` on: a second early, since kubectl passes whole seconds.
fn since_time(t: DateTime<Utc>) -> String {
    let early = t - TimeDelta::seconds(1);
    early
        .with_nanosecond_zero()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

trait NanosZero {
    fn with_nanosecond_zero(self) -> Self;
}

impl NanosZero for DateTime<Utc> {
    fn with_nanosecond_zero(self) -> Self {
        use chrono::Timelike;
        self.with_nanosecond(0).unwrap_or(self)
    }
}

/// Where a container's lines are read from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum From {
    /// Everything the kubelet keeps (a pod that appeared after the start).
    All,
    /// The last lines.
    Tail(usize),
    /// From this time on (a resumed stream: lines before it were delivered).
    Since(DateTime<Utc>),
    /// From this time on, the newest lines up to a cap (a backfill).
    Window(DateTime<Utc>, usize),
    /// The previous run's last lines.
    Previous(usize),
    /// The previous run's lines from this time on, the newest up to a cap.
    PreviousWindow(DateTime<Utc>, usize),
}

pub(crate) fn spawn(
    source: usize,
    spec: KubeSpec,
    tx: Sender<TailEvent>,
    opts: TailOptions,
) -> HandleKind {
    super::handle::task(source, "kubernetes", tx, |tx| run(source, spec, tx, opts))
}

// ---- What kubectl prints (only what is read) ----

#[derive(Deserialize, Default)]
struct PodList {
    #[serde(default)]
    items: Vec<Pod>,
}

#[derive(Deserialize)]
struct WatchEvent {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    object: Pod,
}

#[derive(Deserialize, Default, Clone)]
#[serde(rename_all = "camelCase")]
struct Pod {
    #[serde(default)]
    metadata: Meta,
    #[serde(default)]
    spec: PodSpec,
    #[serde(default)]
    status: PodStatus,
}

#[derive(Deserialize, Default, Clone)]
#[serde(rename_all = "camelCase")]
struct Meta {
    #[serde(default)]
    name: String,
    #[serde(default)]
    uid: String,
}

#[derive(Deserialize, Default, Clone)]
#[serde(rename_all = "camelCase")]
struct PodSpec {
    #[serde(default)]
    init_containers: Vec<Named>,
    #[serde(default)]
    containers: Vec<Named>,
}

#[derive(Deserialize, Default, Clone)]
struct Named {
    #[serde(default)]
    name: String,
}

#[derive(Deserialize, Default, Clone)]
#[serde(rename_all = "camelCase")]
struct PodStatus {
    #[serde(default)]
    init_container_statuses: Vec<ContainerStatus>,
    #[serde(default)]
    container_statuses: Vec<ContainerStatus>,
}

#[derive(Deserialize, Default, Clone)]
#[serde(rename_all = "camelCase")]
struct ContainerStatus {
    #[serde(default)]
    name: String,
    #[serde(default)]
    restart_count: u32,
    #[serde(default)]
    state: ContainerState,
    #[serde(default)]
    last_state: ContainerState,
}

#[derive(Deserialize, Default, Clone)]
struct ContainerState {
    #[serde(default)]
    running: Option<serde_json::Value>,
    #[serde(default)]
    terminated: Option<Terminated>,
}

#[derive(Deserialize, Default, Clone)]
#[serde(rename_all = "camelCase")]
struct Terminated {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    exit_code: i32,
    #[serde(default)]
    finished_at: Option<DateTime<Utc>>,
}

impl Pod {
    /// The containers followed, init containers first, each with its status when it has one.
    fn containers<'a>(
        &'a self,
        only: Option<&'a str>,
    ) -> impl Iterator<Item = (&'a str, Option<&'a ContainerStatus>)> + 'a {
        fn status_of<'a>(list: &'a [ContainerStatus], name: &str) -> Option<&'a ContainerStatus> {
            list.iter().find(|s| s.name == name)
        }
        let init = self.spec.init_containers.iter().map(|c| {
            let status = status_of(&self.status.init_container_statuses, &c.name);
            (c.name.as_str(), status)
        });
        let main = self.spec.containers.iter().map(|c| {
            let status = status_of(&self.status.container_statuses, &c.name);
            (c.name.as_str(), status)
        });
        init.chain(main)
            .filter(move |(name, _)| !name.is_empty() && only.is_none_or(|o| o == *name))
    }
}

/// How a container is, as the pod watch last said.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Life {
    /// It has run (it has logs to read).
    started: bool,
    /// It runs now.
    running: bool,
    /// Its restarts so far.
    restarts: u32,
    /// Its pod is gone.
    gone: bool,
}

impl Life {
    fn of(status: Option<&ContainerStatus>) -> Self {
        match status {
            None => Life::default(),
            Some(s) => Life {
                started: s.state.running.is_some()
                    || s.state.terminated.is_some()
                    || s.restart_count > 0,
                running: s.state.running.is_some(),
                restarts: s.restart_count,
                gone: false,
            },
        }
    }
}

/// How a container's previous run ended: `OOMKilled, exit code 137`.
fn ending(status: &ContainerStatus) -> String {
    match &status.last_state.terminated {
        Some(t) if !t.reason.is_empty() => format!("{}, exit code {}", t.reason, t.exit_code),
        Some(t) => format!("exit code {}", t.exit_code),
        None => "no reason given".into(),
    }
}

// ---- Lines ----

/// The lines a container delivered lately: a resumed stream's repeats are dropped by (timestamp,
/// line).
#[derive(Default)]
struct Recent {
    order: VecDeque<(i64, u64)>,
    set: HashSet<(i64, u64)>,
}

impl Recent {
    /// Whether (`ns`, `line`) is new; remembers it.
    fn first_time(&mut self, ns: i64, line: &[u8]) -> bool {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        line.hash(&mut hasher);
        let key = (ns, hasher.finish());
        if !self.set.insert(key) {
            return false;
        }
        self.order.push_back(key);
        if self.order.len() > RECENT
            && let Some(old) = self.order.pop_front()
        {
            self.set.remove(&old);
        }
        true
    }
}

/// One container's lines as `kubectl logs --timestamps` prints them, cut at newlines. A line
/// split across reads is kept up to its cap; the bytes past it are counted, not kept.
struct LineCutter {
    partial: Vec<u8>,
    /// Bytes of the partial line past the cap.
    dropped: usize,
    max: usize,
}

/// A line as kubectl printed it, and how many of its bytes were not kept.
type RawLine = (Vec<u8>, usize);

impl LineCutter {
    fn new(max_line_bytes: usize) -> Self {
        LineCutter {
            partial: Vec::new(),
            dropped: 0,
            max: max_line_bytes,
        }
    }

    /// Whole lines in `chunk` (and before it), handed to `each` with their bytes not kept.
    fn push(&mut self, chunk: &[u8], mut each: impl FnMut(&[u8], usize)) {
        let mut start = 0;
        for newline in memchr::memchr_iter(b'\n', chunk) {
            if self.partial.is_empty() {
                each(&chunk[start..newline], 0);
            } else {
                self.take(&chunk[start..newline]);
                let dropped = std::mem::take(&mut self.dropped);
                each(&std::mem::take(&mut self.partial), dropped);
            }
            start = newline + 1;
        }
        self.take(&chunk[start..]);
    }

    fn take(&mut self, bytes: &[u8]) {
        // The timestamp, a space, and the line up to its cap (the rest is not shown).
        let room = (self.max + 64).saturating_sub(self.partial.len());
        let kept = bytes.len().min(room);
        self.partial.extend_from_slice(&bytes[..kept]);
        self.dropped += bytes.len() - kept;
    }

    /// What is left after the stream ended.
    fn flush(&mut self, mut each: impl FnMut(&[u8], usize)) {
        if !self.partial.is_empty() {
            let rest = std::mem::take(&mut self.partial);
            each(&rest, std::mem::take(&mut self.dropped));
        }
    }
}

/// Splits `2026-12-05T01:02:03.123456789Z line` into its time and line.
fn stamp_of(raw: &[u8]) -> (Option<DateTime<Utc>>, &[u8]) {
    let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
    let Some(space) = memchr::memchr(b' ', &raw[..raw.len().min(64)]) else {
        return (None, raw);
    };
    let time = std::str::from_utf8(&raw[..space])
        .ok()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc));
    match time {
        Some(t) => (Some(t), &raw[space + 1..]),
        None => (None, raw),
    }
}

fn ns_of(t: DateTime<Utc>) -> i64 {
    t.timestamp_nanos_opt().unwrap_or(i64::MAX)
}

/// What is shared by the source's tasks.
struct Ctx {
    source: usize,
    spec: KubeSpec,
    tx: Sender<TailEvent>,
    opts: TailOptions,
    /// A stream found its pod missing: the pods are listed again. A pod deleted between our
    /// listing and the watch's own is never said deleted by the watch.
    relist: tokio::sync::Notify,
}

impl Ctx {
    /// The line of `body`, of which `dropped` more bytes were not kept: its cut note counts
    /// them all.
    fn line(&self, tag: &str, time: Option<DateTime<Utc>>, body: &[u8], dropped: usize) -> LogLine {
        super::stamped_line(
            self.source,
            time,
            tag,
            (body, dropped),
            detect_level,
            Utc::now(),
            self.opts.max_line_bytes,
        )
    }

    async fn status(&self, status: SourceStatus) -> Result<(), Closed> {
        send(&self.tx, self.source, status).await
    }

    async fn lines(&self, lines: Vec<LogLine>) -> Result<(), Closed> {
        if lines.is_empty() {
            return Ok(());
        }
        let event = TailEvent::Lines {
            source: self.source,
            file: None,
            lines,
        };
        self.tx.send(event).await.map_err(|_| Closed)
    }
}

/// `pod/container: `, safe to show.
fn tag(pod: &str, container: &str) -> String {
    format!("{}: ", sanitize_line(format!("{pod}/{container}").as_bytes(), 0, 256).0)
}

/// What a container delivered, for resuming it.
#[derive(Default)]
struct Delivered {
    recent: Recent,
    /// The newest line's time.
    last: Option<DateTime<Utc>>,
}

/// Keeps the lines of `raw` (kubectl's output lines) not delivered yet, remembering them; lines
/// before `floor` are dropped (a resumed stream's start).
fn keep_new(
    ctx: &Ctx,
    tag: &str,
    delivered: &Mutex<Delivered>,
    raw: Vec<RawLine>,
    floor: Option<DateTime<Utc>>,
) -> Vec<LogLine> {
    let mut d = delivered.lock().unwrap_or_else(PoisonError::into_inner);
    let mut out = Vec::with_capacity(raw.len());
    for (raw, dropped) in raw {
        let (time, body) = stamp_of(&raw);
        if let (Some(t), Some(floor)) = (time, floor)
            && t < floor
        {
            continue;
        }
        let ns = time.map_or(i64::MIN, ns_of);
        if time.is_some() && !d.recent.first_time(ns, body) {
            continue;
        }
        if let Some(t) = time
            && d.last.is_none_or(|last| t > last)
        {
            d.last = Some(t);
        }
        out.push(ctx.line(tag, time, body, dropped));
    }
    out
}

// ---- Running kubectl ----

/// Runs a listing to its end (at most [`LISTING_TIMEOUT`] and a little): its stdout, or what went wrong.
async fn output(argv: &[String], max: usize) -> Result<Vec<u8>, String> {
    let run = async {
        let (program, args) = split(argv);
        let mut child = Child::spawn(program.as_ref(), &args, None, Survivors::Kill)
            .map_err(|err| cannot_start(program, &err, NEEDS))?;
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let mut code = None;
        loop {
            match child.next().await {
                Event::Output(Stream::Stdout) => {
                    if out.len() < max {
                        out.extend_from_slice(child.chunk());
                    }
                }
                Event::Output(Stream::Stderr) => keep_tail(&mut err, child.chunk()),
                Event::Exited(status) => code = status.and_then(|s| s.code()),
                Event::Done => break,
            }
        }
        if code == Some(0) {
            Ok(out)
        } else {
            Err(failed(code, &err))
        }
    };
    match tokio::time::timeout(LISTING_TIMEOUT + Duration::from_secs(10), run).await {
        Ok(result) => result,
        Err(_) => Err(format!(
            "kubectl gave no answer within {} s",
            LISTING_TIMEOUT.as_secs() + 10
        )),
    }
}

/// What a kubectl that exited said, on one line.
fn failed(code: Option<i32>, stderr: &[u8]) -> String {
    let text = stderr_text(stderr);
    if text.is_empty() {
        match code {
            Some(code) => format!("kubectl exited with code {code}"),
            None => "kubectl was killed by a signal".into(),
        }
    } else {
        format!("kubectl: {}", text.trim_start_matches("error: "))
    }
}

/// `text` with each URL written `…`: a kubelet's URL names the pod and container, and the same
/// trouble in every container should read the same.
fn without_urls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("http://").or_else(|| rest.find("https://")) {
        out.push_str(&rest[..at]);
        out.push('…');
        let tail = &rest[at..];
        let end = tail
            .find(|c: char| c.is_whitespace() || c == '"' || c == '\'')
            .unwrap_or(tail.len());
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// Keeps the end of what a program says on stderr (its last words say why it stopped).
fn keep_tail(stderr: &mut Vec<u8>, chunk: &[u8]) {
    stderr.extend_from_slice(chunk);
    if stderr.len() > 16 * 1024 {
        stderr.drain(..stderr.len() - 8 * 1024);
    }
}

/// What to install when kubectl is not found.
const NEEDS: &str = "Kubernetes sources need kubectl on the PATH (Debian: apt-get install kubernetes-client), or set the log's kubernetes.kubectl";

/// The pods matching now.
async fn list_pods(spec: &KubeSpec) -> Result<Vec<Pod>, String> {
    let out = output(&spec.list_argv(), 256 << 20).await?;
    let list: PodList = serde_json::from_slice(&out)
        .map_err(|e| format!("kubectl printed something that is not a pod list: {e}"))?;
    Ok(list.items)
}

/// A container's lines from a bounded listing (not followed), as kubectl printed them.
async fn fetch(spec: &KubeSpec, pod: &str, container: &str, from: &From) -> Result<Vec<RawLine>, String> {
    let out = output(&spec.logs_argv(pod, container, from, false), 256 << 20).await?;
    let mut lines = Vec::new();
    let mut cutter = LineCutter::new(1 << 20);
    cutter.push(&out, |l, cut| lines.push((l.to_vec(), cut)));
    cutter.flush(|l, cut| lines.push((l.to_vec(), cut)));
    Ok(lines)
}

// ---- The source ----

/// A container's lines read by a backfill: (pod, container, its lines or what went wrong).
type Fetched = (String, String, Result<Vec<RawLine>, String>);

/// A followed container: its stream's task, and what the watch says of it.
struct Followed {
    life: watch::Sender<Life>,
    delivered: Arc<Mutex<Delivered>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Followed {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// What each container of a pod delivered, by container name.
type Delivereds = BTreeMap<String, Arc<Mutex<Delivered>>>;

/// A pod seen: its containers by name.
struct Known {
    uid: String,
    containers: BTreeMap<String, Followed>,
}

struct Pods {
    ctx: Arc<Ctx>,
    known: BTreeMap<String, Known>,
    /// Containers that matched but are not followed (over [`MAX_STREAMS`]), by (pod, container).
    skipped: HashSet<(String, String)>,
    /// The pods those belong to, as last seen (to follow them once there is room).
    parked: BTreeMap<String, Pod>,
    /// Restarts recorded, by (pod uid, container, restart count).
    recorded: HashSet<(String, String, u32)>,
    /// Fetches of previous runs, and gone pods' streams finishing: stopped with the source.
    tasks: tokio::task::JoinSet<()>,
}

async fn run(source: usize, spec: KubeSpec, tx: Sender<TailEvent>, opts: TailOptions) {
    let ctx = Arc::new(Ctx {
        source,
        spec,
        tx,
        opts,
        relist: tokio::sync::Notify::new(),
    });
    let mut pods = Pods {
        ctx,
        known: BTreeMap::new(),
        skipped: HashSet::new(),
        parked: BTreeMap::new(),
        recorded: HashSet::new(),
        tasks: tokio::task::JoinSet::new(),
    };
    let _ = pods.follow().await;
}

impl Pods {
    fn what(&self) -> String {
        self.ctx.spec.describe()
    }

    /// How its news starts: the address (`k8s app=pay@prod`), short in a timeline's line.
    fn who(&self) -> String {
        self.ctx.spec.address()
    }

    fn streams(&self) -> usize {
        self.known.values().map(|k| k.containers.len()).sum()
    }

    /// `reading kubernetes pods app=x in prod: 3 pods, 4 containers`.
    /// `reading 3 pods, 4 containers (k8s app=x@prod)`: the counts first, so a narrow logs
    /// title still shows them.
    fn reading(&self) -> SourceStatus {
        let pods = self.known.len();
        let streams = self.streams();
        let mut what = if pods == 0 {
            "no pod matches yet; watching for them".to_string()
        } else {
            format!(
                "{pods} pod{}, {streams} container{}",
                if pods == 1 { "" } else { "s" },
                if streams == 1 { "" } else { "s" },
            )
        };
        if !self.skipped.is_empty() {
            what.push_str(&format!(
                ", {} more not followed (at most {}: narrow the selector, name a container or raise max-containers)",
                self.skipped.len(),
                self.ctx.spec.max_containers
            ));
        }
        what.push_str(&format!(" ({})", self.who()));
        SourceStatus::Reading { what }
    }

    async fn follow(&mut self) -> Result<(), Closed> {
        let ctx = self.ctx.clone();
        ctx.status(SourceStatus::Reading {
            what: format!("the pods of {}", self.what()),
        })
        .await?;
        let mut delay = ctx.opts.restart_min;
        // The pods at the start: backfilled (or their last lines), then followed.
        let first = loop {
            if let Some(pods) = self.list(&mut delay).await? {
                break pods;
            }
        };
        let none = first.is_empty();
        self.start(first).await?;
        ctx.status(self.reading()).await?;
        if none {
            // Said once (and recorded by the cockpit): a selector or namespace that matches
            // nothing looks, without it, like a service with nothing to say.
            let spec = &ctx.spec;
            let message = format!(
                "no pod matches {} in {}; watching for one (check the selector and the namespace)",
                spec.selector,
                spec.namespace
                    .as_deref()
                    .map_or("the context's namespace".to_string(), |ns| format!("namespace {ns}"))
            );
            ctx.status(SourceStatus::Notice { message }).await?;
        }
        let mut delay = ctx.opts.restart_min;
        let mut listed = true;
        let mut quick_ends = 0u32;
        loop {
            if !listed {
                match self.list(&mut delay).await? {
                    Some(now) => self.reconcile(now).await?,
                    None => continue,
                }
            }
            listed = false;
            let started = tokio::time::Instant::now();
            let ended = self.watch().await?;
            if started.elapsed() >= Duration::from_secs(60) {
                delay = ctx.opts.restart_min;
            }
            // A watch that keeps ending at once (a proxy that cuts long requests) is trouble,
            // with backoff, not a routine end repeated forever.
            quick_ends = match ended {
                Ok(()) if started.elapsed() < Duration::from_secs(10) => quick_ends + 1,
                _ => 0,
            };
            let ended = match ended {
                Ok(()) if quick_ends >= 2 => Err("it keeps ending at once".to_string()),
                ended => ended,
            };
            match ended {
                // The server ends a watch after its timeout: routine, listed and watched again.
                Ok(()) => tokio::time::sleep(ctx.opts.restart_min).await,
                Err(why) => {
                    let retry = crate::core::duration::glance(delay);
                    let message = format!(
                        "{}: the pod watch failed ({why}); watching again in {retry}",
                        self.who()
                    );
                    ctx.status(SourceStatus::Error { message }).await?;
                    tokio::time::sleep(delay).await;
                    delay = ctx.opts.longer(delay);
                }
            }
        }
    }

    /// The pods matching now; or, when listing fails, says so, waits `delay` and lengthens it.
    async fn list(&self, delay: &mut Duration) -> Result<Option<Vec<Pod>>, Closed> {
        match list_pods(&self.ctx.spec).await {
            Ok(pods) => Ok(Some(pods)),
            Err(why) => {
                let retry = crate::core::duration::glance(*delay);
                let message = format!("{}: {why}; listing again in {retry}", self.who());
                self.ctx.status(SourceStatus::Error { message }).await?;
                tokio::time::sleep(*delay).await;
                *delay = self.ctx.opts.longer(*delay);
                Ok(None)
            }
        }
    }

    /// The pods at the start: their lines from before (the backfill, or the last lines), then
    /// their streams.
    async fn start(&mut self, first: Vec<Pod>) -> Result<(), Closed> {
        let ctx = self.ctx.clone();
        let window = match (&ctx.opts.backfill, ctx.opts.from_start) {
            (Some(b), false) => Some(b.clone()),
            _ => None,
        };
        let Some(window) = window else {
            let from = if ctx.opts.from_start {
                From::All
            } else {
                From::Tail(HISTORY)
            };
            for pod in &first {
                self.add(pod, &from);
            }
            return Ok(());
        };
        // The backfill: every container's lines from the window's start, its previous run's too,
        // merged by time before they are delivered.
        let mut jobs = Vec::new();
        for pod in &first {
            for (name, status) in pod.containers(ctx.spec.container.as_deref()) {
                let life = Life::of(status);
                if !life.started {
                    continue;
                }
                jobs.push((pod.metadata.name.clone(), name.to_string(), false));
                if life.restarts > 0 {
                    jobs.push((pod.metadata.name.clone(), name.to_string(), true));
                }
            }
        }
        jobs.truncate(ctx.spec.max_containers * 2);
        let count = jobs.len();
        if count > 0 {
            let what = format!(
                "the lines from before the incident of {count} container runs ({})",
                self.who()
            );
            ctx.status(SourceStatus::Reading { what }).await?;
        }
        // Each container's lines go through its own record (repeats dropped) as its fetch ends,
        // and what is kept is bounded: past twice the cap, only the newest `max_lines` stay.
        let mut delivered: BTreeMap<(String, String), Arc<Mutex<Delivered>>> = BTreeMap::new();
        let mut lines: Vec<LogLine> = Vec::new();
        let mut capped = false;
        let mut failures: Vec<String> = Vec::new();
        let mut set = tokio::task::JoinSet::new();
        let mut queue = jobs.into_iter();
        let mut running = 0;
        loop {
            while running < 8 {
                let Some((pod, container, previous)) = queue.next() else {
                    break;
                };
                let spec = ctx.spec.clone();
                let from = if previous {
                    From::PreviousWindow(window.since, window.max_lines)
                } else {
                    From::Window(window.since, window.max_lines)
                };
                set.spawn(async move {
                    let got = fetch(&spec, &pod, &container, &from).await;
                    (pod, container, got)
                });
                running += 1;
            }
            let (pod, container, got): Fetched = match set.join_next().await {
                Some(Ok(done)) => {
                    running -= 1;
                    done
                }
                Some(Err(_)) => {
                    running -= 1;
                    continue;
                }
                None => break,
            };
            match got {
                Ok(raw) => {
                    capped |= raw.len() >= window.max_lines;
                    let d = delivered.entry((pod.clone(), container.clone())).or_default();
                    lines.extend(keep_new(&ctx, &tag(&pod, &container), d, raw, Some(window.since)));
                    if lines.len() > 2 * window.max_lines {
                        lines.sort_by_key(LogLine::at);
                        lines.drain(..lines.len() - window.max_lines);
                        capped = true;
                    }
                }
                // A previous run the kubelet no longer keeps is no news; other failures are.
                Err(why) if why.contains("previous terminated container") => {}
                Err(why) => failures.push(format!("{pod}/{container}: {why}")),
            }
        }
        if let Some(first) = failures.first() {
            // Said once for all of them: 50 containers failing alike are one trouble.
            let message = format!(
                "{}: {} of {count} container runs could not be read from before the incident ({first})",
                self.who(),
                failures.len()
            );
            ctx.status(SourceStatus::Error { message }).await?;
        }
        lines.sort_by_key(LogLine::at);
        if lines.len() > window.max_lines {
            lines.drain(..lines.len() - window.max_lines);
            capped = true;
        }
        let reached = lines.iter().find_map(|l| l.time);
        let total = lines.len() as u64;
        for chunk in lines.chunks(512) {
            ctx.lines(chunk.to_vec()).await?;
        }
        // Restarts inside the window are part of the story.
        for pod in &first {
            for (name, status) in pod.containers(ctx.spec.container.as_deref()) {
                if let Some(s) = status
                    && s.restart_count > 0
                    && let Some(t) = &s.last_state.terminated
                    && t.finished_at.is_none_or(|at| at >= window.since)
                {
                    self.record_restart(pod, name, s).await?;
                }
            }
        }
        for pod in &first {
            for (name, _) in pod.containers(ctx.spec.container.as_deref()) {
                let d = delivered
                    .remove(&(pod.metadata.name.clone(), name.to_string()))
                    .unwrap_or_default();
                let last = d.lock().unwrap_or_else(PoisonError::into_inner).last;
                let from = From::Since(last.unwrap_or(window.since));
                self.add_container(pod, name, &from, d);
            }
        }
        if count > 0 {
            let report = BackfillReport {
                lines: total,
                total,
                reached,
                bound: if capped { Bound::Lines } else { Bound::Kept },
                // (A failure to read some of them was said above.)
                done: true,
            };
            ctx.status(SourceStatus::Backfill(report)).await?;
        }
        Ok(())
    }

    /// Starts following a pod's containers (a pod not known yet).
    fn add(&mut self, pod: &Pod, from: &From) {
        let only = self.ctx.spec.container.clone();
        for (name, _) in pod.containers(only.as_deref()) {
            self.add_container(pod, name, from, Arc::default());
        }
        self.known
            .entry(pod.metadata.name.clone())
            .or_insert_with(|| Known {
                uid: pod.metadata.uid.clone(),
                containers: BTreeMap::new(),
            });
    }

    fn add_container(&mut self, pod: &Pod, name: &str, from: &From, delivered: Arc<Mutex<Delivered>>) {
        let status = pod
            .containers(Some(name))
            .next()
            .and_then(|(_, status)| status);
        let known = self
            .known
            .entry(pod.metadata.name.clone())
            .or_insert_with(|| Known {
                uid: pod.metadata.uid.clone(),
                containers: BTreeMap::new(),
            });
        if known.containers.contains_key(name) {
            return;
        }
        if self
            .known
            .values()
            .map(|k| k.containers.len())
            .sum::<usize>()
            >= self.ctx.spec.max_containers
        {
            self.skipped
                .insert((pod.metadata.name.clone(), name.to_string()));
            self.parked.insert(pod.metadata.name.clone(), pod.clone());
            return;
        }
        self.skipped
            .remove(&(pod.metadata.name.clone(), name.to_string()));
        let (life, rx) = watch::channel(Life::of(status));
        let task = tokio::spawn(stream(
            self.ctx.clone(),
            pod.metadata.name.clone(),
            name.to_string(),
            rx,
            delivered.clone(),
            from.clone(),
        ));
        if let Some(known) = self.known.get_mut(&pod.metadata.name) {
            known.containers.insert(
                name.to_string(),
                Followed {
                    life,
                    delivered,
                    task,
                },
            );
        }
    }

    /// Records a container's restart once, and fetches its previous run's last lines.
    async fn record_restart(
        &mut self,
        pod: &Pod,
        container: &str,
        status: &ContainerStatus,
    ) -> Result<(), Closed> {
        let key = (
            pod.metadata.uid.clone(),
            container.to_string(),
            status.restart_count,
        );
        if !self.recorded.insert(key) {
            return Ok(());
        }
        let message = format!(
            "container {}/{container} restarted ({}; {} restart{}); fetching its previous run's last lines",
            pod.metadata.name,
            ending(status),
            status.restart_count,
            if status.restart_count == 1 { "" } else { "s" },
        );
        self.ctx.status(SourceStatus::Notice { message }).await
    }

    /// Fetches a restarted container's previous run's last lines, delivering those not seen.
    fn fetch_previous(&mut self, pod: &str, container: &str) {
        let Some(followed) = self.known.get(pod).and_then(|k| k.containers.get(container)) else {
            return;
        };
        let delivered = followed.delivered.clone();
        let ctx = self.ctx.clone();
        let (pod, container) = (pod.to_string(), container.to_string());
        self.tasks.spawn(async move {
            let from = From::Previous(PREVIOUS_LINES);
            match fetch(&ctx.spec, &pod, &container, &from).await {
                Ok(raw) => {
                    let lines = keep_new(&ctx, &tag(&pod, &container), &delivered, raw, None);
                    let _ = ctx.lines(lines).await;
                }
                Err(why) => {
                    let message = format!(
                        "{}: {pod}/{container}: its previous run's lines: {why}",
                        ctx.spec.address()
                    );
                    let _ = ctx.status(SourceStatus::Error { message }).await;
                }
            }
        });
    }

    /// A fresh listing after the watch ended: pods gone meanwhile, new ones, changes.
    async fn reconcile(&mut self, now: Vec<Pod>) -> Result<(), Closed> {
        let names: HashSet<&str> = now.iter().map(|p| p.metadata.name.as_str()).collect();
        let gone: Vec<String> = self
            .known
            .keys()
            .filter(|k| !names.contains(k.as_str()))
            .cloned()
            .collect();
        for name in gone {
            self.gone(&name, "deleted").await?;
        }
        for pod in &now {
            self.apply(pod).await?;
        }
        Ok(())
    }

    /// A pod went away: said, its streams given [`GONE_GRACE`] for their last lines; returns
    /// what each of its containers delivered (a pod replaced under its name goes on from there).
    async fn gone(&mut self, name: &str, how: &str) -> Result<Delivereds, Closed> {
        let Some(known) = self.known.remove(name) else {
            return Ok(BTreeMap::new());
        };
        let mut records = BTreeMap::new();
        for (container, followed) in known.containers {
            followed.life.send_modify(|l| l.gone = true);
            records.insert(container, followed.delivered.clone());
            self.tasks.spawn(async move {
                tokio::time::sleep(GONE_GRACE * 2).await;
                drop(followed);
            });
        }
        self.skipped.retain(|(pod, _)| pod != name);
        self.parked.remove(name);
        let message = format!("pod {name} gone ({how})");
        self.ctx.status(SourceStatus::Notice { message }).await?;
        // A pod replaced under its name takes its slots back first (see `apply`).
        if how != REPLACED {
            self.follow_skipped();
            self.ctx.status(self.reading()).await?;
        }
        Ok(records)
    }

    /// Containers left out at the cap are followed once there is room (pods went away).
    fn follow_skipped(&mut self) {
        let mut waiting: Vec<(String, String)> = self.skipped.iter().cloned().collect();
        waiting.sort();
        for (pod, container) in waiting {
            if self.streams() >= self.ctx.spec.max_containers {
                break;
            }
            // Running for long already: its last lines, not all the kubelet keeps.
            if let Some(parked) = self.parked.get(&pod).cloned() {
                self.add_container(&parked, &container, &From::Tail(HISTORY), Arc::default());
            }
        }
        let skipped = &self.skipped;
        self.parked
            .retain(|pod, _| skipped.iter().any(|(p, _)| p == pod));
    }

    /// A pod as the watch or a listing shows it now.
    async fn apply(&mut self, pod: &Pod) -> Result<(), Closed> {
        let name = pod.metadata.name.clone();
        if name.is_empty() {
            return Ok(());
        }
        let replaced = self
            .known
            .get(&name)
            .is_some_and(|k| !pod.metadata.uid.is_empty() && k.uid != pod.metadata.uid);
        let mut records = BTreeMap::new();
        if replaced {
            // A new pod of the same name (a StatefulSet's): the old one is gone. Its records go
            // on, so a stream that already read the new pod under the old one's name is not read twice.
            records = self.gone(&name, REPLACED).await?;
        }
        if !self.known.contains_key(&name) {
            let only = self.ctx.spec.container.clone();
            for (container, _) in pod.containers(only.as_deref()) {
                let record = records.remove(container).unwrap_or_default();
                self.add_container(pod, container, &From::All, record);
            }
            self.known.entry(name.clone()).or_insert_with(|| Known {
                uid: pod.metadata.uid.clone(),
                containers: BTreeMap::new(),
            });
            if replaced {
                self.follow_skipped();
            }
            let message = format!("pod {name} appeared");
            self.ctx.status(SourceStatus::Notice { message }).await?;
            return self.ctx.status(self.reading()).await;
        }
        if let Some(parked) = self.parked.get_mut(&name) {
            *parked = pod.clone();
        }
        let only = self.ctx.spec.container.clone();
        let mut restarted = Vec::new();
        let mut unfollowed = Vec::new();
        for (container, status) in pod.containers(only.as_deref()) {
            let life = Life::of(status);
            let Some(followed) = self.known.get(&name).and_then(|k| k.containers.get(container))
            else {
                unfollowed.push(container);
                continue;
            };
            let before = followed.life.borrow().restarts;
            followed.life.send_if_modified(|l| {
                let changed = *l != life;
                *l = life.clone();
                changed
            });
            if let Some(status) = status
                && life.restarts > before
            {
                restarted.push((container.to_string(), status.clone()));
            }
        }
        for (container, status) in restarted {
            self.record_restart(pod, &container, &status).await?;
            self.fetch_previous(&name, &container);
        }
        // Left out at the cap before: followed now if there is room.
        if !unfollowed.is_empty() && self.streams() < self.ctx.spec.max_containers {
            for container in unfollowed {
                self.add_container(pod, container, &From::Tail(HISTORY), Arc::default());
            }
            self.ctx.status(self.reading()).await?;
        }
        Ok(())
    }

    /// Runs the pod watch until it ends: cleanly (the server ended it), or why it failed.
    async fn watch(&mut self) -> Result<Result<(), String>, Closed> {
        let argv = self.ctx.spec.watch_argv();
        let (program, args) = split(&argv);
        let mut child = match Child::spawn(program.as_ref(), &args, None, Survivors::Kill) {
            Ok(child) => child,
            Err(err) => return Ok(Err(cannot_start(program, &err, NEEDS))),
        };
        let mut buf: Vec<u8> = Vec::new();
        let mut stderr = Vec::new();
        let mut code = None;
        loop {
            // Reap finished fetches of previous runs as they end.
            while self.tasks.try_join_next().is_some() {}
            let event = tokio::select! {
                event = child.next() => event,
                () = self.ctx.relist.notified() => {
                    if let Ok(now) = list_pods(&self.ctx.spec).await {
                        self.reconcile(now).await?;
                    }
                    continue;
                }
            };
            match event {
                Event::Output(Stream::Stdout) => {
                    // kubectl prints one event a line (`--output-watch-events -o json`).
                    buf.extend_from_slice(child.chunk());
                    let mut events = Vec::new();
                    let mut used = 0;
                    for newline in memchr::memchr_iter(b'\n', &buf) {
                        let line = &buf[used..newline];
                        used = newline + 1;
                        if let Ok(event) = serde_json::from_slice::<WatchEvent>(line) {
                            events.push(event);
                        }
                    }
                    buf.drain(..used);
                    if buf.len() > MAX_OBJECT_BYTES {
                        // One event larger than any pod: skipped to its end.
                        buf.clear();
                    }
                    for event in events {
                        match event.kind.as_str() {
                            "DELETED" => {
                                let name = event.object.metadata.name.clone();
                                self.gone(&name, "deleted").await?;
                            }
                            "ADDED" | "MODIFIED" => self.apply(&event.object).await?,
                            _ => {}
                        }
                    }
                }
                Event::Output(Stream::Stderr) => keep_tail(&mut stderr, child.chunk()),
                Event::Exited(status) => code = status.and_then(|s| s.code()),
                Event::Done => break,
            }
        }
        if code == Some(0) && stderr_text(&stderr).is_empty() {
            return Ok(Ok(()));
        }
        Ok(Err(failed(code, &stderr)))
    }
}

/// Follows one container's lines while its pod lives, resuming after its last line.
async fn stream(
    ctx: Arc<Ctx>,
    pod: String,
    container: String,
    mut life: watch::Receiver<Life>,
    delivered: Arc<Mutex<Delivered>>,
    mut from: From,
) {
    let tag = tag(&pod, &container);
    let mut delay = ctx.opts.restart_min;
    // Silent this long while running: reopened. A container that just says nothing would be
    // reopened every time, so the wait doubles (up to 16 times) while reopening brings no line.
    let quiet = ctx.opts.silent_after.max(Duration::from_secs(1));
    let mut stall = quiet;
    loop {
        // Until it has run (a container being created has no logs yet).
        loop {
            let now = life.borrow_and_update().clone();
            if now.gone {
                return;
            }
            if now.started {
                break;
            }
            if life.changed().await.is_err() {
                return;
            }
        }
        let floor = match &from {
            From::Since(t) => Some(*t),
            _ => None,
        };
        let argv = ctx.spec.logs_argv(&pod, &container, &from, true);
        let (program, args) = split(&argv);
        let mut child = match Child::spawn(program.as_ref(), &args, None, Survivors::Kill) {
            Ok(child) => child,
            Err(err) => {
                let message = cannot_start(program, &err, NEEDS);
                if ctx.status(SourceStatus::Error { message }).await.is_err() {
                    return;
                }
                tokio::time::sleep(delay).await;
                delay = ctx.opts.longer(delay);
                continue;
            }
        };
        let started = tokio::time::Instant::now();
        let mut cutter = LineCutter::new(ctx.opts.max_line_bytes);
        let mut stderr = Vec::new();
        let mut code = None;
        let mut quiet_since = tokio::time::Instant::now();
        let mut stalled = false;
        let mut gone_at: Option<tokio::time::Instant> = None;
        let mut fresh = 0usize;
        loop {
            let running = life.borrow().running;
            let stall_at = quiet_since + stall;
            let far = tokio::time::Instant::now() + Duration::from_secs(86_400);
            let gone_deadline = gone_at.map(|g| g + GONE_GRACE);
            tokio::select! {
                event = child.next() => match event {
                    Event::Output(Stream::Stdout) => {
                        quiet_since = tokio::time::Instant::now();
                        let mut raw = Vec::new();
                        cutter.push(child.chunk(), |l, cut| raw.push((l.to_vec(), cut)));
                        let lines = keep_new(&ctx, &tag, &delivered, raw, floor);
                        fresh += lines.len();
                        if !lines.is_empty() {
                            stall = quiet;
                        }
                        if ctx.lines(lines).await.is_err() {
                            child.kill();
                            return;
                        }
                    }
                    Event::Output(Stream::Stderr) => keep_tail(&mut stderr, child.chunk()),
                    Event::Exited(status) => code = status.and_then(|s| s.code()),
                    Event::Done => break,
                },
                () = tokio::time::sleep_until(stall_at), if running && !stalled && gone_at.is_none() => {
                    // Silent while the container runs: the stream may have stalled (the kubelet
                    // rotated the log); reopened after the last line.
                    stalled = true;
                    child.stop(Duration::from_secs(2));
                }
                () = tokio::time::sleep_until(gone_deadline.unwrap_or(far)), if gone_deadline.is_some() => {
                    child.stop(Duration::from_secs(1));
                }
                changed = life.changed(), if gone_at.is_none() => {
                    if changed.is_err() || life.borrow().gone {
                        gone_at = Some(tokio::time::Instant::now());
                    }
                }
            }
        }
        let mut raw = Vec::new();
        cutter.flush(|l, cut| raw.push((l.to_vec(), cut)));
        let lines = keep_new(&ctx, &tag, &delivered, raw, floor);
        if ctx.lines(lines).await.is_err() {
            return;
        }
        if gone_at.is_some() || life.borrow().gone {
            return;
        }
        // Resumed after the last line delivered.
        let last = delivered.lock().unwrap_or_else(PoisonError::into_inner).last;
        if let Some(last) = last {
            from = From::Since(last);
        } else if matches!(from, From::Tail(_)) {
            from = From::All;
        }
        stall = if fresh > 0 {
            quiet
        } else if stalled {
            (stall * 2).min(quiet * 16)
        } else {
            stall
        };
        if stalled {
            delay = ctx.opts.restart_min;
            continue;
        }
        let said = stderr_text(&stderr);
        if said.contains("(NotFound)") {
            // The pod is gone: the pods are listed again (the watch may never say so), and it is
            // read again only if it changes (it comes back) or, in case it was not gone, later.
            ctx.relist.notify_one();
            let seen = life.borrow_and_update().clone();
            match tokio::time::timeout(ctx.opts.restart_max, changes(&mut life, |now| *now != seen))
                .await
            {
                Ok(false) => return,
                Ok(true) | Err(_) => continue,
            }
        }
        if started.elapsed() >= Duration::from_secs(30) {
            delay = ctx.opts.restart_min;
        }
        if !said.is_empty() && !said.contains("is waiting to start") {
            // The container last, after the `; `: the same trouble in 50 containers (an expired
            // token) is recorded once, not once per container.
            let retry = crate::core::duration::glance(delay);
            let message = format!(
                "{}: {}; reading {pod}/{container} again in {retry}",
                ctx.spec.address(),
                without_urls(&failed(code, &stderr))
            );
            if ctx.status(SourceStatus::Error { message }).await.is_err() {
                return;
            }
        }
        let seen = life.borrow_and_update().clone();
        if seen.running {
            // Again after the delay, or at once when the container restarts.
            tokio::select! {
                () = tokio::time::sleep(delay) => {
                    delay = ctx.opts.longer(delay);
                }
                changed = life.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    if life.borrow().restarts != seen.restarts {
                        delay = ctx.opts.restart_min;
                    }
                }
            }
        } else {
            // It ended (its pod completed, it crashed): read again when it runs again.
            if !changes(&mut life, |now| now.running || now.restarts != seen.restarts).await {
                return;
            }
            delay = ctx.opts.restart_min;
        }
    }
}

/// Waits until the watch says the container is as `wanted` (true), or its pod is gone (false).
async fn changes(life: &mut watch::Receiver<Life>, wanted: impl Fn(&Life) -> bool) -> bool {
    loop {
        if life.changed().await.is_err() {
            return false;
        }
        let now = life.borrow_and_update().clone();
        if now.gone {
            return false;
        }
        if wanted(&now) {
            return true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_name_a_selector_and_a_namespace() {
        let spec = KubeSpec::parse("app.kubernetes.io/name=pay,tier!=canary@prod").unwrap();
        assert_eq!(spec.selector, "app.kubernetes.io/name=pay,tier!=canary");
        assert_eq!(spec.namespace.as_deref(), Some("prod"));
        assert_eq!(KubeSpec::parse("app=x").unwrap().namespace, None);
        assert!(KubeSpec::parse("").unwrap_err().contains("label selector"));
        assert!(KubeSpec::parse("app=x@Prod_1").unwrap_err().contains("namespace"));
    }

    #[test]
    fn a_resumed_stream_asks_from_a_whole_second_early() {
        let t = DateTime::parse_from_rfc3339("2026-12-05T01:02:03.900Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(since_time(t), "2026-12-05T01:02:02Z");
    }

    #[test]
    fn the_kubelets_timestamp_is_the_lines_time() {
        let (time, body) = stamp_of(b"2026-12-05T01:02:03.123456789Z GET /pay 500\r");
        assert_eq!(
            time.map(|t| t.timestamp_nanos_opt()),
            Some(Some(1_796_432_523_123_456_789))
        );
        assert_eq!(body, b"GET /pay 500");
        assert_eq!(stamp_of(b"no time here").0, None);
    }

    #[test]
    fn lines_split_across_chunks_are_whole() {
        let mut cutter = LineCutter::new(100);
        let mut lines = Vec::new();
        cutter.push(b"a b\nc ", |l, cut| lines.push((l.to_vec(), cut)));
        cutter.push(b"d\ne", |l, cut| lines.push((l.to_vec(), cut)));
        cutter.flush(|l, cut| lines.push((l.to_vec(), cut)));
        let want: Vec<RawLine> = vec![(b"a b".to_vec(), 0), (b"c d".to_vec(), 0), (b"e".to_vec(), 0)];
        assert_eq!(lines, want);
        // A line longer than the cap, split across reads: kept to the cap, the rest counted.
        let mut cutter = LineCutter::new(10);
        let mut lines = Vec::new();
        cutter.push(&[b'x'; 50], |l, cut| lines.push((l.to_vec(), cut)));
        cutter.push(&[b'y'; 50], |l, cut| lines.push((l.to_vec(), cut)));
        cutter.push(b"\n", |l, cut| lines.push((l.to_vec(), cut)));
        assert_eq!(lines.len(), 1);
        assert_eq!((lines[0].0.len(), lines[0].1), (74, 26));
    }

    #[test]
    fn urls_in_kubectls_words_are_left_out() {
        let said = r#"Get "https://10.0.0.5:10250/containerLogs/prod/web-abc/app?follow=true": dial tcp 10.0.0.5:10250: i/o timeout"#;
        assert_eq!(without_urls(said), r#"Get "…": dial tcp 10.0.0.5:10250: i/o timeout"#);
        assert_eq!(without_urls("no url here"), "no url here");
    }

    #[test]
    fn a_line_delivered_once_is_not_delivered_again() {
        let mut recent = Recent::default();
        assert!(recent.first_time(5, b"x"));
        assert!(!recent.first_time(5, b"x"));
        assert!(recent.first_time(5, b"y"));
        assert!(recent.first_time(6, b"x"));
    }
}

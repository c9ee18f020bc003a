//! A small in-process Kubernetes API server for kubectl to talk to: no cluster can run on this
//! machine, so this one is written from the Kubernetes API reference and answers just what
//! `kubectl get pods -w` and `kubectl logs` ask:
//! - discovery: `GET /version`, `/api` (`APIVersions`), `/apis` (`APIGroupList`), `/api/v1`
//!   (`APIResourceList` with `pods` and `pods/log`); kubectl falls back to these from aggregated
//!   discovery when the answer is plain `application/json`;
//! - `GET /api/v1/namespaces/NS/pods?labelSelector=K=V` (a `PodList` with its
//!   `metadata.resourceVersion`), and the same with `watch=true&resourceVersion=N`: a chunked stream
//!   of `{"type":"ADDED|MODIFIED|DELETED","object":{pod}}` lines, one per event after N;
//! - `GET /api/v1/namespaces/NS/pods/NAME` (the pod, or a 404 `Status`);
//! - `GET /api/v1/namespaces/NS/pods/NAME/log?container=C&timestamps=true&follow=true&
//!   sinceTime=RFC3339&tailLines=N&previous=true`: `RFC3339Nano line` lines, text/plain; with
//!   `follow`, a chunked stream that stays open while the container runs and ends when it stops.
//!
//! The cluster can be told what a real one does: pods appear and go away, a container logs, is
//! OOM-killed and restarts, a log stream stalls (the kubelet rotated the file: the lines are kept
//! but the open stream is sent nothing more), and the pod watch is ended by the server.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

pub const NS: &str = "prod";

/// One container: its runs' lines, how it is, who follows it.
#[derive(Default)]
struct Container {
    name: String,
    restarts: u32,
    running: bool,
    /// `(reason, exit code, finished at)` of the previous run.
    last: Option<(String, i32, DateTime<Utc>)>,
    current: Vec<(DateTime<Utc>, String)>,
    previous: Vec<(DateTime<Utc>, String)>,
    followers: Vec<mpsc::UnboundedSender<Option<String>>>,
    /// The open streams get nothing more (a stalled stream).
    stalled: bool,
}

struct Pod {
    uid: String,
    labels: BTreeMap<String, String>,
    containers: Vec<Container>,
}

#[derive(Default)]
struct State {
    pods: BTreeMap<String, Pod>,
    version: u64,
    /// Every event, numbered by resource version, as a watch line.
    events: Vec<(u64, String)>,
    watchers: Vec<mpsc::UnboundedSender<Option<String>>>,
    requests: Vec<String>,
    uids: u64,
    /// Answers about a previous run written to their end.
    previous_served: usize,
    /// Log requests get no answer at all while set (a kubelet that hangs).
    hang_logs: bool,
}

#[derive(Clone)]
pub struct Cluster {
    state: Arc<Mutex<State>>,
    pub url: String,
    /// The kubeconfig pointing at it.
    pub kubeconfig: PathBuf,
    /// A `kubectl` wrapper that keeps kubectl's discovery cache in the test's folder.
    pub kubectl: PathBuf,
}

impl Cluster {
    /// Starts the server and writes a kubeconfig and a kubectl wrapper into `dir`.
    pub async fn start(dir: &Path) -> Cluster {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let kubeconfig = dir.join("kubeconfig");
        std::fs::write(
            &kubeconfig,
            format!(
                "apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster:\n    server: {url}\n\
                 contexts:\n- name: fake\n  context:\n    cluster: fake\n    user: fake\n    namespace: {NS}\n\
                 current-context: fake\nusers:\n- name: fake\n  user:\n    token: not-a-secret\n"
            ),
        )
        .unwrap();
        let kubectl = dir.join("kubectl");
        let home = dir.join("home");
        std::fs::create_dir_all(&home).unwrap();
        let real = which_kubectl();
        let mut f = std::fs::File::create(&kubectl).unwrap();
        writeln!(
            f,
            "#!/bin/sh\nexport HOME='{}' KUBECACHEDIR='{}/cache'\nexec '{}' \"$@\"",
            home.display(),
            home.display(),
            real.display()
        )
        .unwrap();
        drop(f);
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&kubectl, std::fs::Permissions::from_mode(0o755)).unwrap();
        let cluster = Cluster {
            state: Arc::default(),
            url,
            kubeconfig,
            kubectl,
        };
        let serving = cluster.clone();
        tokio::spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    return;
                };
                let cluster = serving.clone();
                tokio::spawn(async move {
                    let _ = cluster.serve(socket).await;
                });
            }
        });
        cluster
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap()
    }

    /// Requests so far (`GET /path?query`).
    pub fn requests(&self) -> Vec<String> {
        self.lock().requests.clone()
    }

    /// Adds a pod labelled `app=pay` with these containers running.
    pub fn add_pod(&self, name: &str, containers: &[&str]) {
        let mut s = self.lock();
        s.uids += 1;
        let pod = Pod {
            uid: format!("uid-{name}-{}", s.uids),
            labels: BTreeMap::from([("app".to_string(), "pay".to_string())]),
            containers: containers
                .iter()
                .map(|c| Container {
                    name: c.to_string(),
                    running: true,
                    ..Container::default()
                })
                .collect(),
        };
        s.pods.insert(name.to_string(), pod);
        event(&mut s, "ADDED", name);
    }

    /// A line logged by a container at `at`.
    pub fn log(&self, pod: &str, container: &str, at: DateTime<Utc>, line: &str) {
        let mut s = self.lock();
        let c = container_mut(&mut s, pod, container);
        c.current.push((at, line.to_string()));
        let text = format!("{} {line}\n", stamp(at));
        if !c.stalled {
            c.followers.retain(|f| f.send(Some(text.clone())).is_ok());
        }
    }

    /// The container's open log streams get nothing more, as after the kubelet rotated its file.
    pub fn stall(&self, pod: &str, container: &str) {
        let mut s = self.lock();
        let c = container_mut(&mut s, pod, container);
        c.stalled = true;
    }

    /// The container is killed (`reason`, `code`) and runs again: its streams end, its lines
    /// become the previous run's, and the watch says so.
    pub fn restart(&self, pod: &str, container: &str, reason: &str, code: i32) {
        let mut s = self.lock();
        let c = container_mut(&mut s, pod, container);
        for f in c.followers.drain(..) {
            let _ = f.send(None);
        }
        c.previous = std::mem::take(&mut c.current);
        c.restarts += 1;
        c.last = Some((reason.to_string(), code, Utc::now()));
        c.stalled = false;
        event(&mut s, "MODIFIED", pod);
    }

    /// The pod is deleted: its streams end and the watch says so.
    pub fn delete(&self, pod: &str) {
        let mut s = self.lock();
        let line = pod_json(&s, pod).map(|p| json!({"type": "DELETED", "object": p}).to_string());
        if let Some(p) = s.pods.remove(pod) {
            for mut c in p.containers {
                for f in c.followers.drain(..) {
                    let _ = f.send(None);
                }
            }
        }
        if let Some(line) = line {
            s.version += 1;
            let v = s.version;
            s.events.push((v, line.clone()));
            s.watchers
                .retain(|w| w.send(Some(format!("{line}\n"))).is_ok());
        }
    }

    /// The server ends every pod watch (as a real one does after its timeout).
    pub fn end_watches(&self) {
        let mut s = self.lock();
        for w in s.watchers.drain(..) {
            let _ = w.send(None);
        }
    }

    /// Log requests get no answer while `hang` holds (the connection stays open, silent).
    pub fn hang_logs(&self, hang: bool) {
        self.lock().hang_logs = hang;
    }

    /// Answers about a previous run (`previous=true`) written to their end so far.
    pub fn previous_served(&self) -> usize {
        self.lock().previous_served
    }

    /// Open log streams now.
    pub fn open_streams(&self, pod: &str, container: &str) -> usize {
        let mut s = self.lock();
        let c = container_mut(&mut s, pod, container);
        c.followers.retain(|f| !f.is_closed());
        c.followers.len()
    }

    async fn serve(&self, mut socket: TcpStream) -> std::io::Result<()> {
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            if socket.read(&mut byte).await? == 0 || head.len() > 64 * 1024 {
                return Ok(());
            }
            head.push(byte[0]);
        }
        let head = String::from_utf8_lossy(&head).to_string();
        let target = head.split_whitespace().nth(1).unwrap_or("/").to_string();
        self.lock().requests.push(format!("GET {target}"));
        let (path, query) = target.split_once('?').unwrap_or((&target, ""));
        let query: BTreeMap<String, String> = query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_string(), decode(v)))
            .collect();
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        match parts.as_slice() {
            ["version"] => {
                let v = json!({"major": "1", "minor": "30", "gitVersion": "v1.30.0", "platform": "linux/amd64"});
                reply(&mut socket, 200, &v).await
            }
            ["api"] => {
                let v = json!({"kind": "APIVersions", "versions": ["v1"],
                    "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1:6443"}]});
                reply(&mut socket, 200, &v).await
            }
            ["apis"] => {
                let v = json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": []});
                reply(&mut socket, 200, &v).await
            }
            ["api", "v1"] => {
                let v = json!({"kind": "APIResourceList", "groupVersion": "v1", "resources": [
                    {"name": "pods", "singularName": "pod", "namespaced": true, "kind": "Pod",
                     "verbs": ["get", "list", "watch"], "shortNames": ["po"]},
                    {"name": "pods/log", "singularName": "", "namespaced": true, "kind": "Pod", "verbs": ["get"]}]});
                reply(&mut socket, 200, &v).await
            }
            ["api", "v1", "namespaces", ns] if *ns == NS => {
                // kubectl asks for the namespace after a pod was not found, to say which.
                let v = json!({"kind": "Namespace", "apiVersion": "v1",
                    "metadata": {"name": NS}, "status": {"phase": "Active"}});
                reply(&mut socket, 200, &v).await
            }
            ["api", "v1", "namespaces", ns, "pods"] if *ns == NS => {
                let selector = query.get("labelSelector").cloned().unwrap_or_default();
                if query.get("watch").is_some_and(|w| w == "true" || w == "1") {
                    let from: u64 = query
                        .get("resourceVersion")
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(0);
                    return self.watch(socket, from, &selector).await;
                }
                let list = {
                    let s = self.lock();
                    let items: Vec<Value> = s
                        .pods
                        .iter()
                        .filter(|(_, p)| matches(&p.labels, &selector))
                        .filter_map(|(name, _)| pod_json(&s, name))
                        .collect();
                    json!({"kind": "PodList", "apiVersion": "v1",
                        "metadata": {"resourceVersion": s.version.to_string()}, "items": items})
                };
                reply(&mut socket, 200, &list).await
            }
            ["api", "v1", "namespaces", ns, "pods", name] if *ns == NS => {
                let pod = pod_json(&self.lock(), name);
                match pod {
                    Some(pod) => reply(&mut socket, 200, &pod).await,
                    None => reply(&mut socket, 404, &not_found(name)).await,
                }
            }
            ["api", "v1", "namespaces", ns, "pods", name, "log"] if *ns == NS => {
                self.logs(socket, name, &query).await
            }
            _ => {
                let v = json!({"kind": "Status", "apiVersion": "v1", "status": "Failure",
                    "message": "the server could not find the requested resource", "reason": "NotFound", "code": 404});
                reply(&mut socket, 404, &v).await
            }
        }
    }

    async fn watch(&self, mut socket: TcpStream, from: u64, selector: &str) -> std::io::Result<()> {
        let (tx, mut rx) = mpsc::unbounded_channel();
        {
            let mut s = self.lock();
            for (v, line) in &s.events {
                if *v > from {
                    let _ = tx.send(Some(format!("{line}\n")));
                }
            }
            s.watchers.push(tx);
        }
        let _ = selector;
        start_chunked(&mut socket, "application/json").await?;
        while let Some(Some(text)) = rx.recv().await {
            chunk(&mut socket, text.as_bytes()).await?;
        }
        socket.write_all(b"0\r\n\r\n").await
    }

    async fn logs(
        &self,
        mut socket: TcpStream,
        pod: &str,
        query: &BTreeMap<String, String>,
    ) -> std::io::Result<()> {
        let container = query.get("container").cloned().unwrap_or_default();
        let previous = query.get("previous").is_some_and(|v| v == "true");
        let follow = query.get("follow").is_some_and(|v| v == "true");
        let since: Option<DateTime<Utc>> = query
            .get("sinceTime")
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc));
        let tail: Option<usize> = query.get("tailLines").and_then(|t| t.parse().ok());
        if self.lock().hang_logs {
            // Holds the connection without a word until the client gives up.
            let mut byte = [0u8; 1];
            let _ = socket.read(&mut byte).await;
            return Ok(());
        }
        let (tx, mut rx) = mpsc::unbounded_channel();
        let answer: Result<String, (u16, Value)> = (|| {
            let mut s = self.lock();
            let Some(p) = s.pods.get_mut(pod) else {
                return Err((404, not_found(pod)));
            };
            let Some(c) = p.containers.iter_mut().find(|c| c.name == container) else {
                return Err((
                    400,
                    json!({"kind": "Status", "apiVersion": "v1", "status": "Failure",
                    "message": format!("container {container} is not valid for pod {pod}"), "reason": "BadRequest", "code": 400}),
                ));
            };
            if previous && c.restarts == 0 {
                return Err((
                    400,
                    json!({"kind": "Status", "apiVersion": "v1", "status": "Failure",
                    "message": format!("previous terminated container \"{container}\" in pod \"{pod}\" not found"),
                    "reason": "BadRequest", "code": 400}),
                ));
            }
            let lines = if previous { &c.previous } else { &c.current };
            let mut chosen: Vec<String> = lines
                .iter()
                .filter(|(at, _)| since.is_none_or(|s| *at >= s))
                .map(|(at, line)| format!("{} {line}\n", stamp(*at)))
                .collect();
            if let Some(n) = tail {
                let cut = chosen.len().saturating_sub(n);
                chosen.drain(..cut);
            }
            if follow && !previous && c.running {
                c.followers.push(tx.clone());
            }
            Ok(chosen.concat())
        })();
        let text = match answer {
            Ok(text) => text,
            Err((code, body)) => return reply(&mut socket, code, &body).await,
        };
        drop(tx);
        start_chunked(&mut socket, "text/plain").await?;
        if !text.is_empty() {
            chunk(&mut socket, text.as_bytes()).await?;
        }
        if follow && !previous {
            while let Some(Some(text)) = rx.recv().await {
                chunk(&mut socket, text.as_bytes()).await?;
            }
        }
        socket.write_all(b"0\r\n\r\n").await?;
        socket.flush().await?;
        if previous {
            self.lock().previous_served += 1;
        }
        Ok(())
    }
}

fn container_mut<'a>(s: &'a mut State, pod: &str, container: &str) -> &'a mut Container {
    s.pods
        .get_mut(pod)
        .and_then(|p| p.containers.iter_mut().find(|c| c.name == container))
        .unwrap()
}

fn event(s: &mut State, kind: &str, pod: &str) {
    s.version += 1;
    let v = s.version;
    if let Some(p) = pod_json(s, pod) {
        let line = json!({"type": kind, "object": p}).to_string();
        s.events.push((v, line.clone()));
        s.watchers
            .retain(|w| w.send(Some(format!("{line}\n"))).is_ok());
    }
}

fn pod_json(s: &State, name: &str) -> Option<Value> {
    let p = s.pods.get(name)?;
    let specs: Vec<Value> = p
        .containers
        .iter()
        .map(|c| json!({"name": c.name, "image": "pay:1"}))
        .collect();
    let statuses: Vec<Value> = p
        .containers
        .iter()
        .map(|c| {
            let mut status = json!({
                "name": c.name, "image": "pay:1", "imageID": "", "ready": c.running,
                "restartCount": c.restarts,
                "state": if c.running {
                    json!({"running": {"startedAt": "2026-12-05T00:00:00Z"}})
                } else {
                    json!({"waiting": {"reason": "CrashLoopBackOff"}})
                },
            });
            if let Some((reason, code, at)) = &c.last {
                status["lastState"] = json!({"terminated": {"reason": reason, "exitCode": code,
                    "finishedAt": at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)}});
            }
            status
        })
        .collect();
    Some(json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": NS, "uid": p.uid, "labels": p.labels,
            "resourceVersion": s.version.to_string(), "creationTimestamp": "2026-12-05T00:00:00Z"},
        "spec": {"containers": specs},
        "status": {"phase": "Running", "containerStatuses": statuses},
    }))
}

fn not_found(name: &str) -> Value {
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": format!("pods \"{name}\" not found"), "reason": "NotFound",
        "details": {"name": name, "kind": "pods"}, "code": 404})
}

/// `k=v` selectors, comma-separated (all this server needs).
fn matches(labels: &BTreeMap<String, String>, selector: &str) -> bool {
    selector
        .split(',')
        .filter(|s| !s.is_empty())
        .all(|term| match term.split_once('=') {
            Some((k, v)) => labels.get(k).is_some_and(|l| l == v),
            None => labels.contains_key(term),
        })
}

/// The kubelet's timestamp: RFC 3339 with nanoseconds.
pub fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
}

fn decode(v: &str) -> String {
    let bytes = v.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => out.push(b),
                    Err(_) => out.extend_from_slice(&bytes[i..i + 3]),
                }
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn reply(socket: &mut TcpStream, code: u16, body: &Value) -> std::io::Result<()> {
    let body = body.to_string();
    let reason = match code {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        _ => "Error",
    };
    let head = format!(
        "HTTP/1.1 {code} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    socket.write_all(head.as_bytes()).await?;
    socket.write_all(body.as_bytes()).await?;
    socket.flush().await
}

async fn start_chunked(socket: &mut TcpStream, content_type: &str) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    socket.write_all(head.as_bytes()).await?;
    socket.flush().await
}

async fn chunk(socket: &mut TcpStream, data: &[u8]) -> std::io::Result<()> {
    socket
        .write_all(format!("{:x}\r\n", data.len()).as_bytes())
        .await?;
    socket.write_all(data).await?;
    socket.write_all(b"\r\n").await?;
    socket.flush().await
}

/// The kubectl the tests run: on the PATH (CI installs Debian's kubernetes-client).
pub fn which_kubectl() -> PathBuf {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join("kubectl"))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!("kubectl is not on the PATH: the Kubernetes tests need it (Debian: apt-get install kubernetes-client; .ci/run installs it)")
        })
}

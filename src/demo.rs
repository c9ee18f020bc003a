//! The embedded demo: a small payments API on 127.0.0.1 that starts healthy and then begins failing
//! (5xx, slow answers, a 429 now and then), a client that sends it traffic, and the request log it writes.
//! No network, no setup, no root: `sitrep demo` and the end-to-end tests run on it.

use std::convert::Infallible;
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// How the demo API behaves over time: healthy for `fail_after`, then failing until the responder
/// rolls back or flags the integration off (it never heals by itself, so the fix is what ends it).
#[derive(Debug, Clone, Copy)]
pub struct Script {
    /// Healthy for this long after start.
    pub fail_after: Duration,
}

impl Default for Script {
    fn default() -> Self {
        Script {
            fail_after: Duration::from_secs(20),
        }
    }
}

impl Script {
    fn failing(&self, since_start: Duration) -> bool {
        since_start >= self.fail_after
    }
}

/// The shipped runbooks with their commands made safe for the demo: rolling back or flagging off
/// heals the demo API (through `sitrep probe` against its admin endpoints), and nothing touches real
/// infrastructure, whatever `kubectl` or scripts the machine has.
pub fn runbooks(demo: &Demo, timeline: &Path) -> Vec<crate::runbook::Runbook> {
    let me = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "sitrep".into());
    let quote = crate::act::quote_word;
    let probe = |path: &str| format!("{} probe -n 1 http://{}{path}", quote(&me), demo.addr);
    let mut runbooks = crate::runbook::shipped();
    for rb in &mut runbooks {
        for step in &mut rb.steps {
            let Some(cmd) = &step.command else { continue };
            step.shell = false;
            step.command = Some(if cmd.contains("rollout undo") {
                probe("/admin/rollback")
            } else if cmd.contains("flag off") {
                probe("/admin/flag-off")
            } else if cmd.contains("sitrep export") {
                format!(
                    "{} export --timeline {} --format md -o {}",
                    quote(&me),
                    quote(&timeline.display().to_string()),
                    quote(&demo.dir.join("postmortem.md").display().to_string())
                )
            } else {
                probe("/health")
            });
        }
    }
    runbooks
}

/// Values for the shipped runbooks' `{placeholders}` in the demo.
pub fn params() -> std::collections::BTreeMap<String, String> {
    [
        ("service", "payments-api"),
        ("flag", "payments-integration"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// A running demo.
pub struct Demo {
    /// The folder holding the demo's log and timeline (kept after exit).
    pub dir: PathBuf,
    /// The request log the API writes.
    pub log_path: PathBuf,
    /// Where the API listens.
    pub addr: SocketAddr,
    tasks: Vec<JoinHandle<()>>,
}

impl Demo {
    /// The health URL of the failing payments API.
    pub fn payments_url(&self) -> String {
        format!("http://{}/health", self.addr)
    }

    /// The health URL of a neighbouring service that stays up, for contrast.
    pub fn ledger_url(&self) -> String {
        format!("http://{}/ledger/health", self.addr)
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

struct Shared {
    started: Instant,
    script: Script,
    /// Set when the responder rolls back or flags the integration off: the API recovers.
    healed: std::sync::atomic::AtomicBool,
    log: Mutex<std::fs::File>,
    counter: AtomicU64,
}

impl Shared {
    fn failing(&self) -> bool {
        !self.healed.load(Ordering::Relaxed) && self.script.failing(self.started.elapsed())
    }

    /// A cheap deterministic pseudo-random number: the demo needs variety, not statistics.
    fn roll(&self) -> u64 {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let mut x = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
        x ^= x >> 31;
        x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x ^ (x >> 29)
    }

    fn log(&self, line: &str) {
        let ts = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ");
        if let Ok(mut f) = self.log.lock() {
            let _ = writeln!(f, "{ts} {line}");
        }
    }
}

/// Starts the demo API and its traffic in `dir`.
pub async fn start(dir: &Path, script: Script) -> std::io::Result<Demo> {
    std::fs::create_dir_all(dir)?;
    let log_path = dir.join("payments-api.log");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)?;
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    let shared = Arc::new(Shared {
        started: Instant::now(),
        script,
        healed: std::sync::atomic::AtomicBool::new(false),
        log: Mutex::new(file),
        counter: AtomicU64::new(1),
    });
    shared.log(&format!(
        "INFO  server started listening on {addr} version=2.14.1"
    ));
    let server = tokio::spawn(serve(listener, shared.clone()));
    let traffic = tokio::spawn(traffic(addr, shared));
    Ok(Demo {
        dir: dir.to_path_buf(),
        log_path,
        addr,
        tasks: vec![server, traffic],
    })
}

async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    let mut failures = 0u32;
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => {
                failures = 0;
                stream
            }
            Err(_) => {
                // A persistent error (out of file descriptors) would otherwise spin a core.
                failures = failures.saturating_add(1);
                tokio::time::sleep(accept_backoff(failures)).await;
                continue;
            }
        };
        let shared = shared.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| handle(req, shared.clone()));
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// How long to wait after the `failures`-th accept error in a row: doubling from 10 ms, at most 1 s.
fn accept_backoff(failures: u32) -> Duration {
    let ms = 10u64.saturating_mul(1 << failures.saturating_sub(1).min(10));
    Duration::from_millis(ms.min(1000))
}

fn reply(status: StatusCode, body: &str) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(Bytes::from(body.to_string())));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    resp
}

async fn handle(
    req: Request<Incoming>,
    shared: Arc<Shared>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = req.uri().path().to_string();
    let failing = shared.failing();
    let roll = shared.roll() % 100;
    let resp = match path.as_str() {
        "/ledger/health" => reply(StatusCode::OK, r#"{"status":"ok"}"#),
        "/admin/rollback" => {
            shared.healed.store(true, Ordering::Relaxed);
            shared.log("INFO  deploy rolled back from v2.15.0 to v2.14.1 by operator");
            reply(StatusCode::OK, r#"{"rolled_back_to":"v2.14.1"}"#)
        }
        "/admin/flag-off" => {
            shared.healed.store(true, Ordering::Relaxed);
            shared
                .log("WARN  payments-integration disabled by flag; serving queued-charge fallback");
            reply(
                StatusCode::OK,
                r#"{"flag":"payments-integration","enabled":false}"#,
            )
        }
        "/health" => {
            if !failing {
                tokio::time::sleep(Duration::from_millis(15 + roll % 20)).await;
                reply(StatusCode::OK, r#"{"status":"ok","provider":"reachable"}"#)
            } else if roll < 55 {
                tokio::time::sleep(Duration::from_millis(40)).await;
                reply(
                    StatusCode::SERVICE_UNAVAILABLE,
                    r#"{"status":"degraded","error":"payment provider timed out after 3000ms"}"#,
                )
            } else if roll < 75 {
                tokio::time::sleep(Duration::from_millis(1200 + roll * 5)).await;
                reply(StatusCode::OK, r#"{"status":"ok","provider":"slow"}"#)
            } else if roll < 85 {
                let mut r = reply(StatusCode::TOO_MANY_REQUESTS, r#"{"error":"rate limited"}"#);
                r.headers_mut().insert(
                    hyper::header::RETRY_AFTER,
                    hyper::header::HeaderValue::from_static("3"),
                );
                r
            } else {
                reply(StatusCode::OK, r#"{"status":"ok","provider":"reachable"}"#)
            }
        }
        _ => charge(&shared, &path, failing, roll).await,
    };
    Ok(resp)
}

/// The API's business endpoint: what real users hit, and what fills the log.
async fn charge(shared: &Shared, path: &str, failing: bool, roll: u64) -> Response<Full<Bytes>> {
    let id = shared.roll() % 0xFFFF_FFFF;
    let req_id = format!("{id:08x}");
    let customer = 1000 + shared.roll() % 400;
    let amount = 100 + shared.roll() % 90_000;
    if !failing || roll >= 70 {
        let ms = 20 + roll % 60;
        tokio::time::sleep(Duration::from_millis(ms)).await;
        shared.log(&format!(
            "INFO  request method=POST path={path} status=200 duration_ms={ms} req_id={req_id} customer=cus_{customer}"
        ));
        if roll.is_multiple_of(10) {
            shared.log(&format!(
                "DEBUG provider charge accepted charge_id=ch_{id:x} amount={amount} currency=EUR"
            ));
        }
        return reply(StatusCode::OK, r#"{"ok":true}"#);
    }
    if roll < 40 {
        shared.log(&format!(
            "ERROR provider call failed: upstream timeout after 3000ms req_id={req_id} attempt={}/3",
            1 + roll % 3
        ));
        shared.log(&format!(
            "ERROR request method=POST path={path} status=502 duration_ms=3004 req_id={req_id} customer=cus_{customer}"
        ));
        reply(StatusCode::BAD_GATEWAY, r#"{"error":"upstream timeout"}"#)
    } else if roll < 55 {
        shared.log(&format!(
            "WARN  provider rate limited us: 429 retry_after=3s remaining=0 req_id={req_id}"
        ));
        shared.log(&format!(
            "WARN  request method=POST path={path} status=429 duration_ms=12 req_id={req_id} customer=cus_{customer}"
        ));
        reply(StatusCode::TOO_MANY_REQUESTS, r#"{"error":"rate limited"}"#)
    } else {
        shared.log(&format!(
            "ERROR unexpected provider response: missing field `charge_id` in body of 200 OK req_id={req_id}"
        ));
        shared.log(&format!(
            "ERROR request method=POST path={path} status=500 duration_ms=85 req_id={req_id} customer=cus_{customer}"
        ));
        reply(StatusCode::INTERNAL_SERVER_ERROR, r#"{"error":"internal"}"#)
    }
}

/// Real users, simulated: a steady trickle of charges against the API.
async fn traffic(addr: SocketAddr, shared: Arc<Shared>) {
    let client = crate::core::http::client_builder()
        .no_proxy()
        .timeout(Duration::from_secs(5))
        .build();
    let Ok(client) = client else { return };
    let paths = ["/v1/charges", "/v1/refunds", "/v1/charges/capture"];
    loop {
        let n = shared.roll();
        let path = paths[(n % 3) as usize];
        let client = client.clone();
        let url = format!("http://{addr}{path}");
        tokio::spawn(async move {
            let _ = client.post(url).send().await;
        });
        tokio::time::sleep(Duration::from_millis(120 + n % 200)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_is_healthy_then_failing_until_someone_fixes_it() {
        let s = Script {
            fail_after: Duration::from_secs(10),
        };
        assert!(!s.failing(Duration::from_secs(5)));
        assert!(s.failing(Duration::from_secs(11)));
        assert!(s.failing(Duration::from_secs(3600)), "it never heals by itself");
    }

    #[test]
    fn accept_errors_in_a_row_wait_longer_each_time_up_to_a_second() {
        assert_eq!(accept_backoff(1), Duration::from_millis(10));
        assert_eq!(accept_backoff(2), Duration::from_millis(20));
        assert!(accept_backoff(5) > accept_backoff(4));
        assert_eq!(accept_backoff(100), Duration::from_secs(1));
        assert_eq!(accept_backoff(u32::MAX), Duration::from_secs(1));
    }
}

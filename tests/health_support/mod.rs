//! A loopback HTTP server that misbehaves like production APIs do, for the health tests.
//!
//! Raw TCP rather than hyper, so it can drip bytes, hang, lie about lengths and send what no HTTP
//! library would. Every connection gets one answer and is closed.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;

/// A request as the server received it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub host: String,
    pub path: String,
    /// Lowercase names.
    pub headers: HashMap<String, String>,
}

/// A running misbehaving server; stops when the test's runtime ends.
pub struct Server {
    pub addr: SocketAddr,
    scheme: &'static str,
    pub seen: Arc<Mutex<Vec<Seen>>>,
    /// Requests currently being answered, per path, and the most seen at once.
    pub in_flight: Arc<AtomicUsize>,
    pub max_in_flight: Arc<AtomicUsize>,
    /// Bytes the /huge route managed to write before the client went away.
    pub huge_written: Arc<AtomicUsize>,
    counter: Arc<AtomicUsize>,
}

impl Server {
    pub async fn start() -> Server {
        Self::start_with(None).await
    }

    /// The same routes over TLS (rustls on ring, as the client), with a self-signed certificate for
    /// 127.0.0.1 and localhost.
    pub async fn start_tls() -> Server {
        use tokio_rustls::rustls::pki_types::pem::PemObject;
        use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/health_support/tls/");
        let certs = CertificateDer::pem_file_iter(format!("{dir}test-only.crt"))
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        let key = PrivateKeyDer::from_pem_file(format!("{dir}test-only.key")).unwrap();
        let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
        let config = tokio_rustls::rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .unwrap();
        Self::start_with(Some(tokio_rustls::TlsAcceptor::from(Arc::new(config)))).await
    }

    async fn start_with(tls: Option<tokio_rustls::TlsAcceptor>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let server = Server {
            addr: listener.local_addr().unwrap(),
            scheme: if tls.is_some() { "https" } else { "http" },
            seen: Arc::default(),
            in_flight: Arc::default(),
            max_in_flight: Arc::default(),
            huge_written: Arc::default(),
            counter: Arc::default(),
        };
        let shared = server.shared();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let shared = shared.clone();
                match tls.clone() {
                    None => tokio::spawn(serve(stream, shared)),
                    Some(tls) => tokio::spawn(async move {
                        // A client that rejects our certificate ends the handshake: nothing to serve.
                        if let Ok(stream) = tls.accept(stream).await {
                            serve(stream, shared).await;
                        }
                    }),
                };
            }
        });
        server
    }

    /// `http://127.0.0.1:PORT{path}` (https for a TLS server).
    pub fn url(&self, path: &str) -> String {
        format!("{}://{}{path}", self.scheme, self.addr)
    }

    pub fn seen(&self, path: &str) -> Vec<Seen> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|s| s.path == path)
            .cloned()
            .collect()
    }

    fn shared(&self) -> Shared {
        Shared {
            port: self.addr.port(),
            seen: self.seen.clone(),
            in_flight: self.in_flight.clone(),
            max_in_flight: self.max_in_flight.clone(),
            huge_written: self.huge_written.clone(),
            counter: self.counter.clone(),
        }
    }
}

#[derive(Clone)]
struct Shared {
    port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
    in_flight: Arc<AtomicUsize>,
    max_in_flight: Arc<AtomicUsize>,
    huge_written: Arc<AtomicUsize>,
    counter: Arc<AtomicUsize>,
}

async fn serve<S: AsyncRead + AsyncWrite + Unpin>(mut stream: S, sh: Shared) {
    let Some(seen) = read_request(&mut stream).await else {
        return;
    };
    sh.seen.lock().unwrap().push(seen.clone());
    let now = sh.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    sh.max_in_flight.fetch_max(now, Ordering::SeqCst);
    answer(&mut stream, &seen, &sh).await;
    sh.in_flight.fetch_sub(1, Ordering::SeqCst);
}

async fn read_request<S: AsyncRead + AsyncWrite + Unpin>(stream: &mut S) -> Option<Seen> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 || buf.len() > 64 * 1024 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if !buf[0].is_ascii_uppercase() {
            // Like a real HTTP server answering a TLS ClientHello.
            let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
            return None;
        }
    }
    let text = String::from_utf8_lossy(&buf);
    let mut lines = text.split("\r\n");
    let path = lines.next()?.split(' ').nth(1)?.to_string();
    let headers: HashMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Some(Seen {
        host: headers.get("host").cloned().unwrap_or_default(),
        path,
        headers,
    })
}

async fn send<S: AsyncWrite + Unpin>(stream: &mut S, status: &str, extra: &str, body: &[u8]) {
    let head = format!(
        "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n{extra}\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes()).await;
    let _ = stream.write_all(body).await;
    let _ = stream.flush().await;
}

async fn answer<S: AsyncWrite + Unpin>(stream: &mut S, req: &Seen, sh: &Shared) {
    let port = sh.port;
    let path = req.path.as_str();
    match path {
        "/ok" => send(stream, "200 OK", "content-type: application/json\r\n", br#"{"status":"ok"}"#).await,
        "/flap" => {
            // 503 on odd requests: a load balancer with one bad backend.
            let n = sh.counter.fetch_add(1, Ordering::SeqCst);
            if n.is_multiple_of(2) {
                send(stream, "503 Service Unavailable", "", b"upstream connect error").await
            } else {
                send(stream, "200 OK", "", b"ok").await
            }
        }
        "/down" => send(stream, "500 Internal Server Error", "x-version: 42\r\n", b"database is down").await,
        "/slow" => {
            tokio::time::sleep(Duration::from_millis(300)).await;
            send(stream, "200 OK", "", b"ok").await
        }
        "/hang" => tokio::time::sleep(Duration::from_secs(3600)).await,
        "/drip" => {
            // Headers at once, then a body that never finishes.
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 1000000\r\n\r\n")
                .await;
            for _ in 0..100_000 {
                if stream.write_all(b"x").await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        "/drip-head" => {
            for b in b"HTTP/1.1 200 OK\r\nx-slow: ".iter().chain(std::iter::repeat_n(&b'a', 100_000)) {
                if stream.write_all(&[*b]).await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        "/429" => {
            send(
                stream,
                "429 Too Many Requests",
                "retry-after: 60\r\nratelimit-limit: 100\r\nratelimit-remaining: 0\r\nratelimit-reset: 60\r\n",
                b"slow down",
            )
            .await
        }
        "/quota" => {
            send(
                stream,
                "200 OK",
                "x-ratelimit-limit: 5000\r\nx-ratelimit-remaining: 4999\r\nx-ratelimit-reset: 30\r\n",
                b"ok",
            )
            .await
        }
        "/loop-a" => send(stream, "302 Found", "location: /loop-b\r\n", b"").await,
        "/loop-b" => send(stream, "302 Found", "location: /loop-a\r\n", b"").await,
        "/same-origin" => send(stream, "302 Found", "location: /landing\r\n", b"").await,
        "/cross-host" => {
            let loc = format!("location: http://localhost:{port}/landing\r\n");
            send(stream, "302 Found", &loc, b"").await
        }
        "/landing" => send(stream, "200 OK", "", b"landed").await,
        "/huge" => {
            let total = 50 * 1024 * 1024;
            let head = format!("HTTP/1.1 200 OK\r\ncontent-length: {total}\r\n\r\n");
            let _ = stream.write_all(head.as_bytes()).await;
            let chunk = vec![b'z'; 64 * 1024];
            let mut written = 0;
            while written < total {
                if stream.write_all(&chunk).await.is_err() {
                    break;
                }
                written += chunk.len();
            }
            sh.huge_written.store(written, Ordering::SeqCst);
        }
        "/broken-json" => send(stream, "200 OK", "content-type: application/json\r\n", br#"{"status": "ok", "db": {"#).await,
        "/lying-200" => send(stream, "200 OK", "", br#"{"status":"error","message":"db timeout"}"#).await,
        "/escapes" => {
            let body = "before\x1b[2J\x1b]0;pwned\x07\x1b[31mred\x1b[0m after";
            // A C1 CSI encoded in UTF-8 is legal header bytes; a raw ESC would not be.
            send(stream, "200 OK", "x-evil: a\u{9b}2Jb\r\n", body.as_bytes()).await
        }
        "/separators" => {
            // Line separators and the Arabic letter mark are printable to `char::is_control`.
            let body = "down\u{2028}reason\u{2029}is\u{61c}here";
            send(stream, "503 Service Unavailable", "x-note: a\u{2028}b\u{61c}c\r\n", body.as_bytes()).await
        }
        "/escape-in-header" => {
            send(stream, "200 OK", "x-evil: \x1b[2Jgone\r\n", b"ok").await
        }
        "/echo-auth" => {
            let auth = req.headers.get("authorization").cloned().unwrap_or_default();
            let body = format!("you sent authorization: {auth}");
            send(stream, "200 OK", &format!("x-echo: {auth}\r\n"), body.as_bytes()).await
        }
        "/garbage" => {
            let _ = stream.write_all(b"SSH-2.0-OpenSSH_9.6\r\n\r\n").await;
        }
        "/close" => {}
        "/short-body" => {
            // Promises 100 bytes, sends 5, then hangs up: a crashed backend mid-response.
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nhello").await;
        }
        _ => send(stream, "404 Not Found", "", b"no such route").await,
    }
}

/// A loopback port that refuses connections: bound and held but never listening, so no other
/// test running beside this one is given it (a port freed at once could be, and answer). Keep the
/// socket for as long as the port must stay closed.
pub fn closed_port() -> (u16, tokio::net::TcpSocket) {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let port = socket.local_addr().unwrap().port();
    (port, socket)
}

//! Delivering status updates to real receivers on loopback: retries, Retry-After, deadlines,
//! secrets kept out of every message, files appended, the clipboard sequence.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::VecDeque;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use sitrep::act::{Delivery, Destination, RetryPolicy, Update, deliver};
use sitrep::core::secret::Secret;
use tokio::net::TcpListener;

/// A request as the receiver saw it.
#[derive(Debug, Clone)]
struct Received {
    path: String,
    content_type: String,
    authorization: Option<String>,
    body: serde_json::Value,
}

/// One scripted answer: status, extra headers, body.
type Answer = (u16, Vec<(&'static str, &'static str)>, &'static str);

/// A webhook receiver answering from a script, then 200 once the script runs out.
struct Receiver {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    async fn start(script: Vec<Answer>) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen: Arc<Mutex<Vec<Received>>> = Arc::default();
        let script = Arc::new(Mutex::new(VecDeque::from(script)));
        let (seen_task, script_task) = (seen.clone(), script.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (seen, script) = (seen_task.clone(), script_task.clone());
                let service = service_fn(move |req: Request<Incoming>| {
                    let (seen, script) = (seen.clone(), script.clone());
                    async move { Ok::<_, Infallible>(answer(req, &seen, &script).await) }
                });
                tokio::spawn(http1::Builder::new().serve_connection(TokioIo::new(stream), service));
            }
        });
        Receiver { addr, seen }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn seen(&self) -> Vec<Received> {
        self.seen.lock().unwrap().clone()
    }
}

async fn answer(
    req: Request<Incoming>,
    seen: &Mutex<Vec<Received>>,
    script: &Mutex<VecDeque<Answer>>,
) -> Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let bytes = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    seen.lock().unwrap().push(Received {
        path: parts.uri.path().to_string(),
        content_type: header("content-type").unwrap_or_default(),
        authorization: header("authorization"),
        body: serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
    });
    let (status, headers, text) = script
        .lock()
        .unwrap()
        .pop_front()
        .unwrap_or((200, vec![], "ok"));
    let mut response = Response::builder().status(status);
    for (name, value) in headers {
        response = response.header(name, value);
    }
    response.body(Full::new(Bytes::from(text))).unwrap()
}

fn update() -> Update {
    Update {
        text: "[SEV2] Payments API errors: investigating\nNext update: 14:30 UTC".into(),
        incident: "Payments API errors".into(),
        severity: Some(sitrep::timeline::Severity::Sev2),
    }
}

fn quick() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 5,
        first_backoff: Duration::from_millis(100),
        max_backoff: Duration::from_secs(2),
        attempt_timeout: Duration::from_secs(5),
        deadline: Duration::from_secs(20),
    }
}

async fn bounded<F: std::future::Future>(f: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(25), f)
        .await
        .expect("delivery did not end in time")
}

#[tokio::test]
async fn a_webhook_is_retried_through_500_and_429_then_delivered_once() {
    let receiver = Receiver::start(vec![
        (500, vec![], "upstream down"),
        (429, vec![("retry-after", "1")], "slow down"),
    ])
    .await;
    let dest = Destination::Webhook {
        url: Secret::new(receiver.url("/hooks/incident")),
        headers: vec![("Authorization".into(), Secret::new("Bearer s3cret"))],
    };
    let started = std::time::Instant::now();
    let delivery = bounded(deliver(
        &dest,
        &update(),
        &sitrep::core::http::client_builder().build().unwrap(),
        quick(),
    ))
    .await;

    assert!(delivery.ok, "{delivery:?}");
    assert_eq!(delivery.attempts, 3);
    assert_eq!(delivery.detail, "HTTP 200");
    assert_eq!(delivery.result(), "delivered (HTTP 200, 3 attempts)");
    assert_eq!(
        delivery.destination,
        format!("webhook http://{}", receiver.addr)
    );

    let seen = receiver.seen();
    assert_eq!(seen.len(), 3, "exactly three attempts reached the receiver");
    let sent_at = delivery
        .sent_at
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let expected = serde_json::json!({
        "text": "[SEV2] Payments API errors: investigating\nNext update: 14:30 UTC",
        "incident": "Payments API errors",
        "severity": "SEV2",
        "sent_at": sent_at,
    });
    for request in &seen {
        assert_eq!(request.path, "/hooks/incident");
        assert_eq!(request.content_type, "application/json");
        assert_eq!(request.authorization.as_deref(), Some("Bearer s3cret"));
        assert_eq!(
            request.body, expected,
            "every attempt sends the same update"
        );
    }

    // Retry-After set the second wait (the policy's own backoff is 100 ms).
    assert!(started.elapsed() >= Duration::from_secs(1));
}

#[tokio::test]
async fn slack_gets_a_text_only_payload() {
    let receiver = Receiver::start(vec![]).await;
    let dest = Destination::Slack {
        url: Secret::new(receiver.url("/services/T0/B0/x")),
    };
    let delivery = bounded(deliver(
        &dest,
        &update(),
        &sitrep::core::http::client_builder().build().unwrap(),
        quick(),
    ))
    .await;
    assert!(delivery.ok);
    assert_eq!(delivery.attempts, 1);
    assert_eq!(delivery.result(), "delivered (HTTP 200)");
    let seen = receiver.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].body, serde_json::json!({ "text": update().text }));
}

#[tokio::test]
async fn a_receiver_that_never_answers_fails_by_the_deadline() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // Accept and hold every connection, never answering.
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    let dest = Destination::Webhook {
        url: Secret::new(format!("http://{addr}/hook")),
        headers: vec![],
    };
    let policy = RetryPolicy {
        max_attempts: 10,
        first_backoff: Duration::from_millis(100),
        max_backoff: Duration::from_secs(1),
        attempt_timeout: Duration::from_millis(300),
        deadline: Duration::from_secs(1),
    };
    let delivery = bounded(deliver(
        &dest,
        &update(),
        &sitrep::core::http::client_builder().build().unwrap(),
        policy,
    ))
    .await;
    assert!(!delivery.ok);
    assert!(delivery.attempts >= 2, "{delivery:?}");
    assert!(
        delivery.detail.starts_with("no answer within "),
        "{}",
        delivery.detail
    );
    assert!(
        delivery.detail.contains("the 1s deadline"),
        "{}",
        delivery.detail
    );
    assert!(delivery.result().starts_with("FAILED (no answer within "));
}

#[tokio::test]
async fn a_client_error_is_not_retried_and_the_secret_url_never_shows() {
    let receiver = Receiver::start(vec![(
        404,
        vec![],
        "no_service: /services/T0/B0/TOPSECRET unknown",
    )])
    .await;
    let secret_url = receiver.url("/services/T0/B0/TOPSECRET");
    let dest = Destination::Slack {
        url: Secret::new(secret_url.clone()),
    };
    let delivery = bounded(deliver(
        &dest,
        &update(),
        &sitrep::core::http::client_builder().build().unwrap(),
        quick(),
    ))
    .await;
    assert!(!delivery.ok);
    assert_eq!(delivery.attempts, 1);
    assert_eq!(receiver.seen().len(), 1);
    assert!(
        delivery.detail.starts_with("HTTP 404: no_service: "),
        "{}",
        delivery.detail
    );
    assert!(
        delivery
            .detail
            .ends_with("(not retried: check the URL and its token)")
    );
    assert_no_secret(&delivery, "TOPSECRET");
}

#[tokio::test]
async fn an_unreachable_receiver_says_so_without_the_secret() {
    // A port that was just free: nothing listens there.
    let addr = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap();
    let dest = Destination::Webhook {
        url: Secret::new(format!("http://{addr}/hook?token=TOPSECRET")),
        headers: vec![],
    };
    let policy = RetryPolicy {
        max_attempts: 2,
        first_backoff: Duration::from_millis(50),
        ..quick()
    };
    let delivery = bounded(deliver(
        &dest,
        &update(),
        &sitrep::core::http::client_builder().build().unwrap(),
        policy,
    ))
    .await;
    assert!(!delivery.ok);
    assert_eq!(delivery.attempts, 2);
    assert!(
        delivery.detail.starts_with("cannot connect"),
        "{}",
        delivery.detail
    );
    assert_no_secret(&delivery, "TOPSECRET");
}

fn assert_no_secret(delivery: &Delivery, secret: &str) {
    for text in [
        delivery.detail.clone(),
        delivery.result(),
        delivery.destination.clone(),
        format!("{delivery:?}"),
    ] {
        assert!(!text.contains(secret), "secret leaked: {text}");
    }
}

#[tokio::test]
async fn a_file_destination_appends_each_update_with_a_separator() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("updates.md");
    let dest = Destination::File(path.clone());
    let client = sitrep::core::http::client_builder().build().unwrap();
    let first = deliver(&dest, &update(), &client, quick()).await;
    let second_update = Update {
        text: "[SEV2] Payments API errors: mitigated\n".into(),
        ..update()
    };
    let second = deliver(&dest, &second_update, &client, quick()).await;
    assert!(first.ok && second.ok);
    assert_eq!(first.result(), "delivered (appended and synced)");
    let stamp = |d: &Delivery| d.sent_at.format("%Y-%m-%d %H:%M:%S UTC").to_string();
    let expected = format!(
        "--- update sent {} ---\n[SEV2] Payments API errors: investigating\nNext update: 14:30 UTC\n\n\
         --- update sent {} ---\n[SEV2] Payments API errors: mitigated\n\n",
        stamp(&first),
        stamp(&second)
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), expected);
}

#[tokio::test]
async fn a_file_in_a_missing_folder_fails_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-such-dir").join("updates.md");
    let delivery = deliver(
        &Destination::File(path.clone()),
        &update(),
        &sitrep::core::http::client_builder().build().unwrap(),
        quick(),
    )
    .await;
    assert!(!delivery.ok);
    assert!(
        delivery
            .detail
            .starts_with(&format!("cannot append to {}: ", path.display())),
        "{}",
        delivery.detail
    );
}

#[tokio::test]
async fn the_clipboard_gets_an_osc52_sequence_for_the_ui_to_write() {
    let delivery = deliver(
        &Destination::Clipboard,
        &Update {
            text: "all clear".into(),
            ..update()
        },
        &sitrep::core::http::client_builder().build().unwrap(),
        quick(),
    )
    .await;
    assert!(delivery.ok);
    assert_eq!(
        delivery.osc52.as_deref(),
        Some("\u{1b}]52;c;YWxsIGNsZWFy\u{7}")
    );
    let too_long = Update {
        text: "x".repeat(100_000),
        ..update()
    };
    let refused = deliver(
        &Destination::Clipboard,
        &too_long,
        &sitrep::core::http::client_builder().build().unwrap(),
        quick(),
    )
    .await;
    assert!(!refused.ok && refused.osc52.is_none());
}

#[tokio::test]
async fn a_misconfigured_destination_sends_nothing() {
    let dest = Destination::Slack {
        url: Secret::new("hooks.slack.com/services/TOPSECRET"),
    };
    let delivery = deliver(
        &dest,
        &update(),
        &sitrep::core::http::client_builder().build().unwrap(),
        quick(),
    )
    .await;
    assert!(!delivery.ok);
    assert_eq!(delivery.attempts, 0);
    assert_no_secret(&delivery, "TOPSECRET");
}

#[tokio::test]
async fn a_secret_in_an_update_is_redacted_before_it_is_sent() {
    let receiver = Receiver::start(vec![]).await;
    let secrets = vec![
        "Bearer s3cr3tTOKENxyz".to_string(),
        "s3cr3tTOKENxyz".to_string(),
    ];
    let mut typed = update();
    typed.text = "Notes: tried curl with s3cr3tTOKENxyz, still 401".into();
    let sent = typed.redacted(&secrets);
    assert_eq!(sent.text, "Notes: tried curl with [redacted], still 401");
    let dest = Destination::Webhook {
        url: Secret::new(format!("http://{}/hook", receiver.addr)),
        headers: vec![],
    };
    let client = sitrep::core::http::client_builder().build().unwrap();
    let delivery = bounded(deliver(&dest, &sent, &client, quick())).await;
    assert!(delivery.ok, "{delivery:?}");
    let seen = receiver.seen.lock().unwrap();
    let body = seen[0].body.to_string();
    assert!(
        !body.contains("s3cr3tTOKENxyz") && body.contains("[redacted]"),
        "{body}"
    );
}

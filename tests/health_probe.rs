//! One probe against a loopback server misbehaving like a production API: each misbehaviour ends in its
//! own named outcome, in bounded time, with nothing unsafe or secret in what a user would see.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod health_support;

use std::sync::atomic::Ordering;
use std::time::Duration;

use health_support::{Server, closed_port};
use sitrep::health::{EndpointSpec, Health, Outcome, ProbeResult, Prober, Secret, probe_once};

/// Every test ends within this, whatever the server does.
const BOUND: Duration = Duration::from_secs(20);
const TOKEN: &str = "Bearer s3cr3t-t0ken-value-123";

fn spec(url: String) -> EndpointSpec {
    EndpointSpec {
        timeout: Duration::from_secs(1),
        ..EndpointSpec::new("api", url)
    }
}

async fn probe(spec: &EndpointSpec) -> ProbeResult {
    tokio::time::timeout(BOUND, probe_once(&Prober::new(), 3, spec))
        .await
        .expect("a probe must end within its own timeout")
}

fn visible(r: &ProbeResult) -> String {
    format!(
        "{} {:?} {} {:?}",
        r.outcome, r.headers, r.body_head, r.rate_limit
    )
}

#[tokio::test]
async fn healthy_endpoint_is_up_with_status_and_body() {
    let s = Server::start().await;
    let r = probe(&spec(s.url("/ok"))).await;
    assert_eq!(
        (r.outcome.clone(), r.health, r.status),
        (Outcome::Ok, Health::Up, Some(200))
    );
    assert_eq!(r.endpoint, 3);
    assert_eq!(r.body_head, r#"{"status":"ok"}"#);
    assert_eq!(r.header("Content-Type"), Some("application/json"));
}

#[tokio::test]
async fn server_error_is_unexpected_status_with_evidence() {
    let s = Server::start().await;
    let r = probe(&spec(s.url("/down"))).await;
    assert_eq!(
        (r.outcome.clone(), r.health),
        (Outcome::UnexpectedStatus(500), Health::Down)
    );
    assert_eq!(r.body_head, "database is down");
}

#[tokio::test]
async fn hanging_server_times_out() {
    let s = Server::start().await;
    let r = probe(&spec(s.url("/hang"))).await;
    assert_eq!((r.outcome.clone(), r.status), (Outcome::Timeout, None));
}

#[tokio::test]
async fn body_dripping_a_byte_at_a_time_times_out_with_its_status() {
    let s = Server::start().await;
    let r = probe(&spec(s.url("/drip"))).await;
    assert_eq!((r.outcome.clone(), r.status), (Outcome::Timeout, Some(200)));
    assert!(
        r.body_head.starts_with('x'),
        "partial body kept as evidence: {:?}",
        r.body_head
    );
}

#[tokio::test]
async fn headers_dripping_a_byte_at_a_time_time_out() {
    let s = Server::start().await;
    let r = probe(&spec(s.url("/drip-head"))).await;
    assert_eq!((r.outcome.clone(), r.status), (Outcome::Timeout, None));
}

#[tokio::test]
async fn slow_answer_is_slow_when_over_max_latency() {
    let s = Server::start().await;
    let sp = EndpointSpec {
        max_latency: Some(Duration::from_millis(50)),
        ..spec(s.url("/slow"))
    };
    let r = probe(&sp).await;
    assert_eq!(
        (r.outcome.clone(), r.health),
        (Outcome::Slow, Health::Degraded)
    );
}

#[tokio::test]
async fn nothing_listening_is_connection_refused() {
    let (port, _held) = closed_port();
    let r = probe(&spec(format!("http://127.0.0.1:{port}/"))).await;
    assert_eq!(
        (r.outcome.clone(), r.health),
        (Outcome::ConnectionRefused, Health::Down)
    );
}

#[tokio::test]
async fn https_to_a_plain_http_server_is_a_tls_failure() {
    let s = Server::start().await;
    let r = probe(&spec(format!("https://{}/ok", s.addr))).await;
    assert!(matches!(r.outcome, Outcome::Tls(_)), "{}", r.outcome);
}

#[tokio::test]
async fn rate_limited_answer_is_throttled_with_retry_after_and_quota() {
    let s = Server::start().await;
    let r = probe(&spec(s.url("/429"))).await;
    assert_eq!(
        (r.outcome.clone(), r.health),
        (Outcome::Throttled, Health::Throttled)
    );
    let rl = r.rate_limit.expect("rate limit parsed");
    assert_eq!(rl.retry_after, Some(Duration::from_secs(60)));
    assert_eq!((rl.limit, rl.remaining), (Some(100), Some(0)));
}

#[tokio::test]
async fn quota_headers_on_a_healthy_answer_are_reported() {
    let s = Server::start().await;
    let r = probe(&spec(s.url("/quota"))).await;
    assert_eq!(r.outcome, Outcome::Ok);
    let rl = r.rate_limit.expect("rate limit parsed");
    assert_eq!((rl.limit, rl.remaining), (Some(5000), Some(4999)));
}

#[tokio::test]
async fn redirect_loop_is_named() {
    let s = Server::start().await;
    let r = probe(&spec(s.url("/loop-a"))).await;
    assert_eq!(r.outcome, Outcome::RedirectLoop);
}

#[tokio::test]
async fn redirects_past_the_limit_are_too_many() {
    let s = Server::start().await;
    let sp = EndpointSpec {
        max_redirects: 1,
        ..spec(s.url("/same-origin"))
    };
    // /same-origin -> /landing is one hop: allowed.
    assert_eq!(probe(&sp).await.outcome, Outcome::Ok);
    let sp = EndpointSpec {
        max_redirects: 1,
        ..spec(s.url("/loop-a"))
    };
    // /loop-a -> /loop-b -> (/loop-a) needs a second hop.
    assert_eq!(probe(&sp).await.outcome, Outcome::TooManyRedirects);
}

#[tokio::test]
async fn redirect_with_zero_allowed_is_judged_as_its_status() {
    let s = Server::start().await;
    let sp = EndpointSpec {
        max_redirects: 0,
        ..spec(s.url("/same-origin"))
    };
    assert_eq!(probe(&sp).await.outcome, Outcome::UnexpectedStatus(302));
}

#[tokio::test]
async fn secret_header_follows_same_origin_redirect_only() {
    let s = Server::start().await;
    let with_secret = |url| EndpointSpec {
        headers: vec![("Authorization".into(), Secret::new(TOKEN))],
        ..spec(url)
    };
    let r = probe(&with_secret(s.url("/same-origin"))).await;
    assert_eq!(r.outcome, Outcome::Ok);
    let landed = s.seen("/landing");
    assert_eq!(
        landed[0].headers.get("authorization").map(String::as_str),
        Some(TOKEN)
    );

    // 127.0.0.1 -> localhost: another host, so the token must stay behind.
    let r = probe(&with_secret(s.url("/cross-host"))).await;
    assert_eq!(r.outcome, Outcome::Ok);
    let seen = s.seen("/landing");
    let cross = seen
        .iter()
        .find(|x| x.host.starts_with("localhost"))
        .expect("redirect followed");
    assert_eq!(cross.headers.get("authorization"), None);
    assert_eq!(
        s.seen("/cross-host")[0]
            .headers
            .get("authorization")
            .map(String::as_str),
        Some(TOKEN)
    );
}

#[tokio::test]
async fn fifty_mebibyte_body_stops_at_the_cap() {
    let s = Server::start().await;
    let r = probe(&spec(s.url("/huge"))).await;
    assert_eq!(
        (r.outcome.clone(), r.health),
        (Outcome::BodyTooLarge, Health::Degraded)
    );
    assert!(r.body_head.starts_with("zzz"));
    // The prober hung up instead of reading it all; wait (bounded) for the server to notice.
    for _ in 0..100 {
        if s.huge_written.load(Ordering::SeqCst) > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let written = s.huge_written.load(Ordering::SeqCst);
    assert!(
        written > 0 && written < 50 * 1024 * 1024,
        "server wrote {written} bytes"
    );
}

#[tokio::test]
async fn broken_json_is_invalid_json_whether_json_is_checked_or_not() {
    let s = Server::start().await;
    let sp = EndpointSpec {
        json_equals: vec![("/status".into(), serde_json::json!("ok"))],
        ..spec(s.url("/broken-json"))
    };
    assert!(matches!(probe(&sp).await.outcome, Outcome::InvalidJson(_)));
    // Without a JSON condition too: its Content-Type says JSON, and it is not.
    assert!(matches!(
        probe(&spec(s.url("/broken-json"))).await.outcome,
        Outcome::InvalidJson(why) if why.starts_with("Content-Type says JSON")
    ));
    // A body that does not claim to be JSON is judged only by what was asked.
    assert_eq!(probe(&spec(s.url("/landing"))).await.outcome, Outcome::Ok);
}

#[tokio::test]
async fn a_200_that_reports_an_error_fails_its_condition() {
    let s = Server::start().await;
    let sp = EndpointSpec {
        json_equals: vec![("/status".into(), serde_json::json!("ok"))],
        ..spec(s.url("/lying-200"))
    };
    let r = probe(&sp).await;
    assert_eq!(
        r.outcome,
        Outcome::ConditionFailed(r#"/status is "error", expected "ok""#.into())
    );
    assert_eq!(r.health, Health::Degraded);
}

#[tokio::test]
async fn escape_sequences_in_body_and_headers_are_stripped() {
    let s = Server::start().await;
    let r = probe(&spec(s.url("/escapes"))).await;
    assert_eq!(r.outcome, Outcome::Ok);
    assert_eq!(r.body_head, "beforered after");
    // A C1 CSI shows as inert text, as everywhere on the screen.
    assert_eq!(r.header("x-evil"), Some("a\\u{9b}2Jb"));
    assert!(!visible(&r).chars().any(|c| c.is_control() && c != '\n'));
}

#[tokio::test]
async fn raw_escape_in_a_header_is_an_invalid_response() {
    let s = Server::start().await;
    let r = probe(&spec(s.url("/escape-in-header"))).await;
    assert!(
        matches!(r.outcome, Outcome::InvalidResponse(_)),
        "{}",
        r.outcome
    );
    assert!(!r.outcome.to_string().contains('\u{1b}'));
}

#[tokio::test]
async fn echoed_secret_is_redacted_everywhere() {
    let s = Server::start().await;
    let sp = EndpointSpec {
        headers: vec![("Authorization".into(), Secret::new(TOKEN))],
        ..spec(s.url("/echo-auth"))
    };
    let r = probe(&sp).await;
    assert_eq!(r.outcome, Outcome::Ok);
    assert!(!visible(&r).contains("s3cr3t"), "{}", visible(&r));
    assert_eq!(r.body_head, "you sent authorization: [redacted]");
    assert_eq!(r.header("x-echo"), Some("[redacted]"));
}

#[tokio::test]
async fn non_http_answer_is_an_invalid_response() {
    let s = Server::start().await;
    let r = probe(&spec(s.url("/garbage"))).await;
    assert!(
        matches!(r.outcome, Outcome::InvalidResponse(_)),
        "{}",
        r.outcome
    );
}

#[tokio::test]
async fn hang_up_without_answer_is_an_invalid_response() {
    let s = Server::start().await;
    let r = probe(&spec(s.url("/close"))).await;
    assert!(
        matches!(r.outcome, Outcome::InvalidResponse(_)),
        "{}",
        r.outcome
    );
}

#[tokio::test]
async fn body_cut_short_is_an_invalid_response_with_its_status() {
    let s = Server::start().await;
    let r = probe(&spec(s.url("/short-body"))).await;
    assert!(
        matches!(r.outcome, Outcome::InvalidResponse(_)),
        "{}",
        r.outcome
    );
    assert_eq!(r.status, Some(200));
}

#[tokio::test]
async fn self_signed_certificate_fails_verification_unless_insecure() {
    let s = Server::start_tls().await;
    let prober = Prober::new();
    let verified = spec(s.url("/ok"));
    let insecure = EndpointSpec {
        insecure_tls: true,
        ..verified.clone()
    };
    let run = |sp: EndpointSpec| {
        let prober = prober.clone();
        async move {
            tokio::time::timeout(BOUND, prober.probe(0, &sp))
                .await
                .unwrap()
        }
    };
    let r = run(verified.clone()).await;
    assert!(matches!(r.outcome, Outcome::Tls(_)), "{}", r.outcome);
    let r = run(insecure).await;
    assert_eq!(
        (r.outcome, r.body_head.as_str()),
        (Outcome::Ok, r#"{"status":"ok"}"#)
    );
    // The insecure client is kept apart: verification still applies to the verified endpoint.
    let r = run(verified).await;
    assert!(matches!(r.outcome, Outcome::Tls(_)), "{}", r.outcome);
}

#[tokio::test]
async fn full_accept_queue_is_a_connect_timeout() {
    // A listener that never accepts, its queue filled: further SYNs are dropped, as by a firewall.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(1).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut fillers = Vec::new();
    for _ in 0..4 {
        let connect = tokio::net::TcpStream::connect(addr);
        match tokio::time::timeout(Duration::from_millis(300), connect).await {
            Ok(Ok(s)) => fillers.push(s),
            _ => break,
        }
    }
    let sp = EndpointSpec {
        connect_timeout: Duration::from_millis(300),
        timeout: Duration::from_secs(5),
        ..spec(format!("http://{addr}/"))
    };
    let r = probe(&sp).await;
    assert_eq!(
        (r.outcome, r.health),
        (Outcome::ConnectTimeout, Health::Down)
    );
}

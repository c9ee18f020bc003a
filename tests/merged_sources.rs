//! One merged view of three kinds of source whose machines' clocks disagree: a file on this
//! machine, a Kubernetes pod on a node whose clock is 1.5 s behind (the real kubectl against
//! `kube_support`, a small API server written from the Kubernetes API reference), and Loki with
//! entries stamped 1 s ahead (`loki_support`, a small Loki written from its HTTP API: neither a
//! cluster nor Loki can run on this machine). Lines come out in the order their own times name; a
//! line from a clock far ahead is placed by when it was read and said to be so.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write as _;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use sitrep::tail::kube::KubeSpec;
use sitrep::tail::{LogLine, SourceSpec, TailEvent, TailOptions, spawn_source};
use tokio::sync::mpsc;

mod kube_support;
mod loki_support;

use kube_support::{Cluster, NS};
use loki_support::{Loki, serve};

/// Which source a line is written to, and how far its clock is off.
#[derive(Clone, Copy, Debug)]
enum Kind {
    File,
    Pod,
    Loki,
}

impl Kind {
    fn skew(self) -> TimeDelta {
        match self {
            Kind::File => TimeDelta::zero(),
            Kind::Pod => TimeDelta::milliseconds(-1500),
            Kind::Loki => TimeDelta::milliseconds(1000),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_sources_with_skewed_clocks_merge_in_the_order_their_lines_name() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("api.log");
    std::fs::write(&file, "").unwrap();
    let cluster = Cluster::start(dir.path()).await;
    cluster.add_pod("pay-1", &["app"]);
    let loki = Arc::new(Loki::default());
    let url = serve(Arc::clone(&loki)).await;

    let mut kube = KubeSpec::parse(&format!("app=pay@{NS}")).unwrap();
    kube.kubeconfig = Some(cluster.kubeconfig.clone());
    kube.kubectl = cluster.kubectl.display().to_string();
    let specs = [
        SourceSpec::File(file.clone()),
        SourceSpec::Kube(kube),
        SourceSpec::parse(&format!(r#"loki:{{app="payments"}}@{url}"#)).unwrap(),
    ];
    let opts = TailOptions {
        restart_min: Duration::from_millis(200),
        restart_max: Duration::from_millis(800),
        ..TailOptions::default()
    };
    let (tx, rx) = mpsc::channel(256);
    let handles: Vec<_> = specs
        .into_iter()
        .enumerate()
        .map(|(n, spec)| spawn_source(n, spec, tx.clone(), opts.clone()))
        .collect();
    drop(tx);
    let (merged_tx, mut merged) = mpsc::channel(256);
    // Each source may hold its lines 3 s for the others: more than the clocks' spread (2.5 s).
    let reorders = vec![Duration::from_secs(3); 3];
    tokio::spawn(sitrep::tail::merge::merge(rx, merged_tx, reorders));

    // Every source is reading before anything is written.
    let ready = tokio::time::timeout(Duration::from_secs(40), async {
        while cluster.open_streams("pay-1", "app") == 0 || loki.tails.load(Ordering::SeqCst) == 0 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    assert!(ready.is_ok(), "{:?}", cluster.requests());

    // Ten events 400 ms apart, in turn on each source, each stamped by its own machine's clock.
    let base = Utc::now();
    let mut written: Vec<(DateTime<Utc>, String)> = Vec::new();
    let mut out = std::fs::OpenOptions::new()
        .append(true)
        .open(&file)
        .unwrap();
    for n in 0..10i64 {
        let kind = [Kind::File, Kind::Pod, Kind::Loki][(n % 3) as usize];
        let happened = base + TimeDelta::milliseconds(n * 400);
        tokio::time::sleep_until(
            tokio::time::Instant::now()
                + (happened - Utc::now()).to_std().unwrap_or(Duration::ZERO),
        )
        .await;
        let stamp = happened + kind.skew();
        let text = format!("event {n} on {kind:?}");
        match kind {
            Kind::File => {
                let at = stamp.to_rfc3339_opts(SecondsFormat::Millis, true);
                writeln!(out, "{at} INFO {text}").unwrap();
                out.flush().unwrap();
            }
            Kind::Pod => cluster.log("pay-1", "app", stamp, &text),
            Kind::Loki => loki.add(
                &[("app", "payments")],
                stamp.timestamp_nanos_opt().unwrap(),
                &text,
            ),
        }
        written.push((stamp, text));
    }
    // And one from a clock ten minutes ahead.
    let ahead = Utc::now() + TimeDelta::minutes(10);
    loki.add(
        &[("app", "payments")],
        ahead.timestamp_nanos_opt().unwrap(),
        "event from the future",
    );

    let mut lines: Vec<LogLine> = Vec::new();
    let all = tokio::time::timeout(Duration::from_secs(40), async {
        while lines.len() < 11 {
            match merged.recv().await {
                Some(TailEvent::Lines { lines: got, .. }) => lines.extend(got),
                Some(TailEvent::Status { .. }) => {}
                None => return,
            }
        }
    })
    .await;
    let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
    assert!(all.is_ok(), "{texts:?}");

    // The order their own times name, not the order they were written in.
    written.sort_by_key(|(stamp, _)| *stamp);
    let want: Vec<&str> = written.iter().map(|(_, t)| t.as_str()).collect();
    let got: Vec<&str> = lines
        .iter()
        .filter(|l| l.text.contains("event ") && !l.text.contains("future"))
        .map(|l| &l.text[l.text.find("event ").unwrap()..])
        .collect();
    let got: Vec<&str> = got.iter().map(|t| t.trim_end()).collect();
    assert_eq!(got, want, "{texts:?}");
    assert_ne!(
        want,
        (0..10)
            .map(|n| format!(
                "event {n} on {:?}",
                [Kind::File, Kind::Pod, Kind::Loki][n % 3]
            ))
            .collect::<Vec<_>>(),
        "the clocks' skew reorders the events"
    );
    assert!(lines.iter().all(|l| !l.late), "{texts:?}");
    // The line from the clock ahead is shown, placed by when it was read, and said to be ahead.
    let future = lines.iter().find(|l| l.text.contains("future")).unwrap();
    assert!(
        future.clock_ahead() && future.at() == future.received,
        "{future:?}"
    );
    drop(handles);
}

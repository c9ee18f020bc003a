//! Kubernetes sources, followed through the real `kubectl` against a small in-process API server:
//! no cluster can run on this machine, so `kube_support` is written from the Kubernetes API
//! reference (discovery, the pod list and watch, pod logs with follow, timestamps, sinceTime,
//! tailLines and previous), and kubectl is pointed at it with a kubeconfig.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use sitrep::tail::kube::KubeSpec;
use sitrep::tail::{Backfill, Bound, LogLine, SourceSpec, SourceStatus, TailOptions};

mod kube_support;
mod source_support;

use kube_support::{Cluster, NS};
use source_support::Followed;

fn spec(cluster: &Cluster) -> SourceSpec {
    let mut spec = KubeSpec::parse(&format!("app=pay@{NS}")).unwrap();
    spec.kubeconfig = Some(cluster.kubeconfig.clone());
    spec.kubectl = cluster.kubectl.display().to_string();
    SourceSpec::Kube(spec)
}

fn options(backfill: Option<TimeDelta>) -> TailOptions {
    TailOptions {
        backfill: backfill.map(|window| Backfill {
            since: Utc::now() - window,
            max_lines: 100_000,
        }),
        restart_min: Duration::from_millis(200),
        restart_max: Duration::from_millis(800),
        ..TailOptions::default()
    }
}

fn ago(seconds: i64) -> DateTime<Utc> {
    Utc::now() - TimeDelta::seconds(seconds)
}

fn texts(lines: &[LogLine]) -> Vec<&str> {
    lines.iter().map(|l| l.text.as_str()).collect()
}

/// Lines ending with `word`.
fn count(lines: &[LogLine], word: &str) -> usize {
    lines.iter().filter(|l| l.text.ends_with(word)).count()
}

/// Follows the cluster's one pod, once the source says it reads it.
async fn following(cluster: &Cluster) -> Followed {
    let mut f = Followed::spawn(spec(cluster), options(None));
    assert!(
        f.until(|_, s| said(s, "1 pod, 1 container") > 0).await,
        "{:?}",
        f.statuses
    );
    f
}

/// Whether `done` comes to hold within 30 s (checked every 50 ms).
async fn eventually(done: impl Fn() -> bool) -> bool {
    tokio::time::timeout(Duration::from_secs(30), async {
        while !done() {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .is_ok()
}

fn said(statuses: &[SourceStatus], words: &str) -> usize {
    statuses
        .iter()
        .filter(|s| s.to_string().contains(words))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_container_is_followed_with_its_own_time_and_later_pods_are_picked_up() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = Cluster::start(dir.path()).await;
    cluster.add_pod("pay-1", &["app", "proxy"]);
    cluster.log("pay-1", "app", ago(30), "charge ok id=1");
    cluster.log("pay-1", "proxy", ago(29), "GET /charge 200");
    let mut f = Followed::spawn(spec(&cluster), options(None));
    assert!(
        f.until(|l, _| count(l, "GET /charge 200") == 1 && count(l, "charge ok id=1") == 1)
            .await,
        "{:?} {:?}",
        texts(&f.lines),
        f.statuses
    );
    let first = f.lines.iter().find(|l| l.text.ends_with("id=1")).unwrap();
    assert!(
        first.text.contains(" pay-1/app: charge ok"),
        "{}",
        first.text
    );
    assert!(
        (first.time.unwrap() - ago(30)).num_seconds().abs() <= 2,
        "the kubelet's time is the line's own"
    );
    // Live lines, then a pod that appears later: followed from its first line.
    cluster.log("pay-1", "app", Utc::now(), "charge ok id=2");
    cluster.add_pod("pay-2", &["app"]);
    cluster.log("pay-2", "app", Utc::now(), "charge failed id=3");
    assert!(
        f.until(|l, _| count(l, "id=2") == 1 && count(l, "charge failed id=3") == 1)
            .await,
        "{:?} {:?}",
        texts(&f.lines),
        f.statuses
    );
    assert_eq!(
        said(&f.statuses, "pod pay-2 appeared"),
        1,
        "{:?}",
        f.statuses
    );
    assert!(
        f.lines
            .iter()
            .any(|l| l.text.contains("pay-2/app: charge failed"))
    );
    // A pod that goes away is said to be gone.
    cluster.delete("pay-1");
    assert!(
        f.until(|_, s| said(s, "pod pay-1 gone") == 1
            && s.last()
                .is_some_and(|s| s.to_string().contains("1 pod, 1 container")))
            .await,
        "{:?}",
        f.statuses
    );
    // Nothing was delivered twice.
    for word in ["id=1", "GET /charge 200", "id=2", "id=3"] {
        assert_eq!(count(&f.lines, word), 1, "{word}: {:?}", texts(&f.lines));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oom_killed_container_is_recorded_once_and_its_last_lines_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = Cluster::start(dir.path()).await;
    cluster.add_pod("pay-1", &["app"]);
    let mut f = following(&cluster).await;
    // Give kubectl a moment to open the stream, then log and die.
    assert!(
        eventually(|| cluster.open_streams("pay-1", "app") > 0).await,
        "{:?}",
        cluster.requests()
    );
    for n in 0..5 {
        cluster.log("pay-1", "app", Utc::now(), &format!("allocating batch {n}"));
    }
    assert!(
        f.until(|l, _| count(l, "batch 4") == 1).await,
        "{:?}",
        texts(&f.lines)
    );
    cluster.restart("pay-1", "app", "OOMKilled", 137);
    cluster.log("pay-1", "app", Utc::now(), "started again");
    assert!(
        f.until(|l, s| count(l, "started again") == 1
            && said(s, "restarted (OOMKilled, exit code 137; 1 restart)") == 1)
            .await,
        "{:?} {:?}",
        texts(&f.lines),
        f.statuses
    );
    // The previous run's lines were fetched (`--previous`) but were delivered already.
    assert!(
        eventually(|| cluster.previous_served() > 0).await,
        "{:?}",
        cluster.requests()
    );
    // Whatever that answer brings reaches the source within a couple of seconds.
    let _ = tokio::time::timeout(Duration::from_secs(2), f.until(|_, _| false)).await;
    for n in 0..5 {
        assert_eq!(
            count(&f.lines, &format!("batch {n}")),
            1,
            "{:?}",
            texts(&f.lines)
        );
    }
    assert_eq!(
        said(&f.statuses, "restarted"),
        1,
        "recorded once: {:?}",
        f.statuses
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_before_the_start_is_in_the_backfill_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = Cluster::start(dir.path()).await;
    cluster.add_pod("pay-1", &["app"]);
    cluster.add_pod("pay-2", &["app"]);
    // Two hours ago (outside the window), then interleaved lines in the last hour; pay-1 crashed.
    cluster.log("pay-1", "app", ago(7200), "too old");
    for n in 0..10 {
        let pod = if n % 2 == 0 { "pay-1" } else { "pay-2" };
        cluster.log(pod, "app", ago(1800 - n * 60), &format!("request {n}"));
    }
    cluster.restart("pay-1", "app", "Error", 2);
    cluster.log("pay-1", "app", ago(60), "request 10");
    let mut f = Followed::spawn(spec(&cluster), options(Some(TimeDelta::hours(1))));
    let done = |_: &[LogLine], s: &[SourceStatus]| {
        s.iter()
            .any(|s| matches!(s, SourceStatus::Backfill(r) if r.done))
    };
    assert!(f.until(done).await, "{:?}", f.statuses);
    let got: Vec<&str> = f
        .lines
        .iter()
        .filter_map(|l| l.text.rsplit_once(": ").map(|(_, b)| b))
        .collect();
    let want: Vec<String> = (0..=10).map(|n| format!("request {n}")).collect();
    assert_eq!(
        got, want,
        "merged by time, the crashed run's lines included"
    );
    let report = f
        .statuses
        .iter()
        .find_map(|s| match s {
            SourceStatus::Backfill(r) if r.done => Some(r.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!((report.lines, report.bound), (11, Bound::Kept));
    let text = SourceStatus::Backfill(report).to_string();
    assert!(text.contains("all the kubelet keeps"), "{text}");
    assert_eq!(
        said(&f.statuses, "pay-1/app restarted (Error, exit code 2"),
        1,
        "{:?}",
        f.statuses
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_stream_is_reopened_after_its_last_line_without_repeats() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = Cluster::start(dir.path()).await;
    cluster.add_pod("pay-1", &["app"]);
    let mut opts = options(None);
    opts.silent_after = Duration::from_secs(2);
    let mut f = Followed::spawn(spec(&cluster), opts);
    assert!(
        eventually(|| cluster.open_streams("pay-1", "app") > 0).await,
        "{:?}",
        cluster.requests()
    );
    // Three lines in one second: a stream resumed from that second gets them again.
    let now = Utc::now();
    for n in 0..3 {
        cluster.log(
            "pay-1",
            "app",
            now + TimeDelta::milliseconds(n * 10),
            &format!("tick {n}"),
        );
    }
    assert!(
        f.until(|l, _| count(l, "tick 2") == 1).await,
        "{:?}",
        texts(&f.lines)
    );
    // The kubelet rotates: the open stream gets nothing more, though lines are written.
    cluster.stall("pay-1", "app");
    cluster.log("pay-1", "app", now + TimeDelta::milliseconds(40), "tick 3");
    cluster.log("pay-1", "app", now + TimeDelta::milliseconds(50), "tick 4");
    assert!(
        f.until(|l, _| count(l, "tick 4") == 1).await,
        "reopened: {:?} {:?}",
        texts(&f.lines),
        cluster.requests()
    );
    for n in 0..5 {
        assert_eq!(
            count(&f.lines, &format!("tick {n}")),
            1,
            "{:?}",
            texts(&f.lines)
        );
    }
    assert!(
        cluster
            .requests()
            .iter()
            .any(|r| r.contains("/log?") && r.contains("sinceTime=")),
        "{:?}",
        cluster.requests()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ended_pod_watch_is_opened_again_and_misses_no_pod() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = Cluster::start(dir.path()).await;
    cluster.add_pod("pay-1", &["app"]);
    let mut f = following(&cluster).await;
    assert!(
        eventually(|| cluster.requests().iter().any(|r| r.contains("watch="))).await,
        "{:?}",
        cluster.requests()
    );
    // The server ends the watch (its timeout): routine, so listed and watched again quietly.
    cluster.end_watches();
    assert!(
        eventually(|| cluster
            .requests()
            .iter()
            .filter(|r| r.contains("watch="))
            .count()
            >= 2)
        .await,
        "{:?}",
        cluster.requests()
    );
    cluster.add_pod("pay-9", &["app"]);
    cluster.log(
        "pay-9",
        "app",
        Utc::now(),
        "hello from \u{1b}[31mpay-9\u{7}",
    );
    assert!(
        f.until(|l, _| l.iter().any(|l| l.text.contains("pay-9/app: hello")))
            .await,
        "{:?} {:?}",
        texts(&f.lines),
        f.statuses
    );
    let line = f.lines.iter().find(|l| l.text.contains("pay-9")).unwrap();
    assert!(
        !line.text.contains('\u{1b}') && !line.text.contains('\u{7}'),
        "{:?}",
        line.text
    );
    assert_eq!(said(&f.statuses, "watch failed"), 0, "{:?}", f.statuses);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_selector_that_matches_no_pod_says_so_once_and_picks_up_a_later_one() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = Cluster::start(dir.path()).await;
    let mut f = Followed::spawn(spec(&cluster), options(None));
    let words = format!("no pod matches app=pay in namespace {NS}; watching for one");
    assert!(
        f.until(|_, s| said(s, &words) > 0).await,
        "{:?}",
        f.statuses
    );
    assert!(
        f.statuses
            .iter()
            .any(|s| matches!(s, SourceStatus::Notice { .. }) && s.to_string().contains(&words)),
        "a notice, which the cockpit records and `sitrep tail` prints: {:?}",
        f.statuses
    );
    cluster.add_pod("pay-1", &["app"]);
    cluster.log("pay-1", "app", Utc::now(), "first words");
    assert!(
        f.until(|l, _| l.iter().any(|l| l.text.ends_with("first words")))
            .await,
        "{:?}",
        f.statuses
    );
    let notices = f
        .statuses
        .iter()
        .filter(|s| matches!(s, SourceStatus::Notice { .. }) && s.to_string().contains("no pod"))
        .count();
    assert_eq!(notices, 1, "{:?}", f.statuses);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_kubectl_says_what_to_install() {
    let mut spec = KubeSpec::parse("app=pay").unwrap();
    spec.kubectl = "/nonexistent/kubectl".into();
    let mut f = Followed::spawn(SourceSpec::Kube(spec), options(None));
    assert!(
        f.until(|_, s| said(s, "Kubernetes sources need kubectl") > 0)
            .await,
        "{:?}",
        f.statuses
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_cluster_is_said_in_kubectls_words_and_asked_again() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = Cluster::start(dir.path()).await;
    // A port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dead = dir.path().join("dead-kubeconfig");
    let config = std::fs::read_to_string(&cluster.kubeconfig)
        .unwrap()
        .replace(&cluster.url, &format!("http://127.0.0.1:{port}"));
    std::fs::write(&dead, config).unwrap();
    let SourceSpec::Kube(mut spec) = spec(&cluster) else {
        unreachable!()
    };
    spec.kubeconfig = Some(dead);
    let mut f = Followed::spawn(SourceSpec::Kube(spec), options(None));
    assert!(
        f.until(|_, s| said(s, "was refused") >= 2).await,
        "{:?}",
        f.statuses
    );
    let text = f.statuses.last().unwrap().to_string();
    assert!(text.contains("listing again in"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_log_stream_that_hangs_is_given_up_and_opened_again() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = Cluster::start(dir.path()).await;
    cluster.add_pod("pay-1", &["app"]);
    cluster.log("pay-1", "app", ago(5), "before the hang");
    // The kubelet answers no log request: kubectl waits, saying nothing.
    cluster.hang_logs(true);
    let mut opts = options(None);
    opts.silent_after = Duration::from_secs(2);
    let mut f = Followed::spawn(spec(&cluster), opts);
    assert!(
        eventually(|| cluster.requests().iter().any(|r| r.contains("/log?"))).await,
        "{:?}",
        cluster.requests()
    );
    // It answers again: the silent stream is given up and opened again, and nothing is lost.
    cluster.hang_logs(false);
    cluster.log("pay-1", "app", Utc::now(), "after the hang");
    assert!(
        f.until(|l, _| count(l, "before the hang") == 1 && count(l, "after the hang") == 1)
            .await,
        "{:?} {:?}",
        texts(&f.lines),
        cluster.requests()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_line_is_shown_to_its_cap_and_the_rest_counted() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = Cluster::start(dir.path()).await;
    cluster.add_pod("pay-1", &["app"]);
    let huge = format!("start {} end", "x".repeat(1 << 20));
    cluster.log("pay-1", "app", ago(2), &huge);
    cluster.log("pay-1", "app", ago(1), "next line");
    let opts = options(None);
    let cap = opts.max_line_bytes;
    let mut f = Followed::spawn(spec(&cluster), opts);
    assert!(
        f.until(|l, _| count(l, "next line") == 1).await,
        "{:?}",
        f.statuses
    );
    let line = f.lines.iter().find(|l| l.text.contains("start x")).unwrap();
    let note = format!(" … [{} bytes cut]", line.cut_bytes);
    assert!(
        line.text.ends_with(&note),
        "{}",
        &line.text[line.text.len() - 40..]
    );
    let shown = line.text.len() - note.len();
    assert!(shown <= cap, "{shown}");
    let prefix = line.text.find("start x").unwrap();
    assert_eq!(
        shown - prefix + line.cut_bytes,
        huge.len(),
        "every byte is shown or counted as cut"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn containers_over_the_cap_are_said_and_followed_once_there_is_room() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = Cluster::start(dir.path()).await;
    cluster.add_pod("pay-1", &["app", "proxy"]);
    cluster.add_pod("pay-2", &["app"]);
    cluster.log("pay-2", "app", ago(3), "waiting its turn");
    let SourceSpec::Kube(mut kube) = spec(&cluster) else {
        unreachable!()
    };
    kube.max_containers = 2;
    let mut f = Followed::spawn(SourceSpec::Kube(kube), options(None));
    assert!(
        f.until(|_, s| said(s, "2 pods, 2 containers, 1 more not followed (at most 2") > 0)
            .await,
        "{:?}",
        f.statuses
    );
    assert_eq!(count(&f.lines, "waiting its turn"), 0);
    // pay-1 goes away: its two slots free, pay-2's container is followed from its last lines.
    cluster.delete("pay-1");
    assert!(
        f.until(|l, s| count(l, "waiting its turn") == 1
            && s.last()
                .is_some_and(|s| s.to_string().contains("reading 1 pod, 1 container (")))
            .await,
        "{:?} {:?}",
        texts(&f.lines),
        f.statuses
    );
}

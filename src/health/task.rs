//! The probe task of one endpoint: its own cadence, one probe in flight, backing off when throttled.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, mpsc};
use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep, sleep_until};

use super::outcome::{Outcome, ProbeResult};
use super::probe::Prober;
use super::spec::EndpointSpec;
use crate::core::ratelimit::RateLimit;

/// Longest the prober waits between probes, whatever the server asks: during an incident an endpoint
/// that says "come back in an hour" still needs watching.
pub const MAX_BACKOFF: Duration = Duration::from_secs(300);
/// Shortest time between two probes of one endpoint.
const MIN_INTERVAL: Duration = Duration::from_millis(10);
/// Doublings of the interval when throttled without a `Retry-After`.
const MAX_DOUBLINGS: u32 = 6;

/// A running probe task. Dropping it stops the task (an in-flight probe is abandoned).
#[derive(Debug)]
pub struct ProberHandle {
    task: JoinHandle<()>,
    #[cfg(any(test, feature = "test-support"))]
    wake: Arc<Notify>,
}

impl ProberHandle {
    /// Asks for a probe now instead of at the next tick. Requests made while a probe is in flight
    /// coalesce into one probe after it; while the server has asked us to back off, this waits too.
    #[cfg(any(test, feature = "test-support"))]
    pub fn probe_now(&self) {
        self.wake.notify_one();
    }

    /// Whether the task has ended (its receiver was dropped).
    #[cfg(any(test, feature = "test-support"))]
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }
}

impl Drop for ProberHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts probing `spec` on its interval, sending every result to `tx`, until the handle is dropped or
/// the receiver closes. Must be called within a tokio runtime.
///
/// Endpoints start spread over the first second (by index) so many endpoints do not fire at once.
pub fn spawn_prober(
    endpoint: usize,
    spec: EndpointSpec,
    prober: Prober,
    tx: mpsc::Sender<ProbeResult>,
) -> ProberHandle {
    let wake = Arc::new(Notify::new());
    let task = tokio::spawn(run(endpoint, spec, prober, tx, Arc::clone(&wake)));
    ProberHandle {
        task,
        #[cfg(any(test, feature = "test-support"))]
        wake,
    }
}

async fn run(
    endpoint: usize,
    spec: EndpointSpec,
    prober: Prober,
    tx: mpsc::Sender<ProbeResult>,
    wake: Arc<Notify>,
) {
    // An interval of zero (a spec that skipped `validate`) must not turn into a busy loop.
    let interval = spec.interval.max(MIN_INTERVAL);
    let spread = interval.min(Duration::from_secs(1));
    let offset = spread.mul_f64(((endpoint as u64).wrapping_mul(7919) % 1000) as f64 / 1000.0);
    tokio::select! {
        _ = sleep(offset) => {}
        _ = wake.notified() => {}
    }
    let mut backoff = Backoff::default();
    loop {
        let started = Instant::now();
        let mut result = prober.probe(endpoint, &spec).await;
        let delay = backoff.next_delay(interval, &result);
        let holding = delay > interval;
        result.backoff = holding.then_some(delay);
        if tx.send(result).await.is_err() {
            return;
        }
        // The cadence runs from probe start to probe start, so slow answers do not stretch it.
        let next = started + delay;
        if holding {
            sleep_until(next).await;
            // A request made during the backoff is served by this very probe.
            tokio::select! {
                biased;
                _ = wake.notified() => {}
                _ = std::future::ready(()) => {}
            }
        } else {
            tokio::select! {
                _ = sleep_until(next) => {}
                _ = wake.notified() => {}
            }
        }
    }
}

/// How long to wait before the next probe, given the last result.
#[derive(Debug, Default)]
pub struct Backoff {
    throttled_streak: u32,
}

impl Backoff {
    /// The delay before the next probe: the interval, or longer when the server asks or throttles us.
    pub fn next_delay(&mut self, interval: Duration, result: &ProbeResult) -> Duration {
        let server_wait = result.rate_limit.as_ref().and_then(RateLimit::wait);
        let wanted = if result.outcome == Outcome::Throttled {
            self.throttled_streak = self.throttled_streak.saturating_add(1);
            let doublings = self.throttled_streak.min(MAX_DOUBLINGS);
            server_wait.unwrap_or_else(|| interval.saturating_mul(1 << doublings))
        } else {
            self.throttled_streak = 0;
            server_wait.unwrap_or(interval)
        };
        wanted.min(MAX_BACKOFF).max(interval)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::ratelimit::RateLimit;
    use chrono::Utc;

    fn result(outcome: Outcome, rl: Option<RateLimit>) -> ProbeResult {
        let mut r = ProbeResult::failed(0, Utc::now(), outcome, Duration::ZERO);
        r.rate_limit = rl;
        r
    }

    #[test]
    fn retry_after_is_honoured_within_bounds() {
        let s = Duration::from_secs;
        let mut b = Backoff::default();
        let rl = |secs| RateLimit {
            retry_after: Some(s(secs)),
            ..RateLimit::default()
        };
        assert_eq!(
            b.next_delay(s(5), &result(Outcome::Throttled, Some(rl(30)))),
            s(30)
        );
        assert_eq!(
            b.next_delay(s(5), &result(Outcome::Throttled, Some(rl(1)))),
            s(5)
        );
        assert_eq!(
            b.next_delay(s(5), &result(Outcome::Throttled, Some(rl(86_400)))),
            MAX_BACKOFF
        );
    }

    #[test]
    fn throttled_without_retry_after_doubles_then_resets() {
        let s = Duration::from_secs;
        let mut b = Backoff::default();
        let t = result(Outcome::Throttled, None);
        assert_eq!(b.next_delay(s(1), &t), s(2));
        assert_eq!(b.next_delay(s(1), &t), s(4));
        assert_eq!(b.next_delay(s(1), &t), s(8));
        assert_eq!(b.next_delay(s(1), &result(Outcome::Ok, None)), s(1));
        assert_eq!(b.next_delay(s(1), &t), s(2));
    }

    #[test]
    fn exhausted_quota_waits_for_reset_even_when_ok() {
        let s = Duration::from_secs;
        let rl = RateLimit {
            remaining: Some(0),
            reset: Some(s(20)),
            ..RateLimit::default()
        };
        let mut b = Backoff::default();
        assert_eq!(b.next_delay(s(5), &result(Outcome::Ok, Some(rl))), s(20));
    }
}

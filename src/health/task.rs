//! The probe task of one endpoint: its own cadence, one probe in flight, backing off when throttled.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, mpsc};
use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep_until};

use super::outcome::{Outcome, ProbeResult};
use super::probe::Prober;
use super::spec::EndpointSpec;
use crate::core::ratelimit::RateLimit;

/// Longest the prober waits between probes, whatever the server asks: during an incident an endpoint
/// that says "come back in an hour" still needs watching.
pub const MAX_BACKOFF: Duration = Duration::from_secs(300);
/// Shortest time between two probes of one endpoint.
const MIN_INTERVAL: Duration = Duration::from_millis(10);
/// The grid first probes are placed on (see [`start_offset`]).
const TICK: Duration = Duration::from_millis(50);
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
/// Endpoints start spread over the first second (see [`start_offset`]).
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
    let mut planned = Instant::now() + start_offset(endpoint, interval);
    tokio::select! {
        _ = sleep_until(planned) => {}
        _ = wake.notified() => planned = Instant::now(),
    }
    let mut backoff = Backoff::default();
    loop {
        let mut result = prober.probe(endpoint, &spec).await;
        let delay = backoff.next_delay(interval, &result);
        let holding = delay > interval;
        result.backoff = holding.then_some(delay);
        if tx.send(result).await.is_err() {
            return;
        }
        // The cadence runs from planned start to planned start, so slow answers neither stretch it
        // nor let it drift off the tick it shares with other endpoints; a probe that overran its
        // interval skips the ticks it missed.
        planned += delay;
        let now = Instant::now();
        if planned < now {
            let behind = (now - planned).as_nanos();
            let step = interval.as_nanos().max(1);
            planned += interval.saturating_mul(u32::try_from(behind.div_ceil(step)).unwrap_or(u32::MAX));
        }
        if holding {
            sleep_until(planned).await;
            // A request made during the backoff is served by this very probe.
            tokio::select! {
                biased;
                _ = wake.notified() => {}
                _ = std::future::ready(()) => {}
            }
        } else {
            tokio::select! {
                _ = sleep_until(planned) => {}
                _ = wake.notified() => planned = Instant::now(),
            }
        }
    }
}

/// When an endpoint's first probe goes out: spread by index over the first second (or the interval,
/// when shorter) so many endpoints do not fire at once, but on a grid of [`TICK`]s so those that
/// share a tick share one timer wake-up, one scheduler turn and one burst of I/O. 500 endpoints at
/// 1 s make 20 wake-ups a second, not 500.
fn start_offset(endpoint: usize, interval: Duration) -> Duration {
    let spread = interval.min(Duration::from_secs(1));
    let slots = (spread.as_millis() / TICK.as_millis()).max(1) as u64;
    let slot = (endpoint as u64).wrapping_mul(7919) % slots;
    TICK.saturating_mul(u32::try_from(slot).unwrap_or(0))
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
    fn first_probes_share_a_few_ticks_spread_over_the_first_second() {
        let offsets: std::collections::BTreeSet<Duration> = (0..500)
            .map(|i| start_offset(i, Duration::from_secs(1)))
            .collect();
        assert_eq!(offsets.len(), 20, "{offsets:?}");
        assert!(offsets.iter().all(|o| *o < Duration::from_secs(1)));
        assert!(offsets.iter().all(|o| o.as_millis() % 50 == 0));
        // A 30 s interval still starts within the first second; a 20 ms one at once.
        assert!(start_offset(7, Duration::from_secs(30)) < Duration::from_secs(1));
        assert_eq!(start_offset(7, Duration::from_millis(20)), Duration::ZERO);
        // Three endpoints do not all fire at once.
        let few: std::collections::BTreeSet<_> =
            (0..3).map(|i| start_offset(i, Duration::from_secs(5))).collect();
        assert_eq!(few.len(), 3);
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

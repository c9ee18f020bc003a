//! After the hour before: Loki's tail, its gaps repaired from `query_range`, and polling when the
//! tail is refused.

use std::time::{Duration, Instant};

use tokio::sync::mpsc::Sender;

use super::query::{Client, range};
use super::seen::Seen;
use super::socket::{self, Heard, Opened};
use super::{Entry, Labels, LokiSpec, POLL, deliver};
use crate::tail::program::{Closed, send};
use crate::tail::{Dropper, SourceStatus, TailEvent, TailOptions};

/// A tail that ends this soon without giving anything was refused (Loki's limit on concurrent
/// tails is said in a close frame right after the upgrade).
const REFUSED_WITHIN: Duration = Duration::from_secs(10);
/// How long a refused tail is polled for before the tail is asked for again.
pub const TAIL_AGAIN: Duration = Duration::from_secs(300);
/// How often lines lost to the tail are said, at most.
const LOSSES_EVERY: Duration = Duration::from_secs(60);

/// Lines Loki said it dropped from the tail, since the source started.
#[derive(Default)]
struct Losses {
    told: u64,
    /// Fetched again through `query_range`.
    fetched: u64,
    /// Lost as last said (a `Dropped` status is sent only when this grows).
    said_lost: u64,
    unsaid: bool,
    said_at: Option<Instant>,
}

pub(super) struct Live<'a> {
    source: usize,
    spec: &'a LokiSpec,
    what: String,
    client: &'a Client,
    tx: &'a Sender<TailEvent>,
    opts: &'a TailOptions,
    seen: Seen,
    /// How it reads now (`tail`, or why it polls), and the status last said.
    how: String,
    shown: String,
    losses: Losses,
    delay: Duration,
}

impl<'a> Live<'a> {
    pub(super) fn new(
        source: usize,
        spec: &'a LokiSpec,
        client: &'a Client,
        tx: &'a Sender<TailEvent>,
        opts: &'a TailOptions,
        seen: Seen,
    ) -> Self {
        Live {
            source,
            spec,
            what: spec.describe(),
            client,
            tx,
            opts,
            seen,
            how: String::new(),
            shown: String::new(),
            losses: Losses::default(),
            delay: opts.restart_min,
        }
    }

    /// Tails, reconnecting whenever the tail ends; polls while it is refused.
    pub(super) async fn follow(mut self) -> Result<(), Closed> {
        loop {
            // What the tail did not give (the gap since it ended, or since the hour before).
            let from = self.seen.resume();
            match range(self.client, &mut self.seen, from, None).await {
                Ok(entries) => self.deliver(entries).await?,
                Err(message) => {
                    self.trouble(&message, Duration::ZERO).await?;
                    continue;
                }
            }
            let mut tail = match socket::open(self.client, self.seen.resume()).await {
                Opened::Open(tail) => tail,
                Opened::Refused(why) => {
                    self.poll(&why).await?;
                    continue;
                }
                Opened::Failed(message) => {
                    self.trouble(&format!("tail: {message}"), Duration::ZERO)
                        .await?;
                    continue;
                }
            };
            self.say("tail".into()).await?;
            let opened = Instant::now();
            let mut heard = false;
            let (why, silent) = loop {
                match tail.next().await {
                    Heard::Batch { entries, dropped } => {
                        heard |= !entries.is_empty() || !dropped.is_empty();
                        let fresh = self.seen.fresh(entries);
                        self.deliver(fresh).await?;
                        self.repair(dropped).await?;
                        self.tell_losses().await?;
                    }
                    Heard::Ended { why, silent } => break (why, silent),
                }
            };
            tail.close().await;
            let brief = opened.elapsed() < REFUSED_WITHIN;
            if silent || (brief && !heard) {
                self.poll(&why).await?;
            } else if brief {
                // Ending again and again at once: wait, longer each time.
                tokio::time::sleep(self.delay).await;
                self.delay = self.longer();
            } else {
                // Routine (`tail_max_duration`, a restart): the gap is repaired above.
                self.delay = self.opts.restart_min;
            }
        }
    }

    /// Polls `query_range` every 2 s from the last line, for [`TAIL_AGAIN`].
    async fn poll(&mut self, why: &str) -> Result<(), Closed> {
        let how = format!(
            "tail refused: {why}; polling query_range every {} s",
            POLL.as_secs()
        );
        self.say(how.clone()).await?;
        let until = Instant::now() + TAIL_AGAIN;
        while Instant::now() < until {
            tokio::time::sleep(POLL).await;
            let from = self.seen.newest();
            match range(self.client, &mut self.seen, from, None).await {
                Ok(entries) => {
                    self.say(how.clone()).await?;
                    self.delay = self.opts.restart_min;
                    self.deliver(entries).await?;
                }
                Err(message) => self.trouble(&message, POLL).await?,
            }
            self.tell_losses().await?;
        }
        Ok(())
    }

    /// Says a failure with its retry delay, and waits it out (less what the caller waits anyway).
    async fn trouble(&mut self, message: &str, waits: Duration) -> Result<(), Closed> {
        let wait = self.client.wait_before_asking(self.delay);
        let retry = crate::core::duration::glance(wait);
        let message = format!("{}: {message}; asking again in {retry}", self.what);
        send(self.tx, self.source, SourceStatus::Error { message }).await?;
        self.shown.clear();
        tokio::time::sleep(wait.saturating_sub(waits)).await;
        self.delay = self.longer();
        Ok(())
    }

    fn longer(&self) -> Duration {
        self.opts.longer(self.delay)
    }

    /// Says how the source reads, when that is news.
    async fn say(&mut self, how: String) -> Result<(), Closed> {
        self.how = how;
        let mut what = format!("{} ({}", self.what, self.how);
        let losses = &self.losses;
        if losses.told > 0 {
            what.push_str(&format!(
                "; Loki dropped {} lines from its tail, {} fetched again through query_range",
                crate::core::text::thousands(losses.told),
                crate::core::text::thousands(losses.fetched)
            ));
        }
        what.push(')');
        if what != self.shown {
            self.shown.clone_from(&what);
            send(self.tx, self.source, SourceStatus::Reading { what }).await?;
        }
        Ok(())
    }

    /// Asks `query_range` for the entries Loki dropped from the tail: they are in its store.
    async fn repair(&mut self, dropped: Vec<(Labels, i64)>) -> Result<(), Closed> {
        let (Some(first), Some(last)) = (
            dropped.iter().map(|d| d.1).min(),
            dropped.iter().map(|d| d.1).max(),
        ) else {
            return Ok(());
        };
        // Below the floor what was delivered is forgotten: not asked again, counted as lost.
        let from = first.max(self.seen.floor());
        if from <= last {
            let end = last.saturating_add(1);
            match range(self.client, &mut self.seen, from, Some(end)).await {
                Ok(entries) => self.deliver(entries).await?,
                Err(why) => {
                    // No count in it: the same failure again reads the same (recorded once).
                    let message = format!(
                        "{}: asking query_range again for lines the tail dropped failed: {why}",
                        self.what
                    );
                    send(self.tx, self.source, SourceStatus::Error { message }).await?;
                }
            }
        }
        let fetched = dropped
            .iter()
            .filter(|(labels, ns)| self.seen.holds(labels, *ns))
            .count();
        self.losses.told += dropped.len() as u64;
        self.losses.fetched += fetched as u64;
        self.losses.unsaid = true;
        Ok(())
    }

    /// Says what the tail dropped, at most once a minute: the lines not fetched again as lost
    /// (recorded), or, when every one was fetched again, in the reading status.
    async fn tell_losses(&mut self) -> Result<(), Closed> {
        let losses = &mut self.losses;
        let due = losses.said_at.is_none_or(|at| at.elapsed() >= LOSSES_EVERY);
        if !(losses.unsaid && due) {
            return Ok(());
        }
        losses.unsaid = false;
        losses.said_at = Some(Instant::now());
        let lost = losses.told.saturating_sub(losses.fetched);
        if lost > losses.said_lost {
            losses.said_lost = lost;
            let status = SourceStatus::Dropped {
                by: Dropper::Loki,
                by_source: lost,
                unreadable: 0,
            };
            return send(self.tx, self.source, status).await;
        }
        self.say(self.how.clone()).await
    }

    async fn deliver(&mut self, entries: Vec<Entry>) -> Result<(), Closed> {
        deliver(self.source, self.spec, entries, self.tx, self.opts).await
    }
}

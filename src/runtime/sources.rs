//! Starting the live parts: a follower for each log source and a prober for each endpoint, each
//! shown in the app from the first frame.

use std::time::Instant;

use tokio::sync::mpsc;

use crate::app::{App, EndpointView, SourceView};
use crate::health::{EndpointHealth, EndpointSpec, ProbeResult, ProberHandle};
use crate::tail::merge::Merger;
use crate::tail::{
    BACKFILL_LINES, Backfill, SourceHandle, SourceSpec, TailEvent, TailOptions, Timing,
};

/// Batches of lines waiting for the UI: when it falls behind, the followers wait instead of piling
/// up memory.
const TAIL_QUEUE: usize = 64;
/// Probe results waiting for the UI.
const PROBE_QUEUE: usize = 1024;

/// The running followers and probers, and the queues they answer on. Dropping it stops them all.
pub(super) struct Live {
    /// What the sources send, merged in line-time order by the loop itself ([`Live::merge`]): a
    /// merger task between them and the loop cost a thread's wake-up per batch.
    pub(super) source_rx: mpsc::Receiver<TailEvent>,
    merger: Merger,
    pub(super) probe_rx: mpsc::Receiver<ProbeResult>,
    _tails: Vec<SourceHandle>,
    _probers: Vec<ProberHandle>,
    // Senders stay alive for the whole loop so an empty channel never reads as closed (no busy loop).
    _source_tx: mpsc::Sender<TailEvent>,
    _probe_tx: mpsc::Sender<ProbeResult>,
}

impl Live {
    /// Takes batches the sources sent; returns what may go to the app now, in line-time order
    /// (status changes pass straight through, after the lines).
    pub(super) fn merge(&mut self, events: impl Iterator<Item = TailEvent>) -> Vec<TailEvent> {
        self.merger.take(events, Instant::now())
    }

    /// When a held line falls due (see [`Merger::next_due`]).
    pub(super) fn next_due(&self) -> Option<Instant> {
        self.merger.next_due()
    }

    /// The held lines whose time has come.
    pub(super) fn release(&mut self) -> Vec<TailEvent> {
        self.merger.release(Instant::now())
    }
}

/// Starts every source and endpoint, adding each to the app's panels.
pub(super) fn start(
    app: &mut App,
    logs: Vec<(String, SourceSpec, Timing)>,
    options: &TailOptions,
    endpoints: Vec<EndpointSpec>,
) -> Live {
    // Sources send to the loop, whose merger puts their lines in line-time order for the app.
    let (source_tx, source_rx) = mpsc::channel(TAIL_QUEUE);
    let reorders = logs.iter().map(|(_, _, timing)| timing.reorder).collect();
    let mut tails = Vec::new();
    // The hour before: lines from before the incident, so rates, the baseline and NEW compare
    // with it (not for a session that reads whole files anyway, like the demo).
    let start = app.incident.start().unwrap_or_else(chrono::Utc::now);
    for (i, (name, spec, timing)) in logs.into_iter().enumerate() {
        app.sources.push(SourceView {
            status: "starting".into(),
            vitals: crate::tail::vitals::Vitals::new(timing.silent_after),
            ..SourceView::new(name)
        });
        let backfill = (!options.from_start).then(|| Backfill {
            since: chrono::TimeDelta::from_std(timing.backfill)
                .ok()
                .and_then(|back| start.checked_sub_signed(back))
                .unwrap_or(chrono::DateTime::<chrono::Utc>::MIN_UTC),
            max_lines: BACKFILL_LINES,
        });
        let options = TailOptions {
            times: timing.times,
            backfill,
            ..options.clone()
        };
        tails.push(crate::tail::spawn_source(i, spec, source_tx.clone(), options));
    }
    let (probe_tx, probe_rx) = mpsc::channel(PROBE_QUEUE);
    let client = crate::health::Prober::new();
    let mut probers = Vec::new();
    for (i, spec) in endpoints.into_iter().enumerate() {
        app.endpoints.push(EndpointView {
            name: spec.name.clone(),
            url: spec.url.clone(),
            health: EndpointHealth::new(spec.threshold),
            insecure_tls: spec.insecure_tls,
            episode: None,
            episode_adopted: false,
            interval: spec.interval,
        });
        probers.push(crate::health::spawn_prober(
            i,
            spec,
            client.clone(),
            probe_tx.clone(),
        ));
    }
    Live {
        source_rx,
        merger: Merger::new(reorders),
        probe_rx,
        _tails: tails,
        _probers: probers,
        _source_tx: source_tx,
        _probe_tx: probe_tx,
    }
}

//! The runtime: the terminal, the I/O tasks, the timeline writer thread and the loop that feeds
//! `update()` and carries out what it asks for.
//!
//! ```text
//!  terminal.rs   raw mode and the alternate screen, restored on every way out; mouse → Msg
//!  sources.rs    a follower per log source, a prober per endpoint
//!  writer.rs     the timeline writer thread and the UI's never-blocking queue to it
//!  share.rs      a shared incident's sync with the team's store, in a thread of its own
//!  presence.rs   this cockpit's heartbeat and who else is here, in a thread of its own
//!  effects.rs    Command → append, export, run, cancel, deliver
//!  event_loop.rs one select! over keys, queues, ticks and signals; drawing at most ~30 fps
//! ```

// The shell stays thin: no function here grows past 80 lines (clippy.toml sets the threshold).
#![warn(clippy::too_many_lines)]

mod effects;
mod event_loop;
pub mod presence;
mod share;
mod sources;
mod terminal;
mod writer;

use std::sync::Arc;

use tokio::sync::mpsc;

use crate::app::{self, App, Msg};
use crate::health::EndpointSpec;
use crate::tail::{SourceSpec, TailOptions, Timing};
use crate::timeline::TimelineWriter;
use crate::ui::{self, Theme};

pub use terminal::install_panic_hook;

/// Messages waiting for the UI loop from the writer thread and the tasks, at most. Key presses do
/// not go through it: they are read straight from the terminal, so none is ever dropped.
const MSG_QUEUE: usize = 1024;

/// Everything a cockpit session needs: the state, the open timeline, and what to follow and probe.
pub struct Session {
    /// The state, already replayed from the timeline.
    pub app: App,
    /// The open timeline.
    pub writer: TimelineWriter,
    /// Log sources: name, what to follow, and how its lines' own times are read.
    pub logs: Vec<(String, SourceSpec, Timing)>,
    /// Whether to read log files from their start (the demo) or only new lines.
    pub tail_options: TailOptions,
    /// Endpoints to probe.
    pub endpoints: Vec<EndpointSpec>,
    /// Secret values the config references, kept out of exports.
    pub secrets: Vec<String>,
    /// Where status updates go.
    pub destinations: Vec<crate::act::Destination>,
    /// Capture the mouse (clicks focus, the wheel scrolls); off unless asked for.
    pub mouse: bool,
    /// A shared incident's store and how often to read it.
    pub share: Option<(crate::share::store::Store, std::time::Duration)>,
}

/// How the session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// The user quit.
    Quit,
    /// A signal (SIGTERM, SIGHUP, SIGINT) ended it.
    Signal,
}

/// Runs the cockpit until the user quits or a signal arrives. The terminal is restored in every case.
pub async fn run(session: Session, theme: Theme) -> anyhow::Result<Exit> {
    let Session {
        mut app,
        writer,
        logs,
        tail_options,
        endpoints,
        secrets,
        destinations,
        mouse,
        share,
    } = session;
    let timeline = writer.path().to_path_buf();
    let mut writer = writer;
    let windows = agreement_windows(&endpoints);
    writer.set_agreement_windows(windows.clone());
    let (msg_tx, msg_rx) = mpsc::channel::<Msg>(MSG_QUEUE);
    let place = presence::Place::of(&timeline, share.as_ref().map(|(store, _)| store));
    let sharer = share.map(|s| share::spawn(&timeline, s, windows, msg_tx.clone()));
    let here = presence::spawn(place, presence::me(&mut app), msg_tx.clone());
    let (appender, writer_thread) = writer::spawn_writer(writer, msg_tx.clone());
    let live = sources::start(&mut app, logs, &tail_options, endpoints);
    let (runs_tx, runs_rx) = mpsc::channel(64);
    let effects = effects::Effects {
        out: msg_tx,
        appender,
        timeline: timeline.clone(),
        runbooks: app.runbooks.clone(),
        secrets,
        destinations,
        runs_tx,
        runs: Vec::new(),
        http: Arc::default(),
    };
    // Before the first frame: a signal that arrives once the cockpit shows must find its handler.
    let clocks = event_loop::Clocks::new()?;
    let (guard, mut screen) = terminal::TerminalGuard::enter(mouse)?;
    screen.clear()?;
    screen.draw(|f| ui::draw(f, &app, &theme))?;
    let viewport = ui::viewport(screen.get_frame().area(), &app);
    app::update(&mut app, Msg::Resize(viewport));
    let mut cockpit = event_loop::Cockpit {
        app,
        theme,
        screen,
        mouse,
        effects,
        live,
        msg_rx,
        runs_rx,
        pace: event_loop::Pace::default(),
    };
    cockpit.apply(vec![Msg::Join]);
    let ended = cockpit.run(clocks).await;
    if !cockpit.app.quit {
        // Ended by a signal: the session still leaves the record (a quit did already).
        cockpit.apply(vec![Msg::Leave]);
    }
    let event_loop::Cockpit {
        mut app,
        screen,
        effects,
        live,
        mut msg_rx,
        ..
    } = cockpit;
    drop(live);
    here.stop();
    // Our queued events stay in the outbox for the next session or `sitrep sync`.
    drop(sharer);
    drop(screen);
    drop(guard);
    finish_writes(&mut app, effects, &mut msg_rx, writer_thread).await;
    report_unwritten(&app, &timeline);
    ended
}

/// Two probe intervals of each endpoint: two cockpits that see its change that close saw one.
fn agreement_windows(endpoints: &[EndpointSpec]) -> std::collections::HashMap<String, chrono::TimeDelta> {
    endpoints
        .iter()
        .map(|e| {
            let two = chrono::TimeDelta::from_std(e.interval * 2).unwrap_or_default();
            (e.name.clone(), two)
        })
        .collect()
}

/// Hands the writer what is still waiting and waits for it to end, applying its answers, so an
/// append in flight is neither cut off nor reported as unwritten once it was written.
async fn finish_writes(
    app: &mut App,
    effects: effects::Effects,
    msg_rx: &mut mpsc::Receiver<Msg>,
    thread: std::thread::JoinHandle<()>,
) {
    let appender = effects.appender;
    let mut done = tokio::task::spawn_blocking(move || {
        appender.finish();
        let _ = thread.join();
    });
    loop {
        tokio::select! {
            _ = &mut done => break,
            Some(msg) = msg_rx.recv() => answer(app, msg),
        }
    }
    while let Ok(msg) = msg_rx.try_recv() {
        answer(app, msg);
    }
}

fn answer(app: &mut App, msg: Msg) {
    if matches!(msg, Msg::Appended { .. } | Msg::AppendFailed { .. }) {
        app::update(app, msg);
    }
}

fn report_unwritten(app: &App, timeline: &std::path::Path) {
    for p in app.pending.values() {
        eprintln!(
            "NOT RECORDED: {}",
            crate::core::sanitize::sanitize(p.event.summary().as_bytes())
        );
    }
    eprintln!(
        "timeline: {}",
        crate::core::sanitize::sanitize(timeline.as_os_str().as_encoded_bytes())
    );
}

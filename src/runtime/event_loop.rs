//! One `select!` over the terminal, the queues, the clock and the signals. A key press is drawn at
//! once; everything else waits for the next frame tick (~30 a second) and coalesces, and log lines
//! alone redraw at most [`LINES_FRAME`] apart (~15 a second): a flood scrolls as smoothly as anyone
//! can read it, at half the drawing.

use std::time::Duration;

use crossterm::event::{Event as TermEvent, EventStream, KeyEventKind};
use futures_util::StreamExt;
use ratatui::layout::Rect;
use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::mpsc;
use tokio::time::{Interval, MissedTickBehavior};

use super::Exit;
use super::effects::Effects;
use super::sources::Live;
use super::terminal::{Screen, mouse_msg};
use crate::act::RunEvent;
use crate::app::{self, App, Flash, Msg};
use crate::ui::{self, Theme};

/// The cockpit while it runs: the state, the screen, and every queue that feeds it.
pub(super) struct Cockpit {
    pub(super) app: App,
    pub(super) theme: Theme,
    pub(super) screen: Screen,
    pub(super) mouse: bool,
    pub(super) effects: Effects,
    pub(super) live: Live,
    pub(super) msg_rx: mpsc::Receiver<Msg>,
    pub(super) runs_rx: mpsc::Receiver<RunEvent>,
    pub(super) pace: Pace,
}

/// The shortest time between two frames drawn only because log lines arrived.
const LINES_FRAME: Duration = Duration::from_millis(66);

/// What changed since the last frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Dirt {
    Clean,
    /// Only log lines: drawn at most every [`LINES_FRAME`].
    Lines,
    /// Anything else: drawn at the next frame tick.
    Other,
}

/// The share of the loop's time log lines may take: about half a core. A source that writes
/// faster than the cockpit takes its lines waits (its queue fills, then its pipe or its file
/// offset), is shown as behind, and keys and drawing stay as quick as ever.
const INGEST_SHARE: f64 = 0.5;

/// What log lines have cost beyond their share, and which sources had to wait.
#[derive(Debug)]
pub(super) struct Pace {
    /// Time taken by lines and not yet earned back (a batch may cost more than a frame).
    debt: Duration,
    earned_at: std::time::Instant,
    /// Sources whose lines arrived while in debt since the last frame (they had more to give).
    waiting: std::collections::BTreeSet<usize>,
    /// Sources the app was last told are behind.
    shown: Vec<usize>,
}

impl Default for Pace {
    fn default() -> Self {
        Pace {
            debt: Duration::ZERO,
            earned_at: std::time::Instant::now(),
            waiting: std::collections::BTreeSet::new(),
            shown: Vec::new(),
        }
    }
}

impl Pace {
    fn has_room(&self) -> bool {
        self.debt.is_zero()
    }

    /// Whether frames still have something to settle: a debt to earn back, sources to report.
    fn busy(&self) -> bool {
        !self.debt.is_zero() || !self.waiting.is_empty() || !self.shown.is_empty()
    }

    /// Counts the time lines took, less the share earned since. `more`: lines were still queued
    /// after these; in debt, their sources now wait (a trickle that the loop takes as it comes
    /// never waits, however long a batch took).
    fn spend(&mut self, took: Duration, sources: impl Iterator<Item = usize>, more: bool) {
        self.earn();
        self.debt += took;
        if more && !self.has_room() {
            self.waiting.extend(sources);
        }
    }

    fn earn(&mut self) {
        let now = std::time::Instant::now();
        let earned = (now - self.earned_at).mul_f64(INGEST_SHARE);
        self.earned_at = now;
        self.debt = self.debt.saturating_sub(earned);
    }

    /// At a frame: the share earned since; the sources behind now, when that changed.
    fn frame(&mut self) -> Option<Vec<usize>> {
        self.earn();
        if !self.has_room() {
            // Still paying for lines: whoever was waiting still is.
            return None;
        }
        let now: Vec<usize> = std::mem::take(&mut self.waiting).into_iter().collect();
        (now != self.shown).then(|| {
            self.shown.clone_from(&now);
            now
        })
    }
}

/// What one turn of the loop brought.
enum Turn {
    /// Messages for `update()`.
    Msgs(Vec<Msg>),
    /// Log lines and source news for `update()`, paced (see [`Pace`]).
    Tails(Vec<Msg>),
    /// Time to draw, if anything changed.
    Frame,
    /// The session is over.
    End(Result<Exit, String>),
}

/// The timers and the signals the loop waits on. Made before the first frame is drawn: a SIGTERM that
/// arrives as soon as the cockpit shows must find its handler, or the terminal is left raw.
pub(super) struct Clocks {
    frame: Interval,
    clock: Interval,
    sigterm: Signal,
    sighup: Signal,
    sigint: Signal,
    sigquit: Signal,
    sigtstp: Signal,
    sigcont: Signal,
}

fn every(ms: u64) -> Interval {
    let mut i = tokio::time::interval(Duration::from_millis(ms));
    i.set_missed_tick_behavior(MissedTickBehavior::Skip);
    i
}

impl Clocks {
    /// The frame and clock timers, and handlers for SIGTERM, SIGHUP, SIGINT and SIGQUIT (which end
    /// the session with the terminal restored), SIGTSTP (suspend) and SIGCONT (repaint).
    pub(super) fn new() -> std::io::Result<Clocks> {
        Ok(Clocks {
            frame: every(33),
            clock: every(500),
            sigterm: signal(SignalKind::terminate())?,
            sighup: signal(SignalKind::hangup())?,
            sigint: signal(SignalKind::interrupt())?,
            sigquit: signal(SignalKind::quit())?,
            sigtstp: signal(SignalKind::from_raw(rustix::process::Signal::TSTP.as_raw()))?,
            sigcont: signal(SignalKind::from_raw(rustix::process::Signal::CONT.as_raw()))?,
        })
    }
}

/// Keys, mouse and resizes, read by a task of their own and handed over a channel. Polling
/// crossterm's `EventStream` takes its global reader lock with a zero timeout while the stream's
/// thread holds it waiting for input: the failed try spins and yields the CPU seven times. Polled
/// in the loop's `select!`, that happened on every turn (some 500 `sched_yield`s a second while a
/// file grew by 10,000 lines a second); the task polls the stream only when it has woken it.
struct TerminalInput {
    rx: mpsc::Receiver<std::io::Result<TermEvent>>,
    reader: tokio::task::JoinHandle<()>,
}

impl TerminalInput {
    fn start() -> Self {
        let (tx, rx) = mpsc::channel(64);
        let reader = tokio::spawn(async move {
            let mut events = EventStream::new();
            while let Some(event) = events.next().await {
                if tx.send(event).await.is_err() {
                    return;
                }
            }
        });
        Self { rx, reader }
    }
}

impl Drop for TerminalInput {
    /// The stream stops reading the terminal when the cockpit ends, as it did when it was the loop's own.
    fn drop(&mut self) {
        self.reader.abort();
    }
}

impl Cockpit {
    /// Runs until the user quits, a signal arrives, or the terminal fails.
    pub(super) async fn run(&mut self, mut clocks: Clocks) -> anyhow::Result<Exit> {
        let mut events = TerminalInput::start();
        let mut dirty = Dirt::Other;
        let mut drawn_at = std::time::Instant::now();
        loop {
            // With nothing to draw and no source to pace, the frame timer sleeps: an idle cockpit
            // wakes for its clock, not 30 times a second.
            let frames = dirty != Dirt::Clean || self.pace.busy();
            match self.turn(&mut events, &mut clocks, frames).await? {
                Turn::End(Ok(exit)) => return Ok(exit),
                // Not a quit: the user must learn the cockpit ended because it could not read keys.
                Turn::End(Err(why)) => anyhow::bail!("{why}; sitrep stopped"),
                Turn::Frame => {
                    if let Some(behind) = self.pace.frame() {
                        self.apply(vec![Msg::Behind(behind)]);
                        dirty = Dirt::Other;
                    }
                    let due = match dirty {
                        Dirt::Clean => false,
                        Dirt::Lines => drawn_at.elapsed() >= LINES_FRAME,
                        Dirt::Other => true,
                    };
                    if due {
                        self.draw()?;
                        drawn_at = std::time::Instant::now();
                        dirty = Dirt::Clean;
                    }
                }
                // Every line of the batch is held for its order: nothing to show yet.
                Turn::Tails(msgs) if msgs.is_empty() => {}
                Turn::Tails(msgs) => {
                    let sources: Vec<usize> = msgs
                        .iter()
                        .filter_map(|m| match m {
                            Msg::Tail(crate::tail::TailEvent::Lines { source, .. }) => {
                                Some(*source)
                            }
                            _ => None,
                        })
                        .collect();
                    let started = std::time::Instant::now();
                    if self.take(msgs) {
                        return Ok(Exit::Quit);
                    }
                    let more = !self.live.source_rx.is_empty();
                    self.pace.spend(started.elapsed(), sources.into_iter(), more);
                    dirty = dirty.max(Dirt::Lines);
                }
                Turn::Msgs(msgs) => {
                    // A key press is drawn at once rather than at the next frame tick.
                    let typed = msgs
                        .iter()
                        .any(|m| matches!(m, Msg::Key(_) | Msg::Paste(_) | Msg::Resize(_)));
                    if self.take(msgs) {
                        return Ok(Exit::Quit);
                    }
                    dirty = Dirt::Other;
                    if typed {
                        self.draw()?;
                        drawn_at = std::time::Instant::now();
                        dirty = Dirt::Clean;
                    }
                }
            }
        }
    }

    async fn turn(
        &mut self,
        events: &mut TerminalInput,
        c: &mut Clocks,
        frames: bool,
    ) -> anyhow::Result<Turn> {
        let (mut tails, mut probes) = (Vec::new(), Vec::new());
        // Lines of several sources held for their order, until the first of them falls due.
        let due = self.live.next_due();
        let turn = tokio::select! {
            maybe = events.rx.recv() => match maybe {
                Some(Ok(event)) => Turn::Msgs(self.terminal_event(event)?),
                Some(Err(e)) => Turn::End(Err(format!("reading the terminal failed: {e}"))),
                None => Turn::End(Err("the terminal stopped sending input".into())),
            },
            n = self.live.source_rx.recv_many(&mut tails, 8), if self.pace.has_room() => {
                let merged = self.live.merge(tails.drain(..n));
                Turn::Tails(merged.into_iter().map(Msg::Tail).collect())
            }
            () = crate::tail::merge::sleep_until(due), if due.is_some() => {
                Turn::Tails(self.live.release().into_iter().map(Msg::Tail).collect())
            }
            n = self.live.probe_rx.recv_many(&mut probes, 64) => {
                Turn::Msgs(probes.drain(..n).map(Msg::Probe).collect())
            }
            Some(event) = self.runs_rx.recv() => Turn::Msgs(vec![Msg::Run(event)]),
            Some(msg) = self.msg_rx.recv() => {
                let mut msgs = vec![msg];
                while msgs.len() < 64 && let Ok(m) = self.msg_rx.try_recv() {
                    msgs.push(m);
                }
                Turn::Msgs(msgs)
            }
            _ = c.clock.tick() => Turn::Msgs(vec![Msg::Tick(chrono::Utc::now())]),
            _ = c.frame.tick(), if frames => Turn::Frame,
            _ = c.sigterm.recv() => Turn::End(Ok(Exit::Signal)),
            _ = c.sighup.recv() => Turn::End(Ok(Exit::Signal)),
            _ = c.sigint.recv() => Turn::End(Ok(Exit::Signal)),
            _ = c.sigquit.recv() => Turn::End(Ok(Exit::Signal)),
            _ = c.sigtstp.recv() => {
                self.suspend()?;
                Turn::Frame
            }
            _ = c.sigcont.recv() => {
                // Continued after a stop sitrep did not ask for (SIGSTOP): take the terminal again.
                super::terminal::resume(self.mouse)?;
                self.repaint_whole()?;
                Turn::Frame
            }
        };
        Ok(turn)
    }

    /// Ctrl-Z or SIGTSTP: the terminal goes back to the shell and sitrep stops until `fg`; then the
    /// whole screen is drawn again.
    fn suspend(&mut self) -> anyhow::Result<()> {
        super::terminal::suspend(self.mouse)?;
        self.repaint_whole()
    }

    /// Clears the screen and draws every cell again (the terminal's content is not known after a
    /// stop). Through `resize`, which does not ask the terminal where its cursor is: that answer
    /// would race the key reader.
    fn repaint_whole(&mut self) -> anyhow::Result<()> {
        let size = self.screen.size()?;
        self.screen.resize(Rect::new(0, 0, size.width, size.height))?;
        self.draw()?;
        Ok(())
    }

    fn terminal_event(&mut self, event: TermEvent) -> anyhow::Result<Vec<Msg>> {
        Ok(match event {
            // In raw mode Ctrl-Z is a key, not a signal: it suspends as the shell's would.
            TermEvent::Key(key)
                if key.kind == KeyEventKind::Press
                    && key.code == crossterm::event::KeyCode::Char('z')
                    && key.modifiers.contains(crossterm::event::KeyModifiers::CONTROL) =>
            {
                self.suspend()?;
                Vec::new()
            }
            TermEvent::Key(key) if key.kind == KeyEventKind::Press => vec![Msg::Key(key)],
            // Bracketed paste: the text arrives whole, so its newlines and letters are never keys.
            TermEvent::Paste(text) => vec![Msg::Paste(text)],
            TermEvent::Resize(w, h) => {
                // Always a full repaint: a shrink and a grow back within one frame leave the size
                // unchanged, and ratatui would redraw only the cells it thinks changed.
                let area = Rect::new(0, 0, w, h);
                self.screen.resize(area)?;
                vec![Msg::Resize(ui::viewport(area, &self.app))]
            }
            TermEvent::Mouse(event) if self.mouse => {
                // The area last drawn is the one the user clicked on (and asks nothing of the tty).
                let screen = self.screen.get_frame().area();
                let zoomed = self.app.zoom.then_some(self.app.focus);
                mouse_msg(&event, screen, zoomed).into_iter().collect()
            }
            _ => Vec::new(),
        })
    }

    /// Applies messages and follows the layout they may have changed; whether the user quit.
    fn take(&mut self, msgs: Vec<Msg>) -> bool {
        self.apply(msgs);
        if self.app.quit {
            return true;
        }
        self.follow_viewport();
        false
    }

    /// Feeds messages to `update()` and carries out what it asks, including the answers effects
    /// give at once (an append the writer can no longer take).
    pub(super) fn apply(&mut self, msgs: Vec<Msg>) {
        // What is asked for now happened now: an action's `ts` is the key press, not the last tick
        // (up to half a second before).
        self.app.now = self.app.now.max(chrono::Utc::now());
        let mut queue: std::collections::VecDeque<Msg> = msgs.into();
        queue.extend(self.effects.flush());
        while let Some(msg) = queue.pop_front() {
            // The clipboard sequence is written here, between frames, never from a task mid-draw.
            if let Msg::Delivered { delivery, .. } = &msg
                && let Some(osc) = &delivery.osc52
            {
                use std::io::Write;
                let out = self.screen.backend_mut();
                let _ = out.write_all(osc.as_bytes());
                let _ = out.flush();
            }
            for command in app::update(&mut self.app, msg) {
                if let app::Command::Copy { text } = &command {
                    self.copy(text);
                }
                queue.extend(self.effects.execute(command));
            }
        }
        let waiting = self.effects.appender.waiting();
        if waiting > 0 {
            let text = format!("writer busy: {waiting} waiting");
            app::update(&mut self.app, Msg::Flash(Flash { text, error: true }));
        }
    }

    /// Puts `text` on the clipboard through the terminal (OSC 52), between frames.
    fn copy(&mut self, text: &str) {
        use std::io::Write;
        let end = (0..=text.len().min(crate::act::MAX_CLIPBOARD_BYTES))
            .rev()
            .find(|&i| text.is_char_boundary(i))
            .unwrap_or(0);
        let out = self.screen.backend_mut();
        let _ = out.write_all(crate::act::osc52(&text[..end]).as_bytes());
        let _ = out.flush();
    }

    /// A zoom or a new log source changes what each panel shows; paging needs to know.
    fn follow_viewport(&mut self) {
        let viewport = ui::viewport(self.screen.get_frame().area(), &self.app);
        if viewport != self.app.viewport {
            app::update(&mut self.app, Msg::Resize(viewport));
        }
    }

    fn draw(&mut self) -> std::io::Result<()> {
        let (app, theme) = (&self.app, &self.theme);
        self.screen.draw(|f| ui::draw(f, app, theme))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_is_behind_only_when_its_lines_had_to_wait() {
        let mut pace = Pace::default();
        // A trickle: each batch is taken as it comes, nothing left queued.
        pace.spend(Duration::from_millis(5), [0].into_iter(), false);
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(pace.frame(), None, "nobody waited, nothing to say");
        // A flood: lines still queued after a batch that put the loop in debt.
        pace.spend(Duration::from_millis(5), [1].into_iter(), true);
        assert!(!pace.has_room());
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(pace.frame(), Some(vec![1]));
        // Caught up: said once that it no longer is.
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(pace.frame(), Some(vec![]));
        assert_eq!(pace.frame(), None);
        // Nothing left to settle: the frame timer may sleep.
        assert!(!pace.busy());
        pace.spend(Duration::from_millis(5), [0].into_iter(), false);
        assert!(pace.busy(), "a debt to earn back keeps frames coming");
    }
}

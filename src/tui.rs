//! The terminal shell: sets the terminal up and always restores it, runs the I/O tasks, and loops over
//! one `select!` of keys, channels, ticks and signals, drawing at most ~30 frames a second.

use std::io::{self, Stdout};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc as std_mpsc;
use std::time::Duration;

use crossterm::event::{
    DisableMouseCapture, EnableMouseCapture, Event as TermEvent, EventStream, KeyEventKind,
    MouseButton, MouseEvent, MouseEventKind,
};
use crossterm::terminal::{self, EnterAlternateScreen, LeaveAlternateScreen};
use crossterm::{cursor, execute};
use futures_util::StreamExt;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use tokio::sync::mpsc;

use crate::app::mouse::{Mouse, Pointer};
use crate::app::{self, App, Command, EndpointView, Flash, Msg, SourceView};
use crate::health::{EndpointHealth, EndpointSpec};
use crate::tail::{SourceSpec, TailOptions};
use crate::timeline::{Event, TimelineWriter};
use crate::ui::{self, Theme};

/// Everything a cockpit session needs: the state, the open timeline, and what to follow and probe.
pub struct Session {
    /// The state, already replayed from the timeline.
    pub app: App,
    /// The open timeline.
    pub writer: TimelineWriter,
    /// Log sources: name and what to follow.
    pub logs: Vec<(String, SourceSpec)>,
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
}

/// Restores the terminal when dropped, whatever way the loop ends.
struct TerminalGuard;

impl TerminalGuard {
    fn enter(mouse: bool) -> io::Result<(TerminalGuard, Terminal<CrosstermBackend<Stdout>>)> {
        terminal::enable_raw_mode()?;
        let guard = TerminalGuard;
        execute!(io::stdout(), EnterAlternateScreen, cursor::Hide)?;
        if mouse {
            execute!(io::stdout(), EnableMouseCapture)?;
        }
        let terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
        Ok((guard, terminal))
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal();
    }
}

fn restore_terminal() {
    // Unconditionally: the panic hook cannot know whether it was on, and turning it off twice is
    // harmless, while a shell left capturing the mouse is not.
    let _ = execute!(io::stdout(), DisableMouseCapture);
    let _ = execute!(io::stdout(), LeaveAlternateScreen, cursor::Show);
    let _ = terminal::disable_raw_mode();
}

/// Makes a panic restore the terminal before the message is printed, so it is readable.
pub fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        // Only a panic of the UI thread ends the session; a task's panic ends that task, and
        // restoring the terminal under a cockpit that keeps drawing would garble the screen.
        if std::thread::current().name() == Some("main") {
            restore_terminal();
        }
        previous(info);
    }));
}

/// What the timeline thread is told.
enum WriterMsg {
    /// Append an event and answer with `Appended` or `AppendFailed`.
    Append {
        req: u64,
        actor: String,
        event: Event,
    },
    /// The file changed on disk (a notify hint): look for lines others appended.
    Changed,
    /// The session is over. (The watcher holds a sender too, so a dropped channel is no signal.)
    Stop,
}

/// Runs the timeline writer on its own thread: appends are blocking, synced file I/O and must never
/// stall the UI. Lines other processes append are noticed through notify and, since notify events are
/// only hints (some file systems send none), a short timer as well.
fn spawn_writer(
    mut writer: TimelineWriter,
    out: mpsc::UnboundedSender<Msg>,
) -> (std_mpsc::Sender<WriterMsg>, std::thread::JoinHandle<()>) {
    let (tx, rx) = std_mpsc::channel::<WriterMsg>();
    let watcher = watch_file(writer.path(), tx.clone());
    let handle = std::thread::spawn(move || {
        let _watcher = watcher;
        let mut last_error: Option<String> = None;
        loop {
            let poll = match rx.recv_timeout(Duration::from_millis(500)) {
                Ok(WriterMsg::Append { req, actor, event }) => {
                    let msg = match writer.append(&actor, event) {
                        Ok(appended) => Msg::Appended { req, appended },
                        Err(e) => Msg::AppendFailed {
                            req,
                            error: e.to_string(),
                        },
                    };
                    if out.send(msg).is_err() {
                        return;
                    }
                    false
                }
                Ok(WriterMsg::Changed) | Err(std_mpsc::RecvTimeoutError::Timeout) => true,
                Ok(WriterMsg::Stop) | Err(std_mpsc::RecvTimeoutError::Disconnected) => return,
            };
            if !poll {
                continue;
            }
            let msg = match writer.poll() {
                Ok(report) => {
                    last_error = None;
                    let mut msgs = Vec::new();
                    if let Some(p) = report.problems.first() {
                        msgs.push(Msg::Flash(Flash {
                            text: format!("timeline: another writer's line is damaged: {p}"),
                            error: true,
                        }));
                    }
                    if !report.records.is_empty() {
                        msgs.push(Msg::External(report.records));
                    }
                    msgs
                }
                Err(e) => {
                    let text = e.to_string();
                    if last_error.as_deref() == Some(text.as_str()) {
                        continue;
                    }
                    last_error = Some(text.clone());
                    vec![Msg::Flash(Flash { text, error: true })]
                }
            };
            for m in msg {
                if out.send(m).is_err() {
                    return;
                }
            }
        }
    });
    (tx, handle)
}

/// Watches the timeline's folder and nudges the writer thread when the file changes. `None` when the
/// platform offers no watcher; the timer still finds the lines.
fn watch_file(
    path: &std::path::Path,
    tx: std_mpsc::Sender<WriterMsg>,
) -> Option<notify::RecommendedWatcher> {
    use notify::Watcher;
    let name = path.file_name()?.to_os_string();
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        if let Ok(event) = res
            && event
                .paths
                .iter()
                .any(|p| p.file_name() == Some(name.as_os_str()))
        {
            let _ = tx.send(WriterMsg::Changed);
        }
    })
    .ok()?;
    watcher
        .watch(&dir, notify::RecursiveMode::NonRecursive)
        .ok()?;
    Some(watcher)
}

/// Exports the timeline next to its file (`<name>.<ext>`), for `:export`.
fn export_beside(
    timeline: &std::path::Path,
    format: &str,
    runbooks: &[crate::runbook::Runbook],
    secrets: &[String],
) -> Flash {
    let result = (|| -> anyhow::Result<PathBuf> {
        let format: crate::export::Format = format.parse()?;
        let report = crate::timeline::read(timeline)?;
        let input = crate::export::ExportInput {
            records: &report.records,
            runbooks,
            secrets,
            timeline_path: &timeline.display().to_string(),
        };
        let text = crate::export::render(format, &input);
        let stem = timeline
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let out = timeline.with_file_name(format!("{stem}.postmortem.{}", format.extension()));
        if out == timeline {
            anyhow::bail!("the export would overwrite the timeline itself");
        }
        crate::export::write_atomic(&out, &text)?;
        Ok(out)
    })();
    match result {
        Ok(out) => Flash {
            text: format!("exported to {}", out.display()),
            error: false,
        },
        Err(e) => Flash {
            text: format!("export failed: {e:#}"),
            error: true,
        },
    }
}

/// A terminal mouse event as the app sees it: a click or a wheel turn over a panel. Moves, drags,
/// releases and other buttons are nothing to the cockpit.
pub fn mouse_msg(event: &MouseEvent, screen: Rect, zoomed: Option<app::Panel>) -> Option<Msg> {
    let pointer = match event.kind {
        MouseEventKind::Down(MouseButton::Left) => Pointer::Click,
        MouseEventKind::ScrollUp => Pointer::WheelUp,
        MouseEventKind::ScrollDown => Pointer::WheelDown,
        _ => return None,
    };
    let panel = ui::panel_at(screen, event.column, event.row, zoomed);
    Some(Msg::Mouse(Mouse { pointer, panel }))
}

/// The client status updates are sent with, built once on first use.
type HttpClient = Arc<std::sync::OnceLock<Result<reqwest::Client, String>>>;

fn http_client(cell: &HttpClient) -> Result<reqwest::Client, String> {
    cell.get_or_init(|| {
        crate::core::http::client_builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| e.to_string())
    })
    .clone()
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
    } = session;
    let timeline_path: PathBuf = writer.path().to_path_buf();
    let (msg_tx, mut msg_rx) = mpsc::unbounded_channel::<Msg>();
    let (append_tx, writer_thread) = spawn_writer(writer, msg_tx.clone());

    // A small queue: when the UI falls behind, the followers wait instead of piling up memory.
    let (tail_tx, mut tail_rx) = mpsc::channel(64);
    let mut tail_handles = Vec::new();
    for (i, (name, spec)) in logs.into_iter().enumerate() {
        app.sources.push(SourceView {
            status: "starting".into(),
            ..SourceView::new(name)
        });
        tail_handles.push(crate::tail::spawn_source(
            i,
            spec,
            tail_tx.clone(),
            tail_options.clone(),
        ));
    }
    // Senders stay alive for the whole loop so an empty channel never reads as closed (no busy loop).
    let _tail_keep = tail_tx;

    let (probe_tx, mut probe_rx) = mpsc::channel(1024);
    let client = crate::health::Prober::new();
    let mut probe_handles = Vec::new();
    for (i, spec) in endpoints.into_iter().enumerate() {
        app.endpoints.push(EndpointView {
            name: spec.name.clone(),
            url: spec.url.clone(),
            health: EndpointHealth::new(spec.threshold),
            insecure_tls: spec.insecure_tls,
        });
        probe_handles.push(crate::health::spawn_prober(
            i,
            spec,
            client.clone(),
            probe_tx.clone(),
        ));
    }
    let _probe_keep = probe_tx;

    let (run_tx, mut run_rx) = mpsc::channel(64);
    let mut runs: Vec<crate::act::RunHandle> = Vec::new();
    let mut run_batch = Vec::with_capacity(16);
    // Built by the first delivery task, off the UI loop: loading the system's certificates takes tens
    // of milliseconds that neither startup nor a key press should pay.
    let http: HttpClient = Arc::default();

    let (_guard, mut terminal) = TerminalGuard::enter(mouse)?;
    terminal.clear()?;
    let mut events = EventStream::new();
    let mut frame = tokio::time::interval(Duration::from_millis(33));
    frame.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut clock = tokio::time::interval(Duration::from_millis(500));
    clock.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let mut sighup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())?;
    let mut sigint = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;

    let mut dirty = true;
    let mut exit = Exit::Quit;
    let mut broken: Option<String> = None;
    let mut tail_batch = Vec::with_capacity(64);
    let mut probe_batch = Vec::with_capacity(64);
    let mut msg_batch = Vec::with_capacity(64);
    terminal.draw(|f| ui::draw(f, &app, &theme))?;
    let viewport = ui::viewport(terminal.get_frame().area(), &app);
    app::update(&mut app, Msg::Resize(viewport));
    loop {
        let mut msgs: Vec<Msg> = Vec::new();
        tokio::select! {
            maybe = events.next() => match maybe {
                Some(Ok(TermEvent::Key(key))) if key.kind == KeyEventKind::Press => msgs.push(Msg::Key(key)),
                Some(Ok(TermEvent::Resize(w, h))) => {
                    // Always a full repaint: a shrink and a grow back within one frame leave the
                    // size unchanged, and ratatui would redraw only the cells it thinks changed.
                    terminal.resize(ratatui::layout::Rect::new(0, 0, w, h))?;
                    msgs.push(Msg::Resize(ui::viewport(ratatui::layout::Rect::new(0, 0, w, h), &app)));
                }
                Some(Ok(TermEvent::Mouse(event))) if mouse => {
                    // The area last drawn is the one the user clicked on (and asks nothing of the tty).
                    let screen = terminal.get_frame().area();
                    let zoomed = app.zoom.then_some(app.focus);
                    msgs.extend(mouse_msg(&event, screen, zoomed));
                }
                Some(Ok(_)) => {}
                // Not a quit: the user must learn the cockpit ended because it could not read keys.
                Some(Err(e)) => { broken = Some(format!("reading the terminal failed: {e}")); break; }
                None => { broken = Some("the terminal stopped sending input".into()); break; }
            },
            n = tail_rx.recv_many(&mut tail_batch, 64) => {
                if n > 0 { msgs.extend(tail_batch.drain(..).map(Msg::Tail)); }
            }
            n = probe_rx.recv_many(&mut probe_batch, 64) => {
                if n > 0 { msgs.extend(probe_batch.drain(..).map(Msg::Probe)); }
            }
            n = run_rx.recv_many(&mut run_batch, 16) => {
                if n > 0 { msgs.extend(run_batch.drain(..).map(Msg::Run)); }
            }
            n = msg_rx.recv_many(&mut msg_batch, 64) => {
                if n > 0 { msgs.append(&mut msg_batch); }
            }
            _ = clock.tick() => msgs.push(Msg::Tick(chrono::Utc::now())),
            _ = frame.tick() => {
                if dirty {
                    terminal.draw(|f| ui::draw(f, &app, &theme))?;
                    dirty = false;
                }
                continue;
            }
            _ = sigterm.recv() => { exit = Exit::Signal; break; }
            _ = sighup.recv() => { exit = Exit::Signal; break; }
            _ = sigint.recv() => { exit = Exit::Signal; break; }
        }
        // A key press is drawn at once rather than at the next frame tick: the responder sees the
        // effect of a key immediately; bursts of log lines still wait for the tick and coalesce.
        let typed = msgs
            .iter()
            .any(|m| matches!(m, Msg::Key(_) | Msg::Resize(_)));
        // The clipboard sequence is written here, between frames, never from a task mid-draw.
        for m in &msgs {
            if let Msg::Delivered { delivery, .. } = m
                && let Some(osc) = &delivery.osc52
            {
                use std::io::Write;
                let out = terminal.backend_mut();
                let _ = out.write_all(osc.as_bytes());
                let _ = out.flush();
            }
        }
        for msg in msgs {
            dirty = true;
            for command in app::update(&mut app, msg) {
                match command {
                    Command::Append { req, actor, event } => {
                        if append_tx
                            .send(WriterMsg::Append { req, actor, event })
                            .is_err()
                        {
                            let _ = msg_tx.send(Msg::AppendFailed {
                                req,
                                error: "the timeline writer stopped".into(),
                            });
                        }
                    }
                    Command::Export { format } => {
                        let out = msg_tx.clone();
                        let path = timeline_path.clone();
                        let secrets = secrets.clone();
                        let runbooks = app.runbooks.clone();
                        tokio::task::spawn_blocking(move || {
                            let flash = export_beside(&path, &format, &runbooks, &secrets);
                            let _ = out.send(Msg::Flash(flash));
                        });
                    }
                    Command::Run { id, spec } => {
                        runs.retain(|h| !h.is_finished());
                        runs.push(crate::act::spawn_command(id, spec, run_tx.clone()));
                    }
                    Command::CancelRun { id } => {
                        if let Some(h) = runs.iter().find(|h| h.id() == id) {
                            h.cancel();
                        }
                    }
                    Command::Deliver { text } => {
                        let update = crate::act::Update {
                            text: text.clone(),
                            incident: app.incident.title.clone(),
                            severity: app.incident.severity,
                        };
                        for dest in &destinations {
                            let out = msg_tx.clone();
                            let http = http.clone();
                            let (dest, update, text) = (dest.clone(), update.clone(), text.clone());
                            tokio::spawn(async move {
                                let delivery = match http_client(&http) {
                                    Ok(client) => {
                                        crate::act::deliver(
                                            &dest,
                                            &update,
                                            &client,
                                            Default::default(),
                                        )
                                        .await
                                    }
                                    Err(e) => crate::act::Delivery {
                                        destination: dest.label(),
                                        ok: false,
                                        attempts: 0,
                                        detail: format!("no HTTP client: {e}"),
                                        sent_at: chrono::Utc::now(),
                                        osc52: None,
                                    },
                                };
                                let _ = out.send(Msg::Delivered { delivery, text });
                            });
                        }
                    }
                    Command::Quit => {}
                }
            }
        }
        if app.quit {
            break;
        }
        // A zoom or a new log source changes what each panel shows; paging needs to know.
        let viewport = ui::viewport(terminal.get_frame().area(), &app);
        if viewport != app.viewport {
            app::update(&mut app, Msg::Resize(viewport));
        }
        if typed {
            terminal.draw(|f| ui::draw(f, &app, &theme))?;
            dirty = false;
        }
    }
    let _ = append_tx.send(WriterMsg::Stop);
    drop(tail_handles);
    drop(probe_handles);
    drop(terminal);
    drop(_guard);
    // Every acknowledged append is already synced; wait for one in flight so it is not cut off.
    let _ = tokio::task::spawn_blocking(move || writer_thread.join()).await;
    for p in app.pending.values() {
        eprintln!(
            "NOT RECORDED: {}",
            crate::core::sanitize::sanitize(p.event.summary().as_bytes())
        );
    }
    eprintln!(
        "timeline: {}",
        crate::core::sanitize::sanitize(timeline_path.as_os_str().as_encoded_bytes())
    );
    match broken {
        Some(why) => Err(anyhow::anyhow!("{why}; sitrep stopped")),
        None => Ok(exit),
    }
}

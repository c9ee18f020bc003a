//! The pure core: the application state, the messages that change it, and `update()`, which does no
//! I/O and returns the commands the runtime must carry out.

pub mod act;
pub mod editor;
pub mod episodes;
pub mod errorminutes;
pub mod keys;
pub mod logs;
pub mod logview;
pub mod moment;
pub mod mouse;
pub mod palette;
pub mod patterns;
mod team;
pub mod timelineview;
mod update;

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};

use crate::health::EndpointHealth;
use crate::runbook::Runbook;
use crate::tail::{LogBuffer, TailEvent};
use crate::timeline::{Appended, Event, Incident, Record};

pub use keys::{Action, Binding, Scope};
pub use logview::LogView;
pub use patterns::{PatternState, PatternsMode};
pub use timelineview::TimelineView;
pub use team::needs_approval;
pub use update::update;

/// The four panels; the variant name is the title.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::IntoStaticStr, strum::VariantArray)]
pub enum Panel {
    /// Followed log lines.
    Logs,
    /// Endpoint states.
    Health,
    /// The current runbook's checklist.
    Runbook,
    /// The latest timeline events.
    Timeline,
}

impl Panel {
    /// Panels in focus order.
    pub const ALL: &'static [Panel] = <Panel as strum::VariantArray>::VARIANTS;

    /// The title of the panel.
    pub fn title(self) -> &'static str {
        self.into()
    }
}

/// What a line of input is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// A note for the timeline.
    Note,
    /// A regex that keeps log lines.
    Filter,
    /// A regex to find in the logs.
    Search,
    /// A `:` command.
    Palette,
    /// A value for a runbook command's `{placeholder}`.
    Param,
    /// Text to search the timeline's events for.
    EventSearch,
}

/// What the user is typing into, if anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// Keys go to the keymap.
    Normal,
    /// Typing a line.
    Input(Input, String),
    /// The help overlay is open.
    Help,
    /// Asking whether to quit while actions are pending.
    ConfirmQuit,
    /// Asking whether to record a milestone: it is one key, and the record keeps it.
    ConfirmMilestone(crate::timeline::Milestone),
    /// Choosing the severity (the one selected, by index into `Severity::ALL`).
    PickSeverity(usize),
    /// The last status-line messages, whole (`:messages`), scrolled this many rows.
    Messages(usize),
    /// Asking whether to retract a milestone or severity, with the reason being typed.
    ConfirmRetract {
        /// The `seq` of the event to retract.
        seq: u64,
        /// Why, as typed so far.
        reason: String,
    },
    /// Showing the exact command of a step and asking whether to run it (or, for a step that
    /// needs approval, whether to ask for it).
    ConfirmRun(Box<act::RunRequest>),
    /// A break-glass run of a step that needs approval: the reason being typed.
    BreakGlass {
        /// What would run.
        request: Box<act::RunRequest>,
        /// Why, as typed so far.
        reason: String,
    },
    /// A teammate's request to run a step's command, waiting for this cockpit's answer.
    Approve {
        /// The request's id.
        request: String,
        /// The reason being typed for a refusal, once `n` was pressed.
        refusing: Option<String>,
    },
    /// The output pane of the running (or last) command.
    Output,
    /// Writing a status update.
    Compose(editor::Editor),
    /// Asking whether to throw a draft away.
    ConfirmDiscard(Draft),
    /// One log line, whole.
    Detail(Box<logs::LineDetail>),
    /// One timeline event whole, with its evidence.
    EventDetail {
        /// Its index in `App::records`.
        index: usize,
        /// Rows scrolled past.
        scroll: usize,
    },
}

/// Text being written that Esc keeps and only an explicit, confirmed discard throws away.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Draft {
    /// A note for the timeline.
    Note(String),
    /// A status update.
    Update(editor::Editor),
}

/// A message to `update()`: something that happened.
#[derive(Debug)]
pub enum Msg {
    /// A key was pressed.
    Key(crossterm::event::KeyEvent),
    /// Text was pasted (the terminal's bracketed paste): text for the field being typed into,
    /// never keys.
    Paste(String),
    /// Time passed (the clock in the header).
    Tick(DateTime<Utc>),
    /// Lines or a status change from a log source.
    Tail(TailEvent),
    /// A probe finished.
    Probe(crate::health::ProbeResult),
    /// A requested append was written and synced.
    Appended {
        /// The request it answers.
        req: u64,
        /// What was written, and what others wrote before it.
        appended: Appended,
    },
    /// A requested append failed: the action did not happen.
    AppendFailed {
        /// The request it answers.
        req: u64,
        /// Why, for the user.
        error: String,
    },
    /// Lines another process appended to the timeline.
    External(Vec<Record>),
    /// The screen was laid out anew (a resize, a zoom): how many rows each panel shows now.
    Resize(Viewport),
    /// Something the runtime wants the user to read.
    Flash(Flash),
    /// Output or the end of a runbook command.
    Run(crate::act::RunEvent),
    /// A click or a wheel turn over a panel (only when the mouse is turned on).
    Mouse(mouse::Mouse),
    /// How a shared incident's sync stands (the share thread, after each round that changed it).
    Share(ShareState),
    /// Who else has the incident open now (the presence thread, when that changed).
    Presence(Vec<crate::timeline::presence::Beat>),
    /// The session began: it joins the incident's record.
    Join,
    /// The session is ending without a quit (a signal): it leaves the record.
    Leave,
    /// The sources whose lines come faster than the cockpit takes them (they wait: behind), at
    /// a frame when that changed.
    Behind(Vec<usize>),
    /// A status update reached (or failed to reach) a destination.
    Delivered {
        /// How it went.
        delivery: crate::act::Delivery,
        /// What was sent.
        text: String,
    },
}

/// What `update()` asks the runtime to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Append an event to the timeline; answer with `Msg::Appended` or `Msg::AppendFailed`.
    Append {
        /// Request id, echoed back.
        req: u64,
        /// Who did it.
        actor: String,
        /// What happened.
        event: Event,
        /// When it happened (the line's `ts`, however late the write succeeds).
        at: DateTime<Utc>,
    },
    /// Export the timeline in a format next to its file; answer with `Msg::Flash`.
    Export {
        /// Which format.
        format: crate::export::Format,
    },
    /// Run a runbook command; answer with `Msg::Run` events.
    Run {
        /// Run id.
        id: u64,
        /// What to run.
        spec: crate::act::CommandSpec,
    },
    /// Stop a running command.
    CancelRun {
        /// Run id.
        id: u64,
    },
    /// Send a status update to every destination; answer with `Msg::Delivered` for each.
    Deliver {
        /// The whole update: text, incident title and severity.
        update: crate::act::Update,
    },
    /// Copy text to the clipboard through the terminal (OSC 52).
    Copy {
        /// What to copy.
        text: String,
    },
    /// Leave the program.
    Quit,
}

/// An action waiting for its timeline line to be synced.
#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    /// Who asked.
    pub actor: String,
    /// What was asked for.
    pub event: Event,
    /// When it happened: a retry records this, not the retry's time.
    pub at: DateTime<Utc>,
    /// Why the last write failed; the action stays pending (never done) until a retry succeeds.
    pub failed: Option<String>,
}

/// How a shared incident's sync with the team's store stands.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShareState {
    /// The store's URL.
    pub store: String,
    /// Since when the store has not answered (the first failed request), while it does not.
    pub unreachable_since: Option<DateTime<Utc>>,
    /// The last error, while the store does not answer.
    pub error: Option<String>,
    /// What the store holds that is not the chain (an edited, foreign or missing object).
    pub damage: Option<String>,
    /// This laptop's events not in the store yet, as the last round counted them (those of
    /// `sitrep note` too); `None` before the first round.
    pub waiting: Option<usize>,
    /// Why sharing stopped for this session, when it did (the replica could not be opened, the
    /// store accepts a second create of one key).
    pub stopped: Option<String>,
}

/// A log source as the panel shows it.
#[derive(Debug, Clone)]
pub struct SourceView {
    /// Its name.
    pub name: String,
    /// What it last said about itself (following, rotated, gone...).
    pub status: String,
    /// Error lines per second, for its sparkline.
    pub errors: ErrorSeries,
    /// Its minutes being counted for the error-rate summaries.
    pub minutes: errorminutes::ErrorMinutes,
    /// How its backfill is going, while it runs.
    pub backfill: Option<String>,
    /// Whether it has gone silent or lags behind the clock.
    pub vitals: crate::tail::vitals::Vitals,
    /// The last trouble recorded (its words without the retry delay) and when: the same trouble
    /// again (a link that keeps dropping) is shown each time but recorded once every 5 minutes.
    pub last_recorded: Option<(chrono::DateTime<chrono::Utc>, String)>,
    /// Whether it writes faster than the cockpit takes its lines: it is read at the cockpit's
    /// pace, and what it wrote waits in its pipe or its file.
    pub behind: bool,
}

impl SourceView {
    /// A source that has said nothing yet.
    pub fn new(name: impl Into<String>) -> SourceView {
        SourceView {
            name: name.into(),
            status: "starting".into(),
            errors: ErrorSeries::default(),
            minutes: errorminutes::ErrorMinutes::default(),
            backfill: None,
            vitals: crate::tail::vitals::Vitals::new(crate::tail::vitals::DEFAULT_SILENT_AFTER),
            last_recorded: None,
            behind: false,
        }
    }

    /// What the source says about itself in the logs panel's title: its backfill while it runs,
    /// else its status, and whether it is silent or lagging.
    pub fn state(&self, now: chrono::DateTime<chrono::Utc>) -> String {
        let said = self.backfill.as_deref().unwrap_or(&self.status);
        let behind = if self.behind { "behind: read at the cockpit's pace · " } else { "" };
        match self.vitals.state(now) {
            Some(wrong) => format!("{behind}{wrong} · {said}"),
            None => format!("{behind}{said}"),
        }
    }
}

/// Counts per second over the last two minutes (bounded, whatever the volume).
#[derive(Debug, Clone, Default)]
pub struct ErrorSeries {
    seconds: crate::core::series::Series,
}

impl ErrorSeries {
    const KEEP_SECONDS: u64 = 121;

    /// Counts one at second `sec`; a late one counts in its own second.
    pub fn add(&mut self, sec: i64) {
        self.seconds
            .record(u64::try_from(sec).unwrap_or(0), Self::KEEP_SECONDS);
    }

    /// The last `n` seconds up to `now_sec`, oldest first.
    pub fn last(&self, now_sec: i64, n: usize) -> Vec<u32> {
        self.seconds.last(u64::try_from(now_sec).unwrap_or(0), n)
    }
}

/// An endpoint as the panel shows it.
#[derive(Debug, Clone)]
pub struct EndpointView {
    /// Its name.
    pub name: String,
    /// Its URL.
    // Nothing draws it yet; the shipped build must not hide that.
    #[cfg_attr(not(feature = "test-support"), expect(dead_code, reason = "not drawn yet"))]
    pub url: String,
    /// What the probes said.
    pub health: EndpointHealth,
    /// TLS certificates are not verified for it (an opt-out in the config): shown as a warning.
    pub insecure_tls: bool,
    /// Its open episode, if it is in one.
    pub episode: Option<episodes::LiveEpisode>,
    /// Whether an episode left open in the timeline was looked for (at its first probe).
    pub episode_adopted: bool,
    /// Time between its probes: two cockpits that see its change within two of them saw one change.
    pub interval: std::time::Duration,
}

/// How many rows of content each panel showed when last drawn: paging moves half of that, and a
/// scrolled view stops where the panel is still full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewport {
    /// Rows of log lines (or of patterns).
    pub logs: usize,
    /// Columns of the logs panel.
    pub logs_width: usize,
    /// Rows of the health panel (an endpoint takes two or three).
    pub health: usize,
    /// Rows of the step list.
    pub runbook: usize,
    /// Rows of timeline events.
    pub timeline: usize,
    /// How far the help scrolls at most.
    pub help: usize,
    /// How far the open line detail scrolls at most.
    pub detail: usize,
}

impl Default for Viewport {
    /// Until the first draw says otherwise: a page of 20 rows, paging by 10.
    fn default() -> Self {
        Viewport {
            logs: 20,
            logs_width: 80,
            health: 20,
            runbook: 20,
            timeline: 20,
            help: usize::MAX,
            detail: usize::MAX,
        }
    }
}

impl Viewport {
    /// The rows `panel` shows.
    pub fn rows(&self, panel: Panel) -> usize {
        match panel {
            Panel::Logs => self.logs,
            Panel::Health => self.health,
            Panel::Runbook => self.runbook,
            Panel::Timeline => self.timeline,
        }
        .max(1)
    }
}

/// How many status-line messages `:messages` keeps.
pub const MESSAGES_KEPT: usize = 50;

/// A message in the status line.
#[derive(Debug, Clone, PartialEq)]
pub struct Flash {
    /// The text.
    pub text: String,
    /// Errors are shown loudly and stay until the next action.
    pub error: bool,
}

/// Everything the screen shows, and nothing that needs I/O to change.
#[derive(Debug)]
pub struct App {
    /// The incident as the timeline tells it.
    pub incident: Incident,
    /// Every record but the error-rate summaries and second sightings, in order (the timeline
    /// panel shows the latest).
    pub records: Vec<Record>,
    /// The error-rate summaries (`log.errors`) and second sightings (`observed`, shown on the row
    /// they agree with), kept apart: the panel does not list them.
    pub error_minutes: Vec<Record>,
    /// A shared incident's sync, when the incident is shared.
    pub share: Option<ShareState>,
    /// The (source, minute) pairs a summary already names, so none is recorded twice.
    pub summarized: HashSet<(String, DateTime<Utc>)>,
    /// The chain's head: the newest record written, which a status update quotes.
    pub head: Option<crate::timeline::head::Head>,
    /// What was found wrong with the timeline when it was opened (shown in a banner).
    pub damage: Vec<String>,
    /// The last status-line messages, oldest first, each with when it was shown (`:messages`).
    pub messages: std::collections::VecDeque<(DateTime<Utc>, Flash)>,
    /// Whether the user acknowledged the damage banner.
    pub damage_acknowledged: bool,
    /// The timeline file, for the footer and messages.
    #[cfg_attr(not(feature = "test-support"), expect(dead_code, reason = "not drawn yet"))]
    pub timeline_path: String,
    /// Loaded runbooks.
    pub runbooks: Vec<Runbook>,
    /// Index of the shown runbook.
    pub runbook: usize,
    /// Selected step in the shown runbook.
    pub step: usize,
    /// Actions waiting for their line to be written, by request id.
    pub pending: BTreeMap<u64, Pending>,
    next_req: u64,
    /// Followed lines.
    pub logs: LogBuffer,
    /// Log sources by index.
    pub sources: Vec<SourceView>,
    /// Following, frozen, filtered.
    pub logview: LogView,
    /// Mined log patterns.
    pub patterns: PatternState,
    /// The focused panel fills the screen.
    pub zoom: bool,
    /// When this session started watching (ms since the epoch).
    pub started_ms: u64,
    /// The earliest time a line read names (`LogLine::at`, ms since the epoch): a backlog reaches
    /// back before `started_ms`.
    pub earliest_line_ms: Option<u64>,
    /// When the first line was read (ms since the epoch).
    pub first_read_ms: Option<u64>,
    /// How long an endpoint must be up for its episode to end (`episode-hold`).
    pub episode_hold: chrono::TimeDelta,
    /// The baseline's end was set by hand (`:baseline`) or by the session (the demo): lines read do
    /// not move it.
    pub baseline_set: bool,
    /// Values for runbook command placeholders.
    pub params: std::collections::BTreeMap<String, String>,
    /// Parameters being asked for.
    pub param_ask: Option<act::ParamAsk>,
    /// Read-only: no command runs.
    pub dry_run: bool,
    /// The running or last command.
    pub run: Option<act::RunView>,
    next_run: u64,
    /// Time between status updates.
    pub update_every: std::time::Duration,
    /// When the next status update is due.
    pub cadence: crate::act::Cadence,
    /// Where updates go (labels, no secrets).
    pub destinations: Vec<String>,
    /// Deliveries still under way.
    pub deliveries: usize,
    /// Destinations the updates sent since deliveries were last all done went to, and those of
    /// them that failed (`destination: why`): a failure stays in the status line until then.
    pub delivery_round: (usize, Vec<String>),
    /// How far the help is scrolled.
    pub help_scroll: usize,
    /// A range marked as working (`:good`), for comparing patterns.
    pub good: Option<crate::patterns::TimeRange>,
    /// When the range marked as failing began (`:bad`).
    pub bad_from: Option<u64>,
    /// The cadence the template being composed asks for.
    pub compose_every: Option<std::time::Duration>,
    /// The runbook step (runbook, step id, title) the composer was opened from: a delivered update
    /// ticks it.
    pub compose_step: Option<(String, String, String)>,
    /// Endpoints by index.
    pub endpoints: Vec<EndpointView>,
    /// Selected endpoint.
    pub endpoint: usize,
    /// The user picked `endpoint` in the health panel; until then the last-good/last-bad pane
    /// follows the endpoint in the newest open episode.
    pub endpoint_chosen: bool,
    /// The timeline panel's cursor and search.
    pub timeline: TimelineView,
    /// The focused panel.
    pub focus: Panel,
    /// What keys go to.
    pub mode: Mode,
    /// The status line.
    pub flash: Option<Flash>,
    /// The current time, as last told by a tick.
    pub now: DateTime<Utc>,
    /// Who the user is, for the timeline.
    pub actor: String,
    /// This cockpit session's id: what tells two cockpits apart when they carry one name.
    pub session: String,
    /// This machine's name.
    pub host: String,
    /// Who else has the incident open now.
    pub present: Vec<crate::timeline::presence::Beat>,
    /// The session's `joined` was asked for.
    pub joined: bool,
    /// The session's `left` was asked for.
    pub left: bool,
    next_ask: u64,
    /// A break-glass run waiting for its record to be written (its append request), then run.
    pub breaking: Option<(u64, Box<act::RunRequest>)>,
    /// Show times in UTC instead of local time.
    pub utc: bool,
    /// The rows each panel showed at the last draw.
    pub viewport: Viewport,
    /// The keymap.
    pub keymap: Vec<Binding>,
    /// A note closed with Esc, brought back by the next `n`.
    pub note_draft: String,
    /// The palette was kept open on a command it refused: a `:` typed first starts a new one.
    pub palette_kept: bool,
    /// When the update in the composer was filled, and how it wrote `{next_update}` and `{now}`
    /// then: a draft kept and sent later has those written afresh.
    pub composed: Option<(chrono::DateTime<chrono::Utc>, [String; 2])>,
    /// A status update closed with Esc, brought back by the next `u`.
    pub update_draft: Option<editor::Editor>,
    /// Set when the program should end.
    pub quit: bool,
}

/// With no line from before the incident's start, the baseline ends this long after the first line
/// is read.
const BASELINE_AFTER_FIRST_LINE_MS: u64 = 120_000;

impl App {
    /// A new app over an incident's existing records.
    pub fn new(
        records: Vec<Record>,
        timeline_path: String,
        runbooks: Vec<Runbook>,
        actor: String,
        now: DateTime<Utc>,
    ) -> App {
        let incident = Incident::replay(&records);
        let (error_minutes, records): (Vec<Record>, Vec<Record>) = records
            .into_iter()
            .partition(|r| matches!(r.event, Event::ErrorMinute { .. } | Event::Observed { .. }));
        let summarized = error_minutes.iter().filter_map(summarized).collect();
        let head = records
            .iter()
            .chain(&error_minutes)
            .max_by_key(|r| r.seq)
            .map(crate::timeline::head::Head::of);
        let mut app = App {
            head,
            damage: Vec::new(),
            messages: std::collections::VecDeque::new(),
            damage_acknowledged: false,
            incident,
            records,
            error_minutes,
            share: None,
            summarized,
            timeline_path,
            runbooks,
            runbook: 0,
            step: 0,
            pending: BTreeMap::new(),
            next_req: 1,
            logs: LogBuffer::with_capacity(crate::tail::DEFAULT_CAPACITY),
            sources: Vec::new(),
            logview: LogView::default(),
            patterns: PatternState::new(
                (now + chrono::Duration::minutes(2))
                    .timestamp_millis()
                    .max(0) as u64,
            ),
            zoom: false,
            started_ms: crate::core::clock::epoch_ms(now),
            earliest_line_ms: None,
            first_read_ms: None,
            baseline_set: false,
            episode_hold: chrono::TimeDelta::seconds(30),
            params: Default::default(),
            param_ask: None,
            dry_run: false,
            run: None,
            next_run: 1,
            update_every: act::DEFAULT_EVERY,
            cadence: crate::act::Cadence::new(act::DEFAULT_EVERY, now),
            destinations: Vec::new(),
            deliveries: 0,
            delivery_round: (0, Vec::new()),
            compose_every: None,
            compose_step: None,
            good: None,
            bad_from: None,
            help_scroll: 0,
            endpoints: Vec::new(),
            endpoint: 0,
            endpoint_chosen: false,
            timeline: TimelineView::default(),
            focus: Panel::Runbook,
            mode: Mode::Normal,
            flash: None,
            now,
            actor,
            session: crate::timeline::outbox::new_id(),
            host: String::new(),
            present: Vec::new(),
            joined: false,
            left: false,
            next_ask: 0,
            breaking: None,
            utc: false,
            viewport: Viewport::default(),
            keymap: keys::default_keymap(),
            note_draft: String::new(),
            palette_kept: false,
            composed: None,
            update_draft: None,
            quit: false,
        };
        // Patterns already recorded as new (an incident reopened) are not announced again.
        for record in &app.records {
            app.patterns.recorded(record);
        }
        app
    }

    /// Keeps a status-line message for `:messages`, the newest [`MESSAGES_KEPT`].
    pub fn remember(&mut self, flash: Flash) {
        if self.messages.len() >= MESSAGES_KEPT {
            self.messages.pop_front();
        }
        self.messages.push_back((self.now, flash));
    }

    /// Whether the timeline was found damaged and the user has not said they saw it.
    pub fn damage_unacknowledged(&self) -> bool {
        !self.damage.is_empty() && !self.damage_acknowledged
    }

    /// Status updates are due every `every`, counted from the last one (or from the incident's start).
    pub fn set_update_every(&mut self, every: std::time::Duration) {
        self.update_every = every;
        let since = self
            .records
            .iter()
            .rev()
            .find(|r| matches!(&r.event, Event::UpdateSent { result, .. } if result.starts_with("delivered")))
            .map(|r| r.ts)
            .or(self.incident.start())
            .unwrap_or(self.now);
        self.cadence = crate::act::Cadence::new(every, since);
    }

    /// Patterns first seen after `baseline` from now count as new (the demo's is short).
    pub fn set_baseline(&mut self, baseline: std::time::Duration) {
        self.patterns.trend.new_after_ms = self.started_ms + baseline.as_millis() as u64;
        self.baseline_set = true;
    }

    /// Where the baseline ends unless set by hand: at the incident's start when lines from before it
    /// were read (a file's existing content), else 2 minutes after the first line was read.
    fn place_baseline(&mut self) {
        if self.baseline_set {
            return;
        }
        let start = self.incident.start().map(crate::core::clock::epoch_ms);
        let end = match (start, self.earliest_line_ms, self.first_read_ms) {
            (Some(start), Some(earliest), _) if earliest < start => start,
            (_, _, Some(first)) => first + BASELINE_AFTER_FIRST_LINE_MS,
            _ => return,
        };
        self.patterns.trend.new_after_ms = end;
    }

    /// The endpoint the last-good/last-bad pane shows: the one the user picked, else the one whose
    /// open episode began last, else the selected one.
    pub fn compared_endpoint(&self) -> usize {
        if self.endpoint_chosen {
            return self.endpoint;
        }
        self.endpoints
            .iter()
            .enumerate()
            .filter_map(|(i, e)| e.episode.as_ref().map(|ep| (ep.start, i)))
            .max()
            .map_or(self.endpoint, |(_, i)| i)
    }

    /// Takes note of when a line read happened and when it was read (for the baseline's end and
    /// how far back the lines reach).
    pub fn saw_line(&mut self, at_ms: u64, read_ms: u64) {
        self.earliest_line_ms = Some(self.earliest_line_ms.map_or(at_ms, |e| e.min(at_ms)));
        if self.first_read_ms.is_none() {
            self.first_read_ms = Some(read_ms);
        }
    }

    /// After a batch of lines: the baseline's end as they have it.
    pub fn saw_lines(&mut self) {
        self.place_baseline();
    }

    /// The earliest time the lines read cover, or when this session started if no line is older
    /// (ms since the epoch): what patterns were watched since.
    pub fn seen_from_ms(&self) -> u64 {
        self.earliest_line_ms
            .map_or(self.started_ms, |e| e.min(self.started_ms))
    }

    /// The current time as milliseconds since the epoch (the unit of the pattern rate history).
    pub fn now_ms(&self) -> u64 {
        crate::core::clock::epoch_ms(self.now)
    }

    /// Names of the loaded runbooks.
    pub fn runbook_names(&self) -> Vec<String> {
        self.runbooks.iter().map(|r| r.name.clone()).collect()
    }

    /// Names of the log sources.
    pub fn source_names(&self) -> Vec<String> {
        self.sources.iter().map(|s| s.name.clone()).collect()
    }

    /// The runbook shown now.
    pub fn current_runbook(&self) -> Option<&Runbook> {
        self.runbooks.get(self.runbook)
    }

    /// Whether a step is waiting for its tick or untick to be written.
    pub fn is_pending(&self, runbook: &str, step: &str) -> bool {
        self.pending_step(runbook, step).is_some()
    }

    /// The pending write of a step's tick or untick, if any.
    pub fn pending_step(&self, runbook: &str, step: &str) -> Option<&Pending> {
        self.pending.values().find(|p| match &p.event {
            Event::StepChecked {
                runbook: r,
                step: s,
                ..
            }
            | Event::StepUnchecked {
                runbook: r,
                step: s,
                ..
            } => r == runbook && s == step,
            _ => false,
        })
    }

    /// Steps done and steps in all runbooks.
    pub fn progress(&self) -> (usize, usize) {
        let total: usize = self.runbooks.iter().map(|r| r.steps.len()).sum();
        let done = self
            .runbooks
            .iter()
            .flat_map(|r| r.steps.iter().map(move |s| (r, s)))
            .filter(|(r, s)| self.incident.is_checked(&r.name, &s.id))
            .count();
        (done, total)
    }

    /// Steps done in one runbook.
    pub fn runbook_progress(&self, rb: &Runbook) -> (usize, usize) {
        let done = rb
            .steps
            .iter()
            .filter(|s| self.incident.is_checked(&rb.name, &s.id))
            .count();
        (done, rb.steps.len())
    }

    fn request(&mut self, actor: String, event: Event) -> Command {
        let req = self.next_req;
        self.next_req += 1;
        self.pending.insert(
            req,
            Pending {
                actor: actor.clone(),
                event: event.clone(),
                at: self.now,
                failed: None,
            },
        );
        Command::Append {
            req,
            actor,
            event,
            at: self.now,
        }
    }

    /// Where our own provisional copy (seq 0, shown before the store gave it a seq) of `record`
    /// stands, when `record` is the store's copy of it.
    fn provisional_copy(&self, record: &Record) -> Option<usize> {
        let id = record.id.as_ref().filter(|_| record.seq > 0)?;
        self.records
            .iter()
            .position(|r| r.seq == 0 && r.id.as_ref() == Some(id))
    }

    fn record(&mut self, record: Record) {
        if matches!(record.event, Event::Observed { .. }) {
            return self.observed(record);
        }
        // On a shared incident our own event shows at once, without a seq (seq 0), and takes its
        // place in the team's order when the store gives it one.
        if let Some(i) = self.provisional_copy(&record) {
            self.records.remove(i);
            self.head = Some(crate::timeline::head::Head::of(&record));
            self.patterns.recorded(&record);
            let at = self.shared_end();
            self.records.insert(at, record);
            // What the event decided now carries its seq (a retraction names it), in team order.
            self.incident = crate::timeline::Incident::replay(
                self.records.iter().chain(&self.error_minutes),
            );
            self.timeline.inserted(at.min(i), &self.records);
            self.keep_places(Some(i), at);
            return;
        }
        if record.seq > 0
            && record.seq <= self.incident.last_seq
            && self.records.iter().any(|r| r.hash == record.hash)
        {
            return;
        }
        // Our own event whose store copy came first (published between the outbox push and the
        // answer): it is shown already (as itself, or as a second sighting).
        if record.seq == 0
            && record.id.is_some()
            && self
                .records
                .iter()
                .chain(&self.error_minutes)
                .any(|r| r.seq > 0 && r.id == record.id)
        {
            return;
        }
        if record.seq > 0 && self.head.as_ref().is_none_or(|h| record.seq > h.seq) {
            self.head = Some(crate::timeline::head::Head::of(&record));
        }
        if let Some(key) = summarized(&record) {
            if self.summarized.insert(key) {
                self.incident.apply(&record);
                self.error_minutes.push(record);
            }
            return;
        }
        self.incident.apply(&record);
        self.patterns.recorded(&record);
        if record.seq > 0 && self.shared_end() < self.records.len() {
            // Before our events still waiting for the store, and decided in that order (the
            // team's: a teammate's severity comes before our queued one).
            let at = self.shared_end();
            self.records.insert(at, record);
            self.incident = crate::timeline::Incident::replay(
                self.records.iter().chain(&self.error_minutes),
            );
            self.timeline.inserted(at, &self.records);
            self.keep_places(None, at);
        } else {
            self.records.push(record);
            self.timeline.recorded(&self.records);
        }
    }

    /// A second sighting: kept apart and shown on the row it agrees with. When it is a shared
    /// incident's provisional observation that the store took as seen too, that row goes.
    fn observed(&mut self, record: Record) {
        let taken = |r: &Record| r.seq > 0 && r.id.is_some() && r.id == record.id;
        if record.seq == 0 && self.error_minutes.iter().any(taken) {
            // Its store copy came first.
            return;
        }
        if let Some(i) = self.provisional_copy(&record) {
            self.records.remove(i);
            self.timeline.removed(i, &self.records);
            if let Mode::EventDetail { index, .. } = &mut self.mode {
                if *index == i {
                    // The event it showed is now a second sighting on another row.
                    self.mode = Mode::Normal;
                } else {
                    *index = timelineview::removed_index(*index, i);
                }
            }
        }
        let same = |r: &Record| {
            r.hash == record.hash || (record.id.is_some() && r.id == record.id && r.seq == 0)
        };
        self.error_minutes.retain(|r| !same(r));
        if record.seq > 0 && self.head.as_ref().is_none_or(|h| record.seq > h.seq) {
            self.head = Some(crate::timeline::head::Head::of(&record));
        }
        self.error_minutes.push(record);
        self.incident =
            crate::timeline::Incident::replay(self.records.iter().chain(&self.error_minutes));
    }

    /// The record at `from` (or a new one) now stands at `to`: the timeline's cursor and an open
    /// event detail stay on the event they were on.
    fn keep_places(&mut self, from: Option<usize>, to: usize) {
        self.timeline.moved(from, to);
        if let Mode::EventDetail { index, .. } = &mut self.mode {
            *index = timelineview::moved_index(*index, from, to);
        }
    }

    /// Where the events the store has taken end (our waiting ones come after).
    fn shared_end(&self) -> usize {
        self.records
            .iter()
            .rposition(|r| r.seq > 0)
            .map_or(0, |i| i + 1)
    }

    /// Our events a shared incident's store has not taken yet.
    pub fn not_shared(&self) -> usize {
        self.records.iter().filter(|r| r.seq == 0).count()
    }
}

/// The (source, minute) a whole error-rate summary names; a partial one (summed as sitrep closed,
/// before its minute was over) names none, so a later session that reads more of it sums it again.
fn summarized(record: &Record) -> Option<(String, DateTime<Utc>)> {
    match &record.event {
        Event::ErrorMinute {
            source,
            minute,
            partial: false,
            ..
        } => Some((source.clone(), *minute)),
        _ => None,
    }
}

/// A message in the status line.
fn say(app: &mut App, text: String) {
    app.flash = Some(Flash { text, error: false });
}

/// An error in the status line, shown loudly until the next action.
fn complain(app: &mut App, text: String) {
    app.flash = Some(Flash { text, error: true });
}

#[cfg(test)]
mod tests;

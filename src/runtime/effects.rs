//! Carrying out what `update()` asks for. Each `Command` holds everything its effect needs; what
//! the effects need besides (where the timeline is, the secrets to keep out of exports, the
//! destinations) is fixed when the session starts, so nothing here reads the app's state.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::mpsc;

use super::writer::Appender;
use crate::act::{Delivery, Destination, RunEvent, RunHandle, Update};
use crate::app::{Command, Flash, Msg};
use crate::export::Format;
use crate::runbook::Runbook;

/// The client status updates are sent with, built once on first use.
type HttpClient = Arc<std::sync::OnceLock<Result<reqwest::Client, String>>>;

/// What the effects work with, for the whole session.
pub(super) struct Effects {
    /// Where answers go (the loop reads them back as messages).
    pub(super) out: mpsc::Sender<Msg>,
    /// The timeline writer's queue.
    pub(super) appender: Appender,
    /// The timeline file, for exports.
    pub(super) timeline: PathBuf,
    /// The runbooks, for exports (done steps against all steps).
    pub(super) runbooks: Vec<Runbook>,
    /// Secret values, kept out of exports.
    pub(super) secrets: Vec<String>,
    /// Where status updates go.
    pub(super) destinations: Vec<Destination>,
    /// Where runbook command events go.
    pub(super) runs_tx: mpsc::Sender<RunEvent>,
    /// Runbook commands started in this session.
    pub(super) runs: Vec<RunHandle>,
    /// Built by the first delivery task, off the UI loop: loading the system's certificates takes
    /// tens of milliseconds that neither startup nor a key press should pay.
    pub(super) http: HttpClient,
}

impl Effects {
    /// Carries out one command. Never blocks: what takes time runs in a task and answers with a
    /// message. A message that must reach the app at once (an append that cannot be handed over)
    /// is returned instead of sent, so the loop never waits on its own queue.
    pub(super) fn execute(&mut self, command: Command) -> Vec<Msg> {
        match command {
            Command::Append {
                req,
                actor,
                event,
                at,
            } => {
                match self.appender.append(req, actor, event, at) {
                    Ok(()) => Vec::new(),
                    Err(error) => self.failed_appends(&error, req),
                }
            }
            Command::Export { format } => {
                let out = self.out.clone();
                let (path, runbooks) = (self.timeline.clone(), self.runbooks.clone());
                let secrets = self.secrets.clone();
                tokio::task::spawn_blocking(move || {
                    let flash = export_beside(&path, format, &runbooks, &secrets);
                    let _ = out.blocking_send(Msg::Flash(flash));
                });
                Vec::new()
            }
            Command::Run { id, spec } => {
                self.runs.retain(|h| !h.is_finished());
                let handle = crate::act::spawn_command(id, spec, self.runs_tx.clone());
                self.runs.push(handle);
                Vec::new()
            }
            Command::CancelRun { id } => {
                if let Some(h) = self.runs.iter().find(|h| h.id() == id) {
                    h.cancel();
                }
                Vec::new()
            }
            Command::Deliver { update } => {
                self.deliver(&update);
                Vec::new()
            }
            // Written to the terminal by the event loop, between frames.
            Command::Copy { .. } | Command::Quit => Vec::new(),
        }
    }

    /// Hands over appends that waited for room; failures once the writer has stopped.
    pub(super) fn flush(&mut self) -> Vec<Msg> {
        match self.appender.flush() {
            Ok(()) => Vec::new(),
            Err(error) => self.failed_appends(&error, u64::MAX),
        }
    }

    fn failed_appends(&mut self, error: &str, req: u64) -> Vec<Msg> {
        let mut reqs = self.appender.drain_failed();
        if req != u64::MAX && !reqs.contains(&req) {
            reqs.push(req);
        }
        reqs.into_iter()
            .map(|req| Msg::AppendFailed {
                req,
                error: error.to_string(),
            })
            .collect()
    }

    fn deliver(&self, update: &Update) {
        let update = &update.redacted(&self.secrets);
        for dest in &self.destinations {
            let out = self.out.clone();
            let http = self.http.clone();
            let (dest, update) = (dest.clone(), update.clone());
            tokio::spawn(async move {
                let delivery = match http_client(&http) {
                    Ok(client) => {
                        crate::act::deliver(&dest, &update, &client, Default::default()).await
                    }
                    Err(e) => Delivery {
                        destination: dest.label(),
                        ok: false,
                        attempts: 0,
                        detail: format!("no HTTP client: {e}"),
                        sent_at: chrono::Utc::now(),
                        osc52: None,
                    },
                };
                let text = update.text;
                let _ = out.send(Msg::Delivered { delivery, text }).await;
            });
        }
    }
}

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

/// Exports the timeline next to its file (`<name>.postmortem.<ext>`), for `:export`.
fn export_beside(
    timeline: &Path,
    format: Format,
    runbooks: &[Runbook],
    secrets: &[String],
) -> Flash {
    let result = (|| -> anyhow::Result<PathBuf> {
        let report = crate::timeline::read(timeline)?;
        let checked = crate::timeline::verify_against(timeline, &[])?;
        let input = crate::export::ExportInput {
            records: &report.records,
            runbooks,
            secrets,
            timeline_path: &timeline.display().to_string(),
            damage: &checked.problems,
            notes: &checked.notes,
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

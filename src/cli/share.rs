//! The shared-incident commands: `share`, `sync`, `incidents`, and what `new`, `open --incident`,
//! `verify --against` and the one-shot actions do when an incident is shared.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, bail};

use crate::config::{self, ShareConfig};
use crate::share::store::{ShareUrl, Store};
use crate::share::sync::{self, Fault};
use crate::share::{self, queue::Pending, replica};
use crate::timeline::{self, Event};

/// How long a one-shot action waits for the store before leaving its event queued.
const ONE_SHOT: Duration = Duration::from_secs(10);

/// The config's `[share]`, or an error saying how to set it.
fn share_config(config_path: &Path) -> anyhow::Result<(config::Config, ShareConfig)> {
    let cfg = config::load(config_path)?;
    let Some(share) = cfg.share.clone() else {
        bail!(
            "{} has no [share] section: add one naming the team's store, for example\n\n[share]\nurl = \"s3://team-bucket/incidents\"   # or file:///mnt/oncall/incidents",
            config_path.display()
        );
    };
    Ok((cfg, share))
}

/// Connects to the config's store and checks, once, that it refuses a second create of a key.
async fn connect(share: &ShareConfig) -> anyhow::Result<Store> {
    let store = store_at(&share.url, Some(share)).map_err(anyhow::Error::msg)?;
    store.check_create_only().await.map_err(|e| {
        let said = e.to_string();
        if said.contains("second create") || said.contains("already taken") {
            // The store answered, and its answer rules it out.
            anyhow::anyhow!("{e}")
        } else {
            anyhow::anyhow!(
                "{e}\n(the store did not take sitrep's first request, a probe written before anything else to check that it refuses a second create of one key: nothing was written, and what waits to be shared stays queued; try again once the store answers)"
            )
        }
    })?;
    Ok(store)
}

/// The store at `url`, reached as the config's `[share]` says when it names that URL (its
/// endpoint, region, profile), else with what the environment says.
fn store_at(url: &ShareUrl, share: Option<&ShareConfig>) -> Result<Store, String> {
    let configured = share.filter(|s| s.url == *url);
    Store::open(url, &configured.map(|s| s.reach.clone()).unwrap_or_default())
}

/// The config's `[share]`, when the config reads.
fn configured_share(config_path: &Path) -> Option<ShareConfig> {
    config::load_for_records(config_path).ok().and_then(|c| c.share)
}

/// `sitrep share`: publishes a local incident (the newest, or `--timeline`).
pub(super) async fn share(timeline_path: PathBuf, config_path: &Path) -> anyhow::Result<u8> {
    let (_, cfg) = share_config(config_path)?;
    let store = connect(&cfg).await?;
    let id = share::publish_local(&store, &timeline_path)
        .await
        .map_err(|e| anyhow::anyhow!("sharing {}: {e}", timeline_path.display()))?;
    outln!("{id}");
    eprintln!(
        "shared {} as {id} in {}: teammates open it with `sitrep open --incident {id}`",
        timeline_path.display(),
        store.url
    );
    Ok(0)
}

/// Publishes a just-started incident when the config shares; says so, or why not.
pub(super) async fn publish_new(path: &Path, config_path: &Path) {
    let Ok(cfg) = config::load_for_records(config_path) else {
        return;
    };
    let Some(share) = cfg.share else { return };
    let shared = async {
        let store = connect(&share).await?;
        share::publish_local(&store, path)
            .await
            .map_err(anyhow::Error::msg)
    };
    match tokio::time::timeout(ONE_SHOT, shared).await {
        Ok(Ok(id)) => eprintln!(
            "shared as {id} in {}: teammates open it with `sitrep open --incident {id}`",
            share.url
        ),
        Ok(Err(e)) => eprintln!(
            "not shared yet: {e:#}\nThe incident works locally; `sitrep share -t {}` shares it when the store answers.",
            path.display()
        ),
        Err(_) => eprintln!(
            "not shared yet: {} did not answer within {}s. The incident works locally; `sitrep share -t {}` shares it later.",
            share.url,
            ONE_SHOT.as_secs(),
            path.display()
        ),
    }
}

/// `sitrep sync [--incident ID]`: pushes and pulls once; 0 when this laptop and the store agree.
pub(super) async fn sync(incident: Option<&str>, config_path: &Path) -> anyhow::Result<u8> {
    let (cfg, share) = share_config(config_path)?;
    let store = connect(&share).await?;
    let dir = &cfg.incident.dir;
    let ids: Vec<String> = match incident {
        Some(id) => vec![id.to_string()],
        None => {
            let mut ids: Vec<String> = share::shared_incidents(&store)
                .await
                .map_err(anyhow::Error::msg)?
                .into_iter()
                .map(|i| i.id)
                .collect();
            // Ours that the store lost track of are said, not skipped.
            for path in timeline::files_in(dir) {
                if let Ok(Some(link)) = replica::link_of(&path)
                    && link.url == store.url
                    && !ids.contains(&link.incident)
                {
                    ids.push(link.incident);
                }
            }
            ids
        }
    };
    if ids.is_empty() {
        outln!("{} holds no incident yet", store.url);
        return Ok(0);
    }
    let mut agree = true;
    for id in &ids {
        agree &= sync_one(&store, dir, id).await;
    }
    Ok(if agree { 0 } else { 1 })
}

async fn sync_one(store: &Store, dir: &Path, id: &str) -> bool {
    let path = match share::fetch(store, dir, id).await {
        Ok(path) => path,
        Err(e) => {
            outln!("{id}: {e}");
            return false;
        }
    };
    let result = async {
        let (mut replica, _) = share::open_replica(&path)?;
        let round = sync::round(store, &mut replica, true).await?;
        Ok::<_, Fault>((round, replica.last_seq()))
    }
    .await;
    match result {
        Ok((round, events)) if round.waiting == 0 => {
            outln!(
                "{id}: {events} events in {}; this laptop and the store agree",
                path.display()
            );
            true
        }
        Ok((round, _)) => {
            outln!("{id}: {} of this laptop's events still waiting", round.waiting);
            false
        }
        Err(e) => {
            outln!("{id}: {e}");
            false
        }
    }
}

/// Records an event on a shared incident: queued (durable: the action is done), then shared
/// when the store answers within a few seconds. Prints what happened.
pub(super) fn record(
    path: &Path,
    config_path: &Path,
    (actor, patience): (&str, crate::timeline::writer::Patience),
    event: Event,
) -> anyhow::Result<u8> {
    let pending = Pending::new(chrono::Utc::now(), actor, event);
    let summary = pending.event.summary();
    let queue = share::queue::Queue::beside(path);
    queue
        .push(&pending)
        .with_context(|| format!("recording to {}", queue.path().display()))?;
    let shown = crate::core::sanitize::sanitize(path.as_os_str().as_encoded_bytes());
    let summary = crate::core::sanitize::sanitize(summary.as_bytes());
    let handle = tokio::runtime::Handle::current();
    let outcome = tokio::task::block_in_place(|| {
        handle.block_on(async {
            let (mut replica, _) = share::open_replica_with(path, patience)?;
            let url: ShareUrl = replica.link.url.parse().map_err(Fault::Local)?;
            let store =
                store_at(&url, configured_share(config_path).as_ref()).map_err(Fault::Local)?;
            match tokio::time::timeout(ONE_SHOT, sync::round(&store, &mut replica, false)).await {
                Ok(round) => round.map(|r| (r, replica)),
                Err(_) => Err(Fault::Store(share::store::StoreError(format!(
                    "{url} did not answer within {}s",
                    ONE_SHOT.as_secs()
                )))),
            }
        })
    });
    match outcome {
        Ok((_, replica)) if replica.has(&pending.id) => {
            let seq = timeline::read(path)
                .ok()
                .and_then(|r| r.records.iter().rev().find(|r| r.id.as_deref() == Some(pending.id.as_str())).map(|r| r.seq));
            outln!(
                "recorded #{} in {shown} and shared: {summary}",
                seq.unwrap_or_default()
            );
        }
        Ok((round, _)) => outln!(
            "recorded in {shown}, not shared yet ({} waiting): {summary}",
            round.waiting
        ),
        Err(Fault::Damage(why)) => {
            outln!("recorded in {shown}, not shared: {summary}");
            eprintln!(
                "the store holds damage: {why}\nNothing is shared past it until it is repaired; `sitrep verify --against {}` says which chain holds.",
                crate::core::sanitize::sanitize(url_of(path).as_bytes())
            );
        }
        Err(e) => {
            outln!("recorded in {shown}, not shared yet: {summary}");
            eprintln!("the store: {e}\n`sitrep sync` shares it when the store answers.");
        }
    }
    Ok(0)
}

fn url_of(path: &Path) -> String {
    replica::link_of(path)
        .ok()
        .flatten()
        .map(|l| l.url)
        .unwrap_or_default()
}

/// `sitrep incidents`: local and shared incidents, newest first.
pub(super) async fn incidents(config_path: &Path) -> anyhow::Result<u8> {
    let cfg = config::load_for_records(config_path)?;
    let mut rows: Vec<Row> = Vec::new();
    for path in timeline::files_in(&cfg.incident.dir) {
        let Ok(report) = timeline::read(&path) else { continue };
        if report.records.is_empty() {
            continue;
        }
        let link = replica::link_of(&path).ok().flatten();
        let state = timeline::Incident::replay(&report.records);
        let id = link.as_ref().map_or_else(
            || path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default(),
            |l| l.incident.clone(),
        );
        rows.push(Row {
            id,
            title: state.title.clone(),
            severity: state.severity.map(|s| s.to_string()).unwrap_or_default(),
            milestone: state.milestones.keys().next_back().map(|m| m.to_string()).unwrap_or_else(|| "open".into()),
            started: state.opened,
            place: if link.is_some() { "shared, here" } else { "local" }.to_string(),
        });
    }
    let mut unreachable = None;
    if let Some(share) = &cfg.share {
        let listed = async {
            let store = store_at(&share.url, Some(share)).map_err(anyhow::Error::msg)?;
            share::shared_incidents(&store).await.map_err(anyhow::Error::msg)
        };
        match tokio::time::timeout(ONE_SHOT, listed).await {
            Ok(Ok(found)) => {
                for inc in found {
                    if rows.iter().any(|r| r.id == inc.id) {
                        continue;
                    }
                    let (title, severity, started) = match &inc.first {
                        Some(first) => {
                            let state = timeline::Incident::replay([first]);
                            (state.title, state.severity.map(|s| s.to_string()).unwrap_or_default(), state.opened)
                        }
                        None => ("(first event unreadable)".to_string(), String::new(), None),
                    };
                    rows.push(Row {
                        id: inc.id,
                        title,
                        severity,
                        milestone: "?".into(),
                        started,
                        place: "shared, not here".into(),
                    });
                }
            }
            Ok(Err(e)) => unreachable = Some(format!("{e:#}")),
            Err(_) => unreachable = Some(format!("{} did not answer within {}s", share.url, ONE_SHOT.as_secs())),
        }
    }
    rows.sort_by(|a, b| b.started.cmp(&a.started).then_with(|| a.id.cmp(&b.id)));
    print_rows(&rows);
    if let Some(e) = unreachable {
        eprintln!("the store: {e}\n(only this laptop's incidents are listed)");
        return Ok(1);
    }
    if cfg.share.is_none() {
        eprintln!("(no [share] in {}: only this laptop's incidents are listed)", config_path.display());
    }
    Ok(0)
}

struct Row {
    id: String,
    title: String,
    severity: String,
    milestone: String,
    started: Option<chrono::DateTime<chrono::Utc>>,
    place: String,
}

fn print_rows(rows: &[Row]) {
    let clean = |s: &str| crate::core::sanitize::sanitize(s.as_bytes());
    let id_width = rows.iter().map(|r| r.id.len()).max().unwrap_or(2).max(2);
    let title_width = rows
        .iter()
        .map(|r| crate::core::text::width(&clean(&r.title)).min(40))
        .max()
        .unwrap_or(5)
        .max(5);
    outln!(
        "{:id_width$}  {:title_width$}  {:8}  {:9}  {:17}  WHERE",
        "ID", "TITLE", "SEVERITY", "MILESTONE", "STARTED (UTC)"
    );
    for r in rows {
        let title = crate::core::text::cut(&clean(&r.title), 40).into_owned();
        let pad = title_width.saturating_sub(crate::core::text::width(&title));
        let started = r
            .started
            .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default();
        outln!(
            "{:id_width$}  {title}{}  {:8}  {:9}  {:17}  {}",
            r.id,
            " ".repeat(pad),
            r.severity,
            r.milestone,
            started,
            r.place
        );
    }
}

/// `sitrep open --incident ID`: the replica's file, fetched and caught up first.
pub(super) async fn open_incident(id: &str, config_path: &Path) -> anyhow::Result<PathBuf> {
    let (cfg, share) = share_config(config_path)?;
    let store = store_at(&share.url, Some(&share)).map_err(anyhow::Error::msg)?;
    let dir = cfg.incident.dir.clone();
    match tokio::time::timeout(Duration::from_secs(60), share::fetch(&store, &dir, id)).await {
        Ok(Ok(path)) => Ok(path),
        Ok(Err(Fault::Store(e))) => match share::find_replica(&dir, &store.url, id) {
            // Offline: the replica this laptop has still opens.
            Some(path) => {
                eprintln!("the store: {e}; opening this laptop's copy");
                Ok(path)
            }
            None => bail!("cannot fetch {id}: {e}"),
        },
        Ok(Err(e)) => bail!("cannot open {id}: {e}"),
        Err(_) => bail!("fetching {id} from {} took over a minute", store.url),
    }
}

/// `sitrep verify --against URL`: the replica and the store's chain, each checked against the other.
pub(super) async fn verify_against(
    path: &Path,
    url: &str,
    config_path: &Path,
) -> anyhow::Result<share::Comparison> {
    let url: ShareUrl = url.parse().map_err(anyhow::Error::msg)?;
    let store =
        store_at(&url, configured_share(config_path).as_ref()).map_err(anyhow::Error::msg)?;
    let link = replica::link_of(path).map_err(anyhow::Error::msg)?;
    let incident = match link {
        Some(l) => l.incident,
        None => bail!(
            "{} is not a shared incident's copy (no {} beside it): `sitrep share` shares it",
            path.display(),
            replica::link_path(path).display()
        ),
    };
    let local = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    share::compare(&store, &incident, &local)
        .await
        .map_err(anyhow::Error::msg)
}

/// The store a cockpit on `path` syncs with, when `path` is a shared incident's copy.
pub(super) fn cockpit_share(
    cfg: &config::Config,
    path: &Path,
) -> anyhow::Result<Option<(Store, Duration)>> {
    let Some(link) = replica::link_of(path).map_err(anyhow::Error::msg)? else {
        return Ok(None);
    };
    let url: ShareUrl = link.url.parse().map_err(anyhow::Error::msg)?;
    let poll = cfg
        .share
        .as_ref()
        .filter(|s| s.url == url)
        .map_or(config::SHARE_POLL, |s| s.poll);
    let store = store_at(&url, cfg.share.as_ref()).map_err(anyhow::Error::msg)?;
    Ok(Some((store, poll)))
}

/// Shows this laptop's events still waiting in the outbox (from an earlier session, or written
/// offline) as the cockpit opens, and that the incident is shared.
pub(super) fn show_waiting(app: &mut crate::app::App, path: &Path, url: &str) {
    let (waiting, _) = share::queue::Queue::beside(path).read().unwrap_or_default();
    let have: std::collections::HashSet<String> =
        app.records.iter().filter_map(|r| r.id.clone()).collect();
    let provisional: Vec<timeline::Record> = waiting
        .iter()
        .filter(|p| !have.contains(&p.id))
        .map(Pending::provisional)
        .collect();
    if !provisional.is_empty() {
        crate::app::update(app, crate::app::Msg::External(provisional));
    }
    crate::app::update(
        app,
        crate::app::Msg::Share(crate::app::ShareState {
            store: url.to_string(),
            ..Default::default()
        }),
    );
}

/// `sitrep check` on `[share]`: which credentials, whether the store answers, and whether it
/// refuses a second create of one key. False when sharing would not work.
pub(super) async fn check_store(share: &ShareConfig) -> bool {
    use crate::share::store::Kind;
    outln!("share: {}", share.url);
    outln!("  credentials: {}", credential_source(share));
    if share.url.kind == Kind::Folder {
        outln!(
            "  note: on NFS, directory caching can delay teammates' events by seconds; a share without hard links (some SMB mounts) cannot create-only and is refused below"
        );
    }
    let store = match store_at(&share.url, Some(share)) {
        Ok(store) => store,
        Err(e) => {
            outln!("error: {e:#}");
            return false;
        }
    };
    let started = std::time::Instant::now();
    match tokio::time::timeout(ONE_SHOT, share::shared_incidents(&store)).await {
        Ok(Ok(found)) => outln!(
            "  the store answers: {} incident(s) in {} ms",
            found.len(),
            started.elapsed().as_millis()
        ),
        Ok(Err(e)) => {
            outln!("error: cannot list the store: {e}");
            return false;
        }
        Err(_) => {
            outln!("error: the store did not answer within {}s", ONE_SHOT.as_secs());
            return false;
        }
    }
    match tokio::time::timeout(ONE_SHOT, store.check_create_only()).await {
        Ok(Ok(())) => {
            outln!("  create-only: the store refuses a second create of one key");
            true
        }
        Ok(Err(e)) => {
            outln!("error: {e}");
            false
        }
        Err(_) => {
            outln!("error: the create-only check got no answer within {}s", ONE_SHOT.as_secs());
            false
        }
    }
}

/// Where the store's credentials come from, as `object_store` will find them.
fn credential_source(share: &ShareConfig) -> String {
    use crate::share::store::Kind;
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
    match share.url.kind {
        Kind::Folder => "none needed (a folder: the file system's permissions)".into(),
        Kind::S3 if set("AWS_ACCESS_KEY_ID") => "environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)".into(),
        Kind::S3 if share.reach.aws_profile().is_some() => {
            let profile = share.reach.aws_profile().unwrap_or_default();
            format!("AWS profile `{profile}` through `aws configure export-credentials` (SSO and the like), refreshed before they expire")
        }
        Kind::S3 if set("AWS_WEB_IDENTITY_TOKEN_FILE") => "web identity (AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN)".into(),
        Kind::S3 if set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") || set("AWS_CONTAINER_CREDENTIALS_FULL_URI") => {
            "container credentials (ECS/EKS)".into()
        }
        Kind::S3 => "none in the environment: the instance's metadata service (EC2), if any; set AWS_ACCESS_KEY_ID or [share] profile otherwise".into(),
        Kind::Gcs if set("GOOGLE_SERVICE_ACCOUNT") || set("GOOGLE_APPLICATION_CREDENTIALS") => {
            "a service account from the environment".into()
        }
        Kind::Gcs => "the metadata service or the gcloud default credentials".into(),
        Kind::Azure if set("AZURE_STORAGE_ACCOUNT_KEY") => "environment (AZURE_STORAGE_ACCOUNT_KEY)".into(),
        Kind::Azure => "environment (AZURE_*), or the managed identity".into(),
    }
}

/// After a shared incident's cockpit: this laptop's events the store has not taken yet.
pub(super) fn say_waiting(path: &Path) {
    let Ok((replica, _)) = share::open_replica(path) else {
        return;
    };
    let waiting = replica.pending().map_or(0, |p| p.len());
    if waiting > 0 {
        eprintln!(
            "{waiting} event(s) of this laptop are not shared yet: they wait in {}; `sitrep sync` shares them (or the next `sitrep open`)",
            replica.queue().path().display()
        );
    }
}

//! Setting up: `init` writes a config and runbooks to edit, `check` validates them.

use std::path::Path;

use anyhow::Context;

use crate::config;
use crate::runbook;
use crate::tail::SourceSpec;

pub(super) fn init(dir: &Path) -> anyhow::Result<u8> {
    std::fs::create_dir_all(dir.join("runbooks"))
        .with_context(|| format!("creating {}", dir.join("runbooks").display()))?;
    let mut files = vec![(dir.join("sitrep.toml"), config::TEMPLATE)];
    for (name, text) in runbook::SHIPPED {
        files.push((dir.join("runbooks").join(name), text));
    }
    for (path, text) in files {
        if path.exists() {
            outln!("kept     {} (exists; not overwritten)", path.display());
            continue;
        }
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
        outln!("wrote    {}", path.display());
    }
    outln!("next: edit sitrep.toml (logs and endpoints), then `sitrep check` and `sitrep open`");
    Ok(0)
}

/// What a log's source needs that this machine lacks (said as notes; the config is still fine),
/// and log paths that can never be followed (a folder, a device: said as errors). Whether there
/// was an error.
fn source_notes(logs: &[crate::config::LogConfig]) -> bool {
    let mut failed = false;
    for l in logs {
        if let SourceSpec::Journal(spec) = &l.source
            && spec.via.is_empty()
            && crate::core::child::find_on_path("journalctl".as_ref()).is_err()
        {
            outln!(
                "note: log `{}`: journalctl is not installed here; journal sources need systemd's journalctl (Debian: apt-get install systemd)",
                l.name
            );
        }
        if let SourceSpec::Kube(spec) = &l.source {
            let found = if spec.kubectl.contains('/') {
                std::path::Path::new(&spec.kubectl).is_file()
            } else {
                crate::core::child::find_on_path(spec.kubectl.as_ref()).is_ok()
            };
            if !found {
                outln!(
                    "note: log `{}`: {} is not installed here; Kubernetes sources need kubectl (Debian: apt-get install kubernetes-client), or set kubernetes.kubectl",
                    l.name, spec.kubectl
                );
            }
            if let Some(config) = spec.kubeconfig.as_ref().filter(|c| !c.exists()) {
                outln!(
                    "note: log `{}`: kubeconfig {} does not exist; kubectl would fall back to localhost:8080",
                    l.name,
                    config.display()
                );
            }
        }
        if let SourceSpec::File(p) = &l.source {
            match std::fs::metadata(p) {
                Err(_) => outln!(
                    "note: log `{}`: {} does not exist yet; sitrep will wait for it to appear",
                    l.name,
                    p.display()
                ),
                // A named pipe is read as one; anything else that is no file never will be.
                Ok(meta) if !meta.is_file() && !crate::tail::is_fifo_meta(&meta) => {
                    failed = true;
                    outln!(
                        "error: log `{}`: {} {}",
                        l.name,
                        p.display(),
                        crate::tail::not_a_file(&meta, p)
                    );
                }
                Ok(meta) if meta.is_file() => {
                    if let Err(e) = std::fs::File::open(p) {
                        outln!(
                            "note: log `{}`: {} cannot be read now ({e}); sitrep will keep trying: grant this user read access, or run sitrep as one who has it",
                            l.name,
                            p.display()
                        );
                    }
                }
                Ok(_) => {}
            }
        }
    }
    failed
}

/// The runbooks folder a config names (`[incident] runbooks`), read from its TOML alone: for a
/// config that does not load, whose runbooks are still worth checking.
fn runbooks_named(config_path: &Path) -> Option<std::path::PathBuf> {
    let text = std::fs::read_to_string(config_path).ok()?;
    let table: toml::Table = toml::from_str(&text).ok()?;
    let dir = table.get("incident")?.get("runbooks")?.as_str()?.trim();
    if dir.is_empty() {
        return None;
    }
    let base = config_path.parent().unwrap_or(Path::new("."));
    let path = base.join(dir);
    path.is_dir().then_some(path)
}

/// Validates a config and its runbooks; prints each problem as `file:line:col: message`.
pub(super) async fn check(config_path: &Path) -> u8 {
    // Every error in one run, not the first only.
    let cfg = match config::load_all(config_path) {
        Ok(c) => c,
        Err(errors) => {
            for e in errors {
                outln!("{e}");
            }
            // The runbooks are checked too, so one run says what is wrong with both.
            if let Some(dir) = runbooks_named(config_path)
                && let Err(errors) = runbook::load_dir(&dir)
            {
                for e in errors {
                    outln!("{e}");
                }
            }
            return 1;
        }
    };
    let runbooks = match &cfg.incident.runbooks {
        None => runbook::shipped(),
        Some(dir) => match runbook::load_dir(dir) {
            Ok(r) => r,
            Err(errors) => {
                for e in errors {
                    outln!("{e}");
                }
                return 1;
            }
        },
    };
    if source_notes(&cfg.logs) {
        return 1;
    }
    let rebound = rebound_keys(&cfg.keymap);
    if !rebound.is_empty() {
        outln!("note: keys rebound: {}", rebound.join(", "));
    }
    if cfg.ui.mouse {
        outln!(
            "note: mouse on: a click focuses a panel, the wheel scrolls it; hold Shift to select text"
        );
    }
    if let Some(share) = &cfg.share
        && !super::share::check_store(share).await
    {
        return 1;
    }
    let steps: usize = runbooks.iter().map(|r| r.steps.len()).sum();
    outln!(
        "ok: {} — {} log source(s), {} endpoint(s), {} runbook(s) with {} steps",
        cfg.origin,
        cfg.logs.len(),
        cfg.endpoints.len(),
        runbooks.len(),
        steps
    );
    0
}

/// `tick = space x` for every action whose keys differ from the defaults.
fn rebound_keys(keymap: &[crate::app::Binding]) -> Vec<String> {
    use crate::app::keys::{Action, Key, default_keymap};
    let keys_of = |map: &[crate::app::Binding], a: Action| -> Vec<String> {
        map.iter()
            .filter(|b| b.action == a)
            .flat_map(|b| b.keys.iter().map(|k| Key(*k).to_string()))
            .collect()
    };
    let defaults = default_keymap();
    Action::ALL
        .iter()
        .copied()
        .filter(|a| keys_of(keymap, *a) != keys_of(&defaults, *a))
        .map(|a| {
            let mut keys: Vec<String> = Vec::new();
            for k in keys_of(keymap, a) {
                if !keys.contains(&k) {
                    keys.push(k);
                }
            }
            format!("{a} = {}", keys.join(" "))
        })
        .collect()
}

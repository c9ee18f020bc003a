//! The file as serde reads it: every value with its place, before any checking.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use toml::Spanned;

use super::UiConfig;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawConfig {
    pub(super) incident: RawIncident,
    #[serde(default)]
    pub(super) log: Vec<RawLog>,
    #[serde(default)]
    pub(super) endpoint: Vec<RawEndpoint>,
    #[serde(default)]
    pub(super) destination: Vec<RawDestination>,
    #[serde(default)]
    pub(super) keys: BTreeMap<Spanned<String>, Spanned<KeyList>>,
    #[serde(default)]
    pub(super) theme: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    pub(super) ui: UiConfig,
    pub(super) share: Option<RawShare>,
    pub(super) me: Option<RawMe>,
}

/// `[me]`: who this responder is.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawMe {
    pub(super) name: Spanned<String>,
}

/// `[share]`: the store the team's incidents are shared through.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawShare {
    pub(super) url: Spanned<String>,
    pub(super) endpoint: Option<Spanned<String>>,
    pub(super) region: Option<String>,
    pub(super) profile: Option<String>,
    pub(super) poll: Option<Spanned<String>>,
}

/// `"x"` or `["space", "x"]`, each string with its place in the file.
pub(super) enum KeyList {
    One(String),
    Many(Vec<Spanned<String>>),
}

impl<'de> Deserialize<'de> for KeyList {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<KeyList, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = KeyList;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key like \"x\" or a list of keys like [\"space\", \"x\"]")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<KeyList, E> {
                Ok(KeyList::One(v.to_string()))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<KeyList, A::Error> {
                let mut keys = Vec::new();
                while let Some(k) = seq.next_element()? {
                    keys.push(k);
                }
                Ok(KeyList::Many(keys))
            }
        }
        d.deserialize_any(Visitor)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawDestination {
    pub(super) kind: Spanned<String>,
    pub(super) path: Option<String>,
    pub(super) url: Option<Spanned<SecretValue>>,
    #[serde(default)]
    pub(super) headers: BTreeMap<String, Spanned<SecretValue>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawIncident {
    pub(super) title: String,
    #[serde(default = "default_dir")]
    pub(super) dir: Spanned<String>,
    pub(super) runbooks: Option<Spanned<String>>,
    pub(super) severity: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) params: BTreeMap<String, String>,
    pub(super) update_every: Option<Spanned<String>>,
    pub(super) episode_hold: Option<Spanned<String>>,
}

fn default_dir() -> Spanned<String> {
    Spanned::new(0..0, "incidents".into())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawLog {
    pub(super) name: Spanned<String>,
    pub(super) path: Option<String>,
    pub(super) command: Option<Vec<String>>,
    pub(super) source: Option<Spanned<String>>,
    pub(super) journal: Option<Spanned<RawJournal>>,
    pub(super) loki: Option<Spanned<RawLoki>>,
    pub(super) kubernetes: Option<Spanned<RawKube>>,
    pub(super) timestamp: Option<RawTimestamp>,
    pub(super) reorder: Option<Spanned<String>>,
    pub(super) backfill: Option<Spanned<String>>,
    pub(super) silent_after: Option<Spanned<String>>,
}

/// `journal = { units = ["payments.service"], directory = "/var/log/journal/remote" }` in a `[[log]]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawJournal {
    #[serde(default)]
    pub(super) units: Vec<String>,
    #[serde(default, rename = "match")]
    pub(super) matches: Vec<String>,
    pub(super) directory: Option<String>,
    #[serde(default)]
    pub(super) files: Vec<String>,
    #[serde(default)]
    pub(super) via: Vec<String>,
}

/// `loki = { url = "http://loki:3100", query = '{app="payments"}', tenant = "team", labels = ["pod"] }`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawLoki {
    pub(super) url: String,
    pub(super) query: String,
    pub(super) tenant: Option<String>,
    #[serde(default)]
    pub(super) labels: Vec<String>,
    #[serde(default)]
    pub(super) headers: BTreeMap<String, Spanned<SecretValue>>,
}

/// `kubernetes = { selector = "app=payments", namespace = "prod", context = "prod-eu" }` in a `[[log]]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawKube {
    pub(super) selector: String,
    pub(super) namespace: Option<String>,
    pub(super) context: Option<String>,
    pub(super) kubeconfig: Option<String>,
    pub(super) container: Option<String>,
    pub(super) kubectl: Option<String>,
    pub(super) max_containers: Option<Spanned<usize>>,
}

/// `timestamp = { format = "%d.%m.%Y %H:%M:%S", zone = "+02:00" }` in a `[[log]]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawTimestamp {
    pub(super) format: Option<Spanned<String>>,
    pub(super) zone: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawEndpoint {
    pub(super) name: Spanned<String>,
    pub(super) url: Spanned<String>,
    pub(super) interval: Option<Spanned<String>>,
    pub(super) timeout: Option<Spanned<String>>,
    pub(super) connect_timeout: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) expect_status: Vec<u16>,
    pub(super) max_latency: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) body_contains: Vec<String>,
    #[serde(default)]
    pub(super) body_not_contains: Vec<String>,
    #[serde(default)]
    pub(super) json: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    pub(super) header_present: Vec<String>,
    #[serde(default)]
    pub(super) headers: BTreeMap<String, Spanned<SecretValue>>,
    pub(super) threshold: Option<Spanned<u32>>,
    #[serde(default)]
    pub(super) insecure_tls: bool,
}

/// A value written in the file, or a reference to the environment variable holding it.
#[derive(Deserialize)]
#[serde(untagged)]
pub(super) enum SecretValue {
    Plain(String),
    Env {
        env: String,
        #[serde(default)]
        prefix: String,
    },
}

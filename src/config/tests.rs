use std::path::{Path, PathBuf};
use std::time::Duration;

use super::*;
use crate::core::secret::Secret;

fn parse_str(text: &str) -> Result<Config, SourceError> {
    parse("sitrep.toml", text, Path::new("/base"), &|k| {
        (k == "TOKEN").then(|| "s3cret".to_string())
    })
}

#[test]
fn the_init_template_is_a_valid_config() {
    let cfg = parse("sitrep.toml", TEMPLATE, Path::new("/b"), &|_| {
        Some("x".into())
    })
    .unwrap();
    assert!(!cfg.endpoints.is_empty());
    assert!(!cfg.logs.is_empty());
}

#[test]
fn a_full_endpoint_parses_with_durations_and_a_secret_header() {
    let cfg = parse_str(
        r#"
[incident]
title = "Payments"
[[endpoint]]
name = "payments"
url = "http://127.0.0.1:9/health"
interval = "1s"
max-latency = "800ms"
headers = { Authorization = { env = "TOKEN", prefix = "Bearer " } }
"#,
    )
    .unwrap();
    let ep = &cfg.endpoints[0];
    assert_eq!(ep.interval, Duration::from_secs(1));
    assert_eq!(ep.max_latency, Some(Duration::from_millis(800)));
    assert_eq!(
        ep.headers,
        vec![("Authorization".into(), Secret::new("Bearer s3cret"))]
    );
    // The token is a secret alone too (a command's output may echo it without `Bearer `).
    assert_eq!(cfg.secrets, ["Bearer s3cret", "s3cret"]);
    assert_eq!(cfg.incident.dir, PathBuf::from("/base/incidents"));
}

#[test]
fn a_bad_duration_points_at_its_value() {
    let err = parse_str("[incident]\ntitle = \"x\"\n[[endpoint]]\nname = \"a\"\nurl = \"http://h/\"\ninterval = \"5 parsecs\"\n")
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("sitrep.toml:6:12: `5 parsecs` is not a duration"),
        "{err}"
    );
}

#[test]
fn a_missing_secret_variable_is_a_clear_error() {
    let err = parse_str("[incident]\ntitle = \"x\"\n[[endpoint]]\nname = \"a\"\nurl = \"http://h/\"\nheaders = { X-Key = { env = \"NOPE\" } }\n")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("environment variable `NOPE`, which is not set"),
        "{err}"
    );
    assert!(err.starts_with("sitrep.toml:6:"), "{err}");
}

#[test]
fn a_misspelt_key_gets_a_suggestion() {
    let err = parse_str("[incident]\ntitle = \"x\"\n[[endpoint]]\nname = \"a\"\nurl = \"http://h/\"\nintervall = \"5s\"\n")
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("sitrep.toml:6:1: unknown field `intervall`"),
        "{err}"
    );
    assert!(err.ends_with("did you mean `interval`?"), "{err}");
}

#[test]
fn a_webhook_url_must_come_from_the_environment() {
    let text = "[incident]\ntitle = \"x\"\n[[destination]]\nkind = \"slack\"\nurl = \"https://hooks.example/T0/B0/xyz\"\n";
    let err = parse_str(text).unwrap_err().to_string();
    assert!(
        err.starts_with("sitrep.toml:4:8: the slack url is written in the file"),
        "{err}"
    );
    let ok = parse_str(&text.replace("\"https://hooks.example/T0/B0/xyz\"", "{ env = \"TOKEN\" }"));
    assert!(ok.is_err(), "s3cret is not a URL");
}

#[test]
fn a_file_destination_and_params_parse() {
    let cfg = parse_str("[incident]\ntitle = \"x\"\nparams = { service = \"api\" }\nupdate-every = \"15m\"\n[[destination]]\nkind = \"file\"\npath = \"updates.md\"\n").unwrap();
    assert_eq!(
        cfg.incident.params.get("service").map(String::as_str),
        Some("api")
    );
    assert_eq!(cfg.incident.update_every, Duration::from_secs(900));
    assert_eq!(cfg.destinations.len(), 1);
}

#[test]
fn a_log_needs_a_path_or_a_command() {
    let err = parse_str("[incident]\ntitle = \"x\"\n[[log]]\nname = \"api\"\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("needs `path"), "{err}");
}

fn log_lines(lines: &str) -> Result<Config, SourceError> {
    parse_str(&format!(
        "[incident]\ntitle = \"x\"\n[[log]]\nname = \"api\"\n{lines}\n"
    ))
}

#[test]
fn a_log_names_its_source_by_address_or_journal_table() {
    use crate::tail::journal::{JournalFrom, JournalSpec};
    let cfg = log_lines(r#"source = "journal:payments.service,PRIORITY=3@ssh:db1""#).unwrap();
    let want = JournalSpec {
        units: vec!["payments.service".into()],
        matches: vec!["PRIORITY=3".into()],
        via: vec!["ssh".into(), "-T".into(), "db1".into()],
        ..JournalSpec::default()
    };
    assert_eq!(cfg.logs[0].source, SourceSpec::Journal(want));
    let cfg = log_lines(
        r#"journal = { units = ["a.service"], match = ["_HOSTNAME=db1"], directory = "remote" }"#,
    )
    .unwrap();
    let SourceSpec::Journal(spec) = &cfg.logs[0].source else {
        panic!("{:?}", cfg.logs[0].source);
    };
    assert_eq!(spec.from, JournalFrom::Directory(PathBuf::from("/base/remote")));
    assert_eq!(spec.matches, ["_HOSTNAME=db1"]);
    // A file address is read from the config's folder, as `path` is.
    let cfg = log_lines(r#"source = "file:logs/api.log""#).unwrap();
    assert_eq!(cfg.logs[0].source, SourceSpec::File(PathBuf::from("/base/logs/api.log")));
}

#[test]
fn a_loki_log_takes_its_query_tenant_labels_and_secret_headers() {
    let cfg = log_lines(
        r#"loki = { url = "http://127.0.0.1:3100", query = '{app="payments"} |= "error"', tenant = "team-a", labels = ["pod"], headers = { Authorization = { env = "TOKEN", prefix = "Bearer " } } }"#,
    )
    .unwrap();
    let SourceSpec::Loki(spec) = &cfg.logs[0].source else {
        panic!("{:?}", cfg.logs[0].source);
    };
    assert_eq!(spec.query, r#"{app="payments"} |= "error""#);
    assert_eq!(spec.tenant.as_deref(), Some("team-a"));
    assert_eq!(spec.labels, ["pod"]);
    assert_eq!(spec.headers[0].1.expose(), "Bearer s3cret");
    // Polling (where its tail is refused) brings a line up to 2 s late: held 3 s to merge in order.
    assert_eq!(cfg.logs[0].timing.reorder, std::time::Duration::from_secs(3));
    let err = log_lines(r#"loki = { url = "http://x", query = "app" }"#)
        .unwrap_err()
        .to_string();
    assert!(err.contains("stream selector"), "{err}");
    // A password in the URL would be in the file for everyone: refused, in both forms, unechoed.
    for line in [
        r#"loki = { url = "http://bob:hunter2@127.0.0.1:3100", query = '{app="x"}' }"#,
        r#"source = 'loki:{app="x"}@http://bob:hunter2@127.0.0.1:3100'"#,
    ] {
        let err = log_lines(line).unwrap_err().to_string();
        assert!(err.contains("carries a user and password"), "{err}");
        assert!(err.contains("prefix = \"Basic \""), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
    }
}

fn sitrep_max() -> usize {
    crate::tail::kube::MAX_STREAMS
}

#[test]
fn a_kubernetes_log_takes_its_selector_namespace_context_and_kubectl() {
    let cfg = log_lines(
        r#"kubernetes = { selector = "app=payments,tier!=canary", namespace = "prod", context = "eu-1", container = "app", kubectl = "/opt/kubectl" }"#,
    )
    .unwrap();
    let SourceSpec::Kube(spec) = &cfg.logs[0].source else {
        panic!("{:?}", cfg.logs[0].source);
    };
    assert_eq!(spec.selector, "app=payments,tier!=canary");
    assert_eq!(spec.namespace.as_deref(), Some("prod"));
    assert_eq!(spec.context.as_deref(), Some("eu-1"));
    assert_eq!(spec.container.as_deref(), Some("app"));
    assert_eq!(spec.kubectl, "/opt/kubectl");
    assert_eq!(spec.max_containers, sitrep_max());
    let cfg = log_lines(r#"kubernetes = { selector = "app=x", max-containers = 80 }"#).unwrap();
    let SourceSpec::Kube(spec) = &cfg.logs[0].source else {
        panic!("{:?}", cfg.logs[0].source);
    };
    assert_eq!(spec.max_containers, 80);
    let err = log_lines(r#"kubernetes = { selector = "app=x", max-containers = 0 }"#)
        .unwrap_err()
        .to_string();
    assert!(err.contains("max-containers is 1 to 500"), "{err}");
    let err = log_lines(r#"kubernetes = { selector = "app=x", namespace = "Prod!" }"#)
        .unwrap_err()
        .to_string();
    assert!(err.contains("is not a namespace"), "{err}");
    let err = log_lines("source = \"k8s:app=x\"\nkubernetes = { selector = \"app=x\" }")
        .unwrap_err()
        .to_string();
    assert!(err.contains("more than one of"), "{err}");
}

#[test]
fn a_log_source_mistake_says_what_to_write() {
    let err = log_lines("path = \"a.log\"\nsource = \"journal:x\"").unwrap_err().to_string();
    assert!(err.contains("more than one of"), "{err}");
    let err = log_lines(r#"source = "jurnal:x""#).unwrap_err().to_string();
    assert!(err.contains("unknown kind `jurnal`"), "{err}");
    let err = log_lines(r#"journal = { match = ["unit=x"] }"#).unwrap_err().to_string();
    assert!(err.contains("capitals"), "{err}");
    let err = log_lines(r#"journal = { directory = "a", files = ["b"] }"#)
        .unwrap_err()
        .to_string();
    assert!(err.contains("both `directory` and `files`"), "{err}");
    let err = log_lines(r#"journal = { unit = ["a"] }"#).unwrap_err().to_string();
    assert!(err.contains("unit"), "{err}");
}

fn log_with(timestamp: &str) -> Result<Config, SourceError> {
    parse_str(&format!(
        "[incident]\ntitle = \"x\"\n[[log]]\nname = \"api\"\npath = \"a.log\"\ntimestamp = {timestamp}\n"
    ))
}

#[test]
fn a_log_reads_its_timestamp_format_and_zone() {
    let cfg = log_with(r#"{ format = "%d.%m.%Y %H:%M:%S", zone = "+02:00" }"#).unwrap();
    let zone = Zone::parse("+02:00").unwrap();
    let expected = TimeRule::with_format("%d.%m.%Y %H:%M:%S", zone).unwrap();
    assert_eq!(cfg.logs[0].timing.times, expected);
    let cfg = log_with(r#"{ zone = "UTC" }"#).unwrap();
    assert_eq!(cfg.logs[0].timing.times, TimeRule::auto(Zone::utc()));
}

#[test]
fn a_log_without_timestamp_reads_the_common_formats_in_local_time() {
    let cfg = parse_str("[incident]\ntitle = \"x\"\n[[log]]\nname = \"api\"\npath = \"a.log\"\n").unwrap();
    assert_eq!(cfg.logs[0].timing.times, TimeRule::auto(Zone::Local));
}

#[test]
fn a_bad_timestamp_zone_points_at_it_and_says_what_to_write() {
    let err = log_with(r#"{ zone = "Europe/Paris" }"#).unwrap_err().to_string();
    assert!(
        err.starts_with("sitrep.toml:6:22: log `api`: zone `Europe/Paris` is not understood; write \"local\", \"UTC\" or an offset like \"+02:00\""),
        "{err}"
    );
}

#[test]
fn a_bad_timestamp_format_points_at_it_and_says_what_to_write() {
    let err = log_with(r#"{ format = "%d.%m.%Q" }"#).unwrap_err().to_string();
    assert!(
        err.starts_with("sitrep.toml:6:24: log `api`: timestamp format `%d.%m.%Q` is not a valid strftime format"),
        "{err}"
    );
    let err = log_with(r#"{ format = "%H:%M:%S" }"#).unwrap_err().to_string();
    assert!(err.contains("does not name a full date and time"), "{err}");
    assert!(err.contains("like \"%d.%m.%Y %H:%M:%S\""), "{err}");
}

#[test]
fn an_unknown_timestamp_key_is_rejected() {
    let err = log_with(r#"{ fmt = "%Y" }"#).unwrap_err().to_string();
    assert!(err.starts_with("sitrep.toml:6:"), "{err}");
    assert!(err.contains("fmt"), "{err}");
}

#[test]
fn a_log_sets_how_long_a_merged_view_may_hold_its_lines() {
    let with = |extra: &str| {
        parse_str(&format!(
            "[incident]\ntitle = \"x\"\n[[log]]\nname = \"api\"\npath = \"a.log\"\n{extra}"
        ))
    };
    let default = with("").unwrap();
    assert_eq!(default.logs[0].timing.reorder, Duration::from_secs(1));
    let set = with("reorder = \"250ms\"\n").unwrap();
    assert_eq!(set.logs[0].timing.reorder, Duration::from_millis(250));
    let err = with("reorder = \"5m\"\n").unwrap_err().to_string();
    assert!(err.contains("reorder is at most 1m"), "{err}");
    let err = with("reorder = \"soon\"\n").unwrap_err().to_string();
    assert!(err.contains("sitrep.toml:6:11") && err.contains("\"250ms\""), "{err}");
}

#[test]
fn an_update_cadence_of_nothing_is_refused_at_its_value() {
    let err = parse_str("[incident]\ntitle = \"x\"\nupdate-every = \"0s\"\n")
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("sitrep.toml:3:16: `update-every` must be more than 0s"),
        "{err}"
    );
}

#[test]
fn a_runbooks_folder_that_is_empty_or_a_file_is_refused_at_its_value() {
    let err = parse_str("[incident]\ntitle = \"x\"\nrunbooks = \"\"\n")
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("sitrep.toml:3:12: `runbooks` is empty"), "{err}");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("stabilize.toml");
    std::fs::write(&file, "name = \"stabilize\"\n").unwrap();
    let text = format!("[incident]\ntitle = \"x\"\nrunbooks = \"{}\"\n", file.display());
    let err = parse_str(&text).unwrap_err().to_string();
    assert!(err.contains("names the file") && err.contains("name the folder"), "{err}");
}

#[test]
fn every_error_comes_in_file_order() {
    let text = "[incident]\ntitle = \"x\"\n[[endpoint]]\nname = \"a\"\nurl = \"http://h/\"\nheaders = { X-Key = { env = \"NOPE_A\" } }\n[[destination]]\nkind = \"webhook\"\nurl = { env = \"NOPE_B\" }\n";
    // Destinations are read before endpoints; the errors still come as the file has them.
    let text = text.replacen("[[endpoint]]", "[[destination]]\nkind = \"slack\"\nurl = { env = \"NOPE_C\" }\n[[endpoint]]", 1);
    let errors = parse_all("sitrep.toml", &text, Path::new("/base"), &|_| None).unwrap_err();
    let lines: Vec<usize> = errors.iter().filter_map(|e| e.position.map(|p| p.0)).collect();
    assert_eq!(lines.len(), 3, "{errors:?}");
    let mut sorted = lines.clone();
    sorted.sort_unstable();
    assert_eq!(lines, sorted, "{errors:?}");
}

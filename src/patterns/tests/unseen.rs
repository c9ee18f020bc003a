//! The mistakes seen on logs the miner had never seen: a value written as a word, and the opposite
//! mistake, merging events that differ in a constant word or a key name. Synthetic lines, not taken
//! from any dataset.

use super::mine_all;
use crate::patterns::*;

const USERS: [&str; 7] = ["root", "admin", "test", "guest", "oracle", "ubuntu", "postgres"];

fn failed_password(user: &str, i: usize) -> String {
    format!(
        "Failed password for {user} from 10.0.{}.{} port {} ssh2",
        i % 7,
        i % 250,
        40_000 + i
    )
}

#[test]
fn a_word_that_varies_across_many_patterns_alike_becomes_a_variable_keeping_the_oldest_id() {
    let mut miner = Miner::default();
    let mut lines = Vec::new();
    for i in 0..300 {
        lines.push(failed_password("root", i));
    }
    for (i, user) in USERS.iter().enumerate().skip(1) {
        lines.push(failed_password(user, i));
    }
    let ids: Vec<PatternId> = lines.iter().map(|l| miner.observe(l)).collect();
    let root = ids[0];
    for &id in &ids {
        assert_eq!(miner.resolve(id), root, "every line ends in the oldest pattern");
    }
    assert_eq!(miner.len(), 1, "one pattern is left: merges free what they replace");
    assert_eq!(
        miner.template(root),
        Some("Failed password for <*> from <*> port <*> ssh2")
    );
    let merges = miner.take_merges();
    assert!(!merges.is_empty());
    assert!(merges.iter().all(|m| m.into == root && m.from != root));
    assert!(
        merges.iter().any(|m| m.from_template.contains("admin")),
        "{merges:?}"
    );
    assert!(miner.take_merges().is_empty(), "merges are handed over once");
    // Later values join at once: no pattern is created for them.
    let later = miner.observe(&failed_password("mysql", 1));
    assert_eq!(later, root);
    let values = &miner.get(root).expect("kept").variables()[0].values;
    assert_eq!(values[0].value, "root");
    assert_eq!(values[0].count, 300);
}

#[test]
fn a_constant_word_with_few_values_stays_apart() {
    let (_, ids) = mine_all(&[
        "session opened for user root by (uid=0)",
        "session closed for user root by (uid=0)",
        "session opened for user news by (uid=0)",
        "syslogd startup succeeded on this host",
        "syslogd shutdown succeeded on this host",
        "Connection closed by remote host now",
        "Connection reset by remote host now",
        "Connection refused by remote host now",
        "Connection aborted by remote host now",
    ]);
    assert_ne!(ids[0], ids[1], "opened / closed");
    assert_eq!(ids[0], ids[2]);
    assert_ne!(ids[3], ids[4], "startup / shutdown");
    let verbs: std::collections::HashSet<_> = ids[5..9].iter().collect();
    assert_eq!(verbs.len(), 4, "four verbs are four events");
}

#[test]
fn a_key_name_is_never_merged_away() {
    let keys = ["user", "ruser", "euser", "luser", "suser", "xuser", "wuser"];
    let lines: Vec<String> = keys
        .iter()
        .map(|k| format!("pam check failed for session {k}=bob tty=ssh"))
        .collect();
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let (miner, ids) = mine_all(&refs);
    let distinct: std::collections::HashSet<_> = ids.iter().map(|&id| miner.resolve(id)).collect();
    assert_eq!(distinct.len(), keys.len());
}

#[test]
fn two_words_that_were_values_of_that_place_merge_at_once() {
    // Five services make `removing <*> service` a variable; two later services in another event
    // at the same place are values too.
    let mut lines: Vec<String> = ["chargen", "daytime", "echo", "time", "discard"]
        .iter()
        .map(|s| format!("xinetd: removing {s} service now"))
        .collect();
    lines.push("xinetd: adding chargen service now".into());
    lines.push("xinetd: adding echo service now".into());
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let (miner, ids) = mine_all(&refs);
    assert_eq!(miner.resolve(ids[0]), miner.resolve(ids[4]));
    assert_eq!(miner.resolve(ids[5]), miner.resolve(ids[6]));
    assert_ne!(miner.resolve(ids[0]), miner.resolve(ids[5]), "removing / adding");
    assert_eq!(
        miner.template(miner.resolve(ids[6])),
        Some("xinetd: adding <*> service now")
    );
}

#[test]
fn merging_keeps_memory_bounded() {
    let mut miner = Miner::new(MinerConfig {
        max_patterns: 40,
        ..MinerConfig::default()
    });
    for i in 0..20_000usize {
        let word: String = (0..6)
            .map(|k| char::from(b'a' + ((i / 26usize.pow(k)) % 26) as u8))
            .collect();
        miner.observe(&format!("kind{} {word} event happened here", i % 97));
        miner.observe(&format!("{word} unrelated words in place"));
    }
    assert!(miner.len() <= 40);
    assert!(miner.take_merges().len() <= 1024);
}

#[test]
fn a_stack_trace_is_one_event_of_its_first_line() {
    let mut miner = Miner::default();
    let mut lines = vec![
        "2026-12-04 10:00:00,001 INFO  [main] c.e.Api - request 1 ok".to_string(),
        "2026-12-04 10:00:01,002 ERROR [main] c.e.Api - Failed to charge order 42".to_string(),
        "java.lang.IllegalStateException: gateway said no".to_string(),
    ];
    for i in 0..30 {
        lines.push(format!(
            "\tat com.example.pay.Client{i}.call(Client{i}.java:{})",
            10 + i
        ));
    }
    lines.push("Caused by: java.net.SocketTimeoutException: Read timed out".into());
    lines.push("\t... 12 more".into());
    lines.push("2026-12-04 10:00:02,003 INFO  [main] c.e.Api - request 2 ok".into());
    let ids: Vec<PatternId> = lines.iter().map(|l| miner.observe_in(3, l, 1_000)).collect();
    let failure = ids[1];
    assert!(ids[1..lines.len() - 1].iter().all(|&id| id == failure));
    assert_eq!(ids[0], ids[lines.len() - 1]);
    assert_eq!(miner.len(), 2, "two patterns: the request and the failure");
    assert_eq!(miner.get(failure).map(Pattern::count), Some(1), "counted once");
    assert_eq!(
        miner.template(failure),
        Some("c.e.Api - Failed to charge order <*>")
    );
}

#[test]
fn lines_of_another_stream_do_not_continue_an_event() {
    let mut miner = Miner::default();
    let head = miner.observe_in(1, "2026-12-04 10:00:01 ERROR Failed to charge order 42", 0);
    let other = miner.observe_in(2, "plain line from another source", 0);
    let frame = miner.observe_in(1, "java.lang.IllegalStateException: no", 0);
    assert_ne!(head, other);
    assert_eq!(frame, head);
}


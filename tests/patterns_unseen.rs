//! Pattern mining on logs of kinds the miner was not tuned on (synthetic, labelled; see
//! `tests/patterns_support`): grouping accuracy, and a synthetic incident judged as the cockpit
//! judges it: no false NEW or SPIKE, and the true ones recorded within a second of their first line.

mod patterns_support;

use patterns_support::{corpora, grouping_accuracy, incident};

#[test]
fn grouping_holds_on_each_kind_of_unseen_log() {
    let mut failures = Vec::new();
    for (name, lines) in corpora() {
        let (ga, groups) = grouping_accuracy(&lines);
        if ga < 0.95 {
            failures.push(format!("{name}: GA {ga:.3} with {groups} groups"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn the_synthetic_incident_has_no_false_alarm_and_the_true_ones_come_within_a_second() {
    let outcome = incident();
    assert_eq!(outcome.false_new, 0, "{:#?}", outcome.recorded);
    assert_eq!(outcome.false_spike, 0, "{:#?}", outcome.recorded);
    let new = outcome.new_after_ms.expect("the new error is recorded");
    let spike = outcome.spike_after_ms.expect("the surge is recorded");
    assert!(new <= 1_000, "NEW {new} ms after its first line");
    assert!(spike <= 1_000, "SPIKE {spike} ms after the surge began");
}

#[test]
fn an_account_named_user_joins_the_other_accounts_even_when_it_comes_first() {
    // `for user from`: the word after `user` is taken as a name, so this line's `from` is a value
    // where the other accounts' lines have the word. Coming first, before the accounts merged
    // into `for <*> from`, it must still end in the same pattern, not one of its own.
    let accounts = [
        "user", "root", "admin", "test", "oracle", "guest", "pi", "git",
    ];
    let lines: Vec<(String, &str)> = (0..200)
        .map(|i| {
            let account = accounts[i % accounts.len()];
            let line = format!(
                "Dec  6 10:{:02}:{:02} bastion sshd[{}]: Failed password for {account} from 10.0.{}.{} port {} ssh2",
                i / 60,
                i % 60,
                1000 + i,
                i / 250,
                i % 250 + 1,
                2000 + i
            );
            (line, "failed password")
        })
        .collect();
    let (ga, groups) = grouping_accuracy(&lines);
    assert_eq!((ga, groups), (1.0, 1));
}

#[test]
fn a_name_in_parentheses_is_a_value_like_a_quoted_one() {
    // Four processes killed, four devices mounted: too few names for words that vary to merge,
    // but a name in parentheses is a value, as a quoted name is.
    let comms = ["java", "python3", "node", "postgres"];
    let devices = ["vdb", "xvda", "sdb", "md"];
    let mut lines: Vec<(String, &str)> = Vec::new();
    for i in 0..120 {
        let line = if i % 2 == 0 {
            format!(
                "Dec  6 10:00:{:02} node1 kernel: [{}.{:06}] Out of memory: Killed process {} ({}) total-vm:{}kB, anon-rss:{}kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:{}kB oom_score_adj:0",
                i % 60,
                1000 + i,
                i * 7919 % 1_000_000,
                100 + i,
                comms[i / 2 % comms.len()],
                100_000 + i * 13,
                50_000 + i * 7,
                200 + i
            )
        } else {
            format!(
                "Dec  6 10:00:{:02} node1 kernel: [{}.{:06}] EXT4-fs ({}): mounted filesystem with ordered data mode. Opts: (null). Quota mode: none.",
                i % 60,
                1000 + i,
                i * 7919 % 1_000_000,
                devices[i / 2 % devices.len()]
            )
        };
        lines.push((line, if i % 2 == 0 { "oom" } else { "mounted" }));
    }
    let (ga, groups) = grouping_accuracy(&lines);
    assert_eq!((ga, groups), (1.0, 2));
}

#[test]
fn an_account_named_user_does_not_turn_the_next_word_into_a_value() {
    // `for user user by (uid=0)`: the second `user` is the account (a value); `by` stays the word
    // the other accounts' lines have, whichever line comes first.
    let accounts = ["user", "root", "bob", "carol", "dave"];
    let lines: Vec<(String, &str)> = (0..100)
        .map(|i| {
            let account = accounts[i % accounts.len()];
            let (verb, label) = if i % 3 == 0 {
                ("closed", "closed")
            } else {
                ("opened", "opened")
            };
            let line = format!(
                "Dec  6 10:00:{:02} host sshd[{}]: pam_unix(sshd:session): session {verb} for user {account} by (uid=0)",
                i % 60,
                100 + i
            );
            (line, label)
        })
        .collect();
    let (ga, groups) = grouping_accuracy(&lines);
    assert_eq!((ga, groups), (1.0, 2));
}

#[test]
fn a_name_in_brackets_is_a_value_too() {
    // Elasticsearch writes its values in brackets: a state with three values is still a value.
    let states = [
        ("RED", "YELLOW"),
        ("YELLOW", "GREEN"),
        ("RED", "GREEN"),
        ("GREEN", "YELLOW"),
    ];
    let lines: Vec<(String, &str)> = (0..80)
        .map(|i| {
            let (from, to) = states[i % states.len()];
            let line = format!(
                "[2026-12-06T10:00:{:02},{:03}][INFO ][o.e.c.r.a.AllocationService] [node-{}] Cluster health status changed from [{from}] to [{to}] (reason: [shards started [[logs-app][{}]]]).",
                i % 60,
                i * 7 % 1000,
                i % 5 + 1,
                i % 4
            );
            (line, "health changed")
        })
        .collect();
    let (ga, groups) = grouping_accuracy(&lines);
    assert_eq!((ga, groups), (1.0, 1));
}

#[test]
fn fields_written_name_colon_value_are_fields_not_one_value() {
    // `name:value, name:value`: a list of named fields (Android's SystemUI writes them) is not
    // one value in several pieces. Two such lists with different names are two events, and a
    // call with its arguments (`setDataSource(166, 0, 5)`) is a third; all three were `<*>`.
    let lines: Vec<(String, &str)> = (0..120)
        .map(|i| match i % 3 {
            0 => (
                format!(
                    "overlapAmount:{}.0, previousNotificationEnd:0.0, newYTranslation:-{}.0, location:{}, i:{}",
                    i * 3,
                    i * 2,
                    i % 7,
                    i % 4
                ),
                "overlap",
            ),
            1 => (
                format!("state.clipTopAmount:{}, i:{}", 100 + i, i % 4),
                "clip",
            ),
            _ => (
                format!("setDataSource({}, 0, {})", i, 576460752303423487u64 - i as u64),
                "data source",
            ),
        })
        .collect();
    let (ga, groups) = grouping_accuracy(&lines);
    assert_eq!((ga, groups), (1.0, 3));
}

#[test]
fn names_that_vary_in_two_events_are_values_but_words_of_two_values_and_capitals_stay() {
    // Three consumer groups named in two events (Kafka's coordinator writes both): six patterns
    // before, though each event is one with the group's name as a value. A word with two values
    // in two events (`session opened` / `closed`) and capitals of the code (`GET` / `POST` /
    // `PUT` in two events) are words: those events stay apart.
    let groups = ["refunds", "payments", "notifications"];
    let methods = ["GET", "POST", "PUT"];
    let lines: Vec<(String, String)> = (0..360)
        .map(|i| {
            let group = groups[i % 3];
            let method = methods[i % 3];
            let state = ["opened", "closed"][i % 2];
            match (i / 3) % 6 {
                0 => (
                    format!(
                        "Preparing to rebalance group {group} in state PreparingRebalance with old generation {}",
                        100 + i
                    ),
                    "rebalance".to_string(),
                ),
                1 => (
                    format!("Stabilized group {group} generation {} with {} members", 100 + i, i % 7),
                    "stabilized".to_string(),
                ),
                2 => (
                    format!("pam_unix(sshd:session): session {state} for user u{}", i % 9),
                    format!("sshd session {state}"),
                ),
                3 => (
                    format!("pam_unix(cron:session): session {state} for user root by (uid={})", i % 5),
                    format!("cron session {state}"),
                ),
                4 => (
                    format!("proxy forwarded {method} request to upstream pool after {} ms", i % 50),
                    format!("forwarded {method}"),
                ),
                _ => (
                    format!("proxy rejected {method} request from client with reason quota after {} ms", i % 40),
                    format!("rejected {method}"),
                ),
            }
        })
        .collect();
    let (ga, groups) = grouping_accuracy(&lines);
    assert_eq!((ga, groups), (1.0, 12));
}

#[test]
fn a_flag_keeps_its_value_and_a_named_field_does_not() {
    // `hit=true` and `hit=false`, `ret:true` and `ret:false` take different paths through the
    // code: two events each. `user=` names an account, a value whatever its value.
    let users = ["alice", "bob", "carol", "dave", "erin", "frank", "grace"];
    let mut lines: Vec<(String, &str)> = Vec::new();
    for i in 0..300 {
        let user = users[i % users.len()];
        let hit = if i % 3 == 0 { "false" } else { "true" };
        lines.push((
            format!(
                "cache lookup key=k{} user={user} hit={hit} took={}ms",
                i * 31,
                i % 17
            ),
            if hit == "true" {
                "cache hit"
            } else {
                "cache miss"
            },
        ));
        if i % 4 == 0 {
            let ret = if i % 8 == 0 { "ret:true" } else { "ret:FALSE" };
            lines.push((
                format!("shouldBlockLocation {ret} uid={}", 10_000 + i),
                if i % 8 == 0 { "blocked" } else { "not blocked" },
            ));
        }
    }
    let (ga, groups) = grouping_accuracy(&lines);
    assert_eq!((ga, groups), (1.0, 4));
}

#[test]
fn many_words_after_one_shared_word_are_values_and_a_few_stay_words() {
    // `removing chargen`, `removing daytime`, …: one word in common is too little to call six
    // words values (`service boot`, `service halt` are commands), but twelve services are values.
    let services = [
        "chargen", "daytime", "echo", "time", "eklogin", "ftp", "klogin", "kshell", "ntalk",
        "printer", "rsync", "telnet",
    ];
    let commands = ["boot", "halt", "reboot", "poweroff", "suspend", "hibernate"];
    let mut lines: Vec<(String, &str)> = Vec::new();
    for (i, service) in services.iter().enumerate() {
        lines.push((format!("removing {service}"), "removing"));
        let command = commands[i % commands.len()];
        lines.push((format!("service {command}"), command));
    }
    let (ga, groups) = grouping_accuracy(&lines);
    assert_eq!((ga, groups), (1.0, 7));
}

#[test]
fn a_function_qualified_by_its_class_names_the_event() {
    // `Device::start entered` and `Device::willTerminate entered` are written at two places in the
    // code: two events, not one value. (`CCFile::captureLog` and the like.)
    let mut lines: Vec<(String, &str)> = Vec::new();
    for i in 0..30 {
        let (function, event) = match i % 3 {
            0 => ("AppleMultitouchDevice::willTerminate", "terminate"),
            1 => ("AppleMultitouchDevice::start", "start"),
            _ => ("AppleActuatorHIDEventDriver::start", "driver start"),
        };
        lines.push((format!("[HID] [MT] {function} entered"), event));
        lines.push((
            format!("sess {} wake took {} ms", 4_000 + i, 10 + i % 7),
            "wake",
        ));
    }
    let (ga, groups) = grouping_accuracy(&lines);
    assert_eq!((ga, groups), (1.0, 4));
}

#[test]
fn a_qualified_name_with_digits_names_the_event_too() {
    // A tracing target (`h2::proto::streams::recv`) or a driver's method
    // (`AirPort_Brcm43xx::syncPowerState`) says where the line was written, digits and all: the
    // value after it does not swallow it, and each place is its own event.
    let mut lines: Vec<(String, &str)> = Vec::new();
    for i in 0..60 {
        let (function, event) = match i % 3 {
            0 => ("h2::proto::streams::recv", "recv"),
            1 => ("h2::proto::streams::send", "send"),
            _ => ("Driver_Brcm43xx::syncPowerState", "sync"),
        };
        lines.push((
            format!(
                "[conn {}] {function}: 0x{:x} window {}",
                17 + i % 4,
                4096 * i,
                i * 31
            ),
            event,
        ));
    }
    let (ga, groups) = grouping_accuracy(&lines);
    assert_eq!((ga, groups), (1.0, 3));
}

#[test]
fn an_empty_request_context_is_the_same_event_as_a_full_one() {
    // OpenStack writes a request's context `[req-<id> <user> <project> - - -]`, or `[-]` when
    // there is none: the dash that closes the brackets is an empty value like the others, not a
    // mark that tells events apart.
    let mut lines: Vec<(String, &str)> = Vec::new();
    for i in 0..60u64 {
        let context = if i % 4 == 3 {
            "[-]".to_owned()
        } else {
            format!(
                "[req-{:08x}-895d-4b64-9e2d-04d64c4d94ab {:032x} {:032x} - - -]",
                i * 7919,
                i * 31,
                i * 17
            )
        };
        let (message, event) = if i % 3 == 0 {
            ("VM Started (Lifecycle Event)", "started")
        } else {
            (
                "During sync_power_state the instance has a pending task (spawning). Skip.",
                "sync",
            )
        };
        lines.push((
            format!(
                "2017-05-16 00:{:02}:{:02}.{:03} 2931 INFO nova.compute.manager {context} [instance: b9000564-fe1a-409b-b8cc-{:012x}] {message}",
                i / 60,
                i % 60,
                i * 13 % 1000,
                i * 101
            ),
            event,
        ));
    }
    let (ga, groups) = grouping_accuracy(&lines);
    assert_eq!((ga, groups), (1.0, 2));
}

#[test]
fn a_quoted_name_among_quoted_values_is_one_of_them() {
    // Envoy's access log: the authority is `"orders.svc:8080"` on most lines and
    // `"api.example.com"` (no digits) on others; it is a field like its neighbours either way.
    let hosts = [
        "\"orders.svc:8080\"",
        "\"api.example.com\"",
        "\"items.svc:8080\"",
    ];
    let agents = [
        "\"curl/8.1.2\"",
        "\"Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101\"",
    ];
    let mut lines: Vec<(String, &str)> = Vec::new();
    for i in 0..240 {
        let (method, label) = if i % 4 == 3 {
            ("POST", "post")
        } else {
            ("GET", "get")
        };
        lines.push((
            format!(
                "[2026-12-06T10:00:{:02}.{:03}Z] \"{method} /api/v1/items/{i} HTTP/1.1\" 200 - 0 {} {} {} \"10.0.0.{}\" {} \"{:08x}-aa41\" {} \"10.0.1.{}:8080\"",
                i % 60,
                i,
                1000 + i * 7,
                i % 50,
                i % 40,
                i % 9,
                agents[i % 2],
                i * 7919,
                hosts[i % 3],
                i % 7
            ),
            label,
        ));
    }
    let (ga, groups) = grouping_accuracy(&lines);
    assert_eq!((ga, groups), (1.0, 2));
}

#[test]
fn none_or_null_where_a_value_is_is_a_value() {
    // urllib3 writes `None` for a length it does not know, Celery for a task that returned
    // nothing: the same events as the lines with a number there.
    let mut lines: Vec<(String, &str)> = Vec::new();
    for i in 0..200 {
        let length = if i % 3 == 0 {
            "None".to_string()
        } else {
            (1_000 + i * 37).to_string()
        };
        lines.push((
            format!("https://api.example.com:443 \"POST /v1/charges/{i} HTTP/1.1\" 200 {length}"),
            "post",
        ));
        let result = ["None", "3", "null", "17"][i % 4];
        lines.push((
            format!(
                "Task worker.tasks.sync[{:08x}] succeeded in 0.{:03}s: {result}",
                i * 7919,
                i
            ),
            "succeeded",
        ));
    }
    let (ga, groups) = grouping_accuracy(&lines);
    assert_eq!((ga, groups), (1.0, 2));
}

#[test]
fn fields_after_a_label_that_end_in_different_reasons_stay_apart() {
    // MySQL's aborted connections: the same fields after `db:`, then one of five reasons. Five
    // ways for the text after the label to differ is not free text there: each reason is an event.
    let reasons = [
        (
            "Got an error reading communication packets",
            "error reading",
        ),
        (
            "Got timeout reading communication packets",
            "timeout reading",
        ),
        (
            "Got an error writing communication packets",
            "error writing",
        ),
        (
            "Got timeout writing communication packets",
            "timeout writing",
        ),
        (
            "The client was disconnected by the server because of inactivity. See wait_timeout and interactive_timeout for configuring this behavior",
            "inactivity",
        ),
    ];
    let dbs = ["'shop'", "'auth'", "'billing'"];
    let users = ["'app'", "'grafana'", "'app_ro'", "'unauthenticated'"];
    let mut lines: Vec<(String, &str)> = Vec::new();
    for i in 0..400 {
        let (reason, label) = reasons[(i * i + i / 7) % reasons.len()];
        lines.push((
            format!(
                "2026-12-06T10:00:{:02}.{:06}Z {} [Note] [MY-010914] [Server] Aborted connection {} to db: {} user: {} host: '10.0.0.{}' ({reason}).",
                i % 60,
                i * 37,
                100 + i,
                1_000 + i,
                dbs[i % 3],
                users[i % 4],
                i % 50
            ),
            label,
        ));
    }
    let (ga, groups) = grouping_accuracy(&lines);
    assert_eq!((ga, groups), (1.0, 5));
}

#[test]
fn the_verbs_a_message_opens_with_are_never_a_vocabulary_of_names() {
    // `Starting`, `Started`, `Stopping`, `Stopped` before the same units: the same three words
    // or more tell apart two events' siblings, as names used in two events would, but a message's
    // first word says what happened. A unit that stopped is not the unit that started.
    let units = [
        "PostgreSQL Cluster 14-main",
        "Discard unused blocks on filesystems from /etc/fstab",
        "Message of the Day",
        "Prometheus exporter for machine metrics",
    ];
    let verbs = [
        ("Starting", "..."),
        ("Started", "."),
        ("Stopping", "..."),
        ("Stopped", "."),
    ];
    let mut lines: Vec<(String, String)> = Vec::new();
    for i in 0..160 {
        let unit = units[(i * 7 + i / 5) % units.len()];
        let (verb, end) = verbs[(i * 3 + i / 4) % verbs.len()];
        lines.push((format!("{verb} {unit}{end}"), format!("{verb} {unit}")));
    }
    let (ga, groups) = grouping_accuracy(&lines);
    assert_eq!((ga, groups), (1.0, 16));
}

#[test]
fn a_keys_list_is_one_value_however_many_items_it_has() {
    // klog's `pods=["shop/a"]` and `pods=["shop/a", "shop/b"]`: one event.
    let pods = [
        "\"shop/api-7d9f8-x2k4q\"",
        "\"kube-system/coredns-5d78c-abcde\"",
        "\"shop/web-0\"",
    ];
    let mut lines: Vec<(String, &str)> = Vec::new();
    for i in 0..90 {
        let list = pods[..1 + i % 3].join(", ");
        lines.push((
            format!(
                "I1206 10:00:{:02}.{:06}    2841 kubelet.go:2407] \"SyncLoop ADD\" source=\"api\" pods=[{list}]",
                i % 60,
                i * 7919
            ),
            "add",
        ));
    }
    let (ga, groups) = grouping_accuracy(&lines);
    assert_eq!((ga, groups), (1.0, 1));
}

#[test]
fn a_list_closed_in_its_first_piece_leaves_the_keys_after_it() {
    // `added=[a],` is a whole list: `removed=` after it is a key of its own, not list items.
    let mut miner = sitrep::patterns::Miner::new(sitrep::patterns::MinerConfig::default());
    let id = miner.observe("sync added=[a], removed=[b, c] done");
    let template = miner.template(id).unwrap_or_default().to_owned();
    assert!(template.contains("removed="), "{template}");
}

#[test]
fn an_arrow_is_a_word_whichever_way_it_points() {
    // `A <- B`, `A <-> B` and `A B` are three events, as `A -> B` is another: the arrow is no
    // empty value folded into the addresses beside it.
    let mut lines: Vec<(String, &str)> = Vec::new();
    for i in 0..30 {
        let (arrow, event) = match i % 3 {
            0 => ("<- ", "in"),
            1 => ("<-> ", "both"),
            _ => ("", "none"),
        };
        lines.push((
            format!(
                "link 10.0.0.{i} {arrow}10.0.1.{i} port {} closed by peer now",
                80 + i
            ),
            event,
        ));
    }
    let (ga, groups) = grouping_accuracy(&lines);
    assert_eq!((ga, groups), (1.0, 3));
}

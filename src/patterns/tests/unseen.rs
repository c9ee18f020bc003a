//! The mistakes seen on logs the miner had never seen: a value written as a word, and the opposite
//! mistake, merging events that differ in a constant word or a key name. Synthetic lines, not taken
//! from any dataset.

use super::{mine_all, observe_each, patterns_among, same_pattern, template_after};
use crate::patterns::*;
use crate::core::level::Level;

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
fn one_other_account_after_for_by_or_from_is_a_value_at_once() {
    // Hundreds of `root` and one `admin`: the second account is no new event.
    let mut lines: Vec<String> = (0..300).map(|i| failed_password("root", i)).collect();
    lines.push(failed_password("admin", 1));
    lines.push("Connection closed by alice on port 22".into());
    lines.push("Connection closed by deploy on port 22".into());
    lines.push("Accepted publickey from db-2 on port 22".into());
    lines.push("Accepted publickey from bastion on port 22".into());
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let (miner, ids) = mine_all(&refs);
    assert_eq!(ids[300], ids[0], "no pattern is created for it");
    assert_eq!(
        miner.template(ids[0]),
        Some("Failed password for <*> from <*> port <*> ssh2")
    );
    assert_eq!(miner.resolve(ids[302]), ids[301]);
    assert_eq!(miner.resolve(ids[304]), ids[303]);
    assert_eq!(miner.len(), 3);
    // Not a verb after `to`, a state in capitals, or a label with its dot leader.
    let (miner, ids) = mine_all(&[
        "Failed to start nginx.service now",
        "Failed to stop nginx.service now",
        "Transitioned from NEW to INITED",
        "Transitioned from RUNNING to INITED",
        "data store interrupt caused by dcbf.........1",
        "data store interrupt caused by icbi.........0",
        "Request blocked by firewall",
        "Request blocked by ratelimiter",
    ]);
    assert_eq!(patterns_among(&miner, &ids), ids.len());
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
    assert_eq!(patterns_among(&miner, &ids), keys.len());
}

#[test]
fn two_words_that_were_values_of_that_place_merge_at_once() {
    // Five services make `removing <*> service` a variable; two later services in another event
    // at the same place are values too.
    let mut lines: Vec<String> = ["chargen", "daytime", "echo", "time", "discard"]
        .iter()
        .map(|s| format!("xinetd: removing {s} service now"))
        .collect();
    lines.push("xinetd: adding \"rsync\" service now".into());
    lines.push("xinetd: adding chargen service now".into());
    lines.push("xinetd: adding echo service now".into());
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let (miner, ids) = mine_all(&refs);
    assert_eq!(miner.resolve(ids[0]), miner.resolve(ids[4]));
    assert_eq!(miner.resolve(ids[6]), miner.resolve(ids[7]));
    assert_ne!(miner.resolve(ids[0]), miner.resolve(ids[6]), "removing / adding");
    assert_eq!(
        miner.template(miner.resolve(ids[7])),
        Some("xinetd: adding <*> service now")
    );
}


#[test]
fn a_word_where_another_line_has_a_number_is_a_value_too() {
    // An error code written as a word by some lines and as a number or an id by others: one
    // event, however few words there are.
    let (miner, ids) = mine_all(&[
        "payment declined by issuer, reason code: fraud;",
        "payment declined by issuer, reason code: 4021;",
        "payment declined by issuer, reason code: expired;",
        "payment declined by issuer, reason code: dnh-05113;",
        "payment declined by issuer, reason code: fraud;",
    ]);
    assert_eq!(patterns_among(&miner, &ids), 1, "{ids:?}");
    assert_eq!(miner.resolve(ids[4]), ids[0], "the oldest id is kept");
    assert_eq!(
        miner.template(ids[0]),
        Some("payment declined by issuer, reason code: <*>")
    );
    // A name with a digit in it is a name, not one more value: ten method names after a tag (one
    // word short of what makes a lone word a value) stay ten events.
    let names = [
        "isMusicActive", "getMode", "getRingerMode", "isWiredHeadsetOn", "abandonAudioFocus",
        "getRingtonePlayer", "isBluetoothScoOn", "querySoundEffectsEnabled", "unregisterListener",
        "isBluetoothA2dpOn",
    ];
    let lines: Vec<String> = names.iter().map(|n| format!("AudioManager: {n}...")).collect();
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let (miner, ids) = mine_all(&refs);
    assert_eq!(patterns_among(&miner, &ids), names.len());
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
    let ids = observe_each(&mut miner, 3, &lines, 1_000);
    let failure = ids[1];
    assert!(ids[1..lines.len() - 1].iter().all(|&id| id == failure));
    assert_eq!(ids[0], ids[lines.len() - 1]);
    assert_eq!(miner.len(), 2, "two patterns: the request and the failure");
    assert_eq!(miner.get(failure).map(Pattern::count), Some(1), "counted once");
    // The exception under the message says what failed (see `miner::held`).
    assert_eq!(
        miner.template(failure),
        Some("c.e.Api - Failed to charge order <*> java.lang.IllegalStateException: gateway said no Caused by: java.net.SocketTimeoutException: Read timed out")
    );
}

#[test]
fn a_new_kind_of_exception_under_a_known_error_is_a_new_pattern() {
    // `log.error("Charge failed for order {}", id, e)`: the message is the same whatever failed,
    // and the exception under it says what did. A refusal for a while, then timeouts: the
    // timeouts are a pattern of their own (they had been counted in the refusals' pattern, a new
    // kind of failure never told), each record counted once, its frames with it.
    let java = |i: usize, exception: &str| {
        let mut lines = vec![
            format!("2026-12-07 10:00:{:02}.001 ERROR 1 --- [exec-{}] c.a.p.PaymentService : Charge failed for order {}", i % 60, i % 8, 1000 + i),
            exception.to_string(),
        ];
        lines.extend((0..12).map(|f| format!("\tat com.acme.pay.Layer{f}.call(Layer{f}.java:{})", 10 + f)));
        lines.push("\t... 42 common frames omitted".into());
        lines.push(format!("2026-12-07 10:00:{:02}.500  INFO 1 --- [exec-{}] c.a.p.PaymentController : Charge accepted for order {}", i % 60, i % 8, 2000 + i));
        lines
    };
    let mut miner = Miner::default();
    let mut refused = Vec::new();
    let mut timed_out = Vec::new();
    for i in 0..30 {
        let (exception, kind) = if i < 20 || i % 2 == 0 {
            ("java.net.ConnectException: Connection refused (Connection refused)", &mut refused)
        } else {
            ("java.net.SocketTimeoutException: Read timed out", &mut timed_out)
        };
        let lines = java(i, exception);
        let ids = observe_each(&mut miner, 1, &lines, 1_000);
        let record = &ids[..lines.len() - 1];
        assert!(record.iter().all(|&id| id == ids[0]), "record {i}: {ids:?}");
        assert_ne!(ids[lines.len() - 1], ids[0]);
        kind.push(ids[0]);
    }
    assert!(refused.iter().all(|&id| id == refused[0]));
    assert!(timed_out.iter().all(|&id| id == timed_out[0]));
    assert_ne!(refused[0], timed_out[0], "a timeout is not a refusal");
    assert_eq!(miner.get(refused[0]).map(Pattern::count), Some(25));
    assert_eq!(miner.get(timed_out[0]).map(Pattern::count), Some(5));
    assert_eq!(
        miner.template(timed_out[0]),
        Some("c.a.p.PaymentService : Charge failed for order <*> java.net.SocketTimeoutException: Read timed out")
    );
    assert_eq!(miner.get(timed_out[0]).and_then(Pattern::level), Some(Level::Error));
    assert_eq!(miner.len(), 3, "the two failures and the accepted charges");
    assert_eq!(miner.lines_seen(), 30 * 16, "every line counted once");

    // Python's `logger.exception(…)`: the traceback's last line names the exception.
    let python = |i: usize, exception: &str| {
        vec![
            format!("2026-12-07 10:00:{:02},001 ERROR [payments] Charge failed for order {}", i % 60, 1000 + i),
            "Traceback (most recent call last):".to_string(),
            "  File \"/srv/app/pay.py\", line 10, in charge".to_string(),
            "    resp = session.post(url, timeout=10)".to_string(),
            exception.to_string(),
        ]
    };
    let read_timeout = "requests.exceptions.ReadTimeout: HTTPSConnectionPool(host='api.stripe.com', port=443): Read timed out. (read timeout=10)";
    let refused = "requests.exceptions.ConnectionError: HTTPSConnectionPool(host='api.stripe.com', port=443): Max retries exceeded with url: /v1/charges";
    let mut miner = Miner::default();
    let timeouts: Vec<PatternId> = (0..5).map(|i| observe_each(&mut miner, 2, &python(i, read_timeout), 0)[0]).collect();
    let ids = observe_each(&mut miner, 2, &python(9, refused), 0);
    assert!(ids.iter().all(|&id| id == ids[0]), "{ids:?}");
    assert!(timeouts.iter().all(|&id| id == timeouts[0]));
    assert_ne!(ids[0], timeouts[0], "a refused connection is not a read timeout");
    assert!(miner.template(ids[0]).is_some_and(|t| t.starts_with("Charge failed for order <*> requests.exceptions.ConnectionError:")));
}

#[test]
fn a_wrapped_java_exception_is_told_by_its_root_cause() {
    // A wrapper thrown the same whatever failed under it: the last `Caused by:` says what did.
    let record = |order: usize, root: &str| {
        let mut lines = vec![
            format!("2026-12-07 10:00:{:02}.001 ERROR 1 --- [exec-1] c.a.p.PaymentService : Charge failed for order {order}", order % 60),
            "com.acme.payments.GatewayException: charge failed".to_string(),
            "\tat com.acme.payments.Gateway.charge(Gateway.java:42)".to_string(),
            "Caused by: org.apache.http.conn.HttpHostConnectException: Connect to api.stripe.com:443 failed".to_string(),
            "\tat org.apache.http.impl.conn.DefaultHttpClientConnectionOperator.connect(DefaultHttpClientConnectionOperator.java:156)".to_string(),
            root.to_string(),
            "\t... 12 more".to_string(),
        ];
        lines.push(format!("2026-12-07 10:00:{:02}.500  INFO 1 --- [exec-1] c.a.p.PaymentController : Charge accepted for order {}", order % 60, order + 1));
        lines
    };
    let mut miner = Miner::default();
    let refused = "Caused by: java.net.ConnectException: Connection refused (Connection refused)";
    let timed_out = "Caused by: java.net.SocketTimeoutException: connect timed out";
    let a = observe_each(&mut miner, 1, &record(1, refused), 0);
    let b = observe_each(&mut miner, 1, &record(2, refused), 0);
    let c = observe_each(&mut miner, 1, &record(3, timed_out), 0);
    assert!(a[..7].iter().all(|&id| id == a[0]), "{a:?}");
    assert_eq!(a[0], b[0]);
    assert_ne!(a[0], c[0], "a timeout under the wrapper is not a refusal");
    assert_eq!(
        miner.template(c[0]),
        Some("c.a.p.PaymentService : Charge failed for order <*> com.acme.payments.GatewayException: charge failed Caused by: java.net.SocketTimeoutException: connect timed out")
    );
    // A type's name longer than a word may be stays a word: what failed is not a value.
    let long = "org.springframework.security.authentication.BadCredentialsException: Bad credentials";
    let (miner, ids) = mine_all(&[
        "2026-12-07 10:00:00 ERROR Login failed for user 7",
        long,
        "2026-12-07 10:00:01 ERROR Login failed for user 8",
        "org.springframework.security.authentication.InsufficientAuthenticationException: Full authentication is required",
    ]);
    assert_ne!(ids[0], ids[2]);
    assert_eq!(miner.template(ids[0]), Some("Login failed for user <*> org.springframework.security.authentication.BadCredentialsException: Bad credentials"));
}

#[test]
fn a_json_error_keeps_its_fields_and_a_suppressed_cause_is_no_root() {
    // A JSON record is read as its fields: what a process prints under it (an uncaught error's
    // stack) goes on with it and changes nothing of its pattern or level.
    let (miner, ids) = mine_all(&[
        r#"{"level":50,"time":1765101600000,"pid":1,"msg":"charge failed","order":1}"#,
        r#"{"level":50,"time":1765101600002,"pid":1,"msg":"charge failed","order":2}"#,
        "TypeError: Cannot read properties of undefined (reading 'id')",
        "    at charge (/app/pay.js:10:5)",
    ]);
    assert!(ids.iter().all(|&id| id == ids[0]), "{ids:?}");
    assert_eq!(miner.get(ids[0]).and_then(Pattern::level), Some(Level::Error));
    // Java's causes start their line; one indented is a suppressed exception's, not the root.
    let (miner, ids) = mine_all(&[
        "2026-12-07 10:00:01.000 ERROR 1 --- [m] c.a.S : Charge failed for order 1",
        "com.acme.GatewayException: charge failed",
        "\tat a.B.c(B.java:1)",
        "Caused by: java.net.SocketTimeoutException: Read timed out",
        "\tSuppressed: java.io.IOException: close failed",
        "\tCaused by: java.lang.IllegalStateException: pool closed",
        "\t\t... 3 more",
    ]);
    assert!(ids.iter().all(|&id| id == ids[0]), "{ids:?}");
    assert_eq!(
        miner.template(ids[0]),
        Some("c.a.S : Charge failed for order <*> com.acme.GatewayException: charge failed Caused by: java.net.SocketTimeoutException: Read timed out")
    );
}

#[test]
fn a_dotnet_record_with_its_exception_is_one_pattern_from_its_head() {
    let lines = [
        "fail: Acme.Payments.PaymentService[0]",
        "      Charge failed for order 1001",
        "      System.Net.Http.HttpRequestException: Connection refused (api.stripe.com:443)",
        "         at System.Net.Http.HttpConnectionPool.ConnectAsync()",
        "info: Acme.Payments.PaymentService[0]",
        "      Charge 1002 accepted in 21 ms",
    ];
    let mut miner = Miner::default();
    let ids = observe_each(&mut miner, 1, &lines, 0);
    assert!(ids[..4].iter().all(|&id| id == ids[0]), "{ids:?}");
    let p = miner.get(ids[0]).expect("the head's line has its record's pattern");
    assert_eq!(p.level(), Some(Level::Error));
    assert!(p.template().ends_with("System.Net.Http.HttpRequestException: Connection refused (api.stripe.com:<*>)"), "{}", p.template());
    assert_eq!(ids[4], ids[5]);
}

#[test]
fn a_chain_of_python_tracebacks_is_told_by_the_exception_raised_last() {
    // `raise GatewayUnavailable(…) from e`: the exception raised is the chain's last; the one it
    // came from is in the lines, not in the pattern.
    let record = |order: usize, cause: &str, raised: &str| {
        vec![
            format!("2026-12-07 10:00:{:02},001 ERROR [payments] Charge failed for order {order}", order % 60),
            "Traceback (most recent call last):".to_string(),
            "  File \"/srv/app/pay.py\", line 20, in charge".to_string(),
            "    resp = sock.recv(4096)".to_string(),
            cause.to_string(),
            String::new(),
            "The above exception was the direct cause of the following exception:".to_string(),
            String::new(),
            "Traceback (most recent call last):".to_string(),
            "  File \"/srv/app/pay.py\", line 22, in charge".to_string(),
            "    raise GatewayUnavailable(\"stripe did not answer\") from e".to_string(),
            raised.to_string(),
        ]
    };
    let mut miner = Miner::default();
    // Ordinary lines first: the stream is known to have headers.
    for i in 0..10 {
        miner.observe_in(1, &format!("2026-12-07 09:59:{i:02},001 INFO [payments] Charge accepted for order {i}"), 0);
    }
    let gateway = "payments.errors.GatewayUnavailable: stripe did not answer";
    let first = observe_each(&mut miner, 1, &record(1, "TimeoutError: timed out", gateway), 0);
    assert!(first.iter().all(|&id| id == first[0]), "{first:?}");
    assert_eq!(
        miner.template(first[0]),
        Some("Charge failed for order <*> payments.errors.GatewayUnavailable: stripe did not answer")
    );
    // The same exception raised from another cause is the same event.
    let second = observe_each(&mut miner, 1, &record(2, "ConnectionResetError: [Errno 104] Connection reset by peer", gateway), 0);
    assert!(second.iter().all(|&id| id == first[0]), "{second:?}");
}

#[test]
fn an_error_with_no_exception_under_it_is_its_own_line_and_the_next_reads_afresh() {
    let mut miner = Miner::default();
    let lines = [
        "2026-12-07 10:00:01 ERROR Charge failed for order 1",
        "2026-12-07 10:00:02 ERROR Charge failed for order 2",
        "2026-12-07 10:00:03 INFO Charge accepted for order 3",
        "2026-12-07 10:00:04 ERROR Charge failed for order 4",
        // A line under it that is no exception is the error's, as before.
        "Key (id)=(7) already exists.",
        "2026-12-07 10:00:05 ERROR Charge failed for order 5",
    ];
    let ids = observe_each(&mut miner, 1, &lines, 0);
    assert_eq!(ids[0], ids[1]);
    assert_eq!(ids[1], ids[3]);
    assert_eq!(ids[3], ids[4]);
    assert_eq!(ids[4], ids[5]);
    assert_ne!(ids[2], ids[0]);
    assert_eq!(miner.template(ids[0]), Some("Charge failed for order <*>"));
    assert_eq!(miner.get(ids[0]).map(Pattern::count), Some(4));
    assert_eq!(miner.lines_seen(), 6);
    // Before the input is said to end, the last error line waits for what may come under it.
    let held = miner.observe("2026-12-07 10:00:06 ERROR Charge failed for order 6");
    assert_eq!(miner.template(held), None);
    miner.settle_held();
    assert_eq!(miner.resolve(held), ids[0]);
}

#[test]
fn a_node_error_printed_under_the_error_logged_about_it_is_that_events() {
    // winston's line, then the thrown `Error` (node-postgres names its errors `error`) and its
    // frames.
    let lines = [
        "2024-03-14T09:12:03.123Z info: Server listening on port 3000",
        "2024-03-14T09:12:04.123Z error: Redis connection error: connect ECONNREFUSED 10.0.5.3:6379",
        "Error: connect ECONNREFUSED 10.0.5.3:6379",
        "    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1555:16)",
        "2024-03-14T09:12:05.123Z error: Query failed for user 7",
        "error: duplicate key value violates unique constraint \"users_email_key\"",
        "    at Query.run (/app/node_modules/pg/lib/query.js:302:59)",
        "2024-03-14T09:12:06.123Z info: Server listening on port 3000",
        // Under an info line, a level alone still opens an event.
        "Error: config file missing",
    ];
    let mut miner = Miner::default();
    let ids = observe_each(&mut miner, 3, &lines, 1_000);
    assert!(ids[1..4].iter().all(|&id| id == ids[1]), "{ids:?}");
    assert!(ids[4..7].iter().all(|&id| id == ids[4]), "{ids:?}");
    assert_eq!(ids[0], ids[7]);
    assert_ne!(ids[8], ids[7]);
    assert_eq!(miner.len(), 4, "{:?}", miner.patterns().map(Pattern::template).collect::<Vec<_>>());
}

#[test]
fn celerys_header_gives_the_level_and_a_warnings_traceback_is_its_own() {
    let lines = [
        "[2024-03-14 09:12:03,123: INFO/MainProcess] Task app.tasks.send_email[0b1c2d3e-01] received",
        "[2024-03-14 09:12:04,456: ERROR/ForkPoolWorker-3] Task app.tasks.charge[0b1c2d3e-02] raised unexpected: KeyError('id')",
        "Traceback (most recent call last):",
        "  File \"/app/app/tasks.py\", line 42, in charge",
        "    cid = payload['id']",
        "KeyError: 'id'",
        "[2024-03-14 09:12:33,740: WARNING/MainProcess] consumer: Connection to broker lost. Trying to re-establish the connection...",
        "Traceback (most recent call last):",
        "  File \"/usr/lib/python3.11/site-packages/kombu/connection.py\", line 446, in _reraise",
        "    yield",
        "ConnectionResetError: [Errno 104] Connection reset by peer",
        "[2024-03-14 09:12:35,789: INFO/MainProcess] Task app.tasks.send_email[0b1c2d3e-03] received",
    ];
    let mut miner = Miner::default();
    let ids = observe_each(&mut miner, 3, &lines, 1_000);
    assert!(ids[1..6].iter().all(|&id| id == ids[1]), "{ids:?}");
    assert!(ids[6..11].iter().all(|&id| miner.resolve(id) == ids[6]), "{ids:?}");
    assert_eq!(ids[0], ids[11]);
    assert_eq!(miner.get(ids[1]).and_then(Pattern::level), Some(Level::Error));
    assert_eq!(miner.get(ids[6]).and_then(Pattern::level), Some(Level::Warn));
    assert_eq!(
        miner.template(ids[0]),
        Some("Task app.tasks.send_email[<*>] received")
    );
}

#[test]
fn a_platforms_record_without_a_time_is_an_event_of_its_own() {
    // AWS Lambda's platform lines among the function's own timed lines.
    let mut lines = Vec::new();
    for n in 1..=3 {
        lines.push(format!("START RequestId: 8f5c2a10-000{n} Version: $LATEST"));
        lines.push(format!(
            "2024-03-14T09:12:0{n}.123Z\t8f5c2a10-000{n}\tINFO\tProcessing order 1234{n}"
        ));
        lines.push(format!("END RequestId: 8f5c2a10-000{n}"));
        lines.push(format!(
            "REPORT RequestId: 8f5c2a10-000{n}\tDuration: 12.3{n} ms\tBilled Duration: 13 ms"
        ));
    }
    let mut miner = Miner::default();
    let ids = observe_each(&mut miner, 3, &lines, 1_000);
    let distinct: std::collections::HashSet<_> = ids.iter().collect();
    assert_eq!(distinct.len(), 4, "{:?}", miner.patterns().map(Pattern::template).collect::<Vec<_>>());
    assert_eq!(miner.get(ids[1]).map(Pattern::count), Some(3));
    // A frame or an exception's line under an error still goes on with it.
    let (_, ids) = {
        let mut miner = Miner::default();
        let lines = [
            "2024-03-14 09:12:04 ERROR Failed to charge order 42",
            "java.lang.IllegalStateException: gateway said no",
            "UPDATE Orders SET state = 'paid' WHERE id = 42",
        ];
        let ids = observe_each(&mut miner, 3, &lines, 1_000);
        (miner, ids)
    };
    assert!(ids.iter().all(|&id| id == ids[0]), "{ids:?}");
}

#[test]
fn a_dotnet_inner_exception_goes_on_with_its_event() {
    let lines = [
        "2024-03-14 09:12:03.123 +00:00 [ERR] An exception occurred while saving changes.",
        "Microsoft.EntityFrameworkCore.DbUpdateException: An error occurred while saving the entity changes.",
        " ---> Npgsql.PostgresException (0x80004005): 23505: duplicate key value violates unique constraint",
        "   at Npgsql.Internal.NpgsqlConnector.ReadMessageLong(Boolean async)",
        "   --- End of inner exception stack trace ---",
        "   at Microsoft.EntityFrameworkCore.Update.ReaderModificationCommandBatch.ExecuteAsync()",
        "2024-03-14 09:12:04.123 +00:00 [INF] Application started. Press Ctrl+C to shut down.",
    ];
    let mut miner = Miner::default();
    let ids = observe_each(&mut miner, 3, &lines, 1_000);
    assert!(ids[..6].iter().all(|&id| id == ids[0]), "{ids:?}");
    assert_ne!(ids[6], ids[0]);
}

#[test]
fn a_php_stack_trace_with_its_blank_lines_is_one_event_of_its_first_line() {
    // Laravel (Monolog): `[time] channel.LEVEL: message {context}`, the context running over
    // lines: `[stacktrace]`, frames `#0 …`, `"}`, a blank line, `[previous exception] …`.
    let event = |n: usize, class: &str| {
        let mut lines = vec![
            format!("[2023-05-15 18:19:{n:02}] local.ERROR: Target class [{class}] does not exist. {{\"exception\":\"[object] (BindingResolutionException(code: 0): Target class [{class}] does not exist. at /srv/app/Container.php:{n}"),
            "[stacktrace]".to_owned(),
        ];
        for f in 0..12 {
            lines.push(format!("#{f} /srv/app/vendor/Container.php({}): Container->build('{class}')", 700 + f * n));
        }
        lines.push("#12 {main}".to_owned());
        lines.push("\"} ".to_owned());
        lines.push(String::new());
        lines.push(format!("[previous exception] [object] (ReflectionException(code: -1): Class \\\"{class}\\\" does not exist at /srv/app/Container.php:{n})"));
        lines.push("[stacktrace]".to_owned());
        lines.push("#0 {main}".to_owned());
        lines
    };
    let mut miner = Miner::default();
    let mut ids = Vec::new();
    for (n, class) in [(32, "HandleCors"), (40, "TrustProxies"), (48, "HandleCors")] {
        let lines = event(n, class);
        let first = miner.observe(&lines[0]);
        for line in &lines[1..] {
            let id = miner.observe(line);
            assert_eq!(miner.resolve(id), miner.resolve(first), "{line:?} goes with {:?}", lines[0]);
        }
        ids.push(first);
    }
    assert_eq!(patterns_among(&miner, &ids), 1);
    assert_eq!(miner.len(), 1, "no frame, bracket or blank line is a pattern of its own");
    let p = miner.get(ids[0]).expect("pattern kept");
    assert_eq!(p.level(), Some(Level::Error), "local.ERROR is an error");
    // A dash opening every header (`- 1131566461 2005.11.09 …`) is no continuation of the line
    // above: each such line is an event.
    let (miner, ids) = mine_all(&[
        "- 1131566461 2005.11.09 dn228 Nov 9 12:01:01 dn228/dn228 crond(pam_unix)[2915]: session closed for user root",
        "- 1131566462 2005.11.09 dn228 Nov 9 12:01:02 dn228/dn228 sshd[2916]: Accepted password for root",
    ]);
    assert_eq!(patterns_among(&miner, &ids), 2);
}

#[test]
fn a_line_with_a_clock_time_of_its_own_is_an_event_under_another_layout() {
    // Two programs in one stream: an access log's line, with its time in brackets, under a
    // syslog line is a request of its own, not a continuation of the syslog line; a frame is.
    let (miner, ids) = mine_all(&[
        "Dec 07 09:01:29 host1 payments[123]: charge started",
        "127.0.0.1 - - [07/Dec/2026:09:01:29 +0000] \"GET /v1/charges HTTP/1.1\" 500 123",
        "Dec 07 09:01:30 host1 payments[123]: charge started",
        "10.0.0.7 - - [07/Dec/2026:09:01:30 +0000] \"GET /v1/charges HTTP/1.1\" 200 88",
        "Dec 07 09:01:31 host1 payments[123]: charge failed",
        "#0 /srv/app/Charge.php(42): Gateway->call()",
    ]);
    assert_ne!(ids[1], ids[0], "the request is not the syslog line's");
    assert_ne!(ids[3], ids[2]);
    assert_ne!(ids[1], ids[3], "a 500 and a 200 are apart");
    assert_eq!(ids[5], ids[4], "a frame without a time goes on with its event");
    let p = miner.get(ids[1]).expect("pattern kept");
    assert_eq!(p.level(), Some(Level::Error), "a 500 is an error");
}

#[test]
fn a_postgres_reports_detail_hint_and_statement_lines_are_the_reports() {
    let mut miner = Miner::default();
    let mut ids = Vec::new();
    for (pid, key) in [(18239, 7), (18240, 12), (18241, 31)] {
        let report = [
            format!("2026-12-07 06:52:29.822 UTC [{pid}] app@orders ERROR:  duplicate key value violates unique constraint \"orders_pkey\""),
            format!("2026-12-07 06:52:29.822 UTC [{pid}] app@orders DETAIL:  Key (id)=({key}) already exists."),
            format!("2026-12-07 06:52:29.822 UTC [{pid}] app@orders STATEMENT:  insert into orders values ({key}, 'x')"),
        ];
        let first = miner.observe(&report[0]);
        for line in &report[1..] {
            let id = miner.observe(line);
            assert_eq!(miner.resolve(id), miner.resolve(first), "{line}");
        }
        ids.push(first);
        let log = miner.observe(&format!(
            "2026-12-07 06:52:29.830 UTC [{pid}] app@orders LOG:  disconnection: session time: 0:00:00.604 user=app database=orders host=[local]"
        ));
        assert_ne!(miner.resolve(log), miner.resolve(first), "a line of its own level is an event of its own");
    }
    assert_eq!(patterns_among(&miner, &ids), 1);
    assert_eq!(miner.len(), 2, "the report and the disconnection, no detail or statement pattern");
    // Amazon RDS's header, the field joined to it by a colon.
    let (miner, ids) = mine_all(&[
        "2026-12-07 06:52:29 UTC:10.0.0.1(5432):app@orders:[18268]:ERROR:  deadlock detected",
        "2026-12-07 06:52:29 UTC:10.0.0.1(5432):app@orders:[18268]:HINT:  See server log for query details.",
    ]);
    assert_eq!(ids[0], ids[1]);
    assert_eq!(miner.len(), 1);
}

#[test]
fn a_go_crash_dump_is_one_fatal_event_even_under_an_info_line() {
    // The runtime writes it to stderr, without a header, often right under an ordinary line;
    // its unindented frame lines (`main.main()`) and blank lines are the crash's too.
    let mut miner = Miner::default();
    let info = |i: u32| format!("2026-12-06 10:00:0{i},001 - api - INFO - request {i} ok");
    let mut lines = vec![info(1)];
    for (first, frames) in [
        ("panic: runtime error: invalid memory address or nil pointer dereference", 30),
        ("fatal error: concurrent map writes", 12),
    ] {
        lines.push(first.to_string());
        lines.push("[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x4a5f3c]".into());
        lines.push(String::new());
        lines.push("goroutine 1 [running]:".into());
        for f in 0..frames {
            lines.push(format!("main.(*Server).step{f}(0xc0000a4000, {{0x6b2e40, 0xc0000b8000}})"));
            lines.push(format!("\t/app/server.go:{} +0x1d", 40 + f));
        }
        lines.push("created by net/http.(*Server).Serve in goroutine 1".into());
        lines.push(info(2));
    }
    let ids = observe_each(&mut miner, 5, &lines, 0);
    let panic = ids[1];
    let at = lines
        .iter()
        .position(|l| l.starts_with("fatal error"))
        .unwrap_or_default();
    let fatal = ids[at];
    assert_eq!(miner.len(), 3, "the request, the panic and the fatal error");
    for (line, id) in lines.iter().zip(&ids) {
        if line.contains("INFO") {
            assert_eq!(*id, ids[0], "{line}");
        }
    }
    for id in [panic, fatal] {
        let p = miner.get(id).expect("kept");
        assert_eq!(p.level(), Some(Level::Fatal));
        assert_eq!(p.count(), 1, "counted once: {:?}", p.template());
    }
}

#[test]
fn a_python_traceback_under_an_ordinary_line_is_an_error_of_its_own() {
    // An uncaught exception printed on stderr, under a line that is no error: its last line
    // (`ValueError: …`), which names the exception, is an error event of its own, and the
    // traceback's first line and frames, read before it, are that event's lines.
    let mut miner = Miner::default();
    let lines = [
        "2026-12-06 10:00:01,001 - api - INFO - request 1 ok",
        "Traceback (most recent call last):",
        "  File \"/srv/app/main.py\", line 12, in <module>",
        "    main()",
        "ValueError: bad input",
        "2026-12-06 10:00:02,001 - api - INFO - request 2 ok",
    ];
    let ids = observe_each(&mut miner, 2, &lines, 0);
    assert_eq!(ids[0], ids[5]);
    assert_ne!(ids[0], ids[4], "the exception is an event of its own");
    assert!(
        ids[1..4].iter().all(|&id| miner.resolve(id) == ids[4]),
        "{ids:?}"
    );
    assert_eq!(miner.len(), 2);
    let p = miner.get(ids[4]).expect("kept");
    assert_eq!(p.level(), Some(Level::Error));
    assert_eq!(p.count(), 1);
    assert_eq!(miner.get(ids[0]).map(Pattern::count), Some(2));
}

#[test]
fn uncaught_python_exceptions_of_another_kind_are_another_pattern() {
    // A worker crashing again and again on stderr, between ordinary lines and back to back: each
    // kind of exception is one pattern, counted once a crash, and a new kind is a new pattern
    // (all were one `Traceback (most recent call last):` pattern, a new kind hidden in it).
    let mut miner = Miner::default();
    let mut value_errors = Vec::new();
    let mut key_errors = Vec::new();
    for i in 0..30 {
        if i % 3 == 0 {
            miner.observe_in(4, &format!("2026-12-06 10:00:{:02},001 INFO worker started job {i}", i), 0);
        }
        let frames = 2 + i % 5;
        let mut trace = vec![miner.observe_in(4, "Traceback (most recent call last):", 0)];
        for f in 0..frames {
            trace.push(miner.observe_in(4, &format!("  File \"/srv/app/jobs.py\", line {}, in step_{f}", 10 + f), 0));
            trace.push(miner.observe_in(4, "    run(payload)", 0));
        }
        let id = if i < 20 || i % 2 == 0 {
            let id = miner.observe_in(4, &format!("ValueError: invalid literal for int() with base 10: '{i}x'"), 0);
            value_errors.push(id);
            id
        } else {
            let id = miner.observe_in(4, &format!("KeyError: 'customer_{i}'"), 0);
            key_errors.push(id);
            id
        };
        assert_eq!(miner.get(id).and_then(Pattern::level), Some(Level::Error));
        assert!(trace.iter().all(|&t| miner.resolve(t) == id), "crash {i}: its lines are its own");
    }
    assert_eq!(miner.len(), 3, "the worker's line and the two exceptions");
    assert!(value_errors.iter().all(|&id| id == value_errors[0]));
    assert!(key_errors.iter().all(|&id| id == key_errors[0]));
    assert_ne!(value_errors[0], key_errors[0]);
    assert_eq!(miner.get(value_errors[0]).map(Pattern::count), Some(25));
    assert_eq!(miner.get(key_errors[0]).map(Pattern::count), Some(5));
}

#[test]
fn errors_each_with_a_python_traceback_are_one_event_each() {
    let mut miner = Miner::default();
    let mut errors = Vec::new();
    for i in 0..20 {
        let lines = [
            format!("2026-12-04 10:00:{i:02},001 ERROR worker - job {i} failed"),
            "Traceback (most recent call last):".to_string(),
            format!("  File \"/srv/app/jobs.py\", line {}, in run", 40 + i),
            "    raise ValueError(\"bad input\")".to_string(),
            format!("ValueError: bad input {i}"),
        ];
        let ids = observe_each(&mut miner, 1, &lines, 0);
        assert!(ids.iter().all(|&id| id == ids[0]), "error {i}: {ids:?}");
        errors.push(ids[0]);
    }
    assert!(errors.iter().all(|&id| id == errors[0]));
    assert_eq!(miner.len(), 1);
}

#[test]
fn among_messages_without_headers_one_that_begins_with_a_time_glues_nothing_to_itself() {
    let mut miner = Miner::default();
    let mut steps = Vec::new();
    let mut scans = Vec::new();
    let mut wakes = Vec::new();
    for i in 0..200 {
        steps.push(miner.observe_in(1, &format!("onStepChanged {}", 3000 + i * 7), 0));
        // (Not the stream's first lines: a time on line 2 with a bare line under it reads as an
        // event with a message under it until the stream shows otherwise.)
        if i % 10 == 5 {
            scans.push(miner.observe_in(1, &format!("10:{:02}:37.436 : Scanning mode on", i / 10), 0));
        }
        wakes.push(miner.observe_in(1, &format!("systemWakeCall - messageType = 0x{:X}", 0xE000_0300u32 + i), 0));
        // One space in front is a sloppy message, not a continuation.
        steps.push(miner.observe_in(1, &format!(" onStepChanged {}", 10 + i), 0));
    }
    assert!(steps.iter().all(|&id| id == steps[0]), "every step line is one event");
    assert!(wakes.iter().all(|&id| id == wakes[0]), "every wake line is one event");
    assert!(scans.iter().all(|&id| id == scans[0]));
    assert_ne!(steps[0], scans[0]);
    assert_ne!(wakes[0], scans[0]);
    assert_eq!(miner.len(), 3);
}

#[test]
fn an_empty_pair_standing_alone_is_an_empty_value() {
    let mut miner = Miner::default();
    let a = miner.observe("connection from 10.0.0.1 () at Mon Jun 20 03:40:59 2005");
    let b = miner.observe("connection from 10.0.0.2 (host-2.example.net) at Fri Jun 17 07:07:00 2005");
    let c = miner.observe("connection from 10.0.0.3 () at Fri Jun 17 07:08:00 2005");
    assert_eq!(a, b);
    assert_eq!(a, c);
    let call = miner.observe("ConnectToServer: connect()-> No of tries: 2");
    assert_ne!(call, a);
}

#[test]
fn the_words_after_a_numbered_code_are_not_free_text() {
    let mut miner = Miner::default();
    let reasons = [
        "Bye Bye [preauth]",
        "Closed due to user request. [preauth]",
        "disconnected by user",
        "Normal Shutdown, Thank you for playing [preauth]",
        "Client disconnecting normally [preauth]",
        "No more user authentication methods available. [preauth]",
    ];
    let mut ids = Vec::new();
    for round in 0..4 {
        for (k, reason) in reasons.iter().enumerate() {
            let line = format!("Received disconnect from 10.1.{round}.{k}: 11: {reason}");
            ids.push((k, miner.observe(&line)));
        }
    }
    for (k, id) in &ids {
        for (k2, id2) in &ids {
            assert_eq!(k == k2, id == id2, "reason {k} and reason {k2}");
        }
    }
}

#[test]
fn a_run_of_values_longer_or_shorter_than_the_templates_is_the_same_event() {
    let mut miner = Miner::default();
    // A name with digits folds with the values after it; a name without them is a word first.
    let a = miner.observe("[10.30 16:49:06] chrome.exe - proxy.example.org:5070 open through proxy proxy.example.org:5070 HTTPS");
    let b = miner.observe("[10.30 16:49:07] AcroRd32.exe - proxy.example.org:5070 open through proxy proxy.example.org:5070 HTTPS");
    let c = miner.observe("[10.30 16:49:08] spoolsv.exe *64 - proxy.example.org:5070 open through proxy proxy.example.org:5070 HTTPS");
    assert_eq!(a, b);
    assert_eq!(a, c);
    // The header (`[10.30 16:49:06]`: month, day, time) is not part of the template.
    assert_eq!(
        miner.template(a),
        // (Each program's name ends in `.exe`, which the template shows.)
        Some("<*>.exe <*> open through proxy proxy.example.org:<*> HTTPS")
    );
    assert_eq!(miner.len(), 1);
    // A value written as a host name without digits, then with them: one event.
    let mut miner = Miner::default();
    let d = miner.observe("reverse mapping checking getaddrinfo for ns.example.com [173.234.31.186] failed - POSSIBLE BREAK-IN ATTEMPT!");
    let e = miner.observe("reverse mapping checking getaddrinfo for 191-210-223-172.user.example.br [191.210.223.172] failed - POSSIBLE BREAK-IN ATTEMPT!");
    assert_eq!(d, e);
    assert_eq!(miner.len(), 1);
}

#[test]
fn two_words_and_a_run_of_values_of_another_length_are_the_same_event() {
    // dpkg's log: a package with a digit in its name folds with its version into one value, one
    // without makes two; either may come first.
    for order in [[0, 1, 2], [2, 1, 0]] {
        let lines = [
            "2025-06-24 14:36:25 status unpacked libsystemd0:amd64 252.36-1~deb12u1",
            "2025-06-24 14:36:33 status unpacked media-types:all 10.0.0",
            "2025-06-24 14:36:34 status unpacked readline-common:all 8.2-1.3",
        ];
        let mut miner = Miner::default();
        let ids: Vec<_> = order.iter().map(|&i| miner.observe(lines[i])).collect();
        assert_eq!(patterns_among(&miner, &ids), 1, "{order:?}");
    }
    // A constant word still tells them apart.
    assert!(!same_pattern(
        "2025-06-24 14:36:25 status unpacked libsystemd0:amd64 252.36-1~deb12u1",
        "2025-06-24 14:36:33 status installed media-types:all 10.0.0",
    ));
    // With two words only, names without a digit where another line has one value may be what
    // the event is about: another exception is another event.
    let (miner, ids) = mine_all(&[
        "ServiceException ServiceException: exception.id: 404;",
        "ServiceException ServiceException: exception.id: vapp-09033;",
        "ServiceException ServiceException: exception.id: framework.client.EXPIRED; java.util.concurrent.TimeoutException",
    ]);
    assert_eq!(patterns_among(&miner, &ids[..2]), 1);
    assert_ne!(miner.resolve(ids[0]), miner.resolve(ids[2]));
}

#[test]
fn a_place_of_a_run_that_a_shorter_line_leaves_empty_shows_as_a_variable() {
    let mut miner = Miner::default();
    // A path with spaces is cut into several values; a line with a shorter path leaves the
    // template's last value of the run empty, so that value is no constant of the event.
    let a = miner.observe("moved /srv/data/My Documents/a b.txt to archive after 3 days");
    let b = miner.observe("moved /srv/data/x.txt to archive after 4 days");
    assert_eq!(a, b);
    let template = miner.template(a).unwrap_or_default().to_string();
    assert!(!template.contains("b.txt"), "{template}");
    assert_eq!(template, "moved <*> <*> to archive after <*> days");
}

#[test]
fn a_list_of_names_without_brackets_is_one_value_of_any_length() {
    let mut miner = Miner::default();
    let a = miner.observe("enabled features: auth, billing, search on node 10.0.0.1");
    let b = miner.observe("enabled features: billing, payments, search, export, audit on node 10.0.0.2");
    let c = miner.observe("enabled features: a.txt, b.txt, c.txt, d.txt on node 10.0.0.3");
    assert_eq!(a, b);
    assert_eq!(a, c);
    assert_eq!(miner.template(a), Some("enabled features: <*> on node <*>"));
    // A list that never changes reads as written.
    let mut miner = Miner::default();
    let d = miner.observe("launching job job_1 as: normal, non-uberized, multi-container");
    let e = miner.observe("launching job job_2 as: normal, non-uberized, multi-container");
    assert_eq!(d, e);
    assert_eq!(
        miner.template(d),
        Some("launching job job_<*> as: normal, non-uberized, multi-container")
    );
    // Fields separated by commas, with no label before them, are the event's words.
    let mut miner = Miner::default();
    let h = miner.observe("2026-12-06T10:00:01Z id=7 audit, auth, login, succeeded");
    let k = miner.observe("2026-12-06T10:00:02Z id=8 audit, auth, login, failed");
    assert_ne!(h, k);
    // A phrase cut by a comma keeps its words: two events.
    let mut miner = Miner::default();
    let f = miner.observe("upstream call failed, retrying in 5 seconds");
    let g = miner.observe("upstream call failed, giving up after 5 seconds");
    assert_ne!(f, g);
}

#[test]
fn a_mark_among_values_tells_events_apart_whichever_comes_first() {
    for marked_first in [true, false] {
        let mut miner = Miner::default();
        let marked = "Fan speeds ( 3552 3534 3375 **** 3515 3479 )";
        let plain = "Fan speeds ( 3552 3534 3375 4245 3515 3479 )";
        let (first, second) = if marked_first { (marked, plain) } else { (plain, marked) };
        let x = miner.observe(first);
        let y = miner.observe(second);
        assert_ne!(x, y, "marked first: {marked_first}");
        assert_eq!(miner.observe(first), x);
        assert_eq!(miner.observe(second), y);
    }
}

#[test]
fn a_line_that_is_one_name_is_its_own_event() {
    let mut miner = Miner::default();
    let a = miner.observe("AppleCamIn::wakeEventHandlerThread");
    let b = miner.observe("CCFile::captureLog");
    let c = miner.observe("AppleCamIn::wakeEventHandlerThread");
    assert_ne!(a, b);
    assert_eq!(a, c);
    assert_eq!(miner.template(b), Some("CCFile::captureLog"));
    // Nor does a line of values alone join a name.
    let v = miner.observe("(DiskStore.Normal:2382) 20cb04f 1.000086");
    assert_ne!(v, a);
    assert_ne!(v, b);
    assert_eq!(miner.observe("AppleCamIn::wakeEventHandlerThread"), a);
}

#[test]
fn lines_of_another_stream_do_not_continue_an_event() {
    let mut miner = Miner::default();
    let head = miner.observe_in(1, "2026-12-04 10:00:01 ERROR Failed to charge order 42", 0);
    let other = miner.observe_in(2, "plain line from another source", 0);
    let frame = miner.observe_in(1, "java.lang.IllegalStateException: no", 0);
    miner.settle_held();
    assert_ne!(miner.resolve(head), other);
    assert_eq!(miner.resolve(frame), miner.resolve(head));
}


#[test]
fn a_line_that_begins_like_the_event_above_is_a_new_event_even_when_its_header_is_not_understood() {
    // The first line's header is understood (it has a level), the others' are not: they still
    // begin as it does, with a digit, so none of them is glued to it.
    let lines = [
        "1020:M 15 Jan 2024 08:31:14.792 # WARNING overcommit is disabled, saves may fail",
        "1843:M 15 Jan 2024 08:00:15.493 - Accepted 10.2.183.75:61344",
        "1843:M 15 Jan 2024 08:00:18.421 * 1 changes in 3600 seconds. Saving...",
        "1843:M 15 Jan 2024 08:00:19.421 - Accepted 10.2.183.76:61345",
    ];
    let (miner, ids) = mine_all(&lines);
    assert_ne!(ids[0], ids[1]);
    assert_ne!(ids[1], ids[2]);
    assert_eq!(ids[1], ids[3]);
    assert_eq!(miner.len(), 3);
}

#[test]
fn a_glog_header_is_set_aside_and_its_quoted_message_is_the_event() {
    let lines = [
        r#"I1204 10:00:03.678662    1321 kubelet.go:2410] "SyncLoop ADD" source="api" pods=["a/b"]"#,
        r#"I1204 10:00:04.678662    1321 kubelet.go:2416] "SyncLoop UPDATE" source="api" pods=["a/b"]"#,
        r#"E1204 10:00:05.000001    1321 kubelet.go:2410] "SyncLoop ADD" source="api" pods=["c/d"]"#,
    ];
    let (miner, ids) = mine_all(&lines);
    assert_ne!(ids[0], ids[1], "ADD / UPDATE");
    assert_eq!(ids[0], ids[2]);
    assert_eq!(
        miner.get(ids[0]).and_then(Pattern::level),
        Some(crate::core::level::Level::Error)
    );
    assert!(
        miner.template(ids[0]).is_some_and(|t| t.starts_with("\"SyncLoop ADD\"")),
        "{:?}",
        miner.template(ids[0])
    );
}

#[test]
fn a_padded_bracket_holds_its_value() {
    let (_, ids) = mine_all(&[
        "kernel: [   17.619357] eth0: link up",
        "kernel: [ 1117.619357] eth0: link up",
    ]);
    assert_eq!(ids[0], ids[1]);
}

#[test]
fn a_quoted_phrase_inside_a_message_is_one_value_of_any_length() {
    let (miner, ids) = mine_all(&[
        "error sending \"connection refused by peer\" to upstream",
        "error sending \"timeout\" to upstream",
    ]);
    assert_eq!(ids[0], ids[1]);
    assert_eq!(
        miner.template(ids[0]),
        Some("error sending \"<*>\" to upstream")
    );
}

#[test]
fn sizes_written_two_ways_are_one_value() {
    let (miner, ids) = mine_all(&[
        "conn 7 close, 403 bytes sent, 1024 bytes received",
        "conn 8 close, 1.2 KB (1234 bytes) sent, 88 bytes received",
    ]);
    assert_eq!(ids[0], ids[1]);
    assert_eq!(
        miner.template(ids[0]),
        Some("conn <*> close, <*> sent, <*> received")
    );
}

#[test]
fn a_number_with_its_name_attached_keeps_the_name_in_the_template() {
    // The kernel's OOM report names each size (`total-vm:…kB`): the names are the event's words,
    // so they read in the template, each before its own `<*>`, not as one `<*>` for them all.
    let line = |pid: u32, comm: &str, vm: u32, rss: u32, uid: u32| {
        format!(
            "Out of memory: Killed process {pid} ({comm}) total-vm:{vm}kB, anon-rss:{rss}kB, file-rss:0kB, UID:{uid} pgtables:{}kB oom_score_adj:0",
            vm / 100
        )
    };
    assert_eq!(
        template_after(&[
            &line(4711, "java", 8_842_889, 8_207_026, 999),
            &line(52_013, "chrome", 7_433_569, 5_990_371, 0),
        ]),
        "Out of memory: Killed process <*> (<*>) total-vm:<*>, anon-rss:<*>, file-rss:<*>, UID:<*> pgtables:<*> oom_score_adj:<*>"
    );
    // Hadoop's allocator counts, one named number after another, a space apart.
    assert_eq!(
        template_after(&[
            "2015-10-18 18:05:51,520 INFO [RMCommunicator Allocator] org.apache.hadoop.mapreduce.app.rm.RMContainerAllocator: After Scheduling: PendingReds:1 ScheduledMaps:10 AssignedMaps:0",
            "2015-10-18 18:05:52,520 INFO [RMCommunicator Allocator] org.apache.hadoop.mapreduce.app.rm.RMContainerAllocator: After Scheduling: PendingReds:0 ScheduledMaps:9 AssignedMaps:1",
        ]),
        "org.apache.hadoop.mapreduce.app.rm.RMContainerAllocator: After Scheduling: PendingReds:<*> ScheduledMaps:<*> AssignedMaps:<*>"
    );
}

#[test]
fn a_count_of_things_in_brackets_is_no_piece_of_the_value_before_it() {
    // `(6 items)` counts something of its own: `customer <*> items)` read as if the count and the
    // bracket were the customer's.
    assert_eq!(
        template_after(&[
            "Processing order 33553 for customer c-00001 (6 items)",
            "Processing order 60149 for customer c-49771 (11 items)",
        ]),
        "Processing order <*> for customer <*> (<*> items)"
    );
    // RabbitMQ's peer and own address, an arrow between them, after the connection's id.
    assert_eq!(
        template_after(&[
            "accepting AMQP connection <0.52293.0> (183.208.249.61:34207 -> 10.0.0.3:5672)",
            "accepting AMQP connection <0.811.0> (10.2.0.9:50122 -> 10.0.0.3:5672)",
        ]),
        "accepting AMQP connection <<*>> (<*> -> <*>)"
    );
    // apt's list of packages, versions in brackets, stays one list of any length.
    let (miner, ids) = mine_all(&[
        "Upgrade: libfoo1:amd64 (1.0-1, 1.1-2), libbar2:amd64 (2.0-1, 2.1-1)",
        "Upgrade: libbaz3:amd64 (3.0-1, 3.1-1), libqux4:amd64 (4.0-1, 4.1-1), libzot5:amd64 (5.0-1, 5.1-1)",
    ]);
    assert_eq!(patterns_among(&miner, &ids), 1);
    // A size in another unit in brackets is still the size's.
    assert_eq!(
        template_after(&["conn 8 close, 1.2 KB (1234 bytes) sent", "conn 7 close, 403 bytes sent"]),
        "conn <*> close, <*> sent"
    );
}

#[test]
fn a_date_written_day_first_keeps_its_month_out_of_the_template() {
    // Redis writes `11 Aug 2024 19:53:54.059` after its pid and role: the same event on either
    // side of midnight at a month's end is one pattern, not a new one when the month turns.
    let (miner, ids) = mine_all(&[
        "1:M 30 Nov 2026 23:59:58.001 * DB saved on disk",
        "1:M 30 Nov 2026 23:59:59.102 * Background saving terminated with success",
        "1:M 01 Dec 2026 00:00:02.004 * DB saved on disk",
        "1:M 01 Dec 2026 00:00:03.215 * Background saving terminated with success",
    ]);
    assert_eq!(ids[0], ids[2]);
    assert_eq!(ids[1], ids[3]);
    assert_ne!(ids[0], ids[1]);
    let template = miner.template(ids[2]).expect("kept");
    assert!(!template.contains("Nov") && !template.contains("Dec"), "{template}");
    assert!(template.ends_with("* DB saved on disk"), "{template}");
    // The date of mail and HTTP headers, its zone with it.
    let (_, ids) = mine_all(&[
        "sent digest, Date: Mon, 30 Nov 2026 23:59:58 +0000 to ops",
        "sent digest, Date: Tue, 01 Dec 2026 08:00:00 +0000 to ops",
    ]);
    assert_eq!(ids[0], ids[1]);
}

#[test]
fn a_varying_word_shows_what_all_its_values_share_around_its_placeholder() {
    // PAM names the service inside its own name: the service varies, the rest is the event's.
    let closed = |service: &str, user: &str| {
        format!("pam_unix({service}): session closed for user {user}")
    };
    assert_eq!(
        template_after(&[&closed("cron:session", "root"), &closed("sshd:session", "bob")]),
        "pam_unix(<*>:session): session closed for user <*>"
    );
    // `sshd` and `sudo` share an `s`, which is no word of the event.
    assert_eq!(
        template_after(&[&closed("sshd:session", "root"), &closed("sudo:session", "bob")]),
        "pam_unix(<*>:session): session closed for user <*>"
    );
    // A value that shares less narrows it, never into a word (`:session` and `:auth` share no
    // whole word) nor leaving a bracket open.
    assert_eq!(
        template_after(&[
            &closed("cron:session", "root"),
            &closed("sshd:session", "bob"),
            &closed("sudo:auth", "carol"),
        ]),
        "pam_unix(<*>): session closed for user <*>"
    );
    // What closes a bracket opened inside the value is the value's too: `<*>:`, not `<*>):`.
    assert_eq!(
        template_after(&["open(a:r): denied", "stat(b:w): denied"]),
        "<*>: denied"
    );
}

#[test]
fn punctuation_around_a_value_of_several_pieces_stays_in_the_template() {
    // Spark: the closing `).` of `(TID 3).` is no piece of the size after it, and a size with
    // its unit keeps the comma and bracket around it.
    assert_eq!(
        template_after(&[
            "17/06/09 20:10:48 INFO executor.Executor: Finished task 3.0 in stage 0.0 (TID 3). 2703 bytes result sent to driver",
            "17/06/09 20:10:49 INFO executor.Executor: Finished task 1.0 in stage 2.0 (TID 41). 2254 bytes result sent to driver",
        ]),
        "executor.Executor: Finished task <*> in stage <*> (TID <*>). <*> result sent to driver"
    );
    assert_eq!(
        template_after(&[
            "17/06/09 20:10:45 INFO storage.MemoryStore: Block broadcast_9 stored as values in memory (estimated size 5.2 KB, free 5.2 KB)",
            "17/06/09 20:10:46 INFO storage.MemoryStore: Block broadcast_8 stored as values in memory (estimated size 93.0 B, free 317.1 KB)",
        ]),
        "storage.MemoryStore: Block broadcast_<*> stored as values in memory (estimated size <*>, free <*>)"
    );
    // A value that holds its own brackets keeps them inside, and a list goes on after `),`.
    assert_eq!(
        template_after(&[
            "conn 8 close, 1.2 KB (1234 bytes) sent",
            "conn 9 close, 3.4 KB (3481 bytes) sent",
        ]),
        "conn <*> close, <*> sent"
    );
    // apt's history: `),` goes on with the list, however many packages it names.
    let (miner, ids) = mine_all(&[
        "Upgrade: libcurl4:amd64 (7.88.1-10+deb12u14, 7.88.1-10+deb12u15), libcurl3-gnutls:amd64 (7.88.1-10+deb12u14, 7.88.1-10+deb12u15), libpcre2-8-0:amd64 (10.42-1, 10.42-1+deb12u1), curl:amd64 (7.88.1-10+deb12u14, 7.88.1-10+deb12u15), libcurl3-nss:amd64 (7.88.1-10+deb12u14, 7.88.1-10+deb12u15)",
        "Upgrade: systemd-timesyncd:amd64 (252.38-1~deb12u1, 252.39-1~deb12u2), libpam-systemd:amd64 (252.38-1~deb12u1, 252.39-1~deb12u2), libsystemd0:amd64 (252.38-1~deb12u1, 252.39-1~deb12u2), libnss-systemd:amd64 (252.38-1~deb12u1, 252.39-1~deb12u2), systemd:amd64 (252.38-1~deb12u1, 252.39-1~deb12u2), libudev1:amd64 (252.38-1~deb12u1, 252.39-1~deb12u2)",
    ]);
    assert_eq!(patterns_among(&miner, &ids), 1);
}

#[test]
fn access_logs_keep_the_status_class_apart_and_never_a_month_or_dash_as_a_constant() {
    let (miner, ids) = mine_all(&[
        r#"10.0.0.1 - - [10/Oct/2026:13:55:36 +0000] "GET /a HTTP/1.1" 200 512 "-" "curl/8.1""#,
        r#"10.0.0.2 - frank [11/Nov/2026:13:55:37 +0000] "GET /b?x=1 HTTP/1.1" 204 - "https://x/" "Mozilla/5.0 (X11; Linux)""#,
        r#"10.0.0.3 - - [12/Dec/2026:13:55:38 +0000] "GET /c HTTP/1.1" 404 33 "-" "curl/8.1""#,
        r#"::1 - - [04/Dec/2026 21:00:02] "GET /health HTTP/1.1" 503 -"#,
    ]);
    assert_eq!(ids[0], ids[1], "200 and 204 are one class");
    assert_ne!(ids[0], ids[2], "200 and 404 are not");
    assert_ne!(ids[2], ids[3]);
    for id in [ids[0], ids[2], ids[3]] {
        let t = miner.template(id).expect("kept");
        assert!(
            !t.contains("Oct") && !t.contains("Dec") && !t.contains(" - "),
            "{t}"
        );
    }
    assert!(miner.template(ids[2]).is_some_and(|t| t.contains("4xx")));
}

#[test]
fn a_status_written_as_text_after_the_request_is_a_number_like_any_other() {
    // A service's request log that names its fields in running text (OpenStack nova's wsgi
    // server): one event whatever the status, as an access log's columns are not.
    let nova = |path: &str, status: u16, len: u32| {
        format!(
            r#"10.11.10.1 "GET /v2/54fadb412c4e40cdbaed9335e4c35a9e/{path} HTTP/1.1" status: {status} len: {len} time: 0.2477829"#
        )
    };
    let lines = [
        nova("servers/detail", 200, 1893),
        nova("servers/detail", 200, 1874),
        nova("os-server-external-events", 404, 296),
        nova("servers/detail", 404, 211),
    ];
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let (miner, ids) = mine_all(&lines);
    assert!(ids.iter().all(|&id| id == ids[0]), "{ids:?}");
    let template = miner.template(ids[0]).expect("kept");
    assert!(template.contains("status: <*> len: <*>"), "{template}");
    // Its class still names the line's level where no level word does: a 503 is an error.
    let (miner, ids) = mine_all(&["request GET /api/orders finished, status: 503, took 9ms"]);
    assert_eq!(
        miner.get(ids[0]).and_then(Pattern::level),
        Some(crate::core::level::Level::Error)
    );
    // The same request in an access log's columns keeps 200s and 404s apart.
    let (_, ids) = mine_all(&[
        r#"10.11.10.1 - - [16/May/2017:00:00:00 +0000] "GET /v2/servers/detail HTTP/1.1" 200 1893"#,
        r#"10.11.10.1 - - [16/May/2017:00:00:01 +0000] "GET /v2/servers/detail HTTP/1.1" 404 211"#,
    ]);
    assert_ne!(ids[0], ids[1]);
}

#[test]
fn what_follows_an_access_logs_status_is_one_value_and_its_method_is_never_merged() {
    // Envoy writes response flags (`UF`, `NR`) and a `-` for a time not taken; a second server
    // block writes timings after the user agent. Each mix had been a pattern of its own, and
    // the timings gave the request lines words enough for their methods to merge into `<*>`.
    let mut lines = Vec::new();
    for (n, method) in ["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH"].iter().enumerate() {
        for (rest, extra) in [
            ("- 2974 136781 1704 523", ""),
            ("UF 930 34929 2637 -", ""),
            ("NR 12 0 5 -", r#" rt=0.006 uct="0.039" urt="2.780""#),
            ("- 1 2 3 4", r#" rt=0.106 uct="0.009" urt="0.780""#),
        ] {
            lines.push(format!(
                r#"[2024-09-17T07:31:3{n}.197Z] "{method} /api/v2/items?limit={n} HTTP/1.1" 20{n} {rest} "76.51.145.{n}" "Mozilla/5.0 (X11; Linux x86_64)" "a11fbb68-359b-1c91-c5ea-94c7803b77e{n}" "shop.example.com" "10.0.1.55:8080"{extra}"#
            ));
        }
    }
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let (miner, ids) = mine_all(&lines);
    for (m, method) in ids.chunks(4).zip(["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH"]) {
        let id = miner.resolve(m[0]);
        assert!(m.iter().all(|&i| miner.resolve(i) == id), "{method}: {m:?}");
        assert_eq!(
            miner.template(id),
            Some(format!(r#""{method} /api/<*>/items?limit=<*> HTTP/<*>" 2xx <*>"#).as_str())
        );
    }
    let distinct: std::collections::HashSet<_> = ids.iter().map(|&i| miner.resolve(i)).collect();
    assert_eq!(distinct.len(), 6, "one pattern per method");
    // AWS's load balancers write their status before the request and many words after it: the
    // methods stay apart there too.
    let alb: Vec<String> = ["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH"]
        .iter()
        .enumerate()
        .flat_map(|(n, method)| {
            (0..2).map(move |k| {
                format!(
                    r#"https 2024-04-01T05:58:4{k}.809865Z app/prod-alb/a7a6acd608cece2{n} 10.0.5.6{n}:52833 10.0.1.37:8080 0.001 0.061 0.007 200 200 1534 12120 "{method} https://shop.example.com:443/static/app.4{k}.js HTTP/1.1" "curl/8.1" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/prod-tg/66e88516322ad7d{n} "Root=1-d5915889-6db885df399a7952e577db1{k}" "shop.example.com" 0 2024-04-01T05:58:44.309865Z "forward" "-" "-" "10.0.1.160:8080" "200" "-" "-""#
                )
            })
        })
        .collect();
    let alb: Vec<&str> = alb.iter().map(String::as_str).collect();
    let (miner, ids) = mine_all(&alb);
    let distinct: std::collections::HashSet<_> = ids.iter().map(|&i| miner.resolve(i)).collect();
    assert_eq!(distinct.len(), 6, "one pattern per method");
    assert!(
        miner.template(miner.resolve(ids[0])).is_some_and(|t| t.contains("\"GET https:")),
        "{:?}",
        miner.template(miner.resolve(ids[0]))
    );
}

#[test]
fn fields_set_apart_by_a_lone_semicolon_hold_their_spaces() {
    // sudo's: a working folder with a space, commands with and without arguments.
    let sudo = |user: &str, pwd: &str, command: &str| {
        format!("sudo[4{}]: {user:>8} : TTY=pts/0 ; PWD={pwd} ; USER=root ; COMMAND={command}", pwd.len())
    };
    let lines = [
        sudo("grace", "/mnt/uploads/img_133.txt", "/bin/cat /etc/shadow"),
        sudo("test", "/data/victor/logs/report final_24.txt", "/bin/cat /etc/shadow"),
        sudo("root", "/opt/postgres", "/usr/bin/docker ps -a"),
        sudo("root", "/srv/carol/My Documents/backup_74.json", "/usr/bin/tail -f /var/log/syslog"),
        sudo("peggy", "/srv/judy/My Documents", "/usr/sbin/reboot"),
        sudo("admin", "/home/admin", "/usr/bin/journalctl -u kubelet --since \"1 hour ago\" -n 200"),
    ];
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let (miner, ids) = mine_all(&lines);
    let last = miner.resolve(ids[5]);
    assert!(ids.iter().all(|&id| miner.resolve(id) == last), "{ids:?}");
    // Words before the fields still tell events apart.
    let (miner, ids) = mine_all(&[
        "sudo[41]: grace : TTY=pts/0 ; PWD=/home/grace ; USER=root ; COMMAND=/usr/sbin/reboot",
        "sudo[42]: grace : user NOT in sudoers ; TTY=pts/0 ; PWD=/home/grace ; USER=root ; COMMAND=/usr/sbin/reboot",
    ]);
    assert_ne!(miner.resolve(ids[0]), miner.resolve(ids[1]));
    // One field after a lone semicolon is no such list: words after its value stay words.
    let (miner, ids) = mine_all(&[
        "job=7 ; state=done next run at noon",
        "job=8 ; state=done next run skipped today",
    ]);
    assert_ne!(miner.resolve(ids[0]), miner.resolve(ids[1]));
}

#[test]
fn a_list_of_values_in_parentheses_is_one_value_of_any_length() {
    let lines: Vec<String> = ["('paid')", "('paid', 'shipped')", "(3, 4.5, -1)", "($1, $2, ?)", "('new', 'new', 'shipped', 'paid')"]
        .iter()
        .enumerate()
        .map(|(n, list)| format!("LOG:  duration: 9{n}.1 ms  statement: SELECT * FROM orders WHERE customer_id = 9{n} AND status IN {list}"))
        .collect();
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let (miner, ids) = mine_all(&lines);
    let last = miner.resolve(ids[4]);
    assert!(ids.iter().all(|&id| miner.resolve(id) == last), "{ids:?}");
    // Names in parentheses say who: not a list of values.
    let (miner, ids) = mine_all(&[
        "PM response took 2010 ms (54, powerd)",
        "PM response took 113 ms (24144, WeChat)",
    ]);
    assert_ne!(miner.resolve(ids[0]), miner.resolve(ids[1]));
}

#[test]
fn an_unquoted_request_keeps_its_status_class() {
    // Express's morgan: method, path, status, time, size, unquoted.
    let (miner, ids) = mine_all(&[
        "GET /api/users 200 12.345 ms - 532",
        "GET /api/orders/17 201 3.100 ms - 90",
        "GET /favicon.ico 404 0.811 ms - 150",
        "GET /api/items/9 404 1.200 ms - 150",
        "GET /api/checkout 500 912.000 ms - 21",
        "GET /api/checkout 503 12.000 ms - 21",
    ]);
    let id = |n: usize| miner.resolve(ids[n]);
    assert_eq!(id(0), id(1));
    assert_eq!(id(2), id(3));
    assert_eq!(id(4), id(5));
    assert_ne!(id(0), id(2));
    assert_ne!(id(2), id(4));
    assert!(
        miner.template(id(4)).is_some_and(|t| t.contains("5xx")),
        "{:?}",
        miner.template(id(4))
    );
    // ASP.NET Core writes a dash between the address and the status.
    let (miner, ids) = mine_all(&[
        "Request finished HTTP/1.1 GET http://localhost:5000/api/orders - 200 - application/json 12.3ms",
        "Request finished HTTP/1.1 GET http://localhost:5000/api/orders/7 - 204 - - 2.1ms",
        "Request finished HTTP/1.1 GET http://localhost:5000/api/orders - 500 - application/json 9.9ms",
    ]);
    assert_eq!(miner.resolve(ids[0]), miner.resolve(ids[1]));
    assert_ne!(miner.resolve(ids[0]), miner.resolve(ids[2]));
    // A number after words that are no request is a number.
    let (miner, ids) = mine_all(&["GET READY 200 ms", "GET READY 404 ms"]);
    assert_eq!(miner.resolve(ids[0]), miner.resolve(ids[1]));
}

#[test]
fn a_json_request_logs_status_field_keeps_its_class() {
    // Caddy's access log and pino's request log: the message is the same for every request.
    let caddy = |status: u16| {
        format!(
            r#"{{"level":"info","ts":1710407524.06,"logger":"http.log.access","msg":"handled request","request":{{"method":"GET","uri":"/api/users"}},"duration":0.0019,"size":2550,"status":{status}}}"#
        )
    };
    let pino = |status: u16| {
        format!(
            r#"{{"level":30,"time":1710407524060,"req":{{"id":7}},"res":{{"statusCode":{status}}},"responseTime":4,"msg":"request completed"}}"#
        )
    };
    let lines = [caddy(200), caddy(201), caddy(502), pino(200), pino(404), pino(204)];
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let (miner, ids) = mine_all(&lines);
    let id = |n: usize| miner.resolve(ids[n]);
    assert_eq!(id(0), id(1));
    assert_ne!(id(0), id(2), "{:?}", miner.template(id(2)));
    assert_eq!(id(3), id(5));
    assert_ne!(id(3), id(4));
    // A status that is no HTTP status leaves the message alone.
    let (miner, ids) = mine_all(&[
        r#"{"level":"info","msg":"job done","status":"ok"}"#,
        r#"{"level":"info","msg":"job done","status":7}"#,
    ]);
    assert_eq!(miner.resolve(ids[0]), miner.resolve(ids[1]));
    assert_eq!(miner.template(miner.resolve(ids[0])), Some("job done"));
}

#[test]
fn a_status_written_before_the_request_keeps_its_class_too() {
    // AWS's load balancers write the status before the request line.
    let alb = |status: u16, path: &str| {
        format!(
            r#"https 2026-12-06T10:00:0{}.123456Z app/my-lb/50dc6c495c0c9188 192.168.1.{}:2817 10.0.0.1:80 0.000 0.001 0.000 {status} {status} 34 366 "GET https://www.example.com:443{path} HTTP/1.1" "curl/8.1" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2"#,
            status % 10,
            status % 250
        )
    };
    let lines = [
        alb(200, "/a"),
        alb(204, "/b/7"),
        alb(503, "/a"),
        alb(404, "/c"),
    ];
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let (miner, ids) = mine_all(&lines);
    assert_eq!(ids[0], ids[1], "200 and 204 are one class");
    assert_ne!(ids[0], ids[2], "200 and 503 are not");
    assert_ne!(ids[2], ids[3], "503 and 404 are not");
    assert!(miner.template(ids[2]).is_some_and(|t| t.contains("5xx")));
    // A status after the request is the line's, whatever number comes before it.
    let (_, ids) = mine_all(&[
        r#"10.0.0.1 512 [10/Oct/2026:13:55:36 +0000] "GET /a HTTP/1.1" 200 512"#,
        r#"10.0.0.2 404 [10/Oct/2026:13:55:37 +0000] "GET /b HTTP/1.1" 204 33"#,
    ]);
    assert_eq!(ids[0], ids[1]);
}

#[test]
fn haproxy_names_before_its_status_do_not_hide_the_status_class() {
    // HAProxy's HTTP log: frontend, backend and server names, timers, then the status and the
    // bytes, and the request last. Its words kept it from being read as an access log, so 200s
    // and 503s were one pattern with the method a value.
    let haproxy = |i: u32, status: u16, method: &str| {
        format!(
            r#"haproxy[{}]: 10.1.{}.7:{} [06/Dec/2026:10:00:{:02}.399] fe_https~ be_api/api{} 3/5/5/{}/303 {status} {} - - ---- 72/49/2/8/0 0/0 "{method} /v1/pay/{i} HTTP/1.1""#,
            1000 + i,
            i % 200,
            40000 + i,
            i % 60,
            i % 3,
            100 + i,
            500 + i * 7
        )
    };
    let mut lines = Vec::new();
    for i in 0..40 {
        let status = [200, 201, 503, 404][i as usize % 4];
        lines.push(haproxy(i, status, ["GET", "POST"][i as usize / 4 % 2]));
    }
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let (miner, ids) = mine_all(&lines);
    assert_eq!(ids[0], ids[1], "200 and 201 are one class");
    assert_ne!(ids[0], ids[2], "200 and 503 are not");
    assert_ne!(ids[2], ids[3], "503 and 404 are not");
    assert_ne!(ids[0], ids[4], "GET and POST are not");
    let templates: Vec<&str> = miner.patterns().map(|p| p.template()).collect();
    assert_eq!(miner.len(), 6, "{templates:#?}");
    assert!(miner.template(ids[2]).is_some_and(|t| t.contains("5xx") && t.contains("\"GET /")));
    // A message that quotes a request at its end, with no status and count before it, keeps its
    // words (nginx's error log).
    let (miner, ids) = mine_all(&[
        r#"*17 open() "/srv/www/favicon.ico" failed (2: No such file or directory), client: 10.0.0.1, server: api, request: "GET /favicon.ico HTTP/1.1""#,
        r#"*18 open() "/srv/www/robots.txt" failed (2: No such file or directory), client: 10.0.0.2, server: api, request: "HEAD /robots.txt HTTP/1.1""#,
    ]);
    assert_eq!(ids[0], ids[1]);
    assert!(miner.template(ids[0]).is_some_and(|t| t.contains("No such file or directory")));
}

#[test]
fn a_padded_line_with_its_own_level_is_an_event_not_a_continuation() {
    let (miner, ids) = mine_all(&[
        "ERROR [main] c.e.Api (A.java:1) - boom",
        " INFO [main] c.e.Api (A.java:2) - started",
        " INFO [main] c.e.Api (A.java:3) - started",
    ]);
    assert_ne!(ids[0], ids[1]);
    assert_eq!(ids[1], ids[2]);
    assert_eq!(miner.get(ids[1]).map(Pattern::count), Some(2));
}

#[test]
fn a_capital_letter_opening_a_sentence_is_not_a_level() {
    let (miner, ids) = mine_all(&["Jan  5 12:00:00 web01 systemd[1]: A start job is running for disks"]);
    assert_eq!(miner.get(ids[0]).and_then(Pattern::level), None);
    assert!(
        miner.template(ids[0]).is_some_and(|t| t.contains("A start job")),
        "{:?}",
        miner.template(ids[0])
    );
    // logcat's layout does carry one.
    let (miner, ids) = mine_all(&["03-17 16:13:38.811  1702  2395 E WindowManager: failed to freeze"]);
    assert_eq!(
        miner.get(ids[0]).and_then(Pattern::level),
        Some(crate::core::level::Level::Error)
    );
}

#[test]
fn a_ten_digit_number_in_a_message_is_not_a_header() {
    let (_, ids) = mine_all(&[
        "2026-12-04 10:00:00 Removed user 1712345678 from group admins",
        "2026-12-04 10:00:01 Added user 1712345679 from group admins",
    ]);
    assert_ne!(ids[0], ids[1]);
    // Nor after fields of a message: the words before it are the event's.
    let (miner, ids) = mine_all(&[
        "Manager.decryptV2 len=8001, keyName=local, AppException=Decrypt in 1701737506 failed, result=353",
        "Loader.fetch2 len=12, keyName=remote, AppException=Fetch in 1701737507 failed, result=404",
    ]);
    assert_eq!(ids[0], ids[1]);
    assert_eq!(
        miner.template(ids[0]),
        Some("<*> len=<*>, keyName=<*>, AppException=<*> in <*> failed, result=<*>")
    );
}

#[test]
fn assigning_stops_when_the_output_is_gone_even_if_the_input_never_ends() {
    struct Endless(u64);
    impl std::io::Read for Endless {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            self.0 += 1;
            let line = format!("request {} served in 3 ms\n", self.0);
            let n = line.len().min(buf.len());
            buf[..n].copy_from_slice(&line.as_bytes()[..n]);
            Ok(n)
        }
    }
    struct Closed;
    impl std::io::Write for Closed {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
    }
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut miner = Miner::default();
        let input = std::io::BufReader::new(Endless(0));
        let _ = done.send(assign_stream(&mut miner, input, Closed).is_err());
    });
    let failed = finished
        .recv_timeout(std::time::Duration::from_secs(120))
        .expect("assign_stream returned instead of hanging");
    assert!(failed, "a closed output is an error");
}

#[test]
fn free_text_after_a_label_becomes_one_value_of_any_length() {
    let services = [
        ("motd-news.service", "Message of the Day."),
        ("docker.service", "Docker Application Container Engine."),
        ("logrotate.service", "Rotate log files."),
        ("backup.service", "Nightly backup."),
        ("man-db.service", "Daily man-db regeneration."),
        ("fstrim.service", "Discard unused blocks on filesystems."),
    ];
    let lines: Vec<String> = services
        .iter()
        .map(|(unit, what)| format!("systemd[1]: Started unit {unit} - {what}"))
        .collect();
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let (miner, ids) = mine_all(&refs);
    let first = miner.resolve(ids[0]);
    assert!(ids.iter().all(|&id| miner.resolve(id) == first), "{ids:?}");
    assert_eq!(
        miner.template(first),
        Some("systemd[<*>]: Started unit <*>.service - <*>")
    );
    assert_eq!(miner.len(), 1);
}

#[test]
fn a_units_description_after_a_dash_is_one_value() {
    // systemd since v250: `Starting <unit> - <its description>...`, with and without the
    // program's tag in front (syslog / journald's MESSAGE). Starting and Finished stay two events.
    let units = [
        ("logrotate.service", "Rotate log files"),
        ("fstrim.service", "Discard unused blocks on filesystems from /etc/fstab"),
        ("apt-daily.service", "Daily apt download activities"),
        ("certbot.service", "Certbot"),
        ("man-db.service", "Daily man-db regeneration"),
        ("phpsessionclean.service", "Clean php session files"),
    ];
    for tag in ["systemd[1]: ", ""] {
        let mut lines = Vec::new();
        for (unit, what) in units {
            lines.push(format!("{tag}Starting {unit} - {what}..."));
            lines.push(format!("{tag}Finished {unit} - {what}."));
        }
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let (miner, ids) = mine_all(&refs);
        let (starting, finished) = (miner.resolve(ids[0]), miner.resolve(ids[1]));
        assert_ne!(starting, finished);
        for (i, &id) in ids.iter().enumerate() {
            let want = if i % 2 == 0 { starting } else { finished };
            assert_eq!(miner.resolve(id), want, "{}", lines[i]);
        }
        assert_eq!(
            miner.template(finished),
            Some(format!("{tag}Finished <*>.service - <*>").replace("[1]", "[<*>]").as_str())
        );
    }
    // A dash after a word and a number is no unit's description: each is its own event.
    let (miner, ids) = mine_all(&[
        "order 81723 - payment captured",
        "order 81724 - shipped to customer",
        "order 81725 - invoice sent",
        "order 81726 - refund issued",
        "order 81727 - address updated",
        "order 81728 - charge failed: card declined",
    ]);
    assert_eq!(patterns_among(&miner, &ids), ids.len());
    // A dash after a name alone is no description: what follows is the event.
    let (miner, ids) = mine_all(&[
        "db.pool.DataSource : Pool-1 - Shutdown initiated...",
        "db.pool.DataSource : Pool-1 - Shutdown completed.",
        "db.pool.DataSource : Pool-1 - Starting...",
        "db.pool.Pool : Pool-1 - Added connection conn@6a1b2c",
        "db.pool.DataSource : Pool-1 - Start completed.",
        "db.pool.Pool : Pool-2 - Connection is not available, request timed out",
    ]);
    assert_eq!(patterns_among(&miner, &ids), ids.len());
}

#[test]
fn a_short_label_does_not_swallow_what_follows() {
    // Too little before the label to say these are one event.
    let (miner, ids) = mine_all(&[
        "error: connection refused by peer",
        "error: disk is full now",
        "error: permission denied for user",
        "error: no route to the host",
        "error: certificate has expired today",
        "error: name does not resolve",
    ]);
    assert_eq!(patterns_among(&miner, &ids), ids.len());
}

#[test]
fn a_dash_label_that_later_varies_neither_breaks_nor_takes_other_lines() {
    let mut miner = Miner::new(MinerConfig {
        max_patterns: 8,
        ..MinerConfig::default()
    });
    miner.observe("svc run job - nightly backup");
    miner.observe("svc run job 42 nightly backup");
    // Fillers of different lengths: no two alike, so the first pattern is evicted.
    for i in 0..8 {
        miner.observe(&vec!["filler"; i + 1].join(" "));
    }
    miner.observe("hello world");
    let tails = [
        "svc run job - weekly report",
        "svc run job - rotate the logs now",
        "svc run job - clean",
        "svc run job - vacuum the big tables tonight",
        "svc run job - refresh caches",
    ];
    let ids: Vec<PatternId> = tails.iter().map(|l| miner.observe(l)).collect();
    assert!(miner.len() <= 8);
    let last = miner.resolve(ids[4]);
    assert_eq!(miner.template(last), Some("svc run job - <*>"));
    // A line with a value where the `-` is does not join the tail pattern.
    let other = miner.observe("svc run job 77 anything at all here");
    assert_ne!(miner.resolve(other), last);
}

#[test]
fn a_list_of_items_and_a_path_with_spaces_are_one_value_each() {
    let (miner, ids) = mine_all(&[
        "removed items [apple, banana, cherry] from cart 12",
        "removed items [lime, mango] from cart 14",
        "removed items [kiwi] from cart 13",
        "opened file /var/lib/My Files/report.txt for reading",
        "opened file /var/lib/data/report.txt for reading",
        "opened file /home/bob/Old Stuff/More Things/x.doc for reading",
    ]);
    assert_eq!(ids[0], ids[1]);
    assert_eq!(ids[0], ids[2]);
    assert_eq!(ids[3], ids[4]);
    assert_eq!(ids[3], ids[5]);
    assert_eq!(miner.template(ids[0]), Some("removed items <*> from cart <*>"));
    assert_eq!(miner.template(ids[3]), Some("opened file <*> for reading"));
}

#[test]
fn a_quoted_message_names_its_event_by_its_first_word_and_escaped_quotes_stay_inside() {
    let (miner, ids) = mine_all(&[
        r#"I1204 10:00:03.678662 1321 reconciler.go:258] "operationExecutor.MountVolume started for volume" volume="a" pod="p1""#,
        r#"I1204 10:00:03.678662 1321 reconciler.go:231] "operationExecutor.UnmountVolume started for volume" volume="b" pod="p2""#,
        r#"I1204 10:00:04.000001 1321 prober.go:107] "Probe failed" pod="p1" output="Get \"http://10.0.0.1:8080/healthz\": context deadline exceeded""#,
        r#"I1204 10:00:05.000001 1321 prober.go:107] "Probe failed" pod="p2" output="dial tcp 10.0.0.2:8080: connect: connection refused""#,
    ]);
    assert_ne!(ids[0], ids[1], "MountVolume / UnmountVolume");
    assert_eq!(ids[2], ids[3], "one quoted output value, escaped quotes and all");
    let t = miner.template(ids[2]).unwrap_or_default();
    assert!(t.ends_with("output=<*>"), "{t}");
}

#[test]
fn a_random_letter_id_is_a_value_and_a_camel_case_name_is_not() {
    let (_, ids) = mine_all(&[
        "postfix/qmgr[12]: bZQXbkMpkfNYnD: removed",
        "postfix/qmgr[13]: 4F2A1B3C9D: removed",
        "postfix/qmgr[14]: qWErTYuioPAsd: removed",
        "VerifyControllerAttachedVolume failed for pod",
        "MountVolumeAndWaitForDevices failed for pod",
    ]);
    assert_eq!(ids[0], ids[1]);
    assert_eq!(ids[0], ids[2]);
    assert_ne!(ids[3], ids[4]);
}

#[test]
fn a_word_in_quotes_is_a_value() {
    let (miner, ids) = mine_all(&[
        r#"MountVolume.SetUp succeeded for volume "cache" pod="a/b""#,
        r#"MountVolume.SetUp succeeded for volume "pvc-7f3a" pod="c/d""#,
        r#"MountVolume.SetUp succeeded for volume \"config\" pod="e/f""#,
        "ERROR: role 'bob' does not exist",
        "ERROR: role 'alice' does not exist",
    ]);
    assert_eq!(ids[0], ids[1]);
    assert_eq!(ids[3], ids[4]);
    assert_eq!(
        miner.template(ids[3]),
        Some("role '<*>' does not exist")
    );
    // The klog form (escaped quotes inside a quoted message) is the same value.
    let (_, klog) = mine_all(&[
        r#"I1204 10:00:03.678662 1321 reconciler.go:1] "Volume detached for volume \"cache\" on node""#,
        r#"I1204 10:00:04.678662 1321 reconciler.go:1] "Volume detached for volume \"pvc-1\" on node""#,
    ]);
    assert_eq!(klog[0], klog[1]);
    // A quoted word that opens the message still names the event.
    let (_, opening) = mine_all(&["\"started\" worker=1", "\"stopped\" worker=1"]);
    assert_ne!(opening[0], opening[1]);
}

#[test]
fn a_value_ending_in_a_colon_ends_a_run_of_values() {
    // A program's pid, then a queue id of either look: the same event.
    let (miner, ids) = mine_all(&[
        "postfix/cleanup[6815]: EC3FFB62F30: message-id=<a@b>",
        "postfix/cleanup[91151]: qJPPbBNdrxc82: message-id=<c@d>",
    ]);
    assert_eq!(ids[0], ids[1], "{:?}", miner.template(ids[1]));
}

#[test]
fn a_request_quoted_in_a_message_varies_in_its_method_but_an_access_logs_does_not() {
    let line = |method: &str, n: usize| {
        format!(
            "[error] 5186#5186: *{n} limiting requests, excess: 1.{n} by zone \"one\", client: 10.0.0.{n}, request: \"{method} /a/{n} HTTP/1.1\", host: \"x.example\""
        )
    };
    let lines = [line("GET", 1), line("POST", 2), line("HEAD", 3)];
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let (_, ids) = mine_all(&lines);
    assert!(ids.iter().all(|&id| id == ids[0]), "{ids:?}");
    let (_, access) = mine_all(&[
        r#"10.0.0.1 - - [04/Dec/2026:10:00:00 +0000] "GET /a HTTP/1.1" 200 12"#,
        r#"10.0.0.2 - - [04/Dec/2026:10:00:01 +0000] "POST /a HTTP/1.1" 200 12"#,
    ]);
    assert_ne!(access[0], access[1], "an access log's method names its event");
}


#[test]
fn a_label_between_two_fields_is_no_flag_of_the_first() {
    // PostgreSQL's `log_line_prefix` with `user=%u,db=%d`: the words between its fields and the
    // message's are the message, not flags of the prefix's value (`connection authorized:` had
    // vanished into `user=<*>`, so a connection and any other event with fields read alike).
    let (miner, ids) = mine_all(&[
        "2019-10-01 10:00:00 UTC [12]: [1-1] user=app,db=orders,client=10.0.0.1 LOG:  connection authorized: user=app database=orders",
        "2019-10-01 10:00:01 UTC [13]: [1-1] user=bob,db=sales,client=10.0.0.2 LOG:  connection received: host=10.0.0.2 port=5432",
    ]);
    let template = miner.template(ids[0]).unwrap_or_default();
    assert!(template.contains("LOG: connection authorized: user="), "{template}");
    assert_ne!(ids[0], ids[1]);
    // Flags between fields still go with the value before them.
    assert!(same_pattern(
        "IN=eth0 OUT= SRC=10.0.0.1 DST=10.0.0.2 ID=11150 DF PROTO=TCP SPT=443 DPT=51234",
        "IN=eth0 OUT= SRC=10.0.0.3 DST=10.0.0.2 ID=11151 PROTO=TCP SPT=443 DPT=51299"
    ));
}

#[test]
fn free_text_after_a_value_ending_in_a_colon_is_one_value() {
    let sql = [
        "SELECT 1",
        "SELECT * FROM t WHERE id = $1",
        "INSERT INTO x (a, b) VALUES ($1, $2) RETURNING id",
        "UPDATE accounts SET status = $1 WHERE id = $2",
        "SELECT id, name FROM messages WHERE name = $1",
        "DELETE FROM y",
    ];
    let lines: Vec<String> = sql
        .iter()
        .enumerate()
        .map(|(n, q)| format!("LOG:  duration: 1.0{n} ms  execute S_{n}: {q}"))
        .collect();
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let (miner, ids) = mine_all(&lines);
    let last = miner.resolve(ids[5]);
    assert!(ids.iter().all(|&id| miner.resolve(id) == last), "{ids:?}");
    assert_eq!(
        miner.template(last),
        Some("LOG: duration: <*> execute S_<*>: <*>")
    );
}

#[test]
fn free_text_after_a_value_whose_letters_its_shape_masks_is_one_value() {
    // `in 90s:` is shaped `<*>:` as a bare `11:` is; its letter makes it a label all the same.
    let reasons = [
        "refund order",
        "quick billing customer quick",
        "cache",
        "session account",
        "broker unreachable after the handshake",
        "token payment token",
        "user",
    ];
    let lines: Vec<String> = reasons
        .iter()
        .enumerate()
        .map(|(n, why)| {
            format!("worker.tasks [pid 8{n}] Retrying task order[c9{n}-af] in {}s: {why}", 5 + n)
        })
        .collect();
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let (miner, ids) = mine_all(&lines);
    let last = miner.resolve(ids[6]);
    assert!(ids.iter().all(|&id| miner.resolve(id) == last), "{ids:?}");
    assert!(
        miner.template(last).is_some_and(|t| t.ends_with("in <*>: <*>")),
        "{:?}",
        miner.template(last)
    );
    // A bare number ending in `:` is a code, and the words after it say what it means.
    let codes: Vec<String> = reasons
        .iter()
        .enumerate()
        .map(|(n, why)| format!("worker.tasks [pid 8{n}] Task order[c9{n}-af] ended {}: {why}", 5 + n))
        .collect();
    let codes: Vec<&str> = codes.iter().map(String::as_str).collect();
    let (miner, ids) = mine_all(&codes);
    assert_ne!(miner.resolve(ids[0]), miner.resolve(ids[1]));
}

#[test]
fn a_code_labelling_each_event_is_not_a_label_of_free_text() {
    // Apache's error log: each message has its code, the same on every line of it. Five kinds
    // had merged into one `AH<*>: <*>`, the errors inside the info lines' pattern.
    let apache = |n: usize, code_and_text: &str| {
        format!(
            "[Thu Mar 14 09:12:{n:02}.514550 2024] [core:info] [pid 30{n}:tid 140232001] [client 10.0.{n}.7:5{n}] {code_and_text}"
        )
    };
    let kinds = [
        "AH00128: File does not exist: /var/www/html/favicon.ico",
        "AH01618: user root not found: /admin",
        "AH01617: user bob: authentication failure for \"/private\": Password Mismatch",
        "AH01114: HTTP: failed to make connection to backend: 127.0.0.1",
        "AH00126: Invalid URI in request POST /x HTTP/1.1",
    ];
    // Four kinds seen twice, then a fifth: a code seen on two lines of a pattern, and another
    // on another's, is what tells a code from a label (seen once, each could be either).
    let mut lines = Vec::new();
    for round in 0..3 {
        for (k, text) in kinds.iter().enumerate().take(4 + round / 2) {
            lines.push(apache(round * 5 + k, text));
        }
    }
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let (miner, ids) = mine_all(&lines);
    let distinct: std::collections::HashSet<_> = ids.iter().map(|&i| miner.resolve(i)).collect();
    assert_eq!(distinct.len(), 5, "one pattern per code");
    assert_eq!(miner.resolve(ids[0]), miner.resolve(ids[8]));
}

#[test]
fn the_root_path_in_quotes_is_a_path_like_any_other() {
    // Rails's `Started GET "/" for …`, the root first.
    let (miner, ids) = mine_all(&[
        r#"copy "/" to backup"#,
        r#"copy "/etc" to backup"#,
        r#"copy "/" to backup"#,
    ]);
    assert_eq!(miner.resolve(ids[0]), miner.resolve(ids[1]));
    assert_eq!(miner.resolve(ids[0]), miner.resolve(ids[2]));
}

#[test]
fn apache_24s_module_and_level_end_its_header() {
    let lines = [
        "[Thu Mar 14 09:12:09.514550 2024] [core:info] [pid 3011:tid 140232001] [client 10.0.0.7:55270] AH00128: File does not exist: /var/www/html/favicon.ico",
        "[Thu Mar 14 09:12:10.114550 2024] [proxy_http:error] [pid 3012:tid 140232002] [client 10.0.0.8:55271] AH01114: HTTP: failed to make connection to backend: 127.0.0.1",
        "PHP Stack trace:",
        "PHP   1. {main}() /var/www/html/index.php:0",
        "[Thu Mar 14 09:12:11.514550 2024] [core:info] [pid 3013:tid 140232001] [client 10.0.0.9:55272] AH00128: File does not exist: /var/www/html/robots.txt",
    ];
    let mut miner = Miner::default();
    let ids = observe_each(&mut miner, 3, &lines, 1_000);
    assert_eq!(ids[0], ids[4]);
    assert!(ids[1..4].iter().all(|&id| id == ids[1]), "{ids:?}");
    assert_eq!(miner.get(ids[0]).and_then(Pattern::level), Some(Level::Info));
    assert_eq!(miner.get(ids[1]).and_then(Pattern::level), Some(Level::Error));
    assert!(
        miner.template(ids[0]) == Some("AH00128: File does not exist: <*>"),
        "{:?}",
        miner.template(ids[0])
    );
}

#[test]
fn a_line_without_the_value_label_is_not_taken_by_its_free_text() {
    let mut lines: Vec<String> = (0..6)
        .map(|n| format!("Failed to sync job worker_{n}: reason {} of {n}", "x ".repeat(n)))
        .collect();
    lines.push("Failed to sync job 42 permanently gone now".to_string());
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let (miner, ids) = mine_all(&lines);
    let tail = miner.resolve(ids[0]);
    assert!(
        miner.template(tail).is_some_and(|t| t.ends_with("worker_<*>: <*>")),
        "{:?}",
        miner.template(tail)
    );
    assert_ne!(miner.resolve(ids[6]), tail, "no label, another event");
}

#[test]
fn a_qualified_constant_name_is_a_word_of_the_event() {
    // Broadcasts by their constant: TIME_TICK every minute, SCREEN_ON now and then. Which one
    // arrived is the event; a host name or a file name in the same place is a value.
    let (miner, ids) = mine_all(&[
        "dispatch action:android.intent.action.TIME_TICK",
        "dispatch action:android.intent.action.SCREEN_ON",
        "dispatch action:android.intent.action.TIME_TICK",
        "resolved host db.internal.example",
        "resolved host cache.internal.example",
    ]);
    assert_eq!(ids[0], ids[2]);
    assert_ne!(ids[0], ids[1], "TIME_TICK and SCREEN_ON are different events");
    assert_eq!(
        miner.template(ids[1]),
        Some("dispatch action:android.intent.action.SCREEN_ON")
    );
    assert_eq!(ids[3], ids[4], "host names are values");
    // Both end in `.internal.example`, which the template shows.
    assert_eq!(miner.template(ids[3]), Some("resolved host <*>.internal.example"));
}

#[test]
fn a_leading_tag_does_not_make_unlike_values_one_event() {
    // Logcat keeps the tag in the message: `Tag: <one token>` is nameless but for the tag, so
    // a call, a record and a list of numbers under one tag stay three events.
    let (miner, ids) = mine_all(&[
        "03-17 16:13:47.450  2227  2227 V PhoneStatusBar: setLightsOn(true)",
        "03-17 16:13:47.402  2227  2227 I PhoneStatusBar: removeNotification:0|com.example.chat|121|null|10111",
        "03-17 16:13:47.451  2227  2227 V PhoneStatusBar: setLightsOn(true)",
        "03-17 16:13:47.452  2227  2227 I PhoneStatusBar: cancelNotification,index:3",
        "03-17 16:13:47.453  2227  2227 I PhoneStatusBar: removeNotification:1|com.example.chat|122|null|10112",
    ]);
    assert_eq!(ids[0], ids[2]);
    assert_eq!(ids[1], ids[4], "the same record with other values");
    let distinct: std::collections::HashSet<_> = [ids[0], ids[1], ids[3]].into_iter().collect();
    assert_eq!(
        distinct.len(),
        3,
        "{:?}",
        ids.iter().map(|&i| miner.template(i)).collect::<Vec<_>>()
    );
    // The tag is no word of the event: text after a label two words in is not free text.
    let skipping: Vec<String> = (0..6)
        .map(|i| match i % 3 {
            0 => format!("ActivityManager: Skipping, withExcluded: false, tr.intent:Intent {{ flg=0x{i}0 cmp=a/.B (has extras) }}"),
            1 => format!("ActivityManager: Skipping, withExcluded: false, tr.intent:Intent {{ flg=0x{i}0 cmp=a/.B bnds=[0,{i}][5,9] }}"),
            _ => format!("ActivityManager: Skipping, withExcluded: true, tr.intent:Intent {{ act=a.b flg=0x{i}0 cmp=a/.B (has extras) }}"),
        })
        .collect();
    let refs: Vec<&str> = skipping.iter().map(String::as_str).collect();
    let (_, ids) = mine_all(&refs);
    let distinct: std::collections::HashSet<_> = ids.iter().collect();
    assert_eq!(distinct.len(), 3, "three shapes of intent are three events");
}

#[test]
fn a_stream_that_begins_with_an_uncaught_traceback_has_only_the_exception_as_a_pattern() {
    // A script's stderr: nothing but the crash.
    let mut miner = Miner::default();
    let lines = [
        "Traceback (most recent call last):",
        "  File \"/usr/local/bin/backup\", line 8, in <module>",
        "    sys.exit(main())",
        "PermissionError: [Errno 13] Permission denied: '/var/backups/db.tar'",
    ];
    let ids = observe_each(&mut miner, 9, &lines, 0);
    assert_eq!(miner.len(), 1);
    assert!(ids.iter().all(|&id| miner.resolve(id) == ids[3]), "{ids:?}");
    assert_eq!(miner.get(ids[3]).and_then(Pattern::level), Some(Level::Error));
}

/// A JSON object with no message field (structlog's `event`, an audit record) is read as its
/// fields: compact JSON has no space, so each line had been one piece, and an error was mined
/// into the same `<*>` pattern as the info lines around it, under the first line's template.
#[test]
fn a_json_line_without_a_message_field_is_mined_by_its_fields_and_its_level() {
    let mut lines = Vec::new();
    for i in 0..40 {
        lines.push(format!(
            r#"{{"timestamp":"2024-08-11T19:58:{:02}Z","level":"info","event":"order_created","order_id":{},"user":"u{i}"}}"#,
            i % 60,
            264_500 + i
        ));
        if i % 4 == 0 {
            lines.push(format!(
                r#"{{"timestamp":"2024-08-11T19:59:{:02}Z","level":"error","event":"payment_failed","order_id":{},"user":"u{i}","reason":"card declined by bank {i}"}}"#,
                i % 60,
                364_500 + i
            ));
        }
    }
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let (miner, ids) = mine_all(&refs);
    assert_eq!(patterns_among(&miner, &ids), 2);
    let created = miner.get(miner.resolve(ids[0])).unwrap();
    let failed = miner.get(miner.resolve(ids[1])).unwrap();
    assert_eq!(created.level(), Some(Level::Info));
    assert_eq!(failed.level(), Some(Level::Error));
    assert_eq!(
        created.template(),
        "event=order_created level=info order_id=<*> timestamp=<*> user=<*>"
    );
    assert!(
        failed.template().starts_with("event=payment_failed level=error order_id=<*>"),
        "{}",
        failed.template()
    );
    // A JSON line that does not read whole is mined as written.
    let (miner, ids) = mine_all(&[r#"{"level":"info","event":"cut off"#]);
    assert_eq!(miner.template(ids[0]), Some(r#"{"level":"info","event":"cut off"#));
}

/// A key that ends in `status` holds an HTTP status (Cloudflare's `EdgeResponseStatus`, ALB's
/// `elb_status_code`): a 200 and a 502 are apart, as under `status=`.
#[test]
fn a_status_key_of_any_name_keeps_the_status_classes_apart() {
    let line = |status: u16, i: usize| {
        format!("ClientIP=10.0.0.{i} ClientRequestMethod=GET EdgeResponseStatus={status} RayID=87a1b2c3d4e5f{i:03}")
    };
    let ok: Vec<String> = (0..20).map(|i| line(200 + (i % 2) as u16 * 4, i)).collect();
    let mut all = ok.clone();
    all.push(line(502, 99));
    let refs: Vec<&str> = all.iter().map(String::as_str).collect();
    let (miner, ids) = mine_all(&refs);
    assert_eq!(patterns_among(&miner, &ids), 2);
    let failed = miner.get(miner.resolve(ids[20])).unwrap();
    assert_eq!(failed.level(), Some(Level::Error));
    assert!(failed.template().contains("EdgeResponseStatus=5xx"), "{}", failed.template());
}

/// An nginx error line (synthetic), with the fields nginx adds when it knows them.
fn nginx_error(i: usize, what: &str, upstream: bool, referrer: bool) -> String {
    let mut line = format!(
        "2026/12/06 10:{:02}:{:02} [error] {}#0: *{} {what}, client: 10.0.{}.{}, server: shop.example.com, \
         request: \"{} /api/v1/orders/{} HTTP/1.1\"",
        i / 60 % 60,
        i % 60,
        30 + i % 7,
        1000 + i * 13,
        i % 4,
        i % 250,
        ["GET", "POST", "PUT"][i / 3 % 3],
        7000 + i
    );
    if upstream {
        line.push_str(&format!(", upstream: \"http://10.0.1.{}:8080/api/v1/orders/{}\"", i % 5, 7000 + i));
    }
    line.push_str(", host: \"shop.example.com\"");
    if referrer {
        line.push_str(&format!(", referrer: \"https://shop.example.com/cart?step={}\"", i % 9));
    }
    line
}

#[test]
fn fields_a_server_adds_when_it_knows_them_do_not_make_another_event() {
    // nginx adds `, referrer: "…"` when the request had one and `upstream:` once one was chosen;
    // Apache 2.4 adds `, referer: …`. The same failure with and without them is one event, in
    // whichever order they come, and failures of other kinds stay apart.
    let refused = "connect() failed (111: Connection refused) while connecting to upstream";
    let timed_out = "upstream timed out (110: Connection timed out) while reading response header \
                     from upstream";
    let missing = "open() \"/var/www/html/favicon.ico\" failed (2: No such file or directory)";
    for referrer_first in [false, true] {
        let mut lines = Vec::new();
        let mut kinds = Vec::new();
        for i in 0..60 {
            let (kind, what, upstream) = match i % 3 {
                0 => (0, refused, true),
                1 => (1, timed_out, true),
                _ => (2, missing, false),
            };
            let referrer = (i % 5 == 2) == referrer_first;
            lines.push(nginx_error(i, what, upstream, referrer));
            kinds.push(kind);
        }
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let (mut miner, ids) = mine_all(&refs);
        let of_kind: Vec<PatternId> = (0..3)
            .map(|k| miner.resolve(ids[kinds.iter().position(|&x| x == k).unwrap()]))
            .collect();
        assert_eq!(of_kind[0], ids[0], "the first line's id is kept");
        for (i, &id) in ids.iter().enumerate() {
            assert_eq!(miner.resolve(id), of_kind[kinds[i]], "{}", lines[i]);
        }
        assert_eq!(patterns_among(&miner, &ids), 3, "three events");
        // The fields that differ are one `<*>` after the last field all lines have.
        let missing = miner.template(of_kind[2]).unwrap_or_default();
        assert!(
            missing.starts_with("<*>#<*>: *<*> open() ")
                && missing.contains(" failed (<*>: No such file or directory), client: <*>, ")
                && missing.ends_with(" HTTP/<*>\", host: <*>"),
            "{missing}"
        );
        // The request's fields are still read as values of their own.
        assert!(
            miner
                .template(of_kind[0])
                .is_some_and(|t| t.contains(", client: <*>, server: shop.example.com, request: ")),
            "{:?}",
            miner.template(of_kind[0])
        );
        // One merge an event: once merged, a line of either form finds the pattern.
        let merges = miner.take_merges();
        assert!(merges.iter().all(|m| of_kind.contains(&m.into)), "{merges:?}");
        assert!(merges.len() <= 3, "{merges:?}");
    }
    // Once merged, a line with fields not seen before finds the pattern: none is made for it
    // and merged.
    let mut miner = Miner::default();
    let first = miner.observe(&nginx_error(0, refused, true, false));
    let id = miner.observe(&nginx_error(1, refused, true, true));
    miner.settle_held();
    assert_eq!(miner.resolve(id), miner.resolve(first));
    assert_eq!(miner.take_merges().len(), 1);
    let more = nginx_error(2, refused, true, true) + ", forwarded: \"10.9.8.7\"";
    let id = miner.observe(&more);
    miner.settle_held();
    assert_eq!(miner.resolve(id), miner.resolve(first));
    assert_eq!(miner.take_merges(), vec![]);
    let apache = |i: usize, referer: bool| {
        let mut line = format!(
            "[Thu Mar 14 09:13:{:02}.577718 2024] [proxy_http:error] [pid {}:tid 140233820] [client \
             10.0.0.{}:{}] AH01114: HTTP: failed to make connection to backend: 127.0.0.1",
            i % 60,
            1200 + i % 4,
            i % 200,
            13000 + i
        );
        if referer {
            line.push_str(&format!(", referer: https://www.example.com/checkout?id={i}"));
        }
        line
    };
    let lines: Vec<String> = (0..12).map(|i| apache(i, i % 3 == 1)).collect();
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let (miner, ids) = mine_all(&refs);
    assert_eq!(patterns_among(&miner, &ids), 1, "{:?}", miner.template(ids[0]));
}

#[test]
fn a_list_inside_brackets_or_before_a_word_is_not_fields_added_at_the_end() {
    // RabbitMQ's list is inside the bracket the short line closes, and the short one's `):`
    // says the next line holds its reason: two events.
    assert!(!same_pattern(
        "closing AMQP connection <0.53942.0> (11.171.197.219:45454 -> 10.0.0.3:5672):",
        "closing AMQP connection <0.3663.0> (10.0.3.39:41981 -> 10.0.0.3:5672, vhost: 'billing', user: 'guest')",
    ));
    // A field that comes with a failure, logged at another level: another event.
    assert!(!same_pattern(
        "2026-12-07 10:00:01 INFO Upload finished for job 17, file: /data/a.txt",
        "2026-12-07 10:00:03 ERROR Upload finished for job 19, file: /data/c.txt, errno: -13",
    ));
    // A word that names no field is no list's start (`bucket` is the event's).
    let (miner, ids) = mine_all(&[
        "Backup 17 uploaded to bucket s3://b/17",
        "Backup 18 uploaded to bucket s3://b/18, size: 3G",
        "Backup 19 uploaded to bucket s3://b/19 but checksum mismatch",
    ]);
    assert_eq!(patterns_among(&miner, &ids), 3);
    // Words after the label: what was said, not a field added.
    assert!(!same_pattern(
        "job 4411 failed after retry, attempt: 3",
        "job 4412 failed after retry, attempt: 3, reason: disk full on worker",
    ));
}

#[test]
fn words_after_a_field_that_closes_its_bracket_are_the_events_not_flags_of_a_list() {
    // urllib3's timeout: `port=443):` ends the pool's fields; `Read timed out.` says what
    // happened (it had been folded into the port as flags of a `key=value` list, and the template
    // read `port=<*> timeout=<*>)`).
    let lines: Vec<String> = (0..6)
        .map(|i| {
            format!(
                "Charge failed for order {}: HTTPSConnectionPool(host='api{i}.example.com', \
                 port={}): Read timed out. (read timeout={})",
                1000 + i,
                [443, 8443][i % 2],
                [5, 10, 30][i % 3]
            )
        })
        .collect();
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let (miner, ids) = mine_all(&refs);
    assert_eq!(patterns_among(&miner, &ids), 1);
    let template = miner.template(ids[0]).unwrap_or_default();
    assert!(
        template.ends_with("port=<*>): Read timed out. (read timeout=<*>)"),
        "{template}"
    );
    // Refused connections are another event.
    assert!(!same_pattern(
        &lines[0],
        "Charge failed for order 1001: HTTPSConnectionPool(host='api1.example.com', port=443): \
         Max retries exceeded (read timeout=5)"
    ));
    // Flags between fields of a list still go with the value before them.
    assert!(same_pattern(
        "IN=eth0 OUT= SRC=10.0.0.1 DST=10.0.0.2 ID=11150 DF PROTO=TCP SPT=443 DPT=51234",
        "IN=eth0 OUT= SRC=10.0.0.3 DST=10.0.0.2 ID=11151 PROTO=TCP SPT=443 DPT=51299"
    ));
}

#[test]
fn kinds_of_failure_named_by_their_type_stay_apart_however_many() {
    // Free text after a label becomes one `<*>` once five patterns differ there; an error's type
    // after it is the kind of failure: a sixth and a seventh kind must not fold the others into
    // `failed: <*>`, which would hide the new kind and retire the patterns already seen.
    let java = [
        "java.net.SocketTimeoutException: Read timed out",
        "java.net.ConnectException: Connection refused",
        "java.net.UnknownHostException: api.stripe.com",
        "javax.net.ssl.SSLHandshakeException: PKIX path building failed",
        "java.io.EOFException: Unexpected end of stream",
        "java.net.NoRouteToHostException: No route to host",
        "java.net.SocketException: Connection reset",
    ];
    let python = [
        "ReadTimeout: Read timed out",
        "ConnectionError: Connection refused",
        "SSLError: certificate verify failed",
        "ChunkedEncodingError: Connection broken",
        "TooManyRedirects: Exceeded 30 redirects",
        "InvalidJSONError: Expecting value",
        "ProxyError: Unable to connect to proxy",
    ];
    for (prefix, kinds) in [
        ("PaymentClient : Call to payment provider failed: ", java),
        ("[billing] Stripe call failed: ", python),
    ] {
        let mut lines = Vec::new();
        for round in 0..4 {
            for kind in kinds {
                lines.push(format!("2026-12-07 10:00:0{round},123 ERROR {prefix}{kind}"));
            }
        }
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let (miner, ids) = mine_all(&refs);
        assert_eq!(patterns_among(&miner, &ids), kinds.len(), "{prefix}");
        for (i, &id) in ids.iter().enumerate() {
            assert_eq!(miner.resolve(id), ids[i % kinds.len()], "{}", lines[i]);
        }
    }
    // Free text that names no type still becomes one value.
    let lines: Vec<String> = ["disk almost full", "queue is backing up", "cache cold after restart",
        "replica lagging behind", "too many open files", "slow consumer detected"]
        .iter()
        .map(|what| format!("2026-12-07 10:00:01,123 WARN [ops] Health check degraded: {what}"))
        .collect();
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let (miner, ids) = mine_all(&refs);
    assert_eq!(patterns_among(&miner, &ids), 1);
}

#[test]
fn a_level_word_that_opens_a_sentence_stays_in_the_template() {
    // `Error while fetching …` is a sentence whose first word also names the level: the
    // template had read `while fetching payment <*>: timeout`, and `Fatal error in worker`
    // `error in worker`.
    let mut miner = Miner::default();
    let cases = [
        ("2026-12-07T10:00:01.554Z Error while fetching payment 88690: timeout", "Error while fetching payment <*>: timeout", Level::Error),
        ("2026-12-07T10:00:01.561Z Fatal error in worker 6: out of memory", "Fatal error in worker <*>: out of memory", Level::Fatal),
        // A level field stays a field: in capitals, decorated, or before a name in capitals.
        ("2026-12-07T10:00:02.000Z ERROR while fetching payment 88691: timeout", "while fetching payment <*>: timeout", Level::Error),
        ("2026-12-07T10:00:02.100Z Warning: retry budget exhausted for s3", "retry budget exhausted for s3", Level::Warn),
        ("2016-09-28 04:30:30, Info CBS Loaded Servicing Stack v6.1.7601.23505", "CBS Loaded Servicing Stack <*>", Level::Info),
    ];
    for (line, template, level) in cases {
        let id = miner.observe(line);
        miner.settle_held();
        assert_eq!(miner.template(id), Some(template), "{line}");
        let got = miner.get(id).and_then(|p| p.level());
        assert_eq!(got, Some(level), "{line}");
    }
}

#[test]
fn a_dotnet_console_record_is_its_head_and_the_message_under_it() {
    // ASP.NET Core's console logger: level and category on one line, the message indented on the
    // next, an exception and its frames under that. Each message is its own event, at the
    // head's level; the head had been the pattern of every record of its category.
    let record = |level: &str, category: &str, message: &str, exception: Option<&str>| {
        let mut lines = vec![format!("{level}: {category}[0]"), format!("      {message}")];
        if let Some(e) = exception {
            lines.push(format!("      {e}"));
            lines.push("         at System.Net.Http.HttpConnectionPool.ConnectAsync(HttpRequestMessage request)".to_owned());
        }
        lines
    };
    let mut lines = Vec::new();
    for i in 0..6 {
        lines.extend(record("info", "Acme.Payments.PaymentService", &format!("Charge {} accepted in {} ms", 1000 + i, 20 + i), None));
        lines.extend(record(
            "fail",
            "Acme.Payments.PaymentService",
            &format!("Charge failed for order {}", 1000 + i),
            Some("System.Net.Http.HttpRequestException: Connection refused (api.stripe.com:443)"),
        ));
        lines.extend(record("crit", "Microsoft.AspNetCore.Hosting.Diagnostics", "Application startup exception", None));
    }
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let (miner, ids) = mine_all(&refs);
    let ids: Vec<PatternId> = ids.iter().map(|&id| miner.resolve(id)).collect();
    // A record's lines are one event: head, message, exception and frames.
    assert_eq!(ids[0], ids[1]);
    assert!(ids[2..6].iter().all(|&id| id == ids[2]), "{ids:?}");
    assert_eq!(patterns_among(&miner, &ids), 3);
    let level = |miner: &Miner, id: PatternId| miner.patterns().find(|p| p.id() == id).and_then(|p| p.level());
    assert_eq!(miner.template(ids[0]), Some("Acme.Payments.PaymentService[<*>] Charge <*> accepted in <*>"));
    assert_eq!(level(&miner, ids[0]), Some(Level::Info));
    // The exception under the message says what failed (see `miner::held`).
    assert_eq!(
        miner.template(ids[2]),
        Some("Acme.Payments.PaymentService[<*>] Charge failed for order <*> System.Net.Http.HttpRequestException: Connection refused (api.stripe.com:<*>)")
    );
    assert_eq!(level(&miner, ids[2]), Some(Level::Error));
    assert_eq!(level(&miner, ids[6]), Some(Level::Fatal));
    // The message continues the record its head began, for a view that shows whole events.
    let mut miner = Miner::default();
    miner.observe("fail: Acme.Jobs.Runner[3]");
    assert_eq!(miner.last_part(), EventPart::Begins);
    miner.observe("      Job 17 failed");
    assert_eq!(miner.last_part(), EventPart::Continues);
    // Under `docker compose logs`, the service's name before each line.
    let (miner, ids) = mine_all(&[
        "api-1  | fail: Acme.Payments.PaymentService[0]",
        "api-1  |       Charge failed for order 1001",
        "api-1  | info: Acme.Payments.PaymentService[0]",
        "api-1  |       Charge 1002 accepted in 21 ms",
    ]);
    let failed = miner.resolve(ids[0]);
    assert_eq!(failed, miner.resolve(ids[1]));
    assert_eq!(miner.template(failed), Some("Acme.Payments.PaymentService[<*>] Charge failed for order <*>"));
    assert_eq!(level(&miner, failed), Some(Level::Error));
    // A head with no message under it is a line of its own.
    let (miner, ids) = mine_all(&["fail: Acme.Jobs.Runner[3]", "warn: Acme.Jobs.Runner[4]", "      Queue is backing up"]);
    assert_eq!(miner.template(miner.resolve(ids[0])), Some("Acme.Jobs.Runner[<*>]"));
    assert_eq!(miner.template(miner.resolve(ids[1])), Some("Acme.Jobs.Runner[<*>] Queue is backing up"));
}

#[test]
fn serilogs_and_winstons_console_levels_are_levels_not_words() {
    // Serilog's console sink closes the bracket its time opened with a three-letter level
    // (`[10:00:01 ERR]`); winston's `[error]:` puts a colon after it. Both lines had been mined
    // at no level (no new error recorded), the level left in the template (`ERR] Charge …`).
    let mut miner = Miner::default();
    let cases = [
        ("[10:00:01 ERR] Charge failed for order 1234", Level::Error),
        ("[10:00:02 FTL] Application start-up failed", Level::Fatal),
        ("[10:00:03 WRN] Slow response from api.stripe.com: 2300 ms", Level::Warn),
        ("2026-12-07T10:00:00.405Z [error]: Request failed: read ECONNRESET", Level::Error),
        ("2026-12-07T10:00:01.405Z [info]: Charge 12 accepted", Level::Info),
    ];
    for (line, level) in cases {
        let id = miner.observe(line);
        miner.settle_held();
        let template = miner.template(id).unwrap_or_default();
        assert!(!template.contains(']'), "{line}: {template}");
        let got = miner.get(id).and_then(|p| p.level());
        assert_eq!(got, Some(level), "{line}");
    }
    let id = miner.observe("[10:00:09 ERR] Charge failed for order 99");
    miner.settle_held();
    assert_eq!(miner.template(id), Some("Charge failed for order <*>"));
}

#[test]
fn a_held_dotnet_head_is_counted_once_and_resolves_at_the_end() {
    let mut miner = Miner::default();
    miner.observe("fail: Acme.Jobs.Runner[3]");
    miner.observe("plain line here");
    assert_eq!(miner.lines_seen(), 2);
    // The input ends under a head: it is a line of its own once the input is said to end.
    let held = miner.observe("crit: Acme.Jobs.Runner[4]");
    assert_eq!(miner.template(miner.resolve(held)), None);
    miner.settle_held();
    assert_eq!(miner.lines_seen(), 3);
    assert_eq!(miner.template(miner.resolve(held)), Some("Acme.Jobs.Runner[<*>]"));
}

#[test]
fn error_types_among_free_text_are_free_text_whichever_comes_first() {
    let typed = [
        "Health check degraded: RedisError: timeout",
        "Health check degraded: KafkaException: consumer lag",
    ];
    let free = [
        "Health check degraded: disk almost full",
        "Health check degraded: queue is backing up",
        "Health check degraded: cache cold after restart",
        "Health check degraded: replica lagging behind",
        "Health check degraded: too many open files",
        "Health check degraded: slow consumer detected",
        "Health check degraded: clock skew detected",
    ];
    for typed_first in [true, false] {
        let lines: Vec<&str> = if typed_first {
            typed.iter().chain(&free).copied().collect()
        } else {
            free.iter().chain(&typed).copied().collect()
        };
        let (miner, ids) = mine_all(&lines);
        assert_eq!(patterns_among(&miner, &ids), 1, "typed first: {typed_first}");
    }
}

#[test]
fn a_quoted_error_says_what_failed() {
    // A quoted phrase inside a message is one value, but one that opens with an error's type is
    // the failure itself: Resilience4j's last exception and urllib3's retry cause had put a
    // timeout and a refused connection in one pattern, `Last exception: '<*>'`.
    let retry = |n: u32, cause: &str| {
        format!(
            "Retry 'payments' recorded a failed retry attempt. Number of retry attempts: '{n}'. \
             Last exception: '{cause}'"
        )
    };
    let lines = [
        retry(1, "java.net.SocketTimeoutException: Read timed out"),
        retry(2, "java.net.SocketTimeoutException: Read timed out"),
        retry(1, "java.net.ConnectException: Connection refused"),
        retry(3, "java.net.ConnectException: Connection refused"),
    ];
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let (miner, ids) = mine_all(&refs);
    assert_eq!(miner.resolve(ids[0]), miner.resolve(ids[1]));
    assert_eq!(miner.resolve(ids[2]), miner.resolve(ids[3]));
    assert_ne!(miner.resolve(ids[0]), miner.resolve(ids[2]));
    assert!(
        miner
            .template(ids[2])
            .is_some_and(|t| t.ends_with("Last exception: 'java.net.ConnectException: Connection refused'")),
        "{:?}",
        miner.template(ids[2])
    );
    // Any other quoted phrase is still one value.
    assert!(same_pattern(
        "Payment declined for order 17: reason 'card expired on file'",
        "Payment declined for order 18: reason 'do not honor this card'",
    ));
}

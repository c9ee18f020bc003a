//! Masks, headers, generalization, values and eviction.

use super::{mine_all, patterns_among, same_pattern, template_after};
use crate::core::level::Level;
use crate::patterns::*;

// Masks

#[test]
fn numbers_hex_ips_uuids_and_durations_are_masked_from_the_first_line() {
    assert_eq!(
        template_after(&[
            "connect to 10.0.0.1:8080 req 0x1f uuid 123e4567-e89b-12d3-a456-426614174000 took 35ms after 3 tries"
        ]),
        "connect to <*> req <*> uuid <*> took <*> after <*> tries"
    );
}

#[test]
fn paths_and_urls_are_masked_keeping_their_shape() {
    assert_eq!(
        template_after(&["GET /api/v1/users/42 from https://example.com/a?b=1"]),
        "GET /api/<*>/users/<*> from https://<*>"
    );
}

#[test]
fn ids_keep_their_prefix_in_the_template() {
    assert_eq!(
        template_after(&["Deleting block blk_-6952295868487656571 file /data/current/blk_123"]),
        "Deleting block blk_<*> file /data/current/blk_<*>"
    );
}

#[test]
fn key_value_values_generalize_but_keys_do_not() {
    assert_eq!(
        template_after(&["status=ok user=alice", "status=ok user=bob"]),
        "status=ok user=<*>"
    );
    assert!(!same_pattern(
        "status=ok user=alice",
        "status=ok group=alice"
    ));
}

#[test]
fn a_quoted_value_with_spaces_is_one_value() {
    assert!(same_pattern(
        r#"acquire lock=1 tag="View Lock" pid=12"#,
        r#"acquire lock=2 tag="*launch*" pid=13"#
    ));
}

#[test]
fn a_run_of_values_folds_into_one_whatever_its_length() {
    assert!(same_pattern(
        "failed to resolve data source name an14 an15 an16 an17",
        "failed to resolve data source name dadmin2 dadmin3"
    ));
    assert_eq!(
        template_after(&["stack @0x7fed806eb5d @0x7fef9fb9b6d @0xff83e97c"]),
        "stack @<*>"
    );
}

#[test]
fn a_unit_belongs_to_its_number() {
    assert!(same_pattern(
        "stored (estimated size 5.2 KB, free 317.1 KB)",
        "stored (estimated size 93.0 B, free 2.1 MB)"
    ));
}

#[test]
fn a_date_inside_the_message_is_one_value() {
    assert!(same_pattern(
        "chip status changed at Thu Aug 04 15:20:37 PDT 2005 by ops",
        "chip status changed at Mon Sep 5 01:02:03 PDT 2005 by ops"
    ));
}

#[test]
fn a_dot_leader_separates_a_label_from_its_value() {
    assert!(!same_pattern(
        "data store interrupt caused by dcbf.........1",
        "data store interrupt caused by icbi.........0"
    ));
    assert!(same_pattern(
        "icache prefetch depth....................1",
        "icache prefetch depth....................0"
    ));
}

// Headers

#[test]
fn timestamps_levels_pids_and_threads_are_not_part_of_the_template() {
    let (miner, ids) = mine_all(&[
        "2024-01-01T10:00:00.123Z INFO [main] payment 1 settled",
        "2024-01-02 11:00:00,456 INFO [pool-1 worker 2] payment 2 settled",
        "081109 203615 148 INFO payment 3 settled",
    ]);
    assert!(ids.iter().all(|&id| id == ids[0]));
    let p = miner.get(ids[0]).expect("pattern kept");
    assert_eq!(p.template(), "payment <*> settled");
    assert_eq!(p.level(), Some(Level::Info));
}

#[test]
fn spring_boot_pid_dashes_and_threads_are_header() {
    // `LEVEL PID --- [thread] logger : message`, and Spring Boot 3's `[app] [thread]`.
    let (miner, ids) = mine_all(&[
        "2026-12-06 10:00:00.679  WARN 3525 --- [main] c.e.p.AcquirerClient : Acquirer call failed after 3 attempts",
        "2026-12-06 10:00:01.104 ERROR 3525 --- [nio-8080-exec-8] c.e.p.AcquirerClient : Acquirer call failed after 5 attempts",
        "2026-12-06T10:00:02.215Z  WARN 3526 --- [payments] [scheduling-1] c.e.p.AcquirerClient : Acquirer call failed after 2 attempts",
    ]);
    assert!(ids.iter().all(|&id| id == ids[0]), "{ids:?}");
    assert_eq!(
        miner.template(ids[0]),
        Some("c.e.p.AcquirerClient : Acquirer call failed after <*> attempts")
    );
}

#[test]
fn a_logger_name_between_dashes_is_header_and_the_level_after_it_is_read() {
    // Python's `%(asctime)s - %(name)s - %(levelname)s - %(message)s`, and the same with `|`.
    let (miner, ids) = mine_all(&[
        "2026-12-06 10:00:00,123 - app.orders - INFO - Processing order 1 for customer 2",
        "2026-12-06 10:00:01,456 - app.payments - INFO - Processing order 3 for customer 4",
        "2026-12-06 10:00:02,789 - app.db - ERROR - Connection lost to db-1",
        "2026-12-06 10:00:03,012 | worker | WARNING | queue depth 5",
    ]);
    assert_eq!(ids[0], ids[1]);
    let p = miner.get(ids[0]).expect("pattern kept");
    assert_eq!(p.template(), "Processing order <*> for customer <*>");
    assert_eq!(p.level(), Some(Level::Info));
    let p = miner.get(ids[2]).expect("pattern kept");
    assert_eq!(p.template(), "Connection lost to <*>");
    assert_eq!(p.level(), Some(Level::Error), "an error is an error");
    assert_eq!(miner.get(ids[3]).and_then(Pattern::level), Some(Level::Warn));
}

#[test]
fn postgres_headers_with_user_and_database_give_their_level() {
    // `log_line_prefix = '%m [%p] %q%u@%d '`, and Amazon RDS's `%t:%r:%u@%d:[%p]:`.
    let (miner, ids) = mine_all(&[
        "2026-12-07 06:52:29.207 UTC [18234] postgres@bench ERROR:  deadlock detected",
        "2026-12-07 06:52:30.411 UTC [18240] [unknown]@[unknown] ERROR:  deadlock detected",
        "2026-12-07 06:52:29 UTC:10.0.0.1(5432):app@orders:[18268]:ERROR:  deadlock detected",
        "2026-12-07 06:52:31 UTC:[local]:app@orders:[18270]:FATAL:  role \"x\" does not exist",
        "2026-12-07 06:52:32.001 UTC [18271] app@orders WARNING:  there is no transaction in progress",
    ]);
    assert_eq!(patterns_among(&miner, &ids[..3]), 1);
    let p = miner.get(ids[0]).expect("pattern kept");
    assert_eq!(p.template(), "deadlock detected");
    assert_eq!(p.level(), Some(Level::Error));
    let p = miner.get(ids[3]).expect("pattern kept");
    assert_eq!(p.template(), "role \"x\" does not exist");
    assert_eq!(p.level(), Some(Level::Fatal));
    assert_eq!(miner.get(ids[4]).and_then(Pattern::level), Some(Level::Warn));
    // An address in a message is no header: the level word after it is the message's.
    let (miner, ids) = mine_all(&["mail from alice@example.com ERROR bounced"]);
    assert_eq!(miner.get(ids[0]).and_then(Pattern::level), None);
}

#[test]
fn docker_compose_prefixes_and_zaps_lower_case_levels_are_header() {
    // `docker compose logs`: the service's name, padded, and a bar before each line; what
    // follows is read as the service's own line (here Caddy's JSON).
    let (miner, ids) = mine_all(&[
        r#"caddy  | {"level":"warn","ts":1761019822.3,"logger":"http","msg":"HTTP/2 skipped because it requires TLS","addr":":80"}"#,
        r#"caddy-2  | {"level":"warn","ts":1761019823.1,"logger":"http","msg":"HTTP/2 skipped because it requires TLS","addr":":8080"}"#,
        "web-1  | 2024-04-25T05:32:35.600215839Z ERROR request failed after 3 retries",
    ]);
    assert_eq!(ids[0], ids[1]);
    let p = miner.get(ids[0]).expect("pattern kept");
    assert_eq!(p.template(), "HTTP/<*> skipped because it requires TLS");
    assert_eq!(p.level(), Some(Level::Warn));
    let p = miner.get(ids[2]).expect("pattern kept");
    assert_eq!(p.template(), "request failed after <*> retries");
    assert_eq!(p.level(), Some(Level::Error));
    // zap's console encoder: the level in lower case after the time, fields after tabs.
    let (miner, ids) = mine_all(&[
        "2025-04-24T22:09:20.856Z\terror\tinternal/queue_sender.go:128\tExporting failed. Dropping data.",
        "2025-04-24T22:09:21.101Z\tinfo\tservice@v0.124.0/service.go:289\tEverything is ready.",
    ]);
    assert_eq!(miner.get(ids[0]).and_then(Pattern::level), Some(Level::Error));
    assert_eq!(miner.get(ids[1]).and_then(Pattern::level), Some(Level::Info));
    // A sentence that opens with a level word is no header.
    let (miner, ids) = mine_all(&["error while reading config, using defaults"]);
    assert_eq!(miner.get(ids[0]).and_then(Pattern::level), None);
    // uWSGI's date in brackets is one value: its weekday is no word of the event.
    let (miner, ids) = mine_all(&[
        "[pid: 88185|app: 0|req: 1/1] 127.0.0.1 () {38 vars in 696 bytes} [Sun Mar 13 22:49:12 2016] POST /update_metrics => generated 47 bytes in 129 msecs",
        "[pid: 88185|app: 0|req: 3/2] 127.0.0.1 () {38 vars in 696 bytes} [Mon Mar 14 09:01:15 2016] POST /update_metrics => generated 47 bytes in 35 msecs",
    ]);
    assert_eq!(ids[0], ids[1]);
    let template = miner.template(ids[0]).unwrap_or_default();
    assert!(!template.contains("Sun") && !template.contains("Mar"), "{template}");
}

#[test]
fn an_elasticsearch_header_is_set_aside_whole() {
    // `[time][WARN ][logger]`: the space in `[WARN ]` does not end the header.
    let (miner, ids) = mine_all(&[
        "[2026-12-06T10:00:01,123][WARN ][o.e.m.j.JvmGcMonitorService] [node-1] [gc][1234] overhead, spent [1.2s] collecting in the last [2s]",
        "[2026-12-06T10:00:02,456][INFO ][o.e.m.j.JvmGcMonitorService] [node-2] [gc][1240] overhead, spent [900ms] collecting in the last [1s]",
    ]);
    assert_eq!(ids[0], ids[1]);
    let template = miner.template(ids[0]).unwrap_or_default();
    assert_eq!(
        template,
        "overhead, spent [<*>] collecting in the last [<*>]",
        "the logger, the node and what names the monitor are header"
    );
    assert_eq!(miner.get(ids[0]).and_then(Pattern::level), Some(Level::Warn));
    // Its logger padded to a width (`[o.e.n.Node               ]`), and its level (`[INFO ]`,
    // `[ERROR]`): the same event at each level, the level read.
    let (miner, ids) = mine_all(&[
        "[2018-05-17T08:19:45,482][INFO ][o.e.t.TransportService   ] [vWNJsZ3] publish_address {127.0.0.1:9300}, bound_addresses {[::1]:9300}",
        "[2018-05-17T08:19:45,482][ERROR][o.e.h.n.Netty4HttpServerTransport] [vWNJsZ3] publish_address {127.0.0.1:9200}, bound_addresses {[::1]:9200}",
        "[2019-10-01T10:00:00,123][WARN ][logstash.runner          ] publish_address {10.0.0.1:9300}, bound_addresses {[::1]:9300}",
    ]);
    assert_eq!(patterns_among(&miner, &ids), 1);
    let p = miner.get(ids[0]).expect("pattern kept");
    assert!(p.template().starts_with("publish_address {<*>}, bound_addresses"), "{}", p.template());
    assert_eq!(p.level(), Some(Level::Error));
}

#[test]
fn a_level_padded_in_its_brackets_is_read() {
    // log4j's `[%-5p]`: `[INFO ]` and `[WARN ]` are levels, the same event at both.
    let (miner, ids) = mine_all(&[
        "2019-10-01 10:00:00,123 [INFO ] [main] o.a.k.Fetcher - Fetch offset 42 is out of range for partition orders-0",
        "2019-10-01 10:00:01,456 [WARN ] [pool-2-thread-1] o.a.k.Fetcher - Fetch offset 77 is out of range for partition orders-3",
    ]);
    assert_eq!(ids[0], ids[1]);
    let p = miner.get(ids[0]).expect("pattern kept");
    assert_eq!(p.template(), "o.a.k.Fetcher - Fetch offset <*> is out of range for partition orders-<*>");
    assert_eq!(p.level(), Some(Level::Warn));
}

#[test]
fn a_zone_named_after_the_time_is_header() {
    // PostgreSQL's default prefix writes the zone's abbreviation (`%m`): the same event in
    // summer and in winter, and where the server runs in UTC.
    let (miner, ids) = mine_all(&[
        "2017-04-03 22:32:14.322 CEST [31225] postgres@mydb LOG:  could not receive data from client: Connection reset by peer",
        "2017-11-03 22:32:14.322 CET [3474] postgres@mydb LOG:  could not receive data from client: Connection reset by peer",
        "2017-05-27 14:59:26.553 UTC [1994] postgres@mydb LOG:  could not receive data from client: Connection reset by peer",
        "2017-05-27 14:59:26.553 EST [1994] app@orders LOG:  could not receive data from client: Connection reset by peer",
    ]);
    assert_eq!(patterns_among(&miner, &ids), 1);
    let p = miner.get(ids[0]).expect("pattern kept");
    assert_eq!(p.template(), "[<*>] <*> LOG: could not receive data from client: Connection reset by peer");
    let (miner, ids) = mine_all(&[
        "2017-04-03 22:32:14.322 CEST [31225] postgres@mydb ERROR:  relation \"orders\" does not exist at character 15",
        "2017-05-27 14:59:26.553 UTC [1994] postgres@mydb ERROR:  relation \"orders\" does not exist at character 15",
    ]);
    assert_eq!(ids[0], ids[1]);
    let p = miner.get(ids[0]).expect("pattern kept");
    assert_eq!(p.template(), "relation \"orders\" does not exist at character <*>");
    assert_eq!(p.level(), Some(Level::Error));
}

#[test]
fn redis_mysql_mongodb_and_etcd_headers_are_set_aside() {
    // Redis: the pid (and role), a day before its month's name, a mark of the level. The month
    // turning is no new event, nor is another version's header.
    let (miner, ids) = mine_all(&[
        "4961:M 30 May 12:50:13.464 * DB loaded from disk: 0.001 seconds",
        "4961:M 02 Jun 09:10:11.001 * DB loaded from disk: 0.214 seconds",
        "[4961] 30 May 10:03:19 * DB loaded from disk: 0.002 seconds",
        "4961:M 02 Jun 09:10:12.001 # Server started, Redis version 3.0.2",
    ]);
    assert_eq!(patterns_among(&miner, &ids[..3]), 1);
    let p = miner.get(ids[0]).expect("pattern kept");
    assert_eq!(p.template(), "DB loaded from disk: <*>");
    assert_eq!(p.level(), Some(Level::Notice));
    assert_eq!(miner.get(ids[3]).and_then(Pattern::level), Some(Level::Warn));
    // MySQL 5's six-digit date and MySQL 8's `[Note]`, `[System]` and the fields after them.
    let (miner, ids) = mine_all(&[
        "161209 14:18:50 [Note] Plugin 'FEDERATED' is disabled.",
        "2016-12-09T14:18:50.123456Z 0 [Note] [MY-010116] [Server] Plugin 'FEDERATED' is disabled.",
        "161209 14:18:50 InnoDB: Completed initialization of buffer pool",
        "2016-12-09T14:18:50.123456Z 0 [System] [MY-010116] [Server] /usr/sbin/mysqld (mysqld 8.0.15) starting as process 1234",
    ]);
    assert_eq!(ids[0], ids[1]);
    assert_eq!(miner.template(ids[0]), Some("Plugin 'FEDERATED' is disabled."));
    assert_eq!(miner.get(ids[0]).and_then(Pattern::level), Some(Level::Notice));
    assert_eq!(miner.template(ids[2]), Some("InnoDB: Completed initialization of buffer pool"));
    assert_eq!(miner.get(ids[3]).and_then(Pattern::level), Some(Level::Info));
    // MongoDB's severity letter and component, etcd's letter and bar: the same event at each
    // severity, the level read.
    let (miner, ids) = mine_all(&[
        "2016-12-09T12:34:56.789+0000 I NETWORK  [initandlisten] waiting for connections on port 27017",
        "2016-12-09T12:34:57.789+0000 W NETWORK  [conn12] waiting for connections on port 27018",
        "2019-10-01 10:00:00.123456 I | etcdserver: published {Name:infra1} to cluster 1",
        "2019-10-01 10:00:01.123456 W | etcdserver: published {Name:infra2} to cluster 2",
    ]);
    assert_eq!((ids[0], ids[2]), (ids[1], ids[3]));
    assert_eq!(miner.template(ids[0]), Some("waiting for connections on port <*>"));
    assert_eq!(miner.get(ids[0]).and_then(Pattern::level), Some(Level::Warn));
    assert_eq!(miner.template(ids[2]), Some("etcdserver: published {Name:<*>} to cluster <*>"));
    // A sentence that opens with a capital letter alone is no severity, and a level word after
    // `[System]` or `[Note]` is the line's.
    let (miner, ids) = mine_all(&[
        "2024-01-01 10:00:00 A DNS lookup failed for host db1",
        "10:00:00 E TLS handshake error",
        "2024-01-01 10:00:00 A | 1 | ok",
        "2024-01-01 10:00:00 [System] ERROR Disk failure on sda",
        "2024-01-01 10:00:00,123 [Note] WARN low memory",
    ]);
    assert_eq!(miner.template(ids[0]), Some("A DNS lookup failed for host db1"));
    assert_eq!(miner.get(ids[0]).and_then(Pattern::level), None);
    assert_eq!(miner.get(ids[1]).and_then(Pattern::level), None);
    assert_eq!(miner.get(ids[2]).and_then(Pattern::level), None);
    assert_eq!(miner.get(ids[3]).and_then(Pattern::level), Some(Level::Error));
    assert_eq!(miner.get(ids[4]).and_then(Pattern::level), Some(Level::Warn));
}

#[test]
fn header_fields_before_the_level_are_set_aside() {
    let (miner, ids) = mine_all(&[
        "- 1117838570 2005.06.03 R02-M1-N0 2005-06-03-15.42.50.675872 RAS KERNEL INFO cache parity error corrected",
        "2015-07-29 17:41:44,747 - INFO  [QuorumPeer[myid=1]/0:2181:Election@774] - cache parity error corrected",
    ]);
    assert_eq!(ids[0], ids[1]);
    assert_eq!(miner.template(ids[0]), Some("cache parity error corrected"));
}

#[test]
fn syslog_host_and_program_header_is_set_aside() {
    assert_eq!(
        template_after(&[
            "Jan  9 12:01:01 web01 sshd[2915]: Invalid user admin from 1.2.3.4",
            "Jan  9 12:01:02 db02 sshd[2916]: Invalid user oracle from 1.2.3.5",
        ]),
        "sshd[<*>]: Invalid user <*> from <*>"
    );
}

#[test]
fn json_lines_use_their_message_and_level_fields() {
    let (miner, ids) = mine_all(&[
        r#"{"ts":"2024-01-01T00:00:01Z","level":"warn","msg":"disk 1 almost full","host":"a"}"#,
        r#"{"ts":"2024-01-01T00:00:02Z","level":"warn","msg":"disk 2 almost full","host":"b"}"#,
    ]);
    assert_eq!(ids[0], ids[1]);
    assert_eq!(miner.template(ids[0]), Some("disk <*> almost full"));
    assert_eq!(
        miner.get(ids[0]).and_then(Pattern::level),
        Some(Level::Warn)
    );
}

#[test]
fn json_levels_by_number_letter_and_other_keys_and_journald_messages() {
    let level = |line: &str| {
        let (miner, ids) = mine_all(&[line]);
        miner.get(ids[0]).and_then(Pattern::level)
    };
    // Bunyan and pino write numbers; Elastic's schema `log.level`; MongoDB a letter under `s`.
    assert_eq!(
        level(r#"{"name":"renovate","hostname":"r-1","pid":7,"level":50,"msg":"Repository failed"}"#),
        Some(Level::Error)
    );
    assert_eq!(
        level(r#"{"@timestamp":"2025-01-13T09:58:13.631Z","log.level":"warn","message":"disk low"}"#),
        Some(Level::Warn)
    );
    assert_eq!(
        level(r#"{"t":{"$date":"2026-03-10T20:58:09.401+00:00"},"s":"W",  "c":"STORAGE",  "id":22302, "msg":"Detected unclean shutdown"}"#),
        Some(Level::Warn)
    );
    // A number under ten is no level of its own (Nextcloud's 1 is info, syslog's 1 an alert).
    assert_eq!(
        level(r#"{"reqId":"tw","level":1,"app":"files","message":"Tried to scan non file"}"#),
        None
    );
    // `journalctl -o json`: the message under `MESSAGE`, the syslog severity under `PRIORITY`.
    let (miner, ids) = mine_all(&[
        r#"{ "__CURSOR" : "s=e9;i=372a", "PRIORITY" : "3", "_PID" : "1", "MESSAGE" : "Failed to start nginx.service" }"#,
        r#"{ "__CURSOR" : "s=e9;i=372b", "PRIORITY" : "6", "_PID" : "1", "MESSAGE" : "Started cron.service" }"#,
    ]);
    let p = miner.get(ids[0]).expect("pattern kept");
    assert_eq!(p.template(), "Failed to start nginx.service");
    assert_eq!(p.level(), Some(Level::Error));
    assert_eq!(miner.get(ids[1]).and_then(Pattern::level), Some(Level::Info));
}

#[test]
fn a_logfmt_line_keeps_its_quoted_message_and_gives_its_level_field() {
    // Grafana: a logger and a time before the level, so no header is understood.
    let (miner, ids) = mine_all(&[
        "logger=settings t=2025-04-24T19:51:48.521238594Z level=warn msg=\"Config loaded from\" file=/usr/share/grafana/conf/defaults.ini",
        "logger=settings t=2025-04-24T19:51:48.521245943Z level=warn msg=\"Config loaded from\" file=/etc/grafana/grafana.ini",
        "logger=settings t=2025-04-24T19:51:48.521249283Z level=info msg=\"Config overridden from command line\" arg=\"default.paths.data=/var/lib/grafana\"",
    ]);
    assert_eq!(ids[0], ids[1]);
    assert_ne!(ids[0], ids[2], "another message is another event");
    let p = miner.get(ids[0]).expect("pattern kept");
    assert!(p.template().contains("msg=\"Config loaded from\""), "{}", p.template());
    assert_eq!(p.level(), Some(Level::Warn));
}

#[test]
fn python_ruby_and_log4j_default_layouts_give_their_level() {
    let first = |line: &str| {
        let (miner, ids) = mine_all(&[line]);
        let p = miner.get(ids[0]).expect("pattern kept");
        (p.template().to_owned(), p.level())
    };
    // Python's `logging.basicConfig()`: `LEVEL:logger:message`.
    assert_eq!(
        first("WARNING:root:disk almost full on /dev/sda1"),
        ("disk almost full on /dev/<*>".to_owned(), Some(Level::Warn))
    );
    assert_eq!(
        first("ERROR:app.db:connection lost to db-1"),
        ("connection lost to <*>".to_owned(), Some(Level::Error))
    );
    // Ruby's Logger (Rails): a letter, the time and pid in brackets, the level, `-- :`.
    assert_eq!(
        first("E, [2024-01-01T10:00:01.123456 #1234] ERROR -- : PG::ConnectionBad: could not connect"),
        ("PG::ConnectionBad: could not connect".to_owned(), Some(Level::Error))
    );
    // log4j's `%d [%t] %-5p %c - %m` with a thread named without digits.
    assert_eq!(first("2024-01-01T10:00:00.123Z [main] ERROR com.acme.Foo - boom 7").1, Some(Level::Error));
    // A word and a colon opening a sentence are no such header, nor a capitalised level word
    // after a bullet.
    assert_eq!(first("NOTE: the cache is cold").1, None);
    assert_eq!(
        first(" * Debug mode: on"),
        ("* Debug mode: on".to_owned(), None)
    );
}

#[test]
fn one_message_at_two_levels_is_one_pattern_showing_the_most_severe() {
    let (miner, ids) = mine_all(&["INFO disk full", "ERROR disk full", "WARN disk full"]);
    assert_eq!(ids[0], ids[1]);
    assert_eq!(ids[1], ids[2]);
    assert_eq!(
        miner.get(ids[1]).and_then(Pattern::level),
        Some(Level::Error)
    );
}

#[test]
fn a_lone_level_word_is_the_message() {
    let (miner, ids) = mine_all(&["warning", "critical", "warning"]);
    assert_eq!(ids[0], ids[2]);
    assert_ne!(ids[0], ids[1]);
    assert_eq!(miner.template(ids[0]), Some("warning"));
}

// Generalization

#[test]
fn a_template_generalizes_as_lines_arrive_and_the_id_stays() {
    let mut miner = Miner::default();
    let first = miner.observe("user alice logged in from 10.0.0.1");
    assert_eq!(miner.template(first), Some("user alice logged in from <*>"));
    let second = miner.observe("user bob logged in from 10.0.0.2");
    assert_eq!(second, first);
    assert_eq!(miner.template(first), Some("user <*> logged in from <*>"));
}

#[test]
fn lines_that_differ_by_a_word_are_different_events() {
    assert!(!same_pattern(
        "task_1 Task Transitioned from NEW to SCHEDULED",
        "task_2 Task Transitioned from NEW to RUNNING"
    ));
    assert!(!same_pattern(
        "Session: 1_2 initialized by client SPP.",
        "Session: 3_4 initialized by client WindowsUpdateAgent."
    ));
}

#[test]
fn the_name_after_user_is_a_value() {
    assert_eq!(
        template_after(&[
            "session opened for user root by (uid=0)",
            "session opened for user cyrus by (uid=0)",
        ]),
        "session opened for user <*> by (uid=<*>)"
    );
}

#[test]
fn a_word_may_fill_a_placeholder_of_a_long_template() {
    let (miner, ids) = mine_all(&[
        "Resolved web-01.corp to the default rack",
        "Resolved db-02.corp to the default rack",
        "Resolved localhost to the default rack",
    ]);
    assert!(ids.iter().all(|&id| id == ids[0]));
    assert_eq!(
        miner.template(ids[0]),
        Some("Resolved <*> to the default rack")
    );
}

#[test]
fn identifiers_unify() {
    assert!(same_pattern(
        "Registering class org.apache.EventType for class org.apache.Handler",
        "Registering class org.apache.JobEventType for class org.apache.MRAppMaster$Dispatcher"
    ));
}

#[test]
fn numbered_names_unify_by_name() {
    assert!(same_pattern(
        "link up on interface eth0",
        "link up on interface eth1"
    ));
    assert!(!same_pattern(
        "link up on interface eth0",
        "link up on interface alt0"
    ));
    assert!(same_pattern(
        "domain storage1412 is no longer served by node node-96",
        "domain root3_domain is no longer served by node node-160"
    ));
}

#[test]
fn a_placeholder_does_not_swallow_words_of_short_lines() {
    assert!(!same_pattern(
        "autopurge.purgeInterval set to 24",
        "minSessionTimeout set to 4000"
    ));
}

#[test]
fn lines_of_only_values_group_by_their_shape() {
    assert!(same_pattern("lr:0x00 cr:0x01", "lr:0x02 cr:0x03"));
    assert!(!same_pattern(
        "lr:0x00 cr:0x01",
        "jetty-6.1.26 nodeBlacklistingEnabled:true"
    ));
}

#[test]
fn a_different_token_count_is_a_different_pattern() {
    assert!(!same_pattern(
        "connection closed",
        "connection closed by peer"
    ));
}

#[test]
fn very_long_lines_keep_a_bounded_template() {
    let words: Vec<String> = (0..500).map(|i| format!("w{}x", i % 7)).collect();
    let line = words.join(" ");
    let t = template_after(&[&line]);
    assert!(
        t.split(' ').count() <= 96,
        "{} tokens",
        t.split(' ').count()
    );
    assert!(t.ends_with("<*>"));
}

#[test]
fn carriage_returns_and_invalid_text_do_not_matter() {
    assert!(same_pattern("disk 1 full\r", "disk 2 full"));
}

// Values

#[test]
fn values_behind_each_placeholder_are_counted() {
    let (miner, ids) = mine_all(&[
        "user alice logged in from 10.0.0.1",
        "user alice logged in from 10.0.0.2",
        "user bob logged in from 10.0.0.1",
    ]);
    let vars = miner.get(ids[0]).expect("pattern kept").variables();
    assert_eq!(vars.len(), 2);
    let users: Vec<(&str, u64)> = vars[0]
        .values
        .iter()
        .map(|v| (v.value.as_str(), v.count))
        .collect();
    assert_eq!(users, [("alice", 2), ("bob", 1)]);
    let ips: Vec<(&str, u64)> = vars[1]
        .values
        .iter()
        .map(|v| (v.value.as_str(), v.count))
        .collect();
    assert_eq!(ips, [("10.0.0.1", 2), ("10.0.0.2", 1)]);
}

#[test]
fn top_values_are_bounded_and_say_there_were_more() {
    let mut miner = Miner::default();
    let mut id = PatternId(0);
    for i in 0..200 {
        id = miner.observe(&format!("request {} done", i % 100));
        miner.observe("request 7 done");
    }
    let vars = miner.get(id).expect("pattern kept").variables();
    assert!(vars[0].values.len() <= miner.config().top_values);
    assert!(vars[0].more);
    assert_eq!(vars[0].values[0].value, "7");
}

#[test]
fn counts_and_first_and_last_sequence_are_kept() {
    let mut miner = Miner::default();
    let a = miner.observe_at("job 1 started", 1_000);
    miner.observe_at("unrelated line", 2_000);
    miner.observe_at("job 2 started", 3_000);
    let p = miner.get(a).expect("pattern kept");
    assert_eq!(p.count(), 2);
    assert_eq!(p.first_seen(), Seen { seq: 1, ms: 1_000 });
    assert_eq!(p.last_seen(), Seen { seq: 3, ms: 3_000 });
    assert_eq!(miner.lines_seen(), 3);
}

#[test]
fn a_held_error_is_first_and_last_seen_at_its_own_line() {
    // An error waits for the exception under it, and settles when the next event comes: its
    // pattern is still seen at its own line (`sitrep patterns --format json`'s `first_line`), not
    // at the line being read as it settled.
    let mut miner = Miner::default();
    let lines = [
        "2026-12-07 10:00:00.001  INFO 1 --- [main] c.a.App : Started in 2 s",
        "2026-12-07 10:00:01.001 ERROR 1 --- [exec-1] c.a.p.PaymentService : Charge failed for order 1001",
        "java.net.ConnectException: Connection refused",
        "\tat com.acme.pay.Client.call(Client.java:10)",
        "\tat com.acme.pay.Service.charge(Service.java:20)",
        "2026-12-07 10:00:02.001  INFO 1 --- [exec-1] c.a.p.PaymentController : Charge accepted for order 1002",
    ];
    let ids = super::observe_each(&mut miner, 1, &lines, 1_000);
    let p = miner.get(ids[1]).expect("the error's pattern is kept");
    assert!(p.template().ends_with("java.net.ConnectException: Connection refused"), "{}", p.template());
    assert_eq!(p.first_seen().seq, 2);
    assert_eq!(p.last_seen().seq, 2);
    assert_eq!(miner.get(ids[5]).map(|p| p.first_seen().seq), Some(6));
}

// Eviction

#[test]
fn the_least_recently_seen_pattern_is_evicted_at_the_cap() {
    let mut miner = Miner::new(MinerConfig {
        max_patterns: 3,
        ..MinerConfig::default()
    });
    let a = miner.observe("alpha happened");
    let b = miner.observe("beta happened");
    let c = miner.observe("gamma happened");
    miner.observe("alpha happened");
    let d = miner.observe("delta happened");
    assert_eq!(miner.len(), 3);
    assert!(miner.get(b).is_none());
    for kept in [a, c, d] {
        assert!(miner.get(kept).is_some());
    }
    let b_again = miner.observe("beta happened");
    assert_ne!(b_again, b, "ids are never reused");
    assert_eq!(miner.len(), 3);
    assert!(miner.get(c).is_none());
}

#[test]
fn memory_stays_bounded_under_endless_new_patterns() {
    let mut miner = Miner::new(MinerConfig {
        max_patterns: 50,
        ..MinerConfig::default()
    });
    for i in 0..5_000 {
        miner.observe(&format!(
            "event{} kind {} happened",
            "abcdefghij".repeat(1 + i % 3),
            i % 1000
        ));
        // Two words that change together: no two lines are alike but for one word.
        let word = char::from(b'a' + (i % 26) as u8)
            .to_string()
            .repeat(1 + i / 26);
        miner.observe(&format!("word{word} only{word}"));
    }
    assert_eq!(miner.len(), 50);
    assert_eq!(miner.patterns().count(), 50);
}

//! What `sitrep patterns` prints.

use crate::patterns::*;

#[test]
fn assign_stream_writes_one_line_per_input_line_in_order() {
    let input: &[u8] =
        b"disk 1 full\r\nuser alice logged in\ndisk 2 full\n\xff\xfe broken 3\nno newline at end";
    let mut out = Vec::new();
    let mut miner = Miner::default();
    let n = assign_stream(&mut miner, input, &mut out).expect("in-memory streams");
    assert_eq!(n, 5);
    let text = String::from_utf8(out).expect("utf-8 output");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines,
        [
            "1\tdisk <*> full",
            "2\tuser alice logged in",
            "1\tdisk <*> full",
            "3\t\u{fffd}\u{fffd} broken <*>",
            "4\tno newline at end",
        ]
    );
}

#[test]
fn the_table_lists_patterns_most_frequent_first() {
    let mut miner = Miner::default();
    mine(&mut miner, &b"ERROR db down\nok 1\nok 2\nok 3\n"[..]).expect("in-memory stream");
    let table = render_table(&miner, None);
    let rows: Vec<&str> = table.lines().collect();
    assert!(
        rows[0].contains("COUNT") && rows[0].contains("TEMPLATE"),
        "{table}"
    );
    assert!(
        rows[1].trim_start().starts_with('3') && rows[1].ends_with("ok <*>"),
        "{table}"
    );
    assert!(
        rows[2].contains("error") && rows[2].ends_with("db down"),
        "{table}"
    );
    assert_eq!(rows[3], "4 lines, 2 patterns");
    // Every template starts in the column its header does.
    let column = rows[0].find("TEMPLATE").expect("header");
    assert_eq!(rows[1].find("ok <*>"), Some(column), "{table}");
    assert_eq!(rows[2].find("db down"), Some(column), "{table}");
    assert!(render_table(&miner, Some(1)).contains("… 1 more patterns"));
}

#[test]
fn json_lists_patterns_with_counts_levels_and_values() {
    let mut miner = Miner::default();
    mine(
        &mut miner,
        &b"WARN slow query 35ms\nWARN slow query 40ms\nWARN slow query 35ms\n"[..],
    )
    .expect("in-memory stream");
    let json: serde_json::Value =
        serde_json::from_str(&render_json(&miner).expect("encodes")).expect("valid JSON");
    assert_eq!(json["lines"], 3);
    let p = &json["patterns"][0];
    assert_eq!(p["count"], 3);
    assert_eq!(p["level"], "warn");
    assert_eq!(p["template"], "slow query <*>");
    assert_eq!(p["variables"][0]["values"][0]["value"], "35ms");
    assert_eq!(p["variables"][0]["values"][0]["count"], 2);
}

#[test]
fn assign_writes_where_each_line_belongs_once_later_lines_merged_its_pattern() {
    let users = ["root", "admin", "test", "guest", "oracle", "ubuntu"];
    let input: String = users
        .iter()
        .enumerate()
        .map(|(i, u)| format!("Failed password for {u} from 10.0.0.{i} port 22 ssh2\n"))
        .collect();
    let mut out = Vec::new();
    let mut miner = Miner::default();
    assign_stream(&mut miner, input.as_bytes(), &mut out).expect("in-memory streams");
    let text = String::from_utf8(out).expect("utf-8 output");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), users.len());
    for line in &lines {
        assert_eq!(
            *line, "1\tFailed password for <*> from <*> port <*> ssh2",
            "{text}"
        );
    }
}

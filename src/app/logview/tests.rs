use super::*;

fn line(source: usize, text: &str) -> LogLine {
    LogLine::new(
        source,
        text.to_string(),
        crate::tail::detect_level(text),
        0,
        chrono::Utc::now(),
    )
}

fn buffer(lines: &[&str], capacity: usize) -> LogBuffer {
    let mut b = LogBuffer::with_capacity(capacity);
    for t in lines {
        b.push(line(0, t));
    }
    b
}

fn shape(rows: usize) -> Shape {
    Shape {
        rows,
        width: 40,
        tag: 0,
        utc: true,
        today: chrono::Utc::now().date_naive(),
    }
}

fn texts(view: &LogView, logs: &LogBuffer, rows: usize) -> Vec<String> {
    view.window(logs, &shape(rows))
        .iter()
        .map(|r| logs.get_by_number(r.number).unwrap().text.clone())
        .collect()
}

fn cursor_text(view: &LogView, logs: &LogBuffer) -> String {
    let n = view.cursor(logs).unwrap();
    logs.get_by_number(n).unwrap().text.clone()
}

fn none(_: u64) -> (Option<PatternId>, crate::patterns::EventPart) {
    (None, crate::patterns::EventPart::Begins)
}

#[test]
fn following_shows_the_newest_lines_with_the_cursor_on_the_newest() {
    let logs = buffer(&["a", "b", "c", "d"], 10);
    let view = LogView::default();
    assert_eq!(texts(&view, &logs, 2), ["c", "d"]);
    assert_eq!(cursor_text(&view, &logs), "d");
}

#[test]
fn the_cursor_moves_and_the_view_scrolls_only_at_its_edges() {
    let logs = buffer(&["a", "b", "c", "d", "e"], 10);
    let mut view = LogView::default();
    view.move_cursor(&logs, -1, &shape(3));
    assert_eq!(cursor_text(&view, &logs), "d");
    assert_eq!(texts(&view, &logs, 3), ["c", "d", "e"]);
    view.move_cursor(&logs, -2, &shape(3));
    assert_eq!(texts(&view, &logs, 3), ["b", "c", "d"]);
    view.move_cursor(&logs, 1, &shape(3));
    assert_eq!(cursor_text(&view, &logs), "c");
    assert_eq!(texts(&view, &logs, 3), ["b", "c", "d"], "no scroll inside");
}

#[test]
fn the_top_fills_the_panel() {
    let logs = buffer(&["a", "b", "c", "d", "e"], 10);
    let mut view = LogView::default();
    view.top(&logs, &shape(3));
    assert_eq!(texts(&view, &logs, 3), ["a", "b", "c"]);
    assert_eq!(cursor_text(&view, &logs), "a");
}

#[test]
fn a_frozen_cursor_stays_on_its_line_while_new_ones_arrive_and_moving_past_the_end_follows() {
    let mut logs = buffer(&["a", "b", "c", "d"], 10);
    let mut view = LogView::default();
    view.move_cursor(&logs, -2, &shape(2));
    assert_eq!(texts(&view, &logs, 2), ["b", "c"]);
    let from = logs.total();
    logs.push(line(0, "e"));
    view.pushed(&logs, from, &none);
    assert_eq!(texts(&view, &logs, 2), ["b", "c"]);
    assert_eq!(cursor_text(&view, &logs), "b");
    view.move_cursor(&logs, 100, &shape(2));
    assert!(!view.following(), "reaching the newest line keeps it frozen");
    view.move_cursor(&logs, 1, &shape(2));
    assert!(view.following(), "one more step follows");
    assert_eq!(texts(&view, &logs, 2), ["d", "e"]);
}

#[test]
fn a_cursor_whose_line_ages_out_moves_to_the_oldest_kept_line() {
    let mut logs = buffer(&["a", "b", "c"], 3);
    let mut view = LogView::default();
    view.top(&logs, &shape(2));
    let from = logs.total();
    logs.push(line(0, "d"));
    logs.push(line(0, "e"));
    view.pushed(&logs, from, &none);
    assert_eq!(cursor_text(&view, &logs), "c");
}

#[test]
fn filters_stack_in_and_out() {
    let logs = buffer(
        &["GET /health 200", "GET /b 500", "POST /c 200", "GET /d 502"],
        10,
    );
    let mut view = LogView::default();
    view.add_filter(LogFilter::new("GET", false).unwrap(), &logs, &none)
        .unwrap();
    assert_eq!(texts(&view, &logs, 10), ["GET /health 200", "GET /b 500", "GET /d 502"]);
    view.add_filter(LogFilter::new("/health", true).unwrap(), &logs, &none)
        .unwrap();
    assert_eq!(texts(&view, &logs, 10), ["GET /b 500", "GET /d 502"]);
    assert_eq!(view.filters()[1].label(), "-//health/");
    view.remove_filter(0, &logs, &none);
    assert_eq!(texts(&view, &logs, 10), ["GET /b 500", "POST /c 200", "GET /d 502"]);
    assert!(view.invert_newest(&logs, &none));
    assert_eq!(texts(&view, &logs, 10), ["GET /health 200"]);
}

#[test]
fn no_more_than_five_filters_stack() {
    let logs = buffer(&["a"], 10);
    let mut view = LogView::default();
    for i in 0..MAX_FILTERS {
        view.add_filter(LogFilter::new(&format!("x{i}"), true).unwrap(), &logs, &none)
            .unwrap();
    }
    let err = view
        .add_filter(LogFilter::new("y", true).unwrap(), &logs, &none)
        .unwrap_err();
    assert!(err.contains("Esc removes the newest"), "{err}");
}

#[test]
fn context_lines_surround_each_match() {
    let logs = buffer(&["1", "2", "ERR x", "4", "5", "6", "ERR y", "8"], 20);
    let mut view = LogView::default();
    view.set_context(1);
    view.add_filter(LogFilter::new("ERR", false).unwrap(), &logs, &none)
        .unwrap();
    let rows = view.window(&logs, &shape(20));
    let shown: Vec<u64> = rows.iter().map(|r| r.number).collect();
    assert_eq!(shown, [1, 2, 3, 5, 6, 7]);
    assert!(!rows[1].context && rows[0].context);
}

#[test]
fn a_source_tab_shows_only_that_sources_lines_and_new_ones_as_they_come() {
    let mut logs = LogBuffer::with_capacity(10);
    for (src, t) in [(0, "a0"), (1, "b0"), (0, "a1")] {
        logs.push(line(src, t));
    }
    let mut view = LogView::default();
    view.set_source(Some(1), &logs, &none);
    assert_eq!(texts(&view, &logs, 10), ["b0"]);
    let from = logs.total();
    logs.push(line(1, "b1"));
    view.pushed(&logs, from, &none);
    assert_eq!(texts(&view, &logs, 10), ["b0", "b1"]);
    view.set_source(None, &logs, &none);
    assert_eq!(texts(&view, &logs, 10), ["a0", "b0", "a1", "b1"]);
}

#[test]
fn an_invalid_regex_is_a_message_not_a_crash() {
    let err = LogFilter::new("(unclosed", false).unwrap_err();
    assert!(err.starts_with("invalid regex"), "{err}");
}

#[test]
fn jumping_to_errors_goes_back_then_forward() {
    let logs = buffer(&["ERROR one", "ok", "ERROR two", "ok", "ok"], 10);
    let mut view = LogView::default();
    assert!(view.jump_to_error(&logs, true, &shape(2)));
    assert_eq!(view.cursor(&logs), Some(2));
    assert!(view.jump_to_error(&logs, true, &shape(2)));
    assert_eq!(view.cursor(&logs), Some(0));
    assert!(!view.jump_to_error(&logs, true, &shape(2)));
    assert!(view.jump_to_error(&logs, false, &shape(2)));
    assert_eq!(view.cursor(&logs), Some(2));
}

#[test]
fn while_following_an_error_at_the_bottom_is_the_first_jumped_to() {
    let logs = buffer(&["ERROR one", "ok", "ERROR newest"], 10);
    let mut view = LogView::default();
    assert!(view.jump_to_error(&logs, true, &shape(2)));
    assert_eq!(cursor_text(&view, &logs), "ERROR newest");
    // Frozen on it, the next jump goes on to the one before.
    assert!(view.jump_to_error(&logs, true, &shape(2)));
    assert_eq!(cursor_text(&view, &logs), "ERROR one");
}

#[test]
fn a_search_hides_nothing_and_jumps_between_its_matches() {
    let logs = buffer(&["req=1 a", "b", "req=1 c", "d"], 10);
    let mut view = LogView::default();
    view.set_search(Some(("req=1".into(), Regex::new("req=1").unwrap())));
    assert_eq!(texts(&view, &logs, 10).len(), 4);
    assert_eq!(view.jump_to_search(&logs, true, &shape(4)), Some(true));
    assert_eq!(cursor_text(&view, &logs), "req=1 c");
    assert_eq!(view.jump_to_search(&logs, true, &shape(4)), Some(true));
    assert_eq!(cursor_text(&view, &logs), "req=1 a");
    assert_eq!(view.jump_to_search(&logs, true, &shape(4)), Some(false));
}

#[test]
fn matches_evicted_from_the_buffer_are_forgotten() {
    let mut logs = buffer(&["x1", "y", "x2"], 3);
    let mut view = LogView::default();
    view.add_filter(LogFilter::new("x", false).unwrap(), &logs, &none)
        .unwrap();
    let from = logs.total();
    for t in ["x3", "y", "y"] {
        logs.push(line(0, t));
    }
    view.pushed(&logs, from, &none);
    assert_eq!(texts(&view, &logs, 10), ["x3"]);
}

#[test]
fn wrapped_lines_take_the_rows_their_text_needs_and_the_cursor_stays_visible() {
    let long = "x".repeat(60);
    let logs = buffer(&["a", &long, "b", "c"], 10);
    let mut view = LogView {
        wrap: true,
        ..LogView::default()
    };
    // 40 columns less 15 of prefix: 25 a row, so the long line takes 3 rows.
    let rows = view.window(&logs, &shape(4));
    assert_eq!(
        rows.iter().map(|r| (r.number, r.height)).collect::<Vec<_>>(),
        [(1, 3), (2, 1), (3, 1)]
    );
    assert_eq!(rows[0].skip, 1, "the top line is partly scrolled off");
    view.move_cursor(&logs, -2, &shape(4));
    let rows = view.window(&logs, &shape(4));
    assert_eq!(rows[0].number, 1);
    assert_eq!(rows[0].skip, 0, "the cursor's line is shown whole");
    assert!(rows[0].cursor);
}

#[test]
fn source_tags_are_short_and_tell_sources_apart() {
    assert_eq!(
        source_tags(&["/var/log/app.log", "/srv/worker.log", "payments-api"]),
        ["app", "worker", "payments"]
    );
    assert_eq!(source_tags(&["a/x.log", "b/x.log"]), ["x1", "x2"]);
}

#[test]
fn freezing_at_a_moment_puts_its_line_in_the_middle_of_the_panel() {
    let lines: Vec<String> = (0..20).map(|i| format!("line {i}")).collect();
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let logs = buffer(&refs, 100);
    let mut view = LogView::default();
    assert!(view.freeze_at(&logs, 10, &shape(5)));
    assert_eq!(cursor_text(&view, &logs), "line 10");
    assert_eq!(
        texts(&view, &logs, 5),
        ["line 8", "line 9", "line 10", "line 11", "line 12"]
    );
}

#[test]
fn a_row_leaves_out_only_the_timestamp_its_line_starts_with() {
    use crate::tail::TimeOrigin;
    let at = chrono::Utc::now();
    let own = |text: &str, span: std::ops::Range<u16>| {
        line(0, text).with_time(
            at,
            TimeOrigin::Own {
                span,
                assumed: None,
            },
        )
    };
    let leading = own("2026-11-28T23:27:19.474Z ERROR boom", 0..24);
    assert_eq!(shown_text(&leading), "ERROR boom");
    let json = own(r#"{"ts":"2026-11-28T23:27:19Z","msg":"boom"}"#, 6..28);
    assert_eq!(shown_text(&json), json.text, "inside JSON it stays");
    assert_eq!(whole_text(&leading), leading.text);
}

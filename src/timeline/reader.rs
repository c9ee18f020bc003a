//! Reading a timeline tolerantly: every good line is kept, every bad one is reported, nothing fails to open.

use std::fmt;
use std::path::Path;

use super::chain;
use super::event::Record;

/// Something wrong with a line of a timeline file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line number.
    pub line: usize,
    /// Byte offset where the line starts.
    pub offset: u64,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {} (byte {}): {}",
            self.line, self.offset, self.message
        )
    }
}

/// A last line cut short by a crash mid-write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Torn {
    /// 1-based line number of the torn line.
    pub line: usize,
    /// Byte offset where the torn line starts (the file is good up to here).
    pub offset: u64,
    /// The torn bytes.
    pub bytes: Vec<u8>,
}

/// What reading a timeline found.
#[derive(Debug, Clone, Default)]
pub struct ReadReport {
    /// Every line that parsed, in file order.
    pub records: Vec<Record>,
    /// Lines that did not parse or break the chain; they stay in the file.
    pub problems: Vec<Problem>,
    /// A torn last line, if any.
    pub torn: Option<Torn>,
    /// Length of the file up to the end of the last complete line.
    pub good_len: u64,
    /// How many of `records` have a problem (a broken chain, an edit, a jump in `seq`).
    pub flawed: usize,
}

impl ReadReport {
    /// The hash to chain the next line to.
    pub fn last_hash(&self) -> &str {
        self.records.last().map(|r| r.hash.as_str()).unwrap_or("")
    }

    /// The sequence number of the last line.
    pub fn last_seq(&self) -> u64 {
        self.records.last().map(|r| r.seq).unwrap_or(0)
    }
}

/// Reads a whole timeline file. Damage is reported in the result, never as an error; only a file that
/// cannot be read at all is an error.
pub fn read(path: &Path) -> std::io::Result<ReadReport> {
    let bytes = std::fs::read(path)?;
    Ok(parse(&bytes, 1, 0, "", 0))
}

/// Parses timeline bytes. `first_line`, `base_offset`, `prev_hash` and `prev_seq` say where these bytes
/// continue from, so that appended bytes can be parsed on their own.
pub fn parse(
    bytes: &[u8],
    first_line: usize,
    base_offset: u64,
    prev_hash: &str,
    prev_seq: u64,
) -> ReadReport {
    let mut report = ReadReport {
        good_len: base_offset,
        ..ReadReport::default()
    };
    let mut prev_hash = prev_hash.to_string();
    let mut expected_seq = prev_seq.saturating_add(1);
    let mut start = 0usize;
    let mut line_no = first_line;
    while start < bytes.len() {
        let end = bytes[start..].iter().position(|&b| b == b'\n');
        let offset = base_offset + start as u64;
        let Some(rel_end) = end else {
            // No newline: a crash cut this line short.
            report.torn = Some(Torn {
                line: line_no,
                offset,
                bytes: bytes[start..].to_vec(),
            });
            break;
        };
        let raw = &bytes[start..start + rel_end];
        let next = start + rel_end + 1;
        let is_last = next >= bytes.len();
        let text = String::from_utf8_lossy(raw);
        let text = text.trim_end_matches('\r');
        if text.trim().is_empty() {
            start = next;
            line_no += 1;
            report.good_len = base_offset + next as u64;
            continue;
        }
        match serde_json::from_str::<Record>(text) {
            Ok(record) => {
                let mut issues = Vec::new();
                if record.seq != expected_seq {
                    issues.push(format!(
                        "sequence jumps: expected {expected_seq}, found {}",
                        record.seq
                    ));
                }
                if record.prev != prev_hash {
                    issues.push(
                        "chain broken: `prev` does not match the hash of the line before \
                         (a line was removed, inserted or reordered)"
                            .to_string(),
                    );
                }
                if chain::recompute(text).as_deref() != Some(record.hash.as_str()) {
                    issues.push("hash mismatch: this line was edited after it was written".into());
                }
                if record.event.pin_intact() == Some(false) {
                    issues.push(
                        "pinned log line: its text does not match its sha256 (the quote was edited \
                         after it was pinned; do not trust it as evidence)"
                            .into(),
                    );
                }
                report.flawed += usize::from(!issues.is_empty());
                for message in issues {
                    report.problems.push(Problem {
                        line: line_no,
                        offset,
                        message,
                    });
                }
                expected_seq = record.seq.saturating_add(1);
                prev_hash = record.hash.clone();
                report.records.push(record);
            }
            Err(err) if is_last && looks_torn(raw) => {
                let _ = err;
                report.torn = Some(Torn {
                    line: line_no,
                    offset,
                    bytes: bytes[start..].to_vec(),
                });
                break;
            }
            Err(err) => {
                report.problems.push(Problem {
                    line: line_no,
                    offset,
                    // serde quotes the file's text; it must not reach a terminal raw.
                    message: crate::core::sanitize::sanitize(
                        format!("not a timeline event: {err}").as_bytes(),
                    ),
                });
            }
        }
        start = next;
        line_no += 1;
        report.good_len = base_offset + next as u64;
    }
    report
}

/// A newline-terminated last line is torn when a crash left it as NUL padding or an unfinished
/// object (it opens as every event does, with `{`). Other text is no event at all: garbage, not a
/// crash.
fn looks_torn(raw: &[u8]) -> bool {
    raw.contains(&0) || raw.starts_with(b"{") && !raw.trim_ascii_end().ends_with(b"}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::chain::seal;
    use crate::timeline::event::Event;
    use chrono::Utc;

    fn file_of(n: u64) -> Vec<u8> {
        let mut out = Vec::new();
        let mut prev = String::new();
        for seq in 1..=n {
            let (line, rec) = seal(
                seq,
                Utc::now(),
                "t",
                Event::Note {
                    text: format!("n{seq}"),
                },
                &prev,
            )
            .unwrap();
            prev = rec.hash;
            out.extend_from_slice(line.as_bytes());
        }
        out
    }

    #[test]
    fn an_intact_file_reads_without_problems() {
        let report = parse(&file_of(5), 1, 0, "", 0);
        assert_eq!(report.records.len(), 5);
        assert!(report.problems.is_empty());
        assert!(report.torn.is_none());
    }

    #[test]
    fn a_line_cut_without_newline_is_torn_not_lost_in_silence() {
        let mut bytes = file_of(3);
        let good = bytes.len();
        bytes.extend_from_slice(b"{\"seq\":4,\"ts\":\"20");
        let report = parse(&bytes, 1, 0, "", 0);
        assert_eq!(report.records.len(), 3);
        let torn = report.torn.unwrap();
        assert_eq!(torn.offset, good as u64);
        assert_eq!(report.good_len, good as u64);
    }

    #[test]
    fn a_tail_of_nul_bytes_is_torn() {
        let mut bytes = file_of(2);
        let good = bytes.len();
        bytes.extend_from_slice(&[0u8; 40]);
        bytes.push(b'\n');
        let report = parse(&bytes, 1, 0, "", 0);
        assert_eq!(report.records.len(), 2);
        assert_eq!(report.torn.unwrap().offset, good as u64);
    }

    #[test]
    fn a_bad_line_in_the_middle_is_reported_with_its_number() {
        let good = file_of(3);
        let text = String::from_utf8(good).unwrap();
        let mut lines: Vec<&str> = text.lines().collect();
        lines.insert(1, "garbage");
        let bytes = (lines.join("\n") + "\n").into_bytes();
        let report = parse(&bytes, 1, 0, "", 0);
        assert_eq!(report.records.len(), 3);
        assert!(report.problems.iter().any(|p| p.line == 2));
    }

    #[test]
    fn a_pinned_line_whose_quote_was_edited_is_a_problem_even_when_the_line_was_resealed() {
        let edited = Event::LinePinned {
            source: "api".into(),
            read_at: Utc::now(),
            line_time: None,
            text: "ERROR 200".into(),
            // The hash of "ERROR 500": someone changed the quote and sealed the line again.
            sha256: "d6e6a8d9b4b0a7c6d2a4c1c8c0d6a1c2b0e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7".into(),
            cites: None,
        };
        let (line, _) = seal(1, Utc::now(), "t", edited, "").unwrap();
        let report = parse(line.as_bytes(), 1, 0, "", 0);
        assert_eq!(report.records.len(), 1, "the line is kept");
        assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
        assert_eq!(
            report.problems[0].to_string(),
            "line 1 (byte 0): pinned log line: its text does not match its sha256 (the quote was \
             edited after it was pinned; do not trust it as evidence)"
        );
    }

    #[test]
    fn removing_a_line_breaks_the_chain_at_the_next_one() {
        let text = String::from_utf8(file_of(4)).unwrap();
        let mut lines: Vec<&str> = text.lines().collect();
        lines.remove(1);
        let bytes = (lines.join("\n") + "\n").into_bytes();
        let report = parse(&bytes, 1, 0, "", 0);
        assert!(report.problems.iter().any(|p| p.line == 2), "{report:?}");
    }
}

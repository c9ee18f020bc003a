//! Chain heads: the last record's `seq` and hash, written `head #412 sha256:<hex>`. The chain alone
//! cannot show that its tail was cut or that every hash after an edit was recomputed (it is unkeyed
//! SHA-256); a head held where the editor cannot reach can. Every status update and every export
//! carries one, `sitrep verify --head`/`--head-from` checks that the file still reaches it, and the
//! sidecar `<timeline>.head` (replaced after each append) lets `verify` see a file cut shorter than it
//! was. The sidecar does not stop someone who can rewrite both files; a head sent to people does.

use std::path::{Path, PathBuf};

use super::event::Record;

/// Hex digits of the hash a status update quotes (a witness may quote fewer, down to [`MIN_DIGITS`]).
pub const SHORT_DIGITS: usize = 32;

/// The fewest hex digits of a hash that `verify` accepts as a head.
pub const MIN_DIGITS: usize = 16;

/// A chain head: a record's `seq` and (a prefix of) its hash, lowercase hex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// The record's `seq`.
    pub seq: u64,
    /// Its hash, or the first digits of it.
    pub hash: String,
}

impl Head {
    /// The head of a file whose last record is `last`.
    pub fn of(last: &Record) -> Head {
        Head {
            seq: last.seq,
            hash: last.hash.clone(),
        }
    }

    /// `head #N sha256:` and the first `digits` hex digits.
    pub fn text(&self, digits: usize) -> String {
        let end = digits.min(self.hash.len());
        format!("head #{} sha256:{}", self.seq, &self.hash[..end])
    }

    /// Parses `N:HASH` (as `--head` takes it) or `head #N sha256:HASH`.
    pub fn parse(text: &str) -> Result<Head, String> {
        let text = text.trim();
        if let Some(head) = all_in(text).into_iter().next() {
            return Ok(head);
        }
        let not_a_head = || {
            format!(
                "`{text}` is not a head: write N:HASH (the event's # and at least {MIN_DIGITS} hex digits of its sha256), or `head #N sha256:HASH` as updates and exports print it"
            )
        };
        let (seq, hash) = text.split_once(':').ok_or_else(not_a_head)?;
        let seq = seq
            .trim()
            .trim_start_matches('#')
            .parse()
            .map_err(|_| not_a_head())?;
        Head::new(seq, hash)
    }

    fn new(seq: u64, hash: &str) -> Result<Head, String> {
        let hash = hash.trim().trim_start_matches("sha256:").to_ascii_lowercase();
        if hash.len() < MIN_DIGITS || hash.len() > 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!(
                "`{hash}` is not a hash prefix: give {MIN_DIGITS} to 64 hex digits of the event's sha256"
            ));
        }
        Ok(Head { seq, hash })
    }

    /// Whether `records` (a whole file, in order) still reach this head: the record with its `seq`
    /// is there and its hash begins with this one. The error says what was found instead.
    pub fn check(&self, records: &[Record]) -> Result<(), String> {
        let last = records.last().map_or(0, |r| r.seq);
        match records.iter().find(|r| r.seq == self.seq) {
            Some(r) if r.hash.starts_with(&self.hash) => Ok(()),
            Some(r) => Err(format!(
                "#{} is not the event the witness saw: its sha256 is {}…, the witness has {}…; the file was rewritten at or before #{}",
                self.seq,
                &r.hash[..MIN_DIGITS.min(r.hash.len())],
                &self.hash[..MIN_DIGITS.min(self.hash.len())],
                self.seq
            )),
            None => Err(format!(
                "cut after seq {last}: the witness saw #{} but the file ends at #{last}",
                self.seq
            )),
        }
    }
}

impl std::fmt::Display for Head {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "head #{} sha256:{}", self.seq, self.hash)
    }
}

/// Every head `text` holds: each `head #N sha256:HASH` written in it (an update, an export), or,
/// for a CSV export, its last row's `seq` and `sha256`.
pub fn all_in(text: &str) -> Vec<Head> {
    // A CSV export quotes the heads its status updates carried in their text; its own last row
    // is the newest head, so it is always taken too.
    let mut heads = written_in(text);
    heads.extend(csv_head(text));
    heads
}

/// The last row of a CSV export whose header names `seq` and `sha256`: its head.
fn csv_head(text: &str) -> Option<Head> {
    let rows = csv_rows(text);
    let header = rows.first()?;
    let seq_at = header.iter().position(|c| c == "seq")?;
    let hash_at = header.iter().position(|c| c == "sha256")?;
    let last = rows.iter().skip(1).rfind(|r| r.len() == header.len())?;
    let head = Head::new(last[seq_at].parse().ok()?, &last[hash_at]).ok()?;
    Some(head)
}

/// RFC 4180 records: quoted fields may hold commas, quotes (doubled) and line breaks.
fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let (mut rows, mut row, mut field) = (Vec::new(), Vec::new(), String::new());
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

/// Every `head #N sha256:HASH` written in `text`, in order.
fn written_in(text: &str) -> Vec<Head> {
    let mut heads = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("head #") {
        rest = &rest[at + "head #".len()..];
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        let after = &rest[digits.len()..];
        let Some(hash) = after.strip_prefix(" sha256:") else {
            continue;
        };
        let hex: String = hash.chars().take_while(char::is_ascii_hexdigit).collect();
        if let (Ok(seq), Ok(head)) = (digits.parse::<u64>(), Head::new(0, &hex)) {
            heads.push(Head { seq, ..head });
        }
    }
    heads
}

/// The sidecar beside a timeline: `<file>.head`.
pub fn sidecar(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".head");
    PathBuf::from(name)
}

/// Replaces the sidecar with `head` (written beside it, then renamed over it, so a reader never
/// sees half of one). Best effort: the record is written already, and a stale sidecar is only
/// behind, which `verify` does not count against the file.
pub fn write_sidecar(path: &Path, head: &Head) {
    let side = sidecar(path);
    let mut tmp = side.as_os_str().to_owned();
    tmp.push(format!(".{}.new", std::process::id()));
    let tmp = PathBuf::from(tmp);
    if std::fs::write(&tmp, format!("{head}\n")).is_ok() {
        if std::fs::rename(&tmp, &side).is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
    } else {
        let _ = std::fs::remove_file(&tmp);
    }
}

/// What the sidecar's head `side` (read before `records`) says is wrong with the file at `path`:
/// lines cut from its end, or a record that is not the one the sidecar saw. A sidecar behind the
/// file (a writer without it appended) is not damage.
pub fn sidecar_problem(path: &Path, side: Option<&Head>, records: &[Record]) -> Option<String> {
    let side = side?;
    let last = records.last().map_or(0, |r| r.seq);
    match side.check(records) {
        Ok(()) => None,
        Err(_) if side.seq > last => Some(format!(
            "cut after seq {last}: {} says the file reached #{} (the file ends at #{last}); lines were removed from its end",
            sidecar(path).display(),
            side.seq
        )),
        Err(e) => Some(format!("{}: {e}", sidecar(path).display())),
    }
}

/// The head the sidecar holds, if there is one that reads.
pub fn read_sidecar(path: &Path) -> Option<Head> {
    let text = std::fs::read_to_string(sidecar(path)).ok()?;
    all_in(&text).into_iter().next()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_are_found_in_text_and_parsed_from_the_command_line() {
        let hash = "a".repeat(64);
        let text = format!("Payments recovering.\n\nsitrep head #412 sha256:{}\n", &hash[..32]);
        assert_eq!(
            all_in(&text),
            [Head {
                seq: 412,
                hash: hash[..32].to_string()
            }]
        );
        assert_eq!(Head::parse("412:AAAAAAAAAAAAAAAA").map(|h| h.seq), Ok(412));
        assert_eq!(Head::parse(&format!("head #7 sha256:{hash}")).map(|h| h.seq), Ok(7));
        assert!(Head::parse("412:abc").is_err(), "too few digits");
        assert!(Head::parse("nonsense").is_err());
        assert!(all_in("head #3 sha256:xyz").is_empty());
    }

    #[test]
    fn a_csv_export_gives_its_last_row_as_a_head_beside_the_heads_its_updates_quote() {
        let (h3, h5) = ("3".repeat(64), "5".repeat(64));
        let csv = format!(
            "seq,text,sha256\r\n3,\"update\r\n— sitrep head #2 sha256:{}\",{h3}\r\n5,\"a, b\",{h5}\r\n",
            "2".repeat(32)
        );
        let heads = all_in(&csv);
        assert!(heads.iter().any(|h| h.seq == 2), "{heads:?}");
        assert!(heads.contains(&Head { seq: 5, hash: h5 }), "{heads:?}");
    }
}

//! Exports of a timeline as a postmortem: Markdown, JSON, CSV and HTML.
//!
//! Every format is rendered from the same redacted, replayed input ([`model::Prepared`]); Markdown and
//! HTML from the same document ([`doc::Doc`]), so they never disagree. Secrets are replaced in every field
//! before rendering and once more in the finished text.

mod chart;
mod csv;
mod doc;
mod evidence;
mod html;
mod json;
mod markdown;
mod model;
mod pins;
mod postmortem;
mod redact;
mod text;

use std::io::Write as _;
use std::path::Path;
use std::str::FromStr;

use crate::runbook::Runbook;
use crate::timeline::Record;

#[cfg(any(test, feature = "test-support"))]
pub use csv::COLUMNS as CSV_COLUMNS;
#[cfg(any(test, feature = "test-support"))]
pub use json::SCHEMA as JSON_SCHEMA;
#[cfg(any(test, feature = "test-support"))]
pub use redact::MARKER as REDACTED;

/// An export format; its name is the usual file extension, and `markdown` reads as `md`.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    strum::Display,
    strum::IntoStaticStr,
    strum::VariantArray,
    strum::EnumMessage,
)]
#[strum(serialize_all = "lowercase")]
pub enum Format {
    /// A postmortem document in GitHub-flavoured Markdown.
    #[strum(to_string = "md", serialize = "markdown")]
    Markdown,
    /// One JSON document with a schema version, for other tools.
    Json,
    /// One row an event, for spreadsheets.
    Csv,
    /// A self-contained web page with a chart of the incident.
    Html,
}

impl Format {
    /// Every format.
    pub const ALL: &'static [Format] = <Format as strum::VariantArray>::VARIANTS;

    /// The usual file extension (without the dot).
    pub fn extension(self) -> &'static str {
        self.into()
    }
}

/// A format name that is not one of ours.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown export format `{0}`: choose one of {choices}", choices = choices())]
pub struct UnknownFormat(pub String);

/// `md (or markdown), json, csv, html`: every format by its name, with its other names.
fn choices() -> String {
    use strum::EnumMessage as _;
    let choice = |f: &Format| {
        let others: Vec<&str> = f
            .get_serializations()
            .iter()
            .copied()
            .filter(|n| *n != f.extension())
            .collect();
        match others.as_slice() {
            [] => f.extension().to_string(),
            _ => format!("{} (or {})", f.extension(), others.join(", ")),
        }
    };
    Format::ALL
        .iter()
        .map(choice)
        .collect::<Vec<_>>()
        .join(", ")
}

impl FromStr for Format {
    type Err = UnknownFormat;

    /// Accepts a format's extension or its other names, in any case, with spaces around.
    fn from_str(s: &str) -> Result<Format, UnknownFormat> {
        use strum::EnumMessage as _;
        let name = s.trim();
        Format::ALL
            .iter()
            .copied()
            .find(|f| {
                f.get_serializations()
                    .iter()
                    .any(|n| n.eq_ignore_ascii_case(name))
            })
            .ok_or_else(|| UnknownFormat(s.to_string()))
    }
}

/// What an export is made from.
#[derive(Debug, Clone, Copy)]
pub struct ExportInput<'a> {
    /// The timeline's records, in file order.
    pub records: &'a [Record],
    /// The runbooks, to tell done steps from undone ones.
    pub runbooks: &'a [Runbook],
    /// Secret values the config references; none of them appears in any export.
    pub secrets: &'a [String],
    /// Where the timeline was read from, named in the export.
    pub timeline_path: &'a str,
    /// What reading the file found wrong (`timeline::verify_against`'s problems): the export's
    /// Integrity section says it.
    pub damage: &'a [String],
    /// What is worth knowing about the file and is not damage (a torn tail set aside earlier).
    pub notes: &'a [String],
}

/// Renders the input in a format. The result never contains a secret.
pub fn render(format: Format, input: &ExportInput<'_>) -> String {
    let prepared = model::Prepared::new(input);
    let out = match format {
        Format::Markdown => markdown::render(&postmortem::build(&prepared)),
        Format::Json => json::render(&prepared),
        Format::Csv => csv::render(&prepared),
        Format::Html => html::render(&postmortem::build(&prepared), &prepared),
    };
    // A secret can still be spelled across fields joined in the output; the last pass catches that.
    match prepared.redactor.redact(&out) {
        std::borrow::Cow::Borrowed(_) => out,
        std::borrow::Cow::Owned(clean) => clean,
    }
}

/// Writes a file so that it is either the old content or the new, whole: a temporary file in the
/// same folder, synced, renamed over the target, then the folder synced. A target that exists keeps
/// its permissions; a new file is readable by its owner only.
pub fn write_atomic(path: &Path, content: &str) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(dir)?;
    tmp.write_all(content.as_bytes())?;
    if let Ok(meta) = std::fs::metadata(path) {
        tmp.as_file().set_permissions(meta.permissions())?;
    }
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    std::fs::File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_keeps_the_name_it_is_written_and_read_by() {
        let names: Vec<&str> = Format::ALL.iter().map(|f| f.extension()).collect();
        assert_eq!(names, ["md", "json", "csv", "html"]);
        for &f in Format::ALL {
            assert_eq!(f.to_string(), f.extension());
            assert_eq!(f.extension().parse(), Ok(f));
        }
    }

    #[test]
    fn format_names_parse_and_a_wrong_one_lists_the_choices() {
        assert_eq!("md".parse(), Ok(Format::Markdown));
        assert_eq!("Markdown".parse(), Ok(Format::Markdown));
        assert_eq!("json".parse(), Ok(Format::Json));
        assert_eq!("csv".parse(), Ok(Format::Csv));
        assert_eq!(" HTML ".parse(), Ok(Format::Html));
        let err = "pdf".parse::<Format>().unwrap_err().to_string();
        assert_eq!(
            err,
            "unknown export format `pdf`: choose one of md (or markdown), json, csv, html"
        );
    }

    #[test]
    fn an_existing_file_is_replaced_whole_and_no_temp_file_is_left() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.md");
        std::fs::write(
            &path,
            "old content that is longer than the new one\n".repeat(100),
        )
        .unwrap();
        write_atomic(&path, "new\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new\n");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("report.md")]);
    }

    #[test]
    fn writing_into_a_missing_folder_fails_and_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let err = write_atomic(&dir.path().join("nope/report.md"), "x").unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    }
}

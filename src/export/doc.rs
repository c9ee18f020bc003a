//! The postmortem as a format-neutral document. Markdown and HTML both render this one structure, so
//! they always hold the same content.

/// A postmortem document.
pub(crate) struct Doc {
    /// The incident title.
    pub title: String,
    /// A line under the title: where this came from.
    pub intro: Vec<Span>,
    /// The sections, in reading order.
    pub sections: Vec<Section>,
}

/// One section with a second-level heading.
pub(crate) struct Section {
    /// Anchor id (HTML).
    pub id: &'static str,
    /// Heading text.
    pub heading: &'static str,
    /// Shown only in HTML (the chart).
    pub html_only: bool,
    /// Content.
    pub blocks: Vec<Block>,
}

/// A piece of a section.
pub(crate) enum Block {
    /// A paragraph.
    Para(Vec<Span>),
    /// A third-level heading (user text).
    Heading(String),
    /// A table: header cells, then rows of cells.
    Table(&'static [&'static str], Vec<Vec<Vec<Span>>>),
    /// A list; `Some(done)` makes it a checklist item.
    List(Vec<(Option<bool>, Vec<Span>)>),
    /// A prompt for the author to replace with their own text.
    Prompt(&'static str),
    /// The chart of the incident over time (HTML).
    Chart,
}

/// Inline text. Every variant holds raw text; the renderer escapes it.
pub(crate) enum Span {
    /// Plain text.
    Text(String),
    /// Bold text (labels, times).
    Strong(String),
    /// Literal text: ids and command lines.
    Code(String),
    /// Text struck through: what a correction retracted.
    Struck(String),
}

impl Doc {
    /// Roughly how many bytes of text the document holds, to size the output once.
    pub(crate) fn size_hint(&self) -> usize {
        let span = |s: &Span| match s {
            Span::Text(t) | Span::Strong(t) | Span::Code(t) | Span::Struck(t) => t.len() + 4,
        };
        let block = |b: &Block| match b {
            Block::Para(spans) => spans.iter().map(span).sum(),
            Block::Table(_, rows) => rows
                .iter()
                .flat_map(|r| r.iter().flatten())
                .map(span)
                .sum::<usize>(),
            Block::List(items) => items.iter().flat_map(|(_, s)| s.iter()).map(span).sum(),
            Block::Heading(t) => t.len(),
            Block::Prompt(t) => t.len(),
            Block::Chart => 0,
        };
        self.sections
            .iter()
            .flat_map(|s| s.blocks.iter())
            .map(block)
            .sum()
    }
}

pub(super) fn t(s: impl Into<String>) -> Span {
    Span::Text(s.into())
}

pub(super) fn b(s: impl Into<String>) -> Span {
    Span::Strong(s.into())
}

pub(super) fn code(s: impl Into<String>) -> Span {
    Span::Code(s.into())
}

pub(super) fn none_recorded(what: &str) -> Block {
    Block::Para(vec![t(format!("No {what} recorded."))])
}

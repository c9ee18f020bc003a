//! The postmortem as GitHub-flavoured Markdown. Every piece of recorded text is escaped, so a log line
//! or a note can add no heading, link, image, HTML tag or table cell of its own.

use super::doc::{Block, Doc, Span};
use super::text::{push_md, push_md_code};

/// Renders the document.
pub(crate) fn render(doc: &Doc) -> String {
    let mut out = String::with_capacity(4096 + doc.size_hint() * 2);
    out.push_str("# Postmortem: ");
    push_md(&mut out, &doc.title, true, 0, false);
    out.push_str("\n\n");
    push_spans(&mut out, &doc.intro, Ctx::Para);
    out.push_str("\n\n");
    for section in doc.sections.iter().filter(|s| !s.html_only) {
        out.push_str("## ");
        out.push_str(section.heading);
        out.push_str("\n\n");
        for block in &section.blocks {
            push_block(&mut out, block);
        }
    }
    out
}

/// Where inline text goes, which decides how line breaks are written.
#[derive(Clone, Copy)]
enum Ctx {
    Para,
    Item,
    Cell,
}

fn push_block(out: &mut String, block: &Block) {
    match block {
        Block::Para(spans) => {
            push_spans(out, spans, Ctx::Para);
            out.push_str("\n\n");
        }
        Block::Heading(text) => {
            out.push_str("### ");
            push_md(out, text, true, 0, false);
            out.push_str("\n\n");
        }
        Block::Prompt(text) => {
            // Our own fixed text: italic so it stands out as a placeholder.
            out.push('_');
            out.push_str(text);
            out.push_str("_\n\n");
        }
        Block::List(items) => {
            for (check, spans) in items {
                out.push_str(match check {
                    Some(true) => "- [x] ",
                    Some(false) => "- [ ] ",
                    None => "- ",
                });
                push_spans(out, spans, Ctx::Item);
                out.push('\n');
            }
            out.push('\n');
        }
        Block::Table(head, rows) => {
            out.push('|');
            for h in head.iter() {
                out.push(' ');
                out.push_str(h);
                out.push_str(" |");
            }
            out.push_str("\n|");
            for _ in head.iter() {
                out.push_str("---|");
            }
            out.push('\n');
            for row in rows {
                out.push('|');
                for cell in row {
                    out.push(' ');
                    push_spans(out, cell, Ctx::Cell);
                    out.push_str(" |");
                }
                out.push('\n');
            }
            out.push('\n');
        }
        Block::Chart => {}
    }
}

fn push_spans(out: &mut String, spans: &[Span], ctx: Ctx) {
    let (in_cell, indent) = match ctx {
        Ctx::Cell => (true, 0),
        Ctx::Item => (false, 2),
        Ctx::Para => (false, 0),
    };
    for (i, span) in spans.iter().enumerate() {
        let line_start = i == 0 && matches!(ctx, Ctx::Para);
        match span {
            Span::Text(s) => push_md(out, s, in_cell, indent, line_start),
            Span::Strong(s) if !s.is_empty() => {
                out.push_str("**");
                push_md(out, s, in_cell, indent, false);
                out.push_str("**");
            }
            Span::Strong(_) => {}
            Span::Struck(s) if !s.is_empty() => {
                out.push_str("~~");
                push_md(out, s, in_cell, indent, false);
                out.push_str("~~");
            }
            Span::Struck(_) => {}
            Span::Code(s) => push_md_code(out, s, in_cell),
        }
    }
}

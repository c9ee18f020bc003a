//! The postmortem as one self-contained HTML file: inline CSS and SVG, nothing fetched from the
//! network, and a content security policy that forbids scripts even if something slipped through.

use super::chart;
use super::doc::{Block, Doc, Span};
use super::model::Prepared;
use super::text::push_html;

const STYLE: &str = "
body{font:15px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#1b1b1b;background:#fff}
h1{font-size:1.7em;margin-bottom:.2em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.8em}
nav ol{columns:3;font-size:.9em}
table{border-collapse:collapse;width:100%;font-size:.88em;margin:.5em 0 1em}
th,td{border:1px solid #ddd;padding:.25em .5em;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:#f3f3f3;overflow-wrap:normal;word-break:keep-all;hyphens:none}tbody tr:nth-child(even){background:#fafafa}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f3f3f3;padding:0 .2em;border-radius:3px}
ul.check{list-style:none;padding-left:.5em}
.done .box{color:#2e7d32}.undone .box{color:#9e3b00}
.prompt{color:#666;font-style:italic;border-left:3px solid #ccc;padding-left:.6em}
.intro{color:#555}
figure{margin:1em 0}svg.chart{width:100%;height:auto;font-family:inherit}
svg .lane{font-size:12px;fill:#333}svg .axis,svg .legend{font-size:11px;fill:#444}svg .note{font-size:12px;fill:#666;font-style:italic}
svg .band-label{font-size:11px;fill:#000;paint-order:stroke;stroke:#fff;stroke-width:3px}
svg .baseline{stroke:#999}svg .grid{stroke:#e4e4e4}
svg .milestone line{stroke:#222;stroke-dasharray:4 3}svg .milestone text{font-size:11px;font-weight:bold}
svg .rate line{stroke:#b71c1c;stroke-width:2}svg .rate circle{fill:#b71c1c}svg .errmin{fill:#ef9a9a;stroke:#b71c1c;stroke-width:.5}
svg .mark{stroke:#fff;stroke-width:1;fill:#555}svg .k-step-checked,svg .k-step-unchecked{fill:#2e7d32}
svg .k-note{fill:#1565c0}svg .k-command-started,svg .k-command-finished{fill:#6a1b9a}svg .k-update-sent{fill:#ef6c00}
@media print{nav{display:none}}
";

/// Renders the document, with the chart drawn from the prepared data.
pub(crate) fn render(doc: &Doc, p: &Prepared<'_>) -> String {
    let mut out = String::with_capacity(8192 + doc.size_hint() * 3);
    out.push_str(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"sitrep\">\n<title>Postmortem: ",
    );
    push_html(&mut out, &doc.title, false);
    out.push_str("</title>\n<style>");
    out.push_str(STYLE);
    out.push_str("</style>\n</head>\n<body>\n<header>\n<h1>Postmortem: ");
    push_html(&mut out, &doc.title, false);
    out.push_str("</h1>\n<p class=\"intro\">");
    push_spans(&mut out, &doc.intro);
    out.push_str("</p>\n</header>\n<nav><ol>");
    for s in &doc.sections {
        out.push_str("<li><a href=\"#");
        out.push_str(s.id);
        out.push_str("\">");
        out.push_str(s.heading);
        out.push_str("</a></li>");
    }
    out.push_str("</ol></nav>\n<main>\n");
    for s in &doc.sections {
        out.push_str("<section id=\"");
        out.push_str(s.id);
        out.push_str("\">\n<h2>");
        out.push_str(s.heading);
        out.push_str("</h2>\n");
        for block in &s.blocks {
            push_block(&mut out, block, p);
        }
        out.push_str("</section>\n");
    }
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

fn push_block(out: &mut String, block: &Block, p: &Prepared<'_>) {
    match block {
        Block::Para(spans) => {
            out.push_str("<p>");
            push_spans(out, spans);
            out.push_str("</p>\n");
        }
        Block::Heading(text) => {
            out.push_str("<h3>");
            push_html(out, text, false);
            out.push_str("</h3>\n");
        }
        Block::Prompt(text) => {
            out.push_str("<p class=\"prompt\">");
            push_html(out, text, false);
            out.push_str("</p>\n");
        }
        Block::List(items) => {
            let checklist = items.iter().any(|(c, _)| c.is_some());
            out.push_str(if checklist {
                "<ul class=\"check\">\n"
            } else {
                "<ul>\n"
            });
            for (check, spans) in items {
                out.push_str(match check {
                    Some(true) => "<li class=\"done\"><span class=\"box\">☑</span> ",
                    Some(false) => "<li class=\"undone\"><span class=\"box\">☐</span> ",
                    None => "<li>",
                });
                push_spans(out, spans);
                out.push_str("</li>\n");
            }
            out.push_str("</ul>\n");
        }
        Block::Table(head, rows) => {
            out.push_str("<table>\n<thead><tr>");
            for h in head.iter() {
                out.push_str("<th scope=\"col\">");
                out.push_str(h);
                out.push_str("</th>");
            }
            out.push_str("</tr></thead>\n<tbody>\n");
            for row in rows {
                out.push_str("<tr>");
                for cell in row {
                    out.push_str("<td>");
                    push_spans(out, cell);
                    out.push_str("</td>");
                }
                out.push_str("</tr>\n");
            }
            out.push_str("</tbody>\n</table>\n");
        }
        Block::Chart => {
            out.push_str("<figure>\n");
            out.push_str(&chart::svg(p));
            out.push_str(
                "\n<figcaption>Hover a band or a mark for its details. Bands show each endpoint's \
                 health by colour, texture and label.</figcaption>\n</figure>\n",
            );
        }
    }
}

fn push_spans(out: &mut String, spans: &[Span]) {
    for span in spans {
        match span {
            Span::Text(s) => push_html(out, s, true),
            Span::Strong(s) => {
                out.push_str("<strong>");
                push_html(out, s, true);
                out.push_str("</strong>");
            }
            Span::Struck(s) => {
                out.push_str("<del>");
                push_html(out, s, true);
                out.push_str("</del>");
            }
            Span::Code(s) => {
                out.push_str("<code>");
                push_html(out, s, false);
                out.push_str("</code>");
            }
        }
    }
}

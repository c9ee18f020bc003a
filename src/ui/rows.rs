//! Rows of styled text drawn as `Paragraph::new(lines)` draws them (no wrap, no scroll, each line
//! cut at the area's width), with a fast path for the common span: printable ASCII is one cell
//! per byte, so it needs no grapheme segmentation and no width lookup. Other spans (a level mark,
//! the `…` of a cut line, text in any script) go grapheme by grapheme as `Paragraph` does; only a
//! row aligned other than left is handed to `Paragraph` itself.

use ratatui::buffer::{Buffer, CellWidth};
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Widget};

/// Lines, one per row from the top of the area.
pub(super) struct Rows<'a>(pub(super) Vec<Line<'a>>);

impl Widget for Rows<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let area = area.intersection(buf.area);
        for (y, line) in (area.top()..area.bottom()).zip(self.0) {
            let row = Rect {
                y,
                height: 1,
                ..area
            };
            if !matches!(line.alignment, None | Some(Alignment::Left)) {
                Paragraph::new(line).render(row, buf);
                continue;
            }
            let base = Style::default().patch(line.style);
            let mut x = row.left();
            'spans: for span in &line.spans {
                if crate::core::sanitize::is_plain(span.content.as_bytes()) {
                    let style = base.patch(span.style);
                    for &b in span.content.as_bytes() {
                        if x >= row.right() {
                            break 'spans;
                        }
                        buf[(x, y)].set_char(char::from(b)).set_style(style);
                        x += 1;
                    }
                    continue;
                }
                // As `Paragraph`'s truncator and `render_line` do: a grapheme wider than the row is
                // left out, the first that does not fit ends the row, a zero-width one takes no cell.
                for g in span.styled_graphemes(base) {
                    let width = g.symbol.cell_width();
                    if width > row.width {
                        continue;
                    }
                    if x + width > row.right() {
                        break 'spans;
                    }
                    if width > 0 {
                        buf[(x, y)].set_symbol(g.symbol).set_style(g.style);
                        x += width;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::{Color, Modifier};
    use ratatui::text::Span;

    fn both(lines: Vec<Line<'static>>, w: u16, h: u16) -> (Buffer, Buffer) {
        let area = Rect::new(0, 0, w, h);
        let (mut fast, mut slow) = (Buffer::empty(area), Buffer::empty(area));
        let inner = Rect::new(1, 1, w.saturating_sub(2), h.saturating_sub(2));
        Rows(lines.clone()).render(inner, &mut fast);
        Paragraph::new(lines).render(inner, &mut slow);
        (fast, slow)
    }

    #[test]
    fn rows_are_drawn_as_a_paragraph_draws_them() {
        let red = Style::default().fg(Color::Red);
        let lines = vec![
            Line::from(vec![
                Span::styled("12:00:01 ", Style::default().add_modifier(Modifier::DIM)),
                Span::styled("ERROR upstream timeout after 3000ms", red),
            ]),
            Line::from("a line much longer than the area is wide, cut at its edge").style(red),
            Line::from(vec![Span::raw("ünïcödé "), Span::raw("漢字漢字漢字漢字漢字漢字")]),
            Line::from(vec![
                Span::styled("12:00:02 ", Style::default().add_modifier(Modifier::DIM)),
                Span::styled("✖ ", red),
                Span::raw("e\u{301}\u{200b}x 👩\u{200d}🔬 ﾊﾟ a"),
                Span::styled("…", Style::default().fg(Color::Gray)),
            ])
            .style(Style::default().bg(Color::Blue)),
            Line::from(vec![Span::raw("ab"), Span::raw("漢"), Span::raw("cd")]),
            Line::from("right").alignment(Alignment::Right),
            Line::from(""),
            Line::from("a line past the bottom of the area"),
        ];
        for (w, h) in [(30, 9), (24, 9), (12, 9), (5, 9), (4, 9), (3, 3), (2, 2)] {
            let (fast, slow) = both(lines.clone(), w, h);
            assert_eq!(fast, slow, "at {w}x{h}");
        }
    }
}

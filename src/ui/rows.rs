//! Rows of styled text drawn as `Paragraph::new(lines)` draws them (no wrap, no scroll, each line
//! cut at the area's width), with a fast path for the common row: a span of printable ASCII is
//! one cell per byte, so it needs no grapheme segmentation and no width lookup. A row with any
//! other text, or aligned other than left, is drawn by `Paragraph` itself.

use ratatui::buffer::Buffer;
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
            if !plain(&line) {
                Paragraph::new(line).render(row, buf);
                continue;
            }
            let mut x = row.left();
            'spans: for span in &line.spans {
                let style = Style::default().patch(line.style).patch(span.style);
                for &b in span.content.as_bytes() {
                    if x >= row.right() {
                        break 'spans;
                    }
                    buf[(x, y)].set_char(char::from(b)).set_style(style);
                    x += 1;
                }
            }
        }
    }
}

/// Whether every span is printable ASCII and the line is left-aligned.
fn plain(line: &Line) -> bool {
    matches!(line.alignment, None | Some(Alignment::Left))
        && line
            .spans
            .iter()
            .all(|s| crate::core::sanitize::is_plain(s.content.as_bytes()))
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
            Line::from("right").alignment(Alignment::Right),
            Line::from(""),
            Line::from("a line past the bottom of the area"),
        ];
        for (w, h) in [(30, 6), (12, 4), (3, 3), (2, 2)] {
            let (fast, slow) = both(lines.clone(), w, h);
            assert_eq!(fast, slow, "at {w}x{h}");
        }
    }
}

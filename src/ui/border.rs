//! A panel's frame drawn as `Block::default().borders(Borders::ALL).border_type(..).border_style(..)
//! .title(..)` draws it, without the block's pass over every cell of the panel to set a style it
//! does not have: the frame is its border cells and its title, nothing inside.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::symbols::border;
use ratatui::text::Line;
use ratatui::widgets::{Block, BorderType, Borders, Widget};

/// A bordered panel with a title on its top border, left-aligned.
pub(super) struct PanelBlock<'a> {
    title: Line<'a>,
    kind: BorderType,
    style: Style,
}

impl<'a> PanelBlock<'a> {
    pub(super) fn new(title: impl Into<Line<'a>>, kind: BorderType, style: Style) -> Self {
        PanelBlock {
            title: title.into(),
            kind,
            style,
        }
    }

    /// The area inside the borders.
    pub(super) fn inner(&self, area: Rect) -> Rect {
        Block::default().borders(Borders::ALL).inner(area)
    }

    /// The same panel as a ratatui `Block` (for widgets that take one).
    #[cfg(test)]
    fn block(&self) -> Block<'a> {
        Block::default()
            .borders(Borders::ALL)
            .border_type(self.kind)
            .border_style(self.style)
            .title(self.title.clone())
    }
}

impl Widget for PanelBlock<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let area = area.intersection(buf.area);
        if area.is_empty() {
            return;
        }
        let set: border::Set = self.kind.to_border_set();
        let (left, top) = (area.left(), area.top());
        let (right, bottom) = (area.right() - 1, area.bottom() - 1);
        let style = self.style;
        for y in top..=bottom {
            buf[(left, y)].set_symbol(set.vertical_left).set_style(style);
            buf[(right, y)].set_symbol(set.vertical_right).set_style(style);
        }
        for x in left..=right {
            buf[(x, top)].set_symbol(set.horizontal_top).set_style(style);
            buf[(x, bottom)]
                .set_symbol(set.horizontal_bottom)
                .set_style(style);
        }
        buf[(right, bottom)]
            .set_symbol(set.bottom_right)
            .set_style(style);
        buf[(right, top)].set_symbol(set.top_right).set_style(style);
        buf[(left, bottom)]
            .set_symbol(set.bottom_left)
            .set_style(style);
        buf[(left, top)].set_symbol(set.top_left).set_style(style);
        // The title, as the block places it: after the left border, cut at the right one.
        let room = area.width.saturating_sub(2);
        if room > 0 {
            let width = u16::try_from(self.title.width()).unwrap_or(u16::MAX);
            let title_area = Rect {
                x: left + 1,
                y: top,
                width: width.min(room),
                height: 1,
            };
            self.title.render(title_area, buf);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::{Color, Modifier};
    use ratatui::text::Span;

    #[test]
    fn a_panel_is_drawn_as_the_block_draws_it() {
        let titles = [
            Span::styled("▶1 Runbook 1/6: Stabilize 0/6 ◂[ ]▸ ", Style::default().fg(Color::Cyan)),
            Span::raw(" 3 Logs · filter 漢字漢字 "),
            Span::styled("", Style::default()),
        ];
        let styles = [
            Style::default().fg(Color::Yellow).add_modifier(Modifier::BOLD),
            Style::default(),
        ];
        for title in titles {
            for kind in [BorderType::Plain, BorderType::Thick] {
                for style in styles {
                    for (w, h) in [(40, 6), (12, 3), (9, 2), (3, 1), (2, 2), (1, 4), (1, 1), (0, 3)] {
                        let panel = PanelBlock::new(title.clone(), kind, style);
                        let area = Rect::new(1, 1, w, h);
                        let full = Rect::new(0, 0, 42, 8);
                        // A background that was there before: the block leaves the inside alone.
                        let mut ours = Buffer::filled(full, ratatui::buffer::Cell::new("x"));
                        let mut theirs = ours.clone();
                        assert_eq!(panel.inner(area), panel.block().inner(area));
                        panel.block().render(area, &mut theirs);
                        panel.render(area, &mut ours);
                        assert_eq!(ours, theirs, "{title:?} {kind:?} {w}x{h}");
                    }
                }
            }
        }
    }
}

//! A small multi-line text editor for the status-update composer: arrows, Home/End, Enter for a new
//! line, Backspace/Delete joining lines. Columns count characters, not bytes.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Text being edited, with a cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Editor {
    lines: Vec<String>,
    row: usize,
    col: usize,
}

/// What a key did to the editor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    /// The text or cursor changed (or nothing happened).
    Edited,
    /// Send it (Ctrl-S).
    Submit,
    /// Close the editor and keep the text as a draft (Esc).
    Close,
    /// Throw the text away, after asking (Ctrl-X).
    Discard,
}

impl Editor {
    /// An editor holding `text`, the cursor at the end.
    pub fn new(text: &str) -> Editor {
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        if lines.is_empty() {
            lines.push(String::new());
        }
        let row = lines.len() - 1;
        let col = lines[row].chars().count();
        Editor { lines, row, col }
    }

    /// The whole text.
    pub fn text(&self) -> String {
        self.lines.join("\n")
    }

    /// The lines.
    pub fn lines(&self) -> &[String] {
        &self.lines
    }

    /// Cursor row and column (in characters).
    pub fn cursor(&self) -> (usize, usize) {
        (self.row, self.col)
    }

    fn byte(&self, col: usize) -> usize {
        let line = &self.lines[self.row];
        line.char_indices().nth(col).map_or(line.len(), |(i, _)| i)
    }

    fn width(&self, row: usize) -> usize {
        self.lines[row].chars().count()
    }

    /// Applies a key.
    pub fn key(&mut self, key: KeyEvent) -> Edit {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Esc => return Edit::Close,
            KeyCode::Char('s') if ctrl => return Edit::Submit,
            KeyCode::Char('x') if ctrl => return Edit::Discard,
            KeyCode::Char(ch) if !ctrl => {
                let at = self.byte(self.col);
                self.lines[self.row].insert(at, ch);
                self.col += 1;
            }
            KeyCode::Enter => {
                let at = self.byte(self.col);
                let rest = self.lines[self.row].split_off(at);
                self.lines.insert(self.row + 1, rest);
                self.row += 1;
                self.col = 0;
            }
            KeyCode::Backspace if self.col > 0 => {
                let at = self.byte(self.col - 1);
                self.lines[self.row].remove(at);
                self.col -= 1;
            }
            KeyCode::Backspace if self.row > 0 => {
                let line = self.lines.remove(self.row);
                self.row -= 1;
                self.col = self.width(self.row);
                self.lines[self.row].push_str(&line);
            }
            KeyCode::Delete if self.col < self.width(self.row) => {
                let at = self.byte(self.col);
                self.lines[self.row].remove(at);
            }
            KeyCode::Delete if self.row + 1 < self.lines.len() => {
                let next = self.lines.remove(self.row + 1);
                self.lines[self.row].push_str(&next);
            }
            KeyCode::Left if self.col > 0 => self.col -= 1,
            KeyCode::Left if self.row > 0 => {
                self.row -= 1;
                self.col = self.width(self.row);
            }
            KeyCode::Right if self.col < self.width(self.row) => self.col += 1,
            KeyCode::Right if self.row + 1 < self.lines.len() => {
                self.row += 1;
                self.col = 0;
            }
            KeyCode::Up if self.row > 0 => {
                self.row -= 1;
                self.col = self.col.min(self.width(self.row));
            }
            KeyCode::Down if self.row + 1 < self.lines.len() => {
                self.row += 1;
                self.col = self.col.min(self.width(self.row));
            }
            KeyCode::Home => self.col = 0,
            KeyCode::End => self.col = self.width(self.row),
            _ => {}
        }
        Edit::Edited
    }

    /// Inserts `text` at the cursor, its newlines starting lines, and puts the cursor after it.
    pub fn insert(&mut self, text: &str) {
        let at = self.byte(self.col);
        let rest = self.lines[self.row].split_off(at);
        let mut pieces = text.split('\n');
        if let Some(first) = pieces.next() {
            self.lines[self.row].push_str(first);
        }
        for piece in pieces {
            self.row += 1;
            self.lines.insert(self.row, piece.to_string());
        }
        self.col = self.width(self.row);
        self.lines[self.row].push_str(&rest);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    fn typed(e: &mut Editor, s: &str) {
        for ch in s.chars() {
            e.key(k(KeyCode::Char(ch)));
        }
    }

    #[test]
    fn typing_enter_and_backspace_edit_lines() {
        let mut e = Editor::new("What is broken: x");
        e.key(k(KeyCode::Backspace));
        typed(&mut e, "payments");
        e.key(k(KeyCode::Enter));
        typed(&mut e, "Next update: 15m");
        assert_eq!(e.text(), "What is broken: payments\nNext update: 15m");
        e.key(k(KeyCode::Home));
        e.key(k(KeyCode::Backspace));
        assert_eq!(e.text(), "What is broken: paymentsNext update: 15m");
    }

    #[test]
    fn the_cursor_moves_over_wide_and_accented_characters_by_character() {
        let mut e = Editor::new("été 漢字");
        e.key(k(KeyCode::Home));
        e.key(k(KeyCode::Right));
        e.key(k(KeyCode::Delete));
        assert_eq!(e.text(), "éé 漢字");
        e.key(k(KeyCode::End));
        e.key(k(KeyCode::Backspace));
        assert_eq!(e.text(), "éé 漢");
    }

    #[test]
    fn pasted_text_goes_in_at_the_cursor_with_its_lines() {
        let mut e = Editor::new("ab");
        e.key(k(KeyCode::Left));
        e.insert("1\n2\n3");
        assert_eq!(e.text(), "a1\n2\n3b");
        assert_eq!(e.cursor(), (2, 1));
        e.insert("é");
        assert_eq!(e.text(), "a1\n2\n3éb");
        assert_eq!(e.cursor(), (2, 2));
    }

    #[test]
    fn ctrl_s_submits_esc_closes_and_ctrl_x_discards() {
        let mut e = Editor::new("");
        assert_eq!(
            e.key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL)),
            Edit::Submit
        );
        assert_eq!(e.key(k(KeyCode::Esc)), Edit::Close);
        assert_eq!(
            e.key(KeyEvent::new(KeyCode::Char('x'), KeyModifiers::CONTROL)),
            Edit::Discard
        );
    }
}

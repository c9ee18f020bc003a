//! The terminal: raw mode and the alternate screen on the way in, restored on every way out (the
//! guard's `Drop`, the panic hook), and terminal mouse events placed on the panels.

use std::io::{self, Stdout};

use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
    MouseButton, MouseEvent, MouseEventKind,
};
use crossterm::terminal::{self, EnterAlternateScreen, LeaveAlternateScreen};
use crossterm::{cursor, execute};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;

use crate::app::mouse::{Mouse, Pointer};
use crate::app::{Msg, Panel};
use crate::ui;

/// The terminal sitrep draws on.
pub(super) type Screen = Terminal<CrosstermBackend<Stdout>>;

/// Restores the terminal when dropped, whatever way the loop ends.
pub(super) struct TerminalGuard;

impl TerminalGuard {
    /// Raw mode, the alternate screen, no cursor, bracketed paste, and the mouse if asked for.
    pub(super) fn enter(mouse: bool) -> io::Result<(TerminalGuard, Screen)> {
        terminal::enable_raw_mode()?;
        let guard = TerminalGuard;
        execute!(io::stdout(), EnterAlternateScreen, cursor::Hide, EnableBracketedPaste)?;
        if mouse {
            execute!(io::stdout(), EnableMouseCapture)?;
        }
        let terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
        Ok((guard, terminal))
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal();
    }
}

/// Gives the terminal back and stops the process (Ctrl-Z, SIGTSTP), as a shell job stops; when the
/// shell continues it (`fg`, SIGCONT), raw mode, the alternate screen and the mouse come back. The
/// caller repaints the whole screen.
pub(super) fn suspend(mouse: bool) -> io::Result<()> {
    restore_terminal();
    // SIGTSTP has a handler (so it comes here), so the stop is SIGSTOP, which cannot be caught.
    let _ = rustix::process::kill_process(rustix::process::getpid(), rustix::process::Signal::STOP);
    resume(mouse)
}

/// Raw mode, the alternate screen, no cursor, bracketed paste, and the mouse if asked for: again,
/// after a stop.
pub(super) fn resume(mouse: bool) -> io::Result<()> {
    terminal::enable_raw_mode()?;
    execute!(io::stdout(), EnterAlternateScreen, cursor::Hide, EnableBracketedPaste)?;
    if mouse {
        execute!(io::stdout(), EnableMouseCapture)?;
    }
    Ok(())
}

fn restore_terminal() {
    // Unconditionally: the panic hook cannot know whether it was on, and turning it off twice is
    // harmless, while a shell left capturing the mouse is not.
    let _ = execute!(io::stdout(), DisableMouseCapture, DisableBracketedPaste);
    let _ = execute!(io::stdout(), LeaveAlternateScreen, cursor::Show);
    let _ = terminal::disable_raw_mode();
}

/// Makes a panic restore the terminal before the message is printed, so it is readable.
pub fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        // Only a panic of the UI thread ends the session; a task's panic ends that task, and
        // restoring the terminal under a cockpit that keeps drawing would garble the screen.
        if std::thread::current().name() == Some("main") {
            restore_terminal();
        }
        previous(info);
    }));
}

/// A terminal mouse event as the app sees it: a click or a wheel turn over a panel. Moves, drags,
/// releases and other buttons are nothing to the cockpit.
pub fn mouse_msg(event: &MouseEvent, screen: Rect, zoomed: Option<Panel>) -> Option<Msg> {
    let pointer = match event.kind {
        MouseEventKind::Down(MouseButton::Left) => Pointer::Click,
        MouseEventKind::ScrollUp => Pointer::WheelUp,
        MouseEventKind::ScrollDown => Pointer::WheelDown,
        _ => return None,
    };
    let panel = ui::panel_at(screen, event.column, event.row, zoomed);
    Some(Msg::Mouse(Mouse { pointer, panel }))
}

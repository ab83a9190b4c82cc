//! What commands print on stdout. A reader may stop before the end (`strata model list |
//! head -1`): writing to the closed pipe then fails with `BrokenPipe`, which is taken as
//! success, since the reader has all it wanted (and `println!` would panic on it).

use std::fmt::Display;
use std::io::{self, Write};

/// Writes `text` to stdout as it stands; nothing if the reader is gone.
pub fn text(text: impl Display) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    match write!(stdout, "{text}").and_then(|()| stdout.flush()) {
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        written => written,
    }
}

/// Writes `text` and a newline to stdout; nothing if the reader is gone.
pub fn line(line: impl Display) -> io::Result<()> {
    text(format_args!("{line}\n"))
}

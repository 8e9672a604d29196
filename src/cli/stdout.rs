//! The one path every verb writes its results through: standard output behind a buffer, with
//! write errors returned (never a panic) and named, so `main` can tell a closed pipe (success,
//! as in `stance eval FILE | head -1`) from a full disk or a failing device (exit 1, with a
//! message).

use std::fmt;
use std::io::{self, BufWriter, Write};

/// Bytes buffered before a write reaches standard output.
const BUFFER: usize = 64 * 1024;

/// Buffered standard output whose errors say "writing to standard output" and keep their kind
/// (so [`super::is_broken_pipe`] still sees a closed pipe).
pub struct Stdout {
    inner: BufWriter<io::Stdout>,
}

impl Stdout {
    /// A buffered writer on this process's standard output.
    pub fn new() -> Stdout {
        Stdout {
            inner: BufWriter::with_capacity(BUFFER, io::stdout()),
        }
    }
}

impl Default for Stdout {
    fn default() -> Stdout {
        Stdout::new()
    }
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf).map_err(named)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.inner.write_all(buf).map_err(named)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush().map_err(named)
    }
}

/// An error of standard output, shown as "writing to standard output: CAUSE".
#[derive(Debug)]
struct StdoutError(io::Error);

impl fmt::Display for StdoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "writing to standard output: {}", self.0)
    }
}

impl std::error::Error for StdoutError {}

/// Wraps `err` so its message names standard output, keeping its kind.
fn named(err: io::Error) -> io::Error {
    if err.get_ref().is_some_and(|inner| inner.is::<StdoutError>()) {
        return err;
    }
    io::Error::new(err.kind(), StdoutError(err))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_standard_output_and_keep_their_kind() {
        let err = named(io::Error::from(io::ErrorKind::BrokenPipe));
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
        assert!(err.to_string().starts_with("writing to standard output: "));
        let again = named(err);
        assert_eq!(again.to_string().matches("standard output").count(), 1);
    }
}

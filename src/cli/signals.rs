//! SIGINT, SIGTERM and SIGHUP (Ctrl-C, `kill`, a closed terminal) end the process as they
//! would by default, but first remove the temporary files of any save in progress
//! ([`crate::io::abandon_saves`]), so an interrupted `stance train` leaves nothing behind and
//! the file it was replacing unchanged.

use anyhow::Context;

/// Starts the thread that waits for a terminating signal, cleans up and ends the process.
///
/// # Errors
/// When the handlers cannot be installed or the thread cannot start.
#[cfg(unix)]
pub fn clean_up_saves_on_signals() -> anyhow::Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])
        .context("installing the signal handlers")?;
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                crate::io::abandon_saves();
                // Die of the signal itself, so the parent sees what happened; exit as a shell
                // would report it if that fails.
                let _ = signal_hook::low_level::emulate_default_handler(signal);
                std::process::exit(128 + signal);
            }
        })
        .context("starting the signal thread")?;
    Ok(())
}

/// Elsewhere the default handlers stay; a killed save is cleaned up by the next one.
///
/// # Errors
/// Never.
#[cfg(not(unix))]
pub fn clean_up_saves_on_signals() -> anyhow::Result<()> {
    Ok(())
}

//! The `stance` command line: parse, run, report. Exit codes are decided here once:
//! 0 success (a closed stdout counts as success), 1 runtime error, 2 usage error (clap's, also
//! those a verb finds after parsing: `stance::cli::usage_error`).

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    // SAFETY: nothing has started a thread yet.
    #[cfg(feature = "e5")]
    unsafe {
        stance::cli::allocator::keep_freed_tensors();
    }
    let cli = stance::cli::Cli::parse();
    match stance::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if stance::cli::is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => match err.downcast::<clap::Error>() {
            Ok(usage) => usage.exit(),
            Err(err) => {
                eprintln!("error: {err:#}");
                ExitCode::from(1)
            }
        },
    }
}

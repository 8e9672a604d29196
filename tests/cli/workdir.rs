//! A fresh work directory per test: the fixtures are copied in, the built `stance` binary runs
//! inside it with a fixed environment, and every expectation that fails shows the command,
//! its exit code, stdout and stderr (the pattern of xsv's `tests/workdir.rs`).

use assert_cmd::Command;
use std::fmt;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// The labelled and unlabelled files every work directory starts with.
pub const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
/// Expected outputs, refreshed with `STANCE_BLESS=1`.
pub const GOLDEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden");
/// Training flags that keep a run on the fixtures well under a second.
pub const FAST: &[&str] = &["--epochs", "5"];
/// The fixed training date (2023-11-14), so model files reproduce byte for byte.
pub const SOURCE_DATE_EPOCH: &str = "1700000000";

/// Variables of the test runner's environment that would change what the binary does.
const REMOVED_ENV: [&str; 2] = ["STANCE_MODEL", "RAYON_NUM_THREADS"];

/// A temporary directory holding copies of the fixtures; removed when dropped.
pub struct Workdir {
    dir: TempDir,
}

/// One finished run of the binary.
pub struct Run {
    /// The command line, for failure messages.
    pub command: String,
    /// The exit code (`None` when killed by a signal).
    pub code: Option<i32>,
    /// Standard output, decoded lossily.
    pub stdout: String,
    /// Standard error, decoded lossily.
    pub stderr: String,
}

impl fmt::Display for Run {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "\n$ {}\nexit code: {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}\n--------------",
            self.command, self.code, self.stdout, self.stderr
        )
    }
}

impl Run {
    /// Standard output split into lines.
    pub fn lines(&self) -> Vec<&str> {
        self.stdout.lines().collect()
    }

    /// Standard output parsed as one JSON document.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):{self}"))
    }

    /// Standard output parsed as JSON lines.
    pub fn jsonl(&self) -> Vec<serde_json::Value> {
        self.stdout
            .lines()
            .map(|line| {
                serde_json::from_str(line)
                    .unwrap_or_else(|e| panic!("line {line:?} is not JSON ({e}):{self}"))
            })
            .collect()
    }

    /// Panics, showing the run, unless stdout contains `needle`.
    pub fn assert_stdout_has(&self, needle: &str) -> &Run {
        assert!(
            self.stdout.contains(needle),
            "stdout lacks {needle:?}:{self}"
        );
        self
    }

    /// Panics, showing the run, unless stderr contains `needle`.
    pub fn assert_stderr_has(&self, needle: &str) -> &Run {
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}:{self}"
        );
        self
    }
}

impl Workdir {
    /// A new work directory with every fixture file copied into its root.
    pub fn new() -> Workdir {
        let dir = tempfile::Builder::new()
            .prefix("stance-cli-")
            .tempdir()
            .expect("create a temporary directory");
        let wd = Workdir { dir };
        for entry in std::fs::read_dir(FIXTURES).expect("read tests/fixtures") {
            let entry = entry.expect("list tests/fixtures");
            let name = entry.file_name();
            if entry.path().is_file() && !name.to_string_lossy().starts_with('.') {
                std::fs::copy(entry.path(), wd.dir.path().join(&name)).expect("copy a fixture");
            }
        }
        wd
    }

    /// The work directory itself.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// A path inside the work directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes a file inside the work directory, creating folders as needed.
    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) {
        let path = self.path(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create folders");
        }
        std::fs::write(&path, contents).unwrap_or_else(|e| panic!("write {name}: {e}"));
    }

    /// Reads a file of the work directory.
    pub fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path(name)).unwrap_or_else(|e| panic!("read {name}: {e}"))
    }

    /// Reads a text file of the work directory.
    pub fn read_string(&self, name: &str) -> String {
        String::from_utf8(self.read(name)).unwrap_or_else(|e| panic!("{name} is not UTF-8: {e}"))
    }

    /// Names of the files in the work directory's root, sorted.
    pub fn files(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.root())
            .expect("list the work directory")
            .map(|e| {
                e.expect("list entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        names.sort();
        names
    }

    /// The `stance` binary with `args`, run in the work directory with `SOURCE_DATE_EPOCH`
    /// fixed and `STANCE_MODEL` (and `RAYON_NUM_THREADS`) removed.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::cargo_bin("stance").expect("the stance binary is built");
        cmd.args(args)
            .current_dir(self.root())
            .env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
            .timeout(std::time::Duration::from_secs(120));
        for name in REMOVED_ENV {
            cmd.env_remove(name);
        }
        cmd
    }

    /// [`Workdir::command`] as a plain `std::process::Command`, for tests that need the
    /// child's pipes.
    pub fn std_command(&self, args: &[&str]) -> std::process::Command {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("stance"));
        cmd.args(args)
            .current_dir(self.root())
            .env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH);
        for name in REMOVED_ENV {
            cmd.env_remove(name);
        }
        cmd
    }

    /// Runs a prepared command. Whatever the exit code, a panic of the binary fails the test.
    pub fn run_command(&self, cmd: &mut Command, shown: String) -> Run {
        let output = cmd
            .output()
            .unwrap_or_else(|e| panic!("cannot run `{shown}`: {e}"));
        let run = Run {
            command: shown,
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        };
        assert!(
            !run.stderr.contains("panicked"),
            "the binary panicked:{run}"
        );
        run
    }

    /// Runs `stance ARGS`, feeding `stdin` when given.
    pub fn run(&self, args: &[&str], stdin: Option<&[u8]>) -> Run {
        let mut cmd = self.command(args);
        if let Some(input) = stdin {
            cmd.write_stdin(input.to_vec());
        }
        self.run_command(&mut cmd, shown(args, stdin.is_some()))
    }

    /// Runs `stance ARGS` and expects success.
    pub fn ok(&self, args: &[&str]) -> Run {
        self.expect_code(args, None, 0)
    }

    /// Runs `stance ARGS` with `stdin` and expects success.
    pub fn ok_stdin(&self, args: &[&str], stdin: &[u8]) -> Run {
        self.expect_code(args, Some(stdin), 0)
    }

    /// Runs `stance ARGS` and expects the exit code `code`.
    pub fn fails(&self, args: &[&str], code: i32) -> Run {
        self.expect_code(args, None, code)
    }

    fn expect_code(&self, args: &[&str], stdin: Option<&[u8]>, code: i32) -> Run {
        let run = self.run(args, stdin);
        assert_eq!(run.code, Some(code), "unexpected exit code:{run}");
        run
    }

    /// Trains on `train.tsv` with `dev.tsv` into `out`, with [`FAST`] and `extra` flags.
    pub fn train(&self, out: &str, extra: &[&str]) -> Run {
        let mut args = vec!["train", "train.tsv", "--dev", "dev.tsv", "--out", out];
        args.extend_from_slice(FAST);
        args.extend_from_slice(extra);
        self.ok(&args)
    }
}

fn shown(args: &[&str], stdin: bool) -> String {
    let quoted: Vec<String> = args
        .iter()
        .map(|a| {
            if a.is_empty() || a.contains(char::is_whitespace) {
                format!("{a:?}")
            } else {
                (*a).to_string()
            }
        })
        .collect();
    let tail = if stdin { " < (stdin)" } else { "" };
    format!("stance {}{tail}", quoted.join(" "))
}

/// Waits for a spawned `stance` whose stderr is piped: its exit code and everything it wrote to
/// stderr.
pub fn finish(mut child: std::process::Child) -> (Option<i32>, String) {
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("piped stderr"), &mut stderr)
        .expect("read stderr");
    let status = child.wait().expect("stance ends");
    (status.code(), stderr)
}

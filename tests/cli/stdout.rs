//! Every verb writes through one buffered standard output: a closed pipe (`stance eval FILE |
//! head -1`) ends it quietly with exit 0, and any other write error (`> /dev/full`) with exit 1
//! and a message, never a panic.

use crate::workdir::{finish, Workdir};
use std::process::Stdio;

/// A work directory with a model, an article and a pool of sentences with ids.
fn ready() -> Workdir {
    let wd = Workdir::new();
    wd.train("m.model", &[]);
    wd.write(
        "article.txt",
        "نفت الوزارة صحة الأنباء عن إغلاق المعبر. وقال مسؤول إن العمل مستمر كالمعتاد.\n",
    );
    let mut pool = String::from("id\ttext\n");
    for (i, line) in wd.read_string("sentences.txt").lines().enumerate() {
        pool.push_str(&format!("p-{i}\t{line}\n"));
    }
    wd.write("pool.tsv", pool);
    wd
}

/// One command line per verb, each writing to standard output.
const VERBS: [&[&str]; 7] = [
    &[
        "train",
        "train.tsv",
        "--epochs",
        "2",
        "--out",
        "again.model",
    ],
    &["eval", "dev.tsv", "-m", "m.model", "--bootstrap", "10"],
    &["cv", "train.tsv", "--folds", "2", "--epochs", "2"],
    &["inspect", "m.model"],
    &["predict", "-m", "m.model", "--input", "sentences.txt"],
    &["article", "article.txt", "-m", "m.model"],
    &["suggest", "pool.tsv", "-m", "m.model", "--n", "2"],
];

/// Runs `args` with standard output going to `stdout` (a closed pipe when `None`); returns the
/// exit code and stderr.
fn run_into(wd: &Workdir, args: &[&str], stdout: Option<Stdio>) -> (Option<i32>, String) {
    let closed = stdout.is_none();
    let mut child = wd
        .std_command(args)
        .stdout(stdout.unwrap_or_else(Stdio::piped))
        .stderr(Stdio::piped())
        .spawn()
        .expect("start stance");
    if closed {
        // Hang up at once, long before the command has a result to write (it loads a model or
        // trains first), so every write it makes fails with EPIPE.
        drop(child.stdout.take());
    }
    finish(child)
}

#[test]
fn every_verb_ends_quietly_with_success_on_a_closed_pipe() {
    let wd = ready();
    for args in VERBS {
        let (code, stderr) = run_into(&wd, args, None);
        assert_eq!(code, Some(0), "stance {}: {stderr}", args.join(" "));
        assert!(
            !stderr.contains("error") && !stderr.contains("panicked"),
            "stance {}: {stderr}",
            args.join(" ")
        );
    }
}

#[test]
fn every_verb_fails_with_a_message_on_a_full_device() {
    let wd = ready();
    for args in VERBS {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("open /dev/full");
        let (code, stderr) = run_into(&wd, args, Some(Stdio::from(full)));
        assert_eq!(code, Some(1), "stance {}: {stderr}", args.join(" "));
        assert!(
            stderr.contains("error: writing to standard output: No space left on device"),
            "stance {}: {stderr}",
            args.join(" ")
        );
        assert!(
            !stderr.contains("panicked"),
            "stance {}: {stderr}",
            args.join(" ")
        );
    }
}

#[test]
fn rows_skipped_before_a_write_error_are_still_counted() {
    let wd = ready();
    // A bad line first, then enough sentences that the output overflows the buffer while rows
    // are still being read, so the write error stops the run in the middle.
    let mut input = b"\xff\xfe bad\n".to_vec();
    let sentences = wd.read_string("sentences.txt");
    while input.len() < 1 << 20 {
        input.extend_from_slice(sentences.as_bytes());
    }
    wd.write("big.txt", input);
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("open /dev/full");
    let args = [
        "predict",
        "-m",
        "m.model",
        "--input",
        "big.txt",
        "--skip-bad-rows",
    ];
    let (code, stderr) = run_into(&wd, &args, Some(Stdio::from(full)));
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("No space left on device"), "{stderr}");
    assert!(
        stderr.contains("warning: skipped 1 bad row in big.txt"),
        "{stderr}"
    );
}

#[test]
fn a_write_error_ends_predict_while_its_input_stays_open() {
    let wd = ready();
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("open /dev/full");
    let mut child = wd
        .std_command(&["predict", "-m", "m.model"])
        .stdin(Stdio::piped())
        .stdout(Stdio::from(full))
        .stderr(Stdio::null())
        .spawn()
        .expect("start stance");
    // One chunk of rows (4,096), whose output fails, and a few more; then the input stays open,
    // as `tail -f FILE | stance predict` leaves it: the run must still end, on the write error.
    let sentences = wd.read_string("sentences.txt");
    let lines: String = sentences
        .lines()
        .cycle()
        .take(4096 + 100)
        .flat_map(|line| [line, "\n"])
        .collect();
    let mut stdin = child.stdin.take().expect("piped stdin");
    let _ = std::io::Write::write_all(&mut stdin, lines.as_bytes());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().expect("poll stance") {
            break status;
        }
        if std::time::Instant::now() > deadline {
            child.kill().expect("kill stance");
            panic!("stance predict still ran 30 s after its output failed");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    drop(stdin);
    assert_eq!(status.code(), Some(1));
}

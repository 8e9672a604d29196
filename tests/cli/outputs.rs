//! Where outputs may go: never over a device, a FIFO, an input of the same run or the shipped
//! models; through a symbolic link to the file it points to; and no temporary file left behind
//! by a killed or interrupted save.

use crate::workdir::{Workdir, FAST};
use std::path::Path;
use std::time::{Duration, Instant};

/// Training flags for a model quick to train.
fn train_args<'a>(out: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["train", "train.tsv", "--out", out];
    args.extend_from_slice(FAST);
    args.extend_from_slice(extra);
    args
}

/// The temporary files of saves in the work directory's `dir`.
fn temporary_files(wd: &Workdir, dir: &str) -> Vec<String> {
    std::fs::read_dir(wd.path(dir))
        .map(|entries| {
            entries
                .map(|e| {
                    e.expect("list entry")
                        .file_name()
                        .to_string_lossy()
                        .into_owned()
                })
                .filter(|name| name.ends_with(".stance-tmp") || name.starts_with(".tmp"))
                .collect()
        })
        .unwrap_or_default()
}

/// Makes a special file at `path` with `command` (`mkfifo PATH`, `mknod PATH c 1 7`); false when
/// it cannot (mknod needs root).
fn make_special(command: &[&str], path: &Path) -> bool {
    std::process::Command::new(command[0])
        .arg(path)
        .args(&command[1..])
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn a_device_or_a_fifo_is_never_replaced() {
    // The devices are made inside the work directory (a copy of /dev/full where mknod is
    // allowed), so a regression replaces nothing outside it.
    let wd = Workdir::new();
    use std::os::unix::fs::FileTypeExt;
    let mut special = vec![("out.fifo", "FIFO")];
    if make_special(&["mknod", "c", "1", "7"], &wd.path("full")) {
        special.push(("full", "character device"));
    }
    assert!(make_special(&["mkfifo"], &wd.path("out.fifo")));
    for (name, kind) in special {
        let before = std::fs::symlink_metadata(wd.path(name))
            .unwrap()
            .file_type();
        let run = wd.fails(&train_args(name, &[]), 1);
        run.assert_stderr_has(&format!("refusing to write {name}: it is a {kind}"));
        let after = std::fs::symlink_metadata(wd.path(name))
            .unwrap()
            .file_type();
        assert_eq!(
            (after.is_fifo(), after.is_char_device()),
            (before.is_fifo(), before.is_char_device()),
            "{name} was replaced:{run}"
        );
        wd.train("m.model", &[]);
        let run = wd.fails(
            &["eval", "dev.tsv", "--model", "m.model", "--html", name],
            1,
        );
        run.assert_stderr_has(&format!("refusing to write {name}"));
    }
}

#[test]
fn an_input_of_the_run_is_never_an_output() {
    let wd = Workdir::new();
    let before = wd.read("train.tsv");
    let run = wd.fails(&train_args("train.tsv", &[]), 1);
    run.assert_stderr_has("refusing to write train.tsv: it is also an input of this run");
    assert_eq!(wd.read("train.tsv"), before, "the input was overwritten");
    let run = wd.fails(&train_args("m.model", &["--save-config", "train.tsv"]), 1);
    run.assert_stderr_has("refusing to write train.tsv");
    assert!(
        !wd.path("m.model").exists(),
        "checked before training:{run}"
    );
    let run = wd.fails(&train_args("m.model", &["--save-config", "m.model"]), 1);
    run.assert_stderr_has("also the output m.model");

    wd.train("m.model", &[]);
    let model = wd.read("m.model");
    wd.write(
        "article.txt",
        "نفت الوزارة صحة الأنباء عن إغلاق المعبر. وقال مسؤول إن العمل مستمر.\n",
    );
    let article = wd.read("article.txt");
    let run = wd.fails(
        &[
            "article",
            "article.txt",
            "-m",
            "m.model",
            "--html",
            "article.txt",
        ],
        1,
    );
    run.assert_stderr_has("refusing to write article.txt");
    assert_eq!(wd.read("article.txt"), article);
    // A file of a folder given as input counts too.
    wd.write("news/a.txt", &article);
    let run = wd.fails(
        &["article", "news", "-m", "m.model", "--html", "news/a.txt"],
        1,
    );
    run.assert_stderr_has("refusing to write news/a.txt");
    // The model read is an input as well.
    let run = wd.fails(
        &["eval", "dev.tsv", "-m", "m.model", "--html", "m.model"],
        1,
    );
    run.assert_stderr_has("refusing to write m.model");
    let run = wd.fails(
        &[
            "cv",
            "train.tsv",
            "--folds",
            "2",
            "--epochs",
            "2",
            "--predictions",
            "train.tsv",
        ],
        1,
    );
    run.assert_stderr_has("refusing to write train.tsv");
    assert_eq!(wd.read("m.model"), model);
}

#[test]
fn a_symbolic_link_is_followed_and_kept_and_a_dangling_one_refused() {
    let wd = Workdir::new();
    std::fs::create_dir(wd.path("models")).unwrap();
    std::os::unix::fs::symlink("models/v1.model", wd.path("current.model")).unwrap();
    let run = wd.fails(&train_args("current.model", &[]), 1);
    run.assert_stderr_has("symbolic link to nothing");

    wd.write("models/v1.model", b"old");
    wd.train("current.model", &[]);
    let link = std::fs::symlink_metadata(wd.path("current.model")).unwrap();
    assert!(link.file_type().is_symlink(), "the link was replaced");
    assert!(wd.read("models/v1.model").starts_with(b"STANCEM\0"));
}

#[test]
fn only_the_reproduce_command_or_force_replaces_the_shipped_model() {
    let wd = Workdir::new();
    wd.write("models/stance.model", b"the shipped model");
    let shipped = || wd.read("models/stance.model");

    // TRAIN files without --out would replace it.
    let run = wd.fails(&["train", "train.tsv", "--epochs", "2"], 1);
    run.assert_stderr_has("refusing to write models/stance.model")
        .assert_stderr_has("--out FILE")
        .assert_stderr_has("--force");
    assert_eq!(shipped(), b"the shipped model");
    // So would an explicit --out, or other settings with the shipped data, or another verb.
    wd.fails(&train_args("models/stance.model", &[]), 1);
    wd.fails(&train_args("./models/../models/stance.model", &[]), 1);
    let run = wd.fails(&["train", "--epochs", "2"], 1);
    run.assert_stderr_has("reproduce command");
    let run = wd.fails(
        &[
            "cv",
            "train.tsv",
            "--folds",
            "2",
            "--save-config",
            "models/stance.model",
        ],
        1,
    );
    run.assert_stderr_has("shipped model");
    assert_eq!(shipped(), b"the shipped model");

    // --force replaces it.
    let mut args = train_args("models/stance.model", &["--force"]);
    args.push("-q");
    wd.ok(&args);
    assert!(shipped().starts_with(b"STANCEM\0"));
}

#[test]
fn no_output_replaces_the_shipped_e5_model() {
    let wd = Workdir::new();
    wd.write("models/stance-e5.model", b"the shipped e5 model");
    wd.write("proj/models/stance-e5.model", b"the shipped e5 model");
    wd.write("proj/datasets/train.tsv", wd.read("train.tsv"));
    wd.train("m.model", &[]);
    for target in ["models/stance-e5.model", "proj/models/stance-e5.model"] {
        let run = wd.fails(&["eval", "dev.tsv", "-m", "m.model", "--html", target], 1);
        run.assert_stderr_has(&format!("refusing to write {target}"))
            .assert_stderr_has("shipped e5 model")
            .assert_stderr_has("stance train-e5");
        wd.fails(&train_args(target, &[]), 1)
            .assert_stderr_has("shipped e5 model");
        // --force lets `stance train` replace the shipped linear model, never the e5 one
        wd.fails(&train_args(target, &["--force"]), 1)
            .assert_stderr_has("shipped e5 model");
        assert_eq!(wd.read(target), b"the shipped e5 model");
    }
}

#[test]
fn the_shipped_model_of_a_project_is_kept_from_any_working_folder() {
    let wd = Workdir::new();
    // A project folder (datasets/ beside models/) other than the working folder.
    wd.write("proj/models/stance.model", b"the shipped model");
    wd.write("proj/datasets/train.tsv", wd.read("train.tsv"));
    let run = wd.fails(&train_args("proj/models/stance.model", &[]), 1);
    run.assert_stderr_has("refusing to write proj/models/stance.model")
        .assert_stderr_has("shipped model");
    assert_eq!(wd.read("proj/models/stance.model"), b"the shipped model");

    // Nor does a link on the way hide it: proj2/models is a link to a folder elsewhere.
    wd.write("store/models/stance.model", b"the shipped model");
    wd.write("proj2/datasets/train.tsv", wd.read("train.tsv"));
    std::os::unix::fs::symlink(wd.path("store/models"), wd.path("proj2/models")).unwrap();
    wd.fails(&train_args("proj2/models/stance.model", &[]), 1)
        .assert_stderr_has("shipped model");
    assert_eq!(wd.read("store/models/stance.model"), b"the shipped model");

    // A models/stance.model outside any project folder is an ordinary output.
    wd.write("elsewhere/models/stance.model", b"an old model");
    wd.train("elsewhere/models/stance.model", &[]);
    assert!(wd
        .read("elsewhere/models/stance.model")
        .starts_with(b"STANCEM\0"));
}

#[test]
fn a_killed_save_leaves_a_temporary_file_that_the_next_save_removes() {
    let wd = Workdir::new();
    let (status, left) = stop_during_save(&wd, "KILL");
    assert!(
        !status.success(),
        "the save was killed, yet the process ended well"
    );
    assert_eq!(left.len(), 1, "SIGKILL leaves the temporary file: {left:?}");
    wd.train("big.model", &[]);
    assert_eq!(temporary_files(&wd, "."), Vec::<String>::new());
}

#[test]
fn sigint_or_sigterm_during_a_save_leaves_nothing_behind() {
    for signal in ["INT", "TERM"] {
        let wd = Workdir::new();
        wd.write("big.model", b"the previous model");
        let (status, left) = stop_during_save(&wd, signal);
        use std::os::unix::process::ExitStatusExt;
        let number = if signal == "INT" { 2 } else { 15 };
        assert_eq!(status.signal(), Some(number), "SIG{signal}: {status:?}");
        assert_eq!(left, Vec::<String>::new(), "SIG{signal} left a file behind");
        assert_eq!(wd.read("big.model"), b"the previous model", "SIG{signal}");
    }
}

/// Trains a large model (2^22 buckets, about 70 MB, so its save takes a while) into
/// `big.model`, sends `signal` as soon as the save's temporary file appears, and returns how
/// the process ended and the temporary files left.
fn stop_during_save(wd: &Workdir, signal: &str) -> (std::process::ExitStatus, Vec<String>) {
    let args = train_args("big.model", &["--hash-bits", "22", "-q"]);
    let mut child = wd
        .std_command(&args)
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("start stance train");
    let started = Instant::now();
    let mut sent = false;
    while started.elapsed() < Duration::from_secs(60) {
        if child.try_wait().expect("poll stance").is_some() {
            break;
        }
        if !temporary_files(wd, ".").is_empty() {
            let pid = child.id().to_string();
            let killed = std::process::Command::new("kill")
                .args([&format!("-{signal}"), &pid])
                .status()
                .expect("run kill");
            assert!(killed.success());
            sent = true;
            break;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    let status = child.wait().expect("stance ends");
    assert!(
        sent,
        "no temporary file was seen during the save ({status:?}); the save writes none named \
         .NAME.*.stance-tmp"
    );
    (status, temporary_files(wd, "."))
}

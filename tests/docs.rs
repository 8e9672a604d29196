//! The documentation shows what the tool prints: every `$ stance predict` / `$ stance article`
//! example in README.md is run with the shipped model and compared with the text under it, and
//! docs/report.html and docs/eval-report.html are what the commands in docs/screenshot.sh write.
//! After a change of model or output, refresh them with `STANCE_BLESS=1 cargo test --test docs`
//! (and `docs/screenshot.sh` for the screenshots), then review the diff.

use assert_cmd::Command;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn bless() -> bool {
    std::env::var_os("STANCE_BLESS").is_some_and(|v| v == "1")
}

/// Runs `stance ARGS` in the crate root with the shipped model; stdout.
fn stance(args: &[String]) -> String {
    let out = Command::cargo_bin("stance")
        .expect("the stance binary")
        .current_dir(root())
        .env_remove("STANCE_MODEL")
        .args(args)
        .output()
        .expect("stance runs");
    assert!(
        out.status.success(),
        "stance {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// One example: the line index of its `$ stance ...` command and of the line after its output
/// (the closing fence, or the next command in the same block).
struct Example {
    command: usize,
    fence: usize,
}

fn examples(lines: &[&str]) -> Vec<Example> {
    let mut found = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if line.starts_with("$ stance predict") || line.starts_with("$ stance article") {
            let fence = (i + 1..lines.len())
                .find(|&j| lines[j].starts_with("```") || lines[j].starts_with("$ "))
                .expect("the example's block closes");
            found.push(Example { command: i, fence });
        }
    }
    found
}

#[test]
fn readme_examples_are_what_stance_prints() {
    let path = root().join("README.md");
    let readme = std::fs::read_to_string(&path).expect("README.md");
    let lines: Vec<&str> = readme.lines().collect();
    let found = examples(&lines);
    assert!(found.len() >= 3, "README examples not found");
    let mut blessed: Vec<String> = Vec::new();
    let mut copied = 0;
    for example in &found {
        let args = shlex::split(&lines[example.command][2..]).expect("a shell command");
        let printed = stance(&args[1..]);
        let shown = lines[example.command + 1..example.fence].join("\n");
        if bless() {
            blessed.extend(
                lines[copied..=example.command]
                    .iter()
                    .map(|l| l.to_string()),
            );
            blessed.extend(printed.lines().map(str::to_string));
            copied = example.fence;
        } else {
            assert_eq!(
                shown,
                printed.trim_end(),
                "README example `{}`",
                lines[example.command]
            );
        }
    }
    if bless() {
        blessed.extend(lines[copied..].iter().map(|l| l.to_string()));
        std::fs::write(&path, blessed.join("\n") + "\n").expect("write README.md");
    }
}

/// Checks (or with STANCE_BLESS=1 rewrites) a page under docs/ against what `args` write to
/// a temporary file given after `--html`.
fn check_page(page: &str, args: &[&str]) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let out = dir.path().join("page.html");
    let mut full: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    full.extend(["--html".to_string(), out.display().to_string()]);
    stance(&full);
    let written = std::fs::read(&out).expect("the page was written");
    let committed = root().join("docs").join(page);
    if bless() {
        std::fs::write(&committed, &written).expect("write the page");
    }
    assert!(
        std::fs::read(&committed).expect("the committed page") == written,
        "docs/{page} is stale: run STANCE_BLESS=1 cargo test --test docs, then docs/screenshot.sh"
    );
}

#[test]
fn docs_pages_are_what_the_commands_write() {
    let screenshot = std::fs::read_to_string(root().join("docs/screenshot.sh")).expect("script");
    let article = ["article", "docs/example-article.txt"];
    let eval = [
        "eval",
        "datasets/test.tsv",
        "--group-by",
        "event",
        "--errors",
        "8",
        "--min-confidence",
        "0.9",
    ];
    // the script regenerates the pages with these very commands
    for args in [&article[..], &eval[..]] {
        assert!(
            screenshot.contains(&args.join(" ")),
            "docs/screenshot.sh no longer runs {args:?}"
        );
    }
    check_page("report.html", &article);
    check_page("eval-report.html", &eval);
}

//! `--help` of every verb: each option states its default once.

use crate::workdir::Workdir;

#[test]
fn every_option_states_its_default_once() {
    let wd = Workdir::new();
    for verb in [
        "train", "eval", "predict", "article", "cv", "inspect", "suggest",
    ] {
        let help = wd.ok(&[verb, "--help"]).stdout;
        // an option's block runs from its `-x, --name` / `--name` line to the next one
        let mut blocks: Vec<(String, usize)> = Vec::new();
        for line in help.lines() {
            let trimmed = line.trim_start();
            if trimmed.starts_with("--") || (trimmed.starts_with('-') && trimmed.contains(", --")) {
                blocks.push((trimmed.to_string(), 0));
            }
            if let Some(block) = blocks.last_mut() {
                block.1 += line.matches("[default:").count();
            }
        }
        assert!(blocks.len() > 2, "{verb}: no options found in\n{help}");
        for (option, defaults) in blocks {
            assert!(
                defaults <= 1,
                "{verb} {option}: [default: ...] {defaults} times\n{help}"
            );
        }
    }
}

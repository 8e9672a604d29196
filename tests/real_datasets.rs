//! Checks on the real-news labels (datasets/real/*.tsv): ids and labels only (never text), every
//! id chosen in a recorded round and present in the pool, no id in two splits, and final labels
//! that follow from the readings (agreed, or decided by the adjudicator).

use stance::data::{read_records, Format, LabelPolicy, Record, RecordReader, TextSource};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

const SPLITS: [&str; 3] = ["train", "dev", "test"];
const LABELS: [&str; 3] = ["assertion", "denial", "allegation"];

fn real(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("datasets/real")
        .join(name)
}

/// The rows of a split as plain columns (the file has no text column to read records from).
fn rows(split: &str) -> Vec<HashMap<String, String>> {
    let text = std::fs::read_to_string(real(&format!("{split}.tsv"))).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("a header").split('\t').collect();
    lines
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            assert_eq!(fields.len(), header.len(), "{split}.tsv: {line}");
            header
                .iter()
                .zip(fields)
                .map(|(h, f)| (h.to_string(), f.to_string()))
                .collect()
        })
        .collect()
}

#[test]
fn files_hold_ids_and_labels_only() {
    for split in SPLITS {
        let text = std::fs::read_to_string(real(&format!("{split}.tsv"))).unwrap();
        let header = text.lines().next().unwrap();
        assert_eq!(
            header, "id\tlabel\tstratum\ta1\ta2\ta3\trule\thard\tnote",
            "{split}.tsv"
        );
        for row in rows(split) {
            let words = row["note"].split_whitespace().count();
            assert!(
                words <= 12,
                "{split}.tsv {}: a note of {words} words",
                row["id"]
            );
        }
    }
}

#[test]
fn ids_are_chosen_unique_and_in_one_split() {
    let mut chosen = HashSet::new();
    let mut rounds: Vec<String> = std::fs::read_dir(real(""))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("round") && name.ends_with(".tsv"))
        .collect();
    rounds.sort();
    assert!(rounds.len() >= 4, "round files: {rounds:?}");
    for round in &rounds {
        let text = std::fs::read_to_string(real(round)).unwrap();
        chosen.extend(
            text.lines()
                .skip(1)
                .map(|l| l.split('\t').next().unwrap().to_string()),
        );
    }
    let mut seen: HashMap<String, &str> = HashMap::new();
    for split in SPLITS {
        for row in rows(split) {
            let id = row["id"].clone();
            assert!(
                chosen.contains(&id),
                "{split}.tsv: {id} is in no round file"
            );
            if let Some(other) = seen.insert(id.clone(), split) {
                panic!("{id} is in {other}.tsv and {split}.tsv");
            }
        }
    }
}

#[test]
fn final_labels_follow_from_the_readings() {
    for split in SPLITS {
        for row in rows(split) {
            let (label, a1, a2, a3) = (&row["label"], &row["a1"], &row["a2"], &row["a3"]);
            let id = &row["id"];
            assert!(
                LABELS.contains(&label.as_str()),
                "{split}.tsv {id}: label {label}"
            );
            if split != "train" {
                assert!(
                    !a2.is_empty(),
                    "{split}.tsv {id}: dev and test are read twice"
                );
            }
            let agreed = a2.is_empty() || a1 == a2;
            if agreed {
                assert_eq!(label, a1, "{split}.tsv {id}");
                assert!(
                    a3.is_empty(),
                    "{split}.tsv {id}: adjudicated without a disagreement"
                );
            } else {
                assert_eq!(
                    label, a3,
                    "{split}.tsv {id}: a disagreement decided by the adjudicator"
                );
            }
        }
    }
}

#[test]
fn every_id_has_its_text_in_the_pool() {
    let pool = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/realnews/pool.tsv");
    let texts = Arc::new(TextSource::new(&pool));
    for split in SPLITS {
        let path = real(&format!("{split}.tsv"));
        let records: Vec<Record> = RecordReader::open(&path, Format::Tsv, LabelPolicy::Required)
            .unwrap()
            .join_texts(Arc::clone(&texts))
            .collect::<Result<_, _>>()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(records.len(), rows(split).len(), "{split}.tsv");
        assert!(records.iter().all(|r| !r.text.is_empty()));
    }
    // Without a text source the same file is refused with its name and line.
    let err = read_records(&real("dev.tsv"), Format::Tsv, LabelPolicy::Required).unwrap_err();
    assert!(err.to_string().contains("dev.tsv:1:"), "{err}");
}

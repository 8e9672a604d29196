//! Tests of the record readers: every format, headers, line numbers and row errors.

use super::*;
use crate::label::Stance;
use serde_json::Value;
use std::io::{Cursor, Read, Write};

const DENIAL: &str = "نفت الوزارة الخبر";
const ASSERTION: &str = "افتتح الرئيس المعرض الدولي";
const ALLEGATION: &str = "زعمت مصادر أن الاجتماع أُلغي";

fn reader(data: &[u8], format: Format, labels: LabelPolicy) -> RecordReader {
    let input = Box::new(Cursor::new(data.to_vec()));
    RecordReader::from_reader(input, PathBuf::from("data/train.tsv"), format, labels)
        .expect("format and policy agree")
}

fn read(data: &str, format: Format, labels: LabelPolicy) -> Vec<Result<Record>> {
    reader(data.as_bytes(), format, labels).collect()
}

/// The records of `data`, failing the test on any error.
fn records(data: &str, format: Format, labels: LabelPolicy) -> Vec<Record> {
    read(data, format, labels)
        .into_iter()
        .collect::<Result<_>>()
        .expect("valid input")
}

fn lines(records: &[Record]) -> Vec<usize> {
    records.iter().map(|r| r.origin.line).collect()
}

#[test]
fn tsv_without_header_is_label_then_text() {
    let data = format!("denial\t{DENIAL}\nassertion\t  {ASSERTION} \n");
    let rows = records(&data, Format::Tsv, LabelPolicy::Required);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].label, Some(Stance::Denial));
    assert_eq!(rows[0].text, DENIAL);
    assert_eq!(rows[1].text, ASSERTION);
    assert_eq!(rows[1].id, None);
    assert!(rows[1].extra.is_empty());
    assert_eq!(*rows[1].origin.path, *Path::new("data/train.tsv"));
    assert_eq!(lines(&rows), [1, 2]);
}

#[test]
fn tsv_header_names_columns_and_keeps_the_others() {
    let data =
        format!("source\tID\tSentence\tlabel\tdate\nSANA\tn1\t{DENIAL}\tdenial\t2024-01-02\n");
    let rows = records(&data, Format::Tsv, LabelPolicy::Required);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].id.as_deref(), Some("n1"));
    assert_eq!(rows[0].label, Some(Stance::Denial));
    assert_eq!(rows[0].text, DENIAL);
    assert_eq!(rows[0].origin.line, 2);
    let extra: Vec<(&str, &Value)> = rows[0].extra.iter().map(|(k, v)| (k.as_str(), v)).collect();
    assert_eq!(
        extra,
        [
            ("source", &Value::from("SANA")),
            ("date", &Value::from("2024-01-02"))
        ]
    );
}

#[test]
fn bom_and_crlf_are_stripped() {
    let data = format!("\u{feff}label\ttext\r\nallegation\t{ALLEGATION}\r\n");
    let rows = records(&data, Format::Tsv, LabelPolicy::Required);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].label, Some(Stance::Allegation));
    assert_eq!(rows[0].text, ALLEGATION);
}

#[test]
fn invalid_utf8_is_an_error_for_its_line_only() {
    let mut data = format!("denial\t{DENIAL}\nassertion\t").into_bytes();
    data.extend_from_slice(b"\xff\xfe broken\n");
    data.extend_from_slice(format!("assertion\t{ASSERTION}\n").as_bytes());
    let items: Vec<_> = reader(&data, Format::Tsv, LabelPolicy::Required).collect();
    assert_eq!(items.len(), 3);
    assert!(items[0].is_ok());
    assert!(matches!(items[1], Err(Error::Parse { line: 2, .. })));
    assert!(matches!(&items[2], Ok(r) if r.origin.line == 3 && r.text == ASSERTION));
}

#[test]
fn invalid_utf8_names_the_first_bad_byte_of_the_line() {
    // long enough that the check runs over whole SIMD blocks of Arabic before the bad byte
    let good = format!("assertion\t{ASSERTION} {ASSERTION} {ASSERTION} ");
    let mut data = good.clone().into_bytes();
    data.extend_from_slice(b"\xd9 broken\n");
    let items: Vec<_> = reader(&data, Format::Tsv, LabelPolicy::Required).collect();
    let err = items[0].as_ref().expect_err("invalid UTF-8");
    assert_eq!(
        err.to_string(),
        format!(
            "data/train.tsv:1: invalid UTF-8 (at byte {} of the line)",
            good.len() + 1
        )
    );
}

#[test]
fn unknown_label_names_file_and_line() {
    let data = format!("denial\t{DENIAL}\n\ndenail\t{DENIAL}\n");
    let items = read(&data, Format::Tsv, LabelPolicy::Required);
    let err = items[1].as_ref().expect_err("unknown label");
    assert!(matches!(err, Error::Parse { line: 3, .. }));
    assert_eq!(
        err.to_string(),
        "data/train.tsv:3: unknown label \"denail\" (expected assertion, denial or allegation)"
    );
}

#[test]
fn empty_text_and_missing_label_are_row_errors() {
    let data = format!("denial\t  \n\t{DENIAL}\nassertion\t{ASSERTION}\n");
    let items = read(&data, Format::Tsv, LabelPolicy::Required);
    assert!(
        matches!(&items[0], Err(Error::Parse { line: 1, reason, .. }) if reason == "empty text")
    );
    assert!(
        matches!(&items[1], Err(Error::Parse { line: 2, reason, .. }) if reason == "missing label")
    );
    assert!(items[2].is_ok());

    // With optional labels an empty label is no label, but a wrong one is still wrong.
    let data = format!("\t{DENIAL}\n{DENIAL}\nDenial\t{DENIAL}\n");
    let items = read(&data, Format::Tsv, LabelPolicy::Optional);
    assert!(matches!(&items[0], Ok(r) if r.label.is_none() && r.text == DENIAL));
    assert!(matches!(&items[1], Ok(r) if r.label.is_none() && r.text == DENIAL));
    assert!(matches!(items[2], Err(Error::Parse { line: 3, .. })));
}

#[test]
fn wrong_field_counts_are_row_errors() {
    let data = format!("id\tlabel\ttext\n1\tdenial\n2\tdenial\t{DENIAL}\n");
    let items = read(&data, Format::Tsv, LabelPolicy::Required);
    assert_eq!(items.len(), 2);
    let err = items[0].as_ref().expect_err("missing column");
    assert!(matches!(err, Error::Parse { line: 2, reason, .. }
        if reason == "expected 3 tab-separated fields (id, label, text), found 2"));
    assert!(items[1].is_ok());

    let data = format!("denial\t{DENIAL}\textra\n{DENIAL}\n");
    let items = read(&data, Format::Tsv, LabelPolicy::Required);
    assert!(
        matches!(&items[0], Err(Error::Parse { line: 1, reason, .. }) if reason.ends_with("found 3"))
    );
    assert!(
        matches!(&items[1], Err(Error::Parse { line: 2, reason, .. }) if reason.ends_with("found 1"))
    );
}

#[test]
fn a_repeated_id_in_a_labelled_file_names_both_lines() {
    let data = format!(
        "id\tlabel\ttext\nn1\tassertion\t{ASSERTION}\nn2\tdenial\t{DENIAL}\n\n\
         n1\tdenial\t{ASSERTION}\nn3\tallegation\t{ALLEGATION}\n n2 \tdenial\t{DENIAL}\n"
    );
    let items = read(&data, Format::Tsv, LabelPolicy::Required);
    assert_eq!(items.len(), 5);
    let err = items[2].as_ref().expect_err("n1 again");
    assert_eq!(
        err.to_string(),
        "data/train.tsv:5: id \"n1\" appears twice (first on line 2)"
    );
    assert!(err.is_row_error(), "a repeat is skippable like any bad row");
    assert!(matches!(&items[3], Ok(r) if r.id.as_deref() == Some("n3")));
    assert!(
        matches!(&items[4], Err(Error::Parse { line: 7, reason, .. })
        if reason == "id \"n2\" appears twice (first on line 3)")
    );

    // JSONL and CSV ids too; rows without ids may repeat; unlabelled input is not checked.
    let data = format!(
        "{{\"id\": 7, \"text\": \"{DENIAL}\", \"label\": \"denial\"}}\n\
         {{\"id\": \"7\", \"text\": \"{DENIAL}\", \"label\": \"assertion\"}}\n"
    );
    let items = read(&data, Format::Jsonl, LabelPolicy::Required);
    assert!(matches!(&items[1], Err(Error::Parse { line: 2, .. })));
    let data = format!("id,label,text\n1,denial,\"{DENIAL}\nأمس\"\n1,denial,{DENIAL}\n");
    let items = read(&data, Format::Csv, LabelPolicy::Required);
    assert!(
        matches!(&items[1], Err(Error::Parse { line: 4, reason, .. })
        if reason.ends_with("(first on line 2)"))
    );
    let data = format!("denial\t{DENIAL}\ndenial\t{DENIAL}\n");
    assert_eq!(records(&data, Format::Tsv, LabelPolicy::Required).len(), 2);
    let data = format!("id\ttext\n1\t{DENIAL}\n1\t{ASSERTION}\n");
    assert_eq!(records(&data, Format::Tsv, LabelPolicy::Optional).len(), 2);
}

#[test]
fn a_header_without_label_column_needs_optional_labels() {
    let data = format!("id\ttext\n1\t{DENIAL}\n");
    let items = read(&data, Format::Tsv, LabelPolicy::Required);
    assert_eq!(items.len(), 1);
    assert!(matches!(items[0], Err(Error::Parse { line: 1, .. })));
    let rows = records(&data, Format::Tsv, LabelPolicy::Optional);
    assert_eq!(rows[0].id.as_deref(), Some("1"));
    assert_eq!(rows[0].label, None);

    let data = format!("text\tsentence\n{DENIAL}\t{DENIAL}\n");
    let items = read(&data, Format::Tsv, LabelPolicy::Optional);
    assert!(matches!(items[..], [Err(Error::Parse { line: 1, .. })]));
}

#[test]
fn blank_lines_are_skipped_but_counted() {
    let data = format!("\n  \t \ndenial\t{DENIAL}\n\r\n\nassertion\t{ASSERTION}");
    let rows = records(&data, Format::Tsv, LabelPolicy::Required);
    assert_eq!(lines(&rows), [3, 6]);
}

#[test]
fn csv_handles_quotes_commas_newlines_and_line_numbers() {
    let data = format!(
        "\u{feff}id,label,text\r\n\
         1,denial,\"{DENIAL}, وأكدت أن \"\"التقرير\"\" كاذب\"\r\n\
         \r\n\
         2,assertion,\"{ASSERTION}\nفي دمشق\"\n\
         \n\
         3,allegation,{ALLEGATION}"
    );
    let rows = records(&data, Format::Csv, LabelPolicy::Required);
    assert_eq!(lines(&rows), [2, 4, 7]);
    assert_eq!(rows[0].text, format!("{DENIAL}, وأكدت أن \"التقرير\" كاذب"));
    assert_eq!(rows[1].text, format!("{ASSERTION} في دمشق"));
    assert_eq!(rows[2].text, ALLEGATION);
    assert_eq!(rows[2].label, Some(Stance::Allegation));
    assert_eq!(rows[2].id.as_deref(), Some("3"));

    // The same input handed over one byte at a time.
    let input = Box::new(BufReader::with_capacity(1, Cursor::new(data.into_bytes())));
    let path = PathBuf::from("-");
    let slow = RecordReader::from_reader(input, path, Format::Csv, LabelPolicy::Required)
        .expect("csv takes labels");
    let slow: Vec<Record> = slow.collect::<Result<_>>().expect("valid input");
    assert_eq!(lines(&slow), [2, 4, 7]);
    assert_eq!(slow[0].text, rows[0].text);
    assert_eq!(*slow[0].origin.path, *Path::new("-"));
}

#[test]
fn an_unbalanced_csv_quote_is_an_error_not_a_merged_row() {
    // no header: the label is the first column
    let data = format!("assertion,\"{ASSERTION}\ndenial,{DENIAL}\nallegation,{ALLEGATION}\n");
    let results = read(&data, Format::Csv, LabelPolicy::Required);
    let err = results[0].as_ref().unwrap_err().to_string();
    assert!(err.starts_with("data/train.tsv:1: a quoted field"), "{err}");
    assert!(err.contains("runs on into line 2"), "{err}");
    // a header puts the label in the second column; the quote closes two rows later
    let data = format!(
        "id,label,text\n1,assertion,\"{ASSERTION}\n2,denial,{DENIAL}\n3,allegation,\"{ALLEGATION}\n"
    );
    let results = read(&data, Format::Csv, LabelPolicy::Required);
    let err = results[0].as_ref().unwrap_err().to_string();
    assert!(
        err.starts_with("data/train.tsv:2: ") && err.contains("into line 3"),
        "{err}"
    );
}

#[test]
fn a_csv_quote_left_open_at_the_end_names_its_line() {
    let head = format!("id,label,text\n1,assertion,{ASSERTION}\n");
    let expected = "data/train.tsv:3: a quoted field opened on this line is never closed";
    for tail in [
        format!("2,denial,\"{DENIAL}"),
        format!("2,denial,\"{DENIAL}\n"),
        format!("2,denial,\"{DENIAL}\r\n\n"),
        format!("2,denial,\"{DENIAL}\"\" وأضاف\nأمس"),
        "\"".to_owned(),
        "\"\n\n".to_owned(),
    ] {
        let data = format!("{head}{tail}");
        for capacity in [1, 64 * 1024] {
            let input = Box::new(BufReader::with_capacity(
                capacity,
                Cursor::new(data.clone().into_bytes()),
            ));
            let path = PathBuf::from("data/train.tsv");
            let items: Vec<_> =
                RecordReader::from_reader(input, path, Format::Csv, LabelPolicy::Required)
                    .expect("csv takes labels")
                    .collect();
            assert_eq!(items.len(), 2, "{tail:?}");
            assert!(matches!(&items[0], Ok(r) if r.origin.line == 2), "{tail:?}");
            let err = items[1].as_ref().expect_err("quote left open").to_string();
            assert!(err.starts_with(expected), "{tail:?}: {err}");
            assert!(matches!(&items[1], Err(e) if e.is_row_error()));
        }
    }
    // The quote opens on the record's second line, after a field closed there.
    let data =
        format!("id,note,label,text\n1,,assertion,{ASSERTION}\n2,\"تصريح\n\",denial,\"{DENIAL}");
    let items = read(&data, Format::Csv, LabelPolicy::Required);
    assert!(
        matches!(&items[1], Err(Error::Parse { line: 4, reason, .. })
        if reason.starts_with("a quoted field opened on this line is never closed"))
    );

    // A quote closed at the very end, or a quote inside an unquoted field, is fine.
    let data = format!("{head}2,denial,\"{DENIAL}\nأمس\"");
    assert_eq!(records(&data, Format::Csv, LabelPolicy::Required).len(), 2);
    let data = format!("{head}2,denial,{DENIAL} \"أمس");
    assert_eq!(records(&data, Format::Csv, LabelPolicy::Required).len(), 2);
}

#[test]
fn csv_rows_are_checked_like_tsv_rows() {
    let data = format!(
        "denial,\"{DENIAL}\"\nassertion\n\"multi\nline\",x,{ASSERTION}\nrumour,{ALLEGATION}\n"
    );
    let items = read(&data, Format::Csv, LabelPolicy::Required);
    assert_eq!(items.len(), 4);
    assert!(matches!(&items[0], Ok(r) if r.label == Some(Stance::Denial) && r.text == DENIAL));
    assert!(
        matches!(&items[1], Err(Error::Parse { line: 2, reason, .. })
        if reason == "expected 2 comma-separated fields (label, text), found 1")
    );
    assert!(matches!(items[2], Err(Error::Parse { line: 3, .. })));
    assert!(matches!(items[3], Err(Error::Parse { line: 5, .. })));

    let mut data = b"label,text\ndenial,\xff\n".to_vec();
    data.extend_from_slice(format!("assertion,{ASSERTION}\n").as_bytes());
    let items: Vec<_> = reader(&data, Format::Csv, LabelPolicy::Required).collect();
    assert!(matches!(
        items[..],
        [Err(Error::Parse { line: 2, .. }), Ok(_)]
    ));
}

#[test]
fn jsonl_reads_ids_labels_and_passes_other_fields_through() {
    let data = format!(
        "{{\"id\": 17, \"text\": \"{DENIAL}\", \"label\": \"denial\", \"source\": \"SANA\", \"score\": 0.5}}\n\
         {{\"text\": \"{ASSERTION}\\nاليوم\", \"id\": \"a-2\", \"label\": \"assertion\", \"tags\": [1, 2]}}\n"
    );
    let rows = records(&data, Format::Jsonl, LabelPolicy::Required);
    assert_eq!(rows[0].id.as_deref(), Some("17"));
    assert_eq!(rows[0].label, Some(Stance::Denial));
    let keys: Vec<&str> = rows[0].extra.keys().map(String::as_str).collect();
    assert_eq!(keys, ["source", "score"]);
    assert_eq!(rows[0].extra["score"], Value::from(0.5));
    assert_eq!(rows[1].id.as_deref(), Some("a-2"));
    assert_eq!(rows[1].text, format!("{ASSERTION} اليوم"));
    assert_eq!(rows[1].extra["tags"], serde_json::json!([1, 2]));
}

#[test]
fn bad_json_lines_are_row_errors() {
    let data = format!(
        "{{\"text\": \"{DENIAL}\", \"label\": \"denial\"\n\
         [1, 2]\n\
         {{\"text\": 5, \"label\": \"denial\"}}\n\
         {{\"label\": \"denial\"}}\n\
         {{\"text\": \"{DENIAL}\"}}\n\
         {{\"text\": \"{DENIAL}\", \"label\": \"denial\", \"id\": true}}\n\
         {{\"text\": \"{DENIAL}\", \"label\": \"denial\"}}\n"
    );
    let items = read(&data, Format::Jsonl, LabelPolicy::Required);
    assert_eq!(items.len(), 7);
    for (i, item) in items[..6].iter().enumerate() {
        assert!(
            matches!(item, Err(Error::Parse { line, .. }) if *line == i + 1),
            "{item:?}"
        );
    }
    assert!(
        matches!(&items[0], Err(Error::Parse { reason, .. }) if reason.starts_with("invalid JSON: "))
    );
    assert!(items[6].is_ok());
    // Without required labels, a record without one is fine.
    let rows = records(
        &format!("{{\"text\": \"{DENIAL}\"}}"),
        Format::Jsonl,
        LabelPolicy::Optional,
    );
    assert_eq!(rows[0].label, None);
}

#[test]
fn fasttext_reads_one_label_per_line() {
    let data = format!(
        "__label__denial {DENIAL}\n\
         __label__allegation\t{ALLEGATION}\n\
         __label__denial __label__assertion {DENIAL}\n\
         {ASSERTION}\n\
         __label__denial\n"
    );
    let items = read(&data, Format::Fasttext, LabelPolicy::Required);
    assert!(matches!(&items[0], Ok(r) if r.label == Some(Stance::Denial) && r.text == DENIAL));
    assert!(
        matches!(&items[1], Ok(r) if r.label == Some(Stance::Allegation) && r.text == ALLEGATION)
    );
    assert!(
        matches!(&items[2], Err(Error::Parse { line: 3, reason, .. }) if reason.starts_with("several labels"))
    );
    assert!(
        matches!(&items[3], Err(Error::Parse { line: 4, reason, .. }) if reason == "missing label")
    );
    assert!(
        matches!(&items[4], Err(Error::Parse { line: 5, reason, .. }) if reason == "empty text")
    );

    let rows = records(
        &format!("{ASSERTION}\n"),
        Format::Fasttext,
        LabelPolicy::Optional,
    );
    assert_eq!((rows[0].label, rows[0].text.as_str()), (None, ASSERTION));
}

#[test]
fn text_format_reads_whole_lines_without_labels() {
    let data = format!("  {DENIAL}\t{ASSERTION} \n\n{ALLEGATION}\n");
    let rows = records(&data, Format::Text, LabelPolicy::Optional);
    assert_eq!(rows[0].text, format!("{DENIAL}\t{ASSERTION}"));
    assert_eq!(rows[1].text, ALLEGATION);
    assert_eq!(lines(&rows), [1, 3]);
    assert!(rows.iter().all(|r| r.label.is_none()));
    let input = Box::new(Cursor::new(format!("{DENIAL}\n\n \n").into_bytes()));
    let mut reader =
        RecordReader::from_reader(input, "-".into(), Format::Text, LabelPolicy::Optional).unwrap();
    assert_eq!(reader.by_ref().count(), 1);
    assert_eq!(reader.lines_read(), 3, "trailing blank lines are counted");

    let input = Box::new(Cursor::new(Vec::new()));
    let err = RecordReader::from_reader(input, "-".into(), Format::Text, LabelPolicy::Required)
        .err()
        .expect("text has no labels");
    assert!(matches!(err, Error::Data(_)));
    let err = read_records(Path::new("-"), Format::Text, LabelPolicy::Required).unwrap_err();
    assert!(matches!(err, Error::Data(_)));
}

#[test]
fn open_reads_files_and_names_stdin_dash() {
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    write!(
        file,
        "label\ttext\ndenial\t{DENIAL}\nassertion\t{ASSERTION}\n"
    )
    .expect("write");
    let rows = read_records(file.path(), Format::Tsv, LabelPolicy::Required).expect("valid file");
    assert_eq!(rows.len(), 2);
    assert_eq!(*rows[1].origin.path, *file.path());
    assert_eq!(rows[1].origin.line, 3);

    let stdin = RecordReader::open(Path::new("-"), Format::Tsv, LabelPolicy::Optional)
        .expect("stdin opens");
    assert_eq!(stdin.path(), Path::new("-"));
}

#[test]
fn read_records_stops_at_the_first_error() {
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    write!(file, "denial\t{DENIAL}\nnone\t{DENIAL}\nx\t{DENIAL}\n").expect("write");
    let err = read_records(file.path(), Format::Tsv, LabelPolicy::Required).unwrap_err();
    assert!(matches!(err, Error::Parse { line: 2, .. }));

    let missing = file.path().with_extension("missing");
    let err = read_records(&missing, Format::Tsv, LabelPolicy::Required).unwrap_err();
    assert!(matches!(err, Error::Io { ref path, .. } if *path == missing));
}

/// A reader that fails after its first line.
struct Failing(Cursor<Vec<u8>>);

impl Read for Failing {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        match self.0.read(out)? {
            0 => Err(io::Error::other("disk on fire")),
            n => Ok(n),
        }
    }
}

#[test]
fn an_io_error_ends_the_iteration() {
    for (format, first) in [
        (Format::Tsv, format!("denial\t{DENIAL}\n")),
        (Format::Csv, format!("denial,{DENIAL}\n")),
    ] {
        let input = Box::new(BufReader::new(Failing(Cursor::new(first.into_bytes()))));
        let mut rows = RecordReader::from_reader(input, "in".into(), format, LabelPolicy::Required)
            .expect("labels allowed");
        assert!(matches!(rows.next(), Some(Ok(_))));
        assert!(matches!(rows.next(), Some(Err(Error::Io { .. }))));
        assert!(rows.next().is_none());
    }
}

//! Every record reader on arbitrary bytes: no panic, rows in line order, no empty text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stance::data::reader::RecordReader;
use stance::data::{Format, LabelPolicy};
use std::io::Cursor;

fuzz_target!(|data: &[u8]| {
    for format in [Format::Tsv, Format::Csv, Format::Jsonl, Format::Fasttext, Format::Text] {
        for labels in [LabelPolicy::Optional, LabelPolicy::Required] {
            let input = Box::new(Cursor::new(data.to_vec()));
            let Ok(reader) = RecordReader::from_reader(input, "fuzz".into(), format, labels) else {
                continue;
            };
            let mut last_line = 0;
            for item in reader {
                let Ok(record) = item else { continue };
                assert!(record.origin.line > last_line, "{format:?}: lines go forward");
                last_line = record.origin.line;
                assert!(!record.text.trim().is_empty(), "{format:?}: a record has text");
                if labels == LabelPolicy::Required {
                    assert!(record.label.is_some(), "{format:?}: a required label is there");
                }
            }
        }
    }
});

//! The e5 tokenizer, as `E5Tokenizer` in `bench/e5_finetune_probe.py` (itself e5.c's
//! tokenizer): goes in a sentence, comes out its token ids, `<s> ... </s>`.
//!
//! The prefix (`query: `, `passage: ` or none) is put before the text and the file's
//! per-character normalisation map applied (by hand, as Python's `str.translate`: no
//! `tokenizers` normaliser maps single characters to strings from a table). The rest is a
//! `tokenizers` pipeline: runs of two or more spaces collapsed, spaces turned into "▁" with
//! one "▁" prepended, characters that no piece contains split off on their own, Viterbi over
//! the unigram pieces, then `<s>` and `</s>` around. e5.c gives every unknown character its
//! own `<unk>`, while `tokenizers`' Unigram fuses a run of them into one; splitting them off
//! first keeps them apart, and changes nothing else since no piece can span them.

use super::file::E5File;
use crate::error::{Error, Result};
use std::collections::{BTreeSet, HashMap};
use std::fmt::Write;
use tokenizers::models::unigram::Unigram;
use tokenizers::normalizers::replace::{Replace, ReplacePattern};
use tokenizers::pre_tokenizers::metaspace::{Metaspace, PrependScheme};
use tokenizers::pre_tokenizers::sequence::Sequence;
use tokenizers::pre_tokenizers::split::{Split, SplitPattern};
use tokenizers::processors::template::TemplateProcessing;
use tokenizers::{SplitDelimiterBehavior, Tokenizer};

/// The text e5 expects before a sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum E5Prefix {
    /// `query: `, the model card's advice for classification.
    Query,
    /// `passage: `.
    Passage,
    /// No prefix.
    None,
}

impl E5Prefix {
    /// The prefix's text.
    pub fn as_str(self) -> &'static str {
        match self {
            E5Prefix::Query => "query: ",
            E5Prefix::Passage => "passage: ",
            E5Prefix::None => "",
        }
    }
}

/// Sentences to e5 token ids.
#[derive(Debug, Clone)]
pub struct E5Tokenizer {
    tokenizer: Tokenizer,
    prefix: E5Prefix,
    norm_map: HashMap<char, String>,
    eos: u32,
    pad: u32,
}

fn tokenizer_error(e: impl std::fmt::Display) -> Error {
    Error::Tokenizer(format!("e5 tokenizer: {e}"))
}

impl E5Tokenizer {
    /// The tokenizer of `file`'s pieces, scores and normalisation map, putting `prefix` before
    /// every sentence.
    ///
    /// # Errors
    /// [`Error::Tokenizer`] if a `tokenizers` component cannot be built (a piece list the
    /// Unigram model refuses).
    pub fn new(file: &E5File, prefix: E5Prefix) -> Result<E5Tokenizer> {
        let vocab = &file.vocab;
        let pieces: Vec<(String, f64)> = vocab
            .pieces
            .iter()
            .cloned()
            .zip(vocab.scores.iter().map(|&s| f64::from(s)))
            .collect();
        let unigram =
            Unigram::from(pieces, Some(vocab.unk as usize), false).map_err(tokenizer_error)?;
        let mut tokenizer = Tokenizer::new(unigram);
        let spaces =
            Replace::new(ReplacePattern::Regex(" {2,}".into()), " ").map_err(tokenizer_error)?;
        tokenizer
            .with_normalizer(Some(spaces))
            .map_err(tokenizer_error)?;
        let known: BTreeSet<char> = vocab
            .pieces
            .iter()
            .flat_map(|p| p.chars())
            .chain([' '])
            .collect();
        let unknown = format!("[^{}]", char_class(&known));
        tokenizer.with_pre_tokenizer(Some(Sequence::new(vec![
            Metaspace::new('▁', PrependScheme::Always, false).into(),
            Split::new(
                SplitPattern::Regex(unknown),
                SplitDelimiterBehavior::Isolated,
                false,
            )
            .map_err(tokenizer_error)?
            .into(),
        ])));
        let template = TemplateProcessing::builder()
            .try_single("<s> $A </s>")
            .map_err(tokenizer_error)?
            .special_tokens(vec![("<s>", vocab.bos), ("</s>", vocab.eos)])
            .build()
            .map_err(tokenizer_error)?;
        tokenizer.with_post_processor(Some(template));
        Ok(E5Tokenizer {
            tokenizer,
            prefix,
            norm_map: file.norm_map.clone(),
            eos: vocab.eos,
            pad: vocab.pad,
        })
    }

    /// The vocabulary's `<pad>` id, to pad batches with.
    pub fn pad(&self) -> u32 {
        self.pad
    }

    /// The prefix put before every sentence.
    pub fn prefix(&self) -> E5Prefix {
        self.prefix
    }

    /// The prefix and `text`, each character replaced by what the normalisation map says
    /// (once, not again in the replacement; `""` drops it), as Python's `str.translate`.
    pub fn translate(&self, text: &str) -> String {
        let mut out = String::with_capacity(self.prefix.as_str().len() + text.len());
        for c in self.prefix.as_str().chars().chain(text.chars()) {
            match self.norm_map.get(&c) {
                Some(replacement) => out.push_str(replacement),
                None => out.push(c),
            }
        }
        out
    }

    /// The token ids of each of `texts`, `<s>` and `</s>` included. With `max_len`, a longer
    /// sentence keeps its first `max_len - 1` ids and ends with `</s>` (e5.c's head cap).
    ///
    /// # Errors
    /// [`Error::InvalidParam`] if `max_len` is below 2 (room for `<s>` and `</s>`);
    /// [`Error::Tokenizer`] if `tokenizers` fails on a sentence.
    pub fn encode<S: AsRef<str>>(
        &self,
        texts: &[S],
        max_len: Option<usize>,
    ) -> Result<Vec<Vec<u32>>> {
        if let Some(max_len) = max_len.filter(|&m| m < 2) {
            return Err(Error::InvalidParam {
                name: "max-len",
                value: max_len.to_string(),
                reason: "at least 2 (<s> and </s>)".into(),
            });
        }
        texts
            .iter()
            .map(|text| {
                let encoding = self
                    .tokenizer
                    .encode(self.translate(text.as_ref()), true)
                    .map_err(tokenizer_error)?;
                let mut ids = encoding.get_ids().to_vec();
                if let Some(max_len) = max_len.filter(|&m| ids.len() > m) {
                    ids.truncate(max_len - 1);
                    ids.push(self.eos);
                }
                Ok(ids)
            })
            .collect()
    }
}

/// A regex character-class body matching `chars`, as ranges of consecutive codepoints
/// (`\x{61}-\x{7a}`), so the class of the ~14,000 characters of the pieces stays short.
fn char_class(chars: &BTreeSet<char>) -> String {
    let mut out = String::new();
    let mut chars = chars.iter().map(|&c| c as u32).peekable();
    while let Some(start) = chars.next() {
        let mut end = start;
        while chars.peek() == Some(&(end + 1)) {
            end += 1;
            chars.next();
        }
        write!(out, "\\x{{{start:x}}}").expect("writing to a String");
        if end > start {
            write!(out, "-\\x{{{end:x}}}").expect("writing to a String");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::tiny_model::{model_bytes, tiny_config};
    use super::*;

    /// Pieces <s> 0, <pad> 1, </s> 2, <unk> 3, ▁a 4, b 5, ▁ 6, q 7, ue 8, ry 9; é → e, tatweel
    /// dropped, ß → ss.
    fn tokenizer(prefix: E5Prefix) -> E5Tokenizer {
        let bytes = model_bytes(
            &tiny_config(),
            &["▁a", "b", "▁", "q", "ue", "ry"],
            &[('é', "e"), ('\u{640}', ""), ('ß', "ss")],
            |_, _| 0.0,
        );
        E5Tokenizer::new(&E5File::parse("tiny.bin", &bytes).unwrap(), prefix).unwrap()
    }

    #[test]
    fn char_class_joins_consecutive_codepoints_into_ranges() {
        let chars: BTreeSet<char> = ['a', 'b', 'c', 'x', 'é', 'ê'].into_iter().collect();
        assert_eq!(char_class(&chars), "\\x{61}-\\x{63}\\x{78}\\x{e9}-\\x{ea}");
    }

    #[test]
    fn translate_maps_each_character_once_and_drops_empty_replacements() {
        let tok = tokenizer(E5Prefix::Query);
        assert_eq!(tok.translate("éaـbß"), "query: eabss");
        assert_eq!(tokenizer(E5Prefix::None).translate("ss"), "ss");
    }

    #[test]
    fn encodes_with_bos_eos_metaspace_and_collapsed_spaces() {
        let tok = tokenizer(E5Prefix::None);
        let ids = tok.encode(&["ab", "a  b", "a b", ""], None).unwrap();
        assert_eq!(ids[0], [0, 4, 5, 2]);
        assert_eq!(ids[1], [0, 4, 6, 5, 2]);
        assert_eq!(ids[2], ids[1]);
        assert_eq!(ids[3], [0, 2]);
    }

    #[test]
    fn every_unknown_character_is_its_own_unk() {
        let tok = tokenizer(E5Prefix::None);
        // ق and ك are in no piece: three <unk>s, not one for the run.
        assert_eq!(tok.encode(&["aققك"], None).unwrap()[0], [0, 4, 3, 3, 3, 2]);
    }

    #[test]
    fn the_prefix_is_tokenized_with_the_text() {
        let tok = tokenizer(E5Prefix::Query);
        // "query: a" -> "▁query:▁a": ▁ q ue ry <unk for :> ▁a
        assert_eq!(
            tok.encode(&["a"], None).unwrap()[0],
            [0, 6, 7, 8, 9, 3, 4, 2]
        );
    }

    #[test]
    fn max_len_keeps_the_head_and_ends_with_eos() {
        let tok = tokenizer(E5Prefix::None);
        let ids = tok.encode(&["ab ab", "ab"], Some(4)).unwrap();
        assert_eq!(ids[0], [0, 4, 5, 2]);
        assert_eq!(ids[1], [0, 4, 5, 2]);
        assert_eq!(tok.encode(&["ab ab"], Some(3)).unwrap()[0], [0, 4, 2]);
        let err = tok.encode(&["ab"], Some(1)).unwrap_err();
        assert!(matches!(
            err,
            Error::InvalidParam {
                name: "max-len",
                ..
            }
        ));
    }
}

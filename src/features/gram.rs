//! What a feature is: its kind (which also separates the kinds' hash spaces), its n-gram as it
//! is hashed and as people read it, and one occurrence of it in a sentence.

use crate::features::hashing::Fnv1a;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The kind of a feature; also its hash namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FeatureKind {
    /// A word (or its proclitic-stripped form).
    Word,
    /// A sequence of two or three words.
    WordNgram,
    /// A character n-gram of a word padded with `<` and `>`.
    Chars,
    /// A word among the first words of the sentence.
    Lead,
    /// A word tagged with the kind of clause it stands in.
    Clause,
    /// A lexicon cue: its label and position.
    Cue,
}

impl FeatureKind {
    fn namespace(self) -> u8 {
        match self {
            FeatureKind::Word => b'w',
            FeatureKind::WordNgram => b'b',
            FeatureKind::Chars => b'c',
            FeatureKind::Lead => b'l',
            FeatureKind::Clause => b'k',
            FeatureKind::Cue => b'q',
        }
    }
}

/// A feature's n-gram, borrowed from the tokens; displayed as people read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gram<'a> {
    /// One word.
    Word(&'a str),
    /// Several words.
    Words(&'a [&'a str]),
    /// A word tagged with its clause kind.
    Tagged(&'static str, &'a str),
    /// Characters of a padded word.
    Chars(&'a str),
}

impl Gram<'_> {
    pub(crate) fn hash(&self, kind: FeatureKind) -> Fnv1a {
        let mut h = Fnv1a::new(kind.namespace());
        match self {
            Gram::Word(w) | Gram::Chars(w) => h.write(w.as_bytes()),
            Gram::Tagged(tag, w) => {
                h.write(tag.as_bytes());
                h.write(b":");
                h.write(w.as_bytes());
            }
            Gram::Words(words) => {
                for (i, w) in words.iter().enumerate() {
                    if i > 0 {
                        h.write(b" ");
                    }
                    h.write(w.as_bytes());
                }
            }
        }
        h
    }
}

impl fmt::Display for Gram<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Gram::Word(w) => f.write_str(w),
            Gram::Words(words) => f.write_str(&words.join(" ")),
            Gram::Chars(c) => write!(f, "[{c}]"),
            Gram::Tagged(tag, w) => write!(f, "{tag}:{w}"),
        }
    }
}

/// One feature occurrence, as the walker reports it.
#[derive(Debug, Clone, Copy)]
pub struct Occurrence<'a> {
    /// What kind of n-gram.
    pub kind: FeatureKind,
    /// Its bucket.
    pub bucket: u32,
    /// The first and one-past-last token index it covers.
    pub tokens: (usize, usize),
    /// The n-gram itself.
    pub gram: Gram<'a>,
}

impl Occurrence<'_> {
    /// The feature as people read it: the n-gram, `[..]` around character n-grams and a
    /// leading `^` on lead words.
    pub fn name(&self) -> String {
        match self.kind {
            FeatureKind::Lead => format!("^{}", self.gram),
            _ => self.gram.to_string(),
        }
    }
}

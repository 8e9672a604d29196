//! Sentences labelled although they hold no Arabic letter (only Latin, digits, punctuation,
//! emoji or invisible marks): their label means nothing, so `predict` and `article` count them
//! and close with one warning listing where the first few came from.

/// How many places the closing warning lists.
const LISTED: usize = 5;

/// The sentences labelled although they hold no Arabic letter: how many, and where the first
/// few came from.
#[derive(Debug, Default)]
pub struct NoArabic {
    count: usize,
    first: Vec<String>,
}

impl NoArabic {
    /// Notes one such sentence; `place` says where it came from.
    pub fn note(&mut self, place: impl FnOnce() -> String) {
        self.count += 1;
        if self.first.len() < LISTED {
            self.first.push(place());
        }
    }

    /// Adds the sentences of a later part of the input.
    pub fn extend(&mut self, later: NoArabic) {
        self.count += later.count;
        let room = LISTED.saturating_sub(self.first.len());
        self.first.extend(later.first.into_iter().take(room));
    }

    /// The closing warning, if any sentence had no Arabic letter.
    pub fn warning(&self) -> Option<String> {
        if self.count == 0 {
            return None;
        }
        let more = if self.count > self.first.len() {
            ", ..."
        } else {
            ""
        };
        Some(format!(
            "warning: {} {} no Arabic letter, so {} label means nothing: {}{more} \
             (JSONL marks {} \"no_arabic\": true)",
            self.count,
            if self.count == 1 {
                "sentence has"
            } else {
                "sentences have"
            },
            if self.count == 1 { "its" } else { "each" },
            self.first.join(", "),
            if self.count == 1 { "it" } else { "them" },
        ))
    }
}

//! The Arabic word lists the features and the article segmenter consult, in one place: function
//! words, negations, complementisers, clause connectives, relative pronouns, participle shapes,
//! byline openers and date words. (The stance cues themselves are generated from stems in
//! [`crate::text::lexicon`], with the guideline's first cue list in [`crate::text::cues`].)
//!
//! Every list is written in the default normaliser's form: alef forms, ى and ة folded,
//! diacritics stripped. A featurizer whose normaliser folds less folds words before it looks
//! them up (`Featurizer`'s `words_folded`), so no normaliser switch turns a list off.

use crate::text::classes::at_least_chars;

/// Function words (after normalisation and proclitic stripping) whose unigrams carry no stance.
pub const FUNCTION_WORDS: &[&str] = &[
    "في",
    "من",
    "الي",
    "علي",
    "عن",
    "مع",
    "الذي",
    "التي",
    "الذين",
    "اللذين",
    "هذا",
    "هذه",
    "ذلك",
    "تلك",
    "هولاء",
    "كان",
    "كانت",
    "قد",
    "ثم",
    "او",
    "هو",
    "هي",
    "هم",
    "بين",
    "حول",
    "خلال",
    "بعد",
    "قبل",
    "عند",
    "منذ",
    "حتي",
    "كما",
    "لدي",
    "نحو",
    "ضد",
    "عبر",
    "امام",
    "وراء",
    "فوق",
    "تحت",
    "الا",
    "ان",
    "انه",
    "انها",
    "اذا",
    "حيث",
    "فيه",
    "فيها",
    "منه",
    "منها",
    "له",
    "لها",
    "لهم",
    "به",
    "بها",
    "عليه",
    "عليها",
    "كل",
    "بعض",
    "ايضا",
    "اليوم",
    "امس",
    "وقت",
];

/// A set of words with a fast hasher.
pub type WordSet = std::collections::HashSet<&'static str, foldhash::fast::FixedState>;

/// [`FUNCTION_WORDS`] as a set, built once: it is asked about every word of every sentence.
pub fn function_words() -> &'static WordSet {
    static SET: std::sync::OnceLock<WordSet> = std::sync::OnceLock::new();
    SET.get_or_init(|| FUNCTION_WORDS.iter().copied().collect())
}

/// Words that negate the word after them.
pub const NEGATIONS: &[&str] = &[
    "لا", "لم", "لن", "ما", "ليس", "ليست", "غير", "عدم", "دون", "بدون",
];
/// Complementisers that open reported content.
pub const COMPLEMENTISERS: &[&str] = &[
    "ان",
    "انه",
    "انها",
    "انهم",
    "بان",
    "بانه",
    "بانها",
    "لان",
    "لانه",
    "لانها",
];

/// Whether `word` is a connective that opens a coordinated clause (normalised: alef, yeh, teh
/// marbuta folded). A `matches!` of literals rather than a search of a slice: the compiler
/// compares with constants of known length inline, with no call per candidate.
pub fn is_connective(word: &str) -> bool {
    matches!(
        word,
        "فيما"
            | "بينما"
            | "لكن"
            | "لكنه"
            | "لكنها"
            | "لكنهم"
            | "ولكن"
            | "وبينما"
            | "وفيما"
    )
}
/// Whether `word` followed by `next` is a two-word connective.
pub fn is_connective_pair(word: &str, next: &str) -> bool {
    matches!(
        (word, next),
        ("في", "حين") | ("الا", "ان") | ("غير", "ان") | ("في", "المقابل")
    )
}

/// True for a word shaped like an active participle of a reporting or accusing verb
/// (مشيرا، مؤكدة، متهمين، نافيا ...): starts with م, at least five letters, ends in ا، ه or ين.
pub fn is_participle(word: &str) -> bool {
    word.starts_with('م')
        && at_least_chars(word, 5)
        && (word.ends_with('ا') || word.ends_with('ه') || word.ends_with("ين"))
        || matches!(
            word,
            "نافيا"
                | "نافيه"
                | "قائلا"
                | "قائله"
                | "زاعما"
                | "زاعمه"
                | "واصفا"
                | "واصفه"
        )
}

/// Whether `word` is a relative pronoun (normalised) that opens a relative clause.
pub fn is_relative(word: &str) -> bool {
    matches!(
        word,
        "الذي"
            | "التي"
            | "الذين"
            | "اللذين"
            | "اللتين"
            | "اللاتي"
            | "اللواتي"
            | "اللائي"
    )
}

/// Words opening a byline.
pub const BYLINE_OPENERS: &[&str] = &[
    "بقلم",
    "كتب",
    "كتبت",
    "إعداد",
    "اعداد",
    "تحرير",
    "المصدر",
    "مراسل",
    "مراسلنا",
];
/// Day and month names that mark a dateline.
pub const DATE_WORDS: &[&str] = &[
    "السبت",
    "الأحد",
    "الاحد",
    "الاثنين",
    "الإثنين",
    "الثلاثاء",
    "الأربعاء",
    "الاربعاء",
    "الخميس",
    "الجمعة",
    "يناير",
    "فبراير",
    "مارس",
    "أبريل",
    "ابريل",
    "مايو",
    "يونيو",
    "يوليو",
    "أغسطس",
    "اغسطس",
    "سبتمبر",
    "أكتوبر",
    "اكتوبر",
    "نوفمبر",
    "ديسمبر",
    "جانفي",
    "فيفري",
    "أفريل",
    "ماي",
    "جوان",
    "جويلية",
    "أوت",
    "كانون",
    "شباط",
    "آذار",
    "نيسان",
    "أيار",
    "حزيران",
    "تموز",
    "آب",
    "أيلول",
    "تشرين",
];

//! The stance cue lexicon with Arabic morphology: each cue verb in its perfect and imperfect
//! forms with subject and object suffixes (اتهمه، ويتهمونها، اتهموه، نفته), the nouns derived from
//! it (اتهامات، مزاعمهم، إنكاره), its active participle (متهماً، نافياً) and, for زعم, the adjective
//! (المزعومة), plus the guideline's fixed phrases (لا صحة، غير مؤكدة، لم يتسنّ التحقق، لم تؤكد).
//!
//! Two versions, since a model's features must never change under it: version 2 as first
//! written, and version 3, which adds what error analysis on the real training folds found
//! missing (dual and feminine-plural object suffixes: اتهماه، ويتهمهما، واتهمتاه، وتتهمهن; the
//! impersonal hedges the guideline names: يُعتقد أن، يُرجّح أن، يشتبه; unverifiability and
//! distancing phrases: ليس من المؤكد، لم يتم التأكد، على حد قوله، بدعوى، دون تقديم أدلة; the
//! charge sheet: القرار الاتهامي) and stops reading بينهم، بينهما (between them) as the verb بيّن.
//!
//! In: words after normalisation. Out: the cues among them, each with the label it suggests
//! and its grammatical form, since the guideline decides by where and how a cue stands (a
//! verb heading the sentence is its act; a noun or an adjective names something, rule 1).
//!
//! Hand-written: no crate analyses Arabic morphology in Rust. The surface forms are generated
//! once from stems, prefixes and suffixes into a hash map. Words are folded here (alef forms,
//! ى, ة, diacritics) whatever the model's normaliser settings, so switching a normaliser rule
//! off never switches the lexicon off.

use crate::label::Stance;
use crate::text::classes::at_least_chars;
use crate::text::ending::{Ending, EndingFilter};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{LazyLock, OnceLock};

/// The hash maps here hold a few thousand short keys and are read for every word of every
/// sentence: foldhash hashes them several times faster than the default SipHash.
type FastMap<K, V> = HashMap<K, V, foldhash::fast::FixedState>;

/// The grammatical form a cue takes in the sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CueForm {
    /// A finite verb (نفت، يتهم، زعموا).
    Verb,
    /// A noun (اتهامات، مزاعم، إنكار).
    Noun,
    /// An active participle, usually opening a trailing clause (متهماً، نافياً).
    Participle,
    /// An adjective qualifying a noun (المزعومة).
    Modifier,
    /// A fixed phrase (لا صحة، غير مؤكدة).
    Phrase,
}

impl CueForm {
    /// Every form, in tag order.
    pub const ALL: [CueForm; 5] = [
        CueForm::Verb,
        CueForm::Noun,
        CueForm::Participle,
        CueForm::Modifier,
        CueForm::Phrase,
    ];

    /// The form's position in [`CueForm::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// A cue found among a sentence's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LexiconCue {
    /// Index of the cue's first word.
    pub word: usize,
    /// How many words it spans.
    pub len: usize,
    /// The label it suggests.
    pub label: Stance,
    /// Its form.
    pub form: CueForm,
}

/// Verb stems: (perfect stems with their suffixes, imperfect stem after the person prefix with
/// its suffixes, label).
struct VerbFamily {
    perfect: &'static [&'static str],
    imperfect: &'static [&'static str],
    label: Stance,
}

/// Subject and object suffixes of the perfect.
const PERFECT_SUFFIXES: &[&str] = &[
    "", "ت", "وا", "ا", "نا", "ه", "ها", "هم", "ته", "تها", "تهم", "وه", "وها", "وهم", "تا",
];
/// Suffixes of the imperfect.
const IMPERFECT_SUFFIXES: &[&str] = &[
    "", "ون", "ان", "ه", "ها", "هم", "ونه", "ونها", "ونهم", "انه",
];
/// Object suffixes version 3 adds to the perfect: a dual subject with an object (اتهماه،
/// اتهمتاه), dual and feminine-plural objects (اتهمهما، اتهمتهن).
const PERFECT_SUFFIXES_V3: &[&str] = &[
    "اه", "اها", "اهم", "هما", "هن", "تهما", "تهن", "تاه", "تاها", "تاهم", "وهما",
];
/// Suffixes version 3 adds to the imperfect (يتهمهما، تتهمهن، يتهمانها).
const IMPERFECT_SUFFIXES_V3: &[&str] = &["هما", "هن", "انها", "انهم", "ونهما"];
/// Person prefixes of the imperfect.
const IMPERFECT_PREFIXES: &[&str] = &["ي", "ت", "ن"];

const VERBS: &[VerbFamily] = &[
    // denial
    VerbFamily {
        perfect: &[
            "نفي",
            "نفت",
            "نفوا",
            "نفينا",
            "نفاه",
            "نفاها",
            "نفاهم",
            "نفته",
            "نفتها",
            "نفيا",
        ],
        imperfect: &[
            "نفي",
            "نفون",
            "نفيان",
            "نفيه",
            "نفيها",
            "نفيهم",
            "نفونه",
            "نفونها",
        ],
        label: Stance::Denial,
    },
    VerbFamily {
        perfect: &["انكر"],
        imperfect: &["نكر"],
        label: Stance::Denial,
    },
    VerbFamily {
        perfect: &["كذبت", "كذبوا"],
        imperfect: &["كذب"],
        label: Stance::Denial,
    },
    VerbFamily {
        perfect: &["دحض", "فند", "تبرا", "استبعد"],
        imperfect: &["دحض", "فند", "تبرا", "ستبعد"],
        label: Stance::Denial,
    },
    // allegation
    VerbFamily {
        perfect: &["اتهم"],
        imperfect: &["تهم"],
        label: Stance::Allegation,
    },
    VerbFamily {
        perfect: &["زعم"],
        imperfect: &["زعم"],
        label: Stance::Allegation,
    },
    VerbFamily {
        perfect: &["ادعي", "ادعت", "ادعوا", "ادعيا"],
        imperfect: &["دعي", "دعيان"],
        label: Stance::Allegation,
    },
    VerbFamily {
        perfect: &["اشيع"],
        imperfect: &["شاع"],
        label: Stance::Allegation,
    },
    // assertion
    VerbFamily {
        perfect: &[
            "اكد",
            "اعلن",
            "كشف",
            "اوضح",
            "قال",
            "ذكر",
            "افاد",
            "صرح",
            "اشار",
            "اضاف",
            "شدد",
            "اعترف",
            "اظهر",
            "وثق",
            "بين",
        ],
        imperfect: &[
            "ؤكد", "علن", "كشف", "وضح", "قول", "ذكر", "فيد", "صرح", "شير", "ضيف", "شدد", "عترف",
            "ظهر", "وثق",
        ],
        label: Stance::Assertion,
    },
];

/// Nouns, participles and adjectives: (stem, label, form); nouns also take possessive suffixes.
const OTHER_WORDS: &[(&str, Stance, CueForm)] = &[
    ("نفيه", Stance::Denial, CueForm::Noun),
    ("نفيها", Stance::Denial, CueForm::Noun),
    ("نفيهم", Stance::Denial, CueForm::Noun),
    ("انكار", Stance::Denial, CueForm::Noun),
    ("تكذيب", Stance::Denial, CueForm::Noun),
    ("تفنيد", Stance::Denial, CueForm::Noun),
    ("شائعات", Stance::Denial, CueForm::Noun),
    ("اشاعات", Stance::Denial, CueForm::Noun),
    ("اكاذيب", Stance::Denial, CueForm::Noun),
    ("افتراء", Stance::Denial, CueForm::Noun),
    ("افتراءات", Stance::Denial, CueForm::Noun),
    ("باطله", Stance::Denial, CueForm::Modifier),
    ("مغرضه", Stance::Denial, CueForm::Modifier),
    ("نافيا", Stance::Denial, CueForm::Participle),
    ("نافيه", Stance::Denial, CueForm::Participle),
    ("نافين", Stance::Denial, CueForm::Participle),
    ("مكذبا", Stance::Denial, CueForm::Participle),
    ("مستبعدا", Stance::Denial, CueForm::Participle),
    ("اتهام", Stance::Allegation, CueForm::Noun),
    ("اتهاما", Stance::Allegation, CueForm::Noun),
    ("اتهامات", Stance::Allegation, CueForm::Noun),
    ("زعم", Stance::Allegation, CueForm::Noun),
    ("مزاعم", Stance::Allegation, CueForm::Noun),
    ("ادعاء", Stance::Allegation, CueForm::Noun),
    ("ادعاءات", Stance::Allegation, CueForm::Noun),
    ("ادعائ", Stance::Allegation, CueForm::Noun),
    ("متهما", Stance::Allegation, CueForm::Participle),
    ("متهمين", Stance::Allegation, CueForm::Participle),
    ("زاعما", Stance::Allegation, CueForm::Participle),
    ("زاعمه", Stance::Allegation, CueForm::Participle),
    ("مدعيا", Stance::Allegation, CueForm::Participle),
    ("مزعوم", Stance::Allegation, CueForm::Modifier),
    ("مزعومه", Stance::Allegation, CueForm::Modifier),
    ("مزعومين", Stance::Allegation, CueForm::Modifier),
    ("مؤكدا", Stance::Assertion, CueForm::Participle),
    ("مشيرا", Stance::Assertion, CueForm::Participle),
    ("مضيفا", Stance::Assertion, CueForm::Participle),
    ("موضحا", Stance::Assertion, CueForm::Participle),
    ("قائلا", Stance::Assertion, CueForm::Participle),
    ("مشددا", Stance::Assertion, CueForm::Participle),
];

/// Possessive suffixes nouns take.
const NOUN_SUFFIXES: &[&str] = &["", "ه", "ها", "هم", "ات", "اته", "اتها", "اتهم"];

/// Fixed phrases of two or three words, checked before single words.
/// A fixed phrase's words and label.
type PhraseCue = (&'static [&'static str], Stance);

const PHRASES: &[PhraseCue] = &[
    (&["لا", "صحه"], Stance::Denial),
    (&["عار", "عن"], Stance::Denial),
    (&["عاريه", "عن"], Stance::Denial),
    (&["غير", "صحيح"], Stance::Denial),
    (&["غير", "صحيحه"], Stance::Denial),
    (&["لا", "اساس"], Stance::Denial),
    (&["لا", "وجود"], Stance::Denial),
    (&["محض", "افتراء"], Stance::Denial),
    (&["غير", "مؤكد"], Stance::Allegation),
    (&["غير", "مؤكده"], Stance::Allegation),
    (&["لم", "يتسن"], Stance::Allegation),
    (&["لم", "يتسني"], Stance::Allegation),
    (&["لا", "يمكن", "التحقق"], Stance::Allegation),
    (&["يتعذر", "التحقق"], Stance::Allegation),
    (&["لم", "يتم", "التحقق"], Stance::Allegation),
    (&["ترددت", "انباء"], Stance::Allegation),
    (&["حسب", "روايته"], Stance::Allegation),
    (&["بحسب", "روايته"], Stance::Allegation),
    (&["لم", "تؤكد"], Stance::Allegation),
    (&["لم", "يؤكد"], Stance::Allegation),
    (&["لم", "يؤكدوا"], Stance::Allegation),
    // formal charges and the prosecution arguing them (rule 10)
    (&["لائحه", "اتهام"], Stance::Allegation),
    (&["لائحه", "الاتهام"], Stance::Allegation),
    (&["ممثلو", "الادعاء"], Stance::Allegation),
    (&["ممثل", "الادعاء"], Stance::Allegation),
    (&["الادعاء", "العام"], Stance::Allegation),
    (&["المدعي", "العام"], Stance::Allegation),
    (&["يواجه", "اتهامات"], Stance::Allegation),
    (&["تواجه", "اتهامات"], Stance::Allegation),
    (&["يواجهون", "اتهامات"], Stance::Allegation),
    (&["يواجه", "تهما"], Stance::Allegation),
    (&["تواجه", "تهما"], Stance::Allegation),
    (&["يواجهون", "تهما"], Stance::Allegation),
    // reports that circulate without a source, impersonal hedges
    (&["تواترت", "انباء"], Stance::Allegation),
    (&["راجت", "انباء"], Stance::Allegation),
    (&["من", "المرجح"], Stance::Allegation),
    (&["لا", "يستبعد"], Stance::Allegation),
];

/// Verbs version 3 adds: suspecting is an accusation not yet made (تشتبه السلطات في أن).
const VERBS_V3: &[VerbFamily] = &[VerbFamily {
    perfect: &["اشتبه"],
    imperfect: &["شتبه"],
    label: Stance::Allegation,
}];

/// Words version 3 adds: the feminine participles of accusing and claiming (متهمةً إياه،
/// مدعيةً), blaming (محمّلاً ... المسؤولية, rule 11; not its feminine محمّلة, which news mostly
/// writes for a lorry "loaded with") and «بدعوى» (on the claim that).
const OTHER_WORDS_V3: &[(&str, Stance, CueForm)] = &[
    ("متهمه", Stance::Allegation, CueForm::Participle),
    ("مدعيه", Stance::Allegation, CueForm::Participle),
    ("محملا", Stance::Allegation, CueForm::Participle),
    ("بدعوي", Stance::Allegation, CueForm::Noun),
];

/// Phrases version 3 adds: impersonal hedges (an impersonal يُعتقد with no source is an
/// allegation, the guideline's clarifications), unconfirmed reports (rule 5), a claim's own
/// words kept at a distance, claims made without evidence, the charge sheet (rule 10).
const PHRASES_V3: &[PhraseCue] = &[
    (&["يعتقد", "ان"], Stance::Allegation),
    (&["يعتقد", "انه"], Stance::Allegation),
    (&["يعتقد", "انها"], Stance::Allegation),
    (&["يعتقد", "انهم"], Stance::Allegation),
    (&["يرجح", "ان"], Stance::Allegation),
    (&["يرجح", "انه"], Stance::Allegation),
    (&["يرجح", "انها"], Stance::Allegation),
    (&["ليس", "من", "المؤكد"], Stance::Allegation),
    (&["لم", "يتم", "تاكيد"], Stance::Allegation),
    (&["لم", "يتم", "التاكد"], Stance::Allegation),
    (&["لا", "يمكن", "التاكد"], Stance::Allegation),
    (&["لا", "يستطيع", "تاكيد"], Stance::Allegation),
    (&["لا", "تستطيع", "تاكيد"], Stance::Allegation),
    (&["انباء", "تقول"], Stance::Allegation),
    (&["انباء", "تفيد"], Stance::Allegation),
    (&["علي", "حد", "قوله"], Stance::Allegation),
    (&["علي", "حد", "قولها"], Stance::Allegation),
    (&["علي", "حد", "قولهم"], Stance::Allegation),
    (&["بحسب", "قوله"], Stance::Allegation),
    (&["حسب", "قوله"], Stance::Allegation),
    (&["بحسب", "زعمه"], Stance::Allegation),
    (&["حسب", "زعمه"], Stance::Allegation),
    (&["لم", "يقدم", "دليلا"], Stance::Allegation),
    (&["لم", "يقدم", "اي", "دليل"], Stance::Allegation),
    (&["دون", "تقديم", "ادله"], Stance::Allegation),
    (&["دون", "تقديم", "دليل"], Stance::Allegation),
    (&["دون", "ان", "يقدم"], Stance::Allegation),
    (&["القرار", "الاتهامي"], Stance::Allegation),
    (&["قرار", "الاتهام"], Stance::Allegation),
];

/// Forms of بين (between) that version 3 no longer reads as the verb بيّن.
const BETWEEN_V3: &[&str] = &["بينه", "بينها", "بينهم", "بينهما", "بينهن"];

/// One version of the cue lexicon: its surface forms, its phrases and the ending filters that
/// rule out most words before a lookup.
#[derive(Debug)]
pub struct Lexicon {
    table: FastMap<String, (Stance, CueForm)>,
    by_first: FastMap<&'static str, Vec<PhraseCue>>,
    table_endings: EndingFilter,
    phrase_endings: EndingFilter,
}

impl Lexicon {
    /// Newest version (version 1 is the word list of `text::cues`, 2 the first with morphology).
    pub const LATEST: u8 = 3;

    /// The lexicon of cue version `version` (2 or 3; below 2 gives 2), built once.
    pub fn of_version(version: u8) -> &'static Lexicon {
        static V2: OnceLock<Lexicon> = OnceLock::new();
        static V3: OnceLock<Lexicon> = OnceLock::new();
        if version >= 3 {
            V3.get_or_init(|| Lexicon::build(3))
        } else {
            V2.get_or_init(|| Lexicon::build(2))
        }
    }

    fn build(version: u8) -> Lexicon {
        let v3 = version >= 3;
        let extra = |v2: &'static [&'static str], more: &'static [&'static str]| {
            v2.iter()
                .chain(if v3 { more } else { &[] })
                .copied()
                .collect::<Vec<_>>()
        };
        let perfect_suffixes = extra(PERFECT_SUFFIXES, PERFECT_SUFFIXES_V3);
        let imperfect_suffixes = extra(IMPERFECT_SUFFIXES, IMPERFECT_SUFFIXES_V3);
        let other_words = OTHER_WORDS
            .iter()
            .chain(if v3 { OTHER_WORDS_V3 } else { &[] });
        let verbs = VERBS.iter().chain(if v3 { VERBS_V3 } else { &[] });
        let phrases = PHRASES.iter().chain(if v3 { PHRASES_V3 } else { &[] });

        let mut table = FastMap::default();
        // Nouns first: a verb form that is also a noun (زعم) is read as the verb.
        for &(stem, label, form) in other_words {
            let suffixes: &[&str] = if form == CueForm::Noun {
                NOUN_SUFFIXES
            } else {
                &[""]
            };
            for suffix in suffixes {
                table.insert(format!("{stem}{suffix}"), (label, form));
            }
        }
        for family in verbs {
            for stem in family.perfect {
                for suffix in &perfect_suffixes {
                    table.insert(format!("{stem}{suffix}"), (family.label, CueForm::Verb));
                }
            }
            for stem in family.imperfect {
                for prefix in IMPERFECT_PREFIXES {
                    for suffix in &imperfect_suffixes {
                        table.insert(
                            format!("{prefix}{stem}{suffix}"),
                            (family.label, CueForm::Verb),
                        );
                    }
                }
            }
        }
        // Words a generated form would misread: زعيم's plural, charges (تهم) and the accused.
        for word in ["زعماء", "تهم", "المتهم", "بين"] {
            table.remove(word);
        }
        if v3 {
            for word in BETWEEN_V3 {
                table.remove(*word);
            }
        }
        let mut by_first: FastMap<&'static str, Vec<PhraseCue>> = FastMap::default();
        for &(parts, label) in phrases {
            by_first.entry(parts[0]).or_default().push((parts, label));
        }
        // Every key has at least three letters (a test checks), so three are compared.
        let table_endings = EndingFilter::new(table.keys().map(String::as_str), 3);
        let phrase_endings = EndingFilter::new(by_first.keys().copied(), 2);
        Lexicon {
            table,
            by_first,
            table_endings,
            phrase_endings,
        }
    }

    /// The label and form of one word, if it is a cue.
    pub fn lookup(&self, word: &str) -> Option<(Stance, CueForm)> {
        let folded = fold(word);
        let found = readings(&folded).find_map(|r| self.table.get(r).copied());
        found
    }

    /// Every cue among `words` (normalised tokens, proclitics not stripped), in order, into
    /// `out` (cleared first); phrases are matched before the single words they start with.
    pub fn find(&self, words: &[&str], out: &mut Vec<LexiconCue>) {
        self.find_by(words, out, fold);
    }

    /// [`Lexicon::find`] for words [`fold`] leaves as they are (what a normaliser that strips
    /// diacritics and tatweel and folds alef, yeh and teh marbuta writes): the same cues,
    /// without the folding test on every word.
    pub fn find_folded(&self, words: &[&str], out: &mut Vec<LexiconCue>) {
        self.find_by(words, out, as_written);
    }

    /// [`Lexicon::find`] with the folding step given.
    fn find_by(
        &self,
        words: &[&str],
        out: &mut Vec<LexiconCue>,
        fold: impl Fn(&str) -> Cow<'_, str>,
    ) {
        let (by_first, table) = (&self.by_first, &self.table);
        out.clear();
        let mut i = 0;
        while i < words.len() {
            let folded = fold(words[i]);
            let word = folded.as_ref();
            // The readings and the conjunction-less form are suffixes of the word: a word that ends
            // like no entry needs no lookup.
            let ending = Ending::of(word);
            let phrase = self
                .phrase_endings
                .admits(ending)
                .then(|| {
                    let bare = word
                        .strip_prefix(['و', 'ف'])
                        .filter(|rest| at_least_chars(rest, 2))
                        .unwrap_or(word);
                    by_first.get(bare)
                })
                .flatten();
            let phrase = phrase.and_then(|candidates| {
                candidates.iter().find(|(parts, _)| {
                    parts.len() <= words.len() - i
                        && parts[1..]
                            .iter()
                            .zip(&words[i + 1..])
                            .all(|(p, w)| *p == fold(w).as_ref())
                })
            });
            if let Some((parts, label)) = phrase {
                out.push(LexiconCue {
                    word: i,
                    len: parts.len(),
                    label: *label,
                    form: CueForm::Phrase,
                });
                i += parts.len();
                continue;
            }
            let found = self
                .table_endings
                .admits(ending)
                .then(|| readings(word).find_map(|r| table.get(r)))
                .flatten();
            if let Some(&(label, form)) = found {
                out.push(LexiconCue {
                    word: i,
                    len: 1,
                    label,
                    form,
                });
            }
            i += 1;
        }
    }
}

/// What folding does to one character: `Some(None)` drops it, `Some(Some(c))` replaces it,
/// `None` keeps it.
fn fold_char(c: char) -> Option<Option<char>> {
    match c {
        'أ' | 'إ' | 'آ' | 'ٱ' => Some(Some('ا')),
        'ى' => Some(Some('ي')),
        'ة' => Some(Some('ه')),
        '\u{064B}'..='\u{0652}' | '\u{0670}' | 'ـ' => Some(None),
        _ => None,
    }
}

/// Whether [`fold`] changes `word`, by a scan of its bytes instead of its decoded characters:
/// every character [`fold_char`] touches lies in U+0600..U+06FF, two bytes in UTF-8 with a
/// lead byte D8..DB, so the test is a table of continuation bytes per lead byte.
fn needs_fold(word: &str) -> bool {
    static FOLDED: LazyLock<[u64; 4]> = LazyLock::new(|| {
        let mut leads = [0u64; 4];
        for u in 0x0600..0x0700u32 {
            if char::from_u32(u).and_then(fold_char).is_some() {
                leads[((u >> 6) & 3) as usize] |= 1 << (u & 0x3F);
            }
        }
        leads
    });
    // A lead byte D8..DB is never a continuation byte, and always starts a 2-byte character.
    word.as_bytes().windows(2).any(|pair| {
        let lead = pair[0].wrapping_sub(0xD8);
        lead < 4 && FOLDED[lead as usize] & (1 << (pair[1] & 0x3F)) != 0
    })
}

/// Folds a normalised word the way the lexicon is written: alef forms to ا, ى to ي, ة to ه,
/// hamza on yeh kept; diacritics and tatweel dropped. Borrows when there is nothing to fold,
/// as after the default normaliser.
pub fn fold(word: &str) -> Cow<'_, str> {
    if !needs_fold(word) {
        return Cow::Borrowed(word);
    }
    Cow::Owned(
        word.chars()
            .filter_map(|c| fold_char(c).unwrap_or(Some(c)))
            .collect(),
    )
}

/// Candidate readings of a folded word: as written, without a conjunction (و ف), then also
/// without a preposition (ب ل) and the article (ال / لل).
fn readings(word: &str) -> impl Iterator<Item = &str> {
    let no_conj = word
        .strip_prefix(['و', 'ف'])
        .filter(|rest| at_least_chars(rest, 3));
    let base = no_conj.unwrap_or(word);
    let no_prep = base
        .strip_prefix(['ب', 'ل'])
        .filter(|rest| at_least_chars(rest, 3));
    let no_article = no_prep
        .unwrap_or(base)
        .strip_prefix("ال")
        .or_else(|| base.strip_prefix("لل"))
        .filter(|rest| at_least_chars(rest, 3));
    [Some(word), no_conj, no_prep, no_article]
        .into_iter()
        .flatten()
}

/// A word as it is (the folding step of [`find_folded`]).
fn as_written(word: &str) -> Cow<'_, str> {
    Cow::Borrowed(word)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(word: &str) -> Option<(Stance, CueForm)> {
        Lexicon::of_version(2).lookup(word)
    }

    fn find(words: &[&str], out: &mut Vec<LexiconCue>) {
        Lexicon::of_version(2).find(words, out);
    }
    use CueForm::*;
    use Stance::*;

    #[test]
    fn inflected_and_cliticised_verbs_are_found() {
        for word in [
            "واتهمه",
            "ويتهمونها",
            "اتهموه",
            "اتهمت",
            "يتهمه",
            "وتتهم",
            "نتهم",
        ] {
            assert_eq!(lookup(word), Some((Allegation, Verb)), "{word}");
        }
        for word in [
            "نفى",
            "ونفت",
            "فنفى",
            "نفته",
            "ينفيان",
            "وتنفي",
            "أنكر",
            "وينكرون",
            "يكذّب",
        ] {
            assert_eq!(lookup(word), Some((Denial, Verb)), "{word}");
        }
        for word in ["وزعمت", "يزعمون", "ادّعى", "وتدعي"] {
            assert_eq!(lookup(word), Some((Allegation, Verb)), "{word}");
        }
        assert_eq!(lookup("وأكدت"), Some((Assertion, Verb)));
        assert_eq!(lookup("ويؤكد"), Some((Assertion, Verb)));
    }

    #[test]
    fn nouns_participles_and_modifiers_keep_their_form() {
        assert_eq!(lookup("الاتهامات"), Some((Allegation, Noun)));
        assert_eq!(lookup("باتهام"), Some((Allegation, Noun)));
        assert_eq!(lookup("اتهاماً"), Some((Allegation, Noun)));
        assert_eq!(lookup("مزاعمهم"), Some((Allegation, Noun)));
        assert_eq!(lookup("بزعم"), Some((Allegation, Verb)));
        assert_eq!(lookup("إنكاره"), Some((Denial, Noun)));
        assert_eq!(lookup("متهماً"), Some((Allegation, Participle)));
        assert_eq!(lookup("نافياً"), Some((Denial, Participle)));
        assert_eq!(lookup("المزعومة"), Some((Allegation, Modifier)));
    }

    #[test]
    fn look_alikes_are_not_cues() {
        for word in [
            "زعماء",
            "الزعيم",
            "تهم",
            "المتهم",
            "بين",
            "نفط",
            "الدعم",
            "كذلك",
            "منفى",
        ] {
            assert_eq!(lookup(word), None, "{word}");
        }
    }

    #[test]
    fn every_key_has_three_arabic_letters_so_the_ending_filter_rules_out() {
        for version in [2, 3] {
            let lexicon = Lexicon::of_version(version);
            for key in lexicon.table.keys() {
                assert!(key.chars().count() >= 3, "{key}");
            }
            assert!(!lexicon.table_endings.may_match("في"));
        }
    }

    #[test]
    fn byte_scan_agrees_with_fold_char() {
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            let word = format!("ب{c}ت");
            assert_eq!(
                needs_fold(&word),
                fold_char(c).is_some(),
                "U+{:04X}",
                c as u32
            );
        }
    }

    #[test]
    fn phrases_come_before_their_words() {
        let words = [
            "أكدت",
            "الوزارة",
            "أن",
            "لا",
            "صحة",
            "للخبر",
            "ولم",
            "تؤكد",
            "المصادر",
        ];
        let mut found = Vec::new();
        find(&words, &mut found);
        let got: Vec<(usize, usize, Stance, CueForm)> = found
            .iter()
            .map(|c| (c.word, c.len, c.label, c.form))
            .collect();
        assert_eq!(
            got,
            [
                (0, 1, Assertion, Verb),
                (3, 2, Denial, Phrase),
                (6, 2, Allegation, Phrase)
            ]
        );
        let mut three = Vec::new();
        find(&["لا", "يمكن", "التحقق", "من", "ذلك"], &mut three);
        assert_eq!((three[0].len, three[0].label), (3, Allegation));
    }

    #[test]
    fn version_3_adds_forms_and_phrases_and_leaves_version_2_as_it_was() {
        let (v2, v3) = (Lexicon::of_version(2), Lexicon::of_version(3));
        for word in [
            "واتهماه",
            "ويتهمهما",
            "واتهمتاه",
            "وتتهمهن",
            "تشتبه",
            "متهمة",
            "بدعوى",
        ] {
            assert_eq!(v2.lookup(word), None, "{word}");
            assert_eq!(v3.lookup(word).map(|(l, _)| l), Some(Allegation), "{word}");
        }
        // version 2 read «between them» as the verb بيّن; version 3 does not
        assert_eq!(v2.lookup("بينهم"), Some((Assertion, Verb)));
        for word in ["بينهم", "بينهما", "وبينها"] {
            assert_eq!(v3.lookup(word), None, "{word}");
        }
        // everything version 2 finds, version 3 finds the same way, but for بين's forms
        for (key, entry) in &v2.table {
            if !BETWEEN_V3.contains(&key.as_str()) {
                assert_eq!(v3.table.get(key), Some(entry), "{key}");
            }
        }
        let words = ["ويعتقد", "أن", "المسلحين", "انسحبوا", "على", "حد", "قوله"];
        let (mut old, mut new) = (Vec::new(), Vec::new());
        v2.find(&words, &mut old);
        v3.find(&words, &mut new);
        assert!(old.is_empty());
        let got: Vec<(usize, usize, Stance)> =
            new.iter().map(|c| (c.word, c.len, c.label)).collect();
        assert_eq!(got, [(0, 2, Allegation), (4, 3, Allegation)]);
    }
}

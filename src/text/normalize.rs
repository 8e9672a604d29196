//! The Arabic normaliser: a `tokenizers` `Sequence` of NFKC and `Replace` steps, one per
//! rule of [`NormalizerConfig`]. The same rules, spelled out as characters, drive the
//! single-pass `text::fast` normaliser.
//!
//! Deliberately not `BertNormalizer`: its accent stripping (NFD + mark removal) destroys hamza
//! seats (إسرائيل -> اسراييل, مسؤولين -> مسوولين); see `../shared/RUST-NOTES.md`.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use tokenizers::normalizers::{Replace, Sequence, NFKC};
use tokenizers::NormalizerWrapper;

/// Harakat, tanwin, shadda, sukun, hamza marks above/below, superscript alef and Quranic
/// annotation marks.
const DIACRITICS: &str =
    "[\u{064B}-\u{065F}\u{0670}\u{06D6}-\u{06DC}\u{06DF}-\u{06E8}\u{06EA}-\u{06ED}]";
/// Tatweel (kashida), the stretching character.
const TATWEEL: &str = "\u{0640}";
/// Alef with hamza above or below, with madda, and alef wasla.
const ALEF_FORMS: &str = "[\u{0623}\u{0625}\u{0622}\u{0671}]";
/// Alef maqsura and Farsi yeh.
const YEH_FORMS: &str = "[\u{0649}\u{06CC}]";
/// Teh marbuta.
const TEH_MARBUTA: &str = "\u{0629}";
/// Invisible format characters that web text carries: zero-width non-joiner and joiner,
/// left-to-right and right-to-left marks, the Arabic letter mark, embeddings and isolates,
/// the byte-order mark and the soft hyphen.
const INVISIBLE: &str =
    "[\u{00AD}\u{061C}\u{200C}-\u{200F}\u{202A}-\u{202E}\u{2066}-\u{2069}\u{FEFF}]";
/// The characters of [`INVISIBLE`].
const INVISIBLE_RANGES: &[(char, char)] = &[
    ('\u{00AD}', '\u{00AD}'),
    ('\u{061C}', '\u{061C}'),
    ('\u{200C}', '\u{200F}'),
    ('\u{202A}', '\u{202E}'),
    ('\u{2066}', '\u{2069}'),
    ('\u{FEFF}', '\u{FEFF}'),
];
/// The zero-width space, which separates words.
const ZERO_WIDTH_SPACE: &str = "\u{200B}";

/// Which normalisation rules to apply. Every rule is a named switch, stored in the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NormalizerConfig {
    /// Remove invisible format characters (direction marks, zero-width joiners, byte-order
    /// marks, soft hyphens) and read a zero-width space as a space: text copied from the web
    /// carries them, and they must not change a word (default true).
    pub strip_invisible: bool,
    /// Remove harakat, tanwin, shadda, sukun and Quranic marks (default true).
    pub strip_diacritics: bool,
    /// Remove tatweel, U+0640 (default true).
    pub strip_tatweel: bool,
    /// Map Arabic-Indic (٠-٩) and Extended Arabic-Indic (۰-۹) digits to 0-9 (default true).
    pub map_digits: bool,
    /// Fold أ إ آ ٱ to ا (default true).
    pub fold_alef: bool,
    /// Fold ى and Farsi ی to ي (default true).
    pub fold_yeh: bool,
    /// Fold ة to ه (default true).
    pub fold_teh_marbuta: bool,
}

impl Default for NormalizerConfig {
    fn default() -> Self {
        NormalizerConfig {
            strip_invisible: true,
            strip_diacritics: true,
            strip_tatweel: true,
            map_digits: true,
            fold_alef: true,
            fold_yeh: true,
            fold_teh_marbuta: true,
        }
    }
}

/// One `Replace` step of the normaliser: the regex stored in the tokenizer JSON and, for the
/// fast path (`text::fast`), the same characters spelled out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rule {
    /// The regex, a single character or a character class.
    pub pattern: String,
    /// Every character the pattern matches (inclusive ranges).
    pub ranges: Vec<(char, char)>,
    /// What each match becomes: `None` removes it, `Some(c)` replaces it with `c`.
    pub replacement: Option<char>,
}

impl Rule {
    fn new(pattern: &str, ranges: &[(char, char)], replacement: Option<char>) -> Rule {
        Rule {
            pattern: pattern.to_string(),
            ranges: ranges.to_vec(),
            replacement,
        }
    }
}

/// The characters of [`DIACRITICS`].
const DIACRITIC_RANGES: &[(char, char)] = &[
    ('\u{064B}', '\u{065F}'),
    ('\u{0670}', '\u{0670}'),
    ('\u{06D6}', '\u{06DC}'),
    ('\u{06DF}', '\u{06E8}'),
    ('\u{06EA}', '\u{06ED}'),
];
/// The characters of [`ALEF_FORMS`].
const ALEF_RANGES: &[(char, char)] = &[
    ('\u{0623}', '\u{0623}'),
    ('\u{0625}', '\u{0625}'),
    ('\u{0622}', '\u{0622}'),
    ('\u{0671}', '\u{0671}'),
];
/// The characters of [`YEH_FORMS`].
const YEH_RANGES: &[(char, char)] = &[('\u{0649}', '\u{0649}'), ('\u{06CC}', '\u{06CC}')];

impl NormalizerConfig {
    /// The `Replace` steps for the enabled rules, in the order they run after NFKC (ten for
    /// the digits, one per digit value).
    pub(crate) fn rules(&self) -> Vec<Rule> {
        let mut rules = Vec::new();
        if self.strip_invisible {
            rules.push(Rule::new(INVISIBLE, INVISIBLE_RANGES, None));
            rules.push(Rule::new(
                ZERO_WIDTH_SPACE,
                &[('\u{200B}', '\u{200B}')],
                Some(' '),
            ));
        }
        if self.strip_diacritics {
            rules.push(Rule::new(DIACRITICS, DIACRITIC_RANGES, None));
        }
        if self.strip_tatweel {
            rules.push(Rule::new(TATWEEL, &[('\u{0640}', '\u{0640}')], None));
        }
        if self.map_digits {
            for (value, ascii) in ('0'..='9').enumerate() {
                let arabic_indic =
                    char::from_u32(0x0660 + value as u32).expect("U+0660..U+0669 are chars");
                let extended =
                    char::from_u32(0x06F0 + value as u32).expect("U+06F0..U+06F9 are chars");
                rules.push(Rule::new(
                    &format!("[{arabic_indic}{extended}]"),
                    &[(arabic_indic, arabic_indic), (extended, extended)],
                    Some(ascii),
                ));
            }
        }
        if self.fold_alef {
            rules.push(Rule::new(ALEF_FORMS, ALEF_RANGES, Some('\u{0627}')));
        }
        if self.fold_yeh {
            rules.push(Rule::new(YEH_FORMS, YEH_RANGES, Some('\u{064A}')));
        }
        if self.fold_teh_marbuta {
            rules.push(Rule::new(
                TEH_MARBUTA,
                &[('\u{0629}', '\u{0629}')],
                Some('\u{0647}'),
            ));
        }
        rules
    }

    /// Builds the `tokenizers` normaliser for these rules: NFKC first, then one `Replace` per
    /// rule of `NormalizerConfig::rules`.
    ///
    /// # Errors
    /// [`Error::Tokenizer`] if a pattern fails to compile (a bug, not a user error).
    pub fn build(&self) -> Result<NormalizerWrapper> {
        let mut steps: Vec<NormalizerWrapper> = vec![NFKC.into()];
        for rule in self.rules() {
            let content = rule.replacement.map(String::from).unwrap_or_default();
            let step = Replace::new(
                tokenizers::normalizers::replace::ReplacePattern::Regex(rule.pattern),
                content,
            )
            .map_err(|e| Error::Tokenizer(e.to_string()))?;
            steps.push(step.into());
        }
        Ok(Sequence::new(steps).into())
    }
}

/// Configurations the fast-path equivalence tests run: the default, each rule switched off
/// alone, and every rule off.
#[cfg(test)]
pub(crate) fn test_configs() -> Vec<NormalizerConfig> {
    let switches: [fn(&mut NormalizerConfig) -> &mut bool; 7] = [
        |c| &mut c.strip_invisible,
        |c| &mut c.strip_diacritics,
        |c| &mut c.strip_tatweel,
        |c| &mut c.map_digits,
        |c| &mut c.fold_alef,
        |c| &mut c.fold_yeh,
        |c| &mut c.fold_teh_marbuta,
    ];
    let mut none = NormalizerConfig::default();
    let mut configs = vec![NormalizerConfig::default()];
    for switch in switches {
        let mut config = NormalizerConfig::default();
        *switch(&mut config) = false;
        configs.push(config);
        *switch(&mut none) = false;
    }
    configs.push(none);
    configs
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokenizers::{NormalizedString, Normalizer};

    fn run(config: NormalizerConfig, text: &str) -> String {
        let mut normalized = NormalizedString::from(text);
        config.build().unwrap().normalize(&mut normalized).unwrap();
        normalized.get().to_string()
    }

    fn only(edit: impl Fn(&mut NormalizerConfig)) -> NormalizerConfig {
        let mut config = NormalizerConfig {
            strip_invisible: false,
            strip_diacritics: false,
            strip_tatweel: false,
            map_digits: false,
            fold_alef: false,
            fold_yeh: false,
            fold_teh_marbuta: false,
        };
        edit(&mut config);
        config
    }

    #[test]
    fn default_rules_table() {
        let cases = [
            // tashkeel and shadda
            ("كَذَّبَ", "كذب"),
            ("اتُّهِمَ", "اتهم"),
            ("عارٍ عن الصحة", "عار عن الصحه"),
            // tatweel
            ("نفـــت", "نفت"),
            // alef forms
            ("أكدت إسرائيل آنذاك", "اكدت اسرائيل انذاك"),
            // alef maqsura and teh marbuta
            ("نفى الوزارة", "نفي الوزاره"),
            // Arabic-Indic and Extended Arabic-Indic digits
            ("٢٠ يونيو ٢٠٢٢", "20 يونيو 2022"),
            ("۱۲۳", "123"),
            // quotes and punctuation stay
            ("«قسد»، لا!", "«قسد»، لا!"),
            // text that must stay unchanged
            ("مسؤولين", "مسؤولين"),
            ("M4 road", "M4 road"),
        ];
        for (input, expected) in cases {
            assert_eq!(
                run(NormalizerConfig::default(), input),
                expected,
                "input {input}"
            );
        }
    }

    #[test]
    fn hamza_seats_survive_every_rule() {
        // ؤ and ئ are letters, not marks: no rule may strip them.
        assert_eq!(run(NormalizerConfig::default(), "مسؤول رئيس"), "مسؤول رئيس");
    }

    #[test]
    fn each_rule_is_a_switch() {
        assert_eq!(
            run(only(|c| c.strip_diacritics = true), "نَفَتْ أُمّة"),
            "نفت أمة"
        );
        assert_eq!(run(only(|c| c.strip_tatweel = true), "نفـت"), "نفت");
        assert_eq!(
            run(
                only(|c| c.strip_invisible = true),
                "\u{200F}\u{FEFF}نفت\u{200C} الشركة\u{200B}الخبر\u{061C}"
            ),
            "نفت الشركة الخبر"
        );
        assert_eq!(run(only(|c| c.map_digits = true), "٣٫٥ و٤"), "3٫5 و4");
        assert_eq!(run(only(|c| c.fold_alef = true), "أإآٱ"), "اااا");
        assert_eq!(run(only(|c| c.fold_yeh = true), "مستشفى"), "مستشفي");
        assert_eq!(run(only(|c| c.fold_teh_marbuta = true), "وزارة"), "وزاره");
        // nothing enabled: only NFKC, which leaves ordinary Arabic alone
        assert_eq!(run(only(|_| {}), "أكّدت الوزارة"), "أكّدت الوزارة");
    }

    #[test]
    fn nfkc_folds_presentation_forms() {
        // U+FEFB is the lam-alef ligature presentation form.
        assert_eq!(run(only(|_| {}), "\u{FEFB}"), "\u{0644}\u{0627}");
    }

    #[test]
    fn rule_patterns_are_frozen() {
        // These regexes are stored in every model's tokenizer JSON: changing one makes every
        // existing model refused at load (see `TextPipeline::matching_json`).
        let rules = NormalizerConfig::default().rules();
        let patterns: Vec<&str> = rules.iter().map(|r| r.pattern.as_str()).collect();
        let mut expected = vec![
            "[\u{00AD}\u{061C}\u{200C}-\u{200F}\u{202A}-\u{202E}\u{2066}-\u{2069}\u{FEFF}]"
                .to_string(),
            "\u{200B}".to_string(),
            "[\u{064B}-\u{065F}\u{0670}\u{06D6}-\u{06DC}\u{06DF}-\u{06E8}\u{06EA}-\u{06ED}]"
                .to_string(),
            "\u{0640}".to_string(),
        ];
        expected.extend((0..10).map(|d| {
            let arabic = char::from_u32(0x0660 + d).unwrap();
            let extended = char::from_u32(0x06F0 + d).unwrap();
            format!("[{arabic}{extended}]")
        }));
        expected.extend([
            "[\u{0623}\u{0625}\u{0622}\u{0671}]".to_string(),
            "[\u{0649}\u{06CC}]".to_string(),
            "\u{0629}".to_string(),
        ]);
        assert_eq!(patterns, expected);
        let replacements: String = rules.iter().filter_map(|r| r.replacement).collect();
        assert_eq!(replacements, " 0123456789\u{0627}\u{064A}\u{0647}");
    }

    #[test]
    fn config_serialises_with_named_rules() {
        let json = serde_json::to_string(&NormalizerConfig::default()).unwrap();
        assert_eq!(
            json,
            r#"{"strip_invisible":true,"strip_diacritics":true,"strip_tatweel":true,"map_digits":true,"fold_alef":true,"fold_yeh":true,"fold_teh_marbuta":true}"#
        );
    }
}

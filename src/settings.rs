//! The training settings that can be set one at a time, in one table: each setting's name,
//! help line and how its text sets a [`TrainConfig`]. Every place that takes settings reads
//! this table: the `train` and `cv` flags are built from it (`cli::settings`), and `cv --grid
//! KEY=V1,V2` takes the same names ([`crate::cv::GridAxis`]), so a setting cannot be a flag
//! and not a grid key, or parse one way as a flag and another in a grid.

use crate::config::TrainConfig;
use crate::error::{Error, Result};
use serde::de::DeserializeOwned;
use std::str::FromStr;

/// Where a setting is listed in `--help`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// Classifier hyperparameters.
    Model,
    /// What the featurizer extracts.
    Features,
    /// The use of `--unlabelled` sentences.
    Unlabelled,
    /// The text normaliser's rules.
    Normalizer,
}

impl Group {
    /// The heading the group's flags are listed under in `--help`.
    pub fn heading(self) -> &'static str {
        match self {
            Group::Model => "Model",
            Group::Features => "Features",
            Group::Unlabelled => "Unlabelled data",
            Group::Normalizer => "Normaliser",
        }
    }
}

/// How a setting is written on the command line and in a grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A setting with a value: `--NAME VALUE` on the command line, `NAME=V1,V2` in a grid.
    Value {
        /// The value's placeholder in `--help`.
        placeholder: &'static str,
        /// The accepted names and their help, for a setting that takes one of a few names
        /// (written as in the JSON configuration); empty for any value that parses.
        choices: &'static [(&'static str, &'static str)],
    },
    /// An on/off setting: `NAME=true,false` in a grid; on the command line the switch
    /// `--FLAG`, which sets it to `when_given` (the value that is not the default).
    Switch {
        /// The switch's flag name.
        flag: &'static str,
        /// The value the switch sets.
        when_given: bool,
    },
}

/// One setting of the table.
#[derive(Debug)]
pub struct Setting {
    /// The setting's name: its grid key, and the flag name of a setting with a value.
    pub name: &'static str,
    /// Its `--help` line, ending with the default.
    pub help: &'static str,
    /// Where `--help` lists it.
    pub group: Group,
    /// How it is written.
    pub kind: Kind,
    /// Sets the configuration from the value's text, or says why the text is no value.
    apply: fn(&mut TrainConfig, &str) -> std::result::Result<(), String>,
}

impl Setting {
    /// The setting's command-line flag name (without `--`).
    pub fn flag(&self) -> &'static str {
        match self.kind {
            Kind::Value { .. } => self.name,
            Kind::Switch { flag, .. } => flag,
        }
    }

    /// Sets this setting of `config` from the text of a value (`true` or `false` for an
    /// on/off setting). Only the text is checked here; ranges and combinations are
    /// [`TrainConfig::check`]'s.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] naming the setting when the text is not a value of it.
    pub fn set(&self, config: &mut TrainConfig, value: &str) -> Result<()> {
        let choices = match self.kind {
            Kind::Value { choices, .. } => choices,
            Kind::Switch { .. } => &[],
        };
        let result = if choices.is_empty() || choices.iter().any(|(name, _)| *name == value) {
            (self.apply)(config, value)
        } else {
            let names: Vec<&str> = choices.iter().map(|(name, _)| *name).collect();
            Err(format!("expected {}", one_of(&names)))
        };
        result.map_err(|reason| Error::InvalidParam {
            name: self.name,
            value: value.to_string(),
            reason,
        })
    }
}

/// The setting named `name` (its grid key).
///
/// # Errors
/// [`Error::InvalidParam`] for a name that is no setting, listing the names; a switch's flag
/// name (`no-cues`) is answered with the setting it switches (`cues=true,false`).
pub fn find(name: &str) -> Result<&'static Setting> {
    if let Some(setting) = SETTINGS.iter().find(|s| s.name == name) {
        return Ok(setting);
    }
    let switched = SETTINGS.iter().find_map(|s| match s.kind {
        Kind::Switch { flag, when_given } if flag == name => Some((s.name, when_given)),
        _ => None,
    });
    let reason = match switched {
        Some((setting, when_given)) => format!(
            "--{name} is the switch that sets {setting}={when_given}; a grid takes the \
             setting itself, as in {setting}=true,false"
        ),
        None => {
            let names: Vec<&str> = SETTINGS.iter().map(|s| s.name).collect();
            format!("unknown setting; use {}", one_of(&names))
        }
    };
    Err(Error::InvalidParam {
        name: "grid",
        value: name.to_string(),
        reason,
    })
}

/// `a, b or c`.
fn one_of(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// Stores a parsed value in its field of the configuration.
fn set<T>(field: &mut T, value: std::result::Result<T, String>) -> std::result::Result<(), String> {
    *field = value?;
    Ok(())
}

/// A whole number of the setting's type.
fn whole<T: FromStr>(value: &str) -> std::result::Result<T, String>
where
    T::Err: std::fmt::Display,
{
    value
        .trim()
        .parse()
        .map_err(|e| format!("expected a whole number ({e})"))
}

/// A real number.
fn real(value: &str) -> std::result::Result<f32, String> {
    value
        .trim()
        .parse()
        .map_err(|e| format!("expected a number ({e})"))
}

/// `true` or `false`.
fn on_off(value: &str) -> std::result::Result<bool, String> {
    value
        .trim()
        .parse()
        .map_err(|_| "expected true or false".to_string())
}

/// One of an enum's names, as its JSON configuration writes it (so a flag, a grid and a
/// configuration file name it alike).
fn named<T: DeserializeOwned>(value: &str) -> std::result::Result<T, String> {
    serde_json::from_value(serde_json::Value::String(value.to_string())).map_err(|e| e.to_string())
}

/// Character n-gram lengths `MIN-MAX`, or `0` for none.
fn char_range(value: &str) -> std::result::Result<(usize, usize), String> {
    if value.trim() == "0" {
        return Ok((0, 0));
    }
    let (min, max) = value
        .split_once('-')
        .ok_or_else(|| format!("expected MIN-MAX such as 2-5, or 0, found {value:?}"))?;
    Ok((whole(min)?, whole(max)?))
}

/// Every setting, in the order `--help` lists them.
pub static SETTINGS: [Setting; 30] = [
    Setting {
        name: "epochs",
        help: "Most passes over the data [default: 30]",
        group: Group::Model,
        kind: Kind::Value {
            placeholder: "N",
            choices: &[],
        },
        apply: |c, v| set(&mut c.model.epochs, whole(v)),
    },
    Setting {
        name: "lr",
        help: "Initial learning rate [default: 0.5]",
        group: Group::Model,
        kind: Kind::Value {
            placeholder: "RATE",
            choices: &[],
        },
        apply: |c, v| set(&mut c.model.learning_rate, real(v)),
    },
    Setting {
        name: "schedule",
        help: "Learning-rate schedule [default: linear]",
        group: Group::Model,
        kind: Kind::Value {
            placeholder: "SCHEDULE",
            choices: &[
                ("constant", "The same rate at every step"),
                (
                    "linear",
                    "Falls linearly from the initial rate to zero over all epochs (fastText's \
                     schedule)",
                ),
                (
                    "inverse",
                    "`lr / (1 + lr * l2 * t)`: the classic schedule for L2-regularised SGD",
                ),
            ],
        },
        apply: |c, v| set(&mut c.model.schedule, named(v)),
    },
    Setting {
        name: "l2",
        help: "L2 penalty [default: 1e-5]",
        group: Group::Model,
        kind: Kind::Value {
            placeholder: "PENALTY",
            choices: &[],
        },
        apply: |c, v| set(&mut c.model.l2, real(v)),
    },
    Setting {
        name: "class-weight",
        help: "Class weighting [default: balanced]",
        group: Group::Model,
        kind: Kind::Value {
            placeholder: "WEIGHTING",
            choices: &[
                ("none", "Every row counts once"),
                (
                    "balanced",
                    "Rows of class `c` weigh `n / (k * n_c)`, as scikit-learn's `balanced`",
                ),
            ],
        },
        apply: |c, v| set(&mut c.model.class_weight, named(v)),
    },
    Setting {
        name: "patience",
        help: "Epochs without dev improvement before stopping; 0 never stops early [default: 5]",
        group: Group::Model,
        kind: Kind::Value {
            placeholder: "EPOCHS",
            choices: &[],
        },
        apply: |c, v| set(&mut c.model.patience, whole(v)),
    },
    Setting {
        name: "seed",
        help: "Seed of the row order [default: 13]",
        group: Group::Model,
        kind: Kind::Value {
            placeholder: "SEED",
            choices: &[],
        },
        apply: |c, v| set(&mut c.model.seed, whole(v)),
    },
    Setting {
        name: "hash-bits",
        help: "Feature buckets are 2^BITS [default: 18]",
        group: Group::Features,
        kind: Kind::Value {
            placeholder: "BITS",
            choices: &[],
        },
        apply: |c, v| set(&mut c.features.hash_bits, whole(v)),
    },
    Setting {
        name: "word-ngrams",
        help: "Longest word n-gram, 1-3 [default: 2]",
        group: Group::Features,
        kind: Kind::Value {
            placeholder: "N",
            choices: &[],
        },
        apply: |c, v| set(&mut c.features.word_ngrams, whole(v)),
    },
    Setting {
        name: "char-ngrams",
        help: "Character n-gram lengths as MIN-MAX, or 0 for none [default: 0]",
        group: Group::Features,
        kind: Kind::Value {
            placeholder: "MIN-MAX",
            choices: &[],
        },
        apply: |c, v| {
            (c.features.char_min, c.features.char_max) = char_range(v)?;
            Ok(())
        },
    },
    Setting {
        name: "lead-words",
        help: "Give the first N words features of their own, 0 for none [default: 5]",
        group: Group::Features,
        kind: Kind::Value {
            placeholder: "N",
            choices: &[],
        },
        apply: |c, v| set(&mut c.features.lead_words, whole(v)),
    },
    Setting {
        name: "cue-version",
        help: "Cue features: 1 = cue words by position, 2 = also inflected and derived forms \
               with their grammatical form and context [default: 2]",
        group: Group::Features,
        kind: Kind::Value {
            placeholder: "VERSION",
            choices: &[],
        },
        apply: |c, v| set(&mut c.features.cue_version, whole(v)),
    },
    Setting {
        name: "cues",
        help: "No binary cue-lexicon features [default: add them]",
        group: Group::Features,
        kind: Kind::Switch {
            flag: "no-cues",
            when_given: false,
        },
        apply: |c, v| set(&mut c.features.cues, on_off(v)),
    },
    Setting {
        name: "unit-norm",
        help: "Do not scale rows to unit L2 norm [default: scale]",
        group: Group::Features,
        kind: Kind::Switch {
            flag: "no-norm",
            when_given: false,
        },
        apply: |c, v| set(&mut c.features.unit_norm, on_off(v)),
    },
    Setting {
        name: "min-df",
        help: "Ignore features seen in fewer than N training rows [default: 2]",
        group: Group::Features,
        kind: Kind::Value {
            placeholder: "N",
            choices: &[],
        },
        apply: |c, v| set(&mut c.features.min_df, whole(v)),
    },
    Setting {
        name: "stopwords",
        help: "Keep unigrams of function words (prepositions, relatives, ...) [default: drop \
               them]",
        group: Group::Features,
        kind: Kind::Switch {
            flag: "keep-function-words",
            when_given: false,
        },
        apply: |c, v| set(&mut c.features.stopwords, on_off(v)),
    },
    Setting {
        name: "clauses",
        help: "Do not tag words with their clause kind (main, coordinated, participle) \
               [default: tag]",
        group: Group::Features,
        kind: Kind::Switch {
            flag: "no-clauses",
            when_given: false,
        },
        apply: |c, v| set(&mut c.features.clauses, on_off(v)),
    },
    Setting {
        name: "punctuation",
        help: "Give punctuation and quote tokens features of their own [default: no]",
        group: Group::Features,
        kind: Kind::Switch {
            flag: "punctuation",
            when_given: true,
        },
        apply: |c, v| set(&mut c.features.punctuation, on_off(v)),
    },
    Setting {
        name: "proclitics",
        help: "Do not add proclitic-stripped word forms [default: add them]",
        group: Group::Features,
        kind: Kind::Switch {
            flag: "no-proclitics",
            when_given: false,
        },
        apply: |c, v| set(&mut c.features.proclitics, on_off(v)),
    },
    Setting {
        name: "sublinear-tf",
        help: "Use raw term counts instead of 1 + ln(count) [default: sublinear]",
        group: Group::Features,
        kind: Kind::Switch {
            flag: "raw-tf",
            when_given: false,
        },
        apply: |c, v| set(&mut c.features.sublinear_tf, on_off(v)),
    },
    Setting {
        name: "self-train-rounds",
        help: "Self-training rounds over the --unlabelled sentences [default: 0]",
        group: Group::Unlabelled,
        kind: Kind::Value {
            placeholder: "N",
            choices: &[],
        },
        apply: |c, v| set(&mut c.unlabelled.rounds, whole(v)),
    },
    Setting {
        name: "self-train-threshold",
        help: "Least confidence for a pseudo-label [default: 0.9]",
        group: Group::Unlabelled,
        kind: Kind::Value {
            placeholder: "P",
            choices: &[],
        },
        apply: |c, v| set(&mut c.unlabelled.threshold, real(v)),
    },
    Setting {
        name: "pseudo-weight",
        help: "Loss weight of a pseudo-labelled row [default: 0.5]",
        group: Group::Unlabelled,
        kind: Kind::Value {
            placeholder: "WEIGHT",
            choices: &[],
        },
        apply: |c, v| set(&mut c.unlabelled.weight, real(v)),
    },
    Setting {
        name: "pseudo-max-ratio",
        help: "Pseudo-labels per label at most, as a multiple of its labelled rows [default: \
               1.0]",
        group: Group::Unlabelled,
        kind: Kind::Value {
            placeholder: "RATIO",
            choices: &[],
        },
        apply: |c, v| set(&mut c.unlabelled.max_ratio, real(v)),
    },
    Setting {
        name: "unlabelled-idf",
        help: "Fit IDF on the training rows only, not on the --unlabelled sentences [default: \
               both]",
        group: Group::Unlabelled,
        kind: Kind::Switch {
            flag: "no-unlabelled-idf",
            when_given: false,
        },
        apply: |c, v| set(&mut c.unlabelled.idf, on_off(v)),
    },
    Setting {
        name: "strip-invisible",
        help: "Keep invisible format characters (direction marks, zero-width joiners, BOM) \
               [default: strip them]",
        group: Group::Normalizer,
        kind: Kind::Switch {
            flag: "keep-invisible",
            when_given: false,
        },
        apply: |c, v| set(&mut c.features.normalizer.strip_invisible, on_off(v)),
    },
    Setting {
        name: "strip-diacritics",
        help: "Keep diacritics (tashkeel) [default: strip]",
        group: Group::Normalizer,
        kind: Kind::Switch {
            flag: "keep-diacritics",
            when_given: false,
        },
        apply: |c, v| set(&mut c.features.normalizer.strip_diacritics, on_off(v)),
    },
    Setting {
        name: "fold-alef",
        help: "Do not fold أ إ آ ٱ to ا [default: fold]",
        group: Group::Normalizer,
        kind: Kind::Switch {
            flag: "no-fold-alef",
            when_given: false,
        },
        apply: |c, v| set(&mut c.features.normalizer.fold_alef, on_off(v)),
    },
    Setting {
        name: "fold-yeh",
        help: "Do not fold ى to ي [default: fold]",
        group: Group::Normalizer,
        kind: Kind::Switch {
            flag: "no-fold-yeh",
            when_given: false,
        },
        apply: |c, v| set(&mut c.features.normalizer.fold_yeh, on_off(v)),
    },
    Setting {
        name: "fold-teh-marbuta",
        help: "Do not fold ة to ه [default: fold]",
        group: Group::Normalizer,
        kind: Kind::Switch {
            flag: "no-fold-teh-marbuta",
            when_given: false,
        },
        apply: |c, v| set(&mut c.features.normalizer.fold_teh_marbuta, on_off(v)),
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_and_flags_are_unique_and_a_flag_names_only_its_own_setting() {
        let names: HashSet<&str> = SETTINGS.iter().map(|s| s.name).collect();
        let flags: HashSet<&str> = SETTINGS.iter().map(Setting::flag).collect();
        assert_eq!(names.len(), SETTINGS.len());
        assert_eq!(flags.len(), SETTINGS.len());
        for s in &SETTINGS {
            if s.flag() != s.name {
                assert!(
                    !names.contains(s.flag()),
                    "--{} is also a setting",
                    s.flag()
                );
            }
        }
    }

    #[test]
    fn a_switch_moves_its_setting_off_the_default() {
        for s in &SETTINGS {
            if let Kind::Switch { when_given, .. } = s.kind {
                let mut config = TrainConfig::default();
                s.set(&mut config, &when_given.to_string()).unwrap();
                assert_ne!(
                    config,
                    TrainConfig::default(),
                    "--{} changes nothing",
                    s.flag()
                );
                s.set(&mut config, &(!when_given).to_string()).unwrap();
                assert_eq!(config, TrainConfig::default(), "{}", s.name);
            }
        }
    }

    #[test]
    fn choices_are_the_names_the_configuration_file_writes() {
        for s in &SETTINGS {
            let Kind::Value { choices, .. } = s.kind else {
                continue;
            };
            let mut seen = Vec::new();
            for (name, _) in choices {
                let mut config = TrainConfig::default();
                s.set(&mut config, name).unwrap();
                assert!(config.to_json().contains(&format!("\"{name}\"")), "{name}");
                assert!(
                    !seen.contains(&config),
                    "{} {name} repeats a choice",
                    s.name
                );
                seen.push(config);
            }
        }
        let err = find("schedule")
            .unwrap()
            .set(&mut TrainConfig::default(), "Linear")
            .unwrap_err();
        assert!(
            matches!(&err, Error::InvalidParam { name: "schedule", reason, .. }
                if reason == "expected constant, linear or inverse"),
            "{err}"
        );
    }

    #[test]
    fn bad_text_fails_naming_the_setting() {
        let mut config = TrainConfig::default();
        for (name, bad) in [
            ("epochs", "-1"),
            ("lr", "fast"),
            ("char-ngrams", "3"),
            ("char-ngrams", "a-5"),
            ("cues", "yes"),
        ] {
            let err = find(name).unwrap().set(&mut config, bad).unwrap_err();
            assert!(
                matches!(&err, Error::InvalidParam { name: n, value, .. } if *n == name && value == bad),
                "{err}"
            );
        }
        assert_eq!(config, TrainConfig::default());
    }

    #[test]
    fn unknown_names_list_the_settings_and_a_switch_points_to_its_setting() {
        let err = find("colour").unwrap_err().to_string();
        assert!(
            err.contains("use epochs, lr,") && err.ends_with(" or fold-teh-marbuta"),
            "{err}"
        );
        let err = find("no-cues").unwrap_err().to_string();
        assert!(
            err.contains("sets cues=false") && err.contains("cues=true,false"),
            "{err}"
        );
    }
}

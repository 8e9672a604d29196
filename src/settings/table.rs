//! The table of settings: every setting one can set on its own, in the order `--help` lists
//! them, with how its text sets the configuration.

use super::{Group, Setting};
use crate::config::TrainConfig;
use crate::model::{Epochs, LinearParams};
use serde::de::DeserializeOwned;
use std::str::FromStr;

/// Every setting, in the order `--help` lists them.
pub static SETTINGS: [Setting; 31] = [
    Setting::value(
        Group::Model,
        "epochs",
        "N|auto",
        "Most passes over the data: a number, or auto for about 2 million row updates in all, \
         5 to 30 epochs [default: auto]",
        |c, v| set_model(c, LinearParams::epoch_count, v.parse::<Epochs>()),
    ),
    Setting::value(
        Group::Model,
        "lr",
        "RATE",
        "Initial learning rate [default: 0.5]",
        |c, v| set_model(c, LinearParams::learning_rate, real(v)),
    ),
    Setting::choice(
        Group::Model,
        "schedule",
        "SCHEDULE",
        "Learning-rate schedule [default: linear]",
        &[
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
        |c, v| set_model(c, LinearParams::schedule, named(v)),
    ),
    Setting::value(
        Group::Model,
        "l2",
        "PENALTY",
        "L2 penalty [default: 1e-5]",
        |c, v| set_model(c, LinearParams::l2, real(v)),
    ),
    Setting::choice(
        Group::Model,
        "class-weight",
        "WEIGHTING",
        "Class weighting [default: balanced]",
        &[
            ("none", "Every row counts once"),
            (
                "balanced",
                "Rows of class `c` weigh `n / (k * n_c)`, as scikit-learn's `balanced`",
            ),
        ],
        |c, v| set_model(c, LinearParams::class_weight, named(v)),
    ),
    Setting::value(
        Group::Model,
        "patience",
        "EPOCHS",
        "Epochs without dev improvement before stopping; 0 never stops early [default: 5]",
        |c, v| set_model(c, LinearParams::patience, whole(v)),
    ),
    Setting::value(
        Group::Model,
        "seed",
        "SEED",
        "Seed of the row order [default: 13]",
        |c, v| set_model(c, LinearParams::seed, whole(v)),
    ),
    Setting::value(
        Group::Model,
        "shards",
        "N",
        "Split each epoch into N parts trained in parallel from the same weights, then \
         averaged; the model depends on N, not on the thread count [default: 1]",
        |c, v| set_model(c, LinearParams::shards, whole(v)),
    ),
    Setting::value(
        Group::Features,
        "hash-bits",
        "BITS",
        "Feature buckets are 2^BITS [default: 18]",
        |c, v| set(&mut c.features.hash_bits, whole(v)),
    ),
    Setting::value(
        Group::Features,
        "word-ngrams",
        "N",
        "Longest word n-gram, 1-3 [default: 2]",
        |c, v| set(&mut c.features.word_ngrams, whole(v)),
    ),
    Setting::value(
        Group::Features,
        "char-ngrams",
        "MIN-MAX",
        "Character n-gram lengths as MIN-MAX, or 0 for none [default: 0]",
        |c, v| {
            (c.features.char_min, c.features.char_max) = char_range(v)?;
            Ok(())
        },
    ),
    Setting::value(
        Group::Features,
        "lead-words",
        "N",
        "Give the first N words features of their own, 0 for none [default: 5]",
        |c, v| set(&mut c.features.lead_words, whole(v)),
    ),
    Setting::value(
        Group::Features,
        "cue-version",
        "VERSION",
        "Cue features: 1 = cue words by position, 2 = also inflected and derived forms with their \
         grammatical form and context, 3 = version 2 with more forms and phrases (dual objects, \
         impersonal hedges, distancing) [default: 3]",
        |c, v| set(&mut c.features.cue_version, whole(v)),
    ),
    Setting::switch(
        Group::Features,
        "cues",
        "no-cues",
        false,
        "No binary cue-lexicon features [default: add them]",
        |c, v| set(&mut c.features.cues, on_off(v)),
    ),
    Setting::switch(
        Group::Features,
        "unit-norm",
        "no-norm",
        false,
        "Do not scale rows to unit L2 norm [default: scale]",
        |c, v| set(&mut c.features.unit_norm, on_off(v)),
    ),
    Setting::value(
        Group::Features,
        "min-df",
        "N",
        "Ignore features seen in fewer than N training rows [default: 2]",
        |c, v| set(&mut c.features.min_df, whole(v)),
    ),
    Setting::switch(
        Group::Features,
        "stopwords",
        "keep-function-words",
        false,
        "Keep unigrams of function words (prepositions, relatives, ...) [default: drop them]",
        |c, v| set(&mut c.features.stopwords, on_off(v)),
    ),
    Setting::switch(
        Group::Features,
        "clauses",
        "no-clauses",
        false,
        "Do not tag words with their clause kind (main, coordinated, participle) [default: tag]",
        |c, v| set(&mut c.features.clauses, on_off(v)),
    ),
    Setting::switch(
        Group::Features,
        "punctuation",
        "punctuation",
        true,
        "Give punctuation and quote tokens features of their own [default: no]",
        |c, v| set(&mut c.features.punctuation, on_off(v)),
    ),
    Setting::switch(
        Group::Features,
        "proclitics",
        "no-proclitics",
        false,
        "Do not add proclitic-stripped word forms [default: add them]",
        |c, v| set(&mut c.features.proclitics, on_off(v)),
    ),
    Setting::switch(
        Group::Features,
        "sublinear-tf",
        "raw-tf",
        false,
        "Use raw term counts instead of 1 + ln(count) [default: sublinear]",
        |c, v| set(&mut c.features.sublinear_tf, on_off(v)),
    ),
    Setting::value(
        Group::Unlabelled,
        "self-train-rounds",
        "N",
        "Self-training rounds over the --unlabelled sentences, which they need (so cv, which takes \
         none, refuses them) [default: 0]",
        |c, v| set(&mut c.unlabelled.rounds, whole(v)),
    ),
    Setting::value(
        Group::Unlabelled,
        "self-train-threshold",
        "P",
        "Least confidence for a pseudo-label [default: 0.9]",
        |c, v| set(&mut c.unlabelled.threshold, real(v)),
    ),
    Setting::value(
        Group::Unlabelled,
        "pseudo-weight",
        "WEIGHT",
        "Loss weight of a pseudo-labelled row [default: 0.5]",
        |c, v| set(&mut c.unlabelled.weight, real(v)),
    ),
    Setting::value(
        Group::Unlabelled,
        "pseudo-max-ratio",
        "RATIO",
        "Pseudo-labels per label at most, as a multiple of its labelled rows [default: 1.0]",
        |c, v| set(&mut c.unlabelled.max_ratio, real(v)),
    ),
    Setting::switch(
        Group::Unlabelled,
        "unlabelled-idf",
        "no-unlabelled-idf",
        false,
        "Fit IDF on the training rows only, not on the --unlabelled sentences [default: both]",
        |c, v| set(&mut c.unlabelled.idf, on_off(v)),
    ),
    Setting::switch(
        Group::Normalizer,
        "strip-invisible",
        "keep-invisible",
        false,
        "Keep invisible format characters (direction marks, zero-width joiners, BOM) [default: \
         strip them]",
        |c, v| set(&mut c.features.normalizer.strip_invisible, on_off(v)),
    ),
    Setting::switch(
        Group::Normalizer,
        "strip-diacritics",
        "keep-diacritics",
        false,
        "Keep diacritics (tashkeel) [default: strip]",
        |c, v| set(&mut c.features.normalizer.strip_diacritics, on_off(v)),
    ),
    Setting::switch(
        Group::Normalizer,
        "fold-alef",
        "no-fold-alef",
        false,
        "Do not fold أ إ آ ٱ to ا [default: fold]",
        |c, v| set(&mut c.features.normalizer.fold_alef, on_off(v)),
    ),
    Setting::switch(
        Group::Normalizer,
        "fold-yeh",
        "no-fold-yeh",
        false,
        "Do not fold ى to ي [default: fold]",
        |c, v| set(&mut c.features.normalizer.fold_yeh, on_off(v)),
    ),
    Setting::switch(
        Group::Normalizer,
        "fold-teh-marbuta",
        "no-fold-teh-marbuta",
        false,
        "Do not fold ة to ه [default: fold]",
        |c, v| set(&mut c.features.normalizer.fold_teh_marbuta, on_off(v)),
    ),
];

/// Sets one of the model's parameters through its builder method.
fn set_model<T>(
    config: &mut TrainConfig,
    with: fn(LinearParams, T) -> LinearParams,
    value: std::result::Result<T, String>,
) -> std::result::Result<(), String> {
    config.model = with(config.model, value?);
    Ok(())
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

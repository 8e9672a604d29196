//! The model file: everything needed to predict, in one checksummed file.
//!
//! Layout (all integers little-endian):
//! ```text
//! 0..8    magic  b"STANCEM\0"
//! 8..12   format version (u32)
//! 12..20  payload length in bytes (u64)
//! 20..52  SHA-256 of the payload
//! 52..    payload: bincode of the crate version, labels, feature config, tokenizer JSON,
//!         IDF, weights, calibration, named top features and training provenance
//! ```
//! Files are written atomically (a temporary file in the same folder, then a rename), and a
//! load checks magic, version, length and checksum before decoding anything.

mod provenance;

pub use provenance::{created_date, DataFile, Provenance};

use crate::calibration::Calibration;
use crate::error::{Error, Result};
use crate::features::{FeatureConfig, Featurizer, IdfWeights};
use crate::io::envelope::{codec, Envelope};
use crate::label::Stance;
use crate::model::{FittedLinear, TopFeatures};
use crate::pipeline::Pipeline;
use crate::text::TextPipeline;
use bincode::Options;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The first bytes of every model file.
pub const MAGIC: &[u8; 8] = crate::io::file_kind::LINEAR_MODEL_MAGIC;
/// The model format this build writes and reads. Bumped whenever the features a saved
/// configuration gives change (5: word lists fold before proclitics are stripped, which changed
/// the features of normalisers that leave a default folding off).
pub const FORMAT_VERSION: u32 = 5;
/// The header of model files: this kind's magic and version.
const ENVELOPE: Envelope = Envelope {
    what: "stance model file",
    magic: MAGIC,
    version: FORMAT_VERSION,
};

/// A trained model with its metadata.
#[derive(Debug, Clone)]
pub struct Bundle {
    /// The prediction pipeline.
    pub pipeline: Pipeline,
    /// Readable strongest features per label.
    pub top_features: TopFeatures,
    /// How the model was made.
    pub provenance: Provenance,
}

#[derive(Serialize, Deserialize)]
struct Payload {
    crate_version: String,
    labels: Vec<Stance>,
    features: FeatureConfig,
    tokenizer_json: String,
    idf: IdfWeights,
    model: FittedLinear,
    calibration: Calibration,
    top_features: TopFeatures,
    provenance: Provenance,
}

impl Bundle {
    /// Serialises the model into the file format's bytes.
    ///
    /// # Errors
    /// [`Error::Tokenizer`] if the tokenizer cannot be serialised.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let payload = Payload {
            crate_version: env!("CARGO_PKG_VERSION").to_string(),
            labels: self.pipeline.model().labels().to_vec(),
            features: *self.pipeline.featurizer().config(),
            tokenizer_json: self.pipeline.featurizer().pipeline().to_json()?,
            idf: self.pipeline.idf().clone(),
            model: self.pipeline.model().clone(),
            calibration: *self.pipeline.calibration(),
            top_features: self.top_features.clone(),
            provenance: self.provenance.clone(),
        };
        let body = codec()
            .serialize(&payload)
            .map_err(|e| Error::Data(format!("cannot encode the model: {e}")))?;
        Ok(ENVELOPE.seal(&body))
    }

    /// Writes the model to `path` atomically ([`crate::io::write_atomically`]): a temporary
    /// file in the same folder, flushed and synced, then renamed over the target, so a crash
    /// never leaves half a model.
    ///
    /// # Errors
    /// [`Error::UnsafeOutput`] when `path` is not a regular file (a device, a FIFO, a folder);
    /// [`Error::Io`] naming the path.
    pub fn save(&self, path: &Path) -> Result<()> {
        crate::io::write_atomically(path, &self.to_bytes()?)
    }

    /// Reads and checks a model file. A regular file is mapped into memory for the load, a
    /// stream (a pipe) is read.
    ///
    /// # Errors
    /// [`Error::Io`] if unreadable; [`Error::NotAModel`] for another kind of file;
    /// [`Error::BundleVersion`] for another format version; [`Error::Truncated`] for a short
    /// file; [`Error::Corrupt`] when the checksum or decoding fails.
    pub fn load(path: &Path) -> Result<Bundle> {
        ENVELOPE.read(path, |bytes| Bundle::from_bytes(bytes, path))
    }

    /// Decodes a model from bytes; `path` only names the source in errors.
    ///
    /// # Errors
    /// As [`Bundle::load`].
    pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Bundle> {
        let body = ENVELOPE.open(bytes, path)?;
        let corrupt = |reason: String| Error::Corrupt {
            path: path.to_path_buf(),
            reason,
        };
        let payload: Payload = codec()
            .deserialize(body)
            .map_err(|e| corrupt(format!("cannot decode: {e}")))?;
        // Every model this build writes holds the tokenizer its normaliser settings generate;
        // anything else is refused before the tokenizers crate parses it (a forged tokenizer
        // JSON could panic inside that crate).
        let text =
            TextPipeline::matching_json(&payload.features.normalizer, &payload.tokenizer_json)
                .map_err(|e| corrupt(e.to_string()))?;
        let featurizer = Featurizer::with_pipeline(payload.features, text)
            .map_err(|e| corrupt(e.to_string()))?;
        if payload.labels != payload.model.labels() {
            return Err(corrupt("label list and weights disagree".into()));
        }
        let pipeline = Pipeline::new(featurizer, payload.idf, payload.model, payload.calibration)
            .map_err(|e| corrupt(e.to_string()))?;
        Ok(Bundle {
            pipeline,
            top_features: payload.top_features,
            provenance: payload.provenance,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::envelope::HEADER_LEN;
    use ndarray::{Array1, Array2};

    fn shipped_bytes() -> Vec<u8> {
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("models/stance.model"))
            .expect("the shipped model")
    }

    /// The shipped model with its payload changed by `forge`, under a valid header and
    /// checksum: what someone forging a model could write.
    fn forged(forge: impl FnOnce(&mut Payload)) -> Vec<u8> {
        let bytes = shipped_bytes();
        let mut payload: Payload = codec().deserialize(&bytes[HEADER_LEN..]).expect("decodes");
        forge(&mut payload);
        seal(&codec().serialize(&payload).expect("encodes"))
    }

    /// A payload under a valid header and checksum, as [`Bundle::to_bytes`] writes it.
    fn seal(body: &[u8]) -> Vec<u8> {
        ENVELOPE.seal(body)
    }

    fn refused(bytes: &[u8], reason: &str) {
        // (not expect_err: the Debug form of a whole model runs to megabytes)
        let Err(err) = Bundle::from_bytes(bytes, Path::new("forged.model")) else {
            panic!("a forged model loaded (expected an error saying {reason:?})");
        };
        assert!(err.to_string().contains(reason), "{err}");
    }

    /// The error of loading `path`, which must fail.
    fn load_error(path: &Path) -> Error {
        match Bundle::load(path) {
            Ok(_) => panic!("{} loaded", path.display()),
            Err(e) => e,
        }
    }

    #[test]
    fn a_resealed_unchanged_payload_loads() {
        let bundle = Bundle::from_bytes(&forged(|_| {}), Path::new("same.model")).expect("loads");
        assert!(bundle.pipeline.predict("نفت الوزارة صحة التقارير").is_ok());
    }

    #[test]
    fn forged_payloads_are_refused_before_use() {
        refused(
            &forged(|p| p.tokenizer_json = p.tokenizer_json.replacen("Sequence", "Lowercase", 1)),
            "tokenizer does not match",
        );
        refused(
            &forged(|p| p.tokenizer_json = "{\"version\": \"1.0\"".into()),
            "tokenizer does not match",
        );
        refused(
            &forged(|p| p.calibration.temperature = f32::NAN),
            "temperature",
        );
        refused(&forged(|p| p.calibration.temperature = -1.0), "temperature");
        refused(
            &forged(|p| p.calibration.temperature = f32::MIN_POSITIVE),
            "temperature",
        );
        refused(
            &forged(|p| p.features.hash_bits = 17),
            "IDF weights vs features",
        );
        refused(
            &forged(|p| p.labels.reverse()),
            "label list and weights disagree",
        );
    }

    /// A model as a file stores it, with plain arrays where [`FittedLinear`] checks its shapes:
    /// what a forger can write.
    #[derive(Serialize, Deserialize)]
    struct StoredModel {
        labels: Vec<Stance>,
        #[serde(with = "crate::serde_f32::matrix")]
        weights: Array2<f32>,
        bias: Array1<f32>,
    }

    /// The payload's layout with the model as a [`StoredModel`].
    #[derive(Serialize, Deserialize)]
    struct StoredPayload {
        crate_version: String,
        labels: Vec<Stance>,
        features: FeatureConfig,
        tokenizer_json: String,
        idf: IdfWeights,
        model: StoredModel,
        calibration: Calibration,
        top_features: TopFeatures,
        provenance: Provenance,
    }

    /// The shipped model with its labels, weight matrix and bias changed by `forge`, resealed.
    fn forged_model(forge: impl FnOnce(&mut StoredPayload)) -> Vec<u8> {
        let bytes = shipped_bytes();
        let mut payload: StoredPayload =
            codec().deserialize(&bytes[HEADER_LEN..]).expect("decodes");
        forge(&mut payload);
        seal(&codec().serialize(&payload).expect("encodes"))
    }

    /// [`forged_model`] with only the weights and bias changed.
    fn forged_weights(forge: impl FnOnce(&mut Array2<f32>, &mut Array1<f32>)) -> Vec<u8> {
        forged_model(|p| forge(&mut p.model.weights, &mut p.model.bias))
    }

    #[test]
    fn forged_weight_shapes_are_refused_at_load() {
        // unchanged, the copy of the layout round-trips to a model that loads
        assert!(Bundle::from_bytes(&forged_weights(|_, _| {}), Path::new("same.model")).is_ok());
        // a column more than labels: used to load and read each feature's weights askew
        let wide = forged_weights(|w, _| *w = Array2::zeros((w.nrows(), w.ncols() + 1)));
        refused(&wide, "weight columns vs labels");
        // a column fewer: used to load, then panic in predict
        let narrow = forged_weights(|w, _| *w = Array2::zeros((w.nrows(), w.ncols() - 1)));
        refused(&narrow, "weight columns vs labels");
        // rows fewer or more than the features the configuration hashes to
        let short = forged_weights(|w, _| *w = Array2::zeros((w.nrows() - 1, w.ncols())));
        refused(&short, "weight rows vs features");
        let long = forged_weights(|w, _| *w = Array2::zeros((w.nrows() + 1, w.ncols())));
        refused(&long, "weight rows vs features");
        refused(
            &forged_weights(|_, b| *b = Array1::zeros(2)),
            "bias vs labels",
        );
        refused(&forged_weights(|w, _| w[[7, 1]] = f32::INFINITY), "finite");
        refused(&forged_weights(|w, _| w[[7, 1]] = -3e7), "within");
        refused(&forged_weights(|_, b| b[2] = 1e30), "within");
    }

    #[test]
    fn forged_label_lists_are_refused_at_load() {
        // labels in another order, weights and label list agreeing: used to load, and eval
        // then read each sentence's probability of its gold label from another label's column
        let swapped = forged_model(|p| {
            p.labels.swap(0, 1);
            p.model.labels.swap(0, 1);
        });
        refused(&swapped, "labels must be");
        // two labels with two weight columns: used to load, and eval panicked on the third
        let two = forged_model(|p| {
            p.labels.pop();
            p.model.labels.pop();
            p.model.weights = Array2::zeros((p.model.weights.nrows(), 2));
            p.model.bias = Array1::zeros(2);
        });
        refused(&two, "labels must be");
    }

    #[test]
    fn load_reads_the_header_before_the_body() {
        let dir = tempfile::tempdir().unwrap();
        // an endless file of zeros is refused at its first bytes (it used to be read whole)
        let err = load_error(Path::new("/dev/zero"));
        assert!(matches!(err, Error::NotAModel { .. }), "{err}");
        // a header promising more than any model is refused without reading on
        let mut huge = shipped_bytes()[..HEADER_LEN].to_vec();
        huge[12..20].copy_from_slice(&u64::MAX.to_le_bytes());
        let path = dir.path().join("huge.model");
        std::fs::write(&path, &huge).unwrap();
        let err = load_error(&path);
        assert!(err.to_string().contains("larger than any model"), "{err}");
        // trailing bytes after the declared body are still reported
        let mut long = shipped_bytes();
        long.extend_from_slice(b"extra");
        std::fs::write(&path, &long).unwrap();
        let err = load_error(&path);
        assert!(err.to_string().contains("after the declared end"), "{err}");
    }

    /// A regular file is mapped, anything else read as a stream: both load the same model,
    /// and a stream's trailing bytes are still reported.
    #[cfg(unix)]
    #[test]
    fn a_model_loads_from_a_pipe_as_from_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let through_fifo = |bytes: Vec<u8>| {
            let fifo = dir.path().join("model.fifo");
            let _ = std::fs::remove_file(&fifo);
            let made = std::process::Command::new("mkfifo").arg(&fifo).status();
            assert!(made.is_ok_and(|s| s.success()), "mkfifo failed");
            let writer = {
                let fifo = fifo.clone();
                // the reader may stop early (an error): a closed pipe is not a test failure
                std::thread::spawn(move || {
                    let _ = std::fs::write(fifo, bytes);
                })
            };
            let loaded = Bundle::load(&fifo);
            writer.join().unwrap();
            loaded
        };
        let text = "نفت الوزارة صحة التقارير";
        let from_file =
            Bundle::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("models/stance.model"))
                .expect("the shipped model loads");
        let from_pipe = through_fifo(shipped_bytes()).expect("loads from a pipe");
        assert_eq!(
            from_pipe.pipeline.predict(text).unwrap(),
            from_file.pipeline.predict(text).unwrap()
        );
        let mut long = shipped_bytes();
        long.extend_from_slice(b"extra");
        let Err(err) = through_fifo(long) else {
            panic!("a stream with trailing bytes loaded");
        };
        assert!(err.to_string().contains("after the declared end"), "{err}");
    }
}

//! The model loader on arbitrary bytes: an error or a model that predicts and explains over
//! the three labels in index order, never a panic.
//!
//! Input starting with the magic bytes is loaded as it is (header checks, truncation,
//! checksums). Any other input is taken as a payload and sealed under a valid header and
//! checksum first, so the fuzzer reaches the decoder and the invariant checks behind the
//! checksum, where a forged model would be. Seeds: fuzz/corpus/model_load (a tiny model, its
//! payload, and regression inputs the fuzzer found: `regression-tiny-temperature`, a payload
//! whose calibration temperature was f32::MIN_POSITIVE, which loaded and predicted NaN).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};
use stance::bundle::{FORMAT_VERSION, MAGIC};
use stance::{Bundle, Stance};
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let sealed;
    let bytes = if data.starts_with(MAGIC) {
        data
    } else {
        let mut out = MAGIC.to_vec();
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&(data.len() as u64).to_le_bytes());
        out.extend_from_slice(&Sha256::digest(data));
        out.extend_from_slice(data);
        sealed = out;
        &sealed
    };
    if let Ok(bundle) = Bundle::from_bytes(bytes, Path::new("fuzz.model")) {
        let pipeline = &bundle.pipeline;
        // evaluation and the binding read probabilities by label index
        assert_eq!(
            pipeline.model().labels(),
            Stance::ALL,
            "labels in index order"
        );
        let sentence = "نفت الوزارة صحة التقارير عن إغلاق المعبر";
        let prediction = pipeline.predict(sentence).expect("a loaded model predicts");
        let total: f32 = prediction.probabilities.iter().map(|(_, p)| p).sum();
        assert!(
            (total - 1.0).abs() < 1e-3,
            "probabilities sum to 1, got {total}"
        );
        for label in Stance::ALL {
            pipeline
                .explain(sentence, label, 5)
                .expect("a loaded model explains");
        }
    }
});

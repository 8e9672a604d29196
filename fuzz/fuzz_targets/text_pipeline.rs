//! The fast text path equals the tokenizers-based reference on arbitrary text, for several
//! normaliser settings (the first byte picks them).
#![no_main]

use libfuzzer_sys::fuzz_target;
use stance::text::{NormalizerConfig, TextPipeline};

fuzz_target!(|data: &[u8]| {
    let Some((&switches, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let bit = |k: u8| switches & (1 << k) != 0;
    let config = NormalizerConfig {
        strip_invisible: !bit(0),
        strip_diacritics: !bit(1),
        strip_tatweel: !bit(2),
        map_digits: !bit(3),
        fold_alef: !bit(4),
        fold_yeh: !bit(5),
        fold_teh_marbuta: !bit(6),
    };
    let pipeline = TextPipeline::new(&config).expect("every switch combination builds");
    assert_eq!(
        pipeline.tokenize(text).expect("fast path"),
        pipeline.tokenize_reference(text).expect("reference path"),
        "{config:?} on {text:?}"
    );
});

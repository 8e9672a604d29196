//! Fine-tuning on the tiny model file: determinism, learning a task the model can learn,
//! serialisation, and refusals.

use super::*;
use crate::e5::tiny_model::{model_bytes, tiny_config, value};
use crate::e5::{E5Encoder, E5File, E5Prefix, E5Tokenizer};
use crate::error::Error;
use crate::label::Stance;

/// The tiny encoder (2 layers) and its tokenizer, with pieces `▁a` to `▁h`.
fn tiny() -> (E5Encoder, E5Tokenizer) {
    let pieces = ["▁a", "▁b", "▁c", "▁d", "▁e", "▁f", "▁g", "▁h"];
    let bytes = model_bytes(&tiny_config(), &pieces, &[], value);
    let file = E5File::parse("tiny.bin", &bytes).unwrap();
    let tokenizer = E5Tokenizer::new(&file, E5Prefix::None).unwrap();
    (E5Encoder::new(file, 0).unwrap(), tokenizer)
}

/// Three labels, each its own pair of words.
fn rows() -> Vec<(&'static str, Stance)> {
    use Stance::*;
    vec![
        ("a b", Assertion),
        ("b a", Assertion),
        ("a a b", Assertion),
        ("b b a", Assertion),
        ("c d", Denial),
        ("d c", Denial),
        ("c c d", Denial),
        ("d d c", Denial),
        ("e f", Allegation),
        ("f e", Allegation),
        ("e e f", Allegation),
        ("f f e", Allegation),
    ]
}

/// Settings the tiny model learns with in a few dozen steps.
fn quick(epochs: usize, seed: u64) -> FineTuneSettings {
    FineTuneSettings {
        upper_layers: 1,
        epochs,
        stop_after: epochs,
        learning_rate: 3e-3,
        batch_size: 4,
        max_len: 16,
        seed,
        ..FineTuneSettings::default()
    }
}

fn bytes(model: &FineTunedE5) -> Vec<u8> {
    bincode::serialize(model).unwrap()
}

#[test]
fn the_same_seed_gives_the_same_weights_and_another_seed_others() {
    let (encoder, tokenizer) = tiny();
    let train = |seed| fine_tune(&encoder, &tokenizer, &rows(), &quick(3, seed), &mut |_| {});
    let first = bytes(&train(5).unwrap());
    assert_eq!(first, bytes(&train(5).unwrap()));
    assert_ne!(first, bytes(&train(6).unwrap()));
}

#[test]
fn learns_a_task_the_model_can_learn() {
    let (encoder, tokenizer) = tiny();
    let mut losses = Vec::new();
    let model = fine_tune(
        &encoder,
        &tokenizer,
        &rows(),
        &quick(40, 1),
        &mut |progress| {
            if let E5Progress::Epoch(epoch) = progress {
                assert_eq!((epoch.epochs, epoch.sentences), (40, 12));
                losses.push(epoch.loss);
            }
        },
    )
    .unwrap();
    assert_eq!(losses.len(), 40);
    let last: f64 = losses[35..].iter().sum::<f64>() / 5.0;
    assert!(last < 0.5 * losses[0], "losses {losses:?}");
    let texts: Vec<&str> = rows().iter().map(|(t, _)| *t).collect();
    let probabilities = model.probabilities(&encoder, &tokenizer, &texts).unwrap();
    for ((text, label), p) in rows().iter().zip(&probabilities) {
        let best = (0..3).max_by(|&i, &j| p[i].total_cmp(&p[j])).unwrap();
        assert_eq!(Stance::ALL[best], *label, "{text}: {p:?}");
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-5);
    }
}

#[test]
fn stops_after_the_given_epoch_of_the_schedule() {
    let (encoder, tokenizer) = tiny();
    let (mut epochs, mut steps, mut cached) = (Vec::new(), Vec::new(), Vec::new());
    let settings = FineTuneSettings {
        stop_after: 2,
        ..quick(4, 1)
    };
    fine_tune(&encoder, &tokenizer, &rows(), &settings, &mut |p| match p {
        E5Progress::Caching { done, total } => cached.push((done, total)),
        E5Progress::Step { step, steps: all } => steps.push((step, all)),
        E5Progress::Epoch(e) => epochs.push((e.epoch, e.epochs)),
    })
    .unwrap();
    assert_eq!(epochs, [(1, 2), (2, 2)]);
    // 12 rows in batches of 4: 3 steps an epoch, 6 trained of the schedule's 12
    assert_eq!(steps, (1..=6).map(|s| (s, 6)).collect::<Vec<_>>());
    assert_eq!(cached.last(), Some(&(12, 12)));
}

#[test]
fn a_saved_model_gives_the_same_probabilities() {
    let (encoder, tokenizer) = tiny();
    let model = fine_tune(&encoder, &tokenizer, &rows(), &quick(2, 3), &mut |_| {}).unwrap();
    let loaded: FineTunedE5 = bincode::deserialize(&bytes(&model)).unwrap();
    assert_eq!(loaded, model);
    assert_eq!((loaded.upper_layers(), loaded.max_len()), (1, 16));
    let texts = ["a b", "c c d", "e f g h", "h"];
    assert_eq!(
        loaded.probabilities(&encoder, &tokenizer, &texts).unwrap(),
        model.probabilities(&encoder, &tokenizer, &texts).unwrap()
    );
    // JSON, which writes the floats' bytes as sequences of numbers, round-trips too.
    let json = serde_json::to_string(&model).unwrap();
    let back: FineTunedE5 = serde_json::from_str(&json).unwrap();
    assert_eq!(back, model);
}

#[test]
fn refuses_no_rows_and_more_layers_than_the_model_has() {
    let (encoder, tokenizer) = tiny();
    let none: [(&str, Stance); 0] = [];
    let err = fine_tune(&encoder, &tokenizer, &none, &quick(1, 1), &mut |_| {}).unwrap_err();
    assert!(matches!(err, Error::E5(_)), "{err}");
    let settings = FineTuneSettings {
        upper_layers: 3,
        ..quick(1, 1)
    };
    let err = fine_tune(&encoder, &tokenizer, &rows(), &settings, &mut |_| {}).unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidParam {
                name: "upper-layers",
                ..
            }
        ),
        "{err}"
    );
}

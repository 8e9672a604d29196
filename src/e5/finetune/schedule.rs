//! The pieces of e5 fine-tuning that are plain arithmetic, as in `bench/e5_finetune_probe.py`:
//! the batches of each epoch (`shuffled_batches`), the learning-rate factor of each step
//! (`schedule`) and the class weights of the loss.

use crate::label::Stance;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

/// Batches of a window are cut from this many batches' worth of sentences sorted by length.
const WINDOW_BATCHES: usize = 50;

/// Random batches of sentences of similar length: the indices of `lengths` shuffled, sorted
/// by length within windows of 50 batches (equal lengths keep their shuffled order), cut into
/// batches of up to `size`, and the batches shuffled.
pub(crate) fn shuffled_batches(
    lengths: &[usize],
    size: usize,
    rng: &mut ChaCha8Rng,
) -> Vec<Vec<usize>> {
    let size = size.max(1);
    let mut order: Vec<usize> = (0..lengths.len()).collect();
    order.shuffle(rng);
    let mut batches = Vec::new();
    for window in order.chunks_mut(size * WINDOW_BATCHES) {
        window.sort_by_key(|&i| lengths[i]);
        batches.extend(window.chunks(size).map(<[usize]>::to_vec));
    }
    batches.shuffle(rng);
    batches
}

/// The learning-rate factor at step `step` (from 0) of `total`: linear warm-up from 0 over
/// the first `floor(warmup_share * total)` steps (at least 1), then linear decay to 0 at
/// `total`, as the probe's `LambdaLR` schedule.
pub(crate) fn lr_factor(step: usize, total: usize, warmup_share: f64) -> f64 {
    // The floor, as Python's int(): the product is small and non-negative.
    let warm = ((warmup_share * total as f64) as usize).max(1);
    if step < warm {
        step as f64 / warm as f64
    } else {
        (total.saturating_sub(step) as f64 / total.saturating_sub(warm).max(1) as f64).max(0.0)
    }
}

/// Each label's weight in the loss, in [`Stance::ALL`] order: `n / (3 * count)`, so every
/// label weighs the same in total (scikit-learn's `balanced`, as the probe's); a label no row
/// has weighs 0 (no row carries it).
pub(crate) fn class_weights(labels: &[Stance]) -> [f32; 3] {
    let mut counts = [0usize; 3];
    for label in labels {
        counts[label.index()] += 1;
    }
    let n = labels.len() as f64;
    counts.map(|c| {
        if c == 0 {
            0.0
        } else {
            (n / (3 * c) as f64) as f32
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn warms_up_then_decays_to_zero() {
        // 100 steps, 6% warm-up: 6 steps up, 94 down.
        let f = |step| lr_factor(step, 100, 0.06);
        assert_eq!([f(0), f(3), f(6)], [0.0, 0.5, 1.0]);
        assert_eq!(f(53), 0.5);
        assert_eq!([f(99), f(100)], [1.0 / 94.0, 0.0]);
        // Fewer steps than one warm-up step: warm-up is still 1 step.
        assert_eq!([lr_factor(0, 10, 0.06), lr_factor(1, 10, 0.06)], [0.0, 1.0]);
        assert_eq!(lr_factor(5, 10, 0.06), 5.0 / 9.0);
    }

    #[test]
    fn class_weights_balance_the_labels() {
        use Stance::*;
        // n = 6: assertion 3 -> 6/9, denial 2 -> 6/6, allegation 1 -> 6/3.
        let labels = [Assertion, Denial, Assertion, Allegation, Denial, Assertion];
        assert_eq!(class_weights(&labels), [6.0 / 9.0, 1.0, 2.0]);
        assert_eq!(class_weights(&[Denial, Denial]), [0.0, 1.0 / 3.0, 0.0]);
    }

    #[test]
    fn batches_cover_every_sentence_once_and_group_by_length_within_windows() {
        let lengths: Vec<usize> = (0..250).map(|i| (i * 37) % 41).collect();
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let batches = shuffled_batches(&lengths, 2, &mut rng);
        // Windows of 100 sentences: 50 + 50 + 25 batches.
        assert_eq!(batches.len(), 125);
        let mut seen: Vec<usize> = batches.iter().flatten().copied().collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..250).collect::<Vec<_>>());
        for batch in &batches {
            assert!(lengths[batch[0]] <= lengths[*batch.last().unwrap()]);
        }
        let again = shuffled_batches(&lengths, 2, &mut ChaCha8Rng::seed_from_u64(1));
        assert_eq!(again, batches);
    }
}

//! Dropout for fine-tuning the e5 encoder: inverted dropout whose masks are drawn from the
//! training's seeded ChaCha stream (candle's own random numbers cannot be seeded on the CPU),
//! so a seed fixes every mask.
//!
//! Goes in: a tensor. Comes out: the tensor with each value zeroed with the rate's
//! probability and the others scaled by `1 / (1 - rate)`, as `torch.nn.Dropout` in training.

use candle_core::Tensor;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// Inverted dropout at a fixed rate, drawing its masks from a borrowed random stream.
pub struct Dropout<'a> {
    rng: &'a mut ChaCha8Rng,
    rate: f32,
}

impl<'a> Dropout<'a> {
    /// Dropout zeroing a share `rate` of the values (in `[0, 1)`; 0 draws nothing and changes
    /// nothing), its masks drawn from `rng`.
    pub fn new(rng: &'a mut ChaCha8Rng, rate: f32) -> Dropout<'a> {
        Dropout { rng, rate }
    }

    /// `x` with each value zeroed with the rate's probability (one draw per value, row-major)
    /// and the others scaled by `1 / (1 - rate)`.
    ///
    /// # Errors
    /// A candle error if the mask cannot be made or applied.
    pub fn apply(&mut self, x: &Tensor) -> candle_core::Result<Tensor> {
        if self.rate == 0.0 {
            return Ok(x.clone());
        }
        let keep = 1.0 / (1.0 - self.rate);
        let mask: Vec<f32> = (0..x.elem_count())
            .map(|_| {
                if self.rng.gen::<f32>() < self.rate {
                    0.0
                } else {
                    keep
                }
            })
            .collect();
        x * Tensor::from_vec(mask, x.shape(), x.device())?
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;
    use rand::SeedableRng;

    #[test]
    fn zeroes_about_the_rate_and_scales_the_rest() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let x = Tensor::ones(10_000, candle_core::DType::F32, &Device::Cpu).unwrap();
        let y = Dropout::new(&mut rng, 0.2)
            .apply(&x)
            .unwrap()
            .to_vec1::<f32>()
            .unwrap();
        let zeros = y.iter().filter(|&&v| v == 0.0).count();
        assert!((1_800..2_200).contains(&zeros), "{zeros}");
        assert!(y.iter().all(|&v| v == 0.0 || v == 1.25));
        // The same seed draws the same mask.
        let mut again = ChaCha8Rng::seed_from_u64(7);
        let z = Dropout::new(&mut again, 0.2).apply(&x).unwrap();
        assert_eq!(z.to_vec1::<f32>().unwrap(), y);
    }

    #[test]
    fn rate_zero_draws_nothing() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let x = Tensor::new(&[1f32, 2.0], &Device::Cpu).unwrap();
        let y = Dropout::new(&mut rng, 0.0).apply(&x).unwrap();
        assert_eq!(y.to_vec1::<f32>().unwrap(), [1.0, 2.0]);
        assert_eq!(rng.gen::<u64>(), ChaCha8Rng::seed_from_u64(7).gen::<u64>());
    }
}

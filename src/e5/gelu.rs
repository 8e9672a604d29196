//! erf-GELU for inference, `x / 2 * (1 + erf(x / sqrt 2))`, with a vectorisable `f32` erf.
//!
//! Hand-written because candle's `gelu_erf` calls libm's scalar `erff` once per element: on one
//! thread that was about a fifth of the e5 forward pass (perf, test split), against a few per
//! cent for PyTorch, whose erf is vectorised. The erf here is the rational approximation of
//! Eigen (also XLA's and TVM's): absolute error about 1e-7, `f32` precision, and a loop of
//! multiply-adds and one division that the compiler vectorises. It has no backward pass; the
//! layers being trained use candle's `gelu_erf`.

use candle_core::{CpuStorage, CustomOp1, Layout, Shape, Tensor};

/// erf-GELU of every element of `x` (`f32`), without gradient.
pub(crate) fn gelu_erf_fast(x: &Tensor) -> candle_core::Result<Tensor> {
    x.apply_op1_no_bwd(&FastGeluErf)
}

struct FastGeluErf;

impl CustomOp1 for FastGeluErf {
    fn name(&self) -> &'static str {
        "e5-fast-gelu-erf"
    }

    fn cpu_fwd(
        &self,
        storage: &CpuStorage,
        layout: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let CpuStorage::F32(values) = storage else {
            candle_core::bail!("{} is implemented for f32 only", self.name());
        };
        let Some((start, end)) = layout.contiguous_offsets() else {
            candle_core::bail!("{} needs a contiguous tensor", self.name());
        };
        let out: Vec<f32> = values[start..end].iter().map(|&x| gelu(x)).collect();
        Ok((CpuStorage::F32(out), layout.shape().clone()))
    }
}

#[inline(always)]
fn gelu(x: f32) -> f32 {
    0.5 * x * (1.0 + erf(x * std::f32::consts::FRAC_1_SQRT_2))
}

/// Eigen's `generic_fast_erf_float`: `x P(x^2) / Q(x^2)` on `x` clamped to [-4, 4], beyond
/// which erf is ±1 in `f32`. The coefficients are written as Eigen publishes them.
#[inline(always)]
#[allow(clippy::excessive_precision)]
fn erf(x: f32) -> f32 {
    let x = x.clamp(-4.0, 4.0);
    let x2 = x * x;
    let mut p = x2 * -2.72614225801306e-10 + 2.77068142495902e-08;
    p = x2 * p + -2.10102402082508e-06;
    p = x2 * p + -5.69250639462346e-05;
    p = x2 * p + -7.34990630326855e-04;
    p = x2 * p + -2.95459980854025e-03;
    p = x2 * p + -1.60960333262415e-02;
    let mut q = x2 * -1.45660718464996e-05 + -2.13374055278905e-04;
    q = x2 * q + -1.68282697438203e-03;
    q = x2 * q + -7.37332916720468e-03;
    q = x2 * q + -1.42647390514189e-02;
    x * p / q
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    #[test]
    fn agrees_with_candles_gelu_erf_to_float_precision() {
        // Dense over [-10, 10], where the tails and the clamp at ±4 both show.
        let xs: Vec<f32> = (-20_000..=20_000).map(|i| i as f32 / 2000.0).collect();
        let t = Tensor::new(xs.as_slice(), &Device::Cpu).unwrap();
        let ours = gelu_erf_fast(&t).unwrap().to_vec1::<f32>().unwrap();
        let theirs = t.gelu_erf().unwrap().to_vec1::<f32>().unwrap();
        for ((x, a), b) in xs.iter().zip(&ours).zip(&theirs) {
            let tolerance = 4e-7 * x.abs().max(1.0);
            assert!((a - b).abs() <= tolerance, "gelu({x}): {a} vs {b}");
        }
        assert_eq!(ours[20_000], 0.0);
        assert_eq!(
            gelu_erf_fast(&Tensor::new(&[-30f32, 30.0], &Device::Cpu).unwrap())
                .unwrap()
                .to_vec1::<f32>()
                .unwrap(),
            [0.0, 30.0]
        );
    }

    #[test]
    fn erf_matches_reference_values() {
        // erf(0.5), erf(1), erf(2), erf(3) to 9 digits.
        for (x, expected) in [
            (0.5f32, 0.520_499_878f64),
            (1.0, 0.842_700_793),
            (2.0, 0.995_322_265),
            (3.0, 0.999_977_910),
        ] {
            assert!(
                (f64::from(erf(x)) - expected).abs() < 3e-7,
                "erf({x}) = {}",
                erf(x)
            );
            assert!((f64::from(erf(-x)) + expected).abs() < 3e-7, "erf(-{x})");
        }
    }
}

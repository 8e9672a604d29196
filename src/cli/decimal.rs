//! Probabilities printed with a fixed number of decimals, byte for byte as `format!("{:.N}")`
//! prints them, without the formatting machinery's exact-decimal search per number.
//!
//! In: an `f32` in [0, 1] and 3 or 4 decimals. Out: `0.1235`-style text. An `f32` has 24
//! significant bits, so `x * 10^N` (N <= 4) is exact in `f64`; rounding it half to even is
//! then exactly what std's exact formatting does (tests compare both on every multiple of
//! 2^-20, which holds every tie, and on a million random values). Anything outside [0, 1],
//! and -0 (never a probability), is left to std.
//!
//! Hand-written: ryu prints shortest round-trip digits, not a fixed count of decimals, and
//! itoa does not zero-pad the fraction.

use std::io::Write;

/// Appends `x` with `decimals` (at most 4) digits after the point.
pub fn push_fixed(out: &mut Vec<u8>, x: f32, decimals: u32) {
    if !(0.0..=1.0).contains(&x) || x.is_sign_negative() || decimals > 4 {
        // Unreachable for probabilities; keeps std's text for anything else.
        let _ = write!(out, "{x:.prec$}", prec = decimals as usize);
        return;
    }
    let scale = 10u32.pow(decimals);
    // Exact product, rounded half to even: an integer in 0..=scale.
    let scaled = (f64::from(x) * f64::from(scale)).round_ties_even() as u32;
    out.push(b'0' + (scaled / scale) as u8);
    if decimals == 0 {
        return;
    }
    out.push(b'.');
    let mut fraction = scaled % scale;
    let start = out.len();
    out.resize(start + decimals as usize, b'0');
    for digit in out[start..].iter_mut().rev() {
        *digit = b'0' + (fraction % 10) as u8;
        fraction /= 10;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    fn assert_same(x: f32) {
        for decimals in [0, 3, 4] {
            let mut out = Vec::new();
            push_fixed(&mut out, x, decimals);
            let want = format!("{x:.prec$}", prec = decimals as usize);
            assert_eq!(String::from_utf8(out).unwrap(), want, "{x:e} {decimals}");
        }
    }

    #[test]
    fn matches_std_on_every_tie_and_random_values() {
        for k in 0..=(1u32 << 20) {
            assert_same(k as f32 / (1u32 << 20) as f32);
        }
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(10);
        for _ in 0..1_000_000 {
            assert_same(rng.gen::<f32>());
        }
        for x in [
            0.0,
            -0.0,
            1.0,
            f32::MIN_POSITIVE,
            1e-30,
            0.99995,
            0.00005,
            0.0005,
        ] {
            assert_same(x);
        }
        for x in [f32::NAN, -0.5, 1.5, f32::INFINITY] {
            assert_same(x);
        }
    }
}

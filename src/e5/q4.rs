//! Q4_0, the 4-bit block encoding of the e5 file's weight matrices (ggml's): blocks of 32
//! weights sharing one f16 scale. No crate decodes this block layout, so it is done here.

/// Weights per Q4_0 block.
pub const Q4_BLOCK_WEIGHTS: usize = 32;

/// Bytes per Q4_0 block: an f16 scale, then 16 bytes of two 4-bit weights each.
pub const Q4_BLOCK_BYTES: usize = 2 + Q4_BLOCK_WEIGHTS / 2;

/// Q4_0 blocks to weights. Each 18-byte block is an f16 scale `d`, then 16 bytes: byte `j`
/// holds weight `j` in its low nibble and weight `j + 16` in its high nibble, each nibble `q`
/// standing for `(q - 8) * d`. A trailing partial block is ignored.
pub fn dequantize_q4_0(blocks: &[u8]) -> Vec<f32> {
    let mut out = Vec::with_capacity(blocks.len() / Q4_BLOCK_BYTES * Q4_BLOCK_WEIGHTS);
    for block in blocks.chunks_exact(Q4_BLOCK_BYTES) {
        let d = half::f16::from_le_bytes([block[0], block[1]]).to_f32();
        let qs = &block[2..];
        out.extend(qs.iter().map(|&b| f32::from(b & 0x0F) - 8.0).map(|q| q * d));
        out.extend(qs.iter().map(|&b| f32::from(b >> 4) - 8.0).map(|q| q * d));
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Q4_0 blocks of `values` (a multiple of 32 of them), each block scaled by its largest
    /// magnitude / 8, as ggml's reference quantiser.
    pub(crate) fn quantize_q4_0(values: &[f32]) -> Vec<u8> {
        let mut out = Vec::new();
        for block in values.chunks(Q4_BLOCK_WEIGHTS) {
            let max = block
                .iter()
                .copied()
                .fold(0.0f32, |m, v| if v.abs() > m.abs() { v } else { m });
            let d = max / -8.0;
            let inv = if d == 0.0 { 0.0 } else { 1.0 / d };
            out.extend(half::f16::from_f32(d).to_le_bytes());
            let q = |v: f32| ((v * inv + 8.5) as u8).min(15);
            for j in 0..16 {
                out.push(q(block[j]) | (q(block[j + 16]) << 4));
            }
        }
        out
    }

    #[test]
    fn dequantizes_low_nibbles_first_then_high_nibbles() {
        // d = 0.5 (f16 0x3800); byte j = (j+16 weight's q) << 4 | (j weight's q).
        let mut block = vec![0x00, 0x38];
        for j in 0..16u8 {
            block.push(j | ((15 - j) << 4));
        }
        let weights = dequantize_q4_0(&block);
        assert_eq!(weights.len(), 32);
        for j in 0..16 {
            assert_eq!(weights[j], (j as f32 - 8.0) * 0.5, "weight {j}");
            assert_eq!(weights[j + 16], (7.0 - j as f32) * 0.5, "weight {}", j + 16);
        }
    }

    #[test]
    fn dequantizes_each_block_with_its_own_scale() {
        // Two blocks, scales 2.0 (0x4000) and -0.25 (0xB400), every nibble 9 (q - 8 = 1).
        let mut bytes = vec![0x00, 0x40];
        bytes.extend([0x99; 16]);
        bytes.extend([0x00, 0xB4]);
        bytes.extend([0x99; 16]);
        let weights = dequantize_q4_0(&bytes);
        assert_eq!(weights[..32], [2.0; 32]);
        assert_eq!(weights[32..], [-0.25; 32]);
    }
}

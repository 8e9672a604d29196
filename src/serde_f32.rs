//! Large `f32` arrays (model weights, IDF) as little-endian bytes in a model file: one copy
//! when decoding, where serde's element-by-element sequence cost a seventh of loading a model
//! and predicting one sentence. Hand-written: `serde_bytes` would give the bytes, not the
//! floats, and ndarray's own serde writes a sequence.
//!
//! Use with `#[serde(with = "crate::serde_f32::vec")]` on a `Vec<f32>` and
//! `#[serde(with = "crate::serde_f32::matrix")]` on an `Array2<f32>`.

use serde::de::{Error as _, Visitor};
use serde::{Deserializer, Serializer};
use std::fmt;

/// The floats as little-endian bytes.
fn to_bytes(values: impl Iterator<Item = f32>) -> Vec<u8> {
    values.flat_map(f32::to_le_bytes).collect()
}

/// Reads the floats back from bytes.
struct FloatsVisitor;

impl<'de> Visitor<'de> for FloatsVisitor {
    type Value = Vec<f32>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("little-endian f32 bytes")
    }

    fn visit_bytes<E: serde::de::Error>(self, bytes: &[u8]) -> Result<Vec<f32>, E> {
        if bytes.len() % 4 != 0 {
            return Err(E::custom(format!(
                "{} bytes of f32 data is not a multiple of 4",
                bytes.len()
            )));
        }
        let mut values = vec![0.0f32; bytes.len() / 4];
        for (value, b) in values.iter_mut().zip(bytes.chunks_exact(4)) {
            *value = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        }
        Ok(values)
    }

    fn visit_byte_buf<E: serde::de::Error>(self, bytes: Vec<u8>) -> Result<Vec<f32>, E> {
        self.visit_bytes(&bytes)
    }

    /// Formats without a byte type (JSON) write the bytes as a sequence of numbers.
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<f32>, A::Error> {
        let mut bytes = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1 << 20));
        while let Some(byte) = seq.next_element::<u8>()? {
            bytes.push(byte);
        }
        self.visit_bytes(&bytes)
    }
}

/// A `Vec<f32>` as bytes.
pub mod vec {
    use super::*;

    /// Writes the floats as one byte string.
    pub fn serialize<S: Serializer>(values: &[f32], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(&to_bytes(values.iter().copied()))
    }

    /// Reads floats written by [`serialize`].
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<f32>, D::Error> {
        deserializer.deserialize_bytes(FloatsVisitor)
    }
}

/// An `Array2<f32>` as its shape and its row-major elements as bytes.
pub mod matrix {
    use super::*;
    use ndarray::Array2;
    use serde::{Deserialize, Serialize};

    #[derive(Serialize)]
    struct Written<'a> {
        rows: usize,
        cols: usize,
        #[serde(with = "super::vec")]
        data: &'a [f32],
    }

    #[derive(Deserialize)]
    struct Read {
        rows: usize,
        cols: usize,
        #[serde(with = "super::vec")]
        data: Vec<f32>,
    }

    /// Writes the shape and the elements in row-major order.
    pub fn serialize<S: Serializer>(
        matrix: &Array2<f32>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let data: Vec<f32> = matrix.iter().copied().collect();
        Written {
            rows: matrix.nrows(),
            cols: matrix.ncols(),
            data: &data,
        }
        .serialize(serializer)
    }

    /// Reads a matrix written by [`serialize`]; the element count must match the shape.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Array2<f32>, D::Error> {
        let read = Read::deserialize(deserializer)?;
        Array2::from_shape_vec((read.rows, read.cols), read.data).map_err(|e| {
            D::Error::custom(format!(
                "a {}x{} matrix does not fit its data: {e}",
                read.rows, read.cols
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use ndarray::Array2;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Both {
        #[serde(with = "super::vec")]
        v: Vec<f32>,
        #[serde(with = "super::matrix")]
        m: Array2<f32>,
    }

    #[test]
    fn round_trips_through_bincode_and_json_and_checks_the_shape() {
        let both = Both {
            v: vec![0.5, -1.25, f32::MIN_POSITIVE, 3e7],
            m: Array2::from_shape_vec((2, 3), vec![1.0, 2.0, 3.0, -4.0, 5.5, 0.0]).unwrap(),
        };
        let bytes = bincode::serialize(&both).unwrap();
        assert_eq!(bincode::deserialize::<Both>(&bytes).unwrap(), both);
        let json = serde_json::to_string(&both).unwrap();
        assert_eq!(serde_json::from_str::<Both>(&json).unwrap(), both);
        // a shape that does not match the element count is an error, not a panic
        let bad = json.replace("\"rows\":2", "\"rows\":3");
        let err = serde_json::from_str::<Both>(&bad).unwrap_err();
        assert!(err.to_string().contains("does not fit"), "{err}");
        let odd = bincode::serialize(&(vec![0u8; 5], 1usize, 1usize, vec![0u8; 4])).unwrap();
        assert!(bincode::deserialize::<Both>(&odd).is_err());
    }
}

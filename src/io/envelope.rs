//! The checksummed envelope of the model files stance saves (the linear model, the fine-tuned
//! e5 model): a fixed header, then the payload, so a load refuses another kind of file,
//! another format version, a short file or a changed byte before decoding anything.
//!
//! Layout (all integers little-endian):
//! ```text
//! 0..8    magic (8 bytes, one per kind of file)
//! 8..12   format version (u32)
//! 12..20  payload length in bytes (u64)
//! 20..52  SHA-256 of the payload
//! 52..    payload
//! ```

use crate::error::{Error, Result};
use crate::io::FileKind;
use bincode::Options;
use sha2::{Digest, Sha256};
use std::path::Path;

/// Bytes before the payload.
pub const HEADER_LEN: usize = 8 + 4 + 8 + 32;
/// Largest payload a load will decode (guards against absurd lengths in a damaged header).
pub const MAX_PAYLOAD: u64 = 1 << 32;

/// The bincode settings of every payload: fixed-width little-endian integers, at most
/// [`MAX_PAYLOAD`] bytes.
pub fn codec() -> impl Options {
    bincode::DefaultOptions::new()
        .with_fixint_encoding()
        .with_little_endian()
        .with_limit(MAX_PAYLOAD)
}

/// One kind of file: its magic bytes and the format version this build writes and reads.
#[derive(Debug, Clone, Copy)]
pub struct Envelope {
    /// What a file of this kind is called in errors ("stance model file").
    pub what: &'static str,
    /// The first bytes of every file of this kind.
    pub magic: &'static [u8; 8],
    /// The format version this build writes and reads.
    pub version: u32,
}

impl Envelope {
    /// `payload` under a header of this kind, its length and checksum.
    pub fn seal(&self, payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
        out.extend_from_slice(self.magic);
        out.extend_from_slice(&self.version.to_le_bytes());
        out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        out.extend_from_slice(&Sha256::digest(payload));
        out.extend_from_slice(payload);
        out
    }

    /// The payload of a whole file's `bytes`, once magic, version, length and checksum are
    /// checked; `path` only names the source in errors.
    ///
    /// # Errors
    /// [`Error::NotAModel`] for another kind of file; [`Error::BundleVersion`] for another
    /// format version; [`Error::Truncated`] for a short file; [`Error::Corrupt`] for bytes
    /// after the declared end or a checksum mismatch.
    pub fn open<'a>(&self, bytes: &'a [u8], path: &Path) -> Result<&'a [u8]> {
        let declared = self.check_header(bytes, path)?;
        let body = &bytes[HEADER_LEN..];
        if (body.len() as u64) < declared {
            return Err(Error::Truncated {
                path: path.to_path_buf(),
                expected: HEADER_LEN as u64 + declared,
                found: bytes.len() as u64,
            });
        }
        if body.len() as u64 > declared {
            return Err(Error::Corrupt {
                path: path.to_path_buf(),
                reason: format!(
                    "{} bytes after the declared end",
                    body.len() as u64 - declared
                ),
            });
        }
        if Sha256::digest(body).as_slice() != &bytes[20..HEADER_LEN] {
            return Err(Error::Corrupt {
                path: path.to_path_buf(),
                reason: "checksum mismatch".into(),
            });
        }
        Ok(body)
    }

    /// Reads the file at `path` and hands its whole bytes to `decode` (which calls
    /// [`Envelope::open`]). The header is read first: a file of another kind (or /dev/zero,
    /// or a huge file) is refused after 52 bytes, and the body read is bounded by the declared
    /// length. A regular file is mapped into memory, a stream (a pipe) is read.
    ///
    /// # Errors
    /// [`Error::Io`] if unreadable; the header's errors as [`Envelope::open`]; any error of
    /// `decode`.
    pub fn read<T>(&self, path: &Path, decode: impl FnOnce(&[u8]) -> Result<T>) -> Result<T> {
        let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let mut reader = std::io::Read::take(file, HEADER_LEN as u64);
        let mut bytes = Vec::with_capacity(HEADER_LEN);
        std::io::Read::read_to_end(&mut reader, &mut bytes).map_err(|e| Error::io(path, e))?;
        let declared = self.check_header(&bytes, path)?;
        let file = reader.into_inner();
        let on_disk = file
            .metadata()
            .ok()
            .filter(|m| m.is_file())
            .map(|m| m.len());
        if let Some(extra) = on_disk.and_then(|len| len.checked_sub(HEADER_LEN as u64 + declared)) {
            if extra > 0 {
                return Err(Error::Corrupt {
                    path: path.to_path_buf(),
                    reason: format!("{extra} bytes after the declared end"),
                });
            }
        }
        if on_disk.is_some() {
            // SAFETY: the map is only read, and dropped when `read` returns (`decode` must copy
            // what it keeps). stance replaces model files by a rename
            // ([`crate::io::write_atomically`]), so its own writes never change mapped bytes.
            // Another program rewriting the file in place during the load (`cp` over it,
            // `rsync --inplace`) is the residual risk: a truncation ends the process with
            // SIGBUS instead of an error, and an edit after the checksum can only give a
            // payload that passes every value check. Mapping instead of reading saves a copy of
            // the whole file into fresh pages (about a fifth of a one-sentence `stance
            // predict`); memmap2 is the well-kept crate for it.
            let map = unsafe { memmap2::Mmap::map(&file) }.map_err(|e| Error::io(path, e))?;
            return decode(&map);
        }
        // a stream: one byte more than declared, so trailing bytes are seen and reported
        let mut reader = std::io::Read::take(file, declared + 1);
        std::io::Read::read_to_end(&mut reader, &mut bytes).map_err(|e| Error::io(path, e))?;
        decode(&bytes)
    }

    /// Checks the magic bytes, the header's length and the format version, and gives the
    /// declared payload length.
    fn check_header(&self, bytes: &[u8], path: &Path) -> Result<u64> {
        let magic = &bytes[..bytes.len().min(self.magic.len())];
        if magic != self.magic {
            return Err(Error::NotAModel {
                path: path.to_path_buf(),
                what: self.what,
                expected: String::from_utf8_lossy(self.magic).into_owned(),
                found: String::from_utf8_lossy(magic).into_owned(),
                instead: FileKind::sniff(magic),
            });
        }
        if bytes.len() < HEADER_LEN {
            return Err(Error::Truncated {
                path: path.to_path_buf(),
                expected: HEADER_LEN as u64,
                found: bytes.len() as u64,
            });
        }
        let version = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
        if version != self.version {
            return Err(Error::BundleVersion {
                path: path.to_path_buf(),
                found: version,
                expected: self.version,
                hint: if version > self.version {
                    "it was written by a newer stance; upgrade stance to read it"
                } else {
                    "it was written by an older stance; retrain the model"
                },
            });
        }
        let declared = u64::from_le_bytes(bytes[12..20].try_into().expect("8 bytes"));
        if declared > MAX_PAYLOAD {
            return Err(Error::Corrupt {
                path: path.to_path_buf(),
                reason: format!("declared length {declared} is larger than any model"),
            });
        }
        Ok(declared)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KIND: Envelope = Envelope {
        what: "test file",
        magic: b"TESTKIND",
        version: 3,
    };

    fn opened(bytes: &[u8]) -> Result<Vec<u8>> {
        KIND.open(bytes, Path::new("x.bin")).map(<[u8]>::to_vec)
    }

    #[test]
    fn a_sealed_payload_opens_and_every_damage_is_named() {
        let sealed = KIND.seal(b"payload");
        assert_eq!(opened(&sealed).unwrap(), b"payload");
        let other_kind = Envelope {
            what: "other file",
            magic: b"OTHERKND",
            version: 3,
        };
        assert!(matches!(
            other_kind.open(&sealed, Path::new("x.bin")),
            Err(Error::NotAModel { .. })
        ));
        let newer = Envelope { version: 4, ..KIND }.seal(b"payload");
        let err = opened(&newer).unwrap_err().to_string();
        assert!(err.contains("newer stance"), "{err}");
        assert!(matches!(
            opened(&sealed[..sealed.len() - 1]),
            Err(Error::Truncated { .. })
        ));
        assert!(matches!(
            opened(&sealed[..30]),
            Err(Error::Truncated { .. })
        ));
        let mut longer = sealed.clone();
        longer.push(0);
        assert!(opened(&longer)
            .unwrap_err()
            .to_string()
            .contains("1 bytes after"));
        let mut flipped = sealed.clone();
        *flipped.last_mut().unwrap() ^= 1;
        assert!(opened(&flipped)
            .unwrap_err()
            .to_string()
            .contains("checksum"));
    }

    #[test]
    fn read_gives_the_file_and_refuses_another_kind_after_the_header() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.bin");
        std::fs::write(&path, KIND.seal(b"abc")).unwrap();
        let body = KIND
            .read(&path, |bytes| KIND.open(bytes, &path).map(<[u8]>::to_vec))
            .unwrap();
        assert_eq!(body, b"abc");
        std::fs::write(
            &path,
            b"not a model at all, much longer than a header ........",
        )
        .unwrap();
        let decoded = KIND.read(&path, |_| -> Result<()> { panic!("decoded another kind") });
        assert!(matches!(decoded, Err(Error::NotAModel { .. })));
    }
}

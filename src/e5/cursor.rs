//! A bounds-checked little-endian reader over an e5 model file's bytes: every read names what
//! it reads, so a short or malformed file is an [`Error::E5File`] saying which part is wrong.

use crate::error::{E5FileProblem, Error, Result};
use std::path::Path;

/// A bounds-checked reader over the file's bytes.
pub(crate) struct Cursor<'a> {
    /// The bytes read.
    pub(crate) bytes: &'a [u8],
    /// The offset of the next read.
    pub(crate) pos: usize,
    /// The file, named in errors.
    pub(crate) path: &'a Path,
}

impl<'a> Cursor<'a> {
    pub(crate) fn error(&self, problem: E5FileProblem) -> Error {
        Error::E5File {
            path: self.path.to_path_buf(),
            problem,
        }
    }

    pub(crate) fn invalid(&self, reason: String) -> Error {
        self.error(E5FileProblem::Invalid(reason))
    }

    /// `len` bytes at `start`, which must lie inside the file.
    pub(crate) fn at(&self, start: usize, len: usize, what: &str) -> Result<&'a [u8]> {
        let end = start.checked_add(len);
        end.and_then(|end| self.bytes.get(start..end))
            .ok_or_else(|| {
                self.error(E5FileProblem::Truncated {
                    what: what.to_string(),
                    needed: (start as u64).saturating_add(len as u64),
                    len: self.bytes.len() as u64,
                })
            })
    }

    /// The next `len` bytes.
    pub(crate) fn take(&mut self, len: usize, what: &str) -> Result<&'a [u8]> {
        let bytes = self.at(self.pos, len, what)?;
        self.pos += len;
        Ok(bytes)
    }

    pub(crate) fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N]> {
        Ok(self.take(N, what)?.try_into().expect("N bytes taken"))
    }

    pub(crate) fn u8(&mut self, what: &str) -> Result<u8> {
        Ok(self.array::<1>(what)?[0])
    }

    pub(crate) fn u16(&mut self, what: &str) -> Result<u16> {
        Ok(u16::from_le_bytes(self.array(what)?))
    }

    pub(crate) fn u32(&mut self, what: &str) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array(what)?))
    }

    pub(crate) fn i32(&mut self, what: &str) -> Result<i32> {
        Ok(i32::from_le_bytes(self.array(what)?))
    }

    pub(crate) fn u64(&mut self, what: &str) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array(what)?))
    }

    pub(crate) fn f32(&mut self, what: &str) -> Result<f32> {
        Ok(f32::from_le_bytes(self.array(what)?))
    }

    /// An `i32` that counts something, so must not be negative.
    pub(crate) fn count(&mut self, what: &str) -> Result<usize> {
        let value = self.i32(what)?;
        usize::try_from(value).map_err(|_| self.invalid(format!("{what} is {value}")))
    }

    /// A `u64` byte length or offset, which must fit in memory.
    pub(crate) fn len(&mut self, what: &str) -> Result<usize> {
        let value = self.u64(what)?;
        usize::try_from(value).map_err(|_| self.invalid(format!("{what} is {value}")))
    }

    /// A `u32` Unicode scalar value.
    pub(crate) fn char(&mut self, what: &str) -> Result<char> {
        let cp = self.u32(what)?;
        char::from_u32(cp).ok_or_else(|| self.invalid(format!("{what} has codepoint {cp:#x}")))
    }
}

//! Output stage, files: every file `stance` writes (models, configurations, reports,
//! suggestions) goes through here.
//!
//! In: a path and the bytes for it. Out: the file, written whole or not at all
//! ([`write_atomically`]), and never over something it must not replace: a device, a FIFO or a
//! folder ([`resolve`]), an input of the same run or a protected file such as the shipped model
//! ([`Outputs`]). Symbolic links are followed: the file a link points to is replaced and the
//! link stays.

pub mod atomic;
pub mod envelope;
pub mod file_kind;
pub mod target;

pub use atomic::{abandon_saves, write_atomically};
pub use file_kind::FileKind;
pub use target::{resolve, same_file, Outputs};

//! Where an output may go: the checks every written file passes before a byte is written.
//!
//! In: an output path, and (for [`Outputs`]) the files the run reads and the files it must not
//! replace. Out: the file the bytes will land in, or [`Error::UnsafeOutput`] naming the path and
//! the reason.
//!
//! Policy: a symbolic link is followed, so writing it replaces the file it points to (the link
//! stays); a dangling link is refused. Devices (`/dev/full`, `/dev/null`), FIFOs, sockets and
//! folders are refused: only a regular file, or a path where nothing is yet, is ever written.

use crate::error::{Error, Result};
use std::fs::Metadata;
use std::path::{Path, PathBuf};

/// The file that writing `path` creates or replaces: `path` itself, or the file its symbolic
/// links lead to.
///
/// # Errors
/// [`Error::UnsafeOutput`] when `path` is a dangling symbolic link or names something other
/// than a regular file (a device, a FIFO, a socket, a folder); [`Error::Io`] when it cannot be
/// examined.
pub fn resolve(path: &Path) -> Result<PathBuf> {
    let refuse = |reason: String| Error::UnsafeOutput {
        path: path.to_path_buf(),
        reason,
    };
    let link = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta.file_type().is_symlink(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(path.to_path_buf()),
        Err(e) => return Err(Error::io(path, e)),
    };
    let target = if link {
        match std::fs::metadata(path) {
            Ok(_) => std::fs::canonicalize(path).map_err(|e| Error::io(path, e))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(refuse(
                    "it is a symbolic link to nothing; remove the link or write the file it \
                     should point to"
                        .into(),
                ))
            }
            Err(e) => return Err(Error::io(path, e)),
        }
    } else {
        path.to_path_buf()
    };
    let meta = std::fs::metadata(&target).map_err(|e| Error::io(&target, e))?;
    if !meta.is_file() {
        return Err(refuse(format!(
            "it is {}, not a regular file; give the path of a file",
            kind(&meta)
        )));
    }
    Ok(target)
}

/// What a non-regular file is, for messages.
fn kind(meta: &Metadata) -> &'static str {
    if meta.is_dir() {
        return "a folder";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    "a special file"
}

/// What makes two paths the same file: device and inode on Unix (so hard links and symbolic
/// links are seen through), the canonical path elsewhere.
///
/// Written here rather than taken from the `same-file` crate because that crate opens each file
/// to identify it, and opening a FIFO given as an input blocks; `metadata` never does.
#[cfg(unix)]
type FileId = (u64, u64);
#[cfg(not(unix))]
type FileId = PathBuf;

/// The identity of the file at `path` (following links), or `None` when there is none.
fn file_id(path: &Path) -> Option<FileId> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
    }
    #[cfg(not(unix))]
    {
        std::fs::canonicalize(path).ok()
    }
}

/// True when `a` and `b` name one existing file (links, hard ones too, seen through).
pub fn same_file(a: &Path, b: &Path) -> bool {
    matches!((file_id(a), file_id(b)), (Some(x), Some(y)) if x == y)
}

/// A test on the path an output resolves to: true for a kind of file no output may replace.
pub type IsProtected = fn(&Path) -> bool;

/// The files one run reads and must not replace, so that no output of the run lands on an
/// input, on a protected file (the shipped model), or on an output it wrote earlier.
#[derive(Debug, Default)]
pub struct Outputs {
    /// Files the run reads, with the name they were given by.
    inputs: Vec<(FileId, PathBuf)>,
    /// Files no output may replace, with the reason shown when one tries.
    protected: Vec<(FileId, String)>,
    /// Kinds of file no output may replace wherever they are (a test on the resolved path),
    /// with the reason shown when one tries.
    protected_kinds: Vec<(IsProtected, String)>,
    /// Outputs allowed to replace a protected file.
    allowed: Vec<FileId>,
    /// Outputs written so far.
    written: Vec<(FileId, PathBuf)>,
}

impl Outputs {
    /// An empty set: nothing read, nothing protected.
    pub fn new() -> Outputs {
        Outputs::default()
    }

    /// Notes a file the run reads. Standard input (`-`) and paths where no file exists are
    /// ignored, since no output can replace them.
    pub fn input(&mut self, path: &Path) -> &mut Outputs {
        if path != Path::new("-") {
            if let Some(id) = file_id(path) {
                self.inputs.push((id, path.to_path_buf()));
            }
        }
        self
    }

    /// Notes every file of `paths` as read ([`Outputs::input`]).
    pub fn inputs<'a>(&mut self, paths: impl IntoIterator<Item = &'a PathBuf>) -> &mut Outputs {
        for path in paths {
            self.input(path);
        }
        self
    }

    /// Protects the file at `path`, if there is one: writing it is refused with `reason`.
    pub fn protect(&mut self, path: &Path, reason: impl Into<String>) -> &mut Outputs {
        if let Some(id) = file_id(path) {
            self.protected.push((id, reason.into()));
        }
        self
    }

    /// Protects every existing file for which `is_protected` holds, given the absolute path of
    /// an output as given or that of the file it lands in: writing one is refused with
    /// `reason`.
    pub fn protect_kind(
        &mut self,
        is_protected: IsProtected,
        reason: impl Into<String>,
    ) -> &mut Outputs {
        self.protected_kinds.push((is_protected, reason.into()));
        self
    }

    /// Lets the output `path` replace a protected file (such as the reproduce command's model
    /// over the shipped one); inputs, devices and earlier outputs stay refused.
    pub fn allow_over_protected(&mut self, path: &Path) -> &mut Outputs {
        if let Some(id) = resolve(path).ok().as_deref().and_then(file_id) {
            self.allowed.push(id);
        }
        self
    }

    /// Checks that `path` may be written, before the work that produces it starts; returns the
    /// file it will land in (see [`resolve`]).
    ///
    /// # Errors
    /// [`Error::UnsafeOutput`] when `path` is not a regular file (or a new one), is an input of
    /// the run, is protected, or was written earlier in the run.
    pub fn check(&self, path: &Path) -> Result<PathBuf> {
        let target = resolve(path)?;
        let Some(id) = file_id(&target) else {
            return Ok(target);
        };
        let refuse = |reason: String| Error::UnsafeOutput {
            path: path.to_path_buf(),
            reason,
        };
        if let Some((_, input)) = self.inputs.iter().find(|(i, _)| *i == id) {
            return Err(refuse(if input == path {
                "it is also an input of this run; give another output path".into()
            } else {
                format!(
                    "it is the input {} of this run; give another output path",
                    input.display()
                )
            }));
        }
        if !self.allowed.contains(&id) {
            if let Some((_, reason)) = self.protected.iter().find(|(i, _)| *i == id) {
                return Err(refuse(reason.clone()));
            }
            // A kind is tested on the path as given (made absolute, links kept) and on the
            // file it lands in, so that a link on the way hides neither.
            let given = std::path::absolute(path).ok();
            let landed = std::fs::canonicalize(&target).ok();
            let is_kind = |is: &IsProtected| {
                given.as_deref().is_some_and(is) || landed.as_deref().is_some_and(is)
            };
            if let Some((_, reason)) = self.protected_kinds.iter().find(|(is, _)| is_kind(is)) {
                return Err(refuse(reason.clone()));
            }
        }
        if let Some((_, earlier)) = self.written.iter().find(|(i, _)| *i == id) {
            return Err(refuse(format!(
                "this run already wrote {} there; give each output its own path",
                earlier.display()
            )));
        }
        Ok(target)
    }

    /// [`Outputs::check`] for each output a run will write, and that no two of them are the
    /// same file (the later one would replace the earlier).
    ///
    /// # Errors
    /// Those of [`Outputs::check`], or [`Error::UnsafeOutput`] for the second of two paths
    /// naming one file.
    pub fn check_all<'a>(&self, paths: impl IntoIterator<Item = &'a PathBuf>) -> Result<()> {
        let mut seen: Vec<(PathBuf, &Path)> = Vec::new();
        for path in paths {
            let target = self.check(path)?;
            let target = std::path::absolute(&target).map_err(|e| Error::io(path, e))?;
            if let Some((_, first)) = seen.iter().find(|(t, _)| *t == target) {
                return Err(Error::UnsafeOutput {
                    path: path.clone(),
                    reason: format!(
                        "it is also the output {} of this run; give each output its own path",
                        first.display()
                    ),
                });
            }
            seen.push((target, path));
        }
        Ok(())
    }

    /// Writes `bytes` to `path` atomically ([`super::write_atomically`]) once
    /// [`Outputs::check`] passes, and notes it as written.
    ///
    /// # Errors
    /// Those of [`Outputs::check`], or [`Error::Io`] naming the path.
    pub fn write(&mut self, path: &Path, bytes: &[u8]) -> Result<()> {
        self.check(path)?;
        super::write_atomically(path, bytes)?;
        if let Some(id) = file_id(path) {
            self.written.push((id, path.to_path_buf()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(result: Result<PathBuf>) -> String {
        match result {
            Err(Error::UnsafeOutput { reason, .. }) => reason,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn a_new_path_or_a_regular_file_may_be_written() {
        let dir = tempfile::tempdir().unwrap();
        let new = dir.path().join("new.model");
        assert_eq!(resolve(&new).unwrap(), new);
        std::fs::write(&new, b"x").unwrap();
        assert_eq!(resolve(&new).unwrap(), new);
    }

    #[test]
    fn devices_folders_and_fifos_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        assert!(refused(resolve(dir.path())).contains("a folder"));
        #[cfg(target_os = "linux")]
        assert!(refused(resolve(Path::new("/dev/full"))).contains("a character device"));
    }

    #[cfg(unix)]
    #[test]
    fn a_link_is_followed_and_a_dangling_link_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("real.model");
        std::fs::write(&file, b"x").unwrap();
        let link = dir.path().join("link.model");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        assert_eq!(resolve(&link).unwrap(), file.canonicalize().unwrap());
        let dangling = dir.path().join("dangling.model");
        std::os::unix::fs::symlink(dir.path().join("absent"), &dangling).unwrap();
        assert!(refused(resolve(&dangling)).contains("symbolic link to nothing"));
    }

    #[test]
    fn inputs_protected_files_and_earlier_outputs_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("train.tsv");
        let shipped = dir.path().join("stance.model");
        std::fs::write(&input, b"x").unwrap();
        std::fs::write(&shipped, b"x").unwrap();
        let mut outputs = Outputs::new();
        outputs
            .input(&input)
            .input(Path::new("-"))
            .protect(&shipped, "it is the shipped model");
        assert!(refused(outputs.check(&input)).contains("input of this run"));
        assert_eq!(refused(outputs.check(&shipped)), "it is the shipped model");
        #[cfg(unix)]
        {
            let hard = dir.path().join("hard.tsv");
            std::fs::hard_link(&input, &hard).unwrap();
            assert!(refused(outputs.check(&hard)).contains("train.tsv"));
        }
        let out = dir.path().join("out.json");
        let same = dir.path().join(".").join("out.json");
        assert!(
            refused(outputs.check_all([&out, &same]).map(|()| out.clone()))
                .contains("also the output")
        );
        outputs.write(&out, b"{}").unwrap();
        assert!(refused(outputs.check(&out)).contains("already wrote"));
        assert!(outputs.check(&dir.path().join("other.json")).is_ok());
    }
}

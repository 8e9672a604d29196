//! Writing one file whole or not at all.
//!
//! In: a path and its bytes. Out: the file, written through a temporary file beside it
//! (`.NAME.XXXXXX.stance-tmp`), flushed, synced and renamed over the target, so a reader never
//! sees half a file and a crash never leaves one.
//!
//! Temporary files never outlive their save:
//! - a save that fails removes its temporary file;
//! - a save interrupted by SIGINT, SIGTERM or SIGHUP has its temporary file removed by the
//!   command line's signal handler, which calls [`abandon_saves`];
//! - a save killed outright (SIGKILL, a crash, a power cut) leaves it behind, and the next save
//!   to the same path removes it. Each save holds an exclusive lock on its temporary file while
//!   it runs, so only files that no living save holds are taken for stale.

use super::target::resolve;
use crate::error::{Error, Result};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// The end of every temporary file name.
const TEMP_SUFFIX: &str = ".stance-tmp";

/// Temporary files of the saves in progress in this process.
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn pending() -> MutexGuard<'static, Vec<PathBuf>> {
    PENDING.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A temporary file listed in [`PENDING`] for as long as this value lives.
struct Listed(PathBuf);

impl Listed {
    fn new(path: &Path) -> Listed {
        pending().push(path.to_path_buf());
        Listed(path.to_path_buf())
    }
}

impl Drop for Listed {
    fn drop(&mut self) {
        pending().retain(|p| *p != self.0);
    }
}

/// Removes the temporary files of the saves in progress and stops those saves from completing,
/// for a signal handler that is about to end the process: nothing of them stays behind, and no
/// file they were replacing changes. Call it only when the process is about to end, since a
/// save started afterwards waits for ever.
pub fn abandon_saves() {
    let list = pending();
    for path in list.iter() {
        let _ = std::fs::remove_file(path);
    }
    // The lock stays held, so a save between its last write and its rename stops there.
    std::mem::forget(list);
}

/// Writes `bytes` to `path` atomically: a temporary file in the same folder, flushed and synced,
/// then renamed over the target, creating the folder if needed. A symbolic link is followed (the
/// file it points to is replaced; see [`resolve`]). The file gets the permissions of the file it
/// replaces, or 0644. Temporary files left by killed saves to the same path are removed first.
///
/// # Errors
/// [`Error::UnsafeOutput`] when `path` is not a regular file or a new one ([`resolve`]);
/// [`Error::Io`] naming the path.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let target = resolve(path)?;
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let Some(name) = target.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return Err(Error::UnsafeOutput {
            path: path.to_path_buf(),
            reason: "it names no file".into(),
        });
    };
    let io = |e: std::io::Error| Error::io(path, e);
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let prefix = format!(".{name}.");
    remove_stale(dir, &prefix);
    let mut tmp = tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(TEMP_SUFFIX)
        .tempfile_in(dir)
        .map_err(|e| Error::io(dir, e))?;
    let listed = Listed::new(tmp.path());
    // The lock marks the file as in use for `remove_stale` in other processes. A file system
    // without locks only loses that mark, so the save goes on. Called through the trait: std's
    // own `File::try_lock` is newer than the crate's MSRV.
    let _ = fs4::FileExt::try_lock(tmp.as_file());
    tmp.write_all(bytes).map_err(io)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&target).map_or(0o644, |m| m.permissions().mode() & 0o7777);
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))
            .map_err(io)?;
    }
    tmp.as_file().sync_all().map_err(io)?;
    {
        // Holding the list: a signal handler removing temporary files waits for the rename.
        let _list = pending();
        tmp.persist(&target).map_err(|e| io(e.error))?;
    }
    drop(listed);
    // The rename is durable once the folder is synced; a failure here loses nothing written.
    #[cfg(unix)]
    if let Ok(folder) = std::fs::File::open(dir) {
        let _ = folder.sync_all();
    }
    Ok(())
}

/// Removes the temporary files named `{prefix}*.stance-tmp` in `dir` that no living save holds
/// (their lock can be taken). Files that cannot be examined are left alone.
fn remove_stale(dir: &Path, prefix: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !(name.starts_with(prefix) && name.ends_with(TEMP_SUFFIX)) {
            continue;
        }
        if !entry.file_type().is_ok_and(|t| t.is_file()) {
            continue;
        }
        let path = entry.path();
        let Ok(file) = std::fs::File::open(&path) else {
            continue;
        };
        if fs4::FileExt::try_lock(&file).is_ok() {
            let _ = std::fs::remove_file(&path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn writes_the_whole_file_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/out.model");
        write_atomically(&path, b"first").unwrap();
        write_atomically(&path, b"second").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second");
        assert_eq!(names(&dir.path().join("sub")), ["out.model"]);
    }

    #[test]
    fn stale_temporary_files_go_and_held_ones_stay() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.model");
        let stale = dir.path().join(".out.model.ab12cd.stance-tmp");
        let held = dir.path().join(".out.model.ef34gh.stance-tmp");
        let other = dir.path().join(".other.model.ab12cd.stance-tmp");
        for p in [&stale, &held, &other] {
            std::fs::write(p, b"half a model").unwrap();
        }
        let holder = std::fs::File::open(&held).unwrap();
        fs4::FileExt::try_lock(&holder).unwrap();
        write_atomically(&path, b"model").unwrap();
        assert_eq!(
            names(dir.path()),
            [
                ".other.model.ab12cd.stance-tmp",
                ".out.model.ef34gh.stance-tmp",
                "out.model"
            ]
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_link_is_followed_and_stays_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.model");
        let link = dir.path().join("link.model");
        std::fs::write(&real, b"old").unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_atomically(&link, b"new").unwrap();
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read(&real).unwrap(), b"new");
    }
}

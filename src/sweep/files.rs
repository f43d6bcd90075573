//! The file-system primitives a sweep folder is kept safe with: atomic writes and
//! create-if-absent (through [`crate::output::atomic`], the one implementation), tidying
//! of the temporary files killed processes left, advisory locks, and a record of what one
//! command created so that a command that fails can remove exactly that and nothing else.
//!
//! Nothing here knows what a sweep is; `exec` decides what to write and lock.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::output::atomic;

/// Temporary files ([`atomic::temp_name`]) of a dead process older than this are removed
/// (see [`remove_stale_temps`]); a live process holds a temporary name for milliseconds.
pub const STALE_AFTER: Duration = Duration::from_secs(3600);

/// An I/O error with the path it happened on.
#[derive(Debug, thiserror::Error)]
#[error("cannot read or write {path}")]
pub struct IoError {
    pub path: PathBuf,
    pub source: std::io::Error,
}

pub(crate) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> IoError + '_ {
    move |source| IoError {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes a file atomically ([`atomic::write`]): readers and a process killed at any
/// moment see the old file, or none, or the whole new one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), IoError> {
    atomic::write(path, bytes).map_err(io(path))
}

/// Writes `path` only if nothing is there, atomically ([`atomic::create`]); `Ok(false)`
/// if something was.
pub fn create_atomic(path: &Path, bytes: &[u8]) -> Result<bool, IoError> {
    atomic::create(path, bytes).map_err(io(path))
}

/// Renames a file the tool will not use (a run file that does not verify) to
/// `NAME.corrupt` (or `NAME.corrupt.2`, ... if taken), so nothing is overwritten or
/// deleted; returns the new name.
pub fn set_aside(path: &Path) -> Result<PathBuf, IoError> {
    let name = path
        .file_name()
        .map_or("file".into(), |n| n.to_string_lossy().into_owned());
    for i in 1u32.. {
        let to = path.with_file_name(if i == 1 {
            format!("{name}.corrupt")
        } else {
            format!("{name}.corrupt.{i}")
        });
        // Link, then unlink: never replaces an earlier `.corrupt`.
        match fs::hard_link(path, &to) {
            Ok(()) => {
                fs::remove_file(path).map_err(io(path))?;
                return Ok(to);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(_) if !to.exists() => {
                fs::rename(path, &to).map_err(io(path))?;
                return Ok(to);
            }
            Err(_) => continue,
        }
    }
    unreachable!("some name is free")
}

/// Removes the temporary files (`.NAME.PID-N.tmp`) in `dir` that a killed process left,
/// recognised by their name and an age above [`STALE_AFTER`]. Errors are ignored: this
/// is tidying, and a file that cannot be removed harms nothing.
pub fn remove_stale_temps(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let now = SystemTime::now();
    for e in entries.flatten() {
        let name = e.file_name();
        if !atomic::is_temp(&name.to_string_lossy(), "tmp") {
            continue;
        }
        let old = e
            .metadata()
            .ok()
            .filter(|m| m.is_file())
            .and_then(|m| m.modified().ok())
            .and_then(|t| now.duration_since(t).ok())
            .is_some_and(|age| age > STALE_AFTER);
        if old {
            let _ = fs::remove_file(e.path());
        }
    }
}

/// An advisory lock held on a file for as long as the value lives (`flock` on Unix;
/// released by the OS when the process dies, so a kill never leaves a folder locked).
#[derive(Debug)]
pub struct Lock {
    _file: fs::File,
}

/// Opens (creating it if needed) the lock file at `path`. `created` learns of the file
/// if this call made it.
fn lock_file(path: &Path, created: &mut Created) -> Result<fs::File, IoError> {
    match fs::File::create_new(path) {
        Ok(f) => {
            created.file(path);
            Ok(f)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => fs::OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(io(path)),
        Err(e) => Err(io(path)(e)),
    }
}

impl Lock {
    /// Takes the lock without waiting; `Ok(None)` if another process holds it.
    pub fn try_take(path: &Path, created: &mut Created) -> Result<Option<Lock>, IoError> {
        let file = lock_file(path, created)?;
        match file.try_lock() {
            Ok(()) => Ok(Some(Lock { _file: file })),
            Err(fs::TryLockError::WouldBlock) => Ok(None),
            Err(fs::TryLockError::Error(e)) => Err(io(path)(e)),
        }
    }

    /// Takes the lock, waiting for the process that holds it.
    pub fn take(path: &Path, created: &mut Created) -> Result<Lock, IoError> {
        let file = lock_file(path, created)?;
        file.lock().map_err(io(path))?;
        Ok(Lock { _file: file })
    }
}

/// What one command created, in order, so that a command that fails can remove exactly
/// that: [`Created::rollback`] removes the entries newest first and stops at the first
/// it cannot remove (a folder that is no longer empty because another process wrote
/// into it), so nothing it did not create, and nothing something else depends on, goes.
#[derive(Debug, Default)]
pub struct Created {
    entries: Vec<(PathBuf, bool)>,
}

impl Created {
    /// Records a file this command created.
    pub fn file(&mut self, path: &Path) {
        self.entries.push((path.to_path_buf(), false));
    }

    /// Creates the folder `path` and any missing parents, recording each one made.
    pub fn dir_all(&mut self, path: &Path) -> Result<(), IoError> {
        let mut missing = Vec::new();
        let mut p = path;
        while !p.as_os_str().is_empty() && !p.exists() {
            missing.push(p.to_path_buf());
            match p.parent() {
                Some(parent) => p = parent,
                None => break,
            }
        }
        for d in missing.into_iter().rev() {
            match fs::create_dir(&d) {
                Ok(()) => self.entries.push((d, true)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && d.is_dir() => {}
                Err(e) => return Err(io(&d)(e)),
            }
        }
        Ok(())
    }

    /// Whether this command created anything.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Adds what `other` created after what this one did.
    pub fn extend(&mut self, other: Created) {
        self.entries.extend(other.entries);
    }

    /// Removes what was created, newest first; stops at the first entry it cannot
    /// remove (folders are removed only when empty).
    pub fn rollback(self) {
        for (path, dir) in self.entries.into_iter().rev() {
            let removed = if dir {
                fs::remove_dir(&path)
            } else {
                fs::remove_file(&path)
            };
            if removed.is_err() {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rollback_removes_what_was_created_and_stops_at_what_others_wrote() {
        let tmp = tempfile::tempdir().unwrap();
        let mut c = Created::default();
        assert!(c.is_empty());
        c.dir_all(&tmp.path().join("a/b/c")).unwrap();
        assert!(!c.is_empty(), "three folders made");
        let f = tmp.path().join("a/b/c/f");
        assert!(create_atomic(&f, b"x").unwrap());
        assert!(!create_atomic(&f, b"y").unwrap(), "never replaces");
        assert_eq!(fs::read(&f).unwrap(), b"x");
        c.file(&f);
        c.rollback();
        assert!(!tmp.path().join("a").exists());
        // Something another process wrote stops the rollback there.
        let mut c = Created::default();
        c.dir_all(&tmp.path().join("a/b")).unwrap();
        fs::write(tmp.path().join("a/b/theirs"), "x").unwrap();
        c.rollback();
        assert!(tmp.path().join("a/b/theirs").is_file());
    }

    #[test]
    fn only_old_temporary_files_are_tidied_away() {
        let tmp = tempfile::tempdir().unwrap();
        let old = tmp.path().join(".p0000-r000.json.4242-7.tmp");
        let fresh = atomic::temp_name(&tmp.path().join("p0000-r001.json"), "tmp");
        let theirs = tmp.path().join(".notes.tmp");
        for p in [&old, &fresh, &theirs] {
            fs::write(p, "x").unwrap();
        }
        let hours_ago = SystemTime::now() - 2 * STALE_AFTER;
        for p in [&old, &theirs] {
            let f = fs::File::options().write(true).open(p).unwrap();
            f.set_modified(hours_ago).unwrap();
        }
        remove_stale_temps(tmp.path());
        assert!(!old.exists(), "stale");
        assert!(fresh.exists(), "may belong to a live process");
        assert!(theirs.exists(), "not a name hashflood makes");
    }

    #[test]
    fn set_aside_never_replaces_an_earlier_corrupt_file() {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("r.json");
        fs::write(&p, "1").unwrap();
        let first = set_aside(&p).unwrap();
        fs::write(&p, "2").unwrap();
        let second = set_aside(&p).unwrap();
        assert_ne!(first, second);
        assert_eq!(fs::read_to_string(first).unwrap(), "1");
        assert_eq!(fs::read_to_string(second).unwrap(), "2");
        assert!(!p.exists());
    }
}

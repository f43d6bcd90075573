//! One writer per destination: an OS advisory lock ([`File::try_lock`]) on a lock file
//! beside it, taken without waiting and removed on release.

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use super::place::hidden;
use super::{OutputError, io};

/// An OS advisory lock on a lock file, removed on release.
///
/// The file is unlinked while still locked, so a process that opened it just before
/// then finds, after locking, that the path no longer names its file and starts over:
/// two processes never both believe they hold the lock.
pub(super) struct Lock {
    path: PathBuf,
    _file: File,
}

impl Lock {
    /// Takes the lock at `path` without waiting; [`OutputError::Busy`] (naming `dest`)
    /// if another process holds it.
    pub(super) fn acquire(path: &Path, dest: &Path) -> Result<Lock, OutputError> {
        for _ in 0..1000 {
            let file = match fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(path)
            {
                Ok(f) => f,
                // The parent was removed by a failing process between our create and open.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    let parent = path.parent().expect("a lock file has a parent");
                    fs::create_dir_all(parent).map_err(io(parent))?;
                    continue;
                }
                Err(e) => return Err(io(path)(e)),
            };
            match file.try_lock() {
                Ok(()) => {}
                Err(fs::TryLockError::WouldBlock) => {
                    return Err(OutputError::Busy(dest.to_path_buf()));
                }
                Err(fs::TryLockError::Error(e)) => return Err(io(path)(e)),
            }
            if still_named(&file, path) {
                return Ok(Lock {
                    path: path.to_path_buf(),
                    _file: file,
                });
            }
        }
        Err(OutputError::Busy(dest.to_path_buf()))
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Unlink while locked (see the type's doc); the lock goes with the file handle.
        if cfg!(unix) {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// Whether `path` still names the open `file` (it was not unlinked by its last holder).
#[cfg(unix)]
fn still_named(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

/// Lock files are never removed off Unix, so the path always names the file.
#[cfg(not(unix))]
fn still_named(_: &File, _: &Path) -> bool {
    true
}

/// The lock of an existing output folder, held while a command changes something inside
/// it (`hashflood plot` re-drawing `charts/`), so that no run replaces the folder meanwhile
/// and no two commands change it at once. Released on drop.
pub struct FolderLock {
    _lock: Option<Lock>,
}

/// Takes the lock of the existing folder `dir` ([`OutputError::Busy`] if another
/// process is writing it).
pub fn lock_folder(dir: &Path) -> Result<FolderLock, OutputError> {
    let canonical = fs::canonicalize(dir).map_err(io(dir))?;
    let lock = match canonical.file_name() {
        Some(_) => Some(Lock::acquire(&hidden(&canonical, "lock"), dir)?),
        None => None, // the root: nothing beside it to lock
    };
    Ok(FolderLock { _lock: lock })
}

//! Run folders on disk, written atomically.
//!
//! A run writes into a hidden staging folder beside its destination and renames it into
//! place only when every file is complete, so an interrupted run leaves no partial
//! results (only a staging folder, removed by the next run to the same place), and an
//! existing run is never overwritten silently.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Why a run folder could not be prepared or written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error(
        "{0} already exists and is not empty; choose another --out or pass --force to replace it"
    )]
    Exists(PathBuf),
    #[error("cannot write {path}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> OutputError + '_ {
    move |source| OutputError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Picks the default folder `root/<scenario>/<name>`, adding `-2`, `-3`, ... when a run
/// with that name already exists.
pub fn default_run_dir(root: &Path, scenario: &str, name: &str) -> PathBuf {
    let base = root.join(scenario);
    let first = base.join(name);
    if !first.exists() {
        return first;
    }
    (2..)
        .map(|i| base.join(format!("{name}-{i}")))
        .find(|p| !p.exists())
        .expect("some suffix is free")
}

/// A run folder being written.
pub struct RunDir {
    staging: PathBuf,
    dest: PathBuf,
    replace: bool,
}

impl RunDir {
    /// Fails if `dest` already holds a run and `replace` is not set. Call it before
    /// starting a long run, so the refusal comes first.
    pub fn check(dest: &Path, replace: bool) -> Result<(), OutputError> {
        let non_empty = dest.is_dir() && fs::read_dir(dest).map_err(io(dest))?.next().is_some();
        if (non_empty || dest.is_file()) && !replace {
            return Err(OutputError::Exists(dest.to_path_buf()));
        }
        Ok(())
    }

    /// Starts writing a run destined for `dest` (see [`RunDir::check`]).
    pub fn create(dest: &Path, replace: bool) -> Result<RunDir, OutputError> {
        Self::check(dest, replace)?;
        let parent = dest.parent().unwrap_or(Path::new("."));
        fs::create_dir_all(parent).map_err(io(parent))?;
        let name = dest
            .file_name()
            .map_or("run".into(), |n| n.to_string_lossy().into_owned());
        let staging = parent.join(format!(".{name}.partial"));
        if staging.exists() {
            fs::remove_dir_all(&staging).map_err(io(&staging))?;
        }
        fs::create_dir_all(&staging).map_err(io(&staging))?;
        Ok(RunDir {
            staging,
            dest: dest.to_path_buf(),
            replace,
        })
    }

    /// Writes one file of the run (`name` may contain folders).
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<(), OutputError> {
        let path = self.staging.join(name);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(io(parent))?;
        }
        let mut f = fs::File::create(&path).map_err(io(&path))?;
        f.write_all(bytes).map_err(io(&path))?;
        f.sync_all().map_err(io(&path))
    }

    /// The folder being written (it becomes the destination on commit).
    pub fn path(&self) -> &Path {
        &self.staging
    }

    /// Moves the complete run into place and returns its folder.
    pub fn commit(self) -> Result<PathBuf, OutputError> {
        if self.dest.exists() {
            debug_assert!(
                self.replace
                    || fs::read_dir(&self.dest)
                        .map(|mut d| d.next().is_none())
                        .unwrap_or(false)
            );
            if self.dest.is_dir() {
                fs::remove_dir_all(&self.dest).map_err(io(&self.dest))?;
            } else {
                fs::remove_file(&self.dest).map_err(io(&self.dest))?;
            }
        }
        fs::rename(&self.staging, &self.dest).map_err(io(&self.dest))?;
        Ok(self.dest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_appears_only_when_committed_and_is_never_overwritten_silently() {
        let tmp = tempfile::tempdir().unwrap();
        let dest = tmp.path().join("runs").join("a");
        let run = RunDir::create(&dest, false).unwrap();
        run.write("x.txt", b"1").unwrap();
        assert!(!dest.exists(), "nothing visible before commit");
        assert_eq!(run.commit().unwrap(), dest);
        assert_eq!(fs::read(dest.join("x.txt")).unwrap(), b"1");
        assert!(matches!(
            RunDir::create(&dest, false),
            Err(OutputError::Exists(_))
        ));
        let again = RunDir::create(&dest, true).unwrap();
        again.write("y.txt", b"2").unwrap();
        again.commit().unwrap();
        assert!(!dest.join("x.txt").exists() && dest.join("y.txt").exists());
    }

    #[test]
    fn default_names_never_collide() {
        let tmp = tempfile::tempdir().unwrap();
        let first = default_run_dir(tmp.path(), "s", "seed-3");
        assert!(first.ends_with("s/seed-3"));
        fs::create_dir_all(&first).unwrap();
        assert!(default_run_dir(tmp.path(), "s", "seed-3").ends_with("s/seed-3-2"));
    }
}

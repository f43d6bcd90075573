//! Output folders on disk: written whole or not at all, replaced only when hashflood wrote
//! them, one writer at a time.
//!
//! This module decides what may be written where; it knows nothing of what a run's files
//! contain. It is the only code that creates, renames or deletes output folders (sweeps
//! keep their own per-run files in `sweep/exec.rs`).
//!
//! # Names, all beside the destination `PARENT/NAME`
//!
//! | name | what |
//! |---|---|
//! | `NAME/.hashflood-output` | the marker: JSON with the tool, version, kind of output, every file written (with its size) and the sub-folders that carry their own marker (`charts/`). Written **last**, so a folder holding it is complete. |
//! | `.NAME.hashflood-lock` | the lock file: an OS advisory lock ([`File::try_lock`]) on it is held from the first check until the commit. Removed on release. |
//! | `.NAME.hashflood-staging-PID` | the folder being written by process PID. |
//! | `.NAME.hashflood-old-PID` | a replaced run moved aside by process PID, deleted after the commit. |
//!
//! # What may be replaced
//!
//! A destination that does not exist or is an empty folder is always usable. Anything else
//! is replaced only with `replace` (`--force`) and only if it is recognisably ours: a folder
//! (not a file, not a symbolic link) holding a valid marker whose entries are all listed in
//! the marker (or in a sub-folder's own marker, or are our hidden lock/staging names). A
//! folder holding one file hashflood did not write is refused, naming that file. The working
//! folder, its parents, the home folder and the root are never a destination, marked or not.
//! An empty folder is replaced by `rename` (atomic on Unix), else with `remove_dir`, which
//! fails on a folder that is not empty; nothing here calls `remove_dir_all` on a path that
//! is not one of our hidden names.
//!
//! # The protocol, and why a kill -9 at any moment is safe
//!
//! 1. Lock `.NAME.hashflood-lock` (refuse if held: another process is writing NAME).
//! 2. Tidy the leftovers of killed processes: under the lock no live process owns any
//!    `.NAME.hashflood-staging-*` or `.NAME.hashflood-old-*`. If NAME is missing and an old
//!    folder is complete (marker present, every listed file there with its size), a kill
//!    fell between steps 6 and 7 of an earlier replacement: rename it back to NAME (roll
//!    back to the previous run). Delete every other leftover (its marker first, so a
//!    half-deleted folder never looks complete).
//! 3. Check NAME as above (refuse before any long computation).
//! 4. Write every file into `.NAME.hashflood-staging-PID` (fsync'd).
//! 5. Seal: write the marker last.
//! 6. Re-check NAME (still under the lock). If it is a run to replace, rename it to
//!    `.NAME.hashflood-old-PID`.
//! 7. Rename the staging folder to NAME.
//! 8. Delete the old folder (marker first), release the lock.
//!
//! NAME therefore only ever appears by one rename of a sealed folder: at any moment it is
//! absent, the previous complete run or the new complete run. The one window where it is
//! absent while a previous run existed (between 6 and 7) is undone by step 2 of the next
//! command writing there. A command that fails removes its staging folder, its lock file
//! and the parent folders it created (if still empty), so it leaves nothing behind.
//!
//! The steps are tested by killing runs at random moments (`tests/kill_run.rs`) and, for
//! the windows too short to hit that way, by aborting at a named step: in debug builds
//! only, `HASHFLOOD_ABORT_AT=sealed|aside|renamed|discarding` aborts the process there.

pub mod atomic;
mod lock;
mod marker;
mod place;

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use lock::{FolderLock, lock_folder};
pub use marker::seal;

use lock::Lock;
use marker::{complete, ours, read_marker};
use place::{create_parents, hidden, leftover_pid, resolve, sync_dir};

/// The marker file's name inside every folder hashflood writes.
pub const MARKER: &str = ".hashflood-output";

/// How many suffixes (`-2`, `-3`, ...) a default folder name may try.
const MAX_SUFFIX: usize = 100_000;

/// What an output folder holds, recorded in its marker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// One run (`hashflood run`).
    Run,
    /// A run with `--replicates`.
    Replicates,
    /// A run's `charts/` folder (written with the run, or by `hashflood plot`).
    Charts,
}

impl Kind {
    /// Whether output of this kind may replace a folder of kind `old`: runs replace runs,
    /// charts replace charts.
    fn replaces(self, old: Kind) -> bool {
        (self == Kind::Charts) == (old == Kind::Charts)
    }
}

/// Why an output folder could not be prepared or written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// A hashflood run is already there and replacing it was not asked for.
    #[error(
        "{0} already exists and is not empty; choose another --out or pass --force to replace it"
    )]
    Exists(PathBuf),
    /// Something that hashflood did not write (or cannot prove it wrote) is there.
    #[error(
        "{path} already exists and hashflood will not replace it: {reason}. hashflood replaces \
         only folders it wrote itself; choose another destination or move it away yourself"
    )]
    NotOurs { path: PathBuf, reason: String },
    /// The destination is a folder hashflood never writes to, marked or not.
    #[error(
        "refusing to write to {path}: it is {reason}, which hashflood never replaces; \
         choose a new folder, e.g. {}",
        path.join("run").display()
    )]
    Protected { path: PathBuf, reason: &'static str },
    /// Another process holds the destination's lock.
    #[error(
        "another hashflood process is writing {0}; wait for it to finish or choose another \
         destination"
    )]
    Busy(PathBuf),
    /// A folder given as a run to read is not one.
    #[error(
        "{path} is not a hashflood run folder: {reason}; give a folder written by `hashflood run`"
    )]
    NotARun { path: PathBuf, reason: String },
    /// A file system operation on `path` failed.
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

/// A folder being written; it appears at its destination only on [`RunDir::commit`].
///
/// Dropped without a commit (an error, a panic), it removes its staging folder, its lock
/// file and the parent folders it created, so a failed command leaves nothing.
pub struct RunDir {
    /// Absolute destination, parent canonical (what is locked and renamed).
    dest: PathBuf,
    /// The destination as the caller spelled it (for messages).
    shown: PathBuf,
    staging: Option<PathBuf>,
    kind: Kind,
    replace: bool,
    lock: Option<Lock>,
    /// Parent folders this process created, outermost first.
    created: Vec<PathBuf>,
    committed: bool,
}

impl RunDir {
    /// Starts writing `kind` output destined for `dest`: locks it, tidies what killed
    /// processes left there and refuses (before any long computation) if `dest` cannot be
    /// written. With `replace`, a folder hashflood wrote is replaced at the commit.
    pub fn create(dest: &Path, kind: Kind, replace: bool) -> Result<RunDir, OutputError> {
        let resolved = resolve(dest)?;
        let mut run = RunDir::new(resolved, dest, kind, replace);
        run.created = create_parents(run.parent())?;
        run.lock = Some(Lock::acquire(&run.lock_path(), dest)?);
        tidy(&run.dest)?;
        check(&run.dest, dest, kind, replace)?;
        run.start_staging()?;
        Ok(run)
    }

    /// Starts writing a run into the default folder `base/name`, or `base/name-2`,
    /// `-3`, ... when that name is taken (exists, or another process is writing it), so
    /// an existing run is never replaced and two processes never pick the same name.
    pub fn create_default(base: &Path, name: &str, kind: Kind) -> Result<RunDir, OutputError> {
        let mut created = None;
        for i in 1..=MAX_SUFFIX {
            let shown = if i == 1 {
                base.join(name)
            } else {
                base.join(format!("{name}-{i}"))
            };
            let resolved = resolve(&shown)?;
            let mut run = RunDir::new(resolved, &shown, kind, false);
            run.created = match created.take() {
                None => create_parents(run.parent())?,
                Some(c) => c,
            };
            match Lock::acquire(&run.lock_path(), &shown) {
                Ok(lock) => run.lock = Some(lock),
                Err(OutputError::Busy(_)) => {
                    created = Some(std::mem::take(&mut run.created));
                    continue;
                }
                Err(e) => return Err(e),
            }
            tidy(&run.dest)?;
            if fs::symlink_metadata(&run.dest).is_ok() {
                created = Some(std::mem::take(&mut run.created));
                continue; // taken; dropping `run` releases its lock
            }
            run.start_staging()?;
            return Ok(run);
        }
        Err(OutputError::Exists(base.join(name)))
    }

    fn new(dest: PathBuf, shown: &Path, kind: Kind, replace: bool) -> RunDir {
        RunDir {
            dest,
            shown: shown.to_path_buf(),
            staging: None,
            kind,
            replace,
            lock: None,
            created: Vec::new(),
            committed: false,
        }
    }

    fn parent(&self) -> &Path {
        self.dest.parent().expect("resolve refuses the root")
    }

    fn hidden(&self, what: &str) -> PathBuf {
        hidden(&self.dest, what)
    }

    fn lock_path(&self) -> PathBuf {
        self.hidden("lock")
    }

    fn start_staging(&mut self) -> Result<(), OutputError> {
        let staging = self.hidden(&format!("staging-{}", std::process::id()));
        fs::create_dir(&staging).map_err(io(&staging))?;
        self.staging = Some(staging);
        Ok(())
    }

    /// Writes one file of the output (`name` may contain folders), fsync'd.
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<(), OutputError> {
        let path = self.path().join(name);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(io(parent))?;
        }
        let mut f = File::create(&path).map_err(io(&path))?;
        f.write_all(bytes).map_err(io(&path))?;
        f.sync_all().map_err(io(&path))
    }

    /// The folder being written (it becomes the destination on commit).
    pub fn path(&self) -> &Path {
        self.staging
            .as_deref()
            .expect("staging exists until commit")
    }

    /// Seals the output (marker last) and moves it into place, replacing the previous
    /// run if that was asked for and it is still ours; returns the destination as given.
    pub fn commit(mut self) -> Result<PathBuf, OutputError> {
        let staging = self.path().to_path_buf();
        seal(&staging, self.kind)?;
        abort_at("sealed");
        let dest = self.dest.clone();
        match check(&dest, &self.shown, self.kind, self.replace)? {
            Found::Absent | Found::Ours => {
                let aside = self.hidden(&format!("old-{}", std::process::id()));
                let replaced = atomic::replace_dir(&staging, &dest, &aside, abort_at)
                    .map_err(io(&self.shown))?;
                if replaced {
                    // The new run is in place; an old folder left here is tidied next time.
                    let _ = discard(&aside);
                }
            }
            Found::Empty => {
                // rename(2) replaces an empty folder atomically; elsewhere, remove_dir
                // refuses a folder that is no longer empty.
                if fs::rename(&staging, &dest).is_err() {
                    fs::remove_dir(&dest).map_err(io(&self.shown))?;
                    fs::rename(&staging, &dest).map_err(io(&self.shown))?;
                }
            }
        }
        self.staging = None;
        self.committed = true;
        sync_dir(self.parent());
        Ok(self.shown.clone())
    }
}

impl Drop for RunDir {
    fn drop(&mut self) {
        if let Some(staging) = self.staging.take() {
            let _ = fs::remove_dir_all(staging); // our own, named with our pid
        }
        drop(self.lock.take()); // before the folders: the lock file is in the parent
        if !self.committed {
            for dir in self.created.iter().rev() {
                let _ = fs::remove_dir(dir); // only if still empty
            }
        }
    }
}

/// What [`check`] found at a destination it may write.
enum Found {
    Absent,
    Empty,
    /// A folder hashflood wrote, to be replaced (`replace` was given).
    Ours,
}

/// Decides whether `kind` output may be written at `dest` (see the module doc).
fn check(dest: &Path, shown: &Path, kind: Kind, replace: bool) -> Result<Found, OutputError> {
    let not_ours = |reason: String| OutputError::NotOurs {
        path: shown.to_path_buf(),
        reason,
    };
    let meta = match fs::symlink_metadata(dest) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Found::Absent),
        Err(e) => return Err(io(shown)(e)),
    };
    if meta.is_symlink() {
        return Err(not_ours("it is a symbolic link".into()));
    }
    if !meta.is_dir() {
        return Err(not_ours("it is a file, not a folder".into()));
    }
    if fs::read_dir(dest).map_err(io(shown))?.next().is_none() {
        return Ok(Found::Empty);
    }
    let old = ours(dest, "", kind == Kind::Charts).map_err(not_ours)?;
    if !kind.replaces(old) {
        return Err(not_ours(format!(
            "it holds {} output, not {} output",
            name(old),
            name(kind)
        )));
    }
    if !replace {
        return Err(OutputError::Exists(shown.to_path_buf()));
    }
    Ok(Found::Ours)
}

fn name(kind: Kind) -> &'static str {
    match kind {
        Kind::Run | Kind::Replicates => "run",
        Kind::Charts => "charts",
    }
}

/// Checks that `dir` is a run folder to read (for `hashflood plot`): a marker of a run,
/// or, for runs written before markers, the summary files the charts are drawn from.
pub fn check_run_folder(dir: &Path) -> Result<(), OutputError> {
    let not_a_run = |reason: String| OutputError::NotARun {
        path: dir.to_path_buf(),
        reason,
    };
    match fs::metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(not_a_run("it does not exist".into()));
        }
        Err(e) => return Err(io(dir)(e)),
        Ok(m) if !m.is_dir() => return Err(not_a_run("it is not a folder".into())),
        Ok(_) => {}
    }
    match read_marker(dir) {
        Ok(m) if m.kind == Kind::Charts => Err(not_a_run(
            "it is a charts folder (give the run folder that holds it)".into(),
        )),
        Ok(_) => Ok(()),
        Err(_)
            if dir.join("summary.json").is_file()
                || dir.join("aggregate_summary.json").is_file() =>
        {
            Ok(()) // written before markers existed
        }
        Err(_) => Err(not_a_run(format!(
            "it has no {MARKER} marker and no summary.json"
        ))),
    }
}

/// Removes an old or staging folder of ours: the marker first, so that a kill while
/// deleting never leaves something that looks complete.
fn discard(dir: &Path) -> std::io::Result<()> {
    match fs::remove_file(dir.join(MARKER)) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    abort_at("discarding");
    fs::remove_dir_all(dir)
}

/// Test hook: aborts the process (as a kill -9 would: nothing is cleaned up) when
/// `HASHFLOOD_ABORT_AT` names `step`. Debug builds only; release builds ignore it.
fn abort_at(step: &str) {
    if cfg!(debug_assertions) && std::env::var_os("HASHFLOOD_ABORT_AT").is_some_and(|s| s == step) {
        std::process::abort();
    }
}

/// Step 2 of the protocol: with the lock held, restores a run moved aside by a killed
/// replacement if the destination is missing, and deletes the other leftovers.
fn tidy(dest: &Path) -> Result<(), OutputError> {
    let parent = dest.parent().expect("resolve refuses the root");
    let name = dest.file_name().expect("resolve refuses the root");
    let prefix = format!(".{}.hashflood-", name.to_string_lossy());
    let mut leftovers: Vec<(PathBuf, bool)> = Vec::new();
    for entry in fs::read_dir(parent).map_err(io(parent))? {
        let entry = entry.map_err(io(parent))?;
        let file_name = entry.file_name();
        let Some(what) = file_name.to_str().and_then(|n| n.strip_prefix(&prefix)) else {
            continue;
        };
        if leftover_pid(what).is_some() && entry.file_type().is_ok_and(|t| t.is_dir()) {
            leftovers.push((entry.path(), what.starts_with("old-")));
        }
    }
    leftovers.sort();
    if fs::symlink_metadata(dest).is_err()
        && let Some(i) = leftovers.iter().position(|(p, old)| *old && complete(p))
    {
        let (old, _) = leftovers.remove(i);
        fs::rename(&old, dest).map_err(io(dest))?;
    }
    for (dir, _) in leftovers {
        discard(&dir).map_err(io(&dir))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    fn a_run(dest: &Path, file: &str, replace: bool) -> Result<PathBuf, OutputError> {
        let run = RunDir::create(dest, Kind::Run, replace)?;
        run.write(file, file.as_bytes())?;
        run.commit()
    }

    #[test]
    fn a_run_appears_only_when_committed_and_is_never_overwritten_silently() {
        let tmp = tempfile::tempdir().unwrap();
        let dest = tmp.path().join("runs").join("a");
        let run = RunDir::create(&dest, Kind::Run, false).unwrap();
        run.write("x.txt", b"1").unwrap();
        assert!(!dest.exists(), "nothing visible before commit");
        assert_eq!(run.commit().unwrap(), dest);
        assert_eq!(fs::read(dest.join("x.txt")).unwrap(), b"1");
        assert!(complete(&dest));
        assert!(matches!(
            RunDir::create(&dest, Kind::Run, false),
            Err(OutputError::Exists(_))
        ));
        a_run(&dest, "y.txt", true).unwrap();
        assert_eq!(names(&dest), [MARKER, "y.txt"]);
        assert_eq!(names(&tmp.path().join("runs")), ["a"], "nothing else left");
    }

    #[test]
    fn default_names_never_collide() {
        let tmp = tempfile::tempdir().unwrap();
        let base = tmp.path().join("s");
        let first = RunDir::create_default(&base, "seed-3", Kind::Run).unwrap();
        // While the first is being written, its name is taken.
        let second = RunDir::create_default(&base, "seed-3", Kind::Run).unwrap();
        assert!(first.commit().unwrap().ends_with("s/seed-3"));
        assert!(second.commit().unwrap().ends_with("s/seed-3-2"));
        let third = RunDir::create_default(&base, "seed-3", Kind::Run).unwrap();
        assert!(third.commit().unwrap().ends_with("s/seed-3-3"));
    }

    #[test]
    fn a_kill_between_moving_the_old_run_aside_and_renaming_the_new_one_in_is_rolled_back() {
        let tmp = tempfile::tempdir().unwrap();
        let dest = tmp.path().join("a");
        a_run(&dest, "old.txt", false).unwrap();
        // The state a kill leaves between steps 6 and 7: the old run aside, a sealed
        // staging folder, nothing at the destination.
        fs::rename(&dest, hidden(&dest, "old-999999")).unwrap();
        let staging = hidden(&dest, "staging-999999");
        fs::create_dir(&staging).unwrap();
        fs::write(staging.join("new.txt"), "new").unwrap();
        seal(&staging, Kind::Run).unwrap();
        // The next command to that place puts the old run back, and without --force
        // refuses to replace it.
        assert!(matches!(
            RunDir::create(&dest, Kind::Run, false),
            Err(OutputError::Exists(_))
        ));
        assert_eq!(names(&dest), [MARKER, "old.txt"]);
        assert_eq!(names(tmp.path()), ["a"], "leftovers removed");
    }

    #[test]
    fn a_half_deleted_old_run_is_not_restored() {
        let tmp = tempfile::tempdir().unwrap();
        let dest = tmp.path().join("a");
        a_run(&dest, "old.txt", false).unwrap();
        let old = hidden(&dest, "old-999999");
        fs::rename(&dest, &old).unwrap();
        fs::remove_file(old.join("old.txt")).unwrap();
        a_run(&dest, "new.txt", false).unwrap();
        assert_eq!(names(&dest), [MARKER, "new.txt"]);
        assert_eq!(names(tmp.path()), ["a"]);
    }

    #[test]
    fn only_folders_holding_nothing_but_our_files_are_replaced() {
        let tmp = tempfile::tempdir().unwrap();
        let dest = tmp.path().join("a");
        a_run(&dest, "x.txt", false).unwrap();
        fs::write(dest.join("notes.txt"), "mine").unwrap();
        let err = a_run(&dest, "x.txt", true).unwrap_err().to_string();
        assert!(
            err.contains("notes.txt") && err.contains("did not write"),
            "{err}"
        );
        fs::remove_file(dest.join("notes.txt")).unwrap();
        fs::create_dir(dest.join("sub")).unwrap();
        let err = a_run(&dest, "x.txt", true).unwrap_err().to_string();
        assert!(err.contains("sub/"), "{err}");
        fs::remove_dir(dest.join("sub")).unwrap();
        let marker = fs::read_to_string(dest.join(MARKER)).unwrap();
        fs::write(
            dest.join(MARKER),
            marker.replace("\"hashflood\"", "\"other\""),
        )
        .unwrap();
        let err = a_run(&dest, "x.txt", true).unwrap_err().to_string();
        assert!(err.contains("\"other\""), "{err}");
    }

    #[test]
    fn a_held_lock_refuses_a_second_writer() {
        let tmp = tempfile::tempdir().unwrap();
        let dest = tmp.path().join("a");
        let first = RunDir::create(&dest, Kind::Run, false).unwrap();
        assert!(matches!(
            RunDir::create(&dest, Kind::Run, true),
            Err(OutputError::Busy(_))
        ));
        first.commit().unwrap();
        assert_eq!(names(tmp.path()), ["a"], "the lock file goes with the lock");
    }

    #[test]
    fn a_failed_output_leaves_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let run = RunDir::create(&tmp.path().join("x/y/z"), Kind::Run, false).unwrap();
        run.write("a/b.txt", b"1").unwrap();
        drop(run);
        assert!(names(tmp.path()).is_empty());
    }
}

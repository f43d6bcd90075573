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

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File};
use std::io::Write;
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

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

/// The content of [`MARKER`].
#[derive(Debug, Serialize, Deserialize)]
struct Marker {
    about: String,
    tool: String,
    version: String,
    kind: Kind,
    /// Every file written here, outside `folders`: path relative to the folder (`/`
    /// separated) and size in bytes.
    files: BTreeMap<String, u64>,
    /// Sub-folders that carry their own marker (they may be re-written on their own).
    #[serde(default)]
    folders: Vec<String>,
}

const TOOL: &str = "hashflood";
const ABOUT: &str = "Written last by hashflood: this folder is a complete hashflood output. \
                     `hashflood run --force` replaces such a folder only if it holds nothing \
                     but the files listed here.";

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
            Found::Absent => fs::rename(&staging, &dest).map_err(io(&self.shown))?,
            Found::Empty => {
                // rename(2) replaces an empty folder atomically; elsewhere, remove_dir
                // refuses a folder that is no longer empty.
                if fs::rename(&staging, &dest).is_err() {
                    fs::remove_dir(&dest).map_err(io(&self.shown))?;
                    fs::rename(&staging, &dest).map_err(io(&self.shown))?;
                }
            }
            Found::Ours => {
                let aside = self.hidden(&format!("old-{}", std::process::id()));
                fs::rename(&dest, &aside).map_err(io(&self.shown))?;
                abort_at("aside");
                if let Err(e) = fs::rename(&staging, &dest) {
                    let _ = fs::rename(&aside, &dest);
                    return Err(io(&self.shown)(e));
                }
                abort_at("renamed");
                // The new run is in place; an old folder left here is tidied next time.
                let _ = discard(&aside);
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

/// `PARENT/.NAME.hashflood-WHAT` for the destination `PARENT/NAME`.
fn hidden(dest: &Path, what: &str) -> PathBuf {
    let name = dest.file_name().expect("resolve refuses the root");
    dest.with_file_name(format!(".{}.hashflood-{what}", name.to_string_lossy()))
}

/// Whether `name` is one of our hidden names (lock, staging or old folder) for any
/// destination.
fn is_hidden_name(name: &str) -> bool {
    let Some(rest) = name.strip_prefix('.') else {
        return false;
    };
    let Some((_, what)) = rest.rsplit_once(".hashflood-") else {
        return false;
    };
    what == "lock" || leftover_pid(what).is_some()
}

/// `staging-PID` or `old-PID` -> PID.
fn leftover_pid(what: &str) -> Option<u32> {
    let pid = what
        .strip_prefix("staging-")
        .or_else(|| what.strip_prefix("old-"))?;
    pid.parse().ok()
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

/// The marker of `dir`, or why there is none that can be trusted.
fn read_marker(dir: &Path) -> Result<Marker, String> {
    let path = dir.join(MARKER);
    match fs::symlink_metadata(&path) {
        Ok(m) if m.is_file() => {}
        _ => {
            return Err(format!(
                "it has no {MARKER} marker, so hashflood did not write it (or a version \
                 before markers did)"
            ));
        }
    }
    let bytes = fs::read(&path).map_err(|e| format!("its {MARKER} cannot be read ({e})"))?;
    let marker: Marker = serde_json::from_slice(&bytes)
        .map_err(|e| format!("its {MARKER} is not a hashflood marker ({e})"))?;
    if marker.tool != TOOL {
        return Err(format!("its {MARKER} names the tool {:?}", marker.tool));
    }
    Ok(marker)
}

/// Checks that `dir` holds only what hashflood wrote: returns its kind, or the reason
/// (naming the first entry that is not ours, as `prefix` + its path in `dir`).
/// `legacy_charts` accepts an unmarked folder of chart files written before markers.
fn ours(dir: &Path, prefix: &str, legacy_charts: bool) -> Result<Kind, String> {
    let marker = match read_marker(dir) {
        Ok(m) => m,
        Err(reason) if legacy_charts => {
            return if only_chart_files(dir) {
                Ok(Kind::Charts)
            } else {
                Err(reason)
            };
        }
        Err(reason) if prefix.is_empty() => return Err(reason),
        Err(reason) => return Err(format!("{prefix}: {reason}")),
    };
    let mut folders: BTreeSet<String> = BTreeSet::new();
    for f in marker.files.keys() {
        let mut parts: Vec<&str> = f.split('/').collect();
        parts.pop();
        while !parts.is_empty() {
            folders.insert(parts.join("/"));
            parts.pop();
        }
    }
    walk(dir, prefix, "", &marker, &folders)?;
    Ok(marker.kind)
}

/// [`ours`] for the entries of `dir`, at `rel` inside the marked folder.
fn walk(
    dir: &Path,
    prefix: &str,
    rel: &str,
    m: &Marker,
    folders: &BTreeSet<String>,
) -> Result<(), String> {
    let unreadable = |e: std::io::Error| format!("{prefix}{rel} cannot be read ({e})");
    for entry in fs::read_dir(dir).map_err(unreadable)? {
        let entry = entry.map_err(unreadable)?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let path = format!("{rel}{name}");
        if (rel.is_empty() && name == MARKER) || is_hidden_name(&name) {
            continue;
        }
        let kind = entry.file_type().map_err(unreadable)?;
        if kind.is_dir() && m.folders.contains(&path) {
            ours(&entry.path(), &format!("{prefix}{path}/"), false)?;
        } else if kind.is_dir() && folders.contains(&path) {
            walk(&entry.path(), prefix, &format!("{path}/"), m, folders)?;
        } else if !(kind.is_file() && m.files.contains_key(&path)) {
            let slash = if kind.is_dir() { "/" } else { "" };
            return Err(format!(
                "it holds {prefix}{path}{slash}, which hashflood did not write"
            ));
        }
    }
    Ok(())
}

/// Whether `dir` holds only chart files named as hashflood names them (charts written
/// before markers existed).
fn only_chart_files(dir: &Path) -> bool {
    let Ok(entries) = fs::read_dir(dir) else {
        return false;
    };
    entries.into_iter().all(|e| {
        let Ok(e) = e else { return false };
        let name = e.file_name().to_string_lossy().into_owned();
        let chart = ["shares", "mobilisation", "app", "domination"]
            .iter()
            .any(|c| name == format!("{c}.png") || name == format!("{c}.svg"))
            || (name.starts_with("latest-") && name.ends_with(".gif"));
        chart && e.file_type().is_ok_and(|t| t.is_file())
    })
}

/// Whether `dir` is a complete output: a marker whose every file is there with its size,
/// and whose marked sub-folders are complete too.
fn complete(dir: &Path) -> bool {
    let Ok(m) = read_marker(dir) else {
        return false;
    };
    m.files.iter().all(|(f, &size)| {
        fs::symlink_metadata(dir.join(f)).is_ok_and(|meta| meta.is_file() && meta.len() == size)
    }) && m.folders.iter().all(|f| complete(&dir.join(f)))
}

/// Writes `dir`'s marker, listing every file in it (sub-folders with their own marker
/// are listed as folders). Call it when every file is written: a marker means complete.
pub fn seal(dir: &Path, kind: Kind) -> Result<(), OutputError> {
    fn list(
        dir: &Path,
        prefix: &str,
        files: &mut BTreeMap<String, u64>,
        folders: &mut Vec<String>,
    ) -> Result<(), OutputError> {
        for entry in fs::read_dir(dir).map_err(io(dir))? {
            let entry = entry.map_err(io(dir))?;
            let path = entry.path();
            let rel = format!("{prefix}{}", entry.file_name().to_string_lossy());
            let meta = entry.metadata().map_err(io(&path))?;
            if meta.is_dir() && path.join(MARKER).is_file() {
                folders.push(rel);
            } else if meta.is_dir() {
                list(&path, &format!("{rel}/"), files, folders)?;
            } else if rel != MARKER {
                files.insert(rel, meta.len());
            }
        }
        Ok(())
    }
    let (mut files, mut folders) = (BTreeMap::new(), Vec::new());
    list(dir, "", &mut files, &mut folders)?;
    folders.sort();
    let marker = Marker {
        about: ABOUT.into(),
        tool: TOOL.into(),
        version: env!("CARGO_PKG_VERSION").into(),
        kind,
        files,
        folders,
    };
    let path = dir.join(MARKER);
    let bytes = serde_json::to_vec_pretty(&marker).expect("a marker serialises");
    let mut f = File::create(&path).map_err(io(&path))?;
    f.write_all(&bytes).map_err(io(&path))?;
    f.sync_all().map_err(io(&path))
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

/// An OS advisory lock on a lock file, removed on release.
///
/// The file is unlinked while still locked, so a process that opened it just before
/// then finds, after locking, that the path no longer names its file and starts over:
/// two processes never both believe they hold the lock.
struct Lock {
    path: PathBuf,
    _file: File,
}

impl Lock {
    /// Takes the lock at `path` without waiting; [`OutputError::Busy`] (naming `dest`)
    /// if another process holds it.
    fn acquire(path: &Path, dest: &Path) -> Result<Lock, OutputError> {
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

/// Makes the renames in `dir` durable (best effort; Unix only).
fn sync_dir(dir: &Path) {
    if cfg!(unix)
        && let Ok(d) = File::open(dir)
    {
        let _ = d.sync_all();
    }
}

/// Creates `dir` and its missing parents; returns the folders created, outermost first.
fn create_parents(dir: &Path) -> Result<Vec<PathBuf>, OutputError> {
    let mut missing = Vec::new();
    let mut p = Some(dir);
    while let Some(d) = p {
        if fs::symlink_metadata(d).is_ok() || d.as_os_str().is_empty() {
            break;
        }
        missing.push(d.to_path_buf());
        p = d.parent();
    }
    let mut created = Vec::new();
    for d in missing.into_iter().rev() {
        match fs::create_dir(&d) {
            Ok(()) => created.push(d),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => {
                for c in created.iter().rev() {
                    let _ = fs::remove_dir(c);
                }
                return Err(io(&d)(e));
            }
        }
    }
    Ok(created)
}

/// The destination as an absolute path: `.` and `..` folded, its parent canonical (so
/// every spelling of one folder locks the same file). Refuses the folders hashflood never
/// writes to: the root, the home folder, the working folder and its parents.
fn resolve(dest: &Path) -> Result<PathBuf, OutputError> {
    let protected = |reason| OutputError::Protected {
        path: dest.to_path_buf(),
        reason,
    };
    let cwd = std::env::current_dir().map_err(io(Path::new(".")))?;
    let mut folded = PathBuf::new();
    for c in cwd.join(dest).components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                folded.pop();
            }
            c => folded.push(c),
        }
    }
    let (Some(parent), Some(name)) = (folded.parent(), folded.file_name()) else {
        return Err(protected("the root folder"));
    };
    // Canonicalise the longest existing part of the parent; keep the rest as written.
    let mut rest = Vec::new();
    let mut base = parent;
    let canonical = loop {
        match fs::canonicalize(base) {
            Ok(c) => break c,
            Err(_) => match (base.file_name(), base.parent()) {
                (Some(n), Some(p)) => {
                    rest.push(n.to_owned());
                    base = p;
                }
                _ => break base.to_path_buf(),
            },
        }
    };
    let mut resolved = canonical;
    resolved.extend(rest.iter().rev());
    resolved.push(name);
    let cwd = fs::canonicalize(&cwd).unwrap_or(cwd);
    if resolved == cwd {
        return Err(protected("the working folder"));
    }
    if cwd.starts_with(&resolved) {
        return Err(protected("a parent of the working folder"));
    }
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from);
    if home.is_some_and(|h| fs::canonicalize(&h).unwrap_or(h) == resolved) {
        return Err(protected("the home folder"));
    }
    Ok(resolved)
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
        let mut marker = read_marker(&dest).unwrap();
        marker.tool = "other".into();
        fs::write(dest.join(MARKER), serde_json::to_vec(&marker).unwrap()).unwrap();
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

    #[test]
    fn the_root_is_never_a_destination() {
        for root in ["/", "/..", "/tmp/../.."] {
            let err = resolve(Path::new(root)).unwrap_err().to_string();
            assert!(err.contains("it is the root folder"), "{root}: {err}");
        }
    }

    #[test]
    fn hidden_names_are_recognised() {
        for name in [
            ".a.hashflood-lock",
            ".a.b.hashflood-staging-12",
            ".a.hashflood-old-3",
        ] {
            assert!(is_hidden_name(name), "{name}");
        }
        for name in [
            "a.hashflood-lock",
            ".a.hashflood-staging-",
            ".a.hashflood-old-x",
            ".a",
        ] {
            assert!(!is_hidden_name(name), "{name}");
        }
    }
}

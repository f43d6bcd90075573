//! Running a sweep into a folder: resumable, shardable, mergeable, safe to share.
//!
//! Each finished run is one small JSON file, written atomically (`runs/<id>.json`) and
//! carrying its own checksum, so the folder is its own manifest: after a kill at any
//! moment, running again redoes exactly the runs whose file is missing or does not
//! verify ([`record::verify`]); a file that does not verify is renamed `*.corrupt`,
//! never deleted, and never copied by `merge`. The tables (`runs.csv`, `points.csv`)
//! are built from verified files in run order once all are there, so they are
//! byte-identical however the runs were split across threads, processes or machines.
//!
//! Concurrency: every write goes to a temporary name unique to the process and is
//! renamed into place. A sweep holds a lock per (folder, shard), so two identical
//! commands refuse each other while SLURM array tasks (different shards) share the
//! folder; `merge` holds a lock per output folder; building the tables holds a lock per
//! folder, waited for, so two processes finishing at once write one after the other.
//! Locks live in `.locks/` and are released by the OS when a process dies.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::files::{self, Created, IoError, Lock, io};
use super::record::{self, Unverified};
use super::tables;
use super::{Run, Shard, Sweep};
use crate::output::atomic;
use crate::run::Simulation;

pub use super::record::RunRecord;
pub use super::tables::{point_stats, points_csv, runs_csv};

/// Why a sweep folder could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    #[error(transparent)]
    Io(#[from] IoError),
    #[error(
        "{path} holds a different sweep (sweep hash {found}, this one is {expected}); choose another --out"
    )]
    Mismatch {
        path: PathBuf,
        found: String,
        expected: String,
    },
    #[error("run {run} failed: {message}")]
    Run { run: String, message: String },
    #[error("{path} is not a sweep folder: {message}")]
    Format { path: PathBuf, message: String },
    #[error("cannot chart {metric}: {message}")]
    Chart { metric: String, message: String },
    #[error(
        "{dir} is in use: another hashflood {what} is running there (it holds the lock {lock}); wait for it to finish, or choose another --out"
    )]
    Busy {
        dir: PathBuf,
        what: String,
        lock: PathBuf,
    },
    #[error(
        "{path} holds {entry}, which hashflood did not write; move it out of the folder, then run the command again (charts/ is replaced as a whole)"
    )]
    Foreign { path: PathBuf, entry: String },
}

/// What the folder records about the sweep.
#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    sweep: String,
    /// The sweep file and the `--set` overrides, to rebuild the sweep when merging.
    source: PathBuf,
    sets: Vec<String>,
    hash: String,
    parameters: Vec<String>,
    points: usize,
    replicates: usize,
    runs: usize,
    seed: u64,
}

fn manifest_of(sweep: &Sweep) -> Manifest {
    Manifest {
        sweep: sweep.name.clone(),
        source: sweep.source.clone(),
        sets: sweep.sets.clone(),
        hash: sweep.hash.clone(),
        parameters: sweep.parameters.clone(),
        points: sweep.points.len(),
        replicates: sweep.replicates,
        runs: sweep.run_count(),
        seed: sweep.seed,
    }
}

fn read_manifest(dir: &Path) -> Result<Manifest, ExecError> {
    let path = dir.join("manifest.json");
    let bytes = fs::read(&path).map_err(io(&path))?;
    serde_json::from_slice(&bytes).map_err(|e| ExecError::Format {
        path,
        message: e.to_string(),
    })
}

/// Checks that the manifest of `dir` records `sweep`.
fn check_manifest(sweep: &Sweep, dir: &Path) -> Result<(), ExecError> {
    let found = read_manifest(dir)?;
    if found.hash != sweep.hash {
        return Err(ExecError::Mismatch {
            path: dir.join("manifest.json"),
            found: found.hash,
            expected: sweep.hash.clone(),
        });
    }
    Ok(())
}

/// The sweep file and overrides recorded in a sweep folder.
pub fn source(dir: &Path) -> Result<(PathBuf, Vec<String>), ExecError> {
    let m = read_manifest(dir)?;
    Ok((m.source, m.sets))
}

/// Checks, creating nothing, that `dir` can take `sweep`: absent, or a folder whose
/// manifest (if any) records this sweep.
pub fn check(sweep: &Sweep, dir: &Path) -> Result<(), ExecError> {
    if !dir.exists() {
        return Ok(());
    }
    if !dir.is_dir() {
        return Err(ExecError::Format {
            path: dir.to_path_buf(),
            message: "it is a file, not a folder".into(),
        });
    }
    if dir.join("manifest.json").exists() {
        check_manifest(sweep, dir)?;
    }
    Ok(())
}

/// Creates the folder (or checks it holds this sweep) and records the manifest.
/// Returns what it created, for [`Created::rollback`] if the command fails before it
/// has written anything else (dropping it keeps everything).
pub fn prepare(sweep: &Sweep, dir: &Path) -> Result<Created, ExecError> {
    check(sweep, dir)?;
    let mut created = Created::default();
    let result = (|| {
        created.dir_all(dir)?;
        let path = dir.join("manifest.json");
        let bytes = serde_json::to_vec_pretty(&manifest_of(sweep)).expect("manifest serialises");
        if files::create_atomic(&path, &bytes)? {
            created.file(&path);
        } else {
            // Another process wrote it first, or it was already there.
            check_manifest(sweep, dir)?;
        }
        created.dir_all(&dir.join("runs"))?;
        Ok(())
    })();
    match result {
        Ok(()) => Ok(created),
        Err(e) => {
            created.rollback();
            Err(e)
        }
    }
}

fn lock_path(dir: &Path, name: &str, created: &mut Created) -> Result<PathBuf, ExecError> {
    let locks = dir.join(".locks");
    created.dir_all(&locks)?;
    Ok(locks.join(format!("{name}.lock")))
}

/// A sweep folder opened for one shard: created if needed, its manifest checked, the
/// shard's lock held (until this is dropped).
#[derive(Debug)]
pub struct Opened {
    created: Created,
    lock: Lock,
    lock_path: PathBuf,
}

impl Opened {
    /// Removes what opening created (the folder, its manifest, the lock file), unless
    /// another command has used the folder meanwhile (see `rollback_alone`); for a
    /// command that fails before any run is written.
    pub fn rollback(self, dir: &Path) {
        let Opened {
            created,
            lock,
            lock_path,
        } = self;
        rollback_alone(created, dir, &lock_path);
        drop(lock);
    }
}

/// Rolls back what a command created in `dir`, unless `dir/.locks` holds a lock file
/// other than `own`: then another command has used (or is using) the folder and relies
/// on its manifest and `runs/`, so everything stays.
fn rollback_alone(created: Created, dir: &Path, own: &Path) {
    let others = fs::read_dir(dir.join(".locks")).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.path().file_name() != own.file_name())
    });
    if !others {
        created.rollback();
    }
}

/// Opens `dir` for `shard` of `sweep` (`None`: the whole sweep, as shard 0/1): creates
/// the folder and its manifest if needed ([`prepare`]), and takes the shard's lock, so
/// that a second identical command refuses instead of running the same runs at the same
/// time; other shards take other locks and share the folder. Also removes temporary
/// files that killed processes left in the folder and `runs/` (older than
/// [`files::STALE_AFTER`]).
pub fn open(sweep: &Sweep, dir: &Path, shard: Option<Shard>) -> Result<Opened, ExecError> {
    let Shard { index: i, count: n } = shard.unwrap_or(Shard::WHOLE);
    let mut created = prepare(sweep, dir)?;
    let locked = (|| {
        let path = lock_path(dir, &format!("shard-{i}-of-{n}"), &mut created)?;
        Ok::<_, ExecError>((Lock::try_take(&path, &mut created)?, path))
    })();
    match locked {
        Ok((Some(lock), lock_path)) => {
            files::remove_stale_temps(dir);
            files::remove_stale_temps(&dir.join("runs"));
            Ok(Opened {
                created,
                lock,
                lock_path,
            })
        }
        // The folder is in use: what this command created (if it won the race to
        // create the folder) is now the other command's, and stays.
        Ok((None, path)) => Err(ExecError::Busy {
            dir: dir.to_path_buf(),
            what: if n == 1 {
                "sweep".into()
            } else {
                format!("sweep of shard {i}/{n}")
            },
            lock: path,
        }),
        Err(e) => {
            created.rollback();
            Err(e)
        }
    }
}

/// A run file that was not trusted.
#[derive(Debug, Clone)]
pub struct Refused {
    pub path: PathBuf,
    pub reason: Unverified,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.path.display(), self.reason)
    }
}

/// The state of a run's file in a folder.
enum State {
    Missing,
    Verified(RunRecord, Vec<u8>),
    Refused(Refused),
}

fn run_path(dir: &Path, run: &Run) -> PathBuf {
    dir.join("runs").join(format!("{}.json", run.id()))
}

fn state(sweep: &Sweep, dir: &Path, run: &Run) -> State {
    let path = run_path(dir, run);
    match fs::read(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => State::Missing,
        Err(e) => State::Refused(Refused {
            path,
            reason: Unverified::Unreadable(e.to_string()),
        }),
        Ok(bytes) => match record::verify(&bytes, sweep, run) {
            Ok(r) => State::Verified(r, bytes),
            Err(reason) => State::Refused(Refused { path, reason }),
        },
    }
}

/// Which runs of a shard are still to do.
#[derive(Debug, Default)]
pub struct Status {
    /// Runs whose file is missing or does not verify, in run order.
    pub pending: Vec<Run>,
    /// Files among them that are there but do not verify (they will be set aside).
    pub refused: Vec<Refused>,
}

/// The runs of `shard` (runs whose index is `I` mod `N`) without a verified
/// file in `dir`, and the files that did not verify.
pub fn status(sweep: &Sweep, dir: &Path, shard: Option<Shard>) -> Status {
    let runs: Vec<Run> = sweep
        .runs()
        .into_iter()
        .filter(|r| shard.is_none_or(|s| s.holds(r.index)))
        .collect();
    let states: Vec<(Run, State)> = runs
        .into_par_iter()
        .map(|r| {
            let s = state(sweep, dir, &r);
            (r, s)
        })
        .collect();
    let mut out = Status::default();
    for (r, s) in states {
        match s {
            State::Verified(..) => {}
            State::Missing => out.pending.push(r),
            State::Refused(refused) => {
                out.pending.push(r);
                out.refused.push(refused);
            }
        }
    }
    out
}

/// The runs of `shard` without a verified file in `dir` (see [`status`]).
pub fn pending(sweep: &Sweep, dir: &Path, shard: Option<Shard>) -> Vec<Run> {
    status(sweep, dir, shard).pending
}

/// Puts a verified run file's bytes at its place in `dir`: nothing to do if a verified
/// file is already there (another process wrote it); a file there that does not verify
/// is set aside as `*.corrupt` first.
fn store(sweep: &Sweep, dir: &Path, run: &Run, bytes: &[u8]) -> Result<(), ExecError> {
    let path = run_path(dir, run);
    match state(sweep, dir, run) {
        State::Verified(..) => return Ok(()),
        State::Refused(_) => {
            files::set_aside(&path)?;
        }
        State::Missing => {}
    }
    files::write_atomic(&path, bytes)?;
    Ok(())
}

/// Runs `runs` in parallel, writing each result as it finishes; `done` is called after
/// each one is written. Each point's scenario (and its follower graph, when that does not
/// depend on the seed: [`Simulation`]) is built once for its runs (runs come in point
/// order) and dropped when they are done, so memory does not grow with points.
pub fn run(
    sweep: &Sweep,
    dir: &Path,
    runs: &[Run],
    done: &(dyn Fn() + Sync),
) -> Result<(), ExecError> {
    let groups: Vec<&[Run]> = runs.chunk_by(|a, b| a.point == b.point).collect();
    groups.par_iter().try_for_each(|group| {
        let first = &group[0];
        let failed = |message: String| ExecError::Run {
            run: first.id(),
            message,
        };
        let scenario = sweep
            .scenario(first.point)
            .map_err(|e| failed(e.to_string()))?;
        let sim = Simulation::new(&scenario).map_err(|e| failed(e.to_string()))?;
        group
            .par_iter()
            .try_for_each(|r| run_one(sweep, dir, &sim, r, done))
    })
}

/// Runs one run of `sim` (its point's scenario) and writes its file.
fn run_one(
    sweep: &Sweep,
    dir: &Path,
    sim: &Simulation,
    r: &Run,
    done: &(dyn Fn() + Sync),
) -> Result<(), ExecError> {
    let out = sim.run(r.seed, &mut |_| {}).map_err(|e| ExecError::Run {
        run: r.id(),
        message: e.to_string(),
    })?;
    let summary = serde_json::to_value(&out.summary).expect("summary serialises");
    let metrics = crate::aggregate::metric_paths(&summary);
    let bytes = record::encode(&record::record(sweep, r, metrics));
    store(sweep, dir, r, &bytes)?;
    done();
    Ok(())
}

/// Reads and verifies every run of the sweep, in run order; `None` if some are missing
/// or do not verify.
pub fn records(sweep: &Sweep, dir: &Path) -> Result<Option<Vec<RunRecord>>, ExecError> {
    let states: Vec<State> = sweep
        .runs()
        .par_iter()
        .map(|r| state(sweep, dir, r))
        .collect();
    let mut out = Vec::with_capacity(states.len());
    for s in states {
        match s {
            State::Verified(r, _) => out.push(r),
            State::Missing | State::Refused(_) => return Ok(None),
        }
    }
    Ok(Some(out))
}

/// Builds the tables once every run is there and verifies; returns whether the sweep is
/// complete. Holds the folder's finishing lock (waiting for it), so two processes that
/// finish at once write one after the other; each table is replaced atomically, so a
/// reader sees the previous complete table or the new one.
pub fn finish(sweep: &Sweep, dir: &Path) -> Result<bool, ExecError> {
    let mut created = Created::default();
    let path = lock_path(dir, "finish", &mut created)?;
    let _lock = Lock::take(&path, &mut created)?;
    let Some(records) = records(sweep, dir)? else {
        return Ok(false);
    };
    remove_stale_staging(dir);
    files::write_atomic(&dir.join("runs.csv"), &runs_csv(sweep, &records))?;
    let stats = point_stats(&records);
    files::write_atomic(&dir.join("points.csv"), &points_csv(sweep, &stats))?;
    charts(sweep, dir, &stats)?;
    Ok(true)
}

/// Removes what an earlier finishing process, killed, left: temporary tables and
/// chart folders (by their names; only finishing writes them, and it holds the lock).
fn remove_stale_staging(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let table = [".runs.csv.", ".points.csv."]
            .iter()
            .any(|p| name.starts_with(p))
            && atomic::is_temp(&name, "tmp");
        let chart = name.starts_with(".charts.")
            && (atomic::is_temp(&name, "partial") || atomic::is_temp(&name, "old"));
        if table {
            let _ = fs::remove_file(e.path());
        } else if chart && e.path().is_dir() {
            let _ = fs::remove_dir_all(e.path());
        }
    }
}

/// Charts of the metrics listed in `sweep.plot`: drawn into a staging folder, then
/// swapped in as `charts/` (the old one is moved aside, the new one renamed in, the old
/// one removed).
fn charts(
    sweep: &Sweep,
    dir: &Path,
    stats: &BTreeMap<(usize, String), crate::aggregate::MetricStats>,
) -> Result<(), ExecError> {
    if !tables::has_charts(sweep) {
        return Ok(());
    }
    let dest = dir.join("charts");
    if dest.exists() {
        check_charts(&dest, &tables::chart_files(sweep))?;
    }
    let staging = atomic::temp_name(&dest, "partial");
    fs::create_dir(&staging).map_err(io(&staging))?;
    if let Err(e) = tables::draw_charts(sweep, &staging, stats) {
        let _ = fs::remove_dir_all(&staging);
        return Err(e);
    }
    let old = atomic::temp_name(&dest, "old");
    if atomic::replace_dir(&staging, &dest, &old, |_| {}).map_err(io(&dest))? {
        fs::remove_dir_all(&old).map_err(io(&old))?;
    }
    Ok(())
}

/// Checks that `charts/` holds only what finishing writes (the PNG and SVG files of the
/// sweep's `plot` metrics, by name), since it is replaced as a whole: a user's own file
/// there, even a PNG, makes finishing refuse instead of deleting it.
fn check_charts(dest: &Path, ours: &[String]) -> Result<(), ExecError> {
    for e in fs::read_dir(dest).map_err(io(dest))? {
        let e = e.map_err(io(dest))?;
        let name = e.file_name().to_string_lossy().into_owned();
        let ours = e.file_type().is_ok_and(|t| t.is_file()) && ours.contains(&name);
        if !ours {
            return Err(ExecError::Foreign {
                path: dest.to_path_buf(),
                entry: name,
            });
        }
    }
    Ok(())
}

/// What a merge did.
#[derive(Debug, Default)]
pub struct Merged {
    /// Whether every run is now in the output folder (the tables are then built).
    pub complete: bool,
    /// Runs still without a verified file.
    pub missing: usize,
    /// Run files copied into the output folder.
    pub copied: usize,
    /// Run files not trusted (in the inputs or the output), never copied.
    pub refused: Vec<Refused>,
}

/// Copies the verified runs of shard folders into `out` (which must hold, or gets, the
/// same sweep) and builds the tables once every run is there. Every input is checked
/// before anything is created; run files that do not verify are reported and never
/// copied. If it fails before copying anything, what it created is removed.
pub fn merge(sweep: &Sweep, shards: &[PathBuf], out: &Path) -> Result<Merged, ExecError> {
    for dir in shards {
        check_manifest(sweep, dir)?;
    }
    let mut created = prepare(sweep, out)?;
    let locked = (|| {
        let path = lock_path(out, "merge", &mut created)?;
        Ok::<_, ExecError>((Lock::try_take(&path, &mut created)?, path))
    })();
    let (lock, path) = match locked {
        Ok((Some(lock), path)) => (lock, path),
        // In use by another merge: what this one created is now the other's.
        Ok((None, path)) => {
            return Err(ExecError::Busy {
                dir: out.to_path_buf(),
                what: "merge".into(),
                lock: path,
            });
        }
        Err(e) => {
            created.rollback();
            return Err(e);
        }
    };
    let mut merged = Merged::default();
    let result = merge_into(sweep, shards, out, &mut merged);
    if result.is_err() && merged.copied == 0 {
        rollback_alone(created, out, &path);
    }
    drop(lock);
    result?;
    Ok(merged)
}

fn merge_into(
    sweep: &Sweep,
    shards: &[PathBuf],
    out: &Path,
    merged: &mut Merged,
) -> Result<(), ExecError> {
    // The folders to read, the output first, each once.
    let canonical = |d: &Path| fs::canonicalize(d).unwrap_or_else(|_| d.to_path_buf());
    let out_c = canonical(out);
    let inputs: Vec<&PathBuf> =
        shards
            .iter()
            .filter(|d| canonical(d) != out_c)
            .fold(Vec::new(), |mut v, d| {
                if !v.iter().any(|e: &&PathBuf| canonical(e) == canonical(d)) {
                    v.push(d);
                }
                v
            });
    for r in sweep.runs() {
        let mut have = match state(sweep, out, &r) {
            State::Verified(..) => true,
            State::Missing => false,
            State::Refused(refused) => {
                merged.refused.push(refused);
                false
            }
        };
        for dir in &inputs {
            match state(sweep, dir, &r) {
                State::Missing => {}
                State::Refused(refused) => merged.refused.push(refused),
                State::Verified(_, bytes) => {
                    if !have {
                        store(sweep, out, &r, &bytes)?;
                        merged.copied += 1;
                        have = true;
                    }
                }
            }
        }
        if !have {
            merged.missing += 1;
        }
    }
    merged.complete = merged.missing == 0 && finish(sweep, out)?;
    Ok(())
}

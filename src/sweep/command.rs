//! The `sweep` and `merge` commands: options in, what happened out. The command line
//! fills a [`SweepOptions`]; the library prints nothing and reports through
//! [`SweepEvent`]s and return values.

use std::path::{Path, PathBuf};

use super::exec::{self, ExecError, Merged, Refused};
use super::slurm::{self, Handed, SlurmError, SlurmOptions};
use super::{Shard, Sweep, SweepError};
use crate::run::threads::{self, ThreadsError};

/// What to sweep and where: the options of `hashflood sweep`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SweepOptions {
    /// The sweep file.
    pub sweep: PathBuf,
    /// `KEY=VALUE` overrides of the base scenario.
    pub sets: Vec<String>,
    /// The sweep folder (default: `output/<sweep>`); an interrupted sweep resumes there.
    pub out: Option<PathBuf>,
    /// Run only this shard.
    pub shard: Option<Shard>,
    /// Hand the sweep to SLURM instead of running it (no `shard` then).
    pub slurm: Option<SlurmOptions>,
    /// Worker threads (see [`threads::count`]). Results do not depend on it.
    pub threads: Option<usize>,
}

impl SweepOptions {
    /// The whole sweep in `sweep`, run here with every other option at its default.
    pub fn new(sweep: impl Into<PathBuf>) -> Self {
        SweepOptions {
            sweep: sweep.into(),
            sets: Vec::new(),
            out: None,
            shard: None,
            slurm: None,
            threads: None,
        }
    }
}

/// What a sweep reports as it goes.
#[derive(Debug)]
pub enum SweepEvent<'a> {
    /// The folder is open: what is to run. Run files there that did not verify are
    /// renamed `*.corrupt` and their runs redone.
    Started(Plan<'a>),
    /// One more run is written (reported from worker threads).
    Ran,
}

/// What a sweep is about to run.
#[derive(Debug)]
pub struct Plan<'a> {
    pub sweep: &'a Sweep,
    pub shard: Option<Shard>,
    /// Runs to do (of this shard).
    pub pending: usize,
    pub refused: &'a [Refused],
}

impl std::fmt::Display for Plan<'_> {
    /// One line: the sweep's size and what is left to run.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = self.sweep;
        write!(
            f,
            "{}: {} points x {} replicates = {} runs; {} to run",
            s.name,
            s.points.len(),
            s.replicates,
            s.run_count(),
            self.pending
        )?;
        match self.shard {
            Some(shard) => write!(f, " in shard {shard}"),
            None => Ok(()),
        }
    }
}

/// What a sweep command did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SweepOutcome {
    /// Runs were run into `dir`; `complete`: every run of the sweep is there and the
    /// tables are written (else other shards are still to run and merge).
    Ran {
        ran: usize,
        complete: bool,
        dir: PathBuf,
    },
    /// The sweep was handed to SLURM.
    Slurm(Handed),
}

/// Why a sweep or merge command failed.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error(transparent)]
    Threads(#[from] ThreadsError),
    #[error("--slurm makes its own shards: leave out --shard")]
    SlurmShard,
    #[error("invalid sweep {path}")]
    Invalid {
        path: PathBuf,
        source: Box<SweepError>,
    },
    #[error("cannot reload the sweep {path}")]
    Reload {
        path: PathBuf,
        source: Box<SweepError>,
    },
    #[error(transparent)]
    Exec(#[from] ExecError),
    #[error(transparent)]
    Slurm(#[from] SlurmError),
    #[error("no sweep folders to merge")]
    NothingToMerge,
    #[error(
        "{missing} runs are still missing in {out}{}; run the missing shards and merge again",
        listed(*.refused)
    )]
    Incomplete {
        missing: usize,
        out: PathBuf,
        refused: usize,
    },
}

/// How many run files were refused, for [`CommandError::Incomplete`] (the caller has
/// listed them, see [`merge`]).
fn listed(refused: usize) -> String {
    if refused == 0 {
        String::new()
    } else {
        format!(" ({refused} run files refused, listed above)")
    }
}

/// Runs the sweep of `opts` (resuming what a folder already holds), or with
/// `opts.slurm` hands it to SLURM. Everything that can be checked is checked before
/// anything is created; if no run was written when it fails, what it created is removed.
pub fn sweep(
    opts: &SweepOptions,
    on: &(dyn Fn(SweepEvent<'_>) + Sync),
) -> Result<SweepOutcome, CommandError> {
    threads::install(opts.threads, || sweep_in_pool(opts, on))?
}

fn sweep_in_pool(
    opts: &SweepOptions,
    on: &(dyn Fn(SweepEvent<'_>) + Sync),
) -> Result<SweepOutcome, CommandError> {
    if let Some(s) = &opts.slurm {
        s.check()?;
        if opts.shard.is_some() {
            return Err(CommandError::SlurmShard);
        }
    }
    let sweep = Sweep::load(&opts.sweep, &opts.sets).map_err(|source| CommandError::Invalid {
        path: opts.sweep.clone(),
        source: Box::new(source),
    })?;
    let dir = opts
        .out
        .clone()
        .unwrap_or_else(|| Path::new("output").join(&sweep.name));
    if let Some(s) = &opts.slurm {
        return Ok(SweepOutcome::Slurm(slurm::hand(&sweep, &dir, s)?));
    }
    let opened = exec::open(&sweep, &dir, opts.shard)?;
    let status = exec::status(&sweep, &dir, opts.shard);
    let pending = status.pending;
    on(SweepEvent::Started(Plan {
        sweep: &sweep,
        shard: opts.shard,
        pending: pending.len(),
        refused: &status.refused,
    }));
    let written = std::sync::atomic::AtomicUsize::new(0);
    let ran = exec::run(&sweep, &dir, &pending, &|| {
        written.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        on(SweepEvent::Ran);
    });
    if let Err(e) = ran {
        if written.into_inner() == 0 {
            // Nothing of value was written: leave nothing this command created.
            opened.rollback(&dir);
        }
        return Err(e.into());
    }
    let complete = exec::finish(&sweep, &dir)?;
    drop(opened);
    Ok(SweepOutcome::Ran {
        ran: pending.len(),
        complete,
        dir,
    })
}

/// Merges the sweep folders `dirs` (shards of one sweep, recorded in their manifests)
/// into `out` (default: the first folder) and builds the tables once every run is
/// there. `on_refused` is told the run files that did not verify (never copied) before
/// an incomplete merge fails. Returns the folder written and what the merge did.
pub fn merge(
    dirs: &[PathBuf],
    out: Option<&Path>,
    on_refused: &dyn Fn(&[Refused]),
) -> Result<(PathBuf, Merged), CommandError> {
    let first = dirs.first().ok_or(CommandError::NothingToMerge)?;
    let (source, sets) = exec::source(first)?;
    let sweep = Sweep::load(&source, &sets).map_err(|e| CommandError::Reload {
        path: source.clone(),
        source: Box::new(e),
    })?;
    let out = out.unwrap_or(first).to_path_buf();
    let merged = exec::merge(&sweep, dirs, &out)?;
    on_refused(&merged.refused);
    if !merged.complete {
        return Err(CommandError::Incomplete {
            missing: merged.missing,
            out,
            refused: merged.refused.len(),
        });
    }
    Ok((out, merged))
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn tiny_sweep() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/tiny-sweep.toml")
    }

    #[test]
    fn shards_run_through_the_library_complete_the_sweep() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("s");
        for (index, complete) in [(1, false), (0, true)] {
            let opts = SweepOptions {
                out: Some(dir.clone()),
                shard: Some(Shard { index, count: 2 }),
                threads: Some(2),
                ..SweepOptions::new(tiny_sweep())
            };
            let (started, ran) = (AtomicUsize::new(0), AtomicUsize::new(0));
            let outcome = sweep(&opts, &|e| match e {
                SweepEvent::Started(plan) => started.store(plan.pending, Ordering::Relaxed),
                SweepEvent::Ran => _ = ran.fetch_add(1, Ordering::Relaxed),
            })
            .unwrap();
            assert_eq!((started.into_inner(), ran.into_inner()), (2, 2));
            assert_eq!(
                outcome,
                SweepOutcome::Ran {
                    ran: 2,
                    complete,
                    dir: dir.clone()
                }
            );
        }
        assert!(dir.join("points.csv").is_file());
        let (out, merged) =
            merge(std::slice::from_ref(&dir), None, &|r| assert!(r.is_empty())).unwrap();
        assert_eq!((out, merged.copied, merged.complete), (dir, 0, true));
    }

    #[test]
    fn slurm_with_a_shard_is_refused_before_anything_is_created() {
        let tmp = tempfile::tempdir().unwrap();
        let opts = SweepOptions {
            out: Some(tmp.path().join("s")),
            shard: Some(Shard::WHOLE),
            slurm: Some(SlurmOptions {
                tasks: 2,
                submit: false,
                exe: "hashflood".into(),
            }),
            ..SweepOptions::new(tiny_sweep())
        };
        let e = sweep(&opts, &|_| {}).unwrap_err();
        assert!(matches!(e, CommandError::SlurmShard), "{e}");
        assert!(!tmp.path().join("s").exists());
    }
}

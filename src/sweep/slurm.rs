//! SLURM batch scripts for a sweep: an array job (one task per shard, each running
//! `hashflood sweep --shard I/N` into the same folder on a shared file system) and a
//! merge job that runs after all of them succeed; written into the sweep folder and,
//! if asked, submitted with `sbatch`.

use std::path::{Path, PathBuf};

use super::Sweep;
use super::exec::{self, ExecError};
use super::files::{self, Created, IoError};

/// The most array tasks a script asks for (SLURM's default `MaxArraySize` is 1001).
pub const MAX_TASKS: usize = 1000;

/// How to hand a sweep to SLURM (`--slurm TASKS [--submit]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlurmOptions {
    /// Array tasks (shards), 1 to [`MAX_TASKS`].
    pub tasks: usize,
    /// Submit both jobs with `sbatch` (else only write the scripts).
    pub submit: bool,
    /// The hashflood binary the scripts run (the caller's own executable).
    pub exe: PathBuf,
}

impl SlurmOptions {
    /// Refuses a number of tasks out of 1..=[`MAX_TASKS`].
    pub fn check(&self) -> Result<(), SlurmError> {
        if (1..=MAX_TASKS).contains(&self.tasks) {
            Ok(())
        } else {
            Err(SlurmError::Tasks(self.tasks))
        }
    }
}

/// What was handed to SLURM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handed {
    /// The scripts were written (not submitted).
    Written { array: PathBuf, merge: PathBuf },
    /// Both jobs were submitted; the sweep is written into `dir`.
    Submitted {
        array_job: String,
        merge_job: String,
        dir: PathBuf,
    },
}

/// Why a sweep could not be handed to SLURM.
#[derive(Debug, thiserror::Error)]
pub enum SlurmError {
    #[error("--slurm {0}: expected 1 to {MAX_TASKS} array tasks")]
    Tasks(usize),
    #[error("cannot resolve {path}")]
    Resolve {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}: SLURM's #SBATCH lines cannot hold a path with spaces; choose another --out")]
    Spaces(PathBuf),
    #[error(transparent)]
    Exec(#[from] ExecError),
    #[error(transparent)]
    Io(#[from] IoError),
    #[error("cannot run sbatch (is SLURM installed?)")]
    Spawn(#[source] std::io::Error),
    #[error("sbatch {args} failed: {stderr}")]
    Sbatch { args: String, stderr: String },
    /// The array job is queued but the merge job is not: the sweep folder stays.
    #[error(
        "array job {array_job} was submitted and will write into {dir}; submit the merge job yourself: sbatch --dependency=afterok:{array_job} {merge}"
    )]
    Merge {
        array_job: String,
        dir: PathBuf,
        merge: PathBuf,
        source: Box<SlurmError>,
    },
}

/// Writes the SLURM scripts of `sweep` into `dir/slurm` (creating the sweep folder and
/// its manifest) and, with `opts.submit`, submits them. Checks what it can first; if it
/// fails before the array job is submitted, it removes what it created.
pub fn hand(sweep: &Sweep, dir: &Path, opts: &SlurmOptions) -> Result<Handed, SlurmError> {
    opts.check()?;
    let dir = resolve(dir).map_err(|source| SlurmError::Resolve {
        path: dir.to_path_buf(),
        source,
    })?;
    if dir.display().to_string().contains(char::is_whitespace) {
        return Err(SlurmError::Spaces(dir));
    }
    exec::check(sweep, &dir)?;
    let (array, merge) = scripts(&opts.exe, &sweep.source, &sweep.sets, &dir, opts.tasks);
    let mut created = exec::prepare(sweep, &dir)?;
    let folder = dir.join("slurm");
    let (array_path, merge_path) = (folder.join("sweep.sbatch"), folder.join("merge.sbatch"));
    let write = |created: &mut Created| -> Result<(), IoError> {
        created.dir_all(&folder)?;
        for (path, text) in [(&array_path, &array), (&merge_path, &merge)] {
            let new = !path.exists();
            files::write_atomic(path, text.as_bytes())?;
            if new {
                created.file(path);
            }
        }
        Ok(())
    };
    if let Err(e) = write(&mut created) {
        created.rollback();
        return Err(e.into());
    }
    if !opts.submit {
        return Ok(Handed::Written {
            array: array_path,
            merge: merge_path,
        });
    }
    let array_job = match sbatch(&["--parsable", &array_path.display().to_string()]) {
        Ok(id) => id,
        Err(e) => {
            // Nothing was submitted: leave nothing this command created.
            created.rollback();
            return Err(e);
        }
    };
    let merge_job = sbatch(&[
        "--parsable",
        &format!("--dependency=afterok:{array_job}"),
        &merge_path.display().to_string(),
    ])
    .map_err(|e| SlurmError::Merge {
        array_job: array_job.clone(),
        dir: dir.clone(),
        merge: merge_path,
        source: Box::new(e),
    })?;
    Ok(Handed::Submitted {
        array_job,
        merge_job,
        dir,
    })
}

/// Runs `sbatch` with `args`; returns the job id it printed.
fn sbatch(args: &[&str]) -> Result<String, SlurmError> {
    let out = std::process::Command::new("sbatch")
        .args(args)
        .output()
        .map_err(SlurmError::Spawn)?;
    if !out.status.success() {
        return Err(SlurmError::Sbatch {
            args: args.join(" "),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .trim()
        .split(';')
        .next()
        .unwrap_or("")
        .to_string())
}

/// The absolute path the scripts name for `dir`, which may not exist yet (nothing is
/// created): its longest existing ancestor with symbolic links resolved, then the rest.
pub fn resolve(dir: &Path) -> std::io::Result<PathBuf> {
    let abs = std::path::absolute(dir)?;
    let mut existing = abs.as_path();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => break,
        }
    }
    let mut out = std::fs::canonicalize(existing)?;
    out.extend(rest.iter().rev());
    Ok(out)
}

/// Shell-quotes one word.
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The array job and the merge job for `tasks` shards of the sweep in `sweep_file`
/// (with `sets` overrides), writing into `dir`, run by the binary `exe`.
pub fn scripts(
    exe: &Path,
    sweep_file: &Path,
    sets: &[String],
    dir: &Path,
    tasks: usize,
) -> (String, String) {
    let tasks = tasks.clamp(1, MAX_TASKS);
    let sets: String = sets
        .iter()
        .map(|s| format!(" --set {}", quote(s)))
        .collect();
    let exe = quote(&exe.display().to_string());
    let out = quote(&dir.display().to_string());
    let array = format!(
        "#!/bin/bash\n\
         # hashflood sweep: one array task per shard; all write into the same folder.\n\
         #SBATCH --job-name=hashflood-sweep\n\
         #SBATCH --array=0-{last}\n\
         #SBATCH --ntasks=1\n\
         #SBATCH --output={log}/shard-%a.log\n\
         set -euo pipefail\n\
         exec {exe} sweep {file}{sets} --out {out} --shard \"$SLURM_ARRAY_TASK_ID/{tasks}\" --threads \"${{SLURM_CPUS_PER_TASK:-1}}\" -q\n",
        last = tasks - 1,
        log = dir.join("slurm").display(),
        file = quote(&sweep_file.display().to_string()),
    );
    let merge = format!(
        "#!/bin/bash\n\
         # hashflood sweep: builds runs.csv, points.csv and the charts once every shard is done.\n\
         #SBATCH --job-name=hashflood-merge\n\
         #SBATCH --ntasks=1\n\
         #SBATCH --output={log}/merge.log\n\
         set -euo pipefail\n\
         exec {exe} merge {out}\n",
        log = dir.join("slurm").display(),
    );
    (array, merge)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_shard_the_sweep_and_merge_after_it() {
        let (array, merge) = scripts(
            Path::new("/opt/hashflood"),
            Path::new("/data/s w.toml"),
            &["time.duration=\"2h\"".into()],
            Path::new("/data/out"),
            5000,
        );
        assert!(
            array.contains("#SBATCH --array=0-999"),
            "at most 1000 tasks"
        );
        assert!(array.contains("--shard \"$SLURM_ARRAY_TASK_ID/1000\""));
        assert!(
            array.contains("'/data/s w.toml'") && array.contains("--set 'time.duration=\"2h\"'")
        );
        assert!(merge.contains("'/opt/hashflood' merge '/data/out'"));
    }
}

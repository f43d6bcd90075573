//! SLURM batch scripts for a sweep: an array job (one task per shard, each running
//! `hashflood sweep --shard I/N` into the same folder on a shared file system) and a
//! merge job that runs after all of them succeed.

use std::path::{Path, PathBuf};

/// The most array tasks a script asks for (SLURM's default `MaxArraySize` is 1001).
pub const MAX_TASKS: usize = 1000;

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

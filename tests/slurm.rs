//! The SLURM path for real: a sweep submitted as an array job plus a merge job to a
//! running cluster must give the same tables as the sweep run locally.
//!
//! Needs a cluster: `.ci/run` starts a single-node one (`.ci/slurm/start.sh`) and sets
//! `HASHFLOOD_SLURM=1`, which (through `build.rs`, as `cfg(hashflood_slurm)`) makes this
//! test required; without it (a developer machine with no cluster) the test runner
//! reports the test as ignored.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use super::common::root;

#[test]
#[cfg_attr(
    not(hashflood_slurm),
    ignore = "no SLURM cluster: .ci/run sets HASHFLOOD_SLURM=1"
)]
fn a_sweep_through_sbatch_equals_the_local_sweep() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::copy(
        root().join("scenarios/classroom.toml"),
        dir.join("classroom.toml"),
    )
    .unwrap();
    std::fs::write(
        dir.join("s.toml"),
        "[sweep]\nscenario = \"classroom.toml\"\nreplicates = 2\nseed = 3\n[sweep.parameters]\n\
         \"populations.fans.mobilisation.cascade.p\" = [0.1, 0.2, 0.3]\n",
    )
    .unwrap();
    let run = |args: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_hashflood"))
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    run(&["sweep", "s.toml", "--out", "local", "-q"]);
    let said = run(&[
        "sweep", "s.toml", "--out", "cluster", "--slurm", "3", "--submit",
    ]);
    let merge_job = said
        .split("merge job ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .expect(&said)
        .to_string();
    // Wait until the merge job has left the queue (it runs after the array job).
    let started = Instant::now();
    loop {
        let q = Command::new("squeue")
            .args(["-h", "-j", &merge_job])
            .output()
            .unwrap();
        if String::from_utf8_lossy(&q.stdout).trim().is_empty() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(180),
            "the SLURM jobs did not finish in 3 minutes"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    let read = |d: &str, f: &str| {
        std::fs::read(Path::new(dir).join(d).join(f)).unwrap_or_else(|e| panic!("{d}/{f}: {e}"))
    };
    for f in ["runs.csv", "points.csv"] {
        assert_eq!(
            read("cluster", f),
            read("local", f),
            "{f} from the cluster equals the local one"
        );
    }
    assert!(
        Path::new(dir).join("cluster/slurm/shard-2.log").is_file(),
        "three array tasks ran"
    );
}

//! Sweep safety (issue 9): run files are verified before they are trusted (resume,
//! tables, merge), sizes have stated maxima, failed commands leave nothing, and
//! concurrent commands on one folder either both finish or one refuses clearly. Each
//! test is a reproducer that failed before the fix.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sha2::{Digest, Sha256};

use super::common::{classroom_sweep, hashflood, root};

/// A tiny sweep (2 x 2 points x 2 replicates = 8 runs of a 2-hour classroom) in `dir`,
/// with `extra` lines added to its `[sweep]` table.
pub(super) fn tiny_sweep(dir: &Path, extra: &str) -> String {
    let sweep = format!(
        r#"
[sweep]
scenario = "classroom.toml"
replicates = 2
seed = 3
{extra}
[sweep.parameters]
"populations.fans.size" = [200, 400]
"populations.fans.mobilisation.cascade.p" = {{ from = 0.1, to = 0.3, steps = 2 }}
"#
    );
    classroom_sweep(dir, "tiny.toml", &sweep)
        .display()
        .to_string()
}

/// `hashflood sweep FILE --set time.duration="2h" --out DIR ARGS...`, in `cwd`.
pub(super) fn sweep_cmd(cwd: &Path, file: &str, dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_hashflood"));
    c.args(["sweep", file, "--set", "time.duration=\"2h\"", "--out"])
        .arg(dir)
        .args(args)
        .current_dir(cwd)
        .env("RAYON_NUM_THREADS", "1");
    c
}

pub(super) fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Exit 1 (a clear error, not a panic's 101) and the error message.
fn fails(o: &Output) -> String {
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(1), "stderr: {err}");
    err
}

pub(super) fn tables(dir: &Path) -> (Vec<u8>, Vec<u8>) {
    (
        std::fs::read(dir.join("runs.csv")).unwrap(),
        std::fs::read(dir.join("points.csv")).unwrap(),
    )
}

fn merge(cwd: &Path, dirs: &[&Path], out: &Path) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_hashflood"));
    c.arg("merge").args(dirs).arg("--out").arg(out);
    c.current_dir(cwd).output().unwrap()
}

/// Two shards of the tiny sweep, and the whole sweep as the reference.
fn shards(tmp: &Path) -> (String, PathBuf, PathBuf, PathBuf) {
    let file = tiny_sweep(tmp, "");
    let whole = tmp.join("whole");
    ok(&sweep_cmd(tmp, &file, &whole, &["-q"]).output().unwrap());
    let (s0, s1) = (tmp.join("s0"), tmp.join("s1"));
    for (i, d) in [&s0, &s1].into_iter().enumerate() {
        ok(
            &sweep_cmd(tmp, &file, d, &["--shard", &format!("{i}/2"), "-q"])
                .output()
                .unwrap(),
        );
    }
    (file, whole, s0, s1)
}

/// Rewrites a run file with `edit` applied to its record and, with `reseal`, a checksum
/// recomputed the way hashflood computes it (the forgery a checksum alone cannot catch).
fn tamper(path: &Path, edit: impl Fn(&str) -> String, reseal: bool) {
    let text = std::fs::read_to_string(path).unwrap();
    let Some((body, sum)) = text.rsplit_once(",\"sha256\":\"") else {
        // No checksum (as before issue 9): the edit alone.
        std::fs::write(path, edit(&text)).unwrap();
        return;
    };
    let body = edit(body);
    let sum = if reseal {
        Sha256::digest(format!("{body}}}").as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    } else {
        sum.trim_end_matches("\"}").to_string()
    };
    std::fs::write(path, format!("{body},\"sha256\":\"{sum}\"}}")).unwrap();
}

#[test]
fn merge_refuses_a_shard_run_file_whose_metric_was_changed() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, _, s0, s1) = shards(tmp.path());
    // Run index 1 (p0000-r001) is in shard 1.
    let bad = s1.join("runs/p0000-r001.json");
    tamper(
        &bad,
        |b| b.replace("\"totals.posts\":", "\"totals.posts\":1"),
        false,
    );
    let out = tmp.path().join("merged");
    let err = fails(&merge(tmp.path(), &[&s0, &s1], &out));
    assert!(
        err.contains(&format!("refused: {}", bad.display()))
            && err.contains("does not match its sha256")
            && err.contains("1 runs are still missing"),
        "{err}"
    );
    assert!(!out.join("runs/p0000-r001.json").exists(), "never copied");
    assert!(!out.join("runs.csv").exists());
    assert!(bad.is_file(), "the input is left as it is");
}

#[test]
fn merge_refuses_run_files_with_a_changed_point_seed_or_name_even_when_resealed() {
    let tmp = tempfile::tempdir().unwrap();
    let (file, whole, s0, s1) = shards(tmp.path());
    // Shard 1 holds runs 1, 3, 5, 7: replicate 1 of points 0 to 3.
    let run = |r: &str| s1.join(format!("runs/{r}.json"));
    tamper(
        &run("p0000-r001"),
        |b| b.replace("\"point\":0", "\"point\":1"),
        true,
    );
    tamper(
        &run("p0001-r001"),
        |b| {
            let i = b.find("\"seed\":").unwrap() + "\"seed\":".len();
            let j = i + b[i..].find(',').unwrap();
            format!("{}1{}", &b[..i], &b[j..])
        },
        true,
    );
    std::fs::copy(run("p0003-r001"), run("p0002-r001")).unwrap();
    let out = tmp.path().join("merged");
    let err = fails(&merge(tmp.path(), &[&s0, &s1], &out));
    for (r, needle) in [
        ("p0000-r001", "point is 1, expected 0"),
        ("p0001-r001", "seed is 1, expected"),
        ("p0002-r001", "run is p0003-r001, expected p0002-r001"),
    ] {
        assert!(
            err.contains(&format!(
                "refused: {} is not this sweep's record of run {r}: {needle}",
                run(r).display()
            )),
            "{r}: {err}"
        );
    }
    assert!(err.contains("3 runs are still missing"), "{err}");
    // A clean copy of shard 1 completes the merge, equal to the whole sweep.
    let clean = tmp.path().join("s1-again");
    ok(
        &sweep_cmd(tmp.path(), &file, &clean, &["--shard", "1/2", "-q"])
            .output()
            .unwrap(),
    );
    ok(&merge(tmp.path(), &[&s0, &s1, &clean], &out));
    assert_eq!(tables(&out), tables(&whole), "no duplicate or missing row");
}

#[test]
fn a_truncated_run_file_in_a_merged_folder_is_redone_by_the_next_sweep() {
    let tmp = tempfile::tempdir().unwrap();
    let (file, whole, s0, s1) = shards(tmp.path());
    let out = tmp.path().join("merged");
    ok(&merge(tmp.path(), &[&s0, &s1], &out));
    let bad = out.join("runs/p0001-r000.json");
    let bytes = std::fs::read(&bad).unwrap();
    std::fs::write(&bad, &bytes[..bytes.len() / 2]).unwrap();
    let o = sweep_cmd(tmp.path(), &file, &out, &[]).output().unwrap();
    let said = ok(&o);
    assert!(said.contains("1 to run"), "{said}");
    let warned = String::from_utf8_lossy(&o.stderr);
    assert!(
        warned.contains(&bad.display().to_string()) && warned.contains("no valid sha256"),
        "{warned}"
    );
    assert_eq!(tables(&out), tables(&whole));
    assert_eq!(
        std::fs::read(out.join("runs/p0001-r000.json.corrupt")).unwrap(),
        &bytes[..bytes.len() / 2],
        "the damaged file is set aside, not deleted"
    );
}

/// Runs `hashflood sweep` on a sweep file with this `[sweep]` body; returns the error.
fn sweep_rejects(body: &str) -> String {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::copy(
        root().join("scenarios/classroom.toml"),
        tmp.path().join("classroom.toml"),
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("big.toml"),
        format!("[sweep]\nscenario = \"classroom.toml\"\n{body}\n"),
    )
    .unwrap();
    let err = fails(&hashflood(
        tmp.path(),
        &["sweep", "big.toml", "--out", "out"],
        "1",
    ));
    assert!(!tmp.path().join("out").exists(), "nothing created");
    err
}

#[test]
fn sweep_sizes_have_stated_maxima_checked_before_anything_is_built() {
    // A grid whose product overflows 64 bits (it used to abort the process).
    let err = sweep_rejects(
        "[sweep.parameters]\n\
         \"populations.fans.size\" = { from = 1, to = 9, steps = 1000000 }\n\
         \"populations.locals.size\" = { from = 1, to = 9, steps = 1000000 }\n\
         \"populations.fans.mobilisation.cascade.p\" = { from = 0, to = 1, steps = 1000000 }\n\
         \"feeds.ClassTag.latest_window\" = { from = 1, to = 9, steps = 1000000 }\n",
    );
    assert!(
        err.contains("sweep.parameters = a grid of 1000000 (feeds.ClassTag.latest_window) x")
            && err.contains("= 1000000000000000000000000 points")
            && err.contains("at most 1000000 grid points"),
        "{err}"
    );
    // One axis alone too long.
    let err = sweep_rejects(
        "[sweep.parameters]\n\"populations.fans.size\" = { from = 1, to = 9, steps = 4611686018427387904 }\n",
    );
    assert!(
        err.contains("populations.fans.size\".steps = 4611686018427387904")
            && err.contains("from 1 to 1000000"),
        "{err}"
    );
    // Points x replicates.
    let err = sweep_rejects(
        "design = \"random\"\nsamples = 1000000\nreplicates = 2\n\
         [sweep.parameters]\n\"populations.fans.size\" = { from = 1, to = 9 }\n",
    );
    assert!(
        err.contains("sweep.replicates = 2 (x 1000000 points = 2000000 runs)")
            && err.contains("at most 1000000 runs in all"),
        "{err}"
    );
    let err = sweep_rejects(
        "replicates = 1000\n[sweep.parameters]\n\
         \"populations.fans.size\" = { from = 1, to = 9, steps = 1001 }\n",
    );
    assert!(err.contains("1001 points = 1001000 runs"), "{err}");
}

#[test]
fn a_failed_slurm_leaves_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tiny_sweep(tmp.path(), "");
    let no_sbatch = tmp.path().join("empty-path");
    std::fs::create_dir(&no_sbatch).unwrap();
    let cases: [(&str, Vec<&str>, &str); 4] = [
        ("a", vec!["--slurm", "0"], "--slurm 0: expected 1 to 1000"),
        (
            "b",
            vec!["--slurm", "2", "--shard", "0/2"],
            "leave out --shard",
        ),
        (
            "with space",
            vec!["--slurm", "2"],
            "cannot hold a path with spaces",
        ),
        ("d", vec!["--slurm", "2", "--submit"], "cannot run sbatch"),
    ];
    for (out, args, needle) in cases {
        let dir = tmp.path().join("new").join(out);
        let o = sweep_cmd(tmp.path(), &file, &dir, &args)
            .env("PATH", &no_sbatch)
            .output()
            .unwrap();
        let err = fails(&o);
        assert!(err.contains(needle), "{out}: {err}");
        assert!(!tmp.path().join("new").exists(), "{out}: left {dir:?}");
    }
    // An existing folder is left as it was (empty).
    let dir = tmp.path().join("existing");
    std::fs::create_dir(&dir).unwrap();
    let o = sweep_cmd(tmp.path(), &file, &dir, &["--slurm", "2", "--submit"])
        .env("PATH", &no_sbatch)
        .output()
        .unwrap();
    fails(&o);
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        0,
        "left as it was"
    );
}

#[test]
fn failed_sweeps_and_merges_create_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    // An invalid definition.
    let bad = tiny_sweep(t, "design = \"sobol\"");
    fails(&sweep_cmd(t, &bad, &t.join("new/a"), &[]).output().unwrap());
    // A definition that validates but whose runs fail (a damaged edge list is read
    // only when a run builds its network).
    std::fs::write(t.join("nodes.csv"), "node,population\n").unwrap();
    std::fs::write(t.join("edges.csv"), "not,the header\n").unwrap();
    let scenario = std::fs::read_to_string(t.join("classroom.toml"))
        .unwrap()
        .replace(
            "generator = \"erdos_renyi\"\nmean_degree = 6.0\npopulations = [\"fans\"]",
            "generator = \"edge_list\"\nedges = \"edges.csv\"\nnodes = \"nodes.csv\"",
        );
    assert!(scenario.contains("edge_list"));
    std::fs::write(t.join("classroom.toml"), scenario).unwrap();
    let file = t.join("tiny.toml").display().to_string();
    std::fs::write(
        &file,
        std::fs::read_to_string(&file)
            .unwrap()
            .replace("design = \"sobol\"", ""),
    )
    .unwrap();
    let err = fails(&sweep_cmd(t, &file, &t.join("new/b"), &[]).output().unwrap());
    assert!(err.contains("run p0000-r000 failed"), "{err}");
    assert!(!t.join("new").exists(), "the failed sweep left its folder");
    // merge: inputs that are not sweep folders, or hold another sweep.
    let good = tiny_sweep(t, "");
    let s0 = t.join("s0");
    ok(&sweep_cmd(t, &good, &s0, &["--shard", "0/2", "-q"])
        .output()
        .unwrap());
    let other = t.join("other");
    let mut c = sweep_cmd(t, &good, &other, &["--shard", "1/2", "-q"]);
    ok(&c.args(["--set", "seed=5"]).output().unwrap());
    let err = fails(&merge(t, &[&s0, &other], &t.join("new/m")));
    assert!(err.contains("holds a different sweep"), "{err}");
    let err = fails(&merge(t, &[&s0, &t.join("nowhere")], &t.join("new/m")));
    assert!(err.contains("nowhere/manifest.json"), "{err}");
    assert!(!t.join("new").exists(), "the failed merge left its folder");
}

#[test]
fn a_shard_being_run_refuses_a_second_identical_sweep_but_not_other_shards() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let file = tiny_sweep(t, "");
    let whole = t.join("whole");
    ok(&sweep_cmd(t, &file, &whole, &["-q"]).output().unwrap());
    let dir = t.join("shared");
    ok(&sweep_cmd(t, &file, &dir, &["--shard", "1/2", "-q"])
        .output()
        .unwrap());
    // Hold the whole sweep's lock, as a running `hashflood sweep` does.
    let lock = dir.join(".locks/shard-0-of-1.lock");
    std::fs::create_dir_all(dir.join(".locks")).unwrap();
    let held = std::fs::File::create(&lock).unwrap();
    held.try_lock().unwrap();
    let err = fails(&sweep_cmd(t, &file, &dir, &[]).output().unwrap());
    assert!(
        err.contains(&format!(
            "{} is in use: another hashflood sweep is running there",
            dir.display()
        )) && err.contains(&lock.display().to_string()),
        "{err}"
    );
    // Another shard takes another lock and shares the folder; it completes the sweep.
    ok(&sweep_cmd(t, &file, &dir, &["--shard", "0/2", "-q"])
        .output()
        .unwrap());
    assert_eq!(tables(&dir), tables(&whole));
    // A merge into a folder another merge is writing refuses too.
    let merge_lock = dir.join(".locks/merge.lock");
    let held_merge = std::fs::File::create(&merge_lock).unwrap();
    held_merge.try_lock().unwrap();
    let err = fails(&merge(t, &[&dir], &dir));
    assert!(
        err.contains("another hashflood merge is running there"),
        "{err}"
    );
    drop((held, held_merge));
    ok(&sweep_cmd(t, &file, &dir, &["-q"]).output().unwrap());
}

#[test]
fn a_sweep_that_finds_its_folder_in_use_leaves_what_it_made_to_the_user() {
    // Two identical sweeps start at once into a new folder: A creates the folder, its
    // manifest and runs/, B takes the lock first. A must not remove what B now runs in
    // (it used to: B then failed, "No such file or directory"). Here the test plays B.
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let file = tiny_sweep(t, "");
    let dir = t.join("new");
    std::fs::create_dir_all(dir.join(".locks")).unwrap();
    let held = std::fs::File::create(dir.join(".locks/shard-0-of-1.lock")).unwrap();
    held.try_lock().unwrap();
    let err = fails(&sweep_cmd(t, &file, &dir, &[]).output().unwrap());
    assert!(err.contains("is in use"), "{err}");
    assert!(
        dir.join("manifest.json").is_file() && dir.join("runs").is_dir(),
        "the folder's user relies on them"
    );
    drop(held);
    ok(&sweep_cmd(t, &file, &dir, &["-q"]).output().unwrap());
}

#[test]
fn concurrent_sweeps_into_one_folder_all_finish_with_the_whole_tables_or_refuse() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let file = tiny_sweep(t, "plot = [\"populations.fans.cascade_fraction\"]");
    let whole = t.join("whole");
    ok(&sweep_cmd(t, &file, &whole, &["-q"]).output().unwrap());
    for trial in 0..4 {
        let dir = t.join(format!("trial{trial}"));
        // Two identical sweeps, and overlapping shards (they write the same run files,
        // and all finish the tables at about the same time).
        let runs: [&[&str]; 5] = [
            &[],
            &[],
            &["--shard", "0/2"],
            &["--shard", "1/2"],
            &["--shard", "1/3"],
        ];
        let children: Vec<_> = runs
            .iter()
            .map(|args| {
                let mut c = sweep_cmd(t, &file, &dir, args);
                c.arg("-q")
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped());
                c.spawn().unwrap()
            })
            .collect();
        let mut finished = 0;
        for child in children {
            let o = child.wait_with_output().unwrap();
            if o.status.success() {
                finished += 1;
            } else {
                let err = fails(&o);
                assert!(
                    err.contains("is in use: another hashflood sweep"),
                    "trial {trial}: {err}"
                );
            }
        }
        assert!(finished >= 4, "trial {trial}: only one may refuse");
        assert_eq!(tables(&dir), tables(&whole), "trial {trial}");
        assert_eq!(
            std::fs::read(dir.join("charts/populations_fans_cascade_fraction.svg")).unwrap(),
            std::fs::read(whole.join("charts/populations_fans_cascade_fraction.svg")).unwrap(),
            "trial {trial}"
        );
    }
}

#[test]
fn a_file_put_into_charts_is_never_deleted() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let file = tiny_sweep(t, "plot = [\"populations.fans.cascade_fraction\"]");
    let dir = t.join("out");
    ok(&sweep_cmd(t, &file, &dir, &["-q"]).output().unwrap());
    // A note, and a picture of the user's own (a PNG the sweep does not draw).
    for name in ["notes.txt", "my-figure.png"] {
        let mine = dir.join("charts").join(name);
        std::fs::write(&mine, "mine").unwrap();
        let err = fails(&sweep_cmd(t, &file, &dir, &["-q"]).output().unwrap());
        assert!(
            err.contains(&format!("holds {name}, which hashflood did not write")),
            "{err}"
        );
        assert_eq!(std::fs::read_to_string(&mine).unwrap(), "mine");
        std::fs::remove_file(&mine).unwrap();
    }
}

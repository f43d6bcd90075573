//! kill -9 at random moments during `run`, `run --replicates` and `run --force`: afterwards
//! the destination is absent or a complete run (the previous one or the new one), never a
//! partial folder, and running the same command again succeeds and leaves nothing else.
//!
//! Runs are deterministic, so "complete" is checked byte for byte against a run that was
//! not killed (its marker, every file, the charts). Kill delays come from a seeded
//! generator and are spread over one run's measured wall time.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::output_safety::{Content, assert_complete, names, tiny, tree};

const TRIALS: usize = 20;

/// splitmix64: a seeded stream of delays, the same on every machine.
struct Delays(u64);

impl Delays {
    /// Uniform in `[0, max)`.
    fn next(&mut self, max: Duration) -> Duration {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        max.mul_f64((z >> 11) as f64 / (1u64 << 53) as f64)
    }
}

fn command(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_hashflood"));
    c.args(args)
        .current_dir(dir)
        .env("RAYON_NUM_THREADS", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    c
}

/// Runs to completion; returns (succeeded, stderr).
fn finish(dir: &Path, args: &[&str]) -> (bool, String) {
    let o = command(dir, args).output().unwrap();
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// A run that is not killed: its files, and how long it took.
fn reference(dir: &Path, args: &[&str], out: &str) -> (BTreeMap<String, Content>, Duration) {
    let mut args = args.to_vec();
    args.extend(["--out", out]);
    let started = Instant::now();
    let (ok, err) = finish(dir, &args);
    let took = started.elapsed();
    assert!(ok, "{err}");
    assert_complete(&dir.join(out));
    (tree(&dir.join(out)), took)
}

/// Starts the command, kills it after `delay`; returns whether it was still running.
fn kill_after(dir: &Path, args: &[&str], delay: Duration) -> bool {
    let mut child = command(dir, args).spawn().unwrap();
    std::thread::sleep(delay);
    let running = child.try_wait().unwrap().is_none();
    let _ = child.kill(); // SIGKILL
    child.wait().unwrap();
    running
}

/// What a kill left at the destination.
#[derive(Debug, PartialEq)]
enum Left {
    Nothing,
    Previous,
    New,
    /// The previous run moved aside (complete), nothing at the destination yet.
    PreviousAside,
}

fn what_is_left(
    work: &Path,
    previous: Option<&BTreeMap<String, Content>>,
    new: &BTreeMap<String, Content>,
) -> Left {
    let dest = work.join("dest");
    // Beside the destination: only our hidden names.
    for name in names(work) {
        assert!(
            name == "dest" || name.starts_with(".dest.hashflood-"),
            "unexpected {name}"
        );
    }
    if dest.exists() {
        let t = tree(&dest);
        if &t == new {
            return Left::New;
        }
        assert_eq!(Some(&t), previous, "the destination is a partial run");
        return Left::Previous;
    }
    let aside: Vec<String> = names(work)
        .into_iter()
        .filter(|n| n.starts_with(".dest.hashflood-old-"))
        .collect();
    match (&aside[..], previous) {
        ([], None) => Left::Nothing,
        ([one], Some(prev)) if &tree(&work.join(one)) == prev => Left::PreviousAside,
        _ => panic!("the previous run is gone: {aside:?}"),
    }
}

/// Kills `run SCENARIO EXTRA --out dest` TRIALS times; with `force`, over a previous
/// run of another seed each time.
fn kill_trials(extra: &[&str], force: bool, seed: u64) {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = tiny(tmp.path());
    let work = tmp.path().join("work");
    fs::create_dir(&work).unwrap();
    let base: Vec<&str> = [&["run", scenario.as_str(), "-q"][..], extra].concat();
    let seeded = |s: &'static str| [&base[..], &["--seed", s][..]].concat();
    let (refs, mut took) = {
        let (a, took_a) = reference(tmp.path(), &seeded("1"), "ref1");
        let (b, took_b) = reference(tmp.path(), &seeded("2"), "ref2");
        ([a, b], (took_a + took_b) / 2)
    };
    let mut delays = Delays(seed);
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let seeds = ["1", "2"];
    if force {
        let (ok, err) = finish(&work, &[&seeded("1")[..], &["--out", "dest"][..]].concat());
        assert!(ok, "{err}");
    }
    for trial in 0..TRIALS {
        // With --force, alternate seeds so that the previous and the new run differ.
        let i = if force { (trial + 1) % 2 } else { 0 };
        let mut args = [&seeded(seeds[i])[..], &["--out", "dest"][..]].concat();
        if force {
            args.push("--force");
        }
        let previous = force.then(|| &refs[1 - i]);
        // Past the run's length too, so some kills land after the commit.
        let running = kill_after(&work, &args, delays.next(took.mul_f64(1.5)));
        let left = what_is_left(&work, previous, &refs[i]);
        *seen
            .entry(format!("{left:?}{}", if running { "" } else { " (done)" }))
            .or_default() += 1;
        // The same command again: it completes the run (or, without --force, refuses
        // to replace the complete run the killed one already wrote).
        let started = Instant::now();
        let (ok, err) = finish(&work, &args);
        // The machine's load changes: keep the delays spread over a run's current length.
        took = (took * 3 + started.elapsed()) / 4;
        if left == Left::New && !force {
            assert!(
                !ok && err.contains("already exists"),
                "trial {trial}: {err}"
            );
        } else {
            assert!(ok, "trial {trial} after {left:?}: {err}");
        }
        assert_eq!(tree(&work.join("dest")), refs[i], "trial {trial}");
        assert_eq!(names(&work), ["dest"], "trial {trial}: leftovers tidied");
        if !force {
            fs::remove_dir_all(work.join("dest")).unwrap();
        }
    }
    eprintln!("{extra:?} force={force}: {seen:?} (run took {took:?})");
    let killed_mid_run = seen
        .iter()
        .filter(|(k, _)| !k.ends_with("(done)"))
        .map(|(_, n)| n)
        .sum::<usize>();
    assert!(
        killed_mid_run >= TRIALS / 4,
        "most kills should land while the run is going: {seen:?}"
    );
}

/// The windows of a replacement too short for a random kill to hit, each hit on purpose
/// (debug builds abort at a named step; see `src/output/mod.rs`).
#[test]
fn a_kill_at_each_step_of_a_replacement_keeps_a_complete_run() {
    if !cfg!(debug_assertions) {
        eprintln!("skipped: the abort hook exists in debug builds only");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let scenario = tiny(tmp.path());
    let base = ["run", scenario.as_str(), "-q"];
    let (old, _) = reference(
        tmp.path(),
        &[&base[..], &["--seed", "1"][..]].concat(),
        "ref1",
    );
    let (new, _) = reference(
        tmp.path(),
        &[&base[..], &["--seed", "2"][..]].concat(),
        "ref2",
    );
    let replace = [&base[..], &["--seed", "2", "--out", "dest", "--force"][..]].concat();
    for (step, expected) in [
        ("sealed", Left::Previous),
        ("aside", Left::PreviousAside),
        ("renamed", Left::New),
        ("discarding", Left::New),
    ] {
        let work = tmp.path().join(step);
        fs::create_dir(&work).unwrap();
        let (ok, err) = finish(
            &work,
            &[&base[..], &["--seed", "1", "--out", "dest"][..]].concat(),
        );
        assert!(ok, "{err}");
        let o = command(&work, &replace)
            .env("HASHFLOOD_ABORT_AT", step)
            .output()
            .unwrap();
        assert!(
            !o.status.success() && o.status.code().is_none(),
            "{step}: aborted"
        );
        assert_eq!(what_is_left(&work, Some(&old), &new), expected, "{step}");
        if step == "aside" {
            // The next command to that place rolls back: without --force it finds the
            // previous run in place and refuses to replace it.
            let (ok, err) = finish(&work, &[&base[..], &["--out", "dest"][..]].concat());
            assert!(!ok && err.contains("already exists"), "{err}");
            assert_eq!(tree(&work.join("dest")), old);
            assert_eq!(names(&work), ["dest"]);
        }
        let (ok, err) = finish(&work, &replace);
        assert!(ok, "{step}: {err}");
        assert_eq!(tree(&work.join("dest")), new, "{step}");
        assert_eq!(names(&work), ["dest"], "{step}: leftovers tidied");
    }
}

#[test]
fn kill_during_run() {
    kill_trials(&[], false, 1);
}

#[test]
fn kill_during_run_with_replicates() {
    kill_trials(&["--replicates", "3"], false, 2);
}

#[test]
fn kill_during_run_force_over_a_previous_run() {
    kill_trials(&[], true, 3);
}

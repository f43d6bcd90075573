//! kill -9 at random moments (seeded delays spread over one command's measured wall
//! time) during `sweep` and `merge`. After every kill the folder holds only complete
//! files: each run file is byte-identical to the reference sweep's, and `runs.csv` /
//! `points.csv` are absent or complete, which a reader polling them throughout also
//! checks. Running the same command again then completes, byte-identical to an
//! uninterrupted sweep; so does a resume after a run file was damaged on purpose.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::sweep_safety::{ok, sweep_cmd, tables};

const TRIALS: u64 = 20;

/// splitmix64: the seeded delays, without depending on the simulator's RNG.
struct Delays(u64);

impl Delays {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1.2 x `span`): a kill can land anywhere in the command,
    /// including its last writes, or after it ended.
    fn within(&mut self, span: Duration) -> Duration {
        span.mul_f64(1.2 * (self.next() >> 11) as f64 / (1u64 << 53) as f64)
    }
}

/// A sweep of 24 short runs with a chart, so finishing takes a while too.
fn kill_sweep_file(dir: &Path) -> String {
    std::fs::copy(
        super::common::root().join("scenarios/classroom.toml"),
        dir.join("classroom.toml"),
    )
    .unwrap();
    let path = dir.join("k.toml");
    std::fs::write(
        &path,
        r#"
[sweep]
scenario = "classroom.toml"
replicates = 4
seed = 9
plot = ["populations.fans.cascade_fraction"]
[sweep.parameters]
"populations.fans.size" = [200, 400, 600]
"populations.fans.mobilisation.cascade.p" = [0.1, 0.3]
"#,
    )
    .unwrap();
    path.display().to_string()
}

/// The files a complete sweep folder holds: run files, tables and charts, by relative
/// path (no hidden files: locks and temporary files are not results).
fn results(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for sub in ["", "runs", "charts"] {
        let Ok(entries) = std::fs::read_dir(dir.join(sub)) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') || !e.path().is_file() {
                continue;
            }
            out.push((format!("{sub}/{name}"), std::fs::read(e.path()).unwrap()));
        }
    }
    out.sort();
    out
}

/// Checks a folder after a kill: every visible file is complete (equal to the
/// reference's file of that name), none is one the reference does not have.
fn check_complete_files(dir: &Path, reference: &[(String, Vec<u8>)], when: &str) {
    for (name, bytes) in results(dir) {
        let expected = reference
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap_or_else(|| panic!("{when}: unexpected file {name}"));
        assert!(
            expected.1 == bytes,
            "{when}: {name} is partial or wrong ({} bytes, expected {})",
            bytes.len(),
            expected.1.len()
        );
    }
}

/// Reads `runs.csv` and `points.csv` over and over while `running`, recording any read
/// that is neither absent nor the complete reference table.
struct Watcher {
    running: Arc<AtomicBool>,
    bad: Arc<Mutex<Vec<String>>>,
    thread: std::thread::JoinHandle<()>,
}

impl Watcher {
    fn start(dir: &Path, reference: &(Vec<u8>, Vec<u8>)) -> Watcher {
        let running = Arc::new(AtomicBool::new(true));
        let bad = Arc::new(Mutex::new(Vec::new()));
        let (r, b, dir, reference) = (
            running.clone(),
            bad.clone(),
            dir.to_path_buf(),
            reference.clone(),
        );
        let thread = std::thread::spawn(move || {
            while r.load(Ordering::Relaxed) {
                for (name, expected) in [("runs.csv", &reference.0), ("points.csv", &reference.1)] {
                    if let Ok(bytes) = std::fs::read(dir.join(name))
                        && &bytes != expected
                    {
                        b.lock()
                            .unwrap()
                            .push(format!("{name}: read {} bytes", bytes.len()));
                    }
                }
                std::thread::sleep(Duration::from_micros(200));
            }
        });
        Watcher {
            running,
            bad,
            thread,
        }
    }

    fn stop(self, when: &str) {
        self.running.store(false, Ordering::Relaxed);
        self.thread.join().unwrap();
        let bad = self.bad.lock().unwrap();
        assert!(
            bad.is_empty(),
            "{when}: a partial table was visible: {bad:?}"
        );
    }
}

/// Starts `cmd` and kills it (SIGKILL) after `delay`; `None` if it was killed,
/// `Some(wall time)` if it ended first.
fn kill_after(mut cmd: Command, delay: Duration) -> Option<Duration> {
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while started.elapsed() < delay {
        if child.try_wait().unwrap().is_some() {
            return Some(started.elapsed());
        }
        std::thread::sleep(Duration::from_micros(500));
    }
    let ended = child.try_wait().unwrap().is_some();
    child.kill().unwrap();
    child.wait().unwrap();
    ended.then(|| started.elapsed())
}

/// The shortest wall time of `n` calls of `f`: the command's own time, as little
/// inflated as possible by whatever else the machine is doing.
fn shortest(n: usize, f: impl Fn(usize)) -> Duration {
    (0..n)
        .map(|i| {
            let started = Instant::now();
            f(i);
            started.elapsed()
        })
        .min()
        .unwrap()
}

/// `hashflood sweep` of the kill sweep (runs of 6 hours: the last `--set` wins).
fn sweep(t: &Path, file: &str, dir: &Path, args: &[&str]) -> Command {
    let mut c = sweep_cmd(t, file, dir, args);
    c.args(["-q", "--set", "time.duration=\"6h\""]);
    c
}

fn merge_cmd(cwd: &Path, dirs: &[PathBuf], out: Option<&Path>) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_hashflood"));
    c.arg("merge").args(dirs).current_dir(cwd);
    if let Some(out) = out {
        c.arg("--out").arg(out);
    }
    c
}

#[test]
fn kill_sweep_at_random_moments_then_resume_equals_the_uninterrupted_sweep() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let file = kill_sweep_file(t);
    let whole = t.join("whole");
    let mut span = shortest(3, |i| {
        ok(&sweep(t, &file, &t.join(format!("whole{i}")), &[])
            .output()
            .unwrap());
    });
    std::fs::rename(t.join("whole0"), &whole).unwrap();
    let reference = results(&whole);
    let ref_tables = tables(&whole);
    let mut delays = Delays(9);
    let mut kills = 0;
    for trial in 0..TRIALS {
        let dir = t.join(format!("trial{trial}"));
        // Odd trials are killed twice: once running, once resuming.
        for round in 0..1 + trial % 2 {
            let when = format!("trial {trial}, kill {round}");
            let watcher = Watcher::start(&dir, &ref_tables);
            match kill_after(sweep(t, &file, &dir, &[]), delays.within(span)) {
                None => kills += 1,
                // A whole sweep ended before its kill: the machine is faster now than
                // when the span was measured, so aim at this.
                Some(took) if round == 0 => span = span.min(took),
                Some(_) => {}
            }
            watcher.stop(&when);
            check_complete_files(&dir, &reference, &when);
        }
        // Every fourth trial: a run file damaged before the resume is redone.
        let damaged = (trial % 4 == 0)
            .then(|| {
                let runs = std::fs::read_dir(dir.join("runs")).ok()?;
                let path = runs
                    .flatten()
                    .map(|e| e.path())
                    .find(|p| p.extension().is_some_and(|x| x == "json"))?;
                let bytes = std::fs::read(&path).unwrap();
                std::fs::write(&path, &bytes[..bytes.len() * 2 / 3]).unwrap();
                Some(path)
            })
            .flatten();
        let watcher = Watcher::start(&dir, &ref_tables);
        ok(&sweep(t, &file, &dir, &[]).output().unwrap());
        watcher.stop(&format!("trial {trial}, resume"));
        assert_eq!(tables(&dir), ref_tables, "trial {trial}");
        if let Some(path) = damaged {
            let mut aside = path.clone().into_os_string();
            aside.push(".corrupt");
            assert!(Path::new(&aside).is_file(), "trial {trial}: set aside");
            std::fs::remove_file(&aside).unwrap();
        }
        assert!(
            results(&dir) == reference,
            "trial {trial}: not the same run files, tables and charts"
        );
    }
    eprintln!("sweep: {kills} kills in {TRIALS} trials, over {span:?}");
    assert!(
        kills >= TRIALS as u32 / 4,
        "only {kills} kills landed mid-sweep: the delays miss the command"
    );
}

#[test]
fn kill_merge_at_random_moments_then_merge_again_equals_the_uninterrupted_sweep() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let file = kill_sweep_file(t);
    let whole = t.join("whole");
    ok(&sweep(t, &file, &whole, &[]).output().unwrap());
    let reference = results(&whole);
    let ref_tables = tables(&whole);
    let shards: Vec<PathBuf> = (0..3).map(|i| t.join(format!("shard{i}"))).collect();
    for (i, dir) in shards.iter().enumerate() {
        ok(&sweep(t, &file, dir, &["--shard", &format!("{i}/3")])
            .output()
            .unwrap());
    }
    let mut span = shortest(3, |i| {
        ok(&merge_cmd(t, &shards, Some(&t.join(format!("timed{i}"))))
            .output()
            .unwrap());
    });
    let mut delays = Delays(10);
    let mut kills = 0;
    for trial in 0..TRIALS {
        let when = format!("trial {trial}");
        // Even trials merge into a new folder; odd ones into (a copy of) the first
        // shard, merge's default.
        let (dirs, out) = if trial % 2 == 0 {
            (shards.clone(), Some(t.join(format!("merged{trial}"))))
        } else {
            let first = t.join(format!("first{trial}"));
            std::fs::create_dir_all(first.join("runs")).unwrap();
            for (name, bytes) in results(&shards[0]) {
                std::fs::write(first.join(name.trim_start_matches('/')), bytes).unwrap();
            }
            let mut dirs = shards.clone();
            dirs[0] = first;
            (dirs, None)
        };
        let dest = out.clone().unwrap_or_else(|| dirs[0].clone());
        let watcher = Watcher::start(&dest, &ref_tables);
        match kill_after(merge_cmd(t, &dirs, out.as_deref()), delays.within(span)) {
            None => kills += 1,
            // A whole merge (into a new folder) ended before its kill: aim at this.
            Some(took) if trial % 2 == 0 => span = span.min(took),
            Some(_) => {}
        }
        watcher.stop(&when);
        check_complete_files(&dest, &reference, &when);
        let watcher = Watcher::start(&dest, &ref_tables);
        ok(&merge_cmd(t, &dirs, out.as_deref()).output().unwrap());
        watcher.stop(&format!("{when}, again"));
        assert_eq!(tables(&dest), ref_tables, "{when}");
        check_complete_files(&dest, &reference, &when);
        assert_eq!(results(&dest).len(), reference.len(), "{when}: every file");
    }
    eprintln!("merge: {kills} kills in {TRIALS} trials, over {span:?}");
    assert!(
        kills >= TRIALS as u32 / 4,
        "only {kills} kills landed mid-merge: the delays miss the command"
    );
}

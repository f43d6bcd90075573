//! What the binary may write, replace and leave behind (issue 9): `--force` replaces only
//! a folder hashflood wrote, one process writes a folder at a time, failed commands leave
//! nothing, and hostile environments (closed pipes, huge counts) end in clear errors.

use std::collections::BTreeMap;
use std::fs;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use super::common::{hashflood, root};

/// A scenario that runs in about a tenth of a second (few samples, so a short animation),
/// with every output file and chart.
const TINY: &str = r#"
name = "tiny"
seed = 1
[time]
duration = "2h"
dt = "1m"
[metrics]
sample_every = "15m"
[feeds.T]
latest_window = 10
[populations.fans]
size = 300
rate = { dist = "constant", value = 6.0 }
targeting = { mode = "weights", weights = { T = 1.0 } }
[populations.others]
size = 100
rate = { dist = "constant", value = 2.0 }
targeting = { mode = "weights", weights = { T = 1.0 } }
"#;

/// Writes [`TINY`] into `dir` and returns its path.
pub fn tiny(dir: &Path) -> String {
    let path = dir.join("tiny.toml");
    fs::write(&path, TINY).unwrap();
    path.display().to_string()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

/// A file's size and a hash of its bytes (short to print when a comparison fails).
pub type Content = (usize, u64);

/// Every file under `dir` (hidden ones too) with its [`Content`]; empty folders as
/// `name/`.
pub fn tree(dir: &Path) -> BTreeMap<String, Content> {
    fn walk(dir: &Path, prefix: &str, out: &mut BTreeMap<String, Content>) {
        let mut empty = true;
        for e in fs::read_dir(dir).unwrap() {
            empty = false;
            let e = e.unwrap();
            let rel = format!("{prefix}{}", e.file_name().to_string_lossy());
            if e.file_type().unwrap().is_dir() {
                walk(&e.path(), &format!("{rel}/"), out);
            } else {
                let bytes = fs::read(e.path()).unwrap();
                let mut h = DefaultHasher::new();
                bytes.hash(&mut h);
                out.insert(rel, (bytes.len(), h.finish()));
            }
        }
        if empty && !prefix.is_empty() {
            out.insert(prefix.to_string(), (0, 0));
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, "", &mut out);
    out
}

/// The names in `dir`, sorted.
pub fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Asserts that `dir` is a complete run: its marker lists every file with its size, the
/// charts carry their own complete marker, and the JSON files parse.
pub fn assert_complete(dir: &Path) {
    let marker: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.join(".hashflood-output")).unwrap()).unwrap();
    assert_eq!(marker["tool"], "hashflood");
    let files = marker["files"].as_object().unwrap();
    assert!(!files.is_empty());
    for (f, size) in files {
        let len = fs::metadata(dir.join(f))
            .unwrap_or_else(|e| panic!("{f}: {e}"))
            .len();
        assert_eq!(Some(len), size.as_u64(), "{f}");
        if f.ends_with(".json") {
            serde_json::from_slice::<serde_json::Value>(&fs::read(dir.join(f)).unwrap())
                .unwrap_or_else(|e| panic!("{f}: {e}"));
        }
    }
    if marker["kind"] != "charts" {
        assert_eq!(marker["folders"], serde_json::json!(["charts"]));
        assert_complete(&dir.join("charts"));
        assert!(files.contains_key("scenario.resolved.toml"));
    }
}

/// Runs TINY into `dir/name` and returns that folder.
fn a_run(dir: &Path, name: &str) -> PathBuf {
    let out = dir.join(name);
    let o = hashflood(dir, &["run", &tiny(dir), "--out", &s(&out), "-q"], "1");
    assert!(o.status.success(), "{}", stderr(&o));
    out
}

#[test]
fn force_never_replaces_a_folder_hashflood_did_not_write() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = tiny(tmp.path());
    // A thesis with a sub-folder, as reported.
    let thesis = tmp.path().join("thesis");
    fs::create_dir_all(thesis.join("figures")).unwrap();
    fs::write(thesis.join("thesis.tex"), "chapter 1").unwrap();
    fs::write(thesis.join("figures/a.png"), "png").unwrap();
    let before = tree(&thesis);
    for force in [true, false] {
        let mut args = vec!["run", &scenario, "--out", "thesis", "-q"];
        if force {
            args.push("--force");
        }
        let o = hashflood(tmp.path(), &args, "1");
        assert_eq!(o.status.code(), Some(1));
        let err = stderr(&o);
        assert!(
            err.contains("thesis already exists") && err.contains("no .hashflood-output marker"),
            "{err}"
        );
        assert_eq!(tree(&thesis), before, "the thesis is intact");
    }
    // A run folder into which the user put a file of their own.
    let run = a_run(tmp.path(), "run");
    fs::write(run.join("notes.txt"), "my notes").unwrap();
    fs::create_dir(run.join("drafts")).unwrap();
    fs::write(run.join("drafts/d.txt"), "draft").unwrap();
    let before = tree(&run);
    let o = hashflood(
        tmp.path(),
        &["run", &scenario, "--out", "run", "--force", "-q"],
        "1",
    );
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("which hashflood did not write") && err.contains("run already exists"),
        "{err}"
    );
    assert_eq!(tree(&run), before);
    // A file of the user's inside the run's charts/.
    fs::remove_file(run.join("notes.txt")).unwrap();
    fs::remove_dir_all(run.join("drafts")).unwrap();
    fs::write(run.join("charts/mine.png"), "mine").unwrap();
    let o = hashflood(
        tmp.path(),
        &["run", &scenario, "--out", "run", "--force", "-q"],
        "1",
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("charts/mine.png"), "{}", stderr(&o));
    assert_eq!(fs::read(run.join("charts/mine.png")).unwrap(), b"mine");
    assert_eq!(names(tmp.path()), ["run", "thesis", "tiny.toml"]);
}

#[test]
fn force_never_replaces_the_working_folder_its_parents_home_or_a_file() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = tiny(tmp.path());
    // Each of these is a complete run hashflood wrote, so only the rule about the place
    // itself refuses it.
    let run = a_run(tmp.path(), "run");
    let before = tree(&run);
    let refused = |cwd: &Path, out: &str, home: &Path, reason: &str| {
        let o = Command::new(env!("CARGO_BIN_EXE_hashflood"))
            .args(["run", &scenario, "--out", out, "--force", "-q"])
            .current_dir(cwd)
            .env("RAYON_NUM_THREADS", "1")
            .env("HOME", home)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(1), "{out} from {}", cwd.display());
        let err = stderr(&o);
        assert!(err.contains(&format!("it is {reason}")), "{err}");
        assert_eq!(tree(&run), before, "{out} is intact");
    };
    let elsewhere = tmp.path().join("home");
    refused(&run, ".", &elsewhere, "the working folder");
    refused(&run, &s(&run), &elsewhere, "the working folder");
    refused(
        &run.join("charts"),
        "..",
        &elsewhere,
        "a parent of the working folder",
    );
    refused(&run.join("charts"), "../charts/..", &elsewhere, "a parent");
    refused(tmp.path(), "run", &run, "the home folder");
    // (The root is refused too: a unit test in output.rs, which cannot harm it.)
    // A file is never replaced.
    fs::write(tmp.path().join("results.csv"), "precious").unwrap();
    let o = hashflood(
        tmp.path(),
        &["run", &scenario, "--out", "results.csv", "--force", "-q"],
        "1",
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("it is a file"), "{}", stderr(&o));
    assert_eq!(
        fs::read(tmp.path().join("results.csv")).unwrap(),
        b"precious"
    );
    assert_eq!(names(tmp.path()), ["results.csv", "run", "tiny.toml"]);
}

#[test]
fn force_replaces_a_run_hashflood_wrote_and_an_empty_folder_needs_no_force() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = tiny(tmp.path());
    fs::create_dir(tmp.path().join("empty")).unwrap();
    let run = a_run(tmp.path(), "empty");
    assert_complete(&run);
    let o = hashflood(
        tmp.path(),
        &[
            "run", &scenario, "--out", "empty", "--seed", "2", "--force", "-q",
        ],
        "1",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_complete(&run);
    let resolved = fs::read_to_string(run.join("scenario.resolved.toml")).unwrap();
    assert!(
        resolved.contains("seed = 2"),
        "the new run replaced the old"
    );
    // Charts written by `plot` stay replaceable, and so does a run with replicates.
    let o = hashflood(tmp.path(), &["plot", "empty"], "1");
    assert!(o.status.success(), "{}", stderr(&o));
    let o = hashflood(
        tmp.path(),
        &[
            "run",
            &scenario,
            "--out",
            "empty",
            "--replicates",
            "2",
            "--force",
            "-q",
        ],
        "1",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_complete(&run);
    assert_eq!(
        names(tmp.path()),
        ["empty", "tiny.toml"],
        "nothing left beside it"
    );
}

#[test]
fn a_folder_another_process_is_writing_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = tiny(tmp.path());
    let run = a_run(tmp.path(), "run");
    let before = tree(&run);
    // Hold the lock as a running hashflood would.
    let lock = fs::File::create(tmp.path().join(".run.hashflood-lock")).unwrap();
    lock.try_lock().unwrap();
    for force in [true, false] {
        let mut args = vec!["run", &scenario, "--out", "run", "-q"];
        if force {
            args.push("--force");
        }
        let o = hashflood(tmp.path(), &args, "1");
        assert_eq!(o.status.code(), Some(1));
        assert!(
            stderr(&o).contains("another hashflood process is writing run"),
            "{}",
            stderr(&o)
        );
        assert_eq!(tree(&run), before);
    }
    let o = hashflood(tmp.path(), &["plot", "run"], "1");
    assert_eq!(
        o.status.code(),
        Some(1),
        "plot respects the lock of the charts too"
    );
    drop(lock);
    let o = hashflood(
        tmp.path(),
        &["run", &scenario, "--out", "run", "--force", "-q"],
        "1",
    );
    assert!(o.status.success(), "{}", stderr(&o));
}

/// Starts `n` copies of the same command at once in `dir`; returns their outputs.
fn at_once(dir: &Path, args: &[&str], n: usize) -> Vec<Output> {
    let children: Vec<_> = (0..n)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_hashflood"))
                .args(args)
                .current_dir(dir)
                .env("RAYON_NUM_THREADS", "1")
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect()
}

#[test]
fn two_runs_into_one_folder_never_both_claim_it() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = tiny(tmp.path());
    for round in 0..4 {
        let out = format!("same{round}");
        let outs = at_once(tmp.path(), &["run", &scenario, "--out", &out], 2);
        let ok: Vec<&Output> = outs.iter().filter(|o| o.status.success()).collect();
        assert_eq!(ok.len(), 1, "exactly one writes {out}");
        assert!(String::from_utf8_lossy(&ok[0].stdout).contains(&format!("wrote {out}")));
        let refused = outs.iter().find(|o| !o.status.success()).unwrap();
        let err = stderr(refused);
        assert!(
            err.contains("another hashflood process is writing") || err.contains("already exists"),
            "{err}"
        );
        assert_complete(&tmp.path().join(&out));
    }
    let mut expected = vec!["same0", "same1", "same2", "same3", "tiny.toml"];
    expected.sort();
    assert_eq!(names(tmp.path()), expected, "no lock or staging left");
}

#[test]
fn runs_into_default_folders_at_once_get_distinct_complete_folders() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = tiny(tmp.path());
    let outs = at_once(tmp.path(), &["run", &scenario], 4);
    let mut wrote: Vec<String> = outs
        .iter()
        .map(|o| {
            assert!(o.status.success(), "{}", stderr(o));
            let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
            stdout.lines().last().unwrap().to_string()
        })
        .collect();
    wrote.sort();
    wrote.dedup();
    assert_eq!(wrote.len(), 4, "four distinct folders: {wrote:?}");
    let base = tmp.path().join("output/tiny");
    assert_eq!(names(&base), ["seed-1", "seed-1-2", "seed-1-3", "seed-1-4"]);
    for name in names(&base) {
        assert_complete(&base.join(name));
    }
}

#[test]
fn plot_on_a_folder_that_is_not_a_run_creates_and_leaves_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let o = hashflood(tmp.path(), &["plot", "missing"], "1");
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("missing is not a hashflood run folder"));
    assert!(names(tmp.path()).is_empty(), "missing/ not created");
    // An empty folder, a folder of the user's, a run whose files are corrupt.
    fs::create_dir(tmp.path().join("empty")).unwrap();
    fs::create_dir(tmp.path().join("mine")).unwrap();
    fs::write(tmp.path().join("mine/notes.txt"), "mine").unwrap();
    let run = a_run(tmp.path(), "run");
    fs::write(run.join("timeseries.csv"), "not,a\ntime,series\n").unwrap();
    let before = tree(tmp.path());
    for (dir, says) in [
        ("empty", "summary.json"),
        ("mine", "summary.json"),
        ("run", "timeseries.csv"),
    ] {
        let o = hashflood(tmp.path(), &["plot", dir], "1");
        assert_eq!(o.status.code(), Some(1), "{dir}");
        assert!(stderr(&o).contains(says), "{dir}: {}", stderr(&o));
        assert_eq!(tree(tmp.path()), before, "{dir}: nothing created or left");
    }
}

#[test]
fn plot_replaces_only_charts_hashflood_drew() {
    let tmp = tempfile::tempdir().unwrap();
    let run = a_run(tmp.path(), "run");
    let charts = run.join("charts");
    fs::write(charts.join("mine.png"), "mine").unwrap();
    let o = hashflood(tmp.path(), &["plot", "run"], "1");
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("mine.png"), "{}", stderr(&o));
    assert_eq!(fs::read(charts.join("mine.png")).unwrap(), b"mine");
    fs::remove_file(charts.join("mine.png")).unwrap();
    // Runs and charts written before markers existed: recognised by their files.
    fs::remove_file(run.join(".hashflood-output")).unwrap();
    fs::remove_file(charts.join(".hashflood-output")).unwrap();
    let o = hashflood(tmp.path(), &["plot", "run"], "1");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(charts.join(".hashflood-output").is_file());
    assert_eq!(names(&run).iter().filter(|n| n.starts_with('.')).count(), 0);
    // ...but an unmarked charts folder holding anything else is not replaced.
    fs::remove_file(charts.join(".hashflood-output")).unwrap();
    fs::write(charts.join("notes.txt"), "mine").unwrap();
    let o = hashflood(tmp.path(), &["plot", "run"], "1");
    assert_eq!(o.status.code(), Some(1));
    assert!(charts.join("notes.txt").is_file());
}

/// Runs the binary with its stdout closed before it writes anything.
fn with_stdout_closed(dir: &Path, args: &[String]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hashflood"))
        .args(args)
        .current_dir(dir)
        .env("RAYON_NUM_THREADS", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    child.wait_with_output().unwrap()
}

#[test]
fn a_closed_stdout_ends_quietly() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = tiny(tmp.path());
    // `hashflood validate <many files> | head -1`: more lines than a pipe buffers.
    let mut args = vec!["validate".to_string()];
    args.extend(std::iter::repeat_n(scenario.clone(), 2000));
    let o = with_stdout_closed(tmp.path(), &args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
    // A run still writes its folder (and says so in its exit status).
    let args = ["run", &scenario, "--out", "run"].map(String::from);
    let o = with_stdout_closed(tmp.path(), &args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
    assert_complete(&tmp.path().join("run"));
    let o = with_stdout_closed(tmp.path(), &["plot".into(), "run".into()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn thread_counts_from_the_environment_are_checked_like_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = tiny(tmp.path());
    for bad in ["5000", "0", "many", "", "-3"] {
        let o = hashflood(tmp.path(), &["run", &scenario, "-q"], bad);
        assert_eq!(o.status.code(), Some(1), "RAYON_NUM_THREADS={bad}");
        let err = stderr(&o);
        assert!(
            err.contains(&format!("RAYON_NUM_THREADS={bad:?}")) && err.contains("1 to 1024"),
            "{err}"
        );
        let o = hashflood(tmp.path(), &["validate", &scenario], bad);
        assert_eq!(
            o.status.code(),
            Some(1),
            "validate, RAYON_NUM_THREADS={bad}"
        );
    }
    let o = hashflood(tmp.path(), &["run", &scenario, "--threads", "5000"], "1");
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--threads 5000: expected 1 to 1024"));
    let o = hashflood(tmp.path(), &["run", "--help"], "1");
    assert!(String::from_utf8_lossy(&o.stdout).contains("1 to 1024"));
    assert_eq!(names(tmp.path()), ["tiny.toml"], "no output folder");
}

#[test]
fn replicate_counts_have_a_maximum_checked_before_anything_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = tiny(tmp.path());
    for n in ["18446744073709551615", "100001", "0"] {
        let o = hashflood(tmp.path(), &["run", &scenario, "--replicates", n], "1");
        assert_eq!(o.status.code(), Some(1), "{n}");
        let err = stderr(&o);
        assert!(
            err.contains(&format!("--replicates {n}: expected 1 to 100000")),
            "{err}"
        );
    }
    assert_eq!(names(tmp.path()), ["tiny.toml"], "no output folder");
}

#[test]
fn a_run_that_fails_after_taking_its_folder_leaves_nothing() {
    // The edge list is read when the run starts, after its folder is locked and its
    // staging folder created: all of it must go, including the parents it created.
    let tmp = tempfile::tempdir().unwrap();
    let fixture = root().join("tests/fixtures/chain");
    for f in ["scenario.toml", "nodes.csv"] {
        fs::copy(fixture.join(f), tmp.path().join(f)).unwrap();
    }
    fs::write(tmp.path().join("edges.csv"), "src,dst\nL,A\nA,Q\n").unwrap();
    fs::create_dir(tmp.path().join("existing")).unwrap();
    let before = names(tmp.path());
    for out in [None, Some("a/b/c"), Some("existing/x"), Some("existing")] {
        let mut args = vec!["run", "scenario.toml"];
        if let Some(out) = out {
            args.extend(["--out", out]);
        }
        let o = hashflood(tmp.path(), &args, "1");
        assert_eq!(o.status.code(), Some(1), "{out:?}");
        assert!(stderr(&o).contains("line 3"), "{}", stderr(&o));
        assert_eq!(names(tmp.path()), before, "{out:?}: nothing created");
        assert!(names(&tmp.path().join("existing")).is_empty(), "{out:?}");
    }
}

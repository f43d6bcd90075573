//! Sweeps: designs and seeds, resume after a kill, shards + merge = the whole sweep, and
//! clear errors for bad definitions.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use hashflood::rng;
use hashflood::sweep::Sweep;

use super::common::{classroom_sweep, hashflood, root};

/// A small sweep over the classroom scenario, written next to a copy of it.
fn sweep_file(dir: &Path, extra: &str) -> PathBuf {
    let replicates = if extra.contains("replicates") {
        ""
    } else {
        "replicates = 3\n"
    };
    let sweep = format!(
        r#"
[sweep]
scenario = "classroom.toml"
{replicates}seed = 11
{extra}
[sweep.parameters]
"populations.fans.size" = [500, 1500]
"populations.fans.mobilisation.cascade.p" = {{ from = 0.1, to = 0.3, steps = 3 }}
"#
    );
    classroom_sweep(dir, "small.toml", &sweep)
}

fn tables(dir: &Path) -> (Vec<u8>, Vec<u8>) {
    (
        std::fs::read(dir.join("runs.csv")).unwrap(),
        std::fs::read(dir.join("points.csv")).unwrap(),
    )
}

#[test]
fn seeds_are_stable_and_unique_per_run() {
    let tmp = tempfile::tempdir().unwrap();
    let sweep = Sweep::load(&sweep_file(tmp.path(), ""), &[]).unwrap();
    let runs = sweep.runs();
    assert_eq!(runs.len(), 2 * 3 * 3);
    let mut seeds: Vec<u64> = runs.iter().map(|r| r.seed).collect();
    seeds.sort();
    seeds.dedup();
    assert_eq!(seeds.len(), runs.len(), "unique");
    assert_eq!(
        runs[4].seed,
        rng::sweep_seed(11, 1, 1),
        "derived from (sweep seed, point, replicate)"
    );
    // Pinned: changing the derivation would silently change every published sweep.
    assert_eq!(rng::sweep_seed(7, 0, 0), 18_217_026_885_470_564_803);
    let again = Sweep::load(&sweep_file(tmp.path(), ""), &[]).unwrap();
    assert_eq!(
        again.runs(),
        runs,
        "the same definition gives the same runs"
    );
}

#[test]
fn an_interrupted_sweep_resumes_to_the_same_tables() {
    let tmp = tempfile::tempdir().unwrap();
    let file = sweep_file(tmp.path(), "");
    let file = file.display().to_string();
    // Uninterrupted reference.
    let whole = tmp.path().join("whole");
    // Longer runs (48 h), so that the kill below lands mid-sweep.
    let long = "time.duration=\"48h\"";
    let o = hashflood(
        tmp.path(),
        &[
            "sweep",
            &file,
            "--set",
            long,
            "--out",
            &whole.display().to_string(),
            "-q",
        ],
        "2",
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // Killed once a few runs are done, then run again.
    let killed = tmp.path().join("killed");
    let mut child = Command::new(env!("CARGO_BIN_EXE_hashflood"))
        .args([
            "sweep",
            &file,
            "--set",
            long,
            "--out",
            &killed.display().to_string(),
            "-q",
        ])
        .current_dir(tmp.path())
        .env("RAYON_NUM_THREADS", "1")
        .spawn()
        .unwrap();
    let started = Instant::now();
    let done = |dir: &Path| {
        std::fs::read_dir(dir.join("runs")).map_or(0, |d| {
            d.filter(|e| {
                e.as_ref().is_ok_and(|e| {
                    e.file_name().to_string_lossy().ends_with(".json")
                        && !e.file_name().to_string_lossy().starts_with('.')
                })
            })
            .count()
        })
    };
    while done(&killed) < 2 && started.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let before = done(&killed);
    assert!(
        (2..18).contains(&before),
        "killed mid-sweep: {before} of 18 runs done"
    );
    assert!(
        !killed.join("runs.csv").exists(),
        "no table from an incomplete sweep"
    );
    let o = hashflood(
        tmp.path(),
        &[
            "sweep",
            &file,
            "--set",
            long,
            "--out",
            &killed.display().to_string(),
        ],
        "2",
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let said = String::from_utf8_lossy(&o.stdout);
    assert!(
        said.contains(&format!("{} to run", 18 - before)),
        "skips the finished runs: {said}"
    );
    assert_eq!(
        tables(&killed),
        tables(&whole),
        "no duplicate, missing or corrupt row"
    );
}

#[test]
fn shards_merged_equal_the_whole_sweep() {
    let tmp = tempfile::tempdir().unwrap();
    let file = sweep_file(tmp.path(), "").display().to_string();
    let whole = tmp.path().join("whole");
    assert!(
        hashflood(
            tmp.path(),
            &["sweep", &file, "--out", &whole.display().to_string(), "-q"],
            "2"
        )
        .status
        .success()
    );
    let mut shards = Vec::new();
    for i in 0..3 {
        let dir = tmp.path().join(format!("shard{i}"));
        let o = hashflood(
            tmp.path(),
            &[
                "sweep",
                &file,
                "--shard",
                &format!("{i}/3"),
                "--out",
                &dir.display().to_string(),
                "-q",
            ],
            "1",
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(
            !dir.join("runs.csv").exists(),
            "a shard alone is incomplete"
        );
        shards.push(dir.display().to_string());
    }
    let merged = tmp.path().join("merged");
    let mut args = vec!["merge".to_string()];
    args.extend(shards.iter().cloned());
    args.extend(["--out".into(), merged.display().to_string()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = hashflood(tmp.path(), &args, "2");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(tables(&merged), tables(&whole));
    // Merging two of three shards says what is missing.
    let partial = tmp.path().join("partial");
    let o = hashflood(
        tmp.path(),
        &[
            "merge",
            &shards[0],
            &shards[1],
            "--out",
            &partial.display().to_string(),
        ],
        "1",
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("6 runs are still missing"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn rejects(extra: &str, sets: &[&str], parameters: Option<&str>, needles: &[&str]) {
    let tmp = tempfile::tempdir().unwrap();
    let mut path = sweep_file(tmp.path(), extra);
    if let Some(p) = parameters {
        let text = std::fs::read_to_string(&path).unwrap();
        let head = text.split("[sweep.parameters]").next().unwrap();
        path = tmp.path().join("other.toml");
        std::fs::write(&path, format!("{head}[sweep.parameters]\n{p}\n")).unwrap();
    }
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    let msg = match Sweep::load(&path, &sets) {
        Ok(_) => panic!("accepted"),
        Err(e) => {
            let mut m = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                m.push_str(&format!(": {s}"));
                source = s.source();
            }
            m
        }
    };
    for n in needles {
        assert!(msg.contains(n), "{msg:?} lacks {n:?}");
    }
}

#[test]
fn a_path_that_does_not_exist_is_named_with_what_exists() {
    rejects(
        "",
        &[],
        Some("\"populations.fanz.size\" = [1, 2]"),
        &["populations.fanz.size", "fans, locals"],
    );
    rejects(
        "",
        &[],
        Some("\"tme.dt\" = [\"1m\", \"2m\"]"),
        &["tme.dt", "the top level has", "time"],
    );
}

#[test]
fn a_value_out_of_range_at_any_point_is_reported_before_running() {
    rejects(
        "",
        &[],
        Some("\"populations.fans.size\" = [100, 0]"),
        &["sweep point 1", "populations.fans.size = 0", "expected"],
    );
}

#[test]
fn bad_designs_and_overrides_name_the_key() {
    rejects("design = \"sobol\"", &[], None, &["sweep.design", "sobol"]);
    rejects(
        "",
        &[],
        Some("\"seed\" = [1, 2]"),
        &["sweep.parameters", "seed", "replicates"],
    );
    rejects("design = \"lhs\"", &[], None, &["sweep.samples", "missing"]);
    rejects("replicates = 0", &[], None, &["sweep.replicates", "0"]);
    rejects(
        "",
        &["time.duraton=\"1h\""],
        None,
        &["--set time.duraton", "duration"],
    );
    rejects("", &["nonsense"], None, &["--set", "key=value"]);
    rejects(
        "",
        &[],
        Some("\"populations.fans.size\" = []"),
        &["populations.fans.size", "a non-empty list"],
    );
    rejects(
        "",
        &[],
        Some("\"populations.fans.size\" = { from = 1 }"),
        &["sweep.parameters", "from, to"],
    );
}

/// A value keeps its key's type where nothing is lost: a whole float for an integer key
/// (a size of 2000.0, as a `from`/`to` range or `--set` may give) becomes the integer,
/// while 2.5 stays a float and validation refuses it, naming the key. Truncating 2.5 to
/// 2 would run a scenario nobody wrote; keeping 2000.0 a float would refuse a valid one.
#[test]
fn whole_floats_set_integer_keys_and_fractions_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let path = sweep_file(tmp.path(), "");
    let sweep = Sweep::load(&path, &["populations.locals.size=2000.0".to_string()]).unwrap();
    let s = sweep.scenario(0).unwrap();
    let locals = s.population_index("locals").expect("locals");
    assert_eq!(s.populations[locals].size, 2000);
    rejects(
        "",
        &["populations.locals.size=2.5"],
        None,
        &["populations.locals.size", "2.5"],
    );
}

/// A sweep that lists no metric to plot draws no charts: its folder has the tables and
/// no `charts/` (not even an empty one). Finishing again clears what a killed finish
/// left behind, and nothing else.
#[test]
fn a_sweep_without_plot_draws_no_charts() {
    use hashflood::sweep::{SweepOptions, command};
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(root().join("scenarios/classroom.toml")).unwrap();
    let path = tmp.path().join("inline.toml");
    std::fs::write(
        &path,
        format!("{text}\n[sweep]\nreplicates = 1\n[sweep.parameters]\n\"populations.locals.size\" = [100, 200]\n"),
    )
    .unwrap();
    assert!(Sweep::load(&path, &[]).unwrap().plot.is_empty());
    let out = tmp.path().join("out");
    let mut opts = SweepOptions::new(&path);
    opts.out = Some(out.clone());
    opts.threads = Some(2);
    command::sweep(&opts, &|_| {}).unwrap_or_else(|e| panic!("{:#}", anyhow::Error::from(e)));
    assert!(out.join("points.csv").exists());
    assert!(
        !out.join("charts").exists(),
        "a charts folder with nothing to plot"
    );
    // What a finishing process killed midway leaves (a temporary table, a chart folder
    // being drawn) goes at the next finish; a file of the user's that only looks alike
    // stays.
    std::fs::write(out.join(".runs.csv.4242-0.tmp"), "half a table").unwrap();
    std::fs::create_dir(out.join(".charts.4242-1.partial")).unwrap();
    std::fs::write(out.join(".runs.csv.notes"), "mine").unwrap();
    command::sweep(&opts, &|_| {}).unwrap_or_else(|e| panic!("{:#}", anyhow::Error::from(e)));
    assert!(!out.join(".runs.csv.4242-0.tmp").exists());
    assert!(!out.join(".charts.4242-1.partial").exists());
    assert!(out.join(".runs.csv.notes").exists());
}

#[test]
fn a_sweep_table_inside_a_scenario_sweeps_that_scenario() {
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(root().join("scenarios/classroom.toml")).unwrap();
    let path = tmp.path().join("inline.toml");
    std::fs::write(
        &path,
        format!("{text}\n[sweep]\nreplicates = 2\n[sweep.parameters]\n\"populations.locals.size\" = [100, 200]\n"),
    )
    .unwrap();
    let sweep = Sweep::load(&path, &[]).unwrap();
    assert_eq!(sweep.points.len(), 2);
    assert_eq!(sweep.scenario(1).unwrap().populations[1].size, 200);
    assert_eq!(
        sweep.scenario(0).unwrap().name,
        "classroom",
        "the scenario keeps its own name"
    );
}

/// Issue 11: a sweep over `time.dt` (durations, written as strings). Each point runs at
/// its own dt (its runs are those of the scenario at that dt, seed for seed), and the
/// charts put dt on an axis in hours; before, a duration had no place on an axis and
/// the sweep failed after all its runs ("no run reported it with numeric parameter
/// values").
#[test]
fn a_sweep_over_the_time_step_runs_each_dt_and_charts_it_in_hours() {
    use hashflood::aggregate::metric_paths;
    use hashflood::sweep::{SweepOptions, command, exec, tables};

    let tmp = tempfile::tempdir().unwrap();
    let metric = "feeds.ClassTag.populations.fans.latest.domination_hours.0.5";
    let path = classroom_sweep(
        tmp.path(),
        "dt.toml",
        &format!(
            r#"
[sweep]
scenario = "classroom.toml"
replicates = 2
seed = 3
plot = ["{metric}"]
[sweep.parameters]
"time.dt" = ["2m", "1m", "30s"]
"#
        ),
    );
    // The classroom samples every 5 minutes: not a whole number of 2-minute steps, which
    // is refused (naming the point) before anything runs.
    let err = Sweep::load(&path, &[]).unwrap_err();
    let message = format!("{:#}", anyhow::Error::from(err));
    assert!(
        message.contains("time.dt = \"2m\"") && message.contains("sample_every"),
        "{message}"
    );
    let sets = vec!["metrics.sample_every=\"10m\"".to_string()];
    let sweep = Sweep::load(&path, &sets).unwrap();
    let dts: Vec<f64> = (0..3)
        .map(|i| sweep.scenario(i).unwrap().time.dt_seconds)
        .collect();
    assert_eq!(dts, [120.0, 60.0, 30.0]);
    assert_eq!(tables::axis_titles(&sweep), ["time.dt (hours)"]);
    let hours: Vec<Vec<f64>> = (0..3)
        .map(|i| tables::axis_values(&sweep, i).unwrap())
        .collect();
    assert_eq!(hours, [[2.0 / 60.0], [1.0 / 60.0], [0.5 / 60.0]]);

    let out = tmp.path().join("out");
    let mut opts = SweepOptions::new(&path);
    opts.sets = sets;
    opts.out = Some(out.clone());
    opts.threads = Some(2);
    command::sweep(&opts, &|_| {}).unwrap_or_else(|e| panic!("{:#}", anyhow::Error::from(e)));
    for ext in ["png", "svg"] {
        let chart = out.join("charts").join(format!(
            "{}.{ext}",
            metric.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_")
        ));
        assert!(chart.is_file(), "{} missing", chart.display());
    }
    // Each point's runs are the scenario at that dt, run alone with the run's seed.
    let records = exec::records(&sweep, &out)
        .unwrap()
        .expect("every run verifies");
    for (run, record) in sweep.runs().iter().zip(&records) {
        let scenario = sweep.scenario(run.point).unwrap();
        let graph = hashflood::graph_source::follower_graph(&scenario, run.seed).unwrap();
        let alone = hashflood::sim::run(&scenario, &graph, run.seed, &mut |_| {});
        let summary = serde_json::to_value(&alone.summary).unwrap();
        assert_eq!(summary["time"]["dt_seconds"], dts[run.point]);
        assert_eq!(metric_paths(&summary), record.metrics, "run {}", run.id());
    }
}

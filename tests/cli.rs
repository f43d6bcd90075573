//! The binary as a user runs it, in temporary folders (never in `output/`).

use std::path::Path;
use std::process::Output;

use super::common::{hashflood, root};

fn classroom() -> String {
    root()
        .join("scenarios/classroom.toml")
        .display()
        .to_string()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn run_writes_all_files_and_never_overwrites_silently() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let out_s = out.display().to_string();
    let o = hashflood(tmp.path(), &["run", &classroom(), "--out", &out_s], "2");
    assert!(o.status.success(), "{}", stderr(&o));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("classroom") && stdout.contains("wrote"),
        "{stdout}"
    );
    for f in [
        "timeseries.csv",
        "summary.json",
        "scenario.toml",
        "scenario.resolved.toml",
    ] {
        assert!(out.join(f).is_file(), "missing {f}");
    }
    let again = hashflood(tmp.path(), &["run", &classroom(), "--out", &out_s], "2");
    assert_eq!(again.status.code(), Some(1));
    assert!(
        stderr(&again).contains("already exists"),
        "{}",
        stderr(&again)
    );
    let forced = hashflood(
        tmp.path(),
        &["run", &classroom(), "--out", &out_s, "--force", "-q"],
        "2",
    );
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert!(forced.stdout.is_empty(), "--quiet prints nothing");
}

#[test]
fn default_output_folder_gets_a_fresh_name_each_run() {
    let tmp = tempfile::tempdir().unwrap();
    for _ in 0..2 {
        let o = hashflood(tmp.path(), &["run", &classroom(), "-q"], "1");
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let base = tmp.path().join("output/classroom");
    assert!(base.join("seed-2020/summary.json").is_file());
    assert!(base.join("seed-2020-2/summary.json").is_file());
}

#[test]
fn same_seed_gives_the_same_bytes_with_one_and_two_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for threads in ["1", "2"] {
        let dir = tmp.path().join(format!("t{threads}"));
        let o = hashflood(
            tmp.path(),
            &[
                "run",
                &classroom(),
                "--seed",
                "9",
                "--out",
                &dir.display().to_string(),
            ],
            threads,
        );
        assert!(o.status.success(), "{}", stderr(&o));
        files.push(
            ["timeseries.csv", "summary.json", "scenario.resolved.toml"]
                .map(|f| std::fs::read(dir.join(f)).unwrap()),
        );
    }
    assert_eq!(files[0], files[1]);
}

#[test]
fn the_resolved_scenario_reruns_to_the_same_result() {
    // With a seed from the command line, and with edge-list files found from the run
    // folder (their paths are written absolute).
    let chain = root()
        .join("tests/fixtures/chain/scenario.toml")
        .display()
        .to_string();
    for (scenario, seed) in [(classroom(), "5"), (chain, "3")] {
        let tmp = tempfile::tempdir().unwrap();
        let a = tmp.path().join("a");
        let args = [
            "run",
            &scenario,
            "--seed",
            seed,
            "--out",
            &a.display().to_string(),
            "-q",
        ];
        let o = hashflood(tmp.path(), &args, "2");
        assert!(o.status.success(), "{}", stderr(&o));
        let resolved = a.join("scenario.resolved.toml").display().to_string();
        let b = tmp.path().join("b");
        let o = hashflood(
            tmp.path(),
            &["run", &resolved, "--out", &b.display().to_string(), "-q"],
            "2",
        );
        assert!(o.status.success(), "{}", stderr(&o));
        let read = |d: &Path| std::fs::read(d.join("summary.json")).unwrap();
        assert_eq!(
            read(&a),
            read(&b),
            "re-running the resolved {scenario} reproduces the run"
        );
    }
}

#[test]
fn errors_are_reported_once_with_their_cause() {
    let tmp = tempfile::tempdir().unwrap();
    let broken = tmp.path().join("broken.toml");
    std::fs::write(&broken, "[feeds.x\n").unwrap();
    let o = hashflood(
        tmp.path(),
        &["validate", &broken.display().to_string()],
        "1",
    );
    let err = stderr(&o);
    assert_eq!(err.matches("TOML parse error").count(), 1, "{err}");
    assert!(err.contains("line 1"), "{err}");
}

#[test]
fn validate_names_the_broken_key_and_exits_non_zero() {
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(classroom())
        .unwrap()
        .replace("size = 3000", "size = -3");
    let broken = tmp.path().join("broken.toml");
    std::fs::write(&broken, text).unwrap();
    let o = hashflood(
        tmp.path(),
        &["validate", &classroom(), &broken.display().to_string()],
        "1",
    );
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("populations.fans.size = -3"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("ok"),
        "the good file is reported ok"
    );
}

#[test]
fn a_failed_run_leaves_no_output_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let broken = tmp.path().join("broken.toml");
    std::fs::write(&broken, "[feeds.x]\n").unwrap();
    let o = hashflood(tmp.path(), &["run", &broken.display().to_string()], "1");
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("populations"), "{}", stderr(&o));
    assert!(!tmp.path().join("output").exists());
}

#[test]
fn help_shows_examples() {
    let tmp = tempfile::tempdir().unwrap();
    let o = hashflood(tmp.path(), &["run", "--help"], "1");
    assert!(String::from_utf8_lossy(&o.stdout).contains("Examples:"));
}

#[test]
fn validate_reads_edge_list_files() {
    let tmp = tempfile::tempdir().unwrap();
    let fixture = root().join("tests/fixtures/chain");
    for f in ["scenario.toml", "nodes.csv"] {
        std::fs::copy(fixture.join(f), tmp.path().join(f)).unwrap();
    }
    std::fs::write(tmp.path().join("edges.csv"), "src,dst\nL,A\nA,Q\n").unwrap();
    let o = hashflood(tmp.path(), &["validate", "scenario.toml"], "1");
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("edge list") && err.contains("line 3") && err.contains("Q"),
        "{err}"
    );
}

#[test]
fn replicates_are_identical_for_one_and_two_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let mut trees = Vec::new();
    for threads in ["1", "2"] {
        let dir = tmp.path().join(format!("r{threads}"));
        let args = [
            "run",
            &classroom(),
            "--replicates",
            "5",
            "--out",
            &dir.display().to_string(),
            "-q",
        ];
        let o = hashflood(tmp.path(), &args, threads);
        assert!(o.status.success(), "{}", stderr(&o));
        let mut files = Vec::new();
        for name in [
            "aggregate_series.csv",
            "aggregate_summary.json",
            "replicates/r0/summary.json",
            "replicates/r4/timeseries.csv",
        ] {
            files.push(std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}")));
        }
        trees.push(files);
    }
    assert_eq!(trees[0], trees[1]);
    let agg: serde_json::Value = serde_json::from_slice(&trees[0][1]).unwrap();
    let seeds: Vec<u64> = agg["replicates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["seed"].as_u64().unwrap())
        .collect();
    assert_eq!(seeds.len(), 5);
    assert!(seeds.windows(2).all(|w| w[0] != w[1]), "distinct seeds");
    let fans = &agg["metrics"]["populations.fans.ever_active_fraction"];
    assert_eq!(fans["n"], 5);
    // Each replicate is the run of its own seed: replicate 0 equals a single run with it.
    let single = tmp.path().join("single");
    let o = hashflood(
        tmp.path(),
        &[
            "run",
            &classroom(),
            "--seed",
            &seeds[0].to_string(),
            "--out",
            &single.display().to_string(),
            "-q",
        ],
        "2",
    );
    assert!(o.status.success());
    assert_eq!(
        std::fs::read(single.join("summary.json")).unwrap(),
        trees[0][2]
    );
}

/// Width and height from a PNG's IHDR chunk.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "a PNG signature");
    assert_eq!(&bytes[12..16], b"IHDR");
    let be = |i: usize| u32::from_be_bytes(bytes[i..i + 4].try_into().unwrap());
    (be(16), be(20))
}

#[test]
fn charts_are_drawn_with_the_run_and_redrawn_by_plot() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("reps");
    let args = [
        "run",
        &classroom(),
        "--replicates",
        "3",
        "--out",
        &dir.display().to_string(),
        "-q",
        "--gif",
    ];
    let o = hashflood(tmp.path(), &args, "2");
    assert!(o.status.success(), "{}", stderr(&o));
    let charts = dir.join("charts");
    let mut before = Vec::new();
    for (name, width, height) in [
        ("shares", 1400, 440),
        ("mobilisation", 1400, 600),
        ("domination", 1400, 280),
    ] {
        let png = std::fs::read(charts.join(format!("{name}.png"))).unwrap();
        assert_eq!(png_size(&png), (width, height), "{name}.png");
        let svg = std::fs::read_to_string(charts.join(format!("{name}.svg"))).unwrap();
        assert!(
            svg.starts_with("<svg") && svg.contains(&format!("width=\"{width}\"")),
            "{name}.svg"
        );
        assert!(svg.contains("classroom"), "{name}.svg has its title");
        before.push(png);
    }
    let gif = std::fs::read(charts.join("latest-ClassTag.gif")).unwrap();
    assert_eq!(&gif[..6], b"GIF89a");
    let le = |i: usize| u16::from_le_bytes([gif[i], gif[i + 1]]);
    assert_eq!((le(6), le(8)), (480, 400), "slide-sized animation");
    assert!(
        gif.len() < 2_000_000,
        "small enough for a slide: {} bytes",
        gif.len()
    );
    // Re-drawn over the charts: the animation they held is drawn again.
    let o = hashflood(tmp.path(), &["plot", &dir.display().to_string()], "1");
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        std::fs::read(charts.join("latest-ClassTag.gif")).unwrap(),
        gif,
        "the animation re-drawn"
    );
    // Re-drawn from the saved files alone: the same charts, the animation only when asked.
    std::fs::remove_dir_all(&charts).unwrap();
    let o = hashflood(tmp.path(), &["plot", &dir.display().to_string()], "1");
    assert!(o.status.success(), "{}", stderr(&o));
    for (name, png) in ["shares", "mobilisation", "domination"].iter().zip(&before) {
        assert_eq!(
            &std::fs::read(charts.join(format!("{name}.png"))).unwrap(),
            png,
            "{name}.png re-drawn"
        );
    }
    assert!(
        !charts.join("latest-ClassTag.gif").exists(),
        "no animation unasked"
    );
    let o = hashflood(
        tmp.path(),
        &["plot", &dir.display().to_string(), "--gif"],
        "1",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        std::fs::read(charts.join("latest-ClassTag.gif")).unwrap(),
        gif,
        "the animation drawn when asked"
    );
    // An app run draws the app chart; plot on a folder that is not a run fails cleanly.
    let o = hashflood(
        tmp.path(),
        &["plot", &tmp.path().display().to_string()],
        "1",
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("summary.json"), "{}", stderr(&o));
}

#[test]
fn every_bundled_scenario_and_sweep_validates() {
    let tmp = tempfile::tempdir().unwrap();
    let mut files: Vec<String> = std::fs::read_dir(root().join("scenarios"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| p.display().to_string())
        .collect();
    files.sort();
    assert!(files.len() >= 5);
    let mut args = vec!["validate"];
    args.extend(files.iter().map(String::as_str));
    let o = hashflood(tmp.path(), &args, "1");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("sweep of 42 points"));
}

//! Architecture invariants of `src/lib.rs`, kept by a test: the engine, the metrics and
//! the exporters do no I/O, so results depend only on (scenario, network, seed) and every
//! format is testable without the disk; and only a few modules touch the disk at all.

use super::common::root;

/// Every `.rs` file under `dir` (or the file itself).
fn sources(path: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    if path.is_dir() {
        for entry in std::fs::read_dir(path).unwrap() {
            sources(&entry.unwrap().path(), out);
        }
    } else if path.extension().is_some_and(|e| e == "rs") {
        out.push(path.to_path_buf());
    }
}

#[test]
fn the_engine_metrics_and_exporters_do_no_io() {
    let mut files = Vec::new();
    for part in ["src/sim", "src/metrics", "src/export", "src/aggregate.rs"] {
        sources(&root().join(part), &mut files);
    }
    assert!(files.len() > 10, "found only {files:?}");
    let forbidden = [
        "std::fs",
        "File::",
        "std::io::stdout",
        "std::io::stderr",
        "println!",
        "eprintln!",
        "std::env",
        "Instant::now",
        "SystemTime",
    ];
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for f in forbidden {
            assert!(!text.contains(f), "{} uses {f}", file.display());
        }
    }
}

/// The only code that touches the disk: the loader reads a scenario and its input files
/// (once); `output` writes run folders; `plot` reads a run's files to draw its charts;
/// `sweep` reads sweep files and keeps its folder; the binary (`main.rs`) glues them.
/// Everything else, validation (`scenario/`), the network (generators and the edge-list
/// parser), the engine, the metrics, the exporters, works on bytes and values.
const DISK: &[&str] = &[
    "src/load.rs",
    "src/output",
    "src/plot",
    "src/sweep",
    "src/main.rs",
];

/// What touching the disk looks like in code.
const DISK_CALLS: &[&str] = &[
    "std::fs",
    "fs::",
    "File::",
    "OpenOptions",
    "read_to_string",
    "read_dir",
    "canonicalize",
    "metadata(",
    ".is_file()",
    ".is_dir()",
    ".exists()",
];

/// Whether a line of code uses `call`: outside comments, and as a whole name
/// (`InputFile::` is not `File::`).
fn uses(line: &str, call: &str) -> bool {
    let code = line.split("//").next().unwrap_or("");
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    code.match_indices(call)
        .any(|(i, _)| !call.starts_with(ident) || !code[..i].chars().next_back().is_some_and(ident))
}

/// The disk calls in the files under `root/src` outside [`DISK`] (before their unit
/// tests), as `file:line: call`.
fn disk_calls_outside_the_boundary(root: &std::path::Path) -> Vec<String> {
    let mut files = Vec::new();
    sources(&root.join("src"), &mut files);
    let allowed: Vec<_> = DISK.iter().map(|d| root.join(d)).collect();
    let mut found = Vec::new();
    for file in files {
        if allowed.iter().any(|a| file.starts_with(a)) {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        // Unit tests (a trailing `#[cfg(test)]` module) may use temporary folders.
        let code = text.lines().take_while(|l| l.trim() != "#[cfg(test)]");
        for (n, line) in code.enumerate() {
            for call in DISK_CALLS.iter().filter(|c| uses(line, c)) {
                found.push(format!("{}:{}: {call}", file.display(), n + 1));
            }
        }
    }
    found
}

#[test]
fn only_the_loader_output_plot_and_sweep_touch_the_disk() {
    let root = root();
    let found = disk_calls_outside_the_boundary(&root);
    assert!(
        found.is_empty(),
        "disk access outside {DISK:?} (read files through hashflood::load, write through \
         hashflood::output):\n{}",
        found.join("\n")
    );
    // The modules the boundary is for are checked (not allowed by accident).
    for part in [
        "src/scenario",
        "src/sim",
        "src/metrics",
        "src/network",
        "src/graph_source.rs",
        "src/memory.rs",
        "src/export",
        "src/aggregate.rs",
    ] {
        assert!(root.join(part).exists(), "{part} moved: update this test");
        assert!(!DISK.iter().any(|d| part.starts_with(d)), "{part}");
    }
}

#[test]
fn the_disk_check_catches_a_file_read() {
    for line in [
        "let t = std::fs::read_to_string(p)?;",
        "    let f = File::open(path)?;",
        "use std::{fs, io}; let b = fs::read(p);",
        "if path.exists() {",
    ] {
        assert!(DISK_CALLS.iter().any(|c| uses(line, c)), "{line}");
    }
    for line in [
        "InputFile::EdgeList => \"edge list\",",
        "// validation never calls std::fs",
        "crate::prefs::load();",
    ] {
        assert!(!DISK_CALLS.iter().any(|c| uses(line, c)), "{line}");
    }
}

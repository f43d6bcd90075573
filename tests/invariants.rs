//! Architecture invariants of `src/lib.rs`, kept by a test: the engine, the metrics and
//! the exporters do no I/O, so results depend only on (scenario, network, seed) and every
//! format is testable without the disk.

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

//! Snapshots: the exact bytes of every file a run, a replicated run and a sweep write, on
//! a tiny scenario that exercises every writer (tests/snapshots/tiny.toml). A refactor
//! must leave them unchanged; after an intended change, regenerate with
//! `UPDATE_SNAPSHOTS=1 cargo test --test tests snapshots` and review the diff. Charts are
//! pinned by their SHA-256 (tests/snapshots/expected/charts.sha256).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::common::{hashflood, root};

/// Every file under `dir`, by path relative to `dir` (with `/`), except lock files.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let rel = path
                .strip_prefix(base)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if path.is_dir() {
                if !rel.ends_with(".locks") {
                    walk(base, &path, out);
                }
            } else {
                out.insert(rel.replace('\\', "/"), std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn is_chart(path: &str) -> bool {
    [".png", ".svg", ".gif"].iter().any(|e| path.ends_with(e))
}

#[test]
fn every_writer_writes_the_same_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    for name in ["tiny.toml", "tiny-sweep.toml"] {
        std::fs::copy(root().join("tests/snapshots").join(name), dir.join(name)).unwrap();
    }
    for args in [
        &["run", "tiny.toml", "--out", "run", "-q", "--gif"][..],
        &[
            "run",
            "tiny.toml",
            "--out",
            "replicates",
            "--replicates",
            "3",
            "-q",
        ],
        &["sweep", "tiny-sweep.toml", "--out", "sweep", "-q"],
    ] {
        let out = hashflood(dir, args, "2");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let mut got: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut charts = String::new();
    for folder in ["run", "replicates", "sweep"] {
        for (rel, bytes) in files(&dir.join(folder)) {
            let path = format!("{folder}/{rel}");
            if is_chart(&path) {
                let digest: String = Sha256::digest(&bytes)
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                charts.push_str(&format!("{digest}  {path}\n"));
            } else {
                // The sweep records where its file was: the temporary folder differs.
                let text = String::from_utf8(bytes).unwrap();
                got.insert(
                    path,
                    text.replace(&dir.display().to_string(), "$DIR").into(),
                );
            }
        }
    }
    got.insert("charts.sha256".into(), charts.into_bytes());

    let expected = root().join("tests/snapshots/expected");
    let path_of = |rel: &str| -> PathBuf { expected.join(rel) };
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        if expected.exists() {
            std::fs::remove_dir_all(&expected).unwrap();
        }
        for (rel, bytes) in &got {
            std::fs::create_dir_all(path_of(rel).parent().unwrap()).unwrap();
            std::fs::write(path_of(rel), bytes).unwrap();
        }
    }
    let want = files(&expected);
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>(),
        "the set of files written changed; see the module doc to update"
    );
    for (rel, bytes) in &got {
        assert!(
            bytes == &want[rel],
            "{rel} changed; see the module doc to update.\n--- now:\n{}",
            String::from_utf8_lossy(bytes)
        );
    }
}

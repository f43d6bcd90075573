//! The input boundary: the loader reads a scenario's files once, validation reads none,
//! and the scenario hash (which covers the edge-list contents) is what it always was.

use hashflood::graph_source::follower_graph;
use hashflood::scenario::{Inputs, LoadedFile, Scenario};
use hashflood::sweep::Sweep;

use super::common::root;

/// The hash of `tests/fixtures/chain/scenario.toml` with its edge list, as every version
/// since issue 9 computes it (from the files' contents, not their paths).
const CHAIN_HASH: &str = "554e285fe03be2e1114c377e903ced9e2f8340a34b03e146d33cd6edfc92bdab";

/// A copy of the chain fixture (scenario, edge list, node map) in a new folder.
fn chain_copy() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    for f in ["scenario.toml", "edges.csv", "nodes.csv"] {
        std::fs::copy(
            root().join("tests/fixtures/chain").join(f),
            tmp.path().join(f),
        )
        .unwrap();
    }
    tmp
}

fn fixture_text() -> String {
    std::fs::read_to_string(root().join("tests/fixtures/chain/scenario.toml")).unwrap()
}

#[test]
fn the_scenario_hash_covers_the_edge_list_contents_as_before() {
    let tmp = chain_copy();
    let loaded = hashflood::load::scenario_file(&tmp.path().join("scenario.toml")).unwrap();
    assert_eq!(loaded.scenario.hash, CHAIN_HASH);
    assert_eq!(loaded.text, fixture_text());
    // Files are equal when both their path and their contents are (worked by hand).
    let file = |path: &str, bytes: &[u8]| LoadedFile::new(path.into(), bytes.to_vec());
    assert_eq!(file("/a.csv", b"x"), file("/a.csv", b"x"));
    assert_ne!(
        file("/a.csv", b"x"),
        file("/b.csv", b"x"),
        "same contents elsewhere"
    );
    assert_ne!(
        file("/a.csv", b"x"),
        file("/a.csv", b"y"),
        "same path, other contents"
    );
    assert_eq!(
        (
            file("/a.csv", b"xyz").len(),
            file("/a.csv", b"xyz").is_empty()
        ),
        (3, false)
    );
    assert_eq!(
        (file("/a.csv", b"").len(), file("/a.csv", b"").is_empty()),
        (0, true)
    );
    // Loading again gives an equal network (its files compare by path and contents).
    let again = hashflood::load::scenario_file(&tmp.path().join("scenario.toml")).unwrap();
    assert_eq!(again.scenario.network, loaded.scenario.network);
    // A changed edge list changes it.
    std::fs::write(tmp.path().join("edges.csv"), "src,dst\nL,A\n").unwrap();
    let changed = hashflood::load::scenario_file(&tmp.path().join("scenario.toml")).unwrap();
    assert_ne!(changed.scenario.hash, CHAIN_HASH);
}

#[test]
fn validation_reads_no_file() {
    // Without inputs, an edge-list scenario is refused, pointing at the loader.
    let e = Scenario::from_toml(&fixture_text(), "chain", &Inputs::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("network.edges") && e.contains("hashflood::load"),
        "{e}"
    );
    // With the files' bytes given in memory (no disk), it validates to the same scenario.
    let mut inputs = Inputs::default();
    for name in ["edges.csv", "nodes.csv"] {
        let bytes = std::fs::read(root().join("tests/fixtures/chain").join(name)).unwrap();
        inputs.insert(
            name,
            Ok(LoadedFile::new(format!("/memory/{name}").into(), bytes)),
        );
    }
    // (Named "scenario", as the loader names the file: the name is part of the hash.)
    let s = Scenario::from_toml(&fixture_text(), "scenario", &inputs).unwrap();
    assert_eq!(s.hash, CHAIN_HASH);
    assert_eq!(follower_graph(&s, 1).unwrap().num_edges(), 3);
    assert!(
        s.resolved_toml(1).contains("edges = \"/memory/edges.csv\""),
        "the resolved scenario names the files as read"
    );
}

#[test]
fn a_loaded_scenario_needs_its_files_no_more() {
    let tmp = chain_copy();
    let loaded = hashflood::load::scenario_file(&tmp.path().join("scenario.toml")).unwrap();
    drop(tmp); // the files are gone: the graph is built from the bytes read once
    let graph = follower_graph(&loaded.scenario, 1).unwrap();
    assert_eq!(graph.num_edges(), 3);
}

#[test]
fn a_sweep_reads_each_file_once_for_all_its_points() {
    let tmp = chain_copy();
    let t = tmp.path();
    std::fs::write(t.join("other.csv"), "src,dst\nL,A\nA,B\nB,C\nC,D\n").unwrap();
    let path = t.join("sweep.toml");
    std::fs::write(
        &path,
        "[sweep]\nscenario = \"scenario.toml\"\n[sweep.parameters]\n\
         \"network.edges\" = [\"edges.csv\", \"other.csv\"]\n\"network.undirected\" = [false, true]\n",
    )
    .unwrap();
    let sweep = Sweep::load(&path, &[]).unwrap();
    assert_eq!(sweep.points.len(), 4);
    for f in ["edges.csv", "other.csv", "nodes.csv"] {
        std::fs::remove_file(t.join(f)).unwrap();
    }
    let edges: Vec<u64> = (0..4)
        .map(|i| {
            let s = sweep.scenario(i).unwrap();
            follower_graph(&s, 1).unwrap().num_edges()
        })
        .collect();
    assert_eq!(edges, [3, 6, 4, 8]);
    // A point naming a file that is not there is reported with its values.
    std::fs::write(t.join("edges.csv"), "src,dst\n").unwrap();
    std::fs::write(t.join("nodes.csv"), "node,population\n").unwrap();
    std::fs::write(
        &path,
        "[sweep]\nscenario = \"scenario.toml\"\n[sweep.parameters]\n\
         \"network.edges\" = [\"edges.csv\", \"gone.csv\"]\n",
    )
    .unwrap();
    let e = format!(
        "{:#}",
        anyhow::Error::from(Sweep::load(&path, &[]).unwrap_err())
    );
    assert!(
        e.contains("sweep point 1")
            && e.contains("network.edges")
            && e.contains("gone.csv")
            && e.contains("an existing CSV file"),
        "{e}"
    );
}

//! The input side of the I/O boundary: reads a scenario file and the files it names (an
//! edge list and its node map), each once, and hands what it read to the pure parser
//! ([`Scenario::from_raw`]), which hashes the bytes for the scenario's identity and keeps
//! them for the graph builder ([`crate::graph_source`]). Nothing after this module reads
//! an input file; `scenario/`, `sim/`, `metrics/` and `network/` never touch the disk.
//!
//! Edge lists can be gigabytes. They are read whole, once, into one shared buffer rather
//! than streamed: the scenario hash needs their digest when the scenario is validated,
//! before any run, while their graph is built later, once per run (or per sweep point,
//! whose populations decide which agent each node becomes); streaming would mean reading
//! the file again for each. The buffer is counted in the memory estimate
//! ([`memory::edge_list_bytes`]), and files too large for `limits.memory_mb` are refused
//! from their size alone, before a byte is read ([`memory::check_edge_list`]).

use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::memory;
use crate::scenario::raw::{RawNetwork, RawScenario};
use crate::scenario::{Inputs, LoadedFile, Scenario, ScenarioError, Unread};

/// A scenario file as loaded: the validated scenario (holding its edge-list files) and
/// the text it was read from, which a run keeps beside its results.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub scenario: Scenario,
    pub text: String,
}

/// Why a scenario file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The scenario file itself could not be read.
    #[error("cannot read scenario {}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// It was read but is not a valid scenario (including its edge-list files).
    #[error("invalid scenario {}", path.display())]
    Invalid {
        path: PathBuf,
        source: ScenarioError,
    },
}

/// Reads and validates the scenario file at `path`, and the files it names (relative to
/// its folder). A scenario without a `name` is named after the file.
pub fn scenario_file(path: &Path) -> Result<Loaded, LoadError> {
    scenario_text(path, text_file(path)?)
}

/// Reads the text of a scenario or sweep file.
pub fn text_file(path: &Path) -> Result<String, LoadError> {
    fs::read_to_string(path).map_err(|source| LoadError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// [`scenario_file`] for a file already read as `text`.
pub fn scenario_text(path: &Path, text: String) -> Result<Loaded, LoadError> {
    let stem = path
        .file_stem()
        .map_or("scenario".into(), |s| s.to_string_lossy().into_owned());
    let base = path.parent().unwrap_or(Path::new("."));
    let scenario = scenario(&text, &stem, base).map_err(|source| LoadError::Invalid {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(Loaded { scenario, text })
}

/// Validates scenario `text` (named `default_name` if it has no name) after reading the
/// files it names, relative to `base_dir`.
pub fn scenario(
    text: &str,
    default_name: &str,
    base_dir: &Path,
) -> Result<Scenario, ScenarioError> {
    raw_scenario(toml::from_str(text)?, default_name, base_dir)
}

/// [`scenario`] for an already parsed scenario.
pub fn raw_scenario(
    raw: RawScenario,
    default_name: &str,
    base_dir: &Path,
) -> Result<Scenario, ScenarioError> {
    let mut inputs = Inputs::default();
    if let Some(network) = &raw.network {
        network_files(network, raw.limits.memory_mb, base_dir, &mut inputs)?;
    }
    Scenario::from_raw(raw, default_name, &inputs)
}

/// Reads into `inputs` the files an edge-list `network` names (other networks name
/// none), resolved against `base_dir`, unless they are there already. A file that
/// cannot be read is recorded as [`Unread`], for validation to report under its key.
/// Before reading anything, refuses files too large for `limit_mb`.
pub fn network_files(
    network: &RawNetwork,
    limit_mb: u64,
    base_dir: &Path,
    inputs: &mut Inputs,
) -> Result<(), ScenarioError> {
    let RawNetwork::EdgeList {
        edges,
        nodes,
        undirected,
    } = network
    else {
        return Ok(());
    };
    let mut opened: Vec<Opened> = Vec::new();
    for name in [edges, nodes] {
        if !inputs.contains(name) && opened.iter().all(|o| o.name != name) {
            opened.push(open(name, base_dir.join(name)));
        }
    }
    let size = |name: &str| match opened.iter().find(|o| o.name == name) {
        Some(o) => o.file.as_ref().map_or(0, |(_, len)| *len),
        None => inputs
            .file(name)
            .and_then(|f| f.as_ref().ok())
            .map_or(0, LoadedFile::len),
    };
    memory::check_edge_list(size(edges), size(nodes), *undirected, limit_mb)?;
    for o in opened {
        let file = o.file.and_then(|(file, len)| read(file, len, o.path));
        inputs.insert(o.name, file);
    }
    Ok(())
}

/// An input file opened and measured, not read yet.
struct Opened<'a> {
    /// Its name as the scenario writes it.
    name: &'a str,
    /// The name resolved against the scenario's folder.
    path: PathBuf,
    /// The open file and its size, or why it cannot be read.
    file: Result<(File, u64), Unread>,
}

/// Opens the input file the scenario calls `name`, at `path`, and measures it (no byte
/// read yet).
fn open(name: &str, path: PathBuf) -> Opened<'_> {
    let file = open_file(&path);
    Opened { name, path, file }
}

fn open_file(path: &Path) -> Result<(File, u64), Unread> {
    let unread = |expected: String| Unread {
        path: path.to_path_buf(),
        expected,
    };
    let missing =
        || unread("an existing CSV file (relative paths start at the scenario's folder)".into());
    let file = File::open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => missing(),
        _ => unread(format!("a readable file ({e})")),
    })?;
    match file.metadata() {
        Ok(meta) if meta.is_file() => Ok((file, meta.len())),
        Ok(_) => Err(missing()),
        Err(e) => Err(unread(format!("a readable file ({e})"))),
    }
}

/// Reads an opened input file whole (`len` bytes expected), once; its path as recorded
/// is made absolute, so the resolved scenario written beside a run still finds it.
fn read(mut file: File, len: u64, path: PathBuf) -> Result<LoadedFile, Unread> {
    let mut bytes = Vec::new();
    let read = bytes
        .try_reserve_exact(usize::try_from(len).unwrap_or(usize::MAX))
        .map_err(|e| e.to_string())
        .and_then(|()| file.read_to_end(&mut bytes).map_err(|e| e.to_string()));
    if let Err(e) = read {
        return Err(Unread {
            path,
            expected: format!("a readable file ({e})"),
        });
    }
    let absolute = fs::canonicalize(&path).unwrap_or(path);
    Ok(LoadedFile::new(absolute, bytes))
}

//! The files a scenario names (an edge list and its node map), as the loader read them.
//!
//! Validation never touches the disk: [`crate::load`] reads each file a scenario names
//! once, before validation, and hands its bytes over in an [`Inputs`]. Validation takes
//! their digests (for the scenario hash) and sizes (for the memory estimate) from there,
//! and the graph builder ([`crate::graph_source`]) parses the same bytes; nothing reads a
//! file twice. A file is looked up by its name as the scenario writes it
//! (`network.edges = "edges.csv"`), so this module needs no folder either.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One input file: its contents, read once and shared by every scenario built from them
/// (clones, sweep points), with their SHA-256 for provenance.
#[derive(Clone)]
pub struct LoadedFile {
    path: PathBuf,
    bytes: Arc<[u8]>,
    sha256: String,
}

impl LoadedFile {
    /// The contents `bytes` of the file at `path` (absolute, as the resolved scenario
    /// written beside a run names it); hashes them.
    pub fn new(path: PathBuf, bytes: Vec<u8>) -> Self {
        let sha256 = crate::digest::sha256_hex(&bytes);
        LoadedFile {
            path,
            bytes: bytes.into(),
            sha256,
        }
    }

    /// Where the file was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Its contents.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Its size in bytes.
    pub fn len(&self) -> u64 {
        self.bytes.len() as u64
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// SHA-256 of its contents (lowercase hex): what the scenario hash covers.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }
}

/// Shows the path, size and digest, never the (possibly gigabytes of) contents.
impl fmt::Debug for LoadedFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoadedFile")
            .field("path", &self.path)
            .field("len", &self.bytes.len())
            .field("sha256", &self.sha256)
            .finish()
    }
}

/// Same file, same contents (compared by digest).
impl PartialEq for LoadedFile {
    fn eq(&self, other: &Self) -> bool {
        self.path == other.path && self.sha256 == other.sha256
    }
}

/// Why a file a scenario names was not read, for validation to report under its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unread {
    /// The path that was tried (the name resolved against the scenario's folder).
    pub path: PathBuf,
    /// What was expected there, as error messages phrase it ("an existing CSV file ...").
    pub expected: String,
}

/// The files read for a scenario (or for every point of a sweep), by name as written.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    files: BTreeMap<String, Result<LoadedFile, Unread>>,
}

impl Inputs {
    /// Records what became of the file the scenario calls `name`.
    pub fn insert(&mut self, name: &str, file: Result<LoadedFile, Unread>) {
        self.files.insert(name.to_owned(), file);
    }

    /// The file the scenario calls `name`: `None` if it was not tried (a scenario
    /// validated without the loader: an edge-list network is then refused, pointing at
    /// [`crate::load`]).
    pub fn file(&self, name: &str) -> Option<&Result<LoadedFile, Unread>> {
        self.files.get(name)
    }

    /// Whether the file the scenario calls `name` has been tried.
    pub fn contains(&self, name: &str) -> bool {
        self.files.contains_key(name)
    }
}

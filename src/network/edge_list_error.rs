//! The errors of [`load_edge_list`](super::load_edge_list): each names the file, the line and
//! the offending value, so the user can fix the input.

use std::fmt;

/// Which of the two input files an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFile {
    NodeMap,
    EdgeList,
}

impl fmt::Display for InputFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            InputFile::NodeMap => "node map",
            InputFile::EdgeList => "edge list",
        })
    }
}

/// A problem with the node map or the edge list, phrased so the user can fix the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EdgeListError {
    #[error("{file}: cannot read: {message}")]
    Read { file: InputFile, message: String },
    #[error("{file}, line {line}: {message}")]
    Syntax {
        file: InputFile,
        line: u64,
        message: String,
    },
    #[error("{file}: the first line must be the header `{expected}`, found `{found}`")]
    Header {
        file: InputFile,
        expected: &'static str,
        found: String,
    },
    #[error("{file}, line {line}: the {column} column is empty")]
    EmptyField {
        file: InputFile,
        line: u64,
        column: &'static str,
    },
    #[error(
        "node map, line {line}: unknown population `{name}`; the populations in the network are: {known}"
    )]
    UnknownPopulation {
        line: u64,
        name: String,
        known: String,
    },
    #[error(
        "node map: population `{population}` has {size} agents in the scenario, but the node map \
         assigns {mapped} nodes to it (the first node too many is on line {line})"
    )]
    TooManyNodes {
        population: String,
        size: u32,
        mapped: u64,
        line: u64,
    },
    #[error("node map, line {line}: node `{node}` is listed a second time")]
    DuplicateNode { line: u64, node: String },
    #[error("edge list, line {line}: {column} node `{node}` is not in the node map")]
    UnknownNode {
        line: u64,
        column: &'static str,
        node: String,
    },
    #[error("population `{population}` has agent ids {start}..{end}, past the {num_nodes} agents")]
    RangeOutOfBounds {
        population: String,
        start: u32,
        end: u32,
        num_nodes: usize,
    },
}

/// Turns a CSV reader error into one naming the file and line.
pub(super) fn csv_error(err: csv::Error, file: InputFile) -> EdgeListError {
    match err.kind() {
        csv::ErrorKind::Io(io) => EdgeListError::Read {
            file,
            message: io.to_string(),
        },
        csv::ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => EdgeListError::Syntax {
            file,
            line: pos.as_ref().map_or(0, |p| p.line()),
            message: format!("found {len} fields, expected {expected_len} like the header"),
        },
        _ => match err.position() {
            Some(pos) => EdgeListError::Syntax {
                file,
                line: pos.line(),
                message: err.to_string(),
            },
            None => EdgeListError::Read {
                file,
                message: err.to_string(),
            },
        },
    }
}

//! Run files: one finished run as stored in `runs/<id>.json`, and how a file is checked
//! before it is trusted (by resume, by the tables, by merge).
//!
//! A run file is the JSON record followed, as its last field, by `"sha256"`: the SHA-256
//! of the record's bytes as written (the file up to that field, closed by `}`). The
//! checksum is inside the file rather than in the manifest so that shards on different
//! machines, which never share a manifest write, each carry their own proof; it hashes
//! the bytes as written, not a re-serialisation, so it does not depend on how JSON
//! numbers parse. A file verifies when its checksum matches and its identity (run id,
//! sweep hash, point, replicate, seed and the point's parameter values) is byte for byte
//! what this sweep writes for that run.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Run, Sweep};
use crate::digest::sha256_hex;

/// One finished run, as stored.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunRecord {
    pub run: String,
    /// The sweep hash of the folder's manifest: a run file belongs to one sweep.
    pub sweep: String,
    pub point: usize,
    pub replicate: usize,
    pub seed: u64,
    pub values: Vec<Value>,
    /// Every number of the run's summary by path; `"never"` where a time never came.
    pub metrics: BTreeMap<String, Value>,
}

/// The fields that identify a run, in the order `RunRecord` writes them.
#[derive(Serialize)]
struct Identity<'a> {
    run: &'a str,
    sweep: &'a str,
    point: usize,
    replicate: usize,
    seed: u64,
    values: &'a [Value],
}

const FIELD: &[u8] = br#","sha256":""#;
/// `,"sha256":"` + 64 hex digits + `"}`.
const TRAILER: usize = FIELD.len() + 64 + 2;

/// The parameter values of a point, as run files and tables hold them.
pub fn values_json(sweep: &Sweep, point: usize) -> Vec<Value> {
    sweep.points[point]
        .values
        .iter()
        .map(|v| serde_json::to_value(v).unwrap_or(Value::Null))
        .collect()
}

/// The record of `run` with these metrics.
pub fn record(sweep: &Sweep, run: &Run, metrics: BTreeMap<String, Value>) -> RunRecord {
    RunRecord {
        run: run.id(),
        sweep: sweep.hash.clone(),
        point: run.point,
        replicate: run.replicate,
        seed: run.seed,
        values: values_json(sweep, run.point),
        metrics,
    }
}

/// The bytes of a run file: the record, with its checksum as the last field.
pub fn encode(record: &RunRecord) -> Vec<u8> {
    let mut bytes = serde_json::to_vec(record).expect("record serialises");
    let sum = sha256_hex(&bytes);
    bytes.pop(); // the closing brace
    bytes.extend_from_slice(FIELD);
    bytes.extend_from_slice(sum.as_bytes());
    bytes.extend_from_slice(b"\"}");
    bytes
}

/// Why a run file was not trusted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unverified {
    #[error("has no valid sha256 field at its end (truncated, or not written by this hashflood)")]
    NoChecksum,
    #[error("does not match its sha256 (changed or damaged since it was written)")]
    Checksum,
    #[error("is not this sweep's record of run {run}: {field} is {found}, expected {expected}")]
    Identity {
        run: String,
        field: &'static str,
        found: String,
        expected: String,
    },
    #[error("is not a run record: {0}")]
    Format(String),
    #[error("cannot be read: {0}")]
    Unreadable(String),
}

/// Checks the bytes of a run file against the sweep's run `run` and returns its record.
pub fn verify(bytes: &[u8], sweep: &Sweep, run: &Run) -> Result<RunRecord, Unverified> {
    let n = bytes.len();
    if n < TRAILER + 2
        || &bytes[n - TRAILER..n - TRAILER + FIELD.len()] != FIELD
        || &bytes[n - 2..] != b"\"}"
    {
        return Err(Unverified::NoChecksum);
    }
    let sum = &bytes[n - 66..n - 2];
    if !sum
        .iter()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
    {
        return Err(Unverified::NoChecksum);
    }
    let mut body = bytes[..n - TRAILER].to_vec();
    body.push(b'}');
    if sha256_hex(&body).as_bytes() != sum {
        return Err(Unverified::Checksum);
    }
    let record: RunRecord =
        serde_json::from_slice(&body).map_err(|e| Unverified::Format(e.to_string()))?;
    let id = run.id();
    let fields = [
        ("run", record.run.clone(), id.clone()),
        ("sweep", record.sweep.clone(), sweep.hash.clone()),
        ("point", record.point.to_string(), run.point.to_string()),
        (
            "replicate",
            record.replicate.to_string(),
            run.replicate.to_string(),
        ),
        ("seed", record.seed.to_string(), run.seed.to_string()),
    ];
    for (field, found, expected) in fields {
        if found != expected {
            return Err(Unverified::Identity {
                run: id,
                field,
                found,
                expected,
            });
        }
    }
    // The identity as written must be byte for byte what this sweep writes: the values
    // are compared as bytes, not after a float parser.
    let values = values_json(sweep, run.point);
    let mut prefix = serde_json::to_vec(&Identity {
        run: &id,
        sweep: &sweep.hash,
        point: run.point,
        replicate: run.replicate,
        seed: run.seed,
        values: &values,
    })
    .expect("identity serialises");
    prefix.pop();
    prefix.extend_from_slice(br#","metrics":"#);
    if !body.starts_with(&prefix) {
        let show = |v: &[Value]| serde_json::to_string(v).unwrap_or_default();
        return Err(Unverified::Identity {
            run: id,
            field: "values",
            found: show(&record.values),
            expected: show(&values),
        });
    }
    Ok(record)
}

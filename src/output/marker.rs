//! The marker file: what it records, how it is written (last) and how a folder is
//! checked against it (only what it lists, every file there) before it is replaced.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File};
use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::place::is_hidden_name;
use super::{Kind, MARKER, OutputError, io};

/// The content of [`MARKER`].
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct Marker {
    about: String,
    tool: String,
    version: String,
    pub(super) kind: Kind,
    /// Every file written here, outside `folders`: path relative to the folder (`/`
    /// separated) and size in bytes.
    files: BTreeMap<String, u64>,
    /// Sub-folders that carry their own marker (they may be re-written on their own).
    #[serde(default)]
    folders: Vec<String>,
}

const TOOL: &str = "hashflood";
const ABOUT: &str = "Written last by hashflood: this folder is a complete hashflood output. \
                     `hashflood run --force` replaces such a folder only if it holds nothing \
                     but the files listed here.";

/// The marker of `dir`, or why there is none that can be trusted.
pub(super) fn read_marker(dir: &Path) -> Result<Marker, String> {
    let path = dir.join(MARKER);
    match fs::symlink_metadata(&path) {
        Ok(m) if m.is_file() => {}
        _ => {
            return Err(format!(
                "it has no {MARKER} marker, so hashflood did not write it (or a version \
                 before markers did)"
            ));
        }
    }
    let bytes = fs::read(&path).map_err(|e| format!("its {MARKER} cannot be read ({e})"))?;
    let marker: Marker = serde_json::from_slice(&bytes)
        .map_err(|e| format!("its {MARKER} is not a hashflood marker ({e})"))?;
    if marker.tool != TOOL {
        return Err(format!("its {MARKER} names the tool {:?}", marker.tool));
    }
    Ok(marker)
}

/// Checks that `dir` holds only what hashflood wrote: returns its kind, or the reason
/// (naming the first entry that is not ours, as `prefix` + its path in `dir`).
/// `legacy_charts` accepts an unmarked folder of chart files written before markers.
pub(super) fn ours(dir: &Path, prefix: &str, legacy_charts: bool) -> Result<Kind, String> {
    let marker = match read_marker(dir) {
        Ok(m) => m,
        Err(reason) if legacy_charts => {
            return if only_chart_files(dir) {
                Ok(Kind::Charts)
            } else {
                Err(reason)
            };
        }
        Err(reason) if prefix.is_empty() => return Err(reason),
        Err(reason) => return Err(format!("{prefix}: {reason}")),
    };
    let mut folders: BTreeSet<String> = BTreeSet::new();
    for f in marker.files.keys() {
        let mut parts: Vec<&str> = f.split('/').collect();
        parts.pop();
        while !parts.is_empty() {
            folders.insert(parts.join("/"));
            parts.pop();
        }
    }
    walk(dir, prefix, "", &marker, &folders)?;
    Ok(marker.kind)
}

/// [`ours`] for the entries of `dir`, at `rel` inside the marked folder.
fn walk(
    dir: &Path,
    prefix: &str,
    rel: &str,
    m: &Marker,
    folders: &BTreeSet<String>,
) -> Result<(), String> {
    let unreadable = |e: std::io::Error| format!("{prefix}{rel} cannot be read ({e})");
    for entry in fs::read_dir(dir).map_err(unreadable)? {
        let entry = entry.map_err(unreadable)?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let path = format!("{rel}{name}");
        if (rel.is_empty() && name == MARKER) || is_hidden_name(&name) {
            continue;
        }
        let kind = entry.file_type().map_err(unreadable)?;
        if kind.is_dir() && m.folders.contains(&path) {
            ours(&entry.path(), &format!("{prefix}{path}/"), false)?;
        } else if kind.is_dir() && folders.contains(&path) {
            walk(&entry.path(), prefix, &format!("{path}/"), m, folders)?;
        } else if !(kind.is_file() && m.files.contains_key(&path)) {
            let slash = if kind.is_dir() { "/" } else { "" };
            return Err(format!(
                "it holds {prefix}{path}{slash}, which hashflood did not write"
            ));
        }
    }
    Ok(())
}

/// Whether `dir` holds only chart files named as hashflood names them (charts written
/// before markers existed).
fn only_chart_files(dir: &Path) -> bool {
    let Ok(entries) = fs::read_dir(dir) else {
        return false;
    };
    entries.into_iter().all(|e| {
        let Ok(e) = e else { return false };
        let name = e.file_name().to_string_lossy().into_owned();
        let chart = ["shares", "mobilisation", "app", "domination"]
            .iter()
            .any(|c| name == format!("{c}.png") || name == format!("{c}.svg"))
            || (name.starts_with("latest-") && name.ends_with(".gif"));
        chart && e.file_type().is_ok_and(|t| t.is_file())
    })
}

/// Whether `dir` is a complete output: a marker whose every file is there with its size,
/// and whose marked sub-folders are complete too.
pub(super) fn complete(dir: &Path) -> bool {
    let Ok(m) = read_marker(dir) else {
        return false;
    };
    m.files.iter().all(|(f, &size)| {
        fs::symlink_metadata(dir.join(f)).is_ok_and(|meta| meta.is_file() && meta.len() == size)
    }) && m.folders.iter().all(|f| complete(&dir.join(f)))
}

/// Writes `dir`'s marker, listing every file in it (sub-folders with their own marker
/// are listed as folders). Call it when every file is written: a marker means complete.
pub fn seal(dir: &Path, kind: Kind) -> Result<(), OutputError> {
    fn list(
        dir: &Path,
        prefix: &str,
        files: &mut BTreeMap<String, u64>,
        folders: &mut Vec<String>,
    ) -> Result<(), OutputError> {
        for entry in fs::read_dir(dir).map_err(io(dir))? {
            let entry = entry.map_err(io(dir))?;
            let path = entry.path();
            let rel = format!("{prefix}{}", entry.file_name().to_string_lossy());
            let meta = entry.metadata().map_err(io(&path))?;
            if meta.is_dir() && path.join(MARKER).is_file() {
                folders.push(rel);
            } else if meta.is_dir() {
                list(&path, &format!("{rel}/"), files, folders)?;
            } else if rel != MARKER {
                files.insert(rel, meta.len());
            }
        }
        Ok(())
    }
    let (mut files, mut folders) = (BTreeMap::new(), Vec::new());
    list(dir, "", &mut files, &mut folders)?;
    folders.sort();
    let marker = Marker {
        about: ABOUT.into(),
        tool: TOOL.into(),
        version: env!("CARGO_PKG_VERSION").into(),
        kind,
        files,
        folders,
    };
    let path = dir.join(MARKER);
    let bytes = serde_json::to_vec_pretty(&marker).expect("a marker serialises");
    let mut f = File::create(&path).map_err(io(&path))?;
    f.write_all(&bytes).map_err(io(&path))?;
    f.sync_all().map_err(io(&path))
}

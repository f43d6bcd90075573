//! Where output goes: the destination resolved (and refused if it is a folder hashflood
//! never writes to), the parents created, and the hidden names kept beside it.

use std::fs::{self, File};
use std::path::{Component, Path, PathBuf};

use super::{OutputError, io};

/// `PARENT/.NAME.hashflood-WHAT` for the destination `PARENT/NAME`.
pub(super) fn hidden(dest: &Path, what: &str) -> PathBuf {
    let name = dest.file_name().expect("resolve refuses the root");
    dest.with_file_name(format!(".{}.hashflood-{what}", name.to_string_lossy()))
}

/// Whether `name` is one of our hidden names (lock, staging or old folder) for any
/// destination.
pub(super) fn is_hidden_name(name: &str) -> bool {
    let Some(rest) = name.strip_prefix('.') else {
        return false;
    };
    let Some((_, what)) = rest.rsplit_once(".hashflood-") else {
        return false;
    };
    what == "lock" || leftover_pid(what).is_some()
}

/// `staging-PID` or `old-PID` -> PID.
pub(super) fn leftover_pid(what: &str) -> Option<u32> {
    let pid = what
        .strip_prefix("staging-")
        .or_else(|| what.strip_prefix("old-"))?;
    pid.parse().ok()
}

/// Makes the renames in `dir` durable (best effort; Unix only).
pub(super) fn sync_dir(dir: &Path) {
    if cfg!(unix)
        && let Ok(d) = File::open(dir)
    {
        let _ = d.sync_all();
    }
}

/// Creates `dir` and its missing parents; returns the folders created, outermost first.
pub(super) fn create_parents(dir: &Path) -> Result<Vec<PathBuf>, OutputError> {
    let mut missing = Vec::new();
    let mut p = Some(dir);
    while let Some(d) = p {
        if fs::symlink_metadata(d).is_ok() || d.as_os_str().is_empty() {
            break;
        }
        missing.push(d.to_path_buf());
        p = d.parent();
    }
    let mut created = Vec::new();
    for d in missing.into_iter().rev() {
        match fs::create_dir(&d) {
            Ok(()) => created.push(d),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => {
                for c in created.iter().rev() {
                    let _ = fs::remove_dir(c);
                }
                return Err(io(&d)(e));
            }
        }
    }
    Ok(created)
}

/// The destination as an absolute path: `.` and `..` folded, its parent canonical (so
/// every spelling of one folder locks the same file). Refuses the folders hashflood never
/// writes to: the root, the home folder, the working folder and its parents.
pub(super) fn resolve(dest: &Path) -> Result<PathBuf, OutputError> {
    let protected = |reason| OutputError::Protected {
        path: dest.to_path_buf(),
        reason,
    };
    let cwd = std::env::current_dir().map_err(io(Path::new(".")))?;
    let mut folded = PathBuf::new();
    for c in cwd.join(dest).components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                folded.pop();
            }
            c => folded.push(c),
        }
    }
    let (Some(parent), Some(name)) = (folded.parent(), folded.file_name()) else {
        return Err(protected("the root folder"));
    };
    // Canonicalise the longest existing part of the parent; keep the rest as written.
    let mut rest = Vec::new();
    let mut base = parent;
    let canonical = loop {
        match fs::canonicalize(base) {
            Ok(c) => break c,
            Err(_) => match (base.file_name(), base.parent()) {
                (Some(n), Some(p)) => {
                    rest.push(n.to_owned());
                    base = p;
                }
                _ => break base.to_path_buf(),
            },
        }
    };
    let mut resolved = canonical;
    resolved.extend(rest.iter().rev());
    resolved.push(name);
    let cwd = fs::canonicalize(&cwd).unwrap_or(cwd);
    if resolved == cwd {
        return Err(protected("the working folder"));
    }
    if cwd.starts_with(&resolved) {
        return Err(protected("a parent of the working folder"));
    }
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from);
    if home.is_some_and(|h| fs::canonicalize(&h).unwrap_or(h) == resolved) {
        return Err(protected("the home folder"));
    }
    Ok(resolved)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_is_never_a_destination() {
        for root in ["/", "/..", "/tmp/../.."] {
            let err = resolve(Path::new(root)).unwrap_err().to_string();
            assert!(err.contains("it is the root folder"), "{root}: {err}");
        }
    }

    #[test]
    fn hidden_names_are_recognised() {
        for name in [
            ".a.hashflood-lock",
            ".a.b.hashflood-staging-12",
            ".a.hashflood-old-3",
        ] {
            assert!(is_hidden_name(name), "{name}");
        }
        for name in [
            "a.hashflood-lock",
            ".a.hashflood-staging-",
            ".a.hashflood-old-x",
            ".a",
        ] {
            assert!(!is_hidden_name(name), "{name}");
        }
    }
}

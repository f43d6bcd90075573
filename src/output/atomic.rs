//! Putting a file or a folder in place atomically: it is written whole under a temporary
//! name beside its destination (staging), then renamed over it (a rename is atomic within
//! a file system), so readers, and a process killed at any moment, see the old version or
//! the whole new one, never a part. The one implementation behind run and chart folders
//! ([`RunDir`](super::RunDir)), sweep run files, tables and manifests, merges, and sweep
//! charts.
//!
//! Files are not fsync'd here: that guards only against the machine itself crashing, at
//! milliseconds per file (run folders sync their files as they write them).

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A name next to `path` that no other process or thread uses: `.NAME.PID-N.KIND`. Two
/// processes writing the same file (identical sweeps, shards sharing a folder) never
/// write into one temporary file.
pub fn temp_name(path: &Path, kind: &str) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    path.with_file_name(format!(
        ".{}.{}-{n}.{kind}",
        path.file_name()
            .map_or("file".into(), |n| n.to_string_lossy()),
        std::process::id()
    ))
}

/// Whether `name` is a temporary name made by [`temp_name`] with `kind`.
pub fn is_temp(name: &str, kind: &str) -> bool {
    name.starts_with('.')
        && name
            .strip_suffix(&format!(".{kind}"))
            .and_then(|rest| rest.rsplit_once('.'))
            .and_then(|(_, id)| id.split_once('-'))
            .is_some_and(|(pid, n)| {
                !pid.is_empty()
                    && !n.is_empty()
                    && pid.bytes().all(|b| b.is_ascii_digit())
                    && n.bytes().all(|b| b.is_ascii_digit())
            })
}

/// Writes `bytes` to a new temporary file beside `path` ([`temp_name`], kind `tmp`).
fn write_temp(path: &Path, bytes: &[u8]) -> io::Result<PathBuf> {
    let tmp = temp_name(path, "tmp");
    let result = fs::File::create_new(&tmp).and_then(|mut f| f.write_all(bytes));
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    Ok(tmp)
}

/// Writes the file `path` atomically: a temporary file in the same folder, renamed over
/// `path`.
pub fn write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp = write_temp(path, bytes)?;
    fs::rename(&tmp, path).inspect_err(|_| {
        let _ = fs::remove_file(&tmp);
    })
}

/// Writes the file `path` only if nothing is there, atomically (a temporary file, then a
/// hard link, which fails if `path` exists); `Ok(false)` if something was. On a file
/// system without hard links, falls back to an exclusive create and write (not atomic).
pub fn create(path: &Path, bytes: &[u8]) -> io::Result<bool> {
    let tmp = write_temp(path, bytes)?;
    let linked = fs::hard_link(&tmp, path);
    let _ = fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(false),
        Err(_) => match fs::File::create_new(path) {
            Ok(mut f) => f.write_all(bytes).map(|()| true),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(false),
            Err(e) => Err(e),
        },
    }
}

/// Renames the complete folder `staging` to `dest`. Whatever is at `dest` is first
/// renamed to `aside` (and renamed back if the second rename fails); it is left there
/// for the caller to remove, and the result says whether there was one. `step` is
/// called with `"aside"` and `"renamed"` after each rename of a replacement, so tests
/// can kill the process in between.
pub fn replace_dir(
    staging: &Path,
    dest: &Path,
    aside: &Path,
    step: impl Fn(&str),
) -> io::Result<bool> {
    let replacing = fs::symlink_metadata(dest).is_ok();
    if replacing {
        fs::rename(dest, aside)?;
        step("aside");
    }
    if let Err(e) = fs::rename(staging, dest) {
        if replacing {
            let _ = fs::rename(aside, dest);
        }
        return Err(e);
    }
    if replacing {
        step("renamed");
    }
    Ok(replacing)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_names_differ_within_a_process_and_are_recognised() {
        let a = temp_name(Path::new("/x/runs.csv"), "tmp");
        let b = temp_name(Path::new("/x/runs.csv"), "tmp");
        assert_ne!(a, b);
        let name = a.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with(&format!(".runs.csv.{}-", std::process::id())),
            "{name}"
        );
        assert!(is_temp(&name, "tmp"));
        assert!(!is_temp("runs.csv", "tmp"));
        assert!(!is_temp(".runs.csv.tmp", "tmp"), "the old, shared name");
    }

    #[test]
    fn files_are_replaced_or_created_whole() {
        let tmp = tempfile::tempdir().unwrap();
        let f = tmp.path().join("f");
        write(&f, b"1").unwrap();
        write(&f, b"2").unwrap();
        assert_eq!(fs::read(&f).unwrap(), b"2");
        assert!(!create(&f, b"3").unwrap(), "never replaces");
        assert!(create(&tmp.path().join("g"), b"4").unwrap());
        let mut names: Vec<_> = fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        names.sort();
        assert_eq!(names, ["f", "g"], "no temporary file left");
    }

    #[test]
    fn a_folder_replaces_another_which_is_kept_aside() {
        let tmp = tempfile::tempdir().unwrap();
        let (staging, dest, aside) = (
            tmp.path().join(".new"),
            tmp.path().join("dest"),
            tmp.path().join(".old"),
        );
        fs::create_dir(&staging).unwrap();
        fs::write(staging.join("x"), "1").unwrap();
        assert!(!replace_dir(&staging, &dest, &aside, |_| {}).unwrap());
        fs::create_dir(&staging).unwrap();
        fs::write(staging.join("x"), "2").unwrap();
        let steps = std::cell::RefCell::new(Vec::new());
        let step = |s: &str| steps.borrow_mut().push(s.to_owned());
        assert!(replace_dir(&staging, &dest, &aside, step).unwrap());
        assert_eq!(steps.into_inner(), ["aside", "renamed"]);
        assert_eq!(fs::read(dest.join("x")).unwrap(), b"2");
        assert_eq!(fs::read(aside.join("x")).unwrap(), b"1");
        // A failed rename puts the previous folder back.
        let missing = tmp.path().join(".missing");
        fs::remove_dir_all(&aside).unwrap();
        assert!(replace_dir(&missing, &dest, &aside, |_| {}).is_err());
        assert_eq!(fs::read(dest.join("x")).unwrap(), b"2");
    }
}

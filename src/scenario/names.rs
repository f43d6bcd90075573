//! Names in scenarios: what a scenario, feed or population may be called.
//!
//! A scenario's name becomes a folder (`output/<name>/...`), so it is one path component
//! of safe characters: it can never point outside `output/` or `--out`. Feed names
//! become chart file names after [`file_safe`], so two feeds whose file names would be
//! the same are refused rather than one chart overwriting the other. Population names
//! appear in CSV cells joined by `;`, so they cannot contain it.

use super::error::{ScenarioError, invalid};

/// Longest name of a scenario, feed or population, in characters.
pub const MAX_NAME_CHARS: usize = 100;

/// Whether `c` may appear in a scenario name (and so in a folder name).
fn folder_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
}

/// Checks a scenario name: 1 to 100 of `A-Z a-z 0-9 - _ .`, not starting with a dot.
pub fn check_scenario(name: &str) -> Result<(), ScenarioError> {
    let ok = !name.is_empty()
        && name.chars().count() <= MAX_NAME_CHARS
        && !name.starts_with('.')
        && name.chars().all(folder_char);
    if ok {
        Ok(())
    } else {
        Err(invalid(
            "name",
            format!("{name:?}"),
            "a name of 1 to 100 letters, digits, '-', '_' or '.', not starting with '.' \
             (it names the output folder, so it cannot be a path)",
        ))
    }
}

/// A scenario name made from any text (a file's stem): unsafe characters become `-`,
/// leading dots are dropped, and an empty result becomes "scenario".
pub fn sanitised(text: &str) -> String {
    let s: String = text
        .chars()
        .take(MAX_NAME_CHARS)
        .map(|c| if folder_char(c) { c } else { '-' })
        .collect();
    let s = s.trim_start_matches('.');
    if s.is_empty() {
        "scenario".to_string()
    } else {
        s.to_string()
    }
}

/// A name as it appears in a file name: letters (of any script), digits and `-` kept,
/// everything else `_`.
pub fn file_safe(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Checks a feed or population name at `path` (e.g. `feeds.X`): 1 to 100 characters,
/// no control characters, and no `;` for populations.
pub fn check_label(path: &str, name: &str, population: bool) -> Result<(), ScenarioError> {
    let ok = !name.is_empty()
        && name.chars().count() <= MAX_NAME_CHARS
        && !name.chars().any(char::is_control)
        && (!population || !name.contains(';'));
    if ok {
        Ok(())
    } else {
        Err(invalid(
            path,
            format!("{name:?}"),
            if population {
                "a name of 1 to 100 characters without control characters or ';'"
            } else {
                "a name of 1 to 100 characters without control characters"
            },
        ))
    }
}

/// Refuses two feeds whose names give the same file name (`a.b` and `a_b`).
pub fn check_feed_files<'a>(names: impl Iterator<Item = &'a String>) -> Result<(), ScenarioError> {
    let mut seen: std::collections::BTreeMap<String, &str> = Default::default();
    for name in names {
        if let Some(other) = seen.insert(file_safe(name), name) {
            return Err(invalid(
                format!("feeds.{name}"),
                format!("{name:?}"),
                &format!(
                    "a name whose chart file name differs from that of feeds.{other} (both \
                     become \"{}\"); rename one",
                    file_safe(name)
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scenario_names_are_one_safe_path_component() {
        for bad in [
            "",
            ".",
            "..",
            "../../escaped",
            "a/b",
            ".hidden",
            "a b",
            "a\\b",
            "é",
        ] {
            assert!(check_scenario(bad).is_err(), "{bad:?}");
        }
        for good in ["whitelivesmatter-2020", "a.b_c-9"] {
            check_scenario(good).unwrap();
        }
        for text in ["../../escaped", "my scenario", "..", "", "日本"] {
            check_scenario(&sanitised(text)).unwrap();
        }
    }

    #[test]
    fn feeds_that_share_a_file_name_are_refused() {
        let names = ["a.b".to_string(), "a_b".to_string()];
        let e = check_feed_files(names.iter()).unwrap_err().to_string();
        assert!(e.contains("feeds.a_b") && e.contains("feeds.a.b"), "{e}");
        let distinct = ["WhiteLivesMatter".to_string(), "블랙".to_string()];
        check_feed_files(distinct.iter()).unwrap();
    }
}

//! A golden seeded summary of the classroom scenario: any change to the engine's
//! randomness or mechanics shows up here. After an intended change, regenerate with
//! `UPDATE_GOLDEN=1 cargo test --test tests golden` and review the diff.

use hashflood::export;

use super::common::{bundled, root, run};

#[test]
fn classroom_summary_matches_the_golden_file() {
    let s = bundled("classroom.toml");
    let out = run(&s, s.seed);
    let got = String::from_utf8(export::summary_json(&out.summary)).unwrap();
    let path = root().join("tests/golden/classroom-summary.json");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &got).unwrap();
    }
    let want = std::fs::read_to_string(&path).expect("golden file; create it with UPDATE_GOLDEN=1");
    assert_eq!(
        got, want,
        "classroom summary changed; see the module doc to update"
    );
}

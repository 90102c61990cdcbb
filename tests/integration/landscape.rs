//! The scale landscape (`support::landscape`, what `scripts/bench` measures)
//! at a small size: its spec and its hand-written SQL describe the same
//! database. Not timed; the benchmark itself is run by hand.

use crate::handwritten::Example;
use crate::support::landscape::Landscape;

#[test]
fn landscape_spec_and_handwritten_sql_build_the_same_database() {
    let dir = tempfile::tempdir().unwrap();
    let (spec, handwritten) = Landscape::new(40)
        .with_schemas(2)
        .write(dir.path())
        .unwrap();
    let validate = crate::cmd::run(
        crate::cmd::pg_provision()
            .arg("-f")
            .arg(&spec)
            .arg("validate"),
    );
    assert_eq!(validate.code, 0, "{validate:?}");
    // apply on one cluster, psql on the other: same fingerprint; a second
    // apply executes nothing; `check` of the spec against the psql-built
    // database exits 0.
    Example {
        spec,
        env: &[],
        database: "app",
        before: None,
        handwritten,
    }
    .assert_matches_handwritten();
}

//! The JSON Schema shipped in `schema/` is what `pg-provision schema` prints.

use crate::cmd::{pg_provision, run};
use std::path::Path;

#[test]
fn the_shipped_schema_is_up_to_date() {
    let printed = run(pg_provision().arg("schema"));
    assert_eq!(printed.code, 0, "{printed:?}");
    assert!(printed.stderr.is_empty(), "{printed:?}");
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/pg-provision.schema.json");
    let shipped = std::fs::read_to_string(&file).unwrap_or_default();
    assert!(
        shipped == printed.stdout,
        "{} is stale: the spec's types changed. Regenerate it with\n  \
         cargo run -q -- schema > schema/pg-provision.schema.json\nand commit it.",
        file.display()
    );
}

#[test]
fn the_schema_is_printed_whatever_the_spec_file() {
    // `schema` reads no spec: a missing or broken file does not matter.
    let printed =
        run(pg_provision().args(["-f", "/nonexistent.yaml", "--output", "json", "schema"]));
    assert_eq!(printed.code, 0, "{printed:?}");
    let schema: serde_json::Value = serde_json::from_str(&printed.stdout).unwrap();
    assert_eq!(schema["title"], "pg-provision spec");
}

//! The spec parser at scale and under attack, through the real binary: a
//! 10,000-table spec validates within a memory bound; alias bombs, deep
//! nesting, huge values, non-UTF-8 files, NUL bytes and duplicate keys are
//! refused quickly (exit 65) with a sentence naming the limit and the line.
//! No server is needed: `validate` is offline.

use crate::cmd::{Run, pg_provision};
use std::path::Path;
use std::time::Duration;

/// `pg-provision -f file validate`, and its peak resident set size in KiB,
/// which the binary logs at debug level (`memory::peak_rss_kib`).
fn validate_measured(file: &Path) -> (Run, u64) {
    let run = crate::cmd::run(
        pg_provision()
            .env("RUST_LOG", "pg_provision=debug")
            .arg("-f")
            .arg(file)
            .arg("validate"),
    );
    let kib = run
        .stderr
        .lines()
        .find_map(|l| l.split_once("peak memory (VmHWM): "))
        .and_then(|(_, rest)| rest.strip_suffix(" KiB"))
        .and_then(|kib| kib.parse().ok())
        .unwrap_or_else(|| panic!("no peak memory in the debug log:\n{run:?}"));
    (run, kib)
}

/// 20 schemas × 500 tables: a bigserial key and two columns, RLS enabled, one
/// policy and a column grant per table; schema-wide grants and one SECURITY
/// DEFINER function per schema (~90,000 lines, ~4 MB).
pub fn ten_thousand_tables() -> String {
    let mut s = String::from(
        "version: 1\nroles:\n  app_owner: {}\n  api_user: {}\n  api_anon: {}\nschemas:\n",
    );
    for schema in 0..20 {
        s.push_str(&format!(
            "  s{schema:02}:
    owner: app_owner
    grants:
      - {{ to: [api_user, api_anon], privileges: [USAGE] }}
      - {{ on: tables, to: [api_user], privileges: [SELECT, INSERT, UPDATE, DELETE] }}
      - {{ on: sequences, to: [api_user], privileges: [USAGE] }}
    functions:
      whoami:
        returns: text
        language: sql
        security: definer
        search_path: [pg_catalog, pg_temp]
        body: SELECT current_user::text
        grants: [{{ to: [api_user], privileges: [EXECUTE] }}]
    tables:
"
        ));
        for table in 0..500 {
            s.push_str(&format!(
                "      t{table:03}:
        columns:
          - {{ name: id, type: bigserial, primary_key: true }}
          - {{ name: owner_name, type: text, not_null: true, default: current_user }}
          - {{ name: note, type: text }}
        rls: enabled
        policies:
          own_rows: {{ for: all, to: [api_user], using: \"owner_name = current_user\" }}
        grants: [{{ to: [api_anon], privileges: [SELECT], columns: [id, note] }}]
"
            ));
        }
    }
    s
}

/// Peak RSS allowed for validating 10,000 tables (debug build). `check` must
/// stay under 128 MB at that size, catalog and plan included, so parsing
/// takes well under that (measured: ~72 MB debug, ~61 MB release).
const MAX_VALIDATE_RSS_KIB: u64 = 100 * 1024;

#[test]
fn ten_thousand_tables_validate_within_the_memory_bound() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("provision.yaml");
    let text = ten_thousand_tables();
    std::fs::write(&file, &text).unwrap();
    let (run, rss_kib) = validate_measured(&file);
    eprintln!(
        "10,000 tables ({} lines, {} bytes): validate took {:?}, peak RSS {} MiB",
        text.lines().count(),
        text.len(),
        run.elapsed,
        rss_kib / 1024
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.all_output().contains("valid (3 roles, 20 schemas"),
        "{run:?}"
    );
    assert!(
        rss_kib <= MAX_VALIDATE_RSS_KIB,
        "validate peaked at {rss_kib} KiB, over {MAX_VALIDATE_RSS_KIB} KiB"
    );
}

/// Exponential inputs would take minutes or exhaust memory; this bound is
/// generous for a debug build on a busy machine.
const QUICKLY: Duration = Duration::from_secs(20);

fn refused(name: &str, bytes: &[u8], expected: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("provision.yaml");
    std::fs::write(&file, bytes).unwrap();
    let (run, rss_kib) = validate_measured(&file);
    eprintln!(
        "{name}: refused in {:?}, peak RSS {} MiB",
        run.elapsed,
        rss_kib / 1024
    );
    assert_eq!(run.code, 65, "{name}: {run:?}");
    let expected = format!("{}{expected}", file.display());
    assert!(
        run.stderr.contains(&expected),
        "{name}: expected `{expected}` in:\n{run:?}"
    );
    assert!(run.elapsed < QUICKLY, "{name}: {run:?}");
    assert!(!run.stderr.contains("Breach"), "{name}: {run:?}");
}

#[test]
fn an_alias_bomb_is_refused_quickly() {
    let mut levels = vec!["&a [lol, lol, lol, lol, lol, lol, lol, lol, lol]".to_string()];
    for (prev, name) in "abcdefgh".chars().zip("bcdefghi".chars()) {
        levels.push(format!(
            "&{name} [{}]",
            vec![format!("*{prev}"); 9].join(", ")
        ));
    }
    let bomb = format!(
        "version: 1\nroles:\n  r:\n    settings:\n      x: [{}]\n",
        levels.join(", ")
    );
    refused(
        "alias bomb",
        bomb.as_bytes(),
        ":5:229: roles.r.settings.x[5][0]: aliases (`*name`) expand the spec by more than 100,000 nodes; it writes 29 itself\n  hint: an alias bomb?",
    );
}

#[test]
fn deep_nesting_is_refused_quickly() {
    let deep = format!(
        "version: 1\nroles:\n  r:\n    settings:\n      x: {}{}\n",
        "[".repeat(20_000),
        "]".repeat(20_000)
    );
    refused(
        "20,000 levels",
        deep.as_bytes(),
        ":5:265: roles.r.settings.x: the spec nests mappings and sequences more than 64 levels deep",
    );
}

#[test]
fn a_huge_value_is_refused_quickly() {
    let huge = format!(
        "version: 1\nroles:\n  r:\n    comment: \"{}\"\n",
        "x".repeat(5 * 1024 * 1024)
    );
    refused(
        "5 MiB value",
        huge.as_bytes(),
        ":4:14: roles.r.comment: this value is 5 MiB long; values are limited to 4 MiB",
    );
    // Larger than any spec: refused before it is read.
    let mut file = format!(
        "version: 1\nroles:\n  r:\n    comment: \"{}",
        "x".repeat(1024)
    );
    file.push_str(&"x".repeat(65 * 1024 * 1024));
    refused(
        "65 MiB file",
        file.as_bytes(),
        ": (document): the spec is 65.0 MiB; pg-provision reads at most 64 MiB",
    );
}

#[test]
fn text_that_is_not_utf8_is_named() {
    refused(
        "Latin-1",
        b"version: 1\nroles:\n  caf\xE9: {}\n",
        ":3:6: (document): the spec is not UTF-8 text (byte 0xE9 at offset 23)\n  hint: Latin-1 or Windows-1252, perhaps: save the file as UTF-8",
    );
    refused(
        "NUL byte",
        b"version: 1\nroles:\n  a\0b: {}\n",
        ":3:4: (document): the spec contains a NUL byte (offset 21), which YAML does not allow",
    );
    refused(
        "NUL in a name",
        b"version: 1\nroles:\n  \"a\\0b\": {}\n",
        ":3:3: roles.\"a\\u0000b\": role name contains a NUL character",
    );
}

#[test]
fn a_key_written_twice_names_both_places() {
    refused(
        "duplicate key",
        b"version: 1\nroles:\n  a: {}\n  b: {}\n  a: { login: true }\n",
        ":5:3: roles.a: key `a` is written twice in one mapping (first at line 3, column 3)\n  hint: a mapping takes each key once: remove one, or merge what they say under one key",
    );
}

//! Spec loading at the edges: large plain documents pass, hostile ones are
//! refused quickly with a sentence that names the limit and the line.

use super::*;
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn parse_text(text: &str) -> Result<Spec, SpecError> {
    let var = |_: &str| None;
    parse(
        text,
        &PathBuf::from("provision.yaml"),
        &Environment {
            var: &var,
            base_dir: Path::new("/nonexistent"),
        },
    )
}

/// The error for `text`, and how long it took to say it.
fn refused(text: &str) -> (String, Duration) {
    let started = Instant::now();
    let e = parse_text(text).expect_err("spec should be refused");
    (e.to_string(), started.elapsed())
}

/// Exponential inputs would take minutes or exhaust memory; these bounds are
/// generous for a debug build on a busy machine.
const QUICKLY: Duration = Duration::from_secs(10);

/// Nine anchors, each a list of nine aliases of the previous one: 9^9 nodes
/// once expanded, all inside one `settings` value (an untagged type, which
/// serde buffers whole before trying its variants).
fn billion_laughs() -> String {
    let mut levels = vec!["&a [lol, lol, lol, lol, lol, lol, lol, lol, lol]".to_string()];
    for (prev, name) in "abcdefgh".chars().zip("bcdefghi".chars()) {
        levels.push(format!(
            "&{name} [{}]",
            vec![format!("*{prev}"); 9].join(", ")
        ));
    }
    format!(
        "version: 1\nroles:\n  r:\n    settings:\n      x: [{}]\n",
        levels.join(", ")
    )
}

#[test]
fn a_spec_with_more_nodes_than_the_library_default_parses() {
    // serde-saphyr's default budget refused more than 250,000 nodes.
    let names: Vec<String> = (0..250_001).map(|i| format!("r{i}")).collect();
    let text = format!("version: 1\nexternal_roles: [{}]\n", names.join(", "));
    let spec = parse_text(&text).unwrap();
    assert_eq!(spec.external_roles.len(), 250_001);
}

#[test]
fn an_alias_bomb_is_refused_quickly() {
    let (e, took) = refused(&billion_laughs());
    assert_eq!(
        e,
        "provision.yaml:5:229: roles.r.settings.x[5][0]: aliases (`*name`) expand the spec by more than 100,000 nodes; it writes 29 itself\n  \
         hint: an alias bomb? aliases may add 4 times what a spec writes itself (at least 100,000 nodes, 16 MiB): write the repeated parts out"
    );
    assert!(took < QUICKLY, "{took:?}");
}

#[test]
fn aliases_repeating_a_long_text_are_refused() {
    let text = format!(
        "version: 1\nroles:\n  r:\n    settings:\n      x: [&s \"{}\", {}]\n",
        "x".repeat(1024 * 1024),
        vec!["*s"; 100].join(", ")
    );
    let (e, took) = refused(&text);
    assert!(
        e.contains(": roles.r.settings.x[17]: aliases (`*name`) repeat more than 16 MiB of text; the spec writes 1.0 MiB itself"),
        "{e}"
    );
    assert!(took < QUICKLY, "{took:?}");
}

#[test]
fn an_anchor_used_by_every_table_is_fine() {
    // One anchor, many aliases: the alias/anchor ratio heuristic of the
    // library would have refused this.
    let mut text = String::from(
        "version: 1\nroles: { reader: {} }\nschemas:\n  app:\n    tables:\n      t0: { grants: &read [{ to: [reader], privileges: [SELECT] }] }\n",
    );
    for i in 1..1000 {
        text.push_str(&format!("      t{i}: {{ grants: *read }}\n"));
    }
    let spec = parse_text(&text).unwrap();
    assert_eq!(spec.schemas["app"].objects.len(), 1000);
}

#[test]
fn deep_nesting_is_refused_at_its_line() {
    let flow = format!(
        "version: 1\nroles:\n  r:\n    settings:\n      x: {}{}\n",
        "[".repeat(20_000),
        "]".repeat(20_000)
    );
    let (e, took) = refused(&flow);
    assert!(
        e.contains(": the spec nests mappings and sequences more than 64 levels deep\n  hint: a spec needs about 10 levels"),
        "{e}"
    );
    assert!(e.starts_with("provision.yaml:5:"), "{e}");
    assert!(took < QUICKLY, "{took:?}");

    let block: String = (1..2000)
        .map(|i| format!("{}- k{i}:\n", "  ".repeat(i)))
        .collect();
    let (e, took) = refused(&format!("version: 1\nroles:\n{block}"));
    assert!(e.starts_with("provision.yaml:34:67: roles[0].k1[0]"), "{e}");
    assert!(e.contains("more than 64 levels deep"), "{e}");
    assert!(took < QUICKLY, "{took:?}");
}

#[test]
fn a_huge_value_is_refused_at_its_line() {
    let text = format!(
        "version: 1\nroles:\n  r:\n    comment: \"{}\"\n",
        "x".repeat(5 * 1024 * 1024)
    );
    let (e, took) = refused(&text);
    assert_eq!(
        e,
        "provision.yaml:4:14: roles.r.comment: this value is 5 MiB long; values are limited to 4 MiB\n  \
         hint: put a long function body or view query in a file (`body_file`, `query_file`)"
    );
    assert!(took < QUICKLY, "{took:?}");
}

#[test]
fn a_key_written_twice_names_both_places() {
    let (e, _) = refused("version: 1\nroles:\n  a: {}\n  b: {}\n  a: { login: true }\n");
    assert_eq!(
        e,
        "provision.yaml:5:3: roles.a: key `a` is written twice in one mapping (first at line 3, column 3)\n  \
         hint: a mapping takes each key once: remove one, or merge what they say under one key"
    );
    let (e, _) = refused("version: 1\nroles:\n  a: { login: true, login: false }\n");
    assert!(
        e.starts_with("provision.yaml:3:21: roles.a.login: key `login` is written twice in one mapping (first at line 3, column 8)"),
        "{e}"
    );
}

#[test]
fn a_nul_in_a_name_is_refused() {
    let (e, _) = refused("version: 1\nroles:\n  \"a\\0b\": {}\n");
    assert_eq!(
        e,
        "provision.yaml:3:3: roles.\"a\\u0000b\": role name contains a NUL character"
    );
}

#[test]
fn type_mismatches_are_said_in_terms_of_the_spec() {
    let cases = [
        (
            "version: 1\nroles:\n  r:\n    settings: { x: [[a]] }\n",
            "provision.yaml:4:20: roles.r.settings.x: expected a setting: a string, a number, a boolean or a list of strings",
        ),
        (
            "version: 1\nroles: { r: 5 }\n",
            "provision.yaml:2:13: roles.r: expected a mapping (`{ … }`, or indented `key: value` lines)",
        ),
        (
            "version: 1\nschemas:\n  s:\n    tables:\n      t: { seed: { key: [a], rows: [{ a: [1] }] } }\n",
            "provision.yaml:5:42: schemas.s.tables.t.seed.rows[0].a: expected a value (a string, a number, a boolean or null) or `{ sql: \"expression\" }`",
        ),
    ];
    for (text, expected) in cases {
        let (e, _) = refused(text);
        assert_eq!(e, expected);
    }
}

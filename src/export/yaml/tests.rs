//! The writer's output read back by serde-saphyr (as `spec::load` reads a
//! spec, strict booleans on) gives back exactly the strings and structure
//! that went in — for hand-picked traps and for generated awkward strings.

use super::*;
use serde_json::{Value, json};

fn parse(text: &str) -> Value {
    let mut options = serde_saphyr::options::Options::default();
    options.strict_booleans = true;
    serde_saphyr::from_str_with_options(text, options)
        .unwrap_or_else(|e| panic!("cannot read back:\n{text}\n{e}"))
}

/// A document holding `s` as a key, a value, in flow and block lists, and
/// inside a flow mapping.
fn doc(s: &str) -> Map {
    let mut root = Map::block();
    let mut inner = Map::new();
    inner.insert(s, s);
    inner.insert("list", strings([s, "x"]));
    root.insert("value", s);
    root.insert("flow", inner);
    let mut block = Map::block();
    block.insert("value", s);
    root.insert(
        "block",
        Node::Seq(vec![Node::Map(block), Node::Str(s.to_string())]),
    );
    root.insert_commented("commented", s, "a comment");
    root
}

fn expected(s: &str) -> Value {
    json!({
        "value": s,
        "flow": { s: s, "list": [s, "x"] },
        "block": [{ "value": s }, s],
        "commented": s,
    })
}

fn assert_round_trip(s: &str) {
    let text = document(&[], &doc(s));
    assert_eq!(
        parse(&text),
        expected(s),
        "for {s:?} the writer wrote:\n{text}"
    );
}

#[test]
fn strings_yaml_would_misread_are_quoted() {
    for s in [
        "yes",
        "No",
        "ON",
        "off",
        "y",
        "N",
        "null",
        "Null",
        "~",
        "true",
        "False",
        "1e3",
        "0x1F",
        "0o17",
        "0b101",
        "1_000",
        "12",
        "-5",
        "+5",
        "3.14",
        ".5",
        ".inf",
        "-.inf",
        ".nan",
        "1:20",
        "2027-01-31",
        "2027-01-31T12:00:00Z",
        "*alias",
        "&anchor",
        "!tag",
        "!!str",
        "%yaml",
        "@x",
        "`x`",
        "a: b",
        "a:b",
        "a #b",
        "#c",
        "",
        " ",
        " lead",
        "trail ",
        "'quoted'",
        "\"dq\"",
        "it's",
        "x\"; DROP ROLE postgres; --",
        "a,b",
        "[x]",
        "{x}",
        "- item",
        "-",
        "?",
        "? x",
        "|",
        ">",
        "<<",
        "=",
        "$user",
        "a\\b",
        "tab\there",
        "new\nline",
        "cr\rlf",
        "nul\0x",
        "bell\u{7}",
        "nel\u{85}",
        "ls\u{2028}",
        "bom\u{feff}",
        "rôle",
        "Mixed Case Role",
        "select",
        "5s",
        "64MB",
        "0",
        "0xFF",
        "1e",
        "e",
        "public",
        "pg_catalog, pg_temp",
        "a\n",
        "a\n\n",
        "\nleading",
        "  indented\nsecond",
        "x\n  y\n",
        "line\n  \nblank",
        "one\ttab\n\tx",
        "SELECT 1\nFROM t;",
        "end\n\n\n",
        "---",
        "...",
        "a\n---\nb",
        "a\n...\nb",
        "#!/bin/sh\necho",
    ] {
        assert_round_trip(s);
    }
}

#[test]
fn plain_where_it_reads_the_same() {
    for s in [
        "app_owner",
        "Mixed Case Role",
        "5s",
        "64MB",
        "rôle",
        "select",
        "a.b",
        "lower(x)",
    ] {
        assert!(is_plain(s), "{s}");
    }
    for s in [
        "yes", "1e3", "0x1F", "12", "$user", "a: b", "", "*x", "null",
    ] {
        assert!(!is_plain(s), "{s}");
    }
}

#[test]
fn literal_blocks_keep_bodies_and_their_chomping() {
    let mut root = Map::block();
    root.insert("body", "BEGIN\n  RETURN NEW;\nEND;");
    root.insert("kept", "a\n\n  b\n");
    let text = document(&["header".into(), String::new()], &root);
    assert_eq!(
        text,
        "# header\n#\nbody: |-\n  BEGIN\n    RETURN NEW;\n  END;\nkept: |\n  a\n\n    b\n"
    );
    assert_eq!(
        parse(&text),
        json!({ "body": "BEGIN\n  RETURN NEW;\nEND;", "kept": "a\n\n  b\n" })
    );
}

#[test]
fn short_collections_are_flow_long_ones_block() {
    let mut grant = Map::new();
    grant.insert("to", strings(["api_anon", "api_authenticated"]));
    grant.insert("privileges", strings(["USAGE"]));
    let mut schema = Map::new();
    schema.insert("owner", "app_owner");
    schema.insert("grants", Node::Seq(vec![Node::Map(grant)]));
    let mut long = Map::new();
    long.insert("comment", "x".repeat(120));
    let mut root = Map::block();
    root.insert("api", schema);
    root.insert("long", long);
    root.insert("empty", Map::block());
    let text = document(&[], &root);
    assert_eq!(
        text,
        format!(
            "api:\n  owner: app_owner\n  grants: [{{ to: [api_anon, api_authenticated], privileges: [USAGE] }}]\nlong:\n  comment: {}\nempty: {{}}\n",
            "x".repeat(120)
        )
    );
}

#[test]
fn numbers_and_booleans_keep_their_types() {
    let mut root = Map::block();
    root.insert("i", -1i64);
    root.insert("f", Node::Float(100.0));
    root.insert("g", Node::Float(0.25));
    root.insert("b", true);
    assert_eq!(
        parse(&document(&[], &root)),
        json!({ "i": -1, "f": 100.0, "g": 0.25, "b": true })
    );
}

/// A small deterministic generator (xorshift): strings glued from YAML's
/// troublemakers, so every run checks the same few thousand cases.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

#[test]
fn generated_awkward_strings_round_trip() {
    let pieces = [
        "a", "Z", "_", "0", "9", "1e3", "0x", ".", "-", "+", ":", ": ", " :", "#", " #", ",", "[",
        "]", "{", "}", "*", "&", "!", "|", ">", "'", "\"", "\\", "%", "@", "`", "?", "~", " ",
        "  ", "\t", "\n", "\n\n", "\r", "\u{0}", "\u{1b}", "\u{85}", "\u{a0}", "\u{2028}", "é",
        "ß", "日本", "😀", "yes", "no", "null", "true", "on", "$user", "--", "---", "...", "<<",
        "=", "SELECT", "pg_temp", "\n  ", "  \n",
    ];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..3000 {
        let n = 1 + rng.next() % 6;
        let s: String = (0..n).map(|_| rng.pick(&pieces)).collect();
        assert_round_trip(&s);
    }
}

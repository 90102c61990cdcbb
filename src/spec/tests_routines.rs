//! Spec loading for function, procedure and view definitions.

use super::*;
use crate::privilege::ObjectKind;
use crate::spec::routine::{CheckOption, Parallel, Volatility};
use std::path::PathBuf;

fn parse_in(text: &str, dir: &Path) -> Result<Spec, SpecError> {
    let var = |_: &str| None;
    parse(
        text,
        &PathBuf::from("provision.yaml"),
        &Environment {
            var: &var,
            base_dir: dir,
        },
    )
}

fn error(text: &str) -> String {
    parse_in(text, Path::new("/nonexistent"))
        .expect_err("spec should be rejected")
        .to_string()
}

fn function(attributes: &str) -> String {
    format!(
        "version: 1\nschemas:\n  s:\n    functions:\n      f:\n        args: \"a text\"\n{}",
        attributes
            .lines()
            .map(|l| format!("        {l}\n"))
            .collect::<String>()
    )
}

#[test]
fn a_function_body_from_a_file_next_to_the_spec() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sql")).unwrap();
    std::fs::write(dir.path().join("sql/f.sql"), "\n  BEGIN RETURN a; END;\n\n").unwrap();
    let spec = parse_in(
        &function(
            "returns: text\nlanguage: PLpgSQL\nbody_file: sql/f.sql\nvolatility: stable\nparallel: safe\nstrict: true\nsecurity: definer\nsearch_path: [pg_catalog, pg_temp]\nset: { work_mem: 64MB }\ncost: 10",
        ),
        dir.path(),
    )
    .unwrap();
    let f = &spec.schemas["s"].objects[&(ObjectKind::Function, "f".to_string())];
    assert!(f.has_definition());
    let r = f.routine.as_ref().unwrap();
    assert_eq!(r.body, "BEGIN RETURN a; END;");
    assert_eq!(r.language, "plpgsql");
    assert_eq!(r.volatility, Volatility::Stable);
    assert_eq!(r.parallel, Parallel::Safe);
    assert!(r.strict && r.security_definer && !r.procedure);
    assert_eq!(r.cost, Some(10.0));
    assert_eq!(
        r.settings.keys().collect::<Vec<_>>(),
        vec!["search_path", "work_mem"]
    );
}

#[test]
fn a_missing_body_file_names_the_key() {
    let e = error(&function(
        "returns: text\nlanguage: sql\nbody_file: sql/missing.sql",
    ));
    assert!(
        e.contains("schemas.s.functions.f.body_file: cannot read `/nonexistent/sql/missing.sql`"),
        "{e}"
    );
    assert!(
        e.contains("resolved against the spec file's directory"),
        "{e}"
    );
}

#[test]
fn a_function_without_body_is_adopted_and_definition_keys_need_one() {
    let spec = parse_in(&function(""), Path::new("/")).unwrap();
    assert!(!spec.schemas["s"].objects[&(ObjectKind::Function, "f".to_string())].has_definition());
    let e = error(&function("returns: text\nlanguage: sql"));
    assert!(
        e.contains("schemas.s.functions.f.returns: `returns`, `language` describes a definition, which needs `body` or `body_file`"),
        "{e}"
    );
    let e = error(&function(
        "body: select 1\nbody_file: f.sql\nreturns: int\nlanguage: sql",
    ));
    assert!(e.contains("both `body` and `body_file` are given"), "{e}");
    let e = error(&function("body: select 1"));
    assert!(
        e.contains("f.language: a function with a body needs its `language`"),
        "{e}"
    );
    assert!(
        e.contains("f.returns: a function with a body needs `returns`"),
        "{e}"
    );
}

#[test]
fn procedures_take_no_function_attributes() {
    let e = error(&function(
        "kind: procedure\nreturns: int\nvolatility: stable\nlanguage: sql\nbody: select 1",
    ));
    assert!(e.contains("f.returns: a procedure returns nothing"), "{e}");
    assert!(
        e.contains("f.volatility: a procedure has no `volatility`"),
        "{e}"
    );
    let spec = parse_in(
        &function("kind: procedure\nlanguage: sql\nbody: select 1"),
        Path::new("/"),
    )
    .unwrap();
    let f = &spec.schemas["s"].objects[&(ObjectKind::Function, "f".to_string())];
    assert!(f.routine.as_ref().unwrap().procedure);
}

#[test]
fn rows_only_for_set_returning_functions() {
    let e = error(&function(
        "returns: int\nlanguage: sql\nbody: select 1\nrows: 5",
    ));
    assert!(
        e.contains("`rows` applies only to a function returning a set"),
        "{e}"
    );
    parse_in(
        &function("returns: SETOF int\nlanguage: sql\nbody: select 1\nrows: 5"),
        Path::new("/"),
    )
    .unwrap();
}

#[test]
fn security_definer_needs_a_pinned_search_path_ending_with_pg_temp() {
    let body = "returns: int\nlanguage: sql\nbody: select 1\nsecurity: definer\n";
    let e = error(&function(body));
    assert!(e.starts_with("provision.yaml:"), "{e}");
    assert!(
        e.contains("schemas.s.functions.f.security: a SECURITY DEFINER function needs a pinned `search_path`"),
        "{e}"
    );
    assert!(
        e.contains("search_path: [pg_catalog, public, pg_temp]"),
        "{e}"
    );

    let e = error(&function(&format!("{body}search_path: [pg_temp, public]")));
    assert!(
        e.contains("f.search_path: the `search_path` of a SECURITY DEFINER function must end with `pg_temp`"),
        "{e}"
    );
    assert!(e.contains("`[public, pg_temp]`"), "{e}");

    let e = error(&function(&format!("{body}search_path: [$user, pg_temp]")));
    assert!(e.contains("contains `$user`"), "{e}");

    let e = error(&function(&format!("{body}set: {{ search_path: '' }}")));
    assert!(
        e.contains("f.set.search_path: the `search_path` of a SECURITY DEFINER function is empty"),
        "{e}"
    );

    let e = error(&function(&format!("{body}search_path: []")));
    assert!(e.contains("is empty"), "{e}");

    parse_in(
        &function(&format!("{body}set: {{ search_path: [app, pg_temp] }}")),
        Path::new("/"),
    )
    .unwrap();
    // An invoker function may leave it to the caller.
    parse_in(
        &function("returns: int\nlanguage: sql\nbody: select 1"),
        Path::new("/"),
    )
    .unwrap();
}

#[test]
fn views_with_queries_and_options() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("v.sql"), "select 1 as one;\n").unwrap();
    let spec = parse_in(
        "version: 1\nschemas:\n  s:\n    views:\n      a: { query_file: v.sql, check_option: CASCADED, columns: [uno] }\n      b: { query: 'select 2 ;  ', security_barrier: true, security_invoker: true }\n      c: {}\n",
        dir.path(),
    )
    .unwrap();
    let objects = &spec.schemas["s"].objects;
    let a = objects[&(ObjectKind::View, "a".to_string())]
        .view
        .as_ref()
        .unwrap();
    assert_eq!(a.query, "select 1 as one");
    assert_eq!(a.check_option, Some(CheckOption::Cascaded));
    assert_eq!(a.columns, vec!["uno"]);
    let b = objects[&(ObjectKind::View, "b".to_string())]
        .view
        .as_ref()
        .unwrap();
    assert_eq!(b.query, "select 2");
    assert!(b.security_barrier && b.security_invoker);
    assert!(!objects[&(ObjectKind::View, "c".to_string())].has_definition());

    let e = error("version: 1\nschemas:\n  s:\n    views:\n      v: { security_barrier: true }\n");
    assert!(
        e.contains("schemas.s.views.v.security_barrier: `security_barrier` describes a definition, which needs `query` or `query_file`"),
        "{e}"
    );
    let e = error(
        "version: 1\nschemas:\n  s:\n    views:\n      v: { query: select 1, check_option: always }\n",
    );
    assert!(
        e.contains("views.v.check_option: `always` is not a check option"),
        "{e}"
    );
    let e = error("version: 1\nschemas:\n  s:\n    views:\n      v: { query: ' ; ' }\n");
    assert!(e.contains("views.v.query"), "{e}");
}

#[test]
fn name_lets_two_keys_declare_overloads_and_is_checked_like_any_name() {
    let spec = parse_in(
        "version: 1\nschemas:\n  s:\n    functions:\n      area_circle: { name: area, args: \"r integer\" }\n      area_rect: { name: area, args: \"w numeric, h numeric\" }\n",
        Path::new("/nonexistent"),
    )
    .unwrap();
    let objects = &spec.schemas["s"].objects;
    for key in ["area_circle", "area_rect"] {
        assert_eq!(
            objects[&(ObjectKind::Function, key.to_string())].name,
            "area"
        );
    }
    let e = error(&format!(
        "version: 1\nschemas:\n  s:\n    functions:\n      f: {{ name: \"{}\", args: \"\" }}\n",
        "x".repeat(64)
    ));
    assert!(e.contains("schemas.s.functions.f.name"), "{e}");
}

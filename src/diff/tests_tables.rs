//! diff unit tests for table and sequence definitions and seed rows (tables
//! slice), on hand-built catalogs with hand-written probe answers.

use super::test_support::sql;
use super::tests::{catalog, spec};
use super::*;
use crate::catalog::tables::{ColumnState, ConstraintState, TableShape};
use crate::change::Class;

const NEW: &str = r#"version: 1
external_roles: [postgres]
roles: { chatbot_user: {} }
schemas:
  public:
    tables:
      notes:
        columns:
          - { name: id, type: serial, primary_key: true }
          - { name: author, type: int, references: authors(id) }
        seed: { key: [id], rows: [{ id: 5, author: 1 }] }
      authors:
        columns:
          - { name: id, type: int, primary_key: true }
          - { name: name, type: text, comment: shown }
        seed: { key: [id], rows: [{ id: 1, name: ann }] }
"#;

#[test]
fn missing_tables_are_created_then_linked_then_seeded_in_fk_order() {
    let d = diff(&spec(NEW), &catalog());
    assert!(d.refusals.is_empty(), "{:?}", d.refusals);
    let created: Vec<String> = d
        .changes
        .iter()
        .filter_map(|c| c.statement.created())
        .map(|n| n.to_string())
        .collect();
    assert_eq!(
        created,
        ["public.notes_id_seq", "public.authors", "public.notes"]
    );
    // In plan order: phases sorted, the diff's order kept inside each phase.
    let plan = crate::plan::build(d, false);
    let all: Vec<String> = plan
        .changes
        .iter()
        .map(|c| c.statement.render().to_string())
        .collect();
    let tables: Vec<&String> = all
        .iter()
        .filter(|s| !s.starts_with("GRANT") && !s.starts_with("ALTER DEFAULT"))
        .collect();
    assert_eq!(
        tables,
        [
            r#"CREATE SEQUENCE "public"."notes_id_seq" AS integer"#,
            r#"CREATE TABLE "public"."authors" (
  "id" int NOT NULL,
  "name" text,
  CONSTRAINT "authors_pkey" PRIMARY KEY ("id")
)"#,
            r#"CREATE TABLE "public"."notes" (
  "id" integer DEFAULT nextval('"public"."notes_id_seq"'::regclass) NOT NULL,
  "author" int,
  CONSTRAINT "notes_pkey" PRIMARY KEY ("id")
)"#,
            r#"ALTER TABLE "public"."notes" ADD CONSTRAINT "notes_author_fkey" FOREIGN KEY ("author") REFERENCES "public"."authors" ("id")"#,
            r#"ALTER SEQUENCE "public"."notes_id_seq" OWNED BY "public"."notes"."id""#,
            r#"INSERT INTO "public"."authors" ("id", "name") VALUES ('1', 'ann')"#,
            r#"INSERT INTO "public"."notes" ("id", "author") VALUES ('5', '1')"#,
            r#"SELECT pg_catalog.setval(x.seq, x.max) FROM (SELECT pg_catalog.pg_get_serial_sequence('"public"."notes"', 'id')::regclass AS seq, (SELECT max("id") FROM "public"."notes") AS max) x WHERE x.max > coalesce(pg_catalog.pg_sequence_last_value(x.seq), 0)"#,
            r#"COMMENT ON COLUMN "public"."authors"."name" IS 'shown'"#,
        ]
        .map(String::from)
        .iter()
        .collect::<Vec<_>>()
    );
}

fn column(name: &str, ty: &str) -> ColumnState {
    ColumnState {
        name: name.into(),
        type_: ty.into(),
        ..ColumnState::default()
    }
}

const EXISTING: &str = r#"version: 1
external_roles: [postgres]
roles: { chatbot_user: {} }
schemas:
  public:
    tables:
      items:
        columns:
          - { name: id, type: int, primary_key: true }
          - { name: name, type: text, not_null: true }
          - { name: qty, type: int, default: 0, not_null: true }
          - { name: added, type: date, not_null: true }
        seed:
          key: [id]
          update: true
          rows: [{ id: 1, name: a }, { id: 2, name: b }, { id: 3, name: c }]
"#;

fn existing_catalog(shadow_name_type: &str) -> Catalog {
    let mut c = catalog();
    let mut id = column("id", "integer");
    id.not_null = true;
    let mut qty = column("qty", "integer");
    qty.default = Some("1".into());
    let live = TableShape {
        columns: vec![id, column("name", "text"), qty, column("legacy", "text")],
        constraints: vec![ConstraintState {
            name: "items_pkey".into(),
            type_: "p".into(),
            columns: vec!["id".into()],
            definition: "PRIMARY KEY (id)".into(),
            ..ConstraintState::default()
        }],
        indexes: Vec::new(),
    };
    c.tables
        .insert(("public".into(), "items".into()), live.clone());
    let mut shadow = live;
    shadow.columns.retain(|c| c.name != "legacy");
    shadow.columns[1].type_ = shadow_name_type.into();
    shadow.columns[2].default = Some("0".into());
    c.canonical.insert(
        "table:public.items".into(),
        serde_json::json!({ "columns": shadow.columns.iter().map(|c| serde_json::json!({
            "name": c.name, "type": c.type_, "not_null": false, "default": c.default,
            "identity": "", "generated": "", "sequence": null, "comment": null })).collect::<Vec<_>>(),
            "constraints": [], "indexes": [] })
        .to_string().into(),
    );
    c.canonical.insert(
        "table-nulls:public.items".into(),
        r#"{"rows": 3, "name": 0, "qty": 2}"#.into(),
    );
    c.canonical.insert(
        "seed:public.items".into(),
        r#"{"rows": [[0, true, true], [1, true, false], [2, false, false]], "sequences": {}}"#
            .into(),
    );
    c
}

#[test]
fn existing_table_gains_columns_defaults_not_null_where_no_row_is_null() {
    let d = diff(&spec(EXISTING), &existing_catalog("text"));
    let reasons: Vec<&str> = d.refusals.iter().map(|r| r.reason.as_str()).collect();
    assert_eq!(
        reasons,
        [
            "2 row(s) have NULL in column `qty`, so it cannot be made NOT NULL",
            "column `added` is NOT NULL without a default, and the table has 3 row(s)",
        ]
    );
    let changes: Vec<String> = sql(&d, Class::Converge)
        .into_iter()
        .filter(|s| !s.starts_with("GRANT") && !s.starts_with("ALTER DEFAULT"))
        .collect();
    assert_eq!(
        changes,
        [
            r#"ALTER TABLE "public"."items" ALTER COLUMN "name" SET NOT NULL"#,
            r#"ALTER TABLE "public"."items" ALTER COLUMN "qty" SET DEFAULT 0"#,
            r#"INSERT INTO "public"."items" ("id", "name") VALUES ('3', 'c')"#,
            r#"UPDATE "public"."items" SET "name" = 'b' WHERE "id" = '2'"#,
        ]
    );
    assert_eq!(
        sql(&d, Class::Notice),
        [
            r#"-- column "legacy" of "public"."items" is not declared; pg-provision never drops a column"#
        ]
    );
}

#[test]
fn a_type_change_is_refused() {
    let d = diff(&spec(EXISTING), &existing_catalog("character varying(10)"));
    assert!(
        d.refusals.iter().any(|r| r.reason
            == "column `name` is `text`; making it `character varying(10)` would rewrite data"),
        "{:?}",
        d.refusals
    );
    assert!(
        !sql(&d, Class::Converge)
            .iter()
            .any(|s| s.contains("\"name\" SET NOT NULL")),
        "a refused column gets nothing else"
    );
}

#[test]
fn a_sequence_behind_seeded_ids_is_moved_once() {
    let mut c = existing_catalog("text");
    let mut id = c.tables[&("public".to_string(), "items".to_string())].clone();
    id.columns[0].sequence = Some(("public".into(), "items_id_seq".into()));
    c.tables.insert(("public".into(), "items".into()), id);
    let answer = |seq: &str| {
        format!(
            r#"{{"rows": [[0, true, true], [1, true, true], [2, true, true]], "sequences": {{"id": {seq}}}}}"#
        )
    };
    c.canonical
        .insert("seed:public.items".into(), answer("[3, 1]").into());
    let d = diff(&spec(EXISTING), &c);
    assert!(
        sql(&d, Class::Converge)
            .iter()
            .any(|s| s.starts_with("SELECT pg_catalog.setval") && s.ends_with(", 1)")),
        "{:?}",
        sql(&d, Class::Converge)
    );
    c.canonical
        .insert("seed:public.items".into(), answer("[3, 3]").into());
    let d = diff(&spec(EXISTING), &c);
    assert!(
        !sql(&d, Class::Converge)
            .iter()
            .any(|s| s.contains("setval"))
    );
}

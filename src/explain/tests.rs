//! `explain` end to end without a database: a hand-built landscape through
//! [`super::explain`] to the human table (pinned exactly) and to JSON.

use super::landscape::{
    Acl, AclEntry, Column, DefaultAcl, Grantee, Kind, Landscape, MembershipRow, NextvalDefault,
    Object, Origin, Policy, RoleFacts, RowSecurity,
};
use super::{explain, render};
use crate::privilege::{ObjectKind, Privilege};
use crate::spec::security::PolicyCommand;

fn entry(grantee: &str, grantor: &str, privilege: Privilege, grantable: bool) -> AclEntry {
    AclEntry {
        grantee: Grantee::parse(grantee),
        grantor: Some(grantor.into()),
        privilege,
        grantable,
    }
}

fn owned(kind: Kind, schema: Option<&str>, name: &str, owner: &str, major: u32) -> Object {
    let mut o = Object::new(kind, schema, name);
    o.owner = Some(owner.into());
    o.acl = Acl {
        entries: kind
            .privilege_kind()
            .all_privileges(major)
            .iter()
            .map(|&p| entry(owner, owner, p, false))
            .collect(),
        builtin: false,
    };
    o
}

fn role(name: &str, login: bool, inherit: bool) -> RoleFacts {
    RoleFacts {
        name: name.into(),
        known: true,
        superuser: false,
        login,
        inherit,
        bypassrls: false,
    }
}

fn member(member: &str, role: &str) -> MembershipRow {
    MembershipRow {
        role: role.into(),
        member: member.into(),
        grantor: Some("postgres".into()),
        admin: false,
        inherit_option: None,
        set_option: None,
    }
}

/// A shop on PostgreSQL 15: `web` (LOGIN) → `app_rw` → `app_ro`, and
/// `batch` (NOINHERIT) → `app_rw`.
fn shop() -> Landscape {
    let major = 15;
    let mut database = owned(Kind::Database, None, "shop", "postgres", major);
    database
        .acl
        .entries
        .push(entry("web", "postgres", Privilege::Connect, false));
    let mut app = owned(Kind::Schema, None, "app", "app_owner", major);
    app.acl
        .entries
        .push(entry("app_ro", "app_owner", Privilege::Usage, false));
    let mut hidden = owned(Kind::Schema, None, "hidden", "app_owner", major);
    hidden.acl.builtin = false;

    let mut orders = owned(Kind::Table, Some("app"), "orders", "app_owner", major);
    orders.acl.entries.extend([
        entry("app_ro", "app_owner", Privilege::Select, false),
        entry("app_rw", "app_owner", Privilege::Insert, true),
    ]);
    orders.columns = Some(vec![
        Column {
            name: "id".into(),
            acl: Vec::new(),
        },
        Column {
            name: "note".into(),
            acl: vec![entry("app_rw", "app_owner", Privilege::Update, false)],
        },
    ]);
    orders.row_security = Some(RowSecurity {
        enabled: true,
        forced: false,
        policies: vec![Policy {
            name: "orders_read".into(),
            command: PolicyCommand::Select,
            permissive: true,
            roles: vec![Grantee::Role("app_ro".into())],
            using: Some("true".into()),
            with_check: None,
        }],
    });
    orders.nextval_defaults = vec![NextvalDefault {
        column: "id".into(),
        schema: "app".into(),
        sequence: "orders_id_seq".into(),
    }];
    let seq = owned(
        Kind::Sequence,
        Some("app"),
        "orders_id_seq",
        "app_owner",
        major,
    );
    let mut total = owned(Kind::Function, Some("app"), "total", "app_owner", major);
    total.args = Some(String::new());
    total.acl.builtin = true;
    total
        .acl
        .entries
        .push(entry("PUBLIC", "app_owner", Privilege::Execute, false));
    let mut audit = owned(Kind::Table, Some("hidden"), "audit", "app_owner", major);
    audit
        .acl
        .entries
        .push(entry("app_rw", "app_owner", Privilege::Update, false));

    Landscape {
        origin: Origin::Live,
        major,
        roles: [
            role("postgres", true, true),
            role("app_owner", false, true),
            role("app_ro", false, true),
            role("app_rw", false, true),
            role("web", true, true),
            role("batch", true, false),
        ]
        .into_iter()
        .map(|r| (r.name.clone(), r))
        .collect(),
        memberships: vec![
            member("app_rw", "app_ro"),
            member("web", "app_rw"),
            member("batch", "app_rw"),
        ],
        database,
        schemas: vec![app, hidden],
        objects: vec![orders, seq, total, audit],
        default_acls: vec![
            DefaultAcl {
                creator: "app_owner".into(),
                schema: Some("app".into()),
                kind: ObjectKind::Table,
                entries: vec![entry("app_ro", "app_owner", Privilege::Select, false)],
            },
            DefaultAcl {
                creator: "app_owner".into(),
                schema: None,
                kind: ObjectKind::Function,
                entries: vec![entry("app_owner", "app_owner", Privilege::Execute, false)],
            },
        ],
        notes: Vec::new(),
    }
}

#[test]
fn the_human_table_is_pinned() {
    let report = explain(&shop(), "web", None, &[]).unwrap();
    let expected = "\
explain `web` in database `shop` (PostgreSQL 15, live catalog)
role `web`: LOGIN INHERIT
has the privileges of: app_ro (web → app_rw → app_ro), app_rw (web → app_rw)

OBJECT                      OWNER      PRIVILEGES                                           WHY
database shop               postgres   CONNECT                                              granted by postgres
                                       no CREATE TEMPORARY                                  not granted
schema app                  app_owner  USAGE                                                granted to app_ro by app_owner (web → app_rw → app_ro)
                                       no CREATE                                            not granted
schema hidden               app_owner  none                                                 not granted
table app.orders            app_owner  SELECT                                               granted to app_ro by app_owner (web → app_rw → app_ro)
                                       INSERT                                               granted to app_rw by app_owner with grant option (web → app_rw)
                                       no UPDATE DELETE TRUNCATE REFERENCES TRIGGER         not granted
  column note                          UPDATE                                               granted to app_rw by app_owner (web → app_rw)
  row security                         applies                                              policies decide which rows
                                       SELECT                                               policy orders_read
                                       INSERT UPDATE DELETE                                 no permissive policy: no rows
sequence app.orders_id_seq  app_owner  none                                                 not granted
function app.total()        app_owner  EXECUTE                                              PUBLIC (built-in default)
table hidden.audit          app_owner  UPDATE                                               granted to app_rw by app_owner (web → app_rw)
                                       no SELECT INSERT DELETE TRUNCATE REFERENCES TRIGGER  not granted

objects created later (default privileges)
CREATED BY  IN SCHEMA  ON         PRIVILEGES  WHY
app_owner   (any)      functions  none        not granted: its global default privileges replace PostgreSQL's (PUBLIC's EXECUTE is gone)
app_owner   app        tables     SELECT      granted to app_ro by app_owner (web → app_rw → app_ro)

gaps
  schema hidden: `web` holds privileges on 1 object(s) in schema `hidden` but has no USAGE on the schema, so it cannot reach them: table hidden.audit
  table app.orders: INSERT into `orders` without a value for `id` fails: its default calls nextval(`app.orders_id_seq`), and `web` has neither USAGE nor UPDATE on that sequence
  table app.orders: row-level security on `orders` applies to `web` and no permissive policy for it allows INSERT: every row it inserts is refused
  table hidden.audit: `web` may UPDATE `audit` but not SELECT from it: a WHERE clause or RETURNING that reads a column fails
";
    let text = render::render(&report);
    assert_eq!(text, expected, "\n{text}");
}

#[test]
fn a_noinherit_member_is_told_why_not_and_what_set_role_would_give() {
    let report = explain(&shop(), "batch", Some("app.orders"), &[]).unwrap();
    let text = render::render(&report);
    assert!(text.starts_with(
        "explain `batch` in database `shop` (PostgreSQL 15, live catalog)
role `batch`: LOGIN NOINHERIT
member without inheriting: app_ro (batch → app_rw → app_ro: batch is NOINHERIT; SET ROLE allowed), app_rw (batch → app_rw: batch is NOINHERIT; SET ROLE allowed)
"
    ), "{text}");
    let select = text.lines().find(|l| l.contains("no SELECT")).unwrap();
    assert!(
        select.ends_with(
            "  granted to app_ro by app_owner, not inherited (batch → app_rw → app_ro): batch is NOINHERIT; SET ROLE app_ro gives it"
        ),
        "{text}"
    );
    // Only the table was asked for: no database, schemas, defaults or
    // gaps about other objects.
    assert_eq!(report.objects.len(), 1);
    assert!(report.default_privileges.is_empty());
    assert!(report.gaps.iter().all(|g| g.object == "table app.orders"));
}

#[test]
fn json_carries_every_privilege_with_its_sources() {
    let report = explain(&shop(), "web", Some("app.orders.note"), &[]).unwrap();
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["role"], "web");
    assert_eq!(json["from"], "live");
    let orders = &json["objects"][0];
    assert_eq!(orders["kind"], "table");
    assert_eq!(orders["owner"], "app_owner");
    assert_eq!(orders["privileges"].as_array().unwrap().len(), 7);
    let insert = &orders["privileges"][1];
    assert_eq!(insert["privilege"], "INSERT");
    assert_eq!(insert["held"], true);
    assert_eq!(insert["grantable"], true);
    assert_eq!(insert["sources"][0]["from"], "grant");
    assert_eq!(insert["sources"][0]["grantee"], "app_rw");
    assert_eq!(insert["sources"][0]["path"][0]["role"], "app_rw");
    // One column asked for: only it.
    let columns = orders["columns"].as_array().unwrap();
    assert_eq!(columns.len(), 1);
    assert_eq!(columns[0]["name"], "note");
    assert_eq!(columns[0]["privileges"][2]["privilege"], "UPDATE");
    assert_eq!(columns[0]["privileges"][0]["sources"][0]["from"], "table");
    assert_eq!(orders["row_security"]["applies"], true);
    assert_eq!(
        orders["row_security"]["commands"][0]["permissive"][0],
        "orders_read"
    );
}

#[test]
fn a_superuser_holds_everything_and_has_no_gaps() {
    let mut world = shop();
    world.roles.get_mut("postgres").unwrap().superuser = true;
    let report = explain(&world, "postgres", None, &[]).unwrap();
    assert!(
        report
            .objects
            .iter()
            .all(|o| o.privileges.iter().all(|a| a.held && a.grantable))
    );
    assert!(report.gaps.is_empty());
    let orders = report.objects.iter().find(|o| o.name == "orders").unwrap();
    assert_eq!(
        orders.row_security.as_ref().unwrap().reason,
        super::rls::Reason::Superuser
    );
}

#[test]
fn unknown_roles_objects_and_schemas_are_usage_errors_with_hints() {
    let world = shop();
    let e = explain(&world, "nobody", None, &[]).unwrap_err();
    assert!(
        e.starts_with("role `nobody` does not exist\n  hint: "),
        "{e}"
    );
    let e = explain(&world, "web", Some("app.nothing"), &[]).unwrap_err();
    assert!(
        e.starts_with("nothing named `app.nothing` in scope\n  hint: "),
        "{e}"
    );
    let e = explain(&world, "web", Some("app.total(integer)"), &[]).unwrap_err();
    assert!(e.contains("hint: it exists as `app.total()`"), "{e}");
    let e = explain(&world, "web", Some("app.orders.nope"), &[]).unwrap_err();
    assert!(e.contains("has no column `nope`"), "{e}");
    let e = explain(&world, "web", Some("nowhere"), &[]).unwrap_err();
    assert!(
        e.contains("neither a schema in scope nor the database"),
        "{e}"
    );
    let e = explain(&world, "web", None, &["nowhere".into()]).unwrap_err();
    assert!(e.starts_with("no schema `nowhere` in scope"), "{e}");
    // The database by name or by the word, a schema, a function with arguments.
    assert_eq!(
        explain(&world, "web", Some("shop"), &[])
            .unwrap()
            .objects
            .len(),
        1
    );
    assert_eq!(
        explain(&world, "web", Some("database"), &[])
            .unwrap()
            .objects
            .len(),
        1
    );
    assert_eq!(
        explain(&world, "web", Some("app"), &[])
            .unwrap()
            .objects
            .len(),
        4
    );
    assert_eq!(
        explain(&world, "web", Some("app.total()"), &[])
            .unwrap()
            .objects
            .len(),
        1
    );
    assert_eq!(
        explain(&world, "web", None, &["hidden".into()])
            .unwrap()
            .objects
            .len(),
        3
    );
}

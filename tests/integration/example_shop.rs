//! The audited shop, `provision/examples/audited-shop/provision.yaml` (story
//! 003 as a small shop): the same catalog as the hand-written SQL a careful
//! DBA would write, and the behaviour the application relies on — audit
//! columns stamped by the triggers pg-provision defined, an audit log the
//! logins can read but not write, row-level security per login, and
//! `shop.create_app_user` creating logins idempotently through `shop_owner`'s
//! CREATEROLE, after which `apply` and `check` still report nothing.

use crate::handwritten::{Example, rows};
use crate::support::cluster::Cluster;
use postgres::error::SqlState;
use postgres::{Client, NoTls};
use std::path::Path;

const DB: &str = "shop";
const RICHARD_PW: &str = "richard-Secret-1";
const ALICE_PW: &str = "alice-Secret-1";
const ENV: &[(&str, &str)] = &[
    ("SHOP_RICHARD_PASSWORD", RICHARD_PW),
    ("SHOP_ALICE_PASSWORD", ALICE_PW),
];

fn example() -> Example<'static> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    Example {
        spec: root.join("provision/examples/audited-shop/provision.yaml"),
        env: ENV,
        database: DB,
        before: None,
        handwritten: root.join("tests/fixtures/examples/audited-shop/handwritten.sql"),
    }
}

/// Logs in over TCP as an application login would.
fn login(cluster: &Cluster, user: &str, password: &str) -> Client {
    Client::connect(&cluster.url(user, password, DB), NoTls)
        .unwrap_or_else(|e| panic!("{user} logs in: {e}"))
}

/// Runs `sql` and expects SQLSTATE `code`.
fn expect_error(client: &mut Client, sql: &str, code: &SqlState) {
    let e = client
        .batch_execute(sql)
        .expect_err(&format!("{sql} must fail"));
    assert_eq!(e.code(), Some(code), "{sql}: {e:?}");
}

fn one_text(client: &mut Client, sql: &str) -> String {
    client
        .query_one(sql, &[])
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .get(0)
}

fn one_i64(client: &mut Client, sql: &str) -> i64 {
    client
        .query_one(sql, &[])
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .get(0)
}

/// `apply` executes nothing and changes no row; `check` is in sync.
fn assert_in_sync(example: &Example, cluster: &Cluster, when: &str) {
    let tables = ["shop.products", "shop.orders", "shop.audit_log"];
    let before = rows(cluster, DB, &tables);
    let apply = example.run(cluster, &["apply", "--output", "json"]);
    assert_eq!(apply.code, 0, "{when}: {apply:?}");
    assert_eq!(apply.json()["executed"], 0, "{when}: {apply:?}");
    assert_eq!(
        rows(cluster, DB, &tables),
        before,
        "{when}: apply changed rows"
    );
    let check = example.run(cluster, &["check"]);
    assert_eq!(check.code, 0, "{when}: {check:?}");
}

/// The acceptance shape (same catalog as the hand-written SQL, idempotent,
/// in sync both ways), then the application's view of both databases: the
/// one pg-provision built and the one the hand-written SQL built behave alike.
#[test]
fn audited_shop_matches_the_handwritten_sql_and_behaves() {
    let example = example();
    let built = example.assert_matches_handwritten();
    // pg-provision seeded the products as the role it connects as; the DBA
    // as shop_owner (SET ROLE).
    behaves(&example, &built.tool, built.tool.superuser());
    behaves(&example, &built.dba, "shop_owner");
}

/// What the application relies on, probed as the application would: logins
/// over TCP. `seeded_by` is the role that inserted the seed rows.
fn behaves(example: &Example, cluster: &Cluster, seeded_by: &str) {
    let mut admin = cluster.client(DB);

    // --- richard orders: the BEFORE trigger stamps him, whatever he writes.
    let mut richard = login(cluster, "richard", RICHARD_PW);
    let row = richard
        .query_one(
            "INSERT INTO shop.orders (product_id, quantity, created_by, updated_by)
             SELECT product_id, 2, 'alice', 'alice' FROM shop.products WHERE sku = 'TEA-01'
             RETURNING order_id, created_by, updated_by",
            &[],
        )
        .expect("richard inserts an order");
    let order: i64 = row.get(0);
    assert_eq!(row.get::<_, String>(1), "richard");
    assert_eq!(row.get::<_, String>(2), "richard");
    // An update cannot rewrite who created the row.
    let row = richard
        .query_one(
            "UPDATE shop.orders SET quantity = 3, created_by = 'alice' WHERE order_id = $1
             RETURNING created_by, updated_by, quantity",
            &[&order],
        )
        .expect("richard updates his order");
    assert_eq!(row.get::<_, String>(0), "richard");
    assert_eq!(row.get::<_, String>(1), "richard");
    assert_eq!(row.get::<_, i32>(2), 3);

    // --- alice: RLS hides richard's order from her and she cannot change it.
    let mut alice = login(cluster, "alice", ALICE_PW);
    assert_eq!(one_i64(&mut alice, "SELECT count(*) FROM shop.orders"), 0);
    let updated = alice
        .execute(
            "UPDATE shop.orders SET quantity = 9 WHERE order_id = $1",
            &[&order],
        )
        .unwrap();
    assert_eq!(updated, 0, "RLS: alice updates only her own orders");
    // Products have no RLS: alice changes a price; the row keeps its creator
    // (the role that seeded it) and records her as updater.
    let row = alice
        .query_one(
            "UPDATE shop.products SET price_cents = 500 WHERE sku = 'TEA-01'
             RETURNING created_by, updated_by",
            &[],
        )
        .expect("alice updates a product");
    assert_eq!(row.get::<_, String>(0), seeded_by);
    assert_eq!(row.get::<_, String>(1), "alice");
    // Her own order is hers.
    let stamped = one_text(
        &mut alice,
        "INSERT INTO shop.orders (product_id) SELECT product_id FROM shop.products WHERE sku = 'MUG-01' RETURNING created_by",
    );
    assert_eq!(stamped, "alice");
    assert_eq!(one_i64(&mut alice, "SELECT count(*) FROM shop.orders"), 1);

    // --- the audit log: written by the SECURITY DEFINER trigger with the
    // login's name; each login reads only its own changes.
    let log = one_text(
        &mut admin,
        "SELECT string_agg(format('%s %s %s', table_name, operation, changed_by), ', ' ORDER BY id)
         FROM shop.audit_log WHERE changed_by <> current_user",
    );
    assert_eq!(
        log,
        "orders INSERT richard, orders UPDATE richard, products UPDATE alice, orders INSERT alice"
    );
    assert_eq!(
        one_text(
            &mut admin,
            "SELECT row_data->>'created_by' FROM shop.audit_log WHERE table_name = 'orders' ORDER BY id LIMIT 1"
        ),
        "richard"
    );
    assert_eq!(
        one_text(
            &mut richard,
            "SELECT string_agg(DISTINCT changed_by, ',') FROM shop.audit_log"
        ),
        "richard"
    );
    assert_eq!(
        one_i64(&mut richard, "SELECT count(*) FROM shop.audit_log"),
        2
    );
    assert_eq!(
        one_i64(&mut alice, "SELECT count(*) FROM shop.audit_log"),
        2
    );

    // --- what the logins may not do.
    for denied in [
        "INSERT INTO shop.audit_log (table_name, operation) VALUES ('orders', 'DELETE')",
        "UPDATE shop.audit_log SET changed_by = 'alice'",
        "DELETE FROM shop.audit_log",
        "DELETE FROM shop.orders",
        "SELECT shop.create_app_user('eve', 'eve-password-1')",
        "CREATE TABLE shop.mine (x int)",
        "CREATE TEMP TABLE mine (x int)",
    ] {
        expect_error(&mut richard, denied, &SqlState::INSUFFICIENT_PRIVILEGE);
    }
    // The trigger functions cannot be called directly either.
    expect_error(
        &mut richard,
        "SELECT shop.audit_event()",
        &SqlState::INSUFFICIENT_PRIVILEGE,
    );

    // --- the migration runner (the superuser) creates a login, twice: the
    // second call rotates the password instead of failing.
    admin
        .batch_execute("SELECT shop.create_app_user('bob', 'bob-pw-1')")
        .expect("create bob");
    admin
        .batch_execute("SELECT shop.create_app_user('bob', 'bob-pw-2-new')")
        .expect("create bob again, with a new password");
    let Err(e) = Client::connect(&cluster.url("bob", "bob-pw-1", DB), NoTls) else {
        panic!("the old password still works");
    };
    assert_eq!(e.code(), Some(&SqlState::INVALID_PASSWORD), "{e:?}");
    let mut bob = login(cluster, "bob", "bob-pw-2-new");
    assert_eq!(
        one_text(
            &mut admin,
            "SELECT string_agg(g.rolname || ' admin=' || m.admin_option, ',')
             FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
             WHERE m.member = 'bob'::regrole"
        ),
        "shop_user admin=false"
    );
    let stamped = one_text(
        &mut bob,
        "INSERT INTO shop.orders (product_id) SELECT product_id FROM shop.products WHERE sku = 'TEA-02' RETURNING created_by",
    );
    assert_eq!(stamped, "bob");
    assert_eq!(one_i64(&mut bob, "SELECT count(*) FROM shop.orders"), 1);
    expect_error(
        &mut bob,
        "SELECT shop.create_app_user('eve', 'eve-password-1')",
        &SqlState::INSUFFICIENT_PRIVILEGE,
    );

    // The helper touches application logins only, and checks its input.
    for (sql, code) in [
        (
            "SELECT shop.create_app_user('shop_owner', 'owner-pw-123')",
            &SqlState::INSUFFICIENT_PRIVILEGE,
        ),
        (
            "SELECT shop.create_app_user('postgres', 'super-pw-123')",
            &SqlState::INSUFFICIENT_PRIVILEGE,
        ),
        (
            "SELECT shop.create_app_user('Robert\"; DROP ROLE alice; --', 'robert-pw-1')",
            &SqlState::INVALID_PARAMETER_VALUE,
        ),
        (
            "SELECT shop.create_app_user('carol', 'short')",
            &SqlState::INVALID_PARAMETER_VALUE,
        ),
    ] {
        expect_error(&mut admin, sql, code);
    }
    assert_eq!(
        one_text(
            &mut admin,
            "SELECT rolcanlogin::text FROM pg_roles WHERE rolname = 'shop_owner'"
        ),
        "false"
    );

    // On 16+ the CREATE ROLE by shop_owner (not a superuser) also made
    // shop_owner an ADMIN member of bob: PostgreSQL's bookkeeping, so that
    // the creator may manage what it created. A membership in a role the spec
    // does not know is not drift (docs/spec.md, member_of).
    let creator_grant = one_text(
        &mut admin,
        "SELECT coalesce(string_agg(u.rolname || ' admin=' || m.admin_option, ','), 'none')
         FROM pg_auth_members m JOIN pg_roles u ON u.oid = m.member
         WHERE m.roleid = 'bob'::regrole",
    );
    if cluster.major() >= 16 {
        assert_eq!(creator_grant, "shop_owner admin=true");
        // With createrole_self_grant the creator also inherits from what it
        // creates; still a membership in an undeclared role.
        admin
            .batch_execute(
                "SET createrole_self_grant = 'set, inherit';
                 SELECT shop.create_app_user('carol', 'carol-pw-1');
                 RESET createrole_self_grant;",
            )
            .expect("create carol with createrole_self_grant");
        assert_eq!(
            one_text(
                &mut admin,
                "SELECT string_agg(format('%s admin=%s inherit=%s set=%s', u.rolname, m.admin_option, m.inherit_option, m.set_option), ',' ORDER BY m.admin_option)
                 FROM pg_auth_members m JOIN pg_roles u ON u.oid = m.member
                 WHERE m.roleid = 'carol'::regrole"
            ),
            "shop_owner admin=f inherit=t set=t,shop_owner admin=t inherit=f set=f"
        );
    } else {
        assert_eq!(creator_grant, "none");
    }

    // --- pg-provision again: nothing to do, in sync; the rows the
    // application wrote are untouched (seeds only insert missing keys).
    assert_in_sync(example, cluster, "after create_app_user");
    // Nor would --prune touch the logins made at run time or their grants.
    let prune = example.run(cluster, &["plan", "--prune", "--output", "json"]);
    assert_eq!(prune.code, 0, "{prune:?}");
    let plan = prune.json();
    assert_eq!(plan["changes"], serde_json::json!([]), "{prune:?}");
    assert_eq!(plan["extras"], serde_json::json!([]), "{prune:?}");
    assert_eq!(
        one_i64(
            &mut admin,
            "SELECT price_cents::bigint FROM shop.products WHERE sku = 'TEA-01'"
        ),
        500
    );
    assert_eq!(one_i64(&mut admin, "SELECT count(*) FROM shop.orders"), 3);
    // The declared logins keep their passwords; bob keeps his.
    login(cluster, "richard", RICHARD_PW);
    login(cluster, "bob", "bob-pw-2-new");

    // A declared login's password belongs to the spec. From 16 on the helper
    // cannot change it: shop_owner has ADMIN only on the roles it created.
    // Before 16, CREATEROLE may alter any non-superuser role: the change
    // goes through, `check` reports it and `apply` sets the spec's back.
    let sql = "SELECT shop.create_app_user('richard', 'richard-other-pw')";
    if cluster.major() >= 16 {
        expect_error(&mut admin, sql, &SqlState::INSUFFICIENT_PRIVILEGE);
    } else {
        admin.batch_execute(sql).expect("CREATEROLE before 16");
        let check = example.run(cluster, &["check"]);
        assert_eq!(check.code, 2, "{check:?}");
        assert!(check.all_output().contains("richard"), "{check:?}");
        let apply = example.run(cluster, &["apply"]);
        assert_eq!(apply.code, 0, "{apply:?}");
        assert_in_sync(example, cluster, "after restoring richard's password");
    }
    login(cluster, "richard", RICHARD_PW);
}

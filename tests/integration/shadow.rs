//! Canonicalising spec expressions through the server (catalog::shadow).

use crate::support::cluster::Cluster;
use pg_provision::catalog::shadow::{Probe, Scratch, Subject, probe};
use pg_provision::session::Session;

fn subject() -> Subject {
    Subject::Data {
        schema: "public".into(),
        table: "items".into(),
    }
}

#[test]
fn probes_return_server_canonical_text_and_leave_nothing_behind() {
    let cluster = Cluster::start();
    let mut client = cluster.client("postgres");
    client
        .batch_execute("CREATE TABLE items (id int, price numeric); BEGIN")
        .unwrap();
    let mut session = Session::new(client);
    let probes = vec![
        Probe {
            key: "check".into(),
            scratch: Some(Scratch {
                of: "public.items".into(),
                create: "CREATE TEMP TABLE probe_items (id int, price numeric)".into(),
                drop: "DROP TABLE pg_temp.probe_items".into(),
            }),
            setup: vec!["ALTER TABLE pg_temp.probe_items ADD CONSTRAINT c CHECK (price > 0)".into()],
            read: "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'c' AND conrelid = 'pg_temp.probe_items'::regclass".into(),
            question: Some("check".into()),
            subject: subject(),
        },
        Probe {
            key: "view".into(),
            scratch: None,
            setup: vec!["CREATE TEMP VIEW probe_v AS select id from items where price>0".into()],
            read: "SELECT pg_get_viewdef('pg_temp.probe_v'::regclass)".into(),
            question: Some("view".into()),
            subject: subject(),
        },
        Probe {
            key: "rows".into(),
            scratch: None,
            setup: Vec::new(),
            read: "SELECT count(*)::text FROM items".into(),
            question: None,
            subject: subject(),
        },
    ];
    let answers = probe(&mut session, &probes).expect("probes run");
    assert_eq!(answers["check"], "CHECK ((price > (0)::numeric))");
    assert!(
        // 16+ prints the column unqualified.
        answers["view"].contains("price > (0)::numeric)"),
        "{answers:?}"
    );
    assert_eq!(answers["rows"], "0");
    // Still in the caller's transaction, and the scratch objects are gone.
    let left = session
        .texts("SELECT count(*)::text FROM pg_class WHERE relname LIKE 'probe_%'")
        .unwrap();
    assert_eq!(left, vec![Some("0".to_string())]);
    assert_eq!(session.round_trips(), 2);
}

/// Regression: one scratch table per declared table in one transaction ran
/// out of shared memory near 2,000 tables. Savepoint chunks release their
/// locks, so far more probes than the lock table holds still run.
#[test]
fn more_probes_than_the_lock_table_holds_run_in_chunks() {
    let mut cluster = Cluster::start();
    cluster
        .client("postgres")
        .batch_execute("ALTER SYSTEM SET max_locks_per_transaction = 10")
        .unwrap();
    cluster.stop();
    cluster.start_again();
    let mut client = cluster.client("postgres");
    client.batch_execute("BEGIN").unwrap();
    let slots: i64 = client
        .query_one(
            "SELECT current_setting('max_locks_per_transaction')::bigint \
             * (current_setting('max_connections')::bigint + current_setting('max_prepared_transactions')::bigint)",
            &[],
        )
        .unwrap()
        .get(0);
    let mut session = Session::new(client);
    // Each probe's temporary table with a primary key holds several locks.
    let n = (slots as usize) * 2;
    let probes: Vec<Probe> = (0..n)
        .map(|i| Probe {
            key: format!("t{i}"),
            scratch: None,
            setup: vec![format!(
                "CREATE TEMP TABLE probe_{i} (id int PRIMARY KEY, note text)"
            )],
            read: format!("SELECT 'pg_temp.probe_{i}'::regclass::text").into(),
            question: Some(String::new()),
            subject: subject(),
        })
        .collect();
    let answers = probe(&mut session, &probes).expect("probes run despite the small lock table");
    assert_eq!(answers.len(), n);
    assert_eq!(answers["t7"], "probe_7");
}

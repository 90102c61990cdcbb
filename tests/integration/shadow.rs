//! Canonicalising spec expressions through the server (catalog::shadow).

use crate::support::cluster::Cluster;
use pg_provision::catalog::shadow::{Probe, probe};
use pg_provision::session::Session;

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
            setup: vec![
                "CREATE TEMP TABLE probe_items (LIKE public.items)".into(),
                "ALTER TABLE pg_temp.probe_items ADD CONSTRAINT c CHECK (price > 0)".into(),
            ],
            read: "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'c' AND conrelid = 'pg_temp.probe_items'::regclass".into(),
        },
        Probe {
            key: "view".into(),
            setup: vec!["CREATE TEMP VIEW probe_v AS select id from items where price>0".into()],
            read: "SELECT pg_get_viewdef('pg_temp.probe_v'::regclass)".into(),
        },
    ];
    let answers = probe(&mut session, &probes).expect("probes run");
    assert_eq!(answers["check"], "CHECK ((price > (0)::numeric))");
    assert!(
        // 16+ prints the column unqualified.
        answers["view"].contains("price > (0)::numeric)"),
        "{answers:?}"
    );
    // Still in the caller's transaction, and the scratch objects are gone.
    let left = session
        .texts("SELECT count(*)::text FROM pg_class WHERE relname LIKE 'probe_%'")
        .unwrap();
    assert_eq!(left, vec![Some("0".to_string())]);
    assert_eq!(session.round_trips(), 2);
}

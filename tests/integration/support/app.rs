//! Queries against the database `app` most tests provision, as the superuser.

use super::cluster::Cluster;

/// The first column of every row of `sql`, as text.
pub fn query(cluster: &Cluster, sql: &str) -> Vec<String> {
    let mut client = cluster.client("app");
    client
        .query(sql, &[])
        .unwrap()
        .iter()
        .map(|r| r.get::<_, String>(0))
        .collect()
}

/// Runs `text` (several statements allowed) through psql; panics with its stderr.
pub fn sql(cluster: &Cluster, text: &str) {
    let out = cluster.psql("app", text);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

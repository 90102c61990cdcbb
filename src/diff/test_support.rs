//! Shared pieces of the diff's unit tests: a plain role and an empty catalog
//! that each test file builds on (`Catalog { …, ..empty_catalog(15) }`), so a
//! new catalog field is added here only.

use crate::catalog::{Catalog, DatabaseState, RoleState, Server};
use crate::privilege::Acl;
use std::collections::BTreeMap;

/// A role with `CREATE ROLE` defaults; `postgres` is a superuser.
pub(super) fn role(name: &str) -> RoleState {
    RoleState {
        name: name.into(),
        login: false,
        superuser: name == "postgres",
        createdb: false,
        createrole: false,
        inherit: true,
        replication: false,
        bypassrls: false,
        connection_limit: -1,
        valid_until: None,
        password: None,
        settings: None,
        comment: None,
    }
}

/// A server of `major` with database `app` owned by `postgres`, and nothing in it.
pub(super) fn empty_catalog(major: u32) -> Catalog {
    Catalog {
        server: Server {
            version_num: major * 10_000,
            current_user: "postgres".into(),
            superuser: true,
            database: "app".into(),
            authid_readable: true,
            max_locks_per_transaction: 64,
            max_connections: 100,
            max_prepared_transactions: 0,
            search_path: "{pg_catalog,public}".into(),
            temporary_allowed: true,
            create_allowed: true,
            memory: None,
            stamp: None,
        },
        roles: BTreeMap::from([("postgres".to_string(), role("postgres"))]),
        memberships: Vec::new(),
        database: DatabaseState {
            name: "app".into(),
            owner: "postgres".into(),
            acl: Acl::new(),
            settings: None,
            comment: None,
            connection_limit: -1,
            allow_connections: true,
        },
        schemas: BTreeMap::new(),
        extensions: BTreeMap::new(),
        available_extensions: BTreeMap::new(),
        canonical: BTreeMap::new(),
        relations: BTreeMap::new(),
        functions: Vec::new(),
        default_acls: Vec::new(),
        types: BTreeMap::new(),
        security: Default::default(),
        routine_definitions: Vec::new(),
        view_definitions: BTreeMap::new(),
        tables: BTreeMap::new(),
        sequences: BTreeMap::new(),
        table_oids: BTreeMap::new(),
        locked: Default::default(),
        memory: Default::default(),
        memory_current: false,
        uncompared: BTreeMap::new(),
        restricted: Default::default(),
        password_checks: BTreeMap::new(),
    }
}

/// The SQL of the changes of `class` in `d`, in order.
pub(super) fn sql(d: &super::Diff, class: crate::change::Class) -> Vec<String> {
    d.changes
        .iter()
        .filter(|c| c.class == class)
        .map(|c| c.statement.render().to_string())
        .collect()
}

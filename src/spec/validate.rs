//! Raw YAML values → the desired model, collecting every problem on the way.
//!
//! Pure apart from reading secrets (environment variables and files), which
//! must be present for a spec to be valid: a missing secret is caught here,
//! before anything connects.

use crate::privilege::{COLUMN_PRIVILEGES, ObjectKind, Privilege};
use crate::secret::{Secret, SecretSource};
use crate::spec::error::Issue;
use crate::spec::model::{
    ColumnGrant, Database, DefaultAction, DefaultPrivilege, Extension, Grant, Membership, Object,
    Origin, Revoke, Role, RoleAttributes, Schema, SchemaWideGrant, Setting, Spec, ValidUntil,
};
use crate::spec::path::YamlPath;
use crate::spec::raw::{
    RawDatabase, RawDefaultPrivilege, RawFunction, RawGrant, RawMembership, RawObjectGrant,
    RawPassword, RawRevoke, RawRole, RawSchema, RawSchemaGrant, RawSequence, RawSetting, RawSpec,
    RawTable, RawType, RawView,
};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

mod routine;

/// The outside world validation may look at: environment and files.
pub struct Environment<'a> {
    /// Environment variable lookup.
    pub var: &'a dyn Fn(&str) -> Option<String>,
    /// Directory that relative secret file paths are resolved against.
    pub base_dir: &'a Path,
}

/// The keys tables and views share: owner, privileges, comment.
struct RelationKeys<'a> {
    owner: &'a Option<String>,
    grants: &'a [RawObjectGrant],
    revoke: &'a [RawRevoke],
    comment: &'a Option<String>,
}

impl<'a> From<&'a RawTable> for RelationKeys<'a> {
    fn from(r: &'a RawTable) -> Self {
        RelationKeys {
            owner: &r.owner,
            grants: &r.grants,
            revoke: &r.revoke,
            comment: &r.comment,
        }
    }
}

impl<'a> From<&'a RawView> for RelationKeys<'a> {
    fn from(r: &'a RawView) -> Self {
        RelationKeys {
            owner: &r.owner,
            grants: &r.grants,
            revoke: &r.revoke,
            comment: &r.comment,
        }
    }
}

/// Longest identifier PostgreSQL keeps (NAMEDATALEN - 1).
pub(crate) const MAX_IDENTIFIER_BYTES: usize = 63;

/// The pseudo-role every role belongs to.
pub const PUBLIC: &str = "PUBLIC";

struct Validator<'a> {
    env: &'a Environment<'a>,
    issues: Vec<Issue>,
    /// Files read (`body_file`, `query_file`): path → SHA-256 of the text.
    files: BTreeMap<String, String>,
}

/// Validates `raw`, returning the model or every issue found.
pub fn validate(raw: RawSpec, env: &Environment<'_>) -> Result<Spec, Vec<Issue>> {
    let mut v = Validator {
        env,
        issues: Vec::new(),
        files: BTreeMap::new(),
    };
    let root = YamlPath::root();
    if raw.version != 1 {
        v.issues.push(
            Issue::new(
                &root.key("version"),
                format!("unsupported version `{}`", raw.version),
            )
            .hint("this release reads `version: 1`"),
        );
    }
    let mut spec = Spec {
        prune: raw.prune,
        lint: crate::spec::lint::collect(&raw, &mut v.issues),
        ..Spec::default()
    };

    let ext_path = root.key("external_roles");
    for (i, name) in raw.external_roles.iter().enumerate() {
        v.identifier(&ext_path.index(i), name, "role");
        spec.external_roles.insert(name.clone());
    }

    let roles_path = root.key("roles");
    for (name, role) in raw.roles {
        let path = roles_path.key(&name);
        v.role_name(&path, &name);
        if spec.external_roles.contains(&name) {
            v.issues.push(
                Issue::new(
                    &path,
                    format!("role `{name}` is both declared and listed in `external_roles`"),
                )
                .hint("remove it from one of the two"),
            );
        }
        let role = v.role(&path, &name, role.unwrap_or_default());
        spec.roles.insert(name, role);
    }

    let content = v.content(
        &root,
        &root.key("database"),
        raw.database,
        raw.schemas,
        raw.extensions,
        raw.default_privileges,
    );
    spec.database = content.database;
    spec.schemas = content.schemas;
    spec.extensions = content.extensions;
    spec.default_privileges = content.default_privileges;

    let dbs_path = root.key("databases");
    let one_database = spec.database.is_some()
        || !spec.schemas.is_empty()
        || !spec.extensions.is_empty()
        || !spec.default_privileges.is_empty();
    if one_database && !raw.databases.is_empty() {
        v.issues.push(
            Issue::new(
                &dbs_path,
                "`databases` and a top-level `database`, `schemas`, `extensions` or `default_privileges` are both written",
            )
            .hint("with `databases:`, give each database its own `schemas`, `extensions` and `default_privileges` under its name"),
        );
    }
    for (name, raw_db) in raw.databases {
        let path = dbs_path.key(&name);
        v.identifier(&path, &name, "database");
        let mut raw_db = raw_db.map(|b| *b).unwrap_or_default();
        let database = raw_db.database();
        if raw_db.allow_connections == Some(false)
            && !(raw_db.schemas.is_empty()
                && raw_db.extensions.is_empty()
                && raw_db.default_privileges.is_empty())
        {
            v.issues.push(
                Issue::new(
                    &path.key("allow_connections"),
                    format!("database `{name}` takes no connections, so its `schemas`, `extensions` and `default_privileges` could never be converged"),
                )
                .hint("remove them, or allow connections"),
            );
        }
        if let Some(p) = &raw_db.locale_provider
            && !["libc", "icu", "builtin"].contains(&p.to_ascii_lowercase().as_str())
        {
            v.issues.push(
                Issue::new(
                    &path.key("locale_provider"),
                    format!("`{p}` is not a locale provider"),
                )
                .hint("write `libc`, `icu` (PostgreSQL 15+) or `builtin` (17+)"),
            );
        }
        let create = crate::spec::model::CreateOptions {
            encoding: raw_db.encoding.take(),
            locale: raw_db.locale.take(),
            lc_collate: raw_db.lc_collate.take(),
            lc_ctype: raw_db.lc_ctype.take(),
            locale_provider: raw_db
                .locale_provider
                .take()
                .map(|p| p.to_ascii_lowercase()),
            icu_locale: raw_db.icu_locale.take(),
            template: raw_db.template.take(),
        };
        let content = v.content(
            &path,
            &path,
            Some(database),
            raw_db.schemas,
            raw_db.extensions,
            raw_db.default_privileges,
        );
        spec.databases.insert(
            name.clone(),
            crate::spec::model::DatabaseSpec {
                name,
                create,
                database: content.database.expect("given"),
                schemas: content.schemas,
                extensions: content.extensions,
                default_privileges: content.default_privileges,
            },
        );
    }

    for (_, view) in spec.views() {
        v.references(&view);
    }
    if v.issues.is_empty() {
        spec.files_read = v.files;
        Ok(spec)
    } else {
        Err(v.issues)
    }
}

fn origin(path: &YamlPath) -> Origin {
    Origin {
        path: path.clone(),
        at: None,
    }
}

/// Checks that `name` is a usable identifier: not empty, at most
/// [`MAX_IDENTIFIER_BYTES`], no NUL. `what` names it in messages ("role", "column").
pub(crate) fn check_identifier(issues: &mut Vec<Issue>, path: &YamlPath, name: &str, what: &str) {
    if name.is_empty() {
        issues.push(Issue::new(path, format!("{what} name is empty")));
    } else if name.len() > MAX_IDENTIFIER_BYTES {
        issues.push(
            Issue::new(
                path,
                format!(
                    "{what} name `{name}` is {} bytes long; PostgreSQL keeps at most {MAX_IDENTIFIER_BYTES}",
                    name.len()
                ),
            )
            .hint("PostgreSQL would silently truncate it; choose a shorter name"),
        );
    } else if name.contains('\0') {
        issues.push(Issue::new(
            path,
            format!("{what} name contains a NUL character"),
        ));
    }
}

/// What [`Validator::content`] finds.
#[derive(Default)]
struct Content {
    database: Option<Database>,
    schemas: BTreeMap<String, Schema>,
    extensions: BTreeMap<String, Extension>,
    default_privileges: Vec<DefaultPrivilege>,
}

impl Validator<'_> {
    /// One database's content: `database:` (its owner, privileges,
    /// settings), `schemas`, `extensions` and `default_privileges`, under
    /// `root` (the document's root, or `databases.<name>`).
    fn content(
        &mut self,
        root: &YamlPath,
        db_path: &YamlPath,
        database: Option<RawDatabase>,
        schemas: BTreeMap<String, Option<RawSchema>>,
        extensions: BTreeMap<String, Option<crate::spec::raw::RawExtension>>,
        default_privileges: Vec<crate::spec::raw::RawDefaultPrivilege>,
    ) -> Content {
        let mut out = Content {
            database: database.map(|db| self.database(db_path, db)),
            ..Content::default()
        };
        let schemas_path = root.key("schemas");
        for (name, schema) in schemas {
            let path = schemas_path.key(&name);
            self.identifier(&path, &name, "schema");
            if name.starts_with("pg_") {
                self.issues.push(
                    Issue::new(&path, format!("schema name `{name}` is reserved"))
                        .hint("names beginning with `pg_` belong to PostgreSQL"),
                );
            } else if name == crate::catalog::scope::STATE_SCHEMA {
                self.issues.push(
                    Issue::new(&path, format!("schema name `{name}` is reserved"))
                        .hint("pg-provision keeps its memory of how the server prints the spec's expressions there"),
                );
            }
            let schema = self.schema(&path, &name, schema.unwrap_or_default());
            out.schemas.insert(name, schema);
        }

        let ext_root = root.key("extensions");
        for (name, ext) in extensions {
            let path = ext_root.key(&name);
            self.identifier(&path, &name, "extension");
            let ext = ext.unwrap_or_default();
            if let Some(schema) = &ext.schema {
                self.identifier(&path.key("schema"), schema, "schema");
            }
            out.extensions.insert(
                name.clone(),
                Extension {
                    name,
                    schema: ext.schema,
                    version: ext.version,
                    origin: origin(&path),
                },
            );
        }

        let dp_path = root.key("default_privileges");
        for (i, raw) in default_privileges.into_iter().enumerate() {
            if let Some(dp) = self.default_privilege(&dp_path.index(i), raw) {
                out.default_privileges.push(dp);
            }
        }
        out
    }

    fn identifier(&mut self, path: &YamlPath, name: &str, what: &str) {
        check_identifier(&mut self.issues, path, name, what);
    }

    fn role_name(&mut self, path: &YamlPath, name: &str) {
        self.identifier(path, name, "role");
        if name.eq_ignore_ascii_case("public") || name == "none" || name.starts_with("pg_") {
            self.issues.push(
                Issue::new(path, format!("role name `{name}` is reserved"))
                    .hint("`public`, `none` and names beginning with `pg_` cannot be created; list predefined roles under `external_roles`"),
            );
        }
    }

    fn role(&mut self, path: &YamlPath, name: &str, raw: RawRole) -> Role {
        let defaults = RoleAttributes::default();
        let valid_until = raw.valid_until.as_ref().and_then(|text| {
            let parsed = parse_timestamp(text);
            if parsed.is_none() {
                self.issues.push(
                    Issue::new(
                        &path.key("valid_until"),
                        format!("`{text}` is not a timestamp"),
                    )
                    .hint("write `infinity`, `2027-01-31`, or `2027-01-31T12:00:00Z`"),
                );
            }
            parsed.map(|epoch| ValidUntil {
                text: text.clone(),
                epoch,
            })
        });
        if let Some(limit) = raw.connection_limit
            && limit < -1
        {
            self.issues.push(Issue::new(
                &path.key("connection_limit"),
                format!("connection limit {limit} is below -1 (no limit)"),
            ));
        }
        let attributes = RoleAttributes {
            login: raw.login.unwrap_or(defaults.login),
            superuser: raw.superuser.unwrap_or(defaults.superuser),
            createdb: raw.createdb.unwrap_or(defaults.createdb),
            createrole: raw.createrole.unwrap_or(defaults.createrole),
            inherit: raw.inherit.unwrap_or(defaults.inherit),
            replication: raw.replication.unwrap_or(defaults.replication),
            bypassrls: raw.bypassrls.unwrap_or(defaults.bypassrls),
            connection_limit: raw.connection_limit.unwrap_or(defaults.connection_limit),
            valid_until,
        };
        let password = raw
            .password
            .and_then(|p| self.password(&path.key("password"), &p));

        let mut member_of = BTreeMap::new();
        let m_path = path.key("member_of");
        for (i, m) in raw.member_of.into_iter().enumerate() {
            let item = m_path.index(i);
            let membership = match m {
                RawMembership::Name(role) => Membership {
                    role,
                    admin: false,
                    inherit: None,
                    set: None,
                    origin: origin(&item),
                },
                RawMembership::Detailed(d) => Membership {
                    role: d.role,
                    admin: d.admin,
                    inherit: d.inherit,
                    set: d.set,
                    origin: origin(&item),
                },
            };
            if membership.role == name {
                self.issues.push(Issue::new(
                    &item,
                    format!("role `{name}` cannot be a member of itself"),
                ));
            }
            if member_of.contains_key(&membership.role) {
                self.issues.push(Issue::new(
                    &item,
                    format!("membership in `{}` is listed twice", membership.role),
                ));
            }
            member_of.insert(membership.role.clone(), membership);
        }
        Role {
            name: name.to_string(),
            attributes,
            password,
            member_of,
            settings: self.settings(&path.key("settings"), raw.settings),
            comment: raw.comment,
            origin: origin(path),
        }
    }

    fn password(&mut self, path: &YamlPath, raw: &RawPassword) -> Option<Secret> {
        let (value, source) = match (&raw.env, &raw.file) {
            (Some(var), None) => match (self.env.var)(var) {
                Some(value) => (value, SecretSource::Env(var.clone())),
                None => {
                    self.issues.push(
                        Issue::new(
                            &path.key("env"),
                            format!("environment variable `{var}` is not set"),
                        )
                        .hint(format!(
                            "export {var}=… before running, or read the password from a file"
                        )),
                    );
                    return None;
                }
            },
            (None, Some(file)) => {
                let full = self.env.base_dir.join(file);
                match std::fs::read_to_string(&full) {
                    Ok(text) => (
                        text.strip_suffix('\n')
                            .map(|t| t.strip_suffix('\r').unwrap_or(t))
                            .unwrap_or(&text)
                            .to_string(),
                        SecretSource::File(full.display().to_string()),
                    ),
                    Err(e) => {
                        self.issues.push(
                            Issue::new(
                                &path.key("file"),
                                format!("cannot read secret file `{}`: {e}", full.display()),
                            )
                            .hint("relative paths are resolved against the spec file's directory"),
                        );
                        return None;
                    }
                }
            }
            _ => {
                self.issues.push(
                    Issue::new(path, "a password needs exactly one of `env` or `file`")
                        .hint("write `password: { env: NAME }` or `password: { file: /run/secrets/NAME }`"),
                );
                return None;
            }
        };
        if value.is_empty() {
            self.issues.push(Issue::new(
                path,
                format!("the password from {source} is empty"),
            ));
            return None;
        }
        Some(Secret::new(value, source))
    }

    fn settings(
        &mut self,
        path: &YamlPath,
        raw: BTreeMap<String, RawSetting>,
    ) -> BTreeMap<String, Setting> {
        let mut out = BTreeMap::new();
        for (name, value) in raw {
            let item = path.key(&name);
            let valid_name = !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
            if !valid_name {
                self.issues.push(Issue::new(
                    &item,
                    format!("`{name}` is not a configuration parameter name"),
                ));
                continue;
            }
            let setting = match value {
                RawSetting::Text(t) => Setting::Scalar(t),
                RawSetting::Integer(i) => Setting::Scalar(i.to_string()),
                RawSetting::Float(f) => Setting::Scalar(f.to_string()),
                RawSetting::Bool(b) => Setting::Scalar(if b { "on" } else { "off" }.to_string()),
                RawSetting::List(items) => Setting::List(items),
            };
            if name.eq_ignore_ascii_case("search_path")
                && let Setting::Scalar(text) = &setting
                && text.contains(',')
            {
                self.issues.push(
                    Issue::new(&item, "`search_path` with several schemas must be a list")
                        .hint(format!("write `search_path: [{text}]`")),
                );
                continue;
            }
            out.insert(name.to_ascii_lowercase(), setting);
        }
        out
    }

    fn database(&mut self, path: &YamlPath, raw: RawDatabase) -> Database {
        if let Some(limit) = raw.connection_limit
            && limit < -1
        {
            self.issues.push(Issue::new(
                &path.key("connection_limit"),
                format!("connection limit {limit} is below -1 (no limit)"),
            ));
        }
        Database {
            owner: raw.owner,
            grants: self.grants(path, &raw.grants, ObjectKind::Database),
            revokes: self.revokes(path, &raw.revoke, ObjectKind::Database),
            settings: self.settings(&path.key("settings"), raw.settings),
            comment: raw.comment,
            connection_limit: raw.connection_limit,
            allow_connections: raw.allow_connections,
            origin: origin(path),
        }
    }

    fn schema(&mut self, path: &YamlPath, name: &str, raw: RawSchema) -> Schema {
        let grants_path = path.key("grants");
        let mut grants = Vec::new();
        let mut schema_wide = Vec::new();
        for (i, g) in raw.grants.iter().enumerate() {
            let item = grants_path.index(i);
            match &g.on {
                None => {
                    if g.for_roles.is_some() {
                        self.issues.push(
                            Issue::new(&item.key("for_roles"), "`for_roles` needs `on:`")
                                .hint("`for_roles` names who creates the tables, sequences or functions a schema-wide grant covers"),
                        );
                    }
                    grants.push(self.grant(
                        &item,
                        &g.to,
                        &g.privileges,
                        g.with_grant_option,
                        ObjectKind::Schema,
                    ));
                }
                Some(on) => {
                    if let Some(w) = self.schema_wide(&item, on, g) {
                        schema_wide.push(w);
                    }
                }
            }
        }
        let mut objects = BTreeMap::new();
        let empty_table = RawTable::default();
        for (object, r) in &raw.tables {
            let item = path.key("tables").key(object);
            let t = r.as_deref().unwrap_or(&empty_table);
            let mut r = self.relation(&item, ObjectKind::Table, object, t.into());
            r.security = crate::spec::security::validate(
                &item,
                true,
                t.rls,
                &t.policies,
                t.triggers.as_ref(),
                &mut self.issues,
            );
            // tables slice: structure and seed rows
            r.table =
                crate::spec::table::table(&item, name, object, t, &mut self.issues).map(Box::new);
            r.seed = t.seed.as_ref().map(|s| {
                Box::new(crate::spec::table::seed(
                    &item.key("seed"),
                    s,
                    r.table.as_deref(),
                    &mut self.issues,
                ))
            });
            objects.insert((ObjectKind::Table, object.clone()), r);
        }
        let empty_view = RawView::default();
        for (object, r) in &raw.views {
            let item = path.key("views").key(object);
            let raw_view = r.as_ref().unwrap_or(&empty_view);
            let mut r = self.relation(&item, ObjectKind::View, object, raw_view.into());
            r.view = self.view_definition(&item, raw_view);
            objects.insert((ObjectKind::View, object.clone()), r);
        }
        for (object, r) in &raw.sequences {
            let item = path.key("sequences").key(object);
            let r = self.sequence(&item, object, r.as_ref());
            objects.insert((ObjectKind::Sequence, object.clone()), r);
        }
        // tables slice: sequences created by serial columns of defined tables
        crate::spec::table::link_serials(&mut objects, &mut self.issues);
        for (object, f) in &raw.functions {
            let item = path.key("functions").key(object);
            let f = self.function(&item, object, f);
            objects.insert((ObjectKind::Function, object.clone()), f);
        }
        let empty_type = RawType::default();
        for (object, t) in &raw.types {
            let item = path.key("types").key(object);
            let t = self.type_(&item, object, t.as_ref().unwrap_or(&empty_type));
            objects.insert((ObjectKind::Type, object.clone()), t);
        }
        Schema {
            name: name.to_string(),
            owner: raw.owner,
            grants,
            revokes: self.revokes(path, &raw.revoke, ObjectKind::Schema),
            comment: raw.comment,
            schema_wide,
            objects,
            origin: origin(path),
        }
    }

    fn schema_wide(
        &mut self,
        item: &YamlPath,
        on: &str,
        g: &RawSchemaGrant,
    ) -> Option<SchemaWideGrant> {
        let kind = match ObjectKind::parse_plural(on) {
            Some(k @ (ObjectKind::Table | ObjectKind::Sequence | ObjectKind::Function)) => k,
            _ => {
                self.issues.push(
                    Issue::new(&item.key("on"), format!("`on: {on}` is not a kind of object in a schema"))
                        .hint("write `on: tables`, `on: sequences` or `on: functions`; leave `on` out for privileges on the schema itself"),
                );
                return None;
            }
        };
        if let Some(roles) = &g.for_roles
            && roles.is_empty()
        {
            self.issues.push(
                Issue::new(&item.key("for_roles"), "no roles listed")
                    .hint("leave `for_roles` out to mean the schema owner and the roles granted CREATE on the schema"),
            );
        }
        Some(SchemaWideGrant {
            on: kind,
            grant: self.grant(item, &g.to, &g.privileges, g.with_grant_option, kind),
            for_roles: g.for_roles.clone(),
        })
    }

    fn object_name(&mut self, path: &YamlPath, name: &str, kind: ObjectKind) {
        let what = match kind {
            ObjectKind::View => "view",
            ObjectKind::Sequence => "sequence",
            ObjectKind::Function => "function",
            ObjectKind::Type => "type",
            _ => "table",
        };
        self.identifier(path, name, what);
    }

    fn relation(
        &mut self,
        path: &YamlPath,
        kind: ObjectKind,
        name: &str,
        raw: RelationKeys<'_>,
    ) -> Object {
        self.object_name(path, name, kind);
        let grants_path = path.key("grants");
        let mut grants = Vec::new();
        let mut column_grants = Vec::new();
        for (i, g) in raw.grants.iter().enumerate() {
            let item = grants_path.index(i);
            match &g.columns {
                None => {
                    grants.push(self.grant(&item, &g.to, &g.privileges, g.with_grant_option, kind))
                }
                Some(columns) => {
                    if let Some(c) = self.column_grant(&item, columns, g) {
                        column_grants.push(c);
                    }
                }
            }
        }
        Object {
            kind,
            name: name.to_string(),
            args: None,
            owner: raw.owner.clone(),
            grants,
            column_grants,
            revokes: self.revokes(path, raw.revoke, kind),
            comment: raw.comment.clone(),
            table: None,
            sequence: None,
            seed: None,
            origin: origin(path),
            security: Default::default(),
            routine: None,
            view: None,
            enum_values: None,
        }
    }

    fn column_grant(
        &mut self,
        item: &YamlPath,
        columns: &[String],
        g: &RawObjectGrant,
    ) -> Option<ColumnGrant> {
        if columns.is_empty() {
            self.issues.push(
                Issue::new(&item.key("columns"), "no columns listed")
                    .hint("leave `columns` out to grant on the whole table"),
            );
            return None;
        }
        for (i, c) in columns.iter().enumerate() {
            self.identifier(&item.key("columns").index(i), c, "column");
        }
        let grant = self.grant(
            item,
            &g.to,
            &g.privileges,
            g.with_grant_option,
            ObjectKind::Table,
        );
        if let Some(set) = &grant.privileges {
            for p in set {
                if !COLUMN_PRIVILEGES.contains(p) {
                    self.issues.push(
                        Issue::new(&item.key("privileges"), format!("`{p}` cannot be granted on columns"))
                            .hint("columns take SELECT, INSERT, UPDATE, REFERENCES; grant the rest on the whole table"),
                    );
                }
            }
        }
        Some(ColumnGrant {
            columns: columns.to_vec(),
            grant,
        })
    }

    fn sequence(&mut self, path: &YamlPath, name: &str, raw: Option<&RawSequence>) -> Object {
        self.object_name(path, name, ObjectKind::Sequence);
        let empty = RawSequence::default();
        let raw = raw.unwrap_or(&empty);
        Object {
            kind: ObjectKind::Sequence,
            name: name.to_string(),
            args: None,
            owner: raw.owner.clone(),
            grants: self.grants(path, &raw.grants, ObjectKind::Sequence),
            column_grants: Vec::new(),
            revokes: self.revokes(path, &raw.revoke, ObjectKind::Sequence),
            comment: raw.comment.clone(),
            table: None,
            sequence: crate::spec::table::sequence(path, raw, &mut self.issues).map(Box::new),
            seed: None,
            origin: origin(path),
            security: Default::default(),
            routine: None,
            view: None,
            enum_values: None,
        }
    }

    fn function(&mut self, path: &YamlPath, key: &str, raw: &RawFunction) -> Object {
        // The key names the function unless `name:` does (overloads).
        let name = match &raw.name {
            Some(name) => {
                self.object_name(&path.key("name"), name, ObjectKind::Function);
                name.as_str()
            }
            None => {
                self.object_name(path, key, ObjectKind::Function);
                key
            }
        };
        let args = raw.args.as_deref().unwrap_or("").trim();
        if args.starts_with('(') && args.ends_with(')') {
            self.issues.push(
                Issue::new(
                    &path.key("args"),
                    "`args` is the argument list without its parentheses",
                )
                .hint(
                    "write `args: \"p_username text, p_password text\"`, or leave `args` out for none",
                ),
            );
        }
        let routine = self.routine_definition(path, raw).map(Box::new);
        // Without `args`, a function with a body takes no arguments; an
        // adopted one is whichever function has that name (see diff::objects).
        let args = match (&raw.args, &routine) {
            (Some(args), _) => Some(args.clone()),
            (None, Some(_)) => Some(String::new()),
            (None, None) => None,
        };
        Object {
            kind: ObjectKind::Function,
            name: name.to_string(),
            args,
            owner: raw.owner.clone(),
            grants: self.grants(path, &raw.grants, ObjectKind::Function),
            column_grants: Vec::new(),
            revokes: self.revokes(path, &raw.revoke, ObjectKind::Function),
            comment: raw.comment.clone(),
            table: None,
            sequence: None,
            seed: None,
            origin: origin(path),
            security: Default::default(),
            routine,
            view: None,
            enum_values: None,
        }
    }

    fn type_(&mut self, path: &YamlPath, name: &str, raw: &RawType) -> Object {
        self.object_name(path, name, ObjectKind::Type);
        if let Some(values) = &raw.values {
            let at = path.key("values");
            if values.is_empty() {
                self.issues.push(
                    Issue::new(&at, "an enum needs at least one value")
                        .hint("list the labels in order, or leave `values` out to adopt the type"),
                );
            }
            let mut seen = BTreeSet::new();
            for (i, v) in values.iter().enumerate() {
                let item = at.index(i);
                if v.is_empty() || v.len() > MAX_IDENTIFIER_BYTES || v.contains('\0') {
                    self.issues.push(
                        Issue::new(&item, format!("enum value `{v}` is not 1 to {MAX_IDENTIFIER_BYTES} bytes without NUL"))
                            .hint("PostgreSQL keeps enum labels up to 63 bytes"),
                    );
                }
                if !seen.insert(v.as_str()) {
                    self.issues.push(
                        Issue::new(&item, format!("enum value `{v}` is listed twice"))
                            .hint("each label appears once"),
                    );
                }
            }
        }
        Object {
            kind: ObjectKind::Type,
            name: name.to_string(),
            args: None,
            owner: raw.owner.clone(),
            grants: self.grants(path, &raw.grants, ObjectKind::Type),
            column_grants: Vec::new(),
            revokes: self.revokes(path, &raw.revoke, ObjectKind::Type),
            comment: raw.comment.clone(),
            table: None,
            sequence: None,
            seed: None,
            origin: origin(path),
            security: Default::default(),
            routine: None,
            view: None,
            enum_values: raw.values.clone(),
        }
    }

    fn default_privilege(
        &mut self,
        path: &YamlPath,
        raw: RawDefaultPrivilege,
    ) -> Option<DefaultPrivilege> {
        let Some(on) = ObjectKind::parse_plural(&raw.on) else {
            self.issues.push(
                Issue::new(
                    &path.key("on"),
                    format!("`on: {}` is not a kind default privileges cover", raw.on),
                )
                .hint("write `tables`, `sequences`, `functions`, `types` or `schemas`"),
            );
            return None;
        };
        if let Some(schema) = &raw.in_schema {
            self.identifier(&path.key("in_schema"), schema, "schema");
            if on == ObjectKind::Schema {
                self.issues.push(
                    Issue::new(
                        &path.key("in_schema"),
                        "default privileges on schemas cannot be limited to a schema",
                    )
                    .hint("remove `in_schema`"),
                );
            }
        }
        let action = match (&raw.grant, &raw.revoke) {
            (Some(g), None) => DefaultAction::Grant(self.grant(
                &path.key("grant"),
                &g.to,
                &g.privileges,
                g.with_grant_option,
                on,
            )),
            (None, Some(r)) => {
                let item = path.key("revoke");
                if r.from.is_empty() {
                    self.issues
                        .push(Issue::new(&item.key("from"), "no roles listed"));
                }
                let revoke = Revoke {
                    from: r.from.clone(),
                    privileges: self.privileges(&item.key("privileges"), &r.privileges, on),
                    origin: origin(&item),
                };
                let builtin = on.public_default();
                let touches_builtin = revoke.from.iter().any(|f| f == PUBLIC)
                    && revoke
                        .privileges
                        .as_ref()
                        .is_none_or(|s| s.iter().any(|p| builtin.contains(p)));
                if raw.in_schema.is_some() && touches_builtin {
                    self.issues.push(
                        Issue::new(&item, format!("PUBLIC's built-in privileges on {} cannot be revoked in one schema", raw.on))
                            .hint("per-schema default privileges only add to the global ones; remove `in_schema` to revoke them for every schema"),
                    );
                }
                DefaultAction::Revoke(revoke)
            }
            _ => {
                self.issues.push(
                    Issue::new(path, "a default-privileges entry needs exactly one of `grant` or `revoke`")
                        .hint("write `grant: { to: [...], privileges: [...] }` or `revoke: { from: [...], privileges: [...] }`"),
                );
                return None;
            }
        };
        Some(DefaultPrivilege {
            for_role: raw.for_role,
            schema: raw.in_schema,
            on,
            action,
            origin: origin(path),
        })
    }

    fn grant(
        &mut self,
        item: &YamlPath,
        to: &[String],
        privileges: &[String],
        with_grant_option: bool,
        kind: ObjectKind,
    ) -> Grant {
        if to.is_empty() {
            self.issues
                .push(Issue::new(&item.key("to"), "no grantees listed"));
        }
        Grant {
            to: to.to_vec(),
            privileges: self.privileges(&item.key("privileges"), privileges, kind),
            with_grant_option,
            origin: origin(item),
        }
    }

    fn privileges(
        &mut self,
        path: &YamlPath,
        raw: &[String],
        kind: ObjectKind,
    ) -> Option<BTreeSet<Privilege>> {
        let mut set = BTreeSet::new();
        if raw.is_empty() {
            self.issues
                .push(Issue::new(path, "no privileges listed").hint("list at least one, or `ALL`"));
        }
        for (i, text) in raw.iter().enumerate() {
            let upper = text.trim().to_ascii_uppercase();
            if upper == "ALL" || upper == "ALL PRIVILEGES" {
                return None;
            }
            match Privilege::parse(text) {
                Some(p) if kind.all_privileges(u32::MAX).contains(&p) => {
                    set.insert(p);
                }
                _ => {
                    let valid: Vec<&str> = kind
                        .all_privileges(u32::MAX)
                        .iter()
                        .map(|p| p.keyword())
                        .collect();
                    self.issues.push(
                        Issue::new(
                            &path.index(i),
                            format!("`{text}` is not a privilege on a {kind}"),
                        )
                        .hint(format!("a {kind} takes {}, or ALL", valid.join(", "))),
                    );
                }
            }
        }
        Some(set)
    }

    fn grants(&mut self, parent: &YamlPath, raw: &[RawGrant], kind: ObjectKind) -> Vec<Grant> {
        let path = parent.key("grants");
        raw.iter()
            .enumerate()
            .map(|(i, g)| {
                self.grant(
                    &path.index(i),
                    &g.to,
                    &g.privileges,
                    g.with_grant_option,
                    kind,
                )
            })
            .collect()
    }

    fn revokes(&mut self, parent: &YamlPath, raw: &[RawRevoke], kind: ObjectKind) -> Vec<Revoke> {
        let path = parent.key("revoke");
        raw.iter()
            .enumerate()
            .map(|(i, r)| {
                let item = path.index(i);
                if r.from.is_empty() {
                    self.issues
                        .push(Issue::new(&item.key("from"), "no roles listed"));
                }
                Revoke {
                    from: r.from.clone(),
                    privileges: self.privileges(&item.key("privileges"), &r.privileges, kind),
                    origin: origin(&item),
                }
            })
            .collect()
    }

    /// Every role named anywhere must be declared or external.
    fn references(&mut self, spec: &Spec) {
        let known =
            |name: &str| spec.roles.contains_key(name) || spec.external_roles.contains(name);
        let check = |issues: &mut Vec<Issue>, path: YamlPath, name: &str, public_ok: bool| {
            if public_ok && name == PUBLIC {
                return;
            }
            if !known(name) {
                let mut issue = Issue::new(&path, format!("role `{name}` is not declared"));
                issue = if name.eq_ignore_ascii_case(PUBLIC) {
                    issue.hint("write `PUBLIC` in capitals for the pseudo-role everyone belongs to")
                } else {
                    issue.hint(format!(
                        "add `{name}` under `roles:`, or list it under `external_roles:` if it is managed elsewhere"
                    ))
                };
                issues.push(issue);
            }
        };
        let mut issues = Vec::new();
        for role in spec.roles.values() {
            for m in role.member_of.values() {
                let path = if m.origin.path.as_str().is_empty() {
                    role.origin.path.key("member_of")
                } else {
                    m.origin.path.clone()
                };
                check(&mut issues, path, &m.role, false);
            }
        }
        let acl_refs = |grants: &[Grant], revokes: &[Revoke]| {
            let mut refs = Vec::new();
            for g in grants {
                for (i, r) in g.to.iter().enumerate() {
                    refs.push((g.origin.path.key("to").index(i), r.clone()));
                }
            }
            for rv in revokes {
                for (i, r) in rv.from.iter().enumerate() {
                    refs.push((rv.origin.path.key("from").index(i), r.clone()));
                }
            }
            refs
        };
        if let Some(db) = &spec.database {
            if let Some(owner) = &db.owner {
                check(&mut issues, db.origin.path.key("owner"), owner, false);
            }
            for (path, name) in acl_refs(&db.grants, &db.revokes) {
                check(&mut issues, path, &name, true);
            }
        }
        for schema in spec.schemas.values() {
            if let Some(owner) = &schema.owner {
                check(&mut issues, schema.origin.path.key("owner"), owner, false);
            }
            for (path, name) in acl_refs(&schema.grants, &schema.revokes) {
                check(&mut issues, path, &name, true);
            }
            for w in &schema.schema_wide {
                for (path, name) in acl_refs(std::slice::from_ref(&w.grant), &[]) {
                    check(&mut issues, path, &name, true);
                }
                for (i, r) in w.for_roles.iter().flatten().enumerate() {
                    check(
                        &mut issues,
                        w.grant.origin.path.key("for_roles").index(i),
                        r,
                        false,
                    );
                }
            }
            for object in schema.objects.values() {
                if let Some(owner) = &object.owner {
                    check(&mut issues, object.origin.path.key("owner"), owner, false);
                }
                let column_grants: Vec<Grant> = object
                    .column_grants
                    .iter()
                    .map(|c| c.grant.clone())
                    .collect();
                for (path, name) in acl_refs(&object.grants, &object.revokes)
                    .into_iter()
                    .chain(acl_refs(&column_grants, &[]))
                {
                    check(&mut issues, path, &name, true);
                }
                crate::spec::security::references(&object.security, &known, &mut issues);
            }
        }
        for dp in &spec.default_privileges {
            check(
                &mut issues,
                dp.origin.path.key("for_role"),
                &dp.for_role,
                false,
            );
            let refs = match &dp.action {
                DefaultAction::Grant(g) => acl_refs(std::slice::from_ref(g), &[]),
                DefaultAction::Revoke(r) => acl_refs(&[], std::slice::from_ref(r)),
            };
            for (path, name) in refs {
                check(&mut issues, path, &name, true);
            }
            if let Some(schema) = &dp.schema
                && !spec.schemas.contains_key(schema)
            {
                issues.push(
                    Issue::new(
                        &dp.origin.path.key("in_schema"),
                        format!("schema `{schema}` is not declared"),
                    )
                    .hint(format!("add `{schema}` under `schemas:`")),
                );
            }
        }
        self.issues.extend(issues);
        self.membership_cycles(spec);
    }

    fn membership_cycles(&mut self, spec: &Spec) {
        // Depth-first search over declared memberships; report each cycle once.
        fn visit<'a>(
            spec: &'a Spec,
            role: &'a str,
            stack: &mut Vec<&'a str>,
            done: &mut BTreeSet<&'a str>,
        ) -> Option<Vec<String>> {
            if let Some(pos) = stack.iter().position(|r| *r == role) {
                let mut cycle: Vec<String> = stack[pos..].iter().map(|s| s.to_string()).collect();
                cycle.push(role.to_string());
                return Some(cycle);
            }
            if !done.insert(role) {
                return None;
            }
            stack.push(role);
            if let Some(r) = spec.roles.get(role) {
                for m in r.member_of.keys() {
                    if let Some(c) = visit(spec, m, stack, done) {
                        return Some(c);
                    }
                }
            }
            stack.pop();
            None
        }
        let mut done = BTreeSet::new();
        for name in spec.roles.keys() {
            let mut stack = Vec::new();
            if let Some(cycle) = visit(spec, name, &mut stack, &mut done) {
                let first = &spec.roles[&cycle[0]];
                self.issues.push(Issue::new(
                    &first.origin.path.key("member_of"),
                    format!("role memberships form a cycle: {}", cycle.join(" → ")),
                ));
                return;
            }
        }
    }
}

/// Parses `infinity`, `YYYY-MM-DD`, or `YYYY-MM-DD[T ]HH:MM[:SS][Z|±HH[:MM]]`
/// (no zone means UTC) into seconds since the epoch.
pub fn parse_timestamp(text: &str) -> Option<i64> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("infinity") {
        return Some(i64::MAX);
    }
    let num = |s: &str| -> Option<i64> {
        (!s.is_empty() && s.chars().all(|c| c.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let (date, rest) = t.split_at(t.find(['T', 't', ' ']).unwrap_or(t.len()));
    let mut d = date.split('-');
    let (y, m, day) = (num(d.next()?)?, num(d.next()?)?, num(d.next()?)?);
    if d.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&day) {
        return None;
    }
    let rest = rest.get(1..).unwrap_or("");
    let (clock, offset) = match rest.find(['Z', 'z', '+', '-']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let mut seconds = 0;
    if !clock.is_empty() {
        let parts: Vec<&str> = clock.split(':').collect();
        if !(2..=3).contains(&parts.len()) {
            return None;
        }
        let (h, mi) = (num(parts[0])?, num(parts[1])?);
        let s = parts.get(2).map(|s| num(s)).unwrap_or(Some(0))?;
        if h > 23 || mi > 59 || s > 60 {
            return None;
        }
        seconds = h * 3600 + mi * 60 + s;
    }
    let offset_seconds = match offset {
        "" | "Z" | "z" => 0,
        o => {
            let sign = if o.starts_with('-') { -1 } else { 1 };
            let body = &o[1..];
            let (oh, om) = match body.split_once(':') {
                Some((h, m)) => (num(h)?, num(m)?),
                None if body.len() == 4 => (num(&body[..2])?, num(&body[2..])?),
                None => (num(body)?, 0),
            };
            sign * (oh * 3600 + om * 60)
        }
    };
    Some(days_from_civil(y, m, day) * 86_400 + seconds - offset_seconds)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_parse_to_epoch_seconds() {
        assert_eq!(parse_timestamp("1970-01-01"), Some(0));
        assert_eq!(parse_timestamp("2000-03-01T00:00:00Z"), Some(951_868_800));
        assert_eq!(
            parse_timestamp("2000-03-01 01:00:00+01:00"),
            Some(951_868_800)
        );
        assert_eq!(parse_timestamp("2000-02-29T23:00-0100"), Some(951_868_800));
        assert_eq!(parse_timestamp("infinity"), Some(i64::MAX));
        assert_eq!(parse_timestamp("tomorrow"), None);
        assert_eq!(parse_timestamp("2000-13-01"), None);
    }
}

//! Privilege lints on the spec that no other tool has: INSERT without USAGE
//! on the sequence behind a serial column, default privileges for a role
//! that cannot create objects in their schema (they never fire), and grants
//! on objects of a schema the grantee has no USAGE on (they do nothing).

use super::access::Access;
use super::registry::{
    DEFAULT_PRIVILEGES_NEVER_FIRE, GRANT_WITHOUT_SCHEMA_USAGE, INSERT_WITHOUT_SEQUENCE_USAGE,
};
use super::{Finding, label, role};
use crate::privilege::{ObjectKind, Privilege};
use crate::spec::Spec;
use crate::spec::lint::Scope;
use crate::spec::model::{DefaultAction, Grant, Object, Origin, Schema};
use crate::spec::validate::PUBLIC;
use std::collections::BTreeMap;

pub(super) fn check(spec: &Spec, access: &Access<'_>, out: &mut Vec<Finding>) {
    for schema in spec.schemas.values() {
        for table in schema
            .objects
            .values()
            .filter(|o| o.kind == ObjectKind::Table)
        {
            inserts(spec, schema, table, access, out);
        }
        grants_without_usage(schema, access, out);
        for w in &schema.schema_wide {
            for r in w.for_roles.iter().flatten() {
                never_fires(
                    access,
                    r,
                    &schema.name,
                    &w.grant.origin,
                    Scope::Schema(schema.name.clone()),
                    out,
                );
            }
        }
    }
    for (i, dp) in spec.default_privileges.iter().enumerate() {
        let Some(schema) = &dp.schema else { continue };
        never_fires(
            access,
            &dp.for_role,
            schema,
            &dp.origin,
            Scope::DefaultPrivilege(i),
            out,
        );
        if let DefaultAction::Grant(g) = &dp.action {
            let what = format!(
                "{} on the {} `{}` creates in schema `{schema}`",
                privileges(g),
                dp.on
                    .default_keyword()
                    .unwrap_or("objects")
                    .to_ascii_lowercase(),
                dp.for_role
            );
            usage_for_grantees(
                access,
                g,
                schema,
                &what,
                &format!("default privileges of `{}`", dp.for_role),
                Scope::DefaultPrivilege(i),
                out,
            );
        }
    }
}

fn privileges(g: &Grant) -> String {
    match &g.privileges {
        None => "ALL".to_string(),
        Some(s) => s.iter().map(|p| p.keyword()).collect::<Vec<_>>().join(", "),
    }
}

/// The sequence a column default takes values from: `nextval('seq')` or
/// `nextval('schema.seq'::regclass)` → (schema, name).
fn nextval(default: &str) -> Option<(Option<String>, String)> {
    let lower = default.to_ascii_lowercase();
    let start = lower.find("nextval('")? + "nextval('".len();
    let rest = &default[start..];
    let name = &rest[..rest.find('\'')?];
    let unquote = |s: &str| s.trim_matches('"').to_string();
    Some(match name.split_once('.') {
        Some((s, n)) => (Some(unquote(s)), unquote(n)),
        None => (None, unquote(name)),
    })
}

fn inserts(
    spec: &Spec,
    schema: &Schema,
    table: &Object,
    access: &Access<'_>,
    out: &mut Vec<Finding>,
) {
    let Some(def) = &table.table else { return };
    let owner = access.object_owner(schema, table);
    let mut acl = access.object_acl(schema, table);
    acl.extend(access.column_acl(table));
    let inserters: BTreeMap<&String, &Origin> = acl
        .iter()
        .filter(|((who, p), _)| *p == Privilege::Insert && Some(who) != owner.as_ref())
        .map(|((who, _), origin)| (who, origin))
        .collect();
    for column in &def.columns {
        let sequence = match (&column.serial, &column.default) {
            (Some(seq), _) => Some((schema.name.clone(), seq.clone())),
            (None, Some(d)) => {
                nextval(d).map(|(s, n)| (s.unwrap_or_else(|| schema.name.clone()), n))
            }
            _ => None,
        };
        let Some((seq_schema, seq_name)) = sequence else {
            continue;
        };
        let Some(seq_decl_schema) = spec.schemas.get(&seq_schema) else {
            continue;
        };
        let (seq_owner, seq_acl) = access.sequence(seq_decl_schema, &seq_name, owner.as_deref());
        for (who, origin) in &inserters {
            let uses = access.holds(
                who,
                ObjectKind::Sequence,
                &seq_acl,
                seq_owner.as_deref(),
                &[Privilege::Usage, Privilege::Update],
            );
            if uses.is_some() {
                continue;
            }
            let object = label("table", &schema.name, &table.name);
            out.push(Finding {
                lint: &INSERT_WITHOUT_SEQUENCE_USAGE,
                message: format!(
                    "{} may INSERT into {object} but has no USAGE on sequence `{seq_schema}.{seq_name}` behind column `{}`: an insert that takes the column's default fails with `permission denied for sequence {seq_name}`",
                    role(who),
                    column.name
                ),
                object,
                remediation: format!(
                    "grant USAGE on it: `schemas.{seq_schema}.sequences.{seq_name}: {{ grants: [{{ to: [{who}], privileges: [USAGE] }}] }}` or a schema-wide `{{ on: sequences, to: [{who}], privileges: [USAGE] }}`; an identity column needs no sequence privilege"
                ),
                scope: super::rls::scope(schema, table),
                origin: Some((*origin).clone()),
            });
        }
    }
}

/// Grants on objects of `schema` (their own, and schema-wide ones) to roles
/// without USAGE on the schema.
fn grants_without_usage(schema: &Schema, access: &Access<'_>, out: &mut Vec<Finding>) {
    for object in schema.objects.values() {
        let what = super::object_label(schema, object);
        let grants = object
            .grants
            .iter()
            .chain(object.column_grants.iter().map(|c| &c.grant));
        for g in grants {
            usage_for_grantees(
                access,
                g,
                &schema.name,
                &format!("{} on {what}", privileges(g)),
                &what,
                super::rls::scope(schema, object),
                out,
            );
        }
    }
    for w in &schema.schema_wide {
        let kinds =
            w.on.default_keyword()
                .unwrap_or("objects")
                .to_ascii_lowercase();
        usage_for_grantees(
            access,
            &w.grant,
            &schema.name,
            &format!("{} on every one of its {kinds}", privileges(&w.grant)),
            &format!("schema `{}`", schema.name),
            Scope::Schema(schema.name.clone()),
            out,
        );
    }
}

fn usage_for_grantees(
    access: &Access<'_>,
    g: &Grant,
    schema: &str,
    what: &str,
    object: &str,
    scope: Scope,
    out: &mut Vec<Finding>,
) {
    for who in &g.to {
        // PUBLIC on an object of a private schema means "whoever may use the
        // schema"; external roles' memberships are unknown.
        if who == PUBLIC || !access.is_declared(who) || access.uses_schema(who, schema) {
            continue;
        }
        out.push(Finding {
            lint: &GRANT_WITHOUT_SCHEMA_USAGE,
            message: format!(
                "`{who}` is granted {what} but has no USAGE on schema `{schema}`: the grant has no effect"
            ),
            object: object.to_string(),
            remediation: format!(
                "grant USAGE on the schema: `schemas.{schema}.grants: [{{ to: [{who}], privileges: [USAGE] }}]`, or remove the grant"
            ),
            scope: scope.clone(),
            origin: Some(g.origin.clone()),
        });
    }
}

/// Default privileges for `creator` in `schema` never apply when `creator`
/// cannot create objects there.
fn never_fires(
    access: &Access<'_>,
    creator: &str,
    schema: &str,
    origin: &Origin,
    scope: Scope,
    out: &mut Vec<Finding>,
) {
    // External roles (the superuser, a cloud admin) have unknown rights.
    if !access.is_declared(creator) || access.is_superuser(creator) {
        return;
    }
    let Some(owner) = access.schema_owner(schema) else {
        return;
    };
    let Some(decl) = access.schema(schema) else {
        return;
    };
    let can_create = access
        .holds(
            creator,
            ObjectKind::Schema,
            &access.schema_acl(decl),
            Some(&owner),
            &[Privilege::Create],
        )
        .is_some();
    if can_create {
        return;
    }
    out.push(Finding {
        lint: &DEFAULT_PRIVILEGES_NEVER_FIRE,
        message: format!(
            "default privileges for `{creator}` in schema `{schema}` never apply: `{creator}` cannot create objects there (it does not own `{schema}` and has no CREATE on it)"
        ),
        object: format!("default privileges of `{creator}` in schema `{schema}`"),
        remediation: format!(
            "name the role that creates the objects (the one migrations run as), or grant `{creator}` CREATE on schema `{schema}`"
        ),
        scope,
        origin: Some(origin.clone()),
    });
}

#[cfg(test)]
mod tests {
    use super::nextval;
    use crate::lint::tests::{found, lint};

    #[test]
    fn nextval_names_the_sequence() {
        assert_eq!(
            nextval("nextval('app.t_id_seq'::regclass)"),
            Some((Some("app".into()), "t_id_seq".into()))
        );
        assert_eq!(nextval("NEXTVAL('s')"), Some((None, "s".into())));
        assert_eq!(nextval("now()"), None);
    }

    const SPEC: &str = "roles:
  owner: {}
  api_user: {}
database: { owner: owner }
schemas:
  app:
    grants: [{ to: [api_user], privileges: [USAGE] }]
    tables:
      t:
        columns:
          - { name: id, type: serial, primary_key: true }
          - { name: x, type: int }
        grants: [{ to: [api_user], privileges: [SELECT, INSERT] }]
";

    #[test]
    fn insert_without_usage_on_the_serial_sequence_is_reported() {
        let r = lint(SPEC);
        assert_eq!(
            found(&r, "insert-without-sequence-usage"),
            [
                "table `app.t`: `api_user` may INSERT into table `app.t` but has no USAGE on sequence `app.t_id_seq` behind column `id`: an insert that takes the column's default fails with `permission denied for sequence t_id_seq` (line 14)"
            ]
        );
        for clean in [
            format!("{SPEC}    sequences:\n      t_id_seq: {{ grants: [{{ to: [api_user], privileges: [USAGE] }}] }}\n"),
            SPEC.replace(
                "privileges: [USAGE] }]\n    tables",
                "privileges: [USAGE] }, { on: sequences, to: [api_user], privileges: [UPDATE] }]\n    tables",
            ),
            SPEC.replace("type: serial, primary_key", "type: int, identity: by_default, primary_key"),
            SPEC.replace("SELECT, INSERT", "SELECT"),
        ] {
            assert!(found(&lint(&clean), "insert-without-sequence-usage").is_empty(), "{clean}");
        }
        // Column-level INSERT counts, and so does an explicit nextval default.
        let columns = lint(&SPEC.replace(
            "grants: [{ to: [api_user], privileges: [SELECT, INSERT] }]",
            "grants: [{ to: [api_user], privileges: [INSERT], columns: [x] }]",
        ));
        assert_eq!(found(&columns, "insert-without-sequence-usage").len(), 1);
        let explicit = lint(&SPEC.replace(
            "{ name: id, type: serial, primary_key: true }",
            "{ name: id, type: bigint, default: \"nextval('app.ids'::regclass)\" }",
        ));
        assert!(
            found(&explicit, "insert-without-sequence-usage")[0].contains("sequence `app.ids`")
        );
    }

    #[test]
    fn default_privileges_for_a_role_that_cannot_create_are_reported() {
        let spec = "roles:
  owner: {}
  migrator: {}
  reader: {}
database: { owner: owner }
default_privileges:
  - { for_role: migrator, in_schema: app, on: tables, grant: { to: [reader], privileges: [SELECT] } }
schemas:
  app:
    grants:
      - { to: [reader], privileges: [USAGE] }
      - { on: tables, to: [reader], privileges: [SELECT], for_roles: [owner, migrator] }
";
        let r = lint(spec);
        assert_eq!(
            found(&r, "default-privileges-never-fire"),
            [
                "default privileges of `migrator` in schema `app`: default privileges for `migrator` in schema `app` never apply: `migrator` cannot create objects there (it does not own `app` and has no CREATE on it) (line 8)",
                "default privileges of `migrator` in schema `app`: default privileges for `migrator` in schema `app` never apply: `migrator` cannot create objects there (it does not own `app` and has no CREATE on it) (line 13)",
            ]
        );
        let clean = lint(&spec.replace(
            "- { to: [reader], privileges: [USAGE] }",
            "- { to: [reader], privileges: [USAGE] }\n      - { to: [migrator], privileges: [CREATE] }",
        ));
        assert!(
            found(&clean, "default-privileges-never-fire").is_empty(),
            "{clean:?}"
        );
        let member = lint(&spec.replace("  migrator: {}", "  migrator: { member_of: [owner] }"));
        assert!(found(&member, "default-privileges-never-fire").is_empty());
    }

    #[test]
    fn grants_to_roles_without_schema_usage_are_reported() {
        let spec = "roles:
  owner: {}
  reader: {}
  user: { member_of: [reader] }
database: { owner: owner }
schemas:
  app:
    grants:
      - { on: tables, to: [reader], privileges: [SELECT] }
    tables:
      t: { grants: [{ to: [user], privileges: [SELECT] }, { to: [PUBLIC], privileges: [SELECT] }] }
";
        let r = lint(spec);
        assert_eq!(
            found(&r, "grant-without-schema-usage"),
            [
                "schema `app`: `reader` is granted SELECT on every one of its tables but has no USAGE on schema `app`: the grant has no effect (line 10)",
                "table `app.t`: `user` is granted SELECT on table `app.t` but has no USAGE on schema `app`: the grant has no effect (line 12)",
            ]
        );
        let clean = lint(&spec.replace(
            "    grants:\n",
            "    grants:\n      - { to: [reader], privileges: [USAGE] }\n",
        ));
        assert!(
            found(&clean, "grant-without-schema-usage").is_empty(),
            "{clean:?}"
        );
    }
}

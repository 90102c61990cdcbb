//! Row-level security lints on the spec: policies without RLS, RLS without
//! policies, tables an API role reaches without RLS, and views that read
//! RLS-protected tables as an owner the policies do not restrict.

use super::access::Access;
use super::registry::{
    RLS_DISABLED_WITH_POLICY, RLS_ENABLED_WITHOUT_POLICY, TABLE_REACHABLE_WITHOUT_RLS,
    VIEW_BYPASSES_RLS,
};
use super::{Finding, label, roles};
use crate::privilege::{ObjectKind, Privilege};
use crate::spec::Spec;
use crate::spec::lint::Scope;
use crate::spec::model::{Object, Origin, Schema};
use crate::spec::security::Rls;
use std::collections::{BTreeMap, BTreeSet};

/// Privileges that let a role see or change a table's rows.
const ROW_PRIVILEGES: [Privilege; 4] = [
    Privilege::Select,
    Privilege::Insert,
    Privilege::Update,
    Privilege::Delete,
];

pub(super) fn scope(schema: &Schema, object: &Object) -> Scope {
    Scope::Object {
        schema: schema.name.clone(),
        kind: object.kind,
        name: object.name.clone(),
    }
}

/// Where to point for a table's RLS: its `rls` key when written, else the table.
fn rls_origin(table: &Object) -> Origin {
    if table.security.rls.is_some() {
        table.security.rls_origin.clone()
    } else {
        table.origin.clone()
    }
}

fn rls_on(table: &Object) -> bool {
    matches!(table.security.rls, Some(Rls::Enabled | Rls::Forced))
}

pub(super) fn check(spec: &Spec, access: &Access<'_>, out: &mut Vec<Finding>) {
    for schema in spec.schemas.values() {
        for table in schema
            .objects
            .values()
            .filter(|o| o.kind == ObjectKind::Table)
        {
            policies_without_rls(schema, table, out);
            reachable_without_rls(schema, table, access, out);
        }
        for view in schema
            .objects
            .values()
            .filter(|o| o.kind == ObjectKind::View)
        {
            view_bypasses(spec, schema, view, access, out);
        }
    }
}

fn policies_without_rls(schema: &Schema, table: &Object, out: &mut Vec<Finding>) {
    let object = label("table", &schema.name, &table.name);
    let policies = &table.security.policies;
    if !policies.is_empty() && !rls_on(table) {
        let names = policies
            .keys()
            .map(|p| format!("`{p}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let state = match table.security.rls {
            Some(_) => "row-level security is disabled (`rls: disabled`)",
            None => "the spec does not enable row-level security (`rls` is not set)",
        };
        out.push(Finding {
            lint: &RLS_DISABLED_WITH_POLICY,
            message: format!(
                "{object} has policies ({names}) but {state}, so PostgreSQL ignores them"
            ),
            object,
            remediation: "write `rls: enabled` on the table".into(),
            scope: scope(schema, table),
            origin: Some(rls_origin(table)),
        });
    } else if policies.is_empty() && rls_on(table) {
        out.push(Finding {
            lint: &RLS_ENABLED_WITHOUT_POLICY,
            message: format!(
                "row-level security is enabled on {object} but it has no policy: no role but its owner (and BYPASSRLS roles) sees a row"
            ),
            object,
            remediation: "add policies for the roles that should see rows, or allow this lint if only the owner (through views or SECURITY DEFINER functions) reads the table".into(),
            scope: scope(schema, table),
            origin: Some(rls_origin(table)),
        });
    }
}

fn reachable_without_rls(
    schema: &Schema,
    table: &Object,
    access: &Access<'_>,
    out: &mut Vec<Finding>,
) {
    if rls_on(table) {
        return;
    }
    let owner = access.object_owner(schema, table);
    let mut acl = access.object_acl(schema, table);
    acl.extend(access.column_acl(table));
    let mut reached: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for api in access.api_roles.keys() {
        if Some(api) == owner.as_ref() || !access.uses_schema(api, &schema.name) {
            continue;
        }
        for p in ROW_PRIVILEGES {
            if access
                .holds(api, ObjectKind::Table, &acl, owner.as_deref(), &[p])
                .is_some()
            {
                reached.entry(api.clone()).or_default().push(p.keyword());
            }
        }
    }
    if reached.is_empty() {
        return;
    }
    let object = label("table", &schema.name, &table.name);
    let who = reached
        .iter()
        .map(|(r, ps)| format!("{} ({})", super::role(r), ps.join(", ")))
        .collect::<Vec<_>>()
        .join(", ");
    out.push(Finding {
        lint: &TABLE_REACHABLE_WITHOUT_RLS,
        message: format!(
            "API role(s) {who} can reach {object}, which has no row-level security: every row their privileges allow is theirs"
        ),
        object,
        remediation: format!(
            "write `rls: enabled` with policies for {}, or expose the rows through a view or function instead",
            roles(reached.keys())
        ),
        scope: scope(schema, table),
        origin: Some(rls_origin(table)),
    });
}

fn view_bypasses(
    spec: &Spec,
    schema: &Schema,
    view: &Object,
    access: &Access<'_>,
    out: &mut Vec<Finding>,
) {
    let Some(def) = &view.view else { return };
    if def.security_invoker {
        return;
    }
    let owner = access.object_owner(schema, view);
    let mut acl = access.object_acl(schema, view);
    acl.extend(access.column_acl(view));
    let readers: Vec<String> = access
        .api_roles
        .keys()
        .filter(|api| {
            Some(*api) != owner.as_ref()
                && access.uses_schema(api, &schema.name)
                && access
                    .holds(
                        api,
                        ObjectKind::View,
                        &acl,
                        owner.as_deref(),
                        &[Privilege::Select],
                    )
                    .is_some()
        })
        .cloned()
        .collect();
    let Some(owner) = owner else { return };
    if readers.is_empty() {
        return;
    }
    let mut exempt = Vec::new();
    let mut seen = BTreeSet::new();
    bypassed(spec, access, schema, view, &owner, &mut seen, &mut exempt);
    if exempt.is_empty() {
        return;
    }
    let object = label("view", &schema.name, &view.name);
    let tables = exempt
        .iter()
        .map(|(t, reader, why)| format!("{t} as `{reader}` ({why})"))
        .collect::<Vec<_>>()
        .join(", ");
    out.push(Finding {
        lint: &VIEW_BYPASSES_RLS,
        message: format!(
            "{object} is readable by {} and reads {tables}: the table's policies do not filter the rows the view shows",
            roles(&readers)
        ),
        object,
        remediation: "on PostgreSQL 15+ write `security_invoker: true` on the view (and grant the API roles what the view reads); on 14 write `rls: forced` on the table with policies for the view's owner, or filter the rows in the query".into(),
        scope: scope(schema, view),
        origin: Some(view.origin.clone()),
    });
}

/// The RLS tables `view` reads (through declared views too) as a role the
/// tables' policies do not restrict: (table, reader, why).
fn bypassed(
    spec: &Spec,
    access: &Access<'_>,
    schema: &Schema,
    view: &Object,
    reader: &str,
    seen: &mut BTreeSet<(String, String)>,
    out: &mut Vec<(String, String, &'static str)>,
) {
    if !seen.insert((schema.name.clone(), view.name.clone())) {
        return;
    }
    let Some(def) = &view.view else { return };
    for (qualifier, name) in crate::sql_names::relations(&def.query) {
        // Unqualified names: the view's own schema, then `public` (what a
        // search_path of "$user", public usually finds).
        let candidates = match &qualifier {
            Some(q) => vec![q.clone()],
            None => vec![schema.name.clone(), "public".to_string()],
        };
        let found = candidates.iter().find_map(|s| {
            let sch = spec.schemas.get(s)?;
            sch.objects
                .get(&(ObjectKind::Table, name.clone()))
                .or_else(|| sch.objects.get(&(ObjectKind::View, name.clone())))
                .map(|o| (sch, o))
        });
        let Some((sch, object)) = found else { continue };
        if object.kind == ObjectKind::View {
            // A security-invoker view reads as whoever reads it (here: the
            // outer view's owner); any other view as its own owner.
            let next = match &object.view {
                Some(d) if d.security_invoker => Some(reader.to_string()),
                _ => access.object_owner(sch, object),
            };
            if let Some(next) = next {
                bypassed(spec, access, sch, object, &next, seen, out);
            }
            continue;
        }
        let Some(rls) = object.security.rls else {
            continue;
        };
        let table_owner = access.object_owner(sch, object);
        let why = if access.bypasses_rls(reader) {
            Some("superuser or BYPASSRLS")
        } else if rls == Rls::Enabled && table_owner.as_deref() == Some(reader) {
            Some("its owner; RLS is not forced")
        } else {
            None
        };
        if let Some(why) = why
            && rls != Rls::Disabled
        {
            out.push((
                label("table", &sch.name, &object.name),
                reader.to_string(),
                why,
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::tests::{found, lint};

    const TABLE: &str = "roles:
  owner: {}
  api_anon: {}
  authenticator: { login: true, inherit: false, password: { env: P }, member_of: [api_anon] }
database: { owner: owner }
schemas:
  app:
    grants: [{ to: [api_anon], privileges: [USAGE] }]
    tables:
      t:
";

    #[test]
    fn policies_without_rls_are_reported_at_rls_or_the_table() {
        let r = lint(&format!(
            "{TABLE}        rls: disabled\n        policies: {{ p: {{ for: select, using: \"true\" }} }}\n"
        ));
        assert_eq!(
            found(&r, "rls-disabled-with-policy"),
            [
                "table `app.t`: table `app.t` has policies (`p`) but row-level security is disabled (`rls: disabled`), so PostgreSQL ignores them (line 12)"
            ]
        );
        let r = lint(&format!(
            "{TABLE}        policies: {{ p: {{ for: select, using: \"true\" }} }}\n"
        ));
        assert_eq!(found(&r, "rls-disabled-with-policy").len(), 1);
        assert!(found(&r, "rls-disabled-with-policy")[0].ends_with("(line 11)"));
        let r = lint(&format!(
            "{TABLE}        rls: enabled\n        policies: {{ p: {{ for: select, using: \"true\" }} }}\n"
        ));
        assert!(found(&r, "rls-disabled-with-policy").is_empty());
        assert!(found(&r, "rls-enabled-without-policy").is_empty());
    }

    #[test]
    fn rls_without_policies_is_info() {
        let r = lint(&format!("{TABLE}        rls: forced\n"));
        assert_eq!(found(&r, "rls-enabled-without-policy").len(), 1, "{r:?}");
        let f = r
            .findings
            .iter()
            .find(|f| f.lint.id == "rls-enabled-without-policy");
        assert_eq!(f.unwrap().level(), crate::lint::Level::Info);
        let r = lint(&format!("{TABLE}        rls: disabled\n"));
        assert!(found(&r, "rls-enabled-without-policy").is_empty());
    }

    #[test]
    fn api_roles_reaching_a_table_without_rls_are_reported() {
        let r = lint(&format!(
            "{TABLE}        grants: [{{ to: [api_anon], privileges: [SELECT, UPDATE] }}]\n"
        ));
        assert_eq!(
            found(&r, "table-reachable-without-rls"),
            [
                "table `app.t`: API role(s) `api_anon` (SELECT, UPDATE) can reach table `app.t`, which has no row-level security: every row their privileges allow is theirs (line 11)"
            ]
        );
        // With RLS, or without USAGE on the schema, or for a role that is not
        // an API role, nothing.
        let with_rls = lint(&format!(
            "{TABLE}        rls: enabled\n        policies: {{ p: {{ to: [api_anon], using: \"false\" }} }}\n        grants: [{{ to: [api_anon], privileges: [SELECT] }}]\n"
        ));
        assert!(found(&with_rls, "table-reachable-without-rls").is_empty());
        let no_usage = lint(&format!(
            "{}        grants: [{{ to: [api_anon], privileges: [SELECT] }}]\n",
            TABLE.replace(
                "    grants: [{ to: [api_anon], privileges: [USAGE] }]\n",
                ""
            )
        ));
        assert!(found(&no_usage, "table-reachable-without-rls").is_empty());
        let inheriting = lint(&format!(
            "{}        grants: [{{ to: [api_anon], privileges: [SELECT] }}]\n",
            TABLE.replace("inherit: false, ", "")
        ));
        assert!(found(&inheriting, "table-reachable-without-rls").is_empty());
        // A schema-wide grant to PUBLIC reaches every table.
        let public = lint(&format!(
            "{}        columns: [{{ name: id, type: int }}]\n",
            TABLE.replace(
                "privileges: [USAGE] }]",
                "privileges: [USAGE] }, { on: tables, to: [PUBLIC], privileges: [SELECT] }]"
            )
        ));
        assert_eq!(
            found(&public, "table-reachable-without-rls").len(),
            1,
            "{public:?}"
        );
        // api_anon holds it through PUBLIC; PUBLIC itself has no USAGE on `app`.
        assert!(found(&public, "table-reachable-without-rls")[0].contains("`api_anon` (SELECT)"));
    }

    const VIEW: &str = "roles:
  owner: {}
  api_anon: {}
  authenticator: { login: true, inherit: false, password: { env: P }, member_of: [api_anon] }
database: { owner: owner }
schemas:
  data:
    tables:
      t: { rls: enabled, policies: { own: { using: \"false\" } } }
  api:
    grants: [{ to: [api_anon], privileges: [USAGE] }]
    views:
      v:
        query: select * from data.t
        grants: [{ to: [api_anon], privileges: [SELECT] }]
";

    #[test]
    fn a_view_reading_an_rls_table_as_its_owner_is_reported() {
        let r = lint(VIEW);
        assert_eq!(
            found(&r, "view-bypasses-rls"),
            [
                "view `api.v`: view `api.v` is readable by `api_anon` and reads table `data.t` as `owner` (its owner; RLS is not forced): the table's policies do not filter the rows the view shows (line 14)"
            ]
        );
        // security_invoker, forced RLS, another owner, or no API reader: clean.
        for clean in [
            VIEW.replace("query:", "security_invoker: true\n        query:"),
            VIEW.replace("rls: enabled", "rls: forced"),
            VIEW.replace("      v:\n", "      v:\n        owner: api_anon\n"),
            VIEW.replace(
                "        grants: [{ to: [api_anon], privileges: [SELECT] }]\n",
                "",
            ),
        ] {
            assert!(
                found(&lint(&clean), "view-bypasses-rls").is_empty(),
                "{clean}"
            );
        }
        // Through another view, and as a BYPASSRLS owner even when forced.
        let chained = format!(
            "{}      w: {{ query: \"select * from data.t\" }}\n",
            VIEW.replace("from data.t", "from api.w")
        );
        assert_eq!(found(&lint(&chained), "view-bypasses-rls").len(), 1);
        let bypass = VIEW
            .replace("  owner: {}", "  owner: { bypassrls: true }")
            .replace("rls: enabled", "rls: forced");
        assert!(found(&lint(&bypass), "view-bypasses-rls")[0].contains("superuser or BYPASSRLS"));
    }
}

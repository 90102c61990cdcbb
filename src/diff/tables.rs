//! Table and sequence definitions: create what is missing, converge existing
//! tables by adding what they lack. Never drops, never changes a type.
//!
//! Ordering inside the `Tables` phase (the plan keeps the diff's order within
//! a phase): sequences first (a column default may call `nextval` on one),
//! then each table (created without foreign keys, or its missing columns,
//! defaults, NOT NULLs, constraints, indexes), then every foreign key, then
//! `OWNED BY`. Adding foreign keys after all tables exist handles tables
//! that reference each other in any order, cycles included.
//!
//! Expressions are compared through the server: for each existing defined
//! table, a probe builds a scratch copy (`pg_temp.pgp_t<n>`) from the spec —
//! the spec's types, defaults, generation expressions, checks and indexes
//! for what already exists live — and reads its shape with the very query
//! that read the live table ([`crate::catalog::tables::shape`]). A second
//! probe counts NULLs in columns that should become NOT NULL.

use super::{Diff, Refusal, label};
use crate::catalog::Catalog;
use crate::catalog::shadow::{Probe, Read, Subject};
use crate::catalog::tables::{ColumnState, TableShape};
use crate::change::{
    Change, ColumnSql, Constraint, Phase, SequenceOptions, Statement, TableStatement,
    add_constraint_sql, index_sql, temp_table_sql,
};
use crate::privilege::ObjectKind;
use crate::quote::{ident, qualified};
use crate::spec::Spec;
use crate::spec::model::{Object, Origin};
use crate::spec::table::{Column, SequenceDef, Table};
use std::collections::BTreeMap;

/// Probe key of a table's scratch copy.
pub(crate) fn shadow_key(schema: &str, table: &str) -> String {
    format!("table:{schema}.{table}")
}

/// Probe key of a table's NULL counts.
fn nulls_key(schema: &str, table: &str) -> String {
    format!("table-nulls:{schema}.{table}")
}

/// Every defined table, numbered in spec order (names the scratch tables).
fn defined(spec: &Spec) -> Vec<(usize, &str, &Object, &Table)> {
    spec.schemas
        .iter()
        .flat_map(|(s, schema)| {
            schema
                .objects
                .values()
                .filter_map(move |o| o.table.as_deref().map(|t| (s.as_str(), o, t)))
        })
        .enumerate()
        .map(|(n, (s, o, t))| (n, s, o, t))
        .collect()
}

fn scratch_name(n: usize) -> String {
    format!("pgp_t{n}")
}

/// How a spec column is spelled in `CREATE TABLE` (serial: the sequence's
/// `nextval` default).
fn column_sql(schema: &str, c: &Column) -> ColumnSql {
    let default = match &c.serial {
        Some(seq) => Some(format!(
            "nextval({}::regclass)",
            crate::quote::literal(&qualified(schema, seq))
        )),
        None => c.default.clone(),
    };
    ColumnSql {
        name: c.name.clone(),
        type_sql: c.type_sql.clone(),
        default,
        not_null: c.not_null,
        identity: c.identity,
        generated: c.generated.clone(),
    }
}

/// Probes for existing defined tables: their scratch copies, and NULL
/// counts of columns that should become NOT NULL.
pub(crate) fn probes(spec: &Spec, catalog: &Catalog, out: &mut Vec<Probe>) {
    super::seed::probes(spec, catalog, out);
    for (n, schema, object, table) in defined(spec) {
        let Some(live) = catalog
            .tables
            .get(&(schema.to_string(), object.name.clone()))
        else {
            continue;
        };
        let existing: Vec<&Column> = table
            .columns
            .iter()
            .filter(|c| live.column(&c.name).is_some())
            .collect();
        if !existing.is_empty() {
            let name = scratch_name(n);
            let setup = scratch_setup(&name, live, table, &existing);
            let question = scratch_setup("pgp_t", live, table, &existing).join(";\n");
            out.push(Probe {
                key: shadow_key(schema, &object.name),
                scratch: None,
                question: Some(question),
                subject: Subject::Table {
                    schema: schema.to_string(),
                    table: object.name.clone(),
                    columns: existing
                        .iter()
                        .map(|c| (c.name.clone(), c.serial.is_some()))
                        .collect(),
                    checks: table
                        .checks
                        .iter()
                        .filter(|k| live.constraint(&k.name).is_some())
                        .map(|k| k.name.clone())
                        .collect(),
                    indexes: table
                        .indexes
                        .iter()
                        .enumerate()
                        .filter(|(_, i)| live.index(&i.name).is_some())
                        .map(|(k, i)| (k, i.name.clone()))
                        .collect(),
                    scratch: name.clone(),
                },
                setup,
                read: Read::ScratchShape(name),
            });
        }
        let candidates: Vec<&Column> = table
            .columns
            .iter()
            .filter(|c| match live.column(&c.name) {
                Some(l) => c.not_null && !l.not_null,
                None => needs_empty_table(c),
            })
            .collect();
        if !candidates.is_empty() {
            let mut items = vec!["'rows', count(*)".to_string()];
            for c in candidates.iter().filter(|c| live.column(&c.name).is_some()) {
                items.push(format!(
                    "{}, count(*) FILTER (WHERE {} IS NULL)",
                    crate::quote::literal(&c.name),
                    ident(&c.name)
                ));
            }
            out.push(Probe {
                key: nulls_key(schema, &object.name),
                scratch: None,
                question: None,
                subject: Subject::Data {
                    schema: schema.to_string(),
                    table: object.name.clone(),
                },
                setup: Vec::new(),
                read: format!(
                    "SELECT json_build_object({})::text FROM {}",
                    items.join(", "),
                    qualified(schema, &object.name)
                )
                .into(),
            });
        }
    }
}

/// The statements building a table's scratch copy `pg_temp.<name>` from the
/// spec: the spec's columns that exist live (types, defaults but a serial's,
/// generation expressions), its check constraints and indexes that exist live.
fn scratch_setup(
    name: &str,
    live: &TableShape,
    table: &Table,
    existing: &[&Column],
) -> Vec<String> {
    let temp = format!("pg_temp.{}", ident(name));
    let columns: Vec<ColumnSql> = existing
        .iter()
        .map(|c| ColumnSql {
            name: c.name.clone(),
            type_sql: c.type_sql.clone(),
            default: if c.serial.is_some() {
                None
            } else {
                c.default.clone()
            },
            not_null: false,
            identity: None,
            generated: c.generated.clone(),
        })
        .collect();
    let mut setup = vec![temp_table_sql(name, &columns)];
    for check in table
        .checks
        .iter()
        .filter(|k| live.constraint(&k.name).is_some())
    {
        setup.push(add_constraint_sql(&temp, &Constraint::Check(check.clone())));
    }
    for (k, index) in table.indexes.iter().enumerate() {
        if live.index(&index.name).is_some() {
            setup.push(format!(
                "CREATE {}",
                index_sql(&format!("{name}_i{k}"), &temp, index)
            ));
        }
    }
    setup
}

/// A new NOT NULL column without a value for existing rows can only be
/// added to an empty table.
fn needs_empty_table(c: &Column) -> bool {
    c.not_null
        && c.default.is_none()
        && c.serial.is_none()
        && c.identity.is_none()
        && c.generated.is_none()
}

/// Changes for every defined table and sequence.
pub(crate) fn diff(spec: &Spec, catalog: &Catalog, out: &mut Diff) {
    let mut plan = Buckets::default();
    for (schema_name, schema) in &spec.schemas {
        for ((kind, name), object) in &schema.objects {
            match (kind, &object.table, &object.sequence) {
                (ObjectKind::Table, Some(table), _) => {
                    let key = (schema_name.clone(), name.clone());
                    match catalog.tables.get(&key) {
                        Some(live) => {
                            let shadow: Option<TableShape> = catalog
                                .canonical
                                .get(&shadow_key(schema_name, name))
                                .and_then(|t| serde_json::from_str(t).ok());
                            let nulls: Option<BTreeMap<String, i64>> = catalog
                                .canonical
                                .get(&nulls_key(schema_name, name))
                                .and_then(|t| serde_json::from_str(t).ok());
                            let ctx = Existing {
                                schema: schema_name,
                                object,
                                table,
                                live,
                                shadow: shadow.as_ref(),
                                uncompared: catalog
                                    .uncompared
                                    .contains_key(&shadow_key(schema_name, name)),
                                nulls: nulls.as_ref(),
                            };
                            ctx.converge(&mut plan, out);
                        }
                        // Something else by that name: objects.rs refuses.
                        None if catalog.relations.contains_key(&key) => {}
                        None => create(schema_name, object, table, &mut plan),
                    }
                }
                (ObjectKind::Sequence, _, Some(def)) if def.is_standalone() => {
                    sequence(schema_name, object, def, catalog, &mut plan);
                }
                _ => {}
            }
        }
    }
    plan.finish(out);
}

/// Changes collected in the order they must run.
#[derive(Default)]
struct Buckets {
    sequences: Vec<Change>,
    tables: Vec<Change>,
    foreign_keys: Vec<Change>,
    owned_by: Vec<Change>,
    comments: Vec<Change>,
    notices: Vec<Change>,
}

impl Buckets {
    fn finish(self, out: &mut Diff) {
        out.changes.extend(
            self.sequences
                .into_iter()
                .chain(self.tables)
                .chain(self.foreign_keys)
                .chain(self.owned_by)
                .chain(self.comments)
                .chain(self.notices),
        );
    }
}

fn change(phase: Phase, object: String, origin: &Origin, s: TableStatement) -> Change {
    Change::converge(phase, object, origin, Statement::Table(s))
}

/// A missing table: its serial sequences, `CREATE TABLE`, indexes, foreign
/// keys, `OWNED BY`, column comments.
fn create(schema: &str, object: &Object, table: &Table, plan: &mut Buckets) {
    let name = &object.name;
    let what = label("table", &format!("{schema}.{name}"));
    for c in &table.columns {
        serial_sequence(schema, name, c, plan, &what);
    }
    let mut constraints: Vec<Constraint> = Vec::new();
    constraints.extend(
        table
            .primary_key
            .iter()
            .cloned()
            .map(Constraint::PrimaryKey),
    );
    constraints.extend(table.uniques.iter().cloned().map(Constraint::Unique));
    constraints.extend(table.checks.iter().cloned().map(Constraint::Check));
    plan.tables.push(change(
        Phase::Tables,
        what.clone(),
        &object.origin,
        TableStatement::CreateTable {
            schema: schema.to_string(),
            name: name.clone(),
            columns: table
                .columns
                .iter()
                .map(|c| column_sql(schema, c))
                .collect(),
            constraints,
        },
    ));
    for index in &table.indexes {
        plan.tables.push(change(
            Phase::Tables,
            what.clone(),
            &index.origin,
            TableStatement::CreateIndex {
                schema: schema.to_string(),
                table: name.clone(),
                index: index.clone(),
            },
        ));
    }
    for fk in &table.foreign_keys {
        plan.foreign_keys.push(change(
            Phase::Tables,
            what.clone(),
            &fk.origin,
            TableStatement::AddConstraint {
                schema: schema.to_string(),
                table: name.clone(),
                constraint: Constraint::ForeignKey(fk.clone()),
            },
        ));
    }
    for c in &table.columns {
        comment(schema, name, c, None, plan, &what);
    }
}

/// For a serial column being created: `CREATE SEQUENCE … AS type` before,
/// `ALTER SEQUENCE … OWNED BY` after — what PostgreSQL does for `serial`,
/// spelled out so the sequence is known to be created by this run.
fn serial_sequence(schema: &str, table: &str, c: &Column, plan: &mut Buckets, what: &str) {
    let Some(seq) = &c.serial else { return };
    plan.sequences.push(change(
        Phase::Tables,
        label("sequence", &format!("{schema}.{seq}")),
        &c.origin,
        TableStatement::CreateSequence {
            schema: schema.to_string(),
            name: seq.clone(),
            options: SequenceOptions {
                as_type: Some(c.type_sql.clone()),
                ..SequenceOptions::default()
            },
        },
    ));
    plan.owned_by.push(change(
        Phase::Tables,
        what.to_string(),
        &c.origin,
        TableStatement::SequenceOwnedBy {
            schema: schema.to_string(),
            name: seq.clone(),
            table: table.to_string(),
            column: c.name.clone(),
        },
    ));
}

fn comment(
    schema: &str,
    table: &str,
    c: &Column,
    live: Option<&ColumnState>,
    plan: &mut Buckets,
    what: &str,
) {
    if let Some(text) = &c.comment
        && live.and_then(|l| l.comment.as_ref()) != Some(text)
    {
        plan.comments.push(change(
            Phase::Comments,
            format!("column `{}` of {what}", c.name),
            &c.origin,
            TableStatement::CommentColumn {
                schema: schema.to_string(),
                table: table.to_string(),
                column: c.name.clone(),
                text: text.clone(),
            },
        ));
    }
}

/// An existing defined table.
struct Existing<'a> {
    schema: &'a str,
    object: &'a Object,
    table: &'a Table,
    live: &'a TableShape,
    /// The spec's definition as the server canonicalised it (absent when
    /// the probe did not run: expressions are then not compared).
    shadow: Option<&'a TableShape>,
    /// `rows` and NULL counts per candidate column.
    nulls: Option<&'a BTreeMap<String, i64>>,
    /// Its expressions could not be compared this run (see
    /// `Catalog::uncompared`): defaults are left alone.
    uncompared: bool,
}

impl Existing<'_> {
    fn what(&self) -> String {
        label("table", &format!("{}.{}", self.schema, self.object.name))
    }

    fn refuse(&self, out: &mut Diff, origin: &Origin, reason: String, hint: String) {
        out.refusals.push(Refusal {
            object: self.what(),
            reason,
            hint: Some(hint),
            origin: Some(origin.clone()),
        });
    }

    fn stmt(&self, plan_bucket: &mut Vec<Change>, origin: &Origin, s: TableStatement) {
        plan_bucket.push(change(Phase::Tables, self.what(), origin, s));
    }

    fn converge(&self, plan: &mut Buckets, out: &mut Diff) {
        let (schema, name) = (self.schema.to_string(), self.object.name.clone());
        for c in &self.table.columns {
            match self.live.column(&c.name) {
                None => self.add_column(c, plan, out),
                Some(l) => self.column(c, l, plan, out),
            }
            comment(
                self.schema,
                &name,
                c,
                self.live.column(&c.name),
                plan,
                &self.what(),
            );
        }
        for l in &self.live.columns {
            if self.table.column(&l.name).is_none() {
                plan.notices.push(Change::notice(
                    format!("column `{}` of {}", l.name, self.what()),
                    &self.object.origin,
                    Statement::Table(TableStatement::UndeclaredColumn {
                        schema: schema.clone(),
                        table: name.clone(),
                        column: l.name.clone(),
                    }),
                ));
            }
        }
        self.constraints(plan, out);
        for (k, index) in self.table.indexes.iter().enumerate() {
            match self.live.index(&index.name) {
                None => self.stmt(
                    &mut plan.tables,
                    &index.origin,
                    TableStatement::CreateIndex {
                        schema: schema.clone(),
                        table: name.clone(),
                        index: index.clone(),
                    },
                ),
                Some(l) if l.constraint => self.refuse(
                    out,
                    &index.origin,
                    format!("index `{}` belongs to a constraint", index.name),
                    "give the index another name".into(),
                ),
                Some(l) => {
                    let scratch = self.shadow.and_then(|s| {
                        s.indexes
                            .iter()
                            .find(|i| i.name.ends_with(&format!("_i{k}")))
                    });
                    if let Some(want) = scratch
                        && want.shape != l.shape
                    {
                        self.refuse(
                            out,
                            &index.origin,
                            format!("index `{}` exists with another definition", index.name),
                            format!("drop it by hand (`DROP INDEX {}`) to have it recreated, or rename it in the spec", qualified(self.schema, &index.name)),
                        );
                    }
                }
            }
        }
    }

    fn add_column(&self, c: &Column, plan: &mut Buckets, out: &mut Diff) {
        if needs_empty_table(c) {
            let rows = self.nulls.and_then(|n| n.get("rows")).copied().unwrap_or(0);
            if rows > 0 {
                self.refuse(
                    out,
                    &c.origin,
                    format!("column `{}` is NOT NULL without a default, and the table has {rows} row(s)", c.name),
                    "give the column a `default`, or add it without `not_null` and fill it first".into(),
                );
                return;
            }
        }
        serial_sequence(self.schema, &self.object.name, c, plan, &self.what());
        self.stmt(
            &mut plan.tables,
            &c.origin,
            TableStatement::AddColumn {
                schema: self.schema.to_string(),
                table: self.object.name.clone(),
                column: column_sql(self.schema, c),
            },
        );
    }

    fn column(&self, c: &Column, l: &ColumnState, plan: &mut Buckets, out: &mut Diff) {
        let (schema, table) = (self.schema.to_string(), self.object.name.clone());
        let want = self.shadow.and_then(|s| s.column(&c.name));
        if let Some(w) = want
            && w.type_ != l.type_
        {
            self.refuse(
                out,
                &c.origin,
                format!(
                    "column `{}` is `{}`; making it `{}` would rewrite data",
                    c.name, l.type_, w.type_
                ),
                format!("change the type by hand (`ALTER TABLE … ALTER COLUMN … TYPE …`) or write `type: {}` in the spec", l.type_),
            );
            return;
        }
        if c.serial.is_some() && l.sequence.is_none() {
            self.refuse(
                out,
                &c.origin,
                format!(
                    "column `{}` exists without a sequence, so it is not serial",
                    c.name
                ),
                "declare it with its integer type, or give it an identity".into(),
            );
        }
        match (c.identity, l.identity.as_str()) {
            (Some(i), "") if l.default_fp.is_none() => self.stmt(
                &mut plan.tables,
                &c.origin,
                TableStatement::AddIdentity {
                    schema: schema.clone(),
                    table: table.clone(),
                    column: c.name.clone(),
                    identity: i,
                },
            ),
            (Some(_), "") => self.refuse(
                out,
                &c.origin,
                format!(
                    "column `{}` has a default, so it cannot become an identity column",
                    c.name
                ),
                "drop the default by hand first".into(),
            ),
            (Some(i), code) if code != i.code() => self.stmt(
                &mut plan.tables,
                &c.origin,
                TableStatement::SetIdentity {
                    schema: schema.clone(),
                    table: table.clone(),
                    column: c.name.clone(),
                    identity: i,
                },
            ),
            _ => {}
        }
        if c.generated.is_some() {
            let same = l.generated == "s" && want.is_none_or(|w| w.default == l.default);
            if !same {
                self.refuse(
                    out,
                    &c.origin,
                    format!(
                        "column `{}` exists with another generation expression (or none)",
                        c.name
                    ),
                    "generated columns are not altered; change it by hand".into(),
                );
            }
        } else if let Some(default) = &c.default
            && c.serial.is_none()
            && !self.uncompared
        {
            let differs = match want {
                Some(w) => w.default != l.default,
                None => l.default_fp.is_none(),
            };
            if differs {
                self.stmt(
                    &mut plan.tables,
                    &c.origin,
                    TableStatement::SetDefault {
                        schema: schema.clone(),
                        table: table.clone(),
                        column: c.name.clone(),
                        default: default.clone(),
                    },
                );
            }
        }
        if c.not_null && !l.not_null {
            match self.nulls.and_then(|n| n.get(&c.name)).copied() {
                Some(count) if count > 0 => self.refuse(
                    out,
                    &c.origin,
                    format!(
                        "{count} row(s) have NULL in column `{}`, so it cannot be made NOT NULL",
                        c.name
                    ),
                    format!(
                        "fill them first (`UPDATE {} SET {} = … WHERE {} IS NULL`)",
                        qualified(self.schema, &table),
                        ident(&c.name),
                        ident(&c.name)
                    ),
                ),
                _ => self.stmt(
                    &mut plan.tables,
                    &c.origin,
                    TableStatement::SetNotNull {
                        schema,
                        table,
                        column: c.name.clone(),
                    },
                ),
            }
        }
    }

    fn constraints(&self, plan: &mut Buckets, out: &mut Diff) {
        let mut wanted: Vec<(Constraint, &Origin)> = Vec::new();
        if let Some(pk) = &self.table.primary_key {
            wanted.push((Constraint::PrimaryKey(pk.clone()), &pk.origin));
        }
        wanted.extend(
            self.table
                .uniques
                .iter()
                .map(|k| (Constraint::Unique(k.clone()), &k.origin)),
        );
        wanted.extend(
            self.table
                .checks
                .iter()
                .map(|k| (Constraint::Check(k.clone()), &k.origin)),
        );
        wanted.extend(
            self.table
                .foreign_keys
                .iter()
                .map(|k| (Constraint::ForeignKey(k.clone()), &k.origin)),
        );
        for (c, origin) in wanted {
            let Some(l) = self.live.constraint(c.name()) else {
                if let Constraint::PrimaryKey(_) = c
                    && let Some(other) = self.live.constraints.iter().find(|k| k.type_ == "p")
                {
                    self.refuse(
                        out,
                        origin,
                        format!("the table already has primary key `{}`", other.name),
                        format!("name it in the spec, or drop `{}` by hand", other.name),
                    );
                    continue;
                }
                let bucket = if matches!(c, Constraint::ForeignKey(_)) {
                    &mut plan.foreign_keys
                } else {
                    &mut plan.tables
                };
                self.stmt(
                    bucket,
                    origin,
                    TableStatement::AddConstraint {
                        schema: self.schema.to_string(),
                        table: self.object.name.clone(),
                        constraint: c,
                    },
                );
                continue;
            };
            let same = match &c {
                Constraint::PrimaryKey(k) => l.type_ == "p" && l.columns == k.columns,
                Constraint::Unique(k) => l.type_ == "u" && l.columns == k.columns,
                Constraint::Check(k) => {
                    l.type_ == "c"
                        && self
                            .shadow
                            .and_then(|s| s.constraint(&k.name))
                            .is_none_or(|w| w.definition == l.definition)
                }
                Constraint::ForeignKey(f) => {
                    l.type_ == "f"
                        && l.columns == f.columns
                        && l.ref_table == Some((f.ref_schema.clone(), f.ref_table.clone()))
                        && l.ref_columns == f.ref_columns
                        && l.on_delete == f.on_delete.code()
                        && l.on_update == f.on_update.code()
                }
            };
            if !same {
                self.refuse(
                    out,
                    origin,
                    format!("constraint `{}` exists with another definition: {}", c.name(), l.definition),
                    format!(
                        "drop it by hand (`ALTER TABLE {} DROP CONSTRAINT {}`) to have it added as declared, or rename it in the spec",
                        qualified(self.schema, &self.object.name),
                        ident(c.name())
                    ),
                );
            }
        }
    }
}

/// A sequence with a definition: create it, or alter the options that differ.
fn sequence(
    schema: &str,
    object: &Object,
    def: &SequenceDef,
    catalog: &Catalog,
    plan: &mut Buckets,
) {
    let name = &object.name;
    let what = label("sequence", &format!("{schema}.{name}"));
    let key = (schema.to_string(), name.clone());
    let owned_by = |plan: &mut Buckets| {
        if let Some((t, c)) = &def.owned_by {
            plan.owned_by.push(change(
                Phase::Tables,
                what.clone(),
                &object.origin,
                TableStatement::SequenceOwnedBy {
                    schema: schema.to_string(),
                    name: name.clone(),
                    table: t.clone(),
                    column: c.clone(),
                },
            ));
        }
    };
    let Some(live) = catalog.sequences.get(&key) else {
        if catalog.relations.contains_key(&key) {
            return; // something else by that name: objects.rs refuses
        }
        plan.sequences.push(change(
            Phase::Tables,
            what.clone(),
            &object.origin,
            TableStatement::CreateSequence {
                schema: schema.to_string(),
                name: name.clone(),
                options: SequenceOptions {
                    as_type: def.as_type.clone(),
                    start: def.start,
                    increment: def.increment,
                    min_value: def.min_value,
                    max_value: def.max_value,
                    cache: def.cache,
                    cycle: def.cycle,
                },
            },
        ));
        owned_by(plan);
        return;
    };
    let differs = |want: Option<i64>, have: i64| want.filter(|w| *w != have);
    let options = SequenceOptions {
        as_type: def.as_type.clone().filter(|t| *t != live.type_),
        start: differs(def.start, live.start),
        increment: differs(def.increment, live.increment),
        min_value: differs(def.min_value, live.min_value),
        max_value: differs(def.max_value, live.max_value),
        cache: differs(def.cache, live.cache),
        cycle: def.cycle.filter(|c| *c != live.cycle),
    };
    if options != SequenceOptions::default() {
        plan.sequences.push(change(
            Phase::Tables,
            what.clone(),
            &object.origin,
            TableStatement::AlterSequence {
                schema: schema.to_string(),
                name: name.clone(),
                options,
            },
        ));
    }
    if let Some((t, c)) = &def.owned_by
        && live.owned_by.as_ref() != Some(&(schema.to_string(), t.clone(), c.clone()))
    {
        owned_by(plan);
    }
}

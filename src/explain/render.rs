//! The human form of a [`Report`]: a header about the role, then one table
//! — object, privileges, why — with a line per group of privileges that share
//! their reasons, the missing ones last with why they are missing; then
//! default privileges, gaps and notes. Plain text, no colour, deterministic.

use super::evaluate::{Answer, Blocked, Source};
use super::future::FutureAnswer;
use super::memberships::{self, Path};
use super::report::{ObjectAnswer, Report};
use super::rls::{Reason, RlsAnswer};
use crate::privilege::Privilege;

/// Renders the whole report.
pub fn render(r: &Report) -> String {
    let mut out = String::new();
    let from = match r.from {
        "spec" => "from the spec: what `apply` would make",
        _ => "live catalog",
    };
    out.push_str(&format!(
        "explain `{}` in database `{}` (PostgreSQL {}, {from})\n",
        r.role, r.database, r.server_major
    ));
    out.push_str(&header(r));

    let mut rows: Vec<[String; 4]> = Vec::new();
    for o in &r.objects {
        object_rows(r, o, &mut rows);
    }
    out.push('\n');
    out.push_str(&table(&["OBJECT", "OWNER", "PRIVILEGES", "WHY"], &rows));

    let future: Vec<[String; 5]> = r
        .default_privileges
        .iter()
        .flat_map(|f| future_rows(r, f))
        .collect();
    if !future.is_empty() {
        out.push_str("\nobjects created later (default privileges)\n");
        out.push_str(&table(
            &["CREATED BY", "IN SCHEMA", "ON", "PRIVILEGES", "WHY"],
            &future,
        ));
    }
    if !r.gaps.is_empty() {
        out.push_str("\ngaps\n");
        for g in &r.gaps {
            out.push_str(&format!("  {}: {}\n", g.object, g.message));
        }
    }
    if !r.notes.is_empty() {
        out.push_str("\nnotes\n");
        for n in &r.notes {
            out.push_str(&format!("  {n}\n"));
        }
    }
    out
}

fn header(r: &Report) -> String {
    let a = &r.attributes;
    let mut out = String::new();
    if !a.known {
        out.push_str(&format!(
            "role `{}`: not declared in the spec (its attributes are not known)\n",
            r.role
        ));
    } else {
        let mut flags = vec![if a.login { "LOGIN" } else { "NOLOGIN" }];
        flags.push(if a.inherit { "INHERIT" } else { "NOINHERIT" });
        if a.superuser {
            flags.push("SUPERUSER");
        }
        if a.bypassrls {
            flags.push("BYPASSRLS");
        }
        out.push_str(&format!("role `{}`: {}\n", r.role, flags.join(" ")));
    }
    if !a.privileges_of.is_empty() {
        let list: Vec<String> = a
            .privileges_of
            .iter()
            .map(|m| format!("{} ({})", m.role, path_text(&r.role, &m.path)))
            .collect();
        out.push_str(&format!("has the privileges of: {}\n", list.join(", ")));
    }
    if !a.member_without_privileges.is_empty() {
        let list: Vec<String> = a
            .member_without_privileges
            .iter()
            .map(|m| {
                let set = if a.can_set_role.contains(&m.role) {
                    "; SET ROLE allowed"
                } else {
                    ""
                };
                format!(
                    "{} ({}: {}{set})",
                    m.role,
                    path_text(&r.role, &m.path),
                    blocked_reason(&m.path)
                )
            })
            .collect();
        out.push_str(&format!("member without inheriting: {}\n", list.join(", ")));
    }
    out
}

/// `a → b → c`; the database owner's implicit membership in
/// `pg_database_owner` is said in words.
fn path_text(start: &str, path: &Path) -> String {
    match path.as_slice() {
        [hop] if hop.implicit => "as owner of the database".into(),
        _ => {
            let mut text = memberships::render(start, path);
            if let Some(hop) = path.iter().find(|h| h.implicit) {
                text.push_str(&format!(", {} owns the database", hop.member));
            }
            text
        }
    }
}

fn blocked_reason(path: &Path) -> String {
    path.iter()
        .find(|h| !h.inherit)
        .and_then(|h| h.not_inherited_because.clone())
        .unwrap_or_else(|| "does not inherit".into())
}

fn source_text(role: &str, s: &Source) -> String {
    let by = |grantor: &Option<String>| match grantor {
        Some(g) => format!(" by {g}"),
        None => String::new(),
    };
    match s {
        Source::Superuser => "superuser".into(),
        Source::Owner { path, .. } if path.is_empty() => "owner".into(),
        Source::Owner { owner, path } => {
            format!("via owner {owner} ({})", path_text(role, path))
        }
        Source::Grant {
            grantor,
            grant_option,
            path,
            grantee,
        } => {
            let option = if *grant_option {
                " with grant option"
            } else {
                ""
            };
            if path.is_empty() {
                format!("granted{}{option}", by(grantor))
            } else {
                format!(
                    "granted to {grantee}{}{option} ({})",
                    by(grantor),
                    path_text(role, path)
                )
            }
        }
        Source::Public { builtin: true, .. } => "PUBLIC (built-in default)".into(),
        Source::Public { grantor, .. } => format!("PUBLIC, granted{}", by(grantor)),
        Source::Predefined { role: r, path } => format!("{r} ({})", path_text(role, path)),
        Source::Table => "on the whole table".into(),
    }
}

fn blocked_text(role: &str, b: &Blocked) -> String {
    let by = b
        .grantor
        .as_ref()
        .map(|g| format!(" by {g}"))
        .unwrap_or_default();
    let set = if b.set_role {
        format!("; SET ROLE {} gives it", b.grantee)
    } else {
        String::new()
    };
    format!(
        "granted to {}{by}, not inherited ({}): {}{set}",
        b.grantee,
        memberships::render(role, &b.path),
        blocked_reason(&b.path)
    )
}

/// Privileges grouped by identical reasons: held groups first (in
/// privilege order), then the missing ones. `all` is what ALL means here.
fn groups(role: &str, answers: &[Answer], all: Option<&[Privilege]>) -> Vec<(String, String)> {
    let mut held: Vec<(String, Vec<Privilege>)> = Vec::new();
    let mut missing: Vec<(String, Vec<Privilege>)> = Vec::new();
    for a in answers {
        let (why, bucket) = if a.held {
            let why = a
                .sources
                .iter()
                .map(|s| source_text(role, s))
                .collect::<Vec<_>>()
                .join("; ");
            (why, &mut held)
        } else if a.blocked.is_empty() {
            ("not granted".to_string(), &mut missing)
        } else {
            let why = a
                .blocked
                .iter()
                .map(|b| blocked_text(role, b))
                .collect::<Vec<_>>()
                .join("; ");
            (why, &mut missing)
        };
        match bucket.iter_mut().find(|(w, _)| *w == why) {
            Some((_, ps)) => ps.push(a.privilege),
            None => bucket.push((why, vec![a.privilege])),
        }
    }
    let list = |ps: &[Privilege]| -> String {
        if all.is_some_and(|all| all.len() > 1 && ps.len() == all.len()) {
            "ALL".into()
        } else {
            ps.iter().map(|p| p.keyword()).collect::<Vec<_>>().join(" ")
        }
    };
    let nothing_held = held.is_empty();
    let mut out: Vec<(String, String)> = held
        .iter()
        .map(|(why, ps)| (list(ps), why.clone()))
        .collect();
    for (why, ps) in &missing {
        let text = if nothing_held && missing.len() == 1 {
            "none".to_string()
        } else {
            format!("no {}", list(ps))
        };
        out.push((text, why.clone()));
    }
    out
}

fn object_rows(r: &Report, o: &ObjectAnswer, rows: &mut Vec<[String; 4]>) {
    let all: Vec<Privilege> = o.privileges.iter().map(|a| a.privilege).collect();
    for (i, (privileges, why)) in groups(&r.role, &o.privileges, Some(&all))
        .into_iter()
        .enumerate()
    {
        let (label, owner) = if i == 0 {
            (
                o.label.clone(),
                o.owner.clone().unwrap_or_else(|| "?".into()),
            )
        } else {
            (String::new(), String::new())
        };
        rows.push([label, owner, privileges, why]);
    }
    // Columns: only what a column grant adds beyond the table.
    for c in o.columns.iter().flatten() {
        let extra: Vec<Answer> = c
            .privileges
            .iter()
            .filter(|a| {
                a.held
                    && !a.sources.contains(&Source::Table)
                    && !a.sources.contains(&Source::Superuser)
            })
            .cloned()
            .collect();
        for (i, (privileges, why)) in groups(&r.role, &extra, None).into_iter().enumerate() {
            let label = if i == 0 {
                format!("  column {}", super::landscape::display_ident(&c.name))
            } else {
                String::new()
            };
            rows.push([label, String::new(), privileges, why]);
        }
    }
    if let Some(rs) = &o.row_security {
        rls_rows(r, rs, rows);
    }
}

fn rls_rows(r: &Report, rs: &RlsAnswer, rows: &mut Vec<[String; 4]>) {
    let label = "  row security".to_string();
    let (state, why) = match &rs.reason {
        Reason::Disabled => return,
        Reason::Superuser => ("bypassed", "superuser".to_string()),
        Reason::Bypassrls => ("bypassed", "BYPASSRLS".to_string()),
        Reason::Owner { owner, path } if path.is_empty() => {
            let _ = owner;
            (
                "bypassed",
                "owner, and the table does not FORCE it".to_string(),
            )
        }
        Reason::Owner { owner, path } => (
            "bypassed",
            format!(
                "via owner {owner} ({}), and the table does not FORCE it",
                path_text(&r.role, path)
            ),
        ),
        Reason::ForcedOwner { .. } => ("applies", "FORCEd on the owner too".to_string()),
        Reason::Applies => ("applies", "policies decide which rows".to_string()),
    };
    rows.push([label, String::new(), state.to_string(), why]);
    // Commands with the same policies on one line.
    let mut lines: Vec<(Vec<&str>, String)> = Vec::new();
    for c in &rs.commands {
        let text = if c.permissive.is_empty() {
            "no permissive policy: no rows".to_string()
        } else {
            let mut t = format!("policy {}", c.permissive.join(", "));
            if !c.restrictive.is_empty() {
                t.push_str(&format!(", restricted by {}", c.restrictive.join(", ")));
            }
            t
        };
        match lines.iter_mut().find(|(_, t)| *t == text) {
            Some((cmds, _)) => cmds.push(c.command.keyword()),
            None => lines.push((vec![c.command.keyword()], text)),
        }
    }
    for (cmds, text) in lines {
        rows.push([String::new(), String::new(), cmds.join(" "), text]);
    }
}

fn future_rows(r: &Report, f: &FutureAnswer) -> Vec<[String; 5]> {
    let any_held = f.privileges.iter().any(|a| a.held);
    // A global entry that takes PUBLIC's built-in privilege away is worth
    // saying even when the role gets nothing; other empty rows are noise.
    let says_something = any_held
        || (f.replaces_builtin && f.schema.is_none() && matches!(f.kind, "functions" | "types"));
    if !says_something {
        return Vec::new();
    }
    let all: Vec<Privilege> = f.privileges.iter().map(|a| a.privilege).collect();
    let answers: Vec<Answer> = if any_held {
        f.privileges.iter().filter(|a| a.held).cloned().collect()
    } else {
        f.privileges.clone()
    };
    groups(&r.role, &answers, Some(&all))
        .into_iter()
        .enumerate()
        .map(|(i, (privileges, why))| {
            let why = if !any_held {
                format!("{why}: its global default privileges replace PostgreSQL's (PUBLIC's {} is gone)", match f.kind {
                    "functions" => "EXECUTE",
                    _ => "USAGE",
                })
            } else {
                why
            };
            if i == 0 {
                [
                    f.creator.clone(),
                    f.schema.clone().unwrap_or_else(|| "(any)".into()),
                    f.kind.to_string(),
                    privileges,
                    why,
                ]
            } else {
                [String::new(), String::new(), String::new(), privileges, why]
            }
        })
        .collect()
}

/// Columns padded to the widest cell, the last one left ragged.
fn table<const N: usize>(headings: &[&str; N], rows: &[[String; N]]) -> String {
    let mut widths = [0usize; N];
    for (i, h) in headings.iter().enumerate() {
        widths[i] = h.chars().count();
    }
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| -> String {
        let mut text = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == N {
                text.push_str(cell);
            } else {
                text.push_str(cell);
                text.push_str(&" ".repeat(widths[i] - cell.chars().count() + 2));
            }
        }
        format!("{}\n", text.trim_end())
    };
    let mut out = line(headings.to_vec());
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

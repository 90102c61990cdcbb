//! Functions, procedures and views with their definitions: attributes that
//! differ from `CREATE FUNCTION`'s defaults, `SET` options, bodies and
//! queries inline (literal blocks) or, with `--split`, in files referenced
//! by `body_file` / `query_file`.

use super::state::{Relation, Routine};
use super::yaml::{Map, Node};
use super::{Ctx, Out, names, settings};
use std::path::Path;

/// The `search_path` the export pins on a SECURITY DEFINER function that
/// has none the validator accepts (the docs' example).
const PINNED: [&str; 3] = ["pg_catalog", "public", "pg_temp"];

/// Adds the definition keys of `f` (everything but the body) to `m`.
pub fn function_definition(f: &Routine, m: &mut Map, out: &mut Out) {
    let label = format!("function `{}.{}({})`", f.schema, f.name, f.identity_args);
    let procedure = f.kind == "p";
    if procedure {
        m.insert("kind", "procedure");
    }
    if let Some(r) = &f.result {
        m.insert("returns", r.as_str());
    }
    m.insert("language", f.language.as_str());
    if !procedure {
        match f.volatility.as_str() {
            "i" => {
                m.insert("volatility", "immutable");
            }
            "s" => {
                m.insert("volatility", "stable");
            }
            _ => {}
        }
        if f.strict {
            m.insert("strict", true);
        }
    }
    if f.security_definer {
        m.insert("security", "definer");
    }
    if !procedure {
        if f.leakproof {
            m.insert("leakproof", true);
        }
        match f.parallel.as_str() {
            "s" => {
                m.insert("parallel", "safe");
            }
            "r" => {
                m.insert("parallel", "restricted");
            }
            _ => {}
        }
        let default_cost = if matches!(f.language.as_str(), "internal" | "c") {
            1.0
        } else {
            100.0
        };
        if f.cost != default_cost {
            m.insert("cost", Node::Float(f.cost));
        }
        if f.returns_set && f.rows != 1000.0 {
            m.insert("rows", Node::Float(f.rows));
        }
    }
    let mut search_path: Option<Vec<String>> = None;
    let mut set = Map::new();
    for entry in f.config.iter().flatten() {
        let Some((name, value)) = entry.split_once('=') else {
            continue;
        };
        if name.eq_ignore_ascii_case("search_path") {
            search_path = Some(settings::list(value));
        } else {
            set.insert(name, settings::value_node(name, value));
        }
    }
    if f.security_definer && !pinned(search_path.as_deref()) {
        let written = search_path
            .as_ref()
            .map(|p| format!("[{}]", p.join(", ")))
            .unwrap_or_else(|| "none".into());
        out.changed(format!(
            "{label}: SECURITY DEFINER with search_path {written}, which the spec refuses (the caller would choose the schemas); exported with `search_path: [{}]`",
            PINNED.join(", ")
        ));
        search_path = Some(PINNED.iter().map(|s| s.to_string()).collect());
    }
    if let Some(p) = search_path {
        m.insert("search_path", super::yaml::strings(p));
    }
    if !set.is_empty() {
        m.insert("set", set);
    }
}

/// Whether a search path passes the validator's rule for definer
/// functions: set, not empty, no `$user`, ending with `pg_temp`.
fn pinned(path: Option<&[String]>) -> bool {
    path.is_some_and(|p| {
        !p.is_empty() && !p.iter().any(|i| i == "$user") && p.last().is_some_and(|l| l == "pg_temp")
    })
}

/// Adds `body` (or `body_file`) of `f` to `m`.
pub fn function_body(ctx: &Ctx<'_>, f: &Routine, key: &str, m: &mut Map, out: &mut Out) {
    let body = f.source.as_deref().unwrap_or_default().trim();
    text_or_file(ctx, &f.schema, key, "body", body, m, out);
}

/// Adds the options of view `r` (`security_barrier`, `security_invoker`,
/// `check_option`) to `m`, noting others.
pub fn view_options(ctx: &Ctx<'_>, r: &Relation, m: &mut Map, out: &mut Out) {
    let label = format!("view `{}.{}`", r.schema, r.name);
    for option in r.options.iter().flatten() {
        let (name, value) = option.split_once('=').unwrap_or((option, ""));
        match (name, value) {
            ("security_barrier" | "security_invoker", "true" | "on") => {
                m.insert(name, true);
            }
            ("check_option", "local" | "cascaded") => {
                m.insert("check_option", value);
            }
            _ => out.not_exported(format!("{label}: option `{option}`")),
        }
    }
    for c in ctx
        .state
        .columns
        .iter()
        .filter(|c| c.schema == r.schema && c.table == r.name && c.comment.is_some())
    {
        out.not_exported(format!("{label}: the comment of column `{}`", c.name));
    }
}

/// Adds `query` (or `query_file`) of view `r` to `m`.
pub fn view_query(ctx: &Ctx<'_>, r: &Relation, m: &mut Map, out: &mut Out) {
    let query = r
        .view
        .as_deref()
        .unwrap_or_default()
        .trim()
        .trim_end_matches(';')
        .trim_end();
    text_or_file(ctx, &r.schema, &r.name, "query", query, m, out);
}

/// `key: text`, or with `--split` `key_file: <dir>/<schema>/<name>.sql`.
fn text_or_file(
    ctx: &Ctx<'_>,
    schema: &str,
    name: &str,
    key: &str,
    text: &str,
    m: &mut Map,
    out: &mut Out,
) {
    let Some(split) = &ctx.options.split else {
        m.insert(key, text);
        return;
    };
    let folder = split.dir.join(names::file_stem(schema));
    let stem = names::file_stem(name);
    let suffix = if key == "query" { ".view" } else { "" };
    let mut path = folder.join(format!("{stem}{suffix}.sql"));
    let mut n = 1;
    // File systems that ignore case would merge `F.sql` and `f.sql`.
    while out.files.keys().any(|p| {
        p.to_string_lossy()
            .eq_ignore_ascii_case(&path.to_string_lossy())
    }) {
        n += 1;
        path = folder.join(format!("{stem}_{n}{suffix}.sql"));
    }
    out.files.insert(path.clone(), format!("{text}\n"));
    m.insert(format!("{key}_file"), display(&path));
}

/// A path as the spec writes it (forward slashes).
fn display(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
        .replace("//", "/")
}

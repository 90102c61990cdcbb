//! A table's `rls`, `policies` and (outside `--adopt`) `triggers`.
//!
//! Triggers are read from `pg_trigger`'s columns; only the `WHEN` condition
//! comes from `pg_get_triggerdef`, which alone prints it with `OLD`/`NEW`.

use super::state::{Relation, Trigger};
use super::yaml::{Map, Node, strings};
use super::{Ctx, Out};

/// Adds the row-level security, policies and triggers of table `r` to `m`.
pub fn table(ctx: &Ctx<'_>, r: &Relation, m: &mut Map, out: &mut Out) {
    let label = format!("{}.{}", r.schema, r.name);
    match (r.rls, r.force_rls) {
        (true, true) => {
            m.insert("rls", "forced");
        }
        (true, false) => {
            m.insert("rls", "enabled");
        }
        (false, true) => out.not_exported(format!(
            "table `{label}`: FORCE ROW LEVEL SECURITY while row-level security is disabled"
        )),
        (false, false) => {}
    }
    let mut policies = Map::block();
    for p in ctx
        .state
        .policies
        .iter()
        .filter(|p| p.schema == r.schema && p.table == r.name)
    {
        let mut pm = Map::new();
        let command = match p.command.as_str() {
            "r" => Some("select"),
            "a" => Some("insert"),
            "w" => Some("update"),
            "d" => Some("delete"),
            _ => None,
        };
        if let Some(c) = command {
            pm.insert("for", c);
        }
        if !p.permissive {
            pm.insert("as", "restrictive");
        }
        if p.roles != ["PUBLIC"] {
            out.refer(p.roles.iter());
            pm.insert("to", strings(p.roles.iter()));
        }
        if let Some(u) = &p.using {
            pm.insert("using", u.as_str());
        }
        if let Some(w) = &p.with_check {
            pm.insert("with_check", w.as_str());
        }
        if p.comment.is_some() {
            out.not_exported(format!("policy `{}` on `{label}`: its comment", p.name));
        }
        policies.insert(p.name.as_str(), pm);
    }
    if !policies.is_empty() {
        m.insert("policies", policies);
    }
    if ctx.options.adopt {
        return;
    }
    let mut triggers = Map::block();
    for t in ctx
        .state
        .triggers
        .iter()
        .filter(|t| t.schema == r.schema && t.table == r.name && !t.cloned)
    {
        if let Some(node) = trigger(t, &label, out) {
            triggers.insert(t.name.as_str(), node);
        }
    }
    if !triggers.is_empty() {
        m.insert("triggers", triggers);
    }
}

/// Notes the triggers of relations the spec gives no triggers (views).
pub fn other_triggers(ctx: &Ctx<'_>, out: &mut Out) {
    for t in ctx.state.triggers.iter().filter(|t| t.relkind != "r") {
        if ctx.includes(&t.schema) && !t.cloned {
            out.not_exported(format!(
                "trigger `{}` on `{}.{}` (triggers are declared on tables only)",
                t.name, t.schema, t.table
            ));
        }
    }
}

const ROW: i32 = 1;
const BEFORE: i32 = 2;
const INSERT: i32 = 4;
const DELETE: i32 = 8;
const UPDATE: i32 = 16;
const TRUNCATE: i32 = 32;
const INSTEAD: i32 = 64;

fn trigger(t: &Trigger, label: &str, out: &mut Out) -> Option<Map> {
    let what = format!("trigger `{}` on `{label}`", t.name);
    let mut skip = None;
    if t.constraint {
        skip = Some("a constraint trigger");
    } else if t.transition {
        skip = Some("it has transition tables (REFERENCING)");
    } else if t.type_ & INSTEAD != 0 {
        skip = Some("INSTEAD OF");
    } else if t.function_schema.contains('.') || t.function.contains('.') {
        skip = Some("its function's name cannot be written in a spec");
    }
    if let Some(why) = skip {
        out.not_exported(format!("{what}: {why}"));
        return None;
    }
    if t.enabled != "O" {
        out.not_exported(format!("{what}: it is disabled or fires only on replicas (ALTER TABLE … ENABLE/DISABLE TRIGGER)"));
    }
    if t.comment.is_some() {
        out.not_exported(format!("{what}: its comment"));
    }
    let mut m = Map::new();
    m.insert(
        "timing",
        if t.type_ & BEFORE != 0 {
            "before"
        } else {
            "after"
        },
    );
    let events: Vec<&str> = [
        (INSERT, "insert"),
        (UPDATE, "update"),
        (DELETE, "delete"),
        (TRUNCATE, "truncate"),
    ]
    .into_iter()
    .filter(|(bit, _)| t.type_ & bit != 0)
    .map(|(_, e)| e)
    .collect();
    m.insert("events", strings(events));
    if !t.columns.is_empty() {
        m.insert("of", strings(t.columns.iter()));
    }
    if t.type_ & ROW != 0 {
        m.insert("for_each", "row");
    }
    if t.has_when {
        match when(&t.definition) {
            Some(w) => {
                m.insert("when", w);
            }
            None => {
                out.not_exported(format!("{what}: its WHEN condition could not be read"));
            }
        }
    }
    m.insert("function", format!("{}.{}", t.function_schema, t.function));
    let args = arguments(&t.arguments, t.nargs);
    if !args.is_empty() {
        m.insert(
            "arguments",
            Node::Seq(args.into_iter().map(Node::Str).collect()),
        );
    }
    Some(m)
}

/// The condition of `… FOR EACH ROW WHEN (cond) EXECUTE …` in a trigger
/// definition: the balanced parentheses after `WHEN `, string literals and
/// quoted names respected.
fn when(definition: &str) -> Option<String> {
    let start = [" FOR EACH ROW WHEN (", " FOR EACH STATEMENT WHEN ("]
        .iter()
        .find_map(|m| definition.find(m).map(|i| i + m.len()))?;
    let text = &definition[start..];
    let mut depth = 1;
    let mut quote: Option<char> = None;
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => {
                depth -= 1;
                if depth == 0 {
                    return Some(text[..i].to_string());
                }
            }
            _ => {}
        }
    }
    None
}

/// `tgargs` (hex of NUL-terminated strings) → the arguments.
fn arguments(hex: &str, n: i32) -> Vec<String> {
    let bytes: Vec<u8> = (0..hex.len() / 2)
        .filter_map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok())
        .collect();
    bytes
        .split(|b| *b == 0)
        .take(usize::try_from(n).unwrap_or(0))
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn when_conditions_are_read_from_balanced_parentheses() {
        let def = "CREATE TRIGGER t AFTER UPDATE ON s.t FOR EACH ROW WHEN ((old.name IS DISTINCT FROM new.name) AND (new.x <> ')')) EXECUTE FUNCTION s.f('a')";
        assert_eq!(
            when(def).as_deref(),
            Some("(old.name IS DISTINCT FROM new.name) AND (new.x <> ')')")
        );
        assert_eq!(
            when("CREATE TRIGGER t AFTER UPDATE ON s.t FOR EACH ROW EXECUTE FUNCTION s.f()"),
            None
        );
    }

    #[test]
    fn arguments_are_nul_terminated() {
        assert_eq!(arguments("6974656d7300782700", 2), ["items", "x'"]);
        assert!(arguments("", 0).is_empty());
    }
}

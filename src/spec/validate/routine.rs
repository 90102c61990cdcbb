//! Validating the definitions of functions, procedures and views (the
//! `body`, `query` and attribute keys), including the SECURITY DEFINER rule:
//! a definer function must pin a `search_path` that ends with `pg_temp`.

use super::Validator;
use crate::spec::error::Issue;
use crate::spec::model::Setting;
use crate::spec::path::YamlPath;
use crate::spec::raw::{RawFunction, RawView};
use crate::spec::routine::{CheckOption, Parallel, RoutineDefinition, ViewDefinition, Volatility};

impl Validator<'_> {
    /// The definition of a declared function, or `None` when it is adopted
    /// (no `body`/`body_file`) or invalid.
    pub(super) fn routine_definition(
        &mut self,
        path: &YamlPath,
        raw: &RawFunction,
    ) -> Option<RoutineDefinition> {
        let definition_keys: Vec<&str> = [
            ("kind", raw.kind.is_some()),
            ("returns", raw.returns.is_some()),
            ("language", raw.language.is_some()),
            ("volatility", raw.volatility.is_some()),
            ("strict", raw.strict.is_some()),
            ("security", raw.security.is_some()),
            ("leakproof", raw.leakproof.is_some()),
            ("parallel", raw.parallel.is_some()),
            ("search_path", raw.search_path.is_some()),
            ("set", raw.set.is_some()),
            ("cost", raw.cost.is_some()),
            ("rows", raw.rows.is_some()),
        ]
        .into_iter()
        .filter_map(|(key, present)| present.then_some(key))
        .collect();
        let body = self.text_or_file(path, "body", &raw.body, &raw.body_file);
        let Some(body) = body else {
            if raw.body.is_none() && raw.body_file.is_none() && !definition_keys.is_empty() {
                self.issues.push(
                    Issue::new(
                        &path.key(definition_keys[0]),
                        format!(
                            "`{}` describes a definition, which needs `body` or `body_file`",
                            definition_keys.join("`, `")
                        ),
                    )
                    .hint("add the function's body, or remove these keys to adopt a function your migrations create"),
                );
            }
            return None;
        };

        let procedure = match raw.kind.as_deref().map(str::to_ascii_lowercase).as_deref() {
            None | Some("function") => false,
            Some("procedure") => true,
            Some(other) => {
                self.issues.push(
                    Issue::new(
                        &path.key("kind"),
                        format!("`kind: {other}` is not a kind of routine"),
                    )
                    .hint("write `kind: function` (the default) or `kind: procedure`"),
                );
                false
            }
        };
        let language = match &raw.language {
            Some(l) if !l.trim().is_empty() => l.trim().to_ascii_lowercase(),
            _ => {
                self.issues.push(
                    Issue::new(
                        &path.key("language"),
                        "a function with a body needs its `language`",
                    )
                    .hint("write `language: sql` or `language: plpgsql`"),
                );
                String::new()
            }
        };
        if procedure {
            if raw.returns.is_some() {
                self.issues.push(
                    Issue::new(&path.key("returns"), "a procedure returns nothing")
                        .hint("remove `returns`, or write `kind: function`"),
                );
            }
            for (key, present) in [
                ("volatility", raw.volatility.is_some()),
                ("strict", raw.strict.is_some()),
                ("leakproof", raw.leakproof.is_some()),
                ("parallel", raw.parallel.is_some()),
                ("cost", raw.cost.is_some()),
                ("rows", raw.rows.is_some()),
            ] {
                if present {
                    self.issues.push(
                        Issue::new(&path.key(key), format!("a procedure has no `{key}`"))
                            .hint("procedures take `language`, `body`, `security`, `search_path` and `set`"),
                    );
                }
            }
        } else if raw.returns.as_deref().is_none_or(|r| r.trim().is_empty()) {
            self.issues.push(
                Issue::new(&path.key("returns"), "a function with a body needs `returns`")
                    .hint("e.g. `returns: json`, `returns: void`, `returns: trigger`, `returns: setof app.t` or `returns: table (id int, name text)`"),
            );
        }
        let volatility = match &raw.volatility {
            None => Volatility::default(),
            Some(v) => Volatility::parse(v).unwrap_or_else(|| {
                self.issues.push(
                    Issue::new(
                        &path.key("volatility"),
                        format!("`{v}` is not a volatility"),
                    )
                    .hint("write `volatile` (the default), `stable` or `immutable`"),
                );
                Volatility::default()
            }),
        };
        let parallel = match &raw.parallel {
            None => Parallel::default(),
            Some(p) => Parallel::parse(p).unwrap_or_else(|| {
                self.issues.push(
                    Issue::new(
                        &path.key("parallel"),
                        format!("`{p}` is not a parallel safety"),
                    )
                    .hint("write `unsafe` (the default), `restricted` or `safe`"),
                );
                Parallel::default()
            }),
        };
        let security_definer = match raw
            .security
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            None | Some("invoker") => false,
            Some("definer") => true,
            Some(other) => {
                self.issues.push(
                    Issue::new(
                        &path.key("security"),
                        format!("`security: {other}` is not a security mode"),
                    )
                    .hint("write `security: invoker` (the default) or `security: definer`"),
                );
                false
            }
        };
        let returns_set = raw.returns.as_deref().is_some_and(|r| {
            let r = r.trim_start().to_ascii_lowercase();
            r.starts_with("setof") || r.starts_with("table")
        });
        if let Some(rows) = raw.rows {
            if !returns_set {
                self.issues.push(
                    Issue::new(
                        &path.key("rows"),
                        "`rows` applies only to a function returning a set",
                    )
                    .hint("remove `rows`, or return `setof …` or `table (…)`"),
                );
            } else if rows <= 0.0 {
                self.issues
                    .push(Issue::new(&path.key("rows"), "`rows` must be positive"));
            }
        }
        if raw.cost.is_some_and(|c| c <= 0.0) {
            self.issues
                .push(Issue::new(&path.key("cost"), "`cost` must be positive"));
        }

        let mut settings = self.settings(&path.key("set"), raw.set.clone().unwrap_or_default());
        if let Some(list) = &raw.search_path {
            if settings.contains_key("search_path") {
                self.issues.push(
                    Issue::new(
                        &path.key("set").key("search_path"),
                        "`search_path` is given twice",
                    )
                    .hint("keep `search_path: [...]` and remove it from `set`"),
                );
            }
            settings.insert("search_path".into(), Setting::List(list.clone()));
        }
        if security_definer {
            let at = if raw.search_path.is_some() {
                path.key("search_path")
            } else if settings.contains_key("search_path") {
                path.key("set").key("search_path")
            } else {
                path.key("security")
            };
            self.pinned_search_path(&at, settings.get("search_path"));
        }

        Some(RoutineDefinition {
            procedure,
            returns: raw.returns.as_ref().map(|r| r.trim().to_string()),
            language,
            body,
            volatility,
            strict: raw.strict.unwrap_or(false),
            security_definer,
            leakproof: raw.leakproof.unwrap_or(false),
            parallel,
            settings,
            cost: raw.cost,
            rows: raw.rows,
        })
    }

    /// DESIGN item 7: a SECURITY DEFINER function runs with its owner's
    /// rights, so the schemas it resolves names in must be fixed by the
    /// function, not chosen by the caller: `search_path` must be set, not
    /// empty, free of `$user`, and end with `pg_temp` (PostgreSQL searches
    /// the caller's temporary schema *first* unless it is listed).
    fn pinned_search_path(&mut self, at: &YamlPath, value: Option<&Setting>) {
        let example = "search_path: [pg_catalog, public, pg_temp]";
        let items: Vec<String> = match value {
            None => {
                self.issues.push(
                    Issue::new(at, "a SECURITY DEFINER function needs a pinned `search_path`")
                        .hint(format!(
                            "otherwise the caller's search_path decides which tables and functions it uses with the owner's rights; write `{example}`"
                        )),
                );
                return;
            }
            Some(Setting::Scalar(v)) => vec![v.clone()],
            Some(Setting::List(items)) => items.clone(),
        };
        let items: Vec<String> = items.iter().map(|i| i.trim().to_string()).collect();
        if items.is_empty() || items.iter().all(String::is_empty) {
            self.issues.push(
                Issue::new(
                    at,
                    "the `search_path` of a SECURITY DEFINER function is empty",
                )
                .hint(format!("write `{example}`")),
            );
            return;
        }
        if items.iter().any(|i| i == "$user") {
            self.issues.push(
                Issue::new(
                    at,
                    "the `search_path` of a SECURITY DEFINER function contains `$user`",
                )
                .hint("`$user` is resolved for the caller; name the schemas themselves"),
            );
        }
        let temp = items.iter().position(|i| i == "pg_temp");
        if temp != Some(items.len() - 1) {
            self.issues.push(
                Issue::new(at, "the `search_path` of a SECURITY DEFINER function must end with `pg_temp`")
                    .hint(format!(
                        "PostgreSQL searches the caller's temporary schema first unless it is listed; list it last: `[{}, pg_temp]`",
                        items
                            .iter()
                            .filter(|i| *i != "pg_temp")
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
            );
        }
    }

    /// The definition of a declared view, or `None` when it is adopted (no
    /// `query`/`query_file`) or invalid.
    pub(super) fn view_definition(
        &mut self,
        path: &YamlPath,
        raw: &RawView,
    ) -> Option<ViewDefinition> {
        let definition_keys: Vec<&str> = [
            ("columns", raw.columns.is_some()),
            ("security_invoker", raw.security_invoker.is_some()),
            ("security_barrier", raw.security_barrier.is_some()),
            ("check_option", raw.check_option.is_some()),
        ]
        .into_iter()
        .filter_map(|(key, present)| present.then_some(key))
        .collect();
        let query = self.text_or_file(path, "query", &raw.query, &raw.query_file);
        let Some(query) = query else {
            if raw.query.is_none() && raw.query_file.is_none() && !definition_keys.is_empty() {
                self.issues.push(
                    Issue::new(
                        &path.key(definition_keys[0]),
                        format!(
                            "`{}` describes a definition, which needs `query` or `query_file`",
                            definition_keys.join("`, `")
                        ),
                    )
                    .hint("add the view's query, or remove these keys to adopt a view your migrations create"),
                );
            }
            return None;
        };
        let query = query
            .trim_end_matches([';', ' ', '\t', '\n', '\r'])
            .to_string();
        if query.is_empty() {
            let at = if raw.query.is_some() {
                "query"
            } else {
                "query_file"
            };
            self.issues
                .push(Issue::new(&path.key(at), "the `query` is empty"));
            return None;
        }
        let columns = raw.columns.clone().unwrap_or_default();
        if raw.columns.as_ref().is_some_and(Vec::is_empty) {
            self.issues.push(
                Issue::new(&path.key("columns"), "no columns listed")
                    .hint("leave `columns` out to name the columns in the query"),
            );
        }
        for (i, c) in columns.iter().enumerate() {
            self.identifier(&path.key("columns").index(i), c, "column");
        }
        let check_option = raw.check_option.as_ref().and_then(|c| {
            let parsed = CheckOption::parse(c);
            if parsed.is_none() {
                self.issues.push(
                    Issue::new(
                        &path.key("check_option"),
                        format!("`{c}` is not a check option"),
                    )
                    .hint("write `check_option: local` or `check_option: cascaded`"),
                );
            }
            parsed
        });
        Some(ViewDefinition {
            query,
            columns,
            security_invoker: raw.security_invoker.unwrap_or(false),
            security_barrier: raw.security_barrier.unwrap_or(false),
            check_option,
        })
    }

    /// `key` inline or `<key>_file` read next to the spec: exactly one, not
    /// empty, trimmed. `None` when neither is given or on error.
    fn text_or_file(
        &mut self,
        path: &YamlPath,
        key: &str,
        inline: &Option<String>,
        file: &Option<String>,
    ) -> Option<String> {
        let file_key = format!("{key}_file");
        let text = match (inline, file) {
            (None, None) => return None,
            (Some(_), Some(_)) => {
                self.issues.push(
                    Issue::new(path, format!("both `{key}` and `{file_key}` are given"))
                        .hint(format!("keep one of `{key}` or `{file_key}`")),
                );
                return None;
            }
            (Some(text), None) => text.clone(),
            (None, Some(name)) => {
                let full = self.env.base_dir.join(name);
                match std::fs::read_to_string(&full) {
                    Ok(text) => {
                        self.files
                            .insert(full.display().to_string(), crate::stamp::sha256_hex(&text));
                        text
                    }
                    Err(e) => {
                        self.issues.push(
                            Issue::new(
                                &path.key(&file_key),
                                format!("cannot read `{}`: {e}", full.display()),
                            )
                            .hint("relative paths are resolved against the spec file's directory"),
                        );
                        return None;
                    }
                }
            }
        };
        let trimmed = text.trim();
        if trimmed.is_empty() {
            let at = if inline.is_some() {
                key.to_string()
            } else {
                file_key
            };
            self.issues
                .push(Issue::new(&path.key(&at), format!("the `{key}` is empty")));
            return None;
        }
        Some(trimmed.to_string())
    }
}

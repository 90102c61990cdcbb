//! `ALTER ROLE/DATABASE … SET` values: desired map vs stored `name=value` list.

use crate::spec::model::Setting;
use std::collections::BTreeMap;

/// What differs between desired and stored settings.
pub struct SettingsDiff<'a> {
    /// Parameters to set (missing or different).
    pub set: Vec<(&'a String, &'a Setting)>,
    /// Stored parameters the spec does not mention.
    pub extra: Vec<String>,
}

/// Compares settings; `stored` is `pg_db_role_setting.setconfig`.
pub fn compare<'a>(
    desired: &'a BTreeMap<String, Setting>,
    stored: Option<&[String]>,
) -> SettingsDiff<'a> {
    let actual: BTreeMap<String, String> = stored
        .unwrap_or_default()
        .iter()
        .filter_map(|entry| entry.split_once('='))
        .map(|(k, v)| (k.to_ascii_lowercase(), v.to_string()))
        .collect();
    let set = desired
        .iter()
        .filter(|(name, value)| actual.get(*name).is_none_or(|a| !equivalent(value, a)))
        .collect();
    let extra = actual
        .keys()
        .filter(|k| !desired.contains_key(*k))
        .cloned()
        .collect();
    SettingsDiff { set, extra }
}

/// Whether a stored value is what setting `desired` would store. List
/// parameters come back with elements joined by `, ` and double-quoted where
/// needed (`"$user", public`), so quotes are ignored for lists.
fn equivalent(desired: &Setting, stored: &str) -> bool {
    match desired {
        Setting::Scalar(v) => v == stored,
        Setting::List(items) => {
            let stored: Vec<String> = stored
                .split(", ")
                .map(|s| s.trim().trim_matches('"').replace("\"\"", "\""))
                .collect();
            stored == *items || (items.is_empty() && stored == [""])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_lists_and_scalars_compare_equal() {
        let desired = BTreeMap::from([
            (
                "search_path".to_string(),
                Setting::List(vec!["$user".into(), "public".into()]),
            ),
            (
                "statement_timeout".to_string(),
                Setting::Scalar("5s".into()),
            ),
        ]);
        let stored = vec![
            "search_path=\"$user\", public".to_string(),
            "statement_timeout=5s".to_string(),
            "work_mem=64MB".to_string(),
        ];
        let d = compare(&desired, Some(&stored));
        assert!(d.set.is_empty());
        assert_eq!(d.extra, vec!["work_mem".to_string()]);
        let d = compare(&desired, None);
        assert_eq!(d.set.len(), 2);
    }
}

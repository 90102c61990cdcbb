//! Names the export makes up: password variables, keys of overloaded
//! functions, files for `--split`.

use std::collections::BTreeSet;

/// `<ROLE>_PASSWORD`: upper case, anything but letters and digits as `_`,
/// unique among `taken` (a `_2`, `_3`, … suffix otherwise).
pub fn password_variable(role: &str, taken: &mut BTreeSet<String>) -> String {
    let mut base: String = role
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    if base.is_empty() || base.starts_with(|c: char| c.is_ascii_digit()) {
        base = format!("ROLE_{base}");
    }
    unique(format!("{base}_PASSWORD"), taken)
}

/// `name`, or `name_2`, `name_3`, … — the first not in `taken`, then taken.
pub fn unique(name: String, taken: &mut BTreeSet<String>) -> String {
    let mut candidate = name.clone();
    let mut n = 1;
    while taken.contains(&candidate.to_ascii_lowercase()) {
        n += 1;
        candidate = format!("{name}_{n}");
    }
    taken.insert(candidate.to_ascii_lowercase());
    candidate
}

/// A file name from an object name: letters, digits, `_`, `-` and `.` kept,
/// everything else `_` (no `/`, no `..`, nothing a shell or a file system
/// would trip over).
pub fn file_stem(name: &str) -> String {
    let stem: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if stem.is_empty() { "_".into() } else { stem }
}

/// Whether the engine reads `s` as a column name (not an expression) in an
/// index's `columns` (see `spec::table`).
pub fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '$')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_variables_are_unique_shell_names() {
        let mut taken = BTreeSet::new();
        assert_eq!(
            password_variable("api_user", &mut taken),
            "API_USER_PASSWORD"
        );
        assert_eq!(
            password_variable("api-user", &mut taken),
            "API_USER_PASSWORD_2"
        );
        assert_eq!(
            password_variable("Mixed Case", &mut taken),
            "MIXED_CASE_PASSWORD"
        );
        assert_eq!(password_variable("1st", &mut taken), "ROLE_1ST_PASSWORD");
    }

    #[test]
    fn file_stems_never_leave_their_directory() {
        assert_eq!(file_stem("../etc/passwd"), "___etc_passwd");
        assert_eq!(file_stem("area(integer)"), "area_integer_");
        assert_eq!(file_stem(""), "_");
    }
}

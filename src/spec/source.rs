//! Reading the spec file: its bytes → UTF-8 text, or an issue that says why not.
//!
//! A file larger than [`MAX_SPEC_BYTES`] is refused before it is read. Text
//! that is not UTF-8 is named as such, with the line, column and byte offset of
//! the first bad byte and a way to convert it (the standard library's own
//! message, "stream did not contain valid UTF-8", says neither).

use super::budget::{self, MAX_SPEC_BYTES};
use super::error::Issue;
use super::path::{LineCol, YamlPath};
use std::io::Read;
use std::path::Path;

/// Reads `file` as UTF-8 text.
pub fn read(file: &Path) -> Result<String, Issue> {
    let root = YamlPath::root();
    let cannot_read = |e: std::io::Error| {
        Issue::new(&root, format!("cannot read the spec: {e}"))
            .hint("pass the spec with `-f/--file` or `PROVISION_FILE`")
    };
    let handle = std::fs::File::open(file).map_err(cannot_read)?;
    let size = handle.metadata().map_err(cannot_read)?.len();
    if size > MAX_SPEC_BYTES {
        let (message, hint) = budget::file_message(size);
        return Err(Issue::new(&root, message).hint(hint));
    }
    let mut bytes = Vec::with_capacity(size as usize);
    // `take`: a file that grows while we read it is still bounded.
    handle
        .take(MAX_SPEC_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot_read)?;
    if bytes.len() as u64 > MAX_SPEC_BYTES {
        let (message, hint) = budget::file_message(bytes.len() as u64);
        return Err(Issue::new(&root, message).hint(hint));
    }
    text(bytes)
}

/// `bytes` as text, or an issue naming the first byte that is not UTF-8
/// (or a NUL, which YAML does not allow and the parser would call an
/// "unexpected character").
pub fn text(bytes: Vec<u8>) -> Result<String, Issue> {
    let bytes = match String::from_utf8(bytes) {
        Ok(text) => return without_nul(text),
        Err(e) => e.into_bytes(),
    };
    let root = YamlPath::root();
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        let mut issue = Issue::new(&root, "the spec is UTF-16 text, not UTF-8")
            .hint("save it as UTF-8 (`iconv -f UTF-16 -t UTF-8 provision.yaml > provision.utf8.yaml`, or your editor's encoding setting)");
        issue.at = Some(LineCol { line: 1, column: 1 });
        return Err(issue);
    }
    let valid = match std::str::from_utf8(&bytes) {
        Ok(_) => bytes.len(),
        Err(e) => e.valid_up_to(),
    };
    // Everything before `valid` is UTF-8.
    let before = std::str::from_utf8(&bytes[..valid]).unwrap_or_default();
    let mut issue = Issue::new(
        &root,
        format!(
            "the spec is not UTF-8 text (byte 0x{:02X} at offset {valid})",
            bytes[valid]
        ),
    )
    .hint("Latin-1 or Windows-1252, perhaps: save the file as UTF-8 (`iconv -f WINDOWS-1252 -t UTF-8 provision.yaml > provision.utf8.yaml`, or your editor's encoding setting)");
    issue.at = Some(end_of(before));
    Err(issue)
}

fn without_nul(text: String) -> Result<String, Issue> {
    let Some(offset) = text.find('\0') else {
        return Ok(text);
    };
    let mut issue = Issue::new(
        &YamlPath::root(),
        format!("the spec contains a NUL byte (offset {offset}), which YAML does not allow"),
    )
    .hint("is it a binary file, or UTF-16 without a byte order mark? a spec is UTF-8 text; write a NUL inside a value as `\"\\0\"` if you mean one");
    issue.at = Some(end_of(&text[..offset]));
    Err(issue)
}

/// The line and column just after `before`.
fn end_of(before: &str) -> LineCol {
    LineCol {
        line: before.matches('\n').count() + 1,
        column: before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin1_is_named_with_its_position() {
        let issue = text(b"version: 1\nroles:\n  caf\xE9: {}\n".to_vec()).unwrap_err();
        assert_eq!(
            issue.message,
            "the spec is not UTF-8 text (byte 0xE9 at offset 23)"
        );
        assert_eq!(issue.at, Some(LineCol { line: 3, column: 6 }));
        assert!(issue.hint.unwrap().contains("iconv"));
    }

    #[test]
    fn utf16_is_recognised_by_its_byte_order_mark() {
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("version: 1\n".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let issue = text(utf16).unwrap_err();
        assert_eq!(issue.message, "the spec is UTF-16 text, not UTF-8");
    }

    #[test]
    fn a_nul_byte_is_named_with_its_position() {
        let issue = text(b"version: 1\nroles:\n  a\0b: {}\n".to_vec()).unwrap_err();
        assert_eq!(
            issue.message,
            "the spec contains a NUL byte (offset 21), which YAML does not allow"
        );
        assert_eq!(issue.at, Some(LineCol { line: 3, column: 4 }));
    }

    #[test]
    fn utf8_passes_through() {
        assert_eq!(text("é: 1".as_bytes().to_vec()).unwrap(), "é: 1");
    }
}

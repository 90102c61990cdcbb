//! Small OS helpers for the harness: who we are, running as the server user,
//! randomness, percent-encoding. No libc: everything goes through /proc, /dev
//! and coreutils.

use std::fs;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// The OS user that runs initdb and the server when the tests run as root.
pub const SERVER_OS_USER: &str = "postgres";

/// This process's effective uid (read from /proc/self/status).
pub fn euid() -> u32 {
    static EUID: OnceLock<u32> = OnceLock::new();
    *EUID.get_or_init(|| {
        let status = fs::read_to_string("/proc/self/status").expect("read /proc/self/status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("Uid:"))
            // "Uid:\treal\teffective\tsaved\tfs"
            .and_then(|ids| ids.split_whitespace().nth(1))
            .and_then(|id| id.parse().ok())
            .expect("Uid: line in /proc/self/status")
    })
}

/// Whether this process runs as root.
pub fn is_root() -> bool {
    euid() == 0
}

/// A command for a PostgreSQL server program (initdb, pg_ctl): run directly, or
/// through `runuser -u postgres --` when we are root (the server refuses root).
pub fn server_command(program: &Path) -> Command {
    let mut cmd = if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", SERVER_OS_USER, "--"]).arg(program);
        c
    } else {
        Command::new(program)
    };
    cmd.stdin(Stdio::null());
    cmd
}

/// Give `dir` (recursively) to the server user when we are root.
pub fn give_to_server_user(dir: &Path) {
    if !is_root() {
        return;
    }
    let out = Command::new("chown")
        .arg("-R")
        .arg(format!("{SERVER_OS_USER}:"))
        .arg(dir)
        .output()
        .expect("run chown");
    assert!(
        out.status.success(),
        "chown -R {SERVER_OS_USER}: {} failed (does the OS user {SERVER_OS_USER:?} exist? run scripts/setup): {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `n` random bytes as lowercase hex.
pub fn random_hex(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .expect("read /dev/urandom");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Percent-encode everything except RFC 3986 unreserved characters.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Whether a process with this pid exists.
pub fn process_exists(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

/// The last `lines` lines of a file, or a note that it cannot be read.
pub fn tail(path: &Path, lines: usize) -> String {
    match fs::read(path) {
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            let all: Vec<&str> = text.lines().collect();
            all[all.len().saturating_sub(lines)..].join("\n")
        }
        Err(e) => format!("(cannot read {}: {e})", path.display()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encodes_reserved_characters() {
        assert_eq!(percent_encode("a b@c:d/e%f"), "a%20b%40c%3Ad%2Fe%25f");
        assert_eq!(percent_encode("Zz09-._~"), "Zz09-._~");
        assert_eq!(percent_encode("é"), "%C3%A9");
    }
}

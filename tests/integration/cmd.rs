//! Running the real `pg-provision` binary, as users and orchestrators do.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// What one run of the binary did.
pub struct Run {
    /// Exit code.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// Wall time.
    pub elapsed: Duration,
}

impl Run {
    /// stdout and stderr together, for greps.
    pub fn all_output(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    /// stdout parsed as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {} after {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.elapsed, self.stdout, self.stderr
        )
    }
}

/// A `pg-provision` command with a clean environment (no PG* or DATABASE_URL
/// leaking in from the machine running the tests).
pub fn pg_provision() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pg-provision"));
    for var in [
        "DATABASE_URL",
        "PROVISION_FILE",
        "PGHOST",
        "PGHOSTADDR",
        "PGPORT",
        "PGUSER",
        "PGPASSWORD",
        "PGDATABASE",
        "PGSSLMODE",
        "PGSSLROOTCERT",
        "PGOPTIONS",
        "RUST_LOG",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// Runs `cmd` and collects its output.
pub fn run(cmd: &mut Command) -> Run {
    let started = Instant::now();
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().expect("run pg-provision");
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
        elapsed: started.elapsed(),
    }
}

/// `pg-provision -f spec --database-url url <args…>`.
pub fn provision(spec: &Path, url: &str, args: &[&str]) -> Run {
    run(pg_provision()
        .arg("-f")
        .arg(spec)
        .arg("--database-url")
        .arg(url)
        .args(args))
}

/// Asserts the spec is converged: a second `apply` executes nothing and
/// `check` exits 0 — also with `--no-stamp`, which compares in full even
/// when the in-sync stamp the first `apply` wrote answers (see
/// `src/stamp.rs`), and with `--reprobe`, which also compares every
/// expression afresh instead of trusting pg-provision's memory (whose
/// answers `apply` derived from what it created: without this, a statement
/// that does not do what the spec says would go unnoticed). `run` runs
/// pg-provision with the given arguments.
pub fn assert_converged_with(run: impl Fn(&[&str]) -> Run) {
    let again = run(&["apply", "--output", "json"]);
    assert_eq!(again.code, 0, "{again:?}");
    assert_eq!(again.json()["executed"], 0, "{again:?}");
    let check = run(&["check"]);
    assert_eq!(check.code, 0, "{check:?}");
    let full = run(&["check", "--no-stamp"]);
    assert_eq!(full.code, 0, "{full:?}");
    let reprobe = run(&["check", "--reprobe"]);
    assert_eq!(reprobe.code, 0, "{reprobe:?}");
}

/// [`assert_converged_with`] for `pg-provision -f spec --database-url url`.
pub fn assert_converged(spec: &Path, url: &str) {
    assert_converged_with(|args| provision(spec, url, args));
}

/// The fixtures directory.
pub fn fixtures() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

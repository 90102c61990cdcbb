//! The command line: clap types, and `main`'s body. Resolved settings live in
//! [`crate::config`]; what is printed lives in [`crate::report`].

use crate::config::{Command, Config, OutputFormat};
use crate::error::{Error, exit};
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

/// Converge a PostgreSQL database to what a YAML file declares.
#[derive(Debug, Parser)]
#[command(name = "pg-provision", version, about, long_about = None)]
pub struct Cli {
    /// The spec file.
    #[arg(
        short = 'f',
        long = "file",
        env = "PROVISION_FILE",
        default_value = "provision/provision.yaml",
        global = true
    )]
    pub file: PathBuf,
    /// Connection URL or conninfo (else the libpq PG* variables).
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,
    /// Output for machines (`json`) or people (`human`, on stderr).
    #[arg(long, value_enum, default_value_t = Format::Human, global = true)]
    pub output: Format,
    /// How long to wait for the server to accept connections (e.g. 60s, 2m).
    #[arg(long, default_value = "60s", value_parser = parse_duration, global = true)]
    pub wait_timeout: std::time::Duration,
    /// How long to wait for another pg-provision run on the same database.
    #[arg(long, default_value = "5m", value_parser = parse_duration, global = true)]
    pub lock_wait: std::time::Duration,
    /// `lock_timeout` for the statements of a run.
    #[arg(long, default_value = "30s", value_parser = parse_duration, global = true)]
    pub lock_timeout: std::time::Duration,
    /// Compare every expression afresh, ignoring what pg-provision remembers
    /// of how this server prints them (slower; `apply` then remembers anew).
    #[arg(long, global = true)]
    pub reprobe: bool,
    /// Compare in full even when the catalog is as the last converged
    /// `apply` left it (the in-sync stamp; `--reprobe` implies it).
    #[arg(long, global = true)]
    pub no_stamp: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Sub,
}

/// Output format.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    /// A summary for people, on stderr.
    Human,
    /// One JSON document on stdout.
    Json,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Sub {
    /// Wait for the server, converge in one transaction, verify.
    Apply {
        /// Also revoke privileges, memberships and settings that are not declared.
        #[arg(long)]
        prune: bool,
    },
    /// Print the SQL that `apply` would run (secrets redacted).
    Plan {
        /// Include the revokes `--prune` would run.
        #[arg(long)]
        prune: bool,
        /// Security lints (printed as warnings).
        #[command(flatten)]
        lint: LintArgs,
    },
    /// Compare without changing anything; exit 2 on drift.
    Check,
    /// Validate the spec offline.
    Validate {
        /// Security lints (printed as warnings).
        #[command(flatten)]
        lint: LintArgs,
    },
    /// Security lints on the spec (offline), or on the database with --live.
    Lint {
        /// Lint the connected database instead of the spec.
        #[arg(long)]
        live: bool,
        /// Options.
        #[command(flatten)]
        lint: LintArgs,
    },
    /// Print the JSON Schema of the spec (for editors and CI).
    Schema,
    /// Wait until the server accepts connections.
    Wait {
        /// Overrides --wait-timeout.
        #[arg(long, value_parser = parse_duration)]
        timeout: Option<std::time::Duration>,
    },
    /// What a role can do and why: effective privileges traced to their sources.
    Explain {
        /// The role to explain.
        role: String,
        /// A schema, `schema.table`, `schema.table.column`,
        /// `schema.function(args)` or the database (default: everything).
        object: Option<String>,
        /// Answer from the spec alone: the state `apply` would produce.
        #[arg(long)]
        spec: bool,
        /// With --spec: the PostgreSQL major whose rules apply (default: the
        /// server's when a database URL is given, else the newest supported).
        #[arg(long, value_name = "N")]
        server_major: Option<u32>,
        /// Only this schema (repeatable).
        #[arg(long = "schema", value_name = "SCHEMA")]
        schemas: Vec<String>,
    },
    /// Print a spec of the connected database and the cluster's roles (see docs/export.md).
    Export {
        /// Write the spec to FILE instead of stdout.
        #[arg(short = 'o', long = "out", value_name = "FILE")]
        out: Option<PathBuf>,
        /// Write function bodies and view queries to files under DIR (needs -o).
        #[arg(long, value_name = "DIR")]
        split: Option<PathBuf>,
        /// Export only this schema (repeatable).
        #[arg(long = "schema", value_name = "NAME")]
        schemas: Vec<String>,
        /// Leave this schema out (repeatable).
        #[arg(long = "exclude-schema", value_name = "NAME")]
        exclude_schemas: Vec<String>,
        /// Roles and their memberships only.
        #[arg(long, conflicts_with_all = ["schemas", "exclude_schemas", "adopt", "split"])]
        roles_only: bool,
        /// List tables, views, sequences, functions and types without their
        /// definitions (owner, grants, RLS and policies only).
        #[arg(long)]
        adopt: bool,
        /// Every database that takes connections (but `postgres` and
        /// templates), under `databases:`.
        #[arg(long)]
        all_databases: bool,
    },
}

/// The lint options of `lint`, `validate` and `plan` (see docs/lints.md).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct LintArgs {
    /// Do not report this lint anywhere (repeatable).
    #[arg(long = "allow", value_name = "ID", value_parser = parse_lint_id)]
    pub allow: Vec<String>,
    /// Fail with exit 2 on findings at or above this level [default: error for `lint`, none otherwise].
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub deny: Option<Deny>,
    /// Treat this role as an API role, like `lint.api_roles` (repeatable).
    #[arg(long = "api-role", value_name = "ROLE")]
    pub api_roles: Vec<String>,
}

/// `--deny` levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Deny {
    /// Error-level findings fail.
    #[value(alias = "errors")]
    Error,
    /// Warnings and errors fail.
    #[value(alias = "warnings")]
    Warning,
    /// Every finding fails.
    Info,
    /// Nothing fails.
    None,
}

fn parse_lint_id(id: &str) -> Result<String, String> {
    match crate::lint::registry::find(id) {
        Some(l) => Ok(l.id.to_string()),
        None => Err(format!(
            "unknown lint `{id}`; the lints are {}",
            crate::lint::registry::ALL
                .iter()
                .map(|l| l.id)
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

impl LintArgs {
    /// The resolved options; `default_deny` applies without `--deny`.
    pub fn options(self, default_deny: Option<crate::lint::Level>) -> crate::lint::Options {
        use crate::lint::Level;
        crate::lint::Options {
            allow: self.allow,
            deny: match self.deny {
                None => default_deny,
                Some(Deny::Error) => Some(Level::Error),
                Some(Deny::Warning) => Some(Level::Warning),
                Some(Deny::Info) => Some(Level::Info),
                Some(Deny::None) => None,
            },
            api_roles: self.api_roles,
        }
    }
}

/// Parses `500ms`, `30s`, `5m`, `1h` or a plain number of seconds.
pub fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let n: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration (e.g. 30s, 2m, 500ms)"))?;
    let seconds = match unit.trim() {
        "" | "s" => n,
        "ms" => n / 1000.0,
        "m" | "min" => n * 60.0,
        "h" => n * 3600.0,
        _ => return Err(format!("`{text}` is not a duration (e.g. 30s, 2m, 500ms)")),
    };
    Ok(std::time::Duration::from_secs_f64(seconds))
}

/// Parses the command line, runs, prints, and returns the exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    exit::OK
                }
                _ => exit::USAGE,
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    init_logging();
    let config = Config::from_cli(cli);
    let format = config.output;
    let result = crate::run::run(&config);
    if let Some(kib) = crate::memory::peak_rss_kib() {
        log::debug!("peak memory (VmHWM): {kib} KiB");
    }
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            crate::report::error(&e, format);
            ExitCode::from(e.exit_code())
        }
    }
}

fn init_logging() {
    // Our own progress (waiting, what ran) at info unless RUST_LOG says otherwise.
    let env = env_logger::Env::default().default_filter_or("pg_provision=info");
    let _ = env_logger::Builder::from_env(env)
        // The driver logs every statement at debug level, and statements can
        // carry password verifiers: it never logs below info, whatever RUST_LOG says.
        .filter_module("tokio_postgres", log::LevelFilter::Info)
        .filter_module("postgres", log::LevelFilter::Info)
        .format_timestamp(None)
        .format_target(false)
        .try_init();
}

impl From<Cli> for Config {
    fn from(cli: Cli) -> Self {
        Config::from_cli(cli)
    }
}

impl Config {
    /// Resolves the parsed command line.
    pub fn from_cli(cli: Cli) -> Config {
        let mut lint = crate::lint::Options::default();
        let command = match cli.command {
            Sub::Apply { prune } => Command::Apply { prune },
            Sub::Plan { prune, lint: args } => {
                lint = args.options(None);
                Command::Plan { prune }
            }
            Sub::Check => Command::Check,
            Sub::Validate { lint: args } => {
                lint = args.options(None);
                Command::Validate
            }
            Sub::Lint { live, lint: args } => {
                lint = args.options(Some(crate::lint::Level::Error));
                Command::Lint { live }
            }
            Sub::Schema => Command::Schema,
            Sub::Wait { timeout } => Command::Wait {
                timeout: timeout.unwrap_or(cli.wait_timeout),
            },
            Sub::Explain {
                role,
                object,
                spec,
                server_major,
                schemas,
            } => Command::Explain(crate::explain::Request {
                role,
                object,
                spec,
                server_major,
                schemas,
            }),
            Sub::Export {
                out,
                split,
                schemas,
                exclude_schemas,
                roles_only,
                adopt,
                all_databases,
            } => Command::Export {
                options: crate::export::Options {
                    schemas,
                    exclude_schemas,
                    roles_only,
                    adopt,
                    split: None,
                    all_databases,
                },
                out,
                split,
            },
        };
        Config {
            command,
            file: cli.file,
            database_url: cli.database_url,
            output: match cli.output {
                Format::Human => OutputFormat::Human,
                Format::Json => OutputFormat::Json,
            },
            wait_timeout: cli.wait_timeout,
            lock_wait: cli.lock_wait,
            lock_timeout: cli.lock_timeout,
            reprobe: cli.reprobe,
            no_stamp: cli.no_stamp || cli.reprobe,
            lint,
        }
    }
}

#[allow(dead_code)]
fn _assert_error_is_send(e: Error) -> impl Send {
    e.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30s").unwrap().as_secs(), 30);
        assert_eq!(parse_duration("2m").unwrap().as_secs(), 120);
        assert_eq!(parse_duration("500ms").unwrap().as_millis(), 500);
        assert_eq!(parse_duration("3").unwrap().as_secs(), 3);
        assert!(parse_duration("soon").is_err());
    }

    #[test]
    fn command_line_is_well_formed() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}

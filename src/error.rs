//! The one error type of a run, its wording, and its exit code.

use crate::catalog::CatalogError;
use crate::connect::ConnectError;
use crate::diff::Refusal;
use crate::spec::SpecError;
use crate::spec::model::Origin;
use std::fmt;

/// Exit codes, as orchestrators see them.
pub mod exit {
    /// Done, or in sync.
    pub const OK: u8 = 0;
    /// Runtime or database error.
    pub const FAILURE: u8 = 1;
    /// Drift or pending changes (`check`).
    pub const DRIFT: u8 = 2;
    /// The database was not reachable before the wait timeout.
    pub const UNREACHABLE: u8 = 3;
    /// Bad command line.
    pub const USAGE: u8 = 64;
    /// Invalid spec.
    pub const INVALID_SPEC: u8 = 65;
}

/// What a failing statement reported.
#[derive(Debug, Clone)]
pub struct DbFailure {
    /// The statement (secrets redacted), when known.
    pub statement: Option<String>,
    /// Where the spec asked for it.
    pub origin: Option<Origin>,
    /// SQLSTATE.
    pub code: Option<String>,
    /// Primary message.
    pub message: String,
    /// DETAIL.
    pub detail: Option<String>,
    /// HINT.
    pub hint: Option<String>,
}

impl DbFailure {
    /// Extracts the server's report from a driver error.
    pub fn from_postgres(e: &postgres::Error) -> Self {
        match e.as_db_error() {
            Some(db) => DbFailure {
                statement: None,
                origin: None,
                code: Some(db.code().code().to_string()),
                message: db.message().to_string(),
                detail: db.detail().map(str::to_string),
                hint: db.hint().map(str::to_string),
            },
            None => DbFailure {
                statement: None,
                origin: None,
                code: None,
                message: error_chain(e),
                detail: None,
                hint: None,
            },
        }
    }
}

/// The whole `source()` chain of an error, joined by `: `.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let part = s.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = s.source();
    }
    text
}

/// Why a run failed.
#[derive(Debug)]
pub enum Error {
    /// Bad command line or settings.
    Usage(String),
    /// The spec is unusable.
    Spec(SpecError),
    /// Could not connect.
    Connect(ConnectError),
    /// Reading the catalog failed.
    Catalog(CatalogError),
    /// The plan contains requests that cannot be carried out.
    Refused(Vec<Refusal>),
    /// A statement failed; everything was rolled back.
    Statement(Box<DbFailure>),
    /// After applying, the catalog still differs (rolled back).
    Verify(Vec<String>),
    /// Writing output failed (other than a closed pipe).
    Output(std::io::Error),
}

impl Error {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Usage(_) => exit::USAGE,
            Error::Spec(_) => exit::INVALID_SPEC,
            Error::Connect(ConnectError::Unreachable { .. }) => exit::UNREACHABLE,
            Error::Connect(ConnectError::InvalidSettings { .. }) => exit::USAGE,
            _ => exit::FAILURE,
        }
    }
}

impl From<SpecError> for Error {
    fn from(e: SpecError) -> Self {
        Error::Spec(e)
    }
}

impl From<CatalogError> for Error {
    fn from(e: CatalogError) -> Self {
        Error::Catalog(e)
    }
}

impl From<ConnectError> for Error {
    fn from(e: ConnectError) -> Self {
        Error::Connect(e)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(m) => write!(f, "{m}"),
            Error::Spec(e) => write!(f, "invalid spec: {e}"),
            Error::Connect(e) => {
                write!(f, "{}", error_chain(e))?;
                if let Some(hint) = e.hint() {
                    write!(f, "\n  hint: {hint}")?;
                }
                Ok(())
            }
            Error::Catalog(CatalogError::Query(e)) | Error::Catalog(CatalogError::Probe(e)) => {
                let d = DbFailure::from_postgres(e);
                let what = match self {
                    Error::Catalog(CatalogError::Probe(_)) => {
                        "an expression from the spec was rejected"
                    }
                    _ => "reading the catalog failed",
                };
                write!(f, "{what}: {}", d.message)?;
                if let Some(code) = d.code {
                    write!(f, " (SQLSTATE {code})")?;
                }
                Ok(())
            }
            Error::Catalog(e) => write!(f, "{e}"),
            Error::Refused(refusals) => {
                write!(f, "the plan cannot be carried out; nothing was changed")?;
                for r in refusals {
                    write!(f, "\n  {}: {}", r.object, r.reason)?;
                    if let Some(o) = &r.origin {
                        write!(f, "\n    declared at {o}")?;
                    }
                    if let Some(h) = &r.hint {
                        write!(f, "\n    hint: {h}")?;
                    }
                }
                Ok(())
            }
            Error::Statement(d) => {
                write!(f, "{}", d.message)?;
                if let Some(code) = &d.code {
                    write!(f, " (SQLSTATE {code})")?;
                }
                if let Some(s) = &d.statement {
                    write!(f, "\n  statement: {s}")?;
                }
                if let Some(o) = &d.origin {
                    write!(f, "\n  declared at: {o}")?;
                }
                if let Some(detail) = &d.detail {
                    write!(f, "\n  detail: {detail}")?;
                }
                if let Some(hint) = &d.hint {
                    write!(f, "\n  hint: {hint}")?;
                }
                write!(f, "\n  every change of this run was rolled back")
            }
            Error::Verify(left) => {
                write!(
                    f,
                    "verification failed: after applying, {} change(s) are still pending; everything was rolled back",
                    left.len()
                )?;
                for l in left {
                    write!(f, "\n  {l}")?;
                }
                write!(
                    f,
                    "\n  hint: this is a bug in pg-provision; please report it with the spec"
                )
            }
            Error::Output(e) => write!(f, "cannot write output: {e}"),
        }
    }
}

impl std::error::Error for Error {}

//! The server side of a run started while the spec is still parsing.
//!
//! Parsing and validating a large spec is client work (two seconds for
//! 10,000 tables); connecting, beginning the run's transaction and reading
//! the catalog is mostly the server's (about as long). They do not depend
//! on each other except through the catalog's scope, which the spec
//! decides. So as soon as the spec's first pass has listed the schemas it
//! declares ([`crate::spec::Outline`]), a second thread connects, begins
//! and reads the catalog for those schemas (and `public`) while the main
//! thread parses and validates.
//!
//! A guess, never trusted: the run uses the catalog read here only when the
//! scope the validated spec needs (`observe::scope::of`) is exactly the one
//! guessed — a spec that also points into other schemas (a foreign key, a
//! view, an extension's schema) reads the catalog again, in the same
//! transaction, costing one round trip. An invalid spec reports its errors
//! as before, whatever the thread found (the process exits without waiting
//! for it). Specs with `databases:` are not prefetched: each database has
//! its own connection. What the thread would log while waiting for the
//! server is held until the spec has validated ([`Prefetch::release_logs`]):
//! an invalid spec reports only its own errors, not a server it never needed.

use crate::apply;
use crate::catalog::{self, Catalog, CatalogError, Scope};
use crate::connect::{self, ConnectError, ConnectionSettings};
use crate::session::Session;
use crate::spec::Outline;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// A connection with the run's transaction begun, and maybe a catalog.
pub struct Started {
    /// The session.
    pub session: Session,
    /// Whether beginning the transaction (and taking the advisory lock)
    /// worked.
    pub begun: Result<(), postgres::Error>,
    /// The catalog read for a guessed scope (none when beginning failed).
    pub catalog: Option<Prefetched>,
}

/// A catalog read for a guessed scope.
pub struct Prefetched {
    /// The scope it was read for.
    pub scope: Scope,
    /// What the read gave.
    pub catalog: Result<Catalog, CatalogError>,
}

/// A connection being made in the background.
pub struct Prefetch {
    handle: Option<JoinHandle<Result<Started, ConnectError>>>,
    logs: HeldLogs,
}

/// Log lines held back (`Some`) until released, then logged as they come.
#[derive(Clone, Default)]
struct HeldLogs(Arc<Mutex<Option<Vec<String>>>>);

impl HeldLogs {
    /// Holding until [`HeldLogs::release`].
    fn holding() -> Self {
        HeldLogs(Arc::new(Mutex::new(Some(Vec::new()))))
    }

    /// Logs `line` at info, or holds it.
    fn log(&self, line: String) {
        let mut held = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        match held.as_mut() {
            Some(lines) => lines.push(line),
            None => log::info!("{line}"),
        }
    }

    /// Logs what was held, and from now on logs at once. The lock is held
    /// while the held lines are logged, so a line the thread logs meanwhile
    /// comes after them.
    fn release(&self) {
        let mut held = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        for line in held.take().into_iter().flatten() {
            log::info!("{line}");
        }
    }
}

impl Prefetch {
    /// Nothing started: the run connects when it needs to.
    pub fn none() -> Self {
        Prefetch {
            handle: None,
            logs: HeldLogs::default(),
        }
    }

    /// Starts connecting for `outline`, unless it declares several
    /// databases.
    /// With `begun`, the thread goes on with that connection and its
    /// transaction (see `crate::stamp::attempt`) instead of connecting.
    pub fn start(
        outline: Outline,
        settings: ConnectionSettings,
        wait: Duration,
        options: apply::Options,
        begun: Option<(Session, Result<(), postgres::Error>)>,
    ) -> Self {
        if outline.several_databases {
            // The run opens one connection per database: close this one.
            drop(begun);
            return Prefetch::none();
        }
        let scope = guess(&outline);
        let logs = HeldLogs::holding();
        let held = logs.clone();
        let handle = thread::Builder::new()
            .name("prefetch".into())
            .spawn(move || {
                let (mut session, begun) = match begun {
                    Some(started) => started,
                    None => {
                        let client =
                            connect::wait_logging(&settings, wait, &|line| held.log(line))?;
                        let mut session = Session::new(client);
                        let begun = apply::begin(&mut session, &options);
                        (session, begun)
                    }
                };
                // A second connection for a large catalog's read.
                let helper = || connect::connect(&settings).ok().map(Session::new);
                let catalog = begun.is_ok().then(|| Prefetched {
                    catalog: catalog::read_split(&mut session, &scope, Some(&helper)),
                    scope,
                });
                Ok(Started {
                    session,
                    begun,
                    catalog,
                })
            })
            .ok();
        Prefetch { handle, logs }
    }

    /// Logs what the thread has logged so far (it was held while the spec
    /// was validated), and lets it log at once from now on.
    pub fn release_logs(&self) {
        self.logs.release();
    }

    /// What the thread found; `None` when nothing was started (or the
    /// thread died: the run then connects itself).
    pub fn join(self) -> Option<Result<Started, ConnectError>> {
        self.handle.and_then(|h| h.join().ok())
    }
}

/// The scope `observe::scope::of` gives a spec that points nowhere beyond
/// the schemas it declares.
fn guess(outline: &Outline) -> Scope {
    Scope::schemas(
        outline
            .schemas
            .iter()
            .cloned()
            .chain(["public".to_string()]),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn held_lines_are_kept_until_released() {
        let logs = HeldLogs::holding();
        logs.log("first".into());
        logs.log("second".into());
        assert_eq!(
            logs.0.lock().unwrap().as_deref(),
            Some(&["first".to_string(), "second".to_string()][..])
        );
        logs.release();
        assert!(logs.0.lock().unwrap().is_none());
        logs.log("third".into()); // logged at once: nothing held any more
        assert!(logs.0.lock().unwrap().is_none());
    }
    use crate::spec::{Environment, Spec};
    use std::path::Path;

    /// `text` parsed, with the outline its first pass gave.
    fn parsed(text: &str) -> (Spec, Outline) {
        let mut outline = None;
        let spec = crate::spec::parse_outlined(
            text,
            Path::new("spec.yaml"),
            &Environment {
                var: &|_| None,
                base_dir: Path::new("."),
            },
            &mut |o| outline = Some(o),
        )
        .unwrap();
        (spec, outline.expect("outlined"))
    }

    #[test]
    fn the_guess_is_the_scope_of_a_self_contained_spec() {
        let (spec, outline) = parsed(
            "version: 1\nschemas:\n  app:\n    tables:\n      t:\n        columns: [{ name: id, type: int }]\n  api: {}\n",
        );
        assert!(!outline.several_databases);
        assert_eq!(guess(&outline), crate::observe::scope::of(&spec));
    }

    #[test]
    fn a_spec_pointing_into_another_schema_is_not_the_guess() {
        // The view reads `audit.log`: the run reads the catalog again, with
        // `audit` in scope.
        let (spec, outline) = parsed(
            "version: 1\nschemas:\n  app:\n    views:\n      v: { query: \"SELECT 1 AS one FROM audit.log\" }\n",
        );
        let scope = crate::observe::scope::of(&spec);
        assert!(scope.contains("audit"));
        assert_ne!(guess(&outline), scope);
    }
}

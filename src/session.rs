//! A database session that counts what it sends.
//!
//! Every stage that talks to PostgreSQL goes through [`Session`], so the
//! number of round trips a run makes is known and reported (`--output json`),
//! and tests can prove that reading the catalog costs the same whatever the
//! size of the spec.

use postgres::{Client, SimpleQueryMessage};

/// A connected client plus counters.
pub struct Session {
    client: Client,
    round_trips: usize,
}

impl Session {
    /// Wraps a connected client.
    pub fn new(client: Client) -> Self {
        Session {
            client,
            round_trips: 0,
        }
    }

    /// Round trips made so far.
    pub fn round_trips(&self) -> usize {
        self.round_trips
    }

    /// Counts `n` round trips made on a helper connection for this session
    /// (see `crate::catalog::split`).
    pub fn count_round_trips(&mut self, n: usize) {
        self.round_trips += n;
    }

    /// Runs `sql` (one or more statements) in one round trip and returns the
    /// first column of every row, statement after statement.
    pub fn texts(&mut self, sql: &str) -> Result<Vec<Option<String>>, postgres::Error> {
        self.round_trips += 1;
        let messages = self.client.simple_query(sql)?;
        Ok(messages
            .into_iter()
            .filter_map(|m| match m {
                SimpleQueryMessage::Row(row) => Some(row.get(0).map(str::to_string)),
                _ => None,
            })
            .collect())
    }

    /// Runs statements that return nothing, in one round trip.
    pub fn batch(&mut self, sql: &str) -> Result<(), postgres::Error> {
        self.round_trips += 1;
        self.client.batch_execute(sql)
    }
}

//! How much YAML pg-provision agrees to read, sized to the spec itself.
//!
//! In: the [`Census`] of the document (taken while indexing its paths, before
//! deserialising). Out: the deserialiser's [`Options`] and, for a budget the
//! document breaks, a sentence that names the limit and says what to do.
//!
//! Without aliases a YAML document cannot hold more than it writes: its nodes,
//! text and depth grow with its size, so the document's own size is never a
//! reason to refuse it (only [`MAX_SPEC_BYTES`], [`MAX_SCALAR_BYTES`] and
//! [`MAX_DEPTH`] bound it, far above any real spec). Aliases (`*name`) are what
//! can multiply a small file into billions of nodes ("billion laughs"): they
//! may add at most [`ALIAS_FACTOR`] times what the document writes itself
//! (and at least [`ALIAS_FLOOR_NODES`] nodes, [`ALIAS_FLOOR_BYTES`] of text).

use super::path::LineCol;
use serde_saphyr::budget::BudgetBreach;
use serde_saphyr::granit_parser::{Event, Tag};
use serde_saphyr::options::{AliasLimits, Options};
use serde_saphyr::{Budget, Error};

/// The largest spec file read, in bytes (64 MiB; a 10,000-table spec is ~4 MiB).
pub const MAX_SPEC_BYTES: u64 = 64 * 1024 * 1024;

/// The longest single value, in bytes (4 MiB; a function body longer than that
/// belongs in `body_file`).
pub const MAX_SCALAR_BYTES: usize = 4 * 1024 * 1024;

/// The deepest nesting of mappings and sequences (a spec needs about 10).
pub const MAX_DEPTH: usize = 64;

/// Aliases may add this many times the nodes (and text) the document writes.
pub const ALIAS_FACTOR: usize = 4;

/// …but at least this many nodes, so a small spec may use aliases freely.
pub const ALIAS_FLOOR_NODES: usize = 100_000;

/// …and at least this much text.
pub const ALIAS_FLOOR_BYTES: usize = 16 * 1024 * 1024;

/// The document's own size, aliases not expanded, counted the way the
/// deserialiser's budget counts (a node is a scalar, a mapping or a sequence;
/// text is scalar bytes plus explicit tags).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Census {
    /// Parser events, comments excluded.
    pub events: usize,
    /// Scalars, mappings and sequences.
    pub nodes: usize,
    /// Bytes of scalar text and tags.
    pub text_bytes: usize,
    /// `*alias` references.
    pub aliases: usize,
    /// The first limit of the document's own that it breaks; indexing stops there.
    pub breach: Option<OwnBreach>,
}

/// A limit the document breaks by itself, aliases aside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnBreach {
    /// Nesting deeper than [`MAX_DEPTH`], starting at `at`.
    Depth {
        /// The mapping or sequence that is one level too deep.
        at: LineCol,
    },
    /// A value longer than [`MAX_SCALAR_BYTES`].
    Scalar {
        /// Where the value starts.
        at: LineCol,
        /// Its length in bytes.
        bytes: usize,
    },
}

fn tag_bytes(tag: Option<&Tag>) -> usize {
    tag.map_or(0, |t| {
        let (handle, suffix) = t.parts();
        handle.len() + suffix.len()
    })
}

impl Census {
    /// Counts one parser event; `depth` is the number of open mappings and
    /// sequences before it.
    pub fn observe(&mut self, event: &Event<'_>, at: LineCol, depth: usize) {
        self.events += 1;
        match event {
            Event::Scalar(value, _, _, tag) => {
                self.nodes += 1;
                self.text_bytes += value.len() + tag_bytes(tag.as_deref());
                if value.len() > MAX_SCALAR_BYTES && self.breach.is_none() {
                    self.breach = Some(OwnBreach::Scalar {
                        at,
                        bytes: value.len(),
                    });
                }
            }
            Event::MappingStart(_, _, tag) | Event::SequenceStart(_, _, tag) => {
                self.nodes += 1;
                self.text_bytes += tag_bytes(tag.as_deref());
                if depth + 1 > MAX_DEPTH && self.breach.is_none() {
                    self.breach = Some(OwnBreach::Depth { at });
                }
            }
            Event::Alias(_) => self.aliases += 1,
            _ => {}
        }
    }

    /// Nodes aliases may add.
    pub fn alias_nodes(&self) -> usize {
        (ALIAS_FACTOR * self.nodes).max(ALIAS_FLOOR_NODES)
    }

    /// Bytes of text aliases may add.
    pub fn alias_bytes(&self) -> usize {
        (ALIAS_FACTOR * self.text_bytes).max(ALIAS_FLOOR_BYTES)
    }

    /// The deserialiser's options: strict booleans, and a budget that lets
    /// the document's own content through whatever its size and bounds what
    /// aliases add.
    pub fn options(&self) -> Options {
        let mut budget = Budget::default();
        budget.max_depth = MAX_DEPTH;
        budget.max_nodes = self.nodes + self.alias_nodes();
        budget.max_total_scalar_bytes = self.text_bytes + self.alias_bytes();
        // Replayed anchors: a copy per open anchor for the document's own
        // events, and what aliases add (at most two events per node).
        budget.max_recorded_anchor_events = 2 * self.events + 4 * self.alias_nodes();
        budget.max_recorded_anchor_bytes = self.text_bytes + self.alias_bytes();
        // Bounded by `max_nodes`: every event but an end or an alias is a node,
        // and an alias adds at least one node. Counting them separately would
        // only refuse large plain documents, which is what this module is for.
        budget.max_events = usize::MAX;
        budget.max_aliases = usize::MAX;
        budget.max_anchors = usize::MAX;
        budget.max_merge_keys = usize::MAX;
        // One anchor used by every table (`grants: *read_only`) is the common,
        // legitimate case the alias/anchor ratio heuristic would refuse.
        budget.enforce_alias_anchor_ratio = false;

        let mut options = Options::default();
        options.strict_booleans = true;
        options.emit_comments = false;
        options.budget = Some(budget);
        let mut aliases = AliasLimits::default();
        aliases.max_total_replayed_events = 2 * self.alias_nodes() + self.aliases + 1;
        options.alias_limits = aliases;
        options
    }
}

/// What a budget error means for the user: the message (naming the limit)
/// and a hint. `None` for errors that are not about budgets.
pub fn explain(error: &Error, census: &Census) -> Option<(String, String)> {
    let alias_hint = || {
        format!(
            "an alias bomb? aliases may add {ALIAS_FACTOR} times what a spec writes itself (at least {} nodes, {}): write the repeated parts out",
            thousands(ALIAS_FLOOR_NODES),
            mebibytes(ALIAS_FLOOR_BYTES)
        )
    };
    Some(match error {
        Error::Budget { breach, .. } => match breach {
            BudgetBreach::Nodes { .. } => (
                format!(
                    "aliases (`*name`) expand the spec by more than {} nodes; it writes {} itself",
                    thousands(census.alias_nodes()),
                    thousands(census.nodes)
                ),
                alias_hint(),
            ),
            BudgetBreach::ScalarBytes { .. } | BudgetBreach::RecordedAnchorBytes { .. } => (
                format!(
                    "aliases (`*name`) repeat more than {} of text; the spec writes {} itself",
                    mebibytes(census.alias_bytes()),
                    mebibytes(census.text_bytes)
                ),
                alias_hint(),
            ),
            BudgetBreach::RecordedAnchorEvents {
                recorded_anchor_events,
            } => (
                format!(
                    "anchors (`&name`) keep more than {} copies of nodes",
                    thousands(recorded_anchor_events - 1)
                ),
                "anchors nested inside anchors copy their content once per level: nest fewer anchors".into(),
            ),
            BudgetBreach::Depth { .. } => depth_message(),
            BudgetBreach::Documents { .. } => (
                "the file holds too many YAML documents".into(),
                "a spec is one YAML document: remove the `---` separators".into(),
            ),
            other => (
                format!("the spec breaks a YAML size limit ({})", breach_name(other)),
                "report this with the spec that causes it".into(),
            ),
        },
        Error::AliasReplayLimitExceeded {
            max_total_replayed_events,
            ..
        } => (
            format!(
                "aliases (`*name`) expand the spec by more than {} YAML events; it writes {} nodes itself",
                thousands(*max_total_replayed_events),
                thousands(census.nodes)
            ),
            alias_hint(),
        ),
        Error::AliasReplayStackDepthExceeded { max_depth, .. } => (
            format!("aliases (`*name`) refer to aliases more than {max_depth} levels deep"),
            alias_hint(),
        ),
        Error::AliasExpansionLimitExceeded {
            max_expansions_per_anchor,
            ..
        } => (
            format!(
                "an anchor (`&name`) is used more than {} times",
                thousands(*max_expansions_per_anchor)
            ),
            alias_hint(),
        ),
        Error::WithSnippet { error, .. } => return explain(error, census),
        Error::AliasError { error, .. } => return explain(error, census),
        _ => return None,
    })
}

/// The message for a document nested deeper than [`MAX_DEPTH`].
pub fn depth_message() -> (String, String) {
    (
        format!("the spec nests mappings and sequences more than {MAX_DEPTH} levels deep"),
        "a spec needs about 10 levels; look for a runaway indentation or unclosed brackets".into(),
    )
}

/// The message for a value longer than [`MAX_SCALAR_BYTES`].
pub fn scalar_message(bytes: usize) -> (String, String) {
    (
        format!(
            "this value is {} long; values are limited to {}",
            mebibytes(bytes),
            mebibytes(MAX_SCALAR_BYTES)
        ),
        "put a long function body or view query in a file (`body_file`, `query_file`)".into(),
    )
}

/// The message for a file larger than [`MAX_SPEC_BYTES`].
pub fn file_message(bytes: u64) -> (String, String) {
    (
        format!(
            "the spec is {}; pg-provision reads at most {}",
            mebibytes(bytes as usize),
            mebibytes(MAX_SPEC_BYTES as usize)
        ),
        "is this the right file? a spec of 10,000 tables is about 4 MiB".into(),
    )
}

/// `100,000`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `4.0 MiB`, `64 MiB`.
fn mebibytes(bytes: usize) -> String {
    let mib = bytes as f64 / (1024.0 * 1024.0);
    if mib.fract() == 0.0 {
        format!("{mib:.0} MiB")
    } else {
        format!("{mib:.1} MiB")
    }
}

/// A stable name for a breach this module does not word itself (budgets
/// pg-provision leaves at their defaults, or a future one).
fn breach_name(breach: &BudgetBreach) -> &'static str {
    match breach {
        BudgetBreach::Events { .. } => "events",
        BudgetBreach::Aliases { .. } => "aliases",
        BudgetBreach::Anchors { .. } => "anchors",
        BudgetBreach::InclusionDepth { .. } => "inclusion depth",
        BudgetBreach::MergeKeys { .. } => "merge keys",
        BudgetBreach::AliasAnchorRatio { .. } => "alias/anchor ratio",
        BudgetBreach::SequenceUnbalanced => "unbalanced sequence",
        BudgetBreach::InputBytes { .. } => "input bytes",
        _ => "limit",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_written_for_people() {
        assert_eq!(mebibytes(64 * 1024 * 1024), "64 MiB");
        assert_eq!(mebibytes(4_404_019), "4.2 MiB");
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(100_000), "100,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn the_alias_allowance_grows_with_the_document() {
        let small = Census {
            nodes: 10,
            text_bytes: 100,
            ..Census::default()
        };
        assert_eq!(small.alias_nodes(), ALIAS_FLOOR_NODES);
        assert_eq!(small.alias_bytes(), ALIAS_FLOOR_BYTES);
        let large = Census {
            nodes: 1_000_000,
            text_bytes: 10_000_000,
            ..Census::default()
        };
        assert_eq!(large.alias_nodes(), 4_000_000);
        assert_eq!(large.alias_bytes(), 40_000_000);
        let budget = large.options().budget.unwrap();
        assert_eq!(budget.max_nodes, 5_000_000);
        assert_eq!(budget.max_total_scalar_bytes, 50_000_000);
    }
}

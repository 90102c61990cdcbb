//! The markdown report of `scripts/bench`: reads what the script measured
//! (one row per run of a command, one row per fact) and prints, per
//! PostgreSQL major and landscape size, absolute times, ratios to the
//! baselines measured in the same run (`pg_dump --schema-only` of the same
//! database for the read paths, `psql -1 -f` of the hand-written SQL for the
//! first build), peak RSS, the statements the server logged, drift over
//! repeated runs, and issue 9's targets marked as measured.
//!
//! `runs.tsv`: `major size step run ms rss_kb exit round_trips executed counts`,
//! where counts is `total=N read=N … temp_ddl=N temp_write=N messages=N` (see
//! `support/server_log.rs`). `facts.tsv`: `major size key value`, `-` for
//! "every major/size".

use std::collections::BTreeMap;
use std::fmt::Write as _;

/// One run of one command.
struct Run {
    major: u32,
    size: usize,
    step: String,
    run: usize,
    ms: f64,
    rss_kb: u64,
    exit: i32,
    round_trips: Option<u64>,
    executed: Option<u64>,
    counts: BTreeMap<String, u64>,
}

impl Run {
    fn count(&self, key: &str) -> u64 {
        self.counts.get(key).copied().unwrap_or(0)
    }

    /// Statements that change something: DDL, savepoints, writes, locks
    /// and anything unclassified.
    fn changing(&self) -> u64 {
        ["ddl", "savepoint", "write", "lock", "other"]
            .iter()
            .map(|k| self.count(k))
            .sum()
    }

    /// Statements that change something outside `pg_temp`: what a plan
    /// executes (reading the catalog uses scratch objects in `pg_temp`).
    fn lasting(&self) -> u64 {
        self.count("ddl") - self.count("temp_ddl") + self.count("write") - self.count("temp_write")
            + self.count("lock")
            + self.count("other")
    }
}

/// Everything measured.
struct Data {
    runs: Vec<Run>,
    facts: BTreeMap<(String, String, String), String>,
    /// (major, size) in the order they were measured.
    groups: Vec<(u32, usize)>,
}

impl Data {
    fn fact(&self, major: &str, size: &str, key: &str) -> Option<&str> {
        self.facts
            .get(&(major.into(), size.into(), key.into()))
            .map(String::as_str)
    }

    fn global(&self, key: &str) -> &str {
        self.fact("-", "-", key).unwrap_or("?")
    }

    fn of(&self, major: u32, size: usize, key: &str) -> Option<&str> {
        self.fact(&major.to_string(), &size.to_string(), key)
    }

    fn steps(&self, major: u32, size: usize, step: &str) -> Vec<&Run> {
        self.runs
            .iter()
            .filter(|r| r.major == major && r.size == size && r.step == step)
            .collect()
    }

    fn median(&self, major: u32, size: usize, step: &str) -> Option<f64> {
        median(&self.steps(major, size, step))
    }
}

/// Whether a run finished its work: exit 0, or 2 for `check` (drift found
/// is a finished comparison). Times of runs that did not finish are not
/// compared with baselines.
fn completed(run: &Run) -> bool {
    run.exit == 0 || (run.exit == 2 && run.step.starts_with("check"))
}

impl Data {
    /// The median of a step when every run of it finished, else `Err` with
    /// the exit codes seen (`Ok(None)` when the step did not run).
    fn finished_median(&self, major: u32, size: usize, step: &str) -> Result<Option<f64>, String> {
        let runs = self.steps(major, size, step);
        if runs.iter().all(|r| completed(r)) {
            Ok(median(&runs))
        } else {
            Err(exits(&runs))
        }
    }

    /// A time cell: the median, or `failed (exit N)`.
    fn time_cell(&self, major: u32, size: usize, step: &str) -> String {
        match self.finished_median(major, size, step) {
            Ok(ms) => opt_time(ms),
            Err(exits) => format!("failed ({exits})"),
        }
    }

    /// A ratio cell of two steps' medians; `—` unless both finished.
    fn ratio_cell(&self, major: u32, size: usize, step: &str, baseline: &str) -> String {
        match (
            self.finished_median(major, size, step),
            self.finished_median(major, size, baseline),
        ) {
            (Ok(a), Ok(b)) => ratio(a, b),
            _ => "—".into(),
        }
    }

    /// The targets cell when a step or its baseline did not finish.
    fn failed_cell(&self, major: u32, size: usize, steps: &[&str]) -> Option<String> {
        steps
            .iter()
            .find_map(|step| self.finished_median(major, size, step).err())
            .map(|e| format!("failed ({e}) ✗"))
    }

    /// For a targets cell: `step`'s median over `baseline`'s, or `Err` with
    /// the [`Data::failed_cell`] to show when either did not finish; `None`
    /// when either did not run.
    fn target_ratio(
        &self,
        major: u32,
        size: usize,
        step: &str,
        baseline: &str,
    ) -> Option<Result<f64, String>> {
        if let Some(failed) = self.failed_cell(major, size, &[step, baseline]) {
            return Some(Err(failed));
        }
        Some(Ok(
            self.median(major, size, step)? / self.median(major, size, baseline)?
        ))
    }
}

fn median(runs: &[&Run]) -> Option<f64> {
    let mut ms: Vec<f64> = runs.iter().map(|r| r.ms).collect();
    if ms.is_empty() {
        return None;
    }
    ms.sort_by(f64::total_cmp);
    let mid = ms.len() / 2;
    Some(if ms.len() % 2 == 1 {
        ms[mid]
    } else {
        (ms[mid - 1] + ms[mid]) / 2.0
    })
}

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

fn read(path: &str) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("`{path}`: {e}"))
}

fn parse(runs: &str, facts: &str) -> Result<Data, String> {
    let mut data = Data {
        runs: Vec::new(),
        facts: BTreeMap::new(),
        groups: Vec::new(),
    };
    for (n, line) in runs.lines().enumerate().filter(|(_, l)| !l.is_empty()) {
        let f: Vec<&str> = line.split('\t').collect();
        let bad = || format!("runs line {}: `{line}`", n + 1);
        if f.len() != 10 {
            return Err(bad());
        }
        let optional = |s: &str| s.parse().ok();
        let run = Run {
            major: f[0].parse().map_err(|_| bad())?,
            size: f[1].parse().map_err(|_| bad())?,
            step: f[2].to_owned(),
            run: f[3].parse().map_err(|_| bad())?,
            ms: f[4].parse().map_err(|_| bad())?,
            rss_kb: f[5].parse().map_err(|_| bad())?,
            exit: f[6].parse().map_err(|_| bad())?,
            round_trips: optional(f[7]),
            executed: optional(f[8]),
            counts: f[9]
                .split_whitespace()
                .filter_map(|kv| kv.split_once('='))
                .filter_map(|(k, v)| Some((k.to_owned(), v.parse().ok()?)))
                .collect(),
        };
        if !data.groups.contains(&(run.major, run.size)) {
            data.groups.push((run.major, run.size));
        }
        data.runs.push(run);
    }
    for line in facts.lines().filter(|l| !l.is_empty()) {
        let mut f = line.splitn(4, '\t');
        let (Some(major), Some(size), Some(key)) = (f.next(), f.next(), f.next()) else {
            return Err(format!("facts line `{line}`"));
        };
        data.facts.insert(
            (major.into(), size.into(), key.into()),
            f.next().unwrap_or("").to_owned(),
        );
    }
    Ok(data)
}

fn time(ms: f64) -> String {
    if ms >= 1000.0 {
        format!("{:.2} s", ms / 1000.0)
    } else {
        format!("{ms:.0} ms")
    }
}

fn opt_time(ms: Option<f64>) -> String {
    ms.map_or("—".into(), time)
}

fn ratio(a: Option<f64>, b: Option<f64>) -> String {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => format!("{:.2}×", a / b),
        _ => "—".into(),
    }
}

fn mb(kb: u64) -> String {
    format!("{:.1} MB", kb as f64 / 1024.0)
}

fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The server version, `15.18` out of `PostgreSQL 15.18 (Debian …) on …`.
fn server_version(data: &Data, major: u32, size: usize) -> String {
    data.of(major, size, "server")
        .and_then(|v| v.split_whitespace().nth(1))
        .map_or_else(|| major.to_string(), str::to_owned)
}

/// Stderr lines as one line: whitespace runs become one space.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// ✓ or ✗.
fn mark(ok: bool) -> &'static str {
    if ok { "✓" } else { "✗" }
}

/// Prints the report of `runs` and `facts` (paths) on stdout.
pub fn print(runs: &str, facts: &str) -> Result<(), String> {
    let data = parse(&read(runs)?, &read(facts)?)?;
    print!("{}", render(&data));
    Ok(())
}

fn render(data: &Data) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Measured {} on {}; load average (1, 5, 15 min) {} at the start, {} at the end \
         (the machine is shared with other developers: their work adds noise to every figure).\n\n\
         - pg-provision: `{}`, commit {} (binary `{}`); client: {}.\n\
         - Times are wall-clock medians of {} runs (`check`: {} runs in a row, which also give the drift); \
         first builds are single runs. Ratios divide by the baseline measured in the same run: \
         `pg_dump --schema-only` of the same database for the read paths, `psql -1 -f` of the \
         hand-written SQL for the first build.\n\
         - Clusters: initdb defaults plus fsync=off, full_page_writes=off, log_statement=all (every \
         statement is counted from the server log), autovacuum=off (so catalog dead tuples stay \
         visible); clients over TCP 127.0.0.1 with SCRAM. Cluster A is built by \
         `psql -1 -f handwritten.sql`; on it, in this order: one `check` with nothing remembered \
         (pg-provision never ran there: every expression is compared through scratch copies), \
         the first `apply` (it changes nothing but writes pg-provision's memory: it adopts the \
         database), then `check` (interleaved with `pg_dump`), `plan` and no-op `apply` runs. \
         The first `apply` from nothing runs on the empty twin B.\n\
         - Statements are classified by first keyword (`SELECT setval`/`nextval` counts as a write); \
         \"DDL\" and writes include those on temporary objects (in parentheses).\n",
        data.global("date"),
        data.global("machine"),
        data.global("load_start"),
        data.global("load_end"),
        data.global("version"),
        data.global("commit"),
        data.global("binary"),
        data.global("psql"),
        data.global("runs"),
        data.global("check_runs"),
    );
    summary(&mut out, data);
    targets(&mut out, data);
    for &(major, size) in &data.groups {
        group(&mut out, data, major, size);
    }
    out
}

fn summary(out: &mut String, data: &Data) {
    out.push_str(
        "#### Summary\n\n\
         | PostgreSQL | tables | `pg_dump -s` | `check` | ÷ pg_dump | no-op `apply` | ÷ pg_dump | \
         `check --no-stamp` | ÷ pg_dump | `check`, nothing remembered | ÷ pg_dump | \
         `psql -1 -f` | first `apply` | ÷ psql | `check` peak RSS | no-op runs: DDL / savepoints / writes | \
         `check` last run ÷ run 1 |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|\n",
    );
    for &(major, size) in &data.groups {
        let time = |step| data.time_cell(major, size, step);
        let ratio_of = |step, baseline| data.ratio_cell(major, size, step, baseline);
        let checks = data.steps(major, size, "check");
        let finished = checks.iter().all(|r| completed(r));
        let rss = checks.iter().map(|r| r.rss_kb).max().filter(|_| finished);
        let drift = match (checks.first(), checks.last()) {
            (Some(a), Some(b)) if checks.len() > 1 && finished => {
                format!("{} (run {})", ratio(Some(b.ms), Some(a.ms)), b.run)
            }
            _ => "—".into(),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            server_version(data, major, size),
            thousands(size),
            time("pg_dump"),
            time("check"),
            ratio_of("check", "pg_dump"),
            time("noop-apply"),
            ratio_of("noop-apply", "pg_dump"),
            time("check-full"),
            ratio_of("check-full", "pg_dump"),
            time("check-cold"),
            ratio_of("check-cold", "pg_dump"),
            time("psql-first-build"),
            time("first-apply"),
            ratio_of("first-apply", "psql-first-build"),
            rss.map_or("—".into(), mb),
            noop_changes(data, major, size),
            drift,
        );
    }
    out.push('\n');
}

/// Steps that should change nothing.
const NOOP_STEPS: [&str; 6] = [
    "check",
    "check-full",
    "plan",
    "noop-apply",
    "check-own",
    "noop-apply-own",
];

/// Max DDL / savepoints / writes of one run among the no-op runs.
fn noop_changes(data: &Data, major: u32, size: usize) -> String {
    let runs: Vec<&Run> = NOOP_STEPS
        .iter()
        .flat_map(|s| data.steps(major, size, s))
        .collect();
    if runs.is_empty() {
        return "—".into();
    }
    let max = |k: &str| runs.iter().map(|r| r.count(k)).max().unwrap_or(0);
    format!(
        "{} ({} temp) / {} / {} ({} temp)",
        max("ddl"),
        max("temp_ddl"),
        max("savepoint"),
        max("write"),
        max("temp_write")
    )
}

fn targets(out: &mut String, data: &Data) {
    let cols: Vec<String> = data
        .groups
        .iter()
        .map(|&(major, size)| format!("PG {major}, {}", thousands(size)))
        .collect();
    let _ = writeln!(
        out,
        "#### Issue 9's targets, as measured\n\n| target | {} |\n|---|{}",
        cols.join(" | "),
        "---|".repeat(cols.len())
    );
    type Cell<'a> = Box<dyn Fn(u32, usize) -> Option<String> + 'a>;
    let rows: Vec<(&str, Cell)> = vec![
        (
            "`validate` of the spec exits 0",
            Box::new(|major, size| {
                let runs = data.steps(major, size, "validate");
                let ok = !runs.is_empty() && runs.iter().all(|r| r.exit == 0);
                (!runs.is_empty()).then(|| format!("{} {}", exits(&runs), mark(ok)))
            }),
        ),
        (
            "`check` of the psql-built database exits 0 (before and after the first `apply` there)",
            Box::new(|major, size| {
                let runs: Vec<&Run> = ["check-cold", "check"]
                    .iter()
                    .flat_map(|s| data.steps(major, size, s))
                    .collect();
                let ok = runs.iter().all(|r| r.exit == 0);
                (!runs.is_empty()).then(|| format!("{} {}", exits(&runs), mark(ok)))
            }),
        ),
        (
            "`check` ≤ 0.25× `pg_dump -s` at 10,000 tables, ≤ 0.5× at 1,000",
            Box::new(|major, size| {
                let limit = match size {
                    10_000 => 0.25,
                    1_000 => 0.5,
                    _ => return None,
                };
                let r = match data.target_ratio(major, size, "check", "pg_dump")? {
                    Ok(r) => r,
                    Err(failed) => return Some(failed),
                };
                Some(format!("{r:.2}× {}", mark(r <= limit)))
            }),
        ),
        (
            "`check` with nothing remembered (before any `apply` there): ÷ `pg_dump -s`, scratch tables",
            Box::new(|major, size| {
                let r = match data.target_ratio(major, size, "check-cold", "pg_dump")? {
                    Ok(r) => r,
                    Err(failed) => return Some(failed),
                };
                let run = data.steps(major, size, "check-cold").into_iter().next()?;
                Some(format!("{r:.2}×, {} temp DDL", run.count("temp_ddl")))
            }),
        ),
        (
            "first `apply` over the psql-built database: writes outside pg-provision's memory",
            Box::new(|major, size| {
                let run = data.steps(major, size, "adopt").into_iter().next()?;
                if !completed(run) {
                    return Some(format!("exit {} ✗", run.exit));
                }
                Some(format!(
                    "{} executed {}",
                    run.executed.unwrap_or(0),
                    mark(run.executed == Some(0))
                ))
            }),
        ),
        (
            "no-op `apply` ≤ 0.33× `pg_dump -s` at 10,000 tables",
            Box::new(|major, size| {
                let r = match data.target_ratio(major, size, "noop-apply", "pg_dump")? {
                    Ok(r) => r,
                    Err(failed) => return Some(failed),
                };
                let judged = (size == 10_000).then(|| mark(r <= 1.0 / 3.0));
                Some(format!("{r:.2}× {}", judged.unwrap_or("")))
            }),
        ),
        (
            "`check` runs 4-6 no slower than runs 1-3 (mean ratio ≤ 1.10: run-to-run noise)",
            Box::new(|major, size| {
                if let Some(failed) = data.failed_cell(major, size, &["check"]) {
                    return Some(failed);
                }
                let (early, late) = drift_means(data, major, size)?;
                Some(format!(
                    "{:.2} {}",
                    late / early,
                    mark(late / early <= 1.10)
                ))
            }),
        ),
        (
            "no DDL, savepoint, write, LOCK or unclassified statement in no-op runs (`check`, `plan`, no-op `apply`)",
            Box::new(|major, size| {
                let runs: Vec<&Run> = NOOP_STEPS
                    .iter()
                    .flat_map(|s| data.steps(major, size, s))
                    .collect();
                let bad = runs.iter().map(|r| r.changing()).max()?;
                if runs.iter().any(|r| !completed(r)) {
                    return Some(format!("{bad}, but runs failed ({}) ✗", exits(&runs)));
                }
                Some(format!("{bad} {}", mark(bad == 0)))
            }),
        ),
        (
            "first `apply` ≤ 1.5× `psql -1 -f`",
            Box::new(|major, size| {
                let r = match data.target_ratio(major, size, "first-apply", "psql-first-build")? {
                    Ok(r) => r,
                    Err(failed) => return Some(failed),
                };
                let ok = data
                    .steps(major, size, "first-apply")
                    .iter()
                    .all(|run| run.exit == 0)
                    && r <= 1.5;
                Some(format!("{r:.2}× {}", mark(ok)))
            }),
        ),
        (
            "`check` peak RSS ≤ 128 MB at 10,000 tables",
            Box::new(|major, size| {
                if let Some(failed) = data.failed_cell(major, size, &["check"]) {
                    return Some(failed);
                }
                let rss = data
                    .steps(major, size, "check")
                    .iter()
                    .map(|r| r.rss_kb)
                    .max()?;
                let judged = (size == 10_000).then(|| mark(rss <= 128 * 1024));
                Some(format!("{} {}", mb(rss), judged.unwrap_or("")))
            }),
        ),
        (
            "default lock table: first `apply` refused before any statement; with the value named, it succeeds",
            Box::new(|major, size| Some(lock_outcome(data, major, size))),
        ),
    ];
    for (title, cell) in rows {
        let cells: Vec<String> = data
            .groups
            .iter()
            .map(|&(major, size)| cell(major, size).unwrap_or_else(|| "—".into()))
            .collect();
        let _ = writeln!(out, "| {title} | {} |", cells.join(" | "));
    }
    out.push('\n');
}

fn exits(runs: &[&Run]) -> String {
    let mut codes: Vec<i32> = runs.iter().map(|r| r.exit).collect();
    codes.sort_unstable();
    codes.dedup();
    format!(
        "exit {}",
        codes
            .iter()
            .map(i32::to_string)
            .collect::<Vec<_>>()
            .join("/")
    )
}

/// Mean of check runs 1-3 and 4-6.
fn drift_means(data: &Data, major: u32, size: usize) -> Option<(f64, f64)> {
    let checks = data.steps(major, size, "check");
    let ms = |range: std::ops::Range<usize>| {
        mean(
            &checks
                .iter()
                .filter(|r| range.contains(&r.run))
                .map(|r| r.ms)
                .collect::<Vec<_>>(),
        )
    };
    Some((ms(1..4)?, ms(4..7)?))
}

fn lock_outcome(data: &Data, major: u32, size: usize) -> String {
    let refused = data.steps(major, size, "apply-default-locks");
    let first = data.steps(major, size, "first-apply");
    let first_exit = first.first().map_or("not run".into(), |r| exits(&[r]));
    if let Some(plan) = data.steps(major, size, "plan-empty").first()
        && refused.is_empty()
        && plan.exit != 0
    {
        return format!("not reached: `plan` exited {} ✗", plan.exit);
    }
    match refused.first() {
        None => format!("fits, not refused; first apply {first_exit}"),
        Some(r) => {
            let locks = data.of(major, size, "tool_locks").unwrap_or("?");
            let ok = r.exit != 0 && r.lasting() == 0 && first.first().is_some_and(|f| f.exit == 0);
            format!(
                "refused: exit {}, {} statements outside `pg_temp`; raised to {locks}: first apply {first_exit} {}",
                r.exit,
                r.lasting(),
                mark(ok)
            )
        }
    }
}

/// What the lock pre-check did, as observed.
fn lock_paragraph(out: &mut String, data: &Data, major: u32, size: usize) {
    let held = data
        .of(major, size, "dba_locks_held")
        .map(|n| {
            format!(" The hand-written build held {n} locks just before its `COMMIT` (`pg_locks`).")
        })
        .unwrap_or_default();
    if let Some(plan) = data.steps(major, size, "plan-empty").first()
        && plan.exit != 0
        && data.steps(major, size, "apply-default-locks").is_empty()
    {
        let _ = writeln!(
            out,
            "Lock pre-check: not reached — `plan` on the empty database exited {} (see below).{held}\n",
            plan.exit
        );
        return;
    }
    let Some(r) = data
        .steps(major, size, "apply-default-locks")
        .first()
        .copied()
    else {
        let _ = writeln!(
            out,
            "Lock pre-check: `plan` on the default server refused nothing, so the first `apply` ran there.{held}\n"
        );
        return;
    };
    let first = data.steps(major, size, "first-apply");
    let _ = writeln!(
        out,
        "Lock pre-check: `plan` on the default server refused ({}). `apply` there exited {} after {} \
         with {} statements outside `pg_temp` (the catalog reads used {} savepoints and {} scratch DDL); it said: {}. \
         Restarted with max_locks_per_transaction = {}, the first `apply` exited {}.{held}\n",
        data.of(major, size, "lock_refusal").unwrap_or("?"),
        r.exit,
        time(r.ms),
        r.lasting(),
        r.count("savepoint"),
        r.count("temp_ddl"),
        data.of(major, size, "stderr:apply-default-locks:1")
            .map_or("(nothing)".into(), |e| format!("“{}”", one_line(e))),
        data.of(major, size, "tool_locks").unwrap_or("?"),
        first
            .first()
            .map_or("(not run)".into(), |f| f.exit.to_string()),
    );
}

/// Rows of the per-group table: step, what it is, baseline step.
const STEPS: [(&str, &str, Option<&str>); 14] = [
    (
        "psql-first-build",
        "A: `psql -1 -f handwritten.sql` (empty database)",
        None,
    ),
    (
        "first-apply",
        "B: first `apply` (empty database)",
        Some("psql-first-build"),
    ),
    ("pg_dump", "A: `pg_dump --schema-only`", None),
    ("validate", "`validate` (offline)", Some("pg_dump")),
    (
        "check-cold",
        "A: `check`, nothing remembered (before any `apply`)",
        Some("pg_dump"),
    ),
    (
        "adopt",
        "A: first `apply` (changes nothing; writes pg-provision's memory)",
        Some("pg_dump"),
    ),
    ("check", "A: `check`", Some("pg_dump")),
    (
        "check-full",
        "A: `check --no-stamp` (the full comparison)",
        Some("pg_dump"),
    ),
    ("plan", "A: `plan`", Some("pg_dump")),
    ("noop-apply", "A: no-op `apply`", Some("pg_dump")),
    (
        "check-own",
        "B: `check` after its first `apply`",
        Some("pg_dump"),
    ),
    ("noop-apply-own", "B: second `apply`", Some("pg_dump")),
    (
        "plan-empty",
        "B: `plan` on the empty database, default lock table",
        None,
    ),
    (
        "apply-default-locks",
        "B: `apply` on the empty database, default lock table",
        None,
    ),
];

fn group(out: &mut String, data: &Data, major: u32, size: usize) {
    let shape = data
        .of(major, size, "shape")
        .or_else(|| data.fact("-", &size.to_string(), "shape"))
        .unwrap_or("");
    let kb = |key| {
        data.fact("-", &size.to_string(), key)
            .and_then(|b| b.parse::<f64>().ok())
            .map_or("?".into(), |b| format!("{:.0} kB", b / 1024.0))
    };
    let _ = writeln!(
        out,
        "#### PostgreSQL {}, {} tables\n\n\
         - landscape: {shape}; spec.yaml {}, handwritten.sql {}\n\
         - server: {}\n\
         - pg_dump: {}\n\
         - lock table: default {}; B ran its first apply with max_locks_per_transaction = {}, A with {}\n",
        server_version(data, major, size),
        thousands(size),
        kb("spec_bytes"),
        kb("sql_bytes"),
        data.of(major, size, "server").unwrap_or("?"),
        data.of(major, size, "pg_dump")
            .map(|p| format!("`{p}`"))
            .or_else(|| data
                .of(major, size, "pg_dump_skipped")
                .map(|r| format!("skipped: {r}")))
            .unwrap_or_else(|| "?".into()),
        data.of(major, size, "default_locks").unwrap_or("?"),
        data.of(major, size, "tool_locks").unwrap_or("?"),
        data.of(major, size, "dba_locks").unwrap_or("?"),
    );
    out.push_str(
        "| step | runs | median | min – max | ratio | peak RSS | exit | round trips | executed | \
         statements | DDL (temp) | savepoints | writes (temp) | locks | other |\n\
         |---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for (step, title, baseline) in STEPS {
        let runs = data.steps(major, size, step);
        let Some(first) = runs.first() else {
            continue;
        };
        let min = runs.iter().map(|r| r.ms).fold(f64::INFINITY, f64::min);
        let max = runs.iter().map(|r| r.ms).fold(0.0, f64::max);
        let ratio = baseline.map_or("baseline".into(), |b| {
            match data.ratio_cell(major, size, step, b).as_str() {
                "—" => "—".into(),
                r => format!("{r} {}", if b == "pg_dump" { "pg_dump" } else { "psql" }),
            }
        });
        let max_of = |k: &str| runs.iter().map(|r| r.count(k)).max().unwrap_or(0);
        let _ = writeln!(
            out,
            "| {title} | {} | {} | {} – {} | {ratio} | {} | {} | {} | {} | {} | {} ({}) | {} | {} ({}) | {} | {} |",
            runs.len(),
            opt_time(median(&runs)),
            time(min),
            time(max),
            mb(runs.iter().map(|r| r.rss_kb).max().unwrap_or(0)),
            exits(&runs),
            first.round_trips.map_or("—".into(), |n| n.to_string()),
            first.executed.map_or("—".into(), |n| n.to_string()),
            first.count("total"),
            max_of("ddl"),
            max_of("temp_ddl"),
            max_of("savepoint"),
            max_of("write"),
            max_of("temp_write"),
            max_of("lock"),
            max_of("other"),
        );
    }
    out.push_str(
        "\nStatements, round trips and executed are those of run 1; DDL, savepoints, writes and other \
         are the most any run sent.\n\n",
    );
    let checks = data.steps(major, size, "check");
    if let (Some(a), Some(b)) = (checks.first(), checks.last()) {
        let (early, late) = drift_means(data, major, size).unwrap_or((f64::NAN, f64::NAN));
        let _ = writeln!(
            out,
            "Drift over {} `check` runs in a row: run 1 {}, run {} {} ({}); runs 1-3 mean {}, runs 4-6 mean {} ({:.2}). \
             Runs: {}.\n",
            checks.len(),
            time(a.ms),
            b.run,
            time(b.ms),
            ratio(Some(b.ms), Some(a.ms)),
            time(early),
            time(late),
            late / early,
            checks
                .iter()
                .map(|r| format!("{:.0}", r.ms))
                .collect::<Vec<_>>()
                .join(", ")
                + " ms"
        );
    }
    let _ = writeln!(
        out,
        "Catalog dead tuples (`n_dead_tup`, autovacuum off) on A: after the psql build {}; after the first \
         `check` and `apply` {}; after the `check` runs {}; after the `plan` and no-op `apply` runs {}.\n",
        data.of(major, size, "dead_before").unwrap_or("?"),
        data.of(major, size, "dead_after_adopt").unwrap_or("?"),
        data.of(major, size, "dead_after_check").unwrap_or("?"),
        data.of(major, size, "dead_after_apply").unwrap_or("?"),
    );
    lock_paragraph(out, data, major, size);
    // The same message from several runs is listed once, with the runs.
    let mut by_message: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for ((m, s, k), v) in &data.facts {
        if *m == major.to_string()
            && *s == size.to_string()
            && k.starts_with("stderr:")
            && !k.starts_with("stderr:apply-default-locks:")
            && !v.trim().is_empty()
        {
            by_message
                .entry(one_line(v))
                .or_default()
                .push(&k["stderr:".len()..]);
        }
    }
    let failures: Vec<String> = by_message
        .iter()
        .map(|(message, runs)| {
            let runs: Vec<String> = runs.iter().map(|r| format!("`{r}`")).collect();
            format!("- {}: {message}", runs.join(", "))
        })
        .collect();
    if !failures.is_empty() {
        let _ = writeln!(
            out,
            "Runs that exited non-zero, first lines of stderr:\n\n{}\n",
            failures.join("\n")
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_ratios_and_targets_come_from_the_rows() {
        let runs = "15\t1000\tpg_dump\t1\t100\t9000\t0\t-\t-\ttotal=3 read=3\n\
                    15\t1000\tcheck\t1\t40\t20000\t0\t4\t0\ttotal=9 read=8 savepoint=1\n\
                    15\t1000\tcheck\t2\t60\t20000\t0\t4\t0\ttotal=9 read=9\n";
        let facts = "15\t1000\tserver\tPostgreSQL 15.18 (Debian) on x86_64\n";
        let data = parse(runs, facts).unwrap();
        assert_eq!(data.median(15, 1000, "check"), Some(50.0));
        let text = render(&data);
        assert!(
            text.contains("| 15.18 | 1,000 | 100 ms | 50 ms | 0.50× |"),
            "{text}"
        );
        assert!(text.contains("0.50× ✓"), "{text}");
        assert!(
            text.contains("| 1 ✗ |"),
            "a savepoint in a no-op run: {text}"
        );
    }
}

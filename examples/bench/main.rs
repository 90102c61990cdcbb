//! Helpers of `scripts/bench` (run by hand, never by CI), with the code the
//! integration tests use, so the landscape has one generator:
//!
//! ```text
//! cargo run --release --example bench -- landscape TABLES SCHEMAS DIR
//!     writes DIR/spec.yaml and DIR/handwritten.sql (support/landscape.rs);
//!     SCHEMAS 0 = the default spread
//! cargo run --release --example bench -- statements LOG FROM TO
//!     classifies the statements a server logged (log_statement = all)
//!     between byte offsets FROM and TO of LOG (support/server_log.rs);
//!     prints `key=value` pairs: total, each kind, temp_ddl, temp_write,
//!     messages
//! cargo run --release --example bench -- report RUNS.tsv FACTS.tsv
//!     the markdown report of what scripts/bench measured (report.rs)
//! ```

#[path = "../../tests/integration/support/landscape.rs"]
mod landscape;
mod report;
#[path = "../../tests/integration/support/server_log.rs"]
mod server_log;

use std::io::{Read, Seek, SeekFrom};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["landscape", tables, schemas, dir] => write_landscape(tables, schemas, dir),
        ["statements", log, from, to] => statements(log, from, to),
        ["report", runs, facts] => report::print(runs, facts),
        _ => Err(
            "usage: bench landscape TABLES SCHEMAS DIR | bench statements LOG FROM TO | bench report RUNS FACTS"
                .into(),
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench: error: {e}");
            ExitCode::from(64)
        }
    }
}

fn number(text: &str, what: &str) -> Result<usize, String> {
    text.parse()
        .map_err(|_| format!("{what} must be a number, not `{text}`"))
}

fn write_landscape(tables: &str, schemas: &str, dir: &str) -> Result<(), String> {
    let mut l = landscape::Landscape::new(number(tables, "TABLES")?);
    let schemas = number(schemas, "SCHEMAS")?;
    if schemas > 0 {
        l = l.with_schemas(schemas);
    }
    l.write(std::path::Path::new(dir))
        .map_err(|e| format!("writing into `{dir}`: {e}"))?;
    println!("tables={} schemas={}", l.tables, l.schemas);
    Ok(())
}

fn statements(log: &str, from: &str, to: &str) -> Result<(), String> {
    let (from, to) = (number(from, "FROM")?, number(to, "TO")?);
    let mut file = std::fs::File::open(log).map_err(|e| format!("`{log}`: {e}"))?;
    file.seek(SeekFrom::Start(from as u64))
        .map_err(|e| format!("`{log}`: {e}"))?;
    let mut bytes = Vec::new();
    file.take(to.saturating_sub(from) as u64)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("`{log}`: {e}"))?;
    let counts = server_log::count(&String::from_utf8_lossy(&bytes));
    let mut line = format!("total={}", counts.total());
    for kind in server_log::Kind::ALL {
        line.push_str(&format!(" {}={}", kind.name(), counts.get(kind)));
    }
    println!(
        "{line} temp_ddl={} temp_write={} messages={}",
        counts.temp(server_log::Kind::Ddl),
        counts.temp(server_log::Kind::Write),
        counts.messages
    );
    Ok(())
}

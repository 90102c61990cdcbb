//! Command line (stub while the engine is built).

/// Entry point used by `main`.
pub fn main() -> std::process::ExitCode {
    std::process::ExitCode::SUCCESS
}

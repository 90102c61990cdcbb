//! The process's peak memory, for `RUST_LOG=debug` and the scale tests.
//!
//! Read from `/proc/self/status` (`VmHWM`, the resident set's high-water
//! mark) by the process itself: a parent's `wait4`/`getrusage` would also
//! count the pages the child shared with it before `exec`.

/// The peak resident set size in KiB, where the OS reports it (Linux).
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().strip_suffix("kB"))
        .and_then(|kib| kib.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_peak_is_read_on_linux() {
        let kib = super::peak_rss_kib().expect("VmHWM in /proc/self/status");
        assert!(kib > 100, "{kib} KiB");
    }
}

//! What a command cost the machine, told honestly on a shared one: the process's own CPU time
//! (user + system, all threads, from `getrusage`) and the load average beside it. Wall time on a
//! loaded machine measures the neighbours; CPU time measures salesim (BENCHMARKS.md).

/// CPU seconds (user + system, every thread) this process has used so far; 0 where the
/// operating system does not say.
pub fn process_seconds() -> f64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: `getrusage` writes one `rusage` into the pointer it is given and reads nothing
    // else; the buffer is zeroed, and it is read only when the call succeeds.
    let usage = unsafe {
        if libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) != 0 {
            return 0.0;
        }
        usage.assume_init()
    };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// The machine's 1-, 5- and 15-minute load averages (`/proc/loadavg`), if it has them.
pub fn load_average() -> Option<[f64; 3]> {
    parse_load_average(&std::fs::read_to_string("/proc/loadavg").ok()?)
}

/// The first three fields of a `/proc/loadavg` line.
fn parse_load_average(text: &str) -> Option<[f64; 3]> {
    let mut fields = text.split_whitespace().map(str::parse::<f64>);
    Some([
        fields.next()?.ok()?,
        fields.next()?.ok()?,
        fields.next()?.ok()?,
    ])
}

/// One line for the terminal: "CPU 12.3 s (user + system, 1.9× the wall time); load average
/// 7.12 over the last minute".
pub fn describe(cpu_seconds: f64, wall_seconds: f64, load: Option<[f64; 3]>) -> String {
    let mut s = format!("CPU {cpu_seconds:.1} s (user + system");
    if wall_seconds > 0.0 {
        s.push_str(&format!(
            ", {:.1}× the wall time",
            cpu_seconds / wall_seconds
        ));
    }
    s.push(')');
    if let Some([one, ..]) = load {
        s.push_str(&format!(
            "; load average {one:.2} over the last minute (wall time on a loaded machine \
             measures the neighbours)"
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_time_grows_with_work() {
        let before = process_seconds();
        let mut x = 0u64;
        let until = std::time::Instant::now() + std::time::Duration::from_millis(200);
        while std::time::Instant::now() < until {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
        }
        std::hint::black_box(x);
        let after = process_seconds();
        assert!(after > before, "{before} → {after}");
    }

    #[test]
    fn load_average_lines_parse() {
        assert_eq!(
            parse_load_average("7.12 6.50 5.01 3/512 12345\n"),
            Some([7.12, 6.5, 5.01])
        );
        assert_eq!(parse_load_average("garbage"), None);
        assert_eq!(parse_load_average(""), None);
    }

    #[test]
    fn the_line_gives_cpu_ratio_and_load() {
        let line = describe(12.0, 6.0, Some([7.5, 6.0, 5.0]));
        assert!(
            line.starts_with("CPU 12.0 s (user + system, 2.0× the wall time)"),
            "{line}"
        );
        assert!(line.contains("load average 7.50"), "{line}");
        assert_eq!(describe(1.0, 0.0, None), "CPU 1.0 s (user + system)");
    }
}

//! Ctrl-C and SIGTERM: the first asks a running experiment to stop cleanly (no new run starts,
//! runs in flight are abandoned, finished runs are kept in the journal and finished points in
//! the CSVs); a second quits at once. Exit code 130 either way.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

/// Exit code of a run stopped by a signal (128 + SIGINT, the shell's convention).
pub const EXIT_CODE: i32 = 130;

static STOP: AtomicBool = AtomicBool::new(false);
static INSTALLED: OnceLock<bool> = OnceLock::new();

/// The process-wide stop flag, with the signal handler installed on first use. If no handler
/// can be installed (another one is), the flag still works but signals end the process as
/// usual; finished runs are in the journal either way.
pub fn stop_flag() -> &'static AtomicBool {
    INSTALLED.get_or_init(|| {
        ctrlc::set_handler(|| {
            if STOP.swap(true, Ordering::SeqCst) {
                eprintln!("\nsalesim: stopped at once");
                std::process::exit(EXIT_CODE);
            }
            eprintln!(
                "\nsalesim: stopping: finished runs are kept, runs in flight are abandoned \
                 (press Ctrl-C again to quit at once)"
            );
        })
        .is_ok()
    });
    &STOP
}

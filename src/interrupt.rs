//! Ctrl-C and SIGTERM: the first asks a running command to stop cleanly (planning gives up, no
//! new run starts, runs in flight are abandoned, finished runs are kept in the journal and
//! finished points in the CSVs); a second quits at once, except while output files are being
//! put in place ([`finishing`]), which it lets finish first. Exit code 130 either way.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

/// Exit code of a run stopped by a signal (128 + SIGINT, the shell's convention).
pub const EXIT_CODE: i32 = 130;

static STOP: AtomicBool = AtomicBool::new(false);
static FINISHING: AtomicBool = AtomicBool::new(false);
static QUIT_AFTER_FINISHING: AtomicBool = AtomicBool::new(false);
static INSTALLED: OnceLock<bool> = OnceLock::new();
static STOPPING: OnceLock<&'static str> = OnceLock::new();

/// What the first signal says by default: what a stopped run keeps.
const RUN_STOPPING: &str =
    "salesim: stopping: finished runs are kept, runs in flight are abandoned";

/// What the first signal says in a command that writes nothing unless it finishes (a
/// sensitivity study, `run --until-decided`, the study inside `calibrate`): nothing is kept, so
/// it must not promise that finished runs are.
pub const NOTHING_KEPT: &str =
    "salesim: stopping: nothing is written unless the command finishes; runs in flight are abandoned";

/// What a signal does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// The first signal: stop cleanly.
    Stop,
    /// A second signal: quit now.
    QuitNow,
    /// A second signal while files are put in place: quit as soon as they are.
    QuitAfterFinishing,
}

/// What a signal does, given the flags: `stop` (set by the first signal), `finishing` (files
/// are being put in place) and `quit_after` (set when a quit has to wait).
pub fn on_signal(stop: &AtomicBool, finishing: &AtomicBool, quit_after: &AtomicBool) -> Action {
    if !stop.swap(true, Ordering::SeqCst) {
        return Action::Stop;
    }
    if finishing.load(Ordering::SeqCst) {
        quit_after.store(true, Ordering::SeqCst);
        return Action::QuitAfterFinishing;
    }
    Action::QuitNow
}

/// The process-wide stop flag, with the signal handler installed on first use. If no handler
/// can be installed (another one is), the flag still works but signals end the process as
/// usual; finished runs are in the journal either way.
pub fn stop_flag() -> &'static AtomicBool {
    INSTALLED.get_or_init(|| {
        ctrlc::set_handler(
            || match on_signal(&STOP, &FINISHING, &QUIT_AFTER_FINISHING) {
                Action::Stop => eprintln!(
                    "\n{} (press Ctrl-C again to quit at once)",
                    STOPPING.get().copied().unwrap_or(RUN_STOPPING)
                ),
                Action::QuitAfterFinishing => {
                    eprintln!("\nsalesim: quitting as soon as the output files are in place")
                }
                Action::QuitNow => {
                    eprintln!("\nsalesim: stopped at once");
                    std::process::exit(EXIT_CODE);
                }
            },
        )
        .is_ok()
    });
    &STOP
}

/// [`stop_flag`], for a command whose stop is not a run's: the first signal says `stopping`
/// (what stops and what is kept) instead of what a stopped run keeps. The first command of the
/// process to ask sets it.
pub fn stop_flag_saying(stopping: &'static str) -> &'static AtomicBool {
    let _ = STOPPING.set(stopping);
    stop_flag()
}

/// Runs `f`, which puts output files in place, so that a second signal cannot cut it short:
/// the CSVs never stand in place without the manifest that says whether they are complete. If a
/// second signal came meanwhile, quits (exit 130) as soon as `f` is done.
pub fn finishing<T>(f: impl FnOnce() -> T) -> T {
    FINISHING.store(true, Ordering::SeqCst);
    let result = f();
    FINISHING.store(false, Ordering::SeqCst);
    if QUIT_AFTER_FINISHING.load(Ordering::SeqCst) {
        eprintln!("salesim: stopped at once, with the output files in place");
        std::process::exit(EXIT_CODE);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_signal_quits_at_once_unless_files_are_being_put_in_place() {
        let (stop, finishing, quit_after) = (
            AtomicBool::new(false),
            AtomicBool::new(false),
            AtomicBool::new(false),
        );
        assert_eq!(on_signal(&stop, &finishing, &quit_after), Action::Stop);
        assert!(stop.load(Ordering::SeqCst));
        finishing.store(true, Ordering::SeqCst);
        assert_eq!(
            on_signal(&stop, &finishing, &quit_after),
            Action::QuitAfterFinishing
        );
        assert!(quit_after.load(Ordering::SeqCst));
        finishing.store(false, Ordering::SeqCst);
        assert_eq!(on_signal(&stop, &finishing, &quit_after), Action::QuitNow);
    }
}

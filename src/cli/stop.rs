//! Stopping on Ctrl-C or SIGTERM: the first signal sets one stop flag that
//! every command's work reads (between months of a run, see
//! `normshift::run::Job::stop`, and between units of a long job), so the
//! command stops within about the time of one simulated month, drops what
//! is unfinished, marks its folder and exits 130. A second signal exits at
//! once. Never stops anything itself beyond that second-signal exit.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

static STOP: AtomicBool = AtomicBool::new(false);
static SIGNALS: AtomicUsize = AtomicUsize::new(0);

/// Exit code of a command stopped by a signal (128 + SIGINT, the shell's habit).
pub const EXIT_STOPPED: i32 = 130;

/// Catch Ctrl-C and SIGTERM: the first sets the stop flag, the second exits
/// at once with [`EXIT_STOPPED`].
pub fn watch_signals() {
    ctrlc::set_handler(|| {
        if SIGNALS.fetch_add(1, Ordering::SeqCst) > 0 {
            eprintln!("\nstopped at once (second signal)");
            std::process::exit(EXIT_STOPPED);
        }
        STOP.store(true, Ordering::SeqCst);
        eprintln!("\nstopping: finishing the month in progress (Ctrl-C again to exit at once)");
    })
    .ok();
}

/// The stop flag, for `Job::stop`.
pub fn flag() -> &'static AtomicBool {
    &STOP
}

/// Whether Ctrl-C or SIGTERM asked the command to stop.
pub fn stopped() -> bool {
    STOP.load(Ordering::SeqCst)
}

//! Stopping on Ctrl-C or SIGTERM: the first signal sets one stop flag that
//! every command's work reads (between months of a run, see
//! `normshift::run::Job::stop`, and between units of a long job), so the
//! command stops within about the time of one simulated month, drops what
//! is unfinished, marks its folder and exits 130. A second signal exits at
//! once. Never stops anything itself beyond that second-signal exit.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

static STOP: AtomicBool = AtomicBool::new(false);
static SIGNALS: AtomicUsize = AtomicUsize::new(0);

/// Exit code of a command stopped by a signal (128 + SIGINT, the shell's habit).
pub const EXIT_STOPPED: i32 = 130;

/// The manifest of the long job in progress, marked `interrupted` by a
/// second signal before the process exits (best effort).
static MANIFEST: Mutex<Option<PathBuf>> = Mutex::new(None);

/// Catch Ctrl-C and SIGTERM: the first sets the stop flag, the second exits
/// at once with [`EXIT_STOPPED`], after marking the manifest of a job in
/// progress (see [`job_manifest`]) `interrupted`.
pub fn watch_signals() {
    ctrlc::set_handler(|| {
        if SIGNALS.fetch_add(1, Ordering::SeqCst) > 0 {
            if let Some(path) = MANIFEST.lock().ok().and_then(|m| m.clone()) {
                super::files::mark_status(&path, "interrupted").ok();
            }
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

/// For commands that never read the stop flag and write nothing that a
/// stop could leave half done (`check`, `show`, `scenarios`, `plot`, whose
/// folder is built aside, `validate`, which writes its one file at the end): Ctrl-C or SIGTERM exits at once
/// with [`EXIT_STOPPED`]. Installed so that a signal stops them even where
/// the shell started them with SIGINT ignored (a background job).
pub fn exit_on_signal() {
    ctrlc::set_handler(|| {
        eprintln!("\nstopped");
        std::process::exit(EXIT_STOPPED);
    })
    .ok();
}

/// Record (Some) or forget (None) the manifest of the long job in progress.
pub fn job_manifest(path: Option<&Path>) {
    if let Ok(mut m) = MANIFEST.lock() {
        *m = path.map(Path::to_path_buf);
    }
}

/// A command ending with an error while its job's manifest still says
/// `running` (registered by [`job_manifest`]): mark it `interrupted` (a
/// stop) or `failed`, best effort, and forget it.
pub fn settle_job_manifest(interrupted: bool) {
    let path = MANIFEST.lock().ok().and_then(|mut m| m.take());
    if let Some(path) = path {
        super::files::mark_status(&path, if interrupted { "interrupted" } else { "failed" }).ok();
    }
}

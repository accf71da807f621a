//! The append-only result files of long jobs (`sweep`'s `runs.csv`,
//! `sensitivity`'s `samples.csv`): rows appended and flushed as runs
//! finish, so a crash or kill loses only the runs in flight; a torn last
//! line cut off on `--resume`; and the stop flag that Ctrl-C or SIGTERM
//! sets, after which workers start nothing new.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

static STOP: AtomicBool = AtomicBool::new(false);

/// Set the stop flag on Ctrl-C or SIGTERM (instead of dying at once).
pub fn watch_signals() {
    ctrlc::set_handler(|| STOP.store(true, Ordering::SeqCst)).ok();
}

/// Whether Ctrl-C or SIGTERM asked the job to stop.
pub fn stopped() -> bool {
    STOP.load(Ordering::SeqCst)
}

/// The complete data lines of a journal (header left out), after cutting
/// off a partial last line left by a kill (the file is rewritten without it).
pub fn complete_lines(path: &Path) -> anyhow::Result<Vec<String>> {
    let mut bytes = std::fs::read(path)?;
    match bytes.iter().rposition(|&b| b == b'\n') {
        Some(last) if last + 1 != bytes.len() => {
            bytes.truncate(last + 1);
            std::fs::write(path, &bytes)?;
        }
        Some(_) => {}
        None if !bytes.is_empty() => {
            bytes.clear();
            std::fs::write(path, &bytes)?;
        }
        None => {}
    }
    Ok(String::from_utf8_lossy(&bytes).lines().skip(1).map(str::to_string).collect())
}

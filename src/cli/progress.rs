//! Progress reporting on stderr: a bar on a terminal, plain lines otherwise.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Instant;

/// Progress of a job of `total` runs.
pub struct Progress {
    bar: Option<ProgressBar>,
    plain: Mutex<(usize, Instant)>,
    total: usize,
    label: String,
}

impl Progress {
    /// A bar on a terminal; on a pipe, a line every few seconds (only for jobs that take a while).
    pub fn new(total: usize, label: &str) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let b = ProgressBar::new(total as u64);
            b.set_style(
                ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} runs, {elapsed} elapsed, ETA {eta}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            b.set_message(label.to_string());
            b
        });
        Progress { bar, plain: Mutex::new((0, Instant::now())), total, label: label.into() }
    }

    /// One more run done.
    pub fn tick(&self) {
        if let Some(b) = &self.bar {
            b.inc(1);
            return;
        }
        if let Ok(mut g) = self.plain.lock() {
            g.0 += 1;
            let now = Instant::now();
            if now.duration_since(g.1).as_secs_f64() >= 5.0 || g.0 == self.total {
                eprintln!("{}: {}/{} runs done", self.label, g.0, self.total);
                g.1 = now;
            }
        }
    }

    /// Clear the bar.
    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

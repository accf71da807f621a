//! `report.html`: the one self-contained page (scenario, comparison table,
//! every figure inline as SVG with its caption) that `run`, `compare` and
//! `plot` write beside the tables. The page itself is built by the library
//! (`normshift::plot::report`); this file only writes it, atomically.

use super::files::write_atomic;
use normshift::plot::{Drawn, Results, report};
use std::path::Path;

/// Write the report for `res` and its drawn figures to `path`, with
/// `extra` (a section of HTML, e.g. the comparison over priors; may be
/// empty) and, for a comparison over priors, its (draws, replicates per draw).
pub fn write(path: &Path, res: &Results, drawn: &Drawn, extra: &str, draws: Option<(usize, usize)>) -> anyhow::Result<()> {
    let meta = report::Meta { version: env!("CARGO_PKG_VERSION").to_string(), draws };
    let html = report::html_with(res, drawn, &meta, extra);
    write_atomic(path, |w| w.write_all(html.as_bytes()))
}

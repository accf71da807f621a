//! Output files: created in the output folder as temporary files and
//! renamed into place when complete, so no reader ever sees half a file.

use anyhow::Context;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Write `path` atomically with `fill`.
pub fn write_atomic(path: &Path, fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> anyhow::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let tmp = tempfile::NamedTempFile::new_in(dir).with_context(|| format!("cannot create a file in {}", dir.display()))?;
    let mut w = BufWriter::new(tmp);
    fill(&mut w).with_context(|| format!("cannot write {}", path.display()))?;
    let tmp = w.into_inner().map_err(|e| e.into_error()).with_context(|| format!("cannot write {}", path.display()))?;
    tmp.as_file().sync_all().ok();
    // Temporary files are private; results are for everyone who can read the folder.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o644)).ok();
    }
    tmp.persist(path).with_context(|| format!("cannot replace {}", path.display()))?;
    Ok(())
}

/// Create the output folder (and parents).
pub fn ensure_dir(dir: &Path) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(dir).map_err(|e| super::bad(format!("cannot create the output folder {}: {e}", dir.display())))?;
    Ok(dir.to_path_buf())
}

/// Write `value` as pretty JSON to `path`, atomically ([`write_atomic`]).
pub fn write_json(path: &Path, value: &serde_json::Value) -> anyhow::Result<()> {
    write_atomic(path, |w| {
        serde_json::to_writer_pretty(&mut *w, value)?;
        writeln!(w)
    })
}

/// `dir/file` for a file name built from names (a figure of a strategy),
/// refused unless it is one plain file name of safe characters (the
/// naming rule of `normshift::names`, with the length of a file name), so
/// a name can never lead outside `dir`.
pub fn confined(dir: &Path, file: &str) -> anyhow::Result<PathBuf> {
    let safe = !file.is_empty()
        && file.len() <= 255
        && !file.starts_with(['.', '-'])
        && file.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if !safe {
        return Err(super::bad(format!(
            "will not write `{}` in {}: a file name built from a scenario or strategy name must follow the naming rule ({})",
            file.escape_debug(),
            dir.display(),
            normshift::names::NAME_RULE
        )));
    }
    Ok(dir.join(file))
}

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

/// Set the `status` of the manifest at `path` (and its `end_time`), best
/// effort for a job that is ending badly: written atomically if it can be;
/// if not (a full disk), the status is patched in place when the new word
/// is no longer than `running` (so `failed`: no new block is needed).
pub fn mark_status(path: &Path, status: &str) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut m: serde_json::Value = serde_json::from_str(&text).with_context(|| format!("cannot read {}", path.display()))?;
    m["status"] = serde_json::Value::from(status);
    m["end_time"] = serde_json::Value::from(humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string());
    let atomic = write_json(path, &m);
    if atomic.is_ok() {
        return atomic;
    }
    patch_status(path, &text, status).map_err(|_| atomic.unwrap_err())
}

/// Overwrite `"status": "running"` in place with `status` padded by spaces
/// (valid JSON, same length), for when no new file can be made.
fn patch_status(path: &Path, text: &str, status: &str) -> anyhow::Result<()> {
    use std::io::{Seek, SeekFrom};
    let from = "\"status\": \"running\"";
    let at = text.find(from).ok_or_else(|| anyhow::anyhow!("no running status in {}", path.display()))?;
    let to = format!("\"status\": \"{status}\"");
    anyhow::ensure!(to.len() <= from.len(), "`{status}` is longer than `running`");
    let patch = format!("{to}{}", " ".repeat(from.len() - to.len()));
    let mut f = std::fs::OpenOptions::new().write(true).open(path)?;
    f.seek(SeekFrom::Start(at as u64))?;
    f.write_all(patch.as_bytes())?;
    f.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_status_is_patched_in_place_when_nothing_new_can_be_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("manifest.json");
        let text = "{\n  \"status\": \"running\",\n  \"seed\": 1\n}\n";
        std::fs::write(&path, text).unwrap();
        patch_status(&path, text, "failed").unwrap();
        let back = std::fs::read_to_string(&path).unwrap();
        assert_eq!(back.len(), text.len());
        let m: serde_json::Value = serde_json::from_str(&back).unwrap();
        assert_eq!(m["status"], "failed");
        assert!(patch_status(&path, &back, "interrupted").is_err());
        // The ordinary way: written whole, with its end time.
        std::fs::write(&path, text).unwrap();
        mark_status(&path, "interrupted").unwrap();
        let m: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(m["status"], "interrupted");
        assert!(m["end_time"].is_string());
    }
}

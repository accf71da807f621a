//! Output folders: who owns one, whether it may be written, and building a
//! whole results folder beside its target and renaming it into place.
//!
//! Every results folder has a `manifest.json` that names the command that
//! wrote it (`command`), the scenario (`scenario_name`, `scenario`), a
//! digest of what defines the job (`design_hash`) and its `status`
//! (`running`, `complete`, `interrupted`, `failed`). A command may write
//! into a folder that is missing or empty, or that holds its own earlier
//! results (see [`claim`]); anything else needs `--force`, which replaces
//! the folder whole. `run`, `compare` and `merge` build their folder as a
//! hidden sibling ([`Staging`]) and rename it into place only when it is
//! complete, so a killed command never leaves a folder that looks complete,
//! two jobs' files never mix, and no stale file survives.
//!
//! Never writes outside the folder it is given and that folder's parent
//! (where the hidden staging folder lives).

use super::bad;
use std::path::{Path, PathBuf};

/// What an output folder holds now.
pub enum Holder {
    /// Nothing at that path.
    Missing,
    /// An empty folder.
    Empty,
    /// A normshift results folder, with its manifest.
    Results(serde_json::Value),
    /// A non-empty folder that is not a normshift results folder.
    Foreign,
}

/// The command that wrote a results folder, from its manifest (older
/// manifests did not record it: it is inferred from their fields).
pub fn command_of(m: &serde_json::Value) -> String {
    if let Some(c) = m["command"].as_str() {
        return c.to_string();
    }
    if m.get("method").is_some() && m.get("evaluations").is_some() {
        "sensitivity".into()
    } else if m.get("runs_total").is_some() {
        "sweep".into()
    } else {
        m["command_line"].get(1).and_then(|c| c.as_str()).unwrap_or("unknown").to_string()
    }
}

/// What is at `dir`. A path that exists but is not a folder is bad input.
pub fn inspect(dir: &Path) -> anyhow::Result<Holder> {
    match std::fs::symlink_metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Holder::Missing),
        Err(e) => return Err(bad(format!("{}: cannot use it as the output folder: {e}", dir.display()))),
        Ok(_) if !dir.is_dir() => {
            return Err(bad(format!("{}: exists and is not a folder; choose another --out", dir.display())));
        }
        Ok(_) => {}
    }
    let mut entries = std::fs::read_dir(dir).map_err(|e| bad(format!("{}: cannot read the output folder: {e}", dir.display())))?;
    if entries.next().is_none() {
        return Ok(Holder::Empty);
    }
    let manifest = std::fs::read_to_string(dir.join("manifest.json")).ok().and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok());
    Ok(match manifest {
        Some(m) if m.get("normshift_version").is_some() => Holder::Results(m),
        _ => Holder::Foreign,
    })
}

/// Check, before anything is simulated, that `dir` can be created and
/// written: its nearest existing ancestor must be a folder in which a
/// folder can be made (tried with a temporary folder, removed at once).
pub fn check_writable(dir: &Path) -> anyhow::Result<()> {
    let mut probe = dir;
    loop {
        match std::fs::metadata(probe) {
            Ok(m) if m.is_dir() => break,
            Ok(_) => {
                return Err(bad(format!(
                    "--out {}: {} is a file, not a folder, so nothing can be written under it; choose another --out",
                    dir.display(),
                    probe.display()
                )));
            }
            Err(_) => match probe.parent() {
                Some(p) if !p.as_os_str().is_empty() => probe = p,
                _ => {
                    probe = Path::new(".");
                    break;
                }
            },
        }
    }
    tempfile::Builder::new()
        .prefix(".normshift-probe-")
        .tempdir_in(probe)
        .map(drop)
        .map_err(|e| bad(format!("--out {}: cannot write in {}: {e}; choose a folder you can write to", dir.display(), probe.display())))
}

/// Whether `dir` is `/`, the current folder or one of its ancestors (never
/// replaced by `--force`).
fn precious(dir: &Path) -> bool {
    let (Ok(d), Ok(cwd)) = (dir.canonicalize(), std::env::current_dir().and_then(|c| c.canonicalize())) else { return false };
    cwd.starts_with(&d) || d.parent().is_none()
}

/// May `command` (owning `scenario_name`) write its results into `dir`?
/// Yes if the folder is missing or empty, or holds results of the same
/// scenario from `command` or one of `family` (commands whose folders it
/// replaces whole, e.g. `run` and `compare`); otherwise only with `force`.
/// Returns the holder, for callers that resume.
pub fn claim(dir: &Path, command: &str, family: &[&str], scenario_name: &str, force: bool) -> anyhow::Result<Holder> {
    let holder = inspect(dir)?;
    let refuse = |what: String| -> anyhow::Result<Holder> {
        if force {
            if precious(dir) {
                return Err(bad(format!("--force: {} is the current folder or one of its parents; give a results folder", dir.display())));
            }
            return Ok(Holder::Foreign);
        }
        Err(bad(format!("{}: {what}; choose another --out, or add --force to replace it (everything in it is deleted)", dir.display())))
    };
    match &holder {
        Holder::Missing | Holder::Empty => Ok(holder),
        Holder::Results(m) => {
            let theirs = command_of(m);
            let same =
                (theirs == command || family.contains(&theirs.as_str())) && m["scenario_name"].as_str().is_none_or(|n| n == scenario_name);
            if same {
                return Ok(holder);
            }
            refuse(format!(
                "holds the results of another job (`normshift {theirs}` of {}, status {})",
                m["scenario"].as_str().unwrap_or("an unknown scenario"),
                m["status"].as_str().unwrap_or("complete")
            ))
        }
        Holder::Foreign => refuse("is not empty and is not a normshift results folder (no manifest.json)".into()),
    }
}

/// Delete `dir` whole (for `--force`, and for a long job starting over).
pub fn remove(dir: &Path) -> anyhow::Result<()> {
    if precious(dir) {
        return Err(bad(format!("{}: will not delete the current folder or one of its parents", dir.display())));
    }
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(anyhow::anyhow!("cannot remove {} to replace it: {e}", dir.display())),
        _ => Ok(()),
    }
}

/// A results folder under construction: a hidden sibling of the target,
/// `.<name>.staging-<pid>`, renamed onto the target by [`Staging::commit`].
/// Dropped without commit (an error, Ctrl-C), it is deleted.
pub struct Staging {
    /// Where to write the files now.
    pub dir: PathBuf,
    target: PathBuf,
    committed: bool,
}

impl Staging {
    /// Make the staging folder for `target` (creating the parents of
    /// `target`), after deleting staging folders of `target` left by
    /// processes that no longer exist.
    pub fn new(target: &Path) -> anyhow::Result<Staging> {
        let name = target
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| bad(format!("--out {}: give a folder name that does not end in `..`", target.display())))?;
        let parent = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent).map_err(|e| bad(format!("cannot create the folder {}: {e}", parent.display())))?;
        let prefix = format!(".{name}.staging-");
        remove_stale(parent);
        let dir = parent.join(format!("{prefix}{}", std::process::id()));
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|e| anyhow::anyhow!("cannot clear {}: {e}", dir.display()))?;
        }
        std::fs::create_dir(&dir).map_err(|e| bad(format!("cannot create a folder in {}: {e}", parent.display())))?;
        Ok(Staging { dir, target: target.to_path_buf(), committed: false })
    }

    /// `e`, an error met while writing into the staging folder, said of
    /// the target: the files are named by their final path, and the
    /// message says that the target was left as it was.
    pub fn named(&self, e: anyhow::Error) -> anyhow::Error {
        let text = format!("{e:#}").replace(&self.dir.display().to_string(), &self.target.display().to_string());
        let text = format!("{text}; nothing was written to {} (it is as it was)", self.target.display());
        if e.downcast_ref::<super::BadInput>().is_some() { bad(text) } else { anyhow::anyhow!(text) }
    }

    /// Move the finished folder onto the target, replacing whatever was
    /// there whole (the caller has [`claim`]ed it); unless Ctrl-C or
    /// SIGTERM came while it was finished (its figures drawn): then the
    /// target stays as it was and the command exits 130, as it would have
    /// a month earlier.
    pub fn commit(mut self) -> anyhow::Result<()> {
        if super::stop::stopped() {
            return Err(super::run::stopped(&self.target));
        }
        let old = self.dir.with_file_name(format!(
            ".{}.old-{}",
            self.target.file_name().and_then(|n| n.to_str()).unwrap_or("out"),
            std::process::id()
        ));
        let had = std::fs::symlink_metadata(&self.target).is_ok();
        if had {
            std::fs::rename(&self.target, &old).map_err(|e| anyhow::anyhow!("cannot move the old {} aside: {e}", self.target.display()))?;
        }
        if let Err(e) = std::fs::rename(&self.dir, &self.target) {
            if had {
                std::fs::rename(&old, &self.target).ok();
            }
            return Err(anyhow::anyhow!("cannot move the results into {}: {e}", self.target.display()));
        }
        self.committed = true;
        if had {
            std::fs::remove_dir_all(&old).ok();
        }
        Ok(())
    }
}

/// The process id of a folder named like a staging folder,
/// `.<name>.staging-<pid>`, or like the previous results moved aside
/// during a commit, `.<name>.old-<pid>`; None for any other name.
fn staging_pid(file_name: &str) -> Option<u32> {
    let rest = file_name.strip_prefix('.')?;
    let (_, pid) = rest.rsplit_once(".staging-").or_else(|| rest.rsplit_once(".old-"))?;
    if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    pid.parse().ok()
}

/// Delete, in `parent`, the staging folders (and moved-aside old results)
/// of normshift processes that no longer exist: what a killed `run`,
/// `compare`, `merge` or `plot` left. Only folders (never links or files)
/// named exactly so, and only where /proc tells which processes are alive.
pub fn remove_stale(parent: &Path) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(parent) else { return };
    for e in entries.flatten() {
        let n = e.file_name().to_string_lossy().to_string();
        let Some(pid) = staging_pid(&n) else { continue };
        if pid == std::process::id() || Path::new(&format!("/proc/{pid}")).exists() {
            continue;
        }
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            std::fs::remove_dir_all(e.path()).ok();
        }
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            std::fs::remove_dir_all(&self.dir).ok();
        }
    }
}

/// Whether folder `a` is `b` or inside it (after resolving links; a
/// missing `a` is compared through its nearest existing ancestor).
pub fn within(a: &Path, b: &Path) -> bool {
    let Ok(b) = b.canonicalize() else { return false };
    let mut probe = a.to_path_buf();
    let mut rest = Vec::new();
    loop {
        if let Ok(c) = probe.canonicalize() {
            let full = rest.iter().rev().fold(c, |acc: PathBuf, part: &std::ffi::OsString| acc.join(part));
            return full.starts_with(&b);
        }
        match (probe.file_name().map(|n| n.to_os_string()), probe.parent()) {
            (Some(n), Some(p)) => {
                rest.push(n);
                probe = if p.as_os_str().is_empty() { PathBuf::from(".") } else { p.to_path_buf() };
            }
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_staging_folders_of_dead_processes_are_removed() {
        assert_eq!(staging_pid(".default.staging-123"), Some(123));
        assert_eq!(staging_pid(".my.run.old-77"), Some(77));
        for n in ["default.staging-1", ".default.staging-", ".default.staging-12x", ".default", ".x.backup-1"] {
            assert_eq!(staging_pid(n), None, "{n}");
        }
        let dir = tempfile::tempdir().unwrap();
        // A pid far above any pid_max: never alive.
        let dead = dir.path().join(".default.staging-4294967290");
        let dead_old = dir.path().join(".other.old-4294967291");
        let alive = dir.path().join(format!(".default.staging-{}", std::process::id()));
        let mine = dir.path().join(".notes.staging-4294967290.txt");
        let file = dir.path().join(".x.staging-4294967292");
        for d in [&dead, &dead_old, &alive] {
            std::fs::create_dir(d).unwrap();
        }
        std::fs::write(&mine, "keep").unwrap();
        std::fs::write(&file, "a file, not a folder").unwrap();
        remove_stale(dir.path());
        assert!(!dead.exists() && !dead_old.exists());
        assert!(alive.exists() && mine.exists() && file.exists());
    }
}

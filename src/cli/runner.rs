//! The one runner of long jobs (`sweep`, `sensitivity`, and any later job
//! made of many independent units): a job is a list of units, each with an
//! id and one or more journal rows with ids of their own. The runner
//!
//! 1. claims the output folder (its own earlier job may be resumed with
//!    `--resume`; another job's folder or a foreign one is refused unless
//!    `--force`, which deletes it),
//! 2. keeps `manifest.json` with the job's status (`running`, `complete`,
//!    `interrupted`, `failed`),
//! 3. runs the units of its shard in parallel, skipping those whose rows
//!    are all in the journal already, and appends each finished unit's rows
//!    to the journal (flushed), so a kill loses only the units in flight,
//! 4. stops starting units once Ctrl-C or SIGTERM set the stop flag (a unit
//!    cut short is dropped and redone on resume),
//! 5. reads the journal back and rewrites it in row-id order, so a resumed
//!    job's journal is byte for byte an uninterrupted one's, and
//! 6. merges the journals of a job's shards ([`merge_rows`]), checking that
//!    they come from one design and hold every row exactly once.
//!
//! What a unit computes, its rows and the report made from them belong to
//! the job ([`Work`]). Never prints results; writes only in its folder.

use super::files::{write_atomic, write_json};
use super::folder::{self, Holder};
use super::progress::Progress;
use super::{Interrupted, bad, stop};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Instant;

/// A long job's units of work.
pub trait Work: Sync {
    /// What a finished unit sends from its worker to the journal writer.
    type Done: Send;
    /// Number of units in the whole job (a shard is a contiguous chunk).
    fn units(&self) -> usize;
    /// Ids of the journal rows unit `u` writes (unique across the job).
    fn row_ids(&self, u: usize) -> Vec<u64>;
    /// Run unit `u`; `Ok(None)` if the stop flag cut it short.
    fn run(&self, u: usize) -> anyhow::Result<Option<Self::Done>>;
    /// The journal rows of a finished unit: (row id, line without newline).
    fn rows(&self, u: usize, done: &Self::Done) -> Vec<(u64, String)>;
    /// Whether `line` is a journal row this job could have written (checked
    /// on resume; rows of another job are refused).
    fn valid_row(&self, _line: &str) -> bool {
        true
    }
    /// Runs per unit, for the progress bar.
    fn runs_per_unit(&self) -> usize {
        1
    }
}

/// The units of shard `(index, count)` of `units`: a contiguous chunk.
pub fn shard_range(units: usize, shard: Option<(u32, u32)>) -> std::ops::Range<usize> {
    match shard {
        Some((i, n)) => {
            let (i, c) = (i as usize, n.max(1) as usize);
            (i * units / c)..((i + 1) * units / c)
        }
        None => 0..units,
    }
}

/// How a shard is named in manifests.
pub fn shard_label(shard: Option<(u32, u32)>) -> String {
    shard.map_or("all".to_string(), |(i, n)| format!("{i}/{n}"))
}

/// The default folder of a shard inside the job's folder.
pub fn shard_folder(base: &Path, shard: Option<(u32, u32)>) -> PathBuf {
    match shard {
        Some((i, n)) => base.join(format!("shard-{i:04}-of-{n:04}")),
        None => base.to_path_buf(),
    }
}

/// The row id of a journal line: its first cell.
fn row_id(line: &str) -> Option<u64> {
    line.split(',').next()?.parse().ok()
}

/// The complete data lines of a journal (header left out), after cutting
/// off a partial last line left by a kill (the file is rewritten without it).
pub fn complete_lines(path: &Path) -> anyhow::Result<Vec<String>> {
    let mut bytes = std::fs::read(path).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    let cut = match bytes.iter().rposition(|&b| b == b'\n') {
        Some(last) if last + 1 != bytes.len() => Some(last + 1),
        None if !bytes.is_empty() => Some(0),
        _ => None,
    };
    if let Some(len) = cut {
        bytes.truncate(len);
        std::fs::write(path, &bytes).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    }
    Ok(String::from_utf8_lossy(&bytes).lines().skip(1).map(str::to_string).collect())
}

/// A long job bound to its folder.
pub struct Runner<'a> {
    /// The command (`sweep`, `sensitivity`, ...), recorded in the manifest.
    pub command: &'a str,
    /// The output folder.
    pub dir: PathBuf,
    /// The journal's file name in the folder (e.g. `runs.csv`).
    pub journal: &'a str,
    /// The journal's header line.
    pub header: String,
    /// Digest of everything that defines the job's rows.
    pub hash: String,
    pub shard: Option<(u32, u32)>,
    /// The scenario's name (folder ownership).
    pub scenario_name: String,
    /// What the job is, for messages ("sweep", "sensitivity analysis").
    pub what: &'a str,
}

impl Runner<'_> {
    fn journal_path(&self) -> PathBuf {
        self.dir.join(self.journal)
    }

    /// Claim the folder: a fresh start (deleting it first with `force`), or
    /// with `resume` this job's interrupted journal. Returns the ids of rows
    /// already written, and whether the journal had any. Run before any
    /// simulation; writes nothing except a `--force` deletion.
    pub fn claim(&self, work: &impl Work, resume: bool, force: bool) -> anyhow::Result<BTreeSet<u64>> {
        let dir = &self.dir;
        folder::check_writable(dir)?;
        let holder = folder::claim(dir, self.command, &[], &self.scenario_name, force)?;
        let journal = self.journal_path();
        let mine = |m: &serde_json::Value| folder::command_of(m) == self.command && m["design_hash"].as_str() == Some(self.hash.as_str());
        match holder {
            Holder::Missing | Holder::Empty => Ok(BTreeSet::new()),
            Holder::Foreign => {
                folder::remove(dir)?;
                Ok(BTreeSet::new())
            }
            Holder::Results(m) if !mine(&m) => {
                if force {
                    folder::remove(dir)?;
                    return Ok(BTreeSet::new());
                }
                Err(bad(format!(
                    "{}{} holds another {} (a different scenario or settings); run it with its own settings, choose another --out, or add --force to replace it",
                    if resume { "--resume: " } else { "" },
                    dir.display(),
                    self.what
                )))
            }
            Holder::Results(m) => {
                if !journal.exists() {
                    // Stopped before its first row: the same job starts over.
                    return Ok(BTreeSet::new());
                }
                if force && !resume {
                    folder::remove(dir)?;
                    return Ok(BTreeSet::new());
                }
                if !resume {
                    return Err(bad(format!(
                        "{} already holds this {}'s results (status {}); add --resume to finish it, --force to start over, or choose another --out",
                        dir.display(),
                        self.what,
                        m["status"].as_str().unwrap_or("unknown")
                    )));
                }
                let theirs = m["shard"].as_str().unwrap_or("all").to_string();
                let mine = shard_label(self.shard);
                if theirs != mine {
                    return Err(bad(format!("--resume: {} holds shard {theirs}, not {mine}", dir.display())));
                }
                let mut done = BTreeSet::new();
                for (n, line) in complete_lines(&journal)?.iter().enumerate() {
                    match row_id(line).filter(|_| work.valid_row(line)) {
                        Some(id) => {
                            done.insert(id);
                        }
                        None => {
                            return Err(bad(format!("{}:{}: not a row this {} wrote: {line}", journal.display(), n + 2, self.what)));
                        }
                    }
                }
                Ok(done)
            }
        }
    }

    /// Write `manifest.json` with its `status`; a failure to write it is
    /// named. While the status is `running` the manifest is registered with
    /// [`stop::job_manifest`], so a second Ctrl-C or an error that ends the
    /// command marks it `interrupted` or `failed`; a final status that
    /// cannot be written whole is patched in place where it fits.
    pub fn manifest(&self, m: &serde_json::Value) -> anyhow::Result<()> {
        let path = self.dir.join("manifest.json");
        let status = m["status"].as_str().unwrap_or_default();
        let written = write_json(&path, m);
        if status == "running" {
            if written.is_ok() {
                stop::job_manifest(Some(&path));
            }
            return written;
        }
        stop::job_manifest(None);
        if written.is_err() && path.exists() {
            super::files::mark_status(&path, status).ok();
        }
        written
    }

    /// Run the shard's units not already `done`, appending rows to the
    /// journal; then read it back. `manifest(status, wall)` builds the
    /// manifest for a status. Returns the shard's rows in id order (the
    /// journal rewritten so) and the wall time; a stop is [`Interrupted`]
    /// with the manifest `interrupted`, any other error marks it `failed`.
    pub fn execute<W: Work>(
        &self,
        work: &W,
        done: &BTreeSet<u64>,
        label: &str,
        manifest: &dyn Fn(&str, f64) -> serde_json::Value,
    ) -> anyhow::Result<(Vec<(u64, String)>, f64)> {
        std::fs::create_dir_all(&self.dir).map_err(|e| bad(format!("cannot create the output folder {}: {e}", self.dir.display())))?;
        self.manifest(&manifest("running", 0.0))?;
        let t0 = Instant::now();
        let result = self.work(work, done, label);
        let wall = t0.elapsed().as_secs_f64();
        match result {
            Ok(Some(rows)) => Ok((rows, wall)),
            Ok(None) => {
                self.manifest(&manifest("interrupted", wall))?;
                let range = shard_range(work.units(), self.shard);
                let expected: usize = range.clone().map(|u| work.row_ids(u).len()).sum();
                let have: BTreeSet<u64> =
                    complete_lines(&self.journal_path()).unwrap_or_default().iter().filter_map(|l| row_id(l)).collect();
                let finished = range.clone().flat_map(|u| work.row_ids(u)).filter(|id| have.contains(id)).count();
                // In the progress bar's runs: the units wholly in the journal.
                let per = work.runs_per_unit();
                let units_done = range.clone().filter(|&u| work.row_ids(u).iter().all(|id| have.contains(id))).count();
                Err(anyhow::Error::new(Interrupted(format!(
                    "stopped after {} of {} runs ({finished} of {expected} rows of the journal); {} keeps them: run the same command with --resume to finish",
                    units_done * per,
                    range.len() * per,
                    self.dir.display()
                ))))
            }
            Err(e) => {
                self.manifest(&manifest("failed", wall)).ok();
                Err(e)
            }
        }
    }

    /// Ok(None): stopped before every unit was done.
    fn work<W: Work>(&self, work: &W, done: &BTreeSet<u64>, label: &str) -> anyhow::Result<Option<Vec<(u64, String)>>> {
        let range = shard_range(work.units(), self.shard);
        let todo: Vec<usize> = range.clone().filter(|&u| work.row_ids(u).iter().any(|id| !done.contains(id))).collect();
        let path = self.journal_path();
        let name = |e: std::io::Error| anyhow::anyhow!("cannot write {}: {e}", path.display());
        let mut file = std::fs::OpenOptions::new().create(true).append(true).open(&path).map_err(name)?;
        if file.metadata().map_err(name)?.len() == 0 {
            writeln!(file, "{}", self.header).and_then(|()| file.flush()).map_err(name)?;
        }
        let progress = Progress::new(todo.len() * work.runs_per_unit(), label);
        let (tx, rx) = mpsc::channel::<(usize, W::Done)>();
        let outcome = std::thread::scope(|scope| -> anyhow::Result<()> {
            let handle = scope.spawn(|| {
                use rayon::prelude::*;
                todo.par_iter().try_for_each_with(tx, |tx, &u| -> anyhow::Result<()> {
                    if stop::stopped() {
                        return Ok(());
                    }
                    if let Some(d) = work.run(u)? {
                        tx.send((u, d)).ok();
                    }
                    Ok(())
                })
            });
            let mut written: anyhow::Result<()> = Ok(());
            for (u, d) in rx {
                if written.is_err() {
                    continue;
                }
                let mut text = String::new();
                for (id, line) in work.rows(u, &d) {
                    if !done.contains(&id) {
                        text.push_str(&line);
                        text.push('\n');
                    }
                }
                written = file.write_all(text.as_bytes()).and_then(|()| file.flush()).map_err(name);
                if written.is_err() {
                    stop::flag().store(true, std::sync::atomic::Ordering::SeqCst);
                }
                for _ in 0..work.runs_per_unit() {
                    progress.tick();
                }
            }
            let worked = handle.join().map_err(|_| anyhow::anyhow!("a worker panicked"))?;
            written?;
            worked
        });
        progress.finish();
        outcome?;
        drop(file);
        // Read back this shard's rows (so a resumed job reports exactly
        // what an uninterrupted one would), in id order, once each.
        let wanted: BTreeSet<u64> = range.flat_map(|u| work.row_ids(u)).collect();
        let mut rows: BTreeMap<u64, String> = BTreeMap::new();
        for line in complete_lines(&path)? {
            if let Some(id) = row_id(&line)
                && wanted.contains(&id)
            {
                rows.entry(id).or_insert(line);
            }
        }
        if rows.len() < wanted.len() {
            return Ok(None);
        }
        let rows: Vec<(u64, String)> = rows.into_iter().collect();
        write_journal(&path, &self.header, &rows)?;
        Ok(Some(rows))
    }
}

/// Write a journal whole (header, then the rows), atomically.
pub fn write_journal(path: &Path, header: &str, rows: &[(u64, String)]) -> anyhow::Result<()> {
    write_atomic(path, |w| {
        writeln!(w, "{header}")?;
        for (_, line) in rows {
            writeln!(w, "{line}")?;
        }
        Ok(())
    })
}

/// The shards of one job, merged: every row once, in id order.
pub struct Merged {
    /// The first shard's manifest.
    pub manifest: serde_json::Value,
    pub header: String,
    pub rows: Vec<(u64, String)>,
}

/// What a merge is of, for its messages.
pub struct MergeOf<'a> {
    /// The command whose shards are merged (`sweep`, `sensitivity`).
    pub command: &'a str,
    /// The job in words ("sweep", "analysis").
    pub what: &'a str,
    /// Its rows in words ("runs", "evaluations").
    pub rows: &'a str,
    /// The journal's file name.
    pub journal: &'a str,
}

/// Read the journals of a job's shard folders `dirs` and check that they
/// come from one job (same command, same design digest), are complete,
/// have one header and hold every one of the `total(manifest)` rows, ids 0
/// to total - 1, exactly once.
pub fn merge_rows(dirs: &[PathBuf], of: &MergeOf<'_>, total: impl Fn(&serde_json::Value) -> Option<u64>) -> anyhow::Result<Merged> {
    let (command, what, journal) = (of.command, of.what, of.journal);
    let mut first: Option<serde_json::Value> = None;
    let mut header = String::new();
    let mut rows: BTreeMap<u64, String> = BTreeMap::new();
    for dir in dirs {
        let m = super::journal::read_manifest(dir)
            .ok_or_else(|| bad(format!("{}: no readable manifest.json; is it a {command} shard folder?", dir.display())))?;
        match &first {
            Some(f) if f["design_hash"] != m["design_hash"] || folder::command_of(&m) != command => {
                return Err(bad(format!(
                    "{}: from another {what} than {} (a different scenario or settings); merge only shards of one {what}",
                    dir.display(),
                    dirs[0].display()
                )));
            }
            Some(_) => {}
            None => first = Some(m.clone()),
        }
        if m["status"].as_str() != Some("complete") {
            return Err(bad(format!(
                "{}: the shard is not complete (status {}); finish it with --resume first",
                dir.display(),
                m["status"]
            )));
        }
        let path = dir.join(journal);
        let text = std::fs::read_to_string(&path).map_err(|e| bad(format!("{}: {e}", path.display())))?;
        let mut lines = text.lines();
        let h = lines.next().unwrap_or_default();
        if header.is_empty() {
            header = h.to_string();
        } else if header != h {
            return Err(bad(format!("{}: its columns differ from {}'s", path.display(), dirs[0].display())));
        }
        for (n, line) in lines.enumerate() {
            let id = row_id(line).ok_or_else(|| bad(format!("{}:{}: not a row of a {command}: {line}", path.display(), n + 2)))?;
            if rows.insert(id, line.to_string()).is_some() {
                return Err(bad(format!("row {id} appears in more than one shard; merge each shard once")));
            }
        }
    }
    let manifest = first.ok_or_else(|| bad("merge: give the shard folders"))?;
    let total =
        total(&manifest).ok_or_else(|| bad(format!("{}: manifest.json does not say how many rows the job has", dirs[0].display())))?;
    let missing: Vec<String> = (0..total).filter(|i| !rows.contains_key(i)).take(5).map(|i| i.to_string()).collect();
    if !missing.is_empty() || rows.len() as u64 != total {
        let noun = of.rows.trim_end_matches('s');
        return Err(bad(format!(
            "the shards hold {} of the {what}'s {total} {}: {} are in none of the shards given (missing {noun} ids {}{}); give every shard folder",
            rows.len(),
            of.rows,
            total.saturating_sub(rows.len() as u64),
            missing.join(", "),
            if total.saturating_sub(rows.len() as u64) > 5 { ", ..." } else { "" }
        )));
    }
    Ok(Merged { manifest, header, rows: rows.into_iter().collect() })
}

/// Check `out` for a merge of `dirs`: never one of them, inside one, or
/// holding one; and a folder the merge may claim.
pub fn merge_target(dirs: &[PathBuf], out: &Path, command: &str, scenario_name: &str, force: bool) -> anyhow::Result<()> {
    for d in dirs {
        if folder::within(out, d) || folder::within(d, out) {
            return Err(bad(format!(
                "merge --out {}: {} is one of the shard folders or holds one; merge into a new folder",
                out.display(),
                d.display()
            )));
        }
    }
    folder::check_writable(out)?;
    folder::claim(out, command, &[], scenario_name, force)?;
    Ok(())
}

//! The append-only result files of long jobs (`sweep`'s `runs.csv`,
//! `sensitivity`'s `samples.csv`): rows appended and flushed as runs
//! finish, so a crash or kill loses only the runs in flight; a torn last
//! line cut off on `--resume`; and the stop flag that Ctrl-C or SIGTERM
//! sets, after which workers start nothing new.

use super::bad;
use normshift::sweep::parse_shard;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::SystemTime;

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

/// Open a journal for appending, writing `header` first if it is empty.
pub fn open(path: &Path, header: &str) -> anyhow::Result<std::fs::File> {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
    if file.metadata()?.len() == 0 {
        writeln!(file, "{header}")?;
        file.flush()?;
    }
    Ok(file)
}

/// The `manifest.json` in `dir`, if there is a readable one.
pub fn read_manifest(dir: &Path) -> Option<serde_json::Value> {
    serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).ok()?).ok()
}

/// Whether `dir` has a manifest of something other than the job whose
/// design digest is `hash` (another design, or a run's or compare's).
pub fn holds_other(dir: &Path, hash: &str) -> bool {
    read_manifest(dir).is_some_and(|m| m["design_hash"].as_str() != Some(hash))
}

/// A long job's `manifest.json`: what every one records (version, command
/// line, scenario, design digest, status, start and end time), plus `more`
/// (an object of the job's own fields).
pub fn manifest(scenario: &str, hash: &str, status: &str, started: SystemTime, more: serde_json::Value) -> serde_json::Value {
    let mut m = serde_json::json!({
        "normshift_version": env!("CARGO_PKG_VERSION"),
        "command_line": std::env::args().collect::<Vec<_>>(),
        "scenario": scenario,
        "design_hash": hash,
        "status": status,
        "start_time": humantime::format_rfc3339_seconds(started).to_string(),
        "end_time": humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
    });
    if let (Some(m), serde_json::Value::Object(more)) = (m.as_object_mut(), more) {
        m.extend(more);
    }
    m
}

/// `--shard` and `--shards`, shared by `sweep` and `sensitivity`.
#[derive(clap::Args, Debug, Default, Clone)]
pub struct Sharding {
    /// Run only shard I of N (I/N, 0-based), or `auto` to read it from Slurm
    /// (SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT) or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX with --shards);
    /// `normshift merge` joins the shards.
    #[arg(long)]
    pub shard: Option<String>,
    /// Number of shards, with `--shard auto` on Kubernetes.
    #[arg(long)]
    pub shards: Option<u32>,
}

impl Sharding {
    /// The shard to run as (index, count); None for the whole job.
    pub fn resolve(&self) -> anyhow::Result<Option<(u32, u32)>> {
        shard_of(self.shard.as_deref(), self.shards)
    }
}

/// Resolve `--shard` (and `auto` from the environment: a Slurm job array,
/// or a Kubernetes Indexed Job with `--shards`) to (index, count).
fn shard_of(shard: Option<&str>, shards: Option<u32>) -> anyhow::Result<Option<(u32, u32)>> {
    let Some(raw) = shard else { return Ok(None) };
    if raw != "auto" {
        return parse_shard(raw).map(Some).map_err(|e| bad(e.to_string()));
    }
    let env = |k: &str| std::env::var(k).ok().map(|v| v.trim().to_string());
    if let Some(id) = env("SLURM_ARRAY_TASK_ID") {
        let count = env("SLURM_ARRAY_TASK_COUNT")
            .ok_or_else(|| bad("--shard auto: SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not"))?;
        let min = env("SLURM_ARRAY_TASK_MIN").and_then(|m| m.parse::<u32>().ok()).unwrap_or(0);
        let id: u32 = id.parse().map_err(|_| bad(format!("--shard auto: SLURM_ARRAY_TASK_ID `{id}` is not a number")))?;
        let count: u32 = count.parse().map_err(|_| bad(format!("--shard auto: SLURM_ARRAY_TASK_COUNT `{count}` is not a number")))?;
        return parse_shard(&format!("{}/{count}", id.saturating_sub(min))).map(Some).map_err(|e| bad(e.to_string()));
    }
    if let Some(id) = env("JOB_COMPLETION_INDEX") {
        let n = shards.ok_or_else(|| bad("--shard auto on Kubernetes needs --shards N (the Job's completions)"))?;
        return parse_shard(&format!("{id}/{n}")).map(Some).map_err(|e| bad(e.to_string()));
    }
    Err(bad("--shard auto: no scheduler found (SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX); give --shard I/N"))
}

//! What every results folder's `manifest.json` records, and the
//! `--shard`/`--shards` options of long jobs (the runner of long jobs is
//! `runner.rs`).

use super::bad;
use normshift::sweep::parse_shard;
use std::path::Path;
use std::time::SystemTime;

/// The `manifest.json` in `dir`, if there is a readable one.
pub fn read_manifest(dir: &Path) -> Option<serde_json::Value> {
    serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).ok()?).ok()
}

/// A long job's `manifest.json`: what every one records (version, command
/// line, scenario, design digest, status, start and end time), plus `more`
/// (an object of the job's own fields).
pub fn manifest(
    command: &str,
    scenario: &str,
    scenario_name: &str,
    hash: &str,
    status: &str,
    started: SystemTime,
    more: serde_json::Value,
) -> serde_json::Value {
    let mut m = serde_json::json!({
        "normshift_version": env!("CARGO_PKG_VERSION"),
        "command": command,
        "command_line": std::env::args().collect::<Vec<_>>(),
        "scenario": scenario,
        "scenario_name": scenario_name,
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

/// `--shard` and `--shards`, shared by `sweep`, `sensitivity`, `compare`
/// over priors and `calibrate`.
#[derive(clap::Args, Debug, Default, Clone)]
pub struct Sharding {
    /// Run only shard I of N (I/N, 0-based), or `auto` to read it from Slurm
    /// (SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT) or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX with --shards);
    /// `normshift merge` joins the shards (a calibration's: `normshift calibrate --merge`, round by round).
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

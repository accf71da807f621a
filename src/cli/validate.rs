//! `normshift validate`: the full-size validation of the reference models
//! against their published results, and the field patterns of MODEL.md
//! section 9 on the built-in scenarios (`patterns.rs`), written as Markdown
//! tables (by default to `docs/validation.md`). Everything in the report
//! from the line [`KEEP`] on is hand-written and kept verbatim when the
//! report is regenerated.

use super::files::write_atomic;
use super::run::set_threads;
use normshift::outcomes::{col, sum};
use normshift::run::{Job, RunResult};
use normshift::scenario::{Scenario, parse_scenario};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;

#[derive(clap::Args, Debug)]
pub struct ValidateArgs {
    /// Where to write the report.
    #[arg(long, default_value = "docs/validation.md")]
    pub out: PathBuf,
    /// Runs per setting of the stochastic models (Watts, Centola-Macy, Centola 2018).
    #[arg(long, default_value_t = 100)]
    pub runs: u32,
    /// Replicates per scenario for the field patterns.
    #[arg(long, default_value_t = 20)]
    pub reps: u32,
    /// Worker threads. Default: all cores.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Change a key of every field-pattern scenario (default, funding-cut,
    /// elite-vs-inclusive), e.g. `--set population.villages=2` for a quick
    /// look; repeatable. The report's first lines record it.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,
}

/// The line from which the report is written by hand: `validate` keeps it
/// and everything after it, verbatim, when it rewrites the file.
pub const KEEP: &str = "<!-- hand-written below: validate keeps this -->";

/// The hand-written part of the report at `path` (from the [`KEEP`] line
/// on), if it has one.
fn hand_written(path: &std::path::Path) -> anyhow::Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(text.match_indices(KEEP).find(|(i, _)| *i == 0 || text[..*i].ends_with('\n')).map(|(i, _)| text[i..].to_string())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(super::bad(format!("--out {}: cannot read it to keep its hand-written part: {e}", path.display()))),
    }
}

const GRANOVETTER: &str = include_str!("../../scenarios/reference/granovetter-1978.toml");
const WATTS: &str = include_str!("../../scenarios/reference/watts-2002.toml");
const CENTOLA_MACY: &str = include_str!("../../scenarios/reference/centola-macy-2007.toml");
const CENTOLA: &str = include_str!("../../scenarios/reference/centola-2018.toml");

fn scenario(text: &str, origin: &str, sets: &[String]) -> anyhow::Result<Scenario> {
    parse_scenario(text, origin, sets).map_err(|e| anyhow::anyhow!("{e}"))
}

fn run(s: &Scenario) -> Vec<RunResult> {
    Job::all(s).run(&|_| {})
}

fn mean(v: impl Iterator<Item = f64>) -> f64 {
    let v: Vec<f64> = v.collect();
    v.iter().sum::<f64>() / v.len().max(1) as f64
}

pub fn validate(args: ValidateArgs) -> anyhow::Result<()> {
    let max = normshift::scenario::validate::MAX_REPLICATES;
    if !(1..=max).contains(&args.runs) {
        return Err(super::bad(format!("--runs {}: give 1 to {max} runs per setting", args.runs)));
    }
    if args.reps == 0 {
        return Err(super::bad("--reps 0: give 1 or more replicates per scenario for the field patterns"));
    }
    let setup = super::patterns::Setup { reps: args.reps, sets: &args.sets };
    super::patterns::check(&setup)?;
    hand_written(&args.out)?;
    set_threads(args.threads)?;
    let t0 = Instant::now();
    let runs = args.runs;
    let mut md = String::new();
    writeln!(md, "# Validation: reference models and field patterns\n")?;
    let sets: String = args.sets.iter().map(|s| format!(" --set {s}")).collect();
    writeln!(
        md,
        "Written by `normshift validate --runs {runs} --reps {}{sets}` (normshift {}); the same engine as the community model. \
         Scenario files: `scenarios/reference/`. Fast versions of these checks run in `tests/it/reference.rs`. \
         Everything from the line that marks the hand-written part on (if there is one) is written by hand and kept when this file is regenerated.\n",
        args.reps,
        env!("CARGO_PKG_VERSION")
    )?;
    if !args.sets.is_empty() {
        writeln!(md, "**Not the built-in scenarios as shipped:** the field patterns ran with{sets}.\n")?;
    }
    writeln!(md, "| model | setting | published | normshift | runs |")?;
    writeln!(md, "|---|---|---|---|---|")?;

    // Granovetter.
    let g = run(&scenario(GRANOVETTER, "granovetter-1978", &[])?);
    let mut t: Vec<String> = (0..100).map(|i| i.to_string()).collect();
    t[1] = "2".into();
    let g2 = run(&scenario(GRANOVETTER, "granovetter-1978", &[format!("rule.thresholds=[{}]", t.join(","))])?);
    let rioters = |r: &[RunResult]| (r[0].summary[sum::ADOPTION_FINAL] * 100.0).round();
    writeln!(md, "| Granovetter 1978 | thresholds 0, 1, ..., 99 | 100 riot | {} riot | 1 |", rioters(&g))?;
    writeln!(md, "| Granovetter 1978 | threshold-1 person raised to 2 | 1 riots | {} riot | 1 |", rioters(&g2))?;

    // Watts: cascade frequency across mean degree.
    let mut edge = None;
    let mut prev_in = false;
    for z in [0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 5.5, 6.0, 6.5, 7.0, 8.0, 10.0] {
        let s = scenario(WATTS, "watts-2002", &[format!("network.mean_degree={z}"), format!("replicates={runs}"), "steps=80".into()])?;
        let rs = run(&s);
        let global: Vec<&RunResult> = rs.iter().filter(|r| r.summary[sum::ADOPTION_FINAL] > 0.5).collect();
        let freq = global.len() as f64 / rs.len() as f64;
        let size = mean(global.iter().map(|r| r.summary[sum::ADOPTION_FINAL]));
        let inside = (1.03..=5.76).contains(&z);
        if prev_in && !inside && edge.is_none() {
            edge = Some(z);
        }
        prev_in = inside;
        let published = if inside {
            "inside the window: cascades occur"
        } else if z < 1.03 {
            "below the window: none"
        } else {
            "above the window: rare, then none"
        };
        let size = if global.is_empty() { String::from("-") } else { format!("{:.0}%", 100.0 * size) };
        writeln!(
            md,
            "| Watts 2002, phi = 0.18, n = 10,000 | z = {z} | {published} | {:.0}% of runs cascade (mean size {size}) | {} |",
            100.0 * freq,
            rs.len()
        )?;
    }
    writeln!(md, "| Watts 2002 | upper edge of the window | z = 5.76 (analytical); none by z = 7-8 in Fig. 1 | see the rows above | |")?;

    // Centola and Macy.
    for threshold in [2, 1] {
        for p in [0.0, 0.01, 0.05, 0.1, 0.2, 0.5] {
            let s = scenario(
                CENTOLA_MACY,
                "centola-macy-2007",
                &[format!("network.p={p}"), format!("rule.threshold={threshold}"), format!("replicates={}", runs.min(50))],
            )?;
            let rs = run(&s);
            let fin = mean(rs.iter().map(|r| r.summary[sum::ADOPTION_FINAL]));
            let times: Vec<f64> =
                rs.iter().filter_map(|r| r.months.iter().position(|m| m[col::ADOPTION] >= 0.99).map(|t| t as f64)).collect();
            let time = if times.is_empty() { "never".into() } else { format!("{:.0} steps", mean(times.iter().copied())) };
            let published = match (threshold, p == 0.0) {
                (2, true) => "complex contagion saturates the lattice",
                (2, false) => "rewiring slows, then blocks it",
                (_, true) => "simple contagion saturates, slowly",
                _ => "long ties speed it up",
            };
            writeln!(
                md,
                "| Centola & Macy 2007, ring k = 6, n = 1,000 | threshold {threshold}, p = {p} | {published} | {:.0}% adopt; 99% reached in {time} | {} |",
                100.0 * fin,
                rs.len()
            )?;
        }
    }

    // Centola et al. 2018.
    for c in [0.15, 0.2, 0.22, 0.25, 0.28, 0.3, 0.35] {
        let s = scenario(CENTOLA, "centola-2018", &[format!("initial.committed={c}"), format!("replicates={}", runs.min(50))])?;
        let rs = run(&s);
        let tipped = rs.iter().filter(|r| r.summary[sum::ADOPTION_FINAL] > 0.9).count() as f64 / rs.len() as f64;
        let published = if c < 0.25 { "no tipping (21% did not tip)" } else { "tips (25% did)" };
        writeln!(
            md,
            "| Centola et al. 2018, memory 12, n = 200 | committed {:.0}% | {published} | {:.0}% of runs tip | {} |",
            100.0 * c,
            100.0 * tipped,
            rs.len()
        )?;
    }
    writeln!(
        md,
        "\nA global cascade is a run where over half the agents adopt; a run tips when over 90% adopt. \
         The mean-field tipping point of the memory rule as implemented (well mixed, memory 12, ties broken at random) lies between 22% and 25%.\n"
    )?;
    writeln!(
        md,
        "Where normshift differs: Centola and Macy's figures are for a two-dimensional lattice; on the ring used here, light rewiring \
         (p up to 0.2) lowers the share of runs that saturate but speeds up those that do (a long tie that lands beside a short one opens \
         a second front). What reproduces is the blocking of complex contagion by rewiring and the speed-up of simple contagion.\n"
    )?;
    super::patterns::patterns(&mut md, &setup)?;
    writeln!(md, "Generated in {:.0} s.", t0.elapsed().as_secs_f64())?;
    if let Some(dir) = args.out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    // Read again now: the hand-written part as it is at the end of the run.
    let kept = hand_written(&args.out)?;
    println!("{md}");
    if let Some(kept) = &kept {
        md.push('\n');
        md.push_str(kept);
    }
    write_atomic(&args.out, |w| w.write_all(md.as_bytes()))?;
    match kept {
        Some(k) => println!("written to {} (its {} hand-written lines from `{KEEP}` on kept)", args.out.display(), k.lines().count()),
        None => println!("written to {}", args.out.display()),
    }
    Ok(())
}

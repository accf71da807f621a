//! `normshift compare` when the scenario declares priors (`[uncertain]`):
//! draw the uncertain parameters (Sobol' or Latin hypercube, seeded), run
//! every strategy of each draw on the same people and random numbers, and
//! report what holds across the draws: the gain's mean and 90% range,
//! the chance of beating baseline, of being best (also per dollar), regret,
//! the chance of harm, the share of spread due to the parameters, PRIM
//! boxes and first-order indices for the top strategy against each
//! runner-up (`discovery.csv`), and the acceptability curve
//! (`acceptability.csv`).
//!
//! `normshift serve` runs the same analysis in memory (its `jobs.rs`),
//! through the `pub(super)` helpers here.
//!
//! Draw d's replicates are numbered d*R .. d*R+R-1, so the runs of a prior
//! of zero width are exactly those of `compare --no-uncertainty --reps D*R`.

use super::compare::{BASELINE, CompareArgs};
use super::files::{ensure_dir, write_atomic};
use super::folder::Staging;
use super::input::{self, Input};
use super::progress::Progress;
use super::run::{Manifest, check_memory, stopped, write_manifest, write_tables};
use super::{bad, stop};
use normshift::compare::{COLUMNS, compare};
use normshift::outcomes::sum;
use normshift::output::{csv_line, num};
use normshift::plot::uncertain::{Chance, acceptability, chances};
use normshift::run::{Job, RunResult};
use normshift::scenario::{Scenario, parse_scenario};
use normshift::uncertainty::analysis::{Outcomes, Stats, ceac, first_order, summarise, wtp_range};
use normshift::uncertainty::prim::{PrimBox, Settings, prim, sentence};
use normshift::uncertainty::prior::{Design, TABLE, unit_draws};
use rayon::prelude::*;
use std::path::Path;
use std::time::{Instant, SystemTime};

/// Draws when `--draws` is not given.
pub const DEFAULT_DRAWS: u32 = 128;
/// Replicates per draw when `--reps` is not given.
pub const DEFAULT_REPS: u32 = 2;

/// Options of `compare` about the priors.
#[derive(clap::Args, Debug, Default, Clone)]
pub struct UncertainArgs {
    /// Draws of the priors (`[uncertain]`); each draw runs every strategy
    /// on --reps replicates (default 2). Default: 128.
    #[arg(long)]
    pub draws: Option<u32>,
    /// How the draws are spread: sobol (scrambled Sobol' points) or lhs (Latin hypercube).
    #[arg(long, default_value = "sobol", value_parser = ["sobol", "lhs"])]
    pub design: String,
    /// Ignore the priors: compare at the scenario's point values.
    #[arg(long, conflicts_with_all = ["draws"])]
    pub no_uncertainty: bool,
}

/// Whether to compare over the priors; refuses `--draws` without priors.
pub fn active(args: &UncertainArgs, input: &Input) -> anyhow::Result<bool> {
    if args.no_uncertainty {
        return Ok(false);
    }
    if input.priors.is_empty() {
        if let Some(d) = args.draws {
            let why = if input.priors.fixed.is_empty() {
                "the scenario declares no priors; add an [uncertain] table (see docs/uncertainty.md)".to_string()
            } else {
                format!("every prior was fixed by --set ({})", input.priors.fixed.join(", "))
            };
            return Err(bad(format!("--draws {d}: {why}")));
        }
        return Ok(false);
    }
    Ok(true)
}

/// Metric names of the rows added to `comparison.csv`.
pub const METRICS: [&str; 8] =
    ["gain", "p_beats_baseline", "p_best", "p_best_per_dollar", "regret_mean", "regret_p90", "p_harm", "parameter_share"];

/// Columns of `discovery.csv`.
pub const DISCOVERY_COLUMNS: [&str; 11] =
    ["top", "runner_up", "kind", "parameter", "lo", "hi", "value", "coverage", "density", "mass", "p_runner_up_wins"];

/// One comparison of the top strategy with a runner-up.
pub(super) struct Discovery {
    pub(super) other: usize,
    pub(super) wins: f64,
    pub(super) found: Option<PrimBox>,
    pub(super) indices: Vec<f64>,
    pub(super) sentence: String,
}

pub fn compare_draws(
    args: &CompareArgs,
    input: &Input,
    picked: Vec<usize>,
    threads: usize,
    staging: Staging,
    out: &Path,
    started: SystemTime,
) -> anyhow::Result<()> {
    if args.budget.is_some() {
        return Err(bad("--budget: equal budgets are not yet supported with priors; add --no-uncertainty to compare at the point values"));
    }
    let u = &args.uncertainty;
    let draws = u.draws.unwrap_or(DEFAULT_DRAWS);
    if !(1..=1_000_000).contains(&draws) {
        return Err(bad(format!("--draws {draws}: give 1 to 1,000,000 draws (100 or more for stable chances)")));
    }
    let reps = args.adjust.reps.unwrap_or(DEFAULT_REPS);
    if u64::from(draws) * u64::from(reps) > u64::from(u32::MAX) {
        return Err(bad(format!("--draws {draws} x --reps {reps}: too many runs")));
    }
    let (d_n, r_n) = (draws as usize, reps as usize);
    let design = if u.design == "lhs" { Design::Lhs } else { Design::Sobol };
    let priors = &input.priors.list;
    let s = &input.scenario;
    let unit = unit_draws(d_n, priors.len(), design, s.seed).map_err(|e| bad(format!("--design {}: {e}", u.design)))?;
    // Priors that name one posterior file are drawn jointly (one row).
    let values: Vec<Vec<f64>> = unit.iter().map(|row| input.priors.values(row)).collect();
    let scenarios: Vec<Scenario> = values
        .iter()
        .enumerate()
        .map(|(d, row)| {
            let mut sets = input.sets.clone();
            sets.extend(priors.iter().zip(row).map(|(p, &x)| p.set(x)));
            parse_scenario(&input.text, &input.origin, &sets).map_err(|e| {
                let at: Vec<String> = priors.iter().zip(row).map(|(p, &x)| p.set(x)).collect();
                bad(format!("draw {d} ({}) is not a valid scenario: {e}", at.join(", ")))
            })
        })
        .collect::<anyhow::Result<_>>()?;
    check_memory(s, input.loaded.as_ref(), threads.min(d_n * r_n))?;

    let jobs: Vec<Job> = scenarios
        .iter()
        .enumerate()
        .map(|(d, sc)| Job {
            scenario: sc,
            strategies: picked.clone(),
            replicates: (d * r_n) as u32..((d + 1) * r_n) as u32,
            loaded: input.loaded.as_ref(),
            reach: vec![1.0; picked.len()],
            trace: d == 0,
            stop: Some(stop::flag()),
        })
        .collect();
    let units: Vec<(usize, u32)> = (0..d_n).flat_map(|d| (0..r_n).map(move |j| (d, (d * r_n + j) as u32))).collect();
    let total = units.len() * picked.len();
    let progress = Progress::new(total, "compare");
    let t0 = Instant::now();
    let mut results: Vec<RunResult> = units
        .par_iter()
        .flat_map_iter(|&(d, r)| {
            // A stopped replicate gives no rows; the job is then dropped
            // whole below (the staging folder is removed).
            let rs = jobs[d].try_run_replicate(r).unwrap_or_default();
            for _ in &rs {
                progress.tick();
            }
            rs
        })
        .collect();
    progress.finish();
    if stop::stopped() || results.len() != total {
        return Err(stopped(out));
    }
    let wall = t0.elapsed().as_secs_f64();
    let all_reps = (d_n * r_n) as u64;
    for res in &mut results {
        let k = picked.iter().position(|&i| s.strategies[i].name == res.id.strategy).unwrap_or(0);
        res.id.run_id = k as u64 * all_reps + u64::from(res.id.replicate);
    }
    results.sort_by_key(|r| r.id.run_id);
    let names: Vec<String> = picked.iter().map(|&k| s.strategies[k].name.clone()).collect();

    // Per (draw, replicate, strategy): gain, cost and risk change, paired on
    // the replicate.
    let mut o = Outcomes::new(names.clone(), d_n, r_n);
    let at = |k: usize, rep: usize| &results[k * d_n * r_n + rep].summary;
    for d in 0..d_n {
        for j in 0..r_n {
            let rep = d * r_n + j;
            let base = at(0, rep);
            for k in 0..names.len() {
                let x = at(k, rep);
                o.set(
                    d,
                    j,
                    k,
                    x[sum::PARTICIPATION_END] - base[sum::PARTICIPATION_END],
                    x[sum::COST_TOTAL],
                    x[sum::WOMEN_SANCTIONED_MEAN] - base[sum::WOMEN_SANCTIONED_MEAN],
                );
            }
        }
    }
    let stats = summarise(&o);
    let keys: Vec<String> = priors.iter().map(|p| p.key.clone()).collect();
    let discoveries = discover(&o, &stats, &values, &keys);
    let wtp = wtp_range(&o, 41);
    let curve = ceac(&o, &wtp);
    let rows = compare(&results, &names, BASELINE);

    // Everything is built in the staging folder and moved into place whole.
    let dest = out;
    let out = staging.dir.as_path();
    write_tables(out, &results)?;
    write_atomic(&out.join("draws.csv"), |w| {
        writeln!(w, "draw,first_replicate,{}", keys.join(","))?;
        for (d, row) in values.iter().enumerate() {
            let v: Vec<String> = row.iter().map(|&x| num(x)).collect();
            writeln!(w, "{d},{},{}", d * r_n, v.join(","))?;
        }
        Ok(())
    })?;
    write_atomic(&out.join("comparison.csv"), |w| {
        writeln!(w, "{}", COLUMNS.join(","))?;
        for r in &rows {
            w.write_all(csv_line(r.record()).as_bytes())?;
        }
        for st in &stats {
            for m in METRICS {
                let (mean, lo, hi) = metric(st, m);
                writeln!(w, "{},{m},{},{},{},,,,,,{}", st.strategy, num(mean), num(lo), num(hi), d_n * r_n)?;
            }
        }
        Ok(())
    })?;
    write_atomic(&out.join("discovery.csv"), |w| {
        writeln!(w, "{}", DISCOVERY_COLUMNS.join(","))?;
        let top = top_of(&stats).map_or("", |t| names[t].as_str());
        for disc in &discoveries {
            let other = &names[disc.other];
            if let Some(b) = &disc.found {
                let restricted = b.restricted();
                for k in restricted.iter().map(|&k| Some(k)).chain(restricted.is_empty().then_some(None)) {
                    let (param, lo, hi) = match k {
                        Some(k) => (keys[k].as_str(), bound(b.lo[k]), bound(b.hi[k])),
                        None => ("", String::new(), String::new()),
                    };
                    writeln!(
                        w,
                        "{top},{other},box,{param},{lo},{hi},,{},{},{},{}",
                        num(b.coverage),
                        num(b.density),
                        num(b.mass),
                        num(disc.wins)
                    )?;
                }
            }
            for (k, v) in disc.indices.iter().enumerate() {
                writeln!(w, "{top},{other},first_order,{},,,{},,,,{}", keys[k], num(*v), num(disc.wins))?;
            }
        }
        Ok(())
    })?;
    write_atomic(&out.join("acceptability.csv"), |w| {
        writeln!(w, "wtp,strategy,p_most_net_benefit")?;
        for (l, row) in wtp.iter().zip(&curve) {
            for (n, p) in names.iter().zip(row) {
                writeln!(w, "{},{n},{}", num(*l), num(*p))?;
            }
        }
        Ok(())
    })?;
    let mut scenario_text = input::resolved_toml(s).unwrap_or_default();
    let mut root = toml::Table::new();
    root.insert(TABLE.into(), toml::Value::Table(input.priors.table.clone()));
    scenario_text.push('\n');
    scenario_text.push_str(&toml::to_string(&root).unwrap_or_default());
    write_atomic(&out.join("scenario.toml"), |w| w.write_all(scenario_text.as_bytes()))?;
    let more = serde_json::json!({ "uncertainty": { "draws": d_n, "replicates_per_draw": r_n, "design": u.design, "parameters": keys } });
    let manifest = Manifest { command: "compare", origin: &input.origin, scenario: s, threads, started, wall, more };
    write_manifest(out, &manifest, &results)?;
    if !args.output.no_plots {
        super::plot::draw_folder(out, dest)?;
        draw_figures(out, &stats, &names, &wtp, &curve)?;
    }
    staging.commit()?;

    print_table(s, input, &stats, &discoveries, &keys, &wtp, &curve, (d_n, r_n), wall);
    println!("results in {}", dest.display());
    Ok(())
}

/// The chances and acceptability figures, into `out/figures/`.
fn draw_figures(out: &Path, stats: &[Stats], names: &[String], wtp: &[f64], curve: &[Vec<f64>]) -> anyhow::Result<()> {
    let o = normshift::plot::Options::default();
    let rows: Vec<Chance> = stats
        .iter()
        .map(|st| Chance {
            strategy: st.strategy.clone(),
            p_best: st.p_best,
            p_best_per_dollar: st.p_best_per_dollar,
            regret: 100.0 * st.regret_mean,
        })
        .collect();
    let figures = [chances(&rows, &o)?, acceptability(names, wtp, curve, &o)?];
    ensure_dir(&out.join("figures"))?;
    for f in figures.into_iter().flatten() {
        write_atomic(&out.join(format!("figures/{}.svg", f.id)), |w| w.write_all(f.svg.as_bytes()))?;
        write_atomic(&out.join(format!("figures/{}.png", f.id)), |w| w.write_all(&f.png))?;
    }
    Ok(())
}

/// A box edge for `discovery.csv`: empty where the box is open.
pub(super) fn bound(x: f64) -> String {
    if x.is_finite() { num(x) } else { String::new() }
}

/// (mean, 5th, 95th percentile) of one metric of the rows added to
/// `comparison.csv`; the percentiles only for `gain`.
pub(super) fn metric(st: &Stats, m: &str) -> (f64, f64, f64) {
    let nan = f64::NAN;
    match m {
        "gain" => (st.gain_mean, st.gain_p05, st.gain_p95),
        "p_beats_baseline" => (st.p_beats_baseline, nan, nan),
        "p_best" => (st.p_best, nan, nan),
        "p_best_per_dollar" => (st.p_best_per_dollar, nan, nan),
        "regret_mean" => (st.regret_mean, nan, nan),
        "regret_p90" => (st.regret_p90, nan, nan),
        "p_harm" => (st.p_harm, nan, nan),
        _ => (st.parameter_share, nan, nan),
    }
}

/// The non-baseline strategy with the highest mean gain.
pub(super) fn top_of(stats: &[Stats]) -> Option<usize> {
    (1..stats.len()).max_by(|&a, &b| stats[a].gain_mean.total_cmp(&stats[b].gain_mean).then(b.cmp(&a)))
}

/// For the top strategy against every other non-baseline strategy: where
/// the other wins (PRIM), and which parameters move the difference.
pub(super) fn discover(o: &Outcomes, stats: &[Stats], values: &[Vec<f64>], keys: &[String]) -> Vec<Discovery> {
    let Some(top) = top_of(stats) else { return Vec::new() };
    let g_top = o.draw_means(&o.gain, top);
    let mut others: Vec<usize> = (1..stats.len()).filter(|&k| k != top).collect();
    others.sort_by(|&a, &b| stats[b].gain_mean.total_cmp(&stats[a].gain_mean).then(a.cmp(&b)));
    others
        .into_iter()
        .map(|k| {
            let g = o.draw_means(&o.gain, k);
            let y: Vec<bool> = g.iter().zip(&g_top).map(|(a, b)| a > b).collect();
            let diff: Vec<f64> = g_top.iter().zip(&g).map(|(a, b)| a - b).collect();
            let wins = y.iter().filter(|&&x| x).count() as f64 / y.len().max(1) as f64;
            let found = prim(values, &y, Settings::default());
            let indices = (0..keys.len())
                .map(|p| {
                    let x: Vec<f64> = values.iter().map(|r| r[p]).collect();
                    first_order(&x, &diff)
                })
                .collect();
            let sentence = sentence(found.as_ref(), keys, &o.strategies[k], &o.strategies[top], wins);
            Discovery { other: k, wins, found, indices, sentence }
        })
        .collect()
}

/// The table and the sentences, readable at 80 columns.
#[allow(clippy::too_many_arguments)]
fn print_table(
    s: &Scenario,
    input: &Input,
    stats: &[Stats],
    discoveries: &[Discovery],
    keys: &[String],
    wtp: &[f64],
    curve: &[Vec<f64>],
    (draws, reps): (usize, usize),
    wall: f64,
) {
    let pct = |x: f64| if x.is_nan() { "-".to_string() } else { format!("{:.0}%", 100.0 * x) };
    println!(
        "{}: {} strategies x {} draws of {} uncertain parameters x {} replicates, {} months, in {:.1} s",
        s.name,
        stats.len(),
        draws,
        keys.len(),
        reps,
        s.steps,
        wall
    );
    if !input.priors.fixed.is_empty() {
        println!("fixed by --set: {}", input.priors.fixed.join(", "));
    }
    println!("gain: points over baseline at the programme's end (month {}), mean and", s.programme_end());
    println!("  90% range over draws and replicates; beats: share of draws above baseline;");
    println!("best: share of draws where it gains most (best$: most per dollar);");
    println!("regret: points lost against each draw's best (mean, 90th percentile);");
    println!("harm: share of draws where each participating woman's risk rises.");
    println!();
    println!(
        "{:<16} {:>19} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6}",
        "strategy", "gain [90% range]", "beats", "best", "best$", "regret", "reg90", "harm"
    );
    let mut order: Vec<usize> = (0..stats.len()).collect();
    order.sort_by(|&a, &b| (a != 0).cmp(&(b != 0)).then(stats[b].gain_mean.total_cmp(&stats[a].gain_mean)).then(a.cmp(&b)));
    for k in order {
        let st = &stats[k];
        let gain = if k == 0 {
            "-".to_string()
        } else {
            format!("{:+.1} [{:+.1},{:+.1}]", 100.0 * st.gain_mean, 100.0 * st.gain_p05, 100.0 * st.gain_p95)
        };
        let name: String =
            if st.strategy.chars().count() > 16 { st.strategy.chars().take(15).chain(['~']).collect() } else { st.strategy.clone() };
        println!(
            "{:<16} {:>19} {:>6} {:>6} {:>6} {:>6.1} {:>6.1} {:>6}",
            name,
            gain,
            pct(st.p_beats_baseline),
            pct(st.p_best),
            pct(st.p_best_per_dollar),
            100.0 * st.regret_mean,
            100.0 * st.regret_p90,
            pct(st.p_harm)
        );
    }
    println!();
    let shares: Vec<String> = stats
        .iter()
        .skip(1)
        .filter(|st| !st.parameter_share.is_nan())
        .map(|st| format!("{} {}", st.strategy, pct(st.parameter_share)))
        .collect();
    if !shares.is_empty() {
        println!("Share of each gain's spread due to the parameters (the rest is replicate noise):");
        println!("{}", wrap(&shares.join(", "), 76, "  "));
    }
    if !discoveries.is_empty() {
        println!("What changes the answer:");
        for disc in discoveries {
            println!("{}", wrap(&disc.sentence, 76, "  "));
            let mut ranked: Vec<(usize, f64)> = disc.indices.iter().copied().enumerate().filter(|(_, v)| !v.is_nan()).collect();
            ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            if !ranked.is_empty() && disc.wins > 0.0 {
                let top: Vec<String> = ranked.iter().take(3).map(|(k, v)| format!("{} {:.2}", keys[*k], v)).collect();
                println!("{}", wrap(&format!("the difference moves most with: {}", top.join(", ")), 76, "    "));
            }
        }
    }
    // The acceptability curve at three willingness-to-pay levels.
    if let Some(last) = wtp.last() {
        let mut line = Vec::new();
        for i in [0, wtp.len() / 2, wtp.len() - 1] {
            let row = &curve[i];
            let k = (0..row.len()).max_by(|&a, &b| row[a].total_cmp(&row[b]).then(b.cmp(&a))).unwrap_or(0);
            line.push(format!("{:.0} per point: {} ({})", wtp[i], stats[k].strategy, pct(row[k])));
        }
        println!("Most likely the best value for money (acceptability.csv, up to {last:.0} per point):");
        println!("{}", wrap(&line.join("; "), 76, "  "));
    }
    println!("Every metric: comparison.csv; boxes and indices: discovery.csv; draws: draws.csv.");
}

/// Wrap words at `width` columns, each line indented.
fn wrap(text: &str, width: usize, indent: &str) -> String {
    let mut lines = vec![indent.to_string()];
    for word in text.split(' ') {
        let last = lines.last().map_or(0, String::len);
        if last + word.len() + 1 > width && last > indent.len() {
            lines.push(indent.to_string());
        }
        if let Some(l) = lines.last_mut() {
            if l.len() > indent.len() {
                l.push(' ');
            }
            l.push_str(word);
        }
    }
    lines.join("\n")
}

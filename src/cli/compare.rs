//! `normshift compare`: run every strategy on the same replicates (common
//! random numbers), compare each with baseline, optionally at equal
//! budgets, and write `comparison.csv` beside the tables `run` writes.

use super::files::write_atomic;
use super::input::{self, Adjust, Output};
use super::progress::Progress;
use super::run::{Manifest, check_memory, set_threads, stopped, write_manifest, write_tables};
use super::{ScenarioArgs, bad, stop};
use normshift::budget::{Rescale, rescale};
use normshift::compare::{
    COLUMNS, EXPOSURE_MEANS, EXPOSURE_METRIC, HARM_MEANS, HARM_METRIC, MIN_REPLICATES, Row, compare, findings, too_few_warning,
};
use normshift::output::csv_line;
use normshift::run::Job;
use std::io::IsTerminal;
use std::time::{Instant, SystemTime};

/// The strategy every other is compared with.
pub const BASELINE: &str = "baseline";

#[derive(clap::Args, Debug)]
pub struct CompareArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    #[command(flatten)]
    pub adjust: Adjust,
    /// Strategies to compare (comma-separated); baseline is always included. Default: all.
    #[arg(long, value_delimiter = ',')]
    pub strategies: Vec<String>,
    /// Give every strategy this total budget by rescaling its reach.
    #[arg(long, allow_negative_numbers = true)]
    pub budget: Option<f64>,
    /// Also split each strategy's gain into its channels: rerun it with each
    /// channel it acts through switched off in turn, on the same replicates
    /// (writes explain.csv; runs 1 + channels times as many runs per strategy).
    #[arg(long)]
    pub explain: bool,
    #[command(flatten)]
    pub output: Output,
    #[command(flatten)]
    pub uncertainty: super::uncertain::UncertainArgs,
}

pub fn compare_cmd(args: CompareArgs) -> anyhow::Result<()> {
    let started = SystemTime::now();
    super::limits::reps(args.adjust.reps, " (20 or more for stable intervals)")?;
    super::limits::threads(args.output.threads)?;
    if let Some(b) = args.budget
        && !(b.is_finite() && b > 0.0 && b <= super::limits::MAX_BUDGET)
    {
        return Err(bad(format!(
            "--budget {b}: give a positive amount, in the scenario's currency, at most {:.0}",
            super::limits::MAX_BUDGET
        )));
    }
    let input = input::load(&args.scenario, &args.adjust)?;
    let s = &input.scenario;
    let all: Vec<&str> = s.strategies.iter().map(|x| x.name.as_str()).collect();
    let Some(base) = all.iter().position(|n| *n == BASELINE) else {
        return Err(bad(format!(
            "{}: this scenario has no strategy named `baseline` to compare with; add `[[strategies]]` with `name = \"baseline\"` and no interventions",
            input.origin
        )));
    };
    let mut picked = vec![base];
    let wanted: Vec<String> =
        if args.strategies.is_empty() { all.iter().map(|s| s.to_string()).collect() } else { args.strategies.clone() };
    for n in &wanted {
        let n = n.trim();
        let k = all
            .iter()
            .position(|x| *x == n)
            .ok_or_else(|| bad(format!("--strategies: no strategy named `{n}`; this scenario has: {}", all.join(", "))))?;
        if !picked.contains(&k) {
            picked.push(k);
        }
    }
    // Over priors, a resumable job on the runner (it claims its own folder).
    if super::uncertain::active(&args.uncertainty, &input)? {
        if !args.explain {
            return super::uncertain::compare_draws(&args, &input, picked, started);
        }
        if let Some(d) = args.uncertainty.draws {
            return Err(bad(format!("--draws {d}: {}", super::explain::DRAWS_WITH_EXPLAIN)));
        }
        println!("{}: {}", input.origin, super::explain::AT_POINT_VALUES);
    }
    let out = args.output.folder(&s.name);
    let staging = args.output.prepare(&out, "compare", s)?;
    let threads = set_threads(args.output.threads)?;
    check_memory(s, input.loaded.as_ref(), threads.min(s.replicates as usize))?;

    let mut job = Job::all(s);
    job.strategies = picked;
    job.reach = vec![1.0; job.strategies.len()];
    job.loaded = input.loaded.as_ref();
    job.stop = Some(stop::flag());
    let mut rescaled: Vec<Option<Rescale>> = vec![None; job.strategies.len()];
    if let Some(budget) = args.budget {
        for (k, slot) in rescaled.iter_mut().enumerate().skip(1) {
            if stop::stopped() {
                return Err(stopped(&out));
            }
            let r = rescale(&job, k, budget).map_err(|e| bad(format!("--budget: {e}")))?;
            job.reach[k] = r.reach;
            *slot = Some(r);
        }
    }
    let names: Vec<String> = job.strategies.iter().map(|&k| s.strategies[k].name.clone()).collect();
    // --explain: each strategy again with one of its channels off, in the
    // same job (same worlds and burn-ins); its runs come after the
    // comparison's, whose run ids and outputs are unchanged.
    let variants = if args.explain { normshift::explain::plan(s, &job.strategies, BASELINE) } else { Vec::new() };
    let mut channels = vec![s.channels; job.strategies.len()];
    if args.explain {
        println!("{}", super::explain::cost_line(job.strategies.len(), &variants, s.replicates));
        for v in &variants {
            job.strategies.push(job.strategies[v.strategy]);
            job.reach.push(job.reach[v.strategy]);
        }
        channels.extend(normshift::explain::channels(&variants, s.channels));
    }
    let progress = Progress::new(job.len(), "compare");
    let t0 = Instant::now();
    let results = job.try_run_with(&channels, &|_| progress.tick());
    progress.finish();
    let mut results = results.map_err(|_| stopped(&out))?;
    let wall = t0.elapsed().as_secs_f64();
    let reps = s.replicates as usize;
    // Nothing to split when baseline is compared with nothing: no file.
    let explained = args.explain.then(|| super::explain::rows(&results, &names, &variants, reps, BASELINE)).filter(|rows| !rows.is_empty());
    results.truncate(names.len() * reps);
    job.strategies.truncate(names.len());
    job.reach.truncate(names.len());
    let rows = compare(&results, &names, BASELINE);

    let dir = &staging.dir;
    let written = (|| -> anyhow::Result<()> {
        write_tables(dir, &results)?;
        write_atomic(&dir.join("comparison.csv"), |w| {
            writeln!(w, "{}", COLUMNS.join(","))?;
            for r in &rows {
                w.write_all(csv_line(r.record()).as_bytes())?;
            }
            Ok(())
        })?;
        if let Some(e) = &explained {
            super::explain::write_csv(dir, e)?;
        }
        // The saved scenario and the manifest describe what was run: under
        // --budget, each rescaled strategy's targets at their rescaled reach.
        let saved = budgeted(s, &job.strategies, &job.reach);
        let saved = super::saved::saved_toml(&input.text, &saved)?;
        write_atomic(&dir.join("scenario.toml"), |w| w.write_all(saved.as_bytes()))?;
        let more = match args.budget {
            Some(b) => serde_json::json!({ "budget": {
                "amount": b,
                "strategies": rescaled.iter().enumerate().filter_map(|(k, r)| r.as_ref().map(|r| serde_json::json!({
                    "strategy": names[k],
                    "reach": r.reach,
                    "own_cost": r.own_cost,
                    "cost": r.cost,
                }))).collect::<Vec<_>>(),
                "note": "scenario.toml holds each rescaled strategy's targets at the rescaled reach (share times reach, count times reach rounded), so running it without --budget reproduces these runs",
            }}),
            None => serde_json::json!({}),
        };
        let mut more = more;
        if args.explain {
            more["explain"] = serde_json::json!({
                "runs": variants.len() * reps,
                "variants": variants.iter().map(|v| serde_json::json!({
                    "strategy": names[v.strategy],
                    "channel_off": v.channel.as_str(),
                })).collect::<Vec<_>>(),
                "note": "each variant is the strategy rerun with one channel off on the same replicates; runs.csv and timeseries.csv hold only the comparison's runs; explain.csv holds the split",
            });
        }
        let manifest = Manifest { command: "compare", origin: &input.origin, scenario: s, threads, started, wall, more };
        write_manifest(dir, &manifest, &results)?;
        if !args.output.no_plots {
            super::plot::draw_folder(dir, &out)?;
        }
        Ok(())
    })();
    written.map_err(|e| staging.named(e))?;
    staging.commit()?;

    if args.budget.is_some() {
        println!("Equal budgets: each strategy's reach was rescaled so that it spends the same total.");
        for (k, r) in rescaled.iter().enumerate() {
            if let Some(r) = r {
                println!("  {:<22} reach x{:.2} (own cost {:.0} -> {:.0})", names[k], r.reach, r.own_cost, r.cost);
            }
        }
    }
    print_table(s, &names, &rows, results.len() / names.len().max(1), wall);
    if let Some(e) = &explained {
        let mut order: Vec<&String> = names.iter().filter(|n| *n != BASELINE).collect();
        let gain = |n: &str| find(&rows, n, "participation_end").map_or(f64::NEG_INFINITY, |r| r.diff_mean);
        order.sort_by(|a, b| gain(b).total_cmp(&gain(a)));
        super::explain::print_table(e, &order, s.programme_end(), s.steps.saturating_sub(1));
    } else if args.explain {
        println!("--explain: no strategy but baseline, so no gain to split and no explain.csv.");
    }
    println!("results in {}", out.display());
    Ok(())
}

/// `s` with the targets of each strategy `strategies[k]` scaled by
/// `reach[k]` as targeting applies it (share x reach, at most 1; count x
/// reach, at most a quota's seats, rounded), so the scenario run at reach 1 reaches the same people.
fn budgeted(s: &normshift::scenario::Scenario, strategies: &[usize], reach: &[f64]) -> normshift::scenario::Scenario {
    let mut out = s.clone();
    for (&k, &r) in strategies.iter().zip(reach) {
        if r == 1.0 {
            continue;
        }
        for iv in &mut out.strategies[k].interventions {
            let cap = iv.params.count_cap(s.council.seats).map_or(f64::from(u32::MAX), f64::from);
            if let Some(t) = iv.params.target_mut() {
                if let Some(share) = t.share {
                    t.share = Some((share * r).min(1.0));
                } else if let Some(c) = t.count {
                    t.count = Some((f64::from(c) * r).min(cap).round().clamp(0.0, f64::from(u32::MAX)) as u32);
                }
            }
        }
    }
    out
}

fn find<'a>(rows: &'a [Row], s: &str, m: &str) -> Option<&'a Row> {
    rows.iter().find(|r| r.strategy == s && r.metric == m)
}

/// Ranked table, readable at 80 columns, coloured only on a terminal. The
/// marks and verdict lines come from the library's [`Findings`].
fn print_table(s: &normshift::scenario::Scenario, names: &[String], rows: &[Row], reps: usize, wall: f64) {
    let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let paint = |code: &str, t: String| if colour { format!("\x1b[{code}m{t}\x1b[0m") } else { t };
    let mut order: Vec<&String> = names.iter().filter(|n| *n != BASELINE).collect();
    let gain = |n: &str| find(rows, n, "participation_end").map_or(f64::NEG_INFINITY, |r| r.diff_mean);
    order.sort_by(|a, b| gain(b).total_cmp(&gain(a)));
    let verdicts = findings(rows, names);
    let finding = |n: &str| verdicts.iter().find(|(s, _)| s == n).map(|x| x.1).unwrap_or_default();
    let too_few = reps < MIN_REPLICATES;
    let end = s.programme_end();
    println!("{}: {} strategies x {} replicates, {} months, in {:.1} s", s.name, names.len(), reps, s.steps, wall);
    println!("gain: women taking part, points over baseline at the programme's end (month {end}),");
    println!("  with 90% interval; final: the same at the last month (does it last?);");
    println!("sanct.: change in all sanctions (* exposure); risk: change in each participating");
    println!("  woman's monthly risk of being sanctioned, points (! harm); $/pt: cost per point.");
    if too_few {
        println!();
        println!("{}", paint("33;1", wrap(&format!("Warning: {}.", too_few_warning(reps)), 78, "")));
    }
    println!();
    println!(
        "{:<16} {:>5} {:>19} {:>6} {:>7} {:>6} {:>6} {:>5}",
        "strategy",
        "end %",
        if too_few { "gain" } else { "gain [90% int.]" },
        "final",
        "sanct.",
        "risk",
        "cost",
        "$/pt"
    );
    if let Some(b) = find(rows, BASELINE, "participation_end") {
        let fin = find(rows, BASELINE, "participation_final").map_or(f64::NAN, |r| r.mean);
        let risk = find(rows, BASELINE, HARM_METRIC).map_or(f64::NAN, |r| r.mean);
        println!(
            "{:<16} {:>5.1} {:>19} {:>6} {:>7} {:>6} {:>6} {:>5}",
            BASELINE,
            100.0 * b.mean,
            "-",
            format!("{:.1}%", 100.0 * fin),
            "-",
            format!("{:.0}%", 100.0 * risk),
            "0",
            "-"
        );
    }
    let base_sanctions = find(rows, BASELINE, EXPOSURE_METRIC).map_or(f64::NAN, |r| r.mean);
    let mut harmed = Vec::new();
    let mut exposed = Vec::new();
    for n in order {
        let (Some(e), Some(f), Some(sa), Some(risk), Some(c), Some(cpp)) = (
            find(rows, n, "participation_end"),
            find(rows, n, "participation_final"),
            find(rows, n, EXPOSURE_METRIC),
            find(rows, n, HARM_METRIC),
            find(rows, n, "cost_total"),
            find(rows, n, "cost_per_point"),
        ) else {
            continue;
        };
        let verdict = finding(n);
        let gain = if e.diff_lo.is_finite() && e.diff_hi.is_finite() {
            format!("{:+.1} [{:+.1},{:+.1}]", 100.0 * e.diff_mean, 100.0 * e.diff_lo, 100.0 * e.diff_hi)
        } else {
            format!("{:+.1}", 100.0 * e.diff_mean)
        };
        let gain = if e.diff_lo > 0.0 { paint("32", format!("{gain:>19}")) } else { format!("{gain:>19}") };
        let pct =
            if base_sanctions > 0.0 { format!("{:+.0}%", 100.0 * sa.diff_mean / base_sanctions) } else { format!("{:+.0}", sa.diff_mean) };
        let pct = if verdict.exposure {
            exposed.push(n.as_str());
            paint("33", format!("{:>7}", pct + "*"))
        } else {
            format!("{pct:>7}")
        };
        let r = format!("{:+.1}", 100.0 * risk.diff_mean);
        let r = if verdict.harm {
            harmed.push(n.as_str());
            paint("31;1", format!("{:>6}", r + "!"))
        } else {
            format!("{r:>6}")
        };
        let cpp = if cpp.mean.is_nan() { "-".to_string() } else { short(cpp.mean) };
        println!(
            "{:<16} {:>5.1} {} {:>+6.1} {} {} {:>6} {:>5}",
            trunc(n, 16),
            100.0 * e.mean,
            gain,
            100.0 * f.diff_mean,
            pct,
            r,
            short(c.mean),
            cpp
        );
    }
    println!();
    if too_few {
        println!("{}", paint("33;1", format!("Harm and exposure: no verdict with fewer than {MIN_REPLICATES} replicates.")));
    } else {
        let named = |v: &[&str]| if v.is_empty() { "none".to_string() } else { v.join(", ") };
        let harm = format!("Harm (!) to women taking part: {}.", named(&harmed));
        println!("{}", if harmed.is_empty() { harm } else { paint("31;1", harm) });
        println!("{}", wrap(&format!("Harm means {HARM_MEANS}."), 78, "  "));
        println!("{}", wrap(&format!("Exposure (*): {}.", named(&exposed)), 78, ""));
        println!("{}", wrap(&format!("Exposure means {EXPOSURE_MEANS}."), 78, "  "));
    }
    println!("Every metric, with intervals and verdicts: comparison.csv.");
}

/// Wrap words at `width` columns, each line indented.
fn wrap(text: &str, width: usize, indent: &str) -> String {
    let mut lines = vec![indent.to_string()];
    for word in text.split(' ') {
        let last = lines.last_mut().map(|l| l.len()).unwrap_or(0);
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

fn short(x: f64) -> String {
    if x.abs() >= 1e6 {
        format!("{:.1}M", x / 1e6)
    } else if x.abs() >= 1e4 {
        format!("{:.0}k", x / 1e3)
    } else {
        format!("{x:.0}")
    }
}

fn trunc(s: &str, n: usize) -> String {
    if s.chars().count() <= n { s.to_string() } else { s.chars().take(n - 1).chain(['~']).collect() }
}

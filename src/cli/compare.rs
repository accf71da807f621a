//! `normshift compare`: run every strategy on the same replicates (common
//! random numbers), compare each with baseline, optionally at equal
//! budgets, and write `comparison.csv` beside the tables `run` writes.

use super::files::{ensure_dir, write_atomic};
use super::input::{self, Adjust, Output};
use super::progress::Progress;
use super::run::{check_memory, set_threads, write_manifest, write_tables};
use super::{ScenarioArgs, bad};
use normshift::budget::{Rescale, rescale};
use normshift::compare::{COLUMNS, Row, compare};
use normshift::output::num;
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
    #[command(flatten)]
    pub output: Output,
    #[command(flatten)]
    pub uncertainty: super::uncertain::UncertainArgs,
}

pub fn compare_cmd(args: CompareArgs) -> anyhow::Result<()> {
    let started = SystemTime::now();
    if args.adjust.reps == Some(0) {
        return Err(bad("--reps 0: give 1 or more replicates (20 or more for stable intervals)"));
    }
    if let Some(b) = args.budget
        && !(b.is_finite() && b > 0.0)
    {
        return Err(bad(format!("--budget {b}: give a positive amount, in the scenario's currency")));
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
    let threads = set_threads(args.output.threads)?;
    check_memory(s, input.loaded.as_ref(), threads.min(s.replicates as usize))?;
    let out = args.output.folder(&s.name);
    if super::uncertain::active(&args.uncertainty, &input)? {
        return super::uncertain::compare_draws(&args, &input, picked, threads, &out, started);
    }

    let mut job = Job::all(s);
    job.strategies = picked;
    job.reach = vec![1.0; job.strategies.len()];
    job.loaded = input.loaded.as_ref();
    let mut rescaled: Vec<Option<Rescale>> = vec![None; job.strategies.len()];
    if let Some(budget) = args.budget {
        for (k, slot) in rescaled.iter_mut().enumerate().skip(1) {
            let r = rescale(&job, k, budget).map_err(|e| bad(format!("--budget: {e}")))?;
            job.reach[k] = r.reach;
            *slot = Some(r);
        }
    }
    let progress = Progress::new(job.len(), "compare");
    let t0 = Instant::now();
    let results = job.run(&|_| progress.tick());
    progress.finish();
    let wall = t0.elapsed().as_secs_f64();
    let names: Vec<String> = job.strategies.iter().map(|&k| s.strategies[k].name.clone()).collect();
    let rows = compare(&results, &names, BASELINE);

    ensure_dir(&out)?;
    write_tables(&out, &results)?;
    write_atomic(&out.join("comparison.csv"), |w| {
        writeln!(w, "{}", COLUMNS.join(","))?;
        for r in &rows {
            let reps = results.iter().filter(|x| x.id.strategy == r.strategy).count();
            writeln!(
                w,
                "{},{},{},{},{},{},{},{},{},{},{}",
                r.strategy,
                r.metric,
                num(r.mean),
                num(r.p05),
                num(r.p95),
                num(r.diff_mean),
                num(r.diff_lo),
                num(r.diff_hi),
                num(r.p_better),
                r.harm,
                reps
            )?;
        }
        Ok(())
    })?;
    write_atomic(&out.join("scenario.toml"), |w| w.write_all(input::resolved_toml(s).unwrap_or_default().as_bytes()))?;
    write_manifest(&out, &input.origin, s.seed, threads, started, wall, &results)?;

    if args.budget.is_some() {
        println!("Equal budgets: each strategy's reach was rescaled so that it spends the same total.");
        for (k, r) in rescaled.iter().enumerate() {
            if let Some(r) = r {
                println!("  {:<22} reach x{:.2} (own cost {:.0} -> {:.0})", names[k], r.reach, r.own_cost, r.cost);
            }
        }
    }
    print_table(s, &names, &rows, results.len() / names.len().max(1), wall);
    println!("results in {}", out.display());
    if !args.output.no_plots {
        super::plot::draw_folder(&out)?;
    }
    Ok(())
}

fn find<'a>(rows: &'a [Row], s: &str, m: &str) -> Option<&'a Row> {
    rows.iter().find(|r| r.strategy == s && r.metric == m)
}

/// Ranked table, readable at 80 columns, coloured only on a terminal.
fn print_table(s: &normshift::scenario::Scenario, names: &[String], rows: &[Row], reps: usize, wall: f64) {
    let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let paint = |code: &str, t: String| if colour { format!("\x1b[{code}m{t}\x1b[0m") } else { t };
    let mut order: Vec<&String> = names.iter().filter(|n| *n != BASELINE).collect();
    let gain = |n: &str| find(rows, n, "participation_end").map_or(f64::NEG_INFINITY, |r| r.diff_mean);
    order.sort_by(|a, b| gain(b).total_cmp(&gain(a)));
    let end = s.programme_end();
    println!("{}: {} strategies x {} replicates, {} months, in {:.1} s", s.name, names.len(), reps, s.steps, wall);
    println!("gain: women taking part, points over baseline at the programme's end (month {end}),");
    println!("  with 90% interval; final: the same at the last month (does it last?);");
    println!("sanct.: change in all sanctions; risk: change in the share of participating");
    println!("  women sanctioned each month (points); $/pt: cost per point gained.");
    println!();
    println!(
        "{:<16} {:>5} {:>19} {:>6} {:>7} {:>6} {:>6} {:>5}",
        "strategy", "end %", "gain [90% int.]", "final", "sanct.", "risk", "cost", "$/pt"
    );
    if let Some(b) = find(rows, BASELINE, "participation_end") {
        let fin = find(rows, BASELINE, "participation_final").map_or(f64::NAN, |r| r.mean);
        let risk = find(rows, BASELINE, "women_sanctioned_mean").map_or(f64::NAN, |r| r.mean);
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
    let base_sanctions = find(rows, BASELINE, "sanctions_total").map_or(f64::NAN, |r| r.mean);
    let mut more_risk = Vec::new();
    let mut more_sanctions = Vec::new();
    for n in order {
        let (Some(e), Some(f), Some(sa), Some(v), Some(risk), Some(c), Some(cpp)) = (
            find(rows, n, "participation_end"),
            find(rows, n, "participation_final"),
            find(rows, n, "sanctions_total"),
            find(rows, n, "violence_total"),
            find(rows, n, "women_sanctioned_mean"),
            find(rows, n, "cost_total"),
            find(rows, n, "cost_per_point"),
        ) else {
            continue;
        };
        let gain = format!("{:+.1} [{:+.1},{:+.1}]", 100.0 * e.diff_mean, 100.0 * e.diff_lo, 100.0 * e.diff_hi);
        let gain = if e.diff_lo > 0.0 { paint("32", format!("{gain:>19}")) } else { format!("{gain:>19}") };
        let pct =
            if base_sanctions > 0.0 { format!("{:+.0}%", 100.0 * sa.diff_mean / base_sanctions) } else { format!("{:+.0}", sa.diff_mean) };
        let pct = if sa.harm || v.harm {
            more_sanctions.push(n.as_str());
            paint("33", format!("{:>7}", pct))
        } else {
            format!("{pct:>7}")
        };
        let r = format!("{:+.1}", 100.0 * risk.diff_mean);
        let r = if risk.harm {
            more_risk.push(n.as_str());
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
    if more_risk.is_empty() {
        println!("Do no harm: no strategy raised the risk to each participating woman above baseline (90% confidence).");
    } else {
        println!(
            "{}",
            paint("31;1", format!("Do no harm: {} raised the risk to each participating woman (marked !).", more_risk.join(", ")))
        );
    }
    if !more_sanctions.is_empty() {
        println!("More sanctions or violence in all (90% confidence), as more women take part:");
        println!("{}", wrap(&more_sanctions.join(", "), 76, "  "));
    }
    println!("Every metric, with intervals and harm flags: comparison.csv.");
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

//! The field patterns of MODEL.md section 9, measured on the built-in
//! scenarios for `normshift validate`: each pattern's quantity with its 90%
//! bootstrap interval of paired differences (common random numbers, as
//! `normshift compare` reports them) and whether the pattern shows. The
//! fixed-seed tests of the same patterns, on smaller districts, are in
//! `tests/it/behaviour.rs`.

use normshift::compare::{Row, compare};
use normshift::outcomes::col;
use normshift::run::{Job, RunResult};
use normshift::scenario::{Scenario, builtin, parse_scenario};
use std::fmt::Write as _;

/// A built-in scenario with overrides and `reps` replicates.
fn scenario(name: &str, reps: u32, sets: &[&str]) -> anyhow::Result<Scenario> {
    let text = builtin(name).ok_or_else(|| anyhow::anyhow!("no built-in scenario `{name}`"))?;
    let mut sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    sets.push(format!("replicates={reps}"));
    // The built-in scenarios parse; only --reps can be refused.
    parse_scenario(text, name, &sets).map_err(|e| super::bad(format!("--reps {reps}: {e}")))
}

/// Refuse a replicate count the scenarios do not accept, before anything runs.
pub fn check_reps(reps: u32) -> anyhow::Result<()> {
    scenario("default", reps, &[]).map(|_| ())
}

/// Every strategy of `s`, compared with `baseline`.
struct Compared {
    rows: Vec<Row>,
    results: Vec<RunResult>,
}

impl Compared {
    fn new(s: &Scenario) -> Compared {
        let results = Job::all(s).run(&|_| {});
        let names: Vec<String> = s.strategies.iter().map(|x| x.name.clone()).collect();
        Compared { rows: compare(&results, &names, "baseline"), results }
    }

    fn row(&self, strategy: &str, metric: &str) -> anyhow::Result<&Row> {
        self.rows
            .iter()
            .find(|r| r.strategy == strategy && r.metric == metric)
            .ok_or_else(|| anyhow::anyhow!("no {metric} for strategy {strategy}"))
    }

    /// A paired difference from baseline, in `scale` units, with its interval.
    fn diff(&self, strategy: &str, metric: &str, scale: f64, unit: &str) -> anyhow::Result<Diff> {
        let r = self.row(strategy, metric)?;
        Ok(Diff { mean: r.diff_mean * scale, lo: r.diff_lo * scale, hi: r.diff_hi * scale, unit: unit.to_string() })
    }
}

/// A mean paired difference and its 90% interval.
struct Diff {
    mean: f64,
    lo: f64,
    hi: f64,
    unit: String,
}

impl Diff {
    fn above_zero(&self) -> bool {
        self.lo > 0.0
    }
    fn below_zero(&self) -> bool {
        self.hi < 0.0
    }
}

impl std::fmt::Display for Diff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.lo.is_finite() && self.hi.is_finite() {
            write!(f, "{:+.1} [{:+.1}, {:+.1}]{}", self.mean, self.lo, self.hi, self.unit)
        } else {
            write!(f, "{:+.1}{} (no interval)", self.mean, self.unit)
        }
    }
}

/// Mean over replicates of `f` for one strategy, with the 5th and 95th percentiles.
fn spread(results: &[RunResult], strategy: &str, f: impl Fn(&RunResult) -> f64) -> (f64, f64, f64) {
    let mut v: Vec<f64> = results.iter().filter(|r| r.id.strategy == strategy).map(f).collect();
    v.sort_by(f64::total_cmp);
    let mean = v.iter().sum::<f64>() / v.len().max(1) as f64;
    (mean, normshift::compare::percentile(&v, 0.05), normshift::compare::percentile(&v, 0.95))
}

fn verdict(shows: bool) -> &'static str {
    if shows { "yes" } else { "**no**" }
}

/// The verdict cell where there are too few replicates for intervals.
pub const NO_VERDICT: &str = "no verdict: too few replicates";

/// Append the patterns section to `md`, with `reps` replicates a scenario.
pub fn patterns(md: &mut String, reps: u32) -> anyhow::Result<()> {
    // Intervals and verdicts need `compare::MIN_REPLICATES` replicates, as in `compare`.
    let few = (reps as usize) < normshift::compare::MIN_REPLICATES;
    let say = |shows: bool| if few { NO_VERDICT } else { verdict(shows) };
    writeln!(md, "## Field patterns (MODEL.md section 9)\n")?;
    if few {
        writeln!(md, "**Warning: {}.** No pattern is judged.\n", normshift::compare::too_few_warning(reps as usize))?;
    }
    writeln!(
        md,
        "Each pattern measured on a built-in scenario with {reps} replicates. Differences are paired with the scenario's \
         `baseline` strategy on the same replicates (common random numbers), as `normshift compare` reports them: mean and 90% \
         bootstrap interval, in percentage points for shares; each row says when the pattern counts as shown. \
         `participation` is the share of women taking part in the village council; `end` is the \
         programme's last month and `final` the run's. Fixed-seed tests of the same patterns on a smaller district run in \
         `tests/it/behaviour.rs`.\n"
    )?;
    writeln!(md, "| # | pattern | scenario: what is measured | measured | shows when | shows? |")?;
    writeln!(md, "|---|---|---|---|---|---|")?;

    // 1 and 3, 4, 7 on the default scenario.
    let ds = scenario("default", reps, &[])?;
    let d = Compared::new(&ds);
    let (change, lo, hi) =
        spread(&d.results, "baseline", |r| 100.0 * (r.months[r.months.len() - 1][col::PARTICIPATION] - r.months[0][col::PARTICIPATION]));
    let (level, _, _) = spread(&d.results, "baseline", |r| 100.0 * r.months[0][col::PARTICIPATION]);
    writeln!(
        md,
        "| 1 | Without a programme participation stays low and flat | default, baseline: participation from month 0 ({level:.1}%) to the last month | \
         {change:+.1} points (5-95%: {lo:+.1} to {hi:+.1}) | level under 20%, mean change within 3 points, 5-95% within 5 | {} |",
        say(change.abs() < 3.0 && lo > -5.0 && hi < 5.0 && level < 20.0)
    )?;

    // 2: backlash meets women who take part, and is worse under conservative gatekeepers.
    let (risk, _, _) = spread(&d.results, "baseline", |r| 100.0 * r.summary[normshift::outcomes::sum::WOMEN_SANCTIONED_MEAN]);
    // The quota's risk per participating woman with leaders' mean attitude `mean`.
    let quota_risk = |mean: f64| -> anyhow::Result<f64> {
        let leaders = [
            format!("initial.gatekeeper_attitude={{ mean = {mean:?}, sd = 0.1 }}"),
            format!("initial.religious_leader_attitude={{ mean = {mean:?}, sd = 0.1 }}"),
        ];
        let mut sc = scenario("default", reps, &[leaders[0].as_str(), leaders[1].as_str()])?;
        sc.strategies.retain(|s| s.name == "baseline" || s.name == "quota_only");
        Ok(Compared::new(&sc).row("quota_only", "women_sanctioned_mean")?.mean * 100.0)
    };
    let (risk_c, risk_o) = (quota_risk(0.1)?, quota_risk(0.4)?);
    let fast = d.diff("quota_only", "women_sanctioned_mean", 100.0, " points")?;
    writeln!(
        md,
        "| 2 | Women who take part meet backlash, hardest where participation rises fast and gatekeepers are conservative | \
         default: share of participating women sanctioned each month, baseline; quota_only (participation raised fast) against baseline; \
         quota_only with leaders' mean attitude 0.1 against 0.4 | {risk:.1}% sanctioned a month; quota {fast}; \
         {risk_c:.1}% conservative against {risk_o:.1}% open leaders | some sanctioned; quota interval above 0; conservative above open | {} |",
        say(risk > 0.0 && fast.above_zero() && risk_c > risk_o)
    )?;

    let q_end = d.diff("quota_only", "participation_end", 100.0, " points")?;
    let q_final = d.diff("quota_only", "participation_final", 100.0, " points")?;
    let q_sanctions = d.diff("quota_only", "sanctions_total", 1.0, " sanctions")?;
    writeln!(
        md,
        "| 3 | A quota alone raises participation modestly and sanctions; part of the gain outlasts it (it neither jumps nor vanishes) | \
         default, quota_only against baseline: participation at the end, total sanctions, participation at the last month | \
         end {q_end}; sanctions {q_sanctions}; final {q_final} | end and sanctions intervals above 0; end gain under 10 points; \
         final interval above 0 and final gain below the end gain | {} |",
        say(q_end.above_zero() && q_sanctions.above_zero() && q_end.mean < 10.0 && q_final.above_zero() && q_final.mean < q_end.mean)
    )?;

    let mut four = Vec::new();
    let mut shows = true;
    for s in ["male_champions", "leaders_dialogue"] {
        let risk = d.diff(s, "women_sanctioned_mean", 100.0, " points")?;
        let end = d.diff(s, "participation_end", 100.0, " points")?;
        let fin = d.diff(s, "participation_final", 100.0, " points")?;
        shows &= risk.below_zero() && fin.above_zero() && fin.mean >= 0.5 * end.mean;
        four.push(format!("{s}: risk {risk}; end {end}; final {fin}"));
    }
    writeln!(
        md,
        "| 4 | Engaging men and leaders lowers backlash and makes gains last | default, male_champions and leaders_dialogue against baseline: \
         share of participating women sanctioned (risk), participation at the end and at the last month | {} | risk interval below 0; final interval above 0 and at least half the end gain | {} |",
        four.join("<br>"),
        say(shows)
    )?;

    // 5: funding.
    let f = Compared::new(&scenario("funding-cut", reps, &[])?);
    let steady = f.diff("core_steady", "participation_end", 100.0, " points")?;
    let cycles = f.diff("project_cycles", "participation_end", 100.0, " points")?;
    let cut = f.diff("core_cut", "participation_end", 100.0, " points")?;
    let cost = |strategy: &str| f.row(strategy, "cost_total").map(|r| r.mean);
    let money_lost = 1.0 - cost("core_cut")? / cost("core_steady")?;
    let gain_lost = 1.0 - cut.mean / steady.mean;
    writeln!(
        md,
        "| 5 | Core funding beats project cycles; a cut loses more than its share | funding-cut: core_steady, project_cycles and core_cut \
         against baseline, participation at the end; the cut's share of the money and of the gain | core_steady {steady}<br>project_cycles {cycles}<br>\
         core_cut {cut}<br>the cut took {:.0}% of the money and {:.0}% of the gain | core_steady above project_cycles; share of gain lost above share of money | {} |",
        100.0 * money_lost,
        100.0 * gain_lost,
        say(steady.mean > cycles.mean && gain_lost > money_lost)
    )?;

    // 6: targeting.
    let e = Compared::new(&scenario("elite-vs-inclusive", reps, &[])?);
    let elite = e.diff("orgs_elite", "participation_gap_end", 100.0, " points")?;
    let inclusive = e.diff("orgs_inclusive", "participation_gap_end", 100.0, " points")?;
    writeln!(
        md,
        "| 6 | Elite targeting widens the elite/non-elite gap; inclusive targeting narrows it | elite-vs-inclusive: gap (elite minus \
         non-elite participation) at the end, orgs_elite and orgs_inclusive against baseline | orgs_elite {elite}<br>orgs_inclusive {inclusive} | elite interval above 0, inclusive below 0 | {} |",
        say(elite.above_zero() && inclusive.below_zero())
    )?;

    // 7: tipping.
    let end = ds.programme_end() as usize;
    let (after, lo, hi) = spread(&d.results, "leaders_dialogue", |r| {
        let last = r.months.len() - 1;
        100.0 * (r.months[last][col::PARTICIPATION] - r.months[end.min(last)][col::PARTICIPATION])
    });
    let tipped = d.row("leaders_dialogue", "tipped")?.mean * 100.0;
    writeln!(
        md,
        "| 7 | A large enough shift tips: participation keeps rising after the programme ends | default, leaders_dialogue: participation \
         from the programme's end to the last month; share of runs that tipped | {after:+.1} points (5-95%: {lo:+.1} to {hi:+.1}); \
         {tipped:.0}% tipped | mean rise after the end above 0; at least half the runs tipped | {} |",
        say(after > 0.0 && tipped >= 50.0)
    )?;
    writeln!(md)?;
    Ok(())
}

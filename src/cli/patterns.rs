//! The field patterns of MODEL.md section 9, measured on the built-in
//! scenarios for `normshift validate`: each pattern's quantity with its 90%
//! bootstrap interval of paired differences (common random numbers, as
//! `normshift compare` reports them) and whether the pattern shows, at
//! equal reach (each programme as designed) and at equal money (each
//! compared programme's reach rescaled to one budget, as `compare
//! --budget` does). The fixed-seed tests of the same patterns, on smaller
//! districts, are in `tests/it/behaviour.rs`. Never writes a file: it
//! appends Markdown to a string.

use normshift::budget::rescale;
use normshift::compare::{Row, compare};
use normshift::outcomes::col;
use normshift::run::{Job, RunResult};
use normshift::scenario::{Scenario, builtin, parse_scenario};
use std::fmt::Write as _;

/// What every pattern scenario is run with: replicates and the user's
/// `--set` overrides (applied before the pattern's own).
pub struct Setup<'a> {
    pub reps: u32,
    pub sets: &'a [String],
}

/// The built-in scenarios the patterns are measured on.
pub const SCENARIOS: [&str; 3] = ["default", "funding-cut", "elite-vs-inclusive"];

/// A built-in scenario with the user's overrides, the pattern's `sets` and `reps` replicates.
fn scenario(name: &str, setup: &Setup<'_>, sets: &[&str]) -> anyhow::Result<Scenario> {
    let text = builtin(name).ok_or_else(|| anyhow::anyhow!("no built-in scenario `{name}`"))?;
    let mut all: Vec<String> = setup.sets.to_vec();
    all.extend(sets.iter().map(|s| s.to_string()));
    all.push(format!("replicates={}", setup.reps));
    // The built-in scenarios parse; only --reps and --set can be refused.
    parse_scenario(text, name, &all).map_err(|e| super::bad(format!("--reps {} / --set on `{name}`: {e}", setup.reps)))
}

/// Refuse a replicate count or an override the scenarios do not accept, before anything runs.
pub fn check(setup: &Setup<'_>) -> anyhow::Result<()> {
    SCENARIOS.iter().try_for_each(|name| scenario(name, setup, &[]).map(|_| ()))
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

    /// Mean total cost of a strategy.
    fn cost(&self, strategy: &str) -> anyhow::Result<f64> {
        Ok(self.row(strategy, "cost_total")?.mean)
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

/// The budget a pattern is checked at under equal money: the largest mean
/// total cost, at equal reach, among the programmes the pattern compares.
/// No programme is cut below its design; the others are scaled up to the
/// dearest one's money, which is the donor's question "what if each of
/// these had the money of the most expensive one?".
fn budget_of(reach: &Compared, strategies: &[&str]) -> anyhow::Result<f64> {
    // Whole units, so that the command printed for a rerun gives the same budget.
    strategies.iter().try_fold(0.0_f64, |b, s| Ok(b.max(reach.cost(s)?))).map(f64::round)
}

/// A pattern's comparison at equal money: `s` with only baseline and
/// `strategies`, each of `strategies` with its reach rescaled so that it
/// spends `budget` on replicate 0 (`budget::rescale`, as `compare
/// --budget`), run on the same replicates. Err: why the budget cannot be
/// given (the message `compare --budget` would print).
struct AtMoney {
    compared: Compared,
    budget: f64,
    /// Each rescaled strategy: name, reach multiplier, mean total cost over the replicates.
    spent: Vec<(String, f64, f64)>,
    /// The command that reruns it.
    command: String,
}

fn at_money(name: &str, setup: &Setup<'_>, s: &Scenario, strategies: &[&str], budget: f64) -> Result<AtMoney, String> {
    let mut sc = s.clone();
    sc.strategies.retain(|x| x.name == "baseline" || strategies.contains(&x.name.as_str()));
    let mut job = Job::all(&sc);
    let mut reach = Vec::new();
    for k in 0..job.strategies.len() {
        let n = sc.strategies[job.strategies[k]].name.clone();
        if n == "baseline" {
            continue;
        }
        let r = rescale(&job, k, budget).map_err(|e| e.to_string())?;
        job.reach[k] = r.reach;
        reach.push((n, r.reach));
    }
    let results = job.run(&|_| {});
    let names: Vec<String> = sc.strategies.iter().map(|x| x.name.clone()).collect();
    let compared = Compared { rows: compare(&results, &names, "baseline"), results };
    let spent = reach
        .into_iter()
        .map(|(n, r)| {
            let c = compared.cost(&n).unwrap_or(f64::NAN);
            (n, r, c)
        })
        .collect();
    let sets: String = setup.sets.iter().map(|x| format!(" --set {x}")).collect();
    let command =
        format!("normshift compare {name} --strategies {} --budget {budget:.0} --reps {}{sets}", strategies.join(","), s.replicates);
    Ok(AtMoney { compared, budget, spent, command })
}

impl AtMoney {
    /// "budget 281k (the dearest's cost); core_steady x1.00 spent 281k, ...".
    fn describe(&self) -> String {
        let spent: Vec<String> = self.spent.iter().map(|(n, r, c)| format!("{n} reach x{r:.2} spent {}", money(*c))).collect();
        format!("budget {}: {}", money(self.budget), spent.join(", "))
    }
}

/// An amount of money, in whole units with thousands separated.
fn money(x: f64) -> String {
    if !x.is_finite() {
        return "-".into();
    }
    let digits = format!("{:.0}", x.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if x < 0.0 { format!("-{out}") } else { out }
}

/// A pattern's result in one of its two columns.
enum Cell {
    /// Not checked here, and why.
    NotApplicable(String),
    /// The budget could not be given (why).
    Refused(String),
    /// What was measured, and whether the pattern shows.
    Measured { text: String, shows: bool },
}

/// One pattern's row, for the table and for the summary under it.
struct Pattern {
    n: u8,
    name: &'static str,
    what: String,
    when: String,
    reach: Cell,
    money: Cell,
    /// The equal-reach verdict on the equal-money cell's criterion, where
    /// that is narrower than the pattern's (pattern 5 leaves out the cut).
    reach_on_money_terms: Option<bool>,
}

fn cell_text(c: &Cell, say: &dyn Fn(bool) -> &'static str) -> (String, String) {
    match c {
        Cell::NotApplicable(why) => (format!("n/a: {why}"), "n/a".into()),
        Cell::Refused(why) => (format!("not run: {why}"), "n/a".into()),
        Cell::Measured { text, shows } => (text.clone(), say(*shows).into()),
    }
}

fn verdict(shows: bool) -> &'static str {
    if shows { "yes" } else { "**no**" }
}

/// The verdict cell where there are too few replicates for intervals.
pub const NO_VERDICT: &str = "no verdict: too few replicates";

/// Append the patterns section to `md`, each pattern's scenario run with `setup`.
pub fn patterns(md: &mut String, setup: &Setup<'_>) -> anyhow::Result<()> {
    let reps = setup.reps;
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
    writeln!(
        md,
        "Each pattern is checked twice. **At equal reach** every programme runs as the scenario designs it (its own \
         reach and its own cost): this reads the mechanism. **At equal money** the programmes the pattern compares are \
         given one budget, as `normshift compare --budget` does: each one's reach (every target's share or count) is \
         multiplied by the one number at which its total cost on the first replicate equals the budget. The budget is \
         the largest mean total cost, at equal reach, among the programmes the pattern compares, so no programme is cut \
         below its design and the others get the dearest one's money. A pattern about one programme against baseline \
         has nothing to equalise (at its own cost, equal money is equal reach): its equal-money cell says n/a and why. \
         The equal-money cell gives the budget, each programme's reach multiplier and its mean total cost over the \
         replicates, then what was measured.\n"
    )?;
    let mut rows: Vec<Pattern> = Vec::new();
    let one = |s: &str| Cell::NotApplicable(format!("one programme ({s}) against baseline: at its own cost, equal money is equal reach"));

    // 1 and 3, 4, 7 on the default scenario.
    let ds = scenario("default", setup, &[])?;
    let d = Compared::new(&ds);
    let (change, lo, hi) =
        spread(&d.results, "baseline", |r| 100.0 * (r.months[r.months.len() - 1][col::PARTICIPATION] - r.months[0][col::PARTICIPATION]));
    let (level, _, _) = spread(&d.results, "baseline", |r| 100.0 * r.months[0][col::PARTICIPATION]);
    rows.push(Pattern {
        n: 1,
        name: "Without a programme participation stays low and flat",
        what: format!("default, baseline: participation from month 0 ({level:.1}%) to the last month"),
        when: "level under 20%, mean change within 3 points, 5-95% within 5".into(),
        reach: Cell::Measured {
            text: format!("{change:+.1} points (5-95%: {lo:+.1} to {hi:+.1})"),
            shows: change.abs() < 3.0 && lo > -5.0 && hi < 5.0 && level < 20.0,
        },
        reach_on_money_terms: None,
        money: Cell::NotApplicable("baseline only: no programme, no money to equalise".into()),
    });

    // 2: backlash meets women who take part, and is worse under conservative gatekeepers.
    let (risk, _, _) = spread(&d.results, "baseline", |r| 100.0 * r.summary[normshift::outcomes::sum::WOMEN_SANCTIONED_MEAN]);
    // The quota's risk per participating woman with leaders' mean attitude `mean`.
    let quota_risk = |mean: f64| -> anyhow::Result<f64> {
        let leaders = [
            format!("initial.gatekeeper_attitude={{ mean = {mean:?}, sd = 0.1 }}"),
            format!("initial.religious_leader_attitude={{ mean = {mean:?}, sd = 0.1 }}"),
        ];
        let mut sc = scenario("default", setup, &[leaders[0].as_str(), leaders[1].as_str()])?;
        sc.strategies.retain(|s| s.name == "baseline" || s.name == "quota_only");
        Ok(Compared::new(&sc).row("quota_only", "women_sanctioned_mean")?.mean * 100.0)
    };
    let (risk_c, risk_o) = (quota_risk(0.1)?, quota_risk(0.4)?);
    let fast = d.diff("quota_only", "women_sanctioned_mean", 100.0, " points")?;
    rows.push(Pattern {
        n: 2,
        name: "Women who take part meet backlash, hardest where participation rises fast and gatekeepers are conservative",
        what: "default: share of participating women sanctioned each month, baseline; quota_only (participation raised fast) against \
               baseline; quota_only with leaders' mean attitude 0.1 against 0.4"
            .into(),
        when: "some sanctioned; quota interval above 0; conservative above open".into(),
        reach: Cell::Measured {
            text: format!("{risk:.1}% sanctioned a month; quota {fast}; {risk_c:.1}% conservative against {risk_o:.1}% open leaders"),
            shows: risk > 0.0 && fast.above_zero() && risk_c > risk_o,
        },
        reach_on_money_terms: None,
        money: Cell::NotApplicable(
            "one programme (quota_only) against baseline, and against itself under other leaders: at its own cost, equal money is \
             equal reach"
                .into(),
        ),
    });

    let q_end = d.diff("quota_only", "participation_end", 100.0, " points")?;
    let q_final = d.diff("quota_only", "participation_final", 100.0, " points")?;
    let q_sanctions = d.diff("quota_only", "sanctions_total", 1.0, " sanctions")?;
    rows.push(Pattern {
        n: 3,
        name: "A quota alone raises participation modestly and sanctions; part of the gain outlasts it (it neither jumps nor vanishes)",
        what: "default, quota_only against baseline: participation at the end, total sanctions, participation at the last month".into(),
        when: "end and sanctions intervals above 0; end gain under 10 points; final interval above 0 and final gain below the end gain"
            .into(),
        reach: Cell::Measured {
            text: format!("end {q_end}; sanctions {q_sanctions}; final {q_final}"),
            shows: q_end.above_zero() && q_sanctions.above_zero() && q_end.mean < 10.0 && q_final.above_zero() && q_final.mean < q_end.mean,
        },
        reach_on_money_terms: None,
        money: one("quota_only"),
    });

    // 4: each of two programmes against baseline, also with one budget.
    let four_of = |c: &Compared| -> anyhow::Result<(String, bool)> {
        let mut text = Vec::new();
        let mut shows = true;
        for s in ["male_champions", "leaders_dialogue"] {
            let risk = c.diff(s, "women_sanctioned_mean", 100.0, " points")?;
            let end = c.diff(s, "participation_end", 100.0, " points")?;
            let fin = c.diff(s, "participation_final", 100.0, " points")?;
            shows &= risk.below_zero() && fin.above_zero() && fin.mean >= 0.5 * end.mean;
            text.push(format!("{s}: risk {risk}; end {end}; final {fin}"));
        }
        Ok((text.join("<br>"), shows))
    };
    let four = ["male_champions", "leaders_dialogue"];
    let (text, shows) = four_of(&d)?;
    let money = match at_money("default", setup, &ds, &four, budget_of(&d, &four)?) {
        Ok(m) => {
            let (text, shows) = four_of(&m.compared)?;
            (Cell::Measured { text: format!("{}<br>{text}", m.describe()), shows }, Some(m.command))
        }
        Err(why) => (Cell::Refused(why), None),
    };
    rows.push(Pattern {
        n: 4,
        name: "Engaging men and leaders lowers backlash and makes gains last",
        what: "default, male_champions and leaders_dialogue against baseline: share of participating women sanctioned (risk), \
               participation at the end and at the last month"
            .into(),
        when: "risk interval below 0; final interval above 0 and at least half the end gain".into(),
        reach: Cell::Measured { text, shows },
        reach_on_money_terms: None,
        money: money.0,
    });
    let mut commands = vec![(4, money.1)];

    // 5: funding.
    let fs = scenario("funding-cut", setup, &[])?;
    let f = Compared::new(&fs);
    let steady = f.diff("core_steady", "participation_end", 100.0, " points")?;
    let cycles = f.diff("project_cycles", "participation_end", 100.0, " points")?;
    let cut = f.diff("core_cut", "participation_end", 100.0, " points")?;
    let money_lost = 1.0 - f.cost("core_cut")? / f.cost("core_steady")?;
    let gain_lost = 1.0 - cut.mean / steady.mean;
    let five = ["core_steady", "project_cycles"];
    let money = match at_money("funding-cut", setup, &fs, &five, budget_of(&f, &five)?) {
        Ok(m) => {
            let steady = m.compared.diff("core_steady", "participation_end", 100.0, " points")?;
            let cycles = m.compared.diff("project_cycles", "participation_end", 100.0, " points")?;
            let text = format!(
                "{}<br>core_steady {steady}<br>project_cycles {cycles}<br>(the cut is not checked at equal money: a cut is \
                 less money by design)",
                m.describe()
            );
            (Cell::Measured { text, shows: steady.mean > cycles.mean }, Some(m.command))
        }
        Err(why) => (Cell::Refused(why), None),
    };
    rows.push(Pattern {
        n: 5,
        name: "Core funding beats project cycles; a cut loses more than its share",
        what: "funding-cut: core_steady, project_cycles and core_cut against baseline, participation at the end; the cut's share of \
               the money and of the gain"
            .into(),
        when: "core_steady above project_cycles; share of gain lost above share of money (at equal money: core_steady above \
               project_cycles)"
            .into(),
        reach: Cell::Measured {
            text: format!(
                "core_steady {steady}<br>project_cycles {cycles}<br>core_cut {cut}<br>the cut took {:.0}% of the money and {:.0}% \
                 of the gain",
                100.0 * money_lost,
                100.0 * gain_lost
            ),
            shows: steady.mean > cycles.mean && gain_lost > money_lost,
        },
        reach_on_money_terms: Some(steady.mean > cycles.mean),
        money: money.0,
    });
    commands.push((5, money.1));

    // 6: targeting.
    let es = scenario("elite-vs-inclusive", setup, &[])?;
    let e = Compared::new(&es);
    let six_of = |c: &Compared| -> anyhow::Result<(String, bool)> {
        let elite = c.diff("orgs_elite", "participation_gap_end", 100.0, " points")?;
        let inclusive = c.diff("orgs_inclusive", "participation_gap_end", 100.0, " points")?;
        Ok((format!("orgs_elite {elite}<br>orgs_inclusive {inclusive}"), elite.above_zero() && inclusive.below_zero()))
    };
    let six = ["orgs_elite", "orgs_inclusive"];
    let (text, shows) = six_of(&e)?;
    let money = match at_money("elite-vs-inclusive", setup, &es, &six, budget_of(&e, &six)?) {
        Ok(m) => {
            let (text, shows) = six_of(&m.compared)?;
            (Cell::Measured { text: format!("{}<br>{text}", m.describe()), shows }, Some(m.command))
        }
        Err(why) => (Cell::Refused(why), None),
    };
    rows.push(Pattern {
        n: 6,
        name: "Elite targeting widens the elite/non-elite gap; inclusive targeting narrows it",
        what: "elite-vs-inclusive: gap (elite minus non-elite participation) at the end, orgs_elite and orgs_inclusive against \
               baseline"
            .into(),
        when: "elite interval above 0, inclusive below 0".into(),
        reach: Cell::Measured { text, shows },
        reach_on_money_terms: None,
        money: money.0,
    });
    commands.push((6, money.1));

    // 7: tipping.
    let end = ds.programme_end() as usize;
    let (after, lo, hi) = spread(&d.results, "leaders_dialogue", |r| {
        let last = r.months.len() - 1;
        100.0 * (r.months[last][col::PARTICIPATION] - r.months[end.min(last)][col::PARTICIPATION])
    });
    let tipped = d.row("leaders_dialogue", "tipped")?.mean * 100.0;
    rows.push(Pattern {
        n: 7,
        name: "A large enough shift tips: participation keeps rising after the programme ends",
        what: "default, leaders_dialogue: participation from the programme's end to the last month; share of runs that tipped".into(),
        when: "mean rise after the end above 0; at least half the runs tipped".into(),
        reach: Cell::Measured {
            text: format!("{after:+.1} points (5-95%: {lo:+.1} to {hi:+.1}); {tipped:.0}% tipped"),
            shows: after > 0.0 && tipped >= 50.0,
        },
        reach_on_money_terms: None,
        money: one("leaders_dialogue"),
    });

    writeln!(md, "| # | pattern | scenario: what is measured | shows when | at equal reach | shows? | at equal money | shows? |")?;
    writeln!(md, "|---|---|---|---|---|---|---|---|")?;
    for p in &rows {
        let (reach, reach_says) = cell_text(&p.reach, &say);
        let (money, money_says) = cell_text(&p.money, &say);
        writeln!(md, "| {} | {} | {} | {} | {reach} | {reach_says} | {money} | {money_says} |", p.n, p.name, p.what, p.when)?;
    }
    writeln!(md)?;
    writeln!(md, "### Where money changes the answer\n")?;
    if few {
        writeln!(md, "No pattern is judged with {reps} replicates, at either.\n")?;
        return Ok(());
    }
    let mut differ = Vec::new();
    let mut both = 0;
    for p in &rows {
        if let (Cell::Measured { shows: r, .. }, Cell::Measured { shows: m, text }) = (&p.reach, &p.money) {
            both += 1;
            let r = p.reach_on_money_terms.unwrap_or(*r);
            if r != *m {
                let (holds, fails) = if r { ("equal reach", "equal money") } else { ("equal money", "equal reach") };
                let terms = if p.reach_on_money_terms.is_some() { ", on the equal-money cell's criterion," } else { "" };
                let command = commands.iter().find(|c| c.0 == p.n).and_then(|c| c.1.clone()).unwrap_or_default();
                differ.push(format!(
                    "- **Pattern {} ({}) shows{terms} at {holds} but not at {fails}.** At equal money: {}. Rerun it with `{command}`.",
                    p.n,
                    p.name,
                    text.replace("<br>", "; ")
                ));
            }
        }
    }
    if differ.is_empty() {
        writeln!(md, "Every pattern checked at both ({both} of {}) shows the same way at equal reach and at equal money.\n", rows.len())?;
    } else {
        writeln!(
            md,
            "Of the {both} patterns checked at both, {} show{} one way at equal reach and the other at equal money: a claim \
             resting on such a pattern holds for the programmes as designed, not per unit of money (or the reverse).\n",
            differ.len(),
            if differ.len() == 1 { "s" } else { "" }
        )?;
        for line in differ {
            writeln!(md, "{line}")?;
        }
        writeln!(md)?;
    }
    let refused: Vec<String> = rows
        .iter()
        .filter_map(|p| match &p.money {
            Cell::Refused(why) => Some(format!("- Pattern {}: not run at equal money: {why}.", p.n)),
            _ => None,
        })
        .collect();
    if !refused.is_empty() {
        writeln!(md, "{}\n", refused.join("\n"))?;
    }
    Ok(())
}

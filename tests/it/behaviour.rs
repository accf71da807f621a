//! Behavioural tests of the community model: each mechanism, switched on
//! and off by its parameter, moves outcomes in the direction MODEL.md says,
//! across replicates with fixed seeds. Tolerances are stated per test:
//! a paired difference must have the right sign in most replicates and a
//! mean of at least a stated size. Runs go through the public API.

use crate::common::{assert_higher, monthly, paired};
use normshift::outcomes::{col, sum};
use normshift::run::{Job, RunResult};
use normshift::scenario::Scenario;

/// The common small district (about 1,500 adults) and a four-year programme.
fn scenario(strategies: &str, sets: &[&str]) -> Scenario {
    crate::common::small_district("behaviour", 11, strategies, sets)
}

fn run(s: &Scenario) -> Vec<RunResult> {
    Job::all(s).run(&|_| {})
}

/// Per-replicate values of a summary metric for one strategy.
fn metric(rs: &[RunResult], strategy: &str, k: usize) -> Vec<f64> {
    rs.iter().filter(|r| r.id.strategy == strategy).map(|r| r.summary[k]).collect()
}

const CHAMPIONS: &str = r#"
[[strategies]]
name = "champions"
[[strategies.interventions]]
kind = "male_champions"
start = 0
end = 35
target = { group = "men", selection = "central", share = 0.1 }
"#;

#[test]
fn baseline_stays_flat() {
    // Pattern 1: without a programme, participation stays near its level.
    let s = scenario("", &["steps=96"]);
    let rs = run(&s);
    let first = monthly(&rs, "baseline", col::PARTICIPATION, 0..6);
    let last = monthly(&rs, "baseline", col::PARTICIPATION, 90..96);
    let (mean, _) = paired(&first, &last);
    assert!(mean.abs() < 0.03, "baseline drifted by {mean:.3} over eight years (tolerance 0.03)");
    let level = first.iter().sum::<f64>() / first.len() as f64;
    assert!(level < 0.25, "baseline participation {level:.3} is not low");
}

#[test]
fn higher_backlash_rate_lowers_participation() {
    let low = run(&scenario("", &["backlash.rate=0.02"]));
    let high = run(&scenario("", &["backlash.rate=0.15"]));
    let a = metric(&high, "baseline", sum::PARTICIPATION_FINAL);
    let b = metric(&low, "baseline", sum::PARTICIPATION_FINAL);
    assert_higher("participation with rate 0.02 over 0.15", &a, &b, 0.01, 7);
}

#[test]
fn backlash_switched_off_means_no_sanctions() {
    let rs = run(&scenario(CHAMPIONS, &["backlash.rate=0", "backlash.ally_rate=0"]));
    for r in &rs {
        assert_eq!(r.summary[sum::SANCTIONS_TOTAL], 0.0);
        assert!(r.months.iter().all(|m| m[col::ALLY_SANCTIONS] == 0.0));
    }
}

#[test]
fn reactivity_raises_sanctions_per_participant() {
    // Threat only bites where participation runs ahead of opponents' norms,
    // so use a district where many women take part.
    let calm = run(&scenario(CHAMPIONS, &["backlash.reactivity=0", "rule.women.theta_mean=1.5"]));
    let hot = run(&scenario(CHAMPIONS, &["backlash.reactivity=8", "rule.women.theta_mean=1.5"]));
    let a = metric(&calm, "champions", sum::WOMEN_SANCTIONED_MEAN);
    let b = metric(&hot, "champions", sum::WOMEN_SANCTIONED_MEAN);
    assert_higher("share of participants sanctioned, reactivity 8 over 0", &a, &b, 0.002, 6);
}

#[test]
fn champions_raise_participation() {
    let rs = run(&scenario(CHAMPIONS, &[]));
    let a = metric(&rs, "baseline", sum::PARTICIPATION_END);
    let b = metric(&rs, "champions", sum::PARTICIPATION_END);
    assert_higher("participation at programme end, champions over baseline", &a, &b, 0.03, 7);
}

#[test]
fn champions_shield_lowers_sanctions_per_participating_woman() {
    let unshielded = run(&scenario(CHAMPIONS, &["backlash.champion_shield=0"]));
    let shielded = run(&scenario(CHAMPIONS, &["backlash.champion_shield=0.9"]));
    let a = metric(&shielded, "champions", sum::WOMEN_SANCTIONED_MEAN);
    let b = metric(&unshielded, "champions", sum::WOMEN_SANCTIONED_MEAN);
    assert_higher("share of participants sanctioned without shield over with", &a, &b, 0.003, 7);
}

#[test]
fn champions_drop_out_only_when_sanctioned_or_unfunded() {
    let stay = run(&scenario(CHAMPIONS, &["backlash.champion_dropout=0", "strategies.champions.interventions.0.lapse=0"]));
    let go = run(&scenario(CHAMPIONS, &["backlash.champion_dropout=1", "backlash.ally_rate=0.1"]));
    for r in stay.iter().filter(|r| r.id.strategy == "champions") {
        let first = r.months[0][col::CHAMPIONS_ACTIVE];
        assert!(first > 0.0);
        assert!(r.months.iter().all(|m| m[col::CHAMPIONS_ACTIVE] == first), "champions changed without drop-out or lapse");
    }
    let left: Vec<f64> = go
        .iter()
        .filter(|r| r.id.strategy == "champions")
        .map(|r| r.months[47][col::CHAMPIONS_ACTIVE] / r.months[0][col::CHAMPIONS_ACTIVE])
        .collect();
    assert!(left.iter().all(|x| *x < 0.9), "with certain drop-out and strong ally backlash, more than 10% must drop: {left:?}");
}

#[test]
fn permission_gate_lowers_participation() {
    let gated = run(&scenario("", &["context.permission_required=true", "context.defiance=0"]));
    let free = run(&scenario("", &["context.permission_required=false"]));
    let a = metric(&gated, "baseline", sum::PARTICIPATION_FINAL);
    let b = metric(&free, "baseline", sum::PARTICIPATION_FINAL);
    assert_higher("participation without permission over with", &a, &b, 0.01, 7);
}

#[test]
fn fear_weight_lowers_participation() {
    let fearful = run(&scenario("", &["rule.women.fear=4"]));
    let fearless = run(&scenario("", &["rule.women.fear=0"]));
    let a = metric(&fearful, "baseline", sum::PARTICIPATION_FINAL);
    let b = metric(&fearless, "baseline", sum::PARTICIPATION_FINAL);
    assert_higher("participation with fear weight 0 over 4", &a, &b, 0.01, 7);
}

#[test]
fn leader_engagement_moves_leaders_and_lowers_sanctions() {
    let rs = run(&scenario(
        r#"
[[strategies]]
name = "leaders"
[[strategies.interventions]]
kind = "leader_engagement"
start = 0
end = 47
target = { group = "leaders", share = 1.0 }
uptake = 0.2
effect = 0.03
"#,
        &[],
    ));
    let a = monthly(&rs, "baseline", col::ATTITUDE_LEADERS, 40..48);
    let b = monthly(&rs, "leaders", col::ATTITUDE_LEADERS, 40..48);
    assert_higher("leaders' attitude, engaged over baseline", &a, &b, 0.05, 8);
    let a = metric(&rs, "baseline", sum::WOMEN_SANCTIONED_MEAN);
    let b = metric(&rs, "leaders", sum::WOMEN_SANCTIONED_MEAN);
    assert_higher("share of participants sanctioned, baseline over leader engagement", &b, &a, 0.005, 7);
}

#[test]
fn dialogue_raises_attitudes_and_media_raises_expectations() {
    let rs = run(&scenario(
        r#"
[[strategies]]
name = "dialogue"
[[strategies.interventions]]
kind = "dialogue"
target = { group = "all", share = 0.3 }
effect = 0.03
[[strategies]]
name = "media"
[[strategies.interventions]]
kind = "media"
target = { group = "all", share = 0.5 }
effect = 0.05
"#,
        &["attitudes.influence=0"],
    ));
    let a = monthly(&rs, "baseline", col::ATTITUDE_MEN, 40..48);
    let b = monthly(&rs, "dialogue", col::ATTITUDE_MEN, 40..48);
    assert_higher("men's attitude, dialogue over baseline", &a, &b, 0.02, 8);
    let a = monthly(&rs, "baseline", col::NORMATIVE, 40..48);
    let b = monthly(&rs, "media", col::NORMATIVE, 40..48);
    assert_higher("normative expectations, media over baseline", &a, &b, 0.02, 8);
}

#[test]
fn protection_lowers_sanctions_and_violence() {
    let rs = run(&scenario(
        &format!(
            "{CHAMPIONS}{}",
            r#"
[[strategies]]
name = "champions_protected"
[[strategies.interventions]]
kind = "male_champions"
start = 0
end = 35
target = { group = "men", selection = "central", share = 0.1 }
[[strategies.interventions]]
kind = "protection"
deterrence = 0.8
violence_reduction = 0.8
"#
        ),
        &["context.political_will=1"],
    ));
    let a = metric(&rs, "champions", sum::WOMEN_SANCTIONED_MEAN);
    let b = metric(&rs, "champions_protected", sum::WOMEN_SANCTIONED_MEAN);
    assert_higher("share sanctioned, unprotected over protected", &b, &a, 0.005, 8);
    let va: Vec<f64> = rs
        .iter()
        .filter(|r| r.id.strategy == "champions")
        .map(|r| r.summary[sum::VIOLENCE_TOTAL] / r.summary[sum::SANCTIONS_TOTAL].max(1.0))
        .collect();
    let vb: Vec<f64> = rs
        .iter()
        .filter(|r| r.id.strategy == "champions_protected")
        .map(|r| r.summary[sum::VIOLENCE_TOTAL] / r.summary[sum::SANCTIONS_TOTAL].max(1.0))
        .collect();
    assert_higher("violent share of sanctions, unprotected over protected", &vb, &va, 0.03, 7);
}

#[test]
fn quota_raises_visible_participation_and_sanctions_then_fades() {
    // Pattern 3: a quota alone raises participation and sanctions, and the
    // gain fades once enforcement ends.
    let rs = run(&scenario(
        r#"
[[strategies]]
name = "quota"
[[strategies.interventions]]
kind = "quota"
start = 0
end = 23
target = { group = "women", selection = "elite", count = 15, per_village = true }
"#,
        &["context.political_will=1", "council.seats=15"],
    ));
    let a = monthly(&rs, "baseline", col::PARTICIPATION, 12..24);
    let b = monthly(&rs, "quota", col::PARTICIPATION, 12..24);
    assert_higher("participation during the quota", &a, &b, 0.03, 8);
    let a = monthly(&rs, "baseline", col::SANCTIONS, 12..24);
    let b = monthly(&rs, "quota", col::SANCTIONS, 12..24);
    assert_higher("sanctions during the quota", &a, &b, 1.0, 7);
    let during = monthly(&rs, "quota", col::PARTICIPATION, 12..24);
    let after = monthly(&rs, "quota", col::PARTICIPATION, 40..48);
    assert_higher("quota gain fades after enforcement ends", &after, &during, 0.02, 7);
}

const ORGS: &str = r#"
[[strategies]]
name = "orgs"
[[strategies.interventions]]
kind = "womens_organisations"
name = "orgs"
start = 0
end = 47
target = { group = "women", selection = "inclusive", share = 0.3 }
efficacy = 0.8
"#;

#[test]
fn womens_organisations_raise_participation_and_a_cut_lowers_it() {
    let cut = format!(
        "{ORGS}{}",
        r#"
[[strategies]]
name = "orgs_cut"
[[strategies.interventions]]
kind = "womens_organisations"
name = "orgs"
start = 0
end = 47
target = { group = "women", selection = "inclusive", share = 0.3 }
efficacy = 0.8
[[strategies.interventions]]
kind = "funding_cut"
start = 18
factor = 0.3
interventions = ["orgs"]
"#
    );
    let rs = run(&scenario(&cut, &[]));
    let base = metric(&rs, "baseline", sum::PARTICIPATION_END);
    let full = metric(&rs, "orgs", sum::PARTICIPATION_END);
    let cut = metric(&rs, "orgs_cut", sum::PARTICIPATION_END);
    assert_higher("participation, women's organisations over baseline", &base, &full, 0.03, 8);
    assert_higher("participation, full funding over a cut", &cut, &full, 0.01, 7);
}

#[test]
fn core_funding_beats_project_cycles() {
    // Pattern 5: the same organisations funded in project cycles with gaps
    // do worse than steady core funding.
    let project = format!(
        "{ORGS}{}",
        r#"
[[strategies]]
name = "orgs_project"
[[strategies.interventions]]
kind = "womens_organisations"
name = "orgs"
start = 0
end = 47
target = { group = "women", selection = "inclusive", share = 0.3 }
efficacy = 0.8
funding = "project"
cycle = 9
gap = 3
gap_loss = 0.3
"#
    );
    let rs = run(&scenario(&project, &[]));
    let core = monthly(&rs, "orgs", col::PARTICIPATION, 24..48);
    let proj = monthly(&rs, "orgs_project", col::PARTICIPATION, 24..48);
    assert_higher("participation, core over project funding", &proj, &core, 0.01, 7);
}

#[test]
fn inclusive_targeting_narrows_the_elite_gap() {
    // Pattern 6.
    let rs = run(&scenario(
        r#"
[[strategies]]
name = "elite"
[[strategies.interventions]]
kind = "womens_organisations"
name = "orgs"
target = { group = "women", selection = "elite", share = 0.15 }
efficacy = 1.0
[[strategies]]
name = "inclusive"
[[strategies.interventions]]
kind = "womens_organisations"
name = "orgs"
target = { group = "women", selection = "inclusive", share = 0.15 }
efficacy = 1.0
"#,
        &[],
    ));
    let elite = monthly(&rs, "elite", col::PARTICIPATION_GAP, 24..48);
    let inclusive = monthly(&rs, "inclusive", col::PARTICIPATION_GAP, 24..48);
    assert_higher("elite minus non-elite gap, elite over inclusive targeting", &inclusive, &elite, 0.05, 8);
    let base = monthly(&rs, "baseline", col::PARTICIPATION_GAP, 24..48);
    assert_higher("gap, elite targeting over baseline", &base, &elite, 0.03, 8);
}

#[test]
fn conflict_shock_raises_backlash() {
    let calm = run(&scenario(CHAMPIONS, &[]));
    let war = run(&scenario(CHAMPIONS, &["context.conflict_start=12", "context.conflict_backlash=2", "context.conflict_conservatism=0.5"]));
    let a = monthly(&calm, "champions", col::WOMEN_SANCTIONED, 12..48);
    let b = monthly(&war, "champions", col::WOMEN_SANCTIONED, 12..48);
    assert_higher("share sanctioned after a conflict shock", &a, &b, 0.01, 7);
}

#[test]
fn identical_strategies_meet_identical_draws() {
    // Common random numbers: two strategies with the same interventions give
    // the same months, and a strategy's runs do not depend on which other
    // strategies run with it.
    let twice = format!("{CHAMPIONS}{}", CHAMPIONS.replace("name = \"champions\"", "name = \"champions_again\""));
    let rs = run(&scenario(&twice, &[]));
    let a: Vec<&RunResult> = rs.iter().filter(|r| r.id.strategy == "champions").collect();
    let b: Vec<&RunResult> = rs.iter().filter(|r| r.id.strategy == "champions_again").collect();
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.months, y.months);
        assert_eq!(x.id.seed, y.id.seed);
    }
    let alone = run(&scenario("", &[]));
    let with: Vec<&RunResult> = rs.iter().filter(|r| r.id.strategy == "baseline").collect();
    for (x, y) in alone.iter().zip(&with) {
        assert_eq!(x.months, y.months);
    }
}

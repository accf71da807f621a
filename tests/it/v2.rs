//! Model v2 (issue 13, MODEL.md sections 3, 5 and 6): leader engagement
//! that needs upkeep, quotas as council seats with their channels, and
//! attendance a survey can measure. Each channel is switched off through
//! `Scenario::channels` on the same replicates (common random numbers), and
//! switching it off must give less; the engagement placebo must stay within
//! a stated tolerance of baseline, paired by replicate; the new columns are
//! checked against a plain re-count from agent states. Tolerances are
//! stated per test.

use crate::common::{assert_higher, monthly, paired};
use normshift::interventions::Programme;
use normshift::model::levers::{Channel, meeting_held};
use normshift::model::rule::{Carry, Rule, advance};
use normshift::model::step::Villages;
use normshift::model::{Levers, NEVER, Params, init, stance};
use normshift::outcomes::{Recorder, col, sum};
use normshift::run::{Job, RunResult};
use normshift::scenario::Scenario;

/// The common small district (about 1,500 adults), a two-year programme and two
/// years after it.
fn scenario(strategies: &str, sets: &[&str]) -> Scenario {
    crate::common::small_district("v2", 13, strategies, sets)
}

fn run(s: &Scenario) -> Vec<RunResult> {
    Job::all(s).run(&|_| {})
}

/// `s` with one channel switched off.
fn without(s: &Scenario, c: Channel) -> Scenario {
    let mut s = s.clone();
    s.channels = s.channels.without(c);
    s
}

/// Leader engagement of every leader, funded for months 0-23.
fn engagement(effect: f64, openness: f64) -> String {
    format!(
        r#"
[[strategies]]
name = "leaders"
[[strategies.interventions]]
kind = "leader_engagement"
start = 0
end = 23
target = {{ group = "leaders", selection = "random", share = 1.0 }}
uptake = 0.2
effect = {effect}
openness = {openness}
engagement_half_life = 6
"#
    )
}

#[test]
fn engagement_without_persuasion_stays_within_noise_of_baseline() {
    // Placebo (MODEL.md section 3, step 5): contact without persuasion
    // (effect = 0) at the default openness (0.2), every leader engaged
    // within months. Tolerance: the mean paired
    // difference in women's participation, over the programme's last year
    // and over the year after it, is under 1.5 points in absolute value.
    let rs = run(&scenario(&engagement(0.0, 0.2), &[]));
    for (what, months) in [("programme's last year", 12..24), ("year after", 36..48)] {
        let (d, wins) =
            paired(&monthly(&rs, "baseline", col::PARTICIPATION, months.clone()), &monthly(&rs, "leaders", col::PARTICIPATION, months));
        eprintln!("placebo, {what}: {d:.5} ({wins}/8 higher)");
        assert!(d.abs() < 0.015, "placebo engagement moved participation by {d:.4} in the {what} (tolerance 0.015)");
    }
}

#[test]
fn openness_lowers_stubbornness_only_while_funded_and_off_gives_less() {
    let s = scenario(&engagement(0.02, 0.3), &[]);
    let on = run(&s);
    let off = run(&without(&s, Channel::LeaderOpenness));
    // Persuasion moves open leaders further than closed ones.
    let a = monthly(&off, "leaders", col::ATTITUDE_LEADERS, 18..24);
    let b = monthly(&on, "leaders", col::ATTITUDE_LEADERS, 18..24);
    assert_higher("leaders' attitude, openness on against off", &a, &b, 0.01, 7);
    // Once funding stops, openness wears off: leaders' attitude falls back
    // toward the role's anchor, and the gain it had narrows.
    let during: Vec<f64> = a.iter().zip(&b).map(|(x, y)| y - x).collect();
    let a = monthly(&off, "leaders", col::ATTITUDE_LEADERS, 42..48);
    let b = monthly(&on, "leaders", col::ATTITUDE_LEADERS, 42..48);
    let after: Vec<f64> = a.iter().zip(&b).map(|(x, y)| y - x).collect();
    assert_higher("openness gain narrows after funding stops", &after, &during, 0.0, 7);
}

#[test]
fn persuasion_off_gives_less() {
    let s = scenario(&engagement(0.02, 0.3), &[]);
    let on = run(&s);
    let off = run(&without(&s, Channel::Persuasion));
    let a = monthly(&off, "leaders", col::ATTITUDE_LEADERS, 12..24);
    let b = monthly(&on, "leaders", col::ATTITUDE_LEADERS, 12..24);
    assert_higher("leaders' attitude, persuasion on against off", &a, &b, 0.02, 8);
}

/// A quota of `count` of 12 seats per council for months 0-23, enforced in full.
fn quota(count: u32) -> String {
    format!(
        r#"
[[strategies]]
name = "quota"
[[strategies.interventions]]
kind = "quota"
start = 0
end = 23
target = {{ group = "women", selection = "inclusive", count = {count}, per_village = true }}
exposure_effect = 0.02
pipeline = 0.5
"#
    )
}

const QUOTA_SETS: [&str; 2] = ["context.political_will=1", "council.seats=12"];

#[test]
fn quota_seats_are_held_and_counted() {
    let rs = run(&scenario(&quota(4), &QUOTA_SETS));
    for r in rs.iter().filter(|r| r.id.strategy == "quota") {
        // Full political will: every reserved seat is sat in, 4 of 12.
        for m in &r.months[..24] {
            assert!((m[col::SEATS_WOMEN] - 4.0 / 12.0).abs() < 1e-12, "seats_women {}", m[col::SEATS_WOMEN]);
        }
        assert!(r.months[24..].iter().all(|m| m[col::SEATS_WOMEN] == 0.0), "seats go back when the quota ends");
        assert!((r.summary[sum::SEATS_WOMEN_END] - 4.0 / 12.0).abs() < 1e-12);
    }
    assert!(rs.iter().filter(|r| r.id.strategy == "baseline").all(|r| r.months.iter().all(|m| m[col::SEATS_WOMEN] == 0.0)));
    // Weak enforcement: about `political_will` of the seats are real.
    let weak = run(&scenario(&quota(12), &["context.political_will=0.4", "council.seats=12"]));
    let held: Vec<f64> = weak.iter().filter(|r| r.id.strategy == "quota").map(|r| r.months[0][col::SEATS_WOMEN]).collect();
    let mean = held.iter().sum::<f64>() / held.len() as f64;
    assert!((mean - 0.4).abs() < 0.08, "with political will 0.4, {mean:.3} of seats held by women sitting (want 0.4 ± 0.08)");
}

#[test]
fn a_quota_nobody_enforces_is_bit_identical_to_baseline_but_for_cost() {
    // political_will = 0: every reserved seat is held in name only, so no
    // seat, exposure, pipeline or seat backlash: only the cost differs.
    let rs = run(&scenario(&quota(4), &["context.political_will=0"]));
    let base: Vec<&RunResult> = rs.iter().filter(|r| r.id.strategy == "baseline").collect();
    let q: Vec<&RunResult> = rs.iter().filter(|r| r.id.strategy == "quota").collect();
    for (a, b) in base.iter().zip(&q) {
        for (ma, mb) in a.months.iter().zip(&b.months) {
            for k in 0..ma.len() {
                if k != col::COST {
                    assert_eq!(ma[k].to_bits(), mb[k].to_bits(), "column {k}");
                }
            }
        }
    }
    // Leader engagement nobody takes up (uptake 0) likewise.
    let rs = run(&scenario(&engagement(0.05, 0.9).replace("uptake = 0.2", "uptake = 0"), &[]));
    let base: Vec<&RunResult> = rs.iter().filter(|r| r.id.strategy == "baseline").collect();
    let l: Vec<&RunResult> = rs.iter().filter(|r| r.id.strategy == "leaders").collect();
    for (a, b) in base.iter().zip(&l) {
        for (ma, mb) in a.months.iter().zip(&b.months) {
            for k in 0..ma.len() {
                if k != col::COST {
                    assert_eq!(ma[k].to_bits(), mb[k].to_bits(), "column {k}");
                }
            }
        }
    }
}

#[test]
fn quota_channels_off_give_less() {
    let s = scenario(&quota(6), &QUOTA_SETS);
    let on = run(&s);
    // Visibility: seat holders seen at the council raise other women's
    // empirical expectations, so participation during the quota.
    let off = run(&without(&s, Channel::Visibility));
    let a = monthly(&off, "quota", col::EMPIRICAL_WOMEN, 6..24);
    let b = monthly(&on, "quota", col::EMPIRICAL_WOMEN, 6..24);
    assert_higher("women's empirical expectation, visibility on against off", &a, &b, 0.002, 7);
    // Exposure: men's attitudes during the quota.
    let off = run(&without(&s, Channel::Exposure));
    let a = monthly(&off, "quota", col::ATTITUDE_MEN, 12..24);
    let b = monthly(&on, "quota", col::ATTITUDE_MEN, 12..24);
    assert_higher("men's attitude, exposure on against off", &a, &b, 0.005, 8);
    // Pipeline: participation after the quota ends.
    let off = run(&without(&s, Channel::Pipeline));
    let a = monthly(&off, "quota", col::PARTICIPATION, 30..48);
    let b = monthly(&on, "quota", col::PARTICIPATION, 30..48);
    assert_higher("participation after the quota, pipeline on against off", &a, &b, 0.002, 7);
    // Seat backlash is a harm channel: off gives fewer sanctions.
    let off = run(&without(&s, Channel::SeatBacklash));
    let a = monthly(&off, "quota", col::SANCTIONS, 0..24);
    let b = monthly(&on, "quota", col::SANCTIONS, 0..24);
    assert_higher("sanctions, seat backlash on against off", &a, &b, 0.1, 7);
}

#[test]
fn part_of_a_quotas_gain_outlasts_it_and_it_neither_jumps_nor_vanishes() {
    // Pattern 3 (v2): after the quota ends (month 23), participation stays
    // above baseline in the second year after it (paired mean at least 0.3
    // points, in at least 6 of 8 replicates), and below what it was during
    // the quota (the seat holders no longer have to attend).
    let rs = run(&scenario(&quota(6), &QUOTA_SETS));
    let base_after = monthly(&rs, "baseline", col::PARTICIPATION, 36..48);
    let after = monthly(&rs, "quota", col::PARTICIPATION, 36..48);
    let during = monthly(&rs, "quota", col::PARTICIPATION, 12..24);
    assert_higher("quota's gain a year after it ended", &base_after, &after, 0.003, 6);
    assert_higher("participation falls back when the quota ends", &after, &during, 0.005, 7);
    // It does not vanish at once: the year after keeps some of the gain too.
    let base_next = monthly(&rs, "baseline", col::PARTICIPATION, 24..36);
    let next = monthly(&rs, "quota", col::PARTICIPATION, 24..36);
    assert_higher("quota's gain in the first year after it ended", &base_next, &next, 0.003, 6);
    // The quota raises sanctions (seat holders attend and are targeted more).
    let a = monthly(&rs, "baseline", col::SANCTIONS, 0..24);
    let b = monthly(&rs, "quota", col::SANCTIONS, 0..24);
    assert_higher("sanctions during the quota", &a, &b, 0.5, 8);
}

#[test]
fn women_attend_only_in_months_the_council_meets() {
    let rs = run(&scenario("", &["council.meetings_per_year=4"]));
    for r in &rs {
        for (m, row) in r.months.iter().enumerate() {
            // Burn-in is 96 months, so the calendar of month m is 96 + m.
            let held = meeting_held(4, 96 + m as u32);
            assert_eq!(row[col::MEETING], f64::from(u8::from(held)), "month {m}");
            if !held {
                // No meeting: nobody is sanctioned for attending, and the
                // stance is the last meeting's.
                assert_eq!(row[col::SANCTIONS], 0.0, "month {m}");
                assert_eq!(row[col::PARTICIPATION], r.months[m - 1][col::PARTICIPATION], "month {m}");
            }
            let kinds = row[col::HARASSMENT] + row[col::STIGMA] + row[col::VIOLENCE];
            assert_eq!(kinds, row[col::SANCTIONS], "month {m}: the kinds add up to the sanctions");
        }
        let h: f64 = r.summary[sum::HARASSMENT_TOTAL];
        let st: f64 = r.summary[sum::STIGMA_TOTAL];
        assert_eq!(h + st + r.summary[sum::VIOLENCE_TOTAL], r.summary[sum::SANCTIONS_TOTAL]);
    }
    // The kinds follow the severity shares (0.6, 0.25, 0.15): over all runs,
    // harassment is 0.6 / 0.85 of the non-violent sanctions, ± 0.05.
    let (h, st): (f64, f64) =
        rs.iter().map(|r| (r.summary[sum::HARASSMENT_TOTAL], r.summary[sum::STIGMA_TOTAL])).fold((0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1));
    assert!(h + st > 100.0, "too few sanctions to check the shares: {}", h + st);
    assert!((h / (h + st) - 0.6 / 0.85).abs() < 0.05, "harassment share {:.3}", h / (h + st));
    // Fewer meetings: fewer women attend in a given month than attended in
    // the past year; with monthly meetings, men's yearly attendance is
    // close to 1 - 0.7^12 for members.
    for r in &rs {
        let last = r.months.last().unwrap();
        assert!(last[col::ATTENDED_PAST_YEAR] >= last[col::PARTICIPATION] - 1e-12);
        assert!(last[col::ATTENDED_PAST_YEAR_MEN] > 0.5, "men attending in the past year {}", last[col::ATTENDED_PAST_YEAR_MEN]);
    }
}

#[test]
fn new_columns_equal_a_plain_recount_from_agent_states() {
    // Step a run by hand through the public API and re-count
    // attended_past_year (women and men), seats_women and the sanction
    // kinds from the agents' states each month.
    let s = scenario(&quota(5), &["context.political_will=0.6", "council.meetings_per_year=6", "backlash.rate=0.2"]);
    let seed = normshift::rng::replicate_seed(s.seed, 0);
    let world = init::build_world(&s, seed, None);
    let params = Params::new(&s);
    let mut cur = init::initial_state(&s, &world, &params, seed);
    let mut next = cur.clone();
    let mut levers = Levers::new(world.len(), world.village_women.len());
    let mut villages = Villages::new(&world, &cur);
    let mut carry = Carry::default();
    let rule = Rule::of(&s);
    let iv = &s.strategy("quota").unwrap().interventions;
    let mut programme = Programme::new(iv, s.context.political_will, &world, seed, 1.0).with_internalisation(s.attitudes.internalisation);
    let recorder = Recorder::new(&world);
    let (mut seen_seats, mut seen_attend, mut seen_kinds) = (false, false, false);
    for m in 0..36u32 {
        programme.apply(&world, &mut cur, &mut levers, &villages, seed, m);
        levers.context(&s.context, m);
        levers.meeting = meeting_held(params.meetings_per_year, m);
        advance(rule, &world, &params, &levers, &mut villages, &mut carry, &cur, &mut next, seed, m + 2, false);
        std::mem::swap(&mut cur, &mut next);
        let got = recorder.month(&cur, &levers, programme.cost);
        let women: Vec<usize> = (0..world.len()).filter(|&i| world.agents.is_woman(i)).collect();
        let men: Vec<usize> = (0..world.len()).filter(|&i| !world.agents.is_woman(i)).collect();
        let share = |who: &[usize], f: &dyn Fn(usize) -> bool| who.iter().filter(|&&i| f(i)).count() as f64 / who.len() as f64;
        let recent = |i: usize| cur.core[i].since < 12;
        let seats = world.village_women.len() as f64 * f64::from(world.council_seats);
        let seated = women.iter().filter(|&&i| levers.quota[i] != 0).count() as f64;
        let (mut h, mut st, mut v) = (0u32, 0u32, 0u32);
        for &i in &women {
            let x = cur.hits[i];
            v += u32::from(x.violent);
            st += u32::from(x.stigma);
            h += u32::from(x.sanctions - x.violent - x.stigma);
        }
        assert_eq!(got[col::ATTENDED_PAST_YEAR], share(&women, &recent), "month {m}");
        assert_eq!(got[col::ATTENDED_PAST_YEAR_MEN], share(&men, &recent), "month {m}");
        assert_eq!(got[col::SEATS_WOMEN], seated / seats, "month {m}");
        assert_eq!((got[col::HARASSMENT], got[col::STIGMA], got[col::VIOLENCE]), (f64::from(h), f64::from(st), f64::from(v)), "month {m}");
        // Women attend only when the council meets; a seat holder attends every meeting.
        for &i in &women {
            if levers.meeting {
                assert_eq!(cur.core[i].stance == stance::ACTS, cur.core[i].since == 0, "month {m}, woman {i}");
                if levers.quota[i] != 0 {
                    assert_eq!(cur.core[i].stance, stance::ACTS, "month {m}: a seat holder attends");
                }
            } else {
                assert_ne!(cur.core[i].since, 0, "month {m}: no meeting, nobody attended");
            }
        }
        seen_seats |= seated > 0.0;
        seen_attend |= got[col::ATTENDED_PAST_YEAR] > 0.0 && women.iter().any(|&i| cur.core[i].since == NEVER);
        seen_kinds |= h > 0 && st > 0;
    }
    assert!(
        seen_seats && seen_attend && seen_kinds,
        "the re-count must have met seats {seen_seats}, attendance {seen_attend}, kinds {seen_kinds}"
    );
}

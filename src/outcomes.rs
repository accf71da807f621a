//! Outcomes (MODEL.md section 6): one row per month and one summary per run.
//! Column names are stable and documented here once; output tables use
//! exactly these names.

use crate::interventions::Levers;
use crate::model::{State, World, champion, stance};
use crate::population::{Role, attr};

/// Monthly outcome columns, in output order.
pub const MONTH_COLUMNS: [&str; 22] = [
    "participation",
    "participation_elite",
    "participation_non_elite",
    "participation_disabled",
    "participation_marginalised",
    "participation_youth",
    "participation_gap",
    "men_support",
    "men_oppose",
    "attitude_women",
    "attitude_men",
    "attitude_leaders",
    "empirical",
    "normative",
    "sanctions",
    "violence",
    "women_sanctioned",
    "champions_active",
    "leaders_engaged",
    "cost",
    "adoption",
    "ally_sanctions",
];

/// Indices into [`MONTH_COLUMNS`].
pub mod col {
    pub const PARTICIPATION: usize = 0;
    pub const PARTICIPATION_ELITE: usize = 1;
    pub const PARTICIPATION_NON_ELITE: usize = 2;
    pub const PARTICIPATION_DISABLED: usize = 3;
    pub const PARTICIPATION_MARGINALISED: usize = 4;
    pub const PARTICIPATION_YOUTH: usize = 5;
    pub const PARTICIPATION_GAP: usize = 6;
    pub const MEN_SUPPORT: usize = 7;
    pub const MEN_OPPOSE: usize = 8;
    pub const ATTITUDE_WOMEN: usize = 9;
    pub const ATTITUDE_MEN: usize = 10;
    pub const ATTITUDE_LEADERS: usize = 11;
    pub const EMPIRICAL: usize = 12;
    pub const NORMATIVE: usize = 13;
    pub const SANCTIONS: usize = 14;
    pub const VIOLENCE: usize = 15;
    pub const WOMEN_SANCTIONED: usize = 16;
    pub const CHAMPIONS_ACTIVE: usize = 17;
    pub const LEADERS_ENGAGED: usize = 18;
    pub const COST: usize = 19;
    pub const ADOPTION: usize = 20;
    pub const ALLY_SANCTIONS: usize = 21;
}

/// One month's outcomes, indexed by [`col`].
pub type Month = [f64; MONTH_COLUMNS.len()];

/// Summary columns of a run, in output order.
pub const SUMMARY_COLUMNS: [&str; 14] = [
    "participation_final",
    "participation_end",
    "participation_peak",
    "tipping_month",
    "held",
    "sanctions_total",
    "violence_total",
    "participation_gap_final",
    "cost_total",
    "adoption_final",
    "adoption_peak",
    "women_sanctioned_mean",
    "participation_gap_end",
    "tipped",
];

/// Indices into [`SUMMARY_COLUMNS`].
pub mod sum {
    pub const PARTICIPATION_FINAL: usize = 0;
    pub const PARTICIPATION_END: usize = 1;
    pub const PARTICIPATION_PEAK: usize = 2;
    pub const TIPPING_MONTH: usize = 3;
    pub const HELD: usize = 4;
    pub const SANCTIONS_TOTAL: usize = 5;
    pub const VIOLENCE_TOTAL: usize = 6;
    pub const PARTICIPATION_GAP_FINAL: usize = 7;
    pub const COST_TOTAL: usize = 8;
    pub const ADOPTION_FINAL: usize = 9;
    pub const ADOPTION_PEAK: usize = 10;
    pub const WOMEN_SANCTIONED_MEAN: usize = 11;
    pub const PARTICIPATION_GAP_END: usize = 12;
    pub const TIPPED: usize = 13;
}

/// A run's summary, indexed by [`sum`]; NaN where there is no value (no tipping).
pub type Summary = [f64; SUMMARY_COLUMNS.len()];

#[derive(Default, Clone, Copy)]
struct Share {
    n: u64,
    k: u64,
}

impl Share {
    fn add(&mut self, yes: bool) {
        self.n += 1;
        self.k += u64::from(yes);
    }
    fn get(self) -> f64 {
        if self.n == 0 { 0.0 } else { self.k as f64 / self.n as f64 }
    }
}

/// Aggregate one month from the state after its step.
pub fn record(world: &World, state: &State, levers: &Levers, cost: f64) -> Month {
    let a = &world.agents;
    let (mut women, mut elite, mut non_elite, mut disabled, mut marg, mut youth) =
        (Share::default(), Share::default(), Share::default(), Share::default(), Share::default(), Share::default());
    let (mut support, mut oppose) = (Share::default(), Share::default());
    let (mut att_w, mut att_m, mut att_l) = ((0.0f64, 0u64), (0.0f64, 0u64), (0.0f64, 0u64));
    let (mut emp, mut norm) = (0.0f64, 0.0f64);
    let (mut sanctions, mut violence, mut ally) = (0u64, 0u64, 0u64);
    let mut sanctioned = Share::default();
    let (mut champions, mut engaged, mut adopters) = (0u64, 0u64, 0u64);
    for (i, (c, h)) in state.core.iter().zip(&state.hits).enumerate() {
        let acts = c.stance == stance::ACTS;
        adopters += u64::from(acts);
        emp += f64::from(c.empirical);
        norm += f64::from(c.normative);
        if a.has(i, attr::WOMAN) {
            women.add(acts);
            if a.has(i, attr::ELITE) {
                elite.add(acts);
            } else {
                non_elite.add(acts);
            }
            if a.has(i, attr::DISABLED) {
                disabled.add(acts);
            }
            if a.has(i, attr::MARGINALISED) {
                marg.add(acts);
            }
            if a.has(i, attr::YOUTH) {
                youth.add(acts);
            }
            att_w.0 += f64::from(c.attitude);
            att_w.1 += 1;
            sanctions += u64::from(h.sanctions);
            violence += u64::from(h.violent);
            if acts {
                sanctioned.add(h.sanctions > 0);
            }
        } else {
            support.add(acts);
            oppose.add(c.stance == stance::OPPOSES);
            ally += u64::from(h.sanctions);
            champions += u64::from(h.champion == champion::ACTIVE);
        }
        if a.role[i] == Role::Member {
            if !a.has(i, attr::WOMAN) {
                att_m.0 += f64::from(c.attitude);
                att_m.1 += 1;
            }
        } else {
            att_l.0 += f64::from(c.attitude);
            att_l.1 += 1;
            engaged += u64::from(levers.engaged[i] != 0);
        }
    }
    let mean = |x: (f64, u64)| if x.1 == 0 { 0.0 } else { x.0 / x.1 as f64 };
    let n = state.core.len().max(1) as f64;
    let mut m = [0.0; MONTH_COLUMNS.len()];
    m[col::PARTICIPATION] = women.get();
    m[col::PARTICIPATION_ELITE] = elite.get();
    m[col::PARTICIPATION_NON_ELITE] = non_elite.get();
    m[col::PARTICIPATION_DISABLED] = disabled.get();
    m[col::PARTICIPATION_MARGINALISED] = marg.get();
    m[col::PARTICIPATION_YOUTH] = youth.get();
    m[col::PARTICIPATION_GAP] = elite.get() - non_elite.get();
    m[col::MEN_SUPPORT] = support.get();
    m[col::MEN_OPPOSE] = oppose.get();
    m[col::ATTITUDE_WOMEN] = mean(att_w);
    m[col::ATTITUDE_MEN] = mean(att_m);
    m[col::ATTITUDE_LEADERS] = mean(att_l);
    m[col::EMPIRICAL] = emp / n;
    m[col::NORMATIVE] = norm / n;
    m[col::SANCTIONS] = sanctions as f64;
    m[col::VIOLENCE] = violence as f64;
    m[col::WOMEN_SANCTIONED] = sanctioned.get();
    m[col::CHAMPIONS_ACTIVE] = champions as f64;
    m[col::LEADERS_ENGAGED] = engaged as f64;
    m[col::COST] = cost;
    m[col::ADOPTION] = adopters as f64 / n;
    m[col::ALLY_SANCTIONS] = ally as f64;
    m
}

/// Summarise a run's months. `programme_end` is the month whose
/// participation counts as end-of-programme; `tipping_level` the level
/// that counts as tipped.
pub fn summarise(months: &[Month], programme_end: u32, tipping_level: f64) -> Summary {
    let mut s = [f64::NAN; SUMMARY_COLUMNS.len()];
    let Some(last) = months.last() else { return s };
    let p = |m: &Month| m[col::PARTICIPATION];
    let end = &months[(programme_end as usize).min(months.len() - 1)];
    s[sum::PARTICIPATION_FINAL] = p(last);
    s[sum::PARTICIPATION_END] = p(end);
    s[sum::PARTICIPATION_PEAK] = months.iter().map(p).fold(0.0, f64::max);
    // First month from which participation stays at or above the level.
    let mut tip = None;
    for (t, m) in months.iter().enumerate().rev() {
        if p(m) >= tipping_level {
            tip = Some(t);
        } else {
            break;
        }
    }
    s[sum::TIPPING_MONTH] = tip.map_or(f64::NAN, |t| t as f64);
    s[sum::HELD] = f64::from(u8::from(p(last) >= 0.9 * p(end)));
    s[sum::SANCTIONS_TOTAL] = months.iter().map(|m| m[col::SANCTIONS]).sum();
    s[sum::VIOLENCE_TOTAL] = months.iter().map(|m| m[col::VIOLENCE]).sum();
    s[sum::PARTICIPATION_GAP_FINAL] = last[col::PARTICIPATION_GAP];
    s[sum::COST_TOTAL] = last[col::COST];
    s[sum::ADOPTION_FINAL] = last[col::ADOPTION];
    s[sum::ADOPTION_PEAK] = months.iter().map(|m| m[col::ADOPTION]).fold(0.0, f64::max);
    s[sum::PARTICIPATION_GAP_END] = end[col::PARTICIPATION_GAP];
    s[sum::TIPPED] = f64::from(u8::from(tip.is_some()));
    s[sum::WOMEN_SANCTIONED_MEAN] = months.iter().map(|m| m[col::WOMEN_SANCTIONED]).sum::<f64>() / months.len() as f64;
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn months(ps: &[f64]) -> Vec<Month> {
        ps.iter()
            .map(|&p| {
                let mut m = [0.0; MONTH_COLUMNS.len()];
                m[col::PARTICIPATION] = p;
                m
            })
            .collect()
    }

    #[test]
    fn tipping_is_the_first_month_that_stays_above() {
        let s = summarise(&months(&[0.1, 0.4, 0.2, 0.35, 0.5, 0.6]), 3, 0.3);
        assert_eq!(s[sum::TIPPING_MONTH], 3.0);
        assert_eq!(s[sum::PARTICIPATION_END], 0.35);
        assert_eq!(s[sum::HELD], 1.0);
        assert_eq!(s[sum::PARTICIPATION_PEAK], 0.6);
        let s = summarise(&months(&[0.1, 0.4, 0.2]), 1, 0.3);
        assert!(s[sum::TIPPING_MONTH].is_nan());
        assert_eq!(s[sum::HELD], 0.0);
    }
}

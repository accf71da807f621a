//! Outcomes (MODEL.md section 6): one row per month and one summary per run.
//! Column names are stable and documented here once; output tables use
//! exactly these names.

use crate::model::{Levers, State, World, champion, stance};
use crate::population::{Role, attr};

/// Monthly outcome columns, in output order.
pub const MONTH_COLUMNS: [&str; 33] = [
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
    "fear",
    "empirical_women",
    "empirical_men",
    "normative_women",
    "normative_men",
    "meeting",
    "attended_past_year",
    "attended_past_year_men",
    "seats_women",
    "harassment",
    "stigma",
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
    /// Women's mean fear (expected sanction), MODEL.md section 6.
    pub const FEAR: usize = 22;
    pub const EMPIRICAL_WOMEN: usize = 23;
    pub const EMPIRICAL_MEN: usize = 24;
    pub const NORMATIVE_WOMEN: usize = 25;
    pub const NORMATIVE_MEN: usize = 26;
    /// 1 if the council met this month, else 0.
    pub const MEETING: usize = 27;
    /// Share of women who attended at least one meeting in the last 12 months.
    pub const ATTENDED_PAST_YEAR: usize = 28;
    /// The same for men.
    pub const ATTENDED_PAST_YEAR_MEN: usize = 29;
    /// Share of all council seats held by women sitting in them.
    pub const SEATS_WOMEN: usize = 30;
    /// Sanctions against women this month that were harassment.
    pub const HARASSMENT: usize = 31;
    /// Sanctions against women this month that were stigma.
    pub const STIGMA: usize = 32;
}

/// One month's outcomes, indexed by [`col`].
pub type Month = [f64; MONTH_COLUMNS.len()];

/// Summary columns of a run, in output order.
pub const SUMMARY_COLUMNS: [&str; 20] = [
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
    "attended_past_year_end",
    "attended_past_year_final",
    "attended_past_year_men_final",
    "seats_women_end",
    "harassment_total",
    "stigma_total",
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
    pub const ATTENDED_PAST_YEAR_END: usize = 14;
    pub const ATTENDED_PAST_YEAR_FINAL: usize = 15;
    pub const ATTENDED_PAST_YEAR_MEN_FINAL: usize = 16;
    pub const SEATS_WOMEN_END: usize = 17;
    pub const HARASSMENT_TOTAL: usize = 18;
    pub const STIGMA_TOTAL: usize = 19;
}

/// A run's summary, indexed by [`sum`]; NaN where there is no value (no tipping).
pub type Summary = [f64; SUMMARY_COLUMNS.len()];

/// Attribute bits that split the monthly aggregates (see [`group`]).
const GROUP_ATTRS: u8 = attr::WOMAN | attr::ELITE | attr::DISABLED | attr::MARGINALISED | attr::YOUTH;
/// The bit of [`group`] that marks a leader (the place of `attr::HEAD`,
/// which the aggregates do not use).
const GROUP_LEADER: u8 = attr::HEAD;
const GROUPS: usize = 64;

/// An agent's aggregation group: its attribute bits that outcomes split by,
/// plus whether it is a leader.
fn group(attrs: u8, role: Role) -> u8 {
    (attrs & GROUP_ATTRS) | if role == Role::Member { 0 } else { GROUP_LEADER }
}

/// Byte lanes of the tally word: acting agents by group (opposing men in
/// the last lane).
mod lane {
    pub const WOMEN: usize = 0;
    pub const ELITE: usize = 1;
    pub const NON_ELITE: usize = 2;
    pub const DISABLED: usize = 3;
    pub const MARGINALISED: usize = 4;
    pub const YOUTH: usize = 5;
    pub const MEN: usize = 6;
    pub const MEN_OPPOSING: usize = 7;
}

/// A run's monthly aggregation: each agent's group, the size of every
/// group, and the lane words a group adds to. Built once per run; each
/// month is then one branch-light pass over the agents.
pub struct Recorder {
    group: Vec<u8>,
    /// Agents per group.
    size: [u64; GROUPS],
    /// `acts` lane word by group and stance: `[group << 2 | stance]`.
    acts: [u64; GROUPS * 4],
    /// Per group, which attitude mean an agent counts in: women, men, leaders.
    attitude: [[f64; 3]; GROUPS],
    /// Council seats in the world (villages times seats per council).
    seats: u64,
}

/// Totals of what the rare path counts.
#[derive(Default)]
struct Rare {
    women_sanctions: u64,
    women_violent: u64,
    women_stigma: u64,
    seated: u64,
    men_sanctions: u64,
    women_acting_sanctioned: u64,
    men_champions: u64,
    leaders_engaged: u64,
}

impl Recorder {
    /// The recorder for `world`.
    pub fn new(world: &World) -> Recorder {
        let a = &world.agents;
        let group: Vec<u8> = a.attrs.iter().zip(&a.role).map(|(&x, &r)| group(x, r)).collect();
        let mut size = [0u64; GROUPS];
        for &k in &group {
            size[usize::from(k)] += 1;
        }
        let byte = |on: bool, lane: usize| u64::from(on) << (8 * lane);
        let mut acts = [0u64; GROUPS * 4];
        let mut attitude = [[0.0; 3]; GROUPS];
        for k in 0..GROUPS {
            let has = |bit: u8| k as u8 & bit != 0;
            let (woman, leader) = (has(attr::WOMAN), has(GROUP_LEADER));
            let man = !woman;
            acts[k << 2 | usize::from(stance::ACTS)] = byte(woman, lane::WOMEN)
                | byte(woman && has(attr::ELITE), lane::ELITE)
                | byte(woman && !has(attr::ELITE), lane::NON_ELITE)
                | byte(woman && has(attr::DISABLED), lane::DISABLED)
                | byte(woman && has(attr::MARGINALISED), lane::MARGINALISED)
                | byte(woman && has(attr::YOUTH), lane::YOUTH)
                | byte(man, lane::MEN);
            acts[k << 2 | usize::from(stance::OPPOSES)] = byte(man, lane::MEN_OPPOSING);
            attitude[k] = [f64::from(u8::from(woman)), f64::from(u8::from(man && !leader)), f64::from(u8::from(leader))];
        }
        let seats = world.village_women.len() as u64 * u64::from(world.council_seats);
        Recorder { group, size, acts, attitude, seats }
    }

    /// Agents in the groups `pick` accepts.
    fn count(&self, pick: impl Fn(u8) -> bool) -> u64 {
        (0..GROUPS as u8).filter(|&k| pick(k)).map(|k| self.size[usize::from(k)]).sum()
    }

    /// Aggregate one month from the state after its step.
    ///
    /// Each agent adds its group's lane word for its stance to a 64-bit
    /// tally of byte-wide counters, spilled into totals every 255 agents
    /// before a byte can overflow; sanctions, champions and engagement (rare)
    /// take a branch; attitude sums are kept per audience in the agents'
    /// order. Every column is exactly what a plain per-agent count gives.
    pub fn month(&self, state: &State, levers: &Levers, cost: f64) -> Month {
        let n = state.core.len();
        let (group, hits, engaged, seat) = (&self.group[..n], &state.hits[..n], &levers.engaged[..n], &levers.quota[..n]);
        let mut acts = [0u64; 8];
        let mut rare = Rare::default();
        let (mut att, mut emp, mut norm) = ([0.0f64; 3], 0.0f64, 0.0f64);
        // By gender, indexed by `is a woman`: expectations, and women's fear.
        let (mut emp_by, mut norm_by, mut fear) = ([0.0f64; 2], [0.0f64; 2], 0.0f64);
        // Attended a meeting within the last 12 months, by `is a woman`.
        let mut attended = [0u64; 2];
        // 255 agents add at most 255 to a byte lane.
        const SPAN: usize = 255;
        for start in (0..n).step_by(SPAN) {
            let mut tally = 0u64;
            for i in start..(start + SPAN).min(n) {
                let c = &state.core[i];
                let k = usize::from(group[i]);
                tally += self.acts[k << 2 | usize::from(c.stance & 3)];
                let (h, e) = (hits[i], engaged[i]);
                if h.sanctions | h.champion | e | seat[i] != 0 {
                    let (woman, leader) = (k as u8 & attr::WOMAN != 0, k as u8 & GROUP_LEADER != 0);
                    let s = u64::from(h.sanctions);
                    if woman {
                        rare.women_sanctions += s;
                        rare.women_violent += u64::from(h.violent);
                        rare.women_stigma += u64::from(h.stigma);
                        rare.seated += u64::from(seat[i] != 0);
                        rare.women_acting_sanctioned += u64::from(s > 0 && c.stance == stance::ACTS);
                    } else {
                        rare.men_sanctions += s;
                        rare.men_champions += u64::from(h.champion == champion::ACTIVE);
                    }
                    rare.leaders_engaged += u64::from(leader && e != 0);
                }
                let x = f64::from(c.attitude);
                for (sum, w) in att.iter_mut().zip(self.attitude[k]) {
                    *sum += x * w;
                }
                let (e, q) = (f64::from(c.empirical), f64::from(c.normative));
                emp += e;
                norm += q;
                let w = usize::from(k as u8 & attr::WOMAN != 0);
                emp_by[w] += e;
                norm_by[w] += q;
                fear += f64::from(c.fear) * w as f64;
                attended[w] += u64::from(c.since < 12);
            }
            for (l, total) in acts.iter_mut().enumerate() {
                *total += (tally >> (8 * l)) & 0xFF;
            }
        }
        let woman = |k: u8| k & attr::WOMAN != 0;
        let man = |k: u8| !woman(k);
        let leader = |k: u8| k & GROUP_LEADER != 0;
        let woman_with = |bit: u8| move |k: u8| woman(k) && k & bit != 0;
        let share = |lane: usize, who: u64| if who == 0 { 0.0 } else { acts[lane] as f64 / who as f64 };
        let mean = |sum: f64, who: u64| if who == 0 { 0.0 } else { sum / who as f64 };
        let (women, men) = (self.count(woman), self.count(man));
        let nf = n.max(1) as f64;
        let mut m = [0.0; MONTH_COLUMNS.len()];
        m[col::PARTICIPATION] = share(lane::WOMEN, women);
        m[col::PARTICIPATION_ELITE] = share(lane::ELITE, self.count(woman_with(attr::ELITE)));
        m[col::PARTICIPATION_NON_ELITE] = share(lane::NON_ELITE, self.count(|k| woman(k) && k & attr::ELITE == 0));
        m[col::PARTICIPATION_DISABLED] = share(lane::DISABLED, self.count(woman_with(attr::DISABLED)));
        m[col::PARTICIPATION_MARGINALISED] = share(lane::MARGINALISED, self.count(woman_with(attr::MARGINALISED)));
        m[col::PARTICIPATION_YOUTH] = share(lane::YOUTH, self.count(woman_with(attr::YOUTH)));
        m[col::PARTICIPATION_GAP] = m[col::PARTICIPATION_ELITE] - m[col::PARTICIPATION_NON_ELITE];
        m[col::MEN_SUPPORT] = share(lane::MEN, men);
        m[col::MEN_OPPOSE] = share(lane::MEN_OPPOSING, men);
        m[col::ATTITUDE_WOMEN] = mean(att[0], women);
        m[col::ATTITUDE_MEN] = mean(att[1], self.count(|k| man(k) && !leader(k)));
        m[col::ATTITUDE_LEADERS] = mean(att[2], self.count(leader));
        m[col::EMPIRICAL] = emp / nf;
        m[col::NORMATIVE] = norm / nf;
        m[col::SANCTIONS] = rare.women_sanctions as f64;
        m[col::VIOLENCE] = rare.women_violent as f64;
        m[col::WOMEN_SANCTIONED] = mean(rare.women_acting_sanctioned as f64, acts[lane::WOMEN]);
        m[col::CHAMPIONS_ACTIVE] = rare.men_champions as f64;
        m[col::LEADERS_ENGAGED] = rare.leaders_engaged as f64;
        m[col::COST] = cost;
        m[col::ADOPTION] = (acts[lane::WOMEN] + acts[lane::MEN]) as f64 / nf;
        m[col::ALLY_SANCTIONS] = rare.men_sanctions as f64;
        m[col::FEAR] = mean(fear, women);
        m[col::EMPIRICAL_WOMEN] = mean(emp_by[1], women);
        m[col::EMPIRICAL_MEN] = mean(emp_by[0], men);
        m[col::NORMATIVE_WOMEN] = mean(norm_by[1], women);
        m[col::NORMATIVE_MEN] = mean(norm_by[0], men);
        m[col::MEETING] = f64::from(u8::from(levers.meeting));
        m[col::ATTENDED_PAST_YEAR] = mean(attended[1] as f64, women);
        m[col::ATTENDED_PAST_YEAR_MEN] = mean(attended[0] as f64, men);
        m[col::SEATS_WOMEN] = mean(rare.seated as f64, self.seats);
        m[col::HARASSMENT] = (rare.women_sanctions - rare.women_violent - rare.women_stigma) as f64;
        m[col::STIGMA] = rare.women_stigma as f64;
        m
    }
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
    s[sum::ATTENDED_PAST_YEAR_END] = end[col::ATTENDED_PAST_YEAR];
    s[sum::ATTENDED_PAST_YEAR_FINAL] = last[col::ATTENDED_PAST_YEAR];
    s[sum::ATTENDED_PAST_YEAR_MEN_FINAL] = last[col::ATTENDED_PAST_YEAR_MEN];
    s[sum::SEATS_WOMEN_END] = end[col::SEATS_WOMEN];
    s[sum::HARASSMENT_TOTAL] = months.iter().map(|m| m[col::HARASSMENT]).sum();
    s[sum::STIGMA_TOTAL] = months.iter().map(|m| m[col::STIGMA]).sum();
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

    /// The month's columns computed agent by agent, the plain way.
    fn record_plainly(world: &World, state: &State, levers: &Levers) -> Month {
        let a = &world.agents;
        let share = |pick: &dyn Fn(usize) -> bool, yes: &dyn Fn(usize) -> bool| {
            let who: Vec<usize> = (0..world.len()).filter(|&i| pick(i)).collect();
            if who.is_empty() { 0.0 } else { who.iter().filter(|&&i| yes(i)).count() as f64 / who.len() as f64 }
        };
        let mean = |pick: &dyn Fn(usize) -> bool| {
            let who: Vec<usize> = (0..world.len()).filter(|&i| pick(i)).collect();
            who.iter().map(|&i| f64::from(state.core[i].attitude)).sum::<f64>() / who.len().max(1) as f64
        };
        let total =
            |pick: &dyn Fn(usize) -> bool, x: &dyn Fn(usize) -> u64| (0..world.len()).filter(|&i| pick(i)).map(x).sum::<u64>() as f64;
        let acts = |i: usize| state.core[i].stance == stance::ACTS;
        let woman = |i: usize| a.has(i, attr::WOMAN);
        let man = |i: usize| !woman(i);
        let leader = |i: usize| a.role[i] != Role::Member;
        let n = world.len() as f64;
        let mut m = [0.0; MONTH_COLUMNS.len()];
        m[col::PARTICIPATION] = share(&woman, &acts);
        m[col::PARTICIPATION_ELITE] = share(&|i| woman(i) && a.has(i, attr::ELITE), &acts);
        m[col::PARTICIPATION_NON_ELITE] = share(&|i| woman(i) && !a.has(i, attr::ELITE), &acts);
        m[col::PARTICIPATION_DISABLED] = share(&|i| woman(i) && a.has(i, attr::DISABLED), &acts);
        m[col::PARTICIPATION_MARGINALISED] = share(&|i| woman(i) && a.has(i, attr::MARGINALISED), &acts);
        m[col::PARTICIPATION_YOUTH] = share(&|i| woman(i) && a.has(i, attr::YOUTH), &acts);
        m[col::PARTICIPATION_GAP] = m[col::PARTICIPATION_ELITE] - m[col::PARTICIPATION_NON_ELITE];
        m[col::MEN_SUPPORT] = share(&man, &acts);
        m[col::MEN_OPPOSE] = share(&man, &|i| state.core[i].stance == stance::OPPOSES);
        m[col::ATTITUDE_WOMEN] = mean(&woman);
        m[col::ATTITUDE_MEN] = mean(&|i| man(i) && !leader(i));
        m[col::ATTITUDE_LEADERS] = mean(&leader);
        m[col::EMPIRICAL] = state.core.iter().map(|c| f64::from(c.empirical)).sum::<f64>() / n;
        m[col::NORMATIVE] = state.core.iter().map(|c| f64::from(c.normative)).sum::<f64>() / n;
        m[col::SANCTIONS] = total(&woman, &|i| u64::from(state.hits[i].sanctions));
        m[col::VIOLENCE] = total(&woman, &|i| u64::from(state.hits[i].violent));
        m[col::WOMEN_SANCTIONED] = share(&|i| woman(i) && acts(i), &|i| state.hits[i].sanctions > 0);
        m[col::CHAMPIONS_ACTIVE] = total(&man, &|i| u64::from(state.hits[i].champion == champion::ACTIVE));
        m[col::LEADERS_ENGAGED] = total(&leader, &|i| u64::from(levers.engaged[i] != 0));
        m[col::ADOPTION] = (0..world.len()).filter(|&i| acts(i)).count() as f64 / n;
        m[col::ALLY_SANCTIONS] = total(&man, &|i| u64::from(state.hits[i].sanctions));
        let of = |pick: &dyn Fn(usize) -> bool, x: &dyn Fn(&crate::model::Core) -> f32| {
            let who: Vec<usize> = (0..world.len()).filter(|&i| pick(i)).collect();
            who.iter().map(|&i| f64::from(x(&state.core[i]))).sum::<f64>() / who.len().max(1) as f64
        };
        m[col::FEAR] = of(&woman, &|c| c.fear);
        m[col::EMPIRICAL_WOMEN] = of(&woman, &|c| c.empirical);
        m[col::EMPIRICAL_MEN] = of(&man, &|c| c.empirical);
        m[col::NORMATIVE_WOMEN] = of(&woman, &|c| c.normative);
        m[col::NORMATIVE_MEN] = of(&man, &|c| c.normative);
        m[col::MEETING] = f64::from(u8::from(levers.meeting));
        m[col::ATTENDED_PAST_YEAR] = share(&woman, &|i| state.core[i].since < 12);
        m[col::ATTENDED_PAST_YEAR_MEN] = share(&man, &|i| state.core[i].since < 12);
        let seats = world.village_women.len() as f64 * f64::from(world.council_seats);
        m[col::SEATS_WOMEN] = total(&woman, &|i| u64::from(levers.quota[i] != 0)) / seats;
        m[col::STIGMA] = total(&woman, &|i| u64::from(state.hits[i].stigma));
        m[col::HARASSMENT] = m[col::SANCTIONS] - m[col::VIOLENCE] - m[col::STIGMA];
        m
    }

    #[test]
    fn grouped_sums_equal_plain_sums() {
        use crate::model::{Hits, init::build_world};
        use crate::scenario::parse_scenario;
        let s = parse_scenario("name = \"g\"", "test", &["population.villages=4".to_string()]).unwrap();
        let world = build_world(&s, 7, None);
        let n = world.len();
        let mut state = State { core: vec![Default::default(); n], hits: vec![Hits::default(); n], ..Default::default() };
        let mut levers = Levers::new(n, world.village_women.len());
        // A spread of states that touches every group and column.
        for i in 0..n {
            let x = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40;
            let c = &mut state.core[i];
            c.stance = (x % 3) as u8;
            c.attitude = (x % 1000) as f32 / 1000.0;
            c.empirical = (x % 97) as f32 / 97.0;
            c.normative = (x % 89) as f32 / 89.0;
            c.fear = (x % 83) as f32 / 83.0;
            let h = &mut state.hits[i];
            h.sanctions = (x % 4) as u8;
            h.violent = h.sanctions.min((x % 2) as u8);
            h.stigma = (h.sanctions - h.violent).min(((x >> 7) % 3) as u8);
            c.since = [0, 3, 11, 12, 40, crate::model::NEVER][(x % 6) as usize];
            levers.quota[i] = u8::from(world.agents.has(i, attr::WOMAN) && (x >> 9).is_multiple_of(7));
            h.champion = ((x >> 3) % 3) as u8;
            levers.engaged[i] = ((x >> 5) % 2) as u8;
        }
        let got = Recorder::new(&world).month(&state, &levers, 12.5);
        let mut want = record_plainly(&world, &state, &levers);
        want[col::COST] = 12.5;
        for (k, name) in MONTH_COLUMNS.iter().enumerate() {
            assert!((got[k] - want[k]).abs() <= 1e-12 * want[k].abs().max(1.0), "{name}: {} vs {}", got[k], want[k]);
        }
        assert!(want[col::PARTICIPATION_DISABLED] > 0.0 && want[col::LEADERS_ENGAGED] > 0.0 && want[col::CHAMPIONS_ACTIVE] > 0.0);
        assert!(want[col::FEAR] > 0.0 && want[col::EMPIRICAL_MEN] > 0.0 && want[col::NORMATIVE_WOMEN] > 0.0);
        assert!(want[col::ATTENDED_PAST_YEAR] > 0.0 && want[col::ATTENDED_PAST_YEAR_MEN] > 0.0 && want[col::SEATS_WOMEN] > 0.0);
        assert!(want[col::HARASSMENT] > 0.0 && want[col::STIGMA] > 0.0);
        assert_ne!(want[col::EMPIRICAL_WOMEN], want[col::EMPIRICAL_MEN], "the split by gender must be able to differ");
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

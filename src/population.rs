//! The agents' fixed attributes (structure of arrays) and the generator of a
//! community of villages and households. Generated afresh for each replicate
//! from its seed. Never does I/O.

use crate::rng::{StepKey, purpose};
use crate::scenario::Population as PopulationSpec;
use rand::RngExt;
use rand_distr::{Distribution, Poisson};

/// Roles of agents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Role {
    Member = 0,
    Gatekeeper = 1,
    ReligiousLeader = 2,
}

/// Attribute bits of an agent.
pub mod attr {
    pub const WOMAN: u8 = 1;
    pub const HEAD: u8 = 2;
    pub const ELITE: u8 = 4;
    pub const DISABLED: u8 = 8;
    pub const MARGINALISED: u8 = 16;
    pub const YOUTH: u8 = 32;
    pub const ELDER: u8 = 64;
}

/// Fixed attributes of all agents, one entry per agent in each array.
#[derive(Clone, Debug, Default)]
pub struct Agents {
    /// Attribute bits (see [`attr`]).
    pub attrs: Vec<u8>,
    pub role: Vec<Role>,
    pub household: Vec<u32>,
    /// The head of each agent's household (an agent index).
    pub head_of: Vec<u32>,
    pub village: Vec<u32>,
    /// Number of villages.
    pub villages: u32,
}

impl Agents {
    /// Number of agents.
    pub fn len(&self) -> usize {
        self.attrs.len()
    }

    /// True when there are no agents.
    pub fn is_empty(&self) -> bool {
        self.attrs.is_empty()
    }

    /// Whether agent `i` has attribute bit `bit`.
    #[inline]
    pub fn has(&self, i: usize, bit: u8) -> bool {
        self.attrs[i] & bit != 0
    }

    /// Whether agent `i` is a woman.
    #[inline]
    pub fn is_woman(&self, i: usize) -> bool {
        self.has(i, attr::WOMAN)
    }

    /// Whether agent `i` is a gatekeeper or religious leader.
    #[inline]
    pub fn is_leader(&self, i: usize) -> bool {
        self.role[i] != Role::Member
    }

    /// Class used for homophily: 0 elite, 1 ordinary, 2 marginalised.
    #[inline]
    pub fn class(&self, i: usize) -> usize {
        if self.has(i, attr::ELITE) {
            0
        } else if self.has(i, attr::MARGINALISED) {
            2
        } else {
            1
        }
    }

    fn push(&mut self, attrs: u8, household: u32, head: u32, village: u32) -> u32 {
        let id = self.attrs.len() as u32;
        self.attrs.push(attrs);
        self.role.push(Role::Member);
        self.household.push(household);
        self.head_of.push(head);
        self.village.push(village);
        id
    }
}

/// Generate the villages, households and leaders of a community.
pub fn generate(spec: &PopulationSpec, seed: u64) -> Agents {
    let key = StepKey::new(seed, 0, purpose::POPULATION);
    let mut agents = Agents { villages: spec.villages, ..Default::default() };
    let expected = (spec.villages as f64 * spec.households_per_village as f64 * spec.adults_per_household) as usize;
    agents.attrs.reserve(expected + expected / 8);
    let extra = Poisson::new((spec.adults_per_household - 1.0).max(1e-9)).ok();
    let mut hh = 0u32;
    for v in 0..spec.villages {
        let first_of_village = agents.len();
        for _ in 0..spec.households_per_village {
            let mut rng = key.stream(hh);
            let female_headed = rng.random::<f64>() < spec.female_headed;
            let mut class = 0u8;
            if rng.random::<f64>() < spec.elite {
                class |= attr::ELITE;
            } else if rng.random::<f64>() < spec.marginalised / (1.0 - spec.elite).max(1e-9) {
                class |= attr::MARGINALISED;
            }
            let size = 1 + extra.as_ref().map_or(0.0, |p| p.sample(&mut rng)).min(14.0) as u32;
            let head = agents.len() as u32;
            for k in 0..size {
                let woman = match k {
                    0 => female_headed,
                    1 if !female_headed => true,
                    _ => rng.random::<f64>() < if female_headed { 0.7 } else { 0.5 },
                };
                let u: f64 = rng.random();
                let age = if k == 0 {
                    if u < spec.elder { attr::ELDER } else { 0 }
                } else if u < spec.youth {
                    attr::YOUTH
                } else if u < spec.youth + spec.elder {
                    attr::ELDER
                } else {
                    0
                };
                let disabled = if rng.random::<f64>() < spec.disability { attr::DISABLED } else { 0 };
                let bits = class | age | disabled | if woman { attr::WOMAN } else { 0 } | if k == 0 { attr::HEAD } else { 0 };
                agents.push(bits, hh, head, v);
            }
            hh += 1;
        }
        assign_leaders(&mut agents, first_of_village, spec, seed, v);
    }
    agents
}

/// A flat population of `n` agents for reference models: one village, no
/// households (each agent heads its own), all counted as women so that
/// `participation` equals `adoption`.
pub fn flat(n: u32) -> Agents {
    Agents {
        attrs: vec![attr::WOMAN | attr::HEAD; n as usize],
        role: vec![Role::Member; n as usize],
        household: (0..n).collect(),
        head_of: (0..n).collect(),
        village: vec![0; n as usize],
        villages: 1,
    }
}

/// Choose the village's gatekeepers (elite heads first) and religious
/// leaders (among other male heads).
fn assign_leaders(agents: &mut Agents, first: usize, spec: &PopulationSpec, seed: u64, village: u32) {
    let key = StepKey::new(seed, 1, purpose::POPULATION);
    let mut rng = key.stream(village);
    let last = agents.len();
    let mut heads: Vec<(u8, u64, usize)> = (first..last)
        .filter(|&i| agents.has(i, attr::HEAD))
        .map(|i| (u8::from(!agents.has(i, attr::ELITE)), key.bits(i as u32, 1), i))
        .collect();
    heads.sort_unstable();
    let mut taken = Vec::new();
    for _ in 0..spec.gatekeepers_per_village {
        let want_woman = rng.random::<f64>() < spec.women_gatekeepers;
        let pick = heads
            .iter()
            .find(|h| !taken.contains(&h.2) && agents.is_woman(h.2) == want_woman)
            .or_else(|| heads.iter().find(|h| !taken.contains(&h.2)));
        if let Some(&(_, _, i)) = pick {
            agents.role[i] = Role::Gatekeeper;
            taken.push(i);
        }
    }
    heads.sort_unstable_by_key(|h| h.1);
    for _ in 0..spec.religious_leaders_per_village {
        let pick = heads.iter().find(|h| !taken.contains(&h.2) && !agents.is_woman(h.2));
        if let Some(&(_, _, i)) = pick {
            agents.role[i] = Role::ReligiousLeader;
            taken.push(i);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn community_has_the_asked_shape() {
        let spec = PopulationSpec::default();
        let a = generate(&spec, 3);
        let n = a.len() as f64;
        let expected = spec.villages as f64 * spec.households_per_village as f64 * spec.adults_per_household;
        assert!((n / expected - 1.0).abs() < 0.05, "{n} vs {expected}");
        let households = a.household.iter().max().unwrap() + 1;
        assert_eq!(households, spec.villages * spec.households_per_village);
        let fh = (0..a.len()).filter(|&i| a.has(i, attr::HEAD) && a.is_woman(i)).count() as f64 / households as f64;
        assert!((fh - spec.female_headed).abs() < 0.03, "{fh}");
        let gk = a.role.iter().filter(|r| **r == Role::Gatekeeper).count() as u32;
        let rl = a.role.iter().filter(|r| **r == Role::ReligiousLeader).count() as u32;
        assert_eq!(gk, spec.villages * spec.gatekeepers_per_village);
        assert_eq!(rl, spec.villages * spec.religious_leaders_per_village);
        for i in 0..a.len() {
            assert_eq!(a.household[a.head_of[i] as usize], a.household[i]);
        }
    }

    #[test]
    fn same_seed_same_people() {
        let spec = PopulationSpec::default();
        assert_eq!(generate(&spec, 9).attrs, generate(&spec, 9).attrs);
        assert_ne!(generate(&spec, 9).attrs, generate(&spec, 10).attrs);
    }
}

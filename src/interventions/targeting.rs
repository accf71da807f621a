//! Choosing whom an intervention reaches: a group (women, men, leaders, ...),
//! an order of priority (random, central, elite, inclusive, youth), and a
//! share or count, across the district or within each village. Random order
//! comes from the intervention's own stream, so the same intervention in two
//! strategies reaches the same people (common random numbers). Who can be
//! reached at all (eligibility) is the kind's (`Kind::eligible`).

use crate::model::World;
use crate::network::layer;
use crate::population::{Role, attr};
use crate::rng::StepKey;
use serde::{Deserialize, Serialize};

/// Who an intervention reaches.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Target {
    pub group: Group,
    #[serde(default = "random")]
    pub selection: Selection,
    /// Share of the group reached (or of each village's group with `per_village`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share: Option<f64>,
    /// Number reached (or per village with `per_village`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    /// Select within each village rather than across the district.
    #[serde(default)]
    pub per_village: bool,
}

fn random() -> Selection {
    Selection::Random
}

impl Target {
    /// A share of `group` across the district, in `selection` order.
    pub fn share(group: Group, selection: Selection, share: f64) -> Target {
        Target { group, selection, share: Some(share), count: None, per_village: false }
    }

    /// Exactly one of `share` (0 to 1) and `count`; errors name the key `target`.
    pub fn check(&self) -> Result<(), (&'static str, String)> {
        match (self.share, self.count) {
            (Some(_), Some(_)) => Err(("target", "give either `share` or `count`, not both".into())),
            (None, None) => Err(("target", "give `share` (0 to 1) or `count` (a whole number)".into())),
            (Some(x), None) => super::range("target", x, 0.0, 1.0),
            _ => Ok(()),
        }
    }
}

/// Groups an intervention can target.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    Women,
    Men,
    All,
    Leaders,
    Gatekeepers,
    ReligiousLeaders,
    HouseholdHeads,
}

/// How targeted agents are chosen within the group.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Selection {
    Random,
    Central,
    Elite,
    Inclusive,
    Youth,
}

/// Whether agent `i` belongs to `group`.
pub fn in_group(world: &World, i: usize, group: Group) -> bool {
    let a = &world.agents;
    match group {
        Group::Women => a.is_woman(i),
        Group::Men => !a.is_woman(i) && a.role[i] == Role::Member,
        Group::All => true,
        Group::Leaders => a.role[i] != Role::Member,
        Group::Gatekeepers => a.role[i] == Role::Gatekeeper,
        Group::ReligiousLeaders => a.role[i] == Role::ReligiousLeader,
        Group::HouseholdHeads => a.has(i, attr::HEAD),
    }
}

/// Priority of agent `i` under `selection`: lower goes first.
fn priority(world: &World, i: usize, selection: Selection) -> i64 {
    let a = &world.agents;
    match selection {
        Selection::Random => 0,
        Selection::Central => {
            let net = &world.net;
            -(net.row(i).filter(|&e| net.layers[e] != layer::MEMBER && net.layers[e] != layer::LEADER).count() as i64)
        }
        Selection::Elite => i64::from(!a.has(i, attr::ELITE)),
        Selection::Inclusive => {
            -(i64::from(!a.has(i, attr::ELITE)) + i64::from(a.has(i, attr::DISABLED)) + i64::from(a.has(i, attr::MARGINALISED)))
        }
        Selection::Youth => i64::from(!a.has(i, attr::YOUTH)),
    }
}

/// How many of `available` to reach; a `count` at most `cap` (a quota's
/// seats, however far `compare --budget` scales the reach).
fn how_many(t: &Target, available: usize, reach: f64, cap: Option<u32>) -> usize {
    let want = match (t.share, t.count) {
        (Some(s), _) => s * available as f64 * reach,
        (None, Some(c)) => (f64::from(c) * reach).min(cap.map_or(f64::INFINITY, f64::from)),
        (None, None) => 0.0,
    };
    (want.round().max(0.0) as usize).min(available)
}

/// Agents reached by `t` among those `eligible` (the kind's rule), in
/// order of priority. `reach` scales the share or count (for equal budgets);
/// a count reaches at most `cap` (per village where the target is).
pub fn select(world: &World, t: &Target, eligible: impl Fn(usize) -> bool, key: StepKey, reach: f64, cap: Option<u32>) -> Vec<u32> {
    let n = world.len();
    let mut ranked: Vec<(i64, u64, u32)> = (0..n)
        .filter(|&i| in_group(world, i, t.group) && eligible(i))
        .map(|i| (priority(world, i, t.selection), key.bits(i as u32, 0), i as u32))
        .collect();
    ranked.sort_unstable();
    let mut out = Vec::new();
    if t.per_village {
        let villages = world.agents.villages as usize;
        let mut per: Vec<Vec<u32>> = vec![Vec::new(); villages];
        for &(_, _, i) in &ranked {
            per[world.agents.village[i as usize] as usize].push(i);
        }
        for list in per {
            let k = how_many(t, list.len(), reach, cap);
            out.extend_from_slice(&list[..k]);
        }
    } else {
        let k = how_many(t, ranked.len(), reach, cap);
        out.extend(ranked[..k].iter().map(|r| r.2));
    }
    out.sort_unstable();
    out
}

//! Choosing whom an intervention reaches: a group (women, men, leaders, ...),
//! an order of priority (random, central, elite, inclusive, youth), and a
//! share or count, across the district or within each village. Random order
//! comes from the intervention's own stream, so the same intervention in two
//! strategies reaches the same people (common random numbers).

use crate::model::World;
use crate::network::layer;
use crate::population::{Role, attr};
use crate::rng::StepKey;
use crate::scenario::{Group, InterventionKind, Selection, Target};

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

/// Whether agent `i` can be reached by an intervention of `kind` at all:
/// champions are men who are not leaders, women's organisations and quota
/// seats are for women, leader engagement is for leaders. Whatever the
/// target's group, others are skipped.
pub fn eligible(world: &World, i: usize, kind: InterventionKind) -> bool {
    let a = &world.agents;
    match kind {
        InterventionKind::MaleChampions => !a.is_woman(i) && a.role[i] == Role::Member,
        InterventionKind::WomensOrganisations | InterventionKind::Quota => a.is_woman(i),
        InterventionKind::LeaderEngagement => a.role[i] != Role::Member,
        _ => true,
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

/// How many of `available` to reach.
fn how_many(t: &Target, available: usize, reach: f64) -> usize {
    let want = match (t.share, t.count) {
        (Some(s), _) => s * available as f64 * reach,
        (None, Some(c)) => f64::from(c) * reach,
        (None, None) => 0.0,
    };
    (want.round().max(0.0) as usize).min(available)
}

/// Agents reached by `t` among those eligible for `kind`, in order of priority. `reach` scales the share or
/// count (for equal budgets).
pub fn select(world: &World, t: &Target, kind: InterventionKind, key: StepKey, reach: f64) -> Vec<u32> {
    let n = world.len();
    let mut ranked: Vec<(i64, u64, u32)> = (0..n)
        .filter(|&i| in_group(world, i, t.group) && eligible(world, i, kind))
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
            let k = how_many(t, list.len(), reach);
            out.extend_from_slice(&list[..k]);
        }
    } else {
        let k = how_many(t, ranked.len(), reach);
        out.extend(ranked[..k].iter().map(|r| r.2));
    }
    out.sort_unstable();
    out
}

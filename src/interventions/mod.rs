//! Interventions (MODEL.md section 5): a strategy's list, compiled for one
//! run into a [`Programme`] that acts once a month, before agents perceive.
//!
//! Every kind has one file with one `apply` for a month; all share
//! [`Item`] (what was targeted, who is still reached) and write into
//! [`Levers`] (what the step reads) or directly into the current state.
//! Target selection happens once, when the programme is built, so the month
//! loop allocates nothing.

mod dialogue;
mod funding_cut;
mod leader_engagement;
mod male_champions;
mod media;
mod protection;
mod quota;
pub mod targeting;
mod womens_organisations;

pub use crate::model::levers::Levers;
use crate::model::step::Villages;
use crate::model::{State, World};
use crate::rng::{StepKey, purpose_of};
use crate::scenario::{Funding, Intervention, InterventionKind, Scenario, Strategy};

/// Step counter of the streams that choose targets, apart from every month's.
const TARGETING_STEP: u32 = u32::MAX;

/// One intervention of a strategy, compiled for a run.
#[derive(Clone, Debug)]
pub struct Item {
    /// The resolved specification.
    pub spec: Intervention,
    /// Name (for funding cuts and random streams).
    pub name: String,
    /// Stream of this intervention's draws, derived from its name.
    pub purpose: u64,
    /// Agents reached, chosen when the programme is built.
    pub targets: Vec<u32>,
    /// Per target: still reached (1) or lost (0).
    pub alive: Vec<u8>,
    /// Intensity last month.
    pub prev_intensity: f32,
    /// Has been active at least once.
    pub started: bool,
}

impl Item {
    fn active(&self, month: u32) -> bool {
        month >= self.spec.start && month <= self.spec.end.unwrap_or(u32::MAX)
    }
}

/// What an intervention's `apply` may touch.
pub struct Ctx<'a> {
    pub world: &'a World,
    pub state: &'a mut State,
    pub levers: &'a mut Levers,
    pub villages: &'a Villages,
    pub political_will: f32,
    pub seed: u64,
    /// Month of the programme (0 = first recorded month).
    pub month: u32,
    /// Cost accrued this month.
    pub cost: f64,
}

impl Ctx<'_> {
    /// A stream for this item in this month.
    pub fn key(&self, item: &Item) -> StepKey {
        StepKey::new(self.seed, self.month, item.purpose)
    }
}

/// A strategy compiled for one run.
#[derive(Clone, Debug, Default)]
pub struct Programme {
    items: Vec<Item>,
    /// Cumulative cost so far.
    pub cost: f64,
    conflict_start: Option<u32>,
    conflict_backlash: f32,
    conflict_conservatism: f32,
    political_will: f32,
}

impl Programme {
    /// Compile `strategy` for `world`, choosing targets from `seed`.
    /// `reach` multiplies every target's share or count (1 keeps them).
    pub fn new(s: &Scenario, strategy: &Strategy, world: &World, seed: u64, reach: f64) -> Programme {
        let items = strategy
            .interventions
            .iter()
            .map(|iv| {
                let name = iv.name.clone().unwrap_or_else(|| iv.kind.as_str().to_string());
                let purpose = purpose_of(&format!("{}/{}", iv.kind.as_str(), name));
                let targets = match &iv.target {
                    Some(t) if iv.kind != InterventionKind::FundingCut => {
                        targeting::select(world, t, iv.kind, StepKey::new(seed, TARGETING_STEP, purpose), reach)
                    }
                    _ => Vec::new(),
                };
                let alive = vec![1u8; targets.len()];
                Item { spec: iv.clone(), name, purpose, targets, alive, prev_intensity: 0.0, started: false }
            })
            .collect();
        Programme {
            items,
            cost: 0.0,
            conflict_start: s.context.conflict_start,
            conflict_backlash: s.context.conflict_backlash as f32,
            conflict_conservatism: s.context.conflict_conservatism as f32,
            political_will: s.context.political_will as f32,
        }
    }

    /// Funding intensity of item `k` in `month`: 0 outside its window; for
    /// project funding, 0 in the gaps between cycles; times every funding
    /// cut that applies.
    fn intensity(&self, k: usize, month: u32) -> f32 {
        let item = &self.items[k];
        if !item.active(month) {
            return 0.0;
        }
        let mut x = 1.0f32;
        if item.spec.kind == InterventionKind::WomensOrganisations && item.spec.funding == Some(Funding::Project) {
            let cycle = item.spec.cycle.unwrap_or(12);
            let gap = item.spec.gap.unwrap_or(0);
            if (month - item.spec.start) % (cycle + gap) >= cycle {
                x = 0.0;
            }
        }
        for cut in &self.items {
            if cut.spec.kind == InterventionKind::FundingCut && cut.active(month) {
                x *= funding_cut::factor_for(cut, &item.name);
            }
        }
        x
    }

    /// Act for `month` (before agents perceive). Adds this month's cost.
    pub fn apply(&mut self, world: &World, state: &mut State, levers: &mut Levers, villages: &Villages, seed: u64, month: u32) {
        levers.reset_month();
        let conflict = self.conflict_start.is_some_and(|t| month >= t);
        levers.rate_mult = if conflict { 1.0 + self.conflict_backlash } else { 1.0 };
        levers.theta_shift = if conflict { self.conflict_conservatism } else { 0.0 };
        let mut cx = Ctx { world, state, levers, villages, political_will: self.political_will, seed, month, cost: 0.0 };
        for k in 0..self.items.len() {
            let intensity = self.intensity(k, month);
            let item = &mut self.items[k];
            if item.active(month) && !item.started {
                item.started = true;
                item.prev_intensity = intensity;
                recruit(item, &mut cx);
            }
            if !item.started {
                continue;
            }
            match item.spec.kind {
                InterventionKind::Dialogue => dialogue::apply(item, &mut cx, intensity),
                InterventionKind::MaleChampions => male_champions::apply(item, &mut cx, intensity),
                InterventionKind::LeaderEngagement => leader_engagement::apply(item, &mut cx, intensity),
                InterventionKind::WomensOrganisations => womens_organisations::apply(item, &mut cx, intensity),
                InterventionKind::Protection => protection::apply(item, &mut cx, intensity),
                InterventionKind::Quota => quota::apply(item, &mut cx, intensity),
                InterventionKind::Media => media::apply(item, &mut cx, intensity),
                InterventionKind::FundingCut => {}
            }
            if let Some(c) = &item.spec.cost {
                cx.cost += c.per_month * f64::from(intensity);
            }
            item.prev_intensity = intensity;
        }
        self.cost += cx.cost;
        if !self.items.is_empty() {
            // Neighbours see this month's recruits and changed minds.
            crate::model::decide::refresh_public(world, state);
        }
    }
}

/// First active month: pay for everyone reached and mark them.
fn recruit(item: &mut Item, cx: &mut Ctx<'_>) {
    let per_person = item.spec.cost.as_ref().map_or(0.0, |c| c.per_person);
    match item.spec.kind {
        InterventionKind::MaleChampions => male_champions::recruit(item, cx),
        InterventionKind::Quota => quota::recruit(item, cx),
        // Leaders are paid for when they engage.
        InterventionKind::LeaderEngagement => return,
        _ => {}
    }
    cx.cost += per_person * item.targets.len() as f64;
}

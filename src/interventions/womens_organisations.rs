//! Women's organisations: members' threshold falls by `efficacy` (efficacy
//! and collective action), they weigh other women more (`solidarity`), and
//! recover from fear faster (`fear_recovery`). Core funding is steady;
//! project funding comes in cycles of `cycle` funded months and `gap`
//! unfunded ones. Whenever funding falls (a gap or a cut), each member is
//! lost with probability `gap_loss` times the share of funding lost.

use super::{Cost, Ctx, Group, Kind, Reached, Selection, Target, range};
use crate::model::World;
use crate::model::levers::Channel;
use serde::{Deserialize, Serialize};

/// Funding modes of women's organisations.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Funding {
    Core,
    Project,
}

/// Parameters of `kind = "womens_organisations"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WomensOrganisations {
    pub target: Target,
    pub cost: Cost,
    /// Utility added for members.
    pub efficacy: f64,
    /// Extra weight members give other women.
    pub solidarity: f64,
    /// Extra monthly decay of members' fear.
    pub fear_recovery: f64,
    /// `core` (steady) or `project` (cycles with gaps).
    pub funding: Funding,
    /// Months funded in each project cycle.
    pub cycle: u32,
    /// Months unfunded between project cycles.
    pub gap: u32,
    /// Share of members lost at each gap or cut.
    pub gap_loss: f64,
}

impl Default for WomensOrganisations {
    fn default() -> Self {
        WomensOrganisations {
            target: Target::share(Group::Women, Selection::Random, 0.1),
            cost: Cost { per_person: 50.0, per_month: 1000.0 },
            efficacy: 0.4,
            solidarity: 1.0,
            fear_recovery: 0.1,
            funding: Funding::Core,
            cycle: 12,
            gap: 6,
            gap_loss: 0.3,
        }
    }
}

impl Kind for WomensOrganisations {
    const NAME: &'static str = "womens_organisations";

    /// Efficacy, solidarity and fear recovery.
    fn channels(&self) -> &'static [Channel] {
        &[Channel::Efficacy, Channel::Solidarity, Channel::Recovery]
    }

    fn check(&self) -> Result<(), (&'static str, String)> {
        range("efficacy", self.efficacy, 0.0, 100.0)?;
        range("solidarity", self.solidarity, 0.0, 100.0)?;
        range("fear_recovery", self.fear_recovery, 0.0, 1.0)?;
        range("gap_loss", self.gap_loss, 0.0, 1.0)?;
        if self.cycle == 0 || self.cycle > 1000 {
            return Err(("cycle", format!("{} is out of range; allowed: 1 to 1000 months", self.cycle)));
        }
        if self.gap > 1000 {
            return Err(("gap", format!("{} is out of range; allowed: 0 to 1000 months", self.gap)));
        }
        self.cost.check()?;
        self.target.check()
    }

    fn target(&self) -> Option<&Target> {
        Some(&self.target)
    }

    fn target_mut(&mut self) -> Option<&mut Target> {
        Some(&mut self.target)
    }

    /// Members are women.
    fn eligible(&self, world: &World, i: usize) -> bool {
        world.agents.is_woman(i)
    }

    fn cost(&self) -> Option<&Cost> {
        Some(&self.cost)
    }

    fn funded(&self, months: u32) -> bool {
        self.funding == Funding::Core || months % (self.cycle + self.gap) < self.cycle
    }

    fn cycles(&self) -> Option<(u32, u32)> {
        (self.funding == Funding::Project).then_some((self.cycle.max(1), self.gap))
    }

    fn apply(&self, r: &mut Reached, cx: &mut Ctx<'_>, intensity: f32) {
        if intensity < r.prev_intensity && r.prev_intensity > 0.0 {
            let loss = self.gap_loss as f32 * (1.0 - intensity / r.prev_intensity);
            let key = cx.key(r);
            for (k, &i) in r.targets.iter().enumerate() {
                if r.alive[k] != 0 && key.uniform(i, 0) < loss {
                    r.alive[k] = 0;
                }
            }
        }
        if intensity <= 0.0 {
            return;
        }
        let ch = cx.levers.channels;
        let efficacy = ch.gate(Channel::Efficacy, self.efficacy as f32 * intensity, 0.0);
        let solidarity = ch.gate(Channel::Solidarity, self.solidarity as f32 * intensity, 0.0);
        let recovery = ch.gate(Channel::Recovery, self.fear_recovery as f32 * intensity, 0.0);
        for (k, &i) in r.targets.iter().enumerate() {
            if r.alive[k] != 0 {
                let i = i as usize;
                cx.levers.support[i] += efficacy;
                cx.levers.solidarity[i] += solidarity;
                cx.levers.recovery[i] += recovery;
            }
        }
    }
}

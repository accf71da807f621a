//! Leader engagement: each month a targeted leader becomes engaged with
//! probability `uptake`; engaged leaders lose stubbornness (the step reads
//! `engaged`) and, while funded, their attitude moves toward 1 by `effect`.
//! A leader is paid for when he engages, not when targeted.

use super::{Cost, Ctx, Group, Kind, Reached, Selection, Target, range};
use crate::model::World;
use crate::population::Role;
use serde::{Deserialize, Serialize};

/// Parameters of `kind = "leader_engagement"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LeaderEngagement {
    pub target: Target,
    pub cost: Cost,
    /// Monthly pull of an engaged leader's attitude toward 1.
    pub effect: f64,
    /// Monthly chance a targeted leader becomes engaged.
    pub uptake: f64,
}

impl Default for LeaderEngagement {
    fn default() -> Self {
        LeaderEngagement {
            target: Target::share(Group::Leaders, Selection::Random, 1.0),
            cost: Cost { per_person: 300.0, per_month: 500.0 },
            effect: 0.03,
            uptake: 0.1,
        }
    }
}

impl Kind for LeaderEngagement {
    const NAME: &'static str = "leader_engagement";

    fn check(&self) -> Result<(), (&'static str, String)> {
        range("effect", self.effect, 0.0, 1.0)?;
        range("uptake", self.uptake, 0.0, 1.0)?;
        self.cost.check()?;
        self.target.check()
    }

    fn target(&self) -> Option<&Target> {
        Some(&self.target)
    }

    fn target_mut(&mut self) -> Option<&mut Target> {
        Some(&mut self.target)
    }

    /// Only leaders can be engaged.
    fn eligible(&self, world: &World, i: usize) -> bool {
        world.agents.role[i] != Role::Member
    }

    fn cost(&self) -> Option<&Cost> {
        Some(&self.cost)
    }

    /// Leaders are paid for when they engage.
    fn recruit(&self, _: &mut Reached, _: &mut Ctx<'_>) {}

    fn apply(&self, r: &mut Reached, cx: &mut Ctx<'_>, intensity: f32) {
        let uptake = self.uptake as f32 * intensity;
        let eff = self.effect as f32 * intensity;
        let per_person = self.cost.per_person;
        let key = cx.key(r);
        for &i in &r.targets {
            let i = i as usize;
            if cx.levers.engaged[i] == 0 {
                if uptake > 0.0 && key.uniform(i as u32, 0) < uptake {
                    cx.levers.engaged[i] = 1;
                    cx.cost += per_person;
                } else {
                    continue;
                }
            }
            let c = &mut cx.state.core[i];
            c.attitude += eff * (1.0 - c.attitude);
        }
    }
}

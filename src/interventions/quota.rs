//! Quotas: reserved council seats for selected women (elite or inclusive
//! selection), who take part regardless of norms while the quota is
//! enforced (with probability political will times funding). Raises visible
//! participation, and with it the threat that drives backlash. Seats are
//! removed when funding stops and given back when it returns.

use super::{Cost, Ctx, Group, Kind, Reached, Selection, Target};
use crate::model::World;
use serde::{Deserialize, Serialize};

/// Parameters of `kind = "quota"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Quota {
    pub target: Target,
    pub cost: Cost,
}

impl Default for Quota {
    fn default() -> Self {
        Quota {
            target: Target { group: Group::Women, selection: Selection::Elite, share: None, count: Some(2), per_village: true },
            cost: Cost { per_person: 0.0, per_month: 200.0 },
        }
    }
}

fn seat(r: &Reached, cx: &mut Ctx<'_>) {
    for &i in &r.targets {
        cx.levers.quota[i as usize] = 1;
    }
}

impl Kind for Quota {
    const NAME: &'static str = "quota";

    fn check(&self) -> Result<(), (&'static str, String)> {
        self.cost.check()?;
        self.target.check()
    }

    fn target(&self) -> Option<&Target> {
        Some(&self.target)
    }

    fn target_mut(&mut self) -> Option<&mut Target> {
        Some(&mut self.target)
    }

    /// Seats are for women.
    fn eligible(&self, world: &World, i: usize) -> bool {
        world.agents.is_woman(i)
    }

    fn cost(&self) -> Option<&Cost> {
        Some(&self.cost)
    }

    fn recruit(&self, r: &mut Reached, cx: &mut Ctx<'_>) {
        seat(r, cx);
        cx.cost += self.cost.per_person * r.targets.len() as f64;
    }

    fn apply(&self, r: &mut Reached, cx: &mut Ctx<'_>, intensity: f32) {
        if intensity <= 0.0 {
            if r.prev_intensity > 0.0 {
                for &i in &r.targets {
                    cx.levers.quota[i as usize] = 0;
                }
            }
            return;
        }
        if r.prev_intensity <= 0.0 {
            seat(r, cx);
        }
        cx.levers.quota_enforcement = cx.levers.quota_enforcement.max(cx.political_will * intensity);
    }
}

//! Male champions: recruited men support publicly, shield women in their
//! household and peer ties, and persuade with extra weight (the step reads
//! their champion status). They face ally backlash and may drop out; once
//! unfunded they lapse at the monthly rate `lapse`.

use super::{Cost, Ctx, Group, Kind, Reached, Selection, Target, range};
use crate::model::{World, champion};
use crate::population::Role;
use crate::model::levers::Channel;
use serde::{Deserialize, Serialize};

/// Parameters of `kind = "male_champions"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MaleChampions {
    pub target: Target,
    pub cost: Cost,
    /// Monthly chance an active champion lapses once unfunded.
    pub lapse: f64,
}

impl Default for MaleChampions {
    fn default() -> Self {
        MaleChampions {
            target: Target::share(Group::Men, Selection::Central, 0.05),
            cost: Cost { per_person: 200.0, per_month: 300.0 },
            lapse: 0.02,
        }
    }
}

impl Kind for MaleChampions {
    const NAME: &'static str = "male_champions";

    /// The shield of the women around a champion and the support he adds to the women of his household (both gated in the step); his own public support and weight are no channel.
    fn channels(&self) -> &'static [Channel] {
        &[Channel::Shield, Channel::ChampionSupport]
    }

    fn check(&self) -> Result<(), (&'static str, String)> {
        range("lapse", self.lapse, 0.0, 1.0)?;
        self.cost.check()?;
        self.target.check()
    }

    fn target(&self) -> Option<&Target> {
        Some(&self.target)
    }

    fn target_mut(&mut self) -> Option<&mut Target> {
        Some(&mut self.target)
    }

    /// Champions are men who are not leaders.
    fn eligible(&self, world: &World, i: usize) -> bool {
        !world.agents.is_woman(i) && world.agents.role[i] == Role::Member
    }

    fn cost(&self) -> Option<&Cost> {
        Some(&self.cost)
    }

    fn recruit(&self, r: &mut Reached, cx: &mut Ctx<'_>) {
        for &i in &r.targets {
            let h = &mut cx.state.hits[i as usize];
            if h.champion == champion::NONE {
                h.champion = champion::ACTIVE;
            }
        }
        cx.cost += self.cost.per_person * r.targets.len() as f64;
    }

    fn apply(&self, r: &mut Reached, cx: &mut Ctx<'_>, intensity: f32) {
        let lapse = self.lapse as f32 * (1.0 - intensity);
        if lapse <= 0.0 {
            return;
        }
        let key = cx.key(r);
        for &i in &r.targets {
            let h = &mut cx.state.hits[i as usize];
            if h.champion == champion::ACTIVE && key.uniform(i, 0) < lapse {
                h.champion = champion::DROPPED;
            }
        }
    }
}

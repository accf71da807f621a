//! Leader engagement (MODEL.md section 3, step 5, v2): each funded month a
//! targeted leader becomes engaged with probability `uptake` (paid for when
//! he engages, not when targeted). Engagement is a relationship that needs
//! upkeep: while it is funded, an engaged leader's openness is `openness`
//! times the funding intensity, and his stubbornness is his role's times
//! (1 − openness); once funding stops (the programme ends, or a cut) his
//! openness halves every `engagement_half_life` months. While funded, his
//! attitude also moves toward 1 by `effect` (persuasion). His anchor a0
//! moves only by what he internalises while open: each month toward his
//! current attitude by openness × nu (the model's internalisation rate), so
//! a change of mind lasts only in the part he made his own. Writes levers
//! and state; never does I/O.

use super::{Cost, Ctx, Group, Kind, Reached, Selection, Target, range};
use crate::model::levers::Channel;
use crate::model::World;
use crate::population::Role;
use serde::{Deserialize, Serialize};

/// Parameters of `kind = "leader_engagement"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LeaderEngagement {
    pub target: Target,
    pub cost: Cost,
    /// Monthly pull of an engaged leader's attitude toward 1 while funded.
    pub effect: f64,
    /// Monthly chance a targeted leader becomes engaged.
    pub uptake: f64,
    /// Share of his role's stubbornness an engaged leader loses while the
    /// engagement is funded (0: none, 1: all).
    pub openness: f64,
    /// Months for his openness to halve once funding stops (0: at once).
    pub engagement_half_life: f64,
}

impl Default for LeaderEngagement {
    fn default() -> Self {
        LeaderEngagement {
            target: Target::share(Group::Leaders, Selection::Random, 1.0),
            cost: Cost { per_person: 300.0, per_month: 500.0 },
            effect: 0.03,
            uptake: 0.1,
            openness: 0.2,
            engagement_half_life: 12.0,
        }
    }
}

impl LeaderEngagement {
    /// Monthly factor by which openness decays once unfunded.
    fn decay(&self) -> f32 {
        if self.engagement_half_life <= 0.0 { 0.0 } else { 0.5f64.powf(1.0 / self.engagement_half_life) as f32 }
    }
}

impl Kind for LeaderEngagement {
    const NAME: &'static str = "leader_engagement";

    /// Persuasion (`effect`) and the engaged leader's openness (`openness`, with the anchor it moves).
    fn channels(&self) -> &'static [Channel] {
        &[Channel::Persuasion, Channel::LeaderOpenness]
    }

    fn check(&self) -> Result<(), (&'static str, String)> {
        range("effect", self.effect, 0.0, 1.0)?;
        range("uptake", self.uptake, 0.0, 1.0)?;
        range("openness", self.openness, 0.0, 1.0)?;
        range("engagement_half_life", self.engagement_half_life, 0.0, 1200.0)?;
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
        let ch = cx.levers.channels;
        let uptake = self.uptake as f32 * intensity;
        let eff = ch.gate(Channel::Persuasion, self.effect as f32 * intensity, 0.0);
        let open = ch.gate(Channel::LeaderOpenness, self.openness as f32 * intensity, 0.0);
        let decay = self.decay();
        let nu = cx.internalisation;
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
            // Openness: held at its funded level, else decaying.
            let o = &mut cx.levers.openness[i];
            *o = (*o * decay).max(open);
            let o = *o;
            let c = &mut cx.state.core[i];
            // While open, he internalises part of where his attitude now is:
            // his anchor moves toward it at openness × nu a month.
            if o > 0.0 {
                let anchor = cx.world.a0[i] + cx.levers.anchor[i];
                cx.levers.anchor[i] = (anchor + o * nu * (c.attitude - anchor)).clamp(0.0, 1.0) - cx.world.a0[i];
            }
            c.attitude += eff * (1.0 - c.attitude);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openness_halves_in_its_half_life() {
        let le = LeaderEngagement { engagement_half_life: 6.0, ..Default::default() };
        let x = (0..6).fold(1.0f32, |o, _| o * le.decay());
        assert!((x - 0.5).abs() < 1e-5, "{x}");
        assert_eq!(LeaderEngagement { engagement_half_life: 0.0, ..Default::default() }.decay(), 0.0);
    }
}

//! Community dialogue: reached agents' attitudes move toward 1 by `effect`,
//! and their empirical and normative expectations move toward the true
//! shares in their village (lifting pluralistic ignorance).

use super::{Cost, Ctx, Group, Kind, Reached, Selection, Target, range};
use crate::model::levers::Channel;
use serde::{Deserialize, Serialize};

/// Parameters of `kind = "dialogue"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Dialogue {
    pub target: Target,
    pub cost: Cost,
    /// Monthly strength, 0 to 1.
    pub effect: f64,
}

impl Default for Dialogue {
    fn default() -> Self {
        Dialogue {
            target: Target::share(Group::All, Selection::Random, 0.2),
            cost: Cost { per_person: 10.0, per_month: 500.0 },
            effect: 0.05,
        }
    }
}

impl Kind for Dialogue {
    const NAME: &'static str = "dialogue";

    /// Persuasion (`effect` on attitudes) and information (`effect` on expectations).
    fn channels(&self) -> &'static [Channel] {
        &[Channel::Persuasion, Channel::Information]
    }

    fn check(&self) -> Result<(), (&'static str, String)> {
        range("effect", self.effect, 0.0, 1.0)?;
        self.cost.check()?;
        self.target.check()
    }

    fn target(&self) -> Option<&Target> {
        Some(&self.target)
    }

    fn target_mut(&mut self) -> Option<&mut Target> {
        Some(&mut self.target)
    }

    fn cost(&self) -> Option<&Cost> {
        Some(&self.cost)
    }

    fn apply(&self, r: &mut Reached, cx: &mut Ctx<'_>, intensity: f32) {
        let eff = self.effect as f32 * intensity;
        if eff <= 0.0 {
            return;
        }
        let ch = cx.levers.channels;
        let (persuade, inform) = (ch.gate(Channel::Persuasion, eff, 0.0), ch.gate(Channel::Information, eff, 0.0));
        for &i in &r.targets {
            let i = i as usize;
            let v = cx.world.agents.village[i] as usize;
            let c = &mut cx.state.core[i];
            c.attitude += persuade * (1.0 - c.attitude);
            c.empirical += inform * (cx.villages.q_now[v] - c.empirical);
            c.normative += inform * (cx.villages.attitude[v] - c.normative);
        }
    }
}

//! Media campaigns: reached agents' normative expectations move toward
//! approval by `effect` each month.

use super::{Cost, Ctx, Group, Kind, Reached, Selection, Target, range};
use crate::model::levers::Channel;
use serde::{Deserialize, Serialize};

/// Parameters of `kind = "media"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Media {
    pub target: Target,
    pub cost: Cost,
    /// Monthly strength, 0 to 1.
    pub effect: f64,
}

impl Default for Media {
    fn default() -> Self {
        Media { target: Target::share(Group::All, Selection::Random, 0.5), cost: Cost { per_person: 0.0, per_month: 1500.0 }, effect: 0.02 }
    }
}

impl Kind for Media {
    const NAME: &'static str = "media";

    /// Information (its push on normative expectations).
    fn channels(&self) -> &'static [Channel] {
        &[Channel::Information]
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
        let eff = cx.levers.channels.gate(Channel::Information, self.effect as f32 * intensity, 0.0);
        if eff <= 0.0 {
            return;
        }
        for &i in &r.targets {
            let c = &mut cx.state.core[i as usize];
            c.normative += eff * (1.0 - c.normative);
        }
    }
}

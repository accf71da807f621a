//! Protection and accountability: deters a share `deterrence` of backlash
//! and averts a share `violence_reduction` of violent sanctions in every
//! village, each scaled by political will. Reaches villages, not people.

use super::{Cost, Ctx, Kind, Reached, range};
use crate::model::levers::Channel;
use serde::{Deserialize, Serialize};

/// Parameters of `kind = "protection"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Protection {
    pub cost: Cost,
    /// Share of backlash deterred at full political will.
    pub deterrence: f64,
    /// Share of violent sanctions averted at full political will.
    pub violence_reduction: f64,
}

impl Default for Protection {
    fn default() -> Self {
        Protection { cost: Cost { per_person: 0.0, per_month: 2000.0 }, deterrence: 0.5, violence_reduction: 0.5 }
    }
}

impl Kind for Protection {
    const NAME: &'static str = "protection";

    /// Protection (deterrence and averted violence).
    fn channels(&self) -> &'static [Channel] {
        &[Channel::Protection]
    }

    fn check(&self) -> Result<(), (&'static str, String)> {
        range("deterrence", self.deterrence, 0.0, 1.0)?;
        range("violence_reduction", self.violence_reduction, 0.0, 1.0)?;
        self.cost.check()
    }

    fn cost(&self) -> Option<&Cost> {
        Some(&self.cost)
    }

    fn apply(&self, _: &mut Reached, cx: &mut Ctx<'_>, intensity: f32) {
        let will = cx.levers.channels.gate(Channel::Protection, cx.political_will * intensity, 0.0);
        let deter = self.deterrence as f32 * will;
        let cut = self.violence_reduction as f32 * will;
        for p in cx.levers.protection.iter_mut() {
            *p = 1.0 - (1.0 - *p) * (1.0 - deter);
        }
        for p in cx.levers.violence_cut.iter_mut() {
            *p = 1.0 - (1.0 - *p) * (1.0 - cut);
        }
    }
}

//! Funding cuts: from `start` to `end`, the intensity (effects and monthly
//! spending) of the named interventions, or of all, is multiplied by
//! `factor`. Women's organisations lose members when funding falls. A cut
//! reaches nobody itself, costs nothing and does not count toward the
//! programme's end.

use super::{Cost, Ctx, Kind, Reached, range};
use crate::model::levers::Channel;
use serde::{Deserialize, Serialize};

/// Parameters of `kind = "funding_cut"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FundingCut {
    /// Intensity multiplier, 0 to 1.
    pub factor: f64,
    /// Names of the interventions of the strategy it cuts (all if empty).
    pub interventions: Vec<String>,
}

impl Default for FundingCut {
    fn default() -> Self {
        FundingCut { factor: 0.5, interventions: Vec::new() }
    }
}

impl Kind for FundingCut {
    const NAME: &'static str = "funding_cut";

    /// None of its own: it only scales other interventions' funding.
    fn channels(&self) -> &'static [Channel] {
        &[]
    }

    fn check(&self) -> Result<(), (&'static str, String)> {
        range("factor", self.factor, 0.0, 1.0)
    }

    fn cost(&self) -> Option<&Cost> {
        None
    }

    fn apply(&self, _: &mut Reached, _: &mut Ctx<'_>, _: f32) {}

    fn is_programme(&self) -> bool {
        false
    }

    fn cut(&self, name: &str) -> Option<f32> {
        (self.interventions.is_empty() || self.interventions.iter().any(|n| n == name)).then_some(self.factor as f32)
    }

    fn refers_to(&self) -> &[String] {
        &self.interventions
    }
}

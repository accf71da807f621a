//! `logit`: the community model (MODEL.md section 3). Women decide to take
//! part and men take a stance by logit choices on attitude, expectations
//! and fear; its parameters are the community model's keys of `[rule]`
//! (`beta`, the rates, `women`, `men`, `leaders`), which every scenario
//! holds, so it has no keys of its own. Its step is [`step::step`].

use super::{DecisionRule, Step, step};
use crate::rng::Stream;
use serde::{Deserialize, Serialize};

/// Parameters of `kind = "logit"` of its own: none.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Logit {}

impl DecisionRule for Logit {
    const NAME: &'static str = "logit";

    fn check(&self, _size: Option<u32>) -> Result<(), (String, String)> {
        Ok(())
    }

    /// Twenty years, so that month 0 is the community's own equilibrium:
    /// with the council meeting twice a year (the default), ten years (20
    /// meetings) left the baseline still drifting up by about 4 points over
    /// the eight recorded years; twenty (40 meetings) keeps it within about
    /// 1.5 points (docs/MODEL.md, `initial.burn_in`).
    fn burn_in(&self) -> u32 {
        240
    }

    fn community(&self) -> bool {
        true
    }

    fn theta(&self, _i: usize, group: (f64, f64), rng: &mut Stream) -> f32 {
        crate::model::init::normal_draw(group.0, group.1, rng)
    }

    fn step(&self, cx: Step<'_>) {
        step::step(cx.world, cx.params, cx.levers, cx.villages, cx.cur, cx.next, cx.seed, cx.t, cx.parallel);
    }
}

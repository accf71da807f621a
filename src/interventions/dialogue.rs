//! Community dialogue: reached agents' attitudes move toward 1 by `effect`,
//! and their empirical and normative expectations move toward the true
//! shares in their village (lifting pluralistic ignorance).

use super::{Ctx, Item};

pub(super) fn apply(item: &mut Item, cx: &mut Ctx<'_>, intensity: f32) {
    let eff = item.spec.effect.unwrap_or(0.0) as f32 * intensity;
    if eff <= 0.0 {
        return;
    }
    for &i in &item.targets {
        let i = i as usize;
        let v = cx.world.agents.village[i] as usize;
        let c = &mut cx.state.core[i];
        c.attitude += eff * (1.0 - c.attitude);
        c.empirical += eff * (cx.villages.q_now[v] - c.empirical);
        c.normative += eff * (cx.villages.attitude[v] - c.normative);
    }
}

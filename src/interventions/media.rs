//! Media campaigns: reached agents' normative expectations move toward
//! approval by `effect` each month.

use super::{Ctx, Item};

pub(super) fn apply(item: &mut Item, cx: &mut Ctx<'_>, intensity: f32) {
    let eff = item.spec.effect.unwrap_or(0.0) as f32 * intensity;
    if eff <= 0.0 {
        return;
    }
    for &i in &item.targets {
        let c = &mut cx.state.core[i as usize];
        c.normative += eff * (1.0 - c.normative);
    }
}

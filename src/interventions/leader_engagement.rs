//! Leader engagement: each month a targeted leader becomes engaged with
//! probability `uptake`; engaged leaders lose stubbornness (the step reads
//! `engaged`) and, while funded, their attitude moves toward 1 by `effect`.

use super::{Ctx, Item};

pub(super) fn apply(item: &mut Item, cx: &mut Ctx<'_>, intensity: f32) {
    let uptake = item.spec.uptake.unwrap_or(0.0) as f32 * intensity;
    let eff = item.spec.effect.unwrap_or(0.0) as f32 * intensity;
    let per_person = item.spec.cost.as_ref().map_or(0.0, |c| c.per_person);
    let key = cx.key(item);
    for &i in &item.targets {
        let i = i as usize;
        if cx.levers.engaged[i] == 0 {
            if uptake > 0.0 && key.uniform(i as u32, 0) < uptake {
                cx.levers.engaged[i] = 1;
                cx.cost += per_person;
            } else {
                continue;
            }
        }
        let c = &mut cx.state.core[i];
        c.attitude += eff * (1.0 - c.attitude);
    }
}

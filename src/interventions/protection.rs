//! Protection and accountability: deters a share `deterrence` of backlash
//! and averts a share `violence_reduction` of violent sanctions in every
//! village, each scaled by political will.

use super::{Ctx, Item};

pub(super) fn apply(item: &mut Item, cx: &mut Ctx<'_>, intensity: f32) {
    let will = cx.political_will * intensity;
    let deter = item.spec.deterrence.unwrap_or(0.0) as f32 * will;
    let cut = item.spec.violence_reduction.unwrap_or(0.0) as f32 * will;
    for p in cx.levers.protection.iter_mut() {
        *p = 1.0 - (1.0 - *p) * (1.0 - deter);
    }
    for p in cx.levers.violence_cut.iter_mut() {
        *p = 1.0 - (1.0 - *p) * (1.0 - cut);
    }
}

//! Quotas: reserved council seats for selected women (elite or inclusive
//! selection), who take part regardless of norms while the quota is
//! enforced (with probability political will times funding). Raises visible
//! participation, and with it the threat that drives backlash.

use super::{Ctx, Item};

pub(super) fn recruit(item: &mut Item, cx: &mut Ctx<'_>) {
    for &i in &item.targets {
        cx.levers.quota[i as usize] = 1;
    }
}

pub(super) fn apply(item: &mut Item, cx: &mut Ctx<'_>, intensity: f32) {
    if intensity <= 0.0 {
        if item.prev_intensity > 0.0 {
            for &i in &item.targets {
                cx.levers.quota[i as usize] = 0;
            }
        }
        return;
    }
    if item.prev_intensity <= 0.0 {
        recruit(item, cx);
    }
    cx.levers.quota_enforcement = cx.levers.quota_enforcement.max(cx.political_will * intensity);
}

//! Male champions: recruited men support publicly, shield women in their
//! household and peer ties, and persuade with extra weight (the step reads
//! their champion status). They face ally backlash and may drop out; once
//! unfunded they lapse at the monthly rate `lapse`.

use super::{Ctx, Item};
use crate::model::champion;

pub(super) fn recruit(item: &mut Item, cx: &mut Ctx<'_>) {
    for &i in &item.targets {
        let h = &mut cx.state.hits[i as usize];
        if h.champion == champion::NONE {
            h.champion = champion::ACTIVE;
        }
    }
}

pub(super) fn apply(item: &mut Item, cx: &mut Ctx<'_>, intensity: f32) {
    let lapse = item.spec.lapse.unwrap_or(0.0) as f32 * (1.0 - intensity);
    if lapse <= 0.0 {
        return;
    }
    let key = cx.key(item);
    for &i in &item.targets {
        let h = &mut cx.state.hits[i as usize];
        if h.champion == champion::ACTIVE && key.uniform(i, 0) < lapse {
            h.champion = champion::DROPPED;
        }
    }
}

//! Women's organisations: members' threshold falls by `efficacy` (efficacy
//! and collective action), they weigh other women more (`solidarity`), and
//! recover from fear faster (`fear_recovery`). Core funding is steady;
//! project funding comes in cycles with gaps. Whenever funding falls (a gap
//! or a cut), each member is lost with probability `gap_loss` times the
//! share of funding lost.

use super::{Ctx, Item};

pub(super) fn apply(item: &mut Item, cx: &mut Ctx<'_>, intensity: f32) {
    if intensity < item.prev_intensity && item.prev_intensity > 0.0 {
        let loss = item.spec.gap_loss.unwrap_or(0.0) as f32 * (1.0 - intensity / item.prev_intensity);
        let key = cx.key(item);
        for (k, &i) in item.targets.iter().enumerate() {
            if item.alive[k] != 0 && key.uniform(i, 0) < loss {
                item.alive[k] = 0;
            }
        }
    }
    if intensity <= 0.0 {
        return;
    }
    let efficacy = item.spec.efficacy.unwrap_or(0.0) as f32 * intensity;
    let solidarity = item.spec.solidarity.unwrap_or(0.0) as f32 * intensity;
    let recovery = item.spec.fear_recovery.unwrap_or(0.0) as f32 * intensity;
    for (k, &i) in item.targets.iter().enumerate() {
        if item.alive[k] != 0 {
            let i = i as usize;
            cx.levers.support[i] += efficacy;
            cx.levers.solidarity[i] += solidarity;
            cx.levers.recovery[i] += recovery;
        }
    }
}

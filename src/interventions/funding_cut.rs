//! Funding cuts: from `start` to `end`, the intensity (effects and monthly
//! spending) of the named interventions, or of all, is multiplied by
//! `factor`. Women's organisations lose members when funding falls.

use super::Item;

/// The factor `cut` applies to the intervention named `name`.
pub(super) fn factor_for(cut: &Item, name: &str) -> f32 {
    let named = cut.spec.interventions.as_deref().unwrap_or(&[]);
    if named.is_empty() || named.iter().any(|n| n == name) { cut.spec.factor.unwrap_or(1.0) as f32 } else { 1.0 }
}

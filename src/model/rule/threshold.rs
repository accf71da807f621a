//! `threshold`: Granovetter's and Watts' deterministic thresholds (MODEL.md
//! section 7). An agent acts when the share (`relative`) or number of its
//! neighbours acting reaches its threshold; `permanent` makes acting
//! irreversible. The step is [`reference::threshold_step_counted`], which
//! keeps the acting neighbours' counts in [`Carry`](super::Carry).

use super::{DecisionRule, Step, range, reference};
use crate::rng::Stream;
use serde::{Deserialize, Serialize};

/// Parameters of `kind = "threshold"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Threshold {
    /// The threshold everyone shares (mean, with `threshold_sd`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    /// Spread of a Normal distribution of thresholds.
    pub threshold_sd: f64,
    /// One threshold per agent, in agent order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thresholds: Option<Vec<f64>>,
    /// Compare the share (true) or the number (false) of neighbours acting.
    pub relative: bool,
    /// Acting is irreversible.
    pub permanent: bool,
}

impl Default for Threshold {
    fn default() -> Self {
        Threshold { threshold: None, threshold_sd: 0.0, thresholds: None, relative: true, permanent: false }
    }
}

impl DecisionRule for Threshold {
    const NAME: &'static str = "threshold";

    fn check(&self, size: Option<u32>) -> Result<(), (String, String)> {
        let bad = |k: &str, m: &str| Err((k.to_string(), m.to_string()));
        if self.threshold.is_none() && self.thresholds.is_none() {
            return bad("threshold", "is missing; `kind = \"threshold\"` needs `threshold = X` or a per-agent list `thresholds = [...]`");
        }
        if self.threshold.is_some() && self.thresholds.is_some() {
            return bad("thresholds", "give either `threshold` or `thresholds`, not both");
        }
        let hi = if self.relative { 1.0 } else { 1e9 };
        if let Some(t) = self.threshold {
            range("threshold", t, 0.0, hi)?;
        }
        range("threshold_sd", self.threshold_sd, 0.0, 1e9)?;
        if let Some(list) = &self.thresholds {
            let Some(n) = size else {
                return bad("thresholds", "a per-agent list needs a flat population of known size: set `population.size`");
            };
            if list.len() != n as usize {
                return Err(("thresholds".into(), format!("has {} entries; it needs one per agent: {n} (population.size)", list.len())));
            }
            for (i, &t) in list.iter().enumerate() {
                range(&format!("thresholds.{i}"), t, 0.0, hi)?;
            }
        }
        Ok(())
    }

    fn theta(&self, i: usize, _group: (f64, f64), rng: &mut Stream) -> f32 {
        match (&self.thresholds, self.threshold) {
            (Some(list), _) => list.get(i).copied().unwrap_or(f64::INFINITY) as f32,
            (None, t) => crate::model::init::normal_draw(t.unwrap_or(0.0), self.threshold_sd, rng).max(0.0),
        }
    }

    /// The counts (4 bytes an agent) and flags (1); a network read from
    /// files may need its reverse (4 a tie and an agent).
    fn scratch_bytes(&self, agents: f64, ties: f64, loaded: bool) -> f64 {
        5.0 * agents + if loaded { 4.0 * (ties + agents) } else { 0.0 }
    }

    fn wants_symmetry(&self) -> bool {
        true
    }

    fn step(&self, cx: Step<'_>) {
        reference::threshold_step_counted(cx.world, self.relative, self.permanent, cx.cur, cx.next, &mut cx.carry.counts, cx.parallel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_names_the_key_at_fault() {
        let key = |t: Threshold, size| t.check(size).unwrap_err().0;
        assert_eq!(key(Threshold::default(), None), "threshold");
        let one = Threshold { threshold: Some(0.3), ..Default::default() };
        assert_eq!(one.check(None), Ok(()));
        assert_eq!(key(Threshold { threshold: Some(1.5), ..one.clone() }, None), "threshold");
        assert_eq!(Threshold { threshold: Some(1.5), relative: false, ..one.clone() }.check(None), Ok(()));
        assert_eq!(key(Threshold { thresholds: Some(vec![0.1]), ..one.clone() }, Some(1)), "thresholds");
        let list = Threshold { thresholds: Some(vec![0.1, 2.0]), ..Default::default() };
        assert_eq!(key(list.clone(), None), "thresholds");
        assert_eq!(key(list.clone(), Some(3)), "thresholds");
        assert_eq!(key(list, Some(2)), "thresholds.1");
    }
}

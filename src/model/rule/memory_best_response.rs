//! `memory_best_response`: Centola et al.'s (2018) naming game as a best
//! response to memory (MODEL.md section 7). Each step every non-committed
//! agent observes one random neighbour's previous choice into a memory of
//! its last `memory` observations and plays the majority of its memory.
//! The step is [`reference::memory_step`]; memories are one `u64` per
//! agent in [`State::memory`](crate::model::State::memory).

use super::{DecisionRule, Step, reference};
use serde::{Deserialize, Serialize};

/// Parameters of `kind = "memory_best_response"`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MemoryBestResponse {
    /// Observations remembered (1 to 64).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory: Option<u32>,
}

impl DecisionRule for MemoryBestResponse {
    const NAME: &'static str = "memory_best_response";

    fn check(&self, _size: Option<u32>) -> Result<(), (String, String)> {
        match self.memory {
            None => Err(("memory".into(), "is missing; `kind = \"memory_best_response\"` needs `memory = M` (1 to 64)".into())),
            Some(m) if !(1..=64).contains(&m) => Err(("memory".into(), format!("{m} is out of range; allowed: 1 to 64"))),
            _ => Ok(()),
        }
    }

    fn keeps_memory(&self) -> bool {
        true
    }

    fn step(&self, cx: Step<'_>) {
        reference::memory_step(cx.world, self.memory.unwrap_or(1), cx.cur, cx.next, cx.seed, cx.t, cx.parallel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_is_needed_and_between_1_and_64() {
        let m = |memory| MemoryBestResponse { memory };
        assert_eq!(m(None).check(None).unwrap_err().0, "memory");
        assert_eq!(m(Some(0)).check(None).unwrap_err().0, "memory");
        assert_eq!(m(Some(65)).check(None).unwrap_err().0, "memory");
        assert_eq!(m(Some(1)).check(None), Ok(()));
        assert_eq!(m(Some(64)).check(None), Ok(()));
    }
}

//! The behaviour rules, one place: which rule a run steps with (resolved
//! once from the scenario's `[rule]` table), what a rule carries from one
//! step to the next, and the one dispatch from a month to the rule's step.
//!
//! | rule | step | carries |
//! |---|---|---|
//! | `logit` (the community model) | [`step::step`] | village aggregates ([`Villages`], shared with the programme) |
//! | `threshold` | [`reference::threshold_step_counted`] | acting neighbours ([`reference::Counts`]) |
//! | `memory_best_response` | [`reference::memory_step`] | nothing (memories are in [`State::memory`]) |
//!
//! Adding a rule: its step beside the others, a variant and its `of` arm
//! here, its arm of [`advance`], and its keys' checks in
//! `scenario/validate.rs`. Never imports `interventions/`; never does I/O.

use super::step::{self, Villages};
use super::{Levers, Params, State, World, reference};
use crate::scenario::{RuleKind, Scenario};

/// A behaviour rule with the parameters its step reads.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Rule {
    /// The community model's logit choices (MODEL.md section 3).
    Logit,
    /// Deterministic thresholds on the share (`relative`) or number of
    /// acting neighbours; `permanent` makes acting irreversible.
    Threshold { relative: bool, permanent: bool },
    /// Best response to a memory of the last `memory` observations.
    MemoryBestResponse { memory: u32 },
}

impl Rule {
    /// The rule of a validated scenario.
    pub fn of(s: &Scenario) -> Rule {
        let r = &s.rule;
        match r.kind {
            RuleKind::Logit => Rule::Logit,
            RuleKind::Threshold => Rule::Threshold { relative: r.relative, permanent: r.permanent },
            RuleKind::MemoryBestResponse => Rule::MemoryBestResponse { memory: r.memory.unwrap_or(1) },
        }
    }
}

/// What a rule keeps between steps of one run, apart from the state.
#[derive(Clone, Debug, Default)]
pub struct Carry {
    /// Acting neighbours of each agent (threshold rule; built on first use).
    pub counts: reference::Counts,
}

/// Advance `cur` by one step of `rule` into `next`. `t` is the step
/// counter of the random streams; `levers` and `villages` are read (and
/// `villages` updated) by the community model only.
#[allow(clippy::too_many_arguments)]
pub fn advance(
    rule: Rule,
    world: &World,
    params: &Params,
    levers: &Levers,
    villages: &mut Villages,
    carry: &mut Carry,
    cur: &State,
    next: &mut State,
    seed: u64,
    t: u32,
    parallel: bool,
) {
    match rule {
        Rule::Logit => step::step(world, params, levers, villages, cur, next, seed, t, parallel),
        Rule::Threshold { relative, permanent } => {
            reference::threshold_step_counted(world, relative, permanent, cur, next, &mut carry.counts, parallel)
        }
        Rule::MemoryBestResponse { memory } => reference::memory_step(world, memory, cur, next, seed, t, parallel),
    }
}

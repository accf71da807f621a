//! The step's inputs from outside the model: what programmes (and the
//! context, such as a conflict) set each month for the step to read. Owned by
//! the model so the model can be read and tested without `interventions/`;
//! interventions write these fields, the step only reads them.

use crate::scenario::Context;

/// What interventions set for the step to read this month.
#[derive(Clone, Debug, Default)]
pub struct Levers {
    /// Utility added to a woman's decision (women's organisations).
    pub support: Vec<f32>,
    /// Extra weight an agent gives women neighbours (solidarity).
    pub solidarity: Vec<f32>,
    /// Extra monthly decay of fear.
    pub recovery: Vec<f32>,
    /// Holds a reserved council seat.
    pub quota: Vec<u8>,
    /// Leader reached by engagement.
    pub engaged: Vec<u8>,
    /// Share of backlash deterred, per village.
    pub protection: Vec<f32>,
    /// Share of violent sanctions averted, per village.
    pub violence_cut: Vec<f32>,
    /// Chance a seat holder is made to take part this month.
    pub quota_enforcement: f32,
    /// Multiplier of backlash rates (conflict).
    pub rate_mult: f32,
    /// Rise of men's and leaders' thresholds (conflict).
    pub theta_shift: f32,
}

impl Levers {
    /// Levers of a world with no programme.
    pub fn new(agents: usize, villages: usize) -> Levers {
        Levers {
            support: vec![0.0; agents],
            solidarity: vec![0.0; agents],
            recovery: vec![0.0; agents],
            quota: vec![0; agents],
            engaged: vec![0; agents],
            protection: vec![0.0; villages],
            violence_cut: vec![0.0; villages],
            quota_enforcement: 0.0,
            rate_mult: 1.0,
            theta_shift: 0.0,
        }
    }

    /// Clear what interventions set anew each month (before they act).
    pub fn reset_month(&mut self) {
        self.support.fill(0.0);
        self.solidarity.fill(0.0);
        self.recovery.fill(0.0);
        self.protection.fill(0.0);
        self.violence_cut.fill(0.0);
        self.quota_enforcement = 0.0;
    }

    /// Set the context's levers for programme month `month`: from
    /// `conflict_start` on, backlash rates rise by `conflict_backlash` and
    /// men's and leaders' thresholds by `conflict_conservatism`.
    pub fn context(&mut self, c: &Context, month: u32) {
        let conflict = c.conflict_start.is_some_and(|t| month >= t);
        self.rate_mult = if conflict { 1.0 + c.conflict_backlash as f32 } else { 1.0 };
        self.theta_shift = if conflict { c.conflict_conservatism as f32 } else { 0.0 };
    }
}

//! Equal budgets: find, for a strategy, the multiplier of its reach (people
//! trained, recruited or reached) at which its total cost on replicate 0
//! equals a budget. Cost is measured by running the strategy, since some
//! costs (leaders paid when they engage) arise in the run.

use crate::outcomes::sum;
use crate::run::Job;

/// Why a strategy cannot be rescaled to a budget.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BudgetError {
    #[error(
        "strategy `{strategy}` has no cost; --budget needs every compared strategy but baseline to cost something (or leave it out with --strategies)"
    )]
    NoCost { strategy: String },
    #[error(
        "strategy `{strategy}` spends {fixed:.0} whatever its reach (per-month costs only); give its interventions a `per_person` cost, raise --budget, or leave it out with --strategies"
    )]
    Fixed { strategy: String, fixed: f64 },
    #[error(
        "strategy `{strategy}` spends {fixed:.0} on per-month costs alone, more than the budget {budget:.0}; raise --budget or leave it out with --strategies"
    )]
    OverBudget { strategy: String, fixed: f64, budget: f64 },
    #[error(
        "strategy `{strategy}` reaches everyone it can for {max:.0}, less than the budget {budget:.0}; lower --budget or leave it out with --strategies"
    )]
    UnderBudget { strategy: String, max: f64, budget: f64 },
}

/// How a strategy was rescaled.
#[derive(Debug, Clone, PartialEq)]
pub struct Rescale {
    /// Multiplier of every target's share or count.
    pub reach: f64,
    /// Cost with its own reach, on replicate 0.
    pub own_cost: f64,
    /// Cost at the new reach, on replicate 0.
    pub cost: f64,
}

/// Cost of strategy `k` (an index into `job.strategies`) at `reach`, on the
/// job's first replicate.
fn cost_at(job: &Job<'_>, k: usize, reach: f64) -> f64 {
    let mut one = job.clone();
    one.strategies = vec![job.strategies[k]];
    one.reach = vec![reach];
    one.replicates = job.replicates.start..job.replicates.start + 1;
    one.run_replicate(one.replicates.start)[0].summary[sum::COST_TOTAL]
}

/// Find the reach at which strategy `k` of `job` spends `budget` (within 0.5%).
pub fn rescale(job: &Job<'_>, k: usize, budget: f64) -> Result<Rescale, BudgetError> {
    let name = job.scenario.strategies[job.strategies[k]].name.clone();
    let own = cost_at(job, k, 1.0);
    if own <= 0.0 {
        return Err(BudgetError::NoCost { strategy: name });
    }
    let fixed = cost_at(job, k, 0.0);
    if fixed >= own - 1e-9 {
        return Err(BudgetError::Fixed { strategy: name, fixed });
    }
    if fixed > budget {
        return Err(BudgetError::OverBudget { strategy: name, fixed, budget });
    }
    // Reach is capped by the size of each group; find the most it can spend.
    let mut hi = 1.0;
    let mut c_hi = own;
    while c_hi < budget {
        let next = hi * 2.0;
        let c = cost_at(job, k, next);
        if c <= c_hi * (1.0 + 1e-9) || next > 1e6 {
            return Err(BudgetError::UnderBudget { strategy: name, max: c_hi, budget });
        }
        hi = next;
        c_hi = c;
    }
    let (mut lo, mut c_lo) = (0.0, fixed);
    // Secant steps inside the bracket, falling back to bisection.
    let mut best = (hi, c_hi);
    for _ in 0..40 {
        let mut x = lo + (budget - c_lo) * (hi - lo) / (c_hi - c_lo);
        if !(x > lo && x < hi) {
            x = 0.5 * (lo + hi);
        }
        let c = cost_at(job, k, x);
        if (c - budget).abs() < (best.1 - budget).abs() {
            best = (x, c);
        }
        if (c - budget).abs() <= 0.005 * budget {
            break;
        }
        if c < budget {
            (lo, c_lo) = (x, c);
        } else {
            (hi, c_hi) = (x, c);
        }
    }
    Ok(Rescale { reach: best.0, own_cost: own, cost: best.1 })
}

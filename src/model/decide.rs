//! The step's shared decisions and views: the logistic choice (with its
//! cheap, exact shortcut), a man's stance from his utility, and what
//! neighbours see of an agent. Used by the community step, the reference
//! steps and the initial state. Pure functions; never allocates, draws or
//! does I/O.

use super::{Core, Hits, Public, State, World, champion, public, stance};

/// The logistic function.
#[inline(always)]
pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// How far from the cheap sigmoid a draw must be for the shortcut of
/// [`below_sigmoid`] to decide. The cheap sigmoid is within 1e-5 of the true
/// one and [`sigmoid`] within 1e-6 (its `exp` is within an ulp or two), so a
/// draw farther than 1e-4 from the cheap value is on the same side of both.
const SIGMOID_MARGIN: f32 = 1e-4;

/// `u < sigmoid(x)`, exactly, without an `exp` unless `u` is within
/// [`SIGMOID_MARGIN`] of the cheap sigmoid (one draw in about 5,000).
#[inline(always)]
pub fn below_sigmoid(u: f32, x: f32) -> bool {
    if let Some(a) = approx_sigmoid(x) {
        if u < a - SIGMOID_MARGIN {
            return true;
        }
        if u > a + SIGMOID_MARGIN {
            return false;
        }
    }
    u < sigmoid(x)
}

/// The logistic function within 1e-5 for every number (None for NaN):
/// 2^t for t = -x log2(e) as 2^round(t) times a polynomial for the rest;
/// 0 or 1 beyond |x| = 16, where the true value is within 1.2e-7 of them.
#[inline(always)]
fn approx_sigmoid(x: f32) -> Option<f32> {
    if x > 16.0 {
        return Some(1.0);
    }
    if x < -16.0 {
        return Some(0.0);
    }
    if x.is_nan() {
        return None;
    }
    let t = -x * std::f32::consts::LOG2_E;
    // Round to the nearest integer by adding and taking away 1.5 * 2^23
    // (exact for |t| < 2^22; `round` would be a call to libm's `roundf`).
    const SHIFT: f32 = 12_582_912.0;
    let n = (t + SHIFT) - SHIFT;
    let f = (t - n) * std::f32::consts::LN_2;
    // e^f, |f| <= ln(2)/2, by its Taylor polynomial of degree 5 (relative
    // error below 3e-6), evaluated in three independent parts (Estrin) for
    // a short chain of dependent operations.
    let f2 = f * f;
    let p = (1.0 + f) + f2 * (0.5 + f * (1.0 / 6.0)) + (f2 * f2) * (1.0 / 24.0 + f * (1.0 / 120.0));
    // 2^n for |n| <= 24 as the bits of a normal float.
    let scale = f32::from_bits(((n as i32 + 127) as u32) << 23);
    Some(1.0 / (1.0 + p * scale))
}

/// Recompute what neighbours see of every agent.
pub fn refresh_public(world: &World, state: &mut State) {
    for (i, ((c, h), p)) in state.core.iter().zip(&state.hits).zip(state.public.iter_mut()).enumerate() {
        *p = public_of(c, h, world.agents.is_woman(i));
    }
}

/// What neighbours see of one agent.
#[inline(always)]
pub fn public_of(c: &Core, h: &Hits, woman: bool) -> Public {
    // Without branches (gender and stance are not predictable from one
    // agent to the next): both readings are made and one is picked.
    // A man expresses 0.5 (neither), 1 (supports) or 0 (opposes).
    const MEN_EXPR: [f32; 4] = [0.5, 1.0, 0.0, 0.5];
    let acts = c.stance == stance::ACTS;
    let women_expr = if acts { c.attitude } else { 0.5 };
    let men_expr = MEN_EXPR[usize::from(c.stance.min(3))];
    let expr = if woman { women_expr } else { men_expr };
    let acting_flag = [public::SUPPORTS, public::ACTS][usize::from(woman)];
    let flags = (u8::from(woman) * public::WOMAN)
        | (u8::from(acts) * acting_flag)
        | (u8::from(h.sanctions > 0) * public::SANCTIONED)
        | (u8::from(h.champion == champion::ACTIVE) * public::CHAMPION);
    Public { expr, flags }
}

/// A man's stance from his utility `v`: supports with probability
/// sigma(beta v), opposes with sigma(-beta (v + margin)), else neither.
/// Decided as `u < sigmoid(beta v)`, then `u < sigmoid(beta v) +
/// sigmoid(-beta (v + margin))`, with [`below_sigmoid`]'s shortcut: the
/// same stance, rarely an `exp`.
#[inline(always)]
pub fn man_stance(beta: f32, v: f32, margin: f32, u: f32) -> u8 {
    let (x_support, x_oppose) = (beta * v, -beta * (v + margin));
    if let (Some(a), Some(b)) = (approx_sigmoid(x_support), approx_sigmoid(x_oppose)) {
        // Decided without branches (the draw makes them unpredictable):
        // supports if clearly below a; else opposes or not if clearly on
        // one side of a + b.
        let sum = a + b;
        let supports = u < a - SIGMOID_MARGIN;
        let opposes = u < sum - SIGMOID_MARGIN;
        let clear = supports | (u > a + SIGMOID_MARGIN) & (opposes | (u > sum + SIGMOID_MARGIN));
        if clear {
            const _: () = assert!(stance::NEITHER == 0);
            return u8::from(supports) * stance::ACTS + u8::from(!supports & opposes) * stance::OPPOSES;
        }
    }
    let p_support = sigmoid(x_support);
    if u < p_support {
        return stance::ACTS;
    }
    let p_oppose = sigmoid(x_oppose);
    if u < p_support + p_oppose { stance::OPPOSES } else { stance::NEITHER }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{StepKey, purpose};

    #[test]
    fn the_sigmoid_shortcut_decides_as_the_exact_comparison() {
        let exact_man = |beta: f32, v: f32, margin: f32, u: f32| {
            let p_support = sigmoid(beta * v);
            let p_oppose = sigmoid(-beta * (v + margin));
            if u < p_support {
                stance::ACTS
            } else if u < p_support + p_oppose {
                stance::OPPOSES
            } else {
                stance::NEITHER
            }
        };
        let key = StepKey::new(3, 0, purpose::DECIDE);
        let mut checked = 0u32;
        for k in 0..400_000u32 {
            // Arguments over the whole useful range and beyond, and draws
            // both at random and right at the decision boundary.
            let x = (key.uniform(k, 0) - 0.5) * 50.0;
            let s = sigmoid(x);
            let near = [s, f32::from_bits(s.to_bits().saturating_sub(1)), f32::from_bits(s.to_bits() + 1)];
            for u in [key.uniform(k, 1), near[(k % 3) as usize].clamp(0.0, 0.99999994)] {
                assert_eq!(below_sigmoid(u, x), u < s, "x {x} u {u}");
                let (beta, margin) = (1.0 + 7.0 * key.uniform(k, 2), key.uniform(k, 3));
                let v = x / beta;
                assert_eq!(man_stance(beta, v, margin, u), exact_man(beta, v, margin, u), "beta {beta} v {v} margin {margin} u {u}");
                checked += 1;
            }
        }
        for x in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 16.0, -16.0, 16.000002, -16.000002, 0.0, -0.0, 88.8, -88.8, 104.0, -104.0] {
            for u in [0.0, 1e-9, 1e-4, 0.5, 0.9999, 0.99999994] {
                assert_eq!(below_sigmoid(u, x), u < sigmoid(x), "x {x} u {u}");
                assert_eq!(man_stance(4.0, x / 4.0, 0.3, u), exact_man(4.0, x / 4.0, 0.3, u), "x {x} u {u}");
            }
        }
        assert!(checked > 0);
        // The cheap sigmoid is as close as claimed.
        for k in 0..100_000u32 {
            let x = (key.uniform(k, 4) - 0.5) * 40.0;
            let truth = 1.0 / (1.0 + (-f64::from(x)).exp());
            let err = (f64::from(approx_sigmoid(x).unwrap()) - truth).abs();
            assert!(err < 1e-5, "x {x}: error {err}");
        }
    }

    #[test]
    fn man_stance_probabilities_add_up() {
        // With margin 0 a man never stays neutral.
        for k in 0..100 {
            let u = k as f32 / 100.0;
            assert_ne!(man_stance(4.0, 0.1, 0.0, u), stance::NEITHER);
        }
        // A strongly positive utility almost always supports.
        assert_eq!(man_stance(4.0, 3.0, 0.3, 0.99), stance::ACTS);
        assert_eq!(man_stance(4.0, -3.0, 0.3, 0.01), stance::OPPOSES);
    }
}

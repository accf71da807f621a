//! Scenario discovery with PRIM (the Patient Rule Induction Method of
//! Friedman & Fisher 1999, as used in the EMA Workbench): find a box of
//! parameter values, `lo <= x <= hi` on a few parameters, where a case of
//! interest (a runner-up beating the top strategy) is concentrated.
//!
//! Peeling removes, one step at a time, the `alpha` share of the remaining
//! draws at the low or high end of the one parameter that most raises the
//! box's density (share of its draws that are cases); peeling stops when
//! the box would hold fewer than `min_mass` of the draws. From that
//! trajectory the box with the best balance of density and coverage (share
//! of all cases inside; their harmonic mean) is chosen, then pasted (edges
//! widened again while that balance improves) and pruned (restrictions
//! that do not help are dropped). Pure and deterministic.

/// A box over the parameters and how well it isolates the cases.
#[derive(Clone, Debug, PartialEq)]
pub struct PrimBox {
    /// Bounds per parameter (inclusive); infinite where not restricted.
    pub lo: Vec<f64>,
    pub hi: Vec<f64>,
    /// Share of all cases that fall inside.
    pub coverage: f64,
    /// Share of the draws inside that are cases.
    pub density: f64,
    /// Share of all draws inside.
    pub mass: f64,
}

impl PrimBox {
    /// Parameters the box restricts.
    pub fn restricted(&self) -> Vec<usize> {
        (0..self.lo.len()).filter(|&k| self.lo[k].is_finite() || self.hi[k].is_finite()).collect()
    }

    fn contains(&self, row: &[f64]) -> bool {
        row.iter().enumerate().all(|(k, &x)| x >= self.lo[k] && x <= self.hi[k])
    }
}

/// Parameters of the search.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// Share of the box's draws removed by one peel (0.05 is usual).
    pub alpha: f64,
    /// Smallest share of all draws a box may hold.
    pub min_mass: f64,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings { alpha: 0.05, min_mass: 0.05 }
    }
}

struct Data<'a> {
    x: &'a [Vec<f64>],
    y: &'a [bool],
    cases: usize,
}

impl Data<'_> {
    fn score(&self, b: &PrimBox) -> (f64, f64, f64, f64) {
        let (mut inside, mut hits) = (0usize, 0usize);
        for (row, &y) in self.x.iter().zip(self.y) {
            if b.contains(row) {
                inside += 1;
                hits += usize::from(y);
            }
        }
        let density = if inside > 0 { hits as f64 / inside as f64 } else { 0.0 };
        let coverage = if self.cases > 0 { hits as f64 / self.cases as f64 } else { 0.0 };
        let f = if density + coverage > 0.0 { 2.0 * density * coverage / (density + coverage) } else { 0.0 };
        (f, density, coverage, inside as f64 / self.x.len() as f64)
    }

    fn scored(&self, mut b: PrimBox) -> PrimBox {
        let (_, d, c, m) = self.score(&b);
        b.density = d;
        b.coverage = c;
        b.mass = m;
        b
    }

    fn inside(&self, b: &PrimBox) -> Vec<usize> {
        (0..self.x.len()).filter(|&i| b.contains(&self.x[i])).collect()
    }
}

/// The box where `y` is concentrated, for draws `x` (one row per draw, one
/// column per parameter). None when there are no cases or no draws.
pub fn prim(x: &[Vec<f64>], y: &[bool], settings: Settings) -> Option<PrimBox> {
    let n = x.len().min(y.len());
    let dims = x.first().map_or(0, Vec::len);
    let cases = y[..n].iter().filter(|&&c| c).count();
    if n == 0 || cases == 0 {
        return None;
    }
    let data = Data { x: &x[..n], y: &y[..n], cases };
    let full = PrimBox { lo: vec![f64::NEG_INFINITY; dims], hi: vec![f64::INFINITY; dims], coverage: 0.0, density: 0.0, mass: 0.0 };
    let min_inside = ((settings.min_mass * n as f64).ceil() as usize).max(1);
    // Peeling trajectory.
    let mut trajectory = vec![data.scored(full.clone())];
    let mut current = full.clone();
    loop {
        let inside = data.inside(&current);
        let remove = ((settings.alpha * inside.len() as f64).ceil() as usize).max(1);
        let mut best: Option<(f64, PrimBox)> = None;
        for k in 0..dims {
            let mut v: Vec<f64> = inside.iter().map(|&i| data.x[i][k]).collect();
            v.sort_by(f64::total_cmp);
            let (first, last) = (v[0], v[v.len() - 1]);
            // Low end: keep x >= cut, the cut at least one distinct value in.
            let mut cut = v[remove.min(v.len() - 1)];
            if cut == first {
                cut = v.iter().copied().find(|&t| t > first).unwrap_or(f64::NAN);
            }
            let mut candidates = Vec::new();
            if !cut.is_nan() {
                let mut b = current.clone();
                b.lo[k] = cut;
                candidates.push(b);
            }
            let mut cut = v[v.len() - 1 - remove.min(v.len() - 1)];
            if cut == last {
                cut = v.iter().rev().copied().find(|&t| t < last).unwrap_or(f64::NAN);
            }
            if !cut.is_nan() {
                let mut b = current.clone();
                b.hi[k] = cut;
                candidates.push(b);
            }
            for b in candidates {
                let kept = inside.iter().filter(|&&i| b.contains(&data.x[i])).count();
                if kept < min_inside {
                    continue;
                }
                let hits = inside.iter().filter(|&&i| data.y[i] && b.contains(&data.x[i])).count();
                let density = hits as f64 / kept as f64;
                if best.as_ref().is_none_or(|(d, _)| density > *d) {
                    best = Some((density, b));
                }
            }
        }
        let Some((_, b)) = best else { break };
        current = data.scored(b);
        trajectory.push(current.clone());
    }
    // The box with the best balance of density and coverage (the largest
    // on ties).
    let f = |b: &PrimBox| data.score(b).0;
    let mut chosen = trajectory[0].clone();
    for b in &trajectory[1..] {
        if f(b) > f(&chosen) {
            chosen = b.clone();
        }
    }
    // Pasting: widen an edge to take back draws just outside it while the
    // balance improves.
    loop {
        let mut best: Option<(f64, PrimBox)> = None;
        let here = f(&chosen);
        for k in 0..dims {
            // Draws outside only because of parameter k.
            let mut others = chosen.clone();
            others.lo[k] = f64::NEG_INFINITY;
            others.hi[k] = f64::INFINITY;
            let inside = data.inside(&others);
            let step = ((settings.alpha * data.inside(&chosen).len() as f64).ceil() as usize).max(1);
            let mut below: Vec<f64> = inside.iter().map(|&i| data.x[i][k]).filter(|&v| v < chosen.lo[k]).collect();
            below.sort_by(|a, b| b.total_cmp(a));
            let mut above: Vec<f64> = inside.iter().map(|&i| data.x[i][k]).filter(|&v| v > chosen.hi[k]).collect();
            above.sort_by(f64::total_cmp);
            let mut candidates = Vec::new();
            if !below.is_empty() {
                let mut b = chosen.clone();
                b.lo[k] = if below.len() <= step { f64::NEG_INFINITY } else { below[step - 1] };
                candidates.push(b);
            }
            if !above.is_empty() {
                let mut b = chosen.clone();
                b.hi[k] = if above.len() <= step { f64::INFINITY } else { above[step - 1] };
                candidates.push(b);
            }
            for b in candidates {
                let s = f(&b);
                if s > here && best.as_ref().is_none_or(|(t, _)| s > *t) {
                    best = Some((s, b));
                }
            }
        }
        match best {
            Some((_, b)) => chosen = b,
            None => break,
        }
    }
    // Pruning: drop restrictions that do not improve the balance.
    loop {
        let here = f(&chosen);
        let drop = chosen.restricted().into_iter().find(|&k| {
            let mut b = chosen.clone();
            b.lo[k] = f64::NEG_INFINITY;
            b.hi[k] = f64::INFINITY;
            f(&b) >= here
        });
        match drop {
            Some(k) => {
                chosen.lo[k] = f64::NEG_INFINITY;
                chosen.hi[k] = f64::INFINITY;
            }
            None => break,
        }
    }
    Some(data.scored(chosen))
}

/// Round for a sentence: three significant digits.
pub fn short(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let digits = (2 - x.abs().log10().floor() as i32).max(0) as usize;
    format!("{x:.digits$}")
}

/// The box in words: "`winner` beats `loser` where a is below 0.3 and b is
/// above 0.03: in 80% of such draws (25% of all draws), which hold 70% of
/// the draws where it wins."
pub fn sentence(b: Option<&PrimBox>, names: &[String], winner: &str, loser: &str, wins: f64) -> String {
    let Some(b) = b else {
        return format!("{winner} never beats {loser} in these draws.");
    };
    let parts: Vec<String> = b
        .restricted()
        .iter()
        .map(|&k| match (b.lo[k].is_finite(), b.hi[k].is_finite()) {
            (true, true) => format!("{} is between {} and {}", names[k], short(b.lo[k]), short(b.hi[k])),
            (true, false) => format!("{} is at least {}", names[k], short(b.lo[k])),
            _ => format!("{} is at most {}", names[k], short(b.hi[k])),
        })
        .collect();
    if parts.is_empty() {
        return format!("{winner} beats {loser} in {:.0}% of the draws, with no range of the parameters standing out.", 100.0 * wins);
    }
    format!(
        "{winner} beats {loser} where {}: in {:.0}% of such draws ({:.0}% of all draws), which hold {:.0}% of the draws where it wins ({:.0}% of all).",
        parts.join(" and "),
        100.0 * b.density,
        100.0 * b.mass,
        100.0 * b.coverage,
        100.0 * wins
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{StepKey, purpose_of};

    fn draws(n: u32, dims: usize) -> Vec<Vec<f64>> {
        let key = StepKey::new(11, 0, purpose_of("prim-test"));
        (0..n).map(|i| (0..dims).map(|d| key.uniform64(i, d as u32)).collect()).collect()
    }

    #[test]
    fn finds_a_crossing_on_one_parameter() {
        // Cases where parameter 1 is below 0.3; parameters 0 and 2 irrelevant.
        let x = draws(512, 3);
        let y: Vec<bool> = x.iter().map(|r| r[1] < 0.3).collect();
        let b = prim(&x, &y, Settings::default()).unwrap();
        assert_eq!(b.restricted(), vec![1], "{b:?}");
        assert!((b.hi[1] - 0.3).abs() < 0.02, "{b:?}");
        assert!(b.density > 0.95 && b.coverage > 0.95, "{b:?}");
    }

    #[test]
    fn finds_a_corner_of_two_parameters_with_noise() {
        let x = draws(1024, 4);
        let key = StepKey::new(2, 0, purpose_of("noise"));
        let y: Vec<bool> = x.iter().enumerate().map(|(i, r)| (r[0] > 0.6 && r[2] < 0.5) ^ (key.uniform64(i as u32, 0) < 0.05)).collect();
        let b = prim(&x, &y, Settings::default()).unwrap();
        assert_eq!(b.restricted(), vec![0, 2], "{b:?}");
        assert!((b.lo[0] - 0.6).abs() < 0.05 && (b.hi[2] - 0.5).abs() < 0.05, "{b:?}");
        assert!(b.density > 0.8, "{b:?}");
        let s = sentence(Some(&b), &["a".into(), "b".into(), "c".into(), "d".into()], "x", "y", 0.2);
        assert!(s.starts_with("x beats y where a is at least ") && s.contains(" and c is at most "), "{s}");
    }

    #[test]
    fn no_cases_no_box() {
        let x = draws(50, 2);
        assert!(prim(&x, &[false; 50], Settings::default()).is_none());
        let b = prim(&x, &[true; 50], Settings::default()).unwrap();
        assert!(b.restricted().is_empty() && b.density == 1.0);
    }
}

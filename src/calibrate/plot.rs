//! Figures of a calibration, drawn from numbers the caller passes (the
//! rows it also writes to `posterior.csv` and `ppc.csv`): the pairwise
//! figure of the posterior (each parameter's weighted histogram on the
//! diagonal, each pair's particles below it, the prior's range as the
//! axes) and the posterior predictive check (each target's observed value
//! with its 95% interval against the 5th-95th percentile band of values
//! simulated from the posterior). Never opens or writes files.

use super::fit::Check;
use crate::plot::parts::{anchored, bold, font, title};
use crate::plot::render::{Area, Draw, de};
use crate::plot::style::{INK, MUTED, Sizes, okabe_ito};
use crate::plot::{Figure, Options, PlotError, finish};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// The pairwise figure's input.
pub struct Pairs {
    /// Parameter keys.
    pub keys: Vec<String>,
    /// Each parameter's prior range (the axes).
    pub ranges: Vec<(f64, f64)>,
    /// Particles' parameter values, `theta[i][k]`.
    pub theta: Vec<Vec<f64>>,
    pub weights: Vec<f64>,
    /// A value to mark on every panel (e.g. a synthetic truth), if any.
    pub mark: Option<Vec<f64>>,
}

const CELL: f64 = 300.0;
const LEFT: f64 = 90.0;
const BOTTOM: f64 = 110.0;
const TOP: f64 = 120.0;
const BINS: usize = 24;

impl Draw for Pairs {
    fn size(&self) -> (u32, u32) {
        let d = self.keys.len().max(1) as f64;
        ((LEFT + CELL * d + 40.0).max(900.0) as u32, (TOP + CELL * d + BOTTOM) as u32)
    }

    fn draw<DB: DrawingBackend>(&self, root: &Area<DB>, z: Sizes) -> Result<(), PlotError> {
        title(root, "Posterior of the fitted parameters", Some("Weighted particles of the last generation; axes span each prior"), z)?;
        let d = self.keys.len();
        let total: f64 = self.weights.iter().sum::<f64>().max(f64::MIN_POSITIVE);
        for r in 0..d {
            for c in 0..=r {
                let x0 = z.px(LEFT + CELL * c as f64);
                let y0 = z.px(TOP + CELL * r as f64);
                let cell = root.clone().shrink((x0, y0), (z.pxu(CELL - 12.0), z.pxu(CELL - 12.0)));
                cell.draw(&Rectangle::new([(0, 0), (z.px(CELL - 13.0), z.px(CELL - 13.0))], MUTED.mix(0.6).stroke_width(1))).map_err(de)?;
                let (xl, xh) = self.ranges[c];
                if r == c {
                    // Weighted histogram, scaled to its tallest bin.
                    let mut bins = [0.0; BINS];
                    for (t, w) in self.theta.iter().zip(&self.weights) {
                        let b = (((t[c] - xl) / (xh - xl)) * BINS as f64).floor();
                        if b.is_finite() {
                            bins[(b.max(0.0) as usize).min(BINS - 1)] += w / total;
                        }
                    }
                    let top = bins.iter().copied().fold(0.0, f64::max).max(1e-12);
                    let mut chart = ChartBuilder::on(&cell).margin(z.px(4.0)).build_cartesian_2d(xl..xh, 0.0..1.1).map_err(de)?;
                    let width = (xh - xl) / BINS as f64;
                    chart
                        .draw_series(bins.iter().enumerate().map(|(b, v)| {
                            let a = xl + width * b as f64;
                            Rectangle::new([(a, 0.0), (a + width, v / top)], okabe_ito::BLUE.mix(0.8).filled())
                        }))
                        .map_err(de)?;
                    if let Some(m) = &self.mark {
                        chart
                            .draw_series(std::iter::once(PathElement::new(
                                vec![(m[c], 0.0), (m[c], 1.1)],
                                okabe_ito::VERMILLION.stroke_width(z.pxu(2.5)),
                            )))
                            .map_err(de)?;
                    }
                } else {
                    let (yl, yh) = self.ranges[r];
                    let mut chart = ChartBuilder::on(&cell).margin(z.px(4.0)).build_cartesian_2d(xl..xh, yl..yh).map_err(de)?;
                    let wmax = self.weights.iter().copied().fold(0.0, f64::max).max(1e-300);
                    chart
                        .draw_series(self.theta.iter().zip(&self.weights).map(|(t, w)| {
                            let alpha = 0.15 + 0.6 * (w / wmax).sqrt();
                            Circle::new((t[c], t[r]), z.pxu(2.5), okabe_ito::BLUE.mix(alpha).filled())
                        }))
                        .map_err(de)?;
                    if let Some(m) = &self.mark {
                        chart
                            .draw_series(std::iter::once(Cross::new(
                                (m[c], m[r]),
                                z.pxu(8.0),
                                okabe_ito::VERMILLION.stroke_width(z.pxu(3.0)),
                            )))
                            .map_err(de)?;
                    }
                }
                // Axis ends under the bottom row and beside the first column.
                if r == d - 1 {
                    let y = z.px(TOP + CELL * d as f64);
                    for (v, h, dx) in [(xl, HPos::Left, 0.0), (xh, HPos::Right, CELL - 13.0)] {
                        let x = x0 + z.px(dx);
                        root.draw(&Text::new(sig(v), (x, y), anchored(font(z.tick(), MUTED), h, VPos::Top))).map_err(de)?;
                    }
                    root.draw(&Text::new(
                        self.keys[c].clone(),
                        (x0 + z.px((CELL - 13.0) / 2.0), y + z.px(34.0)),
                        anchored(bold(z.tick(), INK), HPos::Center, VPos::Top),
                    ))
                    .map_err(de)?;
                }
                if c == 0 && r > 0 {
                    let (yl, yh) = self.ranges[r];
                    for (v, dy, vp) in [(yh, 0.0, VPos::Top), (yl, CELL - 13.0, VPos::Bottom)] {
                        root.draw(&Text::new(sig(v), (z.px(LEFT - 8.0), y0 + z.px(dy)), anchored(font(z.tick(), MUTED), HPos::Right, vp)))
                            .map_err(de)?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// The pairwise figure, or None without particles.
pub fn pairs(p: Pairs, o: &Options) -> Result<Option<Figure>, PlotError> {
    if p.theta.is_empty() || p.keys.is_empty() {
        return Ok(None);
    }
    let caption = format!(
        "{} particles of the posterior over {}; the diagonal shows each parameter's weighted histogram across its prior's range, the panels below each pair.",
        p.theta.len(),
        p.keys.join(", ")
    );
    Ok(Some(finish("posterior", "Posterior of the fitted parameters", caption, &p, o)?))
}

/// The predictive check's input: one row per target.
pub struct Predictive {
    pub names: Vec<String>,
    pub checks: Vec<Check>,
}

const ROW: f64 = 90.0;

impl Draw for Predictive {
    fn size(&self) -> (u32, u32) {
        (1280, (150.0 + ROW * self.names.len() as f64 + 20.0) as u32)
    }

    fn draw<DB: DrawingBackend>(&self, root: &Area<DB>, z: Sizes) -> Result<(), PlotError> {
        let rest = title(
            root,
            "Posterior predictive check",
            Some(
                "Each target: observed value and 95% interval (orange) against the 5th-95th percentile of values simulated from the posterior (blue)",
            ),
            z,
        )?;
        let label_w = 480.0;
        for (k, (name, c)) in self.names.iter().zip(&self.checks).enumerate() {
            let y0 = z.px(ROW * k as f64);
            let row = rest.clone().shrink((0, y0), (z.pxu(1280.0), z.pxu(ROW)));
            let shown: String = if name.chars().count() > 44 { name.chars().take(43).collect::<String>() + "…" } else { name.clone() };
            row.draw(&Text::new(shown, (z.px(24.0), z.px(ROW / 2.0)), anchored(font(z.tick(), INK), HPos::Left, VPos::Center)))
                .map_err(de)?;
            let (olo, ohi) = (c.observed - 1.96 * c.sd, c.observed + 1.96 * c.sd);
            let lo = [olo, c.q05].into_iter().filter(|x| x.is_finite()).fold(f64::INFINITY, f64::min);
            let hi = [ohi, c.q95].into_iter().filter(|x| x.is_finite()).fold(f64::NEG_INFINITY, f64::max);
            let pad = ((hi - lo) * 0.08).max(1e-9);
            let (lo, hi) = (lo - pad, hi + pad);
            let plot = row.clone().shrink((z.px(label_w), 0), (z.pxu(1280.0 - label_w - 40.0), z.pxu(ROW)));
            let mut chart = ChartBuilder::on(&plot)
                .margin_top(z.px(8.0))
                .margin_bottom(z.px(4.0))
                .x_label_area_size(z.px(30.0))
                .build_cartesian_2d(lo..hi, 0.0..1.0)
                .map_err(de)?;
            chart
                .configure_mesh()
                .disable_y_mesh()
                .disable_x_mesh()
                .y_labels(0)
                .x_labels(5)
                // A tick meant to be 0 can land a rounding error away from it.
                .x_label_formatter(&|v| sig(if v.abs() < (hi - lo) * 1e-9 { 0.0 } else { *v }))
                .x_label_style(font(z.tick() * 0.85, MUTED))
                .draw()
                .map_err(de)?;
            if c.q05.is_finite() && c.q95.is_finite() {
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(c.q05, 0.55), (c.q95.max(c.q05 + 1e-12), 0.9)],
                        okabe_ito::BLUE.mix(0.45).filled(),
                    )))
                    .map_err(de)?;
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(c.q50, 0.5), (c.q50, 0.95)],
                        okabe_ito::BLUE.stroke_width(z.pxu(3.0)),
                    )))
                    .map_err(de)?;
            }
            chart
                .draw_series(std::iter::once(PathElement::new(vec![(olo, 0.28), (ohi, 0.28)], okabe_ito::ORANGE.stroke_width(z.pxu(3.0)))))
                .map_err(de)?;
            chart.draw_series(std::iter::once(Circle::new((c.observed, 0.28), z.pxu(7.0), okabe_ito::ORANGE.filled()))).map_err(de)?;
        }
        Ok(())
    }
}

/// The predictive check figure, or None without targets.
pub fn predictive(p: Predictive, o: &Options) -> Result<Option<Figure>, PlotError> {
    if p.names.is_empty() {
        return Ok(None);
    }
    let outside = p.checks.iter().filter(|c| !c.inside()).count();
    let missed = p.checks.iter().filter(|c| c.misses()).count();
    let caption = format!(
        "{} of {} targets' observed values lie outside the 5th-95th percentile of values simulated from the posterior; \
         {missed} by more than their own uncertainty (their 90% interval and the band do not overlap).",
        outside,
        p.names.len()
    );
    Ok(Some(finish("ppc", "Posterior predictive check", caption, &p, o)?))
}

/// A number with three significant digits (0.0347, 1.25, 213, 4.1e+06).
pub fn sig(x: f64) -> String {
    if !x.is_finite() {
        return "-".into();
    }
    if x == 0.0 {
        return "0".into();
    }
    let a = x.abs();
    if !(1e-4..1e6).contains(&a) {
        return format!("{x:.2e}");
    }
    let decimals = (2 - a.log10().floor() as i32).max(0) as usize;
    let s = format!("{x:.decimals$}");
    if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_three_significant_digits() {
        assert_eq!(sig(0.034_72), "0.0347");
        assert_eq!(sig(1.25), "1.25");
        assert_eq!(sig(213.4), "213");
        assert_eq!(sig(0.5), "0.5");
        assert_eq!(sig(-2.0), "-2");
        assert_eq!(sig(f64::NAN), "-");
    }
}

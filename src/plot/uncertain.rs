//! Figures of a comparison over priors (`compare` with `[uncertain]`): the
//! chance each strategy is best (and best per dollar), and the
//! cost-effectiveness acceptability curve. Drawn from numbers the caller
//! passes (the rows it also writes to `comparison.csv` and
//! `acceptability.csv`); never opens files.

use super::parts::{self, Key, Mark, anchored, bold};
use super::render::{Area, Draw, de};
use super::style::{INK, Sizes, fixed, okabe_ito, strategy_colour};
use super::{Figure, Options, PlotError, finish};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// One strategy's chances across the draws.
#[derive(Clone, Debug, PartialEq)]
pub struct Chance {
    pub strategy: String,
    pub p_best: f64,
    pub p_best_per_dollar: f64,
    /// Mean regret, in points.
    pub regret: f64,
}

struct Bars {
    rows: Vec<Chance>,
}

const BEST: RGBColor = okabe_ito::BLUE;
const DOLLAR: RGBColor = okabe_ito::SKY_BLUE;

impl Draw for Bars {
    fn size(&self) -> (u32, u32) {
        (super::time::WIDTH, 220 + 90 * self.rows.len() as u32)
    }

    fn draw<DB: DrawingBackend>(&self, root: &Area<DB>, z: Sizes) -> Result<(), PlotError> {
        let rest = parts::title(
            root,
            "How likely each strategy is to be best",
            Some("Share of the draws of the uncertain parameters in which it gains most, and most per dollar; regret in points"),
            z,
        )?;
        let keys = [
            Key { label: "best (largest gain)".into(), colour: BEST, mark: Mark::Box },
            Key { label: "best per dollar".into(), colour: DOLLAR, mark: Mark::Box },
        ];
        let used = parts::legend(&rest, &keys, z.px(420.0), z.px(2.0), z.label(), z)?;
        let (_, area) = rest.split_vertically(used + z.px(8.0));
        let n = self.rows.len().max(1) as f64;
        let mut b = ChartBuilder::on(&area);
        b.margin_left(z.px(10.0)).margin_right(z.px(30.0)).margin_top(z.px(8.0)).margin_bottom(z.px(8.0));
        b.x_label_area_size(z.px(60.0)).y_label_area_size(z.px(400.0));
        let mut chart = b.build_cartesian_2d(0.0..1.0, 0.0..n).map_err(de)?;
        let xf = |x: &f64| format!("{:.0}%", 100.0 * x);
        parts::house_mesh(&mut chart.configure_mesh(), z)
            .disable_y_mesh()
            .y_labels(0)
            .x_desc("share of draws")
            .x_label_formatter(&xf)
            .x_labels(6)
            .set_all_tick_mark_size(z.px(6.0))
            .draw()
            .map_err(de)?;
        let base = area.get_base_pixel();
        for (k, r) in self.rows.iter().enumerate() {
            let y = n - 1.0 - k as f64;
            for (j, (v, colour)) in [(r.p_best, BEST), (r.p_best_per_dollar, DOLLAR)].into_iter().enumerate() {
                let (y0, y1) = (y + 0.12 + 0.38 * j as f64, y + 0.12 + 0.38 * j as f64 + 0.34);
                if v.is_finite() && v > 0.0 {
                    chart.draw_series(std::iter::once(Rectangle::new([(0.0, y0), (v.min(1.0), y1)], colour.filled()))).map_err(de)?;
                }
            }
            let (px, py) = chart.backend_coord(&(0.0, y + 0.5));
            area.draw(&Text::new(
                format!("{} (regret {} pt)", r.strategy, fixed(r.regret, 1)),
                (px - base.0 - z.px(12.0), py - base.1),
                anchored(bold(z.label(), INK), HPos::Right, VPos::Center),
            ))
            .map_err(de)?;
        }
        Ok(())
    }
}

/// The bars, with a caption naming the most likely best.
pub fn chances(rows: &[Chance], o: &Options) -> Result<Option<Figure>, PlotError> {
    let Some(top) = rows.iter().filter(|r| r.p_best.is_finite()).max_by(|a, b| a.p_best.total_cmp(&b.p_best)) else {
        return Ok(None);
    };
    let caption = format!(
        "{} gains most in {:.0}% of the draws of the uncertain parameters, losing {} points on average against each draw's best.",
        top.strategy,
        100.0 * top.p_best,
        fixed(top.regret, 1)
    );
    Ok(Some(finish("chances", "How likely each strategy is to be best", caption, &Bars { rows: rows.to_vec() }, o)?))
}

struct Curve {
    strategies: Vec<String>,
    wtp: Vec<f64>,
    p: Vec<Vec<f64>>,
}

impl Draw for Curve {
    fn size(&self) -> (u32, u32) {
        (super::time::WIDTH, 720)
    }

    fn draw<DB: DrawingBackend>(&self, root: &Area<DB>, z: Sizes) -> Result<(), PlotError> {
        let rest = parts::title(
            root,
            "Which strategy is the best value for money",
            Some(
                "For each price one would pay per point of participation, the share of draws in which a strategy gives the most net benefit",
            ),
            z,
        )?;
        let keys: Vec<Key> = self
            .strategies
            .iter()
            .enumerate()
            .map(|(k, s)| Key { label: s.clone(), colour: strategy_colour(&self.strategies, k), mark: Mark::Line })
            .collect();
        let used = parts::legend(&rest, &keys, z.px(20.0), z.px(2.0), z.label(), z)?;
        let (_, area) = rest.split_vertically(used + z.px(8.0));
        let xmax = self.wtp.last().copied().filter(|x| *x > 0.0).unwrap_or(1.0);
        let mut b = ChartBuilder::on(&area);
        b.margin_left(z.px(10.0)).margin_right(z.px(40.0)).margin_top(z.px(8.0)).margin_bottom(z.px(8.0));
        b.x_label_area_size(z.px(70.0)).y_label_area_size(z.px(100.0));
        let mut chart = b.build_cartesian_2d(0.0..xmax, 0.0..1.0).map_err(de)?;
        let yf = |y: &f64| format!("{:.0}%", 100.0 * y);
        let xf = |x: &f64| format!("{x:.0}");
        parts::house_mesh(&mut chart.configure_mesh(), z)
            .x_desc("willingness to pay per point of participation")
            .y_desc("share of draws")
            .y_label_formatter(&yf)
            .x_label_formatter(&xf)
            .x_labels(6)
            .y_labels(6)
            .draw()
            .map_err(de)?;
        for (k, _) in self.strategies.iter().enumerate() {
            let colour = strategy_colour(&self.strategies, k);
            let points: Vec<(f64, f64)> = self.wtp.iter().zip(&self.p).map(|(&x, row)| (x, row[k])).collect();
            chart.draw_series(LineSeries::new(points, colour.stroke_width(z.line()))).map_err(de)?;
        }
        Ok(())
    }
}

/// The acceptability curve (`p[i][k]`: at `wtp[i]`, strategy k), with a
/// caption saying where the most likely choice changes.
pub fn acceptability(strategies: &[String], wtp: &[f64], p: &[Vec<f64>], o: &Options) -> Result<Option<Figure>, PlotError> {
    if wtp.is_empty() || p.len() != wtp.len() || p.iter().any(|r| r.len() != strategies.len()) {
        return Ok(None);
    }
    let leader = |row: &[f64]| (0..row.len()).max_by(|&a, &b| row[a].total_cmp(&row[b]).then(b.cmp(&a))).unwrap_or(0);
    let mut parts = vec![format!("At {:.0} per point, {} is most likely the best value", wtp[0], strategies[leader(&p[0])])];
    let mut current = leader(&p[0]);
    for (x, row) in wtp.iter().zip(p).skip(1) {
        let l = leader(row);
        if l != current {
            parts.push(format!("from {x:.0}, {} ({:.0}% of draws)", strategies[l], 100.0 * row[l]));
            current = l;
        }
    }
    let caption = format!("{}.", parts.join("; "));
    let curve = Curve { strategies: strategies.to_vec(), wtp: wtp.to_vec(), p: p.to_vec() };
    Ok(Some(finish("acceptability", "Which strategy is the best value for money", caption, &curve, o)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_both_figures_with_captions_from_the_numbers() {
        let rows = vec![
            Chance { strategy: "baseline".into(), p_best: 0.0, p_best_per_dollar: 0.1, regret: 20.0 },
            Chance { strategy: "a".into(), p_best: 0.7, p_best_per_dollar: 0.3, regret: 1.5 },
            Chance { strategy: "b".into(), p_best: 0.3, p_best_per_dollar: 0.6, regret: 4.0 },
        ];
        let f = chances(&rows, &Options::default()).unwrap().unwrap();
        assert!(f.caption.starts_with("a gains most in 70% of the draws"), "{}", f.caption);
        assert!(f.svg.contains("<svg"));
        assert_eq!(&f.png[1..4], b"PNG");
        let names: Vec<String> = ["baseline", "a", "b"].iter().map(|s| s.to_string()).collect();
        let p = vec![vec![1.0, 0.0, 0.0], vec![0.4, 0.2, 0.4], vec![0.0, 0.7, 0.3]];
        let f = acceptability(&names, &[0.0, 50.0, 100.0], &p, &Options::default()).unwrap().unwrap();
        assert_eq!(f.caption, "At 0 per point, baseline is most likely the best value; from 100, a (70% of draws).");
        assert!(acceptability(&names, &[0.0], &[vec![1.0]], &Options::default()).unwrap().is_none());
    }
}

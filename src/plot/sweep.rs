//! Figures of a parameter sweep, from its `points.csv`: an outcome over
//! one varied key (mean line with a 90% band across replicates, one line
//! per strategy), or a heatmap over two varied keys (one per strategy).

use super::parts::{self, Key, Mark, anchored, bold, font};
use super::render::{Area, Draw, de};
use super::style::{INK, MUTED, Sizes, fixed, okabe_ito};
use super::{Figure, Options, PlotError, finish};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// One design point of one strategy: the varied values and the outcome's
/// mean and 90% interval.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepPoint {
    pub strategy: String,
    pub x: Vec<f64>,
    pub mean: f64,
    pub p05: f64,
    pub p95: f64,
}

const COLOURS: [RGBColor; 7] = [
    okabe_ito::BLACK,
    okabe_ito::BLUE,
    okabe_ito::ORANGE,
    okabe_ito::BLUISH_GREEN,
    okabe_ito::REDDISH_PURPLE,
    okabe_ito::VERMILLION,
    okabe_ito::SKY_BLUE,
];

struct Lines {
    key: String,
    metric: String,
    strategies: Vec<String>,
    points: Vec<SweepPoint>,
}

fn range(v: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = v.filter(|x| x.is_finite()).fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| (a.min(x), b.max(x)));
    if lo.is_finite() && hi > lo {
        (lo, hi)
    } else if lo.is_finite() {
        (lo - 0.5, lo + 0.5)
    } else {
        (0.0, 1.0)
    }
}

impl Draw for Lines {
    fn size(&self) -> (u32, u32) {
        (super::time::WIDTH, 760)
    }

    fn draw<DB: DrawingBackend>(&self, root: &Area<DB>, z: Sizes) -> Result<(), PlotError> {
        let subtitle = format!("Mean over replicates, with the range of 90% of replicates shaded, as {} varies", self.key);
        let rest = parts::title(root, &format!("{} across the sweep", self.metric), Some(&subtitle), z)?;
        let keys: Vec<Key> = self
            .strategies
            .iter()
            .enumerate()
            .map(|(k, s)| Key { label: s.clone(), colour: COLOURS[k % COLOURS.len()], mark: Mark::Box })
            .collect();
        let used = parts::legend(&rest, &keys, z.px(130.0), z.px(2.0), z.label(), z)?;
        let (_, area) = rest.split_vertically(used + z.px(8.0));
        let (x0, x1) = range(self.points.iter().map(|p| p.x[0]));
        let (_, y1) = range(self.points.iter().flat_map(|p| [p.p95, p.mean]));
        let ymax = parts::nice_max(y1.max(1e-9));
        let mut b = ChartBuilder::on(&area);
        b.margin_left(z.px(10.0)).margin_right(z.px(40.0)).margin_top(z.px(16.0)).margin_bottom(z.px(8.0));
        b.x_label_area_size(z.px(70.0)).y_label_area_size(z.px(110.0));
        let mut chart = b.build_cartesian_2d(x0..x1, 0.0..ymax).map_err(de)?;
        let f2 = |x: &f64| fixed(*x, 2);
        parts::house_mesh(&mut chart.configure_mesh(), z)
            .x_desc(self.key.clone())
            .y_desc(self.metric.clone())
            .x_label_formatter(&f2)
            .y_label_formatter(&f2)
            .set_all_tick_mark_size(z.px(6.0))
            .draw()
            .map_err(de)?;
        for (k, s) in self.strategies.iter().enumerate() {
            let colour = COLOURS[k % COLOURS.len()];
            let mut pts: Vec<&SweepPoint> = self.points.iter().filter(|p| &p.strategy == s && p.mean.is_finite()).collect();
            pts.sort_by(|a, b| a.x[0].total_cmp(&b.x[0]));
            let mut band: Vec<(f64, f64)> = pts.iter().map(|p| (p.x[0], p.p95)).collect();
            band.extend(pts.iter().rev().map(|p| (p.x[0], p.p05)));
            chart.draw_series(std::iter::once(Polygon::new(band, colour.mix(0.15).filled()))).map_err(de)?;
            chart.draw_series(LineSeries::new(pts.iter().map(|p| (p.x[0], p.mean)), colour.stroke_width(z.pxu(3.0)))).map_err(de)?;
        }
        Ok(())
    }
}

struct Heat {
    keys: [String; 2],
    metric: String,
    strategy: String,
    points: Vec<SweepPoint>,
}

/// A colour from light (low) to dark blue (high).
fn shade(t: f64) -> RGBColor {
    let t = t.clamp(0.0, 1.0);
    let (a, b) = ((247.0, 247.0, 220.0), (0.0, 70.0, 140.0));
    RGBColor((a.0 + (b.0 - a.0) * t) as u8, (a.1 + (b.1 - a.1) * t) as u8, (a.2 + (b.2 - a.2) * t) as u8)
}

impl Draw for Heat {
    fn size(&self) -> (u32, u32) {
        (super::time::WIDTH, 900)
    }

    fn draw<DB: DrawingBackend>(&self, root: &Area<DB>, z: Sizes) -> Result<(), PlotError> {
        let subtitle = format!("{}: mean over replicates at each point of the sweep (darker is higher)", self.strategy);
        let area = parts::title(root, &format!("{} across the sweep", self.metric), Some(&subtitle), z)?;
        let mut xs: Vec<f64> = self.points.iter().map(|p| p.x[0]).collect();
        let mut ys: Vec<f64> = self.points.iter().map(|p| p.x[1]).collect();
        for v in [&mut xs, &mut ys] {
            v.sort_by(f64::total_cmp);
            v.dedup();
        }
        let (lo, hi) = range(self.points.iter().map(|p| p.mean));
        let mut b = ChartBuilder::on(&area);
        b.margin_left(z.px(10.0)).margin_right(z.px(40.0)).margin_top(z.px(16.0)).margin_bottom(z.px(8.0));
        b.x_label_area_size(z.px(80.0)).y_label_area_size(z.px(130.0));
        let (nx, ny) = (xs.len() as f64, ys.len() as f64);
        let mut chart = b.build_cartesian_2d(0.0..nx, 0.0..ny).map_err(de)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(0)
            .y_labels(0)
            .axis_style(MUTED.stroke_width(z.pxu(1.5)))
            .axis_desc_style(font(z.label(), INK))
            .x_desc(self.keys[0].clone())
            .y_desc(self.keys[1].clone())
            .draw()
            .map_err(de)?;
        let base = area.get_base_pixel();
        let idx = |v: &[f64], x: f64| v.iter().position(|y| *y == x).unwrap_or(0) as f64;
        for p in &self.points {
            let (i, j) = (idx(&xs, p.x[0]), idx(&ys, p.x[1]));
            let t = (p.mean - lo) / (hi - lo);
            chart.draw_series(std::iter::once(Rectangle::new([(i, j), (i + 1.0, j + 1.0)], shade(t).filled()))).map_err(de)?;
            let (px, py) = chart.backend_coord(&(i + 0.5, j + 0.5));
            let ink = if t > 0.55 { WHITE } else { INK };
            area.draw(&Text::new(
                fixed(p.mean, 2),
                (px - base.0, py - base.1),
                anchored(font(z.tick() * 0.8, ink), HPos::Center, VPos::Center),
            ))
            .map_err(de)?;
        }
        for (i, x) in xs.iter().enumerate() {
            let (px, py) = chart.backend_coord(&(i as f64 + 0.5, 0.0));
            area.draw(&Text::new(
                fixed(*x, 2),
                (px - base.0, py - base.1 + z.px(8.0)),
                anchored(font(z.tick(), MUTED), HPos::Center, VPos::Top),
            ))
            .map_err(de)?;
        }
        for (j, y) in ys.iter().enumerate() {
            let (px, py) = chart.backend_coord(&(0.0, j as f64 + 0.5));
            area.draw(&Text::new(
                fixed(*y, 2),
                (px - base.0 - z.px(8.0), py - base.1),
                anchored(bold(z.tick(), MUTED), HPos::Right, VPos::Center),
            ))
            .map_err(de)?;
        }
        Ok(())
    }
}

/// The sweep's figures for `metric`: a line with bands over one varied key,
/// or one heatmap per strategy over two. None for other designs.
pub fn sweep(keys: &[String], metric: &str, points: &[SweepPoint], o: &Options) -> Result<Vec<Figure>, PlotError> {
    let mut strategies: Vec<String> = Vec::new();
    for p in points {
        if !strategies.contains(&p.strategy) {
            strategies.push(p.strategy.clone());
        }
    }
    match keys.len() {
        1 => {
            let caption = format!("{metric} as {} varies, for each strategy, with 90% bands across replicates.", keys[0]);
            let d = Lines { key: keys[0].clone(), metric: metric.into(), strategies, points: points.to_vec() };
            Ok(vec![finish("sweep", &format!("{metric} across the sweep"), caption, &d, o)?])
        }
        2 => strategies
            .iter()
            .map(|s| {
                let pts: Vec<SweepPoint> = points.iter().filter(|p| &p.strategy == s).cloned().collect();
                let (lo, hi) = range(pts.iter().map(|p| p.mean));
                let caption =
                    format!("{metric} under {s} ranges from {} to {} over {} and {}.", fixed(lo, 2), fixed(hi, 2), keys[0], keys[1]);
                let d = Heat { keys: [keys[0].clone(), keys[1].clone()], metric: metric.into(), strategy: s.clone(), points: pts };
                finish(&format!("sweep_{s}"), &format!("{metric} across the sweep: {s}"), caption, &d, o)
            })
            .collect(),
        _ => Ok(Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str, x: Vec<f64>, m: f64) -> SweepPoint {
        SweepPoint { strategy: s.into(), x, mean: m, p05: m - 0.1, p95: m + 0.1 }
    }

    #[test]
    fn one_key_gives_a_line_two_keys_a_heatmap_per_strategy() {
        let o = Options::default();
        let line = sweep(&["a".into()], "participation_end", &[p("baseline", vec![0.0], 0.1), p("baseline", vec![1.0], 0.3)], &o).unwrap();
        assert_eq!(line.len(), 1);
        assert_eq!(&line[0].png[1..4], b"PNG");
        let grid: Vec<SweepPoint> =
            [0.0, 1.0].iter().flat_map(|&x| [0.0, 2.0].iter().flat_map(move |&y| ["s1", "s2"].map(|s| p(s, vec![x, y], x + y)))).collect();
        let heat = sweep(&["a".into(), "b".into()], "participation_end", &grid, &o).unwrap();
        assert_eq!(heat.len(), 2);
        assert_eq!(heat[1].id, "sweep_s2");
        assert!(heat[0].caption.contains("from 0.00 to 3.00"), "{}", heat[0].caption);
        assert!(sweep(&["a".into(), "b".into(), "c".into()], "m", &grid, &o).unwrap().is_empty());
    }
}

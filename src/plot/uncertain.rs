//! Figures of a comparison over priors (`compare` with `[uncertain]`): the
//! chance each strategy is best (and best per dollar), the
//! cost-effectiveness acceptability curve, each strategy's gain across the
//! draws with the point-value comparison marked, and the winner mapped over
//! the two most decisive parameters; and the plain-language section of
//! `report.html` about them. Drawn from numbers the caller passes (the
//! rows it also writes to `comparison.csv`, `discovery.csv` and
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

/// One strategy's gain across the draws, for [`gains`].
#[derive(Clone, Debug, PartialEq)]
pub struct GainRow {
    pub strategy: String,
    /// Per draw, the mean gain over its replicates, in points.
    pub draws: Vec<f64>,
    /// Mean over the draws, in points.
    pub mean: f64,
    /// The gain at the scenario's point values (its runs at those values), in points; NaN if not run.
    pub point: f64,
    /// Replicates behind `point`.
    pub point_replicates: usize,
}

struct Strip {
    rows: Vec<GainRow>,
    all: Vec<String>,
}

/// A deterministic jitter in [-0.5, 0.5) for draw `d` (Weyl sequence).
fn jitter(d: usize) -> f64 {
    ((d as f64) * 0.618_033_988_749_895).fract() - 0.5
}

impl Draw for Strip {
    fn size(&self) -> (u32, u32) {
        (super::time::WIDTH, 240 + 120 * self.rows.len() as u32)
    }

    fn draw<DB: DrawingBackend>(&self, root: &Area<DB>, z: Sizes) -> Result<(), PlotError> {
        let rest = parts::title(
            root,
            "Each strategy's gain across the draws",
            Some(
                "Points over no programme at the programme's end; one dot per draw of the uncertain parameters; black bar: at the point values",
            ),
            z,
        )?;
        let keys = [
            Key { label: "one draw (mean of its replicates)".into(), colour: super::style::MUTED, mark: Mark::Dot },
            Key { label: "mean over draws".into(), colour: okabe_ito::VERMILLION, mark: Mark::Line },
            Key { label: "at the scenario's point values".into(), colour: INK, mark: Mark::Box },
        ];
        let used = parts::legend(&rest, &keys, z.px(420.0), z.px(2.0), z.label(), z)?;
        let (_, area) = rest.split_vertically(used + z.px(8.0));
        let n = self.rows.len().max(1) as f64;
        let vals = self.rows.iter().flat_map(|r| r.draws.iter().copied().chain([r.point, 0.0])).filter(|x| x.is_finite());
        let (lo, hi) = vals.fold((0.0f64, 0.0f64), |(a, b), x| (a.min(x), b.max(x)));
        let pad = ((hi - lo) * 0.05).max(0.5);
        let mut b = ChartBuilder::on(&area);
        b.margin_left(z.px(10.0)).margin_right(z.px(30.0)).margin_top(z.px(8.0)).margin_bottom(z.px(8.0));
        b.x_label_area_size(z.px(60.0)).y_label_area_size(z.px(400.0));
        let mut chart = b.build_cartesian_2d((lo - pad)..(hi + pad), 0.0..n).map_err(de)?;
        let xf = |x: &f64| format!("{x:+.0}");
        parts::house_mesh(&mut chart.configure_mesh(), z)
            .disable_y_mesh()
            .y_labels(0)
            .x_desc("gain, points of participation")
            .x_label_formatter(&xf)
            .x_labels(8)
            .set_all_tick_mark_size(z.px(6.0))
            .draw()
            .map_err(de)?;
        chart.draw_series(std::iter::once(PathElement::new(vec![(0.0, 0.0), (0.0, n)], INK.stroke_width(z.line())))).map_err(de)?;
        let base = area.get_base_pixel();
        for (k, r) in self.rows.iter().enumerate() {
            let y = n - 1.0 - k as f64;
            let colour = strategy_colour(&self.all, self.all.iter().position(|s| *s == r.strategy).unwrap_or(0));
            let dots: Vec<(f64, f64)> =
                r.draws.iter().enumerate().filter(|(_, g)| g.is_finite()).map(|(d, &g)| (g, y + 0.5 + 0.6 * jitter(d))).collect();
            chart.draw_series(dots.into_iter().map(|p| Circle::new(p, z.pxu(4.0), colour.mix(0.55).filled()))).map_err(de)?;
            if r.mean.is_finite() {
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(r.mean, y + 0.1), (r.mean, y + 0.9)],
                        okabe_ito::VERMILLION.stroke_width(z.line() + 1),
                    )))
                    .map_err(de)?;
            }
            if r.point.is_finite() {
                let (px, py0) = chart.backend_coord(&(r.point, y + 0.92));
                let (_, py1) = chart.backend_coord(&(r.point, y + 0.08));
                area.draw(&Rectangle::new(
                    [(px - base.0 - z.px(3.0), py0 - base.1), (px - base.0 + z.px(3.0), py1 - base.1)],
                    INK.filled(),
                ))
                .map_err(de)?;
            }
            let (px, py) = chart.backend_coord(&(lo - pad, y + 0.5));
            area.draw(&Text::new(
                super::style::strategy_label(&r.strategy),
                (px - base.0 - z.px(12.0), py - base.1),
                anchored(bold(z.label(), INK), HPos::Right, VPos::Center),
            ))
            .map_err(de)?;
        }
        Ok(())
    }
}

/// Each strategy's gain across the draws (`rows` without baseline, in
/// the order shown; `all` every strategy, for the colours), with a caption
/// comparing the spread with the point-value comparison.
pub fn gains(rows: &[GainRow], all: &[String], o: &Options) -> Result<Option<Figure>, PlotError> {
    let Some(top) = rows.iter().filter(|r| r.mean.is_finite()).max_by(|a, b| a.mean.total_cmp(&b.mean)) else {
        return Ok(None);
    };
    let mut sorted: Vec<f64> = top.draws.iter().copied().filter(|x| x.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    let (p05, p95) = (crate::compare::percentile(&sorted, 0.05), crate::compare::percentile(&sorted, 0.95));
    let point = if top.point.is_finite() {
        let n = top.point_replicates;
        let few = if n < 10 { ", too few for more than a rough mark" } else { "" };
        format!(", against {} at the point values (mean of {n} replicate{}{few})", signed1(top.point), if n == 1 { "" } else { "s" })
    } else {
        String::new()
    };
    let caption = format!(
        "Across the draws, {} gains {} points on average (90% of draws between {} and {}, each draw's mean over its replicates; the table's range also spans the replicates){point}. A wide spread means the answer depends on the assumptions more than the point comparison shows.",
        super::style::strategy_label(&top.strategy),
        signed1(top.mean),
        signed1(p05),
        signed1(p95)
    );
    let strip = Strip { rows: rows.to_vec(), all: all.to_vec() };
    Ok(Some(finish("gains_across_draws", "Each strategy's gain across the draws", caption, &strip, o)?))
}

fn signed1(x: f64) -> String {
    let s = fixed(x, 1);
    if x > 0.0 && s != "0.0" { format!("+{s}") } else { s }
}

/// The winner of each draw over two parameters, for [`winner_map`].
#[derive(Clone, Debug, PartialEq)]
pub struct WinnerMap {
    /// Every strategy (colours), baseline first.
    pub strategies: Vec<String>,
    /// The two parameters' keys, x then y.
    pub keys: [String; 2],
    /// Per draw: the two parameters' values and the index of the strategy with the highest gain.
    pub draws: Vec<(f64, f64, usize)>,
    /// A PRIM box on these parameters, if any: (x lo, x hi, y lo, y hi), infinite where open, and what it says.
    pub found: Option<([f64; 4], String)>,
    /// Whether each parameter moves the lead beyond chance (its index
    /// above the noise floor); the caption says when one does not.
    pub beyond_chance: [bool; 2],
}

impl Draw for WinnerMap {
    fn size(&self) -> (u32, u32) {
        (super::time::WIDTH, 900)
    }

    fn draw<DB: DrawingBackend>(&self, root: &Area<DB>, z: Sizes) -> Result<(), PlotError> {
        let rest = parts::title(
            root,
            "Which strategy wins where",
            Some("Each dot is a draw of the uncertain parameters, coloured by the strategy with the largest gain in it"),
            z,
        )?;
        let mut keys: Vec<Key> = Vec::new();
        for (k, s) in self.strategies.iter().enumerate() {
            if self.draws.iter().any(|d| d.2 == k) {
                keys.push(Key { label: super::style::strategy_label(s), colour: strategy_colour(&self.strategies, k), mark: Mark::Dot });
            }
        }
        if self.found.is_some() {
            keys.push(Key { label: "where the runner-up wins (PRIM box)".into(), colour: INK, mark: Mark::Dashed });
        }
        let used = parts::legend(&rest, &keys, z.px(20.0), z.px(2.0), z.label(), z)?;
        let (_, area) = rest.split_vertically(used + z.px(8.0));
        let range = |f: &dyn Fn(&(f64, f64, usize)) -> f64| {
            let (a, b) = self.draws.iter().map(f).fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| (a.min(x), b.max(x)));
            let pad = ((b - a) * 0.04).max(1e-9);
            if a.is_finite() { (a - pad, b + pad) } else { (0.0, 1.0) }
        };
        let (x0, x1) = range(&|d| d.0);
        let (y0, y1) = range(&|d| d.1);
        let mut b = ChartBuilder::on(&area);
        b.margin_left(z.px(10.0)).margin_right(z.px(40.0)).margin_top(z.px(8.0)).margin_bottom(z.px(8.0));
        b.x_label_area_size(z.px(70.0)).y_label_area_size(z.px(110.0));
        let mut chart = b.build_cartesian_2d(x0..x1, y0..y1).map_err(de)?;
        let f = |v: &f64| crate::uncertainty::prim::short(*v);
        parts::house_mesh(&mut chart.configure_mesh(), z)
            .x_desc(self.keys[0].as_str())
            .y_desc(self.keys[1].as_str())
            .x_label_formatter(&f)
            .y_label_formatter(&f)
            .x_labels(6)
            .y_labels(6)
            .draw()
            .map_err(de)?;
        for (k, _) in self.strategies.iter().enumerate() {
            let colour = strategy_colour(&self.strategies, k);
            let pts: Vec<(f64, f64)> = self.draws.iter().filter(|d| d.2 == k).map(|d| (d.0, d.1)).collect();
            chart.draw_series(pts.into_iter().map(|p| Circle::new(p, z.pxu(6.0), colour.filled()))).map_err(de)?;
        }
        if let Some((b, _)) = &self.found {
            let c = |v: f64, lo: f64, hi: f64| {
                if v.is_finite() {
                    v.clamp(lo, hi)
                } else if v < 0.0 {
                    lo
                } else {
                    hi
                }
            };
            let (a0, a1, b0, b1) = (c(b[0], x0, x1), c(b[1], x0, x1), c(b[2], y0, y1), c(b[3], y0, y1));
            let path = vec![(a0, b0), (a1, b0), (a1, b1), (a0, b1), (a0, b0)];
            chart
                .draw_series(DashedLineSeries::new(path, z.px(10.0) as u32, z.px(6.0) as u32, INK.stroke_width(z.line() + 1)))
                .map_err(de)?;
        }
        Ok(())
    }
}

/// The winner map, with a caption naming the parameters and the box.
pub fn winner_map(map: &WinnerMap, o: &Options) -> Result<Option<Figure>, PlotError> {
    if map.draws.len() < 2 {
        return Ok(None);
    }
    let mut counts = vec![0usize; map.strategies.len()];
    for d in &map.draws {
        if let Some(c) = counts.get_mut(d.2) {
            *c += 1;
        }
    }
    let shares: Vec<String> = counts
        .iter()
        .enumerate()
        .filter(|(_, c)| **c > 0)
        .map(|(k, c)| format!("{} {:.0}%", super::style::strategy_label(&map.strategies[k]), 100.0 * *c as f64 / map.draws.len() as f64))
        .collect();
    let mut caption = match map.beyond_chance {
        [true, true] => format!(
            "The draws over the two parameters that move the top strategy's lead most ({} and {}); winners: {}.",
            map.keys[0],
            map.keys[1],
            shares.join(", ")
        ),
        [true, false] => format!(
            "The draws over the parameter that moves the top strategy's lead most ({}) and the next ({}, whose effect on it is within \
             chance with these draws); winners: {}.",
            map.keys[0],
            map.keys[1],
            shares.join(", ")
        ),
        _ => format!(
            "The draws over {} and {}, the parameters ranked first for the top strategy's lead, though with these draws neither moves \
             it beyond chance; winners: {}.",
            map.keys[0],
            map.keys[1],
            shares.join(", ")
        ),
    };
    if let Some((_, said)) = &map.found {
        caption.push(' ');
        caption.push_str(said);
    }
    Ok(Some(finish("winner_map", "Which strategy wins where", caption, map, o)?))
}

/// What the report's uncertainty section says, per strategy (from the rows
/// of `comparison.csv`): points and shares as in the terminal table.
#[derive(Clone, Debug, PartialEq)]
pub struct SectionRow {
    pub strategy: String,
    pub gain: f64,
    pub gain_p05: f64,
    pub gain_p95: f64,
    pub p_beats_baseline: f64,
    pub p_best: f64,
    pub p_best_per_dollar: f64,
    pub regret_mean: f64,
    pub regret_p90: f64,
    pub p_harm: f64,
    pub parameter_share: f64,
}

/// The report's plain-language section on the comparison over priors:
/// the table, what each column means, the discovery sentences and the
/// figures (inline SVG with captions). `rows` in the order shown (shares
/// and points, as fractions and points); `draws` and `reps` the design.
pub fn section(rows: &[SectionRow], sentences: &[String], figures: &[Figure], (draws, reps, params): (usize, usize, usize)) -> String {
    use super::report::esc;
    let pct = |x: f64| if x.is_finite() { format!("{:.0}%", 100.0 * x) } else { "-".into() };
    let pts = |x: f64| if x.is_finite() { signed1(x) } else { "-".into() };
    let mut h = String::new();
    h.push_str("<section id=\"uncertainty\">\n<h2>When the assumptions are uncertain</h2>\n");
    h.push_str(&format!(
        "<p>Most numbers in a scenario are assumptions. This comparison did not use one value for each: it drew {params} uncertain \
         parameters {draws} times from the ranges the scenario gives for them (its <code>[uncertain]</code> table), ran every strategy \
         on each draw ({reps} replicates, the same people and chances for every strategy), and counted what held across the draws. \
         The table above pools all these runs; the numbers below say how much the choice of strategy depends on the assumptions.</p>\n"
    ));
    h.push_str(
        "<table>\n<tr><th>Strategy</th><th class=\"num\">Gain, points (90% of draws and replicates)</th><th class=\"num\">Beats no programme</th>\
         <th class=\"num\">Probability best</th><th class=\"num\">Best per dollar</th><th class=\"num\">Regret, points: mean (exceeded in 1 draw in 10)</th>\
         <th class=\"num\">Risk to each woman up</th><th class=\"num\">Spread due to the assumptions</th></tr>\n",
    );
    for r in rows {
        let gain = if r.strategy == super::BASELINE {
            "-".to_string()
        } else {
            format!("{} ({} to {})", pts(100.0 * r.gain), pts(100.0 * r.gain_p05), pts(100.0 * r.gain_p95))
        };
        h.push_str(&format!(
            "<tr data-strategy=\"{}\" data-p-best=\"{}\"><td><b>{}</b></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{} ({})</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
            esc(&r.strategy),
            crate::output::num(r.p_best),
            esc(&super::style::strategy_label(&r.strategy)),
            gain,
            pct(r.p_beats_baseline),
            pct(r.p_best),
            pct(r.p_best_per_dollar),
            fixed(100.0 * r.regret_mean, 1),
            fixed(100.0 * r.regret_p90, 1),
            pct(r.p_harm),
            pct(r.parameter_share)
        ));
    }
    h.push_str("</table>\n<ul class=\"how-to-read\">\n");
    h.push_str(
        "<li><b>Probability best</b>: in what share of the draws the strategy raised participation the most. It adds up to 100% over \
         the strategies (up to rounding). It is not the chance the strategy works in a real place: it is how often it comes first when the assumptions \
         are varied over the ranges given.</li>\n",
    );
    h.push_str(
        "<li><b>Regret</b>: how many points one gives up, in each draw, by choosing this strategy instead of that draw's best. \
         A strategy with a modest probability of being best but a small regret is a safe choice: when it is not first, it is close.</li>\n",
    );
    h.push_str(
        "<li><b>Risk to each woman up</b>: the share of draws in which each participating woman's monthly risk of being sanctioned \
         rose above no programme's. With few replicates per draw this includes chance.</li>\n",
    );
    h.push_str(
        "<li><b>Spread due to the assumptions</b>: how much of the gain's spread comes from the uncertain parameters rather than \
         from chance within a run. When it is high, better knowledge of those parameters would narrow the answer; when it is low, \
         more replicates would.</li>\n</ul>\n",
    );
    if !sentences.is_empty() {
        h.push_str("<h3>What changes the answer</h3>\n<ul class=\"discovery\">\n");
        for s in sentences {
            h.push_str(&format!("<li>{}</li>\n", esc(s)));
        }
        h.push_str(
            "</ul>\n<p class=\"muted\">Each sentence names the range of the parameters where the runner-up does better than the top \
             strategy (found by PRIM, a box search used in scenario discovery) and how often it does better there; only ranges that \
             stand out beyond chance are named (each tested at the 5% level). Check that range against what you know of your \
             context: if it is plausible there, the choice is not settled. When no range stands out, the runner-up wins now and \
             then but not in any region you could check. The sentence after it names the parameters that move the difference \
             between the two strategies most, each with its first-order index (the share of the difference it explains on its own), \
             and what the largest index reaches by chance with these draws.</p>\n",
        );
    }
    for f in figures {
        h.push_str(&format!("<figure id=\"{}\" aria-label=\"{}\">\n", esc(&f.id), esc(&f.title)));
        let svg = f.svg.find("<svg").map_or(f.svg.as_str(), |k| &f.svg[k..]);
        h.push_str(svg);
        h.push_str(&format!("\n<figcaption>{}</figcaption>\n</figure>\n", esc(&f.caption)));
    }
    h.push_str(
        "<p class=\"muted\">The numbers: comparison.csv (rows gain, p_beats_baseline, p_best, p_best_per_dollar, regret_mean, \
         regret_p90, p_harm, parameter_share), discovery.csv, acceptability.csv and draws.csv; docs/comparing-strategies.md explains \
         how to read them and when to trust them.</p>\n</section>\n",
    );
    h
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

    #[test]
    fn gains_and_winner_map_are_drawn_with_captions_from_the_numbers() {
        let names: Vec<String> = ["baseline", "a", "b"].iter().map(|s| s.to_string()).collect();
        let rows = vec![
            GainRow {
                strategy: "a".into(),
                draws: (0..20).map(|d| 10.0 + f64::from(d)).collect(),
                mean: 19.5,
                point: 12.0,
                point_replicates: 4,
            },
            GainRow {
                strategy: "b".into(),
                draws: (0..20).map(|d| 5.0 - f64::from(d)).collect(),
                mean: -4.5,
                point: f64::NAN,
                point_replicates: 0,
            },
        ];
        let f = gains(&rows, &names, &Options::default()).unwrap().unwrap();
        assert!(f.caption.starts_with("Across the draws, A gains +19.5 points on average"), "{}", f.caption);
        assert!(f.caption.contains("against +12.0 at the point values (mean of 4 replicates, too few"), "{}", f.caption);
        assert_eq!(&f.png[1..4], b"PNG");
        let map = WinnerMap {
            strategies: names.clone(),
            keys: ["x".into(), "y".into()],
            draws: (0..10).map(|d| (f64::from(d), f64::from(d % 3), if d < 3 { 2 } else { 1 })).collect(),
            found: Some(([f64::NEG_INFINITY, 2.5, f64::NEG_INFINITY, f64::INFINITY], "b wins where x < 2.5.".into())),
            beyond_chance: [true, true],
        };
        let f = winner_map(&map, &Options::default()).unwrap().unwrap();
        assert!(f.caption.contains("winners: A 70%, B 30%.") && f.caption.ends_with("b wins where x < 2.5."), "{}", f.caption);
        assert!(f.caption.starts_with("The draws over the two parameters that move"), "{}", f.caption);
        let weak = winner_map(&WinnerMap { beyond_chance: [true, false], ..map }, &Options::default()).unwrap().unwrap();
        assert!(weak.caption.contains("the next (y, whose effect on it is within chance"), "{}", weak.caption);
        assert!(f.svg.contains("<svg"));
    }
}

//! Strategies against baseline, from `comparison.csv`: the paired
//! difference from baseline with its 90% interval for the headline metrics
//! (a dot-and-interval chart, harms flagged), and cost against
//! participation gained (one point per strategy, with intervals). Both are
//! left out when the folder has no `comparison.csv` (written by `compare`).

use super::parts::{self, anchored, bold};
use super::render::{Area, Draw, de};
use super::style::{HARM, INK, Sizes, bold_width, fixed, short, strategy_label, thousands};
use super::tables::{Comparison, ComparisonRow};
use super::{BASELINE, Context, Figure, Options, PlotError, finish};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// The headline metrics: name in `comparison.csv`, panel heading, axis
/// label, scale for display.
const HEADLINE: [(&str, &str, &str, f64); 4] = [
    ("participation_end", "Women taking part: programme end", "Change (percentage points)", 100.0),
    ("participation_final", "Women taking part: last month", "Change (percentage points)", 100.0),
    ("sanctions_total", "Sanctions, whole run", "Change (number of sanctions)", 1.0),
    ("violence_total", "Violent incidents, whole run", "Change (number of incidents)", 1.0),
];

/// Non-baseline strategies of the comparison, largest gain at the
/// programme's end first.
fn ranked(ctx: &Context, c: &Comparison) -> Vec<String> {
    let gain = |s: &str| c.get(s, "participation_end").map_or(f64::NEG_INFINITY, |r| r.diff_mean);
    let mut v: Vec<String> = ctx.strategies.iter().filter(|s| *s != BASELINE && c.get(s, "participation_end").is_some()).cloned().collect();
    v.sort_by(|a, b| gain(b).total_cmp(&gain(a)));
    v
}

/// One metric's differences for every strategy.
struct DotPanel {
    heading: String,
    x_label: String,
    /// (label, colour, mean, lo, hi, harm), top to bottom.
    rows: Vec<(String, RGBColor, f64, f64, f64, bool)>,
    names: bool,
    decimals: usize,
}

fn dot_panel<DB: DrawingBackend>(area: &Area<DB>, p: &DotPanel, z: Sizes) -> Result<(), PlotError> {
    let n = p.rows.len().max(1) as f64;
    let lo = p.rows.iter().map(|r| r.3.min(r.2)).filter(|x| x.is_finite()).fold(0.0, f64::min);
    let hi = p.rows.iter().map(|r| r.4.max(r.2)).filter(|x| x.is_finite()).fold(0.0, f64::max);
    let pad = ((hi - lo) * 0.12).max(1e-9);
    let (x0, x1) = (if lo < 0.0 { lo - pad } else { 0.0 - pad * 0.4 }, if hi > 0.0 { hi + pad } else { pad * 0.4 });
    let mut b = ChartBuilder::on(area);
    b.margin_left(z.px(10.0))
        .margin_right(z.px(30.0))
        .margin_top(z.px(50.0))
        .margin_bottom(z.px(6.0))
        .x_label_area_size(z.px(80.0))
        .y_label_area_size(if p.names { z.px(NAMES) } else { z.px(10.0) });
    let mut chart = b.build_cartesian_2d(x0..x1, -0.5..(n - 0.5)).map_err(de)?;
    let fmt = |x: &f64| {
        let s = if (x1 - x0) >= 1000.0 { thousands(*x) } else { fixed(*x, if (x1 - x0) < 4.0 { 1 } else { 0 }) };
        if *x > 0.0 { format!("+{s}") } else { s }
    };
    parts::house_mesh(&mut chart.configure_mesh(), z)
        .disable_y_mesh()
        .y_labels(0)
        .x_labels(5)
        .x_label_formatter(&fmt)
        .x_desc(p.x_label.as_str())
        .set_all_tick_mark_size(z.px(6.0))
        .draw()
        .map_err(de)?;
    chart.draw_series(std::iter::once(PathElement::new(vec![(0.0, -0.5), (0.0, n - 0.5)], INK.stroke_width(z.pxu(2.0))))).map_err(de)?;
    let base = area.get_base_pixel();
    let (hx, _) = chart.backend_coord(&(x0, n - 0.5));
    area.draw(&Text::new(p.heading.clone(), (hx - base.0, z.px(10.0)), anchored(bold(z.subtitle(), INK), HPos::Left, VPos::Top)))
        .map_err(de)?;
    for (k, (label, colour, mean, lo, hi, harm)) in p.rows.iter().enumerate() {
        let y = n - 1.0 - k as f64;
        if *harm {
            chart.draw_series(std::iter::once(Rectangle::new([(x0, y - 0.42), (x1, y + 0.42)], HARM.mix(0.10).filled()))).map_err(de)?;
        }
        if lo.is_finite() && hi.is_finite() {
            chart.draw_series(std::iter::once(PathElement::new(vec![(*lo, y), (*hi, y)], colour.stroke_width(z.pxu(5.0))))).map_err(de)?;
            for x in [*lo, *hi] {
                chart
                    .draw_series(std::iter::once(PathElement::new(vec![(x, y - 0.12), (x, y + 0.12)], colour.stroke_width(z.pxu(3.0)))))
                    .map_err(de)?;
            }
        }
        if mean.is_finite() {
            let (px, py) = chart.backend_coord(&(*mean, y));
            let (px, py) = (px - base.0, py - base.1);
            area.draw(&Circle::new((px, py), z.pxu(11.0), WHITE.filled())).map_err(de)?;
            area.draw(&Circle::new((px, py), z.pxu(9.0), colour.filled())).map_err(de)?;
            let sign = if *mean > 0.0 { "+" } else { "" };
            let value = if (x1 - x0) >= 1000.0 { thousands(*mean) } else { fixed(*mean, p.decimals) };
            let text = if *harm { format!("{sign}{value}  HARM") } else { format!("{sign}{value}") };
            // A white box keeps the value readable over the zero line.
            let tw = bold_width(&text, z.tick()).round() as i32;
            // (On a shaded row, the shade's own colour.)
            let under = if *harm { RGBColor(251, 239, 230) } else { WHITE };
            area.draw(&Rectangle::new(
                [(px - tw / 2 - z.px(3.0), py - z.px(40.0)), (px + tw / 2 + z.px(3.0), py - z.px(17.0))],
                under.filled(),
            ))
            .map_err(de)?;
            area.draw(&Text::new(
                text,
                (px, py - z.px(16.0)),
                anchored(bold(z.tick(), if *harm { HARM } else { INK }), HPos::Center, VPos::Bottom),
            ))
            .map_err(de)?;
        }
        if p.names {
            let (lx, ly) = chart.backend_coord(&(x0, y));
            area.draw(&Text::new(
                label.clone(),
                (lx - base.0 - z.px(14.0), ly - base.1),
                anchored(bold(z.label(), *colour), HPos::Right, VPos::Center),
            ))
            .map_err(de)?;
        }
    }
    Ok(())
}

/// Width of the strategy names beside the left column (scale 1).
const NAMES: f64 = 240.0;

struct Differences {
    panels: Vec<DotPanel>,
    rows: usize,
}

impl Draw for Differences {
    fn size(&self) -> (u32, u32) {
        let panel = 150.0 + 62.0 * self.rows as f64;
        (super::time::WIDTH, (118.0 + 2.0 * panel + 10.0).round() as u32)
    }

    fn draw<DB: DrawingBackend>(&self, root: &Area<DB>, z: Sizes) -> Result<(), PlotError> {
        let rest = parts::title(
            root,
            "Each strategy compared with no programme",
            Some("Difference from no programme on the same replicates: mean (dot) and 90% interval (bar). Shaded: harm"),
            z,
        )?;
        let (w, h) = rest.dim_in_pixel();
        let (top, bottom) = rest.split_vertically(h / 2);
        // Both columns get plots of the same width; the left one also holds the names.
        let left = (w as i32 + z.px(NAMES)) / 2;
        for (k, area) in [top.split_horizontally(left), bottom.split_horizontally(left)].iter().enumerate() {
            if let Some(p) = self.panels.get(2 * k) {
                dot_panel(&area.0, p, z)?;
            }
            if let Some(p) = self.panels.get(2 * k + 1) {
                dot_panel(&area.1, p, z)?;
            }
        }
        Ok(())
    }
}

/// Differences from baseline with 90% intervals for the headline metrics.
pub fn differences(ctx: &Context, o: &Options) -> Result<Option<Figure>, PlotError> {
    let Some(c) = &ctx.res.comparison else { return Ok(None) };
    let order = ranked(ctx, c);
    if order.is_empty() {
        return Ok(None);
    }
    let panels = HEADLINE
        .iter()
        .enumerate()
        .map(|(k, (metric, heading, x_label, scale))| DotPanel {
            heading: heading.to_string(),
            x_label: x_label.to_string(),
            rows: order
                .iter()
                .map(|s| {
                    let r = c.get(s, metric);
                    let v = |f: fn(&ComparisonRow) -> f64| r.map_or(f64::NAN, |r| f(r) * scale);
                    (strategy_label(s), ctx.colour(s), v(|r| r.diff_mean), v(|r| r.diff_lo), v(|r| r.diff_hi), r.is_some_and(|r| r.harm))
                })
                .collect(),
            names: k % 2 == 0,
            decimals: if *scale > 1.0 { 1 } else { 0 },
        })
        .collect();
    let fig = Differences { panels, rows: order.len() };
    Ok(Some(finish("comparison", "Each strategy compared with no programme", differences_caption(ctx, c, &order), &fig, o)?))
}

fn differences_caption(ctx: &Context, c: &Comparison, order: &[String]) -> String {
    let mut out = String::new();
    if let Some(best) = order.first()
        && let Some(e) = c.get(best, "participation_end")
    {
        out.push_str(&format!(
            "{} raised participation at the end of the programme by {} points (90% interval {} to {}) compared with no programme",
            strategy_label(best),
            fixed(100.0 * e.diff_mean, 0),
            fixed(100.0 * e.diff_lo, 0),
            fixed(100.0 * e.diff_hi, 0)
        ));
        if let (Some(sb), Some(sa)) = (c.get(BASELINE, "sanctions_total"), c.get(best, "sanctions_total"))
            && sb.mean > 0.0
        {
            let p = 100.0 * sa.diff_mean / sb.mean;
            out.push_str(&format!(", with {}% {} sanctions", fixed(p.abs(), 0), if p >= 0.0 { "more" } else { "fewer" }));
        }
        if let Some(f) = c.get(best, "participation_final") {
            out.push_str(&format!("; {} points remained at the last month", fixed(100.0 * f.diff_mean, 0)));
        }
        out.push('.');
    }
    let flagged = |metrics: &[&str]| -> Vec<String> {
        order.iter().filter(|s| metrics.iter().any(|m| c.get(s, m).is_some_and(|r| r.harm))).map(|s| strategy_label(s)).collect()
    };
    let totals = flagged(&["sanctions_total", "violence_total"]);
    if totals.is_empty() {
        out.push_str(" No strategy raised sanctions or violence above no programme with 90% confidence.");
    } else if totals.len() == order.len() && order.len() > 1 {
        out.push_str(" Every strategy raised total sanctions or violence above no programme with 90% confidence (shaded rows): more women taking part meet more backlash.");
    } else {
        out.push_str(&format!(
            " {} raised total sanctions or violence above no programme with 90% confidence (shaded rows).",
            list(&totals)
        ));
    }
    let risk = flagged(&["women_sanctioned_mean"]);
    if !risk.is_empty() {
        out.push_str(&format!(
            " {} also raised the risk to each woman who takes part (the share of them sanctioned each month): plan protection.",
            list(&risk)
        ));
    }
    let _ = ctx;
    out.trim().to_string()
}

/// "a", "a and b", "a, b and c".
pub fn list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [a] => a.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// One point of the cost chart.
struct CostPoint {
    label: String,
    colour: RGBColor,
    cost: (f64, f64, f64),
    gain: (f64, f64, f64),
}

struct Cost {
    points: Vec<CostPoint>,
}

impl Draw for Cost {
    fn size(&self) -> (u32, u32) {
        (super::time::WIDTH, 860)
    }

    fn draw<DB: DrawingBackend>(&self, root: &Area<DB>, z: Sizes) -> Result<(), PlotError> {
        let area = parts::title(
            root,
            "What each strategy cost, and what it gained",
            Some("Mean total cost (bar: 90% of replicates) against the gain in participation at the programme's end (bar: 90% interval)"),
            z,
        )?;
        let xmax = parts::nice_max(self.points.iter().map(|p| p.cost.2.max(p.cost.0)).filter(|x| x.is_finite()).fold(0.0, f64::max));
        let ylo = self.points.iter().map(|p| p.gain.1.min(p.gain.0)).filter(|x| x.is_finite()).fold(0.0, f64::min);
        let yhi = parts::nice_max(self.points.iter().map(|p| p.gain.2.max(p.gain.0)).filter(|x| x.is_finite()).fold(0.0, f64::max));
        let ylo = if ylo < 0.0 { -parts::nice_max(-ylo) } else { -yhi * 0.04 };
        let mut b = ChartBuilder::on(&area);
        b.margin_left(z.px(10.0)).margin_right(z.px(60.0)).margin_top(z.px(16.0)).margin_bottom(z.px(8.0));
        b.x_label_area_size(z.px(84.0)).y_label_area_size(z.px(110.0));
        let mut chart = b.build_cartesian_2d(0.0..xmax, ylo..yhi).map_err(de)?;
        let xf = |x: &f64| short(*x);
        let yf = |y: &f64| fixed(*y, 0);
        parts::house_mesh(&mut chart.configure_mesh(), z)
            .x_desc("Total programme cost over the run")
            .y_desc("Participation gained (percentage points)")
            .x_label_formatter(&xf)
            .y_label_formatter(&yf)
            .x_labels(6)
            .y_labels(6)
            .set_all_tick_mark_size(z.px(6.0))
            .draw()
            .map_err(de)?;
        chart.draw_series(std::iter::once(PathElement::new(vec![(0.0, 0.0), (xmax, 0.0)], INK.stroke_width(z.pxu(1.5))))).map_err(de)?;
        let base = area.get_base_pixel();
        let mut spots = Vec::new();
        for p in &self.points {
            let s = p.colour.stroke_width(z.pxu(3.0));
            if p.cost.1.is_finite() && p.cost.2.is_finite() && p.gain.0.is_finite() {
                chart.draw_series(std::iter::once(PathElement::new(vec![(p.cost.1, p.gain.0), (p.cost.2, p.gain.0)], s))).map_err(de)?;
            }
            if p.gain.1.is_finite() && p.gain.2.is_finite() && p.cost.0.is_finite() {
                chart.draw_series(std::iter::once(PathElement::new(vec![(p.cost.0, p.gain.1), (p.cost.0, p.gain.2)], s))).map_err(de)?;
            }
            if p.cost.0.is_finite() && p.gain.0.is_finite() {
                let (px, py) = chart.backend_coord(&(p.cost.0, p.gain.0));
                let (px, py) = (px - base.0, py - base.1);
                area.draw(&Circle::new((px, py), z.pxu(13.0), WHITE.filled())).map_err(de)?;
                area.draw(&Circle::new((px, py), z.pxu(11.0), p.colour.filled())).map_err(de)?;
                spots.push((px, py, p));
            }
        }
        // Labels beside their points, pushed apart vertically.
        let size = z.label();
        let (w, _) = area.dim_in_pixel();
        let want: Vec<f64> = spots.iter().map(|s| f64::from(s.1) - size * 0.9).collect();
        let got = parts::repel(&want, size * 1.2, size, f64::from(area.dim_in_pixel().1) - size * 4.0);
        for ((px, _, p), y) in spots.iter().zip(got) {
            let tw = bold_width(&p.label, size).round() as i32;
            let right = *px + z.px(20.0) + tw < w as i32 - z.px(10.0);
            let (x, h) = if right { (*px + z.px(18.0), HPos::Left) } else { (*px - z.px(18.0), HPos::Right) };
            area.draw(&Text::new(p.label.clone(), (x, y.round() as i32), anchored(bold(size, p.colour), h, VPos::Center))).map_err(de)?;
        }
        Ok(())
    }
}

/// Cost against participation gained, one point per strategy.
pub fn cost(ctx: &Context, o: &Options) -> Result<Option<Figure>, PlotError> {
    let Some(c) = &ctx.res.comparison else { return Ok(None) };
    let order = ranked(ctx, c);
    if order.is_empty() {
        return Ok(None);
    }
    let mut points = Vec::new();
    if c.get(BASELINE, "participation_end").is_some() {
        points.push(CostPoint {
            label: strategy_label(BASELINE),
            colour: ctx.colour(BASELINE),
            cost: (0.0, 0.0, 0.0),
            gain: (0.0, 0.0, 0.0),
        });
    }
    for s in &order {
        let (Some(k), Some(g)) = (c.get(s, "cost_total"), c.get(s, "participation_end")) else { continue };
        points.push(CostPoint {
            label: strategy_label(s),
            colour: ctx.colour(s),
            cost: (k.mean, k.p05, k.p95),
            gain: (100.0 * g.diff_mean, 100.0 * g.diff_lo, 100.0 * g.diff_hi),
        });
    }
    let caption = cost_caption(c, &order);
    Ok(Some(finish("cost", "Cost against participation gained", caption, &Cost { points }, o)?))
}

fn cost_caption(c: &Comparison, order: &[String]) -> String {
    let per_point = |s: &str| -> f64 {
        match c.get(s, "cost_per_point") {
            Some(r) if r.mean.is_finite() => r.mean,
            _ => {
                let (k, g) =
                    (c.get(s, "cost_total").map_or(f64::NAN, |r| r.mean), c.get(s, "participation_end").map_or(f64::NAN, |r| r.diff_mean));
                if g > 0.0 { k / (100.0 * g) } else { f64::NAN }
            }
        }
    };
    let mut priced: Vec<(&String, f64)> = order.iter().map(|s| (s, per_point(s))).filter(|x| x.1.is_finite() && x.1 > 0.0).collect();
    priced.sort_by(|a, b| a.1.total_cmp(&b.1));
    let mut out = String::new();
    if let Some((s, p)) = priced.first() {
        let total = c.get(s, "cost_total").map_or(f64::NAN, |r| r.mean);
        out.push_str(&format!(
            "{} bought participation most cheaply: about {} per percentage point gained at the programme's end ({} in all).",
            strategy_label(s),
            thousands(*p),
            thousands(total)
        ));
    }
    if priced.len() > 1
        && let Some((s, p)) = priced.last()
    {
        out.push_str(&format!(" {} cost the most per point, about {}.", strategy_label(s), thousands(*p)));
    }
    let free: Vec<String> = order.iter().filter(|s| !per_point(s).is_finite()).map(|s| strategy_label(s)).collect();
    if !free.is_empty() {
        out.push_str(&format!(" No cost per point for {}: no gain on average.", list(&free)));
    }
    out.trim().to_string()
}

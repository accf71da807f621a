//! Strategies against baseline, from `comparison.csv`: the paired
//! difference from baseline with its 90% interval for the headline metrics
//! (a dot-and-interval chart: harm and exposure marked from the `verdict`
//! column, as `compare::Verdict` defines them), each participating
//! woman's risk of being sanctioned (`risk`: its level and its difference),
//! and cost against participation gained (one point per strategy, with
//! intervals). All are left out when the folder has no `comparison.csv`
//! (written by `compare`). Below `compare::MIN_REPLICATES` replicates the
//! table has no intervals and no verdicts, and the figures say so.

use super::parts::{self, anchored, bold};
use super::render::{Area, Draw, de};
use super::style::{HARM, INK, MUTED, Sizes, bold_width, fixed, short, strategy_label, thousands};
use super::tables::{Comparison, ComparisonRow};
use super::{BASELINE, Context, Figure, Options, PlotError, finish};
use crate::compare::{EXPOSURE_METRIC, HARM_METRIC, Verdict, too_few_short, too_few_warning};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// The headline metrics: name in `comparison.csv`, panel heading, axis
/// label, scale for display. Exposure (sanctions in all) and harm (each
/// participating woman's risk) side by side, so that neither is read as
/// the other.
const HEADLINE: [Spec; 4] = [
    ("participation_end", "Women taking part: programme end", "Change (percentage points)", 100.0),
    ("participation_final", "Women taking part: last month", "Change (percentage points)", 100.0),
    (EXPOSURE_METRIC, "Exposure: sanctions in all, whole run", "Change (number of sanctions)", 1.0),
    (HARM_METRIC, "Harm: each participating woman's risk", "Change (points of monthly risk)", 100.0),
];

/// How a row of a dot panel is marked.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Mark {
    None,
    /// [`Verdict::Harm`]: shaded vermillion, stamped HARM.
    Harm,
    /// [`Verdict::Exposure`]: shaded grey, stamped MORE IN ALL.
    Exposure,
}

impl Mark {
    fn of(v: Option<Verdict>) -> Mark {
        match v {
            Some(Verdict::Harm) => Mark::Harm,
            Some(Verdict::Exposure) => Mark::Exposure,
            _ => Mark::None,
        }
    }

    /// The stamp beside the value, and its colour and shade.
    fn stamp(self) -> Option<(&'static str, RGBColor, RGBColor)> {
        match self {
            Mark::None => None,
            Mark::Harm => Some(("HARM", HARM, RGBColor(251, 239, 230))),
            Mark::Exposure => Some(("MORE IN ALL", MUTED, RGBColor(236, 236, 236))),
        }
    }
}

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
    /// (label, colour, mean, lo, hi, mark), top to bottom.
    rows: Vec<(String, RGBColor, f64, f64, f64, Mark)>,
    names: bool,
    decimals: usize,
    /// Levels rather than differences: no zero line, no "+" signs.
    levels: bool,
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
        if *x > 0.0 && !p.levels { format!("+{s}") } else { s }
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
    for (k, (label, colour, mean, lo, hi, mark)) in p.rows.iter().enumerate() {
        let y = n - 1.0 - k as f64;
        let stamp = mark.stamp();
        if let Some((_, _, shade)) = stamp {
            chart.draw_series(std::iter::once(Rectangle::new([(x0, y - 0.42), (x1, y + 0.42)], shade.filled()))).map_err(de)?;
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
            let sign = if *mean > 0.0 && !p.levels { "+" } else { "" };
            let value = if (x1 - x0) >= 1000.0 { thousands(*mean) } else { fixed(*mean, p.decimals) };
            let text = match stamp {
                Some((word, ..)) => format!("{sign}{value}  {word}"),
                None => format!("{sign}{value}"),
            };
            // A box in the row's shade keeps the value readable over the zero line.
            let tw = bold_width(&text, z.tick()).round() as i32;
            let under = stamp.map_or(WHITE, |s| s.2);
            area.draw(&Rectangle::new(
                [(px - tw / 2 - z.px(3.0), py - z.px(40.0)), (px + tw / 2 + z.px(3.0), py - z.px(17.0))],
                under.filled(),
            ))
            .map_err(de)?;
            area.draw(&Text::new(
                text,
                (px, py - z.px(16.0)),
                anchored(bold(z.tick(), stamp.map_or(INK, |s| s.1)), HPos::Center, VPos::Bottom),
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
    subtitle: String,
}

impl Draw for Differences {
    fn size(&self) -> (u32, u32) {
        let panel = 150.0 + 62.0 * self.rows as f64;
        (super::time::WIDTH, (118.0 + 2.0 * panel + 10.0).round() as u32)
    }

    fn draw<DB: DrawingBackend>(&self, root: &Area<DB>, z: Sizes) -> Result<(), PlotError> {
        let rest = parts::title(root, "Each strategy compared with no programme", Some(&self.subtitle), z)?;
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

/// The subtitle of a chart of differences: what the dots, bars and marks
/// mean, or why there are no bars and marks.
fn differences_subtitle(c: &Comparison) -> String {
    if c.too_few() {
        format!("Mean difference from no programme on the same replicates (dot). {}", too_few_short(c.replicates() as usize))
    } else {
        "Difference from no programme on the same replicates: mean (dot), 90% interval (bar). HARM: each woman's risk rose; MORE IN ALL: more sanctions in all".to_string()
    }
}

/// One panel: metric in `comparison.csv`, heading, axis label, scale for display.
type Spec<'a> = (&'a str, &'a str, &'a str, f64);

/// A dot panel of the paired differences of a metric for `order`, marked
/// from the verdicts.
fn difference_panel(ctx: &Context, c: &Comparison, order: &[String], spec: Spec, names: bool) -> DotPanel {
    let (metric, heading, x_label, scale) = spec;
    DotPanel {
        heading: heading.to_string(),
        x_label: x_label.to_string(),
        rows: order
            .iter()
            .map(|s| {
                let r = c.get(s, metric);
                let v = |f: fn(&ComparisonRow) -> f64| r.map_or(f64::NAN, |r| f(r) * scale);
                (strategy_label(s), ctx.colour(s), v(|r| r.diff_mean), v(|r| r.diff_lo), v(|r| r.diff_hi), Mark::of(r.map(|r| r.verdict)))
            })
            .collect(),
        names,
        decimals: if scale > 1.0 { 1 } else { 0 },
        levels: false,
    }
}

/// Differences from baseline with 90% intervals for the headline metrics.
pub fn differences(ctx: &Context, o: &Options) -> Result<Option<Figure>, PlotError> {
    let Some(c) = &ctx.res.comparison else { return Ok(None) };
    let order = ranked(ctx, c);
    if order.is_empty() {
        return Ok(None);
    }
    let panels = HEADLINE.iter().enumerate().map(|(k, spec)| difference_panel(ctx, c, &order, *spec, k % 2 == 0)).collect();
    let fig = Differences { panels, rows: order.len(), subtitle: differences_subtitle(c) };
    Ok(Some(finish("comparison", "Each strategy compared with no programme", differences_caption(c, &order), &fig, o)?))
}

fn differences_caption(c: &Comparison, order: &[String]) -> String {
    let mut out = String::new();
    if let Some(best) = order.first()
        && let Some(e) = c.get(best, "participation_end")
    {
        out.push_str(&format!(
            "{} raised participation at the end of the programme by {} points{} compared with no programme",
            strategy_label(best),
            fixed(100.0 * e.diff_mean, 0),
            interval(100.0 * e.diff_lo, 100.0 * e.diff_hi, 0)
        ));
        if let Some(f) = c.get(best, "participation_final") {
            // Said as it is: the difference can grow after the programme
            // (a village that tipped keeps going), not only fade.
            let (end, last) = (100.0 * e.diff_mean, 100.0 * f.diff_mean);
            let n = fixed(last, 0);
            out.push_str(&if last > end + 0.5 {
                format!(" (and grew to {n} points by the last month)")
            } else if last >= end - 0.5 {
                format!(" (and was still {n} points at the last month)")
            } else {
                format!(" (and fell to {n} points by the last month)")
            });
        }
        if let (Some(sb), Some(sa)) = (c.get(BASELINE, EXPOSURE_METRIC), c.get(best, EXPOSURE_METRIC))
            && sb.mean > 0.0
        {
            let p = 100.0 * sa.diff_mean / sb.mean;
            out.push_str(&format!(", with {}% {} sanctions in all", fixed(p.abs(), 0), if p >= 0.0 { "more" } else { "fewer" }));
        }
        out.push('.');
    }
    out.push(' ');
    out.push_str(&verdicts_said(c, order));
    out.trim().to_string()
}

/// " (90% interval a to b)", or nothing when there is no interval.
fn interval(lo: f64, hi: f64, decimals: usize) -> String {
    if lo.is_finite() && hi.is_finite() {
        format!(" (90% interval {} to {})", fixed(lo, decimals), fixed(hi, decimals))
    } else {
        String::new()
    }
}

/// The verdicts on harm and exposure of `order`, in sentences, read from
/// the `verdict` column through [`Comparison::findings`]: shared by the
/// figures' captions and the report.
pub fn verdicts_said(c: &Comparison, order: &[String]) -> String {
    if c.too_few() {
        return format!("{}: no intervals and no verdict on harm or exposure.", sentence(&too_few_warning(c.replicates() as usize)));
    }
    let who = |pick: fn(&crate::compare::Findings) -> bool| -> Vec<String> {
        order.iter().filter(|s| pick(&c.findings(s))).map(|s| strategy_label(s)).collect()
    };
    let harmed = who(|f| f.harm);
    let exposed = who(|f| f.exposure);
    let mut out = String::new();
    if harmed.is_empty() {
        out.push_str(
            "Harm: no strategy raised each participating woman's risk of being sanctioned above no programme with 90% confidence.",
        );
    } else {
        out.push_str(&format!(
            "Harm: {} raised each participating woman's risk of being sanctioned above no programme with 90% confidence (marked HARM): plan protection.",
            list(&harmed)
        ));
    }
    if exposed.is_empty() {
        out.push_str(" Exposure: no strategy brought more sanctions in all with 90% confidence.");
    } else {
        let safer: Vec<String> = exposed.iter().filter(|s| !harmed.contains(s)).cloned().collect();
        let whom = if exposed.len() == order.len() && order.len() > 1 { "every strategy".to_string() } else { list(&exposed) };
        out.push_str(&format!(
            " Exposure: {whom} brought more sanctions in all with 90% confidence (marked MORE IN ALL), as more women took part"
        ));
        if safer.is_empty() {
            out.push('.');
        } else {
            out.push_str(&format!("; for {}, that is not harm: each woman's risk did not rise.", list(&safer)));
        }
    }
    out
}

/// Upper-case the first letter.
fn sentence(s: &str) -> String {
    let mut c = s.chars();
    c.next().map_or(String::new(), |f| f.to_uppercase().chain(c).collect())
}

/// The risk figure: each participating woman's risk of being sanctioned,
/// its level per strategy and its difference from no programme.
struct Risk {
    panels: [DotPanel; 2],
    rows: usize,
    subtitle: String,
}

impl Draw for Risk {
    fn size(&self) -> (u32, u32) {
        (super::time::WIDTH, (118.0 + 150.0 + 62.0 * self.rows as f64 + 10.0).round() as u32)
    }

    fn draw<DB: DrawingBackend>(&self, root: &Area<DB>, z: Sizes) -> Result<(), PlotError> {
        let rest = parts::title(root, "Each participating woman's risk of being sanctioned", Some(&self.subtitle), z)?;
        let (w, _) = rest.dim_in_pixel();
        let left = (w as i32 + z.px(NAMES)) / 2;
        let (a, b) = rest.split_horizontally(left);
        dot_panel(&a, &self.panels[0], z)?;
        dot_panel(&b, &self.panels[1], z)
    }
}

/// Each participating woman's risk of being sanctioned (`women_sanctioned_mean`):
/// its level for every strategy (mean, bar: 90% of replicates) and its
/// paired difference from no programme (mean, bar: 90% interval), HARM
/// marked from the verdicts.
pub fn risk(ctx: &Context, o: &Options) -> Result<Option<Figure>, PlotError> {
    let Some(c) = &ctx.res.comparison else { return Ok(None) };
    let order = ranked(ctx, c);
    if order.is_empty() || c.get(BASELINE, HARM_METRIC).is_none() {
        return Ok(None);
    }
    let mut all = vec![BASELINE.to_string()];
    all.extend(order.iter().cloned());
    let level = DotPanel {
        heading: "Risk: share sanctioned in a month".into(),
        x_label: "Women taking part sanctioned in a month (%)".into(),
        rows: all
            .iter()
            .map(|s| {
                let r = c.get(s, HARM_METRIC);
                let v = |f: fn(&ComparisonRow) -> f64| r.map_or(f64::NAN, |r| 100.0 * f(r));
                (strategy_label(s), ctx.colour(s), v(|r| r.mean), v(|r| r.p05), v(|r| r.p95), Mark::of(r.map(|r| r.verdict)))
            })
            .collect(),
        names: true,
        decimals: 1,
        levels: true,
    };
    let spec = (HARM_METRIC, "Change from no programme", "Change (points of monthly risk)", 100.0);
    let mut diff = difference_panel(ctx, c, &all, spec, false);
    // Baseline's own row has no difference; its dot sits at 0.
    if let Some(first) = diff.rows.first_mut() {
        (first.2, first.3, first.4) = (0.0, f64::NAN, f64::NAN);
    }
    let subtitle = if c.too_few() {
        format!("Mean over replicates (dot). {}", too_few_short(c.replicates() as usize))
    } else {
        "Left: mean (dot) and 90% of replicates (bar). Right: paired difference, mean and 90% interval. HARM: the risk rose".to_string()
    };
    let caption = risk_caption(c, &order);
    let fig = Risk { panels: [level, diff], rows: all.len(), subtitle };
    Ok(Some(finish("risk", "Each participating woman's risk of being sanctioned", caption, &fig, o)?))
}

fn risk_caption(c: &Comparison, order: &[String]) -> String {
    let Some(b) = c.get(BASELINE, HARM_METRIC) else { return String::new() };
    let mut out = format!(
        "With no programme, {}% of the women taking part were sanctioned in an average month (their risk; means over {} replicates).",
        fixed(100.0 * b.mean, 1),
        c.replicates()
    );
    let mut said = Vec::new();
    for s in order {
        let Some(r) = c.get(s, HARM_METRIC) else { continue };
        let change = if r.diff_mean >= 0.0 { "raised" } else { "lowered" };
        said.push(format!(
            "{} {change} it to {}%: {} points{}",
            strategy_label(s),
            fixed(100.0 * r.mean, 1),
            signed(100.0 * r.diff_mean, 1),
            interval(100.0 * r.diff_lo, 100.0 * r.diff_hi, 1)
        ));
    }
    if !said.is_empty() {
        out.push_str(&format!(" {}.", sentence(&said.join("; "))));
    }
    out.push(' ');
    out.push_str(&verdicts_said(c, order));
    out
}

/// "+1.2", "-0.4", "0.0".
fn signed(x: f64, decimals: usize) -> String {
    let s = fixed(x, decimals);
    if x > 0.0 && s.chars().any(|c| c.is_ascii_digit() && c != '0') { format!("+{s}") } else { s }
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

//! Outcomes over time, per strategy: participation, sanctions and
//! violence, and attitudes against expectations. Each line is the median
//! over replicates with a band from the 5th to the 95th percentile; the
//! programme window is shaded and intervention starts and ends are marked.

use super::parts::{self, BandPanel, Key, Labels, Line, Mark, anchored, bold, font};
use super::render::{Area, Draw, de};
use super::style::{INK, MUTED, Sizes, okabe_ito, sentence, strategy_label, text_width};
use super::{Context, Figure, Options, PlotError, finish, quantiles};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// Figure width at scale 1.
pub const WIDTH: u32 = 1280;

/// Median and 90% band of `column` for strategy `s`, scaled.
pub fn band(ctx: &Context, column: &str, strategy: &str, scale: f64) -> Vec<(f64, f64, f64, f64)> {
    smoothed(ctx, column, strategy, scale, 0)
}

/// Like [`band`], after a centred moving average over `2 * half + 1`
/// months within each replicate (for noisy monthly counts). Replicates are
/// matched by their order in the table; if months have different numbers
/// of replicates, nothing is smoothed.
pub fn smoothed(ctx: &Context, column: &str, strategy: &str, scale: f64, half: usize) -> Vec<(f64, f64, f64, f64)> {
    let Some(s) = ctx.res.timeseries.strategy(strategy) else { return Vec::new() };
    let ts = &ctx.res.timeseries;
    let reps = ts.values(column, s, 0).len();
    let aligned = (0..ctx.months).all(|t| ts.values(column, s, t).len() == reps);
    (0..ctx.months)
        .map(|t| {
            let (lo, mid, hi) = if half == 0 || !aligned {
                quantiles(ts.values(column, s, t))
            } else {
                let (a, b) = (t.saturating_sub(half), (t + half).min(ctx.months - 1));
                let avg: Vec<f64> =
                    (0..reps).map(|r| super::mean(&(a..=b).map(|u| ts.values(column, s, u)[r]).collect::<Vec<_>>())).collect();
                quantiles(&avg)
            };
            (t as f64, lo * scale, mid * scale, hi * scale)
        })
        .collect()
}

/// Months where an intervention starts or ends inside the run, other than
/// the programme window's own edges.
pub fn marks(ctx: &Context) -> Vec<f64> {
    let mut m: Vec<u32> = Vec::new();
    for s in &ctx.res.scenario.strategies {
        if !ctx.strategies.contains(&s.name) {
            continue;
        }
        for i in &s.interventions {
            for x in [i.start, i.end] {
                if x > 0 && (x as usize) < ctx.months - 1 && x as usize != ctx.end && !m.contains(&x) {
                    m.push(x);
                }
            }
        }
    }
    m.sort_unstable();
    m.into_iter().map(f64::from).collect()
}

fn window(ctx: &Context) -> Option<(f64, f64)> {
    let any = ctx.res.scenario.strategies.iter().any(|s| s.interventions.iter().any(|i| !i.cut));
    any.then_some((0.0, ctx.end as f64))
}

fn window_label(ctx: &Context) -> String {
    format!("Programme (months 0-{})", ctx.end)
}

/// Lines for every strategy (smoothed over `2 * half + 1` months).
fn lines(ctx: &Context, column: &str, scale: f64, half: usize) -> Vec<Line> {
    ctx.strategies
        .iter()
        .map(|s| Line {
            label: strategy_label(s),
            colour: ctx.colour(s),
            points: smoothed(ctx, column, s, scale, half),
            dashed: false,
            band: true,
        })
        .collect()
}

fn y_max(lines: &[Line]) -> f64 {
    parts::nice_max(lines.iter().flat_map(|l| l.points.iter().map(|q| q.3.max(q.2))).filter(|x| x.is_finite()).fold(0.0, f64::max))
}

/// A panel of one outcome over time.
fn panel(ctx: &Context, lines: Vec<Line>, y_label: &str, heading: Option<String>, x_axis: bool) -> BandPanel {
    let months = ctx.months as f64 - 1.0;
    BandPanel {
        heading,
        x_label: "Month".into(),
        y_label: y_label.into(),
        x_range: (0.0, months.max(1.0)),
        y_range: (0.0, y_max(&lines)),
        x_ticks: parts::month_ticks(months),
        lines,
        window: window(ctx),
        window_label: Some(window_label(ctx)),
        marks: marks(ctx),
        labels: Labels::Direct(250.0),
        y_area: 110.0,
        x_axis,
    }
}

/// One row of the "what ran when" strip: a strategy's interventions that
/// share a window, drawn as one bar.
#[derive(Clone, Debug)]
struct Bar {
    text: String,
    start: u32,
    end: u32,
    cut: bool,
    /// Funded and unfunded months of project cycles.
    cycles: Option<(u32, u32)>,
}

/// The programme timeline: per strategy, rows of bars that do not overlap.
#[derive(Clone, Debug)]
struct Timeline {
    rows: Vec<(String, RGBColor, Vec<Bar>)>,
    range: (f64, f64),
}

fn timeline(ctx: &Context) -> Option<Timeline> {
    let mut rows = Vec::new();
    for name in &ctx.strategies {
        let Some(s) = ctx.res.scenario.strategy(name) else { continue };
        let mut groups: Vec<Bar> = Vec::new();
        for i in s.interventions.iter().filter(|i| (i.start as usize) < ctx.months) {
            let what = if i.cut {
                format!("funding cut{}", i.name.as_ref().map_or(String::new(), |n| format!(" ({n})")))
            } else {
                sentence(&i.kind)
            };
            let end = i.end.min(ctx.months as u32 - 1);
            match groups.iter_mut().find(|g| g.start == i.start && g.end == end && g.cut == i.cut && g.cycles == i.cycles) {
                Some(g) => g.text = format!("{} + {}", g.text, what.to_lowercase()),
                None => groups.push(Bar { text: what, start: i.start, end, cut: i.cut, cycles: i.cycles }),
            }
        }
        let mut sub: Vec<Vec<Bar>> = Vec::new();
        for g in groups {
            match sub.iter_mut().find(|r| r.iter().all(|b| g.end < b.start || g.start > b.end)) {
                Some(r) => r.push(g),
                None => sub.push(vec![g]),
            }
        }
        for (k, r) in sub.into_iter().enumerate() {
            rows.push((if k == 0 { strategy_label(name) } else { String::new() }, ctx.colour(name), r));
        }
    }
    (!rows.is_empty()).then(|| Timeline { rows, range: (0.0, (ctx.months as f64 - 1.0).max(1.0)) })
}

const ROW: f64 = 34.0;

/// Light colours get dark text.
fn text_on(c: RGBColor) -> RGBColor {
    let l = 0.299 * f64::from(c.0) + 0.587 * f64::from(c.1) + 0.114 * f64::from(c.2);
    if l > 150.0 { INK } else { WHITE }
}

impl Timeline {
    fn height(&self) -> f64 {
        46.0 + ROW * self.rows.len() as f64 + 10.0
    }

    fn draw<DB: DrawingBackend>(&self, area: &Area<DB>, at: parts::Placed, z: Sizes) -> Result<(), PlotError> {
        area.draw(&Text::new("What ran when".to_string(), (at.x0, z.px(6.0)), anchored(bold(z.label(), INK), HPos::Left, VPos::Top)))
            .map_err(de)?;
        let size = z.tick() * 0.95;
        for (k, (name, colour, bars)) in self.rows.iter().enumerate() {
            let y0 = z.px(46.0 + ROW * k as f64);
            let y1 = y0 + z.px(ROW - 6.0);
            for b in bars {
                let x0 = at.at(f64::from(b.start), self.range);
                let x1 = at.at(f64::from(b.end), self.range).max(x0 + z.px(3.0));
                let fill = if b.cut { MUTED } else { *colour };
                match b.cycles {
                    Some((funded, gap)) if gap > 0 => {
                        // Funded months filled, gaps outlined.
                        area.draw(&Rectangle::new([(x0, y0), (x1, y1)], fill.mix(0.25).filled())).map_err(de)?;
                        let mut m = b.start;
                        while m <= b.end {
                            let a = at.at(f64::from(m), self.range);
                            let e = at.at(f64::from((m + funded - 1).min(b.end)), self.range).max(a + z.px(2.0));
                            area.draw(&Rectangle::new([(a, y0), (e, y1)], fill.filled())).map_err(de)?;
                            m += funded + gap;
                        }
                    }
                    _ => area.draw(&Rectangle::new([(x0, y0), (x1, y1)], fill.filled())).map_err(de)?,
                }
                let label = match b.cycles {
                    Some((funded, gap)) if gap > 0 => {
                        format!("{} (months {}-{}; {funded}-month projects, {gap}-month gaps)", b.text, b.start, b.end)
                    }
                    _ => format!("{} (months {}-{})", b.text, b.start, b.end),
                };
                let need = text_width(&label, size) + f64::from(z.px(16.0));
                let inside = if b.cycles.is_some() { INK } else { text_on(fill) };
                let (x, c, h) = if need < f64::from(x1 - x0) {
                    (x0 + z.px(8.0), inside, HPos::Left)
                } else if need < f64::from(at.x1 - x1) {
                    (x1 + z.px(8.0), INK, HPos::Left)
                } else if need < f64::from(x0 - at.x0) {
                    (x0 - z.px(8.0), INK, HPos::Right)
                } else {
                    (x0 + z.px(8.0), inside, HPos::Left)
                };
                if b.cycles.is_some() && matches!(h, HPos::Left) && x < x1 {
                    // A light box keeps the label readable over the stripes.
                    let w = text_width(&label, size).round() as i32;
                    area.draw(&Rectangle::new(
                        [(x - z.px(4.0), y0 + z.px(3.0)), (x + w + z.px(4.0), y1 - z.px(3.0))],
                        WHITE.mix(0.85).filled(),
                    ))
                    .map_err(de)?;
                }
                area.draw(&Text::new(label, (x, (y0 + y1) / 2), anchored(font(size, c), h, VPos::Center))).map_err(de)?;
            }
            if !name.is_empty() {
                area.draw(&Text::new(
                    name.clone(),
                    (at.x1 + z.px(14.0), (y0 + y1) / 2),
                    anchored(bold(size, *colour), HPos::Left, VPos::Center),
                ))
                .map_err(de)?;
            }
        }
        Ok(())
    }
}

/// Panels stacked vertically under a title, with an optional timeline
/// below the last panel.
struct Stack {
    title: String,
    subtitle: String,
    panels: Vec<(BandPanel, f64)>,
    timeline: Option<Timeline>,
}

impl Draw for Stack {
    fn size(&self) -> (u32, u32) {
        let h = 118.0 + self.panels.iter().map(|p| p.1).sum::<f64>() + self.timeline.as_ref().map_or(0.0, |t| t.height());
        (WIDTH, h.round() as u32)
    }

    fn draw<DB: DrawingBackend>(&self, root: &Area<DB>, z: Sizes) -> Result<(), PlotError> {
        let mut rest = parts::title(root, &self.title, Some(&self.subtitle), z)?;
        let mut placed = None;
        for (p, h) in &self.panels {
            let (top, below) = rest.split_vertically(z.px(*h));
            placed = Some(parts::band_panel(&top, p, z)?);
            rest = below;
        }
        if let (Some(t), Some(at)) = (&self.timeline, placed) {
            t.draw(&rest, at, z)?;
        }
        Ok(())
    }
}

/// Panels in a grid under a title, with a legend at the bottom.
struct Grid {
    title: String,
    subtitle: String,
    panels: Vec<BandPanel>,
    columns: usize,
    panel_height: f64,
    keys: Vec<Key>,
}

impl Grid {
    fn rows(&self) -> usize {
        self.panels.len().div_ceil(self.columns)
    }
}

impl Draw for Grid {
    fn size(&self) -> (u32, u32) {
        let legend = if self.panels.len() < self.rows() * self.columns { 0.0 } else { 96.0 };
        (WIDTH, (118.0 + self.panel_height * self.rows() as f64 + legend).round() as u32)
    }

    fn draw<DB: DrawingBackend>(&self, root: &Area<DB>, z: Sizes) -> Result<(), PlotError> {
        let rest = parts::title(root, &self.title, Some(&self.subtitle), z)?;
        let (grid, bottom) = rest.split_vertically(z.px(self.panel_height * self.rows() as f64));
        let cells = grid.split_evenly((self.rows(), self.columns));
        for (p, cell) in self.panels.iter().zip(cells.iter()) {
            parts::band_panel(cell, p, z)?;
        }
        // The legend goes in the first empty cell, else below the grid.
        match cells.get(self.panels.len()) {
            Some(cell) => parts::legend_column(cell, &self.keys, z.px(40.0), z.px(70.0), z.label(), z)?,
            None => {
                parts::legend(&bottom, &self.keys, z.px(40.0), z.px(14.0), z.label(), z)?;
            }
        }
        Ok(())
    }
}

fn pct(x: f64) -> String {
    super::style::fixed(x, 0)
}

/// Women taking part in the council over time, per strategy.
pub fn participation(ctx: &Context, o: &Options) -> Result<Option<Figure>, PlotError> {
    let l = lines(ctx, "participation", 100.0, 0);
    let p = panel(ctx, l, "Women taking part in council (%)", None, true);
    let title = "Women taking part in the village council";
    let subtitle = "Median over replicates, with the range of 90% of replicates shaded";
    let fig = Stack { title: title.into(), subtitle: subtitle.into(), panels: vec![(p, 600.0)], timeline: timeline(ctx) };
    Ok(Some(finish("participation", title, participation_caption(ctx), &fig, o)?))
}

fn median_at(ctx: &Context, column: &str, strategy: &str, month: usize) -> f64 {
    ctx.res.timeseries.strategy(strategy).map_or(f64::NAN, |s| quantiles(ctx.res.timeseries.values(column, s, month)).1)
}

fn participation_caption(ctx: &Context) -> String {
    let end = ctx.end;
    let last = ctx.months - 1;
    let at = |s: &str, m: usize| median_at(ctx, "participation", s, m) * 100.0;
    let mut out = String::new();
    if ctx.has_baseline() {
        out.push_str(&format!(
            "With no programme, {}% of women took part in the council at month 0 and {}% at the end of the programme (month {end}, median over replicates).",
            pct(at(super::BASELINE, 0)),
            pct(at(super::BASELINE, end))
        ));
    }
    if let Some(b) = &ctx.best {
        let (e, f) = (at(b, end), at(b, last));
        let lasts = if f > 1.1 * e {
            "and rose further to"
        } else if f >= 0.9 * e {
            "and held at about"
        } else {
            "but fell back to"
        };
        out.push_str(&format!(
            " {} did most: a median of {}% at the end of the programme, {lasts} {}% by the last month ({last}); the means over replicates, which the comparison's table gives, can differ where some villages tip and others do not.",
            strategy_label(b),
            pct(e),
            pct(f)
        ));
    }
    out.trim().to_string()
}

/// Months either side in the moving average of monthly counts.
const SMOOTH: usize = 2;

/// Sanctions and violence over time, per strategy.
pub fn sanctions(ctx: &Context, o: &Options) -> Result<Option<Figure>, PlotError> {
    let top = panel(
        ctx,
        lines(ctx, "sanctions", 1.0, SMOOTH),
        "Sanctions per month",
        Some("All sanctions against women taking part".into()),
        false,
    );
    let bottom = panel(ctx, lines(ctx, "violence", 1.0, SMOOTH), "Violent incidents per month", Some("Of which violent".into()), true);
    let title = "Backlash: sanctions and violence against women who take part";
    let subtitle = "Events per month across the district, averaged over 5 months; median over replicates, 90% of replicates shaded";
    let fig = Stack { title: title.into(), subtitle: subtitle.into(), panels: vec![(top, 390.0), (bottom, 450.0)], timeline: None };
    Ok(Some(finish("sanctions_violence", "Sanctions and violence", sanctions_caption(ctx), &fig, o)?))
}

fn sanctions_caption(ctx: &Context) -> String {
    let runs = &ctx.res.runs;
    let total = |s: &str, c: &str| super::mean(&runs.values(s, c));
    let months = ctx.months;
    let mut out = String::new();
    if ctx.has_baseline() {
        out.push_str(&format!(
            "With no programme, women who took part met about {} sanctions over the {months} months ({} of them violent; means over replicates).",
            super::style::thousands(total(super::BASELINE, "sanctions_total")),
            super::style::thousands(total(super::BASELINE, "violence_total"))
        ));
        let base = total(super::BASELINE, "sanctions_total");
        let mut more: Vec<(String, f64)> = ctx
            .strategies
            .iter()
            .filter(|s| *s != super::BASELINE)
            .map(|s| (s.clone(), 100.0 * (total(s, "sanctions_total") - base) / base))
            .filter(|x| x.1.is_finite())
            .collect();
        more.sort_by(|a, b| b.1.total_cmp(&a.1));
        if let Some((s, p)) = more.first() {
            let word = if *p >= 0.0 { "more" } else { "fewer" };
            out.push_str(&format!(
                " Backlash rises with participation: {} brought the most, {}% {word} sanctions than no programme.",
                strategy_label(s),
                pct(p.abs())
            ));
        }
    } else if let Some(s) = ctx.strategies.first() {
        out.push_str(&format!(
            "{}: about {} sanctions over the {months} months, {} of them violent (means over replicates).",
            strategy_label(s),
            super::style::thousands(total(s, "sanctions_total")),
            super::style::thousands(total(s, "violence_total"))
        ));
    }
    out
}

/// The four attitude and expectation series.
const ATTITUDES: [(&str, &str, RGBColor, bool); 4] = [
    ("attitude_women", "Women's own support", okabe_ito::ORANGE, false),
    ("attitude_men", "Men's own support", okabe_ito::BLUE, false),
    ("normative", "Approval people expect from others", okabe_ito::BLUISH_GREEN, true),
    ("empirical", "Share of women people think take part", okabe_ito::REDDISH_PURPLE, true),
];

/// Attitudes against expectations over time: small multiples per strategy
/// (baseline and the best strategy when there are more than six).
pub fn attitudes(ctx: &Context, o: &Options) -> Result<Option<Figure>, PlotError> {
    let shown: Vec<String> = if ctx.strategies.len() <= 6 {
        ctx.strategies.clone()
    } else {
        ctx.strategies.iter().filter(|s| *s == super::BASELINE || Some(*s) == ctx.best.as_ref()).cloned().collect()
    };
    let columns = match shown.len() {
        1 => 1,
        2 | 4 => 2,
        _ => 3,
    };
    let months = ctx.months as f64 - 1.0;
    let panels: Vec<BandPanel> = shown
        .iter()
        .enumerate()
        .map(|(k, s)| BandPanel {
            heading: Some(strategy_label(s)),
            x_label: "Month".into(),
            y_label: if k % columns == 0 { "Average (0-100)".into() } else { String::new() },
            x_range: (0.0, months.max(1.0)),
            y_range: (0.0, 100.0),
            x_ticks: parts::month_ticks(months).into_iter().filter(|m| (*m as u32).is_multiple_of(24)).collect(),
            lines: ATTITUDES
                .iter()
                .map(|(c, label, colour, dashed)| Line {
                    label: label.to_string(),
                    colour: *colour,
                    points: band(ctx, c, s, 100.0),
                    dashed: *dashed,
                    band: true,
                })
                .collect(),
            window: window(ctx),
            window_label: None,
            marks: Vec::new(),
            labels: Labels::None,
            y_area: if k % columns == 0 { 96.0 } else { 56.0 },
            x_axis: true,
        })
        .collect();
    let keys = ATTITUDES
        .iter()
        .map(|(_, label, colour, dashed)| Key {
            label: label.to_string(),
            colour: *colour,
            mark: if *dashed { Mark::Dashed } else { Mark::Line },
        })
        .collect();
    let title = "What people think, and what they think others think and do";
    let subtitle = "Solid: own support for women taking part. Dashed: beliefs about others. Medians; programme shaded";
    let fig = Grid {
        title: title.into(),
        subtitle: subtitle.into(),
        panels,
        columns,
        panel_height: if columns == 1 { 560.0 } else { 430.0 },
        keys,
    };
    Ok(Some(finish("attitudes", "Attitudes and expectations", attitudes_caption(ctx), &fig, o)?))
}

fn attitudes_caption(ctx: &Context) -> String {
    let end = ctx.end;
    let at = |c: &str, s: &str| median_at(ctx, c, s, end) * 100.0;
    let one = |s: &str| {
        format!(
            "women's own support averaged {} out of 100 and men's {}, people expected approval of {} and believed {}% of women take part",
            pct(at("attitude_women", s)),
            pct(at("attitude_men", s)),
            pct(at("normative", s)),
            pct(at("empirical", s))
        )
    };
    let mut out = String::new();
    let first = if ctx.has_baseline() { super::BASELINE.to_string() } else { ctx.strategies[0].clone() };
    out.push_str(&format!("At the end of the programme (month {end}) with {}, {}.", strategy_label(&first).to_lowercase(), one(&first)));
    if let Some(b) = &ctx.best {
        out.push_str(&format!(" Under {}, {}.", strategy_label(b).to_lowercase(), one(b)));
        let gap = |s: &str| at("attitude_women", s) - at("empirical", s);
        out.push_str(&format!(
            " The gap between women's support and the participation people believe in is {} points with {} and {} under {}.",
            pct(gap(&first)),
            strategy_label(&first).to_lowercase(),
            pct(gap(b)),
            strategy_label(b).to_lowercase()
        ));
    }
    out
}

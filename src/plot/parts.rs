//! Building blocks shared by the figures: a title block, a time panel of
//! lines with bands (median and 5th-95th percentile, the programme window
//! shaded, intervention dates marked, lines labelled at their right end),
//! and a legend. New figures (a sweep's line with bands, a heatmap) reuse
//! these rather than drawing their own.

use super::PlotError;
use super::render::{Area, de};
use super::style::{FAMILY, GRID, INK, MUTED, Sizes, WINDOW, text_width};
use plotters::chart::MeshStyle;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Regular text of `size` pixels in `colour`.
pub fn font(size: f64, colour: RGBColor) -> TextStyle<'static> {
    TextStyle { font: (FAMILY, size).into_font(), color: colour.to_backend_color(), pos: Pos::default() }
}

/// Bold text of `size` pixels.
pub fn bold(size: f64, colour: RGBColor) -> TextStyle<'static> {
    TextStyle { font: (FAMILY, size, FontStyle::Bold).into_font(), color: colour.to_backend_color(), pos: Pos::default() }
}

/// Text anchored at `h`, `v`.
pub fn anchored(style: TextStyle<'static>, h: HPos, v: VPos) -> TextStyle<'static> {
    style.pos(Pos::new(h, v))
}

/// Draw a title (and an optional subtitle) at the top of `area`; returns
/// the area below it.
pub fn title<DB: DrawingBackend>(area: &Area<DB>, text: &str, subtitle: Option<&str>, z: Sizes) -> Result<Area<DB>, PlotError> {
    let x = z.px(24.0);
    area.draw(&Text::new(text.to_string(), (x, z.px(16.0)), anchored(bold(z.title(), INK), HPos::Left, VPos::Top))).map_err(de)?;
    let mut h = z.px(16.0 + 34.0 + 14.0);
    if let Some(s) = subtitle {
        area.draw(&Text::new(s.to_string(), (x, h), anchored(font(z.subtitle() * 0.85, MUTED), HPos::Left, VPos::Top))).map_err(de)?;
        h += z.px(22.0 + 14.0);
    }
    Ok(area.split_vertically(h).1)
}

/// One line of a time panel: the median with a 5th-95th percentile band.
#[derive(Clone, Debug)]
pub struct Line {
    pub label: String,
    pub colour: RGBColor,
    /// (x, low, middle, high); NaN middles are skipped.
    pub points: Vec<(f64, f64, f64, f64)>,
    pub dashed: bool,
    /// Draw the band (else only the middle line).
    pub band: bool,
}

/// How a panel labels its lines.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Labels {
    /// At the right end of each line, pushed apart so they never overlap,
    /// in a margin of this many pixels (at scale 1).
    Direct(f64),
    /// Not at all (the figure draws a legend).
    None,
}

/// A panel of lines over time.
#[derive(Clone, Debug)]
pub struct BandPanel {
    /// Small heading above the panel.
    pub heading: Option<String>,
    pub x_label: String,
    pub y_label: String,
    pub x_range: (f64, f64),
    pub y_range: (f64, f64),
    /// Tick positions on the x axis.
    pub x_ticks: Vec<f64>,
    pub lines: Vec<Line>,
    /// Shaded window (the programme), inclusive months.
    pub window: Option<(f64, f64)>,
    /// Text in the window's top-left corner.
    pub window_label: Option<String>,
    /// Vertical dashed lines (intervention starts and ends).
    pub marks: Vec<f64>,
    pub labels: Labels,
    /// Y-axis label area width (scale 1).
    pub y_area: f64,
    /// Show the x axis label and tick labels.
    pub x_axis: bool,
}

/// Where a drawn panel put its plotting area, so callers can align more
/// drawing under it: pixel x of the left and right ends of the x range,
/// relative to the area the panel was drawn on.
#[derive(Clone, Copy, Debug)]
pub struct Placed {
    pub x0: i32,
    pub x1: i32,
}

impl Placed {
    /// Pixel x of `x` in data units, given the data range.
    pub fn at(&self, x: f64, range: (f64, f64)) -> i32 {
        let t = if range.1 > range.0 { (x - range.0) / (range.1 - range.0) } else { 0.0 };
        self.x0 + ((self.x1 - self.x0) as f64 * t).round() as i32
    }
}

/// The house style of every chart's mesh: bold grid lines only, muted axes
/// and tick labels, axis titles in ink. Each chart adds what differs.
pub fn house_mesh<'m, 'a, 'b, X: Ranged, Y: Ranged, DB: DrawingBackend>(
    mesh: &'m mut MeshStyle<'a, 'b, X, Y, DB>,
    z: Sizes,
) -> &'m mut MeshStyle<'a, 'b, X, Y, DB> {
    mesh.light_line_style(TRANSPARENT)
        .bold_line_style(GRID.stroke_width(z.pxu(1.0)))
        .axis_style(MUTED.stroke_width(z.pxu(1.5)))
        .label_style(font(z.tick(), MUTED))
        .axis_desc_style(font(z.label(), INK))
}

/// Nice tick positions every `step` from `lo` to `hi`.
pub fn ticks(lo: f64, hi: f64, step: f64) -> Vec<f64> {
    let mut v = Vec::new();
    let mut x = (lo / step).ceil() * step;
    while x <= hi + 1e-9 {
        v.push(x);
        x += step;
    }
    v
}

/// Month ticks: every year for runs up to ten years, else every two or five.
pub fn month_ticks(months: f64) -> Vec<f64> {
    let step = if months <= 48.0 {
        6.0
    } else if months <= 132.0 {
        12.0
    } else if months <= 264.0 {
        24.0
    } else {
        60.0
    };
    ticks(0.0, months, step)
}

/// An upper axis limit a little above `max`, at a round number.
pub fn nice_max(max: f64) -> f64 {
    if !(max.is_finite() && max > 0.0) {
        return 1.0;
    }
    let m = max * 1.08;
    let mag = 10f64.powf(m.log10().floor());
    for f in [1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0] {
        if f * mag >= m {
            return f * mag;
        }
    }
    10.0 * mag
}

/// Push label positions apart so neighbours are at least `gap` apart,
/// keeping them within `lo..=hi` and as close to where they want to be as
/// that allows. Returns positions in the input order.
pub fn repel(want: &[f64], gap: f64, lo: f64, hi: f64) -> Vec<f64> {
    let mut order: Vec<usize> = (0..want.len()).collect();
    order.sort_by(|&a, &b| want[a].total_cmp(&want[b]));
    let mut y: Vec<f64> = order.iter().map(|&i| want[i].clamp(lo, hi)).collect();
    for i in 1..y.len() {
        y[i] = y[i].max(y[i - 1] + gap);
    }
    if let Some(last) = y.last_mut() {
        *last = last.min(hi);
    }
    for i in (0..y.len().saturating_sub(1)).rev() {
        y[i] = y[i].min(y[i + 1] - gap);
    }
    let mut out = vec![0.0; want.len()];
    for (k, &i) in order.iter().enumerate() {
        out[i] = y[k];
    }
    out
}

/// Draw a time panel on `area`.
pub fn band_panel<DB: DrawingBackend>(area: &Area<DB>, p: &BandPanel, z: Sizes) -> Result<Placed, PlotError> {
    let right = match p.labels {
        Labels::Direct(w) => z.px(w),
        Labels::None => z.px(24.0),
    };
    let mut b = ChartBuilder::on(area);
    b.margin_left(z.px(10.0))
        .margin_right(right)
        .margin_top(if p.heading.is_some() { z.px(44.0) } else { z.px(12.0) })
        .margin_bottom(z.px(8.0))
        .x_label_area_size(if p.x_axis { z.px(64.0) } else { z.px(8.0) })
        .y_label_area_size(z.px(p.y_area));
    let mut chart = b.build_cartesian_2d(p.x_range.0..p.x_range.1, p.y_range.0..p.y_range.1).map_err(de)?;
    let tick = font(z.tick(), MUTED);
    let decimals = if (p.y_range.1 - p.y_range.0) < 5.0 { 1 } else { 0 };
    let y_format = |y: &f64| super::style::fixed(*y, decimals);
    let mut mesh = chart.configure_mesh();
    house_mesh(&mut mesh, z)
        .disable_x_mesh()
        .y_desc(p.y_label.as_str())
        .y_labels(6)
        .y_label_formatter(&y_format)
        .x_labels(0)
        .set_all_tick_mark_size(z.px(6.0));
    if p.x_axis {
        mesh.x_desc(p.x_label.as_str());
    }
    mesh.draw().map_err(de)?;
    // Ticks at the caller's positions (months: every year), drawn by hand
    // because plotters picks decimal steps.
    let base = area.get_base_pixel();
    for &t in &p.x_ticks {
        let (px, py) = chart.backend_coord(&(t, p.y_range.0));
        let (px, py) = (px - base.0, py - base.1);
        area.draw(&PathElement::new(vec![(px, py), (px, py + z.px(6.0))], MUTED.stroke_width(z.pxu(1.5)))).map_err(de)?;
        if p.x_axis {
            area.draw(&Text::new(format!("{t:.0}"), (px, py + z.px(10.0)), anchored(tick.clone(), HPos::Center, VPos::Top))).map_err(de)?;
        }
    }

    let (y0, y1) = p.y_range;
    if let Some((a, b)) = p.window {
        chart.draw_series(std::iter::once(Rectangle::new([(a, y0), (b, y1)], WINDOW.mix(0.55).filled()))).map_err(de)?;
        if let Some(t) = &p.window_label {
            let (px, py) = chart.backend_coord(&(a, y1));
            let base = area.get_base_pixel();
            area.draw(&Text::new(
                t.clone(),
                (px - base.0 + z.px(8.0), py - base.1 + z.px(6.0)),
                anchored(font(z.tick(), MUTED), HPos::Left, VPos::Top),
            ))
            .map_err(de)?;
        }
    }
    for &m in &p.marks {
        chart
            .draw_series(DashedLineSeries::new([(m, y0), (m, y1)], z.px(7.0), z.px(6.0), MUTED.mix(0.8).stroke_width(z.pxu(1.5))))
            .map_err(de)?;
    }
    // Bands first, then lines on top, so no band hides a line.
    for l in p.lines.iter().filter(|l| l.band) {
        let pts: Vec<(f64, f64, f64, f64)> = l.points.iter().copied().filter(|q| q.1.is_finite() && q.3.is_finite()).collect();
        if pts.len() < 2 {
            continue;
        }
        let mut poly: Vec<(f64, f64)> = pts.iter().map(|q| (q.0, q.3.clamp(y0, y1))).collect();
        poly.extend(pts.iter().rev().map(|q| (q.0, q.1.clamp(y0, y1))));
        chart.draw_series(std::iter::once(Polygon::new(poly, l.colour.mix(0.16).filled()))).map_err(de)?;
    }
    for l in &p.lines {
        let pts: Vec<(f64, f64)> = l.points.iter().filter(|q| q.2.is_finite()).map(|q| (q.0, q.2.clamp(y0, y1))).collect();
        let style = l.colour.stroke_width(z.line());
        if l.dashed {
            chart.draw_series(DashedLineSeries::new(pts, z.px(12.0), z.px(7.0), style)).map_err(de)?;
        } else {
            chart.draw_series(LineSeries::new(pts, style)).map_err(de)?;
        }
    }
    if let Some(h) = &p.heading {
        let (px, _) = chart.backend_coord(&(p.x_range.0, y1));
        area.draw(&Text::new(h.clone(), (px - base.0, z.px(8.0)), anchored(bold(z.subtitle(), INK), HPos::Left, VPos::Top))).map_err(de)?;
    }
    let (x0, _) = chart.backend_coord(&(p.x_range.0, y0));
    let (x1, _) = chart.backend_coord(&(p.x_range.1, y0));
    if let Labels::Direct(_) = p.labels {
        let ends: Vec<(usize, (i32, i32))> = p
            .lines
            .iter()
            .enumerate()
            .filter_map(|(k, l)| {
                l.points.iter().rev().find(|q| q.2.is_finite()).map(|q| (k, chart.backend_coord(&(q.0, q.2.clamp(y0, y1)))))
            })
            .collect();
        let (_, top) = chart.backend_coord(&(p.x_range.0, y1));
        let (_, bottom) = chart.backend_coord(&(p.x_range.0, y0));
        let size = z.label() * 0.92;
        let want: Vec<f64> = ends.iter().map(|e| f64::from(e.1.1)).collect();
        let got = repel(&want, size * 1.1, f64::from(top) + size * 0.5, f64::from(bottom) - size * 0.5);
        for ((k, (ex, ey)), y) in ends.iter().zip(got) {
            let l = &p.lines[*k];
            let lx = ex + z.px(14.0);
            area.draw(&PathElement::new(
                vec![(ex - base.0 + z.px(3.0), ey - base.1), (lx - base.0 - z.px(2.0), y.round() as i32 - base.1)],
                l.colour.stroke_width(z.pxu(1.5)),
            ))
            .map_err(de)?;
            area.draw(&Text::new(
                l.label.clone(),
                (lx - base.0, y.round() as i32 - base.1),
                anchored(bold(size, l.colour), HPos::Left, VPos::Center),
            ))
            .map_err(de)?;
        }
    }
    Ok(Placed { x0: x0 - base.0, x1: x1 - base.0 })
}

/// One entry of a legend.
#[derive(Clone, Debug)]
pub struct Key {
    pub label: String,
    pub colour: RGBColor,
    pub mark: Mark,
}

/// How a legend entry is drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Mark {
    Line,
    Dashed,
    Box,
    Dot,
    Square,
}

/// Draw a legend in rows from the left of `area`, wrapping as needed;
/// returns the height used.
pub fn legend<DB: DrawingBackend>(area: &Area<DB>, keys: &[Key], x: i32, y: i32, size: f64, z: Sizes) -> Result<i32, PlotError> {
    let (w, _) = area.dim_in_pixel();
    let sw = z.px(34.0);
    let row = (size * 1.5).round() as i32;
    let (mut cx, mut cy) = (x, y);
    for k in keys {
        let tw = text_width(&k.label, size).round() as i32;
        let need = sw + z.px(8.0) + tw + z.px(28.0);
        if cx > x && cx + need > w as i32 {
            cx = x;
            cy += row;
        }
        let mid = cy + row / 2;
        match k.mark {
            Mark::Line => area.draw(&PathElement::new(vec![(cx, mid), (cx + sw, mid)], k.colour.stroke_width(z.line()))).map_err(de)?,
            Mark::Dashed => {
                for s in 0..3 {
                    let a = cx + s * sw / 3;
                    area.draw(&PathElement::new(vec![(a, mid), (a + sw / 5, mid)], k.colour.stroke_width(z.line()))).map_err(de)?;
                }
            }
            Mark::Box => {
                area.draw(&Rectangle::new([(cx, mid - z.px(10.0)), (cx + sw, mid + z.px(10.0))], k.colour.filled())).map_err(de)?
            }
            Mark::Dot => area.draw(&Circle::new((cx + sw / 2, mid), z.pxu(8.0), k.colour.filled())).map_err(de)?,
            Mark::Square => area
                .draw(&Rectangle::new(
                    [(cx + sw / 2 - z.px(9.0), mid - z.px(9.0)), (cx + sw / 2 + z.px(9.0), mid + z.px(9.0))],
                    k.colour.filled(),
                ))
                .map_err(de)?,
        }
        area.draw(&Text::new(k.label.clone(), (cx + sw + z.px(8.0), mid), anchored(font(size, INK), HPos::Left, VPos::Center)))
            .map_err(de)?;
        cx += need;
    }
    Ok(cy + row - y)
}

/// Draw a legend as a column of entries from (`x`, `y`).
pub fn legend_column<DB: DrawingBackend>(area: &Area<DB>, keys: &[Key], x: i32, y: i32, size: f64, z: Sizes) -> Result<(), PlotError> {
    let row = (size * 1.7).round() as i32;
    for (k, key) in keys.iter().enumerate() {
        let sub = area.clone();
        legend(&sub, std::slice::from_ref(key), x, y + row * k as i32, size, z)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repel_keeps_order_and_spacing() {
        let got = repel(&[100.0, 101.0, 300.0, 99.0], 20.0, 0.0, 1000.0);
        let mut s = got.clone();
        s.sort_by(f64::total_cmp);
        for w in s.windows(2) {
            assert!(w[1] - w[0] >= 20.0 - 1e-9);
        }
        assert_eq!(got[2], 300.0);
        assert!(got[3] < got[0] && got[0] < got[1]);
        let squeezed = repel(&[5.0, 6.0], 20.0, 0.0, 10.0);
        assert!(squeezed[1] - squeezed[0] >= 20.0 - 1e-9);
    }

    #[test]
    fn axis_limits_are_round() {
        assert_eq!(nice_max(55.0), 60.0);
        assert_eq!(nice_max(0.0), 1.0);
        assert_eq!(ticks(0.0, 95.0, 12.0), vec![0.0, 12.0, 24.0, 36.0, 48.0, 60.0, 72.0, 84.0]);
    }
}

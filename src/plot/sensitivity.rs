//! The bar chart of a sensitivity analysis: for each outcome and varied
//! key, the first-order (S1) and total-order (ST) Sobol' indices with their
//! 95% intervals, so a reader sees at a glance which assumptions drive
//! which outcome.

use super::parts::{self, Key, Mark, anchored, bold, font};
use super::render::{Area, Draw, de};
use super::style::{INK, MUTED, Sizes, fixed, okabe_ito};
use super::{Figure, Options, PlotError, finish};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// One outcome-and-key pair of `sensitivity.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct IndexBar {
    pub metric: String,
    pub parameter: String,
    pub s1: f64,
    pub s1_lo: f64,
    pub s1_hi: f64,
    pub st: f64,
    pub st_lo: f64,
    pub st_hi: f64,
}

struct Chart {
    rows: Vec<IndexBar>,
}

const S1: RGBColor = okabe_ito::SKY_BLUE;
const ST: RGBColor = okabe_ito::BLUE;

impl Draw for Chart {
    fn size(&self) -> (u32, u32) {
        (super::time::WIDTH, 220 + 90 * self.rows.len() as u32)
    }

    fn draw<DB: DrawingBackend>(&self, root: &Area<DB>, z: Sizes) -> Result<(), PlotError> {
        let rest = parts::title(
            root,
            "Which assumptions drive the outcomes",
            Some("Share of each outcome's variance due to a varied value: alone (S1) and with its interactions (ST), with 95% intervals"),
            z,
        )?;
        let keys = [
            Key { label: "S1 (alone)".into(), colour: S1, mark: Mark::Box },
            Key { label: "ST (with interactions)".into(), colour: ST, mark: Mark::Box },
        ];
        let used = parts::legend(&rest, &keys, z.px(420.0), z.px(2.0), z.label(), z)?;
        let (_, area) = rest.split_vertically(used + z.px(8.0));
        let n = self.rows.len().max(1) as f64;
        let xmax = self.rows.iter().flat_map(|r| [r.s1_hi, r.st_hi, r.s1, r.st]).filter(|x| x.is_finite()).fold(1.0, f64::max).min(1.5);
        let mut b = ChartBuilder::on(&area);
        b.margin_left(z.px(10.0)).margin_right(z.px(30.0)).margin_top(z.px(8.0)).margin_bottom(z.px(8.0));
        b.x_label_area_size(z.px(60.0)).y_label_area_size(z.px(400.0));
        let mut chart = b.build_cartesian_2d(0.0..xmax, 0.0..n).map_err(de)?;
        let xf = |x: &f64| fixed(*x, 1);
        parts::house_mesh(&mut chart.configure_mesh(), z)
            .disable_y_mesh()
            .y_labels(0)
            .x_desc("Sobol' index (share of variance)")
            .x_label_formatter(&xf)
            .x_labels(6)
            .set_all_tick_mark_size(z.px(6.0))
            .draw()
            .map_err(de)?;
        let base = area.get_base_pixel();
        for (k, r) in self.rows.iter().enumerate() {
            // Top row first.
            let y = n - 1.0 - k as f64;
            for (j, (v, lo, hi, colour)) in [(r.s1, r.s1_lo, r.s1_hi, S1), (r.st, r.st_lo, r.st_hi, ST)].into_iter().enumerate() {
                let (y0, y1) = (y + 0.12 + 0.38 * j as f64, y + 0.12 + 0.38 * j as f64 + 0.34);
                if v.is_finite() {
                    chart
                        .draw_series(std::iter::once(Rectangle::new([(0.0, y0), (v.clamp(0.0, xmax), y1)], colour.filled())))
                        .map_err(de)?;
                }
                if lo.is_finite() && hi.is_finite() {
                    let ym = (y0 + y1) / 2.0;
                    chart
                        .draw_series(std::iter::once(PathElement::new(
                            vec![(lo.clamp(0.0, xmax), ym), (hi.clamp(0.0, xmax), ym)],
                            INK.stroke_width(z.pxu(2.0)),
                        )))
                        .map_err(de)?;
                }
            }
            let (px, py) = chart.backend_coord(&(0.0, y + 0.5));
            area.draw(&Text::new(
                r.parameter.clone(),
                (px - base.0 - z.px(12.0), py - base.1 - z.px(2.0)),
                anchored(bold(z.label(), INK), HPos::Right, VPos::Bottom),
            ))
            .map_err(de)?;
            area.draw(&Text::new(
                format!("on {}", r.metric),
                (px - base.0 - z.px(12.0), py - base.1 + z.px(2.0)),
                anchored(font(z.tick(), MUTED), HPos::Right, VPos::Top),
            ))
            .map_err(de)?;
        }
        Ok(())
    }
}

/// The chart, with a caption naming the key that drives each outcome most.
pub fn sensitivity(rows: &[IndexBar], o: &Options) -> Result<Option<Figure>, PlotError> {
    if rows.is_empty() {
        return Ok(None);
    }
    let mut metrics: Vec<&str> = Vec::new();
    for r in rows {
        if !metrics.contains(&r.metric.as_str()) {
            metrics.push(&r.metric);
        }
    }
    let parts: Vec<String> = metrics
        .iter()
        .filter_map(|m| {
            let top = rows.iter().filter(|r| r.metric == *m && r.st.is_finite()).max_by(|a, b| a.st.total_cmp(&b.st))?;
            Some(format!(
                "{} drives {} most (total index {}, 95% interval {} to {})",
                top.parameter,
                m,
                fixed(top.st, 2),
                fixed(top.st_lo, 2),
                fixed(top.st_hi, 2)
            ))
        })
        .collect();
    let caption = format!("{}.", parts.join("; "));
    Ok(Some(finish("sensitivity", "Which assumptions drive the outcomes", caption, &Chart { rows: rows.to_vec() }, o)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_a_chart_and_names_the_strongest_key() {
        let bar = |p: &str, st: f64| IndexBar {
            metric: "participation_end".into(),
            parameter: p.into(),
            s1: st - 0.05,
            s1_lo: st - 0.1,
            s1_hi: st,
            st,
            st_lo: st - 0.05,
            st_hi: st + 0.05,
        };
        let f = sensitivity(&[bar("backlash.rate", 0.6), bar("rule.beta", 0.2)], &Options::default()).unwrap().unwrap();
        assert!(f.caption.starts_with("backlash.rate drives participation_end most"), "{}", f.caption);
        assert!(f.svg.starts_with("<svg") || f.svg.contains("<svg"), "no SVG");
        assert_eq!(&f.png[1..4], b"PNG");
        assert!(sensitivity(&[], &Options::default()).unwrap().is_none());
    }
}

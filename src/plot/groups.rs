//! Participation by group of women (elite, non-elite, disabled,
//! marginalised, young) at the end of the programme, per strategy, as
//! grouped bars: who a programme reaches, and who it leaves behind.

use super::parts::{self, Key, Mark, anchored, bold, font};
use super::render::{Area, Draw, de};
use super::style::{INK, Sizes, fixed, okabe_ito, strategy_label};
use super::{Context, Figure, Options, PlotError, finish, mean};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// Groups: column of `timeseries.csv`, label, colour.
const GROUPS: [(&str, &str, RGBColor); 5] = [
    ("participation_elite", "Elite", okabe_ito::ORANGE),
    ("participation_non_elite", "Non-elite", okabe_ito::SKY_BLUE),
    ("participation_disabled", "Disabled", okabe_ito::BLUISH_GREEN),
    ("participation_marginalised", "Marginalised", okabe_ito::REDDISH_PURPLE),
    ("participation_youth", "Young (18-29)", okabe_ito::BLUE),
];

struct Bars {
    end: usize,
    /// (strategy label, value per group in %).
    rows: Vec<(String, [f64; 5])>,
}

impl Draw for Bars {
    fn size(&self) -> (u32, u32) {
        (super::time::WIDTH, 820)
    }

    fn draw<DB: DrawingBackend>(&self, root: &Area<DB>, z: Sizes) -> Result<(), PlotError> {
        let subtitle = format!("Women of each group taking part at the end of the programme (month {}); mean over replicates", self.end);
        let rest = parts::title(root, "Who takes part: groups of women", Some(&subtitle), z)?;
        let keys: Vec<Key> = GROUPS.iter().map(|g| Key { label: g.1.to_string(), colour: g.2, mark: Mark::Box }).collect();
        let used = parts::legend(&rest, &keys, z.px(130.0), z.px(2.0), z.label(), z)?;
        let (_, area) = rest.split_vertically(used + z.px(8.0));
        let n = self.rows.len().max(1) as f64;
        let ymax = parts::nice_max(self.rows.iter().flat_map(|r| r.1).filter(|x| x.is_finite()).fold(0.0, f64::max));
        let mut b = ChartBuilder::on(&area);
        b.margin_left(z.px(10.0)).margin_right(z.px(30.0)).margin_top(z.px(16.0)).margin_bottom(z.px(8.0));
        b.x_label_area_size(z.px(60.0)).y_label_area_size(z.px(110.0));
        let mut chart = b.build_cartesian_2d(0.0..n, 0.0..ymax).map_err(de)?;
        let yf = |y: &f64| fixed(*y, 0);
        parts::house_mesh(&mut chart.configure_mesh(), z)
            .disable_x_mesh()
            .x_labels(0)
            .y_desc("Women taking part in council (%)")
            .y_label_formatter(&yf)
            .y_labels(6)
            .set_all_tick_mark_size(z.px(6.0))
            .draw()
            .map_err(de)?;
        let base = area.get_base_pixel();
        let gap = 0.18;
        let w = (1.0 - 2.0 * gap) / GROUPS.len() as f64;
        for (k, (label, values)) in self.rows.iter().enumerate() {
            let x = k as f64;
            for (g, v) in values.iter().enumerate() {
                if !v.is_finite() {
                    continue;
                }
                let a = x + gap + w * g as f64;
                chart
                    .draw_series(std::iter::once(Rectangle::new([(a + w * 0.06, 0.0), (a + w * 0.94, *v)], GROUPS[g].2.filled())))
                    .map_err(de)?;
                let (px, py) = chart.backend_coord(&(a + w / 2.0, *v));
                area.draw(&Text::new(
                    fixed(*v, 0),
                    (px - base.0, py - base.1 - z.px(4.0)),
                    anchored(font(z.tick() * 0.85, INK), HPos::Center, VPos::Bottom),
                ))
                .map_err(de)?;
            }
            let (px, py) = chart.backend_coord(&(x + 0.5, 0.0));
            area.draw(&Text::new(
                label.clone(),
                (px - base.0, py - base.1 + z.px(14.0)),
                anchored(bold(z.label(), INK), HPos::Center, VPos::Top),
            ))
            .map_err(de)?;
        }
        Ok(())
    }
}

/// Mean over replicates of each group's participation at `month`, in %.
fn at(ctx: &Context, s: usize, month: usize) -> [f64; 5] {
    let mut v = [f64::NAN; 5];
    for (k, g) in GROUPS.iter().enumerate() {
        v[k] = 100.0 * mean(ctx.res.timeseries.values(g.0, s, month));
    }
    v
}

/// Participation by group at the programme's end, per strategy.
pub fn groups(ctx: &Context, o: &Options) -> Result<Option<Figure>, PlotError> {
    let rows: Vec<(String, [f64; 5])> =
        ctx.strategies.iter().filter_map(|s| ctx.res.timeseries.strategy(s).map(|k| (strategy_label(s), at(ctx, k, ctx.end)))).collect();
    if rows.is_empty() {
        return Ok(None);
    }
    let caption = caption(ctx);
    Ok(Some(finish("groups", "Who takes part: groups of women", caption, &Bars { end: ctx.end, rows }, o)?))
}

fn caption(ctx: &Context) -> String {
    let one = |name: &str| -> Option<String> {
        let v = at(ctx, ctx.res.timeseries.strategy(name)?, ctx.end);
        let (hi, lo) = (0..5).filter(|k| v[*k].is_finite()).fold((None::<usize>, None::<usize>), |(h, l), k| {
            (Some(h.map_or(k, |h| if v[k] > v[h] { k } else { h })), Some(l.map_or(k, |l| if v[k] < v[l] { k } else { l })))
        });
        let (hi, lo) = (hi?, lo?);
        Some(format!(
            "{}% of {} women and {}% of {} women took part",
            fixed(v[hi], 0),
            GROUPS[hi].1.to_lowercase(),
            fixed(v[lo], 0),
            GROUPS[lo].1.to_lowercase()
        ))
    };
    let mut out = format!("At the end of the programme (month {}),", ctx.end);
    let mut any = false;
    if ctx.has_baseline()
        && let Some(t) = one(super::BASELINE)
    {
        out.push_str(&format!(" with no programme {t}"));
        any = true;
    }
    if let Some(b) = &ctx.best
        && let Some(t) = one(b)
    {
        out.push_str(&format!("{} under {} {t}", if any { ";" } else { "" }, strategy_label(b).to_lowercase()));
        any = true;
    }
    if !any {
        return String::new();
    }
    out.push_str(" (means over replicates).");
    out
}

//! What drives each gain, from `explain.csv` (`compare --explain`): the
//! figure `explain` (per strategy, its gain at the programme's end and what
//! each channel contributes, horizontal bars with 90% interval whiskers,
//! then the leftover), the plain-language sentences ("of X's +12 points,
//! shield gives +5 ...") and the report's section. Reads only the parsed
//! table; never touches files.

use super::parts::{self, anchored, bold, font};
use super::render::{Area, Draw, de};
use super::report::esc;
use super::style::{INK, MUTED, Sizes, WINDOW, fixed, strategy_colour, strategy_label};
use super::{BASELINE, Figure, Options, PlotError, finish};
use crate::explain::{Part, Row};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// The metric the figure and the sentences use (compare's `gain`).
const END: &str = "participation_end";
/// The same at the last month.
const FINAL: &str = "participation_final";

/// Strategies of `rows`, largest total gain at the programme's end first
/// (ties in file order).
pub fn ranked(rows: &[Row]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for r in rows {
        if r.strategy != BASELINE && !names.contains(&r.strategy) {
            names.push(r.strategy.clone());
        }
    }
    let total = |s: &str| get(rows, s, END, Part::Total).map_or(f64::NEG_INFINITY, |r| r.mean);
    names.sort_by(|a, b| total(b).total_cmp(&total(a)));
    names
}

fn get<'a>(rows: &'a [Row], strategy: &str, metric: &str, part: Part) -> Option<&'a Row> {
    rows.iter().find(|r| r.strategy == strategy && r.metric == metric && r.part == part)
}

/// The parts of one strategy's split on `metric`, in file order (total
/// first, leftover last).
fn parts_of<'a>(rows: &'a [Row], strategy: &str, metric: &str) -> Vec<&'a Row> {
    rows.iter().filter(|r| r.strategy == strategy && r.metric == metric).collect()
}

/// "+5.0", in points, from a share.
fn pts(x: f64) -> String {
    if x.is_finite() {
        let v = 100.0 * x;
        format!("{}{}", if v >= 0.05 { "+" } else { "" }, fixed(v, 1))
    } else {
        "-".to_string()
    }
}

/// " [+4.0 to +6.0]", or nothing without an interval.
fn int(r: &Row) -> String {
    if r.lo.is_finite() && r.hi.is_finite() { format!(" [{} to {}]", pts(r.lo), pts(r.hi)) } else { String::new() }
}

/// The name of a part in words.
pub fn part_words(p: Part) -> String {
    match p {
        Part::Total => "all channels".to_string(),
        Part::Leftover => "left over".to_string(),
        Part::Channel(c) => c.as_str().replace('_', " "),
    }
}

/// One sentence per strategy: "Of Male champions' +12.0 points at the
/// programme's end [90% interval], shield gives +5.0 [..], champion support
/// +6.0 [..]; +1.0 [..] is left over." Channels ranked by contribution.
pub fn sentences(rows: &[Row]) -> Vec<String> {
    let mut out = Vec::new();
    for s in ranked(rows) {
        let Some(total) = get(rows, &s, END, Part::Total) else { continue };
        let mut channels: Vec<&Row> = parts_of(rows, &s, END).into_iter().filter(|r| matches!(r.part, Part::Channel(_))).collect();
        channels.sort_by(|a, b| b.mean.total_cmp(&a.mean));
        let label = strategy_label(&s);
        let of = if label.ends_with('s') { format!("{label}'") } else { format!("{label}'s") };
        let mut t = format!("Of {of} {} points at the programme's end{}, ", pts(total.mean), int(total));
        if channels.is_empty() {
            t.push_str("no channel can be switched off (it acts through none)");
        } else {
            let said: Vec<String> = channels
                .iter()
                .enumerate()
                .map(|(k, r)| format!("{}{} {}{}", part_words(r.part), if k == 0 { " gives" } else { "" }, pts(r.mean), int(r)))
                .collect();
            t.push_str(&said.join(", "));
        }
        if let Some(l) = get(rows, &s, END, Part::Leftover) {
            t.push_str(&format!("; {}{} is left over", pts(l.mean), int(l)));
        }
        if let Some(f) = get(rows, &s, FINAL, Part::Total) {
            t.push_str(&format!(" ({} points remain at the last month)", pts(f.mean)));
        }
        t.push('.');
        out.push(t);
    }
    out
}

/// What the leftover means, in words (shared by the report and the docs).
pub const LEFTOVER_MEANS: &str = "the gain less the sum of the channels' contributions: what the strategy does through no \
     channel (a seat holder attending the council, a champion's own public support), plus the interactions between channels. \
     It is negative where channels need each other (switching either off loses the same points, which are then counted \
     twice) and positive where one channel can stand in for another (switching either off loses little)";

/// The figure's rows: (label, part, colour, mean, lo, hi), in points.
type Bar = (String, Part, RGBColor, f64, f64, f64);

struct Explain {
    bars: Vec<Bar>,
    subtitle: String,
}

/// Width of the labels beside the bars (scale 1).
const LABELS: f64 = 300.0;

impl Draw for Explain {
    fn size(&self) -> (u32, u32) {
        (super::time::WIDTH, (118.0 + 230.0 + 44.0 * self.bars.len() as f64).round() as u32)
    }

    fn draw<DB: DrawingBackend>(&self, root: &Area<DB>, z: Sizes) -> Result<(), PlotError> {
        let area = parts::title(root, "What drives each gain", Some(&self.subtitle), z)?;
        let n = self.bars.len().max(1) as f64;
        let lo = self.bars.iter().map(|b| b.4.min(b.3)).filter(|x| x.is_finite()).fold(0.0, f64::min);
        let hi = self.bars.iter().map(|b| b.5.max(b.3)).filter(|x| x.is_finite()).fold(0.0, f64::max);
        let pad = ((hi - lo) * 0.14).max(0.5);
        let (x0, x1) = (if lo < 0.0 { lo - pad } else { -pad * 0.3 }, hi + pad);
        let mut b = ChartBuilder::on(&area);
        b.margin_left(z.px(10.0))
            .margin_right(z.px(40.0))
            .margin_top(z.px(10.0))
            .margin_bottom(z.px(6.0))
            .x_label_area_size(z.px(80.0))
            .y_label_area_size(z.px(LABELS));
        let mut chart = b.build_cartesian_2d(x0..x1, -0.5..(n - 0.5)).map_err(de)?;
        let fmt = |x: &f64| if *x > 0.0 { format!("+{}", fixed(*x, 0)) } else { fixed(*x, 0) };
        parts::house_mesh(&mut chart.configure_mesh(), z)
            .disable_y_mesh()
            .y_labels(0)
            .x_labels(6)
            .x_label_formatter(&fmt)
            .x_desc("Points of women taking part at the programme's end")
            .set_all_tick_mark_size(z.px(6.0))
            .draw()
            .map_err(de)?;
        chart
            .draw_series(std::iter::once(PathElement::new(vec![(0.0, -0.5), (0.0, n - 0.5)], INK.stroke_width(z.pxu(2.0)))))
            .map_err(de)?;
        let base = area.get_base_pixel();
        for (k, (label, part, colour, mean, lo, hi)) in self.bars.iter().enumerate() {
            let y = n - 1.0 - k as f64;
            let total = *part == Part::Total;
            if total && k > 0 {
                // A rule between strategies.
                chart
                    .draw_series(std::iter::once(PathElement::new(vec![(x0, y + 0.5), (x1, y + 0.5)], MUTED.stroke_width(z.pxu(1.0)))))
                    .map_err(de)?;
            }
            if mean.is_finite() {
                let h = if total { 0.36 } else { 0.28 };
                let fill = match part {
                    Part::Total => colour.filled(),
                    Part::Channel(_) => colour.mix(0.55).filled(),
                    Part::Leftover => WINDOW.filled(),
                };
                chart.draw_series(std::iter::once(Rectangle::new([(0.0, y - h), (*mean, y + h)], fill))).map_err(de)?;
                if *part == Part::Leftover {
                    chart
                        .draw_series(std::iter::once(Rectangle::new([(0.0, y - h), (*mean, y + h)], MUTED.stroke_width(z.pxu(1.0)))))
                        .map_err(de)?;
                }
            }
            if lo.is_finite() && hi.is_finite() {
                chart.draw_series(std::iter::once(PathElement::new(vec![(*lo, y), (*hi, y)], INK.stroke_width(z.pxu(2.0))))).map_err(de)?;
                for x in [*lo, *hi] {
                    chart
                        .draw_series(std::iter::once(PathElement::new(vec![(x, y - 0.14), (x, y + 0.14)], INK.stroke_width(z.pxu(2.0)))))
                        .map_err(de)?;
                }
            }
            if mean.is_finite() {
                let right = [*mean, *hi].into_iter().filter(|x| x.is_finite()).fold(*mean, f64::max).max(0.0);
                let (px, py) = chart.backend_coord(&(right, y));
                let text = if *mean > 0.0 { format!("+{}", fixed(*mean, 1)) } else { fixed(*mean, 1) };
                let style = if total { bold(z.tick(), INK) } else { font(z.tick(), INK) };
                area.draw(&Text::new(text, (px - base.0 + z.px(8.0), py - base.1), anchored(style, HPos::Left, VPos::Center)))
                    .map_err(de)?;
            }
            let (lx, ly) = chart.backend_coord(&(x0, y));
            let style = if total { bold(z.label(), *colour) } else { font(z.label() * 0.9, MUTED) };
            area.draw(&Text::new(label.clone(), (lx - base.0 - z.px(14.0), ly - base.1), anchored(style, HPos::Right, VPos::Center)))
                .map_err(de)?;
        }
        Ok(())
    }
}

/// The figure `explain`: per strategy (largest gain first) its gain at the
/// programme's end, each channel's contribution and the leftover, in
/// points, with 90% intervals. `strategies` are the results folder's (for
/// the colours every other figure uses). None when `rows` is empty.
pub fn figure(rows: &[Row], strategies: &[String], o: &Options) -> Result<Option<Figure>, PlotError> {
    let order = ranked(rows);
    if order.is_empty() {
        return Ok(None);
    }
    let colour = |s: &str| strategy_colour(strategies, strategies.iter().position(|x| x == s).unwrap_or(0));
    let mut bars = Vec::new();
    for s in &order {
        for r in parts_of(rows, s, END) {
            let label = match r.part {
                Part::Total => strategy_label(s),
                p => part_words(p),
            };
            bars.push((label, r.part, colour(s), 100.0 * r.mean, 100.0 * r.lo, 100.0 * r.hi));
        }
    }
    let with_intervals = rows.iter().any(|r| r.lo.is_finite());
    let subtitle = format!(
        "Points of gain lost with each channel off, same replicates{}; left over: no one channel's part",
        if with_intervals { " (bars; whiskers: 90% interval)" } else { " (no intervals below 5 replicates)" }
    );
    let fig = Explain { bars, subtitle };
    let caption = sentences(rows).join(" ");
    Ok(Some(finish("explain", "What drives each gain", caption, &fig, o)?))
}

/// The report's section: what was done, a sentence per strategy, the table
/// (end and last month), what the leftover means, the caveats, and the
/// figure inline.
pub fn section(rows: &[Row], figure: Option<&Figure>) -> String {
    let mut h = String::new();
    let reps = rows.first().map_or(0, |r| r.replicates);
    h.push_str("<section id=\"explain\">\n<h2>What drives each gain</h2>\n");
    h.push_str(&format!(
        "<p>Each strategy was run again with one of its channels switched off at a time (for example a champion's shield, or the \
         exposure of men to women in council seats), on the same {reps} replicates: the same people, the same chances. What a \
         channel <i>contributes</i> is the gain lost when it is off, replicate by replicate; the numbers are points of women taking \
         part, with 90% intervals.</p>\n"
    ));
    h.push_str("<ul class=\"how-to-read\">\n");
    for s in sentences(rows) {
        h.push_str(&format!("<li>{}</li>\n", esc(&s)));
    }
    h.push_str("</ul>\n");
    h.push_str(
        "<table>\n<tr><th>Strategy</th><th>Channel</th><th class=\"num\">Points at the programme's end [90% interval]</th>\
         <th class=\"num\">At the last month</th><th class=\"num\">Gain with the channel off</th></tr>\n",
    );
    for s in ranked(rows) {
        for r in parts_of(rows, &s, END) {
            let last = get(rows, &s, FINAL, r.part);
            h.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td class=\"num\">{}{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
                if r.part == Part::Total { format!("<b>{}</b>", esc(&strategy_label(&s))) } else { String::new() },
                esc(&part_words(r.part)),
                pts(r.mean),
                esc(&int(r)),
                last.map_or("-".to_string(), |l| format!("{}{}", pts(l.mean), int(l))),
                pts(r.gain_off),
            ));
        }
    }
    h.push_str("</table>\n");
    h.push_str(&format!(
        "<p><b>Left over</b> is {}. <b>Caveat</b>: channels are not additive when they interact. Each contribution is what the \
         channel carries while every other channel is on, not a slice of a pie; a leftover of either sign as large as a channel \
         says the channels work together, and the contributions then do not add up to the gain on their own.</p>\n",
        esc(LEFTOVER_MEANS)
    ));
    if let Some(f) = figure {
        h.push_str(&format!("<figure id=\"{}\" aria-label=\"{}\">\n", esc(&f.id), esc(&f.title)));
        h.push_str(super::report::strip_prolog(&f.svg));
        h.push_str(&format!("\n<figcaption>{}</figcaption>\n</figure>\n", esc(&f.caption)));
    }
    h.push_str("</section>\n");
    h
}

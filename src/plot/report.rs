//! `report.html`: one self-contained page for people who will not read a
//! CSV. The scenario in brief, its strategies and their interventions, the
//! comparison table (from `comparison.csv`, else a summary of `runs.csv`),
//! every figure inline as SVG with its caption, and one animation inline
//! as a GIF. No external assets, no network; prints well. A small inline
//! script marks on `<body>` whether every image rendered
//! (`data-images-ok`) and how many script errors occurred (`data-errors`),
//! for the headless-browser test.
//!
//! Every number on the page comes from the tables; nothing is hard-coded.

use super::compare::{list, verdicts_said};
use super::style::{fixed, sentence, strategy_label, thousands};
use super::tables::Comparison;
use super::{BASELINE, Drawn, Results, mean};
use crate::compare::{EXPOSURE_MEANS, EXPOSURE_METRIC, HARM_MEANS, HARM_METRIC, too_few_warning};

/// What the page says about where it came from.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Meta {
    /// normshift version that drew it.
    pub version: String,
    /// A comparison over priors: (draws, replicates per draw). Its
    /// runs.csv numbers each draw's runs as one replicate, so the page
    /// says draws and replicates instead of "replicates".
    pub draws: Option<(usize, usize)>,
}

/// Escape text for HTML.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// Standard base64 (for the inline animation).
pub fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut o = String::with_capacity(data.len().div_ceil(3) * 4);
    for c in data.chunks(3) {
        let b = [c[0], c.get(1).copied().unwrap_or(0), c.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= c.len() {
                o.push(T[((n >> (18 - 6 * k)) & 63) as usize] as char);
            } else {
                o.push('=');
            }
        }
    }
    o
}

const STYLE: &str = r#"
:root { --ink: #222; --muted: #5a5a5a; --rule: #ddd; --harm: #d55e00; --good: #009e73; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1100px; padding: 24px 28px 48px; color: var(--ink);
  font: 17px/1.5 'Liberation Sans', Arimo, Arial, Helvetica, sans-serif; background: #fff; }
h1 { font-size: 30px; margin: 0 0 4px; }
h2 { font-size: 23px; margin: 36px 0 10px; border-bottom: 2px solid var(--rule); padding-bottom: 4px; }
h3 { font-size: 19px; margin: 0 0 6px; }
p.lead { font-size: 19px; margin: 6px 0 14px; }
.muted { color: var(--muted); }
dl.facts { display: flex; flex-wrap: wrap; gap: 10px 28px; margin: 10px 0; }
dl.facts div { min-width: 120px; }
dl.facts dt { color: var(--muted); font-size: 14px; }
dl.facts dd { margin: 0; font-size: 22px; font-weight: bold; }
table { border-collapse: collapse; width: 100%; font-size: 15px; margin: 8px 0; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--rule); vertical-align: top; }
th { font-size: 13px; color: var(--muted); font-weight: bold; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.harm { color: var(--harm); font-weight: bold; }
td.good { color: var(--good); font-weight: bold; }
td.exposure { font-weight: bold; }
p.warning { border-left: 4px solid var(--harm); padding: 6px 10px; background: #fbefe6; font-weight: bold; }
p.note { border-left: 4px solid var(--muted); padding: 6px 10px; background: #f2f2f2; }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; margin-right: 6px; vertical-align: baseline; }
figure { margin: 28px 0; padding: 0; }
figure svg, figure img { display: block; width: 100%; height: auto; border: 1px solid #eee; }
figure img.animation { max-width: 600px; }
figcaption { margin-top: 8px; font-size: 17px; }
footer { margin-top: 40px; font-size: 14px; color: var(--muted); border-top: 1px solid var(--rule); padding-top: 8px; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  @page { margin: 15mm; }
  h2 { break-after: avoid; }
  figure, table, tr { break-inside: avoid; }
  figure svg, figure img { border: none; }
  figure.animation { display: none; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"#;

/// Counts script errors and failed resources as they happen, and marks
/// on `<body>` after load whether every image and figure rendered.
const SCRIPT_HEAD: &str = r#"
window.__reportErrors = 0;
window.addEventListener('error', function () {
  window.__reportErrors += 1;
  if (document.body) { document.body.setAttribute('data-errors', String(window.__reportErrors)); }
}, true);
"#;

const SCRIPT_BODY: &str = r#"
window.addEventListener('load', function () {
  var ok = true, n = 0;
  Array.prototype.forEach.call(document.querySelectorAll('img'), function (i) {
    n += 1;
    if (!(i.complete && i.naturalWidth > 0)) { ok = false; }
  });
  Array.prototype.forEach.call(document.querySelectorAll('figure svg'), function (s) {
    n += 1;
    var r = s.getBoundingClientRect();
    if (!(r.width > 0 && r.height > 0 && s.childElementCount > 0)) { ok = false; }
  });
  document.body.setAttribute('data-images', String(n));
  document.body.setAttribute('data-images-ok', ok && n > 0 ? 'true' : 'false');
  document.body.setAttribute('data-errors', String(window.__reportErrors));
});
"#;

fn hex(c: plotters::style::RGBColor) -> String {
    format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2)
}

/// Signed number with `d` decimals: "+12.3".
fn signed(x: f64, d: usize) -> String {
    let s = fixed(x, d);
    if x > 0.0 && s.chars().any(|c| c.is_ascii_digit() && c != '0') { format!("+{s}") } else { s }
}

/// The page.
pub fn html(res: &Results, drawn: &Drawn, meta: &Meta) -> String {
    html_with(res, drawn, meta, "")
}

/// The page with `extra`, a section of HTML built elsewhere (the
/// comparison over priors, `super::uncertain::section`), after the
/// results table.
pub fn html_with(res: &Results, drawn: &Drawn, meta: &Meta, extra: &str) -> String {
    let s = &res.scenario;
    let strategies = res.strategies();
    let colour = |name: &str| {
        let k = strategies.iter().position(|x| x == name).unwrap_or(0);
        hex(super::style::strategy_colour(&strategies, k))
    };
    let swatch = |name: &str| format!("<span class=\"swatch\" style=\"background:{}\"></span>", colour(name));
    let mut h = String::new();
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    h.push_str(&format!("<title>{} - normshift report</title>\n", esc(&s.name)));
    h.push_str(&format!("<style>{STYLE}</style>\n<script>{SCRIPT_HEAD}</script>\n</head>\n"));
    h.push_str("<body data-images-ok=\"pending\" data-errors=\"0\">\n<header>\n");
    h.push_str(&format!("<h1>Scenario: {}</h1>\n", esc(&s.name)));
    if !s.description.is_empty() {
        h.push_str(&format!("<p class=\"lead\">{}</p>\n", esc(&s.description)));
    }
    let adults = mean(&res.runs.strategies.first().map(|f| res.runs.values(f, "agents")).unwrap_or_default());
    let reps = res.runs.replicates();
    // What the means and medians are over.
    let over = match meta.draws {
        Some((d, r)) => {
            format!("{reps} runs ({d} draws of the uncertain values, {r} {} each)", if r == 1 { "replicate" } else { "replicates" })
        }
        None => format!("{reps} replicates"),
    };
    h.push_str("<dl class=\"facts\">\n");
    let mut fact = |k: &str, v: String| h.push_str(&format!("<div><dt>{k}</dt><dd>{}</dd></div>\n", esc(&v)));
    if let Some(v) = s.villages {
        fact("Villages", v.to_string());
    }
    fact("Adults (mean per run)", thousands(adults));
    fact("Months simulated", res.timeseries.months.to_string());
    fact("Programme ends", format!("month {}", (s.programme_end as usize).min(res.timeseries.months.saturating_sub(1))));
    match meta.draws {
        Some((d, r)) => {
            fact("Draws of the uncertain values", format!("{d} ({r} {} each)", if r == 1 { "replicate" } else { "replicates" }))
        }
        None => fact("Replicates", reps.to_string()),
    }
    fact("Strategies", strategies.len().to_string());
    h.push_str("</dl>\n</header>\n");

    // Strategies.
    h.push_str(
        "<section>\n<h2>Strategies</h2>\n<table>\n<tr><th>Strategy</th><th>What it does</th><th>Interventions (months active)</th></tr>\n",
    );
    for name in &strategies {
        let info = s.strategy(name);
        let what = info.map_or(String::new(), |i| i.description.clone());
        let items: Vec<String> = info
            .map(|i| {
                i.interventions
                    .iter()
                    .map(|x| {
                        let label = if x.cut {
                            format!("funding cut{}", x.name.as_ref().map_or(String::new(), |n| format!(" ({n})")))
                        } else {
                            sentence(&x.kind)
                        };
                        format!("{} ({}-{})", label, x.start, x.end)
                    })
                    .collect()
            })
            .unwrap_or_default();
        let items = if items.is_empty() { "none".to_string() } else { items.join("; ") };
        h.push_str(&format!(
            "<tr><td>{}<b>{}</b> <span class=\"muted\">({})</span></td><td>{}</td><td>{}</td></tr>\n",
            swatch(name),
            esc(&strategy_label(name)),
            esc(name),
            esc(&what),
            esc(&items)
        ));
    }
    h.push_str("</table>\n</section>\n");

    // Results table.
    h.push_str("<section>\n");
    match &res.comparison {
        Some(c) => comparison_table(&mut h, c, &strategies, &swatch, &over, meta.draws.is_some()),
        None => runs_table(&mut h, res, &strategies, &swatch, &over),
    }
    h.push_str("</section>\n");
    h.push_str(extra);

    // Figures.
    h.push_str("<section>\n<h2>Figures</h2>\n");
    h.push_str(&format!(
        "<p class=\"muted\">Lines are medians over the {over}; shaded bands hold 90% of them. \
         The grey area is the programme. Colours are safe for colour-blind readers. The same figures are in the \
         <code>figures/</code> folder as PNG (slides) and SVG (print).</p>\n"
    ));
    for f in &drawn.figures {
        h.push_str(&format!("<figure id=\"{}\" aria-label=\"{}\">\n", esc(&f.id), esc(&f.title)));
        h.push_str(strip_prolog(&f.svg));
        h.push_str(&format!("\n<figcaption>{}</figcaption>\n</figure>\n", esc(&f.caption)));
    }
    // One animation inline: the best strategy's, else the first.
    let anim =
        drawn.best.as_ref().and_then(|b| drawn.animations.iter().find(|a| a.id == format!("village_{b}"))).or(drawn.animations.first());
    if let Some(a) = anim {
        h.push_str(&format!("<figure class=\"animation\" id=\"{}\">\n<h3>{}</h3>\n", esc(&a.id), esc(&a.title)));
        h.push_str(&format!(
            "<img class=\"animation\" alt=\"{}\" width=\"600\" height=\"600\" src=\"data:image/gif;base64,{}\">\n",
            esc(&a.title),
            base64(&a.gif)
        ));
        let others: Vec<String> = drawn.animations.iter().filter(|x| x.id != a.id).map(|x| format!("{}.gif", x.id)).collect();
        let more = if others.is_empty() { String::new() } else { format!(" The other strategies are in figures/: {}.", list(&others)) };
        h.push_str(&format!("<figcaption>{}{}</figcaption>\n</figure>\n", esc(&a.caption), esc(&more)));
    }
    h.push_str("</section>\n");
    h.push_str(&format!(
        "<footer>Drawn by normshift {} from the tables in this results folder (timeseries.csv, runs.csv{}{}, scenario.toml). \
         Every number on this page comes from those tables. Redraw with <code>normshift plot FOLDER</code>.</footer>\n",
        esc(&meta.version),
        if res.comparison.is_some() { ", comparison.csv" } else { "" },
        if res.village.is_some() { ", village_*.csv" } else { "" }
    ));
    h.push_str(&format!("<script>{SCRIPT_BODY}</script>\n</body>\n</html>\n"));
    h
}

/// An SVG document without any XML prolog, for inlining.
pub(crate) fn strip_prolog(svg: &str) -> &str {
    match svg.find("<svg") {
        Some(k) => &svg[k..],
        None => svg,
    }
}

fn comparison_table(h: &mut String, c: &Comparison, strategies: &[String], swatch: &dyn Fn(&str) -> String, over: &str, pooled: bool) {
    h.push_str("<h2>Strategies compared with no programme</h2>\n");
    if pooled {
        h.push_str(
            "<p class=\"note\">This table pools every draw of the uncertain values as if they were replicates: each 90% interval \
             says how well the <em>average</em> over those values is known, not how far one place's outcome may range; \
             the verdicts hold on that average. The range over the draws, the chance each strategy is best and what \
             changes the answer are in the section <a href=\"#uncertainty\">When the assumptions are uncertain</a> below.</p>\n",
        );
    }
    h.push_str(&format!(
        "<p class=\"muted\">Means over {over}. Gains are paired differences from no programme on the same replicates, \
         in percentage points, with 90% intervals. Two verdicts, kept apart. <b>Harm</b>: {}. <b>Exposure</b>: {}.</p>\n",
        esc(HARM_MEANS),
        esc(EXPOSURE_MEANS)
    ));
    if c.too_few() {
        h.push_str(&format!(
            "<p class=\"warning\" role=\"alert\">Warning: {}. No intervals and no verdicts are given.</p>\n",
            esc(&too_few_warning(c.replicates() as usize))
        ));
    }
    h.push_str(
        "<table>\n<tr><th>Strategy</th><th class=\"num\">Women taking part at programme end</th><th class=\"num\">Gain (90% interval)</th>\
         <th class=\"num\">Gain at last month</th><th class=\"num\">Sanctions in all</th><th class=\"num\">Violence</th>\
         <th class=\"num\">Each woman's risk (90% interval)</th>\
         <th class=\"num\">Total cost</th><th class=\"num\">Cost per point</th><th>Harm / exposure</th></tr>\n",
    );
    let get = |s: &str, m: &str| c.get(s, m);
    let base = |m: &str| get(BASELINE, m).map_or(f64::NAN, |r| r.mean);
    let pct_change = |s: &str, m: &str| match get(s, m) {
        Some(r) if base(m) > 0.0 && r.diff_mean.is_finite() => format!("{}%", signed(100.0 * r.diff_mean / base(m), 0)),
        Some(r) if r.diff_mean.is_finite() => signed(r.diff_mean, 0),
        Some(r) => thousands(r.mean),
        None => "-".into(),
    };
    // "+1.2 (+0.3 to +2.1)", without the interval where there is none.
    let with_interval = |r: &super::tables::ComparisonRow, scale: f64| {
        let m = signed(scale * r.diff_mean, 1);
        if r.diff_lo.is_finite() && r.diff_hi.is_finite() {
            format!("{m} ({} to {})", signed(scale * r.diff_lo, 1), signed(scale * r.diff_hi, 1))
        } else {
            m
        }
    };
    for name in strategies.iter().filter(|s| c.get(s, "participation_end").is_some()) {
        let e = get(name, "participation_end");
        let end = e.map_or("-".into(), |r| format!("{}%", fixed(100.0 * r.mean, 1)));
        let (gain, good) = match e {
            Some(r) if r.diff_mean.is_finite() => (with_interval(r, 100.0), r.diff_lo > 0.0),
            _ => ("-".into(), false),
        };
        let fin =
            get(name, "participation_final").filter(|r| r.diff_mean.is_finite()).map_or("-".into(), |r| signed(100.0 * r.diff_mean, 1));
        let cost = get(name, "cost_total").map_or("-".into(), |r| thousands(r.mean));
        let cpp = get(name, "cost_per_point").filter(|r| r.mean.is_finite()).map_or("-".into(), |r| thousands(r.mean));
        let f = c.findings(name);
        let risk = match get(name, HARM_METRIC) {
            Some(r) if r.diff_mean.is_finite() => with_interval(r, 100.0),
            Some(r) => format!("{}%", fixed(100.0 * r.mean, 1)),
            None => "-".into(),
        };
        let label = if name == BASELINE { "No programme".to_string() } else { strategy_label(name) };
        let (sanctions, violence) = if name == BASELINE {
            (thousands(base(EXPOSURE_METRIC)), thousands(base("violence_total")))
        } else {
            (pct_change(name, EXPOSURE_METRIC), pct_change(name, "violence_total"))
        };
        let verdict = if f.judged { f.words() } else { "-" };
        h.push_str(&format!(
            "<tr data-strategy=\"{}\" data-harm=\"{}\" data-exposure=\"{}\" data-verdict=\"{}\"><td>{}<b>{}</b></td><td class=\"num\">{}</td>\
             <td class=\"num{}\">{}</td><td class=\"num\">{}</td><td class=\"num{}\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num{}\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td{}>{}</td></tr>\n",
            esc(name),
            f.harm,
            f.exposure,
            if !f.judged { "none" } else if f.too_few { "too_few_replicates" } else { "judged" },
            swatch(name),
            esc(&label),
            end,
            if good { " good" } else { "" },
            gain,
            fin,
            if f.exposure { " exposure" } else { "" },
            esc(&sanctions),
            esc(&violence),
            if f.harm { " harm" } else { "" },
            esc(&risk),
            cost,
            cpp,
            if f.harm { " class=\"harm\"" } else { "" },
            esc(verdict)
        ));
    }
    h.push_str(
        "</table>\n<p class=\"muted\">Sanctions and violence: total over the run for no programme, change from it for the others. \
         Each woman's risk: the share of women taking part sanctioned in a month, for no programme; change in points for the others.</p>\n",
    );
    let order: Vec<String> = strategies.iter().filter(|s| *s != BASELINE && c.get(s, "participation_end").is_some()).cloned().collect();
    if !order.is_empty() {
        h.push_str(&format!("<p class=\"verdicts\">{}</p>\n", esc(&verdicts_said(c, &order))));
    }
}

fn runs_table(h: &mut String, res: &Results, strategies: &[String], swatch: &dyn Fn(&str) -> String, over: &str) {
    h.push_str("<h2>Results per strategy</h2>\n");
    h.push_str(&format!(
        "<p class=\"muted\">Means over {over} (from runs.csv). Run <code>normshift compare</code> for paired differences \
         from no programme with intervals and verdicts on harm and exposure.</p>\n"
    ));
    h.push_str(
        "<table>\n<tr><th>Strategy</th><th class=\"num\">Women taking part at programme end</th><th class=\"num\">At the last month</th>\
         <th class=\"num\">Sanctions</th><th class=\"num\">Violence</th><th class=\"num\">Total cost</th></tr>\n",
    );
    for name in strategies {
        let m = |c: &str| mean(&res.runs.values(name, c));
        h.push_str(&format!(
            "<tr><td>{}<b>{}</b></td><td class=\"num\">{}%</td><td class=\"num\">{}%</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
            swatch(name),
            esc(&strategy_label(name)),
            fixed(100.0 * m("participation_end"), 1),
            fixed(100.0 * m("participation_final"), 1),
            thousands(m("sanctions_total")),
            thousands(m("violence_total")),
            thousands(m("cost_total"))
        ));
    }
    h.push_str("</table>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_standard() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(esc("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
    }
}

//! Figures and the HTML report, drawn only from the output tables of a
//! results folder, so any folder can be redrawn.
//!
//! The caller parses the tables ([`tables`]) into [`Results`] and calls
//! [`draw`]: every figure comes back as an SVG string and PNG bytes, with a
//! plain-language caption computed from the numbers; the village
//! animations come back as GIF bytes; [`report::html`] assembles one
//! self-contained HTML page. Nothing here prints, reads the environment or
//! touches the file system: `src/cli/plot.rs` opens the tables and writes
//! the files (atomically).
//!
//! Layout of the module:
//! - `tables.rs`: the parsed tables and their CSV readers (from readers).
//! - `style.rs`: palette (Okabe-Ito), embedded font, sizes, number formats.
//! - `render.rs`: one drawing routine rendered to SVG, PNG or RGB frames;
//!   `text.rs` sets bitmap text exactly as the SVG shows it.
//! - `parts.rs`: shared building blocks (title, time panel with bands and
//!   direct labels, legend).
//! - one file per family of figures: `time.rs` (outcomes over time),
//!   `compare.rs` (differences from baseline, cost against gain),
//!   `groups.rs` (participation by group), `explain.rs` (what drives each
//!   gain, from `explain.csv`), `network.rs` (the village's
//!   network and its animation), `report.rs` (the HTML page).
//!
//! To add a figure (a sweep's heatmap, say): write a struct implementing
//! [`render::Draw`], a `fn(&Context, &Options) -> Result<Option<Figure>,
//! PlotError>` that builds it with its caption, and add that function to
//! `FIGURES`.

pub mod compare;
pub mod explain;
pub mod groups;
pub mod network;
pub mod parts;
pub mod render;
pub mod report;
pub mod sensitivity;
pub mod style;
pub mod sweep;
pub mod tables;
pub mod text;
pub mod time;
pub mod uncertain;

pub use tables::{Results, ScenarioInfo, TableError};

use rayon::prelude::*;

/// The strategy the others are compared with.
pub const BASELINE: &str = "baseline";

/// A figure could not be drawn.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlotError {
    #[error("drawing a figure failed: {0}")]
    Draw(String),
    #[error("encoding an image failed: {0}")]
    Encode(String),
    #[error("{0}")]
    Data(String),
}

/// One drawn figure.
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    /// File stem: `participation` gives `participation.svg` and `.png`.
    pub id: String,
    /// Plain-language title.
    pub title: String,
    /// One or two sentences that say what the figure shows, with numbers.
    pub caption: String,
    /// SVG document (empty if not asked for).
    pub svg: String,
    /// PNG file (empty if not asked for).
    pub png: Vec<u8>,
}

/// One animated GIF of the village.
#[derive(Clone, Debug, PartialEq)]
pub struct Animation {
    /// File stem: `village_male_champions`.
    pub id: String,
    pub title: String,
    pub caption: String,
    pub gif: Vec<u8>,
}

/// What to draw.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Options {
    pub svg: bool,
    pub png: bool,
    pub gif: bool,
    /// PNG pixels per SVG pixel (SVG figures are 1280 pixels wide).
    pub png_scale: f64,
}

impl Default for Options {
    fn default() -> Self {
        Options { svg: true, png: true, gif: true, png_scale: 1.25 }
    }
}

/// Everything drawn from one results folder.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Drawn {
    pub figures: Vec<Figure>,
    pub animations: Vec<Animation>,
    /// The strategy with the largest gain (see [`Context::best`]).
    pub best: Option<String>,
}

/// What every figure needs, worked out once.
pub struct Context<'a> {
    pub res: &'a Results,
    /// Strategies, baseline first.
    pub strategies: Vec<String>,
    /// The strategy with the largest participation at the programme's end
    /// (largest gain over baseline where `comparison.csv` has it), other
    /// than baseline.
    pub best: Option<String>,
    /// The month the programme ends, within the recorded months.
    pub end: usize,
    /// Months recorded.
    pub months: usize,
    /// Village layout (positions in 0..1), if the village was traced.
    pub layout: Option<network::Layout>,
}

impl<'a> Context<'a> {
    /// Work out the shared facts of `res`.
    pub fn new(res: &'a Results) -> Result<Self, PlotError> {
        let months = res.timeseries.months;
        if months == 0 {
            return Err(PlotError::Data("timeseries.csv has no months".into()));
        }
        let strategies = res.strategies();
        let end = (res.scenario.programme_end as usize).min(months - 1);
        let gain = |s: &str| -> f64 {
            match &res.comparison {
                Some(c) => c.get(s, "participation_end").map_or(f64::NEG_INFINITY, |r| r.diff_mean),
                None => mean(&res.runs.values(s, "participation_end")),
            }
        };
        let best = strategies
            .iter()
            .filter(|s| *s != BASELINE)
            .filter(|s| gain(s).is_finite())
            .max_by(|a, b| gain(a).total_cmp(&gain(b)))
            .cloned();
        let layout = res.village.as_ref().map(network::layout);
        Ok(Context { res, strategies, best, end, months, layout })
    }

    /// Colour of a strategy.
    pub fn colour(&self, strategy: &str) -> plotters::style::RGBColor {
        let k = self.strategies.iter().position(|s| s == strategy).unwrap_or(0);
        style::strategy_colour(&self.strategies, k)
    }

    /// Has a baseline to compare with.
    pub fn has_baseline(&self) -> bool {
        self.strategies.iter().any(|s| s == BASELINE)
    }
}

/// Mean of the finite values (NaN if none).
pub fn mean(v: &[f64]) -> f64 {
    let f: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    if f.is_empty() { f64::NAN } else { f.iter().sum::<f64>() / f.len() as f64 }
}

/// 5th, 50th and 95th percentiles of the finite values (NaN if none).
pub fn quantiles(v: &[f64]) -> (f64, f64, f64) {
    let mut f: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    f.sort_by(f64::total_cmp);
    use crate::compare::percentile;
    (percentile(&f, 0.05), percentile(&f, 0.5), percentile(&f, 0.95))
}

/// Builds one figure, or None when the tables do not support it.
type Maker = fn(&Context, &Options) -> Result<Option<Figure>, PlotError>;

/// Every figure, in report order.
const FIGURES: [Maker; 8] = [
    time::participation,
    time::sanctions,
    compare::differences,
    compare::risk,
    compare::cost,
    groups::groups,
    time::attitudes,
    network::snapshots,
];

/// Render a figure as asked.
pub(crate) fn finish(id: &str, title: &str, caption: String, d: &impl render::Draw, o: &Options) -> Result<Figure, PlotError> {
    Ok(Figure {
        id: id.to_string(),
        title: title.to_string(),
        caption,
        svg: if o.svg { render::svg(d)? } else { String::new() },
        png: if o.png { render::png(d, o.png_scale)? } else { Vec::new() },
    })
}

/// Draw every figure the tables support (and the animations if asked).
/// Figures are drawn in parallel; the result does not depend on the number
/// of threads.
pub fn draw(res: &Results, opts: &Options) -> Result<Drawn, PlotError> {
    let ctx = Context::new(res)?;
    let figures: Vec<Option<Figure>> = FIGURES.par_iter().map(|f| f(&ctx, opts)).collect::<Result<_, _>>()?;
    let animations = if opts.gif { network::animations(&ctx)? } else { Vec::new() };
    Ok(Drawn { figures: figures.into_iter().flatten().collect(), animations, best: ctx.best.clone() })
}

//! Pictures of one village's network (`village_*.csv`): a deterministic
//! force-directed layout (Fruchterman-Reingold, fixed start and iteration
//! count, household ties pulling hardest, leaders pinned in the centre),
//! snapshots at month 0, the programme's end and the last month for
//! baseline and the best strategy, and one animated GIF per strategy for
//! trainers. Leader ties (every villager listens to every leader) are used
//! for neither layout nor drawing: leaders are drawn as large diamonds.

use super::parts::{self, Key, Mark, anchored, bold, font};
use super::render::{self, Area, Draw, de};
use super::style::{INK, MUTED, Sizes, okabe_ito, register_fonts, strategy_label};
use super::tables::{Layer, UNKNOWN, Village};
use super::{Animation, BASELINE, Context, Figure, Options, PlotError, finish};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use rayon::prelude::*;

/// Positions of the village's people in the unit square, and the ties drawn.
#[derive(Clone, Debug, PartialEq)]
pub struct Layout {
    /// (x, y) in 0..1 per agent.
    pub pos: Vec<(f64, f64)>,
    /// Household ties, once per pair.
    pub household: Vec<(u32, u32)>,
    /// Peer and bridge ties, once per pair.
    pub peer: Vec<(u32, u32)>,
}

/// Iterations of the force-directed layout (fewer above 600 people).
pub const ITERATIONS: usize = 300;

/// Lay the village out. A pure function of the village's people and ties:
/// the same tables give the same picture, for every strategy and month.
pub fn layout(v: &Village) -> Layout {
    layout_with(v, HOUSEHOLD_PULL, PEER_PULL, GRAVITY)
}

// Tuned on the default scenario's village: households end up about as
// far apart as nearest neighbours (compact), friends nearer than chance.
/// Pull of a household tie, relative to the standard spring.
const HOUSEHOLD_PULL: f64 = 20.0;
/// Pull of a friendship tie.
const PEER_PULL: f64 = 0.2;
/// Pull towards the centre.
const GRAVITY: f64 = 1.0;

fn layout_with(v: &Village, household_pull: f64, peer_pull: f64, gravity: f64) -> Layout {
    let n = v.agents.len();
    let mut household = Vec::new();
    let mut peer = Vec::new();
    for &(a, b, l) in &v.ties {
        if a == b || a as usize >= n || b as usize >= n {
            continue;
        }
        let e = (a.min(b), a.max(b));
        match l {
            Layer::Household => household.push(e),
            Layer::Peer | Layer::Bridge => peer.push(e),
            Layer::Leader => {}
        }
    }
    household.sort_unstable();
    household.dedup();
    peer.sort_unstable();
    peer.dedup();
    peer.retain(|e| household.binary_search(e).is_err());

    let leader: Vec<bool> = v.agents.iter().map(|a| a.role.is_leader()).collect();
    let leaders = leader.iter().filter(|x| **x).count();
    // Households: groups joined by household ties, numbered by their first member.
    let mut parent: Vec<usize> = (0..n).collect();
    fn root(p: &mut [usize], mut x: usize) -> usize {
        while p[x] != x {
            p[x] = p[p[x]];
            x = p[x];
        }
        x
    }
    for &(a, b) in &household {
        let (ra, rb) = (root(&mut parent, a as usize), root(&mut parent, b as usize));
        if ra != rb {
            parent[ra.max(rb)] = ra.min(rb);
        }
    }
    let mut group = vec![usize::MAX; n];
    let mut members_of: Vec<Vec<usize>> = Vec::new();
    for i in (0..n).filter(|&i| !leader[i]) {
        let r = root(&mut parent, i);
        if group[r] == usize::MAX {
            group[r] = members_of.len();
            members_of.push(Vec::new());
        }
        members_of[group[r]].push(i);
    }
    // Start: households on a golden-angle spiral, each household's members
    // together around its spot; leaders on a small central ring.
    let mut pos = vec![(0.0f64, 0.0f64); n];
    let golden = std::f64::consts::PI * (3.0 - 5f64.sqrt());
    let groups = members_of.len().max(1) as f64;
    for (g, members) in members_of.iter().enumerate() {
        let r = 0.25 + 0.75 * ((g as f64 + 0.5) / groups).sqrt();
        let t = golden * g as f64;
        for (j, &i) in members.iter().enumerate() {
            let a = std::f64::consts::TAU * j as f64 / members.len() as f64;
            pos[i] = (r * t.cos() + 0.02 * a.cos(), r * t.sin() + 0.02 * a.sin());
        }
    }
    for (l, i) in (0..n).filter(|&i| leader[i]).enumerate() {
        let t = std::f64::consts::TAU * l as f64 / leaders.max(1) as f64;
        let r = if leaders > 1 { 0.07 } else { 0.0 };
        pos[i] = (r * t.cos(), r * t.sin());
    }
    let k = 2.0 / (n.max(1) as f64).sqrt();
    let mut disp = vec![(0.0f64, 0.0f64); n];
    // Each iteration costs n^2: large villages get fewer.
    let iterations = ((ITERATIONS as f64 * (600.0 / n.max(1) as f64).powi(2)).round() as usize).clamp(40, ITERATIONS);
    for it in 0..iterations {
        let temp = 0.08 * (1.0 - it as f64 / iterations as f64) + 0.002;
        disp.iter_mut().for_each(|d| *d = (0.0, 0.0));
        for i in 0..n {
            for j in (i + 1)..n {
                let (dx, dy) = (pos[i].0 - pos[j].0, pos[i].1 - pos[j].1);
                let d2 = (dx * dx + dy * dy).max(1e-6);
                // Leaders push harder, clearing the centre for them.
                let boost = if leader[i] || leader[j] { 4.0 } else { 1.0 };
                let f = boost * k * k / d2;
                disp[i].0 += dx * f;
                disp[i].1 += dy * f;
                disp[j].0 -= dx * f;
                disp[j].1 -= dy * f;
            }
        }
        for (ties, w) in [(&household, household_pull), (&peer, peer_pull)] {
            for &(a, b) in ties.iter() {
                let (a, b) = (a as usize, b as usize);
                let (dx, dy) = (pos[a].0 - pos[b].0, pos[a].1 - pos[b].1);
                let d = (dx * dx + dy * dy).sqrt().max(1e-6);
                let f = w * d / k;
                disp[a].0 -= dx * f;
                disp[a].1 -= dy * f;
                disp[b].0 += dx * f;
                disp[b].1 += dy * f;
            }
        }
        for i in 0..n {
            if leader[i] {
                continue;
            }
            // Gravity keeps loose households from drifting off.
            disp[i].0 -= pos[i].0 * gravity / k;
            disp[i].1 -= pos[i].1 * gravity / k;
            let (dx, dy) = disp[i];
            let d = (dx * dx + dy * dy).sqrt();
            if d > 0.0 {
                let step = d.min(temp);
                pos[i].0 = (pos[i].0 + dx / d * step).clamp(-1.5, 1.5);
                pos[i].1 = (pos[i].1 + dy / d * step).clamp(-1.5, 1.5);
            }
        }
    }
    // Into the unit square, keeping the aspect ratio.
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for p in &pos {
        x0 = x0.min(p.0);
        x1 = x1.max(p.0);
        y0 = y0.min(p.1);
        y1 = y1.max(p.1);
    }
    let span = (x1 - x0).max(y1 - y0).max(1e-9);
    let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
    let pos = pos.into_iter().map(|p| (0.5 + (p.0 - cx) / span, 0.5 + (p.1 - cy) / span)).collect();
    Layout { pos, household, peer }
}

/// Colour of a state (see `run::STATE_NAMES`).
pub fn state_colour(s: u8) -> RGBColor {
    match s {
        0 => RGBColor(200, 200, 200),
        1 => okabe_ito::BLUISH_GREEN,
        2 => okabe_ito::VERMILLION,
        3 => RGBColor(150, 150, 150),
        4 => okabe_ito::SKY_BLUE,
        5 => RGBColor(45, 45, 45),
        6 => okabe_ito::BLUE,
        _ => RGBColor(235, 235, 235),
    }
}

/// Legend of states.
fn keys() -> Vec<Key> {
    let k = |label: &str, s: u8, mark: Mark| Key { label: label.into(), colour: state_colour(s), mark };
    vec![
        k("Woman, not taking part", 0, Mark::Dot),
        k("Woman taking part", 1, Mark::Dot),
        k("Woman sanctioned this month", 2, Mark::Dot),
        k("Man, no stance", 3, Mark::Square),
        k("Man supporting", 4, Mark::Square),
        k("Man opposing", 5, Mark::Square),
        k("Male champion", 6, Mark::Square),
    ]
}

/// Pixel rectangle (x0, y0, size) a network is drawn in.
#[derive(Clone, Copy, Debug)]
struct Frame {
    x: i32,
    y: i32,
    size: i32,
}

impl Frame {
    fn at(&self, p: (f64, f64)) -> (i32, i32) {
        (self.x + (p.0 * f64::from(self.size)).round() as i32, self.y + (p.1 * f64::from(self.size)).round() as i32)
    }
}

/// Household ties only: friendships shape the layout but drawn they would
/// hide the people (and make the SVG heavy).
fn draw_ties<DB: DrawingBackend>(area: &Area<DB>, lay: &Layout, f: Frame, z: Sizes) -> Result<(), PlotError> {
    let home = RGBColor(110, 110, 110).mix(0.7).stroke_width(z.pxu(1.6).max(1));
    for &(a, b) in &lay.household {
        area.draw(&PathElement::new(vec![f.at(lay.pos[a as usize]), f.at(lay.pos[b as usize])], home)).map_err(de)?;
    }
    Ok(())
}

/// Node radius for `n` people in a square of `size` pixels.
fn radius(n: usize, size: i32) -> f64 {
    (f64::from(size) / (n.max(1) as f64).sqrt() * 0.2).clamp(1.5, 12.0)
}

fn draw_nodes<DB: DrawingBackend>(area: &Area<DB>, v: &Village, lay: &Layout, states: &[u8], f: Frame) -> Result<(), PlotError> {
    let r = radius(v.agents.len(), f.size);
    let ri = r.round().max(1.0) as i32;
    let mut leaders = Vec::new();
    for (i, a) in v.agents.iter().enumerate() {
        let s = states.get(i).copied().unwrap_or(UNKNOWN);
        let (x, y) = f.at(lay.pos[i]);
        let c = state_colour(s).filled();
        if a.role.is_leader() {
            leaders.push((x, y, s));
        } else if a.woman {
            area.draw(&Circle::new((x, y), ri as u32, c)).map_err(de)?;
        } else {
            let h = if s == 6 { (r * 1.35).round() as i32 } else { (r * 0.9).round() as i32 };
            area.draw(&Rectangle::new([(x - h, y - h), (x + h, y + h)], c)).map_err(de)?;
        }
    }
    // Leaders last, on top: large diamonds with a dark outline.
    let d = (r * 2.6).round() as i32;
    for (x, y, s) in leaders {
        let pts = vec![(x, y - d), (x + d, y), (x, y + d), (x - d, y)];
        area.draw(&Polygon::new(pts.clone(), state_colour(s).filled())).map_err(de)?;
        let mut ring = pts;
        ring.push((x, y - d));
        area.draw(&PathElement::new(ring, INK.stroke_width(((r * 0.45).round() as u32).max(1)))).map_err(de)?;
    }
    Ok(())
}

/// Share of the village's women taking part in a month.
fn women_acting(v: &Village, states: &[u8]) -> f64 {
    let (mut n, mut k) = (0, 0);
    for (a, s) in v.agents.iter().zip(states) {
        if a.woman && !a.role.is_leader() && *s != UNKNOWN {
            n += 1;
            k += usize::from(*s == 1 || *s == 2);
        }
    }
    if n == 0 { f64::NAN } else { k as f64 / n as f64 }
}

/// The month headings of a snapshot.
fn month_label(ctx: &Context, m: usize) -> String {
    if m == 0 {
        "Month 0 (start)".into()
    } else if m == ctx.end {
        format!("Month {m} (programme ends)")
    } else if m + 1 == ctx.months {
        format!("Month {m} (last)")
    } else {
        format!("Month {m}")
    }
}

struct Snapshots<'a> {
    ctx: &'a Context<'a>,
    village: &'a Village,
    layout: &'a Layout,
    /// Strategy indices into the village's states.
    rows: Vec<usize>,
    months: Vec<usize>,
}

const CELL: f64 = 400.0;

impl Draw for Snapshots<'_> {
    fn size(&self) -> (u32, u32) {
        let row = CELL + 120.0;
        (super::time::WIDTH, (118.0 + row * self.rows.len() as f64 + 150.0).round() as u32)
    }

    fn draw<DB: DrawingBackend>(&self, root: &Area<DB>, z: Sizes) -> Result<(), PlotError> {
        let sub = format!(
            "One village of {} adults; colour shows what each person did that month. Same positions in every picture",
            self.village.agents.len()
        );
        let area = parts::title(root, "How the change spreads through one village", Some(&sub), z)?;
        let row_h = z.px(CELL + 120.0);
        let cell = z.px(CELL);
        let gap = (f64::from(area.dim_in_pixel().0) - 3.0 * f64::from(cell)) / 4.0;
        for (r, &s) in self.rows.iter().enumerate() {
            let top = row_h * r as i32;
            let name = strategy_label(&self.village.strategies[s]);
            area.draw(&Text::new(name, (gap.round() as i32, top), anchored(bold(z.subtitle(), INK), HPos::Left, VPos::Top))).map_err(de)?;
            for (c, &m) in self.months.iter().enumerate() {
                let x = (gap + (gap + f64::from(cell)) * c as f64).round() as i32;
                let states = self.village.states[s].get(m).map_or(&[][..], |v| v.as_slice());
                let share = women_acting(self.village, states);
                let head = format!("{}% of women take part", super::style::fixed(100.0 * share, 0));
                area.draw(&Text::new(
                    month_label(self.ctx, m),
                    (x, top + z.px(38.0)),
                    anchored(bold(z.tick(), INK), HPos::Left, VPos::Top),
                ))
                .map_err(de)?;
                area.draw(&Text::new(
                    head,
                    (x, top + z.px(64.0)),
                    anchored(font(z.tick(), okabe_ito::BLUISH_GREEN), HPos::Left, VPos::Top),
                ))
                .map_err(de)?;
                let f = Frame { x, y: top + z.px(100.0), size: cell };
                draw_ties(&area, self.layout, f, z)?;
                draw_nodes(&area, self.village, self.layout, states, f)?;
            }
        }
        let (_, bottom) = area.split_vertically(row_h * self.rows.len() as i32);
        parts::legend(&bottom, &keys(), gap.round() as i32, z.px(10.0), z.label() * 0.9, z)?;
        bottom
            .draw(&Text::new(
                "Diamonds: gatekeepers and religious leaders. Lines join people of one household".to_string(),
                (gap.round() as i32, z.px(100.0)),
                anchored(font(z.tick(), MUTED), HPos::Left, VPos::Top),
            ))
            .map_err(de)?;
        Ok(())
    }
}

/// Strategies shown side by side: baseline and the best, or what there is.
fn shown(ctx: &Context, v: &Village) -> Vec<usize> {
    let mut rows = Vec::new();
    if let Some(b) = v.strategy(BASELINE) {
        rows.push(b);
    }
    if let Some(b) = ctx.best.as_ref().and_then(|b| v.strategy(b)) {
        rows.push(b);
    }
    if rows.is_empty() && !v.strategies.is_empty() {
        rows.push(0);
    }
    rows
}

/// The village at month 0, the programme's end and the last month.
pub fn snapshots(ctx: &Context, o: &Options) -> Result<Option<Figure>, PlotError> {
    let (Some(v), Some(lay)) = (&ctx.res.village, &ctx.layout) else { return Ok(None) };
    let rows = shown(ctx, v);
    let months_traced = rows.iter().map(|&s| v.states[s].len()).min().unwrap_or(0);
    if rows.is_empty() || months_traced == 0 || v.agents.is_empty() {
        return Ok(None);
    }
    let last = months_traced - 1;
    let mut months = vec![0, ctx.end.min(last), last];
    months.dedup();
    let fig = Snapshots { ctx, village: v, layout: lay, rows: rows.clone(), months: months.clone() };
    let mut cap = format!("One village of {} adults, pictured at months {}.", v.agents.len(), list_months(&months));
    for &s in &rows {
        let shares: Vec<String> =
            months.iter().map(|&m| format!("{}%", super::style::fixed(100.0 * women_acting(v, &v.states[s][m]), 0))).collect();
        cap.push_str(&format!(" {}: {} of its women took part.", strategy_label(&v.strategies[s]), shares.join(", then ")));
    }
    Ok(Some(finish("village", "How the change spreads through one village", cap, &fig, o)?))
}

fn list_months(m: &[usize]) -> String {
    let s: Vec<String> = m.iter().map(|x| x.to_string()).collect();
    super::compare::list(&s)
}

// ---------------------------------------------------------------------------
// Animation.

/// Size of an animation frame.
pub const GIF_SIZE: u32 = 600;
/// Frame delay in hundredths of a second (5 frames a second).
pub const GIF_DELAY: u16 = 20;

/// The unchanging part of an animation frame: title, ties, legend, the
/// bar of months.
struct Still<'a> {
    title: String,
    village: &'a Village,
    layout: &'a Layout,
    /// Month the programme ends, and months in the run.
    end: usize,
    months: usize,
}

/// The bar of months: left, right, top, bottom.
const BAR: (i32, i32, i32, i32) = (20, 580, 584, 592);

/// Pixel x of the end of month `m` on the bar.
fn bar_x(m: usize, months: usize) -> i32 {
    BAR.0 + ((BAR.1 - BAR.0) as f64 * (m + 1) as f64 / months.max(1) as f64).round() as i32
}

fn gif_frame() -> Frame {
    Frame { x: 90, y: 92, size: 420 }
}

impl Draw for Still<'_> {
    fn size(&self) -> (u32, u32) {
        (GIF_SIZE, GIF_SIZE)
    }

    fn draw<DB: DrawingBackend>(&self, root: &Area<DB>, z: Sizes) -> Result<(), PlotError> {
        root.fill(&WHITE).map_err(de)?;
        root.draw(&Text::new(self.title.clone(), (20, 12), anchored(bold(26.0, INK), HPos::Left, VPos::Top))).map_err(de)?;
        draw_ties(root, self.layout, gif_frame(), z)?;
        let (_, bottom) = root.split_vertically(522);
        parts::legend(&bottom, &keys(), 14, 0, 15.0, Sizes { k: 0.62 })?;
        // The run as a bar along the bottom, the programme darker.
        root.draw(&Rectangle::new([(BAR.0, BAR.2), (BAR.1, BAR.3)], RGBColor(230, 230, 230).filled())).map_err(de)?;
        let end = bar_x(self.end, self.months);
        root.draw(&Rectangle::new([(BAR.0, BAR.2), (end, BAR.3)], RGBColor(200, 200, 200).filled())).map_err(de)?;
        let _ = self.village;
        Ok(())
    }
}

/// Draw month `m`'s people and caption on a copy of the still.
fn month_frame(ctx: &Context, v: &Village, lay: &Layout, still: &[u8], states: &[u8], m: usize) -> Result<Vec<u8>, PlotError> {
    let mut buf = still.to_vec();
    {
        let root = super::text::Crisp(BitMapBackend::with_buffer(&mut buf, (GIF_SIZE, GIF_SIZE))).into_drawing_area();
        draw_nodes(&root, v, lay, states, gif_frame())?;
        root.draw(&Rectangle::new([(BAR.0, BAR.2), (bar_x(m, ctx.months), BAR.3)], okabe_ito::BLUISH_GREEN.filled())).map_err(de)?;
        let phase = if m <= ctx.end { "programme running" } else { "programme over" };
        let line = format!("Month {m} of {} ({phase})", ctx.months - 1);
        root.draw(&Text::new(line, (20, 48), anchored(font(19.0, MUTED), HPos::Left, VPos::Top))).map_err(de)?;
        let share = women_acting(v, states);
        let text = format!("{}% of women take part", super::style::fixed(100.0 * share, 0));
        root.draw(&Text::new(text, (580, 48), anchored(bold(19.0, okabe_ito::BLUISH_GREEN), HPos::Right, VPos::Top))).map_err(de)?;
        root.present().map_err(de)?;
    }
    Ok(buf)
}

/// One animated GIF per traced strategy: the village month by month.
pub fn animations(ctx: &Context) -> Result<Vec<Animation>, PlotError> {
    let (Some(v), Some(lay)) = (&ctx.res.village, &ctx.layout) else { return Ok(Vec::new()) };
    register_fonts();
    (0..v.strategies.len())
        .into_par_iter()
        .map(|s| {
            let name = &v.strategies[s];
            let still = Still {
                title: format!("One village: {}", strategy_label(name).to_lowercase()),
                village: v,
                layout: lay,
                end: ctx.end,
                months: ctx.months,
            };
            let (base, _, _) = render::rgb(&still, 1.0)?;
            let frames = v.states[s]
                .iter()
                .enumerate()
                .map(|(m, states)| month_frame(ctx, v, lay, &base, states, m))
                .collect::<Result<Vec<_>, _>>()?;
            let gif = encode_gif(&frames, GIF_SIZE as u16, GIF_SIZE as u16, GIF_DELAY)?;
            let last = v.states[s].last().map_or(f64::NAN, |x| women_acting(v, x));
            let first = v.states[s].first().map_or(f64::NAN, |x| women_acting(v, x));
            Ok(Animation {
                id: format!("village_{name}"),
                title: format!("One village month by month: {}", strategy_label(name).to_lowercase()),
                caption: format!(
                    "Each frame is one month ({} frames a second). Women taking part in this village: {}% at month 0, {}% at the last month.",
                    100 / GIF_DELAY,
                    super::style::fixed(100.0 * first, 0),
                    super::style::fixed(100.0 * last, 0)
                ),
                gif,
            })
        })
        .collect()
}

/// The fixed GIF palette: white, a grey ramp, and every colour the
/// pictures use blended with white in steps (anti-aliased edges and text).
fn palette() -> Vec<[u8; 3]> {
    let mut p: Vec<[u8; 3]> = Vec::new();
    for g in 0..32u32 {
        let x = (g * 255 / 31) as u8;
        p.push([x, x, x]);
    }
    let mut base: Vec<RGBColor> = (0..7).map(state_colour).collect();
    base.extend([okabe_ito::ORANGE, okabe_ito::REDDISH_PURPLE, okabe_ito::YELLOW, INK]);
    for c in base {
        for t in 0..12u32 {
            let mix = |a: u8| (u32::from(a) + (255 - u32::from(a)) * t / 12) as u8;
            p.push([mix(c.0), mix(c.1), mix(c.2)]);
        }
    }
    p.truncate(255);
    p
}

/// Encode RGB frames as an animated GIF with a fixed palette; each frame
/// after the first only stores the rectangle that changed, with unchanged
/// pixels transparent.
pub fn encode_gif(frames: &[Vec<u8>], w: u16, h: u16, delay: u16) -> Result<Vec<u8>, PlotError> {
    const CLEAR: u8 = 255;
    let pal = palette();
    let mut flat: Vec<u8> = pal.iter().flatten().copied().collect();
    flat.resize(256 * 3, 0);
    let mut cache: std::collections::HashMap<[u8; 3], u8> = std::collections::HashMap::new();
    let mut nearest = |c: [u8; 3]| -> u8 {
        *cache.entry(c).or_insert_with(|| {
            let d = |p: &[u8; 3]| -> i32 {
                let (dr, dg, db) =
                    (i32::from(p[0]) - i32::from(c[0]), i32::from(p[1]) - i32::from(c[1]), i32::from(p[2]) - i32::from(c[2]));
                2 * dr * dr + 4 * dg * dg + 3 * db * db
            };
            let mut best = 0;
            for (k, p) in pal.iter().enumerate() {
                if d(p) < d(&pal[best]) {
                    best = k;
                }
            }
            best as u8
        })
    };
    let (wu, hu) = (usize::from(w), usize::from(h));
    let enc_err = |e: gif::EncodingError| PlotError::Encode(e.to_string());
    let mut out = Vec::new();
    {
        let mut enc = gif::Encoder::new(&mut out, w, h, &flat).map_err(enc_err)?;
        enc.set_repeat(gif::Repeat::Infinite).map_err(enc_err)?;
        let mut prev: Option<(&[u8], Vec<u8>)> = None;
        for (k, f) in frames.iter().enumerate() {
            if f.len() != wu * hu * 3 {
                return Err(PlotError::Encode(format!("frame {k} has {} bytes, expected {}", f.len(), wu * hu * 3)));
            }
            let delay = if k + 1 == frames.len() { delay * 10 } else { delay };
            let (frame, idx) = match &prev {
                None => {
                    let idx: Vec<u8> = f.chunks_exact(3).map(|p| nearest([p[0], p[1], p[2]])).collect();
                    (gif::Frame { width: w, height: h, delay, buffer: std::borrow::Cow::Owned(idx.clone()), ..Default::default() }, idx)
                }
                Some((prgb, pidx)) => {
                    // Only pixels that changed colour are looked up; the
                    // frame stores the rectangle around them.
                    let mut idx = pidx.clone();
                    let (mut x0, mut y0, mut x1, mut y1) = (wu, hu, 0, 0);
                    for i in 0..wu * hu {
                        let c = &f[3 * i..3 * i + 3];
                        if c != &prgb[3 * i..3 * i + 3] {
                            let q = nearest([c[0], c[1], c[2]]);
                            if q != pidx[i] {
                                idx[i] = q;
                                let (x, y) = (i % wu, i / wu);
                                x0 = x0.min(x);
                                x1 = x1.max(x);
                                y0 = y0.min(y);
                                y1 = y1.max(y);
                            }
                        }
                    }
                    if x1 < x0 {
                        (x0, y0, x1, y1) = (0, 0, 0, 0);
                    }
                    let mut sub = Vec::with_capacity((x1 - x0 + 1) * (y1 - y0 + 1));
                    for y in y0..=y1 {
                        for x in x0..=x1 {
                            let i = y * wu + x;
                            sub.push(if idx[i] == pidx[i] { CLEAR } else { idx[i] });
                        }
                    }
                    let frame = gif::Frame {
                        left: x0 as u16,
                        top: y0 as u16,
                        width: (x1 - x0 + 1) as u16,
                        height: (y1 - y0 + 1) as u16,
                        delay,
                        transparent: Some(CLEAR),
                        dispose: gif::DisposalMethod::Keep,
                        buffer: std::borrow::Cow::Owned(sub),
                        ..Default::default()
                    };
                    (frame, idx)
                }
            };
            enc.write_frame(&frame).map_err(enc_err)?;
            prev = Some((f.as_slice(), idx));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::tables::{Role, VillageAgent};
    use super::*;

    fn village(n: usize) -> Village {
        let agent = |k: usize| VillageAgent {
            role: if k == 0 { Role::Gatekeeper } else { Role::Member },
            woman: k % 2 == 1,
            head: false,
            elite: false,
            disabled: false,
            marginalised: false,
            youth: false,
        };
        let mut ties = Vec::new();
        for i in 1..n as u32 {
            ties.push((i, if i % 2 == 1 { i + 1 } else { i - 1 }.min(n as u32 - 1), Layer::Household));
            ties.push((i, (i * 7) % n as u32, Layer::Peer));
            ties.push((i, 0, Layer::Leader));
        }
        Village { agents: (0..n).map(agent).collect(), ties, strategies: vec!["baseline".into()], states: vec![vec![vec![0; n]; 3]] }
    }

    #[test]
    fn layout_is_deterministic_and_in_the_unit_square() {
        let v = village(60);
        let a = layout(&v);
        assert_eq!(a, layout(&v));
        assert!(a.pos.iter().all(|p| (0.0..=1.0).contains(&p.0) && (0.0..=1.0).contains(&p.1)));
        // The leader sits near the centre.
        let (x, y) = a.pos[0];
        assert!((x - 0.5).abs() < 0.2 && (y - 0.5).abs() < 0.2, "{x},{y}");
        // Household members end up closer than the average pair.
        let d = |i: usize, j: usize| ((a.pos[i].0 - a.pos[j].0).powi(2) + (a.pos[i].1 - a.pos[j].1).powi(2)).sqrt();
        let home: f64 = a.household.iter().map(|&(i, j)| d(i as usize, j as usize)).sum::<f64>() / a.household.len() as f64;
        let all: f64 = (1..60).map(|i| d(i, (i + 30) % 60)).sum::<f64>() / 59.0;
        assert!(home < 0.5 * all, "household {home} vs any {all}");
        assert!(a.peer.iter().all(|&(i, j)| i < j));
    }

    #[test]
    fn gif_frames_round_trip_through_the_encoder() {
        let (w, h) = (8u16, 4u16);
        let white = vec![255u8; 8 * 4 * 3];
        let mut dot = white.clone();
        dot[3 * 9..3 * 9 + 3].copy_from_slice(&[0, 158, 115]);
        let mut two = dot.clone();
        two[3 * 30..3 * 30 + 3].copy_from_slice(&[213, 94, 0]);
        let frames = [white.clone(), dot, two, white];
        let gif = encode_gif(&frames, w, h, GIF_DELAY).unwrap();
        // Decode, paint each frame over the last (disposal: keep), compare.
        let mut opts = gif::DecodeOptions::new();
        opts.set_color_output(gif::ColorOutput::RGBA);
        let mut d = opts.read_info(gif.as_slice()).unwrap();
        let mut canvas = vec![0u8; 8 * 4 * 3];
        let mut k = 0;
        while let Some(f) = d.read_next_frame().unwrap() {
            for y in 0..usize::from(f.height) {
                for x in 0..usize::from(f.width) {
                    let s = 4 * (y * usize::from(f.width) + x);
                    if f.buffer[s + 3] == 0 {
                        continue;
                    }
                    let t = 3 * ((y + usize::from(f.top)) * 8 + x + usize::from(f.left));
                    canvas[t..t + 3].copy_from_slice(&f.buffer[s..s + 3]);
                }
            }
            assert_eq!(canvas, frames[k], "frame {k}");
            k += 1;
        }
        assert_eq!(k, frames.len());
    }
}

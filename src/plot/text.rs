//! Text in bitmaps, set like the SVG a browser shows: glyphs placed at
//! their exact (sub-pixel) advances with the embedded font, at the same
//! size and baseline as plotters' SVG backend puts them (font size =
//! plotters size / 1.24; top anchor 0.76 em above the baseline, centre
//! anchor half an x-height below it). Plotters' own bitmap text rounds each
//! glyph to whole pixels, which spaces letters unevenly.
//!
//! [`Crisp`] wraps plotters' bitmap backend and replaces only its text
//! drawing; every other call goes straight through.

use plotters::prelude::BitMapBackend;
use plotters::style::FontStyle;
use plotters::style::text_anchor::{HPos, VPos};
use plotters_backend::{BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind};

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};
use std::sync::OnceLock;

/// Plotters' font size over the CSS font size its SVG backend writes.
pub const SIZE_TO_EM: f64 = 1.24;

struct Fonts {
    regular: FontRef<'static>,
    bold: FontRef<'static>,
}

fn fonts() -> Option<&'static Fonts> {
    static FONTS: OnceLock<Option<Fonts>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let regular = FontRef::try_from_slice(include_bytes!("../../assets/fonts/LiberationSans-Regular.ttf")).ok()?;
            let bold = FontRef::try_from_slice(include_bytes!("../../assets/fonts/LiberationSans-Bold.ttf")).ok()?;
            Some(Fonts { regular, bold })
        })
        .as_ref()
}

fn font(bold: bool) -> Option<&'static FontRef<'static>> {
    fonts().map(|f| if bold { &f.bold } else { &f.regular })
}

/// The ab_glyph scale that gives an em of `em` pixels.
fn scale(f: &FontRef<'static>, em: f64) -> PxScale {
    let upem = f.units_per_em().unwrap_or(2048.0);
    PxScale::from((em as f32) * f.height_unscaled() / upem)
}

/// Width in pixels of `text` at plotters size `size`.
pub fn width(text: &str, size: f64, bold: bool) -> f64 {
    let Some(f) = font(bold) else { return 0.55 * size / SIZE_TO_EM * text.chars().count() as f64 };
    let sf = f.as_scaled(scale(f, size / SIZE_TO_EM));
    let mut w = 0.0f32;
    let mut prev = None;
    for c in text.chars() {
        let id = sf.glyph_id(c);
        if let Some(p) = prev {
            w += sf.kern(p, id);
        }
        w += sf.h_advance(id);
        prev = Some(id);
    }
    f64::from(w)
}

/// Plotters' bitmap backend with text set by [`draw`].
pub struct Crisp<'a>(pub BitMapBackend<'a>);

type Err<'a> = DrawingErrorKind<<BitMapBackend<'a> as DrawingBackend>::ErrorType>;

impl<'a> DrawingBackend for Crisp<'a> {
    type ErrorType = <BitMapBackend<'a> as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.0.get_size()
    }
    fn ensure_prepared(&mut self) -> Result<(), Err<'a>> {
        self.0.ensure_prepared()
    }
    fn present(&mut self) -> Result<(), Err<'a>> {
        self.0.present()
    }
    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Result<(), Err<'a>> {
        self.0.draw_pixel(point, color)
    }
    fn draw_line<S: BackendStyle>(&mut self, from: BackendCoord, to: BackendCoord, style: &S) -> Result<(), Err<'a>> {
        self.0.draw_line(from, to, style)
    }
    fn draw_rect<S: BackendStyle>(&mut self, ul: BackendCoord, br: BackendCoord, style: &S, fill: bool) -> Result<(), Err<'a>> {
        self.0.draw_rect(ul, br, style, fill)
    }
    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(&mut self, path: I, style: &S) -> Result<(), Err<'a>> {
        self.0.draw_path(path, style)
    }
    fn draw_circle<S: BackendStyle>(&mut self, c: BackendCoord, r: u32, style: &S, fill: bool) -> Result<(), Err<'a>> {
        self.0.draw_circle(c, r, style, fill)
    }
    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(&mut self, vert: I, style: &S) -> Result<(), Err<'a>> {
        self.0.fill_polygon(vert, style)
    }
    fn blit_bitmap(&mut self, pos: BackendCoord, size: (u32, u32), src: &[u8]) -> Result<(), Err<'a>> {
        self.0.blit_bitmap(pos, size, src)
    }

    fn estimate_text_size<T: BackendTextStyle>(&self, text: &str, style: &T) -> Result<(u32, u32), Err<'a>> {
        let bold = matches!(style.style(), FontStyle::Bold);
        Ok((width(text, style.size(), bold).ceil() as u32, (style.size() / SIZE_TO_EM).ceil() as u32))
    }

    fn draw_text<T: BackendTextStyle>(&mut self, text: &str, style: &T, pos: BackendCoord) -> Result<(), Err<'a>> {
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        let bold = matches!(style.style(), FontStyle::Bold);
        let Some(f) = font(bold) else { return Ok(()) };
        let em = style.size() / SIZE_TO_EM;
        let s = scale(f, em);
        let sf = f.as_scaled(s);
        let w = width(text, style.size(), bold) as f32;
        let x0 = match style.anchor().h_pos {
            HPos::Left => 0.0,
            HPos::Center => -w / 2.0,
            HPos::Right => -w,
        };
        // Half an x-height (0.52 em in Liberation Sans), as CSS's 0.5ex.
        let half_ex = 0.26 * em as f32;
        let baseline = match style.anchor().v_pos {
            VPos::Top => 0.76 * em as f32,
            VPos::Center => half_ex,
            VPos::Bottom => -half_ex,
        };
        let trans = style.transform();
        let (bw, bh) = self.get_size();
        let mut x = x0;
        let mut prev = None;
        for c in text.chars() {
            let id = sf.glyph_id(c);
            if let Some(p) = prev {
                x += sf.kern(p, id);
            }
            let glyph = id.with_scale_and_position(s, point(x, baseline));
            x += sf.h_advance(id);
            prev = Some(id);
            let Some(outline) = f.outline_glyph(glyph) else { continue };
            let b = outline.px_bounds();
            let mut pixels = Vec::new();
            outline.draw(|gx, gy, cov| {
                if cov > 0.0 {
                    pixels.push((b.min.x as i32 + gx as i32, b.min.y as i32 + gy as i32, cov));
                }
            });
            for (lx, ly, cov) in pixels {
                let (tx, ty) = trans.transform(lx, ly);
                let (px, py) = (pos.0 + tx, pos.1 + ty);
                if px < 0 || py < 0 || px as u32 >= bw || py as u32 >= bh {
                    continue;
                }
                let a = (color.alpha * f64::from(cov.min(1.0))).clamp(0.0, 1.0);
                self.0.draw_pixel((px, py), BackendColor { alpha: a, rgb: color.rgb })?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_fonts_load_and_measure() {
        assert!(fonts().is_some());
        let w = width("Month", 24.0, false);
        assert!(w > 30.0 && w < 90.0, "{w}");
        assert!(width("Month", 24.0, true) > w);
        assert_eq!(width("", 24.0, false), 0.0);
    }
}

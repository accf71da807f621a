//! Rendering a figure to memory: one drawing routine ([`Draw`]) is run on
//! plotters' SVG backend (a string, for print and the report) and on its
//! bitmap backend (RGB pixels, encoded here as PNG for slides or handed to
//! the GIF encoder). Nothing is written to disk here, so a failed figure
//! never leaves half a file.

use super::PlotError;
use super::style::{Sizes, register_fonts};
use plotters::coord::Shift;
use plotters::drawing::DrawingAreaErrorKind;
use plotters::prelude::*;

/// A drawing area of any backend.
pub type Area<DB> = DrawingArea<DB, Shift>;

/// A figure that can draw itself on any plotters backend.
pub trait Draw {
    /// Size in pixels at scale 1.
    fn size(&self) -> (u32, u32);
    /// Draw on `root`, whose size is `size()` times `z.k`.
    fn draw<DB: DrawingBackend>(&self, root: &Area<DB>, z: Sizes) -> Result<(), PlotError>;
}

/// Turn a plotters error into ours.
pub fn de<E: std::error::Error + Send + Sync>(e: DrawingAreaErrorKind<E>) -> PlotError {
    PlotError::Draw(e.to_string())
}

/// The figure as an SVG document, at scale 1.
pub fn svg(d: &impl Draw) -> Result<String, PlotError> {
    register_fonts();
    let mut s = String::new();
    {
        let root = SVGBackend::with_string(&mut s, d.size()).into_drawing_area();
        root.fill(&WHITE).map_err(de)?;
        d.draw(&root, Sizes { k: 1.0 })?;
        root.present().map_err(de)?;
    }
    // Liberation Sans has Arial's metrics, so text laid out with the
    // embedded font fits wherever any of these is installed.
    Ok(s.replace("font-family=\"sans-serif\"", &format!("font-family=\"{SVG_FONTS}\"")))
}

/// Font list for SVG text: the embedded font first, then fonts with the same metrics.
pub const SVG_FONTS: &str = "'Liberation Sans', Arimo, Arial, Helvetica, sans-serif";

/// The figure as RGB pixels at scale `k`, with its width and height.
pub fn rgb(d: &impl Draw, k: f64) -> Result<(Vec<u8>, u32, u32), PlotError> {
    register_fonts();
    let (w, h) = d.size();
    let (w, h) = ((f64::from(w) * k).round() as u32, (f64::from(h) * k).round() as u32);
    let mut buf = vec![255u8; (w as usize) * (h as usize) * 3];
    {
        let root = super::text::Crisp(BitMapBackend::with_buffer(&mut buf, (w, h))).into_drawing_area();
        d.draw(&root, Sizes { k })?;
        root.present().map_err(de)?;
    }
    Ok((buf, w, h))
}

/// The figure as a PNG file's bytes, at scale `k`.
pub fn png(d: &impl Draw, k: f64) -> Result<Vec<u8>, PlotError> {
    let (buf, w, h) = rgb(d, k)?;
    encode_png(&buf, w, h)
}

/// Encode RGB pixels as PNG.
pub fn encode_png(rgb: &[u8], w: u32, h: u32) -> Result<Vec<u8>, PlotError> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::High);
        let mut wr = enc.write_header().map_err(|e| PlotError::Encode(e.to_string()))?;
        wr.write_image_data(rgb).map_err(|e| PlotError::Encode(e.to_string()))?;
        wr.finish().map_err(|e| PlotError::Encode(e.to_string()))?;
    }
    Ok(out)
}

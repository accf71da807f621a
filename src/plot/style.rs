//! The look shared by every figure: the Okabe-Ito colour-blind-safe
//! palette, the embedded font (Liberation Sans, SIL OFL, registered with
//! plotters once), font sizes large enough to read when projected, and
//! plain-language names and number formats. No drawing happens here.

use plotters::style::{FontStyle, RGBColor, register_font};
use std::sync::Once;

/// Okabe-Ito palette (Okabe & Ito 2008), safe for the common colour-vision
/// deficiencies.
pub mod okabe_ito {
    use plotters::style::RGBColor;
    pub const BLACK: RGBColor = RGBColor(0, 0, 0);
    pub const ORANGE: RGBColor = RGBColor(230, 159, 0);
    pub const SKY_BLUE: RGBColor = RGBColor(86, 180, 233);
    pub const BLUISH_GREEN: RGBColor = RGBColor(0, 158, 115);
    pub const YELLOW: RGBColor = RGBColor(240, 228, 66);
    pub const BLUE: RGBColor = RGBColor(0, 114, 178);
    pub const VERMILLION: RGBColor = RGBColor(213, 94, 0);
    pub const REDDISH_PURPLE: RGBColor = RGBColor(204, 121, 167);
}
use okabe_ito::*;

/// Text and axes.
pub const INK: RGBColor = RGBColor(34, 34, 34);
/// Secondary text, gridlines' labels.
pub const MUTED: RGBColor = RGBColor(90, 90, 90);
/// Light gridlines.
pub const GRID: RGBColor = RGBColor(225, 225, 225);
/// The shaded programme window.
pub const WINDOW: RGBColor = RGBColor(238, 238, 238);
/// Colour of harms (sanctions, violence above baseline).
pub const HARM: RGBColor = VERMILLION;

/// Strategy colours: baseline is black; the others take these in order
/// (vermillion is kept for harm and comes last).
const STRATEGY_COLOURS: [RGBColor; 7] = [BLUE, ORANGE, BLUISH_GREEN, REDDISH_PURPLE, SKY_BLUE, VERMILLION, YELLOW];

/// Colour of strategy number `k` in `strategies` (baseline black).
pub fn strategy_colour(strategies: &[String], k: usize) -> RGBColor {
    if strategies.get(k).is_some_and(|s| s == super::BASELINE) {
        return BLACK;
    }
    let before = strategies.iter().take(k).filter(|s| *s != super::BASELINE).count();
    STRATEGY_COLOURS[before % STRATEGY_COLOURS.len()]
}

/// The family name the embedded font is registered under.
pub const FAMILY: &str = "sans-serif";

static FONT: Once = Once::new();

/// Register the embedded font with plotters (once per process). Plotters
/// keeps registered fonts in a global table; registering the same bytes
/// twice would be harmless, the `Once` only saves the work.
pub fn register_fonts() {
    FONT.call_once(|| {
        // The files are valid fonts (a test draws text with them), so the
        // errors cannot happen; ignoring them keeps drawing panic-free.
        let _ = register_font(FAMILY, FontStyle::Normal, include_bytes!("../../assets/fonts/LiberationSans-Regular.ttf"));
        let _ = register_font(FAMILY, FontStyle::Bold, include_bytes!("../../assets/fonts/LiberationSans-Bold.ttf"));
    });
}

/// Sizes for one figure, in pixels at scale `k` (1 for a 1280-pixel-wide
/// figure).
#[derive(Clone, Copy, Debug)]
pub struct Sizes {
    pub k: f64,
}

impl Sizes {
    pub fn px(self, x: f64) -> i32 {
        (x * self.k).round() as i32
    }
    pub fn pxu(self, x: f64) -> u32 {
        (x * self.k).round().max(0.0) as u32
    }
    pub fn title(self) -> f64 {
        34.0 * self.k
    }
    pub fn subtitle(self) -> f64 {
        26.0 * self.k
    }
    pub fn label(self) -> f64 {
        24.0 * self.k
    }
    pub fn tick(self) -> f64 {
        21.0 * self.k
    }
    pub fn line(self) -> u32 {
        self.pxu(3.5)
    }
}

/// A strategy's name in plain words: `baseline` is "No programme",
/// `male_champions` is "Male champions".
pub fn strategy_label(name: &str) -> String {
    if name == super::BASELINE {
        return "No programme".to_string();
    }
    sentence(name)
}

/// `snake_case` as a sentence-case phrase, with the possessives names
/// cannot spell (`womens_orgs_core` is "Women's orgs core").
pub fn sentence(name: &str) -> String {
    let words: Vec<&str> = name
        .split('_')
        .map(|w| match w {
            "womens" => "women's",
            "mens" => "men's",
            _ => w,
        })
        .collect();
    let words = words.join(" ");
    let mut c = words.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Width of `text` in pixels at plotters size `size`, regular weight.
pub fn text_width(text: &str, size: f64) -> f64 {
    super::text::width(text, size, false)
}

/// Width of `text` in pixels at plotters size `size`, bold.
pub fn bold_width(text: &str, size: f64) -> f64 {
    super::text::width(text, size, true)
}

/// A whole number with thousands separators: 158732 -> "158,732".
pub fn thousands(x: f64) -> String {
    if !x.is_finite() {
        return "-".to_string();
    }
    let n = x.round() as i64;
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// A short amount: 158732 -> "159k", 2.4e6 -> "2.4M".
pub fn short(x: f64) -> String {
    if !x.is_finite() {
        "-".to_string()
    } else if x.abs() >= 1e6 {
        format!("{:.1}M", x / 1e6)
    } else if x.abs() >= 1e4 {
        format!("{:.0}k", x / 1e3)
    } else if x.abs() >= 1e3 {
        format!("{:.1}k", x / 1e3)
    } else {
        format!("{x:.0}")
    }
}

/// Format a number with `d` decimals, without a negative zero.
pub fn fixed(x: f64, d: usize) -> String {
    let s = format!("{x:.d$}");
    if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') { s[1..].to_string() } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_numbers_read_plainly() {
        assert_eq!(strategy_label("baseline"), "No programme");
        assert_eq!(strategy_label("male_champions"), "Male champions");
        assert_eq!(strategy_label("womens_orgs_core"), "Women's orgs core");
        assert_eq!(sentence("mens_groups"), "Men's groups");
        assert_eq!(thousands(158732.4), "158,732");
        assert_eq!(thousands(-1000.0), "-1,000");
        assert_eq!(short(158732.0), "159k");
        assert_eq!(fixed(-0.04, 1), "0.0");
        let s: Vec<String> = ["baseline", "a", "b"].iter().map(|x| x.to_string()).collect();
        assert_eq!(strategy_colour(&s, 0), BLACK);
        assert_eq!(strategy_colour(&s, 1), BLUE);
        assert_eq!(strategy_colour(&s, 2), ORANGE);
    }
}

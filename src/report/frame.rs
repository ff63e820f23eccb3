//! The shared chart frame: fonts, the Okabe–Ito palette, the header (title, subtitle, legend),
//! the axes, and rendering one chart to PNG and SVG with atomic writes. Every chart goes through
//! here, so all charts look alike and a variant has the same colour everywhere.

use std::ops::Range;
use std::path::{Path, PathBuf};

use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::error::ReportError;
use super::write_atomic;

/// Chart size in pixels: readable on a 1280×720 projector.
pub(crate) const WIDTH: u32 = 1280;
pub(crate) const HEIGHT: u32 = 720;
/// Height of the header strip holding title, subtitle and legend.
const HEADER: u32 = 150;
/// The font family name the bundled DejaVu fonts are registered under.
const FAMILY: &str = "sans-serif";

/// Okabe–Ito colour-blind-safe palette, ordered so the first two variants get the strongest
/// contrast (vermillion vs blue); yellow comes last because it is faint on white.
const OKABE_ITO: [RGBColor; 8] = [
    RGBColor(0xD5, 0x5E, 0x00),
    RGBColor(0x00, 0x72, 0xB2),
    RGBColor(0x00, 0x9E, 0x73),
    RGBColor(0xE6, 0x9F, 0x00),
    RGBColor(0xCC, 0x79, 0xA7),
    RGBColor(0x56, 0xB4, 0xE9),
    RGBColor(0x00, 0x00, 0x00),
    RGBColor(0xF0, 0xE4, 0x42),
];
/// The `i`-th colour of the palette (the colour of the `i`-th variant), for charts whose
/// series are not variants.
pub(crate) fn colour(i: usize) -> RGBColor {
    OKABE_ITO[i % OKABE_ITO.len()]
}

/// Neutral grey for "undecided" and reference lines.
pub(crate) const GREY: RGBColor = RGBColor(0x99, 0x99, 0x99);
const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);

/// Registers the bundled fonts once, so charts render on machines without system fonts.
pub(crate) fn ensure_fonts() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // The fonts ship with the crate and are known to parse; a failure would show up as
        // missing text in the tests, not as a panic here.
        let _ = plotters::style::register_font(
            FAMILY,
            FontStyle::Normal,
            include_bytes!("../../assets/DejaVuSans.ttf"),
        );
        let _ = plotters::style::register_font(
            FAMILY,
            FontStyle::Bold,
            include_bytes!("../../assets/DejaVuSans-Bold.ttf"),
        );
    });
}

/// Strategies with a colour of their own, the same in every report: the quarter-driven
/// preset vermillion, the customer-aligned one blue, a calibrated market's own way of selling
/// ("yours") bluish green. Indices into [`OKABE_ITO`].
const NAMED_COLOURS: [(&str, usize); 3] = [("aggressive", 0), ("aligned", 1), ("yours", 2)];

/// Variant → colour, by the variant's name, not its place in the manifest: a strategy keeps its
/// colour across reports (the lesson's aggressive is the calibrated market's aggressive). The
/// names of [`NAMED_COLOURS`] have theirs; any other name gets one of the remaining colours from
/// a fixed hash of the name (FNV-1a, the same on every machine and build). Two names of one
/// report that would share a colour are told apart: the later in alphabetical order takes the
/// next free colour (so their colours depend only on the set of names, never on the order).
#[derive(Debug, Clone)]
pub(crate) struct Palette {
    variants: Vec<String>,
    colours: Vec<RGBColor>,
}

/// The palette index a name asks for: its named colour, else its hash among the others.
fn wanted(name: &str) -> usize {
    if let Some((_, i)) = NAMED_COLOURS.iter().find(|(n, _)| *n == name) {
        return *i;
    }
    let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let others = OKABE_ITO.len() - NAMED_COLOURS.len();
    NAMED_COLOURS.len() + (hash % others as u64) as usize
}

impl Palette {
    pub fn new(variants: Vec<String>) -> Self {
        let mut order: Vec<&String> = variants.iter().collect();
        // Named strategies first (they keep their colour), then the others alphabetically.
        order.sort_by_key(|v| (wanted(v) >= NAMED_COLOURS.len(), v.to_string()));
        let mut taken: Vec<(String, usize)> = Vec::new();
        for v in order {
            let start = wanted(v);
            let free = (0..OKABE_ITO.len())
                .map(|k| (start + k) % OKABE_ITO.len())
                .find(|i| taken.iter().all(|(_, t)| t != i))
                .unwrap_or(start);
            taken.push((v.clone(), free));
        }
        let colours = variants
            .iter()
            .map(|v| {
                let i = taken.iter().find(|(n, _)| n == v).map_or(0, |(_, i)| *i);
                OKABE_ITO[i]
            })
            .collect();
        Palette { variants, colours }
    }

    pub fn variants(&self) -> &[String] {
        &self.variants
    }

    pub fn color(&self, variant: &str) -> RGBColor {
        match self.variants.iter().position(|v| v == variant) {
            Some(i) => self.colours[i],
            None => OKABE_ITO[wanted(variant)],
        }
    }

    /// The legend entries for all variants.
    pub fn legend(&self) -> Vec<(String, RGBColor)> {
        self.variants
            .iter()
            .map(|v| (v.clone(), self.color(v)))
            .collect()
    }
}

/// A plotting failure, converted from whichever backend produced it.
#[derive(Debug)]
pub(crate) struct ChartError(pub String);

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for ChartError {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        ChartError(e.to_string())
    }
}

pub(crate) type DrawResult = Result<(), ChartError>;

/// A font of the bundled family.
pub(crate) fn font(size: f64) -> TextStyle<'static> {
    (FAMILY, size).into_font().color(&INK)
}

fn bold(size: f64) -> TextStyle<'static> {
    (FAMILY, size, FontStyle::Bold).into_font().color(&INK)
}

/// One chart: what it is called, what question it answers, and how to draw its body.
pub(crate) trait Chart {
    /// File stem under `charts/`.
    fn name(&self) -> String;
    /// The question the chart answers, used as its title.
    fn title(&self) -> String;
    /// Second header line: what is plotted and what the bands mean.
    fn subtitle(&self) -> String;
    /// One line for the report: what to look at.
    fn caption(&self) -> String;
    /// Legend entries (label, colour).
    fn legend(&self) -> Vec<(String, RGBColor)>;
    /// Draws the body (everything below the header).
    fn draw<DB: DrawingBackend>(&self, body: &DrawingArea<DB, Shift>) -> DrawResult;
}

/// A chart written to disk, with its SVG text kept for inlining into the report.
#[derive(Debug, Clone)]
pub(crate) struct Rendered {
    pub name: String,
    pub title: String,
    pub caption: String,
    pub png: PathBuf,
    pub svg_path: PathBuf,
    pub svg: String,
}

/// Draws `chart` to `charts_dir/<name>.png` and `.svg`, each written atomically.
pub(crate) fn render<C: Chart>(charts_dir: &Path, chart: &C) -> Result<Rendered, ReportError> {
    let name = chart.name();
    let fail = |e: ChartError| ReportError::Chart {
        chart: name.clone(),
        message: e.0,
    };
    let svg = svg(chart)?;
    let mut rgb = vec![0u8; (WIDTH * HEIGHT * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (WIDTH, HEIGHT)).into_drawing_area();
        draw_whole(&root, chart).map_err(fail)?;
    }
    let png_bytes = encode_png(rgb).map_err(|e| fail(ChartError(e)))?;
    let png = charts_dir.join(format!("{name}.png"));
    let svg_path = charts_dir.join(format!("{name}.svg"));
    write_atomic(&png, &png_bytes)?;
    write_atomic(&svg_path, svg.as_bytes())?;
    Ok(Rendered {
        name,
        title: chart.title(),
        caption: chart.caption(),
        png,
        svg_path,
        svg,
    })
}

/// Draws `chart` as SVG text, for inlining into a page.
pub(crate) fn svg<C: Chart>(chart: &C) -> Result<String, ReportError> {
    svg_sized(chart, (WIDTH, HEIGHT))
}

/// [`svg`] on a canvas of `size` pixels: the same fonts on a smaller canvas read larger once the
/// page scales the chart to its width (the live page's charts).
pub(crate) fn svg_sized<C: Chart>(chart: &C, size: (u32, u32)) -> Result<String, ReportError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        draw_whole(&root, chart).map_err(|e| ReportError::Chart {
            chart: chart.name(),
            message: e.0,
        })?;
    }
    Ok(svg)
}

fn encode_png(rgb: Vec<u8>) -> Result<Vec<u8>, String> {
    let image =
        image::RgbImage::from_raw(WIDTH, HEIGHT, rgb).ok_or("pixel buffer has the wrong size")?;
    let mut out = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut out, image::ImageOutputFormat::Png)
        .map_err(|e| e.to_string())?;
    Ok(out.into_inner())
}

fn draw_whole<DB: DrawingBackend, C: Chart>(
    root: &DrawingArea<DB, Shift>,
    chart: &C,
) -> DrawResult {
    ensure_fonts();
    root.fill(&WHITE)?;
    let (header, body) = root.split_vertically(HEADER);
    draw_header(&header, &chart.title(), &chart.subtitle(), &chart.legend())?;
    chart.draw(&body)?;
    root.present()?;
    Ok(())
}

fn draw_header<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: &str,
    legend: &[(String, RGBColor)],
) -> DrawResult {
    let top_left = Pos::new(HPos::Left, VPos::Top);
    area.draw(&Text::new(
        title.to_string(),
        (36, 18),
        bold(36.0).pos(top_left),
    ))?;
    area.draw(&Text::new(
        subtitle.to_string(),
        (38, 66),
        font(22.0).pos(top_left),
    ))?;
    // One row at the largest size that fits the chart's width; else two rows at the smallest.
    let room = area.dim_in_pixel().0 as i32 - 38 - 16;
    let widths = |size: f64| -> Result<Vec<i32>, DrawingAreaErrorKind<DB::ErrorType>> {
        let gap = (size * 1.6) as i32 + (size * 1.8) as i32;
        legend
            .iter()
            .map(|(label, _)| {
                let (w, _) = area.estimate_text_size(label, &font(size))?;
                Ok(w as i32 + gap)
            })
            .collect()
    };
    for size in [24.0, 20.0, 17.0] {
        let w = widths(size)?;
        if w.iter().sum::<i32>() <= room || size == 17.0 {
            let rows = if w.iter().sum::<i32>() <= room {
                vec![(121, 0..legend.len())]
            } else {
                let mut first = 0;
                let mut used = 0;
                while first < legend.len() && used + w[first] <= room {
                    used += w[first];
                    first += 1;
                }
                vec![(104, 0..first), (136, first..legend.len())]
            };
            for (y, entries) in rows {
                let mut x = 38;
                for i in entries {
                    let (label, color) = &legend[i];
                    let half = (size * 0.46) as i32;
                    let mid_left = Pos::new(HPos::Left, VPos::Center);
                    area.draw(&Rectangle::new(
                        [(x, y - half), (x + (size * 1.17) as i32, y + half)],
                        color.filled(),
                    ))?;
                    area.draw(&Text::new(
                        label.clone(),
                        (x + (size * 1.6) as i32, y),
                        font(size).pos(mid_left),
                    ))?;
                    x += w[i];
                }
            }
            break;
        }
    }
    Ok(())
}

/// A 2-D chart context with f64 axes, as every salesim chart uses.
pub(crate) type Plot<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Formats a tick value.
pub(crate) type TickFormat<'a> = &'a dyn Fn(&f64) -> String;

/// Axis ranges, labels (with units) and tick formats for one panel.
pub(crate) struct Axes<'a> {
    pub x: Range<f64>,
    pub y: Range<f64>,
    pub x_label: &'a str,
    pub y_label: &'a str,
    pub x_ticks: usize,
    pub y_ticks: usize,
    pub x_format: TickFormat<'a>,
    pub y_format: TickFormat<'a>,
    /// Optional small title above the panel (for multi-panel charts).
    pub panel_title: Option<&'a str>,
    /// Width reserved for the y tick labels.
    pub y_label_area: u32,
}

impl<'a> Axes<'a> {
    /// Axes with plain number ticks.
    pub fn new(x: Range<f64>, y: Range<f64>, x_label: &'a str, y_label: &'a str) -> Self {
        Axes {
            x,
            y,
            x_label,
            y_label,
            x_ticks: 13,
            y_ticks: 8,
            x_format: &plain_tick,
            y_format: &plain_tick,
            panel_title: None,
            y_label_area: 110,
        }
    }
}

/// Default tick format: no trailing zeros, thousands grouped.
pub(crate) fn plain_tick(v: &f64) -> String {
    let a = v.abs();
    if a >= 1000.0 {
        crate::shown::group_thousands(*v, 0)
    } else if a >= 10.0 || (v.fract() == 0.0) {
        format!("{v:.0}")
    } else {
        let s = format!("{v:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// Percentage ticks for values stored as fractions.
pub(crate) fn percent_tick(v: &f64) -> String {
    format!("{:.0}%", v * 100.0)
}

/// Tick formatter that names categories placed at integer positions 0, 1, 2, ...
pub(crate) fn category_tick(names: &[String]) -> impl Fn(&f64) -> String + '_ {
    move |v: &f64| {
        let i = v.round();
        if (v - i).abs() < 1e-6 && i >= 0.0 {
            names.get(i as usize).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    }
}

/// Builds the panel: margins, axis labels with units, grid and tick labels in projector sizes.
pub(crate) fn panel<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    axes: &Axes,
) -> Result<Plot<'a, DB>, ChartError> {
    let mut builder = ChartBuilder::on(area);
    builder
        .margin_left(16)
        .margin_right(36)
        .margin_top(if axes.panel_title.is_some() { 8 } else { 16 })
        .margin_bottom(12)
        .x_label_area_size(70)
        .y_label_area_size(axes.y_label_area);
    if let Some(t) = axes.panel_title {
        builder.caption(t, bold(24.0));
    }
    let mut chart = builder.build_cartesian_2d(axes.x.clone(), axes.y.clone())?;
    chart
        .configure_mesh()
        .x_desc(axes.x_label)
        .y_desc(axes.y_label)
        .x_labels(axes.x_ticks)
        .y_labels(axes.y_ticks)
        .x_label_formatter(axes.x_format)
        .y_label_formatter(axes.y_format)
        .label_style(font(22.0))
        .axis_desc_style(font(24.0))
        .light_line_style(TRANSPARENT)
        .bold_line_style(RGBColor(0xE4, 0xE4, 0xE4))
        .draw()?;
    Ok(chart)
}

/// A mean line with markers over a translucent 95% band.
pub(crate) fn line_with_band<DB: DrawingBackend>(
    plot: &mut Plot<DB>,
    points: &[(f64, super::stats::Band)],
    color: RGBColor,
) -> DrawResult {
    let pts: Vec<_> = points.iter().filter(|(_, b)| b.mean.is_finite()).collect();
    let upper = pts.iter().map(|(x, b)| (*x, b.high));
    let lower = pts.iter().rev().map(|(x, b)| (*x, b.low));
    let outline: Vec<(f64, f64)> = upper.chain(lower).collect();
    if outline.len() >= 3 {
        plot.draw_series(std::iter::once(Polygon::new(
            outline,
            color.mix(0.22).filled(),
        )))?;
    }
    let line: Vec<(f64, f64)> = pts.iter().map(|(x, b)| (*x, b.mean)).collect();
    plot.draw_series(LineSeries::new(line.clone(), color.stroke_width(4)))?;
    plot.draw_series(line.into_iter().map(|p| Circle::new(p, 6, color.filled())))?;
    Ok(())
}

/// A horizontal or vertical reference line (e.g. quota = 1.0, zero difference), dashed.
pub(crate) fn dashed_line<DB: DrawingBackend>(
    plot: &mut Plot<DB>,
    from: (f64, f64),
    to: (f64, f64),
) -> DrawResult {
    plot.draw_series(DashedLineSeries::new(
        vec![from, to],
        12,
        8,
        INK.stroke_width(3),
    ))?;
    Ok(())
}

/// The one value all the finite `values` take, if they take only one (or there are none: NaN):
/// a chart or panel of them would show a flat line of nothing, and is left out.
pub(crate) fn flat(values: impl IntoIterator<Item = f64>) -> Option<f64> {
    let mut first: Option<f64> = None;
    for v in values.into_iter().filter(|v| v.is_finite()) {
        match first {
            None => first = Some(v),
            Some(f) if (v - f).abs() <= 1e-12 * f.abs().max(1.0) => {}
            Some(_) => return None,
        }
    }
    Some(first.unwrap_or(f64::NAN))
}

/// A panel left out: its title and, where its plot would be, one line saying why.
pub(crate) fn skipped_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    why: &str,
) -> DrawResult {
    let (w, h) = area.dim_in_pixel();
    let top = Pos::new(HPos::Center, VPos::Top);
    area.draw(&Text::new(
        title.to_string(),
        (w as i32 / 2, 10),
        bold(24.0).pos(top),
    ))?;
    area.draw(&Text::new(
        why.to_string(),
        (w as i32 / 2, h as i32 / 2),
        font(20.0)
            .color(&GREY)
            .pos(Pos::new(HPos::Center, VPos::Center)),
    ))?;
    Ok(())
}

/// A y range from data with 8% headroom; zero is included when `from_zero`.
pub(crate) fn padded(values: impl IntoIterator<Item = f64>, from_zero: bool) -> Range<f64> {
    let (mut lo, mut hi) = values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if !lo.is_finite() {
        return 0.0..1.0;
    }
    if from_zero {
        lo = lo.min(0.0);
        hi = hi.max(0.0);
    }
    let pad = ((hi - lo) * 0.08).max(hi.abs().max(1e-9) * 0.02);
    let lo = if from_zero && lo >= 0.0 {
        0.0
    } else {
        lo - pad
    };
    hi += pad;
    lo..hi
}

#[cfg(test)]
mod legend_tests {
    use super::*;

    #[test]
    fn a_flat_series_is_recognised() {
        assert_eq!(flat([0.0, 0.0, f64::NAN, 0.0]), Some(0.0));
        assert_eq!(flat([2.5, 2.5]), Some(2.5));
        assert_eq!(flat([0.0, 0.0, 1.0]), None);
        assert!(flat(std::iter::empty()).unwrap().is_nan());
    }

    fn palette(names: &[&str]) -> Palette {
        Palette::new(names.iter().map(|n| n.to_string()).collect())
    }

    #[test]
    fn a_strategy_keeps_its_colour_across_reports() {
        let lesson = palette(&["aggressive", "aligned"]);
        let calibrated = palette(&["yours", "aggressive", "aligned"]);
        for name in ["aggressive", "aligned"] {
            assert_eq!(lesson.color(name), calibrated.color(name), "{name}");
        }
        // Not by position: the order of the manifest does not matter either.
        let swapped = palette(&["aligned", "aggressive"]);
        assert_eq!(swapped.color("aggressive"), lesson.color("aggressive"));
        let (a, b) = (palette(&["steady", "paced"]), palette(&["paced", "steady"]));
        assert_eq!(a.color("steady"), b.color("steady"));
        assert_eq!(a.color("paced"), b.color("paced"));
    }

    #[test]
    fn the_variants_of_one_report_have_distinct_colours() {
        let names = [
            "yours",
            "aggressive",
            "aligned",
            "all-aggressive",
            "all-aligned",
            "blend",
            "alternating",
            "current",
        ];
        let p = palette(&names);
        let colours: std::collections::BTreeSet<(u8, u8, u8)> = names
            .iter()
            .map(|n| {
                let c = p.color(n);
                (c.0, c.1, c.2)
            })
            .collect();
        assert_eq!(colours.len(), names.len());
    }

    /// A chart with only a header: `n` variants with long names.
    struct Crowded(usize);

    impl Chart for Crowded {
        fn name(&self) -> String {
            "crowded".into()
        }
        fn title(&self) -> String {
            "t".into()
        }
        fn subtitle(&self) -> String {
            "s".into()
        }
        fn caption(&self) -> String {
            "c".into()
        }
        fn legend(&self) -> Vec<(String, RGBColor)> {
            (0..self.0)
                .map(|i| (format!("variant-with-a-long-name-{i}"), OKABE_ITO[i % 8]))
                .collect()
        }
        fn draw<DB: DrawingBackend>(&self, _: &DrawingArea<DB, Shift>) -> DrawResult {
            Ok(())
        }
    }

    /// Each legend label's (x, y) in the chart's SVG.
    fn label_positions(n: usize) -> Vec<(f64, f64)> {
        let dir = tempfile::tempdir().unwrap();
        let svg = render(dir.path(), &Crowded(n)).unwrap().svg;
        (0..n)
            .map(|i| {
                let label = format!(">\nvariant-with-a-long-name-{i}\n<");
                let at = svg.find(&label).unwrap_or_else(|| panic!("{label} drawn"));
                let tag = &svg[svg[..at].rfind("<text").unwrap()..at];
                let attr = |name: &str| -> f64 {
                    let start = tag.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
                    tag[start..start + tag[start..].find('"').unwrap()]
                        .parse()
                        .unwrap()
                };
                (attr("x"), attr("y"))
            })
            .collect()
    }

    #[test]
    fn a_long_legend_stays_inside_the_chart() {
        for n in [2, 6, 8] {
            let positions = label_positions(n);
            let rows: std::collections::BTreeSet<i64> =
                positions.iter().map(|(_, y)| *y as i64).collect();
            for (x, y) in &positions {
                assert!(*x < WIDTH as f64 - 200.0, "{n} labels: one starts at x {x}");
                assert!(*y < HEADER as f64, "{n} labels: one sits at y {y}");
            }
            assert_eq!(
                rows.len(),
                if n == 2 { 1 } else { 2 },
                "{n} labels: rows {rows:?}"
            );
        }
    }
}

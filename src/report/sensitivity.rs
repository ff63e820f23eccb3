//! The report of a sensitivity study: the tornado chart (through the shared chart frame, so it
//! looks like every other chart) and a self-contained `report.html` whose first section, "What
//! decides the answer", ranks the knobs in plain words, says which a CRM export reveals, and
//! gives the value at which the answer flips for the top knobs it cannot reveal.

use std::fmt::Write as _;
use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::error::ReportError;
use super::frame::{
    category_tick, colour, dashed_line, padded, panel, render, Axes, Chart, DrawResult, Rendered,
    GREY,
};
use super::html::page_head;
use super::markup::{esc, figure};
use crate::output::sensitivity::{comparison, flip_sentence, short};
use crate::output::summary::{signed, signed_percent};
use crate::sensitivity::knob_count;
use crate::sensitivity::{Effects, Output, Study};

/// The tornado chart's file stem.
pub(crate) const TORNADO: &str = "tornado";

/// Knobs ranked in the report's words, per comparison.
const WORDS_KNOBS: usize = 8;

/// Colour of knobs a CRM export reveals, and of those it cannot (the palette's blue and
/// vermillion).
fn observable_colour(observable: bool) -> RGBColor {
    colour(if observable { 1 } else { 0 })
}

/// The tornado: for the first comparison, each of the most influential knobs at both ends of its
/// range, the others at the scenario's values.
struct Tornado<'a> {
    study: &'a Study,
    variant: usize,
}

impl Tornado<'_> {
    /// (knob path, low-end %, high-end %, observable) of the most influential knobs by Morris
    /// μ*, the widest swing first (the tornado's shape).
    fn rows(&self) -> Vec<(String, f64, f64, bool)> {
        let mut rows: Vec<(String, f64, f64, bool)> = self
            .study
            .swings
            .iter()
            .take(crate::sensitivity::TORNADO_KNOBS)
            .filter_map(|s| {
                let (lo, hi) = (s.at_low[self.variant]?, s.at_high[self.variant]?);
                let knob = &self.study.knobs[s.knob];
                Some((knob.path.clone(), lo.pct, hi.pct, knob.observable()))
            })
            .collect();
        // Stable: equal swings keep the μ* order.
        rows.sort_by(|a, b| (b.2 - b.1).abs().total_cmp(&(a.2 - a.1).abs()));
        rows
    }
}

impl Chart for Tornado<'_> {
    fn name(&self) -> String {
        TORNADO.to_string()
    }

    fn title(&self) -> String {
        "What decides the answer: one knob at a time".to_string()
    }

    fn subtitle(&self) -> String {
        format!(
            "{}, % of {}'s bookings, with one knob at the low (○) or high (●) end of its range",
            comparison(self.study, self.variant),
            self.study.config.variants[self.study.config.reference].name
        )
    }

    fn caption(&self) -> String {
        let rows = self.rows();
        let crossing: Vec<&str> = rows
            .iter()
            .filter(|(_, lo, hi, _)| lo * hi < 0.0)
            .map(|(p, ..)| p.as_str())
            .collect();
        let base = self.study.at_scenario[self.variant]
            .map(|d| {
                format!(
                    "the grey line is the scenario's own answer ({})",
                    signed_percent(d.pct)
                )
            })
            .unwrap_or_default();
        let crossing = if crossing.is_empty() {
            "no single knob moves the answer across zero within its range".to_string()
        } else {
            format!(
                "a bar across the dashed zero line flips the answer on its own: {}",
                crossing.join(", ")
            )
        };
        format!(
            "The {} most influential knobs by Morris μ*, the widest swing at the top; {base}; {crossing}. Blue: a CRM export reveals it; vermillion: an assumption to check. {} replications per end.",
            self.rows().len(),
            self.study.design.flip_replications
        )
    }

    fn legend(&self) -> Vec<(String, RGBColor)> {
        vec![
            (
                "a CRM export reveals it".to_string(),
                observable_colour(true),
            ),
            (
                "an assumption to check".to_string(),
                observable_colour(false),
            ),
        ]
    }

    fn draw<DB: DrawingBackend>(&self, body: &DrawingArea<DB, Shift>) -> DrawResult {
        let rows = self.rows();
        let n = rows.len().max(1);
        // Top row first: the most influential knob at the top.
        let names: Vec<String> = rows.iter().rev().map(|(p, ..)| p.clone()).collect();
        let ticks = category_tick(&names);
        let base = self.study.at_scenario[self.variant].map(|d| d.pct);
        let x = padded(
            rows.iter()
                .flat_map(|(_, lo, hi, _)| [*lo, *hi])
                .chain(base),
            true,
        );
        let longest = names.iter().map(|s| s.chars().count()).max().unwrap_or(10);
        let mut axes = Axes::new(
            x.clone(),
            -0.5..n as f64 - 0.5,
            "difference in bookings (%)",
            "",
        );
        let signed_tick = |v: &f64| format!("{}%", signed(*v, 0));
        axes.y_ticks = n;
        axes.y_format = &ticks;
        axes.x_format = &signed_tick;
        axes.x_ticks = 10;
        axes.y_label_area = (12 * longest as u32 + 30).clamp(120, 560);
        let mut plot = panel(body, &axes)?;
        dashed_line(&mut plot, (0.0, -0.5), (0.0, n as f64 - 0.5))?;
        if let Some(b) = base {
            plot.draw_series(std::iter::once(PathElement::new(
                vec![(b, -0.5), (b, n as f64 - 0.5)],
                GREY.stroke_width(3),
            )))?;
        }
        for (i, (_, lo, hi, observable)) in rows.iter().enumerate() {
            let y = (n - 1 - i) as f64;
            let c = observable_colour(*observable);
            plot.draw_series(std::iter::once(Rectangle::new(
                [(lo.min(*hi), y - 0.3), (lo.max(*hi), y + 0.3)],
                c.mix(0.75).filled(),
            )))?;
            plot.draw_series(std::iter::once(Circle::new((*lo, y), 8, WHITE.filled())))?;
            plot.draw_series(std::iter::once(Circle::new(
                (*lo, y),
                8,
                BLACK.stroke_width(3),
            )))?;
            plot.draw_series(std::iter::once(Circle::new((*hi, y), 8, BLACK.filled())))?;
        }
        Ok(())
    }
}

/// Draws the tornado chart and writes `report.html` into `dir`.
pub fn build(dir: &Path, study: &Study, command: &str) -> Result<(), ReportError> {
    let charts_dir = dir.join(super::CHARTS_DIR);
    std::fs::create_dir_all(&charts_dir).map_err(|source| ReportError::Write {
        path: charts_dir.clone(),
        source,
    })?;
    let tornado = match study.compared().first() {
        Some(&variant) => Some(render(&charts_dir, &Tornado { study, variant })?),
        None => None,
    };
    super::write_atomic(
        &dir.join("report.html"),
        page(study, tornado.as_ref(), command).as_bytes(),
    )
}

/// "raising it favours aligned": which way a knob pushes the comparison, from the sign of μ and
/// whether its interval excludes zero.
fn direction(study: &Study, e: &Effects, k: usize, variant: usize) -> String {
    let mu = &e.knobs[k].measures.mu;
    let (v, r) = (
        &study.config.variants[variant].name,
        &study.config.variants[study.config.reference].name,
    );
    if mu.ci_low > 0.0 {
        format!("raising it favours {}", esc(v))
    } else if mu.ci_high < 0.0 {
        format!("raising it favours {}", esc(r))
    } else {
        "its direction depends on the other knobs".to_string()
    }
}

/// The plain-words ranking of one comparison's knobs.
fn ranking(study: &Study, variant: usize) -> String {
    let Some(e) = study.effects_of(Output::Difference { variant }) else {
        return String::new();
    };
    let mut html = format!(
        "<h3>{}</h3>\n",
        esc(&format!(
            "{}: the knobs that move it most",
            comparison(study, variant)
        ))
    );
    if let Some(at) = study.at_scenario[variant] {
        let _ = writeln!(
            html,
            "<p>At the scenario's own values {} books <span class=\"headline\" data-variant=\"{}\" data-pct=\"{}\">{}</span> against {} (95% CI {} to {}, {} paired replications).</p>",
            esc(&study.config.variants[variant].name),
            esc(&study.config.variants[variant].name),
            at.pct,
            signed_percent(at.pct),
            esc(&study.config.variants[study.config.reference].name),
            signed_percent(at.ci_low),
            signed_percent(at.ci_high),
            study.design.flip_replications
        );
    }
    let _ = writeln!(
        html,
        "<p class=\"note\">Changes are in log points: 100 × ln({} ÷ {}), about percentage points for small differences (+10 is +10.5%, −10 is −9.5%).</p>",
        esc(&study.config.variants[variant].name),
        esc(&study.config.variants[study.config.reference].name)
    );
    html.push_str("<ol class=\"knobs\">\n");
    for k in e.ranked().into_iter().take(WORDS_KNOBS) {
        let knob = &study.knobs[k];
        let m = &e.knobs[k];
        let s = &m.measures;
        let reveal = match knob.range.observed_as {
            Some(what) => format!("a CRM export reveals it: {}", esc(what)),
            None => "a CRM export cannot reveal it: an assumption to check".to_string(),
        };
        let noise = if s.mu_star.value <= m.noise_floor {
            format!(
                " <span class=\"unclear\">Within the noise floor ({}): not distinguishable from no effect.</span>",
                short(m.noise_floor)
            )
        } else {
            String::new()
        };
        let _ = writeln!(
            html,
            "<li data-parameter=\"{}\" data-rank=\"{}\"><code>{}</code> ({reveal}): moving it across its plausible range, {} to {} (the scenario has {}), changes the answer by {} log points on average (μ*, 95% CI {} to {}); {}.{noise}</li>",
            esc(&knob.path),
            m.rank,
            esc(&knob.path),
            short(knob.low),
            short(knob.high),
            short(knob.value),
            short(s.mu_star.value),
            short(s.mu_star.ci_low),
            short(s.mu_star.ci_high),
            direction(study, e, k, variant),
        );
    }
    html.push_str("</ol>\n");
    let top: Vec<usize> = e.ranked().into_iter().take(WORDS_KNOBS).collect();
    let (seen, unseen): (Vec<usize>, Vec<usize>) =
        top.iter().partition(|&&k| study.knobs[k].observable());
    let list = |ks: &[usize]| -> String {
        ks.iter()
            .map(|&k| format!("<code>{}</code>", esc(&study.knobs[k].path)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !seen.is_empty() {
        let _ = writeln!(
            html,
            "<p>Of these, a CRM opportunity export reveals {}: fit them to your own data (<code>salesim calibrate</code>) rather than trust the defaults.</p>",
            list(&seen)
        );
    }
    if !unseen.is_empty() {
        let _ = writeln!(
            html,
            "<p>No export reveals {}: these are the assumptions to check with people who know your buyers.</p>",
            list(&unseen)
        );
    }
    let flips: Vec<_> = study
        .flips
        .iter()
        .filter(|f| f.variant == variant)
        .collect();
    if !flips.is_empty() {
        html.push_str("<h3>Where the answer flips</h3>\n<p>For the most influential knobs a CRM export cannot reveal, and any other in the chart that flips the answer on its own, each moved alone across its range with the rest at the scenario's values; the value where the answer flips is found by bisection on paired runs:</p>\n<ul class=\"flips\">\n");
        for f in flips {
            let _ = writeln!(
                html,
                "<li data-parameter=\"{}\" data-flips=\"{}\">{}.</li>",
                esc(&study.knobs[f.knob].path),
                f.flip_value.is_some(),
                code_spans(&esc(&flip_sentence(study, f)))
            );
        }
        html.push_str("</ul>\n");
    }
    html
}

/// Text with `backquoted` spans set as code (for sentences shared with the terminal).
fn code_spans(text: &str) -> String {
    let mut out = String::new();
    for (i, part) in text.split('`').enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<code>{part}</code>");
        } else {
            out.push_str(part);
        }
    }
    out
}

/// The table of one output's knobs, by rank.
fn table(study: &Study, e: &Effects, caption: &str) -> String {
    let mut html = format!(
        "<table><caption>{}</caption><thead><tr><th>knob</th><th>rank</th><th>range</th><th>scenario</th><th>observable</th><th>μ* (95% CI)</th><th>μ (95% CI)</th><th>σ</th><th>noise floor</th></tr></thead><tbody>\n",
        esc(caption)
    );
    for k in e.ranked() {
        let knob = &study.knobs[k];
        let m = &e.knobs[k];
        let s = &m.measures;
        let _ = writeln!(
            html,
            "<tr><td><code>{}</code></td><td>{}</td><td>{} to {}</td><td>{}</td><td>{}</td><td>{} ({} to {})</td><td>{} ({} to {})</td><td>{}</td><td>{}</td></tr>",
            esc(&knob.path),
            m.rank,
            short(knob.low),
            short(knob.high),
            short(knob.value),
            if knob.observable() { "yes" } else { "no" },
            short(s.mu_star.value),
            short(s.mu_star.ci_low),
            short(s.mu_star.ci_high),
            signed(s.mu.value, 1),
            signed(s.mu.ci_low, 1),
            signed(s.mu.ci_high, 1),
            short(s.sigma.value),
            short(m.noise_floor),
        );
    }
    html.push_str("</tbody></table>\n");
    html
}

/// The whole page.
fn page(study: &Study, tornado: Option<&Rendered>, command: &str) -> String {
    let cfg = &study.config;
    let d = &study.design;
    let mut html = page_head(&format!("salesim sensitivity: {}", cfg.name));
    let _ = writeln!(
        html,
        "<header><h1 id=\"question\">{}</h1><p>Which assumptions decide the answer? A sensitivity study of the scenario <code>{}</code>: {}, each across its plausible range.</p></header>",
        esc(&cfg.question),
        esc(&cfg.name),
        knob_count(study.knobs.len())
    );
    html.push_str("<section id=\"what-decides\"><h2>What decides the answer</h2>\n");
    for v in study.compared() {
        html.push_str(&ranking(study, v));
    }
    if let Some(chart) = tornado {
        html.push_str(&figure(chart));
    }
    html.push_str("</section>\n");
    html.push_str("<section id=\"knobs\"><h2>Every knob</h2>\n<p class=\"note\">μ*: the mean absolute change of the output when the knob moves across its whole plausible range (Morris elementary effects): for a difference, in log points, 100 × the change of the mean paired ln(variant ÷ reference), about percentage points of the reference's bookings for small changes (+10 is +10.5%, −10 is −9.5%), a symmetric scale on which a point where one variant collapses cannot swamp the others; for bookings, in $k; μ: the mean signed change (its sign is the direction); σ: how much the change depends on the other knobs. Intervals: 95% bootstrap over trajectories. Noise floor: the μ* a knob with no effect would show at these replications; below it a rank is noise.</p>\n");
    for e in &study.effects {
        let caption = match e.output {
            Output::Difference { variant } => {
                format!(
                    "{} (bookings_log_ratio, log points)",
                    comparison(study, variant)
                )
            }
            Output::Bookings { variant } => {
                format!("{}'s bookings ($k)", cfg.variants[variant].name)
            }
        };
        html.push_str(&table(study, e, &caption));
    }
    html.push_str("</section>\n");
    let held: Vec<String> = study
        .held
        .iter()
        .map(|h| {
            format!(
                "<code>{}</code> ({})",
                esc(&h.strategy),
                esc(&h.teams.join(", "))
            )
        })
        .collect();
    let held = if held.is_empty() {
        String::new()
    } else {
        format!(
            " Competitor teams that use a compared strategy keep the scenario's values of it: {}.",
            held.join("; ")
        )
    };
    let _ = writeln!(
        html,
        "<section id=\"method\"><h2>How this was found</h2><p>Morris elementary effects (Morris 1991; μ* after Campolongo, Cariboni &amp; Saltelli 2007): {} trajectories on a grid of {} levels (each step moves a knob by {} of its range), {} design points, {} replications each. Every point runs the same replication seeds (common random numbers), and the difference is paired within each replication: the mean over replications of ln({} ÷ {}), shown as a percentage. The one-at-a-time runs (the chart and the flip points) use {} replications per point; flip points are bisected {} times. Ranges come from the table in docs/SCENARIOS.md (\"Plausible ranges\").{held}</p></section>",
        d.trajectories,
        d.levels,
        short(d.delta),
        d.points,
        d.replications,
        esc(&study.compared().iter().map(|&v| cfg.variants[v].name.clone()).collect::<Vec<_>>().join(", ")),
        esc(&cfg.variants[cfg.reference].name),
        d.flip_replications,
        d.bisection_steps,
    );
    let _ = writeln!(
        html,
        "<section id=\"reproduce\"><h2>How to reproduce</h2><p>Run this command (master seed <code id=\"seed\">{}</code>, salesim {}); results are bit-identical whatever the number of threads:</p><pre><code id=\"command\">{}</code></pre></section>",
        cfg.seed,
        env!("CARGO_PKG_VERSION"),
        esc(command)
    );
    html.push_str("</body>\n</html>\n");
    html
}

//! The report of a sensitivity study: the tornado chart (through the shared chart frame, so it
//! looks like every other chart) and a self-contained `report.html` whose first section, "What
//! decides the answer", ranks the knobs outside their noise floor in plain words, in two lists
//! (the buyers' behaviour to check with people who know them, the user's own strategy choices
//! to decide), flags the knobs within noise without ranking them, says which a CRM export
//! reveals, and gives the value at which the answer flips (with its 95% CI, or "not found at
//! this precision") for the top knobs it cannot reveal.

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
use crate::sensitivity::{Effects, Kind, Output, Study};

/// The tornado chart's file stem.
pub(crate) const TORNADO: &str = "tornado";

/// Knobs ranked in the report's words, per comparison.
const WORDS_KNOBS: usize = 8;

/// Colour of the buyers' knobs a CRM export reveals, of those it cannot (the palette's blue and
/// vermillion), and of our own choices (green).
fn knob_colour(kind: Kind, observable: bool) -> RGBColor {
    match (kind, observable) {
        (Kind::Ours, _) => colour(2),
        (Kind::Buyers, true) => colour(1),
        (Kind::Buyers, false) => colour(0),
    }
}

/// The tornado: for the first comparison, each of the most influential knobs at both ends of its
/// range, the others at the scenario's values.
struct Tornado<'a> {
    study: &'a Study,
    variant: usize,
}

impl Tornado<'_> {
    /// (knob path, low-end %, high-end %, colour) of the most influential knobs by Morris
    /// μ*, the widest swing first (the tornado's shape); a knob within noise is labelled so.
    fn rows(&self) -> Vec<(String, f64, f64, RGBColor)> {
        let noise = self.study.effects_of(Output::Difference {
            variant: self.variant,
        });
        let mut rows: Vec<(String, f64, f64, RGBColor)> = self
            .study
            .swings
            .iter()
            .take(crate::sensitivity::TORNADO_KNOBS)
            .filter_map(|s| {
                let (lo, hi) = (s.at_low[self.variant]?, s.at_high[self.variant]?);
                let knob = &self.study.knobs[s.knob];
                let within = noise.is_some_and(|e| e.knobs[s.knob].within_noise);
                let label = if within {
                    format!("{} (within noise)", knob.path)
                } else {
                    knob.path.clone()
                };
                Some((
                    label,
                    lo.pct,
                    hi.pct,
                    knob_colour(knob.kind(), knob.observable()),
                ))
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
            "The {} most influential knobs by Morris μ*, the widest swing at the top; {base}; {crossing}. Blue: the buyers' behaviour, which a CRM export reveals; vermillion: the buyers' behaviour, to check with people who know them; green: your own strategy choice, to decide. {} replications per end.",
            self.rows().len(),
            self.study.design.flip_replications
        )
    }

    fn legend(&self) -> Vec<(String, RGBColor)> {
        vec![
            (
                "buyers: a CRM export reveals it".to_string(),
                knob_colour(Kind::Buyers, true),
            ),
            (
                "buyers: to check".to_string(),
                knob_colour(Kind::Buyers, false),
            ),
            (
                "yours: to decide".to_string(),
                knob_colour(Kind::Ours, false),
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
        for (i, (_, lo, hi, c)) in rows.iter().enumerate() {
            let y = (n - 1 - i) as f64;
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
    let findings: Vec<usize> = e
        .ranked()
        .into_iter()
        .filter(|&k| !e.knobs[k].within_noise)
        .take(WORDS_KNOBS)
        .collect();
    if findings.is_empty() {
        html.push_str("<p>No knob moves it beyond its noise floor at this precision: more replications (<code>--replications</code>) would tell.</p>\n");
    }
    for kind in Kind::ALL {
        let listed: Vec<usize> = findings
            .iter()
            .copied()
            .filter(|&k| study.knobs[k].kind() == kind)
            .collect();
        if listed.is_empty() {
            continue;
        }
        let _ = writeln!(
            html,
            "<h4 data-kind=\"{}\">{}</h4>\n<ol class=\"knobs\" data-kind=\"{}\">",
            kind.name(),
            esc(kind.heading()),
            kind.name()
        );
        for k in listed {
            html.push_str(&knob_item(study, e, k, variant));
        }
        html.push_str("</ol>\n");
    }
    // Knobs within noise that μ* alone would have put among the top: flagged, not ranked.
    let flagged: Vec<usize> = e.flagged_within_noise(WORDS_KNOBS);
    let within = e.knobs.iter().filter(|m| m.within_noise).count();
    if within > 0 {
        let _ = writeln!(
            html,
            "<p class=\"note\">{} within {} noise floor, not ranked: at {} replications {} not told from no effect (more replications would tell).{}</p>",
            knob_count(within),
            if within == 1 { "its" } else { "their" },
            study.design.replications,
            if within == 1 { "it is" } else { "they are" },
            if flagged.is_empty() {
                ""
            } else {
                " Among them, with a μ* as large as the findings':"
            }
        );
        if !flagged.is_empty() {
            html.push_str("<ul class=\"within-noise\">\n");
            for k in flagged {
                html.push_str(&knob_item(study, e, k, variant));
            }
            html.push_str("</ul>\n");
        }
    }
    let (seen, unseen): (Vec<usize>, Vec<usize>) = findings
        .iter()
        .filter(|&&k| study.knobs[k].kind() == Kind::Buyers)
        .partition(|&&k| study.knobs[k].observable());
    let ours: Vec<usize> = findings
        .iter()
        .copied()
        .filter(|&k| study.knobs[k].kind() == Kind::Ours)
        .collect();
    let list = |ks: &[usize]| -> String {
        ks.iter()
            .map(|&k| format!("<code>{}</code>", esc(&study.knobs[k].path)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !seen.is_empty() {
        let _ = writeln!(
            html,
            "<p>Of the buyers' behaviour, a CRM opportunity export reveals {}: fit it to your own data (<code>salesim calibrate</code>) rather than trust the defaults.</p>",
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
    if !ours.is_empty() {
        let _ = writeln!(
            html,
            "<p>{} {} your own choice: nothing to check, a decision to make, with the answer's dependence on it in view.</p>",
            list(&ours),
            if ours.len() == 1 { "is" } else { "are" }
        );
    }
    let flips: Vec<_> = study
        .flips
        .iter()
        .filter(|f| f.variant == variant)
        .collect();
    if !flips.is_empty() {
        html.push_str("<h3>Where the answer flips</h3>\n<p>For the most influential knobs a CRM export cannot reveal, and any other in the chart whose two ends give opposite answers, each moved alone across its range with the rest at the scenario's values. A flip is claimed only where the paired 95% CIs at both ends of the range exclude zero, with opposite signs; the value is then found by bisection on paired runs, and its 95% CI by a bootstrap over the replications of every point run along the knob. Otherwise the flip is \"not found at this precision\".</p>\n");
        for kind in Kind::ALL {
            let listed: Vec<_> = flips
                .iter()
                .filter(|f| study.knobs[f.knob].kind() == kind)
                .collect();
            if listed.is_empty() {
                continue;
            }
            let _ = writeln!(
                html,
                "<h4 data-kind=\"{}\">{}</h4>\n<ul class=\"flips\" data-kind=\"{}\">",
                kind.name(),
                esc(kind.heading()),
                kind.name()
            );
            for f in listed {
                let _ = writeln!(
                    html,
                    "<li data-parameter=\"{}\" data-kind=\"{}\" data-flips=\"{}\" data-outcome=\"{}\">{}.</li>",
                    esc(&study.knobs[f.knob].path),
                    kind.name(),
                    f.flip_value.is_some(),
                    f.outcome.name(),
                    code_spans(&esc(&flip_sentence(study, f)))
                );
            }
            html.push_str("</ul>\n");
        }
    }
    html
}

/// One knob of the plain-words ranking: what moving it does, whether an export reveals it, and
/// "within noise" (with no rank) when it is.
fn knob_item(study: &Study, e: &Effects, k: usize, variant: usize) -> String {
    let knob = &study.knobs[k];
    let m = &e.knobs[k];
    let s = &m.measures;
    let reveal = match (knob.kind(), knob.range.observed_as) {
        (Kind::Ours, _) => "your own choice, to decide".to_string(),
        (Kind::Buyers, Some(what)) => format!("a CRM export reveals it: {}", esc(what)),
        (Kind::Buyers, None) => "a CRM export cannot reveal it: an assumption to check".to_string(),
    };
    let noise = if m.within_noise {
        format!(
            " <span class=\"unclear\">Within noise (floor {}): not told from no effect, and not ranked.</span>",
            short(m.noise_floor)
        )
    } else {
        String::new()
    };
    let rank = m.finding_rank().map_or(String::new(), |r| r.to_string());
    format!(
        "<li data-parameter=\"{}\" data-rank=\"{rank}\" data-kind=\"{}\" data-within-noise=\"{}\"><code>{}</code> ({reveal}): moving it across its plausible range, {} to {} (the scenario has {}), changes the answer by {} log points on average (μ*, 95% CI {} to {}); {}.{noise}</li>\n",
        esc(&knob.path),
        knob.kind().name(),
        m.within_noise,
        esc(&knob.path),
        short(knob.low),
        short(knob.high),
        short(knob.value),
        short(s.mu_star.value),
        short(s.mu_star.ci_low),
        short(s.mu_star.ci_high),
        direction(study, e, k, variant),
    )
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
        "<table><caption>{}</caption><thead><tr><th>knob</th><th>whose</th><th>rank</th><th>range</th><th>scenario</th><th>observable</th><th>μ* (95% CI)</th><th>μ (95% CI)</th><th>σ</th><th>noise floor</th></tr></thead><tbody>\n",
        esc(caption)
    );
    for k in e.ranked() {
        let knob = &study.knobs[k];
        let m = &e.knobs[k];
        let s = &m.measures;
        let _ = writeln!(
            html,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{} to {}</td><td>{}</td><td>{}</td><td>{} ({} to {})</td><td>{} ({} to {})</td><td>{}</td><td>{}</td></tr>",
            esc(&knob.path),
            knob.kind().name(),
            m.finding_rank()
                .map_or("within noise".to_string(), |r| r.to_string()),
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
    html.push_str("<section id=\"knobs\"><h2>Every knob</h2>\n<p class=\"note\">μ*: the mean absolute change of the output when the knob moves across its whole plausible range (Morris elementary effects): for a difference, in log points, 100 × the change of the mean paired ln(variant ÷ reference), about percentage points of the reference's bookings for small changes (+10 is +10.5%, −10 is −9.5%), a symmetric scale on which a point where one variant collapses cannot swamp the others; for bookings, in $k; μ: the mean signed change (its sign is the direction); σ: how much the change depends on the other knobs. Intervals: 95% bootstrap over trajectories. Noise floor: the μ* a knob with no effect would show at these replications; a knob whose μ* is not above it by two of its standard deviations is within noise, and has no rank. Whose: <code>buyers</code>, the buyers' behaviour and the market, to check; <code>ours</code>, your own strategies, reps and pay plan, to decide.</p>\n");
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
        "<section id=\"method\"><h2>How this was found</h2><p>Morris elementary effects (Morris 1991; μ* after Campolongo, Cariboni &amp; Saltelli 2007): {} trajectories on a grid of {} levels (each step moves a knob by {} of its range), {} design points, {} replications each. Every point runs the same replication seeds (common random numbers), and the difference is paired within each replication: the mean over replications of ln({} ÷ {}), shown as a percentage. The one-at-a-time runs (the chart and the flip points) use {} replications per point; flip points are bisected {} times, and their 95% CIs come from {} bootstrap resamples of the replications. Ranges come from the table in docs/SCENARIOS.md (\"Plausible ranges\").{held}</p></section>",
        d.trajectories,
        d.levels,
        short(d.delta),
        d.points,
        d.replications,
        esc(&study.compared().iter().map(|&v| cfg.variants[v].name.clone()).collect::<Vec<_>>().join(", ")),
        esc(&cfg.variants[cfg.reference].name),
        d.flip_replications,
        d.bisection_steps,
        d.bootstrap,
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

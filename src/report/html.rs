//! The self-contained HTML report: question and set-up, headline comparisons in plain words with
//! 95% CIs, the charts (inline SVG), the summary table, how to reproduce, and the model's main
//! assumptions with their field sources. No network, no external files, no JavaScript.
//!
//! Headline numbers carry `data-variant`, `data-metric` and `data-mean` attributes so a browser
//! test can check them against `summary.csv`.

use std::fmt::Write as _;

use super::frame::Rendered;
use super::input::{ComparisonRow, OutputFolder, SummaryRow};
use super::markup::{esc, figure};
use super::metrics::{metric, MetricInfo, Unit, METRICS};

/// Metrics that get a plain-words headline sentence, in this order.
const HEADLINE_METRICS: [&str; 6] = [
    "bookings",
    "contribution",
    "win_rate",
    "no_decision_rate",
    "blocks",
    "hockey_stick",
];

/// The model's main assumptions and the field evidence behind them (see docs/FIELD-FACTS.md).
const ASSUMPTIONS: [(&str, &str); 10] = [
    ("Reps concentrate deals at quarter end and discount to pull them in; timing-driven mispricing costs 6-8% of revenue.", "Larkin 2014, J. Labor Econ 32(2)"),
    ("Customers have their own budget cycle, with spending bunched at their fiscal year end.", "Liebman & Mahoney 2017, AER"),
    ("40-60% of qualified opportunities end in no decision, and pressure tactics make that worse.", "Dixon & McKenna 2022, The JOLT Effect"),
    ("Contact beyond a threshold annoys: after 7+ calls a lead is 45% less likely to respond.", "HubSpot analysis of 3.5M leads"),
    ("Buyers spend about 17% of buying time with suppliers and only 5-6% with any one rep.", "Gartner B2B buying research"),
    ("New adoption spreads by word of mouth following the Bass diffusion model.", "Bass 1969, Management Science"),
    ("Effort depends on distance to quota; ceilings and ratchets change effort.", "Misra & Nair 2011, QME"),
    ("Quarterly bonuses act as pacers; reps give up when quota is out of reach.", "Chung, Steenburgh & Sudhir 2014, Marketing Science"),
    ("Sales are higher and prices lower at fiscal period end.", "Oyer 1998, QJE"),
    ("A rep holds about 11.9 conversations a day, 4.8% of them meaningful.", "InsideSales 2017"),
];

const CSS: &str = r#"
body{font-family:"DejaVu Sans",Verdana,Arial,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.7em;margin-bottom:.2em}h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:1.8em}
.banner{background:#fff3cd;border:3px solid #d55e00;padding:.8em 1em;font-weight:bold;margin:1em 0}
dl.setup{display:grid;grid-template-columns:max-content auto;gap:.2em 1.2em}dl.setup dt{font-weight:bold}dl.setup dd{margin:0}
ul.headlines li{margin:.5em 0;font-size:1.08em}
table.verdict-numbers{margin:.6em 0 1em}table.verdict-numbers td,table.verdict-numbers th{vertical-align:top;text-align:left}
table.verdict-numbers .big{font-size:1.45em;font-weight:bold}table.verdict-numbers .ci,table.verdict-numbers .payback{color:#444}.clear{font-weight:bold}.unclear{color:#666}
figure.chart{margin:1.5em 0;break-inside:avoid}figure.chart svg{width:100%;height:auto;display:block;border:1px solid #eee}
figcaption{font-style:italic;margin-top:.3em}
table{border-collapse:collapse;width:100%;font-size:.92em}th,td{border:1px solid #ccc;padding:.3em .5em;text-align:right}
th:first-child,td:first-child{text-align:left}thead th{background:#f3f3f3}
pre{background:#f6f6f6;padding:.8em;overflow-x:auto;white-space:pre-wrap}
.note{color:#555;font-size:.92em}tr.focus td{background:#fff3cd;font-weight:bold}
@media print{body{max-width:none;margin:0}figure.chart{break-before:page;page-break-before:always}
section{break-inside:auto}h2{break-after:avoid}a{color:inherit;text-decoration:none}}
"#;

/// The start of a self-contained page, up to `<body>`: its title (escaped here) and the CSS.
pub(crate) fn page_head(title: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        esc(title)
    )
}

/// Builds the whole page.
pub(crate) fn page(folder: &OutputFolder, charts: &[Rendered]) -> String {
    let m = &folder.manifest;
    let mut html = page_head(&format!("salesim report: {}", m.scenario_name));
    if !m.complete {
        html.push_str("<div class=\"banner\" id=\"incomplete\" role=\"alert\">Warning: this run is incomplete (manifest says \"complete\": false). Results cover only the runs that finished and may change.</div>\n");
    }
    let _ = writeln!(
        html,
        "<header><h1 id=\"question\">{}</h1><p>{}</p></header>",
        esc(&m.question),
        esc(&m.description)
    );
    // The answer first: the lesson's story, or for a sweep the paired difference against the
    // swept values and every point; then the headline, the charts and the tables. The set-up
    // comes after the results, beside how to reproduce them.
    html.push_str(&verdict_section(folder));
    if let Some(lesson) = &folder.lesson {
        html.push_str(&lesson_section(lesson));
    }
    let (leading, charts): (Vec<Rendered>, Vec<Rendered>) = charts
        .iter()
        .cloned()
        .partition(|c| super::sweep::leads_the_report(&c.name));
    if m.is_sweep() {
        html.push_str(&sweep_section(folder, &leading));
    }
    html.push_str(&headlines(folder));
    let (breakdown, others): (Vec<Rendered>, Vec<Rendered>) = charts
        .into_iter()
        .partition(|c| super::breakdown::is_breakdown(&c.name));
    html.push_str(&chart_section(&others));
    html.push_str(&super::breakdown::section(folder, &breakdown));
    html.push_str(&summary_table(folder));
    html.push_str(&setup(folder));
    html.push_str(&reproduce(folder));
    html.push_str(&assumptions());
    html.push_str("</body>\n</html>\n");
    html
}

/// The lesson's narrative (`lesson.md`, a small markdown: headings, paragraphs, a list, bold and
/// code), first on the page so that a projector shows it without scrolling.
fn lesson_section(markdown: &str) -> String {
    let inline = |text: &str| -> String {
        let mut out = String::new();
        let (mut bold, mut code) = (false, false);
        let mut rest = esc(text);
        while !rest.is_empty() {
            if let Some(tail) = rest.strip_prefix("**") {
                out.push_str(if bold { "</strong>" } else { "<strong>" });
                bold = !bold;
                rest = tail.to_string();
            } else if let Some(tail) = rest.strip_prefix('`') {
                out.push_str(if code { "</code>" } else { "<code>" });
                code = !code;
                rest = tail.to_string();
            } else {
                let c = rest.chars().next().expect("not empty");
                out.push(c);
                rest = rest[c.len_utf8()..].to_string();
            }
        }
        if bold {
            out.push_str("</strong>");
        }
        if code {
            out.push_str("</code>");
        }
        out
    };
    let mut html = String::from("<section id=\"lesson\">\n");
    for block in markdown.split("\n\n") {
        let block = block.trim();
        if block.is_empty() {
            continue;
        }
        if let Some(h) = block.strip_prefix("## ") {
            let _ = writeln!(html, "<h3>{}</h3>", inline(h));
        } else if let Some(h) = block.strip_prefix("# ") {
            let _ = writeln!(html, "<h2>{}</h2>", inline(h));
        } else if block.starts_with("- ") {
            html.push_str("<ul>\n");
            for item in block.lines() {
                let item = item.strip_prefix("- ").unwrap_or(item);
                let _ = writeln!(html, "<li>{}</li>", inline(item));
            }
            html.push_str("</ul>\n");
        } else {
            let _ = writeln!(html, "<p>{}</p>", inline(&block.replace('\n', " ")));
        }
    }
    html.push_str("</section>\n");
    html
}

fn setup(folder: &OutputFolder) -> String {
    let m = &folder.manifest;
    let reference = m.reference();
    let variants: Vec<String> = folder
        .variants()
        .iter()
        .map(|v| {
            if v == reference {
                format!("{} (reference)", esc(v))
            } else {
                esc(v)
            }
        })
        .collect();
    let years = m.horizon_quarters as f64 / 4.0;
    let mut rows = vec![
        ("Scenario", esc(&m.scenario_name)),
        ("Variants", variants.join(", ")),
        ("Replications", m.replications.to_string()),
        (
            "Horizon",
            format!("{} quarters ({years} years)", m.horizon_quarters),
        ),
        ("Master seed", m.master_seed.to_string()),
        ("salesim version", esc(&m.salesim_version)),
    ];
    if m.is_sweep() {
        let params = m
            .sweep
            .parameters
            .iter()
            .map(|p| esc(p))
            .collect::<Vec<_>>()
            .join(", ");
        rows.push((
            "Sweep",
            format!(
                "{} ({}, {} points); headlines and table describe point {}",
                params,
                esc(&m.sweep.mode),
                m.sweep.points.len(),
                folder.focus_point()
            ),
        ));
    }
    if let Some(t) = &m.threads {
        rows.push(("Threads", esc(&t.to_string())));
    }
    if let Some(w) = m.wall_time_seconds {
        rows.push(("Wall time", format!("{w:.1} s")));
    }
    let body: String = rows
        .iter()
        .map(|(k, v)| format!("<dt>{k}</dt><dd>{v}</dd>"))
        .collect();
    format!("<section id=\"setup\"><h2>Set-up</h2><dl class=\"setup\">{body}</dl></section>\n")
}

/// The verdict on the first screen, in the order every surface states it: first its numbers
/// (a table: the steady-state difference per quarter with its 95% CI, the switch with its
/// payback, the horizon total), then the same in words; for every variant against the reference
/// at the focus point, from [`super::verdict`] (computed as `phases.csv`, the terminal and
/// `lesson.md` compute them).
fn verdict_section(folder: &OutputFolder) -> String {
    let reference = folder.manifest.reference().to_string();
    let settle = folder.manifest.scenario.settle_quarters;
    let verdicts = super::verdict::verdicts(folder);
    let mut items = String::new();
    for v in &verdicts {
        let variant = &v.variant;
        if let Some((p, quarters)) = &v.phases {
            for line in
                crate::output::summary::phase_lines(variant, &reference, p, settle, *quarters)
            {
                let (phase, s) = if line.starts_with("Steady") {
                    ("steady", &p.steady)
                } else {
                    ("switch", &p.switch)
                };
                let _ = writeln!(
                    items,
                    "<li class=\"phase\" data-variant=\"{}\" data-phase=\"{phase}\" data-mean=\"{}\" data-ci-low=\"{}\" data-ci-high=\"{}\">{}</li>",
                    esc(variant),
                    s.mean,
                    s.ci_low,
                    s.ci_high,
                    esc(&line)
                );
            }
        }
        let quarters = v
            .phases
            .as_ref()
            .map_or(folder.manifest.horizon_quarters, |(_, q)| *q);
        if let Some((d, ratio)) = &v.total {
            let _ = writeln!(
                items,
                "<li class=\"phase\" data-variant=\"{}\" data-phase=\"total\">Horizon total: {}</li>",
                esc(variant),
                esc(&crate::output::summary::bookings_sentence(
                    variant,
                    &reference,
                    d,
                    ratio,
                    quarters
                ))
            );
        }
    }
    if items.is_empty() {
        return String::new();
    }
    format!(
        "<section id=\"verdict\"><h2>Verdict</h2>\n{}<ul class=\"headlines\">\n{items}</ul>\n<p class=\"note\">The steady state is the mean per-quarter paired difference after the first {settle} quarter(s) following the switch; the switch is the difference summed over them; the horizon total mixes both (phases.csv).</p></section>\n",
        verdict_numbers(folder, &verdicts)
    )
}

/// The verdict's numbers as a table, one row per variant: the steady-state difference per
/// quarter ($k, and % of the reference's where every replication has a ratio) with its 95% CI,
/// the switch with its payback quarter, and the horizon total, each rounded as the sentences
/// below round it.
fn verdict_numbers(folder: &OutputFolder, verdicts: &[super::verdict::Verdict]) -> String {
    use crate::shown::{signed_money, signed_percent, signed_thousands};
    let reference = folder.manifest.reference();
    let settle = folder.manifest.scenario.settle_quarters;
    let ci =
        |low: String, high: String| format!("<span class=\"ci\">95% CI {low} to {high}</span>");
    let money_cell = |phase: &str, s: &crate::experiment::stats::Summary, unit: &str| {
        if s.n < 2 || !s.mean.is_finite() {
            return format!("<td data-phase=\"{phase}\">n/a</td>");
        }
        format!(
            "<td data-phase=\"{phase}\" data-mean=\"{}\" data-ci-low=\"{}\" data-ci-high=\"{}\"><span class=\"big\">{}{unit}</span><br>{}",
            s.mean,
            s.ci_low,
            s.ci_high,
            signed_money(s.mean),
            ci(signed_thousands(s.ci_low), signed_thousands(s.ci_high))
        )
    };
    let mut rows = String::new();
    let mut spans = (String::new(), String::new());
    let mut horizon = folder.manifest.horizon_quarters;
    for v in verdicts {
        let mut row = format!(
            "<tr data-variant=\"{}\"><th scope=\"row\">{} − {}</th>",
            esc(&v.variant),
            esc(&v.variant),
            esc(reference)
        );
        match &v.phases {
            Some((p, quarters)) => {
                let first = settle + 1;
                horizon = *quarters;
                spans = (
                    match first.cmp(quarters) {
                        std::cmp::Ordering::Less => format!("quarters {first}–{quarters}"),
                        std::cmp::Ordering::Equal => format!("quarter {quarters}"),
                        std::cmp::Ordering::Greater => {
                            "none after the settling quarters".to_string()
                        }
                    },
                    if settle <= 1 {
                        "quarter 1".to_string()
                    } else {
                        format!("quarters 1–{}", settle.min(*quarters))
                    },
                );
                row.push_str(&money_cell("steady", &p.steady, " a quarter"));
                if let Some((m, lo, hi)) = v.steady_percent() {
                    let _ = write!(
                        row,
                        "<br><span class=\"relative\">{} a quarter ({})</span>",
                        signed_percent(m),
                        ci(signed_percent(lo), signed_percent(hi))
                    );
                }
                row.push_str("</td>");
                if settle > 0 {
                    row.push_str(&money_cell("switch", &p.switch, ""));
                    let payback = match p.payback.quarter {
                        Some(q) => format!("cumulative ahead from quarter {q}"),
                        None => format!("not ahead within {quarters} quarters"),
                    };
                    let _ = write!(row, "<br><span class=\"payback\">{payback}</span></td>");
                } else {
                    row.push_str("<td data-phase=\"switch\">none (no settling quarters)</td>");
                }
            }
            None => {
                row.push_str("<td data-phase=\"steady\">n/a</td><td data-phase=\"switch\">n/a</td>")
            }
        }
        match v.total_stated() {
            Some(t) if t.n >= 2 => {
                let _ = write!(
                    row,
                    "<td data-phase=\"total\" data-mean=\"{}\" data-ci-low=\"{}\" data-ci-high=\"{}\"><span class=\"big\">{}</span><br>{}",
                    t.mean,
                    t.low,
                    t.high,
                    t.show(t.mean),
                    ci(t.show(t.low), t.show(t.high))
                );
                if let Some((d, _)) = &v.total {
                    if t.relative {
                        let _ = write!(
                            row,
                            "<br><span class=\"relative\">{}</span>",
                            signed_money(d.diff.mean)
                        );
                    }
                }
                row.push_str("</td>");
            }
            _ => row.push_str("<td data-phase=\"total\">n/a</td>"),
        }
        row.push_str("</tr>\n");
        rows.push_str(&row);
    }
    let (steady_span, switch_span) = spans;
    let steady_head = if steady_span.is_empty() {
        "Steady state, per quarter".to_string()
    } else {
        format!("Steady state ({steady_span}), per quarter")
    };
    let switch_head = if switch_span.is_empty() {
        "Switch".to_string()
    } else {
        format!("Switch ({switch_span})")
    };
    format!(
        "<table class=\"verdict-numbers\"><thead><tr><th>Bookings</th><th>{steady_head}</th><th>{switch_head}</th><th>Horizon total ({horizon} quarters)</th></tr></thead><tbody>\n{rows}</tbody></table>\n"
    )
}

/// A mean in a span a test can find: `data-mean` holds the exact value from summary.csv.
fn mean_span(s: &SummaryRow, info: &MetricInfo) -> String {
    format!(
        "<span class=\"headline\" data-variant=\"{}\" data-metric=\"{}\" data-mean=\"{}\">{}</span>",
        esc(&s.variant),
        esc(&s.metric),
        s.mean,
        esc(&info.format(s.mean))
    )
}

fn headlines(folder: &OutputFolder) -> String {
    let point = folder.focus_point();
    let reference = folder.manifest.reference().to_string();
    let mut items = String::new();
    for variant in folder.variants().iter().filter(|v| **v != reference) {
        for name in HEADLINE_METRICS {
            let r = folder.summary_for(point, &reference, name);
            let v = folder.summary_for(point, variant, name);
            let c = folder.comparison_for(point, variant, name);
            if let (Some(r), Some(v), Some(c)) = (r, v, c) {
                let _ = writeln!(items, "<li>{}</li>", sentence(folder, r, v, c));
            }
        }
    }
    if items.is_empty() {
        items.push_str("<li>No paired comparison is available in comparison.csv.</li>");
    }
    format!(
        "<section id=\"headline\"><h2>Headline</h2><ul class=\"headlines\">\n{items}</ul>\n<p class=\"note\">Differences are paired over replications (common random numbers) with 95% Student-t confidence intervals. \"Clear\" means the 95% CI excludes zero.</p></section>\n"
    )
}

/// Every sweep point: its values, each variant's bookings, and each paired difference with its
/// 95% CI and whether it is clear.
fn sweep_section(folder: &OutputFolder, leading: &[Rendered]) -> String {
    let m = &folder.manifest;
    let reference = m.reference().to_string();
    let variants = folder.variants();
    let others: Vec<&String> = variants.iter().filter(|v| **v != reference).collect();
    let mut html =
        String::from("<section id=\"sweep-points\"><h2>The sweep, point by point</h2>\n");
    for chart in leading {
        html.push_str(&figure(chart));
    }
    html.push_str("<table><thead><tr><th>point</th>");
    for p in &m.sweep.parameters {
        let _ = write!(html, "<th>{}</th>", esc(p));
    }
    for v in &variants {
        let _ = write!(html, "<th>{} bookings ($k)</th>", esc(v));
    }
    for v in &others {
        let _ = write!(
            html,
            "<th>{} − {} ($k, 95% CI)</th>",
            esc(v),
            esc(&reference)
        );
    }
    html.push_str("</tr></thead><tbody>\n");
    for p in &m.sweep.points {
        let focus = if p.point == folder.focus_point() {
            " class=\"focus\""
        } else {
            ""
        };
        let _ = write!(html, "<tr{focus}><td>{}</td>", p.point);
        for param in &m.sweep.parameters {
            let v = p.values.get(param).copied().unwrap_or(f64::NAN);
            let _ = write!(html, "<td>{v}</td>");
        }
        for v in &variants {
            let cell = folder
                .summary_for(p.point, v, "bookings")
                .map(|s| crate::shown::thousands(s.mean))
                .unwrap_or_default();
            let _ = write!(html, "<td>{cell}</td>");
        }
        for v in &others {
            let cell = folder
                .comparison_for(p.point, v, "bookings")
                .map(|c| {
                    let clear = if c.ci_low > 0.0 {
                        "ahead"
                    } else if c.ci_high < 0.0 {
                        "behind"
                    } else {
                        "level"
                    };
                    format!(
                        "{} ({} to {}) {clear}",
                        crate::shown::signed_thousands(c.mean_diff),
                        crate::shown::signed_thousands(c.ci_low),
                        crate::shown::signed_thousands(c.ci_high)
                    )
                })
                .unwrap_or_default();
            let _ = write!(html, "<td>{cell}</td>");
        }
        html.push_str("</tr>\n");
    }
    let _ = writeln!(
        html,
        "</tbody></table><p class=\"note\">The highlighted row is point {} (the scenario's own values where a point has them; another with <code>salesim report DIR --point N</code>); the headlines and the per-quarter charts below describe it.</p></section>",
        folder.focus_point()
    );
    html
}

/// One plain-words comparison, e.g. "aligned booked 3.0% less than aggressive over 12 quarters
/// (98,953 $k vs 101,975 $k; 95% CI −3.9% to −2.0%)". Every difference is variant − reference.
/// Money and counts are compared as a ratio on the log scale (the paired mean of
/// ln(variant ÷ reference) and its interval, turned back into a percentage: the same computation
/// and rounding as the verdict, the terminal and `lesson.md`, [`super::verdict::log_ratio`]), so
/// an interval can never pass −100%; where a replication has a zero on either side the
/// difference is given in the metric's own unit instead. Shares are compared in percentage
/// points. An interval in the metric's own unit is cut where the variant's mean would leave the
/// metric's bounds (a count below zero, a share above 100%), and says so. Whether the difference
/// is clear is judged on the interval shown.
fn sentence(folder: &OutputFolder, r: &SummaryRow, v: &SummaryRow, c: &ComparisonRow) -> String {
    let info = metric(&c.metric);
    let (var, reference) = (esc(&v.variant), esc(&r.variant));
    let signed = |x: f64, unit: &str| format!("{}{unit}", crate::shown::signed(x, 1));
    let ratio = matches!(info.unit, Unit::Money | Unit::Count)
        .then(|| super::verdict::log_ratio(folder, r.point, &r.variant, &v.variant, &c.metric))
        .filter(|s| s.n >= 2);
    let bounds = super::stats::difference_bounds(&c.metric, r.mean);
    let (cut_band, cut) = super::stats::clamp_band(
        super::stats::Band {
            mean: c.mean_diff,
            low: c.ci_low,
            high: c.ci_high,
        },
        bounds,
    );
    let cut_note = if cut {
        "; cut where a mean would leave the metric's bounds"
    } else {
        ""
    };
    let (amount, interval, up, clear) = if info.unit == Unit::Share {
        (
            format!("{:.1} percentage points", (100.0 * c.mean_diff).abs()),
            format!(
                "{} to {}{cut_note}",
                signed(100.0 * cut_band.low, " points"),
                signed(100.0 * cut_band.high, " points")
            ),
            c.mean_diff >= 0.0,
            cut_band.low > 0.0 || cut_band.high < 0.0,
        )
    } else if let Some(ratio) = ratio {
        let diff = crate::experiment::stats::Summary {
            mean: c.mean_diff,
            sd: f64::NAN,
            ci_low: c.ci_low,
            ci_high: c.ci_high,
            n: ratio.n,
        };
        let st = crate::output::summary::Stated::of(&diff, &ratio);
        (
            st.amount(),
            format!("{} to {}", st.show(st.low), st.show(st.high)),
            st.mean >= 0.0,
            st.above() || st.below(),
        )
    } else {
        let plain = |x: f64| {
            let sign = if x < 0.0 { "−" } else { "+" };
            format!("{sign}{}", info.format(x.abs()))
        };
        (
            info.format(c.mean_diff.abs()),
            format!(
                "{} to {}{cut_note}",
                plain(cut_band.low),
                plain(cut_band.high)
            ),
            c.mean_diff >= 0.0,
            cut_band.low > 0.0 || cut_band.high < 0.0,
        )
    };
    let more = if up { "more" } else { "less" };
    let what = match c.metric.as_str() {
        "bookings" => format!(
            "{var} booked {amount} {more} than {reference} over {} quarters",
            folder.manifest.horizon_quarters
        ),
        "contribution" => format!(
            "after paying its reps (commission and base pay), {var} kept {amount} {more} than {reference}"
        ),
        "blocks" => format!(
            "{var} was blocked {amount} {} than {reference} (block events)",
            if up { "more often" } else { "less often" }
        ),
        "hockey_stick" => {
            format!("{var} closed {amount} {more} of its deals in weeks 12-13 than {reference}")
        }
        _ => format!(
            "{var}'s {} was {amount} {} than {reference}'s",
            info.label.to_lowercase(),
            if up { "higher" } else { "lower" }
        ),
    };
    let verdict = match (clear, info.direction()) {
        (false, _) => "<span class=\"unclear\">no clear difference</span>".to_string(),
        (true, None) => "<span class=\"clear\">clearly different</span>".to_string(),
        (true, Some(higher_better)) => {
            let better = up == higher_better;
            format!(
                "<span class=\"clear\">clearly {}</span>",
                if better { "better" } else { "worse" }
            )
        }
    };
    let share = match info.direction() {
        Some(_) => format!(
            "{var} did better in {:.0}% of replications",
            100.0 * c.share_better
        ),
        None => "neither more nor fewer is better in itself".to_string(),
    };
    format!(
        "{what} ({} vs {}; <span class=\"headline-diff\" data-variant=\"{var}\" data-metric=\"{}\" data-mean-diff=\"{}\" data-ci-low=\"{}\" data-ci-high=\"{}\">95% CI {interval}</span>): {verdict}; {share}.",
        mean_span(v, &info),
        mean_span(r, &info),
        esc(&c.metric),
        c.mean_diff,
        c.ci_low,
        c.ci_high,
    )
}

fn chart_section(charts: &[Rendered]) -> String {
    let mut out = String::from("<section id=\"charts\"><h2>Charts</h2>\n");
    for chart in charts {
        out.push_str(&figure(chart));
    }
    out.push_str("</section>\n");
    out
}

fn summary_table(folder: &OutputFolder) -> String {
    let point = folder.focus_point();
    let variants = folder.variants();
    let head: String = variants
        .iter()
        .map(|v| format!("<th>{}</th>", esc(v)))
        .collect();
    let mut rows = String::new();
    for info in METRICS
        .iter()
        .filter(|m| folder.summary.iter().any(|s| s.metric == m.name))
    {
        let cells: String = variants
            .iter()
            .map(|v| match folder.summary_for(point, v, info.name) {
                Some(s) => format!(
                    "<td data-variant=\"{}\" data-metric=\"{}\" data-mean=\"{}\">{} [{}, {}]</td>",
                    esc(v),
                    info.name,
                    s.mean,
                    esc(&info.format(s.mean)),
                    esc(&info.format(s.ci_low)),
                    esc(&info.format(s.ci_high))
                ),
                None => "<td>n/a</td>".into(),
            })
            .collect();
        let _ = writeln!(
            rows,
            "<tr><th scope=\"row\">{} <code>{}</code></th>{cells}</tr>",
            esc(info.label),
            info.name
        );
    }
    let n = folder
        .summary
        .iter()
        .find(|s| s.point == point)
        .map_or(0, |s| s.n);
    format!(
        "<section id=\"summary\"><h2>Summary table</h2><p class=\"note\">Mean [95% CI] over {n} replications{}. Money in $k over the horizon; shares in %. An interval stops at what its metric can be (0 for amounts and counts, 0% to 100% for shares): a Student-t end beyond that is cut there.</p>\n<table><thead><tr><th>Metric</th>{head}</tr></thead><tbody>\n{rows}</tbody></table></section>\n",
        if folder.manifest.is_sweep() { format!(", sweep point {point}; every point is in summary.csv") } else { String::new() }
    )
}

fn reproduce(folder: &OutputFolder) -> String {
    let m = &folder.manifest;
    format!(
        "<section id=\"reproduce\"><h2>How to reproduce</h2><p>Run this command (master seed <code id=\"seed\">{}</code>, salesim {}); results are bit-identical whatever the number of threads:</p><pre><code id=\"command\">{}</code></pre><p>Rebuild this report from the output folder with <code>salesim report DIR</code>.</p></section>\n",
        m.master_seed,
        esc(&m.salesim_version),
        esc(&m.command)
    )
}

fn assumptions() -> String {
    let items: String = ASSUMPTIONS
        .iter()
        .map(|(claim, source)| format!("<li>{} <cite>({})</cite></li>\n", esc(claim), esc(source)))
        .collect();
    format!("<section id=\"assumptions\"><h2>Main assumptions and their field sources</h2><ul>\n{items}</ul><p class=\"note\">Each is a calibrated default of the model, not a hard-coded outcome; a scenario can change them.</p></section>\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            esc("<a href=\"x\">&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
    }
}

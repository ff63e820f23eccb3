//! The terminal summary: a short aligned table with 95% CIs, then the comparison in plain words.

use super::PointSummary;
use crate::experiment::phases::{percent, Phases};
use crate::experiment::stats::{Paired, Summary};
use crate::experiment::{Plan, Throughput};
use crate::metrics::RUN_METRICS;
use std::fmt::Write as _;

/// Metrics shown in the table: (name, label, how to format).
const SHOWN: [(&str, &str, Format); 10] = [
    ("bookings", "bookings ($k, {horizon})", Format::Money),
    ("contribution", "after reps' pay ($k)", Format::Money),
    ("win_rate", "win rate", Format::Percent),
    ("no_decision_rate", "no-decision rate", Format::Percent),
    ("blocks", "times blocked (events)", Format::Count),
    ("unwelcome_share", "unwelcome contacts", Format::Percent),
    ("hockey_stick", "deals in weeks 12-13", Format::Percent),
    ("discount_cost", "discounts given ($k)", Format::Money),
    ("quota_attainment", "quota attainment", Format::Ratio),
    ("mean_trust", "customers' trust in us", Format::Fraction),
];

#[derive(Clone, Copy)]
enum Format {
    Money,
    Percent,
    Count,
    Fraction,
    Ratio,
}

fn fmt(v: f64, f: Format) -> String {
    if !v.is_finite() {
        return "n/a".into();
    }
    match f {
        Format::Money => format!("{:.0}", v),
        Format::Percent => format!("{:.1}%", v * 100.0),
        Format::Count => format!("{:.1}", v),
        Format::Fraction => format!("{:.3}", v),
        Format::Ratio => format!("{:.2}", v),
    }
}

fn index(metric: &str) -> usize {
    RUN_METRICS
        .iter()
        .position(|m| *m == metric)
        .expect("known metric")
}

/// `mean [low–high]`.
fn with_ci(s: &Summary, f: Format) -> String {
    format!(
        "{} [{}–{}]",
        fmt(s.mean, f),
        fmt(s.ci_low, f),
        fmt(s.ci_high, f)
    )
}

/// A horizon in words: "12 qtrs", "1 qtr".
pub fn horizon(quarters: u32) -> String {
    match quarters {
        1 => "1 qtr".to_string(),
        q => format!("{q} qtrs"),
    }
}

/// A signed number with `decimals` decimals and a true minus sign: "+0.04", "−1.3", and "0"
/// for what rounds to zero (never "−0.00"). Every signed difference a reader sees is written
/// with it.
pub fn signed(v: f64, decimals: usize) -> String {
    let text = format!("{v:+.decimals$}");
    if text[1..].chars().all(|c| c == '0' || c == '.') {
        "0".into()
    } else {
        text.replacen('-', "−", 1)
    }
}

/// A signed percentage with a true minus sign: "+3.0%", "−2.8%", "0%".
pub fn signed_percent(x: f64) -> String {
    format!("{}%", signed(x, 1))
}

/// Thousands separated by commas, rounded to a whole number, with a true minus sign: "6,275",
/// "−950".
pub fn thousands(x: f64) -> String {
    crate::shown::group_thousands(x, 0)
}

/// A signed whole number, thousands separated, with a true minus sign: "+844", "−1,090", "0".
pub fn signed_thousands(x: f64) -> String {
    match thousands(x) {
        zero if zero == "0" || zero == "−0" => "0".into(),
        negative if negative.starts_with('−') => negative,
        positive => format!("+{positive}"),
    }
}

/// "aligned booked 2.8% less than aggressive over 12 quarters (aligned − aggressive −2.8%, 95% CI
/// −4.6% to −0.9%; aligned ahead in 33% of replications)". Every surface (terminal, report,
/// lesson) states a difference as variant − reference with its signed interval.
pub fn bookings_sentence(
    variant: &str,
    reference: &str,
    reference_mean: f64,
    d: &Paired,
    quarters: u32,
) -> String {
    // Relative to the reference's bookings, unless it booked nothing: then in $k.
    let relative = reference_mean > 0.0;
    let show = |x: f64| {
        if relative {
            signed_percent(100.0 * x / reference_mean)
        } else {
            format!("{} $k", signed_thousands(x))
        }
    };
    let amount = |x: f64| {
        if relative {
            format!("{:.1}%", (100.0 * x / reference_mean).abs())
        } else {
            format!("{} $k", thousands(x.abs()))
        }
    };
    let word = if d.diff.mean >= 0.0 { "more" } else { "less" };
    if d.diff.n < 2 {
        return format!(
            "{variant} booked {} {word} than {reference} over {quarters} quarters (one replication: no confidence interval; run more replications to compare).",
            amount(d.diff.mean),
        );
    }
    let verdict = if d.diff.ci_low > 0.0 || d.diff.ci_high < 0.0 {
        ""
    } else {
        " — not distinguishable from no difference"
    };
    format!(
        "{variant} booked {} {word} than {reference} over {quarters} quarters ({variant} − {reference} {}, 95% CI {} to {}; {variant} ahead in {:.0}% of replications){verdict}.",
        amount(d.diff.mean),
        show(d.diff.mean),
        show(d.diff.ci_low),
        show(d.diff.ci_high),
        d.share_better * 100.0
    )
}

/// The phases of bookings in words, in the order every verdict surface states them: the steady
/// state (per quarter, relative and in $k, with its trend), then the switch and its payback.
/// The horizon total ([`bookings_sentence`]) follows them.
pub fn phase_lines(
    variant: &str,
    reference: &str,
    p: &Phases,
    settle_quarters: u32,
    quarters: u32,
) -> Vec<String> {
    let k = |x: &Summary, unit: &str| {
        format!(
            "{} $k{unit} (95% CI {} to {})",
            signed_thousands(x.mean),
            signed_thousands(x.ci_low),
            signed_thousands(x.ci_high)
        )
    };
    let mut lines = Vec::new();
    if p.steady.n >= 2 {
        let span = if settle_quarters + 1 == quarters {
            format!("quarter {quarters}")
        } else {
            format!("quarters {}–{quarters}", settle_quarters + 1)
        };
        let relative = if p.steady_log_ratio.n >= 2 {
            let r = &p.steady_log_ratio;
            format!(
                "{} a quarter (95% CI {} to {}), ",
                signed_percent(percent(r.mean)),
                signed_percent(percent(r.ci_low)),
                signed_percent(percent(r.ci_high))
            )
        } else {
            String::new()
        };
        let clear = if p.steady.ci_low > 0.0 || p.steady.ci_high < 0.0 {
            ""
        } else {
            " — not distinguishable from no difference"
        };
        let trend = if p.trend.n >= 2 && p.trend.ci_low.is_finite() {
            format!("; trend {}", k(&p.trend, " a quarter per year"))
        } else {
            String::new()
        };
        lines.push(format!(
            "Steady state ({span}): {variant} − {reference} {relative}{}{clear}{trend}.",
            k(&p.steady, " a quarter")
        ));
    }
    if settle_quarters > 0 && p.switch.n >= 2 {
        let span = if settle_quarters.min(quarters) == 1 {
            "quarter 1".to_string()
        } else {
            format!("quarters 1–{}", settle_quarters.min(quarters))
        };
        let payback = match (p.payback.quarter, p.payback.earliest, p.payback.latest) {
            (Some(q), Some(lo), Some(hi)) if lo != hi => {
                format!("{variant} ahead from quarter {q} on (95% CI quarter {lo} to {hi})")
            }
            (Some(q), _, Some(_)) => format!("{variant} ahead from quarter {q} on"),
            (Some(q), _, None) => format!(
                "{variant} ahead from quarter {q} on (possibly not within {quarters} quarters)"
            ),
            (None, _, _) => format!("{variant} not ahead within {quarters} quarters"),
        };
        lines.push(format!(
            "Switch ({span}): {variant} − {reference} {}; cumulative payback: {payback}.",
            k(&p.switch, "")
        ));
    }
    lines
}

/// How a finished run's outputs were made, for the first line of its summary.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Made {
    /// Simulated in this many seconds on this many worker threads.
    Ran {
        /// Wall time, seconds.
        wall: f64,
        /// Worker threads.
        threads: usize,
    },
    /// Merged from this many slice folders in this many seconds (nothing simulated).
    Merged {
        /// Wall time, seconds.
        wall: f64,
        /// Slice folders.
        slices: usize,
    },
}

impl Made {
    /// Wall time, seconds.
    pub fn wall(&self) -> f64 {
        match *self {
            Made::Ran { wall, .. } | Made::Merged { wall, .. } => wall,
        }
    }
}

impl std::fmt::Display for Made {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        match *self {
            Made::Ran { wall, threads } => {
                write!(f, "{wall:.1} s on {threads} thread{}", plural(threads))
            }
            Made::Merged { wall, slices } => {
                write!(
                    f,
                    "merged from {slices} slice{} in {wall:.1} s",
                    plural(slices)
                )
            }
        }
    }
}

/// The whole terminal summary of a finished run.
pub fn render(
    plan: &Plan,
    summaries: &[PointSummary],
    throughput: &Throughput,
    made: Made,
    out: &std::path::Path,
) -> String {
    let cfg = plan.base();
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{}: {} replications × {} variants × {} point(s), {} quarters, seed {} ({made})",
        cfg.name,
        cfg.replications,
        cfg.variants.len(),
        plan.point_count(),
        cfg.horizon_quarters,
        cfg.seed,
    );
    if !cfg.question.is_empty() {
        let _ = writeln!(s, "{}", cfg.question);
    }
    let reference = cfg.reference;
    for ps in summaries {
        if !ps.values.is_empty() {
            let vals: Vec<String> = ps
                .values
                .iter()
                .map(|(k, v)| format!("{k} = {v}"))
                .collect();
            let _ = writeln!(s, "\npoint {}: {}", ps.point, vals.join(", "));
        }
        if summaries.len() == 1 {
            let _ = writeln!(s);
            let mut header = format!("{:<26}", "mean [95% CI]");
            for v in &cfg.variants {
                let _ = write!(header, "{:<28}", v.name);
            }
            let _ = writeln!(s, "{}", header.trim_end());
            for (metric, label, f) in SHOWN {
                let label = label.replace("{horizon}", &horizon(ps.horizon_quarters));
                let mut line = format!("{label:<26}");
                for sums in &ps.metrics {
                    let _ = write!(line, "{:<28}", with_ci(&sums[index(metric)], f));
                }
                let _ = writeln!(s, "{}", line.trim_end());
            }
            let _ = writeln!(s);
        }
        for (v, pairs) in ps.paired.iter().enumerate() {
            let Some(pairs) = pairs else { continue };
            let b = index("bookings");
            let ref_mean = ps.metrics[reference][b].mean;
            if let Some(Some(p)) = ps.steady.get(v) {
                for line in phase_lines(
                    &cfg.variants[v].name,
                    &cfg.variants[reference].name,
                    p,
                    ps.settle_quarters,
                    ps.horizon_quarters,
                ) {
                    let _ = writeln!(s, "{line}");
                }
                let _ = write!(s, "Horizon total: ");
            }
            let _ = writeln!(
                s,
                "{}",
                bookings_sentence(
                    &cfg.variants[v].name,
                    &cfg.variants[reference].name,
                    ref_mean,
                    &pairs[b],
                    ps.horizon_quarters
                )
            );
        }
    }
    let secs = made.wall().max(1e-9);
    if throughput.runs == 0 {
        let _ = writeln!(
            s,
            "\nNo runs computed: every run came from journals (resume or merge)."
        );
    } else {
        let _ = writeln!(
            s,
            "\nThroughput: {:.2}M customer-days/s, {:.2}M contacts/s ({} runs).\n{}.",
            throughput.customer_days as f64 / secs / 1e6,
            throughput.contacts as f64 / secs / 1e6,
            throughput.runs,
            crate::cpu::describe(
                crate::cpu::process_seconds(),
                secs,
                crate::cpu::load_average()
            )
        );
    }
    let _ = writeln!(
        s,
        "Outputs: {} (report: {})",
        out.display(),
        out.join("report.html").display()
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::stats::paired;

    #[test]
    fn phase_lines_state_the_steady_state_then_the_switch() {
        use crate::experiment::phases::phases;
        let reference = vec![vec![100.0; 6]; 3];
        let variant = vec![
            vec![80.0, 95.0, 102.0, 103.0, 101.0, 102.0],
            vec![82.0, 96.0, 101.0, 102.0, 102.0, 103.0],
            vec![81.0, 94.0, 103.0, 101.0, 103.0, 101.0],
        ];
        let p = phases(&variant, &reference, 2, Some(true));
        let lines = phase_lines("aligned", "aggressive", &p, 2, 6);
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(
            lines[0]
                .starts_with("Steady state (quarters 3–6): aligned − aggressive +2.0% a quarter"),
            "{lines:?}"
        );
        assert!(!lines[0].contains("not distinguishable"), "{lines:?}");
        assert!(
            lines[1].starts_with("Switch (quarters 1–2): aligned − aggressive −24 $k"),
            "{lines:?}"
        );
        // Cumulative −19, −24, −22, −21, −19, −17: never ahead.
        assert!(
            lines[1].ends_with("aligned not ahead within 6 quarters."),
            "{lines:?}"
        );
    }

    #[test]
    fn bookings_sentence_is_relative_to_the_reference() {
        let d = paired(&[110.0, 120.0, 130.0], &[100.0, 100.0, 100.0], Some(true));
        let s = bookings_sentence("aligned", "aggressive", 100.0, &d, 12);
        assert!(
            s.starts_with("aligned booked 20.0% more than aggressive"),
            "{s}"
        );
    }

    #[test]
    fn bookings_sentence_falls_back_to_k_when_the_reference_booked_nothing() {
        let d = paired(&[1500.0, 1700.0], &[0.0, 0.0], Some(true));
        let s = bookings_sentence("aligned", "aggressive", 0.0, &d, 8);
        assert!(s.starts_with("aligned booked 1,600 $k more"), "{s}");
        assert!(s.contains("aligned − aggressive +1,600 $k"), "{s}");
        assert!(!s.contains("inf") && !s.contains("NaN"), "{s}");
    }

    #[test]
    fn a_difference_is_stated_with_its_signed_interval() {
        let d = paired(
            &[97.0, 98.0, 96.0, 97.0],
            &[100.0, 100.0, 100.0, 100.0],
            Some(true),
        );
        let s = bookings_sentence("aligned", "aggressive", 100.0, &d, 12);
        assert!(s.starts_with("aligned booked 3.0% less"), "{s}");
        assert!(
            s.contains("aligned − aggressive −3.0%, 95% CI −4.3% to −1.7%"),
            "{s}"
        );
        assert_eq!(thousands(1234567.4), "1,234,567");
        assert_eq!(thousands(-950.0), "−950");
        assert_eq!(signed_thousands(844.2), "+844");
        assert_eq!(signed_thousands(-1090.0), "−1,090");
        assert_eq!(signed_thousands(-0.3), "0");
        assert_eq!(signed_percent(0.0), "0%");
        assert_eq!(signed_percent(-0.01), "0%");
        assert_eq!(signed_percent(2.84), "+2.8%");
        assert_eq!(signed(0.04, 2), "+0.04");
        assert_eq!(signed(-1.26, 1), "−1.3");
        assert_eq!(signed(-0.004, 2), "0");
        assert_eq!(signed(-1e-17, 1), "0");
    }

    #[test]
    fn bookings_sentence_of_one_replication_claims_no_interval() {
        let d = paired(&[102.0], &[100.0], Some(true));
        let s = bookings_sentence("aligned", "aggressive", 100.0, &d, 12);
        assert!(s.starts_with("aligned booked 2.0% more"), "{s}");
        assert!(
            s.contains("no confidence interval") && !s.contains("NaN"),
            "{s}"
        );
    }
}

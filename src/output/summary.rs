//! The terminal summary: a short aligned table with 95% CIs, then the comparison in plain words.

use super::PointSummary;
use crate::experiment::phases::{percent, Phases};
use crate::experiment::stats::{summarize, Paired, Summary};
use crate::experiment::{Plan, Throughput};
use crate::metrics::RUN_METRICS;
use std::fmt::Write as _;

/// The number formats every surface shares live in [`crate::shown`]; they are also reachable
/// from here, where the terminal summary's callers have always found them.
pub use crate::shown::{signed, signed_percent, signed_thousands, thousands};

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
        Format::Money => crate::shown::thousands(v),
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

/// A difference as every verdict surface states it, computed and rounded in one place: relative
/// to the reference (the paired log ratio of [`crate::experiment::stats::paired_log_ratio`], as a
/// percentage) when every replication has it, else in $k. The terminal, `lesson.md`, the report
/// and the `serve` page state the horizon total of bookings through it, so the same interval
/// reads the same everywhere.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stated {
    /// The difference: percent when `relative`, else $k.
    pub mean: f64,
    /// Lower end of its 95% CI (NaN with one replication).
    pub low: f64,
    /// Upper end.
    pub high: f64,
    /// Whether the numbers are percentages of the reference.
    pub relative: bool,
    /// Replications.
    pub n: usize,
}

impl Stated {
    /// The difference `d` (variant − reference, $k) stated relative to the reference when its
    /// paired log ratio `log_ratio` covers every replication of `d`.
    pub fn of(d: &Summary, log_ratio: &Summary) -> Stated {
        if log_ratio.n >= 1 && log_ratio.n == d.n {
            Stated {
                mean: percent(log_ratio.mean),
                low: percent(log_ratio.ci_low),
                high: percent(log_ratio.ci_high),
                relative: true,
                n: d.n,
            }
        } else {
            Stated {
                mean: d.mean,
                low: d.ci_low,
                high: d.ci_high,
                relative: false,
                n: d.n,
            }
        }
    }

    /// One end (or the middle) with its sign and unit: "+3.0%", "−1,090 $k".
    pub fn show(&self, x: f64) -> String {
        if self.relative {
            crate::shown::signed_percent(x)
        } else {
            crate::shown::signed_money(x)
        }
    }

    /// The size of the difference, without its sign: "3.0%", "1,090 $k".
    pub fn amount(&self) -> String {
        if self.relative {
            crate::shown::unsigned_percent(self.mean)
        } else {
            crate::shown::money(self.mean.abs())
        }
    }

    /// "95% CI −4.0% to −2.0%".
    pub fn interval(&self) -> String {
        format!("95% CI {} to {}", self.show(self.low), self.show(self.high))
    }

    /// Whether the interval lies above zero (the variant clearly ahead).
    pub fn above(&self) -> bool {
        self.low > 0.0
    }

    /// Whether the interval lies below zero (the reference clearly ahead).
    pub fn below(&self) -> bool {
        self.high < 0.0
    }

    /// "more" or "less", by the sign of the stated difference.
    pub fn more_or_less(&self) -> &'static str {
        if self.mean >= 0.0 {
            "more"
        } else {
            "less"
        }
    }
}

/// "aligned booked 2.8% less than aggressive over 12 quarters (aligned − aggressive −2.8%, 95% CI
/// −4.6% to −0.9%; aligned ahead in 33% of replications)". Every surface (terminal, report,
/// lesson) states a difference as variant − reference with its signed interval, relative from
/// the paired log ratio `log_ratio` ([`Stated`]).
pub fn bookings_sentence(
    variant: &str,
    reference: &str,
    d: &Paired,
    log_ratio: &Summary,
    quarters: u32,
) -> String {
    let stated = Stated::of(&d.diff, log_ratio);
    let word = stated.more_or_less();
    if d.diff.n < 2 {
        return format!(
            "{variant} booked {} {word} than {reference} over {quarters} quarters (one replication: no confidence interval; run more replications to compare).",
            stated.amount(),
        );
    }
    let verdict = if stated.above() || stated.below() {
        ""
    } else {
        " — not distinguishable from no difference"
    };
    format!(
        "{variant} booked {} {word} than {reference} over {quarters} quarters ({variant} − {reference} {}, {}; {variant} ahead in {:.0}% of replications){verdict}.",
        stated.amount(),
        stated.show(stated.mean),
        stated.interval(),
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
            let log_ratio = ps
                .relative
                .get(v)
                .and_then(Option::as_ref)
                .map_or_else(|| summarize(&[]), |r| r[b]);
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
                    &pairs[b],
                    &log_ratio,
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

    /// The paired log ratio of `variant` against `reference`.
    fn ratio(variant: &[f64], reference: &[f64]) -> Summary {
        crate::experiment::stats::paired_log_ratio(variant, reference)
    }

    #[test]
    fn bookings_sentence_is_relative_to_the_reference() {
        let (v, r) = ([110.0, 120.0, 130.0], [100.0, 100.0, 100.0]);
        let d = paired(&v, &r, Some(true));
        let s = bookings_sentence("aligned", "aggressive", &d, &ratio(&v, &r), 12);
        // The paired log ratio: e^mean(ln 1.1, ln 1.2, ln 1.3) − 1 = +19.7%, not 20.0%.
        assert!(
            s.starts_with("aligned booked 19.7% more than aggressive"),
            "{s}"
        );
    }

    #[test]
    fn bookings_sentence_falls_back_to_k_when_the_reference_booked_nothing() {
        let (v, r) = ([1500.0, 1700.0], [0.0, 0.0]);
        let d = paired(&v, &r, Some(true));
        let s = bookings_sentence("aligned", "aggressive", &d, &ratio(&v, &r), 8);
        assert!(s.starts_with("aligned booked 1,600 $k more"), "{s}");
        assert!(s.contains("aligned − aggressive +1,600 $k"), "{s}");
        assert!(!s.contains("inf") && !s.contains("NaN"), "{s}");
    }

    #[test]
    fn a_difference_is_stated_with_its_signed_interval() {
        let (v, r) = ([97.0, 98.0, 96.0, 97.0], [100.0, 100.0, 100.0, 100.0]);
        let d = paired(&v, &r, Some(true));
        let s = bookings_sentence("aligned", "aggressive", &d, &ratio(&v, &r), 12);
        assert!(s.starts_with("aligned booked 3.0% less"), "{s}");
        assert!(
            s.contains("aligned − aggressive −3.0%, 95% CI −4.3% to −1.7%"),
            "{s}"
        );
    }

    #[test]
    fn a_relative_interval_never_passes_minus_100_percent() {
        // Bookings collapsing in most replications: a difference of means over the reference's
        // mean would put the interval's low end far below −100%.
        let v = [1.0, 1.0, 1.0, 1.0, 6000.0];
        let r = [2000.0; 5];
        let d = paired(&v, &r, Some(true));
        let linear_low = 100.0 * d.diff.ci_low / 2000.0;
        assert!(linear_low < -100.0, "{linear_low}");
        let stated = Stated::of(&d.diff, &ratio(&v, &r));
        assert!(stated.relative && stated.low >= -100.0, "{stated:?}");
    }

    #[test]
    fn bookings_sentence_of_one_replication_claims_no_interval() {
        let d = paired(&[102.0], &[100.0], Some(true));
        let s = bookings_sentence("aligned", "aggressive", &d, &ratio(&[102.0], &[100.0]), 12);
        assert!(s.starts_with("aligned booked 2.0% more"), "{s}");
        assert!(
            s.contains("no confidence interval") && !s.contains("NaN"),
            "{s}"
        );
    }
}

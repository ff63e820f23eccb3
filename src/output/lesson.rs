//! The trainer's lesson: the built-in run told in a few short paragraphs, with measured numbers.
//!
//! Every sentence is filled from the run's summaries; the wording changes with the direction of
//! the results, so the story never claims more than the numbers show.

use super::PointSummary;
use crate::experiment::Plan;
use crate::metrics::RUN_METRICS;
use std::fmt::Write as _;

fn mean(ps: &PointSummary, variant: usize, metric: &str) -> f64 {
    let m = RUN_METRICS
        .iter()
        .position(|x| *x == metric)
        .expect("known metric");
    ps.metrics[variant][m].mean
}

fn pct(x: f64) -> String {
    format!("{:.0}%", 100.0 * x)
}

/// The lesson narrative for a two-variant run (the reference is the quarter-driven team).
pub fn narrate(plan: &Plan, ps: &PointSummary, report: &std::path::Path) -> String {
    let cfg = plan.base();
    let reference = cfg.reference;
    let Some(other) = (0..cfg.variants.len()).find(|&v| v != reference) else {
        return String::new();
    };
    let (a, b) = (&cfg.variants[reference].name, &cfg.variants[other].name);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "\n── The lesson ──────────────────────────────────────────────────────────\n"
    );
    let hs = (
        mean(ps, reference, "hockey_stick"),
        mean(ps, other, "hockey_stick"),
    );
    let _ = writeln!(
        s,
        "The wasps show up every quarter. The {a} team closed {} of its deals in the last two weeks \
         of each quarter (an even spread would be {}); the {b} team closed {}, following the \
         customers' own calendars. It pulled in {:.0} deals per run with quarter-end discounts, \
         giving away ${:.0}k.\n",
        pct(hs.0),
        pct(2.0 / 13.0),
        pct(hs.1),
        ps.pulled_in[reference],
        mean(ps, reference, "discount_cost")
    );
    let _ = writeln!(
        s,
        "The customers noticed. {} of the {a} team's contacts were unwelcome (the {b} team: {}). \
         Accounts blocked the {a} team {:.0} times over {} quarters — pest control — against {:.0} \
         for the {b} team. No decision ended {} of its qualified deals ({} for {b}), and their trust in \
         it averaged {:.2} versus {:.2}.\n",
        pct(mean(ps, reference, "unwelcome_share")),
        pct(mean(ps, other, "unwelcome_share")),
        mean(ps, reference, "blocks"),
        cfg.horizon_quarters,
        mean(ps, other, "blocks"),
        pct(mean(ps, reference, "no_decision_rate")),
        pct(mean(ps, other, "no_decision_rate")),
        mean(ps, reference, "mean_trust"),
        mean(ps, other, "mean_trust"),
    );
    let bookings = RUN_METRICS
        .iter()
        .position(|x| *x == "bookings")
        .expect("bookings");
    if let Some(Some(pairs)) = ps.paired.get(other) {
        let ref_mean = ps.metrics[reference][bookings].mean;
        let _ = writeln!(
            s,
            "Over the whole run: {}\n",
            super::summary::bookings_sentence(
                b,
                a,
                ref_mean,
                &pairs[bookings],
                cfg.horizon_quarters
            )
        );
    }
    let q = &ps.quarter_bookings;
    let ahead: Vec<usize> = (0..q[reference].len())
        .filter(|&i| q[reference][i] > q[other][i])
        .collect();
    if ahead.is_empty() {
        let _ = writeln!(
            s,
            "Pressure did not pay in any single quarter of this market: {b} booked more in every quarter.\n"
        );
    } else {
        let list: Vec<String> = ahead.iter().map(|i| format!("Q{}", i + 1)).collect();
        let _ = writeln!(
            s,
            "Where pressure did pay: the {a} team booked more in {} (Q1: ${:.0}k against ${:.0}k).",
            list.join(", "),
            q[reference][0],
            q[other][0],
        );
    }
    if let Some(Some(pairs)) = ps.paired.get(other) {
        let d = &pairs[bookings].diff;
        let verdict = if d.ci_low > 0.0 {
            format!(
                "Judged one quarter at a time, pressure can look right; over {} quarters the {b} team \
                 came out ahead, without the discounts or the blocks.",
                cfg.horizon_quarters
            )
        } else if d.ci_high < 0.0 {
            format!(
                "In this market pressure paid over the whole {} quarters too: the {a} team's extra \
                 deals outweighed its discounts and the accounts it annoyed.",
                cfg.horizon_quarters
            )
        } else {
            format!(
                "Over {} quarters the two come out level: the {a} team's early lead was paid for \
                 with discounts and blocked accounts.",
                cfg.horizon_quarters
            )
        };
        let _ = writeln!(s, "{verdict}\n");
    }
    let _ = writeln!(s, "Charts and the full report: {}", report.display());
    s
}

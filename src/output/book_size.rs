//! "You are here": the lesson's comparison at other book sizes.
//!
//! Book size (accounts per rep) is the market's strongest lever on the answer (docs/LIBRARY.md),
//! so the full lesson also runs its market, with everything else as it is, at a few book sizes
//! with a few replications each, and `book_size.csv` keeps the paired difference of bookings at
//! each: the report draws it with the lesson's own book size marked. Two differences are kept,
//! each a ratio on the log scale (the mean over replications of ln(variant ÷ reference), with its
//! 95% interval, shown as a percentage, so an interval never passes −100%): the steady state per
//! quarter, the verdict's first number and the one the chart draws, and the horizon total,
//! switch included. At the lesson's own book size the row is the lesson's own run ([`own`]), not
//! a smaller re-run, so the chart there states exactly the verdict's numbers.

use crate::error::SalesimError;
use crate::experiment::phases::phases;
use crate::experiment::stats::{paired_log_ratio, Summary};
use crate::experiment::{self, Plan};
use crate::scenario::{Override, ScenarioSource};

/// The file the comparison is kept in.
pub const FILE: &str = "book_size.csv";

/// Accounts per rep of ours at which the market is run.
pub const ACCOUNTS_PER_REP: [u32; 4] = [100, 200, 400, 800];

/// Replications at each book size (a rough "you are here", not the lesson's precision).
pub const REPLICATIONS: u32 = 12;

/// The columns of [`FILE`].
pub const COLUMNS: [&str; 12] = [
    "accounts_per_rep",
    "customers",
    "variant",
    "reference",
    "replications",
    "bookings_ratio_pct",
    "ci_low_pct",
    "ci_high_pct",
    "lesson_accounts_per_rep",
    "steady_ratio_pct",
    "steady_ci_low_pct",
    "steady_ci_high_pct",
];

/// One book size's comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct BookSize {
    /// Accounts per rep of ours.
    pub accounts_per_rep: u32,
    /// Accounts in the market.
    pub customers: u32,
    /// Replications compared.
    pub replications: usize,
    /// Mean of ln(variant ÷ reference bookings over the horizon) over replications, and its
    /// 95% CI.
    pub log_ratio: Summary,
    /// Mean of ln(variant ÷ reference bookings per quarter over the steady quarters) over
    /// replications, and its 95% CI (`phases.csv`'s `steady_relative`).
    pub steady_log_ratio: Summary,
    /// The lesson's own accounts per rep (the mark on the chart).
    pub lesson_accounts_per_rep: f64,
}

/// The lesson's own accounts per rep of ours.
fn own_accounts_per_rep(plan: &Plan) -> f64 {
    let cfg = plan.base();
    let reps: u32 = cfg.vendors[0].teams.iter().map(|t| t.reps).sum();
    cfg.market.customers as f64 / reps.max(1) as f64
}

/// The lesson's own row, from its finished run `ps` (its second variant against its reference):
/// the same numbers the verdict states. `None` without a second variant.
pub fn own(plan: &Plan, ps: &super::PointSummary) -> Option<BookSize> {
    let cfg = plan.base();
    let other = (0..cfg.variants.len()).find(|&v| v != cfg.reference)?;
    let here = own_accounts_per_rep(plan);
    let bookings = crate::metrics::run_metric("bookings");
    Some(BookSize {
        accounts_per_rep: here.round() as u32,
        customers: cfg.market.customers,
        replications: ps.paired.get(other)?.as_ref()?[bookings].diff.n,
        log_ratio: ps.relative.get(other)?.as_ref()?[bookings],
        steady_log_ratio: ps
            .steady
            .get(other)
            .copied()
            .flatten()
            .map_or_else(|| paired_log_ratio(&[], &[]), |p| p.steady_log_ratio),
        lesson_accounts_per_rep: here,
    })
}

/// Runs the scenario (with `overrides`) at each of [`ACCOUNTS_PER_REP`] but the lesson's own
/// (whose row is [`own`]), comparing its second variant with its reference. Empty if the plan
/// has no second variant.
pub fn measure(
    source: &ScenarioSource,
    overrides: &[Override],
    threads: usize,
) -> Result<Vec<BookSize>, SalesimError> {
    let base = experiment::plan(source, overrides)?;
    let cfg = base.base();
    let reps: u32 = cfg.vendors[0].teams.iter().map(|t| t.reps).sum();
    let here = own_accounts_per_rep(&base);
    let reference = cfg.reference;
    let Some(other) = (0..cfg.variants.len()).find(|&v| v != reference) else {
        return Ok(Vec::new());
    };
    let settle = cfg.settle_quarters;
    let bookings = crate::metrics::run_metric("bookings");
    let mut out = Vec::new();
    for per_rep in ACCOUNTS_PER_REP
        .into_iter()
        .filter(|&n| f64::from(n) != here)
    {
        let customers = per_rep * reps;
        let mut all = overrides.to_vec();
        for set in [
            format!("market.customers={customers}"),
            format!("replications={REPLICATIONS}"),
        ] {
            all.push(Override::parse(&set)?);
        }
        let plan: Plan = experiment::plan(source, &all)?;
        // Per replication: each side's bookings over the horizon and per quarter.
        let mut pairs: Vec<(u32, [f64; 2], [Vec<f64>; 2])> = Vec::new();
        experiment::execute(&plan, Some(threads), &|| {}, &mut |_, result| {
            for r in result.runs.iter().filter(|r| r.variant == other) {
                let Some(base) = result
                    .runs
                    .iter()
                    .find(|x| x.variant == reference && x.replication == r.replication)
                else {
                    continue;
                };
                let quarters = |x: &experiment::RunResult| {
                    x.record.quarters.iter().map(|q| q.bookings).collect()
                };
                pairs.push((
                    r.replication,
                    [
                        base.record.metrics()[bookings],
                        r.record.metrics()[bookings],
                    ],
                    [quarters(base), quarters(r)],
                ));
            }
            Ok(())
        })?;
        pairs.sort_by_key(|(rep, _, _)| *rep);
        let side = |i: usize| -> Vec<f64> { pairs.iter().map(|(_, t, _)| t[i]).collect() };
        let quarters =
            |i: usize| -> Vec<Vec<f64>> { pairs.iter().map(|(_, _, q)| q[i].clone()).collect() };
        out.push(BookSize {
            accounts_per_rep: per_rep,
            customers,
            replications: pairs.len(),
            log_ratio: paired_log_ratio(&side(1), &side(0)),
            steady_log_ratio: phases(&quarters(1), &quarters(0), settle, Some(true))
                .steady_log_ratio,
            lesson_accounts_per_rep: here,
        });
    }
    Ok(out)
}

/// The comparison as `book_size.csv` text: one row per book size, in order of size, the
/// differences as percentages of the reference's bookings (the horizon total,
/// `bookings_ratio_pct`, and the steady state per quarter, `steady_ratio_pct`) with their
/// intervals, unrounded (the report rounds them once, as it rounds every percentage).
pub fn csv(rows: &[BookSize], variant: &str, reference: &str) -> Vec<u8> {
    let pct = |x: f64| super::num(crate::experiment::phases::percent(x));
    let mut rows = rows.to_vec();
    rows.sort_by_key(|r| r.accounts_per_rep);
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut write = |record: Vec<String>| w.write_record(record).expect("writes to memory");
    write(COLUMNS.iter().map(|c| c.to_string()).collect());
    for r in &rows {
        write(vec![
            r.accounts_per_rep.to_string(),
            r.customers.to_string(),
            super::csv_text(variant).into_owned(),
            super::csv_text(reference).into_owned(),
            r.replications.to_string(),
            pct(r.log_ratio.mean),
            pct(r.log_ratio.ci_low),
            pct(r.log_ratio.ci_high),
            format!("{:.1}", r.lesson_accounts_per_rep),
            pct(r.steady_log_ratio.mean),
            pct(r.steady_log_ratio.ci_low),
            pct(r.steady_log_ratio.ci_high),
        ]);
    }
    w.into_inner().expect("writes to memory")
}

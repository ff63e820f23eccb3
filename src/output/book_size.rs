//! "You are here": the lesson's comparison at other book sizes.
//!
//! Book size (accounts per rep) is the market's strongest lever on the answer (docs/LIBRARY.md),
//! so the full lesson also runs its market, with everything else as it is, at a few book sizes
//! with a few replications each, and `book_size.csv` keeps the paired difference of bookings at
//! each: the report draws it with the lesson's own book size marked. The difference is a ratio
//! on the log scale: the mean over replications of ln(variant ÷ reference), with its 95%
//! interval, shown as a percentage (so an interval never passes −100%).

use crate::error::SalesimError;
use crate::experiment::stats::summarize;
use crate::experiment::{self, Plan};
use crate::scenario::{Override, ScenarioSource};

/// The file the comparison is kept in.
pub const FILE: &str = "book_size.csv";

/// Accounts per rep of ours at which the market is run.
pub const ACCOUNTS_PER_REP: [u32; 4] = [100, 200, 400, 800];

/// Replications at each book size (a rough "you are here", not the lesson's precision).
pub const REPLICATIONS: u32 = 12;

/// The columns of [`FILE`].
pub const COLUMNS: [&str; 9] = [
    "accounts_per_rep",
    "customers",
    "variant",
    "reference",
    "replications",
    "bookings_ratio_pct",
    "ci_low_pct",
    "ci_high_pct",
    "lesson_accounts_per_rep",
];

/// One book size's comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct BookSize {
    /// Accounts per rep of ours.
    pub accounts_per_rep: u32,
    /// Accounts in the market.
    pub customers: u32,
    /// Mean of ln(variant ÷ reference bookings) over replications, and its 95% CI.
    pub log_ratio: crate::experiment::stats::Summary,
    /// The lesson's own accounts per rep (the mark on the chart).
    pub lesson_accounts_per_rep: f64,
}

/// Runs the scenario (with `overrides`) at each of [`ACCOUNTS_PER_REP`], comparing its second
/// variant with its reference. `None` if the plan has no second variant.
pub fn measure(
    source: &ScenarioSource,
    overrides: &[Override],
    threads: usize,
) -> Result<Vec<BookSize>, SalesimError> {
    let base = experiment::plan(source, overrides)?;
    let cfg = base.base();
    let reps: u32 = cfg.vendors[0].teams.iter().map(|t| t.reps).sum();
    let here = cfg.market.customers as f64 / reps.max(1) as f64;
    let reference = cfg.reference;
    let Some(other) = (0..cfg.variants.len()).find(|&v| v != reference) else {
        return Ok(Vec::new());
    };
    let bookings = crate::metrics::run_metric("bookings");
    let mut out = Vec::new();
    for per_rep in ACCOUNTS_PER_REP {
        let customers = per_rep * reps;
        let mut all = overrides.to_vec();
        for set in [
            format!("market.customers={customers}"),
            format!("replications={REPLICATIONS}"),
        ] {
            all.push(Override::parse(&set)?);
        }
        let plan: Plan = experiment::plan(source, &all)?;
        let mut logs = Vec::new();
        experiment::execute(&plan, Some(threads), &|| {}, &mut |_, result| {
            for r in result.runs.iter().filter(|r| r.variant == other) {
                let Some(base) = result
                    .runs
                    .iter()
                    .find(|x| x.variant == reference && x.replication == r.replication)
                else {
                    continue;
                };
                let (a, b) = (
                    base.record.metrics()[bookings],
                    r.record.metrics()[bookings],
                );
                if a > 0.0 && b > 0.0 {
                    logs.push((b / a).ln());
                }
            }
            Ok(())
        })?;
        out.push(BookSize {
            accounts_per_rep: per_rep,
            customers,
            log_ratio: summarize(&logs),
            lesson_accounts_per_rep: here,
        });
    }
    Ok(out)
}

/// The comparison as `book_size.csv` text: one row per book size, the difference as a
/// percentage of the reference's bookings (`bookings_ratio_pct`) with its interval.
pub fn csv(rows: &[BookSize], variant: &str, reference: &str) -> Vec<u8> {
    let pct = |x: f64| format!("{:.3}", 100.0 * (x.exp() - 1.0));
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut write = |record: Vec<String>| w.write_record(record).expect("writes to memory");
    write(COLUMNS.iter().map(|c| c.to_string()).collect());
    for r in rows {
        write(vec![
            r.accounts_per_rep.to_string(),
            r.customers.to_string(),
            super::csv_text(variant).into_owned(),
            super::csv_text(reference).into_owned(),
            r.log_ratio.n.to_string(),
            pct(r.log_ratio.mean),
            pct(r.log_ratio.ci_low),
            pct(r.log_ratio.ci_high),
            format!("{:.1}", r.lesson_accounts_per_rep),
        ]);
    }
    w.into_inner().expect("writes to memory")
}

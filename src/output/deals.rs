//! The rows of `deals.csv` (written with `--deals`), one point at a time: per run, one row per
//! opportunity of every vendor, ours and the rivals ([`crate::engine::deals`] says what an
//! opportunity is, when it is created and closed, and what each outcome means).
//!
//! Keys as in `teams.csv` and `vendors.csv` (`point, variant, replication, param_<name>...`),
//! then [`DEAL_COLUMNS`]. Vendor and team are the names of the scenario's `vendors` and their
//! `teams`; `rep` is numbered across the run (vendor 0's reps first, team by team);
//! `closed_day` is empty for an open opportunity; booleans are `true` / `false`.

use super::breakdown::run_key;
use super::csv_text;
#[cfg(doc)]
use super::num;
use crate::experiment::{Point, PointResult};
use std::fmt::Write as _;

/// The file's name in the output folder.
pub const DEALS_FILE: &str = "deals.csv";

/// Columns of `deals.csv` after `point`, `variant`, `replication` and any `param_*` columns.
pub const DEAL_COLUMNS: [&str; 16] = [
    "vendor",
    "team",
    "rep",
    "account",
    "segment",
    "created_day",
    "closed_day",
    "outcome",
    "list_k",
    "net_k",
    "discount",
    "pulled_in",
    "pull_in_offered",
    "renewal",
    "incumbent",
    "shortlisted_at_close",
];

/// Writes the `deals.csv` rows of a point: per run (in the point's order), its deal records in
/// the order the run made them. Cell by cell into the writer, through one reusable buffer: a
/// run has thousands of records, and allocating a row of strings for each would cost more than
/// the simulation that made them.
pub fn write_deals<W: std::io::Write>(
    w: &mut csv::Writer<W>,
    point: &Point,
    result: &PointResult,
) -> csv::Result<()> {
    let cfg = &point.config;
    let mut buf = String::new();
    let mut cell = |w: &mut csv::Writer<W>, value: &dyn std::fmt::Display| {
        buf.clear();
        write!(buf, "{value}").expect("writing to a String");
        w.write_field(&buf)
    };
    for run in &result.runs {
        let key = run_key(point, run.variant, run.replication);
        for deal in &run.deals {
            let vendor = &cfg.vendors[deal.vendor as usize];
            for k in &key {
                w.write_field(k)?;
            }
            w.write_field(csv_text(&vendor.name).as_bytes())?;
            w.write_field(csv_text(&vendor.teams[deal.team as usize].name).as_bytes())?;
            cell(w, &deal.rep)?;
            cell(w, &deal.account)?;
            w.write_field(deal.segment.name())?;
            cell(w, &deal.created_day)?;
            match deal.closed_day {
                Some(day) => cell(w, &day)?,
                None => w.write_field("")?,
            }
            w.write_field(deal.outcome.as_str())?;
            // As [`num`] writes them (shortest round-trip decimal), without a string per cell.
            for x in [deal.list_k, deal.net_k, deal.discount] {
                cell(w, &x)?;
            }
            for flag in [
                deal.pulled_in,
                deal.pull_in_offered,
                deal.renewal,
                deal.incumbent,
                deal.shortlisted_at_close,
            ] {
                w.write_field(if flag { "true" } else { "false" })?;
            }
            // Ends the row of cells written one by one.
            w.write_record(None::<&[u8]>)?;
        }
    }
    Ok(())
}

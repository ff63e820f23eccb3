//! The rows of `deals.csv` (written with `--deals`), one point at a time: per run, one row per
//! opportunity of every vendor, ours and the rivals ([`crate::engine::deals`] says what an
//! opportunity is, when it is created and closed, and what each outcome means).
//!
//! Keys as in `teams.csv` and `vendors.csv` (`point, variant, replication, param_<name>...`),
//! then [`DEAL_COLUMNS`]. Vendor and team are the names of the scenario's `vendors` and their
//! `teams`; `rep` is numbered across the run (vendor 0's reps first, team by team);
//! `closed_day` is empty for an open opportunity; booleans are `true` / `false`.

use super::breakdown::run_key;
use super::{csv_text, num};
use crate::engine::DealRecord;
use crate::experiment::{Point, PointResult};

/// The file's name in the output folder.
pub const DEALS_FILE: &str = "deals.csv";

/// Columns of `deals.csv` after `point`, `variant`, `replication` and any `param_*` columns.
pub const DEAL_COLUMNS: [&str; 15] = [
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
    "renewal",
    "incumbent",
    "shortlisted_at_close",
];

/// The `deals.csv` rows of a point: per run (in the point's order), its deal records in the
/// order the run made them.
pub fn deal_rows<'a>(
    point: &'a Point,
    result: &'a PointResult,
) -> impl Iterator<Item = Vec<String>> + 'a {
    let cfg = &point.config;
    result.runs.iter().flat_map(move |run| {
        let key = run_key(point, run.variant, run.replication);
        run.deals.iter().map(move |deal| {
            let vendor = &cfg.vendors[deal.vendor as usize];
            let mut row = key.clone();
            row.extend(deal_cells(
                deal,
                &vendor.name,
                &vendor.teams[deal.team as usize].name,
            ));
            row
        })
    })
}

/// The cells of one record after the keys, in [`DEAL_COLUMNS`] order.
fn deal_cells(deal: &DealRecord, vendor: &str, team: &str) -> [String; DEAL_COLUMNS.len()] {
    [
        csv_text(vendor).into_owned(),
        csv_text(team).into_owned(),
        deal.rep.to_string(),
        deal.account.to_string(),
        deal.segment.name().to_string(),
        deal.created_day.to_string(),
        deal.closed_day.map_or_else(String::new, |d| d.to_string()),
        deal.outcome.as_str().to_string(),
        num(deal.list_k),
        num(deal.net_k),
        num(deal.discount),
        deal.pulled_in.to_string(),
        deal.renewal.to_string(),
        deal.incumbent.to_string(),
        deal.shortlisted_at_close.to_string(),
    ]
}

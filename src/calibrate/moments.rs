//! Observed moments of a set of opportunities, each with a seeded bootstrap 95% CI: what a
//! market looks like in its CRM, and what the fit will ask the simulator to reproduce.
//!
//! [`observe`] is the one function that computes them, from a slice of [`Opportunity`] and a
//! [`FiscalCalendar`]: a CRM export's opportunities and simulated ones go through the same code.
//!
//! The moments ([`names`] has every name):
//!
//! | moment | value | resampled |
//! |---|---|---|
//! | `opportunities`, `quarters_spanned`, `reps`, `teams`, `accounts` | counted | — |
//! | `accounts_per_rep` | distinct accounts ÷ reps: a lower bound of book size | reps |
//! | `opportunities_per_rep_quarter` | opportunities created ÷ (reps × quarters spanned) | reps |
//! | `win_rate` | won ÷ closed | accounts |
//! | `lost_to_competitor_share`, `no_decision_share`, `lost_split_unknown_share` | ÷ closed | accounts |
//! | `cycle_days_won_p25` … `_p90`, `cycle_days_closed_p25` … `_p90` | days created → closed, per segment too | accounts |
//! | `deal_size_median`, `deal_size_log_mean`, `deal_size_log_sd` | won amounts > 0; lognormal fit (maximum likelihood), per segment too | accounts |
//! | `bookings_share_week_01` … `_13`, `bookings_share_weeks_12_13` | share of won bookings by week of quarter | accounts |
//! | `deals_share_weeks_12_13` | share of won deals in weeks 12–13 (the simulator's `hockey_stick`) | accounts |
//! | `discount_week_01` … `_13`, `discount_mean` | mean of 1 − amount ÷ list amount, won deals | accounts |
//! | `wins_per_winning_account`, `repeat_account_share` | won deals ÷ accounts that won; share of them with ≥ 2 wins, over the span | accounts |
//! | `wins_per_winning_account_year`, `repeat_account_share_year` | the same within each fiscal year (per account-year with a win) | accounts |
//!
//! The bootstrap resamples *accounts* (all of an account's opportunities together, as one
//! customer's deals are not independent) for every moment of deals, and *reps* for the moments
//! per rep. Counts are exact (the export lists every rep and account it has): their interval is
//! the value itself. Intervals are percentile intervals (2.5% and 97.5% of the resampled values,
//! interpolated as R's type 7), each resample drawn from its own seeded stream
//! ([`crate::rng::resample_stream`]): the same seed gives the same intervals on any number of
//! threads. Quantiles are R's type 7 too.
//!
//! A moment the data cannot identify (no list amounts, no loss reasons, no won deal in a week
//! or segment) has no value (`NaN`), `identified` false, and its note says why; none is ever
//! defaulted.

use super::{FiscalCalendar, Opportunity, Outcome};
use crate::experiment::stats::quantile;
use crate::rng::{random_index, resample_stream};
use chrono::NaiveDate;
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};

/// The moments' names.
pub mod names {
    /// Opportunities analysed.
    pub const OPPORTUNITIES: &str = "opportunities";
    /// Fiscal quarters from the first to the last created opportunity.
    pub const QUARTERS_SPANNED: &str = "quarters_spanned";
    /// Reps who own an opportunity.
    pub const REPS: &str = "reps";
    /// Teams of those reps.
    pub const TEAMS: &str = "teams";
    /// Accounts with an opportunity.
    pub const ACCOUNTS: &str = "accounts";
    /// Accounts seen per rep (a lower bound of book size).
    pub const ACCOUNTS_PER_REP: &str = "accounts_per_rep";
    /// Opportunities created per rep per fiscal quarter.
    pub const OPPORTUNITIES_PER_REP_QUARTER: &str = "opportunities_per_rep_quarter";
    /// Won ÷ closed.
    pub const WIN_RATE: &str = "win_rate";
    /// Lost to a competitor ÷ closed.
    pub const LOST_TO_COMPETITOR_SHARE: &str = "lost_to_competitor_share";
    /// No decision ÷ closed.
    pub const NO_DECISION_SHARE: &str = "no_decision_share";
    /// Lost without a known split ÷ closed.
    pub const LOST_SPLIT_UNKNOWN_SHARE: &str = "lost_split_unknown_share";
    /// Cycle-length quantiles (days) of won opportunities.
    pub const CYCLE_DAYS_WON: [&str; 4] = [
        "cycle_days_won_p25",
        "cycle_days_won_p50",
        "cycle_days_won_p75",
        "cycle_days_won_p90",
    ];
    /// Cycle-length quantiles (days) of closed opportunities.
    pub const CYCLE_DAYS_CLOSED: [&str; 4] = [
        "cycle_days_closed_p25",
        "cycle_days_closed_p50",
        "cycle_days_closed_p75",
        "cycle_days_closed_p90",
    ];
    /// Median won amount ($).
    pub const DEAL_SIZE_MEDIAN: &str = "deal_size_median";
    /// Mean of ln(won amount $): the lognormal fit's μ.
    pub const DEAL_SIZE_LOG_MEAN: &str = "deal_size_log_mean";
    /// Standard deviation of ln(won amount $): the lognormal fit's σ.
    pub const DEAL_SIZE_LOG_SD: &str = "deal_size_log_sd";
    /// Share of won bookings closed in each week of the fiscal quarter (1–13).
    pub const BOOKINGS_SHARE_WEEK: [&str; 13] = [
        "bookings_share_week_01",
        "bookings_share_week_02",
        "bookings_share_week_03",
        "bookings_share_week_04",
        "bookings_share_week_05",
        "bookings_share_week_06",
        "bookings_share_week_07",
        "bookings_share_week_08",
        "bookings_share_week_09",
        "bookings_share_week_10",
        "bookings_share_week_11",
        "bookings_share_week_12",
        "bookings_share_week_13",
    ];
    /// Share of won bookings in weeks 12–13: the hockey stick.
    pub const BOOKINGS_SHARE_WEEKS_12_13: &str = "bookings_share_weeks_12_13";
    /// Share of won deals in weeks 12–13 (the simulator's `hockey_stick` metric).
    pub const DEALS_SHARE_WEEKS_12_13: &str = "deals_share_weeks_12_13";
    /// Mean discount of won deals closed in each week of the fiscal quarter (1–13).
    pub const DISCOUNT_WEEK: [&str; 13] = [
        "discount_week_01",
        "discount_week_02",
        "discount_week_03",
        "discount_week_04",
        "discount_week_05",
        "discount_week_06",
        "discount_week_07",
        "discount_week_08",
        "discount_week_09",
        "discount_week_10",
        "discount_week_11",
        "discount_week_12",
        "discount_week_13",
    ];
    /// Mean discount of won deals.
    pub const DISCOUNT_MEAN: &str = "discount_mean";
    /// Won deals per account that won, over the span.
    pub const WINS_PER_WINNING_ACCOUNT: &str = "wins_per_winning_account";
    /// Share of accounts that won with two wins or more, over the span.
    pub const REPEAT_ACCOUNT_SHARE: &str = "repeat_account_share";
    /// Won deals per (account, fiscal year) with a win.
    pub const WINS_PER_WINNING_ACCOUNT_YEAR: &str = "wins_per_winning_account_year";
    /// Share of (account, fiscal year) with a win that have two wins or more.
    pub const REPEAT_ACCOUNT_SHARE_YEAR: &str = "repeat_account_share_year";
}

/// The bootstrap's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bootstrap {
    /// Resamples (1,000 by default).
    pub resamples: u32,
    /// Seed of the resamples.
    pub seed: u64,
}

impl Default for Bootstrap {
    fn default() -> Bootstrap {
        Bootstrap {
            resamples: 1000,
            seed: 1,
        }
    }
}

/// What a moment's value measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// A count, or a count per something.
    Count,
    /// A share 0–1.
    Share,
    /// Calendar days.
    Days,
    /// Dollars (the export's currency).
    Dollars,
    /// A value on the natural-log scale of dollars.
    LogDollars,
}

/// What the bootstrap resamples for a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resampling {
    /// Nothing: a count, exact.
    Counted,
    /// Accounts, each with all its opportunities.
    Accounts,
    /// Reps.
    Reps,
}

/// One observed moment.
#[derive(Debug, Clone, PartialEq)]
pub struct Moment {
    /// Its name ([`names`]).
    pub name: &'static str,
    /// The segment it is measured in (`None`: all opportunities).
    pub segment: Option<String>,
    /// Its value (`NaN` when not identified).
    pub value: f64,
    /// Lower end of the 95% bootstrap CI.
    pub ci_low: f64,
    /// Upper end of the 95% bootstrap CI.
    pub ci_high: f64,
    /// Whether the data identify it.
    pub identified: bool,
    /// What it is measured on, or why it is not identified.
    pub note: String,
    /// Its unit.
    pub unit: Unit,
    /// What its CI resamples.
    pub resampling: Resampling,
}

/// The observed moments of a set of opportunities.
#[derive(Debug, Clone, PartialEq)]
pub struct Moments {
    /// Every moment, in the order of the table in the module documentation (segments after
    /// the moment for all opportunities).
    pub moments: Vec<Moment>,
    /// First created date.
    pub first: Option<NaiveDate>,
    /// Last created or closed date.
    pub last: Option<NaiveDate>,
    /// The bootstrap used.
    pub bootstrap: Bootstrap,
}

impl Moments {
    /// A moment over all opportunities, by name.
    pub fn get(&self, name: &str) -> Option<&Moment> {
        self.moments
            .iter()
            .find(|m| m.name == name && m.segment.is_none())
    }

    /// A moment in one segment, by name.
    pub fn get_in(&self, name: &str, segment: &str) -> Option<&Moment> {
        self.moments
            .iter()
            .find(|m| m.name == name && m.segment.as_deref() == Some(segment))
    }

    /// A moment's value over all opportunities (`NaN` if there is none).
    pub fn value(&self, name: &str) -> f64 {
        self.get(name).map_or(f64::NAN, |m| m.value)
    }
}

/// Resampling weights: how many times each account and each rep is drawn.
struct Weights {
    account: Vec<u32>,
    rep: Vec<u32>,
}

/// A group of moments measured together from weights.
type Measure<'a> = Box<dyn Fn(&Weights, &mut Vec<f64>) + Sync + 'a>;

/// What a moment row is before it is measured.
struct Spec {
    name: &'static str,
    segment: Option<String>,
    unit: Unit,
    resampling: Resampling,
    note: String,
    /// Why it is not identified, if its value comes out `NaN`.
    unidentified: String,
}

/// Moments being assembled: their specs, and the measures that give their values.
#[derive(Default)]
struct Plan<'a> {
    specs: Vec<Spec>,
    measures: Vec<Measure<'a>>,
    /// Fixed values (counts): spec index → value.
    counted: Vec<(usize, f64)>,
    /// Moments not identified at all: spec index.
    missing: Vec<usize>,
}

impl<'a> Plan<'a> {
    fn measure(&mut self, specs: Vec<Spec>, measure: Measure<'a>) {
        self.specs.extend(specs);
        self.measures.push(measure);
    }

    fn count(&mut self, name: &'static str, value: f64, note: String) {
        self.counted.push((self.specs.len(), value));
        self.specs.push(spec(
            name,
            None,
            Unit::Count,
            Resampling::Counted,
            note,
            String::new(),
        ));
    }

    fn missing(&mut self, name: &'static str, segment: Option<&str>, unit: Unit, why: String) {
        self.missing.push(self.specs.len());
        self.specs.push(spec(
            name,
            segment.map(str::to_string),
            unit,
            Resampling::Accounts,
            String::new(),
            why,
        ));
    }

    fn run(&self, w: &Weights) -> Vec<f64> {
        let mut out = Vec::with_capacity(self.specs.len());
        for m in &self.measures {
            m(w, &mut out);
        }
        out
    }
}

fn spec(
    name: &'static str,
    segment: Option<String>,
    unit: Unit,
    resampling: Resampling,
    note: String,
    unidentified: String,
) -> Spec {
    Spec {
        name,
        segment,
        unit,
        resampling,
        note,
        unidentified,
    }
}

/// Dense indices of distinct names, in order of first appearance.
fn index<'s>(names: impl Iterator<Item = &'s str>) -> (Vec<u32>, usize) {
    let mut ids: HashMap<&str, u32> = HashMap::new();
    let idx = names
        .map(|n| {
            let next = ids.len() as u32;
            *ids.entry(n).or_insert(next)
        })
        .collect();
    (idx, ids.len())
}

/// Sorted values with the account each belongs to.
type Sorted = Vec<(f64, u32)>;

fn sorted(mut v: Sorted) -> Sorted {
    v.sort_by(|a, b| a.0.total_cmp(&b.0));
    v
}

/// The `p` quantile (R's type 7) of sorted values, each counted as often as its account is
/// drawn; NaN when no account is drawn.
fn weighted_quantile(values: &[(f64, u32)], w: &[u32], p: f64) -> f64 {
    let n: u64 = values.iter().map(|&(_, a)| w[a as usize] as u64).sum();
    if n == 0 {
        return f64::NAN;
    }
    let h = p.clamp(0.0, 1.0) * (n - 1) as f64;
    let lo = h.floor() as u64;
    let frac = h - lo as f64;
    let order_stat = |k: u64| {
        let mut seen = 0u64;
        for &(v, a) in values {
            seen += w[a as usize] as u64;
            if seen > k {
                return v;
            }
        }
        f64::NAN
    };
    let x = order_stat(lo);
    if frac > 0.0 {
        x + frac * (order_stat(lo + 1) - x)
    } else {
        x
    }
}

/// `num ÷ den`, NaN for a zero denominator.
fn ratio(num: f64, den: f64) -> f64 {
    if den > 0.0 {
        num / den
    } else {
        f64::NAN
    }
}

/// Computes every observed moment of `opportunities` in the vendor's fiscal `calendar`, with
/// bootstrap CIs (see the module documentation).
pub fn observe(
    opportunities: &[Opportunity],
    calendar: &FiscalCalendar,
    bootstrap: &Bootstrap,
) -> Moments {
    let opps = opportunities;
    let (account, n_accounts) = index(opps.iter().map(|o| o.account.as_str()));
    let (rep, n_reps) = index(opps.iter().map(|o| o.owner.as_str()));
    let teams = {
        let mut t: Vec<&str> = opps.iter().filter_map(|o| o.team.as_deref()).collect();
        t.sort_unstable();
        t.dedup();
        t.len()
    };
    let segments: Vec<String> = {
        let mut s: Vec<String> = opps.iter().filter_map(|o| o.segment.clone()).collect();
        s.sort_unstable();
        s.dedup();
        s
    };
    let first = opps.iter().map(|o| o.created).min();
    let last = opps
        .iter()
        .map(|o| o.closed.unwrap_or(o.created).max(o.created))
        .max();
    let created_quarters = opps.iter().map(|o| calendar.locate(o.created).quarter);
    let quarters = match (created_quarters.clone().min(), created_quarters.max()) {
        (Some(a), Some(b)) => b - a + 1,
        _ => 0,
    };
    let years = match (first, last) {
        (Some(a), Some(b)) => (b - a).num_days() as f64 / 365.25,
        _ => 0.0,
    };
    let mut plan = Plan::default();

    // Market structure ------------------------------------------------------------------------
    plan.count(
        names::OPPORTUNITIES,
        opps.len() as f64,
        "counted: opportunities analysed".into(),
    );
    plan.count(
        names::QUARTERS_SPANNED,
        quarters as f64,
        "counted: fiscal quarters from the first to the last created opportunity".into(),
    );
    plan.count(
        names::REPS,
        n_reps as f64,
        "counted: reps who own an opportunity".into(),
    );
    if teams > 0 {
        plan.count(
            names::TEAMS,
            teams as f64,
            "counted: teams of those reps".into(),
        );
    } else {
        plan.missing(
            names::TEAMS,
            None,
            Unit::Count,
            "not identified: no team column (--map team=COLUMN)".into(),
        );
    }
    plan.count(
        names::ACCOUNTS,
        n_accounts as f64,
        "counted: accounts with an opportunity".into(),
    );
    // Each account is counted with the rep who owns most of its opportunities (the first such
    // rep on a tie), so the reps' accounts add up to the distinct accounts.
    let mut rep_opps = vec![0u32; n_reps];
    let mut per_account_rep: HashMap<(u32, u32), u32> = HashMap::new();
    for i in 0..opps.len() {
        rep_opps[rep[i] as usize] += 1;
        *per_account_rep.entry((account[i], rep[i])).or_insert(0) += 1;
    }
    let mut main_rep: Vec<(u32, u32)> = vec![(0, u32::MAX); n_accounts];
    for (&(a, r), &n) in &per_account_rep {
        let best = &mut main_rep[a as usize];
        if n > best.0 || (n == best.0 && r < best.1) {
            *best = (n, r);
        }
    }
    let mut rep_accounts = vec![0u32; n_reps];
    for &(_, r) in &main_rep {
        if let Some(n) = rep_accounts.get_mut(r as usize) {
            *n += 1;
        }
    }
    plan.measure(
        vec![
            spec(
                names::ACCOUNTS_PER_REP,
                None,
                Unit::Count,
                Resampling::Reps,
                "accounts seen ÷ reps: a lower bound of book size, as a CRM export shows only \
                 the accounts that had an opportunity"
                    .into(),
                "not identified: no opportunity".into(),
            ),
            spec(
                names::OPPORTUNITIES_PER_REP_QUARTER,
                None,
                Unit::Count,
                Resampling::Reps,
                format!("opportunities created ÷ (reps × {quarters} fiscal quarters spanned)"),
                "not identified: no opportunity".into(),
            ),
        ],
        Box::new(move |w, out| {
            let drawn: f64 = w.rep.iter().map(|&x| x as f64).sum();
            let sum = |per: &[u32]| -> f64 {
                per.iter()
                    .zip(&w.rep)
                    .map(|(&n, &x)| n as f64 * x as f64)
                    .sum()
            };
            out.push(ratio(sum(&rep_accounts), drawn));
            out.push(ratio(sum(&rep_opps), drawn * quarters as f64));
        }),
    );

    // Outcomes ----------------------------------------------------------------------------------
    let closed: Vec<(u32, Outcome)> = (0..opps.len())
        .filter(|&i| opps[i].outcome.is_closed())
        .map(|i| (account[i], opps[i].outcome))
        .collect();
    let n_closed = closed.len();
    let split_known = closed
        .iter()
        .any(|(_, o)| matches!(o, Outcome::LostToCompetitor | Outcome::NoDecision));
    let unsplit = closed.iter().filter(|(_, o)| *o == Outcome::Lost).count();
    let no_split = "not available: no lost opportunity says whether it was lost to a competitor \
                    or to no decision (a loss-reason column: --map loss_reason=COLUMN; or \
                    --no-decision VALUE)";
    let split_note = |what: &str| {
        if unsplit > 0 {
            format!(
                "{what} ÷ closed ({n_closed}); {unsplit} lost without a recognised reason count \
                 in neither, so this is a lower bound"
            )
        } else {
            format!("{what} ÷ closed ({n_closed})")
        }
    };
    plan.measure(
        vec![
            spec(
                names::WIN_RATE,
                None,
                Unit::Share,
                Resampling::Accounts,
                format!("won ÷ closed ({n_closed} closed)"),
                "not identified: no closed opportunity".into(),
            ),
            spec(
                names::LOST_TO_COMPETITOR_SHARE,
                None,
                Unit::Share,
                Resampling::Accounts,
                split_note("lost to a competitor"),
                no_split.into(),
            ),
            spec(
                names::NO_DECISION_SHARE,
                None,
                Unit::Share,
                Resampling::Accounts,
                split_note("closed with no decision"),
                no_split.into(),
            ),
            spec(
                names::LOST_SPLIT_UNKNOWN_SHARE,
                None,
                Unit::Share,
                Resampling::Accounts,
                format!("lost, not known to whom ÷ closed ({n_closed})"),
                "not identified: no closed opportunity".into(),
            ),
        ],
        Box::new(move |w, out| {
            let mut by = [0f64; 5];
            for &(a, o) in &closed {
                by[o as usize] += w.account[a as usize] as f64;
            }
            let total: f64 = by.iter().sum();
            out.push(ratio(by[Outcome::Won as usize], total));
            for o in [Outcome::LostToCompetitor, Outcome::NoDecision] {
                out.push(if split_known {
                    ratio(by[o as usize], total)
                } else {
                    f64::NAN
                });
            }
            out.push(ratio(by[Outcome::Lost as usize], total));
        }),
    );

    // Cycle lengths and deal sizes, overall and per segment -------------------------------------
    let in_segment = |i: usize, s: Option<&str>| s.is_none() || opps[i].segment.as_deref() == s;
    let groups: Vec<Option<&str>> = std::iter::once(None)
        .chain(segments.iter().map(|s| Some(s.as_str())))
        .collect();
    let where_ = |s: Option<&str>| s.map_or_else(String::new, |s| format!(" in segment {s}"));
    for &segment in &groups {
        for (which, won_only, quantile_names) in [
            ("won", true, names::CYCLE_DAYS_WON),
            ("closed", false, names::CYCLE_DAYS_CLOSED),
        ] {
            let values = sorted(
                (0..opps.len())
                    .filter(|&i| in_segment(i, segment))
                    .filter(|&i| !won_only || opps[i].outcome == Outcome::Won)
                    .filter_map(|i| opps[i].cycle_days().map(|d| (d as f64, account[i])))
                    .collect(),
            );
            if values.is_empty() {
                for name in quantile_names {
                    plan.missing(
                        name,
                        segment,
                        Unit::Days,
                        format!("not identified: no {which} opportunity{}", where_(segment)),
                    );
                }
                continue;
            }
            let note = format!(
                "days from created to closed, {which} opportunities{} ({})",
                where_(segment),
                values.len()
            );
            plan.measure(
                quantile_names
                    .iter()
                    .map(|&name| {
                        spec(
                            name,
                            segment.map(str::to_string),
                            Unit::Days,
                            Resampling::Accounts,
                            note.clone(),
                            String::new(),
                        )
                    })
                    .collect(),
                Box::new(move |w, out| {
                    for p in [0.25, 0.5, 0.75, 0.9] {
                        out.push(weighted_quantile(&values, &w.account, p));
                    }
                }),
            );
        }
        let won = |i: usize| in_segment(i, segment) && opps[i].outcome == Outcome::Won;
        let amounts = sorted(
            (0..opps.len())
                .filter(|&i| won(i))
                .filter_map(|i| opps[i].amount.map(|x| (x, account[i])))
                .filter(|&(x, _)| x > 0.0)
                .collect(),
        );
        let zero = (0..opps.len())
            .filter(|&i| won(i) && opps[i].amount.is_some_and(|x| x <= 0.0))
            .count();
        let size_names = [
            names::DEAL_SIZE_MEDIAN,
            names::DEAL_SIZE_LOG_MEAN,
            names::DEAL_SIZE_LOG_SD,
        ];
        let units = [Unit::Dollars, Unit::LogDollars, Unit::LogDollars];
        if amounts.is_empty() {
            for (name, unit) in size_names.into_iter().zip(units) {
                plan.missing(
                    name,
                    segment,
                    unit,
                    format!(
                        "not identified: no won opportunity with an amount above 0{}",
                        where_(segment)
                    ),
                );
            }
            continue;
        }
        let zeros = if zero > 0 {
            format!("; {zero} won at 0 left out")
        } else {
            String::new()
        };
        let base = format!(
            "won opportunities{} with an amount above 0 ({}{zeros})",
            where_(segment),
            amounts.len()
        );
        let notes = [
            format!("median amount ($), {base}"),
            format!("lognormal fit (maximum likelihood): mean of ln(amount $), {base}"),
            format!("lognormal fit (maximum likelihood): sd of ln(amount $), {base}"),
        ];
        let one = amounts.len() < 2;
        let logs: Vec<(f64, u32)> = amounts.iter().map(|&(x, a)| (x.ln(), a)).collect();
        plan.measure(
            size_names
                .into_iter()
                .zip(units)
                .zip(notes)
                .map(|((name, unit), note)| {
                    spec(
                        name,
                        segment.map(str::to_string),
                        unit,
                        Resampling::Accounts,
                        note,
                        "not identified: one won opportunity cannot show a spread".into(),
                    )
                })
                .collect(),
            Box::new(move |w, out| {
                out.push(weighted_quantile(&amounts, &w.account, 0.5));
                let (mut n, mut sum) = (0.0, 0.0);
                for &(l, a) in &logs {
                    let x = w.account[a as usize] as f64;
                    n += x;
                    sum += x * l;
                }
                let mean = ratio(sum, n);
                let var = ratio(
                    logs.iter()
                        .map(|&(l, a)| w.account[a as usize] as f64 * (l - mean).powi(2))
                        .sum(),
                    n,
                );
                out.push(mean);
                out.push(if one { f64::NAN } else { var.sqrt() });
            }),
        );
    }

    // Timing: won bookings by week of quarter, discounts by week --------------------------------
    let won_weeks: Vec<(u32, usize, f64)> = (0..opps.len())
        .filter(|&i| opps[i].outcome == Outcome::Won)
        .filter_map(|i| {
            let closed = opps[i].closed?;
            let week = calendar.locate(closed).week as usize;
            Some((account[i], week - 1, opps[i].amount.unwrap_or(0.0)))
        })
        .collect();
    let mut week_specs: Vec<Spec> = names::BOOKINGS_SHARE_WEEK
        .iter()
        .enumerate()
        .map(|(k, &name)| {
            spec(
                name,
                None,
                Unit::Share,
                Resampling::Accounts,
                format!(
                    "share of won bookings closed in week {} of the fiscal quarter",
                    k + 1
                ),
                "not identified: no won bookings".into(),
            )
        })
        .collect();
    week_specs.push(spec(
        names::BOOKINGS_SHARE_WEEKS_12_13,
        None,
        Unit::Share,
        Resampling::Accounts,
        "the hockey stick: share of won bookings in the last 2 weeks of the quarter (an even \
         spread gives 2/13 = 15%)"
            .into(),
        "not identified: no won bookings".into(),
    ));
    week_specs.push(spec(
        names::DEALS_SHARE_WEEKS_12_13,
        None,
        Unit::Share,
        Resampling::Accounts,
        format!(
            "share of won deals ({}) closed in the last 2 weeks of the quarter (the \
             simulator's hockey_stick)",
            won_weeks.len()
        ),
        "not identified: no won deal".into(),
    ));
    plan.measure(
        week_specs,
        Box::new(move |w, out| {
            let mut bookings = [0f64; 13];
            let mut deals = [0f64; 13];
            for &(a, k, amount) in &won_weeks {
                let x = w.account[a as usize] as f64;
                bookings[k] += x * amount;
                deals[k] += x;
            }
            let total: f64 = bookings.iter().sum();
            out.extend(bookings.iter().map(|&b| ratio(b, total)));
            out.push(ratio(bookings[11] + bookings[12], total));
            out.push(ratio(deals[11] + deals[12], deals.iter().sum()));
        }),
    );
    let discounts: Vec<(u32, usize, f64)> = (0..opps.len())
        .filter(|&i| opps[i].outcome == Outcome::Won)
        .filter_map(|i| {
            let o = &opps[i];
            let (closed, amount, list) = (o.closed?, o.amount?, o.list_amount?);
            (list > 0.0).then(|| {
                let week = calendar.locate(closed).week as usize;
                (account[i], week - 1, 1.0 - amount / list)
            })
        })
        .collect();
    let has_list = opps.iter().any(|o| o.list_amount.is_some());
    let mut per_week = [0usize; 13];
    for &(_, k, _) in &discounts {
        per_week[k] += 1;
    }
    let no_list = if has_list {
        "not identified: no won opportunity with a list amount above 0"
    } else {
        "not identified: no list_amount column (--map list_amount=COLUMN)"
    };
    if discounts.is_empty() {
        for name in names::DISCOUNT_WEEK
            .into_iter()
            .chain([names::DISCOUNT_MEAN])
        {
            plan.missing(name, None, Unit::Share, no_list.into());
        }
    } else {
        let mut specs: Vec<Spec> = names::DISCOUNT_WEEK
            .iter()
            .enumerate()
            .map(|(k, &name)| {
                spec(
                    name,
                    None,
                    Unit::Share,
                    Resampling::Accounts,
                    format!(
                        "mean of 1 − amount ÷ list amount, won deals closed in week {} ({})",
                        k + 1,
                        per_week[k]
                    ),
                    "not identified: no won deal with a list amount closed in that week".into(),
                )
            })
            .collect();
        specs.push(spec(
            names::DISCOUNT_MEAN,
            None,
            Unit::Share,
            Resampling::Accounts,
            format!(
                "mean of 1 − amount ÷ list amount, won deals with a list amount ({})",
                discounts.len()
            ),
            no_list.into(),
        ));
        plan.measure(
            specs,
            Box::new(move |w, out| {
                let mut sum = [0f64; 13];
                let mut n = [0f64; 13];
                for &(a, k, d) in &discounts {
                    let x = w.account[a as usize] as f64;
                    sum[k] += x * d;
                    n[k] += x;
                }
                out.extend((0..13).map(|k| ratio(sum[k], n[k])));
                out.push(ratio(sum.iter().sum(), n.iter().sum()));
            }),
        );
    }

    // Repeat purchases --------------------------------------------------------------------------
    let mut wins: BTreeMap<u32, u32> = BTreeMap::new();
    let mut wins_in_year: BTreeMap<(u32, i64), u32> = BTreeMap::new();
    for i in 0..opps.len() {
        if let (Outcome::Won, Some(closed)) = (opps[i].outcome, opps[i].closed) {
            *wins.entry(account[i]).or_insert(0) += 1;
            *wins_in_year
                .entry((account[i], calendar.locate(closed).year))
                .or_insert(0) += 1;
        }
    }
    let wins: Vec<(u32, u32)> = wins.into_iter().collect();
    let wins_in_year: Vec<(u32, u32)> =
        wins_in_year.into_iter().map(|((a, _), n)| (a, n)).collect();
    let span = format!("over the {years:.1} years the export spans");
    plan.measure(
        vec![
            spec(
                names::WINS_PER_WINNING_ACCOUNT,
                None,
                Unit::Count,
                Resampling::Accounts,
                format!("won deals ÷ accounts with a win ({}), {span}", wins.len()),
                "not identified: no won deal with a close date".into(),
            ),
            spec(
                names::REPEAT_ACCOUNT_SHARE,
                None,
                Unit::Share,
                Resampling::Accounts,
                format!("share of accounts with a win that won 2 or more times, {span}"),
                "not identified: no won deal with a close date".into(),
            ),
            spec(
                names::WINS_PER_WINNING_ACCOUNT_YEAR,
                None,
                Unit::Count,
                Resampling::Accounts,
                format!(
                    "won deals ÷ (account, fiscal year) pairs with a win ({})",
                    wins_in_year.len()
                ),
                "not identified: no won deal with a close date".into(),
            ),
            spec(
                names::REPEAT_ACCOUNT_SHARE_YEAR,
                None,
                Unit::Share,
                Resampling::Accounts,
                "share of (account, fiscal year) pairs with a win that have 2 or more wins".into(),
                "not identified: no won deal with a close date".into(),
            ),
        ],
        Box::new(move |w, out| {
            for list in [&wins, &wins_in_year] {
                let (mut winners, mut won, mut repeat) = (0.0, 0.0, 0.0);
                for &(a, n) in list.iter() {
                    let x = w.account[a as usize] as f64;
                    winners += x;
                    won += x * n as f64;
                    if n >= 2 {
                        repeat += x;
                    }
                }
                out.push(ratio(won, winners));
                out.push(ratio(repeat, winners));
            }
            // The order of the specs: per account (count, share), then per account-year.
        }),
    );

    finish(plan, n_accounts, n_reps, bootstrap, first, last)
}

/// Measures the plan's moments once on the data and on every resample, and assembles them.
fn finish(
    plan: Plan<'_>,
    n_accounts: usize,
    n_reps: usize,
    bootstrap: &Bootstrap,
    first: Option<NaiveDate>,
    last: Option<NaiveDate>,
) -> Moments {
    let all = Weights {
        account: vec![1; n_accounts],
        rep: vec![1; n_reps],
    };
    let point = plan.run(&all);
    let resampled: Vec<Vec<f64>> = (0..bootstrap.resamples)
        .into_par_iter()
        .map(|b| {
            let mut rng = resample_stream(bootstrap.seed, b);
            let mut w = Weights {
                account: vec![0; n_accounts],
                rep: vec![0; n_reps],
            };
            for _ in 0..n_accounts {
                w.account[random_index(&mut rng, n_accounts)] += 1;
            }
            for _ in 0..n_reps {
                w.rep[random_index(&mut rng, n_reps)] += 1;
            }
            plan.run(&w)
        })
        .collect();
    let counted: HashMap<usize, f64> = plan.counted.iter().copied().collect();
    let mut moments = Vec::with_capacity(plan.specs.len());
    let mut column = 0;
    for (i, s) in plan.specs.into_iter().enumerate() {
        let (value, ci_low, ci_high) = if let Some(&v) = counted.get(&i) {
            (v, v, v)
        } else if plan.missing.contains(&i) {
            (f64::NAN, f64::NAN, f64::NAN)
        } else {
            let v = point.get(column).copied().unwrap_or(f64::NAN);
            let mut draws: Vec<f64> = resampled
                .iter()
                .map(|r| r.get(column).copied().unwrap_or(f64::NAN))
                .filter(|x| x.is_finite())
                .collect();
            column += 1;
            draws.sort_by(f64::total_cmp);
            if v.is_finite() {
                (v, quantile(&draws, 0.025), quantile(&draws, 0.975))
            } else {
                (f64::NAN, f64::NAN, f64::NAN)
            }
        };
        let identified = value.is_finite();
        moments.push(Moment {
            name: s.name,
            segment: s.segment,
            value,
            ci_low,
            ci_high,
            identified,
            note: if identified { s.note } else { s.unidentified },
            unit: s.unit,
            resampling: s.resampling,
        });
    }
    Moments {
        moments,
        first,
        last,
        bootstrap: *bootstrap,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighted_quantiles_are_type_7_on_the_repeated_values() {
        let values: Vec<(f64, u32)> = vec![(1.0, 0), (2.0, 1), (3.0, 2), (4.0, 3), (5.0, 4)];
        let ones = vec![1; 5];
        let plain: Vec<f64> = values.iter().map(|v| v.0).collect();
        for p in [0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0] {
            assert_eq!(
                weighted_quantile(&values, &ones, p),
                quantile(&plain, p),
                "p = {p}"
            );
        }
        // Account 1 drawn three times, account 4 never: 1, 2, 2, 2, 3, 4.
        let w = vec![1, 3, 1, 1, 0];
        let repeated = [1.0, 2.0, 2.0, 2.0, 3.0, 4.0];
        for p in [0.1, 0.25, 0.5, 0.75, 0.9] {
            assert_eq!(weighted_quantile(&values, &w, p), quantile(&repeated, p));
        }
        assert!(weighted_quantile(&values, &[0; 5], 0.5).is_nan());
    }
}

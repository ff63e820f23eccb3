//! What a run measures for our vendor (vendor 0): additive tallies per quarter and per week of
//! quarter, turned into the contract's metrics.
//!
//! Tallies implement `Add`, so records merge with a one-line reduce. Rates are derived from the
//! tallies only when reported, so merged tallies give pooled rates.
//!
//! Units: `bookings`, `list_value`, `discount_cost` in $k; `win_rate`, `no_decision_rate`,
//! `lost_to_competitor` as shares of our qualified opportunities (journeys that reached a
//! decision with us on the shortlist); `unwelcome_share` of our contacts; `quota_attainment` as
//! bookings ÷ quota averaged over rep-quarters; `reps_at_quota_share` of rep-quarters at or over
//! quota; `mean_trust` (0–1) of all accounts toward us, averaged over quarter ends;
//! `hockey_stick` the share of our deals closed in weeks 12–13; `yoy_growth` last year's bookings
//! over the first year's, minus 1 (NaN under two years).

use crate::calendar::{in_last_two_weeks, quarter_of, week_of_quarter, Day, WEEKS_PER_QUARTER};
use crate::engine::journey::{DealKind, Outcome};
use serde::{Deserialize, Serialize};
use std::ops::{Add, AddAssign};

/// Metric names of `runs.csv`, in column order.
pub const RUN_METRICS: [&str; 17] = [
    "bookings",
    "list_value",
    "discount_cost",
    "deals",
    "win_rate",
    "no_decision_rate",
    "lost_to_competitor",
    "contacts",
    "unwelcome_share",
    "blocks",
    "conflicts",
    "poached_deals",
    "quota_attainment",
    "reps_at_quota_share",
    "mean_trust",
    "hockey_stick",
    "yoy_growth",
];

/// Metric names of `quarters.csv` (all but `yoy_growth`).
pub const QUARTER_METRICS: [&str; 16] = {
    let mut out = [""; 16];
    let mut i = 0;
    while i < 16 {
        out[i] = RUN_METRICS[i];
        i += 1;
    }
    out
};

/// Which way is better for us: `Some(true)` higher, `Some(false)` lower, `None` neither (more
/// contacts or more poached deals are not good or bad in themselves). `share_better` in
/// `comparison.csv` follows it, and is empty (NaN) for the neutral ones.
pub fn direction(metric: &str) -> Option<bool> {
    match metric {
        "contacts" | "poached_deals" => None,
        "discount_cost" | "no_decision_rate" | "lost_to_competitor" | "unwelcome_share"
        | "blocks" | "conflicts" | "hockey_stick" => Some(false),
        _ => Some(true),
    }
}

/// The values a metric can take, for the bounds of its confidence interval: `(0, ∞)` for
/// amounts and counts, `(0, 1)` for shares, none for growth. A Student-t interval of a
/// replication mean can reach past them when the values pile up at a bound (a count that is
/// often zero); the reported interval is cut there.
pub fn bounds(metric: &str) -> (f64, f64) {
    match metric {
        "yoy_growth" => (f64::NEG_INFINITY, f64::INFINITY),
        "win_rate"
        | "no_decision_rate"
        | "lost_to_competitor"
        | "unwelcome_share"
        | "reps_at_quota_share"
        | "mean_trust"
        | "hockey_stick" => (0.0, 1.0),
        _ => (0.0, f64::INFINITY),
    }
}

/// Whether a higher value of a metric is better for us ([`direction`]; false for neutral ones).
pub fn higher_is_better(metric: &str) -> bool {
    direction(metric) == Some(true)
}

/// Additive counts for one quarter (or a sum of quarters).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Tally {
    /// Net bookings, $k.
    pub bookings: f64,
    /// List value of the deals, $k.
    pub list_value: f64,
    /// Deals won.
    pub deals: f64,
    /// Deals closed in weeks 12–13.
    pub late_deals: f64,
    /// Deals pulled in with a quarter-end discount.
    pub pulled_in: f64,
    /// Qualified opportunities concluded.
    pub opportunities: f64,
    /// Of which lost to a competitor.
    pub lost: f64,
    /// Of which ended in no decision.
    pub no_decision: f64,
    /// Contacts made by our reps.
    pub contacts: f64,
    /// Of which unwelcome (including contacts wasted on accounts that block us).
    pub unwelcome: f64,
    /// Accounts that blocked us.
    pub blocks: f64,
    /// Internal conflicts (two of our reps on one account within days).
    pub conflicts: f64,
    /// Deals credited to a rep outside the account's home territory.
    pub poached_deals: f64,
    /// Sum of rep attainments at quarter ends.
    pub attainment_sum: f64,
    /// Rep-quarters counted.
    pub rep_quarters: f64,
    /// Rep-quarters at or above quota.
    pub reps_at_quota: f64,
    /// Sum of quarter-end mean trust.
    pub trust_sum: f64,
    /// Quarter ends counted.
    pub trust_n: f64,
    /// Purchases by every vendor (the whole market's deals).
    pub market_deals: f64,
    /// Purchases by accounts whose running contract was ours (renewals and replacements).
    pub base_purchases: f64,
    /// Of which from us again (kept).
    pub base_kept: f64,
    /// Sum over quarter ends of the accounts holding a contract with us (our installed base).
    pub base_sum: f64,
    /// Purchases (by any vendor) of accounts that had come to prefer a vendor.
    pub preferred_purchases: f64,
    /// Of which from the preferred vendor.
    pub preferred_won: f64,
}

impl AddAssign for Tally {
    fn add_assign(&mut self, o: Tally) {
        self.bookings += o.bookings;
        self.list_value += o.list_value;
        self.deals += o.deals;
        self.late_deals += o.late_deals;
        self.pulled_in += o.pulled_in;
        self.opportunities += o.opportunities;
        self.lost += o.lost;
        self.no_decision += o.no_decision;
        self.contacts += o.contacts;
        self.unwelcome += o.unwelcome;
        self.blocks += o.blocks;
        self.conflicts += o.conflicts;
        self.poached_deals += o.poached_deals;
        self.attainment_sum += o.attainment_sum;
        self.rep_quarters += o.rep_quarters;
        self.reps_at_quota += o.reps_at_quota;
        self.trust_sum += o.trust_sum;
        self.trust_n += o.trust_n;
        self.market_deals += o.market_deals;
        self.base_purchases += o.base_purchases;
        self.base_kept += o.base_kept;
        self.base_sum += o.base_sum;
        self.preferred_purchases += o.preferred_purchases;
        self.preferred_won += o.preferred_won;
    }
}

impl Add for Tally {
    type Output = Tally;
    fn add(mut self, o: Tally) -> Tally {
        self += o;
        self
    }
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 {
        a / b
    } else {
        f64::NAN
    }
}

impl Tally {
    /// The quarter metrics, in [`QUARTER_METRICS`] order.
    pub fn metrics(&self) -> [f64; 16] {
        let won = self.opportunities - self.lost - self.no_decision;
        [
            self.bookings,
            self.list_value,
            self.list_value - self.bookings,
            self.deals,
            ratio(won, self.opportunities),
            ratio(self.no_decision, self.opportunities),
            ratio(self.lost, self.opportunities),
            self.contacts,
            ratio(self.unwelcome, self.contacts),
            self.blocks,
            self.conflicts,
            self.poached_deals,
            ratio(self.attainment_sum, self.rep_quarters),
            ratio(self.reps_at_quota, self.rep_quarters),
            ratio(self.trust_sum, self.trust_n),
            ratio(self.late_deals, self.deals),
        ]
    }
}

/// Deals, bookings and discounts by week of quarter (1–13, index 0–12).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct WeekTally {
    /// Deals closed.
    pub deals: [f64; 13],
    /// Net bookings, $k.
    pub bookings: [f64; 13],
    /// Sum of discounts (fractions) of those deals.
    pub discount_sum: [f64; 13],
}

impl AddAssign for WeekTally {
    fn add_assign(&mut self, o: WeekTally) {
        for w in 0..13 {
            self.deals[w] += o.deals[w];
            self.bookings[w] += o.bookings[w];
            self.discount_sum[w] += o.discount_sum[w];
        }
    }
}

impl Add for WeekTally {
    type Output = WeekTally;
    fn add(mut self, o: WeekTally) -> WeekTally {
        self += o;
        self
    }
}

/// Effort by attainment in the last third of the quarter: the effort-versus-quota curve.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct EffortCurve {
    /// Sum of effort (share of capacity) per attainment bin of width 0.1 (last bin: ≥ 1.5).
    pub effort_sum: [f64; 16],
    /// Rep-days per bin.
    pub rep_days: [f64; 16],
}

impl AddAssign for EffortCurve {
    fn add_assign(&mut self, o: EffortCurve) {
        for b in 0..16 {
            self.effort_sum[b] += o.effort_sum[b];
            self.rep_days[b] += o.rep_days[b];
        }
    }
}

/// Our contacts' response by how many recent contacts from us the account had (fatigue): bins
/// 0, 1, …, 14 and 15+ of the decayed count before the contact. `expected` sums the stage's
/// base receptivity, so welcome ÷ expected isolates fatigue and attention from the stage mix.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct ResponseCurve {
    /// Contacts (not to accounts blocking us).
    pub contacts: [f64; 16],
    /// Of which welcome.
    pub welcome: [f64; 16],
    /// Sum of the stage receptivity of those contacts.
    pub expected: [f64; 16],
}

impl AddAssign for ResponseCurve {
    fn add_assign(&mut self, o: ResponseCurve) {
        for b in 0..16 {
            self.contacts[b] += o.contacts[b];
            self.welcome[b] += o.welcome[b];
            self.expected[b] += o.expected[b];
        }
    }
}

/// When our deals fall in the customer's own fiscal year.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct FiscalTiming {
    /// Our deals.
    pub deals: f64,
    /// Of which in the last month (21 business days) of the customer's fiscal year.
    pub last_month: f64,
    /// Of which in its last week.
    pub last_week: f64,
}

impl AddAssign for FiscalTiming {
    fn add_assign(&mut self, o: FiscalTiming) {
        self.deals += o.deals;
        self.last_month += o.last_month;
        self.last_week += o.last_week;
    }
}

/// Everything one run records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// One tally per quarter.
    pub quarters: Vec<Tally>,
    /// By week of quarter.
    pub weeks: WeekTally,
    /// Effort versus attainment.
    pub effort: EffortCurve,
    /// Response versus recent contacts.
    pub response: ResponseCurve,
    /// Our deals against the customers' fiscal calendars.
    pub fiscal: FiscalTiming,
    /// First purchases (from any vendor) per quarter: Bass adoption.
    pub adoptions: Vec<f64>,
    /// Accounts × days simulated (throughput).
    pub customer_days: u64,
    /// Contacts by all vendors (throughput).
    pub all_contacts: u64,
}

impl RunRecord {
    /// The whole horizon's tally.
    pub fn total(&self) -> Tally {
        self.quarters
            .iter()
            .copied()
            .fold(Tally::default(), Add::add)
    }

    /// The run metrics, in [`RUN_METRICS`] order.
    pub fn metrics(&self) -> [f64; 17] {
        let q = self.total().metrics();
        let mut out = [0.0; 17];
        out[..16].copy_from_slice(&q);
        out[16] = if self.quarters.len() >= 8 {
            let year = |qs: &[Tally]| qs.iter().map(|t| t.bookings).sum::<f64>();
            let n = self.quarters.len();
            ratio(year(&self.quarters[n - 4..]), year(&self.quarters[..4])) - 1.0
        } else {
            f64::NAN
        };
        out
    }
}

/// Collects a run's tallies as the engine reports events (the observer of the daily loop).
#[derive(Debug, Clone)]
pub struct Recorder {
    /// The day recording starts (the end of the warm-up): quarter 1 begins there.
    start: Day,
    quarters: Vec<Tally>,
    weeks: WeekTally,
    effort: EffortCurve,
    response: ResponseCurve,
    fiscal: FiscalTiming,
    adoptions: Vec<f64>,
}

impl Recorder {
    /// A recorder for `quarters` quarters from day `start` (a quarter's first day).
    pub fn new(quarters: u32, start: Day) -> Recorder {
        Recorder {
            start,
            quarters: vec![Tally::default(); quarters as usize],
            weeks: WeekTally::default(),
            effort: EffortCurve::default(),
            response: ResponseCurve::default(),
            fiscal: FiscalTiming::default(),
            adoptions: vec![0.0; quarters as usize],
        }
    }

    /// The quarter (0-based, from `start`) holding `day`, at most the last one.
    fn quarter(&self, day: Day) -> usize {
        (quarter_of(day.saturating_sub(self.start)) as usize).min(self.quarters.len() - 1)
    }

    fn at(&mut self, day: Day) -> &mut Tally {
        let q = self.quarter(day);
        &mut self.quarters[q]
    }

    /// Our rep made a contact.
    pub fn contact(&mut self, day: Day) {
        self.at(day).contacts += 1.0;
    }

    /// Our contact was unwelcome (or wasted on a blocking account).
    pub fn unwelcome(&mut self, day: Day) {
        self.at(day).unwelcome += 1.0;
    }

    /// Two of our reps on one account within days.
    pub fn conflict(&mut self, day: Day) {
        self.at(day).conflicts += 1.0;
    }

    /// An account blocked us.
    pub fn block(&mut self, day: Day) {
        self.at(day).blocks += 1.0;
    }

    /// A qualified opportunity of ours concluded.
    pub fn opportunity(&mut self, day: Day, outcome: Outcome) {
        let t = self.at(day);
        t.opportunities += 1.0;
        match outcome {
            Outcome::Bought(0) => {}
            Outcome::Bought(_) => t.lost += 1.0,
            Outcome::NoDecision => t.no_decision += 1.0,
        }
    }

    /// We won a deal.
    pub fn deal(&mut self, day: Day, list: f64, net: f64, poached: bool, kind: DealKind) {
        let t = self.at(day);
        t.bookings += net;
        t.list_value += list;
        t.deals += 1.0;
        t.late_deals += in_last_two_weeks(day) as u8 as f64;
        t.poached_deals += poached as u8 as f64;
        t.pulled_in += (kind == DealKind::PulledIn) as u8 as f64;
        let w = (week_of_quarter(day) - 1).min(WEEKS_PER_QUARTER - 1) as usize;
        self.weeks.deals[w] += 1.0;
        self.weeks.bookings[w] += net;
        self.weeks.discount_sum[w] += 1.0 - net / list;
    }

    /// The response to one of our contacts: recent contacts before it, welcome or not, and the
    /// stage's base receptivity.
    pub fn response(&mut self, recent: f64, welcome: bool, stage_receptivity: f64) {
        let bin = (crate::engine::rounding::round_non_negative(recent.max(0.0)) as usize).min(15);
        self.response.contacts[bin] += 1.0;
        self.response.welcome[bin] += welcome as u8 as f64;
        self.response.expected[bin] += stage_receptivity;
    }

    /// Where in the customer's own fiscal year one of our deals fell.
    pub fn fiscal_timing(&mut self, days_left_in_fiscal_year: Day) {
        self.fiscal.deals += 1.0;
        if days_left_in_fiscal_year < crate::calendar::DAYS_PER_MONTH {
            self.fiscal.last_month += 1.0;
        }
        if days_left_in_fiscal_year < crate::calendar::DAYS_PER_WEEK {
            self.fiscal.last_week += 1.0;
        }
    }

    /// Any vendor's deal: `incumbent` is the vendor of the contract the account held before, if
    /// any, `preferred` the vendor it came to prefer in this journey, if any, and `vendor` the
    /// one it bought from.
    pub fn market_deal(
        &mut self,
        day: Day,
        incumbent: Option<usize>,
        preferred: Option<usize>,
        vendor: usize,
    ) {
        let t = self.at(day);
        t.market_deals += 1.0;
        if let Some(p) = preferred {
            t.preferred_purchases += 1.0;
            t.preferred_won += (p == vendor) as u8 as f64;
        }
        if incumbent == Some(0) {
            t.base_purchases += 1.0;
            t.base_kept += (vendor == 0) as u8 as f64;
        }
    }

    /// An account bought for the first time (from any vendor).
    pub fn adoption(&mut self, day: Day) {
        let q = self.quarter(day);
        self.adoptions[q] += 1.0;
    }

    /// A rep's effort today (recorded in the last third of the quarter).
    pub fn effort(&mut self, day: Day, attainment: f64, effort: f64) {
        if crate::calendar::day_in_quarter(day) * 3 >= crate::calendar::DAYS_PER_QUARTER * 2 {
            let bin = ((attainment.max(0.0) * 10.0) as usize).min(15);
            self.effort.effort_sum[bin] += effort;
            self.effort.rep_days[bin] += 1.0;
        }
    }

    /// The quarter ends: rep attainments, the accounts' mean trust toward us, and how many
    /// accounts hold a contract with us.
    pub fn close_quarter(
        &mut self,
        quarter: usize,
        attainment: &[f64],
        mean_trust: f64,
        installed_base: f64,
    ) {
        let Some(t) = self.quarters.get_mut(quarter) else {
            return;
        };
        t.base_sum += installed_base;
        t.attainment_sum += attainment.iter().sum::<f64>();
        t.rep_quarters += attainment.len() as f64;
        t.reps_at_quota += attainment.iter().filter(|&&a| a >= 1.0).count() as f64;
        t.trust_sum += mean_trust;
        t.trust_n += 1.0;
    }

    /// The finished record.
    pub fn into_record(self, customer_days: u64, all_contacts: u64) -> RunRecord {
        RunRecord {
            quarters: self.quarters,
            weeks: self.weeks,
            effort: self.effort,
            response: self.response,
            fiscal: self.fiscal,
            adoptions: self.adoptions,
            customer_days,
            all_contacts,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_come_from_pooled_counts() {
        let a = Tally {
            opportunities: 10.0,
            lost: 2.0,
            no_decision: 5.0,
            deals: 3.0,
            late_deals: 3.0,
            ..Default::default()
        };
        let b = Tally {
            opportunities: 10.0,
            lost: 4.0,
            no_decision: 5.0,
            deals: 1.0,
            ..Default::default()
        };
        let m = (a + b).metrics();
        assert_eq!(m[4], 4.0 / 20.0);
        assert_eq!(m[5], 0.5);
        assert_eq!(m[6], 0.3);
        assert_eq!(m[15], 0.75);
        assert!(Tally::default().metrics()[4].is_nan());
    }

    #[test]
    fn yoy_growth_needs_two_years() {
        let q = |b| Tally {
            bookings: b,
            ..Default::default()
        };
        let mut r = RunRecord {
            quarters: vec![q(10.0); 8],
            weeks: WeekTally::default(),
            effort: EffortCurve::default(),
            response: ResponseCurve::default(),
            fiscal: FiscalTiming::default(),
            adoptions: Vec::new(),
            customer_days: 0,
            all_contacts: 0,
        };
        r.quarters[7] = q(30.0);
        assert!((r.metrics()[16] - 0.5).abs() < 1e-12);
        r.quarters.truncate(7);
        assert!(r.metrics()[16].is_nan());
    }
}

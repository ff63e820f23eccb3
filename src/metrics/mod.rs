//! What a run measures for our vendor (vendor 0): additive tallies per quarter and per week of
//! quarter, turned into the contract's metrics.
//!
//! Tallies implement `Add`, so records merge with a one-line reduce. Rates are derived from the
//! tallies only when reported, so merged tallies give pooled rates.
//!
//! Units: `bookings`, `list_value`, `discount_cost` in $k; `win_rate`, `no_decision_rate`,
//! `lost_to_competitor` as shares of our opportunities counted as a CRM counts them (every
//! journey whose shortlist we joined, closed with its outcome, whether or not we were still on
//! the shortlist at the end: deals.csv's closed records of ours); `unwelcome_share` of our contacts; `on_journey_share` of
//! our contacts that reached an account in an active buying journey (problem identification to
//! decision: the account's own state, recorded by the observer, never shown to a rep);
//! `prospecting_on_journey_share` the same of our prospecting contacts only (a rep's own pick
//! from its territory, its signals' leads or a poach; not a pipeline follow-up), and
//! `territory_on_journey_share` what a random account of the same territory was at each of
//! those contacts (the no-information baseline a prospecting pick is judged against); `quota_attainment` as
//! bookings ÷ quota averaged over rep-quarters; `reps_at_quota_share` of rep-quarters at or over
//! quota; `mean_trust` (0–1) of all accounts toward us, averaged over quarter ends;
//! `hockey_stick` the share of our deals closed in weeks 12–13; `yoy_growth` last year's bookings
//! over the first year's, minus 1 (NaN under two years).
//!
//! `blocks` counts block *events* (an account may block us again after a block ends);
//! `accounts_blocking` counts the *distinct* accounts that blocked us at least once during the
//! horizon (an account still blocking from the warm-up without blocking again is not counted).
//! Distinct accounts do not add up over quarters, so `accounts_blocking` is a run metric only.
//!
//! Beside our totals a run records ([`TeamTally`], [`VendorTally`]): per team of ours, what its
//! reps did (a deal, a contact, a conflict or a block is the team's whose rep made it, or whose
//! contact caused it; a poached deal, credited to a rep outside the account's home territory, is
//! gained by the crediting rep's team and lost by the home rep's team); per vendor, bookings and
//! deals quarter by quarter (the market); and each of our reps' attainment per quarter.

use crate::calendar::{in_last_two_weeks, quarter_of, week_of_quarter, Day, WEEKS_PER_QUARTER};
use crate::world::{CustomerId, RepId, World};
use serde::{Deserialize, Serialize};
use std::ops::{Add, AddAssign};

/// How a purchase came about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DealKind {
    /// The account chose the vendor at its decision.
    Chosen,
    /// The account chose the vendor at a decision a quarter-end discount pulled in.
    PulledIn,
}

/// How a journey ended, for the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Bought from a vendor.
    Bought(usize),
    /// No decision.
    NoDecision,
}

/// Metric names of `runs.csv`, in column order.
pub const RUN_METRICS: [&str; 27] = [
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
    "accounts_blocking",
    "conflicts",
    "poached_deals",
    "quota_attainment",
    "reps_at_quota_share",
    "mean_trust",
    "hockey_stick",
    "commission_cost",
    "rep_cost",
    "contribution",
    "cost_of_sales_ratio",
    "sandbagged_deals",
    "on_journey_share",
    "prospecting_on_journey_share",
    "territory_on_journey_share",
    "yoy_growth",
    "cohort_bookings",
];

/// Where a metric sits in [`RUN_METRICS`] (and in [`RunRecord::metrics`]).
///
/// # Panics
///
/// If `name` is not a run metric: callers name metrics of the contract.
pub fn run_metric(name: &str) -> usize {
    RUN_METRICS
        .iter()
        .position(|m| *m == name)
        .unwrap_or_else(|| panic!("`{name}` is not a run metric"))
}

/// Where `accounts_blocking` sits in [`RUN_METRICS`] (right after `blocks`).
const ACCOUNTS_BLOCKING: usize = {
    let mut i = 0;
    while !matches!(RUN_METRICS[i].as_bytes(), b"accounts_blocking") {
        i += 1;
    }
    i
};

/// Metric names of `quarters.csv`: every run metric but `accounts_blocking` (distinct accounts
/// do not add up over quarters), `yoy_growth` and `cohort_bookings` (a cohort's bookings
/// wherever they close, past the horizon too); those are the last two run metrics.
pub const QUARTER_METRICS: [&str; RUN_METRICS.len() - 3] = {
    let mut out = [""; RUN_METRICS.len() - 3];
    let mut i = 0;
    while i < out.len() {
        out[i] = RUN_METRICS[if i < ACCOUNTS_BLOCKING { i } else { i + 1 }];
        i += 1;
    }
    out
};

/// Metric names of `teams.csv`, after its keys, in [`TeamTally::metrics`] order.
pub const TEAM_METRICS: [&str; 10] = [
    "bookings",
    "deals",
    "contacts",
    "on_journey_share",
    "blocks",
    "accounts_blocking",
    "conflicts",
    "poached_deals_lost",
    "poached_deals_gained",
    "quota_attainment",
];

/// Metric names of `vendors.csv`, after its keys.
pub const VENDOR_METRICS: [&str; 3] = ["bookings", "deals", "market_share"];

/// Which way is better for us: `Some(true)` higher, `Some(false)` lower, `None` neither (more
/// contacts or more poached deals are not good or bad in themselves). `share_better` in
/// `comparison.csv` follows it, and is empty (NaN) for the neutral ones.
pub fn direction(metric: &str) -> Option<bool> {
    match metric {
        "contacts" | "poached_deals" | "sandbagged_deals" => None,
        "discount_cost"
        | "no_decision_rate"
        | "lost_to_competitor"
        | "unwelcome_share"
        | "blocks"
        | "accounts_blocking"
        | "conflicts"
        | "hockey_stick"
        | "commission_cost"
        | "rep_cost"
        | "cost_of_sales_ratio" => Some(false),
        _ => Some(true),
    }
}

/// The values a metric can take, for the bounds of its confidence interval: `(0, ∞)` for
/// amounts and counts, `(0, 1)` for shares, none for growth. A Student-t interval of a
/// replication mean can reach past them when the values pile up at a bound (a count that is
/// often zero); the reported interval is cut there.
pub fn bounds(metric: &str) -> (f64, f64) {
    match metric {
        "yoy_growth" | "contribution" => (f64::NEG_INFINITY, f64::INFINITY),
        "win_rate"
        | "no_decision_rate"
        | "lost_to_competitor"
        | "unwelcome_share"
        | "on_journey_share"
        | "prospecting_on_journey_share"
        | "territory_on_journey_share"
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
    /// Our opportunities concluded (every one opened and closed, as a CRM counts them).
    pub opportunities: f64,
    /// Of which lost to a competitor.
    pub lost: f64,
    /// Of which ended in no decision.
    pub no_decision: f64,
    /// Contacts made by our reps.
    pub contacts: f64,
    /// Of which unwelcome (including contacts wasted on accounts that block us).
    pub unwelcome: f64,
    /// Of which reached an account in an active buying journey (problem identification to
    /// decision).
    #[serde(default)]
    pub on_journey: f64,
    /// Of our contacts, those a rep picked by prospecting (a territory sample, a lead of its
    /// signals, a poached account): not a follow-up of its pipeline, a pull-in call or a defence.
    #[serde(default)]
    pub prospecting: f64,
    /// Of which reached an account in an active buying journey.
    #[serde(default)]
    pub prospecting_on_journey: f64,
    /// Of the same prospecting contacts, how many a random pick of the picked account's home
    /// territory would have found in an active buying journey (one random account of that
    /// territory per contact, drawn by the observer): the no-information baseline.
    #[serde(default)]
    pub territory_on_journey: f64,
    /// Times an account blocked us (block events).
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
    /// Variable pay (commission and bonuses, after clawbacks) of our reps for plan periods
    /// ended in the quarter, $k.
    pub commission: f64,
    /// Base pay of our reps, $k.
    pub base_pay: f64,
    /// Ready deals our reps asked to sign in the next plan period instead (sandbagging).
    pub sandbagged: f64,
    /// Of which by a rep already at or past quota in its period (held back because the deal
    /// pays less now: past a cap, or for a hand-set sandbagger, past quota).
    pub sandbagged_past_quota: f64,
}

/// Our reps' learned knobs in one team at a quarter's end: sums over reps, for the mean and
/// spread of each knob ([`crate::params::strategy::Strategy::LEARNED`] order, then the position between
/// the aligned and aggressive presets, [`crate::params::strategy::Strategy::position`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct KnobTally {
    /// Reps counted.
    pub reps: f64,
    /// Sum of each knob.
    pub sum: [f64; STRATEGY_MIX_KNOBS.len()],
    /// Sum of each knob's square.
    pub sum_sq: [f64; STRATEGY_MIX_KNOBS.len()],
}

/// The knobs of `strategy_mix.csv`, in [`KnobTally`] order: the learned knobs, then
/// `aggressive_position` (0 = the aligned preset's selling style, 1 = the aggressive one's).
pub const STRATEGY_MIX_KNOBS: [&str; 10] = [
    "effort_ramp",
    "give_up_below",
    "sandbagging",
    "listening",
    "min_receptivity",
    "min_contact_gap_days",
    "poaching",
    "discount_max",
    "defending",
    "aggressive_position",
];

impl AddAssign for KnobTally {
    fn add_assign(&mut self, o: KnobTally) {
        self.reps += o.reps;
        for i in 0..self.sum.len() {
            self.sum[i] += o.sum[i];
            self.sum_sq[i] += o.sum_sq[i];
        }
    }
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
        self.on_journey += o.on_journey;
        self.prospecting += o.prospecting;
        self.prospecting_on_journey += o.prospecting_on_journey;
        self.territory_on_journey += o.territory_on_journey;
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
        self.commission += o.commission;
        self.base_pay += o.base_pay;
        self.sandbagged += o.sandbagged;
        self.sandbagged_past_quota += o.sandbagged_past_quota;
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
    pub fn metrics(&self) -> [f64; QUARTER_METRICS.len()] {
        let won = self.opportunities - self.lost - self.no_decision;
        let sales_cost = self.commission + self.base_pay;
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
            self.commission,
            self.base_pay,
            self.bookings - sales_cost,
            ratio(sales_cost, self.bookings),
            self.sandbagged,
            ratio(self.on_journey, self.contacts),
            ratio(self.prospecting_on_journey, self.prospecting),
            ratio(self.territory_on_journey, self.prospecting),
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

/// What one team of ours did over the horizon (see the module doc for whose each event is).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct TeamTally {
    /// Net bookings credited to the team's reps, $k.
    pub bookings: f64,
    /// Deals credited to the team's reps.
    pub deals: f64,
    /// Contacts made by the team's reps.
    pub contacts: f64,
    /// Of which reached an account in an active buying journey.
    #[serde(default)]
    pub on_journey: f64,
    /// Block events triggered by the team's reps' contacts.
    pub blocks: f64,
    /// Distinct accounts that blocked us after a contact of the team's reps.
    pub accounts_blocking: f64,
    /// Internal conflicts caused by the team's reps' contacts (a second rep of ours on an
    /// account within days).
    pub conflicts: f64,
    /// Deals on the team's home accounts credited to a rep outside the account's home
    /// territory (a teammate's, or another team's).
    pub poached_lost: f64,
    /// Deals credited to the team's reps on accounts outside their own home territory.
    pub poached_gained: f64,
    /// Sum of the team's rep attainments at quarter ends.
    pub attainment_sum: f64,
    /// The team's rep-quarters counted.
    pub rep_quarters: f64,
}

impl AddAssign for TeamTally {
    fn add_assign(&mut self, o: TeamTally) {
        self.bookings += o.bookings;
        self.deals += o.deals;
        self.contacts += o.contacts;
        self.on_journey += o.on_journey;
        self.blocks += o.blocks;
        self.accounts_blocking += o.accounts_blocking;
        self.conflicts += o.conflicts;
        self.poached_lost += o.poached_lost;
        self.poached_gained += o.poached_gained;
        self.attainment_sum += o.attainment_sum;
        self.rep_quarters += o.rep_quarters;
    }
}

impl Add for TeamTally {
    type Output = TeamTally;
    fn add(mut self, o: TeamTally) -> TeamTally {
        self += o;
        self
    }
}

impl TeamTally {
    /// The team metrics, in [`TEAM_METRICS`] order.
    pub fn metrics(&self) -> [f64; TEAM_METRICS.len()] {
        [
            self.bookings,
            self.deals,
            self.contacts,
            ratio(self.on_journey, self.contacts),
            self.blocks,
            self.accounts_blocking,
            self.conflicts,
            self.poached_lost,
            self.poached_gained,
            ratio(self.attainment_sum, self.rep_quarters),
        ]
    }
}

/// One vendor's deals (its share of the market).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct VendorTally {
    /// Net bookings, $k.
    pub bookings: f64,
    /// Deals won.
    pub deals: f64,
}

impl AddAssign for VendorTally {
    fn add_assign(&mut self, o: VendorTally) {
        self.bookings += o.bookings;
        self.deals += o.deals;
    }
}

impl Add for VendorTally {
    type Output = VendorTally;
    fn add(mut self, o: VendorTally) -> VendorTally {
        self += o;
        self
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
    /// Distinct accounts that blocked us at least once during the horizon.
    pub accounts_blocking: f64,
    /// Per team of ours (in scenario order), over the horizon.
    pub teams: Vec<TeamTally>,
    /// Per quarter, per vendor (index 0 is us): the whole market's deals.
    pub vendor_quarters: Vec<Vec<VendorTally>>,
    /// Per quarter, each of our reps' attainment (bookings ÷ quota) at the quarter's end, in
    /// rep order (teams in scenario order).
    pub rep_attainment: Vec<Vec<f64>>,
    /// Per quarter, per team of ours: the learned knobs of its reps at the quarter's end.
    pub strategy_mix: Vec<Vec<KnobTally>>,
    /// Net bookings ($k) of our opportunities created within the horizon, wherever they closed:
    /// in the horizon or in the run-out after it ([`crate::engine::cohort`]).
    pub cohort_bookings: f64,
    /// The list value of those bookings, $k (not an output column; for checks that re-timing
    /// alone gains nothing).
    pub cohort_list_value: f64,
}

impl RunRecord {
    /// The whole horizon's tally.
    pub fn total(&self) -> Tally {
        self.quarters
            .iter()
            .copied()
            .fold(Tally::default(), Add::add)
    }

    /// Each vendor's deals over the horizon, quarters added in order (so our vendor's bookings
    /// are exactly [`Self::total`]'s).
    pub fn vendor_totals(&self) -> Vec<VendorTally> {
        let mut out =
            vec![VendorTally::default(); self.vendor_quarters.first().map_or(0, Vec::len)];
        for quarter in &self.vendor_quarters {
            for (total, q) in out.iter_mut().zip(quarter) {
                *total += *q;
            }
        }
        out
    }

    /// The run metrics, in [`RUN_METRICS`] order.
    pub fn metrics(&self) -> [f64; RUN_METRICS.len()] {
        let q = self.total().metrics();
        let mut out = [0.0; RUN_METRICS.len()];
        out[..ACCOUNTS_BLOCKING].copy_from_slice(&q[..ACCOUNTS_BLOCKING]);
        out[ACCOUNTS_BLOCKING] = self.accounts_blocking;
        out[ACCOUNTS_BLOCKING + 1..RUN_METRICS.len() - 2].copy_from_slice(&q[ACCOUNTS_BLOCKING..]);
        out[RUN_METRICS.len() - 1] = self.cohort_bookings;
        out[RUN_METRICS.len() - 2] = if self.quarters.len() >= 8 {
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
    /// The team of each of our reps.
    team_of: Vec<u32>,
    teams: Vec<TeamTally>,
    /// `[quarter][vendor]`.
    vendor_quarters: Vec<Vec<VendorTally>>,
    /// `[quarter][rep]`, filled as quarters close.
    rep_attainment: Vec<Vec<f64>>,
    /// (account, team) of every block of ours: distinct accounts are counted at the end (blocks
    /// are few, so this stays small).
    blocked: Vec<(CustomerId, u32)>,
    /// `[quarter][team]`.
    strategy_mix: Vec<Vec<KnobTally>>,
}

impl Recorder {
    /// A recorder for `quarters` quarters from day `start` (a quarter's first day), for the
    /// teams and reps of our vendor in `world` and its vendors.
    pub fn new(quarters: u32, start: Day, world: &World) -> Recorder {
        let ours = &world.vendors[0];
        Recorder {
            start,
            quarters: vec![Tally::default(); quarters as usize],
            weeks: WeekTally::default(),
            effort: EffortCurve::default(),
            response: ResponseCurve::default(),
            fiscal: FiscalTiming::default(),
            adoptions: vec![0.0; quarters as usize],
            team_of: ours.reps.iter().map(|r| r.team).collect(),
            teams: vec![TeamTally::default(); ours.teams.len()],
            vendor_quarters: vec![
                vec![VendorTally::default(); world.vendors.len()];
                quarters as usize
            ],
            rep_attainment: vec![Vec::new(); quarters as usize],
            blocked: Vec::new(),
            strategy_mix: vec![Vec::new(); quarters as usize],
        }
    }

    /// The tally of our rep `rep`'s team.
    fn team(&mut self, rep: RepId) -> &mut TeamTally {
        &mut self.teams[self.team_of[rep as usize] as usize]
    }

    /// The quarter (0-based, from `start`) holding `day`, at most the last one.
    fn quarter(&self, day: Day) -> usize {
        (quarter_of(day.saturating_sub(self.start)) as usize).min(self.quarters.len() - 1)
    }

    fn at(&mut self, day: Day) -> &mut Tally {
        let q = self.quarter(day);
        &mut self.quarters[q]
    }

    /// Our reps' pay for a quarter ending on `day`: base pay and variable pay ($k).
    pub fn pay(&mut self, day: Day, base: f64, variable: f64) {
        let t = self.at(day);
        t.base_pay += base;
        t.commission += variable;
    }

    /// One of our reps asked a ready deal to sign next period, at attainment `attainment` of its
    /// period quota.
    pub fn sandbagged(&mut self, day: Day, attainment: f64) {
        let q = self.at(day);
        q.sandbagged += 1.0;
        if attainment >= 1.0 {
            q.sandbagged_past_quota += 1.0;
        }
    }

    /// Our reps' strategies (in rep order) at the end of quarter `quarter`.
    pub fn strategy_mix(
        &mut self,
        quarter: usize,
        strategies: &[crate::params::strategy::Strategy],
    ) {
        let Some(mix) = self.strategy_mix.get_mut(quarter) else {
            return;
        };
        *mix = vec![KnobTally::default(); self.teams.len()];
        let (aligned, aggressive) = (
            crate::params::presets::aligned(),
            crate::params::presets::aggressive(),
        );
        for (s, &team) in strategies.iter().zip(&self.team_of) {
            let t = &mut mix[team as usize];
            let learned = s.learned();
            let values = learned
                .iter()
                .copied()
                .chain([s.position(&aligned, &aggressive)]);
            t.reps += 1.0;
            for (i, x) in values.enumerate() {
                t.sum[i] += x;
                t.sum_sq[i] += x * x;
            }
        }
    }

    /// Our rep `rep` made a contact, to an account in an active buying journey or not
    /// (`on_journey`: the account's own state, which the recorder sees and no rep does).
    pub fn contact(&mut self, day: Day, rep: RepId, on_journey: bool) {
        let j = f64::from(u8::from(on_journey));
        let t = self.at(day);
        t.contacts += 1.0;
        t.on_journey += j;
        let team = self.team(rep);
        team.contacts += 1.0;
        team.on_journey += j;
    }

    /// Our rep's contact of `day` was a prospecting pick (see [`Tally::prospecting`]): whether it
    /// reached an account in an active buying journey, and whether a random account of the same
    /// territory was in one (the observer's baseline draw).
    pub fn prospecting(&mut self, day: Day, on_journey: bool, random_on_journey: bool) {
        let t = self.at(day);
        t.prospecting += 1.0;
        t.prospecting_on_journey += f64::from(u8::from(on_journey));
        t.territory_on_journey += f64::from(u8::from(random_on_journey));
    }

    /// Our contact was unwelcome (or wasted on a blocking account).
    pub fn unwelcome(&mut self, day: Day) {
        self.at(day).unwelcome += 1.0;
    }

    /// Two of our reps on one account within days: `rep`'s contact was the second.
    pub fn conflict(&mut self, day: Day, rep: RepId) {
        self.at(day).conflicts += 1.0;
        self.team(rep).conflicts += 1.0;
    }

    /// Account `c` blocked us after a contact of our rep `rep`.
    pub fn block(&mut self, day: Day, c: CustomerId, rep: RepId) {
        self.at(day).blocks += 1.0;
        let team = self.team_of[rep as usize];
        self.teams[team as usize].blocks += 1.0;
        self.blocked.push((c, team));
    }

    /// An opportunity of ours (a journey whose shortlist we joined) concluded.
    pub fn opportunity(&mut self, day: Day, outcome: Outcome) {
        let t = self.at(day);
        t.opportunities += 1.0;
        match outcome {
            Outcome::Bought(0) => {}
            Outcome::Bought(_) => t.lost += 1.0,
            Outcome::NoDecision => t.no_decision += 1.0,
        }
    }

    /// We won a deal, credited to our rep `rep`, on an account of `home_rep`'s territory.
    pub fn deal(
        &mut self,
        day: Day,
        list: f64,
        net: f64,
        rep: RepId,
        home_rep: RepId,
        kind: DealKind,
    ) {
        let poached = rep != home_rep;
        let team = self.team(rep);
        team.bookings += net;
        team.deals += 1.0;
        team.poached_gained += poached as u8 as f64;
        if poached {
            self.team(home_rep).poached_lost += 1.0;
        }
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
        let bin = (crate::rounding::round_non_negative(recent.max(0.0)) as usize).min(15);
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
    /// one it bought from, for `net` $k.
    pub fn market_deal(
        &mut self,
        day: Day,
        incumbent: Option<usize>,
        preferred: Option<usize>,
        vendor: usize,
        net: f64,
    ) {
        let q = self.quarter(day);
        let v = &mut self.vendor_quarters[q][vendor];
        v.bookings += net;
        v.deals += 1.0;
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

    /// The quarter ends: our reps' attainments (in rep order), the accounts' mean trust toward
    /// us, and how many accounts hold a contract with us.
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
        for (&team, &a) in self.team_of.iter().zip(attainment) {
            let team = &mut self.teams[team as usize];
            team.attainment_sum += a;
            team.rep_quarters += 1.0;
        }
        self.rep_attainment[quarter] = attainment.to_vec();
        t.base_sum += installed_base;
        t.attainment_sum += attainment.iter().sum::<f64>();
        t.rep_quarters += attainment.len() as f64;
        t.reps_at_quota += attainment.iter().filter(|&&a| a >= 1.0).count() as f64;
        t.trust_sum += mean_trust;
        t.trust_n += 1.0;
    }

    /// The finished record.
    pub fn into_record(mut self, customer_days: u64, all_contacts: u64) -> RunRecord {
        // Distinct (account, team) pairs, then distinct accounts.
        self.blocked.sort_unstable();
        self.blocked.dedup();
        for &(_, team) in &self.blocked {
            self.teams[team as usize].accounts_blocking += 1.0;
        }
        self.blocked.dedup_by_key(|&mut (c, _)| c);
        RunRecord {
            accounts_blocking: self.blocked.len() as f64,
            teams: self.teams,
            vendor_quarters: self.vendor_quarters,
            rep_attainment: self.rep_attainment,
            strategy_mix: self.strategy_mix,
            quarters: self.quarters,
            weeks: self.weeks,
            effort: self.effort,
            response: self.response,
            fiscal: self.fiscal,
            adoptions: self.adoptions,
            customer_days,
            all_contacts,
            cohort_bookings: 0.0,
            cohort_list_value: 0.0,
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
            accounts_blocking: 0.0,
            teams: Vec::new(),
            vendor_quarters: Vec::new(),
            rep_attainment: Vec::new(),
            strategy_mix: Vec::new(),
            cohort_bookings: 0.0,
            cohort_list_value: 0.0,
        };
        let yoy = RUN_METRICS.iter().position(|m| *m == "yoy_growth").unwrap();
        r.quarters[7] = q(30.0);
        assert!((r.metrics()[yoy] - 0.5).abs() < 1e-12);
        r.quarters.truncate(7);
        assert!(r.metrics()[yoy].is_nan());
    }
}

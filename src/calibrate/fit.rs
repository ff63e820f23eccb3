//! The fit: the method of simulated moments, with common random numbers, that turns a CRM
//! export's observed moments into a scenario.
//!
//! **What is fitted.** Only the knobs the export's moments identify ([`Knob`]), each from the
//! moments that move with it:
//!
//! | knob | scenario key | moments |
//! |---|---|---|
//! | book size | `market.customers` ÷ our reps | `accounts_per_rep`, `opportunities_per_rep_quarter` |
//! | need rate | `market.spontaneous_need_rate` | `opportunities_per_rep_quarter`, `wins_per_winning_account_year`, `repeat_account_share_year` |
//! | deal value | `market.value_median_k`, `market.value_sigma` | `deal_size_log_mean`, `deal_size_log_sd` |
//! | cycle lengths | `market.segments.S.cycle_days` (per segment where the export names the simulator's segments, else one scale on all three) | `cycle_days_won_p25/p50/p75`, `cycle_days_closed_p50` (per segment) |
//! | quarter-end ramp | `strategies.yours.effort_ramp` | `deals_share_weeks_12_13` (deals, not bookings: a few large deals move the share of bookings) |
//! | pull-in discount | `strategies.yours.discount_max` | `discount_mean` (only with list amounts) |
//!
//! A knob whose moments the export does not identify is left at its field default, and the
//! fit says why; so is everything a CRM export cannot see ([`LEFT_AT_DEFAULTS`]).
//!
//! **The market's structure is read, not fitted:** our reps and teams as the export has them,
//! the competitors in the default proportions (a rival selling aggressively with half as many
//! reps, an aligned challenger with 40%), the horizon the export spans.
//!
//! **The criterion.** For a candidate, [`Budget::replications`] replications of the scenario
//! are simulated with our teams selling the fitted strategy (`yours`, also the warm-up's), each
//! replication's deal records become opportunities ([`super::simulated::opportunities`], with
//! the export's [`Shape`]) and go through [`super::moments::observe`], the function that
//! measured the export; the simulated moment is the mean over replications. The criterion is
//! the mean of the squared differences in units of the observed moment's standard error (the
//! width of its bootstrap 95% CI ÷ 3.92, or the moment's standard deviation between simulated
//! markets at the search's start where that is larger): the inverse-variance weighting of the
//! method of simulated moments. The export is one market; its bootstrap resamples that market's
//! accounts and reps and, with few reps, can miss how much the moment varies from one market
//! like it to the next. Every candidate uses the same replication seeds (common random numbers),
//! so the criterion is a deterministic function of the knobs, and the same export and seed give
//! the same fit whatever the number of threads (replications run in parallel, results are
//! combined in replication order).
//!
//! **The search** is `argmin`'s Nelder-Mead, on unbounded coordinates mapped onto each knob's
//! range (log scale for sizes, rates and days), restarted once from its best point, for at most
//! [`Budget::iterations`] iterations in all. It starts from three rounds of moment matching by
//! ratio from the field defaults (book size, need rate, deal value and cycles scaled by
//! observed ÷ simulated, the value spread's variance shifted by the difference).
//!
//! **Intervals of the fitted knobs** come from the criterion's Jacobian at the optimum (central
//! differences of a quarter unit on the unbounded coordinate, same seeds): the variance of the
//! method of simulated moments with optimal weights, `(1 + 1/S) (G′WG)⁻¹` for `S`
//! replications, on the unbounded coordinate, so the interval is asymmetric on the knob's own
//! scale. A knob the moments do not move is reported as not identified.

use super::moments::{names, Bootstrap, Moment, Moments};
use super::simulated::{self, Shape};
use super::Opportunity;
use crate::experiment::stats::{summarize, Summary};
use crate::params::presets;
use crate::params::settings::Market;
use crate::scenario::{self as scenario_mod, Config, ScenarioSource};
use crate::world::Segment;
use argmin::core::{CostFunction, Executor};
use argmin::solver::neldermead::NelderMead;
use rayon::prelude::*;
use std::sync::atomic::{AtomicU32, Ordering};

/// The simulation budget of a fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Replications per evaluation of the criterion (the same seeds every time).
    pub replications: u32,
    /// Most Nelder-Mead iterations.
    pub iterations: u64,
}

impl Default for Budget {
    /// 16 replications, 80 iterations: about 200 evaluations of the criterion, 3,200 simulated
    /// runs (README, "Your own market", gives the example export's CPU time). With 8 (before
    /// issue 27) the criterion's simulation noise pulled the fitted quarter-end ramp of a known
    /// market low: over six exports of it, the ramp's estimates averaged 0.35 against a true 0.5
    /// and one interval missed it; with 16 the fits of the same exports held every knob.
    fn default() -> Budget {
        Budget {
            replications: 16,
            iterations: 80,
        }
    }
}

/// A knob the fit can set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Knob {
    /// Accounts per rep of ours (`market.customers` ÷ our reps).
    BookSize,
    /// `market.spontaneous_need_rate`, needs per account per year.
    NeedRate,
    /// `market.value_median_k`, $k.
    ValueMedian,
    /// `market.value_sigma`.
    ValueSigma,
    /// One factor on all three segments' `cycle_days` (the export has no usable segments).
    CycleScale,
    /// One segment's `cycle_days`.
    Cycle(Segment),
    /// `strategies.yours.effort_ramp`.
    EffortRamp,
    /// `strategies.yours.discount_max`.
    DiscountMax,
}

/// How a knob's range is searched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scale {
    /// Evenly in the logarithm.
    Log,
    /// Evenly.
    Linear,
}

const SEGMENTS: [Segment; 3] = [Segment::Smb, Segment::MidMarket, Segment::Enterprise];

impl Knob {
    /// The scenario key it sets.
    pub fn key(self) -> String {
        match self {
            Knob::BookSize => "market.customers (÷ our reps)".into(),
            Knob::NeedRate => "market.spontaneous_need_rate".into(),
            Knob::ValueMedian => "market.value_median_k".into(),
            Knob::ValueSigma => "market.value_sigma".into(),
            Knob::CycleScale => "market.segments.*.cycle_days (one factor)".into(),
            Knob::Cycle(s) => format!("market.segments.{}.cycle_days", s.name()),
            Knob::EffortRamp => "strategies.yours.effort_ramp".into(),
            Knob::DiscountMax => "strategies.yours.discount_max".into(),
        }
    }

    /// What it is, in a sales leader's words.
    pub fn meaning(self) -> String {
        match self {
            Knob::BookSize => "book size, accounts per rep".into(),
            Knob::NeedRate => "new needs per account per year".into(),
            Knob::ValueMedian => "median annual deal value of a mid-market account, $k".into(),
            Knob::ValueSigma => "spread of deal values (log-normal sigma)".into(),
            Knob::CycleScale => "buying-cycle length, factor on the field defaults".into(),
            Knob::Cycle(s) => format!("{} buying journey, business days", s.name()),
            Knob::EffortRamp => "your quarter-end effort ramp".into(),
            Knob::DiscountMax => "your largest quarter-end pull-in discount".into(),
        }
    }

    fn scale(self) -> Scale {
        match self {
            Knob::ValueSigma | Knob::EffortRamp | Knob::DiscountMax => Scale::Linear,
            _ => Scale::Log,
        }
    }

    /// Whether a value sits at an end of the range searched (within 1% of it, on the knob's
    /// own scale): the end, or `None`. A knob pinned at a bound was stopped by the range, not by
    /// the data: the market it wants is outside what the model lets it be.
    pub fn at_bound(self, value: f64, reps: u32) -> Option<f64> {
        let (lo, hi) = self.bounds(reps);
        let share = match self.scale() {
            Scale::Log => (value.ln() - lo.ln()) / (hi.ln() - lo.ln()),
            Scale::Linear => (value - lo) / (hi - lo),
        };
        if share <= 0.01 {
            Some(lo)
        } else if share >= 0.99 {
            Some(hi)
        } else {
            None
        }
    }

    /// The range searched: inside what the scenario accepts, and wide.
    pub fn bounds(self, reps: u32) -> (f64, f64) {
        match self {
            Knob::BookSize => (2.0, (5_000_000.0 / f64::from(reps.max(1))).min(20_000.0)),
            Knob::NeedRate => (0.002, 5.0),
            Knob::ValueMedian => (0.01, 1_000_000.0),
            Knob::ValueSigma => (0.02, 2.5),
            Knob::CycleScale => (0.05, 10.0),
            Knob::Cycle(_) => (2.0, 1500.0),
            Knob::EffortRamp => (0.0, 2.0),
            Knob::DiscountMax => (0.0, 0.6),
        }
    }

    /// The moments that identify it: (name, segment in the simulator's names).
    fn moments(self) -> Vec<(&'static str, Option<Segment>)> {
        let all = |names: &[&'static str]| names.iter().map(|&n| (n, None)).collect();
        let per_segment = |name: &'static str| {
            std::iter::once((name, None))
                .chain(SEGMENTS.iter().map(move |&s| (name, Some(s))))
                .collect()
        };
        let cycles = |s: Option<Segment>| {
            vec![
                (names::CYCLE_DAYS_WON[0], s),
                (names::CYCLE_DAYS_WON[1], s),
                (names::CYCLE_DAYS_WON[2], s),
                (names::CYCLE_DAYS_CLOSED[1], s),
            ]
        };
        match self {
            Knob::BookSize => all(&[
                names::ACCOUNTS_PER_REP,
                names::OPPORTUNITIES_PER_REP_QUARTER,
            ]),
            Knob::NeedRate => all(&[
                names::OPPORTUNITIES_PER_REP_QUARTER,
                names::WINS_PER_WINNING_ACCOUNT_YEAR,
                names::REPEAT_ACCOUNT_SHARE_YEAR,
            ]),
            // Per segment too, where the export names the simulator's segments: across segments
            // the spread is mostly the segments' value multipliers, within one it is sigma's.
            Knob::ValueMedian => per_segment(names::DEAL_SIZE_LOG_MEAN),
            Knob::ValueSigma => per_segment(names::DEAL_SIZE_LOG_SD),
            Knob::CycleScale => cycles(None),
            Knob::Cycle(s) => cycles(Some(s)),
            // Deals, not bookings: a share of bookings moves with a few large deals, and would
            // pull the deal-value spread into the timing.
            Knob::EffortRamp => all(&[names::DEALS_SHARE_WEEKS_12_13]),
            Knob::DiscountMax => all(&[names::DISCOUNT_MEAN]),
        }
    }

    /// The knob's value on the unbounded coordinate the search moves on.
    fn free_of(self, value: f64, reps: u32) -> f64 {
        let (lo, hi) = self.bounds(reps);
        let share = match self.scale() {
            Scale::Log => (value.ln() - lo.ln()) / (hi.ln() - lo.ln()),
            Scale::Linear => (value - lo) / (hi - lo),
        };
        let share = share.clamp(1e-6, 1.0 - 1e-6);
        (share / (1.0 - share)).ln()
    }

    /// The knob's value at an unbounded coordinate.
    fn value_at(self, x: f64, reps: u32) -> f64 {
        let (lo, hi) = self.bounds(reps);
        let share = 1.0 / (1.0 + (-x).exp());
        let value = match self.scale() {
            Scale::Log => (lo.ln() + share * (hi.ln() - lo.ln())).exp(),
            Scale::Linear => lo + share * (hi - lo),
        };
        // The exponential may round just past an end.
        value.clamp(lo, hi)
    }
}

/// The knobs' values: fitted or at their field defaults.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// Accounts per rep of ours.
    pub book_size: f64,
    /// `market.spontaneous_need_rate`.
    pub need_rate: f64,
    /// `market.value_median_k`.
    pub value_median_k: f64,
    /// `market.value_sigma`.
    pub value_sigma: f64,
    /// `cycle_days` of smb, mid_market, enterprise.
    pub cycle_days: [f64; 3],
    /// `strategies.yours.effort_ramp`.
    pub effort_ramp: f64,
    /// `strategies.yours.discount_max`.
    pub discount_max: f64,
}

impl Settings {
    /// The field defaults (the default market, the aggressive preset's timing knobs) and the
    /// default book of 400 accounts per rep.
    pub fn defaults() -> Settings {
        let m = Market::default();
        let s = &m.segments;
        let aggressive = presets::aggressive();
        Settings {
            book_size: 400.0,
            need_rate: m.spontaneous_need_rate,
            value_median_k: m.value_median_k,
            value_sigma: m.value_sigma,
            cycle_days: [
                s.smb.cycle_days,
                s.mid_market.cycle_days,
                s.enterprise.cycle_days,
            ],
            effort_ramp: aggressive.effort_ramp,
            discount_max: aggressive.discount_max,
        }
    }

    /// A knob's value.
    pub fn get(&self, knob: Knob) -> f64 {
        match knob {
            Knob::BookSize => self.book_size,
            Knob::NeedRate => self.need_rate,
            Knob::ValueMedian => self.value_median_k,
            Knob::ValueSigma => self.value_sigma,
            Knob::CycleScale => self.cycle_days[1] / Settings::defaults().cycle_days[1],
            Knob::Cycle(s) => self.cycle_days[s as usize],
            Knob::EffortRamp => self.effort_ramp,
            Knob::DiscountMax => self.discount_max,
        }
    }

    /// Sets a knob.
    pub fn set(&mut self, knob: Knob, value: f64) {
        match knob {
            Knob::BookSize => self.book_size = value,
            Knob::NeedRate => self.need_rate = value,
            Knob::ValueMedian => self.value_median_k = value,
            Knob::ValueSigma => self.value_sigma = value,
            Knob::CycleScale => {
                let d = Settings::defaults().cycle_days;
                self.cycle_days = d.map(|c| c * value);
            }
            Knob::Cycle(s) => self.cycle_days[s as usize] = value,
            Knob::EffortRamp => self.effort_ramp = value,
            Knob::DiscountMax => self.discount_max = value,
        }
    }

    /// Rounded to what a scenario file shows (3 significant digits; shares to 0.001).
    fn rounded(&self) -> Settings {
        let sig = |x: f64| {
            if x == 0.0 || !x.is_finite() {
                return x;
            }
            let p = 10f64.powi(2 - x.abs().log10().floor() as i32);
            (x * p).round() / p
        };
        let share = |x: f64| (x * 1000.0).round() / 1000.0;
        Settings {
            book_size: sig(self.book_size),
            need_rate: sig(self.need_rate),
            value_median_k: sig(self.value_median_k),
            value_sigma: share(self.value_sigma),
            cycle_days: self.cycle_days.map(sig),
            effort_ramp: share(self.effort_ramp),
            discount_max: share(self.discount_max),
        }
    }
}

/// What the fitted scenario takes from the export as it is: our teams, the horizon, the seed.
#[derive(Debug, Clone, PartialEq)]
pub struct Structure {
    /// The scenario's name.
    pub name: String,
    /// The export's file name, for the description.
    pub source: String,
    /// Our teams and their reps.
    pub teams: Vec<(String, u32)>,
    /// Quarters the export spans (its created dates), at most [`MAX_HORIZON`].
    pub horizon_quarters: u32,
    /// The scenario's master seed.
    pub seed: u64,
    /// Replications the written scenario runs per variant.
    pub replications: u32,
    /// The export's optional fields.
    pub shape: Shape,
}

/// Longest horizon a scenario takes (quarters): the fitted market is simulated over the
/// quarters the export spans, so that moments that grow with the span (accounts per rep seen)
/// compare like with like; the fit's time grows in proportion.
pub const MAX_HORIZON: u32 = 200;

/// Replications of the written scenario, and of the comparison `calibrate` prints.
pub const SCENARIO_REPLICATIONS: u32 = 40;

impl Structure {
    /// Our teams (reps per team, as the export's opportunities show their owners), the span and
    /// the fields of an export's opportunities. A rep's team is the first one its opportunities
    /// name; reps without a team, or all reps when the export has no teams, form a team `team`.
    pub fn of(
        opportunities: &[Opportunity],
        quarters_spanned: f64,
        name: &str,
        source: &str,
        seed: u64,
    ) -> Structure {
        let mut owners: Vec<(&str, Option<&str>)> = Vec::new();
        for o in opportunities {
            if !owners.iter().any(|(r, _)| *r == o.owner) {
                owners.push((&o.owner, o.team.as_deref()));
            }
        }
        let mut teams: Vec<(String, u32)> = Vec::new();
        for (_, team) in &owners {
            let name = team.map_or_else(|| "team".to_string(), team_name);
            match teams.iter_mut().find(|(t, _)| *t == name) {
                Some((_, n)) => *n += 1,
                None => teams.push((name, 1)),
            }
        }
        if teams.is_empty() {
            teams.push(("team".into(), 1));
        }
        let horizon = if quarters_spanned.is_finite() {
            (quarters_spanned.round() as u32).clamp(1, MAX_HORIZON)
        } else {
            1
        };
        Structure {
            name: scenario_name(name),
            source: source.to_string(),
            teams,
            horizon_quarters: horizon,
            seed,
            replications: SCENARIO_REPLICATIONS,
            shape: Shape::of(opportunities),
        }
    }

    /// Our reps.
    pub fn reps(&self) -> u32 {
        self.teams.iter().map(|t| t.1).sum()
    }
}

/// A name a scenario accepts (letters, digits, `-`, `_`; 1–64).
fn scenario_name(text: &str) -> String {
    let mut s: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .take(64)
        .collect();
    if s.trim_matches('-').is_empty() {
        s = "market".into();
    }
    s
}

/// A team name from the export, as a scenario accepts it: `team-` plus its letters and digits.
fn team_name(text: &str) -> String {
    let clean = scenario_name(text.trim());
    if clean == "market" {
        "team".into()
    } else {
        clean
    }
}

/// A TOML string literal.
fn quoted(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

/// A number as TOML writes it, always with a decimal point.
fn float(x: f64) -> String {
    format!("{x:?}")
}

/// The scenario text of a structure and settings (without its header): what the fit
/// simulates and what `--out` writes, so that the written file is the fitted market exactly.
pub fn scenario_text(structure: &Structure, settings: &Settings) -> String {
    let reps = structure.reps();
    let customers = (settings.book_size * f64::from(reps)).round().max(2.0) as u64;
    let m = Market::default();
    let multipliers = [
        m.segments.smb.value_multiplier,
        m.segments.mid_market.value_multiplier,
        m.segments.enterprise.value_multiplier,
    ];
    let mut t = String::new();
    t += &format!("name = {}\n", quoted(&structure.name));
    t += "question = \"On a market like yours, does quarter-driven or customer-aligned selling book more?\"\n";
    t += &format!(
        "description = {}\n",
        quoted(&format!(
            "Calibrated by salesim calibrate from {}: your teams, book size, deal values, cycles, need rate and quarter-end timing as the export shows them. Variants: yours (as fitted), aggressive, aligned.",
            structure.source
        ))
    );
    t += &format!("horizon_quarters = {}\n", structure.horizon_quarters);
    t += &format!("replications = {}\n", structure.replications);
    t += &format!("seed = {}\n", structure.seed);
    t += "reference = \"yours\"\n\n";
    t += "[market]\n";
    t += &format!("customers = {customers}\n");
    if customers <= u64::from(m.peers) {
        // Too few accounts for the default peer network: every account a peer of every other.
        t += "peers = 0\n";
    }
    t += &format!("spontaneous_need_rate = {}\n", float(settings.need_rate));
    t += &format!("value_median_k = {}\n", float(settings.value_median_k));
    t += &format!("value_sigma = {}\n", float(settings.value_sigma));
    for (k, s) in SEGMENTS.iter().enumerate() {
        t += &format!("\n[market.segments.{}]\n", s.name());
        t += &format!("cycle_days = {}\n", float(settings.cycle_days[k]));
        t += &format!("value_multiplier = {}\n", float(multipliers[k]));
    }
    t += "\n[[vendors]]\nname = \"us\"\n";
    for (name, n) in &structure.teams {
        t += &format!(
            "  [[vendors.teams]]\n  name = {}\n  reps = {n}\n",
            quoted(name)
        );
    }
    let share = |f: f64| ((f64::from(reps) * f).round() as u32).max(1);
    t += &format!(
        "\n[[vendors]]\nname = \"rival\"\nstrategy = \"aggressive\"\n  [[vendors.teams]]\n  name = \"field\"\n  reps = {}\n",
        share(0.5)
    );
    t += &format!(
        "\n[[vendors]]\nname = \"challenger\"\nstrategy = \"aligned\"\n  [[vendors.teams]]\n  name = \"field\"\n  reps = {}\n",
        share(0.4)
    );
    t += "\n[strategies.yours]\nbase = \"aggressive\"\n";
    t += &format!("effort_ramp = {}\n", float(settings.effort_ramp));
    t += &format!("discount_max = {}\n", float(settings.discount_max));
    t += "\n[[variants]]\nname = \"yours\"\nstrategy = \"yours\"\n";
    t += "\n[[variants]]\nname = \"aggressive\"\nstrategy = \"aggressive\"\n";
    t += "\n[[variants]]\nname = \"aligned\"\nstrategy = \"aligned\"\n";
    t
}

/// The scenario of a structure and settings, resolved.
pub fn config(structure: &Structure, settings: &Settings) -> Result<Config, String> {
    let text = scenario_text(structure, settings);
    let source = ScenarioSource::parse(&format!("{}.toml", structure.name), &text)
        .map_err(|e| e.to_string())?;
    scenario_mod::build(&source, &[]).map_err(|e| e.to_string())
}

/// Knobs left at their field defaults because no CRM export can show them, and why.
pub const LEFT_AT_DEFAULTS: [(&str, &str); 7] = [
    (
        "customers.* (receptivity, fatigue, trust, annoyance, blocks, choice weights, no-decision utility, budgets)",
        "an export records deals, not contacts or what the buyer thinks",
    ),
    (
        "reps.* (capacity, quotas, ratchets)",
        "an export has no activity or quota data",
    ),
    (
        "strategies.yours: every knob but effort_ramp and discount_max (listening, poaching, sandbagging, contact gaps, defending, …)",
        "kept from the aggressive preset: their effect on deal timing and size overlaps the ramp's and the discount's, and an export cannot tell them apart",
    ),
    (
        "competitors (a rival selling aggressively with half your reps, an aligned challenger with 40%)",
        "an export shows your own deals only; a lost deal does not say who won it",
    ),
    (
        "market.segment_mix, market.segments.*.value_multiplier, stage_cv",
        "no moment measures the market's segment shares (an export lists only accounts that had a deal)",
    ),
    (
        "market.imitation_rate, renewal_years_min/max",
        "a few years of deals cannot separate word of mouth and contract lengths from the need rate, which is fitted",
    ),
    (
        "market.peers, warm_up_quarters",
        "the network and the warm-up shape no moment of an export",
    ),
];

/// One moment the fit targets: observed, and its standard error.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// The moment's name.
    pub name: &'static str,
    /// Its segment in the export's names.
    pub segment: Option<String>,
    /// Its segment in the simulator's names.
    pub sim_segment: Option<Segment>,
    /// Observed value.
    pub observed: f64,
    /// Observed standard error: the bootstrap 95% CI's width ÷ 3.92, floored at 1% of the value
    /// and at the moment's standard deviation between simulated markets at the search's start.
    pub se: f64,
}

/// A fitted knob.
#[derive(Debug, Clone, PartialEq)]
pub struct Fitted {
    /// The knob.
    pub knob: Knob,
    /// Its fitted value (rounded as written).
    pub value: f64,
    /// Lower end of its 95% CI (NaN: not identified).
    pub ci_low: f64,
    /// Upper end of its 95% CI.
    pub ci_high: f64,
}

impl Fitted {
    /// Whether the moments pin it down (a finite interval).
    pub fn identified(&self) -> bool {
        self.ci_low.is_finite() && self.ci_high.is_finite()
    }
}

/// A knob left at its default, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Left {
    /// The knob.
    pub knob: Knob,
    /// Its value (the field default).
    pub value: f64,
    /// Why it was not fitted.
    pub why: String,
}

/// A moment side by side: observed and simulated on the fitted market.
#[derive(Debug, Clone, PartialEq)]
pub struct Compared {
    /// The observed moment.
    pub observed: Moment,
    /// The simulated moment over the replications (mean, t-interval of the mean).
    pub simulated: Summary,
    /// Whether the fit targeted it.
    pub targeted: bool,
}

/// What the fit found.
#[derive(Debug, Clone)]
pub struct Fit {
    /// The structure read from the export.
    pub structure: Structure,
    /// The fitted settings (rounded as written).
    pub settings: Settings,
    /// The fitted knobs.
    pub fitted: Vec<Fitted>,
    /// The knobs left at their defaults.
    pub left: Vec<Left>,
    /// The targeted moments.
    pub targets: Vec<Target>,
    /// Every observed moment beside its simulated value.
    pub compared: Vec<Compared>,
    /// Each target's standardized difference at the fit, (simulated − observed) ÷ its standard
    /// error, in the order of `targets`: the fit table's, and the only source of the criterion
    /// and the verdict ([`Fit::rule`]).
    pub differences: Vec<f64>,
    /// Evaluations of the criterion (each of `budget.replications` runs).
    pub evaluations: u32,
    /// Nelder-Mead iterations.
    pub iterations: u64,
    /// The budget used.
    pub budget: Budget,
}

/// Largest standardized difference of one moment flagged as reproduced in the fit table
/// (`NAME.fit.csv`'s `reproduced`): two-sided 0.1% of a standard normal. A flag for each
/// moment, not the verdict's rule: with a dozen moments, one beyond it now and then is what a
/// correct model does (the round-trip test's known market, exported as a Salesforce report,
/// had its `deals_share_weeks_12_13` beyond it while its criterion was well inside the limit).
///
/// **The rule "the fit reproduces the market"** (it decides whether `calibrate` gives a
/// verdict) is the criterion's: at most the 99.9% quantile of χ²ₖ ÷ k times (1 + 1/S)
/// ([`criterion_max`]), for k targets and S replications. Under a correct model each
/// standardized difference is about a standard normal (its standard error is the larger of the
/// bootstrap's and the spread between simulated markets, so if anything smaller), so the
/// criterion is about χ²ₖ ÷ k, with the simulated mean's own noise on top (1 + 1/S): a correct
/// model fails the rule about 0.1% of the time. Fits of the shipped example export, simulated
/// from a known market, gave criteria 1.33, 1.13, 1.30 and 1.18 (`--seed` 1 to 4; 11 targets and
/// 16 replications, so a limit of 3.02): well inside it; so is the round-trip test's known
/// market exported as a Salesforce report (criterion 2.22), although its
/// `deals_share_weeks_12_13` is beyond [`Z_MAX`] by itself: flagged in the table, not a refusal.
/// (An earlier build also refused a verdict whenever any single moment was beyond [`Z_MAX`],
/// which is not this rule, so that export got no verdict while its table's criterion was within
/// the limit; the criterion, its limit and the verdict now all come from [`Rule::of`] on the
/// same standardized differences the table writes.) The 0.1% is a claim yet to be checked over
/// many known markets. A market the model cannot make misses
/// by far more: the many-deals-per-account export of `tests/crm` gives 969, the public sample of
/// issue 30 gave 1,545.
pub const Z_MAX: f64 = 3.29;

/// The largest criterion of a fit that reproduces its market: χ²ₖ's 99.9% quantile ÷ k, times
/// (1 + 1/S) for the simulated mean's own noise (see [`Z_MAX`]).
pub fn criterion_max(targets: usize, replications: u32) -> f64 {
    use statrs::distribution::{ChiSquared, ContinuousCDF};
    let k = targets.max(1) as f64;
    let q = ChiSquared::new(k).map_or(f64::INFINITY, |c| c.inverse_cdf(0.999));
    q / k * (1.0 + 1.0 / f64::from(replications.max(1)))
}

/// The verdict's rule applied to a fit's standardized differences: the criterion, its limit
/// and whether the fit reproduces the market. The one computation behind the criterion printed,
/// written in the header and implied by `NAME.fit.csv`, and behind the verdict (exit 3 or not).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rule {
    /// The criterion: the mean squared standardized difference over the targets.
    pub criterion: f64,
    /// The largest criterion of a fit that reproduces its market ([`criterion_max`]).
    pub limit: f64,
}

impl Rule {
    /// The rule for these standardized differences (one per target) and `replications`.
    pub fn of(differences: &[f64], replications: u32) -> Rule {
        Rule {
            criterion: criterion_of(differences),
            limit: criterion_max(differences.len(), replications),
        }
    }

    /// Whether the fit reproduces the targeted moments: the criterion within its limit (the
    /// rule of [`Z_MAX`]; a single moment beyond [`Z_MAX`] is flagged in the table, not a
    /// refusal).
    pub fn reproduces(&self) -> bool {
        self.criterion.is_finite() && self.criterion <= self.limit
    }
}

/// The criterion of standardized differences: their mean square.
pub fn criterion_of(differences: &[f64]) -> f64 {
    differences.iter().map(|e| e * e).sum::<f64>() / differences.len().max(1) as f64
}

impl Fit {
    /// The verdict's rule at the fit: criterion, limit, reproduced.
    pub fn rule(&self) -> Rule {
        Rule::of(&self.differences, self.budget.replications)
    }

    /// The criterion at the fit (mean squared standardized difference), from [`Fit::rule`].
    pub fn criterion(&self) -> f64 {
        self.rule().criterion
    }

    /// Whether the fit reproduces the targeted moments (the rule of [`Z_MAX`], [`Fit::rule`]).
    pub fn reproduces(&self) -> bool {
        self.rule().reproduces()
    }

    /// The targeted moments missed (beyond [`Z_MAX`] standard errors): each target with its
    /// standardized difference, worst first.
    pub fn missed(&self) -> Vec<(&Target, f64)> {
        let mut m: Vec<(&Target, f64)> = self
            .targets
            .iter()
            .zip(&self.differences)
            .filter(|(_, z)| !(z.is_finite() && z.abs() <= Z_MAX))
            .map(|(t, &z)| (t, z))
            .collect();
        m.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
        m
    }

    /// The targeted moments to name when the fit does not reproduce the export: those beyond
    /// [`Z_MAX`], or, if none is, the three farthest (the criterion adds up many smaller
    /// misses).
    pub fn worst(&self) -> Vec<(&Target, f64)> {
        let missed = self.missed();
        if !missed.is_empty() {
            return missed;
        }
        let mut all: Vec<(&Target, f64)> = self
            .targets
            .iter()
            .zip(self.differences.iter().copied())
            .collect();
        all.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
        all.truncate(3);
        all
    }

    /// The fitted knobs that sit at an end of their range: knob, value, the end.
    pub fn pinned(&self) -> Vec<(Knob, f64, f64)> {
        let reps = self.structure.reps();
        self.fitted
            .iter()
            .filter_map(|k| k.knob.at_bound(k.value, reps).map(|b| (k.knob, k.value, b)))
            .collect()
    }
}

/// Simulated moments of one candidate: each replication's [`Moments`], in replication order.
fn simulate(cfg: &Config, shape: Shape, replications: u32) -> Vec<Moments> {
    let quick = Bootstrap {
        resamples: 0,
        seed: 0,
    };
    (0..replications)
        .into_par_iter()
        .map(|r| {
            let run = crate::experiment::simulate_one(cfg, 0, r);
            let opps = simulated::opportunities(cfg, &run.deals, shape);
            super::moments::observe(&opps, &simulated::calendar(), &quick)
        })
        .collect()
}

/// The replications' values of a moment (NaN where one is not identified).
fn values_of(runs: &[Moments], name: &str, segment: Option<Segment>) -> Vec<f64> {
    runs.iter()
        .map(|m| {
            match segment {
                Some(s) => m.get_in(name, s.name()),
                None => m.get(name),
            }
            .map_or(f64::NAN, |x| x.value)
        })
        .collect()
}

/// The mean of the finite values (NaN if none).
fn mean(values: &[f64]) -> f64 {
    summarize(values).mean
}

/// Rounds of moment matching by ratio that set the search's start.
const START_ROUNDS: usize = 3;

/// A simulated moment the replications do not identify counts as this many standard errors
/// off: far, but finite, so the search can still move.
const MISSING_PENALTY: f64 = 10.0;

/// The criterion's standardized differences, one per target.
fn residuals(targets: &[Target], runs: &[Moments]) -> Vec<f64> {
    targets
        .iter()
        .map(|t| {
            let sim = mean(&values_of(runs, t.name, t.sim_segment));
            if sim.is_finite() {
                (sim - t.observed) / t.se
            } else {
                MISSING_PENALTY
            }
        })
        .collect()
}

/// The fit's search problem.
struct Problem<'a> {
    structure: &'a Structure,
    start: Settings,
    knobs: &'a [Knob],
    targets: &'a [Target],
    replications: u32,
    evaluations: AtomicU32,
    /// Told of each evaluation (the progress bar).
    on_evaluation: &'a (dyn Fn() + Sync),
}

impl Problem<'_> {
    fn settings(&self, x: &[f64]) -> Settings {
        let mut s = self.start;
        let reps = self.structure.reps();
        for (k, &v) in self.knobs.iter().zip(x) {
            s.set(*k, k.value_at(v, reps));
        }
        s
    }

    /// Each replication's simulated moments at `settings` (one evaluation).
    fn runs_at(&self, settings: &Settings) -> Result<Vec<Moments>, String> {
        self.evaluations.fetch_add(1, Ordering::Relaxed);
        let cfg = config(self.structure, settings)?;
        let runs = simulate(&cfg, self.structure.shape, self.replications);
        (self.on_evaluation)();
        Ok(runs)
    }

    fn residuals_at(&self, settings: &Settings) -> Result<Vec<f64>, String> {
        Ok(residuals(self.targets, &self.runs_at(settings)?))
    }
}

/// The criterion, as `argmin` sees it (the problem is borrowed: its count of evaluations is
/// read after the search).
struct Criterion<'a, 'b>(&'a Problem<'b>);

impl CostFunction for Criterion<'_, '_> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, x: &Vec<f64>) -> Result<f64, argmin::core::Error> {
        let r = self
            .0
            .residuals_at(&self.0.settings(x))
            .map_err(argmin::core::Error::msg)?;
        Ok(r.iter().map(|e| e * e).sum::<f64>() / r.len().max(1) as f64)
    }
}

/// The export's segment label for a simulator segment, if the export names it so (ignoring
/// case, spaces, `-` and `_`: `Mid-Market`, `mid market`, `SMB`, `Enterprise`).
fn segment_label(observed: &Moments, segment: Segment) -> Option<String> {
    let squash = |s: &str| {
        s.chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase()
    };
    let want = squash(segment.name());
    observed
        .moments
        .iter()
        .filter_map(|m| m.segment.as_deref())
        .find(|s| squash(s) == want)
        .map(str::to_string)
}

/// An observed moment usable as a target: identified, with a CI of positive width.
fn target(
    observed: &Moments,
    name: &'static str,
    sim_segment: Option<Segment>,
) -> Result<Target, String> {
    let label = match sim_segment {
        Some(s) => Some(segment_label(observed, s).ok_or_else(|| {
            format!(
                "the export has no segment named {} (segments are matched by name)",
                s.name()
            )
        })?),
        None => None,
    };
    let m = match &label {
        Some(l) => observed.get_in(name, l),
        None => observed.get(name),
    }
    .ok_or_else(|| format!("{name} was not measured"))?;
    if !m.identified {
        return Err(format!(
            "{name}: {}",
            m.note.trim_start_matches("not identified: ")
        ));
    }
    let se = (m.ci_high - m.ci_low) / 3.92;
    let se = se.max(0.01 * m.value.abs());
    if !(se.is_finite() && se > 0.0) {
        return Err(format!("{name} has no sampling interval"));
    }
    Ok(Target {
        name,
        segment: label,
        sim_segment,
        observed: m.value,
        se,
    })
}

/// Fits the market of `structure` to the `observed` moments: see the module documentation.
/// An `Err` is a scenario the fit could not build (its text, and the validator's message).
pub fn fit(structure: &Structure, observed: &Moments, budget: Budget) -> Result<Fit, String> {
    fit_with_progress(structure, observed, budget, &|| {})
}

/// Evaluations of the criterion a fit of `knobs` knobs makes at most, about: the start's
/// rounds and spread, about three per Nelder-Mead iteration (the example export's fit made 238
/// in 80 iterations with 6 knobs), the Jacobian's two per knob, the fitted market once.
pub fn expected_evaluations(knobs: usize, budget: Budget) -> u64 {
    (START_ROUNDS as u64 + 1) + 3 * budget.iterations + 2 * knobs as u64 + 1
}

/// [`fit`], telling `on_evaluation` of each evaluation of the criterion (each
/// `budget.replications` simulated runs), for a progress bar.
pub fn fit_with_progress(
    structure: &Structure,
    observed: &Moments,
    budget: Budget,
    on_evaluation: &(dyn Fn() + Sync),
) -> Result<Fit, String> {
    let defaults = Settings::defaults();
    let mut candidates = vec![
        Knob::BookSize,
        Knob::NeedRate,
        Knob::ValueMedian,
        Knob::ValueSigma,
    ];
    let per_segment: Vec<Knob> = SEGMENTS
        .iter()
        .map(|&s| Knob::Cycle(s))
        .filter(|k| {
            k.moments()
                .iter()
                .any(|(n, s)| target(observed, n, *s).is_ok())
        })
        .collect();
    let mut left = Vec::new();
    if per_segment.is_empty() {
        candidates.push(Knob::CycleScale);
    } else {
        for s in SEGMENTS {
            let k = Knob::Cycle(s);
            if !per_segment.contains(&k) {
                left.push(Left {
                    knob: k,
                    value: defaults.get(k),
                    why: format!(
                        "the export has no closed {} opportunity with a cycle to measure",
                        s.name()
                    ),
                });
            }
        }
        candidates.extend(per_segment);
    }
    candidates.extend([Knob::EffortRamp, Knob::DiscountMax]);
    let mut knobs = Vec::new();
    let mut targets: Vec<Target> = Vec::new();
    for k in candidates {
        let mut found = Vec::new();
        let mut why = Vec::new();
        for (name, s) in k.moments() {
            match target(observed, name, s) {
                Ok(t) => found.push(t),
                Err(e) => why.push(e),
            }
        }
        if found.is_empty() {
            left.push(Left {
                knob: k,
                value: defaults.get(k),
                why: format!("not identified: {}", why.join("; ")),
            });
            continue;
        }
        knobs.push(k);
        for t in found {
            if !targets
                .iter()
                .any(|x| x.name == t.name && x.sim_segment == t.sim_segment)
            {
                targets.push(t);
            }
        }
    }

    // The start: from the defaults (the ramp and discount halfway to the aggressive preset),
    // a few rounds of moment matching by ratio, each from one evaluation: sizes scaled by
    // observed ÷ simulated, the value spread's variance shifted by the difference. The search
    // then starts close, and its iterations go to the interactions.
    let reps = structure.reps();
    let mut base = defaults;
    base.effort_ramp = defaults.effort_ramp / 2.0;
    base.discount_max = defaults.discount_max / 2.0;
    let problem = Problem {
        structure,
        start: base,
        knobs: &knobs,
        // The start's rounds need no targets; the search's are set once their errors are.
        targets: &[],
        replications: budget.replications,
        evaluations: AtomicU32::new(0),
        on_evaluation,
    };
    let mut start = base;
    for _ in 0..START_ROUNDS {
        let pilot = problem.runs_at(&start)?;
        let observed_value = |name: &str, s: Option<Segment>| {
            match s {
                Some(s) => segment_label(observed, s).and_then(|l| observed.get_in(name, &l)),
                None => observed.get(name),
            }
            .map_or(f64::NAN, |m| m.value)
        };
        let simulated_value = |name: &str, s: Option<Segment>| mean(&values_of(&pilot, name, s));
        let ratio = |name: &str, s: Option<Segment>| {
            let r = observed_value(name, s) / simulated_value(name, s);
            if r.is_finite() && r > 0.0 {
                r
            } else {
                1.0
            }
        };
        let accounts = ratio(names::ACCOUNTS_PER_REP, None);
        for &k in &knobs {
            let (lo, hi) = k.bounds(reps);
            let now = start.get(k);
            let v = match k {
                Knob::BookSize => now * accounts,
                // Opportunities per rep grow with book size × need rate.
                Knob::NeedRate => {
                    now * ratio(names::OPPORTUNITIES_PER_REP_QUARTER, None) / accounts
                }
                Knob::ValueMedian => {
                    let shift = observed_value(names::DEAL_SIZE_LOG_MEAN, None)
                        - simulated_value(names::DEAL_SIZE_LOG_MEAN, None);
                    now * if shift.is_finite() { shift.exp() } else { 1.0 }
                }
                Knob::ValueSigma => {
                    let (o, m) = (
                        observed_value(names::DEAL_SIZE_LOG_SD, None),
                        simulated_value(names::DEAL_SIZE_LOG_SD, None),
                    );
                    let v = now * now + o * o - m * m;
                    if v.is_finite() {
                        v.max(lo * lo).sqrt()
                    } else {
                        now
                    }
                }
                Knob::CycleScale => now * ratio(names::CYCLE_DAYS_WON[1], None),
                Knob::Cycle(s) => now * ratio(names::CYCLE_DAYS_WON[1], Some(s)),
                _ => now,
            };
            start.set(k, v.clamp(lo * 1.01, hi * 0.99));
        }
    }

    // The export is one market: a moment's standard error is at least its spread between
    // simulated markets like the start (each replication a fresh market and history). The
    // bootstrap resamples the export's own accounts and reps and misses that spread where they
    // are few (six reps give a rep-level bootstrap with a wide error of its own), which left
    // the fit's intervals too narrow to hold a known market's values.
    let spread = problem.runs_at(&start)?;
    for t in &mut targets {
        let sd = summarize(&values_of(&spread, t.name, t.sim_segment)).sd;
        if sd.is_finite() && sd > t.se {
            t.se = sd;
        }
    }
    let problem = Problem {
        targets: &targets,
        ..problem
    };

    let x0: Vec<f64> = knobs
        .iter()
        .map(|k| k.free_of(start.get(*k), reps))
        .collect();
    // Nelder-Mead from the start, then once more from its best point with a fresh simplex (a
    // simplex collapsed on a jagged criterion restarts; the usual remedy), the iterations split.
    let simplex_around = |x: &[f64], step: f64| {
        let mut simplex = vec![x.to_vec()];
        for i in 0..x.len() {
            let mut v = x.to_vec();
            v[i] += step;
            simplex.push(v);
        }
        simplex
    };
    let mut best = x0.clone();
    let mut iterations = 0;
    if !knobs.is_empty() {
        for (step, share) in [(0.5, 0.6), (0.25, 0.4)] {
            let solver = NelderMead::new(simplex_around(&best, step))
                .with_sd_tolerance(1e-3)
                .map_err(|e| e.to_string())?;
            let result = Executor::new(Criterion(&problem), solver)
                .configure(|s| s.max_iters((budget.iterations as f64 * share).round() as u64))
                .run()
                .map_err(|e| e.to_string())?;
            iterations += result.state.iter;
            if let Some(x) = result.state.best_param {
                best = x;
            }
        }
    }
    let settings = problem.settings(&best).rounded();
    let x_best: Vec<f64> = knobs
        .iter()
        .map(|k| k.free_of(settings.get(*k), reps))
        .collect();

    // Intervals: the Jacobian of the standardized residuals on the free coordinates, by central
    // differences of a quarter unit: wide enough that the simulation's own jitter (a changed
    // knob changes which deals happen, even on common random numbers) does not pass for slope.
    let h = 0.25;
    let mut columns = Vec::with_capacity(knobs.len());
    for i in 0..knobs.len() {
        let at = |d: f64| {
            let mut x = x_best.clone();
            x[i] += d;
            problem.residuals_at(&problem.settings(&x))
        };
        let (up, down) = (at(h)?, at(-h)?);
        columns.push(
            up.iter()
                .zip(&down)
                .map(|(u, d)| (u - d) / (2.0 * h))
                .collect::<Vec<f64>>(),
        );
    }
    let variance = sandwich(&columns, budget.replications);
    let fitted = knobs
        .iter()
        .enumerate()
        .map(|(i, &k)| {
            let se = variance.as_ref().map_or(f64::NAN, |v| v[i].sqrt());
            let (lo, hi) = if se.is_finite() && se < 1e3 {
                (
                    k.value_at(x_best[i] - 1.96 * se, reps),
                    k.value_at(x_best[i] + 1.96 * se, reps),
                )
            } else {
                (f64::NAN, f64::NAN)
            };
            Fitted {
                knob: k,
                value: settings.get(k),
                ci_low: lo,
                ci_high: hi,
            }
        })
        .collect();

    // The fitted market side by side with the export.
    let cfg = config(structure, &settings)?;
    let runs = simulate(&cfg, structure.shape, budget.replications);
    let r = residuals(&targets, &runs);
    let compared = observed
        .moments
        .iter()
        .filter(|m| m.identified)
        .map(|m| {
            let sim_segment = m.segment.as_deref().and_then(|l| {
                SEGMENTS
                    .into_iter()
                    .find(|&s| segment_label(observed, s).as_deref() == Some(l))
            });
            let simulated = if m.segment.is_some() && sim_segment.is_none() {
                summarize(&[])
            } else {
                summarize(&values_of(&runs, m.name, sim_segment))
            };
            let targeted = targets
                .iter()
                .any(|t| t.name == m.name && t.segment == m.segment);
            Compared {
                observed: m.clone(),
                simulated,
                targeted,
            }
        })
        .collect();
    let evaluations = problem.evaluations.load(Ordering::Relaxed);
    // What the body holds for the knobs not fitted: the start's values (the ramp and the
    // discount halfway to the aggressive preset's), so the header says what the file says.
    for l in &mut left {
        l.value = settings.get(l.knob);
    }
    Ok(Fit {
        structure: structure.clone(),
        settings,
        fitted,
        left,
        targets,
        compared,
        differences: r,
        evaluations,
        iterations,
        budget,
    })
}

/// The variance of the free coordinates, `(1 + 1/S) (G′G)⁻¹` with `G` the Jacobian of the
/// standardized residuals (so `W` is already in it); `None` if `G′G` is singular (a knob the
/// moments do not move). Returns the diagonal.
fn sandwich(columns: &[Vec<f64>], replications: u32) -> Option<Vec<f64>> {
    let n = columns.len();
    if n == 0 {
        return Some(Vec::new());
    }
    let gtg = nalgebra::DMatrix::from_fn(n, n, |i, j| {
        columns[i]
            .iter()
            .zip(&columns[j])
            .map(|(a, b)| a * b)
            .sum::<f64>()
    });
    let inverse = gtg.try_inverse()?;
    let factor = 1.0 + 1.0 / f64::from(replications.max(1));
    let diagonal: Vec<f64> = (0..n).map(|i| factor * inverse[(i, i)]).collect();
    diagonal
        .iter()
        .all(|v| v.is_finite() && *v >= 0.0)
        .then_some(diagonal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_coordinates_map_onto_each_knobs_range_and_back() {
        for k in [
            Knob::BookSize,
            Knob::NeedRate,
            Knob::ValueMedian,
            Knob::ValueSigma,
            Knob::Cycle(Segment::Smb),
            Knob::EffortRamp,
            Knob::DiscountMax,
        ] {
            let (lo, hi) = k.bounds(10);
            for v in [lo * 1.5 + 0.01, (lo + hi) / 3.0] {
                let back = k.value_at(k.free_of(v, 10), 10);
                assert!(
                    (back - v).abs() <= 1e-6 * v.abs().max(1.0),
                    "{k:?} {v} {back}"
                );
            }
            for x in [-50.0, 50.0] {
                let v = k.value_at(x, 10);
                assert!(v >= lo && v <= hi, "{k:?} {v}");
            }
        }
    }

    #[test]
    fn the_default_settings_write_a_scenario_that_validates() {
        let structure = Structure {
            name: "my-market".into(),
            source: "x.csv".into(),
            teams: vec![("east".into(), 3), ("west".into(), 2)],
            horizon_quarters: 4,
            seed: 7,
            replications: 3,
            shape: Shape::FULL,
        };
        let cfg = config(&structure, &Settings::defaults()).unwrap();
        assert_eq!(cfg.name, "my-market");
        assert_eq!(cfg.market.customers, 2000);
        assert_eq!(cfg.vendors[0].teams.len(), 2);
        assert_eq!(cfg.variants[cfg.reference].name, "yours");
    }

    #[test]
    fn the_verdict_is_the_criterion_within_its_limit_and_nothing_else() {
        // 11 targets, 16 replications: the limit is χ²₁₁'s 99.9% quantile (31.26) ÷ 11 × 17/16.
        let limit = criterion_max(11, 16);
        assert!((limit - 3.02).abs() < 0.01, "{limit}");
        // One moment beyond Z_MAX, the rest near zero: flagged in the table, yet the criterion
        // (the one the table implies) is within the limit, so the fit reproduces the market.
        let mut z = vec![0.5; 11];
        z[3] = 4.5;
        let rule = Rule::of(&z, 16);
        let from_table = z.iter().map(|z| z * z).sum::<f64>() / 11.0;
        assert_eq!(rule.criterion, from_table);
        assert_eq!(rule.limit, limit);
        assert!(rule.reproduces(), "{rule:?}");
        // Beyond the limit: no verdict.
        let far = vec![2.0; 11];
        let rule = Rule::of(&far, 16);
        assert_eq!(rule.criterion, 4.0);
        assert!(!rule.reproduces());
        // A moment the replications do not identify (NaN) never gives a verdict.
        let mut nan = vec![0.0; 11];
        nan[0] = f64::NAN;
        assert!(!Rule::of(&nan, 16).reproduces());
    }

    #[test]
    fn a_singular_jacobian_identifies_nothing() {
        let flat = vec![vec![1.0, 2.0], vec![0.0, 0.0]];
        assert_eq!(sandwich(&flat, 4), None);
        let fine = vec![vec![2.0, 0.0], vec![0.0, 4.0]];
        let v = sandwich(&fine, 4).unwrap();
        assert!((v[0] - 1.25 / 4.0).abs() < 1e-12 && (v[1] - 1.25 / 16.0).abs() < 1e-12);
    }
}

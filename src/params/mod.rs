//! The model's parameters: what a validated scenario hands the world, the engine and the
//! metrics ([`Config`]), with the knobs' types ([`strategy::Strategy`], [`pay::Plan`],
//! [`learning::Learning`]), the settings and their field-fact defaults ([`settings`]) and the
//! built-in presets ([`presets`]).
//!
//! This is the bottom of the model layer: it depends on the foundations only, so the model can
//! be built, tested and benchmarked without the scenario file format. Reading, checking and
//! explaining scenario files is [`crate::scenario`]'s work, which builds a [`Config`].

pub mod learning;
pub mod pay;
pub mod presets;
pub mod settings;
pub mod strategy;

use crate::calendar::DAYS_PER_QUARTER;
use learning::Learning;
use pay::Plan;
use settings::{CustomerBehaviour, Market, RepSettings, Scenario};
use strategy::Strategy;

/// Most customers a scenario may ask for (keeps memory under a few GB, see BENCHMARKS/README).
pub const MAX_CUSTOMERS: u32 = 5_000_000;

/// Most vendors a scenario may have (the engine keeps per-vendor tables on the stack).
pub const MAX_VENDORS: usize = 64;

/// Most quarters of a horizon (`horizon_quarters`).
pub const MAX_HORIZON_QUARTERS: u32 = 200;

/// Most warm-up quarters (`warm_up_quarters`).
pub const MAX_WARM_UP_QUARTERS: u32 = 40;

/// A validated scenario, ready to run.
#[derive(Debug, Clone)]
pub struct Config {
    /// Scenario name.
    pub name: String,
    /// One-line question.
    pub question: String,
    /// Longer description.
    pub description: String,
    /// Horizon in quarters.
    pub horizon_quarters: u32,
    /// Quarters simulated before the horizon (nothing recorded), with the reference variant.
    pub warm_up_quarters: u32,
    /// Quarters after the switch counted as settling (`phases.csv`'s `switch`); the steady
    /// state is the quarters after them.
    pub settle_quarters: u32,
    /// Replications per variant and point.
    pub replications: u32,
    /// Master seed.
    pub seed: u64,
    /// Market settings.
    pub market: Market,
    /// Customer behaviour settings.
    pub customers: CustomerBehaviour,
    /// Rep settings.
    pub reps: RepSettings,
    /// Vendors; index 0 is us.
    pub vendors: Vec<VendorConfig>,
    /// Variants to compare.
    pub variants: Vec<VariantConfig>,
    /// Index of the reference variant.
    pub reference: usize,
    /// How our reps learn from their pay; `None` when they do not.
    pub learning: Option<Learning>,
    /// The scenario as resolved (defaults and overrides applied), for the manifest.
    pub resolved: Scenario,
}

/// A validated vendor.
#[derive(Debug, Clone, PartialEq)]
pub struct VendorConfig {
    /// Name.
    pub name: String,
    /// Teams, west to east.
    pub teams: Vec<TeamConfig>,
}

/// A validated team.
#[derive(Debug, Clone, PartialEq)]
pub struct TeamConfig {
    /// Name.
    pub name: String,
    /// Number of reps.
    pub reps: u32,
    /// Relative width of its region.
    pub region_weight: f64,
    /// Strategy used when no variant overrides it (competitors always use it).
    pub strategy: Strategy,
    /// Compensation plan used when no variant overrides it.
    pub plan: Plan,
}

/// A validated variant: the strategy of each of our (vendor 0's) teams.
#[derive(Debug, Clone, PartialEq)]
pub struct VariantConfig {
    /// Name.
    pub name: String,
    /// One strategy per team of vendor 0, in team order.
    pub team_strategies: Vec<Strategy>,
    /// What each team of ours sold before the horizon, when this variant is the reference: the
    /// built-in preset's knobs where the variant names a preset (so a `[strategies.aggressive]`
    /// table or `--set` aimed at our variants changes the strategy from the horizon on, never the
    /// market's past), the file's own strategy otherwise.
    pub team_warm_up: Vec<Strategy>,
    /// One compensation plan per team of vendor 0, in team order.
    pub team_plans: Vec<Plan>,
}

impl Config {
    /// Horizon in business days.
    pub fn horizon_days(&self) -> u32 {
        self.horizon_quarters * DAYS_PER_QUARTER
    }

    /// Length of the warm-up, business days.
    pub fn warm_up_days(&self) -> u32 {
        self.warm_up_quarters * DAYS_PER_QUARTER
    }

    /// Strategies of every team of every vendor under a variant: `[vendor][team]`.
    pub fn team_strategies(&self, variant: usize) -> Vec<Vec<Strategy>> {
        self.vendors
            .iter()
            .enumerate()
            .map(|(v, vendor)| {
                if v == 0 {
                    self.variants[variant].team_strategies.clone()
                } else {
                    vendor.teams.iter().map(|t| t.strategy.clone()).collect()
                }
            })
            .collect()
    }

    /// Whether any plan vendor `v`'s teams may be paid on (under any variant, for us) claws
    /// back commission when an account leaves.
    pub fn claws_back_churn(&self, v: usize) -> bool {
        let churn = |p: &Plan| p.clawback_churn > 0.0;
        if v == 0 {
            self.variants.iter().flat_map(|x| &x.team_plans).any(churn)
        } else {
            self.vendors[v].teams.iter().map(|t| &t.plan).any(churn)
        }
    }

    /// Strategies of every team of every vendor during the warm-up (`[vendor][team]`): ours as
    /// the reference variant's [`VariantConfig::team_warm_up`], the competitors' their own.
    pub fn warm_up_strategies(&self) -> Vec<Vec<Strategy>> {
        let mut out = self.team_strategies(self.reference);
        out[0] = self.variants[self.reference].team_warm_up.clone();
        out
    }

    /// Compensation plans of every team of every vendor under a variant: `[vendor][team]`.
    pub fn team_plans(&self, variant: usize) -> Vec<Vec<Plan>> {
        self.vendors
            .iter()
            .enumerate()
            .map(|(v, vendor)| {
                if v == 0 {
                    self.variants[variant].team_plans.clone()
                } else {
                    vendor.teams.iter().map(|t| t.plan.clone()).collect()
                }
            })
            .collect()
    }
}

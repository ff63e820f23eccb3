//! Scenarios: loading, validating into a typed [`Config`], built-in and shipped scenario files.
//!
//! Data flow: text → [`ScenarioSource`] (serde, unknown keys rejected) → overrides applied →
//! [`validate`] → [`Config`]. Nothing downstream sees an unchecked value.

mod idle;
pub mod ranges;
pub mod reference;
pub mod shipped;
pub mod source;
pub mod template;

use crate::engine::state::MAX_REPS_PER_VENDOR;
use crate::error::InputError;
use crate::params::learning::Learning;
use crate::params::pay::Plan;
use crate::params::presets::{self, PRESETS};
pub use crate::params::settings::Scenario;
use crate::params::settings::{CustomerBehaviour, LearningSpec, Market, RepSettings};
use crate::params::strategy::Strategy;
pub use crate::params::{
    Config, TeamConfig, VariantConfig, VendorConfig, MAX_CUSTOMERS, MAX_HORIZON_QUARTERS,
    MAX_VENDORS, MAX_WARM_UP_QUARTERS,
};
use crate::shown::number;
pub use source::{Override, ScenarioSource};
use std::collections::BTreeMap;
pub use template::template;

/// The built-in lesson scenario (the same text as `scenarios/lesson.toml`).
pub const LESSON: &str = include_str!("../../scenarios/lesson.toml");

pub use crate::calendar::DAYS_PER_QUARTER;

/// Loads a scenario file (or the built-in lesson when `path` is `None`), applies overrides and
/// validates it.
pub fn load(
    path: Option<&std::path::Path>,
    overrides: &[Override],
) -> Result<(ScenarioSource, Config), InputError> {
    let source = match path {
        Some(p) => ScenarioSource::read(p)?,
        None => ScenarioSource::parse("<built-in lesson>", LESSON)?,
    };
    let config = build(&source, overrides)?;
    Ok((source, config))
}

/// Applies overrides to a parsed source and validates the result.
pub fn build(source: &ScenarioSource, overrides: &[Override]) -> Result<Config, InputError> {
    let scenario = source.with_overrides(overrides)?;
    validate(&scenario, &Locator { source, overrides })
}

/// Points errors at the override that set a key, or at its line in the file.
pub struct Locator<'a> {
    /// The file.
    pub source: &'a ScenarioSource,
    /// Overrides in force.
    pub overrides: &'a [Override],
}

impl Locator<'_> {
    /// An error for `path`: against the override that set it (or that created the table it
    /// names, as a sweep path into a strategy the file does not define does), else against its
    /// line in the file.
    pub fn error(&self, path: &str, problem: &str, allowed: &str) -> InputError {
        self.error_with(path, &[], problem, allowed)
    }

    /// The override that set `path` (or a table holding it, or created the table it names).
    fn setter(&self, path: &str) -> Option<&Override> {
        let below = |outer: &str, inner: &str| inner.starts_with(&format!("{outer}."));
        self.overrides.iter().rev().find(|o| {
            path == o.path
                || below(&o.path, path)
                || (below(path, &o.path) && !self.source.is_written(path))
        })
    }

    /// An error for `path` found by comparing it with the `related` values (`market.peers`
    /// against `market.customers`, a name against the names before it): against the override
    /// that set `path`, else against an override that set a related value, naming that
    /// override's own key and where `path` comes from, so that a mistake made with `--set` is
    /// never blamed on a line of the file; else against `path`'s line in the file.
    pub fn error_with(
        &self,
        path: &str,
        related: &[String],
        problem: &str,
        allowed: &str,
    ) -> InputError {
        if let Some(o) = self.setter(path) {
            return InputError::at(&o.origin, None, Some(path), problem, allowed);
        }
        if let Some(o) = related.iter().find_map(|r| self.setter(r)) {
            let from = match self.source.line_of_path(path) {
                Some(line) if self.source.is_written(path) => {
                    format!("{}:{line}", self.source.file)
                }
                _ => format!("its default, not written in {}", self.source.file),
            };
            let problem = format!("conflicts with `{path}` ({from}): {problem}");
            return InputError::at(&o.origin, None, Some(&o.path), &problem, allowed);
        }
        let mut line = None;
        let mut p = path;
        while line.is_none() {
            line = self.source.line_of_path(p);
            match p.rfind('.') {
                Some(i) => p = &p[..i],
                None => break,
            }
        }
        let problem = if self.source.line_of_path(path).is_none() {
            format!("{problem} (a default or derived value)")
        } else {
            problem.to_string()
        };
        InputError::at(&self.source.file, line, Some(path), &problem, allowed)
    }
}

/// Checks every value and resolves names into a [`Config`].
pub fn validate(s: &Scenario, at: &Locator) -> Result<Config, InputError> {
    let mut c = Checker { at };
    c.name("name", &s.name)?;
    let (horizon, warm_up) = (MAX_HORIZON_QUARTERS as f64, MAX_WARM_UP_QUARTERS as f64);
    c.range_u("horizon_quarters", s.horizon_quarters as f64, 1.0, horizon)?;
    c.range_u("warm_up_quarters", s.warm_up_quarters as f64, 0.0, warm_up)?;
    c.range_u("settle_quarters", s.settle_quarters as f64, 0.0, horizon)?;
    c.range_u("replications", s.replications as f64, 1.0, 1_000_000.0)?;
    check_market(&mut c, &s.market)?;
    check_customers(&mut c, &s.customers)?;
    check_reps(&mut c, &s.reps)?;

    let strategies = resolve_strategies(&mut c, s)?;
    let plans = resolve_plans(&mut c, s)?;
    let plan_lookup = |c: &mut Checker, path: &str, name: &str| -> Result<Plan, InputError> {
        plans.get(name).cloned().ok_or_else(|| {
            c.at.error(
                path,
                &format!(
                    "plan `{name}` does not exist{}",
                    crate::suggest::did_you_mean(name, plans.keys())
                ),
                &format!(
                    "a plan preset or a plan the file defines: {}",
                    plans.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            )
        })
    };
    let learning = check_learning(&mut c, &s.learning)?;
    let strategy_allowed = || strategies.keys().cloned().collect::<Vec<_>>().join(", ");
    let lookup = |c: &mut Checker, path: &str, name: &str| -> Result<Strategy, InputError> {
        strategies.get(name).cloned().ok_or_else(|| {
            c.at.error(
                path,
                &format!(
                    "strategy `{name}` does not exist{}",
                    crate::suggest::did_you_mean(name, strategies.keys())
                ),
                &strategy_allowed(),
            )
        })
    };

    if s.vendors.len() > MAX_VENDORS {
        let n = s.vendors.len();
        return Err(at.error(
            "vendors",
            &format!("{n} vendors is too many"),
            &format!("1 to {MAX_VENDORS} vendors"),
        ));
    }
    if s.vendors.is_empty() {
        return Err(at.error(
            "vendors",
            "no vendors are defined",
            "at least one [[vendors]] with teams; the first is us",
        ));
    }
    let mut vendors = Vec::new();
    let mut vendor_names = Vec::new();
    for (v, vendor) in s.vendors.iter().enumerate() {
        let vp = format!("vendors.{v}");
        c.name(&format!("{vp}.name"), &vendor.name)?;
        c.unique(&format!("{vp}.name"), &mut vendor_names, &vendor.name)?;
        if vendor.teams.is_empty() {
            return Err(at.error(
                &format!("{vp}.teams"),
                "the vendor has no teams",
                "at least one [[vendors.teams]] with reps ≥ 1",
            ));
        }
        let mut teams = Vec::new();
        let mut team_names = Vec::new();
        for (t, team) in vendor.teams.iter().enumerate() {
            let tp = format!("{vp}.teams.{t}");
            c.name(&format!("{tp}.name"), &team.name)?;
            c.unique(&format!("{tp}.name"), &mut team_names, &team.name)?;
            c.range_u(
                &format!("{tp}.reps"),
                team.reps as f64,
                1.0,
                f64::from(MAX_REPS_PER_VENDOR),
            )?;
            c.range(
                &format!("{tp}.region_weight"),
                team.region_weight,
                1e-6,
                1e6,
                false,
            )?;
            let (path, name) = match (&team.strategy, &vendor.strategy) {
                (Some(name), _) => (format!("{tp}.strategy"), name.clone()),
                (None, Some(name)) => (format!("{vp}.strategy"), name.clone()),
                (None, None) => (tp.clone(), presets::DEFAULT_TEAM_STRATEGY.to_string()),
            };
            let strategy = lookup(&mut c, &path, &name)?;
            let (path, name) = match (&team.plan, &vendor.plan) {
                (Some(name), _) => (format!("{tp}.plan"), name.clone()),
                (None, Some(name)) => (format!("{vp}.plan"), name.clone()),
                (None, None) => (tp.clone(), presets::PLAN_PRESETS[0].to_string()),
            };
            let plan = plan_lookup(&mut c, &path, &name)?;
            teams.push(TeamConfig {
                name: team.name.clone(),
                reps: team.reps,
                region_weight: team.region_weight,
                strategy,
                plan,
            });
        }
        let reps: u64 = teams.iter().map(|t| u64::from(t.reps)).sum();
        if reps > u64::from(MAX_REPS_PER_VENDOR) {
            // A `--set` or sweep of a team's reps is blamed, not the file's teams.
            let related: Vec<String> = (0..teams.len())
                .map(|t| format!("{vp}.teams.{t}.reps"))
                .collect();
            return Err(at.error_with(
                &format!("{vp}.teams"),
                &related,
                &format!("the vendor's teams have {reps} reps in all"),
                &format!("at most {MAX_REPS_PER_VENDOR} reps per vendor, over all its teams"),
            ));
        }
        vendors.push(VendorConfig {
            name: vendor.name.clone(),
            teams,
        });
    }

    let our_reps: Vec<u32> = vendors[0].teams.iter().map(|t| t.reps).collect();
    idle::check_learning(at, &s.learning, &our_reps)?;

    if s.variants.is_empty() {
        return Err(at.error(
            "variants",
            "no variants are defined",
            "at least one [[variants]] with a name and a strategy",
        ));
    }
    let our_teams: Vec<String> = vendors[0].teams.iter().map(|t| t.name.clone()).collect();
    let mut variants = Vec::new();
    let mut variant_names = Vec::new();
    for (i, variant) in s.variants.iter().enumerate() {
        let p = format!("variants.{i}");
        c.name(&format!("{p}.name"), &variant.name)?;
        c.unique(&format!("{p}.name"), &mut variant_names, &variant.name)?;
        let base = lookup(&mut c, &format!("{p}.strategy"), &variant.strategy)?;
        // Before the horizon a preset named by the variant sells as built in (see
        // [`VariantConfig::team_warm_up`]).
        let as_built = |name: &str, resolved: &Strategy| {
            presets::preset(name).unwrap_or_else(|| resolved.clone())
        };
        let mut team_warm_up = vec![as_built(&variant.strategy, &base); our_teams.len()];
        let mut team_strategies = vec![base; our_teams.len()];
        for (team, strategy) in &variant.teams {
            let tp = format!("{p}.teams.{team}");
            let Some(idx) = our_teams.iter().position(|t| t == team) else {
                let names: Vec<String> = (0..our_teams.len())
                    .map(|t| format!("vendors.0.teams.{t}.name"))
                    .collect();
                return Err(at.error_with(
                    &tp,
                    &names,
                    &format!(
                        "team `{team}` is not one of our teams{}",
                        crate::suggest::did_you_mean(team, &our_teams)
                    ),
                    &our_teams.join(", "),
                ));
            };
            team_strategies[idx] = lookup(&mut c, &tp, strategy)?;
            team_warm_up[idx] = as_built(strategy, &team_strategies[idx]);
        }
        let mut team_plans: Vec<Plan> = match &variant.plan {
            Some(name) => vec![plan_lookup(&mut c, &format!("{p}.plan"), name)?; our_teams.len()],
            None => vendors[0].teams.iter().map(|t| t.plan.clone()).collect(),
        };
        for (team, plan) in &variant.team_plans {
            let tp = format!("{p}.team_plans.{team}");
            let Some(idx) = our_teams.iter().position(|t| t == team) else {
                return Err(at.error(
                    &tp,
                    &format!(
                        "team `{team}` is not one of our teams{}",
                        crate::suggest::did_you_mean(team, &our_teams)
                    ),
                    &our_teams.join(", "),
                ));
            };
            team_plans[idx] = plan_lookup(&mut c, &tp, plan)?;
        }
        variants.push(VariantConfig {
            name: variant.name.clone(),
            team_strategies,
            team_warm_up,
            team_plans,
        });
    }
    let reference = match &s.reference {
        None => 0,
        Some(r) => variant_names
            .iter()
            .position(|(n, _)| n == r)
            .ok_or_else(|| {
                let names: Vec<&str> = variant_names.iter().map(|(n, _)| n.as_str()).collect();
                let paths: Vec<String> = variant_names.iter().map(|(_, p)| p.clone()).collect();
                at.error_with(
                    "reference",
                    &paths,
                    &format!(
                        "variant `{r}` does not exist{}",
                        crate::suggest::did_you_mean(r, &names)
                    ),
                    &names.join(", "),
                )
            })?,
    };
    if let Some(sweep) = &s.sweep {
        check_sweep(&mut c, sweep)?;
    }

    Ok(Config {
        name: s.name.clone(),
        question: s.question.clone(),
        description: s.description.clone(),
        horizon_quarters: s.horizon_quarters,
        warm_up_quarters: s.warm_up_quarters,
        settle_quarters: s.settle_quarters,
        replications: s.replications,
        seed: s.seed,
        market: s.market.clone(),
        customers: s.customers.clone(),
        reps: s.reps.clone(),
        vendors,
        variants,
        reference,
        learning,
        resolved: s.clone(),
    })
}

/// Plan presets plus user-defined plans, each checked.
fn resolve_plans(c: &mut Checker, s: &Scenario) -> Result<BTreeMap<String, Plan>, InputError> {
    let mut out: BTreeMap<String, Plan> = presets::PLAN_PRESETS
        .iter()
        .map(|p| (p.to_string(), presets::plan(p).expect("plan preset exists")))
        .collect();
    for (name, spec) in &s.plans {
        let p = format!("plans.{name}");
        c.name(&p, name)?;
        let base_name = match (&spec.base, presets::plan(name)) {
            (Some(b), _) => b.clone(),
            (None, Some(_)) => name.clone(),
            (None, None) => presets::PLAN_PRESETS[0].to_string(),
        };
        let base = presets::plan(&base_name).ok_or_else(|| {
            c.at.error(
                &format!("{p}.base"),
                &format!(
                    "plan preset `{base_name}` does not exist{}",
                    crate::suggest::did_you_mean(&base_name, presets::PLAN_PRESETS)
                ),
                &presets::PLAN_PRESETS.join(", "),
            )
        })?;
        let plan = presets::plan_with_overrides(base, spec);
        presets::check_plan(&plan).map_err(|(term, got, allowed)| {
            c.at.error(
                &format!("{p}.{term}"),
                &format!("{got} is out of range"),
                allowed,
            )
        })?;
        idle::check_plan(c.at, &p, spec, &plan)?;
        out.insert(name.clone(), plan);
    }
    Ok(out)
}

/// The `learning` table, checked: `None` unless its rule is `imitate`.
fn check_learning(c: &mut Checker, l: &LearningSpec) -> Result<Option<Learning>, InputError> {
    let vendor_peers = match l.peers.as_str() {
        "team" => false,
        "vendor" => true,
        other => {
            return Err(c.at.error(
                "learning.peers",
                &format!("`{other}` is not a peer group"),
                "team or vendor",
            ))
        }
    };
    c.prob("learning.revision_rate", l.revision_rate)?;
    c.range("learning.intensity", l.intensity, 0.0, 1000.0, true)?;
    c.prob("learning.mutation", l.mutation)?;
    c.prob("learning.mutation_size", l.mutation_size)?;
    match l.rule.as_str() {
        "none" => Ok(None),
        "imitate" => Ok(Some(Learning {
            vendor_peers,
            revision_rate: l.revision_rate,
            intensity: l.intensity,
            mutation: l.mutation,
            mutation_size: l.mutation_size,
        })),
        other => Err(c.at.error(
            "learning.rule",
            &format!(
                "`{other}` is not a learning rule{}",
                crate::suggest::did_you_mean(other, ["none", "imitate"])
            ),
            "none or imitate",
        )),
    }
}

/// Presets plus user-defined strategies, each checked.
fn resolve_strategies(
    c: &mut Checker,
    s: &Scenario,
) -> Result<BTreeMap<String, Strategy>, InputError> {
    let mut out: BTreeMap<String, Strategy> = PRESETS
        .iter()
        .map(|p| (p.to_string(), presets::preset(p).expect("preset exists")))
        .collect();
    for (name, spec) in &s.strategies {
        let p = format!("strategies.{name}");
        c.name(&p, name)?;
        let base_name = match (&spec.base, presets::preset(name)) {
            (Some(b), _) => b.clone(),
            (None, Some(_)) => name.clone(),
            // Not in the file: an override (`--set`, a sweep path) named a strategy that
            // neither the file nor the presets define.
            (None, None) if !c.at.source.is_written(&p) => {
                let defined = s
                    .strategies
                    .keys()
                    .filter(|k| c.at.source.is_written(&format!("strategies.{k}")));
                let known: std::collections::BTreeSet<&str> = PRESETS
                    .iter()
                    .copied()
                    .chain(defined.map(String::as_str))
                    .collect();
                let known: Vec<&str> = known.into_iter().collect();
                return Err(c.at.error(
                    &p,
                    &format!(
                        "strategy `{name}` does not exist{}",
                        crate::suggest::did_you_mean(name, &known)
                    ),
                    &format!(
                        "a preset or a strategy the file defines: {}",
                        known.join(", ")
                    ),
                ));
            }
            (None, None) => {
                return Err(c.at.error(
                    &format!("{p}.base"),
                    "is missing",
                    &format!("one of the presets: {}", PRESETS.join(", ")),
                ))
            }
        };
        let base = presets::preset(&base_name).ok_or_else(|| {
            c.at.error(
                &format!("{p}.base"),
                &format!(
                    "preset `{base_name}` does not exist{}",
                    crate::suggest::did_you_mean(&base_name, PRESETS)
                ),
                &PRESETS.join(", "),
            )
        })?;
        let strategy = presets::with_overrides(base, &spec.knobs);
        presets::check(&strategy).map_err(|(knob, got, allowed)| {
            c.at.error(
                &format!("{p}.{knob}"),
                &format!("{got} is out of range"),
                allowed,
            )
        })?;
        out.insert(name.clone(), strategy);
    }
    Ok(out)
}

fn check_market(c: &mut Checker, m: &Market) -> Result<(), InputError> {
    c.range_u(
        "market.customers",
        m.customers as f64,
        1.0,
        MAX_CUSTOMERS as f64,
    )?;
    c.range_u("market.peers", m.peers as f64, 0.0, 64.0)?;
    let customers = ["market.customers".to_string()];
    if m.peers == 0 && m.customers > 20_000 {
        return Err(c.at.error_with(
            "market.peers",
            &customers,
            "a complete peer network (peers = 0) is limited to 20000 customers",
            "peers from 1 to 64, or 0 with at most 20000 customers",
        ));
    }
    if m.peers > 0 && m.peers >= m.customers {
        return Err(c.at.error_with(
            "market.peers",
            &customers,
            &format!("{} peers need more than {} customers", m.peers, m.customers),
            "fewer peers than customers (0 = complete network)",
        ));
    }
    let mix = &m.segment_mix;
    for (k, v) in [
        ("smb", mix.smb),
        ("mid_market", mix.mid_market),
        ("enterprise", mix.enterprise),
    ] {
        c.prob(&format!("market.segment_mix.{k}"), v)?;
    }
    let total = mix.smb + mix.mid_market + mix.enterprise;
    if (total - 1.0).abs() > 1e-6 {
        let shares = ["smb", "mid_market", "enterprise"].map(|k| format!("market.segment_mix.{k}"));
        return Err(c.at.error_with(
            "market.segment_mix",
            &shares,
            &format!("shares sum to {total}"),
            "shares that sum to 1",
        ));
    }
    c.range("market.value_median_k", m.value_median_k, 1e-6, 1e9, false)?;
    c.range("market.value_sigma", m.value_sigma, 0.0, 3.0, true)?;
    c.range(
        "market.spontaneous_need_rate",
        m.spontaneous_need_rate,
        0.0,
        20.0,
        true,
    )?;
    c.range("market.imitation_rate", m.imitation_rate, 0.0, 20.0, true)?;
    c.range_u(
        "market.imitation_window_days",
        m.imitation_window_days as f64,
        1.0,
        100_000.0,
    )?;
    c.range(
        "market.renewal_years_min",
        m.renewal_years_min,
        0.1,
        50.0,
        true,
    )?;
    if m.renewal_years_max < m.renewal_years_min {
        return Err(c.at.error_with(
            "market.renewal_years_max",
            &["market.renewal_years_min".to_string()],
            &format!(
                "{} is below `market.renewal_years_min` ({})",
                m.renewal_years_max, m.renewal_years_min
            ),
            "`market.renewal_years_max` at least `market.renewal_years_min`, both from 0.1 to 50",
        ));
    }
    c.range(
        "market.renewal_years_max",
        m.renewal_years_max,
        0.1,
        50.0,
        true,
    )?;
    for (k, seg) in [
        ("smb", &m.segments.smb),
        ("mid_market", &m.segments.mid_market),
        ("enterprise", &m.segments.enterprise),
    ] {
        let p = format!("market.segments.{k}");
        c.range(
            &format!("{p}.cycle_days"),
            seg.cycle_days,
            0.0,
            2600.0,
            true,
        )?;
        c.range(&format!("{p}.stage_cv"), seg.stage_cv, 0.0, 3.0, true)?;
        c.range(
            &format!("{p}.value_multiplier"),
            seg.value_multiplier,
            1e-6,
            1e6,
            false,
        )?;
    }
    Ok(())
}

fn check_customers(c: &mut Checker, b: &CustomerBehaviour) -> Result<(), InputError> {
    let p = |k: &str| format!("customers.{k}");
    c.range_u(
        &p("attention_per_month"),
        b.attention_per_month as f64,
        1.0,
        1000.0,
    )?;
    let r = &b.receptivity;
    for (k, v) in [
        ("dormant", r.dormant),
        ("problem_identification", r.problem_identification),
        ("exploration", r.exploration),
        ("supplier_selection", r.supplier_selection),
        ("validation", r.validation),
        ("decision", r.decision),
        ("cool_off", r.cool_off),
    ] {
        c.prob(&format!("customers.receptivity.{k}"), v)?;
    }
    let sg = &b.signals;
    for (k, v) in [
        ("trigger_recall", sg.trigger_recall),
        ("intent_recall", sg.intent_recall),
        ("renewal_visibility", sg.renewal_visibility),
        ("nurture_response", sg.nurture_response),
    ] {
        c.prob(&format!("customers.signals.{k}"), v)?;
    }
    for (k, v) in [
        ("trigger_precision", sg.trigger_precision),
        ("intent_precision", sg.intent_precision),
        ("nurture_precision", sg.nurture_precision),
    ] {
        c.range(&format!("customers.signals.{k}"), v, 0.01, 1.0, true)?;
    }
    c.range_u(
        "customers.signals.lead_days",
        f64::from(sg.lead_days),
        1.0,
        260.0,
    )?;
    for (k, v) in [
        ("initial_trust", b.initial_trust),
        ("trust_gain", b.trust_gain),
        ("trust_loss", b.trust_loss),
        ("peer_warning_trust_loss", b.peer_warning_trust_loss),
        ("shortlist_on_welcome", b.shortlist_on_welcome),
        ("inbound_discovery", b.inbound_discovery),
        ("unengaged_drop", b.unengaged_drop),
        ("incumbent_shortlist", b.incumbent_shortlist),
        ("stage_shortening", b.stage_shortening),
        ("insight_spark", b.insight_spark),
        ("budget_approval", b.budget_approval),
        ("discount_learning", b.discount_learning),
        ("discount_word_of_mouth", b.discount_word_of_mouth),
        ("wait_threshold", b.wait_threshold),
        ("pull_in_acceptance", b.pull_in_acceptance),
    ] {
        c.prob(&p(k), v)?;
    }
    for (k, v) in [
        ("fatigue_per_contact", b.fatigue_per_contact),
        ("annoyance_per_unwelcome", b.annoyance_per_unwelcome),
        ("annoyance_per_conflict", b.annoyance_per_conflict),
        ("no_decision_pressure", b.no_decision_pressure),
        ("budget_year_end_boost", b.budget_year_end_boost),
        ("budget_last_week_boost", b.budget_last_week_boost),
        ("trust_weight", b.trust_weight),
        ("price_weight", b.price_weight),
        ("incumbent_weight", b.incumbent_weight),
        ("preference_weight", b.preference_weight),
    ] {
        c.range(&p(k), v, 0.0, 100.0, true)?;
    }
    c.range(
        &p("no_decision_utility"),
        b.no_decision_utility,
        -50.0,
        50.0,
        true,
    )?;
    for (k, v) in [
        ("fatigue_half_life_days", b.fatigue_half_life_days),
        ("trust_half_life_days", b.trust_half_life_days),
        ("annoyance_half_life_days", b.annoyance_half_life_days),
        (
            "discount_memory_half_life_days",
            b.discount_memory_half_life_days,
        ),
    ] {
        c.range(&p(k), v, 0.01, 1e6, true)?;
    }
    c.range(&p("block_threshold"), b.block_threshold, 1e-6, 1e6, false)?;
    c.range(&p("tolerance_sigma"), b.tolerance_sigma, 0.0, 3.0, true)?;
    for (k, v, lo) in [
        ("conflict_window_days", b.conflict_window_days, 0.0),
        ("block_days", b.block_days, 1.0),
        ("cool_off_days", b.cool_off_days, 0.0),
        ("budget_retry_days", b.budget_retry_days, 1.0),
        ("decision_patience_days", b.decision_patience_days, 0.0),
        ("wait_window_days", b.wait_window_days, 0.0),
    ] {
        c.range_u(&p(k), v as f64, lo, 13_000.0)?;
    }
    Ok(())
}

fn check_reps(c: &mut Checker, r: &RepSettings) -> Result<(), InputError> {
    c.range(
        "reps.capacity_per_day",
        r.capacity_per_day,
        0.01,
        200.0,
        true,
    )?;
    c.range("reps.quota_factor", r.quota_factor, 1e-6, 100.0, true)?;
    c.prob("reps.ratchet_up", r.ratchet_up)?;
    c.prob("reps.ratchet_down", r.ratchet_down)
}

fn check_sweep(
    c: &mut Checker,
    sweep: &crate::params::settings::SweepSpec,
) -> Result<(), InputError> {
    if sweep.mode != "grid" && sweep.mode != "zip" {
        return Err(c.at.error(
            "sweep.mode",
            &format!(
                "`{}` is not a sweep mode{}",
                sweep.mode,
                crate::suggest::did_you_mean(&sweep.mode, &["grid", "zip"])
            ),
            "grid, zip",
        ));
    }
    if sweep.parameters.is_empty() {
        return Err(c.at.error(
            "sweep.parameters",
            "no parameters to sweep",
            "at least one \"path\" = [values...]",
        ));
    }
    let mut len = None;
    for (path, values) in &sweep.parameters {
        let p = format!("sweep.parameters.{path}");
        if values.is_empty() {
            return Err(c.at.error(
                &p,
                "has an empty list of values",
                "a list of one or more numbers",
            ));
        }
        if let Some(v) = values.iter().find(|v| !v.is_finite()) {
            return Err(c
                .at
                .error(&p, &format!("{v} is not a finite number"), "finite numbers"));
        }
        if sweep.mode == "zip" && *len.get_or_insert(values.len()) != values.len() {
            return Err(c.at.error_with(
                &p,
                &["sweep.mode".to_string()],
                "lists of different lengths in a zip sweep",
                "equal-length lists (or mode = \"grid\")",
            ));
        }
    }
    Ok(())
}

/// Small helpers that turn a failed check into a located error.
struct Checker<'a> {
    at: &'a Locator<'a>,
}

impl Checker<'_> {
    fn range(
        &mut self,
        path: &str,
        v: f64,
        lo: f64,
        hi: f64,
        lo_inclusive: bool,
    ) -> Result<(), InputError> {
        let ok = v.is_finite() && (if lo_inclusive { v >= lo } else { v > lo }) && v <= hi;
        if ok {
            return Ok(());
        }
        let lower = if lo_inclusive {
            format!("from {}", number(lo))
        } else {
            format!("above {}", number(lo))
        };
        Err(self.at.error(
            path,
            &format!("{} is out of range", number(v)),
            &format!("a finite number {lower} to {}", number(hi)),
        ))
    }

    fn range_u(&mut self, path: &str, v: f64, lo: f64, hi: f64) -> Result<(), InputError> {
        if v >= lo && v <= hi {
            return Ok(());
        }
        Err(self.at.error(
            path,
            &format!("{} is out of range", number(v)),
            &format!("a whole number from {} to {}", number(lo), number(hi)),
        ))
    }

    fn prob(&mut self, path: &str, v: f64) -> Result<(), InputError> {
        self.range(path, v, 0.0, 1.0, true)
    }

    fn name(&mut self, path: &str, name: &str) -> Result<(), InputError> {
        let ok = !name.is_empty()
            && name.len() <= 64
            && name
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_');
        if ok {
            return Ok(());
        }
        Err(self.at.error(
            path,
            &format!("`{name}` is not a valid name"),
            "1–64 letters, digits, '-' or '_'",
        ))
    }

    /// Checks that `name` (at `path`) is not among the names `seen` so far (name and path).
    fn unique(
        &mut self,
        path: &str,
        seen: &mut Vec<(String, String)>,
        name: &str,
    ) -> Result<(), InputError> {
        if let Some((_, first)) = seen.iter().find(|(n, _)| n == name) {
            return Err(self.at.error_with(
                path,
                std::slice::from_ref(first),
                &format!("`{name}` is used twice (also by `{first}`)"),
                "unique names",
            ));
        }
        seen.push((name.to_string(), path.to_string()));
        Ok(())
    }
}

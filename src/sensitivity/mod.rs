//! Which assumptions decide the answer: a global sensitivity study of a scenario (`salesim
//! sensitivity`, and [`study`] for a scenario held in memory, as `salesim calibrate` has one).
//!
//! - **Knobs**: every numeric knob of the scenario with a plausible range in the one table of
//!   [`crate::scenario::ranges`] (market, customers, reps, and the knobs of each strategy our
//!   teams use in a variant). A compared strategy's knobs move our teams only: competitors that
//!   use the same strategy keep a copy of the scenario's values ("held").
//! - **Outputs**: for each variant other than the reference, the paired difference of bookings
//!   against the reference in log points: 100 × the mean over replications of
//!   ln(variant ÷ reference), ≈ % for small differences (+10 is +10.5%, −10 is −9.5%). The log
//!   scale is symmetric: a design point where one variant collapses cannot swamp the ranking as
//!   a % difference would (+300% against at most −100%). And each variant's bookings ($k). The
//!   one-at-a-time answers (swings, flip points) are stated in %, as the report states
//!   differences.
//! - **Method**: Morris elementary effects ([`morris`]: Morris 1991; μ* from Campolongo et al.
//!   2007) on `r` trajectories through the knobs' ranges, with common random numbers: every design
//!   point runs the same replication seeds (`run_seed(master, replication)`), and the difference
//!   is paired within each replication. The design is one zip sweep of the experiment machinery
//!   ([`crate::experiment::Plan`]), so it fans out with rayon and its results are bit-identical
//!   whatever the thread count.
//! - **Noise floor**: each elementary effect is a difference of two means over replications; its
//!   standard error comes from the replications (paired, as they share seeds). A knob with no
//!   effect at all would show μ* ≈ √(2/π) × that error on average: the noise floor
//!   ([`morris::NoiseFloor`]). A knob whose μ* is not above the floor plus two standard
//!   deviations of a no-effect μ* is **within noise**: flagged, and not ranked among the
//!   findings (the ranking puts every finding first, by μ*; the knobs within noise follow, by
//!   μ*, unranked in the files and the words).
//! - **Whose knob** ([`kind`]): the buyers' behaviour and the market (`market.*`,
//!   `customers.*`), to check with people who know the buyers, or the user's own strategy
//!   choices (`strategies.*`, `reps.*`: how our teams sell, our reps and their pay plan), to
//!   decide. The findings and the flip points are shown in those two lists.
//! - **Swings and flip points**: the most influential knobs (and, for each comparison, the top
//!   knobs a CRM export cannot reveal) are run one at a time at both ends of their range, the
//!   rest at the scenario's values (the tornado chart). For each comparison's top unobservable
//!   knobs outside the noise, and any other unobservable knob of the chart whose two ends give
//!   opposite signs, the answer is said to flip only when the paired 95% CIs at the two ends
//!   both exclude zero, with opposite signs ([`FlipOutcome`]); the value where it flips is then
//!   found by bisection on paired runs ([`bisect`]), and its 95% CI by a bootstrap over the
//!   replications of every point run along the knob ([`flip_interval`]). Ends whose CIs do not
//!   tell give "not found at this precision", never a flip.

pub mod bisect;
pub mod kind;
pub mod morris;

pub use kind::Kind;

use crate::error::{InputError, SalesimError};
use crate::experiment::job::Options;
use crate::experiment::stats::{summarize, Summary};
use crate::experiment::{self, Execution, Plan, Slice, Throughput};
use crate::params::settings::SweepSpec;
use crate::rng::{run_seed, study_stream};
use crate::scenario::ranges::{PlausibleRange, COMPARED, PLAUSIBLE_RANGES};
use crate::scenario::{self, Config, Override, ScenarioSource};
use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;

/// Trajectories of the default design.
pub const DEFAULT_TRAJECTORIES: u32 = 10;
/// Replications per design point of the default design: with 10 trajectories, the lesson's
/// study ranks its 91 knobs and finds the flip points in about 6 CPU minutes, 3 minutes on 2
/// free cores (BENCHMARKS.md §14).
pub const DEFAULT_REPLICATIONS: u32 = 3;
/// Grid levels of the default design (Δ = 2/3 of each range).
pub const DEFAULT_LEVELS: u32 = 4;
/// Unobservable knobs whose flip point is looked for, per comparison.
pub const DEFAULT_FLIP_KNOBS: usize = 3;
/// Replications per point of the one-at-a-time runs (swings and bisection).
pub const DEFAULT_FLIP_REPLICATIONS: u32 = 16;
/// Halvings of a flip point's bracket: the flip value to 1/64 of the range.
pub const DEFAULT_BISECTION_STEPS: u32 = 6;
/// Bootstrap resamples of the trajectories for the intervals.
pub const DEFAULT_BOOTSTRAP: usize = 1000;
/// Knobs the tornado chart shows (their swings are run).
pub const TORNADO_KNOBS: usize = 12;

/// How much a study runs, and on which knobs: the design's size, the one-at-a-time runs, and
/// optionally the caller's own ranges or a subset of the knobs.
#[derive(Debug, Clone, PartialEq)]
pub struct SensitivityBudget {
    /// Morris trajectories (at least 2).
    pub trajectories: u32,
    /// Replications per design point (at least 2, for the noise floor).
    pub replications: u32,
    /// Grid levels (even, at least 2).
    pub levels: u32,
    /// Unobservable knobs per comparison whose flip point is looked for.
    pub flip_knobs: usize,
    /// Replications per one-at-a-time point (at least 2).
    pub flip_replications: u32,
    /// Halvings of a flip point's bracket.
    pub bisection_steps: u32,
    /// Bootstrap resamples for the intervals (at least 1).
    pub bootstrap: usize,
    /// Worker threads (default: all cores); results are identical for any number.
    pub threads: Option<usize>,
    /// Master seed (default: the scenario's).
    pub seed: Option<u64>,
    /// Ranges that replace the table's for some knobs (`--range`): a fitted knob known within
    /// its interval, or a range of the user's own. A zero-width range holds the knob at a value.
    pub ranges: Vec<RangeOverride>,
    /// Study these knobs only (`--knob`, by path); empty: every knob with a plausible range.
    pub only: Vec<String>,
}

impl SensitivityBudget {
    /// A small study for a command that runs one on the side (`salesim calibrate` on a fitted
    /// market): a few trajectories, the flip points of the top two unobservable knobs. About a
    /// third of the default's runs.
    pub fn small() -> SensitivityBudget {
        SensitivityBudget {
            trajectories: 4,
            replications: 2,
            flip_knobs: 2,
            flip_replications: 8,
            bisection_steps: 4,
            bootstrap: 500,
            ..SensitivityBudget::default()
        }
    }
}

/// A knob's range given by the caller instead of the table's.
#[derive(Debug, Clone, PartialEq)]
pub struct RangeOverride {
    /// The knob's `--set` path.
    pub path: String,
    /// Low end.
    pub low: f64,
    /// High end (equal to `low`: the knob is held there).
    pub high: f64,
    /// Where it came from, for error messages (`--range market.peers=2..20`).
    pub origin: String,
}

impl RangeOverride {
    /// Parses `PATH=LOW..HIGH` as `--range` gives it.
    pub fn parse(arg: &str) -> Result<RangeOverride, InputError> {
        let origin = format!("--range {arg}");
        let refuse = |problem: &str| {
            Err(InputError::at(
                &origin,
                None,
                None,
                problem,
                "PATH=LOW..HIGH with LOW ≤ HIGH, e.g. --range customers.trust_weight=1..8",
            ))
        };
        let Some((path, span)) = arg.split_once('=') else {
            return refuse("has no `=`");
        };
        let Some((low, high)) = span.split_once("..") else {
            return refuse("has no `..` between the low and high ends");
        };
        let (Ok(low), Ok(high)) = (low.trim().parse::<f64>(), high.trim().parse::<f64>()) else {
            return refuse("has an end that is not a number");
        };
        if !(low.is_finite() && high.is_finite()) || low > high {
            return refuse("has its low end above its high end, or an end that is not finite");
        }
        Ok(RangeOverride {
            path: path.trim().to_string(),
            low,
            high,
            origin,
        })
    }
}

impl Default for SensitivityBudget {
    fn default() -> Self {
        SensitivityBudget {
            trajectories: DEFAULT_TRAJECTORIES,
            replications: DEFAULT_REPLICATIONS,
            levels: DEFAULT_LEVELS,
            flip_knobs: DEFAULT_FLIP_KNOBS,
            flip_replications: DEFAULT_FLIP_REPLICATIONS,
            bisection_steps: DEFAULT_BISECTION_STEPS,
            bootstrap: DEFAULT_BOOTSTRAP,
            threads: None,
            seed: None,
            ranges: Vec::new(),
            only: Vec::new(),
        }
    }
}

/// What the caller sees of a study while it runs, and how to stop it.
pub struct Progress<'a> {
    /// Set (by Ctrl-C) to stop: the study gives up with [`SalesimError::Interrupted`].
    pub stop: &'a AtomicBool,
    /// Called when a stage starts, with what it does and how many runs it makes.
    pub stage: &'a dyn Fn(&str, u64),
    /// Called after each run, from worker threads.
    pub run: &'a (dyn Fn() + Sync),
}

/// A knob of the study: its path, its range for this scenario and the table row behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct Knob {
    /// The `--set` path.
    pub path: String,
    /// Low end of its plausible range.
    pub low: f64,
    /// High end.
    pub high: f64,
    /// The scenario's own value.
    pub value: f64,
    /// Whether it takes whole numbers (design values are rounded).
    pub whole: bool,
    /// The row of the plausible-range table.
    pub range: PlausibleRange,
    /// The `--range` that replaced the table's range, if one did.
    pub given: Option<String>,
}

impl Knob {
    /// Whether a CRM opportunity export can reveal the knob.
    pub fn observable(&self) -> bool {
        self.range.observable()
    }

    /// Whose knob it is: the buyers' (to check) or ours (to decide), by its path's prefix
    /// ([`kind::of`]; the table's every pattern has one).
    pub fn kind(&self) -> Kind {
        kind::of(&self.path).unwrap_or(Kind::Buyers)
    }

    /// The knob's value at a position `u` in [0, 1] of its range (rounded if whole).
    pub fn at(&self, u: f64) -> f64 {
        let v = self.low + u * (self.high - self.low);
        if self.whole {
            v.round()
        } else {
            v
        }
    }

    /// A value's position in the range, [0, 1]; for a zero-width range, `u`, the design's own
    /// coordinate (so that an effect is still "output change per step", and exactly zero when
    /// the runs are the same runs).
    pub fn position(&self, value: f64, u: f64) -> f64 {
        if self.high > self.low {
            (value - self.low) / (self.high - self.low)
        } else {
            u
        }
    }
}

/// What an output measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// A variant's bookings against the reference's, in log points (100 × the mean paired
    /// ln(variant ÷ reference)): log points per whole range.
    Difference {
        /// The variant.
        variant: usize,
    },
    /// A variant's bookings ($k): $k per whole range.
    Bookings {
        /// The variant.
        variant: usize,
    },
}

impl Output {
    /// The output's name in `sensitivity.csv`.
    pub fn name(&self) -> &'static str {
        match self {
            Output::Difference { .. } => "bookings_log_ratio",
            Output::Bookings { .. } => "bookings",
        }
    }

    /// The variant it is about.
    pub fn variant(&self) -> usize {
        match self {
            Output::Difference { variant } | Output::Bookings { variant } => *variant,
        }
    }
}

/// One knob's measures for one output.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KnobEffect {
    /// μ*, μ, σ with their intervals.
    pub measures: morris::Measures,
    /// The μ* a knob without any effect would show at these replications (see the module doc).
    pub noise_floor: f64,
    /// Whether μ* is not told from the noise ([`morris::NoiseFloor::holds`]): the knob is not a
    /// finding, and is not ranked among them.
    pub within_noise: bool,
    /// The knob's place in the output's order: every knob outside the noise first, by μ* (1 for
    /// the largest), then the knobs within noise, by μ*.
    pub rank: usize,
}

impl KnobEffect {
    /// The knob's rank among the findings; `None` for a knob within noise, which is not ranked.
    pub fn finding_rank(&self) -> Option<usize> {
        (!self.within_noise).then_some(self.rank)
    }
}

/// One output's measures, one per knob (in knob order).
#[derive(Debug, Clone, PartialEq)]
pub struct Effects {
    /// The output.
    pub output: Output,
    /// Per knob.
    pub knobs: Vec<KnobEffect>,
}

impl Effects {
    /// Knob indices by rank (most influential first).
    pub fn ranked(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.knobs.len()).collect();
        order.sort_by_key(|&k| self.knobs[k].rank);
        order
    }

    /// Knobs within their noise floor that μ* alone would have put among the top `shown`:
    /// flagged, not ranked (largest μ* first; a non-finite μ* last).
    pub fn flagged_within_noise(&self, shown: usize) -> Vec<usize> {
        let key = |k: usize| {
            let m = self.knobs[k].measures.mu_star.value;
            if m.is_finite() {
                m
            } else {
                f64::NEG_INFINITY
            }
        };
        let mut by_mu: Vec<usize> = (0..self.knobs.len()).collect();
        by_mu.sort_by(|&a, &b| key(b).total_cmp(&key(a)).then(a.cmp(&b)));
        by_mu
            .into_iter()
            .take(shown)
            .filter(|&k| self.knobs[k].within_noise)
            .collect()
    }
}

/// The paired difference (% of the reference's bookings) at one point of the one-at-a-time runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Difference {
    /// Mean, % of the reference's bookings.
    pub pct: f64,
    /// 95% interval, %.
    pub ci_low: f64,
    /// 95% interval, %.
    pub ci_high: f64,
}

impl Difference {
    /// The sign of the difference when its 95% CI excludes zero: +1 or −1; `None` when the CI
    /// includes zero or there is none.
    pub fn clear_sign(self) -> Option<i8> {
        if self.ci_low > 0.0 {
            Some(1)
        } else if self.ci_high < 0.0 {
            Some(-1)
        } else {
            None
        }
    }

    /// From a summary of paired log ratios.
    fn of(s: &Summary) -> Difference {
        let pct = |x: f64| 100.0 * (x.exp() - 1.0);
        Difference {
            pct: pct(s.mean),
            ci_low: pct(s.ci_low),
            ci_high: pct(s.ci_high),
        }
    }
}

/// A knob run one at a time at both ends of its range, the rest at the scenario's values.
#[derive(Debug, Clone, PartialEq)]
pub struct Swing {
    /// Knob index.
    pub knob: usize,
    /// Per variant (`None` for the reference): the difference at the low end.
    pub at_low: Vec<Option<Difference>>,
    /// The same at the high end.
    pub at_high: Vec<Option<Difference>>,
}

/// What the one-at-a-time runs say of a flip along a knob's range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlipOutcome {
    /// The paired 95% CIs at the two ends both exclude zero, with opposite signs: the answer
    /// flips inside the range.
    Flips,
    /// Both CIs exclude zero with the same sign: the same variant is ahead at both ends.
    NoFlip,
    /// An end's CI includes zero (or has no difference): whether the answer flips is not found
    /// at this precision, even where the two means differ in sign.
    NotFound,
}

impl FlipOutcome {
    /// The outcome's name in `flip_points.csv`.
    pub fn name(self) -> &'static str {
        match self {
            FlipOutcome::Flips => "flips",
            FlipOutcome::NoFlip => "no_flip",
            FlipOutcome::NotFound => "not_found_at_this_precision",
        }
    }

    /// The rule: the ends' paired differences with their 95% CIs.
    pub fn of(low: Option<Difference>, high: Option<Difference>) -> FlipOutcome {
        match (
            low.and_then(Difference::clear_sign),
            high.and_then(Difference::clear_sign),
        ) {
            (Some(a), Some(b)) if a != b => FlipOutcome::Flips,
            (Some(_), Some(_)) => FlipOutcome::NoFlip,
            _ => FlipOutcome::NotFound,
        }
    }
}

/// Where the answer flips for one comparison and one knob.
#[derive(Debug, Clone, PartialEq)]
pub struct Flip {
    /// The variant compared with the reference.
    pub variant: usize,
    /// Knob index.
    pub knob: usize,
    /// The difference at the low end, %.
    pub at_low: f64,
    /// Its 95% CI, %.
    pub at_low_ci: (f64, f64),
    /// At the high end, %.
    pub at_high: f64,
    /// Its 95% CI, %.
    pub at_high_ci: (f64, f64),
    /// Whether the answer flips, by the rule of [`FlipOutcome::of`].
    pub outcome: FlipOutcome,
    /// The value where the difference changes sign, by bisection: only when it flips.
    pub flip_value: Option<f64>,
    /// The flip value's 95% bootstrap CI over the replications ([`flip_interval`]).
    pub flip_ci: Option<(f64, f64)>,
}

/// The design's settings, as the manifest records them.
#[derive(Debug, Clone, PartialEq)]
pub struct Design {
    /// Trajectories.
    pub trajectories: u32,
    /// Grid levels.
    pub levels: u32,
    /// Step, as a share of each range.
    pub delta: f64,
    /// Replications per design point.
    pub replications: u32,
    /// Design points (trajectories × (knobs + 1)).
    pub points: usize,
    /// Replications per one-at-a-time point.
    pub flip_replications: u32,
    /// Bisection halvings.
    pub bisection_steps: u32,
    /// Bootstrap resamples.
    pub bootstrap: usize,
    /// Unobservable knobs per comparison looked at for flips.
    pub flip_knobs: usize,
}

/// A competitor team that keeps the scenario's values of a compared strategy.
#[derive(Debug, Clone, PartialEq)]
pub struct Held {
    /// The compared strategy.
    pub strategy: String,
    /// The copy the competitor teams use.
    pub held_as: String,
    /// Their paths (`vendors.1.teams.0`).
    pub teams: Vec<String>,
}

/// A finished study.
#[derive(Debug, Clone)]
pub struct Study {
    /// The scenario as studied (overrides and held competitors applied, no sweep).
    pub config: Config,
    /// The knobs, in table order.
    pub knobs: Vec<Knob>,
    /// Competitor teams that keep the scenario's strategy values.
    pub held: Vec<Held>,
    /// The design's settings.
    pub design: Design,
    /// One per output: each non-reference variant's difference, then each variant's bookings.
    pub effects: Vec<Effects>,
    /// The paired difference at the scenario's own values, per variant (`None` for the
    /// reference), from the one-at-a-time runs.
    pub at_scenario: Vec<Option<Difference>>,
    /// The one-at-a-time swings, most influential first.
    pub swings: Vec<Swing>,
    /// Flip points: per comparison, its top unobservable knobs.
    pub flips: Vec<Flip>,
    /// Work done.
    pub throughput: Throughput,
}

impl Study {
    /// The effects of an output.
    pub fn effects_of(&self, output: Output) -> Option<&Effects> {
        self.effects.iter().find(|e| e.output == output)
    }

    /// The replication seeds every point ran (the first `replications` of them, or
    /// `flip_replications` for the one-at-a-time runs).
    pub fn replication_seeds(&self) -> Vec<u64> {
        let n = self.design.replications.max(self.design.flip_replications);
        (0..n).map(|r| run_seed(self.config.seed, r)).collect()
    }

    /// The comparisons: each variant other than the reference.
    pub fn compared(&self) -> Vec<usize> {
        (0..self.config.variants.len())
            .filter(|&v| v != self.config.reference)
            .collect()
    }
}

/// Runs a study of a scenario held in memory (a fitted market, say), with nothing printed: the
/// entry point for a command that runs one on the side. The scenario is studied as resolved
/// (`config.resolved`, its seed unless the budget gives one).
///
/// ```no_run
/// use salesim::scenario::{build, ScenarioSource};
/// use salesim::sensitivity::{study, Output, SensitivityBudget};
/// let source = ScenarioSource::parse("fitted.toml", "name = \"fitted\"").unwrap();
/// let fitted = build(&source, &[]).unwrap();
/// let result = study(&fitted, &SensitivityBudget::small()).unwrap();
/// let difference = result.effects_of(Output::Difference { variant: 1 }).unwrap();
/// let top = difference.ranked()[0];
/// println!("{} decides the answer most", result.knobs[top].path);
/// // The top knobs, and where the answer flips for those a CRM export cannot reveal:
/// print!("{}", salesim::output::sensitivity::findings(&result, 5));
/// ```
pub fn study(config: &Config, budget: &SensitivityBudget) -> Result<Study, SalesimError> {
    let text = toml::to_string(&config.resolved).map_err(|e| {
        SalesimError::Report(format!(
            "the scenario `{}` does not serialize: {e}",
            config.name
        ))
    })?;
    let source = ScenarioSource::parse(&format!("{} (in memory)", config.name), &text)?;
    study_scenario(&source, &[], budget)
}

/// Runs a study of a scenario's text (parsed into `source`, `overrides` as `--set` gives them),
/// with nothing printed and no way to stop it but the end.
pub fn study_scenario(
    source: &ScenarioSource,
    overrides: &[Override],
    budget: &SensitivityBudget,
) -> Result<Study, SalesimError> {
    let never = AtomicBool::new(false);
    let progress = Progress {
        stop: &never,
        stage: &|_, _| {},
        run: &|| {},
    };
    study_with(source, overrides, budget, &progress)
}

/// [`study_scenario`], telling `progress` what it does and stopping when its flag is set.
pub fn study_with(
    source: &ScenarioSource,
    overrides: &[Override],
    options: &SensitivityBudget,
    progress: &Progress,
) -> Result<Study, SalesimError> {
    check_options(options)?;
    let mut base_source = source.clone();
    base_source.scenario.sweep = None;
    // The study's own settings, then the caller's overrides.
    let mut all = Options {
        replications: Some(options.replications),
        seed: options.seed,
        set: Vec::new(),
    }
    .overrides()?;
    all.extend(overrides.iter().cloned());
    let unheld = scenario::build(&base_source, &all)?;
    if unheld.variants.len() < 2 {
        return Err(InputError::at(
            &source.file,
            source.line_of_path("variants"),
            Some("variants"),
            "has one variant: there is no comparison whose answer could flip",
            "a scenario with at least two [[variants]]",
        )
        .into());
    }
    let compared = compared_strategies(&unheld);
    let (held, hold_overrides) = hold_competitors(&unheld, &compared);
    all.extend(hold_overrides);
    let config = scenario::build(&base_source, &all)?;
    let knobs = select_knobs(&config, &compared, options, &source.file)?;
    check_ranges(&base_source, &all, &knobs)?;
    let threads = options.threads;

    // The Morris design, run as one zip sweep of every knob.
    let mut rng = study_stream(config.seed, 1);
    let trajectories = morris::design(
        knobs.len(),
        options.trajectories as usize,
        options.levels,
        &mut rng,
    );
    let mut values: Vec<Vec<f64>> = vec![Vec::new(); knobs.len()];
    let mut realised: Vec<Vec<Vec<f64>>> = Vec::with_capacity(trajectories.len());
    for t in &trajectories {
        let mut points = Vec::with_capacity(knobs.len() + 1);
        for unit in t.points() {
            let at: Vec<f64> = knobs.iter().zip(&unit).map(|(k, &u)| k.at(u)).collect();
            for (list, v) in values.iter_mut().zip(&at) {
                list.push(*v);
            }
            points.push(
                knobs
                    .iter()
                    .zip(&at)
                    .zip(&unit)
                    .map(|((k, &v), &u)| k.position(v, u))
                    .collect(),
            );
        }
        realised.push(points);
    }
    let design_plan = zip_plan(&base_source, &all, &knobs, values, progress.stop)?;
    experiment::check_memory(&base_source, &design_plan, threads.unwrap_or(1))?;
    (progress.stage)(
        &format!(
            "Morris design: {}, {} trajectories, {} points, {} replications each",
            knob_count(knobs.len()),
            trajectories.len(),
            design_plan.point_count(),
            options.replications
        ),
        design_plan.total_runs(),
    );
    let mut throughput = Throughput::default();
    let bookings = run_plan(&design_plan, threads, progress, &mut throughput)?;

    let reference = config.reference;
    let variants = config.variants.len();
    let mut outputs: Vec<Output> = (0..variants)
        .filter(|&v| v != reference)
        .map(|variant| Output::Difference { variant })
        .collect();
    outputs.extend((0..variants).map(|variant| Output::Bookings { variant }));
    let samples = morris::resamples(trajectories.len(), options.bootstrap, &mut rng);
    let per_trajectory = knobs.len() + 1;
    let effects: Vec<Effects> = outputs
        .iter()
        .map(|&output| {
            let series: Vec<Series> = bookings
                .iter()
                .map(|b| Series::of(output, b, reference))
                .collect();
            let mut ee = vec![Vec::with_capacity(trajectories.len()); knobs.len()];
            let mut noise = vec![Vec::with_capacity(trajectories.len()); knobs.len()];
            for (t, trajectory) in trajectories.iter().enumerate() {
                let at = &realised[t];
                let points = &series[t * per_trajectory..(t + 1) * per_trajectory];
                let y: Vec<f64> = points.iter().map(|s| s.value).collect();
                let effects = morris::elementary_effects(&trajectory.order, at, &y);
                for (j, &k) in trajectory.order.iter().enumerate() {
                    ee[k].push(effects[k]);
                    let step = (at[j + 1][k] - at[j][k]).abs();
                    noise[k].push(points[j].error_of_change(&points[j + 1]) / step);
                }
            }
            let mut knob_effects: Vec<KnobEffect> = ee
                .iter()
                .zip(&noise)
                .map(|(e, n)| {
                    let measures = morris::measures(e, &samples);
                    let floor = morris::NoiseFloor::of(n);
                    KnobEffect {
                        measures,
                        noise_floor: floor.floor,
                        within_noise: floor.holds(measures.mu_star.value),
                        rank: 0,
                    }
                })
                .collect();
            rank(&mut knob_effects, &knobs);
            Effects {
                output,
                knobs: knob_effects,
            }
        })
        .collect();

    // One at a time: the tornado's knobs and each comparison's top unobservable knobs.
    let first = Output::Difference {
        variant: outputs[0].variant(),
    };
    let first_effects = effects
        .iter()
        .find(|e| e.output == first)
        .expect("a comparison");
    let mut swung: Vec<usize> = first_effects
        .ranked()
        .into_iter()
        .take(TORNADO_KNOBS)
        .collect();
    let mut flip_candidates: Vec<(usize, usize)> = Vec::new();
    for e in effects
        .iter()
        .filter(|e| matches!(e.output, Output::Difference { .. }))
    {
        for k in e
            .ranked()
            .into_iter()
            .filter(|&k| !knobs[k].observable() && !e.knobs[k].within_noise)
            .take(options.flip_knobs)
        {
            flip_candidates.push((e.output.variant(), k));
            if !swung.contains(&k) {
                swung.push(k);
            }
        }
    }
    let mut swing_values: Vec<Vec<(usize, f64)>> = vec![Vec::new()];
    for &k in &swung {
        swing_values.push(vec![(k, knobs[k].low)]);
        swing_values.push(vec![(k, knobs[k].high)]);
    }
    // Each point's paired log ratios per variant and replication (empty for the reference).
    let one_at_a_time = |points: &[Vec<(usize, f64)>],
                         stage: &str,
                         throughput: &mut Throughput|
     -> Result<Vec<Vec<Vec<f64>>>, SalesimError> {
        let mut flip_all = all.clone();
        flip_all.push(Override {
            path: "replications".into(),
            value: toml::Value::Integer(options.flip_replications as i64),
            origin: format!("--flip-replications {}", options.flip_replications),
        });
        let values: Vec<Vec<f64>> = knobs
            .iter()
            .enumerate()
            .map(|(k, knob)| {
                points
                    .iter()
                    .map(|set| {
                        set.iter()
                            .find(|(i, _)| *i == k)
                            .map_or(knob.value, |(_, v)| *v)
                    })
                    .collect()
            })
            .collect();
        let plan = zip_plan(&base_source, &flip_all, &knobs, values, progress.stop)?;
        (progress.stage)(stage, plan.total_runs());
        let bookings = run_plan(&plan, threads, progress, throughput)?;
        Ok(bookings
            .iter()
            .map(|b| {
                (0..variants)
                    .map(|v| {
                        if v == reference {
                            Vec::new()
                        } else {
                            log_ratios(b, v, reference)
                        }
                    })
                    .collect()
            })
            .collect())
    };
    let differences = |ratios: &[Vec<f64>]| -> Vec<Option<Difference>> {
        ratios
            .iter()
            .enumerate()
            .map(|(v, r)| (v != reference).then(|| Difference::of(&summarize(r))))
            .collect()
    };
    let swing_runs = one_at_a_time(
        &swing_values,
        &format!(
            "One at a time: {} at both ends of their range, {} replications each",
            knob_count(swung.len()),
            options.flip_replications
        ),
        &mut throughput,
    )?;
    let at_scenario = differences(&swing_runs[0]);
    let swings: Vec<Swing> = swung
        .iter()
        .enumerate()
        .map(|(i, &knob)| Swing {
            knob,
            at_low: differences(&swing_runs[1 + 2 * i]),
            at_high: differences(&swing_runs[2 + 2 * i]),
        })
        .collect();

    // Flip points, by bisection rounds on every bracket at once: each comparison's top
    // unobservable knobs, then any other unobservable knob of the tornado that flips the answer
    // on its own (its two ends of opposite signs), by rank.
    let swing_of = |k: usize| swings.iter().find(|s| s.knob == k).expect("swung");
    for e in effects
        .iter()
        .filter(|e| matches!(e.output, Output::Difference { .. }))
    {
        let variant = e.output.variant();
        for k in e.ranked() {
            let crosses = swings.iter().find(|s| s.knob == k).is_some_and(|s| {
                let (lo, hi) = (s.at_low[variant], s.at_high[variant]);
                lo.zip(hi).is_some_and(|(lo, hi)| lo.pct * hi.pct <= 0.0)
            });
            if crosses && !knobs[k].observable() && !flip_candidates.contains(&(variant, k)) {
                flip_candidates.push((variant, k));
            }
        }
    }
    // Each flip's points along its knob: (value, paired log ratios of its variant), for the
    // bootstrap of the flip value: the ends, the scenario's own value, then the midpoints.
    let mut flips: Vec<Flip> = Vec::new();
    let mut along: Vec<Vec<(f64, Vec<f64>)>> = Vec::new();
    let mut brackets: Vec<(usize, bisect::Bracket)> = Vec::new();
    for &(variant, k) in &flip_candidates {
        let s = swing_of(k);
        let i = swung.iter().position(|&j| j == k).expect("swung");
        let (low, high) = (s.at_low[variant], s.at_high[variant]);
        let pct = |d: Option<Difference>| d.map_or(f64::NAN, |d| d.pct);
        let ci = |d: Option<Difference>| d.map_or((f64::NAN, f64::NAN), |d| (d.ci_low, d.ci_high));
        let (lo, hi) = (pct(low), pct(high));
        let outcome = FlipOutcome::of(low, high);
        if outcome == FlipOutcome::Flips {
            if let Some(b) =
                bisect::Bracket::new(knobs[k].low, lo, knobs[k].high, hi, knobs[k].whole)
            {
                brackets.push((flips.len(), b));
            }
        }
        along.push(vec![
            (knobs[k].low, swing_runs[1 + 2 * i][variant].clone()),
            (knobs[k].high, swing_runs[2 + 2 * i][variant].clone()),
            (knobs[k].value, swing_runs[0][variant].clone()),
        ]);
        flips.push(Flip {
            variant,
            knob: k,
            at_low: lo,
            at_low_ci: ci(low),
            at_high: hi,
            at_high_ci: ci(high),
            outcome,
            flip_value: None,
            flip_ci: None,
        });
    }
    for round in 0..options.bisection_steps {
        let todo: Vec<(usize, f64)> = brackets
            .iter()
            .filter_map(|(f, b)| b.midpoint().map(|m| (*f, m)))
            .collect();
        if todo.is_empty() {
            break;
        }
        let points: Vec<Vec<(usize, f64)>> = todo
            .iter()
            .map(|&(f, m)| vec![(flips[f].knob, m)])
            .collect();
        let results = one_at_a_time(
            &points,
            &format!(
                "Flip points: bisection step {} of {}, {}",
                round + 1,
                options.bisection_steps,
                knob_count(todo.len())
            ),
            &mut throughput,
        )?;
        for ((f, m), result) in todo.iter().zip(&results) {
            let variant = flips[*f].variant;
            let d = Difference::of(&summarize(&result[variant])).pct;
            along[*f].push((*m, result[variant].clone()));
            if let Some((_, b)) = brackets.iter_mut().find(|(i, _)| i == f) {
                b.narrow(*m, d);
            }
        }
    }
    for (f, b) in &brackets {
        let value = b.flip_value();
        flips[*f].flip_value = Some(value);
        let mut rng = study_stream(config.seed, FLIP_STREAM + *f as u64);
        flips[*f].flip_ci = flip_interval(&along[*f], value, options.bootstrap, &mut rng);
    }

    Ok(Study {
        config,
        knobs,
        held,
        design: Design {
            trajectories: options.trajectories,
            levels: options.levels,
            delta: morris::delta(options.levels),
            replications: options.replications,
            points: design_plan.point_count(),
            flip_replications: options.flip_replications,
            bisection_steps: options.bisection_steps,
            bootstrap: options.bootstrap,
            flip_knobs: options.flip_knobs,
        },
        effects,
        at_scenario,
        swings,
        flips,
        throughput,
    })
}

/// The purpose keys of the flip values' bootstrap streams ([`study_stream`]): one per flip,
/// apart from the design's (purpose 1).
const FLIP_STREAM: u64 = 0xF11B_0000;

/// The 95% bootstrap CI of a flip value: `points` are the values of the knob run one at a
/// time, each with its paired log ratios per replication (the same replication seeds at every
/// point). Each resample draws replication indices with replacement, the same for every point
/// (they are paired), and finds where the resampled mean difference changes sign along the knob:
/// at a point where it is exactly zero, else by linear interpolation between the two points
/// around the change; the change nearest `estimate` when there are several. A resample without
/// a change puts the flip beyond the range, at the end on the side its sign says. `None` with
/// fewer than two points or replications.
pub fn flip_interval(
    points: &[(f64, Vec<f64>)],
    estimate: f64,
    resamples: usize,
    rng: &mut crate::rng::Rng,
) -> Option<(f64, f64)> {
    use rand::Rng as _;
    let mut points: Vec<&(f64, Vec<f64>)> = points.iter().collect();
    points.sort_by(|a, b| a.0.total_cmp(&b.0));
    points.dedup_by(|a, b| a.0 == b.0);
    let replications = points.first()?.1.len();
    if points.len() < 2 || replications < 2 || resamples == 0 {
        return None;
    }
    let mean_of = |ratios: &[f64], sample: &[usize]| {
        let xs: Vec<f64> = sample
            .iter()
            .map(|&r| ratios[r])
            .filter(|x| x.is_finite())
            .collect();
        if xs.is_empty() {
            f64::NAN
        } else {
            xs.iter().sum::<f64>() / xs.len() as f64
        }
    };
    let whole: Vec<usize> = (0..replications).collect();
    // The side of the low end (the sign of its mean over every replication).
    let low_sign = mean_of(&points[0].1, &whole).signum();
    let (low, high) = (points[0].0, points[points.len() - 1].0);
    let mut values = Vec::with_capacity(resamples);
    for _ in 0..resamples {
        let sample: Vec<usize> = (0..replications)
            .map(|_| rng.random_range(0..replications))
            .collect();
        let curve: Vec<(f64, f64)> = points
            .iter()
            .map(|(x, r)| (*x, mean_of(r, &sample)))
            .filter(|(_, y)| y.is_finite())
            .collect();
        let mut crossings: Vec<f64> = Vec::new();
        for (i, &(x, y)) in curve.iter().enumerate() {
            if y == 0.0 {
                crossings.push(x);
            } else if let Some(&(x2, y2)) = curve.get(i + 1) {
                if y2 != 0.0 && (y > 0.0) != (y2 > 0.0) {
                    crossings.push(x + (x2 - x) * y / (y - y2));
                }
            }
        }
        let flip = match crossings
            .into_iter()
            .min_by(|a, b| (a - estimate).abs().total_cmp(&(b - estimate).abs()))
        {
            Some(x) => x,
            // No change: the whole range is on one side; the flip is beyond the far end.
            None => match curve.first() {
                Some(&(_, y)) if y.signum() == low_sign => high,
                Some(_) => low,
                None => continue,
            },
        };
        values.push(flip);
    }
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    Some((
        crate::experiment::stats::quantile(&values, 0.025),
        crate::experiment::stats::quantile(&values, 0.975),
    ))
}

/// Refuses options the study cannot use, naming the option.
fn check_options(o: &SensitivityBudget) -> Result<(), InputError> {
    let checks = [
        (
            o.trajectories < 2,
            format!("--trajectories {}", o.trajectories),
            "is too few for an interval over trajectories",
            "2 or more trajectories",
        ),
        (
            o.replications < 2,
            format!("--replications {}", o.replications),
            "is too few to tell an effect from noise",
            "2 or more replications per design point",
        ),
        (
            o.levels < 2 || !o.levels.is_multiple_of(2),
            format!("--levels {}", o.levels),
            "is not an even number of grid levels from 2 up",
            "an even number of levels, 2 or more (4 is usual)",
        ),
        (
            o.flip_replications < 2,
            format!("--flip-replications {}", o.flip_replications),
            "is too few for a paired difference with an interval",
            "2 or more replications per one-at-a-time point",
        ),
        (
            o.bootstrap == 0,
            "bootstrap 0".to_string(),
            "leaves no resample for the intervals",
            "1 or more resamples",
        ),
    ];
    match checks.into_iter().find(|(bad, ..)| *bad) {
        Some((_, arg, problem, allowed)) => Err(InputError::at(&arg, None, None, problem, allowed)),
        None => Ok(()),
    }
}

/// The strategies our teams use in some variant, in variant order.
pub fn compared_strategies(cfg: &Config) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in &cfg.resolved.variants {
        for name in std::iter::once(&v.strategy).chain(v.teams.values()) {
            if !out.contains(name) {
                out.push(name.clone());
            }
        }
    }
    out
}

/// Overrides that give every competitor team using a compared strategy a copy of it with the
/// scenario's values (so the study moves our teams only), and what they hold.
fn hold_competitors(cfg: &Config, compared: &[String]) -> (Vec<Held>, Vec<Override>) {
    let taken = |name: &str| {
        cfg.resolved.strategies.contains_key(name) || crate::params::presets::preset(name).is_some()
    };
    let mut held: Vec<Held> = Vec::new();
    let mut overrides = Vec::new();
    for (v, vendor) in cfg.resolved.vendors.iter().enumerate().skip(1) {
        for (t, team) in vendor.teams.iter().enumerate() {
            let name = team
                .strategy
                .clone()
                .or_else(|| vendor.strategy.clone())
                .unwrap_or_else(|| "aggressive".to_string());
            if !compared.contains(&name) {
                continue;
            }
            let team_path = format!("vendors.{v}.teams.{t}");
            let origin = format!("salesim sensitivity: {team_path} keeps the scenario's `{name}`");
            let index = match held.iter().position(|h| h.strategy == name) {
                Some(i) => i,
                None => {
                    let mut held_as = format!("held-{name}");
                    let mut n = 1;
                    while held_as.len() > 64 || taken(&held_as) {
                        held_as = format!("held-{n}");
                        n += 1;
                    }
                    let strategy = &cfg.vendors[v].teams[t].strategy;
                    let mut table = match toml::Value::try_from(strategy) {
                        Ok(toml::Value::Table(t)) => t,
                        _ => unreachable!("a strategy serializes to a table"),
                    };
                    table.insert("base".into(), toml::Value::String("aggressive".into()));
                    overrides.push(Override {
                        path: format!("strategies.{held_as}"),
                        value: toml::Value::Table(table),
                        origin: origin.clone(),
                    });
                    held.push(Held {
                        strategy: name.clone(),
                        held_as,
                        teams: Vec::new(),
                    });
                    held.len() - 1
                }
            };
            overrides.push(Override {
                path: format!("{team_path}.strategy"),
                value: toml::Value::String(held[index].held_as.clone()),
                origin,
            });
            held[index].teams.push(team_path);
        }
    }
    (held, overrides)
}

/// The scenario's knobs with a plausible range: each table row (a strategy row once per
/// compared strategy), its range for this scenario, whole-number knobs at whole ends. A knob
/// whose range is empty for this scenario is left out.
pub fn knobs_of(cfg: &Config, compared: &[String]) -> Vec<Knob> {
    candidate_knobs(cfg, compared)
        .into_iter()
        .filter(|k| k.high > k.low)
        .collect()
}

/// Every table row's knob in this scenario, with its range (possibly empty).
fn candidate_knobs(cfg: &Config, compared: &[String]) -> Vec<Knob> {
    let our_reps: u32 = cfg.vendors[0].teams.iter().map(|t| t.reps).sum();
    let mut out = Vec::new();
    for range in PLAUSIBLE_RANGES {
        let paths: Vec<String> = match range.pattern.strip_prefix(COMPARED) {
            Some(knob) => compared
                .iter()
                .map(|s| format!("strategies.{s}.{knob}"))
                .collect(),
            None => vec![range.pattern.to_string()],
        };
        for path in paths {
            let Some((value, whole)) = experiment::resolved_number(cfg, &path) else {
                continue;
            };
            let (mut low, mut high) = range.bounds(value, our_reps);
            if whole {
                (low, high) = (low.ceil(), high.floor());
            }
            out.push(Knob {
                path,
                low,
                high,
                value,
                whole,
                range: *range,
                given: None,
            });
        }
    }
    out
}

/// The knobs a study varies: the table's, with the budget's own ranges in place of the table's
/// (a zero-width one holds its knob), and only the knobs the budget names if it names any.
/// Refuses a `--range` or `--knob` path that is no knob of this scenario, naming it.
fn select_knobs(
    cfg: &Config,
    compared: &[String],
    budget: &SensitivityBudget,
    file: &str,
) -> Result<Vec<Knob>, InputError> {
    let mut knobs = candidate_knobs(cfg, compared);
    let paths: Vec<String> = knobs.iter().map(|k| k.path.clone()).collect();
    let allowed = "a knob of docs/SCENARIOS.md \"Plausible ranges\", with `<compared>` as a \
                   strategy our teams use in a variant (e.g. strategies.aligned.listening)";
    for given in &budget.ranges {
        let Some(knob) = knobs.iter_mut().find(|k| k.path == given.path) else {
            return Err(InputError::at(
                &given.origin,
                None,
                Some(&given.path),
                &format!(
                    "is no knob of this scenario{}",
                    crate::suggest::did_you_mean(&given.path, &paths)
                ),
                allowed,
            ));
        };
        let (low, high) = if knob.whole {
            (given.low.ceil(), given.high.floor())
        } else {
            (given.low, given.high)
        };
        if low > high {
            return Err(InputError::at(
                &given.origin,
                None,
                Some(&given.path),
                "holds no whole number, and the knob takes whole numbers",
                "a range with a whole number in it",
            ));
        }
        (knob.low, knob.high, knob.given) = (low, high, Some(given.origin.clone()));
    }
    knobs.retain(|k| k.high > k.low || k.given.is_some());
    for path in &budget.only {
        if !knobs.iter().any(|k| &k.path == path) {
            let problem = if paths.contains(path) {
                "has an empty plausible range in this scenario: give it one with --range".into()
            } else {
                format!(
                    "is no knob of this scenario{}",
                    crate::suggest::did_you_mean(path, &paths)
                )
            };
            return Err(InputError::at(
                &format!("--knob {path}"),
                None,
                Some(path),
                &problem,
                allowed,
            ));
        }
    }
    if !budget.only.is_empty() {
        knobs.retain(|k| budget.only.contains(&k.path));
    }
    if knobs.is_empty() {
        return Err(InputError::at(
            file,
            None,
            None,
            "has no knob with a plausible range to study",
            "a scenario whose knobs are in docs/SCENARIOS.md \"Plausible ranges\"",
        ));
    }
    Ok(knobs)
}

/// Refuses, before anything runs, a knob whose range's ends do not validate in this scenario,
/// naming the knob and its range.
fn check_ranges(
    source: &ScenarioSource,
    overrides: &[Override],
    knobs: &[Knob],
) -> Result<(), InputError> {
    for knob in knobs {
        for end in [knob.low, knob.high] {
            let mut all = overrides.to_vec();
            all.push(Override {
                path: knob.path.clone(),
                value: toml::Value::Float(end),
                origin: format!("salesim sensitivity: {} = {end}", knob.path),
            });
            if let Err(e) = scenario::build(source, &all) {
                let (origin, whose) = match &knob.given {
                    Some(given) => (given.as_str(), "the range given"),
                    None => (
                        source.file.as_str(),
                        "its plausible range (docs/SCENARIOS.md \"Plausible ranges\")",
                    ),
                };
                return Err(InputError::at(
                    origin,
                    None,
                    Some(&knob.path),
                    &format!(
                        "{whose}, {} to {}, does not fit this scenario: at {end}, {}",
                        knob.low, knob.high, e.problem
                    ),
                    &e.allowed,
                ));
            }
        }
    }
    Ok(())
}

/// A plan whose points set every knob to the values given (`values[knob][point]`): a zip sweep.
fn zip_plan(
    source: &ScenarioSource,
    overrides: &[Override],
    knobs: &[Knob],
    values: Vec<Vec<f64>>,
    stop: &AtomicBool,
) -> Result<Plan, SalesimError> {
    let mut design = source.clone();
    design.scenario.sweep = Some(SweepSpec {
        mode: "zip".to_string(),
        parameters: knobs
            .iter()
            .map(|k| k.path.clone())
            .zip(values)
            .collect::<BTreeMap<String, Vec<f64>>>(),
    });
    experiment::plan_unless_stopped(&design, overrides, stop)
        .map_err(|e| design_point_error(e, knobs))?
        .ok_or_else(stopped)
}

/// A design point that does not validate (each knob's range fits alone, but two of them do not
/// fit together) is the study's doing, not a `[sweep]` of the file's: the error names the
/// ranges (`--range` flags, or the plausible ranges) and the point's values instead.
fn design_point_error(e: InputError, knobs: &[Knob]) -> InputError {
    let Some((_, point)) = e.origin.split_once(": [sweep] ") else {
        return e;
    };
    let given: Vec<&str> = knobs.iter().filter_map(|k| k.given.as_deref()).collect();
    let origin = if given.is_empty() {
        "salesim sensitivity (the plausible ranges of docs/SCENARIOS.md)".to_string()
    } else {
        given.join(" ")
    };
    InputError::at(
        &origin,
        None,
        e.key.as_deref(),
        &format!(
            "a point of the study's design, with {point}, does not fit this scenario: {}",
            e.problem
        ),
        &format!(
            "ranges whose values fit together (narrower --range, or --knob to study fewer \
             knobs); here: {}",
            e.allowed
        ),
    )
}

fn stopped() -> SalesimError {
    SalesimError::Interrupted("stopped before the study finished; nothing was written".into())
}

/// Each point's bookings, `[point][variant][replication]`.
type Bookings = Vec<Vec<Vec<f64>>>;

/// Runs a plan, keeping each point's bookings per variant and replication.
fn run_plan(
    plan: &Plan,
    threads: Option<usize>,
    progress: &Progress,
    throughput: &mut Throughput,
) -> Result<Bookings, SalesimError> {
    let column = crate::metrics::run_metric("bookings");
    let run = progress.run;
    let on_run = |_: &experiment::RunResult| {
        run();
        Ok(())
    };
    let how = Execution {
        threads,
        slice: Slice::WHOLE,
        stop: progress.stop,
        on_run: &on_run,
        deals: false,
    };
    let mut out: Bookings = Vec::with_capacity(plan.point_count());
    let outcome =
        experiment::execute_slice(plan, &how, &mut |_, _, _| Ok(None), &mut |_, result| {
            let variants = result.config.variants.len();
            let mut b = vec![vec![f64::NAN; result.config.replications as usize]; variants];
            for run in &result.runs {
                b[run.variant][run.replication as usize] = run.record.metrics()[column];
            }
            out.push(b);
            Ok(())
        })?;
    if !outcome.complete {
        return Err(stopped());
    }
    *throughput += outcome.throughput;
    Ok(out)
}

/// ln(variant ÷ reference) per replication, NaN where either booked nothing.
fn log_ratios(bookings: &[Vec<f64>], variant: usize, reference: usize) -> Vec<f64> {
    bookings[variant]
        .iter()
        .zip(&bookings[reference])
        .map(|(&b, &a)| {
            if a > 0.0 && b > 0.0 {
                (b / a).ln()
            } else {
                f64::NAN
            }
        })
        .collect()
}

/// An output at one design point: its value and the per-replication numbers it is the mean of
/// (100 × log ratios for a difference, bookings for bookings).
struct Series {
    value: f64,
    replications: Vec<f64>,
}

impl Series {
    fn of(output: Output, bookings: &[Vec<f64>], reference: usize) -> Series {
        let replications: Vec<f64> = match output {
            Output::Difference { variant } => log_ratios(bookings, variant, reference)
                .into_iter()
                .map(|r| 100.0 * r)
                .collect(),
            Output::Bookings { variant } => bookings[variant].clone(),
        };
        Series {
            value: summarize(&replications).mean,
            replications,
        }
    }

    /// The standard error of the change of the output from here to `next`, from the paired
    /// replications.
    fn error_of_change(&self, next: &Series) -> f64 {
        let changes: Vec<f64> = next
            .replications
            .iter()
            .zip(&self.replications)
            .map(|(b, a)| b - a)
            .collect();
        let s = summarize(&changes);
        s.sd / (s.n as f64).sqrt()
    }
}

/// Orders knobs: the findings by μ* (1 = largest), then the knobs within noise by μ*; ties and
/// NaN by the knob's path.
fn rank(effects: &mut [KnobEffect], knobs: &[Knob]) {
    let mut order: Vec<usize> = (0..effects.len()).collect();
    let key = |k: usize| {
        let m = effects[k].measures.mu_star.value;
        if m.is_finite() {
            m
        } else {
            f64::NEG_INFINITY
        }
    };
    order.sort_by(|&a, &b| {
        effects[a]
            .within_noise
            .cmp(&effects[b].within_noise)
            .then_with(|| key(b).total_cmp(&key(a)))
            .then_with(|| knobs[a].path.cmp(&knobs[b].path))
    });
    for (r, k) in order.into_iter().enumerate() {
        effects[k].rank = r + 1;
    }
}

/// "1 knob", "91 knobs".
pub fn knob_count(n: usize) -> String {
    format!("{n} knob{}", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_range_is_read_as_path_equals_low_dot_dot_high() {
        let r = RangeOverride::parse("customers.trust_weight=0.5..7.25").unwrap();
        assert_eq!(
            (r.path.as_str(), r.low, r.high),
            ("customers.trust_weight", 0.5, 7.25)
        );
        assert_eq!(r.origin, "--range customers.trust_weight=0.5..7.25");
        let held = RangeOverride::parse("market.peers=8..8").unwrap();
        assert_eq!((held.low, held.high), (8.0, 8.0));
        for bad in [
            "market.peers",
            "market.peers=4",
            "market.peers=4..x",
            "market.peers=9..4",
            "market.peers=inf..4",
        ] {
            let e = RangeOverride::parse(bad).unwrap_err();
            assert_eq!(e.origin, format!("--range {bad}"), "{e}");
            assert!(e.allowed.contains("PATH=LOW..HIGH"), "{e}");
        }
    }

    #[test]
    fn a_zero_width_range_keeps_the_designs_own_step() {
        let knob = Knob {
            path: "market.peers".into(),
            low: 8.0,
            high: 8.0,
            value: 8.0,
            whole: true,
            range: PLAUSIBLE_RANGES[1],
            given: Some("--range market.peers=8..8".into()),
        };
        assert_eq!(knob.at(0.75), 8.0);
        assert_eq!(knob.position(8.0, 0.75), 0.75);
        let wide = Knob {
            low: 4.0,
            high: 16.0,
            ..knob
        };
        assert_eq!(wide.position(10.0, 0.75), 0.5);
    }

    fn difference(pct: f64, ci_low: f64, ci_high: f64) -> Option<Difference> {
        Some(Difference {
            pct,
            ci_low,
            ci_high,
        })
    }

    #[test]
    fn a_flip_is_claimed_only_where_both_ends_are_clear_and_opposite() {
        // The issue's case: +0.8% at one end, −1.0% at the other, each CI across zero.
        assert_eq!(
            FlipOutcome::of(difference(0.8, -1.2, 2.9), difference(-1.0, -3.1, 1.1)),
            FlipOutcome::NotFound
        );
        // One end clear is not enough.
        assert_eq!(
            FlipOutcome::of(difference(6.0, 2.0, 10.0), difference(-1.0, -3.1, 1.1)),
            FlipOutcome::NotFound
        );
        assert_eq!(
            FlipOutcome::of(difference(6.0, 2.0, 10.0), difference(-5.0, -8.0, -2.0)),
            FlipOutcome::Flips
        );
        assert_eq!(
            FlipOutcome::of(difference(-6.0, -9.0, -2.0), difference(5.0, 0.1, 9.0)),
            FlipOutcome::Flips
        );
        assert_eq!(
            FlipOutcome::of(difference(6.0, 2.0, 10.0), difference(1.0, 0.5, 1.5)),
            FlipOutcome::NoFlip
        );
        // No difference at an end (a variant booked nothing), or no interval: not found.
        assert_eq!(
            FlipOutcome::of(None, difference(1.0, 0.5, 1.5)),
            FlipOutcome::NotFound
        );
        assert_eq!(
            FlipOutcome::of(
                difference(6.0, f64::NAN, f64::NAN),
                difference(-5.0, -8.0, -2.0)
            ),
            FlipOutcome::NotFound
        );
    }

    /// Points along a knob of a known line `slope × (x − root)`, with per-replication noise
    /// `noise[r]` shared by every point (common random numbers) plus a point's own noise.
    fn line(root: f64, slope: f64, xs: &[f64], replications: usize) -> Vec<(f64, Vec<f64>)> {
        use rand::Rng as _;
        let mut rng = study_stream(11, 3);
        let shared: Vec<f64> = (0..replications)
            .map(|_| rng.random_range(-0.02..0.02))
            .collect();
        xs.iter()
            .map(|&x| {
                let ratios = shared
                    .iter()
                    .map(|s| slope * (x - root) + s + rng.random_range(-0.02..0.02))
                    .collect();
                (x, ratios)
            })
            .collect()
    }

    #[test]
    fn the_flip_interval_holds_a_known_root_and_narrows_with_the_signal() {
        let xs = [0.0, 1.0, 0.5, 0.75, 0.625, 0.6875];
        let steep = line(0.65, 1.0, &xs, 16);
        let mut rng = study_stream(12, 1);
        let (lo, hi) = flip_interval(&steep, 0.65, 1000, &mut rng).unwrap();
        assert!(lo < 0.65 && 0.65 < hi, "({lo}, {hi})");
        assert!(hi - lo < 0.1, "({lo}, {hi})");
        // A shallower line (the same noise) places the root less precisely.
        let shallow = line(0.65, 0.1, &xs, 16);
        let mut rng = study_stream(12, 1);
        let (lo2, hi2) = flip_interval(&shallow, 0.65, 1000, &mut rng).unwrap();
        assert!(lo2 < 0.65 && 0.65 < hi2, "({lo2}, {hi2})");
        assert!(hi2 - lo2 > hi - lo, "({lo2}, {hi2}) against ({lo}, {hi})");
        // The same stream gives the same interval; a point exactly zero in every replication is
        // the root in every resample.
        let mut rng = study_stream(12, 1);
        assert_eq!(flip_interval(&steep, 0.65, 1000, &mut rng), Some((lo, hi)));
        let exact = vec![
            (0.1, vec![-0.2, -0.3, -0.25]),
            (0.7, vec![0.0, 0.0, 0.0]),
            (0.9, vec![0.1, 0.2, 0.15]),
        ];
        let mut rng = study_stream(12, 2);
        assert_eq!(flip_interval(&exact, 0.7, 200, &mut rng), Some((0.7, 0.7)));
        // Too little to resample.
        let mut rng = study_stream(12, 2);
        assert_eq!(flip_interval(&exact[..1], 0.7, 200, &mut rng), None);
    }
}

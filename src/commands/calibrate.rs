//! `salesim calibrate OPPORTUNITIES.csv --out NAME.toml`: read the export, observe its moments
//! and print them for a sales leader; fit a scenario to them ([`crate::calibrate::fit`]); run the
//! aggressive-vs-aligned comparison on the fitted market; then write the moments to
//! `NAME.moments.csv` beside `--out` and the scenario to `NAME.toml` with a header that shows
//! the observed and simulated moments side by side, what was fitted and what was left at its
//! field default and why, and the comparison. Both files are written atomically, only after the
//! fit succeeded, and never over the export or an existing file without `--force`
//! ([`crate::calibrate::outputs`]).

use crate::calibrate::backtest;
use crate::calibrate::export::{self, AmountDot, Export, ReadOptions};
use crate::calibrate::fiscal::{parse_month, FiscalCalendar};
use crate::calibrate::fit::{self, Budget, Fit, Structure};
use crate::calibrate::moments::{self, names, Bootstrap, Moment, Moments, Resampling, Unit};
use crate::calibrate::Field;
use crate::error::{InputError, SalesimError};
use crate::experiment::stats::{paired, Paired};
use crate::output::summary::{bookings_sentence, signed_thousands};
use crate::output::{csv_text, num};
use crate::shown::{group_thousands, one_line};
use std::path::PathBuf;

/// The CPU minutes above which a fit is refused unless `--max-fit-cpu-minutes` says more.
pub const DEFAULT_MAX_FIT_CPU_MINUTES: u32 = 600;

/// Arguments of `salesim calibrate`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The CRM opportunity export (CSV).
    pub opportunities: PathBuf,
    /// The scenario the fit will write, NAME.toml; the observed moments go to NAME.moments.csv
    /// beside it (default: the export's file name with .toml, in the current folder).
    #[arg(long, value_name = "NAME.toml")]
    pub out: Option<PathBuf>,
    /// Read a field from a column of the export, overriding the recognised layout: FIELD is one
    /// of id, account, owner, created, closed, outcome, amount (required), team, list_amount,
    /// product, segment, loss_reason. Repeatable.
    #[arg(long = "map", value_name = "FIELD=COLUMN")]
    pub map: Vec<String>,
    /// An outcome value that means won, besides the layout's own (Salesforce `Closed Won`,
    /// HubSpot `closedwon`, a custom file's `won`). Repeatable.
    #[arg(long, value_name = "VALUE")]
    pub won: Vec<String>,
    /// An outcome value that means lost, besides the layout's own (`Closed Lost`, `closedlost`,
    /// `lost`). Repeatable.
    #[arg(long, value_name = "VALUE")]
    pub lost: Vec<String>,
    /// An outcome value that means closed with no decision (the buyer bought from no one).
    /// Repeatable.
    #[arg(long = "no-decision", value_name = "VALUE")]
    pub no_decision: Vec<String>,
    /// An outcome value that means open although it looks closed (contains "closed", "won",
    /// "lost"). Other values that are not won or lost are open stages already. Repeatable.
    #[arg(long, value_name = "VALUE")]
    pub open: Vec<String>,
    /// The format of every date, strftime-like (chrono): %d.%m.%Y, %m/%d/%y, %Y%m%d. Default:
    /// the usual formats (2024-03-31, 3/31/2024 or 31/03/2024 as the file shows, Mar 31, 2024,
    /// 2024-03-31T12:00:00Z, …).
    #[arg(long, value_name = "FORMAT")]
    pub date_format: Option<String>,
    /// The month the vendor's fiscal year starts in: 1–12 or its name (feb, February).
    #[arg(long, value_name = "MONTH", default_value = "1")]
    pub fiscal_year_start: String,
    /// Leave bad rows out and go on (saying how many of each kind), instead of stopping.
    #[arg(long)]
    pub skip_bad_rows: bool,
    /// What a dot in an amount is: `decimal` (34.273 is 34.273) or `thousands` (34.273 is
    /// 34,273; a comma is then the decimal mark). Unsaid, a dot is a decimal point, but a column
    /// whose every amount has exactly three decimals stops the read and asks.
    #[arg(long, value_name = "decimal|thousands", value_parser = amount_dot_parser, default_value = "unsaid", hide_default_value = true)]
    pub amount_dot: AmountDot,
    /// Bootstrap resamples for the confidence intervals.
    #[arg(long, value_name = "N", default_value_t = 1000,
          value_parser = clap::value_parser!(u32).range(100..=100_000))]
    pub resamples: u32,
    /// Seed of the bootstrap and of the fitted scenario's simulations (the same export and seed
    /// give the same intervals and the same scenario).
    #[arg(long, value_name = "S", default_value_t = 1, value_parser = super::seed_parser())]
    pub seed: u64,
    /// Morris trajectories of the small sensitivity study run on the fitted market, which names
    /// the assumptions a CRM export cannot reveal that decide the answer; 0 skips it.
    /// `salesim sensitivity NAME.toml` runs the full study.
    #[arg(long, value_name = "N", default_value_t = 4,
          value_parser = clap::value_parser!(u32).range(0..=50))]
    pub sensitivity_trajectories: u32,
    /// Refuse a fit expected to take more CPU minutes than this (the expected time is
    /// announced before the fit starts, from one simulated run of the market it starts from).
    #[arg(long, value_name = "MINUTES", default_value_t = DEFAULT_MAX_FIT_CPU_MINUTES)]
    pub max_fit_cpu_minutes: u32,
    /// Backtest: fit on the export's earlier quarters, hold out its last N (of created dates),
    /// simulate them from the fitted market and write NAME.backtest.csv (observed, simulated
    /// mean, 90% prediction interval and a naive forecast per held-out quarter); 0: no backtest.
    #[arg(long, value_name = "N", default_value_t = 0,
          value_parser = clap::value_parser!(u32).range(0..=40))]
    pub holdout_quarters: u32,
    /// Replace an existing NAME.toml, NAME.moments.csv and NAME.fit.csv (never the export).
    #[arg(long)]
    pub force: bool,
}

/// `--amount-dot`: `decimal` or `thousands` (`unsaid` is the default).
fn amount_dot_parser(text: &str) -> Result<AmountDot, String> {
    if text == "unsaid" {
        return Ok(AmountDot::Unsaid);
    }
    AmountDot::from_name(text).ok_or_else(|| format!("`{text}` is neither decimal nor thousands"))
}

/// Columns of `NAME.moments.csv`.
pub const MOMENTS_COLUMNS: [&str; 7] = [
    "moment",
    "segment",
    "value",
    "ci_low",
    "ci_high",
    "identified",
    "note",
];

/// What the fit starts from: a checked export and its observed moments.
#[derive(Debug, Clone)]
pub struct Observed {
    /// The export, read and checked.
    pub export: Export,
    /// The vendor's fiscal calendar (`--fiscal-year-start`).
    pub calendar: FiscalCalendar,
    /// The observed moments.
    pub moments: Moments,
    /// The scenario file the fit will write (`--out`).
    pub scenario: PathBuf,
    /// The moments file, `NAME.moments.csv` beside it.
    pub moments_file: PathBuf,
    /// The goodness-of-fit table, `NAME.fit.csv` beside it.
    pub fit_file: PathBuf,
}

/// `salesim calibrate`.
pub fn exec(args: &Args) -> Result<(), SalesimError> {
    let observed = observe_export(args)?;
    crate::shown::print(&report(&observed));
    let backtest_file = backtest_file_beside(&observed.scenario);
    let (fitted_on, held_out) = match args.holdout_quarters {
        0 => (None, None),
        n => {
            if !args.force && backtest_file.symlink_metadata().is_ok() {
                return Err(InputError::at(
                    &format!("--out {}", observed.scenario.display()),
                    None,
                    None,
                    &format!("{} already exists", backtest_file.display()),
                    "another --out NAME.toml, or --force to replace it",
                )
                .into());
            }
            let split = backtest::split(&observed.export.opportunities, &observed.calendar, n)
                .map_err(|problem| {
                    InputError::at(
                        &format!("--holdout-quarters {n}"),
                        None,
                        None,
                        &format!("{}: {problem}", observed.export.origin),
                        "fewer quarters held out than the export spans, less two",
                    )
                })?;
            let mut export = observed.export.clone();
            export.opportunities = split.fitted.clone();
            let first_month = first_month(args)?;
            let fitted_on = observe(
                args,
                export,
                first_month,
                observed.scenario.clone(),
                observed.moments_file.clone(),
            )?;
            crate::shown::print(&format!(
                "\nBacktest: fitting on the {} quarters before {} as the CRM showed them then \
                 ({} opportunities; those closed later still open), holding out {} quarter{} \
                 from {}.\n",
                split.fitted_quarters.len(),
                split.held_out_starts[0],
                split.fitted.len(),
                n,
                if n == 1 { "" } else { "s" },
                split.held_out_starts[0]
            ));
            (Some(fitted_on), Some(split))
        }
    };
    let fit_from = fitted_on.as_ref().unwrap_or(&observed);
    let calibrated = fit_observed(fit_from, args, &|text| crate::shown::print(text))?;
    let backtest = match &held_out {
        Some(split) => {
            let b = backtest::run(
                &calibrated.fitted,
                &observed.export.opportunities,
                &observed.calendar,
                split,
            )
            .map_err(|problem| {
                InputError::file(
                    &observed.export.origin,
                    &format!("the backtest's scenario could not be built: {problem}"),
                    "an export whose teams and reps make a valid scenario",
                )
            })?;
            crate::shown::print(&backtest_report(&b, &backtest_file));
            Some(b)
        }
        None => None,
    };
    // Nothing is written before the fit has succeeded (see [`crate::calibrate::outputs`]).
    crate::calibrate::outputs::write(
        &crate::calibrate::outputs::Outputs {
            scenario: observed.scenario.clone(),
            moments: observed.moments_file.clone(),
            fit: observed.fit_file.clone(),
            force: args.force,
        },
        &moments_csv(&fit_from.moments),
        &calibrated.fit_csv,
        calibrated.scenario_text.as_bytes(),
    )?;
    if let Some(b) = &backtest {
        let write = || -> std::io::Result<()> {
            use std::io::Write;
            let mut file = crate::fsafe::AtomicFile::create(&backtest_file)?;
            file.write_all(&b.csv())?;
            file.commit()
        };
        write().map_err(|e| SalesimError::io(format!("writing {}", backtest_file.display()), e))?;
    }
    crate::shown::print(&format!("\nWrote {}.\n", observed.scenario.display()));
    if calibrated.comparison.is_none() {
        let missed = calibrated.fitted.worst();
        return Err(SalesimError::NoVerdict(format!(
            "the fitted market does not reproduce {} ({} of {} targeted moments missed: {}); the \
             scenario, the moments and the fit table were written, no comparison was made",
            observed.export.origin,
            missed.len(),
            calibrated.fitted.targets.len(),
            missed
                .iter()
                .map(|(t, _)| t.name)
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    Ok(())
}

/// `NAME.backtest.csv` beside `NAME.toml`.
pub fn backtest_file_beside(scenario: &std::path::Path) -> PathBuf {
    let stem = scenario
        .file_stem()
        .map_or_else(|| "market".into(), |s| s.to_string_lossy().into_owned());
    scenario.with_file_name(format!("{stem}.backtest.csv"))
}

/// What the terminal shows of a backtest: each held-out quarter's moments, the coverage of the
/// 90% prediction intervals, and whether the model beat the naive forecast.
fn backtest_report(b: &backtest::Backtest, file: &std::path::Path) -> String {
    let mut out = String::new();
    let mut line = |s: String| {
        out.push_str(&s);
        out.push('\n');
    };
    let value = |m: &str, x: f64| {
        if !x.is_finite() {
            return "—".to_string();
        }
        match m {
            "bookings" => format!("${}", group_thousands(x, 0)),
            "win_rate" | "last_two_weeks_share" => format!("{}%", group_thousands(x * 100.0, 1)),
            _ => group_thousands(x, 1),
        }
    };
    line(format!(
        "\nBacktest on your last quarters (the fitted market, your own way of selling as fitted, \
         {} replications; naive: the fitted period's average per quarter):",
        backtest::REPLICATIONS
    ));
    let mut rows = vec![[
        "quarter",
        "moment",
        "observed",
        "simulated mean [90% PI]",
        "naive",
        "in PI",
    ]
    .map(String::from)];
    for r in &b.rows {
        rows.push([
            r.quarter.clone(),
            r.moment.to_string(),
            value(r.moment, r.observed),
            format!(
                "{} [{} to {}]",
                value(r.moment, r.simulated_mean),
                value(r.moment, r.pi_low),
                value(r.moment, r.pi_high)
            ),
            value(r.moment, r.naive),
            if r.observed.is_finite() && r.pi_low.is_finite() {
                if r.covered() { "yes" } else { "no" }.to_string()
            } else {
                "—".into()
            },
        ]);
    }
    for l in aligned_columns(&rows) {
        line(format!("  {l}"));
    }
    let (coverage, n) = b.coverage();
    let held = |m: &str| {
        let rows: Vec<&backtest::Row> = b
            .rows
            .iter()
            .filter(|r| r.moment == m && r.observed.is_finite() && r.pi_low.is_finite())
            .collect();
        (rows.iter().filter(|r| r.covered()).count(), rows.len())
    };
    let (won_in, won_n) = held("won_deals");
    let (book_in, book_n) = held("bookings");
    line(format!(
        "Coverage: the 90% prediction intervals hold {} of the {n} observed values ({}%); won \
         deals {won_in} of {won_n} quarters, bookings {book_in} of {book_n}.",
        (coverage * n as f64).round(),
        group_thousands(coverage * 100.0, 0)
    ));
    let errors = b.errors();
    let beat: Vec<&str> = errors
        .iter()
        .filter(|(_, model, naive)| model.is_finite() && naive.is_finite() && model < naive)
        .map(|(m, _, _)| *m)
        .collect();
    let judged = errors
        .iter()
        .filter(|(_, model, naive)| model.is_finite() && naive.is_finite())
        .count();
    line(format!(
        "Against the naive forecast (mean absolute error over the held-out quarters): the model \
         was closer on {} of {judged} moments{}.",
        beat.len(),
        if beat.is_empty() {
            String::new()
        } else {
            format!(" ({})", beat.join(", "))
        }
    ));
    line(format!(
        "The model {} the naive forecast.",
        if judged > 0 && beat.len() * 2 > judged {
            "beat"
        } else {
            "did not beat"
        }
    ));
    line(format!(
        "Wrote {}: {}.",
        file.display(),
        backtest::BACKTEST_COLUMNS.join(", ")
    ));
    out
}

/// What calibrate makes of an export's moments: the fit, the comparison on the fitted market,
/// what the small sensitivity study found, and the fitted scenario's text (header included).
#[derive(Debug, Clone)]
pub struct Calibrated {
    /// The fit.
    pub fitted: Fit,
    /// Aligned against aggressive on the fitted market; `None` when the fit does not reproduce
    /// the export ([`Fit::reproduces`]): no verdict.
    pub comparison: Option<Comparison>,
    /// `NAME.fit.csv`: the goodness-of-fit table ([`FIT_COLUMNS`]).
    pub fit_csv: Vec<u8>,
    /// What the small sensitivity study found (None with `--sensitivity-trajectories 0`).
    pub findings: Option<String>,
    /// `NAME.toml`: the header, then the scenario.
    pub scenario_text: String,
}

/// Fits a market to the observed moments, compares aligned with aggressive on it and runs the
/// small sensitivity study (`--sensitivity-trajectories`); writes nothing. `say` is told what
/// is being done and what was found, as the terminal shows it.
pub fn fit_observed(
    observed: &Observed,
    args: &Args,
    say: &dyn Fn(&str),
) -> Result<Calibrated, SalesimError> {
    let structure = structure_of(observed);
    let budget = Budget::default();
    let unbuildable = |problem: String| {
        InputError::file(
            &observed.export.origin,
            &format!("the fitted scenario could not be built: {problem}"),
            "an export whose teams and reps make a valid scenario",
        )
    };
    // The expected CPU time, from one simulated run of the market the fit starts from.
    let start = fit::config(&structure, &fit::Settings::defaults()).map_err(unbuildable)?;
    let clock = std::time::Instant::now();
    let _ = crate::experiment::simulate_one(&start, 0, 0);
    let per_run = clock.elapsed().as_secs_f64();
    let evaluations = fit::expected_evaluations(8, budget);
    let runs =
        evaluations * u64::from(budget.replications) + 3 * u64::from(fit::SCENARIO_REPLICATIONS);
    let cpu_minutes = per_run * runs as f64 / 60.0;
    let threads = rayon::current_num_threads().max(1);
    if cpu_minutes > f64::from(args.max_fit_cpu_minutes) {
        return Err(InputError::file(
            &observed.export.origin,
            &format!(
                "would take about {} CPU minutes to fit ({} simulated runs of {:.2} s each: {} \
                 reps, a market of {} quarters), above --max-fit-cpu-minutes {}; sampling \
                 accounts would not shorten it (the simulated market's size is set by the reps \
                 and their books, not by the rows)",
                group_thousands(cpu_minutes, 0),
                group_thousands(runs as f64, 0),
                per_run,
                structure.reps(),
                structure.horizon_quarters,
                args.max_fit_cpu_minutes
            ),
            "an export of fewer reps or quarters (filter the CRM report by team or by date), or \
             a higher --max-fit-cpu-minutes",
        )
        .into());
    }
    say(&format!(
        "\nFitting the market (method of simulated moments: {} replications per evaluation, at \
         most {} Nelder-Mead iterations; expected CPU time about {} minutes, {} minutes on {} \
         threads)…\n",
        budget.replications,
        budget.iterations,
        group_thousands(cpu_minutes.max(0.1), 1),
        group_thousands((cpu_minutes / threads as f64).max(0.1), 1),
        threads
    ));
    let bar = crate::output::progress::progress_bar(evaluations, false);
    let tick = || bar.inc(1);
    let fitted = fit::fit_with_progress(&structure, &observed.moments, budget, &tick)
        .map_err(unbuildable)?;
    bar.finish_and_clear();
    let fit_csv = fit_csv(&fitted);
    if !fitted.reproduces() {
        say(&no_verdict_report(observed, &fitted));
        let scenario_text = format!(
            "{}{}",
            header(observed, &fitted, None, None),
            fit::scenario_text(&fitted.structure, &fitted.settings)
        );
        return Ok(Calibrated {
            fitted,
            comparison: None,
            fit_csv,
            findings: None,
            scenario_text,
        });
    }
    let comparison = compare(&fitted).map_err(unbuildable)?;
    say(&fit_report(observed, &fitted, &comparison));
    let findings = match args.sensitivity_trajectories {
        0 => None,
        trajectories => {
            say(&format!(
                "\nWhich assumptions a CRM export cannot reveal decide the answer (a small \
                 sensitivity study of the fitted market: {trajectories} Morris trajectories over \
                 the market's and customers' unobservable knobs; `salesim sensitivity {}` runs \
                 the full one)…\n",
                observed.scenario.display()
            ));
            // Against the aggressive preset, as "on a market like yours" is; over the market's
            // and customers' knobs an export cannot reveal (what was fitted is known, and the
            // strategies are the leader's own choice).
            let mut cfg = fit::config(&fitted.structure, &fitted.settings).map_err(unbuildable)?;
            cfg.resolved.reference = Some("aggressive".into());
            let unobservable: Vec<String> = crate::sensitivity::knobs_of(&cfg, &[])
                .into_iter()
                .filter(|k| !k.observable())
                .map(|k| k.path)
                .collect();
            let study = crate::sensitivity::study(
                &cfg,
                &crate::sensitivity::SensitivityBudget {
                    trajectories,
                    replications: 3,
                    seed: Some(args.seed),
                    only: unobservable,
                    ..crate::sensitivity::SensitivityBudget::small()
                },
            )?;
            let text = crate::output::sensitivity::findings(&study, 5);
            say(&text);
            Some(text)
        }
    };
    let scenario_text = format!(
        "{}{}",
        header(observed, &fitted, Some(&comparison), findings.as_deref()),
        fit::scenario_text(&fitted.structure, &fitted.settings)
    );
    Ok(Calibrated {
        fitted,
        comparison: Some(comparison),
        fit_csv,
        findings,
        scenario_text,
    })
}

/// Columns of `NAME.fit.csv`: one row per identified moment; `targeted` moments decide whether
/// the fit reproduces the export ([`Fit::reproduces`]); `standardized_difference` is
/// (simulated − observed) ÷ the observed standard error the fit used (targets) or the 95% CIs'
/// combined half-widths ÷ 1.96 (other moments); `reproduced` is `yes` within
/// [`fit::Z_MAX`] of it, `no` beyond, empty where the simulation does not produce the moment.
pub const FIT_COLUMNS: [&str; 11] = [
    "moment",
    "segment",
    "targeted",
    "observed",
    "observed_ci_low",
    "observed_ci_high",
    "simulated",
    "simulated_ci_low",
    "simulated_ci_high",
    "standardized_difference",
    "reproduced",
];

/// One row of the goodness-of-fit table: a compared moment and its standardized difference.
fn fit_rows(f: &Fit) -> Vec<(&fit::Compared, f64)> {
    f.compared
        .iter()
        .map(|c| {
            let o = &c.observed;
            let target = f
                .targets
                .iter()
                .zip(&f.differences)
                .find(|(t, _)| t.name == o.name && t.segment == o.segment);
            let z = match target {
                Some((_, &z)) => z,
                None => {
                    let half = |lo: f64, hi: f64| {
                        if lo.is_finite() && hi.is_finite() {
                            (hi - lo) / 2.0
                        } else {
                            0.0
                        }
                    };
                    let se = (half(o.ci_low, o.ci_high).powi(2)
                        + half(c.simulated.ci_low, c.simulated.ci_high).powi(2))
                    .sqrt()
                        / 1.96;
                    let se = se.max(0.01 * o.value.abs());
                    if se > 0.0 {
                        (c.simulated.mean - o.value) / se
                    } else if c.simulated.mean == o.value {
                        0.0
                    } else {
                        f64::INFINITY
                    }
                }
            };
            (c, z)
        })
        .collect()
}

/// `NAME.fit.csv` ([`FIT_COLUMNS`]).
pub fn fit_csv(f: &Fit) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(FIT_COLUMNS);
    for (c, z) in fit_rows(f) {
        let o = &c.observed;
        let reproduced = if !c.simulated.mean.is_finite() {
            ""
        } else if z.is_finite() && z.abs() <= fit::Z_MAX {
            "yes"
        } else {
            "no"
        };
        let _ = w.write_record([
            o.name.to_string(),
            csv_text(o.segment.as_deref().unwrap_or("")).into_owned(),
            c.targeted.to_string(),
            num(o.value),
            num(o.ci_low),
            num(o.ci_high),
            num(c.simulated.mean),
            num(c.simulated.ci_low),
            num(c.simulated.ci_high),
            num(z),
            reproduced.to_string(),
        ]);
    }
    w.into_inner().unwrap_or_default()
}

/// The targeted moments' goodness of fit, for people: observed [CI], simulated [CI],
/// standardized difference, reproduced.
fn fit_table_lines(f: &Fit) -> Vec<String> {
    let mut rows = vec![[
        "targeted moment",
        "observed [95% CI]",
        "simulated [95% CI]",
        "std. diff.",
        "reproduced",
    ]
    .map(String::from)];
    for (c, z) in fit_rows(f).into_iter().filter(|(c, _)| c.targeted) {
        let o = &c.observed;
        let name = match &o.segment {
            Some(s) => format!("{} ({})", o.name, one_line(s)),
            None => o.name.to_string(),
        };
        rows.push([
            name,
            format!("{} {}", shown(o.value, o.unit), interval(o)),
            simulated_cell(o, &c.simulated),
            if z.is_finite() {
                format!("{z:+.1}")
            } else {
                "—".into()
            },
            if z.is_finite() && z.abs() <= fit::Z_MAX {
                "yes".into()
            } else {
                "no".into()
            },
        ]);
    }
    aligned_columns(&rows)
}

/// What the terminal shows when the fit does not reproduce the export: the table, the moments
/// missed and by how much, the knobs pinned at a bound, what it means, and no verdict.
fn no_verdict_report(observed: &Observed, f: &Fit) -> String {
    let mut out = String::new();
    let mut line = |s: String| {
        out.push_str(&s);
        out.push('\n');
    };
    line(format!(
        "The fit does NOT reproduce your market (criterion {:.2} over {} moments; a fit that \
         reproduces one stays at or below {:.2}, the 99.9% quantile of a correct model's):",
        f.criterion(),
        f.targets.len(),
        f.rule().limit,
    ));
    for l in fit_table_lines(f) {
        line(format!("  {l}"));
    }
    line(String::new());
    for l in missed_lines(f) {
        line(l);
    }
    for l in pinned_lines(f) {
        line(l);
    }
    line(String::new());
    line(format!(
        "What it means: the model cannot make a market like this export with the knobs an \
         export can fit, so what it would say about selling on it would be about another market. \
         No verdict is given: no comparison of strategies was run. The scenario, the moments and \
         the fit table were written ({}, {}, {}) so the misses can be looked at; exit code {}.",
        observed.scenario.display(),
        observed.moments_file.display(),
        observed.fit_file.display(),
        crate::error::NO_VERDICT_EXIT_CODE
    ));
    if let Some(hint) = many_deals_hint(observed) {
        line(hint);
    }
    out
}

/// The targeted moments missed, one line each, worst first: observed, simulated, how many
/// standard errors apart.
fn missed_lines(f: &Fit) -> Vec<String> {
    let missed = f.worst();
    if missed.is_empty() {
        return Vec::new();
    }
    let mut lines = vec!["Missed, worst first:".to_string()];
    for (t, z) in missed {
        let c = f
            .compared
            .iter()
            .find(|c| c.observed.name == t.name && c.observed.segment == t.segment);
        let (observed, simulated) = match c {
            Some(c) => (
                shown(c.observed.value, c.observed.unit),
                if c.simulated.mean.is_finite() {
                    shown(c.simulated.mean, c.observed.unit)
                } else {
                    "not produced".into()
                },
            ),
            None => (group_thousands(t.observed, 2), "—".into()),
        };
        let name = match &t.segment {
            Some(s) => format!("{} ({})", t.name, one_line(s)),
            None => t.name.to_string(),
        };
        let apart = if z.is_finite() {
            format!(
                "{} standard errors {}",
                group_thousands(z.abs(), 1),
                if z > 0.0 { "above" } else { "below" }
            )
        } else {
            "the simulated market does not produce it".into()
        };
        lines.push(format!(
            "  {name}: observed {observed}, simulated {simulated}: {apart}"
        ));
    }
    lines
}

/// The fitted knobs at an end of their range, one line each.
fn pinned_lines(f: &Fit) -> Vec<String> {
    f.pinned()
        .into_iter()
        .map(|(k, v, b)| {
            format!(
                "  pinned at a bound: {} = {} (its range ends at {}): the data pushed it as far as \
                 the model lets it go",
                k.key(),
                knob_value(k, v),
                knob_value(k, b)
            )
        })
        .collect()
}

/// Why a market of many deals per account does not fit, when the export shows one: an
/// account in the model holds one buying journey at a time.
fn many_deals_hint(observed: &Observed) -> Option<String> {
    let m = &observed.moments;
    let opportunities = m.value(names::OPPORTUNITIES);
    let accounts = m.value(names::ACCOUNTS);
    let quarters = m.value(names::QUARTERS_SPANNED).max(1.0);
    let per_account_quarter = opportunities / accounts.max(1.0) / quarters;
    (per_account_quarter.is_finite() && per_account_quarter >= 1.0).then(|| {
        format!(
            "This export has about {} opportunities per account per quarter ({} opportunities, \
             {} accounts): its accounts buy many things at once (product lines, departments, \
             expansions). An account in this model holds one buying journey at a time, so it \
             cannot make such a market.",
            group_thousands(per_account_quarter, 1),
            group_thousands(opportunities, 0),
            group_thousands(accounts, 0)
        )
    })
}

/// The structure of the fitted scenario: the export's teams and span, named after `--out`.
pub fn structure_of(observed: &Observed) -> Structure {
    let stem = observed
        .scenario
        .file_stem()
        .map_or_else(|| "market".into(), |s| s.to_string_lossy().into_owned());
    let source = std::path::Path::new(&observed.export.origin)
        .file_name()
        .map_or_else(
            || observed.export.origin.clone(),
            |s| s.to_string_lossy().into_owned(),
        );
    Structure::of(
        &observed.export.opportunities,
        observed.moments.value(names::QUARTERS_SPANNED),
        &stem,
        &source,
        observed.moments.bootstrap.seed,
    )
}

/// The aggressive-vs-aligned comparison on the fitted market.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// Paired bookings difference aligned − aggressive, $k.
    pub aligned_minus_aggressive: Paired,
    /// Mean bookings of aggressive, $k.
    pub aggressive: f64,
    /// Mean bookings of the fitted strategy (`yours`), $k.
    pub yours: f64,
    /// Mean bookings of aligned, $k.
    pub aligned: f64,
    /// Quarters compared.
    pub quarters: u32,
    /// Replications.
    pub replications: u32,
    /// "On a market like yours, …": one or two plain sentences with the CI.
    pub sentence: String,
}

/// Runs the fitted scenario (every variant, [`fit::SCENARIO_REPLICATIONS`] replications, each
/// replication's variants on the same market) and states aligned − aggressive.
pub fn compare(fitted: &Fit) -> Result<Comparison, String> {
    let cfg = fit::config(&fitted.structure, &fitted.settings)?;
    let index = |name: &str| cfg.variants.iter().position(|v| v.name == name);
    let (Some(yours), Some(aggressive), Some(aligned)) =
        (index("yours"), index("aggressive"), index("aligned"))
    else {
        return Err("the fitted scenario lacks the variants yours, aggressive and aligned".into());
    };
    let point = crate::experiment::Point {
        index: 0,
        values: Vec::new(),
        config: cfg.clone(),
    };
    let result = crate::experiment::run_point(&point, &|| {});
    let bookings = |v: usize| -> Vec<f64> { result.metrics_of(v).iter().map(|m| m[0]).collect() };
    let (b_yours, b_aggr, b_aligned) = (bookings(yours), bookings(aggressive), bookings(aligned));
    let d = paired(&b_aligned, &b_aggr, Some(true));
    let mean = |v: &[f64]| crate::experiment::stats::summarize(v).mean;
    let quarters = cfg.horizon_quarters;
    let sentence = format!(
        "On a market like yours, {} Your own way of selling, as fitted, books {} $k against \
         aggressive's {} $k (mean of {} replications).",
        bookings_sentence(
            "aligned",
            "aggressive",
            &d,
            &crate::experiment::stats::paired_log_ratio(&b_aligned, &b_aggr),
            quarters
        ),
        crate::output::summary::thousands(mean(&b_yours)),
        crate::output::summary::thousands(mean(&b_aggr)),
        cfg.replications
    );
    Ok(Comparison {
        aligned_minus_aggressive: d,
        aggressive: mean(&b_aggr),
        yours: mean(&b_yours),
        aligned: mean(&b_aligned),
        quarters,
        replications: cfg.replications,
        sentence,
    })
}

/// A fitted knob's value, as the header and the terminal show it.
fn knob_value(k: fit::Knob, v: f64) -> String {
    match k {
        fit::Knob::BookSize => group_thousands(v, 0),
        fit::Knob::ValueMedian => group_thousands(v, if v < 10.0 { 2 } else { 1 }),
        fit::Knob::Cycle(_) => group_thousands(v, 1),
        _ => format!("{v:.3}"),
    }
}

/// The fitted knobs, one line each: key, value, 95% CI, meaning.
fn fitted_lines(f: &Fit) -> Vec<String> {
    let mut rows = vec![["knob", "fitted", "95% CI", "meaning"].map(String::from)];
    for k in &f.fitted {
        let ci = if k.identified() {
            format!(
                "[{} to {}]",
                knob_value(k.knob, k.ci_low),
                knob_value(k.knob, k.ci_high)
            )
        } else {
            "not identified (the moments do not move with it)".into()
        };
        rows.push([
            k.knob.key(),
            knob_value(k.knob, k.value),
            ci,
            k.knob.meaning(),
        ]);
    }
    aligned_columns(&rows)
}

/// Rows as text in aligned columns (the last column is not padded).
fn aligned_columns<const N: usize>(rows: &[[String; N]]) -> Vec<String> {
    let widths: Vec<usize> = (0..N)
        .map(|k| rows.iter().map(|r| r[k].chars().count()).max().unwrap_or(0))
        .collect();
    rows.iter()
        .map(|r| {
            let mut line = String::new();
            for (k, cell) in r.iter().enumerate() {
                if k + 1 == N {
                    line.push_str(cell);
                } else {
                    let pad = widths[k] - cell.chars().count();
                    line.push_str(cell);
                    line.push_str(&" ".repeat(pad + 2));
                }
            }
            line.trim_end().to_string()
        })
        .collect()
}

/// A simulated moment as "value [CI]" in the observed moment's unit.
fn simulated_cell(m: &Moment, s: &crate::experiment::stats::Summary) -> String {
    if !s.mean.is_finite() {
        return "— (not produced by the simulation)".into();
    }
    let ci = if s.ci_low.is_finite() && s.ci_high.is_finite() {
        let as_moment = Moment {
            ci_low: s.ci_low,
            ci_high: s.ci_high,
            resampling: Resampling::Accounts,
            ..m.clone()
        };
        format!(" {}", interval(&as_moment))
    } else {
        String::new()
    };
    format!("{}{ci}", shown(s.mean, m.unit))
}

/// Observed vs simulated, one line per identified moment; `*` marks the fit's targets.
fn compared_lines(f: &Fit) -> Vec<String> {
    let mut rows = vec![[
        "moment",
        "segment",
        "observed [95% CI]",
        "simulated [95% CI]",
    ]
    .map(String::from)];
    for c in &f.compared {
        let o = &c.observed;
        let observed = match o.resampling {
            Resampling::Counted => format!("{} (counted)", shown(o.value, o.unit)),
            _ => format!("{} {}", shown(o.value, o.unit), interval(o)),
        };
        rows.push([
            format!("{}{}", if c.targeted { "* " } else { "  " }, o.name),
            one_line(o.segment.as_deref().unwrap_or_default()).into_owned(),
            observed,
            simulated_cell(o, &c.simulated),
        ]);
    }
    aligned_columns(&rows)
}

/// The scenario file's header: TOML comments.
/// `findings`: what the small sensitivity study of the fitted market found, if it ran.
/// `c`: the comparison, `None` when the fit does not reproduce the export (no verdict: the
/// header says so and names the moments missed). Every value the header gives for a knob is the
/// one the body holds (both come from the fit's settings).
pub fn header(
    observed: &Observed,
    f: &Fit,
    c: Option<&Comparison>,
    findings: Option<&str>,
) -> String {
    let e = &observed.export;
    let mut lines: Vec<String> = Vec::new();
    let span = match (observed.moments.first, observed.moments.last) {
        (Some(a), Some(b)) => format!(", {a} to {b}"),
        _ => String::new(),
    };
    lines.push(format!(
        "A market like yours: calibrated by `salesim calibrate` from {} ({}, {} opportunities{span}; {}).",
        f.structure.source,
        e.layout.name(),
        e.opportunities.len(),
        observed.calendar.describe()
    ));
    lines.push(format!(
        "Run it: salesim run {}",
        observed
            .scenario
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
    ));
    lines.push(String::new());
    match c {
        Some(c) => lines.push(c.sentence.clone()),
        None => {
            lines.push(format!(
                "NO VERDICT: this fitted market does not reproduce the export (criterion {:.2}, \
                 limit {:.2}, the 99.9% quantile of a correct model's), so no comparison of \
                 strategies was made on it.",
                f.criterion(),
                f.rule().limit,
            ));
            lines.extend(missed_lines(f));
            lines.extend(pinned_lines(f));
            if let Some(hint) = many_deals_hint(observed) {
                lines.push(hint);
            }
        }
    }
    lines.push(String::new());
    lines.push(format!(
        "Fitted by the method of simulated moments (common random numbers: {} replications, the \
         same seeds for every candidate; {} evaluations, {} Nelder-Mead iterations; criterion \
         {:.2}, the mean squared difference in observed standard errors over {} targeted moments):",
        f.budget.replications,
        f.evaluations,
        f.iterations,
        f.criterion(),
        f.targets.len()
    ));
    lines.extend(fitted_lines(f).into_iter().map(|l| format!("  {l}")));
    lines.push(String::new());
    lines.push("Read from the export as it is: our teams and reps, the horizon (the quarters it spans), the seed.".into());
    lines.push("Not fitted (the value this file holds; the scenario reference gives each field default and its source), and why:".into());
    for l in &f.left {
        lines.push(format!(
            "  {} = {}: {}",
            l.knob.key(),
            knob_value(l.knob, l.value),
            l.why
        ));
    }
    for (what, why) in fit::LEFT_AT_DEFAULTS {
        lines.push(format!("  {what}: {why}"));
    }
    lines.push(String::new());
    lines.push(format!(
        "Observed vs simulated on the fitted market (simulated: mean of {} replications, t-interval); * = targeted by the fit:",
        f.budget.replications
    ));
    lines.extend(compared_lines(f).into_iter().map(|l| format!("  {l}")));
    let missing = not_identified_lines(&observed.moments);
    if !missing.is_empty() {
        lines.push(String::new());
        lines.push(
            "Not identified by the export (the data cannot tell; nothing was assumed in their place):"
                .into(),
        );
        lines.extend(missing);
    }
    if let Some(findings) = findings {
        lines.push(String::new());
        lines.push(
            "Which assumptions decide the answer (a small sensitivity study of this market; \
             `salesim sensitivity` on this file runs the full one):"
                .into(),
        );
        let text = findings.trim_start_matches('\n');
        lines.extend(text.lines().map(|l| l.trim_end().to_string()));
    }
    let mut out = String::new();
    for l in lines {
        // Cells of the export (segments, names) are in some lines: none may end the comment.
        let l = one_line(&l);
        if l.is_empty() {
            out.push_str("#\n");
        } else if l.starts_with("  ") {
            // A table row or list item: one line, however long, so its columns stay aligned.
            out.push_str(&format!("# {l}\n"));
        } else {
            for part in textwrap::wrap(&l, HEADER_WIDTH) {
                out.push_str(&format!("# {part}\n"));
            }
        }
    }
    out.push('\n');
    out
}

/// Width the header's prose is wrapped at (after `# `).
const HEADER_WIDTH: usize = 98;

/// What the terminal shows after the fit: the fitted knobs, the comparison, the files.
fn fit_report(observed: &Observed, f: &Fit, c: &Comparison) -> String {
    let mut out = String::new();
    let mut line = |s: String| {
        out.push_str(&s);
        out.push('\n');
    };
    line(format!(
        "Fitted ({} evaluations of {} replications; criterion {:.2} over {} moments, 1 ≈ as close as the data can tell):",
        f.evaluations,
        f.budget.replications,
        f.criterion(),
        f.targets.len()
    ));
    for l in fitted_lines(f) {
        line(format!("  {l}"));
    }
    if !f.left.is_empty() {
        line("Not fitted (the value written, and why):".into());
        for l in &f.left {
            line(format!(
                "  {} = {}: {}",
                l.knob.key(),
                knob_value(l.knob, l.value),
                l.why
            ));
        }
    }
    for l in pinned_lines(f) {
        line(l);
    }
    line(String::new());
    line(format!(
        "Goodness of fit: the fitted market reproduces your market (criterion {:.2}, limit {:.2}, \
         the 99.9% quantile of a correct model's; a moment is flagged reproduced within {} \
         standard errors):",
        f.criterion(),
        f.rule().limit,
        fit::Z_MAX
    ));
    for l in fit_table_lines(f) {
        line(format!("  {l}"));
    }
    let flagged = f.missed();
    if !flagged.is_empty() {
        line(format!(
            "  Beyond {} standard errors by itself, within what a correct model's criterion \
             allows: {}; weigh the answer accordingly.",
            fit::Z_MAX,
            flagged
                .iter()
                .map(|(t, z)| format!("{} ({z:+.1})", t.name))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    line(String::new());
    line(c.sentence.clone());
    line(format!(
        "  (aligned − aggressive {} $k, 95% CI {} to {} $k)",
        signed_thousands(c.aligned_minus_aggressive.diff.mean),
        signed_thousands(c.aligned_minus_aggressive.diff.ci_low),
        signed_thousands(c.aligned_minus_aggressive.diff.ci_high)
    ));
    line(String::new());
    line(format!(
        "Wrote {}: every moment with its 95% CI ({} bootstrap resamples, seed {}).",
        observed.moments_file.display(),
        observed.moments.bootstrap.resamples,
        observed.moments.bootstrap.seed
    ));
    line(format!(
        "Wrote {}: every moment observed and simulated, and whether it is reproduced.",
        observed.fit_file.display()
    ));
    line(format!(
        "Wrote {}: the fitted market; its header shows observed vs simulated moments. Run it: \
         salesim run {}",
        observed.scenario.display(),
        observed.scenario.display()
    ));
    out
}

/// Checks the command line, reads and checks the export, and observes its moments; writes
/// nothing.
pub fn observe_export(args: &Args) -> Result<Observed, SalesimError> {
    let first_month = first_month(args)?;
    let outputs =
        crate::calibrate::outputs::paths(&args.opportunities, args.out.as_deref(), args.force)?;
    let export = export::read(&args.opportunities, &args.read_options())?;
    observe(args, export, first_month, outputs.scenario, outputs.moments)
}

/// `NAME.fit.csv` beside `NAME.toml`.
pub fn fit_file_beside(scenario: &std::path::Path) -> PathBuf {
    let stem = scenario
        .file_stem()
        .map_or_else(|| "market".into(), |s| s.to_string_lossy().into_owned());
    scenario.with_file_name(format!("{stem}.fit.csv"))
}

/// The month the vendor's fiscal year starts in (`--fiscal-year-start`), 1–12.
pub fn first_month(args: &Args) -> Result<u32, InputError> {
    parse_month(&args.fiscal_year_start).ok_or_else(|| {
        InputError::at(
            &format!("--fiscal-year-start {}", args.fiscal_year_start),
            None,
            None,
            "is not a month",
            "1–12, or a month's name or abbreviation (feb, February)",
        )
    })
}

/// Checks an export that was read (its size) and observes its moments; `scenario` and
/// `moments_file` are the files the fit will be written to. Writes nothing.
pub fn observe(
    args: &Args,
    export: Export,
    first_month: u32,
    scenario: PathBuf,
    moments_file: PathBuf,
) -> Result<Observed, SalesimError> {
    crate::calibrate::limits::check(&export)?;
    let calendar = FiscalCalendar::months(first_month);
    let bootstrap = Bootstrap {
        resamples: args.resamples,
        seed: args.seed,
    };
    let moments = moments::observe(&export.opportunities, &calendar, &bootstrap);
    let fit_file = fit_file_beside(&scenario);
    Ok(Observed {
        export,
        calendar,
        moments,
        scenario,
        moments_file,
        fit_file,
    })
}

impl Args {
    /// How to read the export: `--map`, the outcome values, `--date-format`,
    /// `--skip-bad-rows`.
    pub fn read_options(&self) -> ReadOptions {
        ReadOptions {
            map: self.map.clone(),
            won: self.won.clone(),
            lost: self.lost.clone(),
            no_decision: self.no_decision.clone(),
            open: self.open.clone(),
            date_format: self.date_format.clone(),
            skip_bad_rows: self.skip_bad_rows,
            amount_dot: self.amount_dot,
        }
    }
}

/// `NAME.moments.csv`: one row per moment ([`MOMENTS_COLUMNS`]); `NaN` where a moment is not
/// identified; text cells guarded against spreadsheet formulas ([`csv_text`]).
pub fn moments_csv(moments: &Moments) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut write = |row: Vec<String>| w.write_record(&row).map_err(|e| e.to_string());
    let mut rows = vec![MOMENTS_COLUMNS.map(str::to_string).to_vec()];
    for m in &moments.moments {
        rows.push(vec![
            m.name.to_string(),
            csv_text(m.segment.as_deref().unwrap_or("")).into_owned(),
            num(m.value),
            num(m.ci_low),
            num(m.ci_high),
            m.identified.to_string(),
            csv_text(&m.note).into_owned(),
        ]);
    }
    // Writing to memory cannot fail.
    for row in rows {
        let _ = write(row);
    }
    w.into_inner().unwrap_or_default()
}

/// A value in its unit, for people: "23.1%", "$12,300", "45 days", "14".
fn shown(value: f64, unit: Unit) -> String {
    if !value.is_finite() {
        return "—".into();
    }
    let trimmed = |decimals| {
        let s = group_thousands(value, decimals);
        match s.split_once('.') {
            Some((int, frac)) if frac.chars().all(|c| c == '0') => int.to_string(),
            _ => s,
        }
    };
    match unit {
        Unit::Count => trimmed(1),
        Unit::Share => format!("{}%", group_thousands(value * 100.0, 1)),
        Unit::Days => trimmed(1),
        Unit::Dollars => format!("${}", group_thousands(value, 0)),
        Unit::LogDollars => group_thousands(value, 2),
    }
}

/// A moment's 95% CI for people: "[21.0–25.2%]", "counted".
fn interval(m: &Moment) -> String {
    if m.resampling == Resampling::Counted {
        return "counted".into();
    }
    if !(m.ci_low.is_finite() && m.ci_high.is_finite()) {
        return "—".into();
    }
    let (low, high) = (shown(m.ci_low, m.unit), shown(m.ci_high, m.unit));
    match m.unit {
        // "21.0–25.2%": the unit once, unless the low end is negative (a dash would read as
        // a minus).
        Unit::Share if m.ci_low >= 0.0 => {
            format!("[{}–{high}]", low.trim_end_matches('%'))
        }
        _ if m.ci_low >= 0.0 => format!("[{low}–{high}]"),
        _ => format!("[{low} to {high}]"),
    }
}

/// A moment as "value [CI]" for the headline.
fn with_ci(moments: &Moments, name: &str) -> Option<String> {
    let m = moments.get(name).filter(|m| m.identified)?;
    Some(format!("{} {}", shown(m.value, m.unit), interval(m)))
}

/// What the terminal shows: what was read, the market in a few plain lines, every moment with
/// its CI, and what the data cannot identify.
pub fn report(observed: &Observed) -> String {
    let (e, m) = (&observed.export, &observed.moments);
    let mut out = String::new();
    let mut line = |s: String| {
        out.push_str(&s);
        out.push('\n');
    };
    line(format!("Your market, as {} shows it", one_line(&e.origin)));
    let span = match (m.first, m.last) {
        (Some(a), Some(b)) => format!(", {a} to {b}"),
        _ => String::new(),
    };
    line(format!(
        "  {}: {} opportunities from {} rows{span}; dates: {}; {}",
        e.layout.name(),
        e.opportunities.len(),
        e.rows,
        e.dates,
        observed.calendar.describe()
    ));
    line(format!(
        "  columns: {}",
        e.columns
            .iter()
            .map(|(f, c)| format!("{} `{}`", f.name(), one_line(c)))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    line(format!(
        "  outcomes: {}",
        e.outcome_values
            .iter()
            .take(12)
            .map(|v| format!("`{}` {} ({})", one_line(&v.value), v.outcome.name(), v.rows))
            .collect::<Vec<_>>()
            .join(", ")
            + if e.outcome_values.len() > 12 {
                ", …"
            } else {
                ""
            }
    ));
    if e.column(Field::LossReason).is_none() {
        line("  loss reasons: no column, so lost cannot be split into lost to a competitor and no decision".into());
    }
    if e.footer_rows > 0 {
        line(format!(
            "  left out the report's footer ({} rows)",
            e.footer_rows
        ));
    }
    if let Some(p) = e.open_pipeline.summary() {
        line(format!("  open pipeline: {p}"));
    }
    if !e.skipped.is_empty() {
        line(format!(
            "  skipped {} bad row{} (--skip-bad-rows): {}",
            e.skipped.total(),
            if e.skipped.total() == 1 { "" } else { "s" },
            e.skipped.summary()
        ));
    }
    line(String::new());
    line(headline(m));
    line(String::new());
    let rows: Vec<[String; 4]> = m
        .moments
        .iter()
        .filter(|x| x.identified)
        .map(|x| {
            [
                x.name.to_string(),
                one_line(x.segment.as_deref().unwrap_or_default()).into_owned(),
                shown(x.value, x.unit),
                interval(x),
            ]
        })
        .collect();
    let header = [
        "moment".to_string(),
        "segment".into(),
        "value".into(),
        "95% CI".into(),
    ];
    let width = |k: usize| {
        rows.iter()
            .chain([&header])
            .map(|r| r[k].chars().count())
            .max()
            .unwrap_or(0)
    };
    let widths = [width(0), width(1), width(2)];
    for r in std::iter::once(&header).chain(&rows) {
        line(format!(
            "  {:w0$}  {:w1$}  {:>w2$}  {}",
            r[0],
            r[1],
            r[2],
            r[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2]
        ));
    }
    let missing = not_identified_lines(m);
    if !missing.is_empty() {
        line(String::new());
        line("Not identified (the data cannot tell; nothing was assumed in their place):".into());
        for l in missing {
            line(l);
        }
    }
    out
}

/// The moments the data cannot identify, grouped by reason (the 13 weeks of discounts on one
/// line): "  discount_week_01–13: not identified: …".
fn not_identified_lines(m: &Moments) -> Vec<String> {
    let mut by_reason: Vec<(String, Vec<String>)> = Vec::new();
    for x in m.moments.iter().filter(|x| !x.identified) {
        let name = match &x.segment {
            Some(s) => format!("{} ({})", x.name, one_line(s)),
            None => x.name.to_string(),
        };
        match by_reason.iter_mut().find(|(r, _)| *r == x.note) {
            Some((_, names)) => names.push(name),
            None => by_reason.push((x.note.clone(), vec![name])),
        }
    }
    by_reason
        .into_iter()
        .map(|(reason, names)| format!("  {}: {reason}", runs_of_weeks(&names)))
        .collect()
}

/// Moment names joined, with runs of weeks written once: `discount_week_01–07, 10–12`.
fn runs_of_weeks(names: &[String]) -> String {
    let week_of = |name: &str| {
        let (prefix, n) = name.rsplit_once("week_")?;
        Some((format!("{prefix}week_"), n.parse::<u32>().ok()?))
    };
    let mut out: Vec<String> = Vec::new();
    // The week family of the item written last (`None` after a plain name).
    let mut previous: Option<String> = None;
    let mut i = 0;
    while i < names.len() {
        let Some((prefix, first)) = week_of(&names[i]) else {
            out.push(names[i].clone());
            previous = None;
            i += 1;
            continue;
        };
        let mut last = first;
        while let Some((p, n)) = names.get(i + 1).and_then(|n| week_of(n)) {
            if p != prefix || n != last + 1 {
                break;
            }
            last = n;
            i += 1;
        }
        let head = if previous.as_ref() == Some(&prefix) {
            ""
        } else {
            prefix.as_str()
        };
        out.push(if first == last {
            format!("{head}{first:02}")
        } else {
            format!("{head}{first:02}–{last:02}")
        });
        previous = Some(prefix);
        i += 1;
    }
    out.join(", ")
}

/// The market in plain words: "14 reps in 2 teams, ~180 accounts per rep seen, …".
fn headline(m: &Moments) -> String {
    let count = |name| {
        m.get(name)
            .filter(|x| x.identified)
            .map(|x| shown(x.value, x.unit))
    };
    let mut parts = Vec::new();
    let reps = count(names::REPS).unwrap_or_default();
    parts.push(match count(names::TEAMS) {
        Some(t) => format!("{reps} reps in {t} teams"),
        None => format!("{reps} reps"),
    });
    if let Some(a) = with_ci(m, names::ACCOUNTS_PER_REP) {
        parts.push(format!(
            "~{a} accounts per rep seen (a lower bound of book size: a CRM export shows only \
             the accounts that had an opportunity)"
        ));
    }
    if let Some(o) = with_ci(m, names::OPPORTUNITIES_PER_REP_QUARTER) {
        parts.push(format!("{o} opportunities per rep per quarter"));
    }
    if let Some(w) = with_ci(m, names::WIN_RATE) {
        parts.push(format!("win rate {w}"));
    }
    if let Some(nd) = with_ci(m, names::NO_DECISION_SHARE) {
        parts.push(format!("no decision {nd} of closed"));
    }
    if let Some(c) = with_ci(m, names::CYCLE_DAYS_WON[1]) {
        parts.push(format!("median won cycle {c} days"));
    }
    if let Some(d) = with_ci(m, names::DEAL_SIZE_MEDIAN) {
        parts.push(format!("median won deal {d}"));
    }
    if let Some(h) = with_ci(m, names::BOOKINGS_SHARE_WEEKS_12_13) {
        parts.push(format!(
            "{h} of won bookings in the quarter's last 2 weeks (an even spread: 15%)"
        ));
    }
    if let Some(d) = with_ci(m, names::DISCOUNT_MEAN) {
        parts.push(format!("mean discount {d}"));
    }
    if let Some(r) = with_ci(m, names::REPEAT_ACCOUNT_SHARE) {
        parts.push(format!("{r} of winning accounts bought again"));
    }
    format!("In short: {}.", parts.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_of_weeks_are_written_once() {
        let names: Vec<String> = [
            "teams",
            "discount_week_01",
            "discount_week_02",
            "discount_week_03",
            "discount_week_07",
            "discount_week_10",
            "discount_week_11",
            "discount_mean",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            runs_of_weeks(&names),
            "teams, discount_week_01–03, 07, 10–11, discount_mean"
        );
    }

    #[test]
    fn values_are_shown_in_their_units() {
        assert_eq!(shown(0.231, Unit::Share), "23.1%");
        assert_eq!(shown(12_300.4, Unit::Dollars), "$12,300");
        assert_eq!(shown(14.0, Unit::Count), "14");
        assert_eq!(shown(180.25, Unit::Count), "180.2");
        assert_eq!(shown(45.5, Unit::Days), "45.5");
        assert_eq!(shown(9.4212, Unit::LogDollars), "9.42");
        assert_eq!(shown(f64::NAN, Unit::Share), "—");
    }
}

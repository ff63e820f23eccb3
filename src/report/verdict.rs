//! The verdict's numbers, computed once for every place the report states them: the phases of
//! bookings (steady state, switch, payback) from `quarters.csv` as `phases.csv` computes them,
//! and the horizon total with its paired log ratio from `runs.csv`, as the terminal summary and
//! `lesson.md` compute them ([`crate::experiment::stats::paired_log_ratio`]). The verdict
//! section, its numbers on the first screen, the headline sentences and the "you are here" chart
//! all read them from here, so one quantity never shows two intervals.

use std::collections::BTreeMap;

use super::input::OutputFolder;
use crate::experiment::phases::{percent, Phases};
use crate::experiment::stats::{paired_log_ratio, Paired, Summary};
use crate::output::summary::Stated;

/// One variant's verdict against the reference at the focus point.
#[derive(Debug, Clone)]
pub(crate) struct Verdict {
    /// The variant.
    pub variant: String,
    /// The phases of bookings, and the quarters they span (`None` without paired quarters).
    pub phases: Option<(Phases, u32)>,
    /// The horizon total of bookings: the paired difference ($k, `comparison.csv`) and its
    /// paired log ratio (`runs.csv`).
    pub total: Option<(Paired, Summary)>,
}

impl Verdict {
    /// The horizon total as every surface states it.
    pub fn total_stated(&self) -> Option<Stated> {
        self.total.map(|(d, ratio)| Stated::of(&d.diff, &ratio))
    }

    /// The steady state's relative difference per quarter, in percent (mean, low, high), when
    /// every replication has one.
    pub fn steady_percent(&self) -> Option<(f64, f64, f64)> {
        let (p, _) = self.phases.as_ref()?;
        let r = &p.steady_log_ratio;
        (r.n >= 2).then(|| (percent(r.mean), percent(r.ci_low), percent(r.ci_high)))
    }
}

/// The lesson's own run for the "you are here" chart: the first variant's steady state and
/// horizon total, relative, when both have a ratio in every replication.
pub(crate) fn own_run(verdicts: &[Verdict]) -> Option<super::you_are_here::OwnRun> {
    let v = verdicts.first()?;
    let (mean, low, high) = v.steady_percent()?;
    let total = v.total_stated().filter(|t| t.relative)?;
    Some(super::you_are_here::OwnRun {
        variant: v.variant.clone(),
        steady: super::stats::Band { mean, low, high },
        total: super::stats::Band {
            mean: total.mean,
            low: total.low,
            high: total.high,
        },
        replications: total.n as u32,
    })
}

/// Every non-reference variant's verdict at the focus point, in the report's variant order.
pub(crate) fn verdicts(folder: &OutputFolder) -> Vec<Verdict> {
    let point = folder.focus_point();
    let reference = folder.manifest.reference().to_string();
    let settle = folder.manifest.scenario.settle_quarters;
    folder
        .variants()
        .into_iter()
        .filter(|v| *v != reference)
        .map(|variant| {
            let phases = phases_of(folder, point, &reference, &variant, settle);
            let total = folder.comparison_for(point, &variant, "bookings").map(|c| {
                let d = Paired {
                    diff: Summary {
                        mean: c.mean_diff,
                        sd: f64::NAN,
                        ci_low: c.ci_low,
                        ci_high: c.ci_high,
                        n: replications(folder, point, &reference, &variant),
                    },
                    share_better: c.share_better,
                };
                let ratio = log_ratio(folder, point, &reference, &variant, "bookings");
                (d, ratio)
            });
            Verdict {
                variant,
                phases,
                total,
            }
        })
        .collect()
}

/// Replications in which both variants ran at `point`.
fn replications(folder: &OutputFolder, point: u32, reference: &str, variant: &str) -> usize {
    let reps = |name: &str| -> std::collections::BTreeSet<u32> {
        folder
            .runs
            .iter()
            .filter(|r| r.key.point == point && r.key.variant == name)
            .map(|r| r.key.replication)
            .collect()
    };
    reps(reference).intersection(&reps(variant)).count()
}

/// The paired log ratio of `metric`, `variant` against `reference`, over the replications of
/// `runs.csv` at `point` ([`paired_log_ratio`]; empty when a replication is missing on one side
/// or has a zero).
pub(crate) fn log_ratio(
    folder: &OutputFolder,
    point: u32,
    reference: &str,
    variant: &str,
    metric: &str,
) -> Summary {
    let of = |name: &str| -> BTreeMap<u32, f64> {
        folder
            .runs
            .iter()
            .filter(|x| x.key.point == point && x.key.variant == name)
            .map(|x| (x.key.replication, x.get(metric)))
            .collect()
    };
    let (base, other) = (of(reference), of(variant));
    let (mut v, mut r) = (Vec::new(), Vec::new());
    for (rep, b) in &base {
        let Some(x) = other.get(rep) else {
            return paired_log_ratio(&[], &[]);
        };
        v.push(*x);
        r.push(*b);
    }
    paired_log_ratio(&v, &r)
}

/// The bookings phases of one variant against the reference at a point, from `quarters.csv`,
/// and the point's horizon; `None` without paired quarters.
pub(crate) fn phases_of(
    folder: &OutputFolder,
    point: u32,
    reference: &str,
    variant: &str,
    settle: u32,
) -> Option<(Phases, u32)> {
    let of = |name: &str| -> BTreeMap<u32, Vec<f64>> {
        let mut by_rep: BTreeMap<u32, Vec<(u32, f64)>> = BTreeMap::new();
        for q in folder
            .quarters
            .iter()
            .filter(|q| q.key.point == point && q.key.variant == name)
        {
            by_rep
                .entry(q.key.replication)
                .or_default()
                .push((q.quarter, q.get("bookings")));
        }
        by_rep
            .into_iter()
            .map(|(r, mut qs)| {
                qs.sort_by_key(|(q, _)| *q);
                (r, qs.into_iter().map(|(_, b)| b).collect())
            })
            .collect()
    };
    let (base, other) = (of(reference), of(variant));
    let (mut v, mut r) = (Vec::new(), Vec::new());
    for (rep, b) in base {
        if let Some(x) = other.get(&rep) {
            v.push(x.clone());
            r.push(b);
        }
    }
    let quarters = r.iter().map(Vec::len).min()? as u32;
    (r.len() >= 2).then(|| {
        (
            crate::experiment::phases::phases(&v, &r, settle, Some(true)),
            quarters,
        )
    })
}

//! The files of a sensitivity study (`salesim sensitivity`), as pure functions from a finished
//! [`Study`] to bytes, and its terminal summary:
//!
//! - `sensitivity.csv`: one row per output × knob, the Morris measures with their intervals,
//!   whose knob it is (`kind`: `buyers` or `ours`) and whether it is within noise (then it has no
//!   `rank`);
//! - `swings.csv`: the one-at-a-time runs behind the tornado chart;
//! - `flip_points.csv`: where the answer flips for the top unobservable knobs, with the flip
//!   value's bootstrap CI, or "not found at this precision";
//! - `manifest.json`: the scenario as studied, the seeds, the design and the command that
//!   reproduces it.

use crate::output::summary::{signed, signed_percent};
use crate::output::{csv_text, manifest_common, num, object, ManifestCommon};
use crate::sensitivity::{knob_count, Difference, Effects, Flip, FlipOutcome, Kind, Output, Study};

/// The study's files, in the order they are put in place (the manifest last).
pub const FILES: [&str; 4] = [
    "sensitivity.csv",
    "swings.csv",
    "flip_points.csv",
    "manifest.json",
];

/// Columns of `sensitivity.csv`.
pub const COLUMNS: [&str; 21] = [
    "output",
    "variant",
    "reference",
    "parameter",
    "low",
    "high",
    "value",
    "observable_from_crm",
    "mu_star",
    "mu_star_ci_low",
    "mu_star_ci_high",
    "mu",
    "mu_ci_low",
    "mu_ci_high",
    "sigma",
    "sigma_ci_low",
    "sigma_ci_high",
    "noise_floor",
    "rank",
    "kind",
    "within_noise",
];

/// Columns of `swings.csv`.
pub const SWING_COLUMNS: [&str; 15] = [
    "variant",
    "reference",
    "parameter",
    "low",
    "high",
    "value",
    "observable_from_crm",
    "replications",
    "difference_at_low",
    "difference_at_low_ci_low",
    "difference_at_low_ci_high",
    "difference_at_high",
    "difference_at_high_ci_low",
    "difference_at_high_ci_high",
    "kind",
];

/// Columns of `flip_points.csv`.
pub const FLIP_COLUMNS: [&str; 20] = [
    "variant",
    "reference",
    "parameter",
    "low",
    "high",
    "flips",
    "flip_value",
    "difference_at_low",
    "difference_at_high",
    "value",
    "difference_at_value",
    "replications",
    "kind",
    "outcome",
    "flip_ci_low",
    "flip_ci_high",
    "difference_at_low_ci_low",
    "difference_at_low_ci_high",
    "difference_at_high_ci_low",
    "difference_at_high_ci_high",
];

/// Writes rows to CSV text.
fn table(columns: &[&str], rows: Vec<Vec<String>>) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(columns).expect("writes to memory");
    for row in rows {
        w.write_record(row).expect("writes to memory");
    }
    w.into_inner().expect("writes to memory")
}

/// A variant's name as a CSV cell.
fn variant_cell(study: &Study, v: usize) -> String {
    csv_text(&study.config.variants[v].name).into_owned()
}

/// `sensitivity.csv`: per output (each comparison's difference, then each variant's bookings),
/// every knob by rank.
pub fn csv(study: &Study) -> Vec<u8> {
    let reference = variant_cell(study, study.config.reference);
    let mut rows = Vec::new();
    for e in &study.effects {
        let (variant, reference) = match e.output {
            Output::Difference { variant } => (variant_cell(study, variant), reference.clone()),
            Output::Bookings { variant } => (variant_cell(study, variant), String::new()),
        };
        for k in e.ranked() {
            let knob = &study.knobs[k];
            let m = &e.knobs[k].measures;
            rows.push(vec![
                e.output.name().to_string(),
                variant.clone(),
                reference.clone(),
                knob.path.clone(),
                num(knob.low),
                num(knob.high),
                num(knob.value),
                knob.observable().to_string(),
                num(m.mu_star.value),
                num(m.mu_star.ci_low),
                num(m.mu_star.ci_high),
                num(m.mu.value),
                num(m.mu.ci_low),
                num(m.mu.ci_high),
                num(m.sigma.value),
                num(m.sigma.ci_low),
                num(m.sigma.ci_high),
                num(e.knobs[k].noise_floor),
                e.knobs[k]
                    .finding_rank()
                    .map_or(String::new(), |r| r.to_string()),
                knob.kind().name().to_string(),
                e.knobs[k].within_noise.to_string(),
            ]);
        }
    }
    table(&COLUMNS, rows)
}

/// The three numbers of a difference, NaN when there is none.
fn difference_cells(d: Option<Difference>) -> [String; 3] {
    match d {
        Some(d) => [num(d.pct), num(d.ci_low), num(d.ci_high)],
        None => [num(f64::NAN), num(f64::NAN), num(f64::NAN)],
    }
}

/// `swings.csv`: per comparison, every knob run one at a time, in the order of the tornado.
pub fn swings_csv(study: &Study) -> Vec<u8> {
    let reference = variant_cell(study, study.config.reference);
    let mut rows = Vec::new();
    for v in study.compared() {
        for s in &study.swings {
            let knob = &study.knobs[s.knob];
            let mut row = vec![
                variant_cell(study, v),
                reference.clone(),
                knob.path.clone(),
                num(knob.low),
                num(knob.high),
                num(knob.value),
                knob.observable().to_string(),
                study.design.flip_replications.to_string(),
            ];
            row.extend(difference_cells(s.at_low[v]));
            row.extend(difference_cells(s.at_high[v]));
            row.push(knob.kind().name().to_string());
            rows.push(row);
        }
    }
    table(&SWING_COLUMNS, rows)
}

/// `flip_points.csv`: per comparison, its top unobservable knobs and where the answer flips.
pub fn flips_csv(study: &Study) -> Vec<u8> {
    let reference = variant_cell(study, study.config.reference);
    let rows = study
        .flips
        .iter()
        .map(|f| {
            let knob = &study.knobs[f.knob];
            vec![
                variant_cell(study, f.variant),
                reference.clone(),
                knob.path.clone(),
                num(knob.low),
                num(knob.high),
                f.flip_value.is_some().to_string(),
                f.flip_value.map_or(String::new(), num),
                num(f.at_low),
                num(f.at_high),
                num(knob.value),
                num(study.at_scenario[f.variant].map_or(f64::NAN, |d| d.pct)),
                study.design.flip_replications.to_string(),
                knob.kind().name().to_string(),
                f.outcome.name().to_string(),
                f.flip_ci.map_or(String::new(), |c| num(c.0)),
                f.flip_ci.map_or(String::new(), |c| num(c.1)),
                num(f.at_low_ci.0),
                num(f.at_low_ci.1),
                num(f.at_high_ci.0),
                num(f.at_high_ci.1),
            ]
        })
        .collect();
    table(&FLIP_COLUMNS, rows)
}

/// `manifest.json`: the resolved scenario (as studied), the seeds, the design, every knob with
/// its range, the competitors held at the scenario's values, and how to reproduce.
pub fn manifest(study: &Study, common: &ManifestCommon) -> serde_json::Value {
    let cfg = &study.config;
    let d = &study.design;
    let knobs: Vec<serde_json::Value> = study
        .knobs
        .iter()
        .map(|k| {
            serde_json::json!({
                "parameter": k.path,
                "low": k.low,
                "high": k.high,
                "value": k.value,
                "whole": k.whole,
                "observable_from_crm": k.observable(),
                "kind": k.kind().name(),
            })
        })
        .collect();
    let held: Vec<serde_json::Value> = study
        .held
        .iter()
        .map(
            |h| serde_json::json!({"strategy": h.strategy, "held_as": h.held_as, "teams": h.teams}),
        )
        .collect();
    let mut manifest = manifest_common(cfg, common);
    let design = serde_json::json!({
        "study": "sensitivity",
        "complete": true,
        "design": {
            "method": "Morris elementary effects (Morris 1991), trajectory design; mu_star after Campolongo et al. 2007; common random numbers",
            "trajectories": d.trajectories,
            "levels": d.levels,
            "delta": d.delta,
            "replications": d.replications,
            "points": d.points,
            "knobs": study.knobs.len(),
            "bootstrap_resamples": d.bootstrap,
            "one_at_a_time_replications": d.flip_replications,
            "flip_knobs": d.flip_knobs,
            "bisection_steps": d.bisection_steps,
        },
        "replication_seeds": study.replication_seeds(),
        "knobs": knobs,
        "competitors_held": held,
        "files": FILES,
    });
    manifest.extend(object(design));
    serde_json::Value::Object(manifest)
}

/// "across its range (10 to 160)": a knob's range in words, with its unit where it has one.
fn range_words(study: &Study, k: usize) -> String {
    let knob = &study.knobs[k];
    format!("{} to {}", short(knob.low), short(knob.high))
}

/// A number as people read it: up to three significant decimals, no trailing zeros.
pub fn short(x: f64) -> String {
    let s = if x.abs() >= 100.0 {
        format!("{x:.0}")
    } else if x.abs() >= 1.0 {
        format!("{x:.2}")
    } else {
        format!("{x:.3}")
    };
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    s.replacen('-', "−", 1)
}

/// The comparison's words: "aligned − aggressive".
pub fn comparison(study: &Study, variant: usize) -> String {
    format!(
        "{} − {}",
        study.config.variants[variant].name, study.config.variants[study.config.reference].name
    )
}

/// One knob's line of the terminal summary: its rank among the findings (a dash for a knob
/// within noise, which has none), path, μ* with its interval, the noise floor, μ, whether an
/// export reveals it, and "within noise" when it is.
fn knob_line(study: &Study, e: &Effects, k: usize) -> String {
    let m = &e.knobs[k];
    let s = &m.measures;
    let place = match m.finding_rank() {
        Some(r) => format!("{r:>2}."),
        None => " – ".to_string(),
    };
    format!(
        "  {place} {:<44} μ* {:>5} ({} to {}; noise {})  μ {:>6}  {}{}",
        study.knobs[k].path,
        short(s.mu_star.value),
        short(s.mu_star.ci_low),
        short(s.mu_star.ci_high),
        short(m.noise_floor),
        signed(s.mu.value, 1),
        if study.knobs[k].observable() {
            "observable"
        } else {
            "not observable"
        },
        if m.within_noise { ", within noise" } else { "" }
    )
}

/// "+8.0% (95% CI +3.1% to +12.9%)".
fn with_ci(pct: f64, ci: (f64, f64)) -> String {
    format!(
        "{} (95% CI {} to {})",
        signed_percent(pct),
        signed_percent(ci.0),
        signed_percent(ci.1)
    )
}

/// A flip point as a leader reads it: "aligned stops winning when `customers.trust_weight`
/// exceeds 4.2 (95% CI 3.8 to 4.9; the scenario has 3; aligned +8.0% at 1.5, −3.0% at 6)";
/// without a flip, "aligned wins across its whole range, 1.5 to 6 (…)"; and when an end's paired
/// CI includes zero, "whether the answer flips is not found at this precision (…)". The winner
/// named is the one ahead at the scenario's own value (else at the low end).
pub fn flip_sentence(study: &Study, f: &Flip) -> String {
    let knob = &study.knobs[f.knob];
    let cfg = &study.config;
    let (variant, reference) = (
        &cfg.variants[f.variant].name,
        &cfg.variants[cfg.reference].name,
    );
    let ends = format!(
        "{variant} {} at {}, {} at {}",
        signed_percent(f.at_low),
        short(knob.low),
        signed_percent(f.at_high),
        short(knob.high)
    );
    if !(f.at_low.is_finite() && f.at_high.is_finite()) {
        return format!(
            "`{}`: no paired difference at an end of its range ({ends})",
            knob.path
        );
    }
    let here = study.at_scenario[f.variant]
        .map(|d| d.pct)
        .filter(|d| d.is_finite() && *d != 0.0)
        .unwrap_or(f.at_low);
    let winner = |ahead: bool| if ahead { variant } else { reference };
    match (f.outcome, f.flip_value) {
        (FlipOutcome::Flips, Some(v)) => {
            let ahead = here > 0.0;
            // The winner at the scenario's value wins on the side of the flip where its sign is.
            let wins_below = (f.at_low > 0.0) == ahead;
            let ci = match f.flip_ci {
                Some((lo, hi)) => format!("95% CI {} to {}; ", short(lo), short(hi)),
                None => String::new(),
            };
            format!(
                "{} stops winning when `{}` {} {} ({ci}the scenario has {}; {ends})",
                winner(ahead),
                knob.path,
                if wins_below { "exceeds" } else { "falls below" },
                short(v),
                short(knob.value)
            )
        }
        (FlipOutcome::NoFlip, _) => format!(
            "{} wins across the whole range of `{}`, {} ({ends})",
            winner(f.at_low > 0.0),
            knob.path,
            range_words(study, f.knob)
        ),
        _ => format!(
            "`{}`: whether the answer flips is not found at this precision ({variant} {} at {}, \
             {} at {}: a paired CI includes zero; more --flip-replications would tell)",
            knob.path,
            with_ci(f.at_low, f.at_low_ci),
            short(knob.low),
            with_ci(f.at_high, f.at_high_ci),
            short(knob.high)
        ),
    }
}

/// What a study found, for a terminal: per comparison, the answer at the scenario's values; its
/// `shown` most influential knobs outside the noise, in two lists (the buyers' behaviour to
/// check, our own strategy choices to decide); the knobs within noise that μ* alone would have
/// put among them, flagged and unranked; and where the answer flips for the top knobs a CRM
/// export cannot reveal, in the same two lists. What `salesim calibrate` prints after its own
/// small study.
pub fn findings(study: &Study, shown: usize) -> String {
    let cfg = &study.config;
    let mut s = String::new();
    for v in study.compared() {
        let Some(e) = study.effects_of(Output::Difference { variant: v }) else {
            continue;
        };
        if let Some(at) = study.at_scenario[v] {
            s.push_str(&format!(
                "\n{}: {} at the scenario's values (95% CI {} to {}, {} replications).\n",
                comparison(study, v),
                signed_percent(at.pct),
                signed_percent(at.ci_low),
                signed_percent(at.ci_high),
                study.design.flip_replications
            ));
        }
        s.push_str(&format!(
            "Knobs that move it most (μ*: mean change across the knob's range, in log points: 100 × ln(variant ÷ {}), ≈ %; ranked among the knobs above their noise floor):\n",
            cfg.variants[cfg.reference].name
        ));
        let top: Vec<usize> = e
            .ranked()
            .into_iter()
            .filter(|&k| !e.knobs[k].within_noise)
            .take(shown)
            .collect();
        if top.is_empty() {
            s.push_str(
                "  None moves it beyond its noise floor at this precision (more --replications would tell).\n",
            );
        }
        for kind in Kind::ALL {
            let listed: Vec<usize> = top
                .iter()
                .copied()
                .filter(|&k| study.knobs[k].kind() == kind)
                .collect();
            if listed.is_empty() {
                continue;
            }
            s.push_str(&format!(" {}:\n", kind.heading()));
            for k in listed {
                s.push_str(&knob_line(study, e, k));
                s.push('\n');
            }
        }
        // Knobs within noise that μ* alone would have put among the top: flagged, unranked.
        let flagged: Vec<usize> = e.flagged_within_noise(shown);
        let within = e.knobs.iter().filter(|m| m.within_noise).count();
        if within > 0 {
            s.push_str(&format!(
                " Within their noise floor, not ranked: {} in all (not told from no effect at {} replications; more --replications would tell){}\n",
                knob_count(within),
                study.design.replications,
                if flagged.is_empty() { "." } else { ":" }
            ));
            for k in flagged {
                s.push_str(&knob_line(study, e, k));
                s.push('\n');
            }
        }
        let flips: Vec<&Flip> = study.flips.iter().filter(|f| f.variant == v).collect();
        if !flips.is_empty() {
            s.push_str(
                "Where the answer flips, for the top knobs a CRM export cannot reveal (a flip only where the paired 95% CIs at both ends exclude zero, with opposite signs):\n",
            );
            for kind in Kind::ALL {
                let listed: Vec<&&Flip> = flips
                    .iter()
                    .filter(|f| study.knobs[f.knob].kind() == kind)
                    .collect();
                if listed.is_empty() {
                    continue;
                }
                s.push_str(&format!(" {}:\n", kind.heading()));
                for f in listed {
                    s.push_str(&format!("  {}.\n", flip_sentence(study, f)));
                }
            }
        }
    }
    s
}

/// The terminal summary: the answer at the scenario's values, the top knobs of each comparison
/// with their measures, and the flip points.
pub fn summary(study: &Study, out: &std::path::Path) -> String {
    let d = &study.design;
    let mut s = format!(
        "salesim sensitivity: {} — which assumptions decide the answer?\n{}, Morris design of {} trajectories ({} points × {} replications), {} runs in all.\n",
        study.config.name,
        knob_count(study.knobs.len()),
        d.trajectories,
        d.points,
        d.replications,
        study.throughput.runs
    );
    s.push_str(&findings(study, 10));
    s.push_str(&format!(
        "\nWrote {}: sensitivity.csv, swings.csv, flip_points.csv, manifest.json, charts/, report.html\n",
        out.display()
    ));
    s
}

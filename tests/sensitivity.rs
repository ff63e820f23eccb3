//! `salesim sensitivity` and the library's [`salesim::sensitivity::study`] on a tiny market:
//! a knob known to move an output ranks above one that cannot, a knob the scenario never uses has
//! no effect at all, knobs within their noise floor are flagged and never ranked, a flip is
//! never claimed on noise, our own strategy choices never land in the buyers' list, the files'
//! columns, the same bytes for the same seed whatever the thread count, and bad input refused
//! with exit 2 naming the argument.

mod support;

use salesim::scenario::ScenarioSource;
use salesim::scenario::{build, Override};
use salesim::sensitivity::{
    study, study_scenario, FlipOutcome, Kind, Output, RangeOverride, SensitivityBudget, Study,
};
use std::path::Path;
use std::sync::OnceLock;
use support::{salesim, stderr};

/// A market small and short enough for tests: two reps of ours, one rival, no enterprise
/// accounts (so the enterprise segment's knobs cannot matter), two quarters after a warm-up
/// quarter.
const TINY: &str = r#"
name = "tiny"
question = "Does it flip?"
horizon_quarters = 2
warm_up_quarters = 1
replications = 2
seed = 7
reference = "aggressive"

[market]
customers = 300
peers = 4
[market.segment_mix]
smb = 0.4
mid_market = 0.6
enterprise = 0.0

[[vendors]]
name = "us"
  [[vendors.teams]]
  name = "west"
  reps = 1
  [[vendors.teams]]
  name = "east"
  reps = 1

[[vendors]]
name = "rival"
strategy = "aggressive"
  [[vendors.teams]]
  name = "field"
  reps = 1
"#;

/// The options of the tiny study: few trajectories and replications. Eight trajectories, not
/// four: with four, adding three knobs (issue 27's nurture) reshuffled the design enough that a
/// knob whose µ* CI overlaps deal value's ranked above it.
fn tiny_options() -> SensitivityBudget {
    SensitivityBudget {
        trajectories: 8,
        replications: 2,
        flip_replications: 2,
        bisection_steps: 2,
        bootstrap: 200,
        ..SensitivityBudget::default()
    }
}

/// The tiny study, run once for the library tests.
fn tiny_study() -> &'static Study {
    static STUDY: OnceLock<Study> = OnceLock::new();
    STUDY.get_or_init(|| {
        let source = ScenarioSource::parse("tiny.toml", TINY).expect("the tiny scenario parses");
        study_scenario(&source, &[], &tiny_options()).expect("the tiny study runs")
    })
}

fn knob(study: &Study, path: &str) -> usize {
    study
        .knobs
        .iter()
        .position(|k| k.path == path)
        .unwrap_or_else(|| panic!("{path} is not a knob of the study"))
}

/// The tiny study with the caller's own ranges.
fn tiny_study_with(ranges: &[(&str, f64, f64)]) -> Study {
    let source = ScenarioSource::parse("tiny.toml", TINY).expect("the tiny scenario parses");
    let budget = SensitivityBudget {
        ranges: ranges
            .iter()
            .map(|&(path, low, high)| RangeOverride {
                path: path.to_string(),
                low,
                high,
                origin: format!("--range {path}={low}..{high}"),
            })
            .collect(),
        ..tiny_options()
    };
    study_scenario(&source, &[], &budget).expect("the tiny study runs")
}

#[test]
fn a_knob_the_scenario_never_uses_has_no_effect_at_all() {
    let s = tiny_study();
    let bookings = s
        .effects_of(Output::Bookings { variant: 0 })
        .expect("bookings of the reference");
    // No enterprise accounts: the enterprise cycle never enters a run, so every run with it
    // moved is the same run (common random numbers), and each of its effects is exactly zero.
    let unused = &bookings.knobs[knob(s, "market.segments.enterprise.cycle_days")];
    let m = &unused.measures;
    assert_eq!(
        (m.mu_star.value, m.mu_star.ci_low, m.mu_star.ci_high),
        (0.0, 0.0, 0.0),
        "{unused:?}"
    );
    assert!(m.mu.ci_low <= 0.0 && m.mu.ci_high >= 0.0);
    assert!(bookings.knobs[bookings.ranked()[0]].measures.mu_star.value > 0.0);
}

#[test]
fn the_ranking_follows_the_ranges_it_is_given() {
    let default = tiny_study();
    let (book, value) = ("market.customers", "market.value_median_k");
    let rank = |s: &Study, path: &str| {
        s.effects_of(Output::Bookings { variant: 0 }).unwrap().knobs[knob(s, path)]
    };
    // Over their plausible ranges, book size (200 to 1,600 accounts) and deal value (10 to 160
    // $k) move bookings most (in either order).
    let mut top = [rank(default, book).rank, rank(default, value).rank];
    top.sort_unstable();
    assert_eq!(top, [1, 2]);
    // Book size held to a sliver (590 to 610 accounts) falls to the noise, and deal value is on
    // top.
    let narrow = tiny_study_with(&[(book, 590.0, 610.0)]);
    let b = rank(&narrow, book);
    // It leaves the top two it holds over its plausible range (where among the noise knobs it
    // lands is the noise's draw: 11th or below on the engine before issue 28, 9th after).
    assert!(b.rank > 2, "{b:?}");
    // Its μ* cannot be told from the noise floor: a change of book size re-draws the market, so
    // even a sliver moves bookings by the noise of another world (its CI reaches below the
    // floor), not by a book-size effect.
    assert!(b.measures.mu_star.ci_low < b.noise_floor, "{b:?}");
    assert_eq!(rank(&narrow, value).rank, 1);
    // Deal value only scales bookings (money is a tested invariant), so over a range 30 times
    // as wide, on the same design and seeds, its effect is exactly 30 times as large.
    let wide = tiny_study_with(&[(value, 10.0, 4510.0)]);
    let k = knob(&wide, value);
    assert_eq!((wide.knobs[k].low, wide.knobs[k].high), (10.0, 4510.0));
    let (before, after) = (rank(default, value), rank(&wide, value));
    let ratio = after.measures.mu_star.value / before.measures.mu_star.value;
    assert!((ratio - 30.0).abs() < 1e-6, "μ* grew {ratio}×, not 30×");
    assert!(
        after.measures.mu.ci_low > 0.0,
        "more value books more: {after:?}"
    );
}

#[test]
fn a_zero_width_range_holds_a_knob_that_matters() {
    // Trust weight moves bookings in the tiny market; held at one value, the runs on either side
    // of its steps are the same runs, so its effect is exactly zero for every output, while the
    // other knobs are still measured.
    let default = tiny_study();
    let path = "customers.trust_weight";
    let moving = &default
        .effects_of(Output::Bookings { variant: 0 })
        .unwrap()
        .knobs[knob(default, path)];
    assert!(
        moving.measures.mu_star.value > moving.noise_floor,
        "{moving:?}"
    );
    let held = tiny_study_with(&[(path, 3.0, 3.0)]);
    let k = knob(&held, path);
    assert_eq!((held.knobs[k].low, held.knobs[k].high), (3.0, 3.0));
    for e in &held.effects {
        let m = &e.knobs[k].measures;
        assert_eq!(
            (
                m.mu_star.value,
                m.mu_star.ci_low,
                m.mu_star.ci_high,
                m.sigma.value
            ),
            (0.0, 0.0, 0.0, 0.0),
            "{:?}: {m:?}",
            e.output
        );
        assert!(e.knobs[e.ranked()[0]].measures.mu_star.value > 0.0);
    }
}

#[test]
fn money_cannot_move_the_paired_difference() {
    // Scaling every money value scales bookings and nothing else (a tested invariant), so the
    // paired difference (a log ratio) does not move with deal value, while the
    // knobs that change behaviour do.
    let s = tiny_study();
    let difference = s
        .effects_of(Output::Difference { variant: 1 })
        .expect("aligned − aggressive");
    let value = &difference.knobs[knob(s, "market.value_median_k")];
    assert!(value.measures.mu_star.value < 0.01, "{value:?}");
    let top = &difference.knobs[difference.ranked()[0]];
    assert!(top.measures.mu_star.value > 100.0 * value.measures.mu_star.value);
    assert!(value.rank > difference.knobs.len() / 2, "{value:?}");
}

#[test]
fn compared_strategies_move_our_teams_only() {
    let s = tiny_study();
    // The rival sells the aggressive preset: it keeps a copy of the scenario's values.
    assert_eq!(s.held.len(), 1);
    assert_eq!(s.held[0].strategy, "aggressive");
    assert_eq!(s.held[0].teams, ["vendors.1.teams.0"]);
    for strategy in ["aggressive", "aligned"] {
        knob(s, &format!("strategies.{strategy}.discount_max"));
    }
    // The aligned preset's discount is 0: its range starts at the knob's floor.
    let aligned = &s.knobs[knob(s, "strategies.aligned.discount_max")];
    assert_eq!((aligned.low, aligned.high), (0.0, 0.1));
    // Book size in accounts per rep of ours (two reps): 100 to 800 per rep.
    let book = &s.knobs[knob(s, "market.customers")];
    assert_eq!((book.low, book.high, book.whole), (200.0, 1600.0, true));
}

#[test]
fn flip_points_are_for_the_top_unobservable_knobs_and_those_that_cross() {
    let s = tiny_study();
    let difference = s.effects_of(Output::Difference { variant: 1 }).unwrap();
    let top: Vec<usize> = difference
        .ranked()
        .into_iter()
        .filter(|&k| !s.knobs[k].observable() && !difference.knobs[k].within_noise)
        .take(3)
        .collect();
    let got: Vec<usize> = s.flips.iter().map(|f| f.knob).collect();
    assert_eq!(got[..top.len()], top[..]);
    // Then every other unobservable knob of the chart whose ends differ in sign.
    for swing in &s.swings {
        let (lo, hi) = (swing.at_low[1].unwrap().pct, swing.at_high[1].unwrap().pct);
        let expected = !s.knobs[swing.knob].observable() && lo * hi <= 0.0;
        if !top.contains(&swing.knob) {
            assert_eq!(got.contains(&swing.knob), expected, "{swing:?}");
        }
    }
    for f in &s.flips {
        let k = &s.knobs[f.knob];
        assert!(!k.observable());
        match f.flip_value {
            // A flip lies inside the range, with its CI, and only where the ends differ in sign.
            Some(v) => {
                assert!(k.low <= v && v <= k.high, "{f:?}");
                assert!(f.at_low * f.at_high <= 0.0, "{f:?}");
                let (lo, hi) = f.flip_ci.expect("a flip has its CI");
                assert!(k.low <= lo && lo <= hi && hi <= k.high, "{f:?}");
            }
            None => assert!(f.flip_ci.is_none(), "{f:?}"),
        }
    }
}

/// The outcome the rule gives from a swing's two ends: a flip only where both paired CIs
/// exclude zero, with opposite signs.
fn expected_outcome(s: &Study, variant: usize, knob: usize) -> FlipOutcome {
    let swing = s.swings.iter().find(|w| w.knob == knob).expect("swung");
    let sign = |d: Option<salesim::sensitivity::Difference>| {
        d.and_then(|d| {
            if d.ci_low > 0.0 {
                Some(1)
            } else if d.ci_high < 0.0 {
                Some(-1)
            } else {
                None
            }
        })
    };
    match (sign(swing.at_low[variant]), sign(swing.at_high[variant])) {
        (Some(a), Some(b)) if a != b => FlipOutcome::Flips,
        (Some(_), Some(_)) => FlipOutcome::NoFlip,
        _ => FlipOutcome::NotFound,
    }
}

/// Asserts that no flip of a study is claimed on noise: a flip value only where the swing's
/// ends are clear and opposite, "not found at this precision" in words otherwise.
fn assert_no_flip_on_noise(s: &Study) {
    for f in &s.flips {
        let expected = expected_outcome(s, f.variant, f.knob);
        assert_eq!(f.outcome, expected, "{f:?}");
        assert_eq!(
            f.flip_value.is_some(),
            expected == FlipOutcome::Flips,
            "{f:?}"
        );
        let words = salesim::output::sensitivity::flip_sentence(s, f);
        if expected == FlipOutcome::NotFound && f.at_low.is_finite() && f.at_high.is_finite() {
            assert!(words.contains("not found at this precision"), "{words}");
            assert!(!words.contains("stops winning"), "{words}");
        }
    }
}

#[test]
fn a_flip_is_never_claimed_on_noise() {
    // The tiny study's one-at-a-time runs have two replications: wide CIs, so ends whose means
    // differ in sign are mostly noise, and none of them is claimed.
    let s = tiny_study();
    assert_no_flip_on_noise(s);
    // `busy` against `aggressive` along base effort 0.68 to 0.72: at 0.7 the two are the same
    // strategy. So close to it the paired differences are noise around zero (a step of effort
    // this small moves bookings less than one replication's luck), their means of either sign;
    // an old bisection would have claimed a flip wherever they differed in sign.
    let source = ScenarioSource::parse("busy.toml", &busy_scenario()).expect("parses");
    let path = "strategies.busy.effort_base";
    let budget = SensitivityBudget {
        trajectories: 2,
        replications: 2,
        flip_replications: 3,
        flip_knobs: 1,
        bisection_steps: 4,
        only: vec![path.to_string()],
        ranges: vec![RangeOverride::parse(&format!("{path}=0.68..0.72")).unwrap()],
        ..SensitivityBudget::default()
    };
    let roomy = Override::parse("market.customers=1200").unwrap();
    let near = study_scenario(&source, std::slice::from_ref(&roomy), &budget).expect("runs");
    assert_no_flip_on_noise(&near);
    // The one knob is looked at for its flip (this build: −0.6% at 0.68, +0.3% at 0.72, each CI
    // some fifteen points either side of zero), and none is claimed.
    let f = near.flips.first().expect("the knob's ends are looked at");
    assert_ne!(f.outcome, FlipOutcome::Flips, "{f:?}");
    assert_eq!(f.flip_value, None, "{f:?}");
    // Held at 0.7, every run is the reference's run: zero difference at both ends, no flip
    // (bisection would have called the end, a tie, a flip).
    let held = SensitivityBudget {
        ranges: vec![RangeOverride::parse(&format!("{path}=0.7..0.7")).unwrap()],
        ..budget
    };
    let tie = study_scenario(&source, &[roomy], &held).expect("runs");
    assert_no_flip_on_noise(&tie);
    assert!(
        tie.flips.iter().all(|f| f.flip_value.is_none()),
        "{:?}",
        tie.flips
    );
}

#[test]
fn knobs_within_their_noise_floor_are_flagged_and_never_ranked() {
    let s = tiny_study();
    let mut within_somewhere = 0;
    for e in &s.effects {
        let order = e.ranked();
        let findings = order.iter().filter(|&&k| !e.knobs[k].within_noise).count();
        for (place, &k) in order.iter().enumerate() {
            let m = &e.knobs[k];
            // A knob at or below its noise floor is never a finding (the issue's "noise floor
            // ranked second").
            let above = m.measures.mu_star.value.partial_cmp(&m.noise_floor);
            if above != Some(std::cmp::Ordering::Greater) {
                assert!(m.within_noise, "{:?} {}: {m:?}", e.output, s.knobs[k].path);
            }
            // The findings first, ranked 1, 2, …; the knobs within noise after them, unranked.
            assert_eq!(m.within_noise, place >= findings, "{:?}", e.output);
            assert_eq!(
                m.finding_rank(),
                (!m.within_noise).then_some(place + 1),
                "{m:?}"
            );
            within_somewhere += m.within_noise as usize;
        }
    }
    // The tiny study has knobs within noise to flag: the unused enterprise cycle at least.
    assert!(within_somewhere > 0);
    let bookings = s.effects_of(Output::Bookings { variant: 0 }).unwrap();
    let unused = &bookings.knobs[knob(s, "market.segments.enterprise.cycle_days")];
    assert!(
        unused.within_noise && unused.finding_rank().is_none(),
        "{unused:?}"
    );
    // Deal value (it scales bookings) and book size are findings for bookings.
    for path in ["market.value_median_k", "market.customers"] {
        assert!(!bookings.knobs[knob(s, path)].within_noise, "{path}");
    }
    // In words: no numbered line names a knob within noise; those shown are flagged.
    let difference = s.effects_of(Output::Difference { variant: 1 }).unwrap();
    let words = salesim::output::sensitivity::findings(s, 10);
    for line in words.lines() {
        let Some(k) = s
            .knobs
            .iter()
            .position(|k| line.split_whitespace().any(|w| w == k.path))
        else {
            continue;
        };
        if !line.contains("μ*") {
            continue;
        }
        let numbered = line.trim_start().starts_with(char::is_numeric);
        assert_eq!(numbered, !difference.knobs[k].within_noise, "{line}");
        assert_eq!(
            line.ends_with("within noise"),
            difference.knobs[k].within_noise,
            "{line}"
        );
    }
}

/// The sections of `findings`' text: each heading line of a list (one space in) and the lines
/// under it.
fn sections(words: &str) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for line in words.lines() {
        if line.starts_with(' ') && !line.starts_with("  ") {
            out.push((line.trim().to_string(), Vec::new()));
        } else if line.starts_with("  ") {
            if let Some(last) = out.last_mut() {
                last.1.push(line.to_string());
            }
        } else {
            out.push((line.to_string(), Vec::new()));
        }
    }
    out
}

#[test]
fn our_own_strategy_choices_never_land_in_the_buyers_list() {
    let s = tiny_study();
    for k in &s.knobs {
        let ours = k.path.starts_with("strategies.") || k.path.starts_with("reps.");
        assert_eq!(k.kind() == Kind::Ours, ours, "{}", k.path);
    }
    let words = salesim::output::sensitivity::findings(s, 12);
    let buyers = Kind::Buyers.heading();
    let ours = Kind::Ours.heading();
    let mut seen_ours = 0;
    for (heading, lines) in sections(&words) {
        for line in &lines {
            let strategy = line.contains("`strategies.")
                || line.contains(" strategies.")
                || line.contains("`reps.")
                || line.contains(" reps.");
            if heading.starts_with(buyers) {
                assert!(
                    !strategy,
                    "a choice of ours among the buyers': {line}\n{words}"
                );
            }
            if heading.starts_with(ours) {
                assert!(
                    strategy,
                    "a buyers' knob among our choices: {line}\n{words}"
                );
                seen_ours += 1;
            }
        }
    }
    // The tiny study's own choices matter: some are listed, in our list.
    assert!(seen_ours > 0, "{words}");
    // The files say whose each knob is.
    let csv = salesim::output::sensitivity::csv(s);
    let mut reader = csv::Reader::from_reader(&csv[..]);
    let headers = reader.headers().unwrap().clone();
    let (parameter, kind) = (
        headers.iter().position(|h| h == "parameter").unwrap(),
        headers.iter().position(|h| h == "kind").unwrap(),
    );
    for row in reader.records() {
        let row = row.unwrap();
        let expected =
            if row[parameter].starts_with("strategies.") || row[parameter].starts_with("reps.") {
                "ours"
            } else {
                "buyers"
            };
        assert_eq!(&row[kind], expected, "{row:?}");
    }
}

/// The tiny market with a third strategy, `busy`: the aggressive preset with less base effort.
fn busy_scenario() -> String {
    format!(
        "{TINY}
[strategies.busy]
base = \"aggressive\"
effort_base = 0.5

[[variants]]
name = \"aggressive\"
strategy = \"aggressive\"

[[variants]]
name = \"busy\"
strategy = \"busy\"
"
    )
}

#[test]
fn bisection_finds_the_flip_where_the_two_variants_become_the_same() {
    // `busy` differs from the reference only in its base effort: at the aggressive preset's 0.7
    // the two variants are the same strategy, their paired runs the same runs, and the difference
    // is exactly zero — a known sign change. Over 0.1 to 0.9 the bisection visits 0.5, then 0.7.
    // Forty replications on a roomier book: with four replications on 600 accounts a rep, the
    // high end's paired CI (+6.7%, −3.1% to +17.4%) included zero, and no flip may be claimed on
    // an end that is not clear; with sixteen, on the engine of issue 28, it was +4.9% (−1.0% to
    // +11.2%).
    let source = ScenarioSource::parse("busy.toml", &busy_scenario()).expect("parses");
    let path = "strategies.busy.effort_base";
    let budget = SensitivityBudget {
        trajectories: 2,
        replications: 2,
        flip_replications: 40,
        flip_knobs: 1,
        bisection_steps: 6,
        only: vec![path.to_string()],
        ranges: vec![RangeOverride::parse(&format!("{path}=0.1..0.9")).unwrap()],
        ..SensitivityBudget::default()
    };
    // A book of 1,200 accounts a rep (the tiny market's 150 is crowded: there, more calls annoy
    // more than they sell past about half of capacity, and the difference is not monotone; at
    // 600, more effort than the reference's gains too little to be clear).
    let roomy = Override::parse("market.customers=2400").unwrap();
    let s = study_scenario(&source, &[roomy], &budget).expect("the study runs");
    assert_eq!(s.knobs.len(), 1);
    assert_eq!(s.knobs[0].value, 0.5, "the scenario's own value");
    assert_eq!(s.flips.len(), 1);
    let f = &s.flips[0];
    assert!(f.at_low < 0.0 && f.at_high > 0.0, "{f:?}");
    assert_eq!(f.flip_value, Some(0.7), "{f:?}");
    // Both ends are clear and opposite, and at 0.7 every replication is a tie: the bootstrap
    // finds the flip there in every resample.
    assert_eq!(f.outcome, FlipOutcome::Flips, "{f:?}");
    assert!(f.at_low_ci.1 < 0.0 && f.at_high_ci.0 > 0.0, "{f:?}");
    let (lo, hi) = f.flip_ci.expect("a flip has its CI");
    assert!(lo <= 0.7 && 0.7 <= hi, "{f:?}");
    let words = salesim::output::sensitivity::flip_sentence(&s, f);
    assert!(words.contains("95% CI"), "{words}");
    assert!(
        words
            .starts_with("aggressive stops winning when `strategies.busy.effort_base` exceeds 0.7"),
        "{words}"
    );
}

#[test]
fn the_in_memory_entry_point_studies_the_config_as_resolved() {
    // What `salesim calibrate` calls on a fitted market: the same study as the scenario's text
    // with the same overrides.
    let source = ScenarioSource::parse("tiny.toml", TINY).unwrap();
    let set = Override::parse("market.customers=400").unwrap();
    let fitted = build(&source, std::slice::from_ref(&set)).unwrap();
    let budget = SensitivityBudget {
        trajectories: 2,
        only: vec![
            "market.peers".to_string(),
            "customers.price_weight".to_string(),
        ],
        ..tiny_options()
    };
    let in_memory = study(&fitted, &budget).expect("the study runs");
    let from_text = study_scenario(&source, &[set], &budget).expect("the study runs");
    assert_eq!(in_memory.config.market, from_text.config.market);
    assert_eq!(in_memory.knobs, from_text.knobs);
    assert_eq!(in_memory.effects, from_text.effects);
    assert_eq!(in_memory.flips, from_text.flips);
    assert_eq!(in_memory.knobs.len(), 2);
}

/// Runs the CLI study of the tiny scenario into `out` with rayon's threads set to `threads`
/// (`RAYON_NUM_THREADS`, the default when there is no `--threads`).
fn cli_study(dir: &Path, out: &str, threads: &str) -> std::process::Output {
    let scenario = dir.join("tiny.toml");
    std::fs::write(&scenario, TINY).unwrap();
    let path = dir.join(out);
    let args = [
        "sensitivity",
        scenario.to_str().unwrap(),
        "--out",
        path.to_str().unwrap(),
        "--trajectories",
        "3",
        "--replications",
        "2",
        "--flip-replications",
        "2",
        "--flip-knobs",
        "2",
        "--quiet",
    ];
    let got = std::process::Command::new(env!("CARGO_BIN_EXE_salesim"))
        .args(args)
        .env("RAYON_NUM_THREADS", threads)
        .output()
        .expect("the salesim binary starts");
    assert!(!stderr(&got).contains("panicked"), "{}", stderr(&got));
    got
}

fn header(path: &Path) -> Vec<String> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    reader.headers().unwrap().iter().map(String::from).collect()
}

#[test]
fn the_files_have_the_contract_columns_and_the_same_bytes_for_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let one = cli_study(dir.path(), "one", "1");
    assert!(one.status.success(), "{}", stderr(&one));
    let two = cli_study(dir.path(), "two", "2");
    assert!(two.status.success(), "{}", stderr(&two));
    let (a, b) = (dir.path().join("one"), dir.path().join("two"));
    assert_eq!(
        header(&a.join("sensitivity.csv")),
        [
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
            "within_noise"
        ]
    );
    assert_eq!(
        header(&a.join("flip_points.csv")),
        [
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
            "difference_at_high_ci_high"
        ]
    );
    assert_eq!(
        header(&a.join("swings.csv"))[..4],
        ["variant", "reference", "parameter", "low"]
    );
    for file in [
        "sensitivity.csv",
        "swings.csv",
        "flip_points.csv",
        "report.html",
        "charts/tornado.svg",
        "charts/tornado.png",
    ] {
        let (x, y) = (
            std::fs::read(a.join(file)).unwrap(),
            std::fs::read(b.join(file)).unwrap(),
        );
        assert!(x == y, "{file} differs between RAYON_NUM_THREADS 1 and 2");
    }
    // Every knob once per output: the difference (one comparison) and two variants' bookings.
    let rows = std::fs::read_to_string(a.join("sensitivity.csv")).unwrap();
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(a.join("manifest.json")).unwrap()).unwrap();
    let knobs = manifest["design"]["knobs"].as_u64().unwrap() as usize;
    assert_eq!(rows.lines().count(), 1 + 3 * knobs);
    // A knob within noise has no rank; every other has one.
    let mut reader = csv::Reader::from_path(a.join("sensitivity.csv")).unwrap();
    for row in reader.records() {
        let row = row.unwrap();
        let (rank, within) = (&row[18], &row[20]);
        assert_eq!(rank.is_empty(), within == "true", "{row:?}");
    }
    for variant in ["aggressive", "aligned"] {
        let prefix = format!("bookings,{variant},,");
        assert_eq!(
            rows.lines().filter(|l| l.starts_with(&prefix)).count(),
            knobs
        );
    }
    assert_eq!(
        rows.lines()
            .filter(|l| l.starts_with("bookings_log_ratio,aligned,aggressive,"))
            .count(),
        knobs
    );
    assert_eq!(manifest["study"], "sensitivity");
    assert_eq!(manifest["design"]["trajectories"], 3);
    assert_eq!(manifest["replication_seeds"].as_array().unwrap().len(), 2);
    let command = manifest["command"].as_str().unwrap();
    assert!(command.contains("--trajectories 3") && command.contains("--seed 7"));
    let report = std::fs::read_to_string(a.join("report.html")).unwrap();
    assert!(report.contains("id=\"what-decides\""));
    assert!(report.contains("What decides the answer"));
    assert!(!report.contains("http"), "the report is self-contained");
    // The report's lists say whose each knob is: our own choices are never the buyers'.
    let mut items = 0;
    for item in report.split("<li data-parameter=\"").skip(1) {
        let path = &item[..item.find('"').unwrap()];
        let ours = path.starts_with("strategies.") || path.starts_with("reps.");
        let kind = if ours {
            "data-kind=\"ours\""
        } else {
            "data-kind=\"buyers\""
        };
        let tag = &item[..item.find('>').unwrap()];
        assert!(tag.contains(kind), "{path}: {tag}");
        items += 1;
    }
    assert!(items > 0, "{report}");
    // `salesim report` on the study's folder says what it is instead of a missing field.
    let again = salesim(&["report", a.to_str().unwrap()]);
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains("the manifest of a sensitivity study"),
        "{}",
        stderr(&again)
    );
}

#[test]
fn bad_input_exits_2_naming_the_argument() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("tiny.toml");
    std::fs::write(&scenario, TINY).unwrap();
    let tiny = scenario.to_str().unwrap();
    let out = dir.path().join("out");
    let out = out.to_str().unwrap();
    let cases: [(&[&str], &str); 10] = [
        (
            &["sensitivity", "builtin:nope", "--out", out],
            "builtin:nope",
        ),
        (
            &["sensitivity", "missing.toml", "--out", out],
            "missing.toml",
        ),
        (
            &[
                "sensitivity",
                tiny,
                "--set",
                "market.custmers=5",
                "--out",
                out,
            ],
            "--set market.custmers=5",
        ),
        (
            &["sensitivity", tiny, "--levels", "3", "--out", out],
            "--levels 3",
        ),
        (
            &["sensitivity", tiny, "--trajectories", "1", "--out", out],
            "--trajectories",
        ),
        (
            &["sensitivity", tiny, "--replications", "x", "--out", out],
            "--replications",
        ),
        (
            &[
                "sensitivity",
                tiny,
                "--range",
                "market.peers=9..2",
                "--out",
                out,
            ],
            "--range market.peers=9..2",
        ),
        (
            &[
                "sensitivity",
                tiny,
                "--range",
                "market.pears=2..9",
                "--out",
                out,
            ],
            "did you mean `market.peers`",
        ),
        (
            &[
                "sensitivity",
                tiny,
                "--range",
                "customers.initial_trust=0.2..5",
                "--out",
                out,
            ],
            "--range customers.initial_trust=0.2..5",
        ),
        (
            &[
                "sensitivity",
                tiny,
                "--knob",
                "customers.trust",
                "--out",
                out,
            ],
            "--knob customers.trust",
        ),
    ];
    for (args, named) in cases {
        let got = salesim(args);
        let err = stderr(&got);
        assert_eq!(got.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.starts_with("salesim: error: "), "{args:?}: {err}");
        assert!(err.contains(named), "{args:?} should name {named}: {err}");
    }
    assert!(!Path::new(out).exists(), "nothing is written on bad input");
}

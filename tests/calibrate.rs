//! `salesim calibrate` (issue 16, reading a CRM export): the observed moments on opportunities
//! whose moments are worked out by hand, the bootstrap (covers the value, deterministic for a
//! seed, the same on any number of threads), simulated opportunities through the same function,
//! the layouts, `--map`, date formats and the fiscal calendar through the real binary, and the
//! bad-data corpus in `tests/crm/`: each bad file gives its kind, count and first lines, exit 2
//! and no file; `--skip-bad-rows` says what it left out. Random bytes and random rows never make
//! the reader panic. The fit: a known market exported in each layout comes back within the fit's
//! intervals, and the same export and seed give the same scenario on any number of threads.

mod support;

use chrono::NaiveDate;
use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, FileFailurePersistence};
use salesim::calibrate::export::{parse, AmountDot, ReadOptions};
use salesim::calibrate::moments::names;
use salesim::calibrate::BadRowKind;
use salesim::calibrate::{
    observe, Bootstrap, DaySpan, FiscalCalendar, Moments, Opportunity, Outcome,
};
use salesim::commands::calibrate::MOMENTS_COLUMNS;
use std::collections::HashMap;
use std::path::Path;
use support::{salesim, stderr, stdout, CUSTOM_MAP};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// A won, lost or open opportunity of the hand-worked set.
#[allow(clippy::too_many_arguments)]
fn opp(
    id: &str,
    account: &str,
    owner: &str,
    team: &str,
    segment: &str,
    created: NaiveDate,
    closed: Option<NaiveDate>,
    outcome: Outcome,
) -> Opportunity {
    Opportunity::new(id, account, owner, created, outcome)
        .with_closed(closed)
        .with_team(team)
        .with_segment(segment)
}

/// Eight opportunities of three reps (two teams) and five accounts, in calendar quarters. The
/// comments give what the moments read from each.
fn hand_built() -> Vec<Opportunity> {
    use Outcome::*;
    vec![
        // Cycle 10 days; closes Jan 12: 79 days before Mar 31, so week 13 − 11 = 2.
        opp(
            "o1",
            "A",
            "r1",
            "East",
            "smb",
            d(2024, 1, 2),
            Some(d(2024, 1, 12)),
            Won,
        )
        .with_amount(1000.0)
        .with_list_amount(1250.0),
        // Cycle 53; Mar 25 is in the quarter's last 7 days: week 13.
        opp(
            "o2",
            "A",
            "r1",
            "East",
            "smb",
            d(2024, 2, 1),
            Some(d(2024, 3, 25)),
            Won,
        )
        .with_amount(3000.0)
        .with_list_amount(3000.0),
        // Cycle 70.
        opp(
            "o3",
            "B",
            "r1",
            "East",
            "smb",
            d(2024, 1, 10),
            Some(d(2024, 3, 20)),
            LostToCompetitor,
        )
        .with_amount(2000.0),
        // Cycle 90.
        opp(
            "o4",
            "B",
            "r2",
            "East",
            "ent",
            d(2024, 2, 10),
            Some(d(2024, 5, 10)),
            NoDecision,
        )
        .with_amount(500.0),
        // Cycle 119; Jun 28: 2 days before Jun 30, week 13. No list amount.
        opp(
            "o5",
            "C",
            "r2",
            "East",
            "ent",
            d(2024, 3, 1),
            Some(d(2024, 6, 28)),
            Won,
        )
        .with_amount(4000.0),
        opp("o6", "D", "r3", "West", "ent", d(2024, 4, 1), None, Open).with_amount(700.0),
        // Cycle 33; Jun 17: 13 days before Jun 30, week 12.
        opp(
            "o7",
            "E",
            "r3",
            "West",
            "smb",
            d(2024, 5, 15),
            Some(d(2024, 6, 17)),
            Won,
        )
        .with_amount(2000.0)
        .with_list_amount(2500.0),
        // Cycle 30; lost, split unknown; no amount.
        opp(
            "o8",
            "C",
            "r2",
            "East",
            "ent",
            d(2024, 7, 1),
            Some(d(2024, 7, 31)),
            Lost,
        ),
    ]
}

fn quick() -> Bootstrap {
    Bootstrap {
        resamples: 300,
        seed: 7,
    }
}

fn assert_close(m: &Moments, name: &str, segment: Option<&str>, expected: f64) {
    let moment = match segment {
        None => m.get(name),
        Some(s) => m.get_in(name, s),
    }
    .unwrap_or_else(|| panic!("no moment {name} {segment:?}"));
    assert!(
        moment.identified && (moment.value - expected).abs() < 1e-9,
        "{name} {segment:?}: {} (identified {}), expected {expected}",
        moment.value,
        moment.identified
    );
}

#[test]
fn moments_of_a_hand_built_market_are_the_ones_worked_out_by_hand() {
    let m = observe(&hand_built(), &FiscalCalendar::months(1), &quick());
    let c = |name, v| assert_close(&m, name, None, v);
    c(names::OPPORTUNITIES, 8.0);
    // Created Jan 2 to Jul 1: quarters 1, 2 and 3.
    c(names::QUARTERS_SPANNED, 3.0);
    c(names::REPS, 3.0);
    c(names::TEAMS, 2.0);
    c(names::ACCOUNTS, 5.0);
    c(names::ACCOUNTS_PER_REP, 5.0 / 3.0);
    c(names::OPPORTUNITIES_PER_REP_QUARTER, 8.0 / (3.0 * 3.0));
    // Seven closed: four won, one to a competitor, one no decision, one not known.
    c(names::WIN_RATE, 4.0 / 7.0);
    c(names::LOST_TO_COMPETITOR_SHARE, 1.0 / 7.0);
    c(names::NO_DECISION_SHARE, 1.0 / 7.0);
    c(names::LOST_SPLIT_UNKNOWN_SHARE, 1.0 / 7.0);
    // Won cycles 10, 33, 53, 119 (type 7: p25 at position 0.75, p90 at 2.7).
    let won = [27.25, 43.0, 69.5, 99.2];
    for (name, v) in names::CYCLE_DAYS_WON.into_iter().zip(won) {
        c(name, v);
    }
    // Closed cycles 10, 30, 33, 53, 70, 90, 119.
    let closed = [31.5, 53.0, 80.0, 101.6];
    for (name, v) in names::CYCLE_DAYS_CLOSED.into_iter().zip(closed) {
        c(name, v);
    }
    // Per segment: smb won 10, 33, 53; enterprise won 119 alone, closed 30, 90, 119.
    let seg = |name, s, v| assert_close(&m, name, Some(s), v);
    for (name, v) in names::CYCLE_DAYS_WON
        .into_iter()
        .zip([21.5, 33.0, 43.0, 49.0])
    {
        seg(name, "smb", v);
    }
    for (name, v) in names::CYCLE_DAYS_WON.into_iter().zip([119.0; 4]) {
        seg(name, "ent", v);
    }
    for (name, v) in names::CYCLE_DAYS_CLOSED
        .into_iter()
        .zip([60.0, 90.0, 104.5, 113.2])
    {
        seg(name, "ent", v);
    }
    // Won amounts 1,000, 2,000, 3,000, 4,000.
    c(names::DEAL_SIZE_MEDIAN, 2500.0);
    let logs = [1000f64, 2000.0, 3000.0, 4000.0].map(f64::ln);
    let mean = logs.iter().sum::<f64>() / 4.0;
    let sd = (logs.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / 4.0).sqrt();
    c(names::DEAL_SIZE_LOG_MEAN, mean);
    c(names::DEAL_SIZE_LOG_SD, sd);
    seg(names::DEAL_SIZE_MEDIAN, "smb", 2000.0);
    seg(names::DEAL_SIZE_MEDIAN, "ent", 4000.0);
    let one = m.get_in(names::DEAL_SIZE_LOG_SD, "ent").unwrap();
    assert!(!one.identified && one.value.is_nan() && one.note.contains("one won"));
    // Won bookings 10,000: week 2 1,000, week 12 2,000, week 13 3,000 + 4,000.
    for (k, name) in names::BOOKINGS_SHARE_WEEK.into_iter().enumerate() {
        let expected = match k + 1 {
            2 => 0.1,
            12 => 0.2,
            13 => 0.7,
            _ => 0.0,
        };
        c(name, expected);
    }
    c(names::BOOKINGS_SHARE_WEEKS_12_13, 0.9);
    c(names::DEALS_SHARE_WEEKS_12_13, 0.75);
    // Discounts (won with a list amount): 0.2 in week 2, 0.2 in week 12, 0 in week 13.
    c(names::DISCOUNT_WEEK[1], 0.2);
    c(names::DISCOUNT_WEEK[11], 0.2);
    c(names::DISCOUNT_WEEK[12], 0.0);
    c(names::DISCOUNT_MEAN, 0.4 / 3.0);
    let week5 = m.get(names::DISCOUNT_WEEK[4]).unwrap();
    assert!(!week5.identified && week5.value.is_nan());
    // Wins: A twice, C once, E once, all in 2024.
    c(names::WINS_PER_WINNING_ACCOUNT, 4.0 / 3.0);
    c(names::REPEAT_ACCOUNT_SHARE, 1.0 / 3.0);
    c(names::WINS_PER_WINNING_ACCOUNT_YEAR, 4.0 / 3.0);
    c(names::REPEAT_ACCOUNT_SHARE_YEAR, 1.0 / 3.0);
    // Counts are exact: their interval is the value.
    let reps = m.get(names::REPS).unwrap();
    assert_eq!((reps.ci_low, reps.ci_high), (3.0, 3.0));
}

#[test]
fn repeat_purchases_per_year_count_account_years() {
    use Outcome::Won;
    let win = |id: &str, account: &str, closed: NaiveDate| {
        let created = closed - chrono::Days::new(20);
        opp(id, account, "r", "t", "s", created, Some(closed), Won).with_amount(1.0)
    };
    // Account A wins on 2023-03-01, 2023-06-01 and 2024-07-01; B on 2024-03-01.
    let opps = vec![
        win("1", "A", d(2023, 3, 1)),
        win("2", "A", d(2023, 6, 1)),
        win("3", "A", d(2024, 7, 1)),
        win("4", "B", d(2024, 3, 1)),
    ];
    let m = observe(&opps, &FiscalCalendar::months(1), &quick());
    // Over the span: A won 3 times, B once.
    assert_close(&m, names::WINS_PER_WINNING_ACCOUNT, None, 2.0);
    assert_close(&m, names::REPEAT_ACCOUNT_SHARE, None, 0.5);
    // Calendar years: (A, 2023) 2 wins, (A, 2024) 1, (B, 2024) 1.
    assert_close(&m, names::WINS_PER_WINNING_ACCOUNT_YEAR, None, 4.0 / 3.0);
    assert_close(&m, names::REPEAT_ACCOUNT_SHARE_YEAR, None, 1.0 / 3.0);
    // Fiscal years from June: 2023-03-01 is in the year from June 2022, 2023-06-01 opens the
    // next, 2024-07-01 the one after; B's 2024-03-01 is in the year from June 2023. Four
    // account-years, one win each.
    let june = observe(&opps, &FiscalCalendar::months(6), &quick());
    assert_close(&june, names::WINS_PER_WINNING_ACCOUNT_YEAR, None, 1.0);
    assert_close(&june, names::REPEAT_ACCOUNT_SHARE_YEAR, None, 0.0);
    // The span's figures do not depend on the fiscal year.
    assert_close(&june, names::REPEAT_ACCOUNT_SHARE, None, 0.5);
}

#[test]
fn what_the_data_cannot_tell_is_not_identified_and_says_why() {
    use Outcome::*;
    let opps = vec![
        Opportunity::new("1", "A", "r", d(2024, 1, 2), Won)
            .with_closed(Some(d(2024, 2, 1)))
            .with_amount(10.0),
        Opportunity::new("2", "B", "r", d(2024, 1, 2), Lost).with_closed(Some(d(2024, 2, 1))),
    ];
    let m = observe(&opps, &FiscalCalendar::months(1), &quick());
    let why = |name: &str| {
        let x = m.get(name).unwrap();
        assert!(
            !x.identified && x.value.is_nan() && x.ci_low.is_nan(),
            "{name}"
        );
        x.note.clone()
    };
    assert!(why(names::TEAMS).contains("no team column"));
    assert!(why(names::NO_DECISION_SHARE).contains("not available"));
    assert!(why(names::LOST_TO_COMPETITOR_SHARE).contains("loss_reason"));
    assert!(why(names::DISCOUNT_MEAN).contains("no list_amount column"));
    assert!(why(names::DISCOUNT_WEEK[0]).contains("no list_amount column"));
    assert!(why(names::DEAL_SIZE_LOG_SD).contains("one won"));
    // No segment column: no per-segment moments at all.
    assert!(m.moments.iter().all(|x| x.segment.is_none()));
    assert!(m.get(names::WIN_RATE).unwrap().identified);
}

/// A market of 300 accounts, generated deterministically (no RNG: arithmetic on the index).
fn larger_market() -> Vec<Opportunity> {
    let mut out = Vec::new();
    for i in 0..900u32 {
        let account = format!("a{}", i % 300);
        let owner = format!("r{}", i % 12);
        let created = d(2023, 1, 2) + chrono::Days::new((i as u64 * 7) % 700);
        let cycle = 10 + (i as u64 * 37) % 150;
        let outcome = match i % 10 {
            0..=2 => Outcome::Won,
            3..=6 => Outcome::NoDecision,
            7 | 8 => Outcome::LostToCompetitor,
            _ => Outcome::Open,
        };
        let closed = outcome
            .is_closed()
            .then(|| created + chrono::Days::new(cycle));
        out.push(
            Opportunity::new(format!("o{i}"), account, owner, created, outcome)
                .with_closed(closed)
                .with_amount(1000.0 + (i * 7919 % 20_000) as f64)
                .with_list_amount(1200.0 + (i * 7919 % 20_000) as f64)
                .with_team(format!("t{}", i % 2)),
        );
    }
    out
}

#[test]
fn bootstrap_intervals_cover_the_value_and_are_deterministic_for_a_seed() {
    let opps = larger_market();
    let cal = FiscalCalendar::months(1);
    let b = Bootstrap {
        resamples: 400,
        seed: 11,
    };
    let m = observe(&opps, &cal, &b);
    let mut checked = 0;
    for x in m.moments.iter().filter(|x| x.identified) {
        assert!(
            x.ci_low <= x.value && x.value <= x.ci_high,
            "{} {:?}: {} not in [{}, {}]",
            x.name,
            x.segment,
            x.value,
            x.ci_low,
            x.ci_high
        );
        checked += 1;
    }
    assert!(checked > 40, "{checked} moments checked");
    // Intervals of estimated moments have a width (a resample changes them).
    let win = m.get(names::WIN_RATE).unwrap();
    assert!(win.ci_high - win.ci_low > 0.01, "{win:?}");
    // The same seed gives the same intervals, on one thread or two.
    let on = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| observe(&opps, &cal, &b))
    };
    assert_eq!(on(1), m);
    assert_eq!(on(2), m);
    // Another seed gives other intervals around the same values.
    let other = observe(
        &opps,
        &cal,
        &Bootstrap {
            resamples: 400,
            seed: 12,
        },
    );
    let other_win = other.get(names::WIN_RATE).unwrap();
    assert_eq!(other_win.value, win.value);
    assert_ne!(
        (other_win.ci_low, other_win.ci_high),
        (win.ci_low, win.ci_high)
    );
}

#[test]
fn simulated_opportunities_go_through_the_same_function_on_the_simulators_calendar() {
    let start = d(2024, 1, 1); // a Monday: business day 0 of fiscal quarter 0
    let cal = FiscalCalendar::simulated(start);
    let sim = |id: &str, created, closed, outcome, net: f64| {
        Opportunity::simulated(
            id,
            "acct",
            "rep",
            DaySpan {
                created,
                closed: Some(closed),
            },
            outcome,
            start,
        )
        .with_amount(net * 1000.0)
    };
    let opps = vec![
        // Closes on day 60: week 13 of quarter 0 (salesim::calendar::week_of_quarter).
        sim("1", 10, 60, Outcome::Won, 30.0),
        // Day 55 is the first day of week 12.
        sim("2", 20, 55, Outcome::Won, 10.0),
        // Day 54 is the last day of week 11.
        sim("3", 30, 54, Outcome::Won, 60.0),
        sim("4", 0, 40, Outcome::NoDecision, 5.0),
    ];
    assert_eq!(salesim::calendar::week_of_quarter(55), 12);
    assert_eq!(salesim::calendar::week_of_quarter(54), 11);
    let m = observe(&opps, &cal, &quick());
    assert_close(&m, names::BOOKINGS_SHARE_WEEKS_12_13, None, 0.4);
    assert_close(&m, names::BOOKINGS_SHARE_WEEK[12], None, 0.3);
    assert_close(&m, names::BOOKINGS_SHARE_WEEK[10], None, 0.6);
    assert_close(&m, names::DEALS_SHARE_WEEKS_12_13, None, 2.0 / 3.0);
    assert_close(&m, names::WIN_RATE, None, 0.75);
    assert_close(&m, names::NO_DECISION_SHARE, None, 0.25);
    // Cycles in calendar days (Monday start): day 10 → 60 is Jan 15 → Mar 25, 70 days; 20 → 55
    // is 49 days; 30 → 54 (Feb 12 → Mar 15, a Friday) is 32 days.
    assert_close(&m, names::CYCLE_DAYS_WON[1], None, 49.0);
    assert_close(&m, names::CYCLE_DAYS_WON[0], None, 32.0 + 0.5 * 17.0);
    assert_close(&m, names::QUARTERS_SPANNED, None, 1.0);
}

// Through the real binary -----------------------------------------------------------------------

/// The rows of a moments file by (moment, segment).
fn moments_file(path: &Path) -> HashMap<(String, String), Vec<String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    assert_eq!(
        r.headers().unwrap().iter().collect::<Vec<_>>(),
        MOMENTS_COLUMNS
    );
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            let row: Vec<String> = rec.iter().map(str::to_string).collect();
            ((row[0].clone(), row[1].clone()), row)
        })
        .collect()
}

fn value(rows: &HashMap<(String, String), Vec<String>>, name: &str) -> f64 {
    rows[&(name.to_string(), String::new())][2].parse().unwrap()
}

/// Runs `salesim calibrate FILE --out DIR/NAME.toml ARGS` (200 resamples; without the small
/// sensitivity study unless ARGS ask for it).
fn calibrate(file: &str, out: &Path, args: &[&str]) -> std::process::Output {
    let out = out.display().to_string();
    let mut all = vec!["calibrate", file, "--out", &out, "--resamples", "200"];
    if !args.contains(&"--sensitivity-trajectories") {
        all.extend(["--sensitivity-trajectories", "0"]);
    }
    all.extend_from_slice(args);
    salesim(&all)
}

/// By default calibrate ends with a small sensitivity study of the fitted market: which
/// assumptions an export cannot reveal move the answer, in the terminal and in the scenario's
/// header; `--sensitivity-trajectories 0` skips it.
#[test]
fn calibrate_names_the_unobservable_assumptions_that_decide_the_answer() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = tmp.path().join("acme.toml");
    let out = calibrate(
        "tests/crm/salesforce.csv",
        &scenario,
        &["--sensitivity-trajectories", "2"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("Which assumptions a CRM export cannot reveal decide the answer"),
        "{text}"
    );
    assert!(text.contains("aligned − aggressive:"), "{text}");
    // Only knobs an export cannot reveal are studied, and each ranked line says so.
    let ranked: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("μ*") && l.trim_start().starts_with(char::is_numeric))
        .collect();
    assert!(!ranked.is_empty(), "{text}");
    assert!(
        ranked.iter().all(|l| l.ends_with("not observable")),
        "{ranked:?}"
    );
    let header = std::fs::read_to_string(&scenario).unwrap();
    assert!(
        header.contains("# Which assumptions decide the answer"),
        "{header}"
    );
    assert!(header.contains("# aligned − aggressive:"), "{header}");
    // The scenario still runs.
    let folder = tmp.path().join("out").display().to_string();
    let ran = salesim(&[
        "run",
        &scenario.display().to_string(),
        "--replications",
        "2",
        "--out",
        &folder,
    ]);
    assert_eq!(ran.status.code(), Some(0), "{}", stderr(&ran));
    // Skipped on request.
    let skipped = calibrate("tests/crm/salesforce.csv", &tmp.path().join("b.toml"), &[]);
    assert!(!stdout(&skipped).contains("Which assumptions"));
}

#[test]
fn a_salesforce_report_is_recognised_and_its_moments_written() {
    let tmp = tempfile::tempdir().unwrap();
    let out = calibrate(
        "tests/crm/salesforce.csv",
        &tmp.path().join("acme.toml"),
        &[],
    );
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        text.contains("Salesforce opportunity report: 16 opportunities"),
        "{text}"
    );
    assert!(
        text.contains("left out the report's footer (5 rows)"),
        "{text}"
    );
    assert!(text.contains("4 reps"), "{text}");
    assert!(text.contains("a lower bound of book size"), "{text}");
    assert!(
        text.contains("On a market like yours, aligned booked"),
        "{text}"
    );
    let rows = moments_file(&tmp.path().join("acme.moments.csv"));
    // 8 of 13 closed are Closed Won; 13 accounts of 4 reps.
    assert!((value(&rows, names::WIN_RATE) - 8.0 / 13.0).abs() < 1e-12);
    assert_eq!(value(&rows, names::ACCOUNTS), 13.0);
    assert_eq!(value(&rows, names::ACCOUNTS_PER_REP), 13.0 / 4.0);
    // No loss-reason column: the split is not available, and says so.
    let nd = &rows[&("no_decision_share".to_string(), String::new())];
    assert_eq!((nd[2].as_str(), nd[5].as_str()), ("NaN", "false"));
    assert!(nd[6].contains("not available"));
    // Nothing else in the folder: the writes left no temporary file.
    let mut files: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files, ["acme.fit.csv", "acme.moments.csv", "acme.toml"]);
}

#[test]
fn a_hubspot_export_is_recognised_and_its_loss_reasons_split_lost_deals() {
    let tmp = tempfile::tempdir().unwrap();
    let out = calibrate("tests/crm/hubspot.csv", &tmp.path().join("hs.toml"), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("HubSpot deal export"));
    let rows = moments_file(&tmp.path().join("hs.moments.csv"));
    // 13 closed: 2 to a competitor (lost to / went with a competitor), 2 no decision (no
    // decision, status quo), 1 price (not known).
    let share = |name| value(&rows, name);
    assert!((share(names::LOST_TO_COMPETITOR_SHARE) - 2.0 / 13.0).abs() < 1e-12);
    assert!((share(names::NO_DECISION_SHARE) - 2.0 / 13.0).abs() < 1e-12);
    assert!((share(names::LOST_SPLIT_UNKNOWN_SHARE) - 1.0 / 13.0).abs() < 1e-12);
    assert_eq!(share(names::TEAMS), 2.0);
    // The same deals as the Salesforce file: the same win rate.
    assert!((share(names::WIN_RATE) - 8.0 / 13.0).abs() < 1e-12);
}

#[test]
fn a_custom_layout_is_read_with_map_and_the_fiscal_year_moves_the_weeks() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |name: &str, fiscal: &str| {
        let mut args = CUSTOM_MAP.to_vec();
        args.extend(["--fiscal-year-start", fiscal]);
        let out = calibrate("tests/crm/custom.csv", &tmp.path().join(name), &args);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(stdout(&out).contains("dates: the usual formats, day first"));
        moments_file(&tmp.path().join(name.replace(".toml", ".moments.csv")))
    };
    // Won: 12,000 (Mar 28), 3,500 (Jun 27), 15,250 (Mar 29), 9,900 (Jun 21), 42,000 (Jun 28),
    // 5,000 (Mar 27), 7,200 (Jan 31), 7,200 (Jun 26): 102,050.
    let january = run("jan.toml", "1");
    // Calendar quarters: all but Jan 31 (week 5) close in the last two weeks.
    let expected = (102_050.0 - 7_200.0) / 102_050.0;
    assert!((value(&january, names::BOOKINGS_SHARE_WEEKS_12_13) - expected).abs() < 1e-12);
    // Quarters from February (Feb–Apr, May–Jul, Nov–Jan): Mar 27–29 and Jun 26–28 are weeks
    // 8–9, and only Jan 31 (the last day of a quarter) is in weeks 12–13.
    let february = run("feb.toml", "feb");
    let expected = 7_200.0 / 102_050.0;
    assert!((value(&february, names::BOOKINGS_SHARE_WEEKS_12_13) - expected).abs() < 1e-12);
    assert!((value(&february, names::BOOKINGS_SHARE_WEEK[12]) - expected).abs() < 1e-12);
    // 12,000 + 3,500 + 15,250 + 42,000 + 5,000 in week 9.
    let week9 = 77_750.0 / 102_050.0;
    assert!((value(&february, names::BOOKINGS_SHARE_WEEK[8]) - week9).abs() < 1e-12);
    // List amounts give discounts: 12,000 of 15,000 is 20% off.
    assert!(value(&february, names::DISCOUNT_MEAN) > 0.0);
    // Segments from the Tier column.
    assert!(february.contains_key(&("deal_size_median".to_string(), "ent".to_string())));
}

#[test]
fn a_date_format_reads_dates_the_usual_formats_cannot_decide() {
    let tmp = tempfile::tempdir().unwrap();
    let file = "tests/crm/bad_ambiguous_dates.csv";
    let out = calibrate(file, &tmp.path().join("a.toml"), &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--date-format %m/%d/%Y"),
        "{}",
        stderr(&out)
    );
    let out = calibrate(
        file,
        &tmp.path().join("a.toml"),
        &["--date-format", "%m/%d/%Y"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("dates: --date-format %m/%d/%Y"));
}

/// One bad file of the corpus: what its message must say.
struct BadFile {
    file: &'static str,
    /// The first line the message points at (`FILE:LINE`), where there is one.
    line: Option<usize>,
    /// Texts the message must hold: the kind, the count, the lines.
    says: &'static [&'static str],
    /// Whether `--skip-bad-rows` gets past it (row problems), and what it then reports.
    skipped: Option<&'static str>,
}

const BAD_FILES: &[BadFile] = &[
    BadFile {
        file: "bad_unparseable_date.csv",
        line: Some(2),
        says: &[
            "2 bad rows of 5",
            "2 unparseable dates (lines 2, 5)",
            "column `closed`: `2024-02-30` is not a date",
            "`soon` is not a date",
        ],
        skipped: Some("skipped 2 bad rows (--skip-bad-rows): 2 unparseable dates (lines 2, 5)"),
    },
    BadFile {
        file: "bad_close_before_create.csv",
        line: Some(3),
        says: &[
            "1 bad row of 3",
            "1 close before create (line 3)",
            "closed 2024-03-01, before it was created (2024-03-06)",
        ],
        skipped: Some("skipped 1 bad row (--skip-bad-rows): 1 close before create (line 3)"),
    },
    BadFile {
        file: "bad_negative_amount.csv",
        line: Some(4),
        says: &[
            "2 negative amounts (lines 4, 6)",
            "`-$500.00` is below zero",
            "`($1,200.00)` is below zero",
        ],
        skipped: Some("2 negative amounts (lines 4, 6)"),
    },
    BadFile {
        file: "bad_unparseable_amount.csv",
        line: Some(3),
        says: &[
            "2 unparseable amounts (lines 3, 4)",
            "`12,34` is not an amount",
        ],
        skipped: Some("2 unparseable amounts (lines 3, 4)"),
    },
    BadFile {
        file: "bad_unknown_outcome.csv",
        line: Some(3),
        says: &[
            "2 unknown outcomes (lines 3, 5)",
            "`Closed - Duplicate` looks like a closed stage",
            "--won, --lost, --no-decision or --open VALUE",
        ],
        skipped: Some("2 unknown outcomes (lines 3, 5)"),
    },
    BadFile {
        file: "bad_duplicate_id.csv",
        line: Some(4),
        says: &[
            "2 duplicate ids (lines 4, 6)",
            "`1` is already the id of line 2",
            "`2` is already the id of line 3",
        ],
        skipped: Some("2 duplicate ids (lines 4, 6)"),
    },
    BadFile {
        file: "bad_missing_value.csv",
        line: Some(2),
        says: &[
            "2 missing values (lines 2, 4)",
            "column `account`: the account is empty",
            "an amount for a won opportunity",
        ],
        skipped: Some("2 missing values (lines 2, 4)"),
    },
    BadFile {
        file: "bad_malformed_row.csv",
        line: Some(3),
        says: &[
            "2 malformed rows (lines 3, 5)",
            "the row has 4 cells, the header 7",
            "not UTF-8",
        ],
        skipped: Some("2 malformed rows (lines 3, 5)"),
    },
    BadFile {
        file: "bad_no_won.csv",
        line: None,
        says: &[
            "no won opportunity among 3 rows",
            "`lost` (lost, 2 rows)",
            "--won VALUE",
        ],
        skipped: None,
    },
    BadFile {
        file: "bad_missing_columns.csv",
        line: Some(1),
        says: &[
            "without the columns for id",
            "created (looked for `Created Date`",
            "add the Opportunity ID column",
            "--map FIELD=COLUMN",
        ],
        skipped: None,
    },
    BadFile {
        file: "bad_outlier_date.csv",
        line: Some(42),
        says: &[
            "1 bad row of 120",
            "1 date far outside the export's span (line 42)",
            "column `created`: 1900-03-02 is far outside the export's span",
            "a typo'd year fixed in the export",
        ],
        skipped: Some("1 date far outside the export's span (line 42)"),
    },
    BadFile {
        file: "bad_outlier_amount.csv",
        line: Some(6),
        says: &[
            "1 amount orders of magnitude from the rest (line 6)",
            "column `amount`: $250,000,000 is 4.2 orders of magnitude above the median amount",
        ],
        skipped: Some("1 amount orders of magnitude from the rest (line 6)"),
    },
    BadFile {
        file: "bad_three_decimals.csv",
        line: Some(2),
        says: &[
            "column `amount`: every one of its 120 amounts has exactly three decimals",
            "most likely thousands separators",
            "--amount-dot thousands",
            "--amount-dot decimal",
        ],
        // A whole column, not a row: the user says what the dots are.
        skipped: None,
    },
    BadFile {
        file: "bad_unclosed_quote.csv",
        line: Some(12),
        says: &[
            "1 unclosed quote (line 12)",
            "an unclosed quote opened on line 12 (cell 2) swallowed 49 rows (lines 13 to 61)",
        ],
        skipped: Some("1 unclosed quote (line 12)"),
    },
    BadFile {
        file: "bad_ambiguous_dates.csv",
        line: Some(2),
        says: &[
            "`1/5/2024` could be month/day or day/month",
            "--date-format",
        ],
        skipped: None,
    },
];

#[test]
fn every_bad_file_names_its_kind_count_and_lines_and_exits_2_writing_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let listed: Vec<&str> = BAD_FILES.iter().map(|b| b.file).collect();
    for entry in std::fs::read_dir("tests/crm").unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.starts_with("bad_") {
            assert!(listed.contains(&name.as_str()), "{name} has no case");
        }
    }
    for bad in BAD_FILES {
        let file = format!("tests/crm/{}", bad.file);
        let out = calibrate(&file, &tmp.path().join("x.toml"), &[]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{file}: {err}");
        assert!(err.starts_with("salesim: error: "), "{file}: {err}");
        let at = match bad.line {
            Some(line) => format!("{file}:{line}: "),
            None => format!("{file}: "),
        };
        assert!(err.contains(&at), "{file}: {at} in {err}");
        assert!(err.contains("Allowed:"), "{file}: {err}");
        for says in bad.says {
            assert!(err.contains(says), "{file}: `{says}` in {err}");
        }
        assert!(stdout(&out).is_empty(), "{file}");
        assert_eq!(
            std::fs::read_dir(tmp.path()).unwrap().count(),
            0,
            "{file} wrote something"
        );
        let skipping = calibrate(&file, &tmp.path().join("x.toml"), &["--skip-bad-rows"]);
        match bad.skipped {
            Some(report) => {
                // Read past the bad rows: the fit runs and writes its files, whether or not it
                // reproduces what is left of a tiny export (exit 0 or 3).
                assert!(
                    matches!(skipping.status.code(), Some(0) | Some(3)),
                    "{file}: {}",
                    stderr(&skipping)
                );
                assert!(
                    stdout(&skipping).contains(report),
                    "{file}: {}",
                    stdout(&skipping)
                );
                for written in ["x.moments.csv", "x.fit.csv", "x.toml"] {
                    assert!(tmp.path().join(written).is_file(), "{file}: {written}");
                    std::fs::remove_file(tmp.path().join(written)).unwrap();
                }
            }
            None => assert_eq!(skipping.status.code(), Some(2), "{file}"),
        }
    }
}

#[test]
fn bad_options_are_named_with_what_is_allowed() {
    let tmp = tempfile::tempdir().unwrap();
    let sf = "tests/crm/salesforce.csv";
    let cases: [(&[&str], &str); 6] = [
        (
            &["--fiscal-year-start", "Febr"],
            "--fiscal-year-start Febr: is not a month",
        ),
        (&["--map", "acount=Account Name"], "did you mean `account`"),
        (&["--map", "owner=Owner"], "has no column `Owner`"),
        (
            &["--won", "X", "--lost", "x"],
            "`x` is also given with --won",
        ),
        (&["--date-format", "%Q"], "is not a valid date format"),
        (&["--date-format", "%H:%M"], "has no date in it"),
    ];
    for (args, says) in cases {
        let out = calibrate(sf, &tmp.path().join("x.toml"), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
    }
    let out = salesim(&[
        "calibrate",
        sf,
        "--out",
        &tmp.path().join("x.csv").display().to_string(),
    ]);
    assert!(stderr(&out).contains("NAME.toml"));
    let out = salesim(&["calibrate", sf, "--out", "/nonexistent-folder/x.toml"]);
    assert!(stderr(&out).contains("does not exist"));
    let out = salesim(&["calibrate", "tests/crm/none.csv", "--out", "x.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("tests/crm/none.csv: cannot be read"));
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);
}

// The reader never panics ---------------------------------------------------------------------

fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(cases);
    ProptestConfig {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Off)),
        ..ProptestConfig::default()
    }
}

/// Cells a CRM export might hold, good and bad.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("2024-03-31".to_string()),
        Just("3/4/2024".to_string()),
        Just("31/12/2024".to_string()),
        Just("12/31/2024".to_string()),
        Just("Mar 31, 2024".to_string()),
        Just("2024-02-30".to_string()),
        Just("Closed Won".to_string()),
        Just("closedlost".to_string()),
        Just("Closed - Other".to_string()),
        Just("won".to_string()),
        Just("Prospecting".to_string()),
        Just("$1,234.50".to_string()),
        Just("-5".to_string()),
        Just("(12)".to_string()),
        Just("1e308".to_string()),
        Just("\"quoted, cell\"".to_string()),
        Just("No decision".to_string()),
        "[a-z0-9 ,;\"\\-]{0,12}",
        any::<String>(),
    ]
}

const HEADERS: [&str; 4] = [
    "id,account,owner,created,closed,outcome,amount,list_amount,segment,team",
    "Opportunity ID,Account Name,Opportunity Owner,Stage,Amount,Close Date,Created Date",
    "Record ID,Associated Company,Deal owner,Deal Stage,Amount,Close Date,Create Date,Closed Lost Reason",
    "a;b;c",
];

/// A row of the fields' own columns (`id,account,owner,created,closed,outcome,amount,
/// list_amount,segment,team`), mostly valid, sometimes not.
fn structured_row() -> impl Strategy<Value = String> {
    let pick = |values: &'static [&'static str]| proptest::sample::select(values);
    let date = || {
        prop_oneof![
            8 => (2020i32..2026, 1u32..13, 1u32..29).prop_map(|(y, m, d)| format!("{y}-{m:02}-{d:02}")),
            1 => pick(&["", "2024-02-30", "soon", "1/1/1850", "Mar 3, 2024"]).prop_map(String::from),
        ]
    };
    (
        pick(&[
            "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "",
        ]),
        pick(&["A", "B", "C", "D", "E", ""]),
        pick(&["r1", "r2", "r3"]),
        date(),
        date(),
        pick(&[
            "won",
            "won",
            "lost",
            "no_decision",
            "lost_to_competitor",
            "talking",
            "Closed x",
        ]),
        pick(&["100", "$2,500.00", "0", "", "-3", "12,5", "1e9", "70000"]),
        pick(&["", "120", "3000", "(5)"]),
        pick(&["", "smb", "ent"]),
        pick(&["", "east", "west"]),
    )
        .prop_map(|(id, a, o, cr, cl, out, am, li, se, te)| {
            [id, a, o, &cr, &cl, out, am, li, se, te].join(",")
        })
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn structured_rows_give_opportunities_or_located_errors_and_sound_moments(
        rows in proptest::collection::vec(structured_row(), 0..40),
        skip in any::<bool>(),
        fiscal in 1u32..13,
    ) {
        let mut text = format!("{}\n0,A,r1,2024-01-02,2024-02-01,won,100,,,\n", HEADERS[0]);
        for row in &rows {
            text.push_str(row);
            text.push('\n');
        }
        let options = ReadOptions { skip_bad_rows: skip, ..ReadOptions::default() };
        match parse("rows.csv", text.as_bytes(), &options) {
            Err(e) => {
                // Without --skip-bad-rows, bad rows stop the read at the first bad line.
                prop_assert!(!skip && e.line.is_some_and(|l| l >= 3), "{}", e);
            }
            Ok(export) => {
                // Issue 30: open rows without an account, owner or created date are open pipeline
                // (counted, left out of the opportunities), not bad rows.
                prop_assert_eq!(
                    export.opportunities.len() + export.skipped.total() + export.open_pipeline.left_out,
                    rows.len() + 1
                );
                let m = observe(
                    &export.opportunities,
                    &FiscalCalendar::months(fiscal),
                    &Bootstrap { resamples: 100, seed: 3 },
                );
                let won = export.opportunities.iter().filter(|o| o.outcome == Outcome::Won).count();
                let shares: f64 = names::BOOKINGS_SHARE_WEEK.iter().map(|n| m.value(n)).sum();
                if m.get(names::BOOKINGS_SHARE_WEEK[0]).unwrap().identified {
                    prop_assert!((shares - 1.0).abs() < 1e-9, "week shares add up to {}", shares);
                }
                prop_assert!(won >= 1);
                for x in &m.moments {
                    prop_assert_eq!(x.identified, x.value.is_finite());
                    if x.identified {
                        prop_assert!(x.ci_low <= x.ci_high, "{:?}", x);
                    }
                }
            }
        }
    }

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        for skip in [false, true] {
            let options = ReadOptions { skip_bad_rows: skip, ..ReadOptions::default() };
            if let Err(e) = parse("fuzz.csv", &bytes, &options) {
                prop_assert!(e.origin == "fuzz.csv" && !e.problem.is_empty());
            }
        }
    }

    #[test]
    fn random_rows_never_panic_and_their_moments_are_well_formed(
        header in 0..HEADERS.len(),
        rows in proptest::collection::vec(proptest::collection::vec(cell(), 0..11), 0..25),
        skip in any::<bool>(),
    ) {
        let mut text = format!("{}\n", HEADERS[header]);
        for row in &rows {
            text.push_str(&row.join(","));
            text.push('\n');
        }
        let options = ReadOptions { skip_bad_rows: skip, ..ReadOptions::default() };
        match parse("rows.csv", text.as_bytes(), &options) {
            Err(e) => prop_assert!(!e.problem.is_empty() && !e.allowed.is_empty()),
            Ok(export) => {
                prop_assert!(export.opportunities.iter().any(|o| o.outcome == Outcome::Won));
                let m = observe(
                    &export.opportunities,
                    &FiscalCalendar::months(3),
                    &Bootstrap { resamples: 100, seed: 3 },
                );
                for x in &m.moments {
                    prop_assert_eq!(x.identified, x.value.is_finite());
                    if x.identified {
                        prop_assert!(x.ci_low <= x.ci_high, "{:?}", x);
                    }
                }
            }
        }
    }
}

// The round trip: a known market, exported, calibrated back ------------------------------------

/// The known market of the round trip: 6 reps of ours in two teams, 150 accounts per rep, needs
/// at 0.25 per account per year, a mid-market median of $20k with sigma 0.5, every segment's
/// journey at 0.7 of its field default (11.2, 30.1 and 140 business days), and our teams
/// selling the aggressive preset with a quarter-end ramp of 0.5; eight quarters. Every value but
/// the ramp and the discount is away from the default the fit would keep if it could not see it.
/// The discount is the aggressive preset's 0.25: where an export has no list amounts, the fit
/// keeps that default, which is then the truth (the test of the discount is the mapped layout,
/// which has them).
const KNOWN_MARKET: &str = r#"
name = "known"
horizon_quarters = 8
replications = 1
seed = 777
reference = "current"

[market]
customers = 900
spontaneous_need_rate = 0.25
value_median_k = 20.0
value_sigma = 0.5

[market.segments.smb]
cycle_days = 11.2
value_multiplier = 0.25

[market.segments.mid_market]
cycle_days = 30.1
value_multiplier = 1.0

[market.segments.enterprise]
cycle_days = 140.0
value_multiplier = 6.0

[[vendors]]
name = "us"
  [[vendors.teams]]
  name = "north"
  reps = 3
  [[vendors.teams]]
  name = "south"
  reps = 3

[[vendors]]
name = "rival"
strategy = "aggressive"
  [[vendors.teams]]
  name = "field"
  reps = 3

[[vendors]]
name = "challenger"
strategy = "aligned"
  [[vendors.teams]]
  name = "field"
  reps = 2

[strategies.current]
base = "aggressive"
effort_ramp = 0.5

[[variants]]
name = "current"
strategy = "current"
"#;

/// A fitted knob as the header of a calibrated scenario shows it: value and 95% CI (`None`
/// when the header says it is not identified).
fn fitted_knob(header: &str, key: &str) -> Option<(f64, Option<(f64, f64)>)> {
    let number = |s: &str| -> f64 {
        s.trim_matches(|c| c == '[' || c == ']')
            .replace(',', "")
            .replace('−', "-")
            .parse()
            .unwrap_or_else(|_| panic!("`{s}` in the header is not a number"))
    };
    let line = header
        .lines()
        .find(|l| l.starts_with("#   ") && l[4..].starts_with(key))?;
    let rest: Vec<&str> = line[4 + key.len()..].split_whitespace().collect();
    let value = number(rest[0]);
    if rest[1] == "not" {
        return Some((value, None));
    }
    assert_eq!(rest[2], "to", "{line}");
    Some((value, Some((number(rest[1]), number(rest[3])))))
}

/// The round trip (issue 16, "Done when"): the known market ([`KNOWN_MARKET`]) is simulated,
/// our opportunities of one replication (its deal records, as `--deals` writes them) are
/// written as a Salesforce report, a HubSpot export and a mapped file, and each is calibrated
/// back with `salesim calibrate`. Every knob the export identifies must be fitted (the
/// per-segment cycles and the discount only where the export has segments and list amounts),
/// with a finite 95% CI that contains the known value. The CIs come from the criterion's
/// Jacobian at the fit (the sampling error of the one exported market, plus the simulation's),
/// so this is the claim a sales leader relies on. The scenario written validates and runs.
#[test]
fn a_known_market_exported_in_each_layout_is_calibrated_back_within_the_fits_intervals() {
    use salesim::calibrate::crm::{self, Written};
    use salesim::calibrate::simulated::{self, Shape};
    use salesim::scenario::{self, ScenarioSource};
    let source = ScenarioSource::parse("known.toml", KNOWN_MARKET).unwrap();
    let cfg = scenario::build(&source, &[]).unwrap();
    let run = salesim::experiment::simulate_one(&cfg, cfg.reference, 0);
    let opportunities = simulated::opportunities(&cfg, &run.deals, Shape::FULL);
    let tmp = tempfile::tempdir().unwrap();
    let common = [
        ("market.customers (÷ our reps)", 150.0),
        ("market.spontaneous_need_rate", 0.25),
        ("market.value_median_k", 20.0),
        ("market.value_sigma", 0.5),
        ("strategies.yours.effort_ramp", 0.5),
    ];
    // How many fitted intervals the loop checks: the common knobs in every layout, plus the
    // mapped layout's cycles and discount, or the others' cycle factor.
    let checked: usize = Written::ALL
        .iter()
        .map(|&l| common.len() + if l == Written::Mapped { 4 } else { 1 })
        .sum();
    let familywise = bonferroni_z(0.05, checked) / 1.959_964;
    for layout in Written::ALL {
        let name = layout.name();
        let file = tmp.path().join(format!("{name}.csv"));
        std::fs::write(&file, crm::write(&opportunities, layout)).unwrap();
        let out = calibrate(
            &file.display().to_string(),
            &tmp.path().join(format!("{name}.toml")),
            layout.options(),
        );
        // Issue 30: the verdict follows the rule (the criterion within its limit), the one the
        // fit table implies and the header prints (checked below).
        let verdict = match out.status.code() {
            Some(0) => true,
            Some(3) => false,
            other => panic!("{name}: exit {other:?}: {}", stderr(&out)),
        };
        assert_eq!(
            stdout(&out).contains("On a market like yours, aligned booked"),
            verdict,
            "{name}: {}",
            stdout(&out)
        );
        let header = std::fs::read_to_string(tmp.path().join(format!("{name}.toml"))).unwrap();
        // The header sets observed beside simulated, the targets starred.
        assert!(
            header.contains("# Observed vs simulated"),
            "{name}\n{header}"
        );
        assert!(
            header.contains("#   * accounts_per_rep"),
            "{name}\n{header}"
        );
        let mut expected: Vec<(&str, f64)> = common.to_vec();
        if layout == Written::Mapped {
            expected.extend([
                ("market.segments.smb.cycle_days", 11.2),
                ("market.segments.mid_market.cycle_days", 30.1),
                ("market.segments.enterprise.cycle_days", 140.0),
                ("strategies.yours.discount_max", 0.25),
            ]);
        } else {
            expected.push(("market.segments.*.cycle_days (one factor)", 0.7));
            assert!(
                header.contains("strategies.yours.discount_max = ")
                    && header.contains(": not identified: discount_mean"),
                "{name}: the discount is not fitted without list amounts\n{header}"
            );
        }
        assert_header_matches_body(&header);
        // A fit of a market the model made reproduces it: the targeted moments' mean squared
        // standardized difference (the criterion) is within the rule's limit.
        let table = std::fs::read_to_string(tmp.path().join(format!("{name}.fit.csv"))).unwrap();
        let targeted = fit_rows(&table, "true");
        assert!(!targeted.is_empty(), "{name}\n{table}");
        let z: Vec<f64> = targeted
            .iter()
            .map(|r| r["standardized_difference"].parse::<f64>().unwrap())
            .collect();
        let criterion = z.iter().map(|z| z * z).sum::<f64>() / z.len() as f64;
        let limit = salesim::calibrate::fit::criterion_max(z.len(), 16);
        assert_eq!(
            criterion <= limit,
            verdict,
            "{name}: criterion {criterion}, limit {limit}, verdict {verdict}\n{table}"
        );
        assert!(
            verdict,
            "{name}: a market the model made gets a verdict: criterion {criterion}, limit {limit}\n{table}"
        );
        // The criterion the header prints is the table's (one computation).
        let prose = header.replace("\n# ", " ");
        let printed: f64 = prose
            .split("; criterion ")
            .nth(1)
            .and_then(|r| r.split(',').next())
            .and_then(|x| x.trim().parse().ok())
            .unwrap_or_else(|| panic!("{name}: no criterion in the header\n{header}"));
        assert!(
            (printed - criterion).abs() <= 0.006,
            "{name}: the header prints criterion {printed}, the table implies {criterion}"
        );
        for (key, truth) in expected {
            let (value, ci) = fitted_knob(&header, key)
                .unwrap_or_else(|| panic!("{name}: {key} is not fitted\n{header}"));
            let (low, high) = ci.unwrap_or_else(|| panic!("{name}: {key} not identified"));
            // The fit's 95% interval, widened to a Bonferroni interval over every interval this
            // test checks (about two dozen): at 95% each, a correct calibrator would miss one of
            // them most of the time (1 − 0.95^24 ≈ 0.71), so a 95% check per knob tests luck.
            let (low, high) = (
                value - familywise * (value - low),
                value + familywise * (high - value),
            );
            assert!(
                low <= truth && truth <= high,
                "{name}: {key} fitted {value} [{low} to {high}] (familywise), known {truth}\n{header}"
            );
        }
    }
    // The scenario written validates and runs.
    let scenario = tmp.path().join("salesforce.toml").display().to_string();
    let folder = tmp.path().join("run").display().to_string();
    let ran = salesim(&["run", &scenario, "--replications", "2", "--out", &folder]);
    assert_eq!(ran.status.code(), Some(0), "{}", stderr(&ran));
    assert!(tmp.path().join("run").join("runs.csv").is_file());
}

/// The fit is deterministic: the same export and seed give the same scenario file, byte for
/// byte, on 1 and on 3 threads (the fit's replications run in parallel and are combined in
/// replication order), and another `--seed` gives another.
#[test]
fn the_same_export_and_seed_give_the_same_scenario_whatever_the_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let fitted = |threads: &str, seed: &str| {
        let dir = tmp.path().join(format!("t{threads}-s{seed}"));
        std::fs::create_dir(&dir).unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_salesim"))
            .args(["calibrate", "tests/crm/hubspot.csv", "--out"])
            .arg(dir.join("hs.toml"))
            .args(["--resamples", "200", "--seed", seed])
            .args(["--sensitivity-trajectories", "0"])
            .env("RAYON_NUM_THREADS", threads)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        std::fs::read_to_string(dir.join("hs.toml")).unwrap()
    };
    let one = fitted("1", "5");
    assert!(
        one.contains("# Fitted by the method of simulated moments"),
        "{one}"
    );
    assert_eq!(one, fitted("3", "5"));
    assert_ne!(one, fitted("1", "6"));
}

/// The two-sided normal quantile for a familywise error `alpha` over `m` intervals
/// (Bonferroni: each at `alpha / m`), by bisection on the normal tail (Abramowitz & Stegun
/// 7.1.26 for erfc, error below 1.5e-7).
fn bonferroni_z(alpha: f64, m: usize) -> f64 {
    let tail = |z: f64| {
        let x = z / std::f64::consts::SQRT_2;
        let t = 1.0 / (1.0 + 0.327_591_1 * x);
        let poly = t
            * (0.254_829_592
                + t * (-0.284_496_736
                    + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
        poly * (-x * x).exp()
    };
    let target = alpha / m as f64;
    let (mut lo, mut hi) = (0.0, 10.0);
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if tail(mid) > target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// The rows of a `NAME.fit.csv` whose `targeted` column is `targeted`, as column → cell.
fn fit_rows(table: &str, targeted: &str) -> Vec<HashMap<String, String>> {
    let mut r = csv::Reader::from_reader(table.as_bytes());
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(
        header,
        salesim::commands::calibrate::FIT_COLUMNS.map(str::to_string)
    );
    r.records()
        .map(|rec| {
            header
                .iter()
                .cloned()
                .zip(rec.unwrap().iter().map(str::to_string))
                .collect::<HashMap<String, String>>()
        })
        .filter(|row| row["targeted"] == targeted)
        .collect()
}

/// The header of a written scenario says of each knob what the body holds (issue 30: the header
/// said `discount_max = 0.250` was left at its default while the body held 0.125). Checks every
/// "  KEY = VALUE: why" line of the knobs not fitted and every fitted knob's row, whose keys are
/// plain scenario keys.
fn assert_header_matches_body(text: &str) {
    let body: toml::Value = toml::from_str(text).unwrap();
    let at = |key: &str| -> Option<f64> {
        let mut v = &body;
        for part in key.split('.') {
            v = v.get(part)?;
        }
        v.as_float().or_else(|| v.as_integer().map(|i| i as f64))
    };
    let plain = |key: &str| {
        key.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
    };
    let mut checked = 0;
    for line in text.lines().filter_map(|l| l.strip_prefix("#   ")) {
        // "KEY = VALUE: why" (not fitted) or "KEY   VALUE   [CI]   meaning" (fitted).
        let (key, value) = match line.split_once(" = ") {
            Some((k, rest)) if plain(k.trim()) => {
                (k.trim(), rest.split(':').next().unwrap_or("").trim())
            }
            _ => {
                let mut words = line.split_whitespace();
                match (words.next(), words.next()) {
                    (Some(k), Some(v)) if plain(k) && k.contains('.') => (k, v),
                    _ => continue,
                }
            }
        };
        let Ok(shown) = value.replace(',', "").parse::<f64>() else {
            continue;
        };
        let Some(held) = at(key) else { continue };
        assert!(
            (shown - held).abs() <= 0.0005 * held.abs().max(1.0),
            "the header says {key} = {value}, the body holds {held}\n{text}"
        );
        checked += 1;
    }
    assert!(checked >= 3, "too few knobs checked ({checked})\n{text}");
}

/// The cells of a column of an export (by header name), for expected values worked out from
/// the file itself.
fn column_of(file: &str, column: &str) -> Vec<String> {
    let mut r = csv::Reader::from_path(file).unwrap();
    let i = r
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == column)
        .unwrap();
    r.records().map(|rec| rec.unwrap()[i].to_string()).collect()
}

/// The `--map` options a message suggests ("To read them so, add: --map … --map …").
fn suggested_map(message: &str) -> Vec<String> {
    let line = message
        .lines()
        .find_map(|l| l.split_once("To read them so, add: ").map(|(_, r)| r))
        .unwrap_or_else(|| panic!("no suggested --map in {message}"));
    let line = line.split(". Allowed:").next().unwrap();
    line.split("--map ")
        .map(|m| m.trim().trim_matches('\'').to_string())
        .filter(|m| !m.is_empty())
        .collect()
}

/// Issue 30: exports in shapes the model did not write (`tests/crm/generate.py`, hand-made
/// rules) are read as they are. A sales-pipeline export with its own column names gets a
/// suggested `--map` for each field (by name and by content), which reads it; its open
/// opportunities, Prospecting leads without an account or engage date among them, are open
/// pipeline, not bad rows; few accounts, high win rates and small deals are measured as they
/// are, each against a count made here from the file.
#[test]
fn exports_in_shapes_the_model_did_not_write_are_read_as_they_are() {
    let tmp = tempfile::tempdir().unwrap();
    let many = "tests/crm/shape_many_deals_per_account.csv";
    let out = calibrate(many, &tmp.path().join("m.toml"), &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    let map = suggested_map(&err);
    for wanted in [
        "id=opportunity_id",
        "owner=sales_agent",
        "created=engage_date",
        "closed=close_date",
        "outcome=deal_stage",
        "amount=close_value",
    ] {
        assert!(
            map.iter().any(|m| m == wanted),
            "{wanted} in {map:?}\n{err}"
        );
    }
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);
    let options = ReadOptions {
        map: map.clone(),
        ..ReadOptions::default()
    };
    let export = parse(many, &std::fs::read(many).unwrap(), &options).unwrap();
    assert!(export.skipped.is_empty());
    let stages = column_of(many, "deal_stage");
    let count = |stage: &str| stages.iter().filter(|s| *s == stage).count();
    let accounts = column_of(many, "account");
    let leads = accounts.iter().filter(|a| a.is_empty()).count();
    assert!(leads > 0 && count("Prospecting") > 0);
    assert_eq!(export.open_pipeline.left_out, leads);
    assert_eq!(export.open_pipeline.without_account, leads);
    assert_eq!(export.open_pipeline.placed, count("Engaging"));
    assert_eq!(export.opportunities.len(), stages.len() - leads);
    let m = observe(&export.opportunities, &FiscalCalendar::months(1), &quick());
    let won = count("Won") as f64;
    assert_close(
        &m,
        names::WIN_RATE,
        None,
        won / (won + count("Lost") as f64),
    );
    // About a hundred opportunities per account: a shape the model cannot make.
    let distinct: std::collections::HashSet<&String> =
        accounts.iter().filter(|a| !a.is_empty()).collect();
    assert!(export.opportunities.len() as f64 / distinct.len() as f64 > 50.0);

    for (file, check) in [
        ("tests/crm/shape_few_accounts.csv", "few accounts"),
        ("tests/crm/shape_high_win_rate.csv", "high win rate"),
        ("tests/crm/shape_small_deals.csv", "small deals"),
        ("tests/crm/shape_open_leads.csv", "open leads"),
    ] {
        let options = if check == "open leads" {
            ReadOptions {
                map: map.clone(),
                ..ReadOptions::default()
            }
        } else {
            ReadOptions::default()
        };
        let e = parse(file, &std::fs::read(file).unwrap(), &options)
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(e.skipped.is_empty(), "{file}");
        let m = observe(&e.opportunities, &FiscalCalendar::months(1), &quick());
        let outcome_column = if check == "open leads" {
            "deal_stage"
        } else {
            "outcome"
        };
        let outcomes = column_of(file, outcome_column);
        let won = outcomes
            .iter()
            .filter(|o| o.eq_ignore_ascii_case("won"))
            .count() as f64;
        let lost = outcomes
            .iter()
            .filter(|o| o.eq_ignore_ascii_case("lost"))
            .count() as f64;
        assert_close(&m, names::WIN_RATE, None, won / (won + lost));
        match check {
            "few accounts" => {
                let accounts: std::collections::HashSet<String> =
                    column_of(file, "account").into_iter().collect();
                assert_close(&m, names::ACCOUNTS, None, accounts.len() as f64);
            }
            "high win rate" => assert!(won / (won + lost) > 0.8, "{file}"),
            "small deals" => {
                let median = m.get(names::DEAL_SIZE_MEDIAN).unwrap().value;
                assert!(median < 100.0, "{file}: median {median}");
            }
            _ => {
                let leads = column_of(file, "account")
                    .iter()
                    .filter(|a| a.is_empty())
                    .count();
                assert!(leads > 0);
                assert_eq!(e.open_pipeline.left_out, leads, "{file}");
            }
        }
    }
}

/// `--skip-bad-rows` leaves out each outlier kind and says so by kind; three decimals in every
/// amount are read as the user says with `--amount-dot` (thousands: 34.273 is 34,273).
#[test]
fn outliers_are_skipped_by_kind_and_amount_dots_read_as_said() {
    let skip = ReadOptions {
        skip_bad_rows: true,
        ..ReadOptions::default()
    };
    for (file, kind) in [
        ("tests/crm/bad_outlier_date.csv", BadRowKind::DateOutlier),
        (
            "tests/crm/bad_outlier_amount.csv",
            BadRowKind::AmountOutlier,
        ),
        (
            "tests/crm/bad_unclosed_quote.csv",
            BadRowKind::UnclosedQuote,
        ),
    ] {
        let e = parse(file, &std::fs::read(file).unwrap(), &skip).unwrap();
        assert_eq!(
            e.skipped.counts.get(&kind),
            Some(&1),
            "{file}: {:?}",
            e.skipped
        );
        assert_eq!(e.skipped.total(), 1, "{file}");
    }
    let file = "tests/crm/bad_three_decimals.csv";
    let bytes = std::fs::read(file).unwrap();
    assert!(parse(file, &bytes, &skip).is_err());
    let texts = column_of(file, "amount");
    for (dot, factor) in [(AmountDot::Thousands, 1000.0), (AmountDot::Decimal, 1.0)] {
        let e = parse(
            file,
            &bytes,
            &ReadOptions {
                amount_dot: dot,
                ..ReadOptions::default()
            },
        )
        .unwrap();
        for (o, text) in e.opportunities.iter().zip(&texts) {
            let expected: f64 = text.parse::<f64>().unwrap() * factor;
            assert!(
                (o.amount.unwrap() - expected).abs() < 1e-6,
                "{dot:?}: {text}"
            );
        }
    }
}

/// A fit that does not reproduce the export gives no verdict (issue 30): the public sample's
/// shape, a hundred opportunities per account, is one the model cannot make (an account holds
/// one buying journey at a time). `calibrate` writes the scenario, the moments and the fit
/// table, names the moments it misses, prints no comparison and no relative difference, and
/// exits 3.
#[test]
fn a_fit_that_does_not_reproduce_the_export_gives_no_verdict_and_exits_3() {
    let tmp = tempfile::tempdir().unwrap();
    let many = "tests/crm/shape_many_deals_per_account.csv";
    let probe = calibrate(many, &tmp.path().join("probe.toml"), &[]);
    let mut args: Vec<String> = Vec::new();
    for m in suggested_map(&stderr(&probe)) {
        args.push("--map".into());
        args.push(m);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = calibrate(many, &tmp.path().join("m.toml"), &args);
    let (text, err) = (stdout(&out), stderr(&out));
    assert_eq!(out.status.code(), Some(3), "{text}\n{err}");
    assert!(err.contains("no verdict"), "{err}");
    assert!(text.contains("does NOT reproduce"), "{text}");
    assert!(text.contains("Missed"), "{text}");
    for verdict in [
        "aligned booked",
        "more than aggressive",
        "On a market like yours",
    ] {
        assert!(!text.contains(verdict), "`{verdict}` in {text}");
    }
    // No relative difference anywhere: no signed percentage of one strategy over another.
    assert!(
        !text.contains("% more") && !text.contains("% less"),
        "{text}"
    );
    let header = std::fs::read_to_string(tmp.path().join("m.toml")).unwrap();
    assert!(header.contains("# NO VERDICT"), "{header}");
    assert!(!header.contains("aligned booked"), "{header}");
    assert_header_matches_body(&header);
    assert!(tmp.path().join("m.moments.csv").is_file());
    let table = std::fs::read_to_string(tmp.path().join("m.fit.csv")).unwrap();
    let missed: Vec<String> = fit_rows(&table, "true")
        .into_iter()
        .filter(|r| r["reproduced"] == "no")
        .map(|r| r["moment"].clone())
        .collect();
    assert!(!missed.is_empty(), "{table}");
    for name in &missed {
        assert!(
            text.contains(&format!("  {name}")),
            "{name} named in {text}"
        );
    }
}

//! Deal-level output (`--deals`, issue 16 part 1), on the real binary and the public library:
//!
//! 1. `deals.csv` agrees with the other files of the same run: for our vendor the won rows' net
//!    and list values and their count are runs.csv's `bookings`, `list_value` and `deals`; the
//!    outcomes of the rows still on the shortlist at the decision give runs.csv's `win_rate`,
//!    `no_decision_rate` and `lost_to_competitor`; the won rows' `closed_day` on the calendar
//!    gives `hockey_stick`; per team of ours, teams.csv's bookings and deals; per vendor,
//!    vendors.csv's bookings and deals.
//! 2. Each row is well formed: outcomes, days, money and flags as README.md documents them.
//! 3. `--deals` changes no other output (every other CSV byte-identical without it), writes
//!    nothing without it, is recorded in the manifest, and `deals.csv` is byte-identical whatever
//!    `--threads`.
//! 4. [`salesim::experiment::simulate_one`] gives one run's deal records in memory, the run being
//!    the one `salesim run` makes for that variant and replication.

mod support;

use salesim::calendar::{in_last_two_weeks, DAYS_PER_QUARTER};
use salesim::experiment::{self, simulate_one};
use salesim::scenario::{self, Override, ScenarioSource};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use support::{salesim, stderr};

/// The lesson on a smaller market: 3 replications × 2 variants, three vendors.
const SMALL: &[&str] = &[
    "scenarios/lesson.toml",
    "--set",
    "market.customers=1200",
    "--replications",
    "3",
    "-q",
];

type Row = HashMap<String, String>;

fn rows(path: &Path) -> Vec<Row> {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            header
                .iter()
                .cloned()
                .zip(rec.iter().map(String::from))
                .collect()
        })
        .collect()
}

fn header(path: &Path) -> Vec<String> {
    let mut r = csv::Reader::from_path(path).unwrap();
    r.headers().unwrap().iter().map(String::from).collect()
}

/// The columns README.md's "Reading the outputs" table gives a file (the `code` span of its
/// row's last cell that lists columns), without the `param_<name>...` of a sweep.
fn readme_columns(file: &str) -> Vec<String> {
    let readme = std::fs::read_to_string(support::manifest_dir().join("README.md")).unwrap();
    let row = readme
        .lines()
        .find(|l| l.starts_with(&format!("| `{file}` |")))
        .unwrap_or_else(|| panic!("README.md has no contract row for {file}"));
    let cell = row.trim_end_matches('|').rsplit('|').next().unwrap();
    let columns = cell
        .split('`')
        .skip(1)
        .step_by(2)
        .find(|span| span.starts_with("point, "))
        .expect("a code span of columns");
    columns
        .split(", ")
        .filter(|c| !c.starts_with("param_"))
        .map(String::from)
        .collect()
}

fn f(row: &Row, col: &str) -> f64 {
    row[col]
        .parse()
        .unwrap_or_else(|_| panic!("{col} = {:?} is not a number", row[col]))
}

/// (point, variant, replication) of a row.
fn run_of(row: &Row) -> (String, String, String) {
    (
        row["point"].clone(),
        row["variant"].clone(),
        row["replication"].clone(),
    )
}

/// Equal up to the order in which floating-point values were added.
fn close(a: f64, b: f64, what: &str) {
    assert!(
        (a - b).abs() <= 1e-9 * b.abs().max(1.0),
        "{what}: {a} from deals.csv, {b} in the other file"
    );
}

fn run_small(out: &Path, extra: &[&str]) {
    let mut args = vec!["run"];
    args.extend_from_slice(SMALL);
    args.extend(["--out", out.to_str().unwrap()]);
    args.extend_from_slice(extra);
    let o = salesim(&args);
    assert!(o.status.success(), "{}", stderr(&o));
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap()
}

#[test]
fn deals_csv_agrees_with_the_other_files_and_changes_none_of_them() {
    let tmp = tempfile::tempdir().unwrap();
    let (with, with2, without) = (
        tmp.path().join("deals"),
        tmp.path().join("deals-2-threads"),
        tmp.path().join("plain"),
    );
    run_small(&with, &["--deals", "--threads", "1"]);
    run_small(&with2, &["--deals", "--threads", "2"]);
    run_small(&without, &["--threads", "2"]);

    // 3. Nothing else changes; nothing is written without --deals; any thread count.
    for file in salesim::output::FILES
        .iter()
        .filter(|f| f.ends_with(".csv"))
    {
        assert!(
            std::fs::read(with.join(file)).unwrap() == std::fs::read(without.join(file)).unwrap(),
            "{file} differs with --deals"
        );
    }
    assert!(
        !without.join("deals.csv").exists(),
        "deals.csv without --deals"
    );
    assert!(
        std::fs::read(with.join("deals.csv")).unwrap()
            == std::fs::read(with2.join("deals.csv")).unwrap(),
        "deals.csv differs between 1 and 2 threads"
    );
    let m = manifest(&with);
    assert_eq!(m["deals"], true);
    assert!(m["files"].as_array().unwrap().contains(&"deals.csv".into()));
    assert!(
        m["command"].as_str().unwrap().contains("--deals"),
        "{}",
        m["command"]
    );
    let m = manifest(&without);
    assert_eq!(m["deals"], false);
    assert!(!m["files"].as_array().unwrap().contains(&"deals.csv".into()));

    // The columns are those of README.md's contract table (no sweep: no `param_*` columns).
    let deals_path = with.join("deals.csv");
    assert_eq!(header(&deals_path), readme_columns("deals.csv"));
    let deals = rows(&deals_path);
    let runs = rows(&with.join("runs.csv"));
    assert_eq!(runs.len(), 6);

    // 2. Every row is well formed.
    let source =
        ScenarioSource::read(&support::manifest_dir().join("scenarios/lesson.toml")).unwrap();
    let cfg = scenario::build(
        &source,
        &[Override::parse("market.customers=1200").unwrap()],
    )
    .unwrap();
    let horizon = (cfg.horizon_quarters * DAYS_PER_QUARTER) as i64;
    let mut rep_of: BTreeMap<u64, (String, String)> = BTreeMap::new();
    let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
    let (mut warm_up_created, mut renewals, mut incumbents, mut pulled_in) = (0, 0, 0, 0);
    // Offers that moved a decision but did not win it (lost or no decision), and offers by us
    // in the aligned variant (which never discounts).
    let (mut offered_not_won, mut aligned_offers) = (0, 0);
    for d in &deals {
        *outcomes.entry(d["outcome"].clone()).or_default() += 1;
        let vendor = cfg
            .vendors
            .iter()
            .find(|v| v.name == d["vendor"])
            .unwrap_or_else(|| panic!("unknown vendor {}", d["vendor"]));
        assert!(
            vendor.teams.iter().any(|t| t.name == d["team"]),
            "team {} is not {}'s",
            d["team"],
            d["vendor"]
        );
        let rep: u64 = d["rep"].parse().unwrap();
        let owner = rep_of
            .entry(rep)
            .or_insert_with(|| (d["vendor"].clone(), d["team"].clone()));
        assert_eq!(
            owner,
            &(d["vendor"].clone(), d["team"].clone()),
            "rep {rep} in two teams"
        );
        assert!(d["account"].parse::<u32>().unwrap() < 1200);
        assert!(["smb", "mid_market", "enterprise"].contains(&d["segment"].as_str()));
        let created: i64 = d["created_day"].parse().unwrap();
        warm_up_created += (created < 0) as usize;
        let (list, net, discount) = (f(d, "list_k"), f(d, "net_k"), f(d, "discount"));
        assert!(list > 0.0);
        let flag = |col: &str| match d[col].as_str() {
            "true" => true,
            "false" => false,
            other => panic!("{col} = {other}"),
        };
        renewals += flag("renewal") as usize;
        incumbents += flag("incumbent") as usize;
        pulled_in += flag("pulled_in") as usize;
        if flag("pulled_in") {
            assert!(
                flag("pull_in_offered"),
                "a pulled-in deal was offered a pull-in"
            );
        }
        if flag("pull_in_offered") {
            assert_ne!(
                d["outcome"], "open",
                "an offer that moved a decision closed it"
            );
            offered_not_won += (d["outcome"] != "won") as usize;
            aligned_offers +=
                (d["variant"] == "aligned" && d["vendor"] == cfg.vendors[0].name) as usize;
        }
        if d["outcome"] == "open" {
            assert_eq!(d["closed_day"], "", "an open deal has no closed_day");
            assert!(created < horizon);
        } else {
            let closed: i64 = d["closed_day"].parse().unwrap();
            assert!(
                created <= closed && (0..horizon).contains(&closed),
                "{created}..{closed}"
            );
        }
        if d["outcome"] == "won" {
            assert!(
                flag("shortlisted_at_close"),
                "a won deal was on the shortlist"
            );
            assert!((0.0..1.0).contains(&discount));
            assert_eq!(
                net,
                list * (1.0 - discount),
                "net_k = list_k × (1 − discount)"
            );
        } else {
            assert_eq!((net, discount), (0.0, 0.0), "nothing booked or conceded");
            assert!(!flag("pulled_in"), "only a won deal is pulled in");
        }
    }
    assert_eq!(
        outcomes.keys().collect::<Vec<_>>(),
        ["lost_to_competitor", "no_decision", "open", "won"],
        "every outcome occurs, and no other"
    );
    assert!(warm_up_created > 0, "opportunities created in the warm-up");
    assert!(renewals > 0 && incumbents > 0 && pulled_in > 0);
    assert!(
        offered_not_won > 0,
        "pull_in_offered marks moved decisions whatever the outcome"
    );
    assert_eq!(aligned_offers, 0, "the aligned team offers no pull-in");
    // Run-wide rep numbers: our reps first (0..our reps), each rep in one vendor's team.
    let our_reps: u32 = cfg.vendors[0].teams.iter().map(|t| t.reps).sum();
    for (rep, (vendor, _)) in &rep_of {
        assert_eq!(*rep < u64::from(our_reps), vendor == &cfg.vendors[0].name);
    }

    // 1. Agreement with runs.csv, teams.csv and vendors.csv, run by run.
    let mut by_run: HashMap<(String, String, String), Vec<&Row>> = HashMap::new();
    for d in &deals {
        by_run.entry(run_of(d)).or_default().push(d);
    }
    let us = &cfg.vendors[0].name;
    for run in &runs {
        let all = &by_run[&run_of(run)];
        let ours: Vec<&&Row> = all.iter().filter(|d| &d["vendor"] == us).collect();
        let won: Vec<&&Row> = ours
            .iter()
            .copied()
            .filter(|d| d["outcome"] == "won")
            .collect();
        let sum = |rows: &[&&Row], col: &str| rows.iter().map(|d| f(d, col)).sum::<f64>();
        close(sum(&won, "net_k"), f(run, "bookings"), "bookings");
        close(sum(&won, "list_k"), f(run, "list_value"), "list_value");
        assert_eq!(won.len() as f64, f(run, "deals"), "deals");
        // Opportunities as a CRM counts them: every closed one of ours, still on the shortlist
        // at the decision or not (issue 27: win rate = won ÷ won, lost and no decision).
        let qualified: Vec<&&Row> = ours
            .iter()
            .copied()
            .filter(|d| d["outcome"] != "open")
            .collect();
        let share = |outcome: &str| {
            qualified.iter().filter(|d| d["outcome"] == outcome).count() as f64
                / qualified.len() as f64
        };
        close(share("won"), f(run, "win_rate"), "win_rate");
        close(
            share("no_decision"),
            f(run, "no_decision_rate"),
            "no_decision_rate",
        );
        close(
            share("lost_to_competitor"),
            f(run, "lost_to_competitor"),
            "lost_to_competitor",
        );
        let late = won
            .iter()
            .filter(|d| in_last_two_weeks(d["closed_day"].parse().unwrap()))
            .count();
        close(
            late as f64 / won.len() as f64,
            f(run, "hockey_stick"),
            "hockey_stick",
        );
        assert!(
            ours.iter()
                .any(|d| d["outcome"] != "open" && d["shortlisted_at_close"] == "false"),
            "some closed opportunities of ours were dropped before the decision, and count"
        );
    }
    for team_row in rows(&with.join("teams.csv")) {
        let team: Vec<&&Row> = by_run[&run_of(&team_row)]
            .iter()
            .filter(|d| {
                &d["vendor"] == us && d["team"] == team_row["team"] && d["outcome"] == "won"
            })
            .collect();
        let net: f64 = team.iter().map(|d| f(d, "net_k")).sum();
        close(net, f(&team_row, "bookings"), "team bookings");
        assert_eq!(team.len() as f64, f(&team_row, "deals"), "team deals");
    }
    for vendor_row in rows(&with.join("vendors.csv")) {
        let won: Vec<&&Row> = by_run[&run_of(&vendor_row)]
            .iter()
            .filter(|d| d["vendor"] == vendor_row["vendor"] && d["outcome"] == "won")
            .collect();
        let net: f64 = won.iter().map(|d| f(d, "net_k")).sum();
        close(net, f(&vendor_row, "bookings"), "vendor bookings");
        assert_eq!(won.len() as f64, f(&vendor_row, "deals"), "vendor deals");
    }

    // A later run without --deals in the same folder leaves no stale deals.csv behind.
    run_small(&with, &[]);
    assert!(!with.join("deals.csv").exists(), "stale deals.csv left");
}

#[test]
fn one_simulation_in_memory_is_the_run_salesim_makes() {
    let source =
        ScenarioSource::read(&support::manifest_dir().join("scenarios/lesson.toml")).unwrap();
    let overrides = [
        Override::parse("market.customers=600").unwrap(),
        Override::parse("replications=2").unwrap(),
    ];
    let cfg = scenario::build(&source, &overrides).unwrap();
    let plan = experiment::plan(&source, &overrides).unwrap();
    let point = experiment::run_point(&plan.point(0).unwrap(), &|| {});
    for variant in 0..cfg.variants.len() {
        let one = simulate_one(&cfg, variant, 1);
        let same = point
            .runs
            .iter()
            .find(|r| r.variant == variant && r.replication == 1)
            .unwrap();
        assert_eq!(one.seed, same.seed);
        assert_eq!(one.record, same.record, "the same run as salesim run's");
        let total = one.record.total();
        let won: Vec<_> = one
            .deals
            .iter()
            .filter(|d| d.vendor == 0 && d.outcome == salesim::engine::DealOutcome::Won)
            .collect();
        assert_eq!(won.len() as f64, total.deals);
        close(
            won.iter().map(|d| d.net_k).sum(),
            total.bookings,
            "bookings",
        );
        assert_eq!(
            won.iter().filter(|d| d.pulled_in).count() as f64,
            total.pulled_in,
            "pulled-in deals"
        );
        // Every closed opportunity of ours counts, as a CRM counts them.
        let closed = one
            .deals
            .iter()
            .filter(|d| d.vendor == 0 && d.outcome != salesim::engine::DealOutcome::Open)
            .count();
        assert_eq!(closed as f64, total.opportunities);
    }
}

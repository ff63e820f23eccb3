//! End-to-end tests of the `salesim` binary: the output contract in README.md (files, columns, row
//! counts, atomic writes), reproducibility across thread counts, common random numbers, bad input
//! (exit 2, located messages, nothing written), the small commands (`validate`, `list`, `init`,
//! `report`) and the calibration bands of the lesson scenario.
//!
//! Runs are kept small (few replications, or a reduced market via `--set market.customers=...`).

mod support;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use support::{manifest_dir, salesim, salesim_in, stderr, stdout};

/// Metric columns of runs.csv, in contract order (README.md, "Reading the outputs").
const RUN_METRICS: [&str; 27] = [
    "bookings",
    "list_value",
    "discount_cost",
    "deals",
    "win_rate",
    "no_decision_rate",
    "lost_to_competitor",
    "contacts",
    "unwelcome_share",
    "blocks",
    "accounts_blocking",
    "conflicts",
    "poached_deals",
    "quota_attainment",
    "reps_at_quota_share",
    "mean_trust",
    "hockey_stick",
    "commission_cost",
    "rep_cost",
    "contribution",
    "cost_of_sales_ratio",
    "sandbagged_deals",
    "on_journey_share",
    "prospecting_on_journey_share",
    "territory_on_journey_share",
    "yoy_growth",
    "cohort_bookings",
];

/// Metric columns of quarters.csv: the run metrics but `accounts_blocking` (distinct accounts
/// over the horizon), `yoy_growth` and `cohort_bookings`.
fn quarter_metrics() -> Vec<String> {
    let run_only = ["accounts_blocking", "yoy_growth", "cohort_bookings"];
    strings(&RUN_METRICS)
        .into_iter()
        .filter(|m| !run_only.contains(&m.as_str()))
        .collect()
}

/// Columns of teams.csv after its keys (`point, variant, replication`).
const TEAM_COLUMNS: [&str; 11] = [
    "team",
    "bookings",
    "deals",
    "contacts",
    "on_journey_share",
    "blocks",
    "accounts_blocking",
    "conflicts",
    "poached_deals_lost",
    "poached_deals_gained",
    "quota_attainment",
];

const CSV_FILES: [&str; 10] = [
    "runs.csv",
    "quarters.csv",
    "weeks.csv",
    "summary.csv",
    "comparison.csv",
    "phases.csv",
    "teams.csv",
    "vendors.csv",
    "reps.csv",
    "strategy_mix.csv",
];

const LESSON: &str = "scenarios/lesson.toml";
const LESSON_VARIANTS: [&str; 2] = ["aggressive", "aligned"];
const QUARTERS: usize = 12;

/// Asserts a successful exit and returns stdout.
fn ok(out: Output, what: &str) -> String {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{what} failed:\nstdout: {}\nstderr: {}",
        stdout(&out),
        stderr(&out)
    );
    stdout(&out)
}

/// Runs the lesson into `out` with extra arguments; asserts success.
fn run_lesson(out: &Path, extra: &[&str]) {
    let out_s = out.to_str().unwrap();
    let mut args = vec!["run", LESSON, "--out", out_s, "--quiet"];
    args.extend_from_slice(extra);
    ok(salesim(&args), &format!("salesim {args:?}"));
}

/// A CSV file: header and rows.
struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn read(path: &Path) -> Table {
        let mut reader = csv::Reader::from_path(path)
            .unwrap_or_else(|e| panic!("cannot open {}: {e}", path.display()));
        let header = reader
            .headers()
            .unwrap()
            .iter()
            .map(str::to_string)
            .collect();
        let rows = reader
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect();
        Table { header, rows }
    }

    fn col(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name} in {:?}", self.header))
    }

    fn rows_where<'a>(&'a self, column: &str, value: &'a str) -> Vec<&'a Vec<String>> {
        let i = self.col(column);
        self.rows.iter().filter(|r| r[i] == value).collect()
    }

    fn f64s(&self, rows: &[&Vec<String>], column: &str) -> Vec<f64> {
        let i = self.col(column);
        rows.iter()
            .map(|r| {
                r[i].parse::<f64>()
                    .unwrap_or_else(|_| panic!("{column}: `{}` is not a number", r[i]))
            })
            .collect()
    }
}

/// summary.csv as (variant, metric) → mean.
fn summary_means(dir: &Path) -> HashMap<(String, String), f64> {
    let t = Table::read(&dir.join("summary.csv"));
    let (v, m, mean) = (t.col("variant"), t.col("metric"), t.col("mean"));
    t.rows
        .iter()
        .map(|r| ((r[v].clone(), r[m].clone()), r[mean].parse().unwrap()))
        .collect()
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// Every file under `dir`, recursively.
fn all_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            out.extend(all_files(&p));
        } else {
            out.push(p);
        }
    }
    out
}

// 1. Output contract ---------------------------------------------------------------------------

#[test]
fn the_terminal_table_shows_what_is_left_after_the_reps_pay() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let args = [
        "run",
        LESSON,
        "--out",
        out.to_str().unwrap(),
        "--replications",
        "3",
    ];
    let text = ok(salesim(&args), "salesim run");
    let row = text
        .lines()
        .find(|l| l.starts_with("after reps' pay ($k)"))
        .unwrap_or_else(|| panic!("no contribution row in:\n{text}"));
    // Each variant's mean, as summary.csv has it, rounded to $k and grouped as every surface
    // writes money.
    let means = summary_means(&out);
    for v in LESSON_VARIANTS {
        let mean = salesim::shown::thousands(means[&(v.to_string(), "contribution".to_string())]);
        assert!(
            row.contains(&format!("{mean} [")),
            "{v}: {mean} not in {row:?}"
        );
    }
}

#[test]
fn run_writes_every_file_with_the_contract_columns_and_row_counts() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let reps = 6;
    run_lesson(&out, &["--replications", "6"]);
    let variants = LESSON_VARIANTS.len();

    for f in CSV_FILES
        .iter()
        .chain(&["manifest.json", "report.html"])
        .copied()
    {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let pngs: Vec<PathBuf> = std::fs::read_dir(out.join("charts"))
        .expect("charts/ exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "png"))
        .collect();
    assert!(!pngs.is_empty(), "no charts/*.png");
    for p in &pngs {
        let bytes = std::fs::read(p).unwrap();
        assert!(
            bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
            "{} is not a PNG",
            p.display()
        );
    }
    let leftovers: Vec<PathBuf> = all_files(&out)
        .into_iter()
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.ends_with(".partial") || name.ends_with(".tmp")
        })
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");

    let keys = ["point", "variant", "replication", "seed"];
    let runs = Table::read(&out.join("runs.csv"));
    let want: Vec<String> = strings(&keys)
        .into_iter()
        .chain(strings(&RUN_METRICS))
        .collect();
    assert_eq!(runs.header, want, "runs.csv columns");
    assert_eq!(runs.rows.len(), variants * reps, "runs.csv rows");

    let quarters = Table::read(&out.join("quarters.csv"));
    let want: Vec<String> = strings(&keys)
        .into_iter()
        .chain(["quarter".to_string()])
        .chain(quarter_metrics())
        .collect();
    assert_eq!(quarters.header, want, "quarters.csv columns");
    assert_eq!(quarters.rows.len(), variants * reps * QUARTERS);
    let q = quarters.col("quarter");
    let mut seen: Vec<usize> = quarters
        .rows
        .iter()
        .map(|r| r[q].parse().unwrap())
        .collect();
    seen.sort();
    seen.dedup();
    assert_eq!(seen, (1..=QUARTERS).collect::<Vec<_>>());

    let weeks = Table::read(&out.join("weeks.csv"));
    assert_eq!(
        weeks.header,
        strings(&[
            "point",
            "variant",
            "week_of_quarter",
            "deals",
            "bookings",
            "mean_discount"
        ])
    );
    assert_eq!(weeks.rows.len(), variants * 13);
    for v in LESSON_VARIANTS {
        let rows = weeks.rows_where("variant", v);
        let w: Vec<f64> = weeks.f64s(&rows, "week_of_quarter");
        assert_eq!(w, (1..=13).map(f64::from).collect::<Vec<_>>(), "{v} weeks");
    }

    let summary = Table::read(&out.join("summary.csv"));
    assert_eq!(
        summary.header,
        strings(&["point", "variant", "metric", "mean", "sd", "ci_low", "ci_high", "n"])
    );
    assert_eq!(summary.rows.len(), variants * RUN_METRICS.len());
    let n = summary.col("n");
    assert!(summary.rows.iter().all(|r| r[n] == reps.to_string()));

    let comparison = Table::read(&out.join("comparison.csv"));
    assert_eq!(
        comparison.header,
        strings(&[
            "point",
            "variant",
            "reference",
            "metric",
            "mean_diff",
            "ci_low",
            "ci_high",
            "share_better"
        ])
    );
    assert_eq!(comparison.rows.len(), (variants - 1) * RUN_METRICS.len());

    // The lesson: our two teams (west, east), three vendors (us, rival, challenger).
    let run_keys = ["point", "variant", "replication"];
    let teams = Table::read(&out.join("teams.csv"));
    let want: Vec<String> = strings(&run_keys)
        .into_iter()
        .chain(strings(&TEAM_COLUMNS))
        .collect();
    assert_eq!(teams.header, want, "teams.csv columns");
    assert_eq!(teams.rows.len(), variants * reps * 2, "teams.csv rows");
    let vendors = Table::read(&out.join("vendors.csv"));
    let want: Vec<String> = strings(&run_keys)
        .into_iter()
        .chain(strings(&["vendor", "bookings", "deals", "market_share"]))
        .collect();
    assert_eq!(vendors.header, want, "vendors.csv columns");
    assert_eq!(vendors.rows.len(), variants * reps * 3, "vendors.csv rows");
    let rep_rows = Table::read(&out.join("reps.csv"));
    assert_eq!(
        rep_rows.header,
        strings(&[
            "point",
            "variant",
            "quarter",
            "rep_quarters",
            "p10",
            "p25",
            "p50",
            "p75",
            "p90",
            "share_at_quota"
        ]),
        "reps.csv columns"
    );
    assert_eq!(rep_rows.rows.len(), variants * QUARTERS, "reps.csv rows");
    let pooled = rep_rows.f64s(&rep_rows.rows.iter().collect::<Vec<_>>(), "rep_quarters");
    assert!(
        pooled.iter().all(|&n| n == (10 * reps) as f64),
        "every quarter pools the lesson's 10 reps of all {reps} replications: {pooled:?}"
    );

    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap())
            .expect("manifest.json parses");
    assert_eq!(manifest["complete"], serde_json::Value::Bool(true));
    // The run's cost as CPU time (it did simulate, so some) beside the machine's load.
    let cpu = manifest["cpu_time_seconds"]
        .as_f64()
        .expect("cpu_time_seconds");
    assert!(cpu > 0.0, "cpu_time_seconds {cpu}");
    let load = manifest["load_average"]
        .as_array()
        .expect("load_average on Linux");
    assert_eq!(load.len(), 3);

    // summary.csv's bookings mean is the mean of runs.csv's bookings.
    let means = summary_means(&out);
    for v in LESSON_VARIANTS {
        let rows = runs.rows_where("variant", v);
        assert_eq!(rows.len(), reps);
        let b = runs.f64s(&rows, "bookings");
        let mean = b.iter().sum::<f64>() / b.len() as f64;
        let reported = means[&(v.to_string(), "bookings".to_string())];
        assert!(
            (mean - reported).abs() <= 1e-9 * mean.abs().max(1.0),
            "{v}: runs.csv mean {mean}, summary.csv {reported}"
        );
    }
}

/// A CSV's rows grouped by run (point, variant, replication).
fn by_run(t: &Table) -> HashMap<(String, String, String), Vec<&Vec<String>>> {
    let (p, v, r) = (t.col("point"), t.col("variant"), t.col("replication"));
    let mut out: HashMap<_, Vec<_>> = HashMap::new();
    for row in &t.rows {
        out.entry((row[p].clone(), row[v].clone(), row[r].clone()))
            .or_default()
            .push(row);
    }
    out
}

/// Whether two totals agree up to rounding (they add the same amounts in another order).
fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn teams_and_vendors_add_up_to_our_totals_and_blocking_accounts_are_distinct() {
    // The neighbouring-teams scenario, small: its aggressive teams poach across the border, so
    // poached deals exist to be counted.
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let customers = 1200;
    ok(
        salesim(&[
            "run",
            "scenarios/neighbouring-teams.toml",
            "--replications",
            "3",
            "--set",
            &format!("market.customers={customers}"),
            // No warm-up: every team sells the reference's way (aggressive) in it, so an
            // opportunity a team of ours poached then may close after the switch, credited to
            // a team that sells aligned by then; without it, poaching is the horizon's own.
            "--set",
            "warm_up_quarters=0",
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ]),
        "neighbouring-teams run",
    );
    let runs = Table::read(&out.join("runs.csv"));
    let teams = Table::read(&out.join("teams.csv"));
    let vendors = Table::read(&out.join("vendors.csv"));
    let (team_rows, vendor_rows) = (by_run(&teams), by_run(&vendors));
    let (p, v, r) = (
        runs.col("point"),
        runs.col("variant"),
        runs.col("replication"),
    );
    let mut poached = 0.0;
    for run in &runs.rows {
        let key = (run[p].clone(), run[v].clone(), run[r].clone());
        let ours = |m: &str| run[runs.col(m)].parse::<f64>().unwrap();
        let team = &team_rows[&key];
        assert_eq!(team.len(), 2, "{key:?}: one row per team");
        let sum = |m: &str| teams.f64s(team, m).iter().sum::<f64>();
        // Every booking, deal, contact, block and conflict of ours is one team's.
        assert!(close(sum("bookings"), ours("bookings")), "{key:?} bookings");
        for m in ["deals", "contacts", "blocks", "conflicts"] {
            assert_eq!(sum(m), ours(m), "{key:?}: teams' {m} add up to runs.csv's");
        }
        // A poached deal is gained by one team and lost by one.
        assert_eq!(
            sum("poached_deals_gained"),
            ours("poached_deals"),
            "{key:?}"
        );
        assert_eq!(sum("poached_deals_lost"), ours("poached_deals"), "{key:?}");
        poached += ours("poached_deals");
        // Distinct accounts: at most the block events and the market's accounts; each team's
        // at most its own blocks; the teams' together at least ours (an account can block
        // after contacts of both teams).
        let accounts = ours("accounts_blocking");
        assert!(
            accounts <= ours("blocks") && accounts <= customers as f64,
            "{key:?}"
        );
        assert!(accounts > 0.0 || ours("blocks") == 0.0, "{key:?}");
        assert!(sum("accounts_blocking") >= accounts, "{key:?}");
        for row in team {
            let t = |m: &str| row[teams.col(m)].parse::<f64>().unwrap();
            assert!(t("accounts_blocking") <= t("blocks"), "{key:?}");
        }
        // Equal teams (six reps each): the run's attainment is the mean of the teams'.
        assert!(
            close(sum("quota_attainment") / 2.0, ours("quota_attainment")),
            "{key:?}"
        );
        // The market: our row is runs.csv's, to the digit; the shares add up to 1.
        let market = &vendor_rows[&key];
        assert_eq!(market.len(), 2, "{key:?}: us and the rival");
        let us = market[0];
        assert_eq!(us[vendors.col("vendor")], "us");
        assert_eq!(
            us[vendors.col("bookings")],
            run[runs.col("bookings")],
            "{key:?}"
        );
        assert_eq!(us[vendors.col("deals")], run[runs.col("deals")], "{key:?}");
        let shares: f64 = vendors.f64s(market, "market_share").iter().sum();
        assert!(
            (shares - 1.0).abs() < 1e-12,
            "{key:?}: shares add up to {shares}"
        );
    }
    assert!(
        poached > 0.0,
        "no poached deal at all: the test would prove nothing"
    );
    // Aligned reps never poach: in the mixed variants, the aligned team gains no poached deal,
    // while the aggressive team does (summed over replications).
    for (variant, aggressive, aligned) in [
        ("west-aggressive-east-aligned", "west", "east"),
        ("west-aligned-east-aggressive", "east", "west"),
    ] {
        let gained = |team: &str| -> f64 {
            let rows: Vec<&Vec<String>> = teams
                .rows
                .iter()
                .filter(|r| r[teams.col("variant")] == variant && r[teams.col("team")] == team)
                .collect();
            teams.f64s(&rows, "poached_deals_gained").iter().sum()
        };
        assert_eq!(
            gained(aligned),
            0.0,
            "{variant}: the aligned {aligned} poached"
        );
        assert!(
            gained(aggressive) > 0.0,
            "{variant}: the aggressive {aggressive} never poached"
        );
    }
    // reps.csv: quantiles in order, and the share at quota pools runs.csv's.
    let reps = Table::read(&out.join("reps.csv"));
    for row in &reps.rows {
        let q: Vec<f64> = ["p10", "p25", "p50", "p75", "p90"]
            .iter()
            .map(|c| row[reps.col(c)].parse().unwrap())
            .collect();
        assert!(
            q.windows(2).all(|w| w[0] <= w[1]),
            "quantiles out of order: {row:?}"
        );
    }
    for variant in ["both-aggressive", "both-aligned"] {
        let shares = reps.f64s(&reps.rows_where("variant", variant), "share_at_quota");
        let pooled = shares.iter().sum::<f64>() / shares.len() as f64;
        let per_run = runs.f64s(&runs.rows_where("variant", variant), "reps_at_quota_share");
        let mean = per_run.iter().sum::<f64>() / per_run.len() as f64;
        assert!(
            close(pooled, mean),
            "{variant}: reps.csv {pooled}, runs.csv {mean}"
        );
    }
}

// 2. Reproducibility ---------------------------------------------------------------------------

#[test]
fn learning_reps_drift_the_same_way_for_any_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    let args = [
        "--replications",
        "3",
        "--set",
        "market.customers=800",
        "--set",
        "horizon_quarters=6",
        "--set",
        "learning.rule=imitate",
        "--set",
        "learning.peers=vendor",
        "--set",
        "learning.mutation=0.5",
        "--set",
        "strategies.aggressive.pay_driven=true",
        "--set",
        "variants.1.teams.east=aggressive",
    ];
    let (one, two) = (tmp.path().join("one"), tmp.path().join("two"));
    run_lesson(&one, &[&args[..], &["--threads", "1"]].concat());
    run_lesson(&two, &[&args[..], &["--threads", "2"]].concat());
    for f in CSV_FILES {
        let (a, b) = (
            std::fs::read(one.join(f)).unwrap(),
            std::fs::read(two.join(f)).unwrap(),
        );
        assert!(a == b, "{f} differs between --threads 1 and --threads 2");
    }
    // Not vacuous: the reps' styles did move.
    let mix = Table::read(&one.join("strategy_mix.csv"));
    let (knob, mean) = (mix.col("knob"), mix.col("mean"));
    let positions: Vec<f64> = mix
        .rows
        .iter()
        .filter(|r| r[knob] == "aggressive_position")
        .map(|r| r[mean].parse().unwrap())
        .collect();
    let (lo, hi) = positions
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), &x| (lo.min(x), hi.max(x)));
    assert!(hi - lo > 0.01, "no drift in {positions:?}");
}

#[test]
fn same_seed_gives_identical_files_for_any_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    let small = [
        "--replications",
        "4",
        "--set",
        "market.customers=800",
        "--seed",
        "99",
    ];
    let (one, two, other) = (
        tmp.path().join("one"),
        tmp.path().join("two"),
        tmp.path().join("other"),
    );
    run_lesson(&one, &[&small[..], &["--threads", "1"]].concat());
    run_lesson(&two, &[&small[..], &["--threads", "2"]].concat());
    for f in CSV_FILES {
        let (a, b) = (
            std::fs::read(one.join(f)).unwrap(),
            std::fs::read(two.join(f)).unwrap(),
        );
        assert!(a == b, "{f} differs between --threads 1 and --threads 2");
    }
    let mut other_args = small.to_vec();
    other_args[5] = "100";
    run_lesson(&other, &other_args);
    assert_ne!(
        std::fs::read(one.join("runs.csv")).unwrap(),
        std::fs::read(other.join("runs.csv")).unwrap(),
        "a different --seed must change runs.csv"
    );
}

// 3. Common random numbers ---------------------------------------------------------------------

#[test]
fn every_variant_of_a_replication_uses_the_same_seed() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    run_lesson(
        &out,
        &["--replications", "5", "--set", "market.customers=500"],
    );
    let runs = Table::read(&out.join("runs.csv"));
    let (v, r, s) = (
        runs.col("variant"),
        runs.col("replication"),
        runs.col("seed"),
    );
    let mut by_rep: HashMap<String, HashMap<String, String>> = HashMap::new();
    for row in &runs.rows {
        by_rep
            .entry(row[r].clone())
            .or_default()
            .insert(row[v].clone(), row[s].clone());
    }
    assert_eq!(by_rep.len(), 5);
    let mut seeds = Vec::new();
    for (rep, variants) in &by_rep {
        assert_eq!(variants.len(), LESSON_VARIANTS.len(), "replication {rep}");
        let first = &variants[LESSON_VARIANTS[0]];
        for (name, seed) in variants {
            assert_eq!(seed, first, "replication {rep}: {name} has another seed");
        }
        seeds.push(first.clone());
    }
    seeds.sort();
    seeds.dedup();
    assert_eq!(seeds.len(), 5, "replications must have distinct seeds");
}

#[test]
fn strategy_changes_do_not_change_the_generated_world() {
    use salesim::scenario::{build, Override, ScenarioSource};
    use salesim::world::generate;
    let text = std::fs::read_to_string(manifest_dir().join(LESSON)).unwrap();
    let source = ScenarioSource::parse(LESSON, &text).unwrap();
    let small = Override::parse("market.customers=600").unwrap();
    let cfg = |extra: &[&str]| {
        let mut o = vec![small.clone()];
        o.extend(extra.iter().map(|s| Override::parse(s).unwrap()));
        build(&source, &o).unwrap()
    };
    let a = cfg(&[]);
    let knob = cfg(&["strategies.aggressive.discount_max=0.1"]);
    let variant = cfg(&["variants.0.strategy=aligned"]);
    let rival = cfg(&["vendors.1.strategy=aligned"]);
    assert_ne!(
        a.variants[0].team_strategies, knob.variants[0].team_strategies,
        "the override changes the strategy"
    );
    assert_ne!(
        a.variants[0].team_strategies,
        variant.variants[0].team_strategies
    );
    assert_ne!(a.vendors[1].teams, rival.vendors[1].teams);
    for seed in [1u64, 2, 12345] {
        let world = generate(&a, seed);
        assert!(
            world == generate(&knob, seed),
            "strategy knob re-rolled the world"
        );
        assert!(
            world == generate(&variant, seed),
            "variant strategy re-rolled the world"
        );
        assert!(
            world == generate(&rival, seed),
            "rival strategy re-rolled the world"
        );
    }
    // Control: the market itself does change the world, and so does the seed.
    assert!(generate(&a, 1) != generate(&a, 2));
    let bigger = cfg(&["market.customers=601"]);
    assert!(generate(&a, 1) != generate(&bigger, 1));
}

// 4. Bad input ---------------------------------------------------------------------------------

/// Runs `salesim run FILE --out <tmp>/out` (plus extra args) and checks the bad-input contract:
/// exit 2, the message contains every expected piece, and no output folder is created. Returns
/// stderr.
fn rejects(file: &str, extra: &[&str], expect: &[&str]) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("out");
    let mut args = vec!["run", file, "--out", out_dir.to_str().unwrap(), "--quiet"];
    args.extend_from_slice(extra);
    let out = salesim(&args);
    let err = stderr(&out);
    assert_eq!(
        out.status.code(),
        Some(2),
        "salesim {args:?} should exit 2; stderr: {err}"
    );
    for piece in expect {
        assert!(
            err.contains(piece),
            "salesim {args:?}: message lacks `{piece}`:\n{err}"
        );
    }
    assert!(
        !out_dir.exists(),
        "salesim {args:?} created the output folder"
    );
    err
}

/// The text after "Allowed:" in an error message.
fn allowed(err: &str) -> &str {
    let i = err
        .find("Allowed:")
        .unwrap_or_else(|| panic!("no `Allowed:` in {err}"));
    &err[i..]
}

#[test]
fn unknown_key_is_named_with_its_line_and_the_allowed_keys() {
    let f = "tests/scenarios_bad/unknown_key.toml";
    let err = rejects(f, &[], &[f, ":4", "customerz"]);
    let allowed = allowed(&err);
    assert!(
        allowed.contains("customers") && allowed.contains("peers"),
        "{err}"
    );
}

#[test]
fn wrong_type_is_named_with_its_line() {
    let f = "tests/scenarios_bad/wrong_type.toml";
    let err = rejects(f, &[], &[f, ":4", "customers"]);
    allowed(&err);
}

#[test]
fn negative_count_is_named_with_its_line() {
    let f = "tests/scenarios_bad/negative_count.toml";
    let err = rejects(f, &[], &[f, ":4", "customers", "-5"]);
    allowed(&err);
}

#[test]
fn probability_out_of_range_says_zero_to_one() {
    let f = "tests/scenarios_bad/probability_range.toml";
    let err = rejects(f, &[], &[f, ":4", "customers.inbound_discovery", "1.5"]);
    let allowed = allowed(&err);
    assert!(
        allowed.contains("0 to 1") || allowed.contains("0 and 1"),
        "{err}"
    );
}

#[test]
fn empty_teams_are_rejected() {
    let f = "tests/scenarios_bad/empty_teams.toml";
    let err = rejects(f, &[], &[f, ":5", "vendors.0.teams"]);
    allowed(&err);
}

#[test]
fn zero_customers_are_rejected() {
    let f = "tests/scenarios_bad/zero_customers.toml";
    let err = rejects(f, &[], &[f, ":4", "market.customers"]);
    allowed(&err);
}

#[test]
fn zero_horizon_is_rejected() {
    let f = "tests/scenarios_bad/zero_horizon.toml";
    let err = rejects(f, &[], &[f, ":2", "horizon_quarters"]);
    allowed(&err);
}

#[test]
fn unknown_strategy_in_a_variant_lists_the_strategies() {
    let f = "tests/scenarios_bad/unknown_strategy.toml";
    let err = rejects(f, &[], &[f, ":9", "variants.1.strategy", "pushy"]);
    let allowed = allowed(&err);
    assert!(
        allowed.contains("aggressive") && allowed.contains("aligned"),
        "{err}"
    );
}

#[test]
fn duplicate_variant_names_are_rejected() {
    let f = "tests/scenarios_bad/duplicate_variant.toml";
    let err = rejects(f, &[], &[f, ":8", "variants.1.name", "same"]);
    allowed(&err);
}

#[test]
fn broken_toml_syntax_names_file_and_line() {
    let f = "tests/scenarios_bad/broken_syntax.toml";
    let err = rejects(f, &[], &[f, ":3"]);
    allowed(&err);
}

#[test]
fn missing_file_and_directory_are_rejected() {
    let f = "tests/scenarios_bad/does_not_exist.toml";
    let err = rejects(f, &[], &[f]);
    allowed(&err);
    let dir = "tests/scenarios_bad";
    let err = rejects(dir, &[], &[dir, "directory"]);
    allowed(&err);
}

#[test]
fn non_utf8_file_is_rejected_with_its_line() {
    let f = "tests/scenarios_bad/not_utf8.toml";
    let bytes = std::fs::read(manifest_dir().join(f)).unwrap();
    assert!(
        String::from_utf8(bytes).is_err(),
        "fixture must not be UTF-8"
    );
    let err = rejects(f, &[], &[f, ":2", "UTF-8"]);
    allowed(&err);
}

#[test]
fn set_with_unknown_path_names_the_override() {
    let err = rejects(
        LESSON,
        &["--set", "market.customerz=3"],
        &["--set market.customerz=3", "customerz"],
    );
    assert!(allowed(&err).contains("customers"), "{err}");
    let err = rejects(
        LESSON,
        &["--set", "nosuch.key=1"],
        &["--set nosuch.key=1", "nosuch"],
    );
    assert!(allowed(&err).contains("market"), "{err}");
    let err = rejects(
        LESSON,
        &["--set", "market.customers.x=1"],
        &["--set market.customers.x=1", "market.customers"],
    );
    allowed(&err);
}

#[test]
fn zero_threads_are_rejected() {
    rejects(LESSON, &["--threads", "0"], &["--threads", "0"]);
}

// 5. validate, list, init ----------------------------------------------------------------------

#[test]
fn validate_accepts_the_lesson_and_rejects_a_bad_file() {
    ok(salesim(&["validate", LESSON]), "validate lesson");
    let f = "tests/scenarios_bad/zero_horizon.toml";
    let out = salesim(&["validate", f]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("horizon_quarters"));
}

#[test]
fn list_shows_the_lesson() {
    let text = ok(salesim(&["list"]), "list");
    assert!(text.contains("lesson"), "{text}");
}

#[test]
fn init_writes_a_template_that_validates_and_runs_and_is_not_overwritten() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    ok(salesim_in(dir, &["init", "myscenario"]), "init");
    let file = dir.join("myscenario.toml");
    assert!(file.is_file());
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("name = \"myscenario\""));
    ok(
        salesim_in(dir, &["validate", "myscenario.toml"]),
        "validate",
    );
    ok(
        salesim_in(
            dir,
            &[
                "run",
                "myscenario.toml",
                "--replications",
                "2",
                "--set",
                "market.customers=300",
                "--quiet",
                "--out",
                "X",
            ],
        ),
        "run the template",
    );
    assert!(dir.join("X").join("runs.csv").is_file());
    assert!(dir.join("X").join("manifest.json").is_file());

    std::fs::write(&file, "# edited by hand\n").unwrap();
    let again = salesim_in(dir, &["init", "myscenario"]);
    assert_ne!(
        again.status.code(),
        Some(0),
        "init must refuse to overwrite"
    );
    assert!(stderr(&again).contains("myscenario.toml"));
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "# edited by hand\n",
        "the existing file is untouched"
    );
}

// 6. Calibration -------------------------------------------------------------------------------

#[test]
fn lesson_reproduces_the_calibration_bands() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    run_lesson(&out, &["--replications", "30"]);
    let means = summary_means(&out);
    let m = |v: &str, metric: &str| -> f64 {
        *means
            .get(&(v.to_string(), metric.to_string()))
            .unwrap_or_else(|| panic!("no {v}/{metric} in summary.csv"))
    };
    let in_band = |v: &str, metric: &str, lo: f64, hi: f64| {
        let x = m(v, metric);
        assert!(
            (lo..=hi).contains(&x),
            "{v} {metric} = {x}, outside [{lo}, {hi}]"
        );
    };

    // Hockey stick: the quarter-driven team books 30% or more of its bookings in weeks 12-13
    // (uniform timing would put 2/13 = 0.154 there); the aligned team less.
    let weeks = Table::read(&out.join("weeks.csv"));
    let late_share = |v: &str| -> f64 {
        let rows = weeks.rows_where("variant", v);
        let bookings = weeks.f64s(&rows, "bookings");
        let week = weeks.f64s(&rows, "week_of_quarter");
        let late: f64 = week
            .iter()
            .zip(&bookings)
            .filter(|(w, _)| **w >= 12.0)
            .map(|(_, b)| b)
            .sum();
        late / bookings.iter().sum::<f64>()
    };
    let (aggressive, aligned) = (late_share("aggressive"), late_share("aligned"));
    assert!(
        aggressive >= 0.30,
        "aggressive late bookings share {aggressive}"
    );
    assert!(
        aligned < aggressive,
        "aligned {aligned} vs aggressive {aggressive}"
    );
    // No decision ends 40-60% of qualified opportunities (JOLT).
    in_band("aggressive", "no_decision_rate", 0.40, 0.60);
    in_band("aligned", "no_decision_rate", 0.40, 0.60);
    // Win rate 15-30% (practitioner figures 15-25%).
    in_band("aligned", "win_rate", 0.15, 0.30);
    in_band("aggressive", "win_rate", 0.15, 0.30);
    // Timing-driven discounts cost the aggressive team a few percent of list (Larkin 2014: 6–8% at
    // one vendor, docs/FIELD-FACTS.md), within 2–11%.
    let cost = m("aggressive", "discount_cost");
    let share = cost / (m("aggressive", "bookings") + cost);
    assert!(
        (0.02..=0.11).contains(&share),
        "aggressive discount share of list {share}"
    );
    // Aligned never offers a discount: it honours only the offers our teams made before the
    // switch (during the warm-up, as the reference's quarter-driven teams), in deals that close
    // within the first year; from the second year on it gives none.
    let quarters = Table::read(&out.join("quarters.csv"));
    let rows = quarters.rows_where("variant", "aligned");
    assert_eq!(rows.len(), 30 * 12);
    let quarter = quarters.f64s(&rows, "quarter");
    let cost = quarters.f64s(&rows, "discount_cost");
    let legacy: f64 = quarter
        .iter()
        .zip(&cost)
        .filter(|(q, _)| **q <= 4.0)
        .map(|(_, c)| c)
        .sum();
    let later: f64 = quarter
        .iter()
        .zip(&cost)
        .filter(|(q, _)| **q > 4.0)
        .map(|(_, c)| c)
        .sum();
    assert_eq!(later, 0.0, "aligned gives no discount of its own");
    assert!(
        legacy / 30.0 < 0.01 * m("aligned", "bookings"),
        "the honoured offers are a small legacy: {legacy}"
    );
}

// 7. report ------------------------------------------------------------------------------------

#[test]
fn report_rebuilds_the_report_of_a_finished_run() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    run_lesson(
        &out,
        &["--replications", "4", "--set", "market.customers=500"],
    );
    let report = out.join("report.html");
    assert!(report.is_file());
    std::fs::remove_file(&report).unwrap();
    ok(
        salesim(&["report", out.to_str().unwrap()]),
        "salesim report on a finished run",
    );
    assert!(report.is_file(), "report.html was not rebuilt");
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(html.contains("aggressive") && html.contains("aligned"));
}

#[test]
fn report_without_manifest_exits_2() {
    let tmp = tempfile::tempdir().unwrap();
    let out = salesim(&["report", tmp.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("manifest.json"));
    assert!(!tmp.path().join("report.html").exists());
}

#[test]
fn one_variant_run_writes_a_report_without_comparisons() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("single");
    ok(
        salesim(&[
            "run",
            "scenarios/validation/quota-attainment.toml",
            "--replications",
            "2",
            "--set",
            "market.customers=300",
            "--quiet",
            "--out",
            out.to_str().unwrap(),
        ]),
        "a one-variant run",
    );
    let comparison = std::fs::read_to_string(out.join("comparison.csv")).unwrap();
    assert_eq!(
        comparison.lines().count(),
        1,
        "header only: nothing to compare"
    );
    assert!(out.join("report.html").is_file());
    assert!(out.join("charts/bookings_by_quarter.png").is_file());
    assert!(!out.join("charts/paired_differences.png").exists());
}

/// A run over the memory limit is refused before anything is written, naming the file, line and
/// key behind the larger share of the estimate.
fn refused_for_memory(scenario: &Path, line: usize, key: &str) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("huge");
    let result = Command::new(env!("CARGO_BIN_EXE_salesim"))
        .current_dir(manifest_dir())
        .env("SALESIM_MEMORY_LIMIT_GB", "0.001")
        .args(["run", "--threads", "1", "--quiet", "--out"])
        .arg(&out)
        .arg(scenario)
        .output()
        .unwrap();
    assert_eq!(result.status.code(), Some(2));
    let err = stderr(&result);
    assert!(
        err.contains(&format!("{}:{line}: key `{key}`", scenario.display())),
        "{err}"
    );
    assert!(err.contains("GB of memory"), "{err}");
    assert!(
        err.contains("limit of 0.001 GB") && err.contains("Allowed:"),
        "{err}"
    );
    assert!(!out.exists(), "nothing is written");
}

#[test]
fn runs_that_would_exhaust_memory_are_refused_up_front() {
    // One replication of a million accounts: the run in flight is the larger share.
    refused_for_memory(
        Path::new("scenarios/bench-million.toml"),
        24,
        "market.customers",
    );
    // The lesson's market kept for 1,000 replications: the records are.
    let dir = tempfile::tempdir().unwrap();
    let many = dir.path().join("many.toml");
    let lesson = std::fs::read_to_string(manifest_dir().join("scenarios/lesson.toml")).unwrap();
    // The line of `replications` (the lesson's header comment grows as it is re-measured).
    let line = 1 + lesson
        .lines()
        .position(|l| l == "replications = 200")
        .expect("the lesson sets its replications on a line of its own");
    std::fs::write(
        &many,
        lesson.replace("replications = 200", "replications = 1000"),
    )
    .unwrap();
    refused_for_memory(&many, line, "replications");
}

// 8. Replicating until decided ----------------------------------------------------------------

#[test]
fn lesson_quick_replicates_until_decided_into_a_folder_of_its_own() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // The full lesson's folder, which the quick one must not touch.
    let full = dir.join("output").join("lesson");
    std::fs::create_dir_all(&full).unwrap();
    let text = ok(
        salesim_in(
            dir,
            &[
                "lesson",
                "--quick",
                "--set",
                "market.customers=800",
                "--set",
                "horizon_quarters=4",
            ],
        ),
        "salesim lesson --quick",
    );
    assert!(
        std::fs::read_dir(&full).unwrap().next().is_none(),
        "output/lesson/ untouched"
    );
    let quick = dir.join("output").join("lesson-quick");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(quick.join("manifest.json")).unwrap()).unwrap();
    let stopping = &manifest["stopping"];
    let reached = stopping["replications"].as_u64().unwrap();
    assert_eq!(manifest["replications"].as_u64(), Some(reached));
    assert_eq!(stopping["rule"]["batch"], 20);
    assert!(reached.is_multiple_of(20) && reached <= 200, "{reached}");
    assert!(stopping["method"].as_str().unwrap().contains("Bonferroni"));
    // The narrative states a verdict only when the rule decided.
    let decided = stopping["decided"].as_bool().unwrap();
    let lesson_md = std::fs::read_to_string(quick.join("lesson.md")).unwrap();
    assert_eq!(
        !decided,
        lesson_md.contains("Not decided yet"),
        "{lesson_md}"
    );
    assert!(text.contains("── The lesson"));
    // ... and the report shows it first.
    let html = std::fs::read_to_string(quick.join("report.html")).unwrap();
    let lesson_at = html
        .find("<section id=\"lesson\">")
        .expect("lesson in the report");
    assert!(lesson_at < html.find("<section id=\"headline\">").unwrap());
    // The command in the manifest reproduces the files: the same runs, from scratch.
    let again = dir.join("again");
    let command = manifest["command"].as_str().unwrap();
    assert!(
        command.contains(&format!("--replications {reached}")),
        "{command}"
    );
    ok(
        salesim_in(
            dir,
            &[
                "lesson",
                "--replications",
                &reached.to_string(),
                "--set",
                "market.customers=800",
                "--set",
                "horizon_quarters=4",
                "--out",
                again.to_str().unwrap(),
                "--quiet",
            ],
        ),
        "the same replications without --until-decided",
    );
    for f in CSV_FILES {
        assert_eq!(
            std::fs::read(quick.join(f)).unwrap(),
            std::fs::read(again.join(f)).unwrap(),
            "{f} differs"
        );
    }
}

#[test]
fn until_decided_refuses_what_it_cannot_do() {
    for extra in [
        &["--shard", "1/2"][..],
        &["--resume"][..],
        &["--precision", "0"][..],
        &["--precision", "nan"][..],
        &["--batch", "1"][..],
    ] {
        let mut args = vec!["run", LESSON, "--until-decided", "--quiet"];
        args.extend_from_slice(extra);
        let out = salesim(&args);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {}", stderr(&out));
    }
    // --batch and --precision need --until-decided.
    let out = salesim(&["run", LESSON, "--batch", "10", "--quiet"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn confidence_intervals_stay_within_what_a_metric_can_be() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    // A small market, where the aligned team's blocks are mostly zero: a plain t interval of
    // their mean would reach below zero.
    run_lesson(
        &out,
        &["--replications", "5", "--set", "market.customers=400"],
    );
    let t = Table::read(&out.join("summary.csv"));
    let (metric, lo, hi) = (t.col("metric"), t.col("ci_low"), t.col("ci_high"));
    let mut checked = 0;
    for row in &t.rows {
        let (low, high): (f64, f64) = (row[lo].parse().unwrap(), row[hi].parse().unwrap());
        if !low.is_finite() {
            continue;
        }
        let (min, max) = salesim::metrics::bounds(&row[metric]);
        assert!(
            low >= min && high <= max,
            "{}: [{low}, {high}] outside [{min}, {max}]",
            row[metric]
        );
        checked += 1;
    }
    assert!(checked > 20);
}

// 9. Errors (issue 15): the --set named, full key paths, "did you mean", one prefix ----------

/// The prefix every error salesim prints begins with.
const PREFIX: &str = "salesim: error: ";

/// Runs salesim in the crate root, expects `code`, and returns stderr, which must begin with
/// [`PREFIX`].
fn fails(args: &[&str], code: i32) -> String {
    let out = salesim(args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(code), "salesim {args:?}: {err}");
    assert!(err.starts_with(PREFIX), "salesim {args:?}: {err}");
    err
}

#[test]
fn a_set_error_names_that_set_and_the_full_key_not_the_other_flags() {
    let err = rejects(
        LESSON,
        &[
            "--replications",
            "3",
            "--set",
            "market.customers=500",
            "--set",
            "market.custmers=5",
        ],
        &[],
    );
    assert!(
        err.starts_with(&format!(
            "{PREFIX}--set market.custmers=5: key `market.custmers`: "
        )),
        "{err}"
    );
    assert!(
        !err.contains("--replications") && !err.contains("=500"),
        "{err}"
    );
    for (set, key) in [
        ("market.customers=abc", "market.customers"),
        ("market.custmers.x=1", "market.custmers"),
        (
            "strategies.aggressive.dicount_max=0.1",
            "strategies.aggressive.dicount_max",
        ),
        ("vendors.0.teams.0={name=\"x\"}", "vendors.0.teams.0.reps"),
        // A team that takes its vendor past the rep limit: the `--set` is blamed, not the file.
        ("vendors.0.teams.1.reps=65535", "vendors.0.teams.1.reps"),
    ] {
        let err = rejects(LESSON, &["--set", set], &[]);
        assert!(
            err.starts_with(&format!("{PREFIX}--set {set}: key `{key}`: ")),
            "--set {set}: {err}"
        );
    }
    // A single value where a table belongs is not called a list.
    let err = rejects(
        LESSON,
        &["--set", "market=5"],
        &["--set market=5: key `market`"],
    );
    assert!(!err.contains("is a list"), "{err}");
}

#[test]
fn a_set_mistake_is_never_blamed_on_a_line_of_the_file() {
    // Each --set makes a value the file writes (or a default) wrong by comparison; the message
    // belongs to the --set.
    for (set, key) in [
        ("market.customers=5", "market.customers"),
        ("market.renewal_years_min=9", "market.renewal_years_min"),
        ("vendors.0.teams.0.name=east", "vendors.0.teams.0.name"),
        ("variants.0.name=aligned", "variants.0.name"),
        ("market.segment_mix.smb=0.9", "market.segment_mix"),
    ] {
        let err = rejects(LESSON, &["--set", set], &[]);
        assert!(
            err.starts_with(&format!("{PREFIX}--set {set}: key `{key}`: ")),
            "--set {set}: {err}"
        );
        allowed(&err);
    }
    // The memory estimate blames the override that made the run too big.
    let tmp = tempfile::tempdir().unwrap();
    let result = Command::new(env!("CARGO_BIN_EXE_salesim"))
        .current_dir(manifest_dir())
        .env("SALESIM_MEMORY_LIMIT_GB", "0.001")
        .args([
            "run",
            LESSON,
            "--set",
            "market.customers=3000",
            "--quiet",
            "--out",
        ])
        .arg(tmp.path().join("out"))
        .output()
        .unwrap();
    let err = stderr(&result);
    assert_eq!(result.status.code(), Some(2), "{err}");
    assert!(
        err.starts_with(&format!(
            "{PREFIX}--set market.customers=3000: key `market.customers`"
        )),
        "{err}"
    );
}

#[test]
fn unknown_names_get_a_did_you_mean() {
    let err = rejects(
        "tests/bad_input/unknown_key_market.toml",
        &[],
        &["unknown_key_market.toml:5", "(did you mean `customers`?)"],
    );
    allowed(&err);
    for (set, hint) in [
        ("market.custmers=5", "customers"),
        ("strategy.aggressive.discount_max=0.1", "strategies"),
        ("variants.1.strategy=alinged", "aligned"),
        ("reference=aligend", "aligned"),
        ("variants.1.teams.est=aligned", "west"),
    ] {
        rejects(
            LESSON,
            &["--set", set],
            &[&format!("(did you mean `{hint}`?)")],
        );
    }
    // No suggestion where nothing is close.
    let err = rejects(LESSON, &["--set", "variants.1.strategy=pushy"], &["pushy"]);
    assert!(!err.contains("did you mean"), "{err}");
    let err = fails(&["check-model", "--only", "hokey-stick"], 2);
    assert!(err.contains("(did you mean `hockey-stick`?)"), "{err}");
    let err = fails(&["run", "builtin:lesosn"], 2);
    assert!(err.contains("(did you mean `builtin:lesson`?)"), "{err}");
    let err = fails(&["run", "scenarios/lesson.tml"], 2);
    assert!(
        err.contains("(did you mean `scenarios/lesson.toml`?)"),
        "{err}"
    );
    // Subcommands and flags: clap's own tips, under the same prefix.
    let err = fails(&["lesosn"], 2);
    assert!(err.contains("'lesson'"), "{err}");
    let err = fails(&["run", LESSON, "--replication", "3"], 2);
    assert!(err.contains("'--replications'"), "{err}");
}

#[test]
fn every_error_begins_with_the_same_prefix() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let out = out.to_str().unwrap();
    // Command-line usage (clap), bad input, a missing folder, an I/O failure, a failed check.
    fails(&["--bogus"], 2);
    fails(&["run"], 2);
    fails(&["run", LESSON, "--threads", "0"], 2);
    fails(
        &["run", LESSON, "--set", "market.customers=0", "--out", out],
        2,
    );
    fails(&["validate", "tests/scenarios_bad/zero_horizon.toml"], 2);
    fails(&["report", tmp.path().join("nothing").to_str().unwrap()], 2);
    fails(&["run", LESSON, "--out", "/proc/self/salesim-out", "-q"], 1);
    let err = fails(
        &[
            "check-model",
            "--only",
            "preferred-vendor",
            "--replications",
            "2",
            "--set",
            "customers.preference_weight=0",
        ],
        1,
    );
    assert!(err.contains("model check(s) failed"), "{err}");
    // Help and version are not errors.
    for flag in ["--help", "--version"] {
        let o = salesim(&[flag]);
        assert_eq!(o.status.code(), Some(0), "{flag}");
        assert!(stderr(&o).is_empty(), "{flag}: {}", stderr(&o));
    }
}

#[test]
fn a_reader_that_goes_away_ends_salesim_quietly() {
    // `salesim list | head -0`: the pipe is closed before salesim writes.
    for _ in 0..5 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_salesim"))
            .arg("list")
            .current_dir(manifest_dir())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let err = stderr(&out);
        assert!(!err.contains("panicked"), "{err}");
        assert_eq!(out.status.code(), Some(0), "{err}");
    }
}

// 9. An installed binary (issue 15): built-in scenarios and reproduce commands, no checkout --

/// A copy of the binary alone in `bin/` of a temporary folder, as `cargo install` leaves it,
/// and an empty working folder `work/` beside it (no `scenarios/`).
fn installed() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let bin = tmp.path().join("bin");
    let work = tmp.path().join("work");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::create_dir_all(&work).unwrap();
    std::fs::copy(env!("CARGO_BIN_EXE_salesim"), bin.join("salesim")).unwrap();
    (tmp, bin, work)
}

/// Runs a command line through `sh` in `cwd` with the installed `bin/` first on the PATH.
fn sh_in(cwd: &Path, bin: &Path, command: &str) -> Output {
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    Command::new("sh")
        .arg("-c")
        .arg(command)
        .current_dir(cwd)
        .env("PATH", path)
        .output()
        .unwrap()
}

/// Runs `first` (salesim arguments) in `work`, then the reproduce command its manifest gives,
/// through `sh`, into another folder; the CSVs must be byte-identical.
fn reproduces_without_a_checkout(bin: &Path, work: &Path, first: &[&str]) -> String {
    let words: Vec<String> = first
        .iter()
        .map(|w| w.to_string())
        .chain(["--out", "first", "-q"].map(String::from))
        .collect();
    let o = sh_in(
        work,
        bin,
        &format!("salesim {}", salesim::shown::shell_command(&words)),
    );
    assert_eq!(o.status.code(), Some(0), "{first:?}: {}", stderr(&o));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(work.join("first/manifest.json")).unwrap()).unwrap();
    let command = manifest["command"].as_str().unwrap().to_string();
    assert!(!command.contains("scenarios/"), "{command}");
    let o = sh_in(work, bin, &format!("{command} --out again -q"));
    assert_eq!(o.status.code(), Some(0), "{command}: {}", stderr(&o));
    for csv in CSV_FILES {
        assert_eq!(
            std::fs::read(work.join("first").join(csv)).unwrap(),
            std::fs::read(work.join("again").join(csv)).unwrap(),
            "{csv} of `{command}`"
        );
    }
    command
}

#[test]
fn the_reproduce_command_works_from_an_installed_binary() {
    let (_tmp, bin, work) = installed();
    let small = ["--replications", "2", "--set", "market.customers=300"];
    let lesson: Vec<&str> = ["lesson"].iter().chain(&small).copied().collect();
    let command = reproduces_without_a_checkout(&bin, &work, &lesson);
    assert!(
        command.starts_with("salesim run builtin:lesson "),
        "{command}"
    );
    let sweep: Vec<&str> = ["run", "builtin:discount-sweep"]
        .iter()
        .chain(&small)
        .copied()
        .collect();
    let command = reproduces_without_a_checkout(&bin, &work, &sweep);
    assert!(
        command.starts_with("salesim run builtin:discount-sweep "),
        "{command}"
    );
}

#[test]
fn list_tells_an_installed_binary_how_to_run_and_copy_the_shipped_scenarios() {
    let (_tmp, bin, work) = installed();
    let o = sh_in(&work, &bin, "salesim list");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("salesim run builtin:NAME"), "{text}");
    for entry in std::fs::read_dir(manifest_dir().join("scenarios")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|x| x != "toml") {
            continue;
        }
        let name = path.file_stem().unwrap().to_str().unwrap();
        assert!(
            text.lines()
                .any(|l| l.starts_with(&format!("builtin:{name} "))),
            "{name} is not listed:\n{text}"
        );
        // `salesim list NAME` prints the shipped file, to copy and edit.
        let o = sh_in(&work, &bin, &format!("salesim list {name}"));
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert_eq!(
            stdout(&o),
            std::fs::read_to_string(&path).unwrap(),
            "{name}"
        );
    }
}

//! Integration tests of `salesim::report::build` on generated output folders (see
//! `tests/common`): every chart is written as a real image, the HTML report is self-contained and
//! agrees with summary.csv, sweeps get their charts, and broken folders give a clear error
//! without a half-written report.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use common::{Fixture, SweepSpec};
use salesim::report::{build, ReportError, ReportOutcome};

/// Per-run charts and a phrase their title must contain.
const RUN_CHARTS: [(&str, &str); 7] = [
    ("bookings_by_quarter", "quarter by quarter"),
    ("cumulative_bookings", "over the whole horizon"),
    ("deals_by_week", "When in the quarter do deals close?"),
    ("discount_by_week", "discounts deepest"),
    ("quota_attainment", "quota"),
    ("customer_side", "How do customers experience our selling?"),
    ("paired_differences", "differ from aggressive"),
];
/// The per-team, per-vendor and per-rep charts, each with a phrase of its title.
const BREAKDOWN_CHARTS: [(&str, &str); 3] = [
    ("team_bookings", "Which team books what"),
    ("market_share", "share of the market"),
    ("rep_attainment", "spread across our reps"),
];
const SWEEP_METRICS: [&str; 6] = [
    "bookings",
    "win_rate",
    "no_decision_rate",
    "blocks",
    "hockey_stick",
    "quota_attainment",
];
const DISCOUNT: &str = "strategies.aggressive.discount_max";

fn one_param() -> SweepSpec {
    SweepSpec::One(DISCOUNT, vec![0.1, 0.2, 0.3, 0.4])
}

/// A 3×3 grid; at discount_max 0.125 and no annoyance memory the two strategies book about the
/// same, so at least one cell is undecided.
fn grid() -> SweepSpec {
    SweepSpec::Grid(
        DISCOUNT,
        vec![0.0, 0.125, 0.3],
        "market.annoyance_memory",
        vec![0.0, 0.25, 0.5],
    )
}

fn build_fixture(fixture: Fixture) -> (tempfile::TempDir, ReportOutcome) {
    let dir = tempfile::tempdir().unwrap();
    fixture.write(dir.path());
    let outcome = build(dir.path()).unwrap_or_else(|e| panic!("build failed: {e}"));
    (dir, outcome)
}

fn sweep_fixture(sweep: SweepSpec) -> Fixture {
    Fixture {
        sweep,
        replications: 12,
        ..Fixture::default()
    }
}

/// Trimmed contents of every `<text>` element of an SVG.
fn svg_texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|chunk| {
            let start = chunk.find('>')? + 1;
            let end = chunk.find("</text>")?;
            Some(chunk[start..end].trim().to_string())
        })
        .collect()
}

fn assert_png(path: &Path) {
    let img = image::open(path)
        .unwrap_or_else(|e| panic!("{} does not decode: {e}", path.display()))
        .to_rgb8();
    assert_eq!(img.dimensions(), (1280, 720), "{}", path.display());
    let first = *img.get_pixel(0, 0);
    let distinct = img.pixels().filter(|p| **p != first).count();
    assert!(
        distinct > 1280 * 720 / 50,
        "{} is (nearly) one colour",
        path.display()
    );
}

fn assert_svg(path: &Path, title_part: &str, variants: &[&str]) {
    let svg = std::fs::read_to_string(path).unwrap();
    let body = svg.trim();
    assert!(
        body.starts_with("<svg") && body.ends_with("</svg>"),
        "{} is not an SVG document",
        path.display()
    );
    assert_eq!(
        svg.matches("<text").count(),
        svg.matches("</text>").count(),
        "{}: unbalanced <text>",
        path.display()
    );
    let texts = svg_texts(&svg);
    assert!(
        texts.iter().any(|t| t.contains(title_part)),
        "{}: no title containing {title_part:?}",
        path.display()
    );
    for v in variants {
        assert!(
            texts
                .iter()
                .any(|t| t == v || t.starts_with(&format!("{v} ("))),
            "{}: no legend entry for {v}",
            path.display()
        );
    }
}

fn assert_chart(
    dir: &Path,
    outcome: &ReportOutcome,
    name: &str,
    title_part: &str,
    variants: &[&str],
) {
    let png = dir.join("charts").join(format!("{name}.png"));
    let svg = dir.join("charts").join(format!("{name}.svg"));
    assert!(
        outcome.charts.contains(&png) && outcome.charts.contains(&svg),
        "{name} missing from outcome"
    );
    assert_png(&png);
    assert_svg(&svg, title_part, variants);
}

fn tmp_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(tmp_files(&path));
        } else if path.extension().is_some_and(|e| e == "tmp")
            || salesim::fsafe::is_temporary(&path.file_name().unwrap().to_string_lossy())
        {
            out.push(path);
        }
    }
    out
}

#[test]
fn plain_run_writes_every_chart_as_png_and_svg() {
    let (dir, outcome) = build_fixture(Fixture::default());
    for (name, title) in RUN_CHARTS.iter().chain(&BREAKDOWN_CHARTS) {
        assert_chart(
            dir.path(),
            &outcome,
            name,
            title,
            &["aggressive", "aligned"],
        );
    }
    assert_eq!(
        outcome.charts.len(),
        2 * (RUN_CHARTS.len() + BREAKDOWN_CHARTS.len()),
        "no sweep charts without a sweep"
    );
    assert_eq!(outcome.report, dir.path().join("report.html"));
    assert!(
        tmp_files(dir.path()).is_empty(),
        "temporary files left behind"
    );
}

#[test]
fn report_html_is_self_contained_and_contains_every_chart() {
    let (dir, outcome) = build_fixture(Fixture::default());
    let html = std::fs::read_to_string(&outcome.report).unwrap();
    for forbidden in ["http://", "https://", "src=\"", "<script", "<link"] {
        assert!(
            !html.contains(forbidden),
            "report.html contains {forbidden:?}"
        );
    }
    for (name, title) in RUN_CHARTS.iter().chain(&BREAKDOWN_CHARTS) {
        let start = html
            .find(&format!("id=\"chart-{name}\""))
            .unwrap_or_else(|| panic!("chart {name} not in report"));
        let figure = &html[start..start + html[start..].find("</figure>").unwrap()];
        assert!(
            figure.contains("<svg") && figure.contains(title),
            "chart {name} not inlined"
        );
    }
    assert_eq!(
        html.matches("<svg").count(),
        RUN_CHARTS.len() + BREAKDOWN_CHARTS.len()
    );
    // Text from files is escaped: the fixture's scenario name is "lesson <demo> & co".
    assert!(html.contains("lesson &lt;demo&gt; &amp; co") && !html.contains("<demo>"));
    assert!(html.contains("salesim run scenarios/lesson.toml --seed 42 --replications 20"));
    assert!(
        html.contains("Larkin 2014") && html.contains("Bass 1969") && html.contains("InsideSales")
    );
    assert!(
        !html.contains("id=\"incomplete\""),
        "complete run shows the incomplete banner"
    );
    drop(dir);
}

/// Reads summary.csv into (variant, metric) → mean for point 0.
fn summary_means(dir: &Path) -> HashMap<(String, String), f64> {
    let mut reader = csv::Reader::from_path(dir.join("summary.csv")).unwrap();
    reader
        .records()
        .map(|r| r.unwrap())
        .filter(|r| &r[0] == "0")
        .map(|r| ((r[1].to_string(), r[2].to_string()), r[3].parse().unwrap()))
        .collect()
}

fn attr<'a>(tag: &'a str, name: &str) -> &'a str {
    let key = format!("{name}=\"");
    let start = tag
        .find(&key)
        .unwrap_or_else(|| panic!("no {name} in {tag}"))
        + key.len();
    &tag[start..start + tag[start..].find('"').unwrap()]
}

/// Parses "12,346 $k", "18.3%" or "0.97" into (value in stored units, half of the last printed
/// digit in stored units).
fn parse_display(text: &str) -> (f64, f64) {
    let percent = text.ends_with('%');
    let digits: String = text
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '.' || *c == '-')
        .collect();
    let decimals = digits.split_once('.').map_or(0, |(_, f)| f.len());
    let scale = if percent { 0.01 } else { 1.0 };
    let value: f64 = digits
        .parse()
        .unwrap_or_else(|_| panic!("cannot parse {text:?}"));
    (
        value * scale,
        0.5 * 10f64.powi(-(decimals as i32)) * scale + 1e-12,
    )
}

#[test]
fn headline_numbers_equal_summary_csv() {
    let (dir, outcome) = build_fixture(Fixture::default());
    let html = std::fs::read_to_string(&outcome.report).unwrap();
    let summary = summary_means(dir.path());
    let mut seen = std::collections::HashSet::new();
    for chunk in html.split("<span class=\"headline\"").skip(1) {
        let tag = &chunk[..chunk.find('>').unwrap()];
        let shown = &chunk[tag.len() + 1..chunk.find("</span>").unwrap()];
        let (variant, metric) = (
            attr(tag, "data-variant").to_string(),
            attr(tag, "data-metric").to_string(),
        );
        let expected = summary[&(variant.clone(), metric.clone())];
        let data_mean: f64 = attr(tag, "data-mean").parse().unwrap();
        assert_eq!(data_mean, expected, "data-mean of {variant}/{metric}");
        let (value, tolerance) = parse_display(shown);
        assert!(
            (value - expected).abs() <= tolerance,
            "{variant}/{metric}: shows {shown}, summary.csv has {expected}"
        );
        seen.insert((variant, metric));
    }
    for metric in [
        "bookings",
        "contribution",
        "win_rate",
        "no_decision_rate",
        "blocks",
        "hockey_stick",
    ] {
        for variant in ["aggressive", "aligned"] {
            assert!(
                seen.contains(&(variant.to_string(), metric.to_string())),
                "no headline for {variant}/{metric}"
            );
        }
    }
    // The fixture's aligned variant books more than aggressive, with a CI above zero.
    assert!(
        html.contains("aligned booked") && html.contains("more than aggressive over 12 quarters")
    );
    assert!(
        html.contains("after paying its reps (commission and base pay), aligned kept"),
        "a contribution headline"
    );
}

/// Mean of a column of one of the fixture's CSVs over the rows where `filters` hold.
fn csv_mean(path: &Path, column: &str, filters: &[(&str, &str)]) -> f64 {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let values: Vec<f64> = reader
        .records()
        .map(Result::unwrap)
        .filter(|r| filters.iter().all(|(c, v)| &r[col(c)] == *v))
        .map(|r| r[col(column)].parse().unwrap())
        .collect();
    values.iter().sum::<f64>() / values.len() as f64
}

#[test]
fn breakdown_section_holds_the_team_share_and_rep_charts_and_their_numbers() {
    let (dir, outcome) = build_fixture(Fixture::default());
    let html = std::fs::read_to_string(&outcome.report).unwrap();
    let start = html
        .find("<section id=\"breakdown\">")
        .expect("a breakdown section");
    let section = &html[start..start + html[start..].find("</section>").unwrap()];
    for (name, _) in BREAKDOWN_CHARTS {
        assert!(
            section.contains(&format!("id=\"chart-{name}\"")),
            "{name} not in the breakdown section"
        );
    }
    // Not also among the general charts.
    let charts = html.find("<section id=\"charts\">").unwrap();
    let charts = &html[charts..charts + html[charts..].find("</section>").unwrap()];
    assert!(!charts.contains("chart-team_bookings"));
    // The table shows teams.csv's and vendors.csv's means.
    let shows = |file: &str,
                 column: &str,
                 filters: &[(&str, &str)],
                 label: &str,
                 shown: &dyn Fn(f64) -> String| {
        let expected = shown(csv_mean(&dir.path().join(file), column, filters));
        let row = section
            .split("<tr>")
            .find(|r| r.contains(label))
            .unwrap_or_else(|| panic!("no row {label}"));
        assert!(row.contains(&expected), "{row} does not show {expected}");
    };
    let team = [("variant", "aligned"), ("team", "east")];
    shows(
        "teams.csv",
        "bookings",
        &team,
        "team east: bookings",
        &salesim::shown::money,
    );
    let rival = [("variant", "aggressive"), ("vendor", "rival")];
    shows(
        "vendors.csv",
        "market_share",
        &rival,
        "vendor rival: market share",
        &|v| format!("{:.1}%", 100.0 * v),
    );
    // The fixture's aggressive west poaches from east: the poaching panel and rows appear.
    assert!(section.contains("poached deals gained") && section.contains("who loses deals"));
}

#[test]
fn incomplete_run_shows_a_warning_banner() {
    let (_dir, outcome) = build_fixture(Fixture {
        complete: false,
        replications: 5,
        ..Fixture::default()
    });
    let html = std::fs::read_to_string(&outcome.report).unwrap();
    assert!(html.contains("id=\"incomplete\"") && html.contains("incomplete"));
}

#[test]
fn one_parameter_sweep_draws_sweep_charts_without_heatmap() {
    let (dir, outcome) = build_fixture(sweep_fixture(one_param()));
    for metric in SWEEP_METRICS {
        assert_chart(
            dir.path(),
            &outcome,
            &format!("sweep_{metric}"),
            "discount_max",
            &["aggressive", "aligned"],
        );
    }
    assert!(!dir.path().join("charts/sweep_winner_heatmap.png").exists());
    let html = std::fs::read_to_string(&outcome.report).unwrap();
    assert!(html.contains("id=\"chart-sweep_bookings\""));
    assert_sweep_leads(&html, "sweep_difference");
}

/// The sweep's leading chart sits with the table of every point, before the headline; the
/// set-up comes after the results.
fn assert_sweep_leads(html: &str, chart: &str) {
    let at = |needle: &str| {
        html.find(needle)
            .unwrap_or_else(|| panic!("{needle} not in the report"))
    };
    let section = at("<section id=\"sweep-points\">");
    let lead = at(&format!("id=\"chart-{chart}\""));
    let table = section + html[section..].find("<table>").unwrap();
    assert!(
        section < lead && lead < table,
        "{chart} must open the sweep section"
    );
    assert!(table < at("<section id=\"headline\">"));
    assert!(at("<section id=\"summary\">") < at("<section id=\"setup\">"));
    assert_eq!(html.matches(&format!("id=\"chart-{chart}\"")).count(), 1);
}

#[test]
fn two_parameter_grid_draws_winner_heatmap_with_undecided_cells() {
    let (dir, outcome) = build_fixture(sweep_fixture(grid()));
    // A new run clears exactly the chart files salesim can draw: every one drawn is among them.
    let clearable = salesim::report::chart_files();
    for chart in &outcome.charts {
        let name = chart.file_name().unwrap().to_string_lossy().into_owned();
        assert!(clearable.contains(&name), "{name} is not in chart_files()");
    }
    for metric in SWEEP_METRICS {
        assert_chart(
            dir.path(),
            &outcome,
            &format!("sweep_{metric}"),
            "discount_max",
            &["aggressive", "aligned"],
        );
    }
    assert_chart(
        dir.path(),
        &outcome,
        "sweep_winner_heatmap",
        "win on bookings",
        &["aggressive", "aligned"],
    );
    let texts = svg_texts(
        &std::fs::read_to_string(dir.path().join("charts/sweep_winner_heatmap.svg")).unwrap(),
    );
    let cells = |label: &str| texts.iter().filter(|t| *t == label).count();
    // 9 cells: each labelled with its winner or "undecided" (the legend adds one of each).
    assert_eq!(
        cells("aggressive") + cells("aligned") + cells("undecided"),
        9 + 3
    );
    assert!(
        cells("undecided") >= 2,
        "expected an undecided cell: {texts:?}"
    );
    assert!(
        cells("aligned") >= 2 && cells("aggressive") >= 2,
        "expected both strategies to win somewhere"
    );
    assert!(
        texts.iter().any(|t| t.starts_with('+') && t.ends_with('k')),
        "cells show the bookings lead"
    );
    let html = std::fs::read_to_string(&outcome.report).unwrap();
    assert_sweep_leads(&html, "sweep_winner_heatmap");
}

#[test]
fn two_parameter_grid_maps_each_variants_contribution() {
    let (dir, outcome) = build_fixture(sweep_fixture(grid()));
    assert_chart(
        dir.path(),
        &outcome,
        "sweep_contribution_heatmap",
        "after paying the reps",
        &["aggressive", "aligned"],
    );
    let texts = svg_texts(
        &std::fs::read_to_string(dir.path().join("charts/sweep_contribution_heatmap.svg")).unwrap(),
    );
    // One panel per variant, each cell labelled with that variant's mean contribution at the
    // point, as summary.csv has it.
    let summary = std::fs::read_to_string(dir.path().join("summary.csv")).unwrap();
    let header: Vec<&str> = summary.lines().next().unwrap().split(',').collect();
    let column = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (metric, mean) = (column("metric"), column("mean"));
    let mut expected: Vec<String> = summary
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|cells| cells[metric] == "contribution")
        .map(|cells| {
            salesim::report::format_metric_compact("contribution", cells[mean].parse().unwrap())
        })
        .collect();
    assert_eq!(expected.len(), 2 * 9, "two variants × nine points");
    let mut labels: Vec<String> = texts
        .into_iter()
        .filter(|t| t.ends_with(" $M") || t.ends_with(" $k"))
        .collect();
    expected.sort();
    labels.sort();
    assert_eq!(labels, expected);
}

/// Writes the fixture, breaks it, and checks the error names `expect` and nothing is written.
fn assert_broken(breakage: impl Fn(&Path), expect: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    Fixture {
        replications: 4,
        quarters: 4,
        ..Fixture::default()
    }
    .write(dir.path());
    breakage(dir.path());
    let err: ReportError = build(dir.path()).expect_err("broken folder must fail");
    let message = err.to_string();
    for part in expect {
        assert!(
            message.contains(part),
            "error {message:?} does not mention {part:?}"
        );
    }
    assert!(
        !dir.path().join("report.html").exists(),
        "report.html written despite {message}"
    );
    assert!(tmp_files(dir.path()).is_empty());
}

fn edit(dir: &Path, file: &str, f: impl Fn(String) -> String) {
    let path = dir.join(file);
    std::fs::write(&path, f(std::fs::read_to_string(&path).unwrap())).unwrap();
}

#[test]
fn missing_file_is_named() {
    assert_broken(
        |d| std::fs::remove_file(d.join("weeks.csv")).unwrap(),
        &["weeks.csv"],
    );
    assert_broken(
        |d| std::fs::remove_file(d.join("manifest.json")).unwrap(),
        &["manifest.json"],
    );
    for file in ["teams.csv", "vendors.csv", "reps.csv"] {
        assert_broken(|d| std::fs::remove_file(d.join(file)).unwrap(), &[file]);
    }
    assert_broken(
        |d| edit(d, "reps.csv", |text| text.replacen("p50", "median", 1)),
        &["reps.csv", "p50"],
    );
}

#[test]
fn garbled_value_names_file_line_and_column() {
    // Line 3 of quarters.csv is the second data row; its `bookings` cell becomes text.
    let garble = |d: &Path| {
        edit(d, "quarters.csv", |text| {
            let mut lines: Vec<String> = text.lines().map(String::from).collect();
            let mut cells: Vec<&str> = lines[2].split(',').collect();
            cells[5] = "lots";
            lines[2] = cells.join(",");
            lines.join("\n") + "\n"
        })
    };
    assert_broken(garble, &["quarters.csv", "line 3", "`bookings`", "lots"]);
}

#[test]
fn truncated_row_and_missing_column_are_named() {
    let truncate = |d: &Path| {
        edit(d, "runs.csv", |text| {
            text.trim_end().rsplit_once(',').unwrap().0.to_string() + "\n"
        })
    };
    assert_broken(truncate, &["runs.csv", "line"]);
    let drop_column = |d: &Path| {
        edit(d, "summary.csv", |text| {
            text.replacen("ci_high", "ci_hi", 1)
        })
    };
    assert_broken(drop_column, &["summary.csv", "ci_high"]);
    let bad_week = |d: &Path| {
        edit(d, "weeks.csv", |text| {
            text.replacen("\n0,aggressive,13,", "\n0,aggressive,14,", 1)
        })
    };
    assert_broken(bad_week, &["weeks.csv", "week_of_quarter", "14"]);
    assert_broken(
        |d| edit(d, "comparison.csv", |_| String::new()),
        &["comparison.csv"],
    );
    assert_broken(
        |d| edit(d, "manifest.json", |t| t[..t.len() / 2].to_string()),
        &["manifest.json"],
    );
}

#[test]
fn failed_rebuild_leaves_previous_report_untouched() {
    let dir = tempfile::tempdir().unwrap();
    Fixture {
        replications: 4,
        quarters: 4,
        ..Fixture::default()
    }
    .write(dir.path());
    let outcome = build(dir.path()).unwrap();
    let before = std::fs::read(&outcome.report).unwrap();
    edit(dir.path(), "summary.csv", |text| {
        text.replacen(",n\n", ",count\n", 1)
    });
    let err = build(dir.path()).expect_err("missing column n");
    assert!(err.to_string().contains("summary.csv"), "{err}");
    assert_eq!(std::fs::read(&outcome.report).unwrap(), before);
}

#[test]
fn short_horizon_with_nan_growth_still_builds() {
    // Four quarters: yoy_growth is NaN in runs.csv and summary.csv.
    let (dir, outcome) = build_fixture(Fixture {
        replications: 3,
        quarters: 4,
        ..Fixture::default()
    });
    let runs = std::fs::read_to_string(dir.path().join("runs.csv")).unwrap();
    assert!(runs.contains("NaN"));
    let html = std::fs::read_to_string(&outcome.report).unwrap();
    assert!(html.contains("data-metric=\"yoy_growth\"") && html.contains("n/a"));
}

/// Not a check: `cargo test --test report -- --ignored` writes demo folders (plain and 3×3 grid)
/// under `target/report-demo/` for looking at the charts and report by eye.
#[test]
#[ignore]
fn write_demo_folders() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/report-demo");
    for (name, sweep) in [
        ("plain", SweepSpec::None),
        ("one", one_param()),
        ("grid", grid()),
    ] {
        let dir = root.join(name);
        let _ = std::fs::remove_dir_all(&dir);
        Fixture {
            sweep,
            ..Fixture::default()
        }
        .write(&dir);
        build(&dir).unwrap();
    }
}

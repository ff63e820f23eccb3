//! The report in a real browser: headless Chromium renders `report.html` from a real run.
//!
//! `.ci/run` installs Debian's chromium. Where no chromium is installed the test says so and
//! passes, except under CI (`CI=true`), where a missing browser is a failure.

use std::path::{Path, PathBuf};
use std::process::Command;

fn chromium() -> Option<PathBuf> {
    [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists())
}

fn headless(browser: &Path, profile: &Path) -> Command {
    let mut cmd = Command::new(browser);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,4000",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    cmd
}

/// Every `data-mean="..."` on an element with the given variant and metric.
fn attribute_values(dom: &str, variant: &str, metric: &str) -> Vec<f64> {
    let needle = format!("data-variant=\"{variant}\" data-metric=\"{metric}\" data-mean=\"");
    dom.match_indices(&needle)
        .filter_map(|(i, _)| {
            let rest = &dom[i + needle.len()..];
            rest[..rest.find('"')?].parse().ok()
        })
        .collect()
}

#[test]
fn report_renders_in_chromium_with_every_chart_and_the_summary_numbers() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var("CI").is_err(),
            "CI must install chromium (see .ci/run)"
        );
        eprintln!("chromium not installed: browser test skipped");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let status = Command::new(env!("CARGO_BIN_EXE_salesim"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "run",
            "scenarios/lesson.toml",
            "--replications",
            "6",
            "--quiet",
            "--out",
        ])
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    let url = format!("file://{}", out.join("report.html").display());

    let dom = headless(&browser, &dir.path().join("profile-dom"))
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&dom.stdout).to_string();
    assert!(
        dom.len() > 10_000,
        "the rendered page is not blank ({} bytes)",
        dom.len()
    );
    for chart in [
        "How much does each strategy book",
        "When in the quarter do deals close",
    ] {
        assert!(
            dom.contains(chart),
            "chart titled {chart:?} is in the rendered page"
        );
    }
    assert!(
        dom.matches("<svg").count() >= 7,
        "all seven charts are inline SVG"
    );
    for external in ["http://", "https://", "src=\"http", "<link", "<script src"] {
        assert!(
            !dom.contains(external),
            "no external resource: found {external:?}"
        );
    }

    let mut summary = csv::Reader::from_path(out.join("summary.csv")).unwrap();
    let mut checked = 0;
    for row in summary.records() {
        let row = row.unwrap();
        let (variant, metric, mean) = (&row[1], &row[2], &row[3]);
        let Ok(mean) = mean.parse::<f64>() else {
            continue;
        };
        for shown in attribute_values(&dom, variant, metric) {
            assert_eq!(
                shown, mean,
                "{variant} {metric}: page shows {shown}, summary.csv has {mean}"
            );
            checked += 1;
        }
    }
    assert!(
        checked >= 10,
        "the page's headline and table numbers were found and checked ({checked})"
    );

    let shot = dir.path().join("shot.png");
    let status = headless(&browser, &dir.path().join("profile-shot"))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(&url)
        .output()
        .unwrap();
    assert!(status.status.success());
    let img = image::open(&shot).unwrap().to_rgb8();
    let first = *img.get_pixel(0, 0);
    let differing = img.pixels().filter(|p| **p != first).count();
    assert!(
        differing > (img.width() * img.height() / 20) as usize,
        "the screenshot is not blank"
    );
}

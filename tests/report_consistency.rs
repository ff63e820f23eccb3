//! The report tried as a trainer would (issue 28, "report consistency"): the same number reads
//! the same on every surface (terminal, `lesson.md`, the report and its charts), money is written
//! one way, the "you are here" chart agrees with the verdict at the lesson's own book size, three
//! variants are all covered and keep their colours, no interval leaves what its number can be,
//! a panel of nothing is left out with a note, and the first screen shows the verdict's numbers.
//!
//! The lesson tests run the real binary once (a small full lesson, book sizes included) and
//! compare its surfaces with each other and with the one computation of each number from the
//! CSVs; the others build reports from generated folders (`tests/common`).

mod common;
mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::Fixture;
use salesim::experiment::phases::percent;
use salesim::experiment::stats::paired_log_ratio;
use salesim::shown::signed_percent;

/// One small full lesson, run once for every test that reads it: its folder and the terminal
/// text.
struct Lesson {
    _tmp: tempfile::TempDir,
    out: PathBuf,
    terminal: String,
}

fn lesson() -> &'static Lesson {
    static LESSON: OnceLock<Lesson> = OnceLock::new();
    LESSON.get_or_init(|| {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("lesson");
        let o = support::salesim(&[
            "lesson",
            "--replications",
            "10",
            "--threads",
            "2",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", support::stderr(&o));
        Lesson {
            _tmp: tmp,
            out,
            terminal: support::stdout(&o),
        }
    })
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// Rows of a CSV as maps from column to text.
fn rows(dir: &Path, file: &str) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_path(dir.join(file)).unwrap();
    let header = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            header
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// The section of the report with this id.
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("<section id=\"{id}\">"))
        .unwrap_or_else(|| panic!("no section {id}"));
    &html[start..start + html[start..].find("</section>").unwrap()]
}

/// The caption of a chart of the report.
fn caption<'a>(html: &'a str, chart: &str) -> &'a str {
    let start = html
        .find(&format!("id=\"chart-{chart}\""))
        .unwrap_or_else(|| panic!("no chart {chart}"));
    let rest = &html[start..];
    let from = rest.find("<figcaption>").unwrap() + "<figcaption>".len();
    &rest[from..rest.find("</figcaption>").unwrap()]
}

/// What a reader sees of an HTML page: its text with the tags (and the style sheet) removed.
fn visible(html: &str) -> String {
    let body = &html[html.find("<body>").unwrap_or(0)..];
    let mut out = String::new();
    let mut in_tag = false;
    for c in body.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&#39;", "'").replace("&amp;", "&")
}

/// The (mean, low, high) of the lesson's horizon total of bookings, aligned against aggressive,
/// as the one computation gives it from runs.csv: the paired log ratio, as a percentage, rounded
/// as every surface rounds a percentage.
fn total_from_runs(dir: &Path) -> (String, String, String) {
    let runs = rows(dir, "runs.csv");
    let side = |variant: &str| -> BTreeMap<u32, f64> {
        runs.iter()
            .filter(|r| r["variant"] == variant && r["point"] == "0")
            .map(|r| {
                (
                    r["replication"].parse().unwrap(),
                    r["bookings"].parse().unwrap(),
                )
            })
            .collect()
    };
    let (a, b) = (side("aggressive"), side("aligned"));
    let v: Vec<f64> = a.keys().map(|k| b[k]).collect();
    let r: Vec<f64> = a.values().copied().collect();
    let s = paired_log_ratio(&v, &r);
    assert_eq!(s.n, r.len(), "every replication has a ratio");
    (
        signed_percent(percent(s.mean)),
        signed_percent(percent(s.ci_low)),
        signed_percent(percent(s.ci_high)),
    )
}

/// The lesson's steady-state relative difference as phases.csv gives it, rounded as shown.
fn steady_from_phases(dir: &Path) -> (String, String, String) {
    let row = rows(dir, "phases.csv")
        .into_iter()
        .find(|r| r["metric"] == "bookings" && r["phase"] == "steady_relative")
        .expect("a steady_relative row");
    let shown = |c: &str| signed_percent(row[c].parse().unwrap());
    (shown("mean"), shown("ci_low"), shown("ci_high"))
}

// 1. One CI per number ----------------------------------------------------------------------

#[test]
fn the_horizon_total_reads_the_same_on_every_surface() {
    let l = lesson();
    let (m, lo, hi) = total_from_runs(&l.out);
    let md = read(&l.out, "lesson.md");
    let html = read(&l.out, "report.html");
    let sentence = format!("aligned − aggressive {m}, 95% CI {lo} to {hi};");
    assert!(
        md.contains(&format!(
            "= {m} of aggressive's bookings, 95% CI {lo} to {hi})"
        )),
        "lesson.md does not state {m} ({lo} to {hi}):\n{md}"
    );
    assert!(
        l.terminal.contains(&sentence),
        "the terminal does not state {sentence}:\n{}",
        l.terminal
    );
    let verdict = section(&html, "verdict");
    assert!(verdict.contains(&sentence), "{verdict}");
    let headline = section(&html, "headline");
    let bookings = &headline[headline
        .find("data-metric=\"bookings\" data-mean-diff")
        .expect("a bookings headline")..];
    assert!(
        bookings.contains(&format!(">95% CI {lo} to {hi}</span>")),
        "the headline's interval is not {lo} to {hi}: {}",
        &bookings[..300.min(bookings.len())]
    );
}

#[test]
fn the_steady_state_reads_as_phases_csv_gives_it_on_every_surface() {
    let l = lesson();
    let (m, lo, hi) = steady_from_phases(&l.out);
    let md = read(&l.out, "lesson.md");
    let html = read(&l.out, "report.html");
    assert!(
        md.contains(&format!(
            "{m} of aggressive's a quarter, 95% CI {lo} to {hi}"
        )),
        "{md}"
    );
    let words = format!("{m} a quarter (95% CI {lo} to {hi})");
    assert!(l.terminal.contains(&words), "{}", l.terminal);
    assert!(section(&html, "verdict").contains(&words));
}

// 2. One money format -------------------------------------------------------------------------

/// Money written any other way than "6,388 $k" (or "55.3 $M" in a chart): "$6,388k",
/// "$98,953.2k", "$55.3M", "812k".
fn other_money_formats(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut found = Vec::new();
    for (i, c) in chars.iter().enumerate() {
        let next = chars.get(i + 1).copied().unwrap_or(' ');
        let after = chars.get(i + 2).copied().unwrap_or(' ');
        let bad = (*c == '$' && (next.is_ascii_digit() || next == '−' || next == '-'))
            || (c.is_ascii_digit() && next == '$')
            || (c.is_ascii_digit() && next == 'k' && !after.is_alphanumeric());
        if bad {
            let from = i.saturating_sub(20);
            found.push(chars[from..(i + 20).min(chars.len())].iter().collect());
        }
    }
    found
}

#[test]
fn money_is_written_one_way_in_the_terminal_the_lesson_and_the_report() {
    let l = lesson();
    let html = read(&l.out, "report.html");
    let surfaces = [
        ("terminal", l.terminal.clone()),
        ("lesson.md", read(&l.out, "lesson.md")),
        ("report.html", visible(&html)),
    ];
    for (name, text) in &surfaces {
        let other = other_money_formats(text);
        assert!(other.is_empty(), "{name} writes money otherwise: {other:?}");
        assert!(text.contains(" $k"), "{name} shows no money in $k");
    }
    // The charts' own texts (axes, cells, labels) too.
    for entry in std::fs::read_dir(l.out.join("charts")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "svg") {
            let other = other_money_formats(&visible(&std::fs::read_to_string(&path).unwrap()));
            assert!(other.is_empty(), "{}: {other:?}", path.display());
        }
    }
}

// 3. You are here --------------------------------------------------------------------------

#[test]
fn you_are_here_states_the_verdicts_steady_state_at_the_lessons_own_book() {
    let l = lesson();
    let (m, lo, hi) = steady_from_phases(&l.out);
    let html = read(&l.out, "report.html");
    let c = caption(&html, "you_are_here");
    assert!(
        c.contains(&format!(
            "{m} a quarter, 95% CI {lo} to {hi}, as the verdict states it"
        )),
        "{c}"
    );
    // book_size.csv's own row is the lesson's run, not a smaller re-run.
    let own = rows(&l.out, "book_size.csv")
        .into_iter()
        .find(|r| r["accounts_per_rep"].parse::<f64>() == r["lesson_accounts_per_rep"].parse())
        .expect("a row at the lesson's own book size");
    assert_eq!(own["replications"], "10");
    assert_eq!(
        signed_percent(own["steady_ratio_pct"].parse().unwrap()),
        m,
        "{own:?}"
    );
}

#[test]
fn you_are_here_takes_the_lessons_own_book_from_the_folders_own_run() {
    // A book_size.csv whose row at the lesson's book size disagrees with the run (as a smaller
    // re-run does): the chart states the verdict's numbers there.
    let dir = tempfile::tempdir().unwrap();
    Fixture::default().write(dir.path());
    std::fs::write(
        dir.path().join("book_size.csv"),
        "accounts_per_rep,customers,variant,reference,replications,bookings_ratio_pct,ci_low_pct,ci_high_pct,lesson_accounts_per_rep,steady_ratio_pct,steady_ci_low_pct,steady_ci_high_pct\n\
         100,1000,aligned,aggressive,12,40.0,30.0,50.0,400.0,41.0,31.0,51.0\n\
         400,4000,aligned,aggressive,12,-55.0,-60.0,-50.0,400.0,-55.0,-60.0,-50.0\n\
         800,8000,aligned,aggressive,12,-8.0,-11.0,-5.0,400.0,-7.0,-10.0,-4.0\n",
    )
    .unwrap();
    let outcome = salesim::report::build(dir.path()).unwrap();
    let html = std::fs::read_to_string(outcome.report).unwrap();
    let verdict = section(&html, "verdict");
    // The verdict's steady state, as its table states it.
    let steady = &verdict[verdict.find("<span class=\"relative\">").unwrap()..];
    let steady = &steady["<span class=\"relative\">".len()..steady.find(" a quarter").unwrap()];
    let c = caption(&html, "you_are_here");
    assert!(
        c.contains(&format!("aligned − aggressive {steady} a quarter, 95% CI")),
        "{steady} not in: {c}"
    );
    assert!(!c.contains("−55.0%"), "{c}");
}

// 4. Three variants -------------------------------------------------------------------------

/// The fill colour of a variant's legend square in a chart's SVG.
fn legend_colour(svg: &str, variant: &str) -> String {
    let label = format!(">\n{variant}\n<");
    let at = svg
        .find(&label)
        .unwrap_or_else(|| panic!("no legend entry {variant}"));
    let rect = &svg[svg[..at].rfind("<rect").unwrap()..at];
    let from = rect.find("fill=\"").unwrap() + 6;
    rect[from..from + rect[from..].find('"').unwrap()].to_uppercase()
}

#[test]
fn with_three_variants_every_caption_covers_every_variant_and_colours_follow_names() {
    let three = ["yours", "aggressive", "aligned"];
    let dir = tempfile::tempdir().unwrap();
    Fixture {
        variants: three.to_vec(),
        ..Fixture::default()
    }
    .write(dir.path());
    let outcome = salesim::report::build(dir.path()).unwrap();
    let html = std::fs::read_to_string(&outcome.report).unwrap();
    for chart in [
        "bookings_by_quarter",
        "cumulative_bookings",
        "deals_by_week",
        "discount_by_week",
        "quota_attainment",
        "customer_side",
        "team_bookings",
        "market_share",
        "rep_attainment",
    ] {
        let c = caption(&html, chart);
        for v in three {
            assert!(c.contains(v), "{chart}'s caption leaves {v} out: {c}");
        }
    }
    // Every variant has a row in the verdict's numbers and a headline.
    let verdict = section(&html, "verdict");
    for v in ["aggressive", "aligned"] {
        assert!(
            verdict.contains(&format!("<tr data-variant=\"{v}\">")),
            "{v}"
        );
    }
    // A strategy has the same colour in the lesson's two-variant report.
    let two = tempfile::tempdir().unwrap();
    Fixture::default().write(two.path());
    salesim::report::build(two.path()).unwrap();
    let svg = |dir: &Path| read(dir, "charts/bookings_by_quarter.svg");
    let (a, b) = (svg(dir.path()), svg(two.path()));
    for v in ["aggressive", "aligned"] {
        assert_eq!(legend_colour(&a, v), legend_colour(&b, v), "{v}");
    }
    assert_ne!(legend_colour(&a, "yours"), legend_colour(&a, "aggressive"));
    assert_ne!(legend_colour(&a, "yours"), legend_colour(&a, "aligned"));
}

// 5. No impossible interval, no chart of nothing, the numbers first -------------------------

/// Rewrites one column of teams.csv, row by row: `f(variant, team, replication, old)`.
fn edit_teams(dir: &Path, column: &str, f: impl Fn(&str, &str, u32, f64) -> f64) {
    let path = dir.join("teams.csv");
    let mut reader = csv::Reader::from_path(&path).unwrap();
    let header = reader.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (v, t, r, c) = (col("variant"), col("team"), col("replication"), col(column));
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&header).unwrap();
    for record in reader.records() {
        let record = record.unwrap();
        let mut fields: Vec<String> = record.iter().map(String::from).collect();
        let new = f(
            &record[v],
            &record[t],
            record[r].parse().unwrap(),
            record[c].parse().unwrap(),
        );
        fields[c] = new.to_string();
        writer.write_record(&fields).unwrap();
    }
    std::fs::write(&path, writer.into_inner().unwrap()).unwrap();
}

/// Every percentage a reader sees on the page, as a number.
fn percentages(text: &str) -> Vec<f64> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    for (i, c) in chars.iter().enumerate() {
        if *c != '%' {
            continue;
        }
        let mut j = i;
        while j > 0 && (chars[j - 1].is_ascii_digit() || chars[j - 1] == '.') {
            j -= 1;
        }
        if j == i {
            continue;
        }
        let number: String = chars[j..i].iter().collect();
        let Ok(x) = number.parse::<f64>() else {
            continue;
        };
        let negative = j > 0 && (chars[j - 1] == '−' || chars[j - 1] == '-');
        out.push(if negative { -x } else { x });
    }
    out
}

#[test]
fn no_interval_leaves_what_its_number_can_be() {
    // East's bookings under aligned collapse in all but one replication: a t-interval of the
    // team's bookings reaches below zero, and a difference over the reference's mean far below
    // −100%.
    let dir = tempfile::tempdir().unwrap();
    Fixture::default().write(dir.path());
    edit_teams(dir.path(), "bookings", |variant, team, rep, old| {
        match (variant, team, rep) {
            ("aligned", "east", 0) => 40.0 * old,
            ("aligned", "east", _) => 1.0,
            _ => old,
        }
    });
    let outcome = salesim::report::build(dir.path()).unwrap();
    let html = std::fs::read_to_string(&outcome.report).unwrap();
    let text = visible(&html);
    let below: Vec<f64> = percentages(&text)
        .into_iter()
        .filter(|p| *p < -100.0)
        .collect();
    assert!(below.is_empty(), "percentages below −100%: {below:?}");
    let breakdown = section(&html, "breakdown");
    let row = breakdown
        .split("<tr>")
        .find(|r| r.contains("team east: bookings"))
        .unwrap();
    assert!(!row.contains('−'), "a negative amount of bookings: {row}");
}

#[test]
fn a_poaching_panel_of_zeros_is_left_out_and_says_why() {
    // Every team gains as many poached deals as it loses (poaching within the team): the net
    // is 0 everywhere.
    let dir = tempfile::tempdir().unwrap();
    Fixture::default().write(dir.path());
    edit_teams(dir.path(), "poached_deals_gained", |_, _, _, _| 3.0);
    edit_teams(dir.path(), "poached_deals_lost", |_, _, _, _| 3.0);
    let outcome = salesim::report::build(dir.path()).unwrap();
    let html = std::fs::read_to_string(&outcome.report).unwrap();
    let svg = read(dir.path(), "charts/team_bookings.svg");
    assert!(
        !svg.contains("Net poached deals"),
        "the all-zero poaching panel is drawn"
    );
    let c = caption(&html, "team_bookings");
    assert!(c.contains("poaching panel is left out"), "{c}");
}

#[test]
fn a_customer_side_panel_of_one_value_is_left_out_and_says_why() {
    // No variant is ever blocked: the blocks panel would be a flat line at zero.
    let dir = tempfile::tempdir().unwrap();
    Fixture::default().write(dir.path());
    let path = dir.path().join("quarters.csv");
    let mut reader = csv::Reader::from_path(&path).unwrap();
    let header = reader.headers().unwrap().clone();
    let blocks = header.iter().position(|h| h == "blocks").unwrap();
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&header).unwrap();
    for record in reader.records() {
        let mut fields: Vec<String> = record.unwrap().iter().map(String::from).collect();
        fields[blocks] = "0".into();
        writer.write_record(&fields).unwrap();
    }
    std::fs::write(&path, writer.into_inner().unwrap()).unwrap();
    let outcome = salesim::report::build(dir.path()).unwrap();
    let html = std::fs::read_to_string(outcome.report).unwrap();
    let svg = read(dir.path(), "charts/customer_side.svg");
    assert!(
        !svg.contains("Times blocked (per quarter)"),
        "the flat blocks panel is drawn"
    );
    let c = caption(&html, "customer_side");
    assert!(c.contains("panel is left out"), "{c}");
}

#[test]
fn the_first_screen_shows_the_verdicts_numbers() {
    let dir = tempfile::tempdir().unwrap();
    Fixture::default().write(dir.path());
    let outcome = salesim::report::build(dir.path()).unwrap();
    let html = std::fs::read_to_string(&outcome.report).unwrap();
    let verdict_at = html.find("<section id=\"verdict\">").expect("a verdict");
    for later in ["<section id=\"headline\">", "<section id=\"charts\">"] {
        assert!(verdict_at < html.find(later).unwrap(), "{later} first");
    }
    let verdict = section(&html, "verdict");
    let table = &verdict[verdict
        .find("<table class=\"verdict-numbers\">")
        .expect("the verdict's numbers as a table")..];
    // Each phase's cell shows its number, rounded as the sentences below it state it.
    for (phase, unit) in [
        ("steady", " $k a quarter"),
        ("switch", " $k"),
        ("total", "%"),
    ] {
        let cell = &table[table
            .find(&format!("<td data-phase=\"{phase}\" data-mean="))
            .unwrap_or_else(|| panic!("no {phase} number"))..];
        let big = &cell[cell.find("<span class=\"big\">").unwrap() + 18..];
        let big = &big[..big.find("</span>").unwrap()];
        assert!(big.ends_with(unit), "{phase}: {big}");
        let number = big.trim_end_matches(unit);
        let li = verdict
            .split("<li")
            .find(|l| l.contains(&format!("data-phase=\"{phase}\"")))
            .unwrap_or_else(|| panic!("no {phase} sentence"));
        assert!(li.contains(number), "{phase}: {number} not in {li}");
    }
}

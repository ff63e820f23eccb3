//! The report and the live lesson in a real browser: headless Chromium renders `report.html`
//! from a real run, and drives the page of `salesim serve` through the DevTools protocol
//! (headless_chrome): it loads the page, moves a slider with the mouse, and checks that the
//! charts and the verdict update, that compare mode pins a result, that a bad value is shown as
//! an error, and that no console error occurs.
//!
//! `.ci/run` installs Debian's chromium. Where no chromium is installed the tests say so and
//! pass, except under CI (`CI=true`) or with `SALESIM_REQUIRE_BROWSER` set, where a missing
//! browser is a failure.

mod serving;

use headless_chrome::browser::tab::point::Point;
use headless_chrome::protocol::cdp::types::Event;
use headless_chrome::protocol::cdp::{Log, Runtime};
use headless_chrome::{Browser, LaunchOptions, Tab};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The system Chromium; `None` (the test skips) only outside CI.
fn chromium() -> Option<PathBuf> {
    let found = [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists());
    if found.is_none() {
        assert!(
            std::env::var("CI").is_err() && std::env::var("SALESIM_REQUIRE_BROWSER").is_err(),
            "CI must install chromium (see .ci/run)"
        );
        eprintln!("chromium not installed: browser test skipped");
    }
    found
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

/// Evaluates `js` in the page: its value as JSON.
fn eval(tab: &Tab, js: &str) -> serde_json::Value {
    tab.evaluate(js, false)
        .unwrap_or_else(|e| panic!("{js}: {e}"))
        .value
        .unwrap_or(serde_json::Value::Null)
}

/// Waits until `js` is true in the page.
fn wait_until(tab: &Tab, js: &str, limit: Duration) {
    let until = Instant::now() + limit;
    while eval(tab, js) != serde_json::Value::Bool(true) {
        assert!(Instant::now() < until, "waited {limit:?} for {js}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Clicks at a share `at` (0–1) of an element's width, on its middle line, with the mouse.
fn click_along(tab: &Tab, selector: &str, at: f64) {
    let element = tab.wait_for_element(selector).unwrap();
    let model = element.get_box_model().unwrap();
    let content = model.content;
    let x = content.top_left.x + at * content.width();
    let y = content.top_left.y + content.height() / 2.0;
    tab.click_point(Point { x, y }).unwrap();
}

/// The page as a PNG, at the viewport's size.
fn screenshot(tab: &Tab) -> Vec<u8> {
    tab.capture_screenshot(
        headless_chrome::protocol::cdp::Page::CaptureScreenshotFormatOption::Png,
        None,
        None,
        true,
    )
    .unwrap()
}

/// Keeps a screenshot in the target folder, for a person to look at.
fn keep(png: &[u8], name: &str) {
    std::fs::write(Path::new(env!("CARGO_TARGET_TMPDIR")).join(name), png).unwrap();
}

const FINISHED: &str = "document.getElementById('verdict').dataset.finished === 'true'";

/// Console errors, exceptions and error log entries a tab reported.
type Errors = Arc<Mutex<Vec<String>>>;

/// A browser with one tab whose viewport is `width` × `height` (the projector's size: the window
/// has no frame to subtract), collecting its console errors.
fn open_tab(
    path: PathBuf,
    profile: &Path,
    (width, height): (u32, u32),
) -> (Browser, Arc<Tab>, Errors) {
    let browser = Browser::new(LaunchOptions {
        headless: true,
        sandbox: false,
        window_size: Some((width, height)),
        path: Some(path),
        user_data_dir: Some(profile.to_path_buf()),
        idle_browser_timeout: Duration::from_secs(180),
        ..LaunchOptions::default()
    })
    .expect("chromium starts");
    let tab = browser.new_tab().unwrap();
    let errors: Errors = Arc::default();
    let seen = errors.clone();
    tab.add_event_listener(Arc::new(move |event: &Event| {
        let text = match event {
            Event::RuntimeExceptionThrown(e) => {
                Some(format!("exception: {:?}", e.params.exception_details.text))
            }
            Event::RuntimeConsoleAPICalled(e)
                if matches!(
                    e.params.Type,
                    Runtime::ConsoleAPICalledEventTypeOption::Error
                ) =>
            {
                Some(format!("console.error: {:?}", e.params.args))
            }
            Event::LogEntryAdded(e)
                if matches!(e.params.entry.level, Log::LogEntryLevel::Error) =>
            {
                Some(format!("log: {}", e.params.entry.text))
            }
            _ => None,
        };
        if let Some(text) = text {
            seen.lock().unwrap().push(text);
        }
    }))
    .unwrap();
    let viewport: headless_chrome::protocol::cdp::Emulation::SetDeviceMetricsOverride =
        serde_json::from_value(serde_json::json!({
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": false
        }))
        .unwrap();
    tab.call_method(viewport).unwrap();
    tab.enable_runtime().unwrap();
    tab.enable_log().unwrap();
    (browser, tab, errors)
}

#[test]
fn the_live_lesson_updates_its_charts_and_verdict_when_a_slider_moves() {
    let Some(path) = chromium() else {
        return;
    };
    let server = serving::Server::start(&serving::SMALL);
    let profile = tempfile::tempdir().unwrap();
    let (_browser, tab, errors) = open_tab(path, profile.path(), (1280, 720));
    tab.navigate_to(&server.url)
        .unwrap()
        .wait_until_navigated()
        .unwrap();
    let limit = Duration::from_secs(120);

    // The first job runs with the defaults: four charts and a verdict.
    wait_until(&tab, FINISHED, limit);
    assert_eq!(
        eval(
            &tab,
            "document.querySelectorAll('#charts .chart svg').length"
        ),
        4
    );
    let names = eval(
        &tab,
        "[...document.querySelectorAll('#charts .chart')].map(c => c.dataset.name).join(',')",
    );
    assert_eq!(
        names,
        "difference_by_batch,cumulative_bookings,deals_by_week,customer_side"
    );
    let first_job = eval(&tab, "document.getElementById('verdict').dataset.job");
    let first_verdict = eval(&tab, "document.getElementById('verdict').textContent");
    let first_chart = eval(
        &tab,
        "document.querySelector('[data-name=cumulative_bookings]').innerHTML",
    );
    assert!(
        first_verdict.as_str().unwrap().contains("over 6 quarters")
            || first_verdict.as_str().unwrap().contains("Over 6 quarters"),
        "{first_verdict}"
    );
    let slider = "#k-strategies-aggressive-discount-max";
    let before = eval(
        &tab,
        &format!("document.querySelector('{slider}-value').value"),
    );

    // Pin it, then move the aggressive team's discount slider with the mouse, near its low end.
    click_along(&tab, "#pin", 0.5);
    wait_until(&tab, "!document.getElementById('pinned').hidden", limit);
    click_along(&tab, slider, 0.05);
    wait_until(
        &tab,
        &format!(
            "document.getElementById('verdict').dataset.job !== '{}'",
            first_job.as_str().unwrap()
        ),
        limit,
    );
    wait_until(&tab, FINISHED, limit);
    let after = eval(
        &tab,
        &format!("document.querySelector('{slider}-value').value"),
    );
    assert_ne!(before, after, "the slider's value moved");
    assert!(
        after.as_str().unwrap().parse::<f64>().unwrap()
            < before.as_str().unwrap().parse::<f64>().unwrap()
    );
    let chart = eval(
        &tab,
        "document.querySelector('#now [data-name=cumulative_bookings]').innerHTML",
    );
    assert_ne!(
        chart, first_chart,
        "the cumulative bookings chart was redrawn from the new runs"
    );
    let verdict = eval(&tab, "document.getElementById('verdict').textContent");
    let decision = eval(&tab, "document.getElementById('verdict').dataset.decision");
    let text = verdict.as_str().unwrap();
    assert!(text.contains("95% CI"), "{text}");
    assert_eq!(
        text.starts_with("Not decided yet"),
        decision == "open",
        "the verdict states a winner only once decided: {decision} {text}"
    );
    // The pinned result stays as it was, beside the new one.
    let pinned = eval(
        &tab,
        "document.querySelector('#pinned .verdict').textContent",
    );
    assert_eq!(pinned, first_verdict);
    assert!(eval(
        &tab,
        "document.querySelector('#pinned .pinned-values').textContent"
    )
    .as_str()
    .unwrap()
    .contains("the defaults"));

    let shot = screenshot(&tab);
    let img = image::load_from_memory(&shot).unwrap().to_rgb8();
    assert_eq!((img.width(), img.height()), (1280, 720));
    keep(&shot, "serve-1280x720.png");
    // Compare mode off again; a click enlarges a chart to most of the screen; Esc shrinks it.
    click_along(&tab, "#unpin", 0.5);
    wait_until(&tab, "document.getElementById('pinned').hidden", limit);
    click_along(&tab, "#now [data-name=deals_by_week]", 0.5);
    wait_until(
        &tab,
        "document.querySelector('#now [data-name=deals_by_week] svg').getBoundingClientRect().width > 800",
        limit,
    );
    let zoomed = screenshot(&tab);
    keep(&zoomed, "serve-zoomed-1280x720.png");
    tab.press_key("Escape").unwrap();
    wait_until(
        &tab,
        "document.querySelectorAll('.chart.zoomed').length === 0",
        limit,
    );
    assert!(
        errors.lock().unwrap().is_empty(),
        "no console errors: {:?}",
        errors.lock().unwrap()
    );

    // A bad value typed into a slider's box: the page shows the scenario's message.
    eval(
        &tab,
        "document.querySelector('#k-customers-block-threshold-value').value = ''",
    );
    let input = tab
        .wait_for_element("#k-customers-block-threshold-value")
        .unwrap();
    input.click().unwrap();
    input.type_into("-1").unwrap();
    tab.press_key("Enter").unwrap();
    wait_until(
        &tab,
        "getComputedStyle(document.getElementById('error')).display === 'block'",
        limit,
    );
    let error = eval(&tab, "document.getElementById('error').textContent");
    assert!(
        error.as_str().unwrap().contains("Block threshold"),
        "{error}"
    );
    assert_eq!(eval(&tab, "document.querySelector('[data-path=\"customers.block_threshold\"]').classList.contains('bad')"), true);
    assert_eq!(
        eval(
            &tab,
            "document.getElementById('now').classList.contains('stale')"
        ),
        true,
        "the result on screen, of the last accepted values, is shown faded"
    );
    let refused = screenshot(&tab);
    keep(&refused, "serve-refused-1280x720.png");
    // The only error logged is the refused request itself.
    let errors = errors.lock().unwrap();
    assert!(
        errors.iter().all(|e| e.contains("400")),
        "no console errors but the refused request: {errors:?}"
    );
}

/// Serves `page` as HTML to every request on a new port of 127.0.0.1 (another origin than the
/// server's): its address.
fn another_site(page: String) -> String {
    use std::io::{Read as _, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut stream = stream;
            let mut buffer = [0u8; 4096];
            let _ = stream.read(&mut buffer);
            let _ = stream.write_all(
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\
                     Connection: close\r\n\r\n{page}",
                    page.len()
                )
                .as_bytes(),
            );
        }
    });
    format!("http://{address}/")
}

#[test]
fn a_page_of_another_site_starts_no_job_by_form_or_no_cors_fetch() {
    let Some(path) = chromium() else {
        return;
    };
    let server = serving::Server::start(&serving::LONG);
    let jobs = server.at("api/jobs");
    // A real page secret, so that only where the request comes from can stop it.
    let secret = server.page("victim");
    let attack = format!(
        r#"<!doctype html><html><body>
<iframe name="sink"></iframe>
<form id="f" method="POST" action="{jobs}" enctype="text/plain" target="sink">
<input name='{{"client": "evil' value='1", "values": {{}}}}'>
</form>
<form id="g" method="POST" action="{jobs}" enctype="text/plain" target="sink">
<input name='{{"page": "{secret}", "values": {{}}, "x": "' value='"}}'>
</form>
<script>
document.getElementById("f").submit();
setTimeout(() => document.getElementById("g").submit(), 300);
for (const body of ['{{"client": "evil2", "values": {{}}}}', '{{"page": "{secret}", "values": {{}}}}']) {{
  fetch("{jobs}", {{ method: "POST", mode: "no-cors", headers: {{ "Content-Type": "application/json" }}, body }})
    .then(() => document.title += " sent").catch(() => document.title += " failed");
}}
</script></body></html>"#
    );
    let site = another_site(attack);
    let profile = tempfile::tempdir().unwrap();
    let browser = Browser::new(LaunchOptions {
        headless: true,
        sandbox: false,
        path: Some(path),
        user_data_dir: Some(profile.path().to_path_buf()),
        idle_browser_timeout: Duration::from_secs(60),
        ..LaunchOptions::default()
    })
    .expect("chromium starts");
    let tab = browser.new_tab().unwrap();
    tab.navigate_to(&site)
        .unwrap()
        .wait_until_navigated()
        .unwrap();
    // Both fetches went out (answered opaquely), and the forms were submitted.
    wait_until(
        &tab,
        "document.title.split(' ').filter(w => w).length === 2",
        Duration::from_secs(20),
    );
    std::thread::sleep(Duration::from_secs(2));
    let status: serde_json::Value = ureq::get(&server.at("api/status"))
        .call()
        .expect("GET /api/status answers")
        .into_json()
        .unwrap();
    assert_eq!(status["running"], 0, "no job started: {status}");
    // The teacher's own page still starts one.
    let (code, body) = server.post_job(&serde_json::json!({ "client": "victim", "values": {} }));
    assert_eq!(code, 202, "{body}");
}

/// Every visible element's box that sticks out of the viewport sideways (text and controls, the
/// canvases and charts), as "tag#id.class: left..right"; and whether the page scrolls sideways.
const OVERFLOWING: &str = r#"(() => {
  const w = window.innerWidth, out = [];
  for (const e of document.querySelectorAll('body *')) {
    const style = getComputedStyle(e);
    if (style.visibility === 'hidden' || style.display === 'none' || e.closest('[hidden]')) continue;
    if (e.closest('svg') && e.tagName !== 'svg') continue;
    const r = e.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    if (r.left < -0.5 || r.right > w + 0.5) out.push(e.tagName + '#' + e.id + '.' + e.className + ': ' + Math.round(r.left) + '..' + Math.round(r.right));
  }
  if (document.documentElement.scrollWidth > w) out.push('the page scrolls sideways: ' + document.documentElement.scrollWidth + ' > ' + w);
  return out.slice(0, 12).join('; ');
})()"#;

/// The smallest text on screen, in CSS pixels, as "size: where": HTML text (computed font size
/// of every visible element with text of its own) and chart text (an SVG text's font size times
/// the chart's scale on screen).
const SMALLEST_TEXT: &str = r#"(() => {
  let least = [1e9, ''];
  const seen = (size, what) => { if (size < least[0]) least = [size, what]; };
  for (const e of document.querySelectorAll('body *')) {
    if (e.closest('svg') || e.closest('[hidden]')) continue;
    const style = getComputedStyle(e);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    const own = [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    const r = e.getBoundingClientRect();
    if (!own || r.width === 0 || r.height === 0) continue;
    seen(parseFloat(style.fontSize), e.tagName + '.' + e.className + ' ' + e.textContent.trim().slice(0, 30));
  }
  for (const svg of document.querySelectorAll('.chart svg')) {
    const box = svg.viewBox.baseVal, r = svg.getBoundingClientRect();
    if (!box || !box.width || r.width === 0 || getComputedStyle(svg.parentElement).display === 'none') continue;
    const scale = r.width / box.width;
    for (const t of svg.querySelectorAll('text')) {
      if (!t.textContent.trim()) continue;
      seen(parseFloat(getComputedStyle(t).fontSize) * scale, 'chart ' + svg.parentElement.dataset.name + ': ' + t.textContent.slice(0, 30));
    }
  }
  return least[0].toFixed(1) + ': ' + least[1];
})()"#;

/// A digest of each side's drawn accounts (the canvases' pixels under the effects).
const SIDE_PIXELS: &str = r#"garden.sides.map(s => {
  garden.drawBase(s);
  const d = s.base.getContext('2d').getImageData(0, 0, s.base.width, s.base.height).data;
  let h = 0;
  for (let i = 0; i < d.length; i += 7) h = (h * 31 + d[i]) | 0;
  return h;
}).join(',')"#;

#[test]
fn the_garden_plays_a_quarter_and_the_page_fits_the_room() {
    let Some(path) = chromium() else {
        return;
    };
    let server = serving::Server::start(&serving::SMALL);
    let limit = Duration::from_secs(180);
    for (width, height) in [(1024, 768), (1280, 720), (1920, 1080), (1280, 2400)] {
        let profile = tempfile::tempdir().unwrap();
        let (_browser, tab, errors) = open_tab(path.clone(), profile.path(), (width, height));
        tab.navigate_to(&server.url)
            .unwrap()
            .wait_until_navigated()
            .unwrap();
        let size = format!("{width}x{height}");
        wait_until(
            &tab,
            "document.getElementById('garden').dataset.ready === 'true'",
            limit,
        );
        // The first batch's charts are in, so that chart text is measured too.
        wait_until(
            &tab,
            "document.querySelectorAll('#charts .chart svg').length === 4",
            limit,
        );
        // Before the first day both sides show the same market: the same accounts, in the same
        // stages, in the same places.
        let pixels = eval(&tab, SIDE_PIXELS);
        let sides: Vec<&str> = pixels.as_str().unwrap().split(',').collect();
        assert_eq!(sides.len(), 2, "{size}: two sides");
        assert_eq!(
            sides[0], sides[1],
            "{size}: the two sides show the same accounts"
        );
        // Nothing sticks out sideways, the verdict included, and (on the projector) no text is
        // under 14 px.
        assert_eq!(
            eval(&tab, OVERFLOWING),
            "",
            "{size}: nothing overflows the viewport"
        );
        let verdict = eval(
            &tab,
            "(() => { const r = document.getElementById('verdict').getBoundingClientRect(); \
             return r.left >= 0 && r.right <= window.innerWidth && r.width > 200; })()",
        );
        assert_eq!(verdict, true, "{size}: the verdict is fully visible");
        if (width, height) == (1024, 768) {
            let smallest = eval(&tab, SMALLEST_TEXT);
            let px: f64 = smallest
                .as_str()
                .unwrap()
                .split(':')
                .next()
                .unwrap()
                .parse()
                .unwrap();
            assert!(px >= 14.0, "{size}: the smallest text is {smallest}");
            // The knobs are one click away, and each has its own hover text.
            click_along(&tab, "#knobs-toggle", 0.5);
            wait_until(
                &tab,
                "getComputedStyle(document.getElementById('aside')).visibility === 'visible'",
                limit,
            );
            let helps = eval(
                &tab,
                "JSON.stringify([...document.querySelectorAll('.knob')].map(k => k.title))",
            );
            let helps: Vec<String> = serde_json::from_str(helps.as_str().unwrap()).unwrap();
            assert!(helps.len() >= 10, "{helps:?}");
            let distinct: std::collections::HashSet<_> = helps.iter().collect();
            assert_eq!(
                distinct.len(),
                helps.len(),
                "every slider has its own hover text: {helps:?}"
            );
            assert!(
                helps.iter().all(|h| h.contains("On this page:")),
                "{helps:?}"
            );
            assert_eq!(
                eval(&tab, OVERFLOWING),
                "",
                "{size}: the open knobs overflow nothing"
            );
            click_along(&tab, "#knobs-toggle", 0.5);
        }
        // Play a simulated quarter at a quarter a second.
        eval(
            &tab,
            "(() => { const s = document.getElementById('g-speed'); s.value = '65'; \
             s.dispatchEvent(new Event('change')); })()",
        );
        click_along(&tab, "#g-play", 0.5);
        wait_until(
            &tab,
            "Number(document.getElementById('garden').dataset.day) >= 30",
            limit,
        );
        if width == 1024 || width == 1920 {
            // Mid-quarter at 5 days a second, effects on screen: the picture for docs/ and the
            // README.
            eval(
                &tab,
                "(() => { const s = document.getElementById('g-speed'); s.value = '5'; \
                 s.dispatchEvent(new Event('change')); })()",
            );
            let now = eval(
                &tab,
                "Number(document.getElementById('garden').dataset.day)",
            );
            wait_until(
                &tab,
                &format!(
                    "Number(document.getElementById('garden').dataset.day) >= {}",
                    now.as_f64().unwrap() + 3.0
                ),
                limit,
            );
            let shot = screenshot(&tab);
            keep(&shot, &format!("garden-{size}.png"));
            if std::env::var_os("SALESIM_DOCS_SCREENSHOTS").is_some() {
                std::fs::write(
                    Path::new(env!("CARGO_MANIFEST_DIR"))
                        .join("docs")
                        .join(format!("garden-{size}.png")),
                    &shot,
                )
                .unwrap();
            }
        }
        eval(
            &tab,
            "(() => { const s = document.getElementById('g-speed'); s.value = '65'; \
             s.dispatchEvent(new Event('change')); })()",
        );
        wait_until(
            &tab,
            "Number(document.getElementById('garden').dataset.day) >= 64",
            limit,
        );
        click_along(&tab, "#g-play", 0.5);
        let data = |key: &str| -> f64 {
            eval(
                &tab,
                &format!("Number(document.getElementById('garden').dataset['{key}'])"),
            )
            .as_f64()
            .unwrap()
        };
        for side in 0..2 {
            assert!(
                data(&format!("contacts{side}")) > 100.0,
                "{size}: side {side} makes contacts"
            );
            assert!(
                data(&format!("stages{side}")) >= 5.0,
                "{size}: side {side} shows the stages"
            );
        }
        assert!(
            data("blocks0") + data("blocks1") >= 1.0,
            "{size}: at least one account blocks us"
        );
        assert_ne!(
            eval(&tab, SIDE_PIXELS)
                .as_str()
                .unwrap()
                .split(',')
                .collect::<Vec<_>>()[0],
            eval(&tab, SIDE_PIXELS)
                .as_str()
                .unwrap()
                .split(',')
                .collect::<Vec<_>>()[1],
            "{size}: after a quarter the two strategies have made different markets"
        );
        assert_eq!(
            eval(&tab, OVERFLOWING),
            "",
            "{size}: nothing overflows after playing"
        );
        keep(&screenshot(&tab), &format!("garden-quarter-{size}.png"));
        assert!(
            errors.lock().unwrap().is_empty(),
            "{size}: no console errors: {:?}",
            errors.lock().unwrap()
        );
    }
}

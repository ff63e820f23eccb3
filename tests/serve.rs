//! `salesim serve` over HTTP: the page and its knobs, valid and invalid slider values, the
//! numbers after N replications against `salesim run --replications N`, cancellation, the job
//! limit, the address it listens on, and Ctrl-C.

mod serving;

use salesim::scenario::ranges::CLASSROOM_KNOBS;
use serde_json::json;
use serving::{Server, LONG, SMALL};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const LIMIT: Duration = Duration::from_secs(120);

fn salesim(args: &[String], dir: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_salesim"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

#[test]
fn the_page_is_self_contained_and_the_knobs_come_from_the_scenario_reference() {
    let server = Server::start(&SMALL);
    let page = ureq::get(&server.url)
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    assert!(page.contains("<script>") && page.contains("EventSource"));
    for external in [
        "http://",
        "https://",
        "<script src",
        "<link rel=\"stylesheet",
        "@import",
        "url(",
    ] {
        assert!(
            !page.contains(external),
            "no external resource: {external:?}"
        );
    }
    let knobs: serde_json::Value = ureq::get(&server.at("api/knobs"))
        .call()
        .unwrap()
        .into_json()
        .unwrap();
    let sliders = knobs["sliders"].as_array().unwrap();
    for k in CLASSROOM_KNOBS {
        let shown: Vec<_> = sliders.iter().filter(|s| s["label"] == k.label).collect();
        assert!(!shown.is_empty(), "{} has a slider", k.label);
        for s in shown {
            assert_eq!(s["unit"], k.unit);
            let (low, high, default) = (
                s["low"].as_f64().unwrap(),
                s["high"].as_f64().unwrap(),
                s["default"].as_f64().unwrap(),
            );
            assert!(low <= default && default <= high, "{s}");
        }
    }
    // Every slider is a knob of the reference, and nothing else is.
    assert!(sliders.iter().all(|s| CLASSROOM_KNOBS
        .iter()
        .any(|k| k.label == s["label"].as_str().unwrap())));
    // The scenario's own value, after the command line's --set.
    let per_rep = sliders
        .iter()
        .find(|s| s["path"] == "market.customers")
        .unwrap()["default"]
        .as_f64()
        .unwrap();
    assert_eq!(
        per_rep, 150.0,
        "1500 accounts over the lesson's 10 reps of ours"
    );
    assert_eq!(knobs["cap"], 12);
}

#[test]
fn bad_values_get_the_scenario_files_message_and_the_server_stays_up() {
    let server = Server::start(&SMALL);
    let dir = tempfile::tempdir().unwrap();
    let (status, body) = server.post_job(&json!({
        "client": "a",
        "values": { "customers.block_threshold": "-1" }
    }));
    assert_eq!(status, 400);
    let message = body["error"].as_str().unwrap();
    assert!(message.contains("slider \"Block threshold\""), "{message}");
    // The same rule and allowed values as `--set` on the command line (and the file's key).
    let cli = salesim(
        &[
            "run".into(),
            "builtin:lesson".into(),
            "--set".into(),
            "customers.block_threshold=-1".into(),
        ],
        dir.path(),
    );
    assert_eq!(cli.status.code(), Some(2));
    let cli = String::from_utf8_lossy(&cli.stderr);
    let tail = |m: &str| {
        m.rsplit("customers.block_threshold")
            .next()
            .unwrap()
            .trim()
            .to_string()
    };
    assert_eq!(tail(message), tail(&cli), "page: {message}\ncli: {cli}");

    for (values, says) in [
        (
            json!({ "strategies.aggressive.discount_max": "lots" }),
            "discount_max",
        ),
        (
            json!({ "strategies.aligned.min_contact_gap_days": 2.5 }),
            "min_contact_gap_days",
        ),
        (json!({ "market.customers": "many" }), "is not a number"),
        (json!({ "seed": 3 }), "is no slider of this page"),
    ] {
        let (status, body) = server.post_job(&json!({ "client": "a", "values": values }));
        assert_eq!(status, 400, "{values} is refused");
        let message = body["error"].as_str().unwrap();
        assert!(message.contains(says), "{values}: {message}");
        assert!(
            message.contains("Allowed") || message.contains("allowed"),
            "{message}"
        );
    }
    for broken in [
        "not json",
        "{\"values\": {}}",
        "{\"client\": \"a\", \"extra\": 1}",
    ] {
        let response = ureq::post(&server.at("api/jobs"))
            .set("Content-Type", "application/json")
            .set("Origin", &server.origin())
            .send_string(broken);
        match response {
            Err(ureq::Error::Status(400, r)) => {
                let body: serde_json::Value = r.into_json().unwrap();
                assert!(body["error"].as_str().unwrap().contains("is not a job"));
            }
            other => panic!("{broken:?} is refused with 400: {other:?}"),
        }
    }
    let unknown = ureq::get(&server.at("api/jobs/999/events")).call();
    assert!(matches!(unknown, Err(ureq::Error::Status(404, _))));
    // Still serving, and a good request still runs.
    let id = server.start_job("a", json!({ "customers.block_threshold": 8 }));
    assert!(!server.follow(&id, LIMIT).is_empty());
}

#[test]
fn the_numbers_after_n_replications_are_those_of_salesim_run_with_n_replications() {
    let server = Server::start(&SMALL);
    let id = server.start_job(
        "a",
        json!({ "strategies.aggressive.discount_max": 0.1, "market.customers": 120 }),
    );
    let updates = server.follow(&id, LIMIT);
    assert!(!updates.is_empty());
    // Batches of 4 replications, each update one look further, ending decided or at the cap.
    for (i, u) in updates.iter().enumerate() {
        assert_eq!(u["look"], i as u64 + 1);
        assert_eq!(u["replications"], 4 * (i as u64 + 1));
        assert_eq!(u["charts"].as_array().unwrap().len(), 4);
        for chart in u["charts"].as_array().unwrap() {
            assert!(chart["svg"].as_str().unwrap().starts_with("<svg"));
        }
    }
    let last = updates.last().unwrap();
    assert_eq!(last["finished"], true);
    assert!(
        last["decision"] != "open" || last["replications"] == 12,
        "{last}"
    );
    let verdict = last["verdict"].as_str().unwrap();
    match last["decision"].as_str().unwrap() {
        "open" => assert!(verdict.starts_with("Not decided yet"), "{verdict}"),
        _ => assert!(!verdict.contains("Not decided"), "{verdict}"),
    }
    for u in &updates[..updates.len() - 1] {
        assert_eq!(u["decision"], "open", "the job stops at the first decision");
        assert!(u["verdict"]
            .as_str()
            .unwrap()
            .starts_with("Not decided yet"));
    }

    // The command the page shows, run by hand, gives the same numbers.
    let command = last["command"].as_str().unwrap();
    assert!(
        command.contains("strategies.aggressive.discount_max=0.1"),
        "{command}"
    );
    assert!(command.contains("market.customers=1200"), "{command}");
    let dir = tempfile::tempdir().unwrap();
    let mut words = shlex::split(command).unwrap();
    assert_eq!(words.remove(0), "salesim");
    words.extend(["--quiet".into(), "--out".into(), "run".into()]);
    let out = salesim(&words, dir.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = dir.path().join("run");
    let mut summary = csv::Reader::from_path(run.join("summary.csv")).unwrap();
    let mut checked = 0;
    for row in summary.records() {
        let row = row.unwrap();
        let (variant, metric, mean) = (&row[1], &row[2], row[3].parse::<f64>().unwrap());
        let side = if variant == last["reference"] {
            "reference"
        } else {
            "variant"
        };
        if let Some(json_metric) = match metric {
            "bookings" => Some("bookings"),
            "blocks" => Some("blocks"),
            "hockey_stick" => Some("hockey_stick"),
            _ => None,
        } {
            assert_eq!(
                last[json_metric][side].as_f64().unwrap(),
                mean,
                "{variant} {metric}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 6);
    let mut comparison = csv::Reader::from_path(run.join("comparison.csv")).unwrap();
    let headers = comparison.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let row = comparison
        .records()
        .map(|r| r.unwrap())
        .find(|r| &r[col("metric")] == "bookings")
        .unwrap();
    for (column, key) in [
        ("mean_diff", "mean"),
        ("ci_low", "ci_low"),
        ("ci_high", "ci_high"),
    ] {
        assert_eq!(
            last["difference"][key].as_f64().unwrap(),
            row[col(column)].parse::<f64>().unwrap(),
            "{column}"
        );
    }
}

/// The updates after the first, until the stream ends: the first arrives, `cancel` runs, and
/// the rest are collected; with the time from `cancel` to the stream's end.
fn cancel_after_first_update(
    updates: std::sync::mpsc::Receiver<serde_json::Value>,
    cancel: impl FnOnce(),
) -> (Vec<serde_json::Value>, Duration) {
    let first = updates.recv_timeout(LIMIT).expect("a first update");
    // One batch of 2 replications: the rule's adjusted interval (t of 1 degree of freedom at
    // 1 − 0.05/200) cannot decide anything yet.
    assert_eq!(first["replications"], 2);
    assert_eq!(first["finished"], false);
    let started = Instant::now();
    cancel();
    let rest: Vec<_> = updates.iter().collect();
    (rest, started.elapsed())
}

#[test]
fn a_new_job_of_the_same_page_cancels_the_previous_one_and_delete_cancels_too() {
    // Long jobs: up to 400 replications in batches of 2.
    let server = Server::start(&LONG);
    let first = server.start_job("page", json!({}));
    let mut second = String::new();
    let (rest, took) = cancel_after_first_update(serving::follow_live(&server, &first), || {
        second = server.start_job("page", json!({ "customers.block_threshold": 5 }));
    });
    assert!(
        took < Duration::from_secs(20),
        "the first job's stream ends soon ({took:?})"
    );
    assert!(
        rest.iter().all(|u| u["finished"] == false),
        "the first job was cut short, not finished"
    );
    // The second runs; DELETE stops it.
    let (rest, took) = cancel_after_first_update(serving::follow_live(&server, &second), || {
        assert_eq!(server.cancel("page", &second), 204);
    });
    assert!(took < Duration::from_secs(20), "{took:?}");
    assert!(rest.iter().all(|u| u["finished"] == false));
    assert_eq!(server.cancel("page", "999"), 404);
}

#[test]
fn jobs_beyond_the_limit_are_refused_until_one_ends() {
    let mut args = vec!["--jobs", "1"];
    args.extend(LONG);
    let server = Server::start(&args);
    let first = server.start_job("one", json!({}));
    let (status, body) = server.post_job(&json!({ "client": "two", "values": {} }));
    assert_eq!(status, 429, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("--jobs 1"),
        "{body}"
    );
    // The same page replacing its own job is not refused.
    let replaced = server.start_job("one", json!({ "customers.block_threshold": 5 }));
    assert_ne!(replaced, first);
    assert_eq!(server.cancel("one", &replaced), 204);
    // A cancelled job counts until its simulations have stopped: then another page's starts.
    let until = Instant::now() + Duration::from_secs(30);
    loop {
        let status: serde_json::Value = ureq::get(&server.at("api/status"))
            .call()
            .unwrap()
            .into_json()
            .unwrap();
        if status["running"] == 0 {
            break;
        }
        assert!(Instant::now() < until, "the cancelled job stops: {status}");
        std::thread::sleep(Duration::from_millis(50));
    }
    let id = server.start_job("two", json!({}));
    assert_ne!(id, replaced);
}

#[test]
fn it_listens_on_127_0_0_1_by_default_and_warns_when_shared() {
    let server = Server::start(&SMALL);
    assert!(
        server.url.starts_with("http://127.0.0.1:"),
        "{}",
        server.url
    );
    let (code, stderr) = server.interrupt(Duration::from_secs(15));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stderr.contains("warning"), "{stderr}");

    let shared = Server::start(&["--host", "0.0.0.0"]);
    let knobs = ureq::get(&shared.at("api/knobs")).call().unwrap();
    assert_eq!(knobs.status(), 200);
    let (code, stderr) = shared.interrupt(Duration::from_secs(15));
    assert_eq!(code, Some(0));
    assert!(stderr.contains("warning: serving on 0.0.0.0"), "{stderr}");

    // A port in use is the command line's error.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_salesim"))
        .args(["serve", "--port", &port])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains(&format!("--port {port}")));
}

#[test]
fn ctrl_c_stops_the_server_and_its_running_job_cleanly() {
    let server = Server::start(&["--set", "replications=400", "--batch", "2"]);
    let id = server.start_job("page", json!({}));
    let updates = serving::follow_live(&server, &id);
    let first = updates.recv_timeout(LIMIT).expect("a first update");
    assert_eq!(first["finished"], false);
    let started = Instant::now();
    let (code, stderr) = server.interrupt(Duration::from_secs(20));
    assert_eq!(code, Some(0), "stopped cleanly: {stderr}");
    assert!(stderr.contains("serve stopped"), "{stderr}");
    // It says what stopping a server means, not what a stopped run keeps.
    assert!(stderr.contains("stopping the server"), "{stderr}");
    assert!(!stderr.contains("finished runs are kept"), "{stderr}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert!(updates.iter().all(|u| u["finished"] == false));
}

#[test]
fn any_scenario_can_be_served_but_a_sweep_is_refused_with_its_line() {
    let server = Server::start(&["builtin:transactional-short-cycles"]);
    let knobs: serde_json::Value = ureq::get(&server.at("api/knobs"))
        .call()
        .unwrap()
        .into_json()
        .unwrap();
    assert_eq!(knobs["name"], "transactional-short-cycles");
    assert!(!knobs["sliders"].as_array().unwrap().is_empty());

    let out = Command::new(env!("CARGO_BIN_EXE_salesim"))
        .args(["serve", "builtin:discount-sweep", "--port", "0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("salesim: error: builtin:discount-sweep:")
            && stderr.contains("key `sweep`")
            && stderr.contains("Allowed:"),
        "{stderr}"
    );
}

/// Posts JSON from the server's own page: (status, body).
fn post(server: &Server, path: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
    match ureq::post(&server.at(path))
        .set("Origin", &server.origin())
        .send_json(body)
    {
        Ok(r) => (r.status(), r.into_json().unwrap()),
        Err(ureq::Error::Status(code, r)) => (code, r.into_json().unwrap()),
        Err(e) => panic!("the server answers: {e}"),
    }
}

fn get(server: &Server, path: &str) -> (u16, serde_json::Value) {
    match ureq::get(&server.at(path)).call() {
        Ok(r) => (r.status(), r.into_json().unwrap()),
        Err(ureq::Error::Status(code, r)) => (code, r.into_json().unwrap()),
        Err(e) => panic!("the server answers: {e}"),
    }
}

#[test]
fn the_garden_streams_one_market_whose_counts_are_those_of_run_trace() {
    let server = Server::start(&SMALL);
    let page = server.page("garden");
    let (status, layout) = post(
        &server,
        "api/garden",
        json!({ "page": page, "values": {}, "market": 1 }),
    );
    assert_eq!(status, 200, "{layout}");
    assert_eq!(layout["sides"], json!(["aggressive", "aligned"]));
    let accounts = layout["stages"].as_array().unwrap().len();
    assert_eq!(accounts, 1500);
    // Every account lies in exactly one territory of ours.
    let mut seen = vec![0u32; accounts];
    for t in layout["territories"].as_array().unwrap() {
        for c in t["accounts"].as_array().unwrap() {
            seen[c.as_u64().unwrap() as usize] += 1;
        }
    }
    assert!(seen.iter().all(|&n| n == 1));
    let id = layout["id"].as_str().unwrap();
    let days = layout["days"].as_u64().unwrap();
    assert_eq!(days, 6 * 65);
    // Pull the whole horizon, in chunks, and count our side's events.
    let mut totals = [[0f64; 4]; 2]; // contacts, blocks, deals, bookings
    let mut next_day = 0;
    loop {
        let (status, chunk) = get(
            &server,
            &format!("api/garden/{id}/days?page={page}&count=40"),
        );
        assert_eq!(status, 200, "{chunk}");
        for day in chunk["days"].as_array().unwrap() {
            assert_eq!(day["day"], next_day, "days come in order, none skipped");
            next_day += 1;
            for (side, d) in day["sides"].as_array().unwrap().iter().enumerate() {
                let list = |k: &str| -> Vec<u64> {
                    d[k].as_array()
                        .unwrap()
                        .iter()
                        .map(|x| x.as_u64().unwrap())
                        .collect()
                };
                let contacts = list("contacts");
                totals[side][0] += contacts.chunks(4).filter(|c| c[1] == 0).count() as f64;
                totals[side][1] += list("blocks").chunks(4).filter(|b| b[1] == 0).count() as f64;
                let booked: Vec<f64> = d["booked"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_f64().unwrap())
                    .collect();
                for (deal, net) in list("deals").chunks(4).zip(booked) {
                    if deal[1] == 0 && deal[2] == 0 {
                        totals[side][2] += 1.0;
                        totals[side][3] += net;
                    }
                }
            }
        }
        if chunk["done"] == true {
            break;
        }
    }
    assert_eq!(next_day, days);
    // Market 1 is replication 1 of `salesim run` with the same settings.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let cli = salesim(
        &[
            "run".into(),
            "builtin:lesson".into(),
            "--set".into(),
            "market.customers=1500".into(),
            "--set".into(),
            "horizon_quarters=6".into(),
            "--replications".into(),
            "2".into(),
            "--quiet".into(),
            "--out".into(),
            out.display().to_string(),
        ],
        dir.path(),
    );
    assert!(cli.status.success(), "{cli:?}");
    let mut runs = csv::Reader::from_path(out.join("runs.csv")).unwrap();
    let header = runs.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    for row in runs.records() {
        let row = row.unwrap();
        if &row[col("replication")] != "1" {
            continue;
        }
        let side = if &row[col("variant")] == "aggressive" {
            0
        } else {
            1
        };
        let metric = |m: &str| row[col(m)].parse::<f64>().unwrap();
        assert_eq!(totals[side][0], metric("contacts"), "side {side} contacts");
        assert_eq!(totals[side][1], metric("blocks"), "side {side} blocks");
        assert_eq!(totals[side][2], metric("deals"), "side {side} deals");
        assert!((totals[side][3] - metric("bookings")).abs() < 1e-6 * metric("bookings"));
    }
    // Another page cannot pull this garden; a wrong id or count is refused with what is allowed.
    let other = server.page("other");
    let (status, body) = get(&server, &format!("api/garden/{id}/days?page={other}"));
    assert_eq!(status, 404, "{body}");
    let (status, body) = get(
        &server,
        &format!("api/garden/{id}/days?page={page}&count=x"),
    );
    assert_eq!(status, 400);
    assert!(body["error"].as_str().unwrap().contains("Allowed"));
    // A new garden of the page closes the old one.
    let (status, _) = post(&server, "api/garden", json!({ "page": page, "market": 0 }));
    assert_eq!(status, 200);
    let (status, _) = get(&server, &format!("api/garden/{id}/days?page={page}"));
    assert_eq!(status, 404);
}

#[test]
fn a_refused_accounts_per_rep_is_said_in_accounts_per_rep_with_the_accepted_range() {
    let server = Server::start(&SMALL);
    // 0.5 accounts per rep: 5 accounts for the lesson's 10 reps, fewer than its 8 peers need.
    let (status, body) = server.post_job(&json!({
        "client": "a",
        "values": { "market.customers": "0.5" }
    }));
    assert_eq!(status, 400);
    let message = body["error"].as_str().unwrap();
    assert!(
        message.contains("0.5 accounts per rep of ours"),
        "said in the slider's unit: {message}"
    );
    assert!(
        !message.contains("memory"),
        "not a memory refusal: {message}"
    );
    let allowed = message.split("Allowed: ").nth(1).unwrap();
    assert!(
        allowed.starts_with("from 0.9 to ") && allowed.ends_with("accounts per rep of ours"),
        "the accepted range in accounts per rep: {message}"
    );
    // The garden says it the same way.
    let page = server.page("a");
    let (status, garden) = post(
        &server,
        "api/garden",
        json!({ "page": page, "values": { "market.customers": "0.5" } }),
    );
    assert_eq!(status, 400);
    assert_eq!(garden["error"], body["error"]);
}

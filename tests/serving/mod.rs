//! A `salesim serve` process for the tests: started on a free port of 127.0.0.1, its address
//! read from the line it prints, stopped (Ctrl-C) when dropped; and a reader of its jobs'
//! server-sent events.

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A running server.
pub struct Server {
    pub child: Child,
    /// `http://127.0.0.1:PORT/`.
    pub url: String,
    /// What it printed on stderr, read when it stops.
    stderr: Option<std::process::ChildStderr>,
    /// The page secret the server issued for each page name a test uses.
    pages: Mutex<HashMap<String, String>>,
    /// Each job's events address (with its page's secret).
    events: Mutex<HashMap<String, String>>,
}

/// Options that keep the tests short: a smaller lesson market, short horizon, small batches.
pub const SMALL: [&str; 8] = [
    "--set",
    "market.customers=1500",
    "--set",
    "horizon_quarters=6",
    "--set",
    "replications=12",
    "--batch",
    "4",
];

/// Options of a job that runs long: up to 400 replications of a 4-quarter lesson in batches of 2.
pub const LONG: [&str; 6] = [
    "--set",
    "replications=400",
    "--batch",
    "2",
    "--set",
    "horizon_quarters=4",
];

impl Server {
    /// Starts `salesim serve --port 0` with `args`.
    pub fn start(args: &[&str]) -> Server {
        Server::start_command(Command::new(env!("CARGO_BIN_EXE_salesim")), args)
    }

    /// Starts `command` (salesim, or a wrapper whose arguments so far end with salesim's path)
    /// with `serve --port 0` and `args` after its arguments.
    pub fn start_command(mut fresh: Command, args: &[&str]) -> Server {
        let mut child = fresh
            .args(["serve", "--port", "0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("salesim serve starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("the server prints its address: {line:?}"))
            .to_string();
        let stderr = child.stderr.take();
        Server {
            child,
            url,
            stderr,
            pages: Mutex::default(),
            events: Mutex::default(),
        }
    }

    /// `http://127.0.0.1:PORT`: the Origin of the server's own page.
    pub fn origin(&self) -> String {
        self.url.trim_end_matches('/').to_string()
    }

    /// The secret the server issued for the page a test calls `name` (asked once).
    pub fn page(&self, name: &str) -> String {
        let mut pages = self.pages.lock().unwrap();
        if let Some(secret) = pages.get(name) {
            return secret.clone();
        }
        let knobs: serde_json::Value = ureq::get(&self.at("api/knobs"))
            .call()
            .unwrap()
            .into_json()
            .unwrap();
        let secret = knobs["page"].as_str().expect("a page secret").to_string();
        pages.insert(name.to_string(), secret.clone());
        secret
    }

    pub fn at(&self, path: &str) -> String {
        format!("{}{}", self.url, path.trim_start_matches('/'))
    }

    /// Posts a job from the server's own page; (status, JSON body). A `"client": NAME` in
    /// `body` is replaced by that page's secret (`"page"`).
    pub fn post_job(&self, body: &serde_json::Value) -> (u16, serde_json::Value) {
        let mut body = body.clone();
        if let Some(name) = body.as_object_mut().and_then(|b| b.remove("client")) {
            body["page"] = self.page(name.as_str().unwrap()).into();
        }
        let answer: (u16, serde_json::Value) = match ureq::post(&self.at("api/jobs"))
            .set("Origin", &self.origin())
            .send_json(body)
        {
            Ok(r) => (r.status(), r.into_json().unwrap()),
            Err(ureq::Error::Status(code, r)) => (code, r.into_json().unwrap()),
            Err(e) => panic!("the server answers: {e}"),
        };
        if let (Some(id), Some(events)) = (answer.1["id"].as_str(), answer.1["events"].as_str()) {
            self.events
                .lock()
                .unwrap()
                .insert(id.to_string(), self.at(events));
        }
        answer
    }

    /// Posts a job that must be accepted; its id.
    pub fn start_job(&self, client: &str, values: serde_json::Value) -> String {
        let (status, body) =
            self.post_job(&serde_json::json!({ "client": client, "values": values }));
        assert_eq!(status, 202, "job accepted: {body}");
        body["id"].as_str().unwrap().to_string()
    }

    /// Cancels job `id` as page `client`: the status.
    pub fn cancel(&self, client: &str, id: &str) -> u16 {
        let answer = ureq::delete(&self.at(&format!("api/jobs/{id}")))
            .set("Origin", &self.origin())
            .send_json(serde_json::json!({ "page": self.page(client) }));
        match answer {
            Ok(r) => r.status(),
            Err(ureq::Error::Status(code, _)) => code,
            Err(e) => panic!("the server answers: {e}"),
        }
    }

    /// The events address of job `id` (as its page has it).
    pub fn events_of(&self, id: &str) -> String {
        self.events
            .lock()
            .unwrap()
            .get(id)
            .cloned()
            .unwrap_or_else(|| self.at(&format!("api/jobs/{id}/events")))
    }

    /// Every update of job `id` until its stream ends (or `limit` passes); a `failed` event
    /// panics.
    pub fn follow(&self, id: &str, limit: Duration) -> Vec<serde_json::Value> {
        let response = ureq::get(&self.events_of(id))
            .timeout(limit)
            .call()
            .expect("the job's events");
        read_events(response.into_reader(), limit)
    }

    /// Sends Ctrl-C (SIGINT) and waits up to `limit` for the process to end: its exit code and
    /// stderr.
    pub fn interrupt(mut self, limit: Duration) -> (Option<i32>, String) {
        let code = self.ctrl_c(limit);
        let mut text = String::new();
        if code.is_some() {
            if let Some(mut e) = self.stderr.take() {
                let _ = e.read_to_string(&mut text);
            }
        }
        (code, text)
    }

    /// Sends Ctrl-C unless the process has ended, and waits up to `limit`: its exit code, `None`
    /// while it still runs (or when a signal ended it).
    fn ctrl_c(&mut self, limit: Duration) -> Option<i32> {
        if let Ok(Some(status)) = self.child.try_wait() {
            return status.code();
        }
        // SAFETY: kill(2) on our own child's pid.
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGINT);
        }
        let until = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            if Instant::now() > until {
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    /// Ctrl-C, so the server removes its working folder; killed if it has not stopped in 10 s.
    fn drop(&mut self) {
        self.ctrl_c(Duration::from_secs(10));
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Follows job `id` on a thread: each update is sent on the channel as it comes; the channel
/// closes when the stream ends.
pub fn follow_live(server: &Server, id: &str) -> std::sync::mpsc::Receiver<serde_json::Value> {
    let url = server.events_of(id);
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let response = ureq::get(&url)
            .timeout(Duration::from_secs(120))
            .call()
            .unwrap();
        read_each_event(response.into_reader(), Duration::from_secs(120), &mut |u| {
            let _ = send.send(u);
        });
    });
    receive
}

/// The `update` events of a server-sent event stream, in order (a `failed` event panics).
pub fn read_events(reader: impl Read, limit: Duration) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    read_each_event(reader, limit, &mut |u| out.push(u));
    out
}

/// Hands each `update` event of a stream to `each` as it comes.
fn read_each_event(reader: impl Read, limit: Duration, each: &mut dyn FnMut(serde_json::Value)) {
    let started = Instant::now();
    let mut event = String::new();
    for line in BufReader::new(reader).lines() {
        let Ok(line) = line else { break };
        if let Some(name) = line.strip_prefix("event:") {
            event = name.trim().to_string();
        } else if let Some(data) = line.strip_prefix("data:") {
            assert_ne!(event, "failed", "the job failed: {data}");
            if event == "update" {
                each(serde_json::from_str(data.trim()).expect("an update is JSON"));
            }
        }
        if started.elapsed() > limit {
            break;
        }
    }
}

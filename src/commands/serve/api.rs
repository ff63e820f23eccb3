//! The server's routes: the page, its knobs, and jobs (start one, follow its updates as
//! server-sent events, cancel it). Every request's values are judged by the scenario's own
//! validation; a bad one gets the same message a scenario file would, as JSON, never a crash.

mod garden;

use super::guard::{self, refuse, Names};
use super::knobs::{self, Slider};
use super::live::{self, Update};
use crate::error::{InputError, SalesimError};
use crate::experiment;
use crate::experiment::job::Job;
use crate::scenario::{self, ScenarioSource};
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use rand::{RngCore as _, SeedableRng as _};
use serde::Serialize;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio_stream::wrappers::UnboundedReceiverStream;
use tokio_stream::StreamExt as _;

/// The page: HTML, CSS and script in one file, nothing fetched from elsewhere.
const PAGE: &str = include_str!("page.html");

/// Finished jobs whose updates no page has taken that are kept (the latest).
const KEPT_UNFOLLOWED: usize = 16;

/// Longest request body read (the slider values of one page).
const MAX_BODY: usize = 64 * 1024;

/// Longest wait for a request's body once its head has arrived.
const BODY_TIMEOUT: Duration = Duration::from_secs(10);

/// Page secrets remembered (the latest issued); an older page is asked to reload.
const KEPT_PAGES: usize = 4096;

/// Longest a page's new job waits for the page's previous job to stop.
const REPLACE_WAIT: Duration = Duration::from_secs(10);

/// The placeholder of the page's secret in `page.html`.
const PAGE_SECRET: &str = "__SALESIM_PAGE_SECRET__";

/// A lock whose holder panicked is still usable: the jobs' table stays consistent.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// What a job streams to its page.
enum Message {
    /// A look's update.
    Update(Box<Update>),
    /// The job failed.
    Failed(String),
}

/// One job: whose page started it, how to stop it, and its updates until the page takes them.
struct Running {
    page: String,
    started: u64,
    stop: Arc<AtomicBool>,
    finished: Arc<AtomicBool>,
    updates: Option<mpsc::UnboundedReceiver<Message>>,
}

/// The simulations running: a job holds its place, and the memory it may need, until its
/// thread has finished (a stopped job included, until it has really stopped).
#[derive(Default)]
struct Slots {
    taken: Mutex<Taken>,
    freed: Condvar,
}

#[derive(Default, Clone, Copy)]
struct Taken {
    /// Job threads running.
    threads: usize,
    /// Bytes their runs in flight may need.
    bytes: f64,
}

/// A job thread's place in [`Slots`], given back when dropped (also if the thread panics).
struct Slot {
    slots: Arc<Slots>,
    bytes: f64,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut taken = lock(&self.slots.taken);
        taken.threads -= 1;
        taken.bytes = (taken.bytes - self.bytes).max(0.0);
        self.slots.freed.notify_all();
    }
}

/// The page secrets issued, the latest [`KEPT_PAGES`].
#[derive(Default)]
struct Pages {
    order: VecDeque<String>,
    known: HashSet<String>,
}

/// The server's state: the scenario, its sliders, and the jobs.
pub struct Lecture {
    source: ScenarioSource,
    job: Job,
    sliders: Vec<Slider>,
    /// The variants' names, in the scenario's order.
    variants: Vec<String>,
    name: String,
    question: String,
    cap: u32,
    batch: u32,
    threads: usize,
    limit: usize,
    /// Bytes all running jobs together may use (`SALESIM_MEMORY_LIMIT_GB`).
    memory_limit: f64,
    jobs: Mutex<HashMap<String, Running>>,
    slots: Arc<Slots>,
    pages: Mutex<Pages>,
    /// Unguessable job ids and page secrets: a generator seeded from the operating system (a
    /// security token, not simulation randomness).
    secrets: Mutex<rand::rngs::StdRng>,
    next: AtomicU64,
    /// Where each job's output folder goes (removed with the server).
    folders: tempfile::TempDir,
    /// The pages' gardens: one market each, day by day ([`garden`]).
    gardens: garden::Gardens,
}

impl Lecture {
    /// The state for a scenario: checks it with the command line's own options first.
    pub fn new(
        source: ScenarioSource,
        job: Job,
        threads: usize,
        limit: usize,
        batch: u32,
    ) -> Result<Lecture, SalesimError> {
        let cfg = scenario::build(&source, &job.options.overrides()?)?;
        refuse_what_the_page_cannot_show(&source, &cfg)?;
        let sliders = knobs::sliders(&cfg);
        let folders = super::folder::create()?;
        Ok(Lecture {
            name: cfg.name.clone(),
            question: cfg.question.clone(),
            variants: cfg.variants.iter().map(|v| v.name.clone()).collect(),
            cap: cfg.replications,
            source,
            job,
            sliders,
            batch,
            threads,
            limit,
            memory_limit: experiment::memory_limit_gb() * 1e9,
            jobs: Mutex::new(HashMap::new()),
            slots: Arc::default(),
            pages: Mutex::default(),
            secrets: Mutex::new(rand::rngs::StdRng::from_os_rng()),
            next: AtomicU64::new(1),
            folders,
            gardens: garden::Gardens::default(),
        })
    }

    /// 128 unguessable bits, as hex.
    fn secret(&self) -> String {
        let mut bytes = [0u8; 16];
        lock(&self.secrets).fill_bytes(&mut bytes);
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// A new page's secret: the page sends it with its jobs, and only it can follow or cancel
    /// them.
    fn issue_page(&self) -> String {
        let secret = self.secret();
        let mut pages = lock(&self.pages);
        pages.order.push_back(secret.clone());
        pages.known.insert(secret.clone());
        while pages.order.len() > KEPT_PAGES {
            if let Some(old) = pages.order.pop_front() {
                pages.known.remove(&old);
            }
        }
        secret
    }

    /// Job threads running now (stopped ones included until they have finished).
    pub fn running(&self) -> usize {
        lock(&self.slots.taken).threads
    }

    /// Stops every job (Ctrl-C).
    pub fn cancel_all(&self) {
        for running in lock(&self.jobs).values() {
            running.stop.store(true, Ordering::Relaxed);
        }
    }

    /// Waits up to `grace` for every job's thread to finish.
    pub fn wait_for_jobs(&self, grace: Duration) {
        let until = Instant::now() + grace;
        while Instant::now() < until && self.running() > 0 {
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// A page's slider values, checked: the page must be one this server issued, each value one
    /// number of a slider. The overrides the values make, and all overrides (the command line's,
    /// then the values').
    fn settings(
        &self,
        page: &str,
        values: serde_json::Map<String, serde_json::Value>,
    ) -> Result<
        (
            Vec<crate::scenario::Override>,
            Vec<crate::scenario::Override>,
        ),
        Refusal,
    > {
        if !lock(&self.pages).known.contains(page) {
            return Err(Refusal {
                status: StatusCode::FORBIDDEN,
                message: "the request's page secret is not one this server issued (the \
                          server restarted, or the page is too old): reload the page. Allowed: \
                          the `page` of GET /api/knobs, or of the page's own meta tag"
                    .to_string(),
            });
        }
        let values: Vec<(String, serde_json::Value)> = values.into_iter().collect();
        let set = knobs::overrides(&self.sliders, &values).map_err(Refusal::bad)?;
        let mut overrides = self.job.options.overrides().map_err(Refusal::bad)?;
        overrides.extend(set.iter().cloned());
        Ok((set, overrides))
    }

    /// Whether the scenario, with `overrides`, takes a market of `n` accounts (its validation:
    /// how [`knobs::in_slider_units`] finds the limits of accounts per rep).
    fn accepts_customers<'s>(
        &'s self,
        overrides: &'s [crate::scenario::Override],
    ) -> impl Fn(i64) -> bool + 's {
        move |n: i64| {
            let mut with = overrides.to_vec();
            with.retain(|o| o.path != "market.customers");
            with.push(crate::scenario::Override {
                path: "market.customers".to_string(),
                value: toml::Value::Integer(n),
                origin: String::new(),
            });
            scenario::build(&self.source, &with).is_ok()
        }
    }

    /// Checks a page's values and starts its job, stopping the page's previous one. The new job
    /// waits (a little) for the previous one's thread to finish: every job counts against
    /// `--jobs` and the memory limit until its thread has ended.
    fn start(&self, request: JobRequest) -> Result<(String, String), Refusal> {
        let (set, overrides) = self.settings(&request.page, request.values)?;
        let accepts = self.accepts_customers(&overrides);
        let in_units = |e| Refusal::bad(knobs::in_slider_units(&self.sliders, &set, e, &accepts));
        let plan = experiment::plan(&self.source, &overrides).map_err(in_units)?;
        experiment::check_memory(&self.source, &plan, self.threads).map_err(in_units)?;
        // The runs in flight at once: one per worker thread.
        let need = experiment::bytes_per_run(plan.base()) * self.threads.max(1) as f64;
        let mut job = self.job.clone();
        job.options
            .set
            .extend(set.iter().map(|o| format!("{}={}", o.path, o.value)));
        let replaced = {
            let mut jobs = lock(&self.jobs);
            // The page's previous job gives way; finished jobs whose updates were taken go.
            let mut replaced = false;
            for running in jobs.values() {
                if running.page == request.page {
                    running.stop.store(true, Ordering::Relaxed);
                    replaced |= !running.finished.load(Ordering::Relaxed);
                }
            }
            jobs.retain(|_, r| {
                r.page != request.page
                    && !(r.finished.load(Ordering::Relaxed) && r.updates.is_none())
            });
            // Finished jobs no page came for keep their updates a while; only the latest few.
            let mut unfollowed: Vec<(u64, String)> = jobs
                .iter()
                .filter(|(_, r)| r.finished.load(Ordering::Relaxed))
                .map(|(id, r)| (r.started, id.clone()))
                .collect();
            unfollowed.sort_unstable();
            for (_, id) in unfollowed.iter().rev().skip(KEPT_UNFOLLOWED) {
                jobs.remove(id);
            }
            replaced
        };
        let slot = self.take_slot(need, replaced)?;
        let id = self.secret();
        let (sender, updates) = mpsc::unbounded_channel();
        let stop = Arc::new(AtomicBool::new(false));
        let finished = Arc::new(AtomicBool::new(false));
        lock(&self.jobs).insert(
            id.clone(),
            Running {
                page: request.page.clone(),
                started: self.next.fetch_add(1, Ordering::Relaxed),
                stop: stop.clone(),
                finished: finished.clone(),
                updates: Some(updates),
            },
        );
        let dir = self.folders.path().join(format!("job-{id}"));
        let (source, rule, threads) = (
            self.source.clone(),
            live::rule(self.cap, self.batch),
            self.threads,
        );
        let spawned = std::thread::Builder::new()
            .name("salesim-job".to_string())
            .spawn(move || {
                let _slot = slot;
                let outcome = std::fs::create_dir_all(&dir)
                    .map_err(|e| SalesimError::io(format!("creating {}", dir.display()), e))
                    .and_then(|()| {
                        live::run(&source, &job, &rule, threads, &stop, &dir, &mut |update| {
                            sender.send(Message::Update(Box::new(update))).is_ok()
                        })
                    });
                if let Err(e) = outcome {
                    let _ = sender.send(Message::Failed(format!("{e:#}")));
                }
                let _ = std::fs::remove_dir_all(&dir);
                finished.store(true, Ordering::Relaxed);
            });
        if let Err(e) = spawned {
            lock(&self.jobs).remove(&id);
            return Err(Refusal {
                status: StatusCode::SERVICE_UNAVAILABLE,
                message: format!("the job could not start: {e}"),
            });
        }
        Ok((id, request.page))
    }

    /// A place for a job that may need `need` bytes: at most `--jobs` threads, and all of
    /// their memory under the limit. A page replacing its own job waits for it to stop.
    fn take_slot(&self, need: f64, replaced: bool) -> Result<Slot, Refusal> {
        let until = Instant::now()
            + if replaced {
                REPLACE_WAIT
            } else {
                Duration::ZERO
            };
        let mut taken = lock(&self.slots.taken);
        loop {
            let threads_free = taken.threads < self.limit;
            let memory_free = taken.threads == 0 || taken.bytes + need <= self.memory_limit;
            if threads_free && memory_free {
                taken.threads += 1;
                taken.bytes += need;
                return Ok(Slot {
                    slots: self.slots.clone(),
                    bytes: need,
                });
            }
            let now = Instant::now();
            if now >= until {
                let message = if !threads_free {
                    format!(
                        "{} jobs are running, the most this server runs at once (salesim \
                         serve --jobs {}): try again when one has finished",
                        taken.threads, self.limit
                    )
                } else {
                    format!(
                        "the {} jobs running may need {:.1} GB of memory and this one {:.1} GB, \
                         over the limit of {:.1} GB for all jobs together \
                         (SALESIM_MEMORY_LIMIT_GB): try again when one has finished",
                        taken.threads,
                        taken.bytes / 1e9,
                        need / 1e9,
                        self.memory_limit / 1e9
                    )
                };
                return Err(Refusal {
                    status: StatusCode::TOO_MANY_REQUESTS,
                    message,
                });
            }
            taken = self
                .slots
                .freed
                .wait_timeout(taken, until - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}

/// The page shows one market and one comparison: a scenario with a sweep, or with fewer than
/// two variants, is refused before the server starts.
fn refuse_what_the_page_cannot_show(
    source: &ScenarioSource,
    cfg: &scenario::Config,
) -> Result<(), InputError> {
    let refuse = |key: &str, problem: &str, allowed: &str| {
        Err(InputError::at(
            &source.file,
            source.line_of_path(key),
            Some(key),
            problem,
            allowed,
        ))
    };
    if cfg.resolved.sweep.is_some() {
        return refuse(
            "sweep",
            "salesim serve shows one market at a time, and this scenario sweeps several",
            "a scenario without [sweep] (run the sweep with `salesim run`)",
        );
    }
    if cfg.variants.len() < 2 {
        return refuse(
            "variants",
            "salesim serve compares two variants, and this scenario has one",
            "a scenario with at least two [[variants]]",
        );
    }
    Ok(())
}

/// A refused request: its status and the message for the page.
struct Refusal {
    status: StatusCode,
    message: String,
}

impl Refusal {
    fn bad(e: impl Into<SalesimError>) -> Refusal {
        Refusal {
            status: StatusCode::BAD_REQUEST,
            message: format!("{:#}", e.into()),
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        refuse(self.status, self.message)
    }
}

/// A page's request for a job.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct JobRequest {
    /// The page's secret (issued with the page): a new job of the page stops its previous one,
    /// and only the page can follow or cancel its jobs.
    page: String,
    /// Slider path → value, as the page has it (a number, or the text typed).
    #[serde(default)]
    values: serde_json::Map<String, serde_json::Value>,
}

/// Which page asks to follow or cancel a job.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PageOnly {
    page: String,
}

/// What the page needs to draw its sliders.
#[derive(Serialize)]
struct Knobs<'a> {
    name: &'a str,
    question: &'a str,
    cap: u32,
    batch: u32,
    jobs: usize,
    sliders: &'a [Slider],
    /// The variants' names, in the scenario's order (their colours, as in the charts).
    variants: &'a [String],
    /// A new page secret, for a script (the page has its own).
    page: String,
}

/// The routes, every one behind the Host and same-origin checks ([`guard`]).
pub fn router(lecture: Arc<Lecture>, names: Names) -> Router {
    Router::new()
        .route("/", get(page))
        .route("/api/knobs", get(knobs_of))
        .route("/api/status", get(status_of))
        .route("/api/jobs", post(start_job))
        .route("/api/jobs/{id}/events", get(follow_job))
        .route("/api/jobs/{id}", axum::routing::delete(cancel_job))
        .route("/api/garden", post(start_garden))
        .route("/api/garden/{id}/days", get(garden_days))
        .with_state(lecture)
        .layer(axum::middleware::from_fn_with_state(
            Arc::new(names),
            guard::guard,
        ))
}

async fn page(State(lecture): State<Arc<Lecture>>) -> Response {
    (
        [
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
            ),
            (header::CACHE_CONTROL, "no-store"),
            (header::X_FRAME_OPTIONS, "DENY"),
        ],
        Html(PAGE.replace(PAGE_SECRET, &lecture.issue_page())),
    )
        .into_response()
}

async fn knobs_of(State(lecture): State<Arc<Lecture>>) -> Response {
    (
        [(header::CACHE_CONTROL, "no-store")],
        Json(Knobs {
            name: &lecture.name,
            question: &lecture.question,
            cap: lecture.cap,
            batch: lecture.batch,
            jobs: lecture.limit,
            sliders: &lecture.sliders,
            variants: &lecture.variants,
            page: lecture.issue_page(),
        }),
    )
        .into_response()
}

/// The server's load: simulations running (stopped ones until they have ended), the most it
/// runs at once, and the memory they may need.
async fn status_of(State(lecture): State<Arc<Lecture>>) -> Response {
    let taken = *lock(&lecture.slots.taken);
    Json(serde_json::json!({
        "running": taken.threads,
        "jobs": lecture.limit,
        "memory_gb": taken.bytes / 1e9,
        "memory_limit_gb": lecture.memory_limit / 1e9,
    }))
    .into_response()
}

/// Reads a JSON body of at most [`MAX_BODY`] bytes within [`BODY_TIMEOUT`].
async fn json_body<T: serde::de::DeserializeOwned>(
    request: Request,
    what: &str,
    allowed: &str,
) -> Result<T, Response> {
    let read = tokio::time::timeout(
        BODY_TIMEOUT,
        axum::body::to_bytes(request.into_body(), MAX_BODY),
    )
    .await;
    let body = match read {
        Err(_) => {
            return Err(refuse(
                StatusCode::REQUEST_TIMEOUT,
                format!(
                    "the request's body did not arrive within {} s",
                    BODY_TIMEOUT.as_secs()
                ),
            ))
        }
        Ok(Err(_)) => {
            return Err(refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the request is larger than {MAX_BODY} bytes, or broken off"),
            ))
        }
        Ok(Ok(body)) => body,
    };
    serde_json::from_slice(&body).map_err(|e| {
        refuse(
            StatusCode::BAD_REQUEST,
            format!("the request is not {what}: {e}. Allowed: {allowed}"),
        )
    })
}

async fn start_job(State(lecture): State<Arc<Lecture>>, request: Request) -> Response {
    let request: JobRequest = match json_body(
        request,
        "a job",
        "{\"page\": \"SECRET\", \"values\": {\"PATH\": NUMBER, ...}}",
    )
    .await
    {
        Ok(r) => r,
        Err(refusal) => return refusal,
    };
    // Planning, checking memory and waiting for a replaced job take a moment: off the server's
    // threads.
    let worker = lecture.clone();
    match tokio::task::spawn_blocking(move || worker.start(request)).await {
        Ok(Ok((id, page))) => (
            StatusCode::ACCEPTED,
            Json(serde_json::json!({
                "id": id,
                "events": format!("/api/jobs/{id}/events?page={page}"),
            })),
        )
            .into_response(),
        Ok(Err(refusal)) => refusal.into_response(),
        Err(e) => refuse(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the job could not start: {e}"),
        ),
    }
}

async fn start_garden(State(lecture): State<Arc<Lecture>>, request: Request) -> Response {
    let request: garden::GardenRequest = match json_body(
        request,
        "a garden",
        "{\"page\": \"SECRET\", \"values\": {\"PATH\": NUMBER, ...}, \"market\": NUMBER}",
    )
    .await
    {
        Ok(r) => r,
        Err(refusal) => return refusal,
    };
    // Making and warming up the market takes a moment: off the server's threads.
    off_thread(move || lecture.start_garden(request)).await
}

/// Runs `work` off the server's threads: its value as JSON (not cached), or its refusal.
async fn off_thread<T: Serialize + Send + 'static>(
    work: impl FnOnce() -> Result<T, Refusal> + Send + 'static,
) -> Response {
    match tokio::task::spawn_blocking(work).await {
        Ok(Ok(value)) => ([(header::CACHE_CONTROL, "no-store")], Json(value)).into_response(),
        Ok(Err(refusal)) => refusal.into_response(),
        Err(e) => refuse(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the garden failed: {e}"),
        ),
    }
}

async fn garden_days(
    State(lecture): State<Arc<Lecture>>,
    Path(id): Path<String>,
    Query(asking): Query<HashMap<String, String>>,
) -> Response {
    let page = asking.get("page").cloned().unwrap_or_default();
    let count = match asking.get("count").map(|c| c.parse::<u32>()) {
        None => 5,
        Some(Ok(n)) if n >= 1 => n,
        Some(_) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                "count is not a number of days. Allowed: a whole number from 1 to 65".to_string(),
            )
        }
    };
    off_thread(move || lecture.garden_days(&id, &page, count)).await
}

/// The 404 of a job that is not the asking page's (or not at all): the same either way, so
/// that nothing tells whether another page's job exists.
fn no_job(id: &str, what: &str) -> Response {
    refuse(
        StatusCode::NOT_FOUND,
        format!(
            "no job {:?} of this page to {what} (it was replaced, is followed already, or is \
             another page's). Allowed: an id this page's POST /api/jobs returned, with the \
             page's secret",
            id.escape_debug().to_string()
        ),
    )
}

async fn follow_job(
    State(lecture): State<Arc<Lecture>>,
    Path(id): Path<String>,
    Query(asking): Query<HashMap<String, String>>,
) -> Response {
    let page = asking.get("page").map(String::as_str).unwrap_or_default();
    let updates = lock(&lecture.jobs)
        .get_mut(&id)
        .filter(|r| same_secret(&r.page, page))
        .and_then(|r| r.updates.take());
    let Some(updates) = updates else {
        return no_job(&id, "follow");
    };
    let events = UnboundedReceiverStream::new(updates).map(|message| {
        Ok::<Event, std::convert::Infallible>(match message {
            Message::Update(update) => Event::default()
                .event("update")
                .json_data(&update)
                .unwrap_or_else(|e| Event::default().event("failed").data(e.to_string())),
            Message::Failed(text) => Event::default().event("failed").data(text),
        })
    });
    Sse::new(events)
        .keep_alive(KeepAlive::default())
        .into_response()
}

async fn cancel_job(
    State(lecture): State<Arc<Lecture>>,
    Path(id): Path<String>,
    request: Request,
) -> Response {
    let asking: PageOnly =
        match json_body(request, "a cancellation", "{\"page\": \"SECRET\"}").await {
            Ok(r) => r,
            Err(refusal) => return refusal,
        };
    match lock(&lecture.jobs)
        .get(&id)
        .filter(|r| same_secret(&r.page, &asking.page))
    {
        Some(running) => {
            running.stop.store(true, Ordering::Relaxed);
            StatusCode::NO_CONTENT.into_response()
        }
        None => no_job(&id, "cancel"),
    }
}

/// Whether two secrets are equal, in a time that does not depend on where they differ.
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

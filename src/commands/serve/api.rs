//! The server's routes: the page, its knobs, and jobs (start one, follow its updates as
//! server-sent events, cancel it). Every request's values are judged by the scenario's own
//! validation; a bad one gets the same message a scenario file would, as JSON, never a crash.

use super::knobs::{self, Slider};
use super::live::{self, Update};
use crate::error::{InputError, SalesimError};
use crate::experiment;
use crate::experiment::job::Job;
use crate::scenario::{self, ScenarioSource};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
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

/// What a job streams to its page.
enum Message {
    /// A look's update.
    Update(Box<Update>),
    /// The job failed.
    Failed(String),
}

/// One job: whose page started it, how to stop it, and its updates until the page takes them.
struct Running {
    client: String,
    stop: Arc<AtomicBool>,
    finished: Arc<AtomicBool>,
    updates: Option<mpsc::UnboundedReceiver<Message>>,
}

impl Running {
    /// Whether the job counts against the limit: neither stopped nor over.
    fn in_flight(&self) -> bool {
        !self.stop.load(Ordering::Relaxed) && !self.finished.load(Ordering::Relaxed)
    }
}

/// The server's state: the scenario, its sliders, and the jobs.
pub struct Lecture {
    source: ScenarioSource,
    job: Job,
    sliders: Vec<Slider>,
    name: String,
    question: String,
    cap: u32,
    batch: u32,
    threads: usize,
    limit: usize,
    jobs: Mutex<HashMap<u64, Running>>,
    next: AtomicU64,
    /// Where each job's output folder goes (removed with the server).
    folders: tempfile::TempDir,
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
        let folders = tempfile::Builder::new()
            .prefix("salesim-serve-")
            .tempdir()
            .map_err(|e| SalesimError::io("creating the server's working folder", e))?;
        Ok(Lecture {
            name: cfg.name.clone(),
            question: cfg.question.clone(),
            cap: cfg.replications,
            source,
            job,
            sliders,
            batch,
            threads,
            limit,
            jobs: Mutex::new(HashMap::new()),
            next: AtomicU64::new(1),
            folders,
        })
    }

    /// Stops every job (Ctrl-C).
    pub fn cancel_all(&self) {
        for running in self.jobs.lock().expect("jobs lock").values() {
            running.stop.store(true, Ordering::Relaxed);
        }
    }

    /// Waits up to `grace` for every job's thread to finish.
    pub fn wait_for_jobs(&self, grace: Duration) {
        let until = Instant::now() + grace;
        while Instant::now() < until {
            let busy = self
                .jobs
                .lock()
                .expect("jobs lock")
                .values()
                .any(|r| !r.finished.load(Ordering::Relaxed));
            if !busy {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Checks a page's values and starts its job, stopping the page's previous one.
    fn start(&self, request: JobRequest) -> Result<u64, Refusal> {
        let values: Vec<(String, serde_json::Value)> = request.values.into_iter().collect();
        let set = knobs::overrides(&self.sliders, &values).map_err(Refusal::bad)?;
        let mut overrides = self.job.options.overrides().map_err(Refusal::bad)?;
        overrides.extend(set.iter().cloned());
        let plan = experiment::plan(&self.source, &overrides).map_err(Refusal::bad)?;
        experiment::check_memory(&self.source, &plan, self.threads).map_err(Refusal::bad)?;
        let mut job = self.job.clone();
        job.options
            .set
            .extend(set.iter().map(|o| format!("{}={}", o.path, o.value)));
        let mut jobs = self.jobs.lock().expect("jobs lock");
        // The page's previous job gives way; finished jobs whose updates were taken are gone.
        for running in jobs.values() {
            if running.client == request.client {
                running.stop.store(true, Ordering::Relaxed);
            }
        }
        jobs.retain(|_, r| {
            r.client != request.client
                && !(r.finished.load(Ordering::Relaxed) && r.updates.is_none())
        });
        // Finished jobs no page came for keep their updates a while; only the latest few.
        let mut unfollowed: Vec<u64> = jobs
            .iter()
            .filter(|(_, r)| r.finished.load(Ordering::Relaxed))
            .map(|(id, _)| *id)
            .collect();
        unfollowed.sort_unstable();
        for id in unfollowed.iter().rev().skip(KEPT_UNFOLLOWED) {
            jobs.remove(id);
        }
        let in_flight = jobs.values().filter(|r| r.in_flight()).count();
        if in_flight >= self.limit {
            return Err(Refusal {
                status: StatusCode::TOO_MANY_REQUESTS,
                message: format!(
                    "{in_flight} jobs are running, the most this server runs at once (salesim \
                     serve --jobs {}): try again when one has finished",
                    self.limit
                ),
            });
        }
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let (sender, updates) = mpsc::unbounded_channel();
        let stop = Arc::new(AtomicBool::new(false));
        let finished = Arc::new(AtomicBool::new(false));
        jobs.insert(
            id,
            Running {
                client: request.client,
                stop: stop.clone(),
                finished: finished.clone(),
                updates: Some(updates),
            },
        );
        drop(jobs);
        let dir = self.folders.path().join(format!("job-{id}"));
        let (source, rule, threads) = (
            self.source.clone(),
            live::rule(self.cap, self.batch),
            self.threads,
        );
        std::thread::spawn(move || {
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
        Ok(id)
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
        (
            self.status,
            Json(serde_json::json!({ "error": self.message })),
        )
            .into_response()
    }
}

/// A page's request for a job.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct JobRequest {
    /// The page's own id: a new job of the page stops its previous one.
    client: String,
    /// Slider path → value, as the page has it (a number, or the text typed).
    #[serde(default)]
    values: serde_json::Map<String, serde_json::Value>,
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
}

/// The routes.
pub fn router(lecture: Arc<Lecture>) -> Router {
    Router::new()
        .route("/", get(page))
        .route("/api/knobs", get(knobs_of))
        .route("/api/jobs", post(start_job))
        .route("/api/jobs/{id}/events", get(follow_job))
        .route("/api/jobs/{id}", axum::routing::delete(cancel_job))
        .with_state(lecture)
}

async fn page() -> Response {
    (
        [(
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self' data:",
        )],
        Html(PAGE),
    )
        .into_response()
}

async fn knobs_of(State(lecture): State<Arc<Lecture>>) -> Response {
    Json(Knobs {
        name: &lecture.name,
        question: &lecture.question,
        cap: lecture.cap,
        batch: lecture.batch,
        jobs: lecture.limit,
        sliders: &lecture.sliders,
    })
    .into_response()
}

async fn start_job(State(lecture): State<Arc<Lecture>>, body: Bytes) -> Response {
    if body.len() > MAX_BODY {
        return Refusal {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            message: format!("the request is larger than {MAX_BODY} bytes"),
        }
        .into_response();
    }
    let request: JobRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return Refusal {
                status: StatusCode::BAD_REQUEST,
                message: format!(
                    "the request is not a job: {e}. Allowed: {{\"client\": \"ID\", \"values\": {{\"PATH\": VALUE, ...}}}}"
                ),
            }
            .into_response()
        }
    };
    // Planning and checking memory take a moment: off the server's threads.
    let worker = lecture.clone();
    match tokio::task::spawn_blocking(move || worker.start(request)).await {
        Ok(Ok(id)) => (
            StatusCode::ACCEPTED,
            Json(serde_json::json!({
                "id": id,
                "events": format!("/api/jobs/{id}/events"),
            })),
        )
            .into_response(),
        Ok(Err(refusal)) => refusal.into_response(),
        Err(e) => Refusal {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: format!("the job could not start: {e}"),
        }
        .into_response(),
    }
}

async fn follow_job(State(lecture): State<Arc<Lecture>>, Path(id): Path<u64>) -> Response {
    let updates = lecture
        .jobs
        .lock()
        .expect("jobs lock")
        .get_mut(&id)
        .and_then(|r| r.updates.take());
    let Some(updates) = updates else {
        return Refusal {
            status: StatusCode::NOT_FOUND,
            message: format!("no job {id} to follow (it was replaced, or is followed already)"),
        }
        .into_response();
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

async fn cancel_job(State(lecture): State<Arc<Lecture>>, Path(id): Path<u64>) -> Response {
    match lecture.jobs.lock().expect("jobs lock").get(&id) {
        Some(running) => {
            running.stop.store(true, Ordering::Relaxed);
            StatusCode::NO_CONTENT.into_response()
        }
        None => Refusal {
            status: StatusCode::NOT_FOUND,
            message: format!("no job {id}"),
        }
        .into_response(),
    }
}

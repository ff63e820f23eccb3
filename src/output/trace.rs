//! `trace.csv` (`salesim run --trace R`): the day-by-day trace of replication R of every variant
//! (at every sweep point), one event a row, for an analyst to replay one market
//! ([`crate::engine::trace`] says what is traced and when).
//!
//! Keys as in `deals.csv` (`point, variant, replication, param_<name>...`), then
//! [`TRACE_COLUMNS`]. The runs are made again from their seeds after the experiment (a run is the
//! same run with or without a tracer), each variant into a temporary part, in parallel; the parts
//! are joined in (point, variant) order into one file put in place atomically with the run's other
//! outputs. Memory stays bounded: rows go through a buffer to disk as the engine makes them.

use super::breakdown::run_key;
use super::csv_text;
use crate::engine::trace::{stage_name, TraceEvent, TraceKind, TraceSink};
use crate::engine::{self};
use crate::error::{InputError, SalesimError};
use crate::experiment::{Plan, Point};
use crate::fsafe::AtomicFile;
use crate::rng::run_seed;
use crate::world::{self, Segment, World};
use rayon::prelude::*;
use std::fmt::Write as _;
use std::io::{Seek as _, Write as _};
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

/// The file's name in the output folder.
pub const TRACE_FILE: &str = "trace.csv";

/// Columns of `trace.csv` after `point`, `variant`, `replication` and any `param_*` columns.
pub const TRACE_COLUMNS: [&str; 23] = [
    "day",
    "quarter",
    "week",
    "event",
    "vendor",
    "team",
    "rep",
    "account",
    "segment",
    "stage",
    "previous_stage",
    "welcome",
    "poaching",
    "defending",
    "pull_in",
    "sandbag",
    "source_account",
    "until_day",
    "outcome",
    "list_k",
    "net_k",
    "discount",
    "pulled_in",
];

/// The `event` column's value.
pub fn event_name(kind: &TraceKind) -> &'static str {
    match kind {
        TraceKind::Contact(_) => "contact",
        TraceKind::StageChange { .. } => "stage_change",
        TraceKind::Block { .. } => "block",
        TraceKind::Unblock => "unblock",
        TraceKind::PeerWarning { .. } => "peer_warning",
        TraceKind::PullInOffer { .. } => "pull_in_offer",
        TraceKind::Deal(_) => "deal",
    }
}

/// Refuses a `--trace R` that names no replication of every point: `R` from 0 to the fewest
/// replications of a point − 1.
pub fn check_replication(plan: &Plan, replication: u32) -> Result<(), InputError> {
    let fewest = (0..plan.point_count() as u32)
        .map(|p| plan.seed_and_replications(p).1)
        .min()
        .unwrap_or(0);
    if replication < fewest {
        return Ok(());
    }
    Err(InputError::at(
        &format!("--trace {replication}"),
        None,
        None,
        &format!("names no replication of this run, which has {fewest} per variant"),
        &format!(
            "a replication number from 0 to {} (runs.csv's `replication` column)",
            fewest.saturating_sub(1)
        ),
    ))
}

/// What a CSV sink needs of the market to name things: per vendor its name, its teams' names
/// and each rep's team, the run-wide number of its first rep; each account's segment.
#[derive(Clone)]
struct Names {
    vendors: Vec<String>,
    teams: Vec<Vec<String>>,
    team_of: Vec<Vec<u32>>,
    rep_offset: Vec<u32>,
    segments: Vec<Segment>,
}

impl Names {
    fn of(point: &Point, world: &World) -> Names {
        let cfg = &point.config;
        Names {
            vendors: cfg
                .vendors
                .iter()
                .map(|v| csv_text(&v.name).into_owned())
                .collect(),
            teams: cfg
                .vendors
                .iter()
                .map(|v| {
                    v.teams
                        .iter()
                        .map(|t| csv_text(&t.name).into_owned())
                        .collect()
                })
                .collect(),
            team_of: world
                .vendors
                .iter()
                .map(|v| v.reps.iter().map(|r| r.team).collect())
                .collect(),
            rep_offset: world.rep_offsets(),
            segments: world.customers.iter().map(|c| c.segment).collect(),
        }
    }
}

/// Writes one run's events as rows, as the engine makes them.
struct CsvSink {
    out: Arc<Mutex<Part>>,
}

/// One run's rows: the writer, the keys of its rows, the names, and the first error met.
struct Part {
    writer: csv::Writer<std::io::BufWriter<std::fs::File>>,
    key: Vec<String>,
    names: Names,
    buf: String,
    error: Option<csv::Error>,
}

impl TraceSink for CsvSink {
    fn event(&mut self, e: &TraceEvent) {
        let mut part = self.out.lock().unwrap_or_else(|p| p.into_inner());
        if part.error.is_none() {
            if let Err(err) = part.row(e) {
                part.error = Some(err);
            }
        }
    }
}

impl Part {
    /// One row: the run's keys, then [`TRACE_COLUMNS`].
    fn row(&mut self, e: &TraceEvent) -> csv::Result<()> {
        let Part {
            writer: w,
            key,
            names,
            buf,
            ..
        } = self;
        let mut cell = |w: &mut csv::Writer<_>, value: &dyn std::fmt::Display| {
            buf.clear();
            write!(buf, "{value}").expect("writing to a String");
            w.write_field(&*buf)
        };
        let flag = |b: bool| if b { "true" } else { "false" };
        for k in key.iter() {
            w.write_field(k)?;
        }
        let quarter = e.day.div_euclid(crate::calendar::DAYS_PER_QUARTER as i32) + 1;
        let week = e.day.rem_euclid(crate::calendar::DAYS_PER_QUARTER as i32)
            / crate::calendar::DAYS_PER_WEEK as i32
            + 1;
        cell(w, &e.day)?;
        cell(w, &quarter)?;
        cell(w, &week.min(crate::calendar::WEEKS_PER_QUARTER as i32))?;
        w.write_field(event_name(&e.kind))?;
        match e.vendor {
            Some(v) => {
                let v = usize::from(v);
                w.write_field(&names.vendors[v])?;
                match e.rep {
                    Some(r) => {
                        let team = names.team_of[v][r as usize] as usize;
                        w.write_field(&names.teams[v][team])?;
                        cell(w, &(names.rep_offset[v] + r))?;
                    }
                    None => {
                        w.write_field("")?;
                        w.write_field("")?;
                    }
                }
            }
            None => {
                for _ in 0..3 {
                    w.write_field("")?;
                }
            }
        }
        cell(w, &e.account)?;
        w.write_field(names.segments[e.account as usize].name())?;
        // stage, previous_stage, welcome, poaching, defending, pull_in, sandbag,
        // source_account, until_day, outcome, list_k, net_k, discount, pulled_in
        let mut rest: [&str; 14] = [""; 14];
        let (mut source, mut until) = (None, None);
        let mut money = None;
        match &e.kind {
            TraceKind::Contact(contact) => {
                rest[0] = stage_name(contact.stage);
                for (k, yes) in contact.flags().into_iter().enumerate() {
                    rest[2 + k] = flag(yes);
                }
            }
            TraceKind::StageChange { from, to } => {
                rest[0] = stage_name(*to);
                rest[1] = stage_name(*from);
            }
            TraceKind::Block { until_day } => until = Some(*until_day),
            TraceKind::Unblock => {}
            TraceKind::PeerWarning { source: s } => source = Some(*s),
            TraceKind::PullInOffer { discount } => money = Some((None, None, *discount)),
            TraceKind::Deal(d) => {
                rest[9] = d.result.as_str();
                rest[13] = flag(d.pulled_in);
                money = Some((Some(d.list_k), Some(d.net_k), d.discount));
            }
        }
        for r in &rest[..7] {
            w.write_field(r)?;
        }
        match source {
            Some(s) => cell(w, &s)?,
            None => w.write_field("")?,
        }
        match until {
            Some(u) => cell(w, &u)?,
            None => w.write_field("")?,
        }
        w.write_field(rest[9])?;
        match money {
            Some((list, net, discount)) => {
                for x in [list, net] {
                    match x {
                        Some(x) => cell(w, &x)?,
                        None => w.write_field("")?,
                    }
                }
                cell(w, &discount)?;
            }
            None => {
                for _ in 0..3 {
                    w.write_field("")?;
                }
            }
        }
        w.write_field(rest[13])?;
        w.write_record(None::<&[u8]>)
    }
}

/// The trace of replication `replication` of every variant at every point of `plan`, written
/// into `out`'s `trace.csv` when committed. `None` when `stop` was set first.
pub fn prepare(
    out: &Path,
    plan: &Plan,
    replication: u32,
    threads: usize,
    stop: &AtomicBool,
) -> Result<Option<AtomicFile>, SalesimError> {
    check_replication(plan, replication)?;
    let path = out.join(TRACE_FILE);
    let io =
        |what: &str, e: std::io::Error| SalesimError::io(format!("{what} {}", path.display()), e);
    let mut file = AtomicFile::create(&path).map_err(|e| io("creating", e))?;
    let mut header = csv::Writer::from_writer(Vec::new());
    let head: Vec<String> = ["point", "variant", "replication"]
        .iter()
        .map(|s| s.to_string())
        .chain(plan.parameters.iter().map(|p| format!("param_{p}")))
        .chain(TRACE_COLUMNS.iter().map(|s| s.to_string()))
        .collect();
    header
        .write_record(&head)
        .map_err(|e| io("writing", std::io::Error::other(e)))?;
    let header = header
        .into_inner()
        .map_err(|e| io("writing", std::io::Error::other(e.to_string())))?;
    file.write_all(&header).map_err(|e| io("writing", e))?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()
        .map_err(|e| SalesimError::io("starting worker threads", std::io::Error::other(e)))?;
    for index in 0..plan.point_count() as u32 {
        let point = plan.point(index)?;
        let Some(parts) = pool.install(|| point_parts(&point, replication, out, stop))? else {
            return Ok(None);
        };
        for mut part in parts {
            part.rewind().map_err(|e| io("reading a part of", e))?;
            std::io::copy(&mut part, &mut file).map_err(|e| io("writing", e))?;
        }
    }
    Ok(Some(file))
}

/// The parts of one point: one temporary file per variant, in variant order.
fn point_parts(
    point: &Point,
    replication: u32,
    out: &Path,
    stop: &AtomicBool,
) -> Result<Option<Vec<std::fs::File>>, SalesimError> {
    let cfg = &point.config;
    let seed = run_seed(cfg.seed, replication);
    let Some(world) = world::generate_unless_stopped(cfg, seed, stop) else {
        return Ok(None);
    };
    let Some(warm) = engine::warmed_up(cfg, &world, seed, stop) else {
        return Ok(None);
    };
    let names = Names::of(point, &world);
    let parts: Vec<Result<Option<std::fs::File>, SalesimError>> = (0..cfg.variants.len())
        .into_par_iter()
        .map(|variant| {
            let file = tempfile::tempfile_in(out)
                .map_err(|e| SalesimError::io(format!("creating a part of {TRACE_FILE}"), e))?;
            let part = Arc::new(Mutex::new(Part {
                writer: csv::Writer::from_writer(std::io::BufWriter::new(file)),
                key: run_key(point, variant, replication),
                names: names.clone(),
                buf: String::new(),
                error: None,
            }));
            let mut engine = warm.clone();
            engine.attach_trace(Box::new(CsvSink { out: part.clone() }));
            if engine::run_on(engine, variant, stop).is_none() {
                return Ok(None);
            }
            let part = Arc::try_unwrap(part)
                .map_err(|_| ())
                .expect("the engine and its sink are gone")
                .into_inner()
                .unwrap_or_else(|p| p.into_inner());
            let failed = |e: String| {
                SalesimError::io(format!("writing {TRACE_FILE}"), std::io::Error::other(e))
            };
            if let Some(e) = part.error {
                return Err(failed(e.to_string()));
            }
            let file = part
                .writer
                .into_inner()
                .map_err(|e| failed(e.to_string()))?
                .into_inner()
                .map_err(|e| failed(e.to_string()))?;
            Ok(Some(file))
        })
        .collect();
    let mut files = Vec::with_capacity(parts.len());
    for p in parts {
        match p? {
            Some(f) => files.push(f),
            None => return Ok(None),
        }
    }
    Ok(Some(files))
}

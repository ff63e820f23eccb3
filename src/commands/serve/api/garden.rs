//! The garden of the live page: one market, the two variants side by side, day by day. The page
//! asks for a garden (its slider values and a market number); a thread of the server generates
//! that market (replication `market` of the scenario: the same accounts, needs and territories
//! for both sides, common random numbers), warms it up once, and runs each variant from a copy of
//! the warmed-up market with a tracer attached ([`crate::engine::trace`]). The page then pulls
//! the days as it plays them, a few at a time: the thread steps both sides only as far as asked,
//! so the server holds two engines and one chunk of events, never the whole trace.
//!
//! A chunk is compact JSON, per day and side: contacts, stage changes, blocks, unblocks, peer
//! warnings, pull-in offers and deals, as flat arrays of numbers ([`SideDay`]). Market `k` is
//! replication `k` of `salesim run ... --trace k`: its trace.csv has the same events.

use super::{lock, Lecture, Refusal};
use crate::engine::trace::{DealResult, TraceEvent, TraceKind, TraceSink};
use crate::engine::{self, Engine, Stage};
use crate::rng::run_seed;
use crate::scenario::{self, Config};
use crate::world::{self, World};
use axum::http::StatusCode;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Most accounts the garden draws (a canvas cell each, per side).
pub const MAX_GARDEN_ACCOUNTS: u32 = 20_000;

/// Most days one request asks for.
const MAX_DAYS_PER_CHUNK: u32 = 65;

/// A garden no page asked anything of for this long is closed.
const IDLE: Duration = Duration::from_secs(600);

/// The market as the page lays it out: our teams and territories, each account's place and
/// buying stage on the horizon's first day, the blocks in force.
#[derive(Debug, Serialize)]
pub struct Layout {
    /// The garden's id (with the page's secret, it pulls the days).
    pub id: String,
    /// The market's number: replication `market` of the scenario.
    pub market: u32,
    /// Vendors' names, ours first.
    pub vendors: Vec<String>,
    /// Our teams' names, west to east.
    pub teams: Vec<String>,
    /// Per rep of ours: its team and its territory's accounts, north to south, west to east.
    pub territories: Vec<Territory>,
    /// Per account: its buying stage on the horizon's first day (index in [`STAGES`]).
    pub stages: Vec<u8>,
    /// Per account: its annual value, $k.
    pub values: Vec<f32>,
    /// Blocks in force on the horizon's first day: `[account, vendor, until_day]`.
    pub blocks: Vec<[i64; 3]>,
    /// The stage names, by index.
    pub stage_names: Vec<&'static str>,
    /// The two sides: the reference's variant, then the other.
    pub sides: Vec<String>,
    /// Business days in the horizon, and per quarter.
    pub days: u32,
    pub days_per_quarter: u32,
    pub days_per_week: u32,
    /// The command whose trace.csv holds this garden's events.
    pub command: String,
}

/// One rep's territory.
#[derive(Debug, Serialize)]
pub struct Territory {
    /// The rep's team (index in [`Layout::teams`]).
    pub team: u32,
    /// Its accounts.
    pub accounts: Vec<u32>,
}

/// The stages, in [`Stage`] order.
const STAGES: [Stage; 7] = Stage::ALL;

/// One side's events of one day, as flat arrays.
#[derive(Debug, Default, Clone, Serialize)]
pub struct SideDay {
    /// `[account, vendor, rep, flags]` per contact; flags: 1 welcome, 2 poaching, 4 defending,
    /// 8 pull-in call, 16 sandbagging call, 32 the account was on a buying journey.
    pub contacts: Vec<u32>,
    /// `[account, stage]` per stage change.
    pub stages: Vec<u32>,
    /// `[account, vendor, rep, until_day]` per block.
    pub blocks: Vec<u32>,
    /// `[account, vendor]` per block that ran out.
    pub unblocks: Vec<u32>,
    /// `[peer, source, vendor]` per peer warning.
    pub warnings: Vec<u32>,
    /// `[account, vendor, result, rep]` per deal row (vendor 255 for none; result 0 won, 1 lost,
    /// 2 no decision; rep 65535 for none), with `net_k` in [`Self::booked`].
    pub deals: Vec<u32>,
    /// Net booking of each deal row, $k.
    pub booked: Vec<f64>,
    /// `[account, vendor, rep]` per pull-in offer.
    pub offers: Vec<u32>,
}

/// One day of both sides.
#[derive(Debug, Serialize)]
pub struct Day {
    /// Horizon day (0 is the first).
    pub day: i32,
    /// Per side.
    pub sides: Vec<SideDay>,
}

/// A chunk of days.
#[derive(Debug, Serialize)]
pub struct Chunk {
    pub days: Vec<Day>,
    /// Whether the horizon is over.
    pub done: bool,
}

/// The events of one side, as the engine makes them.
#[derive(Clone, Default)]
struct Collect(Arc<Mutex<Vec<TraceEvent>>>);

impl TraceSink for Collect {
    fn event(&mut self, event: &TraceEvent) {
        lock(&self.0).push(*event);
    }
}

/// What the page asks of a garden's thread.
struct Ask {
    days: u32,
    reply: SyncSender<Chunk>,
}

/// A garden: its page and the way to its thread.
struct Garden {
    page: String,
    asks: Sender<Ask>,
    used: Instant,
}

/// The gardens of the server's pages (one a page).
#[derive(Default)]
pub struct Gardens {
    map: Mutex<HashMap<String, Garden>>,
}

/// A page's request for a garden.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GardenRequest {
    page: String,
    #[serde(default)]
    values: serde_json::Map<String, serde_json::Value>,
    /// The market's number (replication), 0 by default.
    #[serde(default)]
    market: u32,
}

impl Lecture {
    /// Starts a page's garden (closing its previous one): checks the values as a job's, then
    /// generates and warms up the market on a thread of its own, and returns its layout.
    pub(super) fn start_garden(&self, request: GardenRequest) -> Result<Layout, Refusal> {
        if request.market >= u32::MAX / 2 {
            return Err(Refusal::bad(crate::error::InputError::at(
                &format!("market {}", request.market),
                None,
                None,
                "is not a market number this server makes",
                &format!("a whole number from 0 to {}", u32::MAX / 2 - 1),
            )));
        }
        let (set, overrides) = self.settings(&request.page, request.values)?;
        let accepts = self.accepts_customers(&overrides);
        let in_units = |e| {
            Refusal::bad(super::knobs::in_slider_units(
                &self.sliders,
                &set,
                e,
                &accepts,
            ))
        };
        let cfg = scenario::build(&self.source, &overrides).map_err(in_units)?;
        if cfg.market.customers > MAX_GARDEN_ACCOUNTS {
            return Err(Refusal {
                status: StatusCode::BAD_REQUEST,
                message: format!(
                    "the garden draws at most {MAX_GARDEN_ACCOUNTS} accounts, and this market has \
                     {}. Allowed: fewer accounts per rep (the verdict below still runs)",
                    cfg.market.customers
                ),
            });
        }
        // The warmed-up market and one copy per side.
        let need = crate::experiment::bytes_per_run(&cfg) * 3.0;
        if need > self.memory_limit {
            return Err(Refusal {
                status: StatusCode::BAD_REQUEST,
                message: format!(
                    "this market's garden would need about {:.1} GB, over the limit of {:.1} GB \
                     (SALESIM_MEMORY_LIMIT_GB). Allowed: fewer accounts per rep",
                    need / 1e9,
                    self.memory_limit / 1e9
                ),
            });
        }
        // The command whose trace.csv holds this market: enough replications to include it.
        let mut job = self.job.clone();
        job.options
            .set
            .extend(set.iter().map(|o| format!("{}={}", o.path, o.value)));
        let replications = cfg.replications.max(request.market + 1);
        job.options.replications = Some(replications);
        let mut with_replications = overrides.clone();
        with_replications.push(crate::scenario::Override {
            path: "replications".to_string(),
            value: toml::Value::Integer(i64::from(replications)),
            origin: "--replications".to_string(),
        });
        let plan_command = match crate::experiment::plan(&self.source, &with_replications) {
            Ok(plan) => format!(
                "{} --trace {}",
                job.reproduce_command(&plan),
                request.market
            ),
            Err(_) => String::new(),
        };
        let id = self.secret();
        let (asks, asked) = mpsc::channel();
        let (tell, told) = mpsc::sync_channel(1);
        let (market, page) = (request.market, request.page.clone());
        let garden_id = id.clone();
        std::thread::Builder::new()
            .name("salesim-garden".to_string())
            .spawn(move || grow(cfg, market, garden_id, plan_command, tell, asked))
            .map_err(|e| Refusal {
                status: StatusCode::SERVICE_UNAVAILABLE,
                message: format!("the garden could not start: {e}"),
            })?;
        {
            let mut gardens = lock(&self.gardens.map);
            gardens.retain(|_, g| g.page != page && g.used.elapsed() < IDLE);
            if gardens.len() >= self.limit {
                return Err(Refusal {
                    status: StatusCode::TOO_MANY_REQUESTS,
                    message: format!(
                        "{} gardens are open, the most this server keeps (salesim serve --jobs \
                         {}): try again when a page has closed",
                        gardens.len(),
                        self.limit
                    ),
                });
            }
            gardens.insert(
                id,
                Garden {
                    page,
                    asks,
                    used: Instant::now(),
                },
            );
        }
        told.recv().map_err(|_| Refusal {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: "the garden's market could not be made".to_string(),
        })
    }

    /// The next `days` days of a page's garden.
    pub(super) fn garden_days(&self, id: &str, page: &str, days: u32) -> Result<Chunk, Refusal> {
        let asks = {
            let mut gardens = lock(&self.gardens.map);
            let garden = gardens
                .get_mut(id)
                .filter(|g| super::same_secret(&g.page, page))
                .ok_or_else(|| Refusal {
                    status: StatusCode::NOT_FOUND,
                    message: format!(
                        "no garden {:?} of this page (it was replaced, or is another page's). \
                         Allowed: an id this page's POST /api/garden returned, with the page's \
                         secret",
                        id.escape_debug().to_string()
                    ),
                })?;
            garden.used = Instant::now();
            garden.asks.clone()
        };
        let (reply, answer) = mpsc::sync_channel(1);
        let days = days.clamp(1, MAX_DAYS_PER_CHUNK);
        asks.send(Ask { days, reply }).map_err(|_| gone())?;
        answer.recv().map_err(|_| gone())
    }
}

fn gone() -> Refusal {
    Refusal {
        status: StatusCode::GONE,
        message: "the garden has closed (idle too long, or the server is stopping): start a \
                  fresh market"
            .to_string(),
    }
}

/// The garden's thread: makes the market, tells its layout, then steps both sides as asked
/// until no page asks any more.
fn grow(
    cfg: Config,
    market: u32,
    id: String,
    command: String,
    tell: SyncSender<Layout>,
    asked: Receiver<Ask>,
) {
    let never = AtomicBool::new(false);
    let seed = run_seed(cfg.seed, market);
    let world = world::generate(&cfg, seed);
    let Some(warm) = engine::warmed_up(&cfg, &world, seed, &never) else {
        return;
    };
    let other = (0..cfg.variants.len())
        .find(|&v| v != cfg.reference)
        .unwrap_or(cfg.reference);
    let mut sides: Vec<(Engine, Collect)> = [cfg.reference, other]
        .iter()
        .map(|&variant| {
            let mut engine = warm.clone();
            engine.begin_horizon(variant);
            let events = Collect::default();
            engine.attach_trace(Box::new(events.clone()));
            (engine, events)
        })
        .collect();
    drop(warm);
    let layout = layout_of(&cfg, &world, &sides[0].0, id, market, command, other);
    if tell.send(layout).is_err() {
        return;
    }
    while let Ok(ask) = asked.recv_timeout(IDLE) {
        let mut chunk = Chunk {
            days: Vec::new(),
            done: false,
        };
        for _ in 0..ask.days {
            let (engine, _) = &sides[0];
            if engine.horizon_day() >= engine.horizon_days() as i32 {
                chunk.done = true;
                break;
            }
            let day = engine.horizon_day();
            let mut today = Day {
                day,
                sides: Vec::with_capacity(2),
            };
            for (engine, events) in &mut sides {
                engine.step();
                let taken = std::mem::take(&mut *lock(&events.0));
                today.sides.push(side_day(&taken));
            }
            chunk.days.push(today);
        }
        let (engine, _) = &sides[0];
        chunk.done |= engine.horizon_day() >= engine.horizon_days() as i32;
        if ask.reply.send(chunk).is_err() {
            continue;
        }
    }
}

/// The layout of a market on the horizon's first day.
fn layout_of(
    cfg: &Config,
    world: &World,
    engine: &Engine,
    id: String,
    market: u32,
    command: String,
    other: usize,
) -> Layout {
    let ours = &world.vendors[0];
    let territories = ours
        .reps
        .iter()
        .map(|rep| {
            let mut accounts = rep.territory.clone();
            // North at the top; west to east along a row.
            accounts.sort_by(|&a, &b| {
                let (ca, cb) = (&world.customers[a as usize], &world.customers[b as usize]);
                cb.y.total_cmp(&ca.y).then(ca.x.total_cmp(&cb.x))
            });
            Territory {
                team: rep.team,
                accounts,
            }
        })
        .collect();
    Layout {
        id,
        market,
        vendors: cfg.vendors.iter().map(|v| v.name.clone()).collect(),
        teams: cfg.vendors[0]
            .teams
            .iter()
            .map(|t| t.name.clone())
            .collect(),
        territories,
        stages: engine.stages().map(|s| s as u8).collect(),
        values: world.annual_values.clone(),
        blocks: engine
            .blocks_in_force()
            .map(|(c, v, until)| {
                [
                    i64::from(c),
                    v as i64,
                    i64::from(until) - i64::from(engine.horizon_start()),
                ]
            })
            .collect(),
        stage_names: STAGES
            .iter()
            .map(|&s| crate::engine::trace::stage_name(s))
            .collect(),
        sides: vec![
            cfg.variants[cfg.reference].name.clone(),
            cfg.variants[other].name.clone(),
        ],
        days: engine.horizon_days(),
        days_per_quarter: crate::calendar::DAYS_PER_QUARTER,
        days_per_week: crate::calendar::DAYS_PER_WEEK,
        command,
    }
}

/// One side's events of a day, packed.
fn side_day(events: &[TraceEvent]) -> SideDay {
    let mut out = SideDay::default();
    let vendor = |v: Option<u8>| v.map_or(255, u32::from);
    let rep = |r: Option<u32>| r.unwrap_or(65_535);
    for e in events {
        let c = e.account;
        match e.kind {
            TraceKind::Contact(contact) => {
                let flags = contact
                    .flags()
                    .into_iter()
                    .enumerate()
                    .fold(0, |bits, (k, yes)| bits | u32::from(yes) << k)
                    | u32::from(contact.stage.is_active()) << 5;
                out.contacts
                    .extend([c, vendor(e.vendor), rep(e.rep), flags]);
            }
            TraceKind::StageChange { to, .. } => out.stages.extend([c, to as u32]),
            TraceKind::Block { until_day } => {
                out.blocks
                    .extend([c, vendor(e.vendor), rep(e.rep), until_day.max(0) as u32])
            }
            TraceKind::Unblock => out.unblocks.extend([c, vendor(e.vendor)]),
            TraceKind::PeerWarning { source } => out.warnings.extend([c, source, vendor(e.vendor)]),
            TraceKind::PullInOffer { .. } => out.offers.extend([c, vendor(e.vendor), rep(e.rep)]),
            TraceKind::Deal(d) => {
                let result = match d.result {
                    DealResult::Won => 0,
                    DealResult::Lost => 1,
                    DealResult::NoDecision => 2,
                };
                out.deals.extend([c, vendor(e.vendor), result, rep(e.rep)]);
                out.booked.push(d.net_k);
            }
        }
    }
    out
}

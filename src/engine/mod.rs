//! The daily loop: scheduled customer events, then reps' contacts, then quarter-end bookkeeping.
//!
//! Work is proportional to events, not to accounts × days: buying-stage changes, budget retries,
//! needs and cool-off ends are scheduled on an agenda of day buckets; annoyance, trust and
//! fatigue decay lazily from the day they were last touched. The only passes over all accounts
//! are at generation and once per quarter (mean trust).
//!
//! Phases of a day: (1) customer events due today, in the order scheduled; (2) reps act, vendors
//! taking turns in an order that rotates by day; (3) on a quarter's last day, quotas are settled
//! and the quarter is recorded.
//!
//! A run first warms the market up (`warm_up_quarters`, our teams selling the reference
//! variant's strategy as built in, nothing recorded), then each variant takes over from a copy of that
//! warmed-up state ([`warmed_up`], [`run_from`]): every variant of a replication starts from the
//! same running market.

pub mod cohort;
pub mod deals;
pub mod journey;
pub mod learning;
pub mod selling;
pub mod signals;
pub mod state;
pub mod trace;

use crate::calendar::{quarter_of, Day, DAYS_PER_QUARTER};
use crate::metrics::{Recorder, RunRecord};
use crate::params::pay::Plan;
pub use crate::params::strategy::Strategy;
use crate::params::Config;
use crate::rng::{keyed_uniform, rep_stream, Rng, Stream};
use crate::world::{CustomerId, RepId, World};
pub use deals::{DealOutcome, DealRecord};
pub use state::{
    Account, Knowledge, Reach, Relation, RepState, ResponseLog, Sale, ShortDay, Stage,
};
use std::sync::atomic::{AtomicBool, Ordering};

/// Asks the CPU to start fetching the cache line(s) holding `x`, so that several random reads of
/// a big market overlap instead of waiting on memory one after another. Only a hint: it never
/// changes a result (a no-op off x86_64).
#[inline(always)]
pub(crate) fn prefetch<T>(x: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        let first = x as *const T as *const i8;
        let last = first.wrapping_add(std::mem::size_of::<T>().saturating_sub(1));
        // SAFETY: a prefetch is a hint to the cache; it never faults and reads nothing into the
        // program, whatever the address.
        unsafe {
            _mm_prefetch::<_MM_HINT_T0>(first);
            _mm_prefetch::<_MM_HINT_T0>(last);
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = x;
}

/// Something scheduled to happen to an account, in 8 bytes: the agenda of a million-account
/// market holds about two million of them per engine (BENCHMARKS.md §17).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Event {
    /// The account in the low [`Event::CUSTOMER_BITS`] bits, what happens (its
    /// [`EventKind::code`]) above them.
    account_and_kind: u32,
    /// The account's generation when scheduled; a stale event (the account has moved on) is
    /// skipped. [`ALWAYS`] marks events valid whatever happened since (needs from outside). For a
    /// renewal need it is the contract's serial instead: the renewal of a contract that a
    /// purchase has since replaced is stale.
    pub generation: u32,
}

impl Event {
    /// Bits of an account's id: room for [`crate::params::MAX_CUSTOMERS`] (test
    /// `an_event_keeps_its_account_and_kind`).
    pub(crate) const CUSTOMER_BITS: u32 = 29;

    /// `kind` happens to account `customer`, scheduled at `generation`.
    #[inline(always)]
    pub fn new(customer: CustomerId, generation: u32, kind: EventKind) -> Event {
        debug_assert!(customer < 1 << Self::CUSTOMER_BITS);
        Event {
            account_and_kind: customer | u32::from(kind.code()) << Self::CUSTOMER_BITS,
            generation,
        }
    }

    /// The account.
    #[inline(always)]
    pub fn customer(&self) -> CustomerId {
        self.account_and_kind & ((1 << Self::CUSTOMER_BITS) - 1)
    }

    /// What happens.
    #[inline(always)]
    pub fn kind(&self) -> EventKind {
        EventKind::from_code((self.account_and_kind >> Self::CUSTOMER_BITS) as u8)
    }
}

/// Account–vendor pairs from which the engine prefetches accounts' state ahead of use. Below
/// it the state stays in the CPU caches and the extra work of looking ahead costs more than it
/// saves (measured: BENCHMARKS.md).
pub const PREFETCH_MIN_RELATIONS: usize = 60_000;

/// How many events ahead [`Engine::process_events`] starts fetching an account's state.
const EVENT_PREFETCH_DISTANCE: usize = 8;

/// Events on one day of the agenda from which the day's bucket grows by an eighth when full,
/// instead of doubling (a million-account market schedules about 1,800 a day; the lesson's
/// days stay far below).
const AGENDA_SLOW_GROWTH_FROM: usize = 512;

/// Generation value for events that stay valid.
pub const ALWAYS: u32 = u32::MAX;

/// Kinds of scheduled events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// A need arises (if the account is dormant then).
    Need(NeedSource),
    /// The current buying stage ends.
    StageEnd,
    /// The account tries to decide (budget, then choice).
    DecisionAttempt,
    /// Cool-off after a purchase ends.
    CoolOffEnd,
}

impl EventKind {
    /// Every kind, in the order of their codes.
    #[cfg(test)]
    pub(crate) const ALL: [EventKind; 7] = [
        EventKind::Need(NeedSource::Renewal),
        EventKind::Need(NeedSource::Spontaneous),
        EventKind::Need(NeedSource::Imitation),
        EventKind::Need(NeedSource::Insight),
        EventKind::StageEnd,
        EventKind::DecisionAttempt,
        EventKind::CoolOffEnd,
    ];

    /// The kind's number in an [`Event`] (its place in [`Self::ALL`]; below 8).
    #[inline(always)]
    pub(crate) fn code(self) -> u8 {
        match self {
            EventKind::Need(NeedSource::Renewal) => 0,
            EventKind::Need(NeedSource::Spontaneous) => 1,
            EventKind::Need(NeedSource::Imitation) => 2,
            EventKind::Need(NeedSource::Insight) => 3,
            EventKind::StageEnd => 4,
            EventKind::DecisionAttempt => 5,
            EventKind::CoolOffEnd => 6,
        }
    }

    /// The kind numbered `code` by [`Self::code`].
    #[inline(always)]
    fn from_code(code: u8) -> EventKind {
        match code {
            0 => EventKind::Need(NeedSource::Renewal),
            1 => EventKind::Need(NeedSource::Spontaneous),
            2 => EventKind::Need(NeedSource::Imitation),
            3 => EventKind::Need(NeedSource::Insight),
            4 => EventKind::StageEnd,
            5 => EventKind::DecisionAttempt,
            _ => EventKind::CoolOffEnd,
        }
    }
}

/// Where a need came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NeedSource {
    /// Contract renewal.
    Renewal,
    /// Spontaneous (Bass `p`).
    Spontaneous,
    /// Imitating a peer (Bass `q`).
    Imitation,
    /// Sparked by a welcome contact ("insight selling").
    Insight,
}

/// Purposes of the accounts' keyed draws: each is a sequence of its own (its own key and its own
/// counter), so that draws of one purpose never shift those of another.
pub(crate) mod purpose {
    pub const NEED: u32 = 1;
    pub const STAGE: u32 = 2;
    pub const DISCOVERY: u32 = 3;
    pub const BUDGET: u32 = 4;
    pub const CHOICE: u32 = 5;
    pub const IMITATION: u32 = 6;
    pub const INITIAL: u32 = 7;
    pub const WAIT: u32 = 8;
    pub const ENGAGEMENT: u32 = 9;
    pub const PREFERENCE: u32 = 10;
    /// How many purposes there are (they are numbered from 1).
    pub const COUNT: usize = 10;
    /// Observable signals: trigger events, intent surges, renewals in the CRM
    /// ([`super::signals`]). Not counted per account (that would grow every account's record):
    /// keyed by the account's generation when the signal fires, and the draw's place there.
    pub const SIGNAL: u32 = 11;
    /// The observer's baseline: a random account of a prospecting contact's territory
    /// (`territory_on_journey_share`), keyed by the contact's number in the run. Measurement
    /// only: no agent sees it.
    pub const BASELINE: u32 = 12;
    /// Nurture programmes ([`super::signals`]): content engagement as a need starts, keyed by
    /// the account's generation, the vendor and the draw's place.
    pub const NURTURE: u32 = 13;
    /// Which accounts are on a vendor's nurture programme: one draw per account and vendor.
    pub const NURTURE_ROLL: u32 = 14;
}

/// One replication of one variant: the world, the accounts' and reps' changing state, the
/// agenda and the recorder.
#[derive(Clone)]
pub struct Engine<'a> {
    pub(crate) cfg: &'a Config,
    pub(crate) world: &'a World,
    /// Strategy of every rep: `[vendor][rep]` (its team's, until the rep learns).
    pub(crate) strategies: Vec<Vec<Strategy>>,
    /// Compensation plan of every team: `[vendor][team]`.
    pub(crate) plans: Vec<Vec<Plan>>,
    /// Per vendor whose plans claw back commission on churn: its last sale to each account
    /// (empty for the others).
    pub(crate) sales: Vec<Vec<Sale>>,
    pub(crate) day: Day,
    /// First day of the horizon, after the warm-up (quarter 1 of the record starts here).
    pub(crate) start: Day,
    /// Last day recorded + 1: the warm-up plus the horizon.
    pub(crate) horizon: Day,
    /// Last day simulated + 1: the horizon plus the run-out ([`cohort::RUN_OUT_DAYS`]).
    pub(crate) end: Day,
    /// Our opportunities by creation day, for `cohort_bookings` ([`cohort`]).
    pub(crate) cohort: cohort::Cohort,
    pub(crate) accounts: Vec<Account>,
    /// Per (account, vendor), vendor-major: `relations[v * accounts + c]`, so that the
    /// relations a vendor's reps read as they work lie together (see [`Self::slot`]).
    pub(crate) relations: Vec<Relation>,
    /// Last contact, knowledge, pull-in offer, block and fatigue per (account, vendor), same
    /// index: see [`Reach`].
    pub(crate) reach: Vec<Reach>,
    /// Per vendor, per rep.
    pub(crate) reps: Vec<Vec<RepState>>,
    pub(crate) agenda: Vec<Vec<Event>>,
    pub(crate) customer_seed: u64,
    /// One behaviour stream per rep: `[vendor][rep]` (see [`crate::rng::rep_stream`]).
    pub(crate) rep_rngs: Vec<Vec<Rng>>,
    /// Per vendor: how often its contacts were welcome, by what it knew of the account.
    pub(crate) responses: Vec<ResponseLog>,
    pub(crate) decay: state::DecayTables,
    /// Receptivity of each buying stage (by [`Stage`] index), from the scenario.
    pub(crate) receptivity_by_stage: [f64; 7],
    /// Log-normal stage-length parameters per segment and stage.
    pub(crate) stage_lengths: journey::StageLengths,
    pub(crate) recorder: Recorder,
    /// Contacts by all vendors (throughput).
    pub(crate) all_contacts: u64,
    /// Whether to prefetch accounts' state ahead of use: only for markets whose state outgrows
    /// the CPU caches (see [`PREFETCH_MIN_RELATIONS`]).
    pub(crate) prefetching: bool,
    /// Every vendor's opportunities, when deal records were asked for ([`deals`]).
    pub(crate) deals: Option<Box<deals::DealLog>>,
    /// The day-by-day trace's observer, when one is attached ([`trace`]).
    pub(crate) trace: trace::Tracing,
}

/// Runs one replication of one variant to the horizon (after the warm-up) and returns its
/// record.
pub fn run(cfg: &Config, world: &World, variant: usize, run_seed: u64) -> RunRecord {
    run_unless_stopped(cfg, world, variant, run_seed, &AtomicBool::new(false))
        .expect("never stopped")
}

/// [`run`], abandoned (returning `None`) at the start of the first business day on which `stop`
/// is set, so that an interrupted experiment stops within a simulated day.
pub fn run_unless_stopped(
    cfg: &Config,
    world: &World,
    variant: usize,
    run_seed: u64,
    stop: &AtomicBool,
) -> Option<RunRecord> {
    run_from(&warmed_up(cfg, world, run_seed, stop)?, variant, stop)
}

/// The market of one replication, warmed up: every vendor's teams selling as in the reference
/// variant through the warm-up quarters. `None` if `stop` was set.
pub fn warmed_up<'a>(
    cfg: &'a Config,
    world: &'a World,
    run_seed: u64,
    stop: &AtomicBool,
) -> Option<Engine<'a>> {
    warm_up(Engine::new(cfg, world, cfg.reference, run_seed), stop)
}

/// [`warmed_up`], keeping every vendor's opportunities from the first day, so that
/// [`run_on_with_deals`] returns the run's [`DealRecord`]s. The market and every record are those
/// of [`warmed_up`]: the log only watches.
pub fn warmed_up_with_deals<'a>(
    cfg: &'a Config,
    world: &'a World,
    run_seed: u64,
    stop: &AtomicBool,
) -> Option<Engine<'a>> {
    warm_up(
        Engine::build(cfg, world, cfg.reference, run_seed, true),
        stop,
    )
}

/// Runs a new engine through the warm-up quarters, our teams selling as the reference variant
/// did before the horizon ([`Config::warm_up_strategies`]).
fn warm_up<'a>(mut engine: Engine<'a>, stop: &AtomicBool) -> Option<Engine<'a>> {
    engine.strategies = Engine::rep_strategies(engine.world, engine.cfg.warm_up_strategies());
    engine.run_until(engine.start, stop).then_some(engine)
}

/// One variant of a replication, from a copy of its warmed-up market to the horizon.
pub fn run_from(warm: &Engine, variant: usize, stop: &AtomicBool) -> Option<RunRecord> {
    run_on(warm.clone(), variant, stop)
}

/// One variant of a replication, from its warmed-up market (taken) to the horizon.
pub fn run_on(engine: Engine, variant: usize, stop: &AtomicBool) -> Option<RunRecord> {
    run_on_with_deals(engine, variant, stop).map(|(record, _)| record)
}

/// [`run_on`], with the run's deal records: every vendor's opportunities closed in the horizon
/// (in closing order), then those still open at its end (by account and vendor). Empty unless
/// the engine was warmed up by [`warmed_up_with_deals`].
pub fn run_on_with_deals(
    mut engine: Engine,
    variant: usize,
    stop: &AtomicBool,
) -> Option<(RunRecord, Vec<DealRecord>)> {
    engine.begin_horizon(variant);
    let horizon = engine.horizon;
    if !engine.run_until(horizon, stop) {
        return None;
    }
    let deals = engine.take_deals().unwrap_or_default();
    // The run-out: the market runs on, recording only the cohort's bookings.
    let customer_days = engine.world.customers.len() as u64 * (horizon - engine.start) as u64;
    let contacts = engine.all_contacts;
    let recorder = std::mem::replace(
        &mut engine.recorder,
        Recorder::new(1, horizon, engine.world),
    );
    let end = engine.end;
    if !engine.run_until(end, stop) {
        return None;
    }
    let mut record = recorder.into_record(customer_days, contacts);
    record.cohort_bookings = engine.cohort.bookings;
    record.cohort_list_value = engine.cohort.list_value;
    Some((record, deals))
}

impl<'a> Engine<'a> {
    /// Sets up accounts (some mid-journey, as in a market already running), reps and the
    /// agenda, with every team selling and paid as in `variant`.
    pub fn new(cfg: &'a Config, world: &'a World, variant: usize, run_seed: u64) -> Self {
        Engine::build(cfg, world, variant, run_seed, false)
    }

    /// [`Self::new`], keeping a log of every vendor's opportunities if `deals`.
    fn build(
        cfg: &'a Config,
        world: &'a World,
        variant: usize,
        run_seed: u64,
        deals: bool,
    ) -> Self {
        let n_vendors = world.vendors.len();
        let start = cfg.warm_up_days();
        let horizon = start + cfg.horizon_days();
        let end = horizon + cohort::RUN_OUT_DAYS;
        // The scenario check keeps runs within the limits the packed records rely on; a
        // `Config` changed by hand after it must not wrap ids or days silently.
        assert!(
            world
                .vendors
                .iter()
                .all(|sf| sf.reps.len() <= state::MAX_REPS_PER_VENDOR as usize),
            "a vendor has more than {} reps",
            state::MAX_REPS_PER_VENDOR
        );
        assert!(
            world.customers.len() <= 1 << Event::CUSTOMER_BITS,
            "more accounts than an event can name"
        );
        assert!(
            end < Day::from(u16::MAX - 1),
            "a run longer than a short day can hold"
        );
        let b = &cfg.customers;
        let relations =
            vec![Relation::new(b.initial_trust as f32); world.customers.len() * n_vendors];
        let reach = vec![Reach::new(); world.customers.len() * n_vendors];
        let reps = world
            .vendors
            .iter()
            .map(|sf| sf.reps.iter().map(|r| RepState::new(r.quota)).collect())
            .collect();
        let plans = cfg.team_plans(variant);
        let sales = (0..world.vendors.len())
            .map(|v| {
                let n = if cfg.claws_back_churn(v) {
                    world.customers.len()
                } else {
                    0
                };
                vec![Sale::NONE; n]
            })
            .collect();
        let mut engine = Engine {
            cfg,
            world,
            strategies: Self::rep_strategies(world, cfg.team_strategies(variant)),
            plans,
            sales,
            day: 0,
            start,
            horizon,
            end,
            cohort: cohort::Cohort::new(world.customers.len()),
            // In a market with repeat purchases every account holds a contract at day 0 (an
            // installed base); in a Bass market nobody has bought yet.
            accounts: world
                .customers
                .iter()
                .map(|c| Account::new(c.incumbent, cfg.market.repeat_purchases))
                .collect(),
            relations,
            reach,
            reps,
            agenda: vec![Vec::new(); end as usize + 1],
            customer_seed: crate::rng::mix(run_seed ^ Stream::Customers as u64),
            rep_rngs: world
                .vendors
                .iter()
                .enumerate()
                .map(|(v, sf)| {
                    (0..sf.reps.len() as u32)
                        .map(|r| rep_stream(run_seed, v, r))
                        .collect()
                })
                .collect(),
            responses: vec![ResponseLog::default(); n_vendors],
            decay: state::DecayTables::new(b, end),
            receptivity_by_stage: state::receptivity_by_stage(&b.receptivity),
            stage_lengths: journey::stage_lengths(cfg),
            recorder: Recorder::new(cfg.horizon_quarters + cfg.warm_up_quarters, 0, world),
            all_contacts: 0,
            prefetching: world.customers.len() * n_vendors >= PREFETCH_MIN_RELATIONS,
            deals: deals.then(|| Box::new(deals::DealLog::new(world))),
            trace: trace::Tracing::default(),
        };
        for c in 0..world.customers.len() as CustomerId {
            engine.start_account(c);
        }
        engine.hire_reps();
        engine
    }

    /// Every rep's strategy: its team's.
    fn rep_strategies(world: &World, team_strategies: Vec<Vec<Strategy>>) -> Vec<Vec<Strategy>> {
        world
            .vendors
            .iter()
            .zip(team_strategies)
            .map(|(sf, teams)| {
                sf.reps
                    .iter()
                    .map(|r| teams[r.team as usize].clone())
                    .collect()
            })
            .collect()
    }

    /// The plan of rep `r` of vendor `v`: its team's.
    pub(crate) fn rep_plan(&self, v: usize, r: RepId) -> &Plan {
        let team = self.world.vendors[v].reps[r as usize].team as usize;
        &self.plans[v][team]
    }

    /// Every rep starts a plan period today, on its current quarterly quota, with on-target
    /// earnings set from its plan and annual quota (the record's start is the hiring day of
    /// its pay: what it earned before is not counted). A period already under way by the
    /// calendar is cut to the quarters it has left.
    fn hire_reps(&mut self) {
        let quarter = quarter_of(self.day);
        for v in 0..self.reps.len() {
            for r in 0..self.reps[v].len() {
                let plan = self.rep_plan(v, r as RepId);
                let n = plan.quarters();
                let (rate, left) = (plan.on_target_rate, n - quarter % n);
                let rep = &mut self.reps[v][r];
                rep.ote_year = rate * rep.quota * 4.0;
                rep.pay_log.clear();
                rep.start_period(left);
            }
        }
    }

    /// Steps to day `end` (exclusive); `false` if `stop` was set first.
    fn run_until(&mut self, end: Day, stop: &AtomicBool) -> bool {
        while self.day < end {
            if stop.load(Ordering::Relaxed) {
                return false;
            }
            self.step();
        }
        true
    }

    /// The horizon begins (after the warm-up): the variant's strategies take over, quotas start
    /// afresh from territory potential, and recording starts.
    pub fn begin_horizon(&mut self, variant: usize) {
        self.strategies = Self::rep_strategies(self.world, self.cfg.team_strategies(variant));
        self.plans = self.cfg.team_plans(variant);
        self.recorder = Recorder::new(self.cfg.horizon_quarters, self.start, self.world);
        self.all_contacts = 0;
        for (v, sf) in self.world.vendors.iter().enumerate() {
            for (r, rep) in sf.reps.iter().enumerate() {
                let state = &mut self.reps[v][r];
                state.quota = rep.quota;
                state.booked = 0.0;
            }
        }
        self.hire_reps();
    }

    /// One business day.
    pub fn step(&mut self) {
        self.trace_day();
        self.process_events();
        self.reps_act();
        if (self.day + 1).is_multiple_of(DAYS_PER_QUARTER) {
            self.close_quarter();
        }
        self.day += 1;
    }

    /// Bytes of memory held by this run's changing state right now: accounts, account–vendor
    /// relations and reach records, the agenda of scheduled events (allocated capacity) and the
    /// reps' pipelines. The world it sells into is counted by [`World::bytes_per_customer`].
    ///
    /// Per account this is bounded: fixed per-account and per-(account, vendor) state, plus the
    /// events still pending, which are at most a few per account (its renewal, next spontaneous
    /// need, current stage end or decision attempt, imitation sparks from peers' purchases and
    /// stage ends left stale by shortening; stale ones are dropped on their day).
    pub fn state_bytes(&self) -> usize {
        use std::mem::size_of;
        let agenda: usize = self
            .agenda
            .iter()
            .map(|day| size_of::<Vec<Event>>() + day.capacity() * size_of::<Event>())
            .sum();
        let reps: usize = self
            .reps
            .iter()
            .flatten()
            .map(|r| {
                size_of::<RepState>()
                    + (r.pipeline.capacity() + r.suspects.capacity() + r.defend.capacity())
                        * size_of::<CustomerId>()
                    + r.pipeline_values.capacity() * size_of::<f32>()
            })
            .sum();
        self.accounts.capacity() * size_of::<Account>()
            + self.relations.capacity() * size_of::<Relation>()
            + self.reach.capacity() * size_of::<Reach>()
            + agenda
            + reps
            + self.cohort.bytes()
    }

    /// [`Self::state_bytes`] per account.
    pub fn bytes_per_customer(&self) -> usize {
        self.state_bytes() / self.world.customers.len().max(1)
    }

    /// Events scheduled and not yet processed (including stale ones).
    pub fn pending_events(&self) -> usize {
        self.agenda[self.day.min(self.end) as usize..]
            .iter()
            .map(Vec::len)
            .sum()
    }

    /// The finished run's record (the horizon's days; the warm-up is not counted).
    pub fn finish(self) -> RunRecord {
        let customer_days = self.world.customers.len() as u64 * (self.horizon - self.start) as u64;
        self.recorder.into_record(customer_days, self.all_contacts)
    }

    /// Schedules an event; events past the run-out are dropped.
    pub(crate) fn schedule(
        &mut self,
        day: Day,
        customer: CustomerId,
        generation: u32,
        kind: EventKind,
    ) {
        if day < self.end {
            let bucket = &mut self.agenda[day as usize];
            if bucket.len() == bucket.capacity() && bucket.len() >= AGENDA_SLOW_GROWTH_FROM {
                // A day's events arrive over months; growing a large day by an eighth at a time
                // (instead of doubling) keeps a million-account agenda's spare room to about a
                // twentieth of it. Small days double, as vectors do: fewer reallocations.
                bucket.reserve_exact(bucket.len() / 8);
            }
            bucket.push(Event::new(customer, generation, kind));
        }
    }

    /// Processes today's events, including those scheduled for today while processing.
    fn process_events(&mut self) {
        let today = self.day as usize;
        let n_vendors = self.world.vendors.len();
        let mut i = 0;
        let prefetching = self.prefetching;
        while i < self.agenda[today].len() {
            let ahead = self.agenda[today].get(i + EVENT_PREFETCH_DISTANCE);
            if let (true, Some(ahead)) = (prefetching, ahead) {
                let c = ahead.customer();
                prefetch(&self.accounts[c as usize]);
                prefetch(&self.world.customers[c as usize]);
                for v in 0..n_vendors {
                    let i = self.slot(c, v);
                    prefetch(&self.relations[i]);
                    prefetch(&self.reach[i]);
                }
            }
            let e = self.agenda[today][i];
            i += 1;
            if self.is_current(&e) {
                self.handle(e);
            }
        }
        self.agenda[today] = Vec::new();
    }

    /// Whether a scheduled event still applies: the account has not moved on since (its
    /// generation), or, for a renewal need, the contract it renews is still the running one.
    pub(crate) fn is_current(&self, e: &Event) -> bool {
        let a = &self.accounts[e.customer() as usize];
        match e.kind() {
            EventKind::Need(NeedSource::Renewal) => e.generation == a.contract,
            _ => e.generation == ALWAYS || e.generation == a.generation,
        }
    }

    /// The account's next keyed uniform draw for `purpose` (see [`purpose`]).
    pub(crate) fn draw(&mut self, c: CustomerId, purpose: u32) -> f64 {
        let counter = &mut self.accounts[c as usize].draws[purpose as usize - 1];
        *counter = counter.wrapping_add(1);
        keyed_uniform(self.customer_seed, c, purpose, u32::from(*counter))
    }

    /// Index of the (account `c`, vendor `v`) pair in the per-pair arrays ([`Self::relations`],
    /// [`Self::reach`]): vendor-major, so that one vendor's pairs lie together. A vendor's reps
    /// act one after another, and each reads only its own vendor's pairs: this keeps the day's
    /// working set to one vendor's share of the arrays (BENCHMARKS.md §16).
    #[inline(always)]
    pub(crate) fn slot(&self, c: CustomerId, v: usize) -> usize {
        v * self.accounts.len() + c as usize
    }

    /// The relation of an account with a vendor.
    pub(crate) fn rel(&self, c: CustomerId, v: usize) -> &Relation {
        &self.relations[self.slot(c, v)]
    }

    /// Whether account `c` can be reached by vendor `v`: last contact, block, fatigue.
    pub(crate) fn reach(&self, c: CustomerId, v: usize) -> &Reach {
        &self.reach[self.slot(c, v)]
    }

    /// [`Self::reach`], mutable.
    pub(crate) fn reach_mut(&mut self, c: CustomerId, v: usize) -> &mut Reach {
        let i = self.slot(c, v);
        &mut self.reach[i]
    }

    /// Whether account `c` blocks vendor `v` today.
    pub(crate) fn is_blocked(&self, c: CustomerId, v: usize) -> bool {
        self.reach(c, v).is_blocked(self.day)
    }

    /// The relation of an account with a vendor, mutable.
    pub(crate) fn rel_mut(&mut self, c: CustomerId, v: usize) -> &mut Relation {
        let i = self.slot(c, v);
        &mut self.relations[i]
    }

    /// Starts fetching what a look at account `c` by vendor `v`, or a contact, reads: the
    /// account, its relation with `v`, its last contacts and its value. Inlined, so that in a
    /// market below [`PREFETCH_MIN_RELATIONS`] it costs one test of a flag, not a call.
    #[inline(always)]
    pub(crate) fn prefetch_account(&self, c: CustomerId, v: usize) {
        if !self.prefetching {
            return;
        }
        let i = self.slot(c, v);
        prefetch(&self.accounts[c as usize]);
        prefetch(&self.relations[i]);
        prefetch(&self.reach[i]);
        prefetch(&self.world.annual_values[c as usize]);
    }

    /// Days since vendor `v` last contacted account `c` (`None` if never).
    pub(crate) fn days_since_contact(&self, c: CustomerId, v: usize) -> Option<Day> {
        let last = self.reach(c, v).last_contact.day();
        (last != state::NONE).then(|| self.day.saturating_sub(last))
    }

    /// Settles the quarter: records our reps' attainment, the accounts' trust and our strategy
    /// mix; fades the accounts' learned discount expectations; at the end of a rep's plan period (or of the record) pays its variable pay,
    /// ratchets its quota and starts its next period; then our learning reps whose period ended
    /// revise their strategies.
    pub(crate) fn close_quarter(&mut self) {
        // Nothing is recorded in the warm-up or the run-out.
        let recording = self.day >= self.start && self.day < self.horizon;
        if recording {
            let q = quarter_of(self.day - self.start) as usize;
            let attainment: Vec<f64> = self.reps[0].iter().map(|r| r.booked / r.quota).collect();
            let n = self.world.customers.len();
            let trust_sum: f64 = (0..n as CustomerId).map(|c| self.trust(c, 0) as f64).sum();
            let base = self
                .accounts
                .iter()
                .filter(|a| a.adopted() && a.incumbent == 0)
                .count();
            self.recorder
                .close_quarter(q, &attainment, trust_sum / n as f64, base as f64);
            self.recorder.strategy_mix(q, &self.strategies[0]);
        }
        self.forget_discounts();
        let settled = self.settle_pay(recording);
        if let (Some(learning), true) = (&self.cfg.learning, recording) {
            if !settled.is_empty() && self.day + 1 < self.horizon {
                self.learn(learning, &settled);
            }
        }
    }

    /// Ends the quarter for every rep: base pay, and for a rep whose plan period ends today
    /// (or whose record ends), its variable pay for the period (paid and recorded for ours
    /// while `recording`), its quota ratchet and its next period. Returns our reps whose period
    /// ended.
    fn settle_pay(&mut self, recording: bool) -> Vec<RepId> {
        let (up, down) = (self.cfg.reps.ratchet_up, self.cfg.reps.ratchet_down);
        let last = self.day + 1 == self.horizon;
        let next_quarter = quarter_of(self.day) + 1;
        let mut settled = Vec::new();
        for v in 0..self.reps.len() {
            for r in 0..self.reps[v].len() as RepId {
                let plan = self.rep_plan(v, r).clone();
                let rep = &mut self.reps[v][r as usize];
                let ends = rep.period_quarters_done + 1 == rep.period_quarters || last;
                let mut commission = 0.0;
                if ends {
                    // The period's quarters so far (fewer than planned if the record ends).
                    let quarters = f64::from(rep.period_quarters_done + 1);
                    let target = (1.0 - plan.base_share) * rep.ote_year * quarters / 4.0;
                    let quota = rep.period_quota * quarters / f64::from(rep.period_quarters);
                    let pay = plan.variable(rep.period_credit / quota);
                    // What learning compares: variable pay earned, none without variable pay.
                    rep.log_pay(if plan.has_variable_pay() { pay } else { 0.0 });
                    commission = pay * target;
                }
                let base = plan.base_share * rep.ote_year / 4.0;
                let n = plan.quarters();
                rep.settle_quarter(up, down, ends, n - next_quarter % n);
                if v == 0 && recording {
                    self.recorder.pay(self.day, base, commission);
                    if ends {
                        settled.push(r);
                    }
                }
            }
        }
        settled
    }

    /// Current trust of an account toward a vendor (lazily decayed toward the initial level).
    pub(crate) fn trust(&self, c: CustomerId, v: usize) -> f32 {
        let r = self.rel(c, v);
        let init = self.cfg.customers.initial_trust as f32;
        init + (r.trust - init) * self.decay.trust(self.day - r.trust_day.day().min(self.day))
    }

    /// Current annoyance of an account toward a vendor (lazily decayed).
    pub(crate) fn annoyance(&self, c: CustomerId, v: usize) -> f32 {
        let r = self.rel(c, v);
        r.annoyance
            * self
                .decay
                .annoyance(self.day - r.annoyance_day.day().min(self.day))
    }

    /// Sets trust (clamped to [0, 1]) as of today.
    pub(crate) fn set_trust(&mut self, c: CustomerId, v: usize, trust: f32) {
        let day = self.day;
        let r = self.rel_mut(c, v);
        r.trust = trust.clamp(0.0, 1.0);
        r.trust_day = state::ShortDay::new(day);
    }
}

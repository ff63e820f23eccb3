//! The day-by-day trace of one run, as an observer of the engine: every contact, every change of
//! an account's buying stage, every block and unblock, every peer warning, every pull-in offer
//! and every end of a buying journey, in the order the engine makes them. `salesim run --trace R`
//! writes it as `trace.csv` ([`crate::output::trace`]); the garden of `salesim serve` draws it.
//!
//! **Off, it costs one test.** The engine holds a [`Tracing`] slot, empty unless a run asks for a
//! trace ([`super::Engine::attach_trace`]). Each event site calls an `#[inline(always)]` method
//! that tests the slot and, only when a tracer is attached, calls an out-of-line (`#[cold]`)
//! method that gathers what the event needs. No state of the market, no draw and no record
//! depends on the tracer: a traced run is the same run (tests/trace.rs checks runs.csv against
//! the trace).
//!
//! **On, it is streamed.** Each event goes to a [`TraceSink`] as it happens; the tracer itself
//! keeps only the blocks in force (to say when each lapses: a block ends by itself, lazily, in
//! the engine) and the account a rep picked to defend. What a sink keeps is its own affair: the
//! CSV sink writes each row through a buffer, the garden's takes a day's events at a time.
//!
//! Only the horizon is traced: events from the day a tracer is attached (after the warm-up) to
//! the horizon's end; days count from the horizon's first day, as in `deals.csv`.

use super::journey::{DealKind, Outcome};
use super::state::{Stage, NONE};
use super::Engine;
use crate::calendar::Day;
use crate::world::{CustomerId, RepId};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// What happened, and its details.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TraceKind {
    /// A rep's contact with an account (a call, an email, a visit).
    Contact(Contact),
    /// The account moved to another buying stage.
    StageChange {
        /// The stage it left.
        from: Stage,
        /// The stage it entered.
        to: Stage,
    },
    /// The account blocked the vendor after a contact of the rep ("pest control").
    Block {
        /// The first day it no longer blocks (horizon days).
        until_day: i32,
    },
    /// A block of the vendor ran out: the account can be reached again.
    Unblock,
    /// The account heard from a peer that blocked the vendor: its trust in the vendor fell.
    PeerWarning {
        /// The peer that blocked and warned.
        source: CustomerId,
    },
    /// A rep's quarter-end discount offered in a welcome pull-in call.
    PullInOffer {
        /// Share off list offered.
        discount: f64,
    },
    /// The account's buying journey ended, for one vendor in it.
    Deal(Deal),
}

/// The details of a contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Contact {
    /// The account's buying stage when contacted (the model knows it; the rep does not).
    pub stage: Stage,
    /// A conversation (the contact got through), rather than ignored, turned away or refused by
    /// an account that blocks the vendor.
    pub welcome: bool,
    /// The account lies in another rep's territory (a teammate's or a neighbouring team's), and
    /// the rep is not defending it.
    pub poaching: bool,
    /// The rep defends an opportunity on which it saw another rep (a colleague or a rival).
    pub defending: bool,
    /// A quarter-end pull-in call: the rep calls to offer a discount for signing now.
    pub pull_in: bool,
    /// The rep asks a buyer ready to sign to wait for the next period (sandbagging).
    pub sandbag: bool,
}

impl Contact {
    /// Its yes/no facts, in `trace.csv`'s column order: welcome, poaching, defending, pull-in
    /// call, sandbagging call.
    pub fn flags(&self) -> [bool; 5] {
        [
            self.welcome,
            self.poaching,
            self.defending,
            self.pull_in,
            self.sandbag,
        ]
    }
}

/// How a journey ended for one vendor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DealResult {
    /// The account bought from this vendor.
    Won,
    /// It bought from another vendor.
    Lost,
    /// It made no decision.
    NoDecision,
}

impl DealResult {
    /// As `trace.csv` writes it (`deals.csv`'s words).
    pub fn as_str(self) -> &'static str {
        match self {
            DealResult::Won => "won",
            DealResult::Lost => "lost_to_competitor",
            DealResult::NoDecision => "no_decision",
        }
    }
}

/// The details of a journey's end for one vendor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Deal {
    /// Won, lost or no decision.
    pub result: DealResult,
    /// The account's annual value, $k (the deal's list price).
    pub list_k: f64,
    /// Net booking, $k: list × (1 − discount) for a won deal, else 0.
    pub net_k: f64,
    /// Discount given on a won deal, else 0.
    pub discount: f64,
    /// A won deal signed at a decision this vendor's quarter-end discount pulled in.
    pub pulled_in: bool,
}

/// One event of the trace.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TraceEvent {
    /// Business day, counted from the horizon's first day (0).
    pub day: i32,
    /// The account.
    pub account: CustomerId,
    /// The vendor (0 is us); `None` for a stage change, or a journey that ended in no decision
    /// with no vendor in it.
    pub vendor: Option<u8>,
    /// The rep, numbered within its vendor (`world.vendors[v].reps`): the contacting rep, the
    /// rep whose contact caused a block, the rep credited with a won deal or owning a lost one.
    pub rep: Option<RepId>,
    /// What happened.
    pub kind: TraceKind,
}

/// Where a trace goes, one event at a time.
pub trait TraceSink: Send + Sync {
    /// An event, in the order the engine made it.
    fn event(&mut self, event: &TraceEvent);
}

/// The observer attached to an engine: its sink, the blocks in force, and the defending pick.
pub(crate) struct Tracer {
    sink: Box<dyn TraceSink>,
    /// First day traced (the horizon's first day): days count from it.
    start: Day,
    /// Last day traced + 1.
    end: Day,
    /// Blocks in force: (first day unblocked, account, vendor), earliest first.
    blocks: BinaryHeap<Reverse<(Day, CustomerId, u8)>>,
    /// The account the rep about to contact picked from its defend list (`NONE`: none).
    defending: CustomerId,
}

/// The engine's slot for a tracer: empty unless a trace was asked for. A copy of an engine (a
/// variant run from a warmed-up market) starts without one.
#[derive(Default)]
pub(crate) struct Tracing(Option<Box<Tracer>>);

impl Clone for Tracing {
    fn clone(&self) -> Self {
        Tracing(None)
    }
}

impl Tracing {
    /// Whether a tracer is attached.
    #[inline(always)]
    pub(crate) fn is_on(&self) -> bool {
        self.0.is_some()
    }
}

impl Engine<'_> {
    /// Attaches a tracer from today (the horizon's first day, after [`Self::begin_horizon`]) to
    /// the horizon's end: every event goes to `sink`. The blocks already in force are taken
    /// over, so their ends are traced too ([`Self::blocks_in_force`] lists them).
    pub fn attach_trace(&mut self, sink: Box<dyn TraceSink>) {
        let blocks = self
            .blocks_in_force()
            .map(|(c, v, until)| Reverse((until, c, v as u8)))
            .collect();
        self.trace = Tracing(Some(Box::new(Tracer {
            sink,
            start: self.start,
            end: self.horizon,
            blocks,
            defending: NONE,
        })));
    }

    /// Takes the tracer off, returning its sink (`None` if none was attached).
    pub fn detach_trace(&mut self) -> Option<Box<dyn TraceSink>> {
        self.trace.0.take().map(|t| t.sink)
    }

    /// The blocks in force today: (account, vendor, first day unblocked).
    pub fn blocks_in_force(&self) -> impl Iterator<Item = (CustomerId, usize, Day)> + '_ {
        let n = self.accounts.len();
        let day = self.day;
        self.reach
            .iter()
            .enumerate()
            .filter(move |(_, r)| r.is_blocked(day))
            .map(move |(i, r)| ((i % n) as CustomerId, i / n, r.blocked_until.day()))
    }

    /// Every account's buying stage today.
    pub fn stages(&self) -> impl Iterator<Item = Stage> + '_ {
        self.accounts.iter().map(|a| a.stage)
    }

    /// Today, counted from the horizon's first day.
    pub fn horizon_day(&self) -> i32 {
        self.day as i32 - self.start as i32
    }

    /// The horizon's first day (the engine's own count, from the warm-up's start).
    pub fn horizon_start(&self) -> Day {
        self.start
    }

    /// Days in the horizon.
    pub fn horizon_days(&self) -> Day {
        self.horizon - self.start
    }

    /// Hands an event to the sink, if today is traced.
    fn emit(
        &mut self,
        account: CustomerId,
        vendor: Option<usize>,
        rep: Option<RepId>,
        kind: TraceKind,
    ) {
        let day = self.day;
        if let Some(t) = self.trace.0.as_deref_mut() {
            if day >= t.start && day < t.end {
                t.sink.event(&TraceEvent {
                    day: day as i32 - t.start as i32,
                    account,
                    vendor: vendor.map(|v| v as u8),
                    rep,
                    kind,
                });
            }
        }
    }

    /// A day begins: the blocks that lapse today are traced as unblocks.
    #[inline(always)]
    pub(crate) fn trace_day(&mut self) {
        if self.trace.is_on() {
            self.trace_unblocks();
        }
    }

    #[cold]
    #[inline(never)]
    fn trace_unblocks(&mut self) {
        let day = self.day;
        while let Some(t) = self.trace.0.as_deref_mut() {
            match t.blocks.peek() {
                Some(Reverse((until, c, v))) if *until <= day => {
                    let (c, v) = (*c, *v as usize);
                    t.blocks.pop();
                    self.emit(c, Some(v), None, TraceKind::Unblock);
                }
                _ => break,
            }
        }
    }

    /// Rep `r` of vendor `v` picked account `c` from its defend list.
    #[inline(always)]
    pub(crate) fn trace_defend_pick(&mut self, c: CustomerId) {
        if let Some(t) = self.trace.0.as_deref_mut() {
            t.defending = c;
        }
    }

    /// A contact of rep `r` of vendor `v` with account `c` (before it changes anything).
    #[inline(always)]
    pub(crate) fn trace_contact(
        &mut self,
        v: usize,
        r: RepId,
        c: CustomerId,
        welcome: bool,
        pull_in: bool,
    ) {
        if self.trace.is_on() {
            let stage = self.accounts[c as usize].stage;
            self.trace_contact_cold(v, r, c, stage, welcome, pull_in, false);
        }
    }

    /// A sandbagging rep's call asking ready account `c` to wait (a conversation).
    #[inline(always)]
    pub(crate) fn trace_sandbag_call(&mut self, v: usize, r: RepId, c: CustomerId) {
        if self.trace.is_on() {
            let stage = self.accounts[c as usize].stage;
            self.trace_contact_cold(v, r, c, stage, true, false, true);
        }
    }

    #[cold]
    #[inline(never)]
    #[allow(clippy::too_many_arguments)]
    fn trace_contact_cold(
        &mut self,
        v: usize,
        r: RepId,
        c: CustomerId,
        stage: Stage,
        welcome: bool,
        pull_in: bool,
        sandbag: bool,
    ) {
        let defending = self
            .trace
            .0
            .as_deref_mut()
            .is_some_and(|t| std::mem::replace(&mut t.defending, NONE) == c);
        let poaching = !defending && self.world.vendors[v].home_rep(c) != r;
        let contact = Contact {
            stage,
            welcome,
            poaching,
            defending,
            pull_in,
            sandbag,
        };
        self.emit(c, Some(v), Some(r), TraceKind::Contact(contact));
    }

    /// Account `c` moves from stage `from` to `to`.
    #[inline(always)]
    pub(crate) fn trace_stage(&mut self, c: CustomerId, from: Stage, to: Stage) {
        if self.trace.is_on() && from != to {
            self.emit(c, None, None, TraceKind::StageChange { from, to });
        }
    }

    /// Account `c` blocks vendor `v` (after rep `r`'s contact) until `until`, and warns its
    /// peers.
    #[inline(always)]
    pub(crate) fn trace_block(&mut self, c: CustomerId, v: usize, r: RepId, until: Day) {
        if self.trace.is_on() {
            self.trace_block_cold(c, v, r, until);
        }
    }

    #[cold]
    #[inline(never)]
    fn trace_block_cold(&mut self, c: CustomerId, v: usize, r: RepId, until: Day) {
        let start = match self.trace.0.as_deref_mut() {
            Some(t) => {
                t.blocks.push(Reverse((until, c, v as u8)));
                t.start
            }
            None => return,
        };
        let until_day = until as i32 - start as i32;
        self.emit(c, Some(v), Some(r), TraceKind::Block { until_day });
        for p in self.world.peer_list(c) {
            self.emit(p, Some(v), None, TraceKind::PeerWarning { source: c });
        }
    }

    /// Rep `r` of vendor `v` offers account `c` a pull-in discount.
    #[inline(always)]
    pub(crate) fn trace_pull_in_offer(&mut self, c: CustomerId, v: usize, r: RepId, discount: f64) {
        if self.trace.is_on() {
            self.emit(c, Some(v), Some(r), TraceKind::PullInOffer { discount });
        }
    }

    /// Account `c`'s journey ends with `outcome` (before its shortlist is cleared and a purchase
    /// booked): a row for the winner, and one for each other vendor in the deal (for us, every
    /// opportunity of ours as runs.csv counts it; for a rival, if it is on the shortlist at the
    /// end); one row without a vendor for a journey that ended in no decision with no vendor in
    /// it.
    #[inline(always)]
    pub(crate) fn trace_journey_end(
        &mut self,
        c: CustomerId,
        outcome: Outcome,
        discount: f64,
        kind: DealKind,
    ) {
        if self.trace.is_on() {
            self.trace_journey_end_cold(c, outcome, discount, kind);
        }
    }

    #[cold]
    #[inline(never)]
    fn trace_journey_end_cold(
        &mut self,
        c: CustomerId,
        outcome: Outcome,
        discount: f64,
        kind: DealKind,
    ) {
        let list_k = f64::from(self.world.customers[c as usize].annual_value);
        let mut any = false;
        for v in 0..self.world.vendors.len() {
            let result = match outcome {
                Outcome::Bought(w) if w == v => DealResult::Won,
                Outcome::Bought(_) => DealResult::Lost,
                Outcome::NoDecision => DealResult::NoDecision,
            };
            let in_deal = if v == 0 {
                self.had_opportunity(c)
            } else {
                self.rel(c, v).shortlisted
            };
            if result != DealResult::Won && !in_deal {
                continue;
            }
            any = true;
            let won = result == DealResult::Won;
            let deal = Deal {
                result,
                list_k,
                net_k: if won { list_k * (1.0 - discount) } else { 0.0 },
                discount: if won { discount } else { 0.0 },
                pulled_in: won && kind == DealKind::PulledIn,
            };
            let rep = match self.rel(c, v).owner() {
                NONE if !won => None,
                _ => Some(self.credited_rep(c, v)),
            };
            self.emit(c, Some(v), rep, TraceKind::Deal(deal));
        }
        if !any {
            let deal = Deal {
                result: DealResult::NoDecision,
                list_k,
                net_k: 0.0,
                discount: 0.0,
                pulled_in: false,
            };
            self.emit(c, None, None, TraceKind::Deal(deal));
        }
    }
}

/// The buying stage's name, as `trace.csv` and the garden write it.
pub fn stage_name(stage: Stage) -> &'static str {
    match stage {
        Stage::Dormant => "dormant",
        Stage::ProblemIdentification => "problem_identification",
        Stage::Exploration => "exploration",
        Stage::SupplierSelection => "supplier_selection",
        Stage::Validation => "validation",
        Stage::Decision => "decision",
        Stage::CoolOff => "cool_off",
    }
}

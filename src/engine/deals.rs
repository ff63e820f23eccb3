//! Deal-level records: every vendor's opportunities, one record each, as a CRM would list them
//! (`deals.csv`, and [`crate::experiment::simulate_one`] for code that needs them in memory).
//!
//! **An opportunity** of vendor V is V's part in one customer buying journey on whose shortlist
//! V stood at some point: it is created the first day V joins the journey's shortlist (found by
//! the buyer at the start of exploration, shortlisted after a welcome conversation, or in the deal
//! from the start of a need its rep sparked) and closes the day the journey ends, when the
//! customer decides: it buys from V (`won`), from another vendor (`lost_to_competitor`), or makes
//! no decision (`no_decision`, also when the buyer runs out of patience waiting for budget). A
//! vendor dropped from the shortlist before the decision (it did not engage in a stage, or the
//! account blocked it) keeps its opportunity, closed with the journey's outcome;
//! [`DealRecord::shortlisted_at_close`] tells these apart. An opportunity still under way when the
//! horizon ends is `open`. A vendor dropped and shortlisted again in the same journey has one
//! opportunity, not two.
//!
//! The run's metrics count opportunities as a CRM does: every closed opportunity of our vendor,
//! whether or not it was still on the shortlist at the close (a vendor dropped for not engaging,
//! or blocked, sees the deal lost or ending in no decision). So our closed records are exactly
//! runs.csv's opportunities, and `win_rate`, `lost_to_competitor` and `no_decision_rate` follow
//! from their outcomes (tests/deals.rs checks it). [`DealRecord::shortlisted_at_close`] tells
//! apart those a vendor was still in at the end.
//!
//! Only opportunities closed in the horizon, or open at its end, are recorded; days count from
//! the horizon's first day (day 0 is the first day after the warm-up), so an opportunity created
//! in the warm-up has a negative `created_day`. The market starts mid-journey on the warm-up's
//! first day; an opportunity already on those first shortlists is created that day.
//!
//! The log is kept only when asked for: without it the engine pays one test of an `Option` at a
//! shortlisting and at a journey's end, and nothing else.

use super::journey::{DealKind, Outcome};
use super::state::NONE;
use super::Engine;
use crate::calendar::Day;
use crate::world::{CustomerId, RepId, Segment, World};
use serde::{Deserialize, Serialize};

/// How an opportunity ended for its vendor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DealOutcome {
    /// The customer bought from this vendor.
    Won,
    /// The customer bought from another vendor.
    LostToCompetitor,
    /// The customer's journey ended without a purchase (no decision, or no budget in time).
    NoDecision,
    /// The journey was still under way when the horizon ended.
    Open,
}

impl DealOutcome {
    /// The value written in `deals.csv`'s `outcome` column.
    pub fn as_str(self) -> &'static str {
        match self {
            DealOutcome::Won => "won",
            DealOutcome::LostToCompetitor => "lost_to_competitor",
            DealOutcome::NoDecision => "no_decision",
            DealOutcome::Open => "open",
        }
    }
}

/// One opportunity of one vendor (see the module doc for what an opportunity is).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DealRecord {
    /// The vendor (index in the scenario's vendors; 0 is us).
    pub vendor: u32,
    /// The rep's team (index in the vendor's teams, in scenario order).
    pub team: u32,
    /// The rep, numbered across the run: vendor 0's reps first, team by team in scenario order,
    /// then vendor 1's, and so on. For vendor 0 this is the rep's index in
    /// [`crate::world::SalesForce::reps`]; for vendor V it is that index plus the reps of the
    /// vendors before V. A won deal's rep is the one credited with it (the opportunity's owner,
    /// else the account's home rep), as in teams.csv; an opportunity's rep is its owner when it
    /// closed, or, for a vendor dropped from the shortlist, its owner when last shortlisted.
    pub rep: u32,
    /// The account.
    pub account: CustomerId,
    /// The account's segment.
    pub segment: Segment,
    /// The day the vendor first joined the journey's shortlist, business days from the horizon's
    /// first day (negative: during the warm-up).
    pub created_day: i32,
    /// The day the customer decided, business days from the horizon's first day; `None` while
    /// open.
    pub closed_day: Option<i32>,
    /// How it ended.
    pub outcome: DealOutcome,
    /// The account's annual value (the deal's list price), $k.
    pub list_k: f64,
    /// Net booking, $k: `list_k × (1 − discount)` for a won deal, 0 otherwise (nothing booked).
    pub net_k: f64,
    /// Discount given on a won deal (share of list, 0–1); 0 otherwise.
    pub discount: f64,
    /// A won deal signed at a decision this vendor's quarter-end discount pulled in: the customer
    /// decided earlier than it would have on its own. False for every other record.
    pub pulled_in: bool,
    /// This vendor's quarter-end offer moved the customer's decision earlier, whatever the
    /// outcome (won, lost to a competitor, or no decision): `pulled_in` is the won part of these.
    pub pull_in_offered: bool,
    /// The journey settles the account's contract that had come up for renewal (its renewal
    /// decision, whoever held the contract); false for a need of any other kind.
    pub renewal: bool,
    /// The vendor held the account's running contract during the journey (its installed base).
    pub incumbent: bool,
    /// The vendor was on the shortlist, not blocked, when the customer decided (or, for an open
    /// record, when the horizon ended).
    pub shortlisted_at_close: bool,
}

/// The opportunity a vendor holds in an account's current journey.
#[derive(Debug, Clone, Copy)]
struct OpenDeal {
    /// Day it was created ([`NONE`]: the vendor has no opportunity in the current journey).
    created: Day,
    /// The owner when the vendor was last shortlisted.
    rep: RepId,
}

/// Every vendor's open opportunities, and the records of those closed in the horizon.
#[derive(Debug, Clone)]
pub(crate) struct DealLog {
    /// Per (account, vendor), as the engine's relations: `open[c * vendors + v]`.
    open: Vec<OpenDeal>,
    /// Per vendor: reps of the vendors before it (run-wide rep numbers).
    rep_offset: Vec<u32>,
    /// Records of the closed opportunities, in closing order.
    records: Vec<DealRecord>,
    /// The vendor whose quarter-end offer moved the decision being concluded (set by the
    /// pulled-in decision, read and cleared when its opportunities close).
    moved_by: Option<usize>,
}

impl DealLog {
    /// An empty log for a world.
    pub(crate) fn new(world: &World) -> DealLog {
        let rep_offset = world.rep_offsets();
        let none = OpenDeal {
            created: NONE,
            rep: NONE,
        };
        DealLog {
            open: vec![none; world.customers.len() * world.vendors.len()],
            moved_by: None,
            rep_offset,
            records: Vec::new(),
        }
    }
}

impl Engine<'_> {
    /// Vendor `v` has just been put on account `c`'s shortlist (by its owner now): it has an
    /// opportunity from today, unless it already had one in this journey.
    #[inline]
    pub(crate) fn note_shortlisted(&mut self, c: CustomerId, v: usize) {
        self.cohort_shortlisted(c, v);
        let owner = self.rel(c, v).owner();
        if let Some(log) = self.deals.as_deref_mut() {
            let n = self.world.vendors.len();
            let deal = &mut log.open[c as usize * n + v];
            if deal.created == NONE {
                deal.created = self.day;
            }
            deal.rep = owner;
        }
    }

    /// Account `c`'s journey ends with `outcome` (before the shortlist is cleared and a purchase
    /// booked): every vendor's opportunity in it closes. Recorded in the horizon only.
    #[inline]
    pub(crate) fn note_journey_end(
        &mut self,
        c: CustomerId,
        outcome: Outcome,
        discount: f64,
        kind: DealKind,
    ) {
        self.trace_journey_end(c, outcome, discount, kind);
        self.cohort_journey_end(c, outcome, discount);
        if self.deals.is_some() {
            self.close_deals(c, Some((outcome, discount, kind)));
        }
    }

    /// Closes (or, with `None`, records as open at the horizon's end) every vendor's opportunity
    /// in account `c`'s current journey.
    fn close_deals(&mut self, c: CustomerId, end: Option<(Outcome, f64, DealKind)>) {
        let Some(mut log) = self.deals.take() else {
            return;
        };
        let n = self.world.vendors.len();
        let recording = self.day >= self.start;
        let moved_by = log.moved_by.take().filter(|_| end.is_some());
        for v in 0..n {
            let deal = std::mem::replace(
                &mut log.open[c as usize * n + v],
                OpenDeal {
                    created: NONE,
                    rep: NONE,
                },
            );
            if deal.created == NONE || !recording {
                continue;
            }
            let mut record = self.deal_record(c, v, deal, end, &log.rep_offset);
            record.pull_in_offered = moved_by == Some(v);
            log.records.push(record);
        }
        self.deals = Some(log);
    }

    /// The record of vendor `v`'s opportunity `deal` on account `c`, closing today with `end`
    /// (`None`: open at the horizon's end).
    fn deal_record(
        &self,
        c: CustomerId,
        v: usize,
        deal: OpenDeal,
        end: Option<(Outcome, f64, DealKind)>,
        rep_offset: &[u32],
    ) -> DealRecord {
        let customer = &self.world.customers[c as usize];
        let account = &self.accounts[c as usize];
        let shortlisted = self.rel(c, v).shortlisted && !self.is_blocked(c, v);
        let won = matches!(end, Some((Outcome::Bought(w), _, _)) if w == v);
        // The rep credited with a purchase, as `purchase` credits it; else the owner.
        let rep = if shortlisted || won || deal.rep == NONE {
            self.credited_rep(c, v)
        } else {
            deal.rep
        };
        let list = customer.annual_value as f64;
        let (outcome, discount, pulled_in) = match end {
            None => (DealOutcome::Open, 0.0, false),
            Some((Outcome::Bought(w), discount, kind)) if w == v => {
                (DealOutcome::Won, discount, kind == DealKind::PulledIn)
            }
            Some((Outcome::Bought(_), _, _)) => (DealOutcome::LostToCompetitor, 0.0, false),
            Some((Outcome::NoDecision, _, _)) => (DealOutcome::NoDecision, 0.0, false),
        };
        // Days are far below 2³¹: the engine keeps an agenda entry per day.
        let since_start = |day: Day| day as i32 - self.start as i32;
        DealRecord {
            vendor: v as u32,
            team: self.world.vendors[v].reps[rep as usize].team,
            rep: rep_offset[v] + rep,
            account: c,
            segment: customer.segment,
            created_day: since_start(deal.created),
            closed_day: end.map(|_| since_start(self.day)),
            outcome,
            list_k: list,
            // As `purchase` books it.
            net_k: if won { list * (1.0 - discount) } else { 0.0 },
            discount,
            pulled_in,
            pull_in_offered: pulled_in,
            renewal: account.renewal_due(),
            incumbent: account.adopted() && account.incumbent as usize == v,
            shortlisted_at_close: shortlisted || won,
        }
    }

    /// Notes that vendor `v`'s quarter-end offer moves the decision about to be concluded
    /// (`deals.csv`'s `pull_in_offered`); nothing without a log.
    pub(crate) fn note_moved_decision(&mut self, v: Option<usize>) {
        if let Some(log) = &mut self.deals {
            log.moved_by = v;
        }
    }

    /// The run's deal records (`None` without a log): those closed in the horizon, in closing
    /// order, then those still open, by account and vendor.
    pub(crate) fn take_deals(&mut self) -> Option<Vec<DealRecord>> {
        self.deals.as_ref()?;
        let n = self.world.vendors.len();
        for c in 0..self.world.customers.len() as CustomerId {
            let open = self.deals.as_ref().is_some_and(|log| {
                log.open[c as usize * n..(c as usize + 1) * n]
                    .iter()
                    .any(|d| d.created != NONE)
            });
            if open {
                self.close_deals(c, None);
            }
        }
        self.deals.take().map(|log| log.records)
    }
}

//! The horizon's cohort of opportunities and the run-out after the horizon (issue 28).
//!
//! A quarter-end pull-in re-times a deal by a quarter, and a sandbagged deal is pushed into the
//! next one, so a horizon cut on a calendar day credits or debits whoever was re-timing deals
//! across it. `cohort_bookings` counts instead our opportunities *created* within the horizon
//! (the day we joined the journey's shortlist, as `deals.csv`'s `created_day`), wherever they
//! close: after the horizon, the market runs on for [`RUN_OUT_QUARTERS`] more quarters, with
//! nothing recorded but the cohort's bookings. Calendar metrics (every other output) are those of
//! the horizon, unchanged by the run-out.
//!
//! Kept apart from the daily loop: the engine calls [`Engine::cohort_shortlisted`] and
//! [`Engine::cohort_journey_end`] from the opportunity hooks of [`super::deals`].

use super::Engine;
use crate::calendar::{Day, DAYS_PER_QUARTER};
use crate::metrics::Outcome;
use crate::world::CustomerId;

/// Quarters the market runs on after the horizon, so that opportunities created within it can
/// close: a year, about the longest buying journey (enterprise cycles of 6–18 months, median
/// about 9; the same reasoning as the default warm-up). Opportunities of the cohort still open
/// after it are not counted.
pub const RUN_OUT_QUARTERS: u32 = 4;

/// Business days of the run-out.
pub const RUN_OUT_DAYS: Day = RUN_OUT_QUARTERS * DAYS_PER_QUARTER;

/// No opportunity of ours in the account's current journey.
const NONE: Day = Day::MAX;

/// Our opportunity in each account's current journey, and the cohort's bookings so far.
#[derive(Debug, Clone)]
pub(crate) struct Cohort {
    /// Per account: the day our opportunity in its current journey was created ([`NONE`]: we
    /// have none).
    created: Vec<Day>,
    /// Net bookings of our opportunities created within the horizon, $k.
    pub(crate) bookings: f64,
    /// Their list value, $k.
    pub(crate) list_value: f64,
}

impl Cohort {
    /// No opportunities yet.
    pub(crate) fn new(customers: usize) -> Cohort {
        Cohort {
            created: vec![NONE; customers],
            bookings: 0.0,
            list_value: 0.0,
        }
    }

    /// Bytes held (for [`Engine::state_bytes`]).
    pub(crate) fn bytes(&self) -> usize {
        self.created.capacity() * std::mem::size_of::<Day>()
    }
}

impl Engine<'_> {
    /// Vendor `v` has just been put on account `c`'s shortlist: our opportunity starts today
    /// unless we already had one in this journey.
    #[inline]
    pub(crate) fn cohort_shortlisted(&mut self, c: CustomerId, v: usize) {
        if v == 0 {
            let created = &mut self.cohort.created[c as usize];
            if *created == NONE {
                *created = self.day;
            }
        }
    }

    /// Whether we joined the shortlist of account `c`'s current journey (an opportunity of ours
    /// in the CRM).
    #[inline]
    pub(crate) fn had_opportunity(&self, c: CustomerId) -> bool {
        self.cohort.created[c as usize] != NONE
    }

    /// Account `c`'s journey ends with `outcome` at `discount`: a purchase from us of an
    /// opportunity created within the horizon joins the cohort's bookings; our opportunity
    /// in the journey ends either way.
    #[inline]
    pub(crate) fn cohort_journey_end(&mut self, c: CustomerId, outcome: Outcome, discount: f64) {
        let created = std::mem::replace(&mut self.cohort.created[c as usize], NONE);
        if outcome == Outcome::Bought(0) && (self.start..self.horizon).contains(&created) {
            let list = self.world.customers[c as usize].annual_value as f64;
            self.cohort.bookings += list * (1.0 - discount);
            self.cohort.list_value += list;
        }
    }
}

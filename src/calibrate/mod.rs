//! `salesim calibrate`: a market read from a CRM opportunity export, as observed moments.
//!
//! The pipeline, top to bottom:
//!
//! 1. [`export::read`] reads a CRM export (a Salesforce opportunity report, a HubSpot deal
//!    export, or any CSV with `--map`) into normalized [`Opportunity`] records, and reports bad
//!    rows (counts per kind, first lines) instead of guessing at them.
//! 2. [`moments::observe`] computes the observed moments (win rate, cycle lengths, deal sizes,
//!    the hockey stick, discounts by week, repeat purchases, …) with seeded bootstrap 95% CIs,
//!    from a slice of opportunities and a [`FiscalCalendar`]. It knows nothing of CSV files:
//!    simulated opportunities go through the very same function, which is what the method of
//!    simulated moments needs. The fit makes them with [`simulated::opportunities`] (the
//!    simulator's quarters laid on calendar quarters, read with the CRM calendar an export is
//!    read with); [`Opportunity::simulated`] with [`FiscalCalendar::simulated`] keeps the
//!    simulator's own 13-week quarters instead.
//! 3. [`fit`] fits a scenario to them by the method of simulated moments with common random
//!    numbers: simulated deal records become opportunities ([`simulated::opportunities`]) and go
//!    through [`moments::observe`] too.
//! 4. [`command`] is the command line: read, observe, print the table, fit, run the
//!    aggressive-vs-aligned comparison on the fitted market, then write `NAME.moments.csv` and
//!    `NAME.toml` with its header ([`outputs`]: never the export, never an existing file
//!    without `--force`).
//!
//! [`backtest`] holds out the export's last quarters (`--holdout-quarters`), fits on the rest,
//! and sets the fitted market's prediction of them beside what happened and a naive forecast.
//!
//! [`crm`] writes opportunities back as a CRM export in each layout (the example export, the
//! round-trip test).

pub mod backtest;
pub mod crm;
pub mod export;
pub mod fiscal;
pub mod fit;
mod layout;
pub mod limits;
pub mod moments;
pub mod outputs;
pub mod simulated;
mod values;

pub use export::{read, BadRowKind, Export, ReadOptions};
pub use fiscal::{FiscalCalendar, FiscalDate};
pub use layout::Field;
pub use moments::{observe, Bootstrap, Moment, Moments};

use crate::calendar::Day;
use chrono::NaiveDate;

/// How an opportunity ended, or that it has not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    /// Closed won.
    Won,
    /// Closed lost, to a competitor.
    LostToCompetitor,
    /// Closed without a purchase from anyone: the buyer stayed with the status quo.
    NoDecision,
    /// Closed lost, and the data cannot tell whether to a competitor or to no decision.
    Lost,
    /// Not closed yet.
    Open,
}

impl Outcome {
    /// Every outcome.
    pub const ALL: [Outcome; 5] = [
        Outcome::Won,
        Outcome::LostToCompetitor,
        Outcome::NoDecision,
        Outcome::Lost,
        Outcome::Open,
    ];

    /// Whether the opportunity is closed (won or lost in any way).
    pub fn is_closed(self) -> bool {
        self != Outcome::Open
    }

    /// The outcome's name, as `deals.csv` writes the simulator's outcomes (`won`,
    /// `lost_to_competitor`, `no_decision`), plus `lost` (split unknown) and `open`.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Won => "won",
            Outcome::LostToCompetitor => "lost_to_competitor",
            Outcome::NoDecision => "no_decision",
            Outcome::Lost => "lost",
            Outcome::Open => "open",
        }
    }

    /// The outcome of a [`Outcome::name`].
    pub fn from_name(name: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.name() == name)
    }
}

/// One sales opportunity, from a CRM export or from the simulator, normalized.
#[derive(Debug, Clone, PartialEq)]
pub struct Opportunity {
    /// The opportunity's id, unique in its export.
    pub id: String,
    /// The account (customer) it is with.
    pub account: String,
    /// The rep who owns it.
    pub owner: String,
    /// The owner's team, where the export says.
    pub team: Option<String>,
    /// The day it was created.
    pub created: NaiveDate,
    /// The day it closed; `None` while it is open (an open deal's expected close date is not a
    /// close).
    pub closed: Option<NaiveDate>,
    /// How it ended.
    pub outcome: Outcome,
    /// Net amount ($, after discounts); `None` where the export leaves it empty (never for a
    /// won opportunity read from an export).
    pub amount: Option<f64>,
    /// List amount ($, before discounts), where the export has it.
    pub list_amount: Option<f64>,
    /// Product, where the export has it.
    pub product: Option<String>,
    /// Customer segment, where the export has it.
    pub segment: Option<String>,
}

/// When a simulated opportunity was created and closed, in the simulator's business days
/// (`deals.csv`'s `created_day` and `closed_day`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DaySpan {
    /// Business day it was created.
    pub created: Day,
    /// Business day it closed; `None` while open.
    pub closed: Option<Day>,
}

impl Opportunity {
    /// An opportunity with only what every export has; the optional fields are `None`.
    pub fn new(
        id: impl Into<String>,
        account: impl Into<String>,
        owner: impl Into<String>,
        created: NaiveDate,
        outcome: Outcome,
    ) -> Opportunity {
        Opportunity {
            id: id.into(),
            account: account.into(),
            owner: owner.into(),
            team: None,
            created,
            closed: None,
            outcome,
            amount: None,
            list_amount: None,
            product: None,
            segment: None,
        }
    }

    /// A simulated opportunity: its business days become dates of the simulator's calendar with
    /// business day 0 on `start` ([`fiscal::date_of_business_day`]; analyse it with
    /// [`FiscalCalendar::simulated`]`(start)`). `deals.csv`'s amounts are in $k: multiply by
    /// 1,000 for [`Opportunity::with_amount`]. A day beyond chrono's calendar (hundreds of
    /// thousands of years) becomes its last date.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use salesim::calibrate::{DaySpan, Opportunity, Outcome};
    /// let start = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(); // a Monday
    /// let days = DaySpan { created: 3, closed: Some(8) };
    /// let o = Opportunity::simulated("d1", "a7", "r2", days, Outcome::Won, start)
    ///     .with_amount(12_500.0);
    /// assert_eq!(o.created, NaiveDate::from_ymd_opt(2024, 1, 4).unwrap());
    /// assert_eq!(o.closed, NaiveDate::from_ymd_opt(2024, 1, 11));
    /// ```
    pub fn simulated(
        id: impl Into<String>,
        account: impl Into<String>,
        owner: impl Into<String>,
        days: DaySpan,
        outcome: Outcome,
        start: NaiveDate,
    ) -> Opportunity {
        let date = |day| fiscal::date_of_business_day(start, day).unwrap_or(NaiveDate::MAX);
        Opportunity::new(id, account, owner, date(days.created), outcome)
            .with_closed(days.closed.map(date))
    }

    /// With a close date (`None`: open).
    pub fn with_closed(mut self, closed: Option<NaiveDate>) -> Opportunity {
        self.closed = closed;
        self
    }

    /// With a net amount ($).
    pub fn with_amount(mut self, amount: f64) -> Opportunity {
        self.amount = Some(amount);
        self
    }

    /// With a list amount ($).
    pub fn with_list_amount(mut self, list_amount: f64) -> Opportunity {
        self.list_amount = Some(list_amount);
        self
    }

    /// In a team.
    pub fn with_team(mut self, team: impl Into<String>) -> Opportunity {
        self.team = Some(team.into());
        self
    }

    /// In a customer segment.
    pub fn with_segment(mut self, segment: impl Into<String>) -> Opportunity {
        self.segment = Some(segment.into());
        self
    }

    /// For a product.
    pub fn with_product(mut self, product: impl Into<String>) -> Opportunity {
        self.product = Some(product.into());
        self
    }

    /// Days from creation to close (calendar days), for a closed opportunity.
    pub fn cycle_days(&self) -> Option<i64> {
        self.closed.map(|c| (c - self.created).num_days())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcome_names_round_trip_and_match_deals_csv() {
        for o in Outcome::ALL {
            assert_eq!(Outcome::from_name(o.name()), Some(o));
        }
        assert_eq!(Outcome::from_name("won"), Some(Outcome::Won));
        assert_eq!(
            Outcome::from_name("lost_to_competitor"),
            Some(Outcome::LostToCompetitor)
        );
        assert_eq!(Outcome::from_name("no_decision"), Some(Outcome::NoDecision));
        assert!(!Outcome::Open.is_closed() && Outcome::Lost.is_closed());
    }

    #[test]
    fn a_simulated_opportunity_keeps_its_cycle_in_calendar_days() {
        let start = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        let o = Opportunity::simulated(
            "d",
            "a",
            "r",
            DaySpan {
                created: 0,
                closed: Some(10),
            },
            Outcome::Won,
            start,
        );
        // Ten business days are two weeks.
        assert_eq!(o.cycle_days(), Some(14));
        let open = Opportunity::simulated(
            "d",
            "a",
            "r",
            DaySpan {
                created: 0,
                closed: None,
            },
            Outcome::Open,
            start,
        );
        assert_eq!(open.cycle_days(), None);
    }
}

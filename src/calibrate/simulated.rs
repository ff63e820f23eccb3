//! A simulated run's deal records as the opportunities a CRM would list: the bridge that lets
//! observed and simulated moments go through the one function, [`super::moments::observe`].
//!
//! Only our vendor's records become opportunities (a CRM export holds one vendor's own deals),
//! and only those created in the horizon (an export covers the opportunities created in a
//! window; a record created in the warm-up has no counterpart in it). Business days become
//! dates with the simulator's quarters laid on calendar quarters from [`START`]
//! ([`super::fiscal::date_on_fiscal_quarters`]), so a vendor whose fiscal year starts in
//! January sees its quarter ends where the simulator has them; analyse them with [`calendar`],
//! the CRM calendar a real export is read with (one code path for both).
//!
//! A [`Shape`] says which optional columns the export being matched has: a simulated
//! opportunity carries a segment, a list amount, a team or a split loss only where the export
//! does, so that the same moments are identified on both sides.

use super::fiscal::date_on_fiscal_quarters;
use super::{FiscalCalendar, Opportunity, Outcome};
use crate::engine::{DealOutcome, DealRecord};
use crate::scenario::Config;
use chrono::NaiveDate;

/// The first day of a simulated horizon, as a date: Monday 1 January 2024 (a fiscal year that
/// starts in January has its quarters where the simulator's are, within a few days).
pub const START: NaiveDate = match NaiveDate::from_ymd_opt(2024, 1, 1) {
    Some(d) => d,
    None => panic!("a valid date"),
};

/// The fiscal calendar of simulated opportunities: fiscal years from January, as [`START`].
pub fn calendar() -> FiscalCalendar {
    FiscalCalendar::months(1)
}

/// Which optional fields an export has, and so which a simulated opportunity carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// Customer segments.
    pub segments: bool,
    /// List amounts (before discounts).
    pub list_amounts: bool,
    /// Teams.
    pub teams: bool,
    /// Lost opportunities split into lost to a competitor and no decision.
    pub loss_split: bool,
}

impl Shape {
    /// Every field: what a CRM export written from the simulator holds.
    pub const FULL: Shape = Shape {
        segments: true,
        list_amounts: true,
        teams: true,
        loss_split: true,
    };

    /// The fields a set of opportunities has: a field counts if any opportunity has it; the
    /// loss split counts unless a closed-lost opportunity has no split.
    pub fn of(opportunities: &[Opportunity]) -> Shape {
        let any = |f: &dyn Fn(&Opportunity) -> bool| opportunities.iter().any(f);
        Shape {
            segments: any(&|o| o.segment.is_some()),
            list_amounts: any(&|o| o.list_amount.is_some()),
            teams: any(&|o| o.team.is_some()),
            loss_split: !any(&|o| o.outcome == Outcome::Lost),
        }
    }
}

/// Our vendor's opportunities created in the horizon, of one simulated run of `cfg`, with the
/// fields of `shape`. Ids are `opp-N` (in record order), accounts `acct-N` (the simulator's
/// account index), owners `rep-NN` (the run-wide rep number, from 1); amounts in $ (the
/// records' $k × 1,000): a won deal's net amount, else its list amount (what the CRM shows as
/// the deal's expected amount).
pub fn opportunities(cfg: &Config, deals: &[DealRecord], shape: Shape) -> Vec<Opportunity> {
    deals
        .iter()
        .filter(|d| d.vendor == 0)
        .filter_map(|d| Some((d, u32::try_from(d.created_day).ok()?)))
        .enumerate()
        .map(|(i, (d, created))| {
            let outcome = match d.outcome {
                DealOutcome::Won => Outcome::Won,
                DealOutcome::LostToCompetitor if shape.loss_split => Outcome::LostToCompetitor,
                DealOutcome::NoDecision if shape.loss_split => Outcome::NoDecision,
                DealOutcome::LostToCompetitor | DealOutcome::NoDecision => Outcome::Lost,
                DealOutcome::Open => Outcome::Open,
            };
            let date = |day| date_on_fiscal_quarters(START, day).unwrap_or(NaiveDate::MAX);
            let amount = if outcome == Outcome::Won {
                d.net_k
            } else {
                d.list_k
            };
            let mut o = Opportunity::new(
                format!("opp-{}", i + 1),
                format!("acct-{}", d.account),
                format!("rep-{:02}", d.rep + 1),
                date(created),
                outcome,
            )
            .with_closed(d.closed_day.and_then(|c| u32::try_from(c).ok()).map(date))
            .with_amount(amount * 1000.0);
            if shape.list_amounts {
                o = o.with_list_amount(d.list_k * 1000.0);
            }
            if shape.segments {
                o = o.with_segment(d.segment.name());
            }
            if shape.teams {
                if let Some(team) = cfg.vendors[0].teams.get(d.team as usize) {
                    o = o.with_team(team.name.clone());
                }
            }
            o
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{self, Override, ScenarioSource};

    #[test]
    fn only_our_opportunities_of_the_horizon_become_crm_rows_with_the_exports_fields() {
        let source = ScenarioSource::parse("lesson", scenario::LESSON).unwrap();
        let overrides = [
            Override::parse("market.customers=600").unwrap(),
            Override::parse("horizon_quarters=2").unwrap(),
        ];
        let cfg = scenario::build(&source, &overrides).unwrap();
        let run = crate::experiment::simulate_one(&cfg, cfg.reference, 0);
        let ours: Vec<&DealRecord> = run
            .deals
            .iter()
            .filter(|d| d.vendor == 0 && d.created_day >= 0)
            .collect();
        assert!(ours.len() < run.deals.len() && !ours.is_empty());
        let full = opportunities(&cfg, &run.deals, Shape::FULL);
        assert_eq!(full.len(), ours.len());
        for (o, d) in full.iter().zip(&ours) {
            assert_eq!(o.segment.as_deref(), Some(d.segment.name()));
            assert_eq!(o.list_amount, Some(d.list_k * 1000.0));
            assert!(o.team.is_some());
            assert_eq!(o.outcome.name(), d.outcome.as_str());
            if d.outcome == DealOutcome::Won {
                assert_eq!(o.amount, Some(d.net_k * 1000.0));
            }
            assert!(o.created >= START);
        }
        assert_eq!(Shape::of(&full), Shape::FULL);
        let bare = Shape {
            segments: false,
            list_amounts: false,
            teams: false,
            loss_split: false,
        };
        let plain = opportunities(&cfg, &run.deals, bare);
        assert_eq!(Shape::of(&plain), bare);
        assert!(plain
            .iter()
            .all(|o| !matches!(o.outcome, Outcome::LostToCompetitor | Outcome::NoDecision)));
    }
}

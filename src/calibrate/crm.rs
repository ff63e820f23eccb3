//! Opportunities written as a CRM export, in each layout `calibrate` reads: a Salesforce
//! opportunity report, a HubSpot deal export, or a file of its own column names that needs
//! `--map` ([`MAPPED_OPTIONS`]). It is how the project writes its example export
//! (`examples/crm-salesforce.csv`, from simulated deal records) and how the round-trip test
//! turns a simulated market into the files a sales leader would hand to `calibrate`.
//!
//! Each layout writes what such an export holds: Salesforce's standard report has no segment,
//! team or list amount; HubSpot's deal export has a team but no segment or list amount; the
//! mapped file has every field. Loss reasons are written where the opportunities have the
//! split (`Lost to competitor`, `No decision`, words the reader's loss-reason split reads back).
//! Open opportunities have no close date (an expected close is not a close).

use super::{Opportunity, Outcome};
use chrono::NaiveDate;

/// A layout a CRM export is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// A Salesforce opportunity report ("Details Only" CSV): `Opportunity ID`, `Stage`
    /// (`Closed Won`, `Closed Lost`, `Negotiation/Review` for an open one), US dates.
    Salesforce,
    /// A HubSpot deal export: `Record ID`, `Deal Stage` (`closedwon`, `closedlost`,
    /// `contractsent`), ISO dates with a time.
    HubSpot,
    /// A file with its own column names (`Ref`, `Client`, `Rep`, `Opened`, `Decided`, `Status`,
    /// `Net`, `List`, `Tier`, `Team`, `Reason`), semicolons and day-first dotted dates; read it
    /// with [`MAPPED_OPTIONS`].
    Mapped,
}

impl Written {
    /// Every layout.
    pub const ALL: [Written; 3] = [Written::Salesforce, Written::HubSpot, Written::Mapped];

    /// Its short name (file names, test messages).
    pub fn name(self) -> &'static str {
        match self {
            Written::Salesforce => "salesforce",
            Written::HubSpot => "hubspot",
            Written::Mapped => "mapped",
        }
    }

    /// The options `salesim calibrate` needs to read it (none for a recognised layout).
    pub fn options(self) -> &'static [&'static str] {
        match self {
            Written::Mapped => &MAPPED_OPTIONS,
            _ => &[],
        }
    }
}

/// The `salesim calibrate` options that read a [`Written::Mapped`] file.
pub const MAPPED_OPTIONS: [&str; 28] = [
    "--map",
    "id=Ref",
    "--map",
    "account=Client",
    "--map",
    "owner=Rep",
    "--map",
    "created=Opened",
    "--map",
    "closed=Decided",
    "--map",
    "outcome=Status",
    "--map",
    "amount=Net",
    "--map",
    "list_amount=List",
    "--map",
    "segment=Tier",
    "--map",
    "team=Team",
    "--map",
    "loss_reason=Reason",
    "--won",
    "Signed",
    "--lost",
    "Dropped",
    "--date-format",
    "%d.%m.%Y",
];

/// The opportunities as a CSV export in `layout` (bytes, UTF-8).
pub fn write(opportunities: &[Opportunity], layout: Written) -> Vec<u8> {
    let delimiter = if layout == Written::Mapped {
        b';'
    } else {
        b','
    };
    let mut w = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .from_writer(Vec::new());
    let header: &[&str] = match layout {
        Written::Salesforce => &[
            "Opportunity ID",
            "Opportunity Name",
            "Account ID",
            "Opportunity Owner",
            "Stage",
            "Amount",
            "Created Date",
            "Close Date",
            "Loss Reason",
        ],
        Written::HubSpot => &[
            "Record ID",
            "Deal Name",
            "Associated Company",
            "Deal owner",
            "HubSpot Team",
            "Deal Stage",
            "Amount",
            "Create Date",
            "Close Date",
            "Closed Lost Reason",
        ],
        Written::Mapped => &[
            "Ref", "Client", "Rep", "Opened", "Decided", "Status", "Net", "List", "Tier", "Team",
            "Reason",
        ],
    };
    // Writing to memory cannot fail.
    let _ = w.write_record(header);
    for o in opportunities {
        let date = |d: NaiveDate| match layout {
            Written::Salesforce => d.format("%-m/%-d/%Y").to_string(),
            Written::HubSpot => d.format("%Y-%m-%d 00:00").to_string(),
            Written::Mapped => d.format("%d.%m.%Y").to_string(),
        };
        let closed = o.closed.map(date).unwrap_or_default();
        let money = |x: Option<f64>| x.map(|v| format!("{v:.2}")).unwrap_or_default();
        let reason = match o.outcome {
            Outcome::LostToCompetitor => "Lost to competitor",
            Outcome::NoDecision => "No decision",
            _ => "",
        };
        let stage = match (layout, o.outcome) {
            (_, Outcome::Open) => match layout {
                Written::Salesforce => "Negotiation/Review",
                Written::HubSpot => "contractsent",
                Written::Mapped => "In progress",
            },
            (Written::Salesforce, Outcome::Won) => "Closed Won",
            (Written::Salesforce, _) => "Closed Lost",
            (Written::HubSpot, Outcome::Won) => "closedwon",
            (Written::HubSpot, _) => "closedlost",
            (Written::Mapped, Outcome::Won) => "Signed",
            (Written::Mapped, _) => "Dropped",
        };
        let name = format!("{} - {}", o.account, o.id);
        let team = o.team.clone().unwrap_or_default();
        let row: Vec<String> = match layout {
            // The two recognised layouts list the same fields in the same order; HubSpot's has
            // the team after the owner.
            Written::Salesforce | Written::HubSpot => {
                let mut row = vec![
                    o.id.clone(),
                    name,
                    o.account.clone(),
                    o.owner.clone(),
                    stage.into(),
                    money(o.amount),
                    date(o.created),
                    closed,
                    reason.into(),
                ];
                if layout == Written::HubSpot {
                    row.insert(4, team);
                }
                row
            }
            Written::Mapped => vec![
                o.id.clone(),
                o.account.clone(),
                o.owner.clone(),
                date(o.created),
                closed,
                stage.into(),
                money(o.amount),
                money(o.list_amount),
                o.segment.clone().unwrap_or_default(),
                team,
                reason.into(),
            ],
        };
        let _ = w.write_record(&row);
    }
    w.into_inner().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::super::export::{parse, ReadOptions};
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    /// Four opportunities with every field, one of each outcome.
    fn sample() -> Vec<Opportunity> {
        let full = |id: &str, outcome, closed: Option<NaiveDate>| {
            Opportunity::new(id, "acct-7", "rep-01", d(2024, 1, 30), outcome)
                .with_closed(closed)
                .with_amount(9000.0)
                .with_list_amount(10000.0)
                .with_team("east")
                .with_segment("mid_market")
        };
        vec![
            full("opp-1", Outcome::Won, Some(d(2024, 3, 28))),
            full("opp-2", Outcome::LostToCompetitor, Some(d(2024, 4, 15))),
            full("opp-3", Outcome::NoDecision, Some(d(2024, 5, 2))),
            full("opp-4", Outcome::Open, None),
        ]
    }

    fn options(layout: Written) -> ReadOptions {
        let mut o = ReadOptions::default();
        let args = layout.options();
        for pair in args.chunks(2) {
            match pair[0] {
                "--map" => o.map.push(pair[1].into()),
                "--won" => o.won.push(pair[1].into()),
                "--lost" => o.lost.push(pair[1].into()),
                "--date-format" => o.date_format = Some(pair[1].into()),
                other => panic!("unexpected option {other}"),
            }
        }
        o
    }

    #[test]
    fn each_layout_reads_back_as_the_opportunities_it_holds() {
        let opps = sample();
        for layout in Written::ALL {
            let bytes = write(&opps, layout);
            let export = parse(layout.name(), &bytes, &options(layout))
                .unwrap_or_else(|e| panic!("{}: {e}", layout.name()));
            assert_eq!(export.opportunities.len(), opps.len(), "{}", layout.name());
            for (read, wrote) in export.opportunities.iter().zip(&opps) {
                let expected = Opportunity {
                    team: match layout {
                        Written::Salesforce => None,
                        _ => wrote.team.clone(),
                    },
                    list_amount: wrote.list_amount.filter(|_| layout == Written::Mapped),
                    segment: wrote.segment.clone().filter(|_| layout == Written::Mapped),
                    ..wrote.clone()
                };
                assert_eq!(read, &expected, "{}", layout.name());
            }
        }
    }
}

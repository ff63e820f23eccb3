//! The CRM layouts `calibrate` recognises by their column names, their outcome values, and the
//! loss reasons that split a lost opportunity into lost-to-competitor and no-decision.
//!
//! Column names are matched ignoring case and runs of spaces. Where a layout lists several
//! names for a field, the first one present is used (an id before a name: account ids are
//! unique, account names need not be).

use super::Outcome;

/// A field of an [`super::Opportunity`], as `--map FIELD=COLUMN` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    /// The opportunity's id (required).
    Id,
    /// The account (required).
    Account,
    /// The owner, the rep (required).
    Owner,
    /// Created date (required).
    Created,
    /// Close date (required; read for closed opportunities only).
    Closed,
    /// Stage or status: the outcome (required).
    Outcome,
    /// Net amount (required; may be empty for an opportunity that was not won).
    Amount,
    /// The owner's team.
    Team,
    /// List amount, before discounts.
    ListAmount,
    /// Product.
    Product,
    /// Customer segment.
    Segment,
    /// Why a lost opportunity was lost.
    LossReason,
}

/// The fields' names, in [`Field`] order.
pub(crate) const FIELD_NAMES: [&str; 12] = [
    "id",
    "account",
    "owner",
    "created",
    "closed",
    "outcome",
    "amount",
    "team",
    "list_amount",
    "product",
    "segment",
    "loss_reason",
];

impl Field {
    /// Every field, in order.
    pub const ALL: [Field; 12] = [
        Field::Id,
        Field::Account,
        Field::Owner,
        Field::Created,
        Field::Closed,
        Field::Outcome,
        Field::Amount,
        Field::Team,
        Field::ListAmount,
        Field::Product,
        Field::Segment,
        Field::LossReason,
    ];

    /// The fields every export must have.
    pub const REQUIRED: [Field; 7] = [
        Field::Id,
        Field::Account,
        Field::Owner,
        Field::Created,
        Field::Closed,
        Field::Outcome,
        Field::Amount,
    ];

    /// The field's name in `--map`.
    pub fn name(self) -> &'static str {
        FIELD_NAMES[self as usize]
    }

    /// The field of a `--map` name.
    pub fn from_name(name: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The column a custom layout finds the field in: one named like the field.
    pub(super) fn custom_column(self) -> &'static &'static str {
        &FIELD_NAMES[self as usize]
    }
}

/// A layout of a CRM opportunity export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// A Salesforce opportunity report ("Details Only" CSV export), or a Data Loader export of
    /// the Opportunity object (API names).
    Salesforce,
    /// A HubSpot deal export.
    HubSpot,
    /// Anything else: columns named like the fields themselves, or given with `--map`.
    Custom,
}

impl Layout {
    /// The layout's name, for the terminal and the docs.
    pub fn name(self) -> &'static str {
        match self {
            Layout::Salesforce => "Salesforce opportunity report",
            Layout::HubSpot => "HubSpot deal export",
            Layout::Custom => "custom layout (--map)",
        }
    }

    /// The column names that say a file is in this layout: any one of them.
    fn signature(self) -> &'static [&'static str] {
        match self {
            Layout::Salesforce => &[
                "Opportunity Name",
                "Opportunity Owner",
                "Opportunity ID",
                "StageName",
            ],
            Layout::HubSpot => &["Deal Stage", "Deal Name", "dealstage", "dealname"],
            Layout::Custom => &[],
        }
    }

    /// The column names a field may have in this layout, in order of preference.
    pub fn columns(self, field: Field) -> &'static [&'static str] {
        use Field::*;
        match (self, field) {
            (Layout::Salesforce, Id) => &["Opportunity ID", "Id"],
            (Layout::Salesforce, Account) => &["Account ID", "AccountId", "Account Name"],
            (Layout::Salesforce, Owner) => &["Opportunity Owner", "Owner", "OwnerId"],
            (Layout::Salesforce, Created) => &["Created Date", "CreatedDate"],
            (Layout::Salesforce, Closed) => &["Close Date", "CloseDate"],
            (Layout::Salesforce, Outcome) => &["Stage", "StageName"],
            // A multi-currency org's report has the amount converted to the corporate currency.
            (Layout::Salesforce, Amount) => &["Amount (converted)", "Amount"],
            (Layout::Salesforce, Product) => &["Product Name"],
            // Not a standard field: the names orgs commonly give their custom loss-reason field.
            (Layout::Salesforce, LossReason) => &[
                "Loss Reason",
                "Closed Lost Reason",
                "Lost Reason",
                "Reason Lost",
                "Loss_Reason__c",
            ],
            (Layout::HubSpot, Id) => &["Record ID", "Deal ID", "hs_object_id"],
            (Layout::HubSpot, Account) => &[
                "Associated Company IDs (Primary)",
                "Associated Company IDs",
                "Associated Company (Primary)",
                "Associated Company",
            ],
            (Layout::HubSpot, Owner) => &["Deal owner", "hubspot_owner_id"],
            (Layout::HubSpot, Created) => &["Create Date", "createdate"],
            (Layout::HubSpot, Closed) => &["Close Date", "closedate"],
            (Layout::HubSpot, Outcome) => &["Deal Stage", "dealstage"],
            (Layout::HubSpot, Amount) => &["Amount in company currency", "Amount", "amount"],
            (Layout::HubSpot, Team) => &["HubSpot Team", "hubspot_team_id"],
            (Layout::HubSpot, LossReason) => &["Closed Lost Reason", "closed_lost_reason"],
            (Layout::Custom, field) => std::slice::from_ref(field.custom_column()),
            _ => &[],
        }
    }

    /// Outcome values that mean won, lost, and no decision (matched ignoring case and runs of
    /// spaces). A custom layout knows the simulator's own names (`deals.csv`) and the plain
    /// words.
    pub fn outcomes(self) -> &'static [(&'static str, Outcome)] {
        match self {
            Layout::Salesforce => &[("Closed Won", Outcome::Won), ("Closed Lost", Outcome::Lost)],
            Layout::HubSpot => &[
                ("closedwon", Outcome::Won),
                ("Closed Won", Outcome::Won),
                ("closedlost", Outcome::Lost),
                ("Closed Lost", Outcome::Lost),
            ],
            Layout::Custom => &[
                ("won", Outcome::Won),
                ("closed won", Outcome::Won),
                ("lost", Outcome::Lost),
                ("closed lost", Outcome::Lost),
                ("lost_to_competitor", Outcome::LostToCompetitor),
                ("no_decision", Outcome::NoDecision),
            ],
        }
    }

    /// The layout a header row is in: the one with one of its signature columns and the most
    /// fields found, else [`Layout::Custom`].
    pub fn detect(headers: &[String]) -> Layout {
        let has = |name: &str| headers.iter().any(|h| same_name(h, name));
        let found = |layout: Layout| {
            Field::ALL
                .iter()
                .filter(|&&f| layout.columns(f).iter().any(|c| has(c)))
                .count()
        };
        [Layout::Salesforce, Layout::HubSpot]
            .into_iter()
            .filter(|l| l.signature().iter().any(|c| has(c)))
            .max_by_key(|&l| (found(l), l == Layout::Salesforce))
            .unwrap_or(Layout::Custom)
    }
}

/// A column or outcome name in the form names are compared in: trimmed, lower case, runs of
/// whitespace as one space.
pub fn normalized(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Whether two names are the same, ignoring case and runs of spaces.
pub fn same_name(a: &str, b: &str) -> bool {
    normalized(a) == normalized(b)
}

/// Whether an outcome value that is neither a won, lost, no-decision nor a named open value
/// looks like a closed stage, so that reading it as open would be a guess: it contains
/// `closed`, or one of the words `won`, `lost`, `win`, `loss`.
pub fn looks_closed(value: &str) -> bool {
    let lower = value.to_lowercase();
    lower.contains("closed")
        || lower
            .split(|c: char| !c.is_alphanumeric())
            .any(|w| matches!(w, "won" | "lost" | "win" | "loss"))
}

/// Loss reasons that say a lost opportunity went to a competitor (contained in the reason,
/// ignoring case).
pub const COMPETITOR_REASONS: [&str; 2] = ["competitor", "competition"];

/// Loss reasons that say the buyer bought from no one (no decision, JOLT's "status quo"),
/// contained in the reason, ignoring case.
pub const NO_DECISION_REASONS: [&str; 8] = [
    "no decision",
    "no-decision",
    "nodecision",
    "status quo",
    "do nothing",
    "did nothing",
    "no budget",
    "project cancel",
];

/// How a loss reason splits a lost opportunity: to a competitor, to no decision, or
/// [`Outcome::Lost`] when the reason says neither (or is empty).
pub fn split_loss(reason: &str) -> Outcome {
    let lower = normalized(reason);
    if COMPETITOR_REASONS.iter().any(|r| lower.contains(r)) {
        Outcome::LostToCompetitor
    } else if NO_DECISION_REASONS.iter().any(|r| lower.contains(r)) {
        Outcome::NoDecision
    } else {
        Outcome::Lost
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn layouts_are_detected_from_their_headers() {
        let sf = headers(&[
            "Opportunity Owner",
            "Account Name",
            "Opportunity Name",
            "Stage",
            "Amount",
            "Close Date",
            "Created Date",
            "Opportunity ID",
        ]);
        assert_eq!(Layout::detect(&sf), Layout::Salesforce);
        let sf_api = headers(&["Id", "AccountId", "OwnerId", "StageName", "CloseDate"]);
        assert_eq!(Layout::detect(&sf_api), Layout::Salesforce);
        let hs = headers(&[
            "Record ID",
            "Deal Name",
            "Deal Stage",
            "Close Date",
            "Deal owner",
            "Amount",
            "Create Date",
            "Associated Company",
        ]);
        assert_eq!(Layout::detect(&hs), Layout::HubSpot);
        // Case and spacing do not matter.
        assert_eq!(
            Layout::detect(&headers(&["deal  stage", "RECORD ID"])),
            Layout::HubSpot
        );
        let custom = headers(&["ref", "customer", "rep", "opened", "status", "value"]);
        assert_eq!(Layout::detect(&custom), Layout::Custom);
        // "Stage" and "Amount" alone say nothing about the CRM.
        assert_eq!(
            Layout::detect(&headers(&["Stage", "Amount", "Close Date"])),
            Layout::Custom
        );
    }

    #[test]
    fn closed_looking_values_are_told_from_open_stages() {
        for v in [
            "Closed - Duplicate",
            "Won pending",
            "Lost",
            "closedlost",
            "Win",
        ] {
            assert!(looks_closed(v), "{v}");
        }
        for v in [
            "Prospecting",
            "Qualification",
            "Negotiation/Review",
            "appointmentscheduled",
            "Decision Maker Bought-In",
            "Proposal/Price Quote",
        ] {
            assert!(!looks_closed(v), "{v}");
        }
    }

    #[test]
    fn loss_reasons_split_lost_deals_and_leave_the_rest_unknown() {
        assert_eq!(split_loss("Lost to Competitor"), Outcome::LostToCompetitor);
        assert_eq!(split_loss("Competition"), Outcome::LostToCompetitor);
        assert_eq!(
            split_loss("No Decision / Non-Responsive"),
            Outcome::NoDecision
        );
        assert_eq!(split_loss("Status quo"), Outcome::NoDecision);
        assert_eq!(split_loss("No budget"), Outcome::NoDecision);
        assert_eq!(split_loss("Price"), Outcome::Lost);
        assert_eq!(split_loss(""), Outcome::Lost);
    }
}

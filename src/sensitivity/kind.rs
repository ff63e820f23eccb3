//! Whose knob it is: the buyers' behaviour, which the user must check with people who know
//! them, or the user's own strategy choices, which the user decides. The one place a knob is
//! classified, by the prefix of its `--set` path ([`PREFIXES`]); a study's terminal summary,
//! its CSVs (`kind`), its report and `salesim calibrate`'s header all read it from here.
//!
//! - **buyers**: `market.*` (how many accounts, how often they need to buy, deal sizes, cycle
//!   lengths) and `customers.*` (how buyers respond to contacts, discounts and peers). No one
//!   at the user's desk sets them: they are checked against the user's own data (when a CRM
//!   export reveals them) or with people who know the buyers.
//! - **ours**: `strategies.*` (how our teams sell) and `reps.*` (our reps' capacity and the pay
//!   plan: quotas and their ratchets). The user chooses them; a flip point on one of them is a
//!   decision boundary, not an assumption to check.

/// Whose knob it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// The buyers' behaviour and the market: to check.
    Buyers,
    /// The user's own strategy, team and pay plan: to decide.
    Ours,
}

impl Kind {
    /// Both kinds, in the order the lists are shown.
    pub const ALL: [Kind; 2] = [Kind::Buyers, Kind::Ours];

    /// The kind's name in the CSVs' `kind` column.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Buyers => "buyers",
            Kind::Ours => "ours",
        }
    }

    /// The heading of the kind's list.
    pub fn heading(self) -> &'static str {
        match self {
            Kind::Buyers => "Buyers' behaviour to check with people who know them",
            Kind::Ours => "Your own strategy choices to decide (strategies, reps and pay plan)",
        }
    }
}

/// Key path prefixes and their kind: every pattern of the plausible-range table starts with one
/// (a test checks it).
pub const PREFIXES: [(&str, Kind); 4] = [
    ("market.", Kind::Buyers),
    ("customers.", Kind::Buyers),
    ("strategies.", Kind::Ours),
    ("reps.", Kind::Ours),
];

/// The kind of the knob at `path`, if its prefix is one of [`PREFIXES`].
pub fn of(path: &str) -> Option<Kind> {
    PREFIXES
        .iter()
        .find(|(prefix, _)| path.starts_with(prefix))
        .map(|&(_, kind)| kind)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::ranges::PLAUSIBLE_RANGES;

    #[test]
    fn every_knob_of_the_table_has_a_kind() {
        for range in PLAUSIBLE_RANGES {
            assert!(of(range.pattern).is_some(), "{} has no kind", range.pattern);
        }
    }

    #[test]
    fn strategies_and_pay_are_ours_and_the_market_and_buyers_are_theirs() {
        for path in [
            "strategies.aligned.listening",
            "strategies.aggressive.discount_max",
            "reps.quota_factor",
            "reps.ratchet_up",
        ] {
            assert_eq!(of(path), Some(Kind::Ours), "{path}");
        }
        for path in [
            "market.peers",
            "market.segments.smb.cycle_days",
            "customers.trust_weight",
            "customers.receptivity.decision",
        ] {
            assert_eq!(of(path), Some(Kind::Buyers), "{path}");
        }
        // A prefix is a whole first key: `marketing.x` is no market knob.
        assert_eq!(of("marketing.x"), None);
        assert_eq!(of("strategy"), None);
    }
}

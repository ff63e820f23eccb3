//! What each metric means to a reader: its label, unit, which direction is better, and how its
//! numbers are printed. One table, so charts, sentences and the summary table agree.

use crate::shown::group_thousands;

/// How a metric's values are expressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unit {
    /// Thousands of currency units.
    Money,
    /// A fraction 0–1, printed as a percentage.
    Share,
    /// A count (deals, contacts, accounts).
    Count,
    /// A plain ratio such as quota attainment (1.0 = at quota).
    Ratio,
    /// A score on a 0–1 scale (trust), printed as a number, not a percentage.
    Score,
}

/// Reader-facing facts about one metric.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MetricInfo {
    pub name: &'static str,
    pub label: &'static str,
    pub unit: Unit,
}

const fn info(name: &'static str, label: &'static str, unit: Unit) -> MetricInfo {
    MetricInfo { name, label, unit }
}

/// Every metric of the output contract, in contract order.
pub(crate) const METRICS: [MetricInfo; 27] = [
    info("bookings", "Bookings (net)", Unit::Money),
    info("list_value", "List value", Unit::Money),
    info("discount_cost", "Discount cost", Unit::Money),
    info("deals", "Deals won", Unit::Count),
    info("win_rate", "Win rate", Unit::Share),
    info("no_decision_rate", "No-decision rate", Unit::Share),
    info("lost_to_competitor", "Lost to competitor", Unit::Share),
    info("contacts", "Contacts", Unit::Count),
    info("unwelcome_share", "Unwelcome contacts", Unit::Share),
    info("blocks", "Times blocked (events)", Unit::Count),
    info("accounts_blocking", "Accounts that blocked us", Unit::Count),
    info("conflicts", "Rep conflicts", Unit::Count),
    info("poached_deals", "Poached deals", Unit::Count),
    info("quota_attainment", "Quota attainment", Unit::Ratio),
    info("reps_at_quota_share", "Reps at quota", Unit::Share),
    info("mean_trust", "Customer trust", Unit::Score),
    info("hockey_stick", "Deals in weeks 12-13", Unit::Share),
    info("commission_cost", "Commission paid", Unit::Money),
    info("rep_cost", "Reps' base pay", Unit::Money),
    info("contribution", "Contribution", Unit::Money),
    info("cost_of_sales_ratio", "Cost of sales", Unit::Share),
    info("sandbagged_deals", "Deals asked to wait", Unit::Count),
    info(
        "on_journey_share",
        "Contacts on a buying journey",
        Unit::Share,
    ),
    info(
        "prospecting_on_journey_share",
        "Prospecting on a buying journey",
        Unit::Share,
    ),
    info(
        "territory_on_journey_share",
        "Random pick on a buying journey",
        Unit::Share,
    ),
    info("yoy_growth", "Year-over-year growth", Unit::Share),
    info(
        "cohort_bookings",
        "Bookings of the horizon's opportunities",
        Unit::Money,
    ),
];

/// Looks a metric up by name; unknown metrics get a neutral description.
pub(crate) fn metric(name: &str) -> MetricInfo {
    METRICS
        .iter()
        .find(|m| m.name == name)
        .copied()
        .unwrap_or(info("unknown", "unknown metric", Unit::Ratio))
}

impl MetricInfo {
    /// Which way is better, as the simulator defines it ([`crate::metrics::direction`]):
    /// `Some(true)` higher, `Some(false)` lower, `None` neither.
    pub fn direction(&self) -> Option<bool> {
        crate::metrics::direction(self.name)
    }

    /// Axis label with unit, e.g. "Bookings (net) ($k)".
    pub fn axis_label(&self) -> String {
        let unit = match self.unit {
            Unit::Money => "$k",
            Unit::Share => "%",
            Unit::Count => "count",
            Unit::Ratio => "1.0 = at quota",
            Unit::Score => "0-1",
        };
        format!("{} ({unit})", self.label)
    }

    /// Prints a value as the report shows it, e.g. "6,388 $k" (money, as every surface writes
    /// it: [`crate::shown::money`]), "1,234.5", "18.3%", "0.97".
    pub fn format(&self, value: f64) -> String {
        if !value.is_finite() {
            return "n/a".into();
        }
        match self.unit {
            Unit::Money => crate::shown::money(value),
            Unit::Share => format!("{:.1}%", value * 100.0),
            Unit::Count => group_thousands(value, 1),
            Unit::Ratio => format!("{value:.2}"),
            Unit::Score => format!("{value:.3}"),
        }
    }

    /// [`Self::format`] in at most about eight characters, for chart cells, in the same unit
    /// style: money from 1,000 $k up in $M to one decimal ("55.3 $M"), under it in whole $k
    /// ("812 $k"): [`crate::shown::money_compact`].
    pub fn format_compact(&self, value: f64) -> String {
        match self.unit {
            Unit::Money => crate::shown::money_compact(value),
            _ => self.format(value),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_by_unit() {
        assert_eq!(metric("bookings").format(12345.67), "12,346 $k");
        assert_eq!(metric("win_rate").format(0.1834), "18.3%");
        assert_eq!(metric("blocks").format(-1234.0), "−1,234.0");
        assert_eq!(metric("quota_attainment").format(0.966), "0.97");
        assert_eq!(metric("yoy_growth").format(f64::NAN), "n/a");
        assert_eq!(group_thousands(-0.01, 1), "0.0");
    }

    #[test]
    fn compact_money_fits_a_cell() {
        assert_eq!(metric("contribution").format_compact(55305.6), "55.3 $M");
        assert_eq!(
            metric("contribution").format_compact(1_234_567.0),
            "1,234.6 $M"
        );
        assert_eq!(metric("contribution").format_compact(-2500.0), "−2.5 $M");
        assert_eq!(metric("contribution").format_compact(812.4), "812 $k");
        assert_eq!(metric("win_rate").format_compact(0.1834), "18.3%");
    }

    #[test]
    fn every_contract_metric_is_described() {
        for name in crate::metrics::RUN_METRICS {
            assert_eq!(metric(name).name, name);
        }
    }
}

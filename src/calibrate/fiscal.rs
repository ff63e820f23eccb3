//! The vendor's fiscal calendar: which fiscal quarter a date falls in, and its week of quarter.
//!
//! Two calendars, one meaning of "week 12–13":
//!
//! - [`FiscalCalendar::Months`], a CRM's: fiscal quarters of three calendar months, the fiscal year
//!   starting on the first day of a given month (`--fiscal-year-start`). A calendar quarter has
//!   90–92 days, not the simulator's 91, so its 13 weeks are counted back from the quarter's last
//!   day: week 13 is the quarter's last 7 days, week 12 the 7 before, and week 1 takes the 6–8
//!   days left at the start. Weeks 12–13 are then exactly the last 14 calendar days, the last 10
//!   business days: the simulator's hockey stick ([`crate::calendar::in_last_two_weeks`]) and the
//!   field's "last 10 business days" (Larkin 2014).
//! - [`FiscalCalendar::BusinessDays`], the simulator's own (src/calendar.rs): 5-day weeks,
//!   13-week quarters from business day 0, which falls on a given date. Business day `d` is the
//!   date [`date_of_business_day`]: 7 calendar days per 5 business days, so a simulated
//!   opportunity's cycle length in calendar days is comparable with a CRM's, and its week of
//!   quarter is exactly [`crate::calendar::week_of_quarter`].
//!
//! Quarters and years are running indices (quarter 0 holds the date 0001-01-01 or business day
//! 0), so spans and per-year groupings work alike in both calendars.

use crate::calendar::{Day, DAYS_PER_QUARTER, DAYS_PER_WEEK, WEEKS_PER_QUARTER};
use chrono::{Datelike, NaiveDate};

/// Where a date falls in the vendor's fiscal calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FiscalDate {
    /// Running fiscal-year index (differences count years).
    pub year: i64,
    /// Running fiscal-quarter index (differences count quarters).
    pub quarter: i64,
    /// Week of the quarter, 1–13.
    pub week: u32,
}

/// A vendor's fiscal calendar (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FiscalCalendar {
    /// Fiscal quarters of three calendar months; the fiscal year starts on the first day of
    /// `first_month` (1 = January).
    Months {
        /// First month of the fiscal year, 1–12.
        first_month: u32,
    },
    /// The simulator's calendar: business day 0 (the first day of fiscal quarter 0) falls on
    /// `start`.
    BusinessDays {
        /// The date of business day 0.
        start: NaiveDate,
    },
}

impl FiscalCalendar {
    /// A CRM's calendar whose fiscal year starts in `first_month` (1–12; other values are
    /// clamped into 1–12, so parse user input with [`parse_month`] first).
    pub fn months(first_month: u32) -> FiscalCalendar {
        FiscalCalendar::Months {
            first_month: first_month.clamp(1, 12),
        }
    }

    /// The simulator's calendar with business day 0 on `start`.
    pub fn simulated(start: NaiveDate) -> FiscalCalendar {
        FiscalCalendar::BusinessDays { start }
    }

    /// Fiscal year, quarter and week of quarter of a date.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use salesim::calibrate::FiscalCalendar;
    /// let fy_feb = FiscalCalendar::months(2);
    /// let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    /// // Q1 of a February year is Feb–Apr; its last 7 days are week 13.
    /// assert_eq!(fy_feb.locate(d(2024, 4, 30)).week, 13);
    /// assert_eq!(fy_feb.locate(d(2024, 2, 1)).week, 1);
    /// assert_eq!(fy_feb.locate(d(2024, 5, 1)).quarter, fy_feb.locate(d(2024, 4, 30)).quarter + 1);
    /// ```
    pub fn locate(&self, date: NaiveDate) -> FiscalDate {
        match *self {
            FiscalCalendar::Months { first_month } => {
                let month_index =
                    date.year() as i64 * 12 + date.month0() as i64 - (first_month as i64 - 1);
                let quarter = month_index.div_euclid(3);
                let days_to_end = quarter_end(quarter, first_month)
                    .map_or(0, |end| (end - date).num_days().max(0));
                let weeks_back = (days_to_end / 7).min(WEEKS_PER_QUARTER as i64 - 1) as u32;
                FiscalDate {
                    year: month_index.div_euclid(12),
                    quarter,
                    week: WEEKS_PER_QUARTER - weeks_back,
                }
            }
            FiscalCalendar::BusinessDays { start } => {
                let day = business_day_of(start, date);
                let quarter = day.div_euclid(DAYS_PER_QUARTER as i64);
                FiscalDate {
                    year: quarter.div_euclid(4),
                    quarter,
                    week: (day.rem_euclid(DAYS_PER_QUARTER as i64) / DAYS_PER_WEEK as i64) as u32
                        + 1,
                }
            }
        }
    }

    /// In words, for the terminal: "fiscal year from February", "simulated, day 0 on 2024-01-01".
    pub fn describe(&self) -> String {
        match *self {
            FiscalCalendar::Months { first_month } => format!(
                "fiscal year from {}",
                chrono::Month::try_from(first_month as u8).map_or("January", |m| m.name())
            ),
            FiscalCalendar::BusinessDays { start } => {
                format!("the simulator's calendar, business day 0 on {start}")
            }
        }
    }
}

/// The last day of running fiscal quarter `quarter` of a year starting in `first_month`.
fn quarter_end(quarter: i64, first_month: u32) -> Option<NaiveDate> {
    let next_start_month = (quarter + 1) * 3 + first_month as i64 - 1;
    let year = i32::try_from(next_start_month.div_euclid(12)).ok()?;
    let month = next_start_month.rem_euclid(12) as u32 + 1;
    NaiveDate::from_ymd_opt(year, month, 1)?.pred_opt()
}

/// The date of business day `day` when business day 0 falls on `start`: five business days to
/// seven calendar days (`start` a Monday gives Monday–Friday). `None` past the end of chrono's
/// calendar.
pub fn date_of_business_day(start: NaiveDate, day: Day) -> Option<NaiveDate> {
    let days = (day / DAYS_PER_WEEK) as u64 * 7 + (day % DAYS_PER_WEEK) as u64;
    start.checked_add_days(chrono::Days::new(days))
}

/// The date of business day `day` with each simulated quarter (65 business days) laid on a
/// fiscal quarter of three calendar months, the first one starting on `first` (the first day
/// of a month): the quarter's business days are its weekdays counted back from its last one, so
/// the simulator's last business day of a quarter is the last weekday of the fiscal quarter and
/// its weeks 12–13 are the quarter's last 10 weekdays, as a vendor's are (a calendar quarter
/// has 64–66 weekdays: with 64, business day 0 shares the first weekday with day 1; with 66,
/// the first weekday has no business day). This is how simulated opportunities get the dates a
/// CRM with that fiscal calendar would show ([`FiscalCalendar::months`]); a cycle length in
/// calendar days stays within a day or two of [`date_of_business_day`]'s. `None` past the end
/// of chrono's calendar.
///
/// ```
/// use chrono::NaiveDate;
/// use salesim::calibrate::fiscal::date_on_fiscal_quarters;
/// let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
/// let first = d(2024, 1, 1);
/// // Business day 64, the last of quarter 0, is Friday 29 March 2024 (31 March is a Sunday).
/// assert_eq!(date_on_fiscal_quarters(first, 64), Some(d(2024, 3, 29)));
/// // Business day 65 opens quarter 1: April's first weekdays.
/// assert_eq!(date_on_fiscal_quarters(first, 65), Some(d(2024, 4, 1)));
/// // Eight quarters on, the quarter still ends on the calendar's: Wednesday 31 December 2025.
/// assert_eq!(date_on_fiscal_quarters(first, 8 * 65 - 1), Some(d(2025, 12, 31)));
/// ```
pub fn date_on_fiscal_quarters(first: NaiveDate, day: Day) -> Option<NaiveDate> {
    use chrono::{Months, Weekday};
    let weekday = |d: NaiveDate| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
    let quarter = day / DAYS_PER_QUARTER;
    let start = first.checked_add_months(Months::new(3 * quarter))?;
    let mut date = start.checked_add_months(Months::new(3))?.pred_opt()?;
    while !weekday(date) {
        date = date.pred_opt()?;
    }
    for _ in 0..(DAYS_PER_QUARTER - 1 - day % DAYS_PER_QUARTER) {
        let mut earlier = date.pred_opt()?;
        while !weekday(earlier) {
            earlier = earlier.pred_opt()?;
        }
        if earlier < start {
            break;
        }
        date = earlier;
    }
    Some(date)
}

/// The business day of a date (the inverse of [`date_of_business_day`]); a date on one of the
/// two days after a five-day week counts as that week's last business day, a date before
/// `start` as a negative day.
pub fn business_day_of(start: NaiveDate, date: NaiveDate) -> i64 {
    let days = (date - start).num_days();
    days.div_euclid(7) * DAYS_PER_WEEK as i64 + days.rem_euclid(7).min(DAYS_PER_WEEK as i64 - 1)
}

/// A month as `--fiscal-year-start` takes it: 1–12, or its English name or abbreviation
/// (`2`, `feb`, `February`).
pub fn parse_month(text: &str) -> Option<u32> {
    let text = text.trim();
    match text.parse::<u32>() {
        Ok(m) => (1..=12).contains(&m).then_some(m),
        Err(_) => text
            .parse::<chrono::Month>()
            .ok()
            .map(|m| m.number_from_month()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar;

    #[test]
    fn simulated_quarters_laid_on_calendar_quarters_keep_every_week_of_quarter() {
        let first = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        let cal = FiscalCalendar::months(1);
        for day in 0..12 * DAYS_PER_QUARTER {
            let date = date_on_fiscal_quarters(first, day).unwrap();
            let at = cal.locate(date);
            assert_eq!(
                at.week,
                calendar::week_of_quarter(day),
                "business day {day} on {date}"
            );
            assert_eq!(
                at.quarter - cal.locate(first).quarter,
                i64::from(day / DAYS_PER_QUARTER),
                "business day {day} on {date}"
            );
        }
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn a_february_fiscal_year_has_its_quarters_and_weeks_counted_back_from_quarter_end() {
        let cal = FiscalCalendar::months(2);
        // Q1 = Feb–Apr 2024: 29 + 31 + 30 = 90 days.
        let q1 = cal.locate(d(2024, 2, 1));
        assert_eq!(cal.locate(d(2024, 4, 30)).quarter, q1.quarter);
        assert_eq!(cal.locate(d(2024, 5, 1)).quarter, q1.quarter + 1);
        assert_eq!(cal.locate(d(2024, 1, 31)).quarter, q1.quarter - 1);
        // The fiscal year runs Feb–Jan.
        assert_eq!(cal.locate(d(2025, 1, 31)).year, q1.year);
        assert_eq!(cal.locate(d(2025, 2, 1)).year, q1.year + 1);
        assert_eq!(cal.locate(d(2025, 2, 1)).quarter, q1.quarter + 4);
        // Week 13 = the last 7 days (Apr 24–30), week 12 = Apr 17–23, week 1 = Feb 1–6 (6 days
        // of a 90-day quarter: 90 − 12 × 7).
        for day in 24..=30 {
            assert_eq!(cal.locate(d(2024, 4, day)).week, 13, "Apr {day}");
        }
        assert_eq!(cal.locate(d(2024, 4, 23)).week, 12);
        assert_eq!(cal.locate(d(2024, 4, 17)).week, 12);
        assert_eq!(cal.locate(d(2024, 4, 16)).week, 11);
        assert_eq!(cal.locate(d(2024, 2, 6)).week, 1);
        assert_eq!(cal.locate(d(2024, 2, 7)).week, 2);
        // A 92-day quarter (Aug–Oct) gives week 1 eight days.
        assert_eq!(cal.locate(d(2024, 8, 8)).week, 1);
        assert_eq!(cal.locate(d(2024, 8, 9)).week, 2);
    }

    #[test]
    fn every_quarter_has_13_weeks_and_the_last_two_are_its_last_14_days() {
        for first_month in 1..=12 {
            let cal = FiscalCalendar::months(first_month);
            let mut date = d(2023, 1, 1);
            while date < d(2026, 1, 1) {
                let here = cal.locate(date);
                assert!((1..=13).contains(&here.week));
                let in_14 = date + chrono::Days::new(14);
                let last_two = cal.locate(in_14).quarter > here.quarter;
                assert_eq!(here.week >= 12, last_two, "{date}, year from {first_month}");
                date = date.succ_opt().unwrap();
            }
        }
    }

    #[test]
    fn a_january_year_is_the_calendar_year() {
        let cal = FiscalCalendar::months(1);
        assert_eq!(
            cal.locate(d(2024, 3, 31)).quarter + 1,
            cal.locate(d(2024, 4, 1)).quarter
        );
        assert_eq!(
            cal.locate(d(2024, 12, 31)).year + 1,
            cal.locate(d(2025, 1, 1)).year
        );
        assert_eq!(cal.locate(d(2024, 12, 31)).week, 13);
    }

    #[test]
    fn the_simulated_calendar_is_the_simulators() {
        let start = d(2024, 1, 1); // a Monday
        let cal = FiscalCalendar::simulated(start);
        let day0 = cal.locate(start);
        for day in 0..(3 * calendar::DAYS_PER_YEAR) {
            let date = date_of_business_day(start, day).unwrap();
            assert_eq!(business_day_of(start, date), day as i64);
            let here = cal.locate(date);
            assert_eq!(here.week, calendar::week_of_quarter(day), "day {day}");
            assert_eq!(
                here.quarter - day0.quarter,
                calendar::quarter_of(day) as i64
            );
            assert_eq!(
                here.week >= 12,
                calendar::in_last_two_weeks(day),
                "day {day}"
            );
        }
        // Five business days are seven calendar days.
        assert_eq!(date_of_business_day(start, 5), Some(d(2024, 1, 8)));
        assert_eq!(date_of_business_day(start, 4), Some(d(2024, 1, 5)));
        // A weekend counts as its week's Friday.
        assert_eq!(business_day_of(start, d(2024, 1, 6)), 4);
    }

    #[test]
    fn months_are_numbers_or_names() {
        assert_eq!(parse_month("2"), Some(2));
        assert_eq!(parse_month("feb"), Some(2));
        assert_eq!(parse_month("February"), Some(2));
        assert_eq!(parse_month("13"), None);
        assert_eq!(parse_month("0"), None);
        assert_eq!(parse_month("Febuary"), None);
    }
}

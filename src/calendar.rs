//! The business-day calendar: 5-day weeks, 13-week quarters, 4-quarter years.
//!
//! Day 0 is the first day of the vendor's first fiscal quarter. Customers' own fiscal years are
//! the same calendar shifted by their offset.

/// Business days in a week.
pub const DAYS_PER_WEEK: u32 = 5;
/// Weeks in a quarter.
pub const WEEKS_PER_QUARTER: u32 = 13;
/// Business days in a quarter.
pub const DAYS_PER_QUARTER: u32 = DAYS_PER_WEEK * WEEKS_PER_QUARTER;
/// Business days in a year.
pub const DAYS_PER_YEAR: u32 = 4 * DAYS_PER_QUARTER;
/// Business days in a (calendar-average) month: 260 / 12, rounded down.
pub const DAYS_PER_MONTH: u32 = 21;

/// A business day, counted from the start of the vendor's first quarter.
pub type Day = u32;

/// Quarter index (0-based) of a day.
pub fn quarter_of(day: Day) -> u32 {
    day / DAYS_PER_QUARTER
}

/// Day within its quarter (0–64).
pub fn day_in_quarter(day: Day) -> u32 {
    day % DAYS_PER_QUARTER
}

/// Week of quarter, 1–13.
///
/// ```
/// use salesim::calendar::week_of_quarter;
/// assert_eq!(week_of_quarter(0), 1); // first day of the first quarter
/// assert_eq!(week_of_quarter(64), 13); // the quarter's last day
/// assert_eq!(week_of_quarter(65), 1); // next quarter
/// ```
pub fn week_of_quarter(day: Day) -> u32 {
    day_in_quarter(day) / DAYS_PER_WEEK + 1
}

/// Business days left in the quarter after this one (0 on the quarter's last day).
pub fn days_left_in_quarter(day: Day) -> u32 {
    DAYS_PER_QUARTER - 1 - day_in_quarter(day)
}

/// First day of the next quarter.
pub fn next_quarter_start(day: Day) -> Day {
    (quarter_of(day) + 1) * DAYS_PER_QUARTER
}

/// Whether the day is in the last two weeks of its quarter (weeks 12–13): the hockey stick.
pub fn in_last_two_weeks(day: Day) -> bool {
    week_of_quarter(day) >= WEEKS_PER_QUARTER - 1
}

/// Month index since day 0, used for the accounts' monthly attention budget.
pub fn month_of(day: Day) -> u32 {
    day / DAYS_PER_MONTH
}

/// Day within an account's own fiscal year (0–259), given its offset.
pub fn day_in_fiscal_year(day: Day, fiscal_offset: u32) -> u32 {
    (day + fiscal_offset) % DAYS_PER_YEAR
}

/// Business days left in an account's own fiscal year after this day.
pub fn days_left_in_fiscal_year(day: Day, fiscal_offset: u32) -> u32 {
    DAYS_PER_YEAR - 1 - day_in_fiscal_year(day, fiscal_offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn week_of_quarter_arithmetic() {
        assert_eq!(week_of_quarter(0), 1);
        assert_eq!(week_of_quarter(4), 1);
        assert_eq!(week_of_quarter(5), 2);
        assert_eq!(week_of_quarter(64), 13);
        assert_eq!(week_of_quarter(65), 1);
        assert_eq!(quarter_of(64), 0);
        assert_eq!(quarter_of(65), 1);
        assert_eq!(days_left_in_quarter(64), 0);
        assert_eq!(days_left_in_quarter(55), 9);
        assert!(in_last_two_weeks(55) && !in_last_two_weeks(54));
        assert_eq!(next_quarter_start(10), 65);
        assert_eq!(next_quarter_start(65), 130);
    }

    #[test]
    fn fiscal_year_wraps_with_offset() {
        assert_eq!(day_in_fiscal_year(0, 250), 250);
        assert_eq!(days_left_in_fiscal_year(0, 250), 9);
        assert_eq!(day_in_fiscal_year(10, 250), 0);
        assert_eq!(days_left_in_fiscal_year(259, 0), 0);
    }
}

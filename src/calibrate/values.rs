//! Cell values of a CRM export: dates in the usual formats (or one `--date-format`), and amounts
//! with currency symbols and thousands separators.
//!
//! Dates are parsed by chrono, format by format; only the choice of formats is salesim's. A date
//! written with its year last (`3/31/2024`, `31.03.2024`) is month first or day first for the
//! whole file: the file's own dates decide ([`day_order_evidence`]), and when none can (every
//! such date has both numbers ≤ 12) the reader is asked for `--date-format` instead of guessing.
//! A date-time keeps the date as written (its time and time zone are dropped). Dates outside
//! 1900–2199 are refused as placeholders or typos.

use chrono::format::{parse, Item, Parsed, StrftimeItems};
use chrono::{Datelike, NaiveDate};

/// Which number comes first in a date written with its year last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DayOrder {
    /// `3/31/2024` (US).
    MonthFirst,
    /// `31/03/2024`.
    DayFirst,
}

/// What one cell says about the file's day order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Evidence {
    /// Only this order makes it a date.
    Only(DayOrder),
    /// Both orders make it a date, and different ones (`3/4/2024`).
    Ambiguous,
}

/// Years a date may have.
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=2199;

/// Examples of the usual formats, for error messages.
pub const USUAL_FORMATS: &str =
    "2024-03-31, 3/31/2024 or 31/03/2024 (one order per file), 31.03.2024, Mar 31, 2024, \
     31 Mar 2024, 2024-03-31T12:00:00Z, 2024-03-31 12:00";

/// Times that may follow a date (dropped).
const TIMES: [&str; 7] = [
    "",
    " %H:%M",
    " %H:%M:%S",
    " %I:%M %p",
    " %I:%M:%S %p",
    ", %I:%M %p",
    " %H:%M:%S%.f",
];

/// Date-time formats with the year first (ISO 8601 and its relatives).
const YEAR_FIRST: [&str; 14] = [
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y.%m.%d",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S%.fZ",
    "%Y-%m-%dT%H:%M:%S%.f%#z",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%MZ",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f %#z",
    "%Y-%m-%d %H:%M:%S%.f %Z",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M %Z",
    "%Y/%m/%d %H:%M",
];

/// Formats with the month's name ("Mar 31, 2024", "March 31, 2024", "31 Mar 2024"); chrono's
/// `%B` and `%A` read full names and abbreviations alike.
const NAMED_MONTH: [&str; 6] = [
    "%B %d, %Y",
    "%B %d %Y",
    "%d %B %Y",
    "%d %B, %Y",
    "%d-%B-%Y",
    "%A, %B %d, %Y",
];

/// Parses dates: the usual formats with the file's day order, or one `--date-format`.
#[derive(Debug, Clone)]
pub struct DateReader {
    /// Formats, each with the written format (for messages) and its parsed items.
    formats: Vec<(String, Vec<Item<'static>>)>,
    /// The `--date-format`, if one was given.
    custom: Option<String>,
}

impl DateReader {
    /// The usual formats; dates with the year last are read in `order` (month first when no
    /// order is known: then no date of the file has two different numbers ≤ 12, and both orders
    /// agree).
    pub fn usual(order: Option<DayOrder>) -> DateReader {
        let (first, second) = match order.unwrap_or(DayOrder::MonthFirst) {
            DayOrder::MonthFirst => ("%m", "%d"),
            DayOrder::DayFirst => ("%d", "%m"),
        };
        let mut written: Vec<String> = YEAR_FIRST.iter().map(|f| f.to_string()).collect();
        for sep in ['/', '.', '-'] {
            for time in TIMES {
                written.push(format!("{first}{sep}{second}{sep}%Y{time}"));
            }
        }
        for named in NAMED_MONTH {
            for time in TIMES {
                written.push(format!("{named}{time}"));
            }
        }
        DateReader {
            formats: written
                .into_iter()
                .map(|f| (f.clone(), items(&f)))
                .collect(),
            custom: None,
        }
    }

    /// One strftime-like format (`--date-format`, chrono's syntax: `%d.%m.%Y`, `%m/%d/%y %H:%M`),
    /// or why it is not one.
    pub fn custom(format: &str) -> Result<DateReader, String> {
        let parsed = items(format);
        if parsed.iter().any(|i| matches!(i, Item::Error)) {
            return Err(format!("`{format}` is not a valid date format"));
        }
        let has_date = [
            "%Y", "%y", "%m", "%d", "%e", "%b", "%B", "%F", "%D", "%x", "%j", "%G",
        ]
        .iter()
        .any(|spec| format.contains(spec));
        if !has_date {
            return Err(format!("`{format}` has no date in it"));
        }
        Ok(DateReader {
            formats: vec![(format.to_string(), parsed)],
            custom: Some(format.to_string()),
        })
    }

    /// The date a cell holds, if one of the formats reads all of it and the year is in
    /// [`YEARS`].
    pub fn parse(&self, text: &str) -> Option<NaiveDate> {
        let text = text.trim();
        self.formats.iter().find_map(|(_, items)| {
            let mut parsed = Parsed::new();
            parse(&mut parsed, text, items.iter()).ok()?;
            let date = parsed.to_naive_date().ok()?;
            YEARS.contains(&date.year()).then_some(date)
        })
    }

    /// What the reader accepts, for error messages.
    pub fn allowed(&self, order: Option<DayOrder>) -> String {
        match (&self.custom, order) {
            (Some(f), _) => format!("a date in --date-format `{f}`, in 1900–2199"),
            (None, Some(DayOrder::DayFirst)) => format!(
                "a date in 1900–2199 such as {USUAL_FORMATS}; this file writes its dates day first"
            ),
            (None, Some(DayOrder::MonthFirst)) => format!(
                "a date in 1900–2199 such as {USUAL_FORMATS}; this file writes its dates month first"
            ),
            (None, None) => {
                format!("a date in 1900–2199 such as {USUAL_FORMATS}, or one --date-format")
            }
        }
    }
}

/// A format's items, owned.
fn items(format: &str) -> Vec<Item<'static>> {
    StrftimeItems::new(format).map(Item::to_owned).collect()
}

/// What a cell says about the day order of the file's year-last dates: `None` when it is not
/// such a date, when both numbers are equal (both orders read the same date), or when neither
/// order makes a date of it.
pub fn day_order_evidence(text: &str) -> Option<Evidence> {
    let date = text.trim().split([' ', 'T', ',']).next()?;
    let sep = date.chars().find(|c| matches!(c, '/' | '.' | '-'))?;
    let parts: Vec<&str> = date.split(sep).collect();
    let [a, b, y] = parts[..] else { return None };
    let numeric = |s: &str, len: std::ops::RangeInclusive<usize>| {
        len.contains(&s.len()) && s.bytes().all(|c| c.is_ascii_digit())
    };
    if !(numeric(a, 1..=2) && numeric(b, 1..=2) && numeric(y, 4..=4)) {
        return None;
    }
    let (a, b, y): (u32, u32, i32) = (a.parse().ok()?, b.parse().ok()?, y.parse().ok()?);
    if a == b {
        return None;
    }
    let month_first = NaiveDate::from_ymd_opt(y, a, b).is_some();
    let day_first = NaiveDate::from_ymd_opt(y, b, a).is_some();
    match (month_first, day_first) {
        (true, true) => Some(Evidence::Ambiguous),
        (true, false) => Some(Evidence::Only(DayOrder::MonthFirst)),
        (false, true) => Some(Evidence::Only(DayOrder::DayFirst)),
        (false, false) => None,
    }
}

/// Why an amount cell is not an amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmountError {
    /// Not a number.
    Unparseable,
    /// A number below zero.
    Negative,
}

/// What an amount cell may hold, for error messages.
pub const AMOUNT_ALLOWED: &str = "an amount of 0 or more, with a decimal point: 1234.56, \
     1,234.56, $1,234.56, USD 1,234.56, 1 234 € (a decimal comma is not read: 1.234,56 could be \
     either)";

/// Currency symbols that may stand before or after an amount.
const CURRENCY_SYMBOLS: [char; 14] = [
    '$', '€', '£', '¥', '₹', '₩', '₽', '₺', '₪', '₫', '฿', '₴', '₦', '₱',
];

/// An amount: `None` for an empty cell. Currency symbols and codes (`$`, `€`, `USD`, `US$`)
/// before or after the number, spaces and apostrophes, and commas between groups of three digits
/// are dropped; the decimal separator is a point. A minus sign, or parentheses around the amount
/// (accountants' negative), make it negative.
pub fn parse_amount(text: &str) -> Result<Option<f64>, AmountError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let mut body = text;
    let mut negative = false;
    if let Some(inner) = body.strip_prefix('(').and_then(|b| b.strip_suffix(')')) {
        negative = true;
        body = inner;
    }
    // Currency and signs around the number, in any order: "-$1", "$-1", "USD 1", "1 €".
    let decoration = |c: char| {
        c.is_ascii_alphabetic()
            || CURRENCY_SYMBOLS.contains(&c)
            || c.is_whitespace()
            || matches!(c, '-' | '−' | '+')
    };
    let start = body.find(|c: char| !decoration(c)).unwrap_or(body.len());
    let end = body.rfind(|c: char| !decoration(c)).map_or(start, |i| {
        i + body[i..].chars().next().map_or(1, char::len_utf8)
    });
    if start >= end {
        return Err(AmountError::Unparseable);
    }
    let (before, number, after) = (&body[..start], &body[start..end], &body[end..]);
    // A minus joined to letters (`opp-1`, `Q-101`, `1-A`) is part of an identifier, not the
    // sign of an amount: such a cell is not an amount at all.
    let minus = |c: char| matches!(c, '-' | '−');
    let glued = |part: &str| {
        part.chars().zip(part.chars().skip(1)).any(|(a, b)| {
            (a.is_ascii_alphabetic() && minus(b)) || (minus(a) && b.is_ascii_alphabetic())
        })
    };
    if glued(before) || glued(after) {
        return Err(AmountError::Unparseable);
    }
    for part in [before, after] {
        let letters: String = part.chars().filter(|c| c.is_ascii_alphabetic()).collect();
        if letters.len() > 3 {
            return Err(AmountError::Unparseable);
        }
        let minus = part.chars().filter(|c| matches!(c, '-' | '−')).count();
        if minus > 1 || (minus == 1 && negative) {
            return Err(AmountError::Unparseable);
        }
        negative |= minus == 1;
    }
    let digits: String = number
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '\u{2009}' | '\'' | '’'))
        .collect();
    let (int, frac) = digits.split_once('.').unwrap_or((&digits, ""));
    let all_digits = |s: &str| s.bytes().all(|c| c.is_ascii_digit());
    let int_ok = if int.contains(',') {
        let groups: Vec<&str> = int.split(',').collect();
        (1..=3).contains(&groups[0].len())
            && all_digits(groups[0])
            && groups[1..].iter().all(|g| g.len() == 3 && all_digits(g))
    } else {
        all_digits(int)
    };
    if !int_ok || !all_digits(frac) || (int.is_empty() && frac.is_empty()) {
        return Err(AmountError::Unparseable);
    }
    let value: f64 = format!("{}.{}", int.replace(',', ""), frac)
        .trim_end_matches('.')
        .parse()
        .map_err(|_| AmountError::Unparseable)?;
    if !value.is_finite() {
        return Err(AmountError::Unparseable);
    }
    if negative && value > 0.0 {
        return Err(AmountError::Negative);
    }
    Ok(Some(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, day)
    }

    #[test]
    fn the_usual_date_formats_are_read() {
        let us = DateReader::usual(Some(DayOrder::MonthFirst));
        let eu = DateReader::usual(Some(DayOrder::DayFirst));
        let march31 = d(2024, 3, 31);
        for text in [
            "2024-03-31",
            " 2024-03-31 ",
            "2024/03/31",
            "2024-03-31T12:00:00Z",
            "2024-03-31T12:00:00.000Z",
            "2024-03-31T23:30:00-08:00",
            "2024-03-31T23:30:00+0100",
            "2024-03-31T12:00:00",
            "2024-03-31 12:00",
            "2024-03-31 12:00:05",
            "2024-03-31 12:00 UTC",
            "Mar 31, 2024",
            "March 31, 2024",
            "31 Mar 2024",
            "31-Mar-2024",
            "Sunday, March 31, 2024",
            "Mar 31, 2024 10:15 AM",
        ] {
            assert_eq!(us.parse(text), march31, "{text}");
            assert_eq!(eu.parse(text), march31, "{text}");
        }
        for text in [
            "3/31/2024",
            "03/31/2024",
            "3/31/2024 10:15 AM",
            "3/31/2024 14:00",
        ] {
            assert_eq!(us.parse(text), march31, "{text}");
            assert_eq!(eu.parse(text), None, "{text}");
        }
        for text in ["31/03/2024", "31.03.2024", "31-03-2024 14:00"] {
            assert_eq!(eu.parse(text), march31, "{text}");
            assert_eq!(us.parse(text), None, "{text}");
        }
        assert_eq!(us.parse("4/3/2024"), d(2024, 4, 3));
        assert_eq!(eu.parse("4/3/2024"), d(2024, 3, 4));
    }

    #[test]
    fn non_dates_and_placeholder_years_are_refused() {
        let r = DateReader::usual(None);
        for text in [
            "",
            "yesterday",
            "2024-13-01",
            "2024-02-30",
            "2024-03-31 garbage",
            "1/1/1899",
            "9999-12-31",
            "0001-01-01",
            "31/31/2024",
        ] {
            assert_eq!(r.parse(text), None, "{text}");
        }
    }

    #[test]
    fn a_date_format_is_checked_and_used_alone() {
        let r = DateReader::custom("%d.%m.%y").unwrap();
        assert_eq!(r.parse("31.03.24"), d(2024, 3, 31));
        assert_eq!(r.parse("2024-03-31"), None);
        assert!(DateReader::custom("%Q").is_err());
        assert!(DateReader::custom("%H:%M").is_err());
        let r = DateReader::custom("%Y%m%d").unwrap();
        assert_eq!(r.parse("20240331"), d(2024, 3, 31));
    }

    #[test]
    fn the_day_order_comes_from_dates_only_one_order_can_read() {
        use Evidence::*;
        assert_eq!(
            day_order_evidence("31/03/2024"),
            Some(Only(DayOrder::DayFirst))
        );
        assert_eq!(
            day_order_evidence("3/31/2024 10:15 AM"),
            Some(Only(DayOrder::MonthFirst))
        );
        assert_eq!(day_order_evidence("3/4/2024"), Some(Ambiguous));
        assert_eq!(day_order_evidence("4/4/2024"), None);
        assert_eq!(day_order_evidence("2024-03-04"), None);
        assert_eq!(day_order_evidence("31/31/2024"), None);
        assert_eq!(day_order_evidence("Mar 3, 2024"), None);
    }

    #[test]
    fn amounts_drop_currency_and_thousands_separators() {
        let ok = |t: &str| parse_amount(t).unwrap().unwrap();
        assert_eq!(ok("1234.56"), 1234.56);
        assert_eq!(ok("1,234.56"), 1234.56);
        assert_eq!(ok("$1,234,567"), 1_234_567.0);
        assert_eq!(ok("USD 1,234.50"), 1234.5);
        assert_eq!(ok("US$ 12"), 12.0);
        assert_eq!(ok("1 234 €"), 1234.0);
        assert_eq!(ok("1'234.5"), 1234.5);
        assert_eq!(ok("0"), 0.0);
        assert_eq!(ok(".5"), 0.5);
        assert_eq!(ok("-0"), 0.0);
        assert_eq!(parse_amount("  "), Ok(None));
        for bad in [
            "1,23",
            "12,34.5",
            "abc",
            "1.2.3",
            "$",
            "1e5",
            "NaN",
            "inf",
            "1,2345",
            "12 apples",
            "--5",
            "opp-1",
            "OPP-12",
            "Q-101",
            "1-A",
        ] {
            assert_eq!(parse_amount(bad), Err(AmountError::Unparseable), "{bad}");
        }
        for neg in [
            "-5", "−5", "-$1,000", "$-1,000", "($1,000)", "(12.50)", "5-",
        ] {
            assert_eq!(parse_amount(neg), Err(AmountError::Negative), "{neg}");
        }
    }
}

//! Reading a CRM opportunity export into [`Opportunity`] records, reporting bad data instead of
//! guessing at it.
//!
//! The file: CSV (the `csv` crate), comma-, semicolon- or tab-separated (whichever the header
//! line has most of), with or without a UTF-8 byte-order mark, quoted fields, blank lines and
//! rows of empty cells anywhere (skipped), and a Salesforce report's footer (a one-cell row
//! beginning `Grand Totals`, `Confidential Information` or `Copyright`, and the one-cell rows
//! after it) left out. At most [`MAX_EXPORT_BYTES`].
//!
//! The columns: a [`Layout`] recognised from the header names, the columns named like the fields
//! themselves, and `--map FIELD=COLUMN`, which overrides both.
//!
//! Each row becomes an opportunity or a [`BadRow`] of one [`BadRowKind`] (the first problem
//! found, checked in the order of [`BadRowKind`]). Bad rows stop the command (exit 2) with
//! counts per kind and the first lines of each, unless `--skip-bad-rows` leaves them out (the
//! [`Export`] says how many of each). An open opportunity's close date is its *expected* close
//! date in both Salesforce and HubSpot: it is not read. A closed opportunity needs a close date
//! on or after its created date; a won one needs an amount.
//!
//! Outcome values: the layout's won and lost values ([`Layout::outcomes`]), plus `--won`,
//! `--lost`, `--no-decision` and `--open VALUE` (matched ignoring case and runs of spaces). Any
//! other value is an open stage, unless it looks like a closed one (contains `closed`, or the
//! word `won`, `lost`, `win` or `loss`): reading such a value as open would be a guess, so it is
//! an unknown outcome. A lost opportunity is split into lost-to-competitor and no-decision by its
//! loss-reason column where there is one ([`super::layout::split_loss`]); otherwise the split is
//! unknown ([`Outcome::Lost`]).

use super::layout::{looks_closed, normalized, same_name, split_loss, Field, Layout, FIELD_NAMES};
use super::values::{
    day_order_evidence, parse_amount, AmountError, DateReader, DayOrder, Evidence, AMOUNT_ALLOWED,
};
use super::{Opportunity, Outcome};
use crate::error::{InputError, SalesimError};
use crate::suggest::did_you_mean;
use chrono::NaiveDate;
use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::Path;

/// Largest export read, in bytes (1 GiB: some five million opportunities).
pub const MAX_EXPORT_BYTES: u64 = 1 << 30;

/// Bad rows of one kind listed by line in a message.
const LINES_SHOWN: usize = 5;
/// Bad rows of one kind described in full in a message.
const EXAMPLES_SHOWN: usize = 3;
/// Longest cell value quoted in a message, in characters.
const VALUE_SHOWN: usize = 40;

/// How to read an export: the command line's `--map`, outcome values, `--date-format` and
/// `--skip-bad-rows`.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// `--map FIELD=COLUMN`, as typed.
    pub map: Vec<String>,
    /// `--won VALUE`: more outcome values that mean won.
    pub won: Vec<String>,
    /// `--lost VALUE`: more outcome values that mean lost (split unknown unless a loss reason
    /// says).
    pub lost: Vec<String>,
    /// `--no-decision VALUE`: outcome values that mean closed with no decision.
    pub no_decision: Vec<String>,
    /// `--open VALUE`: outcome values that mean open although they look closed.
    pub open: Vec<String>,
    /// `--date-format`: one strftime-like format for every date.
    pub date_format: Option<String>,
    /// `--skip-bad-rows`: leave bad rows out (and say how many) instead of stopping.
    pub skip_bad_rows: bool,
}

/// A kind of bad row, in the order rows are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BadRowKind {
    /// Not as many cells as the header, or not UTF-8 text.
    MalformedRow,
    /// An opportunity's id used by an earlier row.
    DuplicateId,
    /// A required cell is empty.
    MissingValue,
    /// An outcome value that looks closed but is none of the known ones.
    UnknownOutcome,
    /// A date no format reads.
    UnparseableDate,
    /// Closed before it was created.
    CloseBeforeCreate,
    /// An amount that is not a number.
    UnparseableAmount,
    /// An amount below zero.
    NegativeAmount,
}

impl BadRowKind {
    /// Every kind, in order.
    pub const ALL: [BadRowKind; 8] = [
        BadRowKind::MalformedRow,
        BadRowKind::DuplicateId,
        BadRowKind::MissingValue,
        BadRowKind::UnknownOutcome,
        BadRowKind::UnparseableDate,
        BadRowKind::CloseBeforeCreate,
        BadRowKind::UnparseableAmount,
        BadRowKind::NegativeAmount,
    ];

    /// The kind in words ("unparseable date"), as messages name it.
    pub fn name(self) -> &'static str {
        match self {
            BadRowKind::MalformedRow => "malformed row",
            BadRowKind::DuplicateId => "duplicate id",
            BadRowKind::MissingValue => "missing value",
            BadRowKind::UnknownOutcome => "unknown outcome",
            BadRowKind::UnparseableDate => "unparseable date",
            BadRowKind::CloseBeforeCreate => "close before create",
            BadRowKind::UnparseableAmount => "unparseable amount",
            BadRowKind::NegativeAmount => "negative amount",
        }
    }

    /// "1 unparseable date", "3 unparseable dates".
    fn count(self, n: usize) -> String {
        let name = self.name();
        match (n, name.split_once(' ')) {
            (1, _) => format!("1 {name}"),
            // "close before create": the count is of rows.
            (_, _) if self == BadRowKind::CloseBeforeCreate => format!("{n} closes before create"),
            (_, Some((a, b))) => format!("{n} {a} {b}s"),
            (_, None) => format!("{n} {name}s"),
        }
    }
}

/// One bad row: where, what, and what would be allowed.
#[derive(Debug, Clone, PartialEq)]
pub struct BadRow {
    /// 1-based line of the file where the row starts.
    pub line: usize,
    /// Its kind.
    pub kind: BadRowKind,
    /// The column (as the file names it), where one cell is at fault.
    pub column: Option<String>,
    /// What is wrong, quoting the cell.
    pub problem: String,
    /// What the cell may hold.
    pub allowed: String,
}

impl BadRow {
    /// "line 4, column `Close Date`: `2024-13-01` is not a date (allowed: …)".
    fn describe(&self) -> String {
        let column = self
            .column
            .as_ref()
            .map_or_else(String::new, |c| format!(", column `{c}`"));
        format!(
            "line {}{column}: {} (allowed: {})",
            self.line, self.problem, self.allowed
        )
    }
}

/// Bad rows, counted per kind, with the first lines and descriptions of each kind.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BadRows {
    /// Rows per kind.
    pub counts: BTreeMap<BadRowKind, usize>,
    /// The first rows of each kind ([`EXAMPLES_SHOWN`] … [`LINES_SHOWN`] of them), in file
    /// order.
    pub first: Vec<BadRow>,
}

impl BadRows {
    fn add(&mut self, row: BadRow) {
        let n = self.counts.entry(row.kind).or_insert(0);
        *n += 1;
        if *n <= LINES_SHOWN {
            self.first.push(row);
        }
    }

    /// Bad rows in all.
    pub fn total(&self) -> usize {
        self.counts.values().sum()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    /// The first lines of one kind.
    pub fn lines(&self, kind: BadRowKind) -> Vec<usize> {
        self.first
            .iter()
            .filter(|r| r.kind == kind)
            .map(|r| r.line)
            .collect()
    }

    /// "2 unparseable dates (lines 4, 9), 1 duplicate id (line 7)".
    pub fn summary(&self) -> String {
        self.counts
            .iter()
            .map(|(&kind, &n)| {
                let lines = self.lines(kind);
                let more = if n > lines.len() { ", …" } else { "" };
                let list = lines
                    .iter()
                    .map(usize::to_string)
                    .collect::<Vec<_>>()
                    .join(", ");
                let word = if lines.len() == 1 { "line" } else { "lines" };
                format!("{} ({word} {list}{more})", kind.count(n))
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The first rows of each kind described, one per line, indented.
    fn details(&self) -> String {
        let mut out = String::new();
        for kind in self.counts.keys() {
            for row in self
                .first
                .iter()
                .filter(|r| r.kind == *kind)
                .take(EXAMPLES_SHOWN)
            {
                out.push_str("\n  ");
                out.push_str(&row.describe());
            }
        }
        out
    }
}

/// An outcome value of the export and what it was read as.
#[derive(Debug, Clone, PartialEq)]
pub struct OutcomeValue {
    /// The value as written (its first spelling).
    pub value: String,
    /// What it means.
    pub outcome: Outcome,
    /// Rows with it (good rows only).
    pub rows: usize,
}

/// A CRM export read and checked.
#[derive(Debug, Clone)]
pub struct Export {
    /// The file, as named on the command line.
    pub origin: String,
    /// The layout recognised.
    pub layout: Layout,
    /// The column each field was read from, as the file names it.
    pub columns: Vec<(Field, String)>,
    /// The opportunities, in file order.
    pub opportunities: Vec<Opportunity>,
    /// Data rows in the file (blank rows and a report footer not counted).
    pub rows: usize,
    /// Rows left out by `--skip-bad-rows` (empty otherwise: bad rows stop the read).
    pub skipped: BadRows,
    /// Rows of a Salesforce report footer left out.
    pub footer_rows: usize,
    /// The outcome values seen in good rows, most frequent first.
    pub outcome_values: Vec<OutcomeValue>,
    /// How dates were read, in words.
    pub dates: String,
}

impl Export {
    /// The column a field was read from, if any.
    pub fn column(&self, field: Field) -> Option<&str> {
        self.columns
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, c)| c.as_str())
    }
}

/// Reads and checks a CRM export file (see the module documentation).
pub fn read(path: &Path, options: &ReadOptions) -> Result<Export, SalesimError> {
    let origin = path.display().to_string();
    let allowed = "a CRM opportunity export: a CSV file";
    if path.is_dir() {
        return Err(InputError::file(&origin, "is a directory", allowed).into());
    }
    if path.exists() && !path.is_file() {
        return Err(InputError::file(&origin, "is not a regular file", allowed).into());
    }
    let too_large = || {
        InputError::file(
            &origin,
            "is too large to read",
            &format!("an export of at most {} MiB", MAX_EXPORT_BYTES >> 20),
        )
    };
    if path.metadata().is_ok_and(|m| m.len() > MAX_EXPORT_BYTES) {
        return Err(too_large().into());
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_EXPORT_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| InputError::file(&origin, &format!("cannot be read ({e})"), allowed))?;
    if bytes.len() as u64 > MAX_EXPORT_BYTES {
        return Err(too_large().into());
    }
    Ok(parse(&origin, &bytes, options)?)
}

/// One data row: its line and cells (text), before checking.
struct RawRow {
    line: usize,
    cells: Result<Vec<String>, BadRow>,
}

/// Reads and checks an export's bytes; `origin` names it in messages. Never panics, whatever
/// the bytes.
pub fn parse(origin: &str, bytes: &[u8], options: &ReadOptions) -> Result<Export, InputError> {
    let decoded = text_bytes(origin, bytes)?;
    let bytes: &[u8] = &decoded;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter(bytes))
        .from_reader(bytes);
    let mut records = Vec::new();
    for record in reader.byte_records() {
        let record = record.map_err(|e| {
            let line = e.position().map(|p| p.line() as usize);
            InputError::at(
                origin,
                line,
                None,
                &format!("is not readable CSV ({e})"),
                "CSV",
            )
        })?;
        let line = record.position().map_or(0, |p| p.line() as usize);
        if record
            .iter()
            .all(|cell| cell.iter().all(u8::is_ascii_whitespace))
        {
            continue; // a blank row
        }
        records.push((line, record));
    }
    let mut records = records.into_iter();
    let Some((header_line, header)) = records.next() else {
        return Err(InputError::file(
            origin,
            "is empty",
            "a CRM opportunity export: a header row, then one row per opportunity",
        ));
    };
    let headers: Vec<String> = header
        .iter()
        .map(|cell| std::str::from_utf8(cell).map(|s| s.trim().to_string()))
        .collect::<Result<_, _>>()
        .map_err(|_| {
            InputError::at(
                origin,
                Some(header_line),
                None,
                "the header row is not UTF-8 text",
                "a CSV file saved as UTF-8 (in Excel: CSV UTF-8)",
            )
        })?;
    let layout = Layout::detect(&headers);
    let columns = resolve_columns(origin, header_line, &headers, layout, &options.map)?;
    let mut rows: Vec<(usize, csv::ByteRecord)> = records.collect();
    let footer_rows = footer_len(&rows);
    rows.truncate(rows.len() - footer_rows);
    if rows.is_empty() {
        return Err(InputError::file(
            origin,
            "has a header row but no opportunities",
            "one row per opportunity after the header row",
        ));
    }
    let raw: Vec<RawRow> = rows
        .iter()
        .map(|(line, record)| RawRow {
            line: *line,
            cells: cells(*line, record, headers.len()),
        })
        .collect();
    let (dates, order) = date_reader(origin, &raw, &columns, &headers, options)?;
    let outcomes = outcome_table(layout, options)?;
    let mut bad = BadRows::default();
    let mut opportunities = Vec::with_capacity(raw.len());
    let mut seen_ids: HashMap<String, usize> = HashMap::new();
    let mut values: BTreeMap<String, OutcomeValue> = BTreeMap::new();
    let check = Checker {
        columns: &columns,
        headers: &headers,
        outcomes: &outcomes,
        dates: &dates,
        order,
    };
    for row in &raw {
        match check.row(row, &mut seen_ids) {
            Ok((opportunity, value, meaning)) => {
                values
                    .entry(normalized(&value))
                    .or_insert_with(|| OutcomeValue {
                        value,
                        outcome: meaning,
                        rows: 0,
                    })
                    .rows += 1;
                opportunities.push(opportunity);
            }
            Err(b) => bad.add(b),
        }
    }
    if !bad.is_empty() && !options.skip_bad_rows {
        let first = bad.first.iter().map(|r| r.line).min();
        return Err(InputError::at(
            origin,
            first,
            None,
            &format!(
                "{} bad row{} of {}: {}{}\n  Nothing was written",
                bad.total(),
                if bad.total() == 1 { "" } else { "s" },
                raw.len(),
                bad.summary(),
                bad.details(),
            ),
            "rows fixed in the export, or --skip-bad-rows to leave every bad row out (calibrate \
             then says how many of each kind it left out)",
        ));
    }
    let mut outcome_values: Vec<OutcomeValue> = values.into_values().collect();
    outcome_values.sort_by(|a, b| b.rows.cmp(&a.rows).then(a.value.cmp(&b.value)));
    let column_of = |f: Field| columns.get(&f).map(|&i| headers[i].clone());
    if !opportunities.iter().any(|o| o.outcome == Outcome::Won) {
        let seen = outcome_values
            .iter()
            .take(10)
            .map(|v| {
                let rows = if v.rows == 1 { "row" } else { "rows" };
                format!("`{}` ({}, {} {rows})", v.value, v.outcome.name(), v.rows)
            })
            .collect::<Vec<_>>()
            .join(", ");
        let skipped = if bad.is_empty() {
            String::new()
        } else {
            format!(" ({} bad rows left out)", bad.total())
        };
        return Err(InputError::at(
            origin,
            None,
            None,
            &format!(
                "no won opportunity among {} rows{skipped}: nothing to measure deals by; \
                 outcome values in column `{}`: {}",
                raw.len(),
                column_of(Field::Outcome).unwrap_or_default(),
                if seen.is_empty() { "none" } else { &seen },
            ),
            &format!(
                "an export with won opportunities; if they are there under another name, \
                 --won VALUE names it (this layout's won values: {})",
                won_values(layout)
            ),
        ));
    }
    Ok(Export {
        origin: origin.to_string(),
        layout,
        columns: Field::ALL
            .into_iter()
            .filter_map(|f| column_of(f).map(|c| (f, c)))
            .collect(),
        opportunities,
        rows: raw.len(),
        skipped: bad,
        footer_rows,
        outcome_values,
        dates: match (&options.date_format, order) {
            (Some(f), _) => format!("--date-format {f}"),
            (None, Some(DayOrder::DayFirst)) => "the usual formats, day first".into(),
            (None, Some(DayOrder::MonthFirst)) => "the usual formats, month first".into(),
            (None, None) => "the usual formats".into(),
        },
    })
}

/// The won values of a layout, for messages.
fn won_values(layout: Layout) -> String {
    layout
        .outcomes()
        .iter()
        .filter(|(_, o)| *o == Outcome::Won)
        .map(|(v, _)| format!("`{v}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The export's bytes as UTF-8 text: a UTF-8 byte-order mark is dropped, and a UTF-16 file
/// (Excel's "Unicode Text", some CRMs' exports), recognised by its byte-order mark, is decoded
/// (a unit that is not UTF-16 becomes U+FFFD, and its cell a bad value). A file with NUL bytes
/// and no mark is UTF-16 (or binary) that cannot be read safely: refused, saying how to save it.
fn text_bytes<'a>(origin: &str, bytes: &'a [u8]) -> Result<std::borrow::Cow<'a, [u8]>, InputError> {
    use std::borrow::Cow;
    let utf16 = |body: &[u8], unit: fn([u8; 2]) -> u16| -> Cow<'a, [u8]> {
        let units = body
            .chunks(2)
            .map(|p| unit([p[0], p.get(1).copied().unwrap_or(0)]));
        let text: String = char::decode_utf16(units)
            .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect();
        Cow::Owned(text.into_bytes())
    };
    if let Some(body) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return Ok(Cow::Borrowed(body));
    }
    if let Some(body) = bytes.strip_prefix(b"\xFF\xFE") {
        return Ok(utf16(body, u16::from_le_bytes));
    }
    if let Some(body) = bytes.strip_prefix(b"\xFE\xFF") {
        return Ok(utf16(body, u16::from_be_bytes));
    }
    let head = &bytes[..bytes.len().min(4096)];
    if head.contains(&0) {
        return Err(InputError::file(
            origin,
            "holds NUL bytes: it looks like UTF-16 text without a byte-order mark, or not text",
            "a CSV file saved as UTF-8 (in Excel: CSV UTF-8), or UTF-16 with its byte-order mark",
        ));
    }
    Ok(Cow::Borrowed(bytes))
}

/// The delimiter of the header line: comma, semicolon or tab, whichever it has most of (comma
/// on a tie).
fn delimiter(bytes: &[u8]) -> u8 {
    let first_line = bytes.split(|&b| b == b'\n').next().unwrap_or(&[]);
    let count = |d: u8| first_line.iter().filter(|&&b| b == d).count();
    [b';', b'\t'].into_iter().fold(
        b',',
        |best, d| if count(d) > count(best) { d } else { best },
    )
}

/// Rows at the end that are a Salesforce report's footer: from a one-cell row beginning `Grand
/// Totals`, `Confidential Information` or `Copyright`, every row to the end has one cell.
fn footer_len(rows: &[(usize, csv::ByteRecord)]) -> usize {
    let starts_footer = |r: &csv::ByteRecord| {
        r.len() == 1 && {
            let text = String::from_utf8_lossy(&r[0]).trim().to_lowercase();
            ["grand totals", "confidential information", "copyright"]
                .iter()
                .any(|p| text.starts_with(p))
        }
    };
    let tail = rows.iter().rev().take_while(|(_, r)| r.len() == 1).count();
    let tail_start = rows.len() - tail;
    rows[tail_start..]
        .iter()
        .position(|(_, r)| starts_footer(r))
        .map_or(0, |i| tail - i)
}

/// A row's cells as text, or why it is malformed.
fn cells(line: usize, record: &csv::ByteRecord, width: usize) -> Result<Vec<String>, BadRow> {
    if record.len() != width {
        return Err(BadRow {
            line,
            kind: BadRowKind::MalformedRow,
            column: None,
            problem: format!(
                "the row has {} cell{}, the header {width}",
                record.len(),
                if record.len() == 1 { "" } else { "s" }
            ),
            allowed: format!("{width} cells, as many as the header has"),
        });
    }
    record
        .iter()
        .map(|cell| std::str::from_utf8(cell).map(|s| s.trim().to_string()))
        .collect::<Result<_, _>>()
        .map_err(|_| BadRow {
            line,
            kind: BadRowKind::MalformedRow,
            column: None,
            problem: "the row is not UTF-8 text".into(),
            allowed: "a CSV file saved as UTF-8 (in Excel: CSV UTF-8)".into(),
        })
}

/// The column index of every field found: `--map` first, then the layout's names.
fn resolve_columns(
    origin: &str,
    header_line: usize,
    headers: &[String],
    layout: Layout,
    map: &[String],
) -> Result<HashMap<Field, usize>, InputError> {
    let fields = FIELD_NAMES.join(", ");
    let mut mapped: HashMap<Field, usize> = HashMap::new();
    for given in map {
        let flag = format!("--map {given}");
        let Some((field, column)) = given.split_once('=') else {
            return Err(InputError::at(
                &flag,
                None,
                None,
                "is not FIELD=COLUMN",
                &format!("FIELD=COLUMN, with FIELD one of {fields}"),
            ));
        };
        let (field_name, column) = (field.trim(), column.trim());
        let Some(field) = Field::from_name(field_name) else {
            return Err(InputError::at(
                &flag,
                None,
                None,
                &format!(
                    "unknown field `{field_name}`{}",
                    did_you_mean(field_name, &FIELD_NAMES)
                ),
                &format!("one of {fields}"),
            ));
        };
        if mapped.contains_key(&field) {
            return Err(InputError::at(
                &flag,
                None,
                None,
                &format!("field `{field_name}` is mapped twice"),
                "one --map per field",
            ));
        }
        let index = find_column(origin, header_line, headers, column)?.ok_or_else(|| {
            InputError::at(
                &flag,
                None,
                None,
                &format!(
                    "{origin} has no column `{column}`{}",
                    did_you_mean(column, headers)
                ),
                &format!("one of the file's columns: {}", quoted_list(headers)),
            )
        })?;
        mapped.insert(field, index);
    }
    let mut columns = HashMap::new();
    let mut missing = Vec::new();
    for field in Field::ALL {
        let found = match mapped.get(&field) {
            Some(&i) => Some(i),
            None => layout
                .columns(field)
                .iter()
                .find_map(|name| find_column(origin, header_line, headers, name).transpose())
                .transpose()?,
        };
        match found {
            Some(i) => {
                columns.insert(field, i);
            }
            None if Field::REQUIRED.contains(&field) => missing.push(field),
            None => {}
        }
    }
    if missing.is_empty() {
        return Ok(columns);
    }
    let looked_for = missing
        .iter()
        .map(|&f| {
            let names = layout.columns(f);
            if names.is_empty() {
                f.name().to_string()
            } else {
                format!("{} (looked for {})", f.name(), quoted_list(names))
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    let hint = match (layout, missing.contains(&Field::Id)) {
        (Layout::Salesforce, true) => "; add the Opportunity ID column to the report",
        _ => "",
    };
    Err(InputError::at(
        origin,
        Some(header_line),
        None,
        &format!(
            "a {} without the column{} for {looked_for}{hint}",
            layout.name(),
            if missing.len() == 1 { "" } else { "s" }
        ),
        &format!(
            "--map FIELD=COLUMN for each (the fields: {fields}); the file's columns: {}",
            quoted_list(headers)
        ),
    ))
}

/// The index of a column, matched ignoring case and runs of spaces; an error if two columns have
/// that name.
fn find_column(
    origin: &str,
    header_line: usize,
    headers: &[String],
    name: &str,
) -> Result<Option<usize>, InputError> {
    let hits: Vec<usize> = (0..headers.len())
        .filter(|&i| same_name(&headers[i], name))
        .collect();
    match hits[..] {
        [] => Ok(None),
        [i] => Ok(Some(i)),
        [a, b, ..] => Err(InputError::at(
            origin,
            Some(header_line),
            None,
            &format!(
                "two columns are named `{}` (columns {} and {})",
                headers[a],
                a + 1,
                b + 1
            ),
            "column names that differ (rename one in the export)",
        )),
    }
}

/// "`A`, `B`, `C`" (at most 40 names).
fn quoted_list<S: AsRef<str>>(names: &[S]) -> String {
    let mut list: Vec<String> = names
        .iter()
        .take(40)
        .map(|n| format!("`{}`", crate::shown::one_line(n.as_ref())))
        .collect();
    if names.len() > 40 {
        list.push(format!("and {} more", names.len() - 40));
    }
    list.join(", ")
}

/// How dates are read: `--date-format`, or the usual formats in the day order the file's dates
/// show. Two orders in one file, or only ambiguous year-last dates, are errors.
fn date_reader(
    origin: &str,
    raw: &[RawRow],
    columns: &HashMap<Field, usize>,
    headers: &[String],
    options: &ReadOptions,
) -> Result<(DateReader, Option<DayOrder>), InputError> {
    if let Some(format) = &options.date_format {
        let reader = DateReader::custom(format).map_err(|problem| {
            InputError::at(
                &format!("--date-format {format}"),
                None,
                None,
                &problem,
                "a chrono strftime format with a date, e.g. %d.%m.%Y, %m/%d/%y or %Y%m%d",
            )
        })?;
        return Ok((reader, None));
    }
    let mut first: HashMap<Evidence, (usize, String, usize)> = HashMap::new();
    for row in raw {
        let Ok(cells) = &row.cells else { continue };
        for field in [Field::Created, Field::Closed] {
            let Some(&i) = columns.get(&field) else {
                continue;
            };
            if let Some(e) = day_order_evidence(&cells[i]) {
                first
                    .entry(e)
                    .or_insert_with(|| (row.line, cells[i].clone(), i));
            }
        }
    }
    let day_first = first.get(&Evidence::Only(DayOrder::DayFirst));
    let month_first = first.get(&Evidence::Only(DayOrder::MonthFirst));
    let order =
        match (day_first, month_first) {
            (Some(d), Some(m)) => return Err(InputError::at(
                origin,
                Some(d.0.max(m.0)),
                None,
                &format!(
                    "dates are written both day first (line {}, column `{}`: `{}`) and month \
                     first (line {}, column `{}`: `{}`)",
                    d.0, headers[d.2], d.1, m.0, headers[m.2], m.1
                ),
                "one order in the whole file, or --date-format naming it (%d/%m/%Y or %m/%d/%Y)",
            )),
            (Some(_), None) => Some(DayOrder::DayFirst),
            (None, Some(_)) => Some(DayOrder::MonthFirst),
            (None, None) => {
                if let Some((line, text, i)) = first.get(&Evidence::Ambiguous) {
                    return Err(InputError::at(
                    origin,
                    Some(*line),
                    None,
                    &format!(
                        "column `{}`: `{text}` could be month/day or day/month, and no date in \
                         the file tells which",
                        headers[*i]
                    ),
                    "--date-format %m/%d/%Y (month first) or --date-format %d/%m/%Y (day first)",
                ));
                }
                None
            }
        };
    Ok((DateReader::usual(order), order))
}

/// Outcome values (normalized) and what they mean: the layout's, then the command line's.
fn outcome_table(
    layout: Layout,
    options: &ReadOptions,
) -> Result<HashMap<String, Outcome>, InputError> {
    let mut table: HashMap<String, Outcome> = layout
        .outcomes()
        .iter()
        .map(|(v, o)| (normalized(v), *o))
        .collect();
    let given = [
        ("--won", &options.won, Outcome::Won),
        ("--lost", &options.lost, Outcome::Lost),
        ("--no-decision", &options.no_decision, Outcome::NoDecision),
        ("--open", &options.open, Outcome::Open),
    ];
    let mut named: HashMap<String, &str> = HashMap::new();
    for (flag, values, outcome) in given {
        for value in values.iter() {
            let key = normalized(value);
            if key.is_empty() {
                return Err(InputError::at(
                    &format!("{flag} {value}"),
                    None,
                    None,
                    "is empty",
                    "an outcome value of the export",
                ));
            }
            if let Some(other) = named.insert(key.clone(), flag).filter(|f| *f != flag) {
                return Err(InputError::at(
                    &format!("{flag} {value}"),
                    None,
                    None,
                    &format!("`{value}` is also given with {other}"),
                    "each outcome value with one of --won, --lost, --no-decision, --open",
                ));
            }
            table.insert(key, outcome);
        }
    }
    Ok(table)
}

/// What rows are checked against.
struct Checker<'a> {
    columns: &'a HashMap<Field, usize>,
    headers: &'a [String],
    outcomes: &'a HashMap<String, Outcome>,
    dates: &'a DateReader,
    order: Option<DayOrder>,
}

impl Checker<'_> {
    /// A row as an opportunity, with its outcome value as written and what that value means
    /// (before a loss reason splits it), or the row's first problem.
    fn row(
        &self,
        row: &RawRow,
        seen_ids: &mut HashMap<String, usize>,
    ) -> Result<(Opportunity, String, Outcome), BadRow> {
        let line = row.line;
        let cells = row.cells.as_ref().map_err(Clone::clone)?;
        let cell = |f: Field| self.columns.get(&f).map(|&i| cells[i].as_str());
        let column = |f: Field| self.columns.get(&f).map(|&i| self.headers[i].clone());
        let bad = |f: Field, kind, problem: String, allowed: String| BadRow {
            line,
            kind,
            column: column(f),
            problem,
            allowed,
        };
        let missing = |f: Field, what: &str| {
            bad(
                f,
                BadRowKind::MissingValue,
                format!("the {} is empty", f.name().replace('_', " ")),
                what.to_string(),
            )
        };
        let required = |f: Field| -> Result<&str, BadRow> {
            match cell(f).unwrap_or("") {
                "" => Err(missing(f, &format!("every opportunity's {}", f.name()))),
                text => Ok(text),
            }
        };
        let id = required(Field::Id)?;
        if let Some(&first) = seen_ids.get(id) {
            return Err(bad(
                Field::Id,
                BadRowKind::DuplicateId,
                format!("`{}` is already the id of line {first}", shown(id)),
                "one row per opportunity id".into(),
            ));
        }
        seen_ids.insert(id.to_string(), line);
        let account = required(Field::Account)?;
        let owner = required(Field::Owner)?;
        let outcome_text = required(Field::Outcome)?;
        let created_text = required(Field::Created)?;
        let outcome = match self.outcomes.get(&normalized(outcome_text)) {
            Some(&o) => o,
            None if looks_closed(outcome_text) => {
                return Err(bad(
                    Field::Outcome,
                    BadRowKind::UnknownOutcome,
                    format!(
                        "`{}` looks like a closed stage but is none of the known outcomes",
                        shown(outcome_text)
                    ),
                    format!(
                        "{}; any other value is an open stage; --won, --lost, --no-decision or \
                         --open VALUE names it",
                        self.known_outcomes()
                    ),
                ))
            }
            None => Outcome::Open,
        };
        let date = |f: Field, text: &str| {
            self.dates.parse(text).ok_or_else(|| {
                bad(
                    f,
                    BadRowKind::UnparseableDate,
                    format!("`{}` is not a date", shown(text)),
                    self.dates.allowed(self.order),
                )
            })
        };
        let created = date(Field::Created, created_text)?;
        let meaning = outcome;
        let (closed, outcome) = if outcome.is_closed() {
            let text = match cell(Field::Closed).unwrap_or("") {
                "" => {
                    return Err(missing(
                        Field::Closed,
                        "a close date for a closed opportunity",
                    ))
                }
                text => text,
            };
            let closed: NaiveDate = date(Field::Closed, text)?;
            if closed < created {
                return Err(bad(
                    Field::Closed,
                    BadRowKind::CloseBeforeCreate,
                    format!("closed {closed}, before it was created ({created})"),
                    "a close date on or after the created date".into(),
                ));
            }
            let outcome = match (outcome, cell(Field::LossReason)) {
                (Outcome::Lost, Some(reason)) => split_loss(reason),
                (o, _) => o,
            };
            (Some(closed), outcome)
        } else {
            (None, outcome)
        };
        let amount_of = |f: Field| -> Result<Option<f64>, BadRow> {
            let text = cell(f).unwrap_or("");
            parse_amount(text).map_err(|e| match e {
                AmountError::Unparseable => bad(
                    f,
                    BadRowKind::UnparseableAmount,
                    format!("`{}` is not an amount", shown(text)),
                    AMOUNT_ALLOWED.into(),
                ),
                AmountError::Negative => bad(
                    f,
                    BadRowKind::NegativeAmount,
                    format!("`{}` is below zero", shown(text)),
                    "an amount of 0 or more".into(),
                ),
            })
        };
        let amount = amount_of(Field::Amount)?;
        if amount.is_none() && outcome == Outcome::Won {
            return Err(missing(Field::Amount, "an amount for a won opportunity"));
        }
        let list_amount = amount_of(Field::ListAmount)?;
        let optional = |f: Field| cell(f).filter(|s| !s.is_empty()).map(str::to_string);
        Ok((
            Opportunity {
                id: id.to_string(),
                account: account.to_string(),
                owner: owner.to_string(),
                team: optional(Field::Team),
                created,
                closed,
                outcome,
                amount,
                list_amount,
                product: optional(Field::Product),
                segment: optional(Field::Segment),
            },
            outcome_text.to_string(),
            meaning,
        ))
    }

    /// "won: `Closed Won`; lost: `Closed Lost`", for messages.
    fn known_outcomes(&self) -> String {
        let mut by: BTreeMap<Outcome, Vec<&str>> = BTreeMap::new();
        for (value, outcome) in self.outcomes {
            by.entry(*outcome).or_default().push(value);
        }
        by.into_iter()
            .map(|(o, mut values)| {
                values.sort_unstable();
                format!("{}: {}", o.name().replace('_', " "), quoted_list(&values))
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// A cell value as quoted in a message: at most [`VALUE_SHOWN`] characters, on one line
/// ([`crate::shown::one_line`]: a quoted line break is shown as `\n`).
fn shown(text: &str) -> String {
    let text = if text.chars().count() <= VALUE_SHOWN {
        text.to_string()
    } else {
        let head: String = text.chars().take(VALUE_SHOWN).collect();
        format!("{head}…")
    };
    crate::shown::one_line(&text).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_text(text: &str, options: &ReadOptions) -> Result<Export, InputError> {
        parse("test.csv", text.as_bytes(), options)
    }

    const CUSTOM: &str = "id,account,owner,created,closed,outcome,amount\n\
        1,a,r,2024-01-02,2024-02-01,won,100\n\
        2,b,r,2024-01-03,2024-03-01,lost,50\n\
        3,c,s,2024-01-04,2024-06-30,Negotiation,\n";

    #[test]
    fn a_file_with_the_fields_own_names_needs_no_map() {
        let e = read_text(CUSTOM, &ReadOptions::default()).unwrap();
        assert_eq!(e.layout, Layout::Custom);
        assert_eq!(e.opportunities.len(), 3);
        let o = &e.opportunities;
        assert_eq!(o[0].outcome, Outcome::Won);
        assert_eq!(o[0].amount, Some(100.0));
        assert_eq!(o[1].outcome, Outcome::Lost);
        // An open deal keeps no close date (its close date is only expected).
        assert_eq!(
            (o[2].outcome, o[2].closed, o[2].amount),
            (Outcome::Open, None, None)
        );
    }

    #[test]
    fn a_byte_order_mark_quotes_separators_and_blank_lines_are_tolerated() {
        let text = "\u{feff}id;account;owner;created;closed;outcome;amount\r\n\
            1;\"Acme; Inc.\";r;2024-01-02;2024-02-01;won;\"$1,234.50\"\r\n\
            \r\n;;;;;;\r\n\r\n";
        let e = read_text(text, &ReadOptions::default()).unwrap();
        assert_eq!(e.opportunities.len(), 1);
        assert_eq!(e.opportunities[0].account, "Acme; Inc.");
        assert_eq!(e.opportunities[0].amount, Some(1234.5));
        assert_eq!(e.rows, 1);
    }

    #[test]
    fn utf16_with_a_byte_order_mark_is_read_as_text() {
        let units: Vec<u16> = CUSTOM.encode_utf16().collect();
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain(units.iter().flat_map(|u| u.to_be_bytes()))
            .collect();
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(units.iter().flat_map(|u| u.to_le_bytes()))
            .collect();
        for bytes in [be, le] {
            let e = parse("x.csv", &bytes, &ReadOptions::default()).unwrap();
            assert_eq!(e.opportunities.len(), 3);
            assert_eq!(e.column(Field::Amount), Some("amount"));
        }
        let no_mark: Vec<u8> = units.iter().flat_map(|u| u.to_be_bytes()).collect();
        let e = parse("x.csv", &no_mark, &ReadOptions::default()).unwrap_err();
        assert!(e.problem.contains("UTF-16"), "{e}");
    }

    #[test]
    fn a_salesforce_footer_is_left_out() {
        let text =
            "Opportunity ID,Opportunity Owner,Account Name,Stage,Amount,Close Date,Created Date\n\
            006A,Ann,Acme,Closed Won,100,3/31/2024,3/1/2024\n\
            \n\"Grand Totals (1 records)\"\n\n\
            \"Confidential Information - Do Not Distribute\"\n\
            \"Copyright (c) 2000-2024 salesforce.com, inc. All rights reserved.\"\n\
            \"Acme Corp\"\n";
        let e = read_text(text, &ReadOptions::default()).unwrap();
        assert_eq!(e.layout, Layout::Salesforce);
        assert_eq!((e.rows, e.footer_rows), (1, 4));
    }

    #[test]
    fn map_overrides_and_names_what_is_wrong() {
        let text = "ref,customer,rep,opened,shut,status,value,list\n\
            1,a,r,2024-01-02,2024-02-01,W,80,100\n";
        let opts = |map: &[&str]| ReadOptions {
            map: map.iter().map(|s| s.to_string()).collect(),
            won: vec!["W".into()],
            ..ReadOptions::default()
        };
        let all = [
            "id=ref",
            "account=customer",
            "owner=rep",
            "created=opened",
            "closed=shut",
            "outcome=status",
            "amount=value",
            "list_amount=list",
        ];
        let e = read_text(text, &opts(&all)).unwrap();
        assert_eq!(e.opportunities[0].outcome, Outcome::Won);
        assert_eq!(e.opportunities[0].list_amount, Some(100.0));
        assert_eq!(e.column(Field::ListAmount), Some("list"));
        let err = read_text(text, &opts(&all[..6])).unwrap_err();
        assert!(err.problem.contains("amount"), "{err}");
        let err = read_text(text, &opts(&["acount=customer"])).unwrap_err();
        assert_eq!(err.origin, "--map acount=customer");
        assert!(err.problem.contains("did you mean `account`"), "{err}");
        let err = read_text(text, &opts(&["account=custmer"])).unwrap_err();
        assert!(err.problem.contains("did you mean `customer`"), "{err}");
        let err = read_text(text, &opts(&["account"])).unwrap_err();
        assert!(err.problem.contains("FIELD=COLUMN"), "{err}");
    }

    #[test]
    fn day_order_is_decided_by_the_file_or_asked_for() {
        let file = |created: &str, closed: &str| {
            format!(
                "id,account,owner,created,closed,outcome,amount\n\
                 1,a,r,{created},{closed},won,1\n"
            )
        };
        let e = read_text(&file("1/2/2024", "31/03/2024"), &ReadOptions::default()).unwrap();
        assert_eq!(
            e.opportunities[0].created,
            NaiveDate::from_ymd_opt(2024, 2, 1).unwrap()
        );
        let err = read_text(&file("1/2/2024", "3/4/2024"), &ReadOptions::default()).unwrap_err();
        assert!(err.allowed.contains("--date-format"), "{err}");
        let err = read_text(&file("13/2/2024", "3/14/2024"), &ReadOptions::default()).unwrap_err();
        assert!(err.problem.contains("both day first"), "{err}");
        let given = ReadOptions {
            date_format: Some("%m/%d/%Y".into()),
            ..ReadOptions::default()
        };
        let e = read_text(&file("1/2/2024", "3/4/2024"), &given).unwrap();
        assert_eq!(
            e.opportunities[0].closed,
            NaiveDate::from_ymd_opt(2024, 3, 4)
        );
    }

    #[test]
    fn loss_reasons_split_lost_deals() {
        let text = "Record ID,Deal Name,Deal Stage,Close Date,Create Date,Deal owner,Amount,\
                    Associated Company,Closed Lost Reason\n\
            1,x,closedwon,2024-02-01,2024-01-01,r,10,a,\n\
            2,x,closedlost,2024-02-01,2024-01-01,r,10,a,Went with a competitor\n\
            3,x,Closed Lost,2024-02-01,2024-01-01,r,10,b,No decision\n\
            4,x,closedlost,2024-02-01,2024-01-01,r,,b,Price\n\
            5,x,appointmentscheduled,2024-12-01,2024-01-01,r,,b,\n";
        let e = read_text(text, &ReadOptions::default()).unwrap();
        assert_eq!(e.layout, Layout::HubSpot);
        let outcomes: Vec<Outcome> = e.opportunities.iter().map(|o| o.outcome).collect();
        assert_eq!(
            outcomes,
            [
                Outcome::Won,
                Outcome::LostToCompetitor,
                Outcome::NoDecision,
                Outcome::Lost,
                Outcome::Open
            ]
        );
        // The value `closedlost` stays "lost" in the list of values, whatever its reasons.
        let closedlost = e
            .outcome_values
            .iter()
            .find(|v| v.value == "closedlost")
            .unwrap();
        assert_eq!((closedlost.outcome, closedlost.rows), (Outcome::Lost, 2));
    }

    #[test]
    fn bad_rows_are_counted_per_kind_with_their_first_lines() {
        let text = "id,account,owner,created,closed,outcome,amount\n\
            1,a,r,2024-01-02,2024-02-01,won,100\n\
            1,a,r,2024-01-02,2024-02-01,won,100\n\
            2,a,r,someday,2024-02-01,won,100\n\
            3,a,r,2024-03-02,2024-02-01,won,100\n\
            4,a,r,2024-01-02,2024-02-01,won,-5\n\
            5,a,r,2024-01-02,2024-02-01,won,lots\n\
            6,a,r,2024-01-02,2024-02-01,Closed - Duplicate,1\n\
            7,a,r,2024-01-02\n\
            8,,r,2024-01-02,2024-02-01,won,1\n";
        let err = read_text(text, &ReadOptions::default()).unwrap_err();
        assert_eq!(err.line, Some(3));
        assert!(err.problem.starts_with("8 bad rows of 9:"), "{err}");
        for part in [
            "1 duplicate id (line 3)",
            "1 unparseable date (line 4)",
            "1 close before create (line 5)",
            "1 negative amount (line 6)",
            "1 unparseable amount (line 7)",
            "1 unknown outcome (line 8)",
            "1 malformed row (line 9)",
            "1 missing value (line 10)",
        ] {
            assert!(err.problem.contains(part), "{part} in {err}");
        }
        let skip = ReadOptions {
            skip_bad_rows: true,
            ..ReadOptions::default()
        };
        let e = read_text(text, &skip).unwrap();
        assert_eq!(e.opportunities.len(), 1);
        assert_eq!(e.skipped.total(), 8);
        assert_eq!(e.skipped.counts[&BadRowKind::DuplicateId], 1);
    }

    #[test]
    fn kinds_are_counted_in_plain_words() {
        assert_eq!(BadRowKind::UnparseableDate.count(2), "2 unparseable dates");
        assert_eq!(BadRowKind::DuplicateId.count(1), "1 duplicate id");
        assert_eq!(
            BadRowKind::CloseBeforeCreate.count(3),
            "3 closes before create"
        );
    }
}

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
use chrono::{Datelike, NaiveDate};
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
    /// `--amount-dot`: what a dot in an amount is (unsaid: a decimal point, unless every amount
    /// of the column has exactly three decimals, which stops the read and asks).
    pub amount_dot: AmountDot,
}

/// What a dot in an amount means (`--amount-dot`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AmountDot {
    /// Not said: a decimal point, but a column whose every amount has exactly three decimals
    /// (`34.273`) stops the read, as it is most likely written with dots between thousands.
    #[default]
    Unsaid,
    /// A decimal point (`34.273` is $34.273), said by the user.
    Decimal,
    /// A thousands separator (`34.273` is $34,273; `1.234.567,50` is $1,234,567.50): the comma,
    /// if any, is then the decimal mark.
    Thousands,
}

impl AmountDot {
    /// The value of `--amount-dot` (`decimal`, `thousands`).
    pub fn from_name(name: &str) -> Option<AmountDot> {
        match name.trim().to_ascii_lowercase().as_str() {
            "decimal" => Some(AmountDot::Decimal),
            "thousands" => Some(AmountDot::Thousands),
            _ => None,
        }
    }
}

/// A kind of bad row, in the order rows are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BadRowKind {
    /// A quote opened in a cell and never closed: the CSV reader took the rows after it as
    /// part of that one cell.
    UnclosedQuote,
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
    /// A date far outside the span of the export's other dates (a typo'd year: 1900 among
    /// 2016–2017), which would stretch every moment measured over time.
    DateOutlier,
    /// An amount orders of magnitude from the rest (a typo, a currency in cents), which would
    /// move every moment of deal size and bookings.
    AmountOutlier,
}

impl BadRowKind {
    /// Every kind, in order.
    pub const ALL: [BadRowKind; 11] = [
        BadRowKind::UnclosedQuote,
        BadRowKind::MalformedRow,
        BadRowKind::DuplicateId,
        BadRowKind::MissingValue,
        BadRowKind::UnknownOutcome,
        BadRowKind::UnparseableDate,
        BadRowKind::CloseBeforeCreate,
        BadRowKind::UnparseableAmount,
        BadRowKind::NegativeAmount,
        BadRowKind::DateOutlier,
        BadRowKind::AmountOutlier,
    ];

    /// The kind in words ("unparseable date"), as messages name it.
    pub fn name(self) -> &'static str {
        match self {
            BadRowKind::UnclosedQuote => "unclosed quote",
            BadRowKind::MalformedRow => "malformed row",
            BadRowKind::DuplicateId => "duplicate id",
            BadRowKind::MissingValue => "missing value",
            BadRowKind::UnknownOutcome => "unknown outcome",
            BadRowKind::UnparseableDate => "unparseable date",
            BadRowKind::CloseBeforeCreate => "close before create",
            BadRowKind::UnparseableAmount => "unparseable amount",
            BadRowKind::NegativeAmount => "negative amount",
            BadRowKind::DateOutlier => "date far outside the export's span",
            BadRowKind::AmountOutlier => "amount orders of magnitude from the rest",
        }
    }

    /// "1 unparseable date", "3 unparseable dates".
    fn count(self, n: usize) -> String {
        let name = self.name();
        match (n, name.split_once(' ')) {
            (1, _) => format!("1 {name}"),
            // "close before create": the count is of rows.
            (_, _) if self == BadRowKind::CloseBeforeCreate => format!("{n} closes before create"),
            (_, _) if self == BadRowKind::DateOutlier => {
                format!("{n} dates far outside the export's span")
            }
            (_, _) if self == BadRowKind::AmountOutlier => {
                format!("{n} amounts orders of magnitude from the rest")
            }
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
    /// Open opportunities: those among the opportunities, and open rows left out because they
    /// lack an account, an owner or a created date.
    pub open_pipeline: OpenPipeline,
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

/// Open opportunities kept out of the opportunities because they lack what places them in the
/// market (an account, an owner or a created date): open pipeline, counted and named, not bad
/// rows (a lead not yet tied to an account contradicts nothing).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpenPipeline {
    /// Open opportunities among the opportunities (with an account, an owner and a created
    /// date): they count in the moments that count opportunities.
    pub placed: usize,
    /// Open rows without an account (leads).
    pub without_account: usize,
    /// Open rows without an owner.
    pub without_owner: usize,
    /// Open rows without a created (engage) date.
    pub without_created: usize,
    /// Open rows left out of the opportunities (each counted once, whatever it lacks).
    pub left_out: usize,
}

impl OpenPipeline {
    /// "1,588 open rows without an account or a created date (…)", or `None` if there are none.
    pub fn summary(&self) -> Option<String> {
        if self.left_out == 0 && self.placed == 0 {
            return None;
        }
        let mut parts = vec![format!(
            "{} open opportunit{} with an account, an owner and a created date (counted among the \
             opportunities)",
            self.placed,
            if self.placed == 1 { "y" } else { "ies" }
        )];
        if self.left_out > 0 {
            let lacks: Vec<String> = [
                (self.without_account, "an account"),
                (self.without_owner, "an owner"),
                (self.without_created, "a created date"),
            ]
            .into_iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, what)| format!("{n} without {what}"))
            .collect();
            parts.push(format!(
                "{} open row{} not yet placed in the market ({}): counted here, not in the \
                 moments",
                self.left_out,
                if self.left_out == 1 { "" } else { "s" },
                lacks.join(", ")
            ));
        }
        Some(parts.join("; "))
    }
}

/// Reads and checks a CRM export file (see the module documentation). The file is streamed,
/// twice (the first pass finds the header, the footer, the day order and the dates' span; the
/// second reads the rows): memory holds one row at a time plus the opportunities read, never
/// the file.
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
    let unreadable =
        |e: std::io::Error| InputError::file(&origin, &format!("cannot be read ({e})"), allowed);
    let mut head = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(4096).read_to_end(&mut head))
        .map_err(unreadable)?;
    if head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF") {
        // UTF-16 (rare): decoded in memory, as the CSV reader reads UTF-8 only.
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_EXPORT_BYTES + 1).read_to_end(&mut bytes))
            .map_err(unreadable)?;
        if bytes.len() as u64 > MAX_EXPORT_BYTES {
            return Err(too_large().into());
        }
        return Ok(parse(&origin, &bytes, options)?);
    }
    // The NUL check and the delimiter need only the head.
    text_bytes(&origin, &head)?;
    let skip = if head.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    let open = || -> std::io::Result<Box<dyn Read>> {
        let mut f = std::fs::File::open(path)?;
        let mut bom = [0u8; 3];
        f.read_exact(&mut bom[..skip])?;
        Ok(Box::new(std::io::BufReader::with_capacity(
            1 << 16,
            f.take(MAX_EXPORT_BYTES),
        )))
    };
    let first_line = head.get(skip..).unwrap_or(&[]);
    Ok(
        parse_stream(&origin, &open, first_line, options).map_err(|e| match e {
            Streamed::Input(e) => e,
            Streamed::Io(e) => unreadable(e),
        })?,
    )
}

/// Reads and checks an export's bytes; `origin` names it in messages. Never panics, whatever
/// the bytes.
pub fn parse(origin: &str, bytes: &[u8], options: &ReadOptions) -> Result<Export, InputError> {
    let decoded = text_bytes(origin, bytes)?;
    let bytes: &[u8] = &decoded;
    let open = || -> std::io::Result<Box<dyn Read + '_>> { Ok(Box::new(bytes)) };
    let head = &bytes[..bytes.len().min(4096)];
    parse_stream(origin, &open, head, options).map_err(|e| match e {
        Streamed::Input(e) => e,
        Streamed::Io(e) => InputError::file(origin, &format!("cannot be read ({e})"), "CSV"),
    })
}

/// A failure of a streamed read: bad input, or the file could not be read again.
enum Streamed {
    Input(InputError),
    Io(std::io::Error),
}

impl From<InputError> for Streamed {
    fn from(e: InputError) -> Streamed {
        Streamed::Input(e)
    }
}

/// Rows read from the head of the file to suggest a `--map` by the columns' contents.
const SAMPLE_ROWS: usize = 200;

/// The records of a source, streamed: blank rows skipped; each with its first line and the line
/// after it.
struct Records<'a> {
    reader: csv::Reader<Box<dyn Read + 'a>>,
    record: csv::ByteRecord,
    /// Lines end in CR LF: the reader stops at the CR and counts the LF's line only as it
    /// reads the next record, so every record after the first is one line later than it says.
    crlf: bool,
    /// Records read.
    read: usize,
}

impl<'a> Records<'a> {
    fn new(source: Box<dyn Read + 'a>, delimiter: u8, crlf: bool) -> Records<'a> {
        Records {
            crlf,
            read: 0,
            reader: csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .delimiter(delimiter)
                .from_reader(source),
            record: csv::ByteRecord::new(),
        }
    }

    /// The next non-blank record and its line (`None` at the end).
    fn next(&mut self, origin: &str) -> Result<Option<usize>, InputError> {
        loop {
            let more = self
                .reader
                .read_byte_record(&mut self.record)
                .map_err(|e| {
                    let line = e.position().map(|p| p.line() as usize);
                    InputError::at(
                        origin,
                        line,
                        None,
                        &format!("is not readable CSV ({e})"),
                        "CSV",
                    )
                })?;
            if !more {
                return Ok(None);
            }
            if self
                .record
                .iter()
                .all(|cell| cell.iter().all(u8::is_ascii_whitespace))
            {
                continue; // a blank row
            }
            let line = self.record.position().map_or(0, |p| p.line() as usize);
            self.read += 1;
            return Ok(Some(line + usize::from(self.crlf && self.read > 1)));
        }
    }
}

/// The two passes over a source: see [`read`]. `head` is the beginning of the text (for the
/// delimiter).
fn parse_stream<'a>(
    origin: &str,
    open: &dyn Fn() -> std::io::Result<Box<dyn Read + 'a>>,
    head: &[u8],
    options: &ReadOptions,
) -> Result<Export, Streamed> {
    let delimiter = delimiter(head);
    let crlf = head
        .iter()
        .position(|&b| b == b'\n')
        .is_some_and(|i| i > 0 && head[i - 1] == b'\r');
    // Pass 1: the header, the columns, the footer, the dates' day order.
    let mut records = Records::new(open().map_err(Streamed::Io)?, delimiter, crlf);
    let Some(header_line) = records.next(origin)? else {
        return Err(InputError::file(
            origin,
            "is empty",
            "a CRM opportunity export: a header row, then one row per opportunity",
        )
        .into());
    };
    let headers: Vec<String> = records
        .record
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
    let columns = match resolve_columns(origin, header_line, &headers, layout, &options.map) {
        Ok(c) => c,
        Err(Unresolved::Input(e)) => return Err(e.into()),
        Err(Unresolved::Missing { error, found }) => {
            // Suggest a column for each missing field, by name and by the first rows' contents.
            let mut sample: Vec<Vec<String>> = Vec::new();
            while sample.len() < SAMPLE_ROWS {
                let Ok(Some(_)) = records.next(origin) else {
                    break;
                };
                sample.push(
                    records
                        .record
                        .iter()
                        .map(|c| String::from_utf8_lossy(c).trim().to_string())
                        .collect(),
                );
            }
            return Err(suggest_mappings(*error, &headers, &sample, &found).into());
        }
    };
    let mut rows = 0usize;
    // The trailing run of one-cell rows, and where a footer starts in it.
    let mut one_cell_run_start: Option<usize> = None;
    let mut footer_start: Option<usize> = None;
    let mut evidence: HashMap<Evidence, (usize, String, usize)> = HashMap::new();
    while let Some(line) = records.next(origin)? {
        let record = &records.record;
        if record.len() == 1 {
            let start = *one_cell_run_start.get_or_insert(rows);
            if footer_start.is_none() && starts_footer(record) {
                footer_start = Some(rows.max(start));
            }
        } else {
            one_cell_run_start = None;
            footer_start = None;
        }
        if options.date_format.is_none() && record.len() == headers.len() {
            for field in [Field::Created, Field::Closed] {
                let Some(&i) = columns.get(&field) else {
                    continue;
                };
                let Ok(text) = std::str::from_utf8(&record[i]) else {
                    continue;
                };
                if let Some(e) = day_order_evidence(text.trim()) {
                    evidence
                        .entry(e)
                        .or_insert_with(|| (line, text.trim().to_string(), i));
                }
            }
        }
        rows += 1;
    }
    let footer_rows = footer_start.map_or(0, |s| rows - s);
    let data_rows = rows - footer_rows;
    if data_rows == 0 {
        return Err(InputError::file(
            origin,
            "has a header row but no opportunities",
            "one row per opportunity after the header row",
        )
        .into());
    }
    let (dates, order) = date_reader(origin, &evidence, &headers, options)?;
    let outcomes = outcome_table(layout, options)?;

    // Pass 2: each row checked.
    let mut records = Records::new(open().map_err(Streamed::Io)?, delimiter, crlf);
    records.next(origin)?; // the header
    let mut bad = BadRows::default();
    let mut opportunities = Vec::new();
    let mut lines: Vec<u32> = Vec::new();
    let mut seen_ids: HashMap<Box<str>, u32> = HashMap::new();
    let mut values: BTreeMap<String, OutcomeValue> = BTreeMap::new();
    let mut pipeline = OpenPipeline::default();
    let mut decimals = DecimalsSeen::default();
    let check = Checker {
        columns: &columns,
        headers: &headers,
        outcomes: &outcomes,
        dates: &dates,
        order,
        amount_dot: options.amount_dot,
    };
    for _ in 0..data_rows {
        let Some(line) = records.next(origin)? else {
            break;
        };
        let next_line = usize::try_from(records.reader.position().line()).unwrap_or(usize::MAX)
            + usize::from(crlf);
        let row = RawRow {
            line,
            cells: cells(line, next_line, &records.record, headers.len(), delimiter),
        };
        if let (Ok(cells), Some(&i)) = (&row.cells, columns.get(&Field::Amount)) {
            decimals.see(line, &cells[i]);
        }
        match check.row(&row, &mut seen_ids) {
            Checked::Opportunity(opportunity, value, meaning) => {
                if meaning == Outcome::Open {
                    pipeline.placed += 1;
                }
                values
                    .entry(normalized(&value))
                    .or_insert_with(|| OutcomeValue {
                        value,
                        outcome: meaning,
                        rows: 0,
                    })
                    .rows += 1;
                opportunities.push(opportunity);
                lines.push(u32::try_from(line).unwrap_or(u32::MAX));
            }
            Checked::Unplaced(lacks) => {
                pipeline.left_out += 1;
                pipeline.without_account += usize::from(lacks.contains(&Field::Account));
                pipeline.without_owner += usize::from(lacks.contains(&Field::Owner));
                pipeline.without_created += usize::from(lacks.contains(&Field::Created));
            }
            Checked::Bad(b) => bad.add(b),
        }
    }
    drop(seen_ids);
    if options.amount_dot == AmountDot::Unsaid {
        if let Some(e) = decimals.three_everywhere(origin, &columns, &headers) {
            return Err(e.into());
        }
    }
    // Outliers, once every row is read: they are judged against the rest.
    let column_name = |f: Field| columns.get(&f).map(|&i| headers[i].clone());
    let outliers = outliers(&opportunities, &lines, &column_name);
    if !outliers.is_empty() {
        let drop: std::collections::HashSet<usize> = outliers.iter().map(|(i, _)| *i).collect();
        for (_, row) in outliers {
            bad.add(row);
        }
        let mut k = 0;
        opportunities.retain(|_| {
            k += 1;
            !drop.contains(&(k - 1))
        });
        // The open ones left out are no longer placed.
        pipeline.placed = opportunities
            .iter()
            .filter(|o| o.outcome == Outcome::Open)
            .count();
        // The outcome values' counts stay those of the rows read, outliers included (they
        // are few, and named).
    }
    bad.first.sort_by_key(|r| (r.kind, r.line));
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
                data_rows,
                bad.summary(),
                bad.details(),
            ),
            "rows fixed in the export, or --skip-bad-rows to leave every bad row out (calibrate \
             then says how many of each kind it left out)",
        )
        .into());
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
                data_rows,
                column_of(Field::Outcome).unwrap_or_default(),
                if seen.is_empty() { "none" } else { &seen },
            ),
            &format!(
                "an export with won opportunities; if they are there under another name, \
                 --won VALUE names it (this layout's won values: {})",
                won_values(layout)
            ),
        )
        .into());
    }
    Ok(Export {
        origin: origin.to_string(),
        layout,
        columns: Field::ALL
            .into_iter()
            .filter_map(|f| column_of(f).map(|c| (f, c)))
            .collect(),
        opportunities,
        rows: data_rows,
        skipped: bad,
        footer_rows,
        outcome_values,
        open_pipeline: pipeline,
        dates: match (&options.date_format, order) {
            (Some(f), _) => format!("--date-format {f}"),
            (None, Some(DayOrder::DayFirst)) => "the usual formats, day first".into(),
            (None, Some(DayOrder::MonthFirst)) => "the usual formats, month first".into(),
            (None, None) => "the usual formats".into(),
        },
    })
}

/// How many amounts of the amount column have exactly three decimals (`34.273`), and the first.
#[derive(Debug, Default)]
struct DecimalsSeen {
    /// Amounts that are not empty.
    amounts: usize,
    /// Of them, written with exactly three digits after one dot and no comma.
    three: usize,
    /// The first such amount: line and text.
    first: Option<(usize, String)>,
}

/// Fewest amounts for "every amount has three decimals" to mean anything.
const THREE_DECIMALS_MIN: usize = 5;

impl DecimalsSeen {
    fn see(&mut self, line: usize, text: &str) {
        let text = text.trim();
        if text.is_empty() {
            return;
        }
        self.amounts += 1;
        let digits: String = text
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '.' || *c == ',')
            .collect();
        let three = !digits.contains(',')
            && digits.split_once('.').is_some_and(|(int, frac)| {
                !int.is_empty() && frac.len() == 3 && !frac.contains('.')
            });
        if three {
            self.three += 1;
            if self.first.is_none() {
                self.first = Some((line, text.to_string()));
            }
        }
    }

    /// The error when every amount has exactly three decimals: dots between thousands, most
    /// likely, but reading them so would be a guess.
    fn three_everywhere(
        &self,
        origin: &str,
        columns: &HashMap<Field, usize>,
        headers: &[String],
    ) -> Option<InputError> {
        if self.amounts < THREE_DECIMALS_MIN || self.three != self.amounts {
            return None;
        }
        let (line, text) = self.first.clone()?;
        let column = columns
            .get(&Field::Amount)
            .map_or("", |&i| headers[i].as_str());
        let thousands: String = text.chars().filter(|c| *c != '.').collect();
        Some(InputError::at(
            origin,
            Some(line),
            None,
            &format!(
                "column `{column}`: every one of its {} amounts has exactly three decimals \
                 (line {line}: `{}`); money has two, so the dots are most likely thousands \
                 separators (`{}` meaning {thousands}), but reading them so would be a guess",
                self.amounts,
                shown(&text),
                shown(&text),
            ),
            "--amount-dot thousands if the dots separate thousands (34.273 is 34,273), or \
             --amount-dot decimal if they are decimal points (34.273 is 34.273); or --map \
             amount=COLUMN for another column",
        ))
    }
}

/// Flags dates far outside the export's span and amounts orders of magnitude from the rest:
/// the opportunity's index and the bad row, in file order.
///
/// A date is far outside when it lies beyond the central 98% of the export's dates (created
/// and closed) by more than that span's own length plus a year, on either side: 1900 among
/// 2016–2017 is, a deal of 2019 among 2016–2017 is not. An amount (won or not, above zero) is
/// orders of magnitude from the rest when its log10 is more than max(3, 6 robust standard
/// deviations) from the median log10 (1.4826 × the median absolute deviation): $5,000,000 among
/// deals of a median $1,100 is, an enterprise deal 100 times the median is not. Each needs 20
/// values to judge against.
fn outliers(
    opportunities: &[Opportunity],
    lines: &[u32],
    column: &dyn Fn(Field) -> Option<String>,
) -> Vec<(usize, BadRow)> {
    const MIN_VALUES: usize = 20;
    let mut out = Vec::new();
    let mut days: Vec<i32> = opportunities
        .iter()
        .flat_map(|o| std::iter::once(o.created).chain(o.closed))
        .map(|d| d.num_days_from_ce())
        .collect();
    let window = if days.len() >= MIN_VALUES {
        days.sort_unstable();
        let q = |p: f64| days[((days.len() - 1) as f64 * p).round() as usize];
        let (lo, hi) = (q(0.01), q(0.99));
        let margin = (hi - lo) + 365;
        Some((lo, hi, lo - margin, hi + margin))
    } else {
        None
    };
    drop(days);
    let mut logs: Vec<f64> = opportunities
        .iter()
        .filter_map(|o| o.amount)
        .filter(|a| *a > 0.0)
        .map(f64::log10)
        .collect();
    let amounts = if logs.len() >= MIN_VALUES {
        let median = |v: &mut Vec<f64>| {
            v.sort_by(f64::total_cmp);
            let n = v.len();
            if n % 2 == 1 {
                v[n / 2]
            } else {
                (v[n / 2 - 1] + v[n / 2]) / 2.0
            }
        };
        let m = median(&mut logs);
        let mut dev: Vec<f64> = logs.iter().map(|x| (x - m).abs()).collect();
        let sd = 1.4826 * median(&mut dev);
        Some((m, (6.0 * sd).max(3.0)))
    } else {
        None
    };
    drop(logs);
    let day = |d: i32| {
        NaiveDate::from_num_days_from_ce_opt(d).map_or_else(String::new, |d| d.to_string())
    };
    for (i, o) in opportunities.iter().enumerate() {
        let line = lines.get(i).map_or(0, |&l| l as usize);
        if let Some((lo, hi, min, max)) = window {
            let far = [(Field::Created, Some(o.created)), (Field::Closed, o.closed)]
                .into_iter()
                .find_map(|(f, d)| {
                    d.filter(|d| !(min..=max).contains(&d.num_days_from_ce()))
                        .map(|d| (f, d))
                });
            if let Some((f, d)) = far {
                out.push((
                    i,
                    BadRow {
                        line,
                        kind: BadRowKind::DateOutlier,
                        column: column(f),
                        problem: format!(
                            "{d} is far outside the export's span (98% of its dates fall {} to {})",
                            day(lo),
                            day(hi)
                        ),
                        allowed: format!(
                            "a date from {} to {} (the central span widened by its own length and \
                             a year on each side); a typo'd year fixed in the export",
                            day(min),
                            day(max)
                        ),
                    },
                ));
                continue;
            }
        }
        if let (Some((m, limit)), Some(a)) = (amounts, o.amount.filter(|a| *a > 0.0)) {
            let orders = a.log10() - m;
            if orders.abs() > limit {
                out.push((
                    i,
                    BadRow {
                        line,
                        kind: BadRowKind::AmountOutlier,
                        column: column(Field::Amount),
                        problem: format!(
                            "{} is {:.1} orders of magnitude {} the median amount ({})",
                            group(a),
                            orders.abs(),
                            if orders > 0.0 { "above" } else { "below" },
                            group(10f64.powf(m))
                        ),
                        allowed: format!(
                            "an amount within {limit:.1} orders of magnitude of the median ({} to \
                             {}); a typo fixed in the export",
                            group(10f64.powf(m - limit)),
                            group(10f64.powf(m + limit))
                        ),
                    },
                ));
            }
        }
    }
    out
}

/// An amount for messages: "$1,234".
fn group(x: f64) -> String {
    format!("${}", crate::shown::group_thousands(x, 0))
}

/// Header words that suggest each required field (matched as words of the normalized header:
/// `opportunity_id` has `id`, `sales_agent` has `agent`).
const FIELD_WORDS: [(Field, &[&str]); 7] = [
    (Field::Id, &["id", "ref", "key", "number", "record"]),
    (
        Field::Account,
        &[
            "account",
            "company",
            "customer",
            "client",
            "organization",
            "organisation",
        ],
    ),
    (
        Field::Owner,
        &[
            "owner",
            "agent",
            "rep",
            "salesperson",
            "seller",
            "user",
            "sales",
        ],
    ),
    (
        Field::Created,
        &[
            "created", "create", "engage", "opened", "open", "start", "entered",
        ],
    ),
    (Field::Closed, &["closed", "close", "won", "decided", "end"]),
    (
        Field::Outcome,
        &["stage", "status", "outcome", "result", "state"],
    ),
    (
        Field::Amount,
        &["amount", "value", "revenue", "price", "net", "total"],
    ),
];

/// What a column's first rows hold, for suggesting a field by content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Content {
    Dates,
    Amounts,
    Outcomes,
    Unique,
    Text,
}

/// A column's content, from its non-empty sampled cells: mostly dates, amounts, won/lost
/// values, distinct text (ids), or other text.
fn content_of(cells: &[&str]) -> Content {
    let values: Vec<&str> = cells.iter().copied().filter(|c| !c.is_empty()).collect();
    if values.is_empty() {
        return Content::Text;
    }
    let share = |f: &dyn Fn(&str) -> bool| {
        values.iter().filter(|v| f(v)).count() as f64 / values.len() as f64
    };
    let dates = DateReader::usual(Some(DayOrder::MonthFirst));
    let dates_day = DateReader::usual(Some(DayOrder::DayFirst));
    if share(&|v| dates.parse(v).is_some() || dates_day.parse(v).is_some()) >= 0.8 {
        return Content::Dates;
    }
    if share(&|v| looks_closed(v)) >= 0.3 {
        return Content::Outcomes;
    }
    let distinct: std::collections::HashSet<&str> = values.iter().copied().collect();
    let numeric = share(&|v| {
        !v.bytes().any(|b| b.is_ascii_alphabetic()) && matches!(parse_amount(v), Ok(Some(_)))
    }) >= 0.8;
    if distinct.len() == values.len() && values.len() > 1 && !numeric {
        return Content::Unique;
    }
    if numeric {
        // Ids are often numbers too: distinct integers are ids, not amounts.
        let integers = share(&|v| v.bytes().all(|b| b.is_ascii_digit()));
        if distinct.len() == values.len() && integers >= 1.0 && values.len() > 1 {
            return Content::Unique;
        }
        return Content::Amounts;
    }
    Content::Text
}

/// The error for missing fields, with a suggested column for each (by its header's words and
/// its first rows' contents) and the `--map` line to copy.
fn suggest_mappings(
    mut error: InputError,
    headers: &[String],
    sample: &[Vec<String>],
    found: &HashMap<Field, usize>,
) -> InputError {
    let contents: Vec<Content> = (0..headers.len())
        .map(|i| {
            let cells: Vec<&str> = sample
                .iter()
                .filter_map(|r| r.get(i).map(String::as_str))
                .collect();
            content_of(&cells)
        })
        .collect();
    let words = |h: &str| -> Vec<String> {
        h.to_lowercase()
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect()
    };
    let fits = |f: Field, c: Content| match f {
        Field::Created | Field::Closed => c == Content::Dates,
        Field::Amount => c == Content::Amounts,
        Field::Outcome => c == Content::Outcomes || c == Content::Text,
        Field::Id => c == Content::Unique,
        Field::Account | Field::Owner => c == Content::Text || c == Content::Unique,
        _ => true,
    };
    let mut taken: Vec<usize> = found.values().copied().collect();
    let mut suggestions: Vec<(Field, usize, &'static str)> = Vec::new();
    for (field, keys) in FIELD_WORDS {
        if found.contains_key(&field) {
            continue;
        }
        // Score: a header word naming the field (earlier keys weigh more), the field's own
        // name, then the content fitting; the content must fit whenever the sample has rows.
        let best = (0..headers.len())
            .filter(|i| !taken.contains(i))
            .filter(|&i| sample.is_empty() || fits(field, contents[i]))
            .map(|i| {
                let ws = words(&headers[i]);
                let by_name = keys
                    .iter()
                    .enumerate()
                    .filter(|(_, k)| ws.iter().any(|w| w == *k))
                    .map(|(rank, _)| 10.0 - rank as f64)
                    .fold(0.0, f64::max)
                    + if ws.iter().any(|w| w == field.name()) {
                        5.0
                    } else {
                        0.0
                    };
                let by_similarity =
                    strsim::normalized_levenshtein(&normalized(&headers[i]), field.name());
                (i, by_name, by_name + by_similarity)
            })
            .filter(|(_, by_name, score)| *by_name > 0.0 || *score > 0.6)
            .max_by(|a, b| a.2.total_cmp(&b.2).then(b.0.cmp(&a.0)));
        let content_only = || {
            // No header names it: the only unclaimed column whose content fits.
            let fitting: Vec<usize> = (0..headers.len())
                .filter(|i| !taken.contains(i) && !sample.is_empty())
                .filter(|&i| {
                    matches!(
                        (field, contents[i]),
                        (Field::Amount, Content::Amounts)
                            | (Field::Created | Field::Closed, Content::Dates)
                            | (Field::Id, Content::Unique)
                    )
                })
                .collect();
            (fitting.len() == 1).then(|| fitting[0])
        };
        match best {
            Some((i, by_name, _)) => {
                let why = if by_name > 0.0 && !sample.is_empty() {
                    "by its name and its contents"
                } else if by_name > 0.0 {
                    "by its name"
                } else {
                    "by a name like the field's"
                };
                taken.push(i);
                suggestions.push((field, i, why));
            }
            None => {
                if let Some(i) = content_only() {
                    taken.push(i);
                    suggestions.push((field, i, "by its contents"));
                }
            }
        }
    }
    if suggestions.is_empty() {
        return error;
    }
    let quote = |h: &str| {
        if h.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '='))
        {
            h.to_string()
        } else {
            format!("'{}'", h.replace('\'', "'\\''"))
        }
    };
    let likely = suggestions
        .iter()
        .map(|(f, i, why)| format!("{} → `{}` ({why})", f.name(), headers[*i]))
        .collect::<Vec<_>>()
        .join(", ");
    let line = suggestions
        .iter()
        .map(|(f, i, _)| format!("--map {}", quote(&format!("{}={}", f.name(), headers[*i]))))
        .collect::<Vec<_>>()
        .join(" ");
    error.problem = format!(
        "{}\n  Likely columns: {likely}\n  To read them so, add: {line}",
        error.problem
    );
    error
}

/// Whether a one-cell row begins a Salesforce report's footer (`Grand Totals`, `Confidential
/// Information`, `Copyright`).
fn starts_footer(r: &csv::ByteRecord) -> bool {
    r.len() == 1 && {
        let text = String::from_utf8_lossy(&r[0]).trim().to_lowercase();
        ["grand totals", "confidential information", "copyright"]
            .iter()
            .any(|p| text.starts_with(p))
    }
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

/// A row's cells as text, or why it is malformed. `next_line` is the line after the record: a
/// record that spans lines, with a line break inside a cell that holds what looks like rows
/// (as many delimiters as the header, less one), is an unclosed quote that swallowed them.
fn cells(
    line: usize,
    next_line: usize,
    record: &csv::ByteRecord,
    width: usize,
    delimiter: u8,
) -> Result<Vec<String>, BadRow> {
    let spanned = next_line.saturating_sub(line);
    if spanned > 1 {
        let swallowing = record.iter().position(|cell| {
            cell.split(|&b| b == b'\n')
                .skip(1)
                .any(|l| width > 1 && l.iter().filter(|&&b| b == delimiter).count() + 1 >= width)
        });
        if let Some(i) = swallowing {
            let swallowed = record[i]
                .split(|&b| b == b'\n')
                .skip(1)
                .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
                .count();
            return Err(BadRow {
                line,
                kind: BadRowKind::UnclosedQuote,
                column: None,
                problem: format!(
                    "an unclosed quote opened on line {line} (cell {}) swallowed {swallowed} \
                     row{} (lines {} to {}) into one cell",
                    i + 1,
                    if swallowed == 1 { "" } else { "s" },
                    line + 1,
                    line + swallowed
                ),
                allowed: "a quote closed in the same cell (a quote inside a quoted cell is \
                          written twice: \"\")"
                    .into(),
            });
        }
    }
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
) -> Result<HashMap<Field, usize>, Unresolved> {
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
            )
            .into());
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
            )
            .into());
        };
        if mapped.contains_key(&field) {
            return Err(InputError::at(
                &flag,
                None,
                None,
                &format!("field `{field_name}` is mapped twice"),
                "one --map per field",
            )
            .into());
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
    Err(Unresolved::Missing {
        error: Box::new(InputError::at(
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
        )),
        found: columns,
    })
}

/// Why the columns could not be resolved: a bad `--map` or header, or required fields missing
/// (the fields found so far, to suggest columns for the others).
enum Unresolved {
    Input(InputError),
    Missing {
        error: Box<InputError>,
        found: HashMap<Field, usize>,
    },
}

impl From<InputError> for Unresolved {
    fn from(e: InputError) -> Unresolved {
        Unresolved::Input(e)
    }
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
    first: &HashMap<Evidence, (usize, String, usize)>,
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
    amount_dot: AmountDot,
}

/// One data row: its line and cells (text), before checking.
struct RawRow {
    line: usize,
    cells: Result<Vec<String>, BadRow>,
}

/// What a row is.
enum Checked {
    /// An opportunity, with its outcome value as written and what that value means (before a
    /// loss reason splits it).
    Opportunity(Opportunity, String, Outcome),
    /// An open row without what places it in the market: the fields it lacks.
    Unplaced(Vec<Field>),
    /// A bad row.
    Bad(BadRow),
}

impl Checker<'_> {
    /// A row as an opportunity, with its outcome value as written and what that value means
    /// (before a loss reason splits it), or the row's first problem.
    fn row(&self, row: &RawRow, seen_ids: &mut HashMap<Box<str>, u32>) -> Checked {
        match self.checked(row, seen_ids) {
            Ok(Ok((o, value, meaning))) => Checked::Opportunity(o, value, meaning),
            Ok(Err(lacks)) => Checked::Unplaced(lacks),
            Err(bad) => Checked::Bad(bad),
        }
    }

    /// [`Checker::row`]: `Ok(Err(fields))` for an open row that lacks them.
    #[allow(clippy::type_complexity)]
    fn checked(
        &self,
        row: &RawRow,
        seen_ids: &mut HashMap<Box<str>, u32>,
    ) -> Result<Result<(Opportunity, String, Outcome), Vec<Field>>, BadRow> {
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
        seen_ids.insert(id.into(), u32::try_from(line).unwrap_or(u32::MAX));
        let outcome_text = required(Field::Outcome)?;
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
        if outcome == Outcome::Open {
            // Open pipeline: a lead without an account, owner or created date yet is data, not
            // a bad row; it is counted, not placed in the market.
            let lacks: Vec<Field> = [Field::Account, Field::Owner, Field::Created]
                .into_iter()
                .filter(|&f| cell(f).unwrap_or("").is_empty())
                .collect();
            if !lacks.is_empty() {
                return Ok(Err(lacks));
            }
        }
        let account = required(Field::Account)?;
        let owner = required(Field::Owner)?;
        let created_text = required(Field::Created)?;
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
            let read = if self.amount_dot == AmountDot::Thousands {
                // Dots between thousands; a comma, if any, is the decimal mark.
                let swapped: String = text
                    .chars()
                    .filter(|c| *c != '.')
                    .map(|c| if c == ',' { '.' } else { c })
                    .collect();
                parse_amount(&swapped)
            } else {
                parse_amount(text)
            };
            read.map_err(|e| match e {
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
        Ok(Ok((
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
        )))
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

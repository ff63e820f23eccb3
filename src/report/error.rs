//! The error type of the report builder. Every message names the file (and, where it applies, the
//! line and column) that is missing or malformed, so the user knows what to fix.

use std::path::{Path, PathBuf};

/// Why a report could not be built from an output folder.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A file could not be opened or read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A CSV file lacks a column the contract requires.
    #[error("{}: missing column `{column}`", path.display())]
    MissingColumn { path: PathBuf, column: String },
    /// A cell does not hold the expected kind of value.
    #[error("{}, line {line}, column `{column}`: {problem} (found {value:?})", path.display())]
    BadValue {
        path: PathBuf,
        line: u64,
        column: String,
        value: String,
        problem: String,
    },
    /// A CSV file is structurally broken (wrong number of fields, bad UTF-8, ...).
    #[error("{}{}: malformed CSV: {message}", path.display(), line.map(|l| format!(", line {l}")).unwrap_or_default())]
    Csv {
        path: PathBuf,
        line: Option<u64>,
        message: String,
    },
    /// A sweep point that the run does not have.
    #[error("there is no point {point} in this run ({points} point(s), numbered from 0)")]
    NoSuchPoint { point: u32, points: u32 },
    /// `manifest.json` is not valid JSON or lacks a required field.
    #[error("{}: invalid manifest: {message}", path.display())]
    Manifest { path: PathBuf, message: String },
    /// A file is well-formed but holds nothing to report on.
    #[error("{}: {message}", path.display())]
    NoData { path: PathBuf, message: String },
    /// Plotting a chart failed.
    #[error("cannot draw chart {chart}: {message}")]
    Chart { chart: String, message: String },
    /// A file could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl ReportError {
    pub(crate) fn bad_value(
        path: &Path,
        line: u64,
        column: &str,
        value: &str,
        problem: impl Into<String>,
    ) -> Self {
        ReportError::BadValue {
            path: path.to_path_buf(),
            line,
            column: column.to_string(),
            value: value.to_string(),
            problem: problem.into(),
        }
    }

    pub(crate) fn no_data(path: &Path, message: impl Into<String>) -> Self {
        ReportError::NoData {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }
}

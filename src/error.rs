//! Errors and their exit codes: bad input (exit 2) names file, key and line; a calibration whose
//! fit does not reproduce the export gives no verdict (exit 3); anything else exits 1.

use std::fmt;

/// How every error salesim prints begins (on standard error), whatever its kind: bad input,
/// command-line usage, I/O, a failed model check.
pub const PREFIX: &str = "salesim: error: ";

/// Bad input from a scenario file or the command line. Exit code 2.
///
/// Displays as `origin:line: key `k`: problem. Allowed: what is allowed`, leaving out the parts
/// that are unknown.
#[derive(Debug, Clone, PartialEq)]
pub struct InputError {
    /// The file, or the command-line argument, the bad value came from.
    pub origin: String,
    /// 1-based line in the file, where there is one.
    pub line: Option<usize>,
    /// The key path, where there is one.
    pub key: Option<String>,
    /// What is wrong.
    pub problem: String,
    /// What would be accepted.
    pub allowed: String,
}

impl InputError {
    /// An error at a place in a file (or an argument).
    pub fn at(
        origin: &str,
        line: Option<usize>,
        key: Option<&str>,
        problem: &str,
        allowed: &str,
    ) -> Self {
        InputError {
            origin: origin.to_string(),
            line,
            key: key.map(str::to_string),
            problem: problem.to_string(),
            allowed: allowed.to_string(),
        }
    }

    /// An error about a whole file (missing, unreadable, a directory).
    pub fn file(origin: &str, problem: &str, allowed: &str) -> Self {
        InputError::at(origin, None, None, problem, allowed)
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.origin)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        write!(f, ": ")?;
        if let Some(key) = &self.key {
            write!(f, "key `{key}`: ")?;
        }
        write!(f, "{}", self.problem)?;
        if !self.allowed.is_empty() {
            write!(f, ". Allowed: {}", self.allowed)?;
        }
        Ok(())
    }
}

impl std::error::Error for InputError {}

/// Exit code of `salesim calibrate` when the fitted market does not reproduce the export's
/// targeted moments: the scenario, the moments and the fit table are written, no verdict is
/// given.
pub const NO_VERDICT_EXIT_CODE: i32 = 3;

/// Any failure of a salesim command.
#[derive(Debug, thiserror::Error)]
pub enum SalesimError {
    /// Bad scenario or command-line input.
    #[error("{0}")]
    Input(#[from] InputError),
    /// Reading or writing files failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Building charts or the report failed.
    #[error("report: {0}")]
    Report(String),
    /// `check-model` found checks outside their bands.
    #[error("{0} model check(s) failed")]
    ModelCheck(usize),
    /// `calibrate`'s fit does not reproduce the export's market: the scenario and moments were
    /// written, but no verdict is given (exit code 3, [`NO_VERDICT_EXIT_CODE`]).
    #[error("no verdict: {0}")]
    NoVerdict(String),
    /// The run was stopped by Ctrl-C or SIGTERM; the message says what was kept and how to
    /// resume.
    #[error("interrupted: {0}")]
    Interrupted(String),
}

impl SalesimError {
    /// The process exit code: 2 for bad input, 3 when `calibrate`'s fit does not reproduce the
    /// export (no verdict), 130 when stopped by a signal, 1 for everything else.
    pub fn exit_code(&self) -> i32 {
        match self {
            SalesimError::Input(_) => 2,
            SalesimError::Interrupted(_) => crate::interrupt::EXIT_CODE,
            SalesimError::NoVerdict(_) => NO_VERDICT_EXIT_CODE,
            _ => 1,
        }
    }

    /// An I/O error with context.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        SalesimError::Io {
            context: context.into(),
            source,
        }
    }
}

//! What an export may hold to become a scenario salesim can simulate, checked right after the
//! export is read, before anything is fitted or written: a failure late in the fit would blame
//! a line of a scenario file the user never wrote.
//!
//! The fit starts from the field default of [`fit::Settings::defaults`]'s book size (400
//! accounts per rep), so the export's reps times that book must fit in a scenario's
//! [`MAX_CUSTOMERS`] accounts: at most 12,500 reps (distinct owners).

use super::export::Export;
use super::fit;
use crate::error::InputError;
use crate::scenario::MAX_CUSTOMERS;
use std::collections::HashSet;

/// The most reps (distinct owners) an export may have.
pub fn max_reps() -> usize {
    (f64::from(MAX_CUSTOMERS) / fit::Settings::defaults().book_size).floor() as usize
}

/// Refuses an export whose fitted market could not be simulated, naming the export, its reps
/// and the limit.
pub fn check(export: &Export) -> Result<(), InputError> {
    let reps = export
        .opportunities
        .iter()
        .map(|o| o.owner.as_str())
        .collect::<HashSet<_>>()
        .len();
    let max = max_reps();
    if reps <= max {
        return Ok(());
    }
    let book = fit::Settings::defaults().book_size;
    Err(InputError::file(
        &export.origin,
        &format!(
            "has {reps} reps (distinct owners): the fit starts from the field default of {book} \
             accounts per rep, {} accounts in all, and salesim simulates at most {MAX_CUSTOMERS} \
             accounts",
            (reps as f64 * book) as u64
        ),
        &format!(
            "an export of at most {max} reps: one region or team at a time (filter the CRM \
             report by the owners' team)"
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_is_the_accounts_a_scenario_holds_at_the_starting_book() {
        assert_eq!(max_reps(), 12_500);
    }
}

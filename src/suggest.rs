//! "Did you mean …?": the allowed name closest to a misspelt one, for error messages about
//! unknown keys, strategies, variants, teams, checks and built-in scenarios.
//!
//! Closeness is measured with `strsim`, ignoring case. A name is suggested when few edits
//! (Damerau–Levenshtein) separate it from what was typed (one for names of up to four
//! characters, two up to eight, three beyond), or when the two share most of their letters in
//! order, from the start (Jaro–Winkler similarity of at least [`SIMILAR`]: `strategy` for
//! `strategies`); the fewest edits win. An unrelated name is never offered.

/// Jaro–Winkler similarity from which a name counts as close whatever its edit distance.
pub const SIMILAR: f64 = 0.9;

/// The candidate closest to `word`, if one is close enough to be what was meant (ties go to the
/// first); `None` when `word` itself is a candidate.
pub fn closest<'a, I, S>(word: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a S>,
    S: AsRef<str> + ?Sized + 'a,
{
    let typed = word.to_lowercase();
    let limit = match typed.chars().count() {
        0 => return None,
        1..=4 => 1,
        5..=8 => 2,
        _ => 3,
    };
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        let candidate = candidate.as_ref();
        if candidate == word {
            return None;
        }
        let lower = candidate.to_lowercase();
        let distance = strsim::damerau_levenshtein(&typed, &lower);
        let close = distance <= limit || strsim::jaro_winkler(&typed, &lower) >= SIMILAR;
        if close && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// ` (did you mean `x`?)` for the closest candidate, or `""` when none is close: to append to
/// the problem of an error message.
pub fn did_you_mean<'a, I, S>(word: &str, candidates: I) -> String
where
    I: IntoIterator<Item = &'a S>,
    S: AsRef<str> + ?Sized + 'a,
{
    closest(word, candidates).map_or_else(String::new, |c| format!(" (did you mean `{c}`?)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_closest_name_within_a_few_edits() {
        let keys = ["customers", "peers", "segment_mix"];
        assert_eq!(closest("custmers", &keys), Some("customers"));
        assert_eq!(closest("Customers", &keys), Some("customers"));
        assert_eq!(closest("peer", &keys), Some("peers"));
        assert_eq!(
            closest("strategy", &["market", "strategies"]),
            Some("strategies")
        );
        assert_eq!(closest("colour", &keys), None);
        assert_eq!(
            closest("customers", &keys),
            None,
            "an allowed name is no typo"
        );
        assert_eq!(closest("", &keys), None);
        let strategies = ["aggressive", "aligned"];
        assert_eq!(closest("alinged", &strategies), Some("aligned"));
        assert_eq!(closest("agressive", &strategies), Some("aggressive"));
        assert_eq!(closest("pushy", &strategies), None);
        assert_eq!(closest("north", &["west", "east"]), None);
        assert_eq!(
            closest("est", &["west", "east"]),
            Some("west"),
            "ties: the first"
        );
    }

    #[test]
    fn did_you_mean_is_empty_without_a_close_name() {
        let names = vec!["lesson".to_string(), "run".to_string()];
        assert_eq!(did_you_mean("lesosn", &names), " (did you mean `lesson`?)");
        assert_eq!(did_you_mean("xyzzy", &names), "");
    }
}

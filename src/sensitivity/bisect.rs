//! Bisection for the value at which the answer flips: a bracket whose two ends give differences
//! of opposite signs, halved step by step. Apart from the simulator, so that it can be checked on
//! a function with a known root; the study evaluates the midpoints of several knobs' brackets
//! together, one round at a time, on paired runs.

/// An interval of a knob whose ends give differences of opposite signs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bracket {
    /// One end.
    pub low: f64,
    /// The difference at `low`.
    pub at_low: f64,
    /// The other end.
    pub high: f64,
    /// The difference at `high`.
    pub at_high: f64,
    /// Whether the knob takes whole numbers (midpoints are rounded; a bracket of neighbours
    /// is done).
    pub whole: bool,
}

impl Bracket {
    /// A bracket if the differences at the ends have opposite signs (one of them zero counts).
    pub fn new(low: f64, at_low: f64, high: f64, at_high: f64, whole: bool) -> Option<Bracket> {
        let opposite = at_low.is_finite() && at_high.is_finite() && at_low * at_high <= 0.0;
        opposite.then_some(Bracket {
            low,
            at_low,
            high,
            at_high,
            whole,
        })
    }

    /// The next value to evaluate, or `None` when the bracket cannot be halved (a whole-number
    /// knob between neighbours, or an end that is itself a root).
    pub fn midpoint(&self) -> Option<f64> {
        if self.at_low == 0.0 || self.at_high == 0.0 {
            return None;
        }
        let mid = (self.low + self.high) / 2.0;
        if !self.whole {
            return Some(mid);
        }
        let mid = mid.round();
        (mid != self.low && mid != self.high).then_some(mid)
    }

    /// Keeps the half whose ends still give opposite signs.
    pub fn narrow(&mut self, at: f64, difference: f64) {
        if (difference <= 0.0) == (self.at_low <= 0.0) {
            self.low = at;
            self.at_low = difference;
        } else {
            self.high = at;
            self.at_high = difference;
        }
    }

    /// The flip value the bracket gives: an end that is itself a root, else the bracket's middle.
    pub fn flip_value(&self) -> f64 {
        if self.at_low == 0.0 {
            self.low
        } else if self.at_high == 0.0 {
            self.high
        } else {
            (self.low + self.high) / 2.0
        }
    }
}

/// Bisects `f` on a bracket for at most `steps` halvings: the flip value found.
pub fn bisect(mut bracket: Bracket, steps: u32, mut f: impl FnMut(f64) -> f64) -> f64 {
    for _ in 0..steps {
        let Some(mid) = bracket.midpoint() else { break };
        bracket.narrow(mid, f(mid));
    }
    bracket.flip_value()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_known_root_of_a_monotone_function() {
        // x³ − 2 on [0, 2]: the root is 2^(1/3); 20 halvings of a width of 2 leave 2e-6.
        let f = |x: f64| x.powi(3) - 2.0;
        let bracket = Bracket::new(0.0, f(0.0), 2.0, f(2.0), false).unwrap();
        let root = bisect(bracket, 20, f);
        assert!((root - 2f64.cbrt()).abs() < 2e-6, "{root}");
        // Decreasing functions too, and ends given in either order.
        let g = |x: f64| 1.0 - x;
        let bracket = Bracket::new(3.0, g(3.0), -1.0, g(-1.0), false).unwrap();
        assert!((bisect(bracket, 30, g) - 1.0).abs() < 1e-8);
    }

    #[test]
    fn no_bracket_without_a_change_of_sign() {
        assert!(Bracket::new(0.0, 1.0, 1.0, 2.0, false).is_none());
        assert!(Bracket::new(0.0, -1.0, 1.0, f64::NAN, false).is_none());
    }

    #[test]
    fn whole_numbers_stop_between_neighbours() {
        // The root of x − 3.4 among whole numbers lies between 3 and 4.
        let f = |x: f64| x - 3.4;
        let bracket = Bracket::new(0.0, f(0.0), 10.0, f(10.0), true).unwrap();
        let mut calls = Vec::new();
        let flip = bisect(bracket, 50, |x| {
            calls.push(x);
            f(x)
        });
        assert_eq!(flip, 3.5);
        assert!(calls.iter().all(|x| x.fract() == 0.0));
        assert!(calls.len() <= 4, "{calls:?}");
    }

    #[test]
    fn an_end_that_is_a_root_is_the_answer() {
        let bracket = Bracket::new(2.0, 0.0, 5.0, 1.0, false).unwrap();
        assert_eq!(bisect(bracket, 10, |_| panic!("nothing to evaluate")), 2.0);
    }
}

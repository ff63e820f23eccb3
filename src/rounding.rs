//! Rounding of non-negative `f64`s without a library call.
//!
//! On the x86_64 baseline (SSE2, no SSE4.1 `roundsd`) `f64::round` and `f64::floor` are calls
//! into compiler-builtins, about 25 instructions each. The engine rounds several times per
//! contact (territory samples, stage lengths, shortening, the response curve), so these inline
//! versions, which return exactly what the std functions return for every input from +0.0 up,
//! infinity and NaN included (pinned by the tests below), matter. For negative inputs (and
//! −0.0, which they return as +0.0) use the std functions.

/// `x.floor()` for `x ≥ 0` (and NaN, which stays NaN): below 2⁵² the truncating cast to `i64`
/// (one instruction, unlike the cast to `u64`) is exact, and every `f64` from 2⁵² up is already an
/// integer.
#[inline(always)]
pub fn floor_non_negative(x: f64) -> f64 {
    debug_assert!(x >= 0.0 || x.is_nan(), "floor_non_negative({x})");
    if x < 4_503_599_627_370_496.0 {
        (x as i64) as f64
    } else {
        x
    }
}

/// `x.round()` (half away from zero) for `x ≥ 0` (and NaN, which gives NaN): the fraction
/// `x − ⌊x⌋` is exact, so comparing it with ½ rounds exactly as `f64::round` does, including
/// 0.49999999999999994, which `(x + 0.5).floor()` would round up.
#[inline(always)]
pub fn round_non_negative(x: f64) -> f64 {
    debug_assert!(x >= 0.0 || x.is_nan(), "round_non_negative({x})");
    if x < 4_503_599_627_370_496.0 {
        let whole = (x as i64) as f64;
        if x - whole >= 0.5 {
            whole + 1.0
        } else {
            whole
        }
    } else {
        x
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    fn same(a: f64, b: f64) -> bool {
        a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
    }

    #[test]
    fn agree_with_std_on_edge_cases() {
        let edges = [
            0.0,
            0.49999999999999994,
            0.5,
            0.5000000000000001,
            1.0,
            1.4999999999999998,
            1.5,
            2.5,
            1e-300,
            f64::MIN_POSITIVE,
            4_503_599_627_370_495.5,
            4_503_599_627_370_496.0,
            9_007_199_254_740_993.0,
            1.8e19,
            1e300,
            f64::MAX,
            f64::INFINITY,
            f64::NAN,
        ];
        for x in edges {
            assert!(same(round_non_negative(x), x.round()), "round({x:e})");
            assert!(same(floor_non_negative(x), x.floor()), "floor({x:e})");
        }
    }

    #[test]
    fn agree_with_std_on_random_values() {
        let mut rng = crate::rng::Rng::seed_from_u64(5);
        for _ in 0..200_000 {
            // Values spread over many magnitudes, and many exactly at or near halves.
            let x = match rng.random_range(0..3) {
                0 => rng.random::<f64>() * 10f64.powi(rng.random_range(-3..18)),
                1 => rng.random_range(0..1_000_000) as f64 / 2.0,
                _ => f64::from_bits(rng.random_range(0..0x7FF0_0000_0000_0000u64)),
            };
            assert!(same(round_non_negative(x), x.round()), "round({x:e})");
            assert!(same(floor_non_negative(x), x.floor()), "floor({x:e})");
        }
    }
}

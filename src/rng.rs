//! Randomness: one portable, seedable generator type and the one function that derives seeds.
//!
//! Seeds come from (master seed, replication, stream) only, never from the sweep point, threads
//! or clocks, so results are identical whatever the thread count, and replication `r` of every
//! variant and every sweep point sells into the same market (common random numbers, docs/MODEL.md "Experiments").
//! The market (world generation and the customers' own exogenous draws) and behaviour use
//! separate streams, and behaviour has one stream per rep of every vendor: changing our strategy
//! re-rolls neither the market nor the rivals' reps.

use rand::SeedableRng;

/// The generator used everywhere: xoshiro256++, portable across platforms and versions (its
/// `seed_from_u64` expands the seed with SplitMix64), and about 6% faster in the engine than
/// ChaCha8 (BENCHMARKS.md).
pub type Rng = rand_xoshiro::Xoshiro256PlusPlus;

/// Independent random streams of one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// Generating the world: accounts, positions, values, calendars, initial contracts.
    Market = 1,
    /// The accounts' own exogenous draws during the run (needs, stage lengths, budgets).
    Customers = 2,
    /// Reps' choices and contact outcomes.
    Behaviour = 3,
}

/// SplitMix64 finaliser: a fast, well-mixed 64-bit hash.
pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The seed of replication `replication`: the same for every variant and every sweep point.
pub fn run_seed(master: u64, replication: u32) -> u64 {
    mix(mix(master ^ 0x5A1E_5111) ^ replication as u64)
}

/// A generator for one stream of a run.
pub fn stream(run_seed: u64, stream: Stream) -> Rng {
    Rng::seed_from_u64(mix(run_seed ^ mix(stream as u64)))
}

/// The behaviour stream of one rep (`rep` of vendor `vendor`): each rep draws from its own
/// stream, so a change in one rep's behaviour (how many draws it makes) never shifts another's.
pub fn rep_stream(run_seed: u64, vendor: usize, rep: u32) -> Rng {
    let key = mix(((vendor as u64) << 32) | rep as u64);
    Rng::seed_from_u64(mix(run_seed ^ mix(Stream::Behaviour as u64) ^ key))
}

/// A generator for a study's own draws (a sensitivity design's trajectories, bootstrap
/// resamples), keyed by the master seed and a purpose: apart from every run's streams, so the
/// same seed gives the same design whatever the thread count.
pub fn study_stream(master: u64, purpose: u64) -> Rng {
    Rng::seed_from_u64(mix(mix(master ^ 0x5E45_1717) ^ mix(purpose)))
}

/// The generator of bootstrap resample `resample` under `seed` (`salesim calibrate`'s
/// confidence intervals): one stream per resample, so resamples can run on any thread and
/// still draw the same numbers.
pub fn resample_stream(seed: u64, resample: u32) -> Rng {
    Rng::seed_from_u64(mix(mix(seed ^ 0xB007_57A9) ^ resample as u64))
}

/// A uniform draw in [0, 1) keyed by (seed, account, purpose, counter): the account's own
/// randomness, identical across variants as long as the account's history is.
pub fn keyed_uniform(seed: u64, account: u32, purpose: u32, counter: u32) -> f64 {
    let h = mix(seed ^ mix(((account as u64) << 32) | ((purpose as u64) << 24) ^ counter as u64));
    (h >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A uniform index in `0..n` (`n ≥ 1`): exactly what `rng.random_range(0..n)` returns, drawing
/// the same numbers from the stream, but inlined at the call site. Unlike rand it does not
/// check `n ≥ 1` in release builds (it would return 0): callers index a list they have just
/// found non-empty.
///
/// The reps' territory samples draw an index several times per contact slot, and rand's generic
/// `random_range` is an out-of-line call of about 50 instructions. This is rand 0.9's algorithm
/// for a `usize` range that fits in `u32` (one `u32` draw, a widening multiply, and a second draw
/// in the rare case that the low half falls in the biased zone); larger `n` go to rand itself.
/// The test `random_index_is_rands_random_range` pins the equivalence, draw for draw, so an
/// upgrade of rand that changes its algorithm fails loudly instead of changing results.
#[inline(always)]
pub fn random_index(rng: &mut Rng, n: usize) -> usize {
    use rand::{Rng as _, RngCore as _};
    if n > u32::MAX as usize {
        return rng.random_range(0..n);
    }
    debug_assert!(n > 0, "cannot sample empty range");
    let range = n as u32;
    let wide = |x: u32| {
        let product = x as u64 * range as u64;
        ((product >> 32) as u32, product as u32)
    };
    let (mut index, low) = wide(rng.next_u32());
    if low > range.wrapping_neg() {
        let (carry, _) = wide(rng.next_u32());
        index += low.checked_add(carry).is_none() as u32;
    }
    index as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng as _;

    #[test]
    fn random_index_is_rands_random_range() {
        use rand::RngCore as _;
        let mut ours = stream(11, Stream::Behaviour);
        let mut rands = stream(11, Stream::Behaviour);
        let mut sizes = stream(12, Stream::Market);
        // Small ranges (territories, pipelines), ranges just around powers of two, where the
        // biased zone is largest, and the largest ranges that stay on the u32 path.
        let special = [
            1usize,
            2,
            3,
            5,
            7,
            255,
            256,
            257,
            65_535,
            65_537,
            1 << 31,
            (1 << 31) + 1,
        ];
        for i in 0..2_000_000 {
            let n = match i % 4 {
                0 => special[i / 4 % special.len()],
                1 => sizes.random_range(1..1_000),
                2 => sizes.random_range(1..=u32::MAX as usize),
                _ => (u32::MAX - sizes.random_range(0..1_000u32)) as usize,
            };
            assert_eq!(
                random_index(&mut ours, n),
                rands.random_range(0..n),
                "n = {n}"
            );
        }
        assert_eq!(
            ours.next_u64(),
            rands.next_u64(),
            "the streams stay in step"
        );
        let big = u32::MAX as usize + 7;
        assert_eq!(random_index(&mut ours, big), rands.random_range(0..big));
        assert_eq!(ours.next_u64(), rands.next_u64());
    }

    #[test]
    fn seeds_depend_on_the_replication_only() {
        assert_eq!(run_seed(1, 3), run_seed(1, 3));
        assert_ne!(run_seed(1, 3), run_seed(1, 4));
        assert_ne!(run_seed(1, 3), run_seed(2, 3));
        let a: u64 = stream(7, Stream::Market).random();
        let b: u64 = stream(7, Stream::Behaviour).random();
        assert_ne!(a, b);
    }

    #[test]
    fn every_rep_has_a_stream_of_its_own() {
        let first = |v, r| -> u64 { rep_stream(7, v, r).random() };
        let all = [first(0, 0), first(0, 1), first(1, 0), first(1, 1)];
        for i in 0..all.len() {
            for j in i + 1..all.len() {
                assert_ne!(all[i], all[j]);
            }
        }
        assert_eq!(first(1, 1), first(1, 1));
        assert_ne!(first(0, 0), stream(7, Stream::Behaviour).random::<u64>());
    }

    #[test]
    fn keyed_uniform_is_uniform_enough() {
        let n = 20_000;
        let mean: f64 = (0..n).map(|i| keyed_uniform(9, i, 1, 0)).sum::<f64>() / n as f64;
        assert!((mean - 0.5).abs() < 0.01, "mean {mean}");
        assert!((0..n).all(|i| (0.0..1.0).contains(&keyed_uniform(9, 1, 2, i))));
    }
}

//! Reps who learn from their pay: pairwise imitation of better-paid peers, with mutation.
//!
//! At the end of each of its plan periods, a share of our reps revise their selling style. A
//! revising rep picks a peer at random (a teammate, or any of our reps), compares the variable
//! pay both earned over the last year (mean per period, in units of target variable pay, so
//! reps on different plans compare like with like; one quarter's pay is mostly territory luck) and copies the peer's learned knobs
//! ([`crate::params::strategy::Strategy::LEARNED`]) with the Fermi probability 1 / (1 + e^(−β·Δpay))
//! (Szabó & Tőke 1998; Traulsen, Nowak & Pacheco 2006). Now and then it also changes one knob
//! at random (mutation), so a style no one holds can appear. All revisions of a day use the
//! strategies and pay as they were before any of them (a synchronous update), and every draw
//! comes from the revising rep's own stream, so learning is the same whatever the thread count.

use super::{Engine, Strategy};
pub use crate::params::learning::Learning;
use crate::rng::random_index;
use crate::world::RepId;
use rand::Rng as _;
use rand_distr::{Distribution as _, StandardNormal};

impl Engine<'_> {
    /// Our reps in `settled` (whose plan period just ended) revise their strategies: each, with
    /// the revision rate, compares its last period's pay with a random peer's and copies the
    /// peer's selling style with the Fermi chance, then mutates one knob with the mutation
    /// chance. Peers are read as they were before anyone revised today.
    pub(crate) fn learn(&mut self, learning: &Learning, settled: &[RepId]) {
        let before: Vec<Strategy> = self.strategies[0].clone();
        let pay: Vec<f64> = self.reps[0].iter().map(|r| r.year_pay()).collect();
        let ours = &self.world.vendors[0];
        let mut teams: Vec<Vec<RepId>> = vec![Vec::new(); ours.teams.len()];
        for (r, rep) in ours.reps.iter().enumerate() {
            teams[rep.team as usize].push(r as RepId);
        }
        for &r in settled {
            let rng = &mut self.rep_rngs[0][r as usize];
            if rng.random::<f64>() >= learning.revision_rate {
                continue;
            }
            let pool: &[RepId] = if learning.vendor_peers {
                &[]
            } else {
                &teams[ours.reps[r as usize].team as usize]
            };
            let n = if learning.vendor_peers {
                before.len()
            } else {
                pool.len()
            };
            if n < 2 {
                continue;
            }
            // A peer other than the rep itself, uniformly.
            let pick = random_index(rng, n - 1);
            let peer = if learning.vendor_peers {
                pick as RepId
            } else {
                pool[pick]
            };
            let own_index = if learning.vendor_peers {
                r as usize
            } else {
                pool.iter().position(|&p| p == r).unwrap_or(n - 1)
            };
            let peer = if pick >= own_index {
                if learning.vendor_peers {
                    peer + 1
                } else {
                    pool[pick + 1]
                }
            } else {
                peer
            };
            let copy =
                rng.random::<f64>() < learning.copy_chance(pay[r as usize], pay[peer as usize]);
            let mutate = rng.random::<f64>() < learning.mutation;
            let knob = random_index(rng, Strategy::LEARNED.len());
            let shift: f64 = StandardNormal.sample(rng);
            let strategy = &mut self.strategies[0][r as usize];
            if copy {
                strategy.copy_learned(&before[peer as usize]);
            }
            if mutate {
                let (_, _, _, span) = Strategy::LEARNED[knob];
                let x = strategy.learned()[knob] + shift * learning.mutation_size * span;
                strategy.set_learned(knob, x);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fermi_rule_copies_better_paid_peers_more_often() {
        let l = Learning {
            vendor_peers: false,
            revision_rate: 1.0,
            intensity: 5.0,
            mutation: 0.0,
            mutation_size: 0.1,
        };
        assert!((l.copy_chance(1.0, 1.0) - 0.5).abs() < 1e-12);
        assert!((l.copy_chance(1.0, 1.2) - 1.0 / (1.0 + (-1.0f64).exp())).abs() < 1e-12);
        assert!(l.copy_chance(1.0, 2.0) > 0.99);
        assert!(l.copy_chance(2.0, 1.0) < 0.01);
    }
}

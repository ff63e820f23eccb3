//! Learning settings: how our reps learn from their pay (the behaviour is
//! [`crate::engine::learning`]'s).

/// Validated learning settings (from the scenario's `learning` table).
#[derive(Debug, Clone, PartialEq)]
pub struct Learning {
    /// Compare with any of our reps (true) or a teammate (false).
    pub vendor_peers: bool,
    /// Share of reps revising at each period end.
    pub revision_rate: f64,
    /// Selection intensity β, per unit of target variable pay.
    pub intensity: f64,
    /// Chance of a mutation per revision.
    pub mutation: f64,
    /// Mutation standard deviation as a share of a knob's span.
    pub mutation_size: f64,
}

impl Learning {
    /// The chance that a rep who earned `own` copies a peer who earned `peer` (both in units
    /// of target variable pay).
    pub fn copy_chance(&self, own: f64, peer: f64) -> f64 {
        1.0 / (1.0 + (-self.intensity * (peer - own)).exp())
    }
}

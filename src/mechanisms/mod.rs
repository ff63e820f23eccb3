//! Tests of the model's mechanisms on markets built from scenarios: each builds a small market
//! from the built-in lesson (with `--set`-style overrides), puts accounts and reps into chosen
//! states and drives the engine's own methods to check one documented mechanism.
//!
//! They sit above the scenario layer, not inside the model, because they read their markets
//! from the scenario format; the model itself ([`crate::world`], [`crate::engine`],
//! [`crate::metrics`], [`crate::params`]) depends on nothing above it.

mod engine;
mod pay;
mod world;

//! salesim: an agent-based market simulator comparing quarter-driven and customer-aligned selling.
//!
//! Pipeline: [`scenario`] (load, validate into a `Config`) → [`experiment`] (plan variants ×
//! points × replications, fan out with rayon) → [`world::generate`] → [`engine::run`] →
//! [`metrics`] → [`experiment::stats`] → [`output`] (CSV, manifest, terminal summary) and
//! [`report`] (charts, HTML). Around them: [`fsafe`] (atomic writes, never through a link;
//! folder locks), [`folder`] (which output folders a run may write into, what it clears there)
//! [`shown`] (commands quoted for a shell, text made safe for a terminal) and [`suggest`]
//! ("did you mean …?" for misspelt names).

pub mod api;
pub mod calendar;
pub mod calibrate;
pub mod commands;
pub mod cpu;
pub mod engine;
pub mod error;
pub mod experiment;
pub mod folder;
pub mod fsafe;
pub mod interrupt;
#[cfg(test)]
mod mechanisms;
pub mod metrics;
pub mod output;
pub mod params;
pub mod pipeline;
pub mod report;
pub mod rng;
pub mod rounding;
pub mod scenario;
pub mod sensitivity;
pub mod shown;
pub mod suggest;
pub mod validation;
pub mod world;

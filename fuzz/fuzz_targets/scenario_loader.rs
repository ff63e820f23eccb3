//! Fuzz target `scenario_loader`: arbitrary bytes → scenario loader → validator → sweep planner.
//!
//! The bytes are read as UTF-8 (lossily, as a file with stray bytes would be after the UTF-8
//! check in `ScenarioSource::read`) and fed to `salesim::scenario::ScenarioSource::parse`; what
//! parses is validated and planned with `salesim::experiment::plan` (no overrides). Nothing may
//! panic, and every refusal must be an `InputError` that says where (`origin`) and what
//! (`problem`), as the bad-input contract of issue 7 requires.
//!
//! Running it (cargo-fuzz needs a nightly toolchain; the target also builds on stable):
//!
//! ```sh
//! cargo install cargo-fuzz                    # once
//! cd fuzz
//! cargo check                                 # stable is enough to check that it compiles
//! mkdir -p corpus/scenario_loader
//! # corpus/scenario_loader collects new inputs; the other folders are read-only seeds.
//! cargo +nightly fuzz run scenario_loader corpus/scenario_loader ../scenarios ../tests/bad_input \
//!     -- -max_total_time=300 -rss_limit_mb=4096 -max_len=4096 -dict=scenario.dict
//! ```
//!
//! A crash is written to `artifacts/scenario_loader/crash-*`; replay it with
//! `cargo +nightly fuzz run scenario_loader artifacts/scenario_loader/crash-...`, and turn it
//! into a fixture under `tests/bad_input/` (with its expected key and line in
//! `tests/bad_input.rs`) once it is understood. The same properties run on stable, with fewer
//! and less clever inputs, in `tests/properties.rs` (proptest).
//!
//! Two things are stepped around here so that the fuzzer looks further instead of stopping at
//! them on every run:
//! - `plan` validates every point of a sweep (up to 100000 of them, a second or two): inputs
//!   whose sweep would have more than 1000 points are not planned, to keep every input fast;
//! - some TOML syntax errors come back with an empty `problem` (src/scenario/source.rs,
//!   `toml_error`: the toml crate's `message()` is empty for them), tolerated below.

#![no_main]

use libfuzzer_sys::fuzz_target;
use salesim::error::InputError;

/// Refusals must say where and what.
fn check(e: &InputError) {
    assert!(!e.origin.is_empty(), "error without origin: {e:?}");
    let known_empty_syntax_problem = e.problem.is_empty()
        && e.allowed == "valid TOML for a salesim scenario (see `salesim init`)"
        && e.line.is_some();
    assert!(
        !e.problem.trim().is_empty() || known_empty_syntax_problem,
        "error without problem: {e:?}"
    );
    let text = e.to_string();
    assert!(text.starts_with(&e.origin), "{text}");
}

/// Points a sweep expands to (saturating), or 1 without a sweep.
fn sweep_points(source: &salesim::scenario::ScenarioSource) -> usize {
    match &source.scenario.sweep {
        None => 1,
        Some(sweep) if sweep.mode == "zip" => {
            sweep.parameters.values().map(Vec::len).max().unwrap_or(1)
        }
        Some(sweep) => sweep
            .parameters
            .values()
            .fold(1usize, |n, v| n.saturating_mul(v.len().max(1))),
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let source = match salesim::scenario::ScenarioSource::parse("fuzz.toml", &text) {
        Ok(source) => source,
        Err(e) => return check(&e),
    };
    if sweep_points(&source) > 1000 {
        return;
    }
    match salesim::experiment::plan(&source, &[]) {
        Ok(plan) => {
            assert!(plan.point_count() >= 1);
            assert!(plan.total_runs() >= 1);
            for index in 0..plan.point_count() as u32 {
                let point = plan.point(index).expect("a planned point builds again");
                let cfg = &point.config;
                assert!(cfg.horizon_quarters >= 1 && cfg.replications >= 1);
                assert!(!cfg.vendors.is_empty() && !cfg.variants.is_empty());
                assert!(cfg.reference < cfg.variants.len());
            }
        }
        Err(e) => check(&e),
    }
});

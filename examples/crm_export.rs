//! Writes a CRM opportunity export from a simulated market: how the project makes its example
//! export (`examples/crm-salesforce.csv`) and the files of its calibration round trip.
//!
//! ```sh
//! cargo run --release --example crm_export -- SCENARIO.toml LAYOUT OUT.csv [REPLICATION]
//! ```
//!
//! It runs one replication (default 0) of the scenario's reference variant, keeps our
//! opportunities created in the horizon (the deal records `salesim run --deals` writes to
//! deals.csv for that run, [`salesim::calibrate::simulated`]) and writes them in LAYOUT:
//! `salesforce`, `hubspot` or `mapped` (read it back with the options
//! [`salesim::calibrate::crm::MAPPED_OPTIONS`]).

use salesim::calibrate::crm::{self, Written};
use salesim::calibrate::simulated::{self, Shape};
use salesim::scenario::{self, ScenarioSource};
use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(scenario), Some(layout), Some(out)) = (args.first(), args.get(1), args.get(2)) else {
        eprintln!(
            "usage: crm_export SCENARIO.toml salesforce|hubspot|mapped OUT.csv [REPLICATION]"
        );
        return ExitCode::from(2);
    };
    let Some(layout) = Written::ALL.into_iter().find(|l| l.name() == layout) else {
        eprintln!("crm_export: layout `{layout}`: allowed salesforce, hubspot, mapped");
        return ExitCode::from(2);
    };
    let replication: u32 = match args.get(3).map(|r| r.parse()) {
        None => 0,
        Some(Ok(r)) => r,
        Some(Err(_)) => {
            eprintln!("crm_export: REPLICATION must be a whole number");
            return ExitCode::from(2);
        }
    };
    let cfg = match std::fs::read_to_string(scenario)
        .map_err(|e| format!("{scenario}: {e}"))
        .and_then(|text| ScenarioSource::parse(scenario, &text).map_err(|e| e.to_string()))
        .and_then(|source| scenario::build(&source, &[]).map_err(|e| e.to_string()))
    {
        Ok(cfg) => cfg,
        Err(e) => {
            eprintln!("crm_export: {e}");
            return ExitCode::from(2);
        }
    };
    let run = salesim::experiment::simulate_one(&cfg, cfg.reference, replication);
    let opportunities = simulated::opportunities(&cfg, &run.deals, Shape::FULL);
    if let Err(e) = salesim::fsafe::write(Path::new(out), &crm::write(&opportunities, layout)) {
        eprintln!("crm_export: writing {out}: {e}");
        return ExitCode::from(1);
    }
    println!(
        "{out}: {} opportunities of {} reps ({}), replication {replication} of {scenario}",
        opportunities.len(),
        cfg.vendors[0].teams.iter().map(|t| t.reps).sum::<u32>(),
        layout.name()
    );
    ExitCode::SUCCESS
}

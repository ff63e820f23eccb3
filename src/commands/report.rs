//! `salesim report DIR`: the charts and report.html of a finished output folder, rebuilt from
//! its CSVs.

use crate::error::{InputError, SalesimError};
use crate::folder;
use crate::shown::print as say;
use std::path::PathBuf;

/// Arguments of `salesim report`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The output folder.
    pub dir: PathBuf,
    /// For a sweep: the point whose headlines, table and per-quarter charts the report shows
    /// (default: the point with the scenario's own values, else point 0).
    #[arg(long, value_name = "N")]
    pub point: Option<u32>,
}

/// Rebuilds charts and report from a finished output folder (holding its lock meanwhile).
pub fn exec(args: &Args) -> Result<(), SalesimError> {
    let (dir, point) = (args.dir.as_path(), args.point);
    let origin = dir.display().to_string();
    if !dir.join("manifest.json").is_file() {
        return Err(InputError::at(
            &dir.display().to_string(),
            None,
            None,
            "has no manifest.json",
            "a finished salesim output folder",
        )
        .into());
    }
    let unfinished = std::fs::read(dir.join("manifest.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .is_some_and(|m| m["complete"] == false);
    if unfinished {
        return Err(InputError::at(
            &dir.join("manifest.json").display().to_string(),
            None,
            Some("complete"),
            "is false: this run was stopped before it finished",
            "a finished output folder (continue the run with `salesim run ... --resume` first)",
        )
        .into());
    }
    folder::check(dir, &origin)?;
    let _lock = folder::claim(dir, &origin)?;
    let outcome = crate::report::build_at(dir, point).map_err(|e| match e {
        crate::report::ReportError::NoSuchPoint { .. } => InputError::at(
            &format!("--point {}", point.unwrap_or(0)),
            None,
            None,
            &e.to_string(),
            "a sweep point of this run (see manifest.json, sweep.points)",
        )
        .into(),
        e => SalesimError::Report(e.to_string()),
    })?;
    say(&format!(
        "wrote {} chart files and {}\n",
        outcome.charts.len(),
        outcome.report.display()
    ));
    Ok(())
}

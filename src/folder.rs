//! The output folder: which folders salesim writes into, the lock that keeps one salesim
//! process per folder, and what a new run clears away there.
//!
//! - salesim writes only into a folder that does not exist yet, an empty folder, or a folder it
//!   wrote itself (its `manifest.json` names a `salesim_version`, its `journal.bin` is a salesim
//!   journal, or it holds salesim's lock file). Anything else is refused (exit 2), naming the
//!   folder: a run never mixes its files with someone else's.
//! - A run removes only files salesim writes: an earlier run's (or sensitivity study's)
//!   `manifest.json`, `report.html`, `lesson.md`, `book_size.csv`, `deals.csv` and `trace.csv` (so
//!   a run without `--deals` or `--trace` leaves no rows of another run beside its own CSVs) and study files, the chart
//!   files salesim draws in `charts/` (and `charts/` itself once it is empty), and salesim's own
//!   temporary files; a sensitivity study also removes a run's CSVs. The CSVs are replaced when the run puts its own in place; the
//!   journal when it starts one. Any other file in the folder, or in `charts/`, is left alone.
//! - A run and a sensitivity study never delete each other's outputs: a study refuses a folder
//!   that holds a run's CSVs, and a run a study's folder, unless `--force` ([`check_contents`]).
//! - While a process writes into a folder it holds the folder's lock
//!   ([`crate::fsafe::FolderLock`]); a second process is refused (exit 2), not told to resume a
//!   run that is still going.

use crate::error::{InputError, SalesimError};
use crate::experiment::journal;
use crate::fsafe::{self, FolderLock, Locking};
use std::io;
use std::path::Path;

/// Files salesim names in the folder that mark it as salesim's.
const MANIFEST: &str = "manifest.json";

/// Checks, writing nothing, that salesim may write into `out`: it does not exist, or it is a
/// folder (or a link to one) that is empty or salesim's, and no other salesim process holds
/// it. `origin` names it in messages (`--out DIR`).
pub fn check(out: &Path, origin: &str) -> Result<(), SalesimError> {
    let refuse = |problem: &str, allowed: &str| -> SalesimError {
        InputError::at(origin, None, None, problem, allowed).into()
    };
    match out.symlink_metadata() {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => {
            return Err(refuse(
                &format!("cannot be inspected ({e})"),
                "a folder salesim can read and write",
            ))
        }
        Ok(meta) if meta.file_type().is_symlink() && out.metadata().is_err() => {
            let target = std::fs::read_link(out)
                .map(|t| t.display().to_string())
                .unwrap_or_default();
            return Err(refuse(
                &format!("is a link to `{target}`, which does not exist"),
                "a folder, or a link to an existing folder",
            ));
        }
        Ok(_) => {}
    }
    if !out.is_dir() {
        return Err(refuse("exists and is not a folder", "a folder path"));
    }
    let io_error = |e: io::Error| SalesimError::io(format!("inspecting {}", out.display()), e);
    if FolderLock::is_busy(out).map_err(io_error)? {
        return Err(busy(origin));
    }
    if !written_by_salesim(out).map_err(io_error)? {
        let shown: Vec<String> = std::fs::read_dir(out)
            .map_err(io_error)?
            .filter_map(Result::ok)
            .take(3)
            .map(|e| format!("`{}`", e.file_name().to_string_lossy()))
            .collect();
        return Err(refuse(
            &format!(
                "is a folder salesim did not write (it holds {}{} and no salesim manifest.json); salesim will not mix its files with these",
                shown.join(", "),
                if shown.len() == 3 { ", ..." } else { "" }
            ),
            "a new or empty folder, or one salesim wrote (its manifest.json names a salesim_version)",
        ));
    }
    Ok(())
}

/// What a command writes into its folder: a run's CSVs (`run`, `lesson`, `merge`) or a
/// sensitivity study's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Contents {
    /// A run: `runs.csv`, `summary.csv`, … and its manifest.
    Run,
    /// A sensitivity study: `sensitivity.csv`, `swings.csv`, `flip_points.csv` and its manifest.
    Study,
}

impl Contents {
    /// What the folder holds of this kind, if anything: a few of its files, named.
    fn found_in(self, out: &Path) -> Vec<String> {
        let files: &[&str] = match self {
            Contents::Run => &crate::output::FILES,
            Contents::Study => &crate::output::sensitivity::FILES,
        };
        let mut found: Vec<String> = files
            .iter()
            .filter(|f| **f != MANIFEST && out.join(f).symlink_metadata().is_ok())
            .map(|f| format!("`{f}`"))
            .collect();
        let manifest = out.join(MANIFEST);
        if is_salesim_manifest(&manifest)
            && manifest_is_study(&manifest) == (self == Contents::Study)
        {
            found.push(format!("`{MANIFEST}`"));
        }
        found
    }

    fn what(self) -> &'static str {
        match self {
            Contents::Run => "a run",
            Contents::Study => "a sensitivity study",
        }
    }
}

/// Checks, writing nothing, that a command writing `writes` into `out` would not delete the
/// other kind's outputs there: a study refuses a folder that holds a run's CSVs (it would remove
/// them, as they would sit beside a manifest that does not describe them), and a run refuses a
/// study's folder (its manifest, report and charts would go), unless `force`. `origin` names the
/// folder in messages (`--out DIR`).
pub fn check_contents(
    out: &Path,
    origin: &str,
    writes: Contents,
    force: bool,
) -> Result<(), SalesimError> {
    let other = match writes {
        Contents::Run => Contents::Study,
        Contents::Study => Contents::Run,
    };
    if force || !out.is_dir() {
        return Ok(());
    }
    let found = other.found_in(out);
    if found.is_empty() {
        return Ok(());
    }
    let shown = found.iter().take(4).cloned().collect::<Vec<_>>().join(", ");
    Err(InputError::at(
        origin,
        None,
        None,
        &format!(
            "holds the outputs of {} ({shown}), which writing {} here would delete",
            other.what(),
            writes.what()
        ),
        &format!(
            "another --out, or --force to replace {}'s outputs with {}'s",
            other.what(),
            writes.what()
        ),
    )
    .into())
}

/// Whether a salesim manifest is a sensitivity study's (`"study": "sensitivity"`).
fn manifest_is_study(path: &Path) -> bool {
    #[derive(serde::Deserialize)]
    struct Kind {
        #[serde(default)]
        study: Option<String>,
    }
    std::fs::File::open(path)
        .ok()
        .and_then(|f| serde_json::from_reader::<_, Kind>(io::BufReader::new(f)).ok())
        .is_some_and(|k| k.study.is_some())
}

/// Creates `out` if needed and takes its lock, held until the returned value is dropped.
pub fn claim(out: &Path, origin: &str) -> Result<FolderLock, SalesimError> {
    std::fs::create_dir_all(out)
        .map_err(|e| SalesimError::io(format!("creating {}", out.display()), e))?;
    match FolderLock::acquire(out)
        .map_err(|e| SalesimError::io(format!("locking {}", out.display()), e))?
    {
        Locking::Held(lock) => Ok(lock),
        Locking::Busy => Err(busy(origin)),
    }
}

fn busy(origin: &str) -> SalesimError {
    InputError::at(
        origin,
        None,
        None,
        &format!(
            "another salesim process is writing into this folder (it holds {})",
            FolderLock::FILE
        ),
        "another output folder, or the same one once that process has finished",
    )
    .into()
}

/// Whether salesim wrote the folder: it is empty, or holds salesim's lock file, a manifest
/// naming a salesim version, or a salesim journal.
fn written_by_salesim(dir: &Path) -> io::Result<bool> {
    if std::fs::read_dir(dir)?.next().is_none() {
        return Ok(true);
    }
    if dir.join(FolderLock::FILE).symlink_metadata().is_ok() {
        return Ok(true);
    }
    Ok(is_salesim_manifest(&dir.join(MANIFEST))
        || journal::is_journal(&dir.join(journal::JOURNAL_FILE)))
}

/// Whether a file is a manifest salesim wrote (a JSON object with a `salesim_version`).
fn is_salesim_manifest(path: &Path) -> bool {
    #[derive(serde::Deserialize)]
    struct Written {
        #[allow(dead_code)]
        salesim_version: String,
    }
    std::fs::File::open(path)
        .ok()
        .and_then(|f| serde_json::from_reader::<_, Written>(io::BufReader::new(f)).ok())
        .is_some()
}

/// Removes what an earlier run left that must not sit beside the outputs being replaced (its
/// manifest, report and charts: a stop or crash before this run writes its own must not leave a
/// folder that looks complete; its lesson narrative, book sizes and deals, which this run may
/// not write), and salesim's temporary files. Only files salesim writes.
pub fn clear_stale(out: &Path) -> Result<(), SalesimError> {
    let charts = out.join(crate::report::CHARTS_DIR);
    let mut doomed: Vec<std::path::PathBuf> = [
        MANIFEST,
        "report.html",
        crate::output::lesson::LESSON_FILE,
        crate::output::book_size::FILE,
        crate::output::DEALS_FILE,
        crate::output::trace::TRACE_FILE,
    ]
    .iter()
    .chain(&crate::output::sensitivity::FILES)
    .map(|f| out.join(f))
    .collect();
    doomed.extend(temporary_files(out));
    let charts_is_dir = charts.symlink_metadata().is_ok_and(|m| m.is_dir());
    if charts_is_dir {
        doomed.extend(crate::report::chart_files().iter().map(|f| charts.join(f)));
        doomed.extend(temporary_files(&charts));
    }
    for path in doomed {
        remove_file_if_there(&path)?;
    }
    if charts_is_dir {
        // Gone only if nothing else is in it.
        let _ = std::fs::remove_dir(&charts);
    }
    Ok(())
}

/// [`clear_stale`] for a sensitivity study, which also removes a run's CSVs: they would sit
/// beside a manifest that does not describe them.
pub fn clear_for_study(out: &Path) -> Result<(), SalesimError> {
    clear_stale(out)?;
    for file in crate::output::FILES {
        remove_file_if_there(&out.join(file))?;
    }
    Ok(())
}

/// salesim's temporary files in a folder (left by a process that was killed).
fn temporary_files(dir: &Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| fsafe::is_temporary(&e.file_name().to_string_lossy()))
                .map(|e| e.path())
                .collect()
        })
        .unwrap_or_default()
}

/// Removes a file (or a link), leaving a folder alone.
fn remove_file_if_there(path: &Path) -> Result<(), SalesimError> {
    match path.symlink_metadata() {
        Ok(m) if !m.is_dir() => std::fs::remove_file(path)
            .map_err(|e| SalesimError::io(format!("removing {}", path.display()), e)),
        _ => Ok(()),
    }
}

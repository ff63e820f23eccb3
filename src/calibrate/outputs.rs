//! The files `salesim calibrate` writes, `NAME.toml` (the fitted scenario), `NAME.moments.csv`
//! and `NAME.fit.csv` (the goodness-of-fit table) beside it, and the rules that keep it from replacing a file it did not
//! write:
//!
//! - neither may be the export itself (whatever its name: `salesim calibrate export.toml` reads
//!   a CSV called `export.toml`, and its default `--out` is that very file), not even with
//!   `--force`; a link or a second name (hard link) of the export counts as the export;
//! - neither may exist already unless `--force` is given: calibrate refuses (exit 2) naming both
//!   files, and a file that appears while the fit runs is not replaced either;
//! - both are written only once the fit has succeeded, each atomically
//!   ([`crate::fsafe::AtomicFile`]), so a failed or stopped calibration leaves nothing behind.

use crate::error::{InputError, SalesimError};
use crate::fsafe::AtomicFile;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Where calibrate writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outputs {
    /// The fitted scenario, `NAME.toml` (`--out`).
    pub scenario: PathBuf,
    /// The observed moments, `NAME.moments.csv` beside it.
    pub moments: PathBuf,
    /// The goodness-of-fit table, `NAME.fit.csv` beside it.
    pub fit: PathBuf,
    /// `--force`: existing files may be replaced (never the export).
    pub force: bool,
}

/// `--out` (default: the export's name with `.toml`, in the current folder) and the moments
/// file beside it, checked before anything is read: the folder exists, neither file is the
/// export or a folder, and neither exists unless `force`.
pub fn paths(export: &Path, out: Option<&Path>, force: bool) -> Result<Outputs, InputError> {
    let out = out.map_or_else(
        || {
            let stem = export
                .file_stem()
                .map_or_else(|| "market".into(), |s| s.to_string_lossy().into_owned());
            PathBuf::from(format!("{stem}.toml"))
        },
        Path::to_path_buf,
    );
    let flag = format!("--out {}", out.display());
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let Some(stem) = name
        .strip_suffix(".toml")
        .filter(|s| !s.is_empty() && !out.is_dir())
    else {
        return Err(InputError::at(
            &flag,
            None,
            None,
            "is not a scenario file name",
            "NAME.toml (the moments are written to NAME.moments.csv beside it)",
        ));
    };
    let folder = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !folder.is_dir() {
        return Err(InputError::at(
            &flag,
            None,
            None,
            &format!("the folder {} does not exist", folder.display()),
            "a file in an existing folder",
        ));
    }
    let moments = out.with_file_name(format!("{stem}.moments.csv"));
    let fit = out.with_file_name(format!("{stem}.fit.csv"));
    for (what, path) in [
        ("the scenario", &out),
        ("its moments file", &moments),
        ("its fit table", &fit),
    ] {
        if same_file(path, export) {
            return Err(InputError::at(
                &flag,
                None,
                None,
                &format!(
                    "{what} {} would be the export {} itself: calibrate would replace the data \
                     it reads",
                    path.display(),
                    export.display()
                ),
                "another NAME.toml, whose NAME.toml and NAME.moments.csv are not the export",
            ));
        }
        if path.is_dir() {
            return Err(InputError::at(
                &flag,
                None,
                None,
                &format!("{what} {} is a folder", path.display()),
                "another NAME.toml",
            ));
        }
    }
    let existing: Vec<String> = [&out, &moments, &fit]
        .into_iter()
        .filter(|p| p.symlink_metadata().is_ok())
        .map(|p| p.display().to_string())
        .collect();
    if !force && !existing.is_empty() {
        return Err(InputError::at(
            &flag,
            None,
            None,
            &format!(
                "{} already exist{}; calibrate writes {}, {} and {}, and replaces no file unless \
                 asked",
                existing.join(" and "),
                if existing.len() == 1 { "s" } else { "" },
                out.display(),
                moments.display(),
                fit.display()
            ),
            &format!(
                "another --out NAME.toml, or --force to replace {}, {} and {}",
                out.display(),
                moments.display(),
                fit.display()
            ),
        ));
    }
    Ok(Outputs {
        scenario: out,
        moments,
        fit,
        force,
    })
}

/// Whether two paths name the same existing file (through links, or as two names of one file).
fn same_file(a: &Path, b: &Path) -> bool {
    let (Ok(ma), Ok(mb)) = (a.metadata(), b.metadata()) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        ma.dev() == mb.dev() && ma.ino() == mb.ino()
    }
    #[cfg(not(unix))]
    {
        let _ = (ma, mb);
        a.canonicalize()
            .ok()
            .zip(b.canonicalize().ok())
            .is_some_and(|(a, b)| a == b)
    }
}

/// Writes the moments, the fit table and the scenario, each atomically: every temporary file is
/// written first, then put in place, the scenario last. Without `force`, a file that has
/// appeared since [`paths`] checked is not replaced (and the files put in place are taken
/// back).
pub fn write(
    outputs: &Outputs,
    moments: &[u8],
    fit: &[u8],
    scenario: &[u8],
) -> Result<(), SalesimError> {
    let error = |path: &Path, e: std::io::Error| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            InputError::file(
                &path.display().to_string(),
                "appeared while calibrate ran; it was not replaced",
                "run calibrate again with another --out, or with --force to replace it",
            )
            .into()
        } else {
            SalesimError::io(format!("writing {}", path.display()), e)
        }
    };
    let prepare = |path: &Path, bytes: &[u8]| -> Result<AtomicFile, SalesimError> {
        let mut file = AtomicFile::create(path).map_err(|e| error(path, e))?;
        file.write_all(bytes).map_err(|e| error(path, e))?;
        Ok(file)
    };
    let files = [
        (&outputs.moments, prepare(&outputs.moments, moments)?),
        (&outputs.fit, prepare(&outputs.fit, fit)?),
        (&outputs.scenario, prepare(&outputs.scenario, scenario)?),
    ];
    let commit = |file: AtomicFile| {
        if outputs.force {
            file.commit()
        } else {
            file.commit_new()
        }
    };
    let mut placed: Vec<&PathBuf> = Vec::new();
    for (path, file) in files {
        if let Err(e) = commit(file) {
            if !outputs.force {
                // Put in place just now, by this process: nothing of the user's is lost.
                for p in placed {
                    let _ = std::fs::remove_file(p);
                }
            }
            return Err(error(path, e));
        }
        placed.push(path);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_export_is_never_an_output_and_existing_files_need_force() {
        let tmp = tempfile::tempdir().unwrap();
        let export = tmp.path().join("export.toml");
        std::fs::write(&export, "a,b\n1,2\n").unwrap();
        for force in [false, true] {
            let e = paths(&export, Some(&export), force).unwrap_err();
            assert!(e.problem.contains("would be the export"), "{e}");
        }
        let moments_named = tmp.path().join("x.moments.csv");
        std::fs::write(&moments_named, "").unwrap();
        let e = paths(&moments_named, Some(&tmp.path().join("x.toml")), true).unwrap_err();
        assert!(e.problem.contains("would be the export"), "{e}");

        let out = tmp.path().join("acme.toml");
        assert!(paths(&export, Some(&out), false).is_ok());
        std::fs::write(tmp.path().join("acme.moments.csv"), "mine").unwrap();
        let e = paths(&export, Some(&out), false).unwrap_err().to_string();
        assert!(e.contains("acme.moments.csv already exists"), "{e}");
        assert!(e.contains("acme.toml") && e.contains("--force"), "{e}");
        let outputs = paths(&export, Some(&out), true).unwrap();
        write(&outputs, b"m", b"f", b"s").unwrap();
        assert_eq!(std::fs::read(&outputs.moments).unwrap(), b"m");
        assert_eq!(std::fs::read(&outputs.fit).unwrap(), b"f");
        assert_eq!(std::fs::read(&outputs.scenario).unwrap(), b"s");
    }

    #[test]
    fn a_file_that_appears_during_the_fit_is_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let export = tmp.path().join("e.csv");
        std::fs::write(&export, "a\n").unwrap();
        let outputs = paths(&export, Some(&tmp.path().join("n.toml")), false).unwrap();
        std::fs::write(&outputs.scenario, "user's").unwrap();
        assert!(write(&outputs, b"m", b"f", b"s").is_err());
        assert_eq!(std::fs::read(&outputs.scenario).unwrap(), b"user's");
        assert!(!outputs.moments.exists());
        assert!(!outputs.fit.exists());
    }
}

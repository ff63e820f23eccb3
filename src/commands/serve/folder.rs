//! The server's working folder: `salesim-serve-XXXX` in the temporary folder, removed when the
//! server stops. A server killed outright (kill -9, a power cut) cannot remove its own, so each
//! folder holds a marker with its server's process id, and the next server to start removes the
//! folders it can prove were left behind: named `salesim-serve-*`, a real folder owned by this
//! user, holding a marker whose process no longer runs. Anything else is left alone.

use crate::error::SalesimError;
use std::path::Path;

/// Prefix of the folders' names.
pub const PREFIX: &str = "salesim-serve-";

/// The marker's file name inside a folder.
pub const MARKER: &str = "salesim-serve.pid";

/// What the marker says before the process id.
const SAYS: &str = "salesim serve working folder, process ";

/// Creates this server's folder (with its marker), after removing those that killed servers
/// left behind.
pub fn create() -> Result<tempfile::TempDir, SalesimError> {
    remove_left_behind(&std::env::temp_dir());
    let dir = tempfile::Builder::new()
        .prefix(PREFIX)
        .tempdir()
        .map_err(|e| SalesimError::io("creating the server's working folder", e))?;
    let marker = dir.path().join(MARKER);
    std::fs::write(&marker, format!("{SAYS}{}\n", std::process::id()))
        .map_err(|e| SalesimError::io(format!("writing {}", marker.display()), e))?;
    Ok(dir)
}

/// Removes the folders in `temp` that servers no longer running left behind; returns how many.
pub fn remove_left_behind(temp: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(temp) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let path = entry.path();
        let named = entry
            .file_name()
            .to_str()
            .is_some_and(|n| n.starts_with(PREFIX));
        if named && left_behind(&path) && std::fs::remove_dir_all(&path).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// Whether `dir` is provably a folder of a server that no longer runs.
fn left_behind(dir: &Path) -> bool {
    // A real folder (not a link to one), owned by this user.
    let Ok(meta) = std::fs::symlink_metadata(dir) else {
        return false;
    };
    if !meta.is_dir() || !owned_by_me(&meta) {
        return false;
    }
    let Ok(text) = std::fs::read_to_string(dir.join(MARKER)) else {
        return false;
    };
    let Some(pid) = text
        .strip_prefix(SAYS)
        .and_then(|rest| rest.trim().parse::<u32>().ok())
    else {
        return false;
    };
    pid != std::process::id() && !running(pid)
}

#[cfg(unix)]
fn owned_by_me(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: getuid(2) has no preconditions.
    meta.uid() == unsafe { libc::getuid() }
}

#[cfg(not(unix))]
fn owned_by_me(_: &std::fs::Metadata) -> bool {
    false
}

/// Whether a process `pid` runs (or may: when unsure, it is taken as running).
#[cfg(unix)]
fn running(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return true;
    };
    if pid <= 0 {
        return true;
    }
    // SAFETY: kill(2) with signal 0 sends nothing; it only checks that the process exists.
    let alive = unsafe { libc::kill(pid, 0) } == 0;
    alive || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

#[cfg(not(unix))]
fn running(_: u32) -> bool {
    true
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn only_folders_of_servers_that_stopped_running_are_removed() {
        let temp = tempfile::tempdir().unwrap();
        let folder = |name: &str, marker: Option<String>| {
            let dir = temp.path().join(name);
            std::fs::create_dir(&dir).unwrap();
            std::fs::write(dir.join("job.csv"), "kept?").unwrap();
            if let Some(m) = marker {
                std::fs::write(dir.join(MARKER), m).unwrap();
            }
            dir
        };
        // A process that has ended: a child reaped.
        let mut child = std::process::Command::new("true").spawn().unwrap();
        child.wait().unwrap();
        let dead = child.id();
        let gone = folder("salesim-serve-dead", Some(format!("{SAYS}{dead}\n")));
        let alive = folder(
            "salesim-serve-alive",
            Some(format!("{SAYS}{}\n", std::process::id())),
        );
        let unmarked = folder("salesim-serve-unmarked", None);
        let other = folder("other-dead", Some(format!("{SAYS}{dead}\n")));
        let garbled = folder("salesim-serve-garbled", Some("process 12x".into()));
        assert_eq!(remove_left_behind(temp.path()), 1);
        assert!(!gone.exists());
        for kept in [alive, unmarked, other, garbled] {
            assert!(kept.join("job.csv").exists(), "{} kept", kept.display());
        }
    }
}

//! File safety: every file salesim writes appears whole or not at all, and is never written
//! through a link someone planted.
//!
//! - A file is written to a temporary file in its destination's folder, created exclusively
//!   (`O_CREAT | O_EXCL` under a random name, with the `tempfile` crate, so a link at that name
//!   cannot exist and is never followed), synced, and renamed over the destination. The rename
//!   replaces a link at the destination itself; it never writes to the link's target.
//! - Temporary names start with [`TEMP_PREFIX`] and end with [`TEMP_SUFFIX`]
//!   (`.salesim-runs.csv.Xy12Ab.partial`), so the ones a killed process leaves behind are
//!   recognisably salesim's and can be removed without touching anything else.
//! - Existing files that salesim appends to (the run journal) are opened without following a
//!   link.
//! - [`FolderLock`] is the advisory lock that keeps two salesim processes from writing into one
//!   output folder at the same time.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// How the names of salesim's temporary files begin.
pub const TEMP_PREFIX: &str = ".salesim-";
/// How the names of salesim's temporary files end.
pub const TEMP_SUFFIX: &str = ".partial";

/// Whether a file name is one of salesim's temporary files.
pub fn is_temporary(name: &str) -> bool {
    name.starts_with(TEMP_PREFIX) && name.ends_with(TEMP_SUFFIX)
}

/// A file written under a temporary name beside its destination, and put in place by
/// [`AtomicFile::commit`]. Dropped without a commit, the temporary file is removed.
pub struct AtomicFile {
    path: PathBuf,
    out: BufWriter<tempfile::NamedTempFile>,
}

impl AtomicFile {
    /// Creates the temporary file for `path` (exclusively, in `path`'s folder).
    pub fn create(path: &Path) -> io::Result<AtomicFile> {
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let prefix = format!("{TEMP_PREFIX}{name}.");
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(TEMP_SUFFIX);
        #[cfg(unix)]
        {
            // As `File::create` would: readable by others unless the umask says otherwise
            // (tempfile's own default is owner-only).
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o666));
        }
        let file = builder.tempfile_in(dir)?;
        Ok(AtomicFile {
            path: path.to_path_buf(),
            out: BufWriter::new(file),
        })
    }

    /// The file it will become.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Flushes and syncs the temporary file, then renames it over the destination.
    pub fn commit(self) -> io::Result<()> {
        let path = self.path.clone();
        let file = self.finish()?;
        file.persist(&path).map(drop).map_err(|e| e.error)
    }

    /// As [`AtomicFile::commit`], but fails (with `AlreadyExists`) if the destination exists.
    pub fn commit_new(self) -> io::Result<()> {
        let path = self.path.clone();
        let file = self.finish()?;
        file.persist_noclobber(&path).map(drop).map_err(|e| e.error)
    }

    fn finish(self) -> io::Result<tempfile::NamedTempFile> {
        let file = self.out.into_inner().map_err(|e| e.into_error())?;
        file.as_file().sync_all()?;
        Ok(file)
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.out.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// Writes `bytes` to `path` atomically (see the module documentation).
pub fn write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = AtomicFile::create(path)?;
    file.write_all(bytes)?;
    file.commit()
}

/// Writes `bytes` to `path` atomically, unless `path` exists (then `AlreadyExists`, and nothing
/// is written).
pub fn write_new(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = AtomicFile::create(path)?;
    file.write_all(bytes)?;
    file.commit_new()
}

/// Opens an existing file for writing, refusing (on Unix) to follow a link at `path`.
pub fn open_for_writing(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true);
    no_follow(&mut options);
    options.open(path)
}

#[cfg(unix)]
fn no_follow(options: &mut OpenOptions) {
    use std::os::unix::fs::OpenOptionsExt;
    options.custom_flags(libc::O_NOFOLLOW);
}

#[cfg(not(unix))]
fn no_follow(_options: &mut OpenOptions) {}

/// An exclusive advisory lock on an output folder, held until dropped: the file
/// [`FolderLock::FILE`] in the folder, locked with the operating system's file lock (so a
/// process that dies releases it). The file itself stays; it is the lock's handle, not its
/// state.
#[derive(Debug)]
pub struct FolderLock {
    _file: File,
}

/// The outcome of trying to lock a folder.
#[derive(Debug)]
pub enum Locking {
    /// The lock is ours.
    Held(FolderLock),
    /// Another process holds it.
    Busy,
}

impl FolderLock {
    /// The lock file's name in a folder.
    pub const FILE: &'static str = ".salesim-lock";

    /// Takes the folder's lock, creating the lock file if needed.
    pub fn acquire(dir: &Path) -> io::Result<Locking> {
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        no_follow(&mut options);
        FolderLock::lock(options.open(dir.join(Self::FILE))?)
    }

    /// Whether another process holds the folder's lock (without creating anything).
    pub fn is_busy(dir: &Path) -> io::Result<bool> {
        let mut options = OpenOptions::new();
        options.read(true).write(true);
        no_follow(&mut options);
        match options.open(dir.join(Self::FILE)) {
            Ok(file) => Ok(matches!(FolderLock::lock(file)?, Locking::Busy)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }

    fn lock(file: File) -> io::Result<Locking> {
        match file.try_lock() {
            Ok(()) => Ok(Locking::Held(FolderLock { _file: file })),
            Err(std::fs::TryLockError::WouldBlock) => Ok(Locking::Busy),
            Err(std::fs::TryLockError::Error(e)) => Err(e),
        }
    }
}

/// Writes a whole file atomically ([`write`]), an I/O error told as a [`crate::error::SalesimError`].
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), crate::error::SalesimError> {
    write(path, bytes)
        .map_err(|e| crate::error::SalesimError::io(format!("writing {}", path.display()), e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_replaces_a_link_and_leaves_its_target_alone() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("target");
        std::fs::write(&target, "precious").unwrap();
        let path = tmp.path().join("out.csv");
        #[cfg(unix)]
        std::os::unix::fs::symlink(&target, &path).unwrap();
        write(&path, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "precious");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert!(!path.is_symlink());
        let names: Vec<String> = std::fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            !names.iter().any(|n| is_temporary(n)),
            "temporary file left: {names:?}"
        );
    }

    #[test]
    fn an_uncommitted_file_leaves_nothing_and_write_new_never_replaces() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("a.toml");
        let mut f = AtomicFile::create(&path).unwrap();
        f.write_all(b"half").unwrap();
        drop(f);
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);
        write_new(&path, b"one").unwrap();
        let e = write_new(&path, b"two").unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "one");
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);
    }

    #[test]
    #[cfg(unix)]
    fn appending_never_follows_a_link() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("target");
        std::fs::write(&target, "precious").unwrap();
        let link = tmp.path().join("journal.bin");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(open_for_writing(&link).is_err());
        assert!(open_for_writing(&target).is_ok());
    }

    #[test]
    fn a_second_lock_on_a_folder_is_refused_until_the_first_is_dropped() {
        let tmp = tempfile::tempdir().unwrap();
        assert!(!FolderLock::is_busy(tmp.path()).unwrap());
        let Locking::Held(first) = FolderLock::acquire(tmp.path()).unwrap() else {
            panic!("a free folder is busy");
        };
        assert!(matches!(
            FolderLock::acquire(tmp.path()).unwrap(),
            Locking::Busy
        ));
        assert!(FolderLock::is_busy(tmp.path()).unwrap());
        drop(first);
        assert!(!FolderLock::is_busy(tmp.path()).unwrap());
        assert!(matches!(
            FolderLock::acquire(tmp.path()).unwrap(),
            Locking::Held(_)
        ));
    }
}

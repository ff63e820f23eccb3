//! The run journal (`journal.bin` in the output folder): every finished run's record, appended
//! as it finishes, so an interrupted run (Ctrl-C, SIGTERM, even `kill -9`) can be resumed
//! without recomputing finished runs, and so slices of a plan run on different machines can be
//! merged into the files one run writes.
//!
//! Format: the magic bytes `SALESIMJ`, then frames of `[u32 length][u32 CRC-32][payload]`
//! (little-endian). The first frame's payload is the [`Header`] (JSON), the rest are [`Entry`]s
//! (postcard: floats as their exact bits, so a resumed or merged run is byte-identical to an
//! uninterrupted one). A frame cut short or failing its checksum (a write interrupted by
//! `kill -9` or a crash) ends the journal: everything before it is kept, it is dropped.

use super::job::Job;
use super::Plan;
use crate::engine::DealRecord;
use crate::error::{InputError, SalesimError};
use crate::metrics::RunRecord;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The journal's file name inside an output folder.
pub const JOURNAL_FILE: &str = "journal.bin";

/// The first bytes of every journal.
const MAGIC: &[u8; 8] = b"SALESIMJ";

/// Version of the journal's layout; a journal of another layout is refused, not misread.
/// (2: the header holds a [`Job`]; the plan digest covers the resolved scenario once. 3: the
/// job's `shard` is absent for a whole run, so a `--shard 1/1` slice is told from a plain run.
/// 4: a run's record holds its teams, vendors, reps' attainments and distinct blocking accounts.
/// 5: an entry holds the run's deal records (empty without `--deals`); the job says whether
/// deals were asked for. 6: a run's record holds pay (commission, base pay, sandbagging) and
/// its reps' strategy mix.)
pub const FORMAT: u32 = 6;

/// Largest frame a reader accepts (a header with a long scenario file, or one run's record).
const MAX_FRAME_BYTES: u32 = 64 << 20;

/// What a journal belongs to: enough to refuse mixing runs of different experiments, and to
/// rebuild the plan (for `salesim merge`) from the scenario text and the job's options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// [`FORMAT`] of the writer.
    pub format: u32,
    /// The salesim version that wrote it.
    pub salesim_version: String,
    /// SHA-256 of the version and the resolved scenario ([`super::plan_digest`]).
    pub plan_digest: String,
    /// Scenario name.
    pub scenario_name: String,
    /// The scenario, the options and the slice.
    pub job: Job,
    /// The scenario file's text.
    pub scenario_text: String,
    /// The master seed after overrides.
    pub master_seed: u64,
    /// Runs in the whole plan.
    pub total_runs: u64,
}

/// One finished run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// Sweep point.
    pub point: u32,
    /// Replication.
    pub replication: u32,
    /// Variant index.
    pub variant: u32,
    /// Run seed.
    pub seed: u64,
    /// The run's record.
    pub record: RunRecord,
    /// Every vendor's opportunities, for `deals.csv` (empty unless the job asked for deals).
    pub deals: Vec<DealRecord>,
}

/// Where one entry's frame lies in a journal file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    /// Byte offset of the payload.
    pub offset: u64,
    /// Payload length.
    pub len: u32,
}

/// A journal read back: its header, where each finished run's entry is, and how many bytes of
/// the file are whole frames.
#[derive(Debug, Clone)]
pub struct Contents {
    /// The file.
    pub path: PathBuf,
    /// Its header.
    pub header: Header,
    /// (point, replication, variant) → entry location; a run journaled twice keeps its first
    /// entry (both are identical: runs are deterministic).
    pub entries: HashMap<(u32, u32, u32), Location>,
    /// Bytes of whole, checksummed frames from the start of the file.
    pub valid_len: u64,
}

fn frame(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 8);
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

fn io(path: &Path, what: &str, e: std::io::Error) -> SalesimError {
    SalesimError::io(format!("{what} {}", path.display()), e)
}

/// A bad or foreign journal: bad input (exit 2) naming the file.
fn unusable(path: &Path, problem: &str) -> SalesimError {
    mismatch(
        path,
        problem,
        "a journal.bin written by this salesim version's `run` (another --out, or deleting it, starts over)",
    )
}

fn mismatch(path: &Path, problem: &str, allowed: &str) -> SalesimError {
    InputError::file(&path.display().to_string(), problem, allowed).into()
}

/// Whether a file begins as a salesim journal does.
pub fn is_journal(path: &Path) -> bool {
    let mut magic = [0u8; MAGIC.len()];
    File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok_and(|()| &magic == MAGIC)
}

/// Reads a journal: the header and the location of every whole entry.
pub fn read(path: &Path) -> Result<Contents, SalesimError> {
    let mut bytes = Vec::new();
    File::open(path)
        .and_then(|mut f| f.read_to_end(&mut bytes))
        .map_err(|e| io(path, "reading", e))?;
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err(unusable(path, "is not a salesim journal"));
    }
    let mut at = MAGIC.len();
    let mut frames = Vec::new();
    while let Some(head) = bytes.get(at..at + 8) {
        let len = u32::from_le_bytes(head[..4].try_into().expect("4 bytes"));
        let crc = u32::from_le_bytes(head[4..].try_into().expect("4 bytes"));
        let start = at + 8;
        let Some(payload) = bytes.get(start..start + len as usize) else {
            break;
        };
        if len > MAX_FRAME_BYTES || crc32fast::hash(payload) != crc {
            break;
        }
        frames.push(Location {
            offset: start as u64,
            len,
        });
        at = start + len as usize;
    }
    let Some(first) = frames.first() else {
        return Err(unusable(path, "has no readable header"));
    };
    /// The one header field every layout has.
    #[derive(Deserialize)]
    struct Layout {
        format: u32,
    }
    let cannot_read = || unusable(path, "has a header this version cannot read");
    let layout: Layout =
        serde_json::from_slice(payload_of(&bytes, first)).map_err(|_| cannot_read())?;
    if layout.format != FORMAT {
        return Err(unusable(
            path,
            &format!(
                "has journal format {}, this salesim writes format {FORMAT}",
                layout.format
            ),
        ));
    }
    let header: Header =
        serde_json::from_slice(payload_of(&bytes, first)).map_err(|_| cannot_read())?;
    let mut entries = HashMap::with_capacity(frames.len());
    for loc in &frames[1..] {
        let entry: Entry = postcard::from_bytes(payload_of(&bytes, loc))
            .map_err(|_| unusable(path, "has an entry this version cannot read"))?;
        entries
            .entry((entry.point, entry.replication, entry.variant))
            .or_insert(*loc);
    }
    Ok(Contents {
        path: path.to_path_buf(),
        header,
        entries,
        valid_len: at as u64,
    })
}

fn payload_of<'b>(bytes: &'b [u8], loc: &Location) -> &'b [u8] {
    &bytes[loc.offset as usize..loc.offset as usize + loc.len as usize]
}

/// Reads entries back from a journal by their locations.
pub struct EntryReader {
    path: PathBuf,
    file: File,
}

impl EntryReader {
    /// Opens a journal for reading entries.
    pub fn open(path: &Path) -> Result<EntryReader, SalesimError> {
        let file = File::open(path).map_err(|e| io(path, "opening", e))?;
        Ok(EntryReader {
            path: path.to_path_buf(),
            file,
        })
    }

    /// The entry at `loc`.
    pub fn entry(&mut self, loc: Location) -> Result<Entry, SalesimError> {
        let mut buf = vec![0; loc.len as usize];
        self.file
            .seek(SeekFrom::Start(loc.offset))
            .and_then(|_| self.file.read_exact(&mut buf))
            .map_err(|e| io(&self.path, "reading", e))?;
        postcard::from_bytes(&buf).map_err(|_| unusable(&self.path, "changed while being read"))
    }
}

/// Appends entries to a journal, one `write` per frame, so a run killed at any moment leaves
/// at most one torn frame (which [`read`] drops).
pub struct Writer {
    path: PathBuf,
    file: Mutex<File>,
}

impl Writer {
    /// Starts a new journal with its header, replacing any file at `path`.
    pub fn create(path: &Path, header: &Header) -> Result<Writer, SalesimError> {
        let json = serde_json::to_vec(header).expect("the header is plain JSON");
        let mut bytes = MAGIC.to_vec();
        bytes.extend(frame(&json));
        crate::fsafe::write(path, &bytes).map_err(|e| io(path, "writing", e))?;
        Writer::append_to(path, bytes.len() as u64)
    }

    /// Continues a journal after its last whole frame (`valid_len`), dropping a torn tail. A
    /// link at `path` is refused, not followed.
    pub fn append_to(path: &Path, valid_len: u64) -> Result<Writer, SalesimError> {
        let file = crate::fsafe::open_for_writing(path).map_err(|e| io(path, "opening", e))?;
        file.set_len(valid_len)
            .map_err(|e| io(path, "truncating", e))?;
        let mut file = file;
        file.seek(SeekFrom::End(0))
            .map_err(|e| io(path, "opening", e))?;
        Ok(Writer {
            path: path.to_path_buf(),
            file: Mutex::new(file),
        })
    }

    /// Appends one finished run (called from worker threads).
    pub fn append(&self, entry: &Entry) -> Result<(), SalesimError> {
        let payload = postcard::to_stdvec(entry).expect("records serialize");
        let bytes = frame(&payload);
        let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
        file.write_all(&bytes)
            .map_err(|e| io(&self.path, "writing", e))
    }

    /// Flushes the journal to disk.
    pub fn sync(&self) -> Result<(), SalesimError> {
        let file = self.file.lock().unwrap_or_else(|p| p.into_inner());
        file.sync_all().map_err(|e| io(&self.path, "syncing", e))
    }
}

/// Checks that a journal belongs to this plan and slice, naming what differs; `allowed` says
/// what would be accepted.
pub fn check_matches(
    contents: &Contents,
    expected: &Header,
    allowed: &str,
) -> Result<(), SalesimError> {
    let found = &contents.header;
    let what = if found.salesim_version != expected.salesim_version {
        format!(
            "was written by salesim {}, this is salesim {}",
            found.salesim_version, expected.salesim_version
        )
    } else if found.scenario_name != expected.scenario_name {
        format!(
            "holds scenario `{}`, not `{}`",
            found.scenario_name, expected.scenario_name
        )
    } else if found.master_seed != expected.master_seed {
        format!(
            "holds master seed {}, not {}",
            found.master_seed, expected.master_seed
        )
    } else if found.plan_digest != expected.plan_digest {
        "holds a run of different scenario contents or --set/--replications options".to_string()
    } else if found.job.deals != expected.job.deals {
        let name = |deals: bool| {
            if deals {
                "with --deals"
            } else {
                "without --deals"
            }
        };
        format!(
            "holds a run {}, not one {}",
            name(found.job.deals),
            name(expected.job.deals)
        )
    } else if found.job.shard != expected.job.shard {
        let name = |shard: Option<super::Slice>| match shard {
            Some(slice) => format!("slice {slice}"),
            None => "a run without --shard".to_string(),
        };
        format!(
            "holds {}, not {}",
            name(found.job.shard),
            name(expected.job.shard)
        )
    } else {
        return Ok(());
    };
    Err(mismatch(&contents.path, &what, allowed))
}

/// Builds the header of a job's journal.
pub fn header(plan: &Plan, job: &Job, scenario_text: &str) -> Header {
    Header {
        format: FORMAT,
        salesim_version: env!("CARGO_PKG_VERSION").to_string(),
        plan_digest: super::plan_digest(plan),
        scenario_name: plan.base().name.clone(),
        job: job.clone(),
        scenario_text: scenario_text.to_string(),
        master_seed: plan.base().seed,
        total_runs: plan.total_runs(),
    }
}

/// A fresh run must not silently throw away the finished runs of one that was stopped: the
/// user continues it with `--resume`, or deletes its journal to start over.
pub fn refuse_to_overwrite_stopped_run(journal_path: &Path) -> Result<(), InputError> {
    if !journal_path.is_file() {
        return Ok(());
    }
    let held = match read(journal_path) {
        Ok(c) => format!(
            "holds the journal of a {} run of `{}` ({} runs finished)",
            match c.header.job.shard {
                None => "stopped".to_string(),
                Some(slice) => format!("slice {slice}"),
            },
            c.header.scenario_name,
            c.entries.len()
        ),
        Err(_) => "holds a journal salesim cannot read".to_string(),
    };
    Err(InputError::file(
        &journal_path.display().to_string(),
        &held,
        "--resume to continue it, or another --out (or deleting journal.bin) to start over",
    ))
}

//! `salesim init NAME`: writes a commented scenario template to NAME.toml, never over a file.

use crate::error::{InputError, SalesimError};
use crate::scenario;
use crate::shown::{print as say, shell_command};
use std::path::PathBuf;

/// Arguments of `salesim init`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Scenario name (letters, digits, '-', '_'); the file is NAME.toml.
    pub name: String,
}

/// Writes `NAME.toml` from the commented template.
pub fn exec(args: &Args) -> Result<(), SalesimError> {
    let name = args.name.as_str();
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !ok {
        return Err(InputError::at(
            "init",
            None,
            Some("NAME"),
            &format!("`{name}` is not a valid scenario name"),
            "1–64 letters, digits, '-' or '_'",
        )
        .into());
    }
    let path = PathBuf::from(format!("{name}.toml"));
    let exists = || -> SalesimError {
        InputError::at(
            &path.display().to_string(),
            None,
            None,
            "already exists",
            "a name whose .toml file does not exist yet",
        )
        .into()
    };
    // Not even a link to nowhere is replaced.
    if path.symlink_metadata().is_ok() {
        return Err(exists());
    }
    match crate::fsafe::write_new(&path, scenario::template(name).as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Err(exists()),
        written => {
            written.map_err(|e| SalesimError::io(format!("writing {}", path.display()), e))?
        }
    }
    let file = path.display().to_string();
    say(&format!(
        "wrote {file} — edit it, then: {}\n",
        shell_command(&["salesim", "run", &file])
    ));
    Ok(())
}

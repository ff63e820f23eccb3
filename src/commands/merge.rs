//! `salesim merge DIR...`: the slice folders of `run --shard K/N` combined into the files one
//! unsharded run writes ([`crate::pipeline::merge`]).

use crate::error::SalesimError;
use crate::pipeline;
use std::path::PathBuf;

/// Arguments of `salesim merge`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The slice folders.
    #[arg(required = true, value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    /// Output folder (default: output/<scenario name>/).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// No summary on the terminal.
    #[arg(long, short)]
    pub quiet: bool,
    /// Write into a folder that holds a sensitivity study's outputs, replacing them.
    #[arg(long)]
    pub force: bool,
}

/// Merges the slices.
pub fn exec(args: &Args) -> Result<(), SalesimError> {
    pipeline::merge(&args.dirs, args.out.as_deref(), args.quiet, args.force).map(|_| ())
}

//! Commands with a module of their own (STYLE: one file per subcommand): each reads its
//! options, calls the library and writes its outputs. The older commands are still in
//! [`crate::app`], which dispatches to these.

pub mod sensitivity;
pub mod serve;

//! The salesim binary: parse arguments, run the library, map errors to exit codes.
//!
//! Every error starts with [`salesim::error::PREFIX`] (`salesim: error: `), the command line's
//! own (clap's, with its "did you mean" tips) included.

use clap::Parser;
use salesim::error::PREFIX;
use salesim::shown::for_terminal;

fn main() {
    let cli = match salesim::commands::Cli::try_parse() {
        Ok(cli) => cli,
        // clap's message begins "error: ": the same prefix as every other error, exit code 2.
        Err(e) if e.use_stderr() => {
            let text = e.render().to_string();
            let text = text.strip_prefix("error: ").unwrap_or(&text);
            eprint!("{PREFIX}{}", for_terminal(text));
            std::process::exit(e.exit_code());
        }
        Err(e) => e.exit(), // --help, --version
    };
    match salesim::commands::exec(cli) {
        Ok(()) => {}
        Err(e) => {
            // Messages echo user input (names, values, paths): made safe for a terminal.
            eprintln!("{PREFIX}{}", for_terminal(&format!("{e:#}")));
            std::process::exit(e.exit_code());
        }
    }
}

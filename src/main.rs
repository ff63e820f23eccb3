//! The salesim binary: parse arguments, run the library, map errors to exit codes.

use clap::Parser;

fn main() {
    let cli = salesim::cli::Cli::parse();
    match salesim::app::run(cli) {
        Ok(()) => {}
        Err(e) => {
            // Messages echo user input (names, values, paths): made safe for a terminal.
            eprintln!(
                "salesim: error: {}",
                salesim::shown::for_terminal(&format!("{e:#}"))
            );
            std::process::exit(e.exit_code());
        }
    }
}

//! The salesim binary: parse arguments, run the library, map errors to exit codes.

use clap::Parser;

fn main() {
    let cli = salesim::cli::Cli::parse();
    match salesim::app::run(cli) {
        Ok(()) => {}
        Err(e) => {
            eprintln!("salesim: error: {e:#}");
            std::process::exit(e.exit_code());
        }
    }
}

//! `salesim serve`: the live lesson for a class. A local web server (axum on tokio: the most
//! used Rust web stack, maintained by the tokio project; server-sent events come with it) serves
//! one self-contained page with a slider for each classroom knob of the scenario reference. When
//! a slider moves, the page posts the values; the server checks them with the scenario's own
//! validation, cancels that page's previous job and starts a new one, which runs paired
//! replications in batches on every core ([`live`]) and streams an update after each batch.
//!
//! Local only: it listens on 127.0.0.1 unless `--host` says otherwise (then it warns); every
//! page gets its own job, and at most `--jobs` jobs run at once. Ctrl-C ([`crate::interrupt`])
//! cancels every job and stops the server.
//!
//! Safe by default against other web pages the teacher's browser opens: only requests naming
//! this server as their host are answered, only the page itself may start or cancel jobs
//! ([`guard`]), a job's id is unguessable and only its page may follow or cancel it ([`api`]),
//! and slow or idle connections cannot make the server unreachable ([`net`]).

mod api;
mod folder;
mod guard;
pub mod knobs;
pub mod live;
mod net;

use crate::error::{InputError, SalesimError};
use crate::experiment::job::{Job, Options, ScenarioRef};
use crate::interrupt;
use crate::scenario::{self, ScenarioSource};
use std::net::{IpAddr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

/// Arguments of `salesim serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The scenario file (.toml), or builtin:NAME (default: the built-in lesson).
    pub scenario: Option<PathBuf>,
    #[command(flatten)]
    pub serve: ServeArgs,
}

/// Options of `salesim serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Port to listen on (0: any free port; the address is printed).
    #[arg(long, value_name = "PORT", default_value_t = 8080)]
    pub port: u16,
    /// Address to listen on. The default, 127.0.0.1, reaches this computer only; another
    /// (e.g. 0.0.0.0 for every network of this computer) shares the page with a room's
    /// network, and salesim warns that anyone there can start simulations.
    #[arg(long, value_name = "ADDRESS", default_value = "127.0.0.1")]
    pub host: std::net::IpAddr,
    /// Open the page in the default browser.
    #[arg(long)]
    pub open: bool,
    /// Most jobs running at once over all pages (each page runs one; a page's new job replaces
    /// its old one). A job beyond it is refused until one finishes.
    #[arg(long, value_name = "N", default_value_t = 4,
          value_parser = clap::value_parser!(u32).range(1..=64))]
    pub jobs: u32,
    /// Replications added per batch (each batch is a look of the `--until-decided` rule).
    #[arg(long, value_name = "N", default_value_t = crate::experiment::looks::QUICK_BATCH,
          value_parser = clap::value_parser!(u32).range(2..=100_000))]
    pub batch: u32,
    /// Worker threads per job (default: all cores). Results are identical for any thread count.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
    /// Master seed (overrides the scenario's `seed`).
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Override any scenario value by its path before the sliders apply, as `run --set` does.
    /// Repeatable.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
}

/// Serves the live lesson of the scenario.
pub fn exec(args: &Args) -> Result<(), SalesimError> {
    run(args.scenario.as_deref(), &args.serve)
}

/// Seconds the server waits, after Ctrl-C, for open pages to be told and jobs to stop.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// Runs `salesim serve`: the built-in lesson, or the scenario file given.
pub fn run(scenario: Option<&Path>, args: &ServeArgs) -> Result<(), SalesimError> {
    let (source, scenario_ref) = match scenario {
        Some(path) => (
            ScenarioSource::read(path)?,
            ScenarioRef::File(path.display().to_string()),
        ),
        None => (
            ScenarioSource::parse(ScenarioRef::LESSON_LABEL, scenario::LESSON)?,
            ScenarioRef::Lesson,
        ),
    };
    let job = Job {
        scenario: scenario_ref,
        options: Options {
            replications: None,
            seed: args.seed,
            set: args.set.clone(),
        },
        shard: None,
        deals: false,
    };
    let threads = args
        .threads
        .map(usize::from)
        .unwrap_or_else(rayon::current_num_threads);
    let lecture = api::Lecture::new(source, job, threads, args.jobs as usize, args.batch)?;
    let stop = interrupt::stop_flag_saying(
        "salesim: stopping the server: the jobs in flight are cancelled, nothing is kept",
    );
    let listener = listen(args)?;
    let address = listener
        .local_addr()
        .map_err(|e| SalesimError::io("reading the server's address", e))?;
    let url = page_url(address);
    if !address.ip().is_loopback() {
        eprintln!(
            "salesim: warning: serving on {} — anyone on this network can open the page and \
             start simulations on this computer. Use it only on a network you trust, and stop \
             it with Ctrl-C after the class.",
            address
        );
    }
    println!("salesim serve: {url} (Ctrl-C to stop)");
    if args.open {
        if let Err(e) = open::that_detached(&url) {
            eprintln!("salesim: could not open a browser ({e}): open {url} by hand");
        }
    }
    let lecture = Arc::new(lecture);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| SalesimError::io("starting the web server", e))?;
    runtime.block_on(async {
        listener
            .set_nonblocking(true)
            .map_err(|e| SalesimError::io("starting the web server", e))?;
        let listener = tokio::net::TcpListener::from_std(listener)
            .map_err(|e| SalesimError::io("starting the web server", e))?;
        let names = guard::Names {
            port: address.port(),
            host: args.host,
        };
        let app = api::router(lecture.clone(), names);
        let (tell, told) = tokio::sync::watch::channel(false);
        let server = tokio::spawn(net::serve(listener, app, told));
        while !stop.load(Ordering::Relaxed) {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        lecture.cancel_all();
        let _ = tell.send(true);
        // Open pages close their streams as their jobs stop; a page that does not is cut off.
        let _ = tokio::time::timeout(SHUTDOWN_GRACE, server).await;
        Ok::<(), SalesimError>(())
    })?;
    runtime.shutdown_timeout(Duration::from_secs(1));
    lecture.wait_for_jobs(SHUTDOWN_GRACE);
    eprintln!("salesim: serve stopped");
    Ok(())
}

/// Binds the listening socket; a port in use or an address not on this computer is the
/// command line's error (exit 2).
fn listen(args: &ServeArgs) -> Result<TcpListener, SalesimError> {
    let address = SocketAddr::new(args.host, args.port);
    TcpListener::bind(address).map_err(|e| {
        InputError::at(
            &format!("--host {} --port {}", args.host, args.port),
            None,
            None,
            &format!("cannot listen there: {e}"),
            "a free port (--port 0 picks one) on an address of this computer (127.0.0.1 by default)",
        )
        .into()
    })
}

/// The page's address as a browser on this computer opens it.
fn page_url(address: SocketAddr) -> String {
    let host = match address.ip() {
        ip if ip.is_unspecified() => IpAddr::from([127, 0, 0, 1]).to_string(),
        IpAddr::V6(ip) => format!("[{ip}]"),
        ip => ip.to_string(),
    };
    format!("http://{host}:{}/", address.port())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_address_is_one_a_browser_here_opens() {
        let at = |s: &str| page_url(s.parse().unwrap());
        assert_eq!(at("127.0.0.1:8080"), "http://127.0.0.1:8080/");
        assert_eq!(at("0.0.0.0:80"), "http://127.0.0.1:80/");
        assert_eq!(at("[::1]:8080"), "http://[::1]:8080/");
        assert_eq!(at("192.168.1.5:9000"), "http://192.168.1.5:9000/");
    }
}

//! `normshift serve`: a local web app for people who never open a terminal.
//! Programme designers compare strategies in a form (the designer's page);
//! trainers play one village month by month (the trainer's page).
//!
//! - `mod.rs` (this file): the command's flags, the limits they set, the
//!   runtime, binding (loopback unless `--allow-remote`) and printing the
//!   address.
//! - `routes.rs`: the HTTP routes (pages, scripts and styles embedded with
//!   `include_str!`, JSON endpoints), the Host-header check against DNS
//!   rebinding and the request-body limit.
//! - `jobs.rs`: the bounded job queue, the worker threads that run
//!   comparisons with the same library calls as `normshift compare`, and
//!   cancellation when a page stops polling.
//! - `scenario.rs`: reading a scenario a page sent (a built-in name or
//!   text, plus `--set`-style edits) and describing it for the form.
//!
//! Never takes a file-system path from a client and never writes a file:
//! results are kept in memory and downloaded as a zip.

mod jobs;
mod routes;
mod scenario;

use super::bad;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

#[derive(clap::Args, Debug, Clone)]
pub struct ServeArgs {
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Address to listen on. Anything but a loopback address needs --allow-remote.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// Allow listening on an address other computers can reach. There is no
    /// login: anyone who can reach it can run comparisons.
    #[arg(long)]
    pub allow_remote: bool,
    /// Open the designer's page in the default browser.
    #[arg(long)]
    pub open: bool,
    /// Most adults per replicate a page may ask for.
    #[arg(long, default_value_t = 20_000)]
    pub max_agents: u64,
    /// Most replicates a page may ask for.
    #[arg(long, default_value_t = 50)]
    pub max_reps: u32,
    /// Most months (burn-in plus programme months) a page may ask for.
    #[arg(long, default_value_t = 600)]
    pub max_months: u32,
    /// Most agent-months one job may draw: adults x replicates x (burn-in +
    /// months x strategies).
    #[arg(long, default_value_t = 1_000_000_000)]
    pub max_draws: u64,
    /// Most draws of a scenario's priors (`[uncertain]`) one comparison may
    /// ask for (each draw runs every strategy on the scenario's replicates).
    #[arg(long, default_value_t = 64)]
    pub max_prior_draws: u32,
    /// Jobs running at once.
    #[arg(long, default_value_t = 1)]
    pub running: usize,
    /// Jobs waiting at most; further requests are refused with 503.
    #[arg(long, default_value_t = 4)]
    pub queued: usize,
    /// Seconds without a poll after which a waiting or running job is cancelled.
    #[arg(long, default_value_t = 20)]
    pub abandon_after: u64,
    /// Finished jobs whose results are kept for download (oldest dropped first).
    #[arg(long, default_value_t = 8)]
    pub keep: usize,
    /// Largest request body in bytes (an uploaded scenario and its edits).
    #[arg(long, default_value_t = 256 * 1024)]
    pub max_body: usize,
    /// Worker threads for the simulations. Default: all cores. Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
}

/// What interactive jobs may ask for, and how the queue behaves.
#[derive(Clone, Debug)]
pub struct Limits {
    pub max_agents: u64,
    pub max_reps: u32,
    pub max_months: u32,
    pub max_draws: u64,
    pub max_prior_draws: u32,
    pub running: usize,
    pub queued: usize,
    pub abandon_after: Duration,
    pub keep: usize,
    pub max_body: usize,
}

impl ServeArgs {
    fn limits(&self) -> anyhow::Result<Limits> {
        for (flag, v) in [("--running", self.running), ("--keep", self.keep), ("--max-body", self.max_body)] {
            if v == 0 {
                return Err(bad(format!("{flag} 0: give 1 or more")));
            }
        }
        if self.max_agents == 0 || self.max_reps == 0 || self.max_months == 0 || self.max_draws == 0 || self.max_prior_draws == 0 {
            return Err(bad("--max-agents, --max-reps, --max-months, --max-draws and --max-prior-draws must be 1 or more"));
        }
        if self.abandon_after == 0 {
            return Err(bad("--abandon-after 0: give 1 or more seconds"));
        }
        Ok(Limits {
            max_agents: self.max_agents,
            max_reps: self.max_reps,
            max_months: self.max_months,
            max_draws: self.max_draws,
            max_prior_draws: self.max_prior_draws,
            running: self.running,
            queued: self.queued,
            abandon_after: Duration::from_secs(self.abandon_after),
            keep: self.keep,
            max_body: self.max_body,
        })
    }
}

pub fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let limits = args.limits()?;
    if !args.host.is_loopback() && !args.allow_remote {
        return Err(bad(format!(
            "--host {}: not a loopback address; other computers could reach the server, which has no login. \
             Add --allow-remote if that is what you want, or use --host 127.0.0.1",
            args.host
        )));
    }
    super::run::set_threads(args.threads)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("serve-http")
        .enable_all()
        .build()
        .map_err(|e| anyhow::anyhow!("cannot start the web server's runtime: {e}"))?;
    runtime.block_on(async move {
        let addr = SocketAddr::new(args.host, args.port);
        let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
            bad(format!("cannot listen on {addr}: {e}; is another program using port {}? Try --port 0 for a free one", args.port))
        })?;
        let local = listener.local_addr()?;
        let queue = jobs::Queue::start(limits.clone());
        let app = routes::router(Arc::new(routes::App { queue: queue.clone(), limits, port: local.port() }));
        let url = match local.ip() {
            IpAddr::V6(ip) => format!("http://[{ip}]:{}/", local.port()),
            IpAddr::V4(ip) => format!("http://{ip}:{}/", local.port()),
        };
        if !local.ip().is_loopback() {
            eprintln!(
                "warning: listening on {} with --allow-remote: anyone who can reach this address can run comparisons; there is no login",
                local.ip()
            );
        }
        // A closed stdout (a launcher that read the address and went away)
        // must not stop the server, so write errors are ignored here.
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "normshift serve: the designer's page is at {url} and the trainer's at {url}trainer\npress Ctrl-C to stop");
        let _ = out.flush();
        drop(out);
        if args.open {
            open_browser(&url);
        }
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                tokio::signal::ctrl_c().await.ok();
            })
            .await
            .map_err(|e| anyhow::anyhow!("the web server stopped: {e}"))?;
        queue.shutdown();
        let _ = writeln!(std::io::stdout(), "normshift serve: stopped");
        Ok::<(), anyhow::Error>(())
    })
}

/// Ask the desktop to open `url`; says so if it cannot.
fn open_browser(url: &str) {
    let tries: &[&str] = if cfg!(target_os = "macos") { &["open"] } else { &["xdg-open", "sensible-browser"] };
    for cmd in tries {
        if std::process::Command::new(cmd)
            .arg(url)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .is_ok()
        {
            return;
        }
    }
    eprintln!("could not open a browser; open {url} yourself");
}

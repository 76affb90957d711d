//! Where the application runs while it is read: on a runtime of this process, as the load
//! benchmark runs it, or (`--separate`) as `porchlight serve`, the binary built beside this
//! one, so that its CPU time and its memory are its own and not shared with the load
//! generator and the seeding's leftovers.

use std::{
    net::{SocketAddr, TcpListener},
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::Context;
use porchlight::server::RunningServer;

use crate::load::stats::Process;

/// How long `porchlight serve` may take to answer its health check.
const START_WAIT: Duration = Duration::from_secs(60);
/// How long it may take to stop once told to.
const STOP_WAIT: Duration = Duration::from_secs(15);

/// The running application.
pub enum App {
    InProcess(RunningServer),
    Separate {
        process: ServeProcess,
        addr: SocketAddr,
    },
}

/// `porchlight serve`, killed if the benchmark stops without stopping it (a failed window).
pub struct ServeProcess(Child);

impl Drop for ServeProcess {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// What a separate application is started with.
pub struct Separate<'a> {
    pub database_url: &'a str,
    pub secret_key: &'a str,
}

impl App {
    /// Starts `porchlight serve` on a free port of 127.0.0.1 and waits for its health check.
    pub async fn separate(settings: Separate<'_>) -> anyhow::Result<Self> {
        let binary = serve_binary()?;
        let addr = {
            let probe = TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
            probe.local_addr()?
        };
        let child = Command::new(&binary)
            .arg("serve")
            .env("PORCHLIGHT_DATABASE_URL", settings.database_url)
            .env("PORCHLIGHT_BIND", addr.to_string())
            .env("PORCHLIGHT_SECRET_KEY", settings.secret_key)
            .env("PORCHLIGHT_LOG", "warn")
            .env_remove("PORCHLIGHT_CONFIG")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {} serve", binary.display()))?;
        let mut app = App::Separate {
            process: ServeProcess(child),
            addr,
        };
        if let Err(error) = app.wait_until_healthy().await {
            let _ = app.stop().await;
            return Err(error);
        }
        Ok(app)
    }

    pub fn addr(&self) -> SocketAddr {
        match self {
            App::InProcess(server) => server.addr,
            App::Separate { addr, .. } => *addr,
        }
    }

    /// The process whose CPU and memory are the application's.
    pub fn process(&self) -> Process {
        match self {
            App::InProcess(_) => Process::This,
            App::Separate { process, .. } => Process::Child(process.0.id()),
        }
    }

    async fn wait_until_healthy(&mut self) -> anyhow::Result<()> {
        let url = format!("http://{}/healthz", self.addr());
        let client = reqwest::Client::new();
        let started = Instant::now();
        loop {
            if let App::Separate { process, .. } = self
                && let Some(status) = process.0.try_wait()?
            {
                anyhow::bail!("porchlight serve stopped before answering: {status}");
            }
            if let Ok(response) = client.get(&url).send().await
                && response.status().is_success()
            {
                return Ok(());
            }
            anyhow::ensure!(
                started.elapsed() < START_WAIT,
                "porchlight serve did not answer {url} within {} s",
                START_WAIT.as_secs()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Stops the application as an operator does (SIGTERM for the separate process: it
    /// finishes what it answers and closes the database), killing it past [`STOP_WAIT`].
    pub async fn stop(self) -> anyhow::Result<()> {
        match self {
            App::InProcess(server) => server.shutdown().await,
            App::Separate { mut process, .. } => {
                let child = &mut process.0;
                let _ = Command::new("kill")
                    .arg("-TERM")
                    .arg(child.id().to_string())
                    .status();
                let started = Instant::now();
                while child.try_wait()?.is_none() {
                    if started.elapsed() > STOP_WAIT {
                        child.kill()?;
                        child.wait()?;
                        anyhow::bail!(
                            "porchlight serve did not stop within {} s of SIGTERM: killed",
                            STOP_WAIT.as_secs()
                        );
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Ok(())
            }
        }
    }
}

/// `porchlight`, in the folder of this binary (`cargo build --release -p porchlight` puts
/// both in `target/release`).
fn serve_binary() -> anyhow::Result<PathBuf> {
    let binary = std::env::current_exe()?.with_file_name("porchlight");
    anyhow::ensure!(
        binary.is_file(),
        "--separate runs the application's binary from beside this one, and {} is missing: \
         build it first (cargo build --release -p porchlight)",
        binary.display()
    );
    Ok(binary)
}

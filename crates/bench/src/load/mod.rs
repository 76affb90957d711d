//! `porchlight-bench load`: sign-ins and enrollments per second against the real application,
//! beside this machine's raw Argon2id hash rate measured in the same run, and the latency of
//! pages that need no hashing while the sign-ins saturate the machine.
//!
//! The application runs in this process on a runtime of its own (threads `porchlight-app`),
//! as `porchlight serve` runs it; the clients run on their own threads (`bench-load`,
//! `bench-probe`), so their CPU time is measured apart.

mod clients;
mod hashing;
pub(crate) mod seed;
pub(crate) mod stats;

use std::{
    path::PathBuf,
    sync::{Arc, atomic::AtomicBool},
    time::{Duration, Instant},
};

use anyhow::Context;
use clap::ValueEnum;
use porchlight::settings::{RawSettings, Settings};
use storage::Database;

use clients::{Record, Workload};
use hashing::{AppHash, HashPass};
use stats::{CpuSnapshot, CpuUse, Summary};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BackendChoice {
    Sqlite,
    Postgres,
    Both,
}

#[derive(clap::Args)]
pub struct LoadArgs {
    /// Which database(s) the application runs on.
    #[arg(long, value_enum, default_value_t = BackendChoice::Both)]
    backend: BackendChoice,
    /// Clients signing in (or enrolling) at once.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Length of each measured window, in seconds (after a warm-up of 3 s).
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    /// A PostgreSQL server where a scratch database may be created (dropped afterwards).
    #[arg(
        long,
        env = "PORCHLIGHT_TEST_POSTGRES_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    postgres_url: String,
    /// Patients with an active account, for the sign-ins (staff accounts: a quarter as many).
    #[arg(long, default_value_t = 256)]
    patients: usize,
    /// The bot check's maximum number for the enrollments. A browser solves it, not the
    /// server; lowered so that the benchmark's client does not compete with the application
    /// for the CPU (the default costs are measured and printed).
    #[arg(long, default_value_t = 1000)]
    bot_check_max: u64,
    /// The application's password hashing threads (`PORCHLIGHT_HASH_THREADS`); by default
    /// one per core, as in a deployment.
    #[arg(long)]
    hash_threads: Option<usize>,
}

const WARM_UP: Duration = Duration::from_secs(3);
/// The pages probed for latency: the health check, and the landing page (reads the
/// organizations and renders a template).
const PROBED: &[&str] = &["/healthz", "/"];
const PROBE_PAUSE: Duration = Duration::from_millis(10);

pub fn run(args: LoadArgs) -> anyhow::Result<()> {
    let window = Duration::from_secs(args.seconds);
    println!("{}\n", machine());

    let app_hash = AppHash::new(seed::PASSWORD)?;
    eprintln!("measuring the raw hash rate ({})...", app_hash.describe());
    // The application's pool first, in a process that has hashed only once, so that its
    // peak memory is its own.
    let pool = hashing::app_pool(&app_hash, window, args.concurrency)?;
    let plain = hashing::plain(&app_hash, window, true)?;
    let baseline = Baseline {
        per_second: plain.per_second(),
        per_cpu_second: plain.per_cpu_second(),
    };

    let default_bot_check = domain::bot_check::BotCheckConfig::default().max_number;
    let solve = clients::bot_check_cost(default_bot_check);
    println!(
        "Bot check: the enrollments run with a maximum number of {} instead of {default_bot_check}. \
         At the default, a client in Rust spends {:.1} ms of CPU on an average solution (a \
         browser does this work on the patient's device, not on the server).\n",
        args.bot_check_max,
        solve.as_secs_f64() * 1e3
    );

    let backends: &[Backend] = match args.backend {
        BackendChoice::Sqlite => &[Backend::Sqlite],
        BackendChoice::Postgres => &[Backend::Postgres],
        BackendChoice::Both => &[Backend::Sqlite, Backend::Postgres],
    };
    let mut results = Vec::new();
    for backend in backends {
        results.push(run_backend(*backend, &args, baseline.per_second)?);
    }
    // Last, since the memory it leaves behind would count in every later peak: what a fresh
    // work area per hash costs.
    let fresh = hashing::plain(&app_hash, window, false)?;
    print_hash_passes(&app_hash, &[plain, fresh, pool]);
    print_workloads(&results, &baseline, args.concurrency, args.hash_threads);
    print_latencies(&results);
    Ok(())
}

/// The most this machine hashes with the application's parameters: per second, and per
/// second of CPU (which holds even when other processes take some of the machine).
struct Baseline {
    per_second: f64,
    per_cpu_second: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

/// What one backend measured.
struct BackendResult {
    backend: Backend,
    idle: Vec<Record>,
    sign_ins: Window,
    enrollments: Window,
}

/// One measured window of load: the units of work that finished in it, the probe's samples
/// taken during it, the CPU used and the peak memory.
struct Window {
    work: Vec<Record>,
    probe: Vec<Record>,
    elapsed: Duration,
    cpu: CpuUse,
    peak_mb: f64,
    /// Some clients ran out of work before the window ended.
    exhausted: bool,
}

impl Window {
    fn succeeded(&self) -> usize {
        self.work.iter().filter(|r| r.failure.is_none()).count()
    }

    fn per_second(&self) -> f64 {
        self.succeeded() as f64 / self.elapsed.as_secs_f64()
    }

    /// Per second of the application's CPU time.
    fn per_cpu_second(&self) -> f64 {
        self.per_second() / self.cpu.app
    }
}

fn run_backend(backend: Backend, args: &LoadArgs, baseline: f64) -> anyhow::Result<BackendResult> {
    let window = Duration::from_secs(args.seconds);
    // The application's runtime: the same kind `porchlight serve` uses (#[tokio::main]).
    let app = tokio::runtime::Builder::new_multi_thread()
        .thread_name("porchlight-app")
        .enable_all()
        .build()?;
    let scratch = app.block_on(Scratch::create(backend, &args.postgres_url))?;
    let result = (|| -> anyhow::Result<BackendResult> {
        let mut settings: Settings = RawSettings {
            database_url: Some(scratch.url.clone()),
            bind: Some("127.0.0.1:0".to_owned()),
            secret_key: Some("load-benchmark-secret-key-0123456789abcdef".to_owned()),
            hash_threads: args.hash_threads.map(|n| n.to_string()),
            ..RawSettings::default()
        }
        .validate()?;
        settings.bot_check.max_number = args.bot_check_max;
        // Enough invitations that the enrollments cannot run out within the window even at
        // the full raw hash rate (each enrollment costs one hash).
        let invitations =
            (baseline * (WARM_UP + window).as_secs_f64() * 1.5) as usize + 4 * args.concurrency;
        let staff = (args.patients / 4).max(1);
        eprintln!(
            "{}: seeding {staff} staff, {} patient accounts and {invitations} invitations...",
            backend.name(),
            args.patients
        );
        let started = Instant::now();
        let (db, server, seeded) = app.block_on(async {
            let db = porchlight::open_database(&settings).await?;
            let seeded =
                seed::seed(&db, &settings.secret_key, staff, args.patients, invitations).await?;
            let server = porchlight::server::start(&settings, db.clone()).await?;
            anyhow::Ok((db, server, seeded))
        })?;
        eprintln!("  seeded in {:.1} s", started.elapsed().as_secs_f64());
        let base = format!("http://{}", server.addr);

        eprintln!("  pages alone...");
        let idle = probe_alone(&base, window)?;
        eprintln!("  sign-ins...");
        let sign_ins = under_load(
            Workload::SignIns(Arc::new(seeded.accounts)),
            &base,
            args.concurrency,
            window,
        )?;
        eprintln!("  enrollments...");
        let enrollments = under_load(
            Workload::Enrollments(Arc::new(seeded.invited)),
            &base,
            args.concurrency,
            window,
        )?;
        app.block_on(async {
            server.shutdown().await?;
            db.close().await;
            anyhow::Ok(())
        })?;
        Ok(BackendResult {
            backend,
            idle,
            sign_ins,
            enrollments,
        })
    })();
    app.block_on(scratch.drop())?;
    app.shutdown_timeout(Duration::from_secs(5));
    result
}

fn probe_alone(base: &str, window: Duration) -> anyhow::Result<Vec<Record>> {
    // A short warm-up: the first requests open connections and fill caches.
    let until = Instant::now() + Duration::from_secs(1);
    join(clients::spawn_probe(
        base.to_owned(),
        PROBED,
        PROBE_PAUSE,
        until,
    ))?;
    let until = Instant::now() + window;
    join(clients::spawn_probe(
        base.to_owned(),
        PROBED,
        PROBE_PAUSE,
        until,
    ))
}

/// Runs `workload` for the warm-up and `window`, probing pages during the window; keeps the
/// units of work that finished inside the window.
fn under_load(
    workload: Workload,
    base: &str,
    concurrency: usize,
    window: Duration,
) -> anyhow::Result<Window> {
    let stop = Arc::new(AtomicBool::new(false));
    let load = clients::spawn_load(workload, base.to_owned(), concurrency, stop.clone());
    std::thread::sleep(WARM_UP);
    stats::reset_peak_memory();
    let cpu_before = CpuSnapshot::now();
    let start = Instant::now();
    let probe = join(clients::spawn_probe(
        base.to_owned(),
        PROBED,
        PROBE_PAUSE,
        start + window,
    ))?;
    // The probe may finish a little after the window: its last request was in flight.
    std::thread::sleep((start + window).saturating_duration_since(Instant::now()));
    let end = Instant::now();
    let cpu = cpu_before.until(&CpuSnapshot::now());
    let peak_mb = stats::peak_memory_mb();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let outcome = load
        .join()
        .map_err(|_| anyhow::anyhow!("the load thread panicked"))??;
    let exhausted = outcome.ran_out.is_some_and(|at| at < end);
    let failures = outcome
        .records
        .iter()
        .filter(|r| r.failure.is_some())
        .count();
    if let Some(failure) = outcome.records.iter().find_map(|r| r.failure.as_ref()) {
        eprintln!("  {failures} failed in all; the first: {failure}");
    }
    let work: Vec<Record> = outcome
        .records
        .into_iter()
        .filter(|r| r.finished >= start && r.finished < end)
        .collect();
    Ok(Window {
        work,
        probe,
        elapsed: end - start,
        cpu,
        peak_mb,
        exhausted,
    })
}

fn join(
    handle: std::thread::JoinHandle<anyhow::Result<Vec<Record>>>,
) -> anyhow::Result<Vec<Record>> {
    handle
        .join()
        .map_err(|_| anyhow::anyhow!("a client thread panicked"))?
}

/// A database for one run: an SQLite file in a temporary directory, or a scratch PostgreSQL
/// database created and dropped like the integration tests' ones.
pub(crate) struct Scratch {
    pub(crate) url: String,
    _dir: Option<tempfile::TempDir>,
    postgres: Option<(String, String)>,
}

impl Scratch {
    pub(crate) async fn create(backend: Backend, admin_url: &str) -> anyhow::Result<Self> {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir()?;
                let path: PathBuf = dir.path().join("porchlight.db");
                Ok(Self {
                    url: format!("sqlite://{}", path.display()),
                    _dir: Some(dir),
                    postgres: None,
                })
            }
            Backend::Postgres => {
                let name = format!("porchlight_bench_{}", uuid::Uuid::new_v4().simple());
                let admin = Database::connect(admin_url)
                    .await
                    .context("PostgreSQL for the benchmark (--postgres-url)")?;
                admin
                    .execute_admin(&format!("CREATE DATABASE {name}"))
                    .await?;
                admin.close().await;
                let (base, query) = admin_url
                    .split_once('?')
                    .map_or((admin_url, None), |(b, q)| (b, Some(q)));
                let (server, _) = base
                    .rsplit_once('/')
                    .filter(|(server, _)| server.contains("://"))
                    .context("a PostgreSQL URL ends in /DATABASE")?;
                let url = match query {
                    Some(query) => format!("{server}/{name}?{query}"),
                    None => format!("{server}/{name}"),
                };
                Ok(Self {
                    url,
                    _dir: None,
                    postgres: Some((admin_url.to_owned(), name)),
                })
            }
        }
    }

    pub(crate) async fn drop(self) -> anyhow::Result<()> {
        if let Some((admin_url, name)) = self.postgres {
            let admin = Database::connect(&admin_url).await?;
            admin
                .execute_admin(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await?;
            admin.close().await;
        }
        Ok(())
    }
}

/// The machine, as the report describes it.
pub(crate) fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map_or("unknown CPU".to_owned(), |m| m.trim().to_owned());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let memory_gib = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find(|l| l.starts_with("MemTotal:"))?
                .split_whitespace()
                .nth(1)?
                .parse::<f64>()
                .ok()
        })
        .map_or(f64::NAN, |kb| kb / 1024.0 / 1024.0);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!(
        "Machine: {cores} cores ({model}), {memory_gib:.0} GiB, Linux {}",
        kernel.trim()
    )
}

fn print_hash_passes(app_hash: &AppHash, passes: &[HashPass]) {
    let baseline = passes[0].per_second();
    println!("Raw hash rate ({}):\n", app_hash.describe());
    let per_cpu = passes[0].per_cpu_second();
    println!(
        "| pass | hashes | seconds | hashes/s | ratio to baseline | CPU used (cores) | other processes' CPU (cores) | \
         hashes per CPU-second | ratio to baseline | peak RSS (MB) | RSS after (MB) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for pass in passes {
        println!(
            "| {} | {} | {:.1} | {:.1} | {:.3} | {:.2} | {:.2} | {:.1} | {:.3} | {:.0} | {:.0} |",
            pass.label,
            pass.hashes,
            pass.elapsed.as_secs_f64(),
            pass.per_second(),
            pass.per_second() / baseline,
            pass.cpu.app,
            pass.cpu.other,
            pass.per_cpu_second(),
            pass.per_cpu_second() / per_cpu,
            pass.peak_mb,
            pass.rss_after_mb,
        );
    }
    println!();
}

fn print_workloads(
    results: &[BackendResult],
    baseline: &Baseline,
    concurrency: usize,
    hash_threads: Option<usize>,
) {
    let threads = hash_threads.map_or_else(
        || "one per core".to_owned(),
        |n| format!("{n} (PORCHLIGHT_HASH_THREADS)"),
    );
    println!(
        "Sign-ins and enrollments, {concurrency} clients at once (each costs one hash); the \
         application's hashing threads: {threads}:\n"
    );
    println!(
        "| database | workload | succeeded | failed | per second | ratio to raw hash rate | \
         per app CPU-second | ratio to raw hashes per CPU-second | p50 (ms) | p99 (ms) | \
         peak RSS (MB) | app CPU (cores) | client CPU (cores) | other processes' CPU (cores) |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for result in results {
        for (label, window) in [
            ("sign-ins", &result.sign_ins),
            ("enrollments", &result.enrollments),
        ] {
            let latencies = Summary::of(window.work.iter().map(|r| r.latency).collect());
            println!(
                "| {} | {label}{} | {} | {} | {:.1} | {:.3} | {:.1} | {:.3} | {:.0} | {:.0} | {:.0} | {:.2} | {:.2} | {:.2} |",
                result.backend.name(),
                if window.exhausted {
                    " (ran out of work)"
                } else {
                    ""
                },
                window.succeeded(),
                window.work.len() - window.succeeded(),
                window.per_second(),
                window.per_second() / baseline.per_second,
                window.per_cpu_second(),
                window.per_cpu_second() / baseline.per_cpu_second,
                latencies.p50_ms,
                latencies.p99_ms,
                window.peak_mb,
                window.cpu.app,
                window.cpu.clients,
                window.cpu.other,
            );
        }
    }
    println!();
}

fn print_latencies(results: &[BackendResult]) {
    println!("Pages that need no hashing, one request at a time:\n");
    println!(
        "| database | page | samples (idle, sign-ins, enrollments) | idle p50 (ms) | idle p99 (ms) | \
         during sign-ins p50 (ms) | during sign-ins p99 (ms) | sign-ins p99 / idle p99 | \
         during enrollments p99 (ms) | enrollments p99 / idle p99 |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for result in results {
        for page in PROBED {
            let of = |records: &[Record]| {
                let failed = records
                    .iter()
                    .filter(|r| r.page == *page && r.failure.is_some())
                    .count();
                if failed > 0 {
                    eprintln!("{} {page}: {failed} failed", result.backend.name());
                }
                Summary::of(
                    records
                        .iter()
                        .filter(|r| r.page == *page && r.failure.is_none())
                        .map(|r| r.latency)
                        .collect(),
                )
            };
            let idle = of(&result.idle);
            let signing = of(&result.sign_ins.probe);
            let enrolling = of(&result.enrollments.probe);
            println!(
                "| {} | GET {page} | {}, {}, {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.1} | {:.2} | {:.1} |",
                result.backend.name(),
                idle.count,
                signing.count,
                enrolling.count,
                idle.p50_ms,
                idle.p99_ms,
                signing.p50_ms,
                signing.p99_ms,
                signing.p99_ms / idle.p99_ms,
                enrolling.p99_ms,
                enrolling.p99_ms / idle.p99_ms,
            );
        }
    }
    println!();
}

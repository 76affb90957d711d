//! `porchlight-bench read`: a patient reading her own record (`GET /api/v1/me`, `GET /home`,
//! the results list and one result's trend page, each an audited read of the chart; the first
//! patient has `--observations` results, 5,000 by default) against the real application, beside two pages of the
//! same server that touch no database (`GET /static/icon.svg`, the bare page every ratio is
//! taken against, and `GET /healthz`), with the audit log at several sizes (issue 13).
//!
//! The application runs in this process on a runtime of its own (threads `porchlight-app`),
//! as `porchlight serve` runs it; the load generator runs on threads named `bench-read`
//! (see `client.rs`), so that the CPU time of each is measured apart. With `--separate` it
//! runs as `porchlight serve` itself, a process of its own, whose CPU time and peak memory
//! are then measured whole (see `app.rs`). On PostgreSQL, the database's own work shows as
//! other processes' CPU.

mod app;
mod client;
mod report;

use std::time::{Duration, Instant};

use anyhow::Context;
use hyper::header::HeaderValue;
use porchlight::settings::RawSettings;
use reqwest::{StatusCode, header::SET_COOKIE};

use crate::load::{
    Backend, BackendChoice, Scratch, machine,
    seed::{self, ORG_SLUG, PASSWORD},
    stats::{self, CpuSnapshot},
};
use app::App;
use client::{Phase, Plan, SharedPhase};
use report::{Window, thousands};

#[derive(clap::Args)]
pub struct ReadArgs {
    /// Which database(s) the application runs on.
    #[arg(long, value_enum, default_value_t = BackendChoice::Both)]
    backend: BackendChoice,
    /// Length of each measured window, in seconds (after a warm-up of 2 s).
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// The audit log's sizes, in rows: before the windows of each, the log is filled up to it
    /// (never emptied: the append-only log keeps the rows of the windows before).
    #[arg(long, value_delimiter = ',', default_values_t = [0, 1_000_000, 10_000_000])]
    audit_rows: Vec<u64>,
    /// Keep-alive connections reading at once.
    #[arg(long, value_delimiter = ',', default_values_t = [32, 64])]
    connections: Vec<usize>,
    /// How many patients the connections read as: connection i reads as patient i % N.
    #[arg(long, value_delimiter = ',', default_values_t = [1, 64])]
    patients: Vec<usize>,
    /// The results in the history of the patient the record pages are read as (the first):
    /// ten tests a visit, a report listing them, a visit a week.
    #[arg(long, default_value_t = 5_000)]
    observations: usize,
    /// Only these patient pages (e.g. `/results,{result}`), for a profile of one; all when
    /// not given. The bare page and `/healthz` are always measured.
    #[arg(long, value_delimiter = ',')]
    pages: Vec<String>,
    /// The load generator's threads.
    #[arg(long, default_value_t = 1)]
    client_threads: usize,
    /// Run the application as a process of its own (`porchlight serve`, the binary beside
    /// this one) instead of on a runtime of this process: its CPU time and peak memory are
    /// then its own, apart from the load generator's and the seeding's.
    #[arg(long)]
    separate: bool,
    /// A PostgreSQL server where a scratch database may be created (dropped afterwards).
    #[arg(
        long,
        env = "PORCHLIGHT_TEST_POSTGRES_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    postgres_url: String,
}

const WARM_UP: Duration = Duration::from_secs(2);
const SECRET_KEY: &str = "read-benchmark-secret-key-0123456789abcdef";
/// A page of the same server that touches no database: every page's rate is compared with it.
const BARE_PAGE: &str = "/static/icon.svg";
const HEALTH: &str = "/healthz";
/// The patient's own record: each read is audited. `{result}` stands for the newest A1c
/// result, whose page draws its trend.
const PATIENT_PAGES: &[&str] = &["/api/v1/me", "/home", "/results", "{result}"];

/// How long filling the audit log took.
struct Fill {
    database: &'static str,
    added: u64,
    elapsed: Duration,
    rows_after: i64,
}

pub fn run(args: ReadArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.patients.iter().all(|n| *n >= 1) && args.connections.iter().all(|n| *n >= 1),
        "--patients and --connections must be 1 or more"
    );
    if let Some(unknown) = args
        .pages
        .iter()
        .find(|p| !PATIENT_PAGES.contains(&p.as_str()))
    {
        anyhow::bail!(
            "--pages: no page '{unknown}'; the pages are {}",
            PATIENT_PAGES.join(", ")
        );
    }
    let backends: &[Backend] = match args.backend {
        BackendChoice::Sqlite => &[Backend::Sqlite],
        BackendChoice::Postgres => &[Backend::Postgres],
        BackendChoice::Both => &[Backend::Sqlite, Backend::Postgres],
    };
    println!("{}\n", machine());
    println!(
        "Each window: {} s of warm-up, then {} s measured. Load: {} thread(s) `bench-read`, \
         HTTP/1.1 keep-alive connections, each sending its next request when the answer is \
         read; every request carries a signed-in patient's cookies. Ratios are to `GET \
         {BARE_PAGE}` at the same audit size and connections. {}\n",
        WARM_UP.as_secs(),
        args.seconds,
        args.client_threads.max(1),
        if args.separate {
            "The application runs as a process of its own (`porchlight serve`): app CPU and \
             peak RSS are that process's."
        } else {
            "The application runs in this process (threads `porchlight-app`): peak RSS is the \
             whole process's, load generator included."
        },
    );
    report::print_header();
    let mut fills = Vec::new();
    for backend in backends {
        run_backend(*backend, &args, &mut fills)?;
    }
    println!(
        "\nFilling the audit log (one INSERT ... SELECT per 250,000 rows, then a checkpoint on SQLite or VACUUM ANALYZE on PostgreSQL):\n"
    );
    println!("| database | rows added | seconds | rows after |");
    println!("|---|---:|---:|---:|");
    for fill in &fills {
        println!(
            "| {} | {} | {:.0} | {} |",
            fill.database,
            thousands(fill.added as i64),
            fill.elapsed.as_secs_f64(),
            thousands(fill.rows_after),
        );
    }
    Ok(())
}

fn run_backend(backend: Backend, args: &ReadArgs, fills: &mut Vec<Fill>) -> anyhow::Result<()> {
    // The application's runtime: the same kind `porchlight serve` uses (#[tokio::main]).
    let app = tokio::runtime::Builder::new_multi_thread()
        .thread_name("porchlight-app")
        .enable_all()
        .build()?;
    let scratch = app.block_on(Scratch::create(backend, &args.postgres_url))?;
    let result = (|| -> anyhow::Result<()> {
        let settings = RawSettings {
            database_url: Some(scratch.url.clone()),
            bind: Some("127.0.0.1:0".to_owned()),
            secret_key: Some(SECRET_KEY.to_owned()),
            ..RawSettings::default()
        }
        .validate()?;
        let patients = args.patients.iter().copied().max().unwrap_or(64);
        eprintln!("{}: seeding {patients} patient accounts...", backend.name());
        let (db, server, seeded) = app.block_on(async {
            let db = porchlight::open_database(&settings).await?;
            let seeded = seed::seed(&db, &settings.secret_key, 0, patients, 0).await?;
            let org = db
                .organization_by_slug(ORG_SLUG)
                .await?
                .context("the seeded practice")?;
            seed::results_history(
                &db,
                &settings.secret_key,
                org.id,
                &seeded.account_charts[0],
                args.observations,
            )
            .await?;
            let server = if args.separate {
                App::separate(app::Separate {
                    database_url: &scratch.url,
                    secret_key: SECRET_KEY,
                })
                .await?
            } else {
                App::InProcess(porchlight::server::start(&settings, db.clone()).await?)
            };
            anyhow::Ok((db, server, seeded))
        })?;
        let base = format!("http://{}", server.addr());
        let usernames: Vec<String> = seeded
            .accounts
            .iter()
            .filter(|a| a.path == "/sign-in")
            .map(|a| a.username.clone())
            .collect();
        let (organization, patient_ids) = app.block_on(async {
            let org = db
                .organization_by_slug(ORG_SLUG)
                .await?
                .context("the seeded practice")?;
            let mut ids = Vec::new();
            for username in &usernames {
                let account = db
                    .patient_account_by_username(org.id, &domain::Username::parse(username)?)
                    .await?
                    .context("a seeded account")?;
                ids.push(account.patient);
            }
            anyhow::Ok((org.id, ids))
        })?;
        let result_page = app.block_on(newest_a1c(&db, organization, patient_ids[0]))?;

        let mut sizes = args.audit_rows.clone();
        sizes.sort_unstable();
        sizes.dedup();
        for size in sizes {
            let current = app.block_on(db.audit_log_rows())?;
            let wanted = i64::try_from(size)?;
            if wanted > current {
                let added = (wanted - current) as u64;
                eprintln!(
                    "{}: filling the audit log with {} rows...",
                    backend.name(),
                    thousands(added as i64)
                );
                let started = Instant::now();
                app.block_on(db.fill_audit_log_for_benchmark(organization, &patient_ids, added))?;
                let elapsed = started.elapsed();
                let rows_after = app.block_on(db.audit_log_rows())?;
                eprintln!("  filled in {:.0} s", elapsed.as_secs_f64());
                fills.push(Fill {
                    database: backend.name(),
                    added,
                    elapsed,
                    rows_after,
                });
            }
            // Signed in after the fill, as a patient signs in and then reads: the home page
            // shows the sign-in before this one.
            eprintln!(
                "{}: signing {} patients in...",
                backend.name(),
                usernames.len()
            );
            let cookies = app.block_on(sign_in_all(&base, &usernames))?;
            for &connections in &args.connections {
                let mut bare = None;
                let mut pages: Vec<(&'static str, Option<usize>)> =
                    vec![(BARE_PAGE, None), (HEALTH, None)];
                for &n in &args.patients {
                    // One result's page is the first patient's own: read as others, it is
                    // not found. It is read as that patient alone.
                    let chosen = PATIENT_PAGES.iter().filter(|page| {
                        args.pages.is_empty() || args.pages.iter().any(|p| p == **page)
                    });
                    pages.extend(chosen.filter_map(|page| match *page {
                        "{result}" => (n == 1).then_some((result_page, Some(n))),
                        page => Some((page, Some(n))),
                    }));
                }
                for (page, patients) in pages {
                    eprintln!(
                        "  {connections} connections, GET {page}{}",
                        patients.map_or(String::new(), |n| format!(" as {n} patient(s)"))
                    );
                    let audit_rows = app.block_on(db.audit_log_rows())?;
                    let plan = Plan {
                        server: server.addr(),
                        path: page,
                        cookies: cookies[..patients.unwrap_or(1)].to_vec(),
                        connections,
                        threads: args.client_threads,
                    };
                    let window = measure(
                        plan,
                        Duration::from_secs(args.seconds),
                        backend.name(),
                        audit_rows,
                        patients,
                        &db,
                        &server,
                    )?;
                    if page == BARE_PAGE {
                        bare = Some(window.per_second());
                    }
                    report::print_row(&window, bare);
                }
            }
        }
        app.block_on(async {
            server.stop().await?;
            db.close().await;
            anyhow::Ok(())
        })
    })();
    app.block_on(scratch.drop())?;
    app.shutdown_timeout(Duration::from_secs(5));
    result
}

/// Reads `plan.path` for the warm-up and the window; answers what the window measured.
fn measure(
    plan: Plan,
    window: Duration,
    database: &'static str,
    audit_rows: i64,
    patients: Option<usize>,
    db: &storage::Database,
    app: &App,
) -> anyhow::Result<Window> {
    let (page, connections) = (plan.path, plan.connections);
    let phase = SharedPhase::default();
    let clients = client::spawn(plan, phase.clone());
    std::thread::sleep(WARM_UP);
    stats::reset_peak_memory_of(app.process());
    let cpu_before = CpuSnapshot::with_app_in(app.process());
    let commits_before = db.read_audit_commits();
    phase.set(Phase::Measure);
    let start = Instant::now();
    std::thread::sleep(window);
    phase.set(Phase::Stop);
    let elapsed = start.elapsed();
    let cpu = cpu_before.until(&CpuSnapshot::with_app_in(app.process()));
    // Counted by this process's handle: none when the application runs apart.
    let commits = db.read_audit_commits() - commits_before;
    let peak_mb = stats::peak_memory_mb_of(app.process());
    let tally = clients
        .join()
        .map_err(|_| anyhow::anyhow!("the clients' thread panicked"))??;
    if let Some(failure) = &tally.first_failure {
        eprintln!("  {} failed; the first: {failure}", tally.failed);
    }
    let (succeeded, failed, latency) = report::counts(&tally);
    if commits > 0 {
        eprintln!(
            "  the reads' audit rows took {commits} commits ({:.1} reads a commit)",
            succeeded as f64 / commits as f64
        );
    }
    Ok(Window {
        database,
        audit_rows,
        connections,
        patients,
        page,
        succeeded,
        failed,
        elapsed,
        latency,
        cpu,
        peak_mb,
    })
}

/// The page of the first patient's newest A1c result (a trend of 40 values), named once for
/// the whole run.
async fn newest_a1c(
    db: &storage::Database,
    organization: domain::OrganizationId,
    patient: domain::PatientId,
) -> anyhow::Result<&'static str> {
    let scope = domain::PatientScope::new(organization, patient);
    let found = db
        .test_results(&scope, 0, &storage::RequestOrigin::default())
        .await?;
    let a1c = found
        .groups
        .iter()
        .flat_map(|group| &group.results)
        .find(|result| result.code.as_deref() == Some("4548-4"))
        .context("the seeded history has an A1c on its first page")?;
    Ok(Box::leak(format!("/results/{}", a1c.id).into_boxed_str()))
}

/// Signs each patient in, one after the other, as a browser does; answers the cookies each
/// browser then sends (its session and its device).
async fn sign_in_all(base: &str, usernames: &[String]) -> anyhow::Result<Vec<HeaderValue>> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let mut cookies = Vec::with_capacity(usernames.len());
    for username in usernames {
        let response = client
            .post(format!("{base}/sign-in"))
            .form(&[
                ("organization", ORG_SLUG),
                ("username", username.as_str()),
                ("password", PASSWORD),
            ])
            .send()
            .await?;
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|l| l.to_str().ok());
        anyhow::ensure!(
            response.status() == StatusCode::SEE_OTHER && location == Some("/home"),
            "signing {username} in: {} to {location:?}, expected 303 to /home",
            response.status()
        );
        let cookie = response
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|c| c.to_str().ok()?.split(';').next())
            .filter(|pair| !pair.trim_end().ends_with('='))
            .collect::<Vec<_>>()
            .join("; ");
        let cookie = HeaderValue::from_str(&cookie)?;
        // The record must answer before it is measured: terms accepted, session valid.
        let me = client
            .get(format!("{base}/api/v1/me"))
            .header(reqwest::header::COOKIE, cookie.clone())
            .send()
            .await?;
        anyhow::ensure!(
            me.status() == StatusCode::OK,
            "GET /api/v1/me as {username}: {}",
            me.status()
        );
        cookies.push(cookie);
    }
    Ok(cookies)
}

//! `porchlight-bench import`: FHIR import throughput on SQLite and PostgreSQL, beside this
//! machine's baseline measured in the same run (reading, parsing and mapping the same files
//! without storing them). Prints a Markdown table for `docs/PERFORMANCE.md`.
//!
//! `porchlight-bench matching`: the enrollment identity matcher's accuracy (see `matching.rs`
//! and `docs/MATCHING.md`).
//!
//! `porchlight-bench load`: sign-ins and enrollments per second against the running
//! application, beside the raw Argon2id hash rate, and page latency under that load (see
//! `load/mod.rs` and `docs/PERFORMANCE.md`).
//!
//! `porchlight-bench read`: a patient reading her own record (audited reads) per second, beside
//! a page of the same server that touches no database, with the audit log at several sizes
//! (see `read/mod.rs` and `docs/PERFORMANCE.md`).
//!
//! Run it in release mode: `cargo run --release -p bench -- import`.

mod load;
mod matching;
mod read;

use std::{
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

/// mimalloc: requests allocate and free from many threads at once, where the system
/// allocator spends a tenth of the time of a read (docs/PERFORMANCE.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use domain::SecretKey;
use fhir::{Importer, Reader, import_files};
use storage::Database;

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    command: Bench,
}

#[derive(Subcommand)]
enum Bench {
    /// Import throughput for the shared Synthea bundles and a generated population.
    Import {
        /// The shared Synthea bundles.
        #[arg(long, default_value = "../shared/data/synthea-r4")]
        synthea: PathBuf,
        /// How many patients to generate for the second data set (0 skips it).
        #[arg(long, default_value_t = 10_000)]
        generated: u64,
        /// A PostgreSQL server where a scratch database may be created (dropped afterwards).
        #[arg(
            long,
            env = "PORCHLIGHT_BENCH_POSTGRES_URL",
            default_value = "postgres://postgres@127.0.0.1:5432/postgres"
        )]
        postgres: String,
        /// Skip PostgreSQL.
        #[arg(long)]
        no_postgres: bool,
    },
    /// Identity-matching accuracy over a generated population; fails on any false accept.
    Matching(matching::MatchingArgs),
    /// Sign-ins and enrollments per second beside the raw Argon2id hash rate, and the latency
    /// of pages that need no hashing while sign-ins saturate the machine.
    Load(load::LoadArgs),
    /// Audited reads of a patient's own record per second beside a page that touches no
    /// database, with the audit log at 0, 1 million and 10 million rows.
    Read(read::ReadArgs),
}

/// One measured pass over a data set.
struct Pass {
    label: String,
    resources: u64,
    bytes: u64,
    elapsed: Duration,
}

impl Pass {
    fn resources_per_second(&self) -> f64 {
        self.resources as f64 / self.elapsed.as_secs_f64()
    }

    fn megabytes_per_second(&self) -> f64 {
        self.bytes as f64 / 1e6 / self.elapsed.as_secs_f64()
    }
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        // The load benchmark builds its own runtimes: the application's and the clients'.
        Bench::Load(args) => load::run(args),
        Bench::Read(args) => read::run(args),
        Bench::Matching(args) => matching::run(args),
        Bench::Import {
            synthea,
            generated,
            postgres,
            no_postgres,
        } => tokio::runtime::Runtime::new()?.block_on(import(
            synthea,
            generated,
            postgres,
            no_postgres,
        )),
    }
}

async fn import(
    synthea: PathBuf,
    generated: u64,
    postgres: String,
    no_postgres: bool,
) -> anyhow::Result<()> {
    let key = SecretKey::parse("benchmark-secret-key-benchmark-secret-key")?;
    let mut sets = vec![("58 Synthea bundles".to_owned(), synthea.clone(), None)];
    let scratch = tempfile::tempdir()?;
    if generated > 0 {
        let dir = scratch.path().join("generated");
        std::fs::create_dir_all(&dir)?;
        let today = jiff::civil::date(2026, 11, 25);
        eprintln!("generating {generated} patients...");
        demo::write_bundles(&dir, 2026, today, generated)?;
        sets.push((
            format!("{generated} generated patients"),
            dir,
            Some(generated),
        ));
    }

    println!(
        "| data set | pass | resources | MB | seconds | resources/s | MB/s | ratio to baseline |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|");
    for (name, dir, _) in &sets {
        let files = import_files(std::slice::from_ref(dir)).map_err(anyhow::Error::msg)?;
        let baseline = parse_only(&files, &key)?;
        report(name, &baseline, &baseline);
        let mut backends = vec![("SQLite", sqlite_url(scratch.path(), name))];
        if !no_postgres {
            backends.push(("PostgreSQL", postgres.clone()));
        }
        for (backend, url) in backends {
            let pass = import_into(backend, &url, dir, &key).await?;
            report(name, &pass, &baseline);
        }
    }
    eprintln!("peak resident memory of this process: {} MB", peak_rss_mb());
    Ok(())
}

fn report(set: &str, pass: &Pass, baseline: &Pass) {
    println!(
        "| {set} | {} | {} | {:.1} | {:.2} | {:.0} | {:.1} | {:.3} |",
        pass.label,
        pass.resources,
        pass.bytes as f64 / 1e6,
        pass.elapsed.as_secs_f64(),
        pass.resources_per_second(),
        pass.megabytes_per_second(),
        pass.resources_per_second() / baseline.resources_per_second(),
    );
}

/// The baseline: what reading, parsing and mapping alone cost on this machine.
fn parse_only(files: &[PathBuf], key: &SecretKey) -> anyhow::Result<Pass> {
    let started = Instant::now();
    let mut resources = 0;
    let mut bytes = 0;
    let reader = Reader::new(key);
    for file in files {
        resources += reader.parse_file(file).map_err(anyhow::Error::msg)?;
        bytes += std::fs::metadata(file)?.len();
    }
    Ok(Pass {
        label: "baseline: parse and map only".to_owned(),
        resources,
        bytes,
        elapsed: started.elapsed(),
    })
}

async fn import_into(
    backend: &str,
    url: &str,
    dir: &Path,
    key: &SecretKey,
) -> anyhow::Result<Pass> {
    let (db, cleanup) = fresh_database(url).await?;
    let db = db.with_audit_key(storage::AuditKey::derive(key));
    db.migrate().await?;
    let org = db.create_organization("bench", "Bench", None).await?;
    let started = Instant::now();
    let report = Importer::new(&db, org.id, key)
        .import_paths(&[dir.to_owned()])
        .await;
    let elapsed = started.elapsed();
    if let Some(error) = report.errors.first() {
        anyhow::bail!("{backend}: {error}");
    }
    let totals = report.totals();
    db.close().await;
    if let Some((admin_url, name)) = cleanup {
        let admin = Database::connect(&admin_url).await?;
        admin
            .execute_admin(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await?;
        admin.close().await;
    }
    Ok(Pass {
        label: format!("import into {backend}"),
        resources: totals.total(),
        bytes: report.bytes,
        elapsed,
    })
}

/// A new, empty database: an SQLite file, or a scratch PostgreSQL database.
async fn fresh_database(url: &str) -> anyhow::Result<(Database, Option<(String, String)>)> {
    if url.starts_with("sqlite:") {
        return Ok((Database::connect(url).await?, None));
    }
    let name = format!("porchlight_bench_{}", uuid::Uuid::new_v4().simple());
    let admin = Database::connect(url)
        .await
        .context("PostgreSQL for the benchmark")?;
    admin
        .execute_admin(&format!("CREATE DATABASE {name}"))
        .await?;
    admin.close().await;
    let (base, _) = url
        .rsplit_once('/')
        .context("a PostgreSQL URL ends in /DATABASE")?;
    let db = Database::connect(&format!("{base}/{name}")).await?;
    Ok((db, Some((url.to_owned(), name))))
}

fn sqlite_url(dir: &Path, set: &str) -> String {
    let file = set.replace(' ', "-");
    format!("sqlite://{}/{file}.db", dir.display())
}

/// VmHWM: the most memory this process has held at once.
fn peak_rss_mb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))?
                .split_whitespace()
                .nth(1)?
                .parse::<u64>()
                .ok()
        })
        .map_or(0, |kb| kb / 1024)
}

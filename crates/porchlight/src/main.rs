use std::{path::PathBuf, process::ExitCode};

use clap::{Args, Parser, Subcommand};
use porchlight::{
    commands,
    server::{self, shutdown_signal},
    settings::{RawSettings, Settings, unknown_variables},
    telemetry,
};

/// mimalloc: requests allocate and free from many threads at once, where the system
/// allocator spends a tenth of the time of a read (docs/PERFORMANCE.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Porchlight: an open-source patient portal.
#[derive(Parser)]
#[command(name = "porchlight", version, about)]
struct Cli {
    #[command(flatten)]
    settings: SettingsFlags,
    #[command(subcommand)]
    command: Command,
}

/// Settings flags; each overrides its environment variable and the settings file.
#[derive(Args)]
struct SettingsFlags {
    /// A TOML settings file [env: PORCHLIGHT_CONFIG]
    #[arg(long, global = true, env = "PORCHLIGHT_CONFIG")]
    config: Option<PathBuf>,
    /// sqlite://PATH or postgres://... [env: PORCHLIGHT_DATABASE_URL]
    #[arg(long, global = true)]
    database_url: Option<String>,
    /// Address and port to listen on [env: PORCHLIGHT_BIND]
    #[arg(long, global = true)]
    bind: Option<String>,
    /// The address patients use, for links in emails [env: PORCHLIGHT_BASE_URL]
    #[arg(long, global = true)]
    base_url: Option<String>,
    /// smtp://host:port for outgoing mail [env: PORCHLIGHT_SMTP_URL]
    #[arg(long, global = true)]
    smtp_url: Option<String>,
    /// The sender's address on emails [env: PORCHLIGHT_MAIL_FROM]
    #[arg(long, global = true)]
    mail_from: Option<String>,
    /// A file holding the secret key [env: PORCHLIGHT_SECRET_KEY_FILE]
    #[arg(long, global = true)]
    secret_key_file: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the portal.
    Serve,
    /// Bring the database schema up to date.
    Migrate,
    /// Import FHIR R4 Bundles (.json) and NDJSON (.ndjson), files or folders.
    Import {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// The organization to import into (needed when there are several).
        #[arg(long)]
        org: Option<String>,
    },
    /// Create a demo practice with generated patients, then serve.
    Demo {
        /// How many patients to generate.
        #[arg(long, default_value_t = 200)]
        patients: u64,
        /// The generator's seed: the same seed gives the same patients.
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// Write the generated patients as FHIR bundles into this folder instead, and stop.
        #[arg(long, value_name = "DIR")]
        export: Option<PathBuf>,
    },
    /// Run the enrollment identity matcher over JSON lines from standard input.
    ///
    /// Each line: {"given", "family", "birth_date": "YYYY-MM-DD", and optionally "ssn_last4",
    /// "mrn", "postal_code", "org"}. Each answer: {"outcome": "match" | "no_match" |
    /// "ambiguous" | "invalid", "patient_id", "mrn", "score", "error"}.
    Match,
    /// Check the audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Manage staff accounts.
    Staff {
        #[command(subcommand)]
        command: StaffCommand,
    },
    /// Manage organizations (practices).
    Org {
        #[command(subcommand)]
        command: OrgCommand,
    },
}

#[derive(Subcommand)]
enum OrgCommand {
    /// Create an organization.
    Add {
        /// Its short name: lower-case letters, digits and hyphens (staff type it at sign-in).
        slug: String,
        /// The practice's name, as patients know it.
        #[arg(long)]
        name: String,
        /// The number patients are told to call.
        #[arg(long)]
        phone: Option<String>,
        /// Its IANA time zone (e.g. America/Chicago); the server's zone until set.
        #[arg(long)]
        time_zone: Option<String>,
    },
    /// List the organizations: slug, name, phone and time zone, tab-separated.
    List,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check that no audit row was changed, removed or inserted: rows are numbered without
    /// gaps and each row's MAC (under a key derived from the secret key) covers its number, its
    /// content and the row before it. Prints the head (SEQ:MAC); exits non-zero naming the
    /// first broken row.
    Verify {
        /// A head printed or logged earlier (SEQ:MAC, the MAC whole or its first 12 or more
        /// hex digits): the log must still hold that row unchanged, so rows cut from the end
        /// are caught.
        #[arg(long, value_name = "SEQ:MAC", value_parser = parse_expected_head)]
        expect_head: Option<storage::ExpectedHead>,
    },
}

fn parse_expected_head(text: &str) -> Result<storage::ExpectedHead, String> {
    storage::ExpectedHead::parse(text).map_err(|e| e.to_string())
}

#[derive(Subcommand)]
enum StaffCommand {
    /// Create a staff account; the password is read from standard input.
    Add {
        username: String,
        /// front-desk, clinician, administrator or security-officer
        #[arg(long)]
        role: String,
        /// Read the password from the first line of standard input.
        #[arg(long, required = true)]
        password_stdin: bool,
        /// The name shown to colleagues (defaults to the username).
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        org: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init();
    for name in unknown_variables(std::env::vars()) {
        tracing::warn!(variable = %name, "unknown setting ignored: is it a typo?");
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the command; `Ok(false)` when it finished but some input was refused.
async fn run(cli: Cli) -> anyhow::Result<bool> {
    if let Command::Demo {
        export: Some(dir),
        patients,
        seed,
    } = &cli.command
    {
        commands::demo::export(dir, *patients, *seed)?;
        return Ok(true);
    }
    let settings = load_settings(&cli.settings)?;
    match cli.command {
        Command::Serve => {
            let db = porchlight::open_database(&settings).await?;
            let running = server::start(&settings, db.clone()).await?;
            tracing::info!(addr = %running.addr, "serving");
            running.run_until(shutdown_signal()).await?;
            porchlight::close_database(&db).await;
        }
        Command::Migrate => {
            let db = porchlight::open_database(&settings).await?;
            println!("the database schema is up to date ({})", db.backend());
            db.close().await;
        }
        Command::Import { paths, org } => {
            return commands::import::run(&settings, &paths, org.as_deref()).await;
        }
        Command::Match => {
            commands::matching::run(&settings, std::io::stdin().lock(), std::io::stdout().lock())
                .await?;
        }
        Command::Demo { patients, seed, .. } => {
            commands::demo::run(&settings, patients, seed).await?;
        }
        Command::Audit {
            command: AuditCommand::Verify { expect_head },
        } => {
            return commands::audit::verify(
                &settings,
                expect_head.as_ref(),
                &mut std::io::stdout().lock(),
            )
            .await;
        }
        Command::Staff {
            command:
                StaffCommand::Add {
                    username,
                    role,
                    password_stdin: _,
                    name,
                    org,
                },
        } => {
            let password = commands::staff::read_password(std::io::stdin().lock())?;
            commands::staff::add(
                &settings,
                &username,
                &role,
                name.as_deref(),
                org.as_deref(),
                password,
            )
            .await?;
        }
        Command::Org {
            command:
                OrgCommand::Add {
                    slug,
                    name,
                    phone,
                    time_zone,
                },
        } => {
            commands::organization::add(
                &settings,
                &slug,
                &name,
                phone.as_deref(),
                time_zone.as_deref(),
            )
            .await?;
        }
        Command::Org {
            command: OrgCommand::List,
        } => {
            commands::organization::list(&settings, &mut std::io::stdout().lock()).await?;
        }
    }
    Ok(true)
}

fn load_settings(flags: &SettingsFlags) -> anyhow::Result<Settings> {
    let raw = RawSettings {
        database_url: flags.database_url.clone(),
        bind: flags.bind.clone(),
        base_url: flags.base_url.clone(),
        smtp_url: flags.smtp_url.clone(),
        mail_from: flags.mail_from.clone(),
        secret_key: None,
        secret_key_file: flags.secret_key_file.clone(),
        hash_threads: None,
        trusted_proxies: None,
        ..RawSettings::default()
    };
    let settings = RawSettings::load(flags.config.as_deref(), &raw)?.validate()?;
    Ok(settings)
}

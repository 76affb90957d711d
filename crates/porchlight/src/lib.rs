//! Porchlight's binary as a library: settings, start-up and the commands, so that the
//! integration tests start the very same application the binary does.

pub mod commands;
pub mod jobs;
pub mod server;
pub mod settings;
pub mod telemetry;

use storage::Database;

use crate::settings::Settings;

/// Opens the configured database and brings its schema up to date. Audit rows it appends are
/// sealed under a key derived from the secret key.
pub async fn open_database(settings: &Settings) -> anyhow::Result<Database> {
    let db = Database::connect(&settings.database_url)
        .await?
        .with_audit_key(storage::AuditKey::derive(&settings.secret_key));
    db.migrate()
        .await
        .map_err(|e| e.context("PORCHLIGHT_DATABASE_URL: the schema migration failed"))?;
    Ok(db)
}

/// Seals the audit rows a command appended (a server's sealer would otherwise seal them at its
/// next start), then closes the database. A failure to seal leaves the rows waiting, durable.
pub async fn close_database(db: &Database) {
    if let Err(error) = db.seal_all_audit().await {
        tracing::warn!(
            error = %format_args!("{error:#}"),
            "could not seal the audit rows; the next start of the server seals them"
        );
    }
    db.close().await;
}

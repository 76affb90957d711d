use std::{io::Write, path::PathBuf};

use fhir::{ImportReport, Importer};

use crate::{commands::organization, open_database, settings::Settings};

/// `porchlight import PATH...`: returns whether everything imported.
pub async fn run(
    settings: &Settings,
    paths: &[PathBuf],
    org: Option<&str>,
) -> anyhow::Result<bool> {
    let db = open_database(settings).await?;
    let organization = organization::choose(&db, org).await?;
    let importer = Importer::new(&db, organization.id, &settings.secret_key);
    let started = std::time::Instant::now();
    let report = importer.import_paths(paths).await;
    let elapsed = started.elapsed();
    let mut out = std::io::stdout().lock();
    write_report(&mut out, &report)?;
    writeln!(
        out,
        "{} files imported, {} failed, {:.1} MB in {:.1} s into organization '{}'",
        report.files_imported,
        report.files_failed,
        report.bytes as f64 / 1e6,
        elapsed.as_secs_f64(),
        organization.slug
    )?;
    for error in &report.errors {
        eprintln!("error: {error}");
    }
    crate::close_database(&db).await;
    Ok(report.errors.is_empty())
}

/// The per-type table of what was imported.
pub fn write_report(out: &mut impl Write, report: &ImportReport) -> std::io::Result<()> {
    writeln!(
        out,
        "{:<24} {:>9} {:>9} {:>10} {:>9}",
        "resource type", "imported", "updated", "unchanged", "skipped"
    )?;
    for (rtype, c) in &report.counts {
        writeln!(
            out,
            "{rtype:<24} {:>9} {:>9} {:>10} {:>9}",
            c.imported, c.updated, c.unchanged, c.skipped
        )?;
    }
    let t = report.totals();
    writeln!(
        out,
        "{:<24} {:>9} {:>9} {:>10} {:>9}",
        "total", t.imported, t.updated, t.unchanged, t.skipped
    )
}

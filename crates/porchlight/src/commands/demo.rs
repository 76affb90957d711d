//! `porchlight demo`: a demo practice with generated patients, then the portal.

use std::path::Path;

use anyhow::Context;
use domain::{Role, Username};
use fhir::{ImportReport, Importer};
use rand::{Rng, distr::Alphanumeric};
use secrecy::SecretString;
use storage::{Database, NewStaff, Organization};
use web::passwords::PasswordHasher;

use crate::{
    open_database,
    server::{self, shutdown_signal},
    settings::Settings,
};

pub const DEMO_ORG_SLUG: &str = "demo";
pub const DEMO_ADMIN: &str = "admin";

/// What `prepare` set up, for printing.
pub struct DemoSetup {
    pub organization: Organization,
    pub patients_created: u64,
    pub admin_password: String,
}

/// Creates the demo organization with `patients` generated patients (once: a second run keeps
/// them) and gives the administrator a fresh password.
pub async fn prepare(
    db: &Database,
    settings: &Settings,
    patients: u64,
    seed: u64,
) -> anyhow::Result<DemoSetup> {
    let (organization, patients_created) = match db.organization_by_slug(DEMO_ORG_SLUG).await? {
        Some(org) => (org, 0),
        None => {
            let org = db
                .create_organization(
                    DEMO_ORG_SLUG,
                    "Riverside Family Medicine",
                    Some("(555) 010-0199"),
                )
                .await?;
            generate_patients(db, settings, &org, patients, seed).await?;
            (org, patients)
        }
    };
    let admin_password = reset_admin(db, &organization).await?;
    Ok(DemoSetup {
        organization,
        patients_created,
        admin_password,
    })
}

async fn generate_patients(
    db: &Database,
    settings: &Settings,
    organization: &Organization,
    count: u64,
    seed: u64,
) -> anyhow::Result<()> {
    let today = jiff::Zoned::now().date();
    let generator = demo::Generator::new(seed, today);
    let importer = Importer::new(db, organization.id, &settings.secret_key);
    let mut report = ImportReport::default();
    for index in 0..count {
        let bundle = serde_json::to_string(&generator.patient(index).to_bundle())?;
        let label = format!("demo patient {index}");
        importer
            .import_bundle_text(Path::new(&label), &bundle, &mut report)
            .await;
        if let Some(error) = report.errors.first() {
            anyhow::bail!("the demo generator made data the importer refused: {error}");
        }
    }
    Ok(())
}

async fn reset_admin(db: &Database, organization: &Organization) -> anyhow::Result<String> {
    let password: String = rand::rng()
        .sample_iter(&Alphanumeric)
        .take(20)
        .map(char::from)
        .collect();
    let hash = PasswordHasher::new(1)
        .hash(SecretString::from(password.clone()))
        .await?;
    let username = Username::parse(DEMO_ADMIN).expect("the demo username is valid");
    if !db
        .set_staff_password(organization.id, &username, &hash)
        .await?
    {
        db.create_staff(NewStaff {
            organization: organization.id,
            username: &username,
            display_name: "Demo Administrator",
            role: Role::Administrator,
            password_hash: &hash,
        })
        .await
        .context("could not create the demo administrator")?;
    }
    Ok(password)
}

/// `porchlight demo`: prepare, print how to get in, serve until stopped.
pub async fn run(settings: &Settings, patients: u64, seed: u64) -> anyhow::Result<()> {
    let db = open_database(settings).await?;
    let setup = prepare(&db, settings, patients, seed).await?;
    let running = server::start(settings, db.clone()).await?;
    println!();
    println!("Porchlight demo: {}", setup.organization.name);
    if setup.patients_created > 0 {
        println!(
            "  generated {} patients (seed {seed})",
            setup.patients_created
        );
    } else {
        println!("  using the demo patients generated earlier");
    }
    // The portal's own address (PORCHLIGHT_BASE_URL when set): passkeys work only there.
    let portal = if settings.base_url.ends_with(":0") {
        format!("http://{}", running.addr)
    } else {
        settings.base_url.clone()
    };
    println!("  open           {portal}/");
    println!("  staff console  {portal}/staff/sign-in");
    println!("  administrator  {DEMO_ADMIN} / {}", setup.admin_password);
    match &settings.smtp_url {
        Some(_) => println!("  emails         sent over PORCHLIGHT_SMTP_URL"),
        None => {
            println!("  emails         kept at {portal}/staff/mailbox (no PORCHLIGHT_SMTP_URL)")
        }
    }
    println!("  stop with Ctrl-C");
    println!();
    running.run_until(shutdown_signal()).await?;
    db.close().await;
    Ok(())
}

/// `porchlight demo --export DIR`: writes generated patients as FHIR bundles, one file each.
pub fn export(dir: &Path, patients: u64, seed: u64) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let today = jiff::Zoned::now().date();
    let bytes = demo::write_bundles(dir, seed, today, patients)
        .with_context(|| format!("cannot write bundles to {}", dir.display()))?;
    println!(
        "wrote {patients} patients ({:.1} MB) to {}",
        bytes as f64 / 1e6,
        dir.display()
    );
    Ok(())
}

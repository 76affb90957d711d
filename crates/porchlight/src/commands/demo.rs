//! `porchlight demo`: a demo practice with generated patients, then the portal.

use std::path::Path;

use anyhow::Context;
use domain::{Role, Username};
use fhir::{ImportReport, Importer};
use rand::{Rng, distr::Alphanumeric};
use secrecy::SecretString;
use storage::{Database, NewStaff, Organization, PatientToTry};
use web::passwords::PasswordHasher;

use crate::{
    open_database,
    server::{self, shutdown_signal},
    settings::{DEFAULT_DATABASE_URL, Settings},
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

/// How the demo suggests inviting a patient to try.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InviteBy {
    Email,
    Letter,
}

/// A patient the demo suggests trying the portal as.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    pub patient: PatientToTry,
    pub invite_by: InviteBy,
}

/// A few patients to try the portal as: living, old enough for the practice's policy, with
/// no account or invitation yet. Two to invite by email, one whose chart is in Spanish (her
/// emails and pages are in Spanish), and one without an email address, for a printed letter;
/// each as the policy's invitation channels allow.
pub async fn patients_to_try(
    db: &Database,
    organization: &Organization,
) -> anyhow::Result<Vec<Suggestion>> {
    let policy = db.enrollment_policy(organization.id).await?;
    let today = jiff::Zoned::now().date();
    let born_by = today.checked_sub(jiff::Span::new().years(i64::from(policy.minimum_age)))?;
    let candidates = db.patients_to_try(organization.id, born_by, 200).await?;
    Ok(pick_suggestions(
        &candidates,
        policy.email_invitations,
        policy.printed_codes,
    ))
}

/// Which patients a suggestion slot takes.
type Wanted<'a> = &'a dyn Fn(&PatientToTry) -> bool;

fn pick_suggestions(candidates: &[PatientToTry], email: bool, letter: bool) -> Vec<Suggestion> {
    let spanish = |p: &PatientToTry| p.language.as_deref().is_some_and(|l| l.starts_with("es"));
    let has_email = |p: &PatientToTry| p.email.is_some();
    let by_email = |p: &PatientToTry| has_email(p) && !spanish(p);
    let by_email_in_spanish = |p: &PatientToTry| has_email(p) && spanish(p);
    let by_letter = |p: &PatientToTry| !has_email(p);
    let slots: [(bool, InviteBy, Wanted); 4] = [
        (email, InviteBy::Email, &by_email),
        (email, InviteBy::Email, &by_email),
        (email, InviteBy::Email, &by_email_in_spanish),
        (letter, InviteBy::Letter, &by_letter),
    ];
    let mut chosen: Vec<Suggestion> = Vec::new();
    for (allowed, invite_by, wanted) in slots {
        // One per family: two people of one household look alike in a short list.
        let fresh = |p: &&PatientToTry| {
            !chosen
                .iter()
                .any(|s| s.patient.family_name == p.family_name)
        };
        let found = candidates.iter().filter(fresh).find(|p| wanted(p));
        if let (true, Some(patient)) = (allowed, found) {
            chosen.push(Suggestion {
                patient: patient.clone(),
                invite_by,
            });
        }
    }
    chosen
}

/// How to start the demo over with a new practice: what to delete.
pub fn start_over_hint(database_url: &str) -> String {
    let Some(path) = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))
    else {
        return "stop it, drop the PostgreSQL database and create it again, run this again"
            .to_owned();
    };
    let path = Path::new(path.split('?').next().unwrap_or(path));
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    if database_url == DEFAULT_DATABASE_URL
        && let Some(folder) = absolute.parent()
    {
        return format!(
            "stop it, delete the folder {}, run this again",
            folder.display()
        );
    }
    format!(
        "stop it, delete {} (and its -wal and -shm files), run this again",
        absolute.display()
    )
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
    print_suggestions(&patients_to_try(&db, &setup.organization).await?);
    println!(
        "  start over     {}",
        start_over_hint(&settings.database_url)
    );
    println!("  stop with Ctrl-C");
    println!();
    running.run_until(shutdown_signal()).await?;
    crate::close_database(&db).await;
    Ok(())
}

fn print_suggestions(suggestions: &[Suggestion]) {
    if suggestions.is_empty() {
        println!("  patients       every adult patient has been invited already (see start over)");
        return;
    }
    println!("  patients to try: find one in the staff console, invite them, then sign up as them");
    for Suggestion { patient, invite_by } in suggestions {
        let name = format!("{} {}", patient.given_names, patient.family_name);
        let born = patient.birth_date.strftime("%B %-d, %Y").to_string();
        let how = match invite_by {
            InviteBy::Email
                if patient
                    .language
                    .as_deref()
                    .is_some_and(|l| l.starts_with("es")) =>
            {
                "by email (in Spanish)"
            }
            InviteBy::Email => "by email",
            InviteBy::Letter => "by printed letter (no email address on the chart)",
        };
        println!("    {name:<28} born {born:<19} {how}");
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn patient(family: &str, email: bool, language: &str) -> PatientToTry {
        PatientToTry {
            given_names: "Ana".to_owned(),
            family_name: family.to_owned(),
            birth_date: jiff::civil::date(1970, 1, 2),
            email: email.then(|| format!("{family}@example.org")),
            language: Some(language.to_owned()),
        }
    }

    fn families(suggestions: &[Suggestion]) -> Vec<(&str, InviteBy)> {
        suggestions
            .iter()
            .map(|s| (s.patient.family_name.as_str(), s.invite_by))
            .collect()
    }

    #[test]
    fn suggests_two_by_email_one_in_spanish_and_one_by_letter() {
        let candidates = [
            patient("A", true, "es"),
            patient("B", false, "en"),
            patient("C", true, "en"),
            patient("C", true, "en"),
            patient("D", true, "en"),
            patient("F", false, "en"),
        ];
        assert_eq!(
            families(&pick_suggestions(&candidates, true, true)),
            [
                ("C", InviteBy::Email),
                ("D", InviteBy::Email),
                ("A", InviteBy::Email),
                ("B", InviteBy::Letter)
            ]
        );
        assert_eq!(
            families(&pick_suggestions(&candidates, false, true)),
            [("B", InviteBy::Letter)],
            "only the channels the policy allows"
        );
        assert_eq!(
            families(&pick_suggestions(&candidates[..1], true, true)),
            [("A", InviteBy::Email)],
            "no one twice, nothing made up"
        );
    }

    #[test]
    fn says_what_to_delete_to_start_over() {
        let default = start_over_hint(DEFAULT_DATABASE_URL);
        assert!(
            default.contains("delete the folder /")
                && default.ends_with("porchlight-data, run this again"),
            "{default}"
        );
        assert_eq!(
            start_over_hint("sqlite:///srv/p/portal.db?mode=rwc"),
            "stop it, delete /srv/p/portal.db (and its -wal and -shm files), run this again"
        );
        assert!(start_over_hint("postgres://db/portal").contains("drop the PostgreSQL database"));
    }
}

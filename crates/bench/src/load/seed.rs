//! Demo-like data for the load benchmark, written through storage (quickly, without the
//! HTTP enrollment): a practice, staff, patients with active accounts for the sign-ins, and
//! patients invited with printed codes for the enrollments.

use std::path::Path;

use anyhow::Context;
use domain::{
    OrganizationId, PatientId, Role, SecretKey, StaffId, StaffScope, Username,
    invitation::{ActivationCode, Channel},
};
use fhir::{ImportReport, Importer};
use jiff::{SignedDuration, Timestamp, civil::Date};
use storage::{AttemptStep, Database, NewInvitation, NewStaff, RequestOrigin};
use web::passwords::PasswordHasher;

pub const ORG_SLUG: &str = "riverside";
/// Every seeded account's password, and the one the enrollments choose.
pub const PASSWORD: &str = "maple syrup on tuesday mornings";

/// An account the sign-in load signs in to.
#[derive(Debug, Clone)]
pub struct Account {
    /// `/sign-in` for a patient, `/staff/sign-in` for staff.
    pub path: &'static str,
    /// Where a successful sign-in leads.
    pub lands_on: &'static str,
    pub username: String,
}

/// A patient invited with a printed code, and what they type to enroll.
#[derive(Debug, Clone)]
pub struct Invited {
    pub code: String,
    pub given: String,
    pub family: String,
    pub birth_date: Date,
    pub username: String,
}

pub struct Seeded {
    pub accounts: Vec<Account>,
    pub invited: Vec<Invited>,
    /// The chart (FHIR id) of each patient account, in the order of the accounts.
    pub account_charts: Vec<String>,
}

/// A patient's demographics, as the chart and the enrollment form hold them.
struct Person {
    source_id: String,
    given: String,
    family: String,
    birth_date: Date,
    mrn: String,
    gender: &'static str,
}

pub async fn seed(
    db: &Database,
    key: &SecretKey,
    staff_accounts: usize,
    patient_accounts: usize,
    invitations: usize,
) -> anyhow::Result<Seeded> {
    let org = db
        .create_organization(
            ORG_SLUG,
            "Riverside Family Medicine",
            Some("(555) 010-0199"),
        )
        .await?;
    // One hash for every seeded account: each sign-in still verifies it in full.
    let hash = PasswordHasher::new(1).hash(PASSWORD.into()).await?;
    let front_desk = add_staff(db, org.id, "frontdesk", Role::FrontDesk, &hash).await?;
    let scope = StaffScope::new(org.id, front_desk, Role::FrontDesk);
    let mut accounts = Vec::new();
    for i in 0..staff_accounts {
        let role = [Role::FrontDesk, Role::Clinician, Role::Administrator][i % 3];
        let username = format!("staff{i:04}");
        add_staff(db, org.id, &username, role, &hash).await?;
        accounts.push(Account {
            path: "/staff/sign-in",
            lands_on: "/staff",
            username,
        });
    }

    let people = adults(patient_accounts + invitations);
    import(db, key, org.id, &people).await?;
    let ids = patient_ids(db, org.id, &people).await?;
    let (terms, privacy) = db.current_terms(org.id, &web::DEFAULT_TERMS).await?;
    let origin = RequestOrigin::default();
    for (i, patient) in ids[..patient_accounts].iter().enumerate() {
        let username = format!("patient{i:05}");
        let (invitation, _) = invite(db, key, &scope, *patient, &origin).await?;
        let invitation = db
            .invitation_by_id(invitation)
            .await?
            .context("the invitation just made")?;
        for step in [AttemptStep::Identity, AttemptStep::AccessCode] {
            db.record_identity_attempt(&invitation, step, true, "seeded", 5, None)
                .await?;
        }
        db.set_credentials(&invitation, &username, &hash, None)
            .await?;
        db.accept_terms_and_activate(
            &invitation,
            &terms,
            &privacy,
            storage::TermsLanguage::English,
            None,
            None,
            None,
        )
        .await?;
        accounts.push(Account {
            path: "/sign-in",
            lands_on: "/home",
            username,
        });
    }
    let mut invited = Vec::new();
    for (i, (patient, person)) in ids.iter().zip(&people).skip(patient_accounts).enumerate() {
        let (_, code) = invite(db, key, &scope, *patient, &origin).await?;
        invited.push(Invited {
            code,
            given: person.given.clone(),
            family: person.family.clone(),
            birth_date: person.birth_date,
            username: format!("enrolled{i:05}"),
        });
    }
    let account_charts = people[..patient_accounts]
        .iter()
        .map(|p| p.source_id.clone())
        .collect();
    Ok(Seeded {
        accounts,
        invited,
        account_charts,
    })
}

async fn add_staff(
    db: &Database,
    organization: OrganizationId,
    username: &str,
    role: Role,
    hash: &str,
) -> anyhow::Result<StaffId> {
    Ok(db
        .create_staff(NewStaff {
            organization,
            username: &Username::parse(username)?,
            display_name: "Benchmark Staff",
            role,
            password_hash: hash,
        })
        .await?)
}

/// A printed-code invitation, as the front desk makes one: answers its id and the code.
async fn invite(
    db: &Database,
    key: &SecretKey,
    scope: &StaffScope,
    patient: PatientId,
    origin: &RequestOrigin,
) -> anyhow::Result<(uuid::Uuid, String)> {
    let code = ActivationCode::generate();
    let code_hash = key.keyed_hash("activation-code", code.canonical());
    let id = db
        .create_invitation(
            scope,
            NewInvitation {
                patient,
                channel: Channel::PrintedCode,
                email: None,
                token_hash: None,
                code_hash: Some(&code_hash),
                expires_at: Timestamp::now() + SignedDuration::from_hours(24 * 14),
                email_link: None,
                replaces_live: false,
                save_email_to_chart: false,
            },
            origin,
        )
        .await?;
    Ok((id, code.display()))
}

/// `count` living adults from the demo generator, with one given name each (the name the
/// enrollment form asks for).
fn adults(count: usize) -> Vec<Person> {
    let today = jiff::Zoned::now().date();
    demo::Generator::new(2026, today)
        .patients(0..u64::MAX)
        .filter(|p| p.deceased.is_none() && p.age() >= 19 && !p.given.is_empty())
        .take(count)
        .map(|p| Person {
            source_id: p.id.to_string(),
            given: p.given[0].clone(),
            family: p.family.clone(),
            birth_date: p.birth_date,
            mrn: p.mrn.clone(),
            gender: p.sex.code(),
        })
        .collect()
}

/// Imports the patients' charts (demographics only) through the FHIR importer, 500 to a
/// bundle.
async fn import(
    db: &Database,
    key: &SecretKey,
    organization: OrganizationId,
    people: &[Person],
) -> anyhow::Result<()> {
    let importer = Importer::new(db, organization, key);
    let mut report = ImportReport::default();
    for (n, chunk) in people.chunks(500).enumerate() {
        let entries: Vec<serde_json::Value> = chunk
            .iter()
            .map(|p| {
                serde_json::json!({
                    "fullUrl": format!("urn:uuid:{}", p.source_id),
                    "resource": {
                        "resourceType": "Patient",
                        "id": p.source_id,
                        "identifier": [{"type": {"coding": [{"code": "MR"}]}, "value": p.mrn}],
                        "name": [{"family": p.family, "given": [p.given]}],
                        "gender": p.gender,
                        "birthDate": p.birth_date.to_string(),
                    }
                })
            })
            .collect();
        let bundle = serde_json::json!({
            "resourceType": "Bundle", "type": "collection", "entry": entries,
        });
        let label = format!("benchmark patients {n}");
        importer
            .import_bundle_text(Path::new(&label), &bundle.to_string(), &mut report)
            .await;
        if let Some(error) = report.errors.first() {
            anyhow::bail!("the importer refused the benchmark's patients: {error}");
        }
    }
    Ok(())
}

/// The tests of the benchmark's history, each repeated at every visit: (LOINC code, name,
/// unit, low, high, a typical value).
const TESTS: [(&str, &str, &str, f64, f64, f64); 10] = [
    (
        "4548-4",
        "Hemoglobin A1c/Hemoglobin.total in Blood",
        "%",
        4.0,
        5.6,
        6.1,
    ),
    (
        "2345-7",
        "Glucose [Mass/volume] in Serum or Plasma",
        "mg/dL",
        70.0,
        99.0,
        104.0,
    ),
    (
        "2093-3",
        "Cholesterol [Mass/volume] in Serum or Plasma",
        "mg/dL",
        0.0,
        200.0,
        190.0,
    ),
    ("2571-8", "Triglycerides", "mg/dL", 0.0, 150.0, 140.0),
    (
        "18262-6",
        "Cholesterol in LDL [Mass/volume] in Serum or Plasma",
        "mg/dL",
        0.0,
        100.0,
        110.0,
    ),
    (
        "2085-9",
        "Cholesterol in HDL [Mass/volume] in Serum or Plasma",
        "mg/dL",
        40.0,
        60.0,
        52.0,
    ),
    (
        "38483-4",
        "Creatinine [Mass/volume] in Blood",
        "mg/dL",
        0.6,
        1.3,
        0.9,
    ),
    (
        "2951-2",
        "Sodium [Moles/volume] in Blood",
        "mmol/L",
        136.0,
        145.0,
        140.0,
    ),
    (
        "6298-4",
        "Potassium [Moles/volume] in Blood",
        "mmol/L",
        3.5,
        5.1,
        4.2,
    ),
    ("29463-7", "Body Weight", "kg", 0.0, 0.0, 78.0),
];

/// Gives the chart `source_id` a long history of results through the FHIR importer:
/// `observations` laboratory results and weights, ten at each visit, a report listing the
/// ten, one visit a week back from today (500 entries to a bundle, as an EHR export might).
pub async fn results_history(
    db: &Database,
    key: &SecretKey,
    organization: OrganizationId,
    source_id: &str,
    observations: usize,
) -> anyhow::Result<()> {
    let importer = Importer::new(db, organization, key);
    let mut report = ImportReport::default();
    let now = Timestamp::now();
    let visits = observations.div_ceil(TESTS.len());
    let mut entries = Vec::new();
    for visit in 0..visits {
        let at = (now - SignedDuration::from_hours(24 * 7 * visit as i64)).to_string();
        let mut listed = Vec::new();
        for (n, (code, name, unit, low, high, typical)) in TESTS.iter().enumerate() {
            if visit * TESTS.len() + n >= observations {
                break;
            }
            let id = format!("{source_id}-v{visit}-{code}");
            // A value that wanders around the typical one, so that trends move.
            let value = typical * (1.0 + 0.08 * ((visit * 7 + n) as f64).sin());
            let range = if high > &0.0 {
                serde_json::json!([{"low": {"value": low, "unit": unit}, "high": {"value": high, "unit": unit}}])
            } else {
                serde_json::json!([])
            };
            let category = if *code == "29463-7" {
                "vital-signs"
            } else {
                "laboratory"
            };
            listed.push(serde_json::json!({"reference": format!("Observation/{id}")}));
            entries.push(serde_json::json!({
                "fullUrl": format!("urn:uuid:{id}"),
                "resource": {
                    "resourceType": "Observation", "id": id, "status": "final",
                    "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": category}]}],
                    "code": {"coding": [{"system": "http://loinc.org", "code": code, "display": name}], "text": name},
                    "subject": {"reference": format!("Patient/{source_id}")},
                    "effectiveDateTime": at,
                    "valueQuantity": {"value": (value * 10.0).round() / 10.0, "unit": unit},
                    "referenceRange": range,
                }
            }));
        }
        let id = format!("{source_id}-v{visit}-panel");
        entries.push(serde_json::json!({
            "fullUrl": format!("urn:uuid:{id}"),
            "resource": {
                "resourceType": "DiagnosticReport", "id": id, "status": "final",
                "code": {"coding": [{"system": "http://loinc.org", "code": "24323-8", "display": "Comprehensive metabolic 2000 panel"}]},
                "subject": {"reference": format!("Patient/{source_id}")},
                "effectiveDateTime": at, "issued": at, "result": listed,
            }
        }));
    }
    for (n, chunk) in entries.chunks(500).enumerate() {
        let bundle = serde_json::json!({
            "resourceType": "Bundle", "type": "collection", "entry": chunk,
        });
        let label = format!("benchmark results {n}");
        importer
            .import_bundle_text(Path::new(&label), &bundle.to_string(), &mut report)
            .await;
        if let Some(error) = report.errors.first() {
            anyhow::bail!("the importer refused the benchmark's results: {error}");
        }
    }
    // As `porchlight import` does at the end of a run.
    db.refresh_statistics().await
}

async fn patient_ids(
    db: &Database,
    organization: OrganizationId,
    people: &[Person],
) -> anyhow::Result<Vec<PatientId>> {
    let mut tx = db.begin().await?;
    let mut ids = Vec::with_capacity(people.len());
    for person in people {
        let id = tx
            .find_by_source(organization, "Patient", &person.source_id)
            .await?
            .with_context(|| format!("patient {} was imported", person.source_id))?;
        ids.push(PatientId::from_uuid(id));
    }
    tx.commit().await?;
    Ok(ids)
}

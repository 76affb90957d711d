//! Download my record (issue 14, point 5): the whole record as a FHIR R4 Bundle, and the
//! printable summary. Each holds the signed-in patient's own resources, all of them, and none
//! of another patient's; each read is audited.

use std::{
    collections::{BTreeMap, BTreeSet},
    path::Path,
};

use serde_json::Value;
use storage::Organization;

use crate::{
    fixtures::{
        enrolled_patient, enrolled_synthea_patient, front_desk, import_patients, import_resources,
        page_text,
    },
    harness::{Backend, TestApp, each_backend, synthea_dir},
};

/// The resource types the download holds.
const TYPES: [&str; 14] = [
    "Patient",
    "Encounter",
    "Observation",
    "DiagnosticReport",
    "Condition",
    "MedicationRequest",
    "AllergyIntolerance",
    "Immunization",
    "Procedure",
    "CarePlan",
    "Goal",
    "Appointment",
    "Claim",
    "ExplanationOfBenefit",
];

/// Lucía Rivera's chart id in the hand-written bundles.
const LUCIA: &str = "7c1d2f40-0000-4000-8000-000000000001";
/// Another patient of the practice, whose entries Lucía must never see.
const TOMAS: &str = "7c1d2f40-0000-4000-8000-000000000002";

/// The ids of the resources of each downloadable type in a Synthea bundle file.
fn ids_by_type(file: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let bundle: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    let mut ids: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for entry in bundle["entry"].as_array().unwrap() {
        let kind = entry["resource"]["resourceType"].as_str().unwrap();
        if TYPES.contains(&kind) {
            ids.entry(kind.to_owned())
                .or_default()
                .insert(entry["resource"]["id"].as_str().unwrap().to_owned());
        }
    }
    ids
}

/// The downloaded bundle's resource ids by type.
fn downloaded_ids(bundle: &Value) -> BTreeMap<String, BTreeSet<String>> {
    let mut ids: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for entry in bundle["entry"].as_array().unwrap() {
        let kind = entry["resource"]["resourceType"].as_str().unwrap();
        let fresh = ids
            .entry(kind.to_owned())
            .or_default()
            .insert(entry["resource"]["id"].as_str().unwrap().to_owned());
        assert!(fresh, "a resource twice: {entry}");
    }
    ids
}

/// `GET /record/download/file` as `patient`: the headers checked, the body parsed.
async fn download(app: &TestApp, patient: &reqwest::Client) -> (String, Value) {
    let response = patient
        .get(app.url("/record/download/file"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .unwrap_or_else(|| panic!("{name}"))
            .to_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(header("content-type"), "application/fhir+json");
    assert_eq!(header("cache-control"), "no-store");
    let disposition = header("content-disposition");
    let date = disposition
        .strip_prefix("attachment; filename=\"health-record-")
        .and_then(|rest| rest.strip_suffix(".json\""))
        .unwrap_or_else(|| panic!("{disposition}"));
    assert!(date.parse::<jiff::civil::Date>().is_ok(), "{disposition}");
    let text = response.text().await.unwrap();
    let bundle: Value = serde_json::from_str(&text).expect("the download is JSON");
    assert_eq!(bundle["resourceType"], "Bundle");
    assert_eq!(bundle["type"], "collection");
    assert!(!bundle["id"].as_str().unwrap().is_empty());
    assert!(
        bundle["timestamp"]
            .as_str()
            .unwrap()
            .parse::<jiff::Timestamp>()
            .is_ok()
    );
    let mut urls = BTreeSet::new();
    for entry in bundle["entry"].as_array().unwrap() {
        let url = entry["fullUrl"].as_str().unwrap();
        let id = url.strip_prefix("urn:uuid:").unwrap();
        assert!(uuid::Uuid::parse_str(id).is_ok(), "{url}");
        assert!(urls.insert(url.to_owned()), "{url} twice");
    }
    (text, bundle)
}

/// How many audit rows of `action` name a patient since `head`.
async fn audited(app: &TestApp, head: i64, action: &str) -> usize {
    app.db
        .audit_since(head)
        .await
        .unwrap()
        .iter()
        .filter(|row| row.action == action && row.patient.is_some() && row.actor_kind == "patient")
        .count()
}

fn resource(kind: &str, id: &str, patient: &str, extra: &str) -> String {
    let subject = if kind == "AllergyIntolerance" || kind == "Immunization" {
        "patient"
    } else {
        "subject"
    };
    format!(
        r#"{{"resourceType":"{kind}","id":"{id}","{subject}":{{"reference":"Patient/{patient}"}}{extra}}}"#
    )
}

fn coded(name: &str) -> String {
    format!(
        r#"{{"coding":[{{"system":"http://snomed.info/sct","code":"1","display":"{name}"}}],"text":"{name}"}}"#
    )
}

/// Lucía's and Tomás's records, by hand: what the summary shows and what it leaves out.
fn two_records() -> Vec<String> {
    let status = |code: &str| format!(r#"{{"coding":[{{"code":"{code}"}}]}}"#);
    let observation = |id: &str, patient: &str, code: &str, name: &str, at: &str, value: f64| {
        resource(
            "Observation",
            id,
            patient,
            &format!(
                r#","status":"final","category":[{{"coding":[{{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"laboratory"}}]}}],
            "code":{{"coding":[{{"system":"http://loinc.org","code":"{code}","display":"{name}"}}],"text":"{name}"}},
            "effectiveDateTime":"{at}","valueQuantity":{{"value":{value},"unit":"mg/dL","code":"mg/dL"}},
            "referenceRange":[{{"low":{{"value":70}},"high":{{"value":99}}}}]"#
            ),
        )
    };
    vec![
        resource(
            "AllergyIntolerance",
            "a1",
            LUCIA,
            &format!(
                r#","clinicalStatus":{},"criticality":"high","code":{},"reaction":[{{"description":"Hives","severity":"severe"}}]"#,
                status("active"),
                coded("Allergy to penicillin")
            ),
        ),
        resource(
            "AllergyIntolerance",
            "a2",
            LUCIA,
            &format!(
                r#","clinicalStatus":{},"code":{}"#,
                status("resolved"),
                coded("Allergy to eggs")
            ),
        ),
        resource(
            "AllergyIntolerance",
            "a3",
            TOMAS,
            &format!(
                r#","clinicalStatus":{},"code":{}"#,
                status("active"),
                coded("Allergy to peanuts")
            ),
        ),
        resource(
            "MedicationRequest",
            "m1",
            LUCIA,
            &format!(
                r#","status":"active","intent":"order","medicationCodeableConcept":{},"authoredOn":"2024-03-05T12:00:00Z","dosageInstruction":[{{"text":"Take 1 tablet twice a day"}}]"#,
                coded("Metformin 500 MG Oral Tablet")
            ),
        ),
        resource(
            "MedicationRequest",
            "m2",
            LUCIA,
            &format!(
                r#","status":"stopped","intent":"order","medicationCodeableConcept":{},"authoredOn":"2020-03-05T12:00:00Z""#,
                coded("Amoxicillin 500 MG Oral Capsule")
            ),
        ),
        resource(
            "MedicationRequest",
            "m3",
            TOMAS,
            &format!(
                r#","status":"active","intent":"order","medicationCodeableConcept":{},"authoredOn":"2024-03-05T12:00:00Z""#,
                coded("Warfarin 5 MG Oral Tablet")
            ),
        ),
        resource(
            "Condition",
            "c1",
            LUCIA,
            &format!(
                r#","clinicalStatus":{},"code":{},"onsetDateTime":"2009-08-01T12:00:00Z""#,
                status("active"),
                coded("Hypertension (disorder)")
            ),
        ),
        resource(
            "Condition",
            "c2",
            LUCIA,
            &format!(
                r#","clinicalStatus":{},"code":{},"onsetDateTime":"2017-06-05T12:00:00Z","abatementDateTime":"2017-06-18T12:00:00Z""#,
                status("resolved"),
                coded("Acute viral pharyngitis")
            ),
        ),
        resource(
            "Condition",
            "c3",
            TOMAS,
            &format!(
                r#","clinicalStatus":{},"code":{},"onsetDateTime":"2020-01-01T12:00:00Z""#,
                status("active"),
                coded("Gout")
            ),
        ),
        resource(
            "Immunization",
            "i1",
            LUCIA,
            &format!(
                r#","status":"completed","vaccineCode":{},"occurrenceDateTime":"2018-10-01T12:00:00Z""#,
                coded("Influenza, seasonal")
            ),
        ),
        resource(
            "Immunization",
            "i2",
            LUCIA,
            &format!(
                r#","status":"completed","vaccineCode":{},"occurrenceDateTime":"2019-10-01T12:00:00Z""#,
                coded("Influenza, seasonal")
            ),
        ),
        resource(
            "Immunization",
            "i3",
            TOMAS,
            &format!(
                r#","status":"completed","vaccineCode":{},"occurrenceDateTime":"2019-10-01T12:00:00Z""#,
                coded("Pneumococcal conjugate PCV 13")
            ),
        ),
        // Glucose three times: the newest (2024-05-01, 130 mg/dL, high) is the one shown.
        observation(
            "o1",
            LUCIA,
            "2345-7",
            "Glucose",
            "2024-05-01T09:00:00Z",
            130.0,
        ),
        observation(
            "o2",
            LUCIA,
            "2345-7",
            "Glucose",
            "2024-01-10T09:00:00Z",
            91.0,
        ),
        observation(
            "o3",
            LUCIA,
            "2093-3",
            "Cholesterol",
            "2024-01-10T09:00:00Z",
            180.0,
        ),
        // More than 12 months before the newest result: not on the summary.
        observation(
            "o4",
            LUCIA,
            "4548-4",
            "Hemoglobin A1c",
            "2021-01-10T09:00:00Z",
            5.0,
        ),
        observation(
            "o5",
            TOMAS,
            "1988-5",
            "C reactive protein",
            "2024-05-01T09:00:00Z",
            3.0,
        ),
        resource(
            "Encounter",
            "e1",
            LUCIA,
            r#","status":"finished","class":{"code":"AMB"},"type":[{"text":"General examination"}],"period":{"start":"2024-05-01T08:30:00Z"},"participant":[{"individual":{"display":"Dr. Ana Ortiz"}}],"serviceProvider":{"display":"Riverside Clinic"}"#,
        ),
        resource(
            "Encounter",
            "e2",
            TOMAS,
            r#","status":"finished","class":{"code":"AMB"},"type":[{"text":"Gout follow-up"}],"period":{"start":"2024-05-01T08:30:00Z"}"#,
        ),
    ]
}

/// Lucía Rivera and Tomás Rivera, imported; the front desk is signed in.
async fn practice_with_two_patients(app: &TestApp) -> Organization {
    let org = front_desk(app).await;
    import_patients(
        app,
        &org,
        &[
            (LUCIA, "Lucia", "Rivera", "1961-04-09", ""),
            (TOMAS, "Tomas", "Rivera", "1958-11-02", ""),
        ],
    )
    .await;
    org
}

each_backend! {
    async fn the_summary_shows_the_patients_own_record_on_one_page(app) {
        let org = practice_with_two_patients(&app).await;
        import_resources(&app, &org, &two_records()).await;
        let lucia = enrolled_patient(&app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;

        let head = app.db.audit_head().await.unwrap();
        let page = page_text(&lucia, &app, "/record/summary").await;
        assert_eq!(audited(&app, head, "patient.summary").await, 1);
        assert!(page.contains("Health summary"), "{page}");
        assert!(page.contains("Lucia Rivera") && page.contains("April 9, 1961"), "{page}");
        let section = |id: &str| {
            let start = page.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("{id}: {page}"));
            let rest = &page[start..];
            rest[..rest.find("</table>").unwrap()].to_owned()
        };
        let allergies = section("summary-allergies");
        assert!(allergies.contains("Allergy to penicillin") && allergies.contains("Hives"), "{allergies}");
        assert!(allergies.contains("high risk"), "{allergies}");
        assert!(!allergies.contains("eggs"), "a past allergy: {allergies}");
        let medicines = section("summary-medicines");
        assert!(medicines.contains("Metformin") && medicines.contains("Take 1 tablet twice a day"), "{medicines}");
        assert!(!medicines.contains("Amoxicillin"), "a stopped medicine: {medicines}");
        let problems = section("summary-problems");
        assert!(problems.contains("Hypertension") && !problems.contains("(disorder)"), "{problems}");
        assert!(problems.contains("August 1, 2009"), "{problems}");
        assert!(!problems.contains("pharyngitis"), "a problem that is over: {problems}");
        let vaccines = section("summary-vaccines");
        assert_eq!(vaccines.matches("Influenza").count(), 1, "each vaccine once: {vaccines}");
        assert!(vaccines.contains("October 1, 2019") && !vaccines.contains("2018"), "{vaccines}");
        let results = section("summary-results");
        assert!(results.contains("Glucose") && results.contains("130 mg/dL") && results.contains("High"), "{results}");
        assert!(!results.contains("91 mg/dL"), "an older glucose: {results}");
        assert!(results.contains("Cholesterol") && results.contains("180 mg/dL"), "{results}");
        assert!(results.find("Glucose").unwrap() < results.find("Cholesterol").unwrap(), "{results}");
        assert!(!results.contains("A1c"), "more than 12 months older than the newest: {results}");
        let visits = section("summary-visits");
        assert!(visits.contains("General examination") && visits.contains("May 1, 2024"), "{visits}");
        assert!(visits.contains("Dr. Ana Ortiz, Riverside Clinic"), "{visits}");
        // Tomás's record, never.
        for his in ["peanuts", "Warfarin", "Gout", "Pneumococcal", "C reactive protein", "Tomas"] {
            assert!(!page.contains(his), "Tomás's {his} on Lucía's summary");
        }
        // The print button has its script; the page tells how to print without it.
        assert!(page.contains("src=\"/static/print.js\"") && page.contains("id=\"print-summary\""));
        let script = lucia.get(app.url("/static/print.js")).send().await.unwrap();
        assert_eq!(script.status(), reqwest::StatusCode::OK);
        assert!(script.text().await.unwrap().contains("window.print()"));

        lucia.get(app.url("/language/es?back=/record/summary")).send().await.unwrap();
        let page = page_text(&lucia, &app, "/record/summary").await;
        assert!(page.contains("Resumen de salud") && page.contains("9 de abril de 1961"), "{page}");
        assert!(page.contains("Medicamentos que toma ahora") && page.contains("Alto"), "{page}");
        assert!(!page.contains("Warfarin"));
    }

    async fn an_empty_record_says_so_in_plain_words(app) {
        let org = practice_with_two_patients(&app).await;
        import_resources(&app, &org, &two_records().into_iter()
            .filter(|r| r.contains(TOMAS)).collect::<Vec<_>>()).await;
        let lucia = enrolled_patient(&app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;
        let page = page_text(&lucia, &app, "/record/summary").await;
        for (id, words) in [
            ("summary-no-allergies", "No known allergies on file."),
            ("summary-no-medicines", "Your record has no medicines that you take now."),
            ("summary-no-problems", "Your record has no health problems that you have now."),
            ("summary-no-vaccines", "There are no vaccines in your record."),
            ("summary-no-results", "There are no test results in your record."),
            ("summary-no-visits", "There are no visits in your record."),
        ] {
            assert!(page.contains(&format!("<p id=\"{id}\">{words}</p>")), "{id}: {page}");
        }
        assert!(!page.contains("<table"), "{page}");
        // The download holds her chart only.
        let (text, bundle) = download(&app, &lucia).await;
        let entries = bundle["entry"].as_array().unwrap();
        assert_eq!(entries.len(), 1, "{text}");
        assert_eq!(entries[0]["resource"]["resourceType"], "Patient");
        assert_eq!(entries[0]["resource"]["id"], LUCIA);
        assert_eq!(entries[0]["fullUrl"], format!("urn:uuid:{LUCIA}"));
        assert!(!text.contains(TOMAS));
    }

    async fn the_download_page_says_what_the_file_is_and_to_keep_it_safe(app) {
        let org = practice_with_two_patients(&app).await;
        let lucia = enrolled_patient(&app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;
        let head = app.db.audit_head().await.unwrap();
        let page = page_text(&lucia, &app, "/record/download").await;
        assert!(page.contains("Download your health record"), "{page}");
        assert!(page.contains("FHIR") && page.contains("private health information"), "{page}");
        assert!(page.contains("Do not send it by plain email"), "{page}");
        assert!(page.contains("href=\"/record/download/file\""), "{page}");
        assert!(page.contains("href=\"/record/summary\""), "{page}");
        assert_eq!(audited(&app, head, "patient.download").await, 0, "the page itself reads no record");
        lucia.get(app.url("/language/es?back=/record/download")).send().await.unwrap();
        let page = page_text(&lucia, &app, "/record/download").await;
        assert!(page.contains("Descargue su expediente de salud"), "{page}");
        assert!(page.contains("información de salud privada"), "{page}");
    }

    async fn a_stored_resource_that_is_not_json_is_left_out_of_the_file(app) {
        let org = practice_with_two_patients(&app).await;
        import_resources(&app, &org, &two_records()).await;
        app.db
            .execute_admin("UPDATE conditions SET resource = '{\"resourceType\": \"Cond' WHERE source_id = 'c2'")
            .await
            .unwrap();
        let lucia = enrolled_patient(&app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;
        let head = app.db.audit_head().await.unwrap();
        let (_, bundle) = download(&app, &lucia).await;
        assert_eq!(audited(&app, head, "patient.download").await, 1);
        let ids = downloaded_ids(&bundle);
        assert_eq!(ids["Condition"], BTreeSet::from(["c1".to_owned()]));
        assert_eq!(ids["Observation"].len(), 4);
        assert_eq!(ids["AllergyIntolerance"].len(), 2);
        assert_eq!(ids["MedicationRequest"].len(), 2);
        assert_eq!(ids["Immunization"].len(), 2);
        assert_eq!(ids["Encounter"].len(), 1);
        for his in ["a3", "m3", "c3", "i3", "o5", "e2"] {
            assert!(!ids.values().any(|set| set.contains(his)), "Tomás's {his} in Lucía's file");
        }
    }
}

/// Every `reference` string in `value`.
fn references_in(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(members) => {
            for (key, member) in members {
                match (key.as_str(), member) {
                    ("reference", Value::String(reference)) => found.push(reference.clone()),
                    _ => references_in(member, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| references_in(item, found)),
        _ => {}
    }
}

mod synthea {
    use super::*;

    each_backend! {
        needs synthea;

        async fn the_file_holds_every_resource_of_the_patient_and_none_of_another(app) {
            let org = front_desk(&app).await;
            let antonio_file = synthea_dir().join("patient-02.json");
            let denny_file = synthea_dir().join("patient-03.json");
            let report = fhir::Importer::new(&app.db, org.id, &app.settings.secret_key)
                .import_paths(&[antonio_file.clone(), denny_file.clone()])
                .await;
            assert!(report.errors.is_empty(), "{:?}", report.errors);
            let antonio = enrolled_synthea_patient(
                &app, &org, ("Antonio", "Castellanos"), ("6", "8", "1991"), "antonio.c",
            ).await;

            let head = app.db.audit_head().await.unwrap();
            let (text, bundle) = download(&app, &antonio).await;
            assert_eq!(audited(&app, head, "patient.download").await, 1);
            // Exactly his resources, of each type, as imported.
            assert_eq!(downloaded_ids(&bundle), ids_by_type(&antonio_file));
            // None of Denny Bins's, not even as a reference.
            for ids in ids_by_type(&denny_file).values() {
                for id in ids {
                    assert!(!text.contains(id.as_str()), "Denny's {id} in Antonio's file");
                }
            }
            // Each resource is the one imported, and its references to his other resources
            // point at entries of the bundle.
            let urls: BTreeSet<&str> = bundle["entry"].as_array().unwrap().iter()
                .map(|e| e["fullUrl"].as_str().unwrap()).collect();
            for entry in bundle["entry"].as_array().unwrap() {
                let encounter = &entry["resource"]["encounter"]["reference"];
                if let Some(reference) = encounter.as_str() {
                    assert!(urls.contains(reference), "{reference} is not in the bundle");
                }
            }

            // Round trip: the file imports into a fresh portal with the same counts.
            let backend = match app.db.backend() {
                storage::Backend::Sqlite => Backend::Sqlite,
                storage::Backend::Postgres => Backend::Postgres,
            };
            let fresh = TestApp::spawn(backend).await;
            let fresh_org = front_desk(&fresh).await;
            // The portal keeps no practitioners or organizations: the visits' references to
            // them get stand-ins, as the file's reader would find them elsewhere.
            let mut entries = bundle["entry"].as_array().unwrap().clone();
            let mut references = Vec::new();
            references_in(&bundle, &mut references);
            let missing: BTreeSet<String> = references.into_iter()
                .filter(|r| r.starts_with("urn:uuid:") && !urls.contains(r.as_str()))
                .collect();
            for url in &missing {
                let id = url.strip_prefix("urn:uuid:").unwrap();
                entries.push(serde_json::json!({"fullUrl": url, "resource": {"resourceType": "Practitioner", "id": id}}));
            }
            let again_text = serde_json::json!({"resourceType": "Bundle", "type": "transaction", "entry": entries}).to_string();
            let mut again = fhir::ImportReport::default();
            fhir::Importer::new(&fresh.db, fresh_org.id, &fresh.settings.secret_key)
                .import_bundle_text(Path::new("health-record.json"), &again_text, &mut again)
                .await;
            assert!(again.errors.is_empty(), "{:?}", again.errors);
            for (kind, ids) in ids_by_type(&antonio_file) {
                assert_eq!(again.count(&kind).imported, ids.len() as u64, "{kind}");
            }
        }
    }
}

/// Real Chromium: the download page and the summary in English and Spanish, at a phone's
/// width and a desktop's, axe-clean, nothing scrolling sideways, photographed
/// (target/screenshots/), and the summary as it prints.
mod in_the_browser {
    use super::*;
    use crate::{
        browser::{
            Driver, assert_nothing_scrolls_sideways, check_page, photograph, submit, type_into,
            wait_for_heading,
        },
        fixtures::PATIENT_PASSWORD,
    };

    /// The pages, and the names of their screenshots.
    const PAGES: [(&str, &str); 2] = [
        ("/record/download", "record-download"),
        ("/record/summary", "record-summary"),
    ];

    /// Applies the stylesheet's print rules to the screen, as printing would.
    async fn as_printed(client: &fantoccini::Client) {
        client
            .execute(
                "for (const sheet of document.styleSheets) {
                   for (const rule of sheet.cssRules) {
                     if (rule.media && rule.media.mediaText === 'print') { rule.media.mediaText = 'all'; }
                   }
                 }",
                vec![],
            )
            .await
            .unwrap();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[cfg_attr(
        not(porchlight_browser),
        ignore = "browser tests skipped: chromedriver is not installed"
    )]
    async fn the_download_page_and_summary_read_well_and_print_in_one_column() {
        let app = TestApp::spawn(Backend::Sqlite).await;
        let org = practice_with_two_patients(&app).await;
        import_resources(&app, &org, &two_records()).await;
        let _computer = enrolled_patient(&app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;

        let driver = Driver::start().await;
        let profile = tempfile::tempdir().unwrap();
        let client = driver.browser(profile.path()).await;
        client.goto(&app.url("/sign-in")).await.unwrap();
        type_into(&client, "username", "lucia.r").await;
        type_into(&client, "password", PATIENT_PASSWORD).await;
        submit(&client).await;
        wait_for_heading(&client, "Hello, Lucia").await;

        for (prefix, back) in [("", "/home"), ("es-", "/home")] {
            if prefix == "es-" {
                client
                    .goto(&app.url(&format!("/language/es?back={back}")))
                    .await
                    .unwrap();
            }
            for (page, name) in PAGES {
                check_page(&client, &app.url(page), &format!("{prefix}{name}")).await;
                assert_nothing_scrolls_sideways(&client, name).await;
            }
            // The print button shows (its script ran), and the page as printed: no
            // navigation, header links or footer, one column, nothing sideways.
            let shown = client
                .execute(
                    "return !document.getElementById('print-summary').hidden;",
                    vec![],
                )
                .await
                .unwrap();
            assert_eq!(
                shown,
                serde_json::json!(true),
                "the print button's script ran"
            );
            for (width, label) in [(320u32, "phone"), (1280, "desktop")] {
                client.set_window_size(width, 900).await.unwrap();
                client.goto(&app.url("/record/summary")).await.unwrap();
                as_printed(&client).await;
                let hidden = client
                    .execute(
                        "return ['.site-header nav', '.site-footer', '#print-summary']
                           .map(s => document.querySelector(s))
                           .every(e => !e || getComputedStyle(e).display === 'none');",
                        vec![],
                    )
                    .await
                    .unwrap();
                assert_eq!(hidden, serde_json::json!(true), "navigation shows in print");
                let wide = client
                    .execute(
                        "return document.documentElement.scrollWidth > window.innerWidth;",
                        vec![],
                    )
                    .await
                    .unwrap();
                assert_eq!(
                    wide,
                    serde_json::json!(false),
                    "the printed summary is too wide"
                );
                photograph(&client, &format!("{prefix}record-summary-print-{label}")).await;
            }
        }
    }
}

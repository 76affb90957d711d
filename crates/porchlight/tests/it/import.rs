//! FHIR R4 import: the shared Synthea bundles (when they are beside the project), generated
//! bundles, repeat imports, NDJSON and every kind of bad input.

use std::path::{Path, PathBuf};

use fhir::{ImportReport, Importer};
use storage::Organization;

use crate::harness::{TestApp, each_backend, generated_bundles, synthea_dir};

async fn organization(app: &TestApp) -> Organization {
    app.db
        .create_organization("clinic", "Clinic", None)
        .await
        .unwrap()
}

async fn import(app: &TestApp, org: &Organization, paths: &[PathBuf]) -> ImportReport {
    Importer::new(&app.db, org.id, &app.settings.secret_key)
        .import_paths(paths)
        .await
}

/// Counts from the shared data's README.
const SYNTHEA_COUNTS: [(&str, u64); 14] = [
    ("Patient", 57),
    ("Observation", 7464),
    ("Encounter", 1459),
    ("Claim", 1815),
    ("ExplanationOfBenefit", 1459),
    ("Procedure", 1087),
    ("Immunization", 705),
    ("DiagnosticReport", 513),
    ("Condition", 388),
    ("MedicationRequest", 356),
    ("CarePlan", 154),
    ("Goal", 110),
    ("AllergyIntolerance", 39),
    ("Appointment", 0),
];

fn write(dir: &Path, name: &str, contents: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

fn patient_json(id: &str, extra: &str) -> String {
    format!(
        r#"{{"resourceType":"Patient","id":"{id}","name":[{{"family":"Rivera","given":["Lucia"]}}],"birthDate":"1961-04-09"{extra}}}"#
    )
}

fn bundle(entries: &[(&str, String)]) -> String {
    let entries: Vec<String> = entries
        .iter()
        .map(|(url, resource)| format!(r#"{{"fullUrl":"{url}","resource":{resource}}}"#))
        .collect();
    format!(
        r#"{{"resourceType":"Bundle","type":"transaction","entry":[{}]}}"#,
        entries.join(",")
    )
}

fn observation_json(id: &str, subject: &str) -> String {
    format!(
        r#"{{"resourceType":"Observation","id":"{id}","status":"final","code":{{"coding":[{{"system":"http://loinc.org","code":"2345-7"}}]}},"subject":{{"reference":"{subject}"}},"valueQuantity":{{"value":99,"unit":"mg/dL"}}}}"#
    )
}

/// Compared with the counts the shared data's README publishes.
mod synthea {
    use super::*;

    each_backend! {
        needs synthea;

        async fn imports_every_synthea_bundle_and_a_second_run_changes_nothing(app) {
            let org = organization(&app).await;
            let first = import(&app, &org, &[synthea_dir()]).await;
            assert!(first.errors.is_empty(), "{:?}", first.errors);
            assert_eq!(first.files_imported, 58);
            for (rtype, expected) in SYNTHEA_COUNTS {
                assert_eq!(first.count(rtype).imported, expected, "{rtype} imported");
                assert_eq!(app.db.count_records(Some(org.id), rtype).await.unwrap(), expected as i64, "{rtype} stored");
            }
            // The directory: each practitioner and organization once (by name), however
            // many files name it. Types the portal does not use are counted, not refused.
            let directory = |rtype| { let c = first.count(rtype); (c.imported, c.unchanged, c.skipped) };
            assert_eq!(directory("Practitioner"), (102, 89, 0));
            assert_eq!(directory("Organization"), (57, 32, 0));
            assert_eq!(first.count("ImagingStudy").skipped, 36);

            let second = import(&app, &org, &[synthea_dir()]).await;
            assert!(second.errors.is_empty(), "{:?}", second.errors);
            let totals = second.totals();
            assert_eq!((totals.imported, totals.updated), (0, 0), "nothing new the second time");
            assert_eq!(second.count("Observation").unchanged, 7464);
            assert_eq!(app.db.count_records(Some(org.id), "Patient").await.unwrap(), 57);
        }
    }
}

each_backend! {
    async fn a_truncated_file_is_refused_by_name_and_the_others_import(app) {
        let org = organization(&app).await;
        let (dir, _) = generated_bundles(3);
        let truncated = dir.path().join("patient-000002.json");
        let whole = std::fs::read(&truncated).unwrap();
        std::fs::write(&truncated, &whole[..whole.len() / 2]).unwrap();

        let report = import(&app, &org, &[dir.path().to_owned()]).await;
        assert_eq!(report.files_imported, 2);
        assert_eq!(report.files_failed, 1);
        assert_eq!(report.errors.len(), 1);
        let message = report.errors[0].to_string();
        assert!(message.contains("patient-000002.json"), "{message}");
        assert!(message.contains("not valid JSON"), "{message}");
        assert_eq!(app.db.count_records(Some(org.id), "Patient").await.unwrap(), 2);
    }

    async fn a_bundle_is_all_or_nothing(app) {
        let org = organization(&app).await;
        let dir = tempfile::tempdir().unwrap();
        // A good patient and observation, then an observation of a Patient nobody knows.
        let path = write(dir.path(), "mixed.json", &bundle(&[
            ("urn:uuid:p1", patient_json("p1", "")),
            ("urn:uuid:o1", observation_json("o1", "urn:uuid:p1")),
            ("urn:uuid:o2", observation_json("o2", "Patient/nobody")),
        ]));
        let report = import(&app, &org, &[path]).await;
        assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
        let message = report.errors[0].to_string();
        assert!(message.contains("mixed.json: entry 2 (urn:uuid:o2)"), "{message}");
        assert!(message.contains("Patient/nobody"), "{message}");
        assert_eq!(app.db.count_records(Some(org.id), "Patient").await.unwrap(), 0, "rolled back");
        assert_eq!(app.db.count_records(Some(org.id), "Observation").await.unwrap(), 0);
    }

    async fn bad_input_gets_errors_naming_the_file_and_entry(app) {
        let org = organization(&app).await;
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let cases = [
            (write(d, "invalid.json", "{\"resourceType\": \"Bundle\", \"entry\": [,]}"), None, "not valid JSON"),
            (write(d, "dangling.json", &bundle(&[
                ("urn:uuid:p1", patient_json("p1", "")),
                ("urn:uuid:o1", observation_json("o1", "urn:uuid:missing")),
            ])), Some("entry 1 (urn:uuid:o1)"), "dangling reference urn:uuid:missing"),
            (write(d, "no-name.json", &bundle(&[
                ("urn:uuid:p1", r#"{"resourceType":"Patient","id":"p1","birthDate":"1961-04-09"}"#.to_owned()),
            ])), Some("entry 0 (urn:uuid:p1)"), "Patient has no name"),
            (write(d, "no-birth-date.json", &bundle(&[
                ("urn:uuid:p1", r#"{"resourceType":"Patient","id":"p1","name":[{"family":"Rivera","given":["Lucia"]}]}"#.to_owned()),
            ])), Some("entry 0 (urn:uuid:p1)"), "Patient has no birthDate"),
            (write(d, "not-a-bundle.json", &patient_json("p1", "")), None, "is a Patient, not a Bundle"),
            (write(d, "wrong-target.json", &bundle(&[
                ("urn:uuid:p1", patient_json("p1", "")),
                ("urn:uuid:dr", r#"{"resourceType":"Practitioner","id":"dr"}"#.to_owned()),
                ("urn:uuid:o1", observation_json("o1", "urn:uuid:dr")),
            ])), Some("entry 2 (urn:uuid:o1)"), "which is a Practitioner; expected a Patient"),
            (write(d, "bad-type.json", &bundle(&[
                ("urn:uuid:x", r#"{"resourceType":"Pa tient!","id":"x"}"#.to_owned()),
            ])), Some("entry 0 (urn:uuid:x)"), "invalid resourceType"),
            (write(d, "bad-date.json", &bundle(&[
                ("urn:uuid:p1", patient_json("p1", "").replace("1961-04-09", "09/04/1961")),
            ])), Some("entry 0 (urn:uuid:p1)"), "Patient.birthDate"),
            (write(d, "document.json", r#"{"resourceType":"Bundle","type":"document","entry":[]}"#), None, "type 'document'"),
        ];
        let paths: Vec<PathBuf> = cases.iter().map(|(p, _, _)| p.clone()).collect();
        let report = import(&app, &org, &paths).await;
        assert_eq!(report.files_failed, cases.len() as u64);
        for (path, entry, expected) in &cases {
            let name = path.file_name().unwrap().to_string_lossy();
            let error = report
                .errors
                .iter()
                .find(|e| e.file == *path)
                .unwrap_or_else(|| panic!("no error for {name}: {:?}", report.errors));
            assert_eq!(error.entry.as_deref(), *entry, "{name}: {error}");
            assert!(error.message.contains(expected), "{name}: {error}");
        }
        assert_eq!(app.db.count_records(Some(org.id), "Patient").await.unwrap(), 0);
    }

    async fn ndjson_files_import_with_relative_references(app) {
        let org = organization(&app).await;
        let dir = tempfile::tempdir().unwrap();
        // Named so that sorting alone would put observations first: the importer orders them.
        let observations = write(dir.path(), "Observation.ndjson", &format!(
            "{}\n\n{}\n",
            observation_json("o1", "Patient/p1"),
            observation_json("o2", "Patient/p2"),
        ));
        let patients = write(dir.path(), "Patient.ndjson", &format!(
            "{}\n{}\n",
            patient_json("p1", ""),
            patient_json("p2", r#","identifier":[{"type":{"coding":[{"code":"MR"}]},"value":"MRN-2"}]"#),
        ));
        let report = import(&app, &org, &[dir.path().to_owned()]).await;
        assert!(report.errors.is_empty(), "{:?}", report.errors);
        assert_eq!(report.count("Patient").imported, 2);
        assert_eq!(report.count("Observation").imported, 2);

        // A bad line refuses its file, naming the line; the other file is unaffected.
        std::fs::write(&observations, format!("{}\nnot json\n", observation_json("o3", "Patient/p1"))).unwrap();
        let report = import(&app, &org, &[patients, observations.clone()]).await;
        assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
        assert_eq!(report.errors[0].file, observations);
        assert_eq!(report.errors[0].entry.as_deref(), Some("line 2"));
        assert_eq!(report.count("Patient").unchanged, 2);
        assert_eq!(app.db.count_records(Some(org.id), "Observation").await.unwrap(), 2, "o3 rolled back");
    }

    async fn a_changed_resource_is_updated_in_place(app) {
        let org = organization(&app).await;
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "p.json", &bundle(&[("urn:uuid:p1", patient_json("p1", ""))]));
        assert_eq!(import(&app, &org, std::slice::from_ref(&path)).await.count("Patient").imported, 1);
        std::fs::write(&path, bundle(&[("urn:uuid:p1", patient_json("p1", r#","gender":"female""#))])).unwrap();
        let report = import(&app, &org, &[path]).await;
        assert_eq!(report.count("Patient").updated, 1);
        assert_eq!(app.db.count_records(Some(org.id), "Patient").await.unwrap(), 1);
    }
}

/// The SSN is kept only as a keyed hash of its last four digits: the whole number appears
/// nowhere in the database file, not even inside the stored FHIR resource.
#[tokio::test]
async fn no_ssn_reaches_the_database_file() {
    let app = TestApp::spawn(crate::harness::Backend::Sqlite).await;
    let org = organization(&app).await;
    let (dir, patients) = generated_bundles(1);
    let source = dir.path().join("patient-000001.json");
    let ssn = patients[0].ssn.clone();
    assert!(
        std::fs::read_to_string(&source).unwrap().contains(&ssn),
        "the generated bundle carries the SSN {ssn}"
    );
    let report = import(&app, &org, &[source]).await;
    assert_eq!(report.count("Patient").imported, 1);
    app.db.close().await;
    let url = app
        .database_url()
        .trim_start_matches("sqlite://")
        .to_owned();
    let mut bytes = Vec::new();
    for suffix in ["", "-wal"] {
        if let Ok(file) = std::fs::read(format!("{url}{suffix}")) {
            bytes.extend(file);
        }
    }
    assert!(bytes.len() > 100_000, "the database holds the import");
    let contains = |needle: &str| bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
    assert!(!contains(&ssn), "the SSN {ssn} is stored");
    assert!(
        !contains(&ssn.replace('-', "")),
        "the SSN's digits are stored"
    );
    let last4_hash = domain::ssn_last4_hash(&app.settings.secret_key, &ssn[ssn.len() - 4..]);
    assert!(
        contains(&last4_hash),
        "the keyed hash of the last four digits is kept"
    );
}

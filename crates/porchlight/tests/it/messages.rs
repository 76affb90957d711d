//! Secure messages (issue 16, point 1): a patient writes to a pool with a file, gets the
//! practice's automatic answer, staff find it in the inbox, read it (the patient sees it
//! read), keep a note the patient never sees, answer (the patient is emailed without a word
//! of it), and close it; another patient never reaches the conversation or its file. Files
//! of a wrong type or size, a pool that does not exist or is closed, and a practice that
//! turned messaging off are refused with nothing kept. Staff hear of a new message over
//! server-sent events within a second, until their session ends. On both databases.

use std::time::Duration;

use domain::{
    PatientId, PatientScope, Role, StaffScope,
    messaging::{MessagingSettings, Pool},
};
use reqwest::{StatusCode, multipart};
use serde_json::json;
use storage::{Organization, RequestOrigin};
use uuid::Uuid;

use crate::{
    fixtures::{add_staff, enrolled_patient, front_desk, page_text, patient_page},
    harness::{TestApp, each_backend},
    maildev::maildev,
};

/// The first bytes of a PNG picture, and some more: what a phone's photo starts with.
fn png(len: usize) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.resize(len, 7);
    bytes
}

/// A unique address for this test and backend (the mail sink is shared by every test).
fn address(test: &str) -> String {
    format!("{test}-{}@example.org", Uuid::now_v7().simple())
}

/// Lucia Rivera (with `email`) and Rosa Rivera, both enrolled; answers their browsers.
async fn two_patients(
    app: &TestApp,
    org: &Organization,
    email: &str,
) -> (reqwest::Client, reqwest::Client) {
    let bundle = json!({"resourceType": "Bundle", "type": "collection", "entry": [
        {"fullUrl": "urn:uuid:pa", "resource": {
            "resourceType": "Patient", "id": "pa",
            "identifier": [{"type": {"coding": [{"code": "MR"}]}, "value": "MRN-L-1001"}],
            "name": [{"family": "Rivera", "given": ["Lucia"]}], "birthDate": "1961-04-09",
            "telecom": [{"system": "email", "value": email}]}},
        {"fullUrl": "urn:uuid:pr", "resource": {
            "resourceType": "Patient", "id": "pr",
            "name": [{"family": "Rivera", "given": ["Rosa"]}], "birthDate": "1970-02-03"}}
    ]});
    let mut report = fhir::ImportReport::default();
    fhir::Importer::new(&app.db, org.id, &app.settings.secret_key)
        .import_bundle_text(
            std::path::Path::new("charts.json"),
            &bundle.to_string(),
            &mut report,
        )
        .await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let lucia = enrolled_patient(app, org, "Lucia", ("4", "9", "1961"), "lucia.r").await;
    let rosa = enrolled_patient(app, org, "Rosa", ("2", "3", "1970"), "rosa.r").await;
    (lucia, rosa)
}

async fn patient_id(app: &TestApp, org: &Organization, given: &str) -> PatientId {
    let page = patient_page(app, org, "Rivera", given).await;
    PatientId::from_uuid(page.rsplit('/').next().unwrap().parse().unwrap())
}

/// A message form with text fields and files (name, bytes).
fn form(fields: &[(&str, &str)], files: &[(&str, Vec<u8>)]) -> multipart::Form {
    let mut form = multipart::Form::new();
    for (name, value) in fields {
        form = form.text((*name).to_owned(), (*value).to_owned());
    }
    for (name, bytes) in files {
        form = form.part(
            "files",
            multipart::Part::bytes(bytes.clone()).file_name((*name).to_owned()),
        );
    }
    form
}

async fn post(
    app: &TestApp,
    browser: &reqwest::Client,
    path: &str,
    form: multipart::Form,
) -> (StatusCode, String, Option<String>) {
    let response = browser
        .post(app.url(path))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned());
    (status, response.text().await.unwrap(), location)
}

const QUESTION: [(&str, &str); 3] = [
    ("pool", "care-team"),
    ("subject", "Question about my pills"),
    (
        "body",
        "Can I take the new pills with food?\nThey upset my stomach.",
    ),
];

/// The link of the first file in a page.
fn first_file(page: &str, prefix: &str) -> String {
    let start = page
        .find(prefix)
        .unwrap_or_else(|| panic!("no {prefix} in {page}"));
    let end = page[start..].find('"').unwrap() + start;
    page[start..end].to_owned()
}

/// The next `messages` event of a stream within a second: `None` when the stream ended.
async fn next_event(stream: &mut reqwest::Response) -> Result<Option<String>, &'static str> {
    loop {
        match tokio::time::timeout(Duration::from_secs(1), stream.chunk()).await {
            Err(_) => return Err("nothing within a second"),
            Ok(Ok(Some(bytes))) => {
                let text = String::from_utf8_lossy(&bytes).into_owned();
                if text.contains("event: messages") {
                    return Ok(Some(text));
                }
            }
            Ok(_) => return Ok(None),
        }
    }
}

each_backend! {
    async fn a_patient_writes_staff_answer_and_the_patient_reads_the_answer(app) {
        let org = front_desk(&app).await;
        let email = address("messages");
        let (lucia, rosa) = two_patients(&app, &org, &email).await;
        let lucia_id = patient_id(&app, &org, "Lucia").await;

        let list = page_text(&lucia, &app, "/messages").await;
        assert!(list.contains("You have no messages yet."), "{list}");
        assert!(list.contains("call 911"), "{list}");
        let home = page_text(&lucia, &app, "/home").await;
        assert!(home.contains("href=\"/messages\""), "in the menu: {home}");
        let new = page_text(&lucia, &app, "/messages/new").await;
        for pool in ["My care team", "Prescription refill", "Front desk and appointments", "Billing"] {
            assert!(new.contains(pool), "{pool}: {new}");
        }
        assert!(new.contains("We answer within 2 business days."), "{new}");

        let before = app.db.audit_head().await.unwrap();
        let (status, _, location) = post(&app, &lucia, "/messages/new",
            form(&QUESTION, &[("stomach photo.png", png(2048))])).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let location = location.unwrap();
        assert!(location.ends_with("?done=sent"), "{location}");
        let thread_path = location.trim_end_matches("?done=sent").to_owned();
        let thread: Uuid = thread_path.rsplit('/').next().unwrap().parse().unwrap();
        let rows = app.db.audit_since(before).await.unwrap();
        assert!(rows.iter().any(|r| r.action == "patient.message-send" && r.patient == Some(lucia_id)), "{rows:?}");

        // The patient's page: the message, the file, the automatic answer, not read yet.
        let page = page_text(&lucia, &app, &location).await;
        assert!(page.contains("Your message was sent."), "{page}");
        assert!(page.contains("Can I take the new pills with food?"), "{page}");
        assert!(page.contains("stomach_photo.png"), "the file, by a safe name: {page}");
        assert!(page.contains("Maple Street Clinic (automatic reply)"), "{page}");
        assert!(page.contains("We got your message. We answer within 2 business days, by "), "{page}");
        assert!(page.contains("Not read yet"), "{page}");
        assert!(page.contains("Waiting for an answer"), "{page}");
        let file = first_file(&page, "/messages/files/");
        let download = lucia.get(app.url(&file)).send().await.unwrap();
        assert_eq!(download.status(), StatusCode::OK);
        assert_eq!(download.headers()["content-type"], "image/png");
        assert_eq!(download.headers()["content-disposition"], "attachment; filename=\"stomach_photo.png\"");
        assert_eq!(download.headers()["x-content-type-options"], "nosniff");
        assert!(download.headers()["content-security-policy"].to_str().unwrap().contains("sandbox"));
        assert_eq!(download.bytes().await.unwrap().to_vec(), png(2048));

        // Another patient reaches neither the conversation, nor its file, nor writes in it.
        assert_eq!(rosa.get(app.url(&thread_path)).send().await.unwrap().status(), StatusCode::NOT_FOUND);
        assert_eq!(rosa.get(app.url(&file)).send().await.unwrap().status(), StatusCode::NOT_FOUND);
        let counts = app.db.thread_counts(org.id, thread).await.unwrap();
        let (status, _, _) = post(&app, &rosa, &format!("{thread_path}/reply"), form(&[("body", "Hi")], &[])).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(app.db.thread_counts(org.id, thread).await.unwrap(), counts, "nothing written");
        assert!(page_text(&rosa, &app, "/messages").await.contains("You have no messages yet."));

        // Staff: the inbox lists it unassigned, with its due time.
        let inbox = page_text(&app.client, &app, "/staff/messages").await;
        assert!(inbox.contains("Question about my pills") && inbox.contains("Lucia Rivera"), "{inbox}");
        assert!(inbox.contains("Unassigned") && inbox.contains("1 new"), "{inbox}");
        assert!(inbox.contains("href=\"/staff/messages\""), "in the staff menu: {inbox}");
        // The work overview counts it; past its due time it is overdue everywhere.
        let home = page_text(&app.client, &app, "/staff").await;
        assert!(home.contains("1 conversation nobody has taken") && home.contains("0 conversations past the answer time"), "{home}");
        app.db.execute_admin("UPDATE message_threads SET due_at = '2020-01-06T00:00:00Z'").await.unwrap();
        let home = page_text(&app.client, &app, "/staff").await;
        assert!(home.contains("1 conversation past the answer time"), "{home}");
        let inbox = page_text(&app.client, &app, "/staff/messages").await;
        assert!(inbox.contains("Overdue") && inbox.contains("1 overdue."), "{inbox}");
        let billing = page_text(&app.client, &app, "/staff/messages?pool=billing").await;
        assert!(!billing.contains("Question about my pills"), "filtered by pool: {billing}");
        let staff_page = page_text(&app.client, &app, &format!("/staff/{}", &thread_path[1..])).await;
        assert!(staff_page.contains("They upset my stomach."), "{staff_page}");
        assert!(staff_page.contains("MRN-L-1001"), "{staff_page}");
        let staff_file = first_file(&staff_page, "/staff/messages/files/");
        let download = app.client.get(app.url(&staff_file)).send().await.unwrap();
        assert_eq!(download.headers()["content-disposition"], "attachment; filename=\"stomach_photo.png\"");
        assert_eq!(download.bytes().await.unwrap().to_vec(), png(2048));
        // The patient sees it read.
        let page = page_text(&lucia, &app, &thread_path).await;
        assert!(page.contains("Read by your care team on "), "{page}");

        // A note for staff only.
        let noted = app.client.post(app.url(&format!("/staff{thread_path}/note")))
            .form(&[("note", "Called the pharmacy about the dose")]).send().await.unwrap();
        assert_eq!(noted.status(), StatusCode::SEE_OTHER);
        let staff_page = page_text(&app.client, &app, &format!("/staff{thread_path}")).await;
        assert!(staff_page.contains("Called the pharmacy about the dose"), "{staff_page}");
        for path in [thread_path.as_str(), "/messages"] {
            let page = page_text(&lucia, &app, path).await;
            assert!(!page.contains("Called the pharmacy"), "{path}: {page}");
        }

        // The answer: the thread is the writer's now, waiting for the patient, and she is
        // emailed without a word of it.
        let (status, _, _) = post(&app, &app.client, &format!("/staff{thread_path}/reply"),
            form(&[("body", "Yes, take them with food. Call us if it goes on.")], &[])).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let staff_page = page_text(&app.client, &app, &format!("/staff{thread_path}?done=replied")).await;
        assert!(staff_page.contains("Waiting for patient"), "{staff_page}");
        assert!(staff_page.contains("Not read by the patient yet"), "{staff_page}");
        let mail = maildev().await.wait_for(&email, "You have a new message").await;
        assert!(mail.subject.contains("Maple Street Clinic"), "{}", mail.subject);
        for words in ["pills", "food", "stomach", "Question about", "Dana"] {
            assert!(!mail.text.contains(words) && !mail.html.contains(words), "{words} in the email: {}", mail.text);
        }
        assert!(mail.text.contains("/sign-in"), "{}", mail.text);
        let list = page_text(&lucia, &app, "/messages").await;
        assert!(list.contains("Answered") && list.contains(">New<"), "{list}");
        let page = page_text(&lucia, &app, &thread_path).await;
        assert!(page.contains("Yes, take them with food."), "{page}");
        let staff_page = page_text(&app.client, &app, &format!("/staff{thread_path}")).await;
        assert!(staff_page.contains("Read by the patient "), "{staff_page}");

        // The patient writes again: back to the one who answered, due again.
        let (status, _, _) = post(&app, &lucia, &format!("{thread_path}/reply"),
            form(&[("body", "Thank you. It is better now.")], &[])).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (status, messages, notes) = app.db.thread_counts(org.id, thread).await.unwrap().unwrap();
        assert_eq!((status.as_str(), messages, notes), ("assigned", 4, 1));
        let mine = page_text(&app.client, &app, "/staff/messages?mine=1").await;
        assert!(mine.contains("Question about my pills"), "assigned to the one who answered: {mine}");

        // Closed: off the open inbox, and the patient sees it closed.
        let closed = app.client.post(app.url(&format!("/staff{thread_path}/close"))).send().await.unwrap();
        assert_eq!(closed.status(), StatusCode::SEE_OTHER);
        let inbox = page_text(&app.client, &app, "/staff/messages").await;
        assert!(!inbox.contains("Question about my pills"), "{inbox}");
        let inbox = page_text(&app.client, &app, "/staff/messages?status=closed").await;
        assert!(inbox.contains("Question about my pills"), "{inbox}");
        assert!(page_text(&lucia, &app, "/messages").await.contains("Closed"));
    }

    async fn a_message_about_a_result_links_to_it_and_home_counts_the_answers(app) {
        let org = front_desk(&app).await;
        let (lucia, rosa) = two_patients(&app, &org, &address("about")).await;
        let bundle = json!({"resourceType": "Bundle", "type": "collection", "entry": [
            {"fullUrl": "urn:uuid:glu", "resource": {
                "resourceType": "Observation", "id": "glu", "status": "final",
                "category": [{"coding": [{"code": "laboratory"}]}],
                "code": {"coding": [{"system": "http://loinc.org", "code": "2345-7", "display": "Glucose"}]},
                "subject": {"reference": "Patient/pa"},
                "effectiveDateTime": "2025-01-10T09:00:00Z",
                "valueQuantity": {"value": 92, "unit": "mg/dL"}}}]});
        let mut report = fhir::ImportReport::default();
        fhir::Importer::new(&app.db, org.id, &app.settings.secret_key)
            .import_bundle_text(std::path::Path::new("glu.json"), &bundle.to_string(), &mut report)
            .await;
        assert!(report.errors.is_empty(), "{:?}", report.errors);
        let results = page_text(&lucia, &app, "/results").await;
        let result = first_file(&results, "/results/0");
        let id = result.trim_start_matches("/results/").to_owned();
        let page = page_text(&lucia, &app, &result).await;
        let ask = format!("/messages/new?result={id}");
        assert!(page.contains(&format!("href=\"{ask}\"")), "{page}");
        let new = page_text(&lucia, &app, &ask).await;
        assert!(new.contains("This message is about:") && new.contains("Glucose, January 10, 2025"), "{new}");
        assert!(new.contains("value=\"care-team\" checked"), "to the care team: {new}");

        let (status, _, location) = post(&app, &lucia, "/messages/new", form(&[
            ("pool", "care-team"), ("subject", "My glucose"), ("body", "Is 92 good?"), ("about_result", &id),
        ], &[])).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let thread_path = location.unwrap().replace("?done=sent", "");
        let thread = page_text(&lucia, &app, &thread_path).await;
        assert!(thread.contains(&format!("href=\"{result}\"")) && thread.contains("Glucose, January 10, 2025"), "{thread}");
        let staff = page_text(&app.client, &app, &format!("/staff{thread_path}")).await;
        assert!(staff.contains("Test result: Glucose, January 10, 2025"), "{staff}");

        // Another patient cannot name Lucia's result: her message is about nothing.
        let (status, _, location) = post(&app, &rosa, "/messages/new", form(&[
            ("pool", "care-team"), ("subject", "Hello"), ("body", "A question"), ("about_result", &id),
        ], &[])).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let rosa_thread = page_text(&rosa, &app, &location.unwrap()).await;
        assert!(!rosa_thread.contains("Glucose"), "{rosa_thread}");

        // Home counts the practice's answers not yet opened.
        let home = page_text(&lucia, &app, "/home").await;
        assert!(home.contains("No new messages."), "{home}");
        for answer in ["Yes, 92 is in range.", "Keep it up."] {
            let (status, _, _) = post(&app, &app.client, &format!("/staff{thread_path}/reply"),
                form(&[("body", answer)], &[])).await;
            assert_eq!(status, StatusCode::SEE_OTHER);
        }
        let home = page_text(&lucia, &app, "/home").await;
        assert!(home.contains("You have 2 new messages."), "{home}");
        page_text(&lucia, &app, &thread_path).await;
        let home = page_text(&lucia, &app, "/home").await;
        assert!(home.contains("No new messages."), "read now: {home}");
    }

    async fn an_administrator_sets_the_answer_time_pools_and_staff_keep_templates(app) {
        let org = front_desk(&app).await;
        let (lucia, _) = two_patients(&app, &org, &address("settings")).await;
        add_staff(&app, org.id, "ada", Role::Administrator).await;
        let ada = crate::fixtures::patient_browser();
        let signed_in = ada.post(app.url("/staff/sign-in"))
            .form(&[("organization", "maple"), ("username", "ada"), ("password", crate::fixtures::STAFF_PASSWORD)])
            .send().await.unwrap();
        assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);

        // The front desk reads the page and keeps templates, but changes no setting.
        let page = page_text(&app.client, &app, "/staff/messages/settings").await;
        assert!(page.contains("Only administrators change these settings."), "{page}");
        let refused = app.client.post(app.url("/staff/messages/settings"))
            .form(&[("days", "3"), ("kib", "1000")]).send().await.unwrap();
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);

        let mut settings: Vec<(String, String)> = vec![
            ("enabled".into(), "on".into()), ("days".into(), "3".into()), ("kib".into(), "1000".into()),
            ("new-key".into(), "nurse-line".into()), ("new-en".into(), "Nurse line".into()),
            ("new-es".into(), "Línea de enfermería".into()),
        ];
        for pool in Pool::defaults() {
            let key = pool.key.as_str();
            settings.push((format!("en-{key}"), pool.name_en.clone()));
            settings.push((format!("es-{key}"), pool.name_es.clone()));
            if key != "billing" {
                settings.push((format!("open-{key}"), "on".into()));
            }
        }
        let saved = ada.post(app.url("/staff/messages/settings")).form(&settings).send().await.unwrap();
        assert_eq!(saved.status(), StatusCode::SEE_OTHER);
        let new = page_text(&lucia, &app, "/messages/new").await;
        assert!(new.contains("Nurse line") && !new.contains("Billing"), "{new}");
        assert!(new.contains("We answer within 3 business days."), "{new}");
        assert!(new.contains("Each can be up to 1000 KB."), "{new}");
        lucia.get(app.url("/language/es?back=/messages/new")).send().await.unwrap();
        let nueva = page_text(&lucia, &app, "/messages/new").await;
        assert!(nueva.contains("Línea de enfermería") && nueva.contains("Respondemos en 3 días hábiles."), "{nueva}");
        lucia.get(app.url("/language/en?back=/messages/new")).send().await.unwrap();

        // A wrong value: named, and nothing saved.
        let wrong: Vec<(String, String)> = settings.iter()
            .map(|(k, v)| (k.clone(), if k == "days" { "12".into() } else { v.clone() }))
            .filter(|(k, _)| !k.starts_with("new-"))
            .collect();
        let refused = ada.post(app.url("/staff/messages/settings")).form(&wrong).send().await.unwrap();
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.text().await.unwrap().contains("Type a number of business days from 1 to 10."));
        assert_eq!(app.db.messaging_settings(org.id).await.unwrap().answer_business_days, 3);

        // A template, started from in an answer, then removed.
        let refused = app.client.post(app.url("/staff/messages/templates"))
            .form(&[("title", " "), ("body", "Words")]).send().await.unwrap();
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let kept = app.client.post(app.url("/staff/messages/templates"))
            .form(&[("title", "Refill ready"), ("body", "Your refill is ready at your pharmacy.")])
            .send().await.unwrap();
        assert_eq!(kept.status(), StatusCode::SEE_OTHER);
        let (_, _, location) = post(&app, &lucia, "/messages/new", form(&QUESTION, &[])).await;
        let thread_path = location.unwrap().replace("?done=sent", "");
        let staff_page = page_text(&app.client, &app, &format!("/staff{thread_path}")).await;
        let start = first_file(&staff_page, &format!("/staff{thread_path}?template="));
        let started = page_text(&app.client, &app, &start.replace("&amp;", "&")).await;
        assert!(started.contains(">Your refill is ready at your pharmacy.</textarea>"), "{started}");
        let page = page_text(&app.client, &app, "/staff/messages/settings").await;
        let remove = first_file(&page, "/staff/messages/templates/");
        let removed = app.client.post(app.url(&remove)).send().await.unwrap();
        assert_eq!(removed.status(), StatusCode::SEE_OTHER);
        let page = page_text(&app.client, &app, "/staff/messages/settings").await;
        assert!(page.contains("No templates yet."), "{page}");
        let again = app.client.post(app.url(&remove)).send().await.unwrap();
        assert_eq!(again.status(), StatusCode::NOT_FOUND);
    }

    async fn a_refill_request_is_a_message_with_the_medicine_attached(app) {
        let org = front_desk(&app).await;
        let (lucia, rosa) = two_patients(&app, &org, &address("refill")).await;
        let bundle = json!({"resourceType": "Bundle", "type": "collection", "entry": [
            {"fullUrl": "urn:uuid:met", "resource": {
                "resourceType": "MedicationRequest", "id": "met", "status": "active", "intent": "order",
                "medicationCodeableConcept": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                    "code": "860975", "display": "Metformin 500 MG Oral Tablet"}], "text": "Metformin 500 MG Oral Tablet"},
                "subject": {"reference": "Patient/pa"}, "authoredOn": "2024-05-01T09:00:00Z"}}]});
        let mut report = fhir::ImportReport::default();
        fhir::Importer::new(&app.db, org.id, &app.settings.secret_key)
            .import_bundle_text(std::path::Path::new("met.json"), &bundle.to_string(), &mut report)
            .await;
        assert!(report.errors.is_empty(), "{:?}", report.errors);
        let medicines = page_text(&lucia, &app, "/medicines").await;
        assert!(medicines.contains("Ask for a refill of Metformin 500 MG Oral Tablet"), "{medicines}");
        let ask = first_file(&medicines, "/messages/new?medicine=");
        let id = ask.trim_start_matches("/messages/new?medicine=").to_owned();
        let new = page_text(&lucia, &app, &ask).await;
        assert!(new.contains("value=\"refill\" checked"), "to the refill pool: {new}");
        assert!(new.contains("value=\"Refill: Metformin 500 MG Oral Tablet\""), "{new}");
        assert!(new.contains("name=\"about_medicine\""), "{new}");

        let (status, _, location) = post(&app, &lucia, "/messages/new", form(&[
            ("pool", "refill"), ("subject", "Refill: Metformin 500 MG Oral Tablet"),
            ("body", "I have 5 pills left."), ("about_medicine", &id),
        ], &[])).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let thread_path = location.unwrap().replace("?done=sent", "");
        let thread = page_text(&lucia, &app, &thread_path).await;
        assert!(thread.contains("href=\"/medicines\"") && thread.contains("Prescription refill"), "{thread}");
        let staff = page_text(&app.client, &app, &format!("/staff{thread_path}")).await;
        assert!(staff.contains("Refill of Metformin 500 MG Oral Tablet"), "{staff}");
        let refills = page_text(&app.client, &app, "/staff/messages?pool=refill").await;
        assert!(refills.contains("Refill: Metformin"), "{refills}");

        // Rosa cannot name Lucia's medicine.
        let (status, _, location) = post(&app, &rosa, "/messages/new", form(&[
            ("pool", "refill"), ("subject", "Refill"), ("body", "Please"), ("about_medicine", &id),
        ], &[])).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let rosa_thread = page_text(&rosa, &app, &location.unwrap()).await;
        assert!(!rosa_thread.contains("Metformin") && !rosa_thread.contains("href=\"/medicines\""), "{rosa_thread}");
    }

    async fn wrong_files_pools_and_words_are_refused_and_nothing_is_kept(app) {
        let org = front_desk(&app).await;
        let (lucia, _) = two_patients(&app, &org, &address("refused")).await;
        let lucia_id = patient_id(&app, &org, "Lucia").await;
        let scope = PatientScope::new(org.id, lucia_id);
        let ada = add_staff(&app, org.id, "ada", Role::Administrator).await;
        let admin = StaffScope::new(org.id, ada, Role::Administrator);
        let none_kept = || async {
            app.db.patient_threads(&scope, &RequestOrigin::default()).await.unwrap().is_empty()
        };

        // A program named like a picture.
        let (status, page, _) = post(&app, &lucia, "/messages/new",
            form(&QUESTION, &[("photo.png", b"MZ\x90\x00 this is a program".to_vec())])).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("photo.png cannot be sent. Send pictures (PNG, JPEG, GIF, WebP) or PDF files."), "{page}");
        assert!(page.contains("Can I take the new pills with food?"), "what was typed is kept: {page}");
        assert!(none_kept().await);

        // Too large for the practice's limit.
        app.db.save_messaging_settings(&admin, &MessagingSettings { attachment_max_kib: 100, ..MessagingSettings::default() },
            &Pool::defaults(), &RequestOrigin::default()).await.unwrap();
        let (status, page, _) = post(&app, &lucia, "/messages/new",
            form(&QUESTION, &[("scan.png", png(150 * 1024))])).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("scan.png is too big. Each file can be up to 100 KB."), "{page}");
        assert!(none_kept().await);

        // Four files.
        let four: Vec<(&str, Vec<u8>)> = (0..4).map(|_| ("a.png", png(100))).collect();
        let (status, page, _) = post(&app, &lucia, "/messages/new", form(&QUESTION, &four)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("You can send up to 3 files with one message."), "{page}");
        assert!(none_kept().await);

        // A pool that does not exist, one the practice closed, and nothing written.
        let mut pools = Pool::defaults();
        pools.iter_mut().find(|p| p.key.as_str() == "billing").unwrap().open = false;
        app.db.save_messaging_settings(&admin, &MessagingSettings { attachment_max_kib: 100, ..MessagingSettings::default() },
            &pools, &RequestOrigin::default()).await.unwrap();
        let new = page_text(&lucia, &app, "/messages/new").await;
        assert!(!new.contains("Billing") && new.contains("My care team"), "a closed pool is not offered: {new}");
        for pool in ["nope", "billing", ""] {
            let (status, page, _) = post(&app, &lucia, "/messages/new",
                form(&[("pool", pool), ("subject", "Bill"), ("body", "A question")], &[])).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{pool}");
            assert!(page.contains("Choose who to write to."), "{pool}: {page}");
        }
        let (status, page, _) = post(&app, &lucia, "/messages/new",
            form(&[("pool", "care-team"), ("subject", "  "), ("body", " \n ")], &[])).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("Please write a subject.") && page.contains("Please write your message."), "{page}");
        let long = "x".repeat(5001);
        let (status, page, _) = post(&app, &lucia, "/messages/new",
            form(&[("pool", "care-team"), ("subject", "Long"), ("body", &long)], &[])).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("Your message is too long."), "{page}");
        assert!(none_kept().await);

        // A PDF within the limit goes.
        let pdf = b"%PDF-1.4\n1 0 obj\n".to_vec();
        let (status, _, _) = post(&app, &lucia, "/messages/new", form(&QUESTION, &[("letter.pdf", pdf)])).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert!(!none_kept().await);

        // Messaging off: the patient is told to call, and nothing more is kept.
        app.db.save_messaging_settings(&admin, &MessagingSettings { enabled: false, ..MessagingSettings::default() },
            &pools, &RequestOrigin::default()).await.unwrap();
        let list = page_text(&lucia, &app, "/messages").await;
        assert!(list.contains("Your practice does not take messages in the portal right now."), "{list}");
        assert!(list.contains("Question about my pills"), "what was written stays readable: {list}");
        assert!(!list.contains("href=\"/messages/new\""), "{list}");
        let new = page_text(&lucia, &app, "/messages/new").await;
        assert!(new.contains("does not take messages") && !new.contains("<form method=\"post\" action=\"/messages/new\""), "{new}");
        let (status, _, location) = post(&app, &lucia, "/messages/new", form(&QUESTION, &[])).await;
        assert_eq!((status, location.as_deref()), (StatusCode::SEE_OTHER, Some("/messages")));
        let threads = app.db.patient_threads(&scope, &RequestOrigin::default()).await.unwrap();
        assert_eq!(threads.len(), 1, "nothing more kept");
        let (status, _, _) = post(&app, &lucia, &format!("/messages/{}/reply", threads[0].id),
            form(&[("body", "Hello?")], &[])).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (_, messages, _) = app.db.thread_counts(org.id, threads[0].id).await.unwrap().unwrap();
        assert_eq!(messages, 2, "the message and the automatic answer only");
    }

    async fn staff_hear_of_a_new_message_within_a_second_until_their_session_ends(app) {
        let org = front_desk(&app).await;
        let (lucia, _) = two_patients(&app, &org, &address("events")).await;
        let mut stream = app.client.get(app.url("/staff/messages/events")).send().await.unwrap();
        assert_eq!(stream.status(), StatusCode::OK);
        assert_eq!(stream.headers()["content-type"], "text/event-stream");
        let first = next_event(&mut stream).await.unwrap().unwrap();
        assert!(first.contains(r#""unassigned":0"#), "{first}");

        let (status, _, _) = post(&app, &lucia, "/messages/new", form(&QUESTION, &[])).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let news = next_event(&mut stream).await.expect("news within a second").unwrap();
        assert!(news.contains(r#""unassigned":1"#), "{news}");
        assert!(!news.contains("Lucia") && !news.contains("pills"), "counts only: {news}");

        // The staff member signs out: the stream ends.
        let out = app.client.post(app.url("/staff/sign-out")).send().await.unwrap();
        assert!(out.status().is_redirection());
        let mut ended = false;
        for _ in 0..5 {
            if let Ok(None) = next_event(&mut stream).await {
                ended = true;
                break;
            }
        }
        assert!(ended, "the stream ends with the session");
        // A client without a session gets no stream.
        let refused = crate::fixtures::patient_browser().get(app.url("/staff/messages/events")).send().await.unwrap();
        assert_eq!(refused.status(), StatusCode::SEE_OTHER);
    }
}

/// Real Chromium: a patient writes (first with mistakes) on a phone, staff see the header's
/// count rise without reloading and answer, the patient reads the answer; in English and
/// Spanish, at a phone's width and a desktop's, axe-clean, photographed
/// (target/screenshots/).
mod in_the_browser {
    use super::*;
    use crate::{
        browser::{
            Driver, check_here, check_page, click, photograph_at, staff_signs_in, submit, text,
            text_of, type_into, wait_for_heading,
        },
        fixtures::PATIENT_PASSWORD,
        harness::Backend,
    };
    use fantoccini::Locator;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[cfg_attr(
        not(porchlight_browser),
        ignore = "browser tests skipped: chromedriver is not installed"
    )]
    async fn a_patient_writes_staff_answer_and_she_reads_it_in_both_languages() {
        let app = TestApp::spawn(Backend::Sqlite).await;
        let org = front_desk(&app).await;
        let _ = two_patients(&app, &org, &address("browser")).await;

        let driver = Driver::start().await;
        let staff_profile = tempfile::tempdir().unwrap();
        let staff = driver.browser(staff_profile.path()).await;
        staff_signs_in(&staff, &app, "dana").await;
        check_page(&staff, &app.url("/staff/messages"), "staff-messages-empty").await;

        let profile = tempfile::tempdir().unwrap();
        let lucia = driver.browser(profile.path()).await;
        lucia.goto(&app.url("/sign-in")).await.unwrap();
        type_into(&lucia, "username", "lucia.r").await;
        type_into(&lucia, "password", PATIENT_PASSWORD).await;
        submit(&lucia).await;
        wait_for_heading(&lucia, "Hello, Lucia").await;
        check_page(&lucia, &app.url("/messages"), "messages-none").await;
        check_page(&lucia, &app.url("/messages/new"), "messages-new").await;

        // At a phone's width, sent with nothing chosen: what to fix, in one place.
        lucia.set_window_size(320, 720).await.unwrap();
        lucia.goto(&app.url("/messages/new")).await.unwrap();
        submit(&lucia).await;
        // The same heading comes back: wait for the new page's errors.
        text_of(&lucia, "message-errors", |_| true).await;
        check_here(&lucia, "messages-new-errors-phone").await;
        photograph_at(
            &lucia,
            "#message-errors",
            "messages-new-errors-summary-phone",
        )
        .await;
        click(&lucia, Locator::Id("pool-care-team")).await;
        type_into(&lucia, "subject", "Question about my pills").await;
        type_into(&lucia, "body", "Can I take the new pills with food?").await;
        submit(&lucia).await;
        wait_for_heading(&lucia, "Question about my pills").await;
        check_here(&lucia, "messages-thread-sent-phone").await;

        // Staff hear of it without reloading: the header's count.
        let started = std::time::Instant::now();
        loop {
            let count = text(&staff, Locator::Id("message-count")).await;
            if count == "(1 new)" {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "the count stayed '{count}'"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        photograph_at(&staff, ".staff-nav", "staff-messages-count").await;
        check_page(&staff, &app.url("/staff/messages"), "staff-messages-inbox").await;
        click(&staff, Locator::LinkText("Question about my pills")).await;
        wait_for_heading(&staff, "Question about my pills").await;
        check_here(&staff, "staff-message-thread").await;
        type_into(&staff, "reply-body", "Yes, take them with food.").await;
        click(&staff, Locator::Id("send-reply")).await;
        text_of(&staff, "thread-status", |status| {
            status.contains("Waiting for patient")
        })
        .await;
        check_here(&staff, "staff-message-thread-answered").await;

        let thread = lucia.current_url().await.unwrap().path().to_owned();
        check_page(&lucia, &app.url("/messages"), "messages-list-answered").await;
        check_page(&lucia, &app.url(&thread), "messages-thread-answered").await;
        assert!(
            text(&lucia, Locator::Id("messages"))
                .await
                .contains("Yes, take them with food.")
        );

        lucia
            .goto(&app.url("/language/es?back=/messages"))
            .await
            .unwrap();
        check_page(&lucia, &app.url("/messages"), "es-messages-list").await;
        check_page(&lucia, &app.url("/messages/new"), "es-messages-new").await;
        check_page(&lucia, &app.url(&thread), "es-messages-thread").await;
        assert!(
            text(&lucia, Locator::Id("thread-state"))
                .await
                .contains("Respondido")
        );
    }
}

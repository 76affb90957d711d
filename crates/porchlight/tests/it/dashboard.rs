//! The home dashboard and new results (issue 14): the tiles with values from imported
//! appointments, results, medicines and explanations of benefit, their empty states, the
//! "New" marks on the results list and their clearing, the "new test result" email an import
//! queues (once, without PHI, by the patient's choice) and the choice on the account page; on
//! both databases.

use reqwest::StatusCode;
use serde_json::{Value, json};
use storage::Organization;

use crate::{
    fixtures::{enrolled_patient, front_desk, import_patients, page_text},
    harness::{TestApp, each_backend},
    maildev::maildev,
};

async fn import(app: &TestApp, org: &Organization, label: &str, entries: Vec<Value>) {
    let bundle = json!({"resourceType": "Bundle", "type": "collection", "entry": entries});
    let mut report = fhir::ImportReport::default();
    fhir::Importer::new(&app.db, org.id, &app.settings.secret_key)
        .import_bundle_text(
            std::path::Path::new(label),
            &bundle.to_string(),
            &mut report,
        )
        .await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
}

fn entry(id: &str, resource: Value) -> Value {
    json!({"fullUrl": format!("urn:uuid:{id}"), "resource": resource})
}

fn lab(id: &str, patient: &str, name: &str, at: &str, value: f64, unit: &str) -> Value {
    entry(
        id,
        json!({
            "resourceType": "Observation", "id": id, "status": "final",
            "category": [{"coding": [{"code": "laboratory"}]}],
            "code": {"coding": [{"system": "http://loinc.org", "code": format!("x-{id}"), "display": name}], "text": name},
            "subject": {"reference": format!("Patient/{patient}")},
            "effectiveDateTime": at,
            "valueQuantity": {"value": value, "unit": unit},
        }),
    )
}

fn appointment(id: &str, patient: &str, status: &str, start: &str, what: &str) -> Value {
    entry(
        id,
        json!({
            "resourceType": "Appointment", "id": id, "status": status,
            "description": what, "start": start,
            "participant": [
                {"actor": {"reference": format!("Patient/{patient}")}},
                {"actor": {"display": "Dr. Ana Soto"}},
            ],
        }),
    )
}

fn medicine(id: &str, patient: &str, status: &str, name: &str, authored: &str) -> Value {
    entry(
        id,
        json!({
            "resourceType": "MedicationRequest", "id": id, "status": status, "intent": "order",
            "medicationCodeableConcept": {"coding": [{"display": name}], "text": name},
            "subject": {"reference": format!("Patient/{patient}")},
            "authoredOn": authored,
        }),
    )
}

fn benefit(id: &str, patient: &str, owes: f64) -> Value {
    entry(
        id,
        json!({
            "resourceType": "ExplanationOfBenefit", "id": id, "status": "active",
            "patient": {"reference": format!("Patient/{patient}")},
            "created": "2025-01-10T09:00:00Z",
            "total": [
                {"category": {"coding": [{"code": "submitted"}]}, "amount": {"value": 200.0, "currency": "USD"}},
                {"category": {"coding": [{"code": "patientpay"}]}, "amount": {"value": owes, "currency": "USD"}},
            ],
        }),
    )
}

/// Lucia Rivera (with `email`) and Marisol Otero (with an email too, but no account).
async fn two_patients(app: &TestApp, org: &Organization, email: &str) {
    let lucia = format!(r#","telecom":[{{"system":"email","value":"{email}"}}]"#);
    let marisol = format!(r#","telecom":[{{"system":"email","value":"other-{email}"}}]"#);
    import_patients(
        app,
        org,
        &[
            ("pa", "Lucia", "Rivera", "1961-04-09", &lucia),
            ("pb", "Marisol", "Otero", "1987-03-14", &marisol),
        ],
    )
    .await;
}

/// A unique address for this test and backend (the mail sink is shared by every test).
fn address(test: &str) -> String {
    format!("{test}-{}@example.org", uuid::Uuid::now_v7().simple())
}

/// The text of the tile `id` on the home page.
fn tile<'a>(home: &'a str, id: &str) -> &'a str {
    let start = home
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("{id} in {home}"));
    let end = home[start..].find("</section>").unwrap() + start;
    &home[start..end]
}

async fn new_result_jobs(app: &TestApp) -> usize {
    app.db.jobs_of_kind("email.new-result").await.unwrap().len()
}

each_backend! {
    async fn the_home_tiles_say_so_when_there_is_nothing(app) {
        let org = front_desk(&app).await;
        two_patients(&app, &org, &address("empty")).await;
        let lucia = enrolled_patient(&app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;
        let home = page_text(&lucia, &app, "/home").await;
        assert!(home.contains("Hello, Lucia"), "{home}");
        let visits = tile(&home, "tile-visits");
        assert!(visits.contains("No upcoming visits.") && visits.contains("To book one, call"), "{visits}");
        assert!(visits.contains("(555) 010-4477") && visits.contains("href=\"/visits\""), "{visits}");
        let results = tile(&home, "tile-results");
        assert!(results.contains("No new results.") && results.contains("href=\"/results\""), "{results}");
        let medicines = tile(&home, "tile-medicines");
        assert!(medicines.contains("No medicines on your list right now.") && medicines.contains("href=\"/medicines\""));
        let todo = tile(&home, "tile-todo");
        assert!(todo.contains("Set up 2-step sign-in") && todo.contains("href=\"/account\""), "{todo}");
        assert!(tile(&home, "tile-balance").contains("No bills for you on file."));
    }

    async fn the_home_tiles_show_the_patients_own_visits_results_medicines_and_balance(app) {
        let org = front_desk(&app).await;
        two_patients(&app, &org, &address("tiles")).await;
        // Results imported before the account was made are not news to a new account.
        import(&app, &org, "old.json", vec![lab("old", "pa", "Old ferritin", "2020-01-01T09:00:00Z", 40.0, "ng/mL")]).await;
        let lucia = enrolled_patient(&app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;
        import(&app, &org, "chart.json", vec![
            appointment("ap-1", "pa", "booked", "2099-03-04T15:30:00Z", "Yearly checkup"),
            appointment("ap-2", "pa", "proposed", "2098-05-06T14:00:00Z", "Flu shot"),
            appointment("ap-3", "pa", "pending", "2099-07-01T14:00:00Z", "Eye exam"),
            appointment("ap-4", "pa", "booked", "2099-09-01T14:00:00Z", "Fourth visit"),
            appointment("ap-x", "pa", "cancelled", "2097-01-01T14:00:00Z", "Cancelled visit"),
            appointment("ap-past", "pa", "booked", "2020-01-01T14:00:00Z", "Past visit"),
            appointment("ap-b", "pb", "booked", "2097-02-02T14:00:00Z", "Marisol's visit"),
            lab("glu", "pa", "Glucose", "2025-01-10T09:00:00Z", 250.0, "mg/dL"),
            lab("k", "pa", "Potassium", "2025-01-11T09:00:00Z", 3.1, "mmol/L"),
            lab("na", "pa", "Sodium", "2025-01-09T09:00:00Z", 140.0, "mmol/L"),
            lab("cl", "pa", "Chloride", "2025-01-08T09:00:00Z", 101.0, "mmol/L"),
            lab("ldl", "pb", "Cholesterol in LDL", "2025-03-01T09:00:00Z", 190.0, "mg/dL"),
            medicine("m-1", "pa", "active", "Metformin 500 MG", "2024-01-01T00:00:00Z"),
            medicine("m-2", "pa", "active", "Lisinopril 10 MG", "2024-06-01T00:00:00Z"),
            medicine("m-3", "pa", "stopped", "Amoxicillin 250 MG", "2025-01-01T00:00:00Z"),
            medicine("m-b", "pb", "active", "Marisol's medicine", "2024-01-01T00:00:00Z"),
            benefit("eob-1", "pa", 12.5),
            benefit("eob-2", "pa", 3.0),
            benefit("eob-b", "pb", 999.0),
        ]).await;
        let home = page_text(&lucia, &app, "/home").await;

        let visits = tile(&home, "tile-visits");
        let order = ["Flu shot", "Yearly checkup", "Eye exam"];
        let at: Vec<usize> = order.iter().map(|v| visits.find(v).unwrap_or_else(|| panic!("{v} in {visits}"))).collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "soonest first: {visits}");
        for absent in ["Fourth visit", "Cancelled visit", "Past visit", "Marisol"] {
            assert!(!visits.contains(absent), "{absent}: {visits}");
        }
        assert!(visits.contains("With Dr. Ana Soto"), "{visits}");
        // In the practice's zone (the server's default when the practice chose none).
        assert!(visits.contains("2098"), "{visits}");

        let results = tile(&home, "tile-results");
        assert!(results.contains("You have 4 new test results"), "{results}");
        let named = ["Potassium", "Glucose", "Sodium"];
        let at: Vec<usize> = named.iter().map(|v| results.find(v).unwrap_or_else(|| panic!("{v} in {results}"))).collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "newest first: {results}");
        assert!(!results.contains("Chloride") && !results.contains("ferritin") && !results.contains("LDL"), "{results}");

        let medicines = tile(&home, "tile-medicines");
        assert!(medicines.contains("You take 2 medicines now."), "{medicines}");
        assert!(medicines.find("Lisinopril").unwrap() < medicines.find("Metformin").unwrap(), "{medicines}");
        assert!(!medicines.contains("Amoxicillin") && !medicines.contains("Marisol"), "{medicines}");

        let todo = tile(&home, "tile-todo");
        assert!(todo.contains("You have 4 new test results. Read them.") && todo.contains("href=\"/results\""), "{todo}");

        let balance = tile(&home, "tile-balance");
        assert!(balance.contains("Your share of the bills on file: $15.50."), "{balance}");
        assert!(balance.contains("Payments you made may not show here yet."), "{balance}");
        assert!(!home.contains("$999") && !home.contains("Otero"), "another patient's: {home}");
    }

    async fn results_are_marked_new_once_then_seen(app) {
        let org = front_desk(&app).await;
        two_patients(&app, &org, &address("marks")).await;
        import(&app, &org, "old.json", vec![lab("old", "pa", "Old ferritin", "2020-01-01T09:00:00Z", 40.0, "ng/mL")]).await;
        let lucia = enrolled_patient(&app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;
        import(&app, &org, "new.json", vec![
            lab("glu", "pa", "Glucose", "2025-01-10T09:00:00Z", 250.0, "mg/dL"),
            lab("k", "pa", "Potassium", "2025-01-11T09:00:00Z", 3.1, "mmol/L"),
            lab("ldl", "pb", "Cholesterol in LDL", "2025-03-01T09:00:00Z", 190.0, "mg/dL"),
        ]).await;
        let list = page_text(&lucia, &app, "/results").await;
        assert_eq!(list.matches("class=\"new-mark\">New</strong>").count(), 2, "{list}");
        // The mark is the word before each new result's link.
        let marked: Vec<&str> = list
            .split("New</strong> <a href=")
            .skip(1)
            .filter_map(|rest| rest.split("</a>").next())
            .collect();
        for name in ["Glucose", "Potassium"] {
            assert!(marked.iter().any(|link| link.ends_with(&format!(">{name}"))), "{name}: {marked:?}");
        }
        let ferritin = list.find("Old ferritin").unwrap();
        assert!(!list[ferritin.saturating_sub(120)..ferritin].contains("new-mark"), "an old result is not new: {list}");

        // Seen: a reload marks nothing, and home has no news.
        let again = page_text(&lucia, &app, "/results").await;
        assert!(!again.contains("new-mark"), "{again}");
        let home = page_text(&lucia, &app, "/home").await;
        assert!(tile(&home, "tile-results").contains("No new results."), "{home}");

        // Another import brings news again, just that.
        import(&app, &org, "more.json", vec![lab("na", "pa", "Sodium", "2025-01-12T09:00:00Z", 140.0, "mmol/L")]).await;
        let home = page_text(&lucia, &app, "/home").await;
        assert!(tile(&home, "tile-results").contains("You have 1 new test result<"), "{home}");
        // The same result again, or corrected, is not another new one.
        import(&app, &org, "more.json", vec![lab("na", "pa", "Sodium", "2025-01-12T09:00:00Z", 140.0, "mmol/L")]).await;
        import(&app, &org, "fixed.json", vec![lab("na", "pa", "Sodium", "2025-01-12T09:00:00Z", 141.0, "mmol/L")]).await;
        let home = page_text(&lucia, &app, "/home").await;
        assert!(tile(&home, "tile-results").contains("You have 1 new test result<"), "{home}");
        let list = page_text(&lucia, &app, "/results").await;
        assert_eq!(list.matches("new-mark").count(), 1, "{list}");
    }

    async fn an_import_of_new_results_sends_one_email_without_health_information(app) {
        let org = front_desk(&app).await;
        let email = address("result-mail");
        two_patients(&app, &org, &email).await;
        let _lucia = enrolled_patient(&app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;
        let bundle = vec![
            lab("glu", "pa", "Glucose", "2025-01-10T09:00:00Z", 250.0, "mg/dL"),
            lab("k", "pa", "Potassium", "2025-01-10T09:00:00Z", 3.1, "mmol/L"),
            entry("bmp", json!({
                "resourceType": "DiagnosticReport", "id": "bmp", "status": "final",
                "code": {"coding": [{"display": "Basic metabolic panel"}]},
                "subject": {"reference": "Patient/pa"},
                "effectiveDateTime": "2025-01-10T09:00:00Z",
                "result": [{"reference": "urn:uuid:glu"}, {"reference": "urn:uuid:k"}],
            })),
            // Marisol has no account: no email for her.
            lab("ldl", "pb", "Cholesterol in LDL", "2025-03-01T09:00:00Z", 190.0, "mg/dL"),
        ];
        import(&app, &org, "results.json", bundle.clone()).await;
        assert_eq!(new_result_jobs(&app).await, 1, "one email for one patient and one import");
        let mail = maildev().await.wait_for(&email, "You have a new test result").await;
        assert!(mail.subject.contains("Maple Street Clinic"), "{}", mail.subject);
        for body in [&mail.text, &mail.html] {
            for phi in ["Glucose", "Potassium", "250", "3.1", "metabolic", "Rivera", "2025"] {
                assert!(!body.contains(phi), "{phi} in the email: {body}");
            }
            assert!(body.contains("/sign-in"), "a link to sign in: {body}");
        }
        assert!(!mail.subject.contains("Glucose"));
        assert!(maildev().await.messages_to(&format!("other-{email}")).await.is_empty(), "no account, no email");

        // The same import again changes nothing: no email.
        import(&app, &org, "results.json", bundle).await;
        assert_eq!(new_result_jobs(&app).await, 1, "a repeat is not news");
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        let received = maildev().await.messages_to(&email).await;
        assert_eq!(received.iter().filter(|m| m.subject.contains("new test result")).count(), 1);
    }

    async fn the_email_choice_is_changed_on_the_account_page_and_kept(app) {
        let org = front_desk(&app).await;
        two_patients(&app, &org, &address("choice")).await;
        let lucia = enrolled_patient(&app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;
        let account = page_text(&lucia, &app, "/account").await;
        assert!(crate::profile::ticked(&account, "notify-results"), "on at first: {account}");

        // From another site: refused, nothing changes.
        let forged = lucia.post(app.url("/account/notifications"))
            .header("Origin", "https://evil.example")
            .form(&[("new_results", "off")]).send().await.unwrap();
        assert_eq!(forged.status(), StatusCode::FORBIDDEN);
        assert!(crate::profile::ticked(&page_text(&lucia, &app, "/account").await, "notify-results"));

        let before = app.db.audit_head().await.unwrap();
        let off = lucia.post(app.url("/account/notifications"))
            .header("Origin", app.url("").trim_end_matches('/'))
            .form(&[("new_results", "off")]).send().await.unwrap();
        assert_eq!(off.status(), StatusCode::SEE_OTHER);
        let audited = app.db.audit_since(before).await.unwrap();
        assert!(audited.iter().any(|a| a.action == "account.notifications" && a.actor_kind == "patient"), "{audited:?}");
        let account = page_text(&lucia, &app, "/account?done=results-email-off").await;
        assert!(!crate::profile::ticked(&account, "notify-results"), "{account}");
        assert!(account.contains("We will not email you about new test results."), "{account}");

        // Off: an import of new results queues nothing.
        import(&app, &org, "results.json", vec![lab("glu", "pa", "Glucose", "2025-01-10T09:00:00Z", 250.0, "mg/dL")]).await;
        assert_eq!(new_result_jobs(&app).await, 0, "the patient said no");

        // On again: the next import does.
        let on = lucia.post(app.url("/account/notifications"))
            .header("Origin", app.url("").trim_end_matches('/'))
            .form(&[("new_results", "on")]).send().await.unwrap();
        assert_eq!(on.status(), StatusCode::SEE_OTHER);
        import(&app, &org, "more.json", vec![lab("k", "pa", "Potassium", "2025-01-11T09:00:00Z", 3.1, "mmol/L")]).await;
        assert_eq!(new_result_jobs(&app).await, 1);
    }
}

/// Real Chromium: the home page with every tile filled, the results list with its "New"
/// marks and the account page's email choice, in English and Spanish, at a phone's width and
/// a desktop's, axe-clean, nothing scrolling sideways, photographed (target/screenshots/).
mod in_the_browser {
    use super::*;
    use crate::{
        browser::{
            Driver, assert_nothing_scrolls_sideways, check_page, submit, type_into,
            wait_for_heading,
        },
        fixtures::PATIENT_PASSWORD,
        harness::Backend,
    };

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[cfg_attr(
        not(porchlight_browser),
        ignore = "browser tests skipped: chromedriver is not installed"
    )]
    async fn the_home_page_reads_well_on_a_phone_in_english_and_spanish() {
        let app = TestApp::spawn(Backend::Sqlite).await;
        let org = front_desk(&app).await;
        two_patients(&app, &org, &address("browser")).await;
        let _computer = enrolled_patient(&app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;
        import(
            &app,
            &org,
            "chart.json",
            vec![
                appointment(
                    "ap-1",
                    "pa",
                    "booked",
                    "2099-03-04T15:30:00Z",
                    "Yearly checkup",
                ),
                appointment("ap-2", "pa", "proposed", "2098-05-06T14:00:00Z", "Flu shot"),
                lab(
                    "glu",
                    "pa",
                    "Glucose [Mass/volume] in Serum or Plasma",
                    "2025-01-10T09:00:00Z",
                    250.0,
                    "mg/dL",
                ),
                lab(
                    "k",
                    "pa",
                    "Potassium [Moles/volume] in Serum or Plasma",
                    "2025-01-11T09:00:00Z",
                    3.1,
                    "mmol/L",
                ),
                medicine(
                    "m-1",
                    "pa",
                    "active",
                    "Metformin hydrochloride 500 MG Extended Release Oral Tablet",
                    "2024-01-01T00:00:00Z",
                ),
                medicine(
                    "m-2",
                    "pa",
                    "active",
                    "Lisinopril 10 MG Oral Tablet",
                    "2024-06-01T00:00:00Z",
                ),
                benefit("eob-1", "pa", 12.5),
            ],
        )
        .await;

        let driver = Driver::start().await;
        let profile = tempfile::tempdir().unwrap();
        let client = driver.browser(profile.path()).await;
        client.goto(&app.url("/sign-in")).await.unwrap();
        type_into(&client, "username", "lucia.r").await;
        type_into(&client, "password", PATIENT_PASSWORD).await;
        submit(&client).await;
        wait_for_heading(&client, "Hello, Lucia").await;

        check_page(&client, &app.url("/home"), "home-tiles").await;
        assert_nothing_scrolls_sideways(&client, "home").await;
        check_page(&client, &app.url("/account"), "home-account-emails").await;
        client
            .goto(&app.url("/language/es?back=/home"))
            .await
            .unwrap();
        check_page(&client, &app.url("/home"), "es-home-tiles").await;
        assert_nothing_scrolls_sideways(&client, "home").await;
        check_page(&client, &app.url("/account"), "es-home-account-emails").await;
        // The results list marks the new ones (then they are seen).
        check_page(&client, &app.url("/results"), "es-results-new").await;
    }
}

//! Profile and preferences (issue 14, point 7): "My contact details" with the chart's values
//! and its blanks in words; requests to change the phone or the address, checked field by
//! field, stored once per patient, worked by staff and answered on the patient's page; the
//! language kept on the account (the cookie, sign-in on another device, emails); the three
//! email choices. On both databases.

use domain::{PatientId, PatientScope, Role};
use reqwest::StatusCode;
use serde_json::{Value, json};
use storage::Organization;

use crate::{
    fixtures::{
        PATIENT_PASSWORD, STAFF_PASSWORD, add_staff, enrolled_patient, front_desk, page_text,
        patient_browser, patient_page,
    },
    harness::{TestApp, each_backend},
    maildev::maildev,
};

/// Whether the box or radio button `id` in `html` is ticked.
pub(crate) fn ticked(html: &str, id: &str) -> bool {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no {id} in {html}"));
    let end = html[start..].find('>').unwrap() + start;
    html[start..end].contains(" checked")
}

/// A unique address for this test and backend (the mail sink is shared by every test).
fn address(test: &str) -> String {
    format!("{test}-{}@example.org", uuid::Uuid::now_v7().simple())
}

/// Imports the practice's charts: Lucia Rivera with two phones, an address and `email`;
/// Rosa Rivera with nothing on file but her name and birth date; Marisol Otero (no account)
/// with a phone and an address nobody else may see.
async fn charts(app: &TestApp, org: &Organization, email: &str) {
    let bundle = json!({"resourceType": "Bundle", "type": "collection", "entry": [
        {"fullUrl": "urn:uuid:pa", "resource": {
            "resourceType": "Patient", "id": "pa",
            "identifier": [{"type": {"coding": [{"code": "MR"}]}, "value": "MRN-L-1001"}],
            "name": [{"family": "Rivera", "given": ["Lucia"]}], "birthDate": "1961-04-09",
            "telecom": [
                {"system": "phone", "value": "555-010-2000", "use": "mobile"},
                {"system": "phone", "value": "555-010-2001", "use": "home"},
                {"system": "email", "value": email}],
            "address": [{"line": ["12 Oak Street"], "city": "Boston", "state": "MA", "postalCode": "02139", "country": "US"}]}},
        {"fullUrl": "urn:uuid:pr", "resource": {
            "resourceType": "Patient", "id": "pr",
            "name": [{"family": "Rivera", "given": ["Rosa"]}], "birthDate": "1970-02-03"}},
        {"fullUrl": "urn:uuid:pm", "resource": {
            "resourceType": "Patient", "id": "pm",
            "name": [{"family": "Otero", "given": ["Marisol"]}], "birthDate": "1987-03-14",
            "telecom": [{"system": "phone", "value": "555-010-9999"}],
            "address": [{"line": ["77 Hidden Lane"], "city": "Salem", "state": "OR", "postalCode": "97301"}]}}
    ]});
    import(app, org, "charts.json", bundle).await;
}

async fn import(app: &TestApp, org: &Organization, label: &str, bundle: Value) {
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

async fn new_result(app: &TestApp, org: &Organization, id: &str) {
    let bundle = json!({"resourceType": "Bundle", "type": "collection", "entry": [
        {"fullUrl": format!("urn:uuid:{id}"), "resource": {
            "resourceType": "Observation", "id": id, "status": "final",
            "category": [{"coding": [{"code": "laboratory"}]}],
            "code": {"coding": [{"system": "http://loinc.org", "code": "2345-7", "display": "Glucose"}]},
            "subject": {"reference": "Patient/pa"},
            "effectiveDateTime": "2025-01-10T09:00:00Z",
            "valueQuantity": {"value": 92, "unit": "mg/dL"}}}]});
    import(app, org, &format!("{id}.json"), bundle).await;
}

async fn patient_id(app: &TestApp, org: &Organization, given: &str) -> PatientId {
    let page = patient_page(app, org, "Rivera", given).await;
    PatientId::from_uuid(page.rsplit('/').next().unwrap().parse().unwrap())
}

/// The request's form, as a patient's browser sends it from the page.
async fn ask(
    app: &TestApp,
    browser: &reqwest::Client,
    form: &[(&str, &str)],
) -> (StatusCode, String) {
    let response = browser
        .post(app.url("/account/profile"))
        .form(form)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.text().await.unwrap())
}

async fn open_requests(app: &TestApp, org: &Organization, patient: PatientId) -> i64 {
    let scope = domain::StaffScope::new(org.id, domain::StaffId::new(), Role::FrontDesk);
    app.db
        .count_open_contact_changes(&scope, patient)
        .await
        .unwrap()
}

/// A form's fields, as (name, value).
type Form<'a> = Vec<(&'a str, &'a str)>;

const NEW_ADDRESS: [(&str, &str); 4] = [
    ("address_line", "48 Elm Avenue, Apt 3"),
    ("city", "Cambridge"),
    ("state", "MA"),
    ("postal_code", "02141-1234"),
];

each_backend! {
    async fn the_profile_shows_the_charts_details_and_says_what_is_not_on_file(app) {
        let org = front_desk(&app).await;
        charts(&app, &org, &address("profile")).await;
        let lucia = enrolled_patient(&app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;
        let rosa = enrolled_patient(&app, &org, "Rosa", ("2", "3", "1970"), "rosa.r").await;
        let lucia_id = patient_id(&app, &org, "Lucia").await;

        // Without a session: sent to sign in.
        let anonymous = patient_browser().get(app.url("/account/profile")).send().await.unwrap();
        assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
        assert_eq!(anonymous.headers()["location"], "/sign-in");

        let before = app.db.audit_head().await.unwrap();
        let response = lucia.get(app.url("/account/profile")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert!(response.headers()["cache-control"].to_str().unwrap().contains("no-store"));
        let page = response.text().await.unwrap();
        assert!(page.contains("<h1>My contact details</h1>"), "{page}");
        assert!(page.contains("This is what Maple Street Clinic has on file for you."), "{page}");
        assert!(page.contains(">Lucia Rivera</dd>"), "{page}");
        assert!(page.contains("April 9, 1961"), "{page}");
        assert!(page.contains("Mobile: 555-010-2000<br>Home: 555-010-2001"), "{page}");
        assert!(page.contains("12 Oak Street<br>Boston, MA 02139</dd>"), "{page}");
        assert!(!page.contains("Not on file"), "{page}");
        assert!(page.contains("(555) 010-4477"), "the practice's number for a wrong name: {page}");
        assert!(page.contains("href=\"/help/something-wrong\""), "the help for this page: {page}");
        for other in ["555-010-9999", "77 Hidden Lane", "Otero", "Rosa"] {
            assert!(!page.contains(other), "another patient's {other}: {page}");
        }
        let rows = app.db.audit_since(before).await.unwrap();
        assert!(
            rows.iter().any(|r| r.action == "patient.profile" && r.actor_kind == "patient" && r.patient == Some(lucia_id)),
            "{rows:?}"
        );

        // Rosa's chart has no email, phone or address: said in words, each.
        let page = page_text(&rosa, &app, "/account/profile").await;
        assert!(page.contains(">Rosa Rivera</dd>"), "{page}");
        for id in ["profile-email", "profile-phones", "profile-address"] {
            let start = page.find(&format!("id=\"{id}\"")).unwrap();
            let cell = &page[start..start + page[start..].find("</dd>").unwrap()];
            assert!(cell.contains("Not on file"), "{id}: {cell}");
        }
        for other in ["555-010-2000", "12 Oak Street", "555-010-9999", "77 Hidden Lane", "Lucia"] {
            assert!(!page.contains(other), "another patient's {other}: {page}");
        }

        // In Spanish.
        lucia.get(app.url("/language/es?back=/home")).send().await.unwrap();
        let page = page_text(&lucia, &app, "/account/profile").await;
        assert!(page.contains("<h1>Mis datos de contacto</h1>") && page.contains("Celular: 555-010-2000"), "{page}");
        assert!(page.contains("9 de abril de 1961"), "{page}");
        // The account page links to it.
        let account = page_text(&lucia, &app, "/account").await;
        assert!(account.contains("href=\"/account/profile\""), "{account}");
    }

    async fn a_change_request_is_checked_field_by_field_and_nothing_is_stored_when_wrong(app) {
        let org = front_desk(&app).await;
        charts(&app, &org, &address("checks")).await;
        let lucia = enrolled_patient(&app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;
        let lucia_id = patient_id(&app, &org, "Lucia").await;
        let long_line = "9".repeat(101);
        let cases: Vec<(Form, Vec<&str>)> = vec![
            (vec![("phone", "555-1234")], vec!["Type a phone number with 10 digits, like 555-123-4567."]),
            (vec![("phone", "555-CALL-NOW")], vec!["Type a phone number with 10 digits"]),
            (vec![("address_line", "48 Elm Avenue")], vec!["Type your city.", "Choose your state.", "Type your ZIP code."]),
            (vec![("address_line", "48 Elm Avenue"), ("city", "Cambridge"), ("state", "MA"), ("postal_code", "0214")],
             vec!["Type a ZIP code with 5 digits, like 02139, or 9 digits, like 02139-4307."]),
            (vec![("address_line", "48 Elm Avenue"), ("city", "Cambridge"), ("state", "ZZ"), ("postal_code", "02141")],
             vec!["Choose a state from the list."]),
            (vec![("address_line", long_line.as_str()), ("city", "Cambridge"), ("state", "MA"), ("postal_code", "02141")],
             vec!["Your street address is too long. Use 100 letters or less."]),
            (vec![("phone", ""), ("address_line", "  ")], vec!["Type a new phone number or a new address."]),
            (vec![("phone", "(555) 010 2000"), ("address_line", "12 oak street"), ("city", "Boston"), ("state", "MA"), ("postal_code", "02139")],
             vec!["This is what we already have. Type what changed."]),
        ];
        for (form, messages) in &cases {
            let (status, page) = ask(&app, &lucia, form).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{form:?}");
            for message in messages {
                assert!(page.contains(message), "{form:?}: {message} in {page}");
            }
            assert!(page.contains("role=\"alert\""), "{page}");
            // What was typed is shown again.
            if let Some((_, typed)) = form.iter().find(|(k, v)| *k == "phone" && !v.is_empty()) {
                assert!(page.contains(&format!("value=\"{typed}\"")), "{page}");
            }
        }
        // Only the wrong field is marked.
        let (_, page) = ask(&app, &lucia, &[("phone", "12")]).await;
        assert!(page.contains("aria-describedby=\"phone-hint phone-error\" aria-invalid=\"true\""), "{page}");
        assert!(!page.contains("id=\"city-error\""), "{page}");
        // In Spanish, the same errors in Spanish.
        let spanish = crate::fixtures::spanish_browser();
        let signed_in = spanish.post(app.url("/sign-in"))
            .form(&[("organization", "maple"), ("username", "lucia.r"), ("password", PATIENT_PASSWORD)])
            .send().await.unwrap();
        assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
        let (status, page) = ask(&app, &spanish, &[("phone", "555"), ("address_line", "Calle 1")]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        for message in ["Escriba un teléfono de 10 dígitos, como 555-123-4567.", "Escriba su ciudad.", "Elija su estado.", "Escriba su código postal."] {
            assert!(page.contains(message), "{message} in {page}");
        }
        // From another site: refused.
        let forged = lucia.post(app.url("/account/profile"))
            .header("Origin", "https://evil.example")
            .form(&[("phone", "555-010-3000")]).send().await.unwrap();
        assert_eq!(forged.status(), StatusCode::FORBIDDEN);
        assert_eq!(open_requests(&app, &org, lucia_id).await, 0, "nothing stored");

        // A right one is stored, audited and shown.
        let before = app.db.audit_head().await.unwrap();
        let mut form = vec![("phone", "555.010.3000")];
        form.extend(NEW_ADDRESS);
        let (status, _) = ask(&app, &lucia, &form).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let rows = app.db.audit_since(before).await.unwrap();
        assert!(rows.iter().any(|r| r.action == "patient.contact-change-request" && r.patient == Some(lucia_id)), "{rows:?}");
        assert_eq!(open_requests(&app, &org, lucia_id).await, 1);
        let page = page_text(&lucia, &app, "/account/profile?done=sent").await;
        assert!(page.contains("We got your request. Staff will update your chart."), "{page}");
        assert!(page.contains("We got your request on "), "{page}");
        assert!(page.contains("New phone: (555) 010-3000"), "{page}");
        assert!(page.contains("New address: 48 Elm Avenue, Apt 3, Cambridge, MA 02141-1234"), "{page}");
        // The chart is the EHR's: unchanged until staff change it there.
        assert!(page.contains("Mobile: 555-010-2000"), "{page}");

        // A second one replaces it: one open request.
        let (status, _) = ask(&app, &lucia, &[("phone", "555-010-3333")]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(open_requests(&app, &org, lucia_id).await, 1);
        let page = page_text(&lucia, &app, "/account/profile?done=replaced").await;
        assert!(page.contains("It takes the place of the one you sent before."), "{page}");
        assert!(page.contains("New phone: (555) 010-3333") && !page.contains("(555) 010-3000"), "{page}");
        let queue = page_text(&app.client, &app, "/staff/contact-changes").await;
        assert_eq!(queue.matches("Lucia Rivera").count(), 2, "one request (its heading and table label): {queue}");
        assert!(!queue.contains("(555) 010-3000"), "the replaced request is gone: {queue}");
    }

    async fn staff_see_the_request_beside_the_chart_and_the_patient_sees_what_they_did(app) {
        let org = front_desk(&app).await;
        charts(&app, &org, &address("staff")).await;
        let lucia = enrolled_patient(&app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;
        let lucia_id = patient_id(&app, &org, "Lucia").await;
        let queue = page_text(&app.client, &app, "/staff/contact-changes").await;
        assert!(queue.contains("No requests wait."), "{queue}");
        assert!(queue.contains("href=\"/staff/contact-changes\""), "in the staff menu: {queue}");
        let chart_page = patient_page(&app, &org, "Rivera", "Lucia").await;
        let chart = page_text(&app.client, &app, &chart_page).await;
        assert!(!chart.contains("id=\"open-contact-change\""), "nothing asked yet: {chart}");

        let mut form = vec![("phone", "555-010-2000")];
        form.extend(NEW_ADDRESS);
        assert_eq!(ask(&app, &lucia, &form).await.0, StatusCode::SEE_OTHER);
        // The patient's page in the staff console says a request waits, and where.
        let chart = page_text(&app.client, &app, &chart_page).await;
        assert!(
            chart.contains("id=\"open-contact-change\"><p>This patient asked for a new phone number or address. \
                            Change it in the EHR, then close the request in <a href=\"/staff/contact-changes\">"),
            "{chart}"
        );

        let before = app.db.audit_head().await.unwrap();
        let queue = page_text(&app.client, &app, "/staff/contact-changes").await;
        let rows = app.db.audit_since(before).await.unwrap();
        assert!(rows.iter().any(|r| r.action == "contact-change.list" && r.actor_kind == "staff" && r.patient == Some(lucia_id)), "{rows:?}");
        assert!(queue.contains("Lucia Rivera") && queue.contains("MRN MRN-L-1001") && queue.contains("Born 04/09/1961"), "{queue}");
        // The phone asked for is one the chart has: only the address changes.
        assert!(!queue.contains("<th scope=\"row\">Phone</th>"), "the same phone is no change: {queue}");
        for (field, now, asked) in [
            ("Street", "12 Oak Street", "48 Elm Avenue, Apt 3"),
            ("City", "Boston", "Cambridge"),
            ("ZIP code", "02139", "02141-1234"),
        ] {
            let row = format!("<th scope=\"row\">{field}</th>\n      <td>{now}</td>\n      <td><strong>{asked}</strong> <span class=\"tag\">Changes</span>");
            assert!(queue.contains(&row), "{row} in {queue}");
        }
        assert!(queue.contains("<td>MA</td>\n      <td>MA <span class=\"tag\">Same</span>"), "{queue}");
        assert!(!queue.contains("555-010-9999") && !queue.contains("Otero"), "{queue}");
        let id = queue.split("/staff/contact-changes/").nth(1).unwrap().split('/').next().unwrap().to_owned();
        let close = format!("/staff/contact-changes/{id}/close");

        // Other roles and the patient are refused; nothing closes.
        for role in [Role::Clinician, Role::SecurityOfficer] {
            let username = format!("r{}", uuid::Uuid::now_v7().simple());
            add_staff(&app, org.id, &username, role).await;
            let staff = patient_browser();
            staff.post(app.url("/staff/sign-in"))
                .form(&[("organization", "maple"), ("username", username.as_str()), ("password", STAFF_PASSWORD)])
                .send().await.unwrap();
            assert_eq!(staff.get(app.url("/staff/contact-changes")).send().await.unwrap().status(), StatusCode::FORBIDDEN, "{role:?}");
            if role == Role::Clinician {
                let chart = page_text(&staff, &app, &chart_page).await;
                assert!(chart.contains("Change it in the EHR: front-desk staff close the request."), "{chart}");
            }
            let refused = staff.post(app.url(&close)).form(&[("outcome", "done")]).send().await.unwrap();
            assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{role:?}");
        }
        for browser in [lucia.clone(), patient_browser()] {
            let refused = browser.post(app.url(&close)).form(&[("outcome", "done")]).send().await.unwrap();
            assert_eq!(refused.status(), StatusCode::SEE_OTHER, "sent to the staff sign-in");
            let refused = browser.get(app.url("/staff/contact-changes")).send().await.unwrap();
            assert_eq!(refused.status(), StatusCode::SEE_OTHER);
        }
        assert_eq!(open_requests(&app, &org, lucia_id).await, 1);

        // Declining needs a note for the patient.
        let response = app.client.post(app.url(&close)).form(&[("outcome", "declined"), ("note", " ")]).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(response.text().await.unwrap().contains("Say why in the note: the patient reads it."));
        assert_eq!(open_requests(&app, &org, lucia_id).await, 1);

        // Done: audited on her record; the patient reads that her chart was updated.
        let before = app.db.audit_head().await.unwrap();
        let done = app.client.post(app.url(&close)).form(&[("outcome", "done")]).send().await.unwrap();
        assert_eq!(done.status(), StatusCode::SEE_OTHER);
        let rows = app.db.audit_since(before).await.unwrap();
        assert!(rows.iter().any(|r| r.action == "contact-change.done" && r.patient == Some(lucia_id)), "{rows:?}");
        assert_eq!(open_requests(&app, &org, lucia_id).await, 0);
        let chart = page_text(&app.client, &app, &chart_page).await;
        assert!(!chart.contains("id=\"open-contact-change\""), "closed: {chart}");
        let queue = page_text(&app.client, &app, "/staff/contact-changes?done=done").await;
        assert!(queue.contains("No requests wait.") && queue.contains("Marked done."), "{queue}");
        let page = page_text(&lucia, &app, "/account/profile").await;
        assert!(page.contains("Staff updated your chart on "), "{page}");
        assert!(page.contains("It may take a few days to show here."), "{page}");
        // "Who viewed my record" says what staff did.
        let accesses = page_text(&lucia, &app, "/record-access").await;
        assert!(accesses.contains("Saw your request to change your phone or address"), "{accesses}");
        assert!(accesses.contains("Marked your request to change your phone or address as done"), "{accesses}");
        // Twice is not found.
        let again = app.client.post(app.url(&close)).form(&[("outcome", "done")]).send().await.unwrap();
        assert_eq!(again.status(), StatusCode::NOT_FOUND);

        // Declined with a note: the patient reads it.
        assert_eq!(ask(&app, &lucia, &[("phone", "555-010-7777")]).await.0, StatusCode::SEE_OTHER);
        let queue = page_text(&app.client, &app, "/staff/contact-changes").await;
        assert!(queue.contains("<th scope=\"row\">Phone</th>") && queue.contains("Mobile: 555-010-2000; Home: 555-010-2001"), "{queue}");
        let id = queue.split("/staff/contact-changes/").nth(1).unwrap().split('/').next().unwrap().to_owned();
        let declined = app.client.post(app.url(&format!("/staff/contact-changes/{id}/close")))
            .form(&[("outcome", "declined"), ("note", "We could not reach this number. Please call us.")])
            .send().await.unwrap();
        assert_eq!(declined.status(), StatusCode::SEE_OTHER);
        let page = page_text(&lucia, &app, "/account/profile").await;
        assert!(page.contains("Staff did not make the change you asked for on "), "{page}");
        assert!(page.contains("Note from staff: We could not reach this number. Please call us."), "{page}");

        // Another practice's staff see none of it and cannot close it.
        let oak = app.db.create_organization("oak", "Oak Family Practice", None).await.unwrap();
        add_staff(&app, oak.id, "olga", Role::Administrator).await;
        assert_eq!(ask(&app, &lucia, &[("phone", "555-010-8888")]).await.0, StatusCode::SEE_OTHER);
        let queue = page_text(&app.client, &app, "/staff/contact-changes").await;
        let id = queue.split("/staff/contact-changes/").nth(1).unwrap().split('/').next().unwrap().to_owned();
        let other = patient_browser();
        other.post(app.url("/staff/sign-in"))
            .form(&[("organization", "oak"), ("username", "olga"), ("password", STAFF_PASSWORD)])
            .send().await.unwrap();
        let theirs = page_text(&other, &app, "/staff/contact-changes").await;
        assert!(theirs.contains("No requests wait.") && !theirs.contains("Lucia"), "{theirs}");
        let refused = other.post(app.url(&format!("/staff/contact-changes/{id}/close"))).form(&[("outcome", "done")]).send().await.unwrap();
        assert_eq!(refused.status(), StatusCode::NOT_FOUND);
        assert_eq!(open_requests(&app, &org, lucia_id).await, 1);
    }

    async fn the_language_is_kept_on_the_account_for_every_device_and_for_emails(app) {
        let org = front_desk(&app).await;
        let email = address("language");
        charts(&app, &org, &email).await;
        let lucia = enrolled_patient(&app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;
        let lucia_id = patient_id(&app, &org, "Lucia").await;
        let account = page_text(&lucia, &app, "/account").await;
        assert!(account.contains("Language / <span lang=\"es\">Idioma</span>"), "{account}");
        assert!(account.contains("You have not chosen yet."), "{account}");
        assert!(!ticked(&account, "language-en") && !ticked(&account, "language-es"));

        let before = app.db.audit_head().await.unwrap();
        let chosen = lucia.post(app.url("/account/language")).form(&[("language", "es")]).send().await.unwrap();
        assert_eq!(chosen.status(), StatusCode::SEE_OTHER);
        let cookies: Vec<&str> = chosen.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap()).collect();
        assert!(cookies.iter().any(|c| c.starts_with("porchlight_lang=es;")), "{cookies:?}");
        let rows = app.db.audit_since(before).await.unwrap();
        assert!(rows.iter().any(|r| r.action == "account.language" && r.patient == Some(lucia_id)), "{rows:?}");
        let account = page_text(&lucia, &app, "/account?done=language").await;
        assert!(account.contains("Guardamos su idioma.") && ticked(&account, "language-es"), "{account}");
        // Something else is no language: nothing changes.
        let odd = lucia.post(app.url("/account/language")).form(&[("language", "fr")]).send().await.unwrap();
        assert_eq!(odd.status(), StatusCode::SEE_OTHER);
        assert!(ticked(&page_text(&lucia, &app, "/account").await, "language-es"));

        // Signing in on another device (an English browser) opens the portal in Spanish.
        let phone = patient_browser();
        let signed_in = phone.post(app.url("/sign-in"))
            .form(&[("organization", "maple"), ("username", "lucia.r"), ("password", PATIENT_PASSWORD)])
            .send().await.unwrap();
        assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
        let cookies: Vec<&str> = signed_in.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap()).collect();
        assert!(cookies.iter().any(|c| c.starts_with("porchlight_lang=es;")), "{cookies:?}");
        let home = page_text(&phone, &app, "/home").await;
        assert!(home.contains("Hola, Lucia") && home.contains("<html lang=\"es\""), "{home}");

        // Emails follow the account's choice (the chart names no language).
        new_result(&app, &org, "glu-es").await;
        let mail = maildev().await.wait_for(&email, "Tiene un resultado nuevo").await;
        assert!(mail.subject.contains("Maple Street Clinic"), "{}", mail.subject);

        // The header's switch, used on the portal's own pages, keeps the choice too.
        let switched = phone.get(app.url("/language/en?back=/home"))
            .header("Sec-Fetch-Site", "same-origin").send().await.unwrap();
        assert_eq!(switched.status(), StatusCode::SEE_OTHER);
        assert!(ticked(&page_text(&phone, &app, "/account").await, "language-en"));
        // From a link on another site, only that browser switches: the account keeps English.
        let linked = phone.get(app.url("/language/es?back=/home"))
            .header("Sec-Fetch-Site", "cross-site").send().await.unwrap();
        assert_eq!(linked.status(), StatusCode::SEE_OTHER);
        let account = page_text(&phone, &app, "/account").await;
        assert!(account.contains("Idioma / <span lang=\"en\">Language</span>"), "this browser is in Spanish: {account}");
        assert!(ticked(&account, "language-en"), "{account}");
        new_result(&app, &org, "glu-en").await;
        let mut english = false;
        for _ in 0..100 {
            if maildev().await.messages_to(&email).await.iter().any(|m| m.subject.contains("You have a new test result")) {
                english = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(english, "the next email is in English");
    }

    async fn three_email_choices_are_kept(app) {
        let org = front_desk(&app).await;
        charts(&app, &org, &address("choices")).await;
        let lucia = enrolled_patient(&app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;
        let lucia_id = patient_id(&app, &org, "Lucia").await;
        let account = page_text(&lucia, &app, "/account").await;
        for id in ["notify-results", "notify-messages", "notify-reminders"] {
            assert!(ticked(&account, id), "{id} on at first: {account}");
        }
        assert!(account.contains("<legend>Email me when</legend>"), "{account}");
        assert!(account.contains("The email says only that a message is waiting."), "no words of the message in email: {account}");

        let before = app.db.audit_head().await.unwrap();
        let saved = lucia.post(app.url("/account/notifications"))
            .form(&[("choices", "1"), ("new_results", "on"), ("reminders", "on")])
            .send().await.unwrap();
        assert_eq!(saved.status(), StatusCode::SEE_OTHER);
        let rows = app.db.audit_since(before).await.unwrap();
        assert!(rows.iter().any(|r| r.action == "account.notifications" && r.patient == Some(lucia_id)), "{rows:?}");
        let scope = PatientScope::new(org.id, lucia_id);
        let choices = app.db.notification_choices(&scope).await.unwrap();
        assert_eq!((choices.new_results, choices.messages, choices.reminders), (true, false, true));
        let account = page_text(&lucia, &app, "/account?done=emails").await;
        assert!(account.contains("We saved your email choices."), "{account}");
        assert!(ticked(&account, "notify-results") && !ticked(&account, "notify-messages") && ticked(&account, "notify-reminders"));

        // Every box empty: no email about new results either.
        lucia.post(app.url("/account/notifications")).form(&[("choices", "1")]).send().await.unwrap();
        let choices = app.db.notification_choices(&scope).await.unwrap();
        assert_eq!((choices.new_results, choices.messages, choices.reminders), (false, false, false));
        new_result(&app, &org, "glu-off").await;
        assert!(app.db.jobs_of_kind("email.new-result").await.unwrap().is_empty(), "the patient said no");
    }
}

/// Real Chromium: "My contact details" with a request and with errors, the account page's
/// preferences and the staff queue, in English and Spanish, at a phone's width and a
/// desktop's, axe-clean, nothing scrolling sideways, photographed (target/screenshots/).
mod in_the_browser {
    use super::*;
    use crate::{
        browser::{
            Driver, assert_nothing_scrolls_sideways, check_here, check_page, photograph_at,
            staff_signs_in, submit, type_into, wait_for_heading,
        },
        harness::Backend,
    };

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[cfg_attr(
        not(porchlight_browser),
        ignore = "browser tests skipped: chromedriver is not installed"
    )]
    async fn contact_details_and_preferences_read_well_on_a_phone_in_english_and_spanish() {
        let app = TestApp::spawn(Backend::Sqlite).await;
        let org = front_desk(&app).await;
        charts(&app, &org, &address("browser")).await;
        let _computer = enrolled_patient(&app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;
        let _rosa = enrolled_patient(&app, &org, "Rosa", ("2", "3", "1970"), "rosa.r").await;

        let driver = Driver::start().await;
        let profile = tempfile::tempdir().unwrap();
        let client = driver.browser(profile.path()).await;
        client.goto(&app.url("/sign-in")).await.unwrap();
        type_into(&client, "username", "lucia.r").await;
        type_into(&client, "password", PATIENT_PASSWORD).await;
        submit(&client).await;
        wait_for_heading(&client, "Hello, Lucia").await;

        check_page(&client, &app.url("/account/profile"), "profile").await;
        assert_nothing_scrolls_sideways(&client, "profile").await;
        // A wrong phone and half an address: the errors, at a phone's width.
        client.set_window_size(320, 720).await.unwrap();
        client.goto(&app.url("/account/profile")).await.unwrap();
        type_into(&client, "phone", "555-1234").await;
        type_into(&client, "address_line", "48 Elm Avenue").await;
        submit(&client).await;
        wait_for_heading(&client, "My contact details").await;
        check_here(&client, "profile-errors-phone").await;
        photograph_at(&client, "#request-errors", "profile-errors-summary-phone").await;
        photograph_at(&client, "#phone-error", "profile-errors-phone-field-phone").await;
        photograph_at(&client, "#city-error", "profile-errors-city-phone").await;
        // A right request: the page says it was received.
        client.goto(&app.url("/account/profile")).await.unwrap();
        type_into(&client, "phone", "555-010-3000").await;
        submit(&client).await;
        wait_for_heading(&client, "My contact details").await;
        check_here(&client, "profile-request-sent-phone").await;
        photograph_at(&client, "#request-status", "profile-request-status-phone").await;
        check_page(
            &client,
            &app.url("/account/profile"),
            "profile-request-open",
        )
        .await;
        check_page(&client, &app.url("/account"), "account-preferences").await;
        photograph_at(&client, "#emails-heading", "account-preferences-emails").await;
        photograph_at(&client, "#language-heading", "account-preferences-language").await;

        client
            .goto(&app.url("/language/es?back=/home"))
            .await
            .unwrap();
        check_page(
            &client,
            &app.url("/account/profile"),
            "es-profile-request-open",
        )
        .await;
        photograph_at(&client, "#request-status", "es-profile-request-status").await;
        check_page(&client, &app.url("/account"), "es-account-preferences").await;
        photograph_at(
            &client,
            "#language-heading",
            "es-account-preferences-language",
        )
        .await;

        // Rosa's blanks, in words.
        let rosa_profile = tempfile::tempdir().unwrap();
        let rosa = driver.browser(rosa_profile.path()).await;
        rosa.goto(&app.url("/sign-in")).await.unwrap();
        type_into(&rosa, "username", "rosa.r").await;
        type_into(&rosa, "password", PATIENT_PASSWORD).await;
        submit(&rosa).await;
        wait_for_heading(&rosa, "Hello, Rosa").await;
        check_page(&rosa, &app.url("/account/profile"), "profile-not-on-file").await;

        // The staff queue, with Lucia's request beside her chart.
        let staff_profile = tempfile::tempdir().unwrap();
        let staff = driver.browser(staff_profile.path()).await;
        staff_signs_in(&staff, &app, "dana").await;
        check_page(
            &staff,
            &app.url("/staff/contact-changes"),
            "staff-contact-changes",
        )
        .await;
    }
}

//! Practices, staff and patients that several test files start from.

use domain::{OrganizationId, Role, StaffId, StaffScope, Username};
use storage::{NewStaff, Organization, PatientQuery, RequestOrigin};
use web::passwords::PasswordHasher;

use crate::harness::TestApp;

pub const STAFF_PASSWORD: &str = "correct horse battery staple";
pub const CLINIC_PHONE: &str = "(555) 010-4477";

/// The Maple Street Clinic, with a phone number.
pub async fn clinic(app: &TestApp) -> Organization {
    app.db
        .create_organization("maple", "Maple Street Clinic", Some(CLINIC_PHONE))
        .await
        .unwrap()
}

/// A staff account named "Dana Front" with [`STAFF_PASSWORD`].
pub async fn add_staff(app: &TestApp, org: OrganizationId, username: &str, role: Role) -> StaffId {
    let hash = PasswordHasher::new(1)
        .hash(STAFF_PASSWORD.into())
        .await
        .unwrap();
    app.db
        .create_staff(NewStaff {
            organization: org,
            username: &Username::parse(username).unwrap(),
            display_name: "Dana Front",
            role,
            password_hash: &hash,
        })
        .await
        .unwrap()
}

/// Signs `app.client` in through the form.
pub async fn sign_in(
    app: &TestApp,
    org: &Organization,
    username: &str,
    password: &str,
) -> reqwest::Response {
    app.client
        .post(app.url("/staff/sign-in"))
        .form(&[
            ("organization", org.slug.as_str()),
            ("username", username),
            ("password", password),
        ])
        .send()
        .await
        .unwrap()
}

/// The clinic with a front-desk member "dana", signed in on `app.client`.
pub async fn front_desk(app: &TestApp) -> Organization {
    let org = clinic(app).await;
    add_staff(app, org.id, "dana", Role::FrontDesk).await;
    let response = sign_in(app, &org, "dana", STAFF_PASSWORD).await;
    assert_eq!(response.status(), reqwest::StatusCode::SEE_OTHER);
    org
}

/// Imports patients given as (id, given, family, birth date, extra JSON members).
pub async fn import_patients(
    app: &TestApp,
    org: &Organization,
    patients: &[(&str, &str, &str, &str, &str)],
) {
    let entries: Vec<String> = patients
        .iter()
        .map(|(id, given, family, birth, extra)| {
            format!(
                r#"{{"fullUrl":"urn:uuid:{id}","resource":{{"resourceType":"Patient","id":"{id}","name":[{{"family":"{family}","given":["{given}"]}}],"birthDate":"{birth}"{extra}}}}}"#
            )
        })
        .collect();
    let bundle = format!(
        r#"{{"resourceType":"Bundle","type":"collection","entry":[{}]}}"#,
        entries.join(",")
    );
    let mut report = fhir::ImportReport::default();
    fhir::Importer::new(&app.db, org.id, &app.settings.secret_key)
        .import_bundle_text(std::path::Path::new("patients.json"), &bundle, &mut report)
        .await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
}

/// The staff page of the patient with this name.
pub async fn patient_page(app: &TestApp, org: &Organization, family: &str, given: &str) -> String {
    let scope = StaffScope::new(org.id, StaffId::new(), Role::FrontDesk);
    let query = PatientQuery::Name {
        family: family.into(),
        given: Some(given.into()),
    };
    let found = app
        .db
        .search_patients(&scope, &query, &RequestOrigin::default())
        .await
        .unwrap();
    format!("/staff/patients/{}", found[0].id)
}

/// A browser of the patient's own, separate from the staff member's `app.client`.
pub fn patient_browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .unwrap()
}

/// Invites the patient whose staff page is `page` with a printed code (the front desk is
/// signed in on `app.client`) and reads the code off the letter.
pub async fn printed_code(app: &TestApp, page: &str) -> String {
    let letter = app
        .client
        .post(app.url(&format!("{page}/invite")))
        .form(&[("channel", "printed-code")])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    letter
        .split("<p class=\"code\"")
        .nth(1)
        .and_then(|r| r.split('>').nth(1))
        .and_then(|r| r.split('<').next())
        .expect("a code on the letter")
        .to_owned()
}

/// Types the code on `/activate` in the patient's browser; the bot check is answered as the
/// page's script would.
pub async fn activate(app: &TestApp, patient: &reqwest::Client, code: &str) -> reqwest::Response {
    let page = patient
        .get(app.url("/activate"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut form = vec![("code", code.to_owned()), ("website", String::new())];
    form.extend(solve_bot_check(&page));
    patient
        .post(app.url("/activate"))
        .form(&form)
        .send()
        .await
        .unwrap()
}

pub const PATIENT_PASSWORD: &str = "maple syrup on tuesday mornings";

/// Takes an imported patient (family name Rivera) from a printed invitation, made by the
/// front desk signed in on `app.client`, to an active account `username` with
/// [`PATIENT_PASSWORD`]. `birth` is (month, day, year); the access code is the birth year.
/// Answers the patient's browser, signed in.
pub async fn enrolled_patient(
    app: &TestApp,
    org: &Organization,
    given: &str,
    birth: (&str, &str, &str),
    username: &str,
) -> reqwest::Client {
    use reqwest::StatusCode;
    let page = patient_page(app, org, "Rivera", given).await;
    let code = printed_code(app, &page).await;
    let patient = patient_browser();
    let opened = activate(app, &patient, &code).await;
    assert_eq!(opened.status(), StatusCode::SEE_OTHER);
    finish_enrollment(app, &patient, (given, "Rivera"), birth, username).await;
    patient
}

/// Takes the patient's browser, with an invitation open, through the steps to an active
/// account `username` with [`PATIENT_PASSWORD`]; the access code is the birth year (no step
/// of its own).
pub async fn finish_enrollment(
    app: &TestApp,
    patient: &reqwest::Client,
    names: (&str, &str),
    birth: (&str, &str, &str),
    username: &str,
) {
    enroll_up_to_terms(app, patient, names, birth, username).await;
    let done = accept_terms_step(app, patient).await;
    assert_eq!(
        done.status(),
        reqwest::StatusCode::SEE_OTHER,
        "/enroll/terms"
    );
}

/// Takes the patient's browser, with an invitation open, through the identity and credentials
/// steps (username `username`, [`PATIENT_PASSWORD`]; the access code is the birth year), up to
/// the terms step.
pub async fn enroll_up_to_terms(
    app: &TestApp,
    patient: &reqwest::Client,
    (given, family): (&str, &str),
    birth: (&str, &str, &str),
    username: &str,
) {
    use reqwest::StatusCode;
    let steps: [(&str, Vec<(&str, &str)>); 2] = [
        (
            "/enroll/identity",
            vec![
                ("given", given),
                ("family", family),
                ("birth_month", birth.0),
                ("birth_day", birth.1),
                ("birth_year", birth.2),
            ],
        ),
        (
            "/enroll/credentials",
            vec![
                ("username", username),
                ("password", PATIENT_PASSWORD),
                ("confirmation", PATIENT_PASSWORD),
            ],
        ),
    ];
    for (path, form) in steps {
        let response = patient
            .post(app.url(path))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert!(
            matches!(response.status(), StatusCode::SEE_OTHER | StatusCode::OK),
            "{path}: {}",
            response.status()
        );
    }
}

/// Opens the terms step in `patient`'s browser and accepts what it shows.
pub async fn accept_terms_step(app: &TestApp, patient: &reqwest::Client) -> reqwest::Response {
    let terms = patient
        .get(app.url("/enroll/terms"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    patient
        .post(app.url("/enroll/terms"))
        .form(&terms_acceptance(&terms))
        .send()
        .await
        .unwrap()
}
/// The bot check of the form in `html`, answered the way the page's script does: trying
/// 0, 1, 2, ... until SHA-256(salt followed by the number) is the challenge. Returns the two
/// form fields to send.
pub fn solve_bot_check(html: &str) -> Vec<(&'static str, String)> {
    let number = solve_challenge(
        &attribute(html, "data-salt"),
        &attribute(html, "data-challenge"),
        attribute(html, "data-max").parse().expect("a maximum"),
    );
    vec![
        ("bot_check", bot_token(html)),
        ("bot_solution", number.to_string()),
    ]
}

/// The number in `0..=max` whose SHA-256 of `salt` followed by it in decimal is `challenge`
/// (hex): the proof of work, as the page's script (or an app) finds it.
pub fn solve_challenge(salt: &str, challenge: &str, max: u64) -> u64 {
    use sha2::{Digest, Sha256};
    let challenge = hex::decode(challenge).expect("a hex challenge");
    (0..=max)
        .find(|n| Sha256::digest(format!("{salt}{n}")).as_slice() == challenge.as_slice())
        .expect("the number is in range")
}

/// The bot check of the form in `html` left unanswered, as a browser without JavaScript
/// sends it.
pub fn unsolved_bot_check(html: &str) -> Vec<(&'static str, String)> {
    vec![
        ("bot_check", bot_token(html)),
        ("bot_solution", String::new()),
    ]
}

/// The signed challenge token the form in `html` carries.
pub fn bot_token(html: &str) -> String {
    attribute(html, "name=\"bot_check\" value")
}

/// The value of the hidden field `name` of a form in `html`.
pub fn hidden<'a>(html: &'a str, name: &str) -> &'a str {
    let start = format!("name=\"{name}\" value=\"");
    html.split(&start)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("no hidden {name} in the page: {html}"))
}

/// The terms page `html` answered with both boxes ticked: the versions and the language it
/// showed go back with the acceptance.
pub fn terms_acceptance(html: &str) -> Vec<(&'static str, &str)> {
    let mut form = vec![("accept_terms", "on"), ("accept_privacy", "on")];
    form.extend(
        ["terms_version", "privacy_version", "lang"].map(|name| (name, hidden(html, name))),
    );
    form
}

fn attribute(html: &str, name: &str) -> String {
    let start = format!("{name}=\"");
    html.split(&start)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("no {name} in the page: {html}"))
        .to_owned()
}

/// The open security events of the organization, as its security officer sees them.
pub async fn open_security_events(
    app: &TestApp,
    org: &Organization,
) -> Vec<storage::SecurityEvent> {
    let officer = format!("officer{}", uuid::Uuid::now_v7().simple());
    let officer = add_staff(app, org.id, &officer, Role::SecurityOfficer).await;
    let scope = domain::StaffScope::new(org.id, officer, Role::SecurityOfficer);
    app.db.open_security_events(&scope).await.unwrap()
}

/// A patient's browser that asks for Spanish (Accept-Language), with no language chosen.
pub fn spanish_browser() -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::ACCEPT_LANGUAGE,
        reqwest::header::HeaderValue::from_static("es-MX,es;q=0.9,en;q=0.5"),
    );
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .default_headers(headers)
        .build()
        .unwrap()
}

/// The page at `path` in `browser`, which must answer 200.
pub async fn page_text(browser: &reqwest::Client, app: &TestApp, path: &str) -> String {
    let response = browser.get(app.url(path)).send().await.unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::OK, "{path}");
    response.text().await.unwrap()
}

/// Imports one collection bundle of `resources` (FHIR JSON texts), each entry under
/// `urn:uuid:` and the resource's id; the import must succeed.
pub async fn import_resources(app: &TestApp, org: &Organization, resources: &[String]) {
    let entries: Vec<String> = resources
        .iter()
        .enumerate()
        .map(|(n, resource)| {
            let json: serde_json::Value =
                serde_json::from_str(resource).unwrap_or_else(|e| panic!("{e}: {resource}"));
            let id = json["id"]
                .as_str()
                .map_or_else(|| format!("entry-{n}"), str::to_owned);
            format!(r#"{{"fullUrl":"urn:uuid:{id}","resource":{resource}}}"#)
        })
        .collect();
    let bundle = format!(
        r#"{{"resourceType":"Bundle","type":"collection","entry":[{}]}}"#,
        entries.join(",")
    );
    let mut report = fhir::ImportReport::default();
    fhir::Importer::new(&app.db, org.id, &app.settings.secret_key)
        .import_bundle_text(std::path::Path::new("record.json"), &bundle, &mut report)
        .await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
}

/// Imports files of the shared Synthea bundles (`patient-02.json`...); the import must
/// succeed.
pub async fn import_synthea(app: &TestApp, org: &Organization, files: &[&str]) {
    let paths: Vec<std::path::PathBuf> = files
        .iter()
        .map(|file| crate::harness::synthea_dir().join(file))
        .collect();
    let report = fhir::Importer::new(&app.db, org.id, &app.settings.secret_key)
        .import_paths(&paths)
        .await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
}

/// Signs in the imported Synthea patient `(given, family)` born `birth` (month, day, year)
/// through a printed invitation; the front desk is signed in on `app.client`.
pub async fn enrolled_synthea_patient(
    app: &TestApp,
    org: &Organization,
    names: (&str, &str),
    birth: (&str, &str, &str),
    username: &str,
) -> reqwest::Client {
    let page = patient_page(app, org, names.1, names.0).await;
    let code = printed_code(app, &page).await;
    let patient = patient_browser();
    assert_eq!(
        activate(app, &patient, &code).await.status(),
        reqwest::StatusCode::SEE_OTHER
    );
    finish_enrollment(app, &patient, names, birth, username).await;
    patient
}

/// The text of `page` from `from` up to `to` (the whole rest when `to` is absent); `from`
/// must be there.
pub fn between<'a>(page: &'a str, from: &str, to: &str) -> &'a str {
    let start = page
        .find(from)
        .unwrap_or_else(|| panic!("{from} in {page}"));
    let rest = &page[start..];
    rest.find(to).map_or(rest, |end| &rest[..end])
}

/// Asserts that `texts` appear in `page` in this order.
pub fn in_order(page: &str, texts: &[&str]) {
    let mut from = 0;
    for text in texts {
        let at = page[from..]
            .find(text)
            .unwrap_or_else(|| panic!("{text} after {from} in {page}"));
        from += at + text.len();
    }
}

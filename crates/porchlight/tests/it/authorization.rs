//! The authorization matrix: every route of the pages and the API has a rule saying whose data
//! it serves, and the routes that serve a patient's record are tried by everyone who must not
//! read it (another patient, another practice's staff, a client without a session). Every
//! route that reads or changes a record leaves a row in the audit log.
//!
//! A route added without a rule fails [`every_route_has_a_rule`]: give it one in [`RULES`].

use std::collections::BTreeSet;

use domain::{PatientId, Role, StaffScope};
use reqwest::StatusCode;
use storage::{NoticedEvent, Organization, RequestOrigin};
use uuid::Uuid;

use crate::{
    fixtures::{
        STAFF_PASSWORD, activate, add_staff, clinic, enrolled_patient, finish_enrollment,
        import_patients, patient_browser, patient_page, printed_code, sign_in,
    },
    harness::{TestApp, each_backend},
};

/// Whose data a route serves, and so who may have it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    /// Anyone: the landing page, sign-in and recovery forms, opening an invitation by code,
    /// static files, health and metrics. No patient's data.
    Public,
    /// Ends the caller's own session: nothing to take from anyone else. Tried without a
    /// session only (it would end the other parties' sessions).
    SignOut,
    /// Anyone holding the token of an emailed link or alert (`/reset/{token}`,
    /// `/enroll/{token}`, `/not-me/{token}`); a guessed token gets nothing.
    LinkToken,
    /// A step of an enrollment session: the invited chart is compared, never shown.
    Enrollment,
    /// The signed-in patient's account, not their record: terms, devices, the welcome page.
    PatientAccount,
    /// The signed-in patient's own record (PHI): audited.
    PatientOwn,
    /// A patient of the staff member's practice, named in the path or found by the route
    /// (PHI: names, birth dates, MRNs, email addresses, usernames): audited.
    StaffPatient,
    /// The practice's security events: usernames and addresses, never the chart (the
    /// evidence is kept without PHI); resolving one is audited.
    StaffSecurity,
    /// The practice's settings and counts: no patient's data.
    StaffOrganization,
    /// The signed-in staff member's own sign-in settings: no patient's data.
    StaffAccount,
}

impl Rule {
    /// Whether the route reads or changes a patient's record, and so must be audited.
    fn phi(self) -> bool {
        matches!(self, Rule::PatientOwn | Rule::StaffPatient)
    }
}

use Rule::*;

/// Every route of `web::PAGE_ROUTES` and `web::API_ROUTES`, with its rule.
const RULES: &[(&str, &str, Rule)] = &[
    // Pages.
    ("get", "/", Public),
    ("get", "/help", Public),
    ("get", "/text-size/{size}", Public),
    ("get", "/help/{article}", Public),
    ("get", "/static/help/{picture}", Public),
    ("get", "/activate", Public),
    ("post", "/activate", Public),
    ("get", "/enroll/start", Public),
    ("post", "/enroll/start", Public),
    ("get", "/enroll/identity", Enrollment),
    ("post", "/enroll/identity", Enrollment),
    ("get", "/enroll/access-code", Enrollment),
    ("post", "/enroll/access-code", Enrollment),
    ("get", "/enroll/credentials", Enrollment),
    ("post", "/enroll/credentials", Enrollment),
    ("get", "/enroll/terms", Enrollment),
    ("post", "/enroll/terms", Enrollment),
    ("get", "/welcome", PatientAccount),
    ("get", "/not-me/{token}", LinkToken),
    ("post", "/not-me/{token}", LinkToken),
    ("get", "/sign-in", Public),
    ("post", "/sign-in", Public),
    ("get", "/sign-in/code", Public),
    ("post", "/sign-in/code", Public),
    ("post", "/sign-in/code/resend", Public),
    ("post", "/sign-out", SignOut),
    ("get", "/account", PatientAccount),
    ("get", "/account/confirm", PatientAccount),
    ("post", "/account/confirm", PatientAccount),
    ("get", "/account/two-step/app", PatientAccount),
    ("post", "/account/two-step/app", PatientAccount),
    ("post", "/account/two-step/email", PatientAccount),
    ("post", "/account/two-step/recovery-codes", PatientAccount),
    ("post", "/account/two-step/off", PatientAccount),
    ("get", "/account/password", PatientAccount),
    ("post", "/account/password", PatientAccount),
    ("get", "/account/email", PatientOwn),
    ("post", "/account/email", PatientOwn),
    ("get", "/account/email/confirm/{token}", LinkToken),
    ("post", "/account/email/confirm/{token}", LinkToken),
    ("post", "/account/notifications", PatientAccount),
    ("post", "/account/language", PatientAccount),
    ("get", "/account/profile", PatientOwn),
    ("post", "/account/profile", PatientOwn),
    ("post", "/account/passkeys/options", PatientAccount),
    ("post", "/account/passkeys", PatientAccount),
    ("post", "/account/passkeys/{passkey}/remove", PatientAccount),
    ("post", "/sign-in/passkey/options", Public),
    ("post", "/sign-in/passkey", Public),
    ("get", "/forgot", Public),
    ("post", "/forgot", Public),
    ("get", "/reset/{token}", LinkToken),
    ("post", "/reset/{token}", LinkToken),
    ("get", "/home", PatientOwn),
    ("get", "/record", PatientAccount),
    ("get", "/record-access", PatientOwn),
    ("get", "/messages", PatientOwn),
    ("get", "/messages/new", PatientAccount),
    ("post", "/messages/new", PatientOwn),
    ("get", "/messages/files/{attachment}", PatientOwn),
    ("get", "/messages/{thread}", PatientOwn),
    ("post", "/messages/{thread}/reply", PatientOwn),
    ("get", "/results", PatientOwn),
    ("get", "/results/{result}", PatientOwn),
    ("get", "/medicines", PatientOwn),
    ("get", "/allergies", PatientOwn),
    ("get", "/conditions", PatientOwn),
    ("get", "/immunizations", PatientOwn),
    ("get", "/visits", PatientOwn),
    ("get", "/visits/{visit}", PatientOwn),
    ("get", "/procedures", PatientOwn),
    ("get", "/care-plans", PatientOwn),
    ("get", "/record/download", PatientAccount),
    ("get", "/record/download/file", PatientOwn),
    ("get", "/record/summary", PatientOwn),
    ("get", "/devices", PatientAccount),
    ("post", "/devices/sign-out-others", PatientAccount),
    ("get", "/terms/update", PatientAccount),
    ("post", "/terms/update", PatientAccount),
    ("get", "/manifest.webmanifest", Public),
    ("get", "/static/icon.svg", Public),
    ("get", "/enroll/{token}", LinkToken),
    ("post", "/enroll/{token}", LinkToken),
    ("get", "/staff", StaffPatient),
    ("get", "/staff/sign-in", Public),
    ("post", "/staff/sign-in", Public),
    ("get", "/staff/sign-in/code", Public),
    ("post", "/staff/sign-in/code", Public),
    ("post", "/staff/sign-out", SignOut),
    ("get", "/staff/account", StaffAccount),
    ("get", "/staff/account/confirm", StaffAccount),
    ("post", "/staff/account/confirm", StaffAccount),
    ("get", "/staff/account/two-step/app", StaffAccount),
    ("post", "/staff/account/two-step/app", StaffAccount),
    (
        "post",
        "/staff/account/two-step/recovery-codes",
        StaffAccount,
    ),
    ("post", "/staff/account/two-step/off", StaffAccount),
    ("get", "/staff/policy", StaffOrganization),
    ("post", "/staff/policy", StaffOrganization),
    ("get", "/staff/terms", StaffOrganization),
    ("post", "/staff/terms", StaffOrganization),
    ("get", "/staff/enrollment", StaffOrganization),
    ("get", "/api/openapi.json", Public),
    ("get", "/staff/review", StaffPatient),
    ("get", "/staff/review/{item}", StaffPatient),
    ("post", "/staff/review/{item}/unlock", StaffPatient),
    ("post", "/staff/review/{item}/close", StaffPatient),
    ("get", "/support", Public),
    ("post", "/support", Public),
    ("get", "/staff/support", StaffOrganization),
    ("get", "/staff/support/{support}", StaffOrganization),
    ("post", "/staff/support/{support}/status", StaffOrganization),
    ("post", "/staff/support/{support}/note", StaffOrganization),
    ("get", "/staff/contact-changes", StaffPatient),
    (
        "post",
        "/staff/contact-changes/{request}/close",
        StaffPatient,
    ),
    ("get", "/staff/mailbox", StaffPatient),
    ("get", "/staff/messages", StaffPatient),
    ("get", "/staff/messages/events", StaffOrganization),
    ("get", "/staff/messages/settings", StaffOrganization),
    ("post", "/staff/messages/settings", StaffOrganization),
    ("post", "/staff/messages/templates", StaffOrganization),
    (
        "post",
        "/staff/messages/templates/{template}/remove",
        StaffOrganization,
    ),
    ("get", "/staff/messages/files/{attachment}", StaffPatient),
    ("get", "/staff/messages/{thread}", StaffPatient),
    ("post", "/staff/messages/{thread}/reply", StaffPatient),
    ("post", "/staff/messages/{thread}/assign", StaffPatient),
    ("post", "/staff/messages/{thread}/note", StaffPatient),
    ("post", "/staff/messages/{thread}/close", StaffPatient),
    ("get", "/staff/security", StaffPatient),
    ("get", "/staff/security/events/{event}", StaffSecurity),
    (
        "post",
        "/staff/security/events/{event}/resolve",
        StaffSecurity,
    ),
    ("get", "/staff/patients/{patient}", StaffPatient),
    ("post", "/staff/patients/{patient}/invite", StaffPatient),
    ("post", "/staff/patients/{patient}/revoke", StaffPatient),
    ("get", "/staff/patients/{patient}/reset-code", StaffPatient),
    ("post", "/staff/patients/{patient}/reset-code", StaffPatient),
    ("get", "/reset-code", Public),
    ("post", "/reset-code", Public),
    ("get", "/static/portal.css", Public),
    ("get", "/static/bot-check.js", Public),
    ("get", "/static/passkey.js", Public),
    ("get", "/static/enroll-credentials.js", Public),
    ("get", "/static/print.js", Public),
    ("get", "/static/staff-messages.js", Public),
    ("get", "/language/{code}", Public),
    ("get", "/healthz", Public),
    ("get", "/readyz", Public),
    ("get", "/metrics", Public),
    // The API.
    ("get", "/api/v1/bot-check/challenge", Public),
    ("get", "/api/v1/enrollment", Enrollment),
    ("post", "/api/v1/enrollment/activate", Public),
    ("post", "/api/v1/enrollment/link", Public),
    ("post", "/api/v1/enrollment/identity", Enrollment),
    ("post", "/api/v1/enrollment/access-code", Enrollment),
    ("post", "/api/v1/enrollment/credentials", Enrollment),
    ("get", "/api/v1/enrollment/terms", Enrollment),
    ("post", "/api/v1/enrollment/terms", Enrollment),
    ("get", "/api/v1/enrollment/self", Public),
    ("post", "/api/v1/enrollment/self", Public),
    ("post", "/api/v1/session", Public),
    ("post", "/api/v1/session/code", Public),
    ("delete", "/api/v1/session", SignOut),
    ("get", "/api/v1/me", PatientOwn),
    ("get", "/api/v1/me/terms", PatientAccount),
    ("post", "/api/v1/me/terms", PatientAccount),
    ("get", "/api/v1/enrollment/funnel", StaffOrganization),
    ("get", "/api/v1/patients", StaffPatient),
    ("get", "/api/v1/patients/{patient}", StaffPatient),
    (
        "post",
        "/api/v1/patients/{patient}/invitations",
        StaffPatient,
    ),
    (
        "delete",
        "/api/v1/patients/{patient}/invitations/current",
        StaffPatient,
    ),
    ("get", "/api/v1/review-items", StaffPatient),
    ("get", "/api/v1/review-items/{item}", StaffPatient),
    ("post", "/api/v1/review-items/{item}/unlock", StaffPatient),
    ("post", "/api/v1/review-items/{item}/close", StaffPatient),
    ("get", "/api/v1/enrollment-policy", StaffOrganization),
    ("put", "/api/v1/enrollment-policy", StaffOrganization),
    ("get", "/api/v1/terms", StaffOrganization),
    ("post", "/api/v1/terms", StaffOrganization),
];

/// The routes that find patients take this search (a prefix of B's family name: the page
/// repeats the query, which must not count as B's data).
const SEARCH: &str = "Quintan";

/// Patient B, whose data nobody but B and B's practice may see.
const B_GIVEN: &str = "Marisol";
const B_FAMILY: &str = "Quintanilla";
const B_MRN: &str = "MRN-Q-4471";
const B_USERNAME: &str = "marisol.q";
const B_EMAIL: &str = "marisol.q@example.org";

/// B's identifying data in the forms the pages and the API show it.
const B_MARKERS: &[&str] = &[
    B_GIVEN,
    B_FAMILY,
    B_MRN,
    B_USERNAME,
    B_EMAIL,
    "1987-03-14",
    "03/14/1987",
    "March 14, 1987",
];

fn markers_in(body: &str) -> Vec<&'static str> {
    B_MARKERS
        .iter()
        .copied()
        .filter(|marker| body.contains(marker))
        .collect()
}

/// Who asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Party {
    /// Patient A, signed in.
    OtherPatient,
    /// An administrator of another practice, signed in to its console.
    OtherPractice,
    /// A client without cookies.
    Anonymous,
    /// Patient B, signed in: the positive control of B's own routes.
    Owner,
    /// An administrator of B's practice: the positive control of the staff routes.
    Practice,
}

const REFUSED: [Party; 3] = [Party::OtherPatient, Party::OtherPractice, Party::Anonymous];

/// What a route's path parameters are filled with.
#[derive(Debug, Clone, Copy)]
struct Targets {
    patient: PatientId,
    item: Uuid,
    event: Uuid,
    /// One of B's test results.
    result: Uuid,
    /// One of B's visits.
    visit: Uuid,
    /// B's open request to change her phone number.
    request: Uuid,
    /// B's conversation with the practice, and the picture she sent in it.
    thread: Uuid,
    attachment: Uuid,
}

/// Practice "maple" with patients A (Lucia Rivera) and B (Marisol Quintanilla), both
/// enrolled and signed in, and two more charts (Tomas Cruz, Ines Duarte) for the audit test's
/// invitations; practice "oak" with its own administrator.
struct World {
    org: Organization,
    /// Staff-side reads that are not requests under test.
    scope: StaffScope,
    a: reqwest::Client,
    b: reqwest::Client,
    /// Oak's administrator.
    other: reqwest::Client,
    a_id: PatientId,
    b_id: PatientId,
    c_id: PatientId,
    d_id: PatientId,
    /// B's open review item (a mistyped birth date while enrolling) and a security event
    /// about B's account.
    b_targets: Targets,
}

impl World {
    async fn build(app: &TestApp) -> Self {
        let org = clinic(app).await;
        // The practice's administrator, on `app.client`: every staff route is hers.
        add_staff(app, org.id, "ada", Role::Administrator).await;
        let signed_in = sign_in(app, &org, "ada", STAFF_PASSWORD).await;
        assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
        let b_extra = format!(
            r#","identifier":[{{"type":{{"coding":[{{"code":"MR"}}]}},"value":"{B_MRN}"}}],"telecom":[{{"system":"email","value":"{B_EMAIL}"}}]"#
        );
        import_patients(
            app,
            &org,
            &[
                ("pa", "Lucia", "Rivera", "1961-04-09", ""),
                ("pb", B_GIVEN, B_FAMILY, "1987-03-14", &b_extra),
                ("pc", "Tomas", "Cruz", "1975-06-02", ""),
                ("pd", "Ines", "Duarte", "1990-11-20", ""),
            ],
        )
        .await;
        let id_of =
            |page: String| PatientId::from_uuid(page.rsplit('/').next().unwrap().parse().unwrap());
        let a_id = id_of(patient_page(app, &org, "Rivera", "Lucia").await);
        let c_id = id_of(patient_page(app, &org, "Cruz", "Tomas").await);
        let d_id = id_of(patient_page(app, &org, "Duarte", "Ines").await);
        let a = enrolled_patient(app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;

        // B mistypes her birth date once (a review item of hers), then enrolls.
        let b_page = patient_page(app, &org, B_FAMILY, B_GIVEN).await;
        let b_id = id_of(b_page.clone());
        let code = printed_code(app, &b_page).await;
        let b = patient_browser();
        assert_eq!(
            activate(app, &b, &code).await.status(),
            StatusCode::SEE_OTHER
        );
        identity_attempt(app, &b, (B_GIVEN, B_FAMILY), "15").await;
        finish_enrollment(
            app,
            &b,
            (B_GIVEN, B_FAMILY),
            ("3", "14", "1987"),
            B_USERNAME,
        )
        .await;

        let oak = app
            .db
            .create_organization("oak", "Oak Family Practice", None)
            .await
            .unwrap();
        add_staff(app, oak.id, "olga", Role::Administrator).await;
        let other = patient_browser();
        let signed_in = other
            .post(app.url("/staff/sign-in"))
            .form(&[
                ("organization", "oak"),
                ("username", "olga"),
                ("password", STAFF_PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);

        // B reported a sign-in as not hers: the event names her account.
        let now = jiff::Timestamp::now();
        let evidence = serde_json::json!({"username": B_USERNAME, "address": "203.0.113.9"});
        app.db
            .notice_security_event(&NoticedEvent {
                organization: org.id,
                kind: "not-me",
                subject: &format!("patient {B_USERNAME}"),
                evidence: &evidence.to_string(),
                now,
            })
            .await
            .unwrap();
        let scope = StaffScope::new(org.id, domain::StaffId::new(), Role::Administrator);
        let event = app
            .db
            .open_security_events(&scope)
            .await
            .unwrap()
            .into_iter()
            .find(|e| e.kind == "not-me")
            .unwrap()
            .id;

        // B asked for a reset link: the email waits in the practice's mailbox.
        let forgot = patient_browser()
            .post(app.url("/forgot"))
            .form(&[("organization", "maple"), ("key", B_USERNAME)])
            .send()
            .await
            .unwrap();
        assert_eq!(forgot.status(), StatusCode::OK);
        let mut kept = false;
        for _ in 0..100 {
            let mailbox = app
                .db
                .mailbox(&scope, 10, &RequestOrigin::default())
                .await
                .unwrap();
            if mailbox.iter().any(|m| m.to == B_EMAIL) {
                kept = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(kept, "B's reset email reaches the mailbox");

        // Enrolling closed B's item (issue 11); the matrix needs one open, as items opened
        // before that rule still are: reopen it (B's is the only item).
        app.db
            .execute_admin("UPDATE review_items SET closed_at = NULL, close_reason = NULL")
            .await
            .unwrap();
        let mut world = Self {
            org,
            scope,
            a,
            b,
            other,
            a_id,
            b_id,
            c_id,
            d_id,
            b_targets: Targets {
                patient: b_id,
                item: Uuid::nil(),
                event,
                result: Uuid::nil(),
                visit: Uuid::nil(),
                request: Uuid::nil(),
                thread: Uuid::nil(),
                attachment: Uuid::nil(),
            },
        };
        world.b_targets.item = world
            .open_items(app, b_id)
            .await
            .first()
            .copied()
            .expect("B's review item");
        world.b_targets.result = b_test_result(app, &world.org, b_id).await;
        world.b_targets.visit = b_visit(app, &world.org, b_id).await;
        world.b_targets.request = world.open_contact_change(app).await;
        (world.b_targets.thread, world.b_targets.attachment) = world.b_writes(app).await;
        world
    }

    /// B writes to her care team with a picture: her conversation and its file.
    async fn b_writes(&self, app: &TestApp) -> (Uuid, Uuid) {
        let form = reqwest::multipart::Form::new()
            .text("pool", "care-team")
            .text("subject", "My rash")
            .text("body", "It is worse today.")
            .part(
                "files",
                reqwest::multipart::Part::bytes(b"\x89PNG\r\n\x1a\n0000".to_vec())
                    .file_name("rash.png"),
            );
        let sent = self
            .b
            .post(app.url("/messages/new"))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(sent.status(), StatusCode::SEE_OTHER, "B writes");
        let scope = domain::PatientScope::new(self.org.id, self.b_id);
        let origin = RequestOrigin::default();
        let thread = app.db.patient_threads(&scope, &origin).await.unwrap()[0].id;
        let read = app
            .db
            .patient_thread(&scope, thread, &origin)
            .await
            .unwrap()
            .unwrap();
        (thread, read.messages[0].attachments[0].id)
    }

    /// B's open request to change her phone number (B asks for one when none is open).
    async fn open_contact_change(&self, app: &TestApp) -> Uuid {
        let find = || async {
            app.db
                .contact_change_queue(&self.scope, &RequestOrigin::default())
                .await
                .unwrap()
                .into_iter()
                .find(|q| q.patient == self.b_id)
                .map(|q| q.request.id)
        };
        if let Some(id) = find().await {
            return id;
        }
        let asked = self
            .b
            .post(app.url("/account/profile"))
            .form(fields("/account/profile"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            asked.status(),
            StatusCode::SEE_OTHER,
            "B asks for a new phone"
        );
        find().await.expect("B's open request")
    }

    /// The open review items of `patient`, with whether each can be unlocked, as the
    /// practice's API lists them.
    async fn review_items(&self, app: &TestApp, patient: PatientId) -> Vec<(Uuid, bool)> {
        let items: serde_json::Value = app.get("/api/v1/review-items").await.json().await.unwrap();
        items["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|item| item["patient"] == patient.to_string())
            .map(|item| {
                (
                    item["id"].as_str().unwrap().parse().unwrap(),
                    item["can_unlock"] == true,
                )
            })
            .collect()
    }

    async fn open_items(&self, app: &TestApp, patient: PatientId) -> Vec<Uuid> {
        let items = self.review_items(app, patient).await;
        items.into_iter().map(|(id, _)| id).collect()
    }

    /// The party's browser (a client shares its cookies with its clones).
    fn client(&self, app: &TestApp, party: Party) -> reqwest::Client {
        match party {
            Party::OtherPatient => self.a.clone(),
            Party::OtherPractice => self.other.clone(),
            Party::Anonymous => patient_browser(),
            Party::Owner => self.b.clone(),
            Party::Practice => app.client.clone(),
        }
    }

    /// What a refused request must leave as it was: B's account, invitation, review items
    /// and the security event about her account.
    async fn fingerprint(&self, app: &TestApp) -> String {
        let account = app
            .db
            .patient_account(&self.scope, self.b_id)
            .await
            .unwrap();
        let invitation = app
            .db
            .live_invitation(&self.scope, self.b_id)
            .await
            .unwrap();
        let items = app.db.open_review_items(self.org.id).await.unwrap();
        let contact_changes = app
            .db
            .count_open_contact_changes(&self.scope, self.b_id)
            .await
            .unwrap();
        let event_open = app
            .db
            .open_security_events(&self.scope)
            .await
            .unwrap()
            .iter()
            .any(|e| e.id == self.b_targets.event);
        let thread = app
            .db
            .thread_counts(self.org.id, self.b_targets.thread)
            .await
            .unwrap();
        format!("{account:?} {invitation:?} {items:?} {event_open} {contact_changes} {thread:?}")
    }
}

/// B's glucose, imported on her chart: the target of the result page.
async fn b_test_result(app: &TestApp, org: &Organization, b_id: PatientId) -> Uuid {
    let bundle = serde_json::json!({"resourceType": "Bundle", "type": "collection", "entry": [
        {"fullUrl": "urn:uuid:pb-glucose", "resource": {
            "resourceType": "Observation", "id": "pb-glucose", "status": "final",
            "category": [{"coding": [{"code": "laboratory"}]}],
            "code": {"coding": [{"system": "http://loinc.org", "code": "2345-7", "display": "Glucose"}]},
            "subject": {"reference": "Patient/pb"},
            "effectiveDateTime": "2025-01-10T09:00:00Z",
            "valueQuantity": {"value": 92, "unit": "mg/dL"}}}]});
    let mut report = fhir::ImportReport::default();
    fhir::Importer::new(&app.db, org.id, &app.settings.secret_key)
        .import_bundle_text(
            std::path::Path::new("b.json"),
            &bundle.to_string(),
            &mut report,
        )
        .await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let scope = domain::PatientScope::new(org.id, b_id);
    let results = app
        .db
        .test_results(&scope, 0, &RequestOrigin::default())
        .await
        .unwrap();
    results.groups[0].results[0].id
}

/// B's office visit, imported on her chart: the target of the visit page.
async fn b_visit(app: &TestApp, org: &Organization, b_id: PatientId) -> Uuid {
    let bundle = serde_json::json!({"resourceType": "Bundle", "type": "collection", "entry": [
        {"fullUrl": "urn:uuid:pb-visit", "resource": {
            "resourceType": "Encounter", "id": "pb-visit", "status": "finished",
            "class": {"code": "AMB"},
            "subject": {"reference": "Patient/pb"},
            "period": {"start": "2025-01-10T09:00:00Z"}}}]});
    let mut report = fhir::ImportReport::default();
    fhir::Importer::new(&app.db, org.id, &app.settings.secret_key)
        .import_bundle_text(
            std::path::Path::new("b-visit.json"),
            &bundle.to_string(),
            &mut report,
        )
        .await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let scope = domain::PatientScope::new(org.id, b_id);
    let visits = app
        .db
        .visits(&scope, 0, jiff::Timestamp::now(), &RequestOrigin::default())
        .await
        .unwrap();
    visits.past[0].id
}

/// One identity step with the birth day `day` of March 1987 or, for others, any day.
async fn identity_attempt(
    app: &TestApp,
    browser: &reqwest::Client,
    (given, family): (&str, &str),
    day: &str,
) -> StatusCode {
    browser
        .post(app.url("/enroll/identity"))
        .form(&[
            ("given", given),
            ("family", family),
            ("birth_month", "3"),
            ("birth_day", day),
            ("birth_year", "1987"),
        ])
        .send()
        .await
        .unwrap()
        .status()
}

/// An answer, read whole.
struct Answer {
    status: StatusCode,
    body: String,
}

/// The path with its parameters filled in (a fresh well-formed token for link tokens), and
/// the search for the routes that find patients.
fn fill(path: &str, targets: &Targets) -> String {
    let filled = path
        .replace("{patient}", &targets.patient.to_string())
        .replace("{item}", &targets.item.to_string())
        .replace("{event}", &targets.event.to_string())
        .replace("{result}", &targets.result.to_string())
        .replace("{visit}", &targets.visit.to_string())
        .replace("{request}", &targets.request.to_string())
        .replace("{thread}", &targets.thread.to_string())
        .replace("{attachment}", &targets.attachment.to_string())
        .replace("{template}", &Uuid::nil().to_string())
        .replace("{support}", &Uuid::nil().to_string())
        .replace("{token}", &web::session::new_token().0)
        .replace("{code}", "en");
    match path {
        "/staff" | "/api/v1/patients" => format!("{filled}?q={SEARCH}"),
        _ => filled,
    }
}

/// What an unsafe request sends: what the practice's staff would send to act on the
/// target, so that a refusal is a refusal and not a bad form; nothing for the others.
fn fields(path: &str) -> &'static [(&'static str, &'static str)] {
    match path {
        "/staff/patients/{patient}/invite" | "/api/v1/patients/{patient}/invitations" => {
            &[("channel", "printed-code")]
        }
        "/staff/patients/{patient}/reset-code" => &[("confirmed", "photo-id")],
        "/staff/review/{item}/close" | "/api/v1/review-items/{item}/close" => {
            &[("reason", "duplicate")]
        }
        "/staff/security/events/{event}/resolve" => &[("note", "Looked into it")],
        "/account/profile" => &[("phone", "555-555-0199")],
        "/account/language" => &[("language", "en")],
        "/staff/contact-changes/{request}/close" => &[("outcome", "done")],
        "/messages/new" => &[
            ("pool", "care-team"),
            ("subject", "Matrix"),
            ("body", "Hello"),
        ],
        "/messages/{thread}/reply" | "/staff/messages/{thread}/reply" => &[("body", "Hello")],
        "/staff/messages/{thread}/assign" => &[("to", "")],
        "/staff/messages/{thread}/note" => &[("note", "A note")],
        _ => &[],
    }
}

async fn send(
    app: &TestApp,
    client: &reqwest::Client,
    method: &str,
    path: &str,
    targets: &Targets,
) -> Answer {
    let url = app.url(&fill(path, targets));
    let request = match method {
        "get" => client.get(url),
        "post" => client.post(url),
        "put" => client.put(url),
        "delete" => client.delete(url),
        other => panic!("a method the table does not know: {other}"),
    };
    let request = match (method, path.starts_with("/api/")) {
        ("get", _) => request,
        (_, true) => {
            let body: serde_json::Map<String, serde_json::Value> = fields(path)
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).into()))
                .collect();
            request.json(&body)
        }
        // The message forms carry files: the browser sends them as multipart.
        (_, false) if path.ends_with("/messages/new") || path.ends_with("/reply") => {
            let form = fields(path)
                .iter()
                .fold(reqwest::multipart::Form::new(), |form, (k, v)| {
                    form.text(*k, *v)
                });
            request.multipart(form)
        }
        (_, false) => request.form(fields(path)),
    };
    let mut response = request.send().await.unwrap();
    let status = response.status();
    if path.ends_with("/events") && status.is_success() {
        // A stream that does not end: its first event is what it answers.
        let first = tokio::time::timeout(std::time::Duration::from_secs(5), response.chunk())
            .await
            .ok()
            .and_then(Result::ok)
            .flatten()
            .unwrap_or_default();
        return Answer {
            status,
            body: String::from_utf8_lossy(&first).into_owned(),
        };
    }
    Answer {
        status,
        body: response.text().await.unwrap(),
    }
}

/// The (method, path) pairs of the two route lists.
fn served() -> BTreeSet<(String, String)> {
    web::PAGE_ROUTES
        .iter()
        .chain(web::API_ROUTES)
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect()
}

#[test]
fn every_route_has_a_rule() {
    let served = served();
    assert_eq!(
        served.len(),
        web::PAGE_ROUTES.len() + web::API_ROUTES.len(),
        "a route is listed twice"
    );
    let ruled: BTreeSet<(String, String)> = RULES
        .iter()
        .map(|(m, p, _)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    assert_eq!(ruled.len(), RULES.len(), "a route has two rules");
    let without_rule: Vec<_> = served.difference(&ruled).collect();
    let without_route: Vec<_> = ruled.difference(&served).collect();
    assert!(
        without_rule.is_empty() && without_route.is_empty(),
        "routes without a rule (add them to RULES in tests/it/authorization.rs): \
         {without_rule:?}; rules without a route: {without_route:?}"
    );
}

each_backend! {
    with spawn_keeping_mail;

    async fn no_one_but_the_patient_and_her_practice_gets_her_data(app) {
        let world = World::build(&app).await;
        let targets = world.b_targets;
        let before = world.fingerprint(&app).await;
        let mut failures: Vec<String> = Vec::new();
        let mut controls = 0;

        for &(method, path, rule) in RULES {
            let route = format!("{} {path}", method.to_uppercase());
            let parties: &[Party] = if rule == SignOut { &[Party::Anonymous] } else { &REFUSED };
            for &party in parties {
                let head = app.db.audit_head().await.unwrap();
                let fingerprint = if method == "get" { None } else { Some(world.fingerprint(&app).await) };
                let answer = send(&app, &world.client(&app, party), method, path, &targets).await;
                let shown = markers_in(&answer.body);
                if !shown.is_empty() {
                    failures.push(format!("{route} as {party:?}: {} shows B's {shown:?}", answer.status));
                }
                // (The jobs worker's reads, as the system, are no request's.)
                let read: Vec<_> = app.db.audit_since(head).await.unwrap().into_iter()
                    .filter(|row| row.patient == Some(world.b_id) && row.actor_kind != "system")
                    .map(|row| row.action).collect();
                if !read.is_empty() {
                    failures.push(format!("{route} as {party:?}: audited on B's record: {read:?}"));
                }
                // A route naming B's chart, item or event answers no one else with content.
                let names_b = ["{patient}", "{item}", "{event}", "{result}", "{request}", "{thread}", "{attachment}"].iter().any(|p| path.contains(p));
                if names_b && answer.status.is_success() {
                    failures.push(format!("{route} as {party:?}: {} for B's object", answer.status));
                }
                if let Some(fingerprint) = fingerprint
                    && world.fingerprint(&app).await != fingerprint
                {
                    failures.push(format!("{route} as {party:?}: changed B's data ({})", answer.status));
                }
            }

            // The positive control: those who may, get B's data from the same request.
            let owner = match rule {
                PatientOwn => Party::Owner,
                StaffPatient | StaffSecurity => Party::Practice,
                _ => continue,
            };
            if method != "get" {
                continue;
            }
            let head = app.db.audit_head().await.unwrap();
            let answer = send(&app, &world.client(&app, owner), method, path, &targets).await;
            let audited_b = app.db.audit_since(head).await.unwrap().iter().any(|r| r.patient == Some(world.b_id));
            if answer.status != StatusCode::OK || (markers_in(&answer.body).is_empty() && !audited_b) {
                failures.push(format!("{route} as {owner:?}: {} without B's data (positive control)", answer.status));
            } else {
                controls += 1;
            }
        }

        assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
        // Nothing refused changed B's data, and the sessions used are still the parties'.
        assert_eq!(world.fingerprint(&app).await, before);
        let home = world.b.get(app.url("/home")).send().await.unwrap();
        assert_eq!(home.status(), StatusCode::OK, "B is still signed in");
        let a_home = world.a.get(app.url("/home")).send().await.unwrap().text().await.unwrap();
        assert!(a_home.contains("Hello, Lucia"), "A was signed in throughout: {a_home}");
        let oak = world.other.get(app.url("/staff")).send().await.unwrap();
        assert_eq!(oak.status(), StatusCode::OK, "oak's administrator was signed in throughout");
        let expected = RULES.iter().filter(|(method, _, rule)| {
            *method == "get" && matches!(rule, PatientOwn | StaffPatient | StaffSecurity)
        }).count();
        assert_eq!(controls, expected, "every positive control ran");
    }

    async fn every_route_that_reads_or_changes_a_record_is_audited(app) {
        let world = World::build(&app).await;
        // A's account is locked: the security page lists it, by name.
        app.db.execute_admin(&format!(
            "UPDATE patient_accounts SET locked_at = {} WHERE username = 'lucia.r'",
            jiff::Timestamp::now().as_second()
        )).await.unwrap();
        // Cruz's invitation is open in his browser: his mistakes give the review routes
        // items to unlock and close.
        let cruz = patient_browser();
        let code = printed_code(&app, &format!("/staff/patients/{}", world.c_id)).await;
        assert_eq!(activate(&app, &cruz, &code).await.status(), StatusCode::SEE_OTHER);

        let mut failures: Vec<String> = Vec::new();
        for &(method, path, rule) in RULES.iter().filter(|(_, _, rule)| rule.phi()) {
            let route = format!("{} {path}", method.to_uppercase());
            let mut targets = world.b_targets;
            // Whose record the route reads or changes (none for lists and searches).
            let mut named = match path {
                "/staff" | "/api/v1/patients" | "/staff/review" | "/api/v1/review-items"
                | "/staff/contact-changes" | "/staff/messages" => None,
                "/staff/security" => Some(world.a_id),
                _ => Some(world.b_id),
            };
            if path == "/staff/contact-changes/{request}/close" {
                // B's request open now (her own request above may have replaced the first).
                targets.request = world.open_contact_change(&app).await;
            } else if path.starts_with("/staff/messages/") {
                // B's conversation: answered, given back to the pool, noted, closed.
            } else if path.ends_with("/unlock") {
                // A locked invitation: Cruz runs out of attempts.
                while !world.review_items(&app, world.c_id).await.iter().any(|(_, unlock)| *unlock) {
                    identity_attempt(&app, &cruz, ("Tomas", "Cruz"), "1").await;
                }
                targets.item = world.review_items(&app, world.c_id).await.into_iter()
                    .find(|(_, unlock)| *unlock).unwrap().0;
                named = Some(world.c_id);
            } else if path.ends_with("/close") {
                if world.open_items(&app, world.c_id).await.is_empty() {
                    identity_attempt(&app, &cruz, ("Tomas", "Cruz"), "1").await;
                }
                targets.item = world.open_items(&app, world.c_id).await[0];
                named = Some(world.c_id);
            } else if path.ends_with("/invite") || path.ends_with("/invitations") {
                // No invitation in progress: Duarte gets a new one.
                app.db.revoke_invitation(&world.scope, world.d_id, &RequestOrigin::default()).await.unwrap();
                targets.patient = world.d_id;
                named = Some(world.d_id);
            } else if path.ends_with("/revoke") || path.ends_with("/invitations/current") {
                // An invitation in progress: Duarte's.
                if app.db.live_invitation(&world.scope, world.d_id).await.unwrap().is_none() {
                    printed_code(&app, &format!("/staff/patients/{}", world.d_id)).await;
                }
                targets.patient = world.d_id;
                named = Some(world.d_id);
            }
            let party = if rule == PatientOwn { Party::Owner } else { Party::Practice };
            let head = app.db.audit_head().await.unwrap();
            let answer = send(&app, &world.client(&app, party), method, path, &targets).await;
            let rows: Vec<_> = app.db.audit_since(head).await.unwrap().into_iter()
                .filter(|row| row.actor_kind != "system")
                .collect();
            if answer.status.is_client_error() || answer.status.is_server_error() {
                failures.push(format!("{route}: {} for the authorized party: {}", answer.status, answer.body));
            }
            match named {
                _ if rows.is_empty() => failures.push(format!("{route}: no audit row")),
                Some(patient) if !rows.iter().any(|r| r.patient == Some(patient)) => {
                    failures.push(format!("{route}: no audit row names the patient: {rows:?}"));
                }
                _ => {}
            }
        }
        assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
    }
}

//! Control characters nobody types (a NUL, an escape, DEL, C1) are refused at the edge, on
//! every text input and both databases alike: a clear 400 page in the visitor's language, or
//! the API's 422 naming the field; never a 500, and nothing written.

use reqwest::{StatusCode, header};
use serde_json::{Value, json};

use crate::{
    fixtures::{
        STAFF_PASSWORD, activate, add_staff, front_desk, import_patients, open_security_events,
        patient_browser, patient_page, printed_code, spanish_browser,
    },
    harness::{TestApp, each_backend},
};

/// The page's words, up to the apostrophe (which the page escapes).
const REFUSED: &str = "Something you typed has a character we can";
const REFUSED_ES: &str = "Algo que escribió tiene un carácter que no podemos aceptar.";
const REFUSED_JSON: &str =
    "Something you typed has a character we can't accept. Please type it again.";

/// What nobody types, percent-encoded as a browser would send it: NUL, escape, DEL, and the
/// C1 control NEL (U+0085, two bytes in UTF-8).
const CONTROLS: [&str; 4] = ["%00", "%1B", "%7F", "%C2%85"];

async fn lucia(app: &TestApp) -> storage::Organization {
    let org = front_desk(app).await;
    let email = r#","telecom":[{"system":"email","value":"lucia@example.org"}]"#;
    import_patients(app, &org, &[("p1", "Lucia", "Rivera", "1961-04-09", email)]).await;
    org
}

/// A page refused for a control character: 400, the plain words, a way back; no 500.
async fn refused_page(response: reqwest::Response, words: &str) -> String {
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let html = response.text().await.unwrap();
    assert!(html.contains(words), "{html}");
    assert!(html.contains("id=\"input-refused\""), "{html}");
    html
}

/// An API call refused for a control character in `field`: 422 and the error shape.
async fn refused_json(response: reqwest::Response, field: &str) {
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "invalid", "{body}");
    assert_eq!(body["fields"][field], REFUSED_JSON, "{body}");
}

each_backend! {
    async fn staff_searches_with_control_characters_are_refused_not_failed(app) {
        let _org = lucia(&app).await;
        let searches_before = app.db.count_audit("patient.search").await.unwrap();
        for control in CONTROLS {
            let page = app.get(&format!("/staff?q=Riv{control}era")).await;
            let html = refused_page(page, REFUSED).await;
            assert!(html.contains("lang=\"en\""), "the console is in English");
            let api = app.get(&format!("/api/v1/patients?q=Riv{control}era")).await;
            refused_json(api, "q").await;
        }
        assert_eq!(
            app.db.count_audit("patient.search").await.unwrap(),
            searches_before,
            "no search ran"
        );
        // Text that only looks unusual still searches: accents, and a tab (kept for textareas).
        let fine = app.get("/staff?q=Rivera%09").await;
        assert_eq!(fine.status(), StatusCode::OK);
        assert!(fine.text().await.unwrap().contains("Rivera, Lucia"));
        let fine = app.get("/api/v1/patients?q=Ri%C3%B1era").await;
        assert_eq!(fine.status(), StatusCode::OK);
    }

    async fn a_review_note_with_a_nul_closes_nothing(app) {
        let org = lucia(&app).await;
        let page = patient_page(&app, &org, "Rivera", "Lucia").await;
        let code = printed_code(&app, &page).await;
        let patient = patient_browser();
        assert_eq!(activate(&app, &patient, &code).await.status(), StatusCode::SEE_OTHER);
        let mismatch = patient
            .post(app.url("/enroll/identity"))
            .form(&[("given", "Lucia"), ("family", "Rivera"), ("birth_month", "4"), ("birth_day", "10"), ("birth_year", "1961")])
            .send()
            .await
            .unwrap();
        assert_eq!(mismatch.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let item = app.db.review_queue(&scope(&app, &org).await, &Default::default()).await.unwrap();
        assert_eq!(item.len(), 1);
        let item = item[0].id;

        let close = app
            .client
            .post(app.url(&format!("/staff/review/{item}/close")))
            .header(header::REFERER, app.url(&format!("/staff/review/{item}")))
            .form(&[("reason", "other"), ("note", "called\0back")])
            .send()
            .await
            .unwrap();
        let html = refused_page(close, REFUSED).await;
        assert!(html.contains(&format!("href=\"/staff/review/{item}\"")), "back to the item: {html}");
        let api = app
            .client
            .post(app.url(&format!("/api/v1/review-items/{item}/close")))
            .json(&json!({"reason": "other", "note": "called\u{1b}back"}))
            .send()
            .await
            .unwrap();
        refused_json(api, "note").await;
        let open = app.db.review_queue(&scope(&app, &org).await, &Default::default()).await.unwrap();
        assert_eq!(open.len(), 1, "the item is still open");
        assert_eq!(app.db.count_audit("review.close").await.unwrap(), 0);

        // The same note without the control character closes it, on both databases.
        let close = app
            .client
            .post(app.url(&format!("/staff/review/{item}/close")))
            .form(&[("reason", "other"), ("note", "called\nback")])
            .send()
            .await
            .unwrap();
        assert_eq!(close.status(), StatusCode::SEE_OTHER);
    }

    async fn a_security_event_note_with_a_nul_resolves_nothing(app) {
        let org = lucia(&app).await;
        for n in 1..=10 {
            let answer = patient_browser()
                .post(app.url("/sign-in"))
                .form(&[("organization", "maple"), ("username", &format!("leaked.{n}")), ("password", "a guess")])
                .send()
                .await
                .unwrap();
            assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
        }
        let events = open_security_events(&app, &org).await;
        assert_eq!(events.len(), 1, "{events:?}");
        let officer = patient_browser();
        add_staff(&app, org.id, "sam", domain::Role::SecurityOfficer).await;
        let signed_in = officer
            .post(app.url("/staff/sign-in"))
            .form(&[("organization", "maple"), ("username", "sam"), ("password", STAFF_PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
        for note in ["scanner\0traffic", "scanner\u{7f}", "\u{9b}31m"] {
            let resolve = officer
                .post(app.url(&format!("/staff/security/events/{}/resolve", events[0].id)))
                .form(&[("note", note)])
                .send()
                .await
                .unwrap();
            refused_page(resolve, REFUSED).await;
        }
        assert_eq!(open_security_events(&app, &org).await.len(), 1, "still open");
        assert_eq!(app.db.count_audit("security.resolve").await.unwrap(), 0);
    }

    async fn enrollment_fields_with_control_characters_are_refused_in_the_patient_s_language(app) {
        let org = lucia(&app).await;
        let page = patient_page(&app, &org, "Rivera", "Lucia").await;
        let code = printed_code(&app, &page).await;
        let patient = spanish_browser();
        assert_eq!(activate(&app, &patient, &code).await.status(), StatusCode::SEE_OTHER);
        for given in ["Lu\0cia", "Lucia\u{1b}", "Lu\u{85}cia"] {
            let identity = patient
                .post(app.url("/enroll/identity"))
                .form(&[("given", given), ("family", "Rivera"), ("birth_month", "4"), ("birth_day", "9"), ("birth_year", "1961")])
                .send()
                .await
                .unwrap();
            let html = refused_page(identity, REFUSED_ES).await;
            assert!(html.contains("lang=\"es\""), "{html}");
        }
        let scope = scope(&app, &org).await;
        assert!(app.db.review_queue(&scope, &Default::default()).await.unwrap().is_empty(), "no mismatch was recorded");
        // The step is still there to take, with the attempts untouched.
        let identity = patient
            .post(app.url("/enroll/identity"))
            .form(&[("given", "Lucia"), ("family", "Rivera"), ("birth_month", "4"), ("birth_day", "9"), ("birth_year", "1961")])
            .send()
            .await
            .unwrap();
        assert_eq!(identity.status(), StatusCode::SEE_OTHER);

        // A link typed with a control character in its path.
        let link = patient.get(app.url("/enroll/abc%00def")).send().await.unwrap();
        refused_page(link, REFUSED_ES).await;
    }

    async fn json_api_fields_with_control_characters_are_named_and_nothing_is_written(app) {
        let org = lucia(&app).await;
        let page = patient_page(&app, &org, "Rivera", "Lucia").await;
        let patient = page.rsplit('/').next().unwrap();
        let invite = app
            .client
            .post(app.url(&format!("/api/v1/patients/{patient}/invitations")))
            .json(&json!({"channel": "email", "email": "lucia\u{0}@example.org"}))
            .send()
            .await
            .unwrap();
        refused_json(invite, "email").await;
        assert!(app.db.jobs_of_kind("email.invitation").await.unwrap().is_empty());
        assert_eq!(app.db.count_audit("invitation.create").await.unwrap(), 0);
        // A nested field is named by its path (screened before any handler looks at the
        // body, or at who sent it); the form of the invitation page is refused too.
        let nested = app
            .client
            .put(app.url("/api/v1/enrollment-policy"))
            .json(&json!({"time_zone": {"name": "America/New_York\u{0}"}}))
            .send()
            .await
            .unwrap();
        refused_json(nested, "time_zone.name").await;
        let form = app
            .client
            .post(app.url(&format!("{page}/invite")))
            .form(&[("channel", "email"), ("email", "lucia@example.org\u{0}")])
            .send()
            .await
            .unwrap();
        refused_page(form, REFUSED).await;
        assert!(app.db.jobs_of_kind("email.invitation").await.unwrap().is_empty());
    }

    async fn an_imported_chart_with_a_control_character_is_refused_by_name(app) {
        let org = crate::fixtures::clinic(&app).await;
        let bundle = |family: &str| {
            format!(
                r#"{{"resourceType":"Bundle","type":"collection","entry":[{{"fullUrl":"urn:uuid:p1","resource":{{"resourceType":"Patient","id":"p1","name":[{{"family":"{family}","given":["Lucia"]}}],"birthDate":"1961-04-09"}}}}]}}"#
            )
        };
        for (family, code) in [(r"Riv\u0000era", "U+0000"), (r"Rivera\u001b", "U+001B"), ("Riv\u{85}era", "U+0085")] {
            let mut report = fhir::ImportReport::default();
            fhir::Importer::new(&app.db, org.id, &app.settings.secret_key)
                .import_bundle_text(std::path::Path::new("charts.json"), &bundle(family), &mut report)
                .await;
            assert_eq!(report.files_failed, 1, "{family}: {:?}", report.errors);
            let error = report.errors[0].to_string();
            assert!(
                error.starts_with("charts.json: entry 0 (urn:uuid:p1): has a control character")
                    && error.contains(code),
                "{error}"
            );
        }
        assert_eq!(app.db.count_records(Some(org.id), "Patient").await.unwrap(), 0, "nothing stored");
        // The same chart with an escaped backslash before "u0000" is text, and is stored.
        let mut report = fhir::ImportReport::default();
        fhir::Importer::new(&app.db, org.id, &app.settings.secret_key)
            .import_bundle_text(std::path::Path::new("charts.json"), &bundle(r"Rivera\\u0000"), &mut report)
            .await;
        assert!(report.errors.is_empty(), "{:?}", report.errors);
        assert_eq!(app.db.count_records(Some(org.id), "Patient").await.unwrap(), 1);
    }
}

/// A front-desk scope of the organization, for reading the queue directly.
async fn scope(app: &TestApp, org: &storage::Organization) -> domain::StaffScope {
    let staff = add_staff(
        app,
        org.id,
        &format!("reader{}", uuid::Uuid::now_v7().simple()),
        domain::Role::FrontDesk,
    )
    .await;
    domain::StaffScope::new(org.id, staff, domain::Role::FrontDesk)
}

//! Front desk invitations: by email (to the outbox) or a printed code, the policy's rules,
//! no duplicates, revoking.

use reqwest::{StatusCode, header};
use storage::Organization;

use crate::{
    fixtures::{front_desk, import_patients, patient_page},
    harness::{TestApp, each_backend},
};

/// A signed-in front desk and three patients: an adult with email, a child, and a deceased adult.
async fn setup(app: &TestApp) -> Organization {
    let org = front_desk(app).await;
    import_patients(
        app,
        &org,
        &[
            (
                "adult",
                "Lucia",
                "Rivera",
                "1961-04-09",
                r#","telecom":[{"system":"email","value":"lucia@example.org"}]"#,
            ),
            ("child", "Mateo", "Rivera", "2019-02-01", ""),
            (
                "gone",
                "Rosa",
                "Rivera",
                "1930-05-05",
                r#","deceasedDateTime":"2020-01-01T00:00:00Z""#,
            ),
        ],
    )
    .await;
    org
}

async fn page_of(app: &TestApp, org: &Organization, given: &str) -> String {
    patient_page(app, org, "Rivera", given).await
}

async fn invite(app: &TestApp, page: &str, form: &[(&str, &str)]) -> reqwest::Response {
    app.client
        .post(app.url(&format!("{page}/invite")))
        .form(form)
        .send()
        .await
        .unwrap()
}

each_backend! {
    async fn an_email_invitation_is_queued_once_and_audited(app) {
        let org = setup(&app).await;
        let page = page_of(&app, &org, "Lucia").await;
        let html = app.get(&page).await.text().await.unwrap();
        assert!(html.contains("value=\"lucia@example.org\""), "the chart's email is prefilled");
        assert!(html.contains("Not invited"));

        // An address of this test's own (the SMTP sink is shared), typed loosely.
        let local = format!("Lucia.R.{}", uuid::Uuid::new_v4().simple());
        let typed = format!(" {local}@Example.org ");
        let response = invite(&app, &page, &[("channel", "email"), ("email", typed.as_str())]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(app.db.jobs_of_kind("email.invitation").await.unwrap().len(), 1);
        let mail = app.mail.wait_for(&format!("{local}@example.org"), "Set up your").await;
        assert_eq!(mail.json["to"][0]["address"], format!("{local}@example.org"), "the edited address, checked");
        assert!(mail.text.contains(&format!("{}/enroll/", app.base_url)));
        assert_eq!(app.db.count_audit("invitation.create").await.unwrap(), 1);
        assert!(app.db.count_audit("patient.view").await.unwrap() >= 1);

        let html = app.get(&page).await.text().await.unwrap();
        assert!(html.contains("Invited (email), invited") && html.contains("Revoke the invitation"), "{html}");
        // A second invitation is not created while one is in progress.
        let again = invite(&app, &page, &[("channel", "email"), ("email", "lucia@example.org")]).await;
        assert_eq!(again.status(), StatusCode::SEE_OTHER);
        assert_eq!(app.db.jobs_of_kind("email.invitation").await.unwrap().len(), 1);

        // Revoking frees the patient for a new invitation.
        let revoke = app.client.post(app.url(&format!("{page}/revoke"))).send().await.unwrap();
        assert_eq!(revoke.status(), StatusCode::SEE_OTHER);
        assert!(app.get(&page).await.text().await.unwrap().contains("Not invited"));
        assert_eq!(app.db.count_audit("invitation.revoke").await.unwrap(), 1);
        assert_eq!(invite(&app, &page, &[("channel", "email"), ("email", "lucia@example.org")]).await.status(), StatusCode::SEE_OTHER);
        assert_eq!(app.db.jobs_of_kind("email.invitation").await.unwrap().len(), 2);
    }

    async fn a_printed_code_is_shown_once_in_a_letter(app) {
        let org = setup(&app).await;
        let page = page_of(&app, &org, "Lucia").await;
        let response = invite(&app, &page, &[("channel", "printed-code")]).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
        let letter = response.text().await.unwrap();
        let code = letter
            .split("<p class=\"code\"")
            .nth(1)
            .and_then(|rest| rest.split('>').nth(1))
            .and_then(|rest| rest.split('<').next())
            .unwrap()
            .to_owned();
        assert_eq!(code.len(), 11, "{code}");
        assert!(domain::invitation::ActivationCode::parse(&code).is_ok());
        assert!(!code.contains(['0', 'O', '1', 'I']));
        assert!(letter.contains(&format!("{}/activate", app.base_url)));
        assert!(letter.contains("Dear Lucia Rivera") && letter.contains("(555) 010-4477"));
        assert!(app.db.jobs_of_kind("email.invitation").await.unwrap().is_empty(), "no email for a printed code");
        assert!(app.get(&page).await.text().await.unwrap().contains("Invited (printed-code)"));
    }

    async fn the_policy_keeps_children_and_the_deceased_out(app) {
        let org = setup(&app).await;
        for (given, reason) in [("Mateo", "allows accounts from age 18"), ("Rosa", "recorded as deceased")] {
            let page = page_of(&app, &org, given).await;
            let html = app.get(&page).await.text().await.unwrap();
            assert!(html.contains("cannot be invited") && html.contains(reason), "{given}: {html}");
            assert!(!html.contains("Invite to the portal"));
            let response = invite(&app, &page, &[("channel", "printed-code")]).await;
            assert_eq!(response.status(), StatusCode::OK);
            assert!(!response.text().await.unwrap().contains("activation code:"), "no letter for {given}");
        }
        assert_eq!(app.db.count_audit("invitation.create").await.unwrap(), 0);
    }

    async fn a_bad_email_is_explained_next_to_its_field(app) {
        let org = setup(&app).await;
        let page = page_of(&app, &org, "Lucia").await;
        let response = invite(&app, &page, &[("channel", "email"), ("email", "lucia at example")]).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = response.text().await.unwrap();
        assert!(html.contains("id=\"email-error\">Enter an email address like name@example.com."), "{html}");
        assert!(html.contains("value=\"lucia at example\""));
        let response = invite(&app, &page, &[("channel", "carrier-pigeon")]).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(app.db.count_audit("invitation.create").await.unwrap(), 0);
    }

    async fn another_practice_s_patient_is_not_found(app) {
        let _org = setup(&app).await;
        let other = app.db.create_organization("oak", "Oak Clinic", None).await.unwrap();
        let bundle = r#"{"resourceType":"Bundle","type":"collection","entry":[{"fullUrl":"urn:uuid:x","resource":{"resourceType":"Patient","id":"x","name":[{"family":"Rivera","given":["Lucia"]}],"birthDate":"1961-04-09"}}]}"#;
        let mut report = fhir::ImportReport::default();
        fhir::Importer::new(&app.db, other.id, &app.settings.secret_key)
            .import_bundle_text(std::path::Path::new("t.json"), bundle, &mut report).await;
        let page = page_of(&app, &other, "Lucia").await;
        assert_eq!(app.get(&page).await.status(), StatusCode::NOT_FOUND);
        assert_eq!(invite(&app, &page, &[("channel", "printed-code")]).await.status(), StatusCode::NOT_FOUND);
        assert_eq!(app.get("/staff/patients/not-a-uuid").await.status(), StatusCode::BAD_REQUEST);
    }
}

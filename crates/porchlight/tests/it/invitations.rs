//! Front desk invitations: by email (to the outbox) or a printed code, the policy's rules,
//! no duplicates, revoking.

use reqwest::{StatusCode, header};
use storage::Organization;

use crate::{
    fixtures::{add_staff, front_desk, import_patients, patient_page},
    harness::{TestApp, each_backend},
    refusing_smtp::refusing_smtp,
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
        assert!(html.contains("id=\"email-error\">An email address cannot have spaces."), "{html}");
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

    async fn the_patient_page_shows_the_chart_s_phones_and_confirms_an_email_invitation(app) {
        let org = front_desk(&app).await;
        let telecom = r#","telecom":[{"system":"phone","value":"(555) 010-2000","use":"mobile"},{"system":"phone","value":"555-0100","use":"home"},{"system":"phone","value":"555-0199","use":"old"},{"system":"email","value":"ana@example.org"}]"#;
        import_patients(&app, &org, &[("ana", "Ana", "Rivera", "1972-08-14", telecom), ("ben", "Ben", "Rivera", "1969-01-05", "")]).await;
        let page = page_of(&app, &org, "Ana").await;
        let html = app.get(&page).await.text().await.unwrap();
        assert!(html.contains(r#"<a href="tel:5550102000">(555) 010-2000</a> (Mobile)"#), "{html}");
        assert!(html.contains(r#"<a href="tel:5550100">555-0100</a> (Home)"#), "{html}");
        assert!(!html.contains("555-0199"), "a number marked old is not offered");
        // The email field sits in the part the stylesheet hides while a letter is chosen.
        assert!(html.contains(r#"class="form invite-form""#) && html.contains(r#"<div class="email-fields">"#), "{html}");
        let css = app.get("/static/portal.css").await.text().await.unwrap();
        assert!(css.contains(".invite-form:has(#channel-code:checked) .email-fields { display: none; }"));
        let ben = page_of(&app, &org, "Ben").await;
        assert!(app.get(&ben).await.text().await.unwrap().contains(r#"<dd id="phones">none on the chart</dd>"#));

        let address = format!("ana.{}@example.net", uuid::Uuid::new_v4().simple());
        let response = invite(&app, &page, &[("channel", "email"), ("email", address.as_str())]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let back = response.headers()[header::LOCATION].to_str().unwrap().to_owned();
        assert_eq!(back, format!("{page}?sent=1"));
        let html = app.get(&back).await.text().await.unwrap();
        let sent = html.split(r#"id="invitation-sent"><p class="break-anywhere">"#).nth(1).and_then(|r| r.split("</p>").next()).expect("a confirmation");
        let now = jiff::Zoned::now();
        let expires = (now.clone() + jiff::SignedDuration::from_hours(24 * 14)).strftime("%B %-d, %Y").to_string();
        assert!(sent.starts_with(&format!("Invitation sent to {address} at ")), "{sent}");
        assert!(sent.contains(&now.strftime("%B %-d, %Y").to_string()) && sent.ends_with(&format!("The link works until {expires}.")), "{sent}");
        // Only right after sending.
        assert!(!app.get(&page).await.text().await.unwrap().contains("invitation-sent"));
    }

    async fn a_letter_ignores_an_email_typed_before_choosing_it(app) {
        let org = setup(&app).await;
        let page = page_of(&app, &org, "Lucia").await;
        let response = invite(&app, &page, &[("channel", "printed-code"), ("email", "someone.else@example.org"), ("save_email", "on")]).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert!(response.text().await.unwrap().contains("Your patient portal activation code"));
        let html = app.get(&page).await.text().await.unwrap();
        assert!(html.contains("<dd>lucia@example.org</dd>") && !html.contains("someone.else"), "{html}");
        assert!(app.db.jobs_of_kind("email.invitation").await.unwrap().is_empty());
    }

    async fn the_letter_says_what_will_be_asked_and_carries_a_qr_code_to_the_activation_page(app) {
        let org = setup(&app).await;
        let page = page_of(&app, &org, "Lucia").await;
        let letter = invite(&app, &page, &[("channel", "printed-code")]).await.text().await.unwrap();
        let activate = format!("{}/activate", app.base_url);
        let qr = letter.split(r#"<img src=""#).nth(1).and_then(|r| r.split('"').next()).expect("a QR code");
        assert!(qr.starts_with("data:image/svg+xml;base64,"), "{qr}");
        // The square is the activation page's address and nothing else: never the code.
        assert_eq!(qr, web::qr_data_url(&activate).unwrap(), "the QR code of {activate} alone");
        assert!(letter.contains(&format!(r#"alt="QR code that opens {activate}""#)), "{letter}");
        assert!(letter.contains("It takes about 5 minutes."));
        for asked in ["Your full name", "Your date of birth", "The activation code on this letter"] {
            assert!(letter.contains(&format!("<li>{asked}</li>")), "{asked}: {letter}");
        }
        assert!(!letter.contains("Social Security"), "the default policy asks for the birth year");
    }

    async fn the_landing_page_and_the_invitation_email_agree_on_how_long_sign_up_takes(app) {
        let org = setup(&app).await;
        let page = page_of(&app, &org, "Lucia").await;
        let address = format!("lucia.{}@example.net", uuid::Uuid::new_v4().simple());
        invite(&app, &page, &[("channel", "email"), ("email", address.as_str())]).await;
        let mail = app.mail.wait_for(&address, "Set up your").await;
        let landing = app.get("/").await.text().await.unwrap();
        // The number in "about N minutes", wherever it stands.
        let minutes = |text: &str| -> Option<String> {
            let words: Vec<String> = text.to_lowercase().split_whitespace().map(str::to_owned).collect();
            words.windows(3).find_map(|w| {
                (w[0] == "about" && w[2].starts_with("minutes")).then(|| w[1].clone())
            })
        };
        let in_email = minutes(&mail.text).expect("the email says how long it takes");
        assert_eq!(minutes(&landing), Some(in_email.clone()), "{landing}");
        assert_eq!(in_email, "5");
        let spanish = app.client.get(app.url("/")).header(header::ACCEPT_LANGUAGE, "es").send().await.unwrap().text().await.unwrap();
        assert!(spanish.contains("Toma unos 5 minutos."), "{spanish}");
    }

    async fn an_address_that_is_not_one_is_refused_with_the_reason_on_the_page_and_the_api(app) {
        let org = setup(&app).await;
        let page = page_of(&app, &org, "Lucia").await;
        let patient = page.rsplit('/').next().unwrap();
        // The issue's probe: quotes and angle brackets after a real-looking address.
        let probe = "probe@example.org'x<'\">y";
        let response = invite(&app, &page, &[("channel", "email"), ("email", probe)]).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = response.text().await.unwrap();
        assert!(html.contains("id=\"email-error\">An email address cannot have the character &#60;."), "{html}");
        for (typed, why) in [
            (probe, "An email address cannot have the character <."),
            ("Lucia <lucia@example.org>", "An email address cannot have spaces."),
            ("lucia@example..org", "The domain after the @ is not right"),
            ("lucia@example", "The domain after the @ needs a dot, like example.com."),
            ("lucía@example.org", "The part before the @ can have only the letters a to z"),
        ] {
            let api = app
                .client
                .post(app.url(&format!("/api/v1/patients/{patient}/invitations")))
                .json(&serde_json::json!({"channel": "email", "email": typed}))
                .send()
                .await
                .unwrap();
            assert_eq!(api.status(), StatusCode::UNPROCESSABLE_ENTITY, "{typed}");
            let body: serde_json::Value = api.json().await.unwrap();
            assert!(body["fields"]["email"].as_str().unwrap().starts_with(why), "{typed}: {body}");
        }
        assert_eq!(app.db.count_audit("invitation.create").await.unwrap(), 0);
        assert!(app.db.jobs_of_kind("email.invitation").await.unwrap().is_empty());
        assert!(app.get(&page).await.text().await.unwrap().contains("Not invited"));
    }

    async fn an_address_the_mail_server_refuses_is_shown_on_the_patient_page_and_in_the_review_queue(
        app,
        |s: &mut porchlight::settings::Settings| s.smtp_url = Some(refusing_smtp().smtp_url())
    ) {
        let org = setup(&app).await;
        let page = page_of(&app, &org, "Lucia").await;
        let address = format!("nobody.{}@example.org", uuid::Uuid::new_v4().simple());
        let response = invite(&app, &page, &[("channel", "email"), ("email", address.as_str())]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);

        let job = failed_invitation_job(&app).await;
        assert!(refusing_smtp().refused(&address), "a real SMTP conversation offered {address}");
        assert_eq!(job.attempts, 1, "a refusal is not tried again");
        assert!(job.last_error.as_deref().unwrap_or_default().contains("SMTP 550"), "{job:?}");
        assert!(job.payload.is_empty(), "the link is not kept");
        let reminder = &app.db.jobs_of_kind("email.invitation-reminder").await.unwrap()[0];
        assert_eq!(reminder.status, "done");
        assert_eq!(reminder.last_error.as_deref(), Some("cancelled: the invitation email could not be delivered"));
        assert_eq!(app.db.count_audit("invitation.undeliverable").await.unwrap(), 1);

        let html = app.get(&page).await.text().await.unwrap();
        assert!(html.contains("id=\"delivery-failed\""), "{html}");
        assert!(html.contains(&format!("Invitation email could not be delivered to {address} (")), "{html}");
        assert!(html.contains("the mail server refused the message for good (SMTP 550). Correct the address and send again."), "{html}");
        assert!(html.contains("<strong>the email could not be delivered</strong>"), "in the portal status: {html}");
        assert!(!app.get(&format!("{page}?sent=1")).await.text().await.unwrap().contains("Invitation sent to"), "no claim that it went");

        let queue = app.get("/staff/review").await.text().await.unwrap();
        assert!(queue.contains("Rivera, Lucia") && queue.contains("<td>Invitation email could not be delivered</td>"), "{queue}");
        let start = queue.find("href=\"/staff/review/").unwrap() + 6;
        let item = queue[start..].split('"').next().unwrap().to_owned();
        let item_page = app.get(&item).await.text().await.unwrap();
        assert!(item_page.contains("<strong>Why it did not go:</strong> the mail server refused the message for good (SMTP 550)."), "{item_page}");
        assert!(item_page.contains(&format!("It was sent to {address}.")), "{item_page}");
        assert!(item_page.contains("id=\"reinvite\""), "the way to correct it: {item_page}");
        let api: serde_json::Value = app.get("/api/v1/review-items").await.json().await.unwrap();
        assert_eq!(api["items"][0]["kind"], "undeliverable", "{api}");
        assert_eq!(api["items"][0]["detail"]["delivery"], "the mail server refused the message for good (SMTP 550)", "{api}");

        // A new invitation (here a letter: the refusing server would refuse any address) takes
        // its place, and the item closes.
        let letter = invite(&app, &page, &[("channel", "printed-code"), ("resend", "1")]).await;
        assert_eq!(letter.status(), StatusCode::OK);
        assert!(app.get("/staff/review").await.text().await.unwrap().contains("Nothing waits for review"));
        assert!(!app.get(&page).await.text().await.unwrap().contains("delivery-failed"));
    }

    async fn an_invitation_kept_with_an_address_mail_cannot_take_fails_where_staff_see_it(app) {
        // Invitations written before addresses were checked strictly may hold one that is
        // not an address: its email fails for good, visibly, instead of being skipped.
        let org = setup(&app).await;
        let page = page_of(&app, &org, "Lucia").await;
        let staff = add_staff(&app, org.id, "kim", domain::Role::FrontDesk).await;
        let scope = domain::StaffScope::new(org.id, staff, domain::Role::FrontDesk);
        let patient = domain::PatientId::from_uuid(page.rsplit('/').next().unwrap().parse().unwrap());
        app.db
            .create_invitation(
                &scope,
                storage::NewInvitation {
                    patient,
                    channel: domain::invitation::Channel::Email,
                    email: Some("probe@example.org'x<'\">y"),
                    token_hash: Some("0".repeat(64).as_str()),
                    code_hash: None,
                    expires_at: jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24 * 14),
                    email_link: Some(format!("{}/enroll/t", app.base_url)),
                    replaces_live: false,
                    save_email_to_chart: false,
                },
                &storage::RequestOrigin::default(),
            )
            .await
            .unwrap();
        let job = failed_invitation_job(&app).await;
        assert_eq!(job.last_error.as_deref(), Some("delivery: the recipient address is not one mail can be sent to"));
        let html = app.get(&page).await.text().await.unwrap();
        assert!(html.contains("the recipient address is not one mail can be sent to. Correct the address and send again."), "{html}");
        let queue = app.get("/staff/review").await.text().await.unwrap();
        assert!(queue.contains("<td>Invitation email could not be delivered</td>"), "{queue}");
    }
}

/// The invitation email's job, once it has failed for good (the worker runs within moments).
async fn failed_invitation_job(app: &TestApp) -> storage::JobRecord {
    for _ in 0..600 {
        let jobs = app.db.jobs_of_kind("email.invitation").await.unwrap();
        if let Some(job) = jobs.into_iter().find(|job| job.status == "failed") {
            return job;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the invitation email did not fail within a minute");
}

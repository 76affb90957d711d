//! The staff console: sign-in and its throttle, sessions, CSRF, and the scoped, audited
//! patient search.

use domain::Role;
use reqwest::{StatusCode, header};
use storage::Organization;

use crate::{
    fixtures::{
        self, STAFF_PASSWORD, add_staff, enrolled_patient, import_patients, patient_page, sign_in,
    },
    harness::{TestApp, each_backend},
};

const PASSWORD: &str = STAFF_PASSWORD;

/// The clinic with a front-desk member "dana", not signed in.
async fn clinic(app: &TestApp) -> Organization {
    let org = fixtures::clinic(app).await;
    add_staff(app, org.id, "dana", Role::FrontDesk).await;
    org
}

async fn import_patient(
    app: &TestApp,
    org: &Organization,
    id: &str,
    given: &str,
    family: &str,
    birth: &str,
    mrn: &str,
) {
    let mrn =
        format!(r#","identifier":[{{"type":{{"coding":[{{"code":"MR"}}]}},"value":"{mrn}"}}]"#);
    import_patients(app, org, &[(id, given, family, birth, &mrn)]).await;
}

/// The row of the search results that names `name`.
fn result_row<'a>(page: &'a str, name: &str) -> &'a str {
    let link = format!(">{name}</a>");
    page.split("<tr>")
        .find(|row| row.contains(&link))
        .unwrap_or_else(|| panic!("no row for {name}: {page}"))
}

/// "N patients found" of a search.
async fn found(app: &TestApp, query: &str) -> String {
    let url = format!("/staff?q={}", query.replace(' ', "+").replace(',', "%2C"));
    app.get(&url).await.text().await.unwrap()
}

each_backend! {
    async fn staff_sign_in_and_out_with_a_server_side_session(app) {
        let org = clinic(&app).await;
        // Without a session the console sends staff to sign in.
        let response = app.get("/staff").await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(response.headers()[header::LOCATION], "/staff/sign-in");

        let response = sign_in(&app, &org, "Dana", PASSWORD).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(response.headers()[header::LOCATION], "/staff");
        let cookie = response.headers()[header::SET_COOKIE].to_str().unwrap().to_owned();
        assert!(cookie.starts_with("porchlight_session="), "{cookie}");
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
        assert!(!cookie.contains("Secure"), "no Secure flag over plain HTTP");
        let token = cookie.split(';').next().unwrap().to_owned();

        let home = app.get("/staff").await;
        assert_eq!(home.status(), 200);
        assert_eq!(home.headers()[header::CACHE_CONTROL], "no-store");
        let page = home.text().await.unwrap();
        assert!(page.contains("Find a patient") && page.contains("Dana Front · Front desk"), "{page}");

        let out = app.client.post(app.url("/staff/sign-out")).send().await.unwrap();
        assert_eq!(out.status(), StatusCode::SEE_OTHER);
        // The old token is dead on the server, not only forgotten by the browser.
        let replay = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
            .get(app.url("/staff")).header(header::COOKIE, &token).send().await.unwrap();
        assert_eq!(replay.status(), StatusCode::SEE_OTHER);
    }

    async fn wrong_usernames_and_passwords_get_the_same_answer(app) {
        let org = clinic(&app).await;
        let wrong_password = sign_in(&app, &org, "dana", "not the password at all").await;
        let status = wrong_password.status();
        let wrong_password = wrong_password.text().await.unwrap();
        let unknown_user = sign_in(&app, &org, "nobody", "not the password at all").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(unknown_user.status(), StatusCode::UNAUTHORIZED);
        let unknown_user = unknown_user.text().await.unwrap();
        assert!(wrong_password.contains("That username and password do not match"));
        // Same page apart from the username echoed back into its field.
        assert_eq!(wrong_password.replace("value=\"dana\"", ""), unknown_user.replace("value=\"nobody\"", ""));
    }

    async fn repeated_failures_throttle_the_username(app) {
        let org = clinic(&app).await;
        for attempt in 1..=5 {
            let response = sign_in(&app, &org, "dana", "wrong password here").await;
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
            let page = response.text().await.unwrap();
            assert!(page.contains("do not match"), "attempt {attempt} is not throttled yet");
        }
        // Even the right password waits now, and the answer says why.
        let throttled = sign_in(&app, &org, "dana", PASSWORD).await;
        assert_eq!(throttled.status(), StatusCode::UNAUTHORIZED);
        assert!(throttled.text().await.unwrap().contains("Too many attempts"));
        assert_eq!(app.get("/staff").await.status(), StatusCode::SEE_OTHER, "not signed in");
    }

    async fn a_planted_session_id_is_replaced_at_sign_in(app) {
        let org = clinic(&app).await;
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let response = client
            .post(app.url("/staff/sign-in"))
            .header(header::COOKIE, "porchlight_session=planted-by-an-attacker")
            .form(&[("organization", org.slug.as_str()), ("username", "dana"), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        let cookie = response.headers()[header::SET_COOKIE].to_str().unwrap();
        assert!(!cookie.contains("planted-by-an-attacker"));
        let planted = client.get(app.url("/staff")).header(header::COOKIE, "porchlight_session=planted-by-an-attacker").send().await.unwrap();
        assert_eq!(planted.status(), StatusCode::SEE_OTHER);
    }

    async fn forms_posted_from_another_site_are_refused(app) {
        let org = clinic(&app).await;
        let form = [("organization", org.slug.as_str()), ("username", "dana"), ("password", PASSWORD)];
        let foreign_origin = app.client.post(app.url("/staff/sign-in"))
            .header(header::ORIGIN, "https://evil.example").form(&form).send().await.unwrap();
        assert_eq!(foreign_origin.status(), StatusCode::FORBIDDEN);
        let cross_site = app.client.post(app.url("/staff/sign-in"))
            .header("sec-fetch-site", "cross-site").form(&form).send().await.unwrap();
        assert_eq!(cross_site.status(), StatusCode::FORBIDDEN);
        let null_origin = app.client.post(app.url("/staff/sign-in"))
            .header(header::ORIGIN, "null").form(&form).send().await.unwrap();
        assert_eq!(null_origin.status(), StatusCode::FORBIDDEN);
        let same_origin = app.client.post(app.url("/staff/sign-in"))
            .header(header::ORIGIN, app.base_url.as_str()).header("sec-fetch-site", "same-origin")
            .form(&form).send().await.unwrap();
        assert_eq!(same_origin.status(), StatusCode::SEE_OTHER);
    }

    async fn patient_search_sees_only_the_own_organization_and_is_audited(app) {
        let org = clinic(&app).await;
        let other = app.db.create_organization("oak", "Oak Clinic", None).await.unwrap();
        import_patient(&app, &org, "a1", "Lucia", "Rivera", "1961-04-09", "MRN-1").await;
        import_patient(&app, &org, "a2", "Luis", "Rivera", "1990-01-02", "MRN-2").await;
        import_patient(&app, &other, "b1", "Lucia", "Rivera", "1961-04-09", "MRN-1").await;
        assert_eq!(sign_in(&app, &org, "dana", PASSWORD).await.status(), StatusCode::SEE_OTHER);
        let audits_before = app.db.count_audit("patient.search").await.unwrap();

        let page = app.get("/staff?q=rivera").await.text().await.unwrap();
        assert!(page.contains("2 patients found"), "{page}");
        assert!(page.contains("Rivera, Lucia") && page.contains("Rivera, Luis"));
        let page = app.get("/staff?q=Rivera%2C+Lu").await.text().await.unwrap();
        assert!(page.contains("2 patients found"), "{page}");
        let page = app.get("/staff?q=04%2F09%2F1961").await.text().await.unwrap();
        assert!(page.contains("1 patient found") && page.contains("04/09/1961"), "{page}");
        let page = app.get("/staff?q=mrn-2").await.text().await.unwrap();
        assert!(page.contains("1 patient found") && page.contains("Rivera, Luis"), "{page}");
        let page = app.get("/staff?q=%25").await.text().await.unwrap();
        assert!(page.contains("first two letters"), "a wildcard is not a search: {page}");

        assert_eq!(app.db.count_audit("patient.search").await.unwrap(), audits_before + 4);
    }

    async fn administrators_edit_the_enrollment_policy_with_errors_by_field(app) {
        let org = clinic(&app).await;
        add_staff(&app, org.id, "ada", Role::Administrator).await;
        assert_eq!(sign_in(&app, &org, "ada", PASSWORD).await.status(), StatusCode::SEE_OTHER);
        let page = app.get("/staff/policy").await.text().await.unwrap();
        assert!(page.contains("name=\"minimum_age\" inputmode=\"numeric\" value=\"18\""), "the default shows");

        let bad = app.client.post(app.url("/staff/policy"))
            .form(&[("minimum_age", "5"), ("invitation_days", "14"), ("attempts_allowed", "5"),
                    ("password_min_chars", "12"), ("access_code", "birth-year"),
                    ("patient_idle_minutes", "500"), ("patient_session_hours", "12"),
                    ("staff_idle_minutes", "30"), ("staff_session_hours", "12")])
            .send().await.unwrap();
        assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let page = bad.text().await.unwrap();
        assert!(page.contains("id=\"minimum_age-error\">Enter an age between 12 and 21."), "{page}");
        assert!(page.contains("Keep at least one way to invite patients"), "no channel was ticked");
        assert!(page.contains("id=\"patient_idle_minutes-error\">Enter a number of minutes between 5 and 120."), "{page}");
        assert!(page.contains("value=\"5\""), "what was typed stays in the field");
        assert_eq!(app.db.enrollment_policy(org.id).await.unwrap(), domain::policy::EnrollmentPolicy::default());

        let good = app.client.post(app.url("/staff/policy"))
            .form(&[("minimum_age", "16"), ("invitation_days", "30"), ("attempts_allowed", "3"),
                    ("password_min_chars", "14"), ("access_code", "ssn-last4"), ("printed_codes", "on"),
                    ("mrn_required", "on"), ("patient_idle_minutes", "10"), ("patient_session_hours", "2"),
                    ("staff_idle_minutes", "15"), ("staff_session_hours", "8")])
            .send().await.unwrap();
        assert_eq!(good.status(), StatusCode::SEE_OTHER);
        let policy = app.db.enrollment_policy(org.id).await.unwrap();
        assert_eq!((policy.minimum_age, policy.invitation_days, policy.attempts_allowed), (16, 30, 3));
        assert!(policy.printed_codes && !policy.email_invitations && policy.mrn_required);
        assert_eq!(policy.access_code, domain::policy::AccessCodeKind::SsnLast4);
        assert_eq!(
            (policy.patient_idle_minutes, policy.patient_session_hours, policy.staff_idle_minutes, policy.staff_session_hours),
            (10, 2, 15, 8)
        );
        assert_eq!(app.db.count_audit("policy.update").await.unwrap(), 1);
        let page = app.get("/staff/policy?saved=1").await.text().await.unwrap();
        assert!(page.contains("The policy is saved"));
    }

    async fn only_administrators_may_change_the_policy(app) {
        let org = clinic(&app).await;
        assert_eq!(sign_in(&app, &org, "dana", PASSWORD).await.status(), StatusCode::SEE_OTHER);
        assert_eq!(app.get("/staff/policy").await.status(), StatusCode::FORBIDDEN);
        let post = app.client.post(app.url("/staff/policy"))
            .form(&[("minimum_age", "13"), ("invitation_days", "14"), ("attempts_allowed", "5"),
                    ("password_min_chars", "12"), ("access_code", "none"), ("email_invitations", "on")])
            .send().await.unwrap();
        assert_eq!(post.status(), StatusCode::FORBIDDEN);
        assert_eq!(app.db.enrollment_policy(org.id).await.unwrap().minimum_age, 18);
        assert!(!app.get("/staff").await.text().await.unwrap().contains("/staff/policy"), "no link for front desk");
    }

    async fn administrators_publish_new_terms_versions(app) {
        let org = clinic(&app).await;
        add_staff(&app, org.id, "ada", Role::Administrator).await;
        assert_eq!(sign_in(&app, &org, "ada", PASSWORD).await.status(), StatusCode::SEE_OTHER);
        let page = app.get("/staff/terms").await.text().await.unwrap();
        assert!(page.contains("terms of use version 1, privacy policy version 1"), "{page}");

        let bad = app.client.post(app.url("/staff/terms"))
            .form(&[("kind", "contract"), ("summary", "short"), ("body", "")])
            .send().await.unwrap();
        assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let bad = bad.text().await.unwrap();
        for id in ["kind-error", "summary-error", "body-error", "changes-error"] {
            assert!(bad.contains(&format!("id=\"{id}\"")), "{id}: {bad}");
        }
        let published = app.client.post(app.url("/staff/terms"))
            .form(&[("kind", "privacy"), ("summary", "We now also keep a record of the devices you sign in from."),
                    ("body", "1. Everything in version 1.\n2. A list of your signed-in devices, which you can see."),
                    ("changes", "We added a list of the devices you sign in from.")])
            .send().await.unwrap();
        assert_eq!(published.status(), StatusCode::SEE_OTHER);
        assert_eq!(published.headers()[header::LOCATION], "/staff/terms?published=2");
        let page = app.get("/staff/terms?published=2").await.text().await.unwrap();
        assert!(page.contains("terms of use version 1, privacy policy version 2"), "{page}");
        assert_eq!(app.db.count_audit("terms.publish").await.unwrap(), 1);

        // Front desk may not publish.
        add_staff(&app, org.id, "fred", Role::FrontDesk).await;
        app.client.post(app.url("/staff/sign-out")).send().await.unwrap();
        sign_in(&app, &org, "fred", PASSWORD).await;
        assert_eq!(app.get("/staff/terms").await.status(), StatusCode::FORBIDDEN);
    }

    async fn the_search_list_shows_each_patient_s_portal_status(app) {
        let org = clinic(&app).await;
        assert_eq!(sign_in(&app, &org, "dana", PASSWORD).await.status(), StatusCode::SEE_OTHER);
        let email = r#","telecom":[{"system":"email","value":"oscar@example.org"}]"#;
        import_patients(&app, &org, &[
            ("p1", "Lucia", "Rivera", "1961-04-09", ""),
            ("p2", "Oscar", "Rivera", "1958-11-30", email),
            ("p3", "Marta", "Rivera", "1970-06-15", ""),
            ("p4", "Pablo", "Rivera", "1980-01-20", ""),
        ]).await;
        enrolled_patient(&app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;
        let oscar = patient_page(&app, &org, "Rivera", "Oscar").await;
        let address = format!("oscar.{}@example.net", uuid::Uuid::new_v4().simple());
        let invited = app.client.post(app.url(&format!("{oscar}/invite")))
            .form(&[("channel", "email"), ("email", address.as_str())]).send().await.unwrap();
        assert_eq!(invited.status(), StatusCode::SEE_OTHER);
        let pablo = patient_page(&app, &org, "Rivera", "Pablo").await;
        fixtures::printed_code(&app, &pablo).await;
        let revoked = app.client.post(app.url(&format!("{pablo}/revoke"))).send().await.unwrap();
        assert_eq!(revoked.status(), StatusCode::SEE_OTHER);
        let searches = app.db.count_audit("patient.search").await.unwrap();

        let page = found(&app, "rivera").await;
        assert!(page.contains("4 patients found"), "{page}");
        assert!(result_row(&page, "Rivera, Lucia").contains("<td>Active account</td>"), "{page}");
        let expires = (jiff::Zoned::now() + jiff::SignedDuration::from_hours(24 * 14)).strftime("%m/%d/%Y").to_string();
        let oscar_row = result_row(&page, "Rivera, Oscar");
        assert!(oscar_row.contains(&format!("<td>Invited by email, expires {expires}</td>")), "{oscar_row}");
        assert!(result_row(&page, "Rivera, Marta").contains("<td>Not invited</td>"), "{page}");
        assert!(result_row(&page, "Rivera, Pablo").contains("<td>Invitation cancelled</td>"), "{page}");
        // The statuses came with the search: one audited read, no read per row.
        assert_eq!(app.db.count_audit("patient.search").await.unwrap(), searches + 1);
    }

    async fn search_ignores_accents_case_and_word_order(app) {
        let org = clinic(&app).await;
        let other = app.db.create_organization("oak", "Oak Clinic", None).await.unwrap();
        import_patients(&app, &org, &[
            ("p1", "Oscar", "Rivera", "1958-11-30", ""),
            ("p2", "Lucía", "Rivera", "1961-04-09", ""),
            ("p3", "José Luis", "García", "1975-03-02", ""),
            ("p4", "María", "De la Cruz", "1990-07-07", ""),
        ]).await;
        import_patients(&app, &other, &[("q1", "Ana", "García", "1980-01-01", "")]).await;
        assert_eq!(sign_in(&app, &org, "dana", PASSWORD).await.status(), StatusCode::SEE_OTHER);
        let searches = app.db.count_audit("patient.search").await.unwrap();

        for query in ["Garcia", "GARCÍA", "garcia jose", "luis garcia", "García-José"] {
            let page = found(&app, query).await;
            assert!(page.contains("1 patient found") && page.contains("García, José Luis"), "{query}: {page}");
        }
        for query in ["rivera oscar", "oscar rivera", "Rivera, Oscar", "RIV osc"] {
            let page = found(&app, query).await;
            assert!(page.contains("1 patient found") && page.contains("Rivera, Oscar"), "{query}: {page}");
        }
        // The search box's own example.
        let page = found(&app, "Rivera, Lucia").await;
        assert!(page.contains("1 patient found") && page.contains("Rivera, Lucía"), "{page}");
        let page = found(&app, "rivera").await;
        assert!(page.contains("2 patients found"), "{page}");
        for query in ["delacruz", "de la cruz maria", "Cruz"] {
            let page = found(&app, query).await;
            assert!(page.contains("1 patient found") && page.contains("De la Cruz, María"), "{query}: {page}");
        }
        // Every word must be found: a word of nobody's name finds nobody.
        assert!(found(&app, "rivera garcia").await.contains("0 patients found"));
        assert!(found(&app, "ana garcia").await.contains("0 patients found"), "another practice's patient");
        assert_eq!(app.db.count_audit("patient.search").await.unwrap(), searches + 16);

        // Charts stored before search keys existed get theirs when the database is migrated.
        app.db.execute_admin("UPDATE patients SET search_key = NULL").await.unwrap();
        assert!(found(&app, "oscar").await.contains("0 patients found"));
        app.db.migrate().await.unwrap();
        let page = found(&app, "oscar rivera").await;
        assert!(page.contains("1 patient found"), "{page}");
        assert!(found(&app, "garcia").await.contains("1 patient found"));
    }

    async fn the_menu_links_the_mailbox_when_emails_are_kept(app, |s: &mut porchlight::settings::Settings| s.smtp_url = None) {
        let org = clinic(&app).await;
        add_staff(&app, org.id, "carl", Role::Clinician).await;
        assert_eq!(sign_in(&app, &org, "dana", PASSWORD).await.status(), StatusCode::SEE_OTHER);
        for page in ["/staff", "/staff/review", "/staff/enrollment", "/staff/account"] {
            let html = app.get(page).await.text().await.unwrap();
            assert!(html.contains("<a href=\"/staff/mailbox\">Mailbox</a>"), "{page}: {html}");
        }
        assert_eq!(app.get("/staff/mailbox").await.status(), StatusCode::OK);
        // A clinician may not read it: no link.
        app.client.post(app.url("/staff/sign-out")).send().await.unwrap();
        assert_eq!(sign_in(&app, &org, "carl", PASSWORD).await.status(), StatusCode::SEE_OTHER);
        assert!(!app.get("/staff").await.text().await.unwrap().contains("/staff/mailbox"));
    }

    async fn the_menu_has_no_mailbox_when_mail_goes_out(app) {
        let org = clinic(&app).await;
        assert_eq!(sign_in(&app, &org, "dana", PASSWORD).await.status(), StatusCode::SEE_OTHER);
        let html = app.get("/staff").await.text().await.unwrap();
        assert!(html.contains("Find a patient") && !html.contains("/staff/mailbox"), "{html}");
    }
}

//! The patient's side of enrollment: opening an invitation with a printed code or the emailed
//! link, and every way that can fail.

use reqwest::{StatusCode, header};

use crate::{
    fixtures::{
        activate, add_staff, front_desk, import_patients, patient_browser, patient_page,
        printed_code,
    },
    harness::{TestApp, each_backend},
};

/// A signed-in front desk and one adult patient; returns the patient's staff page.
pub(crate) async fn clinic_with_patient(app: &TestApp) -> String {
    let org = front_desk(app).await;
    let email = r#","telecom":[{"system":"email","value":"lucia@example.org"}]"#;
    import_patients(app, &org, &[("p", "Lucia", "Rivera", "1961-04-09", email)]).await;
    patient_page(app, &org, "Rivera", "Lucia").await
}

each_backend! {
    async fn a_printed_code_opens_the_invitation_once_typed_loosely(app) {
        let page = clinic_with_patient(&app).await;
        let code = printed_code(&app, &page).await;
        let patient = patient_browser();
        assert_eq!(patient.get(app.url("/activate")).send().await.unwrap().status(), StatusCode::OK);
        // Lower case, spaces instead of the hyphen: still the code.
        let typed = code.to_lowercase().replace('-', " ");
        let response = activate(&app, &patient, &typed).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{}", response.text().await.unwrap());
        assert_eq!(response.headers()[header::LOCATION], "/enroll/identity");
        let cookie = response.headers()[header::SET_COOKIE].to_str().unwrap();
        assert!(cookie.starts_with("porchlight_enrollment=") && cookie.contains("Path=/enroll") && cookie.contains("HttpOnly"), "{cookie}");
        assert!(app.get(&page).await.text().await.unwrap().contains("Invited (printed-code), opened"));
        assert_eq!(app.db.count_audit("invitation.open").await.unwrap(), 1);
    }

    async fn wrong_codes_get_one_answer_and_are_throttled(app) {
        let page = clinic_with_patient(&app).await;
        let code = printed_code(&app, &page).await;
        let patient = patient_browser();
        let malformed = activate(&app, &patient, "ABC").await;
        assert_eq!(malformed.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(malformed.text().await.unwrap().contains("id=\"code-error\">An activation code has 10 letters and numbers"));
        let robot = patient.post(app.url("/activate")).form(&[("code", code.as_str()), ("website", "http://spam")]).send().await.unwrap();
        assert_eq!(robot.status(), StatusCode::UNPROCESSABLE_ENTITY, "the honeypot refuses even a right code");
        for _ in 0..9 {
            let wrong = activate(&app, &patient, "ABCDE-FGHJK").await;
            assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
            assert!(wrong.text().await.unwrap().contains("could not find an invitation with that code"));
        }
        // Ten failures from this address: even the right code waits.
        let throttled = activate(&app, &patient, &code).await;
        assert!(throttled.text().await.unwrap().contains("Too many tries"));
    }

    async fn a_revoked_code_and_a_broken_link_say_what_to_do(app) {
        let page = clinic_with_patient(&app).await;
        let code = printed_code(&app, &page).await;
        app.client.post(app.url(&format!("{page}/revoke"))).send().await.unwrap();
        let patient = patient_browser();
        let revoked = activate(&app, &patient, &code).await;
        assert_eq!(revoked.status(), StatusCode::GONE);
        let text = revoked.text().await.unwrap();
        assert!(text.contains("This invitation was cancelled") && text.contains("(555) 010-4477"), "{text}");
        let broken = patient.get(app.url("/enroll/not-a-real-token")).send().await.unwrap();
        assert_eq!(broken.status(), StatusCode::GONE);
        assert!(broken.text().await.unwrap().contains("This link does not work"));
    }

    async fn the_emailed_link_opens_the_invitation(app) {
        let page = clinic_with_patient(&app).await;
        // An address of this test's own: the SMTP sink is shared.
        let address = format!("lucia.{}@example.org", uuid::Uuid::new_v4().simple());
        app.client.post(app.url(&format!("{page}/invite"))).form(&[("channel", "email"), ("email", address.as_str())]).send().await.unwrap();
        let mail = app.mail.wait_for(&address, "Set up your").await;
        let start = mail.text.find(&format!("{}/enroll/", app.base_url)).expect("a link in the email");
        let link = mail.text[start..].split_whitespace().next().unwrap();
        let patient = patient_browser();
        let response = patient.get(link).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(response.headers()[header::LOCATION], "/enroll/identity");
        assert!(app.get(&page).await.text().await.unwrap().contains("Invited (email), opened"));
    }
}

mod identity_step {
    use super::*;

    /// Opens an invitation with a printed code in a fresh patient browser.
    async fn opened(app: &TestApp) -> (reqwest::Client, String) {
        let page = clinic_with_patient(app).await;
        let code = printed_code(app, &page).await;
        let patient = patient_browser();
        assert_eq!(
            activate(app, &patient, &code).await.status(),
            StatusCode::SEE_OTHER
        );
        (patient, page)
    }

    async fn access_code(
        app: &TestApp,
        patient: &reqwest::Client,
        code: &str,
    ) -> reqwest::Response {
        patient
            .post(app.url("/enroll/access-code"))
            .form(&[("access_code", code)])
            .send()
            .await
            .unwrap()
    }

    async fn identity(
        app: &TestApp,
        patient: &reqwest::Client,
        given: &str,
        family: &str,
        mdy: (&str, &str, &str),
    ) -> reqwest::Response {
        patient
            .post(app.url("/enroll/identity"))
            .form(&[
                ("given", given),
                ("family", family),
                ("birth_month", mdy.0),
                ("birth_day", mdy.1),
                ("birth_year", mdy.2),
            ])
            .send()
            .await
            .unwrap()
    }

    each_backend! {
        async fn the_patient_confirms_identity_typed_loosely(app) {
            let (patient, page) = opened(&app).await;
            let form = patient.get(app.url("/enroll/identity")).send().await.unwrap();
            assert_eq!(form.status(), StatusCode::OK);
            assert!(form.text().await.unwrap().contains("Tell us who you are"));
            let response = identity(&app, &patient, "  LUCIA ", "rivera", ("4", "09", "1961")).await;
            assert_eq!(response.status(), StatusCode::SEE_OTHER);
            assert_eq!(response.headers()[header::LOCATION], "/enroll/access-code");
            assert!(app.get(&page).await.text().await.unwrap().contains("identity-verified"));
            assert_eq!(app.db.count_audit("enrollment.identity-verified").await.unwrap(), 1);

            // Step 2, the default access code: the year of birth.
            let ask = patient.get(app.url("/enroll/access-code")).send().await.unwrap().text().await.unwrap();
            assert!(ask.contains("The year you were born"), "{ask}");
            let malformed = access_code(&app, &patient, "61").await;
            assert_eq!(malformed.status(), StatusCode::UNPROCESSABLE_ENTITY);
            assert!(malformed.text().await.unwrap().contains("id=\"access_code-error\">Type the year with four digits"));
            let wrong = access_code(&app, &patient, "1962").await.text().await.unwrap();
            assert!(wrong.contains("The details do not match our records. Please call (555) 010-4477. You can try 4 more times."), "{wrong}");
            assert_eq!(access_code(&app, &patient, "1961").await.status(), StatusCode::SEE_OTHER);
            let next = patient.get(app.url("/enroll/access-code")).send().await.unwrap();
            assert_eq!(next.headers()[header::LOCATION], "/enroll/credentials");
            assert_eq!(app.db.count_audit("enrollment.access-code-verified").await.unwrap(), 1);
        }

        async fn the_ssn_access_code_is_checked_against_the_keyed_hash(app) {
            let org = front_desk(&app).await;
            let ssn = r#","identifier":[{"type":{"coding":[{"code":"SS"}]},"value":"999-12-3456"}]"#;
            import_patients(&app, &org, &[("p", "Lucia", "Rivera", "1961-04-09", ssn)]).await;
            let admin = add_staff(&app, org.id, "ada", domain::Role::Administrator).await;
            let scope = domain::StaffScope::new(org.id, admin, domain::Role::Administrator);
            let policy = domain::policy::EnrollmentPolicy {
                access_code: domain::policy::AccessCodeKind::SsnLast4,
                attempts_allowed: 3,
                ..Default::default()
            };
            app.db.save_enrollment_policy(&scope, &policy, &storage::RequestOrigin::default()).await.unwrap();
            let page = patient_page(&app, &org, "Rivera", "Lucia").await;
            let code = printed_code(&app, &page).await;
            let patient = patient_browser();
            activate(&app, &patient, &code).await;
            identity(&app, &patient, "Lucia", "Rivera", ("4", "9", "1961")).await;
            let ask = patient.get(app.url("/enroll/access-code")).send().await.unwrap().text().await.unwrap();
            assert!(ask.contains("Last 4 digits of your Social Security number") && ask.contains("type=\"password\""));
            let wrong = access_code(&app, &patient, "3457").await.text().await.unwrap();
            assert!(wrong.contains("You can try 2 more times."), "{wrong}");
            assert_eq!(access_code(&app, &patient, "3456").await.status(), StatusCode::SEE_OTHER);
            let next = patient.get(app.url("/enroll/access-code")).send().await.unwrap();
            assert_eq!(next.headers()[header::LOCATION], "/enroll/credentials");
        }

        async fn mismatches_get_one_message_a_review_item_and_a_lock(app) {
            let (patient, _page) = opened(&app).await;
            let wrong_date = identity(&app, &patient, "Lucia", "Rivera", ("4", "10", "1961")).await;
            assert_eq!(wrong_date.status(), StatusCode::UNPROCESSABLE_ENTITY);
            let wrong_date = wrong_date.text().await.unwrap();
            assert!(wrong_date.contains("The details do not match our records. Please call (555) 010-4477. You can try 4 more times."), "{wrong_date}");
            let wrong_name = identity(&app, &patient, "Lucy", "Rivers", ("4", "9", "1961")).await.text().await.unwrap();
            assert!(wrong_name.contains("The details do not match our records. Please call (555) 010-4477. You can try 3 more times."));
            // Staff see which field differed; the patient never does.
            let org = app.db.organization_by_slug("maple").await.unwrap().unwrap();
            let items = app.db.open_review_items(org.id).await.unwrap();
            assert_eq!(items.len(), 2);
            let first: serde_json::Value = serde_json::from_str(&items[0].1).unwrap();
            assert_eq!((first["birth_date"].as_str(), first["given"].as_str()), (Some("differed"), Some("matched")));
            assert!(!wrong_date.contains("date of birth is wrong") && !wrong_date.contains("differed"));

            for _ in 0..3 {
                identity(&app, &patient, "Lucia", "Rivera", ("1", "1", "1970")).await;
            }
            let locked = patient.get(app.url("/enroll/identity")).send().await.unwrap();
            assert_eq!(locked.status(), StatusCode::GONE);
            assert!(locked.text().await.unwrap().contains("This invitation is locked"));
            // Even the right details do nothing now, and the counter survives in the database.
            identity(&app, &patient, "Lucia", "Rivera", ("4", "9", "1961")).await;
            assert!(app.db.open_review_items(org.id).await.unwrap().iter().any(|(kind, _)| kind == "locked"));
            assert_eq!(app.db.jobs_of_kind("email.invitation-locked").await.unwrap().len(), 1);
            assert_eq!(app.db.count_audit("enrollment.identity-verified").await.unwrap(), 0);
        }

        async fn a_common_nickname_is_accepted_unless_a_twin_could_be_meant(app) {
            let org = front_desk(&app).await;
            import_patients(&app, &org, &[
                ("w", "William", "Okafor", "1950-02-03", ""),
                // Born the same day, other family names: nobody William could be taken for.
                ("s", "Bill", "Nguyen", "1950-02-03", ""),
                ("m", "Margaret", "Hale", "1972-06-15", ""),
                ("p", "Peggy", "Hale", "1972-06-15", ""),
            ]).await;
            let page = patient_page(&app, &org, "Okafor", "William").await;
            let code = printed_code(&app, &page).await;
            let patient = patient_browser();
            activate(&app, &patient, &code).await;
            let bill = identity(&app, &patient, "Bill", "Okafor", ("2", "3", "1950")).await;
            assert_eq!(bill.status(), StatusCode::SEE_OTHER);
            assert_eq!(bill.headers()[header::LOCATION], "/enroll/access-code");
            // The charts born that day were read to decide it, and the read is audited.
            assert_eq!(app.db.count_audit("patient.match").await.unwrap(), 1);

            // Margaret's twin is Peggy: "Peggy" on Margaret's invitation may be the twin.
            let page = patient_page(&app, &org, "Hale", "Margaret").await;
            let code = printed_code(&app, &page).await;
            let twin = patient_browser();
            activate(&app, &twin, &code).await;
            let peggy = identity(&app, &twin, "Peggy", "Hale", ("6", "15", "1972")).await;
            assert_eq!(peggy.status(), StatusCode::UNPROCESSABLE_ENTITY);
            assert!(peggy.text().await.unwrap().contains("The details do not match our records."));
            let items = app.db.open_review_items(org.id).await.unwrap();
            assert_eq!(items.len(), 1);
            let fields: serde_json::Value = serde_json::from_str(&items[0].1).unwrap();
            assert_eq!((fields["given"].as_str(), fields["family"].as_str()), (Some("differed"), Some("matched")));
            // Margaret herself still gets in.
            let margaret = identity(&app, &twin, "margaret", "HALE", ("6", "15", "1972")).await;
            assert_eq!(margaret.status(), StatusCode::SEE_OTHER);
        }

        async fn identity_errors_stand_next_to_their_fields(app) {
            let (patient, _page) = opened(&app).await;
            let response = identity(&app, &patient, "Lucia", "Rivera", ("2", "30", "1961")).await;
            assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
            let html = response.text().await.unwrap();
            assert!(html.contains("id=\"birth-error\">Enter a real date of birth"), "{html}");
            let html = identity(&app, &patient, "", "Rivera", ("4", "9", "1961")).await.text().await.unwrap();
            assert!(html.contains("id=\"given-error\">First name: please enter it."), "{html}");
            // Malformed input is not a failed attempt.
            let org = app.db.organization_by_slug("maple").await.unwrap().unwrap();
            assert!(app.db.open_review_items(org.id).await.unwrap().is_empty());
            // Without an opened invitation, the step sends the patient to the start.
            let stranger = patient_browser().get(app.url("/enroll/identity")).send().await.unwrap();
            assert_eq!(stranger.headers()[header::LOCATION], "/activate");
        }
    }
}

mod credentials_step {
    use super::*;

    /// Takes a patient of the clinic through steps 1 and 2 in a new browser.
    async fn at_credentials(
        app: &TestApp,
        org: &storage::Organization,
        given: &str,
        birth: (&str, &str, &str),
    ) -> reqwest::Client {
        let page = patient_page(app, org, "Rivera", given).await;
        let code = printed_code(app, &page).await;
        let patient = patient_browser();
        assert_eq!(
            activate(app, &patient, &code).await.status(),
            StatusCode::SEE_OTHER
        );
        let identity = patient
            .post(app.url("/enroll/identity"))
            .form(&[
                ("given", given),
                ("family", "Rivera"),
                ("birth_month", birth.0),
                ("birth_day", birth.1),
                ("birth_year", birth.2),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(identity.status(), StatusCode::SEE_OTHER);
        let code = patient
            .post(app.url("/enroll/access-code"))
            .form(&[("access_code", birth.2)])
            .send()
            .await
            .unwrap();
        assert_eq!(code.status(), StatusCode::SEE_OTHER);
        patient
    }

    async fn credentials(
        app: &TestApp,
        patient: &reqwest::Client,
        username: &str,
        password: &str,
        confirmation: &str,
    ) -> reqwest::Response {
        patient
            .post(app.url("/enroll/credentials"))
            .form(&[
                ("username", username),
                ("password", password),
                ("confirmation", confirmation),
            ])
            .send()
            .await
            .unwrap()
    }

    each_backend! {
        async fn the_patient_chooses_a_username_and_a_password_under_nist_rules(app) {
            let org = front_desk(&app).await;
            import_patients(&app, &org, &[
                ("p1", "Lucia", "Rivera", "1961-04-09", ""),
                ("p2", "Luis", "Rivera", "1990-01-02", ""),
            ]).await;
            let lucia = at_credentials(&app, &org, "Lucia", ("4", "9", "1961")).await;
            let form = lucia.get(app.url("/enroll/credentials")).send().await.unwrap().text().await.unwrap();
            assert!(form.contains("For example: lucia.rivera"), "{form}");

            let short = credentials(&app, &lucia, "lucia.r", "short", "shorter").await;
            assert_eq!(short.status(), StatusCode::UNPROCESSABLE_ENTITY);
            let html = short.text().await.unwrap();
            assert!(html.contains("Use at least 12 characters. Yours has 5."), "{html}");
            assert!(html.contains("value=\"lucia.r\""), "the username stays");
            let common = credentials(&app, &lucia, "lucia.r", "password123456", "password123456").await.text().await.unwrap();
            assert!(common.contains("too common"), "{common}");
            let personal = credentials(&app, &lucia, "lucia.r", "rivera family 1961 home", "rivera family 1961 home").await.text().await.unwrap();
            assert!(personal.contains("id=\"password-errors\""), "{personal}");

            let done = credentials(&app, &lucia, "Lucia.R", "maple syrup on tuesday mornings", "maple syrup on tuesday mornings").await;
            assert_eq!(done.status(), StatusCode::OK);
            assert!(done.text().await.unwrap().contains("Your username is <strong>lucia.r</strong>"));
            assert_eq!(app.db.count_audit("enrollment.credentials-set").await.unwrap(), 1);
            let again = lucia.get(app.url("/enroll/credentials")).send().await.unwrap().text().await.unwrap();
            assert!(again.contains("Your username and password are saved"));

            // A second patient cannot take the same username, in any case, and is offered free ones.
            let luis = at_credentials(&app, &org, "Luis", ("1", "2", "1990")).await;
            let taken = credentials(&app, &luis, "LUCIA.R", "a different long passphrase", "a different long passphrase").await;
            assert_eq!(taken.status(), StatusCode::UNPROCESSABLE_ENTITY);
            let html = taken.text().await.unwrap();
            assert!(html.contains("That username is taken"), "{html}");
            assert!(html.contains("Free usernames: <strong>luis.rivera</strong>"), "{html}");
            assert!(!html.contains("<strong>lucia.r</strong>"), "a taken name is never suggested");
        }

        async fn two_requests_racing_on_one_invitation_create_one_account(app) {
            let org = front_desk(&app).await;
            import_patients(&app, &org, &[("p1", "Lucia", "Rivera", "1961-04-09", "")]).await;
            let lucia = at_credentials(&app, &org, "Lucia", ("4", "9", "1961")).await;
            let password = "maple syrup on tuesday mornings";
            let first = credentials(&app, &lucia, "lucia.one", password, password);
            let second = credentials(&app, &lucia, "lucia.two", password, password);
            let (first, second) = tokio::join!(first, second);
            let statuses = [first.status(), second.status()];
            let winners = statuses.iter().filter(|s| **s == StatusCode::OK).count();
            assert_eq!(winners, 1, "exactly one request sets the credentials: {statuses:?}");
            assert!(statuses.contains(&StatusCode::SEE_OTHER), "the other is sent back: {statuses:?}");
            let taken = app.db
                .taken_usernames(org.id, &["lucia.one".to_owned(), "lucia.two".to_owned()])
                .await
                .unwrap();
            assert_eq!(taken.len(), 1, "one account: {taken:?}");
            assert_eq!(app.db.count_audit("enrollment.credentials-set").await.unwrap(), 1);
        }

        async fn accepting_the_terms_activates_the_account_and_signs_the_patient_in(app) {
            let org = front_desk(&app).await;
            import_patients(&app, &org, &[("p1", "Lucia", "Rivera", "1961-04-09", "")]).await;
            let page = patient_page(&app, &org, "Rivera", "Lucia").await;
            let lucia = at_credentials(&app, &org, "Lucia", ("4", "9", "1961")).await;
            let password = "maple syrup on tuesday mornings";
            assert_eq!(credentials(&app, &lucia, "lucia.r", password, password).await.status(), StatusCode::OK);

            let terms = lucia.get(app.url("/enroll/terms")).send().await.unwrap().text().await.unwrap();
            assert!(terms.contains("Terms of use <span class=\"version\">(version 1)</span>"), "{terms}");
            assert!(terms.contains("Privacy policy <span class=\"version\">(version 1)</span>"));
            assert!(terms.contains("not for emergencies"), "a plain summary comes first");
            let none = lucia.post(app.url("/enroll/terms")).form(&[("x", "")]).send().await.unwrap();
            assert_eq!(none.status(), StatusCode::UNPROCESSABLE_ENTITY);
            let none = none.text().await.unwrap();
            assert!(none.contains("id=\"accept_terms-error\"") && none.contains("id=\"accept_privacy-error\""));
            let half = lucia.post(app.url("/enroll/terms")).form(&[("accept_terms", "on")]).send().await.unwrap().text().await.unwrap();
            assert!(!half.contains("id=\"accept_terms-error\"") && half.contains("id=\"accept_privacy-error\""));
            assert_eq!(app.db.count_terms_acceptances(org.id).await.unwrap(), 0);

            let done = lucia.post(app.url("/enroll/terms")).form(&[("accept_terms", "on"), ("accept_privacy", "on")]).send().await.unwrap();
            assert_eq!(done.status(), StatusCode::SEE_OTHER);
            assert_eq!(done.headers()[header::LOCATION], "/welcome");
            let welcome = lucia.get(app.url("/welcome")).send().await.unwrap();
            assert_eq!(welcome.status(), StatusCode::OK);
            let welcome = welcome.text().await.unwrap();
            assert!(welcome.contains("Your account is ready and you are signed in"));
            assert!(welcome.contains("src=\"data:image/svg+xml;base64,"), "a QR code of the address");
            assert_eq!(app.db.count_terms_acceptances(org.id).await.unwrap(), 1);
            assert_eq!(app.db.jobs_of_kind("email.welcome").await.unwrap().len(), 1);
            assert_eq!(app.db.count_audit("enrollment.active").await.unwrap(), 1);
            // Staff see the account, and cannot invite again.
            let staff_view = app.get(&page).await.text().await.unwrap();
            assert!(staff_view.contains("Account active: lucia.r"), "{staff_view}");
            assert!(!staff_view.contains("Invite to the portal"));
            // A stranger is not welcomed; the manifest makes the portal installable.
            let stranger = patient_browser().get(app.url("/welcome")).send().await.unwrap();
            assert_eq!(stranger.status(), StatusCode::SEE_OTHER);
            let manifest: serde_json::Value = app.get("/manifest.webmanifest").await.json().await.unwrap();
            assert_eq!(manifest["display"], "standalone");
            assert_eq!(manifest["name"], "Maple Street Clinic Patient Portal");
        }
    }
}

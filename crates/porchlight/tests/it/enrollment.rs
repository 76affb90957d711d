//! The patient's side of enrollment: opening an invitation with a printed code or the emailed
//! link, and every way that can fail.

use reqwest::{StatusCode, header};

use crate::{
    fixtures::{
        activate, add_staff, front_desk, import_patients, patient_browser, patient_page,
        printed_code, terms_acceptance,
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
            // The default access code is the year of birth, which the date just typed proved:
            // no second screen asks it again.
            assert_eq!(response.headers()[header::LOCATION], "/enroll/credentials");
            assert!(app.get(&page).await.text().await.unwrap().contains("identity-verified"));
            assert_eq!(app.db.count_audit("enrollment.identity-verified").await.unwrap(), 1);
            let skipped = patient.get(app.url("/enroll/access-code")).send().await.unwrap();
            assert_eq!(skipped.headers()[header::LOCATION], "/enroll/credentials");
            let too_late = access_code(&app, &patient, "1962").await;
            assert_eq!(too_late.headers()[header::LOCATION], "/enroll/access-code", "nothing is checked");
            assert_eq!(app.db.count_audit("enrollment.access-code-verified").await.unwrap(), 0);
            let form = patient.get(app.url("/enroll/credentials")).send().await.unwrap();
            assert_eq!(form.status(), StatusCode::OK);
            assert!(form.text().await.unwrap().contains("<p class=\"step\">Step 2 of 3</p>"));
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
            let verified = identity(&app, &patient, "Lucia", "Rivera", ("4", "9", "1961")).await;
            assert_eq!(verified.headers()[header::LOCATION], "/enroll/access-code");
            let ask = patient.get(app.url("/enroll/access-code")).send().await.unwrap().text().await.unwrap();
            assert!(ask.contains("Last 4 digits of your Social Security number") && ask.contains("type=\"password\""));
            assert!(ask.contains("<p class=\"step\">Step 2 of 4</p>"), "{ask}");
            let malformed = access_code(&app, &patient, "34").await;
            assert_eq!(malformed.status(), StatusCode::UNPROCESSABLE_ENTITY);
            assert!(malformed.text().await.unwrap().contains("id=\"access_code-error\">Type the last four digits"));
            let wrong = access_code(&app, &patient, "3457").await.text().await.unwrap();
            assert!(wrong.contains("You can try 2 more times."), "{wrong}");
            let right = access_code(&app, &patient, "3456").await;
            assert_eq!(right.headers()[header::LOCATION], "/enroll/credentials");
            let next = patient.get(app.url("/enroll/access-code")).send().await.unwrap();
            assert_eq!(next.headers()[header::LOCATION], "/enroll/credentials");
            assert_eq!(app.db.count_audit("enrollment.access-code-verified").await.unwrap(), 1);
            let form = patient.get(app.url("/enroll/credentials")).send().await.unwrap().text().await.unwrap();
            assert!(form.contains("<p class=\"step\">Step 3 of 4</p>"), "{form}");
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
            assert_eq!(bill.headers()[header::LOCATION], "/enroll/credentials");
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

    /// Takes a patient of the clinic through step 1 in a new browser (the access code is the
    /// year of birth: no step of its own).
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
        assert_eq!(identity.headers()[header::LOCATION], "/enroll/credentials");
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
            // Straight on to the terms, which say so: no screen of its own for "saved".
            assert_eq!(done.status(), StatusCode::SEE_OTHER);
            assert_eq!(done.headers()[header::LOCATION], "/enroll/terms?saved");
            let terms = lucia.get(app.url("/enroll/terms?saved")).send().await.unwrap().text().await.unwrap();
            assert!(terms.contains("Your username and password are saved. Your username is <strong>lucia.r</strong>."), "{terms}");
            assert_eq!(app.db.count_audit("enrollment.credentials-set").await.unwrap(), 1);
            let again = lucia.get(app.url("/enroll/credentials")).send().await.unwrap();
            assert_eq!(again.headers()[header::LOCATION], "/enroll/terms");
            let later = lucia.get(app.url("/enroll/terms")).send().await.unwrap().text().await.unwrap();
            assert!(!later.contains("id=\"credentials-saved\""), "the notice follows the save only");

            // A second patient cannot take the same username, in any case, and is offered free ones.
            let luis = at_credentials(&app, &org, "Luis", ("1", "2", "1990")).await;
            let taken = credentials(&app, &luis, "LUCIA.R", "a different long passphrase", "a different long passphrase").await;
            assert_eq!(taken.status(), StatusCode::UNPROCESSABLE_ENTITY);
            let html = taken.text().await.unwrap();
            assert!(html.contains("That username is taken"), "{html}");
            assert!(html.contains("Free usernames: <strong class=\"suggestion\" data-username=\"luis.rivera\">luis.rivera</strong>"), "{html}");
            assert!(!html.contains("data-username=\"lucia.r\""), "a taken name is never suggested");
        }

        async fn two_requests_racing_on_one_invitation_create_one_account(app) {
            let org = front_desk(&app).await;
            import_patients(&app, &org, &[("p1", "Lucia", "Rivera", "1961-04-09", "")]).await;
            let lucia = at_credentials(&app, &org, "Lucia", ("4", "9", "1961")).await;
            let password = "maple syrup on tuesday mornings";
            let first = credentials(&app, &lucia, "lucia.one", password, password);
            let second = credentials(&app, &lucia, "lucia.two", password, password);
            let (first, second) = tokio::join!(first, second);
            let places = [&first, &second].map(|r| r.headers()[header::LOCATION].to_str().unwrap().to_owned());
            let winners = places.iter().filter(|p| *p == "/enroll/terms?saved").count();
            assert_eq!(winners, 1, "exactly one request sets the credentials: {places:?}");
            assert!(places.contains(&"/enroll/terms".to_owned()), "the other is sent on: {places:?}");
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
            assert_eq!(credentials(&app, &lucia, "lucia.r", password, password).await.status(), StatusCode::SEE_OTHER);

            let terms = lucia.get(app.url("/enroll/terms")).send().await.unwrap().text().await.unwrap();
            assert!(terms.contains("Terms of use <span class=\"version\">(version 1)</span>"), "{terms}");
            assert!(terms.contains("Privacy policy <span class=\"version\">(version 1)</span>"));
            assert!(terms.contains("not for emergencies"), "a plain summary comes first");
            let shown = terms_acceptance(&terms)[2..].to_vec();
            let none = lucia.post(app.url("/enroll/terms")).form(&shown).send().await.unwrap();
            assert_eq!(none.status(), StatusCode::UNPROCESSABLE_ENTITY);
            let none = none.text().await.unwrap();
            assert!(none.contains("id=\"accept_terms-error\"") && none.contains("id=\"accept_privacy-error\""));
            let half = lucia.post(app.url("/enroll/terms")).form(&[&shown[..], &[("accept_terms", "on")]].concat()).send().await.unwrap().text().await.unwrap();
            assert!(!half.contains("id=\"accept_terms-error\"") && half.contains("id=\"accept_privacy-error\""));
            assert_eq!(app.db.count_terms_acceptances(org.id).await.unwrap(), 0);

            let done = lucia.post(app.url("/enroll/terms")).form(&terms_acceptance(&terms)).send().await.unwrap();
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

/// What a patient goes through after the emailed link, screen by screen (issue 11: at most
/// five), with each page's step counter.
mod screens {
    use super::*;
    use crate::fixtures::{CLINIC_PHONE, PATIENT_PASSWORD, add_staff};
    use domain::policy::{AccessCodeKind, EnrollmentPolicy};

    /// One page the patient saw: where, its main heading and its "Step N of M".
    #[derive(Debug, PartialEq)]
    struct Screen {
        path: String,
        heading: String,
        step: Option<String>,
    }

    fn between<'a>(html: &'a str, start: &str, end: &str) -> Option<&'a str> {
        let from = html.find(start)? + start.len();
        let to = html[from..].find(end)? + from;
        Some(&html[from..to])
    }

    /// Follows the redirects of `response` (each a GET, as a browser does) to the page shown.
    async fn shown(
        app: &TestApp,
        patient: &reqwest::Client,
        mut response: reqwest::Response,
    ) -> (Screen, String) {
        let mut path = response.url().path().to_owned();
        while response.status() == StatusCode::SEE_OTHER {
            path = response.headers()[header::LOCATION]
                .to_str()
                .unwrap()
                .to_owned();
            response = patient.get(app.url(&path)).send().await.unwrap();
        }
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let html = response.text().await.unwrap();
        let screen = Screen {
            path: path.split('?').next().unwrap().to_owned(),
            heading: between(&html, "<h1>", "</h1>")
                .expect("a heading")
                .to_owned(),
            step: between(&html, "<p class=\"step\">", "</p>").map(str::to_owned),
        };
        (screen, html)
    }

    fn screen(path: &str, heading: &str, step: Option<&str>) -> Screen {
        Screen {
            path: path.to_owned(),
            heading: heading.to_owned(),
            step: step.map(str::to_owned),
        }
    }

    /// A patient invited by email under a practice whose access code is `kind` signs up;
    /// answers every screen after the link.
    async fn emailed_sign_up(app: &TestApp, kind: AccessCodeKind) -> Vec<Screen> {
        let org = front_desk(app).await;
        let admin = add_staff(app, org.id, "ada", domain::Role::Administrator).await;
        let scope = domain::StaffScope::new(org.id, admin, domain::Role::Administrator);
        let policy = EnrollmentPolicy {
            access_code: kind,
            ..Default::default()
        };
        app.db
            .save_enrollment_policy(&scope, &policy, &storage::RequestOrigin::default())
            .await
            .unwrap();
        // An address of this test's own: the SMTP sink is shared.
        let address = format!("lucia.{}@example.org", uuid::Uuid::new_v4().simple());
        let extra = format!(
            r#","telecom":[{{"system":"email","value":"{address}"}}],"identifier":[{{"type":{{"coding":[{{"code":"SS"}}]}},"value":"999-12-3456"}}]"#
        );
        import_patients(app, &org, &[("p", "Lucia", "Rivera", "1961-04-09", &extra)]).await;
        let page = patient_page(app, &org, "Rivera", "Lucia").await;
        app.client
            .post(app.url(&format!("{page}/invite")))
            .form(&[("channel", "email"), ("email", address.as_str())])
            .send()
            .await
            .unwrap();
        let mail = app.mail.wait_for(&address, "Set up your").await;
        let start = mail
            .text
            .find(&format!("{}/enroll/", app.base_url))
            .expect("a link in the email");
        let link = mail.text[start..].split_whitespace().next().unwrap();

        let patient = patient_browser();
        let mut screens = Vec::new();
        let (mut on, mut html) =
            shown(app, &patient, patient.get(link).send().await.unwrap()).await;
        loop {
            let form: Vec<(&str, &str)> = match on.path.as_str() {
                "/enroll/identity" => vec![
                    ("given", "Lucia"),
                    ("family", "Rivera"),
                    ("birth_month", "4"),
                    ("birth_day", "9"),
                    ("birth_year", "1961"),
                ],
                "/enroll/access-code" => vec![("access_code", "3456")],
                "/enroll/credentials" => vec![
                    ("username", "lucia.r"),
                    ("password", PATIENT_PASSWORD),
                    ("confirmation", PATIENT_PASSWORD),
                ],
                "/enroll/terms" => {
                    assert!(html.contains("Your username and password are saved. Your username is <strong>lucia.r</strong>."), "{html}");
                    terms_acceptance(&html)
                }
                _ => break,
            };
            let path = on.path.clone();
            screens.push(on);
            assert!(screens.len() <= 5, "{screens:#?}");
            (on, html) = shown(
                app,
                &patient,
                patient
                    .post(app.url(&path))
                    .form(&form)
                    .send()
                    .await
                    .unwrap(),
            )
            .await;
        }
        assert!(html.contains(CLINIC_PHONE));
        screens.push(on);
        screens
    }

    each_backend! {
        async fn with_the_birth_year_as_access_code_the_sign_up_is_four_screens(app) {
            let screens = emailed_sign_up(&app, AccessCodeKind::BirthYear).await;
            assert_eq!(screens, vec![
                screen("/enroll/identity", "Tell us who you are", Some("Step 1 of 3")),
                screen("/enroll/credentials", "Choose a username and password", Some("Step 2 of 3")),
                screen("/enroll/terms", "The terms and your privacy", Some("Step 3 of 3")),
                screen("/welcome", "Welcome to your patient portal", None),
            ]);
        }

        async fn without_an_access_code_the_sign_up_is_four_screens(app) {
            let screens = emailed_sign_up(&app, AccessCodeKind::None).await;
            let steps: Vec<_> = screens.iter().map(|s| (s.path.as_str(), s.step.as_deref())).collect();
            assert_eq!(steps, vec![
                ("/enroll/identity", Some("Step 1 of 3")),
                ("/enroll/credentials", Some("Step 2 of 3")),
                ("/enroll/terms", Some("Step 3 of 3")),
                ("/welcome", None),
            ]);
        }

        async fn with_the_ssn_digits_as_access_code_the_sign_up_is_five_screens(app) {
            let screens = emailed_sign_up(&app, AccessCodeKind::SsnLast4).await;
            assert_eq!(screens, vec![
                screen("/enroll/identity", "Tell us who you are", Some("Step 1 of 4")),
                screen("/enroll/access-code", "Your access code", Some("Step 2 of 4")),
                screen("/enroll/credentials", "Choose a username and password", Some("Step 3 of 4")),
                screen("/enroll/terms", "The terms and your privacy", Some("Step 4 of 4")),
                screen("/welcome", "Welcome to your patient portal", None),
            ]);
        }
    }
}

/// The password step: errors that name the problem, and passwords kept across a username's.
mod password_step {
    use super::*;
    use crate::fixtures::PATIENT_PASSWORD;

    /// The clinic with Lucia Rivera (and `others`), the front desk signed in.
    async fn clinic(
        app: &TestApp,
        others: &[(&str, &str, &str, &str, &str)],
    ) -> storage::Organization {
        let org = front_desk(app).await;
        import_patients(app, &org, &[("p1", "Lucia", "Rivera", "1961-04-09", "")]).await;
        import_patients(app, &org, others).await;
        org
    }

    /// Lucia at the credentials step, in a browser that chose `language`.
    async fn at_credentials(
        app: &TestApp,
        org: &storage::Organization,
        language: &str,
    ) -> reqwest::Client {
        let page = patient_page(app, org, "Rivera", "Lucia").await;
        let code = printed_code(app, &page).await;
        let patient = patient_browser();
        let chosen = patient
            .get(app.url(&format!("/language/{language}?back=/")))
            .send()
            .await
            .unwrap();
        assert_eq!(chosen.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            activate(app, &patient, &code).await.status(),
            StatusCode::SEE_OTHER
        );
        let form = [
            ("given", "Lucia"),
            ("family", "Rivera"),
            ("birth_month", "4"),
            ("birth_day", "9"),
            ("birth_year", "1961"),
        ];
        let verified = patient
            .post(app.url("/enroll/identity"))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(verified.headers()[header::LOCATION], "/enroll/credentials");
        patient
    }

    async fn choose(
        app: &TestApp,
        patient: &reqwest::Client,
        username: &str,
        password: &str,
    ) -> String {
        let response = patient
            .post(app.url("/enroll/credentials"))
            .form(&[
                ("username", username),
                ("password", password),
                ("confirmation", password),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        response.text().await.unwrap()
    }

    fn kept(html: &str, password: &str) -> usize {
        html.matches(&format!("value=\"{password}\"")).count()
    }

    each_backend! {
        async fn a_username_error_names_the_problem_and_keeps_the_passwords(app) {
            let org = clinic(&app, &[]).await;
            let patient = at_credentials(&app, &org, "en").await;
            let form = patient.get(app.url("/enroll/credentials")).send().await.unwrap().text().await.unwrap();
            assert!(form.contains("Letters, numbers, dots (.), dashes (-) and underscores (_), with no spaces."), "{form}");
            // The toggle is in the page only for the script to show: hidden without it.
            assert!(form.contains("id=\"show-password\" hidden aria-pressed=\"false\""), "{form}");
            assert!(form.contains("data-show=\"Show password\" data-hide=\"Hide password\""));
            assert!(form.contains("<script src=\"/static/enroll-credentials.js\" defer></script>"));
            let script = patient.get(app.url("/static/enroll-credentials.js")).send().await.unwrap();
            assert_eq!(script.headers()[header::CONTENT_TYPE], "text/javascript; charset=utf-8");
            assert!(script.text().await.unwrap().contains("aria-pressed"));

            for (username, message) in [
                ("lucia rivera", "id=\"username-error\">A username cannot have spaces. Use a dot instead, like lucia.rivera.</p>"),
                ("lu", "id=\"username-error\">A username needs at least 3 characters.</p>"),
                ("lucia@rivera", "id=\"username-error\">A username can only have letters, numbers, dots (.), dashes (-) and underscores (_).</p>"),
            ] {
                let html = choose(&app, &patient, username, PATIENT_PASSWORD).await;
                assert!(html.contains(message), "{username}: {html}");
                assert_eq!(kept(&html, PATIENT_PASSWORD), 2, "both passwords are given back: {html}");
                assert!(html.contains(&format!("value=\"{username}\"")), "the username too");
            }
            // A password that must change is not given back, with or without a username error.
            let html = choose(&app, &patient, "lucia rivera", "password123456").await;
            assert!(html.contains("id=\"username-error\"") && html.contains("too common"), "{html}");
            assert_eq!(kept(&html, "password123456"), 0, "{html}");
            let html = choose(&app, &patient, "lucia.r", "short").await;
            assert_eq!(kept(&html, "short"), 0, "{html}");
            // Nothing was saved meanwhile.
            assert_eq!(app.db.count_audit("enrollment.credentials-set").await.unwrap(), 0);
        }

        async fn a_username_error_is_in_spanish_and_keeps_the_passwords_too(app) {
            let org = clinic(&app, &[]).await;
            let patient = at_credentials(&app, &org, "es").await;
            let form = patient.get(app.url("/enroll/credentials")).send().await.unwrap().text().await.unwrap();
            assert!(form.contains("data-show=\"Mostrar contraseña\" data-hide=\"Ocultar contraseña\""), "{form}");
            assert!(form.contains("<p class=\"step\">Paso 2 de 3</p>"), "{form}");
            let html = choose(&app, &patient, "lucia rivera", PATIENT_PASSWORD).await;
            assert!(html.contains("id=\"username-error\">Un nombre de usuario no puede tener espacios. Use un punto, como lucia.rivera.</p>"), "{html}");
            assert_eq!(kept(&html, PATIENT_PASSWORD), 2);
            let html = choose(&app, &patient, "lu", PATIENT_PASSWORD).await;
            assert!(html.contains("Un nombre de usuario necesita al menos 3 caracteres."), "{html}");
        }

        async fn a_taken_username_offers_free_ones_to_tap_and_keeps_the_passwords(app) {
            let org = clinic(&app, &[("p2", "Luis", "Rivera", "1990-01-02", "")]).await;
            crate::fixtures::enrolled_patient(&app, &org, "Luis", ("1", "2", "1990"), "lucia.r").await;
            let patient = at_credentials(&app, &org, "en").await;
            let html = choose(&app, &patient, "Lucia.R", PATIENT_PASSWORD).await;
            assert!(html.contains("That username is taken"), "{html}");
            assert!(html.contains("id=\"username-suggestions\" data-tap=\"Tap one to use it.\""), "{html}");
            assert!(html.contains("<strong class=\"suggestion\" data-username=\"lucia.rivera\">lucia.rivera</strong>"), "readable without the script: {html}");
            assert_eq!(kept(&html, PATIENT_PASSWORD), 2);
        }
    }
}

/// After the sign-up: a used invitation leads to signing in; signing out says so.
mod afterwards {
    use super::*;
    use crate::fixtures::finish_enrollment;

    each_backend! {
        async fn a_used_link_or_code_offers_sign_in_and_a_forgotten_password(app) {
            let page = clinic_with_patient(&app).await;
            let address = format!("lucia.{}@example.org", uuid::Uuid::new_v4().simple());
            app.client.post(app.url(&format!("{page}/invite"))).form(&[("channel", "email"), ("email", address.as_str())]).send().await.unwrap();
            let mail = app.mail.wait_for(&address, "Set up your").await;
            let start = mail.text.find(&format!("{}/enroll/", app.base_url)).expect("a link in the email");
            let link = mail.text[start..].split_whitespace().next().unwrap().to_owned();
            let patient = patient_browser();
            patient.get(&link).send().await.unwrap();
            finish_enrollment(&app, &patient, ("Lucia", "Rivera"), ("4", "9", "1961"), "lucia.r").await;

            let again = patient_browser().get(&link).send().await.unwrap();
            assert_eq!(again.status(), StatusCode::GONE);
            let html = again.text().await.unwrap();
            assert!(html.contains("This invitation was already used"), "{html}");
            assert!(html.contains("<a class=\"button\" href=\"/sign-in\" id=\"used-sign-in\">Sign in</a>"), "{html}");
            assert!(html.contains("<a href=\"/forgot\" id=\"used-forgot\">Forgot your password?</a>"), "{html}");

            let spanish = patient_browser();
            spanish.get(app.url("/language/es?back=/")).send().await.unwrap();
            // The emailed link names its email's language (English); the bare link follows the
            // patient's own choice.
            assert!(link.ends_with("?lang=en"), "{link}");
            let bare = link.split('?').next().unwrap();
            let html = spanish.get(bare).send().await.unwrap().text().await.unwrap();
            assert!(html.contains("Esta invitación ya se usó"), "{html}");
            assert!(html.contains("id=\"used-sign-in\">Iniciar sesión</a>") && html.contains("id=\"used-forgot\">¿Olvidó su contraseña?</a>"), "{html}");

            // Other ends do not offer signing in: no account was made with them.
            let broken = patient_browser().get(app.url("/enroll/not-a-real-token")).send().await.unwrap().text().await.unwrap();
            assert!(!broken.contains("id=\"used-sign-in\""));
        }

        async fn the_code_of_a_used_printed_invitation_offers_sign_in(app) {
            let page = clinic_with_patient(&app).await;
            let code = printed_code(&app, &page).await;
            let patient = patient_browser();
            activate(&app, &patient, &code).await;
            finish_enrollment(&app, &patient, ("Lucia", "Rivera"), ("4", "9", "1961"), "lucia.r").await;
            let used = activate(&app, &patient_browser(), &code).await;
            assert_eq!(used.status(), StatusCode::GONE);
            let html = used.text().await.unwrap();
            assert!(html.contains("id=\"used-sign-in\">Sign in</a>") && html.contains("href=\"/forgot\""), "{html}");
        }

        async fn signing_out_says_so_on_the_sign_in_page(app) {
            let page = clinic_with_patient(&app).await;
            let code = printed_code(&app, &page).await;
            let patient = patient_browser();
            activate(&app, &patient, &code).await;
            finish_enrollment(&app, &patient, ("Lucia", "Rivera"), ("4", "9", "1961"), "lucia.r").await;
            // The welcome page leads on: home, and a way to sign out.
            let welcome = patient.get(app.url("/welcome")).send().await.unwrap().text().await.unwrap();
            assert!(welcome.contains("<a class=\"button\" href=\"/home\" id=\"home-link\">Go to your home page</a>"), "{welcome}");
            assert!(welcome.contains("<form method=\"post\" action=\"/sign-out\""), "{welcome}");
            // A phone gets the home-screen steps, a wide screen the code to scan (CSS decides).
            assert!(welcome.contains("class=\"on-narrow\"") && welcome.contains("Android (Chrome): tap the menu"), "{welcome}");
            assert!(welcome.contains("iPhone (Safari): tap <strong>Share</strong>, then <strong>Add to Home Screen</strong>."), "{welcome}");
            assert!(welcome.contains("class=\"on-wide\"") && welcome.contains("src=\"data:image/svg+xml;base64,"));
            let css = patient.get(app.url("/static/portal.css")).send().await.unwrap().text().await.unwrap();
            assert!(css.contains(".on-wide { display: none; }"), "the code is for wide screens only");

            let out = patient.post(app.url("/sign-out")).send().await.unwrap();
            assert_eq!(out.headers()[header::LOCATION], "/sign-in?signed-out");
            let html = patient.get(app.url("/sign-in?signed-out")).send().await.unwrap().text().await.unwrap();
            assert!(html.contains("<div class=\"notice\" role=\"status\" id=\"signed-out\"><p>You are signed out.</p></div>"), "{html}");
            let plain = patient.get(app.url("/sign-in")).send().await.unwrap().text().await.unwrap();
            assert!(!plain.contains("id=\"signed-out\""), "only after signing out");
            patient.get(app.url("/language/es?back=/")).send().await.unwrap();
            let html = patient.get(app.url("/sign-in?signed-out")).send().await.unwrap().text().await.unwrap();
            assert!(html.contains("role=\"status\" id=\"signed-out\"><p>Se cerró su sesión.</p>"), "{html}");
        }
    }
}

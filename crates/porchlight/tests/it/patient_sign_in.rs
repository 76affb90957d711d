//! Patients signing in after enrollment: one answer for every failure, throttling, fresh
//! sessions, the home page, and accepting newly published terms.

use reqwest::{StatusCode, header};

use crate::{
    fixtures::{
        PATIENT_PASSWORD, STAFF_PASSWORD, add_staff, enrolled_patient, front_desk, import_patients,
        open_security_events as open_events, patient_browser, sign_in as staff_sign_in,
    },
    harness::{TestApp, each_backend},
};

async fn sign_in(
    app: &TestApp,
    browser: &reqwest::Client,
    username: &str,
    password: &str,
) -> reqwest::Response {
    browser
        .post(app.url("/sign-in"))
        .form(&[
            ("organization", "maple"),
            ("username", username),
            ("password", password),
        ])
        .send()
        .await
        .unwrap()
}

/// The sign-in page's answer with the typed username taken out, to compare two answers.
async fn answer_without_username(
    response: reqwest::Response,
    username: &str,
) -> (StatusCode, String) {
    let status = response.status();
    let body = response
        .text()
        .await
        .unwrap()
        .replace(&format!("value=\"{username}\""), "value=\"\"");
    (status, body)
}

/// Moves every sign-in counter's latest failure two hours back, as if the waits had passed.
async fn let_time_pass(app: &TestApp) {
    let past = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(2);
    app.db
        .execute_admin(&format!(
            "UPDATE throttle_counters SET last_failure_at = '{past}'"
        ))
        .await
        .unwrap();
    app.db
        .execute_admin("UPDATE sign_in_failures SET at = at - 7200")
        .await
        .unwrap();
}

async fn lucia(app: &TestApp) -> storage::Organization {
    lucia_with_phone(app).await.0
}

/// Lucia enrolled, with the phone she enrolled on (signed out, but known to her account).
async fn lucia_with_phone(app: &TestApp) -> (storage::Organization, reqwest::Client) {
    let org = front_desk(app).await;
    import_patients(app, &org, &[("p1", "Lucia", "Rivera", "1961-04-09", "")]).await;
    let phone = enrolled_patient(app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;
    phone.post(app.url("/sign-out")).send().await.unwrap();
    (org, phone)
}

each_backend! {
    async fn guesses_sent_at_once_take_their_turns(app) {
        let org = front_desk(&app).await;
        import_patients(&app, &org, &[("p1", "Lucia", "Rivera", "1961-04-09", "")]).await;
        enrolled_patient(&app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;
        let guesser = patient_browser();
        for n in 0..4 {
            let wrong = sign_in(&app, &guesser, "lucia.r", &format!("wrong guess {n}")).await;
            assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
        }
        // One free guess is left; six sent at the same moment get one check between them.
        let guesses = (0..6).map(|n| {
            let guesser = guesser.clone();
            let url = app.url("/sign-in");
            tokio::spawn(async move {
                guesser
                    .post(url)
                    .form(&[("organization", "maple"), ("username", "lucia.r"), ("password", &format!("burst {n}"))])
                    .send()
                    .await
                    .unwrap()
                    .text()
                    .await
                    .unwrap()
            })
        });
        let (mut checked, mut waited) = (0, 0);
        for guess in guesses {
            let page = guess.await.unwrap();
            if page.contains("That username and password do not match") {
                checked += 1;
            } else if page.contains("Wait 1 minute") {
                waited += 1;
            }
        }
        assert_eq!((checked, waited), (1, 5));
    }

    async fn a_patient_signs_in_sees_home_and_signs_out(app) {
        lucia(&app).await;
        let browser = patient_browser();
        assert_eq!(browser.get(app.url("/home")).send().await.unwrap().headers()[header::LOCATION], "/sign-in");

        let form = browser.get(app.url("/sign-in")).send().await.unwrap().text().await.unwrap();
        assert!(form.contains("autocomplete=\"current-password\""), "{form}");
        let signed_in = sign_in(&app, &browser, "Lucia.R", PATIENT_PASSWORD).await;
        assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
        assert_eq!(signed_in.headers()[header::LOCATION], "/home");
        let cookie = signed_in.headers()[header::SET_COOKIE].to_str().unwrap().to_owned();
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");

        let home = browser.get(app.url("/home")).send().await.unwrap();
        assert_eq!(home.status(), StatusCode::OK);
        assert_eq!(home.headers()[header::CACHE_CONTROL], "no-store");
        let home = home.text().await.unwrap();
        assert!(home.contains("Hello, Lucia"), "{home}");
        assert!(home.contains("This is your first sign-in"), "{home}");
        assert_eq!(app.db.count_audit("patient.home").await.unwrap(), 1, "reading the chart is audited");
        assert_eq!(app.db.count_audit("patient.sign-in").await.unwrap(), 1);

        let out = browser.post(app.url("/sign-out")).send().await.unwrap();
        assert_eq!(out.status(), StatusCode::SEE_OTHER);
        assert_eq!(browser.get(app.url("/home")).send().await.unwrap().status(), StatusCode::SEE_OTHER);

        // The next sign-in shows the one before it.
        sign_in(&app, &browser, "lucia.r", PATIENT_PASSWORD).await;
        let home = browser.get(app.url("/home")).send().await.unwrap().text().await.unwrap();
        assert!(home.contains("Your last sign-in before this one was on"), "{home}");
    }

    async fn wrong_password_unknown_user_and_unfinished_account_get_one_answer(app) {
        let org = lucia(&app).await;
        // Luis chose his username and password but never accepted the terms.
        import_patients(&app, &org, &[("p2", "Luis", "Rivera", "1990-01-02", "")]).await;
        let luis = enrolled_patient(&app, &org, "Luis", ("1", "2", "1990"), "luis.r").await;
        drop(luis);
        app.db.execute_admin("UPDATE patient_accounts SET status = 'pending' WHERE username = 'luis.r'").await.unwrap();

        let browser = patient_browser();
        let wrong = answer_without_username(sign_in(&app, &browser, "lucia.r", "not my password at all").await, "lucia.r").await;
        let unknown = answer_without_username(sign_in(&app, &browser, "nobody.here", "not my password at all").await, "nobody.here").await;
        let pending = answer_without_username(sign_in(&app, &browser, "luis.r", PATIENT_PASSWORD).await, "luis.r").await;
        assert_eq!(wrong.0, StatusCode::UNAUTHORIZED);
        assert!(wrong.1.contains("That username and password do not match"), "{}", wrong.1);
        assert_eq!(wrong, unknown, "an unknown username gets the same answer");
        assert_eq!(wrong, pending, "an unfinished account gets the same answer");
        assert_eq!(browser.get(app.url("/home")).send().await.unwrap().status(), StatusCode::SEE_OTHER);
    }

    async fn guessing_is_throttled_per_username(app) {
        lucia(&app).await;
        let browser = patient_browser();
        for _ in 0..5 {
            let wrong = sign_in(&app, &browser, "lucia.r", "a wrong guess of a password").await;
            assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
        }
        let right = sign_in(&app, &browser, "lucia.r", PATIENT_PASSWORD).await;
        assert_eq!(right.status(), StatusCode::UNAUTHORIZED, "even the right password waits");
        assert!(right.text().await.unwrap().contains("Too many attempts to sign in. Wait 1 minute and try again."));
        // The counter is per username: another patient's sign-in is not held up.
        app.db.execute_admin("DELETE FROM throttle_counters WHERE bucket LIKE 'sign-in-address:%'").await.unwrap();
        let other = sign_in(&app, &patient_browser(), "someone.else", "a wrong guess of a password").await;
        assert!(other.text().await.unwrap().contains("That username and password do not match"));
    }

    async fn a_guessing_run_never_signs_in_and_never_shuts_the_patient_out(app) {
        // Lucia's phone signed in when she enrolled: the portal knows it.
        let (_, phone) = lucia_with_phone(&app).await;
        let attacker = patient_browser();
        for _ in 0..5 {
            let wrong = sign_in(&app, &attacker, "lucia.r", "a wrong guess of a password").await;
            assert!(wrong.text().await.unwrap().contains("That username and password do not match"));
        }
        // Each wait is longer than the one before, and a wait is never a lock.
        for minutes in ["1 minute", "2 minutes", "4 minutes", "8 minutes"] {
            let held = sign_in(&app, &attacker, "lucia.r", "another wrong guess").await;
            assert_eq!(held.status(), StatusCode::UNAUTHORIZED);
            let held = held.text().await.unwrap();
            assert!(held.contains(&format!("Wait {minutes} and try again")), "{minutes}: {held}");
            let_time_pass(&app).await;
            sign_in(&app, &attacker, "lucia.r", "yet another wrong guess").await;
        }
        let right = sign_in(&app, &attacker, "lucia.r", PATIENT_PASSWORD).await;
        assert_eq!(right.status(), StatusCode::UNAUTHORIZED, "the run never signs in, even with the right password");
        assert!(right.text().await.unwrap().contains("Wait 16 minutes"));

        // Meanwhile Lucia signs in on her own phone at once...
        let own = sign_in(&app, &phone, "lucia.r", PATIENT_PASSWORD).await;
        assert_eq!(own.status(), StatusCode::SEE_OTHER, "her known device is not held back");
        assert_eq!(own.headers()[header::LOCATION], "/home");
        // ...and on a new computer she waits like a stranger, then gets in.
        let library = patient_browser();
        assert_eq!(sign_in(&app, &library, "lucia.r", PATIENT_PASSWORD).await.status(), StatusCode::UNAUTHORIZED);
        let_time_pass(&app).await;
        let later = sign_in(&app, &library, "lucia.r", PATIENT_PASSWORD).await;
        assert_eq!(later.status(), StatusCode::SEE_OTHER);
    }

    async fn one_password_tried_on_many_accounts_waits_everywhere_and_is_reported(app) {
        let (org, phone) = lucia_with_phone(&app).await;
        let sprayer = patient_browser();
        for n in 1..=5 {
            let wrong = sign_in(&app, &sprayer, &format!("someone.{n}"), PATIENT_PASSWORD).await;
            assert!(wrong.text().await.unwrap().contains("That username and password do not match"));
        }
        // The password is right for Lucia, but it is being sprayed: it waits.
        let hit = sign_in(&app, &sprayer, "lucia.r", PATIENT_PASSWORD).await;
        assert_eq!(hit.status(), StatusCode::UNAUTHORIZED);
        assert!(hit.text().await.unwrap().contains("Too many attempts to sign in"));
        // Lucia's own phone is not held back.
        assert_eq!(sign_in(&app, &phone, "lucia.r", PATIENT_PASSWORD).await.status(), StatusCode::SEE_OTHER);

        let events = open_events(&app, &org).await;
        let spraying = events.iter().find(|e| e.kind == "password-spraying").expect("a spraying event");
        let evidence: serde_json::Value = serde_json::from_str(&spraying.evidence).unwrap();
        assert_eq!(evidence["accounts"], 5, "{evidence}");
        assert_eq!(evidence["accounts_tried"][0], "someone.1", "{evidence}");
        assert!(!spraying.subject.contains(PATIENT_PASSWORD) && !spraying.evidence.contains(PATIENT_PASSWORD));

        // An hour after the last try the password is usable again.
        let_time_pass(&app).await;
        assert_eq!(sign_in(&app, &sprayer, "lucia.r", PATIENT_PASSWORD).await.status(), StatusCode::SEE_OTHER);
    }

    async fn many_accounts_failing_from_one_address_open_a_credential_stuffing_event(app) {
        let org = lucia(&app).await;
        let stuffer = patient_browser();
        for n in 1..=9 {
            sign_in(&app, &stuffer, &format!("leaked.{n}"), &format!("leaked password {n}")).await;
        }
        assert!(open_events(&app, &org).await.iter().all(|e| e.kind != "credential-stuffing"), "nine is not yet a pattern");
        sign_in(&app, &stuffer, "leaked.10", "leaked password 10").await;
        let events = open_events(&app, &org).await;
        let stuffing: Vec<_> = events.iter().filter(|e| e.kind == "credential-stuffing").collect();
        assert_eq!(stuffing.len(), 1, "{events:?}");
        assert_eq!(stuffing[0].subject, "127.0.0.1");
        let evidence: serde_json::Value = serde_json::from_str(&stuffing[0].evidence).unwrap();
        assert_eq!(evidence["accounts"], 10);
        assert_eq!(evidence["failures"], 10);
        assert_eq!(evidence["surface"], "patient-sign-in");
        // More failures bring the same event up to date rather than opening another.
        sign_in(&app, &stuffer, "leaked.11", "leaked password 11").await;
        let events = open_events(&app, &org).await;
        let stuffing: Vec<_> = events.iter().filter(|e| e.kind == "credential-stuffing").collect();
        assert_eq!(stuffing.len(), 1);
        let evidence: serde_json::Value = serde_json::from_str(&stuffing[0].evidence).unwrap();
        assert_eq!(evidence["accounts"], 11);
    }

    async fn a_patient_sees_who_at_the_practice_looked_at_her_record_and_only_hers(app) {
        let org = lucia(&app).await;
        import_patients(&app, &org, &[("p2", "Luis", "Rivera", "1990-01-02", "")]).await;
        enrolled_patient(&app, &org, "Luis", ("1", "2", "1990"), "luis.r").await;
        assert_eq!(patient_browser().get(app.url("/record-access")).send().await.unwrap().headers()[header::LOCATION], "/sign-in");

        let count = |page: &str| page.matches("Opened your record").count();
        let read = |username: &'static str| {
            let app = &app;
            async move {
                let browser = patient_browser();
                assert_eq!(sign_in(app, &browser, username, PATIENT_PASSWORD).await.status(), StatusCode::SEE_OTHER);
                let page = browser.get(app.url("/record-access")).send().await.unwrap();
                assert_eq!(page.headers()[header::CACHE_CONTROL], "no-store");
                page.text().await.unwrap()
            }
        };
        let before = read("lucia.r").await;
        assert!(before.contains("Dana Front") && before.contains("Front desk"), "{before}");
        assert!(before.contains("Invited you to the portal"), "{before}");
        let luis_before = count(&read("luis.r").await);

        // The front desk opens Lucia's chart once more: her list shows it, Luis's does not.
        let chart = crate::fixtures::patient_page(&app, &org, "Rivera", "Lucia").await;
        assert_eq!(app.client.get(app.url(&chart)).send().await.unwrap().status(), StatusCode::OK);
        let after = read("lucia.r").await;
        assert_eq!(count(&after), count(&before) + 1, "{after}");
        assert_eq!(count(&read("luis.r").await), luis_before);
        assert_eq!(app.db.count_audit("patient.access-log").await.unwrap(), 4, "each read of the list is audited");
    }

    async fn a_patient_sees_where_she_is_signed_in_and_signs_out_the_others(app) {
        let org = lucia(&app).await;
        import_patients(&app, &org, &[("p2", "Luis", "Rivera", "1990-01-02", "")]).await;
        enrolled_patient(&app, &org, "Luis", ("1", "2", "1990"), "luis.r").await;
        let phone = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_store(true)
            .user_agent("Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/131.0.0.0 Mobile Safari/537.36")
            .build()
            .unwrap();
        let library = patient_browser();
        for browser in [&phone, &library] {
            assert_eq!(sign_in(&app, browser, "lucia.r", PATIENT_PASSWORD).await.status(), StatusCode::SEE_OTHER);
        }
        let luis = patient_browser();
        sign_in(&app, &luis, "luis.r", PATIENT_PASSWORD).await;

        let page = phone.get(app.url("/devices")).send().await.unwrap();
        assert_eq!(page.headers()[header::CACHE_CONTROL], "no-store");
        let page = page.text().await.unwrap();
        assert_eq!(devices_listed(&page), 2, "her two devices, not Luis's: {page}");
        assert!(page.contains("Chrome, Android</strong> <span class=\"tag\">This device</span>"), "{page}");

        let out = phone.post(app.url("/devices/sign-out-others")).send().await.unwrap();
        assert_eq!(out.headers()[header::LOCATION], "/devices?done");
        assert_eq!(library.get(app.url("/home")).send().await.unwrap().status(), StatusCode::SEE_OTHER, "the other is signed out");
        assert_eq!(phone.get(app.url("/home")).send().await.unwrap().status(), StatusCode::OK, "this one stays");
        assert_eq!(luis.get(app.url("/home")).send().await.unwrap().status(), StatusCode::OK, "another patient is untouched");
        let page = phone.get(app.url("/devices?done")).send().await.unwrap().text().await.unwrap();
        assert_eq!(devices_listed(&page), 1);
        assert!(page.contains("Every other phone and computer is signed out") && !page.contains("Sign out everywhere else</button>"));
        assert_eq!(patient_browser().get(app.url("/devices")).send().await.unwrap().headers()[header::LOCATION], "/sign-in");
    }

    async fn sign_in_replaces_a_planted_session_and_sessions_do_not_cross(app) {
        let org = lucia(&app).await;
        let browser = patient_browser();
        let planted = "planted-session-token-from-an-attacker";
        let signed_in = browser.post(app.url("/sign-in"))
            .header(header::COOKIE, format!("porchlight_session={planted}"))
            .form(&[("organization", "maple"), ("username", "lucia.r"), ("password", PATIENT_PASSWORD)])
            .send().await.unwrap();
        let cookie = signed_in.headers()[header::SET_COOKIE].to_str().unwrap().to_owned();
        assert!(!cookie.contains(planted), "{cookie}");
        // A patient session opens no staff page, and a staff session no patient page.
        assert_eq!(browser.get(app.url("/staff")).send().await.unwrap().headers()[header::LOCATION], "/staff/sign-in");
        assert_eq!(app.get("/home").await.headers()[header::LOCATION], "/sign-in");
        add_staff(&app, org.id, "ada", domain::Role::Administrator).await;
        assert_eq!(staff_sign_in(&app, &org, "ada", STAFF_PASSWORD).await.status(), StatusCode::SEE_OTHER);
        assert_eq!(app.get("/home").await.headers()[header::LOCATION], "/sign-in");
    }

    async fn a_new_privacy_policy_is_accepted_at_the_next_sign_in_with_what_changed(app) {
        let org = lucia(&app).await;
        add_staff(&app, org.id, "ada", domain::Role::Administrator).await;
        staff_sign_in(&app, &org, "ada", STAFF_PASSWORD).await;
        let published = app.client.post(app.url("/staff/terms"))
            .form(&[("kind", "privacy"), ("summary", "We now also keep a list of the devices you sign in from."),
                    ("body", "1. Everything in version 1.\n2. A list of your signed-in devices."),
                    ("changes", "We now keep a list of the devices you sign in from, which you can see.")])
            .send().await.unwrap();
        assert_eq!(published.status(), StatusCode::SEE_OTHER);

        let browser = patient_browser();
        sign_in(&app, &browser, "lucia.r", PATIENT_PASSWORD).await;
        let home = browser.get(app.url("/home")).send().await.unwrap();
        assert_eq!(home.headers()[header::LOCATION], "/terms/update");
        assert_eq!(app.db.count_audit("patient.home").await.unwrap(), 0, "nothing shown before acceptance");
        let update = browser.get(app.url("/terms/update")).send().await.unwrap().text().await.unwrap();
        assert!(update.contains("Privacy policy, version 2:</strong>"), "{update}");
        assert!(update.contains("We now keep a list of the devices you sign in from, which you can see."), "{update}");
        assert!(!update.contains("Terms of use, version"), "the terms of use did not change: {update}");
        assert!(update.contains("(version 2, new)"), "{update}");

        let unticked = browser.post(app.url("/terms/update"))
            .form(&[("terms_version", "1"), ("privacy_version", "2")]).send().await.unwrap();
        assert_eq!(unticked.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(unticked.text().await.unwrap().contains("id=\"accept-error\""));
        // Accepting what was shown before a newer version appeared shows the newer one.
        let stale = browser.post(app.url("/terms/update"))
            .form(&[("accept", "on"), ("terms_version", "1"), ("privacy_version", "1")]).send().await.unwrap();
        assert_eq!(stale.headers()[header::LOCATION], "/terms/update");
        assert_eq!(app.db.count_terms_acceptances(org.id).await.unwrap(), 1);

        let accepted = browser.post(app.url("/terms/update"))
            .form(&[("accept", "on"), ("terms_version", "1"), ("privacy_version", "2")]).send().await.unwrap();
        assert_eq!(accepted.headers()[header::LOCATION], "/home");
        assert_eq!(app.db.count_terms_acceptances(org.id).await.unwrap(), 2, "each acceptance is kept");
        assert_eq!(app.db.count_audit("terms.accept").await.unwrap(), 1);
        assert_eq!(browser.get(app.url("/home")).send().await.unwrap().status(), StatusCode::OK);
        assert_eq!(browser.get(app.url("/terms/update")).send().await.unwrap().headers()[header::LOCATION], "/home");
    }

    async fn a_patient_app_signs_in_reads_who_it_is_and_accepts_new_terms_through_the_api(app) {
        let org = lucia(&app).await;
        // A program, not a browser: no cookie jar, the token as a bearer.
        let program = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let session = |username: &str, password: &str| {
            program.post(app.url("/api/v1/session"))
                .json(&serde_json::json!({ "username": username, "password": password }))
                .send()
        };
        let wrong: serde_json::Value = session("lucia.r", "not her password").await.unwrap().json().await.unwrap();
        let unknown = session("nobody.here", "not her password").await.unwrap();
        assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(unknown.json::<serde_json::Value>().await.unwrap(), wrong, "one answer for both");
        assert_eq!(wrong["code"], "wrong_credentials");

        let signed_in = session("LUCIA.R", PATIENT_PASSWORD).await.unwrap();
        assert_eq!(signed_in.status(), StatusCode::CREATED);
        assert!(signed_in.headers()[header::SET_COOKIE].to_str().unwrap().starts_with("porchlight_session="));
        let body: serde_json::Value = signed_in.json().await.unwrap();
        assert_eq!(body["terms_to_accept"], false);
        let token = body["session_token"].as_str().unwrap().to_owned();
        let me = program.get(app.url("/api/v1/me")).bearer_auth(&token).send().await.unwrap();
        assert_eq!(me.status(), StatusCode::OK);
        let me: serde_json::Value = me.json().await.unwrap();
        assert_eq!((me["given_names"].as_str(), me["username"].as_str()), (Some("Lucia"), Some("lucia.r")));
        assert!(me["previous_sign_in"].is_null(), "the first sign-in since enrollment: {me}");
        assert_eq!(app.db.count_audit("patient.home").await.unwrap(), 1, "a read of the chart is audited");
        assert_eq!(program.get(app.url("/api/v1/me")).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
        // A staff session is not a patient's.
        add_staff(&app, org.id, "ada", domain::Role::Administrator).await;
        staff_sign_in(&app, &org, "ada", STAFF_PASSWORD).await;
        assert_eq!(app.client.get(app.url("/api/v1/me")).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);

        // A new privacy policy: nothing else until it is accepted.
        let published = app.client.post(app.url("/staff/terms"))
            .form(&[("kind", "privacy"), ("summary", "We now keep a list of your devices."),
                    ("body", "1. Everything in version 1.\n2. A list of your signed-in devices."),
                    ("changes", "We now keep a list of the devices you sign in from.")])
            .send().await.unwrap();
        assert_eq!(published.status(), StatusCode::SEE_OTHER);
        let blocked = program.get(app.url("/api/v1/me")).bearer_auth(&token).send().await.unwrap();
        assert_eq!(blocked.status(), StatusCode::CONFLICT);
        assert_eq!(blocked.json::<serde_json::Value>().await.unwrap()["code"], "terms_to_accept");
        let terms: serde_json::Value = program.get(app.url("/api/v1/me/terms")).bearer_auth(&token)
            .send().await.unwrap().json().await.unwrap();
        assert_eq!(terms["pending"], true);
        assert_eq!((terms["documents"]["terms"]["version"].as_i64(), terms["documents"]["privacy"]["version"].as_i64()), (Some(1), Some(2)));
        assert_eq!(terms["changed"].as_array().unwrap().len(), 1, "{terms}");
        assert_eq!(terms["changed"][0]["kind"], "privacy");
        assert_eq!(terms["changed"][0]["changes"], "We now keep a list of the devices you sign in from.");

        let accept = |terms_version: i64, privacy_version: i64, privacy: bool| {
            program.post(app.url("/api/v1/me/terms")).bearer_auth(&token)
                .json(&serde_json::json!({ "accept_terms": true, "accept_privacy": privacy,
                    "terms_version": terms_version, "privacy_version": privacy_version }))
                .send()
        };
        let stale = accept(1, 1, true).await.unwrap();
        assert_eq!(stale.status(), StatusCode::CONFLICT);
        assert_eq!(stale.json::<serde_json::Value>().await.unwrap()["code"], "terms_changed");
        let unticked = accept(1, 2, false).await.unwrap();
        assert_eq!(unticked.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(unticked.json::<serde_json::Value>().await.unwrap()["fields"]["accept_privacy"].is_string());
        assert_eq!(app.db.count_terms_acceptances(org.id).await.unwrap(), 1);
        assert_eq!(accept(1, 2, true).await.unwrap().status(), StatusCode::NO_CONTENT);
        assert_eq!(app.db.count_terms_acceptances(org.id).await.unwrap(), 2, "each acceptance is kept");
        assert_eq!(accept(1, 2, true).await.unwrap().status(), StatusCode::CONFLICT, "nothing left to accept");
        let after: serde_json::Value = program.get(app.url("/api/v1/me/terms")).bearer_auth(&token)
            .send().await.unwrap().json().await.unwrap();
        assert_eq!(after["pending"], false);
        assert_eq!(program.get(app.url("/api/v1/me")).bearer_auth(&token).send().await.unwrap().status(), StatusCode::OK);
        let again: serde_json::Value = session("lucia.r", PATIENT_PASSWORD).await.unwrap().json().await.unwrap();
        assert_eq!(again["terms_to_accept"], false);
        let me: serde_json::Value = program.get(app.url("/api/v1/me"))
            .bearer_auth(again["session_token"].as_str().unwrap()).send().await.unwrap().json().await.unwrap();
        assert!(me["previous_sign_in"].as_str().unwrap().contains(" at "), "{me}");

        // Signing out ends the session on the server.
        assert_eq!(program.delete(app.url("/api/v1/session")).bearer_auth(&token).send().await.unwrap().status(), StatusCode::NO_CONTENT);
        assert_eq!(program.get(app.url("/api/v1/me")).bearer_auth(&token).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    }

    async fn api_sign_ins_are_throttled_like_the_page(app) {
        lucia(&app).await;
        let program = reqwest::Client::new();
        for _ in 0..5 {
            let wrong = program.post(app.url("/api/v1/session"))
                .json(&serde_json::json!({ "organization": "maple", "username": "lucia.r", "password": "guess" }))
                .send().await.unwrap();
            assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
        }
        // The page and the API count together, and even the right password waits now.
        let page = sign_in(&app, &patient_browser(), "lucia.r", PATIENT_PASSWORD).await;
        assert!(page.text().await.unwrap().contains("Too many"));
        let right = program.post(app.url("/api/v1/session"))
            .json(&serde_json::json!({ "organization": "maple", "username": "lucia.r", "password": PATIENT_PASSWORD }))
            .send().await.unwrap();
        assert_eq!(right.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(right.json::<serde_json::Value>().await.unwrap()["code"], "throttled");
    }

    async fn failures_counted_at_the_same_moment_are_all_counted(app) {
        // Twenty guesses arriving together (or from several instances) must not count as fewer.
        let now = jiff::Timestamp::now();
        let window = jiff::SignedDuration::from_mins(15);
        let mut counting = tokio::task::JoinSet::new();
        for _ in 0..20 {
            let db = app.db.clone();
            counting.spawn(async move { db.record_failure("race:lucia", now, window).await.unwrap() });
        }
        let mut answers = Vec::new();
        while let Some(answer) = counting.join_next().await {
            answers.push(answer.unwrap());
        }
        answers.sort_unstable();
        assert_eq!(answers, (1..=20).collect::<Vec<u32>>(), "each count seen once");
        assert_eq!(app.db.recent_failures("race:lucia", now, window).await.unwrap(), 20);
        // A window that has passed starts over.
        let later = now + jiff::SignedDuration::from_mins(16);
        assert_eq!(app.db.record_failure("race:lucia", later, window).await.unwrap(), 1);
    }
}

/// How many devices the "Where you are signed in" page lists.
fn devices_listed(page: &str) -> usize {
    let start = page.find(r#"id="devices""#).expect("the list of devices");
    let end = start + page[start..].find("</ul>").expect("the list's end");
    page[start..end].matches("<li>").count()
}

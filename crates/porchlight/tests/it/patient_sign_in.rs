//! Patients signing in after enrollment: one answer for every failure, throttling, fresh
//! sessions, the home page, and accepting newly published terms.

use reqwest::{StatusCode, header};

use crate::{
    fixtures::{
        PATIENT_PASSWORD, STAFF_PASSWORD, add_staff, enrolled_patient, front_desk, import_patients,
        patient_browser, sign_in as staff_sign_in,
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

async fn lucia(app: &TestApp) -> storage::Organization {
    let org = front_desk(app).await;
    import_patients(app, &org, &[("p1", "Lucia", "Rivera", "1961-04-09", "")]).await;
    enrolled_patient(app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;
    org
}

each_backend! {
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
        assert!(right.text().await.unwrap().contains("Too many attempts to sign in. Wait 15 minutes"));
        // The counter is per username: another patient's sign-in is not held up.
        app.db.execute_admin("DELETE FROM throttle_counters WHERE bucket LIKE 'sign-in-address:%'").await.unwrap();
        let other = sign_in(&app, &patient_browser(), "someone.else", "a wrong guess of a password").await;
        assert!(other.text().await.unwrap().contains("That username and password do not match"));
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
}

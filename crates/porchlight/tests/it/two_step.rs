//! 2-step sign-in: a patient turns on an authenticator app (after typing the password again),
//! then signs in with a code that is never accepted twice, or with a recovery code used once;
//! codes by email read from the SMTP sink; the practice requiring 2-step sign-in of staff, who
//! set their app up at the next sign-in; and the API's second step.

use domain::{Role, two_step::TotpSecret};
use reqwest::StatusCode;
use web::two_step::CODE_FAILURES;

use crate::{
    fixtures::{
        PATIENT_PASSWORD, STAFF_PASSWORD, add_staff, clinic, enrolled_patient, front_desk,
        import_patients, patient_browser, sign_in as staff_sign_in,
    },
    harness::{TestApp, each_backend},
};

/// The text between `start` and the next `end` in `html`.
fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let from = html
        .find(start)
        .unwrap_or_else(|| panic!("{start} in the page: {html}"))
        + start.len();
    let to = html[from..].find(end).expect("the end marker") + from;
    &html[from..to]
}

/// What an app set up from the page knows: its secret, and the form's sealed copy.
fn scan(html: &str) -> (TotpSecret, String) {
    let typed = between(html, r#"id="secret-key">"#, "<");
    let secret = TotpSecret::from_typed(typed).expect("a key to type");
    let sealed = between(html, r#"name="sealed" value=""#, "\"").to_owned();
    (secret, sealed)
}

fn now() -> u64 {
    u64::try_from(jiff::Timestamp::now().as_second()).unwrap()
}

/// The recovery codes a page shows.
fn recovery_codes(html: &str) -> Vec<String> {
    html.split("<code>")
        .skip(1)
        .map(|part| part.split("</code>").next().unwrap().to_owned())
        .collect()
}

async fn patient_sign_in(
    app: &TestApp,
    browser: &reqwest::Client,
    username: &str,
) -> reqwest::Response {
    browser
        .post(app.url("/sign-in"))
        .form(&[
            ("organization", "maple"),
            ("username", username),
            ("password", PATIENT_PASSWORD),
        ])
        .send()
        .await
        .unwrap()
}

async fn send_code(app: &TestApp, browser: &reqwest::Client, code: &str) -> reqwest::Response {
    browser
        .post(app.url("/sign-in/code"))
        .form(&[("code", code)])
        .send()
        .await
        .unwrap()
}

fn location(response: &reqwest::Response) -> &str {
    response.headers()[reqwest::header::LOCATION]
        .to_str()
        .unwrap()
}

/// Lucia, enrolled and signed in, with an authenticator app turned on; answers her browser,
/// the app's secret and her recovery codes.
async fn lucia_with_app(app: &TestApp) -> (reqwest::Client, TotpSecret, Vec<String>) {
    let org = front_desk(app).await;
    import_patients(app, &org, &[("p1", "Lucia", "Rivera", "1961-04-09", "")]).await;
    let browser = enrolled_patient(app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;
    // Just signed in (enrollment): the password was typed moments ago.
    let setup = browser
        .get(app.url("/account/two-step/app"))
        .send()
        .await
        .unwrap();
    assert_eq!(setup.status(), StatusCode::OK);
    let page = setup.text().await.unwrap();
    assert!(
        page.contains("data:image/svg+xml;base64,"),
        "a QR code to scan"
    );
    let (secret, sealed) = scan(&page);

    let wrong = browser
        .post(app.url("/account/two-step/app"))
        .form(&[("sealed", sealed.as_str()), ("code", "000000")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        wrong
            .text()
            .await
            .unwrap()
            .contains("That code does not match")
    );
    // A sealed secret made up by the browser is not taken.
    let forged = browser
        .post(app.url("/account/two-step/app"))
        .form(&[("sealed", "00ff"), ("code", &secret.code_at(now()))])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::SEE_OTHER);

    let code = secret.code_at(now());
    let on = browser
        .post(app.url("/account/two-step/app"))
        .form(&[("sealed", sealed.as_str()), ("code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(on.status(), StatusCode::OK);
    let page = on.text().await.unwrap();
    let codes = recovery_codes(&page);
    assert_eq!(codes.len(), 10, "{page}");
    let account = browser
        .get(app.url("/account"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        account.contains("On: a code from your authenticator app."),
        "{account}"
    );
    assert!(
        account.contains("You have 10 recovery codes left."),
        "{account}"
    );
    (browser, secret, codes)
}

each_backend! {
    async fn an_app_code_signs_in_once_and_recovery_codes_once_each(app) {
        let (browser, secret, codes) = lucia_with_app(&app).await;
        browser.post(app.url("/sign-out")).send().await.unwrap();

        // The password alone starts no session.
        let first = patient_sign_in(&app, &browser, "lucia.r").await;
        assert_eq!(first.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&first), "/sign-in/code");
        assert_eq!(browser.get(app.url("/home")).send().await.unwrap().status(), StatusCode::SEE_OTHER);
        let page = browser.get(app.url("/sign-in/code")).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("authenticator app"), "{page}");

        let wrong = send_code(&app, &browser, "123456").await;
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
        assert!(wrong.text().await.unwrap().contains("That code does not work"));
        // The code shown now: the one that turned the app on was this step or the one before,
        // so wait for a step no code has been accepted in.
        let step = now() / 30;
        let code_time = loop {
            let t = now();
            if t / 30 > step { break t; }
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        };
        let code = secret.code_at(code_time);
        let signed_in = send_code(&app, &browser, &code).await;
        assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&signed_in), "/home");
        assert_eq!(browser.get(app.url("/home")).send().await.unwrap().status(), StatusCode::OK);

        // The same code, typed again for a new sign-in (someone looking over her shoulder), is
        // refused.
        let onlooker = patient_browser();
        assert_eq!(location(&patient_sign_in(&app, &onlooker, "lucia.r").await), "/sign-in/code");
        let replayed = send_code(&app, &onlooker, &code).await;
        assert_eq!(replayed.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(onlooker.get(app.url("/home")).send().await.unwrap().status(), StatusCode::SEE_OTHER);

        // A recovery code works once, typed in any case, with or without its dash.
        let recovery = codes[0].to_lowercase().replace('-', " ");
        let lost_phone = patient_browser();
        patient_sign_in(&app, &lost_phone, "lucia.r").await;
        let used = send_code(&app, &lost_phone, &recovery).await;
        assert_eq!(used.status(), StatusCode::SEE_OTHER);
        assert_eq!(lost_phone.get(app.url("/home")).send().await.unwrap().status(), StatusCode::OK);
        let again = patient_browser();
        patient_sign_in(&app, &again, "lucia.r").await;
        assert_eq!(send_code(&app, &again, &codes[0]).await.status(), StatusCode::UNAUTHORIZED);
        let account = lost_phone.get(app.url("/account")).send().await.unwrap().text().await.unwrap();
        assert!(account.contains("You have 9 recovery codes left."), "{account}");
    }

    async fn guessing_codes_ends_the_sign_in_then_waits(app) {
        let (_, secret, _) = lucia_with_app(&app).await;
        let guesser = patient_browser();
        patient_sign_in(&app, &guesser, "lucia.r").await;
        for _ in 1..CODE_FAILURES {
            assert_eq!(send_code(&app, &guesser, "999999").await.status(), StatusCode::UNAUTHORIZED);
        }
        // The last wrong code ends the sign-in: the password is asked for again.
        let ended = send_code(&app, &guesser, "999999").await;
        assert_eq!(ended.status(), StatusCode::UNAUTHORIZED);
        assert!(ended.text().await.unwrap().contains("Please sign in again"));
        assert_eq!(send_code(&app, &guesser, &secret.code_at(now())).await.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(guesser.get(app.url("/home")).send().await.unwrap().status(), StatusCode::SEE_OTHER);

        // Signing in again does not start the count over: past 5 wrong codes for the account,
        // even the right one waits.
        assert_eq!(location(&patient_sign_in(&app, &guesser, "lucia.r").await), "/sign-in/code");
        for _ in CODE_FAILURES..5 {
            assert_eq!(send_code(&app, &guesser, "999999").await.status(), StatusCode::UNAUTHORIZED);
        }
        let waits = send_code(&app, &guesser, &secret.code_at(now())).await;
        assert_eq!(waits.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(waits.text().await.unwrap().contains("Wait 1 minute"));
        assert_eq!(guesser.get(app.url("/home")).send().await.unwrap().status(), StatusCode::SEE_OTHER);
    }

    async fn codes_sent_at_once_take_their_turns_and_a_challenge_keeps_its_kind(app) {
        let (_, secret, _) = lucia_with_app(&app).await;
        let guesser = patient_browser();
        patient_sign_in(&app, &guesser, "lucia.r").await;
        // A patient's challenge is no staff sign-in.
        let staff_page = guesser.get(app.url("/staff/sign-in/code")).send().await.unwrap();
        assert_eq!(location(&staff_page), "/staff/sign-in");
        let as_staff = guesser.post(app.url("/staff/sign-in/code")).form(&[("code", secret.code_at(now()))]).send().await.unwrap();
        assert_eq!(as_staff.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(guesser.get(app.url("/staff")).send().await.unwrap().status(), StatusCode::SEE_OTHER);

        // Eight guesses sent at the same moment: only the challenge's attempts are checked.
        let guesses = (0..8).map(|_| {
            let guesser = guesser.clone();
            let url = app.url("/sign-in/code");
            tokio::spawn(async move {
                guesser.post(url).form(&[("code", "999999")]).send().await.unwrap().text().await.unwrap()
            })
        });
        let mut checked = 0;
        for guess in guesses {
            if guess.await.unwrap().contains("That code does not work") {
                checked += 1;
            }
        }
        assert_eq!(checked, CODE_FAILURES - 1, "the last attempt ends the sign-in; the rest are not checked");
        assert_eq!(send_code(&app, &guesser, &secret.code_at(now())).await.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(guesser.get(app.url("/home")).send().await.unwrap().status(), StatusCode::SEE_OTHER);
    }

    async fn changing_2_step_settings_asks_for_the_password_again(app) {
        let (browser, _, _) = lucia_with_app(&app).await;
        // Half an hour later, on a computer left signed in...
        app.db.execute_admin("UPDATE sessions SET reauthenticated_at = 0").await.unwrap();
        let off = browser.post(app.url("/account/two-step/off")).send().await.unwrap();
        assert_eq!(off.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&off), "/account/confirm?next=/account");
        let setup = browser.get(app.url("/account/two-step/app")).send().await.unwrap();
        assert_eq!(location(&setup), "/account/confirm?next=/account/two-step/app");
        let codes = browser.post(app.url("/account/two-step/recovery-codes")).send().await.unwrap();
        assert_eq!(location(&codes), "/account/confirm?next=/account");
        let account = browser.get(app.url("/account")).send().await.unwrap().text().await.unwrap();
        assert!(account.contains("On: a code from your authenticator app."), "nothing changed");

        let wrong = browser
            .post(app.url("/account/confirm"))
            .form(&[("password", "not her password"), ("next", "/account")])
            .send()
            .await
            .unwrap();
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
        assert!(wrong.text().await.unwrap().contains("That password is not right"));
        let elsewhere = browser
            .post(app.url("/account/confirm"))
            .form(&[("password", PATIENT_PASSWORD), ("next", "https://evil.example/")])
            .send()
            .await
            .unwrap();
        assert_eq!(location(&elsewhere), "/account", "only back to our own pages");

        let off = browser.post(app.url("/account/two-step/off")).send().await.unwrap();
        assert_eq!(location(&off), "/account?done=off");
        let account = browser.get(app.url("/account?done=off")).send().await.unwrap().text().await.unwrap();
        assert!(account.contains("2-step sign-in is off."), "{account}");
        // Her password alone signs her in again.
        let other = patient_browser();
        let signed_in = patient_sign_in(&app, &other, "lucia.r").await;
        assert_eq!(signed_in.status(), StatusCode::SEE_OTHER, "{}", signed_in.text().await.unwrap());
        assert_eq!(location(&signed_in), "/home");
    }

    async fn changing_the_password_asks_for_it_again_and_signs_out_other_devices(app) {
        let email = format!("lucia.{}@example.org", uuid::Uuid::new_v4().simple());
        let org = front_desk(&app).await;
        let extra = format!(r#","telecom":[{{"system":"email","value":"{email}"}}]"#);
        import_patients(&app, &org, &[("p1", "Lucia", "Rivera", "1961-04-09", &extra)]).await;
        let browser = enrolled_patient(&app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;
        let tablet = patient_browser();
        assert_eq!(location(&patient_sign_in(&app, &tablet, "lucia.r").await), "/home");

        app.db.execute_admin("UPDATE sessions SET reauthenticated_at = 0").await.unwrap();
        let form = browser.get(app.url("/account/password")).send().await.unwrap();
        assert_eq!(location(&form), "/account/confirm?next=/account/password");
        let confirmed = browser
            .post(app.url("/account/confirm"))
            .form(&[("password", PATIENT_PASSWORD), ("next", "/account/password")])
            .send()
            .await
            .unwrap();
        assert_eq!(location(&confirmed), "/account/password");
        let page = browser.get(app.url("/account/password")).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK);

        let weak = browser
            .post(app.url("/account/password"))
            .form(&[("password", "lucia1961rivera"), ("confirmation", "lucia1961rivera")])
            .send()
            .await
            .unwrap();
        assert_eq!(weak.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(weak.text().await.unwrap().contains(r#"id="password-errors""#));

        let new_password = "a heron waits by the cold river";
        let changed = browser
            .post(app.url("/account/password"))
            .form(&[("password", new_password), ("confirmation", new_password)])
            .send()
            .await
            .unwrap();
        assert_eq!(location(&changed), "/account?done=password");
        assert_eq!(browser.get(app.url("/home")).send().await.unwrap().status(), StatusCode::OK, "this device stays");
        assert_eq!(tablet.get(app.url("/home")).send().await.unwrap().status(), StatusCode::SEE_OTHER, "the others are out");
        app.mail.wait_for(&email, "password was changed").await;

        let old = patient_browser();
        assert_eq!(patient_sign_in(&app, &old, "lucia.r").await.status(), StatusCode::UNAUTHORIZED);
        let new = patient_browser()
            .post(app.url("/sign-in"))
            .form(&[("organization", "maple"), ("username", "lucia.r"), ("password", new_password)])
            .send()
            .await
            .unwrap();
        assert_eq!(location(&new), "/home");
    }

    async fn a_new_email_address_is_used_once_its_link_is_followed(app) {
        let old_address = format!("lucia.{}@example.org", uuid::Uuid::new_v4().simple());
        let new_address = format!("lucia.new.{}@example.org", uuid::Uuid::new_v4().simple());
        let org = front_desk(&app).await;
        let extra = format!(r#","telecom":[{{"system":"email","value":"{old_address}"}}]"#);
        import_patients(&app, &org, &[("p1", "Lucia", "Rivera", "1961-04-09", &extra)]).await;
        let browser = enrolled_patient(&app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;

        let page = browser.get(app.url("/account/email")).send().await.unwrap().text().await.unwrap();
        assert!(page.contains(&old_address), "her own address is shown to her");
        for (typed, message) in [("not an address", "Enter an email address like"), (old_address.as_str(), "already your email address")] {
            let refused = browser.post(app.url("/account/email")).form(&[("email", typed)]).send().await.unwrap();
            assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
            assert!(refused.text().await.unwrap().contains(message));
        }
        let asked = browser.post(app.url("/account/email")).form(&[("email", new_address.as_str())]).send().await.unwrap();
        assert_eq!(asked.status(), StatusCode::OK);
        assert!(asked.text().await.unwrap().contains("Check your new inbox"));

        // The old address is told; the new one gets the link. Nothing changes until it is used.
        app.mail.wait_for(&old_address, "is being changed").await;
        let mail = app.mail.wait_for(&new_address, "Confirm your new email address").await;
        let start = mail.text.find(&format!("{}/account/email/confirm/", app.base_url)).expect("a link");
        let link = mail.text[start..].split_whitespace().next().unwrap().to_owned();
        let opened = patient_browser().get(&link).send().await.unwrap();
        assert_eq!(opened.status(), StatusCode::OK);
        assert!(opened.text().await.unwrap().contains(&new_address));
        let page = browser.get(app.url("/account/email")).send().await.unwrap().text().await.unwrap();
        assert!(page.contains(&old_address), "a mail scanner opening the link changes nothing");

        let done = patient_browser().post(&link).send().await.unwrap();
        assert_eq!(done.status(), StatusCode::OK);
        assert!(done.text().await.unwrap().contains("Your email address is changed"));
        let page = browser.get(app.url("/account/email")).send().await.unwrap().text().await.unwrap();
        assert!(page.contains(&new_address) && !page.contains(&old_address), "{page}");
        let again = patient_browser().post(&link).send().await.unwrap();
        assert_eq!(again.status(), StatusCode::GONE, "the link works once");

        // Without the password typed lately, the form asks for it first.
        app.db.execute_admin("UPDATE sessions SET reauthenticated_at = 0").await.unwrap();
        let later = browser.post(app.url("/account/email")).form(&[("email", "x@example.org")]).send().await.unwrap();
        assert_eq!(location(&later), "/account/confirm?next=/account/email");
    }

    async fn forms_from_another_site_change_nothing_and_a_planted_session_is_replaced(app) {
        let (browser, secret, _) = lucia_with_app(&app).await;
        // Another site's page posting to the settings, with her cookies: refused.
        for (path, form) in [
            ("/account/two-step/off", vec![]),
            ("/account/password", vec![("password", "a heron waits by the cold river"), ("confirmation", "a heron waits by the cold river")]),
            ("/account/email", vec![("email", "thief@example.org")]),
            ("/account/confirm", vec![("password", PATIENT_PASSWORD)]),
        ] {
            let cross_site = browser.post(app.url(path)).header("sec-fetch-site", "cross-site").form(&form).send().await.unwrap();
            assert_eq!(cross_site.status(), StatusCode::FORBIDDEN, "{path}");
            let foreign = browser.post(app.url(path)).header(reqwest::header::ORIGIN, "https://evil.example").form(&form).send().await.unwrap();
            assert_eq!(foreign.status(), StatusCode::FORBIDDEN, "{path}");
        }
        for path in ["/sign-in/passkey/options", "/account/passkeys/options", "/api/v1/session/code"] {
            let cross_site = browser.post(app.url(path)).header("sec-fetch-site", "cross-site").json(&serde_json::json!({})).send().await.unwrap();
            assert_eq!(cross_site.status(), StatusCode::FORBIDDEN, "{path}");
        }
        let account = browser.get(app.url("/account")).send().await.unwrap().text().await.unwrap();
        assert!(account.contains("On: a code from your authenticator app."), "nothing changed");

        // A session id planted in a browser before sign-in is not the one the second step
        // starts.
        let bare = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let first = bare
            .post(app.url("/sign-in"))
            .form(&[("organization", "maple"), ("username", "lucia.r"), ("password", PATIENT_PASSWORD)])
            .send()
            .await
            .unwrap();
        let challenge = first.headers()[reqwest::header::SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_owned();
        assert!(challenge.starts_with("porchlight_2step="), "{challenge}");
        let step = now() / 30;
        let code_time = loop {
            let t = now();
            if t / 30 > step { break t; }
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        };
        let planted = "planted-session-token-from-an-attacker";
        let second = bare
            .post(app.url("/sign-in/code"))
            .header(reqwest::header::COOKIE, format!("{challenge}; porchlight_session={planted}"))
            .form(&[("code", secret.code_at(code_time))])
            .send()
            .await
            .unwrap();
        assert_eq!(location(&second), "/home");
        let cookies: Vec<&str> = second.headers().get_all(reqwest::header::SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).collect();
        let session = cookies.iter().find(|c| c.starts_with("porchlight_session=")).expect("a new session");
        assert!(!session.contains(planted), "{session}");
        assert!(cookies.iter().any(|c| c.starts_with("porchlight_2step=;")), "the challenge cookie is removed: {cookies:?}");
        let with_planted = bare.get(app.url("/home")).header(reqwest::header::COOKIE, format!("porchlight_session={planted}")).send().await.unwrap();
        assert_eq!(with_planted.status(), StatusCode::SEE_OTHER);
    }

    async fn codes_by_email_arrive_and_work_once(app) {
        let email = format!("lucia.{}@example.org", uuid::Uuid::new_v4().simple());
        let org = front_desk(&app).await;
        let extra = format!(r#","telecom":[{{"system":"email","value":"{email}"}}]"#);
        import_patients(&app, &org, &[("p1", "Lucia", "Rivera", "1961-04-09", &extra)]).await;
        let browser = enrolled_patient(&app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;
        let account = browser.get(app.url("/account")).send().await.unwrap().text().await.unwrap();
        assert!(account.contains("Get codes by email"), "{account}");
        let on = browser.post(app.url("/account/two-step/email")).send().await.unwrap();
        assert_eq!(on.status(), StatusCode::OK);
        assert_eq!(recovery_codes(&on.text().await.unwrap()).len(), 10);
        // She is told, in case it was not her.
        let told = app.mail.wait_for(&email, "How you sign in to the").await;
        assert!(told.text.contains("2-step sign-in was just turned on"), "{}", told.text);
        browser.post(app.url("/sign-out")).send().await.unwrap();

        let signing_in = patient_sign_in(&app, &browser, "lucia.r").await;
        assert_eq!(location(&signing_in), "/sign-in/code");
        let page = browser.get(app.url("/sign-in/code")).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("We emailed you a 6-digit code"), "{page}");
        let mail = app.mail.wait_for(&email, "sign-in code").await;
        let code: String = between(&mail.text, "portal is:\n\n", "\n").trim().to_owned();
        assert_eq!(code.len(), 6, "{}", mail.text);
        assert!(!mail.subject.contains(&code));

        // Another code is not sent within moments of the first.
        let resend = browser.post(app.url("/sign-in/code/resend")).send().await.unwrap();
        assert_eq!(resend.status(), StatusCode::TOO_MANY_REQUESTS);

        let signed_in = send_code(&app, &browser, &format!("{} {}", &code[..3], &code[3..])).await;
        assert_eq!(location(&signed_in), "/home");
        assert_eq!(browser.get(app.url("/home")).send().await.unwrap().status(), StatusCode::OK);
        // The code ended with its sign-in.
        let other = patient_browser();
        patient_sign_in(&app, &other, "lucia.r").await;
        assert_eq!(send_code(&app, &other, &code).await.status(), StatusCode::UNAUTHORIZED);
    }

    async fn a_practice_requiring_2_step_sign_in_has_staff_set_it_up_first(app) {
        let org = clinic(&app).await;
        let alex = add_staff(&app, org.id, "alex", Role::Administrator).await;
        let policy = domain::policy::EnrollmentPolicy {
            staff_two_step_required: true,
            ..Default::default()
        };
        let scope = domain::StaffScope::new(org.id, alex, Role::Administrator);
        app.db.save_enrollment_policy(&scope, &policy, &storage::RequestOrigin::default()).await.unwrap();

        let signing_in = staff_sign_in(&app, &org, "alex", STAFF_PASSWORD).await;
        assert_eq!(location(&signing_in), "/staff/sign-in/code");
        assert_eq!(app.client.get(app.url("/staff")).send().await.unwrap().status(), StatusCode::SEE_OTHER);
        let page = app.client.get(app.url("/staff/sign-in/code")).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("Your practice requires a code"), "{page}");
        let (secret, sealed) = scan(&page);
        let wrong = app.client
            .post(app.url("/staff/sign-in/code"))
            .form(&[("sealed", sealed.as_str()), ("code", "000000")])
            .send()
            .await
            .unwrap();
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
        let code = secret.code_at(now());
        let set_up = app.client
            .post(app.url("/staff/sign-in/code"))
            .form(&[("sealed", sealed.as_str()), ("code", code.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(set_up.status(), StatusCode::OK);
        let codes = recovery_codes(&set_up.text().await.unwrap());
        assert_eq!(codes.len(), 10);
        assert_eq!(app.client.get(app.url("/staff")).send().await.unwrap().status(), StatusCode::OK);

        // Next time: the app's code, never the one used to set it up.
        app.client.post(app.url("/staff/sign-out")).send().await.unwrap();
        assert_eq!(location(&staff_sign_in(&app, &org, "alex", STAFF_PASSWORD).await), "/staff/sign-in/code");
        let page = app.client.get(app.url("/staff/sign-in/code")).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("Enter your code") && !page.contains("sealed"), "{page}");
        let replayed = app.client.post(app.url("/staff/sign-in/code")).form(&[("code", code.as_str())]).send().await.unwrap();
        assert_eq!(replayed.status(), StatusCode::UNAUTHORIZED);
        let recovered = app.client.post(app.url("/staff/sign-in/code")).form(&[("code", codes[3].as_str())]).send().await.unwrap();
        assert_eq!(location(&recovered), "/staff");
        assert_eq!(app.client.get(app.url("/staff")).send().await.unwrap().status(), StatusCode::OK);
    }

    async fn staff_turn_their_app_on_and_off_from_their_own_page(app) {
        let org = clinic(&app).await;
        let alex = add_staff(&app, org.id, "alex", Role::Administrator).await;
        assert_eq!(location(&staff_sign_in(&app, &org, "alex", STAFF_PASSWORD).await), "/staff");
        let page = app.client.get(app.url("/staff/account")).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("Off: signing in asks only for your password."), "{page}");

        app.db.execute_admin("UPDATE sessions SET reauthenticated_at = 0").await.unwrap();
        let setup = app.client.get(app.url("/staff/account/two-step/app")).send().await.unwrap();
        assert_eq!(location(&setup), "/staff/account/confirm?next=/staff/account/two-step/app");
        let confirmed = app.client
            .post(app.url("/staff/account/confirm"))
            .form(&[("password", STAFF_PASSWORD), ("next", "/staff/account/two-step/app")])
            .send()
            .await
            .unwrap();
        assert_eq!(location(&confirmed), "/staff/account/two-step/app");
        let page = app.client.get(app.url("/staff/account/two-step/app")).send().await.unwrap().text().await.unwrap();
        let (secret, sealed) = scan(&page);
        let wrong = app.client
            .post(app.url("/staff/account/two-step/app"))
            .form(&[("sealed", sealed.as_str()), ("code", "000000")])
            .send()
            .await
            .unwrap();
        assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let on = app.client
            .post(app.url("/staff/account/two-step/app"))
            .form(&[("sealed", sealed.as_str()), ("code", secret.code_at(now()).as_str())])
            .send()
            .await
            .unwrap();
        let codes = recovery_codes(&on.text().await.unwrap());
        assert_eq!(codes.len(), 10);
        let page = app.client.get(app.url("/staff/account")).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("On: a code from your authenticator app.") && page.contains("Recovery codes left: 10."), "{page}");

        // Signing in now asks for a code.
        app.client.post(app.url("/staff/sign-out")).send().await.unwrap();
        assert_eq!(location(&staff_sign_in(&app, &org, "alex", STAFF_PASSWORD).await), "/staff/sign-in/code");
        let in_again = app.client.post(app.url("/staff/sign-in/code")).form(&[("code", codes[0].as_str())]).send().await.unwrap();
        assert_eq!(location(&in_again), "/staff");

        // While the practice requires it, it stays on; otherwise it can be turned off.
        let policy = domain::policy::EnrollmentPolicy { staff_two_step_required: true, ..Default::default() };
        let scope = domain::StaffScope::new(org.id, alex, Role::Administrator);
        app.db.save_enrollment_policy(&scope, &policy, &storage::RequestOrigin::default()).await.unwrap();
        let refused = app.client.post(app.url("/staff/account/two-step/off")).send().await.unwrap();
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
        app.db.save_enrollment_policy(&scope, &domain::policy::EnrollmentPolicy::default(), &storage::RequestOrigin::default()).await.unwrap();
        let off = app.client.post(app.url("/staff/account/two-step/off")).send().await.unwrap();
        assert_eq!(location(&off), "/staff/account?done=off");
        app.client.post(app.url("/staff/sign-out")).send().await.unwrap();
        assert_eq!(location(&staff_sign_in(&app, &org, "alex", STAFF_PASSWORD).await), "/staff");
    }

    async fn a_lost_phone_and_lost_codes_end_with_a_reset_code_from_staff(app) {
        let (browser, _, _) = lucia_with_app(&app).await;
        // She lost her phone and her recovery codes, and calls; staff confirm who she is.
        let org_page = crate::fixtures::patient_page(&app, &app.db.organizations().await.unwrap()[0], "Rivera", "Lucia").await;
        browser.post(app.url("/sign-out")).send().await.unwrap();
        let issued = app.client.post(app.url(&format!("{org_page}/reset-code"))).form(&[("confirmed", "photo-id")]).send().await.unwrap();
        let issued = issued.text().await.unwrap();
        let code = between(&issued, "id=\"reset-code\">", "<").to_owned();
        let new_password = "a heron waits by the cold river";
        let done = patient_browser()
            .post(app.url("/reset-code"))
            .form(&[("code", code.as_str()), ("password", new_password), ("confirmation", new_password)])
            .send()
            .await
            .unwrap();
        assert!(done.text().await.unwrap().contains("Your password is changed"));
        // Identity confirmed by staff: her password alone signs her in, to turn it on again.
        let signed_in = patient_browser()
            .post(app.url("/sign-in"))
            .form(&[("organization", "maple"), ("username", "lucia.r"), ("password", new_password)])
            .send()
            .await
            .unwrap();
        assert_eq!(location(&signed_in), "/home");
        assert_eq!(app.db.count_audit("two-step.enabled").await.unwrap(), 1);
    }

    async fn an_old_api_client_saving_the_policy_keeps_the_newer_settings(app) {
        let org = clinic(&app).await;
        add_staff(&app, org.id, "alex", Role::Administrator).await;
        assert_eq!(location(&staff_sign_in(&app, &org, "alex", STAFF_PASSWORD).await), "/staff");
        let mut policy: serde_json::Value = app.client.get(app.url("/api/v1/enrollment-policy")).send().await.unwrap().json().await.unwrap();
        policy["staff_two_step_required"] = serde_json::json!(true);
        policy["patient_idle_minutes"] = serde_json::json!(10);
        policy["self_enrollment_day_month_swap"] = serde_json::json!(true);
        let saved = app.client.put(app.url("/api/v1/enrollment-policy")).json(&policy).send().await.unwrap();
        assert_eq!(saved.status(), StatusCode::OK);
        // A client from before these settings sends the policy without them.
        let old = policy.as_object().unwrap().iter()
            .filter(|(k, _)| !matches!(k.as_str(), "staff_two_step_required" | "patient_idle_minutes" | "patient_session_hours" | "staff_idle_minutes" | "staff_session_hours" | "self_enrollment_day_month_swap"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect::<serde_json::Map<_, _>>();
        let saved = app.client.put(app.url("/api/v1/enrollment-policy")).json(&old).send().await.unwrap();
        assert_eq!(saved.status(), StatusCode::OK);
        let stored = app.db.enrollment_policy(org.id).await.unwrap();
        assert!(stored.staff_two_step_required, "not weakened by an older client");
        assert_eq!(stored.patient_idle_minutes, 10);
        assert!(stored.self_enrollment_day_month_swap);
    }

    async fn the_api_asks_for_the_second_step_before_a_session(app) {
        let (_, _, codes) = lucia_with_app(&app).await;
        let api = reqwest::Client::new();
        let started = api
            .post(app.url("/api/v1/session"))
            .json(&serde_json::json!({"organization": "maple", "username": "lucia.r", "password": PATIENT_PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(started.status(), StatusCode::ACCEPTED);
        let body: serde_json::Value = started.json().await.unwrap();
        assert_eq!(body["method"], "app");
        assert!(body.get("session_token").is_none(), "{body}");
        let challenge = body["challenge_token"].as_str().unwrap().to_owned();

        let wrong = api
            .post(app.url("/api/v1/session/code"))
            .json(&serde_json::json!({"challenge_token": challenge, "code": "000000"}))
            .send()
            .await
            .unwrap();
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
        let wrong: serde_json::Value = wrong.json().await.unwrap();
        assert_eq!(wrong["code"], "wrong_code");
        let signed_in = api
            .post(app.url("/api/v1/session/code"))
            .json(&serde_json::json!({"challenge_token": challenge, "code": codes[1]}))
            .send()
            .await
            .unwrap();
        assert_eq!(signed_in.status(), StatusCode::CREATED);
        let body: serde_json::Value = signed_in.json().await.unwrap();
        let token = body["session_token"].as_str().unwrap();
        let me = api.get(app.url("/api/v1/me")).bearer_auth(token).send().await.unwrap();
        assert_eq!(me.status(), StatusCode::OK);
        // The challenge is spent.
        let again = api
            .post(app.url("/api/v1/session/code"))
            .json(&serde_json::json!({"challenge_token": challenge, "code": codes[2]}))
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::UNAUTHORIZED);
        let again: serde_json::Value = again.json().await.unwrap();
        assert_eq!(again["code"], "sign_in_again");
    }
}

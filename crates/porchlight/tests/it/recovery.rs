//! "Forgot your password or username?": the same answer whether an account matched, the
//! email (read from the SMTP sink) with the username and a single-use link, the new password
//! under the enrollment's rules, and every session ended.

use reqwest::StatusCode;

use crate::{
    fixtures::{
        PATIENT_PASSWORD, STAFF_PASSWORD, add_staff, enrolled_patient, front_desk, import_patients,
        page_text, patient_browser, patient_page, sign_in as staff_sign_in, spanish_browser,
    },
    harness::{TestApp, each_backend},
};

const NEW_PASSWORD: &str = "a quiet lake behind the old mill";

/// An address no other test writes to: the SMTP sink is shared by the whole test process.
fn unique_address(name: &str) -> String {
    format!("{name}.{}@example.org", uuid::Uuid::new_v4().simple())
}

/// Lucia, enrolled as `lucia.r`, with `email` on her chart; answers her signed-in browser.
async fn lucia(app: &TestApp, email: &str) -> reqwest::Client {
    let org = front_desk(app).await;
    let extra = format!(r#","telecom":[{{"system":"email","value":"{email}"}}]"#);
    import_patients(
        app,
        &org,
        &[("p1", "Lucia", "Rivera", "1961-04-09", &extra)],
    )
    .await;
    enrolled_patient(app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await
}

async fn forgot(app: &TestApp, key: &str) -> reqwest::Response {
    patient_browser()
        .post(app.url("/forgot"))
        .form(&[("organization", "maple"), ("key", key)])
        .send()
        .await
        .unwrap()
}

async fn sign_in(app: &TestApp, password: &str) -> StatusCode {
    patient_browser()
        .post(app.url("/sign-in"))
        .form(&[
            ("organization", "maple"),
            ("username", "lucia.r"),
            ("password", password),
        ])
        .send()
        .await
        .unwrap()
        .status()
}

/// The reset link in a message body.
fn reset_link(body: &str, base_url: &str) -> String {
    let prefix = format!("{base_url}/reset/");
    let start = body.find(&prefix).expect("a reset link in the message");
    body[start..]
        .split(|c: char| c.is_whitespace() || c == '"' || c == '<')
        .next()
        .unwrap()
        .to_owned()
}

async fn reset(
    browser: &reqwest::Client,
    link: &str,
    password: &str,
    again: &str,
) -> reqwest::Response {
    browser
        .post(link)
        .form(&[("password", password), ("confirmation", again)])
        .send()
        .await
        .unwrap()
}

each_backend! {
    async fn a_forgotten_password_is_reset_by_the_emailed_link_once(app) {
        let address = unique_address("lucia");
        let signed_in = lucia(&app, &address).await;
        assert_eq!(signed_in.get(app.url("/home")).send().await.unwrap().status(), StatusCode::OK);
        // She guessed until the sign-in made her wait: the reset lifts that.
        for _ in 0..5 {
            assert_eq!(sign_in(&app, "was it this one?").await, StatusCode::UNAUTHORIZED);
        }

        let form = patient_browser().get(app.url("/forgot")).send().await.unwrap().text().await.unwrap();
        assert!(form.contains("Forgot your password or username?"), "{form}");
        let sent = forgot(&app, "Lucia.R").await;
        assert_eq!(sent.status(), StatusCode::OK);
        let sent = sent.text().await.unwrap();
        assert!(sent.contains("Check your email"), "{sent}");
        // Nobody by that name: the very same page.
        let nobody = forgot(&app, "nobody.here").await.text().await.unwrap();
        assert_eq!(nobody, sent);
        let nobody = forgot(&app, "nobody@example.org").await.text().await.unwrap();
        assert_eq!(nobody, sent);

        let mail = app.mail.wait_for(&address, "Reset your Maple Street Clinic patient portal password").await;
        assert!(mail.text.contains("lucia.r"), "the username is in the email: {}", mail.text);
        let link = reset_link(&mail.text, &app.base_url);
        assert_eq!(link, reset_link(&mail.html, &app.base_url));
        // Only the token's hash is kept, and the outbox forgets the link once it is sent.
        assert_eq!(app.db.count_audit("account.password-reset-requested").await.unwrap(), 1);

        let browser = patient_browser();
        let page = browser.get(&link).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        assert!(page.text().await.unwrap().contains("Choose a new password"));
        // The enrollment's rules: a common password, a mismatch, the username inside.
        let common = reset(&browser, &link, "password1234", "password1234").await;
        assert_eq!(common.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(common.text().await.unwrap().contains("id=\"password-errors\""));
        let mismatch = reset(&browser, &link, NEW_PASSWORD, "a quiet lake behind the mill").await;
        assert_eq!(mismatch.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let done = reset(&browser, &link, NEW_PASSWORD, NEW_PASSWORD).await;
        assert_eq!(done.status(), StatusCode::OK);
        assert!(done.text().await.unwrap().contains("Your password is changed"));

        // Every session ended; the old password no longer works, the new one does.
        assert_ne!(signed_in.get(app.url("/home")).send().await.unwrap().status(), StatusCode::OK);
        assert_eq!(sign_in(&app, PATIENT_PASSWORD).await, StatusCode::UNAUTHORIZED);
        assert_eq!(sign_in(&app, NEW_PASSWORD).await, StatusCode::SEE_OTHER);
        assert_eq!(app.db.count_audit("account.password-reset").await.unwrap(), 1);
        app.mail.wait_for(&address, "Your Maple Street Clinic patient portal password was changed").await;

        // The link works once.
        let reused = browser.get(&link).send().await.unwrap();
        assert_eq!(reused.status(), StatusCode::GONE);
        assert!(reused.text().await.unwrap().contains("This link no longer works"));
        let reused = reset(&browser, &link, "another long passphrase here", "another long passphrase here").await;
        assert_eq!(reused.status(), StatusCode::GONE);
        assert_eq!(sign_in(&app, NEW_PASSWORD).await, StatusCode::SEE_OTHER);
        // A made-up link says the same.
        let made_up = browser.get(app.url("/reset/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")).send().await.unwrap();
        assert_eq!(made_up.status(), StatusCode::GONE);
    }

    async fn a_forgotten_username_is_emailed_to_the_address_on_the_chart(app) {
        let address = unique_address("lucia");
        lucia(&app, &address).await;
        let sent = forgot(&app, &address.to_uppercase()).await;
        assert!(sent.text().await.unwrap().contains("Check your email"));
        let mail = app.mail.wait_for(&address, "Reset your Maple Street Clinic patient portal password").await;
        assert!(mail.text.contains("lucia.r"), "{}", mail.text);
        // An empty request is a mistake to fix, not a request.
        let empty = forgot(&app, "  ").await;
        assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(empty.text().await.unwrap().contains("Type your username or your email address."));
    }

    async fn reset_requests_are_throttled_and_an_account_gets_few_emails(app) {
        let address = unique_address("lucia");
        lucia(&app, &address).await;
        for _ in 0..10 {
            assert_eq!(forgot(&app, "lucia.r").await.status(), StatusCode::OK);
        }
        let throttled = forgot(&app, "lucia.r").await;
        assert_eq!(throttled.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(throttled.text().await.unwrap().contains("Too many requests"));
        // Ten requests, three emails: the patient's mailbox is not flooded. (Resets start
        // after the answer: wait for them to settle.)
        let mut queued = 0;
        for _ in 0..50 {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            let now = app.db.jobs_of_kind("email.password-reset").await.unwrap().len();
            if now == queued && now > 0 {
                break;
            }
            queued = now;
        }
        assert_eq!(queued, 3);
    }

    async fn staff_issue_a_code_that_unlocks_the_account_and_works_once(app) {
        let org = front_desk(&app).await;
        import_patients(&app, &org, &[("p1", "Lucia", "Rivera", "1961-04-09", "")]).await;
        enrolled_patient(&app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;
        // She said "this wasn't me" after someone signed in with her password.
        app.db.execute_admin("UPDATE patient_accounts SET locked_at = 1 WHERE username = 'lucia.r'").await.unwrap();
        assert_eq!(sign_in(&app, PATIENT_PASSWORD).await, StatusCode::UNAUTHORIZED);

        let page = patient_page(&app, &org, "Rivera", "Lucia").await;
        let chart = app.client.get(app.url(&page)).send().await.unwrap().text().await.unwrap();
        assert!(chart.contains("Account locked: lucia.r") && chart.contains("reset-code-link"), "{chart}");
        let form = app.client.get(app.url(&format!("{page}/reset-code"))).send().await.unwrap();
        assert_eq!(form.status(), StatusCode::OK);
        // No code without saying how identity was confirmed.
        let unconfirmed = app.client.post(app.url(&format!("{page}/reset-code"))).form(&[("confirmed", "")]).send().await.unwrap();
        assert_eq!(unconfirmed.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(unconfirmed.text().await.unwrap().contains("No code was made"));
        let issued = app.client.post(app.url(&format!("{page}/reset-code"))).form(&[("confirmed", "callback")]).send().await.unwrap();
        assert_eq!(issued.status(), StatusCode::OK);
        assert_eq!(issued.headers()["cache-control"], "no-store");
        let issued = issued.text().await.unwrap();
        let start = issued.find("id=\"reset-code\">").expect("the code is shown") + "id=\"reset-code\">".len();
        let code = issued[start..start + 11].to_owned();
        assert_eq!(code.as_bytes()[5], b'-', "{code}");
        assert_eq!(app.db.count_audit("account.reset-code-issued").await.unwrap(), 1);

        let patient = patient_browser();
        let redeem = |fields: Vec<(&'static str, String)>| {
            let patient = patient.clone();
            let url = app.url("/reset-code");
            async move { patient.post(url).form(&fields).send().await.unwrap() }
        };
        let typo = redeem(vec![("code", "ABC".to_owned())]).await;
        assert_eq!(typo.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(typo.text().await.unwrap().contains("A reset code has 10 letters and numbers"));
        let wrong = redeem(vec![("code", "ABCDE-23456".to_owned())]).await;
        assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(wrong.text().await.unwrap().contains("That code does not work"));
        // Typed in lower case without the hyphen, it still works: the new-password form.
        let typed = code.replace('-', " ").to_lowercase();
        let step = redeem(vec![("code", typed)]).await;
        assert_eq!(step.status(), StatusCode::OK);
        let step = step.text().await.unwrap();
        assert!(step.contains("Choose a new password") && step.contains(&format!("value=\"{code}\"")), "{step}");
        let weak = redeem(vec![("code", code.clone()), ("password", "password1234".to_owned()), ("confirmation", "password1234".to_owned())]).await;
        assert_eq!(weak.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let done = redeem(vec![("code", code.clone()), ("password", NEW_PASSWORD.to_owned()), ("confirmation", NEW_PASSWORD.to_owned())]).await;
        assert_eq!(done.status(), StatusCode::OK);
        assert!(done.text().await.unwrap().contains("Your password is changed"));

        // Unlocked, with the new password only; the code works once.
        assert_eq!(sign_in(&app, PATIENT_PASSWORD).await, StatusCode::UNAUTHORIZED);
        assert_eq!(sign_in(&app, NEW_PASSWORD).await, StatusCode::SEE_OTHER);
        let again = redeem(vec![("code", code.clone())]).await;
        assert_eq!(again.status(), StatusCode::UNPROCESSABLE_ENTITY);
        // A code is no emailed link.
        let as_link = patient_browser().get(app.url(&format!("/reset/{}", code.replace('-', "")))).send().await.unwrap();
        assert_eq!(as_link.status(), StatusCode::GONE);
    }

    async fn only_some_staff_issue_codes_and_wrong_codes_are_throttled(app) {
        let org = front_desk(&app).await;
        import_patients(&app, &org, &[("p1", "Lucia", "Rivera", "1961-04-09", "")]).await;
        let page = patient_page(&app, &org, "Rivera", "Lucia").await;
        // No account yet: nothing to reset.
        let early = app.client.post(app.url(&format!("{page}/reset-code"))).form(&[("confirmed", "photo-id")]).send().await.unwrap();
        assert_eq!(early.status(), StatusCode::CONFLICT);
        assert!(early.text().await.unwrap().contains("no portal account a code can reset"));

        add_staff(&app, org.id, "cleo", domain::Role::Clinician).await;
        staff_sign_in(&app, &org, "cleo", STAFF_PASSWORD).await;
        let clinician = app.client.get(app.url(&format!("{page}/reset-code"))).send().await.unwrap();
        assert_eq!(clinician.status(), StatusCode::FORBIDDEN);

        let guesser = patient_browser();
        for last in "23456789AB".chars() {
            let guess = guesser.post(app.url("/reset-code")).form(&[("code", format!("ABCDE-2345{last}"))]).send().await.unwrap();
            assert_eq!(guess.status(), StatusCode::UNPROCESSABLE_ENTITY, "guess {last}");
            assert!(guess.text().await.unwrap().contains("That code does not work"));
        }
        let held = guesser.post(app.url("/reset-code")).form(&[("code", "ABCDE-23456")]).send().await.unwrap();
        assert_eq!(held.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(held.text().await.unwrap().contains("Too many codes that did not work"));
    }
}

/// The password page after typing the password again.
async fn password_page(app: &TestApp, patient: &reqwest::Client) -> String {
    let confirmed = patient
        .post(app.url("/account/confirm"))
        .form(&[
            ("password", PATIENT_PASSWORD),
            ("next", "/account/password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(confirmed.status(), StatusCode::SEE_OTHER);
    page_text(patient, app, "/account/password").await
}

mod with_smtp {
    use super::*;

    each_backend! {
        async fn with_smtp_the_pages_offer_the_emailed_link_and_the_alerts(app) {
            let address = unique_address("lucia");
            let patient = lucia(&app, &address).await;
            for (browser, offer) in [(patient_browser(), "Email me a link"), (spanish_browser(), "Envíenme un enlace")] {
                let form = page_text(&browser, &app, "/forgot").await;
                assert!(form.contains("action=\"/forgot\"") && form.contains(offer), "{form}");
                assert!(!form.contains("id=\"forgot-no-email-practice\""), "{form}");
                // The practice's code stays one link away, for a patient without email.
                assert!(form.contains("href=\"/reset-code\""), "{form}");
            }
            let account = page_text(&patient, &app, "/account").await;
            assert!(account.contains("When your account is used on a phone or computer for the first time, we email you."), "{account}");
            let password = password_page(&app, &patient).await;
            assert!(password.contains("We will email you that the password changed."), "{password}");
        }
    }
}

mod without_smtp {
    use super::*;

    each_backend! {
        with spawn_keeping_mail;

        async fn the_forgot_page_sends_the_patient_to_the_practice_for_a_code(app) {
            let address = unique_address("lucia");
            let patient = lucia(&app, &address).await;
            for (browser, says, call) in [
                (patient_browser(), "This practice does not send email from the portal", "Call us at"),
                (spanish_browser(), "Este consultorio no envía correos electrónicos desde el portal", "Llámenos al"),
            ] {
                let page = page_text(&browser, &app, "/forgot").await;
                assert!(page.contains(says) && page.contains(call), "{page}");
                assert!(page.contains("href=\"/reset-code\"") && page.contains("href=\"tel:"), "{page}");
                assert!(!page.contains("action=\"/forgot\""), "no form that promises an email: {page}");
            }

            // A form posted anyway (an old tab) starts nothing and promises nothing.
            let posted = forgot(&app, "lucia.r").await;
            assert_eq!(posted.status(), StatusCode::OK);
            let posted = posted.text().await.unwrap();
            assert!(!posted.contains("Check your email"), "{posted}");
            assert!(posted.contains("This practice does not send email from the portal"), "{posted}");
            let spanish = spanish_browser().post(app.url("/forgot"))
                .form(&[("organization", "maple"), ("key", "lucia.r")])
                .send().await.unwrap().text().await.unwrap();
            assert!(!spanish.contains("Revise su correo"), "{spanish}");
            assert!(spanish.contains("href=\"/reset-code\""), "{spanish}");
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            assert!(app.db.jobs_of_kind("email.password-reset").await.unwrap().is_empty());
            assert_eq!(app.db.count_audit("account.password-reset-requested").await.unwrap(), 0);

            // New-device alerts and the "password changed" email are not promised either.
            let account = page_text(&patient, &app, "/account").await;
            assert!(account.contains("We cannot email you when your account is used on a new phone or computer."), "{account}");
            assert!(!account.contains("for the first time, we email you"), "{account}");
            let password = password_page(&app, &patient).await;
            assert!(!password.contains("We will email you"), "{password}");

            // The staff mailbox says which emails it never keeps.
            let mailbox = app.get("/staff/mailbox").await.text().await.unwrap();
            for kind in ["password reset links", "new-device alerts", "2-step sign-in codes", "confirm a new email address"] {
                assert!(mailbox.contains(kind), "{kind}: {mailbox}");
            }
        }
    }
}

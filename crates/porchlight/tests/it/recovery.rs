//! "Forgot your password or username?": the same answer whether an account matched, the
//! email (read from the SMTP sink) with the username and a single-use link, the new password
//! under the enrollment's rules, and every session ended.

use reqwest::StatusCode;

use crate::{
    fixtures::{PATIENT_PASSWORD, enrolled_patient, front_desk, import_patients, patient_browser},
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
}

//! New-device alerts: a sign-in from a browser the account has not been used on is emailed to
//! the patient (read from the SMTP sink) with a "this wasn't me" link, which locks the account,
//! ends its sessions and opens a security event for staff.

use reqwest::{StatusCode, header};

use crate::{
    fixtures::{
        PATIENT_PASSWORD, STAFF_PASSWORD, add_staff, enrolled_patient, front_desk, import_patients,
        open_security_events, patient_browser, sign_in as staff_sign_in,
    },
    harness::{TestApp, each_backend},
};

const WINDOWS_CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 \
                              (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

async fn sign_in(app: &TestApp, browser: &reqwest::Client, password: &str) -> reqwest::Response {
    browser
        .post(app.url("/sign-in"))
        .form(&[
            ("organization", "maple"),
            ("username", "lucia.r"),
            ("password", password),
        ])
        .send()
        .await
        .unwrap()
}

/// The "this wasn't me" link in a message body.
fn not_me_link(body: &str, base_url: &str) -> String {
    let prefix = format!("{base_url}/not-me/");
    let start = body
        .find(&prefix)
        .expect("a 'this wasn't me' link in the message");
    body[start..]
        .split(|c: char| c.is_whitespace() || c == '"' || c == '<')
        .next()
        .unwrap()
        .to_owned()
}

each_backend! {
    async fn a_new_device_is_emailed_and_this_wasnt_me_locks_the_account(app) {
        let email = format!("lucia.{}@example.org", uuid::Uuid::new_v4().simple());
        let org = front_desk(&app).await;
        let extra = format!(r#","telecom":[{{"system":"email","value":"{email}"}}]"#);
        import_patients(&app, &org, &[("p1", "Lucia", "Rivera", "1961-04-09", &extra)]).await;
        // She enrolled on her phone: the first device is nothing to tell.
        let phone = enrolled_patient(&app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;
        phone.post(app.url("/sign-out")).send().await.unwrap();
        assert_eq!(sign_in(&app, &phone, PATIENT_PASSWORD).await.status(), StatusCode::SEE_OTHER);

        // Someone with her password signs in on a computer she never used.
        let thief = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_store(true)
            .user_agent(WINDOWS_CHROME)
            .build()
            .unwrap();
        assert_eq!(sign_in(&app, &thief, PATIENT_PASSWORD).await.status(), StatusCode::SEE_OTHER);
        let mail = app.mail.wait_for(&email, "New sign-in to your").await;
        assert!(mail.text.contains("Chrome, Windows"), "{}", mail.text);
        let alerts = app.mail.messages_to(&email).await.into_iter().filter(|m| m.subject.contains("New sign-in")).count();
        assert_eq!(alerts, 1, "her own phone's sign-in sent nothing");
        let link = not_me_link(&mail.text, &app.base_url);

        // Opening the link (as a mail scanner would) changes nothing.
        let page = patient_browser().get(&link).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        assert_eq!(page.headers()[header::CACHE_CONTROL], "no-store");
        let page = page.text().await.unwrap();
        assert!(page.contains("Was this sign-in not you?") && page.contains("Chrome, Windows"), "{page}");
        assert_eq!(thief.get(app.url("/home")).send().await.unwrap().status(), StatusCode::OK);

        // Pressing the button locks the account and signs everyone out.
        let locked = patient_browser().post(&link).send().await.unwrap();
        assert_eq!(locked.status(), StatusCode::OK);
        assert!(locked.text().await.unwrap().contains("Your account is locked"));
        assert_eq!(thief.get(app.url("/home")).send().await.unwrap().status(), StatusCode::SEE_OTHER);
        assert_eq!(phone.get(app.url("/home")).send().await.unwrap().status(), StatusCode::SEE_OTHER);
        // Nobody signs in, not even on her phone, and the answer says nothing of the lock.
        let refused = sign_in(&app, &phone, PATIENT_PASSWORD).await;
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
        assert!(refused.text().await.unwrap().contains("That username and password do not match"));

        // The link works once.
        let again = patient_browser().post(&link).send().await.unwrap();
        assert_eq!(again.status(), StatusCode::GONE);
        assert_eq!(patient_browser().get(&link).send().await.unwrap().status(), StatusCode::GONE);

        // Staff see why, with the evidence; the lock is audited.
        let events = open_security_events(&app, &org).await;
        let event = events.iter().find(|e| e.kind == "not-me").expect("a 'not me' event");
        let evidence: serde_json::Value = serde_json::from_str(&event.evidence).unwrap();
        assert_eq!(evidence["username"], "lucia.r");
        assert_eq!(evidence["device"], "Chrome, Windows");
        assert_eq!(app.db.count_audit("account.locked-not-me").await.unwrap(), 1);
        // The security officer's list of locked accounts names her: audited against her chart.
        add_staff(&app, org.id, "sam", domain::Role::SecurityOfficer).await;
        staff_sign_in(&app, &org, "sam", STAFF_PASSWORD).await;
        let page = app.client.get(app.url("/staff/security")).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("Rivera, Lucia"), "{page}");
        assert_eq!(app.db.count_audit("security.locked-accounts").await.unwrap(), 1);

        // Every browser is a stranger again after the lock: once unlocked, even her phone's
        // next sign-in is announced.
        app.db.execute_admin("UPDATE patient_accounts SET locked_at = NULL").await.unwrap();
        assert_eq!(sign_in(&app, &phone, PATIENT_PASSWORD).await.status(), StatusCode::SEE_OTHER);
        for _ in 0..600 {
            let alerts = app.mail.messages_to(&email).await.into_iter().filter(|m| m.subject.contains("New sign-in")).count();
            if alerts == 2 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let alerts = app.mail.messages_to(&email).await.into_iter().filter(|m| m.subject.contains("New sign-in")).count();
        assert_eq!(alerts, 2, "the phone is announced again");
    }

    async fn a_made_up_not_me_link_gets_the_ended_page(app) {
        front_desk(&app).await;
        for token in ["short", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "bad'token--------------------"] {
            let page = patient_browser().get(app.url(&format!("/not-me/{token}"))).send().await.unwrap();
            assert_eq!(page.status(), StatusCode::GONE, "{token}");
            assert!(page.text().await.unwrap().contains("This link no longer works"));
            let post = patient_browser().post(app.url(&format!("/not-me/{token}"))).send().await.unwrap();
            assert_eq!(post.status(), StatusCode::GONE, "{token}");
        }
    }
}

//! Sign-in limits under load and behind proxies (issue 12): bursts get only the turns left,
//! sign-ins in flight are not failures, guessing from an address never holds back a browser
//! that has signed in before, trusted proxies name the client, request ids are ours unless a
//! trusted proxy's, a storage error is trouble (not a statement about the password), and the
//! security page counts what was refused.

use reqwest::StatusCode;

use crate::{
    fixtures::{
        PATIENT_PASSWORD, STAFF_PASSWORD, add_staff, enrolled_patient, front_desk, import_patients,
        open_security_events, patient_browser,
    },
    harness::{TestApp, each_backend},
};

const WRONG: &str = "That username and password do not match";
const WAIT: &str = "Too many attempts to sign in";

/// A client without a cookie jar: every request comes from a browser the portal never saw.
fn stranger() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn patient_sign_in(
    app: &TestApp,
    browser: &reqwest::Client,
    username: &str,
    password: &str,
    forwarded_for: Option<&str>,
) -> reqwest::Response {
    let mut request = browser.post(app.url("/sign-in")).form(&[
        ("organization", "maple"),
        ("username", username),
        ("password", password),
    ]);
    if let Some(hops) = forwarded_for {
        request = request.header("x-forwarded-for", hops);
    }
    request.send().await.unwrap()
}

async fn staff_sign_in(app: &TestApp, browser: &reqwest::Client, username: &str) -> StatusCode {
    browser
        .post(app.url("/staff/sign-in"))
        .form(&[
            ("organization", "maple"),
            ("username", username),
            ("password", STAFF_PASSWORD),
        ])
        .send()
        .await
        .unwrap()
        .status()
}

/// Lucia enrolled, with the phone she enrolled on (signed out, but known to her account).
async fn lucia_with_phone(app: &TestApp) -> (storage::Organization, reqwest::Client) {
    let org = front_desk(app).await;
    import_patients(app, &org, &[("p1", "Lucia", "Rivera", "1961-04-09", "")]).await;
    let phone = enrolled_patient(app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;
    phone.post(app.url("/sign-out")).send().await.unwrap();
    (org, phone)
}

/// Sends every (username, password) at once from strangers' browsers; answers how many were
/// checked (a wrong-password answer) and how many were told to wait.
async fn burst(app: &TestApp, attempts: Vec<(String, String)>) -> (usize, usize) {
    let mut sent = tokio::task::JoinSet::new();
    for (username, password) in attempts {
        let url = app.url("/sign-in");
        sent.spawn(async move {
            stranger()
                .post(url)
                .form(&[
                    ("organization", "maple"),
                    ("username", username.as_str()),
                    ("password", password.as_str()),
                ])
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        });
    }
    let (mut checked, mut waited) = (0, 0);
    while let Some(page) = sent.join_next().await {
        let page = page.unwrap();
        if page.contains(WRONG) {
            checked += 1;
        } else if page.contains(WAIT) {
            waited += 1;
        } else {
            panic!("neither answer: {page}");
        }
    }
    (checked, waited)
}

each_backend! {
    async fn a_burst_from_one_address_gets_only_the_turns_left(app) {
        front_desk(&app).await;
        // Sixty guesses at sixty accounts at once: the address's thirty an hour are checked.
        let guesses = (0..60).map(|n| (format!("someone.{n}"), format!("guess number {n}"))).collect();
        assert_eq!(burst(&app, guesses).await, (30, 30));
    }

    async fn one_password_sent_to_many_accounts_at_once_is_checked_on_five(app) {
        front_desk(&app).await;
        let sprayed = (0..20).map(|n| (format!("someone.{n}"), "Summer2026!".to_owned())).collect();
        assert_eq!(burst(&app, sprayed).await, (5, 15));
    }

    async fn right_passwords_are_never_refused_for_sign_ins_in_flight(app) {
        let _ = lucia_with_phone(&app).await;
        // Ten clients at once, ten sign-ins each, all to one account from browsers it never
        // saw (one counter): none fails, so none may be refused.
        let mut clients = tokio::task::JoinSet::new();
        for _ in 0..10 {
            let url = app.url("/sign-in");
            clients.spawn(async move {
                let mut statuses = Vec::new();
                for _ in 0..10 {
                    let answer = stranger()
                        .post(&url)
                        .form(&[("organization", "maple"), ("username", "lucia.r"), ("password", PATIENT_PASSWORD)])
                        .send()
                        .await
                        .unwrap();
                    let status = answer.status();
                    let said = if status == StatusCode::SEE_OTHER {
                        String::new()
                    } else {
                        answer.text().await.unwrap()
                    };
                    statuses.push((status, said));
                }
                statuses
            });
        }
        let mut signed_in = 0;
        while let Some(statuses) = clients.join_next().await {
            for (status, said) in statuses.unwrap() {
                assert_eq!(
                    status,
                    StatusCode::SEE_OTHER,
                    "a right password was refused: {said}"
                );
                signed_in += 1;
            }
        }
        assert_eq!(signed_in, 100);
        // Nothing is left counted: a wrong guess now is a first failure, checked.
        let wrong = patient_sign_in(&app, &stranger(), "lucia.r", "not her password", None).await;
        assert!(wrong.text().await.unwrap().contains(WRONG));
    }

    async fn guessing_from_an_address_holds_back_neither_known_browsers_nor_staff(app) {
        let (org, phone) = lucia_with_phone(&app).await;
        // The administrator's console has signed in before.
        add_staff(&app, org.id, "ada", domain::Role::Administrator).await;
        let console = patient_browser();
        assert_eq!(staff_sign_in(&app, &console, "ada").await, StatusCode::SEE_OTHER);
        console.post(app.url("/staff/sign-out")).send().await.unwrap();

        // A bot at the same address (the same proxy) fails thirty times, then keeps trying.
        for n in 0..30 {
            let wrong = patient_sign_in(&app, &stranger(), &format!("bot.{n}"), &format!("bot guess {n}"), None).await;
            assert!(wrong.text().await.unwrap().contains(WRONG), "guess {n}");
        }
        for n in 30..35 {
            let held = patient_sign_in(&app, &stranger(), &format!("bot.{n}"), &format!("bot guess {n}"), None).await;
            assert!(held.text().await.unwrap().contains("Wait 1 minute"), "guess {n}");
        }
        // A stranger's browser at that address waits, even with the right password...
        let library = patient_sign_in(&app, &stranger(), "lucia.r", PATIENT_PASSWORD, None).await;
        assert!(library.text().await.unwrap().contains(WAIT));
        // ...but Lucia's phone, the administrator's console and the staff side do not.
        let own = patient_sign_in(&app, &phone, "lucia.r", PATIENT_PASSWORD, None).await;
        assert_eq!(own.status(), StatusCode::SEE_OTHER, "her known phone is not held back");
        assert_eq!(staff_sign_in(&app, &console, "ada").await, StatusCode::SEE_OTHER, "the known console is not held back");
        add_staff(&app, org.id, "newbie", domain::Role::FrontDesk).await;
        assert_eq!(staff_sign_in(&app, &patient_browser(), "newbie").await, StatusCode::SEE_OTHER, "guessing at patients does not hold staff back");

        // The security page shows the attack as it goes on: failures, refusals, the address.
        let page = console.get(app.url("/staff/security")).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("30 failed sign-ins, and 6 attempts refused while waiting"), "{page}");
        assert!(page.contains("<td>Patient sign-in</td><td>127.0.0.1</td><td>30</td><td>1 min</td>"), "{page}");
        assert!(!page.contains("No address is waiting."), "{page}");

        // Its event stays current while refused attempts go on.
        let events = open_security_events(&app, &org).await;
        let stuffing = events.iter().find(|e| e.kind == "credential-stuffing").expect("a stuffing event");
        app.db.execute_admin("UPDATE security_events SET last_seen_at = last_seen_at - 600").await.unwrap();
        let held = patient_sign_in(&app, &stranger(), "bot.99", "bot guess 99", None).await;
        assert!(held.text().await.unwrap().contains(WAIT));
        let events = open_security_events(&app, &org).await;
        let current = events.iter().find(|e| e.id == stuffing.id).unwrap();
        assert!(jiff::Timestamp::now().duration_since(current.last_seen_at) < jiff::SignedDuration::from_mins(1), "{current:?}");
        let event = console.get(app.url(&format!("/staff/security/events/{}", stuffing.id))).send().await.unwrap().text().await.unwrap();
        assert!(event.contains("<dt>Attempts refused while waiting (since opened)</dt><dd>7</dd>"), "{event}");
    }

    async fn a_storage_error_is_trouble_not_a_statement_about_the_password(app) {
        lucia_with_phone(&app).await;
        app.db.execute_admin("ALTER TABLE throttle_counters RENAME TO throttle_counters_away").await.unwrap();
        let page = patient_sign_in(&app, &stranger(), "lucia.r", PATIENT_PASSWORD, None).await;
        assert!(page.status().is_server_error(), "{}", page.status());
        let page = page.text().await.unwrap();
        assert!(!page.contains(WAIT) && !page.contains(WRONG), "{page}");
        let api = stranger().post(app.url("/api/v1/session"))
            .json(&serde_json::json!({ "organization": "maple", "username": "lucia.r", "password": PATIENT_PASSWORD }))
            .send().await.unwrap();
        assert!(api.status().is_server_error(), "{}", api.status());
        assert_ne!(api.json::<serde_json::Value>().await.unwrap()["code"], "throttled");
        let staff = stranger().post(app.url("/staff/sign-in"))
            .form(&[("organization", "maple"), ("username", "dana"), ("password", STAFF_PASSWORD)])
            .send().await.unwrap();
        assert!(staff.status().is_server_error(), "{}", staff.status());
        assert!(!staff.text().await.unwrap().contains("Too many"));

        app.db.execute_admin("ALTER TABLE throttle_counters_away RENAME TO throttle_counters").await.unwrap();
        let back = patient_sign_in(&app, &stranger(), "lucia.r", PATIENT_PASSWORD, None).await;
        assert_eq!(back.status(), StatusCode::SEE_OTHER, "nothing was counted against her meanwhile");
    }

    async fn forwarding_headers_are_ignored_without_trusted_proxies(app) {
        lucia_with_phone(&app).await;
        let signed_in = patient_sign_in(&app, &stranger(), "lucia.r", PATIENT_PASSWORD, Some("198.51.100.7")).await;
        assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
        let origins = app.db.audit_origins("patient.sign-in").await.unwrap();
        assert_eq!(origins.last().unwrap().0.as_deref(), Some("127.0.0.1"), "{origins:?}");
    }

    async fn behind_a_trusted_proxy_each_client_is_counted_apart(app, |settings: &mut porchlight::settings::Settings| {
        settings.trusted_proxies = web::TrustedProxies::parse("127.0.0.1").unwrap();
    }) {
        let (org, _) = lucia_with_phone(&app).await;
        // A bot behind the proxy forges a left-most hop; the proxy appends the real one.
        for n in 0..30 {
            let wrong = patient_sign_in(&app, &stranger(), &format!("bot.{n}"), &format!("bot guess {n}"), Some("6.6.6.6, 198.51.100.7")).await;
            assert!(wrong.text().await.unwrap().contains(WRONG), "guess {n}");
        }
        let held = patient_sign_in(&app, &stranger(), "bot.30", "bot guess 30", Some("198.51.100.7")).await;
        assert!(held.text().await.unwrap().contains(WAIT));
        let events = open_security_events(&app, &org).await;
        let stuffing = events.iter().find(|e| e.kind == "credential-stuffing").expect("a stuffing event");
        assert_eq!(stuffing.subject, "198.51.100.7");
        // Lucia, behind the same proxy from another address, is not held back.
        let signed_in = patient_sign_in(&app, &stranger(), "lucia.r", PATIENT_PASSWORD, Some("203.0.113.20")).await;
        assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
        let origins = app.db.audit_origins("patient.sign-in").await.unwrap();
        assert_eq!(origins.last().unwrap().0.as_deref(), Some("203.0.113.20"), "{origins:?}");
    }

    async fn a_request_id_is_ours_unless_a_trusted_proxy_sent_a_short_safe_one(app) {
        lucia_with_phone(&app).await;
        let sent = "x".repeat(10_000);
        let answer = stranger().post(app.url("/sign-in"))
            .header("x-request-id", &sent)
            .form(&[("organization", "maple"), ("username", "lucia.r"), ("password", PATIENT_PASSWORD)])
            .send().await.unwrap();
        assert_eq!(answer.status(), StatusCode::SEE_OTHER);
        let returned = answer.headers()["x-request-id"].to_str().unwrap().to_owned();
        assert_ne!(returned, sent);
        assert!(returned.parse::<uuid::Uuid>().is_ok(), "{returned}");
        let origins = app.db.audit_origins("patient.sign-in").await.unwrap();
        assert_eq!(origins.last().unwrap().1.as_deref(), Some(returned.as_str()), "the audit row has our id");
        // A short, safe one from an untrusted client is not taken either.
        let answer = app.get_with_request_id("lb-42.abc").await;
        assert_ne!(answer.headers()["x-request-id"], "lb-42.abc");
    }

    async fn a_trusted_proxys_request_id_is_kept_when_short_and_safe(app, |settings: &mut porchlight::settings::Settings| {
        settings.trusted_proxies = web::TrustedProxies::parse("127.0.0.0/8").unwrap();
    }) {
        assert_eq!(app.get_with_request_id("lb-42.abc").await.headers()["x-request-id"], "lb-42.abc");
        for unsafe_id in ["a".repeat(65), "<script>alert(1)</script>".to_owned(), "two words".to_owned()] {
            let answer = app.get_with_request_id(&unsafe_id).await;
            let id = answer.headers()["x-request-id"].to_str().unwrap();
            assert!(id.parse::<uuid::Uuid>().is_ok(), "{unsafe_id} became {id}");
        }
        lucia_with_phone(&app).await;
        let answer = stranger().post(app.url("/sign-in"))
            .header("x-request-id", "lb-7")
            .form(&[("organization", "maple"), ("username", "lucia.r"), ("password", PATIENT_PASSWORD)])
            .send().await.unwrap();
        assert_eq!(answer.status(), StatusCode::SEE_OTHER);
        let origins = app.db.audit_origins("patient.sign-in").await.unwrap();
        assert_eq!(origins.last().unwrap().1.as_deref(), Some("lb-7"));
    }
}

impl TestApp {
    /// `GET /healthz` with this `X-Request-Id`.
    async fn get_with_request_id(&self, id: &str) -> reqwest::Response {
        stranger()
            .get(self.url("/healthz"))
            .header("x-request-id", id)
            .send()
            .await
            .unwrap()
    }
}

//! The bot check on the public forms: the proof of work solved as the page's script does,
//! replays refused (also by another instance on the same database), the no-JavaScript wait,
//! the honeypot, and the emailed link when the policy asks for the check there too.

use std::time::Duration;

use jiff::SignedDuration;
use porchlight::settings::Settings;
use reqwest::{StatusCode, header};

use crate::{
    enrollment::clinic_with_patient,
    fixtures::{add_staff, bot_token, solve_bot_check, unsolved_bot_check},
    fixtures::{patient_browser, printed_code},
    harness::{TestApp, each_backend},
};

const NOT_CHECKED: &str = "We could not check that this form was sent by a person";
const TOO_QUICK: &str = "Please wait a few seconds, then press the button again.";

/// The no-JavaScript wait, shortened so that the test need not idle for 8 seconds.
const SHORT_WAIT: SignedDuration = SignedDuration::from_secs(2);

fn short_wait(settings: &mut Settings) {
    settings.bot_check.wait = SHORT_WAIT;
}

async fn activation_page(app: &TestApp, patient: &reqwest::Client) -> String {
    patient
        .get(app.url("/activate"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn post_activate(
    app: &TestApp,
    patient: &reqwest::Client,
    code: &str,
    bot: &[(&'static str, String)],
) -> reqwest::Response {
    let mut form = vec![("code", code.to_owned()), ("website", String::new())];
    form.extend_from_slice(bot);
    patient
        .post(app.url("/activate"))
        .form(&form)
        .send()
        .await
        .unwrap()
}

each_backend! {
    async fn a_form_without_a_challenge_is_refused_with_a_clear_message(app) {
        let page = clinic_with_patient(&app).await;
        let code = printed_code(&app, &page).await;
        let patient = patient_browser();
        let response = post_activate(&app, &patient, &code, &[]).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = response.text().await.unwrap();
        assert!(html.contains(NOT_CHECKED), "{html}");
        // The typed code stays, and a new challenge comes with the page.
        assert!(html.contains(&format!("value=\"{code}\"")), "{html}");
        assert!(!bot_token(&html).is_empty());
        // A forged token fares no better.
        let forged = [("bot_check", "v1.1.2.3.ab.cd.ef".to_owned()), ("bot_solution", "1".to_owned())];
        let response = post_activate(&app, &patient, &code, &forged).await;
        assert!(response.text().await.unwrap().contains(NOT_CHECKED));
        assert!(app.get(&page).await.text().await.unwrap().contains("Invited (printed-code)"));
        assert_eq!(app.db.count_audit("invitation.open").await.unwrap(), 0);
    }

    async fn a_solved_challenge_passes_once_even_across_instances(app) {
        let page = clinic_with_patient(&app).await;
        let code = printed_code(&app, &page).await;
        let patient = patient_browser();
        let html = activation_page(&app, &patient).await;
        assert!(html.contains("src=\"/static/bot-check.js\""), "{html}");
        let solved = solve_bot_check(&html);
        // A wrong number is refused first, without spending the challenge.
        let wrong_number: u64 = solved[1].1.parse::<u64>().unwrap() + 1;
        let wrong = [solved[0].clone(), ("bot_solution", wrong_number.to_string())];
        let response = post_activate(&app, &patient, &code, &wrong).await;
        assert!(response.text().await.unwrap().contains(NOT_CHECKED));

        let response = post_activate(&app, &patient, &code, &solved).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(response.headers()[header::LOCATION], "/enroll/identity");
        assert_eq!(app.db.count_bot_challenges().await.unwrap(), 1);

        // The same answer again, here and at a second instance on the same database: refused,
        // although the code alone would reopen the invitation.
        let second = porchlight::server::start(&app.settings, app.db.clone()).await.unwrap();
        for base in [app.base_url.clone(), format!("http://{}", second.addr)] {
            let mut form = vec![("code", code.clone()), ("website", String::new())];
            form.extend_from_slice(&solved);
            let replay = patient_browser().post(format!("{base}/activate")).form(&form).send().await.unwrap();
            assert_eq!(replay.status(), StatusCode::UNPROCESSABLE_ENTITY, "{base}");
            assert!(replay.text().await.unwrap().contains(NOT_CHECKED));
        }
        second.shutdown().await.unwrap();
        assert_eq!(app.db.count_audit("invitation.open").await.unwrap(), 1);
    }

    async fn without_javascript_the_form_passes_after_a_short_wait(app, short_wait) {
        let page = clinic_with_patient(&app).await;
        let code = printed_code(&app, &page).await;
        let patient = patient_browser();
        let html = activation_page(&app, &patient).await;
        let unsolved = unsolved_bot_check(&html);
        let early = post_activate(&app, &patient, &code, &unsolved).await;
        assert_eq!(early.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let early = early.text().await.unwrap();
        assert!(early.contains(TOO_QUICK), "{early}");
        // The form comes back as typed, with the same challenge: only the button is left.
        assert!(early.contains(&format!("value=\"{code}\"")));
        assert_eq!(bot_token(&early), unsolved[0].1);

        tokio::time::sleep(Duration::from_millis(SHORT_WAIT.as_millis() as u64 + 1_100)).await;
        let response = post_activate(&app, &patient, &code, &unsolved_bot_check(&early)).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{}", response.text().await.unwrap());
        // Waited out once, the challenge is spent like a solved one.
        let again = post_activate(&app, &patient, &code, &unsolved).await;
        assert!(again.text().await.unwrap().contains(NOT_CHECKED));
    }

    async fn the_honeypot_refuses_even_a_solved_challenge(app) {
        let page = clinic_with_patient(&app).await;
        let code = printed_code(&app, &page).await;
        let patient = patient_browser();
        let html = activation_page(&app, &patient).await;
        let mut form = vec![("code", code.clone()), ("website", "http://spam.example".to_owned())];
        form.extend(solve_bot_check(&html));
        let response = patient.post(app.url("/activate")).form(&form).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(response.text().await.unwrap().contains("could not find an invitation with that code"));
        assert_eq!(app.db.count_audit("invitation.open").await.unwrap(), 0);
    }

    async fn the_script_is_served_as_javascript(app) {
        let response = app.get("/static/bot-check.js").await;
        assert_eq!(response.status(), StatusCode::OK);
        assert!(response.headers()[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/javascript"));
        let script = response.text().await.unwrap();
        assert!(script.contains("crypto.subtle.digest('SHA-256'") && script.contains("bot_solution"));
    }
}

/// The emailed link is read from the outbox before it is sent (a sent email keeps no link):
/// the jobs worker stays idle.
mod link_in_the_outbox {
    use super::*;

    each_backend! {
        with spawn_with_idle_worker;

        async fn the_policy_can_ask_for_the_check_on_emailed_links(app) {
            let page = clinic_with_patient(&app).await;
            let org = app.db.organization_by_slug("maple").await.unwrap().unwrap();
            let admin = add_staff(&app, org.id, "ada", domain::Role::Administrator).await;
            let scope = domain::StaffScope::new(org.id, admin, domain::Role::Administrator);
            let policy = domain::policy::EnrollmentPolicy {
                email_link_skips_bot_check: false,
                ..Default::default()
            };
            app.db.save_enrollment_policy(&scope, &policy, &storage::RequestOrigin::default()).await.unwrap();
            app.client.post(app.url(&format!("{page}/invite"))).form(&[("channel", "email"), ("email", "lucia@example.org")]).send().await.unwrap();
            let job: serde_json::Value = serde_json::from_str(&app.db.pending_jobs("email.invitation").await.unwrap()[0]).unwrap();
            let link = job["link"].as_str().unwrap();
            let patient = patient_browser();
            let shown = patient.get(link).send().await.unwrap();
            assert_eq!(shown.status(), StatusCode::OK);
            let html = shown.text().await.unwrap();
            assert!(html.contains("Start signing up") && html.contains("data-bot-check"), "{html}");
            let refused = patient.post(link).form(&[("bot_check", ""), ("bot_solution", "")]).send().await.unwrap();
            assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
            assert!(refused.text().await.unwrap().contains(NOT_CHECKED));
            let opened = patient.post(link).form(&solve_bot_check(&html)).send().await.unwrap();
            assert_eq!(opened.status(), StatusCode::SEE_OTHER);
            assert_eq!(opened.headers()[header::LOCATION], "/enroll/identity");
            assert!(app.get(&page).await.text().await.unwrap().contains("Invited (email), opened"));
        }
    }
}

//! Passkeys without a browser: where they are offered, and every way a ceremony is refused.
//! (Adding one and signing in with it runs in Chromium, with its virtual authenticator: see
//! `browser::a_passkey_is_added_and_signs_in_without_a_password`.)

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    fixtures::{enrolled_patient, front_desk, import_patients, patient_browser},
    harness::each_backend,
};

fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A signature no passkey made, in the shape browsers send.
fn made_up_assertion(ceremony: &str) -> Value {
    json!({
        "ceremony": ceremony,
        "credential": {
            "id": b64(b"not a registered credential"),
            "rawId": b64(b"not a registered credential"),
            "type": "public-key",
            "response": {
                "authenticatorData": b64(&[0u8; 37]),
                "clientDataJSON": b64(br#"{"type":"webauthn.get"}"#),
                "signature": b64(&[1u8; 64]),
                "userHandle": b64(uuid::Uuid::new_v4().as_bytes()),
            },
            "extensions": {},
        }
    })
}

mod bare_address {
    use super::*;

    each_backend! {
    async fn a_portal_on_a_bare_address_does_not_offer_passkeys(app) {
        let page = app.get("/sign-in").await.text().await.unwrap();
        assert!(!page.contains("passkey-sign-in"), "no button where browsers refuse passkeys");
        let options = app.client.post(app.url("/sign-in/passkey/options")).send().await.unwrap();
        assert_eq!(options.status(), StatusCode::NOT_FOUND);
        let body: Value = options.json().await.unwrap();
        assert_eq!(body["error"], "Passkeys are not available on this portal.");
    }
    }
}

each_backend! {
    with spawn_for_passkeys;
    async fn made_up_and_replayed_sign_ins_are_refused(app) {
        let page = app.get("/sign-in").await.text().await.unwrap();
        assert!(page.contains(r#"id="passkey-sign-in""#) && page.contains("/static/passkey.js"));
        let script = app.get("/static/passkey.js").await;
        assert!(script.headers()["content-type"].to_str().unwrap().starts_with("text/javascript"));

        let started: Value = app.client.post(app.url("/sign-in/passkey/options")).send().await.unwrap().json().await.unwrap();
        let ceremony = started["ceremony"].as_str().unwrap().to_owned();
        assert!(started["options"]["publicKey"]["challenge"].as_str().is_some_and(|c| c.len() >= 40));
        assert_eq!(started["options"]["publicKey"]["userVerification"], "required");
        assert!(started["options"].get("mediation").is_none(), "asked at once, not only from autofill");

        // Not JSON at all: the API's error shape.
        let garbled = app.client
            .post(app.url("/sign-in/passkey"))
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap();
        assert_eq!(garbled.status(), StatusCode::BAD_REQUEST);
        assert!(garbled.json::<Value>().await.unwrap()["error"].is_string());

        // A signature no registered passkey made.
        let refused = app.client.post(app.url("/sign-in/passkey")).json(&made_up_assertion(&ceremony)).send().await.unwrap();
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
        assert!(refused.headers().get("set-cookie").is_none(), "no session");
        // The challenge was used up by that attempt.
        let replayed = app.client.post(app.url("/sign-in/passkey")).json(&made_up_assertion(&ceremony)).send().await.unwrap();
        assert_eq!(replayed.status(), StatusCode::GONE);
        let unknown = app.client.post(app.url("/sign-in/passkey")).json(&made_up_assertion("x")).send().await.unwrap();
        assert_eq!(unknown.status(), StatusCode::GONE);
    }

    async fn adding_a_passkey_asks_for_the_password_first(app) {
        let org = front_desk(&app).await;
        import_patients(&app, &org, &[("p1", "Lucia", "Rivera", "1961-04-09", "")]).await;
        let browser = enrolled_patient(&app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;
        let account = browser.get(app.url("/account")).send().await.unwrap().text().await.unwrap();
        assert!(account.contains(r#"id="add-passkey""#), "{account}");
        let started = browser.post(app.url("/account/passkeys/options")).send().await.unwrap();
        assert_eq!(started.status(), StatusCode::OK);
        let started: Value = started.json().await.unwrap();
        let selection = &started["options"]["publicKey"]["authenticatorSelection"];
        assert_eq!(selection["residentKey"], "required", "a passkey signs in without a username");
        assert_eq!(started["options"]["publicKey"]["user"]["name"], "lucia.r");

        // A ceremony is one account's: another patient's session cannot finish it.
        let stranger = patient_browser();
        let other = stranger
            .post(app.url("/account/passkeys"))
            .json(&json!({"ceremony": started["ceremony"], "credential": {}}))
            .send()
            .await
            .unwrap();
        assert_eq!(other.status(), StatusCode::SEE_OTHER, "no session: sent to sign in");

        app.db.execute_admin("UPDATE sessions SET reauthenticated_at = 0").await.unwrap();
        let account = browser.get(app.url("/account")).send().await.unwrap().text().await.unwrap();
        assert!(!account.contains(r#"id="add-passkey""#) && account.contains("/account/confirm?next=/account"));
        let refused = browser.post(app.url("/account/passkeys/options")).send().await.unwrap();
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
        assert_eq!(refused.json::<Value>().await.unwrap()["code"], "confirm_password");
    }
}

//! The JSON API: a whole enrollment driven through it alone, each failure's status and error
//! shape, the staff calls under each role, cross-site calls, and the OpenAPI document against
//! the routes the router serves.

use domain::{
    Role, StaffScope,
    policy::{AccessCodeKind, EnrollmentPolicy},
};
use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};
use storage::{Organization, RequestOrigin};

use crate::{
    fixtures::{
        CLINIC_PHONE, STAFF_PASSWORD, add_staff, clinic, front_desk, import_patients,
        patient_browser, solve_challenge,
    },
    harness::{TestApp, each_backend},
};

const PASSWORD: &str = "maple syrup on tuesday mornings";

/// A client that keeps cookies, signed in as a new staff member of `org` with `role`.
async fn staff_client(
    app: &TestApp,
    org: &Organization,
    username: &str,
    role: Role,
) -> reqwest::Client {
    add_staff(app, org.id, username, role).await;
    let client = patient_browser();
    let response = client
        .post(app.url("/staff/sign-in"))
        .form(&[
            ("organization", org.slug.as_str()),
            ("username", username),
            ("password", STAFF_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    client
}

/// Sends `body` as JSON (when given) and answers the status and the JSON body (`Null` when
/// there is none).
async fn call(
    app: &TestApp,
    client: &reqwest::Client,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = client.request(method, app.url(path));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned());
    let text = response.text().await.unwrap();
    if text.is_empty() {
        return (status, Value::Null);
    }
    assert!(
        content_type
            .as_deref()
            .is_some_and(|t| t.starts_with("application/json")),
        "{path}: {status} {content_type:?} {text}"
    );
    (status, serde_json::from_str(&text).unwrap())
}

async fn get(app: &TestApp, client: &reqwest::Client, path: &str) -> (StatusCode, Value) {
    call(app, client, Method::GET, path, None).await
}

async fn post(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    body: Value,
) -> (StatusCode, Value) {
    call(app, client, Method::POST, path, Some(body)).await
}

/// An error answer: its status, its `code`, and nothing outside the one shape.
fn assert_error(answer: &(StatusCode, Value), status: StatusCode, code: &str) {
    assert_eq!(answer.0, status, "{}", answer.1);
    assert_eq!(answer.1["code"], code, "{}", answer.1);
    assert!(
        answer.1["error"].as_str().is_some_and(|e| !e.is_empty()),
        "{}",
        answer.1
    );
    for key in answer.1.as_object().unwrap().keys() {
        assert!(
            ["error", "code", "fields", "suggestions", "advice"].contains(&key.as_str()),
            "{key} is not in the error shape: {}",
            answer.1
        );
    }
}

/// A solved bot-check challenge from the API, as an app would send it.
async fn solved_challenge(app: &TestApp, client: &reqwest::Client) -> (String, String) {
    let (status, challenge) = get(app, client, "/api/v1/bot-check/challenge").await;
    assert_eq!(status, StatusCode::OK);
    let number = solve_challenge(
        challenge["salt"].as_str().unwrap(),
        challenge["challenge"].as_str().unwrap(),
        challenge["max_number"].as_u64().unwrap(),
    );
    (
        challenge["token"].as_str().unwrap().to_owned(),
        number.to_string(),
    )
}

/// The id of the patient named `given` Rivera, found through the API by `staff`.
async fn patient_id(app: &TestApp, staff: &reqwest::Client, given: &str) -> String {
    let (status, found) = get(app, staff, &format!("/api/v1/patients?q=Rivera,%20{given}")).await;
    assert_eq!(status, StatusCode::OK, "{found}");
    found["patients"][0]["id"]
        .as_str()
        .expect("a patient")
        .to_owned()
}

/// A printed-code invitation made through the API: the code, returned once.
async fn printed_code(app: &TestApp, staff: &reqwest::Client, patient: &str) -> String {
    let (status, sent) = post(
        app,
        staff,
        &format!("/api/v1/patients/{patient}/invitations"),
        json!({"channel": "printed-code"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    sent["code"].as_str().unwrap().to_owned()
}

/// Opens the invitation with `code` in `patient`, the bot check solved.
async fn activate(app: &TestApp, patient: &reqwest::Client, code: &str) -> (StatusCode, Value) {
    let (bot_check, bot_solution) = solved_challenge(app, patient).await;
    post(
        app,
        patient,
        "/api/v1/enrollment/activate",
        json!({"code": code, "bot_check": bot_check, "bot_solution": bot_solution}),
    )
    .await
}

/// The clinic with Lucia Rivera (1961-04-09, an email address) and Mateo Rivera (a minor).
async fn clinic_with_patients(app: &TestApp) -> Organization {
    let org = clinic(app).await;
    let email = r#","telecom":[{"system":"email","value":"lucia@example.org"}]"#;
    let minor_birth = (jiff::Zoned::now().date() - jiff::Span::new().years(10)).to_string();
    import_patients(
        app,
        &org,
        &[
            ("p1", "Lucia", "Rivera", "1961-04-09", email),
            ("p2", "Mateo", "Rivera", minor_birth.as_str(), ""),
            ("p3", "Ana", "Rivera", "1985-03-03", ""),
        ],
    )
    .await;
    org
}

fn mismatch_text(tries_left: u32) -> String {
    format!(
        "The details do not match our records. Please call {CLINIC_PHONE}. You can try {tries_left} more {}.",
        if tries_left == 1 { "time" } else { "times" }
    )
}

each_backend! {
    async fn a_whole_enrollment_through_the_api(app) {
        let org = clinic_with_patients(&app).await;
        let staff = staff_client(&app, &org, "dana", Role::FrontDesk).await;

        // The front desk finds the patient (audited) and sees no invitation yet.
        let searches = app.db.count_audit("patient.search").await.unwrap();
        let lucia = patient_id(&app, &staff, "Lucia").await;
        assert_eq!(app.db.count_audit("patient.search").await.unwrap(), searches + 1);
        let views = app.db.count_audit("patient.view").await.unwrap();
        let (status, detail) = get(&app, &staff, &format!("/api/v1/patients/{lucia}")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(app.db.count_audit("patient.view").await.unwrap(), views + 1, "the read is audited");
        assert_eq!(detail["patient"]["birth_date"], "1961-04-09");
        assert_eq!(detail["portal"]["status"], "not-invited");
        assert_eq!(detail["portal"]["channels"], json!(["email", "printed-code"]));

        // A printed code, returned once with its expiry; no duplicate while it is live.
        let (status, sent) = post(&app, &staff, &format!("/api/v1/patients/{lucia}/invitations"), json!({"channel": "printed-code"})).await;
        assert_eq!(status, StatusCode::CREATED, "{sent}");
        let code = sent["code"].as_str().unwrap().to_owned();
        assert!(code.chars().all(|c| !"0O1I".contains(c)), "{code}");
        assert!(sent["expires_at"].as_str().unwrap().parse::<jiff::Timestamp>().unwrap() > jiff::Timestamp::now());
        assert_eq!(sent["activate_url"], format!("{}/activate", app.base_url));
        let again = post(&app, &staff, &format!("/api/v1/patients/{lucia}/invitations"), json!({"channel": "printed-code"})).await;
        assert_error(&again, StatusCode::CONFLICT, "conflict");
        let (_, detail) = get(&app, &staff, &format!("/api/v1/patients/{lucia}")).await;
        assert_eq!(detail["portal"]["status"], "invited");
        assert!(!detail.to_string().contains(&code), "the code is never shown again");

        // The patient, with the API only.
        let patient = patient_browser();
        assert_error(&get(&app, &patient, "/api/v1/enrollment").await, StatusCode::UNAUTHORIZED, "unauthorized");
        // A typo is named by field and does not spend the bot check.
        let typo = post(&app, &patient, "/api/v1/enrollment/activate", json!({"code": "12", "bot_check": "", "bot_solution": ""})).await;
        assert_error(&typo, StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(typo.1["fields"]["code"].is_string(), "{}", typo.1);
        let unchecked = post(&app, &patient, "/api/v1/enrollment/activate", json!({"code": code, "bot_check": "", "bot_solution": ""})).await;
        assert_error(&unchecked, StatusCode::UNPROCESSABLE_ENTITY, "bot_check");
        let (status, opened) = activate(&app, &patient, &code.to_lowercase()).await;
        assert_eq!(status, StatusCode::CREATED, "{opened}");
        assert_eq!(opened["next_step"], "identity");
        let enrollment_token = opened["enrollment_token"].as_str().unwrap().to_owned();

        let (status, standing) = get(&app, &patient, "/api/v1/enrollment").await;
        assert_eq!(status, StatusCode::OK, "{standing}");
        assert_eq!(standing["next_step"], "identity");
        assert_eq!(standing["attempts_left"], 5);
        assert_eq!(standing["requirements"]["access_code"], "birth-year");
        assert_eq!(standing["requirements"]["mrn_required"], false);
        assert_eq!(standing["practice"]["phone"], CLINIC_PHONE);

        // Not this step yet.
        let early = post(&app, &patient, "/api/v1/enrollment/access-code", json!({"access_code": "1961"})).await;
        assert_error(&early, StatusCode::CONFLICT, "wrong_step");

        // A bad date is a field to fix, not an attempt.
        let bad_date = post(&app, &patient, "/api/v1/enrollment/identity", json!({"given": "Lucia", "family": "Rivera", "birth_date": "04/09/1961"})).await;
        assert_error(&bad_date, StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(bad_date.1["fields"]["birth_date"].as_str().unwrap().contains("YYYY-MM-DD"));
        // Mismatches: one answer whatever differed, with the tries left.
        let wrong_date = post(&app, &patient, "/api/v1/enrollment/identity", json!({"given": "Lucia", "family": "Rivera", "birth_date": "1961-04-10"})).await;
        assert_error(&wrong_date, StatusCode::UNPROCESSABLE_ENTITY, "mismatch");
        assert_eq!(wrong_date.1, json!({"error": mismatch_text(4), "code": "mismatch"}));
        let wrong_name = post(&app, &patient, "/api/v1/enrollment/identity", json!({"given": "Maria", "family": "Rivera", "birth_date": "1961-04-09"})).await;
        assert_eq!(wrong_name.1, json!({"error": mismatch_text(3), "code": "mismatch"}), "no hint at which field differed");
        assert_eq!(get(&app, &patient, "/api/v1/enrollment").await.1["attempts_left"], 3);
        // Typed loosely, it matches.
        let (status, done) = post(&app, &patient, "/api/v1/enrollment/identity", json!({"given": " lucía ", "family": "RIVERA", "birth_date": "1961-04-09"})).await;
        assert_eq!(status, StatusCode::OK, "{done}");
        // The access code is the year of birth, which the date just sent proved: no step asks it.
        assert_eq!(done["next_step"], "credentials");
        let skipped = post(&app, &patient, "/api/v1/enrollment/access-code", json!({"access_code": "1961"})).await;
        assert_error(&skipped, StatusCode::CONFLICT, "wrong_step");
        let (_, standing) = get(&app, &patient, "/api/v1/enrollment").await;
        assert_eq!(standing["next_step"], "credentials");
        assert!(standing["username_example"].as_str().unwrap().contains("rivera"), "{standing}");

        // Credentials: each field's problem, and advice.
        let refused = post(&app, &patient, "/api/v1/enrollment/credentials", json!({"username": "x", "password": "lucia1961", "confirmation": "lucia1962"})).await;
        assert_error(&refused, StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        let fields = &refused.1["fields"];
        assert!(fields["username"].is_string(), "{}", refused.1);
        assert!(fields["password"].as_str().unwrap().contains("at least 12 characters"), "{}", refused.1);
        assert!(fields["confirmation"].as_str().unwrap().contains("not the same"), "{}", refused.1);
        assert!(!refused.1["advice"].as_array().unwrap().is_empty(), "{}", refused.1);
        let (status, set) = post(&app, &patient, "/api/v1/enrollment/credentials", json!({"username": "Lucia.R", "password": PASSWORD, "confirmation": PASSWORD})).await;
        assert_eq!(status, StatusCode::OK, "{set}");
        assert_eq!(set, json!({"username": "lucia.r", "next_step": "terms"}));

        // Terms: both documents, in the versions read.
        let (status, documents) = get(&app, &patient, "/api/v1/enrollment/terms").await;
        assert_eq!(status, StatusCode::OK);
        assert!(documents["terms"]["summary"].as_str().unwrap().contains("not for emergencies"));
        let (terms, privacy) = (documents["terms"]["version"].clone(), documents["privacy"]["version"].clone());
        let half = post(&app, &patient, "/api/v1/enrollment/terms", json!({"accept_terms": true, "accept_privacy": false, "terms_version": terms, "privacy_version": privacy})).await;
        assert_error(&half, StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(half.1["fields"]["accept_privacy"].is_string() && half.1["fields"].get("accept_terms").is_none());
        let stale = post(&app, &patient, "/api/v1/enrollment/terms", json!({"accept_terms": true, "accept_privacy": true, "terms_version": 0, "privacy_version": privacy})).await;
        assert_error(&stale, StatusCode::CONFLICT, "terms_changed");
        let response = patient.post(app.url("/api/v1/enrollment/terms"))
            .json(&json!({"accept_terms": true, "accept_privacy": true, "terms_version": terms, "privacy_version": privacy}))
            .send().await.unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        let cookies: Vec<String> = response.headers().get_all(header::SET_COOKIE).iter().map(|v| v.to_str().unwrap().to_owned()).collect();
        assert!(cookies.iter().any(|c| c.starts_with("porchlight_session=") && c.contains("HttpOnly")), "{cookies:?}");
        let activated: Value = response.json().await.unwrap();
        let session_token = activated["session_token"].as_str().unwrap().to_owned();
        assert_eq!(app.db.count_terms_acceptances(org.id).await.unwrap(), 1, "one acceptance of both versions");

        // Active and signed in: by the cookie in a browser, by the token in an app.
        assert_eq!(patient.get(app.url("/home")).send().await.unwrap().status(), StatusCode::OK);
        let app_client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let home = app_client.get(app.url("/home")).bearer_auth(&session_token).send().await.unwrap();
        assert_eq!(home.status(), StatusCode::OK);
        assert!(home.text().await.unwrap().contains("Lucia"));
        // The enrollment session is over, and the code says its invitation was used.
        let over = app_client.get(app.url("/api/v1/enrollment")).bearer_auth(&enrollment_token).send().await.unwrap();
        assert_eq!(over.status(), StatusCode::UNAUTHORIZED);
        let used = activate(&app, &patient_browser(), &code).await;
        assert_error(&used, StatusCode::GONE, "used");
        assert!(used.1["error"].as_str().unwrap().starts_with("This invitation was already used."), "{}", used.1);

        let (_, detail) = get(&app, &staff, &format!("/api/v1/patients/{lucia}")).await;
        assert_eq!(detail["portal"]["status"], "active");
        assert_eq!(detail["portal"]["account"]["username"], "lucia.r");
        let again = post(&app, &staff, &format!("/api/v1/patients/{lucia}/invitations"), json!({"channel": "printed-code", "resend": true})).await;
        assert_error(&again, StatusCode::CONFLICT, "conflict");

        // Another patient wants the same username: taken, whatever the case, with free ones.
        let ana = patient_id(&app, &staff, "Ana").await;
        let code = printed_code(&app, &staff, &ana).await;
        let other = patient_browser();
        assert_eq!(activate(&app, &other, &code).await.0, StatusCode::CREATED);
        post(&app, &other, "/api/v1/enrollment/identity", json!({"given": "Ana", "family": "Rivera", "birth_date": "1985-03-03"})).await;
        let taken = post(&app, &other, "/api/v1/enrollment/credentials", json!({"username": "LUCIA.R", "password": PASSWORD, "confirmation": PASSWORD})).await;
        assert_error(&taken, StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(taken.1["fields"]["username"].as_str().unwrap().contains("taken"), "{}", taken.1);
        assert!(taken.1["fields"].get("password").is_none(), "{}", taken.1);
        let suggestions = taken.1["suggestions"].as_array().unwrap();
        assert!(!suggestions.is_empty() && !suggestions.contains(&json!("lucia.r")), "{}", taken.1);
    }

    async fn mismatches_lock_the_invitation_and_staff_unlock_it_through_the_api(app) {
        let org = clinic_with_patients(&app).await;
        let staff = staff_client(&app, &org, "dana", Role::FrontDesk).await;
        let lucia = patient_id(&app, &staff, "Lucia").await;
        let code = printed_code(&app, &staff, &lucia).await;
        let patient = patient_browser();
        assert_eq!(activate(&app, &patient, &code).await.0, StatusCode::CREATED);
        let wrong = json!({"given": "Lucia", "family": "Rivera", "birth_date": "1960-04-09"});
        for left in (1..5).rev() {
            let answer = post(&app, &patient, "/api/v1/enrollment/identity", wrong.clone()).await;
            assert_eq!(answer.1["error"], mismatch_text(left));
        }
        let locked = post(&app, &patient, "/api/v1/enrollment/identity", wrong.clone()).await;
        assert_error(&locked, StatusCode::GONE, "locked");
        assert!(locked.1["error"].as_str().unwrap().starts_with("This invitation is locked."));
        assert_error(&get(&app, &patient, "/api/v1/enrollment").await, StatusCode::GONE, "locked");
        // The code is spent on a locked invitation too.
        assert_error(&activate(&app, &patient_browser(), &code).await, StatusCode::GONE, "locked");

        // Staff see which fields differed, never what was typed.
        let (status, queue) = get(&app, &staff, "/api/v1/review-items").await;
        assert_eq!(status, StatusCode::OK);
        let items = queue["items"].as_array().unwrap();
        assert!(items.iter().any(|i| i["kind"] == "mismatch") && items.iter().any(|i| i["kind"] == "locked"), "{queue}");
        assert_eq!(items[0]["detail"]["birth_date"], "differed");
        assert_eq!(items[0]["detail"]["given"], "matched");
        assert!(!queue.to_string().contains("1960-04-09"), "{queue}");
        let locked_item = items.iter().find(|i| i["kind"] == "locked").unwrap();
        assert_eq!(locked_item["can_unlock"], true);
        let id = locked_item["id"].as_str().unwrap();
        let (status, item) = get(&app, &staff, &format!("/api/v1/review-items/{id}")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(item["patient_name"], "Rivera, Lucia");
        assert!(app.db.count_audit("review.view").await.unwrap() >= 1);

        let unlocked = post(&app, &staff, &format!("/api/v1/review-items/{id}/unlock"), json!({})).await;
        assert_eq!(unlocked.0, StatusCode::NO_CONTENT, "{}", unlocked.1);
        assert_error(&post(&app, &staff, &format!("/api/v1/review-items/{id}/unlock"), json!({})).await, StatusCode::NOT_FOUND, "not_found");
        let (status, standing) = get(&app, &patient, "/api/v1/enrollment").await;
        assert_eq!(status, StatusCode::OK, "{standing}");
        assert_eq!((standing["next_step"].clone(), standing["attempts_left"].clone()), (json!("identity"), json!(5)));

        // Closing with a reason; "other" needs a note.
        let wrong_again = post(&app, &patient, "/api/v1/enrollment/identity", wrong).await;
        assert_eq!(wrong_again.1["code"], "mismatch");
        let (_, queue) = get(&app, &staff, "/api/v1/review-items").await;
        let id = queue["items"][0]["id"].as_str().unwrap().to_owned();
        let no_reason = post(&app, &staff, &format!("/api/v1/review-items/{id}/close"), json!({"reason": "whatever"})).await;
        assert_error(&no_reason, StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(no_reason.1["fields"]["reason"].is_string());
        let no_note = post(&app, &staff, &format!("/api/v1/review-items/{id}/close"), json!({"reason": "other", "note": " "})).await;
        assert_eq!(no_note.1["fields"]["note"], "Say why in the note.");
        let closed = post(&app, &staff, &format!("/api/v1/review-items/{id}/close"), json!({"reason": "helped", "note": "Called her back."})).await;
        assert_eq!(closed.0, StatusCode::NO_CONTENT);
        let (_, queue) = get(&app, &staff, "/api/v1/review-items").await;
        assert!(queue["items"].as_array().unwrap().is_empty(), "{queue}");
        assert_error(&post(&app, &staff, &format!("/api/v1/review-items/{id}/close"), json!({"reason": "helped"})).await, StatusCode::NOT_FOUND, "not_found");
    }

    async fn bad_requests_get_the_error_shape(app) {
        let org = clinic_with_patients(&app).await;
        let staff = staff_client(&app, &org, "dana", Role::FrontDesk).await;
        let lucia = patient_id(&app, &staff, "Lucia").await;
        let code = printed_code(&app, &staff, &lucia).await;
        let patient = patient_browser();
        assert_eq!(activate(&app, &patient, &code).await.0, StatusCode::CREATED);

        let send_raw = |content_type: Option<&'static str>, body: &'static str| {
            let mut request = patient.post(app.url("/api/v1/enrollment/identity")).body(body);
            if let Some(content_type) = content_type {
                request = request.header(header::CONTENT_TYPE, content_type);
            }
            async move {
                let response = request.send().await.unwrap();
                (response.status(), response.json::<Value>().await.unwrap())
            }
        };
        let syntax = send_raw(Some("application/json"), "{\"given\": ").await;
        assert_error(&syntax, StatusCode::BAD_REQUEST, "malformed");
        assert!(syntax.1["error"].as_str().unwrap().contains("EOF"), "serde's words: {}", syntax.1);
        let missing = send_raw(Some("application/json"), r#"{"given": "Lucia", "birth_date": "1961-04-09"}"#).await;
        assert_error(&missing, StatusCode::BAD_REQUEST, "malformed");
        assert!(missing.1["error"].as_str().unwrap().contains("missing field `family`"), "{}", missing.1);
        let wrong_type = send_raw(Some("application/json"), r#"{"given": 5, "family": "Rivera", "birth_date": "1961-04-09"}"#).await;
        assert!(wrong_type.1["error"].as_str().unwrap().contains("invalid type"), "{}", wrong_type.1);
        let form = send_raw(Some("application/x-www-form-urlencoded"), "given=Lucia").await;
        assert_error(&form, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
        assert_eq!(send_raw(None, "{}").await.0, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(get(&app, &patient, "/api/v1/enrollment").await.1["attempts_left"], 5, "nothing was counted");

        assert_error(&get(&app, &patient, "/api/v1/no-such-call").await, StatusCode::NOT_FOUND, "no_route");
        assert_error(&call(&app, &patient, Method::PUT, "/api/v1/enrollment/identity", Some(json!({}))).await, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
        assert_error(&get(&app, &staff, "/api/v1/patients/not-a-uuid").await, StatusCode::BAD_REQUEST, "malformed");
        // Pages keep their own 404.
        assert!(app.get("/no-such-page").await.text().await.unwrap().contains("We could not find that page"));

        // A challenge passes once.
        let (bot_check, bot_solution) = solved_challenge(&app, &patient).await;
        let body = json!({"code": "ZZZZZ-ZZZZZ", "bot_check": bot_check, "bot_solution": bot_solution});
        let unknown = post(&app, &patient, "/api/v1/enrollment/activate", body.clone()).await;
        assert_error(&unknown, StatusCode::NOT_FOUND, "not_found");
        assert_error(&post(&app, &patient, "/api/v1/enrollment/activate", body).await, StatusCode::UNPROCESSABLE_ENTITY, "bot_check");
        // Unknown codes are throttled per address, as on /activate.
        let mut last = unknown;
        for _ in 0..12 {
            last = activate(&app, &patient, "ZZZZZ-ZZZZZ").await;
            if last.0 == StatusCode::TOO_MANY_REQUESTS {
                break;
            }
        }
        assert_error(&last, StatusCode::TOO_MANY_REQUESTS, "throttled");
        assert_error(&activate(&app, &patient, &code).await, StatusCode::TOO_MANY_REQUESTS, "throttled");
    }

    async fn staff_calls_follow_roles_and_practices(app) {
        let org = clinic_with_patients(&app).await;
        let desk = staff_client(&app, &org, "dana", Role::FrontDesk).await;
        let clinician = staff_client(&app, &org, "cleo", Role::Clinician).await;
        let admin = staff_client(&app, &org, "ada", Role::Administrator).await;
        let lucia = patient_id(&app, &desk, "Lucia").await;
        let mateo = patient_id(&app, &desk, "Mateo").await;

        // Anonymous: 401 everywhere.
        let anonymous = patient_browser();
        for (method, path) in [
            (Method::GET, "/api/v1/patients?q=Rivera".to_owned()),
            (Method::GET, format!("/api/v1/patients/{lucia}")),
            (Method::POST, format!("/api/v1/patients/{lucia}/invitations")),
            (Method::DELETE, format!("/api/v1/patients/{lucia}/invitations/current")),
            (Method::GET, "/api/v1/review-items".to_owned()),
            (Method::GET, "/api/v1/enrollment-policy".to_owned()),
            (Method::PUT, "/api/v1/enrollment-policy".to_owned()),
            (Method::GET, "/api/v1/terms".to_owned()),
            (Method::POST, "/api/v1/terms".to_owned()),
            (Method::GET, "/api/v1/enrollment/funnel".to_owned()),
        ] {
            let answer = call(&app, &anonymous, method.clone(), &path, Some(json!({}))).await;
            assert_error(&answer, StatusCode::UNAUTHORIZED, "unauthorized");
        }

        // A clinician reads, but neither invites nor works the queue nor administers.
        assert_eq!(get(&app, &clinician, &format!("/api/v1/patients/{lucia}")).await.0, StatusCode::OK);
        let invite = post(&app, &clinician, &format!("/api/v1/patients/{lucia}/invitations"), json!({"channel": "printed-code"})).await;
        assert_error(&invite, StatusCode::FORBIDDEN, "forbidden");
        assert_error(&call(&app, &clinician, Method::DELETE, &format!("/api/v1/patients/{lucia}/invitations/current"), None).await, StatusCode::FORBIDDEN, "forbidden");
        assert_error(&get(&app, &clinician, "/api/v1/review-items").await, StatusCode::FORBIDDEN, "forbidden");
        // The front desk does not administer.
        assert_error(&get(&app, &desk, "/api/v1/enrollment-policy").await, StatusCode::FORBIDDEN, "forbidden");
        assert_error(&post(&app, &desk, "/api/v1/terms", json!({"kind": "terms", "summary": "s", "body": "b", "changes": "c"})).await, StatusCode::FORBIDDEN, "forbidden");

        // The policy's refusals, with the reason; bad fields by name.
        let minor = post(&app, &desk, &format!("/api/v1/patients/{mateo}/invitations"), json!({"channel": "printed-code"})).await;
        assert_error(&minor, StatusCode::UNPROCESSABLE_ENTITY, "not_invitable");
        assert!(minor.1["error"].as_str().unwrap().contains("allows accounts from age 18"), "{}", minor.1);
        let channel = post(&app, &desk, &format!("/api/v1/patients/{lucia}/invitations"), json!({"channel": "pigeon"})).await;
        assert!(channel.1["fields"]["channel"].is_string(), "{}", channel.1);
        let email = post(&app, &desk, &format!("/api/v1/patients/{lucia}/invitations"), json!({"channel": "email", "email": "lucia@"})).await;
        assert_error(&email, StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(email.1["fields"]["email"].is_string(), "{}", email.1);
        let empty = get(&app, &desk, "/api/v1/patients?q=%20").await;
        assert_error(&empty, StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(empty.1["fields"]["q"].is_string());

        // Another practice's staff see nothing of this one.
        let oak = app.db.create_organization("oak", "Oak Clinic", None).await.unwrap();
        let stranger = staff_client(&app, &oak, "olga", Role::Administrator).await;
        assert_error(&get(&app, &stranger, &format!("/api/v1/patients/{lucia}")).await, StatusCode::NOT_FOUND, "not_found");
        assert_error(&post(&app, &stranger, &format!("/api/v1/patients/{lucia}/invitations"), json!({"channel": "printed-code"})).await, StatusCode::NOT_FOUND, "not_found");
        assert_eq!(get(&app, &stranger, "/api/v1/patients?q=Rivera").await.1["patients"], json!([]));
        let code = printed_code(&app, &desk, &lucia).await;
        assert!(!code.is_empty());
        assert_error(&call(&app, &stranger, Method::DELETE, &format!("/api/v1/patients/{lucia}/invitations/current"), None).await, StatusCode::NOT_FOUND, "not_found");
        assert_eq!(get(&app, &desk, &format!("/api/v1/patients/{lucia}")).await.1["portal"]["status"], "invited", "still live");

        // The administrator: the policy, checked field by field, and saved only whole.
        let (status, policy) = get(&app, &admin, "/api/v1/enrollment-policy").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(policy["minimum_age"], 18);
        assert_eq!(policy["self_enrollment_day_month_swap"], false);
        let mut bad = policy.clone();
        bad["minimum_age"] = json!(5);
        bad["email_invitations"] = json!(false);
        bad["printed_codes"] = json!(false);
        let refused = call(&app, &admin, Method::PUT, "/api/v1/enrollment-policy", Some(bad)).await;
        assert_error(&refused, StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(refused.1["fields"]["minimum_age"].as_str().unwrap().contains("between 12 and 21"));
        assert!(refused.1["fields"]["channels"].is_string());
        let mut good = policy.clone();
        good["minimum_age"] = json!(21);
        good["access_code"] = json!("ssn-last4");
        good["self_enrollment_day_month_swap"] = json!(true);
        let (status, saved) = call(&app, &admin, Method::PUT, "/api/v1/enrollment-policy", Some(good)).await;
        assert_eq!(status, StatusCode::OK, "{saved}");
        let stored = get(&app, &admin, "/api/v1/enrollment-policy").await.1;
        assert_eq!((&stored["access_code"], &stored["self_enrollment_day_month_swap"]), (&json!("ssn-last4"), &json!(true)));

        // The terms: checked, then published as a new version.
        let (_, documents) = get(&app, &admin, "/api/v1/terms").await;
        let version = documents["terms"]["version"].as_i64().unwrap();
        let short = post(&app, &admin, "/api/v1/terms", json!({"kind": "rules", "summary": "short", "body": "short", "changes": ""})).await;
        assert_error(&short, StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        for field in ["kind", "summary", "body", "changes"] {
            assert!(short.1["fields"][field].is_string(), "{field}: {}", short.1);
        }
        let (status, published) = post(&app, &admin, "/api/v1/terms", json!({
            "kind": "terms",
            "summary": "You may use this portal to see your record.",
            "body": "1. The portal shows your record. 2. Keep your password to yourself.",
            "changes": "We now say more plainly what the portal shows.",
        })).await;
        assert_eq!(status, StatusCode::CREATED, "{published}");
        assert_eq!(published, json!({"kind": "terms", "version": version + 1}));
        assert_eq!(get(&app, &admin, "/api/v1/terms").await.1["terms"]["changes"], "We now say more plainly what the portal shows.");
    }

    async fn self_enrollment_through_the_api_refuses_alike(app) {
        let org = clinic(&app).await;
        let mrn = |v: &str| format!(r#","identifier":[{{"type":{{"coding":[{{"code":"MR"}}]}},"value":"{v}"}}]"#);
        let (mrn1, mrn2) = (mrn("MRN-1"), mrn("MRN-2"));
        import_patients(&app, &org, &[
            ("p1", "Lucia", "Rivera", "1961-04-09", mrn1.as_str()),
            ("p2", "Ana", "Rivera", "1970-02-02", mrn2.as_str()),
        ]).await;
        let browser = patient_browser();
        let (status, offer) = get(&app, &browser, "/api/v1/enrollment/self").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(offer["practices"], json!([]));
        // The bot-check fields are required; `sign_up` below fills them with a solved challenge.
        let claim = |given: &str, mrn: &str, code: &str| json!({"given": given, "family": "Rivera", "birth_date": "1961-04-09", "mrn": mrn, "access_code": code, "bot_check": "", "bot_solution": ""});
        assert_error(&post(&app, &browser, "/api/v1/enrollment/self", claim("Lucia", "MRN-1", "1961")).await, StatusCode::NOT_FOUND, "not_found");

        let admin = add_staff(&app, org.id, "ada", Role::Administrator).await;
        let policy = EnrollmentPolicy { self_enrollment: true, mrn_required: true, access_code: AccessCodeKind::BirthYear, ..Default::default() };
        app.db.save_enrollment_policy(&StaffScope::new(org.id, admin, Role::Administrator), &policy, &RequestOrigin::default()).await.unwrap();
        let (_, offer) = get(&app, &browser, "/api/v1/enrollment/self").await;
        assert_eq!(offer["practices"], json!([{"practice": "maple", "name": "Maple Street Clinic", "phone": CLINIC_PHONE, "mrn_required": true, "access_code": "birth-year"}]));

        let sign_up = |body: Value| {
            let browser = browser.clone();
            let app = &app;
            async move {
                let (bot_check, bot_solution) = solved_challenge(app, &browser).await;
                let mut body = body;
                body["bot_check"] = json!(bot_check);
                body["bot_solution"] = json!(bot_solution);
                post(app, &browser, "/api/v1/enrollment/self", body).await
            }
        };
        let missing = sign_up(claim("Lucia", "", "61")).await;
        assert_error(&missing, StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        // The year of birth is not asked apart from the date of birth: only the MRN is missing.
        assert!(missing.1["fields"]["mrn"].is_string() && missing.1["fields"].get("access_code").is_none(), "{}", missing.1);
        // No such chart, an existing chart's wrong MRN: one answer.
        let nobody = sign_up(claim("Zoe", "MRN-9", "1961")).await;
        let wrong_mrn = sign_up(claim("Lucia", "MRN-2", "1961")).await;
        for (answer, left) in [(&nobody, 4), (&wrong_mrn, 3)] {
            assert_eq!(answer.0, StatusCode::UNPROCESSABLE_ENTITY);
            assert_eq!(answer.1, json!({"error": mismatch_text(left), "code": "mismatch"}));
        }
        let (status, started) = sign_up(claim("Lucia", "MRN-1", "1961")).await;
        assert_eq!(status, StatusCode::CREATED, "{started}");
        assert_eq!(started["next_step"], "credentials");
        assert_eq!(get(&app, &browser, "/api/v1/enrollment").await.1["next_step"], "credentials");
        let (status, set) = post(&app, &browser, "/api/v1/enrollment/credentials", json!({"username": "lucia", "password": PASSWORD, "confirmation": PASSWORD})).await;
        assert_eq!(status, StatusCode::OK, "{set}");
        assert_eq!(app.db.count_open_review_items(&StaffScope::new(org.id, admin, Role::Administrator)).await.unwrap(), 2);
        // Then the per-address throttle, as on the page.
        let mut last = sign_up(claim("Zoe", "MRN-9", "1961")).await;
        for _ in 0..4 {
            if last.0 == StatusCode::TOO_MANY_REQUESTS {
                break;
            }
            assert_eq!(last.1["code"], "mismatch");
            last = sign_up(claim("Zoe", "MRN-9", "1961")).await;
        }
        assert_error(&last, StatusCode::TOO_MANY_REQUESTS, "throttled");
    }

    async fn browsers_cannot_call_across_sites_but_programs_can(app) {
        let org = front_desk(&app).await;
        import_patients(&app, &org, &[("p1", "Lucia", "Rivera", "1961-04-09", "")]).await;
        let lucia = patient_id(&app, &app.client, "Lucia").await;
        let path = format!("/api/v1/patients/{lucia}/invitations");
        let body = json!({"channel": "printed-code"});
        // A page elsewhere, in a browser that says so.
        let cross_site = app.client.post(app.url(&path)).header("sec-fetch-site", "cross-site").json(&body).send().await.unwrap();
        assert_eq!(cross_site.status(), StatusCode::FORBIDDEN);
        assert_eq!(cross_site.json::<Value>().await.unwrap()["code"], "cross_site");
        let same_site = app.client.post(app.url(&path)).header("sec-fetch-site", "same-site").json(&body).send().await.unwrap();
        assert_eq!(same_site.status(), StatusCode::FORBIDDEN, "a sibling site is another site");
        let foreign_origin = app.client.post(app.url(&path)).header(header::ORIGIN, "https://evil.example").json(&body).send().await.unwrap();
        assert_eq!(foreign_origin.status(), StatusCode::FORBIDDEN);
        assert_eq!(app.db.count_audit("invitation.create").await.unwrap(), 0, "nothing was done");
        // Reads are not guarded: they change nothing.
        let read = app.client.get(app.url(&format!("/api/v1/patients/{lucia}"))).header("sec-fetch-site", "cross-site").send().await.unwrap();
        assert_eq!(read.status(), StatusCode::OK);
        // The portal's own pages, and programs that are not browsers (neither header).
        let own = app.client.post(app.url(&path)).header("sec-fetch-site", "same-origin").header(header::ORIGIN, app.base_url.as_str()).json(&body).send().await.unwrap();
        assert_eq!(own.status(), StatusCode::CREATED);
        let program = app.client.post(app.url(&path)).json(&json!({"channel": "printed-code", "resend": true})).send().await.unwrap();
        assert_eq!(program.status(), StatusCode::CREATED);
        assert_eq!(app.db.count_audit("invitation.create").await.unwrap(), 2);
    }

    async fn the_openapi_document_lists_every_route_the_router_serves(app) {
        let (status, doc) = get(&app, &patient_browser(), "/api/openapi.json").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(doc["servers"][0]["url"], app.base_url);
        let paths = doc["paths"].as_object().unwrap();
        let documented: Vec<(String, String)> = paths
            .iter()
            .filter(|(path, _)| path.starts_with("/api/v1"))
            .flat_map(|(path, item)| item.as_object().unwrap().keys().map(move |m| (m.clone(), path.clone())))
            .collect();
        let served: Vec<(String, String)> = web::API_ROUTES.iter().map(|(m, p)| ((*m).to_owned(), (*p).to_owned())).collect();
        for route in &served {
            assert!(documented.contains(route), "{route:?} is served but not documented");
        }
        for route in &documented {
            assert!(served.contains(route), "{route:?} is documented but not served");
        }
        // Every listed route really is served by the router: no route-level 404 or 405.
        for (method, path) in &served {
            let concrete = path.replace("{patient}", &uuid::Uuid::now_v7().to_string()).replace("{item}", &uuid::Uuid::now_v7().to_string());
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let answer = call(&app, &patient_browser(), method, &concrete, Some(json!({}))).await;
            assert!(!["no_route", "method_not_allowed"].contains(&answer.1["code"].as_str().unwrap_or("")), "{path}: {}", answer.1);
        }
        // Each operation says what it answers, with bodies for errors; every reference resolves.
        for (method, path) in &served {
            let operation = &doc["paths"][path][method];
            let responses = operation["responses"].as_object().unwrap();
            assert!(responses.keys().any(|s| s.starts_with('2')), "{method} {path}");
            for (status, response) in responses {
                if status.starts_with('4') {
                    assert_eq!(response["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/ErrorBody", "{method} {path} {status}");
                }
            }
            if ["post", "put"].contains(&method.as_str()) && !path.ends_with("/unlock") {
                assert!(operation["requestBody"].is_object(), "{method} {path} has no body described");
            }
        }
        fn refs(value: &Value, out: &mut Vec<String>) {
            match value {
                Value::Object(map) => {
                    for (key, value) in map {
                        match (key.as_str(), value) {
                            ("$ref", Value::String(r)) => out.push(r.clone()),
                            _ => refs(value, out),
                        }
                    }
                }
                Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
                _ => {}
            }
        }
        let mut all = Vec::new();
        refs(&doc, &mut all);
        for reference in all {
            let name = reference.trim_start_matches("#/components/schemas/");
            assert!(doc["components"]["schemas"][name].is_object(), "{reference} does not resolve");
        }
        // openapi-spec-validator's rules that the derive does not keep by itself: one
        // operationId per operation, every path template's parameter declared in the path.
        let mut ids = std::collections::BTreeSet::new();
        for (method, path) in &served {
            let operation = &doc["paths"][path][method];
            let id = operation["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            assert!(ids.insert(id.to_owned()), "operationId {id} is used twice");
            let declared: Vec<&str> = operation["parameters"].as_array().into_iter().flatten()
                .filter(|p| p["in"] == "path")
                .inspect(|p| assert_eq!(p["required"], true, "{method} {path}"))
                .map(|p| p["name"].as_str().unwrap())
                .collect();
            let templated: Vec<&str> = path.split('/').filter_map(|part| part.strip_prefix('{')?.strip_suffix('}')).collect();
            assert_eq!(declared, templated, "{method} {path}: the path's parameters");
            // Every status the server gives besides the operation's own.
            let responses = operation["responses"].as_object().unwrap();
            let mut common = vec!["500", "503"];
            if operation["requestBody"].is_object() {
                common.extend(["400", "413", "415"]);
            }
            if !templated.is_empty() {
                common.push("400");
            }
            if method != "get" {
                common.push("403");
            }
            for status in common {
                assert!(responses.contains_key(status), "{method} {path} does not list {status}");
            }
        }
        // Required fields and string constraints as the server reads them.
        let schema = |name: &str| doc["components"]["schemas"][name].clone();
        for name in ["ActivateRequest", "SelfEnrollmentRequest"] {
            let required = schema(name)["required"].clone();
            for field in ["bot_check", "bot_solution"] {
                assert!(required.as_array().unwrap().contains(&json!(field)), "{name}.{field} is required");
                assert_eq!(schema(name)["properties"][field]["minLength"], 1, "{name}.{field}");
            }
        }
        for name in ["IdentityRequest", "SelfEnrollmentRequest"] {
            for field in ["given", "family"] {
                assert_eq!(schema(name)["properties"][field]["minLength"], 1, "{name}.{field}");
                assert_eq!(schema(name)["properties"][field]["maxLength"], 200, "{name}.{field}");
            }
            assert_eq!(schema(name)["properties"]["birth_date"]["format"], "date");
        }
        assert_eq!(schema("CredentialsRequest")["properties"]["username"]["minLength"], 3);
        assert_eq!(schema("CredentialsRequest")["properties"]["username"]["maxLength"], 64);
        assert_eq!(schema("CloseRequest")["properties"]["reason"]["enum"], json!(["helped", "not-patient", "duplicate", "other"]));
        assert_eq!(schema("CloseRequest")["properties"]["note"]["maxLength"], 500);
        assert_eq!(schema("PublishRequest")["properties"]["summary"]["minLength"], 10);
        assert_eq!(schema("AcceptTermsRequest")["properties"]["accept_terms"]["enum"], json!([true]));
        assert_eq!(schema("Policy")["properties"]["minimum_age"]["minimum"], 12);
        let schemes = &doc["components"]["securitySchemes"];
        assert_eq!(schemes["staff_session"]["in"], "cookie");
        assert_eq!(schemes["enrollment_session"]["name"], "porchlight_enrollment");
        assert_eq!(schemes["enrollment_bearer"]["scheme"], "bearer");
        let error = &doc["components"]["schemas"]["ErrorBody"]["properties"];
        assert!(error["error"].is_object() && error["fields"].is_object() && error["code"].is_object());
    }

    async fn the_server_answers_as_the_document_says(app) {
        let org = clinic_with_patients(&app).await;
        let (_, doc) = get(&app, &patient_browser(), "/api/openapi.json").await;
        let listed = |method: &str, path: &str, status: &str| {
            assert!(doc["paths"][path][method]["responses"][status].is_object(), "{method} {path} does not list {status}");
        };
        let patient = patient_browser();

        // The bot check's fields are required: leaving them out is a malformed body.
        let missing = post(&app, &patient, "/api/v1/enrollment/activate", json!({"code": "K7QMW-4TXRP"})).await;
        assert_error(&missing, StatusCode::BAD_REQUEST, "malformed");
        assert!(missing.1["error"].as_str().unwrap().contains("missing field `bot_check`"), "{}", missing.1);
        listed("post", "/api/v1/enrollment/activate", "400");
        // A body without the JSON content type.
        let response = patient.post(app.url("/api/v1/enrollment/self")).body("{}").send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(response.json::<Value>().await.unwrap()["code"], "unsupported_media_type");
        listed("post", "/api/v1/enrollment/self", "415");

        let admin = staff_client(&app, &org, "ada", Role::Administrator).await;
        // A malformed id is 400, not the 404 of an unknown one.
        assert_error(&get(&app, &admin, "/api/v1/review-items/not-a-uuid").await, StatusCode::BAD_REQUEST, "malformed");
        listed("get", "/api/v1/review-items/{item}", "400");
        assert_error(&get(&app, &admin, &format!("/api/v1/review-items/{}", uuid::Uuid::now_v7())).await, StatusCode::NOT_FOUND, "not_found");
        // A query string that cannot be read gets the error shape too, not plain text.
        assert_error(&get(&app, &admin, "/api/v1/patients?q=Rivera&q=Lucia").await, StatusCode::BAD_REQUEST, "malformed");
        listed("get", "/api/v1/patients", "400");
        assert_error(&get(&app, &admin, "/api/v1/enrollment/funnel?to=2026-01-01&to=2026-01-02").await, StatusCode::BAD_REQUEST, "malformed");
        // An empty search is refused, as `minLength` says.
        assert_eq!(doc["paths"]["/api/v1/patients"]["get"]["parameters"][0]["schema"]["minLength"], 1);
        assert_error(&get(&app, &admin, "/api/v1/patients?q=").await, StatusCode::UNPROCESSABLE_ENTITY, "invalid");

        // JSON Schema's integers include 5.0: whole numbers written as floats are read, fractions are not.
        let (status, mut policy) = get(&app, &admin, "/api/v1/enrollment-policy").await;
        assert_eq!(status, StatusCode::OK, "{policy}");
        policy["minimum_age"] = json!(16.0);
        policy["patient_idle_minutes"] = json!(25.0);
        let (status, saved) = call(&app, &admin, Method::PUT, "/api/v1/enrollment-policy", Some(policy.clone())).await;
        assert_eq!(status, StatusCode::OK, "{saved}");
        assert_eq!((saved["minimum_age"].clone(), saved["patient_idle_minutes"].clone()), (json!(16), json!(25)));
        policy["minimum_age"] = json!(16.5);
        let fraction = call(&app, &admin, Method::PUT, "/api/v1/enrollment-policy", Some(policy)).await;
        assert_error(&fraction, StatusCode::BAD_REQUEST, "malformed");
        assert!(fraction.1["error"].as_str().unwrap().contains("expected a whole number, found 16.5"), "{}", fraction.1);
        assert_eq!(get(&app, &admin, "/api/v1/enrollment-policy").await.1["minimum_age"], 16, "nothing saved");
    }
}

/// The emailed link is read from the outbox before it is sent (a sent email keeps no link):
/// the jobs worker stays idle.
mod link_in_the_outbox {
    use super::*;

    each_backend! {
        with spawn_with_idle_worker;

        async fn an_app_opens_the_emailed_link_with_a_bearer_token(app) {
            let org = clinic_with_patients(&app).await;
            let staff = staff_client(&app, &org, "dana", Role::FrontDesk).await;
            let lucia = patient_id(&app, &staff, "Lucia").await;
            // The chart's address stands when none is given.
            let (status, sent) = post(&app, &staff, &format!("/api/v1/patients/{lucia}/invitations"), json!({"channel": "email"})).await;
            assert_eq!(status, StatusCode::CREATED, "{sent}");
            assert_eq!(sent["email"], "lucia@example.org");
            assert!(sent["code"].is_null());
            let jobs = app.db.pending_jobs("email.invitation").await.unwrap();
            let job: Value = serde_json::from_str(&jobs[0]).unwrap();
            let token = job["link"].as_str().unwrap().rsplit('/').next().unwrap().to_owned();

            // No cookies: the token is the session.
            let phone_app = reqwest::Client::new();
            let broken = post(&app, &phone_app, "/api/v1/enrollment/link", json!({"token": &token[..20]})).await;
            assert_error(&broken, StatusCode::NOT_FOUND, "not_found");
            assert!(broken.1["error"].as_str().unwrap().starts_with("This link does not work."));
            let (status, opened) = post(&app, &phone_app, "/api/v1/enrollment/link", json!({"token": token})).await;
            assert_eq!(status, StatusCode::CREATED, "{opened}");
            let bearer = opened["enrollment_token"].as_str().unwrap();
            let standing = phone_app.get(app.url("/api/v1/enrollment")).bearer_auth(bearer).send().await.unwrap();
            assert_eq!(standing.status(), StatusCode::OK);
            assert_eq!(standing.json::<Value>().await.unwrap()["next_step"], "identity");
            let verified = phone_app.post(app.url("/api/v1/enrollment/identity")).bearer_auth(bearer)
                .json(&json!({"given": "Lucia", "family": "Rivera", "birth_date": "1961-04-09"})).send().await.unwrap();
            assert_eq!(verified.status(), StatusCode::OK);

            // Cancelled by the front desk: the link says so, in the page's words.
            let revoked = call(&app, &staff, Method::DELETE, &format!("/api/v1/patients/{lucia}/invitations/current"), None).await;
            assert_eq!(revoked.0, StatusCode::NO_CONTENT);
            assert_eq!(app.db.count_audit("invitation.revoke").await.unwrap(), 1);
            let gone = post(&app, &phone_app, "/api/v1/enrollment/link", json!({"token": token})).await;
            assert_error(&gone, StatusCode::GONE, "revoked");
            assert!(gone.1["error"].as_str().unwrap().starts_with("This invitation was cancelled."));
            let again = call(&app, &staff, Method::DELETE, &format!("/api/v1/patients/{lucia}/invitations/current"), None).await;
            assert_error(&again, StatusCode::NOT_FOUND, "not_found");
        }
    }
}

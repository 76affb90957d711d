//! The terms of use and the privacy policy in English and Spanish: administrators publish a
//! version in both languages or in English only, starting from the text in force; patients who
//! read Spanish see the Spanish text where one exists (the enrollment step, the page after a
//! new version, the API), otherwise the English text with a note; each acceptance keeps the
//! language each document was shown in.

use reqwest::{StatusCode, header};
use serde_json::Value;

use crate::{
    fixtures::{
        STAFF_PASSWORD, activate, add_staff, enroll_up_to_terms, front_desk, hidden,
        import_patients, page_text, patient_browser, patient_page, printed_code,
        sign_in as staff_sign_in, spanish_browser, terms_acceptance,
    },
    harness::{TestApp, each_backend},
};

const TERMS_ES: &str = "Puede usar el portal para ver sus resultados y escribir al consultorio.";
const TERMS_EN: &str = "You may use the portal to see your results and write to the practice.";
const PRIVACY_EN: &str = "We now also keep a list of the devices you sign in from.";
const PRIVACY_ES: &str = "Ahora también guardamos una lista de los aparatos desde los que entra.";

async fn publish(app: &TestApp, form: &[(&str, &str)]) -> reqwest::Response {
    app.client
        .post(app.url("/staff/terms"))
        .form(form)
        .send()
        .await
        .unwrap()
}

/// The text of the textarea `id` on a page (escaped as the page has it).
fn textarea(page: &str, id: &str) -> String {
    let start = page
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no {id}: {page}"));
    let open = start + page[start..].find('>').unwrap() + 1;
    let close = open + page[open..].find("</textarea>").unwrap();
    page[open..close].to_owned()
}

/// Opens the patient's printed invitation in `browser` and takes it up to the terms step
/// (the access code is the birth year); answers the terms page.
async fn up_to_terms(
    app: &TestApp,
    browser: &reqwest::Client,
    code: &str,
    (given, birth): (&str, (&str, &str, &str)),
    username: &str,
) -> String {
    assert_eq!(
        activate(app, browser, code).await.status(),
        StatusCode::SEE_OTHER
    );
    enroll_up_to_terms(app, browser, (given, "Rivera"), birth, username).await;
    page_text(browser, app, "/enroll/terms").await
}

/// Accepts the terms step `page` shown.
async fn accept_at_enrollment(app: &TestApp, browser: &reqwest::Client, page: &str) {
    let done = browser
        .post(app.url("/enroll/terms"))
        .form(&terms_acceptance(page))
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert_eq!(done.headers()[header::LOCATION], "/welcome");
}

each_backend! {
    async fn spanish_patients_read_the_spanish_text_where_the_practice_published_one(app) {
        let org = front_desk(&app).await;
        import_patients(&app, &org, &[
            ("p1", "Lucia", "Rivera", "1961-04-09", ""),
            ("p2", "Ana", "Rivera", "1975-02-03", ""),
        ]).await;
        let lucia_code = printed_code(&app, &patient_page(&app, &org, "Rivera", "Lucia").await).await;
        let ana_code = printed_code(&app, &patient_page(&app, &org, "Rivera", "Ana").await).await;

        // The administrator sees the text in force in both languages; the form starts from it.
        add_staff(&app, org.id, "ada", domain::Role::Administrator).await;
        assert_eq!(staff_sign_in(&app, &org, "ada", STAFF_PASSWORD).await.status(), StatusCode::SEE_OTHER);
        let page = page_text(&app.client, &app, "/staff/terms").await;
        assert!(page.contains("terms of use version 1, privacy policy version 1"), "{page}");
        assert!(page.contains("id=\"terms-languages\">Published in English and Spanish."), "{page}");
        assert!(page.contains("Puede usar este portal para ver su información de salud"), "the Spanish text in force: {page}");
        assert!(textarea(&page, "summary").starts_with("You may use this portal to see your health information"), "{page}");
        assert!(textarea(&page, "summary_es").starts_with("Puede usar este portal"), "{page}");
        assert!(textarea(&page, "changes").is_empty(), "what changed is new to each version");
        assert!(page.contains("Publish version 2 of the terms of use"), "{page}");
        let privacy_form = page_text(&app.client, &app, "/staff/terms?edit=privacy").await;
        assert!(textarea(&privacy_form, "summary").starts_with("Your information stays with the practice."), "{privacy_form}");
        assert!(privacy_form.contains("name=\"kind\" value=\"privacy\""), "{privacy_form}");

        // A Spanish text begun is checked like the English one; nothing half-published.
        let half = publish(&app, &[("kind", "terms"), ("summary", TERMS_EN),
            ("body", "1. See your results.\n2. Write to the practice."), ("changes", "Results and messages are new."),
            ("summary_es", TERMS_ES)]).await;
        assert_eq!(half.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let half = half.text().await.unwrap();
        assert!(half.contains("id=\"body_es-error\"") && half.contains("id=\"changes_es-error\""), "{half}");
        assert!(!half.contains("id=\"summary_es-error\""), "{half}");
        assert!(textarea(&half, "summary_es") == TERMS_ES, "what was typed is kept: {half}");
        assert_eq!(app.db.count_audit("terms.publish").await.unwrap(), 0);

        // Terms version 2 in both languages, privacy version 2 in English only.
        let both = publish(&app, &[("kind", "terms"), ("summary", TERMS_EN),
            ("body", "1. See your results.\n2. Write to the practice."), ("changes", "Results and messages are new."),
            ("summary_es", TERMS_ES), ("body_es", "1. Vea sus resultados.\n2. Escriba al consultorio."),
            ("changes_es", "Los resultados y los mensajes son nuevos.")]).await;
        assert_eq!(both.status(), StatusCode::SEE_OTHER);
        let english = publish(&app, &[("kind", "privacy"), ("summary", PRIVACY_EN),
            ("body", "1. Everything in version 1.\n2. A list of your signed-in devices."),
            ("changes", "We added a list of the devices you sign in from.")]).await;
        assert_eq!(english.status(), StatusCode::SEE_OTHER);
        let page = page_text(&app.client, &app, "/staff/terms").await;
        assert!(page.contains("id=\"terms-languages\">Published in English and Spanish."), "{page}");
        assert!(page.contains("id=\"privacy-languages\">Published in English only."), "{page}");
        assert_eq!(textarea(&page, "summary_es"), TERMS_ES, "the next version starts from this one");
        let privacy_form = page_text(&app.client, &app, "/staff/terms?edit=privacy").await;
        assert_eq!(textarea(&privacy_form, "summary"), PRIVACY_EN);
        assert!(textarea(&privacy_form, "summary_es").is_empty(), "{privacy_form}");
        let api: Value = app.client.get(app.url("/api/v1/terms")).send().await.unwrap().json().await.unwrap();
        assert_eq!(api["terms"]["spanish"]["summary"], TERMS_ES, "{api}");
        assert!(api["privacy"]["spanish"].is_null(), "{api}");

        // Lucia reads Spanish: the terms in Spanish, the privacy policy in English with a note.
        let lucia = spanish_browser();
        let step = up_to_terms(&app, &lucia, &lucia_code, ("Lucia", ("4", "9", "1961")), "lucia.r").await;
        let lucia_step = step.clone();
        assert!(step.contains(&format!("<p class=\"summary\" lang=\"es\">{TERMS_ES}</p>")), "{step}");
        assert!(step.contains(&format!("<p class=\"summary\" lang=\"en\">{PRIVACY_EN}</p>")), "{step}");
        assert!(step.contains("id=\"privacy-english-only\">Este documento solo existe en inglés."), "{step}");
        assert!(!step.contains("id=\"terms-english-only\""), "{step}");
        // Ana reads English: English throughout, no note.
        let ana = patient_browser();
        let step = up_to_terms(&app, &ana, &ana_code, ("Ana", ("2", "3", "1975")), "ana.r").await;
        assert!(step.contains(&format!("<p class=\"summary\" lang=\"en\">{TERMS_EN}</p>")), "{step}");
        assert!(!step.contains(TERMS_ES) && !step.contains("english-only"), "{step}");

        // Each acceptance keeps the language each document was shown in.
        accept_at_enrollment(&app, &lucia, &lucia_step).await;
        accept_at_enrollment(&app, &ana, &step).await;
        let shown = |terms: &str, privacy: &str| (Some(terms.to_owned()), Some(privacy.to_owned()));
        assert_eq!(app.db.terms_acceptance_languages(org.id).await.unwrap(), [shown("es", "en"), shown("en", "en")]);

        // A new privacy policy in both languages, then new terms in English only.
        let privacy_es = publish(&app, &[("kind", "privacy"), ("summary", PRIVACY_EN),
            ("body", "1. Everything in version 2.\n2. We say it in Spanish too."), ("changes", "The policy is now in Spanish too."),
            ("summary_es", PRIVACY_ES), ("body_es", "1. Todo lo de la versión 2.\n2. Ahora también en español."),
            ("changes_es", "La política ahora también está en español.")]).await;
        assert_eq!(privacy_es.status(), StatusCode::SEE_OTHER);
        let terms_en = publish(&app, &[("kind", "terms"), ("summary", "Messages are answered within one business day."),
            ("body", "1. Everything in version 2.\n2. Faster answers."), ("changes", "We answer messages faster.")]).await;
        assert_eq!(terms_en.status(), StatusCode::SEE_OTHER);

        // Lucia is asked to accept them: what changed and the texts, Spanish where it exists.
        assert_eq!(lucia.get(app.url("/home")).send().await.unwrap().headers()[header::LOCATION], "/terms/update");
        let update = page_text(&lucia, &app, "/terms/update").await;
        assert!(update.contains("<span lang=\"es\">La política ahora también está en español.</span>"), "{update}");
        assert!(update.contains("<span lang=\"en\">We answer messages faster.</span>"), "{update}");
        assert!(update.contains(&format!("<p class=\"summary\" lang=\"es\">{PRIVACY_ES}</p>")), "{update}");
        assert!(update.contains("<p class=\"summary\" lang=\"en\">Messages are answered within one business day.</p>"), "{update}");
        assert!(update.contains("id=\"terms-english-only\"") && !update.contains("id=\"privacy-english-only\""), "{update}");
        let lucia_update = update;
        let update = page_text(&ana, &app, "/terms/update").await;
        assert!(update.contains(&format!("<p class=\"summary\" lang=\"en\">{PRIVACY_EN}</p>")), "{update}");
        assert!(!update.contains("english-only"), "{update}");

        // The API answers in the language asked for, and says which.
        let api: Value = lucia.get(app.url("/api/v1/me/terms")).send().await.unwrap().json().await.unwrap();
        let privacy = &api["documents"]["privacy"];
        assert_eq!((privacy["language"].as_str(), privacy["summary"].as_str(), privacy["english_only"].as_bool()),
            (Some("es"), Some(PRIVACY_ES), Some(false)), "{api}");
        let terms = &api["documents"]["terms"];
        assert_eq!((terms["language"].as_str(), terms["english_only"].as_bool()), (Some("en"), Some(true)), "{api}");
        let api: Value = ana.get(app.url("/api/v1/me/terms")).send().await.unwrap().json().await.unwrap();
        assert_eq!((api["documents"]["privacy"]["language"].as_str(), api["documents"]["privacy"]["summary"].as_str()),
            (Some("en"), Some(PRIVACY_EN)), "{api}");

        let accepted = lucia.post(app.url("/terms/update"))
            .form(&[("accept", "on"), ("terms_version", "3"), ("privacy_version", "3"), ("lang", hidden(&lucia_update, "lang"))])
            .send().await.unwrap();
        assert_eq!(accepted.headers()[header::LOCATION], "/home");
        let languages = app.db.terms_acceptance_languages(org.id).await.unwrap();
        assert_eq!(languages.last(), Some(&shown("en", "es")), "{languages:?}");
    }

    async fn the_api_publishes_a_version_in_spanish_too(app) {
        let org = front_desk(&app).await;
        add_staff(&app, org.id, "ada", domain::Role::Administrator).await;
        staff_sign_in(&app, &org, "ada", STAFF_PASSWORD).await;
        let before: Value = app.client.get(app.url("/api/v1/terms")).send().await.unwrap().json().await.unwrap();
        assert!(before["privacy"]["spanish"]["summary"].is_string(), "the first versions come in Spanish too: {before}");
        let post = |body: Value| app.client.post(app.url("/api/v1/terms")).json(&body).send();
        let half = post(serde_json::json!({"kind": "privacy", "summary": PRIVACY_EN,
            "body": "1. Everything in version 1.\n2. Devices.", "changes": "We list your devices.", "body_es": "corto"})).await.unwrap();
        assert_eq!(half.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let half: Value = half.json().await.unwrap();
        for field in ["summary_es", "body_es", "changes_es"] {
            assert!(half["fields"][field].is_string(), "{field}: {half}");
        }
        let published = post(serde_json::json!({"kind": "privacy", "summary": PRIVACY_EN,
            "body": "1. Everything in version 1.\n2. Devices.", "changes": "We list your devices.",
            "summary_es": PRIVACY_ES, "body_es": "1. Todo lo de la versión 1.\n2. Aparatos.",
            "changes_es": "Mostramos sus aparatos."})).await.unwrap();
        assert_eq!(published.status(), StatusCode::CREATED);
        let documents: Value = app.client.get(app.url("/api/v1/terms")).send().await.unwrap().json().await.unwrap();
        assert_eq!(documents["privacy"]["version"], 2);
        assert_eq!(documents["privacy"]["summary"], PRIVACY_EN);
        assert_eq!(documents["privacy"]["spanish"]["summary"], PRIVACY_ES);
        assert_eq!(documents["privacy"]["spanish"]["changes"], "Mostramos sus aparatos.");
    }

    async fn a_changed_english_text_needs_its_spanish_text_changed_too(app) {
        let org = front_desk(&app).await;
        add_staff(&app, org.id, "ada", domain::Role::Administrator).await;
        assert_eq!(staff_sign_in(&app, &org, "ada", STAFF_PASSWORD).await.status(), StatusCode::SEE_OTHER);
        // The form starts from version 1 in both languages; only the English is edited, as a
        // browser sends it (lines ended by CR LF).
        let form = page_text(&app.client, &app, "/staff/terms").await;
        let unescape = |text: String| text.replace("&#x27;", "'").replace("&quot;", "\"").replace("&amp;", "&")
            .replace("&lt;", "<").replace("&gt;", ">").replace('\n', "\r\n");
        let (summary_es, body_es) = (unescape(textarea(&form, "summary_es")), unescape(textarea(&form, "body_es")));
        let body = unescape(textarea(&form, "body"));
        assert!(summary_es.starts_with("Puede usar este portal") && body_es.contains("\r\n"), "{form}");
        let stale = [("kind", "terms"), ("summary", TERMS_EN), ("body", body.as_str()),
            ("changes", "Results and messages are new."), ("summary_es", summary_es.as_str()),
            ("body_es", body_es.as_str()), ("changes_es", "Los resultados y los mensajes son nuevos.")];
        let refused = publish(&app, &stale).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let refused = refused.text().await.unwrap();
        assert!(refused.contains("You changed the English text: update the Spanish text too, or clear it to publish in English only."), "{refused}");
        assert!(refused.contains("id=\"summary_es-error\""), "{refused}");
        // The API refuses the same.
        let json = |fields: &[(&str, &str)]| Value::Object(fields.iter().map(|(k, v)| (k.to_string(), Value::from(*v))).collect());
        let api = app.client.post(app.url("/api/v1/terms")).json(&json(&stale)).send().await.unwrap();
        assert_eq!(api.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let api: Value = api.json().await.unwrap();
        assert!(api["fields"]["summary_es"].as_str().unwrap_or_default().starts_with("You changed the English text"), "{api}");
        assert_eq!(app.db.count_audit("terms.publish").await.unwrap(), 0, "nothing published");

        // Published once the Spanish text is updated (the page), or cleared (the API).
        let mut updated = stale;
        updated[4] = ("summary_es", TERMS_ES);
        assert_eq!(publish(&app, &updated).await.status(), StatusCode::SEE_OTHER);
        let english_only = [("kind", "privacy"), ("summary", PRIVACY_EN),
            ("body", "1. Everything in version 1.\n2. Devices."), ("changes", "We list your devices.")];
        let api = app.client.post(app.url("/api/v1/terms")).json(&json(&english_only)).send().await.unwrap();
        assert_eq!(api.status(), StatusCode::CREATED);
        let documents: Value = app.client.get(app.url("/api/v1/terms")).send().await.unwrap().json().await.unwrap();
        assert_eq!((documents["terms"]["version"].as_i64(), documents["terms"]["spanish"]["summary"].as_str()), (Some(2), Some(TERMS_ES)), "{documents}");
        assert!(documents["privacy"]["spanish"].is_null(), "{documents}");
        // The Spanish text in force may stay when the English text did not change.
        let next = unescape(textarea(&page_text(&app.client, &app, "/staff/terms").await, "body"));
        let same = [("kind", "terms"), ("summary", TERMS_EN), ("body", next.as_str()),
            ("changes", "Only the Spanish wording changed."), ("summary_es", TERMS_ES),
            ("body_es", "1. Vea sus resultados aqui.\r\n2. Escriba al consultorio."),
            ("changes_es", "Solo cambiamos unas palabras en español.")];
        assert_eq!(publish(&app, &same).await.status(), StatusCode::SEE_OTHER);
    }

    async fn an_acceptance_keeps_the_versions_and_the_language_shown(app) {
        let org = front_desk(&app).await;
        import_patients(&app, &org, &[("p1", "Lucia", "Rivera", "1961-04-09", "")]).await;
        let code = printed_code(&app, &patient_page(&app, &org, "Rivera", "Lucia").await).await;
        add_staff(&app, org.id, "ada", domain::Role::Administrator).await;
        assert_eq!(staff_sign_in(&app, &org, "ada", STAFF_PASSWORD).await.status(), StatusCode::SEE_OTHER);
        let lucia = spanish_browser();
        let step = up_to_terms(&app, &lucia, &code, ("Lucia", ("4", "9", "1961")), "lucia.r").await;
        assert_eq!((hidden(&step, "terms_version"), hidden(&step, "privacy_version"), hidden(&step, "lang")), ("1", "1", "es"));

        // New terms are published while Lucia reads version 1: her ticks do not accept them.
        let terms_v2 = [("kind", "terms"), ("summary", TERMS_EN),
            ("body", "1. See your results.\n2. Write to the practice."), ("changes", "Results and messages are new."),
            ("summary_es", TERMS_ES), ("body_es", "1. Vea sus resultados.\n2. Escriba al consultorio."),
            ("changes_es", "Los resultados y los mensajes son nuevos.")];
        assert_eq!(publish(&app, &terms_v2).await.status(), StatusCode::SEE_OTHER);
        let stale = lucia.post(app.url("/enroll/terms")).form(&terms_acceptance(&step)).send().await.unwrap();
        assert_eq!(stale.status(), StatusCode::CONFLICT);
        let again = stale.text().await.unwrap();
        assert!(again.contains("id=\"terms-changed\"><p>Se publicó una versión nueva"), "{again}");
        assert!(again.contains(&format!("<p class=\"summary\" lang=\"es\">{TERMS_ES}</p>")), "the new text: {again}");
        assert!(!again.contains("accept_terms\" checked") && !again.contains("accept_terms-error"), "{again}");
        assert_eq!(hidden(&again, "terms_version"), "2");
        assert_eq!(app.db.count_terms_acceptances(org.id).await.unwrap(), 0, "nothing accepted");
        // No versions at all (a page from before they were sent) is not an acceptance either.
        let bare = lucia.post(app.url("/enroll/terms")).form(&[("accept_terms", "on"), ("accept_privacy", "on")]).send().await.unwrap();
        assert_eq!(bare.status(), StatusCode::CONFLICT);

        // Accepted as shown: in Spanish, although this request asks for English.
        let done = lucia.post(app.url("/enroll/terms")).header(header::ACCEPT_LANGUAGE, "en")
            .form(&terms_acceptance(&again)).send().await.unwrap();
        assert_eq!(done.headers()[header::LOCATION], "/welcome");
        let shown = |terms: &str, privacy: &str| (Some(terms.to_owned()), Some(privacy.to_owned()));
        assert_eq!(app.db.terms_acceptance_languages(org.id).await.unwrap(), [shown("es", "es")]);

        // The page after a new version: the language of the form, English for one we do not
        // know, and English for a version that has no Spanish text.
        let privacy_v2 = [("kind", "privacy"), ("summary", PRIVACY_EN),
            ("body", "1. Everything in version 1.\n2. Devices."), ("changes", "We list your devices.")];
        assert_eq!(publish(&app, &privacy_v2).await.status(), StatusCode::SEE_OTHER);
        let update = page_text(&lucia, &app, "/terms/update").await;
        assert_eq!(hidden(&update, "lang"), "es");
        let accept = |lang: &'static str| lucia.post(app.url("/terms/update")).header(header::ACCEPT_LANGUAGE, "es")
            .form(&[("accept", "on"), ("terms_version", "2"), ("privacy_version", "2"), ("lang", lang)]).send();
        assert_eq!(accept("fr").await.unwrap().headers()[header::LOCATION], "/home");
        let languages = app.db.terms_acceptance_languages(org.id).await.unwrap();
        assert_eq!(languages.last(), Some(&shown("en", "en")), "{languages:?}");
        let privacy_v3 = [("kind", "privacy"), ("summary", PRIVACY_EN), ("body", "1. Everything in version 2.\n2. In Spanish."),
            ("changes", "Now in Spanish too."), ("summary_es", PRIVACY_ES), ("body_es", "1. Todo lo de la versión 2.\n2. En español."),
            ("changes_es", "Ahora también en español.")];
        assert_eq!(publish(&app, &privacy_v3).await.status(), StatusCode::SEE_OTHER);
        let old_page = accept("es").await.unwrap();
        assert_eq!(old_page.headers()[header::LOCATION], "/terms/update", "version 3 is shown first");
        assert_eq!(app.db.count_terms_acceptances(org.id).await.unwrap(), 2);

        // The API: the language sent, whatever the request's own; only en or es.
        let api = |body: Value| lucia.post(app.url("/api/v1/me/terms")).header(header::ACCEPT_LANGUAGE, "es").json(&body).send();
        let odd = api(serde_json::json!({"accept_terms": true, "accept_privacy": true,
            "terms_version": 2, "privacy_version": 3, "language": "fr"})).await.unwrap();
        assert_eq!(odd.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let odd: Value = odd.json().await.unwrap();
        assert!(odd["fields"]["language"].is_string(), "{odd}");
        let english = api(serde_json::json!({"accept_terms": true, "accept_privacy": true,
            "terms_version": 2, "privacy_version": 3, "language": "en"})).await.unwrap();
        assert_eq!(english.status(), StatusCode::NO_CONTENT);
        let languages = app.db.terms_acceptance_languages(org.id).await.unwrap();
        assert_eq!(languages.last(), Some(&shown("en", "en")), "{languages:?}");
        assert_eq!(languages.len(), 3);
    }
}

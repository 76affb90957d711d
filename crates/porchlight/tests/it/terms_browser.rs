//! In Chromium, at phone and desktop widths, axe-clean and photographed: the forgot page of a
//! practice that sends no email (English and Spanish), the enrollment's terms step in Spanish
//! with one document only in English, and the administrator's terms page in both languages.

use fantoccini::cookies::Cookie;
use reqwest::{StatusCode, header};

use crate::{
    browser::{Driver, check_page, submit, type_into, wait_for_heading},
    fixtures::{
        PATIENT_PASSWORD, STAFF_PASSWORD, activate, add_staff, front_desk, import_patients,
        patient_browser, patient_page, printed_code, sign_in,
    },
    harness::{Backend, TestApp},
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(porchlight_browser),
    ignore = "browser tests skipped: chromedriver is not installed"
)]
async fn the_forgot_page_without_email_and_the_terms_in_spanish_are_accessible() {
    let app = TestApp::spawn_keeping_mail(Backend::Sqlite).await;
    let org = front_desk(&app).await;
    import_patients(&app, &org, &[("p1", "Lucia", "Rivera", "1961-04-09", "")]).await;
    let code = printed_code(&app, &patient_page(&app, &org, "Rivera", "Lucia").await).await;
    add_staff(&app, org.id, "ada", domain::Role::Administrator).await;
    sign_in(&app, &org, "ada", STAFF_PASSWORD).await;
    app.get("/staff/terms").await;
    let published = app
        .client
        .post(app.url("/staff/terms"))
        .form(&[
            ("kind", "privacy"),
            (
                "summary",
                "We now also keep a list of the devices you sign in from.",
            ),
            (
                "body",
                "1. Everything in version 1.\n2. A list of your signed-in devices.",
            ),
            (
                "changes",
                "We added a list of the devices you sign in from.",
            ),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(published.status(), StatusCode::SEE_OTHER);

    // Lucia's enrollment reaches the terms step; her browser takes over from there.
    let patient = patient_browser();
    let opened = activate(&app, &patient, &code).await;
    let enrollment = opened
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("porchlight_enrollment="))
        .expect("an enrollment cookie");
    for (path, form) in [
        (
            "/enroll/identity",
            vec![
                ("given", "Lucia"),
                ("family", "Rivera"),
                ("birth_month", "4"),
                ("birth_day", "9"),
                ("birth_year", "1961"),
            ],
        ),
        ("/enroll/access-code", vec![("access_code", "1961")]),
        (
            "/enroll/credentials",
            vec![
                ("username", "lucia.r"),
                ("password", PATIENT_PASSWORD),
                ("confirmation", PATIENT_PASSWORD),
            ],
        ),
    ] {
        patient
            .post(app.url(path))
            .form(&form)
            .send()
            .await
            .unwrap();
    }

    let driver = Driver::start().await;
    let profile = tempfile::tempdir().unwrap();
    let client = driver.browser(profile.path()).await;
    check_page(&client, &app.url("/forgot"), "forgot-no-email").await;
    let text = client
        .find(fantoccini::Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains("This practice does not send email from the portal"),
        "{text}"
    );
    client
        .goto(&app.url("/language/es?back=/forgot"))
        .await
        .unwrap();
    check_page(&client, &app.url("/forgot"), "forgot-no-email-es").await;
    let text = client
        .find(fantoccini::Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains("Este consultorio no envía correos electrónicos"),
        "{text}"
    );

    let mut cookie = Cookie::parse(enrollment).unwrap();
    cookie.set_domain(
        reqwest::Url::parse(&app.base_url)
            .unwrap()
            .host_str()
            .unwrap()
            .to_owned(),
    );
    client.add_cookie(cookie).await.unwrap();
    check_page(&client, &app.url("/enroll/terms"), "terms-step-es").await;
    let note = client
        .find(fantoccini::Locator::Id("privacy-english-only"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(note, "Este documento solo existe en inglés.");
    let summary = client
        .find(fantoccini::Locator::Css("#terms-heading ~ .summary"))
        .await
        .unwrap();
    assert_eq!(summary.attr("lang").await.unwrap().as_deref(), Some("es"));

    client.goto(&app.url("/staff/sign-in")).await.unwrap();
    type_into(&client, "username", "ada").await;
    type_into(&client, "password", STAFF_PASSWORD).await;
    submit(&client).await;
    wait_for_heading(&client, "Find a patient").await;
    check_page(&client, &app.url("/staff/terms"), "staff-terms-languages").await;
    check_page(
        &client,
        &app.url("/staff/terms?edit=privacy"),
        "staff-terms-edit-privacy",
    )
    .await;
    client.close().await.unwrap();
}

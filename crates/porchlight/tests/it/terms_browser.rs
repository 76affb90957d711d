//! In Chromium, at phone and desktop widths, axe-clean and photographed: the forgot page of a
//! practice that sends no email (English and Spanish), the enrollment's terms step in Spanish
//! with one document only in English, and the administrator's terms page in both languages.

use fantoccini::{Locator, cookies::Cookie};
use reqwest::header;

use crate::{
    browser::{Driver, check_page, publish_privacy_version_2, staff_signs_in, text},
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
    publish_privacy_version_2(&app, "We added a list of the devices you sign in from.").await;

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
    let english = text(&client, Locator::Css("main")).await;
    assert!(
        english.contains("This practice does not send email from the portal"),
        "{english}"
    );
    client
        .goto(&app.url("/language/es?back=/forgot"))
        .await
        .unwrap();
    check_page(&client, &app.url("/forgot"), "forgot-no-email-es").await;
    let spanish = text(&client, Locator::Css("main")).await;
    assert!(
        spanish.contains("Este consultorio no envía correos electrónicos"),
        "{spanish}"
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
    let note = text(&client, Locator::Id("privacy-english-only")).await;
    assert_eq!(note, "Este documento solo existe en inglés.");
    let summary = client
        .find(Locator::Css("#terms-heading ~ .summary"))
        .await
        .unwrap();
    assert_eq!(summary.attr("lang").await.unwrap().as_deref(), Some("es"));

    staff_signs_in(&client, &app, "ada").await;
    check_page(&client, &app.url("/staff/terms"), "staff-terms-languages").await;
    check_page(
        &client,
        &app.url("/staff/terms?edit=privacy"),
        "staff-terms-edit-privacy",
    )
    .await;
    client.close().await.unwrap();
}

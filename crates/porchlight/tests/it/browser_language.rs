//! Real Chromium on a phone's width, in Spanish: "who viewed my record" and "where you are
//! signed in" read as lists that fit the screen (nothing scrolls sideways, not even inside
//! the page), with dates in Spanish on the practice's clock; axe-clean, photographed.

use fantoccini::Locator;

use crate::{
    browser::{
        Driver, assert_nothing_scrolls_sideways, check_page, photograph, scroll_to, submit, text,
        type_into, wait_for_heading,
    },
    fixtures::{PATIENT_PASSWORD, enrolled_patient, front_desk, import_patients, patient_page},
    harness::{Backend, TestApp},
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(porchlight_browser),
    ignore = "browser tests skipped: chromedriver is not installed"
)]
async fn record_access_and_devices_fit_a_phone_in_spanish() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let org = front_desk(&app).await;
    let admin = crate::fixtures::add_staff(&app, org.id, "ada", domain::Role::Administrator).await;
    app.db
        .save_policy_and_time_zone(
            &domain::StaffScope::new(org.id, admin, domain::Role::Administrator),
            &domain::policy::EnrollmentPolicy::default(),
            &domain::PracticeTimeZone::parse("America/New_York").unwrap(),
            &storage::RequestOrigin::default(),
        )
        .await
        .unwrap();
    import_patients(&app, &org, &[("p1", "Lucía", "Rivera", "1940-11-25", "")]).await;
    // She enrolled on her computer (still signed in there: a second device on the list).
    let _computer = enrolled_patient(&app, &org, "Lucía", ("11", "25", "1940"), "lucia.r").await;
    // The front desk opens her chart a few more times.
    let chart = patient_page(&app, &org, "Rivera", "Lucía").await;
    for _ in 0..3 {
        app.client.get(app.url(&chart)).send().await.unwrap();
    }

    let driver = Driver::start().await;
    let profile = tempfile::tempdir().unwrap();
    let client = driver.browser(profile.path()).await;
    client.set_window_size(320, 720).await.unwrap();
    client
        .goto(&app.url("/language/es?back=/sign-in"))
        .await
        .unwrap();
    type_into(&client, "username", "lucia.r").await;
    type_into(&client, "password", PATIENT_PASSWORD).await;
    submit(&client).await;
    wait_for_heading(&client, "Hola, Lucía").await;

    check_page(&client, &app.url("/record-access"), "es-record-access").await;
    assert_nothing_scrolls_sideways(&client, "record-access").await;
    scroll_to(&client, "#record-access").await;
    photograph(&client, "es-record-access-phone-list").await;
    let entries = client
        .find_all(Locator::Css("#record-access > li"))
        .await
        .unwrap();
    assert!(
        entries.len() >= 4,
        "the invitation and three views: {}",
        entries.len()
    );
    let first = entries[0].text().await.unwrap();
    assert!(
        first.contains("Cuándo") && first.contains(", a las ") && first.contains("Dana Front"),
        "{first}"
    );
    assert!(
        !first.contains("UTC") && !first.contains(" PM") && !first.contains(" AM"),
        "{first}"
    );

    check_page(&client, &app.url("/devices"), "es-devices").await;
    assert_nothing_scrolls_sideways(&client, "devices").await;
    scroll_to(&client, "#devices").await;
    photograph(&client, "es-devices-phone-list").await;
    let devices = text(&client, Locator::Id("devices")).await;
    assert!(
        devices.contains("Último uso:") && devices.contains(", a las "),
        "{devices}"
    );
    assert!(!devices.contains("UTC"), "{devices}");
    client.close().await.unwrap();
}

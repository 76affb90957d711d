//! The staff console's search list, patient page and activation letter in real Chromium:
//! axe-clean and without sideways scrolling at a phone's and a desktop's width, photographed
//! (into `target/screenshots/`).

use fantoccini::Locator;

use crate::{
    browser::{
        Driver, check_here, check_page, click, scroll_to, shown, staff_signs_in, submit, text,
        wait_for_heading,
    },
    fixtures::{activate, add_staff, clinic, import_patients, patient_browser},
    harness::{Backend, TestApp},
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(porchlight_browser),
    ignore = "browser tests skipped: chromedriver is not installed"
)]
async fn the_front_desk_finds_a_patient_calls_invites_and_prints_a_letter() {
    // No SMTP server: the emails wait in the mailbox, which the menu links.
    let app = TestApp::spawn_keeping_mail(Backend::Sqlite).await;
    let org = clinic(&app).await;
    add_staff(&app, org.id, "dana", domain::Role::FrontDesk).await;
    let telecom = r#","telecom":[{"system":"phone","value":"(555) 010-2000","use":"mobile"},{"system":"phone","value":"(555) 010-3000","use":"home"},{"system":"email","value":"jose.luis.garcia.lopez@example.org"}]"#;
    import_patients(
        &app,
        &org,
        &[
            ("p1", "José Luis", "García López", "1975-03-02", telecom),
            ("p2", "Oscar", "Rivera", "1958-11-30", ""),
        ],
    )
    .await;
    let driver = Driver::start().await;
    let profile = tempfile::tempdir().unwrap();
    let client = driver.browser(profile.path()).await;

    staff_signs_in(&client, &app, "dana").await;

    check_page(
        &client,
        &app.url("/staff?q=garcia+jose"),
        "staff-search-status",
    )
    .await;
    let row = text(&client, Locator::Css(".results tbody tr")).await;
    assert!(
        row.contains("García López, José Luis") && row.contains("Not invited"),
        "{row}"
    );
    let mailbox = client
        .find(Locator::Css(".staff-nav a[href='/staff/mailbox']"))
        .await;
    assert!(mailbox.is_ok(), "the menu links the mailbox");

    click(&client, Locator::Css(".results a")).await;
    wait_for_heading(&client, "García López, José Luis").await;
    let patient_url = client.current_url().await.unwrap().to_string();
    check_page(&client, &patient_url, "staff-patient-phones").await;
    let call = client
        .find(Locator::Css("#phones a"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap();
    assert_eq!(call.as_deref(), Some("tel:5550102000"));

    // Choosing the letter hides the email field; choosing email brings it back.
    assert!(shown(&client, "#email").await);
    click(&client, Locator::Id("channel-code")).await;
    assert!(
        !shown(&client, "#email").await,
        "no email field for a letter"
    );
    client.set_window_size(320, 720).await.unwrap();
    scroll_to(&client, "#invite-heading").await;
    check_here(&client, "staff-patient-letter-chosen-phone").await;
    click(&client, Locator::Id("channel-email")).await;
    assert!(shown(&client, "#email").await);

    submit(&client).await;
    let sent = client
        .wait()
        .for_element(Locator::Id("invitation-sent"))
        .await
        .expect("the invitation is confirmed")
        .text()
        .await
        .unwrap();
    assert!(
        sent.starts_with("Invitation sent to jose.luis.garcia.lopez@example.org at "),
        "{sent}"
    );
    check_here(&client, "staff-invitation-sent-phone").await;
    client.set_window_size(1280, 900).await.unwrap();
    check_here(&client, "staff-invitation-sent-desktop").await;

    // Oscar gets a printed letter.
    client.goto(&app.url("/staff?q=rivera")).await.unwrap();
    click(&client, Locator::Css(".results a")).await;
    wait_for_heading(&client, "Rivera, Oscar").await;
    click(&client, Locator::Id("channel-code")).await;
    submit(&client).await;
    wait_for_heading(&client, "Your patient portal activation code").await;
    let qr = client
        .find(Locator::Css(".letter-qr img"))
        .await
        .expect("a QR code on the letter");
    assert!(qr.is_displayed().await.unwrap());
    check_here(&client, "staff-letter-desktop").await;
    scroll_to(&client, ".letter-steps").await;
    check_here(&client, "staff-letter-qr-desktop").await;
    client.set_window_size(320, 720).await.unwrap();
    check_here(&client, "staff-letter-phone").await;
    scroll_to(&client, ".letter-steps").await;
    check_here(&client, "staff-letter-qr-phone").await;

    // Oscar mistypes his birth day once, then gets it right: the queue has nothing to do and
    // keeps the item as resolved.
    let code = text(&client, Locator::Css("p.code")).await;
    let patient = patient_browser();
    assert_eq!(
        activate(&app, &patient, &code).await.status(),
        reqwest::StatusCode::SEE_OTHER
    );
    for day in ["29", "30"] {
        patient
            .post(app.url("/enroll/identity"))
            .form(&[
                ("given", "Oscar"),
                ("family", "Rivera"),
                ("birth_month", "11"),
                ("birth_day", day),
                ("birth_year", "1958"),
            ])
            .send()
            .await
            .unwrap();
    }
    check_page(&client, &app.url("/staff/review"), "staff-review-resolved").await;
    let resolved = client
        .find(Locator::Id("resolved"))
        .await
        .expect("the resolved item is listed")
        .text()
        .await
        .unwrap();
    assert!(resolved.contains("Rivera, Oscar"), "{resolved}");
    client.close().await.unwrap();
}

//! An emailed sign-up on a phone, in real Chromium (issue 11): the screens after the link are
//! counted, each is checked with axe-core and for sideways scrolling at 320 px and
//! photographed; the password step's toggle and tappable usernames work; the welcome page
//! shows a phone the home-screen steps and a computer the QR code; signing out says so; the
//! used link offers signing in.

use fantoccini::{Client, Locator};

use crate::{
    browser::{
        Driver, attr, check_here, click, photograph_at, shown, sign_out, submit, type_into, value,
        wait_for_heading,
    },
    fixtures::{CLINIC_PHONE, enrolled_patient, front_desk, import_patients, patient_page},
    harness::{Backend, TestApp},
};

const PASSWORD: &str = "maple syrup on tuesday mornings";

/// The page's main heading.
async fn heading(client: &Client) -> String {
    client
        .find(Locator::Css("h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Notes the screen the patient is on (once, however often it comes back with an error),
/// checks it at phone width and photographs it as `name`.
async fn screen(client: &Client, screens: &mut Vec<String>, name: &str) {
    let heading = heading(client).await;
    if screens.last() != Some(&heading) {
        screens.push(heading);
    }
    check_here(client, name).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(porchlight_browser),
    ignore = "browser tests skipped: chromedriver is not installed"
)]
async fn an_emailed_sign_up_on_a_phone_takes_four_screens_after_the_link() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let org = front_desk(&app).await;
    let address = format!("lucia.{}@example.org", uuid::Uuid::new_v4().simple());
    let email = format!(r#","telecom":[{{"system":"email","value":"{address}"}}]"#);
    import_patients(
        &app,
        &org,
        &[
            ("p1", "Lucia", "Rivera", "1961-04-09", &email),
            ("p2", "Luis", "Rivera", "1990-01-02", ""),
        ],
    )
    .await;
    // Another patient already has the username Lucia will want first.
    enrolled_patient(&app, &org, "Luis", ("1", "2", "1990"), "lucia.r").await;
    let page = patient_page(&app, &org, "Rivera", "Lucia").await;
    let invited = app
        .client
        .post(app.url(&format!("{page}/invite")))
        .form(&[("channel", "email"), ("email", address.as_str())])
        .send()
        .await
        .unwrap();
    assert!(invited.status().is_success() || invited.status().is_redirection());
    let mail = app.mail.wait_for(&address, "Set up your").await;
    let start = mail
        .text
        .find(&format!("{}/enroll/", app.base_url))
        .expect("a link in the email");
    let link = mail.text[start..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();

    let driver = Driver::start().await;
    let profile = tempfile::tempdir().unwrap();
    let client = driver.browser(profile.path()).await;
    client.set_window_size(320, 720).await.unwrap();
    let mut screens = Vec::new();

    // Step 1.
    client.goto(&link).await.unwrap();
    wait_for_heading(&client, "Tell us who you are").await;
    screen(&client, &mut screens, "signup-1-identity-phone").await;
    for (field, value) in [
        ("given", "Lucia"),
        ("family", "Rivera"),
        ("birth_month", "4"),
        ("birth_day", "9"),
        ("birth_year", "1961"),
    ] {
        type_into(&client, field, value).await;
    }
    submit(&client).await;

    // Step 2: straight to the username and password (the birth year is not asked again).
    wait_for_heading(&client, "Choose a username and password").await;
    let step = client.find(Locator::Css("p.step")).await.unwrap();
    assert_eq!(step.text().await.unwrap(), "Step 2 of 3");
    screen(&client, &mut screens, "signup-2-credentials-phone").await;
    // The toggle is there because the script ran; it shows and hides both fields.
    assert!(
        shown(&client, "#show-password").await,
        "the script shows the toggle"
    );
    assert_eq!(
        attr(&client, "show-password", "aria-pressed")
            .await
            .as_deref(),
        Some("false")
    );
    type_into(&client, "username", "lucia rivera").await;
    type_into(&client, "password", PASSWORD).await;
    type_into(&client, "confirmation", PASSWORD).await;
    click(&client, Locator::Id("show-password")).await;
    assert_eq!(
        attr(&client, "show-password", "aria-pressed")
            .await
            .as_deref(),
        Some("true")
    );
    assert_eq!(
        client
            .find(Locator::Id("show-password"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "Hide password"
    );
    for field in ["password", "confirmation"] {
        assert_eq!(
            attr(&client, field, "type").await.as_deref(),
            Some("text"),
            "{field}"
        );
    }
    photograph_at(
        &client,
        "#show-password",
        "signup-2-credentials-shown-phone",
    )
    .await;
    click(&client, Locator::Id("show-password")).await;
    assert_eq!(
        attr(&client, "show-password", "aria-pressed")
            .await
            .as_deref(),
        Some("false")
    );
    for field in ["password", "confirmation"] {
        assert_eq!(
            attr(&client, field, "type").await.as_deref(),
            Some("password"),
            "{field}"
        );
    }

    // A space in the username: the error says so, and the passwords stay typed.
    submit(&client).await;
    client
        .wait()
        .for_element(Locator::Id("username-error"))
        .await
        .expect("the username's problem");
    let error = client.find(Locator::Id("username-error")).await.unwrap();
    assert_eq!(
        error.text().await.unwrap(),
        "A username cannot have spaces. Use a dot instead, like lucia.rivera."
    );
    assert_eq!(value(&client, "password").await, PASSWORD);
    assert_eq!(value(&client, "confirmation").await, PASSWORD);
    screen(&client, &mut screens, "signup-2-credentials-space-phone").await;
    photograph_at(
        &client,
        "#username-error",
        "signup-2-credentials-space-error-phone",
    )
    .await;

    // A taken one: free usernames to tap.
    client
        .find(Locator::Id("username"))
        .await
        .unwrap()
        .clear()
        .await
        .unwrap();
    type_into(&client, "username", "lucia.r").await;
    submit(&client).await;
    client
        .wait()
        .for_element(Locator::Css("button.suggestion-button"))
        .await
        .expect("suggestions to tap");
    let suggestion = client
        .find(Locator::Css("button.suggestion-button"))
        .await
        .unwrap();
    let name = suggestion.text().await.unwrap();
    assert_eq!(name, "lucia.rivera");
    screen(&client, &mut screens, "signup-2-credentials-taken-phone").await;
    photograph_at(
        &client,
        "#username-suggestions",
        "signup-2-credentials-suggestions-phone",
    )
    .await;
    suggestion.click().await.unwrap();
    assert_eq!(value(&client, "username").await, name);
    assert_eq!(value(&client, "password").await, PASSWORD, "still typed");
    submit(&client).await;

    // Step 3: the terms, saying the username and password are saved.
    wait_for_heading(&client, "The terms and your privacy").await;
    let saved = client.find(Locator::Id("credentials-saved")).await.unwrap();
    assert_eq!(
        saved.text().await.unwrap(),
        "Your username and password are saved. Your username is lucia.rivera."
    );
    screen(&client, &mut screens, "signup-3-terms-phone").await;
    click(&client, Locator::Id("accept_terms")).await;
    click(&client, Locator::Id("accept_privacy")).await;
    submit(&client).await;

    // The welcome page: a way on, and on a phone the home-screen steps, not a code to scan.
    wait_for_heading(&client, "Welcome to your patient portal").await;
    screen(&client, &mut screens, "signup-4-welcome-phone").await;
    assert!(shown(&client, "#add-to-home-screen").await);
    assert!(
        !shown(&client, "img.qr").await,
        "no code to scan on the phone itself"
    );
    assert!(shown(&client, "#home-link").await);
    photograph_at(
        &client,
        "#add-to-home-screen",
        "signup-4-welcome-steps-phone",
    )
    .await;
    client.set_window_size(1280, 900).await.unwrap();
    assert!(
        shown(&client, "img.qr").await,
        "a computer shows the code for the phone"
    );
    assert!(!shown(&client, "#add-to-home-screen").await);
    check_here(&client, "signup-4-welcome-desktop").await;
    photograph_at(&client, "img.qr", "signup-4-welcome-qr-desktop").await;
    client.set_window_size(320, 720).await.unwrap();

    assert_eq!(
        screens,
        [
            "Tell us who you are",
            "Choose a username and password",
            "The terms and your privacy",
            "Welcome to your patient portal",
        ],
        "four screens after the link, the welcome page included"
    );

    click(&client, Locator::Id("home-link")).await;
    wait_for_heading(&client, "Hello, Lucia").await;
    // Signing out says so.
    sign_out(&client).await;
    client
        .wait()
        .for_element(Locator::Id("signed-out"))
        .await
        .expect("the signed-out message");
    assert_eq!(
        attr(&client, "signed-out", "role").await.as_deref(),
        Some("status")
    );
    check_here(&client, "signup-signed-out-phone").await;

    // The link again: used, with a way to sign in.
    client.goto(&link).await.unwrap();
    wait_for_heading(&client, "This invitation was already used").await;
    assert!(shown(&client, "#used-sign-in").await);
    assert!(shown(&client, "#used-forgot").await);
    let page = client.source().await.unwrap();
    assert!(page.contains(CLINIC_PHONE));
    check_here(&client, "signup-used-link-phone").await;
    client.close().await.unwrap();
}

//! Real Chromium, driven through chromedriver: each page is checked with axe-core and
//! photographed at phone and desktop widths (into `target/screenshots/`).

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::harness::{Backend, TestApp};

/// chromedriver on a free port, stopped on drop.
pub(crate) struct Driver {
    process: Child,
    url: String,
}

impl Driver {
    pub(crate) async fn start() -> Self {
        let path = std::env::var("PORCHLIGHT_TEST_CHROMEDRIVER")
            .unwrap_or_else(|_| "/usr/bin/chromedriver".to_owned());
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let process = Command::new(path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let url = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        while reqwest::get(format!("{url}/status")).await.is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "chromedriver did not answer"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Self { process, url }
    }

    pub(crate) async fn browser(&self, profile: &Path) -> Client {
        let args = [
            "--headless=new".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost"
                .to_owned(),
            format!("--user-data-dir={}", profile.display()),
        ];
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".to_owned(),
            json!({ "binary": chromium_binary(), "args": args }),
        );
        ClientBuilder::native()
            .capabilities(capabilities)
            .connect(&self.url)
            .await
            .expect("chromium starts")
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

fn chromium_binary() -> String {
    std::env::var("PORCHLIGHT_TEST_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned())
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub(crate) fn screenshot_dir() -> PathBuf {
    let dir = workspace_root().join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs axe-core on the current page; returns its violations (WCAG 2.1 A and AA, best practice).
pub(crate) async fn axe_violations(client: &Client) -> Vec<serde_json::Value> {
    let axe_path = workspace_root().join("node_modules/axe-core/axe.min.js");
    let axe = std::fs::read_to_string(&axe_path).unwrap_or_else(|_| {
        panic!(
            "{} is missing: run `npm ci` at the repository root",
            axe_path.display()
        )
    });
    client.execute(&axe, vec![]).await.expect("axe-core loads");
    let result = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] })
                .then(r => done(r.violations.map(v => ({ id: v.id, help: v.help, nodes: v.nodes.map(n => n.target) }))))
                .catch(e => done([{ id: 'axe-error', help: String(e) }]));",
            vec![],
        )
        .await
        .expect("axe-core runs");
    result.as_array().cloned().unwrap_or_default()
}

/// Types `text` into the field with this id.
pub(crate) async fn type_into(client: &Client, id: &str, text: &str) {
    client
        .find(fantoccini::Locator::Id(id))
        .await
        .unwrap()
        .send_keys(text)
        .await
        .unwrap();
}

/// Sends the page's main form (not the sign-out button in the header).
pub(crate) async fn submit(client: &Client) {
    client
        .find(fantoccini::Locator::Css("form.form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// Waits until the page's main heading reads `expected`: right after a submit, the old page's
/// heading may still be there, or go stale while it is read.
pub(crate) async fn wait_for_heading(client: &Client, expected: &str) {
    let started = Instant::now();
    loop {
        let heading = client
            .execute(
                "const h = document.querySelector('h1'); return h ? h.textContent.trim() : '';",
                vec![],
            )
            .await
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        if heading == expected {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the heading stayed '{heading}', expected '{expected}'"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until the element `id` of the page shown has text `good` takes (a page sent
/// again with the same heading replaces its elements while they are read).
pub(crate) async fn text_of(client: &Client, id: &str, good: impl Fn(&str) -> bool) {
    let started = std::time::Instant::now();
    loop {
        let shown = match client.find(Locator::Id(id)).await {
            Ok(element) => element.text().await.ok(),
            Err(_) => None,
        };
        if shown.as_deref().is_some_and(&good) {
            return;
        }
        assert!(started.elapsed().as_secs() < 20, "#{id} stayed {shown:?}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Signs the staff member `username` in through the sign-in page (with the fixtures' staff
/// password) and waits for the patient search that follows.
pub(crate) async fn staff_signs_in(client: &Client, app: &TestApp, username: &str) {
    client.goto(&app.url("/staff/sign-in")).await.unwrap();
    type_into(client, "username", username).await;
    type_into(client, "password", crate::fixtures::STAFF_PASSWORD).await;
    submit(client).await;
    wait_for_heading(client, "Find a patient").await;
}

/// The text of the first element this locator finds.
pub(crate) async fn text(client: &Client, locator: Locator<'_>) -> String {
    client.find(locator).await.unwrap().text().await.unwrap()
}

/// Clicks the first element this locator finds.
pub(crate) async fn click(client: &Client, locator: Locator<'_>) {
    client.find(locator).await.unwrap().click().await.unwrap();
}

/// Signs the patient out as they would: on a phone, through the "Menu" button first.
pub(crate) async fn sign_out(client: &Client) {
    if shown(client, ".phone-menu").await {
        click(client, Locator::Css(".phone-menu summary")).await;
        click(
            client,
            Locator::Css(".phone-menu form[action='/sign-out'] button"),
        )
        .await;
    } else {
        click(
            client,
            Locator::Css(".wide-menu form[action='/sign-out'] button"),
        )
        .await;
    }
}

/// Whether the first element matching the CSS selector is shown.
pub(crate) async fn shown(client: &Client, css: &str) -> bool {
    client
        .find(Locator::Css(css))
        .await
        .unwrap()
        .is_displayed()
        .await
        .unwrap()
}

/// An attribute or property of the element with this id.
pub(crate) async fn attr(client: &Client, id: &str, name: &str) -> Option<String> {
    client
        .find(Locator::Id(id))
        .await
        .unwrap()
        .attr(name)
        .await
        .unwrap()
}

/// What the field with this id holds now (typed, or filled in by the page).
pub(crate) async fn value(client: &Client, id: &str) -> String {
    client
        .find(Locator::Id(id))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

/// Scrolls the first element matching the CSS selector to the top of the window.
pub(crate) async fn scroll_to(client: &Client, css: &str) {
    client
        .execute(
            "document.querySelector(arguments[0]).scrollIntoView();",
            vec![json!(css)],
        )
        .await
        .unwrap();
}

/// Saves a screenshot of the window (only what is in view) as `name`.png.
pub(crate) async fn photograph(client: &Client, name: &str) {
    let png = client.screenshot().await.unwrap();
    std::fs::write(screenshot_dir().join(format!("{name}.png")), png).unwrap();
}

/// Scrolls the first element matching the CSS selector to the middle of the window and
/// photographs the window as `name`.
pub(crate) async fn photograph_at(client: &Client, css: &str, name: &str) {
    let element = client.find(Locator::Css(css)).await.unwrap();
    client
        .execute(
            "arguments[0].scrollIntoView({block: 'center'});",
            vec![serde_json::to_value(&element).unwrap()],
        )
        .await
        .unwrap();
    photograph(client, name).await;
}

/// At a phone's width, nothing on the page scrolls sideways inside itself either (a table in
/// a scrolling box would pass the page's own check in `check_page`).
pub(crate) async fn assert_nothing_scrolls_sideways(client: &Client, name: &str) {
    client.set_window_size(320, 720).await.unwrap();
    let scrolling = client
        .execute(
            "return [...document.querySelectorAll('body *')]
               .filter(e => e.scrollWidth > e.clientWidth + 1
                         && ['auto', 'scroll'].includes(getComputedStyle(e).overflowX))
               .map(e => e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className);",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        scrolling,
        json!([]),
        "{name} scrolls sideways inside itself at 320px"
    );
}

/// The administrator signed in on `app.client` publishes a second privacy policy (it adds
/// the list of signed-in devices) that says `changes` about what changed.
pub(crate) async fn publish_privacy_version_2(app: &TestApp, changes: &str) {
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
            ("changes", changes),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(published.status(), reqwest::StatusCode::SEE_OTHER);
}

/// Waits until the page's bot-check script has found its number: the live region says so
/// and the hidden field holds the answer. Answers that number.
async fn bot_check_done(client: &Client) -> u64 {
    let started = Instant::now();
    loop {
        let state = client
            .execute(
                "const box = document.querySelector('[data-bot-check]');
                 return [box.querySelector('[data-bot-status]').textContent,
                         box.querySelector('input[name=bot_solution]').value];",
                vec![],
            )
            .await
            .unwrap();
        let status = state[0].as_str().unwrap_or_default();
        let solution = state[1].as_str().unwrap_or_default();
        if status.ends_with("done") {
            assert_eq!(status, "Checking that you are a person\u{2026} done");
            return solution.parse().expect("the script filled in the number");
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the bot check did not finish: {state}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Checks the page with axe and saves screenshots at a phone's and a desktop's width.
pub(crate) async fn check_page(client: &Client, url: &str, name: &str) {
    for (width, height, label) in [(320u32, 720u32, "phone"), (1280, 900, "desktop")] {
        client.set_window_size(width, height).await.unwrap();
        client.goto(url).await.unwrap();
        let violations = axe_violations(client).await;
        assert!(
            violations.is_empty(),
            "{name} at {width}px: {violations:#?}"
        );
        // Nothing may be wider than the phone's screen.
        let overflow = client
            .execute(
                "return document.documentElement.scrollWidth > window.innerWidth;",
                vec![],
            )
            .await
            .unwrap();
        let png = client.screenshot().await.unwrap();
        if overflow != json!(false) {
            std::fs::write(
                screenshot_dir().join(format!("{name}-{label}-overflow.png")),
                &png,
            )
            .unwrap();
            // The outermost elements that stick out, to say where to look.
            let culprits = client
                .execute(
                    "const out = [...document.querySelectorAll('body *')].filter(e => \
                     e.getBoundingClientRect().right > window.innerWidth + 1 && \
                     !(e.parentElement && e.parentElement.getBoundingClientRect().right > \
                     window.innerWidth + 1)); \
                     return out.slice(0, 5).map(e => e.tagName + '#' + e.id + '.' + \
                     e.className + ' ' + Math.round(e.getBoundingClientRect().right));",
                    vec![],
                )
                .await
                .unwrap();
            panic!("{name} scrolls sideways at {width}px: {culprits}");
        }
        std::fs::write(screenshot_dir().join(format!("{name}-{label}.png")), png).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(porchlight_browser),
    ignore = "browser tests skipped: chromedriver is not installed"
)]
async fn the_landing_page_is_accessible_at_phone_and_desktop_widths() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.db
        .create_organization("clinic", "Maple Street Clinic", Some("(555) 010-4477"))
        .await
        .unwrap();
    let driver = Driver::start().await;
    let profile = tempfile::tempdir().unwrap();
    let client = driver.browser(profile.path()).await;
    check_page(&client, &app.url("/"), "landing").await;
    let heading = client
        .find(fantoccini::Locator::Css("h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(heading, "Your health record, in one safe place");
    check_page(&client, &app.url("/missing"), "not-found").await;
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(porchlight_browser),
    ignore = "browser tests skipped: chromedriver is not installed"
)]
async fn staff_sign_in_and_patient_search_are_accessible() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let setup = porchlight::commands::demo::prepare(&app.db, &app.settings, 30, 11)
        .await
        .unwrap();
    let driver = Driver::start().await;
    let profile = tempfile::tempdir().unwrap();
    let client = driver.browser(profile.path()).await;

    check_page(&client, &app.url("/staff/sign-in"), "staff-sign-in").await;
    // A wrong password shows the error next to the form, and the page stays accessible.
    type_into(&client, "username", "admin").await;
    type_into(&client, "password", "not the password").await;
    submit(&client).await;
    let alert = match client
        .wait()
        .for_element(Locator::Css("[role=alert]"))
        .await
    {
        Ok(alert) => alert.text().await.unwrap(),
        Err(error) => panic!("{error}: {}", client.source().await.unwrap()),
    };
    assert!(alert.contains("do not match"), "{alert}");
    assert!(axe_violations(&client).await.is_empty());

    type_into(&client, "password", &setup.admin_password).await;
    submit(&client).await;
    // The search box exists only on the console's home page.
    client
        .wait()
        .for_element(Locator::Id("q"))
        .await
        .expect("signed in");
    let heading = client
        .find(Locator::Css("h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(heading, "Find a patient");

    // Search for the first demo patient by family name, as the front desk would.
    let generator = demo::Generator::new(11, jiff::Zoned::now().date());
    let patient = (0..30)
        .map(|i| generator.patient(i))
        .find(|p| p.family.chars().all(|c| c.is_ascii_alphabetic()))
        .expect("a plain family name among 30 patients");
    let query = format!("/staff?q={}", patient.family);
    check_page(&client, &app.url(&query), "staff-patient-search").await;
    let results = client
        .find(Locator::Css("#results-heading"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        results.contains("found") && !results.starts_with("0 "),
        "{results}"
    );

    // The patient's page, then a printed activation letter.
    client
        .find(Locator::Css(".results a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Id("invite-heading"))
        .await
        .unwrap();
    let patient_url = client.current_url().await.unwrap().to_string();
    check_page(&client, &patient_url, "staff-patient").await;
    client
        .find(Locator::Id("channel-code"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    submit(&client).await;
    let code = client
        .wait()
        .for_element(Locator::Css(".code"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        domain::invitation::ActivationCode::parse(&code).is_ok(),
        "{code}"
    );
    assert!(axe_violations(&client).await.is_empty());
    let png = client.screenshot().await.unwrap();
    std::fs::write(screenshot_dir().join("activation-letter-desktop.png"), png).unwrap();

    check_page(&client, &app.url("/staff/policy"), "staff-policy").await;
    // A wrong value: the error stands next to its field and the page stays accessible.
    let age = client.find(Locator::Id("minimum_age")).await.unwrap();
    age.clear().await.unwrap();
    age.send_keys("99").await.unwrap();
    submit(&client).await;
    let error = client
        .wait()
        .for_element(Locator::Id("minimum_age-error"))
        .await
        .unwrap();
    assert_eq!(
        error.text().await.unwrap(),
        "Enter an age between 12 and 21."
    );
    assert!(axe_violations(&client).await.is_empty());
    let png = client.screenshot().await.unwrap();
    std::fs::write(screenshot_dir().join("staff-policy-error-desktop.png"), png).unwrap();
    check_page(&client, &app.url("/staff/terms"), "staff-terms").await;
    // The patient's side, on the same machine: the letter's code, then steps 1 to 3.
    check_page(&client, &app.url("/activate"), "enroll-activate").await;
    // The bot check's script finds the number and says so; the page stays accessible.
    bot_check_done(&client).await;
    assert!(axe_violations(&client).await.is_empty());
    let png = client.screenshot().await.unwrap();
    std::fs::write(
        screenshot_dir().join("enroll-activate-checked-desktop.png"),
        png,
    )
    .unwrap();
    type_into(&client, "code", &code).await;
    submit(&client).await;
    client
        .wait()
        .for_element(Locator::Id("birth_year"))
        .await
        .expect("step 1");
    check_page(&client, &app.url("/enroll/identity"), "enroll-identity").await;
    let birth = patient.birth_date;
    for (field, value) in [
        ("given", patient.given[0].clone()),
        ("family", patient.family.clone()),
        ("birth_month", birth.month().to_string()),
        ("birth_day", birth.day().to_string()),
        ("birth_year", birth.year().to_string()),
    ] {
        type_into(&client, field, &value).await;
    }
    submit(&client).await;
    // The access code is the year of birth: the date just typed proved it, no step asks again.
    client
        .wait()
        .for_element(Locator::Id("confirmation"))
        .await
        .expect("step 2");
    check_page(
        &client,
        &app.url("/enroll/credentials"),
        "enroll-credentials",
    )
    .await;
    type_into(&client, "username", "new.patient").await;
    type_into(&client, "password", "short").await;
    submit(&client).await;
    client
        .wait()
        .for_element(Locator::Id("password-errors"))
        .await
        .expect("the rule is explained");
    assert!(axe_violations(&client).await.is_empty());
    client.set_window_size(320, 720).await.unwrap();
    let png = client.screenshot().await.unwrap();
    std::fs::write(
        screenshot_dir().join("enroll-credentials-error-phone.png"),
        png,
    )
    .unwrap();
    for field in ["password", "confirmation"] {
        type_into(&client, field, "maple syrup on tuesday mornings").await;
    }
    submit(&client).await;
    // Straight on to the terms, which say that the username and password are saved.
    wait_for_heading(&client, "The terms and your privacy").await;
    client
        .find(Locator::Id("credentials-saved"))
        .await
        .expect("the saved notice");
    check_here(&client, "enroll-terms-saved").await;
    check_page(&client, &app.url("/enroll/terms"), "enroll-terms").await;
    client
        .find(Locator::Id("accept_terms"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .find(Locator::Id("accept_privacy"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    submit(&client).await;
    client
        .wait()
        .for_element(Locator::Css("img.qr"))
        .await
        .expect("the welcome page");
    let heading = client
        .find(Locator::Css("h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(heading, "Welcome to your patient portal");
    check_page(&client, &app.url("/welcome"), "welcome").await;

    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(porchlight_browser),
    ignore = "browser tests skipped: chromedriver is not installed"
)]
async fn self_enrollment_is_accessible_with_the_real_bot_check() {
    use domain::{Role, StaffScope, policy::EnrollmentPolicy};

    let app = TestApp::spawn(Backend::Sqlite).await;
    let org = crate::fixtures::clinic(&app).await;
    let admin = crate::fixtures::add_staff(&app, org.id, "ada", Role::Administrator).await;
    let policy = EnrollmentPolicy {
        self_enrollment: true,
        mrn_required: true,
        ..Default::default()
    };
    app.db
        .save_enrollment_policy(
            &StaffScope::new(org.id, admin, Role::Administrator),
            &policy,
            &storage::RequestOrigin::default(),
        )
        .await
        .unwrap();
    let mrn = r#","identifier":[{"type":{"coding":[{"code":"MR"}]},"value":"MRN-1"}]"#;
    crate::fixtures::import_patients(&app, &org, &[("p1", "Lucia", "Rivera", "1961-04-09", mrn)])
        .await;
    let driver = Driver::start().await;
    let profile = tempfile::tempdir().unwrap();
    let client = driver.browser(profile.path()).await;

    check_page(&client, &app.url("/enroll/start"), "self-enroll").await;
    let fill = |mrn: &'static str| {
        [
            ("given", "Lucia"),
            ("family", "Rivera"),
            ("birth_month", "4"),
            ("birth_day", "9"),
            ("birth_year", "1961"),
            ("mrn", mrn),
        ]
    };
    // A wrong MRN first: the one answer, next to the form, and still accessible. The button
    // is pressed at once; the script sends the form when its check is done.
    client.set_window_size(320, 720).await.unwrap();
    client.goto(&app.url("/enroll/start")).await.unwrap();
    for (field, value) in fill("MRN-2") {
        type_into(&client, field, value).await;
    }
    submit(&client).await;
    let alert = client
        .wait()
        .at_most(Duration::from_secs(60))
        .for_element(Locator::Css("[role=alert]"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        alert.starts_with("The details do not match our records."),
        "{alert}"
    );
    assert!(axe_violations(&client).await.is_empty());
    let png = client.screenshot().await.unwrap();
    std::fs::write(screenshot_dir().join("self-enroll-refused-phone.png"), png).unwrap();

    for (field, value) in fill("MRN-1") {
        type_into(&client, field, value).await;
    }
    bot_check_done(&client).await;
    submit(&client).await;
    client
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Id("confirmation"))
        .await
        .expect("the credentials step");
    check_page(
        &client,
        &app.url("/enroll/credentials"),
        "self-enroll-credentials",
    )
    .await;
    assert_eq!(
        app.db
            .count_audit("enrollment.self-enrollment")
            .await
            .unwrap(),
        1
    );
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(porchlight_browser),
    ignore = "browser tests skipped: chromedriver is not installed"
)]
async fn review_queue_funnel_patient_sign_in_and_new_terms_are_accessible() {
    use crate::fixtures::{
        PATIENT_PASSWORD, STAFF_PASSWORD, activate, add_staff, enrolled_patient, front_desk,
        import_patients, patient_browser, patient_page, printed_code, sign_in,
    };

    let app = TestApp::spawn(Backend::Sqlite).await;
    // Lucia has an account; Ana typed the wrong birth date once.
    let org = front_desk(&app).await;
    import_patients(
        &app,
        &org,
        &[
            ("p1", "Lucia", "Rivera", "1961-04-09", ""),
            ("p2", "Ana", "Rivera", "1985-03-03", ""),
        ],
    )
    .await;
    enrolled_patient(&app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;
    let ana = patient_page(&app, &org, "Rivera", "Ana").await;
    let code = printed_code(&app, &ana).await;
    let ana_browser = patient_browser();
    activate(&app, &ana_browser, &code).await;
    ana_browser
        .post(app.url("/enroll/identity"))
        .form(&[
            ("given", "Ana"),
            ("family", "Rivera"),
            ("birth_month", "3"),
            ("birth_day", "30"),
            ("birth_year", "1985"),
        ])
        .send()
        .await
        .unwrap();
    // The administrator publishes a new privacy policy.
    add_staff(&app, org.id, "ada", domain::Role::Administrator).await;
    sign_in(&app, &org, "ada", STAFF_PASSWORD).await;
    publish_privacy_version_2(
        &app,
        "We now keep a list of the devices you sign in from, which you can see.",
    )
    .await;

    let driver = Driver::start().await;
    let profile = tempfile::tempdir().unwrap();
    let client = driver.browser(profile.path()).await;
    staff_signs_in(&client, &app, "dana").await;
    check_page(&client, &app.url("/staff/review"), "staff-review-queue").await;
    client
        .find(Locator::Css(".results a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Id("fields"))
        .await
        .unwrap();
    let item_url = client.current_url().await.unwrap().to_string();
    check_page(&client, &item_url, "staff-review-item").await;
    // Closing without a reason: the error stands by the choices.
    client
        .find(Locator::Css("form[action$='/close'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Id("reason-error"))
        .await
        .unwrap();
    assert!(axe_violations(&client).await.is_empty());
    check_page(
        &client,
        &app.url("/staff/enrollment"),
        "staff-enrollment-funnel",
    )
    .await;
    let opened = client
        .find(Locator::Css("#funnel tbody tr:nth-child(2)"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let opened = opened.split_whitespace().collect::<Vec<_>>().join(" ");
    assert_eq!(opened, "Opened the invitation 2 0%");
    client.close().await.unwrap();

    // Lucia signs in on her phone and accepts the new privacy policy.
    let profile = tempfile::tempdir().unwrap();
    let client = driver.browser(profile.path()).await;
    check_page(&client, &app.url("/sign-in"), "patient-sign-in").await;
    type_into(&client, "username", "lucia.r").await;
    type_into(&client, "password", "not my password").await;
    submit(&client).await;
    let alert = client
        .wait()
        .for_element(Locator::Css("[role=alert]"))
        .await
        .unwrap();
    assert!(alert.text().await.unwrap().contains("do not match"));
    assert!(axe_violations(&client).await.is_empty());
    type_into(&client, "password", PATIENT_PASSWORD).await;
    submit(&client).await;
    client
        .wait()
        .for_element(Locator::Id("what-changed"))
        .await
        .expect("the new terms first");
    check_page(&client, &app.url("/terms/update"), "patient-terms-update").await;
    client
        .find(Locator::Id("accept"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    submit(&client).await;
    client
        .wait()
        .for_element(Locator::Id("previous-sign-in"))
        .await
        .expect("home");
    check_page(&client, &app.url("/home"), "patient-home").await;
    let heading = client
        .find(Locator::Css("h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(heading, "Hello, Lucia");
    client
        .find(Locator::Id("access-link"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_heading(&client, "Who has looked at your record").await;
    check_page(&client, &app.url("/record-access"), "patient-record-access").await;
    let rows = client
        .find(Locator::Id("record-access"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        rows.contains("Dana Front") && rows.contains("Invited you to the portal"),
        "{rows}"
    );
    check_page(&client, &app.url("/devices"), "patient-devices").await;
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(porchlight_browser),
    ignore = "browser tests skipped: chromedriver is not installed"
)]
async fn an_emailed_invitation_is_followed_in_spanish_to_the_welcome_page() {
    use crate::fixtures::{front_desk, import_patients, patient_page};

    let app = TestApp::spawn(Backend::Sqlite).await;
    let org = front_desk(&app).await;
    let address = format!("lucia.{}@example.org", uuid::Uuid::new_v4().simple());
    let extra = format!(
        r#","telecom":[{{"system":"email","value":"{address}"}}],"communication":[{{"language":{{"coding":[{{"code":"es"}}]}}}}]"#
    );
    import_patients(
        &app,
        &org,
        &[("p1", "Lucía", "Rivera", "1961-04-09", &extra)],
    )
    .await;
    let page = patient_page(&app, &org, "Rivera", "Lucía").await;

    // The front desk sends the email invitation from the patient's page, in the browser.
    let driver = Driver::start().await;
    let profile = tempfile::tempdir().unwrap();
    let staff = driver.browser(profile.path()).await;
    staff_signs_in(&staff, &app, "dana").await;
    staff.goto(&app.url(&page)).await.unwrap();
    let email = staff.find(Locator::Id("email")).await.unwrap();
    assert_eq!(
        email.prop("value").await.unwrap().as_deref(),
        Some(address.as_str()),
        "prefilled from the chart"
    );
    submit(&staff).await;
    // The same heading comes back: wait for what only a live invitation shows (closing the
    // browser before the form is sent would send nothing).
    staff
        .wait()
        .for_element(Locator::Css("form[action$='/revoke']"))
        .await
        .expect("the invitation is live");
    wait_for_heading(&staff, "Rivera, Lucía").await;
    staff.close().await.unwrap();

    // The patient reads the email in Spanish and follows its link on her phone.
    let mail = app
        .mail
        .wait_for(
            &address,
            "Cree su cuenta en el portal de pacientes de Maple Street Clinic",
        )
        .await;
    let prefix = format!("{}/enroll/", app.base_url);
    let start = mail.text.find(&prefix).expect("a link in the email");
    let link = mail.text[start..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    let profile = tempfile::tempdir().unwrap();
    let client = driver.browser(profile.path()).await;
    client.set_window_size(320, 720).await.unwrap();
    client.goto(&link).await.unwrap();
    client
        .wait()
        .for_element(Locator::Id("birth_year"))
        .await
        .expect("step 1");
    // Her browser asks for English, but the link opens in the email's language.
    wait_for_heading(&client, "Díganos quién es usted").await;
    check_page(&client, &app.url("/enroll/identity"), "es-enroll-identity").await;
    for (field, value) in [
        ("given", "lucia"),
        ("family", "RIVERA"),
        ("birth_month", "4"),
        ("birth_day", "9"),
        ("birth_year", "1961"),
    ] {
        type_into(&client, field, value).await;
    }
    submit(&client).await;
    // The access code is the year of birth, just typed in the date: no step asks it again.
    wait_for_heading(&client, "Elija un nombre de usuario y una contraseña").await;
    type_into(&client, "username", "lucia.r").await;
    type_into(&client, "password", "corta").await;
    submit(&client).await;
    client
        .wait()
        .for_element(Locator::Id("password-errors"))
        .await
        .unwrap();
    let errors = client
        .find(Locator::Id("password-errors"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(errors.contains("Use al menos 12 caracteres."), "{errors}");
    assert!(axe_violations(&client).await.is_empty());
    let png = client.screenshot().await.unwrap();
    std::fs::write(
        screenshot_dir().join("es-enroll-credentials-error-phone.png"),
        png,
    )
    .unwrap();
    for field in ["password", "confirmation"] {
        type_into(&client, field, "jarabe de arce los martes").await;
    }
    submit(&client).await;
    wait_for_heading(&client, "Las condiciones y su privacidad").await;
    check_page(&client, &app.url("/enroll/terms"), "es-enroll-terms").await;
    for id in ["accept_terms", "accept_privacy"] {
        client
            .find(Locator::Id(id))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }
    submit(&client).await;
    wait_for_heading(&client, "Le damos la bienvenida a su portal del paciente").await;
    check_page(&client, &app.url("/welcome"), "es-welcome").await;
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(porchlight_browser),
    ignore = "browser tests skipped: chromedriver is not installed"
)]
async fn a_forgotten_password_is_reset_from_the_sign_in_page_on_a_phone() {
    use crate::fixtures::{PATIENT_PASSWORD, enrolled_patient, front_desk, import_patients};

    let app = TestApp::spawn(Backend::Sqlite).await;
    let org = front_desk(&app).await;
    let address = format!("lucia.{}@example.org", uuid::Uuid::new_v4().simple());
    let extra = format!(r#","telecom":[{{"system":"email","value":"{address}"}}]"#);
    import_patients(
        &app,
        &org,
        &[("p1", "Lucia", "Rivera", "1961-04-09", &extra)],
    )
    .await;
    enrolled_patient(&app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;

    let driver = Driver::start().await;
    let profile = tempfile::tempdir().unwrap();
    let client = driver.browser(profile.path()).await;
    client.set_window_size(320, 720).await.unwrap();
    client.goto(&app.url("/sign-in")).await.unwrap();
    client
        .find(Locator::LinkText("Forgot your password or username?"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_heading(&client, "Forgot your password or username?").await;
    check_page(&client, &app.url("/forgot"), "patient-forgot").await;
    // The rest on the phone (check_page leaves the window at desktop width).
    client.set_window_size(320, 720).await.unwrap();
    // Asking with nothing typed: the error is announced and tied to the field.
    submit(&client).await;
    client
        .wait()
        .for_element(Locator::Id("forgot-error"))
        .await
        .unwrap();
    assert!(axe_violations(&client).await.is_empty());
    type_into(&client, "key", &address).await;
    submit(&client).await;
    wait_for_heading(&client, "Check your email").await;
    assert!(axe_violations(&client).await.is_empty());
    let png = client.screenshot().await.unwrap();
    std::fs::write(screenshot_dir().join("patient-forgot-sent-phone.png"), png).unwrap();

    let mail = app
        .mail
        .wait_for(
            &address,
            "Reset your Maple Street Clinic patient portal password",
        )
        .await;
    let start = mail.text.find(&format!("{}/reset/", app.base_url)).unwrap();
    let link = mail.text[start..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    check_page(&client, &link, "patient-reset").await;
    client.set_window_size(320, 720).await.unwrap();
    type_into(&client, "password", "password1234").await;
    type_into(&client, "confirmation", "password1234").await;
    submit(&client).await;
    client
        .wait()
        .for_element(Locator::Id("password-errors"))
        .await
        .expect("a common password is refused next to the field");
    assert!(axe_violations(&client).await.is_empty());
    let png = client.screenshot().await.unwrap();
    std::fs::write(
        screenshot_dir().join("patient-reset-refused-phone.png"),
        png,
    )
    .unwrap();
    type_into(&client, "password", "a quiet lake behind the old mill").await;
    type_into(&client, "confirmation", "a quiet lake behind the old mill").await;
    submit(&client).await;
    wait_for_heading(&client, "Your password is changed").await;
    assert!(axe_violations(&client).await.is_empty());
    let png = client.screenshot().await.unwrap();
    std::fs::write(screenshot_dir().join("patient-reset-done-phone.png"), png).unwrap();

    // Signing in with the new password reaches the home page; the old one is refused.
    client
        .find(Locator::LinkText("Sign in"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    type_into(&client, "username", "lucia.r").await;
    type_into(&client, "password", PATIENT_PASSWORD).await;
    submit(&client).await;
    client
        .wait()
        .for_element(Locator::Css("[role=alert]"))
        .await
        .expect("the old password no longer works");
    type_into(&client, "password", "a quiet lake behind the old mill").await;
    submit(&client).await;
    client
        .wait()
        .for_element(Locator::Css("form[action='/sign-out']"))
        .await
        .expect("signed in with the new password");
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(porchlight_browser),
    ignore = "browser tests skipped: chromedriver is not installed"
)]
async fn this_wasnt_me_the_security_page_and_a_staff_reset_code_are_accessible() {
    use crate::fixtures::{
        PATIENT_PASSWORD, STAFF_PASSWORD, add_staff, enrolled_patient, front_desk, import_patients,
        patient_browser, patient_page,
    };

    let app = TestApp::spawn(Backend::Sqlite).await;
    let org = front_desk(&app).await;
    let address = format!("lucia.{}@example.org", uuid::Uuid::new_v4().simple());
    let extra = format!(r#","telecom":[{{"system":"email","value":"{address}"}}]"#);
    import_patients(
        &app,
        &org,
        &[("p1", "Lucia", "Rivera", "1961-04-09", &extra)],
    )
    .await;
    enrolled_patient(&app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;
    // Someone guesses at accounts, then signs in to Lucia's with her password elsewhere.
    let sign_in = |username: String, password: String| {
        let app = &app;
        async move {
            patient_browser()
                .post(app.url("/sign-in"))
                .form(&[
                    ("organization", "maple"),
                    ("username", username.as_str()),
                    ("password", password.as_str()),
                ])
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    for n in 1..=10 {
        sign_in(format!("leaked.{n}"), format!("leaked password {n}")).await;
    }
    let stranger = sign_in("lucia.r".to_owned(), PATIENT_PASSWORD.to_owned()).await;
    assert_eq!(stranger, reqwest::StatusCode::SEE_OTHER);
    let mail = app
        .mail
        .wait_for(&address, "New sign-in to your Maple Street Clinic")
        .await;
    let start = mail
        .text
        .find(&format!("{}/not-me/", app.base_url))
        .unwrap();
    let link = mail.text[start..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();

    let driver = Driver::start().await;
    let profile = tempfile::tempdir().unwrap();
    let client = driver.browser(profile.path()).await;
    check_page(&client, &link, "patient-not-me").await;
    client.set_window_size(320, 720).await.unwrap();
    submit(&client).await;
    wait_for_heading(&client, "Your account is locked").await;
    assert!(axe_violations(&client).await.is_empty());
    let png = client.screenshot().await.unwrap();
    std::fs::write(
        screenshot_dir().join("patient-not-me-locked-phone.png"),
        png,
    )
    .unwrap();
    client.close().await.unwrap();

    add_staff(&app, org.id, "sam", domain::Role::SecurityOfficer).await;
    let profile = tempfile::tempdir().unwrap();
    let client = driver.browser(profile.path()).await;
    client.goto(&app.url("/staff/sign-in")).await.unwrap();
    type_into(&client, "username", "sam").await;
    type_into(&client, "password", STAFF_PASSWORD).await;
    submit(&client).await;
    client
        .wait()
        .for_element(Locator::LinkText("Security"))
        .await
        .expect("the menu offers the security page")
        .click()
        .await
        .unwrap();
    wait_for_heading(&client, "Security").await;
    check_page(&client, &app.url("/staff/security"), "staff-security").await;
    let locked = client
        .find(Locator::Id("locked-accounts"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        locked.contains("Rivera, Lucia") && locked.contains("lucia.r"),
        "{locked}"
    );
    client
        .find(Locator::LinkText("Many accounts failing from one address"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Id("evidence"))
        .await
        .unwrap();
    let event_url = client.current_url().await.unwrap().to_string();
    check_page(&client, &event_url, "staff-security-event").await;
    // Resolving without a note: the error stands by the field.
    submit(&client).await;
    client
        .wait()
        .for_element(Locator::Id("note-error"))
        .await
        .unwrap();
    assert!(axe_violations(&client).await.is_empty());

    // Lucia calls; the officer confirms who she is and gives her a reset code.
    let chart = patient_page(&app, &org, "Rivera", "Lucia").await;
    check_page(
        &client,
        &app.url(&format!("{chart}/reset-code")),
        "staff-reset-code",
    )
    .await;
    client
        .find(Locator::Id("confirmed-callback"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    submit(&client).await;
    let code = client
        .wait()
        .for_element(Locator::Id("reset-code"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(axe_violations(&client).await.is_empty());
    let png = client.screenshot().await.unwrap();
    std::fs::write(
        screenshot_dir().join("staff-reset-code-issued-desktop.png"),
        png,
    )
    .unwrap();
    client.close().await.unwrap();

    // She types it on her phone and chooses a new password.
    let profile = tempfile::tempdir().unwrap();
    let client = driver.browser(profile.path()).await;
    check_page(&client, &app.url("/reset-code"), "patient-reset-code").await;
    client.set_window_size(320, 720).await.unwrap();
    type_into(&client, "code", &code).await;
    submit(&client).await;
    wait_for_heading(&client, "Choose a new password").await;
    assert!(axe_violations(&client).await.is_empty());
    type_into(&client, "password", "a quiet lake behind the old mill").await;
    type_into(&client, "confirmation", "a quiet lake behind the old mill").await;
    submit(&client).await;
    wait_for_heading(&client, "Your password is changed").await;
    client.close().await.unwrap();
}

/// Checks the page the browser is on with axe and for sideways scrolling, and saves a
/// screenshot at its current width.
pub(crate) async fn check_here(client: &Client, name: &str) {
    let violations = axe_violations(client).await;
    assert!(violations.is_empty(), "{name}: {violations:#?}");
    let overflow = client
        .execute(
            "return document.documentElement.scrollWidth > window.innerWidth;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(overflow, json!(false), "{name} scrolls sideways");
    let png = client.screenshot().await.unwrap();
    std::fs::write(screenshot_dir().join(format!("{name}.png")), png).unwrap();
}

/// The code an authenticator app set up from the page on screen would show now, in a time
/// step after `after` (a code is accepted once: the next sign-in needs the next step).
async fn app_code(secret: &domain::two_step::TotpSecret, after: Option<u64>) -> (String, u64) {
    loop {
        let now = u64::try_from(jiff::Timestamp::now().as_second()).unwrap();
        if after.is_none_or(|step| now / 30 > step) {
            return (secret.code_at(now), now / 30);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(porchlight_browser),
    ignore = "browser tests skipped: chromedriver is not installed"
)]
async fn two_step_sign_in_is_set_up_and_used_on_a_phone() {
    use crate::fixtures::{
        PATIENT_PASSWORD, STAFF_PASSWORD, add_staff, enrolled_patient, front_desk, import_patients,
    };
    use domain::two_step::TotpSecret;

    let app = TestApp::spawn(Backend::Sqlite).await;
    let org = front_desk(&app).await;
    import_patients(&app, &org, &[("p1", "Lucia", "Rivera", "1961-04-09", "")]).await;
    enrolled_patient(&app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;

    let driver = Driver::start().await;
    let profile = tempfile::tempdir().unwrap();
    let client = driver.browser(profile.path()).await;
    client.set_window_size(320, 720).await.unwrap();
    client.goto(&app.url("/sign-in")).await.unwrap();
    type_into(&client, "username", "lucia.r").await;
    type_into(&client, "password", PATIENT_PASSWORD).await;
    submit(&client).await;
    client
        .wait()
        .for_element(Locator::Id("account-link"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_heading(&client, "Account and security").await;
    check_page(&client, &app.url("/account"), "patient-account").await;
    client.set_window_size(320, 720).await.unwrap();
    client
        .find(Locator::Id("set-up-app"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_heading(&client, "Set up an authenticator app").await;
    check_here(&client, "patient-two-step-app-phone").await;
    // The phone's app, set up by typing the key shown.
    let key = client
        .find(Locator::Id("secret-key"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let secret = TotpSecret::from_typed(&key).expect("a key to type");
    type_into(&client, "code", "000000").await;
    submit(&client).await;
    client
        .wait()
        .for_element(Locator::Id("code-error"))
        .await
        .expect("a wrong code is refused next to the field");
    check_here(&client, "patient-two-step-app-wrong-phone").await;
    let (code, step) = app_code(&secret, None).await;
    type_into(&client, "code", &code).await;
    submit(&client).await;
    wait_for_heading(&client, "Your recovery codes").await;
    check_here(&client, "patient-recovery-codes-phone").await;
    let codes = client
        .find_all(Locator::Css("#recovery-codes code"))
        .await
        .unwrap();
    assert_eq!(codes.len(), 10);
    client
        .find(Locator::Id("recovery-continue"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_heading(&client, "Account and security").await;
    let status = client
        .find(Locator::Id("two-step-status"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(status, "On: a code from your authenticator app.");
    check_page(
        &client,
        &app.url("/account/password"),
        "patient-change-password",
    )
    .await;
    check_page(&client, &app.url("/account/email"), "patient-change-email").await;
    check_page(
        &client,
        &app.url("/account/confirm?next=/account"),
        "patient-confirm-password",
    )
    .await;
    client.set_window_size(320, 720).await.unwrap();

    // Signing in again asks for the app's next code.
    sign_out(&client).await;
    client.goto(&app.url("/sign-in")).await.unwrap();
    type_into(&client, "username", "lucia.r").await;
    type_into(&client, "password", PATIENT_PASSWORD).await;
    submit(&client).await;
    wait_for_heading(&client, "Enter your code").await;
    check_here(&client, "patient-two-step-code-phone").await;
    let (code, _) = app_code(&secret, Some(step)).await;
    type_into(&client, "code", &code).await;
    submit(&client).await;
    client
        .wait()
        .for_element(Locator::Id("account-link"))
        .await
        .expect("signed in with the app's code");

    // A practice requiring 2-step sign-in of staff: the setup comes first.
    let admin = add_staff(&app, org.id, "alex", domain::Role::Administrator).await;
    let policy = domain::policy::EnrollmentPolicy {
        staff_two_step_required: true,
        ..Default::default()
    };
    let scope = domain::StaffScope::new(org.id, admin, domain::Role::Administrator);
    app.db
        .save_enrollment_policy(&scope, &policy, &storage::RequestOrigin::default())
        .await
        .unwrap();
    let staff_profile = tempfile::tempdir().unwrap();
    let staff = driver.browser(staff_profile.path()).await;
    staff.set_window_size(1280, 900).await.unwrap();
    staff.goto(&app.url("/staff/sign-in")).await.unwrap();
    type_into(&staff, "username", "alex").await;
    type_into(&staff, "password", STAFF_PASSWORD).await;
    submit(&staff).await;
    wait_for_heading(&staff, "Set up 2-step sign-in").await;
    check_here(&staff, "staff-two-step-setup-desktop").await;
    let key = staff
        .find(Locator::Id("secret-key"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let secret = TotpSecret::from_typed(&key).unwrap();
    let (code, _) = app_code(&secret, None).await;
    type_into(&staff, "code", &code).await;
    submit(&staff).await;
    wait_for_heading(&staff, "Your recovery codes").await;
    check_here(&staff, "staff-recovery-codes-desktop").await;
    check_page(&staff, &app.url("/staff/account"), "staff-account").await;
    staff.close().await.unwrap();

    // A new email address, confirmed from its inbox; then codes by email instead of the app.
    let address = format!("lucia.{}@example.org", uuid::Uuid::new_v4().simple());
    client.set_window_size(320, 720).await.unwrap();
    client.goto(&app.url("/account/email")).await.unwrap();
    type_into(&client, "email", &address).await;
    submit(&client).await;
    wait_for_heading(&client, "Check your new inbox").await;
    check_here(&client, "patient-email-link-sent-phone").await;
    let mail = app
        .mail
        .wait_for(&address, "Confirm your new email address")
        .await;
    let start = mail
        .text
        .find(&format!("{}/account/email/confirm/", app.base_url))
        .unwrap();
    let link = mail.text[start..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    client.goto(&link).await.unwrap();
    wait_for_heading(&client, "Change your email address").await;
    check_here(&client, "patient-email-confirm-phone").await;
    submit(&client).await;
    wait_for_heading(&client, "Your email address is changed").await;
    check_here(&client, "patient-email-changed-phone").await;
    client.goto(&app.url("/account")).await.unwrap();
    client
        .find(Locator::Id("use-email"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_heading(&client, "Your recovery codes").await;
    client.goto(&app.url("/home")).await.unwrap();
    sign_out(&client).await;
    client.goto(&app.url("/sign-in")).await.unwrap();
    type_into(&client, "username", "lucia.r").await;
    type_into(&client, "password", PATIENT_PASSWORD).await;
    submit(&client).await;
    wait_for_heading(&client, "Enter your code").await;
    check_here(&client, "patient-two-step-email-code-phone").await;
    let mail = app.mail.wait_for(&address, "sign-in code").await;
    let code = mail
        .text
        .lines()
        .map(str::trim)
        .find(|line| line.len() == 6 && line.chars().all(|c| c.is_ascii_digit()))
        .expect("the code on a line of its own")
        .to_owned();
    type_into(&client, "code", &code).await;
    submit(&client).await;
    client
        .wait()
        .for_element(Locator::Id("account-link"))
        .await
        .expect("signed in with the emailed code");
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(porchlight_browser),
    ignore = "browser tests skipped: chromedriver is not installed"
)]
async fn a_passkey_is_added_and_signs_in_without_a_password() {
    // On both databases: the passkey's storage is only reached through a real browser.
    passkey_journey(Backend::Sqlite).await;
    if cfg!(porchlight_pg) {
        passkey_journey(Backend::Postgres).await;
    }
}

async fn passkey_journey(backend: Backend) {
    use crate::fixtures::{PATIENT_PASSWORD, enrolled_patient, front_desk, import_patients};

    // Passkeys need a domain name: the portal is served as localhost.
    let app = TestApp::spawn_for_passkeys(backend).await;
    let port = app.base_url.rsplit(':').next().unwrap().to_owned();
    let site = format!("http://localhost:{port}");
    let org = front_desk(&app).await;
    import_patients(&app, &org, &[("p1", "Lucia", "Rivera", "1961-04-09", "")]).await;
    enrolled_patient(&app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;

    let driver = Driver::start().await;
    let profile = tempfile::tempdir().unwrap();
    let client = driver.browser(profile.path()).await;
    // Chromium's virtual authenticator plays the phone's screen lock.
    let session = client
        .session_id()
        .await
        .unwrap()
        .expect("a WebDriver session");
    let authenticator = reqwest::Client::new()
        .post(format!(
            "{}/session/{session}/webauthn/authenticator",
            driver.url
        ))
        .json(&json!({
            "protocol": "ctap2",
            "transport": "internal",
            "hasResidentKey": true,
            "hasUserVerification": true,
            "isUserVerified": true,
            "isUserConsenting": true,
        }))
        .send()
        .await
        .unwrap();
    assert!(
        authenticator.status().is_success(),
        "{:?}",
        authenticator.text().await
    );

    client.set_window_size(320, 720).await.unwrap();
    client.goto(&format!("{site}/sign-in")).await.unwrap();
    type_into(&client, "username", "lucia.r").await;
    type_into(&client, "password", PATIENT_PASSWORD).await;
    submit(&client).await;
    client
        .wait()
        .for_element(Locator::Id("account-link"))
        .await
        .unwrap();
    client.goto(&format!("{site}/account")).await.unwrap();
    wait_for_heading(&client, "Account and security").await;
    let add = client
        .wait()
        .for_element(Locator::Id("add-passkey"))
        .await
        .unwrap();
    assert!(
        add.is_displayed().await.unwrap(),
        "the script shows the button"
    );
    check_here(&client, "patient-passkeys-none-phone").await;
    add.click().await.unwrap();
    client
        .wait()
        .for_element(Locator::Css("#passkeys li"))
        .await
        .expect("the passkey is listed");
    let notice = client
        .find(Locator::Css(".notice"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(notice.contains("Your passkey is saved"), "{notice}");
    check_here(&client, "patient-passkey-added-phone").await;

    // Signed out, a press of the button signs her in: no username, no password.
    sign_out(&client).await;
    client.goto(&format!("{site}/sign-in")).await.unwrap();
    let button = client
        .wait()
        .for_element(Locator::Id("passkey-sign-in"))
        .await
        .unwrap();
    assert!(button.is_displayed().await.unwrap());
    check_here(&client, "patient-sign-in-passkey-phone").await;
    button.click().await.unwrap();
    client
        .wait()
        .for_element(Locator::Id("account-link"))
        .await
        .expect("signed in with the passkey");
    client.goto(&format!("{site}/account")).await.unwrap();
    let listed = client
        .find(Locator::Css("#passkeys li"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(listed.contains("Last used:"), "{listed}");
    check_page(
        &client,
        &format!("{site}/account"),
        "patient-account-passkey",
    )
    .await;
    client.close().await.unwrap();
}

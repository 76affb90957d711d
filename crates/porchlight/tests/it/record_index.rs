//! The record's index (`/record`) and the patient menu: every part of the record is one tap
//! from the menu's "My record", named with a line on what it holds, in English and Spanish.

use crate::{
    fixtures::{enrolled_patient, front_desk, import_patients, page_text},
    harness::{TestApp, each_backend},
};

/// The links of a page's `<ul id="record-sections">`, in order.
fn section_links(page: &str) -> Vec<String> {
    let start = page
        .find(r#"id="record-sections""#)
        .expect("the index's list");
    let end = start + page[start..].find("</ul>").expect("the list's end");
    page[start..end]
        .split(r#"<a href=""#)
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].to_owned())
        .collect()
}

/// Lucía Rivera, enrolled and signed in.
async fn lucia(app: &TestApp) -> reqwest::Client {
    let org = front_desk(app).await;
    import_patients(
        app,
        &org,
        &[(
            "7c1d2f40-0000-4000-8000-000000000001",
            "Lucia",
            "Rivera",
            "1961-04-09",
            "",
        )],
    )
    .await;
    enrolled_patient(app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await
}

each_backend! {
    async fn the_index_names_every_part_of_the_record_in_order(app) {
        let lucia = lucia(&app).await;
        let page = page_text(&lucia, &app, "/record").await;
        assert_eq!(
            section_links(&page),
            [
                "/results", "/visits", "/medicines", "/allergies", "/conditions",
                "/immunizations", "/procedures", "/care-plans", "/record/download",
                "/record-access",
            ],
        );
        assert!(page.contains("Lab tests and checks like blood pressure and weight."), "{page}");
        assert!(page.contains("<h1>My health record</h1>"), "{page}");

        lucia.get(app.url("/language/es?back=/record")).send().await.unwrap();
        let page = page_text(&lucia, &app, "/record").await;
        assert!(page.contains("<h1>Mi expediente de salud</h1>"), "{page}");
        assert!(page.contains("Vacunas que le pusieron."), "{page}");
    }

    async fn every_part_the_index_names_opens(app) {
        let lucia = lucia(&app).await;
        let page = page_text(&lucia, &app, "/record").await;
        for link in section_links(&page) {
            let answer = lucia.get(app.url(&link)).send().await.unwrap();
            assert_eq!(answer.status(), reqwest::StatusCode::OK, "{link}");
        }
    }

    async fn the_menu_is_short_and_leads_to_the_record(app) {
        let lucia = lucia(&app).await;
        let home = page_text(&lucia, &app, "/home").await;
        let start = home.find("patient-nav").expect("the patient menu");
        let nav = &home[start..start + home[start..].find("</nav>").unwrap()];
        let links: Vec<&str> = nav
            .split(r#"<a href=""#)
            .skip(1)
            .map(|rest| &rest[..rest.find('"').unwrap()])
            .collect();
        assert_eq!(links, ["/home", "/record", "/results", "/messages", "/account"]);
        assert!(nav.contains(r#"action="/sign-out""#), "{nav}");
    }

    async fn the_index_reads_nothing_of_the_record(app) {
        let lucia = lucia(&app).await;
        let head = app.db.audit_head().await.unwrap();
        page_text(&lucia, &app, "/record").await;
        // (The jobs worker's rows, as the system, such as the welcome email's, are no
        // request's.)
        let rows: Vec<_> = app.db.audit_since(head).await.unwrap().into_iter()
            .filter(|row| row.actor_kind != "system")
            .collect();
        assert!(rows.is_empty(), "the index names no data: {rows:?}");
    }
}

/// Real Chromium: the index in English and Spanish at a phone's width and a desktop's,
/// axe-clean, nothing scrolling sideways, photographed (target/screenshots/).
mod in_the_browser {
    use fantoccini::Locator;

    use super::*;
    use crate::{
        browser::{
            Driver, check_page, click, photograph, shown, submit, type_into, wait_for_heading,
        },
        fixtures::PATIENT_PASSWORD,
        harness::Backend,
    };

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[cfg_attr(
        not(porchlight_browser),
        ignore = "browser tests skipped: chromedriver is not installed"
    )]
    async fn the_index_reads_well_on_a_phone_in_english_and_spanish() {
        let app = TestApp::spawn(Backend::Sqlite).await;
        let _computer = lucia(&app).await;
        let driver = Driver::start().await;
        let profile = tempfile::tempdir().unwrap();
        let client = driver.browser(profile.path()).await;
        client.goto(&app.url("/sign-in")).await.unwrap();
        type_into(&client, "username", "lucia.r").await;
        type_into(&client, "password", PATIENT_PASSWORD).await;
        submit(&client).await;
        wait_for_heading(&client, "Hello, Lucia").await;
        check_page(&client, &app.url("/record"), "record-index").await;
        check_page(&client, &app.url("/home"), "home-menu").await;
        // On a phone the menu is one button; opened, it lists the parts in reach of a thumb.
        client.set_window_size(320, 720).await.unwrap();
        assert!(!shown(&client, ".wide-menu").await, "one menu at a time");
        click(&client, Locator::Css(".phone-menu summary")).await;
        assert!(shown(&client, ".phone-menu a[href='/record']").await);
        photograph(&client, "home-menu-open-phone").await;
        click(&client, Locator::Css(".phone-menu a[href='/record']")).await;
        wait_for_heading(&client, "My health record").await;
        client
            .goto(&app.url("/language/es?back=/home"))
            .await
            .unwrap();
        check_page(&client, &app.url("/record"), "es-record-index").await;
        // Larger text still fits a phone, menu and all.
        client
            .goto(&app.url("/text-size/large?back=/record"))
            .await
            .unwrap();
        check_page(&client, &app.url("/record"), "es-record-index-large-text").await;
        check_page(&client, &app.url("/results"), "es-results-large-text").await;
        client
            .goto(&app.url("/text-size/normal?back=/home"))
            .await
            .unwrap();
        client.set_window_size(320, 720).await.unwrap();
        client.goto(&app.url("/home")).await.unwrap();
        click(&client, Locator::Css(".phone-menu summary")).await;
        photograph(&client, "es-home-menu-open-phone").await;
    }
}

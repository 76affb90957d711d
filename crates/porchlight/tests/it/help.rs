//! The help center: open to anyone, in English and Spanish, searchable, and linked from the
//! page it explains.

use reqwest::StatusCode;

use crate::{
    fixtures::{front_desk, page_text, patient_browser, spanish_browser},
    harness::{TestApp, each_backend},
};

/// The hrefs of the list `<ul id="{id}">` of a page, in order.
fn listed(page: &str, id: &str) -> Vec<String> {
    let start = page
        .find(&format!(r#"id="{id}""#))
        .unwrap_or_else(|| panic!("#{id} in {page}"));
    let end = start + page[start..].find("</ul>").unwrap();
    page[start..end]
        .split(r#"<a href=""#)
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].to_owned())
        .collect()
}

/// The footer's "Help with this page" link.
fn help_link(page: &str) -> Option<String> {
    let start = page.find(r#"id="help-link""#)?;
    let tag = &page[page[..start].rfind('<').unwrap()..start];
    let href = tag.split(r#"href=""#).nth(1)?;
    Some(href[..href.find('"').unwrap()].to_owned())
}

each_backend! {
    async fn anyone_reads_the_guides_in_english_and_spanish(app) {
        front_desk(&app).await;
        let visitor = patient_browser();
        let page = page_text(&visitor, &app, "/help").await;
        assert_eq!(
            listed(&page, "articles"),
            [
                "/help/signing-up", "/help/signing-in", "/help/two-step",
                "/help/test-results", "/help/messages", "/help/download", "/help/something-wrong",
            ],
        );
        assert!(page.contains("Your care team invites you."), "a summary under each: {page}");
        for slug in ["signing-up", "signing-in", "two-step", "test-results", "messages", "download", "something-wrong"] {
            let article = page_text(&visitor, &app, &format!("/help/{slug}")).await;
            assert!(article.contains(&format!(r#"id="article-{slug}""#)), "{article}");
            assert!(article.contains("<h2"), "{slug}: sections: {article}");
        }
        let article = page_text(&visitor, &app, "/help/signing-up").await;
        assert!(article.contains("<h1>Signing up</h1>"), "{article}");
        assert!(article.contains("<ol>"), "numbered steps: {article}");
        let article = page_text(&visitor, &app, "/help/test-results").await;
        assert!(article.contains(r#"src="/static/help/en-result-trend.png""#), "{article}");

        let spanish = spanish_browser();
        let article = page_text(&spanish, &app, "/help/signing-up").await;
        assert!(article.contains("<h1>Cómo crear su cuenta</h1>"), "{article}");
        let page = page_text(&spanish, &app, "/help").await;
        assert!(page.contains("Todas las guías de ayuda") || page.contains("Buscar en la ayuda"), "{page}");
    }

    async fn a_search_finds_the_guide_and_says_when_nothing_matches(app) {
        front_desk(&app).await;
        let visitor = patient_browser();
        let page = page_text(&visitor, &app, "/help?q=forgot+my+password").await;
        assert_eq!(listed(&page, "found").first().map(String::as_str), Some("/help/signing-in"));
        assert!(page.contains(r#"value="forgot my password""#), "the words stay in the box");
        let page = page_text(&visitor, &app, "/help?q=xylophone").await;
        assert!(page.contains(r#"id="nothing-found""#), "{page}");
        assert_eq!(listed(&page, "articles").len(), 7, "the whole list still follows");
        let spanish = spanish_browser();
        let page = page_text(&spanish, &app, "/help?q=olvid%C3%A9+mi+contrase%C3%B1a").await;
        assert_eq!(listed(&page, "found").first().map(String::as_str), Some("/help/signing-in"));
        // Markup typed into the box comes back as text.
        let page = page_text(&visitor, &app, "/help?q=%3Cscript%3E").await;
        assert!(!page.contains("<script>"), "{page}");
    }

    async fn an_unknown_guide_is_not_found(app) {
        front_desk(&app).await;
        let answer = app.get("/help/nothing-here").await;
        assert_eq!(answer.status(), StatusCode::NOT_FOUND);
        let answer = app.get("/help/..%2Fetc").await;
        assert_eq!(answer.status(), StatusCode::NOT_FOUND);
        let answer = app.get("/static/help/nothing.png").await;
        assert_eq!(answer.status(), StatusCode::NOT_FOUND);
        let picture = app.get("/static/help/en-menu.png").await;
        assert_eq!(picture.status(), StatusCode::OK);
        assert_eq!(picture.headers()["content-type"], "image/png");
        assert!(picture.bytes().await.unwrap().starts_with(b"\x89PNG"));
    }

    async fn each_page_links_to_the_guide_about_it(app) {
        front_desk(&app).await;
        let visitor = patient_browser();
        for (path, guide) in [
            ("/sign-in", "/help/signing-in"),
            ("/forgot", "/help/signing-in"),
            ("/activate", "/help/signing-up"),
            ("/", "/help"),
            ("/help/two-step", "/help"),
        ] {
            let page = page_text(&visitor, &app, path).await;
            assert_eq!(help_link(&page).as_deref(), Some(guide), "{path}");
        }
        let staff = page_text(&visitor, &app, "/staff/sign-in").await;
        assert_eq!(help_link(&staff), None, "the staff console has no patient guide");
    }

    async fn larger_text_is_one_tap_and_stays_chosen(app) {
        front_desk(&app).await;
        let visitor = patient_browser();
        let page = page_text(&visitor, &app, "/sign-in").await;
        assert!(!page.contains("large-text"), "normal size at first");
        assert!(page.contains(r#"href="/text-size/large?back=/sign-in" id="text-size-link">Larger text</a>"#), "{page}");
        let chosen = visitor.get(app.url("/text-size/large?back=/sign-in")).send().await.unwrap();
        assert_eq!(chosen.status(), StatusCode::SEE_OTHER);
        assert_eq!(chosen.headers()["location"], "/sign-in");
        let page = page_text(&visitor, &app, "/help").await;
        assert!(page.contains(r#"<html lang="en" class="large-text">"#), "{page}");
        assert!(page.contains(">Normal text size</a>"), "and back: {page}");
        visitor.get(app.url("/text-size/normal?back=/help")).send().await.unwrap();
        let page = page_text(&visitor, &app, "/help").await;
        assert!(!page.contains("large-text"), "{page}");
        // Only the two sizes, and only back to a page of ours.
        let odd = visitor.get(app.url("/text-size/huge")).send().await.unwrap();
        assert_eq!(odd.status(), StatusCode::NOT_FOUND);
        let away = visitor.get(app.url("/text-size/large?back=//evil.example")).send().await.unwrap();
        assert_eq!(away.headers()["location"], "/");
        let staff = page_text(&visitor, &app, "/staff/sign-in").await;
        assert!(!staff.contains("text-size-link"), "the console has no switch");
    }
}

/// Real Chromium: the help center and a guide in both languages, at a phone's width and a
/// desktop's, axe-clean, nothing scrolling sideways, photographed (target/screenshots/).
mod in_the_browser {
    use super::*;
    use crate::{
        browser::{Driver, check_page},
        harness::Backend,
    };

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[cfg_attr(
        not(porchlight_browser),
        ignore = "browser tests skipped: chromedriver is not installed"
    )]
    async fn the_guides_read_well_on_a_phone_in_english_and_spanish() {
        let app = TestApp::spawn(Backend::Sqlite).await;
        front_desk(&app).await;
        let driver = Driver::start().await;
        let profile = tempfile::tempdir().unwrap();
        let client = driver.browser(profile.path()).await;
        check_page(&client, &app.url("/help"), "help").await;
        check_page(&client, &app.url("/help?q=password"), "help-search").await;
        check_page(&client, &app.url("/help/signing-up"), "help-signing-up").await;
        check_page(&client, &app.url("/help/test-results"), "help-test-results").await;
        client
            .goto(&app.url("/language/es?back=/help"))
            .await
            .unwrap();
        check_page(&client, &app.url("/help"), "es-help").await;
        check_page(&client, &app.url("/help/two-step"), "es-help-two-step").await;
    }
}

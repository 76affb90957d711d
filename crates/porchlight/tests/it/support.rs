//! Support requests (issue 16, point 2): someone who cannot sign in asks for help on the
//! public form (linked from sign-in and "forgot"), bot-checked and throttled, and gets a
//! reference; the answer is the same whether they are a patient or not. Staff work the
//! queue with statuses and notes; the person is emailed where it stands, with no more than
//! their reference. On both databases.

use domain::{Role, StaffScope};
use reqwest::StatusCode;
use storage::RequestOrigin;

use crate::{
    fixtures::{
        add_staff, enrolled_patient, front_desk, import_patients, page_text, patient_browser,
        solve_bot_check,
    },
    harness::{TestApp, each_backend},
    maildev::maildev,
};

/// A unique address for this test and backend (the mail sink is shared by every test).
fn address(test: &str) -> String {
    format!("{test}-{}@example.org", uuid::Uuid::now_v7().simple())
}

/// Sends the form from a fresh page, with the bot check answered; answers the status and page.
async fn ask(
    app: &TestApp,
    browser: &reqwest::Client,
    fields: &[(&str, &str)],
) -> (StatusCode, String) {
    let form = page_text(browser, app, "/support").await;
    let mut sent: Vec<(String, String)> = fields
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    sent.extend(
        solve_bot_check(&form)
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v)),
    );
    let response = browser
        .post(app.url("/support"))
        .form(&sent)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.text().await.unwrap())
}

/// The reference a sent page shows.
fn reference(page: &str) -> String {
    let start =
        page.find("id=\"support-reference\">").expect(page) + "id=\"support-reference\">".len();
    page[start..start + 11].to_owned()
}

/// The page without what differs from one request to the next.
fn without_reference(page: &str) -> String {
    let reference = reference(page);
    page.replace(&reference, "S-XXXX-XXXX")
        .lines()
        .filter(|line| !line.contains("bot_check") && !line.contains("data-salt"))
        .collect::<Vec<_>>()
        .join("\n")
}

each_backend! {
    async fn someone_who_cannot_sign_in_asks_for_help_and_is_told_where_it_stands(app) {
        let org = front_desk(&app).await;
        let email = address("support");
        let sign_in = page_text(&patient_browser(), &app, "/sign-in").await;
        assert!(sign_in.contains("href=\"/support\""), "{sign_in}");
        let forgot = page_text(&patient_browser(), &app, "/forgot").await;
        assert!(forgot.contains("href=\"/support\""), "{forgot}");

        let ana = patient_browser();
        let before = app.db.audit_head().await.unwrap();
        let (status, page) = ask(&app, &ana, &[
            ("topic", "cant-sign-in"), ("name", "Ana Ruiz"), ("email", &email),
            ("phone", "(555) 010-4400"), ("details", "My password stopped working.\nPlease call me."),
        ]).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(page.contains("We got your request"), "{page}");
        let reference = reference(&page);
        assert!(reference.starts_with("S-"), "{reference}");
        let rows = app.db.audit_since(before).await.unwrap();
        assert!(rows.iter().any(|r| r.action == "support.request"), "{rows:?}");
        let mail = maildev().await.wait_for(&email, "We got your request for help").await;
        assert!(mail.subject.contains(&reference), "{}", mail.subject);
        assert!(mail.text.contains("Hello Ana Ruiz") && mail.text.contains(&reference), "{}", mail.text);
        assert!(!mail.text.contains("password stopped"), "what they wrote is not repeated: {}", mail.text);

        // Staff: the work overview, the queue, the request, a note, the status (the person
        // is told).
        let home = page_text(&app.client, &app, "/staff").await;
        assert!(home.contains("1 support request not closed"), "{home}");
        let queue = page_text(&app.client, &app, "/staff/support").await;
        assert!(queue.contains(&reference) && queue.contains("Ana Ruiz") && queue.contains("t sign in"), "{queue}");
        assert!(queue.contains("href=\"/staff/support\""), "in the staff menu: {queue}");
        let link = queue.split("href=\"/staff/support/").nth(1).unwrap().split('"').next().unwrap().to_owned();
        let path = format!("/staff/support/{link}");
        let request = page_text(&app.client, &app, &path).await;
        assert!(request.contains("555-010-4400") && request.contains(&email), "{request}");
        assert!(request.contains("My password stopped working."), "{request}");
        let noted = app.client.post(app.url(&format!("{path}/note")))
            .form(&[("note", "Called back, left a message")]).send().await.unwrap();
        assert_eq!(noted.status(), StatusCode::SEE_OTHER);
        let empty = app.client.post(app.url(&format!("{path}/note"))).form(&[("note", " ")]).send().await.unwrap();
        assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let moved = app.client.post(app.url(&format!("{path}/status")))
            .form(&[("status", "in-progress")]).send().await.unwrap();
        assert_eq!(moved.status(), StatusCode::SEE_OTHER);
        let mail = maildev().await.wait_for(&email, "was updated").await;
        assert!(mail.text.contains("We are working on your request"), "{}", mail.text);
        let closed = app.client.post(app.url(&format!("{path}/status")))
            .form(&[("status", "closed")]).send().await.unwrap();
        assert_eq!(closed.status(), StatusCode::SEE_OTHER);
        let mut finished = false;
        for _ in 0..100 {
            if maildev().await.messages_to(&email).await.iter().any(|m| m.text.contains("We finished working on your request")) {
                finished = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(finished, "the person is told it is done");
        let request = page_text(&app.client, &app, &path).await;
        assert!(request.contains("Called back, left a message") && request.contains("Closed"), "{request}");
        let queue = page_text(&app.client, &app, "/staff/support").await;
        assert!(!queue.contains(&reference), "closed requests leave the open queue: {queue}");
        let queue = page_text(&app.client, &app, "/staff/support?status=closed").await;
        assert!(queue.contains(&reference), "{queue}");
        let bogus = app.client.post(app.url(&format!("{path}/status"))).form(&[("status", "lost")]).send().await.unwrap();
        assert_eq!(bogus.status(), StatusCode::UNPROCESSABLE_ENTITY);

        // Clinicians and another practice do not work this queue.
        add_staff(&app, org.id, "cleo", Role::Clinician).await;
        let cleo = patient_browser();
        cleo.post(app.url("/staff/sign-in"))
            .form(&[("organization", "maple"), ("username", "cleo"), ("password", crate::fixtures::STAFF_PASSWORD)])
            .send().await.unwrap();
        assert_eq!(cleo.get(app.url("/staff/support")).send().await.unwrap().status(), StatusCode::FORBIDDEN);
        assert_eq!(cleo.get(app.url(&path)).send().await.unwrap().status(), StatusCode::FORBIDDEN);
    }

    async fn the_form_tells_nothing_of_who_is_a_patient_and_refuses_what_is_wrong(app) {
        let org = front_desk(&app).await;
        import_patients(&app, &org, &[("pa", "Lucia", "Rivera", "1961-04-09", "")]).await;
        let _lucia = enrolled_patient(&app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;

        // A patient and a stranger: the same page but for the reference.
        let (_, patient) = ask(&app, &patient_browser(), &[
            ("topic", "cant-sign-in"), ("name", "Lucia Rivera"), ("phone", "555-010-2000"),
        ]).await;
        let (_, stranger) = ask(&app, &patient_browser(), &[
            ("topic", "cant-sign-in"), ("name", "Nobody Atall"), ("phone", "555-010-2000"),
        ]).await;
        assert_eq!(without_reference(&patient), without_reference(&stranger));

        // Field by field, nothing kept.
        let scope = StaffScope::new(org.id, domain::StaffId::new(), Role::FrontDesk);
        let open = || async { app.db.support_queue(&scope, None, &RequestOrigin::default()).await.unwrap().len() };
        let kept = open().await;
        let (status, page) = ask(&app, &patient_browser(), &[("name", " "), ("email", "ana@"), ("phone", "555-1234")]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        for words in ["Choose what you need help with.", "Please write your name.",
                      "This email address does not look right.", "Type a 10-digit phone number"] {
            assert!(page.contains(words), "{words}: {page}");
        }
        let (status, page) = ask(&app, &patient_browser(), &[("topic", "other"), ("name", "Ana")]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("Give an email address or a phone number"), "{page}");
        assert_eq!(open().await, kept);

        // The bot check: unanswered or replayed, refused; the honeypot gets a reference that
        // names nothing.
        let browser = patient_browser();
        let form = page_text(&browser, &app, "/support").await;
        let mut fields: Vec<(String, String)> = [("topic", "other"), ("name", "Ana"), ("phone", "5550104400")]
            .iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        fields.push(("bot_check".into(), crate::fixtures::bot_token(&form)));
        fields.push(("bot_solution".into(), "12345".into()));
        let refused = browser.post(app.url("/support")).form(&fields).send().await.unwrap();
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(open().await, kept);
        let trap = browser.post(app.url("/support"))
            .form(&[("topic", "other"), ("name", "Bot"), ("phone", "5550104400"), ("website", "http://spam.example")])
            .send().await.unwrap();
        assert_eq!(trap.status(), StatusCode::OK);
        assert!(trap.text().await.unwrap().contains("We got your request"));
        assert_eq!(open().await, kept, "the honeypot keeps nothing");

        // Throttled per address: five an hour.
        let flood = patient_browser();
        let mut last = StatusCode::OK;
        for n in 0..6 {
            let name = format!("Flood {n}");
            (last, _) = ask(&app, &flood, &[("topic", "other"), ("name", &name), ("phone", "5550104400")]).await;
        }
        assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
    }
}

/// Real Chromium: from the sign-in page to "Ask us for help", sent with the page's own bot
/// check, then the staff queue and the request; in English and Spanish, at a phone's width
/// and a desktop's, axe-clean, photographed (target/screenshots/).
mod in_the_browser {
    use super::*;
    use crate::{
        browser::{
            Driver, check_here, check_page, click, staff_signs_in, submit, text, text_of,
            type_into, wait_for_heading,
        },
        harness::Backend,
    };
    use fantoccini::Locator;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[cfg_attr(
        not(porchlight_browser),
        ignore = "browser tests skipped: chromedriver is not installed"
    )]
    async fn help_is_asked_from_the_sign_in_page_and_staff_see_it() {
        let app = TestApp::spawn(Backend::Sqlite).await;
        let _org = front_desk(&app).await;
        let driver = Driver::start().await;
        let profile = tempfile::tempdir().unwrap();
        let visitor = driver.browser(profile.path()).await;

        visitor.goto(&app.url("/sign-in")).await.unwrap();
        click(&visitor, Locator::Id("support-link")).await;
        wait_for_heading(&visitor, "Ask us for help").await;
        check_page(&visitor, &app.url("/support"), "support-form").await;
        // At a phone's width, sent empty: what to fix.
        visitor.set_window_size(320, 720).await.unwrap();
        visitor.goto(&app.url("/support")).await.unwrap();
        submit(&visitor).await;
        // The same heading comes back: wait for the new page's errors.
        text_of(&visitor, "support-errors", |_| true).await;
        check_here(&visitor, "support-form-errors-phone").await;
        click(&visitor, Locator::Id("topic-no-invitation")).await;
        type_into(&visitor, "name", "Ana Ruiz").await;
        type_into(&visitor, "phone", "555-010-4400").await;
        submit(&visitor).await;
        wait_for_heading(&visitor, "We got your request").await;
        check_here(&visitor, "support-sent-phone").await;
        let reference = text(&visitor, Locator::Id("support-reference")).await;
        assert!(reference.starts_with("S-"), "{reference}");

        visitor
            .goto(&app.url("/language/es?back=/support"))
            .await
            .unwrap();
        check_page(&visitor, &app.url("/support"), "es-support-form").await;

        let staff_profile = tempfile::tempdir().unwrap();
        let staff = driver.browser(staff_profile.path()).await;
        staff_signs_in(&staff, &app, "dana").await;
        check_page(&staff, &app.url("/staff"), "staff-home-work").await;
        check_page(&staff, &app.url("/staff/support"), "staff-support-queue").await;
        click(&staff, Locator::LinkText(&reference)).await;
        wait_for_heading(&staff, &format!("Support request {reference}")).await;
        check_here(&staff, "staff-support-request").await;
        click(&staff, Locator::Id("status-in-progress")).await;
        text_of(&staff, "support-status", |status| {
            status.starts_with("In progress")
        })
        .await;
    }
}

//! The staff review queue: what differed, unlocking, re-inviting with a corrected address,
//! closing with a reason; and resending an invitation.

use reqwest::{StatusCode, header};

use crate::{
    fixtures::{
        STAFF_PASSWORD, activate, add_staff, finish_enrollment, front_desk, import_patients,
        patient_browser, patient_page, printed_code,
    },
    harness::{TestApp, each_backend},
};

/// Lucia Rivera, invited with a printed code, opened in her own browser.
async fn opened_invitation(
    app: &TestApp,
) -> (storage::Organization, String, String, reqwest::Client) {
    let org = front_desk(app).await;
    let email = r#","telecom":[{"system":"email","value":"lucia@example.org"}]"#;
    import_patients(app, &org, &[("p1", "Lucia", "Rivera", "1961-04-09", email)]).await;
    let page = patient_page(app, &org, "Rivera", "Lucia").await;
    let code = printed_code(app, &page).await;
    let patient = patient_browser();
    let opened = activate(app, &patient, &code).await;
    assert_eq!(opened.status(), StatusCode::SEE_OTHER);
    (org, page, code, patient)
}

async fn identity(app: &TestApp, patient: &reqwest::Client, birth_day: &str) -> reqwest::Response {
    patient
        .post(app.url("/enroll/identity"))
        .form(&[
            ("given", "Lucia"),
            ("family", "Rivera"),
            ("birth_month", "4"),
            ("birth_day", birth_day),
            ("birth_year", "1961"),
        ])
        .send()
        .await
        .unwrap()
}

/// The link to the first item in the queue.
async fn first_item(app: &TestApp) -> String {
    let queue = app.get("/staff/review").await.text().await.unwrap();
    let start = queue
        .find("href=\"/staff/review/")
        .expect("an item in the queue")
        + 6;
    queue[start..].split('"').next().unwrap().to_owned()
}

each_backend! {
    async fn staff_see_what_differed_and_close_the_item_with_a_reason(app) {
        let (_org, _page, _code, patient) = opened_invitation(&app).await;
        assert!(app.get("/staff/review").await.text().await.unwrap().contains("Nothing waits for review"));
        identity(&app, &patient, "10").await;
        identity(&app, &patient, "11").await;

        let queue = app.get("/staff/review").await;
        assert_eq!(queue.headers()[header::CACHE_CONTROL], "no-store");
        let queue = queue.text().await.unwrap();
        assert!(queue.contains("Rivera, Lucia"), "{queue}");
        assert!(queue.contains("2 attempts did not match"), "one row per invitation: {queue}");
        let item = first_item(&app).await;
        let page = app.get(&item).await.text().await.unwrap();
        assert!(page.contains("<td>Date of birth</td><td><strong>Differed</strong></td>"), "{page}");
        assert!(page.contains("<td>First name</td><td>matched</td>"), "{page}");
        assert!(!page.contains("Unlock the invitation"), "not locked");
        assert_eq!(app.db.count_audit("review.list").await.unwrap(), 3, "every look at the queue");
        assert_eq!(app.db.count_audit("review.view").await.unwrap(), 1);

        let no_reason = app.client.post(app.url(&format!("{item}/close"))).form(&[("note", "")]).send().await.unwrap();
        assert_eq!(no_reason.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(no_reason.text().await.unwrap().contains("id=\"reason-error\""));
        let other = app.client.post(app.url(&format!("{item}/close"))).form(&[("reason", "other"), ("note", " ")]).send().await.unwrap();
        assert_eq!(other.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(other.text().await.unwrap().contains("Say why in the note."));
        let org = app.db.organization_by_slug("maple").await.unwrap().unwrap();
        assert_eq!(app.db.open_review_items(org.id).await.unwrap().len(), 2, "nothing closed by a bad form");

        let closed = app.client.post(app.url(&format!("{item}/close")))
            .form(&[("reason", "helped"), ("note", "Typed the day wrong; she will try again.")]).send().await.unwrap();
        assert_eq!(closed.status(), StatusCode::SEE_OTHER);
        assert!(app.db.open_review_items(org.id).await.unwrap().is_empty(), "both attempts' items close");
        assert_eq!(app.db.count_audit("review.close").await.unwrap(), 1);
        assert_eq!(app.get(&item).await.status(), StatusCode::NOT_FOUND);
    }

    async fn a_locked_invitation_is_unlocked_and_the_patient_goes_on(app) {
        let (org, _page, _code, patient) = opened_invitation(&app).await;
        for day in ["10", "11", "12", "13", "14"] {
            identity(&app, &patient, day).await;
        }
        assert_eq!(patient.get(app.url("/enroll/identity")).send().await.unwrap().status(), StatusCode::GONE);
        let queue = app.get("/staff/review").await.text().await.unwrap();
        assert!(queue.contains("Locked: 5 attempts did not match"), "{queue}");
        let item = first_item(&app).await;
        assert!(app.get(&item).await.text().await.unwrap().contains("Unlock the invitation"));

        // Staff of another practice cannot see or act on it.
        let oak = app.db.create_organization("oak", "Oak Clinic", None).await.unwrap();
        add_staff(&app, oak.id, "olga", domain::Role::FrontDesk).await;
        let other = patient_browser();
        other.post(app.url("/staff/sign-in"))
            .form(&[("organization", "oak"), ("username", "olga"), ("password", STAFF_PASSWORD)])
            .send().await.unwrap();
        assert_eq!(other.get(app.url(&item)).send().await.unwrap().status(), StatusCode::NOT_FOUND);
        assert_eq!(other.post(app.url(&format!("{item}/unlock"))).send().await.unwrap().status(), StatusCode::NOT_FOUND);
        assert!(!other.get(app.url("/staff/review")).send().await.unwrap().text().await.unwrap().contains("Rivera"));

        let unlocked = app.client.post(app.url(&format!("{item}/unlock"))).send().await.unwrap();
        assert_eq!(unlocked.status(), StatusCode::SEE_OTHER);
        assert!(app.db.open_review_items(org.id).await.unwrap().is_empty());
        assert_eq!(app.db.count_audit("invitation.unlock").await.unwrap(), 1);
        // The patient starts again at the identity step, with every attempt back.
        let wrong = identity(&app, &patient, "15").await.text().await.unwrap();
        assert!(wrong.contains("You can try 4 more times."), "{wrong}");
        assert_eq!(identity(&app, &patient, "9").await.headers()[header::LOCATION], "/enroll/credentials");
        // Unlocking twice is refused plainly.
        assert_eq!(app.client.post(app.url(&format!("{item}/unlock"))).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    }

    async fn a_new_invitation_corrects_the_chart_replaces_the_old_one_and_closes_the_items(app) {
        let (org, page, code, patient) = opened_invitation(&app).await;
        identity(&app, &patient, "10").await;
        let staff_page = app.get(&page).await.text().await.unwrap();
        assert!(staff_page.contains("Send a new invitation"), "{staff_page}");
        assert!(staff_page.contains("name=\"resend\""));

        // An address of this test's own: the SMTP sink is shared by the process's tests.
        let address = format!("lucia.{}@example.net", uuid::Uuid::new_v4().simple());
        // Without the resend flag there is still no second invitation.
        let duplicate = app.client.post(app.url(&format!("{page}/invite")))
            .form(&[("channel", "email"), ("email", address.as_str())]).send().await.unwrap();
        assert_eq!(duplicate.status(), StatusCode::SEE_OTHER);
        assert_eq!(app.db.count_audit("invitation.create").await.unwrap(), 1);

        let resent = app.client.post(app.url(&format!("{page}/invite")))
            .form(&[("channel", "email"), ("email", address.as_str()), ("save_email", "on"), ("resend", "1")])
            .send().await.unwrap();
        assert_eq!(resent.status(), StatusCode::SEE_OTHER);
        let staff_page = app.get(&page).await.text().await.unwrap();
        assert!(staff_page.contains(&format!("<dd>{address}</dd>")), "the chart is corrected: {staff_page}");
        assert!(staff_page.contains("Invited (email)"), "{staff_page}");
        assert_eq!(app.db.count_audit("patient.contact-update").await.unwrap(), 1);
        assert_eq!(app.db.count_audit("invitation.replace").await.unwrap(), 1);
        assert!(app.db.open_review_items(org.id).await.unwrap().is_empty(), "acting closes the items");
        // The new invitation reaches the corrected address.
        let email = app.mail.wait_for(&address, "Set up your Maple Street Clinic patient portal account").await;
        assert!(email.text.contains(&format!("{}/enroll/", app.base_url)), "{}", email.text);

        // The old code and the old enrollment session are dead.
        let old = activate(&app, &patient_browser(), &code).await;
        assert!(old.text().await.unwrap().contains("This invitation was cancelled"));
        let stale = patient.get(app.url("/enroll/identity")).send().await.unwrap();
        assert_eq!(stale.status(), StatusCode::GONE);
        assert!(stale.text().await.unwrap().contains("This invitation was cancelled"));
    }

    async fn a_typo_corrected_on_the_next_try_is_resolved_without_staff(app) {
        let (org, _page, _code, patient) = opened_invitation(&app).await;
        identity(&app, &patient, "10").await;
        assert_eq!(app.db.open_review_items(org.id).await.unwrap().len(), 1);
        let next = identity(&app, &patient, "9").await;
        assert_eq!(next.status(), StatusCode::SEE_OTHER, "the next try matches");
        assert!(app.db.open_review_items(org.id).await.unwrap().is_empty(), "nothing for staff to do");

        let queue = app.get("/staff/review").await.text().await.unwrap();
        assert!(queue.contains("Nothing waits for review"), "{queue}");
        let resolved = queue.split(r#"id="resolved""#).nth(1).expect("kept for the record");
        assert!(resolved.contains("Rivera, Lucia") && resolved.contains("1 attempt did not match"), "{resolved}");
        assert!(resolved.contains("Resolved without staff: one detail was mistyped, and the next try matched."), "{resolved}");
    }

    async fn items_close_by_themselves_when_the_patient_finishes_signing_up(app) {
        let (org, _page, _code, patient) = opened_invitation(&app).await;
        // Two wrong tries are more than a typo: they wait for staff...
        identity(&app, &patient, "10").await;
        identity(&app, &patient, "11").await;
        assert_eq!(identity(&app, &patient, "9").await.status(), StatusCode::SEE_OTHER);
        assert_eq!(app.db.open_review_items(org.id).await.unwrap().len(), 2, "not a single typo");
        let queue = app.get("/staff/review").await.text().await.unwrap();
        assert!(queue.contains("2 attempts did not match") && !queue.contains(r#"id="resolved""#), "{queue}");

        // ...until the patient finishes signing up.
        finish_enrollment(&app, &patient, ("Lucia", "Rivera"), ("4", "9", "1961"), "lucia.r").await;
        assert!(app.db.open_review_items(org.id).await.unwrap().is_empty(), "closed with the activation");
        let queue = app.get("/staff/review").await.text().await.unwrap();
        assert!(queue.contains("Nothing waits for review"), "{queue}");
        let resolved = queue.split(r#"id="resolved""#).nth(1).expect("kept for the record");
        assert!(resolved.contains("2 attempts did not match"), "{resolved}");
        assert!(resolved.contains("Closed automatically: the patient finished signing up."), "{resolved}");
        assert_eq!(app.db.count_audit("review.close").await.unwrap(), 0, "no staff action");
    }

    async fn a_refused_sign_up_naming_the_chart_stays_open_when_its_patient_finishes(app) {
        let (org, page, _code, patient) = opened_invitation(&app).await;
        // Someone without an invitation (a twin, an impostor) was refused on Lucia's chart.
        let lucia: uuid::Uuid = page.rsplit('/').next().unwrap().parse().unwrap();
        let refusal = r#"{"reason":"no-match","typed":{"given":"Lucinda","family":"Rivera"}}"#;
        app.db
            .refuse_self_enrollment(org.id, Some(domain::PatientId::from_uuid(lucia)), refusal, Some("203.0.113.9"))
            .await
            .unwrap();
        identity(&app, &patient, "10").await;
        identity(&app, &patient, "11").await;
        assert_eq!(app.db.open_review_items(org.id).await.unwrap().len(), 3);

        finish_enrollment(&app, &patient, ("Lucia", "Rivera"), ("4", "9", "1961"), "lucia.r").await;
        let open = app.db.open_review_items(org.id).await.unwrap();
        assert_eq!(open.len(), 1, "only her own invitation's items closed: {open:?}");
        assert_eq!(open[0].0, "self-enrollment");
        assert!(open[0].1.contains("Lucinda"), "the stranger's refusal waits for staff");
    }
}

//! The security page: security officers and administrators see events with their evidence,
//! failed sign-ins per hour, locked and waiting accounts, and resolve events with a note.

use reqwest::{StatusCode, header};

use crate::{
    fixtures::{
        STAFF_PASSWORD, add_staff, front_desk, import_patients, open_security_events,
        patient_browser,
    },
    harness::{TestApp, each_backend},
};

/// A browser signed in as a new staff member of `org` with `role`.
async fn staff_browser(
    app: &TestApp,
    org: &str,
    username: &str,
    role: domain::Role,
) -> reqwest::Client {
    let organization = app
        .db
        .organizations()
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.slug == org)
        .unwrap();
    add_staff(app, organization.id, username, role).await;
    let browser = patient_browser();
    let signed_in = browser
        .post(app.url("/staff/sign-in"))
        .form(&[
            ("organization", org),
            ("username", username),
            ("password", STAFF_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    browser
}

async fn failed_patient_sign_in(app: &TestApp, username: &str, password: &str) {
    let answer = patient_browser()
        .post(app.url("/sign-in"))
        .form(&[
            ("organization", "maple"),
            ("username", username),
            ("password", password),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
}

async fn text(browser: &reqwest::Client, url: String) -> (StatusCode, String) {
    let response = browser.get(url).send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

each_backend! {
    async fn the_security_officer_sees_evidence_and_resolves_an_event(app) {
        front_desk(&app).await;
        for n in 1..=10 {
            failed_patient_sign_in(&app, &format!("leaked.{n}"), &format!("leaked password {n}")).await;
        }
        for _ in 0..5 {
            failed_patient_sign_in(&app, "lucia.r", "a guess").await;
        }

        // The front desk does not see it.
        let (status, _) = text(&app.client, app.url("/staff/security")).await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        let officer = staff_browser(&app, "maple", "sam", domain::Role::SecurityOfficer).await;
        let page = officer.get(app.url("/staff/security")).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        assert_eq!(page.headers()[header::CACHE_CONTROL], "no-store");
        let page = page.text().await.unwrap();
        assert!(page.contains("href=\"/staff/security\""), "the menu leads here");
        assert!(page.contains("Many accounts failing from one address") && page.contains("127.0.0.1"), "{page}");
        assert!(page.contains("15 failed sign-ins"), "{page}");
        assert!(page.contains("<td>lucia.r</td><td>5</td><td>1 min</td>"), "the waiting account: {page}");
        assert!(page.contains("No locked accounts."));
        assert_eq!(app.db.count_audit("security.locked-accounts").await.unwrap(), 0, "no names shown, none audited");

        let start = page.find("/staff/security/events/").unwrap();
        let event_path = page[start..].split('"').next().unwrap().to_owned();
        let (status, event) = text(&officer, app.url(&event_path)).await;
        assert_eq!(status, StatusCode::OK);
        assert!(event.contains("<dt>Accounts tried</dt><dd>11</dd>"), "{event}");
        assert!(event.contains("leaked.1, leaked.10"), "{event}");

        // Another practice's officer cannot see or resolve it.
        app.db.create_organization("oak", "Oak Clinic", None).await.unwrap();
        let stranger = staff_browser(&app, "oak", "olga", domain::Role::SecurityOfficer).await;
        assert_eq!(text(&stranger, app.url(&event_path)).await.0, StatusCode::NOT_FOUND);
        let theirs = stranger.post(app.url(&format!("{event_path}/resolve"))).form(&[("note", "mine now")]).send().await.unwrap();
        assert_eq!(theirs.status(), StatusCode::NOT_FOUND);
        assert!(!text(&stranger, app.url("/staff/security")).await.1.contains("127.0.0.1"));

        // A note is required.
        let empty = officer.post(app.url(&format!("{event_path}/resolve"))).form(&[("note", "  ")]).send().await.unwrap();
        assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(empty.text().await.unwrap().contains("Nothing was resolved. Say what you found and did"));

        let resolved = officer.post(app.url(&format!("{event_path}/resolve")))
            .form(&[("note", "Test traffic from our own scanner")]).send().await.unwrap();
        assert_eq!(resolved.status(), StatusCode::SEE_OTHER);
        assert_eq!(resolved.headers()[header::LOCATION], "/staff/security?resolved");
        let (_, page) = text(&officer, app.url("/staff/security?resolved")).await;
        assert!(page.contains("Done. The event is resolved."));
        assert!(page.contains("No open events."), "{page}");
        assert!(page.contains("Test traffic from our own scanner") && page.contains("Dana Front"), "{page}");
        assert_eq!(app.db.count_audit("security.resolve").await.unwrap(), 1);
        // Resolving twice finds nothing open.
        let again = officer.post(app.url(&format!("{event_path}/resolve"))).form(&[("note", "again")]).send().await.unwrap();
        assert_eq!(again.status(), StatusCode::NOT_FOUND);
    }

    async fn one_staff_member_opening_many_charts_opens_an_event(app) {
        let org = front_desk(&app).await;
        let people: Vec<(String, String)> =
            (0..storage::MANY_RECORDS).map(|n| (format!("p{n}"), format!("Person{n}"))).collect();
        let rows: Vec<(&str, &str, &str, &str, &str)> = people
            .iter()
            .map(|(id, given)| (id.as_str(), given.as_str(), "Sweep", "1970-01-01", ""))
            .collect();
        import_patients(&app, &org, &rows).await;
        let scope = domain::StaffScope::new(org.id, domain::StaffId::new(), domain::Role::FrontDesk);
        let query = storage::PatientQuery::Name { family: "Sweep".into(), given: None };
        let found = app.db.search_patients(&scope, &query, &storage::RequestOrigin::default()).await.unwrap();
        assert_eq!(found.len(), storage::MANY_RECORDS);

        let many = |events: &[storage::SecurityEvent]| events.iter().filter(|e| e.kind == "many-records").count();
        let hour_is_unusual = || storage::is_unusual_hour(&jiff::Zoned::now());
        let unusual_before = hour_is_unusual();
        for (n, patient) in found.iter().enumerate() {
            let chart = app.client.get(app.url(&format!("/staff/patients/{}", patient.id))).send().await.unwrap();
            assert_eq!(chart.status(), StatusCode::OK);
            if n + 2 == storage::MANY_RECORDS {
                assert_eq!(many(&open_security_events(&app, &org).await), 0, "one chart short of the threshold");
            }
        }
        let events = open_security_events(&app, &org).await;
        assert_eq!(many(&events), 1, "{events:?}");
        let event = events.iter().find(|e| e.kind == "many-records").unwrap();
        assert_eq!(event.subject, "staff dana");
        let evidence: serde_json::Value = serde_json::from_str(&event.evidence).unwrap();
        assert_eq!(evidence["records_opened"], storage::MANY_RECORDS);
        // Charts opened out of hours are looked into too (the clock decides which this run sees).
        let unusual_after = hour_is_unusual();
        if unusual_before == unusual_after {
            let after_hours = events.iter().filter(|e| e.kind == "after-hours").count();
            assert_eq!(after_hours, usize::from(unusual_after), "{events:?}");
        }
        // Opening one again brings the same event up to date.
        app.client.get(app.url(&format!("/staff/patients/{}", found[0].id))).send().await.unwrap();
        assert_eq!(many(&open_security_events(&app, &org).await), 1);
    }
}

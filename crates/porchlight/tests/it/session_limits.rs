//! Session limits from the practice's policy: a session keeps the limits it started under;
//! it ends after the idle minutes without a request, and at the policy's hours in any case.

use domain::Role;
use reqwest::StatusCode;

use crate::{
    fixtures::{
        PATIENT_PASSWORD, add_staff, enrolled_patient, front_desk, import_patients, patient_browser,
    },
    harness::{TestApp, each_backend},
};

/// The hash of the session token a sign-in set as its cookie.
fn session_hash(response: &reqwest::Response) -> String {
    let token = response
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|cookie| cookie.strip_prefix("porchlight_session="))
        .and_then(|rest| rest.split(';').next())
        .expect("a session cookie")
        .to_owned();
    web::session::token_hash(&token)
}

async fn set_policy(
    app: &TestApp,
    org: domain::OrganizationId,
    policy: domain::policy::EnrollmentPolicy,
) {
    let admin = add_staff(app, org, "ada", Role::Administrator).await;
    let scope = domain::StaffScope::new(org, admin, Role::Administrator);
    app.db
        .save_enrollment_policy(&scope, &policy, &storage::RequestOrigin::default())
        .await
        .unwrap();
}

each_backend! {
    async fn what_no_longer_counts_is_pruned(app) {
        use jiff::{SignedDuration, Timestamp};
        let org = crate::fixtures::clinic(&app).await;
        // Pruned as of a day from now, so that the worker's own pruning (as it starts, at the
        // real time) finds nothing of this test's to remove.
        let now = Timestamp::now();
        let later = now + SignedDuration::from_hours(24);
        let day = SignedDuration::from_hours(24);
        app.db.record_failure("guesses:old", now - SignedDuration::from_hours(2), day).await.unwrap();
        app.db.record_failure("guesses:new", now, day).await.unwrap();
        for (token, expires_at) in [("fresh", later + SignedDuration::from_hours(1)), ("stale", now + SignedDuration::from_mins(10))] {
            app.db.create_challenge(&storage::NewChallenge {
                token_hash: token,
                kind: storage::SessionKind::Patient,
                account: uuid::Uuid::new_v4(),
                organization: org.id,
                now,
                expires_at,
                email: None,
            }).await.unwrap();
            app.db.begin_ceremony(&storage::NewCeremony {
                token_hash: token,
                purpose: "sign-in",
                kind: storage::SessionKind::Patient,
                account: None,
                state: "{}",
                now,
                expires_at,
            }).await.unwrap();
        }
        let pruned = app.db.prune_expired(later).await.unwrap();
        assert_eq!((pruned.throttle_counters, pruned.challenges, pruned.ceremonies), (1, 1, 1));
        assert!(app.db.failure_count("guesses:new", now, day).await.unwrap().is_some());
        assert!(app.db.failure_count("guesses:old", now, day).await.unwrap().is_none());
        assert!(app.db.challenge("fresh", later).await.unwrap().is_some());
        assert!(app.db.take_ceremony("fresh", "sign-in", storage::SessionKind::Patient, None, later).await.unwrap().is_some());
        assert_eq!(app.db.prune_expired(later).await.unwrap(), storage::Pruned::default(), "nothing left to prune");
    }

    async fn a_session_ends_at_the_policys_idle_and_absolute_limits(app) {
        let org = front_desk(&app).await;
        import_patients(&app, &org, &[("p1", "Lucia", "Rivera", "1961-04-09", "")]).await;
        enrolled_patient(&app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;
        set_policy(&app, org.id, domain::policy::EnrollmentPolicy {
            patient_idle_minutes: 5,
            patient_session_hours: 2,
            ..Default::default()
        }).await;

        let browser = patient_browser();
        let signed_in = browser
            .post(app.url("/sign-in"))
            .form(&[("organization", "maple"), ("username", "lucia.r"), ("password", PATIENT_PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
        let hash = session_hash(&signed_in);
        let session = app.db.session(&hash).await.unwrap().expect("the session is kept");
        assert_eq!(session.expires_at.duration_since(session.created_at).as_hours(), 2);
        assert_eq!(session.idle.map(|idle| idle.as_mins()), Some(5));
        assert_eq!(browser.get(app.url("/home")).send().await.unwrap().status(), StatusCode::OK);

        // Four minutes without a request: still signed in. Six: signed out, and the session
        // is gone from the database.
        let now = jiff::Timestamp::now();
        app.db.touch_session(&hash, now - jiff::SignedDuration::from_mins(4)).await.unwrap();
        assert_eq!(browser.get(app.url("/home")).send().await.unwrap().status(), StatusCode::OK);
        app.db.touch_session(&hash, now - jiff::SignedDuration::from_mins(6)).await.unwrap();
        let out = browser.get(app.url("/home")).send().await.unwrap();
        assert_eq!(out.status(), StatusCode::SEE_OTHER);
        assert_eq!(out.headers()[reqwest::header::LOCATION], "/sign-in");
        assert!(app.db.session(&hash).await.unwrap().is_none());

        // Staff sessions follow the staff limits (the defaults here: 30 minutes, 12 hours).
        let staff = app.client
            .post(app.url("/staff/sign-in"))
            .form(&[("organization", "maple"), ("username", "ada"), ("password", crate::fixtures::STAFF_PASSWORD)])
            .send()
            .await
            .unwrap();
        let session = app.db.session(&session_hash(&staff)).await.unwrap().unwrap();
        assert_eq!(session.expires_at.duration_since(session.created_at).as_hours(), 12);
        assert_eq!(session.idle.map(|idle| idle.as_mins()), Some(30));
    }
}

//! Reading a session does not write on every request (issue 13): `last_seen_at` moves at most
//! once a minute, and keeps the idle limit working.

use jiff::{SignedDuration, Timestamp};
use reqwest::StatusCode;

use crate::{
    fixtures::{enrolled_patient, front_desk, import_patients},
    harness::{TestApp, each_backend},
};

/// The token hash and `last_seen_at` of the account's only session.
async fn only_session(app: &TestApp, account: uuid::Uuid) -> (String, Timestamp) {
    let sessions = app
        .db
        .sessions_of(storage::SessionKind::Patient, account, Timestamp::now())
        .await
        .unwrap();
    assert_eq!(sessions.len(), 1, "one session: the one enrollment started");
    (sessions[0].token_hash.clone(), sessions[0].last_seen_at)
}

each_backend! {
    async fn a_session_is_refreshed_at_most_once_a_minute(app) {
        let org = front_desk(&app).await;
        import_patients(&app, &org, &[("p1", "Lucia", "Rivera", "1961-04-09", "")]).await;
        let browser = enrolled_patient(&app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;
        let username = domain::Username::parse("lucia.r").unwrap();
        let account = app.db.patient_account_by_username(org.id, &username).await.unwrap().unwrap().id;
        let read = || async {
            for path in ["/home", "/api/v1/me"] {
                let response = browser.get(app.url(path)).send().await.unwrap();
                assert_eq!(response.status(), StatusCode::OK, "{path}");
            }
        };

        // Requests within a minute of the session's start leave it as it was.
        let (hash, started) = only_session(&app, account).await;
        read().await;
        read().await;
        assert_eq!(only_session(&app, account).await.1, started, "no write within the minute");

        // Over a minute since the last refresh (within the idle limit): the next request moves it.
        let set_back = (Timestamp::now() - SignedDuration::from_secs(90))
            .round(jiff::Unit::Microsecond)
            .unwrap();
        app.db
            .execute_admin(&format!("UPDATE sessions SET last_seen_at = '{set_back}' WHERE token_hash = '{hash}'"))
            .await
            .unwrap();
        assert_eq!(only_session(&app, account).await.1, set_back);
        let before = Timestamp::now();
        read().await;
        let refreshed = only_session(&app, account).await.1;
        assert!(
            refreshed >= before - SignedDuration::from_millis(1) && refreshed <= Timestamp::now(),
            "refreshed to the time of the request: {refreshed}, requested at {before}"
        );

        // ...and the requests right after it write nothing again.
        read().await;
        assert_eq!(only_session(&app, account).await.1, refreshed, "once a minute at most");
    }
}

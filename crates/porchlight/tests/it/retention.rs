//! Retention (issue 12): rows past their period are deleted by the worker's pass, newer rows,
//! records and the audit log are kept.

use domain::{
    Role, StaffScope,
    support::{SupportForm, SupportRequest, SupportStatus},
};
use jiff::{SignedDuration, Timestamp};
use reqwest::StatusCode;
use storage::{AuditKey, KeptMessage, RequestOrigin, RetentionPolicy};

use crate::{
    fixtures::{PATIENT_PASSWORD, add_staff, enrolled_patient, front_desk, import_patients},
    harness::each_backend,
};

const WINDOWS_CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 \
                              (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

fn days(n: i64) -> SignedDuration {
    SignedDuration::from_hours(24 * n)
}

each_backend! {
    async fn rows_past_their_period_are_deleted_and_newer_rows_and_the_audit_log_kept(app) {
        let now = Timestamp::now();
        let email = format!("lucia.{}@example.org", uuid::Uuid::new_v4().simple());
        let org = front_desk(&app).await;
        let extra = format!(r#","telecom":[{{"system":"email","value":"{email}"}}]"#);
        import_patients(&app, &org, &[("p1", "Lucia", "Rivera", "1961-04-09", &extra)]).await;
        enrolled_patient(&app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;
        // A sign-in from a browser she never used: a session, a device alert and its email.
        let computer = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_store(true)
            .user_agent(WINDOWS_CHROME)
            .build()
            .unwrap();
        let signed_in = computer.post(app.url("/sign-in"))
            .form(&[("organization", "maple"), ("username", "lucia.r"), ("password", PATIENT_PASSWORD)])
            .send().await.unwrap();
        assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
        app.mail.wait_for(&email, "New sign-in to your").await;
        app.db.keep_in_mailbox(&KeptMessage {
            organization: Some(org.id),
            patient: None,
            job: uuid::Uuid::now_v7(),
            to: "someone@example.org",
            subject: "Set up your account",
            text: "Hello",
            html: "<p>Hello</p>",
            language: "en",
        }).await.unwrap();
        // A job that waits for its time is not finished: kept whatever its age.
        let mut tx = app.db.begin().await.unwrap();
        tx.enqueue_job("test.later", "{}", now + days(1000)).await.unwrap();
        tx.commit().await.unwrap();
        let audit_rows = app.db.audit_head().await.unwrap();
        assert!(audit_rows > 0);

        let policy = RetentionPolicy::default();
        // 29 days on: every session ended, the alert's link expired, but nothing is past its
        // period yet.
        let soon = app.db.apply_retention(&policy, now + days(29)).await.unwrap();
        for table in ["sessions", "jobs", "device_alerts", "mailbox"] {
            assert_eq!(soon.of(table), 0, "{table}: {soon}");
        }
        // A practice that keeps them all 200 days keeps them 100 days on.
        let longer = RetentionPolicy { sessions_days: 200, jobs_days: 200, device_alerts_days: 200, mailbox_days: 200, support_days: 200 };
        let kept = app.db.apply_retention(&longer, now + days(100)).await.unwrap();
        for table in ["sessions", "jobs", "device_alerts", "mailbox"] {
            assert_eq!(kept.of(table), 0, "{table}: {kept}");
        }
        // 100 days on, with the defaults: all of them go.
        let later = app.db.apply_retention(&policy, now + days(100)).await.unwrap();
        assert_eq!(later.of("sessions"), 3, "the front desk's, her phone's, the computer's: {later}");
        assert_eq!(later.of("device_alerts"), 1, "{later}");
        assert_eq!(later.of("mailbox"), 1, "{later}");
        assert!(later.of("jobs") >= 1, "the sent emails: {later}");
        let waiting = app.db.jobs_of_kind("test.later").await.unwrap();
        assert_eq!(waiting.len(), 1);
        assert_eq!(waiting[0].status, "pending");
        assert_eq!(app.db.apply_retention(&policy, now + days(100)).await.unwrap().total(), 0, "nothing left");

        // The audit log is never pruned, and its chain still holds.
        assert_eq!(app.db.audit_head().await.unwrap(), audit_rows);
        app.db.seal_all_audit().await.unwrap();
        let entries = app.db.audit_since(0).await.unwrap().len();
        let check = app.db.check_audit_chain(&AuditKey::derive(&app.settings.secret_key), None).await.unwrap();
        assert_eq!((check.rows, check.broken), (entries as u64, None));
    }

    async fn closed_support_requests_go_after_their_period_with_their_notes(app) {
        let now = Timestamp::now();
        let org = front_desk(&app).await;
        let ada = add_staff(&app, org.id, "ada", Role::Administrator).await;
        let scope = StaffScope::new(org.id, ada, Role::Administrator);
        let origin = RequestOrigin::default();
        let ask = |name: &'static str| SupportRequest::parse(&SupportForm {
            topic: "cant-sign-in", name, email: "", phone: "5550104400", details: "",
        }).unwrap();
        app.db.create_support_request(org.id, &ask("Closed Person"), "en", &origin).await.unwrap();
        app.db.create_support_request(org.id, &ask("Open Person"), "en", &origin).await.unwrap();
        let queue = app.db.support_queue(&scope, None, &origin).await.unwrap();
        let closed = queue.iter().find(|r| r.name == "Closed Person").unwrap().id;
        app.db.add_support_note(&scope, closed, "Helped on the phone", &origin).await.unwrap();
        app.db.set_support_status(&scope, closed, SupportStatus::Closed, &origin).await.unwrap();

        let policy = RetentionPolicy::default();
        let soon = app.db.apply_retention(&policy, now + days(364)).await.unwrap();
        assert_eq!((soon.of("support_requests"), soon.of("support_request_notes")), (0, 0), "{soon}");
        let later = app.db.apply_retention(&policy, now + days(366)).await.unwrap();
        assert_eq!((later.of("support_requests"), later.of("support_request_notes")), (1, 1), "{later}");
        // A request not closed stays, however old.
        let left = app.db.support_queue(&scope, None, &origin).await.unwrap();
        assert_eq!(left.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["Open Person"]);
        assert!(app.db.support_request(&scope, closed, &origin).await.unwrap().is_none());
    }
}

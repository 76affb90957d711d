//! Emails, delivered by the jobs worker to a real SMTP server (maildev) and read back as the
//! patient would: the invitation whose link leads through enrollment, the welcome, the
//! reminder, the "someone tried" message; and without SMTP, the staff mailbox.

use std::time::Duration;

use domain::{PatientId, Role, StaffScope, policy::EnrollmentPolicy};
use jiff::{SignedDuration, Timestamp};
use reqwest::{StatusCode, header};
use storage::{JobRecord, Organization, RequestOrigin};

use crate::{
    fixtures::{
        STAFF_PASSWORD, add_staff, front_desk, import_patients, patient_browser, patient_page,
    },
    harness::{TestApp, each_backend},
};

const PASSWORD: &str = "maple syrup on tuesday mornings";

/// An address no other test writes to: the SMTP sink is shared by the whole test process.
fn unique_address(name: &str) -> String {
    format!("{name}.{}@example.org", uuid::Uuid::new_v4().simple())
}

/// The clinic's front desk signed in, and Lucia Rivera (born 1961-04-09) with this email and,
/// if given, this preferred language. Returns her staff page.
async fn clinic_with_lucia(app: &TestApp, email: &str, language: Option<&str>) -> String {
    let org = front_desk(app).await;
    add_lucia(app, &org, email, language).await
}

async fn add_lucia(
    app: &TestApp,
    org: &Organization,
    email: &str,
    language: Option<&str>,
) -> String {
    let mut extra = format!(r#","telecom":[{{"system":"email","value":"{email}"}}]"#);
    if let Some(code) = language {
        extra.push_str(&format!(
            r#","communication":[{{"language":{{"coding":[{{"code":"{code}"}}]}}}}]"#
        ));
    }
    import_patients(
        app,
        org,
        &[("lucia", "Lucia", "Rivera", "1961-04-09", &extra)],
    )
    .await;
    patient_page(app, org, "Rivera", "Lucia").await
}

async fn invite_by_email(app: &TestApp, page: &str, email: &str) {
    let response = app
        .client
        .post(app.url(&format!("{page}/invite")))
        .form(&[("channel", "email"), ("email", email)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
}

/// The enrollment link in a message body: `href="..."` in HTML, a bare line in text.
fn enrollment_link(body: &str, base_url: &str) -> String {
    let prefix = format!("{base_url}/enroll/");
    let start = body
        .find(&prefix)
        .expect("an enrollment link in the message");
    body[start..]
        .split(|c: char| c.is_whitespace() || c == '"' || c == '<')
        .next()
        .unwrap()
        .to_owned()
}

async fn post(
    app: &TestApp,
    patient: &reqwest::Client,
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    patient.post(app.url(path)).form(form).send().await.unwrap()
}

async fn identity(app: &TestApp, patient: &reqwest::Client, day: &str) -> reqwest::Response {
    post(
        app,
        patient,
        "/enroll/identity",
        &[
            ("given", "Lucia"),
            ("family", "Rivera"),
            ("birth_month", "4"),
            ("birth_day", day),
            ("birth_year", "1961"),
        ],
    )
    .await
}

/// The jobs of a kind once the worker has finished with them all (waits up to 10 seconds).
pub(crate) async fn settled_jobs(app: &TestApp, kind: &str) -> Vec<JobRecord> {
    for _ in 0..100 {
        let jobs = app.db.jobs_of_kind(kind).await.unwrap();
        if !jobs.is_empty()
            && jobs
                .iter()
                .all(|j| j.status != "running" && j.status != "pending")
        {
            return jobs;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "the {kind} jobs did not finish: {:?}",
        app.db.jobs_of_kind(kind).await
    );
}

fn patient_id(page: &str) -> PatientId {
    PatientId::from_uuid(page.rsplit('/').next().unwrap().parse().unwrap())
}

/// The invitation in progress, as staff of the clinic see it.
async fn live_invitation(app: &TestApp, page: &str) -> storage::InvitationSummary {
    let org = app.db.organization_by_slug("maple").await.unwrap().unwrap();
    let scope = StaffScope::new(org.id, domain::StaffId::new(), Role::FrontDesk);
    app.db
        .live_invitation(&scope, patient_id(page))
        .await
        .unwrap()
        .expect("an invitation in progress")
}

/// Runs the due jobs now, with the very worker the server runs, configured the same way.
async fn run_jobs(app: &TestApp) {
    let worker = porchlight::jobs::Worker {
        db: app.db.clone(),
        outbox: mail::Outbox::smtp(&app.mail.smtp_url(), &app.settings.mail_from).unwrap(),
        base_url: app.base_url.clone(),
        config: porchlight::jobs::WorkerConfig::polling_every(Duration::from_secs(1)),
    };
    worker.run_due().await.unwrap();
}

each_backend! {
    async fn the_emailed_link_leads_the_patient_to_an_active_account_and_a_welcome(app) {
        let address = unique_address("lucia");
        let page = clinic_with_lucia(&app, &address, None).await;
        invite_by_email(&app, &page, &address).await;

        let invitation = app.mail.wait_for(&address, "Set up your Maple Street Clinic patient portal account").await;
        assert_eq!(invitation.from, app.settings.mail_from);
        assert_eq!(invitation.json["from"][0]["name"], "Maple Street Clinic");
        let link = enrollment_link(&invitation.html, &app.base_url);
        assert_eq!(enrollment_link(&invitation.text, &app.base_url), link, "both parts carry the same link");
        assert!(invitation.html.contains(&format!("<a href=\"{link}\"")) && invitation.html.contains(">Set up my account</a>"));
        assert!(invitation.html.contains("<html lang=\"en\">"));
        let expires = live_invitation(&app, &page).await.expires_at;
        let expires = expires.to_zoned(jiff::tz::TimeZone::system()).strftime("%A, %B %-d, %Y").to_string();
        for body in [&invitation.text, &invitation.html] {
            assert!(body.contains("Hello Lucia,") && body.contains(&expires) && body.contains("(555) 010-4477"), "{body}");
            assert!(!body.contains("Rivera") && !body.contains("1961"), "no PHI beyond the first name");
        }

        // Delivered: the job keeps no link.
        let jobs = settled_jobs(&app, "email.invitation").await;
        assert_eq!((jobs[0].status.as_str(), jobs[0].payload.as_str()), ("done", ""));
        assert!(app.db.count_audit("mail.recipient-read").await.unwrap() >= 1, "the worker's read is audited");
        // The reminder waits for its time: two days before the invitation expires.
        let reminder = &app.db.jobs_of_kind("email.invitation-reminder").await.unwrap()[0];
        assert_eq!(reminder.status, "pending");
        assert_eq!(reminder.run_at, live_invitation(&app, &page).await.expires_at - SignedDuration::from_hours(48));

        // The patient follows the link through every step.
        let patient = patient_browser();
        let opened = patient.get(&link).send().await.unwrap();
        assert_eq!(opened.headers()[header::LOCATION], "/enroll/identity");
        assert_eq!(identity(&app, &patient, "9").await.headers()[header::LOCATION], "/enroll/credentials");
        let credentials = post(&app, &patient, "/enroll/credentials", &[("username", "lucia.r"), ("password", PASSWORD), ("confirmation", PASSWORD)]).await;
        assert_eq!(credentials.headers()[header::LOCATION], "/enroll/terms?saved");
        let terms = crate::fixtures::accept_terms_step(&app, &patient).await;
        assert_eq!(terms.headers()[header::LOCATION], "/welcome");
        let welcome_page = patient.get(app.url("/welcome")).send().await.unwrap().text().await.unwrap();
        assert!(welcome_page.contains("Your account is ready"));

        let welcome = app.mail.wait_for(&address, "Your Maple Street Clinic patient portal account is ready").await;
        for body in [&welcome.text, &welcome.html] {
            assert!(body.contains(&format!("{}/", app.base_url)) && body.contains("Keep your password to yourself") && body.contains("home screen"), "{body}");
            // Invited, so the chart's owner made it: no "this wasn't me" link.
            assert!(!body.contains("Did you not make this account?") && !body.contains("/not-me/"), "{body}");
        }
        assert!(welcome.html.contains(&format!("<a href=\"{}/\"", app.base_url)));
        let welcome_jobs = settled_jobs(&app, "email.welcome").await;
        assert_eq!((welcome_jobs[0].status.as_str(), welcome_jobs[0].payload.as_str()), ("done", ""));
        // The invitation is used up: its reminder was called off and keeps no link.
        let reminder = &app.db.jobs_of_kind("email.invitation-reminder").await.unwrap()[0];
        assert_eq!((reminder.status.as_str(), reminder.payload.as_str()), ("done", ""));
        assert_eq!(app.mail.messages_to(&address).await.len(), 2, "the invitation and the welcome, nothing else");
        // With SMTP configured, nothing is kept for the mailbox page.
        assert_eq!(app.get("/staff/mailbox").await.status(), StatusCode::NOT_FOUND);
    }

    async fn a_spanish_speaking_patient_gets_spanish(app) {
        let address = unique_address("lucia");
        let page = clinic_with_lucia(&app, &address, Some("es-MX")).await;
        invite_by_email(&app, &page, &address).await;
        let mail = app.mail.wait_for(&address, "Cree su cuenta en el portal de pacientes de Maple Street Clinic").await;
        let expires = live_invitation(&app, &page).await.expires_at;
        let expires = mail::Language::Spanish.long_date(expires.to_zoned(jiff::tz::TimeZone::system()).date());
        assert!(mail.html.contains("<html lang=\"es\">") && mail.html.contains(">Crear mi cuenta</a>"));
        for body in [&mail.text, &mail.html] {
            assert!(body.contains("Hola, Lucia:") && body.contains(&expires) && body.contains("Llámenos al"), "{body}");
        }
        let link = enrollment_link(&mail.text, &app.base_url);
        let opened = patient_browser().get(&link).send().await.unwrap();
        assert_eq!(opened.headers()[header::LOCATION], "/enroll/identity");
    }

    async fn a_locked_invitation_tells_the_patient_someone_tried(app) {
        let address = unique_address("lucia");
        let page = clinic_with_lucia(&app, &address, None).await;
        invite_by_email(&app, &page, &address).await;
        let invitation = app.mail.wait_for(&address, "Set up your").await;
        let patient = patient_browser();
        patient.get(enrollment_link(&invitation.text, &app.base_url)).send().await.unwrap();
        for _ in 0..5 {
            identity(&app, &patient, "10").await;
        }
        let locked = app.mail.wait_for(&address, "Someone tried to set up a patient portal account with your details").await;
        for body in [&locked.text, &locked.html] {
            assert!(body.contains("Hello Lucia,") && body.contains("(555) 010-4477") && body.contains("No account was created"), "{body}");
            assert!(!body.contains("birth") && !body.contains(&app.base_url), "no detail and no link: {body}");
        }
        let jobs = settled_jobs(&app, "email.invitation-locked").await;
        assert_eq!((jobs[0].status.as_str(), jobs[0].payload.as_str()), ("done", ""));
        // The lock called off the reminder: its link would not work any more.
        let reminder = &app.db.jobs_of_kind("email.invitation-reminder").await.unwrap()[0];
        assert_eq!((reminder.status.as_str(), reminder.payload.as_str()), ("done", ""));
    }

    async fn the_reminder_goes_before_a_short_invitation_expires(app) {
        let org = front_desk(&app).await;
        let admin = add_staff(&app, org.id, "ada", Role::Administrator).await;
        let policy = EnrollmentPolicy { invitation_days: 1, ..EnrollmentPolicy::default() };
        app.db
            .save_enrollment_policy(&StaffScope::new(org.id, admin, Role::Administrator), &policy, &RequestOrigin::default())
            .await
            .unwrap();
        let address = unique_address("lucia");
        let page = add_lucia(&app, &org, &address, None).await;
        let before = Timestamp::now();
        invite_by_email(&app, &page, &address).await;
        let invitation = app.mail.wait_for(&address, "Set up your").await;
        let link = enrollment_link(&invitation.text, &app.base_url);

        // A one-day invitation is reminded of halfway, not two days before it expires.
        let reminder = app.db.jobs_of_kind("email.invitation-reminder").await.unwrap().remove(0);
        let halfway = before + SignedDuration::from_hours(12);
        assert!(reminder.run_at.duration_since(halfway).abs() < SignedDuration::from_mins(1), "{} vs {halfway}", reminder.run_at);
        // The emailed link also names the email's language (`?lang=en`); the job keeps the bare link.
        assert_eq!(link.split_once('?').map(|(_, query)| query), Some("lang=en"));
        assert!(reminder.payload.contains(link.split('?').next().unwrap()), "the reminder carries the same link until it is sent");
        assert!(app.mail.messages_to(&address).await.iter().all(|m| !m.subject.starts_with("Reminder")));

        // Its time comes (brought forward rather than waited for); the worker sends it.
        assert!(app.db.run_job_now(reminder.id).await.unwrap());
        let sent = app.mail.wait_for(&address, "Reminder: your invitation to the Maple Street Clinic patient portal ends soon").await;
        assert_eq!(enrollment_link(&sent.html, &app.base_url), link);
        assert!(sent.text.contains("Your account is not set up yet"));
        let reminder = settled_jobs(&app, "email.invitation-reminder").await.remove(0);
        assert_eq!((reminder.status.as_str(), reminder.payload.as_str()), ("done", ""));
        let opened = patient_browser().get(&link).send().await.unwrap();
        assert_eq!(opened.headers()[header::LOCATION], "/enroll/identity", "the reminded link still works");
    }
}

mod before_delivery {
    use super::*;

    each_backend! {
        with spawn_with_idle_worker;

        async fn revoking_before_delivery_sends_nothing_and_leaves_no_link(app) {
            let address = unique_address("lucia");
            let page = clinic_with_lucia(&app, &address, None).await;
            invite_by_email(&app, &page, &address).await;
            let waiting = app.db.jobs_of_kind("email.invitation").await.unwrap();
            assert_eq!(waiting[0].status, "pending");
            let link = serde_json::from_str::<serde_json::Value>(&waiting[0].payload).unwrap()["link"].as_str().unwrap().to_owned();
            assert!(link.starts_with(&format!("{}/enroll/", app.base_url)));

            let revoke = app.client.post(app.url(&format!("{page}/revoke"))).send().await.unwrap();
            assert_eq!(revoke.status(), StatusCode::SEE_OTHER);
            for kind in ["email.invitation", "email.invitation-reminder"] {
                let job = &app.db.jobs_of_kind(kind).await.unwrap()[0];
                assert_eq!((job.status.as_str(), job.payload.as_str()), ("done", ""), "{kind}");
                assert!(!job.payload.contains("/enroll/"));
            }
            // Whatever the worker finds now, nothing goes out.
            run_jobs(&app).await;
            tokio::time::sleep(Duration::from_millis(300)).await;
            assert!(app.mail.messages_to(&address).await.is_empty(), "nothing was sent");

            // A new invitation is delivered by the same worker, so the quiet above was the
            // revocation's doing.
            invite_by_email(&app, &page, &address).await;
            run_jobs(&app).await;
            app.mail.wait_for(&address, "Set up your").await;
        }

        async fn a_used_invitation_s_email_still_waiting_is_called_off(app) {
            let address = unique_address("lucia");
            let page = clinic_with_lucia(&app, &address, None).await;
            invite_by_email(&app, &page, &address).await;
            let job = app.db.jobs_of_kind("email.invitation").await.unwrap().remove(0);
            let link = serde_json::from_str::<serde_json::Value>(&job.payload).unwrap()["link"].as_str().unwrap().to_owned();
            // The link reaches the patient some other way before the worker sends it (a
            // resend, the staff reading it out), and the invitation is used to the end.
            let patient = patient_browser();
            patient.get(&link).send().await.unwrap();
            identity(&app, &patient, "9").await;
            post(&app, &patient, "/enroll/credentials", &[("username", "lucia.r"), ("password", PASSWORD), ("confirmation", PASSWORD)]).await;
            let terms = crate::fixtures::accept_terms_step(&app, &patient).await;
            assert_eq!(terms.headers()[header::LOCATION], "/welcome");
            run_jobs(&app).await;
            let done = app.db.jobs_of_kind("email.invitation").await.unwrap().remove(0);
            assert_eq!((done.status.as_str(), done.payload.as_str()), ("done", ""));
            assert_eq!(done.last_error.as_deref(), Some("cancelled: the invitation ended"));
            app.mail.wait_for(&address, "account is ready").await;
            let subjects: Vec<_> = app.mail.messages_to(&address).await.into_iter().map(|m| m.subject).collect();
            assert_eq!(subjects, ["Your Maple Street Clinic patient portal account is ready"], "no invitation for a used link");
        }
    }
}

mod without_smtp {
    use super::*;

    each_backend! {
        with spawn_keeping_mail;

        async fn the_mailbox_keeps_the_message_and_its_link_for_staff(app) {
            let address = unique_address("lucia");
            let page = clinic_with_lucia(&app, &address, None).await;
            let org = app.db.organization_by_slug("maple").await.unwrap().unwrap();
            let empty = app.get("/staff/mailbox").await;
            assert_eq!(empty.status(), StatusCode::OK);
            assert!(empty.text().await.unwrap().contains("No emails yet"));
            invite_by_email(&app, &page, &address).await;
            let jobs = settled_jobs(&app, "email.invitation").await;
            assert_eq!((jobs[0].status.as_str(), jobs[0].payload.as_str()), ("done", ""));
            assert!(app.mail.messages_to(&address).await.is_empty(), "nothing went over SMTP");

            let before = app.db.count_audit("mailbox.read").await.unwrap();
            let response = app.get("/staff/mailbox").await;
            assert_eq!(response.status(), StatusCode::OK);
            assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
            let html = response.text().await.unwrap();
            assert!(html.contains("Set up your Maple Street Clinic patient portal account") && html.contains(&address), "{html}");
            let link = enrollment_link(&html, &app.base_url);
            assert!(html.contains(&format!("<a href=\"{link}\">{link}</a>")), "the link is clickable");
            assert_eq!(app.db.count_audit("mailbox.read").await.unwrap(), before + 1, "the read is audited");
            let opened = patient_browser().get(&link).send().await.unwrap();
            assert_eq!(opened.headers()[header::LOCATION], "/enroll/identity");

            // A clinician does not read patients' mail; a patient or stranger is sent to sign in.
            add_staff(&app, org.id, "cleo", Role::Clinician).await;
            let clinician = patient_browser();
            let signed_in = clinician.post(app.url("/staff/sign-in")).form(&[("organization", "maple"), ("username", "cleo"), ("password", STAFF_PASSWORD)]).send().await.unwrap();
            assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
            assert_eq!(clinician.get(app.url("/staff/mailbox")).send().await.unwrap().status(), StatusCode::FORBIDDEN);
            let stranger = patient_browser().get(app.url("/staff/mailbox")).send().await.unwrap();
            assert_eq!(stranger.status(), StatusCode::SEE_OTHER);
        }

        async fn a_reset_link_is_never_kept_for_staff_to_read(app) {
            let address = unique_address("lucia");
            let org = front_desk(&app).await;
            let extra = format!(r#","telecom":[{{"system":"email","value":"{address}"}}]"#);
            import_patients(&app, &org, &[("p1", "Lucia", "Rivera", "1961-04-09", &extra)]).await;
            crate::fixtures::enrolled_patient(&app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;
            let asked = patient_browser().post(app.url("/forgot"))
                .form(&[("organization", "maple"), ("key", "lucia.r")]).send().await.unwrap();
            assert_eq!(asked.status(), StatusCode::OK);
            // Without a mail server the forgot page sends the patient to the practice for a
            // code: a form posted anyway makes no link at all (the worker would skip one too).
            settled_jobs(&app, "email.welcome").await;
            assert!(app.db.jobs_of_kind("email.password-reset").await.unwrap().is_empty());
            let mailbox = app.get("/staff/mailbox").await.text().await.unwrap();
            assert!(mailbox.contains("Your Maple Street Clinic patient portal account is ready"), "other mail is kept: {mailbox}");
            assert!(!mailbox.contains("/reset/") && !mailbox.contains("Reset your"), "{mailbox}");
        }
    }
}

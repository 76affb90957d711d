//! Self-enrollment without an invitation: the policy's rule, the page when it is not offered,
//! a patient signing up to the welcome page, and every refusal giving one identical answer
//! (and a staff review item), throttled per address.

use domain::{
    Role, StaffScope,
    policy::{AccessCodeKind, EnrollmentPolicy},
};
use reqwest::{StatusCode, header};
use storage::{Organization, RequestOrigin};

use crate::{
    fixtures::{
        STAFF_PASSWORD, add_staff, clinic, import_patients, patient_browser, sign_in,
        solve_bot_check,
    },
    harness::{TestApp, each_backend},
};

const MISMATCH: &str =
    "The details do not match our records. Please call (555) 010-4477. You can try 4 more times.";

/// FHIR members giving a patient an MRN (and more).
fn mrn(value: &str) -> String {
    format!(r#","identifier":[{{"type":{{"coding":[{{"code":"MR"}}]}},"value":"{value}"}}]"#)
}

/// The clinic with self-enrollment on, asking for the MRN; its access code is the year of
/// birth, which the form does not ask again (the date of birth holds it).
async fn self_enrolling_clinic(app: &TestApp) -> Organization {
    let org = clinic(app).await;
    let admin = add_staff(app, org.id, "ada", Role::Administrator).await;
    let scope = StaffScope::new(org.id, admin, Role::Administrator);
    let policy = EnrollmentPolicy {
        self_enrollment: true,
        mrn_required: true,
        access_code: AccessCodeKind::BirthYear,
        ..Default::default()
    };
    app.db
        .save_enrollment_policy(&scope, &policy, &RequestOrigin::default())
        .await
        .unwrap();
    org
}

/// What a person types: given, family, (month, day, year), MRN, access code.
struct Claim<'a> {
    given: &'a str,
    family: &'a str,
    birth: (&'a str, &'a str, &'a str),
    mrn: &'a str,
    code: &'a str,
}

const LUCIA: Claim<'static> = Claim {
    given: "Lucia",
    family: "Rivera",
    birth: ("4", "9", "1961"),
    mrn: "MRN-1",
    code: "1961",
};

/// Fills in `/enroll/start` in `browser`, answering the bot check as the page's script would.
async fn sign_up(app: &TestApp, browser: &reqwest::Client, claim: &Claim<'_>) -> reqwest::Response {
    let page = browser.get(app.url("/enroll/start")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.unwrap();
    let mut form = vec![
        ("practice", "maple".to_owned()),
        ("given", claim.given.to_owned()),
        ("family", claim.family.to_owned()),
        ("birth_month", claim.birth.0.to_owned()),
        ("birth_day", claim.birth.1.to_owned()),
        ("birth_year", claim.birth.2.to_owned()),
        ("mrn", claim.mrn.to_owned()),
        ("access_code", claim.code.to_owned()),
        ("website", String::new()),
    ];
    form.extend(solve_bot_check(&page));
    browser
        .post(app.url("/enroll/start"))
        .form(&form)
        .send()
        .await
        .unwrap()
}

/// The page without its per-request challenge (salt, challenge, signed token).
fn without_challenge(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(start) = [
        "data-salt=\"",
        "data-challenge=\"",
        "name=\"bot_check\" value=\"",
    ]
    .iter()
    .filter_map(|marker| rest.find(marker).map(|i| i + marker.len()))
    .min()
    {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('"').unwrap();
        rest = &rest[start + end..];
    }
    out.push_str(rest);
    out
}

/// Finishes an enrollment from the credentials step to the welcome page.
async fn finish(app: &TestApp, browser: &reqwest::Client, username: &str) {
    let password = "maple syrup on tuesday mornings";
    let saved = browser
        .post(app.url("/enroll/credentials"))
        .form(&[
            ("username", username),
            ("password", password),
            ("confirmation", password),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(saved.headers()[header::LOCATION], "/enroll/terms?saved");
    let done = crate::fixtures::accept_terms_step(app, browser).await;
    assert_eq!(done.headers()[header::LOCATION], "/welcome");
}

/// The address's refusals forgotten, as for a different device: each refusal below then
/// shows the same number of tries left.
async fn new_device(app: &TestApp) {
    app.db
        .clear_failures("self-enroll-address:127.0.0.1")
        .await
        .unwrap();
}

each_backend! {
    async fn the_policy_refuses_self_enrollment_without_the_mrn_or_the_ssn_digits(app) {
        let org = clinic(&app).await;
        add_staff(&app, org.id, "ada", Role::Administrator).await;
        assert_eq!(sign_in(&app, &org, "ada", STAFF_PASSWORD).await.status(), StatusCode::SEE_OTHER);
        let mut form = EnrollmentPolicy::default().to_input();
        form.self_enrollment = Some("on".into());
        let fields = |f: &domain::policy::PolicyInput| {
            let mut fields = vec![
                ("minimum_age", f.minimum_age.clone()),
                ("access_code", f.access_code.clone()),
                ("invitation_days", f.invitation_days.clone()),
                ("attempts_allowed", f.attempts_allowed.clone()),
                ("password_min_chars", f.password_min_chars.clone()),
                ("patient_idle_minutes", f.patient_idle_minutes.clone()),
                ("patient_session_hours", f.patient_session_hours.clone()),
                ("staff_idle_minutes", f.staff_idle_minutes.clone()),
                ("staff_session_hours", f.staff_session_hours.clone()),
                ("email_invitations", "on".to_owned()),
                ("self_enrollment", "on".to_owned()),
            ];
            if f.mrn_required.is_some() {
                fields.push(("mrn_required", "on".to_owned()));
            }
            fields
        };
        let refused = app.client.post(app.url("/staff/policy")).form(&fields(&form)).send().await.unwrap();
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = refused.text().await.unwrap();
        assert!(html.contains("id=\"self_enrollment-error\">Sign-up without an invitation needs an identifier"), "{html}");
        assert!(!app.db.enrollment_policy(org.id).await.unwrap().self_enrollment);

        form.mrn_required = Some("on".into());
        let saved = app.client.post(app.url("/staff/policy")).form(&fields(&form)).send().await.unwrap();
        assert_eq!(saved.status(), StatusCode::SEE_OTHER);
        let stored = app.db.enrollment_policy(org.id).await.unwrap();
        assert!(stored.offers_self_enrollment() && !stored.self_enrollment_day_month_swap);
        // Day and month swapped: a box of its own, shown ticked once saved.
        let mut with_swap = fields(&form);
        with_swap.push(("self_enrollment_day_month_swap", "on".to_owned()));
        let saved = app.client.post(app.url("/staff/policy")).form(&with_swap).send().await.unwrap();
        assert_eq!(saved.status(), StatusCode::SEE_OTHER);
        assert!(app.db.enrollment_policy(org.id).await.unwrap().self_enrollment_day_month_swap);
        let page = app.get("/staff/policy").await.text().await.unwrap();
        assert!(page.contains("name=\"self_enrollment_day_month_swap\" checked"), "{page}");
    }

    async fn when_the_policy_is_off_the_page_says_how_to_get_an_invitation(app) {
        clinic(&app).await;
        let page = app.get("/enroll/start").await;
        assert_eq!(page.status(), StatusCode::NOT_FOUND);
        let html = page.text().await.unwrap();
        assert!(html.contains("This practice does not offer signing up without an invitation"), "{html}");
        assert!(html.contains("Ask at the front desk") && html.contains("(555) 010-4477") && html.contains("href=\"/activate\""));
        assert!(!app.get("/").await.text().await.unwrap().contains("/enroll/start"));
        assert!(!app.get("/activate").await.text().await.unwrap().contains("/enroll/start"));
        // A form sent anyway is not acted on.
        let sent = patient_browser().post(app.url("/enroll/start")).form(&[("practice", "maple"), ("given", "Lucia")]).send().await.unwrap();
        assert_eq!(sent.status(), StatusCode::NOT_FOUND);
    }

    async fn a_patient_signs_up_without_an_invitation_to_the_welcome_page(app) {
        let org = self_enrolling_clinic(&app).await;
        import_patients(&app, &org, &[("p1", "Lucia", "Rivera", "1961-04-09", &mrn("MRN-1"))]).await;
        assert!(app.get("/").await.text().await.unwrap().contains("href=\"/enroll/start\""));
        assert!(app.get("/activate").await.text().await.unwrap().contains("href=\"/enroll/start\""));
        let lucia = patient_browser();
        let form = lucia.get(app.url("/enroll/start")).send().await.unwrap().text().await.unwrap();
        assert!(form.contains("Medical record number (MRN)"), "{form}");
        assert!(!form.contains("id=\"access_code\""), "the year of birth is asked once, in the date: {form}");
        assert!(form.contains("<p class=\"step\">Step 1 of 3</p>"), "{form}");
        // A malformed field is told next to it, and costs nothing.
        let mut typo = vec![("practice", "maple".to_owned()), ("given", "Lucia".to_owned()), ("family", "Rivera".to_owned()),
            ("birth_month", "2".to_owned()), ("birth_day", "30".to_owned()), ("birth_year", "1961".to_owned()), ("mrn", "MRN-1".to_owned()), ("access_code", "1961".to_owned())];
        typo.extend(solve_bot_check(&form));
        let typo = lucia.post(app.url("/enroll/start")).form(&typo).send().await.unwrap();
        assert_eq!(typo.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let typo = typo.text().await.unwrap();
        assert!(typo.contains("id=\"birth-error\">Enter a real date of birth") && typo.contains("value=\"Rivera\""), "{typo}");

        let typed_loosely = Claim { given: " LUCIA ", family: "rivera", birth: ("04", "09", "1961"), mrn: "mrn-1", code: "1961" };
        let response = sign_up(&app, &lucia, &typed_loosely).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{}", response.text().await.unwrap());
        assert_eq!(response.headers()[header::LOCATION], "/enroll/credentials");
        let cookie = response.headers()[header::SET_COOKIE].to_str().unwrap();
        assert!(cookie.starts_with("porchlight_enrollment=") && cookie.contains("HttpOnly"), "{cookie}");
        let step = lucia.get(app.url("/enroll/credentials")).send().await.unwrap().text().await.unwrap();
        assert!(step.contains("For example: lucia.rivera"), "{step}");
        // Staff see where the patient is.
        crate::fixtures::add_staff(&app, org.id, "dana", Role::FrontDesk).await;
        assert_eq!(sign_in(&app, &org, "dana", STAFF_PASSWORD).await.status(), StatusCode::SEE_OTHER);
        let chart = crate::fixtures::patient_page(&app, &org, "Rivera", "Lucia").await;
        let chart = app.get(&chart).await.text().await.unwrap();
        assert!(chart.contains("Signing up without an invitation, identity-verified"), "{chart}");
        finish(&app, &lucia, "lucia.r").await;
        let welcome = lucia.get(app.url("/welcome")).send().await.unwrap().text().await.unwrap();
        assert!(welcome.contains("Your account is ready and you are signed in"));
        assert_eq!(app.db.count_audit("enrollment.self-enrollment").await.unwrap(), 1);
        assert_eq!(app.db.count_audit("patient.match").await.unwrap(), 1, "the search is audited");
        assert_eq!(app.db.count_audit("enrollment.active").await.unwrap(), 1);
        assert!(app.db.open_review_items(org.id).await.unwrap().is_empty());
    }

    async fn every_refusal_gets_the_same_answer_and_a_review_item(app) {
        let org = self_enrolling_clinic(&app).await;
        let deceased = format!("{},\"deceasedBoolean\":true", mrn("MRN-3"));
        import_patients(&app, &org, &[
            ("p1", "Lucia", "Rivera", "1961-04-09", &mrn("MRN-1")),
            ("p2", "Mateo", "Rivera", "2015-06-01", &mrn("MRN-2")),
            ("p3", "Ana", "Lopez", "1940-02-02", &deceased),
            // Twins on one record each, one without an MRN: nothing tells them apart.
            ("p4", "Sam", "Reyes", "1980-05-05", &mrn("MRN-4")),
            ("p5", "Sam", "Reyes", "1980-05-05", ""),
            ("p6", "Olga", "Marsh", "1970-03-03", &mrn("MRN-6")),
        ]).await;
        // Olga already has an account, made through self-enrollment.
        let olga = Claim { given: "Olga", family: "Marsh", birth: ("3", "3", "1970"), mrn: "MRN-6", code: "1970" };
        let first = patient_browser();
        assert_eq!(sign_up(&app, &first, &olga).await.status(), StatusCode::SEE_OTHER);
        finish(&app, &first, "olga.m").await;

        let cases: [(&str, Claim); 5] = [
            ("no match: no chart born that day has a name near the one typed", Claim { given: "Nobody", family: "Here", birth: ("1", "1", "1990"), mrn: "MRN-9", code: "1990" }),
            ("several charts could be this person", Claim { given: "Sam", family: "Reyes", birth: ("5", "5", "1980"), mrn: "MRN-4", code: "1980" }),
            ("younger than the policy allows", Claim { given: "Mateo", family: "Rivera", birth: ("6", "1", "2015"), mrn: "MRN-2", code: "2015" }),
            ("recorded as deceased", Claim { given: "Ana", family: "Lopez", birth: ("2", "2", "1940"), mrn: "MRN-3", code: "1940" }),
            ("already has an account", olga),
        ];
        let mut bodies = Vec::new();
        for (reason, claim) in &cases {
            new_device(&app).await;
            let response = sign_up(&app, &patient_browser(), claim).await;
            assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{reason}");
            assert!(response.headers().get(header::SET_COOKIE).is_none(), "{reason}");
            let body = response.text().await.unwrap();
            assert!(body.contains(MISMATCH), "{reason}: {body}");
            assert!(!body.contains(claim.family), "{reason}: nothing typed is echoed");
            bodies.push((reason, without_challenge(&body)));
        }
        for (reason, body) in &bodies[1..] {
            assert_eq!(body, &bodies[0].1, "{reason} differs from no match");
        }

        // Staff see why, and which fields differed when one chart came close.
        let items = app.db.open_review_items(org.id).await.unwrap();
        assert_eq!(items.len(), cases.len());
        for ((kind, detail), (reason, claim)) in items.iter().zip(&cases) {
            assert_eq!(kind, "self-enrollment");
            let detail: serde_json::Value = serde_json::from_str(detail).unwrap();
            assert_eq!(detail["reason"], *reason);
            assert_eq!(detail["typed"]["family"], claim.family);
            assert!(!detail.to_string().contains(&format!("\"{}\"", claim.code)), "never the access code");
        }
        let close_item: serde_json::Value = serde_json::from_str(&items[2].1).unwrap();
        assert!(close_item["patient"].is_string());
        assert_eq!(close_item["fields"]["birth_date"], "matched");
        let none: serde_json::Value = serde_json::from_str(&items[0].1).unwrap();
        assert!(none["patient"].is_null());
        assert_eq!(app.db.count_audit("enrollment.self-enrollment").await.unwrap(), 1, "Olga's only");
        assert_eq!(app.db.count_audit("enrollment.self-enrollment-refused").await.unwrap(), 5);

        // The review queue shows each refusal; an item shows why and what was typed.
        assert_eq!(sign_in(&app, &org, "ada", STAFF_PASSWORD).await.status(), StatusCode::SEE_OTHER);
        let queue = app.get("/staff/review").await.text().await.unwrap();
        assert_eq!(queue.matches("Sign-up without an invitation did not match").count(), 5, "{queue}");
        assert!(queue.contains("No chart matched") && queue.contains("Rivera, Mateo"), "{queue}");
        let first = queue.split("href=\"/staff/review/").nth(1).unwrap().split('"').next().unwrap();
        let item = app.get(&format!("/staff/review/{first}")).await.text().await.unwrap();
        assert!(item.contains("<strong>Why it was refused:</strong> no match: no chart born that day has a name near the one typed."), "{item}");
        assert!(item.contains("<dt>Last name</dt><dd>Here</dd>"), "{item}");
        assert!(!item.contains("id=\"fields\""), "no chart to compare with: {item}");
    }

    async fn wrong_ssn_digits_get_the_one_answer_and_the_right_ones_go_on(app) {
        let org = clinic(&app).await;
        let admin = add_staff(&app, org.id, "ada", Role::Administrator).await;
        let policy = EnrollmentPolicy { self_enrollment: true, access_code: AccessCodeKind::SsnLast4, ..Default::default() };
        app.db.save_enrollment_policy(&StaffScope::new(org.id, admin, Role::Administrator), &policy, &RequestOrigin::default()).await.unwrap();
        let ssn = r#","identifier":[{"type":{"coding":[{"code":"SS"}]},"value":"999-12-3456"}]"#;
        import_patients(&app, &org, &[("p1", "Lucia", "Rivera", "1961-04-09", ssn)]).await;
        let wrong = sign_up(&app, &patient_browser(), &Claim { mrn: "", code: "3457", ..LUCIA }).await;
        assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(wrong.text().await.unwrap().contains(MISMATCH));
        let items = app.db.open_review_items(org.id).await.unwrap();
        let detail: serde_json::Value = serde_json::from_str(&items[0].1).unwrap();
        // The digits are part of what is matched: the one chart that came close, and why.
        assert_eq!(detail["reason"], "no match: an MRN, SSN digits or ZIP code typed is not the chart's");
        assert_eq!(detail["fields"]["ssn_last4"], "differed");
        assert_eq!(detail["fields"]["given"], "matched");
        let right = sign_up(&app, &patient_browser(), &Claim { mrn: "", code: "3456", ..LUCIA }).await;
        assert_eq!(right.headers()[header::LOCATION], "/enroll/credentials");
    }

    async fn refusals_are_throttled_per_address(app) {
        let org = self_enrolling_clinic(&app).await;
        import_patients(&app, &org, &[("p1", "Lucia", "Rivera", "1961-04-09", &mrn("MRN-1"))]).await;
        let browser = patient_browser();
        for left in (0..5).rev() {
            let wrong = sign_up(&app, &browser, &Claim { mrn: "MRN-2", ..LUCIA }).await.text().await.unwrap();
            let expected = format!("You can try {left} more time");
            assert!(wrong.contains(&expected), "{expected}: {wrong}");
        }
        // Five refusals from this address: even the right details wait.
        let throttled = sign_up(&app, &browser, &LUCIA).await;
        assert_eq!(throttled.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(throttled.text().await.unwrap().contains("Too many tries from this device"));
        assert_eq!(app.db.count_audit("enrollment.self-enrollment").await.unwrap(), 0);
        new_device(&app).await;
        assert_eq!(sign_up(&app, &browser, &LUCIA).await.status(), StatusCode::SEE_OTHER);
    }

    async fn several_practices_offering_it_are_chosen_by_name(app) {
        let maple = self_enrolling_clinic(&app).await;
        let oak = app.db.create_organization("oak", "Oak Family Medicine", None).await.unwrap();
        let admin = add_staff(&app, oak.id, "olive", Role::Administrator).await;
        let policy = EnrollmentPolicy { self_enrollment: true, access_code: AccessCodeKind::SsnLast4, ..Default::default() };
        app.db.save_enrollment_policy(&StaffScope::new(oak.id, admin, Role::Administrator), &policy, &RequestOrigin::default()).await.unwrap();
        let pick = app.get("/enroll/start").await.text().await.unwrap();
        assert!(pick.contains("Which practice are you a patient of?"), "{pick}");
        assert!(pick.contains("href=\"/enroll/start?practice=maple\">Maple Street Clinic") && pick.contains("Oak Family Medicine"));
        let oak_form = app.get("/enroll/start?practice=oak").await.text().await.unwrap();
        assert!(oak_form.contains("Last 4 digits of your Social Security number") && oak_form.contains("type=\"password\""));
        assert!(!oak_form.contains("Medical record number"));
        assert!(oak_form.contains("value=\"oak\""));
        let maple_form = app.get(&format!("/enroll/start?practice={}", maple.slug)).await.text().await.unwrap();
        assert!(maple_form.contains("Medical record number"));
    }

    async fn a_misspelled_name_is_accepted_and_a_twin_never(app) {
        let org = clinic(&app).await;
        let admin = add_staff(&app, org.id, "ada", Role::Administrator).await;
        let scope = StaffScope::new(org.id, admin, Role::Administrator);
        let mut policy = EnrollmentPolicy { self_enrollment: true, access_code: AccessCodeKind::SsnLast4, ..Default::default() };
        app.db.save_enrollment_policy(&scope, &policy, &RequestOrigin::default()).await.unwrap();
        let ssn = |digits: &str| format!(r#","identifier":[{{"type":{{"coding":[{{"code":"SS"}}]}},"value":"999-12-{digits}"}}]"#);
        // John is a patient; his twin Jack, born the same day, is not. Adrián has a twin
        // sister Adriana, a patient too, one letter apart.
        let address = format!("adrian.{}@example.org", uuid::Uuid::new_v4().simple());
        let adrian_chart = format!(r#"{},"telecom":[{{"system":"email","value":"{address}"}}]"#, ssn("2221"));
        import_patients(&app, &org, &[
            ("p1", "John", "Miller", "1990-05-06", &ssn("1111")),
            ("p2", "Adrián", "García", "2001-02-03", &adrian_chart),
            ("p3", "Adriana", "García", "2001-02-03", &ssn("2222")),
            ("p4", "Rosa", "Delgado", "1975-03-04", &ssn("4444")),
        ]).await;
        let claim = |given, family, birth, code| Claim { given, family, birth, mrn: "", code };

        // Jack, typing his own name and digits, or John's name with his own digits: refused.
        for (given, family) in [("Jack", "Miller"), ("John", "Miller"), ("Jon", "Miler")] {
            new_device(&app).await;
            let jack = sign_up(&app, &patient_browser(), &claim(given, family, ("5", "6", "1990"), "9999")).await;
            assert_eq!(jack.status(), StatusCode::UNPROCESSABLE_ENTITY, "{given} {family}");
            assert!(jack.text().await.unwrap().contains("The details do not match our records"));
        }
        // Staff are told which rule refused and which fields differed.
        let items = app.db.open_review_items(org.id).await.unwrap();
        let detail: serde_json::Value = serde_json::from_str(&items[0].1).unwrap();
        assert_eq!(detail["reason"], "no match: an MRN, SSN digits or ZIP code typed is not the chart's");
        assert_eq!(detail["fields"]["given"], "differed: a nickname of the chart's");
        assert_eq!(detail["fields"]["ssn_last4"], "differed");

        // Adrián, misspelled twice over, and his sister, misspelled: each finds their own.
        new_device(&app).await;
        let adrian = patient_browser();
        let response = sign_up(&app, &adrian, &claim("Adrain", "Garcia", ("2", "3", "2001"), "2221")).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{}", response.text().await.unwrap());
        finish(&app, &adrian, "adrian.g").await;
        let adriana = patient_browser();
        let response = sign_up(&app, &adriana, &claim("Adriana", "Garsia", ("2", "3", "2001"), "2222")).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        finish(&app, &adriana, "adriana.g").await;
        // Each account is its owner's: Adriana's chart (the only one found by her name)
        // has hers, and Adrián's is another.
        let adriana_chart = crate::fixtures::patient_page(&app, &org, "García", "Adriana").await;
        let owner = |username: &'static str| {
            let db = app.db.clone();
            async move {
                let username = domain::Username::parse(username).unwrap();
                db.patient_account_by_username(org.id, &username).await.unwrap().unwrap().patient.to_string()
            }
        };
        assert!(adriana_chart.ends_with(&owner("adriana.g").await), "{adriana_chart}");
        assert!(!adriana_chart.ends_with(&owner("adrian.g").await));

        // The chart's address is told the account was made, with a link that locks it.
        let welcome = app.mail.wait_for(&address, "Your Maple Street Clinic patient portal account is ready").await;
        assert!(welcome.html.contains("Did you not make this account?") && welcome.html.contains(">This wasn&#39;t me</a>"), "{}", welcome.html);
        let prefix = format!("{}/not-me/", app.base_url);
        let start = welcome.text.find(&prefix).expect("the link");
        let link = welcome.text[start..].split_whitespace().next().unwrap().to_owned();
        assert!(!welcome.text.contains("García") && !welcome.text.contains("2001"), "no PHI beyond the first name");
        let locked = patient_browser().post(&link).send().await.unwrap();
        assert!(locked.status().is_success(), "{}", locked.status());
        let username = domain::Username::parse("adrian.g").unwrap();
        assert!(app.db.patient_account_by_username(org.id, &username).await.unwrap().unwrap().locked);
        assert_eq!(app.db.count_audit("account.locked-not-me").await.unwrap(), 1);

        // A name spelled near, and day and month of birth swapped: only where the policy says.
        let rosa = claim("Rosa", "Delgadoo", ("4", "3", "1975"), "4444");
        new_device(&app).await;
        let refused = sign_up(&app, &patient_browser(), &rosa).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let items = app.db.open_review_items(org.id).await.unwrap();
        let (_, detail) = items.iter().find(|(_, d)| d.contains("Delgadoo")).unwrap();
        let detail: serde_json::Value = serde_json::from_str(detail).unwrap();
        assert_eq!(detail["reason"], "no match: the date of birth has day and month swapped, which the policy does not accept");
        assert_eq!(detail["fields"]["birth_date"], "differed: day and month swapped");
        assert_eq!(detail["fields"]["family"], "differed: one letter off");
        assert_eq!(sign_in(&app, &org, "ada", STAFF_PASSWORD).await.status(), StatusCode::SEE_OTHER);
        let queue = app.get("/staff/review").await.text().await.unwrap();
        let item = queue.split("href=\"/staff/review/").find(|part| part.contains("Delgado")).unwrap().split('"').next().unwrap();
        let item = app.get(&format!("/staff/review/{item}")).await.text().await.unwrap();
        assert!(item.contains("<td>Date of birth</td><td><strong>Differed</strong>: day and month swapped</td>"), "{item}");
        policy.self_enrollment_day_month_swap = true;
        app.db.save_enrollment_policy(&scope, &policy, &RequestOrigin::default()).await.unwrap();
        new_device(&app).await;
        let accepted = sign_up(&app, &patient_browser(), &rosa).await;
        assert_eq!(accepted.headers()[header::LOCATION], "/enroll/credentials");
    }
}

mod without_smtp {
    use super::*;

    each_backend! {
        with spawn_keeping_mail;

        async fn the_welcome_kept_for_staff_has_no_lock_link(app) {
            let org = clinic(&app).await;
            let admin = add_staff(&app, org.id, "ada", Role::Administrator).await;
            let policy = EnrollmentPolicy { self_enrollment: true, access_code: AccessCodeKind::SsnLast4, ..Default::default() };
            app.db.save_enrollment_policy(&StaffScope::new(org.id, admin, Role::Administrator), &policy, &RequestOrigin::default()).await.unwrap();
            let chart = r#","identifier":[{"type":{"coding":[{"code":"SS"}]},"value":"999-12-3456"}],"telecom":[{"system":"email","value":"lucia@example.org"}]"#;
            import_patients(&app, &org, &[("p1", "Lucia", "Rivera", "1961-04-09", chart)]).await;
            let lucia = patient_browser();
            let started = sign_up(&app, &lucia, &Claim { mrn: "", code: "3456", ..LUCIA }).await;
            assert_eq!(started.headers()[header::LOCATION], "/enroll/credentials");
            finish(&app, &lucia, "lucia.r").await;
            let jobs = crate::mail::settled_jobs(&app, "email.welcome").await;
            assert_eq!(jobs[0].status, "done");
            // Staff read kept mail: a link that locks the account in the patient's name is
            // never among it.
            add_staff(&app, org.id, "dana", Role::FrontDesk).await;
            assert_eq!(sign_in(&app, &org, "dana", STAFF_PASSWORD).await.status(), StatusCode::SEE_OTHER);
            let mailbox = app.get("/staff/mailbox").await.text().await.unwrap();
            assert!(mailbox.contains("Your Maple Street Clinic patient portal account is ready"), "{mailbox}");
            assert!(!mailbox.contains("/not-me/") && !mailbox.contains("Did you not make this account?"), "{mailbox}");
        }
    }
}

//! The patient's pages in Spanish: chosen by the browser's language, the switch in the
//! header or the emailed link, with the rules' messages in Spanish too; dates and times in
//! the patient's language and the practice's time zone; the staff console stays in English.

use domain::{PracticeTimeZone, Role, StaffScope, policy::EnrollmentPolicy};
use jiff::{Timestamp, tz::TimeZone};
use reqwest::{StatusCode, header};
use storage::{Organization, RequestOrigin};

use crate::{
    fixtures::{
        PATIENT_PASSWORD, STAFF_PASSWORD, activate, add_staff, enrolled_patient, front_desk,
        import_patients, patient_browser, patient_page, printed_code, spanish_browser,
    },
    harness::{TestApp, each_backend},
};

const MONTHS: [&str; 12] = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
];

/// The practice's administrator chooses its time zone (with the policy, as the page saves
/// both).
async fn set_time_zone(app: &TestApp, org: &Organization, name: &str) {
    let admin = add_staff(app, org.id, "ada", Role::Administrator).await;
    app.db
        .save_policy_and_time_zone(
            &StaffScope::new(org.id, admin, Role::Administrator),
            &EnrollmentPolicy::default(),
            &PracticeTimeZone::parse(name).unwrap(),
            &RequestOrigin::default(),
        )
        .await
        .unwrap();
}

/// The times of day `page` gives after "a las ", as (hour, minute).
fn spanish_times(page: &str) -> Vec<(i8, i8)> {
    page.split("a las ")
        .skip(1)
        .filter_map(|rest| {
            let (hour, rest) = rest.split_once(':')?;
            Some((hour.parse().ok()?, rest.get(..2)?.parse().ok()?))
        })
        .collect()
}

/// Asserts that `page` writes the moments between `before` and `after` in Spanish, in `zone`:
/// "25 de noviembre de 2026, a las 16:05", never an English month or a "UTC".
fn assert_spanish_moment(page: &str, zone: &str, before: Timestamp, after: Timestamp) {
    let zone = TimeZone::get(zone).unwrap();
    let local = |at: Timestamp| at.to_zoned(zone.clone());
    let days: Vec<String> = [before, after]
        .iter()
        .map(|&at| {
            let day = local(at).date();
            format!(
                "{} de {} de {}",
                day.day(),
                MONTHS[day.month() as usize - 1],
                day.year()
            )
        })
        .collect();
    assert!(
        days.iter()
            .any(|day| page.contains(&format!("{day}, a las "))),
        "{days:?} in {page}"
    );
    let times = spanish_times(page);
    assert!(!times.is_empty(), "{page}");
    let minutes = |at: Timestamp| i32::from(local(at).hour()) * 60 + i32::from(local(at).minute());
    for (hour, minute) in times {
        let shown = i32::from(hour) * 60 + i32::from(minute);
        // The practice's clock (a day's wrap aside), not UTC's: hours apart in Los Angeles.
        assert!(
            (minutes(before)..=minutes(after)).contains(&shown) || minutes(after) < minutes(before),
            "{hour}:{minute:02} is not the practice's time ({}..{}): {page}",
            minutes(before),
            minutes(after)
        );
    }
    for english in [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
        " AM",
        " PM",
        "UTC",
    ] {
        assert!(
            !page.contains(english),
            "{english} on a Spanish page: {page}"
        );
    }
}

async fn text(browser: &reqwest::Client, app: &TestApp, path: &str) -> String {
    browser
        .get(app.url(path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

each_backend! {
    async fn the_browser_language_or_the_switch_chooses_spanish(app) {
        front_desk(&app).await;
        let landing = text(&spanish_browser(), &app, "/").await;
        assert!(landing.contains("<html lang=\"es\">"), "{landing}");
        assert!(landing.contains("Su historia clínica, en un solo lugar seguro"));
        assert!(landing.contains("Este es el portal del paciente de Maple Street Clinic."), "arguments fill in");
        assert!(landing.contains("lang=\"en\" hreflang=\"en\">English</a>"), "a way back to English");

        // An English browser switches; the choice is kept and wins over the browser's.
        let browser = crate::fixtures::patient_browser();
        assert!(text(&browser, &app, "/activate").await.contains("<html lang=\"en\">"));
        let switched = browser.get(app.url("/language/es?back=/activate")).send().await.unwrap();
        assert_eq!(switched.status(), StatusCode::SEE_OTHER);
        assert_eq!(switched.headers()[header::LOCATION], "/activate");
        let page = text(&browser, &app, "/activate").await;
        assert!(page.contains("Inscríbase con su código de activación"), "{page}");
        assert!(page.contains("data-checking=\"Comprobando que usted es una persona…\""), "the bot check speaks Spanish");
        // The way back only ever leads to a page of ours.
        let away = browser.get(app.url("/language/en?back=//evil.example/")).send().await.unwrap();
        assert_eq!(away.headers()[header::LOCATION], "/");
        assert_eq!(browser.get(app.url("/language/fr?back=/")).send().await.unwrap().status(), StatusCode::NOT_FOUND);

        // The staff console stays in English whatever the browser asks.
        let staff = app.client.get(app.url("/staff")).header(header::ACCEPT_LANGUAGE, "es").send().await.unwrap().text().await.unwrap();
        assert!(staff.contains("<html lang=\"en\">") && staff.contains("Find a patient"), "{staff}");
        assert!(!staff.contains("Español"), "no switch in the console");
    }

    async fn enrollment_answers_and_rules_read_in_spanish(app) {
        let org = front_desk(&app).await;
        import_patients(&app, &org, &[("p1", "Lucia", "Rivera", "1961-04-09", "")]).await;
        let page = patient_page(&app, &org, "Rivera", "Lucia").await;
        let code = printed_code(&app, &page).await;
        let patient = spanish_browser();
        assert_eq!(activate(&app, &patient, &code).await.status(), StatusCode::SEE_OTHER);

        let identity = |given: &'static str, day: &'static str| {
            patient.post(app.url("/enroll/identity"))
                .form(&[("given", given), ("family", "Rivera"), ("birth_month", "4"), ("birth_day", day), ("birth_year", "1961")])
                .send()
        };
        let empty = identity("", "9").await.unwrap().text().await.unwrap();
        assert!(empty.contains("Nombre: escríbalo, por favor."), "{empty}");
        let wrong = identity("Lucia", "10").await.unwrap().text().await.unwrap();
        assert!(wrong.contains("Los datos no coinciden con nuestros registros. Llame al (555) 010-4477. Puede intentarlo 4 veces más."), "{wrong}");
        assert_eq!(identity("Lucia", "9").await.unwrap().status(), StatusCode::SEE_OTHER);
        // The access code is the year of birth: no step of its own (issue 11).
        let credentials_page = text(&patient, &app, "/enroll/credentials").await;
        assert!(credentials_page.contains("Paso 2 de 3"), "{credentials_page}");

        let short = patient.post(app.url("/enroll/credentials"))
            .form(&[("username", "l"), ("password", "corta"), ("confirmation", "otra")])
            .send().await.unwrap().text().await.unwrap();
        assert!(short.contains("Un nombre de usuario necesita al menos 3 caracteres."), "{short}");
        assert!(short.contains("Use al menos 12 caracteres. La suya tiene 5."), "{short}");
        assert!(short.contains("Las dos contraseñas no son iguales."), "{short}");

        // A broken link says so in Spanish.
        let broken = patient.get(app.url("/enroll/not-a-real-token")).send().await.unwrap();
        assert_eq!(broken.status(), StatusCode::GONE);
        assert!(broken.text().await.unwrap().contains("Este enlace no funciona"));
    }

    async fn a_spanish_patient_reads_dates_in_spanish_in_the_practice_time_zone(app) {
        let org = front_desk(&app).await;
        set_time_zone(&app, &org, "America/Los_Angeles").await;
        import_patients(&app, &org, &[("p1", "Lucia", "Rivera", "1961-04-09", "")]).await;
        let before = Timestamp::now();
        let phone = enrolled_patient(&app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;
        phone.post(app.url("/sign-out")).send().await.unwrap();
        // She signs in again, in Spanish, on the same phone: home gives the sign-in before.
        let switched = phone.get(app.url("/language/es?back=/sign-in")).send().await.unwrap();
        assert_eq!(switched.status(), StatusCode::SEE_OTHER);
        for _ in 0..2 {
            let signed_in = phone.post(app.url("/sign-in"))
                .form(&[("organization", "maple"), ("username", "lucia.r"), ("password", PATIENT_PASSWORD)])
                .send().await.unwrap();
            assert_eq!(signed_in.headers()[header::LOCATION], "/home");
        }
        let home = text(&phone, &app, "/home").await;
        let access = text(&phone, &app, "/record-access").await;
        let devices = text(&phone, &app, "/devices").await;
        let after = Timestamp::now();

        assert!(home.contains("<html lang=\"es\">") && home.contains("Su inicio de sesión anterior fue el "), "{home}");
        assert_spanish_moment(&home, "America/Los_Angeles", before, after);
        assert!(access.contains("Dana Front") && access.contains("<dt>Cuándo</dt>"), "{access}");
        assert_spanish_moment(&access, "America/Los_Angeles", before, after);
        assert_spanish_moment(&devices, "America/Los_Angeles", before, after);

        // The same moments in English, on the practice's clock, with no zone named.
        let english = phone.get(app.url("/language/en?back=/record-access")).send().await.unwrap();
        assert_eq!(english.status(), StatusCode::SEE_OTHER);
        let access = text(&phone, &app, "/record-access").await;
        let day = after.to_zoned(TimeZone::get("America/Los_Angeles").unwrap()).strftime("%B %-d, %Y").to_string();
        assert!(access.contains(&format!("{day}, at ")), "{day}: {access}");
        assert!(!access.contains("UTC"), "{access}");
    }

    async fn a_bad_time_zone_is_refused_by_name_on_the_page_and_in_the_api(app) {
        let org = crate::fixtures::clinic(&app).await;
        add_staff(&app, org.id, "ada", Role::Administrator).await;
        assert_eq!(crate::fixtures::sign_in(&app, &org, "ada", STAFF_PASSWORD).await.status(), StatusCode::SEE_OTHER);
        let page = app.get("/staff/policy").await.text().await.unwrap();
        let server = PracticeTimeZone::server_default();
        assert!(page.contains(&format!("name=\"time_zone\" list=\"time_zones\" autocomplete=\"off\" spellcheck=\"false\" value=\"{}\"", server.name())), "the server's zone until one is chosen: {page}");

        let form = |zone: &'static str| -> Vec<(&'static str, &'static str)> {
            vec![("minimum_age", "16"), ("invitation_days", "14"), ("attempts_allowed", "5"),
                 ("password_min_chars", "12"), ("access_code", "birth-year"), ("email_invitations", "on"),
                 ("printed_codes", "on"), ("patient_idle_minutes", "20"), ("patient_session_hours", "12"),
                 ("staff_idle_minutes", "30"), ("staff_session_hours", "12"), ("time_zone", zone)]
        };
        let refused = app.client.post(app.url("/staff/policy")).form(&form("Mars/Olympus_Mons")).send().await.unwrap();
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let refused = refused.text().await.unwrap();
        assert!(refused.contains("id=\"time_zone-error\">&#34;Mars/Olympus_Mons&#34; is not a time zone we know.") || refused.contains("id=\"time_zone-error\">&quot;Mars/Olympus_Mons&quot; is not a time zone we know."), "{refused}");
        assert!(refused.contains("value=\"Mars/Olympus_Mons\""), "what was typed stays");
        assert_eq!(app.db.practice_time_zone(org.id).await.unwrap(), None, "nothing saved");
        assert_eq!(app.db.enrollment_policy(org.id).await.unwrap().minimum_age, 18, "not even the rest of the policy");

        let saved = app.client.post(app.url("/staff/policy")).form(&form("america/chicago")).send().await.unwrap();
        assert_eq!(saved.status(), StatusCode::SEE_OTHER);
        assert_eq!(app.db.practice_time_zone(org.id).await.unwrap().unwrap().name(), "America/Chicago");
        assert_eq!(app.db.enrollment_policy(org.id).await.unwrap().minimum_age, 16);
        assert!(app.get("/staff/policy").await.text().await.unwrap().contains("value=\"America/Chicago\""));

        // The API: the zone is in the policy; a bad one is a field error; left out, unchanged.
        let api = |body: serde_json::Value| app.client.put(app.url("/api/v1/enrollment-policy")).json(&body).send();
        let policy: serde_json::Value = app.client.get(app.url("/api/v1/enrollment-policy")).send().await.unwrap().json().await.unwrap();
        assert_eq!(policy["time_zone"], "America/Chicago");
        let mut bad = policy.clone();
        bad["time_zone"] = "UTC-5".into();
        let refused = api(bad).await.unwrap();
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let refused: serde_json::Value = refused.json().await.unwrap();
        assert!(refused["fields"]["time_zone"].as_str().unwrap().contains("\"UTC-5\" is not a time zone we know"), "{refused}");
        let mut older = policy.clone();
        older.as_object_mut().unwrap().remove("time_zone");
        assert_eq!(api(older).await.unwrap().status(), StatusCode::OK);
        assert_eq!(app.db.practice_time_zone(org.id).await.unwrap().unwrap().name(), "America/Chicago");
        let mut moved = policy;
        moved["time_zone"] = "America/Phoenix".into();
        let moved: serde_json::Value = api(moved).await.unwrap().json().await.unwrap();
        assert_eq!(moved["time_zone"], "America/Phoenix");
    }

    async fn the_emailed_link_opens_in_the_language_of_the_email(app) {
        let org = front_desk(&app).await;
        let address = format!("lucia.{}@example.org", uuid::Uuid::new_v4().simple());
        let extra = format!(r#","telecom":[{{"system":"email","value":"{address}"}}],"communication":[{{"language":{{"coding":[{{"code":"es"}}]}}}}]"#);
        import_patients(&app, &org, &[("p1", "Lucia", "Rivera", "1961-04-09", &extra)]).await;
        let page = patient_page(&app, &org, "Rivera", "Lucia").await;
        let invited = app.client.post(app.url(&format!("{page}/invite"))).form(&[("channel", "email"), ("email", address.as_str())]).send().await.unwrap();
        assert!(invited.status().is_success() || invited.status().is_redirection(), "{}", invited.status());
        let mail = app.mail.wait_for(&address, "Cree su cuenta en el portal de pacientes de Maple Street Clinic").await;
        let prefix = format!("{}/enroll/", app.base_url);
        let start = mail.text.find(&prefix).expect("a link");
        let link = mail.text[start..].split_whitespace().next().unwrap().to_owned();
        assert!(link.ends_with("?lang=es"), "{link}");
        assert!(mail.html.contains(&format!("href=\"{link}\"")), "{}", mail.html);

        // A phone set to English opens it: the pages that follow are in Spanish.
        let phone = patient_browser();
        let opened = phone.get(&link).header(header::ACCEPT_LANGUAGE, "en-US,en").send().await.unwrap();
        assert!(opened.status().is_redirection() || opened.status().is_success(), "{}", opened.status());
        let cookies: Vec<_> = opened.headers().get_all(header::SET_COOKIE).iter().map(|v| v.to_str().unwrap().to_owned()).collect();
        assert!(cookies.iter().any(|c| c.starts_with("porchlight_lang=es;")), "{cookies:?}");
        let identity = phone.get(app.url("/enroll/identity")).header(header::ACCEPT_LANGUAGE, "en-US,en").send().await.unwrap().text().await.unwrap();
        assert!(identity.contains("<html lang=\"es\">"), "{identity}");
        // Any page named with its language: the header's switch comes back to it without
        // the link's language, which would undo the switch.
        let named = patient_browser().get(app.url("/activate?lang=es")).send().await.unwrap().text().await.unwrap();
        assert!(named.contains("<html lang=\"es\">") && named.contains("/language/en?back=/activate\""), "{named}");
    }
}

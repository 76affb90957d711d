//! The patient's pages in Spanish: chosen by the browser's language or the switch in the
//! header, with the rules' messages in Spanish too; the staff console stays in English.

use reqwest::{StatusCode, header};

use crate::{
    fixtures::{activate, front_desk, import_patients, patient_page, printed_code},
    harness::{TestApp, each_backend},
};

/// A patient's browser that asks for Spanish.
fn spanish_browser() -> reqwest::Client {
    let mut headers = header::HeaderMap::new();
    headers.insert(
        header::ACCEPT_LANGUAGE,
        "es-MX,es;q=0.9,en;q=0.5".parse().unwrap(),
    );
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .default_headers(headers)
        .build()
        .unwrap()
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
}

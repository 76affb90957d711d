//! The HTTP skeleton: health, readiness, metrics, request ids, security headers, pages.

use crate::harness::each_backend;

each_backend! {
    async fn health_and_readiness_answer(app) {
        let health = app.get("/healthz").await;
        assert_eq!(health.status(), 200);
        assert_eq!(health.text().await.unwrap(), "ok");
        let ready = app.get("/readyz").await;
        assert_eq!(ready.status(), 200);
        assert_eq!(ready.text().await.unwrap(), "ready");
        app.stop().await;
    }

    async fn readiness_fails_when_the_database_is_gone(app) {
        app.db.close().await;
        let ready = app.get("/readyz").await;
        assert_eq!(ready.status(), 503);
        // The process itself is still up.
        assert_eq!(app.get("/healthz").await.status(), 200);
    }

    async fn metrics_count_requests_by_route(app) {
        for _ in 0..3 {
            app.get("/healthz").await;
        }
        app.get("/no-such-page-123").await;
        let metrics = app.get("/metrics").await.text().await.unwrap();
        let healthz = metrics
            .lines()
            .find(|l| l.starts_with("http_requests_total") && l.contains("route=\"/healthz\""))
            .expect("a counter for /healthz");
        let count: f64 = healthz.rsplit(' ').next().unwrap().parse().unwrap();
        assert!(count >= 3.0, "{healthz}");
        assert!(
            metrics.contains("http_request_duration_seconds_bucket{"),
            "latencies are recorded, in a histogram's buckets"
        );
        assert!(
            !metrics.contains("no-such-page-123"),
            "concrete paths never become labels: {metrics}"
        );
    }

    async fn every_response_has_a_request_id_and_security_headers(app) {
        for path in ["/", "/healthz", "/nothing-here"] {
            let response = app.get(path).await;
            let headers = response.headers();
            let id = headers.get("x-request-id").expect("a request id").to_str().unwrap();
            assert_eq!(id.len(), 36, "a UUID: {id}");
            let csp = headers["content-security-policy"].to_str().unwrap();
            assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"));
            assert!(!csp.contains("unsafe-inline"));
            assert_eq!(headers["x-content-type-options"], "nosniff");
            assert_eq!(headers["x-frame-options"], "DENY");
            assert_eq!(headers["referrer-policy"], "same-origin");
            // Plain HTTP: no HSTS.
            assert!(headers.get("strict-transport-security").is_none());
        }
    }

    async fn sign_in_cookies_are_http_only_and_same_site_and_not_secure_over_http(app) {
        let org = crate::fixtures::clinic(&app).await;
        crate::fixtures::add_staff(&app, org.id, "dana", domain::Role::FrontDesk).await;
        let signed_in = crate::fixtures::sign_in(&app, &org, "dana", crate::fixtures::STAFF_PASSWORD).await;
        let cookies = set_cookies(&signed_in);
        assert_eq!(cookies.len(), 2, "the session and the device: {cookies:?}");
        for cookie in &cookies {
            assert!(cookie.contains("; HttpOnly") && cookie.contains("; SameSite=Lax"), "{cookie}");
            assert!(!cookie.contains("Secure"), "plain HTTP: {cookie}");
        }
        assert!(cookies.iter().any(|c| c.starts_with("porchlight_device=") && c.contains("Max-Age=")));
    }

    async fn sign_in_cookies_are_secure_when_the_portal_is_served_over_https(app, |s: &mut porchlight::settings::Settings| {
        s.base_url = "https://portal.example.org".to_owned();
    }) {
        let org = crate::fixtures::clinic(&app).await;
        crate::fixtures::add_staff(&app, org.id, "dana", domain::Role::FrontDesk).await;
        let signed_in = crate::fixtures::sign_in(&app, &org, "dana", crate::fixtures::STAFF_PASSWORD).await;
        let cookies = set_cookies(&signed_in);
        assert_eq!(cookies.len(), 2, "{cookies:?}");
        for cookie in &cookies {
            assert!(cookie.contains("; HttpOnly") && cookie.contains("; SameSite=Lax") && cookie.ends_with("; Secure"), "{cookie}");
        }
    }

    async fn the_landing_page_explains_the_portal_in_plain_language(app) {
        app.db
            .create_organization("clinic", "Maple Street Clinic", Some("(555) 010-4477"))
            .await
            .unwrap();
        let response = app.get("/").await;
        assert_eq!(response.status(), 200);
        assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
        let page = response.text().await.unwrap();
        assert!(page.contains("<html lang=\"en\">"));
        assert!(page.contains("Maple Street Clinic"));
        assert!(page.contains("How to sign up"));
        assert!(page.contains("Need help?"));
        assert!(page.contains("href=\"tel:(555) 010-4477\""));
        assert!(!page.contains("<script"), "no inline script on the landing page");
    }

    async fn unknown_pages_get_a_helpful_404(app) {
        let response = app.get("/does/not/exist").await;
        assert_eq!(response.status(), 404);
        let page = response.text().await.unwrap();
        assert!(page.contains("We could not find that page"));
        assert!(page.contains("href=\"/\""));
    }
}

#[tokio::test]
async fn hsts_is_sent_when_the_portal_is_served_over_https() {
    let dir = tempfile::tempdir().unwrap();
    let settings = porchlight::settings::RawSettings {
        database_url: Some(format!("sqlite://{}/p.db", dir.path().display())),
        bind: Some("127.0.0.1:0".into()),
        base_url: Some("https://portal.example.org".into()),
        secret_key: Some(crate::harness::TEST_SECRET_KEY.into()),
        ..Default::default()
    }
    .validate()
    .unwrap();
    let db = porchlight::open_database(&settings).await.unwrap();
    let server = porchlight::server::start(&settings, db).await.unwrap();
    let response = reqwest::get(format!("http://{}/healthz", server.addr))
        .await
        .unwrap();
    let hsts = response.headers()["strict-transport-security"]
        .to_str()
        .unwrap();
    assert!(hsts.starts_with("max-age="), "{hsts}");
    server.shutdown().await.unwrap();
}

/// The `Set-Cookie` values of a response.
fn set_cookies(response: &reqwest::Response) -> Vec<String> {
    response
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .map(|value| value.to_str().unwrap().to_owned())
        .collect()
}

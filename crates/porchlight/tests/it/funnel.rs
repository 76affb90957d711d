//! The enrollment funnel, as a page and as JSON, and the OpenAPI document that describes it.

use reqwest::{StatusCode, header};

use crate::{
    fixtures::{
        activate, enrolled_patient, front_desk, import_patients, patient_browser, patient_page,
        printed_code,
    },
    harness::each_backend,
};

each_backend! {
    async fn the_funnel_counts_each_stage_and_the_side_exits(app) {
        let org = front_desk(&app).await;
        let email = r#","telecom":[{"system":"email","value":"luis@example.org"}]"#;
        import_patients(&app, &org, &[
            ("p1", "Lucia", "Rivera", "1961-04-09", ""),
            ("p2", "Luis", "Rivera", "1990-01-02", email),
            ("p3", "Ana", "Rivera", "1985-03-03", ""),
        ]).await;
        enrolled_patient(&app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;
        let luis = patient_page(&app, &org, "Rivera", "Luis").await;
        let invited = app.client.post(app.url(&format!("{luis}/invite")))
            .form(&[("channel", "email"), ("email", "luis@example.org")]).send().await.unwrap();
        assert_eq!(invited.status(), StatusCode::SEE_OTHER);
        let ana = patient_page(&app, &org, "Rivera", "Ana").await;
        let code = printed_code(&app, &ana).await;
        let browser = patient_browser();
        activate(&app, &browser, &code).await;
        browser.post(app.url("/enroll/identity"))
            .form(&[("given", "Ana"), ("family", "Rivera"), ("birth_month", "3"), ("birth_day", "4"), ("birth_year", "1985")])
            .send().await.unwrap();

        let report: serde_json::Value = app.get("/api/v1/enrollment/funnel").await.json().await.unwrap();
        let counts: Vec<(String, u64)> = report["stages"].as_array().unwrap().iter()
            .map(|s| (s["stage"].as_str().unwrap().to_owned(), s["count"].as_u64().unwrap()))
            .collect();
        let expected = [("invited", 3), ("opened", 2), ("identity-verified", 1), ("credentials-set", 1), ("terms-accepted", 1), ("active", 1)];
        assert_eq!(counts, expected.map(|(s, n)| (s.to_owned(), n)).to_vec(), "{report}");
        let opened_drop = report["stages"][1]["drop_off"].as_f64().unwrap();
        assert!((opened_drop - 1.0 / 3.0).abs() < 1e-9, "{report}");
        assert_eq!(report["side_exits"]["mismatched"], 1);
        assert_eq!(report["side_exits"]["locked"], 0);

        // A range before any invitation counts nothing.
        let empty: serde_json::Value = app.get("/api/v1/enrollment/funnel?from=2020-01-01&to=2020-01-31").await.json().await.unwrap();
        assert_eq!(empty["stages"][0]["count"], 0);
        assert_eq!(empty["from"], "2020-01-01");

        // Bad ranges are named by their parameter.
        let bad = app.get("/api/v1/enrollment/funnel?from=11/01/2026").await;
        assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let bad: serde_json::Value = bad.json().await.unwrap();
        assert!(bad["fields"]["from"].as_str().unwrap().contains("YYYY-MM-DD"), "{bad}");
        assert_eq!(bad["code"], "invalid");
        let backwards = app.get("/staff/enrollment?from=2026-11-20&to=2026-11-01").await;
        assert_eq!(backwards.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(backwards.text().await.unwrap().contains("id=\"range-error\""));

        let page = app.get("/staff/enrollment").await.text().await.unwrap();
        assert!(page.contains("<td>Active account</td><td>1</td>"), "{page}");
        // Each step's bar is its share of those invited: 3 invited, 2 opened, 1 active.
        assert!(page.contains("<td>Opened the invitation</td><td>2</td><td class=\"bar-cell\"><svg class=\"bar\" width=\"100%\" height=\"18\" aria-hidden=\"true\" focusable=\"false\"><rect width=\"66%\""), "{page}");
        assert!(page.contains("<rect width=\"33%\" height=\"18\"></rect></svg></td><td>0%</td>"), "{page}");

        // Without a staff session: no numbers.
        let anonymous = patient_browser().get(app.url("/api/v1/enrollment/funnel")).send().await.unwrap();
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
        assert!(anonymous.headers()[header::CONTENT_TYPE].to_str().unwrap().starts_with("application/json"));
    }

    async fn the_openapi_document_describes_the_api(app) {
        let doc = app.get("/api/openapi.json").await;
        assert_eq!(doc.status(), StatusCode::OK);
        let doc: serde_json::Value = doc.json().await.unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3."), "{doc}");
        let funnel = &doc["paths"]["/api/v1/enrollment/funnel"]["get"];
        let params: Vec<&str> = funnel["parameters"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
        assert_eq!(params, ["from", "to"]);
        assert!(funnel["responses"]["422"].is_object());
        assert!(doc["components"]["schemas"]["FunnelReport"].is_object());
        assert_eq!(doc["components"]["securitySchemes"]["staff_session"]["in"], "cookie");
    }
}

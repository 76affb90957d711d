//! Test results (issue 14): the list, newest first and grouped by report, and one result's
//! page with its value, unit, normal range, flag in words and the same test over time; with
//! generated observations and the Synthea bundles, on both databases.

use domain::{PatientId, PatientScope};
use reqwest::StatusCode;
use serde_json::{Value, json};
use storage::{Organization, RequestOrigin};

use crate::{
    fixtures::{
        activate, enrolled_patient, enrolled_synthea_patient, finish_enrollment, front_desk,
        import_patients, import_synthea, page_text, patient_browser, patient_page, printed_code,
        spanish_browser,
    },
    harness::{TestApp, each_backend},
};

/// An observation of `patient` (a `urn:uuid:` id of the bundle).
struct Obs<'a> {
    id: &'a str,
    patient: &'a str,
    category: &'a str,
    code: &'a str,
    display: &'a str,
    at: &'a str,
    value: Value,
    unit: &'a str,
    range: Option<(Option<f64>, Option<f64>)>,
    flag: Option<&'a str>,
}

fn observation(o: &Obs<'_>) -> Value {
    let mut resource = json!({
        "resourceType": "Observation",
        "id": o.id,
        "status": "final",
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": o.category}]}],
        "code": {"coding": [{"system": "http://loinc.org", "code": o.code, "display": o.display}], "text": o.display},
        "subject": {"reference": format!("Patient/{}", o.patient)},
        "effectiveDateTime": o.at,
    });
    match &o.value {
        Value::Number(n) => {
            resource["valueQuantity"] = json!({"value": n, "unit": o.unit, "system": "http://unitsofmeasure.org", "code": o.unit});
        }
        Value::Array(parts) => {
            resource["component"] = parts
                .iter()
                .map(|v| json!({"code": {"coding": [{"code": "x"}]}, "valueQuantity": {"value": v, "unit": o.unit}}))
                .collect();
        }
        _ => {}
    }
    if let Some((low, high)) = o.range {
        let mut range = json!({});
        if let Some(low) = low {
            range["low"] = json!({"value": low, "unit": o.unit});
        }
        if let Some(high) = high {
            range["high"] = json!({"value": high, "unit": o.unit});
        }
        resource["referenceRange"] = json!([range]);
    }
    if let Some(flag) = o.flag {
        resource["interpretation"] = json!([{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "code": flag}]}]);
    }
    json!({"fullUrl": format!("urn:uuid:{}", o.id), "resource": resource})
}

fn report(id: &str, patient: &str, display: &str, at: &str, results: &[&str]) -> Value {
    json!({"fullUrl": format!("urn:uuid:{id}"), "resource": {
        "resourceType": "DiagnosticReport",
        "id": id,
        "status": "final",
        "category": [{"coding": [{"code": "LAB"}]}],
        "code": {"coding": [{"system": "http://loinc.org", "code": "51990-0", "display": display}]},
        "subject": {"reference": format!("Patient/{patient}")},
        "effectiveDateTime": at,
        "issued": at,
        "result": results.iter().map(|r| json!({"reference": format!("urn:uuid:{r}")})).collect::<Vec<_>>(),
    }})
}

async fn import(app: &TestApp, org: &Organization, entries: Vec<Value>) {
    let bundle = json!({"resourceType": "Bundle", "type": "collection", "entry": entries});
    let mut report = fhir::ImportReport::default();
    fhir::Importer::new(&app.db, org.id, &app.settings.secret_key)
        .import_bundle_text(
            std::path::Path::new("results.json"),
            &bundle.to_string(),
            &mut report,
        )
        .await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
}

#[allow(clippy::too_many_arguments)]
fn obs<'a>(
    id: &'a str,
    patient: &'a str,
    category: &'a str,
    (code, display): (&'a str, &'a str),
    at: &'a str,
    value: Value,
    unit: &'a str,
    range: Option<(Option<f64>, Option<f64>)>,
    flag: Option<&'a str>,
) -> Value {
    observation(&Obs {
        id,
        patient,
        category,
        code,
        display,
        at,
        value,
        unit,
        range,
        flag,
    })
}

const A1C: (&str, &str) = ("4548-4", "Hemoglobin A1c");
const GLUCOSE: (&str, &str) = ("2345-7", "Glucose");
const POTASSIUM: (&str, &str) = ("2823-3", "Potassium");

/// Lucia Rivera's results: three A1c values over a year (a trend), a metabolic panel with a
/// critical glucose and a low potassium, a visit's vital signs, and a survey (not a result).
/// Marisol Otero has an LDL of her own.
async fn lucia_and_marisol(app: &TestApp, org: &Organization) {
    import_patients(
        app,
        org,
        &[
            ("pa", "Lucia", "Rivera", "1961-04-09", ""),
            ("pb", "Marisol", "Otero", "1987-03-14", ""),
        ],
    )
    .await;
    let lab = "laboratory";
    let vital = "vital-signs";
    let a1c_range = Some((None, Some(5.7)));
    import(
        app,
        org,
        vec![
            obs(
                "a1c-1",
                "pa",
                lab,
                A1C,
                "2024-01-10T09:00:00Z",
                json!(6.8),
                "%",
                a1c_range,
                None,
            ),
            obs(
                "a1c-2",
                "pa",
                lab,
                A1C,
                "2024-06-10T09:00:00Z",
                json!(7.2),
                "%",
                a1c_range,
                Some("H"),
            ),
            obs(
                "a1c-3",
                "pa",
                lab,
                A1C,
                "2025-01-09T09:00:00Z",
                json!(5.5),
                "%",
                a1c_range,
                None,
            ),
            obs(
                "glu",
                "pa",
                lab,
                GLUCOSE,
                "2025-01-10T09:00:00Z",
                json!(250),
                "mg/dL",
                Some((Some(70.0), Some(99.0))),
                Some("HH"),
            ),
            obs(
                "k",
                "pa",
                lab,
                POTASSIUM,
                "2025-01-10T09:00:00Z",
                json!(3.1),
                "mmol/L",
                Some((Some(3.5), Some(5.1))),
                None,
            ),
            report(
                "bmp",
                "pa",
                "Basic metabolic panel",
                "2025-01-10T09:00:00Z",
                &["glu", "k"],
            ),
            obs(
                "bp",
                "pa",
                vital,
                ("85354-9", "Blood pressure"),
                "2025-02-01T15:30:00Z",
                json!([120, 80]),
                "mm[Hg]",
                None,
                None,
            ),
            obs(
                "wt",
                "pa",
                vital,
                ("29463-7", "Body weight"),
                "2025-02-01T15:30:00Z",
                json!(80.5),
                "kg",
                None,
                None,
            ),
            obs(
                "smoke",
                "pa",
                "survey",
                ("72166-2", "Tobacco smoking status"),
                "2025-02-01T15:30:00Z",
                Value::Null,
                "",
                None,
                None,
            ),
            obs(
                "ldl",
                "pb",
                lab,
                ("18262-6", "Cholesterol in LDL"),
                "2025-03-01T09:00:00Z",
                json!(190),
                "mg/dL",
                Some((None, Some(100.0))),
                None,
            ),
        ],
    )
    .await;
}

/// The hrefs of the result links on a page, in order.
fn result_links(html: &str) -> Vec<String> {
    html.split("href=\"/results/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(|id| format!("/results/{id}"))
        .collect()
}

/// The link of the result named `name` (the first on the page).
fn link_of(html: &str, name: &str) -> String {
    let at = html
        .find(&format!(">{name}</a>"))
        .unwrap_or_else(|| panic!("{name} in {html}"));
    let before = &html[..at];
    let start = before.rfind("href=\"").unwrap() + 6;
    before[start..].split('"').next().unwrap().to_owned()
}

async fn scope_of(app: &TestApp, org: &Organization, family: &str, given: &str) -> PatientScope {
    let page = patient_page(app, org, family, given).await;
    let id = PatientId::from_uuid(page.rsplit('/').next().unwrap().parse().unwrap());
    PatientScope::new(org.id, id)
}

each_backend! {
    async fn the_list_is_newest_first_grouped_by_report_with_flags_in_words(app) {
        let org = front_desk(&app).await;
        lucia_and_marisol(&app, &org).await;
        let lucia = enrolled_patient(&app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;

        let list = page_text(&lucia, &app, "/results").await;
        let panel = list.find("Basic metabolic panel").unwrap();
        for vital in ["Vital signs", "Blood pressure", "120/80 mmHg", "Body weight", "80.5 kg"] {
            assert!(list[..panel].contains(vital), "{vital} before the panel: {list}");
        }
        let order = ["Basic metabolic panel", "Glucose", "250 mg/dL", "Critical", "Potassium", "3.1 mmol/L",
            "Low", "Hemoglobin A1c", "5.5 %", "Normal", "7.2 %", "High", "6.8 %", "High"];
        let mut from = 0;
        for text in order {
            let at = list[from..].find(text).unwrap_or_else(|| panic!("{text} after {from} in {list}"));
            from += at + text.len();
        }
        // The panel is one group: its two results under one heading.
        assert_eq!(list.matches("Basic metabolic panel").count(), 1);
        assert_eq!(list.matches("<li class=\"result-group\">").count(), 5, "{list}");
        assert!(!list.contains("Tobacco"), "a survey is not a test result");
        assert!(!list.contains("LDL") && !list.contains("190 mg/dL"), "another patient's result: {list}");
        assert_eq!(result_links(&list).len(), 7);
        assert!(!list.contains("older-results"), "one page");
        assert!(list.contains("href=\"/results\""), "the menu links the page");
    }

    async fn a_report_groups_results_imported_before_or_after_it_and_its_correction_counts(app) {
        let org = front_desk(&app).await;
        import_patients(&app, &org, &[("pa", "Lucia", "Rivera", "1961-04-09", "")]).await;
        let lucia = enrolled_patient(&app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;
        let at = "2025-01-10T09:00:00Z";
        // The report comes first, naming results that are not in the portal yet (as a
        // FHIR server's export lists them: `Observation/<id>`).
        let mut panel = report("bmp", "pa", "Basic metabolic panel", at, &[]);
        panel["resource"]["result"] = json!([{"reference": "Observation/glu"}, {"reference": "Observation/k"}]);
        import(&app, &org, vec![panel.clone()]).await;
        import(&app, &org, vec![
            obs("k", "pa", "laboratory", POTASSIUM, at, json!(3.1), "mmol/L", None, None),
            obs("glu", "pa", "laboratory", GLUCOSE, at, json!(250), "mg/dL", None, None),
        ]).await;
        let list = page_text(&lucia, &app, "/results").await;
        let heading = list.find("Basic metabolic panel").unwrap_or_else(|| panic!("{list}"));
        let (glucose, potassium) = (list.find("250 mg/dL").unwrap(), list.find("3.1 mmol/L").unwrap());
        assert!(heading < glucose && glucose < potassium, "under the report, in its order: {list}");
        assert_eq!(list.matches("<li class=\"result-group\">").count(), 1, "{list}");

        // Corrected to list the potassium alone, under a new name: the glucose stands on its
        // own, and the list names the report as it is now.
        panel["resource"]["result"] = json!([{"reference": "Observation/k"}]);
        panel["resource"]["code"]["coding"][0]["display"] = json!("Basic metabolic panel, repeated");
        import(&app, &org, vec![panel]).await;
        let list = page_text(&lucia, &app, "/results").await;
        assert_eq!(list.matches("<li class=\"result-group\">").count(), 2, "{list}");
        let heading = list.find("Basic metabolic panel, repeated").unwrap_or_else(|| panic!("{list}"));
        assert!(list[heading..].find("3.1 mmol/L").is_some_and(|k| !list[heading..heading + k].contains("250 mg/dL")), "{list}");
    }

    async fn a_result_shows_its_value_range_flag_and_the_same_test_over_time(app) {
        let org = front_desk(&app).await;
        lucia_and_marisol(&app, &org).await;
        let lucia = enrolled_patient(&app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;
        let list = page_text(&lucia, &app, "/results").await;

        let glucose = page_text(&lucia, &app, &link_of(&list, "Glucose")).await;
        assert!(glucose.contains("<h1>Glucose</h1>"), "{glucose}");
        assert!(glucose.contains("250 mg/dL"));
        assert!(glucose.contains("70 to 99 mg/dL"));
        assert!(glucose.contains("Critical: far outside the normal range"));
        assert!(!glucose.contains("id=\"trend\""), "one value: no trend");

        let potassium = page_text(&lucia, &app, &link_of(&list, "Potassium")).await;
        assert!(potassium.contains("3.5 to 5.1 mmol/L") && potassium.contains(">Low<"), "{potassium}");

        let a1c = page_text(&lucia, &app, &link_of(&list, "Hemoglobin A1c")).await;
        assert!(a1c.contains("5.5 %") && a1c.contains("Below 5.7 %") && a1c.contains(">Normal<"), "{a1c}");
        // The trend: an SVG drawn on the server, named for screen readers, and its table.
        assert!(a1c.contains("<svg class=\"trend\" id=\"trend\""), "{a1c}");
        assert!(a1c.contains("role=\"img\"") && a1c.contains("<title id=\"trend-title\">"));
        assert!(a1c.contains("3 results from January 10, 2024 to January 9, 2025. Lowest 5.5, highest 7.2, latest 5.5."), "{a1c}");
        assert_eq!(a1c.matches("<polyline").count(), 1);
        assert_eq!(a1c.matches("<circle").count(), 3);
        let table = &a1c[a1c.find("id=\"trend-table\"").unwrap()..];
        let (newest, middle, oldest) = (table.find("5.5 %").unwrap(), table.find("7.2 %").unwrap(), table.find("6.8 %").unwrap());
        assert!(newest < middle && middle < oldest, "newest first: {table}");
        assert_eq!(table.matches(">High<").count(), 2, "both above the range: {table}");
        assert!(!a1c.contains("<script"), "no JavaScript");

        // Blood pressure has no single number: its values, no chart.
        let bp = page_text(&lucia, &app, &link_of(&list, "Blood pressure")).await;
        assert!(bp.contains("120/80 mmHg") && bp.contains("No normal range given"), "{bp}");

        // In Spanish.
        let spanish = spanish_browser();
        let spanish_list = {
            let page = printed_code(&app, &patient_page(&app, &org, "Otero", "Marisol").await).await;
            assert_eq!(activate(&app, &spanish, &page).await.status(), StatusCode::SEE_OTHER);
            finish_enrollment(&app, &spanish, ("Marisol", "Otero"), ("3", "14", "1987"), "marisol.o").await;
            page_text(&spanish, &app, "/results").await
        };
        assert!(spanish_list.contains("Sus resultados de análisis"), "{spanish_list}");
        let ldl = page_text(&spanish, &app, &link_of(&spanish_list, "Cholesterol in LDL")).await;
        assert!(ldl.contains("Menos de 100 mg/dL") && ldl.contains(">Alto<"), "{ldl}");
    }

    async fn another_patients_result_is_the_same_not_found_as_none(app) {
        let org = front_desk(&app).await;
        lucia_and_marisol(&app, &org).await;
        let lucia = enrolled_patient(&app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;
        let marisol = scope_of(&app, &org, "Otero", "Marisol").await;
        let hers = app.db.test_results(&marisol, 0, &RequestOrigin::default()).await.unwrap();
        let ldl = hers.groups[0].results[0].id;

        let theirs = lucia.get(app.url(&format!("/results/{ldl}"))).send().await.unwrap();
        assert_eq!(theirs.status(), StatusCode::NOT_FOUND);
        let theirs = theirs.text().await.unwrap();
        assert!(!theirs.contains("LDL") && !theirs.contains("190 mg/dL"));
        let unknown = uuid::Uuid::now_v7();
        let none = lucia.get(app.url(&format!("/results/{unknown}"))).send().await.unwrap();
        assert_eq!(none.status(), StatusCode::NOT_FOUND);
        // The same answer, but for the address it repeats (the language switch's way back).
        let none = none.text().await.unwrap().replace(&unknown.to_string(), "ID");
        assert_eq!(none, theirs.replace(&ldl.to_string(), "ID"), "the same answer");
        let garbage = lucia.get(app.url("/results/not-an-id")).send().await.unwrap();
        assert_eq!(garbage.status(), StatusCode::NOT_FOUND);
        // Without a session: the sign-in page.
        let anonymous = patient_browser().get(app.url(&format!("/results/{ldl}"))).send().await.unwrap();
        assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
    }

    async fn no_results_and_pages_of_fifty(app) {
        let org = front_desk(&app).await;
        import_patients(&app, &org, &[("pa", "Lucia", "Rivera", "1961-04-09", "")]).await;
        let lucia = enrolled_patient(&app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;
        let empty = page_text(&lucia, &app, "/results").await;
        assert!(empty.contains("You have no test results in the portal yet."), "{empty}");

        // 60 weights, a day apart: 50 on the first page, 10 on the second.
        let ids: Vec<String> = (0..60).map(|i| format!("w{i:02}")).collect();
        let days: Vec<String> = (0..60).map(|i| format!("2024-{:02}-{:02}T08:00:00Z", 1 + i / 28, 1 + i % 28)).collect();
        let entries = (0..60)
            .map(|i| obs(&ids[i], "pa", "vital-signs", ("29463-7", "Body weight"), &days[i], json!(70 + i), "kg", None, None))
            .collect();
        import(&app, &org, entries).await;
        let first = page_text(&lucia, &app, "/results").await;
        assert_eq!(result_links(&first).len(), 50);
        assert!(first.contains("129 kg") && !first.contains(">79 kg"), "newest first");
        assert!(first.contains("href=\"/results?page=2\""), "{first}");
        let second = page_text(&lucia, &app, "/results?page=2").await;
        assert_eq!(result_links(&second).len(), 10);
        assert!(second.contains(">70 kg") || second.contains("70 kg"));
        assert!(second.contains("href=\"/results?page=1\"") && !second.contains("page=3"));
        let beyond = page_text(&lucia, &app, "/results?page=9").await;
        assert!(beyond.contains("There are no more test results."));
        let nonsense = page_text(&lucia, &app, "/results?page=abc").await;
        assert_eq!(result_links(&nonsense).len(), 50, "the first page");
        // A weight's trend: the newest 40 values.
        let weight = page_text(&lucia, &app, &result_links(&first)[0]).await;
        assert_eq!(weight.matches("<circle").count(), 40);
    }
}

mod synthea {
    use super::*;

    each_backend! {
        needs synthea;

        async fn a_synthea_patient_reads_panels_and_vital_signs(app) {
            let org = front_desk(&app).await;
            import_synthea(&app, &org, &["patient-02.json"]).await;
            // Antonio Castellanos, born June 8, 1991.
            let antonio = enrolled_synthea_patient(&app, &org, ("Antonio", "Castellanos"), ("6", "8", "1991"), "antonio.c").await;

            let list = page_text(&antonio, &app, "/results").await;
            // Two blood counts, each a group of its 11 results; vital signs grouped by visit.
            assert_eq!(list.matches("Complete blood count (hemogram) panel").count(), 2, "{list}");
            assert!(list.contains("Vital signs") && list.contains("Body Mass Index"));
            assert!(list.contains("Blood Pressure") && list.contains("mmHg"));
            assert!(!list.contains("Tobacco smoking status"), "a survey is not a result");
            let cbc = list.find("Complete blood count").unwrap();
            let group = &list[cbc..cbc + list[cbc..].find("</ul>").unwrap()];
            assert_eq!(group.matches("<li>").count(), 11, "{group}");
            // Newest first: 2019's blood count before 2013's.
            let years: Vec<usize> = [", 2019", ", 2013"].iter().map(|d| list.find(d).expect(d)).collect();
            assert!(years[0] < years[1]);

            // Body weight was measured three times: a trend of three.
            let weight = page_text(&antonio, &app, &link_of(&list, "Body Weight")).await;
            assert_eq!(weight.matches("<circle").count(), 3, "{weight}");
            assert!(weight.contains("role=\"img\"") && weight.contains("id=\"trend-table\""));
        }
    }
}

/// Real Chromium: the list and a result with its trend, in English and Spanish, at a phone's
/// width and a desktop's; axe-clean, nothing wider than the screen, photographed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(porchlight_browser),
    ignore = "browser tests skipped: chromedriver is not installed"
)]
async fn results_pages_fit_a_phone_and_pass_axe_in_both_languages() {
    use crate::{
        browser::{
            Driver, assert_nothing_scrolls_sideways, check_page, photograph, scroll_to, submit,
            type_into, wait_for_heading,
        },
        fixtures::PATIENT_PASSWORD,
        harness::Backend,
    };

    let app = TestApp::spawn(Backend::Sqlite).await;
    let org = front_desk(&app).await;
    lucia_and_marisol(&app, &org).await;
    let lucia = enrolled_patient(&app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;
    let list = page_text(&lucia, &app, "/results").await;
    let a1c = link_of(&list, "Hemoglobin A1c");
    let glucose = link_of(&list, "Glucose");

    let driver = Driver::start().await;
    let profile = tempfile::tempdir().unwrap();
    let client = driver.browser(profile.path()).await;
    client.set_window_size(320, 720).await.unwrap();
    client.goto(&app.url("/sign-in")).await.unwrap();
    type_into(&client, "username", "lucia.r").await;
    type_into(&client, "password", PATIENT_PASSWORD).await;
    submit(&client).await;
    wait_for_heading(&client, "Hello, Lucia").await;

    for (lang, results_title) in [("en", "Your test results"), ("es", "Sus resultados")] {
        if lang == "es" {
            client
                .goto(&app.url("/language/es?back=/results"))
                .await
                .unwrap();
        }
        check_page(&client, &app.url("/results"), &format!("{lang}-results")).await;
        assert_nothing_scrolls_sideways(&client, "results").await;
        let page = client.source().await.unwrap();
        assert!(page.contains(results_title), "{page}");
        check_page(&client, &app.url(&a1c), &format!("{lang}-result-trend")).await;
        assert_nothing_scrolls_sideways(&client, "result").await;
        // What the test measures, then the line about the care team.
        scroll_to(&client, "#explanation").await;
        photograph(&client, &format!("{lang}-result-explanation-phone")).await;
        scroll_to(&client, "#trend").await;
        photograph(&client, &format!("{lang}-result-trend-phone-chart")).await;
        scroll_to(&client, "#trend-table").await;
        photograph(&client, &format!("{lang}-result-trend-phone-table")).await;
        check_page(
            &client,
            &app.url(&glucose),
            &format!("{lang}-result-critical"),
        )
        .await;
        assert_nothing_scrolls_sideways(&client, "result").await;
    }
}

/// What a common test measures (issue 14, point 2): imported from the Synthea data, a body
/// weight (a code with an explanation) and a stool test (one without), in both languages.
mod explanations {
    use super::*;

    /// The link of the first result named `name` on the first pages of the list.
    async fn find_link(client: &reqwest::Client, app: &TestApp, name: &str) -> String {
        for page in 1..=5 {
            let list = page_text(client, app, &format!("/results?page={page}")).await;
            if list.contains(&format!(">{name}</a>")) {
                return link_of(&list, name);
            }
        }
        panic!("no {name} in the first five pages of results");
    }

    each_backend! {
        needs synthea;

        async fn a_common_test_says_what_it_measures_and_another_only_to_ask(app) {
            let org = front_desk(&app).await;
            import_synthea(&app, &org, &["patient-41.json"]).await;
            // Louie Jast, born March 1, 1950.
            let louie = enrolled_synthea_patient(&app, &org, ("Louie", "Jast"), ("3", "1", "1950"), "louie.j").await;

            // Body weight (LOINC 29463-7): what it measures, then the care team line.
            let weight = find_link(&louie, &app, "Body Weight").await;
            let english = page_text(&louie, &app, &weight).await;
            assert!(english.contains("<h2 id=\"explain-heading\">What this test measures</h2>"), "{english}");
            let text = "<p id=\"explain-text\">This is how much your body weighs. Changes in weight over time can tell your care team about your health.";
            assert!(english.contains(text), "{english}");
            let ask = "<p id=\"explain-ask\">Ask your care team what your result means for you.</p>";
            assert!(english.contains(ask), "{english}");
            assert!(english.find(text) < english.find(ask), "the explanation, then the line");
            assert_eq!(english.matches("id=\"explain-ask\"").count(), 1);
            // The same page in Spanish.
            let spanish = page_text(&louie, &app, &format!("{weight}?lang=es")).await;
            assert!(spanish.contains(">Lo que mide este análisis</h2>"), "{spanish}");
            assert!(spanish.contains(">Es cuánto pesa su cuerpo. Los cambios de peso con el tiempo"), "{spanish}");
            assert!(spanish.contains(">Pregunte a su equipo de atención qué significa su resultado para usted.</p>"), "{spanish}");
            assert!(!spanish.contains("What this test measures") && !spanish.contains("how much your body weighs"));

            // A stool test (57905-2) has no explanation: only the care team line, in Spanish
            // (the language stays chosen) and in English.
            let stool_name = "Hemoglobin.gastrointestinal [Presence] in Stool by Immunologic method";
            let stool = find_link(&louie, &app, stool_name).await;
            let spanish = page_text(&louie, &app, &stool).await;
            assert!(spanish.contains(">Pregunte a su equipo de atención qué significa su resultado para usted.</p>"), "{spanish}");
            assert!(!spanish.contains("explain-heading") && !spanish.contains("explain-text"), "{spanish}");
            let english = page_text(&louie, &app, &format!("{stool}?lang=en")).await;
            assert!(english.contains(ask), "{english}");
            assert!(!english.contains("What this test measures") && !english.contains("explain-text"), "{english}");
        }
    }
}

//! Visits, procedures, care plans and goals (issue 14): upcoming appointments before past
//! visits, newest first and paged; one visit with what was recorded at it; procedures; care
//! plans and goals. With hand-written resources and the Synthea bundles, on both databases:
//! the right values and order, empty states, the audit, and another patient's never.

use reqwest::StatusCode;
use storage::Organization;

use crate::{
    fixtures::{
        CLINIC_PHONE, activate, between, enrolled_patient, enrolled_synthea_patient,
        finish_enrollment, front_desk, import_patients, import_resources, import_synthea, in_order,
        page_text, patient_browser, patient_page, printed_code, spanish_browser,
    },
    harness::{TestApp, each_backend},
};

/// Lucía Rivera's chart id in the generated bundles.
const LUCIA: &str = "9a1d2f40-0000-4000-8000-000000000001";
/// Tomás Rivera, whose visits Lucía must never see.
const TOMAS: &str = "9a1d2f40-0000-4000-8000-000000000002";

/// A finished encounter of `patient`, with the JSON members `extra`.
fn encounter(id: &str, patient: &str, class: &str, kind: &str, start: &str, extra: &str) -> String {
    format!(
        r#"{{"resourceType":"Encounter","id":"{id}","status":"finished",
        "class":{{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"{class}"}},
        "type":[{{"coding":[{{"system":"http://snomed.info/sct","code":"1","display":"{kind}"}}],"text":"{kind}"}}],
        "subject":{{"reference":"Patient/{patient}"}},
        "period":{{"start":"{start}","end":"{start}"}}{extra}}}"#
    )
}

/// An appointment of `patient` with a doctor and a place.
fn appointment(id: &str, patient: &str, status: &str, start: &str, what: &str) -> String {
    format!(
        r#"{{"resourceType":"Appointment","id":"{id}","status":"{status}","description":"{what}",
        "start":"{start}","end":"{start}",
        "participant":[{{"actor":{{"reference":"Patient/{patient}"}},"status":"accepted"}},
          {{"actor":{{"reference":"Practitioner/p1","display":"Dr. Ana Ortiz"}},"status":"accepted"}},
          {{"actor":{{"reference":"Location/l1","display":"Maple Street Clinic, Room 2"}},"status":"accepted"}}]}}"#
    )
}

/// A resource of `patient` recorded at `visit`: `kind` is its type, `code` the member that
/// names it, `extra` the rest.
fn at_visit(
    kind: &str,
    id: &str,
    patient: &str,
    visit: &str,
    code: &str,
    name: &str,
    extra: &str,
) -> String {
    let subject = if matches!(kind, "Immunization") {
        "patient"
    } else {
        "subject"
    };
    format!(
        r#"{{"resourceType":"{kind}","id":"{id}",
        "{code}":{{"coding":[{{"system":"http://snomed.info/sct","code":"{id}","display":"{name}"}}],"text":"{name}"}},
        "{subject}":{{"reference":"Patient/{patient}"}},"encounter":{{"reference":"urn:uuid:{visit}"}}{extra}}}"#
    )
}

/// A procedure of `patient` (at no visit).
fn procedure(id: &str, patient: &str, status: &str, name: &str, done: &str) -> String {
    format!(
        r#"{{"resourceType":"Procedure","id":"{id}","status":"{status}",
        "code":{{"coding":[{{"system":"http://snomed.info/sct","code":"{id}","display":"{name}"}}],"text":"{name}"}},
        "subject":{{"reference":"Patient/{patient}"}},"performedDateTime":"{done}"}}"#
    )
}

/// Lucía and Tomás Rivera, imported; the front desk is signed in.
async fn two_patients(app: &TestApp) -> Organization {
    let org = front_desk(app).await;
    import_patients(
        app,
        &org,
        &[
            (LUCIA, "Lucia", "Rivera", "1961-04-09", ""),
            (TOMAS, "Tomas", "Rivera", "1958-11-02", ""),
        ],
    )
    .await;
    org
}

/// Lucía's three visits and four appointments (two to come, one cancelled, one past); one
/// visit and one appointment of Tomás.
async fn lucias_visits(app: &TestApp, org: &Organization) {
    let seen = r#","participant":[{"individual":{"reference":"Practitioner/p1","display":"Dr. Ana Ortiz"}}],
        "location":[{"location":{"reference":"Location/l1","display":"Maple Street Clinic, Room 2"}}],
        "reasonCode":[{"coding":[{"system":"http://snomed.info/sct","code":"10509002","display":"Acute bronchitis (disorder)"}]}]"#;
    import_resources(app, org, &[
        encounter("e-office", LUCIA, "AMB", "Encounter for symptom (procedure)", "2024-03-05T15:00:00Z", seen),
        encounter("e-er", LUCIA, "EMER", "Emergency room admission (procedure)", "2025-01-10T15:00:00Z",
            r#","serviceProvider":{"reference":"Organization/o2","display":"County Hospital"}"#),
        encounter("e-stay", LUCIA, "IMP", "Hospital admission (procedure)", "2023-06-01T15:00:00Z", ""),
        encounter("e-tomas", TOMAS, "AMB", "Encounter for check up (procedure)", "2025-02-01T15:00:00Z",
            r#","reasonCode":[{"text":"Gout flare"}]"#),
        appointment("a-later", LUCIA, "booked", "2099-05-01T15:00:00Z", "Yearly checkup"),
        appointment("a-sooner", LUCIA, "booked", "2098-03-01T15:00:00Z", "Blood pressure check"),
        appointment("a-cancelled", LUCIA, "cancelled", "2097-01-01T15:00:00Z", "Cancelled visit"),
        appointment("a-past", LUCIA, "booked", "2020-01-01T15:00:00Z", "Old appointment"),
        appointment("a-tomas", TOMAS, "booked", "2096-01-01T15:00:00Z", "Foot exam"),
        // Recorded at the office visit.
        at_visit("Condition", "c-office", LUCIA, "e-office", "code", "Acute bronchitis (disorder)",
            r#","clinicalStatus":{"coding":[{"code":"resolved"}]},"onsetDateTime":"2024-03-05T15:00:00Z""#),
        at_visit("Observation", "o-office", LUCIA, "e-office", "code", "Glucose",
            r#","status":"final","category":[{"coding":[{"code":"laboratory"}]}],"effectiveDateTime":"2024-03-05T15:10:00Z",
            "valueQuantity":{"value":250,"unit":"mg/dL"},"referenceRange":[{"low":{"value":70},"high":{"value":99}}]"#),
        at_visit("MedicationRequest", "m-office", LUCIA, "e-office", "medicationCodeableConcept",
            "Amoxicillin 500 MG Oral Capsule", r#","status":"completed","intent":"order","authoredOn":"2024-03-05T15:20:00Z""#),
        at_visit("Immunization", "i-office", LUCIA, "e-office", "vaccineCode", "Influenza, seasonal, injectable",
            r#","status":"completed","occurrenceDateTime":"2024-03-05T15:30:00Z""#),
        at_visit("Procedure", "p-office", LUCIA, "e-office", "code", "Spirometry (procedure)",
            r#","status":"completed","performedDateTime":"2024-03-05T15:40:00Z""#),
        // Recorded at the emergency visit: not the office visit's.
        at_visit("Observation", "o-er", LUCIA, "e-er", "code", "Potassium",
            r#","status":"final","category":[{"coding":[{"code":"laboratory"}]}],"effectiveDateTime":"2025-01-10T15:10:00Z",
            "valueQuantity":{"value":3.1,"unit":"mmol/L"}"#),
        // Tomás's.
        at_visit("Condition", "c-tomas", TOMAS, "e-tomas", "code", "Gout (disorder)",
            r#","clinicalStatus":{"coding":[{"code":"active"}]},"onsetDateTime":"2025-02-01T15:00:00Z""#),
    ]).await;
}

/// The hrefs of the visit links on a page, in order.
fn visit_links(html: &str) -> Vec<String> {
    html.split("href=\"/visits/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(|id| format!("/visits/{id}"))
        .collect()
}

/// The link whose text starts with `text`.
fn link_of(html: &str, text: &str) -> String {
    let at = html
        .find(&format!(">{text}"))
        .unwrap_or_else(|| panic!("{text} in {html}"));
    let before = &html[..at];
    let start = before.rfind("href=\"").unwrap() + 6;
    before[start..].split('"').next().unwrap().to_owned()
}

/// The actions audited since `head`.
async fn audited_since(app: &TestApp, head: i64) -> Vec<String> {
    app.db
        .audit_since(head)
        .await
        .unwrap()
        .into_iter()
        .filter(|row| row.actor_kind == "patient")
        .map(|row| row.action)
        .collect()
}

/// Signs in a Spanish-speaking browser as Tomás.
async fn tomas_in_spanish(app: &TestApp, org: &Organization) -> reqwest::Client {
    let spanish = spanish_browser();
    let code = printed_code(app, &patient_page(app, org, "Rivera", "Tomas").await).await;
    assert_eq!(
        activate(app, &spanish, &code).await.status(),
        StatusCode::SEE_OTHER
    );
    finish_enrollment(
        app,
        &spanish,
        ("Tomas", "Rivera"),
        ("11", "2", "1958"),
        "tomas.r",
    )
    .await;
    spanish
}

each_backend! {
    async fn upcoming_appointments_come_first_then_past_visits_newest_first(app) {
        let org = two_patients(&app).await;
        lucias_visits(&app, &org).await;
        let lucia = enrolled_patient(&app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;

        let head = app.db.audit_head().await.unwrap();
        let page = page_text(&lucia, &app, "/visits").await;
        assert_eq!(audited_since(&app, head).await, ["patient.visits"]);
        let upcoming = between(&page, "id=\"upcoming\"", "Past visits");
        in_order(upcoming, &["March 1, 2098", "Blood pressure check", "Dr. Ana Ortiz", "Maple Street Clinic, Room 2",
            "May 1, 2099", "Yearly checkup"]);
        assert_eq!(upcoming.matches("<li>").count(), 2, "{upcoming}");
        assert!(!page.contains("Cancelled visit"), "a cancelled one is not coming up");
        assert!(!page.contains("Old appointment"), "a past appointment is not coming up");
        let past = between(&page, "Past visits", "</main>");
        in_order(past, &[
            "January 10, 2025: Emergency visit", "County Hospital",
            "March 5, 2024: Office visit", "Acute bronchitis", "Dr. Ana Ortiz", "Maple Street Clinic, Room 2",
            "June 1, 2023: Hospital stay",
        ]);
        assert!(!past.contains("(disorder)"), "no terminology tags: {past}");
        assert_eq!(visit_links(&page).len(), 3);
        assert!(!page.contains("older-visits"), "one page");
        for theirs in ["Foot exam", "Gout", "February 1, 2025", "2096"] {
            assert!(!page.contains(theirs), "Tomás's {theirs}: {page}");
        }

        // Tomás, in Spanish: his own, in his language.
        let tomas = tomas_in_spanish(&app, &org).await;
        let his = page_text(&tomas, &app, "/visits").await;
        assert!(his.contains("Sus consultas") && his.contains("Próximas consultas"), "{his}");
        assert!(his.contains("Foot exam") && his.contains("Consulta en el consultorio") && his.contains("Gout flare"), "{his}");
        assert!(!his.contains("bronchitis") && !his.contains("Yearly checkup"), "{his}");
    }

    async fn a_visit_lists_what_was_recorded_at_it(app) {
        let org = two_patients(&app).await;
        lucias_visits(&app, &org).await;
        let lucia = enrolled_patient(&app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;
        let list = page_text(&lucia, &app, "/visits").await;

        let office = link_of(&list, "March 5, 2024");
        let head = app.db.audit_head().await.unwrap();
        let visit = page_text(&lucia, &app, &office).await;
        assert_eq!(audited_since(&app, head).await, ["patient.visit"]);
        assert!(visit.contains("<h1>Office visit</h1>"), "{visit}");
        in_order(&visit, &["March 5, 2024", "Acute bronchitis", "Dr. Ana Ortiz", "Maple Street Clinic, Room 2"]);
        let problems = between(&visit, "id=\"visit-problems\"", "</ul>");
        assert!(problems.contains("<li>Acute bronchitis</li>"), "{problems}");
        let results = between(&visit, "id=\"visit-results\"", "</ul>");
        assert!(results.contains(">Glucose</a>") && results.contains("250 mg/dL") && results.contains(">High<"), "{results}");
        assert!(!visit.contains("Potassium"), "another visit's result: {visit}");
        assert!(between(&visit, "id=\"visit-medicines\"", "</ul>").contains("Amoxicillin 500 MG Oral Capsule"));
        assert!(between(&visit, "id=\"visit-vaccines\"", "</ul>").contains("Influenza, seasonal, injectable"));
        assert!(between(&visit, "id=\"visit-procedures\"", "</ul>").contains("<li>Spirometry</li>"));
        assert!(!visit.contains("nothing-recorded"));
        // The result links to its page.
        let glucose = page_text(&lucia, &app, &link_of(&visit, "Glucose")).await;
        assert!(glucose.contains("<h1>Glucose</h1>") && glucose.contains("70 to 99 mg/dL"), "{glucose}");

        // The hospital stay: nothing else recorded, said in words.
        let stay = page_text(&lucia, &app, &link_of(&list, "June 1, 2023")).await;
        assert!(stay.contains("<h1>Hospital stay</h1>") && stay.contains("Nothing else from this visit is in your record."), "{stay}");
        let er = page_text(&lucia, &app, &link_of(&list, "January 10, 2025")).await;
        assert!(er.contains("Potassium") && er.contains("3.1 mmol/L") && !er.contains("Glucose"), "{er}");
    }

    async fn another_patients_visit_is_the_same_not_found_as_none(app) {
        let org = two_patients(&app).await;
        lucias_visits(&app, &org).await;
        let lucia = enrolled_patient(&app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;
        let tomas = tomas_in_spanish(&app, &org).await;
        let his = page_text(&tomas, &app, "/visits").await;
        let his_visit = visit_links(&his)[0].clone();
        assert!(page_text(&tomas, &app, &his_visit).await.contains("Gout"));

        let theirs = lucia.get(app.url(&his_visit)).send().await.unwrap();
        assert_eq!(theirs.status(), StatusCode::NOT_FOUND);
        let theirs = theirs.text().await.unwrap();
        assert!(!theirs.contains("Gout"), "{theirs}");
        let unknown = uuid::Uuid::now_v7();
        let none = lucia.get(app.url(&format!("/visits/{unknown}"))).send().await.unwrap();
        assert_eq!(none.status(), StatusCode::NOT_FOUND);
        let his_id = his_visit.trim_start_matches("/visits/");
        assert_eq!(
            none.text().await.unwrap().replace(&unknown.to_string(), "ID"),
            theirs.replace(his_id, "ID"),
            "the same answer"
        );
        for junk in ["/visits/not-an-id", "/visits/12", "/visits/0193a5b2-0000-7000-8000-00000000000g"] {
            let answer = lucia.get(app.url(junk)).send().await.unwrap();
            assert_eq!(answer.status(), StatusCode::NOT_FOUND, "{junk}");
        }
        let anonymous = patient_browser().get(app.url(&his_visit)).send().await.unwrap();
        assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
    }

    async fn no_visits_in_plain_words_and_pages_of_twenty(app) {
        let org = two_patients(&app).await;
        let lucia = enrolled_patient(&app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;
        let empty = page_text(&lucia, &app, "/visits").await;
        assert!(empty.contains("No upcoming visits. To book one, call the practice:"), "{empty}");
        assert!(empty.contains(&format!("href=\"tel:{CLINIC_PHONE}\"")), "{empty}");
        assert!(empty.contains("No past visits on file."), "{empty}");

        // 45 office visits, a day apart in 2024: 20, 20 and 5.
        let visits: Vec<String> = (0..45)
            .map(|i| encounter(&format!("v{i:02}"), LUCIA, "AMB", "Encounter for check up",
                &format!("2024-{:02}-{:02}T15:00:00Z", 1 + i / 28, 1 + i % 28), ""))
            .collect();
        import_resources(&app, &org, &visits).await;
        let first = page_text(&lucia, &app, "/visits").await;
        assert_eq!(visit_links(&first).len(), 20);
        in_order(&first, &["February 17, 2024", "February 16, 2024"]);
        assert!(first.contains("href=\"/visits?page=2\"") && !first.contains("rel=\"prev\""), "{first}");
        let second = page_text(&lucia, &app, "/visits?page=2").await;
        assert_eq!(visit_links(&second).len(), 20);
        assert!(!second.contains("Visits coming up"), "appointments on the first page only");
        assert!(second.contains("href=\"/visits?page=1\"") && second.contains("href=\"/visits?page=3\""));
        let third = page_text(&lucia, &app, "/visits?page=3").await;
        assert_eq!(visit_links(&third).len(), 5);
        assert!(third.contains("January 1, 2024") && !third.contains("page=4"), "{third}");
        let beyond = page_text(&lucia, &app, "/visits?page=9").await;
        assert!(beyond.contains("There are no more past visits."), "{beyond}");
        for junk in ["abc", "0", "-1", "99999999999"] {
            let page = page_text(&lucia, &app, &format!("/visits?page={junk}")).await;
            assert_eq!(visit_links(&page), visit_links(&first), "page={junk} is the first page");
        }
    }

    async fn procedures_are_newest_first_without_terminology_tags(app) {
        let org = two_patients(&app).await;
        let lucia = enrolled_patient(&app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;
        let empty = page_text(&lucia, &app, "/procedures").await;
        assert!(empty.contains("There are no procedures in your record."), "{empty}");

        import_resources(&app, &org, &[
            procedure("p1", LUCIA, "completed", "Appendectomy (procedure)", "2010-05-02T15:00:00Z"),
            procedure("p2", LUCIA, "completed", "Colonoscopy (procedure)", "2022-09-14T15:00:00Z"),
            procedure("p3", LUCIA, "not-done", "Knee replacement (procedure)", "2023-01-01T15:00:00Z"),
            procedure("p4", LUCIA, "completed", "Dental cleaning", "2018-02-20T15:00:00Z"),
            procedure("p5", TOMAS, "completed", "Hip replacement (procedure)", "2021-01-01T15:00:00Z"),
        ]).await;
        let head = app.db.audit_head().await.unwrap();
        let page = page_text(&lucia, &app, "/procedures").await;
        assert_eq!(audited_since(&app, head).await, ["patient.procedures"]);
        in_order(&page, &["Colonoscopy", "September 14, 2022", "Dental cleaning", "February 20, 2018",
            "Appendectomy", "May 2, 2010"]);
        assert!(!page.contains("(procedure)"), "{page}");
        assert!(!page.contains("Knee replacement"), "not done");
        assert!(!page.contains("Hip replacement"), "Tomás's");
        assert!(!page.contains("more-procedures"));

        // More than 200: the newest 200, and a note.
        let many: Vec<String> = (0..200)
            .map(|i| procedure(&format!("q{i:03}"), LUCIA, "completed", &format!("Blood draw {i}"),
                &format!("2024-{:02}-{:02}T15:00:00Z", 1 + i / 28 % 12, 1 + i % 28)))
            .collect();
        import_resources(&app, &org, &many).await;
        let page = page_text(&lucia, &app, "/procedures").await;
        assert_eq!(between(&page, "id=\"procedures\"", "</ol>").matches("<li>").count(), 200);
        assert!(page.contains("Only the newest 200 are shown here."), "{page}");
        assert!(!page.contains("Appendectomy"), "the oldest is left out");
    }

    async fn care_plans_and_goals_in_force_come_first(app) {
        let org = two_patients(&app).await;
        let lucia = enrolled_patient(&app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;
        let empty = page_text(&lucia, &app, "/care-plans").await;
        assert!(empty.contains("There are no care plans in your record.") && empty.contains("There are no goals in your record."), "{empty}");

        let plan = |id: &str, patient: &str, status: &str, name: &str, period: &str, activities: &[&str]| {
            let activities: Vec<String> = activities.iter()
                .map(|a| format!(r#"{{"detail":{{"code":{{"coding":[{{"system":"http://snomed.info/sct","code":"1","display":"{a}"}}]}},"status":"in-progress"}}}}"#))
                .collect();
            format!(r#"{{"resourceType":"CarePlan","id":"{id}","status":"{status}","intent":"order",
                "category":[{{"coding":[{{"system":"http://snomed.info/sct","code":"1","display":"{name}"}}],"text":"{name}"}}],
                "subject":{{"reference":"Patient/{patient}"}},"period":{period},"activity":[{}]}}"#, activities.join(","))
        };
        let goal = |id: &str, patient: &str, status: &str, text: &str| format!(
            r#"{{"resourceType":"Goal","id":"{id}","lifecycleStatus":"{status}","description":{{"text":"{text}"}},
            "subject":{{"reference":"Patient/{patient}"}}}}"#);
        import_resources(&app, &org, &[
            plan("cp1", LUCIA, "completed", "Wound care", r#"{"start":"2013-01-04T15:00:00Z","end":"2013-02-01T15:00:00Z"}"#,
                &["Dressing change management", "Behavior to prevent infection"]),
            plan("cp2", LUCIA, "active", "Diabetes self management plan", r#"{"start":"2020-04-01T15:00:00Z"}"#,
                &["Diabetic diet", "Exercise therapy"]),
            plan("cp3", LUCIA, "completed", "Respiratory therapy", r#"{"start":"2018-03-01T15:00:00Z","end":"2018-04-01T15:00:00Z"}"#, &[]),
            plan("cp4", TOMAS, "active", "Gout care plan", r#"{"start":"2021-01-01T15:00:00Z"}"#, &["Low purine diet"]),
            goal("g1", LUCIA, "completed", "Hemoglobin A1c total in Blood < 7.0"),
            goal("g2", LUCIA, "active", "Maintain blood pressure below 140/90 mm[Hg]"),
            goal("g3", LUCIA, "proposed", "Walk 30 minutes a day"),
            goal("g4", TOMAS, "active", "Lower uric acid"),
        ]).await;
        let head = app.db.audit_head().await.unwrap();
        let page = page_text(&lucia, &app, "/care-plans").await;
        assert_eq!(audited_since(&app, head).await, ["patient.care-plans"]);
        let plans = between(&page, "id=\"care-plans\"", "id=\"goals-heading\"");
        in_order(plans, &[
            "Diabetes self management plan", "In use now", "Since April 1, 2020", "Diabetic diet", "Exercise therapy",
            "Respiratory therapy", "Done", "March 1, 2018 to April 1, 2018",
            "Wound care", "Done", "January 4, 2013 to February 1, 2013", "Dressing change management", "Behavior to prevent infection",
        ]);
        let goals = between(&page, "id=\"goals\"", "</ol>");
        in_order(goals, &["Maintain blood pressure below 140/90", "Working on it", "Walk 30 minutes a day", "Not started yet",
            "Hemoglobin A1c total in Blood", "Done"]);
        for theirs in ["Gout", "Low purine", "uric acid"] {
            assert!(!page.contains(theirs), "Tomás's {theirs}");
        }
        let tomas = tomas_in_spanish(&app, &org).await;
        let his = page_text(&tomas, &app, "/care-plans").await;
        assert!(his.contains("Sus planes de cuidado y metas") && his.contains("Gout care plan") && his.contains("En uso ahora")
            && his.contains("Trabajando en ella"), "{his}");
    }
}

mod synthea {
    use super::*;

    each_backend! {
        needs synthea;

        async fn a_synthea_patients_visits_procedures_and_care_plan(app) {
            let org = front_desk(&app).await;
            import_synthea(&app, &org, &["patient-02.json"]).await;
            // Antonio Castellanos, born June 8, 1991.
            let antonio = enrolled_synthea_patient(&app, &org, ("Antonio", "Castellanos"), ("6", "8", "1991"), "antonio.c").await;

            let visits = page_text(&antonio, &app, "/visits").await;
            assert!(visits.contains("No upcoming visits."), "{visits}");
            assert_eq!(visit_links(&visits).len(), 6, "{visits}");
            in_order(&visits, &["2019: Office visit", "2017: Office visit", "Acute viral pharyngitis",
                "2016: Office visit", "2013: Office visit", "2013: Emergency visit", "2009: Office visit"]);
            assert!(!visits.contains("(disorder)"));

            // The emergency visit: the wound sutured.
            let er = page_text(&antonio, &app, &link_of(&visits, "January 4, 2013")).await;
            assert!(er.contains("<h1>Emergency visit</h1>"), "{er}");
            // Who and where: named by reference alone, found in the practice's directory
            // (the bundle's Practitioner and Organization), the hospital's capitals undone.
            assert!(er.contains("Dr. Isaac Upton") && er.contains("Saint Anne"), "{er}");
            assert!(!er.contains("SAINT ANNE"), "{er}");
            assert!(between(&er, "id=\"visit-procedures\"", "</ul>").contains("Suture open wound"), "{er}");
            // The 2019 check-up: vital signs and vaccines among what was recorded.
            let checkup = page_text(&antonio, &app, &visit_links(&visits)[0]).await;
            assert!(checkup.contains("id=\"visit-results\"") && checkup.contains("Body Weight"), "{checkup}");
            assert!(checkup.contains("href=\"/results/"));

            let procedures = page_text(&antonio, &app, "/procedures").await;
            in_order(&procedures, &["Documentation of current medications", "Suture open wound", "January 4, 2013"]);
            let plans = page_text(&antonio, &app, "/care-plans").await;
            in_order(&plans, &["Wound care", "Done", "Dressing change management", "Behavior to prevent infection"]);
            assert!(plans.contains("There are no goals in your record."), "{plans}");
        }
    }
}

/// Real Chromium: the visits, a visit, procedures and care plans in English and Spanish, at a
/// phone's width and a desktop's; axe-clean, nothing wider than the screen, photographed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(porchlight_browser),
    ignore = "browser tests skipped: chromedriver is not installed"
)]
async fn visit_pages_fit_a_phone_and_pass_axe_in_both_languages() {
    use crate::{
        browser::{
            Driver, assert_nothing_scrolls_sideways, check_page, photograph, scroll_to, submit,
            type_into, wait_for_heading,
        },
        fixtures::PATIENT_PASSWORD,
        harness::Backend,
    };

    let app = TestApp::spawn(Backend::Sqlite).await;
    let org = two_patients(&app).await;
    lucias_visits(&app, &org).await;
    import_resources(&app, &org, &[
        procedure("p1", LUCIA, "completed", "Colonoscopy (procedure)", "2022-09-14T15:00:00Z"),
        format!(r#"{{"resourceType":"CarePlan","id":"cp1","status":"active","intent":"order",
            "category":[{{"text":"Diabetes self management plan"}}],"subject":{{"reference":"Patient/{LUCIA}"}},
            "period":{{"start":"2020-04-01T15:00:00Z"}},"activity":[{{"detail":{{"code":{{"text":"Diabetic diet"}}}}}}]}}"#),
        format!(r#"{{"resourceType":"Goal","id":"g1","lifecycleStatus":"active","description":{{"text":"Walk 30 minutes a day"}},
            "subject":{{"reference":"Patient/{LUCIA}"}}}}"#),
    ]).await;
    let lucia = enrolled_patient(&app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;
    let list = page_text(&lucia, &app, "/visits").await;
    let office = link_of(&list, "March 5, 2024");
    let pages = [
        ("/visits".to_owned(), "visits", "#past"),
        (office, "visit", "#visit-results"),
        ("/procedures".to_owned(), "procedures", "#procedures"),
        ("/care-plans".to_owned(), "care-plans", "#goals"),
    ];

    let driver = Driver::start().await;
    let profile = tempfile::tempdir().unwrap();
    let client = driver.browser(profile.path()).await;
    client.goto(&app.url("/sign-in")).await.unwrap();
    type_into(&client, "username", "lucia.r").await;
    type_into(&client, "password", PATIENT_PASSWORD).await;
    submit(&client).await;
    wait_for_heading(&client, "Hello, Lucia").await;

    for lang in ["en", "es"] {
        if lang == "es" {
            client
                .goto(&app.url("/language/es?back=/home"))
                .await
                .unwrap();
        }
        for (page, name, part) in &pages {
            check_page(&client, &app.url(page), &format!("{lang}-record-{name}")).await;
            assert_nothing_scrolls_sideways(&client, name).await;
            scroll_to(&client, part).await;
            photograph(&client, &format!("{lang}-record-{name}-phone-part")).await;
        }
    }
}

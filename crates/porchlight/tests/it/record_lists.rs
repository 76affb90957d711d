//! The lists of the patient's record (issue 14): medicines, allergies, health problems and
//! vaccines. Each page shows the signed-in
//! patient's own entries in the order a patient expects, in English and Spanish, says so when
//! there are none, and never shows another patient's.

use storage::Organization;

use crate::{
    fixtures::{
        between, enrolled_patient, enrolled_synthea_patient, front_desk, import_patients,
        import_resources, import_synthea, page_text,
    },
    harness::{TestApp, each_backend},
};

/// An allergy of `patient`, with the JSON members `extra` (`"reaction"`, `"criticality"`...).
fn allergy(
    id: &str,
    patient: &str,
    status: &str,
    name: &str,
    recorded: &str,
    extra: &str,
) -> String {
    format!(
        r#"{{"resourceType":"AllergyIntolerance","id":"{id}",
        "clinicalStatus":{{"coding":[{{"system":"http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical","code":"{status}"}}]}},
        "code":{{"coding":[{{"system":"http://snomed.info/sct","code":"{id}","display":"{name}"}}],"text":"{name}"}},
        "patient":{{"reference":"Patient/{patient}"}},"recordedDate":"{recorded}"{extra}}}"#
    )
}

/// A health problem of `patient`, with the JSON members `extra` (`"abatementDateTime"`...).
fn condition(
    id: &str,
    patient: &str,
    status: &str,
    name: &str,
    onset: &str,
    extra: &str,
) -> String {
    format!(
        r#"{{"resourceType":"Condition","id":"{id}",
        "clinicalStatus":{{"coding":[{{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"{status}"}}]}},
        "code":{{"coding":[{{"system":"http://snomed.info/sct","code":"{id}","display":"{name}"}}],"text":"{name}"}},
        "subject":{{"reference":"Patient/{patient}"}},"onsetDateTime":"{onset}"{extra}}}"#
    )
}

/// A vaccine given to `patient` (or not, by `status`).
fn immunization(id: &str, patient: &str, status: &str, name: &str, given: &str) -> String {
    format!(
        r#"{{"resourceType":"Immunization","id":"{id}","status":"{status}",
        "vaccineCode":{{"coding":[{{"system":"http://hl7.org/fhir/sid/cvx","code":"{id}","display":"{name}"}}],"text":"{name}"}},
        "patient":{{"reference":"Patient/{patient}"}},"occurrenceDateTime":"{given}"}}"#
    )
}

/// Lucía Rivera's chart id in the generated bundles.
const LUCIA: &str = "7c1d2f40-0000-4000-8000-000000000001";
/// Another patient of the practice, whose entries Lucía must never see.
const TOMAS: &str = "7c1d2f40-0000-4000-8000-000000000002";

/// A medication request for `patient`, with the JSON members `extra` (`"dosageInstruction"`,
/// `"requester"`...).
fn medication(
    id: &str,
    patient: &str,
    status: &str,
    name: &str,
    authored: &str,
    extra: &str,
) -> String {
    format!(
        r#"{{"resourceType":"MedicationRequest","id":"{id}","status":"{status}","intent":"order",
        "medicationCodeableConcept":{{"coding":[{{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"{id}","display":"{name}"}}],"text":"{name}"}},
        "subject":{{"reference":"Patient/{patient}"}},"authoredOn":"{authored}"{extra}}}"#
    )
}

/// Lucía Rivera (born 1961) and Tomás Rivera, imported; the front desk is signed in.
async fn practice_with_two_patients(app: &TestApp) -> Organization {
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

/// Where `needle` first is in `page`, which must hold it.
fn at(page: &str, needle: &str) -> usize {
    page.find(needle)
        .unwrap_or_else(|| panic!("{needle} in the page"))
}

each_backend! {
    async fn medicines_show_active_ones_first_newest_first_with_how_to_take_them(app) {
        let org = practice_with_two_patients(&app).await;
        let prescriber = r#","requester":{"reference":"Practitioner/p1","display":"Dr. Ana Ortiz"}"#;
        import_resources(&app, &org, &[
            medication("m1", LUCIA, "active", "Metformin 500 MG Oral Tablet", "2024-03-05T12:00:00Z",
                &format!(r#"{prescriber},"dosageInstruction":[{{"text":"Take 1 tablet by mouth twice a day with food"}}]"#)),
            medication("m2", LUCIA, "active", "Lisinopril 10 MG Oral Tablet", "2025-06-10T12:00:00Z",
                r#","dosageInstruction":[{"timing":{"repeat":{"frequency":1,"period":1,"periodUnit":"d"}},"asNeededBoolean":false}]"#),
            medication("m3", LUCIA, "stopped", "Amoxicillin 500 MG Oral Capsule", "2023-01-20T12:00:00Z",
                r#","dosageInstruction":[{"timing":{"repeat":{"frequency":1,"period":8,"periodUnit":"h"}}}]"#),
            medication("m4", LUCIA, "completed", "Naproxen sodium 220 MG Oral Tablet", "2024-11-02T12:00:00Z",
                r#","dosageInstruction":[{"asNeededBoolean":true}]"#),
            medication("m5", TOMAS, "active", "Warfarin 5 MG Oral Tablet", "2025-01-01T12:00:00Z", ""),
        ]).await;
        let lucia = enrolled_patient(&app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;

        let page = page_text(&lucia, &app, "/medicines").await;
        assert!(page.contains("Your medicines"), "{page}");
        let now = between(&page, "Medicines you take now", "Medicines you took before");
        // Active ones, newest first.
        assert!(at(now, "Lisinopril") < at(now, "Metformin"), "{now}");
        assert!(now.contains("Take it once a day."), "{now}");
        assert!(now.contains("Take 1 tablet by mouth twice a day with food"), "{now}");
        assert!(now.contains("Dr. Ana Ortiz"), "{now}");
        assert!(now.contains("March 5, 2024"), "{now}");
        assert!(now.contains("June 10, 2025"), "{now}");
        assert!(!now.contains("Naproxen") && !now.contains("Amoxicillin"), "{now}");
        // Past ones under their own heading, newest first.
        let before = between(&page, "Medicines you took before", "</main>");
        assert!(at(before, "Naproxen") < at(before, "Amoxicillin"), "{before}");
        assert!(before.contains("Take it only when you need it."), "{before}");
        assert!(before.contains("Take it every 8 hours."), "{before}");
        // Another patient's, never.
        assert!(!page.contains("Warfarin"), "Tomás's medicine on Lucía's page");

        // In Spanish.
        lucia.get(app.url("/language/es?back=/medicines")).send().await.unwrap();
        let page = page_text(&lucia, &app, "/medicines").await;
        assert!(page.contains("Sus medicamentos"), "{page}");
        assert!(page.contains("Medicamentos que toma ahora"), "{page}");
        assert!(page.contains("Medicamentos que tomó antes"), "{page}");
        assert!(page.contains("Tómelo una vez al día."), "{page}");
        assert!(page.contains("Tómelo cada 8 horas."), "{page}");
        assert!(page.contains("Tómelo solo cuando lo necesite."), "{page}");
        assert!(page.contains("5 de marzo de 2024"), "{page}");
        assert!(!page.contains("Warfarin"));
    }

    async fn medicines_say_so_when_there_are_none(app) {
        let org = practice_with_two_patients(&app).await;
        import_resources(&app, &org, &[
            medication("m5", TOMAS, "active", "Warfarin 5 MG Oral Tablet", "2025-01-01T12:00:00Z", ""),
        ]).await;
        let lucia = enrolled_patient(&app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;
        let page = page_text(&lucia, &app, "/medicines").await;
        assert!(page.contains("There are no medicines in your record."), "{page}");
        assert!(!page.contains("Warfarin"));

        // Only past ones: the page says there are none now, and lists the past ones.
        import_resources(&app, &org, &[
            medication("m6", LUCIA, "stopped", "Acetaminophen 325 MG Oral Tablet", "2020-02-02T12:00:00Z", ""),
        ]).await;
        let page = page_text(&lucia, &app, "/medicines").await;
        assert!(page.contains("Your record has no medicines that you take now."), "{page}");
        assert!(page.contains("Acetaminophen"), "{page}");
        assert!(page.contains("Ask the practice how to take it."), "{page}");
    }

    async fn allergies_show_reactions_and_risk_in_words_current_ones_first(app) {
        let org = practice_with_two_patients(&app).await;
        import_resources(&app, &org, &[
            allergy("a1", LUCIA, "active", "Allergy to grass pollen", "2019-05-01T12:00:00Z",
                r#","criticality":"low","reaction":[{"manifestation":[{"text":"Sneezing"}],"description":"Sneezing and itchy eyes","severity":"mild"}]"#),
            allergy("a2", LUCIA, "active", "Allergy to penicillin", "2010-02-03T12:00:00Z",
                r#","criticality":"high","reaction":[{"manifestation":[{"coding":[{"display":"Hives"}]}],"severity":"moderate"},{"manifestation":[{"text":"Swelling"}],"severity":"severe"}]"#),
            allergy("a3", LUCIA, "resolved", "Allergy to eggs", "2001-07-07T12:00:00Z", r#","criticality":"low""#),
            allergy("a4", LUCIA, "active", "Allergy to latex", "2020-01-01T12:00:00Z",
                r#","verificationStatus":{"coding":[{"code":"entered-in-error"}]}"#),
            allergy("a5", TOMAS, "active", "Allergy to peanuts", "2020-01-01T12:00:00Z", r#","criticality":"high""#),
        ]).await;
        let lucia = enrolled_patient(&app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;

        let page = page_text(&lucia, &app, "/allergies").await;
        assert!(page.contains("Your allergies"), "{page}");
        let now = between(&page, "id=\"allergies-now\"", "Allergies you no longer have");
        // The high-risk one first, said in words.
        assert!(at(now, "penicillin") < at(now, "grass pollen"), "{now}");
        assert!(now.contains("High: a reaction could be dangerous"), "{now}");
        assert!(now.contains("Severe"), "the worst of its reactions: {now}");
        assert!(now.contains("Hives"), "{now}");
        assert!(now.contains("Sneezing and itchy eyes"), "{now}");
        assert!(now.contains("Mild") && now.contains("Low"), "{now}");
        assert!(now.contains("May 1, 2019"), "{now}");
        let before = between(&page, "Allergies you no longer have", "</main>");
        assert!(before.contains("Allergy to eggs"), "{before}");
        assert!(before.contains("Not written down"), "{before}");
        assert!(!page.contains("latex"), "an allergy entered in error");
        assert!(!page.contains("peanuts"), "Tomás's allergy on Lucía's page");
        assert!(!page.contains("No known allergies"), "{page}");

        lucia.get(app.url("/language/es?back=/allergies")).send().await.unwrap();
        let page = page_text(&lucia, &app, "/allergies").await;
        assert!(page.contains("Sus alergias"), "{page}");
        assert!(page.contains("Alto: una reacción podría ser peligrosa"), "{page}");
        assert!(page.contains("Grave") && page.contains("Leve"), "{page}");
        assert!(page.contains("Alergias que ya no tiene"), "{page}");
        assert!(page.contains("1 de mayo de 2019"), "{page}");
    }

    async fn allergies_say_no_known_allergies_when_there_are_none(app) {
        let org = practice_with_two_patients(&app).await;
        import_resources(&app, &org, &[
            allergy("a5", TOMAS, "active", "Allergy to peanuts", "2020-01-01T12:00:00Z", ""),
        ]).await;
        let lucia = enrolled_patient(&app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;
        let page = page_text(&lucia, &app, "/allergies").await;
        assert!(page.contains("No known allergies on file."), "{page}");
        assert!(!page.contains("peanuts"));
        lucia.get(app.url("/language/es?back=/allergies")).send().await.unwrap();
        let page = page_text(&lucia, &app, "/allergies").await;
        assert!(page.contains("No hay alergias conocidas en su expediente."), "{page}");
    }

    async fn health_problems_show_current_ones_first_with_when_they_started_and_ended(app) {
        let org = practice_with_two_patients(&app).await;
        import_resources(&app, &org, &[
            condition("c1", LUCIA, "active", "Hypertension", "2009-08-01T12:00:00Z", ""),
            condition("c2", LUCIA, "active", "Prediabetes", "2015-03-14T12:00:00Z", ""),
            condition("c3", LUCIA, "resolved", "Acute viral pharyngitis (disorder)", "2017-06-05T12:00:00Z",
                r#","abatementDateTime":"2017-06-18T12:00:00Z""#),
            condition("c4", LUCIA, "resolved", "Laceration of foot", "2013-01-04T12:00:00Z",
                r#","abatementDateTime":"2013-01-18T12:00:00Z""#),
            condition("c5", LUCIA, "active", "Asthma", "2018-01-01T12:00:00Z",
                r#","verificationStatus":{"coding":[{"code":"entered-in-error"}]}"#),
            condition("c6", TOMAS, "active", "Gout", "2020-01-01T12:00:00Z", ""),
        ]).await;
        let lucia = enrolled_patient(&app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;

        let page = page_text(&lucia, &app, "/conditions").await;
        assert!(page.contains("Your health problems"), "{page}");
        let now = between(&page, "Health problems you have now", "Health problems that are over");
        assert!(at(now, "Prediabetes") < at(now, "Hypertension"), "{now}");
        assert!(now.contains("August 1, 2009") && now.contains("March 14, 2015"), "{now}");
        assert!(!now.contains("Ended"), "{now}");
        let before = between(&page, "Health problems that are over", "</main>");
        assert!(at(before, "Acute viral pharyngitis") < at(before, "Laceration of foot"), "{before}");
        assert!(!before.contains("(disorder)"), "the terminology's tag: {before}");
        assert!(before.contains("Ended") && before.contains("June 18, 2017"), "{before}");
        assert!(before.contains("January 18, 2013"), "{before}");
        assert!(!page.contains("Asthma"), "a problem entered in error");
        assert!(!page.contains("Gout"), "Tomás's problem on Lucía's page");

        lucia.get(app.url("/language/es?back=/conditions")).send().await.unwrap();
        let page = page_text(&lucia, &app, "/conditions").await;
        assert!(page.contains("Problemas de salud que tiene ahora"), "{page}");
        assert!(page.contains("Problemas de salud que ya pasaron"), "{page}");
        assert!(page.contains("18 de junio de 2017"), "{page}");
        assert!(!page.contains("Gout"));
    }

    async fn health_problems_say_so_when_there_are_none(app) {
        let org = practice_with_two_patients(&app).await;
        import_resources(&app, &org, &[
            condition("c6", TOMAS, "active", "Gout", "2020-01-01T12:00:00Z", ""),
        ]).await;
        let lucia = enrolled_patient(&app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;
        let page = page_text(&lucia, &app, "/conditions").await;
        assert!(page.contains("There are no health problems in your record."), "{page}");
        assert!(!page.contains("Gout"));
    }

    async fn vaccines_show_newest_first_and_never_ones_not_given(app) {
        let org = practice_with_two_patients(&app).await;
        import_resources(&app, &org, &[
            immunization("i1", LUCIA, "completed", "Td (adult) preservative free", "2013-08-10T12:00:00Z"),
            immunization("i2", LUCIA, "completed", "Influenza, seasonal, injectable, preservative free", "2019-08-17T12:00:00Z"),
            immunization("i3", LUCIA, "completed", "Hep B, adult", "2016-08-13T12:00:00Z"),
            immunization("i4", LUCIA, "not-done", "Zoster vaccine recombinant", "2021-01-01T12:00:00Z"),
            immunization("i5", TOMAS, "completed", "Pneumococcal conjugate PCV 13", "2020-01-01T12:00:00Z"),
        ]).await;
        let lucia = enrolled_patient(&app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;

        let page = page_text(&lucia, &app, "/immunizations").await;
        assert!(page.contains("Your vaccines"), "{page}");
        let list = between(&page, "id=\"vaccines\"", "</ol>");
        assert!(at(list, "Influenza") < at(list, "Hep B"), "{list}");
        assert!(at(list, "Hep B") < at(list, "Td (adult)"), "{list}");
        assert!(list.contains("August 17, 2019") && list.contains("August 10, 2013"), "{list}");
        assert_eq!(list.matches("<li>").count(), 3, "{list}");
        assert!(!page.contains("Zoster"), "a vaccine not given");
        assert!(!page.contains("Pneumococcal"), "Tomás's vaccine on Lucía's page");

        lucia.get(app.url("/language/es?back=/immunizations")).send().await.unwrap();
        let page = page_text(&lucia, &app, "/immunizations").await;
        assert!(page.contains("Sus vacunas"), "{page}");
        assert!(page.contains("17 de agosto de 2019"), "{page}");
    }

    async fn vaccines_say_so_when_there_are_none(app) {
        let org = practice_with_two_patients(&app).await;
        import_resources(&app, &org, &[
            immunization("i5", TOMAS, "completed", "Pneumococcal conjugate PCV 13", "2020-01-01T12:00:00Z"),
        ]).await;
        let lucia = enrolled_patient(&app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;
        let page = page_text(&lucia, &app, "/immunizations").await;
        assert!(page.contains("There are no vaccines in your record."), "{page}");
        assert!(!page.contains("Pneumococcal"));
    }
}

mod synthea {
    use super::*;

    each_backend! {
        needs synthea;

        async fn a_synthea_patients_medicines_and_never_another_patients(app) {
            let org = front_desk(&app).await;
            import_synthea(&app, &org, &["patient-02.json", "patient-03.json"]).await;
            let antonio = enrolled_synthea_patient(
                &app, &org, ("Antonio", "Castellanos"), ("6", "8", "1991"), "antonio.c",
            ).await;
            let page = page_text(&antonio, &app, "/medicines").await;
            let now = between(&page, "Medicines you take now", "Medicines you took before");
            assert!(now.contains("Hydrochlorothiazide 25 MG"), "{now}");
            assert!(now.contains("August 1, 2009") || now.contains("July 31, 2009"), "{now}");
            let before = between(&page, "Medicines you took before", "</main>");
            assert!(before.contains("Naproxen sodium 220 MG Oral Tablet"), "{before}");
            assert!(before.contains("Take it only when you need it."), "{before}");
            // Denny Bins's medicines are his own.
            assert!(!page.contains("Chlorpheniramine"), "another patient's medicine");
            assert!(!page.contains("Acetaminophen 325"), "another patient's medicine");

            let page = page_text(&antonio, &app, "/conditions").await;
            let now = between(&page, "Health problems you have now", "Health problems that are over");
            assert!(now.contains("Hypertension"), "{now}");
            let before = between(&page, "Health problems that are over", "</main>");
            assert!(at(before, "Acute viral pharyngitis") < at(before, "Laceration of foot"), "{before}");
            assert!(before.contains("June 18, 2017") || before.contains("June 17, 2017"), "{before}");

            let page = page_text(&antonio, &app, "/immunizations").await;
            let list = between(&page, "id=\"vaccines\"", "</ol>");
            assert_eq!(list.matches("<li>").count(), 6, "{list}");
            assert!(at(list, "Influenza") < at(list, "Td (adult)"), "the 2019 flu shot first: {list}");
        }
        async fn a_synthea_patients_allergies_and_none_for_another(app) {
            let org = front_desk(&app).await;
            import_synthea(&app, &org, &["patient-02.json", "patient-27.json"]).await;
            let karena = enrolled_synthea_patient(
                &app, &org, ("Karena", "Pfeffer"), ("12", "21", "1994"), "karena.p",
            ).await;
            let page = page_text(&karena, &app, "/allergies").await;
            let now = between(&page, "id=\"allergies-now\"", "Allergies you no longer have");
            for substance in ["Allergy to mould", "House dust mite allergy", "Dander (animal) allergy",
                              "Allergy to grass pollen", "Allergy to tree pollen"] {
                assert!(now.contains(substance), "{substance}: {now}");
            }
            assert_eq!(now.matches("<li>").count(), 5, "{now}");
            let before = between(&page, "Allergies you no longer have", "</main>");
            assert!(before.contains("Allergy to soya"), "{before}");
            // Antonio Castellanos has none on file.
            let antonio = enrolled_synthea_patient(
                &app, &org, ("Antonio", "Castellanos"), ("6", "8", "1991"), "antonio.c",
            ).await;
            let page = page_text(&antonio, &app, "/allergies").await;
            assert!(page.contains("No known allergies on file."), "{page}");
            assert!(!page.contains("mould"), "another patient's allergy");
        }
    }
}

/// Real Chromium: each list page in English and Spanish, at a phone's width and a desktop's,
/// axe-clean, nothing scrolling sideways, photographed (target/screenshots/).
mod in_the_browser {
    use super::*;
    use crate::{
        browser::{
            Driver, assert_nothing_scrolls_sideways, check_page, photograph, scroll_to, submit,
            type_into, wait_for_heading,
        },
        fixtures::PATIENT_PASSWORD,
        harness::Backend,
    };

    /// The pages, and the names of their screenshots.
    const PAGES: [(&str, &str); 4] = [
        ("/medicines", "medicines"),
        ("/allergies", "allergies"),
        ("/conditions", "conditions"),
        ("/immunizations", "vaccines"),
    ];

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[cfg_attr(
        not(porchlight_browser),
        ignore = "browser tests skipped: chromedriver is not installed"
    )]
    async fn the_lists_read_well_on_a_phone_in_english_and_spanish() {
        let app = TestApp::spawn(Backend::Sqlite).await;
        let org = practice_with_two_patients(&app).await;
        let prescriber =
            r#","requester":{"reference":"Practitioner/p1","display":"Dr. Ana Ortiz"}"#;
        import_resources(&app, &org, &[
            medication("m1", LUCIA, "active", "Metformin hydrochloride 500 MG Extended Release Oral Tablet", "2024-03-05T12:00:00Z",
                &format!(r#"{prescriber},"dosageInstruction":[{{"text":"Take 1 tablet by mouth twice a day with food"}}]"#)),
            medication("m2", LUCIA, "active", "Lisinopril 10 MG Oral Tablet", "2025-06-10T12:00:00Z",
                r#","dosageInstruction":[{"timing":{"repeat":{"frequency":1,"period":1,"periodUnit":"d"}}}]"#),
            medication("m3", LUCIA, "stopped", "Amoxicillin 500 MG Oral Capsule", "2023-01-20T12:00:00Z",
                r#","dosageInstruction":[{"timing":{"repeat":{"frequency":1,"period":8,"periodUnit":"h"}}}]"#),
            allergy("a2", LUCIA, "active", "Allergy to penicillin", "2010-02-03T12:00:00Z",
                r#","criticality":"high","reaction":[{"manifestation":[{"text":"Hives"}],"severity":"severe"}]"#),
            allergy("a3", LUCIA, "resolved", "Allergy to eggs", "2001-07-07T12:00:00Z", r#","criticality":"low""#),
            condition("c1", LUCIA, "active", "Hypertension", "2009-08-01T12:00:00Z", ""),
            condition("c3", LUCIA, "resolved", "Acute viral pharyngitis (disorder)", "2017-06-05T12:00:00Z",
                r#","abatementDateTime":"2017-06-18T12:00:00Z""#),
            immunization("i2", LUCIA, "completed", "Influenza, seasonal, injectable, preservative free", "2019-08-17T12:00:00Z"),
            immunization("i1", LUCIA, "completed", "Td (adult) preservative free", "2013-08-10T12:00:00Z"),
        ]).await;
        let _computer = enrolled_patient(&app, &org, "Lucia", ("4", "9", "1961"), "lucia.r").await;

        let driver = Driver::start().await;
        let profile = tempfile::tempdir().unwrap();
        let client = driver.browser(profile.path()).await;
        client.goto(&app.url("/sign-in")).await.unwrap();
        type_into(&client, "username", "lucia.r").await;
        type_into(&client, "password", PATIENT_PASSWORD).await;
        submit(&client).await;
        wait_for_heading(&client, "Hello, Lucia").await;

        for (page, name) in PAGES {
            check_page(&client, &app.url(page), &format!("record-{name}")).await;
            assert_nothing_scrolls_sideways(&client, name).await;
            scroll_to(&client, ".entry-list").await;
            photograph(&client, &format!("record-{name}-phone-list")).await;
        }
        client
            .goto(&app.url("/language/es?back=/home"))
            .await
            .unwrap();
        for (page, name) in PAGES {
            check_page(&client, &app.url(page), &format!("es-record-{name}")).await;
            assert_nothing_scrolls_sideways(&client, name).await;
            scroll_to(&client, ".entry-list").await;
            photograph(&client, &format!("es-record-{name}-phone-list")).await;
        }
    }
}

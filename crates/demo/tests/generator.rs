//! Behaviour of the demo generator as its users see it: determinism, population shape,
//! and bundles the FHIR importer can read.

use std::collections::{HashMap, HashSet};

use demo::{CARIN_ADJUDICATION, DemoPatient, Generator, HouseholdKind, Language, Sex};
use jiff::civil::{Date, date};
use serde_json::Value;

const TODAY: Date = date(2026, 3, 1);

fn generator() -> Generator {
    Generator::new(20_260_301, TODAY)
}

fn resources<'a>(bundle: &'a Value, kind: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
    bundle["entry"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| &e["resource"])
        .filter(move |r| r["resourceType"] == kind)
}

fn collect_references<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                if key == "reference"
                    && let Some(text) = child.as_str()
                {
                    out.push(text);
                }
                collect_references(child, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_references(item, out)),
        _ => {}
    }
}

/// Patients `range` with their bundles.
fn sample_bundles(range: std::ops::Range<u64>) -> Vec<(DemoPatient, Value)> {
    let generator = generator();
    range
        .map(|i| {
            let patient = generator.patient(i);
            let bundle = patient.to_bundle();
            (patient, bundle)
        })
        .collect()
}

#[test]
fn same_seed_and_index_give_identical_output() {
    let a = generator().patient(17);
    let b = generator().patient(17);
    assert_eq!(a, b);
    assert_eq!(
        serde_json::to_string(&a.to_bundle()).unwrap(),
        serde_json::to_string(&b.to_bundle()).unwrap()
    );
}

#[test]
fn a_patient_alone_equals_the_same_patient_in_a_run() {
    let generator = generator();
    let run: Vec<DemoPatient> = generator.patients(0..10).collect();
    for index in [0u64, 5, 9] {
        let alone = generator.patient(index);
        assert_eq!(alone, run[index as usize]);
        assert_eq!(alone.to_bundle(), run[index as usize].to_bundle());
    }
}

#[test]
fn different_seeds_differ() {
    let a = Generator::new(1, TODAY);
    let b = Generator::new(2, TODAY);
    let differing = (0..20)
        .filter(|i| a.patient(*i).full_name() != b.patient(*i).full_name())
        .count();
    assert!(differing >= 15, "only {differing} of 20 names differ");
    assert_ne!(a.patient(0).id, b.patient(0).id);
    assert_ne!(a.patient(0).to_bundle(), b.patient(0).to_bundle());
}

#[test]
fn every_reference_resolves_to_an_entry() {
    for (patient, bundle) in sample_bundles(0..40) {
        assert_eq!(bundle["resourceType"], "Bundle");
        assert_eq!(bundle["type"], "transaction");
        let entries = bundle["entry"].as_array().unwrap();
        let mut full_urls = HashSet::new();
        for entry in entries {
            let full_url = entry["fullUrl"].as_str().expect("fullUrl");
            assert!(full_url.starts_with("urn:uuid:"), "{full_url}");
            let resource = &entry["resource"];
            assert_eq!(
                full_url.trim_start_matches("urn:uuid:"),
                resource["id"].as_str().unwrap()
            );
            assert_eq!(entry["request"]["method"], "POST");
            assert_eq!(entry["request"]["url"], resource["resourceType"]);
            assert!(full_urls.insert(full_url), "duplicate fullUrl {full_url}");
        }
        let mut references = Vec::new();
        collect_references(&bundle, &mut references);
        assert!(references.len() > 10);
        for reference in references {
            assert!(reference.starts_with("urn:uuid:"), "{reference}");
            assert!(
                full_urls.contains(reference),
                "patient {} has dangling {reference}",
                patient.index
            );
        }
    }
}

#[test]
fn ages_follow_a_clinic_population() {
    let generator = generator();
    let mut ages = Vec::new();
    let mut deceased = 0;
    for patient in generator.patients(0..10_000) {
        assert!(patient.birth_date <= TODAY);
        if let Some(death) = patient.deceased {
            assert!(death >= patient.birth_date && death <= TODAY);
            deceased += 1;
        }
        ages.push(age_today(&patient));
    }
    let share =
        |f: &dyn Fn(u32) -> bool| ages.iter().filter(|a| f(**a)).count() as f64 / ages.len() as f64;
    let adults = share(&|a| a >= 18);
    let core = share(&|a| (30..=80).contains(&a));
    let children = share(&|a| a < 18);
    assert!(adults > 0.85, "adults {adults}");
    assert!(core > 0.6, "30 to 80: {core}");
    assert!((0.04..0.15).contains(&children), "children {children}");
    assert!(ages.contains(&0), "no infants");
    assert!(ages.iter().any(|a| *a >= 90), "no one over 90");
    assert!(ages.iter().all(|a| *a <= 101));
    let deceased_share = deceased as f64 / ages.len() as f64;
    assert!(
        (0.03..=0.06).contains(&deceased_share),
        "deceased {deceased_share}"
    );
}

/// Age on `TODAY` counted from the birth date alone (the deceased too).
fn age_today(patient: &DemoPatient) -> u32 {
    let mut years = (TODAY.year() - patient.birth_date.year()) as u32;
    if (TODAY.month(), TODAY.day()) < (patient.birth_date.month(), patient.birth_date.day()) {
        years -= 1;
    }
    years
}

#[test]
fn identifiers_are_unique_and_well_formed() {
    let generator = generator();
    let mut mrns = HashSet::new();
    let mut ssns = HashSet::new();
    let mut ids = HashSet::new();
    for patient in generator.patients(0..10_000) {
        assert!(
            patient.mrn.starts_with("PL") && patient.mrn.len() == 9,
            "{}",
            patient.mrn
        );
        assert!(patient.mrn[2..].chars().all(|c| c.is_ascii_digit()));
        assert!(
            mrns.insert(patient.mrn.clone()),
            "duplicate MRN {}",
            patient.mrn
        );
        assert!(patient.ssn.starts_with("999-"));
        assert!(
            ssns.insert(patient.ssn.clone()),
            "duplicate SSN {}",
            patient.ssn
        );
        assert!(ids.insert(patient.id));
    }
}

#[test]
fn names_are_diverse_with_namesakes_accents_and_compounds() {
    let generator = generator();
    let patients: Vec<DemoPatient> = generator.patients(0..10_000).collect();
    let mut full_names: HashMap<String, usize> = HashMap::new();
    for patient in &patients {
        *full_names
            .entry(format!("{} {}", patient.given[0], patient.family))
            .or_default() += 1;
    }
    let distinct = full_names.len();
    assert!(
        distinct > 6_000,
        "only {distinct} distinct first+last names"
    );
    assert!(full_names.values().any(|n| *n >= 3), "no namesakes");
    let accented = |s: &str| !s.is_ascii();
    assert!(patients.iter().any(|p| accented(&p.family)));
    assert!(patients.iter().any(|p| p.given.iter().any(|g| accented(g))));
    assert!(patients.iter().any(|p| p.family.contains('-')));
    assert!(patients.iter().any(|p| p.family.contains('\'')));
    let with_middle = patients.iter().filter(|p| p.given.len() > 1).count();
    assert!(
        with_middle > 2_500 && with_middle < 6_000,
        "{with_middle} with middle names"
    );
    let families: HashSet<&str> = patients.iter().map(|p| p.family.as_str()).collect();
    assert!(families.len() > 400, "{} family names", families.len());
    let females = patients.iter().filter(|p| p.sex == Sex::Female).count();
    assert!((4_700..5_500).contains(&females));
}

#[test]
fn contact_details_and_languages_look_real() {
    let generator = generator();
    let patients: Vec<DemoPatient> = generator.patients(0..10_000).collect();
    let adults: Vec<&DemoPatient> = patients
        .iter()
        .filter(|p| age_today(p) >= 18 && p.deceased.is_none())
        .collect();
    let with_email =
        adults.iter().filter(|p| p.email.is_some()).count() as f64 / adults.len() as f64;
    assert!(
        (0.75..0.85).contains(&with_email),
        "email share {with_email}"
    );
    for patient in &patients {
        if let Some(email) = &patient.email {
            let (local, domain) = email.split_once('@').expect("an email address");
            assert!(domain.starts_with("example."), "{email}");
            assert!(local.is_ascii() && !local.is_empty(), "{email}");
        }
        assert_eq!(patient.address.state.len(), 2);
        assert_eq!(patient.address.postal_code.len(), 5);
    }
    let spanish = patients
        .iter()
        .filter(|p| p.language == Language::Spanish)
        .count() as f64
        / 10_000.0;
    assert!((0.1..0.2).contains(&spanish), "Spanish share {spanish}");
    let twins: Vec<&DemoPatient> = patients
        .iter()
        .filter(|p| p.household.is_some_and(|h| h.kind == HouseholdKind::Twins))
        .collect();
    assert!(!twins.is_empty());
    for twin in twins {
        let other = &patients[twin.household.unwrap().other_index as usize];
        assert_eq!(twin.birth_date, other.birth_date);
        assert_eq!(twin.family, other.family);
        assert_eq!(twin.address, other.address);
    }
    let juniors = patients
        .iter()
        .filter(|p| {
            p.household
                .is_some_and(|h| h.kind == HouseholdKind::SeniorJunior)
        })
        .count();
    assert!(juniors > 0);
}

#[test]
fn labs_carry_loinc_units_ranges_and_flags() {
    let mut flags: HashMap<String, usize> = HashMap::new();
    let mut loinc_seen = HashSet::new();
    let mut labs = 0;
    for (_, bundle) in sample_bundles(0..60) {
        for observation in resources(&bundle, "Observation") {
            let category = &observation["category"][0]["coding"][0];
            assert_eq!(
                category["system"],
                "http://terminology.hl7.org/CodeSystem/observation-category"
            );
            if category["code"] != "laboratory" {
                continue;
            }
            labs += 1;
            let code = &observation["code"]["coding"][0];
            assert_eq!(code["system"], "http://loinc.org");
            loinc_seen.insert(code["code"].as_str().unwrap().to_string());
            let quantity = &observation["valueQuantity"];
            assert!(quantity["value"].is_number());
            assert_eq!(quantity["system"], "http://unitsofmeasure.org");
            assert!(!quantity["code"].as_str().unwrap().is_empty());
            let range = &observation["referenceRange"][0];
            assert!(range["low"]["value"].is_number() || range["high"]["value"].is_number());
            let flag = observation["interpretation"][0]["coding"][0]["code"]
                .as_str()
                .unwrap();
            assert!(["H", "L", "N"].contains(&flag));
            *flags.entry(flag.to_string()).or_default() += 1;
        }
        for report in resources(&bundle, "DiagnosticReport") {
            assert!(!report["result"].as_array().unwrap().is_empty());
        }
    }
    assert!(labs > 500, "{labs} lab results");
    for code in [
        "6690-2", "718-7", "4544-3", "777-3", "2345-7", "2160-0", "2951-2", "2823-3", "2093-3",
        "18262-6", "2085-9", "2571-8",
    ] {
        assert!(loinc_seen.contains(code), "no {code}");
    }
    let abnormal = flags.get("H").copied().unwrap_or(0) + flags.get("L").copied().unwrap_or(0);
    assert!(
        flags.get("H").is_some_and(|n| *n > 0) && flags.get("L").is_some_and(|n| *n > 0),
        "{flags:?}"
    );
    let share = abnormal as f64 / labs as f64;
    assert!((0.04..0.35).contains(&share), "abnormal share {share}");
}

#[test]
fn vital_signs_include_blood_pressure_components() {
    let (_, bundle) = sample_bundles(3..4).remove(0);
    let mut codes = HashSet::new();
    for observation in resources(&bundle, "Observation") {
        codes.insert(
            observation["code"]["coding"][0]["code"]
                .as_str()
                .unwrap()
                .to_string(),
        );
        if observation["code"]["coding"][0]["code"] == "85354-9" {
            let components: Vec<&str> = observation["component"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["code"]["coding"][0]["code"].as_str().unwrap())
                .collect();
            assert_eq!(components, ["8480-6", "8462-4"]);
        }
    }
    for code in ["85354-9", "29463-7", "8302-2", "39156-5", "8867-4"] {
        assert!(codes.contains(code), "no {code}");
    }
}

fn has_condition(bundle: &Value, snomed: &str) -> bool {
    resources(bundle, "Condition").any(|c| c["code"]["coding"][0]["code"] == snomed)
}

#[test]
fn results_follow_conditions_and_medications_follow_reasons() {
    let mut diabetic_a1c = Vec::new();
    let mut other_a1c = Vec::new();
    let mut metformin_for_diabetes = 0;
    for (_, bundle) in sample_bundles(0..120) {
        let diabetic = has_condition(&bundle, "44054006");
        let prediabetic = has_condition(&bundle, "714628002");
        for observation in resources(&bundle, "Observation") {
            if observation["code"]["coding"][0]["code"] == "4548-4" {
                let value = observation["valueQuantity"]["value"].as_f64().unwrap();
                if diabetic {
                    diabetic_a1c.push(value);
                } else if !prediabetic {
                    other_a1c.push(value);
                }
            }
        }
        let conditions: HashMap<String, &Value> = resources(&bundle, "Condition")
            .map(|c| (format!("urn:uuid:{}", c["id"].as_str().unwrap()), c))
            .collect();
        for request in resources(&bundle, "MedicationRequest") {
            assert!(["active", "stopped"].contains(&request["status"].as_str().unwrap()));
            assert!(request["dosageInstruction"][0]["text"].is_string());
            assert_eq!(
                request["medicationCodeableConcept"]["coding"][0]["system"],
                "http://www.nlm.nih.gov/research/umls/rxnorm"
            );
            let reason = request["reasonReference"][0]["reference"]
                .as_str()
                .expect("a reason");
            let condition = conditions.get(reason).expect("reason is a Condition");
            if request["medicationCodeableConcept"]["coding"][0]["code"] == "860975" {
                assert_eq!(condition["code"]["coding"][0]["code"], "44054006");
                metformin_for_diabetes += 1;
            }
        }
    }
    assert!(metformin_for_diabetes > 0);
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    assert!(
        diabetic_a1c.len() >= 3 && other_a1c.len() >= 3,
        "{diabetic_a1c:?} {other_a1c:?}"
    );
    assert!(
        mean(&diabetic_a1c) > 6.5,
        "diabetic mean {}",
        mean(&diabetic_a1c)
    );
    assert!(mean(&other_a1c) < 5.8, "others' mean {}", mean(&other_a1c));
}

#[test]
fn clinical_resources_have_the_expected_shapes() {
    let mut kinds: HashMap<String, usize> = HashMap::new();
    for (patient, bundle) in sample_bundles(0..60) {
        for entry in bundle["entry"].as_array().unwrap() {
            *kinds
                .entry(
                    entry["resource"]["resourceType"]
                        .as_str()
                        .unwrap()
                        .to_string(),
                )
                .or_default() += 1;
        }
        let resource = resources(&bundle, "Patient").next().unwrap();
        let types: Vec<&str> = resource["identifier"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["type"]["coding"][0]["code"].as_str().unwrap())
            .collect();
        assert_eq!(types, ["MR", "SS"]);
        assert_eq!(resource["identifier"][0]["value"], patient.mrn.as_str());
        assert_eq!(resource["birthDate"], patient.birth_date.to_string());
        assert_eq!(resource["name"][0]["family"], patient.family.as_str());
        assert_eq!(
            patient.deceased.is_some(),
            resource.get("deceasedDateTime").is_some()
        );
        for encounter in resources(&bundle, "Encounter") {
            assert!(
                encounter["period"]["start"].as_str().unwrap()
                    < encounter["period"]["end"].as_str().unwrap()
            );
            assert!(encounter["class"]["code"].is_string());
            assert!(encounter["type"][0]["coding"][0]["code"].is_string());
        }
        for allergy in resources(&bundle, "AllergyIntolerance") {
            assert!(["low", "high"].contains(&allergy["criticality"].as_str().unwrap()));
            assert!(allergy["reaction"][0]["manifestation"][0]["coding"][0]["code"].is_string());
        }
        for shot in resources(&bundle, "Immunization") {
            assert_eq!(
                shot["vaccineCode"]["coding"][0]["system"],
                "http://hl7.org/fhir/sid/cvx"
            );
        }
        for plan in resources(&bundle, "CarePlan") {
            assert!(!plan["goal"].as_array().unwrap().is_empty());
            assert!(!plan["addresses"].as_array().unwrap().is_empty());
        }
    }
    for kind in [
        "Patient",
        "Organization",
        "Practitioner",
        "Encounter",
        "Condition",
        "Observation",
        "DiagnosticReport",
        "MedicationRequest",
        "AllergyIntolerance",
        "Immunization",
        "Procedure",
        "CarePlan",
        "Goal",
        "Appointment",
        "Claim",
        "ExplanationOfBenefit",
    ] {
        assert!(
            kinds.get(kind).is_some_and(|n| *n > 0),
            "no {kind} in 60 bundles: {kinds:?}"
        );
    }
    assert_eq!(kinds["Claim"], kinds["Encounter"]);
    assert_eq!(kinds["ExplanationOfBenefit"], kinds["Encounter"]);
}

#[test]
fn some_patients_have_upcoming_appointments() {
    let today = TODAY.to_string();
    let horizon = TODAY.saturating_add(jiff::Span::new().days(61)).to_string();
    let mut with_upcoming = 0;
    let mut past_statuses = HashSet::new();
    let bundles = sample_bundles(0..40);
    for (patient, bundle) in &bundles {
        let mut upcoming = 0;
        for appointment in resources(bundle, "Appointment") {
            let start = appointment["start"].as_str().unwrap();
            let status = appointment["status"].as_str().unwrap();
            assert_eq!(
                appointment["participant"][0]["actor"]["reference"],
                format!("urn:uuid:{}", patient.id)
            );
            assert!(
                appointment["participant"][1]["actor"]["display"]
                    .as_str()
                    .unwrap()
                    .starts_with("Dr. ")
            );
            assert!(appointment["minutesDuration"].as_i64().unwrap() > 0);
            assert!(appointment["end"].as_str().unwrap() > start);
            if status == "booked" {
                assert!(
                    start > today.as_str() && start < horizon.as_str(),
                    "booked at {start}"
                );
                upcoming += 1;
            } else {
                assert!(start < today.as_str(), "{status} at {start}");
                past_statuses.insert(status.to_string());
            }
        }
        assert!(upcoming <= 2);
        if upcoming > 0 {
            assert!(patient.deceased.is_none());
            with_upcoming += 1;
        }
    }
    assert!(
        (5..35).contains(&with_upcoming),
        "{with_upcoming} of 40 have upcoming visits"
    );
    assert!(past_statuses.contains("fulfilled"));
}

fn total(eob: &Value, code: &str) -> f64 {
    eob["total"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["category"]["coding"][0]["code"] == code)
        .and_then(|t| t["amount"]["value"].as_f64())
        .unwrap_or_else(|| panic!("no {code} total"))
}

#[test]
fn explanations_of_benefit_add_up_and_some_leave_a_balance() {
    let mut patients_owing = 0;
    for (_, bundle) in sample_bundles(0..40) {
        let claims: HashMap<String, &Value> = resources(&bundle, "Claim")
            .map(|c| (format!("urn:uuid:{}", c["id"].as_str().unwrap()), c))
            .collect();
        let mut owes = 0.0;
        for eob in resources(&bundle, "ExplanationOfBenefit") {
            let claim = claims[eob["claim"]["reference"].as_str().unwrap()];
            let billed = total(eob, "submitted");
            assert!((billed - claim["total"]["value"].as_f64().unwrap()).abs() < 0.005);
            let lines: f64 = claim["item"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["net"]["value"].as_f64().unwrap())
                .sum();
            assert!((billed - lines).abs() < 0.02);
            let allowed = total(eob, "eligible");
            let insurer = total(eob, "benefit");
            let share = total(eob, "memberliability");
            let paid = total(eob, "paidbypatient");
            assert!(allowed <= billed + 0.005);
            assert!(
                (insurer + share - allowed).abs() < 0.02,
                "{insurer} + {share} != {allowed}"
            );
            assert!(paid <= share + 0.005 && paid >= 0.0);
            assert!((eob["payment"]["amount"]["value"].as_f64().unwrap() - insurer).abs() < 0.005);
            let liability = eob["total"]
                .as_array()
                .unwrap()
                .iter()
                .find(|t| t["category"]["coding"][0]["code"] == "memberliability")
                .unwrap();
            assert_eq!(
                liability["category"]["coding"][0]["system"],
                CARIN_ADJUDICATION
            );
            let balance = total(eob, "patientpay");
            assert!(
                (balance - (share - paid)).abs() < 0.005,
                "{balance} != {share} - {paid}"
            );
            owes += balance;
        }
        if owes > 0.005 {
            patients_owing += 1;
        }
    }
    assert!(
        patients_owing > 0 && patients_owing < 40,
        "{patients_owing} of 40 owe money"
    );
}

#[test]
fn write_bundles_streams_one_file_per_patient() {
    let dir = tempfile::tempdir().unwrap();
    let written = demo::write_bundles(dir.path(), 7, TODAY, 3).unwrap();
    let mut on_disk = 0;
    for (i, name) in [
        "patient-000001.json",
        "patient-000002.json",
        "patient-000003.json",
    ]
    .iter()
    .enumerate()
    {
        let bytes = std::fs::read(dir.path().join(name)).unwrap();
        on_disk += bytes.len() as u64;
        let bundle: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(
            bundle,
            Generator::new(7, TODAY).patient(i as u64).to_bundle()
        );
    }
    assert_eq!(written, on_disk);
    assert!(!dir.path().join("patient-000004.json").exists());
}

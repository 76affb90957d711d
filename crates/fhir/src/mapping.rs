//! From FHIR resources to the domain's records.

use domain::{
    Address, Mrn, PatientChart, PersonName, SecretKey, Sex, Ssn,
    clinical::{self, ClinicalRecord, Coded, ReferenceRange},
};
use serde::de::DeserializeOwned;

use crate::{
    resources::{self as r, CodeableConcept, Money, Reference},
    time::{TimeError, parse_date, parse_date_time, parse_opt},
};

/// What a resource becomes.
#[derive(Debug)]
pub enum Mapped {
    Patient(PatientChart),
    /// A record on a patient's chart. `patient_refs` are the references that may name the
    /// patient (the first that resolves to a Patient is used); `encounter_ref` is optional.
    Clinical {
        record: ClinicalRecord,
        patient_refs: Vec<String>,
        encounter_ref: Option<String>,
    },
    /// A practitioner, organization or location of the practice's directory, by name.
    Directory {
        name: String,
    },
    /// A resource type the portal does not use (or a directory entry without a name).
    Skipped,
}

#[derive(Debug, thiserror::Error)]
pub enum MappingError {
    #[error("invalid {resource_type}: {source}")]
    Json {
        resource_type: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("{0} has no {1}")]
    Missing(&'static str, &'static str),
    #[error("{resource_type}.{field}: {source}")]
    Time {
        resource_type: &'static str,
        field: &'static str,
        #[source]
        source: TimeError,
    },
    #[error("Patient.name: {0}")]
    Name(#[from] domain::NameError),
    #[error("Patient.identifier (MR): {0}")]
    Mrn(#[from] domain::MrnError),
    #[error("Patient.identifier (SS): {0}")]
    Ssn(#[from] domain::SsnError),
}

/// Maps one resource, given its type and JSON text.
pub fn map_resource(
    resource_type: &str,
    json: &str,
    key: &SecretKey,
) -> Result<Mapped, MappingError> {
    use ClinicalRecord as C;
    Ok(match resource_type {
        "Patient" => Mapped::Patient(patient(parse(resource_type, json)?, key)?),
        "Encounter" => {
            let e: r::Encounter = parse(resource_type, json)?;
            let period = e.period.unwrap_or_default();
            clinical(
                C::Encounter(clinical::Encounter {
                    status: status(e.status),
                    class_code: e.class.and_then(|c| c.code),
                    kind: coded(e.kind.first()),
                    start: time("Encounter", "period.start", period.start.as_ref())?,
                    end: time("Encounter", "period.end", period.end.as_ref())?,
                }),
                subject("Encounter", "subject", e.subject)?,
                None,
            )
        }
        "Observation" => {
            let o: r::Observation = parse(resource_type, json)?;
            let effective = match (&o.effective_date_time, &o.effective_period) {
                (Some(t), _) => Some(t),
                (None, Some(p)) => p.start.as_ref(),
                (None, None) => None,
            };
            let range = o.reference_range.first();
            let (value, unit, value_text) = observation_value(&o);
            clinical(
                C::Observation(clinical::Observation {
                    status: status(o.status),
                    category: o
                        .category
                        .iter()
                        .find_map(|c| c.first_code())
                        .map(str::to_owned),
                    code: coded(o.code.as_ref()),
                    effective: time("Observation", "effective", effective)?,
                    value,
                    unit,
                    value_text,
                    range: ReferenceRange {
                        low: range.and_then(|r| r.low.as_ref()?.value),
                        high: range.and_then(|r| r.high.as_ref()?.value),
                        text: range.and_then(|r| r.text.clone()),
                    },
                    interpretation: o
                        .interpretation
                        .iter()
                        .find_map(|c| c.first_code())
                        .map(str::to_owned),
                }),
                subject("Observation", "subject", o.subject)?,
                o.encounter,
            )
        }
        "DiagnosticReport" => {
            let d: r::DiagnosticReport = parse(resource_type, json)?;
            clinical(
                C::DiagnosticReport(clinical::DiagnosticReport {
                    status: status(d.status),
                    category: d
                        .category
                        .iter()
                        .find_map(|c| c.first_code())
                        .map(str::to_owned),
                    code: coded(d.code.as_ref()),
                    effective: time(
                        "DiagnosticReport",
                        "effectiveDateTime",
                        d.effective_date_time.as_ref(),
                    )?,
                    issued: time("DiagnosticReport", "issued", d.issued.as_ref())?,
                    results: d.result.into_iter().filter_map(|r| r.reference).collect(),
                }),
                subject("DiagnosticReport", "subject", d.subject)?,
                d.encounter,
            )
        }
        "Condition" => {
            let c: r::Condition = parse(resource_type, json)?;
            clinical(
                C::Condition(clinical::Condition {
                    clinical_status: c
                        .clinical_status
                        .as_ref()
                        .and_then(|s| s.first_code())
                        .map(str::to_owned),
                    verification_status: c
                        .verification_status
                        .as_ref()
                        .and_then(|s| s.first_code())
                        .map(str::to_owned),
                    code: coded(c.code.as_ref()),
                    onset: time("Condition", "onsetDateTime", c.onset_date_time.as_ref())?,
                    abatement: time(
                        "Condition",
                        "abatementDateTime",
                        c.abatement_date_time.as_ref(),
                    )?,
                }),
                subject("Condition", "subject", c.subject)?,
                c.encounter,
            )
        }
        "MedicationRequest" => {
            let m: r::MedicationRequest = parse(resource_type, json)?;
            let medication = match (&m.medication_codeable_concept, &m.medication_reference) {
                (Some(concept), _) => coded(Some(concept)),
                (None, Some(reference)) => Coded {
                    display: reference.display.clone(),
                    ..Coded::default()
                },
                (None, None) => {
                    return Err(MappingError::Missing("MedicationRequest", "medication"));
                }
            };
            clinical(
                C::MedicationRequest(clinical::MedicationRequest {
                    status: status(m.status),
                    medication,
                    dosage: m.dosage_instruction.iter().find_map(|d| d.text.clone()),
                    authored: time("MedicationRequest", "authoredOn", m.authored_on.as_ref())?,
                }),
                subject("MedicationRequest", "subject", m.subject)?,
                m.encounter,
            )
        }
        "AllergyIntolerance" => {
            let a: r::AllergyIntolerance = parse(resource_type, json)?;
            let reaction = a.reaction.iter().find_map(|r| {
                r.description
                    .clone()
                    .or_else(|| r.manifestation.first().and_then(|m| coded(Some(m)).display))
            });
            clinical(
                C::Allergy(clinical::Allergy {
                    clinical_status: a
                        .clinical_status
                        .as_ref()
                        .and_then(|s| s.first_code())
                        .map(str::to_owned),
                    criticality: a.criticality,
                    category: a.category.first().cloned(),
                    code: coded(a.code.as_ref()),
                    reaction,
                    recorded: time(
                        "AllergyIntolerance",
                        "recordedDate",
                        a.recorded_date.as_ref(),
                    )?,
                }),
                subject("AllergyIntolerance", "patient", a.patient)?,
                a.encounter,
            )
        }
        "Immunization" => {
            let i: r::Immunization = parse(resource_type, json)?;
            clinical(
                C::Immunization(clinical::Immunization {
                    status: status(i.status),
                    vaccine: coded(i.vaccine_code.as_ref()),
                    occurred: time(
                        "Immunization",
                        "occurrenceDateTime",
                        i.occurrence_date_time.as_ref(),
                    )?,
                }),
                subject("Immunization", "patient", i.patient)?,
                i.encounter,
            )
        }
        "Procedure" => {
            let p: r::Procedure = parse(resource_type, json)?;
            let period = p.performed_period.unwrap_or_default();
            let start = p.performed_date_time.as_ref().or(period.start.as_ref());
            clinical(
                C::Procedure(clinical::Procedure {
                    status: status(p.status),
                    code: coded(p.code.as_ref()),
                    start: time("Procedure", "performed", start)?,
                    end: time("Procedure", "performedPeriod.end", period.end.as_ref())?,
                }),
                subject("Procedure", "subject", p.subject)?,
                p.encounter,
            )
        }
        "CarePlan" => {
            let c: r::CarePlan = parse(resource_type, json)?;
            let period = c.period.unwrap_or_default();
            clinical(
                C::CarePlan(clinical::CarePlan {
                    status: status(c.status),
                    category: coded(c.category.first()),
                    start: time("CarePlan", "period.start", period.start.as_ref())?,
                    end: time("CarePlan", "period.end", period.end.as_ref())?,
                }),
                subject("CarePlan", "subject", c.subject)?,
                c.encounter,
            )
        }
        "Goal" => {
            let g: r::Goal = parse(resource_type, json)?;
            clinical(
                C::Goal(clinical::Goal {
                    lifecycle_status: g.lifecycle_status.unwrap_or_else(|| "unknown".to_owned()),
                    description: g.description.and_then(|d| coded(Some(&d)).display),
                }),
                subject("Goal", "subject", g.subject)?,
                None,
            )
        }
        "Appointment" => {
            let a: r::Appointment = parse(resource_type, json)?;
            let actors: Vec<&Reference> = a
                .participant
                .iter()
                .filter_map(|p| p.actor.as_ref())
                .collect();
            // A practitioner appears by display alone, or with a Practitioner reference.
            let practitioner = actors
                .iter()
                .find(|r| {
                    r.reference
                        .as_deref()
                        .is_none_or(|s| s.contains("Practitioner"))
                })
                .and_then(|r| r.display.clone());
            let patient_refs: Vec<String> =
                actors.iter().filter_map(|r| r.reference.clone()).collect();
            if patient_refs.is_empty() {
                return Err(MappingError::Missing(
                    "Appointment",
                    "participant referring to the patient",
                ));
            }
            Mapped::Clinical {
                record: C::Appointment(clinical::Appointment {
                    status: status(a.status),
                    description: a
                        .description
                        .or_else(|| a.service_type.first().and_then(|s| coded(Some(s)).display)),
                    start: time("Appointment", "start", a.start.as_ref())?,
                    end: time("Appointment", "end", a.end.as_ref())?,
                    practitioner,
                }),
                patient_refs,
                encounter_ref: None,
            }
        }
        "Claim" => {
            let c: r::Claim = parse(resource_type, json)?;
            clinical(
                C::Claim(clinical::Claim {
                    status: status(c.status),
                    claim_type: c
                        .kind
                        .as_ref()
                        .and_then(|k| k.first_code())
                        .map(str::to_owned),
                    created: time("Claim", "created", c.created.as_ref())?,
                    total_cents: cents(c.total.as_ref()),
                    currency: c.total.and_then(|t| t.currency),
                }),
                subject("Claim", "patient", c.patient)?,
                None,
            )
        }
        "ExplanationOfBenefit" => {
            let e: r::ExplanationOfBenefit = parse(resource_type, json)?;
            let total = |category: &str| {
                e.total
                    .iter()
                    .find(|t| t.category.as_ref().and_then(|c| c.first_code()) == Some(category))
                    .and_then(|t| cents(t.amount.as_ref()))
            };
            let record = clinical::ExplanationOfBenefit {
                status: status(e.status.clone()),
                claim_source_id: e
                    .claim
                    .as_ref()
                    .and_then(|c| c.reference.as_deref())
                    .map(source_id_of_reference),
                created: time("ExplanationOfBenefit", "created", e.created.as_ref())?,
                submitted_cents: total("submitted"),
                payment_cents: e.payment.as_ref().and_then(|p| cents(p.amount.as_ref())),
                patient_owes_cents: total("patientpay"),
            };
            clinical(
                C::ExplanationOfBenefit(record),
                subject("ExplanationOfBenefit", "patient", e.patient)?,
                None,
            )
        }
        "Practitioner" => {
            let p: r::Practitioner = parse(resource_type, json)?;
            directory(p.name.iter().find_map(practitioner_name))
        }
        "Organization" | "Location" => {
            let named: r::Named = parse(resource_type, json)?;
            directory(named.name)
        }
        _ => Mapped::Skipped,
    })
}

/// A directory entry by its name; skipped without one.
fn directory(name: Option<String>) -> Mapped {
    match name.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()) {
        Some(name) => Mapped::Directory { name },
        None => Mapped::Skipped,
    }
}

/// A practitioner's name as a patient says it: "Dr. Monica Kshlerin" (the name's text when
/// it has one).
fn practitioner_name(name: &r::HumanName) -> Option<String> {
    if let Some(text) = name.text.as_deref().filter(|t| !t.trim().is_empty()) {
        return Some(text.trim().to_owned());
    }
    let words: Vec<&str> = name
        .prefix
        .iter()
        .chain(&name.given)
        .map(String::as_str)
        .chain(name.family.as_deref())
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// The source system's id that a reference names: `Claim/abc` and `urn:uuid:abc` give `abc`.
pub fn source_id_of_reference(reference: &str) -> String {
    reference
        .strip_prefix("urn:uuid:")
        .or_else(|| reference.rsplit_once('/').map(|(_, id)| id))
        .unwrap_or(reference)
        .to_owned()
}

fn parse<T: DeserializeOwned>(resource_type: &str, json: &str) -> Result<T, MappingError> {
    serde_json::from_str(json).map_err(|source| MappingError::Json {
        resource_type: resource_type.to_owned(),
        source,
    })
}

fn clinical(record: ClinicalRecord, patient_ref: String, encounter: Option<Reference>) -> Mapped {
    Mapped::Clinical {
        record,
        patient_refs: vec![patient_ref],
        encounter_ref: encounter.and_then(|e| e.reference),
    }
}

fn subject(
    resource_type: &'static str,
    field: &'static str,
    reference: Option<Reference>,
) -> Result<String, MappingError> {
    reference
        .and_then(|r| r.reference)
        .ok_or(MappingError::Missing(resource_type, field))
}

fn status(status: Option<String>) -> String {
    status.unwrap_or_else(|| "unknown".to_owned())
}

fn time(
    resource_type: &'static str,
    field: &'static str,
    value: Option<&String>,
) -> Result<Option<jiff::Timestamp>, MappingError> {
    parse_opt(value).map_err(|source| MappingError::Time {
        resource_type,
        field,
        source,
    })
}

fn coded(concept: Option<&CodeableConcept>) -> Coded {
    let Some(concept) = concept else {
        return Coded::default();
    };
    let (system, code, display) = concept.first();
    Coded {
        system: system.map(str::to_owned),
        code: code.map(str::to_owned),
        display: display.map(str::to_owned),
    }
}

fn cents(money: Option<&Money>) -> Option<i64> {
    money
        .and_then(|m| m.value)
        .filter(|v| v.is_finite())
        .map(|v| (v * 100.0).round() as i64)
}

fn observation_value(o: &r::Observation) -> (Option<f64>, Option<String>, Option<String>) {
    if let Some(q) = &o.value_quantity {
        return (q.value, q.unit.clone().or_else(|| q.code.clone()), None);
    }
    if let Some(concept) = &o.value_codeable_concept {
        return (None, None, coded(Some(concept)).display);
    }
    if let Some(text) = &o.value_string {
        return (None, None, Some(text.clone()));
    }
    // Panels such as blood pressure carry their values in components: "120/80 mm[Hg]".
    let parts: Vec<String> = o
        .component
        .iter()
        .filter_map(|c| c.value_quantity.as_ref()?.value)
        .map(|v| format!("{}", (v * 10.0).round() / 10.0))
        .collect();
    if parts.is_empty() {
        return (None, None, None);
    }
    let unit = o
        .component
        .iter()
        .find_map(|c| c.value_quantity.as_ref()?.unit.clone());
    (None, unit, Some(parts.join("/")))
}

fn patient(p: r::Patient, key: &SecretKey) -> Result<PatientChart, MappingError> {
    let name = p
        .name
        .iter()
        .find(|n| n.name_use.as_deref() == Some("official"))
        .or(p.name.first())
        .ok_or(MappingError::Missing("Patient", "name"))?;
    let name = PersonName::new(&name.given, name.family.as_deref().unwrap_or(""))?;
    let birth_date = p
        .birth_date
        .as_deref()
        .ok_or(MappingError::Missing("Patient", "birthDate"))?;
    let birth_date = parse_date(birth_date).map_err(|source| MappingError::Time {
        resource_type: "Patient",
        field: "birthDate",
        source,
    })?;
    let deceased_at = p
        .deceased_date_time
        .as_deref()
        .map(parse_date_time)
        .transpose()
        .map_err(|source| MappingError::Time {
            resource_type: "Patient",
            field: "deceasedDateTime",
            source,
        })?;
    let identifier = |type_code: &str| {
        p.identifier
            .iter()
            .find(|i| i.kind.as_ref().and_then(|k| k.first_code()) == Some(type_code))
            .and_then(|i| i.value.as_deref())
    };
    let mrn = identifier("MR").map(Mrn::parse).transpose()?;
    let ssn_last4_hash = identifier("SS")
        .map(Ssn::parse)
        .transpose()?
        .map(|ssn| ssn.last4_hash(key));
    let telecom = |system: &str| {
        p.telecom
            .iter()
            .find(|t| t.system.as_deref() == Some(system))
            .and_then(|t| t.value.clone())
    };
    let address = p.address.first().cloned().unwrap_or_default();
    let language = p.communication.iter().find_map(|c| {
        let code = c.language.as_ref()?.first_code()?;
        Some(code.split('-').next().unwrap_or(code).to_ascii_lowercase())
    });
    Ok(PatientChart {
        name,
        birth_date,
        sex: Sex::from_fhir(p.gender.as_deref().unwrap_or("unknown")),
        deceased: deceased_at.is_some() || p.deceased_boolean == Some(true),
        deceased_at,
        mrn,
        ssn_last4_hash,
        email: telecom("email"),
        phone: telecom("phone"),
        address: Address {
            line: (!address.line.is_empty()).then(|| address.line.join(", ")),
            city: address.city,
            state: address.state,
            postal_code: address.postal_code,
            country: address.country,
        },
        language,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SecretKey {
        SecretKey::parse("test-key-test-key-test-key-test-key").unwrap()
    }

    #[test]
    fn maps_a_patient() {
        let json = r#"{"resourceType":"Patient","id":"p1",
            "identifier":[{"type":{"coding":[{"code":"MR"}]},"value":"MRN-1"},
                          {"type":{"coding":[{"code":"SS"}]},"value":"999-12-3456"}],
            "name":[{"use":"official","family":"García","given":["Ana","María"]}],
            "gender":"female","birthDate":"1950-02-28",
            "telecom":[{"system":"phone","value":"555-0100"},{"system":"email","value":"ana@example.com"}],
            "communication":[{"language":{"coding":[{"code":"es-MX"}]}}]}"#;
        let Mapped::Patient(chart) = map_resource("Patient", json, &key()).unwrap() else {
            panic!("expected a patient");
        };
        assert_eq!(chart.name.to_string(), "Ana María García");
        assert_eq!(chart.mrn.unwrap().as_str(), "MRN-1");
        assert_eq!(
            chart.ssn_last4_hash.unwrap(),
            domain::ssn_last4_hash(&key(), "3456")
        );
        assert_eq!(chart.email.as_deref(), Some("ana@example.com"));
        assert_eq!(chart.language.as_deref(), Some("es"));
        assert!(!chart.deceased);
    }

    #[test]
    fn a_patient_needs_a_name_and_a_birth_date() {
        let no_name = r#"{"resourceType":"Patient","birthDate":"1950-02-28"}"#;
        let no_birth = r#"{"resourceType":"Patient","name":[{"family":"Lee","given":["Al"]}]}"#;
        assert_eq!(
            map_resource("Patient", no_name, &key())
                .unwrap_err()
                .to_string(),
            "Patient has no name"
        );
        assert_eq!(
            map_resource("Patient", no_birth, &key())
                .unwrap_err()
                .to_string(),
            "Patient has no birthDate"
        );
    }

    #[test]
    fn maps_an_observation_with_range_and_flag() {
        let json = r#"{"resourceType":"Observation","status":"final",
            "category":[{"coding":[{"code":"laboratory"}]}],
            "code":{"coding":[{"system":"http://loinc.org","code":"2345-7","display":"Glucose"}]},
            "subject":{"reference":"urn:uuid:p"},"encounter":{"reference":"urn:uuid:e"},
            "effectiveDateTime":"2020-01-02T03:04:05Z",
            "valueQuantity":{"value":182,"unit":"mg/dL"},
            "referenceRange":[{"low":{"value":70},"high":{"value":99}}],
            "interpretation":[{"coding":[{"code":"H"}]}]}"#;
        let Mapped::Clinical {
            record: ClinicalRecord::Observation(o),
            patient_refs,
            encounter_ref,
        } = map_resource("Observation", json, &key()).unwrap()
        else {
            panic!("expected an observation");
        };
        assert_eq!(patient_refs, ["urn:uuid:p"]);
        assert_eq!(encounter_ref.as_deref(), Some("urn:uuid:e"));
        assert_eq!(o.value, Some(182.0));
        assert_eq!((o.range.low, o.range.high), (Some(70.0), Some(99.0)));
        assert_eq!(o.interpretation.as_deref(), Some("H"));
        assert_eq!(o.code.code.as_deref(), Some("2345-7"));
    }

    #[test]
    fn the_directory_keeps_names_as_patients_say_them() {
        let named = |rtype: &str, json: &str| match map_resource(rtype, json, &key()).unwrap() {
            Mapped::Directory { name } => Some(name),
            _ => None,
        };
        let synthea =
            r#"{"name": [{"family": "Kshlerin", "given": ["Monica"], "prefix": ["Dr."]}]}"#;
        assert_eq!(
            named("Practitioner", synthea).as_deref(),
            Some("Dr. Monica Kshlerin")
        );
        let text = r#"{"name": [{"text": "Ana Ortiz, MD", "family": "Ortiz"}]}"#;
        assert_eq!(
            named("Practitioner", text).as_deref(),
            Some("Ana Ortiz, MD")
        );
        let place = r#"{"name": " NORWOOD HOSPITAL "}"#;
        assert_eq!(
            named("Organization", place).as_deref(),
            Some("NORWOOD HOSPITAL")
        );
        assert_eq!(
            named("Location", r#"{"name": "Room 2"}"#).as_deref(),
            Some("Room 2")
        );
        assert_eq!(named("Organization", r#"{"name": "  "}"#), None);
        assert_eq!(named("Practitioner", r#"{"name": [{"given": []}]}"#), None);
        let err = map_resource("Practitioner", r#"{"name": "x"}"#, &key()).unwrap_err();
        assert!(err.to_string().starts_with("invalid Practitioner"), "{err}");
    }

    #[test]
    fn unused_types_are_skipped_and_bad_json_is_named() {
        assert!(matches!(
            map_resource("Practitioner", "{}", &key()).unwrap(),
            Mapped::Skipped
        ));
        assert!(matches!(
            map_resource("Medication", r#"{"code": {}}"#, &key()).unwrap(),
            Mapped::Skipped
        ));
        let err = map_resource("Observation", r#"{"status": 5}"#, &key()).unwrap_err();
        assert!(err.to_string().starts_with("invalid Observation"), "{err}");
        let err = map_resource("Observation", r#"{"status": "final"}"#, &key()).unwrap_err();
        assert_eq!(err.to_string(), "Observation has no subject");
    }

    #[test]
    fn reads_references_to_source_ids() {
        assert_eq!(source_id_of_reference("urn:uuid:abc"), "abc");
        assert_eq!(source_id_of_reference("Claim/abc"), "abc");
        assert_eq!(source_id_of_reference("abc"), "abc");
    }
}

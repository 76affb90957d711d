//! Turns a patient and their [`Chart`] into a FHIR R4 transaction Bundle shaped like
//! Synthea's: `urn:uuid:` full URLs, `request: {method: POST, url: <type>}`, and
//! references between entries as `{"reference": "urn:uuid:..."}`.

use serde_json::{Map, Value, json};

use crate::billing::{self, BillingRefs};
use crate::catalog::{LOINC, UCUM};
use crate::chart::{
    AllergyRecord, Appointment, AppointmentStatus, CarePlanRecord, Chart, ConditionRecord,
    Encounter, MedicationRecord, Observation, ObservationValue, Report,
};
use crate::fhir::{
    Clock, concept, concept_of, entry, entry_with_request, number, quantity, reference,
    reference_with_display, status,
};
use crate::history;
use crate::household::HouseholdKind;
use crate::labs::interpretation;
use crate::person::DemoPatient;
use crate::places::{ORGANIZATIONS, Practitioner};
use crate::{MRN_SYSTEM, ORGANIZATION_SYSTEM};

const OBSERVATION_CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/observation-category";
const INTERPRETATION: &str = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation";
const IDENTIFIER_TYPE: &str = "http://terminology.hl7.org/CodeSystem/v2-0203";
const US_CORE: &str = "http://hl7.org/fhir/us/core/StructureDefinition";

pub(crate) fn to_bundle(patient: &DemoPatient) -> Value {
    let chart = history::build(patient);
    let writer = Writer {
        patient,
        chart: &chart,
        clock: Clock::new(chart.time_zone.clone()),
    };
    writer.bundle()
}

struct Writer<'a> {
    patient: &'a DemoPatient,
    chart: &'a Chart,
    clock: Clock,
}

impl Writer<'_> {
    fn bundle(&self) -> Value {
        let chart = self.chart;
        let mut entries = Vec::with_capacity(64 + chart.encounters.len() * 16);
        entries.push(entry(self.patient.id, self.patient_resource()));
        entries.push(self.organization_entry());
        for index in self.practitioners_used() {
            entries.push(self.practitioner_entry(&chart.directory.practitioners[index]));
        }
        for allergy in &chart.allergies {
            entries.push(entry(allergy.id, self.allergy(allergy)));
        }
        for (i, encounter) in chart.encounters.iter().enumerate() {
            entries.push(entry(encounter.id, self.encounter(encounter)));
            for condition in chart.conditions.iter().filter(|c| c.encounter == i) {
                entries.push(entry(condition.id, self.condition(condition)));
            }
            for observation in &encounter.observations {
                entries.push(entry(
                    observation.id,
                    self.observation(observation, encounter),
                ));
            }
            for report in &encounter.reports {
                entries.push(entry(report.id, self.report(report, encounter)));
            }
            for shot in &encounter.immunizations {
                entries.push(entry(
                    shot.id,
                    json!({
                        "resourceType": "Immunization",
                        "id": shot.id.to_string(),
                        "status": "completed",
                        "vaccineCode": concept(shot.vaccine),
                        "patient": self.subject(),
                        "encounter": reference(encounter.id),
                        "occurrenceDateTime": self.clock.instant(shot.date),
                        "primarySource": true,
                    }),
                ));
            }
            for procedure in &encounter.procedures {
                let mut resource = json!({
                    "resourceType": "Procedure",
                    "id": procedure.id.to_string(),
                    "status": "completed",
                    "code": concept(procedure.code),
                    "subject": self.subject(),
                    "encounter": reference(encounter.id),
                    "performedPeriod": {
                        "start": self.clock.instant(procedure.start),
                        "end": self.clock.instant(procedure.end),
                    },
                });
                if let Some(reason) = procedure.reason.map(|i| &chart.conditions[i]) {
                    resource["reasonReference"] =
                        json!([reference_with_display(reason.id, reason.code.display)]);
                }
                entries.push(entry(procedure.id, resource));
            }
            for medication in chart.medications.iter().filter(|m| m.encounter == i) {
                entries.push(entry(medication.id, self.medication(medication, encounter)));
            }
            for plan in chart.care_plans.iter().filter(|p| p.encounter == i) {
                for goal in &plan.goals {
                    entries.push(entry(goal.id, self.goal(plan, goal)));
                }
                entries.push(entry(plan.id, self.care_plan(plan, encounter)));
            }
            if let Some(bill) = &encounter.bill {
                let practitioner = &chart.directory.practitioners[encounter.practitioner];
                let display = practitioner.display();
                let refs = BillingRefs {
                    patient: self.patient.id,
                    organization: chart.directory.organization_id,
                    organization_name: self.patient.organization,
                    practitioner: practitioner.id,
                    practitioner_name: &display,
                    diagnoses: encounter
                        .reason
                        .map(|i| chart.conditions[i].id)
                        .into_iter()
                        .collect(),
                };
                entries.push(entry(
                    bill.claim_id,
                    billing::claim_resource(bill, encounter, &refs, &self.clock),
                ));
                entries.push(entry(
                    bill.eob_id,
                    billing::eob_resource(bill, encounter, &refs, &self.clock),
                ));
            }
        }
        for appointment in &chart.appointments {
            entries.push(entry(appointment.id, self.appointment(appointment)));
        }
        // Moved in rather than through `json!`, which would deep-copy every entry.
        let mut bundle = Map::new();
        bundle.insert("resourceType".to_string(), json!("Bundle"));
        bundle.insert("type".to_string(), json!("transaction"));
        bundle.insert("entry".to_string(), Value::Array(entries));
        Value::Object(bundle)
    }

    fn subject(&self) -> Value {
        reference(self.patient.id)
    }

    fn practitioners_used(&self) -> Vec<usize> {
        let chart = self.chart;
        let mut used = vec![false; chart.directory.practitioners.len()];
        used[chart.primary_care] = true;
        for encounter in &chart.encounters {
            used[encounter.practitioner] = true;
        }
        for appointment in &chart.appointments {
            used[appointment.practitioner] = true;
        }
        for medication in &chart.medications {
            used[medication.practitioner] = true;
        }
        used.iter()
            .enumerate()
            .filter(|(_, u)| **u)
            .map(|(i, _)| i)
            .collect()
    }

    fn patient_resource(&self) -> Value {
        let p = self.patient;
        let chart = self.chart;
        let mut name = json!({ "use": "official", "family": p.family, "given": p.given });
        if let Some(prefix) = &p.prefix {
            name["prefix"] = json!([prefix]);
        }
        if let Some(suffix) = &p.suffix {
            name["suffix"] = json!([suffix]);
        }
        let mut telecom = Vec::new();
        if let Some(phone) = &p.phone {
            telecom.push(json!({ "system": "phone", "value": phone, "use": p.phone_use }));
        }
        if let Some(email) = &p.email {
            telecom.push(json!({ "system": "email", "value": email, "use": "home" }));
        }
        let (race_code, race_display) = chart.race;
        let (ethnicity_code, ethnicity_display) = if chart.hispanic {
            ("2135-2", "Hispanic or Latino")
        } else {
            ("2186-5", "Not Hispanic or Latino")
        };
        let omb = "urn:oid:2.16.840.1.113883.6.238";
        let pcp = &chart.directory.practitioners[chart.primary_care];
        let mut resource = json!({
            "resourceType": "Patient",
            "id": p.id.to_string(),
            "extension": [
                {
                    "url": format!("{US_CORE}/us-core-race"),
                    "extension": [
                        { "url": "ombCategory", "valueCoding": { "system": omb, "code": race_code, "display": race_display } },
                        { "url": "text", "valueString": race_display },
                    ],
                },
                {
                    "url": format!("{US_CORE}/us-core-ethnicity"),
                    "extension": [
                        { "url": "ombCategory", "valueCoding": { "system": omb, "code": ethnicity_code, "display": ethnicity_display } },
                        { "url": "text", "valueString": ethnicity_display },
                    ],
                },
                {
                    "url": format!("{US_CORE}/us-core-birthsex"),
                    "valueCode": if p.sex == crate::Sex::Female { "F" } else { "M" },
                },
            ],
            "identifier": [
                {
                    "type": concept_of(IDENTIFIER_TYPE, "MR", "Medical Record Number"),
                    "system": MRN_SYSTEM,
                    "value": p.mrn,
                },
                {
                    "type": concept_of(IDENTIFIER_TYPE, "SS", "Social Security Number"),
                    "system": "http://hl7.org/fhir/sid/us-ssn",
                    "value": p.ssn,
                },
            ],
            "name": [name],
            "telecom": telecom,
            "gender": p.sex.code(),
            "birthDate": p.birth_date.to_string(),
            "address": [{
                "use": "home",
                "line": p.address.line,
                "city": p.address.city,
                "state": p.address.state,
                "postalCode": p.address.postal_code,
                "country": "US",
            }],
            "communication": [{
                "language": concept_of("urn:ietf:bcp:47", p.language.code(), p.language.display()),
                "preferred": true,
            }],
            "generalPractitioner": [reference_with_display(pcp.id, &pcp.display())],
            "managingOrganization": reference_with_display(chart.directory.organization_id, p.organization),
        });
        if let Some(status) = p.marital_status {
            resource["maritalStatus"] = concept_of(
                "http://terminology.hl7.org/CodeSystem/v3-MaritalStatus",
                status.code(),
                status.display(),
            );
        }
        match p.household {
            Some(household) if household.kind == HouseholdKind::Twins => {
                resource["multipleBirthInteger"] = json!(p.index % 2 + 1);
            }
            _ => resource["multipleBirthBoolean"] = json!(false),
        }
        if let Some(death) = chart.deceased_at {
            resource["deceasedDateTime"] = json!(self.clock.instant(death));
        }
        resource
    }

    fn organization_address(&self) -> Value {
        let organization = &ORGANIZATIONS[self.patient.org];
        let city = organization.home_city();
        json!([{
            "line": [organization.street],
            "city": city.name,
            "state": city.state,
            "postalCode": format!("{:05}", city.first_postal_code()),
            "country": "US",
        }])
    }

    fn organization_entry(&self) -> Value {
        let organization = &ORGANIZATIONS[self.patient.org];
        let id = self.chart.directory.organization_id;
        let slug = slug(organization.name);
        let resource = json!({
            "resourceType": "Organization",
            "id": id.to_string(),
            "identifier": [{ "system": ORGANIZATION_SYSTEM, "value": slug }],
            "active": true,
            "type": [concept_of("http://terminology.hl7.org/CodeSystem/organization-type", "prov", "Healthcare Provider")],
            "name": organization.name,
            "telecom": [{ "system": "phone", "value": organization.phone }],
            "address": self.organization_address(),
        });
        let request = json!({
            "method": "POST",
            "url": "Organization",
            "ifNoneExist": format!("identifier={ORGANIZATION_SYSTEM}|{slug}"),
        });
        entry_with_request(id, resource, request)
    }

    fn practitioner_entry(&self, practitioner: &Practitioner) -> Value {
        let resource = json!({
            "resourceType": "Practitioner",
            "id": practitioner.id.to_string(),
            "identifier": [{ "system": "http://hl7.org/fhir/sid/us-npi", "value": practitioner.npi }],
            "active": true,
            "name": [{
                "family": practitioner.family,
                "given": [practitioner.given],
                "prefix": ["Dr."],
                "suffix": [if practitioner.urgent_care { "DO" } else { "MD" }],
            }],
            "gender": practitioner.sex.code(),
            "address": self.organization_address(),
        });
        let request = json!({
            "method": "POST",
            "url": "Practitioner",
            "ifNoneExist": format!("identifier=http://hl7.org/fhir/sid/us-npi|{}", practitioner.npi),
        });
        entry_with_request(practitioner.id, resource, request)
    }

    fn practitioner_ref(&self, index: usize) -> Value {
        let practitioner = &self.chart.directory.practitioners[index];
        reference_with_display(practitioner.id, &practitioner.display())
    }

    fn encounter(&self, encounter: &Encounter) -> Value {
        let (class_code, class_display) = encounter.kind.class();
        let mut resource = json!({
            "resourceType": "Encounter",
            "id": encounter.id.to_string(),
            "status": "finished",
            "class": {
                "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                "code": class_code,
                "display": class_display,
            },
            "type": [concept(&encounter.kind.code())],
            "subject": reference_with_display(self.patient.id, &self.patient.full_name()),
            "participant": [{
                "type": [concept_of(
                    "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                    "PPRF",
                    "primary performer",
                )],
                "individual": self.practitioner_ref(encounter.practitioner),
            }],
            "period": {
                "start": self.clock.instant(encounter.start),
                "end": self.clock.instant(encounter.end),
            },
            "serviceProvider": reference_with_display(self.chart.directory.organization_id, self.patient.organization),
        });
        if let Some(reason) = encounter.reason.map(|i| &self.chart.conditions[i]) {
            resource["reasonCode"] = json!([concept(&reason.code)]);
        }
        if let Some(appointment) = encounter.appointment.map(|i| &self.chart.appointments[i]) {
            resource["appointment"] = json!([reference(appointment.id)]);
        }
        resource
    }

    fn condition(&self, condition: &ConditionRecord) -> Value {
        let resolved = condition.abatement.is_some();
        let (category, category_display) = if condition.chronic {
            ("problem-list-item", "Problem List Item")
        } else {
            ("encounter-diagnosis", "Encounter Diagnosis")
        };
        let mut resource = json!({
            "resourceType": "Condition",
            "id": condition.id.to_string(),
            "clinicalStatus": status(
                "http://terminology.hl7.org/CodeSystem/condition-clinical",
                if resolved { "resolved" } else { "active" },
            ),
            "verificationStatus": status("http://terminology.hl7.org/CodeSystem/condition-ver-status", "confirmed"),
            "category": [concept_of(
                "http://terminology.hl7.org/CodeSystem/condition-category",
                category,
                category_display,
            )],
            "code": concept(&condition.code),
            "subject": self.subject(),
            "encounter": reference(self.chart.encounters[condition.encounter].id),
            "onsetDateTime": self.clock.instant(condition.onset),
            "recordedDate": self.clock.instant(condition.recorded),
        });
        if let Some(abatement) = condition.abatement {
            resource["abatementDateTime"] = json!(self.clock.instant(abatement));
        }
        resource
    }

    fn observation(&self, observation: &Observation, encounter: &Encounter) -> Value {
        let (category, category_display) = match observation.value {
            ObservationValue::Lab { .. } => ("laboratory", "Laboratory"),
            ObservationValue::Smoking(_) => ("social-history", "Social History"),
            _ => ("vital-signs", "Vital Signs"),
        };
        let mut resource = json!({
            "resourceType": "Observation",
            "id": observation.id.to_string(),
            "status": "final",
            "category": [{ "coding": [{ "system": OBSERVATION_CATEGORY, "code": category, "display": category_display }] }],
            "subject": self.subject(),
            "encounter": reference(encounter.id),
            "effectiveDateTime": self.clock.instant(observation.effective),
            "issued": self.clock.instant(observation.issued),
        });
        match &observation.value {
            ObservationValue::Lab { analyte, value } => {
                let def = analyte.def();
                resource["code"] = concept_of(LOINC, def.code, def.display);
                resource["valueQuantity"] = quantity(*value, def.decimals, def.unit);
                let range = def.range(self.patient.sex);
                let mut reference_range = json!({});
                if let Some(low) = range.0 {
                    reference_range["low"] = quantity(low, def.decimals, def.unit);
                }
                if let Some(high) = range.1 {
                    reference_range["high"] = quantity(high, def.decimals, def.unit);
                }
                reference_range["text"] = json!(range_text(range, def.decimals, def.unit));
                resource["referenceRange"] = json!([reference_range]);
                let flag = interpretation(*value, range);
                let display = match flag {
                    "H" => "High",
                    "L" => "Low",
                    _ => "Normal",
                };
                resource["interpretation"] = json!([{
                    "coding": [{ "system": INTERPRETATION, "code": flag, "display": display }],
                    "text": display,
                }]);
            }
            ObservationValue::Vital { kind, value } => {
                resource["code"] = concept_of(LOINC, kind.code, kind.display);
                resource["valueQuantity"] = quantity(
                    *value,
                    if kind.unit == "/min" || kind.unit == "%" {
                        0
                    } else {
                        1
                    },
                    kind.unit,
                );
            }
            ObservationValue::BloodPressure {
                systolic,
                diastolic,
            } => {
                resource["code"] = concept_of(
                    LOINC,
                    "85354-9",
                    "Blood pressure panel with all children optional",
                );
                resource["component"] = json!([
                    {
                        "code": concept_of(LOINC, "8480-6", "Systolic blood pressure"),
                        "valueQuantity": quantity(*systolic, 0, "mm[Hg]"),
                    },
                    {
                        "code": concept_of(LOINC, "8462-4", "Diastolic blood pressure"),
                        "valueQuantity": quantity(*diastolic, 0, "mm[Hg]"),
                    },
                ]);
            }
            ObservationValue::Smoking(smoking) => {
                resource["code"] = concept_of(LOINC, "72166-2", "Tobacco smoking status");
                resource["valueCodeableConcept"] = concept(&smoking.code());
            }
        }
        resource
    }

    fn report(&self, report: &Report, encounter: &Encounter) -> Value {
        let (code, display) = report.panel.code();
        let results: Vec<Value> = encounter.observations[report.results.clone()]
            .iter()
            .map(|o| match &o.value {
                ObservationValue::Lab { analyte, .. } => {
                    reference_with_display(o.id, analyte.def().display)
                }
                _ => reference(o.id),
            })
            .collect();
        json!({
            "resourceType": "DiagnosticReport",
            "id": report.id.to_string(),
            "status": "final",
            "category": [concept_of("http://terminology.hl7.org/CodeSystem/v2-0074", "LAB", "Laboratory")],
            "code": concept_of(LOINC, code, display),
            "subject": self.subject(),
            "encounter": reference(encounter.id),
            "effectiveDateTime": self.clock.instant(report.effective),
            "issued": self.clock.instant(report.issued),
            "performer": [reference_with_display(self.chart.directory.organization_id, self.patient.organization)],
            "result": results,
        })
    }

    fn medication(&self, medication: &MedicationRecord, encounter: &Encounter) -> Value {
        let drug = medication.drug;
        let mut dosage = json!({
            "sequence": 1,
            "text": drug.instruction,
            "timing": { "repeat": { "frequency": drug.frequency, "period": drug.period_days, "periodUnit": "d" } },
            "asNeededBoolean": drug.as_needed,
            "doseAndRate": [{
                "type": concept_of("http://terminology.hl7.org/CodeSystem/dose-rate-type", "ordered", "Ordered"),
                "doseQuantity": { "value": number(drug.dose, if drug.dose.fract() == 0.0 { 0 } else { 1 }) },
            }],
        });
        if drug.course_days > 0 {
            dosage["timing"]["repeat"]["boundsDuration"] =
                json!({ "value": drug.course_days, "unit": "days", "system": UCUM, "code": "d" });
        }
        let mut resource = json!({
            "resourceType": "MedicationRequest",
            "id": medication.id.to_string(),
            "status": if medication.active { "active" } else { "stopped" },
            "intent": "order",
            "category": [concept_of(
                "http://terminology.hl7.org/CodeSystem/medicationrequest-category",
                "community",
                "Community",
            )],
            "medicationCodeableConcept": concept(&drug.code),
            "subject": self.subject(),
            "encounter": reference(encounter.id),
            "authoredOn": self.clock.instant(medication.authored),
            "requester": self.practitioner_ref(medication.practitioner),
            "dosageInstruction": [dosage],
        });
        if let Some(reason) = medication.reason.map(|i| &self.chart.conditions[i]) {
            resource["reasonReference"] =
                json!([reference_with_display(reason.id, reason.code.display)]);
        }
        resource
    }

    fn allergy(&self, allergy: &AllergyRecord) -> Value {
        json!({
            "resourceType": "AllergyIntolerance",
            "id": allergy.id.to_string(),
            "clinicalStatus": status(
                "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
                if allergy.active { "active" } else { "inactive" },
            ),
            "verificationStatus": status(
                "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification",
                if allergy.confirmed { "confirmed" } else { "unconfirmed" },
            ),
            "type": "allergy",
            "category": [allergy.def.category],
            "criticality": allergy.criticality,
            "code": concept(&allergy.def.code),
            "patient": self.subject(),
            "recordedDate": self.clock.instant(allergy.recorded),
            "reaction": [{
                "manifestation": [concept(allergy.manifestation)],
                "severity": allergy.severity,
            }],
        })
    }

    fn goal(&self, plan: &CarePlanRecord, goal: &crate::chart::GoalRecord) -> Value {
        let (code, display) = if goal.achieved {
            ("achieved", "Achieved")
        } else {
            ("in-progress", "In Progress")
        };
        let condition = &self.chart.conditions[plan.condition];
        let mut resource = json!({
            "resourceType": "Goal",
            "id": goal.id.to_string(),
            "lifecycleStatus": if plan.active { "active" } else { "completed" },
            "achievementStatus": {
                "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/goal-achievement", "code": code, "display": display }],
                "text": display,
            },
            "description": { "text": goal.def.description },
            "subject": self.subject(),
            "startDate": goal.start.to_string(),
            "addresses": [reference_with_display(condition.id, condition.code.display)],
        });
        if let Some((code, display, comparator, value, unit)) = goal.def.target {
            resource["target"] = json!([{
                "measure": { "coding": [{ "system": LOINC, "code": code, "display": display }] },
                "detailQuantity": { "value": value, "comparator": comparator, "unit": unit, "system": UCUM, "code": unit },
            }]);
        }
        resource
    }

    fn care_plan(&self, plan: &CarePlanRecord, encounter: &Encounter) -> Value {
        let condition = &self.chart.conditions[plan.condition];
        let activity_status = if plan.active {
            "in-progress"
        } else {
            "completed"
        };
        let activities: Vec<Value> = plan
            .def
            .activities
            .iter()
            .map(|code| json!({ "detail": { "code": concept(code), "status": activity_status } }))
            .collect();
        json!({
            "resourceType": "CarePlan",
            "id": plan.id.to_string(),
            "status": if plan.active { "active" } else { "completed" },
            "intent": "plan",
            "title": plan.def.category.display.split(" (").next().unwrap_or(plan.def.category.display),
            "category": [
                { "coding": [{ "system": "http://hl7.org/fhir/us/core/CodeSystem/careplan-category", "code": "assess-plan" }] },
                concept(&plan.def.category),
            ],
            "subject": self.subject(),
            "encounter": reference(encounter.id),
            "period": { "start": self.clock.instant(plan.start) },
            "addresses": [reference_with_display(condition.id, condition.code.display)],
            "goal": plan.goals.iter().map(|g| reference(g.id)).collect::<Vec<_>>(),
            "activity": activities,
        })
    }

    fn appointment(&self, appointment: &Appointment) -> Value {
        let practitioner = &self.chart.directory.practitioners[appointment.practitioner];
        let (type_code, type_display) = appointment.kind.appointment_type();
        let end = appointment
            .start
            .saturating_add(jiff::Span::new().minutes(appointment.minutes));
        let mut resource = json!({
            "resourceType": "Appointment",
            "id": appointment.id.to_string(),
            "status": appointment.status.code(),
            "serviceType": [concept(&appointment.kind.code())],
            "appointmentType": { "coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/v2-0276",
                "code": type_code,
                "display": type_display,
            }] },
            "description": format!("{} with {}", appointment.description, practitioner.display()),
            "start": self.clock.instant(appointment.start),
            "end": self.clock.instant(end),
            "minutesDuration": appointment.minutes,
            "created": self.clock.instant(appointment.created),
            "participant": [
                {
                    "actor": reference_with_display(self.patient.id, &self.patient.full_name()),
                    "required": "required",
                    "status": "accepted",
                },
                {
                    "actor": reference_with_display(practitioner.id, &practitioner.display()),
                    "required": "required",
                    "status": "accepted",
                },
            ],
        });
        if let Some(reason) = appointment.reason.map(|i| &self.chart.conditions[i]) {
            resource["reasonReference"] =
                json!([reference_with_display(reason.id, reason.code.display)]);
        }
        match appointment.status {
            AppointmentStatus::Cancelled => {
                resource["cancelationReason"] = json!({ "text": "Patient asked to reschedule" });
            }
            AppointmentStatus::Booked => {
                resource["comment"] =
                    json!("Please arrive 15 minutes early and bring your insurance card.");
            }
            _ => {}
        }
        resource
    }
}

/// "< 100 mg/dL", "4.5-11.0 10*3/uL" or "> 39 mg/dL" as laboratories print ranges.
fn range_text(range: (Option<f64>, Option<f64>), decimals: u32, unit: &str) -> String {
    let show = |v: f64| format!("{:.*}", decimals as usize, v);
    match range {
        (Some(low), Some(high)) => format!("{}-{} {unit}", show(low), show(high)),
        (None, Some(high)) => format!("<={} {unit}", show(high)),
        (Some(low), None) => format!(">={} {unit}", show(low)),
        (None, None) => String::new(),
    }
}

/// "lakeshore-community-health".
fn slug(name: &str) -> String {
    name.to_ascii_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join("-")
}

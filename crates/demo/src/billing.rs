//! Charges, insurance adjudication and patient payments, and their Claim and
//! ExplanationOfBenefit resources.
//!
//! Every encounter is billed: a Claim lists the charges (`item[].net`, `total`), and an
//! ExplanationOfBenefit references it and says who pays what. See the crate docs for the
//! exact shape of the amounts.

use jiff::ToSpan;
use jiff::civil::{Date, DateTime};
use rand::Rng;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::catalog::{Code, LOINC, procedures};
use crate::chart::{Encounter, EncounterKind};
use crate::fhir::{Clock, concept, money, reference, reference_with_display};
use crate::labs::{Panel, round_to};
use crate::rng::{self, pick};

/// Code system of the base adjudication categories (`submitted`, `eligible`, `benefit`).
pub const ADJUDICATION: &str = "http://terminology.hl7.org/CodeSystem/adjudication";
/// Code system of the CARIN Blue Button categories (`memberliability`, `paidbypatient`).
pub const CARIN_ADJUDICATION: &str = "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBAdjudication";
/// Code system of Porchlight's own category `patientpay`: what the patient still owes.
pub const PORCHLIGHT_ADJUDICATION: &str =
    "https://porchlight.example.org/fhir/CodeSystem/adjudication";

/// Who pays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Coverage {
    Private(usize),
    Medicaid,
    Medicare,
    SelfPay,
}

const PRIVATE_PAYERS: [&str; 4] = [
    "Blue Harbor Health Plan",
    "Summit Mutual Health",
    "Evergreen Health Insurance",
    "Cornerstone Health Plan",
];

impl Coverage {
    pub(crate) fn payer(self) -> &'static str {
        match self {
            Coverage::Private(i) => PRIVATE_PAYERS[i % PRIVATE_PAYERS.len()],
            Coverage::Medicaid => "Medicaid",
            Coverage::Medicare => "Medicare",
            Coverage::SelfPay => "Self-pay",
        }
    }
}

/// A patient's insurance over their life, and the deductible they have used each year.
pub(crate) struct Insurance {
    child: Coverage,
    adult: Coverage,
    /// A Medicare supplement pays the 20% coinsurance.
    supplement: bool,
    deductible: f64,
    allowed_rate: f64,
    office_copay: f64,
    urgent_copay: f64,
    used: Vec<(i16, f64)>,
    /// How fast this patient pays bills.
    punctual: f64,
}

impl Insurance {
    pub(crate) fn draw(rng: &mut impl Rng) -> Self {
        let private = Coverage::Private(rng.random_range(0..PRIVATE_PAYERS.len()));
        let child = match rng.random_range(0..100) {
            0..=39 => Coverage::Medicaid,
            40..=96 => private,
            _ => Coverage::SelfPay,
        };
        let adult = match rng.random_range(0..100) {
            0..=69 => private,
            70..=85 => Coverage::Medicaid,
            86..=95 => Coverage::SelfPay,
            _ => Coverage::Medicare,
        };
        Insurance {
            child,
            adult,
            supplement: rng.random_bool(0.5),
            deductible: *pick(rng, &[500.0, 1000.0, 1500.0, 3000.0]),
            allowed_rate: rng.random_range(0.55..0.8),
            office_copay: *pick(rng, &[20.0, 25.0, 30.0, 40.0]),
            urgent_copay: *pick(rng, &[50.0, 75.0, 100.0]),
            used: Vec::new(),
            punctual: rng.random_range(0.75..1.0),
        }
    }

    fn coverage(&self, age: u32) -> Coverage {
        match age {
            0..=18 => self.child,
            65.. => Coverage::Medicare,
            _ => self.adult,
        }
    }

    /// Takes up to `amount` from this year's remaining deductible; returns what it took.
    fn apply_deductible(&mut self, year: i16, amount: f64, deductible: f64) -> f64 {
        let used = match self.used.iter_mut().find(|(y, _)| *y == year) {
            Some((_, used)) => used,
            None => {
                self.used.push((year, 0.0));
                &mut self.used.last_mut().expect("just pushed").1
            }
        };
        let take = amount.min((deductible - *used).max(0.0));
        *used += take;
        take
    }
}

/// One billed service.
#[derive(Clone, Debug)]
pub(crate) struct BillLine {
    pub product: Code,
    pub charge: f64,
    pub allowed: f64,
    pub insurer: f64,
    pub patient: f64,
}

/// The charges of one encounter and how they were settled.
#[derive(Clone, Debug)]
pub(crate) struct Bill {
    pub claim_id: Uuid,
    pub eob_id: Uuid,
    pub coverage: Coverage,
    pub lines: Vec<BillLine>,
    /// When the insurer processed the claim (the EOB's `created`).
    pub processed: Date,
    /// What the patient has paid so far towards their share.
    pub patient_paid: f64,
}

impl Bill {
    pub(crate) fn billed(&self) -> f64 {
        round_to(self.lines.iter().map(|l| l.charge).sum(), 2)
    }

    pub(crate) fn allowed(&self) -> f64 {
        round_to(self.lines.iter().map(|l| l.allowed).sum(), 2)
    }

    pub(crate) fn insurer_paid(&self) -> f64 {
        round_to(self.lines.iter().map(|l| l.insurer).sum(), 2)
    }

    pub(crate) fn patient_share(&self) -> f64 {
        round_to(self.lines.iter().map(|l| l.patient).sum(), 2)
    }

    /// What the patient still owes on this encounter.
    pub(crate) fn balance(&self) -> f64 {
        round_to(self.patient_share() - self.patient_paid, 2)
    }
}

/// Price-list factor per organization (regional price differences).
const ORGANIZATION_PRICES: [f64; 7] = [1.0, 0.95, 1.25, 1.3, 0.95, 1.05, 0.98];

fn visit_charge(kind: EncounterKind, age: u32) -> f64 {
    match kind {
        EncounterKind::WellAdult => {
            if age >= 65 {
                265.0
            } else {
                235.0
            }
        }
        EncounterKind::WellChild => 185.0,
        EncounterKind::FollowUp => 145.0,
        EncounterKind::Telehealth => 95.0,
        EncounterKind::Problem => 175.0,
        EncounterKind::UrgentCare => 210.0,
        EncounterKind::Emergency => 1480.0,
        EncounterKind::Procedure => 420.0,
        EncounterKind::Immunization => 40.0,
    }
}

fn panel_charge(panel: Panel) -> f64 {
    match panel {
        Panel::Cbc => 38.0,
        Panel::Comprehensive => 52.0,
        Panel::Basic => 34.0,
        Panel::Lipid => 61.0,
        Panel::A1c => 44.0,
        Panel::Tsh => 58.0,
    }
}

fn vaccine_charge(vaccine: &Code) -> f64 {
    match vaccine.code {
        "140" => 42.0,
        "135" => 68.0,
        "115" => 71.0,
        "33" => 130.0,
        "133" => 245.0,
        "187" => 215.0,
        "165" => 290.0,
        "207" | "208" | "213" => 0.0,
        _ => 65.0,
    }
}

/// Charge of a procedure, and whether it is preventive screening.
fn procedure_charge(code: &Code) -> (f64, bool) {
    match code.code {
        c if c == procedures::COLONOSCOPY.code => (1850.0, true),
        c if c == procedures::MAMMOGRAPHY.code => (260.0, true),
        c if c == procedures::DEPRESSION_SCREENING.code => (30.0, true),
        c if c == procedures::EYE_EXAM.code => (140.0, true),
        c if c == procedures::ECG.code => (95.0, false),
        c if c == procedures::SPIROMETRY.code => (125.0, false),
        c if c == procedures::SUTURE.code => (340.0, false),
        c if c == procedures::CHEST_XRAY.code => (185.0, false),
        c if c == procedures::THROAT_CULTURE.code => (45.0, false),
        _ => (0.0, false),
    }
}

/// Bills an encounter: charges, adjudication, and what the patient has paid by `today`.
pub(crate) fn bill(
    rng: &mut impl Rng,
    encounter: &Encounter,
    insurance: &mut Insurance,
    age: u32,
    organization: usize,
    today: Date,
) -> Bill {
    let factor = ORGANIZATION_PRICES[organization % ORGANIZATION_PRICES.len()];
    let price = |charge: f64| round_to(charge * factor, 2);
    let well = encounter.kind.preventive();
    // (product, charge, preventive, is the visit line)
    let mut services: Vec<(Code, f64, bool, bool)> = vec![(
        encounter.kind.code(),
        price(visit_charge(encounter.kind, age)),
        well,
        true,
    )];
    for report in &encounter.reports {
        let (code, display) = report.panel.code();
        let screening = well && matches!(report.panel, Panel::Lipid | Panel::A1c);
        services.push((
            Code {
                system: LOINC,
                code,
                display,
            },
            price(panel_charge(report.panel)),
            screening,
            false,
        ));
    }
    for shot in &encounter.immunizations {
        services.push((
            *shot.vaccine,
            price(vaccine_charge(shot.vaccine)),
            true,
            false,
        ));
    }
    for procedure in &encounter.procedures {
        let (charge, screening) = procedure_charge(procedure.code);
        if charge > 0.0 {
            services.push((*procedure.code, price(charge), screening, false));
        }
    }

    let coverage = insurance.coverage(age);
    let year = encounter.start.year();
    let lines = services
        .into_iter()
        .map(|(product, charge, preventive, visit)| {
            let (rate, deductible) = match coverage {
                Coverage::Private(_) => (insurance.allowed_rate, insurance.deductible),
                Coverage::Medicare => (0.48, 240.0),
                Coverage::Medicaid => (0.4, 0.0),
                Coverage::SelfPay => (0.65, 0.0),
            };
            let allowed = round_to(charge * rate, 2);
            let patient = match coverage {
                Coverage::SelfPay => allowed,
                Coverage::Medicaid => 0.0,
                _ if preventive => 0.0,
                Coverage::Medicare => {
                    let from_deductible = insurance.apply_deductible(year, allowed, deductible);
                    if insurance.supplement {
                        0.0
                    } else {
                        from_deductible + 0.2 * (allowed - from_deductible)
                    }
                }
                Coverage::Private(_) => {
                    let copay = match encounter.kind {
                        EncounterKind::UrgentCare => insurance.urgent_copay,
                        EncounterKind::Emergency => 250.0,
                        EncounterKind::Telehealth => 15.0,
                        _ => insurance.office_copay,
                    };
                    if visit {
                        copay.min(allowed)
                    } else {
                        let from_deductible = insurance.apply_deductible(year, allowed, deductible);
                        from_deductible + 0.2 * (allowed - from_deductible)
                    }
                }
            };
            let patient = round_to(patient, 2);
            BillLine {
                product,
                charge,
                allowed,
                insurer: round_to(allowed - patient, 2),
                patient,
            }
        })
        .collect::<Vec<_>>();

    let processed = encounter
        .end
        .date()
        .saturating_add(rng.random_range(10..35).days())
        .min(today);
    let share: f64 = round_to(lines.iter().map(|l| l.patient).sum(), 2);
    let age_of_bill = (today - processed).get_days();
    let patient_paid = if share <= 0.0 {
        0.0
    } else if age_of_bill > 60 {
        match rng.random::<f64>() {
            r if r < 0.9 * insurance.punctual + 0.05 => share,
            r if r < 0.95 => round_to(share * rng.random_range(0.3..0.8), 2),
            _ => 0.0,
        }
    } else if rng.random_bool(0.3 * insurance.punctual) {
        share
    } else {
        0.0
    };
    Bill {
        claim_id: rng::uuid(rng),
        eob_id: rng::uuid(rng),
        coverage,
        lines,
        processed,
        patient_paid,
    }
}

/// Ids the billing resources point at.
pub(crate) struct BillingRefs<'a> {
    pub patient: Uuid,
    pub organization: Uuid,
    pub organization_name: &'a str,
    pub practitioner: Uuid,
    pub practitioner_name: &'a str,
    /// Conditions the encounter addressed.
    pub diagnoses: Vec<Uuid>,
}

fn claim_type(kind: EncounterKind) -> Value {
    let code = if kind == EncounterKind::Emergency {
        "institutional"
    } else {
        "professional"
    };
    json!({ "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/claim-type", "code": code }] })
}

fn period(clock: &Clock, start: DateTime, end: DateTime) -> Value {
    json!({ "start": clock.instant(start), "end": clock.instant(end) })
}

pub(crate) fn claim_resource(
    bill: &Bill,
    encounter: &Encounter,
    refs: &BillingRefs,
    clock: &Clock,
) -> Value {
    let items: Vec<Value> = bill
        .lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let mut item = json!({
                "sequence": i + 1,
                "productOrService": concept(&line.product),
                "net": money(line.charge),
            });
            if i == 0 {
                item["encounter"] = json!([reference(encounter.id)]);
                if !refs.diagnoses.is_empty() {
                    item["diagnosisSequence"] =
                        json!((1..=refs.diagnoses.len()).collect::<Vec<_>>());
                }
            }
            item
        })
        .collect();
    let mut claim = json!({
        "resourceType": "Claim",
        "id": bill.claim_id.to_string(),
        "status": "active",
        "type": claim_type(encounter.kind),
        "use": "claim",
        "patient": reference(refs.patient),
        "billablePeriod": period(clock, encounter.start, encounter.end),
        "created": clock.instant(encounter.end),
        "provider": reference_with_display(refs.organization, refs.organization_name),
        "priority": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/processpriority", "code": "normal" }] },
        "insurance": [{ "sequence": 1, "focal": true, "coverage": { "display": bill.coverage.payer() } }],
        "item": items,
        "total": money(bill.billed()),
    });
    if !refs.diagnoses.is_empty() {
        claim["diagnosis"] = json!(
            refs.diagnoses
                .iter()
                .enumerate()
                .map(|(i, id)| json!({ "sequence": i + 1, "diagnosisReference": reference(*id) }))
                .collect::<Vec<_>>()
        );
    }
    claim
}

fn adjudication(system: &str, code: &str, display: &str, amount: f64) -> Value {
    json!({
        "category": { "coding": [{ "system": system, "code": code, "display": display }], "text": display },
        "amount": money(amount),
    })
}

pub(crate) fn eob_resource(
    bill: &Bill,
    encounter: &Encounter,
    refs: &BillingRefs,
    clock: &Clock,
) -> Value {
    let items: Vec<Value> = bill
        .lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let mut item = json!({
                "sequence": i + 1,
                "productOrService": concept(&line.product),
                "servicedPeriod": period(clock, encounter.start, encounter.end),
                "net": money(line.charge),
                "adjudication": [
                    adjudication(ADJUDICATION, "submitted", "Submitted Amount", line.charge),
                    adjudication(ADJUDICATION, "eligible", "Eligible Amount", line.allowed),
                    adjudication(ADJUDICATION, "benefit", "Benefit Amount", line.insurer),
                    adjudication(CARIN_ADJUDICATION, "memberliability", "Member liability", line.patient),
                ],
            });
            if i == 0 {
                item["encounter"] = json!([reference(encounter.id)]);
            }
            item
        })
        .collect();
    let processed = bill.processed.at(12, 0, 0, 0);
    let mut eob = json!({
        "resourceType": "ExplanationOfBenefit",
        "id": bill.eob_id.to_string(),
        "status": "active",
        "type": claim_type(encounter.kind),
        "use": "claim",
        "patient": reference(refs.patient),
        "billablePeriod": period(clock, encounter.start, encounter.end),
        "created": clock.instant(processed),
        "insurer": { "display": bill.coverage.payer() },
        "provider": reference_with_display(refs.practitioner, refs.practitioner_name),
        "claim": reference(bill.claim_id),
        "outcome": "complete",
        "careTeam": [{
            "sequence": 1,
            "provider": reference(refs.practitioner),
            "role": { "coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/claimcareteamrole",
                "code": "primary",
                "display": "Primary provider",
            }] },
        }],
        "insurance": [{ "focal": true, "coverage": { "display": bill.coverage.payer() } }],
        "item": items,
        "total": [
            adjudication(ADJUDICATION, "submitted", "Submitted Amount", bill.billed()),
            adjudication(ADJUDICATION, "eligible", "Eligible Amount", bill.allowed()),
            adjudication(ADJUDICATION, "benefit", "Benefit Amount", bill.insurer_paid()),
            adjudication(CARIN_ADJUDICATION, "memberliability", "Member liability", bill.patient_share()),
            adjudication(CARIN_ADJUDICATION, "paidbypatient", "Paid by patient", bill.patient_paid),
            adjudication(PORCHLIGHT_ADJUDICATION, "patientpay", "Patient balance due", bill.balance().max(0.0)),
        ],
        "payment": {
            "date": processed.date().to_string(),
            "amount": money(bill.insurer_paid()),
        },
    });
    if !refs.diagnoses.is_empty() {
        eob["diagnosis"] = json!(
            refs.diagnoses
                .iter()
                .enumerate()
                .map(|(i, id)| json!({
                    "sequence": i + 1,
                    "diagnosisReference": reference(*id),
                    "type": [{ "coding": [{
                        "system": "http://terminology.hl7.org/CodeSystem/ex-diagnosistype",
                        "code": if i == 0 { "principal" } else { "secondary" },
                    }] }],
                }))
                .collect::<Vec<_>>()
        );
    }
    eob
}

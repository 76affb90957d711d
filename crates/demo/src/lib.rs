//! Porchlight's demo data: a deterministic generator of realistic synthetic patients,
//! emitted as FHIR R4 transaction Bundles shaped like Synthea's, so the FHIR importer
//! reads them the same way.
//!
//! ```
//! use demo::Generator;
//! use jiff::civil::date;
//!
//! let generator = Generator::new(42, date(2026, 3, 1));
//! let patient = generator.patient(7); // cheap: demographics only
//! assert!(patient.mrn.starts_with("PL"));
//! let bundle = patient.to_bundle(); // the whole clinical history
//! assert_eq!(bundle["type"], "transaction");
//! ```
//!
//! # Determinism
//! Patient `index` depends only on `(seed, index, today)`: generating index 5 alone gives
//! exactly what generating 0..10 gives at position 5. Every value comes from ChaCha8
//! streams keyed by the seed and numbered by the index; UUIDs come from those streams too,
//! never from the clock, and all dates are relative to `today`.
//!
//! # Population
//! US names of many heritages (accents such as "José", "Zoë", "García" kept in most charts
//! and stripped in some, hyphenated and two-word surnames, middle names and initials,
//! Jr./Sr.), ages 0 to 100 with most patients 30 to 80, about 4% deceased, about 15%
//! preferring Spanish. Consecutive indices `2k` and `2k + 1` sometimes form a household
//! (couple, parent and child, father and son with the same name, twins) that shares an
//! address, phone or birth date: the hard cases for identity matching.
//!
//! # Bundle contents
//! Patient (MRN identifier typed `MR`, synthetic SSN typed `SS`), Organization and
//! Practitioners (`request.ifNoneExist` by identifier so they are created once),
//! Encounters over 3 to 8 years, Conditions, Observations (vital signs and laboratory
//! results with LOINC codes, UCUM units, `referenceRange` and `interpretation` H/L/N),
//! DiagnosticReports per laboratory panel, MedicationRequests (RxNorm, `reasonReference`
//! to their Condition), AllergyIntolerances, Immunizations (CVX), Procedures, CarePlans
//! and Goals, Appointments (`fulfilled`, `cancelled`, `noshow` in the past, `booked` in
//! the next 60 days), and a Claim and ExplanationOfBenefit per encounter.
//!
//! # Laboratory results
//! Each result Observation has `category` `laboratory`, a LOINC `code`, a UCUM
//! `valueQuantity`, `interpretation[0].coding[0].code` `H`, `L` or `N`, and one
//! `referenceRange` with `low` and/or `high` plus `text` ("70-99 mg/dL"). Ranges are
//! one-sided where laboratories print them so: total cholesterol, LDL, triglycerides and
//! HbA1c have only `high`; HDL and eGFR only `low`. Hemoglobin, hematocrit, red cells and
//! creatinine use the patient's sex. Values follow the patient: diabetics' HbA1c and
//! glucose are high and move with treatment over the years, statins lower LDL once
//! started, kidney disease raises creatinine, and so on.
//!
//! # Billing amounts
//! Each `Claim` lists charges: `item[].net` per service and `total` (USD). The
//! `ExplanationOfBenefit` references its claim (`claim.reference`) and carries the money
//! in `total[]`, one entry per category (`total[].category.coding[0]`, amount in
//! `total[].amount.value`, currency `USD`):
//!
//! | system | code | meaning |
//! |---|---|---|
//! | `http://terminology.hl7.org/CodeSystem/adjudication` | `submitted` | amount billed |
//! | `http://terminology.hl7.org/CodeSystem/adjudication` | `eligible` | amount allowed by the payer |
//! | `http://terminology.hl7.org/CodeSystem/adjudication` | `benefit` | amount the insurer paid |
//! | `http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBAdjudication` | `memberliability` | the patient's share (copay, deductible, coinsurance) |
//! | `http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBAdjudication` | `paidbypatient` | what the patient has paid so far |
//! | `https://porchlight.example.org/fhir/CodeSystem/adjudication` | `patientpay` | **what the patient still owes** |
//!
//! So: amount billed = `submitted`, insurer paid = `benefit`, patient owes = `patientpay`,
//! which always equals `memberliability − paidbypatient` (never negative). `payment.amount`
//! repeats the insurer's payment (`benefit`) and `insurer.display` names the payer
//! ("Medicare", "Medicaid", a private plan, or "Self-pay" for the uninsured, whose share is
//! the whole allowed amount). The same categories appear per line in
//! `item[].adjudication`, except `paidbypatient`. Write-offs are `submitted − eligible`.

mod appointments;
mod billing;
mod bundle;
mod catalog;
mod chart;
mod fhir;
mod history;
mod household;
mod labs;
mod names;
mod person;
mod places;
mod problems;
mod rng;
mod schedule;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use jiff::civil::Date;

pub use billing::{ADJUDICATION, CARIN_ADJUDICATION, PORCHLIGHT_ADJUDICATION};
pub use household::{Household, HouseholdKind};
pub use person::{Address, DemoPatient, Language, MaritalStatus, Sex};

/// Identifier system of demo medical record numbers.
pub const MRN_SYSTEM: &str = "https://porchlight.example.org/fhir/sid/mrn";
/// Identifier system of demo organizations.
pub const ORGANIZATION_SYSTEM: &str = "https://porchlight.example.org/fhir/sid/organization";

/// Generates demo patients for one seed and one "today".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Generator {
    seed: u64,
    today: Date,
}

impl Generator {
    pub fn new(seed: u64, today: Date) -> Self {
        Generator { seed, today }
    }

    /// Patient `index`; depends only on `(seed, index, today)`. Cheap (demographics
    /// only): the clinical history is built by [`DemoPatient::to_bundle`].
    pub fn patient(&self, index: u64) -> DemoPatient {
        person::generate(self.seed, index, self.today)
    }

    /// Patients `range`, one at a time.
    pub fn patients(&self, range: std::ops::Range<u64>) -> impl Iterator<Item = DemoPatient> + '_ {
        range.map(|index| self.patient(index))
    }
}

impl DemoPatient {
    /// The patient's whole record as a FHIR R4 transaction Bundle.
    pub fn to_bundle(&self) -> serde_json::Value {
        bundle::to_bundle(self)
    }
}

/// Writes `count` patients starting at index 0 as one compact JSON bundle file each
/// (`patient-000001.json` for index 0, ...) into `dir`, creating it if needed; returns
/// the bytes written. Holds one patient in memory at a time.
pub fn write_bundles(dir: &Path, seed: u64, today: Date, count: u64) -> std::io::Result<u64> {
    std::fs::create_dir_all(dir)?;
    let generator = Generator::new(seed, today);
    let mut total = 0;
    for index in 0..count {
        let bundle = generator.patient(index).to_bundle();
        let path = dir.join(format!("patient-{:06}.json", index + 1));
        let mut out = CountingWriter {
            inner: BufWriter::new(File::create(path)?),
            written: 0,
        };
        serde_json::to_writer(&mut out, &bundle)?;
        out.flush()?;
        total += out.written;
    }
    Ok(total)
}

struct CountingWriter<W> {
    inner: W,
    written: u64,
}

impl<W: Write> Write for CountingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

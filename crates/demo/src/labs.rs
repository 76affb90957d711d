//! Laboratory tests, vital signs, and the small physiological model behind their values.
//!
//! Each patient has personal set points (a z-score per analyte) so that their results
//! are consistent from year to year; chronic conditions shift the values (a diabetic's
//! HbA1c and glucose, a statin lowering LDL after it starts), and each draw adds
//! measurement noise. With a set point spread of 0.6 SD and noise of 0.8 SD, about 5% of
//! healthy results fall outside the reference range, as in real laboratories.

use jiff::civil::Date;
use rand::Rng;

use crate::catalog::Chronic;
use crate::person::Sex;
use crate::rng::normal;

/// The analytes the generator reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Analyte {
    Wbc,
    Rbc,
    Hemoglobin,
    Hematocrit,
    Mcv,
    Mch,
    Mchc,
    Rdw,
    Platelets,
    Glucose,
    UreaNitrogen,
    Creatinine,
    Egfr,
    Calcium,
    Sodium,
    Potassium,
    Chloride,
    CarbonDioxide,
    Protein,
    Albumin,
    Bilirubin,
    AlkalinePhosphatase,
    Alt,
    Ast,
    Cholesterol,
    Ldl,
    Hdl,
    Triglycerides,
    HemoglobinA1c,
    Tsh,
}

pub(crate) const ANALYTE_COUNT: usize = 30;

/// LOINC code, display, UCUM unit, decimals shown, and reference range by sex.
pub(crate) struct AnalyteDef {
    pub code: &'static str,
    pub display: &'static str,
    pub unit: &'static str,
    pub decimals: u32,
    female: (Option<f64>, Option<f64>),
    male: (Option<f64>, Option<f64>),
}

impl AnalyteDef {
    /// Low and high reference limits; one side is open for tests such as LDL ("< 100").
    pub(crate) fn range(&self, sex: Sex) -> (Option<f64>, Option<f64>) {
        match sex {
            Sex::Female => self.female,
            Sex::Male => self.male,
        }
    }
}

const fn def(
    code: &'static str,
    display: &'static str,
    unit: &'static str,
    decimals: u32,
    low: Option<f64>,
    high: Option<f64>,
) -> AnalyteDef {
    AnalyteDef {
        code,
        display,
        unit,
        decimals,
        female: (low, high),
        male: (low, high),
    }
}

const fn by_sex(
    code: &'static str,
    display: &'static str,
    unit: &'static str,
    decimals: u32,
    female: (f64, f64),
    male: (f64, f64),
) -> AnalyteDef {
    AnalyteDef {
        code,
        display,
        unit,
        decimals,
        female: (Some(female.0), Some(female.1)),
        male: (Some(male.0), Some(male.1)),
    }
}

/// Definitions in the order of `Analyte`'s variants.
#[rustfmt::skip]
const ANALYTE_DEFS: [AnalyteDef; ANALYTE_COUNT] = [
    /* Wbc */ def("6690-2", "Leukocytes [#/volume] in Blood by Automated count", "10*3/uL", 1, Some(4.5), Some(11.0)),
    /* Rbc */ by_sex("789-8", "Erythrocytes [#/volume] in Blood by Automated count", "10*6/uL", 2, (4.0, 5.2), (4.5, 5.9)),
    /* Hemoglobin */ by_sex("718-7", "Hemoglobin [Mass/volume] in Blood", "g/dL", 1, (12.0, 15.5), (13.5, 17.5)),
    /* Hematocrit */ by_sex("4544-3", "Hematocrit [Volume Fraction] of Blood by Automated count", "%", 1, (36.0, 46.0), (41.0, 53.0)),
    /* Mcv */ def("787-2", "MCV [Entitic volume] by Automated count", "fL", 1, Some(80.0), Some(100.0)),
    /* Mch */ def("785-6", "MCH [Entitic mass] by Automated count", "pg", 1, Some(27.0), Some(33.0)),
    /* Mchc */ def("786-4", "MCHC [Mass/volume] by Automated count", "g/dL", 1, Some(32.0), Some(36.0)),
    /* Rdw */ def("788-0", "Erythrocyte distribution width [Ratio] by Automated count", "%", 1, Some(11.5), Some(14.5)),
    /* Platelets */ def("777-3", "Platelets [#/volume] in Blood by Automated count", "10*3/uL", 0, Some(150.0), Some(400.0)),
    /* Glucose */ def("2345-7", "Glucose [Mass/volume] in Serum or Plasma", "mg/dL", 0, Some(70.0), Some(99.0)),
    /* UreaNitrogen */ def("3094-0", "Urea nitrogen [Mass/volume] in Serum or Plasma", "mg/dL", 0, Some(7.0), Some(20.0)),
    /* Creatinine */ by_sex("2160-0", "Creatinine [Mass/volume] in Serum or Plasma", "mg/dL", 2, (0.59, 1.04), (0.74, 1.35)),
    /* Egfr */ def("62238-1", "Glomerular filtration rate/1.73 sq M.predicted [Volume Rate/Area] in Serum, Plasma or Blood by Creatinine-based formula (CKD-EPI)", "mL/min/{1.73_m2}", 0, Some(60.0), None),
    /* Calcium */ def("17861-6", "Calcium [Mass/volume] in Serum or Plasma", "mg/dL", 1, Some(8.6), Some(10.3)),
    /* Sodium */ def("2951-2", "Sodium [Moles/volume] in Serum or Plasma", "mmol/L", 0, Some(135.0), Some(145.0)),
    /* Potassium */ def("2823-3", "Potassium [Moles/volume] in Serum or Plasma", "mmol/L", 1, Some(3.5), Some(5.1)),
    /* Chloride */ def("2075-0", "Chloride [Moles/volume] in Serum or Plasma", "mmol/L", 0, Some(98.0), Some(107.0)),
    /* CarbonDioxide */ def("2028-9", "Carbon dioxide, total [Moles/volume] in Serum or Plasma", "mmol/L", 0, Some(22.0), Some(29.0)),
    /* Protein */ def("2885-2", "Protein [Mass/volume] in Serum or Plasma", "g/dL", 1, Some(6.0), Some(8.3)),
    /* Albumin */ def("1751-7", "Albumin [Mass/volume] in Serum or Plasma", "g/dL", 1, Some(3.5), Some(5.0)),
    /* Bilirubin */ def("1975-2", "Bilirubin.total [Mass/volume] in Serum or Plasma", "mg/dL", 1, Some(0.1), Some(1.2)),
    /* AlkalinePhosphatase */ def("6768-6", "Alkaline phosphatase [Enzymatic activity/volume] in Serum or Plasma", "U/L", 0, Some(44.0), Some(147.0)),
    /* Alt */ def("1742-6", "Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma", "U/L", 0, Some(7.0), Some(56.0)),
    /* Ast */ def("1920-8", "Aspartate aminotransferase [Enzymatic activity/volume] in Serum or Plasma", "U/L", 0, Some(10.0), Some(40.0)),
    /* Cholesterol */ def("2093-3", "Cholesterol [Mass/volume] in Serum or Plasma", "mg/dL", 0, None, Some(200.0)),
    /* Ldl */ def("18262-6", "Cholesterol in LDL [Mass/volume] in Serum or Plasma by Direct assay", "mg/dL", 0, None, Some(100.0)),
    /* Hdl */ def("2085-9", "Cholesterol in HDL [Mass/volume] in Serum or Plasma", "mg/dL", 0, Some(40.0), None),
    /* Triglycerides */ def("2571-8", "Triglyceride [Mass/volume] in Serum or Plasma", "mg/dL", 0, None, Some(150.0)),
    /* HemoglobinA1c */ def("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", "%", 1, None, Some(5.6)),
    /* Tsh */ def("3016-3", "Thyrotropin [Units/volume] in Serum or Plasma", "m[IU]/L", 2, Some(0.45), Some(4.5)),
];

impl Analyte {
    pub(crate) fn def(self) -> &'static AnalyteDef {
        &ANALYTE_DEFS[self as usize]
    }
}

/// `H`, `L` or `N` against the reference range.
pub(crate) fn interpretation(value: f64, range: (Option<f64>, Option<f64>)) -> &'static str {
    match range {
        (_, Some(high)) if value > high => "H",
        (Some(low), _) if value < low => "L",
        _ => "N",
    }
}

/// Rounds to the decimals a laboratory reports.
pub(crate) fn round_to(value: f64, decimals: u32) -> f64 {
    let factor = 10f64.powi(decimals as i32);
    (value * factor).round() / factor
}

/// A laboratory panel, reported as one DiagnosticReport.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Panel {
    Cbc,
    Comprehensive,
    Basic,
    Lipid,
    A1c,
    Tsh,
}

impl Panel {
    pub(crate) fn code(self) -> (&'static str, &'static str) {
        match self {
            Panel::Cbc => (
                "58410-2",
                "Complete blood count (hemogram) panel - Blood by Automated count",
            ),
            Panel::Comprehensive => (
                "24323-8",
                "Comprehensive metabolic 2000 panel - Serum or Plasma",
            ),
            Panel::Basic => ("51990-0", "Basic metabolic panel - Blood"),
            Panel::Lipid => ("57698-3", "Lipid panel with direct LDL - Serum or Plasma"),
            Panel::A1c => ("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood"),
            Panel::Tsh => ("3016-3", "Thyrotropin [Units/volume] in Serum or Plasma"),
        }
    }

    pub(crate) fn analytes(self) -> &'static [Analyte] {
        use Analyte::*;
        match self {
            Panel::Cbc => &[
                Wbc, Rbc, Hemoglobin, Hematocrit, Mcv, Mch, Mchc, Rdw, Platelets,
            ],
            Panel::Basic => &[
                Glucose,
                UreaNitrogen,
                Creatinine,
                Egfr,
                Calcium,
                Sodium,
                Potassium,
                Chloride,
                CarbonDioxide,
            ],
            Panel::Comprehensive => &[
                Glucose,
                UreaNitrogen,
                Creatinine,
                Egfr,
                Calcium,
                Sodium,
                Potassium,
                Chloride,
                CarbonDioxide,
                Protein,
                Albumin,
                Bilirubin,
                AlkalinePhosphatase,
                Alt,
                Ast,
            ],
            Panel::Lipid => &[Cholesterol, Triglycerides, Ldl, Hdl],
            Panel::A1c => &[HemoglobinA1c],
            Panel::Tsh => &[Tsh],
        }
    }
}

/// A chronic condition's course: when it began, when treatment started, and whether
/// treatment works for this patient.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Course {
    pub onset: Date,
    pub treated_from: Option<Date>,
    pub second_drug_from: Option<Date>,
    pub controlled: bool,
    /// When it resolved, if it did.
    pub resolved: Option<Date>,
}

impl Course {
    /// Disease shows in results about a year before it is diagnosed (that is how it is
    /// found), so values ramp up over the year before onset.
    fn activity(&self, on: Date) -> f64 {
        if self.resolved.is_some_and(|resolved| resolved <= on) {
            return 0.0;
        }
        let days = (on - self.onset).get_days() as f64;
        ((days + 365.0) / 365.0).clamp(0.0, 1.0)
    }

    fn years(&self, on: Date) -> f64 {
        ((on - self.onset).get_days() as f64 / 365.25).max(0.0)
    }

    /// Treated before `on` (results drawn on the day treatment starts are untreated).
    fn treated(&self, on: Date) -> bool {
        self.treated_from.is_some_and(|from| from < on)
    }

    fn doubly_treated(&self, on: Date) -> bool {
        self.second_drug_from.is_some_and(|from| from < on)
    }
}

/// The courses of a patient's chronic conditions, indexed by `Chronic as usize`.
#[derive(Clone, Debug, Default)]
pub(crate) struct Courses([Option<Course>; 16]);

impl Courses {
    pub(crate) fn set(&mut self, condition: Chronic, course: Course) {
        self.0[condition as usize] = Some(course);
    }

    pub(crate) fn get(&self, condition: Chronic) -> Option<&Course> {
        self.0[condition as usize].as_ref()
    }

    pub(crate) fn has(&self, condition: Chronic) -> bool {
        self.get(condition).is_some()
    }

    /// How far the condition shows on `on` (0 = not at all, 1 = fully).
    fn activity(&self, condition: Chronic, on: Date) -> f64 {
        self.get(condition)
            .map_or(0.0, |course| course.activity(on))
    }
}

/// Personal set points drawn once per patient.
#[derive(Clone, Debug)]
pub(crate) struct Physiology {
    sex: Sex,
    birth: Date,
    z: [f64; ANALYTE_COUNT],
    height_z: f64,
    /// Body mass index at age 40 (adults) and the child's BMI z-score.
    pub bmi_at_40: f64,
    sbp_z: f64,
    dbp_z: f64,
    heart_rate_z: f64,
}

impl Physiology {
    pub(crate) fn draw(rng: &mut impl Rng, sex: Sex, birth: Date) -> Self {
        let mut z = [0.0; ANALYTE_COUNT];
        for value in &mut z {
            *value = normal(rng, 0.0, 0.6);
        }
        Physiology {
            sex,
            birth,
            z,
            height_z: normal(rng, 0.0, 1.0),
            bmi_at_40: normal(rng, 28.3, 5.2).clamp(17.5, 52.0),
            sbp_z: normal(rng, 0.0, 1.0),
            dbp_z: normal(rng, 0.0, 1.0),
            heart_rate_z: normal(rng, 0.0, 1.0),
        }
    }

    fn age(&self, on: Date) -> f64 {
        ((on - self.birth).get_days() as f64 / 365.25).max(0.0)
    }

    /// Body mass index on a date, following the adult set point with age.
    pub(crate) fn bmi(&self, on: Date) -> f64 {
        let age = self.age(on);
        if age < 2.0 {
            return 16.8 + 0.5 * (self.bmi_at_40 - 28.3) / 5.2;
        }
        if age < 18.0 {
            let median = if age < 6.0 {
                15.8
            } else {
                15.8 + (age - 6.0) * 0.5
            };
            return median * (1.0 + 0.1 * (self.bmi_at_40 - 28.3) / 5.2);
        }
        let drift = if age < 40.0 {
            -0.12 * (40.0 - age)
        } else if age < 70.0 {
            0.05 * (age - 40.0)
        } else {
            1.5 - 0.12 * (age - 70.0)
        };
        (self.bmi_at_40 + drift).max(16.0)
    }

    /// Standing height in centimetres.
    pub(crate) fn height(&self, on: Date) -> f64 {
        let age = self.age(on);
        let female = self.sex == Sex::Female;
        // Median stature by age (years), roughly following US growth charts.
        const AGES: [f64; 19] = [
            0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 11.0, 12.0, 13.0, 14.0,
            15.0, 16.0, 18.0,
        ];
        const GIRLS: [f64; 19] = [
            49.5, 60.0, 66.0, 74.0, 80.5, 86.0, 95.0, 102.0, 109.0, 115.5, 127.0, 138.5, 144.5,
            151.0, 156.5, 159.5, 161.5, 162.5, 163.0,
        ];
        const BOYS: [f64; 19] = [
            50.0, 61.5, 67.5, 75.5, 82.0, 87.5, 96.0, 103.0, 110.0, 116.0, 127.5, 138.0, 143.5,
            149.0, 156.0, 163.0, 169.0, 173.0, 176.0,
        ];
        let table = if female { &GIRLS } else { &BOYS };
        let median = if age >= 18.0 {
            table[18]
        } else {
            let i = AGES.iter().rposition(|a| *a <= age).unwrap_or(0);
            let (a0, a1) = (AGES[i], AGES[(i + 1).min(18)]);
            let t = if a1 > a0 { (age - a0) / (a1 - a0) } else { 0.0 };
            table[i] + t * (table[(i + 1).min(18)] - table[i])
        };
        let shrink = if age > 65.0 { 0.12 * (age - 65.0) } else { 0.0 };
        median * (1.0 + 0.04 * self.height_z) - shrink
    }
}

/// What is going on with the patient on the day of a measurement.
pub(crate) struct Moment<'a> {
    pub on: Date,
    pub courses: &'a Courses,
    /// A febrile illness (urgent care for strep throat, influenza...).
    pub febrile: bool,
    /// A respiratory illness.
    pub respiratory: bool,
    pub smoker: bool,
}

/// Every analyte's value on one day; panels report a subset.
pub(crate) struct LabSnapshot {
    values: [f64; ANALYTE_COUNT],
}

impl LabSnapshot {
    pub(crate) fn value(&self, analyte: Analyte) -> f64 {
        self.values[analyte as usize]
    }
}

/// Personal set points plus measurement noise.
struct Draw<'a, R> {
    z: &'a [f64; ANALYTE_COUNT],
    rng: &'a mut R,
}

impl<R: Rng> Draw<'_, R> {
    /// Today's deviation of `analyte` from the population mean, in standard deviations.
    fn dev(&mut self, analyte: Analyte) -> f64 {
        self.z[analyte as usize] + normal(self.rng, 0.0, 0.8)
    }

    fn normal(&mut self, mean: f64, sd: f64) -> f64 {
        normal(self.rng, mean, sd)
    }
}

/// Draws a full set of results for `moment`.
pub(crate) fn measure(physiology: &Physiology, moment: &Moment, rng: &mut impl Rng) -> LabSnapshot {
    use Analyte::*;
    let p = physiology;
    let c = moment.courses;
    let on = moment.on;
    let age = p.age(on);
    let male = p.sex == Sex::Male;
    let mut v = [0.0; ANALYTE_COUNT];
    // Personal set point plus today's noise, in standard deviations.
    let mut d = Draw { z: &p.z, rng };

    // Blood count.
    let anemia = c.activity(Chronic::IronDeficiencyAnemia, on);
    let ckd = c.activity(Chronic::KidneyDisease, on);
    let iron_treated = c
        .get(Chronic::IronDeficiencyAnemia)
        .is_some_and(|course| course.treated(on));
    let anemia_depth = anemia * if iron_treated { 0.4 } else { 1.0 };
    let infection = if moment.febrile {
        d.normal(5.0, 2.0).max(1.5)
    } else {
        0.0
    };
    v[Wbc as usize] =
        (7.2 + 1.6 * d.dev(Wbc) + infection + if moment.smoker { 0.8 } else { 0.0 }).max(2.2);
    let hgb_mean = if male { 15.3 } else { 13.6 };
    v[Hemoglobin as usize] =
        (hgb_mean + 0.85 * d.dev(Hemoglobin) - 2.8 * anemia_depth - 1.1 * ckd).max(6.5);
    v[Mcv as usize] = 90.0 + 4.2 * d.dev(Mcv) - 13.0 * anemia_depth;
    v[Hematocrit as usize] = v[Hemoglobin as usize] * 2.95 + d.normal(0.0, 0.8);
    v[Mchc as usize] = 100.0 * v[Hemoglobin as usize] / v[Hematocrit as usize];
    v[Rbc as usize] = 10.0 * v[Hematocrit as usize] / v[Mcv as usize];
    v[Mch as usize] = 10.0 * v[Hemoglobin as usize] / v[Rbc as usize];
    v[Rdw as usize] = 13.0 + 0.7 * d.dev(Rdw) + 2.6 * anemia_depth;
    v[Platelets as usize] = (255.0 + 55.0 * d.dev(Platelets) + 60.0 * anemia_depth).max(60.0);

    // Glucose control.
    let diabetes = c.get(Chronic::Diabetes);
    let prediabetes = c.activity(Chronic::Prediabetes, on);
    let a1c = match diabetes {
        Some(course) if course.activity(on) > 0.0 => {
            let years = course.years(on);
            let untreated = 7.6 + 0.25 * years.min(8.0);
            let level = if course.treated(on) {
                let base = if course.controlled { 6.7 } else { 8.1 };
                base + 0.06 * years.min(10.0) - if course.doubly_treated(on) { 0.5 } else { 0.0 }
            } else {
                untreated
            };
            5.4 + course.activity(on) * (level - 5.4) + 0.35 * d.dev(HemoglobinA1c)
        }
        _ => 5.2 + 0.6 * prediabetes + 0.22 * d.dev(HemoglobinA1c),
    };
    v[HemoglobinA1c as usize] = a1c.clamp(4.2, 14.0);
    // Fasting glucose rises with HbA1c about as the ADAG estimate (28.7 mg/dL per point)
    // says, a little lower since it is fasting.
    let glucose = 86.0 + 7.5 * d.dev(Glucose) + 26.0 * (a1c - 5.3).max(0.0);
    v[Glucose as usize] = glucose.max(55.0);

    // Kidneys and electrolytes.
    let creatinine_mean = if male { 0.98 } else { 0.76 };
    let aging = if age > 40.0 {
        0.004 * (age - 40.0)
    } else {
        0.0
    };
    let ckd_rise = c.get(Chronic::KidneyDisease).map_or(0.0, |course| {
        course.activity(on) * (0.55 + 0.06 * course.years(on).min(8.0))
    });
    let sex_scale = if male { 1.0 } else { 0.8 };
    let youth = if age < 13.0 { 0.45 + 0.04 * age } else { 1.0 };
    v[Creatinine as usize] = ((creatinine_mean + aging + ckd_rise * sex_scale) * youth
        + 0.1 * sex_scale * d.dev(Creatinine))
    .max(0.2);
    v[Egfr as usize] = egfr(v[Creatinine as usize], age.max(18.0), p.sex);
    v[UreaNitrogen as usize] =
        (13.5 + 3.5 * d.dev(UreaNitrogen) + 9.0 * ckd + 0.05 * (age - 40.0).max(0.0)).max(4.0);
    let ace = c
        .get(Chronic::Hypertension)
        .is_some_and(|course| course.treated(on));
    let thiazide = c
        .get(Chronic::Hypertension)
        .is_some_and(|course| course.doubly_treated(on));
    v[Sodium as usize] = 140.0 + 2.2 * d.dev(Sodium) - if thiazide { 2.0 } else { 0.0 };
    v[Potassium as usize] =
        4.25 + 0.33 * d.dev(Potassium) + if ace { 0.2 } else { 0.0 } + 0.35 * ckd
            - if thiazide { 0.3 } else { 0.0 };
    v[Chloride as usize] = 102.5 + 2.2 * d.dev(Chloride);
    v[CarbonDioxide as usize] = 25.5 + 1.7 * d.dev(CarbonDioxide) - 1.5 * ckd;
    v[Calcium as usize] = 9.45 + 0.4 * d.dev(Calcium);

    // Liver.
    let obese = p.bmi(on) >= 30.0;
    v[Protein as usize] = 7.1 + 0.5 * d.dev(Protein);
    v[Albumin as usize] = 4.25 + 0.35 * d.dev(Albumin) - if age > 75.0 { 0.25 } else { 0.0 };
    v[Bilirubin as usize] = (0.6 + 0.25 * d.dev(Bilirubin)).max(0.1);
    v[AlkalinePhosphatase as usize] =
        (82.0 + 20.0 * d.dev(AlkalinePhosphatase) + if age < 18.0 { 120.0 } else { 0.0 }).max(25.0);
    v[Alt as usize] = (24.0 + 11.0 * d.dev(Alt) + if obese { 12.0 } else { 0.0 }).max(6.0);
    v[Ast as usize] = (22.0 + 7.0 * d.dev(Ast) + if obese { 5.0 } else { 0.0 }).max(8.0);

    // Lipids.
    let lipids = c.get(Chronic::Hyperlipidemia);
    let statin = lipids.is_some_and(|course| course.treated(on));
    let hyper = c.activity(Chronic::Hyperlipidemia, on);
    let statin_effect = if statin {
        if lipids.is_some_and(|course| course.controlled) {
            0.58
        } else {
            0.75
        }
    } else {
        1.0
    };
    let diabetic = diabetes.map_or(0.0, |course| course.activity(on));
    let ldl_base = 94.0 + 0.5 * (age - 25.0).clamp(0.0, 35.0) + 62.0 * hyper;
    v[Ldl as usize] = ((ldl_base + 24.0 * d.dev(Ldl)) * statin_effect).max(35.0);
    v[Hdl as usize] = ((if male { 47.0 } else { 59.0 }) + 11.0 * d.dev(Hdl)
        - 5.0 * diabetic
        - if obese { 5.0 } else { 0.0 })
    .max(20.0);
    v[Triglycerides as usize] = (100.0
        + 34.0 * d.dev(Triglycerides)
        + 55.0 * diabetic
        + 35.0 * hyper
        + if obese { 30.0 } else { 0.0 })
    .max(35.0)
        * if statin { 0.85 } else { 1.0 };
    v[Cholesterol as usize] =
        v[Ldl as usize] + v[Hdl as usize] + v[Triglycerides as usize] / 5.0 + d.normal(0.0, 4.0);

    // Thyroid.
    v[Tsh as usize] = match c.get(Chronic::Hypothyroidism) {
        Some(course) if course.activity(on) > 0.0 => {
            if course.treated(on) {
                let target = if course.controlled { 2.2 } else { 5.6 };
                (target + 1.0 * d.dev(Tsh)).max(0.2)
            } else {
                (2.0 + course.activity(on) * 8.0 + 2.0 * d.dev(Tsh)).max(0.5)
            }
        }
        _ => (2.0 + 0.8 * d.dev(Tsh)).max(0.25),
    };

    for analyte in ALL_ANALYTES {
        v[analyte as usize] = round_to(v[analyte as usize], analyte.def().decimals);
    }
    LabSnapshot { values: v }
}

const ALL_ANALYTES: [Analyte; ANALYTE_COUNT] = {
    use Analyte::*;
    [
        Wbc,
        Rbc,
        Hemoglobin,
        Hematocrit,
        Mcv,
        Mch,
        Mchc,
        Rdw,
        Platelets,
        Glucose,
        UreaNitrogen,
        Creatinine,
        Egfr,
        Calcium,
        Sodium,
        Potassium,
        Chloride,
        CarbonDioxide,
        Protein,
        Albumin,
        Bilirubin,
        AlkalinePhosphatase,
        Alt,
        Ast,
        Cholesterol,
        Ldl,
        Hdl,
        Triglycerides,
        HemoglobinA1c,
        Tsh,
    ]
};

/// CKD-EPI 2021 (race-free) estimated glomerular filtration rate.
fn egfr(creatinine: f64, age: f64, sex: Sex) -> f64 {
    let (kappa, alpha, factor) = match sex {
        Sex::Female => (0.7, -0.241, 1.012),
        Sex::Male => (0.9, -0.302, 1.0),
    };
    let ratio = creatinine / kappa;
    let value = 142.0
        * ratio.min(1.0).powf(alpha)
        * ratio.max(1.0).powf(-1.200)
        * 0.9938f64.powf(age)
        * factor;
    value.min(130.0)
}

/// One visit's vital signs.
pub(crate) struct Vitals {
    pub height: f64,
    pub weight: f64,
    /// Body mass index, reported from age two.
    pub bmi: Option<f64>,
    pub systolic: f64,
    pub diastolic: f64,
    pub heart_rate: f64,
    pub respiratory_rate: f64,
    pub temperature: f64,
    pub oxygen_saturation: f64,
}

pub(crate) fn vitals(physiology: &Physiology, moment: &Moment, rng: &mut impl Rng) -> Vitals {
    let p = physiology;
    let on = moment.on;
    let age = p.age(on);
    let height = round_to(p.height(on), 1);
    let bmi_true = p.bmi(on) + normal(rng, 0.0, 0.25);
    let weight = round_to(bmi_true * (height / 100.0).powi(2), 1);
    let bmi = (age >= 2.0).then(|| round_to(weight / (height / 100.0).powi(2), 1));

    let hypertension = moment.courses.get(Chronic::Hypertension);
    let pressure_rise = hypertension.map_or(0.0, |course| {
        let full = if course.doubly_treated(on) {
            if course.controlled { 2.0 } else { 12.0 }
        } else if course.treated(on) {
            if course.controlled { 6.0 } else { 17.0 }
        } else {
            24.0
        };
        course.activity(on) * full
    });
    let male = p.sex == Sex::Male;
    let systolic = if age < 18.0 {
        96.0 + 1.1 * age.min(17.0) + 6.0 * p.sbp_z + normal(rng, 0.0, 5.0)
    } else {
        108.0
            + 0.45 * (age - 20.0).max(0.0)
            + if male { 5.0 } else { 0.0 }
            + 8.0 * p.sbp_z
            + pressure_rise
            + normal(rng, 0.0, 6.0)
    };
    let diastolic = if age < 18.0 {
        0.6 * systolic + 2.0 + 3.0 * p.dbp_z + normal(rng, 0.0, 3.0)
    } else {
        // Diastolic pressure falls after 50 as arteries stiffen (isolated systolic
        // hypertension in the elderly).
        0.45 * systolic + 20.0 + 4.0 * p.dbp_z + 0.3 * pressure_rise + normal(rng, 0.0, 4.0)
            - 0.2 * (age - 50.0).max(0.0)
    };
    let resting = if age < 12.0 {
        (128.0 - 9.0 * age).max(80.0)
    } else {
        73.0
    };
    let irregular = moment.courses.activity(Chronic::AtrialFibrillation, on) > 0.0;
    let heart_rate = resting
        + 7.0 * p.heart_rate_z
        + normal(rng, 0.0, 5.0)
        + if moment.febrile { 14.0 } else { 0.0 }
        + if irregular {
            normal(rng, 8.0, 8.0)
        } else {
            0.0
        };
    let respiratory_rate = (if age < 12.0 {
        (34.0 - 1.6 * age).max(18.0)
    } else {
        15.5
    }) + normal(rng, 0.0, 1.5)
        + if moment.febrile || moment.respiratory {
            3.0
        } else {
            0.0
        };
    let temperature = if moment.febrile {
        normal(rng, 38.4, 0.45)
    } else {
        normal(rng, 36.8, 0.22)
    };
    let copd = moment.courses.activity(Chronic::Copd, on) > 0.0;
    let oxygen_saturation = (if copd {
        normal(rng, 93.0, 1.8)
    } else {
        normal(rng, 97.8, 0.9)
    } - if moment.respiratory { 1.5 } else { 0.0 })
    .min(100.0);
    Vitals {
        height,
        weight,
        bmi,
        systolic: systolic.round().clamp(70.0, 220.0),
        diastolic: diastolic.round().clamp(40.0, 130.0),
        heart_rate: heart_rate.round().clamp(40.0, 190.0),
        respiratory_rate: respiratory_rate.round().clamp(10.0, 50.0),
        temperature: round_to(temperature, 1),
        oxygen_saturation: oxygen_saturation.round(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn egfr_is_plausible() {
        let healthy = egfr(0.9, 40.0, Sex::Male);
        assert!((95.0..=115.0).contains(&healthy), "{healthy}");
        let ckd = egfr(1.8, 70.0, Sex::Male);
        assert!((30.0..60.0).contains(&ckd), "{ckd}");
    }

    #[test]
    fn definitions_follow_the_enum_order() {
        for (i, analyte) in ALL_ANALYTES.iter().enumerate() {
            assert_eq!(*analyte as usize, i);
        }
        assert_eq!(Analyte::Glucose.def().code, "2345-7");
        assert_eq!(Analyte::Tsh.def().code, "3016-3");
        let codes: std::collections::HashSet<_> = ANALYTE_DEFS.iter().map(|d| d.code).collect();
        assert_eq!(codes.len(), ANALYTE_COUNT);
    }

    #[test]
    fn interpretation_flags() {
        assert_eq!(interpretation(12.0, (Some(4.5), Some(11.0))), "H");
        assert_eq!(interpretation(3.0, (Some(4.5), Some(11.0))), "L");
        assert_eq!(interpretation(7.0, (Some(4.5), Some(11.0))), "N");
        assert_eq!(interpretation(150.0, (None, Some(100.0))), "H");
        assert_eq!(interpretation(35.0, (Some(40.0), None)), "L");
    }
}

//! Terminology used by the generator: SNOMED CT conditions, procedures and encounter
//! types, RxNorm drugs, CVX vaccines, with the displays FHIR servers expect.

pub(crate) const SNOMED: &str = "http://snomed.info/sct";
pub(crate) const RXNORM: &str = "http://www.nlm.nih.gov/research/umls/rxnorm";
pub(crate) const CVX: &str = "http://hl7.org/fhir/sid/cvx";
pub(crate) const LOINC: &str = "http://loinc.org";
pub(crate) const UCUM: &str = "http://unitsofmeasure.org";

/// A code from one code system with its display.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Code {
    pub system: &'static str,
    pub code: &'static str,
    pub display: &'static str,
}

const fn snomed(code: &'static str, display: &'static str) -> Code {
    Code {
        system: SNOMED,
        code,
        display,
    }
}

const fn rxnorm(code: &'static str, display: &'static str) -> Code {
    Code {
        system: RXNORM,
        code,
        display,
    }
}

const fn cvx(code: &'static str, display: &'static str) -> Code {
    Code {
        system: CVX,
        code,
        display,
    }
}

/// How a drug is taken, for `dosageInstruction`.
#[derive(Debug)]
pub(crate) struct Drug {
    pub code: Code,
    pub instruction: &'static str,
    /// Doses per `period_days`.
    pub frequency: u32,
    pub period_days: u32,
    pub dose: f64,
    pub as_needed: bool,
    /// Days of supply for a course; 0 for a long-term drug.
    pub course_days: i64,
}

const fn daily(code: Code, instruction: &'static str) -> Drug {
    Drug {
        code,
        instruction,
        frequency: 1,
        period_days: 1,
        dose: 1.0,
        as_needed: false,
        course_days: 0,
    }
}

pub(crate) const LISINOPRIL: Drug = daily(
    rxnorm("314076", "lisinopril 10 MG Oral Tablet"),
    "Take 1 tablet by mouth once daily.",
);
pub(crate) const AMLODIPINE: Drug = daily(
    rxnorm("197361", "amlodipine 5 MG Oral Tablet"),
    "Take 1 tablet by mouth once daily.",
);
pub(crate) const HYDROCHLOROTHIAZIDE: Drug = daily(
    rxnorm("310798", "hydrochlorothiazide 25 MG Oral Tablet"),
    "Take 1 tablet by mouth every morning.",
);
pub(crate) const METFORMIN: Drug = daily(
    rxnorm(
        "860975",
        "24 HR metformin hydrochloride 500 MG Extended Release Oral Tablet",
    ),
    "Take 1 tablet by mouth once daily with the evening meal.",
);
pub(crate) const ATORVASTATIN: Drug = daily(
    rxnorm("617310", "atorvastatin 20 MG Oral Tablet"),
    "Take 1 tablet by mouth once daily.",
);
pub(crate) const SIMVASTATIN: Drug = daily(
    rxnorm("312961", "simvastatin 20 MG Oral Tablet"),
    "Take 1 tablet by mouth once daily in the evening.",
);
pub(crate) const LEVOTHYROXINE: Drug = daily(
    rxnorm("966222", "levothyroxine sodium 0.075 MG Oral Tablet"),
    "Take 1 tablet by mouth every morning on an empty stomach, 30 minutes before breakfast.",
);
pub(crate) const SERTRALINE: Drug = daily(
    rxnorm("312941", "sertraline 50 MG Oral Tablet"),
    "Take 1 tablet by mouth once daily.",
);
pub(crate) const FLUOXETINE: Drug = daily(
    rxnorm("310385", "fluoxetine 20 MG Oral Capsule"),
    "Take 1 capsule by mouth every morning.",
);
pub(crate) const WARFARIN: Drug = daily(
    rxnorm("855332", "warfarin sodium 5 MG Oral Tablet"),
    "Take 1 tablet by mouth once daily in the evening, or as directed by the anticoagulation clinic.",
);
pub(crate) const APIXABAN: Drug = Drug {
    frequency: 2,
    ..daily(
        rxnorm("1364445", "apixaban 5 MG Oral Tablet"),
        "Take 1 tablet by mouth twice daily.",
    )
};
pub(crate) const FERROUS_SULFATE: Drug = daily(
    rxnorm("310325", "ferrous sulfate 325 MG Oral Tablet"),
    "Take 1 tablet by mouth once daily with food.",
);
pub(crate) const ALBUTEROL: Drug = Drug {
    code: rxnorm(
        "745679",
        "200 ACTUAT albuterol 0.09 MG/ACTUAT Metered Dose Inhaler",
    ),
    instruction: "Inhale 2 puffs every 4 to 6 hours as needed for wheezing or shortness of breath.",
    frequency: 1,
    period_days: 1,
    dose: 2.0,
    as_needed: true,
    course_days: 0,
};
pub(crate) const FLUTICASONE: Drug = Drug {
    code: rxnorm(
        "895994",
        "120 ACTUAT fluticasone propionate 0.044 MG/ACTUAT Metered Dose Inhaler",
    ),
    instruction: "Inhale 2 puffs twice daily. Rinse mouth after each use.",
    frequency: 2,
    period_days: 1,
    dose: 2.0,
    as_needed: false,
    course_days: 0,
};
pub(crate) const NAPROXEN: Drug = Drug {
    code: rxnorm("849574", "naproxen sodium 220 MG Oral Tablet"),
    instruction: "Take 1 tablet by mouth every 8 to 12 hours as needed for joint pain, with food.",
    frequency: 2,
    period_days: 1,
    dose: 1.0,
    as_needed: true,
    course_days: 0,
};
pub(crate) const ACETAMINOPHEN: Drug = Drug {
    code: rxnorm("313782", "acetaminophen 325 MG Oral Tablet"),
    instruction: "Take 2 tablets by mouth every 6 hours as needed for pain or fever.",
    frequency: 4,
    period_days: 1,
    dose: 2.0,
    as_needed: true,
    course_days: 10,
};
pub(crate) const ACETAMINOPHEN_LONG_TERM: Drug = Drug {
    course_days: 0,
    ..ACETAMINOPHEN
};
pub(crate) const IBUPROFEN: Drug = Drug {
    code: rxnorm("310965", "ibuprofen 200 MG Oral Tablet"),
    instruction: "Take 2 tablets by mouth every 6 to 8 hours as needed for pain, with food.",
    frequency: 3,
    period_days: 1,
    dose: 2.0,
    as_needed: true,
    course_days: 14,
};
pub(crate) const LORATADINE: Drug = Drug {
    code: rxnorm("311372", "loratadine 10 MG Oral Tablet"),
    instruction: "Take 1 tablet by mouth once daily as needed for allergy symptoms.",
    frequency: 1,
    period_days: 1,
    dose: 1.0,
    as_needed: true,
    course_days: 0,
};
pub(crate) const PENICILLIN_V: Drug = Drug {
    code: rxnorm("834061", "penicillin V potassium 250 MG Oral Tablet"),
    instruction: "Take 1 tablet by mouth four times daily for 10 days.",
    frequency: 4,
    period_days: 1,
    dose: 1.0,
    as_needed: false,
    course_days: 10,
};
pub(crate) const AMOXICILLIN: Drug = Drug {
    code: rxnorm("308182", "amoxicillin 250 MG Oral Capsule"),
    instruction: "Take 1 capsule by mouth three times daily for 10 days.",
    frequency: 3,
    period_days: 1,
    dose: 1.0,
    as_needed: false,
    course_days: 10,
};
pub(crate) const AMOXICILLIN_CLAVULANATE: Drug = Drug {
    code: rxnorm(
        "562251",
        "amoxicillin 250 MG / clavulanate 125 MG Oral Tablet",
    ),
    instruction: "Take 1 tablet by mouth every 8 hours for 10 days.",
    frequency: 3,
    period_days: 1,
    dose: 1.0,
    as_needed: false,
    course_days: 10,
};
pub(crate) const AZITHROMYCIN: Drug = Drug {
    code: rxnorm("308460", "azithromycin 250 MG Oral Tablet"),
    instruction: "Take 2 tablets by mouth on day 1, then 1 tablet daily on days 2 to 5.",
    frequency: 1,
    period_days: 1,
    dose: 1.0,
    as_needed: false,
    course_days: 5,
};
pub(crate) const CIPROFLOXACIN: Drug = Drug {
    code: rxnorm("309309", "ciprofloxacin 500 MG Oral Tablet"),
    instruction: "Take 1 tablet by mouth twice daily for 3 days.",
    frequency: 2,
    period_days: 1,
    dose: 1.0,
    as_needed: false,
    course_days: 3,
};

/// Long-term conditions the generator can give a patient.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Chronic {
    Hypertension,
    Diabetes,
    Prediabetes,
    Hyperlipidemia,
    Asthma,
    Copd,
    Hypothyroidism,
    Depression,
    Anxiety,
    Osteoarthritis,
    Obesity,
    KidneyDisease,
    Reflux,
    AtrialFibrillation,
    AllergicRhinitis,
    IronDeficiencyAnemia,
}

pub(crate) const ALL_CHRONIC: [Chronic; 16] = [
    Chronic::Obesity,
    Chronic::Hypertension,
    Chronic::Diabetes,
    Chronic::Prediabetes,
    Chronic::Hyperlipidemia,
    Chronic::Asthma,
    Chronic::Copd,
    Chronic::Hypothyroidism,
    Chronic::Depression,
    Chronic::Anxiety,
    Chronic::Osteoarthritis,
    Chronic::KidneyDisease,
    Chronic::Reflux,
    Chronic::AtrialFibrillation,
    Chronic::AllergicRhinitis,
    Chronic::IronDeficiencyAnemia,
];

impl Chronic {
    pub(crate) fn code(self) -> Code {
        match self {
            Chronic::Hypertension => snomed("59621000", "Essential hypertension (disorder)"),
            Chronic::Diabetes => snomed("44054006", "Diabetes mellitus type 2 (disorder)"),
            Chronic::Prediabetes => snomed("714628002", "Prediabetes (finding)"),
            Chronic::Hyperlipidemia => snomed("55822004", "Hyperlipidemia (disorder)"),
            Chronic::Asthma => snomed("195967001", "Asthma (disorder)"),
            Chronic::Copd => snomed(
                "13645005",
                "Chronic obstructive pulmonary disease (disorder)",
            ),
            Chronic::Hypothyroidism => snomed("40930008", "Hypothyroidism (disorder)"),
            Chronic::Depression => snomed("35489007", "Depressive disorder (disorder)"),
            Chronic::Anxiety => snomed("197480006", "Anxiety disorder (disorder)"),
            Chronic::Osteoarthritis => snomed("239873007", "Osteoarthritis of knee (disorder)"),
            Chronic::Obesity => snomed("162864005", "Body mass index 30+ - obesity (finding)"),
            Chronic::KidneyDisease => {
                snomed("433144002", "Chronic kidney disease stage 3 (disorder)")
            }
            Chronic::Reflux => snomed("235595009", "Gastroesophageal reflux disease (disorder)"),
            Chronic::AtrialFibrillation => snomed("49436004", "Atrial fibrillation (disorder)"),
            Chronic::AllergicRhinitis => snomed("61582004", "Allergic rhinitis (disorder)"),
            Chronic::IronDeficiencyAnemia => {
                snomed("87522002", "Iron deficiency anemia (disorder)")
            }
        }
    }

    /// Months between follow-up visits while the condition is active; 0 when the yearly
    /// check-up is enough.
    pub(crate) fn follow_up_months(self) -> i64 {
        match self {
            Chronic::Diabetes => 4,
            Chronic::Hypertension | Chronic::Copd | Chronic::KidneyDisease => 6,
            Chronic::Depression | Chronic::AtrialFibrillation | Chronic::Anxiety => 6,
            Chronic::Asthma | Chronic::Hypothyroidism => 12,
            _ => 0,
        }
    }

    /// Youngest age at which the generator lets the condition start.
    pub(crate) fn min_onset_age(self) -> u32 {
        match self {
            Chronic::Asthma | Chronic::AllergicRhinitis => 2,
            Chronic::Obesity | Chronic::Reflux | Chronic::IronDeficiencyAnemia => 10,
            Chronic::Depression | Chronic::Anxiety => 13,
            Chronic::Hypertension | Chronic::Hyperlipidemia | Chronic::Hypothyroidism => 22,
            Chronic::Diabetes | Chronic::Prediabetes => 28,
            Chronic::Copd | Chronic::Osteoarthritis | Chronic::KidneyDisease => 42,
            Chronic::AtrialFibrillation => 55,
        }
    }
}

/// A care plan offered for a chronic condition, with its activities and goals.
pub(crate) struct CarePlanDef {
    pub category: Code,
    pub activities: &'static [Code],
    pub goals: &'static [GoalDef],
}

pub(crate) struct GoalDef {
    pub description: &'static str,
    /// LOINC code, display, comparator, value and UCUM unit of a measurable target.
    pub target: Option<(&'static str, &'static str, &'static str, f64, &'static str)>,
}

pub(crate) fn care_plan(condition: Chronic) -> Option<&'static CarePlanDef> {
    const HYPERTENSION: CarePlanDef = CarePlanDef {
        category: snomed(
            "443402002",
            "Lifestyle education regarding hypertension (procedure)",
        ),
        activities: &[
            snomed(
                "386463000",
                "Prescribed activity/exercise education (procedure)",
            ),
            snomed(
                "413473000",
                "Counseling about alcohol consumption (procedure)",
            ),
            snomed(
                "1151000175103",
                "Dietary approaches to stop hypertension diet (regime/therapy)",
            ),
        ],
        goals: &[
            GoalDef {
                description: "Maintain blood pressure below 130/80 mm[Hg]",
                target: None,
            },
            GoalDef {
                description: "Reduce sodium intake to no more than 2,300 mg/day",
                target: None,
            },
        ],
    };
    const DIABETES: CarePlanDef = CarePlanDef {
        category: snomed(
            "698360004",
            "Diabetes self management plan (record artifact)",
        ),
        activities: &[
            snomed("160670007", "Diabetic diet (finding)"),
            snomed("229065009", "Exercise therapy (regime/therapy)"),
        ],
        goals: &[
            GoalDef {
                description: "Hemoglobin A1c total in Blood < 7.0",
                target: Some((
                    "4548-4",
                    "Hemoglobin A1c/Hemoglobin.total in Blood",
                    "<",
                    7.0,
                    "%",
                )),
            },
            GoalDef {
                description: "Maintain blood glucose between 80 and 130 mg/dL before meals",
                target: None,
            },
        ],
    };
    const PREDIABETES: CarePlanDef = CarePlanDef {
        category: snomed(
            "698360004",
            "Diabetes self management plan (record artifact)",
        ),
        activities: &[
            snomed("160670007", "Diabetic diet (finding)"),
            snomed("229065009", "Exercise therapy (regime/therapy)"),
        ],
        goals: &[GoalDef {
            description: "Lose 5% of body weight within one year",
            target: None,
        }],
    };
    const HYPERLIPIDEMIA: CarePlanDef = CarePlanDef {
        category: snomed(
            "736285004",
            "Hyperlipidemia clinical management plan (record artifact)",
        ),
        activities: &[
            snomed(
                "386463000",
                "Prescribed activity/exercise education (procedure)",
            ),
            snomed("226234005", "Healthy diet (regime/therapy)"),
        ],
        goals: &[GoalDef {
            description: "LDL cholesterol below 100 mg/dL",
            target: Some((
                "18262-6",
                "Cholesterol in LDL [Mass/volume] in Serum or Plasma by Direct assay",
                "<",
                100.0,
                "mg/dL",
            )),
        }],
    };
    const ASTHMA: CarePlanDef = CarePlanDef {
        category: snomed("699728000", "Asthma self management (procedure)"),
        activities: &[
            snomed("710818004", "Inhaled steroid therapy (procedure)"),
            snomed("708409001", "Home nebulizer therapy (procedure)"),
        ],
        goals: &[GoalDef {
            description: "Use the rescue inhaler no more than twice a week",
            target: None,
        }],
    };
    const COPD: CarePlanDef = CarePlanDef {
        category: snomed(
            "412776001",
            "Chronic obstructive pulmonary disease clinical management plan (record artifact)",
        ),
        activities: &[
            snomed("710081004", "Smoking cessation therapy (procedure)"),
            snomed("708409001", "Home nebulizer therapy (procedure)"),
        ],
        goals: &[GoalDef {
            description: "Walk 30 minutes a day without stopping to rest",
            target: None,
        }],
    };
    const OSTEOARTHRITIS: CarePlanDef = CarePlanDef {
        category: snomed("408869004", "Musculoskeletal care (regime/therapy)"),
        activities: &[
            snomed("229065009", "Exercise therapy (regime/therapy)"),
            snomed(
                "386463000",
                "Prescribed activity/exercise education (procedure)",
            ),
        ],
        goals: &[GoalDef {
            description: "Keep knee pain at 3 out of 10 or less during daily activities",
            target: None,
        }],
    };
    match condition {
        Chronic::Hypertension => Some(&HYPERTENSION),
        Chronic::Diabetes => Some(&DIABETES),
        Chronic::Prediabetes => Some(&PREDIABETES),
        Chronic::Hyperlipidemia => Some(&HYPERLIPIDEMIA),
        Chronic::Asthma => Some(&ASTHMA),
        Chronic::Copd => Some(&COPD),
        Chronic::Osteoarthritis => Some(&OSTEOARTHRITIS),
        _ => None,
    }
}

/// A short illness seen in urgent care.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Acute {
    ViralPharyngitis,
    StrepThroat,
    Bronchitis,
    Sinusitis,
    OtitisMedia,
    UrinaryInfection,
    AnkleSprain,
    HandLaceration,
    Covid,
    Influenza,
}

impl Acute {
    pub(crate) fn code(self) -> Code {
        match self {
            Acute::ViralPharyngitis => snomed("195662009", "Acute viral pharyngitis (disorder)"),
            Acute::StrepThroat => snomed("43878008", "Streptococcal sore throat (disorder)"),
            Acute::Bronchitis => snomed("10509002", "Acute bronchitis (disorder)"),
            Acute::Sinusitis => snomed("444814009", "Viral sinusitis (disorder)"),
            Acute::OtitisMedia => snomed("65363002", "Otitis media (disorder)"),
            Acute::UrinaryInfection => {
                snomed("68566005", "Urinary tract infectious disease (disorder)")
            }
            Acute::AnkleSprain => snomed("44465007", "Sprain of ankle (disorder)"),
            Acute::HandLaceration => snomed("284549007", "Laceration of hand (disorder)"),
            Acute::Covid => snomed(
                "840539006",
                "Disease caused by severe acute respiratory syndrome coronavirus 2 (disorder)",
            ),
            Acute::Influenza => snomed("6142004", "Influenza (disorder)"),
        }
    }

    /// Whether it comes with fever (temperature and white cell count).
    pub(crate) fn febrile(self) -> bool {
        matches!(
            self,
            Acute::StrepThroat
                | Acute::Bronchitis
                | Acute::OtitisMedia
                | Acute::Covid
                | Acute::Influenza
        )
    }

    /// Days until it resolves.
    pub(crate) fn duration_days(self) -> i64 {
        match self {
            Acute::AnkleSprain => 28,
            Acute::HandLaceration => 14,
            Acute::Bronchitis | Acute::Sinusitis | Acute::Covid => 21,
            _ => 10,
        }
    }
}

/// Clinic procedures.
pub(crate) mod procedures {
    use super::{Code, snomed};

    pub(crate) const MEDICATION_RECONCILIATION: Code =
        snomed("430193006", "Medication reconciliation (procedure)");
    pub(crate) const DEPRESSION_SCREENING: Code =
        snomed("171207006", "Depression screening (procedure)");
    pub(crate) const COLONOSCOPY: Code = snomed("73761001", "Colonoscopy (procedure)");
    pub(crate) const MAMMOGRAPHY: Code = snomed("71651007", "Mammography (procedure)");
    pub(crate) const ECG: Code = snomed("268400002", "12 lead electrocardiogram (procedure)");
    pub(crate) const SPIROMETRY: Code = snomed("127783003", "Spirometry (procedure)");
    pub(crate) const SUTURE: Code = snomed("288086009", "Suture open wound (procedure)");
    pub(crate) const CHEST_XRAY: Code = snomed("399208008", "Plain chest X-ray (procedure)");
    pub(crate) const THROAT_CULTURE: Code = snomed("117015009", "Throat culture (procedure)");
    pub(crate) const EYE_EXAM: Code = snomed(
        "36228007",
        "Ophthalmic examination and evaluation (procedure)",
    );
}

/// Vaccines by CVX code.
pub(crate) mod vaccines {
    use super::{Code, cvx};

    pub(crate) const HEP_B_PEDIATRIC: Code = cvx("08", "Hep B, adolescent or pediatric");
    pub(crate) const DTAP: Code = cvx("20", "DTaP");
    pub(crate) const IPV: Code = cvx("10", "IPV");
    pub(crate) const HIB: Code = cvx("49", "Hib (PRP-OMP)");
    pub(crate) const PCV13: Code = cvx("133", "Pneumococcal conjugate PCV 13");
    pub(crate) const ROTAVIRUS: Code = cvx("116", "rotavirus, pentavalent");
    pub(crate) const MMR: Code = cvx("03", "MMR");
    pub(crate) const VARICELLA: Code = cvx("21", "varicella");
    pub(crate) const HEP_A: Code = cvx("83", "Hep A, ped/adol, 2 dose");
    pub(crate) const TDAP: Code = cvx("115", "Tdap");
    pub(crate) const HPV: Code = cvx("165", "HPV9");
    pub(crate) const MENINGOCOCCAL: Code = cvx("114", "meningococcal MCV4P");
    pub(crate) const FLU: Code = cvx("140", "Influenza, seasonal, injectable, preservative free");
    pub(crate) const FLU_HIGH_DOSE: Code = cvx("135", "Influenza, high dose seasonal");
    pub(crate) const PPSV23: Code = cvx("33", "pneumococcal polysaccharide vaccine, 23 valent");
    pub(crate) const ZOSTER: Code = cvx("187", "zoster vaccine recombinant");
    pub(crate) const COVID_PFIZER: Code = cvx(
        "208",
        "SARS-COV-2 (COVID-19) vaccine, mRNA, spike protein, LNP, preservative free, 30 mcg/0.3mL dose",
    );
    pub(crate) const COVID_MODERNA: Code = cvx(
        "207",
        "SARS-COV-2 (COVID-19) vaccine, mRNA, spike protein, LNP, preservative free, 100 mcg/0.5mL dose",
    );
    pub(crate) const COVID_UNSPECIFIED: Code = cvx(
        "213",
        "SARS-COV-2 (COVID-19) vaccine, UNSPECIFIED FORMULATION",
    );

    /// The childhood schedule: age in months and the vaccines given at that visit.
    pub(crate) const CHILDHOOD: &[(i64, &[&Code])] = &[
        (0, &[&HEP_B_PEDIATRIC]),
        (
            2,
            &[&DTAP, &IPV, &HIB, &PCV13, &ROTAVIRUS, &HEP_B_PEDIATRIC],
        ),
        (4, &[&DTAP, &IPV, &HIB, &PCV13, &ROTAVIRUS]),
        (6, &[&DTAP, &PCV13, &ROTAVIRUS, &HEP_B_PEDIATRIC, &IPV]),
        (12, &[&MMR, &VARICELLA, &HEP_A, &HIB, &PCV13]),
        (15, &[&DTAP]),
        (18, &[&HEP_A]),
        (48, &[&DTAP, &IPV, &MMR, &VARICELLA]),
        (132, &[&TDAP, &HPV, &MENINGOCOCCAL]),
        (144, &[&HPV]),
        (192, &[&MENINGOCOCCAL]),
    ];
}

/// An allergy: code, category, whether it can be severe, and usual reactions.
pub(crate) struct AllergyDef {
    pub code: Code,
    /// FHIR `category`: food, medication, environment or biologic.
    pub category: &'static str,
    pub can_be_severe: bool,
    pub reactions: &'static [Code],
    pub weight: f64,
}

pub(crate) const ANAPHYLAXIS: Code = snomed("39579001", "Anaphylaxis (disorder)");
const HIVES: Code = snomed("247472004", "Wheal (finding)");
const RASH: Code = snomed("271807003", "Eruption of skin (disorder)");
const ITCHING: Code = snomed("418290006", "Itching of skin (finding)");
const DYSPNEA: Code = snomed("267036007", "Dyspnea (finding)");
const NAUSEA: Code = snomed("422587007", "Nausea (finding)");
const SNEEZING: Code = snomed("76067001", "Sneezing (finding)");
const RHINOCONJUNCTIVITIS: Code = snomed("878820003", "Rhinoconjunctivitis (disorder)");
const DIARRHEA: Code = snomed("62315008", "Diarrhea (finding)");

pub(crate) const ALLERGIES: &[AllergyDef] = &[
    AllergyDef {
        code: snomed("91936005", "Allergy to penicillin (finding)"),
        category: "medication",
        can_be_severe: true,
        reactions: &[HIVES, RASH, ITCHING],
        weight: 10.0,
    },
    AllergyDef {
        code: snomed("387406002", "Sulfonamide (substance)"),
        category: "medication",
        can_be_severe: false,
        reactions: &[RASH, ITCHING, NAUSEA],
        weight: 4.0,
    },
    AllergyDef {
        code: snomed("91935009", "Allergy to peanuts (finding)"),
        category: "food",
        can_be_severe: true,
        reactions: &[HIVES, DYSPNEA, NAUSEA],
        weight: 3.0,
    },
    AllergyDef {
        code: snomed("91934008", "Allergy to nut (finding)"),
        category: "food",
        can_be_severe: true,
        reactions: &[HIVES, ITCHING],
        weight: 1.5,
    },
    AllergyDef {
        code: snomed("300913006", "Shellfish allergy (finding)"),
        category: "food",
        can_be_severe: true,
        reactions: &[HIVES, NAUSEA, DIARRHEA],
        weight: 3.0,
    },
    AllergyDef {
        code: snomed("91930004", "Allergy to eggs (finding)"),
        category: "food",
        can_be_severe: false,
        reactions: &[RASH, NAUSEA],
        weight: 1.0,
    },
    AllergyDef {
        code: snomed("425525006", "Allergy to dairy product (finding)"),
        category: "food",
        can_be_severe: false,
        reactions: &[NAUSEA, DIARRHEA],
        weight: 1.5,
    },
    AllergyDef {
        code: snomed("300916003", "Latex allergy (finding)"),
        category: "environment",
        can_be_severe: true,
        reactions: &[RASH, ITCHING, HIVES],
        weight: 2.0,
    },
    AllergyDef {
        code: snomed("288328004", "Allergy to bee venom (finding)"),
        category: "environment",
        can_be_severe: true,
        reactions: &[HIVES, DYSPNEA],
        weight: 1.5,
    },
    AllergyDef {
        code: snomed("232350006", "House dust mite allergy (finding)"),
        category: "environment",
        can_be_severe: false,
        reactions: &[SNEEZING, RHINOCONJUNCTIVITIS],
        weight: 3.0,
    },
    AllergyDef {
        code: snomed("232347008", "Dander (animal) allergy (finding)"),
        category: "environment",
        can_be_severe: false,
        reactions: &[SNEEZING, RHINOCONJUNCTIVITIS, ITCHING],
        weight: 3.0,
    },
    AllergyDef {
        code: snomed("418689008", "Allergy to grass pollen (finding)"),
        category: "environment",
        can_be_severe: false,
        reactions: &[SNEEZING, RHINOCONJUNCTIVITIS],
        weight: 3.0,
    },
    AllergyDef {
        code: snomed("419474003", "Allergy to mould (finding)"),
        category: "environment",
        can_be_severe: false,
        reactions: &[SNEEZING, DYSPNEA],
        weight: 1.5,
    },
];

/// Index of the penicillin allergy in `ALLERGIES`, which changes antibiotic choices.
pub(crate) const PENICILLIN_ALLERGY: usize = 0;

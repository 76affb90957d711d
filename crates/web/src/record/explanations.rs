//! What a common test measures, in plain words: the LOINC code of a result names the words
//! (`explain-…` in locales/*/explanations.ftl). The codes are the 40 that occur most among
//! the Observations of the Synthea sample data, every code the demo generator makes, and a
//! few more from the Synthea data. Codes that name the same test (glucose measured in blood,
//! or in serum or plasma) share one explanation.

/// LOINC code → key of its explanation.
const EXPLANATIONS: &[(&str, &str)] = &[
    // Vital signs and scores.
    ("72514-3", "explain-72514-3"), // Pain severity 0-10
    ("8302-2", "explain-8302-2"),   // Body height
    ("29463-7", "explain-29463-7"), // Body weight
    ("39156-5", "explain-39156-5"), // Body mass index
    ("55284-4", "explain-55284-4"), // Blood pressure (Synthea)
    ("85354-9", "explain-55284-4"), // Blood pressure panel (demo)
    ("8480-6", "explain-8480-6"),   // Systolic blood pressure
    ("8462-4", "explain-8462-4"),   // Diastolic blood pressure
    ("8867-4", "explain-8867-4"),   // Heart rate
    ("9279-1", "explain-9279-1"),   // Respiratory rate
    ("8310-5", "explain-8310-5"),   // Body temperature
    ("8331-1", "explain-8331-1"),   // Oral temperature
    ("59408-5", "explain-59408-5"), // Oxygen saturation by pulse oximetry
    ("72166-2", "explain-72166-2"), // Tobacco smoking status
    ("72106-8", "explain-72106-8"), // Mini-mental state examination score
    // Blood sugar.
    ("2339-0", "explain-2339-0"), // Glucose in blood
    ("2345-7", "explain-2339-0"), // Glucose in serum or plasma
    ("4548-4", "explain-4548-4"), // Hemoglobin A1c
    // Kidneys and body salts.
    ("6299-2", "explain-6299-2"),   // Urea nitrogen in blood
    ("3094-0", "explain-6299-2"),   // Urea nitrogen in serum or plasma
    ("38483-4", "explain-38483-4"), // Creatinine in blood
    ("2160-0", "explain-38483-4"),  // Creatinine in serum or plasma
    ("33914-3", "explain-33914-3"), // eGFR (MDRD)
    ("62238-1", "explain-33914-3"), // eGFR (CKD-EPI)
    ("14959-1", "explain-14959-1"), // Microalbumin/creatinine ratio in urine
    ("49765-1", "explain-49765-1"), // Calcium in blood
    ("17861-6", "explain-49765-1"), // Calcium in serum or plasma
    ("2947-0", "explain-2947-0"),   // Sodium in blood
    ("2951-2", "explain-2947-0"),   // Sodium in serum or plasma
    ("6298-4", "explain-6298-4"),   // Potassium in blood
    ("2823-3", "explain-6298-4"),   // Potassium in serum or plasma
    ("2069-3", "explain-2069-3"),   // Chloride in blood
    ("2075-0", "explain-2069-3"),   // Chloride in serum or plasma
    ("20565-8", "explain-20565-8"), // Carbon dioxide in blood
    ("2028-9", "explain-20565-8"),  // Carbon dioxide in serum or plasma
    // Cholesterol and fats.
    ("2093-3", "explain-2093-3"),   // Total cholesterol
    ("18262-6", "explain-18262-6"), // LDL cholesterol
    ("2085-9", "explain-2085-9"),   // HDL cholesterol
    ("2571-8", "explain-2571-8"),   // Triglycerides
    // Blood cells.
    ("718-7", "explain-718-7"),     // Hemoglobin
    ("4544-3", "explain-4544-3"),   // Hematocrit, automated count
    ("20570-8", "explain-4544-3"),  // Hematocrit
    ("789-8", "explain-789-8"),     // Red blood cells
    ("6690-2", "explain-6690-2"),   // White blood cells
    ("777-3", "explain-777-3"),     // Platelets
    ("787-2", "explain-787-2"),     // MCV
    ("785-6", "explain-785-6"),     // MCH
    ("786-4", "explain-786-4"),     // MCHC
    ("21000-5", "explain-21000-5"), // RDW (volume)
    ("788-0", "explain-21000-5"),   // RDW (ratio)
    ("32207-3", "explain-32207-3"), // Platelet distribution width
    ("32623-1", "explain-32623-1"), // Mean platelet volume
    // Liver and proteins.
    ("2885-2", "explain-2885-2"),   // Total protein
    ("1751-7", "explain-1751-7"),   // Albumin
    ("10834-0", "explain-10834-0"), // Globulin
    ("1975-2", "explain-1975-2"),   // Bilirubin, total
    ("6768-6", "explain-6768-6"),   // Alkaline phosphatase
    ("1742-6", "explain-1742-6"),   // ALT
    ("1920-8", "explain-1920-8"),   // AST
    // Other tests.
    ("3016-3", "explain-3016-3"),   // TSH
    ("2857-1", "explain-2857-1"),   // PSA
    ("33762-6", "explain-33762-6"), // NT-proBNP
    ("19926-5", "explain-19926-5"), // FEV1/FVC
    ("10230-1", "explain-10230-1"), // Left ventricular ejection fraction
];

/// The key of the plain-language explanation of the test a LOINC code names, if we wrote one.
pub(crate) fn key(code: &str) -> Option<&'static str> {
    let code = code.trim();
    EXPLANATIONS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, key)| *key)
}

/// The explanation's words in the request's language.
pub(crate) fn explanation(code: Option<&str>) -> Option<String> {
    code.and_then(key).map(crate::common::i18n::t)
}

/// Every key the table names, once (for the tests of the words).
#[cfg(test)]
pub(crate) fn keys() -> std::collections::BTreeSet<&'static str> {
    EXPLANATIONS.iter().map(|(_, key)| *key).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The English words of every key in explanations.ftl, as written (no placeholders there).
    fn written(lang: &str) -> std::collections::BTreeMap<String, String> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("locales")
            .join(lang)
            .join("explanations.ftl");
        std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .filter(|l| l.starts_with("explain-"))
            .filter_map(|l| l.split_once(" = "))
            .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
            .collect()
    }

    #[test]
    fn every_code_has_words_in_both_languages_and_every_explanation_a_code() {
        for lang in ["en", "es"] {
            let words = written(lang);
            for key in keys() {
                assert!(
                    words.get(key).is_some_and(|w| w.len() > 20),
                    "{lang}: no words for {key}"
                );
            }
            let unused: Vec<_> = words
                .keys()
                .filter(|k| !keys().contains(k.as_str()))
                .filter(|k| !["explain-heading", "explain-ask"].contains(&k.as_str()))
                .collect();
            assert!(unused.is_empty(), "{lang}: words no code names: {unused:?}");
        }
    }

    #[test]
    fn a_code_finds_its_explanation_and_synonyms_share_one() {
        assert_eq!(key("4548-4"), Some("explain-4548-4"));
        assert_eq!(key(" 2345-7 "), Some("explain-2339-0"));
        assert_eq!(key("85354-9"), key("55284-4"));
        assert_eq!(key("0000-0"), None);
        assert!(
            explanation(Some("4548-4")).is_some_and(|w| w.contains("2 to 3 months")),
            "English outside a request"
        );
        assert_eq!(explanation(None), None);
        // No code is listed twice.
        let codes: std::collections::BTreeSet<_> = EXPLANATIONS.iter().map(|(c, _)| c).collect();
        assert_eq!(codes.len(), EXPLANATIONS.len());
    }
}

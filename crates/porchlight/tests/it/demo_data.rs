//! `porchlight demo`: the generated practice, its patients and its administrator.

use porchlight::commands::demo::{DEMO_ORG_SLUG, prepare};

use crate::harness::each_backend;

each_backend! {
    async fn the_demo_practice_is_created_once_with_generated_patients(app) {
        let setup = prepare(&app.db, &app.settings, 12, 7).await.unwrap();
        assert_eq!(setup.organization.slug, DEMO_ORG_SLUG);
        assert_eq!(setup.patients_created, 12);
        assert!(setup.admin_password.len() >= 20);
        let org = Some(setup.organization.id);
        assert_eq!(app.db.count_records(org, "Patient").await.unwrap(), 12);
        for rtype in ["Observation", "Encounter", "DiagnosticReport", "Condition", "Immunization", "Claim", "ExplanationOfBenefit", "Appointment"] {
            assert!(app.db.count_records(org, rtype).await.unwrap() > 0, "the demo has {rtype} records");
        }

        // A second run keeps the patients and issues a new administrator password.
        let again = prepare(&app.db, &app.settings, 12, 7).await.unwrap();
        assert_eq!(again.patients_created, 0);
        assert_ne!(again.admin_password, setup.admin_password);
        assert_eq!(app.db.count_records(org, "Patient").await.unwrap(), 12);
    }
}

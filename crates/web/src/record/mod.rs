//! The patient's health record as the patient reads it: test results; medicines, allergies,
//! health problems and vaccines; who viewed it (the access log).

pub(crate) mod access_log;
pub(crate) mod lists;
pub(crate) mod results;

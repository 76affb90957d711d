//! The patient's health record as the patient reads it; for now, who viewed it
//! (the access log).

pub(crate) mod access_log;
// Issue 14: medicines, allergies, health problems and vaccines.
pub(crate) mod lists;

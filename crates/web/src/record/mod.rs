//! The patient's health record as the patient reads it; for now, who viewed it
//! (the access log), and the test results.

pub(crate) mod access_log;
pub(crate) mod results;

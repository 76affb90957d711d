//! Porchlight's integration tests: one binary; each test starts the real application on port 0
//! with a fresh database. Every test runs twice, on SQLite and on PostgreSQL (the latter when
//! `PORCHLIGHT_TEST_POSTGRES_URL` is set; otherwise those tests show as ignored).

mod fixtures;
mod harness;
mod maildev;
mod refusing_smtp;

mod api;
mod audit_chain;
mod audit_sealing;
mod authorization;
mod bot_check;
mod browser;
mod browser_language;
mod browser_signup;
mod browser_staff;
mod cli;
mod dashboard;
mod demo_data;
mod device_alerts;
mod download;
mod enrollment;
mod faults;
mod funnel;
mod help;
mod http;
mod import;
mod input;
mod invitations;
mod mail;
mod messages;
mod passkeys;
mod patient_sign_in;
mod profile;
mod record_index;
mod record_lists;
mod recovery;
mod results;
mod retention;
mod review;
mod security;
mod self_enrollment;
mod session_limits;
mod session_touch;
mod sign_in_limits;
mod spanish;
mod staff;
mod support;
mod terms;
mod terms_browser;
mod two_step;
mod visits;

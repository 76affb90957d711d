//! Signing in and the account that signs in: the patient's sign-in, sign-out, home page and
//! newly published terms; the 2-step sign-in (its rules and code pages, shared with staff)
//! and what staff and patient sign-in share (throttling, starting a session); passkeys;
//! "Account and security"; a forgotten password or username; the devices signed in; and
//! "This wasn't me".

pub(crate) mod devices;
pub(crate) mod not_me;
pub(crate) mod passkeys;
pub(crate) mod patient;
pub(crate) mod profile;
pub(crate) mod recovery;
pub(crate) mod settings;
pub(crate) mod sign_in;
pub(crate) mod sign_in_code;
pub mod two_step;

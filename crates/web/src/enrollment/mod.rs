//! A patient's way in: opening an invitation (the emailed link or the printed activation
//! code) or signing up without one, proving who they are, choosing a username and password,
//! and accepting the terms; with the bot check on the public forms. The JSON API's twins of
//! these steps are in `crate::api`.

pub(crate) mod access_code;
pub(crate) mod bot_check;
pub(crate) mod credentials;
pub(crate) mod enroll;
pub(crate) mod identity;
pub(crate) mod self_enroll;
pub(crate) mod terms_step;

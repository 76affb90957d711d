//! What every page and API call leans on, whoever uses it: the middleware a request passes
//! through (client and request id behind proxies, security headers, language, cross-site
//! refusal, input screening, metrics), sessions, the page layout and the trouble page, the
//! terms' text in the reader's language, password hashing, and the health checks.

pub(crate) mod csrf;
pub(crate) mod health;
pub mod i18n;
pub(crate) mod input;
pub(crate) mod metrics;
pub(crate) mod pages;
pub mod passwords;
pub(crate) mod proxies;
#[cfg(test)]
pub(crate) mod reading_level;
pub(crate) mod security_headers;
pub mod session;
pub(crate) mod terms_text;

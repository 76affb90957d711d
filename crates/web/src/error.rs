//! Failures on our side, answered in one place. A page's handler returns
//! `Result<Response, PageError>` and says what it was doing where a call may fail
//! (`.or_trouble("could not read the account")?`); the error logs that with its causes, once,
//! and answers the trouble page (503, in the visitor's language: `pages::explain_trouble`).
//! The JSON API's [`crate::api::ApiError`] logs its failures through the same
//! [`log_failure`].

use axum::response::{IntoResponse, Response};

use crate::common::pages::server_error;

/// A page that could not be answered because something on our side failed (most often the
/// database). Its answer is the trouble page; its cause goes to the log.
#[derive(Debug)]
pub struct PageError {
    /// What the handler was doing, in the log's words ("could not read the account").
    what: &'static str,
    error: anyhow::Error,
    /// Where it failed: the log line is written in this span (the handler's), as if the
    /// handler had written it.
    span: tracing::Span,
}

impl PageError {
    pub(crate) fn new(what: &'static str, error: impl Into<anyhow::Error>) -> Self {
        Self {
            what,
            error: error.into(),
            span: tracing::Span::current(),
        }
    }
}

/// A failure nobody named: `?` on an `anyhow::Result`.
impl From<anyhow::Error> for PageError {
    fn from(error: anyhow::Error) -> Self {
        Self::new("a page failed", error)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        self.span.in_scope(|| log_failure(self.what, &self.error));
        server_error()
    }
}

/// Names the failure of a call a page depends on.
pub(crate) trait OrTrouble<T> {
    /// On failure, a [`PageError`] that logs `what` with the cause.
    fn or_trouble(self, what: &'static str) -> Result<T, PageError>;
}

impl<T, E: Into<anyhow::Error>> OrTrouble<T> for Result<T, E> {
    fn or_trouble(self, what: &'static str) -> Result<T, PageError> {
        self.map_err(|error| PageError::new(what, error))
    }
}

/// Logs a failure on our side with its chain of causes (`{:#}`). Never PHI: storage errors
/// carry no bound values.
pub(crate) fn log_failure(what: &str, error: &anyhow::Error) {
    tracing::error!(error = %format_args!("{error:#}"), "{what}");
}

#[cfg(test)]
mod tests {
    use axum::http::StatusCode;

    use super::*;
    use crate::common::pages::Trouble;

    #[test]
    fn a_failure_is_answered_as_trouble_for_the_trouble_page() {
        let failed: Result<(), std::io::Error> = Err(std::io::Error::other("disk full"));
        let response = failed
            .or_trouble("could not read the account")
            .unwrap_err()
            .into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(response.extensions().get::<Trouble>().is_some());
    }

    #[test]
    fn an_unnamed_failure_is_trouble_too() {
        let error = PageError::from(anyhow::anyhow!("no connection"));
        assert_eq!(error.what, "a page failed");
        let response = error.into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(response.extensions().get::<Trouble>().is_some());
    }
}

//! The one error shape of the JSON API, and extractors whose rejections use it: axum's own
//! rejections are plain text.

use std::collections::BTreeMap;

use axum::{
    Json,
    extract::{FromRequest, FromRequestParts, Path, Query, Request, rejection::JsonRejection},
    http::{StatusCode, request::Parts},
    response::{IntoResponse, Response},
};
use serde::{Serialize, de::DeserializeOwned};
use utoipa::ToSchema;

use crate::enrollment::enroll::Unusable;

/// Every error of the API has this shape.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Plain words for the person using the app: show them as they are.
    #[schema(
        example = "The details do not match our records. Please call (555) 010-4477. You can try 4 more times."
    )]
    pub error: String,
    /// The kind of error, for programs: `malformed`, `unsupported_media_type`, `unauthorized`,
    /// `forbidden`, `not_found`, `no_route`, `method_not_allowed`, `wrong_step`, `conflict`,
    /// `terms_changed`, `expired`, `used`, `revoked`, `locked`, `invalid`, `mismatch`,
    /// `bot_check`, `not_invitable`, `cross_site`, `throttled`, `server_error`.
    #[schema(example = "mismatch")]
    pub code: &'static str,
    /// For `invalid`: per field of the request, what to fix.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    #[schema(example = json!({"birth_date": "Write the date of birth as YYYY-MM-DD, like 1961-04-09."}))]
    pub fields: BTreeMap<String, String>,
    /// Credentials only: free usernames to choose from when the one asked for is taken.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suggestions: Vec<String>,
    /// Credentials only: advice toward a stronger password.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub advice: Vec<String>,
}

/// An error answer: a status and the [`ErrorBody`].
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    body: ErrorBody,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, error: impl Into<String>) -> Self {
        Self {
            status,
            body: ErrorBody {
                error: error.into(),
                code,
                fields: BTreeMap::new(),
                suggestions: Vec::new(),
                advice: Vec::new(),
            },
        }
    }

    /// 422 with what to fix, per field.
    pub fn invalid<F: Into<String>>(fields: impl IntoIterator<Item = (F, String)>) -> Self {
        let mut error = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            "Some details need fixing: see each field.",
        );
        error.body.fields = fields.into_iter().map(|(f, m)| (f.into(), m)).collect();
        error
    }

    /// 422 for one field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self::invalid([(field.to_owned(), message.into())])
    }

    pub fn with_suggestions(mut self, suggestions: Vec<String>, advice: Vec<String>) -> Self {
        self.body.suggestions = suggestions;
        self.body.advice = advice;
        self
    }

    pub fn unauthorized(error: &str) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", error)
    }

    pub fn forbidden(error: &str) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", error)
    }

    pub fn not_found(error: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", error)
    }

    pub fn conflict(code: &'static str, error: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, error)
    }

    pub fn throttled(error: &str) -> Self {
        Self::new(StatusCode::TOO_MANY_REQUESTS, "throttled", error)
    }

    /// 410: the invitation can no longer be used, in the words of the pages.
    pub fn ended(reason: Unusable) -> Self {
        let (heading, message) = reason.words();
        Self::new(
            StatusCode::GONE,
            reason.code(),
            format!("{heading}. {message}"),
        )
    }

    /// 503, after logging the cause as the pages do ([`crate::error::log_failure`]).
    pub fn unexpected(error: &anyhow::Error) -> Self {
        crate::error::log_failure("an API call failed", error);
        Self::unavailable()
    }

    /// 503: a failure on our side, most often the database; try again in a few minutes
    /// (the answer says when, in `Retry-After`).
    pub fn unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "server_error",
            crate::common::pages::TROUBLE,
        )
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(error: anyhow::Error) -> Self {
        Self::unexpected(&error)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let trouble = self.status == StatusCode::SERVICE_UNAVAILABLE;
        let mut response = (self.status, Json(self.body)).into_response();
        if trouble {
            // `pages::explain_trouble` adds when to try again.
            response
                .extensions_mut()
                .insert(crate::common::pages::Trouble);
        }
        response
    }
}

/// A JSON request body. Unlike `axum::Json`, a body that cannot be read gets the API's error
/// shape: 400 with serde's own words (which name the field and the position), 415 without the
/// JSON content type.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(Self(value)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Send the body as JSON, with the header Content-Type: application/json.",
            )),
            Err(
                rejection @ (JsonRejection::JsonDataError(_) | JsonRejection::JsonSyntaxError(_)),
            ) => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "malformed",
                rejection.body_text(),
            )),
            Err(rejection) => Err(ApiError::new(
                rejection.status(),
                "malformed",
                rejection.body_text(),
            )),
        }
    }
}

/// Path parameters, with the API's error shape for a malformed id.
#[derive(Debug)]
pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(Self(value)),
            Err(rejection) => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "malformed",
                rejection.body_text(),
            )),
        }
    }
}

/// Query parameters, with the API's error shape when they cannot be read (a repeated
/// parameter, bytes that are not UTF-8): axum's own rejection is plain text.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(Self(value)),
            Err(rejection) => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "malformed",
                rejection.body_text(),
            )),
        }
    }
}

/// A JSON answer with a status other than 200.
pub fn reply<T: Serialize>(status: StatusCode, body: T) -> Response {
    (status, Json(body)).into_response()
}

//! The JSON API: what it serves is described by the OpenAPI document at `/api/openapi.json`.
//! Staff reach it with their signed-in session (the same cookie as the console).

use axum::{
    Json,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use utoipa::{
    Modify, OpenApi,
    openapi::security::{ApiKey, ApiKeyValue, SecurityScheme},
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Porchlight API",
        description = "The patient portal's JSON API. Staff calls use the staff session cookie set by /staff/sign-in."
    ),
    paths(crate::funnel::json),
    tags((name = "enrollment", description = "Enrollment of patients into the portal")),
    modifiers(&SessionCookie)
)]
struct ApiDoc;

struct SessionCookie;

impl Modify for SessionCookie {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "staff_session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(crate::session::COOKIE))),
        );
    }
}

/// `GET /api/openapi.json`.
pub async fn openapi() -> Response {
    Json(ApiDoc::openapi()).into_response()
}

#[derive(serde::Serialize)]
struct Problem {
    error: &'static str,
}

pub(crate) fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        Json(Problem {
            error: "Sign in first: this call needs a staff session.",
        }),
    )
        .into_response()
}

pub(crate) fn server_error() -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Json(Problem {
            error: "Something went wrong on our side. It has been logged.",
        }),
    )
        .into_response()
}

//! The JSON API under `/api/v1`, described by the OpenAPI document at `/api/openapi.json`.
//!
//! Each call runs the use case its page runs (the steps of enrollment, inviting, the review
//! queue, the policy, the terms), so a page and its API twin decide alike; only the answer's
//! form differs. Errors have one shape ([`ErrorBody`]). Staff use the console's session
//! cookie; patients enrolling use the enrollment session, as a cookie or a bearer token.
//!
//! The router is built from [`ROUTES`]'s list (the `api_routes!` macro makes both), and a test
//! checks that every route on it is in the document.

mod admin;
mod auth;
mod bot_check;
mod enrollment;
mod error;
mod integers;
mod patient;
mod patients;
mod review;
mod schemas;
mod self_enrollment;

use axum::{
    Router,
    extract::State,
    http::{HeaderValue, StatusCode, Uri, header},
    response::{IntoResponse, Response},
};
use tower_http::set_header::SetResponseHeaderLayer;
use utoipa::{
    Modify, OpenApi,
    openapi::{
        ContentBuilder, Ref, RefOr, ResponseBuilder, Schema,
        path::{Operation, ParameterIn},
        schema::{ArrayItems, SchemaType, Type},
        security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme},
        server::Server,
    },
};

pub use error::{ApiError, ApiJson, ApiPath, ApiQuery, ErrorBody, reply};

use crate::AppState;

/// Declares the API's routes once: the router is built from the list, and [`ROUTES`] names
/// them for the test that holds them against the OpenAPI document.
macro_rules! api_routes {
    ($($method:ident $path:literal => $handler:path;)*) => {
        /// Every route of the JSON API, as (method, path) in the OpenAPI document's terms.
        pub const ROUTES: &[(&str, &str)] = &[$((stringify!($method), $path)),*];

        fn routes() -> Router<AppState> {
            Router::new()$(.route($path, axum::routing::$method($handler)))*
        }
    };
}

api_routes! {
    get "/api/v1/bot-check/challenge" => bot_check::challenge;
    get "/api/v1/enrollment" => enrollment::status;
    post "/api/v1/enrollment/activate" => enrollment::activate;
    post "/api/v1/enrollment/link" => enrollment::link;
    post "/api/v1/enrollment/identity" => enrollment::identity;
    post "/api/v1/enrollment/access-code" => enrollment::access_code;
    post "/api/v1/enrollment/credentials" => enrollment::credentials;
    get "/api/v1/enrollment/terms" => enrollment::terms;
    post "/api/v1/enrollment/terms" => enrollment::accept_terms;
    get "/api/v1/enrollment/self" => self_enrollment::offered;
    post "/api/v1/enrollment/self" => self_enrollment::sign_up;
    post "/api/v1/session" => patient::sign_in;
    post "/api/v1/session/code" => patient::second_step;
    delete "/api/v1/session" => patient::sign_out;
    get "/api/v1/me" => patient::me;
    get "/api/v1/me/terms" => patient::terms;
    post "/api/v1/me/terms" => patient::accept_terms;
    get "/api/v1/enrollment/funnel" => crate::staff::funnel::json;
    get "/api/v1/patients" => patients::search;
    get "/api/v1/patients/{patient}" => patients::show;
    post "/api/v1/patients/{patient}/invitations" => patients::invite;
    delete "/api/v1/patients/{patient}/invitations/current" => patients::revoke;
    get "/api/v1/review-items" => review::list;
    get "/api/v1/review-items/{item}" => review::show;
    post "/api/v1/review-items/{item}/unlock" => review::unlock;
    post "/api/v1/review-items/{item}/close" => review::close;
    get "/api/v1/enrollment-policy" => admin::policy;
    put "/api/v1/enrollment-policy" => admin::save_policy;
    get "/api/v1/terms" => admin::terms;
    post "/api/v1/terms" => admin::publish_terms;
}

/// The API's routes. Answers carry patient data: no cache keeps them.
pub fn router() -> Router<AppState> {
    routes().layer(SetResponseHeaderLayer::overriding(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    ))
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Porchlight API",
        description = "The patient portal's JSON API.\n\n\
            **Staff** calls use the session cookie set by the console's sign-in (`/staff/sign-in`).\n\n\
            **Patients enrolling** open an invitation with `POST /api/v1/enrollment/activate` (the printed \
            code, after the bot check of `GET /api/v1/bot-check/challenge`) or `POST /api/v1/enrollment/link` \
            (the emailed link's token); the answer sets the `porchlight_enrollment` cookie and returns the same \
            token, which apps may send as `Authorization: Bearer` instead. `GET /api/v1/enrollment` says the \
            next step. Accepting the terms activates the account and returns the patient's session (cookie \
            and token).\n\n\
            **Patients** sign in with `POST /api/v1/session` (username and password); the answer sets the \
            `porchlight_session` cookie and returns the same token for `Authorization: Bearer`. Newer terms of \
            use or privacy policy are accepted first (`GET`/`POST /api/v1/me/terms`).\n\n\
            **Errors** all have one shape (`ErrorBody`): plain words in `error`, a `code` for programs, and \
            per-field messages in `fields` for validation errors (422). Malformed JSON gets 400 with the \
            reader's message, no session 401, a role that may not 403, an ended invitation 410, too many \
            tries 429.\n\n\
            **Browsers** must call from the portal's own origin: unsafe methods sent cross-site are refused \
            (Sec-Fetch-Site / Origin). Programs that send neither header are not browsers and are served."
    ),
    paths(
        bot_check::challenge,
        enrollment::status,
        enrollment::activate,
        enrollment::link,
        enrollment::identity,
        enrollment::access_code,
        enrollment::credentials,
        enrollment::terms,
        enrollment::accept_terms,
        self_enrollment::offered,
        self_enrollment::sign_up,
        patient::sign_in,
        patient::second_step,
        patient::sign_out,
        patient::me,
        patient::terms,
        patient::accept_terms,
        crate::staff::funnel::json,
        patients::search,
        patients::show,
        patients::invite,
        patients::revoke,
        review::list,
        review::show,
        review::unlock,
        review::close,
        admin::policy,
        admin::save_policy,
        admin::terms,
        admin::publish_terms,
    ),
    components(schemas(ErrorBody)),
    tags(
        (name = "patient enrollment", description = "A patient's way from an invitation (or none) to an active account"),
        (name = "patient", description = "A patient's sign-in, who they are, and newer terms to accept"),
        (name = "front desk", description = "Finding patients, inviting them, the review queue"),
        (name = "enrollment", description = "The enrollment funnel"),
        (name = "administration", description = "The enrollment policy and the terms (administrators)"),
    ),
    modifiers(&Sessions, &CommonResponses, &PlainText)
)]
struct ApiDoc;

struct Sessions;

impl Modify for Sessions {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "staff_session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::common::session::COOKIE,
                "The staff session, set by the console's sign-in",
            ))),
        );
        components.add_security_scheme(
            "enrollment_session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::enrollment::enroll::ENROLLMENT_COOKIE,
                "The enrollment session, set when an invitation is opened",
            ))),
        );
        components.add_security_scheme(
            "enrollment_bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The enrollment session's token (`enrollment_token`), for apps",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "patient_session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::common::session::COOKIE,
                "The patient's session, set by sign-in or by accepting the terms at enrollment",
            ))),
        );
        components.add_security_scheme(
            "patient_bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The patient session's token (`session_token`), for apps",
                    ))
                    .build(),
            ),
        );
    }
}

/// The answers any call may get besides its own, added to each operation so that the document
/// lists every status the server gives: 400 for a body, a path id or a query that cannot be
/// read, 413 and 415 for bodies, 403 for unsafe methods sent from another site's page, and
/// 500/503 when the server or its database fails.
struct CommonResponses;

impl CommonResponses {
    fn add(operation: &mut Operation, method: &str) {
        let parameters = operation.parameters.iter().flatten();
        let in_path = parameters
            .clone()
            .any(|p| matches!(p, RefOr::T(p) if matches!(p.parameter_in, ParameterIn::Path)));
        let in_query = parameters
            .clone()
            .any(|p| matches!(p, RefOr::T(p) if matches!(p.parameter_in, ParameterIn::Query)));
        let body = operation.request_body.is_some();
        let mut reasons_400 = Vec::new();
        if body {
            reasons_400.push(
                "the body is not the JSON expected (`code` = `malformed`, with the reader's words)",
            );
        }
        if in_path {
            reasons_400.push("an id in the path is not a UUID (`code` = `malformed`)");
        }
        if in_query {
            reasons_400.push("the query string cannot be read (`code` = `malformed`)");
        }
        if !reasons_400.is_empty() {
            Self::describe(
                operation,
                "400",
                &format!("Bad request: {}", reasons_400.join("; ")),
            );
        }
        if ["post", "put", "patch", "delete"].contains(&method) {
            Self::describe(
                operation,
                "403",
                "Sent by a browser from another site's page (`code` = `cross_site`)",
            );
        }
        if body || in_query {
            Self::describe(
                operation,
                "422",
                "A text has a control character (`code` = `invalid`, naming the field in \
                 `fields`): see the strings' `pattern`",
            );
        }
        if body {
            Self::describe(
                operation,
                "413",
                "The body is larger than the server reads (2 MB)",
            );
            Self::describe(
                operation,
                "415",
                "The body was not sent as `Content-Type: application/json` (`code` = `unsupported_media_type`)",
            );
        }
        Self::describe(
            operation,
            "500",
            "Something failed on the server's side; it is logged (`code` = `server_error`)",
        );
        Self::describe(
            operation,
            "503",
            "The server cannot serve now (its database is unreachable or busy): try again later",
        );
    }

    /// Adds an error answer with `description`; a status the operation lists already keeps
    /// its own words with this reason added.
    fn describe(operation: &mut Operation, status: &str, description: &str) {
        let responses = &mut operation.responses.responses;
        match responses.get_mut(status) {
            Some(RefOr::T(response)) => {
                response.description = format!("{}; or: {description}", response.description);
            }
            Some(RefOr::Ref(_)) => {}
            None => {
                let response = ResponseBuilder::new()
                    .description(description)
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("ErrorBody")))
                            .build(),
                    )
                    .build();
                responses.insert(status.to_owned(), RefOr::T(response));
            }
        }
    }
}

impl Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            for (method, operation) in [
                ("get", &mut item.get),
                ("put", &mut item.put),
                ("post", &mut item.post),
                ("delete", &mut item.delete),
                ("patch", &mut item.patch),
            ] {
                if let Some(operation) = operation {
                    Self::add(operation, method);
                }
            }
        }
    }
}

/// Texts the server takes: no control characters but tab, line feed and carriage return (the
/// input screen refuses the rest before any handler, `crate::common::input`).
const PLAIN_TEXT: &str = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$";

/// States [`PLAIN_TEXT`] on every string the document describes without a pattern, format or
/// list of values of its own, so that the document says what the server refuses.
struct PlainText;

impl PlainText {
    fn schema(schema: &mut RefOr<Schema>) {
        let RefOr::T(schema) = schema else {
            return;
        };
        match schema {
            Schema::Object(object) => {
                let string = match &object.schema_type {
                    SchemaType::Type(kind) => *kind == Type::String,
                    SchemaType::Array(kinds) => kinds.contains(&Type::String),
                    SchemaType::AnyValue => false,
                };
                if string
                    && object.pattern.is_none()
                    && object.format.is_none()
                    && object.enum_values.is_none()
                {
                    object.pattern = Some(PLAIN_TEXT.to_owned());
                }
                object.properties.values_mut().for_each(Self::schema);
            }
            Schema::Array(array) => {
                if let ArrayItems::RefOrSchema(items) = &mut array.items {
                    Self::schema(items);
                }
            }
            Schema::OneOf(one_of) => one_of.items.iter_mut().for_each(Self::schema),
            Schema::AllOf(all_of) => all_of.items.iter_mut().for_each(Self::schema),
            Schema::AnyOf(any_of) => any_of.items.iter_mut().for_each(Self::schema),
            _ => {}
        }
    }
}

impl Modify for PlainText {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components.schemas.values_mut().for_each(Self::schema);
        }
        for item in openapi.paths.paths.values_mut() {
            for operation in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                for parameter in operation.parameters.iter_mut().flatten() {
                    if let RefOr::T(parameter) = parameter
                        && let Some(schema) = parameter.schema.as_mut()
                    {
                        Self::schema(schema);
                    }
                }
            }
        }
    }
}

/// The document, with this deployment's address as its server.
pub fn document(base_url: &str) -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.servers = Some(vec![Server::new(base_url)]);
    doc
}

/// `GET /api/openapi.json`.
pub async fn openapi(State(state): State<AppState>) -> Response {
    axum::Json(document(&state.settings.base_url)).into_response()
}

/// Unknown addresses: the API's error shape under `/api/`, the page elsewhere.
pub async fn fallback(state: State<AppState>, uri: Uri) -> Response {
    if uri.path().starts_with("/api/") {
        return ApiError::new(
            StatusCode::NOT_FOUND,
            "no_route",
            "There is no such API call; the calls are listed in /api/openapi.json.",
        )
        .into_response();
    }
    crate::common::pages::not_found(state).await
}

/// A known address with the wrong method.
pub async fn method_not_allowed(uri: Uri) -> Response {
    if uri.path().starts_with("/api/") {
        return ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "This address does not take that method; see /api/openapi.json.",
        )
        .into_response();
    }
    StatusCode::METHOD_NOT_ALLOWED.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every route the router serves is in the document with its method, and the document
    /// lists nothing the router does not serve.
    #[test]
    fn the_document_lists_every_route() {
        let doc = serde_json::to_value(document("http://localhost")).unwrap();
        let paths = doc["paths"].as_object().unwrap();
        for (method, path) in ROUTES {
            assert!(
                paths.get(*path).and_then(|p| p.get(*method)).is_some(),
                "{method} {path} is not documented"
            );
        }
        let documented: usize = paths.values().map(|p| p.as_object().unwrap().len()).sum();
        assert_eq!(
            documented,
            ROUTES.len(),
            "the document lists more than is served"
        );
    }
}

//! HTTP: turns requests into domain calls and results into pages or JSON. Handlers are thin.

mod access_code;
mod account;
mod api;
mod bot_check;
mod credentials;
mod csrf;
mod devices;
mod enroll;
mod funnel;
mod health;
pub mod i18n;
mod identity;
mod invite;
mod mailbox;
mod metrics;
mod not_me;
mod pages;
pub mod passwords;
mod patient;
mod policy;
mod record_access;
mod recovery;
mod reset_code;
mod review;
mod security;
mod security_headers;
mod self_enroll;
pub mod session;
mod sign_in;
mod sign_in_code;
mod staff;
mod terms_admin;
mod terms_step;
pub mod two_step;

/// The terms a practice starts with; seeding tools (the load benchmark) publish the same ones.
pub use terms_step::DEFAULT_TERMS;

use std::{sync::Arc, time::Duration};

/// The JSON API's routes as (method, path): the router is built from this list.
pub use api::ROUTES as API_ROUTES;

use axum::{
    Router,
    http::{HeaderName, Request},
    routing::{get, post},
};
use storage::Database;
use tower::ServiceBuilder;
use tower_http::{
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    timeout::TimeoutLayer,
    trace::{DefaultOnResponse, TraceLayer},
};

/// What every handler may use. Cloned per request; the heavy parts are shared.
#[derive(Clone)]
pub struct AppState {
    pub db: Database,
    pub settings: Arc<WebSettings>,
    pub hasher: passwords::PasswordHasher,
    /// Keys the hashes of low-entropy secrets (activation codes).
    pub key: domain::SecretKey,
}

/// The parts of the configuration that shape responses.
#[derive(Debug, Clone)]
pub struct WebSettings {
    /// The address patients use, e.g. `https://portal.example.org`; links in emails start here.
    pub base_url: String,
    /// The proof-of-work difficulty and the no-JavaScript wait of the bot check.
    pub bot_check: domain::bot_check::BotCheckConfig,
    /// Whether emails are kept in the mailbox table (no SMTP server configured), and so
    /// shown to staff at `/staff/mailbox`.
    pub mailbox: bool,
    /// The portal address's QR code for the welcome page, as a data URL: drawn once, since
    /// the address does not change (left empty when built).
    pub portal_qr: std::sync::OnceLock<String>,
}

impl WebSettings {
    pub fn served_over_https(&self) -> bool {
        self.base_url.starts_with("https://")
    }
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The whole application: routes and the middleware every request passes through.
pub fn router(state: AppState) -> Router {
    let https = state.settings.served_over_https();
    let own_origin = csrf::origin_of(&state.settings.base_url);
    Router::new()
        .route("/", get(pages::landing))
        .route(
            "/activate",
            get(enroll::activate_page).post(enroll::activate),
        )
        .route(
            "/enroll/start",
            get(self_enroll::show).post(self_enroll::submit),
        )
        .route(
            "/enroll/identity",
            get(identity::show).post(identity::submit),
        )
        .route(
            "/enroll/access-code",
            get(access_code::show).post(access_code::submit),
        )
        .route(
            "/enroll/credentials",
            get(credentials::show).post(credentials::submit),
        )
        .route(
            "/enroll/terms",
            get(terms_step::show).post(terms_step::submit),
        )
        .route("/welcome", get(terms_step::welcome))
        .route("/not-me/{token}", get(not_me::show).post(not_me::lock))
        .route(
            "/sign-in",
            get(patient::sign_in_page).post(patient::sign_in),
        )
        .route(
            "/sign-in/code",
            get(sign_in_code::show).post(sign_in_code::submit),
        )
        .route("/sign-in/code/resend", post(sign_in_code::resend))
        .route("/sign-out", post(patient::sign_out))
        .route("/account", get(account::page))
        .route(
            "/account/confirm",
            get(account::confirm_form).post(account::confirm),
        )
        .route(
            "/account/two-step/app",
            get(account::app_form).post(account::app_confirm),
        )
        .route("/account/two-step/email", post(account::email_on))
        .route("/account/two-step/recovery-codes", post(account::new_codes))
        .route("/account/two-step/off", post(account::turn_off))
        .route(
            "/forgot",
            get(recovery::forgot).post(recovery::request_reset),
        )
        .route(
            "/reset/{token}",
            get(recovery::reset_form).post(recovery::reset),
        )
        .route("/home", get(patient::home))
        .route("/record-access", get(record_access::page))
        .route("/devices", get(devices::page))
        .route("/devices/sign-out-others", post(devices::sign_out_others))
        .route(
            "/terms/update",
            get(patient::terms_update).post(patient::accept_terms),
        )
        .route("/manifest.webmanifest", get(terms_step::manifest))
        .route("/static/icon.svg", get(terms_step::icon))
        .route(
            "/enroll/{token}",
            get(enroll::follow_link).post(enroll::confirm_link),
        )
        .route("/staff", get(staff::home))
        .route(
            "/staff/sign-in",
            get(staff::sign_in_page).post(staff::sign_in),
        )
        .route(
            "/staff/sign-in/code",
            get(sign_in_code::staff_show).post(sign_in_code::staff_submit),
        )
        .route("/staff/sign-out", post(staff::sign_out))
        .route("/staff/policy", get(policy::show).post(policy::save))
        .route(
            "/staff/terms",
            get(terms_admin::show).post(terms_admin::publish),
        )
        .route("/staff/enrollment", get(funnel::page))
        .route("/api/openapi.json", get(api::openapi))
        .merge(api::router())
        .route("/staff/review", get(review::queue))
        .route("/staff/review/{item}", get(review::show))
        .route("/staff/review/{item}/unlock", post(review::unlock))
        .route("/staff/review/{item}/close", post(review::close))
        .route("/staff/mailbox", get(mailbox::show))
        .route("/staff/security", get(security::page))
        .route("/staff/security/events/{event}", get(security::event))
        .route(
            "/staff/security/events/{event}/resolve",
            post(security::resolve),
        )
        .route("/staff/patients/{patient}", get(invite::show))
        .route("/staff/patients/{patient}/invite", post(invite::invite))
        .route("/staff/patients/{patient}/revoke", post(invite::revoke))
        .route(
            "/staff/patients/{patient}/reset-code",
            get(reset_code::form).post(reset_code::issue),
        )
        .route(
            "/reset-code",
            get(recovery::code_form).post(recovery::redeem_code),
        )
        .route("/static/portal.css", get(pages::stylesheet))
        .route("/static/bot-check.js", get(bot_check::script))
        .route("/language/{code}", get(i18n::choose))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::render))
        .fallback(api::fallback)
        .method_not_allowed_fallback(api::method_not_allowed)
        .with_state(state)
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(|request: &Request<_>| {
                            let request_id = request
                                .headers()
                                .get(REQUEST_ID)
                                .and_then(|v| v.to_str().ok())
                                .unwrap_or("-");
                            // The route's template, never the path itself: paths carry
                            // live tokens (/reset/{token}, /enroll/{token}) and identifiers,
                            // and query strings names or dates.
                            let route = request
                                .extensions()
                                .get::<axum::extract::MatchedPath>()
                                .map_or("unmatched", axum::extract::MatchedPath::as_str);
                            tracing::info_span!(
                                "request",
                                request_id,
                                method = %request.method(),
                                route,
                            )
                        })
                        // One access-log line per request, carrying the span's request id.
                        .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
                )
                .layer(PropagateRequestIdLayer::new(REQUEST_ID))
                .layer(axum::middleware::from_fn(metrics::track))
                .layer(TimeoutLayer::with_status_code(
                    axum::http::StatusCode::REQUEST_TIMEOUT,
                    Duration::from_secs(30),
                ))
                .layer(axum::middleware::from_fn(move |req, next| {
                    security_headers::apply(https, req, next)
                }))
                .layer(axum::middleware::from_fn(i18n::negotiate))
                .layer(axum::middleware::from_fn(move |req, next| {
                    csrf::guard(own_origin.clone(), req, next)
                })),
        )
}

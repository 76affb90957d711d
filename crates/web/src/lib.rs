//! HTTP: turns requests into domain calls and results into pages or JSON. Handlers are thin.

mod account;
mod api;
mod common;
mod enrollment;
mod error;
mod help;
mod messages;
mod record;
mod staff;
mod support;

pub use account::two_step;
pub use common::{i18n, passwords, session};

/// Tells staff pages that a patient wrote (built once, with the application's state).
pub use messages::events::MessageEvents;

/// The proxies whose forwarding headers are believed (`PORCHLIGHT_TRUSTED_PROXIES`).
pub use common::proxies::TrustedProxies;

/// A QR code as a data URL (tests compare the printed letter's with the address it must hold).
pub use common::pages::qr_data_url;

/// The terms a practice starts with; seeding tools (the load benchmark) publish the same ones.
pub use enrollment::terms_step::DEFAULT_TERMS;

use std::{sync::Arc, time::Duration};

/// The JSON API's routes as (method, path): the router is built from this list.
pub use api::ROUTES as API_ROUTES;

use axum::{
    Router,
    http::{HeaderName, Request},
};
use storage::Database;
use tower::ServiceBuilder;
use tower_http::{
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    timeout::TimeoutLayer,
    trace::{DefaultOnResponse, TraceLayer},
};

/// What every handler may use ([`Shared`]): cloned for each request and each layer it
/// passes, so one shared allocation (a clone of the parts themselves was a dozen reference
/// counts and a copy of the secret key, ~5% of a signed-in read's time).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

/// The parts of [`AppState`].
pub struct Shared {
    pub db: Database,
    pub settings: Arc<WebSettings>,
    pub hasher: common::passwords::PasswordHasher,
    /// Keys the hashes of low-entropy secrets (activation codes).
    pub key: domain::SecretKey,
    /// Tells the staff pages open in this process that a patient wrote.
    pub message_events: messages::events::MessageEvents,
}

impl AppState {
    pub fn new(parts: Shared) -> Self {
        Self(Arc::new(parts))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
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
    /// The portal as a WebAuthn relying party, made on first use (`None`: its address does
    /// not allow passkeys). Left empty when built.
    pub webauthn: std::sync::OnceLock<Option<webauthn_rs::Webauthn>>,
    /// Proxies whose `Forwarded` / `X-Forwarded-For` and `X-Request-Id` are believed.
    pub trusted_proxies: TrustedProxies,
}

impl WebSettings {
    pub fn served_over_https(&self) -> bool {
        self.base_url.starts_with("https://")
    }
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Declares the page routes once, in the manner of the API's `api_routes!`: the router is
/// built from the list, and [`PAGE_ROUTES`] names every route for the test that gives each
/// one an authorization rule (a route added without a rule fails it). A path served with two
/// methods is two lines.
macro_rules! page_routes {
    ($($method:ident $path:literal => $handler:path $(, limit $limit:expr)?;)*) => {
        /// Every route outside the JSON API (pages, the console, static files, health and
        /// metrics), as (method, path template); the API's are [`API_ROUTES`].
        pub const PAGE_ROUTES: &[(&str, &str)] = &[$((stringify!($method), $path)),*];

        fn page_routes() -> Router<AppState> {
            // Two lines with one path make one route with both methods.
            // A route that takes files names its own body limit (the default is 2 MiB).
            Router::new()$(.route(
                $path,
                axum::routing::$method($handler)
                    $(.layer(axum::extract::DefaultBodyLimit::max($limit)))?
            ))*
        }
    };
}

page_routes! {
    get "/" => common::pages::landing;
    get "/activate" => enrollment::enroll::activate_page;
    post "/activate" => enrollment::enroll::activate;
    get "/enroll/start" => enrollment::self_enroll::show;
    post "/enroll/start" => enrollment::self_enroll::submit;
    get "/enroll/identity" => enrollment::identity::show;
    post "/enroll/identity" => enrollment::identity::submit;
    get "/enroll/access-code" => enrollment::access_code::show;
    post "/enroll/access-code" => enrollment::access_code::submit;
    get "/enroll/credentials" => enrollment::credentials::show;
    post "/enroll/credentials" => enrollment::credentials::submit;
    get "/enroll/terms" => enrollment::terms_step::show;
    post "/enroll/terms" => enrollment::terms_step::submit;
    get "/welcome" => enrollment::terms_step::welcome;
    get "/not-me/{token}" => account::not_me::show;
    post "/not-me/{token}" => account::not_me::lock;
    get "/sign-in" => account::patient::sign_in_page;
    post "/sign-in" => account::patient::sign_in;
    get "/sign-in/code" => account::sign_in_code::show;
    post "/sign-in/code" => account::sign_in_code::submit;
    post "/sign-in/code/resend" => account::sign_in_code::resend;
    post "/sign-out" => account::patient::sign_out;
    get "/account" => account::settings::page;
    get "/account/confirm" => account::settings::confirm_form;
    post "/account/confirm" => account::settings::confirm;
    get "/account/two-step/app" => account::settings::app_form;
    post "/account/two-step/app" => account::settings::app_confirm;
    post "/account/two-step/email" => account::settings::email_on;
    post "/account/two-step/recovery-codes" => account::settings::new_codes;
    post "/account/two-step/off" => account::settings::turn_off;
    post "/account/notifications" => account::settings::notifications;
    post "/account/language" => account::profile::choose_language;
    get "/account/profile" => account::profile::page;
    post "/account/profile" => account::profile::request_change;
    get "/account/password" => account::settings::password_form;
    post "/account/password" => account::settings::change_password;
    get "/account/email" => account::settings::email_form;
    post "/account/email" => account::settings::change_email;
    get "/account/email/confirm/{token}" => account::settings::confirm_email_form;
    post "/account/email/confirm/{token}" => account::settings::confirm_email;
    post "/account/passkeys/options" => account::passkeys::register_options;
    post "/account/passkeys" => account::passkeys::register;
    post "/account/passkeys/{passkey}/remove" => account::passkeys::remove;
    post "/sign-in/passkey/options" => account::passkeys::sign_in_options;
    post "/sign-in/passkey" => account::passkeys::sign_in;
    get "/forgot" => account::recovery::forgot;
    post "/forgot" => account::recovery::request_reset;
    get "/reset/{token}" => account::recovery::reset_form;
    post "/reset/{token}" => account::recovery::reset;
    get "/home" => account::patient::home;
    get "/record" => record::index;
    get "/record-access" => record::access_log::page;
    get "/messages" => messages::list;
    get "/messages/new" => messages::new_form;
    post "/messages/new" => messages::send_new, limit messages::upload::MOST_BODY_BYTES;
    get "/messages/files/{attachment}" => messages::file;
    get "/messages/{thread}" => messages::thread;
    post "/messages/{thread}/reply" => messages::reply, limit messages::upload::MOST_BODY_BYTES;
    get "/results" => record::results::list;
    get "/results/{result}" => record::results::page;
    get "/medicines" => record::lists::medicines;
    get "/allergies" => record::lists::allergies;
    get "/conditions" => record::lists::conditions;
    get "/immunizations" => record::lists::immunizations;
    get "/visits" => record::visits::list;
    get "/visits/{visit}" => record::visits::page;
    get "/procedures" => record::care::procedures;
    get "/care-plans" => record::care::care_plans;
    get "/record/download" => record::download::page;
    get "/record/download/file" => record::download::file;
    get "/record/summary" => record::download::summary;
    get "/devices" => account::devices::page;
    post "/devices/sign-out-others" => account::devices::sign_out_others;
    get "/terms/update" => account::patient::terms_update;
    post "/terms/update" => account::patient::accept_terms;
    get "/manifest.webmanifest" => enrollment::terms_step::manifest;
    get "/static/icon.svg" => enrollment::terms_step::icon;
    get "/enroll/{token}" => enrollment::enroll::follow_link;
    post "/enroll/{token}" => enrollment::enroll::confirm_link;
    get "/staff" => staff::console::home;
    get "/staff/sign-in" => staff::console::sign_in_page;
    post "/staff/sign-in" => staff::console::sign_in;
    get "/staff/sign-in/code" => account::sign_in_code::staff_show;
    post "/staff/sign-in/code" => account::sign_in_code::staff_submit;
    post "/staff/sign-out" => staff::console::sign_out;
    get "/staff/account" => staff::staff_account::page;
    get "/staff/account/confirm" => staff::staff_account::confirm_form;
    post "/staff/account/confirm" => staff::staff_account::confirm;
    get "/staff/account/two-step/app" => staff::staff_account::app_form;
    post "/staff/account/two-step/app" => staff::staff_account::app_confirm;
    post "/staff/account/two-step/recovery-codes" => staff::staff_account::new_codes;
    post "/staff/account/two-step/off" => staff::staff_account::turn_off;
    get "/staff/policy" => staff::policy::show;
    post "/staff/policy" => staff::policy::save;
    get "/staff/terms" => staff::terms_admin::show;
    post "/staff/terms" => staff::terms_admin::publish;
    get "/staff/enrollment" => staff::funnel::page;
    get "/api/openapi.json" => api::openapi;
    get "/staff/review" => staff::review::queue;
    get "/staff/review/{item}" => staff::review::show;
    post "/staff/review/{item}/unlock" => staff::review::unlock;
    post "/staff/review/{item}/close" => staff::review::close;
    get "/support" => support::form;
    post "/support" => support::send;
    get "/staff/support" => staff::support::queue;
    get "/staff/support/{support}" => staff::support::show;
    post "/staff/support/{support}/status" => staff::support::set_status;
    post "/staff/support/{support}/note" => staff::support::note;
    get "/staff/contact-changes" => staff::contact_changes::queue;
    post "/staff/contact-changes/{request}/close" => staff::contact_changes::close;
    get "/staff/mailbox" => staff::mailbox::show;
    get "/staff/messages" => staff::messages::inbox;
    get "/staff/messages/events" => messages::events::stream;
    get "/staff/messages/settings" => staff::messaging_settings::show;
    post "/staff/messages/settings" => staff::messaging_settings::save;
    post "/staff/messages/templates" => staff::messaging_settings::save_template;
    post "/staff/messages/templates/{template}/remove" => staff::messaging_settings::remove_template;
    get "/staff/messages/files/{attachment}" => staff::messages::file;
    get "/staff/messages/{thread}" => staff::messages::thread;
    post "/staff/messages/{thread}/reply" => staff::messages::reply, limit messages::upload::MOST_BODY_BYTES;
    post "/staff/messages/{thread}/assign" => staff::messages::assign;
    post "/staff/messages/{thread}/note" => staff::messages::note;
    post "/staff/messages/{thread}/close" => staff::messages::close;
    get "/staff/security" => staff::security::page;
    get "/staff/security/events/{event}" => staff::security::event;
    post "/staff/security/events/{event}/resolve" => staff::security::resolve;
    get "/staff/patients/{patient}" => staff::invite::show;
    post "/staff/patients/{patient}/invite" => staff::invite::invite;
    post "/staff/patients/{patient}/revoke" => staff::invite::revoke;
    get "/staff/patients/{patient}/reset-code" => staff::reset_code::form;
    post "/staff/patients/{patient}/reset-code" => staff::reset_code::issue;
    get "/reset-code" => account::recovery::code_form;
    post "/reset-code" => account::recovery::redeem_code;
    get "/static/portal.css" => common::pages::stylesheet;
    get "/static/bot-check.js" => enrollment::bot_check::script;
    get "/static/passkey.js" => account::passkeys::script;
    get "/static/enroll-credentials.js" => enrollment::credentials::script;
    get "/static/print.js" => record::download::print_script;
    get "/static/staff-messages.js" => staff::messages::script;
    get "/language/{code}" => common::i18n::choose;
    get "/text-size/{size}" => common::i18n::choose_text_size;
    get "/help" => help::index;
    get "/help/{article}" => help::article;
    get "/static/help/{picture}" => help::picture;
    get "/healthz" => common::health::healthz;
    get "/readyz" => common::health::readyz;
    get "/metrics" => common::metrics::render;
}

/// The whole application: routes and the middleware every request passes through.
pub fn router(state: AppState) -> Router {
    let https = state.settings.served_over_https();
    let own_origin = common::csrf::origin_of(&state.settings.base_url);
    let proxies = Arc::new(state.settings.trusted_proxies.clone());
    // Failures on our side (`common::pages::server_error`) become the trouble page, or the API's
    // error, with when to try again. Inside the layers below, so that the language is settled.
    let trouble =
        axum::middleware::from_fn_with_state(state.clone(), common::pages::explain_trouble);
    let screened_state = state.clone();
    page_routes()
        .merge(api::router())
        .fallback(api::fallback)
        .method_not_allowed_fallback(api::method_not_allowed)
        .layer(trouble)
        .with_state(state)
        // Input screening, inside the layers below (the request's language is settled and
        // cross-site requests are refused first): control characters reach no handler.
        .layer(axum::middleware::from_fn_with_state(
            screened_state,
            common::input::screen,
        ))
        .layer(
            ServiceBuilder::new()
                // First: who the client is, and whether its request id is kept.
                .layer(axum::middleware::from_fn(move |req, next| {
                    common::proxies::identify_client(proxies.clone(), REQUEST_ID, req, next)
                }))
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
                .layer(axum::middleware::from_fn(common::metrics::track))
                .layer(TimeoutLayer::with_status_code(
                    axum::http::StatusCode::REQUEST_TIMEOUT,
                    Duration::from_secs(30),
                ))
                .layer(axum::middleware::from_fn(move |req, next| {
                    common::security_headers::apply(https, req, next)
                }))
                .layer(axum::middleware::from_fn(common::i18n::negotiate))
                .layer(axum::middleware::from_fn(move |req, next| {
                    common::csrf::guard(own_origin.clone(), req, next)
                })),
        )
}

//! Public pages.

use std::time::Duration;

use askama::Template;
use axum::{
    extract::{Request, State},
    http::{HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{Html, IntoResponse, Response},
};

use crate::AppState;

/// Who runs this portal, as shown in every page's header and footer.
pub(crate) struct Practice {
    pub(crate) name: String,
    pub(crate) phone: Option<String>,
}

impl Practice {
    /// The deployment's organization; a deployment serving several says so generically.
    pub(crate) async fn of(state: &AppState) -> Self {
        match state.db.organizations().await {
            Ok(orgs) if orgs.len() == 1 => Self {
                name: orgs[0].name.clone(),
                phone: orgs[0].phone.clone(),
            },
            Ok(_) => Self::generic(),
            Err(error) => {
                tracing::warn!(error = %error, "could not read the organizations");
                Self::generic()
            }
        }
    }

    /// A signed-in patient's own practice, with the time zone of the dates its pages show, in
    /// one read; the generic name and the server's zone when it cannot be read.
    pub(crate) async fn with_zone(
        state: &AppState,
        organization: domain::OrganizationId,
    ) -> (Self, jiff::tz::TimeZone) {
        match state.db.practice_card(organization).await {
            Ok(Some(card)) => (
                Self {
                    name: card.name,
                    phone: card.phone,
                },
                zone_or_server(card.time_zone),
            ),
            Ok(None) => (Self::generic(), zone_or_server(None)),
            Err(error) => {
                tracing::warn!(error = %error, "could not read the patient's practice");
                (Self::generic(), zone_or_server(None))
            }
        }
    }

    fn generic() -> Self {
        Self {
            name: "Porchlight".to_owned(),
            phone: None,
        }
    }
}

/// The practice's time zone, for the dates and times its patients read (and its staff):
/// the one its administrator chose, else the server's.
pub(crate) async fn practice_zone(
    state: &AppState,
    organization: domain::OrganizationId,
) -> jiff::tz::TimeZone {
    let chosen = state
        .db
        .practice_time_zone(organization)
        .await
        .unwrap_or_else(|error| {
            tracing::warn!(error = %error, "could not read the practice's time zone");
            None
        });
    zone_or_server(chosen)
}

/// The practice's chosen zone, else the server's.
pub(crate) fn zone_or_server(chosen: Option<domain::PracticeTimeZone>) -> jiff::tz::TimeZone {
    chosen
        .unwrap_or_else(domain::PracticeTimeZone::server_default)
        .zone()
        .clone()
}

#[derive(Template)]
#[template(path = "landing.html")]
struct Landing {
    practice_name: String,
    practice_phone: Option<String>,
    /// Some practice lets patients sign up without an invitation.
    self_enrollment: bool,
}

#[derive(Template)]
#[template(path = "not_found.html")]
struct NotFound {
    practice_name: String,
    practice_phone: Option<String>,
}

pub async fn landing(State(state): State<AppState>) -> Response {
    let practice = Practice::of(&state).await;
    render(Landing {
        practice_name: practice.name,
        practice_phone: practice.phone,
        self_enrollment: crate::enrollment::self_enroll::offered_anywhere(&state).await,
    })
}

pub async fn not_found(State(state): State<AppState>) -> Response {
    let practice = Practice::of(&state).await;
    let mut response = render(NotFound {
        practice_name: practice.name,
        practice_phone: practice.phone,
    });
    *response.status_mut() = StatusCode::NOT_FOUND;
    response
}

pub async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/portal.css"),
    )
}

pub(crate) fn render(template: impl Template) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(error) => {
            crate::error::log_failure("a page failed to render", &error.into());
            server_error()
        }
    }
}

/// A failure on our side (most often the database: unreachable, or a full disk), said
/// plainly; the cause is in the log. Answered 503: [`explain_trouble`] makes it the page that
/// asks to try again in a few minutes, in the visitor's language, or the API's error.
pub(crate) fn server_error() -> Response {
    let mut response = (StatusCode::SERVICE_UNAVAILABLE, TROUBLE).into_response();
    response.extensions_mut().insert(Trouble);
    response
}

/// The trouble in words, where a page cannot be drawn (and in the API, which is in English).
pub(crate) const TROUBLE: &str = "We are having trouble. Please try again in a few minutes.";

/// Marks the answer of [`server_error`] for [`explain_trouble`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Trouble;

/// How long a client is asked to wait before trying again, in seconds.
const RETRY_AFTER_SECONDS: &str = "60";

/// How long the trouble page waits for the practice's name before it does without: the
/// database it comes from is most likely what is failing.
const PRACTICE_WAIT: Duration = Duration::from_secs(2);

#[derive(Template)]
#[template(path = "trouble.html")]
struct TroublePage {
    practice_name: String,
    practice_phone: Option<String>,
    /// In the staff console (its words and its start page).
    staff: bool,
    /// The page to try again (a page asked for with GET; a form is sent again from its page).
    again: Option<String>,
}

/// Middleware: turns an answer of [`server_error`] into the trouble page (503, in the
/// visitor's language, the layout of every page) or, under `/api/`, the API's error shape;
/// both with `Retry-After`, and never stored. Runs inside [`crate::common::i18n::negotiate`], which
/// settles the language.
pub(crate) async fn explain_trouble(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    let api = path.starts_with("/api/");
    let staff = path == "/staff" || path.starts_with("/staff/");
    let again = (request.method() == Method::GET
        && path.starts_with('/')
        && !path.starts_with("//"))
    .then(|| {
        request
            .uri()
            .path_and_query()
            .map_or(path, |p| p.as_str())
            .to_owned()
    });
    let response = next.run(request).await;
    if response.extensions().get::<Trouble>().is_none() {
        return response;
    }
    let mut answer = if api {
        crate::api::ApiError::unavailable().into_response()
    } else {
        let practice = tokio::time::timeout(PRACTICE_WAIT, Practice::of(&state))
            .await
            .unwrap_or_else(|_| Practice::generic());
        render(TroublePage {
            practice_name: practice.name,
            practice_phone: practice.phone,
            staff,
            again,
        })
    };
    *answer.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
    let headers = answer.headers_mut();
    headers.insert(
        header::RETRY_AFTER,
        HeaderValue::from_static(RETRY_AFTER_SECONDS),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    answer
}

/// Pages that show patient data must not be kept by browsers or proxies.
pub(crate) fn no_store(response: &mut Response) {
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
}

/// A QR code of `text` as an SVG data URL, for an `<img>` (the CSP allows `data:` images).
pub fn qr_data_url(text: &str) -> anyhow::Result<String> {
    use base64::Engine;
    let svg = qrcode::QrCode::new(text.as_bytes())?
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .build();
    Ok(format!(
        "data:image/svg+xml;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(svg)
    ))
}

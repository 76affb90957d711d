//! Public pages.

use askama::Template;
use axum::{
    extract::State,
    http::{StatusCode, header},
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
        self_enrollment: crate::self_enroll::offered_anywhere(&state).await,
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
        include_str!("../static/portal.css"),
    )
}

pub(crate) fn render(template: impl Template) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(error) => {
            tracing::error!(error = %error, "a page failed to render");
            server_error()
        }
    }
}

/// A failure on our side, said plainly; the cause is in the log.
pub(crate) fn server_error() -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong on our side. Please try again in a few minutes.",
    )
        .into_response()
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

//! "This wasn't me": the new-device email's link. Opening it shows what is known of the
//! sign-in and a button (a mail scanner following the link changes nothing); pressing it locks
//! the account, signs out every phone and computer, and opens a security event for staff.

use std::net::SocketAddr;

use askama::Template;
use axum::{
    extract::{ConnectInfo, Path, State},
    http::{HeaderMap, StatusCode},
    response::Response,
};
use jiff::{SignedDuration, Timestamp};
use storage::{DeviceAlert, NewDeviceAlert, PatientAccount};

use crate::{
    AppState,
    account::sign_in::user_agent,
    common::{
        pages::{Practice, no_store, render},
        session,
    },
    error::{OrTrouble, PageError},
    staff::console::request_origin,
};

/// How long the link in a new-device email works.
pub const ALERT_LIFETIME: SignedDuration = SignedDuration::from_hours(7 * 24);

/// Records a sign-in from a device the account had not been used on, and emails the patient
/// about it with a "this wasn't me" link.
pub(crate) async fn alert_new_device(
    state: &AppState,
    account: &PatientAccount,
    headers: &HeaderMap,
    client: SocketAddr,
) -> anyhow::Result<()> {
    let (token, token_hash) = session::new_token();
    let link = format!("{}/not-me/{token}", state.settings.base_url);
    let device = domain::device::summary(user_agent(headers).as_deref());
    let now = Timestamp::now();
    state
        .db
        .alert_new_device(&NewDeviceAlert {
            account,
            token_hash: &token_hash,
            link: &link,
            device: device.as_deref(),
            client_addr: Some(&client.ip().to_string()),
            now,
            expires_at: now + ALERT_LIFETIME,
        })
        .await
}

#[derive(Template)]
#[template(path = "patient/not_me.html")]
struct NotMePage {
    practice_name: String,
    practice_phone: Option<String>,
    view: NotMeView,
    action: String,
    device: String,
    when: String,
}

#[derive(PartialEq, Eq)]
enum NotMeView {
    /// What is known of the sign-in, and the button.
    Confirm,
    /// The link was used, has expired, or never existed: one answer for all three.
    Ended,
    Locked,
}

async fn page(
    state: &AppState,
    token: &str,
    alert: Option<&DeviceAlert>,
    view: NotMeView,
) -> Response {
    let practice = Practice::of(state).await;
    let when = match alert {
        Some(alert) => {
            let zone = crate::common::pages::practice_zone(state, alert.organization).await;
            crate::common::i18n::moment(alert.signed_in_at, &zone)
        }
        None => String::new(),
    };
    let status = if view == NotMeView::Ended {
        StatusCode::GONE
    } else {
        StatusCode::OK
    };
    let mut response = render(NotMePage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        view,
        action: format!("/not-me/{token}"),
        device: alert
            .and_then(|a| a.device.clone())
            .unwrap_or_else(|| crate::common::i18n::t("not-me-unknown-device")),
        when,
    });
    no_store(&mut response);
    *response.status_mut() = status;
    response
}

async fn open_alert(state: &AppState, token: &str) -> anyhow::Result<Option<DeviceAlert>> {
    if !session::well_formed_token(token) {
        return Ok(None);
    }
    state
        .db
        .device_alert(&session::token_hash(token), Timestamp::now())
        .await
}

/// `GET /not-me/{token}`: what is known of the sign-in, and the button that locks.
pub async fn show(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let alert = open_alert(&state, &token)
        .await
        .or_trouble("could not read a device alert")?;
    Ok(match alert {
        Some(alert) => page(&state, &token, Some(&alert), NotMeView::Confirm).await,
        None => page(&state, &token, None, NotMeView::Ended).await,
    })
}

/// `POST /not-me/{token}`: locks the account, ends its sessions, opens a security event.
#[tracing::instrument(skip_all)]
pub async fn lock(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let locked = async {
        let Some(alert) = open_alert(&state, &token).await? else {
            return Ok(false);
        };
        let origin = request_origin(client, &headers);
        state.db.lock_account_not_me(&alert, &origin).await
    };
    let view = if locked.await.or_trouble("could not lock an account")? {
        NotMeView::Locked
    } else {
        NotMeView::Ended
    };
    Ok(page(&state, &token, None, view).await)
}

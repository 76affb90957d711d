//! "Where you are signed in": a patient's live sessions, each with its device, where and when
//! it was last used, and a button that signs out every other one (a phone lost, a shared
//! computer left signed in).

use askama::Template;
use axum::{
    extract::{Query, State},
    response::{IntoResponse, Redirect, Response},
};
use jiff::Timestamp;
use serde::Deserialize;
use storage::SessionKind;

use crate::{
    AppState,
    common::{
        i18n::t,
        pages::{Practice, no_store, render},
        session::PatientUser,
    },
    error::{OrTrouble, PageError},
};

struct Device {
    what: String,
    last_used: String,
    address: String,
    this_one: bool,
}

#[derive(Template)]
#[template(path = "patient/devices.html")]
struct DevicesPage {
    practice_name: String,
    practice_phone: Option<String>,
    devices: Vec<Device>,
    others: usize,
    done: bool,
}

#[derive(Deserialize)]
pub struct DevicesQuery {
    #[serde(default)]
    done: Option<String>,
}

/// `GET /devices`.
pub async fn page(
    State(state): State<AppState>,
    user: PatientUser,
    Query(query): Query<DevicesQuery>,
) -> Result<Response, PageError> {
    let sessions = state
        .db
        .sessions_of(SessionKind::Patient, user.account.id, Timestamp::now())
        .await
        .or_trouble("could not list the sessions")?;
    let zone = crate::common::pages::practice_zone(&state, user.scope.organization()).await;
    let devices: Vec<Device> = sessions
        .into_iter()
        .map(|session| Device {
            what: domain::device::summary(session.user_agent.as_deref())
                .unwrap_or_else(|| t("not-me-unknown-device")),
            last_used: crate::common::i18n::moment(session.last_seen_at, &zone),
            address: session.client_addr.unwrap_or_default(),
            this_one: session.token_hash == user.token_hash,
        })
        .collect();
    let practice = Practice::of(&state).await;
    let mut response = render(DevicesPage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        others: devices.iter().filter(|d| !d.this_one).count(),
        devices,
        done: query.done.is_some(),
    });
    no_store(&mut response);
    Ok(response)
}

/// `POST /devices/sign-out-others`: ends every session of the account but this one.
#[tracing::instrument(skip_all, fields(account = %user.account.id))]
pub async fn sign_out_others(
    State(state): State<AppState>,
    user: PatientUser,
) -> Result<Response, PageError> {
    let ended = state
        .db
        .end_other_sessions(SessionKind::Patient, user.account.id, &user.token_hash)
        .await
        .or_trouble("could not end the other sessions")?;
    tracing::info!(ended, "signed out the other devices");
    Ok(Redirect::to("/devices?done").into_response())
}

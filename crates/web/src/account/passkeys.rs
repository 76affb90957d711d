//! Passkeys (WebAuthn, through webauthn-rs): a patient adds one from "Account and security"
//! (after typing the password again) and then signs in with it alone, without a username or
//! a password: the phone's or computer's screen lock is the proof, and a passkey cannot be
//! phished or reused on another site.
//!
//! Each ceremony takes two requests: options (a challenge, whose state is kept on the server,
//! used once) and the browser's answer. `static/passkey.js` runs the browser's half; without
//! it (or without WebAuthn) the buttons stay hidden and passwords work as before.
//!
//! Passkeys need the portal served under a domain name (`PORCHLIGHT_BASE_URL`, e.g.
//! `https://portal.example.org` or `http://localhost:8080`): browsers refuse them on a bare
//! IP address, and so the pages do not offer them there.

use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, Path, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use base64::Engine;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use storage::{AccountRef, AuditActor, NewCeremony, SessionKind};
use uuid::Uuid;
use webauthn_rs::prelude::{
    DiscoverableAuthentication, Passkey, PasskeyRegistration, PublicKeyCredential,
    RegisterPublicKeyCredential, Url, Webauthn, WebauthnBuilder,
};

use crate::{
    AppState,
    account::sign_in::{set_cookie, user_agent},
    api::{ApiError, ApiJson, reply},
    common::{
        i18n::t,
        session::{self, PatientUser},
    },
    error::{OrTrouble, PageError},
    staff::console::request_origin,
};

/// How long the browser has between the options and its answer.
const CEREMONY_LIFETIME: SignedDuration = SignedDuration::from_mins(5);

/// The portal as a WebAuthn relying party, if its address allows passkeys (a domain name).
pub(crate) fn relying_party(state: &AppState) -> Option<&Webauthn> {
    state
        .settings
        .webauthn
        .get_or_init(|| build(&state.settings.base_url))
        .as_ref()
}

fn build(base_url: &str) -> Option<Webauthn> {
    let url = Url::parse(base_url).ok()?;
    let host = url.domain()?.to_owned();
    WebauthnBuilder::new(&host, &url)
        .ok()?
        .rp_name(&host)
        .build()
        .ok()
}

fn encode(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn decode(text: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .ok()
}

/// A ceremony's options for the browser, with the token that names its state.
#[derive(Serialize)]
struct Started<T> {
    ceremony: String,
    options: T,
}

async fn keep(
    state: &AppState,
    purpose: &str,
    account: Option<Uuid>,
    ceremony_state: &impl Serialize,
) -> anyhow::Result<String> {
    let (token, hash) = session::new_token();
    let now = Timestamp::now();
    state
        .db
        .begin_ceremony(&NewCeremony {
            token_hash: &hash,
            purpose,
            kind: SessionKind::Patient,
            account,
            state: &serde_json::to_string(ceremony_state)?,
            now,
            expires_at: now + CEREMONY_LIFETIME,
        })
        .await?;
    Ok(token)
}

async fn take<T: for<'de> Deserialize<'de>>(
    state: &AppState,
    token: &str,
    purpose: &str,
    account: Option<Uuid>,
) -> anyhow::Result<Option<T>> {
    if !session::well_formed_token(token) {
        return Ok(None);
    }
    let kept = state
        .db
        .take_ceremony(
            &session::token_hash(token),
            purpose,
            SessionKind::Patient,
            account,
            Timestamp::now(),
        )
        .await?;
    Ok(match kept {
        Some(json) => Some(serde_json::from_str(&json)?),
        None => None,
    })
}

fn unavailable() -> ApiError {
    ApiError::not_found(&t("passkey-unavailable"))
}

fn confirm_first() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "confirm_password",
        t("passkey-confirm-first"),
    )
}

fn account_ref(user: &PatientUser) -> AccountRef {
    AccountRef {
        kind: SessionKind::Patient,
        id: user.account.id,
        organization: user.account.organization,
        actor: AuditActor::Patient(user.account.patient),
        patient: Some(user.account.patient),
    }
}

/// `POST /account/passkeys/options`: the challenge to make a passkey with. The passkey is
/// asked to be discoverable, so that signing in needs no username.
pub async fn register_options(
    State(state): State<AppState>,
    user: PatientUser,
) -> Result<Response, ApiError> {
    let webauthn = relying_party(&state).ok_or_else(unavailable)?;
    if !user.recently_confirmed() {
        return Err(confirm_first());
    }
    let exclude = state
        .db
        .passkey_credential_ids(SessionKind::Patient, user.account.id)
        .await?
        .iter()
        .filter_map(|id| decode(id))
        .collect();
    let (mut options, registration) = webauthn
        .start_passkey_registration(
            user.account.id,
            &user.account.username,
            &user.account.username,
            Some(exclude),
        )
        .map_err(|error| anyhow::anyhow!("could not start a passkey registration: {error}"))?;
    if let Some(selection) = options.public_key.authenticator_selection.as_mut() {
        selection.resident_key = Some(webauthn_rs_proto::ResidentKeyRequirement::Required);
        selection.require_resident_key = true;
    }
    let ceremony = keep(&state, "register", Some(user.account.id), &registration).await?;
    Ok(reply(StatusCode::OK, Started { ceremony, options }))
}

/// The browser's new passkey, with the ceremony it answers.
#[derive(Deserialize)]
pub struct Registration {
    ceremony: String,
    credential: RegisterPublicKeyCredential,
}

/// `POST /account/passkeys`: keeps the passkey the browser made.
#[tracing::instrument(skip_all, fields(account = %user.account.id))]
pub async fn register(
    State(state): State<AppState>,
    user: PatientUser,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Registration>,
) -> Result<Response, ApiError> {
    let webauthn = relying_party(&state).ok_or_else(unavailable)?;
    if !user.recently_confirmed() {
        return Err(confirm_first());
    }
    let Some(registration) =
        take::<PasskeyRegistration>(&state, &body.ceremony, "register", Some(user.account.id))
            .await?
    else {
        return Err(ApiError::new(
            StatusCode::GONE,
            "ceremony_ended",
            t("passkey-try-again"),
        ));
    };
    let passkey = webauthn
        .finish_passkey_registration(&body.credential, &registration)
        .map_err(|error| {
            tracing::info!(error = %error, "a passkey registration was refused");
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "passkey_refused",
                t("passkey-try-again"),
            )
        })?;
    let label = domain::device::summary(user_agent(&headers).as_deref())
        .unwrap_or_else(|| t("not-me-unknown-device"));
    let added = state
        .db
        .add_passkey(
            &account_ref(&user),
            &encode(passkey.cred_id()),
            &serde_json::to_string(&passkey).map_err(anyhow::Error::from)?,
            &label,
            &request_origin(client, &headers),
        )
        .await?;
    if !added {
        return Err(ApiError::conflict("passkey_exists", t("passkey-exists")));
    }
    Ok(reply(
        StatusCode::CREATED,
        serde_json::json!({ "label": label }),
    ))
}

/// `POST /account/passkeys/{passkey}/remove`.
#[tracing::instrument(skip_all, fields(account = %user.account.id))]
pub async fn remove(
    State(state): State<AppState>,
    user: PatientUser,
    Path(passkey): Path<String>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    if !user.recently_confirmed() {
        return Ok(Redirect::to("/account/confirm?next=/account").into_response());
    }
    let Ok(passkey) = Uuid::parse_str(&passkey) else {
        return Ok(Redirect::to("/account").into_response());
    };
    let origin = request_origin(client, &headers);
    let removed = state
        .db
        .remove_passkey(&account_ref(&user), passkey, &origin)
        .await
        .or_trouble("could not remove a passkey")?;
    Ok(if removed {
        Redirect::to("/account?done=passkey-removed").into_response()
    } else {
        Redirect::to("/account").into_response()
    })
}

/// Passkey sign-ins one address may start per hour (each keeps a row for five minutes).
const SIGN_INS_PER_ADDRESS: u32 = 60;

/// `POST /sign-in/passkey/options`: a challenge any of the portal's passkeys may answer.
pub async fn sign_in_options(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
) -> Result<Response, ApiError> {
    let webauthn = relying_party(&state).ok_or_else(unavailable)?;
    let bucket = format!(
        "passkey-options:{}",
        crate::account::sign_in::address_key(client.ip())
    );
    if !crate::account::sign_in::within_rate(
        &state.db,
        &bucket,
        SIGN_INS_PER_ADDRESS,
        SignedDuration::from_hours(1),
    )
    .await?
    {
        return Err(ApiError::throttled(&t("passkey-too-many")));
    }
    let (mut options, authentication) = webauthn
        .start_discoverable_authentication()
        .map_err(|error| anyhow::anyhow!("could not start a passkey sign-in: {error}"))?;
    // A button press asks for the passkey at once (not only from the username field's
    // suggestions).
    options.mediation = None;
    let ceremony = keep(&state, "sign-in", None, &authentication).await?;
    Ok(reply(StatusCode::OK, Started { ceremony, options }))
}

/// The browser's signature, with the ceremony it answers.
#[derive(Deserialize)]
pub struct Assertion {
    ceremony: String,
    credential: PublicKeyCredential,
}

/// `POST /sign-in/passkey`: a right signature from a registered passkey signs its patient in
/// (a passkey with the screen lock is two steps in one: no code is asked for).
#[tracing::instrument(skip_all, fields(account))]
pub async fn sign_in(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Assertion>,
) -> Result<Response, ApiError> {
    let webauthn = relying_party(&state).ok_or_else(unavailable)?;
    let refused = || ApiError::unauthorized(&t("passkey-refused"));
    let Some(authentication) =
        take::<DiscoverableAuthentication>(&state, &body.ceremony, "sign-in", None).await?
    else {
        return Err(ApiError::new(
            StatusCode::GONE,
            "ceremony_ended",
            t("passkey-try-again"),
        ));
    };
    let (user, credential_id) = webauthn
        .identify_discoverable_authentication(&body.credential)
        .map_err(|_| refused())?;
    let stored = state
        .db
        .passkey_by_credential(&encode(credential_id))
        .await?
        .filter(|stored| stored.kind == SessionKind::Patient && stored.account == user)
        .ok_or_else(refused)?;
    let mut passkey: Passkey =
        serde_json::from_str(&stored.passkey).map_err(anyhow::Error::from)?;
    let result = webauthn
        .finish_discoverable_authentication_v2(&body.credential, authentication, &passkey)
        .map_err(|error| {
            tracing::info!(error = %error, "a passkey signature was refused");
            refused()
        })?;
    let updated = match passkey.update_credential(&result) {
        Some(true) => Some(serde_json::to_string(&passkey).map_err(anyhow::Error::from)?),
        _ => None,
    };
    let account = state
        .db
        .patient_account_by_id(stored.organization, stored.account)
        .await?
        .filter(storage::PatientAccount::can_sign_in)
        .ok_or_else(refused)?;
    tracing::Span::current().record("account", tracing::field::display(account.id));
    state
        .db
        .passkey_used(stored.id, updated.as_deref(), Timestamp::now())
        .await?;
    let started =
        crate::account::patient::finish_sign_in(&state, client, &headers, &account).await?;
    let mut response = reply(StatusCode::OK, serde_json::json!({ "next": "/home" }));
    started.set_cookies(&mut response);
    set_cookie(
        &mut response,
        &crate::account::two_step::removal_cookie(state.settings.served_over_https()),
    );
    Ok(response)
}

/// The browser's half of passkeys.
pub async fn script() -> impl IntoResponse {
    (
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/javascript; charset=utf-8",
            ),
            (axum::http::header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/passkey.js"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passkeys_need_a_domain_name() {
        assert!(build("https://portal.example.org").is_some());
        assert!(build("http://localhost:8080").is_some());
        assert!(build("http://127.0.0.1:8080").is_none());
        assert!(build("http://[::1]:8080").is_none());
        assert!(build("not a url").is_none());
    }
}

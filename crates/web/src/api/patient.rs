//! A patient's calls after enrollment: signing in and out, who they are, and accepting newly
//! published terms. Each runs what its page runs (`crate::account::patient`).

use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use storage::SessionKind;
use utoipa::ToSchema;

use super::{
    ApiError, ApiJson, ErrorBody,
    auth::Patient,
    enrollment::{Document, Documents, accepted_language, both_accepted},
    reply,
};
use crate::{
    AppState,
    account::{
        patient::{
            PasswordAccepted, SignInRefusal, finish_sign_in, sign_patient_in, terms_to_accept,
            user_terms_to_accept,
        },
        sign_in::{StartedSession, set_cookie, user_agent, wait_message, wrong_credentials},
        two_step::{self, Asks, Checked},
    },
    common::{i18n::t, session},
    staff::console::{chosen_organization, request_origin},
};

/// A patient's username and password.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignInRequest {
    /// The practice's short name; may be left out when the portal serves one practice.
    #[serde(default)]
    pub organization: String,
    pub username: String,
    pub password: String,
}

/// The patient is signed in.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignedIn {
    /// The patient's session, also set as the `porchlight_session` cookie. Apps send it as
    /// `Authorization: Bearer`.
    pub session_token: String,
    /// Newer terms of use or privacy policy wait to be accepted (`GET /api/v1/me/terms`)
    /// before anything else.
    pub terms_to_accept: bool,
}

/// The password was right; the account's second step comes next.
#[derive(Debug, Serialize, ToSchema)]
pub struct SecondStepRequired {
    /// Send it with the code to `POST /api/v1/session/code` (also set as the
    /// `porchlight_2step` cookie). It works for 10 minutes.
    pub challenge_token: String,
    /// `app` (a code from an authenticator app) or `email` (a code just emailed). A recovery
    /// code is accepted in either case.
    pub method: String,
}

/// Signs a patient in. A wrong password, an unknown username and an account not active yet
/// get one answer, after the same work; failures are counted per username and per address,
/// and too many make even a right password wait. An account with 2-step sign-in gets a
/// challenge (202) instead of a session: the code goes to `POST /api/v1/session/code`.
#[utoipa::path(
    post,
    path = "/api/v1/session",
    operation_id = "sign_in",
    tag = "patient",
    request_body = SignInRequest,
    responses(
        (status = 201, description = "Signed in; the session is set as a cookie and returned", body = SignedIn,
            headers(("set-cookie" = String, description = "porchlight_session (Path=/, HttpOnly)"))),
        (status = 202, description = "The password is right; the second step comes next", body = SecondStepRequired,
            headers(("set-cookie" = String, description = "porchlight_2step (Path=/, HttpOnly)"))),
        (status = 401, description = "The username or password is wrong (`code` = `wrong_credentials`)", body = ErrorBody),
        (status = 429, description = "Too many failed sign-ins: wait", body = ErrorBody),
    )
)]
#[tracing::instrument(skip_all, fields(account))]
pub async fn sign_in(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<SignInRequest>,
) -> Result<Response, ApiError> {
    let organizations = state.db.organizations().await?;
    let organization = chosen_organization(&organizations, &request.organization);
    let signed_in = sign_patient_in(
        &state,
        client,
        &headers,
        organization,
        &request.username,
        request.password,
    )
    .await;
    let (account, started) = match signed_in {
        Ok(PasswordAccepted::SignedIn(account, started)) => (account, started),
        Ok(PasswordAccepted::SecondStep(pending)) => {
            let method = match pending.asks {
                Asks::Email => "email",
                Asks::App | Asks::Setup => "app",
            };
            let mut response = reply(
                StatusCode::ACCEPTED,
                SecondStepRequired {
                    challenge_token: pending.token.clone(),
                    method: method.to_owned(),
                },
            );
            set_cookie(
                &mut response,
                &pending.cookie(state.settings.served_over_https()),
            );
            return Ok(response);
        }
        Err(SignInRefusal::Throttled(message)) => return Err(ApiError::throttled(&message)),
        Err(SignInRefusal::WrongCredentials) => {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "wrong_credentials",
                wrong_credentials(),
            ));
        }
        Err(SignInRefusal::Failed(error)) => return Err(error.into()),
    };
    signed_in_reply(&state, &account, &started).await
}

async fn signed_in_reply(
    state: &AppState,
    account: &storage::PatientAccount,
    started: &StartedSession,
) -> Result<Response, ApiError> {
    let scope = domain::PatientScope::new(account.organization, account.patient);
    let pending = terms_to_accept(state, &scope).await?.is_some();
    let mut response = reply(
        StatusCode::CREATED,
        SignedIn {
            session_token: started.token.clone(),
            terms_to_accept: pending,
        },
    );
    started.set_cookies(&mut response);
    Ok(response)
}

/// The second step of a sign-in.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeRequest {
    /// From the `202` answer of `POST /api/v1/session`; may be left out when the
    /// `porchlight_2step` cookie is sent.
    #[serde(default)]
    pub challenge_token: String,
    /// The authenticator app's code, the emailed code, or a recovery code.
    pub code: String,
}

/// Finishes a sign-in with its second step. Each code is accepted once; wrong codes count
/// against the sign-in (it ends after 3) and against the account (growing waits).
#[utoipa::path(
    post,
    path = "/api/v1/session/code",
    operation_id = "second_step",
    tag = "patient",
    request_body = CodeRequest,
    responses(
        (status = 201, description = "Signed in; the session is set as a cookie and returned", body = SignedIn,
            headers(("set-cookie" = String, description = "porchlight_session (Path=/, HttpOnly)"))),
        (status = 401, description = "The code is wrong (`code` = `wrong_code`), or the sign-in ended: sign in again (`code` = `sign_in_again`)", body = ErrorBody),
        (status = 429, description = "Too many wrong codes for the account: wait", body = ErrorBody),
    )
)]
pub async fn second_step(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<CodeRequest>,
) -> Result<Response, ApiError> {
    let found = if request.challenge_token.is_empty() {
        two_step::current(&state, &headers, SessionKind::Patient).await
    } else {
        two_step::by_token(&state, &request.challenge_token, SessionKind::Patient).await
    };
    let sign_in_again = || {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "sign_in_again",
            t("two-step-ended"),
        )
    };
    let Some((challenge, hash)) = found else {
        return Err(sign_in_again());
    };
    match two_step::check(&state, &challenge, &hash, &request.code).await? {
        Checked::Accepted => {}
        Checked::Wrong => {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "wrong_code",
                t("two-step-wrong"),
            ));
        }
        Checked::Ended => return Err(sign_in_again()),
        Checked::Throttled(wait) => return Err(ApiError::throttled(&wait_message(wait))),
    }
    let account = state
        .db
        .patient_account_by_id(challenge.organization, challenge.account)
        .await?
        .filter(storage::PatientAccount::can_sign_in)
        .ok_or_else(sign_in_again)?;
    let started = finish_sign_in(&state, client, &headers, &account).await?;
    let mut response = signed_in_reply(&state, &account, &started).await?;
    set_cookie(
        &mut response,
        &two_step::removal_cookie(state.settings.served_over_https()),
    );
    Ok(response)
}

/// Signs the patient out: the session ends on the server, whichever way it was sent.
#[utoipa::path(
    delete,
    path = "/api/v1/session",
    operation_id = "sign_out",
    tag = "patient",
    responses(
        (status = 204, description = "Signed out; the cookie is removed"),
        (status = 401, description = "No patient session", body = ErrorBody),
    ),
    security(("patient_session" = []), ("patient_bearer" = []))
)]
pub async fn sign_out(
    State(state): State<AppState>,
    Patient(user): Patient,
) -> Result<Response, ApiError> {
    state.db.delete_session(&user.token_hash).await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    set_cookie(
        &mut response,
        &session::removal_cookie(state.settings.served_over_https()),
    );
    Ok(response)
}

/// The signed-in patient.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    /// The chart's given names.
    pub given_names: String,
    pub username: String,
    /// The sign-in before this session's, as patients read it, if any.
    #[schema(example = "November 25, 2026, at 4:05 PM")]
    pub previous_sign_in: Option<String>,
}

/// Who is signed in. A read of the chart: audited. Newer terms must be accepted first.
#[utoipa::path(
    get,
    path = "/api/v1/me",
    operation_id = "me",
    tag = "patient",
    responses(
        (status = 200, description = "The patient", body = Me),
        (status = 401, description = "No patient session", body = ErrorBody),
        (status = 409, description = "Newer terms must be accepted first (`code` = `terms_to_accept`)", body = ErrorBody),
    ),
    security(("patient_session" = []), ("patient_bearer" = []))
)]
#[tracing::instrument(skip_all, fields(account = %user.account.id))]
pub async fn me(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Patient(user): Patient,
) -> Result<Response, ApiError> {
    if user_terms_to_accept(&state, &user).await?.is_some() {
        return Err(terms_first());
    }
    let home = state
        .db
        .patient_home(&user.scope, &request_origin(client, &headers))
        .await?;
    let zone = crate::common::pages::zone_or_server(home.practice_time_zone.clone());
    Ok(reply(
        StatusCode::OK,
        Me {
            given_names: home.given_names,
            username: home.username,
            previous_sign_in: home
                .previous_sign_in
                .map(|(at, _)| crate::common::i18n::moment(at, &zone)),
        },
    ))
}

fn terms_first() -> ApiError {
    ApiError::conflict(
        "terms_to_accept",
        "A new version of the terms of use or the privacy policy was published: read and \
         accept it first (GET /api/v1/me/terms).",
    )
}

/// The documents a signed-in patient has yet to accept.
#[derive(Debug, Serialize, ToSchema)]
pub struct TermsToAccept {
    /// Whether there is anything to accept; when false, the versions in force are already
    /// accepted and `documents` shows them.
    pub pending: bool,
    pub documents: Documents,
    /// Each version published since the one the patient accepted, oldest first, with what
    /// changed: show these first.
    pub changed: Vec<ChangedDocument>,
}

/// A version published since the patient's acceptance.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangedDocument {
    /// `terms` or `privacy`.
    pub kind: String,
    #[serde(flatten)]
    pub document: Document,
}

/// Newer terms of use or privacy policy, with what changed, to accept at the next sign-in.
#[utoipa::path(
    get,
    path = "/api/v1/me/terms",
    operation_id = "terms_to_accept",
    tag = "patient",
    responses(
        (status = 200, description = "What is to be accepted, if anything", body = TermsToAccept),
        (status = 401, description = "No patient session", body = ErrorBody),
    ),
    security(("patient_session" = []), ("patient_bearer" = []))
)]
pub async fn terms(
    State(state): State<AppState>,
    Patient(user): Patient,
) -> Result<Response, ApiError> {
    let body = match user_terms_to_accept(&state, &user).await? {
        Some(update) => TermsToAccept {
            pending: true,
            documents: Documents {
                terms: update.terms.into(),
                privacy: update.privacy.into(),
            },
            changed: update
                .changed
                .into_iter()
                .map(|version| ChangedDocument {
                    kind: version.kind.clone(),
                    document: version.into(),
                })
                .collect(),
        },
        None => {
            let (terms, privacy) = state
                .db
                .current_terms(
                    user.scope.organization(),
                    &crate::enrollment::terms_step::DEFAULT_TERMS,
                )
                .await?;
            TermsToAccept {
                pending: false,
                documents: Documents {
                    terms: terms.into(),
                    privacy: privacy.into(),
                },
                changed: Vec::new(),
            }
        }
    };
    Ok(reply(StatusCode::OK, body))
}

/// Accepting both documents, in the versions read.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptNewTermsRequest {
    #[schema(schema_with = super::schemas::ticked)]
    pub accept_terms: bool,
    #[schema(schema_with = super::schemas::ticked)]
    pub accept_privacy: bool,
    /// The versions read (from `GET /api/v1/me/terms`).
    #[serde(deserialize_with = "super::integers::whole")]
    pub terms_version: i64,
    #[serde(deserialize_with = "super::integers::whole")]
    pub privacy_version: i64,
    #[serde(default)]
    #[schema(schema_with = super::schemas::language)]
    pub language: Option<String>,
}

/// Accepts the newer versions: each acceptance is kept with both versions, the time and the
/// client.
#[utoipa::path(
    post,
    path = "/api/v1/me/terms",
    operation_id = "accept_new_terms",
    tag = "patient",
    request_body = AcceptNewTermsRequest,
    responses(
        (status = 204, description = "Accepted"),
        (status = 401, description = "No patient session", body = ErrorBody),
        (status = 409, description = "Nothing to accept (`code` = `nothing_to_accept`), or a newer version was published since it was read (`code` = `terms_changed`)", body = ErrorBody),
        (status = 422, description = "Both documents must be accepted (`fields`), in a language that is `en` or `es` (`fields.language`)", body = ErrorBody),
    ),
    security(("patient_session" = []), ("patient_bearer" = []))
)]
#[tracing::instrument(skip_all, fields(account = %user.account.id))]
pub async fn accept_terms(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Patient(user): Patient,
    ApiJson(request): ApiJson<AcceptNewTermsRequest>,
) -> Result<Response, ApiError> {
    let Some(update) = user_terms_to_accept(&state, &user).await? else {
        return Err(ApiError::conflict(
            "nothing_to_accept",
            "The versions in force are already accepted.",
        ));
    };
    if (request.terms_version, request.privacy_version)
        != (update.terms.version, update.privacy.version)
    {
        return Err(ApiError::conflict(
            "terms_changed",
            "A newer version was published since these were read: read them again \
             (GET /api/v1/me/terms) and accept those.",
        ));
    }
    both_accepted(request.accept_terms, request.accept_privacy)?;
    let language = accepted_language(request.language.as_deref())?;
    state
        .db
        .accept_terms(
            &user.scope,
            &update.terms,
            &update.privacy,
            language,
            &request_origin(client, &headers),
            user_agent(&headers).as_deref(),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

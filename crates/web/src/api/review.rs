//! The review queue through the API: identity mismatches, locked invitations and refused
//! sign-ups, with the same actions as the console (unlock, close with a reason). Reading the
//! queue or an item is audited: they name patients.

use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, State},
    http::{HeaderMap, StatusCode},
    response::Response,
};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use storage::{ReviewError, ReviewItem as StoredItem};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{ApiError, ApiJson, ApiPath, ErrorBody, auth::Staff, reply};
use crate::{
    AppState,
    common::session::StaffUser,
    staff::{
        console::request_origin,
        review::{
            CANNOT_UNLOCK, MAY_NOT_REVIEW, NO_SUCH_ITEM, closing_reason, kind_label, may_review,
        },
    },
};

/// An open review item.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewItem {
    pub id: Uuid,
    /// `mismatch`, `locked` or `self-enrollment`.
    pub kind: String,
    /// The kind in plain words.
    pub label: String,
    pub patient: Option<Uuid>,
    /// "Family, Given" of the chart, when the item belongs to one.
    pub patient_name: Option<String>,
    pub mrn: Option<String>,
    pub invitation: Option<Uuid>,
    pub invitation_status: Option<String>,
    /// Which fields matched and which differed (never what the patient typed on the invited
    /// path; for a refused sign-up, what was typed, for staff to find the chart).
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    /// Whether `unlock` applies: the invitation is locked and has not expired.
    pub can_unlock: bool,
}

impl From<StoredItem> for ReviewItem {
    fn from(item: StoredItem) -> Self {
        let can_unlock = item.can_unlock(Timestamp::now());
        Self {
            id: item.id,
            label: kind_label(&item.kind).to_owned(),
            kind: item.kind,
            patient: item.patient.map(|p| p.as_uuid()),
            patient_name: item.patient_name,
            mrn: item.mrn,
            invitation: item.invitation,
            invitation_status: item.invitation_status,
            detail: serde_json::from_str(&item.detail)
                .unwrap_or(serde_json::Value::String(item.detail)),
            created_at: item.created_at,
            can_unlock,
        }
    }
}

/// The open items, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewQueue {
    pub items: Vec<ReviewItem>,
}

fn reviewer(user: StaffUser) -> Result<StaffUser, ApiError> {
    if may_review(&user) {
        Ok(user)
    } else {
        Err(ApiError::forbidden(MAY_NOT_REVIEW))
    }
}

/// The practice's open review items. Audited.
#[utoipa::path(
    get,
    path = "/api/v1/review-items",
    operation_id = "review_queue",
    tag = "front desk",
    responses(
        (status = 200, description = "The open items", body = ReviewQueue),
        (status = 401, description = "No staff session", body = ErrorBody),
        (status = 403, description = "Only the front desk and administrators work the queue", body = ErrorBody),
    ),
    security(("staff_session" = []))
)]
#[tracing::instrument(skip_all, fields(staff_id = %user.account.id))]
pub async fn list(
    State(state): State<AppState>,
    Staff(user): Staff,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let user = reviewer(user)?;
    let origin = request_origin(client, &headers);
    let items = state.db.review_queue(&user.scope, &origin).await?;
    Ok(reply(
        StatusCode::OK,
        ReviewQueue {
            items: items.into_iter().map(ReviewItem::from).collect(),
        },
    ))
}

/// One open item. Audited.
#[utoipa::path(
    get,
    path = "/api/v1/review-items/{item}",
    operation_id = "show_review_item",
    tag = "front desk",
    params(("item" = Uuid, Path, description = "The item's id")),
    responses(
        (status = 200, description = "The item", body = ReviewItem),
        (status = 401, description = "No staff session", body = ErrorBody),
        (status = 403, description = "Only the front desk and administrators work the queue", body = ErrorBody),
        (status = 404, description = "No such open item in this practice", body = ErrorBody),
    ),
    security(("staff_session" = []))
)]
#[tracing::instrument(skip_all, fields(staff_id = %user.account.id))]
pub async fn show(
    State(state): State<AppState>,
    Staff(user): Staff,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiPath(item): ApiPath<Uuid>,
) -> Result<Response, ApiError> {
    let user = reviewer(user)?;
    let origin = request_origin(client, &headers);
    match state.db.review_item(&user.scope, item, &origin).await? {
        Some(item) => Ok(reply(StatusCode::OK, ReviewItem::from(item))),
        None => Err(ApiError::not_found(NO_SUCH_ITEM)),
    }
}

fn review_error(error: ReviewError) -> ApiError {
    match error {
        ReviewError::NotFound => ApiError::not_found(NO_SUCH_ITEM),
        ReviewError::CannotUnlock => ApiError::conflict("conflict", CANNOT_UNLOCK),
        ReviewError::Unexpected(error) => ApiError::unexpected(&error),
    }
}

/// Gives a locked invitation its attempts back: the patient starts again at the identity
/// step. The invitation's open items close.
#[utoipa::path(
    post,
    path = "/api/v1/review-items/{item}/unlock",
    operation_id = "unlock_review_item",
    tag = "front desk",
    params(("item" = Uuid, Path, description = "The item's id")),
    responses(
        (status = 204, description = "Unlocked"),
        (status = 401, description = "No staff session", body = ErrorBody),
        (status = 403, description = "Only the front desk and administrators work the queue", body = ErrorBody),
        (status = 404, description = "No such open item in this practice", body = ErrorBody),
        (status = 409, description = "The invitation is no longer locked, or it expired", body = ErrorBody),
    ),
    security(("staff_session" = []))
)]
#[tracing::instrument(skip_all, fields(staff_id = %user.account.id))]
pub async fn unlock(
    State(state): State<AppState>,
    Staff(user): Staff,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiPath(item): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    let user = reviewer(user)?;
    let origin = request_origin(client, &headers);
    state
        .db
        .unlock_invitation(&user.scope, item, &origin)
        .await
        .map_err(review_error)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Closing an item.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseRequest {
    #[schema(schema_with = super::schemas::closing_reason)]
    pub reason: String,
    /// Needed with `other`; at most 500 characters.
    #[serde(default)]
    #[schema(max_length = 500)]
    pub note: String,
}

/// Closes an item with a reason.
#[utoipa::path(
    post,
    path = "/api/v1/review-items/{item}/close",
    operation_id = "close_review_item",
    tag = "front desk",
    params(("item" = Uuid, Path, description = "The item's id")),
    request_body = CloseRequest,
    responses(
        (status = 204, description = "Closed"),
        (status = 401, description = "No staff session", body = ErrorBody),
        (status = 403, description = "Only the front desk and administrators work the queue", body = ErrorBody),
        (status = 404, description = "No such open item in this practice", body = ErrorBody),
        (status = 422, description = "`fields.reason` or `fields.note`", body = ErrorBody),
    ),
    security(("staff_session" = []))
)]
#[tracing::instrument(skip_all, fields(staff_id = %user.account.id))]
pub async fn close(
    State(state): State<AppState>,
    Staff(user): Staff,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiPath(item): ApiPath<Uuid>,
    ApiJson(request): ApiJson<CloseRequest>,
) -> Result<StatusCode, ApiError> {
    let user = reviewer(user)?;
    let reason = closing_reason(&request.reason, &request.note)
        .map_err(|(field, message)| ApiError::field(field, message))?;
    let origin = request_origin(client, &headers);
    state
        .db
        .close_review_item(&user.scope, item, &reason, &origin)
        .await
        .map_err(review_error)?;
    Ok(StatusCode::NO_CONTENT)
}

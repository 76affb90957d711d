//! The patient's health record as the patient reads it: test results; medicines, allergies,
//! health problems and vaccines; who viewed it (the access log).
//!
//! Every page here starts the same way, so it is written once: [`Reader`] is the signed-in
//! patient who has accepted the terms in force (else they are sent to accept them), with
//! where the request came from for the audit; [`Reader::practice`] is their practice with the
//! time zone its dates are shown in; [`private_page`] renders a page that no cache may keep.

use std::net::SocketAddr;

use askama::Template;
use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::request::Parts,
    response::{IntoResponse, Redirect, Response},
};
use jiff::tz::TimeZone;
use storage::RequestOrigin;

use crate::{
    AppState,
    account::patient::pending_terms,
    common::{
        pages::{Practice, no_store, render},
        session::PatientUser,
    },
    staff::console::request_origin,
};

pub(crate) mod access_log;
pub(crate) mod download;
pub(crate) mod lists;
pub(crate) mod results;

/// The patient reading a page of their record.
pub(crate) struct Reader {
    pub(crate) user: PatientUser,
    /// Where the request came from, for the audit of what it reads.
    pub(crate) origin: RequestOrigin,
}

impl FromRequestParts<AppState> for Reader {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let user = PatientUser::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        if pending_terms(state, &user)
            .await
            .map_err(IntoResponse::into_response)?
            .is_some()
        {
            return Err(Redirect::to("/terms/update").into_response());
        }
        let ConnectInfo(client) = ConnectInfo::<SocketAddr>::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let origin = request_origin(client, &parts.headers);
        Ok(Self { user, origin })
    }
}

impl Reader {
    /// The patient's practice and the time zone of the dates its pages show.
    pub(crate) async fn practice(&self, state: &AppState) -> (Practice, TimeZone) {
        Practice::with_zone(state, self.user.scope.organization()).await
    }
}

/// A page of the record: rendered, and marked for no cache to keep.
pub(crate) fn private_page(page: impl Template) -> Response {
    let mut response = render(page);
    no_store(&mut response);
    response
}

//! The patient's health record as the patient reads it: an index of its parts; test
//! results and what common tests measure; medicines, allergies, health problems and vaccines;
//! visits, procedures, care plans and goals; who viewed it (the access log).
//!
//! Every page here starts the same way, so it is written once: [`Reader`] is the signed-in
//! patient who has accepted the terms in force (else they are sent to accept them), with
//! where the request came from for the audit; [`Reader::practice`] is their practice with the
//! time zone its dates are shown in; [`private_page`] renders a page that no cache may keep.

use std::net::SocketAddr;

use askama::Template;
use axum::{
    extract::{ConnectInfo, FromRequestParts, State},
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
    error::PageError,
    staff::console::request_origin,
};

pub(crate) mod access_log;
pub(crate) mod care;
pub(crate) mod download;
pub(crate) mod explanations;
pub(crate) mod lists;
pub(crate) mod results;
pub(crate) mod visits;

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

/// A part of the record as the index lists it: where it is, its name and what it holds.
struct Section {
    href: &'static str,
    name: &'static str,
    about: &'static str,
}

/// The parts of the record, in the order a patient looks for them.
const SECTIONS: [Section; 10] = [
    Section {
        href: "/results",
        name: "results-link",
        about: "record-results-about",
    },
    Section {
        href: "/visits",
        name: "record-visits",
        about: "record-visits-about",
    },
    Section {
        href: "/medicines",
        name: "medicines-link",
        about: "record-medicines-about",
    },
    Section {
        href: "/allergies",
        name: "allergies-link",
        about: "record-allergies-about",
    },
    Section {
        href: "/conditions",
        name: "conditions-link",
        about: "record-conditions-about",
    },
    Section {
        href: "/immunizations",
        name: "vaccines-link",
        about: "record-vaccines-about",
    },
    Section {
        href: "/procedures",
        name: "record-procedures",
        about: "record-procedures-about",
    },
    Section {
        href: "/care-plans",
        name: "record-care-plans",
        about: "record-care-plans-about",
    },
    Section {
        href: "/record/download",
        name: "record-download",
        about: "record-download-about",
    },
    Section {
        href: "/record-access",
        name: "access-link",
        about: "record-access-about",
    },
];

#[derive(Template)]
#[template(path = "record/index.html")]
struct IndexPage {
    practice_name: String,
    practice_phone: Option<String>,
    sections: &'static [Section],
}

/// `GET /record`: the parts of the record, each with a line on what it holds. It names no
/// data of the patient's, so it reads nothing of the record and is not audited.
pub async fn index(State(state): State<AppState>, reader: Reader) -> Result<Response, PageError> {
    let (practice, _) = reader.practice(&state).await;
    Ok(private_page(IndexPage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        sections: &SECTIONS,
    }))
}

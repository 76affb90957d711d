//! "My contact details" (issue 14, point 7): the chart's name, birth date, email, phones and
//! postal address as the patient reads them, and the requests to change the phone or the
//! address that staff carry out in the EHR (the portal never writes the chart: the next
//! import brings the change). A patient has at most one open request; a new one replaces it.
//! Every read and change is audited.

use const_format::concatcp;
use domain::{PatientId, PatientScope, StaffScope, contact_change::ContactChange};
use jiff::{Timestamp, civil::Date};
use jiff_sqlx::ToSqlx;
use sqlx::FromRow;
use uuid::Uuid;

use crate::{AuditActor, AuditEntry, ChartPhone, Database, RequestOrigin, database::dispatch};

/// The chart's contact details, blanks as `None`.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactDetails {
    pub given_names: String,
    pub family_name: String,
    pub birth_date: Date,
    pub email: Option<String>,
    /// Every phone number of the chart, labelled as the EHR labels them.
    pub phones: Vec<ChartPhone>,
    pub address_line: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
}

/// A request to change the phone number or the address.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactRequest {
    pub id: Uuid,
    pub created_at: Timestamp,
    pub phone: Option<String>,
    pub address_line: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub postal_code: Option<String>,
    /// `open`, `done` or `declined` (a `replaced` one is never shown).
    pub status: String,
    pub closed_at: Option<Timestamp>,
    /// What staff said when closing it; the patient reads it.
    pub staff_note: Option<String>,
}

/// The patient's "My contact details" page.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub details: ContactDetails,
    /// The newest request that was not replaced: open, or what became of it.
    pub latest_request: Option<ContactRequest>,
}

/// An open request in the staff queue, beside the chart it would change.
#[derive(Debug, Clone, PartialEq)]
pub struct QueuedContactChange {
    pub request: ContactRequest,
    pub patient: PatientId,
    pub mrn: Option<String>,
    pub details: ContactDetails,
}

/// How staff closed a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactChangeOutcome {
    /// Staff changed the chart in the EHR.
    Done,
    /// Staff did not make the change (the note says why).
    Declined,
}

impl ContactChangeOutcome {
    fn as_str(self) -> &'static str {
        match self {
            Self::Done => "done",
            Self::Declined => "declined",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CloseContactChangeError {
    #[error("no such open request in this practice")]
    NotFound,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

#[derive(FromRow)]
struct DetailsRow {
    given_names: String,
    family_name: String,
    birth_date: jiff_sqlx::Date,
    email: Option<String>,
    phone: Option<String>,
    address_line: Option<String>,
    city: Option<String>,
    state: Option<String>,
    postal_code: Option<String>,
    country: Option<String>,
    resource: String,
}

/// A blank is no value.
fn filled(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty())
}

impl From<DetailsRow> for ContactDetails {
    fn from(row: DetailsRow) -> Self {
        Self {
            phones: crate::patients::chart_phones(&row.resource, filled(row.phone)),
            given_names: row.given_names,
            family_name: row.family_name,
            birth_date: row.birth_date.to_jiff(),
            email: filled(row.email),
            address_line: filled(row.address_line),
            city: filled(row.city),
            state: filled(row.state),
            postal_code: filled(row.postal_code),
            country: filled(row.country),
        }
    }
}

#[derive(FromRow)]
struct RequestRow {
    id: Uuid,
    created_at: jiff_sqlx::Timestamp,
    phone: Option<String>,
    address_line: Option<String>,
    city: Option<String>,
    state: Option<String>,
    postal_code: Option<String>,
    status: String,
    closed_at: Option<jiff_sqlx::Timestamp>,
    staff_note: Option<String>,
}

impl From<RequestRow> for ContactRequest {
    fn from(row: RequestRow) -> Self {
        Self {
            id: row.id,
            created_at: row.created_at.to_jiff(),
            phone: row.phone,
            address_line: row.address_line,
            city: row.city,
            state: row.state,
            postal_code: row.postal_code,
            status: row.status,
            closed_at: row.closed_at.map(|at| at.to_jiff()),
            staff_note: row.staff_note,
        }
    }
}

struct QueueRow {
    patient_id: Uuid,
    mrn: Option<String>,
    details: DetailsRow,
    request: RequestRow,
}

pub(crate) const DETAILS: &str = "SELECT given_names, family_name, birth_date, email, phone, address_line, \
     city, state, postal_code, country, resource FROM patients \
     WHERE id = $1 AND organization_id = $2";

/// The patient's newest request that was not replaced by a later one.
pub(crate) const LATEST_REQUEST: &str = "SELECT id, created_at, phone, address_line, city, state, \
     postal_code, status, closed_at, staff_note FROM contact_change_requests \
     WHERE patient_id = $1 AND organization_id = $2 AND status <> 'replaced' \
     ORDER BY created_at DESC LIMIT 1";

/// The practice's open requests, oldest first, with the charts they would change.
pub(crate) const QUEUE: &str = concatcp!(
    "SELECT p.id AS patient_id, p.mrn, p.given_names, p.family_name, \
     p.birth_date, p.email, p.phone, p.address_line, p.city, p.state, p.postal_code, p.country, \
     p.resource, r.id, r.created_at, r.phone AS requested_phone, \
     r.address_line AS requested_line, r.city AS requested_city, r.state AS requested_state, \
     r.postal_code AS requested_postal_code, r.status, r.closed_at, r.staff_note \
     FROM contact_change_requests r \
     JOIN patients p ON p.id = r.patient_id AND p.organization_id = r.organization_id \
     WHERE r.organization_id = $1 AND r.status = 'open' ORDER BY r.created_at LIMIT ",
    QUEUE_SHOWN
);

/// How many open requests the staff queue lists at most.
const QUEUE_SHOWN: i64 = 200;

/// The queue's rows name the request's columns apart from the chart's.
#[derive(FromRow)]
struct QueueRequestRow {
    id: Uuid,
    created_at: jiff_sqlx::Timestamp,
    requested_phone: Option<String>,
    requested_line: Option<String>,
    requested_city: Option<String>,
    requested_state: Option<String>,
    requested_postal_code: Option<String>,
    status: String,
    closed_at: Option<jiff_sqlx::Timestamp>,
    staff_note: Option<String>,
}

#[derive(FromRow)]
struct QueueJoinRow {
    patient_id: Uuid,
    mrn: Option<String>,
    #[sqlx(flatten)]
    details: DetailsRow,
    #[sqlx(flatten)]
    request: QueueRequestRow,
}

impl From<QueueJoinRow> for QueueRow {
    fn from(row: QueueJoinRow) -> Self {
        let r = row.request;
        Self {
            patient_id: row.patient_id,
            mrn: row.mrn,
            details: row.details,
            request: RequestRow {
                id: r.id,
                created_at: r.created_at,
                phone: r.requested_phone,
                address_line: r.requested_line,
                city: r.requested_city,
                state: r.requested_state,
                postal_code: r.requested_postal_code,
                status: r.status,
                closed_at: r.closed_at,
                staff_note: r.staff_note,
            },
        }
    }
}

fn patient_audit(
    scope: &PatientScope,
    action: &str,
    origin: &RequestOrigin,
    detail: Option<String>,
) -> AuditEntry {
    AuditEntry {
        organization: Some(scope.organization()),
        actor: AuditActor::Patient(scope.patient()),
        action: action.to_owned(),
        patient: Some(scope.patient()),
        subject: Some("contact details".to_owned()),
        client_addr: origin.client_addr.clone(),
        request_id: origin.request_id.clone(),
        detail,
    }
}

fn staff_audit(
    scope: &StaffScope,
    action: &str,
    patient: Option<PatientId>,
    origin: &RequestOrigin,
    detail: Option<String>,
) -> AuditEntry {
    AuditEntry {
        organization: Some(scope.organization()),
        actor: AuditActor::Staff(scope.staff()),
        action: action.to_owned(),
        patient,
        subject: Some("contact change requests".to_owned()),
        client_addr: origin.client_addr.clone(),
        request_id: origin.request_id.clone(),
        detail,
    }
}

impl Database {
    /// The scope's patient's contact details and newest request; audited as the patient's
    /// read (`patient.profile`). `None` when the chart is gone.
    pub async fn profile(
        &self,
        scope: &PatientScope,
        origin: &RequestOrigin,
    ) -> anyhow::Result<Option<Profile>> {
        let patient = scope.patient().as_uuid();
        let org = scope.organization().as_uuid();
        let mut tx = self.begin_read().await?;
        let details: Option<DetailsRow> = dispatch!(&mut tx.handle, |tx| {
            sqlx::query_as(DETAILS)
                .bind(patient)
                .bind(org)
                .fetch_optional(&mut **tx)
                .await?
        });
        let Some(details) = details else {
            return Ok(None);
        };
        let latest: Option<RequestRow> = dispatch!(&mut tx.handle, |tx| {
            sqlx::query_as(LATEST_REQUEST)
                .bind(patient)
                .bind(org)
                .fetch_optional(&mut **tx)
                .await?
        });
        tx.append_audit(&patient_audit(scope, "patient.profile", origin, None))
            .await?;
        tx.commit().await?;
        Ok(Some(Profile {
            details: details.into(),
            latest_request: latest.map(ContactRequest::from),
        }))
    }

    /// Stores the patient's request for staff, replacing an open one (which staff then no
    /// longer see); audited. Answers whether an open request was replaced.
    pub async fn request_contact_change(
        &self,
        scope: &PatientScope,
        change: &ContactChange,
        origin: &RequestOrigin,
    ) -> anyhow::Result<bool> {
        let now = Timestamp::now();
        let patient = scope.patient().as_uuid();
        let org = scope.organization().as_uuid();
        let address = change.address();
        let mut tx = self.begin().await?;
        let replaced = dispatch!(&mut tx.handle, |tx| {
            let replaced = sqlx::query(
                "UPDATE contact_change_requests SET status = 'replaced', closed_at = $3 \
                 WHERE patient_id = $1 AND organization_id = $2 AND status = 'open'",
            )
            .bind(patient)
            .bind(org)
            .bind(now.to_sqlx())
            .execute(&mut **tx)
            .await?
            .rows_affected();
            sqlx::query(
                "INSERT INTO contact_change_requests (id, organization_id, patient_id, phone, \
                 address_line, city, state, postal_code, created_at, status) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'open')",
            )
            .bind(Uuid::now_v7())
            .bind(org)
            .bind(patient)
            .bind(change.phone().map(|p| p.as_str().to_owned()))
            .bind(address.map(|a| a.line().to_owned()))
            .bind(address.map(|a| a.city().to_owned()))
            .bind(address.map(|a| a.state().to_owned()))
            .bind(address.map(|a| a.postal_code().to_owned()))
            .bind(now.to_sqlx())
            .execute(&mut **tx)
            .await?;
            replaced > 0
        });
        let asked: Vec<&str> = [
            change.phone().map(|_| "phone"),
            change.address().map(|_| "address"),
        ]
        .into_iter()
        .flatten()
        .collect();
        let mut detail = asked.join(", ");
        if replaced {
            detail.push_str("; replaced the open request");
        }
        tx.append_audit(&patient_audit(
            scope,
            "patient.contact-change-request",
            origin,
            Some(detail),
        ))
        .await?;
        tx.commit().await?;
        Ok(replaced)
    }

    /// The practice's open requests, oldest first, each beside its chart; each patient listed
    /// is audited as read by the staff member (`contact-change.list`).
    pub async fn contact_change_queue(
        &self,
        scope: &StaffScope,
        origin: &RequestOrigin,
    ) -> anyhow::Result<Vec<QueuedContactChange>> {
        let mut tx = self.begin_read().await?;
        let rows: Vec<QueueJoinRow> = dispatch!(&mut tx.handle, |tx| {
            sqlx::query_as(QUEUE)
                .bind(scope.organization().as_uuid())
                .fetch_all(&mut **tx)
                .await?
        });
        if rows.is_empty() {
            tx.append_audit(&staff_audit(
                scope,
                "contact-change.list",
                None,
                origin,
                Some("0 open".to_owned()),
            ))
            .await?;
        }
        for row in &rows {
            tx.append_audit(&staff_audit(
                scope,
                "contact-change.list",
                Some(PatientId::from_uuid(row.patient_id)),
                origin,
                Some(format!("request {}", row.request.id)),
            ))
            .await?;
        }
        tx.commit().await?;
        Ok(rows
            .into_iter()
            .map(QueueRow::from)
            .map(|row| QueuedContactChange {
                request: row.request.into(),
                patient: PatientId::from_uuid(row.patient_id),
                mrn: row.mrn,
                details: row.details.into(),
            })
            .collect())
    }

    /// Closes an open request of the practice as done or declined, with the note the
    /// patient reads; audited on the patient's record.
    pub async fn close_contact_change(
        &self,
        scope: &StaffScope,
        request: Uuid,
        outcome: ContactChangeOutcome,
        note: Option<&str>,
        origin: &RequestOrigin,
    ) -> Result<(), CloseContactChangeError> {
        let now = Timestamp::now();
        let mut tx = self.begin().await?;
        let patient: Option<Uuid> = dispatch!(&mut tx.handle, |tx| {
            sqlx::query_scalar(
                "UPDATE contact_change_requests SET status = $3, closed_at = $4, \
                 closed_by = $5, staff_note = $6 \
                 WHERE id = $1 AND organization_id = $2 AND status = 'open' \
                 RETURNING patient_id",
            )
            .bind(request)
            .bind(scope.organization().as_uuid())
            .bind(outcome.as_str())
            .bind(now.to_sqlx())
            .bind(scope.staff().as_uuid())
            .bind(note)
            .fetch_optional(&mut **tx)
            .await
            .map_err(anyhow::Error::from)?
        });
        let Some(patient) = patient else {
            return Err(CloseContactChangeError::NotFound);
        };
        tx.append_audit(&staff_audit(
            scope,
            &format!("contact-change.{}", outcome.as_str()),
            Some(PatientId::from_uuid(patient)),
            origin,
            Some(format!("request {request}")),
        ))
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// How many open requests a patient of the practice has: a count, no contact details
    /// (not audited).
    pub async fn count_open_contact_changes(
        &self,
        scope: &StaffScope,
        patient: PatientId,
    ) -> anyhow::Result<i64> {
        let count: i64 = dispatch!(&self.handle, |pool| {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM contact_change_requests \
                 WHERE organization_id = $1 AND patient_id = $2 AND status = 'open'",
            )
            .bind(scope.organization().as_uuid())
            .bind(patient.as_uuid())
            .fetch_one(pool)
            .await?
        });
        Ok(count)
    }
}

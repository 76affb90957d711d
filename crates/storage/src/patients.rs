//! Reading patients' charts. Every function takes the reader's scope and writes an audit row
//! in the same transaction: a read of PHI that is not audited cannot be written by mistake.

use domain::{PatientId, StaffScope, matching::normalize::name_words};
use jiff::{Timestamp, civil::Date};
use sqlx::FromRow;
use uuid::Uuid;

use crate::{
    AuditActor, AuditEntry, Database,
    database::dispatch,
    params::{Param, bind_all},
};

/// How staff look a patient up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatientQuery {
    Mrn(String),
    BirthDate(Date),
    /// Words of the name, each the beginning of a word of the chart's given or family name,
    /// in any order and without regard to accents or case ("rivera lu" finds "Rivera, Lucía").
    /// `family` and `given` are only how the search box split what was typed.
    Name {
        family: String,
        given: Option<String>,
    },
}

impl PatientQuery {
    /// The normalized words a name search must all find (at most eight: more adds nothing
    /// but work).
    fn name_words(&self) -> Vec<String> {
        let PatientQuery::Name { family, given } = self else {
            return Vec::new();
        };
        let mut words: Vec<String> = Vec::new();
        for word in name_words(family)
            .into_iter()
            .chain(name_words(given.as_deref().unwrap_or("")))
        {
            if !words.contains(&word) {
                words.push(word);
            }
        }
        words.truncate(8);
        words
    }
}

/// The search key stored with a chart: the normalized words of its given and family names,
/// each with a space before and after, so that `LIKE '% word%'` finds a word by its
/// beginning. A family name of several words is also kept run together ("De la Cruz" is
/// found by "delacruz"), as the identity matcher compares it.
pub(crate) fn search_key(given: &str, family: &str) -> String {
    let mut words = name_words(given);
    let family = name_words(family);
    if family.len() > 1 {
        words.push(family.concat());
    }
    words.extend(family);
    format!(" {} ", words.join(" "))
}

/// Where a patient stands with the portal, as staff need to know it before inviting them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortalStatus {
    NotInvited,
    /// Invited by email or letter (`channel`), not opened yet.
    Invited {
        channel: String,
        expires_at: Timestamp,
    },
    /// The patient has started signing up (`channel` `self` without an invitation).
    SigningUp {
        channel: String,
        expires_at: Timestamp,
    },
    /// Too many attempts did not match: the invitation waits in the review queue.
    InvitationLocked,
    InvitationExpired {
        expired_at: Timestamp,
    },
    /// Revoked, or replaced by nothing since.
    InvitationCancelled,
    Active,
    /// The patient locked the account ("this wasn't me"); staff help them back in.
    LockedByPatient,
    Disabled,
}

impl PortalStatus {
    /// From the chart's account and newest invitation, as read in one query.
    fn of(row: &PortalColumns, now: Timestamp) -> Self {
        match row.account_status.as_deref() {
            Some(_) if row.account_locked_at.is_some() => return Self::LockedByPatient,
            Some("active") => return Self::Active,
            Some("disabled") => return Self::Disabled,
            // A pending account is a sign-up in progress: the invitation tells how it stands.
            _ => {}
        }
        let (Some(channel), Some(status), Some(expires_at)) = (
            row.invitation_channel.clone(),
            row.invitation_status.as_deref(),
            row.invitation_expires_at.map(|t| t.to_jiff()),
        ) else {
            return Self::NotInvited;
        };
        match status {
            "locked" => Self::InvitationLocked,
            "revoked" => Self::InvitationCancelled,
            "expired" => Self::InvitationExpired {
                expired_at: expires_at,
            },
            _ if expires_at <= now => Self::InvitationExpired {
                expired_at: expires_at,
            },
            "invited" => Self::Invited {
                channel,
                expires_at,
            },
            _ => Self::SigningUp {
                channel,
                expires_at,
            },
        }
    }
}

/// A phone number on the chart, for staff to call the patient back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartPhone {
    /// "Mobile", "Home", "Work"... or "Phone" when the EHR does not say.
    pub label: String,
    pub number: String,
}

impl ChartPhone {
    /// The number for a `tel:` link: its digits, with a leading `+` kept.
    pub fn dial(&self) -> String {
        let digits: String = self.number.chars().filter(char::is_ascii_digit).collect();
        if self.number.trim_start().starts_with('+') {
            format!("+{digits}")
        } else {
            digits
        }
    }
}

/// A patient in a list of search results.
#[derive(Debug, Clone, PartialEq)]
pub struct PatientSummary {
    pub id: PatientId,
    pub mrn: Option<String>,
    pub given_names: String,
    pub family_name: String,
    pub birth_date: Date,
    pub deceased: bool,
    pub email: Option<String>,
    pub portal: PortalStatus,
    /// The chart's phone numbers: read for the patient's page only (empty in search results).
    pub phones: Vec<ChartPhone>,
}

#[derive(FromRow)]
struct PortalColumns {
    account_status: Option<String>,
    account_locked_at: Option<i64>,
    invitation_channel: Option<String>,
    invitation_status: Option<String>,
    invitation_expires_at: Option<jiff_sqlx::Timestamp>,
}

#[derive(FromRow)]
struct SummaryRow {
    id: Uuid,
    mrn: Option<String>,
    given_names: String,
    family_name: String,
    birth_date: jiff_sqlx::Date,
    deceased: bool,
    email: Option<String>,
    #[sqlx(flatten)]
    portal: PortalColumns,
}

impl SummaryRow {
    fn into_summary(self, now: Timestamp) -> PatientSummary {
        PatientSummary {
            id: PatientId::from_uuid(self.id),
            portal: PortalStatus::of(&self.portal, now),
            mrn: self.mrn,
            given_names: self.given_names,
            family_name: self.family_name,
            birth_date: self.birth_date.to_jiff(),
            deceased: self.deceased,
            email: self.email,
            phones: Vec::new(),
        }
    }
}

/// The chart's columns and its portal status: the account, and the newest invitation (one
/// row per patient, so a search reads every status in the same query).
const SUMMARY_FROM: &str = "SELECT p.id, p.mrn, p.given_names, p.family_name, p.birth_date, \
     p.deceased, p.email, a.status AS account_status, a.locked_at AS account_locked_at, \
     i.channel AS invitation_channel, i.status AS invitation_status, \
     i.expires_at AS invitation_expires_at \
     FROM patients p \
     LEFT JOIN patient_accounts a ON a.patient_id = p.id AND a.organization_id = p.organization_id \
     LEFT JOIN invitations i ON i.id = (SELECT newest.id FROM invitations newest \
         WHERE newest.patient_id = p.id AND newest.organization_id = p.organization_id \
         ORDER BY newest.created_at DESC, newest.id DESC LIMIT 1)";

/// Where a request came from, for the audit log.
#[derive(Debug, Clone, Default)]
pub struct RequestOrigin {
    pub client_addr: Option<String>,
    pub request_id: Option<String>,
}

const SEARCH_LIMIT: i64 = 50;

/// The staff search's main query and its parameters: the charts of the scope's organization
/// that match `query`, with their portal status, at most 50 in name order.
pub(crate) fn search_statement(scope: &StaffScope, query: &PatientQuery) -> (String, Vec<Param>) {
    let mut params = vec![Param::Uuid(scope.organization().as_uuid())];
    let condition = match query {
        PatientQuery::Mrn(mrn) => {
            params.push(Param::text(mrn.trim()));
            "lower(p.mrn) = lower($2)".to_owned()
        }
        PatientQuery::BirthDate(date) => {
            params.push(Param::Date(jiff_sqlx::ToSqlx::to_sqlx(*date)));
            "p.birth_date = $2".to_owned()
        }
        PatientQuery::Name { .. } => {
            let words = query.name_words();
            if words.is_empty() {
                // Nothing typed that a name contains: nothing matches.
                "1 = 0".to_owned()
            } else {
                let mut conditions = Vec::new();
                for word in words {
                    // Normalized words are letters only: no LIKE wildcard gets through.
                    params.push(Param::Text(Some(format!("% {word}%"))));
                    conditions.push(format!("p.search_key LIKE ${}", params.len()));
                }
                conditions.join(" AND ")
            }
        }
    };
    let sql = format!(
        "{SUMMARY_FROM} WHERE p.organization_id = $1 AND {condition} \
         ORDER BY p.family_name, p.given_names, p.birth_date LIMIT {SEARCH_LIMIT}"
    );
    (sql, params)
}

impl Database {
    /// Patients of the scope's organization matching `query`, at most 50, by name, each with
    /// its portal status.
    pub async fn search_patients(
        &self,
        scope: &StaffScope,
        query: &PatientQuery,
        origin: &RequestOrigin,
    ) -> anyhow::Result<Vec<PatientSummary>> {
        let (sql, params) = search_statement(scope, query);
        let now = Timestamp::now();
        let mut tx = self.begin_read().await?;
        let rows: Vec<SummaryRow> = dispatch!(&mut tx.handle, |tx| {
            bind_all!(sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())), params)
                .fetch_all(&mut **tx)
                .await?
        });
        tx.append_audit(&AuditEntry {
            organization: Some(scope.organization()),
            actor: AuditActor::Staff(scope.staff()),
            action: "patient.search".to_owned(),
            patient: None,
            subject: Some(
                match query {
                    PatientQuery::Mrn(_) => "by MRN",
                    PatientQuery::BirthDate(_) => "by birth date",
                    PatientQuery::Name { .. } => "by name",
                }
                .to_owned(),
            ),
            client_addr: origin.client_addr.clone(),
            request_id: origin.request_id.clone(),
            detail: Some(format!("{} results", rows.len())),
        })
        .await?;
        tx.commit().await?;
        Ok(rows.into_iter().map(|row| row.into_summary(now)).collect())
    }

    /// One patient of the scope's organization, for the staff's patient page, with the
    /// chart's phone numbers; audited.
    pub async fn patient_summary(
        &self,
        scope: &StaffScope,
        patient: PatientId,
        origin: &RequestOrigin,
    ) -> anyhow::Result<Option<PatientSummary>> {
        let mut tx = self.begin().await?;
        let sql = format!("{SUMMARY_FROM} WHERE p.id = $1 AND p.organization_id = $2");
        let row: Option<SummaryRow> = dispatch!(&mut tx.handle, |tx| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(patient.as_uuid())
                .bind(scope.organization().as_uuid())
                .fetch_optional(&mut **tx)
                .await?
        });
        let Some(row) = row else {
            tx.commit().await?;
            return Ok(None);
        };
        let (phone, resource): (Option<String>, String) = dispatch!(&mut tx.handle, |tx| {
            sqlx::query_as(
                "SELECT phone, resource FROM patients WHERE id = $1 AND organization_id = $2",
            )
            .bind(patient.as_uuid())
            .bind(scope.organization().as_uuid())
            .fetch_one(&mut **tx)
            .await?
        });
        tx.append_audit(&AuditEntry {
            organization: Some(scope.organization()),
            actor: AuditActor::Staff(scope.staff()),
            action: "patient.view".to_owned(),
            patient: Some(patient),
            subject: Some("demographics".to_owned()),
            client_addr: origin.client_addr.clone(),
            request_id: origin.request_id.clone(),
            detail: None,
        })
        .await?;
        tx.watch_staff_access(scope, Timestamp::now()).await?;
        tx.commit().await?;
        let mut summary = row.into_summary(Timestamp::now());
        summary.phones = chart_phones(&resource, phone);
        Ok(Some(summary))
    }

    /// Gives every chart without a search key its key (the charts imported before keys
    /// existed); run after the migrations, a batch at a time.
    pub(crate) async fn fill_search_keys(&self) -> anyhow::Result<()> {
        loop {
            let rows: Vec<(Uuid, String, String)> = dispatch!(&self.handle, |pool| {
                sqlx::query_as(
                    "SELECT id, given_names, family_name FROM patients \
                     WHERE search_key IS NULL LIMIT 500",
                )
                .fetch_all(pool)
                .await?
            });
            if rows.is_empty() {
                return Ok(());
            }
            let mut tx = self.begin().await?;
            for (id, given, family) in rows {
                dispatch!(&mut tx.handle, |tx| {
                    sqlx::query("UPDATE patients SET search_key = $1 WHERE id = $2")
                        .bind(search_key(&given, &family))
                        .bind(id)
                        .execute(&mut **tx)
                        .await?;
                });
            }
            tx.commit().await?;
        }
    }

    /// How many audit rows name `action`, sealed or not (for tests and the security page).
    pub async fn count_audit(&self, action: &str) -> anyhow::Result<i64> {
        let (count,): (i64,) = dispatch!(&self.handle, |pool| {
            sqlx::query_as(
                "SELECT (SELECT COUNT(*) FROM audit_log WHERE action = $1) \
                 + (SELECT COUNT(*) FROM audit_pending WHERE action = $1)",
            )
            .bind(action)
            .fetch_one(pool)
            .await?
        });
        Ok(count)
    }
}

/// The phone numbers of a chart's FHIR Patient (`telecom` of system `phone` or `sms`, except
/// those marked `old`), in the EHR's order; the imported `phone` column when the resource
/// lists none.
pub(crate) fn chart_phones(resource: &str, phone: Option<String>) -> Vec<ChartPhone> {
    let telecom = serde_json::from_str::<serde_json::Value>(resource)
        .ok()
        .and_then(|value| value.get("telecom").and_then(|t| t.as_array()).cloned())
        .unwrap_or_default();
    let mut phones: Vec<ChartPhone> = Vec::new();
    for point in &telecom {
        let text = |key: &str| point.get(key).and_then(|v| v.as_str());
        let (Some("phone" | "sms"), Some(number)) = (text("system"), text("value")) else {
            continue;
        };
        let number = number.trim();
        if number.is_empty() || phones.iter().any(|p| p.number == number) {
            continue;
        }
        let label = match text("use") {
            Some("old") => continue,
            Some("mobile") => "Mobile",
            Some("home") => "Home",
            Some("work") => "Work",
            Some("temp") => "Temporary",
            _ => "Phone",
        };
        phones.push(ChartPhone {
            label: label.to_owned(),
            number: number.to_owned(),
        });
    }
    if phones.is_empty()
        && let Some(number) = phone.filter(|n| !n.trim().is_empty())
    {
        phones.push(ChartPhone {
            label: "Phone".to_owned(),
            number,
        });
    }
    phones
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_keys_hold_every_word_without_accents() {
        assert_eq!(
            search_key("Lucía María", "García-López"),
            " lucia maria garcialopez garcia lopez "
        );
        assert_eq!(search_key("Oscar", "Rivera"), " oscar rivera ");
        let query = PatientQuery::Name {
            family: "OSCAR".into(),
            given: Some("rivera Óscar".into()),
        };
        assert_eq!(query.name_words(), ["oscar", "rivera"]);
        let wildcard = PatientQuery::Name {
            family: "%_".into(),
            given: None,
        };
        assert!(wildcard.name_words().is_empty());
    }

    #[test]
    fn phones_come_from_the_charts_telecom() {
        let resource = r#"{"telecom":[
            {"system":"phone","value":"(555) 010-2000","use":"mobile"},
            {"system":"email","value":"a@example.org"},
            {"system":"phone","value":"555-0100","use":"old"},
            {"system":"phone","value":"+1 555 010 3000"}]}"#;
        let phones = chart_phones(resource, Some("(555) 010-2000".into()));
        assert_eq!(phones.len(), 2);
        assert_eq!(
            (phones[0].label.as_str(), phones[0].dial()),
            ("Mobile", "5550102000".to_owned())
        );
        assert_eq!(
            (phones[1].label.as_str(), phones[1].dial()),
            ("Phone", "+15550103000".to_owned())
        );
        assert_eq!(
            chart_phones("not json", Some("555-0100".into()))[0].number,
            "555-0100"
        );
        assert!(chart_phones("{}", None).is_empty());
    }
}

use domain::{OrganizationId, PracticeTimeZone};
use sqlx::{AssertSqlSafe, FromRow};
use uuid::Uuid;

use crate::{AuditActor, AuditEntry, Database, database::dispatch, short_read::Arg};

/// A practice: it owns its patients, staff and enrollment policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    pub id: OrganizationId,
    pub slug: String,
    pub name: String,
    pub phone: Option<String>,
}

#[derive(FromRow)]
struct OrganizationRow {
    id: Uuid,
    slug: String,
    name: String,
    phone: Option<String>,
}

impl From<OrganizationRow> for Organization {
    fn from(row: OrganizationRow) -> Self {
        Self {
            id: OrganizationId::from_uuid(row.id),
            slug: row.slug,
            name: row.name,
            phone: row.phone,
        }
    }
}

const COLUMNS: &str = "id, slug, name, phone";

/// A practice as its patients' pages name it: its name, its phone, and the time zone of the
/// dates they show.
#[derive(Debug, Clone)]
pub struct PracticeCard {
    pub name: String,
    pub phone: Option<String>,
    pub time_zone: Option<PracticeTimeZone>,
}

/// One practice's card, by its id: every patient page reads it.
pub(crate) const PRACTICE_CARD: &str =
    "SELECT name, phone, time_zone FROM organizations WHERE id = $1";

/// Every organization (a handful: the deployment's practices), for the pages that name the
/// practice and the sign-in forms.
pub(crate) const ALL_ORGANIZATIONS: &str =
    "SELECT id, slug, name, phone FROM organizations ORDER BY slug";

impl Database {
    pub async fn create_organization(
        &self,
        slug: &str,
        name: &str,
        phone: Option<&str>,
    ) -> anyhow::Result<Organization> {
        let id = OrganizationId::new();
        let now = jiff_sqlx::ToSqlx::to_sqlx(jiff::Timestamp::now());
        dispatch!(&self.handle, |pool| {
            sqlx::query(
                "INSERT INTO organizations (id, slug, name, phone, created_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id.as_uuid())
            .bind(slug)
            .bind(name)
            .bind(phone)
            .bind(now)
            .execute(pool)
            .await?;
        });
        Ok(Organization {
            id,
            slug: slug.to_owned(),
            name: name.to_owned(),
            phone: phone.map(str::to_owned),
        })
    }

    /// A new practice from the command line, with its time zone when given, and its audit row
    /// (`organization.create`) in the same transaction. `Ok(None)` when the slug is taken.
    pub async fn add_organization(
        &self,
        slug: &str,
        name: &str,
        phone: Option<&str>,
        time_zone: Option<&PracticeTimeZone>,
    ) -> anyhow::Result<Option<Organization>> {
        let id = OrganizationId::new();
        let now = jiff_sqlx::ToSqlx::to_sqlx(jiff::Timestamp::now());
        let mut tx = self.begin().await?;
        let inserted = dispatch!(&mut tx.handle, |tx| {
            sqlx::query(
                "INSERT INTO organizations (id, slug, name, phone, time_zone, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id.as_uuid())
            .bind(slug)
            .bind(name)
            .bind(phone)
            .bind(time_zone.map(PracticeTimeZone::name))
            .bind(now)
            .execute(&mut **tx)
            .await
            .map(|_| ())
        });
        match inserted {
            Ok(()) => {}
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => return Ok(None),
            Err(e) => return Err(e.into()),
        }
        tx.append_audit(&AuditEntry {
            organization: Some(id),
            actor: AuditActor::System("cli".to_owned()),
            action: "organization.create".to_owned(),
            patient: None,
            subject: Some(slug.to_owned()),
            client_addr: None,
            request_id: None,
            detail: None,
        })
        .await?;
        tx.commit().await?;
        Ok(Some(Organization {
            id,
            slug: slug.to_owned(),
            name: name.to_owned(),
            phone: phone.map(str::to_owned),
        }))
    }

    pub async fn organization_by_slug(&self, slug: &str) -> anyhow::Result<Option<Organization>> {
        let sql = format!("SELECT {COLUMNS} FROM organizations WHERE slug = $1");
        let row: Option<OrganizationRow> = dispatch!(&self.handle, |pool| {
            sqlx::query_as(AssertSqlSafe(sql.as_str()))
                .bind(slug)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(Organization::from))
    }

    pub async fn organizations(&self) -> anyhow::Result<Vec<Organization>> {
        let rows: Vec<OrganizationRow> = dispatch!(&self.handle, |pool| {
            sqlx::query_as(ALL_ORGANIZATIONS).fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(Organization::from).collect())
    }

    /// A practice's name, phone and time zone, in one read ([`PracticeCard`]).
    pub async fn practice_card(
        &self,
        organization: OrganizationId,
    ) -> anyhow::Result<Option<PracticeCard>> {
        // Every page of the record names the practice: a short read (inline on SQLite).
        let mut read = self.begin_short_read().await?;
        let row: Option<(String, Option<String>, Option<String>)> = read
            .optional(PRACTICE_CARD, &[Arg::Uuid(organization.as_uuid())])
            .await?;
        read.commit().await?;
        Ok(row.map(|(name, phone, time_zone)| PracticeCard {
            name,
            phone,
            time_zone: stored_time_zone(time_zone),
        }))
    }

    pub async fn practice_time_zone(
        &self,
        organization: OrganizationId,
    ) -> anyhow::Result<Option<PracticeTimeZone>> {
        let row: Option<(Option<String>,)> = dispatch!(&self.handle, |pool| {
            sqlx::query_as("SELECT time_zone FROM organizations WHERE id = $1")
                .bind(organization.as_uuid())
                .fetch_optional(pool)
                .await?
        });
        Ok(stored_time_zone(row.and_then(|(name,)| name)))
    }
}

/// A stored zone name as a zone. A name the time zone database no longer knows (it was
/// valid when saved) reads as unset, so that pages still show, in the server's zone.
pub(crate) fn stored_time_zone(name: Option<String>) -> Option<PracticeTimeZone> {
    let name = name?;
    match PracticeTimeZone::parse(&name) {
        Ok(zone) => Some(zone),
        Err(error) => {
            tracing::warn!(error = %error, "a practice's stored time zone is unknown");
            None
        }
    }
}

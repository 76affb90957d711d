use domain::{OrganizationId, Role, StaffId, Username};

use crate::{Database, database::dispatch};

/// A staff account to create. The password arrives already hashed (Argon2id, PHC string).
pub struct NewStaff<'a> {
    pub organization: OrganizationId,
    pub username: &'a Username,
    pub display_name: &'a str,
    pub role: Role,
    pub password_hash: &'a str,
}

#[derive(Debug, thiserror::Error)]
pub enum StaffError {
    #[error("the username '{0}' is already taken in this organization")]
    UsernameTaken(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl Database {
    pub async fn create_staff(&self, staff: NewStaff<'_>) -> Result<StaffId, StaffError> {
        let id = StaffId::new();
        let now = jiff_sqlx::ToSqlx::to_sqlx(jiff::Timestamp::now());
        let result = dispatch!(&self.handle, |pool| {
            sqlx::query(
                "INSERT INTO staff_accounts \
                 (id, organization_id, username, display_name, role, password_hash, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id.as_uuid())
            .bind(staff.organization.as_uuid())
            .bind(staff.username.as_str())
            .bind(staff.display_name)
            .bind(staff.role.as_str())
            .bind(staff.password_hash)
            .bind(now)
            .execute(pool)
            .await
            .map(|_| ())
        });
        match result {
            Ok(_) => Ok(id),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                Err(StaffError::UsernameTaken(staff.username.to_string()))
            }
            Err(e) => Err(StaffError::Unexpected(e.into())),
        }
    }
}

impl Database {
    /// Replaces a staff member's password hash; answers whether the account exists.
    pub async fn set_staff_password(
        &self,
        organization: OrganizationId,
        username: &Username,
        password_hash: &str,
    ) -> anyhow::Result<bool> {
        let affected = dispatch!(&self.handle, |pool| {
            sqlx::query(
                "UPDATE staff_accounts SET password_hash = $1 \
                 WHERE organization_id = $2 AND username = $3",
            )
            .bind(password_hash)
            .bind(organization.as_uuid())
            .bind(username.as_str())
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(affected == 1)
    }
}

/// A staff account as sign-in needs it.
#[derive(Debug, Clone)]
pub struct StaffAccount {
    pub id: StaffId,
    pub organization: OrganizationId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub password_hash: String,
    pub disabled: bool,
}

#[derive(sqlx::FromRow)]
struct StaffRow {
    id: uuid::Uuid,
    organization_id: uuid::Uuid,
    username: String,
    display_name: String,
    role: String,
    password_hash: String,
    disabled_at: Option<jiff_sqlx::Timestamp>,
}

impl TryFrom<StaffRow> for StaffAccount {
    type Error = anyhow::Error;

    fn try_from(row: StaffRow) -> anyhow::Result<Self> {
        Ok(Self {
            id: StaffId::from_uuid(row.id),
            organization: OrganizationId::from_uuid(row.organization_id),
            username: row.username,
            display_name: row.display_name,
            role: row.role.parse()?,
            password_hash: row.password_hash,
            disabled: row.disabled_at.is_some(),
        })
    }
}

const STAFF_COLUMNS: &str =
    "id, organization_id, username, display_name, role, password_hash, disabled_at";

impl Database {
    pub async fn staff_by_username(
        &self,
        organization: OrganizationId,
        username: &Username,
    ) -> anyhow::Result<Option<StaffAccount>> {
        let sql = format!(
            "SELECT {STAFF_COLUMNS} FROM staff_accounts WHERE organization_id = $1 AND username = $2"
        );
        let row: Option<StaffRow> = dispatch!(&self.handle, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(organization.as_uuid())
                .bind(username.as_str())
                .fetch_optional(pool)
                .await?
        });
        row.map(StaffAccount::try_from).transpose()
    }

    pub async fn staff_by_id(&self, id: StaffId) -> anyhow::Result<Option<StaffAccount>> {
        let sql = format!("SELECT {STAFF_COLUMNS} FROM staff_accounts WHERE id = $1");
        let row: Option<StaffRow> = dispatch!(&self.handle, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(id.as_uuid())
                .fetch_optional(pool)
                .await?
        });
        row.map(StaffAccount::try_from).transpose()
    }
}

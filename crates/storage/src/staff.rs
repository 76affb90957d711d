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

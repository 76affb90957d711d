//! Scratch databases for the storage crate's own tests: a fresh SQLite file, or a PostgreSQL
//! database created for the test and dropped after it (`PORCHLIGHT_TEST_POSTGRES_URL` names
//! the server), migrated fully or up to a given migration.

use std::borrow::Cow;

use domain::{OrganizationId, PatientId, SecretKey};
use jiff::Timestamp;
use jiff_sqlx::ToSqlx;
use uuid::Uuid;

use crate::{AuditKey, Backend, Database, PatientAccount, database::dispatch};

const SECRET: &str = "storage-scratch-tests-secret-key-0123456789";

/// A fresh database of one backend, sealing audit rows under a test key; removed by
/// [`Scratch::finish`] (an SQLite file also goes with its folder when dropped).
pub(crate) struct Scratch {
    pub(crate) db: Database,
    /// Where it is, for a second handle on it.
    pub(crate) url: String,
    _dir: Option<tempfile::TempDir>,
    /// The administrator's URL and the database's name, to drop it.
    postgres: Option<(String, String)>,
}

impl Scratch {
    /// A database with every migration applied.
    pub(crate) async fn migrated(backend: Backend) -> Self {
        let scratch = Self::empty(backend).await;
        scratch.db.migrate().await.unwrap();
        scratch
    }

    /// A database with the migrations numbered below `version` applied, as a deployment that
    /// has not upgraded yet; [`Database::migrate`] then applies the rest.
    pub(crate) async fn migrated_before(backend: Backend, version: i64) -> Self {
        let scratch = Self::empty(backend).await;
        let mut migrator = match backend {
            Backend::Sqlite => sqlx::migrate!("./migrations/sqlite"),
            Backend::Postgres => sqlx::migrate!("./migrations/postgres"),
        };
        migrator.migrations = Cow::Owned(
            migrator
                .migrations
                .iter()
                .filter(|migration| migration.version < version)
                .cloned()
                .collect(),
        );
        dispatch!(&scratch.db.handle, |pool| migrator.run(pool).await.unwrap());
        scratch
    }

    async fn empty(backend: Backend) -> Self {
        let (url, dir, postgres) = match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite://{}", dir.path().join("scratch.db").display());
                (url, Some(dir), None)
            }
            Backend::Postgres => {
                let admin_url = std::env::var("PORCHLIGHT_TEST_POSTGRES_URL")
                    .expect("PORCHLIGHT_TEST_POSTGRES_URL names the PostgreSQL server");
                let name = format!("porchlight_storage_{}", Uuid::new_v4().simple());
                let admin = Database::connect(&admin_url).await.unwrap();
                admin
                    .execute_admin(&format!("CREATE DATABASE {name}"))
                    .await
                    .unwrap();
                admin.close().await;
                let (base, query) = admin_url.split_once('?').unwrap_or((&admin_url, ""));
                let base = base.rsplit_once('/').map_or(base, |(host, _)| host);
                let url = if query.is_empty() {
                    format!("{base}/{name}")
                } else {
                    format!("{base}/{name}?{query}")
                };
                (url, None, Some((admin_url, name)))
            }
        };
        let db = Database::connect(&url)
            .await
            .unwrap()
            .with_audit_key(Self::audit_key());
        Self {
            db,
            url,
            _dir: dir,
            postgres,
        }
    }

    /// The key a scratch database seals its audit rows under.
    pub(crate) fn audit_key() -> AuditKey {
        AuditKey::derive(&SecretKey::parse(SECRET).unwrap())
    }

    pub(crate) async fn finish(self) {
        self.db.close().await;
        if let Some((admin_url, name)) = &self.postgres {
            let admin = Database::connect(admin_url).await.unwrap();
            admin
                .execute_admin(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await
                .unwrap();
            admin.close().await;
        }
    }

    /// An active patient account (and its chart) in `organization`, with the columns every
    /// migration since 0015 has.
    pub(crate) async fn active_account(
        &self,
        organization: OrganizationId,
        username: &str,
    ) -> PatientAccount {
        let patient = PatientId::new();
        let id = Uuid::now_v7();
        let now = Timestamp::now().to_sqlx();
        let birth_date = jiff::civil::date(1961, 4, 9).to_sqlx();
        dispatch!(&self.db.handle, |pool| {
            sqlx::query(
                "INSERT INTO patients (id, organization_id, given_names, family_name, birth_date, \
                 sex, source_id, source_hash, resource, created_at, updated_at) \
                 VALUES ($1, $2, 'Lucia', 'Rivera', $3, 'female', $4, 'hash', '{}', $5, $5)",
            )
            .bind(patient.as_uuid())
            .bind(organization.as_uuid())
            .bind(birth_date)
            .bind(format!("source-{username}"))
            .bind(now)
            .execute(pool)
            .await
            .unwrap();
            sqlx::query(
                "INSERT INTO patient_accounts (id, organization_id, patient_id, username, \
                 password_hash, status, created_at) VALUES ($1, $2, $3, $4, 'hash', 'active', $5)",
            )
            .bind(id)
            .bind(organization.as_uuid())
            .bind(patient.as_uuid())
            .bind(username)
            .bind(now)
            .execute(pool)
            .await
            .unwrap();
        });
        PatientAccount {
            id,
            organization,
            patient,
            username: username.to_owned(),
            password_hash: "hash".to_owned(),
            status: "active".to_owned(),
            locked: false,
        }
    }
}

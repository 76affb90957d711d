//! The practice's directory as the EHR sends it (issue 14): practitioners, organizations and
//! locations by name, so that a visit that names its doctor or place by reference alone
//! (Synthea's bundles do) can still say who and where. Written by the importer; read with the
//! visits that refer to it, in their transaction.

use std::collections::{HashMap, HashSet};

use domain::OrganizationId;
use jiff::Timestamp;
use jiff_sqlx::ToSqlx;
use uuid::Uuid;

use crate::{Outcome, ReadTx, RecordId, Tx, database::dispatch};

/// One name of the practice's directory, by its id in the source system.
pub(crate) const NAME_BY_SOURCE: &str = "SELECT name FROM care_directory \
     WHERE organization_id = $1 AND source_id = $2 ORDER BY resource_type LIMIT 1";

/// The names that references stand for, by the source id they name.
pub(crate) type Names = HashMap<String, String>;

/// The source id a reference names (`Practitioner/abc`, `urn:uuid:abc`, a conditional
/// reference's `identifier=…|abc`): the part after the last `/`, `:` or `|`.
pub(crate) fn source_id(reference: &str) -> Option<&str> {
    let id = reference
        .rsplit(['/', ':', '|'])
        .next()
        .filter(|id| !id.is_empty())?;
    Some(id)
}

/// A name as people write it: one written in capitals only ("NORWOOD HOSPITAL") in title
/// case ("Norwood Hospital"); any other as it is.
pub(crate) fn readable(name: &str) -> String {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.chars().any(char::is_lowercase) || !name.chars().any(char::is_alphabetic) {
        return name;
    }
    name.split(' ')
        .map(|word| {
            let mut chars = word.chars();
            match chars.next() {
                Some(first) => first.to_string() + &chars.as_str().to_lowercase(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

impl Tx {
    /// Keeps the name of one entry of the directory (a Practitioner, Organization or
    /// Location), matched by its type and id in the source system. Only a new name is a
    /// change.
    pub async fn upsert_directory(
        &mut self,
        record: &RecordId<'_>,
        resource_type: &str,
        name: &str,
    ) -> anyhow::Result<Outcome> {
        let org = record.organization.as_uuid();
        let existing: Option<(Uuid, String)> = dispatch!(&mut self.handle, |tx| {
            sqlx::query_as(
                "SELECT id, name FROM care_directory \
                 WHERE organization_id = $1 AND source_id = $2 AND resource_type = $3",
            )
            .bind(org)
            .bind(record.source_id)
            .bind(resource_type)
            .fetch_optional(&mut **tx)
            .await?
        });
        let now = Timestamp::now().to_sqlx();
        let name = readable(name);
        match existing {
            Some((_, kept)) if kept == name => Ok(Outcome::Unchanged),
            Some((id, _)) => {
                dispatch!(&mut self.handle, |tx| {
                    sqlx::query(
                        "UPDATE care_directory SET name = $2, imported_at = $3 WHERE id = $1",
                    )
                    .bind(id)
                    .bind(&name)
                    .bind(now)
                    .execute(&mut **tx)
                    .await?;
                });
                Ok(Outcome::Updated)
            }
            None => {
                dispatch!(&mut self.handle, |tx| {
                    sqlx::query(
                        "INSERT INTO care_directory \
                         (id, organization_id, resource_type, source_id, name, imported_at) \
                         VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(Uuid::now_v7())
                    .bind(org)
                    .bind(resource_type)
                    .bind(record.source_id)
                    .bind(&name)
                    .bind(now)
                    .execute(&mut **tx)
                    .await?;
                });
                Ok(Outcome::Inserted)
            }
        }
    }
}

impl ReadTx {
    /// The practice's names for the references given (those it has), in the read's
    /// transaction.
    pub(crate) async fn directory_names<'r>(
        &mut self,
        organization: OrganizationId,
        references: impl IntoIterator<Item = &'r str>,
    ) -> anyhow::Result<Names> {
        let ids: HashSet<&str> = references.into_iter().filter_map(source_id).collect();
        let mut names = Names::new();
        for id in ids {
            let name: Option<String> = dispatch!(&mut self.handle, |tx| {
                sqlx::query_scalar(NAME_BY_SOURCE)
                    .bind(organization.as_uuid())
                    .bind(id)
                    .fetch_optional(&mut **tx)
                    .await?
            });
            if let Some(name) = name {
                names.insert(id.to_owned(), name);
            }
        }
        Ok(names)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_name_their_source_id() {
        assert_eq!(source_id("Practitioner/abc"), Some("abc"));
        assert_eq!(source_id("urn:uuid:3bd5-16da"), Some("3bd5-16da"));
        assert_eq!(
            source_id("Organization?identifier=https://github.com/synthetichealth/synthea|e3f1"),
            Some("e3f1")
        );
        assert_eq!(source_id("abc"), Some("abc"));
        assert_eq!(source_id("Practitioner/"), None);
    }

    #[test]
    fn names_in_capitals_read_in_title_case() {
        assert_eq!(readable("NORWOOD HOSPITAL"), "Norwood Hospital");
        assert_eq!(
            readable("  CODMAN  SQUARE HEALTH CENTER "),
            "Codman Square Health Center"
        );
        assert_eq!(readable("Dr. Monica Kshlerin"), "Dr. Monica Kshlerin");
        assert_eq!(readable("McGlynn"), "McGlynn");
        assert_eq!(readable("123"), "123");
    }
}

use storage::{Database, Organization};

/// The organization a command acts on: the one named, else the only one; a database with
/// none gets a default organization, so that a first import needs no set-up.
pub async fn choose(db: &Database, slug: Option<&str>) -> anyhow::Result<Organization> {
    let organizations = db.organizations().await?;
    let slugs = || {
        organizations
            .iter()
            .map(|o| o.slug.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match slug {
        Some(slug) => organizations
            .iter()
            .find(|o| o.slug == slug)
            .cloned()
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "--org: there is no organization '{slug}' (known: {})",
                    slugs()
                )
            }),
        None => match organizations.as_slice() {
            [] => {
                let org = db
                    .create_organization("default", "Your practice", None)
                    .await?;
                tracing::info!(slug = %org.slug, "created the default organization");
                Ok(org)
            }
            [only] => Ok(only.clone()),
            _ => anyhow::bail!(
                "--org: this database has several organizations; name one of: {}",
                slugs()
            ),
        },
    }
}

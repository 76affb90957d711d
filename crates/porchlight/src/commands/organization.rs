use domain::PracticeTimeZone;
use storage::{Database, Organization};

use crate::{open_database, settings::Settings};

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

/// A practice's short name, as staff type it at sign-in and the API names it: 2 to 40 lower-case
/// letters, digits and single hyphens, starting with a letter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slug(String);

impl Slug {
    pub fn parse(text: &str) -> Result<Self, String> {
        let problem = if !(2..=40).contains(&text.chars().count()) {
            Some("2 to 40 characters")
        } else if !text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            Some("lower-case letters (a-z), digits and hyphens only")
        } else if !text.starts_with(|c: char| c.is_ascii_lowercase()) {
            Some("a letter first")
        } else if text.ends_with('-') || text.contains("--") {
            Some("no hyphen at the end and no two in a row")
        } else {
            None
        };
        match problem {
            Some(problem) => Err(format!(
                "SLUG: '{text}' is not a short name for a practice: use {problem}, like \
                 'maple-street'"
            )),
            None => Ok(Self(text.to_owned())),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `porchlight org add SLUG --name NAME [--phone PHONE] [--time-zone ZONE]`.
pub async fn add(
    settings: &Settings,
    slug: &str,
    name: &str,
    phone: Option<&str>,
    time_zone: Option<&str>,
) -> anyhow::Result<()> {
    let slug = Slug::parse(slug).map_err(anyhow::Error::msg)?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
        anyhow::bail!("--name: give the practice's name as patients know it (1 to 200 characters)");
    }
    let phone = phone.map(str::trim).filter(|p| !p.is_empty());
    if phone.is_some_and(|p| p.chars().count() > 40 || p.chars().any(char::is_control)) {
        anyhow::bail!("--phone: at most 40 characters, like (555) 010-4477");
    }
    let time_zone = time_zone
        .map(|zone| {
            PracticeTimeZone::parse(zone.trim()).map_err(|e| anyhow::anyhow!("--time-zone: {e}"))
        })
        .transpose()?;
    let db = open_database(settings).await?;
    let added = db
        .add_organization(slug.as_str(), name, phone, time_zone.as_ref())
        .await;
    crate::close_database(&db).await;
    match added? {
        Some(org) => {
            println!("created organization '{}' ({})", org.slug, org.name);
            Ok(())
        }
        None => anyhow::bail!(
            "SLUG: there is already an organization '{}'; `porchlight org list` shows them",
            slug.as_str()
        ),
    }
}

/// `porchlight org list`: one line per organization, tab-separated: slug, name, phone and time
/// zone (`-` where none is set; the server's zone applies then).
pub async fn list(settings: &Settings, out: &mut impl std::io::Write) -> anyhow::Result<()> {
    let db = open_database(settings).await?;
    let listed = async {
        for org in db.organizations().await? {
            let zone = db.practice_time_zone(org.id).await?;
            writeln!(
                out,
                "{}\t{}\t{}\t{}",
                org.slug,
                org.name,
                org.phone.as_deref().unwrap_or("-"),
                zone.as_ref().map_or("-", PracticeTimeZone::name)
            )?;
        }
        anyhow::Ok(())
    }
    .await;
    crate::close_database(&db).await;
    listed
}

#[cfg(test)]
mod tests {
    use super::Slug;

    #[test]
    fn slugs_are_short_lower_case_names() {
        for good in ["oak", "maple-street", "clinic2", "ab"] {
            assert_eq!(Slug::parse(good).unwrap().as_str(), good);
        }
        for (bad, why) in [
            ("a", "2 to 40"),
            (&"a".repeat(41), "2 to 40"),
            ("Oak", "lower-case"),
            ("oak street", "lower-case"),
            ("oak_st", "lower-case"),
            ("2oak", "a letter first"),
            ("-oak", "a letter first"),
            ("oak-", "no hyphen at the end"),
            ("oak--st", "two in a row"),
        ] {
            let error = Slug::parse(bad).unwrap_err();
            assert!(error.contains(why), "{bad}: {error}");
        }
    }
}

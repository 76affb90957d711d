use std::io::BufRead;

use domain::{Role, Username};
use secrecy::SecretString;
use storage::NewStaff;
use web::passwords::PasswordHasher;

use crate::{commands::organization, open_database, settings::Settings};

/// Staff passwords follow the same length rule as patients' (NIST SP 800-63B).
pub const MIN_PASSWORD_CHARS: usize = 12;
pub const MAX_PASSWORD_CHARS: usize = 128;

/// `porchlight staff add USERNAME --role ROLE --password-stdin`.
pub async fn add(
    settings: &Settings,
    username: &str,
    role: &str,
    display_name: Option<&str>,
    org: Option<&str>,
    password: SecretString,
) -> anyhow::Result<()> {
    let username = Username::parse(username).map_err(|e| anyhow::anyhow!("USERNAME: {e}"))?;
    let role: Role = role.parse().map_err(|e| anyhow::anyhow!("--role: {e}"))?;
    check_password(&password)?;
    let db = open_database(settings).await?;
    let organization = organization::choose(&db, org).await?;
    let password_hash = PasswordHasher::new(1).hash(password).await?;
    db.create_staff(NewStaff {
        organization: organization.id,
        username: &username,
        display_name: display_name.unwrap_or(username.as_str()),
        role,
        password_hash: &password_hash,
    })
    .await?;
    println!(
        "created {role} '{username}' in organization '{}'",
        organization.slug
    );
    crate::close_database(&db).await;
    Ok(())
}

/// Reads the password from the first line of standard input.
pub fn read_password(input: impl BufRead) -> anyhow::Result<SecretString> {
    let mut line = String::new();
    let mut input = input;
    input.read_line(&mut line)?;
    let password = line.trim_end_matches(['\n', '\r']);
    if password.is_empty() {
        anyhow::bail!("--password-stdin: no password on standard input");
    }
    Ok(SecretString::from(password.to_owned()))
}

fn check_password(password: &SecretString) -> anyhow::Result<()> {
    use secrecy::ExposeSecret;
    let chars = password.expose_secret().chars().count();
    if chars < MIN_PASSWORD_CHARS {
        anyhow::bail!(
            "the password must have at least {MIN_PASSWORD_CHARS} characters (it has {chars})"
        );
    }
    if chars > MAX_PASSWORD_CHARS {
        anyhow::bail!("the password can have at most {MAX_PASSWORD_CHARS} characters");
    }
    Ok(())
}

use std::fmt;

/// An email address, checked for the shape mail servers accept (not for existence).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Enter an email address like name@example.com.")]
pub struct EmailError;

impl Email {
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let email = input.trim();
        let (local, domain) = email.rsplit_once('@').ok_or(EmailError)?;
        let valid = !local.is_empty()
            && local.len() <= 64
            && email.len() <= 254
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !email.chars().any(|c| c.is_whitespace() || c.is_control())
            && !local.contains('@');
        if !valid {
            return Err(EmailError);
        }
        Ok(Self(format!("{local}@{}", domain.to_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_addresses_and_lowercases_the_domain() {
        assert_eq!(
            Email::parse(" Ana.Rivera@Example.ORG ").unwrap().as_str(),
            "Ana.Rivera@example.org"
        );
    }

    #[test]
    fn refuses_what_is_not_an_address() {
        for bad in [
            "",
            "ana",
            "ana@",
            "@example.org",
            "ana@example",
            "ana rivera@example.org",
            "ana@@x.org",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }
}

use std::fmt;

/// An email address mail can be sent to, checked for the shape SMTP servers take (RFC 5321's
/// `Mailbox` without quoted local parts or address literals), not for existence: a local part
/// of letters, digits and `!#$%&'*+-/=?^_`{|}~` in dot-separated words, an `@`, and a domain
/// name of at least two labels. The domain is kept in lower case.
///
/// Quoted local parts (`"a b"@example.org`) and address literals (`a@[192.0.2.1]`) are valid
/// in the RFC but refused here: patients do not have them, and they are how text that is not
/// an address ("probe@example.org'x<'">y") would slip through to the mail server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

/// What is wrong with a typed email address, in words to show the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("Enter an email address like name@example.com.")]
    Empty,
    #[error("An email address has an @ in it, like name@example.com.")]
    NoAt,
    #[error("An email address has only one @.")]
    TwoAts,
    #[error("An email address cannot have spaces.")]
    Space,
    #[error("An email address cannot have the character {0}.")]
    Character(char),
    #[error("An email address cannot have characters that cannot be typed.")]
    Control,
    #[error("This email address is too long: it can have at most 254 characters.")]
    TooLong,
    #[error("Type the part before the @, like name@example.com.")]
    NoLocalPart,
    #[error("The part before the @ is too long: it can have at most 64 characters.")]
    LocalPartTooLong,
    #[error("The part before the @ cannot start or end with a dot, or have two dots in a row.")]
    Dots,
    #[error(
        "The part before the @ can have only the letters a to z, digits and . _ - + ' characters."
    )]
    NotAscii,
    #[error("After the @ comes the domain, like example.com.")]
    NoDomain,
    #[error("The domain after the @ needs a dot, like example.com.")]
    OneLabel,
    #[error(
        "The domain after the @ can have only letters, digits, dots and hyphens, like example.com."
    )]
    DomainCharacters,
    #[error(
        "The domain after the @ is not right: check for a missing or doubled dot, or a hyphen at the start or end of a part."
    )]
    DomainShape,
}

/// Characters of a local part besides letters and digits (RFC 5322 `atext`).
const ATEXT_SYMBOLS: &str = "!#$%&'*+-/=?^_`{|}~";

/// RFC 5321: a path is at most 256 octets with its angle brackets.
const MOST_OCTETS: usize = 254;
const MOST_LOCAL_OCTETS: usize = 64;
const MOST_LABEL_OCTETS: usize = 63;

impl Email {
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let email = input.trim();
        if email.is_empty() {
            return Err(EmailError::Empty);
        }
        if email.chars().any(char::is_control) {
            return Err(EmailError::Control);
        }
        if email.chars().any(char::is_whitespace) {
            return Err(EmailError::Space);
        }
        // Characters that are never in an address we accept, named: they are what a
        // pasted "Name <address>" or a quoted string brings along.
        if let Some(c) = email.chars().find(|c| "<>\"()[]\\,;:".contains(*c)) {
            return Err(EmailError::Character(c));
        }
        let (local, domain) = match email.split('@').collect::<Vec<_>>().as_slice() {
            [_] => return Err(EmailError::NoAt),
            [local, domain] => (*local, *domain),
            _ => return Err(EmailError::TwoAts),
        };
        if email.len() > MOST_OCTETS {
            return Err(EmailError::TooLong);
        }
        check_local_part(local)?;
        let domain = domain.to_ascii_lowercase();
        check_domain(&domain)?;
        Ok(Self(format!("{local}@{domain}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn check_local_part(local: &str) -> Result<(), EmailError> {
    if local.is_empty() {
        return Err(EmailError::NoLocalPart);
    }
    if local.len() > MOST_LOCAL_OCTETS {
        return Err(EmailError::LocalPartTooLong);
    }
    if let Some(c) = local
        .chars()
        .find(|c| !c.is_ascii_alphanumeric() && *c != '.' && !ATEXT_SYMBOLS.contains(*c))
    {
        return Err(if c.is_ascii() {
            EmailError::Character(c)
        } else {
            EmailError::NotAscii
        });
    }
    if local.split('.').any(str::is_empty) {
        return Err(EmailError::Dots);
    }
    Ok(())
}

fn check_domain(domain: &str) -> Result<(), EmailError> {
    if domain.is_empty() {
        return Err(EmailError::NoDomain);
    }
    if !domain
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
    {
        return Err(
            match domain
                .chars()
                .find(|c| c.is_ascii_punctuation() && *c != '.' && *c != '-')
            {
                Some(c) => EmailError::Character(c),
                None => EmailError::DomainCharacters,
            },
        );
    }
    let labels: Vec<&str> = domain.split('.').collect();
    let well_formed = labels.iter().all(|label| {
        !label.is_empty()
            && label.len() <= MOST_LABEL_OCTETS
            && !label.starts_with('-')
            && !label.ends_with('-')
    });
    if !well_formed {
        return Err(EmailError::DomainShape);
    }
    if labels.len() < 2 {
        return Err(EmailError::OneLabel);
    }
    // A top-level domain is never all digits: "1.2.3.4" is an address, not a domain.
    if labels
        .last()
        .is_some_and(|tld| tld.chars().all(|c| c.is_ascii_digit()))
    {
        return Err(EmailError::DomainShape);
    }
    Ok(())
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
        for good in [
            "o'brien@example.com",
            "lucia+portal@mail.example.co.uk",
            "a_b-c@sub-domain.example.org",
            "x@xn--espaa-rta.es",
            "1234@example.org",
            "user!#$%&*/=?^`{|}~@example.org",
        ] {
            assert!(Email::parse(good).is_ok(), "{good}");
        }
        let longest_local = format!("{}@example.org", "a".repeat(64));
        assert!(Email::parse(&longest_local).is_ok());
    }

    #[test]
    fn refuses_what_is_not_an_address_and_says_why() {
        for (bad, why) in [
            ("", EmailError::Empty),
            ("   ", EmailError::Empty),
            ("ana", EmailError::NoAt),
            ("ana@", EmailError::NoDomain),
            ("@example.org", EmailError::NoLocalPart),
            ("ana@example", EmailError::OneLabel),
            ("ana rivera@example.org", EmailError::Space),
            ("ana@@x.org", EmailError::TwoAts),
            ("ana@b@x.org", EmailError::TwoAts),
            // The probe: quotes and angle brackets after the domain.
            ("probe@example.org'x<'\">y", EmailError::Character('<')),
            ("probe@example.org'x", EmailError::Character('\'')),
            ("Ana <ana@example.org>", EmailError::Space),
            ("<ana@example.org>", EmailError::Character('<')),
            ("\"ana rivera\"@example.org", EmailError::Space),
            ("\"ana\"@example.org", EmailError::Character('"')),
            ("ana@[192.0.2.1]", EmailError::Character('[')),
            ("ana@192.0.2.1", EmailError::DomainShape),
            ("ana,b@example.org", EmailError::Character(',')),
            ("ana;b@example.org", EmailError::Character(';')),
            (".ana@example.org", EmailError::Dots),
            ("ana.@example.org", EmailError::Dots),
            ("an..a@example.org", EmailError::Dots),
            ("ana@example..org", EmailError::DomainShape),
            ("ana@.example.org", EmailError::DomainShape),
            ("ana@example.org.", EmailError::DomainShape),
            ("ana@-example.org", EmailError::DomainShape),
            ("ana@example-.org", EmailError::DomainShape),
            ("ana@exa_mple.org", EmailError::Character('_')),
            ("josé@example.org", EmailError::NotAscii),
            ("ana@españa.es", EmailError::DomainCharacters),
            ("ana\0@example.org", EmailError::Control),
            ("ana@example.org\u{1b}", EmailError::Control),
        ] {
            assert_eq!(Email::parse(bad), Err(why), "{bad:?}");
        }
    }

    #[test]
    fn lengths_follow_rfc_5321() {
        let local = format!("{}@example.org", "a".repeat(65));
        assert_eq!(Email::parse(&local), Err(EmailError::LocalPartTooLong));
        let label = format!("ana@{}.org", "b".repeat(64));
        assert_eq!(Email::parse(&label), Err(EmailError::DomainShape));
        let labels = vec!["c".repeat(60); 5].join(".");
        let long = format!("ana@{labels}.org");
        assert!(long.len() > 254);
        assert_eq!(Email::parse(&long), Err(EmailError::TooLong));
    }

    #[test]
    fn every_error_reads_as_a_sentence() {
        for error in [
            EmailError::Character('<'),
            EmailError::TooLong,
            EmailError::DomainShape,
        ] {
            let words = error.to_string();
            assert!(words.ends_with('.') && words.len() > 20, "{words}");
        }
    }
}

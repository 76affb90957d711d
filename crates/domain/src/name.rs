use std::fmt;

/// A person's name as the chart records it: one or more given names and a family name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName {
    given: Vec<String>,
    family: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("the family name is empty")]
    EmptyFamily,
    #[error("no given name")]
    EmptyGiven,
    #[error("a name part is longer than 200 characters")]
    TooLong,
}

impl PersonName {
    /// Builds a name from its parts, trimming each and collapsing inner runs of spaces.
    pub fn new<I, S>(given: I, family: &str) -> Result<Self, NameError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let family = tidy(family)?;
        if family.is_empty() {
            return Err(NameError::EmptyFamily);
        }
        let mut parts = Vec::new();
        for part in given {
            let part = tidy(part.as_ref())?;
            if !part.is_empty() {
                parts.push(part);
            }
        }
        if parts.is_empty() {
            return Err(NameError::EmptyGiven);
        }
        Ok(Self {
            given: parts,
            family,
        })
    }

    pub fn given(&self) -> &[String] {
        &self.given
    }

    pub fn first_given(&self) -> &str {
        &self.given[0]
    }

    pub fn family(&self) -> &str {
        &self.family
    }
}

fn tidy(part: &str) -> Result<String, NameError> {
    let tidied = part.split_whitespace().collect::<Vec<_>>().join(" ");
    if tidied.chars().count() > 200 {
        return Err(NameError::TooLong);
    }
    Ok(tidied)
}

impl fmt::Display for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.given.join(" "), self.family)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tidies_spaces_and_drops_empty_given_parts() {
        let name = PersonName::new(["  Ana ", "", " María  José"], " García  López ").unwrap();
        assert_eq!(name.given(), ["Ana", "María José"]);
        assert_eq!(name.family(), "García López");
        assert_eq!(name.to_string(), "Ana María José García López");
    }

    #[test]
    fn requires_both_parts() {
        assert_eq!(PersonName::new(["Ana"], "  "), Err(NameError::EmptyFamily));
        assert_eq!(PersonName::new([" "], "Lee"), Err(NameError::EmptyGiven));
    }
}

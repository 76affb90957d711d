use std::{fmt, str::FromStr};

/// What a staff member may do. Kept small: each role maps to a set of pages in the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    FrontDesk,
    Clinician,
    Administrator,
    SecurityOfficer,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown role '{0}': expected one of front-desk, clinician, administrator, security-officer"
)]
pub struct RoleError(String);

impl Role {
    pub const ALL: [Role; 4] = [
        Role::FrontDesk,
        Role::Clinician,
        Role::Administrator,
        Role::SecurityOfficer,
    ];

    /// The name shown to people.
    pub fn label(&self) -> &'static str {
        match self {
            Role::FrontDesk => "Front desk",
            Role::Clinician => "Clinician",
            Role::Administrator => "Administrator",
            Role::SecurityOfficer => "Security officer",
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Role::FrontDesk => "front-desk",
            Role::Clinician => "clinician",
            Role::Administrator => "administrator",
            Role::SecurityOfficer => "security-officer",
        }
    }
}

impl FromStr for Role {
    type Err = RoleError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase().replace('_', "-");
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == wanted)
            .ok_or_else(|| RoleError(s.to_owned()))
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_role_by_its_name() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
        }
        assert_eq!("Front_Desk".parse::<Role>().unwrap(), Role::FrontDesk);
        assert!("janitor".parse::<Role>().is_err());
    }
}

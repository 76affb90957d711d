/// Why a new password was refused. The messages are written for the patient: plain words,
/// one thing to do. `PasswordPolicy::check` reports them in the order declared here.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordProblem {
    #[error("Use at least {min} characters. Yours has {actual}.")]
    TooShort { min: usize, actual: usize },
    #[error("Use no more than {max} characters.")]
    TooLong { max: usize },
    #[error(
        "This password is too common: it appears in lists that attackers try first. Choose another."
    )]
    Common,
    #[error("Your password contains your username. Leave it out.")]
    ContainsUsername,
    #[error(
        "Your password contains your name. Leave it out: it is one of the first things someone would try."
    )]
    ContainsName,
    #[error(
        "Your password contains your date of birth. Leave it out: it is one of the first things someone would try."
    )]
    ContainsBirthDate,
    #[error(
        "Your password is made of repeats or runs, like \"aaaa\" or \"1234\". These are easy to guess."
    )]
    Repetitive,
    #[error("The two passwords are not the same. Type the same password in both boxes.")]
    Mismatch,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_speak_plainly_to_the_patient() {
        assert_eq!(
            PasswordProblem::TooShort { min: 12, actual: 8 }.to_string(),
            "Use at least 12 characters. Yours has 8."
        );
        assert_eq!(
            PasswordProblem::TooLong { max: 128 }.to_string(),
            "Use no more than 128 characters."
        );
        assert_eq!(
            PasswordProblem::Common.to_string(),
            "This password is too common: it appears in lists that attackers try first. \
             Choose another."
        );
        for problem in [
            PasswordProblem::ContainsUsername,
            PasswordProblem::ContainsName,
            PasswordProblem::ContainsBirthDate,
            PasswordProblem::Repetitive,
            PasswordProblem::Mismatch,
        ] {
            let message = problem.to_string();
            assert!(message.ends_with('.'), "{message}");
            assert!(message.len() < 120, "{message}");
        }
    }
}

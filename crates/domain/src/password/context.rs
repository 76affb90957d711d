use jiff::civil::Date;

/// What we know about the person choosing the password, so that a password built from it
/// (their username, name or birth date) can be refused: these are the first guesses of anyone
/// who knows them. Every field is optional; a missing one is simply not checked.
#[derive(Debug, Clone, Copy, Default)]
pub struct PasswordContext<'a> {
    pub username: Option<&'a str>,
    pub given_name: Option<&'a str>,
    pub family_name: Option<&'a str>,
    pub birth_date: Option<Date>,
}

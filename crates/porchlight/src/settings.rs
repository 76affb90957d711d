//! Settings: defaults, then an optional TOML file, then `PORCHLIGHT_*` environment variables,
//! then command-line flags. Every value is checked once here; a bad one stops start-up with a
//! message naming the setting and what it expects.

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
};

use domain::SecretKey;
use figment::{
    Figment,
    providers::{Env, Format, Toml},
};
use serde::{Deserialize, Serialize};

/// The settings as given: every value still a string, so that errors can name them.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSettings {
    pub database_url: Option<String>,
    pub bind: Option<String>,
    pub base_url: Option<String>,
    pub smtp_url: Option<String>,
    pub mail_from: Option<String>,
    pub secret_key: Option<String>,
    pub secret_key_file: Option<String>,
    /// A number: the environment and TOML give it as one, flags as text.
    #[serde(default, deserialize_with = "text_or_number")]
    pub hash_threads: Option<String>,
    /// Days kept (`docs/SECURITY.md`, retention): numbers, like `hash_threads`.
    #[serde(default, deserialize_with = "text_or_number")]
    pub retention_sessions_days: Option<String>,
    #[serde(default, deserialize_with = "text_or_number")]
    pub retention_jobs_days: Option<String>,
    #[serde(default, deserialize_with = "text_or_number")]
    pub retention_device_alerts_days: Option<String>,
    #[serde(default, deserialize_with = "text_or_number")]
    pub retention_mailbox_days: Option<String>,
    #[serde(default, deserialize_with = "text_or_number")]
    pub retention_support_days: Option<String>,
    /// Addresses and networks, separated by commas.
    pub trusted_proxies: Option<String>,
}

/// Reads a value given as text or as a number into its text, so that [`RawSettings::validate`]
/// checks it like every other value (and names the setting when it is wrong).
fn text_or_number<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Given {
        Text(String),
        Whole(i64),
        Fraction(f64),
    }
    Ok(
        Option::<Given>::deserialize(deserializer)?.map(|given| match given {
            Given::Text(text) => text,
            Given::Whole(n) => n.to_string(),
            Given::Fraction(x) => x.to_string(),
        }),
    )
}

/// The settings, checked.
#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: String,
    pub bind: SocketAddr,
    pub base_url: String,
    pub smtp_url: Option<String>,
    /// The sender's address on patients' emails (the practice's name is shown with it).
    pub mail_from: String,
    pub secret_key: SecretKey,
    /// Threads hashing passwords (Argon2id, 19 MiB each): one per core by default, for the
    /// most sign-ins per second. One fewer than the cores leaves a core to page serving, for
    /// steadier page latency while sign-ins saturate the machine (docs/PERFORMANCE.md).
    pub hash_threads: usize,
    /// Proxies whose forwarding headers (`Forwarded`, `X-Forwarded-For`) and request ids are
    /// believed; none by default, when the headers are ignored.
    pub trusted_proxies: web::TrustedProxies,
    /// The bot check's difficulty and waits: set in code, not by the environment (the
    /// defaults suit every deployment; tests lower them).
    pub bot_check: domain::bot_check::BotCheckConfig,
    /// How often the jobs worker looks for due jobs. Not a setting people change: tests
    /// shorten it.
    pub jobs_poll: std::time::Duration,
    /// The wait before a job that failed for a passing reason (the mail server busy) runs
    /// again, doubling with each failure. Not a setting people change: tests shorten it.
    pub jobs_first_retry: jiff::SignedDuration,
    /// How long the jobs worker keeps ended sessions, finished jobs, device alerts and kept
    /// emails.
    pub retention: storage::RetentionPolicy,
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("{setting}: {message}")]
    Invalid {
        setting: &'static str,
        message: String,
    },
    #[error("the settings file {path}: {message}")]
    File { path: PathBuf, message: String },
}

/// The environment variables we read; any other `PORCHLIGHT_*` is probably a typo.
const KNOWN_VARIABLES: [&str; 11] = [
    "PORCHLIGHT_DATABASE_URL",
    "PORCHLIGHT_BIND",
    "PORCHLIGHT_BASE_URL",
    "PORCHLIGHT_SMTP_URL",
    "PORCHLIGHT_MAIL_FROM",
    "PORCHLIGHT_SECRET_KEY",
    "PORCHLIGHT_SECRET_KEY_FILE",
    "PORCHLIGHT_HASH_THREADS",
    "PORCHLIGHT_TRUSTED_PROXIES",
    "PORCHLIGHT_CONFIG",
    "PORCHLIGHT_LOG",
];

/// The retention settings (`PORCHLIGHT_RETENTION_*_DAYS`), read like the first nine above.
const RETENTION_VARIABLES: [&str; 5] = [
    "PORCHLIGHT_RETENTION_SESSIONS_DAYS",
    "PORCHLIGHT_RETENTION_JOBS_DAYS",
    "PORCHLIGHT_RETENTION_DEVICE_ALERTS_DAYS",
    "PORCHLIGHT_RETENTION_MAILBOX_DAYS",
    "PORCHLIGHT_RETENTION_SUPPORT_DAYS",
];

pub const DEFAULT_DATABASE_URL: &str = "sqlite://porchlight-data/porchlight.db";
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
/// Each hashing thread keeps a 19 MiB work area: 64 of them are 1.2 GiB.
const MAX_HASH_THREADS: usize = 64;

/// Environment variables that look like ours but are not read (test-suite ones excepted).
pub fn unknown_variables(vars: impl Iterator<Item = (String, String)>) -> Vec<String> {
    let mut unknown: Vec<String> = vars
        .map(|(name, _)| name)
        .filter(|name| name.starts_with("PORCHLIGHT_") && !name.starts_with("PORCHLIGHT_TEST_"))
        .filter(|name| !KNOWN_VARIABLES.contains(&name.as_str()))
        .filter(|name| !RETENTION_VARIABLES.contains(&name.as_str()))
        .collect();
    unknown.sort();
    unknown
}

impl RawSettings {
    /// Merges the layers: the file (if any), the environment, then `flags`.
    pub fn load(file: Option<&Path>, flags: &RawSettings) -> Result<Self, SettingsError> {
        let mut figment = Figment::new();
        if let Some(path) = file {
            if !path.is_file() {
                return Err(SettingsError::File {
                    path: path.to_owned(),
                    message: "does not exist".to_owned(),
                });
            }
            figment = figment.merge(Toml::file(path));
        }
        let known = |name: &figment::value::UncasedStr| {
            KNOWN_VARIABLES[..9]
                .iter()
                .chain(&RETENTION_VARIABLES)
                .any(|k| k["PORCHLIGHT_".len()..].eq_ignore_ascii_case(name.as_str()))
        };
        figment = figment.merge(Env::prefixed("PORCHLIGHT_").filter(known));
        let mut merged: RawSettings = figment.extract().map_err(|e| SettingsError::File {
            path: file.map(Path::to_owned).unwrap_or_default(),
            message: e.to_string(),
        })?;
        // Flags override only what they set.
        merged.overlay(flags);
        Ok(merged)
    }

    fn overlay(&mut self, flags: &RawSettings) {
        let pick = |mine: &mut Option<String>, theirs: &Option<String>| {
            if theirs.is_some() {
                mine.clone_from(theirs);
            }
        };
        pick(&mut self.database_url, &flags.database_url);
        pick(&mut self.bind, &flags.bind);
        pick(&mut self.base_url, &flags.base_url);
        pick(&mut self.smtp_url, &flags.smtp_url);
        pick(&mut self.mail_from, &flags.mail_from);
        pick(&mut self.secret_key, &flags.secret_key);
        pick(&mut self.secret_key_file, &flags.secret_key_file);
        pick(&mut self.hash_threads, &flags.hash_threads);
        pick(&mut self.trusted_proxies, &flags.trusted_proxies);
    }

    /// Checks every value. The secret key may be created on first use for an embedded SQLite
    /// database (next to it); a PostgreSQL deployment must supply its own.
    pub fn validate(self) -> Result<Settings, SettingsError> {
        let database_url = self
            .database_url
            .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            return Err(invalid(
                "PORCHLIGHT_DATABASE_URL",
                format!(
                    "expected a URL starting with sqlite:// or postgres://, got '{database_url}'"
                ),
            ));
        }
        let bind_text = self.bind.unwrap_or_else(|| DEFAULT_BIND.to_owned());
        let bind: SocketAddr = bind_text.trim().parse().map_err(|_| {
            invalid(
                "PORCHLIGHT_BIND",
                format!("expected an address and port such as 127.0.0.1:8080, got '{bind_text}'"),
            )
        })?;
        let base_url = match self.base_url {
            Some(url) => {
                let url = url.trim().trim_end_matches('/').to_owned();
                let rest = url
                    .strip_prefix("https://")
                    .or_else(|| url.strip_prefix("http://"));
                if rest.is_none_or(|host| host.is_empty() || host.contains(char::is_whitespace)) {
                    return Err(invalid(
                        "PORCHLIGHT_BASE_URL",
                        format!(
                            "expected an address such as https://portal.example.org, got '{url}'"
                        ),
                    ));
                }
                url
            }
            None => format!("http://{bind}"),
        };
        let smtp_url = match self.smtp_url {
            Some(url) if url.starts_with("smtp://") || url.starts_with("smtps://") => Some(url),
            Some(url) => {
                return Err(invalid(
                    "PORCHLIGHT_SMTP_URL",
                    format!("expected a URL such as smtp://127.0.0.1:1025, got '{url}'"),
                ));
            }
            None => None,
        };
        let mail_from = match self.mail_from {
            Some(address) => domain::Email::parse(&address)
                .map_err(|_| {
                    invalid(
                        "PORCHLIGHT_MAIL_FROM",
                        format!(
                            "expected an email address such as portal@example.org, got '{address}'"
                        ),
                    )
                })?
                .to_string(),
            None => default_mail_from(&base_url),
        };
        let hash_threads = match self.hash_threads {
            Some(text) => text
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=MAX_HASH_THREADS).contains(n))
                .ok_or_else(|| {
                    invalid(
                        "PORCHLIGHT_HASH_THREADS",
                        format!(
                            "expected a whole number of threads from 1 to {MAX_HASH_THREADS}, \
                             got '{text}'"
                        ),
                    )
                })?,
            None => std::thread::available_parallelism().map_or(1, |n| n.get()),
        };
        let defaults = storage::RetentionPolicy::default();
        let retention = storage::RetentionPolicy {
            sessions_days: retention_days(
                "PORCHLIGHT_RETENTION_SESSIONS_DAYS",
                self.retention_sessions_days,
                defaults.sessions_days,
            )?,
            jobs_days: retention_days(
                "PORCHLIGHT_RETENTION_JOBS_DAYS",
                self.retention_jobs_days,
                defaults.jobs_days,
            )?,
            device_alerts_days: retention_days(
                "PORCHLIGHT_RETENTION_DEVICE_ALERTS_DAYS",
                self.retention_device_alerts_days,
                defaults.device_alerts_days,
            )?,
            mailbox_days: retention_days(
                "PORCHLIGHT_RETENTION_MAILBOX_DAYS",
                self.retention_mailbox_days,
                defaults.mailbox_days,
            )?,
            support_days: retention_days(
                "PORCHLIGHT_RETENTION_SUPPORT_DAYS",
                self.retention_support_days,
                defaults.support_days,
            )?,
        };
        let trusted_proxies =
            web::TrustedProxies::parse(self.trusted_proxies.as_deref().unwrap_or_default())
                .map_err(|message| invalid("PORCHLIGHT_TRUSTED_PROXIES", message))?;
        let secret_key = load_secret_key(self.secret_key, self.secret_key_file, &database_url)?;
        Ok(Settings {
            database_url,
            bind,
            base_url,
            smtp_url,
            mail_from,
            secret_key,
            hash_threads,
            trusted_proxies,
            bot_check: domain::bot_check::BotCheckConfig::default(),
            jobs_poll: std::time::Duration::from_secs(1),
            jobs_first_retry: storage::Backoff::default().first_delay,
            retention,
        })
    }
}

/// A retention period in whole days, within [`storage::RetentionPolicy::DAYS`].
fn retention_days(
    setting: &'static str,
    given: Option<String>,
    default: u16,
) -> Result<u16, SettingsError> {
    let Some(text) = given else {
        return Ok(default);
    };
    let range = storage::RetentionPolicy::DAYS;
    text.trim()
        .parse::<u16>()
        .ok()
        .filter(|n| range.contains(n))
        .ok_or_else(|| {
            invalid(
                setting,
                format!(
                    "expected a whole number of days from {} to {}, got '{text}'",
                    range.start(),
                    range.end()
                ),
            )
        })
}

/// `portal@` the portal's host name when it has one (`https://portal.example.org` gives
/// `portal@portal.example.org`), else `portal@localhost`.
fn default_mail_from(base_url: &str) -> String {
    let host = base_url
        .split_once("://")
        .map_or(base_url, |(_, rest)| rest)
        .split(['/', ':'])
        .next()
        .unwrap_or_default();
    let is_name = host.contains('.')
        && host.parse::<std::net::IpAddr>().is_err()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    if is_name {
        format!("portal@{}", host.to_ascii_lowercase())
    } else {
        "portal@localhost".to_owned()
    }
}

fn load_secret_key(
    inline: Option<String>,
    file: Option<String>,
    database_url: &str,
) -> Result<SecretKey, SettingsError> {
    let parse = |setting: &'static str, text: &str| {
        SecretKey::parse(text).map_err(|e| invalid(setting, e.to_string()))
    };
    match (inline, file) {
        (Some(_), Some(_)) => Err(invalid(
            "PORCHLIGHT_SECRET_KEY",
            "set either PORCHLIGHT_SECRET_KEY or PORCHLIGHT_SECRET_KEY_FILE, not both".to_owned(),
        )),
        (Some(key), None) => parse("PORCHLIGHT_SECRET_KEY", &key),
        (None, Some(path)) => {
            let text = std::fs::read_to_string(&path).map_err(|e| {
                invalid(
                    "PORCHLIGHT_SECRET_KEY_FILE",
                    format!("cannot read '{path}': {e}"),
                )
            })?;
            parse("PORCHLIGHT_SECRET_KEY_FILE", &text)
        }
        (None, None) => match sqlite_folder(database_url) {
            Some(folder) => generated_key(&folder),
            None => Err(invalid(
                "PORCHLIGHT_SECRET_KEY",
                "required with PostgreSQL: set PORCHLIGHT_SECRET_KEY (at least 32 characters) or \
                 PORCHLIGHT_SECRET_KEY_FILE"
                    .to_owned(),
            )),
        },
    }
}

/// The folder holding an SQLite database file, where its generated key lives.
fn sqlite_folder(database_url: &str) -> Option<PathBuf> {
    let path = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))?;
    let path = path.split('?').next().unwrap_or(path);
    if path.is_empty() || path == ":memory:" {
        return None;
    }
    Some(
        Path::new(path)
            .parent()
            .map(Path::to_owned)
            .unwrap_or_default(),
    )
}

/// Reads `secret.key` in `folder`, creating it (readable by its owner only) on first use.
fn generated_key(folder: &Path) -> Result<SecretKey, SettingsError> {
    let path = folder.join("secret.key");
    let error = |message: String| invalid("PORCHLIGHT_SECRET_KEY_FILE", message);
    if !path.exists() {
        use rand::RngCore;
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        if !folder.as_os_str().is_empty() {
            std::fs::create_dir_all(folder)
                .map_err(|e| error(format!("cannot create {}: {e}", folder.display())))?;
        }
        write_private(&path, &hex::encode(bytes))
            .map_err(|e| error(format!("cannot write {}: {e}", path.display())))?;
        tracing::info!(path = %path.display(), "generated a secret key for this database");
    }
    let text = std::fs::read_to_string(&path)
        .map_err(|e| error(format!("cannot read {}: {e}", path.display())))?;
    SecretKey::parse(&text).map_err(|e| error(format!("{}: {e}", path.display())))
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(contents.as_bytes())
}

fn invalid(setting: &'static str, message: String) -> SettingsError {
    SettingsError::Invalid { setting, message }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw() -> RawSettings {
        RawSettings {
            secret_key: Some("k".repeat(40)),
            ..RawSettings::default()
        }
    }

    #[test]
    fn defaults_are_sqlite_and_localhost() {
        let settings = raw().validate().unwrap();
        assert_eq!(settings.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(settings.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(settings.base_url, "http://127.0.0.1:8080");
        let cores = std::thread::available_parallelism().unwrap().get();
        assert_eq!(settings.hash_threads, cores);
        let one = RawSettings {
            hash_threads: Some(" 1 ".into()),
            ..raw()
        };
        assert_eq!(one.validate().unwrap().hash_threads, 1);
    }

    #[test]
    fn bad_values_name_their_setting() {
        let cases = [
            RawSettings {
                bind: Some("localhost".into()),
                ..raw()
            },
            RawSettings {
                database_url: Some("mysql://x".into()),
                ..raw()
            },
            RawSettings {
                base_url: Some("portal.example.org".into()),
                ..raw()
            },
            RawSettings {
                smtp_url: Some("127.0.0.1:25".into()),
                ..raw()
            },
            RawSettings {
                secret_key: Some("short".into()),
                ..raw()
            },
            RawSettings {
                mail_from: Some("the clinic".into()),
                ..raw()
            },
            RawSettings {
                hash_threads: Some("0".into()),
                ..raw()
            },
            RawSettings {
                hash_threads: Some("all".into()),
                ..raw()
            },
            RawSettings {
                retention_sessions_days: Some("0".into()),
                ..raw()
            },
            RawSettings {
                retention_jobs_days: Some("a month".into()),
                ..raw()
            },
            RawSettings {
                retention_device_alerts_days: Some("3651".into()),
                ..raw()
            },
            RawSettings {
                retention_mailbox_days: Some("-1".into()),
                ..raw()
            },
            RawSettings {
                retention_support_days: Some("0".into()),
                ..raw()
            },
        ];
        let expected = [
            "PORCHLIGHT_BIND",
            "PORCHLIGHT_DATABASE_URL",
            "PORCHLIGHT_BASE_URL",
            "PORCHLIGHT_SMTP_URL",
            "PORCHLIGHT_SECRET_KEY",
            "PORCHLIGHT_MAIL_FROM",
            "PORCHLIGHT_HASH_THREADS",
            "PORCHLIGHT_HASH_THREADS",
            "PORCHLIGHT_RETENTION_SESSIONS_DAYS",
            "PORCHLIGHT_RETENTION_JOBS_DAYS",
            "PORCHLIGHT_RETENTION_DEVICE_ALERTS_DAYS",
            "PORCHLIGHT_RETENTION_MAILBOX_DAYS",
            "PORCHLIGHT_RETENTION_SUPPORT_DAYS",
        ];
        for (case, setting) in cases.into_iter().zip(expected) {
            let message = case.validate().unwrap_err().to_string();
            assert!(message.starts_with(setting), "{message}");
        }
    }

    #[test]
    fn trusted_proxies_are_none_by_default_and_a_bad_entry_is_named() {
        assert!(raw().validate().unwrap().trusted_proxies.is_empty());
        let set = RawSettings {
            trusted_proxies: Some("10.0.0.0/8, 192.0.2.1".into()),
            ..raw()
        };
        assert!(!set.validate().unwrap().trusted_proxies.is_empty());
        let bad = RawSettings {
            trusted_proxies: Some("10.0.0.0/8, the-proxy".into()),
            ..raw()
        };
        let message = bad.validate().unwrap_err().to_string();
        assert!(
            message.starts_with("PORCHLIGHT_TRUSTED_PROXIES: 'the-proxy' is neither"),
            "{message}"
        );
    }

    /// The environment and TOML files give numbers as numbers: they are read, and checked.
    #[test]
    fn hash_threads_is_read_from_a_file_as_a_number() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("porchlight.toml");
        std::fs::write(&path, "hash_threads = 3\n").unwrap();
        let loaded = RawSettings::load(Some(&path), &raw()).unwrap();
        assert_eq!(loaded.hash_threads.as_deref(), Some("3"));
        assert_eq!(loaded.validate().unwrap().hash_threads, 3);
        std::fs::write(&path, "hash_threads = 0\n").unwrap();
        let message = RawSettings::load(Some(&path), &raw())
            .unwrap()
            .validate()
            .unwrap_err()
            .to_string();
        assert!(message.starts_with("PORCHLIGHT_HASH_THREADS"), "{message}");
        std::fs::write(&path, "hash_threads = 2.5\n").unwrap();
        let message = RawSettings::load(Some(&path), &raw())
            .unwrap()
            .validate()
            .unwrap_err()
            .to_string();
        assert!(message.contains("got '2.5'"), "{message}");
    }

    #[test]
    fn retention_periods_default_and_are_read_from_a_file() {
        assert_eq!(
            raw().validate().unwrap().retention,
            storage::RetentionPolicy::default()
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("porchlight.toml");
        std::fs::write(
            &path,
            "retention_sessions_days = 7\nretention_mailbox_days = \"365\"\nretention_support_days = 90\n",
        )
        .unwrap();
        let retention = RawSettings::load(Some(&path), &raw())
            .unwrap()
            .validate()
            .unwrap()
            .retention;
        assert_eq!(retention.sessions_days, 7);
        assert_eq!(retention.mailbox_days, 365);
        assert_eq!(retention.support_days, 90);
        assert_eq!(
            retention.jobs_days,
            storage::RetentionPolicy::default().jobs_days
        );
        let message = RawSettings {
            retention_jobs_days: Some("0".into()),
            ..raw()
        }
        .validate()
        .unwrap_err()
        .to_string();
        assert_eq!(
            message,
            "PORCHLIGHT_RETENTION_JOBS_DAYS: expected a whole number of days from 1 to 3650, \
             got '0'"
        );
        let vars = [("PORCHLIGHT_RETENTION_DEVICE_ALERTS_DAYS", "30")]
            .map(|(k, v)| (k.to_owned(), v.to_owned()));
        assert!(unknown_variables(vars.into_iter()).is_empty());
    }

    #[test]
    fn the_sender_defaults_to_the_portal_s_host() {
        assert_eq!(raw().validate().unwrap().mail_from, "portal@localhost");
        let named = RawSettings {
            base_url: Some("https://Portal.Example.org/".into()),
            ..raw()
        };
        assert_eq!(
            named.validate().unwrap().mail_from,
            "portal@portal.example.org"
        );
        let given = RawSettings {
            mail_from: Some(" Front.Desk@Clinic.example ".into()),
            ..raw()
        };
        assert_eq!(
            given.validate().unwrap().mail_from,
            "Front.Desk@clinic.example"
        );
    }

    #[test]
    fn postgres_needs_a_key() {
        let settings = RawSettings {
            database_url: Some("postgres://localhost/p".into()),
            ..RawSettings::default()
        };
        let message = settings.validate().unwrap_err().to_string();
        assert!(message.contains("required with PostgreSQL"), "{message}");
    }

    #[test]
    fn sqlite_key_is_generated_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/p.db", dir.path().display());
        let settings = || RawSettings {
            database_url: Some(url.clone()),
            ..RawSettings::default()
        };
        let first = settings().validate().unwrap().secret_key;
        let second = settings().validate().unwrap().secret_key;
        assert_eq!(first.keyed_hash("t", "1"), second.keyed_hash("t", "1"));
        assert!(dir.path().join("secret.key").exists());
    }

    #[test]
    fn unknown_variables_are_found_by_name() {
        let vars = [
            ("PORCHLIGHT_DATABSE_URL", "x"),
            ("PORCHLIGHT_BIND", "x"),
            ("PORCHLIGHT_TEST_POSTGRES_URL", "x"),
            ("HOME", "x"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()));
        assert_eq!(
            unknown_variables(vars.into_iter()),
            ["PORCHLIGHT_DATABSE_URL"]
        );
    }
}

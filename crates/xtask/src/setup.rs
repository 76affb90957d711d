//! What the test suite needs from the machine, found (or installed, for npm's tools) before it
//! runs, and what is skipped when something is missing.
//!
//! Each optional part is decided here and handed to `cargo test` as an environment variable
//! that `crates/porchlight/build.rs` reads too (an empty value means "off"), so a part found
//! later (a browser installed, PostgreSQL started, the shared data put beside the project)
//! changes the variable and is picked up at the next run without `cargo clean`. A part found
//! where `build.rs` looks by itself is left to it: the same variables as a plain `cargo test`
//! keep the two from rebuilding the test binary each time one follows the other.

use std::{
    io::{Read, Write},
    net::{SocketAddr, TcpStream},
    path::{Path, PathBuf},
    process::Command,
    time::{Duration, SystemTime},
};

/// What the set-up decided: the variables for `cargo test`, and the parts skipped with why.
#[derive(Debug, Default)]
pub struct Plan {
    pub env: Vec<(&'static str, String)>,
    pub skipped: Vec<String>,
}

pub const POSTGRES_VAR: &str = "PORCHLIGHT_TEST_POSTGRES_URL";
pub const CHROMEDRIVER_VAR: &str = "PORCHLIGHT_TEST_CHROMEDRIVER";
pub const CHROMIUM_VAR: &str = "PORCHLIGHT_TEST_CHROMIUM";
pub const SYNTHEA_VAR: &str = "PORCHLIGHT_TEST_SYNTHEA_DIR";

/// Where `build.rs` and the browser tests look when their variables are not set.
const USUAL_DRIVER: &str = "/usr/bin/chromedriver";
const USUAL_CHROMIUM: &str = "/usr/bin/chromium";

/// Where the tests look for PostgreSQL when no URL is given (what `.ci/run` starts).
const LOCAL_POSTGRES: &str = "127.0.0.1:5432";
const LOCAL_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Runs `npm ci` when `node_modules` is missing or older than `package-lock.json`: the
/// tests' SMTP sink (maildev) and axe-core come from there.
pub fn npm_tools(root: &Path) -> Result<(), String> {
    let lock = root.join("package-lock.json");
    let installed = root.join("node_modules");
    // npm ci writes this file last; the folder's own time changes less reliably.
    let marker = installed.join(".package-lock.json");
    let reason = match (
        modified(&lock),
        modified(&marker).or_else(|| modified(&installed)),
    ) {
        (_, None) => "node_modules is missing",
        (Some(lock), Some(tools)) if tools < lock => "node_modules is older than package-lock.json",
        _ => return Ok(()),
    };
    say(&format!(
        "npm ci: {reason}; installing the tests' tools (maildev, axe-core)"
    ));
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(root)
        .status()
        .map_err(|e| {
            format!(
                "cannot run npm ({e}): install Node.js and npm (Debian: apt-get install npm); \
                 the tests' SMTP sink and axe-core come from npm"
            )
        })?;
    if !status.success() {
        return Err(format!("npm ci failed ({status})"));
    }
    Ok(())
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// Chromium and chromedriver, for the browser tests.
pub fn browser(plan: &mut Plan) {
    let driver = program(CHROMEDRIVER_VAR, USUAL_DRIVER, "chromedriver");
    let chromium = program(CHROMIUM_VAR, USUAL_CHROMIUM, "chromium");
    match (driver, chromium) {
        (Some(driver), Some(chromium)) => {
            say(&format!(
                "browser tests: {} with {}",
                chromium.display(),
                driver.display()
            ));
            pass_unless_usual(plan, CHROMEDRIVER_VAR, &driver, USUAL_DRIVER);
            pass_unless_usual(plan, CHROMIUM_VAR, &chromium, USUAL_CHROMIUM);
        }
        (driver, chromium) => {
            let missing: Vec<&str> = [("chromedriver", &driver), ("chromium", &chromium)]
                .into_iter()
                .filter(|(_, found)| found.is_none())
                .map(|(name, _)| name)
                .collect();
            plan.skipped.push(format!(
                "browser tests skipped: install Debian's chromium and chromium-driver (not found: {})",
                missing.join(", ")
            ));
            plan.env.push((CHROMEDRIVER_VAR, String::new()));
        }
    }
}

/// Sets `var` to `found` unless `build.rs` finds it by itself: at its usual place with the
/// variable unset (set, it reaches cargo anyway).
fn pass_unless_usual(plan: &mut Plan, var: &'static str, found: &Path, usual: &str) {
    if std::env::var_os(var).is_none() && found != Path::new(usual) {
        plan.env.push((var, path_text(found)));
    }
}

/// A program from its variable (when set; empty means "none"), its usual place, or `PATH`.
fn program(var: &str, usual: &str, name: &str) -> Option<PathBuf> {
    if let Some(value) = std::env::var_os(var) {
        let path = PathBuf::from(value);
        return (!path.as_os_str().is_empty() && path.is_file()).then_some(path);
    }
    if Path::new(usual).is_file() {
        return Some(PathBuf::from(usual));
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|path| path.is_file())
}

fn path_text(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// PostgreSQL: the URL given, else the local server as user `postgres` when it lets that
/// user in without a password (as `.ci/run` sets it up).
pub fn postgres(plan: &mut Plan) {
    match std::env::var(POSTGRES_VAR) {
        Ok(url) if url.is_empty() => plan.skipped.push(format!(
            "PostgreSQL half skipped: {POSTGRES_VAR} is set empty"
        )),
        Ok(url) => {
            say(&format!("PostgreSQL half: {}", without_password(&url)));
            plan.env.push((POSTGRES_VAR, url));
        }
        Err(_) => match probe_postgres(LOCAL_POSTGRES) {
            Ok(()) => {
                say(&format!(
                    "PostgreSQL half: {LOCAL_POSTGRES_URL} (it answered on {LOCAL_POSTGRES})"
                ));
                plan.env.push((POSTGRES_VAR, LOCAL_POSTGRES_URL.to_owned()));
            }
            Err(why) => plan.skipped.push(format!(
                "PostgreSQL half skipped: {why}; start PostgreSQL there (trusting user postgres \
                 from 127.0.0.1) or set {POSTGRES_VAR}=postgres://USER:PASSWORD@HOST:PORT/postgres"
            )),
        },
    }
}

/// `postgres://user:secret@host/db` as `postgres://user:***@host/db`, for printing.
fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((credentials, host)) = rest.split_once('@') else {
        return url.to_owned();
    };
    match credentials.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

/// Opens a session as user `postgres` on database `postgres` with PostgreSQL's own protocol
/// (no client program needed): `Ok` when the server lets that user in without a password.
fn probe_postgres(addr: &str) -> Result<(), String> {
    let socket: SocketAddr = addr.parse().map_err(|e| format!("{addr}: {e}"))?;
    let mut stream = TcpStream::connect_timeout(&socket, Duration::from_secs(2))
        .map_err(|e| format!("nothing answers on {addr} ({e})"))?;
    let timeout = Some(Duration::from_secs(5));
    stream
        .set_read_timeout(timeout)
        .and_then(|()| stream.set_write_timeout(timeout))
        .map_err(|e| format!("{addr}: {e}"))?;
    stream
        .write_all(&startup_message("postgres", "postgres"))
        .map_err(|e| format!("{addr} closed the connection ({e})"))?;
    loop {
        let (tag, body) = read_message(&mut stream)
            .map_err(|e| format!("{addr} does not answer as PostgreSQL ({e})"))?;
        match tag {
            // Authentication: 0 is "you are in"; anything else asks for a password.
            b'R' if body.get(..4) == Some(&[0, 0, 0, 0]) => {}
            b'R' => return Err(format!("{addr} asks user postgres for a password")),
            b'E' => {
                return Err(format!(
                    "{addr} refuses user postgres ({})",
                    error_message(&body)
                ));
            }
            // Ready for query: the session is open. Say goodbye (Terminate).
            b'Z' => {
                let _ = stream.write_all(&[b'X', 0, 0, 0, 4]);
                return Ok(());
            }
            // Parameter status, backend key data, notices: read on.
            _ => {}
        }
    }
}

/// The protocol 3.0 start-up message.
fn startup_message(user: &str, database: &str) -> Vec<u8> {
    let mut body = 196_608u32.to_be_bytes().to_vec();
    for (key, value) in [("user", user), ("database", database)] {
        body.extend_from_slice(key.as_bytes());
        body.push(0);
        body.extend_from_slice(value.as_bytes());
        body.push(0);
    }
    body.push(0);
    let mut message = u32::try_from(body.len() + 4)
        .expect("a short message")
        .to_be_bytes()
        .to_vec();
    message.extend(body);
    message
}

fn read_message(stream: &mut TcpStream) -> std::io::Result<(u8, Vec<u8>)> {
    let mut header = [0u8; 5];
    stream.read_exact(&mut header)?;
    let length = u32::from_be_bytes([header[1], header[2], header[3], header[4]]) as usize;
    if !(4..=1 << 20).contains(&length) {
        return Err(std::io::Error::other("a message of an impossible length"));
    }
    let mut body = vec![0; length - 4];
    stream.read_exact(&mut body)?;
    Ok((header[0], body))
}

/// The `M` (message) field of an ErrorResponse.
fn error_message(body: &[u8]) -> String {
    body.split(|b| *b == 0)
        .find_map(|field| field.strip_prefix(b"M"))
        .map(|m| String::from_utf8_lossy(m).into_owned())
        .unwrap_or_else(|| "no reason given".to_owned())
}

/// The shared Synthea patients some import tests compare with their published counts.
/// (`build.rs` finds the usual folder by itself; a variable set reaches cargo anyway.)
pub fn synthea(plan: &mut Plan, root: &Path) {
    let dir = match std::env::var_os(SYNTHEA_VAR) {
        Some(value) if value.is_empty() => None,
        Some(value) => Some(PathBuf::from(value)),
        None => Some(root.join("../shared/data/synthea-r4")),
    };
    match dir.filter(|d| d.is_dir()) {
        Some(dir) => {
            let dir = dir.canonicalize().unwrap_or(dir);
            say(&format!("Synthea tests: {}", dir.display()));
        }
        None => {
            let shown = std::env::var(SYNTHEA_VAR)
                .ok()
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| "../shared/data/synthea-r4".to_owned());
            plan.skipped.push(format!(
                "Synthea tests skipped: {shown} is missing (the shared synthetic patients \
                 beside the project; every other test uses the project's own generator)"
            ));
            plan.env.push((SYNTHEA_VAR, String::new()));
        }
    }
}

/// A line of the xtask's own, told apart from what cargo prints.
pub fn say(message: &str) {
    println!("xtask: {message}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_not_printed() {
        assert_eq!(
            without_password("postgres://u:hunter2@db:5432/postgres"),
            "postgres://u:***@db:5432/postgres"
        );
        assert_eq!(
            without_password("postgres://postgres@127.0.0.1:5432/postgres"),
            "postgres://postgres@127.0.0.1:5432/postgres"
        );
    }

    #[test]
    fn the_startup_message_has_its_length_first() {
        let message = startup_message("postgres", "postgres");
        let length = u32::from_be_bytes(message[..4].try_into().unwrap()) as usize;
        assert_eq!(length, message.len());
        assert_eq!(&message[4..8], &[0, 3, 0, 0], "protocol 3.0");
        assert!(message.ends_with(b"database\0postgres\0\0"));
    }

    /// A one-connection server on a free port that answers the start-up with `reply`.
    fn server_answering(reply: Vec<u8>) -> String {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut startup = [0u8; 256];
            let _ = stream.read(&mut startup);
            let _ = stream.write_all(&reply);
        });
        addr
    }

    fn message(tag: u8, body: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        out.extend(u32::try_from(body.len() + 4).unwrap().to_be_bytes());
        out.extend(body);
        out
    }

    #[test]
    fn a_server_that_lets_postgres_in_is_used() {
        let mut reply = message(b'R', &[0, 0, 0, 0]);
        reply.extend(message(b'S', b"server_version\x0017\x00"));
        reply.extend(message(b'Z', b"I"));
        assert_eq!(probe_postgres(&server_answering(reply)), Ok(()));
    }

    #[test]
    fn a_password_or_a_refusal_or_silence_is_a_reason_to_skip() {
        let password = probe_postgres(&server_answering(message(b'R', &[0, 0, 0, 10])));
        assert!(
            password
                .unwrap_err()
                .contains("asks user postgres for a password")
        );

        let refused = message(b'E', b"SFATAL\0Mrole \"postgres\" does not exist\0\0");
        let refused = probe_postgres(&server_answering(refused)).unwrap_err();
        assert!(
            refused.contains("role \"postgres\" does not exist"),
            "{refused}"
        );

        let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = free.local_addr().unwrap().to_string();
        drop(free);
        let nothing = probe_postgres(&addr).unwrap_err();
        assert!(
            nothing.starts_with(&format!("nothing answers on {addr}")),
            "{nothing}"
        );
    }

    #[test]
    fn reads_the_message_of_an_error_response() {
        let body = b"SFATAL\0C28000\0Mno pg_hba.conf entry for host\0\0";
        assert_eq!(error_message(body), "no pg_hba.conf entry for host");
    }
}

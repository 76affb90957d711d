//! The API contract, after the tests: the `porchlight` binary serves a demo practice on a
//! temporary SQLite database, and `api_contract.py` validates its OpenAPI document
//! (openapi-spec-validator) and runs schemathesis against it without a session, with a
//! patient's and with an administrator's (see that script). Skipped, with the reason, when
//! Python lacks either package, when only part of the suite was asked for, or when
//! `PORCHLIGHT_TEST_CONTRACT` is set empty.

use std::{
    io::{BufRead, BufReader},
    net::{TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use crate::setup::say;

pub const CONTRACT_VAR: &str = "PORCHLIGHT_TEST_CONTRACT";
/// The versions `.ci/run` installs.
pub const PACKAGES: &str = "schemathesis==4.32.5 openapi-spec-validator==0.9.0";

/// What came of the contract run.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Passed,
    Failed(String),
    Skipped(String),
}

/// Why the contract run is skipped, if it is: set empty on purpose, only part of the suite
/// asked for (arguments name tests or packages), or Python without the tools.
pub fn reason_to_skip(args: &[String]) -> Option<String> {
    if !args.is_empty() {
        return Some(
            "API contract skipped: it runs with the whole suite only (arguments were given)"
                .to_owned(),
        );
    }
    if std::env::var_os(CONTRACT_VAR).is_some_and(|v| v.is_empty()) {
        return Some(format!("API contract skipped: {CONTRACT_VAR} is set empty"));
    }
    let probe = Command::new("python3")
        .args(["-c", "import schemathesis, openapi_spec_validator"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    match probe {
        Ok(status) if status.success() => None,
        Ok(_) => Some(format!(
            "API contract skipped: python3 lacks schemathesis or openapi-spec-validator \
             (pip install {PACKAGES})"
        )),
        Err(error) => Some(format!(
            "API contract skipped: python3 cannot be run ({error}); install Python 3 and \
             pip install {PACKAGES}"
        )),
    }
}

/// Builds the binary, serves the demo, runs the script, stops the server.
pub fn run(root: &Path, clean_env: &[std::ffi::OsString]) -> Outcome {
    match run_inner(root, clean_env) {
        Ok(true) => Outcome::Passed,
        Ok(false) => Outcome::Failed("see api-contract's output above".to_owned()),
        Err(error) => Outcome::Failed(error),
    }
}

fn run_inner(root: &Path, clean_env: &[std::ffi::OsString]) -> Result<bool, String> {
    say("API contract: building porchlight");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut build = Command::new(cargo);
    build
        .args(["build", "-p", "porchlight", "--bin", "porchlight"])
        .current_dir(root);
    for name in clean_env {
        build.env_remove(name);
    }
    let built = build
        .status()
        .map_err(|e| format!("cannot run cargo build: {e}"))?;
    if !built.success() {
        return Err(format!("cargo build failed ({built})"));
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|dir| {
            if dir.is_relative() {
                root.join(dir)
            } else {
                dir
            }
        })
        .unwrap_or_else(|| root.join("target"));
    let binary = target.join("debug").join("porchlight");

    let dir = std::env::temp_dir().join(format!("porchlight-contract-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot make {}: {e}", dir.display()))?;
    let outcome = serve_and_check(root, &binary, &dir, &target);
    let _ = std::fs::remove_dir_all(&dir);
    outcome
}

fn serve_and_check(root: &Path, binary: &Path, dir: &Path, target: &Path) -> Result<bool, String> {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| format!("no free port: {e}"))?
        .port();
    let bind = format!("127.0.0.1:{port}");
    let mut server = Command::new(binary);
    server.args(["demo", "--patients", "60"]);
    // The user's own settings do not reach the demo: it is this run's alone.
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("PORCHLIGHT_") {
            server.env_remove(name);
        }
    }
    let mut server = Server(
        server
            .env(
                "PORCHLIGHT_DATABASE_URL",
                format!("sqlite://{}", dir.join("porchlight.db").display()),
            )
            .env("PORCHLIGHT_BIND", &bind)
            .env("PORCHLIGHT_LOG", "warn")
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", binary.display()))?,
    );
    let stdout = server.0.stdout.take().expect("stdout is piped");
    let mut lines = BufReader::new(stdout).lines();
    // The demo prints `  administrator  admin / PASSWORD` once its data is ready.
    let (username, password) = loop {
        match lines.next() {
            Some(Ok(line)) => {
                if let Some(sign_in) = line.trim().strip_prefix("administrator")
                    && let Some((user, password)) = sign_in.trim().split_once(" / ")
                {
                    break (user.trim().to_owned(), password.trim().to_owned());
                }
            }
            _ => return Err("the demo stopped before printing the administrator's sign-in".into()),
        }
    };
    // Keep reading what it prints, so that it never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    let started = Instant::now();
    while TcpStream::connect(&bind).is_err() {
        if started.elapsed() > Duration::from_secs(60) {
            return Err(format!("the demo does not answer on {bind}"));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    say(&format!("API contract: demo portal on http://{bind}"));
    let status = Command::new("python3")
        .arg(root.join("crates/xtask/api_contract.py"))
        .args([format!("http://{bind}"), username, password])
        .env("PORCHLIGHT_CONTRACT_REPORTS", target.join("api-contract"))
        .current_dir(root)
        .status()
        .map_err(|e| format!("cannot run python3: {e}"))?;
    Ok(status.success())
}

/// The demo server, stopped when dropped (also when the run fails half-way).
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partial_run_skips_the_contract() {
        let reason = reason_to_skip(&["--".to_owned(), "enrollment::".to_owned()]);
        assert!(
            reason.is_some_and(|r| r.contains("whole suite only")),
            "arguments name part of the suite"
        );
    }
}

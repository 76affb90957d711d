//! `cargo xtask test`: the README's test command. It sets up what the suite needs (npm's
//! tools), finds what is optional (Chromium, PostgreSQL, the shared Synthea data), runs
//! `cargo test --workspace` with what it found, and ends with a plain summary: what was
//! skipped and why, then `tests: N passed, N failed, N skipped`. Its exit code is cargo's,
//! or 1 when the API contract run after the tests (`contract`) failed.

mod contract;
mod setup;
mod summary;

use std::{
    io::{Read, Write},
    path::{Path, PathBuf},
    process::{Command, ExitCode, Stdio},
};

use contract::Outcome;
use setup::{Plan, say};
use summary::Summary;

const USAGE: &str = "\
usage: cargo xtask test [ARGS...]
       cargo xtask contract
       cargo xtask help-pictures

Sets up what the tests need, runs `cargo test --workspace --no-fail-fast ARGS...`, and
summarises. Examples:
  cargo xtask test
  cargo xtask test -- enrollment::        (only tests whose names contain enrollment::)

`contract` runs only the API contract check that follows the whole suite: the OpenAPI
document validated, then schemathesis against a demo portal (needs python3 with
schemathesis and openapi-spec-validator).

`help-pictures` copies the screenshots that the help guides show from the browser tests'
target/screenshots/ into crates/web/static/help/ (run the browser tests first).";

/// The help guides' pictures (crates/web/static/help/) and the browser tests' screenshots
/// they are copied from.
const HELP_PICTURES: [(&str, &str); 6] = [
    ("en-menu.png", "home-menu-open-phone.png"),
    ("es-menu.png", "es-home-menu-open-phone.png"),
    ("en-record.png", "record-index-phone.png"),
    ("es-record.png", "es-record-index-phone.png"),
    ("en-result-trend.png", "en-result-trend-phone-chart.png"),
    ("es-result-trend.png", "es-result-trend-phone-chart.png"),
];

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    match args.next().as_deref() {
        Some("test") => test(&args.collect::<Vec<_>>()),
        Some("contract") => contract_only(),
        Some("help-pictures") => help_pictures(),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        other => {
            if let Some(other) = other {
                eprintln!("unknown command '{other}'\n");
            }
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// Copies the help guides' pictures from the browser tests' screenshots.
fn help_pictures() -> ExitCode {
    let root = workspace_root();
    let from = root.join("target/screenshots");
    let to = root.join("crates/web/static/help");
    for (picture, screenshot) in HELP_PICTURES {
        if let Err(error) = std::fs::copy(from.join(screenshot), to.join(picture)) {
            eprintln!(
                "could not copy {screenshot} to {picture}: {error} (run the browser tests first: \
                 cargo xtask test -- in_the_browser)"
            );
            return ExitCode::FAILURE;
        }
        println!("{picture} <- target/screenshots/{screenshot}");
    }
    ExitCode::SUCCESS
}

/// The workspace's root: two folders up from this crate.
fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .nth(2)
        .map(Path::to_owned)
        .unwrap_or_else(|| manifest.to_owned())
}

fn test(args: &[String]) -> ExitCode {
    let root = workspace_root();
    if let Err(error) = setup::npm_tools(&root) {
        eprintln!("xtask: {error}");
        return ExitCode::FAILURE;
    }
    let mut plan = Plan::default();
    setup::browser(&mut plan);
    setup::postgres(&mut plan);
    setup::synthea(&mut plan, &root);
    for skipped in &plan.skipped {
        say(skipped);
    }

    let skip_contract = contract::reason_to_skip(args);
    if let Some(reason) = &skip_contract {
        say(reason);
    }

    let (code, summary) = match run_cargo_test(&root, &plan, args) {
        Ok(outcome) => outcome,
        Err(error) => {
            eprintln!("xtask: cannot run cargo test: {error}");
            return ExitCode::FAILURE;
        }
    };
    let contract = match skip_contract {
        Some(reason) => Outcome::Skipped(reason),
        None => contract::run(&root, &variables_of_cargo_run()),
    };
    print_summary(&plan, &summary, code, &contract);
    let code = match (code, &contract) {
        (0, Outcome::Failed(_)) => 1,
        (code, _) => code,
    };
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

/// `cargo xtask contract`: the API contract check alone.
fn contract_only() -> ExitCode {
    let outcome = match contract::reason_to_skip(&[]) {
        Some(reason) => Outcome::Skipped(reason),
        None => contract::run(&workspace_root(), &variables_of_cargo_run()),
    };
    match outcome {
        Outcome::Passed => {
            say("API contract: passed");
            ExitCode::SUCCESS
        }
        Outcome::Failed(why) => {
            say(&format!("API contract: FAILED ({why})"));
            ExitCode::FAILURE
        }
        Outcome::Skipped(reason) => {
            say(&reason);
            ExitCode::FAILURE
        }
    }
}

/// Runs the suite with the plan's variables, passing its output through as it comes while
/// reading it for the summary. Answers cargo's exit code.
fn run_cargo_test(root: &Path, plan: &Plan, args: &[String]) -> std::io::Result<(i32, Summary)> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command.arg("test");
    // A chosen package replaces the whole workspace.
    if !args
        .iter()
        .take_while(|a| *a != "--")
        .any(|a| a == "-p" || a.starts_with("--package"))
    {
        command.arg("--workspace");
    }
    // Every test binary runs even when an earlier one fails, so the summary counts them all.
    command
        .arg("--no-fail-fast")
        .args(args)
        .current_dir(root)
        .envs(plan.env.iter().map(|(k, v)| (k, v)))
        .stdout(Stdio::piped());
    for name in variables_of_cargo_run() {
        command.env_remove(name);
    }
    say(&format!(
        "cargo test {}",
        command
            .get_args()
            .skip(1)
            .map(|a| a.to_string_lossy())
            .collect::<Vec<_>>()
            .join(" ")
    ));
    let mut child = command.spawn()?;
    let mut stdout = child.stdout.take().expect("stdout is piped");
    let mut summary = Summary::default();
    let mut pending = Vec::new();
    let mut buffer = [0u8; 8192];
    let mut out = std::io::stdout();
    loop {
        let read = stdout.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        // Shown as it comes (a test's "test x ... " appears before its "ok").
        out.write_all(&buffer[..read])?;
        out.flush()?;
        pending.extend_from_slice(&buffer[..read]);
        while let Some(end) = pending.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = pending.drain(..=end).collect();
            summary.read_line(&String::from_utf8_lossy(&line));
        }
    }
    if !pending.is_empty() {
        summary.read_line(&String::from_utf8_lossy(&pending));
    }
    let status = child.wait()?;
    Ok((status.code().unwrap_or(1), summary))
}

/// The variables `cargo run` gave this program about itself (`CARGO_PKG_NAME`,
/// `CARGO_MANIFEST_DIR`, ...). Passed on, they would differ from a plain `cargo test`'s, and
/// build scripts that watch them (ring's does) would run again, rebuilding half the
/// dependencies each time one switches between the two.
fn variables_of_cargo_run() -> Vec<std::ffi::OsString> {
    std::env::vars_os()
        .map(|(name, _)| name)
        .filter(|name| {
            let name = name.to_string_lossy();
            name.starts_with("CARGO_PKG_")
                || [
                    "CARGO_MANIFEST_DIR",
                    "CARGO_MANIFEST_PATH",
                    "CARGO_MANIFEST_LINKS",
                    "CARGO_CRATE_NAME",
                    "CARGO_BIN_NAME",
                    "CARGO_PRIMARY_PACKAGE",
                    "OUT_DIR",
                ]
                .contains(&name.as_ref())
        })
        .collect()
}

fn print_summary(plan: &Plan, summary: &Summary, code: i32, contract: &Outcome) {
    println!();
    println!("== summary");
    if summary.binaries == 0 {
        println!("no tests ran: cargo test stopped first (exit code {code}; see above)");
    }
    if !summary.failed.is_empty() {
        println!("failed:");
        for name in &summary.failed {
            println!("  {name}");
        }
    }
    if !plan.skipped.is_empty() || matches!(contract, Outcome::Skipped(_)) {
        println!("not set up on this machine:");
        for skipped in &plan.skipped {
            println!("  {skipped}");
        }
        if let Outcome::Skipped(reason) = contract {
            println!("  {reason}");
        }
    }
    match contract {
        Outcome::Passed => println!(
            "API contract: passed (valid OpenAPI document; schemathesis found no 5xx and no \
             answer outside the document, anonymously, as a patient and as staff)"
        ),
        Outcome::Failed(why) => println!("API contract: FAILED ({why})"),
        Outcome::Skipped(_) => {}
    }
    if !summary.ignored_because.is_empty() {
        println!("skipped tests, by reason:");
        for (reason, count) in &summary.ignored_because {
            println!("  {count:>5}  {reason}");
        }
    }
    if summary.totals.filtered_out > 0 {
        println!(
            "{} tests left out by the name filter given",
            summary.totals.filtered_out
        );
    }
    println!("{}", summary.closing_line());
}
